// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_alg.c - XDP fast path for established flows.
 *
 * A packet of an established flow (TCP ESTABLISHED without SYN/FIN/RST, UDP
 * or ICMP echo that has seen a reply, not an ALG control channel) is
 * translated, its TTL decremented, and forwarded with bpf_fib_lookup() (its
 * answer cached per destination for a second) + bpf_redirect(), bypassing
 * the stack.  Everything else, and anything whose
 * next hop the FIB cannot resolve yet, is XDP_PASSed untouched: the TC
 * programs (tc_alg.c) do the complete job on the slow path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfalg.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/csum.h"
#include "lib/flow.h"
#include "lib/nexthop.h"

#define ETH_ALEN 6

/* IPv4 translation in place with incremental checksums. */
static __always_inline int xdp_rewrite_v4(void *data, void *data_end,
					  const struct pkt *p,
					  const struct xlate *x)
{
	__u32 l3 = p->l3_off, l4 = p->l4_off;
	struct iphdr *iph;
	__u16 *csum = NULL;
	__be16 *ports;
	bool udp = p->t.proto == BPFALG_IPPROTO_UDP;

	if (l3 > PARSE_MAX_L3_OFF || l4 > PARSE_MAX_L4_OFF)
		return -1;
	iph = data + l3;
	if ((void *)(iph + 1) > data_end)
		return -1;
	ports = data + l4;
	if ((void *)(ports + 4) > data_end)
		return -1;

	if (p->t.proto == BPFALG_IPPROTO_TCP) {
		struct tcphdr *th = (void *)ports;

		if ((void *)(th + 1) > data_end)
			return -1;
		csum = &th->check;
	} else if (udp) {
		csum = &((struct udphdr *)ports)->check;
	} else {
		csum = &((struct icmphdr *)ports)->checksum;
	}

	if (p->kind == PK_ECHO) {
		/* ICMP has no pseudo header: only the id counts */
		csum_replace2(csum, ports[2], x->sport);
		ports[2] = x->sport;
	} else {
		if (udp) {
			csum_replace4_udp(csum, iph->saddr, x->saddr[0]);
			csum_replace4_udp(csum, iph->daddr, x->daddr[0]);
			csum_replace2_udp(csum, ports[0], x->sport);
			csum_replace2_udp(csum, ports[1], x->dport);
		} else {
			csum_replace4(csum, iph->saddr, x->saddr[0]);
			csum_replace4(csum, iph->daddr, x->daddr[0]);
			csum_replace2(csum, ports[0], x->sport);
			csum_replace2(csum, ports[1], x->dport);
		}
		ports[0] = x->sport;
		ports[1] = x->dport;
	}
	csum_replace4(&iph->check, iph->saddr, x->saddr[0]);
	csum_replace4(&iph->check, iph->daddr, x->daddr[0]);
	iph->saddr = x->saddr[0];
	iph->daddr = x->daddr[0];
	/* TTL sits in the high byte of the 16-bit word it shares with the
	 * protocol; a decrement of 1 there is 0x0100 in network order.
	 */
	csum_replace2(&iph->check, bpf_htons(iph->ttl << 8),
		      bpf_htons((iph->ttl - 1) << 8));
	iph->ttl--;
	return 0;
}

static __always_inline int xdp_hop_v6(void *data, void *data_end,
				      const struct pkt *p)
{
	__u32 l3 = p->l3_off;
	struct ipv6hdr *ip6;

	if (l3 > PARSE_MAX_L3_OFF)
		return -1;
	ip6 = data + l3;
	if ((void *)(ip6 + 1) > data_end)
		return -1;
	ip6->hop_limit--;
	return 0;
}

/* A global function: verified once, its callers see one outcome (see
 * tc_parse() in tc_alg.c).
 */
