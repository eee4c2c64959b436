/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sdp.h - SDP body parser (RFC 4566), in place, for the SIP ALG.
 *
 * Like sip.h: no copies, no allocation, offsets into the caller's buffer.
 * The body is parsed where it lies in the SIP message, and every span is
 * an offset into that same buffer, so SDP spans and SIP header spans can
 * go into one edit list (sip_rewrite.h):
 *
 *   sdp_parse(buf, m.body_off, m.body_len, &s)
 *
 * What is recorded: o= (address type and address), c= at session and
 * media level (IP4/IP6, address, IPv4 "/ttl[/count]", IPv6 "/count", the
 * 0.0.0.0 hold form), every m= line (media type, port, "/count", proto),
 * and per media a=rtcp: (port, optional address; RFC 3605), a=rtcp-mux,
 * a=sendrecv/sendonly/recvonly/inactive (also at session level), and
 * a=candidate lines (ICE, RFC 8445/8839): counted, never to be rewritten.
 * Everything else is skipped.
 *
 * Strict on the lines it records (a malformed o=, c=, m= or a=rtcp:
 * fails the parse with s->why, the caller then rewrites nothing), lenient
 * elsewhere: unknown line types and attributes are skipped, blank lines
 * are ignored, LF-only line ends and a last line without one are fine.
 * A bare CR or a NUL anywhere fails.  One pass, O(len).
 */
#ifndef BPFALG_ALG_SDP_H
#define BPFALG_ALG_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/sip.h" /* struct sip_span */

/* m= sections recorded; more: the parse fails (media we did not record
 * could carry the inside address).
 */
#define SDP_MAX_MEDIA 16
/* c= lines recorded, session and media level together (more than one per
 * media is legal for layered multicast).
 */
#define SDP_MAX_CONN 32
/* Longest SDP line: candidates and crypto lines are the long ones, a few
 * hundred bytes; anything near this is not a session description.
 */
#define SDP_MAX_LINE 4096

#define SDP_NONE 0xffff

/* An address as written: its text and, for a literal of the stated
 * address type, its value; family 0 for an FQDN (or an unknown type).
 */
struct sdp_addr {
	struct sip_span span;
	int family;
	uint8_t addr[16];
};

enum sdp_media_type {
	SDP_MT_OTHER = 0,
	SDP_MT_AUDIO,
	SDP_MT_VIDEO,
	SDP_MT_IMAGE, /* T.38 fax: m=image 5000 udptl t38 */
	SDP_MT_APPLICATION,
	SDP_MT_TEXT,
	SDP_MT_MESSAGE,
};

enum sdp_proto {
	SDP_P_OTHER = 0,
	SDP_P_RTP_AVP,
	SDP_P_RTP_AVPF,
	SDP_P_RTP_SAVP, /* SRTP: payload encrypted, addresses still in SDP */
	SDP_P_RTP_SAVPF,
	SDP_P_DTLS_SRTP, /* UDP/TLS/RTP/SAVP[F] */
	SDP_P_UDPTL,
	SDP_P_UDP,
	SDP_P_TCP, /* TCP, TCP/RTP/AVP, TCP/MSRP, ... */
};

enum sdp_dir {
	SDP_DIR_NONE = 0, /* not stated at this level */
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};

struct sdp_conn {
	uint16_t media; /* index into sdp.media; SDP_NONE: session level */
	bool hold; /* 0.0.0.0 or :: (RFC 2543 hold) */
	bool multicast;
	uint16_t ttl; /* IPv4 multicast "/ttl", else 0 */
	uint16_t count; /* "/count", else 1 */
	struct sip_span line; /* the whole line, terminator excluded */
	struct sip_span addrtype; /* "IP4" / "IP6" */
	struct sdp_addr a; /* without "/ttl/count" */
};

struct sdp_media {
	uint8_t type; /* enum sdp_media_type */
	uint8_t proto; /* enum sdp_proto */
	uint8_t dir; /* enum sdp_dir: this section's own attribute */
	bool rtcp_mux; /* a=rtcp-mux */
	bool has_rtcp; /* a=rtcp: */
	uint16_t port; /* 0: the stream is disabled or rejected */
	uint16_t nports; /* "/count", else 1 */
	uint16_t rtcp_port;
	uint16_t n_candidates; /* a=candidate lines in this section */
	uint16_t conn0; /* first media-level c= in sdp.conn, SDP_NONE */
	uint16_t n_conn; /* media-level c= lines */
	struct sip_span line; /* the m= line */
	struct sip_span type_s, port_s, nports_s, proto_s;
	struct sip_span fmt; /* the format list, may be empty */
	struct sip_span rtcp_port_s; /* a=rtcp: port digits */
	struct sdp_addr rtcp_addr; /* a=rtcp: address, span empty if none */
	struct sip_span section; /* m= line to the next m= (or the end) */
};

struct sdp {
	struct sip_span origin_line;
	struct sip_span origin_addrtype;
	struct sdp_addr origin; /* o= unicast-address */
	uint16_t session_conn; /* index into conn, SDP_NONE */
	uint8_t dir; /* session-level direction attribute */
	bool ice; /* a=candidate / ice-ufrag / ice-pwd / ice-lite seen */
	unsigned n_candidates; /* all a=candidate lines */
	unsigned n_media;
	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned n_conn;
	struct sdp_conn conn[SDP_MAX_CONN];
	const char *why;
};

/*
 * Parse the SDP at buf[off, off + len); every span is an offset into buf.
 * 0, or -1 with s->why.
 */
int sdp_parse(const uint8_t *buf, size_t off, size_t len, struct sdp *s);

/* The c= that applies to media i (its first own, else the session's). */
const struct sdp_conn *sdp_media_conn(const struct sdp *s, unsigned i);
/* Direction of media i: its own attribute, else the session's, else
 * sendrecv (RFC 4566 6).
 */
enum sdp_dir sdp_media_dir(const struct sdp *s, unsigned i);

const char *sdp_dir_name(enum sdp_dir d);
/* "m=audio", "m=video", "m=image", ...; "m=" for other types */
const char *sdp_media_label(enum sdp_media_type t);

#endif /* BPFALG_ALG_SDP_H */
