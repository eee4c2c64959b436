/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nat.h - creating flows and their NAT bindings, and promoting them.
 *
 *   flow_create(p, reply_tmpl, nat, ...)  claim the reply tuple (for SNAT:
 *                                         find a free public port), then
 *                                         insert the original half
 *   flow_promote(f, orig)                 an answered flow moves from the
 *                                         unreplied pair to the answered one
 *
 * A new flow's reply half goes into flow_rev*_new with BPF_NOEXIST: that
 * insert is the atomic claim of the public tuple.  A tuple whose holder is
 * gone (evicted, superseded), idle past its timeout, or closed while this
 * packet is a SYN is taken over: an old holder still in the table is marked
 * dead, so its original half stops translating.  A claim that is not
 * followed by its original half (another CPU made the same flow first) is
 * left as it is: its cookie matches nothing, so it is a miss and free to
 * take.  Nothing is rolled back by deleting.
 *
 * Port choice follows Linux masquerade: keep the source port when it lies
 * in [port_min, port_max] and the public tuple is free, otherwise random
 * ports of the range, at most NAT_PROBES in all, so the work per packet is
 * bounded whatever the table holds.
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

/* Probes per new flow in the packet path (Linux and Cilium stop at 128):
 * random ports, each as likely to be free as the range is empty (with 95 %
 * of it in use, 128 probes find a port 99.86 % of the time; the rest is
 * asked of the controller, BPFALG_PUNT_PORT_SEARCH).
 */
#define NAT_PROBES 128

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

/*
 * A claim in progress: the tuples live in a per-CPU map (the 512-byte stack
 * holds three frames here: the program, tc_new_*, claim_reply), the
 * scalars on the stack, where bpf_loop() wants its context.
 */
struct claim_tuples {
	struct bpfalg_tuple orig;
	struct bpfalg_tuple reply; /* candidate, dport (and echo sport) vary */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct claim_tuples);
} claim_scratch SEC(".maps");

static __always_inline struct claim_tuples *claim_tuples(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&claim_scratch, &zero);
}

/* Where a caller builds the reply tuple it hands flow_create(): the claim's
 * own slot, so the template is not copied (nor kept on the stack).
 */
static __always_inline struct bpfalg_tuple *claim_template(void)
{
	struct claim_tuples *ct = claim_tuples();

	return ct ? &ct->reply : NULL;
}

struct claim_ctx {
	__u64 now;
	__u32 port_min;
	__u32 port_span; /* number of ports in the range */
	__u32 cookie; /* the new flow's */
	__u32 probes;
	__u8 echo; /* ICMP echo: id sits in both ports */
	__u8 found;
	__u8 syn; /* the packet is a TCP SYN: closed holders give way */
	__u8 pad;
};

/*
 * May the claim take the tuple held by the flow @holder (with @cookie, in
 * pair @tbl)?  Yes when it is gone, dead, idle past its timeout, or closed
 * while we bring a SYN; a holder still in the table is marked dead first.
 */
static __always_inline bool
claim_takeover(__u8 tbl, const struct bpfalg_tuple *holder, __u32 cookie,
	       const struct claim_ctx *cc, const struct bpfalg_config *c)
{
	struct bpfalg_flow *f = fm_orig(tbl, holder);

	if (!f || cookie == BPFALG_COOKIE_DEAD || f->cookie != cookie)
		return true; /* a stale half */
	if (!flow_expired(f, holder, c, cc->now) &&
	    !(cc->syn && holder->proto == BPFALG_IPPROTO_TCP &&
	      f->state >= BPFALG_ST_TIME_WAIT))
		return false; /* live: never reused */
	f->cookie = BPFALG_COOKIE_DEAD;
	count(BPFALG_CNT_FLOW_RECLAIMED);
	return true;
}

/*
 * Try to own the candidate reply tuple: 1 when the unreplied reply half
 * maps it to the claim's original tuple.  Global: verified once rather
 * than once per caller.
 */
__noinline int claim_reply(struct claim_ctx *cc)
{
	struct bpfalg_config *c = get_cfg();
	struct fm_scratch *sc = fm_scratch_get();
	struct claim_tuples *ct = claim_tuples();
	struct bpfalg_tuple *holder;
	__u32 cookie;

	if (!cc || !c || !sc || !ct)
		return 0;
	holder = &sc->holder;
	/* A port-forward's or pinhole's flow may be keyed by this tuple. */
	if (half_orig(FT_ASSURED, &ct->reply) || half_orig(FT_NEW, &ct->reply))
		return 0;
	if (fm_rev(FT_ASSURED, &ct->reply, holder, &cookie) &&
	    !claim_takeover(FT_ASSURED, holder, cookie, cc, c))
		return 0;
	if (fm_rev_put(FT_NEW, &ct->reply, &ct->orig, cc->cookie,
		       BPF_NOEXIST)) {
		if (!fm_rev(FT_NEW, &ct->reply, holder, &cookie))
			return 0; /* raced: next probe */
		if (!claim_takeover(FT_NEW, holder, cookie, cc, c))
			return 0;
		if (fm_rev_put(FT_NEW, &ct->reply, &ct->orig, cc->cookie,
			       BPF_ANY))
			return 0;
	}
	/* an answered flow re-created its reply half meanwhile: it wins */
	if (fm_rev(FT_ASSURED, &ct->reply, holder, &cookie) &&
	    owner_live(FT_ASSURED, holder, cookie))
		return 0;
	return 1;
}

