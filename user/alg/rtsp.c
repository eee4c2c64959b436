// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* rtsp.c - see rtsp.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "alg/addr.h"
#include "alg/rtsp.h"

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 7230 tchar: what a method, header or parameter name is made of. */
static bool is_tchar(unsigned char c)
{
	return is_alpha(c) || is_digit(c) ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_lws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* A control byte that has no place in a start line or header. */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Length of the line's text: without its "\n" or "\r\n". */
static size_t text_len(const char *p, size_t len)
{
	if (len && p[len - 1] == '\n') {
		len--;
		if (len && p[len - 1] == '\r')
			len--;
	}
	return len;
}

/* 1-@maxd digits at [a, b) exactly: 0 and *v, or -1. */
static int parse_uint(const char *s, size_t a, size_t b, unsigned int maxd,
		      uint32_t *v)
{
	uint32_t x = 0;

	if (a >= b || b - a > maxd)
		return -1;
	for (size_t i = a; i < b; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		x = x * 10 + (uint32_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

static bool name_is(const char *s, size_t len, const char *want)
{
	return strlen(want) == len && !strncasecmp(s, want, len);
}

/* ----------------------------------------------------------- framing */

static enum rtsp_kind stop(struct rtsp_framer *f, struct rtsp_piece *pc,
			   enum rtsp_kind k, const char *why)
{
	f->phase = RTSP_PH_STOPPED;
	pc->kind = k;
	pc->why = why;
	return k;
}

static void new_message(struct rtsp_framer *f, bool blind)
{
	f->phase = RTSP_PH_HEADERS;
	f->blind = blind;
	f->fresh = false;
	f->last_hdr = RTSP_H_OTHER;
	f->have_clen = false;
	f->clen = 0;
	f->body_left = 0;
}

/* "RTSP/d.d" at p[0..8) */
static bool version_at(const char *p, size_t n, struct rtsp_piece *pc)
{
	if (n < 8 || memcmp(p, "RTSP/", 5) || !is_digit((unsigned char)p[5]) ||
	    p[6] != '.' || !is_digit((unsigned char)p[7]))
		return false;
	pc->ver_major = (uint8_t)(p[5] - '0');
	pc->ver_minor = (uint8_t)(p[7] - '0');
	return true;
}

/* "RTSP/x.y nnn[ reason]" */
static bool status_line(const char *p, size_t n, struct rtsp_piece *pc)
{
	uint32_t code;

	if (!version_at(p, n, pc) || n < 12 || p[8] != ' ' ||
	    parse_uint(p, 9, 12, 3, &code) || code < 100)
		return false;
	if (n > 12 && p[12] != ' ')
		return false;
	for (size_t i = 12; i < n; i++)
		if (is_ctl((unsigned char)p[i]))
			return false;
	pc->status = (uint16_t)code;
	return true;
}

/* "METHOD SP uri SP RTSP/x.y": single spaces, nothing after. */
static bool request_line(const char *p, size_t n, struct rtsp_piece *pc)
{
	size_t i = 0, u;

	while (i < n && is_tchar((unsigned char)p[i]))
		i++;
	if (!i || i >= n || p[i] != ' ')
		return false;
	pc->method_len = i;
	u = ++i;
	while (i < n && p[i] != ' ' && !is_ctl((unsigned char)p[i]))
		i++;
	if (i == u || i >= n || p[i] != ' ')
		return false;
	pc->uri_off = u;
	pc->uri_len = i - u;
	i++;
	return n - i == 8 && version_at(p + i, 8, pc);
}

static enum rtsp_hdr hdr_id(const char *name, size_t n)
{
	if (name_is(name, n, "CSeq"))
		return RTSP_H_CSEQ;
	if (name_is(name, n, "Session"))
		return RTSP_H_SESSION;
	if (name_is(name, n, "Transport"))
		return RTSP_H_TRANSPORT;
	if (name_is(name, n, "Content-Length"))
		return RTSP_H_CONTENT_LENGTH;
	return RTSP_H_OTHER;
}

/* "Name: value" at p[0..n): fills pc, NULL or a reason. */
static const char *header_line(const char *p, size_t n, struct rtsp_piece *pc)
{
	size_t i = 0, c, e;

	while (i < n && is_tchar((unsigned char)p[i]))
		i++;
	if (!i)
		return "not a header line";
	pc->name_len = i;
	while (i < n && is_lws((unsigned char)p[i]))
		i++;
	if (i >= n || p[i] != ':')
		return "not a header line";
	c = ++i;
	for (size_t k = c; k < n; k++)
		if (is_ctl((unsigned char)p[k]))
			return "control byte in a header";
	while (c < n && is_lws((unsigned char)p[c]))
		c++;
	e = n;
	while (e > c && is_lws((unsigned char)p[e - 1]))
		e--;
	pc->value_off = c;
	pc->value_len = e - c;
	pc->hdr = hdr_id(p, pc->name_len);
	return NULL;
}

/* A header of the message in progress: Content-Length is framing. */
static enum rtsp_kind header(struct rtsp_framer *f, const char *p, size_t n,
			     struct rtsp_piece *pc)
{
	const char *why = header_line(p, n, pc);
	uint32_t cl;

	if (why)
		return stop(f, pc, RTSP_K_BAD, why);
	if (pc->hdr == RTSP_H_CONTENT_LENGTH) {
		if (parse_uint(p, pc->value_off, pc->value_off + pc->value_len,
			       9, &cl) ||
		    cl > RTSP_MAX_BODY)
			return stop(f, pc, RTSP_K_BAD, "bad Content-Length");
		if (f->have_clen && f->clen != cl)
			return stop(f, pc, RTSP_K_BAD,
				    "two different Content-Length values");
		f->have_clen = true;
		f->clen = cl;
	}
	f->last_hdr = (uint8_t)pc->hdr;
	pc->kind = RTSP_K_HEADER;
	pc->blind = f->blind;
	return RTSP_K_HEADER;
}

enum rtsp_kind rtsp_next(struct rtsp_framer *f, const char *p, size_t len,
			 struct rtsp_piece *pc)
{
	size_t n;

	memset(pc, 0, sizeof(*pc));
	pc->len = len;
	if (f->phase == RTSP_PH_STOPPED || !len) {
		pc->kind = RTSP_K_STOPPED;
		return RTSP_K_STOPPED;
	}
	if (!f->started) {
		f->started = true;
		/* a TLS handshake record: RTSPS on this port */
		if ((unsigned char)p[0] == 0x16 &&
		    (len < 2 || (unsigned char)p[1] == 0x03))
			return stop(f, pc, RTSP_K_TLS, "TLS");
	}
	if (f->phase == RTSP_PH_BODY) {
		pc->kind = RTSP_K_BODY;
		pc->blind = f->blind;
		if (len > f->body_left)
			pc->len = f->body_left;
		f->body_left -= (uint32_t)pc->len;
		if (!f->body_left)
			f->phase = RTSP_PH_START;
		return RTSP_K_BODY;
	}
	n = text_len(p, len);
	if (f->phase == RTSP_PH_START) {
		if (p[0] == '$')
			return stop(f, pc, RTSP_K_INTERLEAVED,
				    "interleaved binary data");
		if (!n) {
			pc->kind = RTSP_K_BLANK;
			return RTSP_K_BLANK;
		}
		if (!memcmp(p, "RTSP/", n < 5 ? n : 5)) {
			if (!status_line(p, n, pc))
				return stop(f, pc, RTSP_K_BAD,
					    "bad status line");
			new_message(f, false);
			pc->kind = RTSP_K_STATUS;
			pc->new_msg = true;
			return RTSP_K_STATUS;
		}
		if (request_line(p, n, pc)) {
			new_message(f, false);
			pc->kind = RTSP_K_REQUEST;
			pc->new_msg = true;
			return RTSP_K_REQUEST;
		}
		/* a header where a start line belongs: the engine did not
		 * show the start line (too long to hold); follow the message
		 * without knowing what it is
		 */
		if (!header_line(p, n, pc)) {
			memset(pc, 0, sizeof(*pc));
			pc->len = len;
			new_message(f, true);
			pc->new_msg = true;
			return header(f, p, n, pc);
		}
		return stop(f, pc, RTSP_K_BAD, "not an RTSP start line");
	}
	/* RTSP_PH_HEADERS */
	pc->new_msg = f->fresh;
	f->fresh = false;
	pc->blind = f->blind;
	if (!n) {
		pc->kind = RTSP_K_END;
		if (f->have_clen && f->clen) {
			f->phase = RTSP_PH_BODY;
			f->body_left = f->clen;
			pc->body_len = f->clen;
		} else {
			f->phase = RTSP_PH_START;
		}
		return RTSP_K_END;
	}
	if (is_lws((unsigned char)p[0])) {
		if (f->last_hdr == RTSP_H_CONTENT_LENGTH)
			return stop(f, pc, RTSP_K_BAD,
				    "folded Content-Length header");
		for (size_t k = 0; k < n; k++)
			if (is_ctl((unsigned char)p[k]))
				return stop(f, pc, RTSP_K_BAD,
					    "control byte in a header");
		pc->kind = RTSP_K_CONT;
		pc->hdr = (enum rtsp_hdr)f->last_hdr;
		return RTSP_K_CONT;
	}
	return header(f, p, n, pc);
}

enum rtsp_tail rtsp_tail(struct rtsp_framer *f, const char *p, size_t len,
			 bool hold_body)
{
	if (f->phase == RTSP_PH_STOPPED || !len)
		return RTSP_TAIL_STOPPED;
	if (!f->started) {
		f->started = true;
		if ((unsigned char)p[0] == 0x16 &&
		    (len < 2 || (unsigned char)p[1] == 0x03)) {
			f->phase = RTSP_PH_STOPPED;
			return RTSP_TAIL_TLS;
		}
	}
	switch (f->phase) {
	case RTSP_PH_BODY:
		if (len != f->body_left || hold_body)
			return RTSP_TAIL_HOLD; /* more body, or the next start */
		new_message(f, true);
		f->fresh = true;
		return RTSP_TAIL_BODY_DONE;
	case RTSP_PH_START:
		if (p[0] == '$') {
			f->phase = RTSP_PH_STOPPED;
			return RTSP_TAIL_INTERLEAVED;
		}
		return RTSP_TAIL_HOLD;
	default:
		return RTSP_TAIL_HOLD;
	}
}

/* ---------------------------------------------------- header values */

int rtsp_parse_cseq(const char *v, size_t vlen, uint32_t *cseq,
		    const char **why)
{
	if (parse_uint(v, 0, vlen, 9, cseq)) {
		*why = "bad CSeq";
		return -1;
	}
	return 0;
}

int rtsp_parse_session(const char *v, size_t vlen, struct rtsp_session_hdr *s,
		       const char **why)
{
	size_t i = 0, e;

	memset(s, 0, sizeof(*s));
	while (i < vlen && is_tchar((unsigned char)v[i]))
		i++;
	if (!i) {
		*why = "empty session id";
		return -1;
	}
	if (i > RTSP_SESSION_MAX) {
		*why = "session id longer than 64 characters";
		return -1;
	}
	memcpy(s->id, v, i);
	e = i;
	while (i < vlen && is_lws((unsigned char)v[i]))
		i++;
	while (i < vlen) {
		size_t a, b, eq;

		if (v[i] != ';') {
			*why = e == i ? "bad character in session id" :
					"bad Session parameters";
			return -1;
		}
		a = ++i;
		while (i < vlen && v[i] != ';')
			i++;
		b = i;
		while (a < b && is_lws((unsigned char)v[a]))
			a++;
		while (b > a && is_lws((unsigned char)v[b - 1]))
			b--;
		for (eq = a;
		     eq < b && v[eq] != '=' && !is_lws((unsigned char)v[eq]);
		     eq++)
			;
		if (name_is(v + a, eq - a, "timeout")) {
			size_t d = eq;
			uint32_t t;

			while (d < b && is_lws((unsigned char)v[d]))
				d++;
			if (d >= b || v[d] != '=') {
				*why = "bad Session timeout";
				return -1;
			}
			d++;
			while (d < b && is_lws((unsigned char)v[d]))
				d++;
			if (parse_uint(v, d, b, 9, &t) || !t) {
				*why = "bad Session timeout";
				return -1;
			}
			if (s->timeout_s) {
				*why = "duplicated Session timeout";
				return -1;
			}
			s->timeout_s = t;
		}
	}
	return 0;
}

/* ------------------------------------------------------- Transport */

/*
 * First @sep at or after @a and before @b outside double quotes (a
 * backslash escapes the next byte inside them), or @b.  -1 on a control
 * byte or an unterminated quote.
 */
static int find_sep(const char *s, size_t a, size_t b, char sep, size_t *at,
		    const char **why)
{
	bool q = false;

	for (size_t i = a; i < b; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_ctl(c)) {
			*why = "control byte in Transport";
			return -1;
		}
		if (q) {
			if (c == '\\') {
				i++;
				if (i < b && is_ctl((unsigned char)s[i])) {
					*why = "control byte in Transport";
					return -1;
				}
			} else if (c == '"')
				q = false;
			continue;
		}
		if (c == '"')
			q = true;
		else if (c == (unsigned char)sep) {
			*at = i;
			return 0;
		}
	}
	if (q) {
		*why = "unterminated quote in Transport";
		return -1;
	}
	*at = b;
	return 0;
}

static void trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && is_lws((unsigned char)s[*a]))
		(*a)++;
	while (*b > *a && is_lws((unsigned char)s[*b - 1]))
		(*b)--;
}

static const char *parse_port(const char *s, size_t a, size_t b, uint16_t *p)
{
	uint32_t v;

	if (a < b && b - a > 5) {
		for (size_t i = a; i < b; i++)
			if (!is_digit((unsigned char)s[i]))
				return "bad port";
		return "port number too long";
	}
	if (parse_uint(s, a, b, 5, &v))
		return "bad port";
	if (!v)
		return "port 0";
	if (v > 65535)
		return "port above 65535";
	*p = (uint16_t)v;
	return NULL;
}

/* "a" or "a-b" with b == a + 1 */
static const char *parse_ports(const char *s, size_t a, size_t b,
			       struct rtsp_ports *r)
{
	size_t d = a;
	const char *why;

	while (d < b && s[d] != '-')
		d++;
	if ((why = parse_port(s, a, d, &r->lo)))
		return why;
	r->hi = r->lo;
	if (d < b) {
		if ((why = parse_port(s, d + 1, b, &r->hi)))
			return why;
		if (r->hi < r->lo)
			return "port range reversed";
		if (r->hi != r->lo + 1)
			return "port range is not a pair (b != a + 1)";
		r->range = true;
	}
	r->set = true;
	r->off = a;
	r->len = b - a;
	return NULL;
}

/* A host name or literal address at [a, b), brackets allowed around v6. */
static const char *parse_host(const char *s, size_t a, size_t b,
			      struct rtsp_host *h)
{
	bool br = false;

	h->set = true;
	if (a < b && s[a] == '[') {
		if (b - a < 3 || s[b - 1] != ']')
			return "bad bracketed address";
		a++;
		b--;
		br = true;
	}
	h->off = a;
	h->len = b - a;
	if (a == b)
		return br ? "bad bracketed address" : NULL;
	/* the shared strict lexer (alg/addr.h): the whole span or nothing */
	if (!br && !alg_parse_ipv4((const uint8_t *)s + a, b - a, h->addr)) {
		h->family = AF_INET;
		return NULL;
	}
	if (!alg_parse_ipv6((const uint8_t *)s + a, b - a, h->addr)) {
		h->family = AF_INET6;
		return NULL;
	}
	if (br)
		return "bad IPv6 address";
	if (b - a > 255)
		return "host name too long";
	for (size_t i = a; i < b; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-' &&
		    c != '_')
			return "bad host";
	}
	memset(h->addr, 0, sizeof(h->addr));
	return NULL;
}

