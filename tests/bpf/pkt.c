// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pkt.c - packet builder for the BPF tests.  Checksums are computed over the
 * finished bytes with a plain RFC 1071 sum; the verifier (csum_verify.c) has
 * its own, differently written, sum so the two never share a bug.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

const __u8 MAC_A[6] = { 0x02, 0xaa, 0x00, 0x00, 0x00, 0x01 };
const __u8 MAC_B[6] = { 0x02, 0xbb, 0x00, 0x00, 0x00, 0x02 };

static __u32 sum16(const __u8 *p, int len, __u32 sum)
{
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static __u16 get16(const __u8 *p)
{
	return (p[0] << 8) | p[1];
}

static void addr_parse(int family, const char *s, __u8 *out)
{
	if (inet_pton(family == 6 ? AF_INET6 : AF_INET, s, out) != 1) {
		fprintf(stderr, "pkt: bad address '%s'\n", s);
		abort();
	}
}

/* Pseudo-header sum for TCP/UDP/ICMPv6. */
static __u32 pseudo_sum(int family, const __u8 *src, const __u8 *dst,
			__u8 proto, __u32 l4len)
{
	__u32 sum = 0;
	int alen = family == 6 ? 16 : 4;

	sum = sum16(src, alen, sum);
	sum = sum16(dst, alen, sum);
	sum += proto;
	sum += l4len >> 16;
	sum += l4len & 0xffff;
	return sum;
}

static int build_tcp_opts(__u8 *p, int len, const __u8 *given)
{
	static const __u8 opts[] = {
		2, 4, 0x05, 0xb4, /* MSS 1460 */
		4, 2, 1, 1, /* SACK permitted, NOP, NOP */
		1, 3, 3, 7, /* NOP, window scale 7 */
		8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, /* timestamps, NOP NOP */
	};
	int i;

	if (given) {
		memcpy(p, given, len);
		return len;
	}
	for (i = 0; i < len; i++)
		p[i] = i < (int)sizeof(opts) ? opts[i] : 1;
	return len;
}

/* The L4 part (header + payload) at @p, checksum left to the caller. */
static int build_l4(const struct pkt_spec *s, __u8 *p)
{
	int hl, i;
	__u8 *pl;

	switch (s->proto) {
	case P_TCP:
		hl = 20 + s->tcp_opts;
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, s->seq);
		put32(p + 8, s->ack);
		p[12] = (hl / 4) << 4;
		p[13] = s->tcp_flags;
		put16(p + 14, 64240);
		put16(p + 16, 0);
		put16(p + 18, 0);
		build_tcp_opts(p + 20, s->tcp_opts, s->opt);
		break;
	case P_UDP:
		hl = 8;
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, 8 + s->payload);
		put16(p + 6, 0);
		break;
	case P_ICMP:
	case P_ICMP6:
		hl = 8;
		p[0] = s->icmp_type;
		p[1] = s->icmp_code;
		put16(p + 2, 0);
		if (s->inner) {
			put32(p + 4, s->icmp_rest);
			__u8 tmp[PKT_MAX];
			int il = pkt_build_l3(s->inner, tmp);

			if (s->quote && s->quote < il)
				il = s->quote;
			memcpy(p + 8, tmp, il);
			return 8 + il;
		}
		put16(p + 4, s->sport); /* echo id */
		put16(p + 6, s->icmp_seq);
		break;
	default:
		hl = 0;
		break;
	}
	pl = p + hl;
	for (i = 0; i < s->payload; i++)
		pl[i] = s->data ? (__u8)s->data[i] :
				  (__u8)(i * 7 + s->seed + 1);
	return hl + s->payload;
}

