/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rtsp.h - RTSP control-channel parser and Transport rewriter (RFC 2326
 * RTSP 1.0, RFC 7826 RTSP 2.0), as far as an ALG needs it.
 *
 * Pure text in, text out: nothing here knows about packets, sockets or
 * maps.  Two layers:
 *
 *   rtsp_next(&fr, p, len, &pc)     message framing of one direction: what
 *                                   the next piece of a line is (start
 *                                   line, header, end of headers, body
 *                                   bytes), with Content-Length followed so
 *                                   that body lines are never taken for
 *                                   headers
 *   rtsp_tail(&fr, p, len)          the same for an incomplete line the
 *                                   engine asks about (hold it or not)
 *   rtsp_parse_transport(...)       one Transport header value: every
 *                                   comma-separated transport spec and the
 *                                   exact byte ranges of its ports and
 *                                   addresses
 *   rtsp_parse_cseq / _session      CSeq, Session (id and ;timeout=)
 *   rtsp_edit_* + rtsp_render       the line with only those ranges
 *                                   replaced, every other byte kept
 *
 * A piece is a whole line except where a body ends inside a line: then
 * the body's last bytes are one piece and the rest of the line (the next
 * message's start line) another, so the caller loops until the line is
 * used up.  Anything the framing cannot follow (a header line that is not
 * "name: value", a bad Content-Length, a start line that is not RTSP,
 * "$" interleaved binary data, TLS) stops the framer for good: from then
 * on every piece is RTSP_K_STOPPED and nothing is parsed.  Values that do
 * not parse exactly give -1 and a static reason; a caller then forwards
 * the line untouched.
 */
#ifndef BPFALG_ALG_RTSP_H
#define BPFALG_ALG_RTSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest Transport line parsed (longer: bad, sent unchanged). */
#define RTSP_MAX_LINE 2048
/* Transport specs per header; addresses per dest_addr/src_addr list. */
#define RTSP_MAX_SPECS 8
#define RTSP_MAX_ADDRS 2
/* Longest session id kept (RFC 7826 allows 256; real servers use < 32). */
#define RTSP_SESSION_MAX 64
/* Largest Content-Length followed (larger: the framer stops). */
#define RTSP_MAX_BODY (64u << 20)
#define RTSP_MAX_EDITS 24
#define RTSP_EDIT_TEXT 48

enum rtsp_phase {
	RTSP_PH_START = 0, /* between messages: a start line comes next */
	RTSP_PH_HEADERS,
	RTSP_PH_BODY,
	RTSP_PH_STOPPED, /* framing lost, TLS or interleaved data */
};

enum rtsp_kind {
	RTSP_K_BLANK = 0, /* an empty line between messages */
	RTSP_K_REQUEST, /* "METHOD uri RTSP/x.y" */
	RTSP_K_STATUS, /* "RTSP/x.y nnn reason" */
	RTSP_K_HEADER, /* "Name: value" */
	RTSP_K_CONT, /* a folded continuation of the previous header */
	RTSP_K_END, /* the empty line that ends the headers */
	RTSP_K_BODY, /* message body bytes (pc.len of them) */
	RTSP_K_INTERLEAVED, /* "$" + channel + length: binary data, stopped */
	RTSP_K_TLS, /* a TLS record at the start: stopped */
	RTSP_K_BAD, /* not RTSP: stopped, pc.why says why */
	RTSP_K_STOPPED, /* stopped earlier: nothing parsed */
};

enum rtsp_hdr {
	RTSP_H_OTHER = 0,
	RTSP_H_CSEQ,
	RTSP_H_SESSION,
	RTSP_H_TRANSPORT,
	RTSP_H_CONTENT_LENGTH,
};

/* Framing state of one direction; zero-initialised = start of a flow. */
struct rtsp_framer {
	uint8_t phase; /* enum rtsp_phase */
	bool started; /* a byte of this direction was seen (TLS test) */
	bool blind; /* message in progress: its start line went by unseen */
	bool fresh; /* the next piece begins a (blind) message */
	uint8_t last_hdr; /* enum rtsp_hdr of the previous header line */
	bool have_clen;
	uint32_t clen; /* Content-Length of the message in progress */
	uint32_t body_left;
};

struct rtsp_piece {
	enum rtsp_kind kind;
	size_t len; /* bytes of the input this piece covers */
	bool new_msg; /* first piece of a message (start line, or blind) */
	bool blind; /* belongs to a message whose start line was not seen */
	/* RTSP_K_REQUEST */
	size_t method_len, uri_off, uri_len; /* method at offset 0 */
	/* RTSP_K_REQUEST, RTSP_K_STATUS */
	uint8_t ver_major, ver_minor;
	uint16_t status; /* RTSP_K_STATUS */
	/* RTSP_K_HEADER: name at offset 0; value trimmed of white space */
	enum rtsp_hdr hdr;
	size_t name_len, value_off, value_len;
	/* RTSP_K_END: a body of this many bytes follows */
	uint32_t body_len;
	const char *why; /* RTSP_K_BAD */
};

/*
 * The next piece of @p (@len bytes: the rest of a complete line, its '\n'
 * included).  Returns pc->kind; pc->len > 0 bytes are used.
 */
enum rtsp_kind rtsp_next(struct rtsp_framer *f, const char *p, size_t len,
			 struct rtsp_piece *pc);

