// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_stream.c - libFuzzer target for the controller's stream-rewrite
 * engine (user/engine/stream.c) with FTP callbacks built on user/alg/ftp.c
 * as ftp_alg.c uses them, and for segment parse/build (user/engine/packet.c).
 *
 * Input: one config byte (bit 0 no rewrites, 1 direction 0's numbers wrap,
 * 2 lines starting with 'G' grow up to 64 times when that fits: not FTP,
 * the engine's output limits; 3 lines starting with 'D' are refused, the
 * sender answered "550 d" ("Dq": refused silently), as the command policy
 * does), then operations until the input ends:
 *
 *   op & 3 == 0, 1   a segment of direction op & 3:
 *                    [op] [amount] [len lo] [len hi]
 *                    op bit 2 FIN; bits 3-4 where it starts (0 at the
 *                    sender's highest byte, 1 amount bytes before it,
 *                    2 amount bytes after it (a gap), 3 16 * amount
 *                    before it); bits 5-7 time step (ms).  Bytes the
 *                    sender has not had yet come from the input, so a
 *                    retransmission carries the same bytes as the first
 *                    time, as a TCP sender's does.
 *   op & 3 == 2      stream_expire_holds: [op] [age in ms], op bits 2-7
 *                    the time step (ms)
 *   op & 3 == 3      a raw frame for seg_parse / seg_build:
 *                    [op] [len lo] [len hi] [frame...]
 *                    op bit 2 dec_ttl, 3 clear_fin, 4 clear_psh, 5 map SACK
 *                    edges through the stream's history, 6 payload from the
 *                    last stream output instead of the frame's own, 7 an
 *                    output buffer of exactly the packet's size
 *
 * Checked after every call (abort() on violation):
 *  - chunks: n == return value <= STREAM_CHUNKS, offsets contiguous from 0,
 *    seqs consecutive, lengths summing to out.len <= STREAM_OUT_MAX, FIN on
 *    the last only, no output when no chunk;
 *  - history: n <= BPFALG_SEQADJ_POINTS, positions strictly ascending;
 *    held bytes fewer than STREAM_HOLD_MAX;
 *  - the receiver's view: every wire byte is the same each time it is sent
 *    (refusal texts included, in the other direction's wire),
 *    and everything before the stream's send point, as the history maps it,
 *    has been sent (nothing lost, nothing ahead of it);
 *  - seg_build: length, every header field it may change and nothing else,
 *    SACK edges mapped (option walk written again here), and the IPv4 header
 *    and TCP checksums recomputed independently.
 *
 * -DFUZZ_TRACE prints every segment and what went out (to read a crash).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/ftp.h"
#include "bpfalg_seqadj.h"
#include "engine/packet.h"
#include "engine/stream.h"

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz_stream.c:%d: %s\n", __LINE__, \
				#cond);                                     \
			abort();                                            \
		}                                                           \
	} while (0)

#define ORIG_MAX (1 << 14) /* sender bytes per direction */
#define WIRE_MAX (1 << 17) /* wire bytes tracked per direction */
#define MS 1000000ULL

/* ------------------------------------------------- FTP callbacks */

struct fctx {
	struct ftp_state st[2];
	bool rewrite, grow, refuse, auth_pending, tls;
	unsigned int n;
};

static const uint8_t long_v4[16] = { 255, 255, 255, 255 };
static const uint8_t long_v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff,
				     0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0xff, 0xff, 0xff, 0xfe };
static const uint8_t short_v4[16] = { 1, 2, 3, 4 };
static const uint8_t short_v6[16] = { [15] = 1 };

