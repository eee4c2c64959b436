// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_tftp.c - the TFTP request checker of the datapath (bpf/lib/tftp.h,
 * compiled as C through tests/bpf_shim.h): which payloads are well-formed
 * read/write requests, with the opcode and field lengths it found.
 */
#include <stdlib.h>

#include "bpf_shim.h"
#include "../../bpf/lib/tftp.h"
#include "unit.h"

/* A string literal and its length (embedded NULs included); 3-digit octal
 * escapes never run on into the next character.
 */
#define LIT(s) (const __u8 *)s, sizeof(s) - 1

struct rq {
	const char *what;
	const __u8 *b;
	__u32 len;
	__u8 verdict;
	__u8 opcode; /* when OK */
	__u32 name_len, mode_len;
};

static const struct rq good[] = {
	{ "rrq octet", LIT("\000\001file.bin\000octet\000"), TFTP_REQ_OK, 1, 8,
	  5 },
	{ "wrq netascii", LIT("\000\002a\000netascii\000"), TFTP_REQ_OK, 2, 1,
	  8 },
	{ "rrq mail", LIT("\000\001a/b\000mail\000"), TFTP_REQ_OK, 1, 3, 4 },
	{ "mode in mixed case", LIT("\000\001f\000OcTeT\000"), TFTP_REQ_OK, 1,
	  1, 5 },
	{ "mode in upper case", LIT("\000\002f\000NETASCII\000"), TFTP_REQ_OK,
	  2, 1, 8 },
	{ "options after the mode (RFC 2347)",
	  LIT("\000\001f\000octet\000blksize\0001428\000tsize\0000\000"),
	  TFTP_REQ_OK, 1, 1, 5 },
	/* what follows the mode's NUL is never looked at */
	{ "junk after the mode", LIT("\000\001f\000octet\000\377\377"),
	  TFTP_REQ_OK, 1, 1, 5 },
	{ "filename with any non-NUL byte",
	  LIT("\000\001\377\001 ./..\000octet\000"), TFTP_REQ_OK, 1, 7, 5 },
};

static const struct rq bad[] = {
	{ "empty", LIT(""), TFTP_REQ_BAD },
	{ "one byte", LIT("\000"), TFTP_REQ_BAD },
	{ "opcode only", LIT("\000\001"), TFTP_REQ_BAD },
	{ "opcode 0", LIT("\000\000f\000octet\000"), TFTP_REQ_BAD },
	{ "opcode 3 (DATA)", LIT("\000\003f\000octet\000"), TFTP_REQ_BAD },
	{ "opcode 4 (ACK)", LIT("\000\004f\000octet\000"), TFTP_REQ_BAD },
	{ "opcode 5 (ERROR)", LIT("\000\005f\000octet\000"), TFTP_REQ_BAD },
	{ "opcode 6 (OACK)", LIT("\000\006f\000octet\000"), TFTP_REQ_BAD },
	{ "opcode 0x0101", LIT("\001\001f\000octet\000"), TFTP_REQ_BAD },
	{ "opcode 0x0201", LIT("\002\001f\000octet\000"), TFTP_REQ_BAD },
	{ "empty filename", LIT("\000\001\000octet\000"), TFTP_REQ_BAD },
	{ "filename without NUL", LIT("\000\001file.bin"), TFTP_REQ_BAD },
	{ "mode without NUL", LIT("\000\001f\000octet"), TFTP_REQ_BAD },
	{ "empty mode", LIT("\000\001f\000\000"), TFTP_REQ_BAD },
	{ "mode cut short", LIT("\000\001f\000octe\000"), TFTP_REQ_BAD },
	{ "mode one letter more", LIT("\000\001f\000octets\000"),
	  TFTP_REQ_BAD },
	{ "mode of 9 letters", LIT("\000\001f\000netasciii\000"),
	  TFTP_REQ_BAD },
	/* a 9-byte mode whose last 8 bytes are "netascii" */
	{ "mode longer than any", LIT("\000\001f\000xnetascii\000"),
	  TFTP_REQ_BAD },
	{ "unknown mode", LIT("\000\001f\000binary\000"), TFTP_REQ_BAD },
	/* only A-Z fold: 0xef is not 'o' | 0x80, '@' is not '`' */
	{ "high byte in the mode", LIT("\000\001f\000\357ctet\000"),
	  TFTP_REQ_BAD },
	{ "mode with a space", LIT("\000\001f\000octet \000"), TFTP_REQ_BAD },
};

static void check(const struct rq *r)
{
	struct tftp_req_scan s;
	__u8 v = tftp_req_check(r->b, r->len, &s);

	ASSERT_TRUE(v == r->verdict, "%s: verdict %u, want %u", r->what, v,
		    r->verdict);
	if (v != TFTP_REQ_OK)
		return;
	ASSERT_TRUE(s.opcode == r->opcode, "%s: opcode %u, want %u", r->what,
		    s.opcode, r->opcode);
	ASSERT_TRUE(s.name_len == r->name_len, "%s: name_len %u, want %u",
		    r->what, s.name_len, r->name_len);
	ASSERT_TRUE(s.mode_len == r->mode_len, "%s: mode_len %u, want %u",
		    r->what, s.mode_len, r->mode_len);
	/* it stopped at the mode's NUL */
	ASSERT_TRUE(s.pos == 2 + r->name_len + 1 + r->mode_len + 1,
		    "%s: consumed %u bytes", r->what, s.pos);
}

