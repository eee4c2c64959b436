/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rewrite_tc.h - applying a translation to an skb in TC.
 *
 *   tc_rewrite(skb, p, x)           addresses and ports of the packet itself
 *   tc_rewrite_icmp_err(skb, p, x)  an ICMP error: outer addresses and the
 *                                   quoted packet, all checksums
 *
 * Uses bpf_skb_store_bytes() with bpf_l3_csum_replace()/bpf_l4_csum_replace(),
 * which keep CHECKSUM_PARTIAL skbs (veth, locally generated TCP) right.  Only
 * IPv4 is translated; IPv6 is routed as it is.  Every helper's error turns
 * into a negative return and the caller drops the packet: a half-rewritten
 * packet never leaves.
 */
#ifndef BPFALG_REWRITE_TC_H
#define BPFALG_REWRITE_TC_H

#include "lib/parse.h"
#include "lib/flow.h"
#include "lib/csum.h"

#define IP4_CSUM_OFF 10
#define IP4_SADDR_OFF 12
#define IP4_DADDR_OFF 16

static __always_inline int tc_set_addr(struct __sk_buff *skb,
				       const struct pkt *p, __u32 field,
				       __be32 from, __be32 to)
{
	__u32 l3 = p->l3_off;
	__u64 l4flags = BPF_F_PSEUDO_HDR | sizeof(to);

	if (from == to)
		return 0;
	if (l3 > PARSE_MAX_L3_OFF)
		return -1;
	/* TCP and UDP checksums cover the addresses (pseudo header). */
	if (p->csum_off && (p->t.proto == BPFALG_IPPROTO_TCP ||
			    p->t.proto == BPFALG_IPPROTO_UDP)) {
		if (p->t.proto == BPFALG_IPPROTO_UDP)
			l4flags |= BPF_F_MARK_MANGLED_0;
		if (bpf_l4_csum_replace(skb, p->csum_off, from, to, l4flags))
			return -1;
	}
	if (bpf_l3_csum_replace(skb, l3 + IP4_CSUM_OFF, from, to, sizeof(to)))
		return -1;
	return bpf_skb_store_bytes(skb, l3 + field, &to, sizeof(to), 0) ? -1 :
									  0;
}

static __always_inline int tc_set_port(struct __sk_buff *skb,
				       const struct pkt *p, __u32 off,
				       __be16 from, __be16 to)
{
	__u64 l4flags = sizeof(to);

	if (from == to)
		return 0;
	if (p->t.proto == BPFALG_IPPROTO_UDP)
		l4flags |= BPF_F_MARK_MANGLED_0;
	if (bpf_l4_csum_replace(skb, p->csum_off, from, to, l4flags))
		return -1;
	return bpf_skb_store_bytes(skb, off, &to, sizeof(to), 0) ? -1 : 0;
}

static __always_inline int
tc_rewrite(struct __sk_buff *skb, const struct pkt *p, const struct xlate *x)
{
	if (p->t.family != BPFALG_AF_INET)
		return 0;
	if (tc_set_addr(skb, p, IP4_SADDR_OFF, p->t.saddr[0], x->saddr[0]) ||
	    tc_set_addr(skb, p, IP4_DADDR_OFF, p->t.daddr[0], x->daddr[0]))
		return -1;
	if (p->kind == PK_FRAG || !p->csum_off)
		return 0;
	if (p->kind == PK_ECHO)
		return tc_set_port(skb, p, p->l4_off + 4, p->t.sport, x->sport);
	if (p->t.proto != BPFALG_IPPROTO_TCP &&
	    p->t.proto != BPFALG_IPPROTO_UDP)
		return 0;
	if (tc_set_port(skb, p, p->l4_off, p->t.sport, x->sport) ||
	    tc_set_port(skb, p, p->l4_off + 2, p->t.dport, x->dport))
		return -1;
	return 0;
}

/* Change one 16-bit-aligned word run inside the ICMP payload and fold the
 * difference into the ICMP checksum (ICMPv4 has no pseudo header).
 */
static __always_inline int icmp_payload_set(struct __sk_buff *skb,
					    __u32 icmp_csum_off, __u32 off,
					    __u32 from, __u32 to, __u32 size)
{
	if (from == to)
		return 0;
	if (bpf_l4_csum_replace(skb, icmp_csum_off, from, to, size))
		return -1;
	return bpf_skb_store_bytes(skb, off, &to, size, 0) ? -1 : 0;
}

