/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sip.h - SIP message parser and TCP framer (RFC 3261), in place.
 *
 * Pure functions over a caller's buffer: no copies, no allocation, no I/O,
 * no maps.  The parse result is a table of offsets into the buffer, so a
 * rewriter (sip_rewrite.h) can replace exactly the bytes it means to and
 * keep every other byte as it was.  The SIP module builds on it:
 *
 *   sip_frame(buf, len, &n, &why)     TCP: where the next message (or a
 *                                     CRLF keep-alive) ends, or "need more",
 *                                     or "bad" (the caller decides: pass the
 *                                     rest of the stream through untouched)
 *   sip_parse(buf, len, flags, &m)    one message (a UDP datagram, or one
 *                                     frame of a stream) into struct sip_msg
 *   sip_value_find(&m, SIP_H_VIA, 0)  the top Via; values of Via, Contact,
 *                                     From, To, Route, Record-Route and the
 *                                     Request-URI carry host/port spans
 *
 * What is parsed: request line (method, Request-URI) or status line
 * (code); header names case-insensitively, compact forms (v f t m i l c e k
 * s o r u x b a j d y n); folded lines (a line starting with SP/HT
 * continues the field); CRLF or bare LF line ends; comma-separated values
 * of Via, Contact, Route, Record-Route (commas inside "..." or <...> do
 * not separate); IPv6 references "[2001:db8::1]:5060"; Via parameters
 * branch, received, maddr, rport (with or without a value); Contact "*"
 * and expires=; Expires; CSeq number and method; Call-ID; Content-Type;
 * Content-Length and the body it frames.
 *
 * Strict where ambiguity could be abused, since a message we misread would
 * be rewritten wrongly: a bare CR or a NUL in the start line or a header, a
 * sip:/sips: URI or Via whose host does not parse, a duplicate From, To,
 * Call-ID, CSeq, Content-Length, Content-Type or Expires, a missing Via,
 * From, To, Call-ID or CSeq, a body shorter than Content-Length, or any
 * limit below exceeded: the parse fails with a static reason in m->why and
 * the caller forwards the message unmodified (or drops it, per policy) and
 * counts it.  Header values not listed above are only located, never
 * interpreted: non-ASCII bytes in them (UTF-8 display names, Subject) are
 * fine.
 *
 * Offsets fit in 32 bits; a message is at most SIP_MAX_MSG bytes.  The
 * parse is one pass, O(len); struct sip_msg is about 11 KiB, so keep one
 * per flow or per call site rather than in a deep recursion.
 */
#ifndef BPFALG_ALG_SIP_H
#define BPFALG_ALG_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest message (headers + body): a UDP datagram's payload limit. */
#define SIP_MAX_MSG 65535
/* Longest header field, continuation lines included, and longest start
 * line: generous for real traffic (long Via chains are several fields),
 * small enough that a garbage stream is declared bad quickly.
 */
#define SIP_MAX_LINE 8192
/* Header fields recorded per message; more: the parse fails. */
#define SIP_MAX_HEADERS 128
/* Address-bearing values recorded (Request-URI, every Via, Contact, From,
 * To, Route, Record-Route element); more: the parse fails, because a
 * value we did not record could name the inside address.
 */
#define SIP_MAX_VALUES 64

/* [off, off + len) of the parsed buffer; len 0: absent (see the flags). */
struct sip_span {
	uint32_t off;
	uint32_t len;
};

enum sip_hdr {
	SIP_H_OTHER = 0, /* a header the parser only locates */
	SIP_H_REQUEST_URI, /* not a header: the start line's URI (a value) */
	SIP_H_VIA, /* v */
	SIP_H_FROM, /* f */
	SIP_H_TO, /* t */
	SIP_H_CONTACT, /* m */
	SIP_H_CALL_ID, /* i */
	SIP_H_CSEQ,
	SIP_H_CONTENT_LENGTH, /* l */
	SIP_H_CONTENT_TYPE, /* c */
	SIP_H_EXPIRES,
	SIP_H_ROUTE,
	SIP_H_RECORD_ROUTE,
	SIP_H_MAX_FORWARDS,
	SIP_H_SUPPORTED, /* k */
	SIP_H_SUBJECT, /* s */
	SIP_H_CONTENT_ENCODING, /* e */
	SIP_H_EVENT, /* o (RFC 6665) */
	SIP_H_REFER_TO, /* r (RFC 3515) */
	SIP_H_ALLOW_EVENTS, /* u */
	SIP_H_SESSION_EXPIRES, /* x (RFC 4028) */
	SIP_H_REFERRED_BY, /* b (RFC 3892) */
	SIP_H_ACCEPT_CONTACT, /* a (RFC 3841) */
	SIP_H_REJECT_CONTACT, /* j */
	SIP_H_REQUEST_DISPOSITION, /* d */
	SIP_H_IDENTITY, /* y (RFC 4474) */
	SIP_H_IDENTITY_INFO, /* n */
	SIP_H__COUNT,
};