static void tftp_req_well_formed(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		check(&good[i]);
		if (unit_failed_now)
			return;
	}
}

static void tftp_req_malformed(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		check(&bad[i]);
		if (unit_failed_now)
			return;
	}
}

/* Every prefix of a good request is bad (cut short), the whole is good. */
static void tftp_req_every_prefix_is_truncated(void)
{
	static const char req[] = "\000\002dir/name.txt\000netascii\000";
	struct tftp_req_scan s;

	for (__u32 n = 0; n < sizeof(req) - 1; n++)
		ASSERT_TRUE(tftp_req_check((const __u8 *)req, n, &s) ==
				    TFTP_REQ_BAD,
			    "prefix of %u bytes accepted", n);
	ASSERT_EQ(tftp_req_check((const __u8 *)req, sizeof(req) - 1, &s),
		  TFTP_REQ_OK);
}

/* RFC 2347: a request fits in 512 bytes; the checker reads no further. */
static void tftp_req_512_byte_limit(void)
{
	__u8 buf[600];
	struct tftp_req_scan s;

	/* "\0\1" + 503-byte name + "\0octet\0" = 512 bytes */
	memset(buf, 'a', sizeof(buf));
	buf[0] = 0;
	buf[1] = 1;
	memcpy(buf + 505, "\000octet\000", 7);
	ASSERT_EQ(tftp_req_check(buf, 512, &s), TFTP_REQ_OK);
	ASSERT_EQ(s.name_len, 503);
	/* the same bytes in a longer datagram: still found in the first 512 */
	ASSERT_EQ(tftp_req_check(buf, sizeof(buf), &s), TFTP_REQ_OK);
	/* one more name byte: the mode's NUL would be byte 513 */
	memset(buf, 'a', sizeof(buf));
	buf[0] = 0;
	buf[1] = 1;
	memcpy(buf + 506, "\000octet\000", 7);
	ASSERT_EQ(tftp_req_check(buf, 513, &s), TFTP_REQ_BAD);
	ASSERT_EQ(tftp_req_check(buf, sizeof(buf), &s), TFTP_REQ_BAD);
	ASSERT_TRUE(s.pos <= 512, "read %u bytes", s.pos);
}

/* The step function: once decided, later bytes change nothing. */
static void tftp_req_verdict_is_final(void)
{
	struct tftp_req_scan s = { 0 };
	const char *req = "\000\003";

	ASSERT_EQ(tftp_req_step(&s, req[0]), TFTP_REQ_MORE);
	ASSERT_EQ(tftp_req_step(&s, req[1]), TFTP_REQ_BAD);
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(tftp_req_step(&s, (__u8)i), TFTP_REQ_BAD);
	memset(&s, 0, sizeof(s));
	for (const char *p = "\000\001f\000mail"; p < "\000\001f\000mail" + 8;)
		ASSERT_EQ(tftp_req_step(&s, *p++), TFTP_REQ_MORE);
	ASSERT_EQ(tftp_req_step(&s, 0), TFTP_REQ_OK);
	ASSERT_EQ(tftp_req_step(&s, 'x'), TFTP_REQ_OK);
	ASSERT_EQ(s.mode_len, 4);
}

/* Every single-byte change of a good request: bad unless it keeps the
 * shape (a name byte other than NUL, a mode letter's case).
 */
static void tftp_req_every_byte_flipped(void)
{
	static const char req[] = "\000\001ab\000octet\000";
	__u8 buf[sizeof(req) - 1];
	struct tftp_req_scan s;
	int ok = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		for (int v = 0; v < 256; v++) {
			__u8 want;

			memcpy(buf, req, sizeof(buf));
			buf[i] = (__u8)v;
			if (i == 0)
				want = v == 0;
			else if (i == 1)
				want = v == 1 || v == 2;
			else if (i == 2 || i == 3)
				want = v != 0;
			else if (i == 4)
				want = v == 0;
			else if (i >= 5 && i <= 9)
				want = v == req[i] || v == (req[i] & ~0x20);
			else
				want = v == 0;
			ASSERT_TRUE((tftp_req_check(buf, sizeof(buf), &s) ==
				     TFTP_REQ_OK) == want,
				    "byte %zu = 0x%02x: verdict %u", i, v,
				    s.verdict);
			ok += want;
		}
	/* original byte everywhere, plus upper case of 5 mode letters, plus
	 * 255 name bytes twice, plus WRQ
	 */
	ASSERT_EQ(ok, 11 + 5 + 2 * 254 + 1);
}

UNIT_CASES(tftp_cases, CASE(tftp_req_well_formed), CASE(tftp_req_malformed),
	   CASE(tftp_req_every_prefix_is_truncated),
	   CASE(tftp_req_512_byte_limit), CASE(tftp_req_verdict_is_final),
	   CASE(tftp_req_every_byte_flipped));
