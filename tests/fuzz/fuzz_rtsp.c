// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_rtsp.c - libFuzzer target for the RTSP parser/renderer
 * (user/alg/rtsp.c) and the RTSP module (user/alg/rtsp_alg.c).
 *
 * Input: one flags byte (client or server inside, observe, IPv6, a deny
 * list, the fake engine's seed), then events: a tick, or a chunk of bytes
 * for one direction.  Chunks go through the module as the stream engine
 * hands them over: complete lines to line(), an unterminated tail to
 * hold() (kept and joined with the next chunk when held; else sent, and
 * the next line not shown, as the engine does).  Checked:
 *  - line() returns UNCHANGED, REFUSE with a NUL-terminated text within
 *    the buffer (empty, or an RTSP 403 ending the header block), or a
 *    length within the buffer; observe mode never changes a byte; a
 *    changed line is either a prefix or a suffix of the input (a refused
 *    request's part cut off) or a Transport line that differs only in
 *    digits and dots (IPv4: ports and addresses) and parses again with
 *    as many specs;
 *  - the fake engine sees only UDP requests for the flow's own inside
 *    address, pinholes only from the peer with any source port, bindings
 *    with both ports, releases only of ports it granted; after fini()
 *    nothing is held;
 *  - every complete line also goes through an independent framer: a
 *    Transport header's ranges lie inside the line and the spec, a render
 *    with other ports gives exactly the expected length and parses back to
 *    those ports, and a buffer one byte short is refused.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>

#include "alg/rtsp_alg.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* log.c hands libbpf its printer in algctl; nothing here loads BPF, so
 * the fuzz build does without libbpf.
 */
libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)
{
	return NULL;
}

static struct {
	uint16_t held[256];
	int n_held;
	uint32_t rng;
	struct alg_flow *af;
} fk;

static uint32_t rnd(void)
{
	fk.rng = fk.rng * 1103515245u + 12345u;
	return fk.rng >> 8;
}

static bool held(uint16_t p)
{
	for (int i = 0; i < fk.n_held; i++)
		if (fk.held[i] == p)
			return true;
	return false;
}

static int fake_open(bool bind, struct alg_flow *af, const struct alg_expect *x,
		     uint16_t *pub, const char **why)
{
	uint16_t p = x->public_port;

	CHECK(af == fk.af);
	CHECK(x->proto == BPFALG_IPPROTO_UDP && x->family == af->family);
	CHECK(!memcmp(x->inside, af->inside, 16) && x->inside_port);
	if (bind)
		CHECK(x->remote_port);
	else
		CHECK(!memcmp(x->remote, af->peer, 16) && !x->remote_port);
	if (fk.n_held >= 256 || rnd() % 8 == 0) {
		*why = "fake: refused";
		return -1;
	}
	if (!p) {
		p = x->inside_port;
		if (af->family == AF_INET && (held(p) || rnd() % 2))
			p = (uint16_t)(1024 + rnd() % 64512);
	}
	if (held(p) || (af->family == AF_INET6 && p != x->inside_port)) {
		*why = "fake: taken";
		return -1;
	}
	fk.held[fk.n_held++] = p;
	*pub = p;
	return 0;
}

static int fake_expect(void *ctx, struct alg_flow *af,
		       const struct alg_expect *x, uint16_t *pub,
		       const char **why)
{
	return fake_open(false, af, x, pub, why);
}

static int fake_bind(void *ctx, struct alg_flow *af, const struct alg_expect *x,
		     uint16_t *pub, const char **why)
{
	return fake_open(true, af, x, pub, why);
}

static void fake_release(void *ctx, struct alg_flow *af, uint8_t proto,
			 uint16_t port)
{
	int i;

	CHECK(af == fk.af && proto == BPFALG_IPPROTO_UDP);
	for (i = 0; i < fk.n_held && fk.held[i] != port; i++)
		;
	CHECK(i < fk.n_held);
	fk.held[i] = fk.held[--fk.n_held];
}

static void fake_step_aside(void *ctx, struct alg_flow *af)
{
	CHECK(af == fk.af && af->mode == BPFALG_MODE_ON);
}

static const struct alg_services svc = {
	.expect = fake_expect,
	.bind = fake_bind,
	.release = fake_release,
	.step_aside = fake_step_aside,
};

/* -------------------------------------------------- parser checks */

static void check_transport(const char *l, size_t len,
			    const struct rtsp_piece *pc)
{
	struct rtsp_transport t, t2;
	struct rtsp_edits ed;
	size_t vend = pc->value_off + pc->value_len;
	char *out;
	int n;
	size_t want = len;

	if (rtsp_parse_transport(l, len, pc->value_off, pc->value_len, &t)) {
		CHECK(t.why && t.n == 0);
		return;
	}
	CHECK(t.n >= 1 && t.n <= RTSP_MAX_SPECS);
	rtsp_edits_init(&ed);
	for (unsigned int i = 0; i < t.n; i++) {
		const struct rtsp_spec *s = &t.spec[i];
		size_t se = s->off + s->len;
		/* client_port and dest_addr must keep agreeing */
		uint16_t lo = !s->client_port.set  ? 7 :
			      s->client_port.range ? 65534 :
						     1;

		CHECK(s->off >= pc->value_off && se <= vend && s->len);
		if (i)
			CHECK(t.spec[i - 1].off + t.spec[i - 1].len < s->off);
		if (s->client_port.set) {
			const struct rtsp_ports *r = &s->client_port;

			CHECK(r->off >= s->off && r->off + r->len <= se);
			CHECK(r->lo &&
			      (r->range ? r->hi == r->lo + 1 : r->hi == r->lo));
			rtsp_edit_ports(&ed, r, lo);
			want += (r->range ? 11 : 1) - r->len;
		}
		for (unsigned int k = 0; k < s->n_dest; k++) {
			const struct rtsp_hostport *h = &s->dest_addr[k];

			CHECK(h->host.off + h->host.len <= se);
			if (!h->has_port)
				continue;
			CHECK(h->port_off >= s->off &&
			      h->port_off + h->port_len <= se && h->port);
			rtsp_edit_hostport(&ed, h, (uint16_t)(lo + k));
			want += (lo > 9 ? 5 : 1) - h->port_len;
		}
		CHECK(s->cli_n <= 2 && s->srv_n <= 2);
	}
	CHECK(!ed.failed);
	out = malloc(want + 1);
	CHECK(out);
	n = rtsp_render(l, len, &ed, out, want);
	CHECK(n == (int)want);
	if (ed.n)
		CHECK(rtsp_render(l, len, &ed, out, want - 1) == -1);
	CHECK(!rtsp_parse_transport(out, want, pc->value_off,
				    pc->value_len + want - len, &t2) ||
	      want > RTSP_MAX_LINE);
	if (want <= RTSP_MAX_LINE) {
		CHECK(t2.n == t.n);
		for (unsigned int i = 0; i < t.n; i++) {
			const struct rtsp_spec *s = &t.spec[i];
			uint16_t lo = !s->client_port.set  ? 7 :
				      s->client_port.range ? 65534 :
							     1;

			if (s->client_port.set)
				CHECK(t2.spec[i].client_port.lo == lo);
			for (unsigned int k = 0; k < s->n_dest; k++)
				if (s->dest_addr[k].has_port)
					CHECK(t2.spec[i].dest_addr[k].port ==
					      lo + k);
		}
	}
	free(out);
}

static void parse_line(struct rtsp_framer *f, const char *l, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		struct rtsp_piece pc;
		size_t rest = len - pos;

		rtsp_next(f, l + pos, rest, &pc);
		CHECK(pc.len && pc.len <= rest);
		if (pc.kind == RTSP_K_HEADER) {
			CHECK(pos == 0 || pc.blind);
			CHECK(pc.value_off + pc.value_len <= pc.len);
			if (pc.hdr == RTSP_H_TRANSPORT)
				check_transport(l + pos, pc.len, &pc);
			if (pc.hdr == RTSP_H_SESSION) {
				struct rtsp_session_hdr s;
				const char *why;

				if (!rtsp_parse_session(l + pos + pc.value_off,
							pc.value_len, &s, &why))
					CHECK(s.id[0] &&
					      strlen(s.id) <= RTSP_SESSION_MAX);
			}
		}
		if (pc.kind == RTSP_K_REQUEST)
			CHECK(pc.method_len &&
			      pc.uri_off + pc.uri_len < pc.len);
		pos += pc.len;
	}
}

