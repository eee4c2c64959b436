// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sdp.c - SDP body parser (see sdp.h).
 *
 * Rules decided here:
 *  - Fields of o=, c=, m=, a=rtcp: are separated by one or more SP (RFC
 *    4566 says one; some UAs pad, and a wider split cannot misplace an
 *    address).  o= has exactly 6 fields, c= exactly 3, m= at least 3 (the
 *    format list is recorded as one span, empty tolerated for port 0
 *    answers that omit it).
 *  - The address type decides how the address is read: IP4 must be a
 *    dotted quad or it is a name (family 0), IP6 likewise; "IP4" and "IP6"
 *    compare case-insensitively, as do attribute names.
 *  - c= IPv4 "/ttl[/count]" and IPv6 "/count": numbers 1-5 digits; the
 *    address span stops at the first '/'.
 *  - a=rtcp: at session level is ignored (RFC 3605 makes it media-level).
 *  - Only the first v= line is checked ("v=0"); it must be the first line.
 */
#include <string.h>
#include <sys/socket.h>

#include "alg/sdp.h"

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* 1-5 digits, value <= max */
static bool number(const uint8_t *b, struct sip_span sp, unsigned max,
		   uint16_t *v)
{
	unsigned x = 0;

	if (!sp.len || sp.len > 5)
		return false;
	for (size_t i = sp.off; i < (size_t)sp.off + sp.len; i++) {
		if (!is_digit(b[i]))
			return false;
		x = x * 10 + (b[i] - '0');
	}
	if (x > max)
		return false;
	*v = (uint16_t)x;
	return true;
}

/* Up to max SP-separated fields of [s, e); the last one takes the rest
 * of the line when @rest.  Returns the number of fields.
 */
static unsigned fields(const uint8_t *b, size_t s, size_t e, struct sip_span *f,
		       unsigned max, bool rest)
{
	unsigned n = 0;
	size_t p = s;

	while (p < e && n < max) {
		size_t q;

		while (p < e && b[p] == ' ')
			p++;
		if (p >= e)
			break;
		q = p;
		if (rest && n == max - 1) {
			q = e;
			while (q > p && b[q - 1] == ' ')
				q--;
		} else {
			while (q < e && b[q] != ' ')
				q++;
		}
		f[n++] = sip_span_of(p, q);
		p = q;
	}
	while (p < e && b[p] == ' ')
		p++;
	return p < e ? max + 1 : n;
}

/* Address text of the given type: [type, addr span] */
static void read_addr(const uint8_t *b, struct sip_span type,
		      struct sip_span text, struct sdp_addr *a)
{
	uint8_t v[16];
	int fam;

	memset(a, 0, sizeof(*a));
	a->span = text;
	fam = sip_parse_ip(b + text.off, text.len, v);
	if ((fam == AF_INET && sip_span_ieq(b, type, "IP4")) ||
	    (fam == AF_INET6 && sip_span_ieq(b, type, "IP6"))) {
		a->family = fam;
		memcpy(a->addr, v, 16);
	}
}

static bool is_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

static const char *line_o(const uint8_t *b, size_t s, size_t e, struct sdp *d)
{
	struct sip_span f[6];

	if (fields(b, s, e, f, 6, false) != 6)
		return "bad o= line";
	if (!sip_span_ieq(b, f[4], "IP4") && !sip_span_ieq(b, f[4], "IP6"))
		return "bad o= address type";
	d->origin_addrtype = f[4];
	read_addr(b, f[4], f[5], &d->origin);
	return NULL;
}

static const char *line_c(const uint8_t *b, size_t s, size_t e, struct sdp *d,
			  int media)
{
	struct sip_span f[3], a;
	struct sdp_conn *c;
	size_t p, q, end;
	bool v4;

	if (fields(b, s, e, f, 3, false) != 3)
		return "bad c= line";
	v4 = sip_span_ieq(b, f[1], "IP4");
	if (!v4 && !sip_span_ieq(b, f[1], "IP6"))
		return "bad c= address type";
	if (d->n_conn >= SDP_MAX_CONN)
		return "too many c= lines";
	c = &d->conn[d->n_conn];
	memset(c, 0, sizeof(*c));
	c->media = media < 0 ? SDP_NONE : (uint16_t)media;
	c->line = sip_span_of(s - 2, e);
	c->addrtype = f[1];
	c->count = 1;
	end = (size_t)f[2].off + f[2].len;
	p = f[2].off;
	while (p < end && b[p] != '/')
		p++;
	a = sip_span_of(f[2].off, p);
	if (!a.len)
		return "bad c= address";
	read_addr(b, f[1], a, &c->a);
	/* "/ttl/count" (IPv4 multicast) or "/count" */
	for (int i = 0; p < end; i++) {
		uint16_t v;

		q = ++p;
		while (q < end && b[q] != '/')
			q++;
		if (i > 1 || !number(b, sip_span_of(p, q), 65535, &v) ||
		    (!v4 && i > 0))
			return "bad c= address";
		if (v4 && i == 0)
			c->ttl = v;
		else
			c->count = v;
		p = q;
	}
	if (c->a.family == AF_INET)
		c->hold = is_zero(c->a.addr, 4);
	else if (c->a.family == AF_INET6)
		c->hold = is_zero(c->a.addr, 16);
	c->multicast = (c->a.family == AF_INET && c->a.addr[0] >= 224 &&
			c->a.addr[0] <= 239) ||
		       (c->a.family == AF_INET6 && c->a.addr[0] == 0xff);
	if (media < 0) {
		if (d->session_conn != SDP_NONE)
			return "two session c= lines";
		d->session_conn = (uint16_t)d->n_conn;
	} else {
		struct sdp_media *md = &d->media[media];

		if (md->conn0 == SDP_NONE)
			md->conn0 = (uint16_t)d->n_conn;
		md->n_conn++;
	}
	d->n_conn++;
	return NULL;
}