/*
 * An ICMPv4 error travelling in the direction of @x: the outer packet gets
 * the destination (and, when the error comes from the endpoint itself, the
 * source) of @x; the quoted packet went the other way, so its source becomes
 * x->daddr:dport and its destination x->saddr:sport.  The quoted IP header
 * checksum and, when quoted in full, its TCP/UDP checksum are fixed too.
 */
static __always_inline int tc_rewrite_icmp_err(struct __sk_buff *skb,
					       const struct pkt *p,
					       const struct bpfalg_tuple *key,
					       const struct xlate *x,
					       bool egress)
{
	__u32 csum_off = p->l4_off + 2;
	__u32 il3 = p->inner_l3_off, il4 = p->inner_l4_off;
	struct iphdr ih;
	__u16 old_check, l4csum = 0;
	__u32 l4csum_off = 0;
	__be16 port;
	bool udp = p->inner.proto == BPFALG_IPPROTO_UDP;

	if (p->t.family != BPFALG_AF_INET)
		return 0;
	if (il3 > PARSE_MAX_L4_OFF || il4 > PARSE_MAX_L4_OFF + 60)
		return -1;

	/* Outer header: a router outside keeps its address; one inside
	 * (a private address) leaves with the public one, like the host.
	 */
	if ((p->t.saddr[0] == key->saddr[0] || egress) &&
	    tc_set_addr(skb, p, IP4_SADDR_OFF, p->t.saddr[0], x->saddr[0]))
		return -1;
	if (tc_set_addr(skb, p, IP4_DADDR_OFF, p->t.daddr[0], x->daddr[0]))
		return -1;

	if (bpf_skb_load_bytes(skb, il3, &ih, sizeof(ih)))
		return -1;
	old_check = ih.check;

	/* Quoted L4 checksum, if the quote reaches it. */
	if (p->inner.proto == BPFALG_IPPROTO_TCP)
		l4csum_off = il4 + 16;
	else if (udp)
		l4csum_off = il4 + 6;
	if (l4csum_off && bpf_skb_load_bytes(skb, l4csum_off, &l4csum, 2))
		l4csum_off = 0;

	/* Quoted source := x->daddr, quoted destination := x->saddr. */
	if (l4csum_off) {
		if (udp) {
			csum_replace4_udp(&l4csum, ih.saddr, x->daddr[0]);
			csum_replace4_udp(&l4csum, ih.daddr, x->saddr[0]);
		} else {
			csum_replace4(&l4csum, ih.saddr, x->daddr[0]);
			csum_replace4(&l4csum, ih.daddr, x->saddr[0]);
		}
	}
	csum_replace4(&ih.check, ih.saddr, x->daddr[0]);
	csum_replace4(&ih.check, ih.daddr, x->saddr[0]);
	if (icmp_payload_set(skb, csum_off, il3 + IP4_SADDR_OFF, ih.saddr,
			     x->daddr[0], 4) ||
	    icmp_payload_set(skb, csum_off, il3 + IP4_DADDR_OFF, ih.daddr,
			     x->saddr[0], 4) ||
	    icmp_payload_set(skb, csum_off, il3 + IP4_CSUM_OFF, old_check,
			     ih.check, 2))
		return -1;

	if (p->inner.proto == BPFALG_IPPROTO_ICMP) {
		/* quoted echo: one identifier, at offset 4 */
		return icmp_payload_set(skb, csum_off, il4 + 4, p->inner.sport,
					x->dport, 2);
	}
	if (p->inner.proto != BPFALG_IPPROTO_TCP && !udp)
		return 0;

	if (l4csum_off) {
		__u16 old = 0;

		if (bpf_skb_load_bytes(skb, l4csum_off, &old, 2))
			return -1;
		port = p->inner.sport;
		if (udp) {
			csum_replace2_udp(&l4csum, port, x->dport);
			csum_replace2_udp(&l4csum, p->inner.dport, x->sport);
		} else {
			csum_replace2(&l4csum, port, x->dport);
			csum_replace2(&l4csum, p->inner.dport, x->sport);
		}
		if (icmp_payload_set(skb, csum_off, l4csum_off, old, l4csum, 2))
			return -1;
	}
	if (icmp_payload_set(skb, csum_off, il4, p->inner.sport, x->dport, 2) ||
	    icmp_payload_set(skb, csum_off, il4 + 2, p->inner.dport, x->sport,
			     2))
		return -1;
	return 0;
}

#endif /* BPFALG_REWRITE_TC_H */