/* One quoted "host:port" / ":port" / "host" / "[v6]:port" at [a, b). */
static const char *parse_hostport(const char *s, size_t a, size_t b,
				  struct rtsp_hostport *hp)
{
	size_t hb = a, c;
	const char *why;

	if (a < b && s[a] == '[') {
		while (hb < b && s[hb] != ']')
			hb++;
		if (hb == b)
			return "bad bracketed address";
		hb++;
	} else {
		while (hb < b && s[hb] != ':')
			hb++;
		for (c = hb + 1; c < b; c++)
			if (s[c] == ':')
				return "IPv6 address without brackets";
	}
	if (hb < b && s[hb] != ':')
		return "bad address";
	if ((why = parse_host(s, a, hb, &hp->host)))
		return why;
	if (hb < b) {
		if ((why = parse_port(s, hb + 1, b, &hp->port)))
			return why;
		hp->has_port = true;
		hp->port_off = hb + 1;
		hp->port_len = b - hb - 1;
	} else if (a == b) {
		return "empty address";
	}
	return NULL;
}

/* "\"addr\"/\"addr\"" (RFC 7826 dest_addr / src_addr) */
static const char *parse_addr_list(const char *s, size_t a, size_t b,
				   struct rtsp_hostport *list, unsigned int *n)
{
	size_t i = a;

