/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nat.h - creating flows and their NAT bindings.
 *
 *   flow_create(orig, reply_tmpl, nat, ...)  claim the reply tuple (for SNAT:
 *                                            find a free public port), then
 *                                            insert the flow
 *
 * The reply index entry is inserted first with BPF_NOEXIST: that insert is
 * the atomic claim of the public tuple, so two CPUs can never hand out the
 * same binding.  If the flow insert then fails, the claim is rolled back.
 * Port choice follows Linux masquerade: keep the source port when the public
 * tuple is free, otherwise random probes in [port_min, port_max], then a full
 * scan from a random point, so a free port is found whenever one exists.
 * Bindings whose flow has timed out are reclaimed on the spot.
 */
#ifndef BPFALG_NAT_H
#define BPFALG_NAT_H

#include "bpfalg.h"
#include "lib/maps.h"
#include "lib/flow.h"
#include "lib/punt.h"

#ifndef EEXIST
#define EEXIST 17
#endif

#define NAT_RANDOM_PROBES 32

/* Scratch space for building a flow value: keeps it off the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfalg_flow);
} flow_scratch SEC(".maps");

static __always_inline bool tuple_eq(const struct bpfalg_tuple *a,
				     const struct bpfalg_tuple *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

#pragma unroll
	for (int i = 0; i < sizeof(*a) / 4; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

struct claim_ctx {
	struct bpfalg_tuple orig;
	struct bpfalg_tuple reply; /* candidate, dport (and echo sport) vary */
	__u64 now;
	__u32 port_min;
	__u32 port_span; /* number of ports in the range */
	__u32 scan_start;
	__u8 echo; /* ICMP echo: id sits in both ports */
	__u8 found;
	__u8 fatal; /* map full: stop probing */
	__u8 pad;
	__u32 probes;
};

/*
 * Try to own ctx->reply.  True when the reply index now maps it to
 * ctx->orig (fresh claim, or healing our own entry left by an evicted flow).
 */
static __noinline bool claim_reply(struct claim_ctx *cc)
{
	struct bpfalg_config *c;
	struct bpfalg_tuple *owner;
	struct bpfalg_flow *f;
	long err;

	if (!cc)
		return false;
	err = bpf_map_update_elem(&flow_rev, &cc->reply, &cc->orig,
				  BPF_NOEXIST);
	if (!err) {
		/* A DNAT flow may be keyed by this very tuple. */
		if (bpf_map_lookup_elem(&flows, &cc->reply)) {
			bpf_map_delete_elem(&flow_rev, &cc->reply);
			return false;
		}
		return true;
	}
	if (err != -EEXIST) {
		cc->fatal = 1;
		return false;
	}
	owner = bpf_map_lookup_elem(&flow_rev, &cc->reply);
	if (!owner)
		return false; /* raced with a delete: next probe */
	if (tuple_eq(owner, &cc->orig))
		return true;
	f = bpf_map_lookup_elem(&flows, owner);
	c = get_cfg();
	if (f && c && !flow_expired(f, owner, c, cc->now))
		return false; /* live binding: never reused */
	/* Orphan or expired: reclaim it now rather than wait for the GC. */
	if (f) {
		struct bpfalg_tuple o;

		__builtin_memcpy(&o, owner, sizeof(o));
		bpf_map_delete_elem(&flows, &o);
	}
	bpf_map_delete_elem(&flow_rev, &cc->reply);
	count(f ? BPFALG_CNT_FLOW_RECLAIMED : BPFALG_CNT_FLOW_ORPHAN);
	return !bpf_map_update_elem(&flow_rev, &cc->reply, &cc->orig,
				    BPF_NOEXIST);
}

static __always_inline void claim_set_port(struct claim_ctx *cc, __u16 port)
{
	cc->reply.dport = bpf_htons(port);
	if (cc->echo)
		cc->reply.sport = bpf_htons(port);
}

static long claim_probe(__u32 i, void *arg)
{
	struct claim_ctx *cc = arg;
	__u32 n;

	if (i < NAT_RANDOM_PROBES)
		n = bpf_get_prandom_u32() % cc->port_span;
	else
		n = (cc->scan_start + i - NAT_RANDOM_PROBES) % cc->port_span;
	claim_set_port(cc, cc->port_min + n);
	cc->probes++;
	if (claim_reply(cc)) {
		cc->found = 1;
		return 1;
	}
	return cc->fatal ? 1 : 0;
}

