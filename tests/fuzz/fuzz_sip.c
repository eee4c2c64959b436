// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_sip.c - libFuzzer target for the SIP parser and framer
 * (user/alg/sip.c), the SDP parser (user/alg/sdp.c) and the rewriter
 * (user/alg/sip_rewrite.c).
 *
 * Every buffer handed over is an exact-size heap copy, so ASan catches a
 * read one byte past it.  Checked:
 *  - the framer, over the input as a TCP stream: sizes within the buffer,
 *    keep-alives made of line ends, and a message it frames parses (in
 *    stream mode) to exactly that length when it parses at all;
 *  - the parser, over the input as a datagram: every span inside the
 *    buffer, the values' host/port inside their element, body and
 *    Content-Length consistent, and the same framing as sip_frame;
 *  - the SDP parser on the body: spans inside the body;
 *  - the rewriter with edits derived from the parse (every literal
 *    address in SIP and SDP to a long or a short one of its family, with
 *    and without a port; every m= and a=rtcp: port): it succeeds (or says
 *    the result would be too long), the output keeps every byte outside
 *    the edits and holds each replacement at its out_off, re-parses with
 *    Content-Length equal to the new body, its SDP re-parses, one byte
 *    less of room is refused, and every edit can be described.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/sdp.h"
#include "alg/sip.h"
#include "alg/sip_rewrite.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static struct sip_msg M, M2;
static struct sdp S, S2;
static struct sip_edits ED;

static const uint8_t long4[16] = { 255, 255, 255, 254 };
static const uint8_t short4[16] = { 1, 2, 3, 4 };
static const uint8_t long6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff,
				   0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				   0xff, 0xff, 0xff, 0xfe };
static const uint8_t short6[16] = { [15] = 1 };

static void in_buf(struct sip_span sp, size_t lo, size_t hi)
{
	CHECK(sp.off >= lo && (size_t)sp.off + sp.len <= hi);
}

/* inner lies inside outer (or is empty) */
static void inside(struct sip_span inner, struct sip_span outer)
{
	if (!inner.len)
		return;
	CHECK(inner.off >= outer.off &&
	      inner.off + inner.len <= outer.off + outer.len);
}

static void check_msg(const uint8_t *b, size_t len, const struct sip_msg *m)
{
	CHECK(m->msg_len == m->body_off + m->body_len && m->msg_len <= len);
	CHECK(m->head_len < m->body_off && m->body_off <= m->head_len + 2);
	CHECK(m->n_hdrs <= SIP_MAX_HEADERS && m->n_values <= SIP_MAX_VALUES);
	in_buf(m->start, m->lead, m->head_len);
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		const struct sip_header *h = &m->hdrs[i];

		CHECK(h->id < SIP_H__COUNT && h->name.len);
		in_buf(h->field, m->start.off + m->start.len, m->head_len);
		inside(h->name, h->field);
		inside(h->value, h->field);
		CHECK(h->field.len <= SIP_MAX_LINE);
	}
	for (unsigned i = 0; i < m->n_values; i++) {
		const struct sip_value *v = &m->values[i];

		CHECK(v->id == SIP_H_REQUEST_URI ? v->hdr == SIP_NO_HDR :
						   v->hdr < m->n_hdrs);
		if (v->hdr != SIP_NO_HDR)
			inside(v->span, m->hdrs[v->hdr].value);
		inside(v->uri, v->span);
		inside(v->hostport, v->span);
		inside(v->host, v->hostport);
		inside(v->portnum, v->hostport);
		CHECK(!!(v->flags & SIP_V_PORT) == !!v->portnum.len);
		if (v->family == AF_INET6)
			CHECK(b[v->host.off] == '[' &&
			      b[v->host.off + v->host.len - 1] == ']');
		CHECK(!v->family || v->host.len);
	}
	if (m->clen_hdr >= 0) {
		uint64_t v = 0;

		CHECK(m->hdrs[m->clen_hdr].id == SIP_H_CONTENT_LENGTH);
		inside(m->clen, m->hdrs[m->clen_hdr].value);
		/* the digits say the body length (leading zeros allowed) */
		for (size_t i = 0; i < m->clen.len; i++) {
			CHECK(b[m->clen.off + i] >= '0' &&
			      b[m->clen.off + i] <= '9');
			v = v * 10 + (b[m->clen.off + i] - '0');
			if (v > SIP_MAX_MSG)
				v = SIP_MAX_MSG + 1;
		}
		CHECK(v == m->body_len);
	} else {
		CHECK(!(m->flags & SIP_PARSE_STREAM));
		CHECK(m->msg_len == len);
	}
}