enum sip_method {
	SIP_M_OTHER = 0, /* an extension method: see the method span */
	SIP_M_INVITE,
	SIP_M_ACK,
	SIP_M_BYE,
	SIP_M_CANCEL,
	SIP_M_REGISTER,
	SIP_M_OPTIONS,
	SIP_M_PRACK,
	SIP_M_UPDATE,
	SIP_M_INFO,
	SIP_M_SUBSCRIBE,
	SIP_M_NOTIFY,
	SIP_M_REFER,
	SIP_M_MESSAGE,
	SIP_M_PUBLISH,
};

/* One header field. */
struct sip_header {
	uint8_t id; /* enum sip_hdr */
	bool compact; /* the name was the one-letter form */
	struct sip_span name; /* "Via", "v", "cOnTeNt-LeNgTh" as written */
	/* first to last non-blank byte after the colon; a folded field's
	 * span includes its inner line breaks
	 */
	struct sip_span value;
	/* the name through the end of the last line, terminator excluded */
	struct sip_span field;
};

/* sip_value.flags */
#define SIP_V_PORT (1u << 0) /* an explicit port (hostport has ":port") */
#define SIP_V_SIPS (1u << 1) /* sips: URI, or Via transport TLS */
#define SIP_V_RPORT (1u << 2) /* Via ;rport present (rport span: value) */
#define SIP_V_EXPIRES (1u << 3) /* Contact ;expires= present */
#define SIP_V_STAR (1u << 4) /* Contact: * */
#define SIP_V_RECEIVED (1u << 5) /* Via ;received= present */
#define SIP_V_MADDR (1u << 6) /* Via or URI ;maddr= present */
#define SIP_V_TAG (1u << 7) /* From/To ;tag= present */
#define SIP_V_NAME_ADDR (1u << 8) /* the URI was inside <...> */

#define SIP_NO_HDR 0xffff

/*
 * One address-bearing value: the Request-URI, one Via element, one Contact
 * element, the From or To value, one Route / Record-Route element.
 * hostport/host/port are set for Via sent-by and for sip:/sips: URIs
 * (family 0 and empty spans for tel:, urn: and the like, and for "*").
 */
struct sip_value {
	uint8_t id; /* enum sip_hdr */
	uint16_t flags; /* SIP_V_* */
	uint16_t hdr; /* index into sip_msg.hdrs; SIP_NO_HDR: Request-URI */
	uint16_t nth; /* 0, 1, ...: order among this id's values (top Via: 0) */
	uint16_t port; /* host order; 0 unless SIP_V_PORT */
	int family; /* AF_INET, AF_INET6, or 0: a domain name / no host */
	uint8_t addr[16]; /* network order, IPv4 in addr[0..3] */
	struct sip_span span; /* the element: "Bob <sip:b@10.0.0.2>;tag=9" */
	struct sip_span uri; /* "sip:b@10.0.0.2" (empty for Via and "*") */
	/* "10.0.0.2:5060", "[fd00::2]:5062", "host": what to replace to
	 * change host and port; Via sent-by may have blanks around ':'
	 */
	struct sip_span hostport;
	struct sip_span host; /* IPv6: brackets included */
	struct sip_span portnum; /* the port digits (SIP_V_PORT) */
	struct sip_span transport; /* Via: "UDP", "TCP", "TLS", ... */
	struct sip_span branch; /* Via ;branch= value */
	struct sip_span received; /* Via ;received= value */
	struct sip_span rport; /* Via ;rport= value (empty: bare rport) */
	struct sip_span maddr; /* Via or URI ;maddr= value */
	struct sip_span tag; /* From/To ;tag= value */
	uint32_t expires; /* Contact ;expires= (SIP_V_EXPIRES), saturated */
	uint16_t rport_num; /* Via ;rport=N, 0 if bare */
};

/* sip_parse flags */
#define SIP_PARSE_STREAM (1u << 0) /* TCP: Content-Length is mandatory */

struct sip_msg {
	unsigned flags; /* the SIP_PARSE_* it was parsed with */
	bool request;
	uint8_t method; /* enum sip_method (requests) */
	uint16_t status; /* 100..699 (responses) */
	struct sip_span start; /* the start line, terminator excluded */
	struct sip_span method_s; /* request method as written */
	struct sip_span reason; /* response reason phrase */

