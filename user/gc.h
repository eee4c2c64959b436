/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gc.h - the controller's expiry sweep over the pinned tables.
 *
 * The flow maps are LRU, so the GC is not what keeps them from filling; it
 * ends flows when their state's timeout says so (their public port goes
 * back to the pool, `algctl events` hears of it), and removes halves that
 * lost their other half.  A sweep reads the original halves of all four
 * pairs (IPv4 and IPv6, answered and unreplied; flowtab.h), then their
 * reply halves, each map in its own key and value form, and ends with the
 * pinholes and fragment records.  It works in slices: each gc_step() reads
 * at most GC_SLICE entries (in batches, BPF_MAP_LOOKUP_BATCH) and returns.
 * The daemon runs sweeps on a thread of their own (gc_thread.c), so the
 * ring buffer is served whatever the table size.
 *
 * Deletions go through flowtab_delete(): an original half is deleted only
 * if it still carries the cookie the sweep read, and re-read just before;
 * a reply half is checked against the original halves the sweep dumped
 * (an in-memory set of their keys and cookies), must have been found
 * without it by the previous sweep too, and is read once more before
 * its delete, so a flow made meanwhile is never touched.
 */
#ifndef BPFALG_GC_H
#define BPFALG_GC_H

#include <stdbool.h>
#include <linux/types.h>

#include "bpfalg.h"
#include "flowtab.h"

/* Entries read per slice; a deletion costs GC_DELETE_COST entries of it (a
 * handful of bpf() calls each), so a slice stays short (a few ms) whatever
 * it finds, and the thread notices a stop request between slices.
 */
#define GC_SLICE 16384
#define GC_DELETE_COST 16

/* What a sweep ended, for `algctl events`: handed to gc_maps.ended. */
enum gc_ended_kind { GC_ENDED_FLOW, GC_ENDED_PINHOLE };
struct gc_ended {
	enum gc_ended_kind kind;
	union {
		struct {
			struct bpfalg_tuple k;
			struct bpfalg_flow f;
		} flow;
		struct {
			struct bpfalg_pinhole_key k;
			struct bpfalg_pinhole v;
		} ph;
	};
};

struct gc_maps {
	struct flowtab ft;
	int pinholes, frags;
	int hosts; /* host_answered (-1: not recounted) */
	/* told of every flow and pinhole the sweep ends (may be NULL) */
	void (*ended)(void *arg, const struct gc_ended *e);
	void *arg;
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

/*
 * What a complete sweep found, for the metrics (a scrape never walks the
 * flow table): the original halves it left in place, by protocol
 * (GC_P_*), state, translation and owning ALG, and the entries left in
 * each of the eight flow maps.  A sweep of a large table spans seconds, so
 * these are counts over that span, not one instant's.
 */
enum { GC_P_TCP, GC_P_UDP, GC_P_ICMP, GC_P_ICMP6, GC_P_OTHER, GC_P_N };
struct gc_census {
	__u64 by[GC_P_N][BPFALG_ST_MAX];
	__u64 nat[3]; /* enum bpfalg_nat_kind */
	__u64 control[BPFALG_ALG_MAX]; /* ALG control channels */
	__u64 orig[FLOWTAB_FAMS][FLOWTAB_PAIRS]; /* entries per map */
	__u64 rev[FLOWTAB_FAMS][FLOWTAB_PAIRS];
	__u64 done_ns; /* CLOCK_MONOTONIC at the sweep's end; 0: none yet */
	__u64 done_unix_ns; /* CLOCK_REALTIME at the same moment */
};

/* GC_P_* of an IP protocol number. */
int gc_census_proto(__u8 proto);

struct gc_set; /* hashes of halves: keys and cookies */
struct gc_hosts; /* answered flows per inside address */

/* A sweep in progress: where it stands. */
struct gc_state {
	int phase; /* enum in gc.c: the map (family, pair, half) under way */
	__u64 batch; /* BPF_MAP_LOOKUP_BATCH position in the current map */
	bool started; /* a batch position is held */
	__u64 sweep_start_ns;
	struct gc_set *seen; /* original halves this sweep read */
	/* Reply halves without their original half: deleted only when the
	 * previous sweep found them so too.  A reply half is written before
	 * its original half (the claim comes first), so one sweep may read
	 * a flow being made; it is never an orphan two sweeps running.
	 */
	struct gc_set *suspects, *next_suspects;
	/* --max-flows-per-host is set: answered flows per inside address
	 * (those it originated) are counted as the sweep reads them (both families) and written
	 * back after the last original half
	 */
	bool count_hosts;
	struct gc_hosts *hosts;
	struct gc_census census; /* of the sweep under way */
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

/* Forget the sweep under way and the suspects (daemon exit). */
void gc_state_free(struct gc_state *gs);

/* The daemon's totals, for the metrics thread (copied atomically). */
void gc_totals_publish(const struct gc_stats *st);
void gc_totals_read(struct gc_stats *st);
/* The census of the last complete sweep (gc_step publishes it). */
void gc_census_publish(const struct gc_census *c);
void gc_census_read(struct gc_census *c);

#endif
