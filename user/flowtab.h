/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flowtab.h - the controller's and algctl's view of the flow table.
 *
 * The table is four pinned LRU maps: original and reply halves, of answered
 * flows (flows, flow_rev) and of unreplied ones (flows_new, flow_rev_new);
 * bpfalg.h describes the halves and the cookie they share.  Everything in
 * user/ that reads or writes flows goes through here, so the rules are kept
 * in one place: a half counts only while its cookie matches the other's, a
 * dead (superseded) original half is a miss, and a half is deleted only
 * when it still carries the cookie of the flow being removed.
 *
 *   flowtab_open / flowtab_close
 *   flowtab_lookup(ft, orig, &f, &tbl)      original half, either pair
 *   flowtab_lookup_reply(ft, reply, &o, &f) through a reply half
 *   flowtab_insert(ft, orig, &f)            a controller-made flow (a SIP
 *                                           media binding), answered pair
 *   flowtab_touch(ft, orig, now)            refresh last_seen in place
 *   flowtab_delete(ft, orig, cookie)        both halves, if still that flow
 *   flowtab_walk(ft, cb, arg)               every live original half,
 *                                           read in batches
 */
#ifndef BPFALG_FLOWTAB_H
#define BPFALG_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfalg.h"

enum flowtab_pair {
	FLOWTAB_ANSWERED = 0, /* flows / flow_rev */
	FLOWTAB_UNREPLIED = 1, /* flows_new / flow_rev_new */
	FLOWTAB_PAIRS,
};

extern const char *const flowtab_orig_name[FLOWTAB_PAIRS];
extern const char *const flowtab_rev_name[FLOWTAB_PAIRS];

struct flowtab {
	int orig[FLOWTAB_PAIRS]; /* original halves */
	int rev[FLOWTAB_PAIRS]; /* reply halves */
};

/* Open the four maps under @pin_path; 0, or -1 with a reason in @err. */
int flowtab_open(struct flowtab *ft, const char *pin_path, char *err,
		 size_t errlen);
void flowtab_close(struct flowtab *ft);

/* The live original half keyed @orig: 0 (and *pair if not NULL), -1 none. */
int flowtab_lookup(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   struct bpfalg_flow *f, int *pair);

/* The live flow whose reply half is @reply: 0 with its key in @orig. */
int flowtab_lookup_reply(const struct flowtab *ft,
			 const struct bpfalg_tuple *reply,
			 struct bpfalg_tuple *orig, struct bpfalg_flow *f);

/*
 * Insert @f (original tuple @orig) into the answered pair with a new cookie
 * (written to f->cookie), claiming f->reply the way the datapath does: the
 * reply half with BPF_NOEXIST unless its holder is gone or dead.  -1 when
 * the reply tuple or the original tuple belongs to a live flow.
 */
int flowtab_insert(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   struct bpfalg_flow *f);

/* Set last_seen_ns of the live flow @orig to @now (its whole value is
 * written back: a packet counted in between may be lost from its counters).
 */
int flowtab_touch(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		  __u64 now);

/* Delete the halves of flow @orig that still carry @cookie; 0 when the
 * original half was deleted.
 */
int flowtab_delete(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   __u32 cookie);

/* Call @cb for every live original half, answered pair first; a non-zero
 * return stops the walk and is returned.  Reads in batches (one bpf() call
 * per few thousand entries).
 */
typedef int (*flowtab_cb)(const struct bpfalg_tuple *orig,
			  const struct bpfalg_flow *f, int pair, void *arg);
int flowtab_walk(const struct flowtab *ft, flowtab_cb cb, void *arg);

/*
 * A public port for the new SNAT flow @orig whose packet found none within
 * the datapath's probe budget: walk [@lo, @hi] from a random point, claim
 * the first free reply tuple on public address @pub (IPv4) in the
 * unreplied pair as the datapath does, and insert the flow in the state its
 * first packet gives it, so the sender's retransmission finds it.  0 with
 * *port, -1 when every port of the range is held.
 */
int flowtab_snat_search(const struct flowtab *ft,
			const struct bpfalg_tuple *orig, __be32 pub, __u16 lo,
			__u16 hi, __u32 in_ifindex, __u32 out_ifindex,
			__u16 *port);

/* Live original halves in both pairs (walks them); -errno on error. */
long flowtab_count(const struct flowtab *ft);

#endif
