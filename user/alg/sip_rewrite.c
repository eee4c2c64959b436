// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sip_rewrite.c - address lookup over a parsed SIP message and its SDP,
 * and the span-edit rewriter (see sip_rewrite.h).
 *
 * The rewriter's safety rests on two independent checks: each edit is
 * validated against the parse of the input (region, line structure,
 * overlap, Content-Length), and the output is parsed again and compared
 * with the input's structure.  Either alone would leave a gap: the first
 * cannot see what a replacement text means to the grammar (a ',' added to
 * a Via splits it), the second cannot see an edit that moved bytes from
 * one header to another without changing the counts.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/sip_rewrite.h"

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool same_addr(int fa, const uint8_t *a, int fb, const uint8_t *b)
{
	return fa && fa == fb && (fa == AF_INET || fa == AF_INET6) &&
	       !memcmp(a, b, alen(fa));
}

static const struct {
	uint8_t id;
	unsigned where;
} positions[] = {
	{ SIP_H_REQUEST_URI, SIP_W_RURI },
	{ SIP_H_VIA, SIP_W_VIA },
	{ SIP_H_CONTACT, SIP_W_CONTACT },
	{ SIP_H_FROM, SIP_W_FROM },
	{ SIP_H_TO, SIP_W_TO },
	{ SIP_H_ROUTE, SIP_W_ROUTE },
	{ SIP_H_RECORD_ROUTE, SIP_W_RECORD_ROUTE },
};

static unsigned value_where(const struct sip_value *v)
{
	for (size_t i = 0; i < sizeof(positions) / sizeof(*positions); i++)
		if (positions[i].id == v->id)
			return v->id == SIP_H_VIA && v->nth == 0 ?
				       SIP_W_VIA_TOP :
				       positions[i].where;
	return 0;
}

static uint16_t value_port(const struct sip_value *v)
{
	if (v->flags & SIP_V_PORT)
		return v->port;
	return v->flags & SIP_V_SIPS ? 5061 : 5060;
}

static size_t put_ref(struct sip_ref *refs, size_t max, size_t n,
		      const struct sip_ref *r)
{
	if (n < max)
		refs[n] = *r;
	return n + 1;
}

size_t sip_find(const uint8_t *buf, const struct sip_msg *m, unsigned mask,
		int family, const uint8_t addr[16], uint16_t port,
		struct sip_ref *refs, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < m->n_values; i++) {
		const struct sip_value *v = &m->values[i];
		unsigned w = value_where(v);
		struct sip_ref r = { 0 };

		if ((w & mask) && same_addr(v->family, v->addr, family, addr) &&
		    (!port || value_port(v) == port)) {
			r.where = w;
			r.what = sip_hdr_name(v->id);
			r.index = (uint16_t)i;
			r.family = v->family;
			r.port = v->flags & SIP_V_PORT ? v->port : 0;
			r.port_slot = true;
			r.brackets = true;
			r.span = v->hostport;
			r.host = v->host;
			n = put_ref(refs, max, n, &r);
		}
		if ((mask & SIP_W_VIA_RECEIVED) && w == SIP_W_VIA_TOP &&
		    (v->flags & SIP_V_RECEIVED)) {
			uint8_t a[16];
			int f = sip_parse_ip(buf + v->received.off,
					     v->received.len, a);

			if (same_addr(f, a, family, addr)) {
				memset(&r, 0, sizeof(r));
				r.where = SIP_W_VIA_RECEIVED;
				r.what = "Via received";
				r.index = (uint16_t)i;
				r.family = f;
				r.span = v->received;
				r.host = v->received;
				n = put_ref(refs, max, n, &r);
			}
		}
	}
	return n;
}

static size_t sdp_ref(struct sip_ref *refs, size_t max, size_t n,
		      unsigned where, const char *what, uint16_t index,
		      const struct sdp_addr *a)
{
	struct sip_ref r = {
		.where = where,
		.what = what,
		.index = index,
		.family = a->family,
		.span = a->span,
		.host = a->span,
	};

	return put_ref(refs, max, n, &r);
}