/* ------------------------------------------------- module checks */

static bool skeleton_equal(const uint8_t *a, size_t an, const uint8_t *b,
			   size_t bn)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < an && ((a[i] >= '0' && a[i] <= '9') || a[i] == '.'))
			i++;
		while (j < bn && ((b[j] >= '0' && b[j] <= '9') || b[j] == '.'))
			j++;
		if (i == an || j == bn)
			return i == an && j == bn;
		if (a[i++] != b[j++])
			return false;
	}
}

static void check_line(struct rtsp_flow *rf, const uint8_t *l, size_t len,
		       const uint8_t *out, size_t cap, int r)
{
	if (r == ALG_LINE_UNCHANGED)
		return;
	if (r == ALG_LINE_REFUSE) {
		const uint8_t *z = memchr(out, '\0', cap);
		size_t n;

		CHECK(cap && z);
		n = (size_t)(z - out);
		CHECK(rf->af.mode == BPFALG_MODE_ON);
		if (n)
			CHECK(n >= 26 && !memcmp(out, "RTSP/", 5) &&
			      !memcmp(out + 8, " 403 Forbidden\r\n", 16) &&
			      !memcmp(out + n - 4, "\r\n\r\n", 4));
		return;
	}
	CHECK(r >= 0 && (size_t)r <= cap);
	CHECK(rf->af.mode == BPFALG_MODE_ON);
	/* a refused request's part cut off: the body bytes before it, or
	 * its body's last bytes before the next message
	 */
	if ((size_t)r < len && (!memcmp(out, l, (size_t)r) ||
				!memcmp(out, l + len - (size_t)r, (size_t)r)))
		return;
	CHECK(rf->af.family == AF_INET);
	CHECK(skeleton_equal(l, len, out, (size_t)r));
	{
		struct rtsp_framer f = { .phase = RTSP_PH_HEADERS,
					 .started = true };
		struct rtsp_piece a, b;
		struct rtsp_transport ta, tb;

		rtsp_next(&f, (const char *)l, len, &a);
		CHECK(a.kind == RTSP_K_HEADER && a.hdr == RTSP_H_TRANSPORT);
		f = (struct rtsp_framer){ .phase = RTSP_PH_HEADERS,
					  .started = true };
		rtsp_next(&f, (const char *)out, (size_t)r, &b);
		CHECK(b.kind == RTSP_K_HEADER && b.hdr == RTSP_H_TRANSPORT);
		CHECK(!rtsp_parse_transport((const char *)l, len, a.value_off,
					    a.value_len, &ta));
		/* a line just under the limit may grow over it */
		if ((size_t)r <= RTSP_MAX_LINE) {
			CHECK(!rtsp_parse_transport((const char *)out,
						    (size_t)r, b.value_off,
						    b.value_len, &tb));
			CHECK(ta.n == tb.n);
		}
	}
}

