/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics.h - `algctl daemon --metrics ADDR:PORT`: GET /metrics in the
 * Prometheus text exposition format (version 0.0.4), served by
 * libmicrohttpd.
 *
 * Everything but the controller latency histogram and the subscriber
 * counts is read from the pinned maps at scrape time, so the numbers are
 * exactly what `algctl stats/flows/pinholes/calls -j` say.  The server
 * runs in libmicrohttpd's own thread: a scrape walks the flow table (up
 * to millions of entries, in batches), which must not hold up the punted
 * control packets of the daemon's loop.  That thread reads only the
 * kernel's maps (synchronised by the kernel) and counters the loop
 * updates atomically (engine/events.h, monitor.h).
 */
#ifndef BPFALG_METRICS_H
#define BPFALG_METRICS_H

#include <stddef.h>

struct metrics;

/* Listen on @listen ("ADDR:PORT", "[V6]:PORT", ":PORT"); NULL with a
 * one-line reason in @err.
 */
struct metrics *metrics_start(const char *listen, const char *pin_path,
			      char *err, size_t errlen);
void metrics_stop(struct metrics *m);

/* The exposition text for @pin_path (malloc'd, *len set), or NULL with a
 * reason in @err (bpfalg not up).
 */
char *metrics_render(const char *pin_path, size_t *len, char *err,
		     size_t errlen);

#endif
