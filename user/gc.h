/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gc.h - the controller's expiry pass over the pinned tables.
 *
 * Flows idle longer than their state's timeout are deleted: reply index
 * first (only if it still points at this flow), then the flow.  Each entry
 * is read again right before its delete, so a packet that refreshed it in
 * the meantime keeps it alive.  Reply index entries whose flow is gone
 * (LRU eviction) and expired pinholes and fragment records go too.
 */
#ifndef BPFALG_GC_H
#define BPFALG_GC_H

#include <linux/types.h>

#include "bpfalg.h"

struct gc_maps {
	int flows, flow_rev, pinholes, frags;
};

struct gc_stats {
	__u64 flows_expired;
	__u64 rev_orphans;
	__u64 pinholes_expired;
	__u64 frags_expired;
};

#define GC_FRAG_MAX_AGE_NS (30ULL * 1000000000ULL)

/* True when @f, original tuple @orig, has been idle past its timeout. */
int gc_flow_expired(const struct bpfalg_flow *f,
		    const struct bpfalg_tuple *orig,
		    const struct bpfalg_timeouts *to, __u64 now);

/* One pass; adds what it removed to @st.  0 or -errno. */
int gc_run(const struct gc_maps *m, const struct bpfalg_timeouts *to, __u64 now,
	   struct gc_stats *st);

#endif
