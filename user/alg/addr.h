/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * addr.h - the one lexer every ALG uses for address literals in peer text.
 *
 *   alg_parse_ipv4(s, n, out)   a strict dotted quad in exactly n bytes
 *   alg_parse_ipv6(s, n, out)   IPv6 text in exactly n bytes
 *   alg_parse_ip(s, n, out)     either: AF_INET, AF_INET6 or 0
 *
 * Strict on purpose, the same for FTP (EPRT), SIP/SDP and RTSP: an IPv4
 * part is 1-3 decimal digits without a leading zero ("010" reads as octal
 * to some stacks: such text is no address here, so it is never
 * rewritten), 0-255, four parts; the whole span must be the address (no
 * NUL or anything else before or after it: inet_pton on a copy would stop
 * at a NUL and accept a prefix).
 */
#ifndef BPFALG_ALG_ADDR_H
#define BPFALG_ALG_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -1 when s[0..n) is not one. */
int alg_parse_ipv4(const uint8_t *s, size_t n, uint8_t out[4]);
int alg_parse_ipv6(const uint8_t *s, size_t n, uint8_t out[16]);
/* AF_INET (out[0..4), the rest zeroed) or AF_INET6, or 0: out untouched. */
int alg_parse_ip(const uint8_t *s, size_t n, uint8_t out[16]);

#endif /* BPFALG_ALG_ADDR_H */
