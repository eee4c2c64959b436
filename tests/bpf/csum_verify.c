// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * csum_verify.c - independent checksum verification of output packets.
 *
 * Nothing here trusts the program's incremental updates nor the builder's
 * code: every checksum is recomputed over the bytes as they are, with a
 * 32-bit-word accumulator written separately from the builder's 16-bit one.
 * A checksum is right when the one's complement sum over the covered bytes
 * (checksum field included, pseudo header added) is 0xffff, which is what a
 * receiver checks.  On mismatch the message gives the value a full
 * recomputation yields.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pkt.h"

static __u64 acc(const __u8 *p, int len)
{
	__u64 s = 0;

	while (len >= 4) {
		s += ((__u32)p[0] << 24) | ((__u32)p[1] << 16) |
		     ((__u32)p[2] << 8) | p[3];
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		s += ((__u32)p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		s += (__u32)p[0] << 8;
	return s;
}

static __u16 fold64(__u64 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __u16 rd16(const __u8 *p)
{
	return (__u16)((p[0] << 8) | p[1]);
}

int fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Value the checksum field should hold: sum with the field taken out. */
static __u16 expected(__u64 total, const __u8 *field)
{
	__u64 without = total + (__u16)~rd16(field);

	return (__u16)~fold64(without);
}

static __u64 pseudo(int fam, const __u8 *l3, __u8 proto, __u32 l4len)
{
	if (fam == 6)
		return acc(l3 + 8, 32) + proto + l4len;
	return acc(l3 + 12, 8) + proto + l4len;
}

/*
 * L4 checksum of the segment [l4, l4 + l4len) under the IP header @l3.
 * @what names the layer in messages.
 */
static int verify_l4(int fam, const __u8 *l3, __u8 proto, const __u8 *l4,
		     int l4len, const char *what, char *why, size_t n)
{
	__u64 t;
	int off;

	switch (proto) {
	case P_TCP:
		if (l4len < 20)
			return fail(why, n, "%s TCP shorter than 20", what);
		off = 16;
		t = pseudo(fam, l3, proto, l4len) + acc(l4, l4len);
		break;
	case P_UDP:
		if (l4len < 8)
			return fail(why, n, "%s UDP shorter than 8", what);
		off = 6;
		if (fam == 4 && rd16(l4 + 6) == 0)
			return 0; /* no checksum */
		t = pseudo(fam, l3, proto, l4len) + acc(l4, l4len);
		break;
	case P_ICMP:
		if (l4len < 8)
			return fail(why, n, "%s ICMP shorter than 8", what);
		off = 2;
		t = acc(l4, l4len);
		break;
	case P_ICMP6:
		if (l4len < 8)
			return fail(why, n, "%s ICMPv6 shorter than 8", what);
		off = 2;
		t = pseudo(fam, l3, proto, l4len) + acc(l4, l4len);
		break;
	default:
		return 0;
	}
	if (fold64(t) != 0xffff)
		return fail(why, n,
			    "%s proto %u checksum 0x%04x wrong, recomputed 0x%04x",
			    what, proto, rd16(l4 + off),
			    expected(t, l4 + off));
	return 0;
}

/*
 * An IP packet (no Ethernet) of @len bytes available.  @quoted: the packet
 * sits inside an ICMP error and may be cut short; only what is there is
 * checked.
 */
static int verify_ip(const __u8 *l3, int len, bool quoted, char *why,
		     size_t n)
{
	const char *what = quoted ? "inner" : "outer";
	int fam = l3[0] >> 4, hl, tot, l4len;
	const __u8 *l4;
	__u8 proto;
	__u64 t;

	if (fam == 4) {
		if (len < 20)
			return fail(why, n, "%s IPv4 header cut", what);
		hl = (l3[0] & 0xf) * 4;
		if (hl < 20 || hl > len)
			return fail(why, n, "%s IPv4 IHL %d bad", what, hl);
		t = acc(l3, hl);
		if (fold64(t) != 0xffff)
			return fail(why, n,
				    "%s IPv4 header checksum 0x%04x wrong, recomputed 0x%04x",
				    what, rd16(l3 + 10), expected(t, l3 + 10));
		tot = rd16(l3 + 2);
		if (tot < hl)
			return fail(why, n, "%s IPv4 total length %d < IHL",
				    what, tot);
		if (rd16(l3 + 6) & 0x3fff)
			return 0; /* fragment: L4 checked on reassembly */
		proto = l3[9];
	} else if (fam == 6) {
		if (len < 40)
			return fail(why, n, "%s IPv6 header cut", what);
		hl = 40;
		tot = 40 + rd16(l3 + 4);
		proto = l3[6];
	} else {
		return fail(why, n, "%s IP version %d", what, fam);
	}
	if (tot > len) {
		if (quoted)
			return 0; /* quote does not hold the whole L4 */
		return fail(why, n, "%s IP length %d beyond the %d bytes",
			    what, tot, len);
	}
	l4 = l3 + hl;
	l4len = tot - hl;
	if (verify_l4(fam, l3, proto, l4, l4len, what, why, n))
		return -1;
	if (quoted)
		return 0;
	/* ICMP error: the quoted packet as well */
	if ((proto == P_ICMP && (l4[0] == 3 || l4[0] == 11 || l4[0] == 12)) ||
	    (proto == P_ICMP6 && l4[0] >= 1 && l4[0] <= 4)) {
		if (l4len < 8 + 20)
			return fail(why, n, "ICMP error quote too short");
		return verify_ip(l4 + 8, l4len - 8, true, why, n);
	}
	return 0;
}

int csum_verify(const __u8 *buf, int len, char *why, size_t whylen)
{
	int fam, l3 = pkt_l3_off(buf, len, &fam);

	if (l3 < 0)
		return 0; /* not IP: nothing to check */
	return verify_ip(buf + l3, len - l3, false, why, whylen);
}

int csum_verify_reassembled(const __u8 *f1, int l1, const __u8 *f2, int l2,
			    char *why, size_t whylen)
{
	int a = pkt_l3_off(f1, l1, NULL), b = pkt_l3_off(f2, l2, NULL);
	int h1, h2, p1, p2;
	__u8 buf[2 * PKT_MAX];

	if (a < 0 || b < 0)
		return fail(why, whylen, "fragment not IPv4");
	h1 = (f1[a] & 0xf) * 4;
	h2 = (f2[b] & 0xf) * 4;
	p1 = rd16(f1 + a + 2) - h1;
	p2 = rd16(f2 + b + 2) - h2;
	if (memcmp(f1 + a + 12, f2 + b + 12, 8))
		return fail(why, whylen, "fragments carry different addresses");
	if ((rd16(f2 + b + 6) & 0x1fff) * 8 != p1)
		return fail(why, whylen, "fragment offsets do not join");
	memcpy(buf, f1 + a, h1);
	memcpy(buf + h1, f1 + a + h1, p1);
	memcpy(buf + h1 + p1, f2 + b + h2, p2);
	buf[2] = (h1 + p1 + p2) >> 8;
	buf[3] = (h1 + p1 + p2) & 0xff;
	return verify_l4(4, buf, buf[9], buf + h1, p1 + p2, "reassembled",
			 why, whylen);
}
