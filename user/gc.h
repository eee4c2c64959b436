/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gc.h - the controller's expiry sweep over the pinned tables.
 *
 * The flow maps are LRU, so the GC is not what keeps them from filling; it
 * ends flows when their state's timeout says so (their public port goes
 * back to the pool, `algctl events` hears of it), and removes halves that
 * lost their other half.  It works in slices: each gc_step() reads at most
 * GC_SLICE entries (in batches, BPF_MAP_LOOKUP_BATCH) and returns, so the
 * daemon's loop serves the ring buffer and signals between slices whatever
 * the table size; a sweep ends with the pinholes and fragment records.
 *
 * Deletions go through flowtab_delete(): an original half is deleted only
 * if it still carries the cookie the sweep read, and re-read just before;
 * a reply half is checked against the original halves the sweep dumped
 * (an in-memory set of their keys and cookies) and read once more before
 * its delete, so a flow made meanwhile is never touched.
 */
#ifndef BPFALG_GC_H
#define BPFALG_GC_H

#include <stdbool.h>
#include <linux/types.h>

#include "bpfalg.h"
#include "flowtab.h"

/* Entries read per slice (one slice per daemon tick). */
#define GC_SLICE 65536

struct gc_maps {
	struct flowtab ft;
	int pinholes, frags;
};

struct gc_stats {
	__u64 flows_expired;
	__u64 rev_orphans;
	__u64 pinholes_expired;
	__u64 frags_expired;
	__u64 sweeps; /* completed sweeps */
	__u64 entries_read;
	__u64 busy_ns; /* time spent in gc_step() */
	__u64 last_sweep_ns; /* wall time of the last complete sweep */
};

struct gc_set; /* keys and cookies of the original halves seen */

/* A sweep in progress: where it stands. */
struct gc_state {
	int phase; /* enum in gc.c */
	__u64 batch; /* BPF_MAP_LOOKUP_BATCH position in the current map */
	bool started; /* a batch position is held */
	__u64 sweep_start_ns;
	struct gc_set *seen;
};

#define GC_FRAG_MAX_AGE_NS (30ULL * 1000000000ULL)

/* True when @f, original tuple @orig, has been idle past its timeout. */
int gc_flow_expired(const struct bpfalg_flow *f,
		    const struct bpfalg_tuple *orig,
		    const struct bpfalg_timeouts *to, __u64 now);

/*
 * One slice of the sweep (a new sweep starts when none is under way).
 * Adds what it removed to @st.  Returns 1 when the sweep is complete, 0
 * when more slices are due, -errno on error (the sweep restarts).
 */
int gc_step(const struct gc_maps *m, struct gc_state *gs,
	    const struct bpfalg_timeouts *to, __u64 now, struct gc_stats *st);

/* A whole sweep at once (tests, algctl): gc_step() until complete. */
int gc_run(const struct gc_maps *m, const struct bpfalg_timeouts *to, __u64 now,
	   struct gc_stats *st);

void gc_state_free(struct gc_state *gs);

/* The daemon's totals, for the metrics thread (copied atomically). */
void gc_totals_publish(const struct gc_stats *st);
void gc_totals_read(struct gc_stats *st);

#endif
