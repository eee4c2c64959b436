/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flow.h - flow table access, translation targets, TCP/UDP state, counters.
 *
 *   get_cfg()                        the single config entry
 *   count(idx) / count_n(idx, n)     bump a per-CPU counter
 *   flow_find(t, &dir, orig, rfirst, &tbl)  both halves of both pairs
 *   flow_find_assured(...)           the answered pair only (XDP)
 *   flow_reply_ok(f, orig, tbl, ...) the original half still owns its reply
 *                                    half (re-created when it was evicted)
 *   flow_xlate(f, key, dir, &x)      what a packet of @dir must become
 *   flow_update_state(f, dir, p, ..) TCP state machine and RST window
 *   flow_account(f, dir, p, now)     packets, last_seen, TCP window edges
 *   flow_expired(f, orig, cfg, now)  idle longer than its state allows
 *
 * The layout (two halves per flow, a cookie shared by both, an unreplied
 * pair of maps and an answered one, per family; IPv4 on 16-byte keys) is
 * described in bpfalg.h and docs/datapath.md; fm_*() below are the only
 * code that touches the maps.  Nothing here deletes another flow's half: a half that
 * does not match is a miss.
 */
#ifndef BPFALG_FLOW_H
#define BPFALG_FLOW_H

#include "bpfalg.h"
#include "bpfalg_timeout.h"
#include "lib/maps.h"
#include "lib/parse.h"

#define NSEC_PER_SEC 1000000000ULL

/*
 * The datapath's clock: CLOCK_MONOTONIC at tick resolution.  Timestamps here
 * only decide once-a-second refreshes and second-scale timeouts, and the
 * coarse clock costs no TSC read (the precise one was ~10 % of the XDP
 * path).  Userspace compares against CLOCK_MONOTONIC; the difference is at
 * most one tick.
 */
static __always_inline __u64 dp_now(void)
{
	return bpf_ktime_get_coarse_ns();
}
/* last_seen_ns is written at most this often per flow. */
#define FLOW_REFRESH_NS NSEC_PER_SEC

static __always_inline struct bpfalg_config *get_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cfg, &zero);
}

static __always_inline void count_n(__u32 idx, __u64 n)
{
	__u32 zero = 0;
	struct bpfalg_counters *c = bpf_map_lookup_elem(&counters, &zero);

	if (c && idx < BPFALG_CNT_MAX)
		c->c[idx] += n; /* per-CPU: no atomics needed */
}

static __always_inline void count(__u32 idx)
{
	count_n(idx, 1);
}

/*
 * Why the packet in hand (@p, parsed: its drop field starts at 0) is being
 * dropped, enum bpfalg_drop_reason: the first reason given stays, and
 * tc_handle() counts it once when the verdict is TC_ACT_SHOT.
 */
static __always_inline void drop_why(const struct pkt *p, __u8 why)
{
	struct pkt *w = (struct pkt *)p;

	if (!w->drop)
		w->drop = why;
}

/* What a packet becomes: new addresses (IPv4 in [0]) and ports. */
struct xlate {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
};

static __always_inline void tuple_reverse(const struct bpfalg_tuple *in,
					  struct bpfalg_tuple *out)
{
	__builtin_memcpy(out->saddr, in->daddr, 16);
	__builtin_memcpy(out->daddr, in->saddr, 16);
	out->sport = in->dport;
	out->dport = in->sport;
	out->proto = in->proto;
	out->family = in->family;
	out->pad[0] = 0;
	out->pad[1] = 0;
}

/* Which pair of maps a flow's halves live in. */
enum flow_tbl {
	FT_ASSURED = 0, /* flows* / flow_rev*: answered */
	FT_NEW = 1, /* flows*_new / flow_rev*_new: not answered yet */
};

/*
 * The map layer.  Everything below keys flows by struct bpfalg_tuple; these
 * helpers pick the family's maps and, for IPv4, the compact key.  Reply
 * halves are read by copying their (orig, cookie) out: the two families
 * store them differently, and an LRU element may be reused under us.
 */
#define FM_V4(t) ((t)->family == BPFALG_AF_INET)

/* Scratch for the larger IPv6 values and a claim's holder: the 512-byte
 * stack is shared by up to three frames here.
 */
struct fm_scratch {
	struct bpfalg_rev6 r6;
	struct bpfalg_tuple holder; /* claim_reply(), flow_reply_heal() */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fm_scratch);
} fm_scratch SEC(".maps");