	*n = 0;
	for (;;) {
		size_t q;
		const char *why;

		if (i >= b || s[i] != '"')
			return "address list entry not quoted";
		q = ++i;
		while (i < b && s[i] != '"' && s[i] != '\\')
			i++;
		if (i >= b || s[i] != '"')
			return "bad quoted address";
		if (*n >= RTSP_MAX_ADDRS)
			return "more than two addresses in a list";
		if ((why = parse_hostport(s, q, i, &list[*n])))
			return why;
		(*n)++;
		i++;
		if (i == b)
			return NULL;
		if (s[i] != '/')
			return "bad address list";
		i++;
	}
}

enum {
	P_UNICAST,
	P_MULTICAST,
	P_CLIENT_PORT,
	P_SERVER_PORT,
	P_PORT,
	P_DESTINATION,
	P_SOURCE,
	P_INTERLEAVED,
	P_DEST_ADDR,
	P_SRC_ADDR,
	P_TTL,
	P_LAYERS,
	P_SSRC,
	P_MODE,
	P_OTHER,
};

static const char *const param_names[P_OTHER] = {
	"unicast",     "multicast", "client_port", "server_port", "port",
	"destination", "source",    "interleaved", "dest_addr",	  "src_addr",
	"ttl",	       "layers",    "ssrc",	   "mode",
};