static __always_inline void claim_set_port(struct claim_ctx *cc, __u16 port)
{
	struct claim_tuples *ct = claim_tuples();

	if (!ct)
		return;
	ct->reply.dport = bpf_htons(port);
	if (cc->echo)
		ct->reply.sport = bpf_htons(port);
}

static long claim_probe(__u32 i, void *arg)
{
	struct claim_ctx *cc = arg;

	claim_set_port(cc, cc->port_min +
				   bpf_get_prandom_u32() % cc->port_span);
	cc->probes++;
	if (claim_reply(cc)) {
		cc->found = 1;
		return 1;
	}
	return 0;
}

/*
 * Claim a public tuple for the claim's original tuple; @kept is the
 * template's public port.  @remap: the port may be changed (SNAT of
 * TCP/UDP/echo); otherwise the template must be free as it is.
 */
static __always_inline bool nat_claim(struct claim_ctx *cc,
				      const struct bpfalg_config *c, bool remap,
				      __u16 kept)
{
	__u32 lo = c->port_min, hi = c->port_max;

	if (lo == 0 || lo > hi) {
		lo = 1024;
		hi = 65535;
	}
	if (!remap || (kept >= lo && kept <= hi)) {
		cc->probes = 1;
		if (claim_reply(cc)) {
			if (remap)
				count(BPFALG_CNT_PORT_PRESERVED);
			return true;
		}
		if (!remap)
			return false;
	}
	cc->port_min = lo;
	cc->port_span = hi - lo + 1;
	bpf_loop(NAT_PROBES - cc->probes, claim_probe, cc, 0);
	if (cc->probes > 1)
		count_n(BPFALG_CNT_PORT_RETRIES, cc->probes - 1);
	if (cc->found)
		count(BPFALG_CNT_PORT_REMAPPED);
	return cc->found;
}

/*
 * Insert a new flow for @p's tuple whose reply tuple starts as @reply (for
 * SNAT its public port may change), in the unreplied pair.  Returns its
 * original half, or NULL (counted) when no binding could be made.
 */
