/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nexthop.h - where a translated packet goes next, for the fast paths
 * (XDP, and TC's redirect of established flows).
 *
 *   nexthop_resolve(ctx, in_ifindex, p, x, &fib)  0 with fib->ifindex,
 *                                                 dmac, smac; -1: the
 *                                                 stack must forward it
 *
 * The FIB's answer is cached per destination and ingress interface in
 * nh_cache for a second, so bpf_fib_lookup() (about half of a fast path's
 * cost) runs at most once a second per destination.
 */
#ifndef BPFALG_NEXTHOP_H
#define BPFALG_NEXTHOP_H

#include "bpfalg.h"
#include "lib/maps.h"
#include "lib/flow.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef ETH_ALEN
#define ETH_ALEN 6
#endif

/* A cached next hop is trusted for this long. */
#define NH_CACHE_NS 1000000000ULL

/*
 * The translated packet's next hop (@ctx: the program's context, XDP or
 * TC; @in_ifindex: where the packet came in), from the per-destination
 * cache or the FIB; 0 when the fast path can forward it, -1 when the stack
 * must (no neighbour yet, too big for the route's MTU, local,
 * unreachable).  Not inlined: its locals would not fit beside XDP's parsed
 * packet and flow_reply_heal().
 */
static __noinline int nexthop_resolve(void *ctx, __u32 in_ifindex,
				      const struct pkt *p,
				      const struct xlate *x,
				      struct bpf_fib_lookup *fib)
{
	struct bpfalg_nexthop *nh, fresh = {};
	struct bpfalg_nh_key k = {};
	__u64 now = dp_now();
	long rc;

	if (!ctx || !p || !x || !fib)
		return -1;
	k.ifindex = in_ifindex;
	k.family = p->t.family;
	if (p->t.family == BPFALG_AF_INET)
		k.daddr[0] = x->daddr[0];
	else
		__builtin_memcpy(k.daddr, x->daddr, 16);
	nh = bpf_map_lookup_elem(&nh_cache, &k);
	if (nh && nh->ifindex && now - nh->ts_ns < NH_CACHE_NS &&
	    p->l3_len <= nh->fits_len) {
		fib->ifindex = nh->ifindex;
		__builtin_memcpy(fib->dmac, nh->dmac, ETH_ALEN);
		__builtin_memcpy(fib->smac, nh->smac, ETH_ALEN);
		return 0;
	}

	__builtin_memset(fib, 0, sizeof(*fib));
	fib->ifindex = in_ifindex;
	fib->l4_protocol = p->t.proto;
	fib->sport = x->sport;
	fib->dport = x->dport;
	fib->tot_len = p->l3_len;
	if (p->t.family == BPFALG_AF_INET) {
		fib->family = AF_INET;
		fib->ipv4_src = x->saddr[0];
		fib->ipv4_dst = x->daddr[0];
	} else {
		fib->family = AF_INET6;
		__builtin_memcpy(fib->ipv6_src, x->saddr, 16);
		__builtin_memcpy(fib->ipv6_dst, x->daddr, 16);
	}
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return -1;
	/* A whole new value: another CPU may refresh the same entry, and a
	 * reader sees either value, never half of one.  The length checked
	 * grows within one second, and starts again after it.
	 */
	fresh.ifindex = fib->ifindex;
	__builtin_memcpy(fresh.dmac, fib->dmac, ETH_ALEN);
	__builtin_memcpy(fresh.smac, fib->smac, ETH_ALEN);
	fresh.fits_len = p->l3_len;
	if (nh && now - nh->ts_ns < NH_CACHE_NS && nh->fits_len > p->l3_len)
		fresh.fits_len = nh->fits_len;
	fresh.ts_ns = now;
	bpf_map_update_elem(&nh_cache, &k, &fresh, BPF_ANY);
	return 0;
}

#endif /* BPFALG_NEXTHOP_H */
