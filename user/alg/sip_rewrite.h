/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sip_rewrite.h - find addresses in a parsed SIP message and its SDP, and
 * rewrite the message with a list of span edits.
 *
 * The policy (which value to rewrite, to what, which ports to allocate)
 * belongs to the SIP module; this file only does what the module asks,
 * exactly and safely:
 *
 *   sip_find(buf, &m, SIP_W_VIA_TOP | SIP_W_CONTACT, AF_INET, inside, 0,
 *            refs, N)                  every value naming the address
 *   sdp_find(&sdp, SIP_W_SDP, AF_INET, inside, refs, N)
 *   sip_already_public(...)            a NAT-aware UA (STUN, a second NAT)
 *                                      already put the public address there
 *
 *   struct sip_edits ed;  sip_edits_init(&ed);
 *   sip_edits_ref(&ed, &refs[i], AF_INET, public_addr, public_port);
 *   sip_edits_port(&ed, sdp.media[k].port_s, rtp_public, "m=audio");
 *   n = sip_rewrite(buf, len, &m, &ed, out, cap, &m2, &why);
 *   for (i = 0; i < ed.n; i++)
 *           sip_edit_describe(&ed, i, buf, out, line, sizeof(line));
 *           -> "Via 10.0.1.2:5060 -> 192.0.2.1:5060"
 *
 * sip_rewrite never produces a malformed message: edits that overlap,
 * cross a header line end, put a line break or NUL into a header, touch
 * the blank line or the Content-Length digits, or do not fit in @cap are
 * refused; Content-Length is recomputed when the body length changed (in
 * whichever form its header name is written, "l:" included); and the
 * result is parsed again and must have the same structure (start line
 * kind, header and value count, body length) or it is refused.  On any
 * refusal the input is untouched (it is const) and @out must not be sent.
 */
#ifndef BPFALG_ALG_SIP_REWRITE_H
#define BPFALG_ALG_SIP_REWRITE_H

#include "alg/sdp.h"
#include "alg/sip.h"

/* Positions an address can appear in (sip_ref.where, masks). */
#define SIP_W_RURI (1u << 0) /* Request-URI host */
#define SIP_W_VIA_TOP (1u << 1) /* top Via sent-by */
#define SIP_W_VIA (1u << 2) /* sent-by of the Vias below the top one */
#define SIP_W_VIA_RECEIVED (1u << 3) /* top Via ;received= (no port) */
#define SIP_W_CONTACT (1u << 4)
#define SIP_W_FROM (1u << 5)
#define SIP_W_TO (1u << 6)
#define SIP_W_ROUTE (1u << 7)
#define SIP_W_RECORD_ROUTE (1u << 8)
#define SIP_W_SDP_ORIGIN (1u << 9) /* o= address */
#define SIP_W_SDP_CONN (1u << 10) /* c= address, session or media level */
#define SIP_W_SDP_RTCP (1u << 11) /* a=rtcp: address */
#define SIP_W_SIP 0x1ffu
#define SIP_W_SDP 0xe00u
/* Where a UA puts the address it can be reached at: a NAT-aware UA
 * (STUN, or behind a NAT that already rewrote) has the public one there.
 */
#define SIP_W_NAT_POSITIONS \
	(SIP_W_VIA_TOP | SIP_W_CONTACT | SIP_W_SDP_ORIGIN | SIP_W_SDP_CONN)

/* One place naming the address asked for. */
struct sip_ref {
	unsigned where; /* one SIP_W_* bit */
	const char *what; /* "Via", "Contact", ..., "o=", "c=", "a=rtcp" */
	uint16_t index; /* SIP: m->values[]; c=: sdp conn[]; a=rtcp: media[] */
	int family;
	uint16_t port; /* the explicit port, 0: none written */
	bool port_slot; /* SIP host[:port]: a port can be written */
	bool brackets; /* IPv6 text is written as "[...]" here */
	struct sip_span span; /* host[:port] (SIP), the address (SDP) */
	struct sip_span host; /* the host alone (brackets included) */
};

/*
 * Every value in positions @mask whose host is the address @addr (family
 * and bytes) and, when @port is not 0, whose port is @port (a value
 * without a port has 5060, 5061 for sips: and Via TLS; received= matches
 * on the address alone).  Stores up to @max refs, in message order, and
 * returns how many there are (more than @max: some were left out).
 */
size_t sip_find(const uint8_t *buf, const struct sip_msg *m, unsigned mask,
		int family, const uint8_t addr[16], uint16_t port,
		struct sip_ref *refs, size_t max);
/* The same over an SDP body: o=, every c=, a=rtcp: addresses (never
 * a=candidate).  Ports of media are in s->media[].port_s.
 */
size_t sdp_find(const struct sdp *s, unsigned mask, int family,
		const uint8_t addr[16], struct sip_ref *refs, size_t max);
