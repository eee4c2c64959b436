/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * csum.h - incremental Internet checksum updates (RFC 1624) for XDP, where
 * the frame carries complete checksums.  TC code uses the kernel's
 * bpf_l3_csum_replace()/bpf_l4_csum_replace() instead, which also keep
 * CHECKSUM_PARTIAL skbs right.
 *
 *   csum_replace2(sum, from, to)   16-bit field changed
 *   csum_replace4(sum, from, to)   32-bit field (IPv4 address) changed
 *   csum_replace_udp*(...)         same, honouring "no checksum" (zero)
 */
#ifndef BPFALG_CSUM_H
#define BPFALG_CSUM_H

static __always_inline __u16 csum_fold32(__u32 c)
{
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	return (__u16)c;
}

/* HC' = ~(~HC + ~m + m') on 16-bit words; byte order does not matter as
 * long as every word is taken the same way.
 */
static __always_inline void csum_replace2(__u16 *sum, __u16 from, __u16 to)
{
	__u32 c = (__u16) ~*sum;

	c += (__u16)~from;
	c += to;
	*sum = ~csum_fold32(c);
}

static __always_inline void csum_replace4(__u16 *sum, __u32 from, __u32 to)
{
	__u32 c = (__u16) ~*sum;

	c += (__u16) ~(from & 0xffff);
	c += (__u16) ~(from >> 16);
	c += to & 0xffff;
	c += to >> 16;
	*sum = ~csum_fold32(c);
}

/* UDP over IPv4: a zero checksum means "none" and must stay zero; a computed
 * zero is sent as 0xffff.
 */
static __always_inline void csum_replace2_udp(__u16 *sum, __u16 from, __u16 to)
{
	if (!*sum)
		return;
	csum_replace2(sum, from, to);
	if (!*sum)
		*sum = 0xffff;
}

static __always_inline void csum_replace4_udp(__u16 *sum, __u32 from, __u32 to)
{
	if (!*sum)
		return;
	csum_replace4(sum, from, to);
	if (!*sum)
		*sum = 0xffff;
}

#endif /* BPFALG_CSUM_H */
