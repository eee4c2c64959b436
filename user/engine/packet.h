/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * packet.h - a punted TCP segment or UDP datagram, taken apart and put
 * back together.
 *
 *   seg_parse(frame, len, &s)    Ethernet (+ one VLAN tag), IPv4/IPv6 (IPv6
 *                                extension headers refused), TCP or UDP
 *                                (unfragmented); every length checked
 *                                against the frame
 *   seg_build(&s, &b, out, cap)  a new IP packet (no L2) with s's headers,
 *                                b's seq/ack/payload, SACK edges mapped,
 *                                lengths, TTL and every checksum recomputed
 *
 * No sockets, no maps: unit-tested and fuzzed as it is.
 */
#ifndef BPFALG_ENGINE_PACKET_H
#define BPFALG_ENGINE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfalg.h"

#define SEG_MAX_PKT 16384

struct seg {
	const uint8_t *frame;
	size_t l3, l4, payload; /* offsets into frame */
	size_t plen; /* payload bytes */
	size_t l4_hlen; /* TCP header incl. options */
	int family; /* AF_INET / AF_INET6 */
	uint8_t proto; /* 6 TCP, 17 UDP (seq, ack, flags 0) */
	uint32_t seq, ack; /* host order */
	uint8_t flags; /* TCP flags byte */
	uint8_t ttl;
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport; /* host order */
};

/* Returns 0 or -1 with a static reason in *why. */
int seg_parse(const uint8_t *frame, size_t len, struct seg *s,
	      const char **why);

struct seg_build {
	uint32_t seq, ack; /* wire values, host order */
	const struct bpfalg_seqadj *sack_adj; /* SACK edges: NULL keep */
	const uint8_t *payload;
	size_t plen;
	bool dec_ttl; /* the packet had not been routed yet */
	bool clear_fin; /* only part of the original segment is sent */
	bool clear_psh;
};

/* Returns the packet length, or -1 (does not fit, TTL expired). */
int seg_build(const struct seg *s, const struct seg_build *b, uint8_t *out,
	      size_t cap);

/*
 * A segment the gateway originates (a refusal sent back to a sender):
 * IPv4 or IPv6 with no options, TCP with no options and flags ACK|PSH (or
 * @flags: a reset), or UDP (proto 17; seq, ack, window unused).
 */
struct seg_new {
	int family;
	uint8_t proto; /* 0 or 6: TCP, 17: UDP */
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport; /* host order */
	uint32_t seq, ack;
	uint16_t window; /* raw header value */
	uint8_t flags; /* TCP flags; 0: ACK|PSH */
	const uint8_t *payload;
	size_t plen;
};

/* Returns the packet length, or -1 (does not fit). */
int seg_build_new(const struct seg_new *n, uint8_t *out, size_t cap);

/* Internet checksum helpers (RFC 1071), also used by the tests. */
uint32_t csum_add_bytes(uint32_t sum, const uint8_t *p, size_t len);
uint16_t csum_fold16(uint32_t sum);

#endif /* BPFALG_ENGINE_PACKET_H */