static const char *parse_param(const char *s, size_t a, size_t b,
			       struct rtsp_spec *sp, uint32_t *seen)
{
	size_t ne = a, va, vb = b;
	bool has_val;
	int id = P_OTHER;
	struct rtsp_ports scratch;

	while (ne < b && is_tchar((unsigned char)s[ne]))
		ne++;
	if (ne == a)
		return "bad parameter name";
	va = ne;
	while (va < b && is_lws((unsigned char)s[va]))
		va++;
	has_val = va < b;
	if (has_val) {
		if (s[va] != '=')
			return "bad parameter";
		va++;
		trim(s, &va, &vb);
		if (va == vb)
			return "empty parameter value";
	}
	for (int i = 0; i < P_OTHER; i++)
		if (name_is(s + a, ne - a, param_names[i]))
			id = i;
	if (id != P_OTHER) {
		if (*seen & (1u << id))
			return "duplicated parameter";
		*seen |= 1u << id;
	}
	switch (id) {
	case P_UNICAST:
	case P_MULTICAST:
		if (has_val)
			return "unicast/multicast take no value";
		if (id == P_UNICAST)
			sp->unicast = true;
		else
			sp->multicast = true;
		if (sp->unicast && sp->multicast)
			return "both unicast and multicast";
		return NULL;
	case P_DESTINATION:
		if (!has_val) {
			sp->destination.set = true;
			return NULL;
		}
		return parse_host(s, va, vb, &sp->destination);
	case P_OTHER:
		return NULL;
	default:
		break;
	}
	if (!has_val)
		return "parameter needs a value";
	switch (id) {
	case P_CLIENT_PORT:
		return parse_ports(s, va, vb, &sp->client_port);
	case P_SERVER_PORT:
		return parse_ports(s, va, vb, &sp->server_port);
	case P_PORT:
		return parse_ports(s, va, vb, &scratch);
	case P_SOURCE:
		return parse_host(s, va, vb, &sp->source);
	case P_INTERLEAVED: {
		size_t d = va;
		uint32_t c0, c1;

		while (d < vb && s[d] != '-')
			d++;
		if (parse_uint(s, va, d, 3, &c0) || c0 > 255 ||
		    (d < vb &&
		     (parse_uint(s, d + 1, vb, 3, &c1) || c1 > 255 || c1 < c0)))
			return "bad interleaved channels";
		sp->interleaved = true;
		return NULL;
	}
	case P_DEST_ADDR:
		return parse_addr_list(s, va, vb, sp->dest_addr, &sp->n_dest);
	case P_SRC_ADDR:
		return parse_addr_list(s, va, vb, sp->src_addr, &sp->n_src);
	default:
		return NULL;
	}
}