static int f_line(void *ctx, int dir, const uint8_t *line, size_t len,
		  uint8_t *out, size_t cap)
{
	struct fctx *f = ctx;
	enum ftp_dir d = dir ? FTP_FROM_SERVER : FTP_FROM_CLIENT;
	struct ftp_match m;
	const uint8_t *addr;
	bool lng;
	int n;

	CHECK(len > 0 && line[len - 1] == '\n');
	CHECK(!memchr(line, '\n', len - 1));
	if (f->grow && line[0] == 'G') {
		/* not FTP: a line may grow a lot */
		size_t n = len * (1 + line[len > 1 ? 1 : 0] % 64);

		if (n > cap)
			return -1;
		memset(out, 'g', n);
		return (int)n;
	}
	if (f->refuse && line[0] == 'D') {
		const char *t = len > 1 && line[1] == 'q' ? "" : "550 d\r\n";

		if (cap > strlen(t))
			memcpy(out, t, strlen(t) + 1);
		else if (cap)
			out[0] = 'x'; /* unterminated: must not be sent */
		return STREAM_LINE_REFUSE;
	}
	if (f->tls)
		return -1;
	switch (ftp_inspect(&f->st[d], d, (const char *)line, len, &m)) {
	case FTP_AUTH:
		f->auth_pending = true;
		return -1;
	case FTP_AUTH_OK:
		if (f->auth_pending)
			f->tls = true;
		return -1;
	case FTP_PORT:
	case FTP_EPRT:
		if (d != FTP_FROM_CLIENT)
			return -1;
		break;
	case FTP_PASV_REPLY:
	case FTP_EPSV_REPLY:
		if (d != FTP_FROM_SERVER)
			return -1;
		break;
	default:
		return -1;
	}
	if (!f->rewrite)
		return -1;
	lng = f->n++ & 1;
	if (m.family == AF_INET6)
		addr = lng ? long_v6 : short_v6;
	else
		addr = lng ? long_v4 : short_v4;
	n = ftp_render(&m, (const char *)line, len, addr, lng ? 65535 : 1,
		       (char *)out, cap);
	CHECK(n < 0 || (size_t)n <= cap);
	return n;
}

static bool f_hold(void *ctx, int dir, const uint8_t *buf, size_t len)
{
	struct fctx *f = ctx;

	CHECK(len > 0 && len < STREAM_HOLD_MAX && !memchr(buf, '\n', len));
	return !f->tls && ftp_may_need(dir ? FTP_FROM_SERVER : FTP_FROM_CLIENT,
				       (const char *)buf, len);
}

static const struct stream_ops f_ops = {
	.line = f_line,
	.hold = f_hold,
};

/* ------------------------------------------------------ the model */

struct mdir {
	uint32_t isn;
	bool init, fin;
	size_t have, hi; /* sender bytes known / highest end sent */
	size_t fin_at; /* the sender's FIN comes after this byte */
	size_t hw, covered; /* wire: highest end sent / contiguous from 0 */
	uint8_t data[ORIG_MAX];
	uint8_t wire[WIRE_MAX];
	uint8_t wset[WIRE_MAX];
};

static struct mdir md[2];
static struct stream st;
static struct stream_out out;
static struct stream_stats stats;
static struct fctx fc;

struct input {
	const uint8_t *p;
	size_t n;
};

static bool take(struct input *in, uint8_t *b)
{
	if (!in->n)
		return false;
	*b = *in->p++;
	in->n--;
	return true;
}

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static void check_out(int rc, int dir)
{
	struct stream_dir *d = &st.d[dir];
	struct mdir *m = &md[dir];
	size_t off = 0;

	CHECK(rc == out.n && rc >= 0 && rc <= STREAM_CHUNKS);
	CHECK(out.len <= STREAM_OUT_MAX);
	if (!rc)
		CHECK(out.len == 0);
	for (int i = 0; i < rc; i++) {
		const struct stream_chunk *c = &out.chunk[i];
		int32_t w = (int32_t)(c->seq - m->isn);

		CHECK(c->off == off);
		CHECK(c->seq == out.chunk[0].seq + (uint32_t)off);
		CHECK(c->len <= STREAM_OUT_MAX - off);
		CHECK(c->len > 0 || (rc == 1 && c->fin));
		CHECK(!c->fin || i == rc - 1);
		off += c->len;
		/* the receiver's view: same bytes at the same place */
		CHECK(w >= 0);
		for (size_t k = 0; k < c->len; k++) {
			size_t x = (size_t)w + k;

			if (x >= WIRE_MAX)
				break;
			if (m->wset[x])
				CHECK(m->wire[x] == out.buf[c->off + k]);
			m->wire[x] = out.buf[c->off + k];
			m->wset[x] = 1;
		}
		if ((size_t)w + c->len > m->hw)
			m->hw = (size_t)w + c->len;
	}
	CHECK(off == out.len);

	/* a refusal text, in the other direction's wire */
	CHECK(out.inject_len <= STREAM_INJECT_MAX);
	if (out.inject_len) {
		struct mdir *o = &md[dir ^ 1];
		int32_t w = (int32_t)(out.inject_seq - o->isn);

		CHECK(out.n_refused > 0);
		CHECK(w >= 0);
		for (size_t k = 0; k < out.inject_len; k++) {
			size_t x = (size_t)w + k;

			if (x >= WIRE_MAX)
				break;
			if (o->wset[x])
				CHECK(o->wire[x] == out.inject[k]);
			o->wire[x] = out.inject[k];
			o->wset[x] = 1;
		}
		if ((size_t)w + out.inject_len > o->hw)
			o->hw = (size_t)w + out.inject_len;
	}

	/* the history */
	CHECK(d->adj.n <= BPFALG_SEQADJ_POINTS);
	for (unsigned int i = 1; i < d->adj.n; i++)
		CHECK(seq_lt(d->adj.pt[i - 1].pos, d->adj.pt[i].pos));
	CHECK((uint32_t)(d->next - d->sent) < STREAM_HOLD_MAX);
	if (rc && out.chunk[rc - 1].fin)
		CHECK(d->next == d->sent);

	/* everything before the send point went out, nothing after it
	 * (a stream closed by an expired hold sends nothing any more, and
	 * a direction first seen after that was never started)
	 */
	CHECK(!st.closed || !rc);
	if (m->init && !st.closed) {
		uint32_t ws = d->sent + (uint32_t)seqadj_off(&d->adj, d->sent);
		int32_t w = (int32_t)(ws - m->isn);

		CHECK(w >= 0);
		if ((size_t)w < WIRE_MAX) {
			while (m->covered < (size_t)w && m->wset[m->covered])
				m->covered++;
			CHECK(m->covered >= (size_t)w);
			CHECK(m->hw <= (size_t)w);
		}
	}
}

