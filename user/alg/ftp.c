// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ftp.c - FTP control-channel parser and rewriter (see ftp.h).
 *
 * Every read is bounded by the line's length (the terminator, "\r\n" or a
 * bare "\n", is found first and only the text before it is parsed); bytes
 * are compared as unsigned chars with ASCII helpers of our own, so NUL and
 * bytes >= 0x80 are just "not what was expected".
 *
 * Rules decided here (ftp.h leaves them open):
 *  - A number (PORT, 227, EPRT/229 port) is 1 to FTP_NUM_CHARS decimal
 *    digits, leading zeros included: "000010" is 10, "00000000010" (11
 *    digits) is "number too long" whatever its value.
 *  - The EPRT IPv4 address is a strict dotted quad: 1-3 digits a part, no
 *    leading zeros (inet_aton would read them as octal), each <= 255.
 *  - "Line too long": the text before the terminator is longer than
 *    FTP_MAX_LINE, so anything ftp_may_need holds back (at most
 *    FTP_MAX_LINE bytes, no '\n') can still complete into a line that is
 *    parsed.
 *  - A command is its four letters followed by a space or by the end of
 *    the line ("PORTX" and "PORT\t..." are other commands: FTP_OTHER).
 *  - 227: a candidate is a run of digits after the code that does not
 *    follow a digit or a comma; the first candidate that reads as six
 *    numbers (not followed by a seventh) wins.  229: the first '(' that is
 *    followed by "ddd<port>d)" wins.  With no winner the reason is that of
 *    the candidate that got furthest.
 *  - ftp_render refuses (-1) an EPRT whose delimiter would appear in the
 *    new address text (e.g. '.' for IPv4, ':' or a hex letter for IPv6):
 *    the output always parses back to what was rendered.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/addr.h"
#include "alg/ftp.h"

/* Most characters one number field may have, leading zeros included. */
#define FTP_NUM_CHARS 10

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char to_upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* RFC 2428: any of ASCII 33..126; digits are excluded, they would make the
 * fields that follow ambiguous.
 */
static int is_delim(unsigned char c)
{
	return c >= 33 && c <= 126 && !is_digit(c);
}

/* Digits at [p, end), counting at most FTP_NUM_CHARS + 1 of them. */
static size_t count_digits(const unsigned char *l, size_t p, size_t end)
{
	size_t n = 0;

	while (p + n < end && is_digit(l[p + n]) && n <= FTP_NUM_CHARS)
		n++;
	return n;
}