	unsigned n_hdrs;
	struct sip_header hdrs[SIP_MAX_HEADERS];
	unsigned n_values;
	struct sip_value values[SIP_MAX_VALUES];

	struct sip_span call_id;
	uint32_t cseq;
	uint8_t cseq_method; /* enum sip_method */
	struct sip_span cseq_method_s;
	bool has_expires;
	uint32_t expires; /* Expires header, saturated at UINT32_MAX */
	struct sip_span content_type; /* value of Content-Type, may be empty */
	int clen_hdr; /* index of Content-Length in hdrs, -1 none */
	struct sip_span clen; /* its digits */

	uint32_t
		head_len; /* start line + header fields: the blank line's offset */
	uint32_t body_off; /* after the blank line */
	uint32_t body_len; /* Content-Length, or (datagram, none) the rest */
	/* body_off + body_len: bytes after it in a datagram are not part
	 * of the message (RFC 3261 18.3); a rewrite keeps them as they are
	 */
	uint32_t msg_len;
	uint32_t lead; /* CRLFs skipped before the start line */
	const char *why; /* failure: static reason */
};

/*
 * Parse the message at buf[0, len).  flags: SIP_PARSE_STREAM for a frame
 * from sip_frame (Content-Length required; bytes after it are not part of
 * the message), 0 for a datagram (no Content-Length: the body is the rest).
 * Leading CRLFs are skipped (m->lead).  0, or -1 with m->why.
 */
int sip_parse(const uint8_t *buf, size_t len, unsigned flags,
	      struct sip_msg *m);

enum sip_frame_rc {
	SIP_FRAME_MORE = 0, /* incomplete: wait for more bytes */
	SIP_FRAME_MSG, /* buf[0, *n) is one message (headers + body) */
	SIP_FRAME_KEEPALIVE, /* buf[0, *n) is CRLFs (RFC 5626 ping/pong) */
	SIP_FRAME_BAD, /* cannot be framed: *why */
};

/*
 * Frame the start of a TCP stream.  Only what framing needs is checked:
 * the end of the header block and one well-formed Content-Length (missing,
 * garbage, duplicate or larger than SIP_MAX_MSG allows: SIP_FRAME_BAD).
 * A header block or line that cannot end within the limits is BAD rather
 * than MORE, so a caller never buffers without bound.  Rescanning from the
 * start after MORE is fine: at most SIP_MAX_MSG bytes are ever looked at.
 * On MORE, *n is the whole message's length once its header block is
 * complete (a caller that will not hold it all can pass exactly that much
 * and frame again after it), else 0.
 */
enum sip_frame_rc sip_frame(const uint8_t *buf, size_t len, size_t *n,
			    const char **why);

/* The nth (0-based) header field with this id, or NULL. */
const struct sip_header *sip_header_find(const struct sip_msg *m,
					 enum sip_hdr id, unsigned nth);
/* The nth value with this id (SIP_H_VIA 0: the top Via), or NULL. */
const struct sip_value *sip_value_find(const struct sip_msg *m, enum sip_hdr id,
				       unsigned nth);
/* Does the body claim to be SDP (Content-Type application/sdp, any case,
 * parameters allowed)?  A message without Content-Type: no.
 */
bool sip_body_is_sdp(const uint8_t *buf, const struct sip_msg *m);

/* Canonical names, for log lines ("Via", "Content-Length"; "?"). */
const char *sip_hdr_name(enum sip_hdr id);
const char *sip_method_name(enum sip_method id);

/* Case-insensitive: does the span hold exactly s? */
bool sip_span_ieq(const uint8_t *buf, struct sip_span sp, const char *s);
/* The same for bytes [s, e) of buf (sip.c and sdp.c parse with it). */
bool sip_range_ieq(const uint8_t *buf, size_t s, size_t e, const char *lit);

/* [s, e) as a span. */
static inline struct sip_span sip_span_of(size_t s, size_t e)
{
	return (struct sip_span){ .off = (uint32_t)s,
				  .len = (uint32_t)(e - s) };
}

/*
 * An address literal of exactly n bytes: a dotted quad (1-3 decimal
 * digits a part) or an IPv6 address (no brackets).  Returns AF_INET or
 * AF_INET6 with addr filled (zero-padded), or 0.
 */
int sip_parse_ip(const uint8_t *s, size_t n, uint8_t addr[16]);
/* Address text ("192.0.2.1", "2001:db8::1", with brackets "[2001:db8::1]"
 * when asked) into out; its length, or -1 if it does not fit.
 */
int sip_format_ip(int family, const uint8_t addr[16], bool brackets, char *out,
		  size_t cap);

#endif /* BPFALG_ALG_SIP_H */