/* First port and count of one side: "x_port" and "x_addr" agree. */
static const char *side_ports(const struct rtsp_ports *r,
			      const struct rtsp_hostport *list, unsigned int n,
			      uint16_t *lo, unsigned int *cnt, const char *what)
{
	uint16_t alo = 0;
	unsigned int an = 0;

	*lo = 0;
	*cnt = 0;
	if (n) {
		an = n;
		for (unsigned int i = 0; i < n; i++)
			if (!list[i].has_port)
				an = 0;
		if (an) {
			alo = list[0].port;
			if (an == 2 && list[1].port != alo + 1)
				return "address list ports are not a pair "
				       "(b != a + 1)";
		}
	}
	if (r->set) {
		unsigned int rn = r->range ? 2 : 1;

		if (an && (an != rn || alo != r->lo))
			return what;
		*lo = r->lo;
		*cnt = rn;
	} else if (an) {
		*lo = alo;
		*cnt = an;
	}
	return NULL;
}

static const char *parse_spec(const char *s, size_t a, size_t b,
			      struct rtsp_spec *sp)
{
	size_t e, i, part = 0, ps;
	uint32_t seen = 0;
	const char *why;

	memset(sp, 0, sizeof(*sp));
	trim(s, &a, &b);
	if (a == b)
		return "empty transport spec";
	sp->off = a;
	sp->len = b - a;
	e = a;
	while (e < b && s[e] != ';')
		e++;
	i = a;
	{
		size_t te = e;

		trim(s, &i, &te);
		/* transport-id: token "/" token [ "/" token ] */
		ps = i;
		for (size_t k = i; k <= te; k++) {
			if (k < te && s[k] != '/') {
				if (!is_tchar((unsigned char)s[k]))
					return "bad transport protocol";
				continue;
			}
			if (k == ps)
				return "bad transport protocol";
			if (part == 2) {
				if (name_is(s + ps, k - ps, "TCP"))
					sp->lower = RTSP_LOWER_TCP;
				else if (!name_is(s + ps, k - ps, "UDP"))
					sp->lower = RTSP_LOWER_OTHER;
			}
			part++;
			ps = k + 1;
		}
		if (part < 2 || part > 3)
			return "bad transport protocol";
	}
	while (e < b) {
		size_t pa = e + 1, pb;

		if (find_sep(s, pa, b, ';', &pb, &why))
			return why;
		e = pb;
		trim(s, &pa, &pb);
		if (pa == pb) {
			if (e == b)
				break; /* one trailing ';' is tolerated */
			return "empty parameter";
		}
		if ((why = parse_param(s, pa, pb, sp, &seen)))
			return why;
	}
	if ((why = side_ports(&sp->client_port, sp->dest_addr, sp->n_dest,
			      &sp->cli_lo, &sp->cli_n,
			      "client_port and dest_addr disagree")))
		return why;
	return side_ports(&sp->server_port, sp->src_addr, sp->n_src,
			  &sp->srv_lo, &sp->srv_n,
			  "server_port and src_addr disagree");
}

