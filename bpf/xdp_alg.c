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

/* Add [*pos, *pos + size) to @sum when at least @size of @left remain. */
#define CSUM_CHUNK(size)                                                \
	do {                                                            \
		if (left >= (size)) {                                   \
			if (pos + (size) > end)                         \
				return 0;                               \
			sum = bpf_csum_diff(NULL, 0, pos, (size), sum); \
			pos += (size);                                  \
			left -= (size);                                 \
		}                                                       \
	} while (0)

/*
 * Does the TCP/UDP checksum of @p verify (pseudo-header included)?  A
 * frame a local stack or a guest sends can be CHECKSUM_PARTIAL: its
 * checksum field holds only the pseudo-header sum, for the stack or the
 * NIC to finish, and nothing in XDP says so.  Redirected, it would leave
 * as it is and the receiver would drop it; TC (bpf_l4_csum_replace) keeps
 * such frames right.  Segments above 2,044 bytes are left to TC too.
 * Global: verified once.
 */
__noinline int xdp_l4_csum_ok(struct xdp_md *ctx, const struct pkt *p)
{
	struct {
		__be32 saddr[4], daddr[4];
		__be32 len, proto;
	} ph = {};
	__be32 ph4[3];
	__u32 l3 = p ? p->l3_off : 0, l4 = p ? p->l4_off : 0;
	__u32 coff = p ? p->csum_off : 0, l3_len = p ? p->l3_len : 0;
	void *data, *end, *pos;
	__u32 left, tail = 0;
	__s64 sum;
	__u16 *check;

	if (!ctx || !p)
		return 0;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	/* each field read once: a second read of @p is a new unknown value */
	if (l4 < l3 || l4 > PARSE_MAX_L4_OFF || coff > PARSE_MAX_L4_OFF + 16)
		return 0;
	left = l3_len - (l4 - l3);
	if (left > l3_len || left > 2044)
		return 0;
	check = data + coff;
	if ((void *)(check + 1) > end)
		return 0;
	/* IPv4 UDP without a checksum: nothing to verify or keep */
	if (p->t.family == BPFALG_AF_INET && p->t.proto == BPFALG_IPPROTO_UDP &&
	    !*check)
		return 1;
	if (p->t.family == BPFALG_AF_INET) {
		ph4[0] = p->t.saddr[0];
		ph4[1] = p->t.daddr[0];
		ph4[2] = bpf_htonl(((__u32)p->t.proto << 16) | left);
		sum = bpf_csum_diff(NULL, 0, ph4, sizeof(ph4), 0);
	} else {
		__builtin_memcpy(ph.saddr, p->t.saddr, 16);
		__builtin_memcpy(ph.daddr, p->t.daddr, 16);
		ph.len = bpf_htonl(left);
		ph.proto = bpf_htonl(p->t.proto);
		sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
	}
	if (sum < 0)
		return 0;
	pos = data + l4;
	CSUM_CHUNK(512);
	CSUM_CHUNK(512);
	CSUM_CHUNK(512);
	CSUM_CHUNK(256);
	CSUM_CHUNK(128);
	CSUM_CHUNK(64);
	CSUM_CHUNK(32);
	CSUM_CHUNK(16);
	CSUM_CHUNK(8);
	CSUM_CHUNK(4);
	if (sum < 0 || left > 3)
		return 0;
	/* the last 1-3 bytes, padded with zeros (which add nothing) */
	if (left) {
		__u8 *b = pos;

		if ((void *)(b + 1) > end)
			return 0;
		((__u8 *)&tail)[0] = b[0];
		if (left > 1) {
			if ((void *)(b + 2) > end)
				return 0;
			((__u8 *)&tail)[1] = b[1];
		}
		if (left > 2) {
			if ((void *)(b + 3) > end)
				return 0;
			((__u8 *)&tail)[2] = b[2];
		}
		sum = bpf_csum_diff(NULL, 0, &tail, 4, sum);
		if (sum < 0)
			return 0;
	}
	return csum_fold32((__u32)sum) == 0xffff;
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
	from_outside = *iflags & BPFALG_IFF_ROLE_OUTSIDE;
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

	if ((*iflags & BPFALG_IFF_XDP_CSUM) && p.kind == PK_PORTS &&
	    !xdp_l4_csum_ok(ctx, &p)) {
		count(BPFALG_CNT_XDP_PASS_CSUM);
		return XDP_PASS;
	}

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