static const struct {
	const char *name;
	uint8_t type;
	const char *label;
} mtypes[] = {
	{ "audio", SDP_MT_AUDIO, "m=audio" },
	{ "video", SDP_MT_VIDEO, "m=video" },
	{ "image", SDP_MT_IMAGE, "m=image" },
	{ "application", SDP_MT_APPLICATION, "m=application" },
	{ "text", SDP_MT_TEXT, "m=text" },
	{ "message", SDP_MT_MESSAGE, "m=message" },
};

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "RTP/AVP", SDP_P_RTP_AVP },
	{ "RTP/AVPF", SDP_P_RTP_AVPF },
	{ "RTP/SAVP", SDP_P_RTP_SAVP },
	{ "RTP/SAVPF", SDP_P_RTP_SAVPF },
	{ "UDP/TLS/RTP/SAVP", SDP_P_DTLS_SRTP },
	{ "UDP/TLS/RTP/SAVPF", SDP_P_DTLS_SRTP },
	{ "udptl", SDP_P_UDPTL },
	{ "UDP", SDP_P_UDP },
};

const char *sdp_media_label(enum sdp_media_type t)
{
	for (size_t i = 0; i < sizeof(mtypes) / sizeof(*mtypes); i++)
		if (mtypes[i].type == t)
			return mtypes[i].label;
	return "m=";
}

static const char *line_m(const uint8_t *b, size_t s, size_t e, struct sdp *d)
{
	struct sip_span f[4];
	struct sdp_media *md;
	unsigned n = fields(b, s, e, f, 4, true);
	size_t p, end;

	if (n < 3)
		return "bad m= line";
	if (d->n_media >= SDP_MAX_MEDIA)
		return "too many m= lines";
	md = &d->media[d->n_media];
	memset(md, 0, sizeof(*md));
	md->conn0 = SDP_NONE;
	md->line = sip_span_of(s - 2, e);
	md->type_s = f[0];
	for (size_t i = 0; i < sizeof(mtypes) / sizeof(*mtypes); i++)
		if (sip_span_ieq(b, f[0], mtypes[i].name))
			md->type = mtypes[i].type;
	end = (size_t)f[1].off + f[1].len;
	p = f[1].off;
	while (p < end && b[p] != '/')
		p++;
	md->port_s = sip_span_of(f[1].off, p);
	if (!number(b, md->port_s, 65535, &md->port))
		return "bad m= port";
	md->nports = 1;
	if (p < end) {
		md->nports_s = sip_span_of(p + 1, end);
		if (!number(b, md->nports_s, 65535, &md->nports) || !md->nports)
			return "bad m= port count";
	}
	md->proto_s = f[2];
	for (size_t i = 0; i < sizeof(protos) / sizeof(*protos); i++)
		if (sip_span_ieq(b, f[2], protos[i].name))
			md->proto = protos[i].proto;
	if (!md->proto && f[2].len >= 3 &&
	    sip_range_ieq(b, f[2].off, f[2].off + 3, "TCP"))
		md->proto = SDP_P_TCP;
	md->fmt = n == 4 ? f[3] : sip_span_of(e, e);
	md->section = sip_span_of(s - 2, s - 2);
	d->n_media++;
	return NULL;
}