/* Value of n <= FTP_NUM_CHARS digits (fits: 10 digits < 2^34). */
static uint64_t digits_value(const unsigned char *s, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static size_t skip_spaces(const unsigned char *l, size_t p, size_t end)
{
	while (p < end && l[p] == ' ')
		p++;
	return p;
}

static enum ftp_kind bad(struct ftp_match *m, const char *why)
{
	memset(m, 0, sizeof(*m));
	m->kind = FTP_BAD;
	m->why = why;
	return FTP_BAD;
}

/*
 * Six comma-separated numbers 0..255 from p: "h1,h2,h3,h4,p1,p2".  On
 * success *stop is the index after the last digit.  *done is how many
 * numbers were read before a failure.  Returns NULL or the reason.
 */
static const char *parse_six(const unsigned char *l, size_t p, size_t end,
			     uint8_t v[6], size_t *stop, int *done)
{
	for (int i = 0; i < 6; i++) {
		uint64_t val;
		size_t n;

		*done = i;
		if (i) {
			if (p >= end || l[p] != ',')
				return "missing field";
			p++;
		}
		n = count_digits(l, p, end);
		if (!n)
			return p >= end || l[p] == ',' ? "missing field" :
							 "bad number";
		if (n > FTP_NUM_CHARS)
			return "number too long";
		val = digits_value(l + p, n);
		if (val > 255)
			return "number > 255";
		v[i] = (uint8_t)val;
		p += n;
	}
	*done = 6;
	if (p < end && l[p] == ',')
		return "extra field";
	*stop = p;
	return NULL;
}

static void set_six(struct ftp_match *m, enum ftp_kind kind, const uint8_t v[6],
		    size_t start, size_t stop)
{
	m->kind = kind;
	m->family = AF_INET;
	memcpy(m->addr, v, 4);
	m->port = (uint16_t)((v[4] << 8) | v[5]);
	m->start = start;
	m->len = stop - start;
}

/* A port field of exactly n bytes at s: digits only, 1..65535. */
static const char *parse_port(const unsigned char *s, size_t n, uint16_t *port)
{
	uint64_t v;

	if (!n)
		return "missing field";
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return "bad number";
	if (n > FTP_NUM_CHARS)
		return "port out of range";
	v = digits_value(s, n);
	if (v < 1 || v > 65535)
		return "port out of range";
	*port = (uint16_t)v;
	return NULL;
}

static size_t find_byte(const unsigned char *l, size_t p, size_t end,
			unsigned char c)
{
	while (p < end && l[p] != c)
		p++;
	return p;
}

/* Is the line's text (l, end) the command v (four upper-case letters)? */
static int is_verb(const unsigned char *l, size_t end, const char *v)
{
	if (end < 4)
		return 0;
	for (int i = 0; i < 4; i++)
		if (to_upper(l[i]) != (unsigned char)v[i])
			return 0;
	return end == 4 || l[4] == ' ';
}

static enum ftp_kind parse_port_cmd(const unsigned char *l, size_t p,
				    size_t end, struct ftp_match *m)
{
	const char *why;
	size_t stop;
	uint8_t v[6];
	int done;

	if (p >= end)
		return bad(m, "missing field");
	why = parse_six(l, p, end, v, &stop, &done);
	if (why)
		return bad(m, why);
	if (skip_spaces(l, stop, end) != end)
		return bad(m, "trailing data");
	set_six(m, FTP_PORT, v, p, stop);
	return FTP_PORT;
}

/* "<d><proto><d><addr><d><port><d>" from p, then only spaces. */
static enum ftp_kind parse_eprt(const unsigned char *l, size_t p, size_t end,
				struct ftp_match *m)
{
	size_t e1, e2, e3;
	const char *why;
	uint8_t addr[16] = { 0 };
	uint16_t port = 0;
	unsigned char d;
	int family;

	if (p >= end)
		return bad(m, "missing field");
	d = l[p];
	if (!is_delim(d))
		return bad(m, "bad delimiter");
	e1 = find_byte(l, p + 1, end, d);
	if (e1 >= end)
		return bad(m, "missing field");
	e2 = find_byte(l, e1 + 1, end, d);
	if (e2 >= end)
		return bad(m, "missing field");
	e3 = find_byte(l, e2 + 1, end, d);
	if (e3 >= end)
		return bad(m, "missing field");

	if (e1 == p + 1)
		return bad(m, "missing field");
	if (e1 != p + 2 || (l[p + 1] != '1' && l[p + 1] != '2'))
		return bad(m, "bad protocol");
	family = l[p + 1] == '1' ? AF_INET : AF_INET6;

	if (e2 == e1 + 1)
		return bad(m, "missing field");
	if (family == AF_INET ? alg_parse_ipv4(l + e1 + 1, e2 - e1 - 1, addr) :
				alg_parse_ipv6(l + e1 + 1, e2 - e1 - 1, addr))
		return bad(m, "bad address");

	why = parse_port(l + e2 + 1, e3 - e2 - 1, &port);
	if (why)
		return bad(m, why);
	if (skip_spaces(l, e3 + 1, end) != end)
		return bad(m, "trailing data");

	m->kind = FTP_EPRT;
	m->family = family;
	memcpy(m->addr, addr, sizeof(addr));
	m->port = port;
	m->start = p;
	m->len = e3 + 1 - p;
	m->delim = (char)d;
	return FTP_EPRT;
}

static enum ftp_kind inspect_command(const unsigned char *l, size_t end,
				     struct ftp_match *m)
{
	int port = is_verb(l, end, "PORT"), eprt = is_verb(l, end, "EPRT");

	if (port || eprt) {
		size_t p = skip_spaces(l, 4, end);

		if (end > FTP_MAX_LINE)
			return bad(m, "line too long");
		return port ? parse_port_cmd(l, p, end, m) :
			      parse_eprt(l, p, end, m);
	}
	if (is_verb(l, end, "AUTH") && skip_spaces(l, 4, end) < end) {
		m->kind = FTP_AUTH;
		return FTP_AUTH;
	}
	return FTP_OTHER;
}

/* 227: six numbers anywhere after the code. */
static enum ftp_kind parse_227(const unsigned char *l, size_t end,
			       struct ftp_match *m)
{
	const char *why = "no numbers";
	int best = -1;

	for (size_t p = 4; p < end; p++) {
		const char *r;
		size_t stop;
		uint8_t v[6];
		int done;

		if (!is_digit(l[p]) || is_digit(l[p - 1]) || l[p - 1] == ',')
			continue;
		r = parse_six(l, p, end, v, &stop, &done);
		if (!r) {
			set_six(m, FTP_PASV_REPLY, v, p, stop);
			return FTP_PASV_REPLY;
		}
		if (done > best) {
			best = done;
			why = r;
		}
	}
	return bad(m, why);
}

/*
 * One 229 candidate: "(<d><d><d><port><d>)" at c.  Returns NULL (m filled)
 * or the reason, with *stage how far it got.
 */
static const char *try_229(const unsigned char *l, size_t c, size_t end,
			   struct ftp_match *m, int *stage)
{
	size_t q = c + 4, n;
	uint16_t port = 0;
	const char *why;
	unsigned char d;

	*stage = 0;
	if (c + 3 >= end || !is_delim(l[c + 1]) || l[c + 2] != l[c + 1] ||
	    l[c + 3] != l[c + 1])
		return "bad delimiter";
	d = l[c + 1];
	*stage = 1;
	n = count_digits(l, q, end);
	why = parse_port(l + q, n, &port);
	if (why)
		return why;
	*stage = 2;
	if (q + n >= end || l[q + n] != d)
		return "bad delimiter";
	*stage = 3;
	if (q + n + 1 >= end || l[q + n + 1] != ')')
		return "missing ')'";
	m->kind = FTP_EPSV_REPLY;
	m->port = port;
	m->start = q;
	m->len = n;
	m->delim = (char)d;
	return NULL;
}

/* 229: the first '(' that starts "<d><d><d><port><d>)"; range: the port. */
static enum ftp_kind parse_229(const unsigned char *l, size_t end,
			       struct ftp_match *m)
{
	const char *why = "missing '('";
	int best = -1;

	for (size_t c = 4; c < end; c++) {
		const char *r;
		int stage;

		if (l[c] != '(')
			continue;
		r = try_229(l, c, end, m, &stage);
		if (!r)
			return FTP_EPSV_REPLY;
		if (stage > best) {
			best = stage;
			why = r;
		}
	}
	return bad(m, why);
}

static enum ftp_kind inspect_reply(struct ftp_state *st, const unsigned char *l,
				   size_t end, struct ftp_match *m)
{
	unsigned int code;

	if (end < 4 || !is_digit(l[0]) || !is_digit(l[1]) || !is_digit(l[2]) ||
	    (l[3] != ' ' && l[3] != '-'))
		return FTP_OTHER;
	code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	if (st && st->ml_code) {
		/* inside a multi-line reply: only "xyz " ends it */
		if (code == st->ml_code && l[3] == ' ')
			st->ml_code = 0;
		return FTP_OTHER;
	}
	if (st && l[3] == '-')
		st->ml_code = (uint16_t)code;

	switch (code) {
	case 227:
	case 229:
		if (end > FTP_MAX_LINE)
			return bad(m, "line too long");
		return code == 227 ? parse_227(l, end, m) :
				     parse_229(l, end, m);
	case 234:
		m->kind = FTP_AUTH_OK;
		return FTP_AUTH_OK;
	}
	return FTP_OTHER;
}

enum ftp_kind ftp_inspect(struct ftp_state *st, enum ftp_dir dir,
			  const char *line, size_t len, struct ftp_match *m)
{
	const unsigned char *l = (const unsigned char *)line;
	const unsigned char *nl;
	size_t end;

	memset(m, 0, sizeof(*m));
	m->kind = FTP_OTHER;
	if (!len || !line)
		return FTP_OTHER;

	/* the text is what precedes the first "\n" or "\r\n" */
	nl = memchr(l, '\n', len);
	end = nl ? (size_t)(nl - l) : len;
	if (nl && end && l[end - 1] == '\r')
		end--;

	if (dir == FTP_FROM_CLIENT)
		return inspect_command(l, end, m);
	if (dir == FTP_FROM_SERVER)
		return inspect_reply(st, l, end, m);
	return FTP_OTHER;
}

/* Decimal v at o; returns the number of characters. */
static size_t put_uint(char *o, unsigned int v)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		o[i] = tmp[n - 1 - i];
	return n;
}