int pkt_build_l3(const struct pkt_spec *s, __u8 *buf)
{
	__u8 src[16] = {}, dst[16] = {};
	int hl, l4len;
	__u8 *l4;
	__u16 ck;

	addr_parse(s->family, s->src, src);
	addr_parse(s->family, s->dst, dst);
	if (s->family == 6) {
		hl = 40;
		l4 = buf + hl;
		l4len = build_l4(s, l4);
		buf[0] = 0x60;
		buf[1] = buf[2] = buf[3] = 0;
		put16(buf + 4, l4len);
		buf[6] = s->proto;
		buf[7] = s->ttl ? s->ttl : 64;
		memcpy(buf + 8, src, 16);
		memcpy(buf + 24, dst, 16);
	} else {
		int i;

		hl = 20 + s->ip_opts;
		l4 = buf + hl;
		l4len = build_l4(s, l4);
		buf[0] = 0x40 | (hl / 4);
		buf[1] = 0;
		put16(buf + 2, hl + l4len);
		put16(buf + 4, s->ip_id);
		put16(buf + 6, s->frag_off);
		buf[8] = s->ttl ? s->ttl : 64;
		buf[9] = s->proto;
		put16(buf + 10, 0);
		memcpy(buf + 12, src, 4);
		memcpy(buf + 16, dst, 4);
		for (i = 0; i < s->ip_opts; i++) /* router alert, then NOPs */
			buf[20 + i] = i < 4 ? (__u8[]){ 0x94, 4, 0, 0 }[i] : 1;
		put16(buf + 10, fold(sum16(buf, hl, 0)));
	}

	switch (s->proto) {
	case P_TCP:
		ck = fold(sum16(l4, l4len, pseudo_sum(s->family, src, dst,
						     P_TCP, l4len)));
		if (s->csum_partial)
			ck = (__u16)~fold(
				pseudo_sum(s->family, src, dst, P_TCP, l4len));
		put16(l4 + 16, ck);
		break;
	case P_UDP:
		if (s->udp_nocsum && s->family == 4)
			break;
		if (s->csum_partial) {
			put16(l4 + 6,
			      (__u16)~fold(pseudo_sum(s->family, src, dst,
						      P_UDP, l4len)));
			break;
		}
		ck = fold(sum16(l4, l4len, pseudo_sum(s->family, src, dst,
						     P_UDP, l4len)));
		put16(l4 + 6, ck ? ck : 0xffff);
		break;
	case P_ICMP:
		put16(l4 + 2, fold(sum16(l4, l4len, 0)));
		break;
	case P_ICMP6:
		ck = fold(sum16(l4, l4len, pseudo_sum(6, src, dst, P_ICMP6,
						     l4len)));
		put16(l4 + 2, ck);
		break;
	}
	return hl + l4len;
}

int pkt_build(const struct pkt_spec *s, __u8 *buf)
{
	int off = 12;

	memcpy(buf, s->dmac ? s->dmac : MAC_B, 6);
	memcpy(buf + 6, s->smac ? s->smac : MAC_A, 6);
	if (s->vlan) {
		put16(buf + 12, 0x8100);
		put16(buf + 14, s->vlan & 0x0fff);
		off = 16;
	}
	if (s->family == 0) {
		/* ARP request: who has dst? tell src */
		__u8 *a = buf + off + 2;

		put16(buf + off, 0x0806);
		put16(a, 1);
		put16(a + 2, 0x0800);
		a[4] = 6;
		a[5] = 4;
		put16(a + 6, 1);
		memcpy(a + 8, s->smac ? s->smac : MAC_A, 6);
		addr_parse(4, s->src, a + 14);
		memset(a + 18, 0, 6);
		addr_parse(4, s->dst, a + 24);
		return off + 2 + 28;
	}
	put16(buf + off, s->family == 6 ? 0x86dd : 0x0800);
	return off + 2 + pkt_build_l3(s, buf + off + 2);
}

int pkt_l3_off(const __u8 *buf, int len, int *family)
{
	int off = 12;
	__u16 et;

	if (len < 14)
		return -1;
	et = get16(buf + 12);
	if (et == 0x8100 || et == 0x88a8) {
		if (len < 18)
			return -1;
		et = get16(buf + 16);
		off = 16;
	}
	if (family)
		*family = et == 0x0800 ? 4 : et == 0x86dd ? 6 : 0;
	if (et != 0x0800 && et != 0x86dd)
		return -1;
	return off + 2;
}