/*
 * Claim a public tuple for @cc->orig.  @remap: the port may be changed (SNAT
 * of TCP/UDP/echo); otherwise the template must be free as it is.
 */
static __always_inline bool nat_claim(struct claim_ctx *cc,
				      const struct bpfalg_config *c, bool remap)
{
	__u32 lo = c->port_min, hi = c->port_max;

	cc->probes = 1;
	if (claim_reply(cc)) {
		if (remap)
			count(BPFALG_CNT_PORT_PRESERVED);
		return true;
	}
	if (!remap || cc->fatal)
		return false;
	if (lo == 0 || lo > hi) {
		lo = 1024;
		hi = 65535;
	}
	cc->port_min = lo;
	cc->port_span = hi - lo + 1;
	cc->scan_start = bpf_get_prandom_u32() % cc->port_span;
	bpf_loop(NAT_RANDOM_PROBES + cc->port_span, claim_probe, cc, 0);
	count_n(BPFALG_CNT_PORT_RETRIES, cc->probes - 1);
	if (cc->found)
		count(BPFALG_CNT_PORT_REMAPPED);
	return cc->found;
}

/*
 * Insert a new flow for @orig whose reply tuple starts as @reply (for SNAT
 * its public port may change).  Returns the flow table entry, or NULL
 * (counted) when no binding could be made.
 */
static __always_inline struct bpfalg_flow *
flow_create(const struct pkt *p, const struct bpfalg_tuple *reply, __u8 nat,
	    __u8 flags, __u32 in_ifindex, __u32 out_ifindex,
	    const struct bpfalg_config *c, __u64 now)
{
	struct claim_ctx cc = {};
	struct bpfalg_flow *f, *existing;
	__u32 zero = 0;
	bool remap;

	__builtin_memcpy(&cc.orig, &p->t, sizeof(cc.orig));
	__builtin_memcpy(&cc.reply, reply, sizeof(cc.reply));
	cc.now = now;
	cc.echo = p->kind == PK_ECHO;
	remap = nat == BPFALG_NAT_SNAT &&
		(cc.echo || p->t.proto == BPFALG_IPPROTO_TCP ||
		 p->t.proto == BPFALG_IPPROTO_UDP);
	if (!nat_claim(&cc, c, remap)) {
		count(cc.fatal ? BPFALG_CNT_FLOW_TABLE_FULL :
				 BPFALG_CNT_PORT_EXHAUSTED);
		return NULL;
	}

	f = bpf_map_lookup_elem(&flow_scratch, &zero);
	if (!f) {
		bpf_map_delete_elem(&flow_rev, &cc.reply);
		return NULL;
	}
	__builtin_memset(f, 0, sizeof(*f));
	__builtin_memcpy(&f->reply, &cc.reply, sizeof(f->reply));
	f->created_ns = now;
	f->last_seen_ns = now;
	f->nat = nat;
	f->flags = flags;
	f->in_ifindex = in_ifindex;
	f->out_ifindex = out_ifindex;
	if (p->t.proto == BPFALG_IPPROTO_TCP) {
		if ((p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
			f->state = BPFALG_ST_SYN_SENT;
			f->tcp_seen[0] = BPFALG_TS_SYN;
		} else {
			/* picked up mid-stream (conntrack's "loose" mode) */
			f->state = BPFALG_ST_ESTABLISHED;
			f->flags |= BPFALG_FF_MIDSTREAM;
			count(BPFALG_CNT_TCP_MIDSTREAM);
		}
	} else {
		f->state = BPFALG_ST_NEW;
	}

	if (bpf_map_update_elem(&flows, &cc.orig, f, BPF_NOEXIST)) {
		/* Another CPU created the same flow first: use its entry and
		 * drop our claim unless it is the very same binding.
		 */
		existing = bpf_map_lookup_elem(&flows, &cc.orig);
		if (!existing || !tuple_eq(&existing->reply, &cc.reply))
			bpf_map_delete_elem(&flow_rev, &cc.reply);
		if (!existing)
			count(BPFALG_CNT_FLOW_TABLE_FULL);
		return existing;
	}
	count(BPFALG_CNT_FLOW_NEW);
	flow_event(&cc.orig, in_ifindex, c, now);
	return bpf_map_lookup_elem(&flows, &cc.orig);
}

#endif /* BPFALG_NAT_H */
