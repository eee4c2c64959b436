// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sip.c - SIP message parser and TCP framer (see sip.h).
 *
 * One pass over the header block: fields are cut with one iterator
 * (next_field) that both sip_parse and sip_frame use, so the two can never
 * disagree on where a header block or a Content-Length ends.  Every read is
 * bounded by the field it is in; bytes are compared as unsigned chars with
 * ASCII helpers of our own, so NUL and bytes >= 0x80 are just "not what
 * was expected".
 *
 * Rules decided here (RFC 3261 leaves them to the implementation, or we
 * are stricter because an ALG that misreads a message rewrites it wrongly):
 *  - A line ends at LF; a CR is only allowed right before it.  A bare CR
 *    anywhere in the start line or the header block fails the parse: other
 *    implementations read it as a line end, we would not, and the two
 *    views of the message would differ.
 *  - Inside a field value, CR and LF only occur as folding (a line end
 *    followed by SP/HT), so value parsers treat them as blanks.
 *  - In a sip:/sips: URI, userinfo ends at the first '@' before any '?'
 *    (RFC 3261 allows '@' neither in host, params nor headers unescaped).
 *    A URI not inside <...> ends at ';' or a blank (RFC 3261 20.10).
 *  - Numbers: Content-Length, Expires, expires= and CSeq accept any
 *    number of leading zeros; Expires/expires= saturate at UINT32_MAX
 *    (RFC 3261 20.19); Content-Length above SIP_MAX_MSG and CSeq above
 *    UINT32_MAX fail.
 *  - An IPv4 host is 1-3 decimal digits a part (leading zeros decimal).
 *    Anything else made of letters, digits, '-' and '.' is a domain name
 *    (family 0): it never matches an address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/addr.h"
#include "alg/sip.h"

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* RFC 3261 token */
static bool is_token(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("-.!%*_+`'~", c));
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* blank inside a field value: folding has already been checked */
static bool is_lws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_lws(const uint8_t *b, size_t p, size_t e)
{
	while (p < e && is_lws(b[p]))
		p++;
	return p;
}

static size_t skip_token(const uint8_t *b, size_t p, size_t e)
{
	while (p < e && is_token(b[p]))
		p++;
	return p;
}

bool sip_range_ieq(const uint8_t *b, size_t s, size_t e, const char *lit)
{
	size_t n = strlen(lit);

	if (e - s != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(b[s + i]) != lower((unsigned char)lit[i]))
			return false;
	return true;
}

bool sip_span_ieq(const uint8_t *buf, struct sip_span sp, const char *s)
{
	return buf && s &&
	       sip_range_ieq(buf, sp.off, (size_t)sp.off + sp.len, s);
}

/*
 * Decimal digits at [s, e) only.  Saturates at @max + 1 so a caller can
 * tell "too large" from any valid value whatever the number of digits.
 */
static bool digits(const uint8_t *b, size_t s, size_t e, uint64_t max,
		   uint64_t *v)
{
	uint64_t x = 0;

	if (s >= e)
		return false;
	for (size_t i = s; i < e; i++) {
		if (!is_digit(b[i]))
			return false;
		x = x * 10 + (b[i] - '0');
		if (x > max)
			x = max + 1;
	}
	*v = x;
	return true;
}

int sip_parse_ip(const uint8_t *s, size_t n, uint8_t addr[16])
{
	return alg_parse_ip(s, n, addr);
}