static void op_segment(struct input *in, uint8_t op, uint64_t *now)
{
	int dir = op & 1;
	struct mdir *m = &md[dir];
	uint8_t amt, lo, hi, *copy;
	size_t start, end, len;
	struct stream_in si;
	bool fin;
	int rc;

	if (!take(in, &amt) || !take(in, &lo) || !take(in, &hi))
		return;
	len = (size_t)(lo | hi << 8) % (BPFALG_PUNT_MAX_PKT + 1);
	switch ((op >> 3) & 3) {
	case 0:
		start = m->hi;
		break;
	case 1:
		start = m->hi > amt ? m->hi - amt : 0;
		break;
	case 2:
		start = m->hi + amt;
		break;
	default:
		start = m->hi > 16u * amt ? m->hi - 16u * amt : 0;
		break;
	}
	if (!m->init)
		start = 0; /* the first punted segment starts the stream */
	if (start > ORIG_MAX)
		start = ORIG_MAX;
	end = start + len > ORIG_MAX ? ORIG_MAX : start + len;
	/* the sender's new bytes come from the input */
	while (m->have < end && take(in, &m->data[m->have]))
		m->have++;
	if (end > m->have)
		end = m->have > start ? m->have : start;
	/* a TCP sender: FIN after its last byte only, nothing after FIN */
	if (m->fin && start > m->fin_at)
		start = m->fin_at;
	if (m->fin && end > m->fin_at)
		end = m->fin_at;
	len = end - start;
	fin = (op & 4) && end >= m->hi && (!m->fin || end == m->fin_at);
	if (fin) {
		m->fin = true;
		m->fin_at = end;
	}

	/* an exact-size copy: a read past it is caught */
	copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, m->data + start, len);
	*now += ((op >> 5) & 7) * MS;
	si = (struct stream_in){
		.seq = m->isn + (uint32_t)start,
		.data = copy,
		.len = len,
		.fin = fin,
		/* what the sender has received of the other direction */
		.has_ack = true,
		.ack = md[dir ^ 1].isn + (uint32_t)md[dir ^ 1].hw,
		.now_ns = *now,
	};
	m->init = true;
	rc = stream_segment(&st, dir, &si, &out);
#ifdef FUZZ_TRACE
	fprintf(stderr, "dir %d [%zu, %zu)%s \"%.*s\" -> %d chunks%s%s\n", dir,
		start, end, si.fin ? " FIN" : "", (int)len, m->data + start, rc,
		out.dropped ? ", dropped: " : "",
		out.dropped ? out.dropped : "");
	for (int i = 0; i < rc; i++)
		fprintf(stderr, "  wire %u%s \"%.*s\"\n",
			out.chunk[i].seq - m->isn,
			out.chunk[i].fin ? " FIN" : "", (int)out.chunk[i].len,
			out.buf + out.chunk[i].off);
	fprintf(stderr, "  sent %u next %u\n", st.d[dir].sent - m->isn,
		st.d[dir].next - m->isn);
