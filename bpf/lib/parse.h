/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * parse.h - bounds-checked packet parsing shared by XDP and TC.
 *
 *   int parse_packet(void *data, void *data_end, __u32 frame_len, struct pkt *p)
 *       = parse_outer(), then parse_quoted() for an ICMP error
 *
 * Walks Ethernet (+ one 802.1Q/802.1ad tag), IPv4 (with options, fragments)
 * or IPv6 (skipping extension headers), then TCP, UDP, ICMP/ICMPv6, and fills
 * a struct pkt with offsets from the start of the frame and the connection
 * tuple.  ICMP errors additionally get the tuple of the packet they quote.
 * Nothing is written to the packet.  The verdict says whether the packet may
 * be translated at all: PARSE_MALFORMED packets never are.
 */
#ifndef BPFALG_PARSE_H
#define BPFALG_PARSE_H

#include "bpfalg.h"

#define ETH_P_IP_BE bpf_htons(0x0800)
#define ETH_P_IPV6_BE bpf_htons(0x86DD)
#define ETH_P_8021Q_BE bpf_htons(0x8100)
#define ETH_P_8021AD_BE bpf_htons(0x88A8)

#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMP_FRAG_NEEDED 4

#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG 2
#define ICMPV6_TIME_EXCEED 3
#define ICMPV6_PARAMPROB 4
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* Deepest offset the parser accepts for an L4 header: keeps every offset
 * provably small for the verifier.
 */
#define PARSE_MAX_L3_OFF 64
#define PARSE_MAX_L4_OFF 512

enum parse_verdict {
	PARSE_OK = 0,
	PARSE_NOT_IP, /* ARP, LLDP, ...: not ours */
	PARSE_MALFORMED, /* truncated or inconsistent: never translate */
};

/* pkt.kind */
enum pkt_kind {
	PK_PORTS = 0, /* TCP/UDP, or an unknown protocol with zero ports */
	PK_ECHO, /* ICMP/ICMPv6 echo request or reply: id in the ports */
	PK_ICMP_ERR, /* ICMP error quoting a packet: see inner */
	PK_ICMP_OTHER, /* other ICMP (router/neighbour discovery, ...) */
	PK_FRAG, /* non-first fragment (IPv4 or IPv6): no L4 header */
};

struct pkt {
	struct bpfalg_tuple t; /* this packet's tuple */
	struct bpfalg_tuple inner; /* PK_ICMP_ERR: quoted packet's tuple */
	__u32 l3_off; /* IPv4/IPv6 header */
	__u32 l4_off; /* TCP/UDP/ICMP header, 0 for PK_FRAG */
	__u32 csum_off; /* L4 checksum field, 0 when none to update */
	__u32 l3_len; /* IPv4 total length / IPv6 header + payload */
	__u32 inner_l3_off; /* PK_ICMP_ERR */
	__u32 inner_l4_off; /* PK_ICMP_ERR */
	__u16 ip_id; /* IPv4 identification (host order) */
	__u8 kind; /* enum pkt_kind */
	__u8 vlan; /* one VLAN tag present */
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 frag_first; /* offset 0 with more fragments to follow */
	__u8 ttl; /* TTL / hop limit */
	__u8 tcp_hlen; /* TCP header length with options, bytes */
	__u8 drop; /* TC: enum bpfalg_drop_reason of a drop (drop_why()) */
	__u8 pad[2];
	__u32 tcp_seq; /* host order, PK_PORTS TCP only */
	__u16 tcp_win; /* raw (unscaled) window, host order */
	__u16 pad2;
	__u32 frag_id6; /* IPv6 fragment header identification (host) */
};

struct cursor {
	void *pos;
	void *end;
};

static __always_inline int parse_eth(struct cursor *c, struct pkt *p,
				     __be16 *proto)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr {
		__be16 tci;
		__be16 proto;
	} * vh;

	if ((void *)(eth + 1) > c->end)
		return -1;
	*proto = eth->h_proto;
	c->pos = eth + 1;
	if (*proto == ETH_P_8021Q_BE || *proto == ETH_P_8021AD_BE) {
		vh = c->pos;
		if ((void *)(vh + 1) > c->end)
			return -1;
		*proto = vh->proto;
		c->pos = vh + 1;
		p->vlan = 1;
	}
	return 0;
}

static __always_inline bool icmp_is_error(__u8 proto, __u8 type)
{
	if (proto == BPFALG_IPPROTO_ICMP)
		return type == ICMP_DEST_UNREACH ||
		       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
	return type == ICMPV6_DEST_UNREACH || type == ICMPV6_PKT_TOOBIG ||
	       type == ICMPV6_TIME_EXCEED || type == ICMPV6_PARAMPROB;
}

/* Ports (or echo id) of a TCP/UDP/ICMP header at @l4, into @t.  @full: the
 * whole header must be present (the packet itself) or only its first 8 bytes
 * (a packet quoted in an ICMP error).  Returns kind or -1.
 */
static __always_inline int parse_l4(struct cursor *c, struct pkt *p,
				    struct bpfalg_tuple *t, bool full)
{
	void *l4 = c->pos;