size_t sdp_find(const struct sdp *s, unsigned mask, int family,
		const uint8_t addr[16], struct sip_ref *refs, size_t max)
{
	const struct sdp_conn *c;
	size_t n = 0;
	unsigned ci = 0, mi = 0;

	/* in the order they appear in the body */
	if ((mask & SIP_W_SDP_ORIGIN) &&
	    same_addr(s->origin.family, s->origin.addr, family, addr))
		n = sdp_ref(refs, max, n, SIP_W_SDP_ORIGIN, "o=", 0,
			    &s->origin);
	for (;;) {
		const struct sdp_media *md;

		while (mi < s->n_media && !s->media[mi].rtcp_addr.span.len)
			mi++;
		c = ci < s->n_conn ? &s->conn[ci] : NULL;
		md = mi < s->n_media ? &s->media[mi] : NULL;
		if (!c && !md)
			break;
		if (c && (!md || c->a.span.off < md->rtcp_addr.span.off)) {
			if ((mask & SIP_W_SDP_CONN) &&
			    same_addr(c->a.family, c->a.addr, family, addr))
				n = sdp_ref(refs, max, n, SIP_W_SDP_CONN,
					    "c=", (uint16_t)ci, &c->a);
			ci++;
			continue;
		}
		if ((mask & SIP_W_SDP_RTCP) &&
		    same_addr(md->rtcp_addr.family, md->rtcp_addr.addr, family,
			      addr))
			n = sdp_ref(refs, max, n, SIP_W_SDP_RTCP, "a=rtcp",
				    (uint16_t)mi, &md->rtcp_addr);
		mi++;
	}
	return n;
}

size_t sdp_find_ports(const struct sdp *s, int family, const uint8_t addr[16],
		      struct sdp_port_ref *refs, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < s->n_media; i++) {
		const struct sdp_media *md = &s->media[i];
		const struct sdp_conn *c = sdp_media_conn(s, i);
		bool own = c && (c->hold || same_addr(c->a.family, c->a.addr,
						      family, addr));
		struct sdp_port_ref r = { .media = (uint16_t)i };

		if (!md->port)
			continue;
		if (own) {
			r.port = md->port;
			r.nports = md->nports;
			r.what = sdp_media_label(md->type);
			r.span = md->port_s;
			if (n < max)
				refs[n] = r;
			n++;
		}
		if (md->has_rtcp &&
		    (md->rtcp_addr.span.len ?
			     same_addr(md->rtcp_addr.family, md->rtcp_addr.addr,
				       family, addr) :
			     own)) {
			r.rtcp = true;
			r.port = md->rtcp_port;
			r.nports = 1;
			r.what = "a=rtcp";
			r.span = md->rtcp_port_s;
			if (n < max)
				refs[n] = r;
			n++;
		}
	}
	return n;
}

unsigned sip_where(const uint8_t *buf, const struct sip_msg *m,
		   const struct sdp *s, int family, const uint8_t addr[16],
		   uint16_t port)
{
	struct sip_ref refs[SIP_MAX_VALUES + 1 + SDP_MAX_CONN + SDP_MAX_MEDIA];
	unsigned w = 0;
	size_t n;

	n = sip_find(buf, m, SIP_W_SIP, family, addr, port, refs,
		     sizeof(refs) / sizeof(*refs));
	for (size_t i = 0; i < n && i < sizeof(refs) / sizeof(*refs); i++)
		w |= refs[i].where;
	if (s) {
		n = sdp_find(s, SIP_W_SDP, family, addr, refs,
			     sizeof(refs) / sizeof(*refs));
		for (size_t i = 0; i < n && i < sizeof(refs) / sizeof(*refs);
		     i++)
			w |= refs[i].where;
	}
	return w;
}

bool sip_already_public(const uint8_t *buf, const struct sip_msg *m,
			const struct sdp *s, int family,
			const uint8_t inside[16], const uint8_t pub[16],
			unsigned *pub_where, unsigned *inside_where)
{
	unsigned p = sip_where(buf, m, s, family, pub, 0);
	unsigned i = sip_where(buf, m, s, family, inside, 0);

	if (pub_where)
		*pub_where = p;
	if (inside_where)
		*inside_where = i;
	return (p & SIP_W_NAT_POSITIONS) && !(i & SIP_W_NAT_POSITIONS);
}