int rtsp_parse_transport(const char *line, size_t len, size_t voff, size_t vlen,
			 struct rtsp_transport *t)
{
	size_t pos, end;
	const char *why = NULL;

	memset(t, 0, sizeof(*t));
	if (len > RTSP_MAX_LINE) {
		t->why = "Transport line too long";
		return -1;
	}
	if (voff > len || vlen > len - voff) {
		t->why = "bad Transport range";
		return -1;
	}
	if (!vlen) {
		t->why = "empty Transport";
		return -1;
	}
	pos = voff;
	end = voff + vlen;
	for (;;) {
		size_t b;

		if (find_sep(line, pos, end, ',', &b, &why))
			break;
		if (t->n >= RTSP_MAX_SPECS) {
			why = "more than 8 transport specs";
			break;
		}
		if ((why = parse_spec(line, pos, b, &t->spec[t->n])))
			break;
		t->n++;
		if (b == end)
			return 0;
		pos = b + 1;
	}
	memset(t, 0, sizeof(*t));
	t->why = why;
	return -1;
}

/* ------------------------------------------------------------ render */

void rtsp_edits_init(struct rtsp_edits *ed)
{
	ed->n = 0;
	ed->failed = false;
}

static void edit_add(struct rtsp_edits *ed, size_t off, size_t len,
		     const char *text, int tlen)
{
	unsigned int i;

	if (ed->failed)
		return;
	if (tlen < 0 || (size_t)tlen >= RTSP_EDIT_TEXT || !len ||
	    ed->n >= RTSP_MAX_EDITS) {
		ed->failed = true;
		return;
	}
	for (i = 0; i < ed->n && ed->e[i].off < off; i++)
		;
	/* neighbours must not overlap */
	if ((i > 0 && ed->e[i - 1].off + ed->e[i - 1].len > off) ||
	    (i < ed->n && off + len > ed->e[i].off)) {
		ed->failed = true;
		return;
	}
	memmove(&ed->e[i + 1], &ed->e[i], (ed->n - i) * sizeof(ed->e[0]));
	ed->e[i].off = off;
	ed->e[i].len = len;
	memcpy(ed->e[i].text, text, (size_t)tlen);
	ed->e[i].tlen = (size_t)tlen;
	ed->n++;
}