	switch (t->proto) {
	case BPFALG_IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if (l4 + 8 > c->end)
			return -1;
		t->sport = th->source;
		t->dport = th->dest;
		if (!full)
			return PK_PORTS;
		if ((void *)(th + 1) > c->end)
			return -1;
		if (th->doff < 5 || l4 + th->doff * 4 > c->end)
			return -1;
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_hlen = th->doff * 4;
		p->tcp_seq = bpf_ntohl(th->seq);
		p->tcp_win = bpf_ntohs(th->window);
		return PK_PORTS;
	}
	case BPFALG_IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > c->end)
			return -1;
		if (full && bpf_ntohs(uh->len) < sizeof(*uh))
			return -1;
		t->sport = uh->source;
		t->dport = uh->dest;
		return PK_PORTS;
	}
	case BPFALG_IPPROTO_ICMP:
	case BPFALG_IPPROTO_ICMPV6: {
		struct icmphdr *ih = l4; /* same layout for ICMPv6 echo */
		__u8 type;

		if (l4 + 8 > c->end)
			return -1;
		type = ih->type;
		if (full)
			p->icmp_type = type;
		if (type == ICMP_ECHO || type == ICMP_ECHOREPLY ||
		    type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY) {
			/* echo only counts in the protocol it belongs to */
			bool v6 = t->proto == BPFALG_IPPROTO_ICMPV6;

			if (v6 != (type >= ICMPV6_ECHO_REQUEST))
				return PK_ICMP_OTHER;
			t->sport = ih->un.echo.id;
			t->dport = ih->un.echo.id;
			return PK_ECHO;
		}
		if (!icmp_is_error(t->proto, type))
			return PK_ICMP_OTHER;
		return PK_ICMP_ERR;
	}
	default:
		return PK_PORTS; /* address-only: ports stay zero */
	}
}

/* IPv4 header at c->pos.  Fills addresses/proto; leaves c->pos at L4. */
static __always_inline int parse_ipv4(struct cursor *c, struct pkt *p,
				      struct bpfalg_tuple *t, bool outer,
				      __u32 l3_room)
{
	struct iphdr *iph = c->pos;
	__u32 hlen;

	if ((void *)(iph + 1) > c->end)
		return -1;
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	hlen = iph->ihl * 4;
	if (c->pos + hlen > c->end)
		return -1;
	if (outer) {
		__u32 tot = bpf_ntohs(iph->tot_len);
		__u16 frag = bpf_ntohs(iph->frag_off);

		if (tot < hlen || tot > l3_room)
			return -1;
		p->l3_len = tot;
		p->ttl = iph->ttl;
		p->ip_id = bpf_ntohs(iph->id);
		if (frag & IP_OFFSET)
			p->kind = PK_FRAG;
		else if (frag & IP_MF)
			p->frag_first = 1;
	}
	t->family = BPFALG_AF_INET;
	t->proto = iph->protocol;
	t->saddr[0] = iph->saddr;
	t->daddr[0] = iph->daddr;
	c->pos += hlen;
	return 0;
}

/* IPv6 header and extension headers (hop-by-hop, routing, destination
 * options, fragment, AH), at most six of them.
 */
static __always_inline int parse_ipv6(struct cursor *c, struct pkt *p,
				      struct bpfalg_tuple *t, bool outer,
				      __u32 l3_room)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 nexthdr;

	if ((void *)(ip6 + 1) > c->end)
		return -1;
	if (ip6->version != 6)
		return -1;
	if (outer) {
		__u32 plen = bpf_ntohs(ip6->payload_len);

		if (sizeof(*ip6) + plen > l3_room)
			return -1;
		p->l3_len = sizeof(*ip6) + plen;
		p->ttl = ip6->hop_limit;
	}
	t->family = BPFALG_AF_INET6;
	__builtin_memcpy(t->saddr, &ip6->saddr, 16);
	__builtin_memcpy(t->daddr, &ip6->daddr, 16);
	nexthdr = ip6->nexthdr;
	c->pos = ip6 + 1;

#pragma unroll
	for (int i = 0; i < 6; i++) {
		struct ipv6_opt_hdr *oh = c->pos;

		if (nexthdr != 0 && nexthdr != 43 && nexthdr != 60 &&
		    nexthdr != 44 && nexthdr != 51)
			break;
		if ((void *)(oh + 1) > c->end)
			return -1;
		if (nexthdr == 44) {
			struct frag_hdr *fh = c->pos;

			if ((void *)(fh + 1) > c->end)
				return -1;
			__u16 fo = bpf_ntohs(fh->frag_off);

			if (fo & ~0x7)
				p->kind = PK_FRAG; /* non-first: no L4 */
			else if (outer && (fo & 1))
				p->frag_first = 1; /* offset 0, more follow */
			if (outer)
				p->frag_id6 = bpf_ntohl(fh->identification);
			nexthdr = fh->nexthdr;
			c->pos = fh + 1;
		} else if (nexthdr == 51) {
			nexthdr = oh->nexthdr;
			c->pos += (oh->hdrlen + 2) * 4;
		} else {
			nexthdr = oh->nexthdr;
			c->pos += (oh->hdrlen + 1) * 8;
		}
		if (c->pos > c->end)
			return -1;
	}
	t->proto = nexthdr;
	return 0;
}

