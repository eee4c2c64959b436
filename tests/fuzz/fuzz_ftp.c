// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_ftp.c - libFuzzer target for the FTP control-channel parser and
 * rewriter (user/alg/ftp.c).
 *
 * The input is split into lines (each with its '\n'; the last one may have
 * none), each fed to ftp_inspect in both directions with one persistent
 * ftp_state, as the stream engine does.  Every line sits in an exact-size
 * heap copy, so ASan catches a read one byte past it.  Checked besides:
 *  - the match is consistent (a reason exactly when FTP_BAD, the range in
 *    the line, its first/last bytes what the kind says);
 *  - ftp_render, with a long and a short address/port, writes exactly
 *    prefix + the expected text + suffix, refuses a buffer one byte short,
 *    and its output parses back to the new address/port at the same place;
 *  - ftp_may_need holds every prefix of a line ftp_inspect acts on;
 *  - client lines leave the reply state alone.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/ftp.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

struct target {
	uint8_t v4[16];
	uint8_t v6[16];
	uint16_t port;
};

static const struct target targets[] = {
	/* longer than anything in a typical line */
	{ { 255, 255, 255, 255 },
	  { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xfe },
	  65535 },
	/* shorter */
	{ { 1, 2, 3, 4 }, { [15] = 1 }, 1 },
};

static int acted_on(enum ftp_kind k)
{
	return k != FTP_OTHER && k != FTP_BAD;
}

static int renderable(enum ftp_kind k)
{
	return k == FTP_PORT || k == FTP_EPRT || k == FTP_PASV_REPLY ||
	       k == FTP_EPSV_REPLY;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the text before the first "\n" / "\r\n" (or all of it). */
static size_t text_len(const char *l, size_t n)
{
	const char *nl = memchr(l, '\n', n);
	size_t end = nl ? (size_t)(nl - l) : n;

	if (nl && end && l[end - 1] == '\r')
		end--;
	return end;
}

/*
 * The text ftp_render should put in the range, written independently of
 * ftp.c; -1 when it must refuse (the EPRT delimiter inside the address).
 */
static int expected_part(const struct ftp_match *m, const struct target *t,
			 char *o, size_t cap)
{
	const uint8_t *a = m->family == AF_INET6 ? t->v6 : t->v4;
	char v6[INET6_ADDRSTRLEN];
	unsigned char d = (unsigned char)m->delim;

	switch (m->kind) {
	case FTP_PORT:
	case FTP_PASV_REPLY:
		return snprintf(o, cap, "%u,%u,%u,%u,%u,%u", a[0], a[1], a[2],
				a[3], t->port >> 8, t->port & 0xff);
	case FTP_EPSV_REPLY:
		return snprintf(o, cap, "%u", t->port);
	case FTP_EPRT:
		if (m->family == AF_INET) {
			snprintf(v6, sizeof(v6), "%u.%u.%u.%u", a[0], a[1],
				 a[2], a[3]);
		} else {
			CHECK(inet_ntop(AF_INET6, a, v6, sizeof(v6)));
		}
		if (strchr(v6, d))
			return -1;
		return snprintf(o, cap, "%c%c%c%s%c%u%c", d,
				m->family == AF_INET ? '1' : '2', d, v6, d,
				t->port, d);
	default:
		return -1;
	}
}

static void check_match(const struct ftp_match *m, enum ftp_kind k,
			const char *l, size_t n)
{
	const unsigned char *r = (const unsigned char *)l + m->start;

	CHECK(m->kind == k);
	CHECK(k >= FTP_OTHER && k <= FTP_BAD);
	CHECK((k == FTP_BAD) == (m->why != NULL));
	if (!renderable(k))
		return;
	CHECK(m->len > 0 && m->start + m->len <= text_len(l, n));
	switch (k) {
	case FTP_PORT:
	case FTP_PASV_REPLY:
		CHECK(m->family == AF_INET);
		CHECK(is_digit(r[0]) && is_digit(r[m->len - 1]));
		for (size_t i = 0; i < m->len; i++)
			CHECK(is_digit(r[i]) || r[i] == ',');
		break;
	case FTP_EPRT:
		CHECK(m->family == AF_INET || m->family == AF_INET6);
		CHECK(r[0] == (unsigned char)m->delim &&
		      r[m->len - 1] == (unsigned char)m->delim);
		CHECK(m->port != 0);
		break;
	case FTP_EPSV_REPLY:
		for (size_t i = 0; i < m->len; i++)
			CHECK(is_digit(r[i]));
		CHECK(m->port != 0);
		break;
	default:
		break;
	}
}

static void check_render(const struct ftp_state *before,
			 const struct ftp_state *after, enum ftp_dir dir,
			 const struct ftp_match *m, const char *l, size_t n)
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++) {
		const struct target *t = &targets[i];
		const uint8_t *a = m->family == AF_INET6 ? t->v6 : t->v4;
		struct ftp_state st = *before;
		struct ftp_match m2;
		char part[128], *out;
		size_t want;
		int plen, rc;

		plen = expected_part(m, t, part, sizeof(part));
		out = malloc(n + 128);
		CHECK(out);
		rc = ftp_render(m, l, n, a, t->port, out, n + 128);
		if (plen < 0) {
			CHECK(rc == -1);
			free(out);
			continue;
		}
		want = n - m->len + (size_t)plen;
		CHECK(rc >= 0 && (size_t)rc == want);
		CHECK(!memcmp(out, l, m->start));
		CHECK(!memcmp(out + m->start, part, (size_t)plen));
		CHECK(!memcmp(out + m->start + plen, l + m->start + m->len,
			      n - m->start - m->len));
		free(out);

		/* exact-size output: fits; one byte short: refused */
		out = malloc(want ? want : 1);
		CHECK(out);
		CHECK(ftp_render(m, l, n, a, t->port, out, want) == rc);
		if (want)
			CHECK(ftp_render(m, l, n, a, t->port, out, want - 1) ==
			      -1);

		/* the output parses back to what was written */
		CHECK(ftp_inspect(&st, dir, out, want, &m2) == m2.kind);
		CHECK(st.ml_code == after->ml_code);
		if (text_len(out, want) > FTP_MAX_LINE) {
			CHECK(m2.kind == FTP_BAD &&
			      !strcmp(m2.why, "line too long"));
		} else {
			CHECK(m2.kind == m->kind);
			CHECK(m2.start == m->start && m2.len == (size_t)plen);
			CHECK(m2.port == t->port);
			CHECK(m2.delim == m->delim);
			if (m->kind != FTP_EPSV_REPLY)
				CHECK(m2.family == m->family &&
				      !memcmp(m2.addr, a,
					      m->family == AF_INET ? 4 : 16));
		}
		free(out);
	}
}