static __always_inline struct fm_scratch *fm_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fm_scratch, &zero);
}
#define FM_SEL(tbl, a, b) ((tbl) == FT_NEW ? (void *)&a : (void *)&b)

static __always_inline struct bpfalg_flow *fm_orig(__u8 tbl,
						   const struct bpfalg_tuple *t)
{
	struct bpfalg_key4 k;

	if (!FM_V4(t))
		return bpf_map_lookup_elem(FM_SEL(tbl, flows6_new, flows6), t);
	bpfalg_key4_of(t, &k);
	return bpf_map_lookup_elem(FM_SEL(tbl, flows4_new, flows4), &k);
}

static __always_inline long fm_orig_put(__u8 tbl, const struct bpfalg_tuple *t,
					const struct bpfalg_flow *f,
					__u64 flags)
{
	struct bpfalg_key4 k;

	if (!FM_V4(t))
		return bpf_map_update_elem(FM_SEL(tbl, flows6_new, flows6), t,
					   f, flags);
	bpfalg_key4_of(t, &k);
	return bpf_map_update_elem(FM_SEL(tbl, flows4_new, flows4), &k, f,
				   flags);
}

static __always_inline void fm_orig_del(__u8 tbl, const struct bpfalg_tuple *t)
{
	struct bpfalg_key4 k;

	if (!FM_V4(t)) {
		bpf_map_delete_elem(FM_SEL(tbl, flows6_new, flows6), t);
		return;
	}
	bpfalg_key4_of(t, &k);
	bpf_map_delete_elem(FM_SEL(tbl, flows4_new, flows4), &k);
}

/* The reply half keyed @t: its cookie, and (@orig not NULL) its owner. */
static __always_inline bool fm_rev(__u8 tbl, const struct bpfalg_tuple *t,
				   struct bpfalg_tuple *orig, __u32 *cookie)
{
	struct bpfalg_rev4 *r4;
	struct bpfalg_rev6 *r6;
	struct bpfalg_key4 k;

	if (!FM_V4(t)) {
		r6 = bpf_map_lookup_elem(FM_SEL(tbl, flow_rev6_new, flow_rev6),
					 t);
		if (!r6)
			return false;
		*cookie = r6->cookie;
		if (orig)
			__builtin_memcpy(orig, &r6->orig, sizeof(*orig));
		return true;
	}
	bpfalg_key4_of(t, &k);
	r4 = bpf_map_lookup_elem(FM_SEL(tbl, flow_rev4_new, flow_rev4), &k);
	if (!r4)
		return false;
	*cookie = r4->cookie;
	if (orig)
		bpfalg_tuple_of4(&r4->orig, orig);
	return true;
}

static __always_inline long fm_rev_put(__u8 tbl, const struct bpfalg_tuple *t,
				       const struct bpfalg_tuple *orig,
				       __u32 cookie, __u64 flags)
{
	struct fm_scratch *sc;
	struct bpfalg_rev4 v4;
	struct bpfalg_key4 k;

	if (!FM_V4(t)) {
		sc = fm_scratch_get();
		if (!sc)
			return -1;
		__builtin_memcpy(&sc->r6.orig, orig, sizeof(sc->r6.orig));
		sc->r6.cookie = cookie;
		sc->r6.pad = 0;
		return bpf_map_update_elem(
			FM_SEL(tbl, flow_rev6_new, flow_rev6), t, &sc->r6,
			flags);
	}
	bpfalg_key4_of(t, &k);
	bpfalg_key4_of(orig, &v4.orig);
	v4.cookie = cookie;
	return bpf_map_update_elem(FM_SEL(tbl, flow_rev4_new, flow_rev4), &k,
				   &v4, flags);
}

static __always_inline void fm_rev_del(__u8 tbl, const struct bpfalg_tuple *t)
{
	struct bpfalg_key4 k;

	if (!FM_V4(t)) {
		bpf_map_delete_elem(FM_SEL(tbl, flow_rev6_new, flow_rev6), t);
		return;
	}
	bpfalg_key4_of(t, &k);
	bpf_map_delete_elem(FM_SEL(tbl, flow_rev4_new, flow_rev4), &k);
}

/* The original half keyed @t, unless it was superseded. */
static __always_inline struct bpfalg_flow *
half_orig(__u8 tbl, const struct bpfalg_tuple *t)
{
	struct bpfalg_flow *f = fm_orig(tbl, t);

	if (f && f->cookie == BPFALG_COOKIE_DEAD)
		return NULL;
	return f;
}