/* The text that replaces m's range; at most 64 bytes.  -1: not renderable. */
static int render_part(const struct ftp_match *m, const uint8_t addr[16],
		       uint16_t port, char *o)
{
	char v6[INET6_ADDRSTRLEN];
	size_t n = 0, a;

	switch (m->kind) {
	case FTP_PORT:
	case FTP_PASV_REPLY:
		if (m->family != AF_INET)
			return -1;
		for (int i = 0; i < 4; i++) {
			n += put_uint(o + n, addr[i]);
			o[n++] = ',';
		}
		n += put_uint(o + n, port >> 8);
		o[n++] = ',';
		n += put_uint(o + n, port & 0xff);
		return (int)n;
	case FTP_EPSV_REPLY:
		return (int)put_uint(o, port);
	case FTP_EPRT:
		if (!is_delim((unsigned char)m->delim))
			return -1;
		o[n++] = m->delim;
		a = n + 2;
		if (m->family == AF_INET) {
			o[n++] = '1';
			o[n++] = m->delim;
			for (int i = 0; i < 4; i++) {
				if (i)
					o[n++] = '.';
				n += put_uint(o + n, addr[i]);
			}
		} else if (m->family == AF_INET6) {
			if (!inet_ntop(AF_INET6, addr, v6, sizeof(v6)))
				return -1;
			o[n++] = '2';
			o[n++] = m->delim;
			memcpy(o + n, v6, strlen(v6));
			n += strlen(v6);
		} else {
			return -1;
		}
		/* the delimiter may not occur inside the address text */
		if (memchr(o + a, m->delim, n - a))
			return -1;
		o[n++] = m->delim;
		n += put_uint(o + n, port);
		o[n++] = m->delim;
		return (int)n;
	default:
		return -1;
	}
}