void rtsp_edit_ports(struct rtsp_edits *ed, const struct rtsp_ports *r,
		     uint16_t lo)
{
	char t[RTSP_EDIT_TEXT];
	int n;

	if (!r->set || (r->range && lo == 65535)) {
		ed->failed = true;
		return;
	}
	n = r->range ? snprintf(t, sizeof(t), "%u-%u", lo, lo + 1u) :
		       snprintf(t, sizeof(t), "%u", lo);
	edit_add(ed, r->off, r->len, t, n);
}

void rtsp_edit_hostport(struct rtsp_edits *ed, const struct rtsp_hostport *h,
			uint16_t port)
{
	char t[RTSP_EDIT_TEXT];

	if (!h->has_port) {
		ed->failed = true;
		return;
	}
	edit_add(ed, h->port_off, h->port_len, t,
		 snprintf(t, sizeof(t), "%u", port));
}

void rtsp_edit_host(struct rtsp_edits *ed, const struct rtsp_host *h,
		    const uint8_t addr[16])
{
	char t[INET6_ADDRSTRLEN];

	if (!h->set || !h->family || !h->len ||
	    !inet_ntop(h->family, addr, t, sizeof(t))) {
		ed->failed = true;
		return;
	}
	edit_add(ed, h->off, h->len, t, (int)strlen(t));
}

int rtsp_render(const char *line, size_t len, const struct rtsp_edits *ed,
		char *out, size_t cap)
{
	size_t in = 0, o = 0;

	if (ed->failed)
		return -1;
	for (unsigned int i = 0; i < ed->n; i++) {
		const struct rtsp_edit *e = &ed->e[i];

		if (e->off < in || e->off > len || e->len > len - e->off)
			return -1;
		if (e->off - in + e->tlen > cap - o)
			return -1;
		memcpy(out + o, line + in, e->off - in);
		o += e->off - in;
		memcpy(out + o, e->text, e->tlen);
		o += e->tlen;
		in = e->off + e->len;
	}
	if (len - in > cap - o || o + (len - in) > (size_t)0x7fffffff)
		return -1;
	memcpy(out + o, line + in, len - in);
	return (int)(o + len - in);
}
