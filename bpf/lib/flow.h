/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flow.h - flow table access, translation targets, TCP/UDP state, counters.
 *
 *   get_cfg()                       the single config entry
 *   count(idx) / count_n(idx, n)    bump a per-CPU counter
 *   flow_find(t, &dir, orig, rfirst) look a tuple up in both directions
 *   flow_xlate(f, key, dir, &x)     what a packet of @dir must become
 *   flow_update(f, dir, p, now)     state machine, counters, last_seen
 *   flow_expired(f, orig, cfg, now) idle longer than its state allows
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

/* The reply index entry @t maps to, and its flow; an orphan is removed. */
static __always_inline struct bpfalg_flow *
flow_find_reply(const struct bpfalg_tuple *t, struct bpfalg_tuple *orig)
{
	struct bpfalg_tuple *o = bpf_map_lookup_elem(&flow_rev, t);
	struct bpfalg_flow *f;

	if (!o)
		return NULL;
	__builtin_memcpy(orig, o, sizeof(*orig));
	f = bpf_map_lookup_elem(&flows, orig);
	if (!f) {
		bpf_map_delete_elem(&flow_rev, t);
		count(BPFALG_CNT_FLOW_ORPHAN);
	}
	return f;
}

/*
 * Find the flow a tuple belongs to.  On success *dir says which direction
 * the tuple travels and *orig holds the flow table key.  A reply index entry
 * whose flow has gone (LRU eviction) is removed and counted: a half pair
 * never translates anything.  @reply_first: look in the reply index first
 * (packets arriving from outside are mostly replies), saving a lookup.
 * A tuple is never in both tables (the allocator refuses a public tuple that
 * keys a DNAT flow), so the order only changes the cost.
 */
static __always_inline struct bpfalg_flow *
flow_find(const struct bpfalg_tuple *t, __u8 *dir, struct bpfalg_tuple *orig,
	  bool reply_first)
{
	struct bpfalg_flow *f;

	if (reply_first) {
		f = flow_find_reply(t, orig);
		if (f) {
			*dir = BPFALG_DIR_REPLY;
			return f;
		}
	}
	f = bpf_map_lookup_elem(&flows, t);
	if (f) {
		*dir = BPFALG_DIR_ORIG;
		__builtin_memcpy(orig, t, sizeof(*orig));
		return f;
	}
	if (reply_first)
		return NULL;
	f = flow_find_reply(t, orig);
	if (f)
		*dir = BPFALG_DIR_REPLY;
	return f;
}

/*
 * Translation is symmetric: the original direction leaves as the reversed
 * reply tuple, the reply direction as the reversed original tuple.
 */
static __always_inline void flow_xlate(const struct bpfalg_flow *f,
				       const struct bpfalg_tuple *orig,
				       __u8 dir, struct xlate *x)
{
	if (dir == BPFALG_DIR_ORIG) {
		__builtin_memcpy(x->saddr, f->reply.daddr, 16);
		__builtin_memcpy(x->daddr, f->reply.saddr, 16);
		x->sport = f->reply.dport;
		x->dport = f->reply.sport;
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

/* Per-packet accounting, shared by XDP and TC. */
static __always_inline void flow_account(struct bpfalg_flow *f, __u8 dir,
					 __u32 bytes, __u64 now)
{
	__sync_fetch_and_add(&f->packets[dir & 1], 1);
	__sync_fetch_and_add(&f->bytes[dir & 1], bytes);
	if (now - f->last_seen_ns > FLOW_REFRESH_NS)
		f->last_seen_ns = now;
}

/*
 * Conntrack-like state machine, run in TC only (XDP never sees SYN, FIN or
 * RST).  Returns false for a packet that is invalid for the state.
 */
static __always_inline bool flow_update_state(struct bpfalg_flow *f, __u8 dir,
					      const struct pkt *p, __u64 now)
{
	__u8 fl = p->tcp_flags;
	__u8 st = f->state;

	if (p->t.proto != BPFALG_IPPROTO_TCP) {
		if (dir == BPFALG_DIR_REPLY && st == BPFALG_ST_NEW) {
			f->state = BPFALG_ST_ESTABLISHED;
			f->last_seen_ns = now;
		}
		return true;
	}
	if (p->kind == PK_FRAG)
		return true;

	dir &= 1;
	if (fl & TCPF_RST) {
		st = BPFALG_ST_CLOSE;
	} else if ((fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		if (dir != BPFALG_DIR_ORIG)
			return st != BPFALG_ST_SYN_SENT; /* simultaneous open */
		if (st >= BPFALG_ST_TIME_WAIT || st == BPFALG_ST_NEW) {
			/* new connection reusing the tuple */
			f->tcp_seen[0] = 0;
			f->tcp_seen[1] = 0;
			st = BPFALG_ST_SYN_SENT;
		}
		f->tcp_seen[0] |= BPFALG_TS_SYN;
	} else if (fl & TCPF_SYN) { /* SYN-ACK */
		if (dir == BPFALG_DIR_REPLY && st == BPFALG_ST_SYN_SENT)
			st = BPFALG_ST_SYN_RECV;
		f->tcp_seen[dir] |= BPFALG_TS_SYN;
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

#endif /* BPFALG_FLOW_H */