static void check_sdp(const struct sdp *s, size_t lo, size_t hi)
{
	in_buf(s->origin_line, lo, hi);
	inside(s->origin.span, s->origin_line);
	CHECK(s->n_media <= SDP_MAX_MEDIA && s->n_conn <= SDP_MAX_CONN);
	for (unsigned i = 0; i < s->n_conn; i++) {
		in_buf(s->conn[i].line, lo, hi);
		inside(s->conn[i].a.span, s->conn[i].line);
		CHECK(s->conn[i].media == SDP_NONE ||
		      s->conn[i].media < s->n_media);
	}
	for (unsigned i = 0; i < s->n_media; i++) {
		const struct sdp_media *md = &s->media[i];

		in_buf(md->section, lo, hi);
		inside(md->line, md->section);
		inside(md->port_s, md->line);
		inside(md->rtcp_port_s, md->section);
		inside(md->rtcp_addr.span, md->section);
		CHECK(md->nports >= 1);
		CHECK(!md->has_rtcp || md->rtcp_port_s.len);
	}
}

static void check_frames(const uint8_t *data, size_t size)
{
	size_t p = 0;

	while (p < size) {
		size_t n = 0, len = size - p;
		const char *why = NULL;
		uint8_t *b = malloc(len);
		enum sip_frame_rc rc;

		CHECK(b);
		memcpy(b, data + p, len);
		rc = sip_frame(b, len, &n, &why);
		CHECK((rc == SIP_FRAME_BAD) == (why != NULL));
		if (rc == SIP_FRAME_MORE || rc == SIP_FRAME_BAD) {
			/* "more": the whole length once the header block is
			 * complete, longer than what is there
			 */
			CHECK(rc == SIP_FRAME_BAD ?
				      !n :
				      !n || (n > len && n <= SIP_MAX_MSG));
			free(b);
			break;
		}
		CHECK(n > 0 && n <= len && n <= SIP_MAX_MSG);
		if (rc == SIP_FRAME_KEEPALIVE) {
			for (size_t i = 0; i < n; i++)
				CHECK(b[i] == '\r' || b[i] == '\n');
		} else {
			if (!sip_parse(b, len, SIP_PARSE_STREAM, &M)) {
				CHECK(M.msg_len == n && !M.lead);
				check_msg(b, len, &M);
			}
			/* the frame alone parses the same way */
			if (!sip_parse(b, n, SIP_PARSE_STREAM, &M2))
				CHECK(M2.msg_len == n);
		}
		free(b);
		p += n;
	}
}

/* unique literal addresses among the values, for sip_find */
struct addrs {
	unsigned n;
	int fam[SIP_MAX_VALUES + SDP_MAX_CONN + SDP_MAX_MEDIA + 1];
	uint8_t a[SIP_MAX_VALUES + SDP_MAX_CONN + SDP_MAX_MEDIA + 1][16];
};

static void add_addr(struct addrs *x, int fam, const uint8_t *a)
{
	if (fam != AF_INET && fam != AF_INET6)
		return;
	for (unsigned i = 0; i < x->n; i++)
		if (x->fam[i] == fam && !memcmp(x->a[i], a, 16))
			return;
	x->fam[x->n] = fam;
	memcpy(x->a[x->n++], a, 16);
}

static const uint8_t *target(int fam, int longer)
{
	if (fam == AF_INET)
		return longer ? long4 : short4;
	return longer ? long6 : short6;
}