int ftp_render(const struct ftp_match *m, const char *line, size_t len,
	       const uint8_t addr[16], uint16_t port, char *out, size_t cap)
{
	char part[64];
	size_t tail, total;
	int n;

	if (!m || !line || !addr || m->start > len || m->len > len - m->start)
		return -1;
	n = render_part(m, addr, port, part);
	if (n < 0)
		return -1;
	tail = len - m->start - m->len;
	total = m->start + (size_t)n + tail;
	if (total > cap || total > INT_MAX || !out)
		return -1;
	memcpy(out, line, m->start);
	memcpy(out + m->start, part, (size_t)n);
	if (tail)
		memcpy(out + m->start + n, line + m->start + m->len, tail);
	return (int)total;
}

/* Is b[0, len) a prefix of pat, or does it start with pat? */
static int prefix_match(const unsigned char *b, size_t len, const char *pat,
			size_t plen, int nocase)
{
	size_t n = len < plen ? len : plen;

	for (size_t i = 0; i < n; i++)
		if ((nocase ? to_upper(b[i]) : b[i]) != (unsigned char)pat[i])
			return 0;
	return 1;
}

int ftp_may_need(enum ftp_dir dir, const char *buf, size_t len)
{
	static const char *const cmds[] = { "PORT ", "EPRT ", "AUTH " };
	static const char *const codes[] = { "227", "229", "234" };
	const unsigned char *b = (const unsigned char *)buf;

	if (!len || !buf || len > FTP_MAX_LINE)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (dir == FTP_FROM_CLIENT &&
		    prefix_match(b, len, cmds[i], 5, 1))
			return 1;
		if (dir == FTP_FROM_SERVER &&
		    prefix_match(b, len, codes[i], 3, 0))
			return 1;
	}
	return 0;
}