#endif
	free(copy);
	if (end > m->hi)
		m->hi = end;
	check_out(rc, dir);
}

/* --------------------------------------------------- seg_parse/build */

static uint32_t ref_sum(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return acc;
}

static bool ref_ok(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc >> 16) + (acc & 0xffff);
	return acc == 0xffff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The options after seg_build: SACK edges mapped, all else as before. */
static void check_opts(const uint8_t *o, const uint8_t *n, size_t len,
		       const struct bpfalg_seqadj *a)
{
	size_t i = 0;

	while (a && i < len) {
		size_t l;

		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			CHECK(n[i] == 1);
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			break;
		l = o[i + 1];
		CHECK(!memcmp(o + i, n + i, 2));
		for (size_t k = 2; k < l; k++) {
			size_t e = (k - 2) / 4 * 4 + 2;

			if (o[i] == 5 && e + 4 <= l) {
				uint32_t want =
					seqadj_unack(a, get32(o + i + e));

				CHECK(get32(n + i + e) == want);
			} else {
				CHECK(n[i + k] == o[i + k]);
			}
		}
		i += l;
	}
	if (i < len)
		CHECK(!memcmp(o + i, n + i, len - i));
}

static void op_frame(struct input *in, uint8_t op)
{
	uint8_t lo, hi, *f, *p;
	size_t len, l3hl, cap;
	struct seg_build b;
	const char *why = NULL;
	const uint8_t *ip, *th;
	struct seg s;
	int rc;

	if (!take(in, &lo) || !take(in, &hi))
		return;
	len = (size_t)(lo | hi << 8) % 512;
	if (len > in->n)
		len = in->n;
	f = malloc(len ? len : 1);
	if (!f)
		return;
	memcpy(f, in->p, len);
	in->p += len;
	in->n -= len;
	rc = seg_parse(f, len, &s, &why);
	CHECK(rc == 0 || rc == -1);
	if (rc) {
		CHECK(why != NULL);
		free(f);
		return;
	}
	CHECK(s.frame == f);
	CHECK(s.l3 == 14 || s.l3 == 18);
	CHECK(s.family == AF_INET || s.family == AF_INET6);
	CHECK(s.l4 >= s.l3 + (s.family == AF_INET ? 20 : 40));
	ip = f + s.l3;
	th = f + s.l4;
	CHECK(s.proto == (s.family == AF_INET ? ip[9] : ip[6]));
	if (s.proto == 17) { /* the payload is what the UDP length says */
		CHECK(s.l4_hlen == 8 && s.plen + 8 == get16(th + 4));
		CHECK(s.seq == 0 && s.ack == 0 && s.flags == 0);
	} else {
		CHECK(s.proto == 6);
		CHECK(s.l4_hlen >= 20 && s.l4_hlen <= 60 && s.l4_hlen % 4 == 0);
		CHECK(s.seq == get32(th + 4) && s.ack == get32(th + 8));
	}
	CHECK(s.payload == s.l4 + s.l4_hlen && s.payload + s.plen <= len);

	b = (struct seg_build){
		.seq = s.seq + 12345,
		.ack = s.ack - 777,
		.sack_adj = (op & 0x20) ? &st.d[1].adj : NULL,
		.payload = f + s.payload,
		.plen = s.plen,
		.dec_ttl = op & 4,
		.clear_fin = op & 8,
		.clear_psh = op & 0x10,
	};
	if (op & 0x40) {
		b.payload = out.buf;
		b.plen = out.len > 2000 ? 2000 : out.len;
	}
	l3hl = s.l4 - s.l3;
	cap = op & 0x80 ? l3hl + s.l4_hlen + b.plen : SEG_MAX_PKT;
	p = malloc(cap ? cap : 1);
	if (!p) {
		free(f);
		return;
	}
	rc = seg_build(&s, &b, p, cap);
	if (rc < 0) {
		CHECK(l3hl + s.l4_hlen + b.plen > cap ||
		      (b.dec_ttl && s.ttl <= 1));
		goto out;
	}
	CHECK((size_t)rc == l3hl + s.l4_hlen + b.plen && (size_t)rc <= cap);
	if (s.family == AF_INET) {
		CHECK(p[2] == rc >> 8 && p[3] == (rc & 0xff));
		CHECK(p[8] == (uint8_t)(s.ttl - (b.dec_ttl ? 1 : 0)));
		CHECK(!memcmp(p, ip, 2) && !memcmp(p + 4, ip + 4, 4));
		CHECK(p[9] == ip[9] && !memcmp(p + 12, ip + 12, l3hl - 12));
		CHECK(ref_ok(ref_sum(0, p, l3hl)));
	} else {
		CHECK(p[4] == (rc - 40) >> 8 && p[5] == ((rc - 40) & 0xff));
		CHECK(p[7] == (uint8_t)(s.ttl - (b.dec_ttl ? 1 : 0)));
		CHECK(!memcmp(p, ip, 4) && p[6] == ip[6]);
		CHECK(!memcmp(p + 8, ip + 8, 32));
	}
	if (s.proto == 17) {
		const uint8_t *t = p + l3hl;
		uint8_t ph[4] = { 0, 17, (uint8_t)((rc - l3hl) >> 8),
				  (uint8_t)(rc - l3hl) };
		uint32_t acc;

		/* ports kept, length and checksum new, never checksum 0 */
		CHECK(!memcmp(t, th, 4) && get16(t + 4) == rc - l3hl);
		CHECK(get16(t + 6) != 0);
		CHECK(!b.plen || !memcmp(t + 8, b.payload, b.plen));
		acc = s.family == AF_INET ? ref_sum(0, p + 12, 8) :
					    ref_sum(0, p + 8, 32);
		acc = ref_sum(acc, ph, 4);
		acc = ref_sum(acc, t, (size_t)rc - l3hl);
		CHECK(ref_ok(acc));
	} else {
		const uint8_t *t = p + l3hl;
		uint8_t fl = th[13];
		uint8_t ph[8] = { 0,
				  0,
				  (uint8_t)((rc - l3hl) >> 8),
				  (uint8_t)(rc - l3hl),
				  0,
				  0,
				  0,
				  6 };
		uint32_t acc;

		if (b.clear_fin)
			fl &= ~0x01;
		if (b.clear_psh)
			fl &= ~0x08;
		CHECK(!memcmp(t, th, 4));
		CHECK(get32(t + 4) == b.seq && get32(t + 8) == b.ack);
		CHECK(t[12] == th[12] && t[13] == fl);
		CHECK(!memcmp(t + 14, th + 14, 2) &&
		      !memcmp(t + 18, th + 18, 2));
		check_opts(th + 20, t + 20, s.l4_hlen - 20, b.sack_adj);
		if (!b.sack_adj)
			CHECK(!memcmp(t + 20, th + 20, s.l4_hlen - 20));
		CHECK(!b.plen || !memcmp(t + s.l4_hlen, b.payload, b.plen));
		acc = s.family == AF_INET ? ref_sum(0, p + 12, 8) :
					    ref_sum(0, p + 8, 32);
		acc = ref_sum(acc, ph, 8);
		acc = ref_sum(acc, t, (size_t)rc - l3hl);
		CHECK(ref_ok(acc));
	}
out:
	free(p);
	free(f);
}