static void build_edits(const uint8_t *b, bool sdp_ok, int longer)
{
	struct sip_ref refs[SIP_MAX_VALUES * 2];
	struct addrs x = { 0 };

	sip_edits_init(&ED);
	for (unsigned i = 0; i < M.n_values; i++)
		add_addr(&x, M.values[i].family, M.values[i].addr);
	for (unsigned i = 0; i < x.n; i++) {
		size_t n = sip_find(b, &M, SIP_W_SIP, x.fam[i], x.a[i], 0, refs,
				    sizeof(refs) / sizeof(*refs));

		CHECK(n <= sizeof(refs) / sizeof(*refs));
		for (size_t k = 0; k < n; k++) {
			CHECK(refs[k].family == x.fam[i]);
			in_buf(refs[k].span, 0, M.head_len);
			inside(refs[k].host, refs[k].span);
			if (sip_edits_ref(&ED, &refs[k], x.fam[i],
					  target(x.fam[i], longer),
					  (uint16_t)(longer ? 65535 * (k & 1) :
							      7 * (k & 1))))
				return;
		}
	}
	if (!sdp_ok)
		return;
	x.n = 0;
	add_addr(&x, S.origin.family, S.origin.addr);
	for (unsigned i = 0; i < S.n_conn; i++)
		add_addr(&x, S.conn[i].a.family, S.conn[i].a.addr);
	for (unsigned i = 0; i < S.n_media; i++)
		add_addr(&x, S.media[i].rtcp_addr.family,
			 S.media[i].rtcp_addr.addr);
	for (unsigned i = 0; i < x.n; i++) {
		size_t n = sdp_find(&S, SIP_W_SDP, x.fam[i], x.a[i], refs,
				    sizeof(refs) / sizeof(*refs));
		struct sdp_port_ref pr[2 * SDP_MAX_MEDIA];
		size_t np = sdp_find_ports(&S, x.fam[i], x.a[i], pr,
					   sizeof(pr) / sizeof(*pr));

		CHECK(np <= sizeof(pr) / sizeof(*pr));
		for (size_t k = 0; k < np; k++) {
			const struct sdp_media *md = &S.media[pr[k].media];

			CHECK(pr[k].media < S.n_media && md->port);
			inside(pr[k].span, md->section);
			CHECK(pr[k].span.len &&
			      pr[k].port ==
				      (pr[k].rtcp ? md->rtcp_port : md->port));
		}

		for (size_t k = 0; k < n && k < sizeof(refs) / sizeof(*refs);
		     k++)
			if (sip_edits_ref(&ED, &refs[k], x.fam[i],
					  target(x.fam[i], longer), 0))
				return;
	}
	for (unsigned i = 0; i < S.n_media; i++) {
		const struct sdp_media *md = &S.media[i];

		if (md->port &&
		    sip_edits_port(&ED, md->port_s, longer ? 65534 : 2,
				   sdp_media_label(md->type)))
			return;
		if (md->has_rtcp &&
		    sip_edits_port(&ED, md->rtcp_port_s, longer ? 65535 : 3,
				   "a=rtcp"))
			return;
	}
}

static void check_rewrite(const uint8_t *b, size_t len, bool sdp_ok, int longer)
{
	size_t cap = len + SIP_EDIT_TEXT + 64, src = 0;
	const char *why = NULL;
	uint8_t *out, *tight;
	char line[256];
	int n;

	build_edits(b, sdp_ok, longer);
	out = malloc(cap);
	CHECK(out);
	n = sip_rewrite(b, len, &M, &ED, out, cap, &M2, &why);
	if (n < 0) {
		/* the only refusal edits like these may get */
		CHECK(why && !strcmp(why, "result too long"));
		free(out);
		return;
	}
	CHECK(!why && (size_t)n <= cap);
	/* every byte outside the edits kept, each replacement in place */
	for (unsigned i = 0; i < ED.n; i++) {
		const struct sip_edit *e = &ED.e[i];
		size_t keep = e->off - src;

		CHECK(e->off >= src);
		CHECK(!memcmp(out + e->out_off - keep, b + src, keep));
		CHECK(!memcmp(out + e->out_off, ED.text + e->text_off,
			      e->text_len));
		src = e->off + e->len;
		CHECK(sip_edit_describe(&ED, i, b, out, line, sizeof(line)) >
		      0);
	}
	CHECK(!memcmp(out + n - (len - src), b + src, len - src));
	check_msg(out, (size_t)n, &M2);
	CHECK(M2.n_hdrs == M.n_hdrs && M2.n_values == M.n_values);
	if (sdp_ok)
		CHECK(!sdp_parse(out, M2.body_off, M2.body_len, &S2) &&
		      S2.n_media == S.n_media && S2.n_conn == S.n_conn);

	/* exactly the room needed: the same; one byte less: refused */
	tight = malloc((size_t)n ? (size_t)n : 1);
	CHECK(tight);
	CHECK(sip_rewrite(b, len, &M, &ED, tight, (size_t)n, NULL, &why) == n);
	CHECK(!memcmp(tight, out, (size_t)n));
	if (n)
		CHECK(sip_rewrite(b, len, &M, &ED, tight, (size_t)n - 1, NULL,
				  &why) == -1 &&
		      !strcmp(why, "result does not fit"));
	free(tight);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b;
	bool sdp_ok;

	check_frames(data, size);

	b = malloc(size ? size : 1);
	CHECK(b);
	memcpy(b, data, size);
	if (sip_parse(b, size, 0, &M)) {
		CHECK(M.why != NULL);
		free(b);
		return 0;
	}
	CHECK(M.why == NULL);
	check_msg(b, size, &M);
	/* a datagram frames the same way when it has a Content-Length */
	if (M.clen_hdr >= 0 && !M.lead) {
		size_t n;
		const char *why;

		CHECK(sip_frame(b, size, &n, &why) == SIP_FRAME_MSG &&
		      n == M.msg_len);
	}
	sdp_ok = M.body_len && !sdp_parse(b, M.body_off, M.body_len, &S);
	if (sdp_ok)
		check_sdp(&S, M.body_off, M.msg_len);
	check_rewrite(b, size, sdp_ok, 1);
	check_rewrite(b, size, sdp_ok, 0);
	free(b);
	return 0;
}
