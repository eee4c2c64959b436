/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * calls_view.h - what the datapath saw of one media stream of a SIP call
 * (the packet counters of its binding's flow) and the verdict on
 * it: ok, one-way (with the likely reason), no-media, hold, waiting,
 * not-bound, ended.  Shared by `algctl calls` and `algctl doctor`.
 */
#ifndef BPFALG_CALLS_VIEW_H
#define BPFALG_CALLS_VIEW_H

#include <stdbool.h>
#include <linux/types.h>

#include "bpfalg.h"

/* A stream silent one way for longer than this is called one-way. */
#define CALLS_ONE_WAY_S 4

struct stream_view {
	bool flow; /* the binding's flow exists */
	__u64 pkts_out, pkts_in; /* out: from inside */
	unsigned long long age_s; /* since the binding was made */
	const char *status, *reason;
};

/*
 * The stream (inside in_port <-> the peer's peer_port) of media @m of call
 * @c, read from the flow table @ft (may be NULL) at CLOCK_MONOTONIC @now.
 */
struct flowtab;
void calls_stream_view(const struct flowtab *ft, const struct bpfalg_call *c,
		       const struct bpfalg_call_media *m, __u16 in_port,
		       __u16 peer_port, unsigned long long now,
		       struct stream_view *v);

#endif
