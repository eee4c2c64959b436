/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pkt.h - packet builder and independent checksum verifier for the BPF tests.
 *
 *   pkt_build(spec, buf)          Ethernet (+802.1Q) / IPv4 or IPv6 / TCP,
 *                                 UDP, ICMP echo or ICMP error quoting an
 *                                 inner packet; every checksum correct
 *   pkt_mangle(buf, len, m, arg)  break a built packet on purpose
 *   pkt_fragment(...)             split a built IPv4 packet in two fragments
 *   pkt_fragment6(...)            the same for IPv6 (a fragment header each)
 *   csum_verify(buf, len, why)    recompute every checksum from scratch
 *   pkt_describe(buf, len, s)     one-line summary for failure messages
 */
#ifndef BPFALG_TEST_PKT_H
#define BPFALG_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PKT_MAX 4096

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ICMP6 58

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

#define IPF_MF 0x2000

struct pkt_spec {
	int family; /* 4 or 6 */
	__u16 vlan; /* VLAN id of one 802.1Q tag, 0: untagged */
	const __u8 *smac, *dmac; /* NULL: defaults */
	const char *src, *dst; /* textual addresses */
	__u8 proto; /* P_TCP, P_UDP, P_ICMP, P_ICMP6 */
	__u16 sport, dport; /* TCP/UDP ports; ICMP echo: id in sport */
	__u8 tcp_flags;
	__u32 seq, ack;
	__u8 tcp_opts; /* bytes of TCP options (multiple of 4) */
	const __u8 *opt; /* those bytes; NULL: MSS, SACK-perm, WS, TS, NOPs */
	__u8 ip_opts; /* bytes of IPv4 options (multiple of 4) */
	__u8 ttl; /* 0: 64 */
	__u16 ip_id; /* IPv4 identification; IPv6: fragment header ID */
	__u16 frag_off; /* IPv4 flags+offset, host order */
	__u16 payload; /* payload bytes (a fixed pattern) */
	const char *data; /* those bytes, NULL: the pattern */
	__u8 seed; /* payload pattern seed */
	bool udp_nocsum; /* UDP checksum 0 (none) */
	/* TCP/UDP checksum field as a local stack leaves it for offload
	 * (CHECKSUM_PARTIAL): the pseudo-header sum only
	 */
	bool csum_partial;
	__u8 icmp_type, icmp_code;
	__u16 icmp_seq;
	__u32 icmp_rest; /* ICMP error bytes 4..7 (e.g. next-hop MTU) */
	const struct pkt_spec *inner; /* ICMP error: quoted packet */
	int quote; /* bytes of the inner packet quoted, 0: all of it */
};

enum pkt_mangle {
	MG_NONE = 0,
	MG_IHL, /* IPv4 IHL := arg */
	MG_TOTLEN, /* IPv4 total length := arg */
	MG_TCP_DOFF, /* TCP data offset := arg */
	MG_UDP_LEN, /* UDP length field := arg */
	MG_TRUNC_L4, /* keep arg bytes of L4, IP length/checksum fixed */
	MG_TRUNC, /* cut the frame to arg bytes, nothing fixed */
	MG_UDP_CSUM_XOR, /* UDP checksum ^= arg (damaged in transit) */
};

/* Default MACs of the frames the tests feed in. */
extern const __u8 MAC_A[6], MAC_B[6];

int pkt_build(const struct pkt_spec *s, __u8 *buf);
/* Only the L3 packet (no Ethernet), as quoted inside an ICMP error. */
int pkt_build_l3(const struct pkt_spec *s, __u8 *buf);
int pkt_mangle(__u8 *buf, int len, int m, int arg);
/*
 * Split the built IPv4 frame @full (untagged or tagged) after @first_len
 * bytes of IP payload (a multiple of 8) into two fragments.
 */
int pkt_fragment(const __u8 *full, int len, int first_len, __u8 *f1, int *l1,
		 __u8 *f2, int *l2);

/*
 * Split the built IPv6 frame @full (no extension headers) after @first_len
 * bytes of its payload (a multiple of 8) into two fragments, each with a
 * fragment header of identification @id.
 */
int pkt_fragment6(const __u8 *full, int len, int first_len, __u32 id,
		  __u8 *f1, int *l1, __u8 *f2, int *l2);

/* Offset of the L3 header in a frame (14 or 18), -1 for non-IP. */
int pkt_l3_off(const __u8 *buf, int len, int *family);

/*
 * Recompute, from scratch, the IPv4 header checksum, the TCP/UDP/ICMP/ICMPv6
 * checksum (unless the packet is a fragment) and, for an ICMP error, the
 * quoted IPv4 header checksum and the quoted L4 checksum when the quote
 * holds the whole quoted packet.  0 when all are right, else -1 with @why.
 */
int csum_verify(const __u8 *buf, int len, char *why, size_t whylen);
/* Write a failure reason into @why (size @n); returns -1. */
int fail(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Verify the L4 checksum of a datagram given as two IPv4 fragments. */
int csum_verify_reassembled(const __u8 *f1, int l1, const __u8 *f2, int l2,
			    char *why, size_t whylen);

void pkt_describe(const __u8 *buf, int len, char *out, size_t outlen);
/* First differing byte offset, -1 when equal (lengths included). */
int pkt_diff(const __u8 *a, int la, const __u8 *b, int lb);
void pkt_hexdump(const char *tag, const __u8 *buf, int len);

/* Field accessors on a frame (host order). */
__u16 pkt_sport(const __u8 *buf, int len);
__u16 pkt_dport(const __u8 *buf, int len);
__u32 pkt_saddr4(const __u8 *buf, int len);
__u32 pkt_daddr4(const __u8 *buf, int len);

#endif