/*
 * The flow whose reply half is keyed @t.  The reply half counts only while
 * the original half it names carries the same cookie: after an eviction or
 * a replacement it is a miss (counted), never another flow's translation.
 */
static __always_inline struct bpfalg_flow *
half_reply(__u8 tbl, const struct bpfalg_tuple *t, struct bpfalg_tuple *orig,
	   bool quiet)
{
	struct bpfalg_flow *f;
	__u32 cookie;

	if (!fm_rev(tbl, t, orig, &cookie))
		return NULL;
	f = fm_orig(tbl, orig);
	if (!f || f->cookie != cookie || cookie == BPFALG_COOKIE_DEAD) {
		if (!quiet)
			count(BPFALG_CNT_FLOW_ORPHAN);
		return NULL;
	}
	return f;
}

/* The reply halves: the answered pair, then (@both) the unreplied one. */
static __always_inline struct bpfalg_flow *
find_reply(const struct bpfalg_tuple *t, struct bpfalg_tuple *orig, __u8 *tbl,
	   bool both, bool quiet)
{
	struct bpfalg_flow *f = half_reply(FT_ASSURED, t, orig, quiet);

	*tbl = FT_ASSURED;
	if (!f && both) {
		f = half_reply(FT_NEW, t, orig, quiet);
		*tbl = FT_NEW;
	}
	return f;
}

/* The original halves, in the same order. */
static __always_inline struct bpfalg_flow *
find_orig(const struct bpfalg_tuple *t, struct bpfalg_tuple *orig, __u8 *tbl,
	  bool both)
{
	struct bpfalg_flow *f = half_orig(FT_ASSURED, t);

	*tbl = FT_ASSURED;
	if (!f && both) {
		f = half_orig(FT_NEW, t);
		*tbl = FT_NEW;
	}
	if (f)
		__builtin_memcpy(orig, t, sizeof(*orig));
	return f;
}

/*
 * Find the flow a tuple belongs to, in both pairs (@both) or the answered
 * one only.  On success *dir says which direction the tuple travels, *orig
 * holds the original half's key and *tbl its pair.  @reply_first: look at
 * reply halves first (packets arriving from outside are mostly replies),
 * saving lookups.  The allocator never lets a public tuple key both a reply
 * half and a live original half (nat.h), so the order only changes the
 * cost.
 */
static __always_inline struct bpfalg_flow *
flow_find_in(const struct bpfalg_tuple *t, __u8 *dir, struct bpfalg_tuple *orig,
	     bool reply_first, __u8 *tbl, bool both, bool quiet)
{
	struct bpfalg_flow *f;

	if (reply_first) {
		f = find_reply(t, orig, tbl, both, quiet);
		if (f) {
			*dir = BPFALG_DIR_REPLY;
			return f;
		}
	}
	f = find_orig(t, orig, tbl, both);
	if (f) {
		*dir = BPFALG_DIR_ORIG;
		return f;
	}
	if (reply_first)
		return NULL;
	f = find_reply(t, orig, tbl, both, quiet);
	if (f)
		*dir = BPFALG_DIR_REPLY;
	return f;
}

/*
 * TC: either pair.  A miss in both looks at the answered pair once more:
 * flow_promote_copy() (nat.h) on another CPU writes the answered copy
 * before it retires the unreplied one, so a reader that looked at the
 * answered pair just before the copy and at the unreplied pair just after
 * the retirement would otherwise take a live flow for a new one (and give
 * it another public port: the server then resets the connection).
 */
static __always_inline struct bpfalg_flow *
flow_find(const struct bpfalg_tuple *t, __u8 *dir, struct bpfalg_tuple *orig,
	  bool reply_first, __u8 *tbl)
{
	struct bpfalg_flow *f =
		flow_find_in(t, dir, orig, reply_first, tbl, true, false);

	if (!f) /* a second look counts no second orphan */
		f = flow_find_in(t, dir, orig, reply_first, tbl, false, true);
	return f;
}

/* XDP forwards answered flows only: one pair of maps to look in. */
static __always_inline struct bpfalg_flow *
flow_find_assured(const struct bpfalg_tuple *t, __u8 *dir,
		  struct bpfalg_tuple *orig, bool reply_first)
{
	__u8 tbl;

	return flow_find_in(t, dir, orig, reply_first, &tbl, false, false);
}