__noinline int xdp_parse_quoted(struct xdp_md *ctx, struct pkt *p)
{
	if (!ctx || !p)
		return PARSE_MALFORMED;
	return parse_quoted((void *)(long)ctx->data,
			    (void *)(long)ctx->data_end, p);
}

__noinline int xdp_parse(struct xdp_md *ctx, struct pkt *p)
{
	void *data, *data_end;
	int rc;

	if (!ctx || !p)
		return PARSE_MALFORMED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	rc = parse_outer(data, data_end, data_end - data, p);
	if (rc != PARSE_OK || p->kind != PK_ICMP_ERR)
		return rc;
	return xdp_parse_quoted(ctx, p);
}

SEC("xdp")
int xdp_alg(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib;
	struct bpfalg_config *c;
	__u32 *iflags;
	__u32 ifindex = ctx->ingress_ifindex;
	struct bpfalg_tuple orig;
	struct bpfalg_flow *f;
	struct ethhdr *eth;
	struct xlate x;
	struct pkt p;
	bool from_outside;
	__u64 now;
	__u8 dir;

	if (xdp_parse(ctx, &p) != PARSE_OK)
		return XDP_PASS;
	if (p.vlan || p.ttl <= 1 || (p.kind != PK_PORTS && p.kind != PK_ECHO) ||
	    p.frag_first)
		return XDP_PASS;
	if (p.t.proto == BPFALG_IPPROTO_TCP &&
	    (p.tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST)))
		return XDP_PASS;
	if (p.t.proto != BPFALG_IPPROTO_TCP &&
	    p.t.proto != BPFALG_IPPROTO_UDP && p.kind != PK_ECHO)
		return XDP_PASS;

	c = get_cfg();
	if (!c || !(c->flags & BPFALG_CF_XDP_FAST))
		return XDP_PASS;
	iflags = bpf_map_lookup_elem(&iface_flags, &ifindex);
	if (!iflags || !(*iflags & BPFALG_IFF_XDP_FAST))
		return XDP_PASS;
	from_outside = ifindex == c->outside_ifindex;
	f = flow_find_assured(&p.t, &dir, &orig, from_outside);
	if (!f || f->state != BPFALG_ST_ESTABLISHED ||
	    (f->flags & BPFALG_FF_CONTROL))
		return XDP_PASS;
	/* the flow's tuple from the side it never comes from: TC drops it */
	if (from_outside != (dir == BPFALG_DIR_ORIG ?
				     !!(f->flags & BPFALG_FF_INBOUND) :
				     !(f->flags & BPFALG_FF_INBOUND)))
		return XDP_PASS;
	if (dir == BPFALG_DIR_ORIG && !flow_reply_ok(f, &orig, FT_ASSURED))
		return XDP_PASS;

	flow_xlate(f, &orig, dir, &x);
	now = dp_now();
	if (nexthop_resolve(ctx, ifindex, &p, &x, &fib)) {
		count(BPFALG_CNT_XDP_PASS_NEIGH);
		return XDP_PASS;
	}
	/* From native XDP only into a device that takes XDP frames (not a
	 * bridge: Proxmox's vmbr0); the stack forwards the rest.
	 */
	if (!(*iflags & BPFALG_IFF_XDP_GENERIC)) {
		__u32 out = fib.ifindex;
		__u32 *tflags = bpf_map_lookup_elem(&iface_flags, &out);

		if (!tflags || !(*tflags & BPFALG_IFF_XDP_TARGET)) {
			count(BPFALG_CNT_XDP_PASS_NEIGH);
			return XDP_PASS;
		}
	}

	if (p.t.family == BPFALG_AF_INET) {
		if (xdp_rewrite_v4(data, data_end, &p, &x))
			return XDP_PASS;
	} else if (xdp_hop_v6(data, data_end, &p)) {
		return XDP_PASS;
	}
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);

	flow_account(f, dir, &p, now);
	count(BPFALG_CNT_XDP_FWD);
	return bpf_redirect(fib.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
