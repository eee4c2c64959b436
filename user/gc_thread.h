/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gc_thread.h - the expiry sweep (gc.h) on a thread of its own.
 *
 * The daemon's loop serves the punt ring buffer; a sweep over a million
 * flows takes seconds of bpf() calls, so it runs here instead.  A sweep
 * starts at most every GC_INTERVAL_NS, and no sooner than GC_CPU_SHARE
 * times its predecessor's busy time after that one started: on a large
 * table the sweep uses at most about 1/GC_CPU_SHARE of a core.  After a
 * sweep that ended flows (a flood's flows expire together) the factor is
 * GC_CPU_SHARE_BUSY, and no gap exceeds GC_INTERVAL_MAX_NS.  What it
 * ends is queued for `algctl events`, which the loop reports
 * (gc_thread_drain): the events module is the loop's alone.  Stopping
 * waits for the slice under way, a few milliseconds.
 */
#ifndef BPFALG_GC_THREAD_H
#define BPFALG_GC_THREAD_H

#include <stddef.h>

#include "gc.h"

#define GC_INTERVAL_NS (2ULL * 1000000000ULL)
#define GC_CPU_SHARE 20
#define GC_CPU_SHARE_BUSY 4
#define GC_INTERVAL_MAX_NS (30ULL * 1000000000ULL)
/* Ended flows and pinholes queued for events between two drains. */
#define GC_QUEUE_MAX 65536

struct gc_thread;

/* Start sweeping the tables of @m (fds stay the caller's) for the daemon
 * of @pin_path; NULL with a reason in @err.
 */
struct gc_thread *gc_thread_start(const char *pin_path,
				  const struct gc_maps *m, char *err,
				  size_t errlen);
/* Ask the thread to stop and wait for it. */
void gc_thread_stop(struct gc_thread *t);
/* Report what the sweeps ended since the last call (the daemon's loop). */
void gc_thread_drain(struct gc_thread *t);

#endif