static int l4_off(const __u8 *buf, int len)
{
	int fam, l3 = pkt_l3_off(buf, len, &fam);

	if (l3 < 0)
		return -1;
	if (fam == 6)
		return l3 + 40;
	return l3 + (buf[l3] & 0xf) * 4;
}

int pkt_mangle(__u8 *buf, int len, int m, int arg)
{
	int l3 = pkt_l3_off(buf, len, NULL);
	int l4 = l4_off(buf, len);

	switch (m) {
	case MG_NONE:
		break;
	case MG_IHL:
		buf[l3] = (buf[l3] & 0xf0) | (arg & 0xf);
		break;
	case MG_TOTLEN:
		put16(buf + l3 + 2, arg);
		break;
	case MG_TCP_DOFF:
		buf[l4 + 12] = (arg & 0xf) << 4;
		break;
	case MG_UDP_LEN:
		put16(buf + l4 + 4, arg);
		break;
	case MG_TRUNC_L4:
		len = l4 + arg;
		put16(buf + l3 + 2, l4 - l3 + arg);
		put16(buf + l3 + 10, 0);
		put16(buf + l3 + 10, fold(sum16(buf + l3, l4 - l3, 0)));
		break;
	case MG_TRUNC:
		len = arg;
		break;
	case MG_UDP_CSUM_XOR:
		buf[l4 + 6] ^= arg >> 8;
		buf[l4 + 7] ^= arg & 0xff;
		break;
	}
	return len;
}

int pkt_fragment(const __u8 *full, int len, int first_len, __u8 *f1, int *l1,
		 __u8 *f2, int *l2)
{
	int l3 = pkt_l3_off(full, len, NULL);
	int hl = (full[l3] & 0xf) * 4;
	int tot = get16(full + l3 + 2);
	int rest = tot - hl - first_len;

	/* first: offset 0, MF */
	memcpy(f1, full, l3 + hl + first_len);
	put16(f1 + l3 + 2, hl + first_len);
	put16(f1 + l3 + 6, IPF_MF);
	put16(f1 + l3 + 10, 0);
	put16(f1 + l3 + 10, fold(sum16(f1 + l3, hl, 0)));
	*l1 = l3 + hl + first_len;

	/* second: the rest, offset first_len / 8, last */
	memcpy(f2, full, l3 + hl);
	memcpy(f2 + l3 + hl, full + l3 + hl + first_len, rest);
	put16(f2 + l3 + 2, hl + rest);
	put16(f2 + l3 + 6, first_len / 8);
	put16(f2 + l3 + 10, 0);
	put16(f2 + l3 + 10, fold(sum16(f2 + l3, hl, 0)));
	*l2 = l3 + hl + rest;
	return 0;
}

int pkt_fragment6(const __u8 *full, int len, int first_len, __u32 id,
		  __u8 *f1, int *l1, __u8 *f2, int *l2)
{
	int l3 = pkt_l3_off(full, len, NULL);
	int plen = get16(full + l3 + 4);
	int rest = plen - first_len;
	__u8 fh[8];

	fh[0] = full[l3 + 6]; /* the upper-layer header follows */
	fh[1] = 0;
	put32(fh + 4, id);

	/* first: offset 0, M */
	memcpy(f1, full, l3 + 40);
	f1[l3 + 6] = 44;
	put16(f1 + l3 + 4, 8 + first_len);
	put16(fh + 2, 1);
	memcpy(f1 + l3 + 40, fh, 8);
	memcpy(f1 + l3 + 48, full + l3 + 40, first_len);
	*l1 = l3 + 48 + first_len;

	/* second: the rest, offset first_len (8-byte units in bits 3..15) */
	memcpy(f2, full, l3 + 40);
	f2[l3 + 6] = 44;
	put16(f2 + l3 + 4, 8 + rest);
	put16(fh + 2, first_len & ~7);
	memcpy(f2 + l3 + 40, fh, 8);
	memcpy(f2 + l3 + 48, full + l3 + 40 + first_len, rest);
	*l2 = l3 + 48 + rest;
	return 0;
}