/* Is the flow @orig of pair @tbl alive with @cookie? */
static __always_inline bool
owner_live(__u8 tbl, const struct bpfalg_tuple *orig, __u32 cookie)
{
	struct bpfalg_flow *f = fm_orig(tbl, orig);

	return f && cookie != BPFALG_COOKIE_DEAD && f->cookie == cookie;
}

/* flow_reply_ok()'s slow path.  Global: verified once, not per call site
 * (1 kept, 0 lost).
 */
__noinline int flow_reply_heal(struct bpfalg_flow *f,
			       const struct bpfalg_tuple *orig, __u32 tbl);

/*
 * Does the reply half of @f still name it?  IPv4 builds the compact key
 * straight from the flow; this runs for every original-direction packet.
 * IPv6 asks flow_reply_heal(), which checks first: its 40-byte reply key
 * would not fit the caller's stack.
 */
static __always_inline bool reply_half_ours(const struct bpfalg_flow *f,
					    const struct bpfalg_tuple *orig,
					    __u8 tbl)
{
	struct bpfalg_rev4 *r4;
	struct bpfalg_key4 k;

	if (!FM_V4(orig))
		return false;
	k.saddr = f->reply4.saddr;
	k.daddr = f->reply4.daddr;
	k.sport = f->reply4.sport;
	k.dport = f->reply4.dport;
	k.proto = orig->proto;
	k.pad[0] = k.pad[1] = k.pad[2] = 0;
	r4 = bpf_map_lookup_elem(FM_SEL(tbl, flow_rev4_new, flow_rev4), &k);
	return r4 && r4->cookie == f->cookie;
}

/*
 * A packet of the original direction may be translated only while its reply
 * half is still this flow's: replies would otherwise go elsewhere.  A reply
 * half that was evicted is re-created, unless another live flow holds the
 * public tuple by now; then this flow is over (marked dead, a miss: the
 * packet starts a new flow).  Checked on every packet, which also keeps the
 * reply half recently used in its LRU.
 */
static __always_inline bool flow_reply_ok(struct bpfalg_flow *f,
					  const struct bpfalg_tuple *orig,
					  __u8 tbl)
{
	if (reply_half_ours(f, orig, tbl))
		return true;
	return flow_reply_heal(f, orig, tbl) == 1;
}

/* In its own frame: the callers' stack is short. */
__noinline int flow_reply_heal(struct bpfalg_flow *f,
			       const struct bpfalg_tuple *orig, __u32 tbl)
{
	struct fm_scratch *sc = fm_scratch_get();
	struct bpfalg_tuple reply, *owner;
	__u32 cookie, rc;

	if (!f || !orig || !sc)
		return 0;
	owner = &sc->holder;
	tbl &= 1;
	cookie = f->cookie;
	bpfalg_flow_reply(f, orig, &reply);
	if (fm_rev(tbl, &reply, owner, &rc)) {
		if (rc == cookie)
			return 1;
		/* a live owner in either pair keeps the tuple */
		if (owner_live(tbl, owner, rc))
			goto lost;
	}
	if (fm_rev(!tbl, &reply, owner, &rc) && owner_live(!tbl, owner, rc))
		goto lost;
	if (fm_rev_put(tbl, &reply, orig, cookie, BPF_ANY))
		goto lost;
	count(BPFALG_CNT_REV_HEALED);
	return 1;
lost:
	f->cookie = BPFALG_COOKIE_DEAD;
	count(BPFALG_CNT_FLOW_ORPHAN);
	return 0;
}

/*
 * Translation is symmetric: the original direction leaves as the reversed
 * reply tuple, the reply direction as the reversed original tuple.
 */
static __always_inline void flow_xlate(const struct bpfalg_flow *f,
				       const struct bpfalg_tuple *orig,
				       __u8 dir, struct xlate *x)
{
	if (dir == BPFALG_DIR_ORIG && FM_V4(orig)) { /* only [0] is read */
		x->saddr[0] = f->reply4.daddr;
		x->daddr[0] = f->reply4.saddr;
		x->sport = f->reply4.dport;
		x->dport = f->reply4.sport;
	} else if (dir == BPFALG_DIR_ORIG) { /* IPv6: not translated */
		__builtin_memcpy(x->saddr, orig->saddr, 16);
		__builtin_memcpy(x->daddr, orig->daddr, 16);
		x->sport = orig->sport;
		x->dport = orig->dport;
	} else {
		__builtin_memcpy(x->saddr, orig->daddr, 16);
		__builtin_memcpy(x->daddr, orig->saddr, 16);
		x->sport = orig->dport;
		x->dport = orig->sport;
	}
}