static const char *line_a(const uint8_t *b, size_t s, size_t e, struct sdp *d,
			  int media)
{
	struct sdp_media *md = media >= 0 ? &d->media[media] : NULL;
	size_t p = s;
	uint8_t dir = SDP_DIR_NONE;

	while (p < e && b[p] != ':')
		p++;
	if (sip_range_ieq(b, s, p, "candidate")) {
		d->ice = true;
		d->n_candidates++;
		if (md && md->n_candidates < UINT16_MAX)
			md->n_candidates++;
	} else if (sip_range_ieq(b, s, p, "ice-ufrag") ||
		   sip_range_ieq(b, s, p, "ice-pwd") ||
		   sip_range_ieq(b, s, p, "ice-lite")) {
		d->ice = true;
	} else if (sip_range_ieq(b, s, e, "rtcp-mux")) {
		if (md)
			md->rtcp_mux = true;
	} else if (sip_range_ieq(b, s, e, "sendrecv")) {
		dir = SDP_DIR_SENDRECV;
	} else if (sip_range_ieq(b, s, e, "sendonly")) {
		dir = SDP_DIR_SENDONLY;
	} else if (sip_range_ieq(b, s, e, "recvonly")) {
		dir = SDP_DIR_RECVONLY;
	} else if (sip_range_ieq(b, s, e, "inactive")) {
		dir = SDP_DIR_INACTIVE;
	} else if (sip_range_ieq(b, s, p, "rtcp") && p < e && md) {
		struct sip_span f[4];
		unsigned n = fields(b, p + 1, e, f, 4, false);

		if (md->has_rtcp)
			return "two a=rtcp lines";
		if ((n != 1 && n != 4) ||
		    !number(b, f[0], 65535, &md->rtcp_port))
			return "bad a=rtcp line";
		md->has_rtcp = true;
		md->rtcp_port_s = f[0];
		if (n == 4) {
			if (!sip_span_ieq(b, f[2], "IP4") &&
			    !sip_span_ieq(b, f[2], "IP6"))
				return "bad a=rtcp address type";
			read_addr(b, f[2], f[3], &md->rtcp_addr);
		}
	}
	if (dir) {
		if (md)
			md->dir = dir;
		else
			d->dir = dir;
	}
	return NULL;
}

int sdp_parse(const uint8_t *buf, size_t off, size_t len, struct sdp *s)
{
	size_t p = off, end = off + len;
	bool first = true;
	int media = -1;

	memset(s, 0, offsetof(struct sdp, media));
	s->n_conn = 0;
	s->why = NULL;
	s->session_conn = SDP_NONE;
	if (!buf || end < off) {
		s->why = "no SDP";
		return -1;
	}
	while (p < end) {
		const uint8_t *nl = memchr(buf + p, '\n', end - p);
		size_t e = nl ? (size_t)(nl - buf) : end, t = e;
		const char *why = NULL;

		if (nl && t > p && buf[t - 1] == '\r')
			t--;
		if (t - p > SDP_MAX_LINE)
			why = "SDP line too long";
		else if (memchr(buf + p, '\0', t - p))
			why = "NUL byte in SDP";
		else if (memchr(buf + p, '\r', t - p))
			why = "bare CR in SDP";
		else if (t == p)
			goto next;
		else if (t - p < 2 || buf[p + 1] != '=' || buf[p] < 'a' ||
			 buf[p] > 'z')
			why = "bad SDP line";
		else if (first &&
			 (buf[p] != 'v' || t - p != 3 || buf[p + 2] != '0'))
			why = "SDP does not start with v=0";
		if (why) {
			s->why = why;
			return -1;
		}
		first = false;
		switch (buf[p]) {
		case 'o':
			if (media < 0 && !s->origin_line.len) {
				s->origin_line = sip_span_of(p, t);
				why = line_o(buf, p + 2, t, s);
			}
			break;
		case 'c':
			why = line_c(buf, p + 2, t, s, media);
			break;
		case 'm':
			if (media >= 0)
				s->media[media].section = sip_span_of(
					s->media[media].section.off, p);
			why = line_m(buf, p + 2, t, s);
			media = (int)s->n_media - 1;
			break;
		case 'a':
			why = line_a(buf, p + 2, t, s, media);
			break;
		}
		if (why) {
			s->why = why;
			return -1;
		}
	next:
		p = nl ? e + 1 : end;
	}
	if (first) {
		s->why = "empty SDP";
		return -1;
	}
	if (!s->origin_line.len) {
		s->why = "missing o= line";
		return -1;
	}
	if (media >= 0)
		s->media[media].section =
			sip_span_of(s->media[media].section.off, end);
	return 0;
}

const struct sdp_conn *sdp_media_conn(const struct sdp *s, unsigned i)
{
	if (i < s->n_media && s->media[i].conn0 != SDP_NONE)
		return &s->conn[s->media[i].conn0];
	if (s->session_conn != SDP_NONE)
		return &s->conn[s->session_conn];
	return NULL;
}

enum sdp_dir sdp_media_dir(const struct sdp *s, unsigned i)
{
	if (i < s->n_media && s->media[i].dir)
		return (enum sdp_dir)s->media[i].dir;
	if (s->dir)
		return (enum sdp_dir)s->dir;
	return SDP_DIR_SENDRECV;
}

const char *sdp_dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_DIR_SENDRECV:
		return "sendrecv";
	case SDP_DIR_SENDONLY:
		return "sendonly";
	case SDP_DIR_RECVONLY:
		return "recvonly";
	case SDP_DIR_INACTIVE:
		return "inactive";
	default:
		return "none";
	}
}