static void one_line(struct ftp_state *st, const char *data, size_t n)
{
	/* exact-size heap copy: one byte past the end is a detected read */
	char *l = malloc(n ? n : 1);

	CHECK(l);
	memcpy(l, data, n);
	for (int d = 0; d < 2; d++) {
		enum ftp_dir dir = d ? FTP_FROM_SERVER : FTP_FROM_CLIENT;
		struct ftp_state before = *st;
		struct ftp_match m;
		enum ftp_kind k;
		char out[64];

		k = ftp_inspect(st, dir, l, n, &m);
		check_match(&m, k, l, n);
		if (dir == FTP_FROM_CLIENT)
			CHECK(st->ml_code == before.ml_code);
		if (renderable(k))
			check_render(&before, st, dir, &m, l, n);
		else
			CHECK(ftp_render(&m, l, n, targets[0].v4, 21, out,
					 sizeof(out)) == -1);

		/* every prefix without '\n'; held whenever the line is
		 * something acted on
		 */
		for (size_t p = 1; p <= n && l[p - 1] != '\n'; p++) {
			int need = ftp_may_need(dir, l, p);

			CHECK(need == 0 || need == 1);
			CHECK(!need || p <= FTP_MAX_LINE);
			if (acted_on(k) && p <= FTP_MAX_LINE)
				CHECK(need);
		}
		CHECK(!ftp_may_need(dir, l, 0));
	}
	free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct ftp_state st = { 0 };
	struct ftp_match m;
	size_t p = 0;

	while (p < size) {
		const char *nl = memchr(s + p, '\n', size - p);
		size_t n = nl ? (size_t)(nl - (s + p)) + 1 : size - p;

		one_line(&st, s + p, n);
		p += n;
	}

	/* the whole input as one "line": only its first line counts, and a
	 * render keeps every byte after the range
	 */
	if (size) {
		struct ftp_state fresh = { 0 }, before = { 0 };
		char *l = malloc(size);
		enum ftp_kind k;

		CHECK(l);
		memcpy(l, data, size);
		k = ftp_inspect(&fresh, FTP_FROM_SERVER, l, size, &m);
		check_match(&m, k, l, size);
		if (renderable(k))
			check_render(&before, &fresh, FTP_FROM_SERVER, &m, l,
				     size);
		k = ftp_inspect(&fresh, FTP_FROM_CLIENT, l, size, &m);
		check_match(&m, k, l, size);
		if (renderable(k))
			check_render(&fresh, &fresh, FTP_FROM_CLIENT, &m, l,
				     size);
		free(l);
	}
	return 0;
}