static __always_inline bool flow_expired(const struct bpfalg_flow *f,
					 const struct bpfalg_tuple *orig,
					 const struct bpfalg_config *c,
					 __u64 now)
{
	__u64 idle = now - f->last_seen_ns;

	return now > f->last_seen_ns &&
	       idle > (__u64)bpfalg_flow_timeout(f, orig, &c->timeouts) *
			       NSEC_PER_SEC;
}

/* (s32)(a - b) > 0: a is after b in sequence space. */
static __always_inline bool seq_after(__u32 a, __u32 b)
{
	return (__s32)(a - b) > 0;
}

/* Bytes of TCP payload in @p. */
static __always_inline __u32 tcp_payload_len(const struct pkt *p)
{
	__u32 hdrs = p->l4_off - p->l3_off + p->tcp_hlen;

	return p->l3_len > hdrs ? p->l3_len - hdrs : 0;
}

/*
 * The edges a RST is checked against: the highest sequence number each
 * direction has sent, and the largest window each has offered.  Both XDP and
 * TC run it, so data the fast path forwarded moves the edge too.
 */
static __always_inline void flow_track_tcp(struct bpfalg_flow *f, __u8 dir,
					   const struct pkt *p)
{
	__u32 end = p->tcp_seq + tcp_payload_len(p);
	__u32 win = p->tcp_win, rwin = f->tcp_maxwin[!dir];
	__u32 edge = f->tcp_end[dir];

	if (p->tcp_flags & (TCPF_SYN | TCPF_FIN))
		end++;
	if (!(p->tcp_flags & TCPF_SYN))
		win <<= f->tcp_wscale[dir] & 15;
	/*
	 * The edge moves only for a segment inside the window the receiver
	 * offered (conntrack's rule): a blind attacker's guessed sequence
	 * number must not become the edge its next RST is checked against.
	 * A RST never moves it.  Unknown edges or windows (first segment,
	 * a mid-stream pickup whose window scale was never seen) are taken.
	 */
	if (p->tcp_flags & TCPF_RST)
		return;
	if (!(f->tcp_seen[dir] & BPFALG_TS_END) ||
	    (f->flags & BPFALG_FF_MIDSTREAM) || !rwin) {
		if (!(f->tcp_seen[dir] & BPFALG_TS_END) || seq_after(end, edge))
			f->tcp_end[dir] = end;
		f->tcp_seen[dir] |= BPFALG_TS_END;
	} else if (seq_after(end, edge) && !seq_after(end, edge + rwin)) {
		f->tcp_end[dir] = end;
	} else if (seq_after(end, edge)) {
		return; /* beyond the window: changes nothing */
	}
	if (win > f->tcp_maxwin[dir])
		f->tcp_maxwin[dir] = win;
	if (p->tcp_flags & TCPF_ACK)
		f->tcp_seen[dir] |= BPFALG_TS_ACK;
}

/* Per-packet accounting, shared by XDP and TC. */
static __always_inline void flow_account(struct bpfalg_flow *f, __u8 dir,
					 const struct pkt *p, __u64 now)
{
	dir &= 1;
	__sync_fetch_and_add(&f->packets[dir], 1);
	/* from outside: an inbound flow's original direction, an outbound
	 * one's replies
	 */
	count_n((dir == BPFALG_DIR_ORIG) == !!(f->flags & BPFALG_FF_INBOUND) ?
			BPFALG_CNT_BYTES_IN :
			BPFALG_CNT_BYTES_OUT,
		p->l3_len);
	if (now - f->last_seen_ns > FLOW_REFRESH_NS)
		f->last_seen_ns = now;
	if (p->t.proto == BPFALG_IPPROTO_TCP && p->kind == PK_PORTS)
		flow_track_tcp(f, dir, p);
}

/*
 * Is a RST sent by @dir inside the window its receiver offered?  A blind
 * attacker has to guess the sequence number; a real endpoint sends its next
 * sequence number.  Unknown edges (picked up mid-stream, nothing sent yet)
 * and a refusal of our SYN (RST+ACK in SYN_SENT) are accepted.
 */
static __always_inline bool flow_rst_ok(const struct bpfalg_flow *f, __u8 dir,
					const struct pkt *p)
{
	__u32 win = f->tcp_maxwin[!dir], edge = f->tcp_end[dir];

	if (!(f->tcp_seen[dir] & BPFALG_TS_END))
		return true;
	if (f->state == BPFALG_ST_SYN_SENT && dir == BPFALG_DIR_REPLY)
		return p->tcp_flags & TCPF_ACK;
	if (win < 1)
		win = 1;
	return !seq_after(p->tcp_seq, edge + win) &&
	       !seq_after(edge - win - 1, p->tcp_seq);
}