struct dirstate {
	uint8_t hold[512];
	size_t nhold;
	bool midline;
};

static void chunk(struct rtsp_flow *rf, struct rtsp_framer *pf,
		  struct dirstate *d, int dir, const uint8_t *data, size_t n,
		  bool offer_tail, int small_cap)
{
	uint8_t *buf = malloc(d->nhold + n + 1);
	size_t len = d->nhold + n, pos = 0;

	CHECK(buf);
	memcpy(buf, d->hold, d->nhold);
	memcpy(buf + d->nhold, data, n);
	d->nhold = 0;
	while (pos < len) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
		size_t l;

		if (!nl)
			break;
		l = (size_t)(nl - (buf + pos)) + 1;
		if (!d->midline) {
			/* an exact-size copy: ASan sees a read past it */
			uint8_t *line = malloc(l), *out;
			size_t cap = small_cap == 2 ? l / 2 + 1 :
				     small_cap	    ? l + 4 :
						      4096;
			int r;

			CHECK(line);
			memcpy(line, buf + pos, l);
			parse_line(&pf[dir], (const char *)line, l);
			out = malloc(cap);
			CHECK(out);
			memset(out, 0xaa, cap);
			r = rtsp_module.line(&rf->af, dir, line, l, out, cap);
			check_line(rf, line, l, out, cap, r);
			free(out);
			free(line);
		}
		d->midline = false;
		pos += l;
	}
	if (pos < len) {
		size_t tail = len - pos;
		uint8_t *t = malloc(tail);

		CHECK(t);
		memcpy(t, buf + pos, tail);
		if (offer_tail && !d->midline && tail < sizeof(d->hold) &&
		    rtsp_module.hold(&rf->af, dir, t, tail)) {
			memcpy(d->hold, t, tail);
			d->nhold = tail;
		} else {
			d->midline = true;
		}
		free(t);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct alg_limits lim = { .min_data_port = 1024 };
	static __u64 cnt[BPFALG_AS_MAX];
	struct rtsp_flow *rf;
	struct rtsp_framer pf[2] = { 0 };
	struct dirstate ds[2] = { 0 };
	struct alg_policy pol;
	char err[128];
	uint64_t now = 1000000000ULL;
	size_t i = 1;
	uint8_t fl;

	if (!size)
		return 0;
	fl = data[0];
	rf = calloc(1, rtsp_module.flow_size);
	CHECK(rf);
	memset(&fk, 0, sizeof(fk));
	fk.rng = fl >> 4;
	fk.af = &rf->af;
	alg_policy_parse(&pol, (fl & 8) ? "RECORD,ANNOUNCE,PAUSE" : "", err,
			 sizeof(err));
	rf->af.inside_is_client = !(fl & 1);
	rf->af.mode = (fl & 2) ? BPFALG_MODE_OBSERVE : BPFALG_MODE_ON;
	if (fl & 4) {
		rf->af.family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::10", rf->af.inside);
		memcpy(rf->af.public_addr, rf->af.inside, 16);
		inet_pton(AF_INET6, "2001:db8::7", rf->af.peer);
	} else {
		rf->af.family = AF_INET;
		inet_pton(AF_INET, "192.168.1.10", rf->af.inside);
		inet_pton(AF_INET, "203.0.113.1", rf->af.public_addr);
		inet_pton(AF_INET, "198.51.100.7", rf->af.peer);
	}
	rf->af.lim = &lim;
	rf->af.pol = &pol;
	rf->af.svc = &svc;
	rf->af.cnt = cnt;
	strcpy(rf->af.tag, "rtsp#1");
	rtsp_module.init(&rf->af);

	while (i < size) {
		uint8_t e = data[i++];
		size_t n;

		if ((e & 0x7) == 0x7) {
			now += (uint64_t)(e >> 3) * 1000000000ULL;
			rtsp_module.tick(&rf->af, now);
			continue;
		}
		n = i < size ? data[i++] : 0;
		if (e & 0x80)
			n *= 8;
		if (n > size - i)
			n = size - i;
		chunk(rf, pf, &ds[e & 1], e & 1, data + i, n, e & 2,
		      (e & 8) ? 2 :
		      (e & 4) ? 1 :
				0);
		i += n;
	}
	rtsp_module.fini(&rf->af);
	CHECK(fk.n_held == 0);
	free(rf);
	return 0;
}