/* ---- edits ---- */

void sip_edits_init(struct sip_edits *ed)
{
	ed->n = 0;
	ed->used = 0;
	ed->why = NULL;
}

int sip_edits_add(struct sip_edits *ed, uint32_t off, uint32_t len,
		  const char *text, size_t n, const char *what)
{
	struct sip_edit *e;

	if (ed->n >= SIP_MAX_EDITS) {
		ed->why = "too many edits";
		return -1;
	}
	if (n > SIP_EDIT_TEXT - ed->used) {
		ed->why = "edit text full";
		return -1;
	}
	e = &ed->e[ed->n++];
	memset(e, 0, sizeof(*e));
	e->off = off;
	e->len = len;
	e->text_off = ed->used;
	e->text_len = (uint32_t)n;
	e->what = what ? what : "?";
	if (n)
		memcpy(ed->text + ed->used, text, n);
	ed->used += (uint32_t)n;
	return 0;
}

int sip_edits_ref(struct sip_edits *ed, const struct sip_ref *r, int family,
		  const uint8_t addr[16], uint16_t port)
{
	char t[64];
	int n;

	if (family != r->family) {
		ed->why = "address family differs";
		return -1;
	}
	n = sip_format_ip(family, addr, r->brackets, t, sizeof(t));
	if (n < 0) {
		ed->why = "bad address";
		return -1;
	}
	if (!port || !r->port_slot)
		return sip_edits_add(ed, r->host.off, r->host.len, t, (size_t)n,
				     r->what);
	n += snprintf(t + n, sizeof(t) - (size_t)n, ":%u", port);
	return sip_edits_add(ed, r->span.off, r->span.len, t, (size_t)n,
			     r->what);
}

int sip_edits_port(struct sip_edits *ed, struct sip_span sp, uint16_t port,
		   const char *what)
{
	char t[8];
	int n = snprintf(t, sizeof(t), "%u", port);

	return sip_edits_add(ed, sp.off, sp.len, t, (size_t)n, what);
}

/* stable insertion sort by offset: at most SIP_MAX_EDITS entries */
static void sort_edits(struct sip_edits *ed)
{
	for (unsigned i = 1; i < ed->n; i++) {
		struct sip_edit x = ed->e[i];
		unsigned j = i;

		while (j > 0 && ed->e[j - 1].off > x.off) {
			ed->e[j] = ed->e[j - 1];
			j--;
		}
		ed->e[j] = x;
	}
}

static bool has_break(const uint8_t *p, size_t n)
{
	return memchr(p, '\r', n) || memchr(p, '\n', n);
}

/* Is edit e allowed on message m?  NULL or the reason. */
static const char *check_edit(const uint8_t *in, const struct sip_msg *m,
			      const struct sip_edits *ed,
			      const struct sip_edit *e)
{
	size_t end = (size_t)e->off + e->len;
	size_t cl0 = m->clen.off, cl1 = cl0 + m->clen.len;

	if (end > m->msg_len)
		return "edit outside the message";
	if (m->clen_hdr >= 0 && !e->generated &&
	    ((e->off < cl1 && end > cl0) ||
	     (!e->len && e->off >= cl0 && e->off <= cl1)))
		return "edit touches Content-Length";
	if (e->off >= m->body_off)
		return NULL;
	if (e->off < m->start.off || end > m->head_len || e->off >= m->head_len)
		return "edit outside the header lines";
	if (has_break(in + e->off, e->len))
		return "edit crosses a line end";
	if (has_break((const uint8_t *)ed->text + e->text_off, e->text_len) ||
	    memchr(ed->text + e->text_off, '\0', e->text_len))
		return "line break or NUL in a header edit";
	return NULL;
}

