/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flowtab.h - the controller's and algctl's view of the flow table.
 *
 * The table is eight pinned LRU maps: original and reply halves, of
 * answered flows (flows4, flow_rev4) and of unreplied ones (flows4_new,
 * flow_rev4_new), and the same four for IPv6 (flows6...).  IPv4 maps are
 * keyed by the compact struct bpfalg_key4, IPv6 maps by struct
 * bpfalg_tuple; callers here always use struct bpfalg_tuple and never see
 * the difference.  bpfalg.h describes the halves and the cookie they
 * share.  Everything in user/ that reads or writes flows goes through
 * here, so the rules are kept
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
 *   flowtab_remove(ft, hosts, orig, &f)     the same, and the host's share
 *   flowtab_walk(ft, cb, arg)               every live original half,
 *                                           read in batches
 */
#ifndef BPFALG_FLOWTAB_H
#define BPFALG_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfalg.h"

enum flowtab_pair {
	FLOWTAB_ANSWERED = 0, /* flows* / flow_rev* */
	FLOWTAB_UNREPLIED = 1, /* flows*_new / flow_rev*_new */
	FLOWTAB_PAIRS,
};

enum flowtab_family {
	FLOWTAB_V4 = 0,
	FLOWTAB_V6 = 1,
	FLOWTAB_FAMS,
};

/* Pinned map names, e.g. flowtab_orig_name[FLOWTAB_V4][FLOWTAB_ANSWERED]
 * is "flows4".
 */
extern const char *const flowtab_orig_name[FLOWTAB_FAMS][FLOWTAB_PAIRS];
extern const char *const flowtab_rev_name[FLOWTAB_FAMS][FLOWTAB_PAIRS];

struct flowtab {
	int orig[FLOWTAB_FAMS][FLOWTAB_PAIRS]; /* original halves */
	int rev[FLOWTAB_FAMS][FLOWTAB_PAIRS]; /* reply halves */
};

/*
 * The raw forms, for code that reads the maps in batches itself (the GC):
 * key and reply-half value sizes of a family, and their conversion.
 */
size_t flowtab_key_size(int fam);
size_t flowtab_rev_size(int fam);
void flowtab_key_to_tuple(int fam, const void *key, struct bpfalg_tuple *t);
void flowtab_tuple_to_key(const struct bpfalg_tuple *t, void *key);
void flowtab_rev_decode(int fam, const void *val, struct bpfalg_tuple *orig,
			__u32 *cookie);
static inline int flowtab_fam(const struct bpfalg_tuple *t)
{
	return t->family == BPFALG_AF_INET ? FLOWTAB_V4 : FLOWTAB_V6;
}

/*
 * One half of pair @p keyed by tuple @t, as stored (a dead original half
 * too: the rules above are the callers'): 0 or -1 with errno.
 *   flowtab_half_get/put/del   original halves
 *   flowtab_rev_get/put/del    reply halves (owner tuple and cookie)
 */
int flowtab_half_get(const struct flowtab *ft, int p,
		     const struct bpfalg_tuple *t, struct bpfalg_flow *f);
int flowtab_half_put(const struct flowtab *ft, int p,
		     const struct bpfalg_tuple *t, const struct bpfalg_flow *f,
		     __u64 flags);
int flowtab_half_del(const struct flowtab *ft, int p,
		     const struct bpfalg_tuple *t);
int flowtab_rev_get(const struct flowtab *ft, int p,
		    const struct bpfalg_tuple *t, struct bpfalg_tuple *orig,
		    __u32 *cookie);
int flowtab_rev_put(const struct flowtab *ft, int p,
		    const struct bpfalg_tuple *t, const struct bpfalg_tuple *orig,
		    __u32 cookie, __u64 flags);
int flowtab_rev_del(const struct flowtab *ft, int p,
		    const struct bpfalg_tuple *t);

/* Mark every descriptor closed (what flowtab_close leaves behind). */
void flowtab_init(struct flowtab *ft);

/* Open the eight maps under @pin_path; 0, or -1 with a reason in @err. */
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
 * (written to f->cookie), claiming its reply tuple the way the datapath
 * does: the reply half with BPF_NOEXIST unless its holder is gone or dead.
 * -1 when the reply tuple or the original tuple belongs to a live flow.
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

/*
 * Remove flow @orig, whose original half (as a walk or lookup read it) is
 * @f, the way the controller's sweep ends one: in either pair, both
 * halves, each only while it still carries f->cookie.  An answered flow
 * its inside host originated also leaves that host's count in
 * host_answered (@hosts_fd, -1: none kept).  0 when an original half was
 * deleted, -1 when the flow was gone or replaced meanwhile.
 */
int flowtab_remove(const struct flowtab *ft, int hosts_fd,
		   const struct bpfalg_tuple *orig,
		   const struct bpfalg_flow *f);

/* Call @cb for every live original half, IPv4 first, answered pair
 * first; a non-zero return stops the walk and is returned.  Reads in
 * batches (one bpf() call per few thousand entries).
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

/* Live original halves in all pairs (walks them); -errno on error. */
long flowtab_count(const struct flowtab *ft);

#endif