enum rtsp_tail {
	RTSP_TAIL_HOLD = 0, /* part of a line: wait for its end */
	/* exactly the rest of a body, without a line end: the message is
	 * complete and counted; the engine sends these bytes and, since they
	 * do not end a line, does not show the next line (the next message's
	 * start line) either: the framer continues that message blind
	 */
	RTSP_TAIL_BODY_DONE,
	RTSP_TAIL_INTERLEAVED, /* "$" at a message start: stopped */
	RTSP_TAIL_TLS, /* TLS record at the start: stopped */
	RTSP_TAIL_STOPPED, /* stopped earlier */
};

/*
 * An incomplete line @p (@len > 0 bytes, no '\n') at the end of data.
 * @hold_body: hold the rest of a body too (RTSP_TAIL_HOLD, nothing
 * counted), so that its bytes come back within the next line (a caller
 * that must drop them).
 */
enum rtsp_tail rtsp_tail(struct rtsp_framer *f, const char *p, size_t len,
			 bool hold_body);

/* CSeq value: 1-9 digits.  0, or -1 with *why. */
int rtsp_parse_cseq(const char *v, size_t vlen, uint32_t *cseq,
		    const char **why);

struct rtsp_session_hdr {
	char id[RTSP_SESSION_MAX + 1]; /* NUL-terminated */
	uint32_t timeout_s; /* 0: none given */
};

/* Session value "id[;timeout=N][;other]".  0, or -1 with *why. */
int rtsp_parse_session(const char *v, size_t vlen, struct rtsp_session_hdr *s,
		       const char **why);

/* Byte ranges are offsets into the line given to rtsp_parse_transport. */
struct rtsp_ports {
	bool set;
	bool range; /* "a-b" (else a single port) */
	uint16_t lo, hi;
	size_t off, len; /* the whole value "a-b" / "a" */
};

struct rtsp_host {
	bool set; /* the parameter/address is there */
	int family; /* AF_INET/AF_INET6 for a literal address, else 0 */
	uint8_t addr[16];
	size_t off, len; /* the address text, brackets excluded; may be 0 */
};

struct rtsp_hostport {
	struct rtsp_host host; /* host.len 0: ":port" (the sender's) */
	bool has_port;
	uint16_t port;
	size_t port_off, port_len;
};

enum rtsp_lower {
	RTSP_LOWER_UDP = 0, /* "RTP/AVP", "RTP/AVP/UDP" */
	RTSP_LOWER_TCP, /* "RTP/AVP/TCP" */
	RTSP_LOWER_OTHER,
};

struct rtsp_spec {
	size_t off, len; /* the whole spec */
	enum rtsp_lower lower;
	bool unicast, multicast, interleaved;
	struct rtsp_ports client_port, server_port;
	struct rtsp_host destination, source;
	struct rtsp_hostport dest_addr[RTSP_MAX_ADDRS];
	struct rtsp_hostport src_addr[RTSP_MAX_ADDRS];
	unsigned int n_dest, n_src;
	/* the client's / server's first port and how many (0, 1 or 2),
	 * from client_port or dest_addr (server_port or src_addr); when both
	 * forms are there they agree (else the header is bad)
	 */
	uint16_t cli_lo, srv_lo;
	unsigned int cli_n, srv_n;
};

struct rtsp_transport {
	struct rtsp_spec spec[RTSP_MAX_SPECS];
	unsigned int n;
	const char *why;
};

/*
 * Parse the Transport value at [voff, voff + vlen) of @line (@len bytes).
 * All or nothing: 0 with every spec filled, or -1 with t->why when any
 * spec is malformed (bad ports, a-b with b != a + 1, a duplicated
 * parameter, unicast and multicast together, a stray quote, a control
 * byte, too many specs or addresses, a line longer than RTSP_MAX_LINE).
 */
int rtsp_parse_transport(const char *line, size_t len, size_t voff, size_t vlen,
			 struct rtsp_transport *t);

/* Replacements of byte ranges of one line, kept sorted, never overlapping. */
struct rtsp_edit {
	size_t off, len;
	char text[RTSP_EDIT_TEXT];
	size_t tlen;
};

struct rtsp_edits {
	struct rtsp_edit e[RTSP_MAX_EDITS];
	unsigned int n;
	bool failed; /* an edit did not fit or overlapped: render refuses */
};

void rtsp_edits_init(struct rtsp_edits *ed);
/* A port range written back in its own form: "lo-(lo+1)" or "lo". */
void rtsp_edit_ports(struct rtsp_edits *ed, const struct rtsp_ports *r,
		     uint16_t lo);
/* The port of one dest_addr/src_addr entry. */
void rtsp_edit_hostport(struct rtsp_edits *ed, const struct rtsp_hostport *h,
			uint16_t port);
/* A literal address (family of @h) replaced by @addr. */
void rtsp_edit_host(struct rtsp_edits *ed, const struct rtsp_host *h,
		    const uint8_t addr[16]);

/*
 * @line with the edits applied, into @out.  Returns the new length, or -1
 * when it does not fit in @cap or an edit failed.
 */
int rtsp_render(const char *line, size_t len, const struct rtsp_edits *ed,
		char *out, size_t cap);

#endif /* BPFALG_ALG_RTSP_H */