int sip_format_ip(int family, const uint8_t addr[16], bool brackets, char *out,
		  size_t cap)
{
	char t[INET6_ADDRSTRLEN];
	int n;

	if (family == AF_INET)
		n = snprintf(out, cap, "%u.%u.%u.%u", addr[0], addr[1], addr[2],
			     addr[3]);
	else if (family == AF_INET6 && inet_ntop(AF_INET6, addr, t, sizeof(t)))
		n = snprintf(out, cap, brackets ? "[%s]" : "%s", t);
	else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static const struct {
	const char *name;
	char compact;
	uint8_t id;
} hdr_tab[] = {
	{ "Via", 'v', SIP_H_VIA },
	{ "From", 'f', SIP_H_FROM },
	{ "To", 't', SIP_H_TO },
	{ "Contact", 'm', SIP_H_CONTACT },
	{ "Call-ID", 'i', SIP_H_CALL_ID },
	{ "CSeq", 0, SIP_H_CSEQ },
	{ "Content-Length", 'l', SIP_H_CONTENT_LENGTH },
	{ "Content-Type", 'c', SIP_H_CONTENT_TYPE },
	{ "Expires", 0, SIP_H_EXPIRES },
	{ "Route", 0, SIP_H_ROUTE },
	{ "Record-Route", 0, SIP_H_RECORD_ROUTE },
	{ "Max-Forwards", 0, SIP_H_MAX_FORWARDS },
	{ "Supported", 'k', SIP_H_SUPPORTED },
	{ "Subject", 's', SIP_H_SUBJECT },
	{ "Content-Encoding", 'e', SIP_H_CONTENT_ENCODING },
	{ "Event", 'o', SIP_H_EVENT },
	{ "Refer-To", 'r', SIP_H_REFER_TO },
	{ "Allow-Events", 'u', SIP_H_ALLOW_EVENTS },
	{ "Session-Expires", 'x', SIP_H_SESSION_EXPIRES },
	{ "Referred-By", 'b', SIP_H_REFERRED_BY },
	{ "Accept-Contact", 'a', SIP_H_ACCEPT_CONTACT },
	{ "Reject-Contact", 'j', SIP_H_REJECT_CONTACT },
	{ "Request-Disposition", 'd', SIP_H_REQUEST_DISPOSITION },
	{ "Identity", 'y', SIP_H_IDENTITY },
	{ "Identity-Info", 'n', SIP_H_IDENTITY_INFO },
};

#define N_HDR_TAB (sizeof(hdr_tab) / sizeof(*hdr_tab))

static uint8_t hdr_id(const uint8_t *b, size_t s, size_t e, bool *compact)
{
	*compact = false;
	for (size_t i = 0; i < N_HDR_TAB; i++) {
		if (e - s == 1 && hdr_tab[i].compact &&
		    lower(b[s]) == (unsigned char)hdr_tab[i].compact) {
			*compact = true;
			return hdr_tab[i].id;
		}
		if (sip_range_ieq(b, s, e, hdr_tab[i].name))
			return hdr_tab[i].id;
	}
	return SIP_H_OTHER;
}

const char *sip_hdr_name(enum sip_hdr id)
{
	if (id == SIP_H_REQUEST_URI)
		return "Request-URI";
	for (size_t i = 0; i < N_HDR_TAB; i++)
		if (hdr_tab[i].id == id)
			return hdr_tab[i].name;
	return "?";
}

static const char *const method_tab[] = {
	[SIP_M_INVITE] = "INVITE",     [SIP_M_ACK] = "ACK",
	[SIP_M_BYE] = "BYE",	       [SIP_M_CANCEL] = "CANCEL",
	[SIP_M_REGISTER] = "REGISTER", [SIP_M_OPTIONS] = "OPTIONS",
	[SIP_M_PRACK] = "PRACK",       [SIP_M_UPDATE] = "UPDATE",
	[SIP_M_INFO] = "INFO",	       [SIP_M_SUBSCRIBE] = "SUBSCRIBE",
	[SIP_M_NOTIFY] = "NOTIFY",     [SIP_M_REFER] = "REFER",
	[SIP_M_MESSAGE] = "MESSAGE",   [SIP_M_PUBLISH] = "PUBLISH",
};

const char *sip_method_name(enum sip_method id)
{
	if ((size_t)id < sizeof(method_tab) / sizeof(*method_tab) &&
	    method_tab[id])
		return method_tab[id];
	return "?";
}

/* Methods are case-sensitive (RFC 3261 7.1). */
static uint8_t method_id(const uint8_t *b, size_t s, size_t e)
{
	for (size_t i = 1; i < sizeof(method_tab) / sizeof(*method_tab); i++) {
		size_t n = strlen(method_tab[i]);

		if (e - s == n && !memcmp(b + s, method_tab[i], n))
			return (uint8_t)i;
	}
	return SIP_M_OTHER;
}

/* ---- lines and fields ---- */

enum { L_OK, L_MORE, L_BAD };

/*
 * The line at p: text [p, *t), next line at *e.  L_MORE: no LF yet (and
 * the line could still end within SIP_MAX_LINE); L_BAD: too long, or a
 * NUL / bare CR in it.
 */
static int line_at(const uint8_t *b, size_t len, size_t p, size_t *t, size_t *e,
		   const char **why)
{
	size_t lim = len - p < SIP_MAX_LINE + 2 ? len - p : SIP_MAX_LINE + 2;
	const uint8_t *nl = memchr(b + p, '\n', lim);
	size_t i;

	if (!nl) {
		if (lim == SIP_MAX_LINE + 2) {
			*why = "line too long";
			return L_BAD;
		}
		/* a partial line can already be refused */
		if (memchr(b + p, '\0', lim)) {
			*why = "NUL byte in header";
			return L_BAD;
		}
		return L_MORE;
	}
	i = (size_t)(nl - b);
	*e = i + 1;
	*t = i > p && b[i - 1] == '\r' ? i - 1 : i;
	if (*t - p > SIP_MAX_LINE) {
		*why = "line too long";
		return L_BAD;
	}
	if (memchr(b + p, '\0', *t - p)) {
		*why = "NUL byte in header";
		return L_BAD;
	}
	if (memchr(b + p, '\r', *t - p)) {
		*why = "bare CR in header";
		return L_BAD;
	}
	return L_OK;
}

struct field {
	size_t start, name_end, vstart, vend, end, next;
};

enum { F_FIELD, F_END, F_MORE, F_BAD };

/*
 * The header field starting at line p (continuation lines included), or
 * the blank line that ends the header block (F_END, f->next: the body).
 * F_MORE: the buffer ends before the field is known to be complete (a
 * following line could still continue it).
 */
static int next_field(const uint8_t *b, size_t len, size_t p, struct field *f,
		      const char **why)
{
	size_t t, e, q;
	int rc;

	if (p >= len)
		return F_MORE;
	rc = line_at(b, len, p, &t, &e, why);
	if (rc != L_OK)
		return rc == L_MORE ? F_MORE : F_BAD;
	if (t == p) {
		f->next = e;
		return F_END;
	}
	if (is_ws(b[p])) {
		*why = "continuation line without a header";
		return F_BAD;
	}
	f->start = p;
	q = skip_token(b, p, t);
	if (q == p) {
		*why = "bad header name";
		return F_BAD;
	}
	f->name_end = q;
	while (q < t && is_ws(b[q]))
		q++;
	if (q >= t || b[q] != ':') {
		*why = "missing colon in header";
		return F_BAD;
	}
	q++;
	while (q < t && is_ws(b[q]))
		q++;
	f->vstart = q;
	f->vend = t;
	while (f->vend > f->vstart && is_ws(b[f->vend - 1]))
		f->vend--;

	for (;;) {
		size_t t2, e2, s;

		if (e >= len)
			return F_MORE;
		if (!is_ws(b[e]))
			break;
		rc = line_at(b, len, e, &t2, &e2, why);
		if (rc != L_OK)
			return rc == L_MORE ? F_MORE : F_BAD;
		if (t2 - p > SIP_MAX_LINE) {
			*why = "header too long";
			return F_BAD;
		}
		s = e;
		while (s < t2 && is_ws(b[s]))
			s++;
		if (s < t2) {
			if (f->vstart == f->vend)
				f->vstart = s;
			f->vend = t2;
			while (is_ws(b[f->vend - 1]))
				f->vend--;
		}
		t = t2;
		e = e2;
	}
	f->end = t;
	f->next = e;
	return F_FIELD;
}

/* Content-Length value: the framer and the parser must agree exactly. */
static const char *parse_clen(const uint8_t *b, size_t s, size_t e, uint32_t *v)
{
	uint64_t x;

	if (s < e && b[s] == '-')
		return "negative Content-Length";
	if (!digits(b, s, e, SIP_MAX_MSG, &x))
		return "bad Content-Length";
	if (x > SIP_MAX_MSG)
		return "Content-Length too large";
	*v = (uint32_t)x;
	return NULL;
}

enum sip_frame_rc sip_frame(const uint8_t *buf, size_t len, size_t *n,
			    const char **why)
{
	size_t lim = len < SIP_MAX_MSG ? len : SIP_MAX_MSG, k = 0, t, e, p;
	const char *w = NULL;
	bool have_cl = false;
	uint32_t cl = 0;
	int rc;

	*n = 0;
	*why = NULL;
	if (!buf)
		return SIP_FRAME_MORE;
	/* CRLF keep-alives (RFC 5626 4.4.1), or stray line ends before a
	 * start line (RFC 3261 7.5): handed back on their own
	 */
	while (k < lim) {
		if (buf[k] == '\n') {
			k++;
		} else if (buf[k] == '\r') {
			if (k + 1 >= lim)
				break;
			if (buf[k + 1] != '\n') {
				*why = "bare CR";
				return SIP_FRAME_BAD;
			}
			k += 2;
		} else {
			break;
		}
	}
	if (k) {
		*n = k;
		return SIP_FRAME_KEEPALIVE;
	}
	if (!lim || buf[0] == '\r')
		return SIP_FRAME_MORE;

	rc = line_at(buf, lim, 0, &t, &e, &w);
	if (rc == L_BAD) {
		*why = w;
		return SIP_FRAME_BAD;
	}
	if (rc == L_MORE)
		goto more;
	for (p = e;;) {
		struct field f;
		bool compact;

		rc = next_field(buf, lim, p, &f, &w);
		if (rc == F_BAD) {
			*why = w;
			return SIP_FRAME_BAD;
		}
		if (rc == F_MORE)
			goto more;
		if (rc == F_END) {
			if (!have_cl) {
				*why = "no Content-Length";
				return SIP_FRAME_BAD;
			}
			if (f.next + cl > SIP_MAX_MSG) {
				*why = "message too long";
				return SIP_FRAME_BAD;
			}
			if (len < f.next + cl) {
				*n = f.next + cl;
				return SIP_FRAME_MORE;
			}
			*n = f.next + cl;
			return SIP_FRAME_MSG;
		}
		if (hdr_id(buf, f.start, f.name_end, &compact) ==
		    SIP_H_CONTENT_LENGTH) {
			if (have_cl) {
				*why = "two Content-Length headers";
				return SIP_FRAME_BAD;
			}
			w = parse_clen(buf, f.vstart, f.vend, &cl);
			if (w) {
				*why = w;
				return SIP_FRAME_BAD;
			}
			have_cl = true;
		}
		p = f.next;
	}
more:
	if (len >= SIP_MAX_MSG) {
		*why = "headers too long";
		return SIP_FRAME_BAD;
	}
	return SIP_FRAME_MORE;
}

/* ---- values ---- */

struct pstate {
	const uint8_t *b;
	struct sip_msg *m;
	uint16_t nth[SIP_H__COUNT];
	unsigned seen[SIP_H__COUNT]; /* header fields per id */
};

static int fail(struct sip_msg *m, const char *why)
{
	m->why = why;
	return -1;
}

/* '"' at p: the index after the closing quote, or 0 if it is missing. */
static size_t skip_quoted(const uint8_t *b, size_t p, size_t e)
{
	for (p++; p < e; p++) {
		if (b[p] == '\\')
			p++;
		else if (b[p] == '"')
			return p + 1;
	}
	return 0;
}

/*
 * The next comma-separated element of [p, e): [*s, *se) without the
 * blanks around it, *next after its comma (or e).  NULL or the reason.
 */
static const char *split_next(const uint8_t *b, size_t p, size_t e, size_t *s,
			      size_t *se, size_t *next)
{
	size_t i = p;

	while (i < e && b[i] != ',') {
		if (b[i] == '"') {
			i = skip_quoted(b, i, e);
			if (!i)
				return "unbalanced quote";
		} else if (b[i] == '<') {
			const uint8_t *r = memchr(b + i, '>', e - i);

			if (!r)
				return "missing '>'";
			i = (size_t)(r - b) + 1;
		} else {
			i++;
		}
	}
	*next = i < e ? i + 1 : e;
	*s = skip_lws(b, p, i);
	*se = i;
	while (*se > *s && is_lws(b[*se - 1]))
		(*se)--;
	if (*s == *se)
		return "empty list element";
	return NULL;
}

/*
 * host at p (before e): "[v6]" or a run of letters, digits, '-', '.'.
 * *he after it; family/addr when it is an address literal.
 */
static bool parse_host(const uint8_t *b, size_t p, size_t e, size_t *he,
		       int *family, uint8_t addr[16])
{
	size_t q = p;

	if (p >= e)
		return false;
	if (b[p] == '[') {
		const uint8_t *r = memchr(b + p, ']', e - p);

		if (!r)
			return false;
		q = (size_t)(r - b);
		if (sip_parse_ip(b + p + 1, q - p - 1, addr) != AF_INET6)
			return false;
		*family = AF_INET6;
		*he = q + 1;
		return true;
	}
	while (q < e &&
	       (is_alpha(b[q]) || is_digit(b[q]) || b[q] == '-' || b[q] == '.'))
		q++;
	if (q == p)
		return false;
	*family = sip_parse_ip(b + p, q - p, addr) == AF_INET ? AF_INET : 0;
	if (!*family)
		memset(addr, 0, 16);
	*he = q;
	return true;
}

/* ":port" digits at p: 0..65535, 1 to 5 digits (leading zeros count). */
static bool parse_port(const uint8_t *b, size_t p, size_t e, size_t *pe,
		       uint16_t *port)
{
	size_t q = p;
	uint64_t v;

	while (q < e && is_digit(b[q]))
		q++;
	if (q == p || q - p > 5 || !digits(b, p, q, 65535, &v) || v > 65535)
		return false;
	*port = (uint16_t)v;
	*pe = q;
	return true;
}

/*
 * A URI at [s, e).  sip:/sips: get their hostport parsed; other schemes
 * are accepted as they are.
 */
static const char *parse_uri(struct pstate *ps, size_t s, size_t e,
			     struct sip_value *v)
{
	const uint8_t *b = ps->b;
	size_t q = s, h, he, pe;

	if (q >= e || !is_alpha(b[q]))
		return "bad URI";
	while (q < e && (is_alpha(b[q]) || is_digit(b[q]) || b[q] == '+' ||
			 b[q] == '-' || b[q] == '.'))
		q++;
	if (q >= e || b[q] != ':')
		return "bad URI";
	v->uri = sip_span_of(s, e);
	if (!sip_range_ieq(b, s, q, "sip") && !sip_range_ieq(b, s, q, "sips"))
		return NULL;
	if (q - s == 4)
		v->flags |= SIP_V_SIPS;
	h = q + 1;
	for (size_t i = h; i < e && b[i] != '?'; i++) {
		if (b[i] == '@') {
			h = i + 1;
			break;
		}
	}
	if (!parse_host(b, h, e, &he, &v->family, v->addr))
		return "bad host in URI";
	pe = he;
	if (he < e && b[he] == ':') {
		if (!parse_port(b, he + 1, e, &pe, &v->port))
			return "bad port in URI";
		v->flags |= SIP_V_PORT;
		v->portnum = sip_span_of(he + 1, pe);
	}
	if (pe < e && b[pe] != ';' && b[pe] != '?')
		return "bad host in URI";
	v->host = sip_span_of(h, he);
	v->hostport = sip_span_of(h, pe);
	/* maddr= among the URI parameters */
	for (size_t i = pe; i < e && b[i] != '?'; i++) {
		if (b[i] != ';' ||
		    !sip_range_ieq(b, i + 1, i + 7 <= e ? i + 7 : i + 1,
				   "maddr="))
			continue;
		q = i + 7;
		while (q < e && b[q] != ';' && b[q] != '?')
			q++;
		v->maddr = sip_span_of(i + 7, q);
		v->flags |= SIP_V_MADDR;
	}
	return NULL;
}

/*
 * One ";name[=value]" parameter at p (after the ';' and blanks).  Value:
 * a quoted string (quotes kept in the span) or a run of token characters
 * and ':' '[' ']' (IPv6 received=).  *next: after it.
 */
static const char *parse_param(const uint8_t *b, size_t p, size_t e,
			       struct sip_span *name, struct sip_span *val,
			       bool *has_val, size_t *next)
{
	size_t q = skip_token(b, p, e), vs, ve;

	if (q == p)
		return "bad parameter";
	*name = sip_span_of(p, q);
	*has_val = false;
	*val = sip_span_of(q, q);
	q = skip_lws(b, q, e);
	if (q < e && b[q] == '=') {
		vs = skip_lws(b, q + 1, e);
		if (vs < e && b[vs] == '"') {
			ve = skip_quoted(b, vs, e);
			if (!ve)
				return "unbalanced quote";
		} else {
			ve = vs;
			while (ve < e && (is_token(b[ve]) || b[ve] == ':' ||
					  b[ve] == '[' || b[ve] == ']'))
				ve++;
		}
		if (ve == vs)
			return "bad parameter";
		*val = sip_span_of(vs, ve);
		*has_val = true;
		q = ve;
	}
	*next = q;
	return NULL;
}

static bool pname(const uint8_t *b, struct sip_span n, const char *s)
{
	return sip_range_ieq(b, n.off, (size_t)n.off + n.len, s);
}

/* Via element: sent-protocol LWS sent-by *( SEMI via-params ) */
static const char *parse_via(struct pstate *ps, size_t s, size_t e,
			     struct sip_value *v)
{
	const uint8_t *b = ps->b;
	size_t p = s, ts[3], te[3], hs, he;

	for (int i = 0; i < 3; i++) {
		if (i) {
			p = skip_lws(b, p, e);
			if (p >= e || b[p] != '/')
				return "bad Via";
			p = skip_lws(b, p + 1, e);
		}
		ts[i] = p;
		p = skip_token(b, p, e);
		te[i] = p;
		if (te[i] == ts[i])
			return "bad Via";
	}
	if (!sip_range_ieq(b, ts[0], te[0], "SIP") ||
	    !sip_range_ieq(b, ts[1], te[1], "2.0"))
		return "bad Via protocol";
	v->transport = sip_span_of(ts[2], te[2]);
	if (sip_range_ieq(b, ts[2], te[2], "TLS"))
		v->flags |= SIP_V_SIPS;
	if (p >= e || !is_lws(b[p]))
		return "bad Via";
	hs = skip_lws(b, p, e);
	if (!parse_host(b, hs, e, &he, &v->family, v->addr))
		return "bad host in Via";
	v->host = sip_span_of(hs, he);
	v->hostport = v->host;
	p = skip_lws(b, he, e);
	if (p < e && b[p] == ':') {
		size_t pp = skip_lws(b, p + 1, e), pe;

		if (!parse_port(b, pp, e, &pe, &v->port))
			return "bad port in Via";
		v->flags |= SIP_V_PORT;
		v->portnum = sip_span_of(pp, pe);
		v->hostport = sip_span_of(hs, pe);
		p = pe;
	} else {
		p = he;
	}
	for (;;) {
		struct sip_span n, val;
		bool has;
		const char *why;

		p = skip_lws(b, p, e);
		if (p >= e)
			break;
		if (b[p] != ';')
			return "bad Via";
		p = skip_lws(b, p + 1, e);
		why = parse_param(b, p, e, &n, &val, &has, &p);
		if (why)
			return why;
		if (pname(b, n, "branch")) {
			v->branch = val;
		} else if (pname(b, n, "received")) {
			v->received = val;
			v->flags |= SIP_V_RECEIVED;
		} else if (pname(b, n, "maddr")) {
			v->maddr = val;
			v->flags |= SIP_V_MADDR;
		} else if (pname(b, n, "rport")) {
			uint64_t x;

			v->flags |= SIP_V_RPORT;
			v->rport = val;
			if (has) {
				if (!digits(b, val.off, val.off + val.len,
					    65535, &x) ||
				    x > 65535)
					return "bad rport";
				v->rport_num = (uint16_t)x;
			}
		}
	}
	return NULL;
}

/*
 * Contact / From / To / Route / Record-Route element:
 *   ( name-addr / addr-spec ) *( SEMI param ), or "*" (Contact).
 */
static const char *parse_addr(struct pstate *ps, size_t s, size_t e,
			      struct sip_value *v, bool star_ok)
{
	const uint8_t *b = ps->b;
	size_t p = s, la = e, us, ue;
	const char *why;

	if (star_ok && e - s == 1 && b[s] == '*') {
		v->flags |= SIP_V_STAR;
		return NULL;
	}
	while (p < e) {
		if (b[p] == '"') {
			p = skip_quoted(b, p, e);
			if (!p)
				return "unbalanced quote";
		} else if (b[p] == '<') {
			la = p;
			break;
		} else {
			p++;
		}
	}
	if (la < e) {
		const uint8_t *r = memchr(b + la, '>', e - la);

		if (!r)
			return "missing '>'";
		us = la + 1;
		ue = (size_t)(r - b);
		p = ue + 1;
		v->flags |= SIP_V_NAME_ADDR;
	} else {
		us = s;
		ue = s;
		while (ue < e && b[ue] != ';' && !is_lws(b[ue]))
			ue++;
		p = ue;
	}
	why = parse_uri(ps, us, ue, v);
	if (why)
		return why;
	for (;;) {
		struct sip_span n, val;
		bool has;

		p = skip_lws(b, p, e);
		if (p >= e)
			break;
		if (b[p] != ';')
			return "bad parameters";
		p = skip_lws(b, p + 1, e);
		why = parse_param(b, p, e, &n, &val, &has, &p);
		if (why)
			return why;
		if (pname(b, n, "tag")) {
			v->tag = val;
			v->flags |= SIP_V_TAG;
		} else if (pname(b, n, "expires") && v->id == SIP_H_CONTACT) {
			uint64_t x;

			if (!digits(b, val.off, val.off + val.len, UINT32_MAX,
				    &x))
				return "bad expires parameter";
			v->expires = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
			v->flags |= SIP_V_EXPIRES;
		}
	}
	return NULL;
}

static struct sip_value *new_value(struct pstate *ps, uint8_t id, uint16_t hdr,
				   size_t s, size_t e)
{
	struct sip_msg *m = ps->m;
	struct sip_value *v;

	if (m->n_values >= SIP_MAX_VALUES)
		return NULL;
	v = &m->values[m->n_values++];
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->hdr = hdr;
	v->nth = ps->nth[id]++;
	v->span = sip_span_of(s, e);
	return v;
}

static const char *field_values(struct pstate *ps, uint8_t id, uint16_t hdr,
				size_t vs, size_t ve)
{
	bool list = id != SIP_H_FROM && id != SIP_H_TO;
	size_t p = vs;

	if (vs == ve)
		return "empty header value";
	while (p < ve) {
		struct sip_value *v;
		const char *why;
		size_t s, se;

		if (list) {
			why = split_next(ps->b, p, ve, &s, &se, &p);
			if (why)
				return why;
		} else {
			s = vs;
			se = ve;
			p = ve;
		}
		v = new_value(ps, id, hdr, s, se);
		if (!v)
			return "too many values";
		why = id == SIP_H_VIA ?
			      parse_via(ps, s, se, v) :
			      parse_addr(ps, s, se, v, id == SIP_H_CONTACT);
		if (why)
			return why;
	}
	return NULL;
}

static const char *one_field(struct pstate *ps, const struct field *f)
{
	struct sip_msg *m = ps->m;
	const uint8_t *b = ps->b;
	struct sip_header *h;
	size_t vs = f->vstart, ve = f->vend, q;
	uint64_t x;
	bool compact;
	uint8_t id;

	if (m->n_hdrs >= SIP_MAX_HEADERS)
		return "too many headers";
	id = hdr_id(b, f->start, f->name_end, &compact);
	h = &m->hdrs[m->n_hdrs];
	h->id = id;
	h->compact = compact;
	h->name = sip_span_of(f->start, f->name_end);
	h->value = sip_span_of(vs, ve);
	h->field = sip_span_of(f->start, f->end);
	m->n_hdrs++;
	ps->seen[id]++;

	switch (id) {
	case SIP_H_VIA:
	case SIP_H_CONTACT:
	case SIP_H_ROUTE:
	case SIP_H_RECORD_ROUTE:
		return field_values(ps, id, (uint16_t)(m->n_hdrs - 1), vs, ve);
	case SIP_H_FROM:
	case SIP_H_TO:
		if (ps->seen[id] > 1)
			return id == SIP_H_FROM ? "duplicate From" :
						  "duplicate To";
		return field_values(ps, id, (uint16_t)(m->n_hdrs - 1), vs, ve);
	case SIP_H_CALL_ID:
		if (ps->seen[id] > 1)
			return "duplicate Call-ID";
		if (vs == ve)
			return "bad Call-ID";
		for (size_t i = vs; i < ve; i++)
			if (is_lws(b[i]))
				return "bad Call-ID";
		m->call_id = sip_span_of(vs, ve);
		return NULL;
	case SIP_H_CSEQ:
		if (ps->seen[id] > 1)
			return "duplicate CSeq";
		q = vs;
		while (q < ve && is_digit(b[q]))
			q++;
		if (!digits(b, vs, q, UINT32_MAX, &x) || x > UINT32_MAX ||
		    q >= ve || !is_lws(b[q]))
			return "bad CSeq";
		m->cseq = (uint32_t)x;
		vs = skip_lws(b, q, ve);
		q = skip_token(b, vs, ve);
		if (q == vs || q != ve)
			return "bad CSeq";
		m->cseq_method_s = sip_span_of(vs, q);
		m->cseq_method = method_id(b, vs, q);
		return NULL;
	case SIP_H_CONTENT_LENGTH: {
		const char *why;
		uint32_t v;

		if (ps->seen[id] > 1)
			return "two Content-Length headers";
		why = parse_clen(b, vs, ve, &v);
		if (why)
			return why;
		m->clen_hdr = (int)(m->n_hdrs - 1);
		m->clen = sip_span_of(vs, ve);
		m->body_len = v;
		return NULL;
	}
	case SIP_H_CONTENT_TYPE:
		if (ps->seen[id] > 1)
			return "duplicate Content-Type";
		m->content_type = sip_span_of(vs, ve);
		return NULL;
	case SIP_H_EXPIRES:
		if (ps->seen[id] > 1)
			return "duplicate Expires";
		if (!digits(b, vs, ve, UINT32_MAX, &x))
			return "bad Expires";
		m->has_expires = true;
		m->expires = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
		return NULL;
	default:
		return NULL;
	}
}

/* Request-Line or Status-Line at [s, t). */
static const char *start_line(struct pstate *ps, size_t s, size_t t)
{
	struct sip_msg *m = ps->m;
	const uint8_t *b = ps->b;
	size_t p, q;

	m->start = sip_span_of(s, t);
	if (t - s >= 4 && sip_range_ieq(b, s, s + 4, "SIP/")) {
		uint64_t code;

		p = s;
		while (p < t && b[p] != ' ')
			p++;
		if (!sip_range_ieq(b, s, p, "SIP/2.0"))
			return "bad SIP version";
		while (p < t && b[p] == ' ')
			p++;
		q = p;
		while (q < t && is_digit(b[q]))
			q++;
		if (q - p != 3 || !digits(b, p, q, 999, &code) || code < 100 ||
		    code > 699 || (q < t && b[q] != ' '))
			return "bad status code";
		m->status = (uint16_t)code;
		m->reason = sip_span_of(q < t ? q + 1 : t, t);
		return NULL;
	}
	m->request = true;
	p = skip_token(b, s, t);
	if (p == s || p >= t || b[p] != ' ')
		return "bad request line";
	m->method_s = sip_span_of(s, p);
	m->method = method_id(b, s, p);
	while (p < t && b[p] == ' ')
		p++;
	q = p;
	while (q < t && !is_ws(b[q]))
		q++;
	if (q == p || q >= t)
		return "bad request line";
	{
		struct sip_value *v =
			new_value(ps, SIP_H_REQUEST_URI, SIP_NO_HDR, p, q);
		const char *why =
			v ? parse_uri(ps, p, q, v) : "too many values";

		if (why)
			return why;
	}
	while (q < t && b[q] == ' ')
		q++;
	if (!sip_range_ieq(b, q, t, "SIP/2.0"))
		return "bad SIP version";
	return NULL;
}

int sip_parse(const uint8_t *buf, size_t len, unsigned flags, struct sip_msg *m)
{
	struct pstate ps = { .b = buf, .m = m };
	size_t lim, p = 0, t, e;
	const char *why = NULL;
	int rc;

	memset(m, 0, offsetof(struct sip_msg, hdrs));
	m->n_values = 0;
	memset(&m->call_id, 0, sizeof(*m) - offsetof(struct sip_msg, call_id));
	m->flags = flags;
	m->clen_hdr = -1;
	if (!buf)
		return fail(m, "no message");
	if (len > SIP_MAX_MSG && !(flags & SIP_PARSE_STREAM))
		return fail(m, "message too long");
	lim = len < SIP_MAX_MSG ? len : SIP_MAX_MSG;

	while (p < lim && (buf[p] == '\n' || (buf[p] == '\r' && p + 1 < lim &&
					      buf[p + 1] == '\n')))
		p += buf[p] == '\r' ? 2 : 1;
	m->lead = (uint32_t)p;
	if (p >= lim)
		return fail(m, "no start line");
	rc = line_at(buf, lim, p, &t, &e, &why);
	if (rc == L_MORE)
		why = "missing end of headers";
	if (rc != L_OK || (why = start_line(&ps, p, t)))
		return fail(m, why);

	for (p = e;;) {
		struct field f;

		rc = next_field(buf, lim, p, &f, &why);
		if (rc == F_MORE)
			why = "missing end of headers";
		if (rc == F_MORE || rc == F_BAD)
			return fail(m, why);
		if (rc == F_END) {
			m->head_len = (uint32_t)p;
			m->body_off = (uint32_t)f.next;
			break;
		}
		why = one_field(&ps, &f);
		if (why)
			return fail(m, why);
		p = f.next;
	}

	if (!ps.seen[SIP_H_VIA])
		why = "missing Via";
	else if (!ps.seen[SIP_H_FROM])
		why = "missing From";
	else if (!ps.seen[SIP_H_TO])
		why = "missing To";
	else if (!ps.seen[SIP_H_CALL_ID])
		why = "missing Call-ID";
	else if (!ps.seen[SIP_H_CSEQ])
		why = "missing CSeq";
	if (why)
		return fail(m, why);

	if (m->clen_hdr < 0) {
		if (flags & SIP_PARSE_STREAM)
			return fail(m, "no Content-Length");
		m->body_len = (uint32_t)(lim - m->body_off);
	} else if ((size_t)m->body_off + m->body_len > lim) {
		return fail(m, (size_t)m->body_off + m->body_len > SIP_MAX_MSG ?
				       "message too long" :
				       "body shorter than Content-Length");
	}
	m->msg_len = m->body_off + m->body_len;
	return 0;
}

const struct sip_header *sip_header_find(const struct sip_msg *m,
					 enum sip_hdr id, unsigned nth)
{
	for (unsigned i = 0; i < m->n_hdrs; i++)
		if (m->hdrs[i].id == id && !nth--)
			return &m->hdrs[i];
	return NULL;
}

const struct sip_value *sip_value_find(const struct sip_msg *m, enum sip_hdr id,
				       unsigned nth)
{
	for (unsigned i = 0; i < m->n_values; i++)
		if (m->values[i].id == id && m->values[i].nth == nth)
			return &m->values[i];
	return NULL;
}

bool sip_body_is_sdp(const uint8_t *buf, const struct sip_msg *m)
{
	size_t s = m->content_type.off, e = s + m->content_type.len, p, q;

	p = skip_token(buf, s, e);
	if (!sip_range_ieq(buf, s, p, "application"))
		return false;
	p = skip_lws(buf, p, e);
	if (p >= e || buf[p] != '/')
		return false;
	p = skip_lws(buf, p + 1, e);
	q = skip_token(buf, p, e);
	if (!sip_range_ieq(buf, p, q, "sdp"))
		return false;
	q = skip_lws(buf, q, e);
	return q == e || buf[q] == ';';
}