/*
 * Conntrack-like state machine, run in TC only (XDP never sees SYN, FIN or
 * RST).  @wscale: the window scale option of a SYN (0 none).  Returns false
 * for a packet that is invalid for the state.
 */
static __always_inline bool flow_update_state(struct bpfalg_flow *f, __u8 dir,
					      const struct pkt *p, __u8 wscale,
					      __u64 now)
{
	__u8 fl = p->tcp_flags;
	__u8 st = f->state;

	dir &= 1;
	if (p->t.proto != BPFALG_IPPROTO_TCP) {
		if (dir == BPFALG_DIR_REPLY && st == BPFALG_ST_NEW) {
			f->state = BPFALG_ST_ESTABLISHED;
			f->last_seen_ns = now;
		}
		return true;
	}
	if (p->kind == PK_FRAG)
		return true;

	if (fl & TCPF_RST) {
		if (!flow_rst_ok(f, dir, p)) {
			count(BPFALG_CNT_RST_OUT_OF_WINDOW);
			return true; /* ignored: passed on, state kept */
		}
		/* In the window but not at the sender's next sequence number
		 * (a stale RST, or a guess): the endpoint decides (RFC 5961
		 * stacks answer with a challenge ACK); the entry stays as it
		 * is, as conntrack keeps it.  A real end's RST carries its
		 * SND.NXT, which is the edge this gateway saw it reach.
		 */
		if ((f->tcp_seen[dir] & BPFALG_TS_END) &&
		    !(f->state == BPFALG_ST_SYN_SENT &&
		      dir == BPFALG_DIR_REPLY) &&
		    p->tcp_seq != f->tcp_end[dir]) {
			count(BPFALG_CNT_RST_NOT_EXACT);
			return true;
		}
		st = BPFALG_ST_CLOSE;
	} else if ((fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		if (dir != BPFALG_DIR_ORIG)
			return st != BPFALG_ST_SYN_SENT; /* simultaneous open */
		if (st == BPFALG_ST_NEW) {
			f->tcp_seen[0] = 0;
			f->tcp_seen[1] = 0;
			st = BPFALG_ST_SYN_SENT;
		}
		f->tcp_seen[0] |= BPFALG_TS_SYN;
		f->tcp_wscale[0] = wscale;
	} else if (fl & TCPF_SYN) { /* SYN-ACK */
		if (dir == BPFALG_DIR_REPLY && st == BPFALG_ST_SYN_SENT)
			st = BPFALG_ST_SYN_RECV;
		f->tcp_seen[dir] |= BPFALG_TS_SYN;
		f->tcp_wscale[dir] = wscale;
		/* scaling holds only when both sides offered it */
		if (!wscale)
			f->tcp_wscale[!dir] = 0;
	} else {
		if (fl & TCPF_FIN)
			f->tcp_seen[dir] |= BPFALG_TS_FIN;
		if (st == BPFALG_ST_SYN_RECV && dir == BPFALG_DIR_ORIG &&
		    (fl & TCPF_ACK))
			st = BPFALG_ST_ESTABLISHED;
		if ((f->tcp_seen[0] & BPFALG_TS_FIN) &&
		    (f->tcp_seen[1] & BPFALG_TS_FIN))
			st = BPFALG_ST_TIME_WAIT;
		else if ((fl & TCPF_FIN) && st <= BPFALG_ST_ESTABLISHED)
			st = BPFALG_ST_FIN_WAIT;
	}
	if (st != f->state) {
		f->state = st;
		f->last_seen_ns = now;
	}
	return true;
}

/*
 * Has an unreplied flow just been answered?  UDP and ICMP on their first
 * reply; TCP once the handshake is done, or for a flow picked up mid-stream
 * once the other side has spoken: then it moves to the answered pair.
 */
static __always_inline bool flow_answered(const struct bpfalg_flow *f)
{
	if (f->state != BPFALG_ST_ESTABLISHED)
		return false;
	if (f->flags & BPFALG_FF_MIDSTREAM)
		return f->tcp_seen[BPFALG_DIR_REPLY] & BPFALG_TS_ACK;
	return true;
}

#endif /* BPFALG_FLOW_H */