/* ------------------------------------------------------------- main */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint64_t now = 1000 * MS;
	uint8_t cfg, op, age;

	if (!take(&in, &cfg))
		return 0;
	for (int i = 0; i < 2; i++) {
		struct mdir *m = &md[i];

		memset(m->wset, 0, m->hw < WIRE_MAX ? m->hw : WIRE_MAX);
		m->init = m->fin = false;
		m->have = m->hi = m->hw = m->covered = m->fin_at = 0;
	}
	/* one direction's numbers wrap early on */
	md[0].isn = cfg & 2 ? 0xffffff00u - (uint32_t)(cfg & 0xf0) : 1000;
	md[1].isn = 0x7ffffff0u + (uint32_t)(cfg & 0xf0);
	memset(&fc, 0, sizeof(fc));
	fc.rewrite = !(cfg & 1);
	fc.grow = cfg & 4;
	fc.refuse = cfg & 8;
	memset(&stats, 0, sizeof(stats));
	stream_init(&st, &f_ops, &fc, &stats);

	while (take(&in, &op)) {
		switch (op & 3) {
		case 0:
		case 1:
			op_segment(&in, op, &now);
			break;
		case 2:
			if (!take(&in, &age))
				break;
			now += ((op >> 2) & 63) * MS;
			stream_expire_holds(&st, now, age * MS);
			for (int i = 0; i < 2; i++) {
				out.n = 0;
				out.len = 0;
				out.inject_len = 0;
				out.n_refused = 0;
				check_out(0, i);
			}
			break;
		default:
			op_frame(&in, op);
			break;
		}
	}
	stream_free(&st);
	return 0;
}