/* A media port of the SDP, for sdp_find_ports. */
struct sdp_port_ref {
	uint16_t media; /* index into sdp.media */
	bool rtcp; /* the a=rtcp: port (else the m= port) */
	uint16_t port; /* as written */
	uint16_t nports; /* m= "/count" (1 for a=rtcp:) */
	const char *what; /* "m=audio", ..., "a=rtcp" */
	struct sip_span span; /* the digits */
};
/*
 * The ports of the media whose address is @addr: the m= port of every
 * enabled stream (port not 0) whose c= (its own, else the session's)
 * names @addr or is the hold address 0.0.0.0 / :: (a hold names no
 * address, the stream is still the sender's), and its a=rtcp: port
 * when that line names @addr or, without an address, when the stream
 * qualified.  In body order, up to @max; returns how many there are.
 */
size_t sdp_find_ports(const struct sdp *s, int family, const uint8_t addr[16],
		      struct sdp_port_ref *refs, size_t max);
/* All SIP_W_* positions naming addr (and port, 0 any); @s may be NULL. */
unsigned sip_where(const uint8_t *buf, const struct sip_msg *m,
		   const struct sdp *s, int family, const uint8_t addr[16],
		   uint16_t port);
/*
 * Does the message already carry @pub (any port) in a NAT position
 * (SIP_W_NAT_POSITIONS) and @inside in none?  *pub_where / *inside_where
 * (may be NULL) get every position naming each, so a half-aware UA (SDP
 * from STUN, Via still private) can be handled position by position.
 */
bool sip_already_public(const uint8_t *buf, const struct sip_msg *m,
			const struct sdp *s, int family,
			const uint8_t inside[16], const uint8_t pub[16],
			unsigned *pub_where, unsigned *inside_where);

/* Edits one rewrite may carry, and bytes of replacement text in all. */
#define SIP_MAX_EDITS 64
#define SIP_EDIT_TEXT 4096

struct sip_edit {
	uint32_t off, len; /* the original bytes replaced (len 0: insert) */
	uint32_t text_off, text_len; /* the replacement, in sip_edits.text */
	const char *what; /* static label for the report: "Via", "m=audio" */
	uint32_t out_off; /* sip_rewrite: where the replacement landed */
	bool generated; /* added by sip_rewrite (Content-Length) */
};

struct sip_edits {
	unsigned n;
	uint32_t used; /* bytes of text */
	const char *why; /* an add that failed: static reason */
	struct sip_edit e[SIP_MAX_EDITS];
	char text[SIP_EDIT_TEXT];
};

void sip_edits_init(struct sip_edits *ed);
/* Replace [off, off + len) with text[0, n).  0, or -1 with ed->why (full). */
int sip_edits_add(struct sip_edits *ed, uint32_t off, uint32_t len,
		  const char *text, size_t n, const char *what);
/*
 * Replace what @r names by @addr: with @port 0 only the host (a written
 * port stays as it is, an absent one stays absent); with a port, host and
 * port ("192.0.2.1:5062", adding ":port" where none was written).  SDP
 * refs and received= take no port (@port ignored).  The address family
 * must be the ref's (an SDP IP4 field cannot hold IPv6 text).
 */
int sip_edits_ref(struct sip_edits *ed, const struct sip_ref *r, int family,
		  const uint8_t addr[16], uint16_t port);
/* Replace a port span (m= port, a=rtcp: port, a sip_value portnum). */
int sip_edits_port(struct sip_edits *ed, struct sip_span sp, uint16_t port,
		   const char *what);

/*
 * Write @in (parsed into @m with sip_parse) with the edits applied into
 * out[0, cap); out must not overlap in.  Edits may be given in any order;
 * they are sorted by offset (stable: insertions at one place keep their
 * order) and each gets its out_off.  When the body length changed and the
 * message has a Content-Length, an edit of its digits is appended to @ed
 * (generated, "Content-Length"; a previous one is dropped first, so @ed
 * can be passed again, e.g. with a larger buffer).  @out_msg (may be NULL)
 * receives the parse of the result.  Bytes of a datagram after the body
 * (m->msg_len) are copied as they are.  Returns the new length, or -1
 * with a static reason in *why.
 */
int sip_rewrite(const uint8_t *in, size_t len, const struct sip_msg *m,
		struct sip_edits *ed, uint8_t *out, size_t cap,
		struct sip_msg *out_msg, const char **why);

/*
 * "Via 10.0.1.2:5060 -> 192.0.2.1:5060" for edit i after a successful
 * sip_rewrite of in into out (bytes outside printable ASCII shown as '?',
 * each side cut at 64 bytes).  Returns the length written (truncated to
 * cap - 1), or -1 for a bad index.
 */
int sip_edit_describe(const struct sip_edits *ed, unsigned i, const uint8_t *in,
		      const uint8_t *out, char *buf, size_t cap);

#endif /* BPFALG_ALG_SIP_REWRITE_H */