/*
 * Fills @p from the frame [data, data_end), up to the L4 header.  @frame_len
 * is the whole frame's length, which in TC may exceed the linear part the
 * pointers cover (GSO super-packets): IP lengths are checked against it,
 * headers against data_end.  For an ICMP error (p->kind PK_ICMP_ERR) the
 * quoted packet is left to parse_quoted().
 */
static __always_inline int parse_outer(void *data, void *data_end,
				       __u32 frame_len, struct pkt *p)
{
	struct cursor c = { .pos = data, .end = data_end };
	__be16 proto;
	int kind;

	__builtin_memset(p, 0, sizeof(*p));
	if (parse_eth(&c, p, &proto))
		return PARSE_NOT_IP;
	p->l3_off = c.pos - data;
	if (p->l3_off > PARSE_MAX_L3_OFF)
		return PARSE_NOT_IP;

	if (frame_len < p->l3_off)
		return PARSE_MALFORMED;
	if (proto == ETH_P_IP_BE) {
		if (parse_ipv4(&c, p, &p->t, true, frame_len - p->l3_off))
			return PARSE_MALFORMED;
	} else if (proto == ETH_P_IPV6_BE) {
		if (parse_ipv6(&c, p, &p->t, true, frame_len - p->l3_off))
			return PARSE_MALFORMED;
	} else {
		return PARSE_NOT_IP;
	}
	if (p->kind == PK_FRAG)
		return PARSE_OK;
	p->l4_off = c.pos - data;
	if (p->l4_off > PARSE_MAX_L4_OFF)
		return PARSE_MALFORMED;

	kind = parse_l4(&c, p, &p->t, true);
	if (kind < 0)
		return PARSE_MALFORMED;
	p->kind = kind;

	switch (p->t.proto) {
	case BPFALG_IPPROTO_TCP:
		p->csum_off = p->l4_off + 16;
		break;
	case BPFALG_IPPROTO_UDP:
		p->csum_off = p->l4_off + 6;
		break;
	case BPFALG_IPPROTO_ICMP:
	case BPFALG_IPPROTO_ICMPV6:
		p->csum_off = p->l4_off + 2;
		break;
	}
	return PARSE_OK;
}

/*
 * The packet an ICMP error quotes (after parse_outer() said PK_ICMP_ERR):
 * its IP header and at least 8 bytes of L4, into p->inner.  Apart from
 * parse_outer() so that the programs can verify each once (their global
 * wrappers): verified inline together, every path through the outer
 * headers was multiplied by every path through the quoted ones.
 */
static __always_inline int parse_quoted(void *data, void *data_end,
					struct pkt *p)
{
	struct cursor c = { .end = data_end };
	__u32 off = p->l4_off + 8;
	int kind;

	if (off > PARSE_MAX_L4_OFF + 8)
		return PARSE_MALFORMED;
	c.pos = data + off;
	p->inner_l3_off = off;
	if (p->t.family == BPFALG_AF_INET) {
		if (parse_ipv4(&c, p, &p->inner, false, 0))
			return PARSE_MALFORMED;
	} else {
		if (parse_ipv6(&c, p, &p->inner, false, 0))
			return PARSE_MALFORMED;
	}
	p->inner_l4_off = c.pos - data;
	if (p->inner_l4_off > PARSE_MAX_L4_OFF)
		return PARSE_MALFORMED;
	kind = parse_l4(&c, p, &p->inner, false);
	if (kind != PK_PORTS && kind != PK_ECHO)
		return PARSE_MALFORMED; /* errors about errors: not ours */
	return PARSE_OK;
}

/* The whole packet: parse_outer(), then parse_quoted() for an ICMP error. */
static __always_inline int parse_packet(void *data, void *data_end,
					__u32 frame_len, struct pkt *p)
{
	int rc = parse_outer(data, data_end, frame_len, p);

	if (rc != PARSE_OK || p->kind != PK_ICMP_ERR)
		return rc;
	return parse_quoted(data, data_end, p);
}

/* TCP payload bytes of a parsed packet (0 for anything else). */
static __always_inline __u32 pkt_tcp_payload(const struct pkt *p)
{
	__u32 hdrs = p->l4_off - p->l3_off + p->tcp_hlen;

	if (p->t.proto != BPFALG_IPPROTO_TCP || p->kind != PK_PORTS ||
	    p->l3_len <= hdrs)
		return 0;
	return p->l3_len - hdrs;
}

/* UDP payload bytes of a parsed packet (0 for anything else). */
static __always_inline __u32 pkt_udp_payload(const struct pkt *p)
{
	__u32 hdrs = p->l4_off - p->l3_off + 8;

	if (p->t.proto != BPFALG_IPPROTO_UDP || p->kind != PK_PORTS ||
	    p->l3_len <= hdrs)
		return 0;
	return p->l3_len - hdrs;
}

#endif /* BPFALG_PARSE_H */