static __always_inline struct bpfalg_flow *
flow_create(const struct pkt *p, const struct bpfalg_tuple *reply, __u8 nat,
	    __u8 flags, __u32 in_ifindex, __u32 out_ifindex,
	    const struct bpfalg_config *c, __u64 now)
{
	struct claim_tuples *ct = claim_tuples();
	struct claim_ctx cc = {};
	struct bpfalg_flow *f, *existing;
	__u32 zero = 0;
	bool remap;

	if (!ct)
		return NULL;
	__builtin_memcpy(&ct->orig, &p->t, sizeof(ct->orig));
	if (reply != &ct->reply)
		__builtin_memcpy(&ct->reply, reply, sizeof(ct->reply));
	cc.now = now;
	cc.cookie = bpf_get_prandom_u32() | 1; /* never BPFALG_COOKIE_DEAD */
	cc.echo = p->kind == PK_ECHO;
	cc.syn = p->t.proto == BPFALG_IPPROTO_TCP &&
		 (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
	remap = nat == BPFALG_NAT_SNAT &&
		(cc.echo || p->t.proto == BPFALG_IPPROTO_TCP ||
		 p->t.proto == BPFALG_IPPROTO_UDP);
	if (!nat_claim(&cc, c, remap, bpf_ntohs(reply->dport))) {
		count(BPFALG_CNT_PORT_EXHAUSTED);
		drop_why(p, BPFALG_DROP_NO_PORT);
		if (remap)
			port_search_event(&ct->orig, in_ifindex, out_ifindex, c,
					  now);
		return NULL;
	}

	f = bpf_map_lookup_elem(&flow_scratch, &zero);
	if (!f)
		return NULL;
	__builtin_memset(f, 0, sizeof(*f));
	bpfalg_flow_set_reply(f, &ct->reply);
	f->created_s = now / NSEC_PER_SEC;
	f->last_seen_ns = now;
	f->nat = nat;
	f->flags = flags;
	f->cookie = cc.cookie;
	f->in_ifindex = in_ifindex;
	if (p->t.proto == BPFALG_IPPROTO_TCP) {
		if (cc.syn) {
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

	if (fm_orig_put(FT_NEW, &ct->orig, f, BPF_NOEXIST)) {
		/* Another CPU created the same flow first: use its entry (our
		 * claim stays behind as a stale half).  A dead one is replaced.
		 */
		existing = fm_orig(FT_NEW, &ct->orig);
		if (existing && existing->cookie != BPFALG_COOKIE_DEAD)
			return existing;
		if (fm_orig_put(FT_NEW, &ct->orig, f, BPF_ANY)) {
			count(BPFALG_CNT_FLOW_TABLE_FULL);
			drop_why(p, BPFALG_DROP_TABLE_FULL);
			return NULL;
		}
	}
	count(BPFALG_CNT_FLOW_NEW);
	flow_event(&ct->orig, in_ifindex, c, now);
	return fm_orig(FT_NEW, &ct->orig);
}

/*
 * --max-flows-per-host: how many answered flows an inside address holds.
 * The answered pair is LRU like the unreplied one, so without a share one
 * host whose peers answer everything could evict every other host's
 * established connections.  host_admit() says whether one more of its
 * flows may move into the answered pair, and counts it when so.  A flow
 * above the share stays in the unreplied pair (BPFALG_FF_OVER_SHARE): it
 * keeps working, but it is the first to go when that pair is flooded, and
 * it gets no fast path.  Nothing counts down: the controller's sweep
 * recounts (an eviction or expiry tells nobody), so the share is
 * approximate by what ended since the last sweep.
 */
static __always_inline bool host_admit(const struct bpfalg_tuple *t,
				       const struct bpfalg_config *c)
{
	struct bpfalg_host_key k;
	__u32 one = 1, *n;

	if (!c->max_flows_per_host)
		return true;
	__builtin_memcpy(k.addr, t->saddr, 16);
	k.family = t->family;
	k.pad[0] = k.pad[1] = k.pad[2] = 0;
	n = bpf_map_lookup_elem(&host_answered, &k);
	if (!n) {
		if (!bpf_map_update_elem(&host_answered, &k, &one, BPF_NOEXIST))
			return true;
		n = bpf_map_lookup_elem(&host_answered, &k);
		if (!n)
			return true; /* evicted meanwhile: the sweep recounts */
	}
	if (*n >= c->max_flows_per_host) {
		count(BPFALG_CNT_HOST_LIMIT);
		return false;
	}
	__sync_fetch_and_add(n, 1);
	return true;
}

/*
 * @f (original half @orig in the unreplied pair) has been answered: copy
 * both halves into the answered pair (the unreplied copies still work
 * meanwhile), then retire the unreplied copies (marked dead first, so a
 * reader holding them sees a miss).  1 when moved.  Global: verified once.
 */
__noinline int flow_promote_copy(struct bpfalg_flow *f,
				 const struct bpfalg_tuple *orig)
{
	struct bpfalg_tuple reply;
	struct bpfalg_config *cfg = get_cfg();
	struct bpfalg_flow *tmp, *nf;
	__u32 zero = 0, cookie;

	if (!f || !orig || !cfg)
		return 0;
	tmp = bpf_map_lookup_elem(&flow_scratch, &zero);
	if (!tmp)
		return 0;
	__builtin_memcpy(tmp, f, sizeof(*tmp));
	/* Another CPU promoted it meanwhile: copying its dead leftover
	 * would overwrite the live answered copy.
	 */
	if (tmp->cookie == BPFALG_COOKIE_DEAD)
		return 0;
	if (!(tmp->flags & BPFALG_FF_INBOUND) && !host_admit(orig, cfg)) {
		f->flags |= BPFALG_FF_OVER_SHARE;
		return 0;
	}
	bpfalg_flow_reply(tmp, orig, &reply);
	nf = fm_orig(FT_ASSURED, orig);
	if (!nf || nf->cookie != tmp->cookie) {
		if (fm_orig_put(FT_ASSURED, orig, tmp, BPF_ANY) ||
		    fm_rev_put(FT_ASSURED, &reply, orig, tmp->cookie, BPF_ANY))
			return 0;
		nf = fm_orig(FT_ASSURED, orig);
		if (!nf || nf->cookie != tmp->cookie)
			return 0;
	}
	f->cookie = BPFALG_COOKIE_DEAD;
	fm_orig_del(FT_NEW, orig);
	if (fm_rev(FT_NEW, &reply, NULL, &cookie) && cookie == tmp->cookie)
		fm_rev_del(FT_NEW, &reply);
	count(BPFALG_CNT_FLOW_PROMOTED);
	return 1;
}

/* The answered original half of @f, or @f when it could not move (it
 * keeps working where it is).
 */
static __always_inline struct bpfalg_flow *
flow_promote(struct bpfalg_flow *f, const struct bpfalg_tuple *orig)
{
	struct bpfalg_flow *nf;

	/* Moved by us or, racing us, by another CPU: an answered half with
	 * this tuple is then ours (a SYN that reopens a tuple marks the old
	 * answered flow dead before it makes a new one).
	 */
	flow_promote_copy(f, orig);
	nf = fm_orig(FT_ASSURED, orig);
	return nf && nf->cookie != BPFALG_COOKIE_DEAD ? nf : f;
}

#endif /* BPFALG_NAT_H */