int sip_rewrite(const uint8_t *in, size_t len, const struct sip_msg *m,
		struct sip_edits *ed, uint8_t *out, size_t cap,
		struct sip_msg *out_msg, const char **why)
{
	struct sip_msg local;
	struct sip_msg *om = out_msg ? out_msg : &local;
	int64_t delta = 0, body_delta = 0;
	size_t total, src = 0, dst = 0;
	unsigned k = 0;

	*why = NULL;
	if (!in || !m || !ed || !out || len < m->msg_len) {
		*why = "bad arguments";
		return -1;
	}
	if (out < in + len && in < out + cap) {
		*why = "output overlaps input";
		return -1;
	}
	/* drop what a previous call generated */
	for (unsigned i = 0; i < ed->n; i++)
		if (!ed->e[i].generated)
			ed->e[k++] = ed->e[i];
	ed->n = k;
	sort_edits(ed);
	for (unsigned i = 0; i < ed->n; i++) {
		const struct sip_edit *e = &ed->e[i];

		*why = check_edit(in, m, ed, e);
		if (*why)
			return -1;
		if (i && e->off < ed->e[i - 1].off + ed->e[i - 1].len) {
			*why = "edits overlap";
			return -1;
		}
		if (e->off >= m->body_off)
			body_delta += (int64_t)e->text_len - e->len;
	}
	if (body_delta && m->clen_hdr >= 0) {
		char t[16];
		int n = snprintf(t, sizeof(t), "%lld",
				 (long long)m->body_len + body_delta);

		if (sip_edits_add(ed, m->clen.off, m->clen.len, t, (size_t)n,
				  "Content-Length")) {
			*why = ed->why;
			return -1;
		}
		ed->e[ed->n - 1].generated = true;
		sort_edits(ed);
	}
	for (unsigned i = 0; i < ed->n; i++)
		delta += (int64_t)ed->e[i].text_len - ed->e[i].len;
	if ((int64_t)m->msg_len + delta > SIP_MAX_MSG ||
	    (!(m->flags & SIP_PARSE_STREAM) &&
	     (int64_t)len + delta > SIP_MAX_MSG)) {
		*why = "result too long";
		return -1;
	}
	if ((int64_t)len + delta > (int64_t)cap) {
		*why = "result does not fit";
		return -1;
	}
	total = (size_t)((int64_t)len + delta);

	for (unsigned i = 0; i < ed->n; i++) {
		struct sip_edit *e = &ed->e[i];
		size_t keep = e->off - src;

		memcpy(out + dst, in + src, keep);
		dst += keep;
		e->out_off = (uint32_t)dst;
		memcpy(out + dst, ed->text + e->text_off, e->text_len);
		dst += e->text_len;
		src = (size_t)e->off + e->len;
	}
	memcpy(out + dst, in + src, len - src);
	dst += len - src;
	if (dst != total) {
		*why = "internal length mismatch";
		return -1;
	}

	if (sip_parse(out, total, m->flags, om)) {
		*why = "result does not parse";
		return -1;
	}
	if (om->request != m->request || om->n_hdrs != m->n_hdrs ||
	    om->n_values != m->n_values ||
	    (int64_t)om->body_len != (int64_t)m->body_len + body_delta ||
	    om->msg_len != (int64_t)m->msg_len + delta) {
		*why = "result changed the message structure";
		return -1;
	}
	return (int)total;
}

static size_t clean(const uint8_t *p, size_t n, char *o)
{
	size_t k = n > 64 ? 64 : n;

	for (size_t i = 0; i < k; i++)
		o[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	if (k < n) {
		memcpy(o + k, "...", 3);
		k += 3;
	}
	o[k] = '\0';
	return k;
}

int sip_edit_describe(const struct sip_edits *ed, unsigned i, const uint8_t *in,
		      const uint8_t *out, char *buf, size_t cap)
{
	char a[68], b[68];
	int n;

	if (i >= ed->n || !cap)
		return -1;
	clean(in + ed->e[i].off, ed->e[i].len, a);
	clean(out + ed->e[i].out_off, ed->e[i].text_len, b);
	n = snprintf(buf, cap, "%s %s -> %s", ed->e[i].what, a, b);
	if (n < 0)
		return -1;
	return (size_t)n >= cap ? (int)cap - 1 : n;
}