static const __u8 *l4p(const __u8 *buf, int len, int *fam)
{
	int l3 = pkt_l3_off(buf, len, fam);
	int l4 = l4_off(buf, len);

	if (l3 < 0 || l4 + 4 > len)
		return NULL;
	return buf + l4;
}

__u16 pkt_sport(const __u8 *buf, int len)
{
	int fam, l3 = pkt_l3_off(buf, len, &fam);
	const __u8 *p = l4p(buf, len, &fam);
	__u8 proto = fam == 6 ? buf[l3 + 6] : buf[l3 + 9];

	if (!p)
		return 0;
	if (proto == P_ICMP || proto == P_ICMP6)
		return get16(p + 4);
	return get16(p);
}

__u16 pkt_dport(const __u8 *buf, int len)
{
	int fam, l3 = pkt_l3_off(buf, len, &fam);
	const __u8 *p = l4p(buf, len, &fam);
	__u8 proto = fam == 6 ? buf[l3 + 6] : buf[l3 + 9];

	if (!p)
		return 0;
	if (proto == P_ICMP || proto == P_ICMP6)
		return get16(p + 4);
	return get16(p + 2);
}

__u32 pkt_saddr4(const __u8 *buf, int len)
{
	int l3 = pkt_l3_off(buf, len, NULL);

	return l3 < 0 ? 0 : ntohl(*(const __u32 *)(buf + l3 + 12));
}

__u32 pkt_daddr4(const __u8 *buf, int len)
{
	int l3 = pkt_l3_off(buf, len, NULL);

	return l3 < 0 ? 0 : ntohl(*(const __u32 *)(buf + l3 + 16));
}

void pkt_describe(const __u8 *buf, int len, char *out, size_t outlen)
{
	int fam, l3 = pkt_l3_off(buf, len, &fam);
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	__u8 proto;

	if (l3 < 0 || l3 + (fam == 6 ? 40 : 20) > len) {
		snprintf(out, outlen, "len %d non-IP/short", len);
		return;
	}
	if (fam == 6) {
		inet_ntop(AF_INET6, buf + l3 + 8, s, sizeof(s));
		inet_ntop(AF_INET6, buf + l3 + 24, d, sizeof(d));
		proto = buf[l3 + 6];
	} else {
		inet_ntop(AF_INET, buf + l3 + 12, s, sizeof(s));
		inet_ntop(AF_INET, buf + l3 + 16, d, sizeof(d));
		proto = buf[l3 + 9];
	}
	if (fam == 6 && proto == 44 && l3 + 48 <= len) {
		snprintf(out, outlen, "len %d %s > %s proto %u frag offset %u%s id 0x%08x",
			 len, s, d, buf[l3 + 40], get16(buf + l3 + 42) & ~7,
			 get16(buf + l3 + 42) & 1 ? " MF" : "",
			 (__u32)get16(buf + l3 + 44) << 16 | get16(buf + l3 + 46));
		return;
	}
	if (fam == 4 && (get16(buf + l3 + 6) & 0x1fff)) {
		snprintf(out, outlen, "len %d %s > %s proto %u frag offset %u ttl %u id 0x%04x",
			 len, s, d, proto, (get16(buf + l3 + 6) & 0x1fff) * 8,
			 buf[l3 + 8], get16(buf + l3 + 4));
		return;
	}
	snprintf(out, outlen, "len %d %s:%u > %s:%u proto %u ttl %u", len, s,
		 pkt_sport(buf, len), d, pkt_dport(buf, len), proto,
		 fam == 6 ? buf[l3 + 7] : buf[l3 + 8]);
}

int pkt_diff(const __u8 *a, int la, const __u8 *b, int lb)
{
	int i, n = la < lb ? la : lb;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return la == lb ? -1 : n;
}

void pkt_hexdump(const char *tag, const __u8 *buf, int len)
{
	int i;

	fprintf(stderr, "    %s (%d):", tag, len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 32 ? (i % 2 ? "" : " ") :
						   "\n      ", buf[i]);
	fprintf(stderr, "\n");
}
