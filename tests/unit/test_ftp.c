// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_ftp.c - FTP control-channel parser and rewriter (user/alg/ftp.c):
 * every accepted form with its exact range, rewrites byte for byte, and
 * hostile lines.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "alg/ftp.h"
#include "unit.h"

/* A string literal and its length (embedded NULs included). */
#define LIT(s) s, sizeof(s) - 1

static const uint8_t addr_192[16] = { 192, 0, 2, 1 };
static const uint8_t addr_1234[16] = { 1, 2, 3, 4 };

static enum ftp_kind cmd(const char *s, size_t n, struct ftp_match *m)
{
	struct ftp_state st = { 0 };

	return ftp_inspect(&st, FTP_FROM_CLIENT, s, n, m);
}

static enum ftp_kind rep(const char *s, size_t n, struct ftp_match *m)
{
	struct ftp_state st = { 0 };

	return ftp_inspect(&st, FTP_FROM_SERVER, s, n, m);
}

/* Reason of a client line that must be FTP_BAD ("" if it is not). */
static const char *cmd_why(const char *s)
{
	struct ftp_match m;

	if (cmd(s, strlen(s), &m) != FTP_BAD || !m.why)
		return "";
	return m.why;
}

static const char *rep_why(const char *s)
{
	struct ftp_match m;

	if (rep(s, strlen(s), &m) != FTP_BAD || !m.why)
		return "";
	return m.why;
}

static int v4_is(const struct ftp_match *m, uint8_t a, uint8_t b, uint8_t c,
		 uint8_t d)
{
	static const uint8_t zero[12];

	return m->family == AF_INET && m->addr[0] == a && m->addr[1] == b &&
	       m->addr[2] == c && m->addr[3] == d &&
	       !memcmp(m->addr + 4, zero, sizeof(zero));
}

/* ftp_render into a buffer; 1 when the output is exactly @want. */
static int renders(const struct ftp_match *m, const char *line, size_t len,
		   const uint8_t *addr, uint16_t port, const char *want,
		   size_t want_len)
{
	char out[256];
	int n = ftp_render(m, line, len, addr, port, out, sizeof(out));

	if (n != (int)want_len || memcmp(out, want, want_len)) {
		printf("    rendered %d: \"%.*s\"\n", n, n > 0 ? n : 0, out);
		return 0;
	}
	return 1;
}

/* PORT ------------------------------------------------------------------ */

static void ftp_port_basic(void)
{
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT("PORT 10,0,1,2,195,80\r\n"), &m), FTP_PORT);
	ASSERT_EQ(m.kind, FTP_PORT);
	ASSERT_EQ(m.start, 5);
	ASSERT_EQ(m.len, 15);
	ASSERT_TRUE(v4_is(&m, 10, 0, 1, 2), "addr");
	ASSERT_EQ(m.port, 195 * 256 + 80);
	ASSERT_TRUE(m.why == NULL, "why set on success");
}

static void ftp_port_case_insensitive(void)
{
	static const char *const lines[] = {
		"port 1,2,3,4,5,6\r\n",
		"Port 1,2,3,4,5,6\r\n",
		"pOrT 1,2,3,4,5,6\r\n",
		"PORT 1,2,3,4,5,6\n",
	};
	struct ftp_match m;

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		ASSERT_EQ(cmd(lines[i], strlen(lines[i]), &m), FTP_PORT);
		ASSERT_EQ(m.start, 5);
		ASSERT_EQ(m.len, 11);
		ASSERT_TRUE(v4_is(&m, 1, 2, 3, 4), "addr of %s", lines[i]);
		ASSERT_EQ(m.port, 5 * 256 + 6);
	}
}

static void ftp_port_leading_zeros(void)
{
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT("PORT 010,000,001,002,004,001\r\n"), &m), FTP_PORT);
	ASSERT_EQ(m.start, 5);
	ASSERT_EQ(m.len, 23);
	ASSERT_TRUE(v4_is(&m, 10, 0, 1, 2), "addr");
	ASSERT_EQ(m.port, 4 * 256 + 1);
	/* ten characters is the most a field may have */
	ASSERT_EQ(cmd(LIT("PORT 0000000010,0,0,1,0,0000000255\r\n"), &m),
		  FTP_PORT);
	ASSERT_TRUE(v4_is(&m, 10, 0, 0, 1), "addr");
	ASSERT_EQ(m.port, 255);
	ASSERT_EQ(m.len, 29);
}

static void ftp_port_spaces(void)
{
	struct ftp_match m;

	/* several spaces before, trailing spaces after: not in the range */
	ASSERT_EQ(cmd(LIT("PORT   1,2,3,4,5,6   \r\n"), &m), FTP_PORT);
	ASSERT_EQ(m.start, 7);
	ASSERT_EQ(m.len, 11);
	/* no terminator at all: the whole buffer is the text */
	ASSERT_EQ(cmd(LIT("PORT 1,2,3,4,5,6"), &m), FTP_PORT);
	ASSERT_EQ(m.len, 11);
}

static void ftp_port_overlong_numbers(void)
{
	ASSERT_STREQ(cmd_why("PORT 0000000000010,0,1,2,3,4\r\n"),
		     "number too long");
	ASSERT_STREQ(cmd_why("PORT 00000000010,0,1,2,3,4\r\n"),
		     "number too long");
	ASSERT_STREQ(cmd_why("PORT 999999999999,0,1,2,3,4\r\n"),
		     "number too long");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,99999999999999999999999\r\n"),
		     "number too long");
}

static void ftp_port_above_255(void)
{
	ASSERT_STREQ(cmd_why("PORT 256,0,1,2,3,4\r\n"), "number > 255");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,256\r\n"), "number > 255");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,999\r\n"), "number > 255");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,0000000256\r\n"), "number > 255");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,9999999999\r\n"), "number > 255");
}

static void ftp_port_missing_fields(void)
{
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("PORT 1,2,,4,5,6\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("PORT ,1,2,3,4,5,6\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("PORT 1\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("PORT\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("PORT    \r\n"), "missing field");
	ASSERT_STREQ(cmd_why("PORT 1 ,2,3,4,5,6\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("PORT 1.2.3.4,5,6\r\n"), "missing field");
}

static void ftp_port_extra_fields(void)
{
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,6,7\r\n"), "extra field");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,6,\r\n"), "extra field");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,6 7\r\n"), "trailing data");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,6x\r\n"), "trailing data");
	/* a second CR is not part of the terminator */
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,6\r\r\n"), "trailing data");
}

static void ftp_port_signs_and_spaces_inside(void)
{
	ASSERT_STREQ(cmd_why("PORT +1,2,3,4,5,6\r\n"), "bad number");
	ASSERT_STREQ(cmd_why("PORT -1,2,3,4,5,6\r\n"), "bad number");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,-6\r\n"), "bad number");
	ASSERT_STREQ(cmd_why("PORT 1, 2,3,4,5,6\r\n"), "bad number");
	ASSERT_STREQ(cmd_why("PORT 0x1,2,3,4,5,6\r\n"), "missing field");
}

static void ftp_port_not_a_port_command(void)
{
	static const char *const lines[] = {
		" PORT 1,2,3,4,5,6\r\n",
		"XPORT 1,2,3,4,5,6\r\n",
		"PORTS 1,2,3,4,5,6\r\n",
		"PORT\t1,2,3,4,5,6\r\n",
		"POR 1,2,3,4,5,6\r\n",
		"NOOP\r\n",
		"\r\n",
		"P",
	};
	struct ftp_match m;

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		ASSERT_EQ(cmd(lines[i], strlen(lines[i]), &m), FTP_OTHER);
		ASSERT_EQ(m.kind, FTP_OTHER);
	}
	ASSERT_EQ(cmd("", 0, &m), FTP_OTHER);
	ASSERT_EQ(cmd(NULL, 0, &m), FTP_OTHER);
}

static void ftp_direction_matters(void)
{
	struct ftp_match m;

	ASSERT_EQ(rep(LIT("PORT 1,2,3,4,5,6\r\n"), &m), FTP_OTHER);
	ASSERT_EQ(rep(LIT("EPRT |1|1.2.3.4|21|\r\n"), &m), FTP_OTHER);
	ASSERT_EQ(rep(LIT("AUTH TLS\r\n"), &m), FTP_OTHER);
	ASSERT_EQ(cmd(LIT("227 Entering Passive Mode (1,2,3,4,5,6)\r\n"), &m),
		  FTP_OTHER);
	ASSERT_EQ(
		cmd(LIT("229 Entering Extended Passive Mode (|||1|)\r\n"), &m),
		FTP_OTHER);
	ASSERT_EQ(cmd(LIT("234 AUTH TLS OK\r\n"), &m), FTP_OTHER);
	ASSERT_EQ(ftp_inspect(NULL, 7, LIT("PORT 1,2,3,4,5,6\r\n"), &m),
		  FTP_OTHER);
}

static void ftp_port_line_length(void)
{
	char line[FTP_MAX_LINE + 8];
	struct ftp_match m;

	/* text of exactly FTP_MAX_LINE bytes, then CRLF: accepted */
	memset(line, ' ', sizeof(line));
	memcpy(line, "PORT 1,2,3,4,5,6", 16);
	memcpy(line + FTP_MAX_LINE, "\r\n", 2);
	ASSERT_EQ(cmd(line, FTP_MAX_LINE + 2, &m), FTP_PORT);
	ASSERT_EQ(m.len, 11);
	/* one byte more */
	memcpy(line + FTP_MAX_LINE, " \r\n", 3);
	ASSERT_EQ(cmd(line, FTP_MAX_LINE + 3, &m), FTP_BAD);
	ASSERT_STREQ(m.why, "line too long");
}

static void ftp_port_non_ascii(void)
{
	struct ftp_match m;

	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,\xff\r\n"), "bad number");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,\xc3\xa4,5,6\r\n"), "bad number");
	ASSERT_STREQ(cmd_why("PORT 1,2,3,4,5,6\x80\r\n"), "trailing data");
	/* high-bit bytes do not case-fold into letters */
	ASSERT_EQ(cmd(LIT("\xd0ORT 1,2,3,4,5,6\r\n"), &m), FTP_OTHER);
	ASSERT_EQ(cmd(LIT("\xf0\xd2\xcf\xd4 1,2,3,4,5,6\r\n"), &m), FTP_OTHER);
	ASSERT_EQ(cmd(LIT("\xff\xfe\xfd\xfc\r\n"), &m), FTP_OTHER);
}

static void ftp_port_embedded_nul(void)
{
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT("PORT 1,2,3\0,4,5,6\r\n"), &m), FTP_BAD);
	ASSERT_STREQ(m.why, "missing field");
	ASSERT_EQ(cmd(LIT("PORT 1,2,3,4,5,6\0\r\n"), &m), FTP_BAD);
	ASSERT_STREQ(m.why, "trailing data");
	ASSERT_EQ(cmd(LIT("\0PORT 1,2,3,4,5,6\r\n"), &m), FTP_OTHER);
	ASSERT_EQ(cmd(LIT("PORT\0001,2,3,4,5,6\r\n"), &m), FTP_OTHER);
	/* NUL after the terminator is another line's business */
	ASSERT_EQ(cmd(LIT("PORT 1,2,3,4,5,6\r\n\0\0"), &m), FTP_PORT);
	ASSERT_EQ(m.len, 11);
}

static void ftp_only_first_line_is_parsed(void)
{
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT("PORT 1,2,3,4,5,6\r\nPORT 9,9,9,9,9,9\r\n"), &m),
		  FTP_PORT);
	ASSERT_TRUE(v4_is(&m, 1, 2, 3, 4), "addr");
	ASSERT_EQ(m.start, 5);
	ASSERT_EQ(m.len, 11);
	ASSERT_EQ(cmd(LIT("NOOP\r\nPORT 1,2,3,4,5,6\r\n"), &m), FTP_OTHER);
}

/* EPRT ------------------------------------------------------------------ */

static void ftp_eprt_v4(void)
{
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT("EPRT |1|132.235.1.2|6275|\r\n"), &m), FTP_EPRT);
	ASSERT_EQ(m.start, 5);
	ASSERT_EQ(m.len, 20);
	ASSERT_EQ(m.delim, '|');
	ASSERT_TRUE(v4_is(&m, 132, 235, 1, 2), "addr");
	ASSERT_EQ(m.port, 6275);
	ASSERT_TRUE(m.why == NULL, "why set");

	ASSERT_EQ(cmd(LIT("eprt   !1!0.0.0.0!00021!  \n"), &m), FTP_EPRT);
	ASSERT_EQ(m.start, 7);
	ASSERT_EQ(m.len, 17);
	ASSERT_EQ(m.delim, '!');
	ASSERT_TRUE(v4_is(&m, 0, 0, 0, 0), "addr");
	ASSERT_EQ(m.port, 21);

	ASSERT_EQ(cmd(LIT("Eprt ~1~255.255.255.255~65535~\r\n"), &m), FTP_EPRT);
	ASSERT_EQ(m.delim, '~');
	ASSERT_TRUE(v4_is(&m, 255, 255, 255, 255), "addr");
	ASSERT_EQ(m.port, 65535);
}

static void ftp_eprt_v6(void)
{
	struct ftp_match m;
	uint8_t want[16];

	ASSERT_EQ(cmd(LIT("EPRT |2|1080::8:800:200C:417A|5282|\r\n"), &m),
		  FTP_EPRT);
	ASSERT_EQ(inet_pton(AF_INET6, "1080::8:800:200C:417A", want), 1);
	ASSERT_EQ(m.family, AF_INET6);
	ASSERT_TRUE(!memcmp(m.addr, want, 16), "addr");
	ASSERT_EQ(m.port, 5282);
	ASSERT_EQ(m.start, 5);
	ASSERT_EQ(m.len, 30);
	ASSERT_EQ(m.delim, '|');

	ASSERT_EQ(cmd(LIT("EPRT |2|::ffff:192.0.2.1|1|\r\n"), &m), FTP_EPRT);
	ASSERT_EQ(inet_pton(AF_INET6, "::ffff:192.0.2.1", want), 1);
	ASSERT_TRUE(!memcmp(m.addr, want, 16), "addr");
	ASSERT_EQ(m.port, 1);
}

static void ftp_eprt_bad_protocol(void)
{
	ASSERT_STREQ(cmd_why("EPRT |3|1.2.3.4|21|\r\n"), "bad protocol");
	ASSERT_STREQ(cmd_why("EPRT |0|1.2.3.4|21|\r\n"), "bad protocol");
	ASSERT_STREQ(cmd_why("EPRT |01|1.2.3.4|21|\r\n"), "bad protocol");
	ASSERT_STREQ(cmd_why("EPRT |12|1.2.3.4|21|\r\n"), "bad protocol");
	ASSERT_STREQ(cmd_why("EPRT |x|1.2.3.4|21|\r\n"), "bad protocol");
	ASSERT_STREQ(cmd_why("EPRT ||1.2.3.4|21|\r\n"), "missing field");
}

static void ftp_eprt_bad_ipv4(void)
{
	static const char *const lines[] = {
		"EPRT |1|1.2.3|21|\r\n",     "EPRT |1|1.2.3.4.5|21|\r\n",
		"EPRT |1|256.1.1.1|21|\r\n", "EPRT |1|01.2.3.4|21|\r\n",
		"EPRT |1|1.2.3.4 |21|\r\n",  "EPRT |1|a.b.c.d|21|\r\n",
		"EPRT |1|1..2.3|21|\r\n",    "EPRT |1|1.2.3.1000|21|\r\n",
		"EPRT |1|::1|21|\r\n",	     "EPRT |1|1.2.3.4.|21|\r\n",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		ASSERT_STREQ(cmd_why(lines[i]), "bad address");
	ASSERT_STREQ(cmd_why("EPRT |1||21|\r\n"), "missing field");
}

static void ftp_eprt_bad_ipv6(void)
{
	static const char *const lines[] = {
		"EPRT |2|1::2::3|21|\r\n",
		"EPRT |2|12345::|21|\r\n",
		"EPRT |2|1.2.3.4|21|\r\n",
		"EPRT |2|:|21|\r\n",
		"EPRT |2|fe80::1%eth0|21|\r\n",
		"EPRT |2| ::1|21|\r\n",
		"EPRT |2|0000:0000:0000:0000:0000:0000:0000:0000:0|21|\r\n",
		"EPRT "
		"|2|00000000000000000000000000000000000000000000000::1|21|\r\n",
	};
	struct ftp_match m;

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		ASSERT_STREQ(cmd_why(lines[i]), "bad address");
	/* a NUL inside must not cut the address short for inet_pton */
	ASSERT_EQ(cmd(LIT("EPRT |2|::1\0junk|21|\r\n"), &m), FTP_BAD);
	ASSERT_STREQ(m.why, "bad address");
	ASSERT_EQ(cmd(LIT("EPRT |2|::1\xff|21|\r\n"), &m), FTP_BAD);
	ASSERT_STREQ(m.why, "bad address");
}

static void ftp_eprt_port_range(void)
{
	struct ftp_match m;

	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4|0|\r\n"), "port out of range");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4|00000|\r\n"),
		     "port out of range");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4|65536|\r\n"),
		     "port out of range");
	ASSERT_STREQ(cmd_why("EPRT |2|::1|99999999999999|\r\n"),
		     "port out of range");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4||\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4|2a|\r\n"), "bad number");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4|+21|\r\n"), "bad number");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4| 21|\r\n"), "bad number");
	ASSERT_EQ(cmd(LIT("EPRT |1|1.2.3.4|0000065535|\r\n"), &m), FTP_EPRT);
	ASSERT_EQ(m.port, 65535);
}

static void ftp_eprt_bad_delimiter_and_shape(void)
{
	ASSERT_STREQ(cmd_why("EPRT 11112.3.4.515151\r\n"), "bad delimiter");
	ASSERT_STREQ(cmd_why("EPRT \x7f"
			     "1\x7f"
			     "1.2.3.4\x7f"
			     "21\x7f\r\n"),
		     "bad delimiter");
	ASSERT_STREQ(cmd_why("EPRT \xa6"
			     "1\xa6"
			     "1.2.3.4\xa6"
			     "21\xa6\r\n"),
		     "bad delimiter");
	ASSERT_STREQ(cmd_why("EPRT \t1\t1.2.3.4\t21\t\r\n"), "bad delimiter");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4|21\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("EPRT |1\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("EPRT\r\n"), "missing field");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4|21|x\r\n"), "trailing data");
	ASSERT_STREQ(cmd_why("EPRT |1|1.2.3.4|21|21|\r\n"), "trailing data");
	/* '.' as the delimiter can never frame an IPv4 address */
	ASSERT_STREQ(cmd_why("EPRT .1.1.2.3.4.21.\r\n"), "bad address");
}

static void ftp_eprt_line_too_long(void)
{
	char line[FTP_MAX_LINE + 64];
	struct ftp_match m;

	memset(line, ' ', sizeof(line));
	memcpy(line, "EPRT |1|1.2.3.4|21|", 19);
	memcpy(line + sizeof(line) - 2, "\r\n", 2);
	ASSERT_EQ(cmd(line, sizeof(line), &m), FTP_BAD);
	ASSERT_STREQ(m.why, "line too long");
}

/* AUTH ------------------------------------------------------------------ */

static void ftp_auth(void)
{
	static const char *const yes[] = { "AUTH TLS\r\n", "auth ssl\n",
					   "AUTH TLS-C\r\n", "Auth   x  \r\n",
					   "AUTH \xff\r\n" };
	static const char *const no[] = { "AUTH\r\n", "AUTH    \r\n",
					  "AUTHTLS\r\n", " AUTH TLS\r\n",
					  "AUTH\tTLS\r\n" };
	struct ftp_match m;

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		ASSERT_EQ(cmd(yes[i], strlen(yes[i]), &m), FTP_AUTH);
		ASSERT_TRUE(m.why == NULL, "why");
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		ASSERT_EQ(cmd(no[i], strlen(no[i]), &m), FTP_OTHER);
}

/* 227 ------------------------------------------------------------------- */

static void ftp_pasv_parentheses(void)
{
	struct ftp_match m;

	ASSERT_EQ(rep(LIT("227 Entering Passive Mode (10,0,1,2,195,80).\r\n"),
		      &m),
		  FTP_PASV_REPLY);
	ASSERT_EQ(m.start, 27);
	ASSERT_EQ(m.len, 15);
	ASSERT_TRUE(v4_is(&m, 10, 0, 1, 2), "addr");
	ASSERT_EQ(m.port, 195 * 256 + 80);
	ASSERT_TRUE(m.why == NULL, "why");
}

static void ftp_pasv_without_parentheses(void)
{
	struct ftp_match m;

	ASSERT_EQ(rep(LIT("227 =10,0,1,2,195,80\r\n"), &m), FTP_PASV_REPLY);
	ASSERT_EQ(m.start, 5);
	ASSERT_EQ(m.len, 15);
	ASSERT_TRUE(v4_is(&m, 10, 0, 1, 2), "addr");
	ASSERT_EQ(m.port, 50000);

	ASSERT_EQ(rep(LIT("227 Entering Passive Mode 10,0,1,2,195,80\n"), &m),
		  FTP_PASV_REPLY);
	ASSERT_EQ(m.start, 26);
	ASSERT_EQ(m.len, 15);

	ASSERT_EQ(rep(LIT("227 10,0,1,2,195,80\r\n"), &m), FTP_PASV_REPLY);
	ASSERT_EQ(m.start, 4);
}

static void ftp_pasv_leading_zeros(void)
{
	struct ftp_match m;

	ASSERT_EQ(rep(LIT("227 Entering Passive Mode (010,000,001,002,004,"
			  "001)\r\n"),
		      &m),
		  FTP_PASV_REPLY);
	ASSERT_EQ(m.start, 27);
	ASSERT_EQ(m.len, 23);
	ASSERT_TRUE(v4_is(&m, 10, 0, 1, 2), "addr");
	ASSERT_EQ(m.port, 1025);
}

static void ftp_pasv_first_matching_run(void)
{
	struct ftp_match m;

	/* "2" is a run of digits, but not followed by the pattern */
	ASSERT_EQ(rep(LIT("227 Mode 2 (10,0,1,2,195,80)\r\n"), &m),
		  FTP_PASV_REPLY);
	ASSERT_EQ(m.start, 12);
	ASSERT_TRUE(v4_is(&m, 10, 0, 1, 2), "addr");
	/* the first of two complete sets */
	ASSERT_EQ(rep(LIT("227 (1,2,3,4,5,6) (7,8,9,10,11,12)\r\n"), &m),
		  FTP_PASV_REPLY);
	ASSERT_EQ(m.start, 5);
	ASSERT_TRUE(v4_is(&m, 1, 2, 3, 4), "addr");
	/* a seventh number: not read as "2,3,4,5,6,7" */
	ASSERT_STREQ(rep_why("227 1,2,3,4,5,6,7\r\n"), "extra field");
	/* nor the tail of an overlong run */
	ASSERT_STREQ(rep_why("227 (0000000000010,0,1,2,3,4)\r\n"),
		     "number too long");
	/* the code's own digits do not count */
	ASSERT_STREQ(rep_why("227 \r\n"), "no numbers");
}

static void ftp_pasv_bad(void)
{
	ASSERT_STREQ(rep_why("227 Entering Passive Mode\r\n"), "no numbers");
	ASSERT_STREQ(rep_why("227 Entering Passive Mode (10,0,1,2,195)\r\n"),
		     "missing field");
	ASSERT_STREQ(rep_why("227 Entering Passive Mode (10,0,1,256,1,1)\r\n"),
		     "number > 255");
	ASSERT_STREQ(
		rep_why("227 Entering Passive Mode (10,0,1,2,195,800)\r\n"),
		"number > 255");
	ASSERT_STREQ(rep_why("227 Mode 2 (10,0,1,2,195,800)\r\n"),
		     "number > 255");
	ASSERT_STREQ(rep_why("227 (999999999999,0,1,2,3,4)\r\n"),
		     "number too long");
	ASSERT_STREQ(rep_why("227 (10,0,1,2,195,80,1)\r\n"), "extra field");
	ASSERT_STREQ(rep_why("227 (10,0,1,2,,80)\r\n"), "missing field");
	ASSERT_STREQ(rep_why("227 (10, 0, 1, 2, 195, 80)\r\n"), "bad number");
	ASSERT_STREQ(rep_why("227 \xff\x00\x80\r\n"), "no numbers");
}

static void ftp_pasv_line_too_long(void)
{
	static char line[100 * 1024];
	struct ftp_match m;

	memset(line, 'x', sizeof(line));
	memcpy(line, "227 (1,2,3,4,5,6)", 17);
	memcpy(line + sizeof(line) - 2, "\r\n", 2);
	ASSERT_EQ(rep(line, sizeof(line), &m), FTP_BAD);
	ASSERT_STREQ(m.why, "line too long");
}

/* 229 ------------------------------------------------------------------- */

static void ftp_epsv(void)
{
	struct ftp_match m;

	ASSERT_EQ(rep(LIT("229 Entering Extended Passive Mode (|||6446|)\r\n"),
		      &m),
		  FTP_EPSV_REPLY);
	ASSERT_EQ(m.start, 39);
	ASSERT_EQ(m.len, 4);
	ASSERT_EQ(m.port, 6446);
	ASSERT_EQ(m.delim, '|');
	ASSERT_TRUE(m.why == NULL, "why");

	ASSERT_EQ(rep(LIT("229 (!!!00021!)\n"), &m), FTP_EPSV_REPLY);
	ASSERT_EQ(m.start, 8);
	ASSERT_EQ(m.len, 5);
	ASSERT_EQ(m.port, 21);
	ASSERT_EQ(m.delim, '!');

	/* the first '(' that starts the pattern */
	ASSERT_EQ(rep(LIT("229 Entering (extended) mode (|||65535|).\r\n"), &m),
		  FTP_EPSV_REPLY);
	ASSERT_EQ(m.start, 33);
	ASSERT_EQ(m.port, 65535);
}

static void ftp_epsv_bad(void)
{
	ASSERT_STREQ(rep_why("229 Entering Extended Passive Mode\r\n"),
		     "missing '('");
	ASSERT_STREQ(
		rep_why("229 Entering Extended Passive Mode (|||6446|\r\n"),
		"missing ')'");
	ASSERT_STREQ(rep_why("229 (|||6446|]\r\n"), "missing ')'");
	ASSERT_STREQ(rep_why("229 (|||6446)\r\n"), "bad delimiter");
	ASSERT_STREQ(rep_why("229 (||6446|)\r\n"), "bad delimiter");
	ASSERT_STREQ(rep_why("229 (|!|6446|)\r\n"), "bad delimiter");
	ASSERT_STREQ(rep_why("229 (|||6446!)\r\n"), "bad delimiter");
	ASSERT_STREQ(rep_why("229 (1116446|)\r\n"), "bad delimiter");
	ASSERT_STREQ(rep_why("229 (   6446 )\r\n"), "bad delimiter");
	ASSERT_STREQ(rep_why("229 (|||0|)\r\n"), "port out of range");
	ASSERT_STREQ(rep_why("229 (|||65536|)\r\n"), "port out of range");
	ASSERT_STREQ(rep_why("229 (|||000000000021|)\r\n"),
		     "port out of range");
	ASSERT_STREQ(rep_why("229 (||||)\r\n"), "missing field");
	ASSERT_STREQ(rep_why("229 (|||\r\n"), "missing field");
	ASSERT_STREQ(rep_why("229 (\r\n"), "bad delimiter");
	/* the candidate that got furthest gives the reason */
	ASSERT_STREQ(rep_why("229 (x) (|||0|)\r\n"), "port out of range");
}

/* 234 and reply shapes -------------------------------------------------- */

static void ftp_auth_ok(void)
{
	struct ftp_match m;

	ASSERT_EQ(rep(LIT("234 AUTH TLS successful\r\n"), &m), FTP_AUTH_OK);
	ASSERT_TRUE(m.why == NULL, "why");
	ASSERT_EQ(rep(LIT("234 \n"), &m), FTP_AUTH_OK);
	ASSERT_EQ(rep(LIT("234-Using TLS\r\n"), &m), FTP_AUTH_OK);
	ASSERT_EQ(rep(LIT("235 x\r\n"), &m), FTP_OTHER);
	ASSERT_EQ(rep(LIT("2345 x\r\n"), &m), FTP_OTHER);
}

static void ftp_reply_shapes(void)
{
	static const char *const lines[] = {
		"22 x\r\n",
		"2270 (1,2,3,4,5,6)\r\n",
		"227\r\n",
		"227",
		"227(1,2,3,4,5,6)\r\n",
		" 227 (1,2,3,4,5,6)\r\n",
		"abc (1,2,3,4,5,6)\r\n",
		"\xff\xff\xff (1,2,3,4,5,6)\r\n",
		"220 Welcome (1,2,3,4,5,6)\r\n",
		"200 PORT command successful\r\n",
	};
	struct ftp_match m;

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		ASSERT_EQ(rep(lines[i], strlen(lines[i]), &m), FTP_OTHER);
	ASSERT_EQ(rep(LIT("227 \0(1,2,3,4,5,6)\r\n"), &m), FTP_PASV_REPLY);
	ASSERT_EQ(m.start, 6);
}

/* Multi-line replies ----------------------------------------------------- */

static void ftp_multiline_inner_lines_are_text(void)
{
	static const char *const inner[] = {
		"227 Entering Passive Mode (1,2,3,4,5,6)\r\n",
		"229 Entering Extended Passive Mode (|||21|)\r\n",
		"234 AUTH TLS OK\r\n",
		"227 Entering Passive Mode (1,2,3,4,5,6,7)\r\n",
		" EPRT\r\n",
		"211-still inside\r\n",
		"212 other code\r\n",
	};
	struct ftp_state st = { 0 };
	struct ftp_match m;
	const char *l;

	l = "211-Features:\r\n";
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, l, strlen(l), &m),
		  FTP_OTHER);
	ASSERT_EQ(st.ml_code, 211);
	for (size_t i = 0; i < sizeof(inner) / sizeof(*inner); i++) {
		l = inner[i];
		ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, l, strlen(l), &m),
			  FTP_OTHER);
		ASSERT_EQ(st.ml_code, 211);
	}
	/* the end line is text too */
	l = "211 End\r\n";
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, l, strlen(l), &m),
		  FTP_OTHER);
	ASSERT_EQ(st.ml_code, 0);
	l = "227 Entering Passive Mode (1,2,3,4,5,6)\r\n";
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, l, strlen(l), &m),
		  FTP_PASV_REPLY);
	ASSERT_EQ(st.ml_code, 0);
}

static void ftp_multiline_first_line_is_classified(void)
{
	struct ftp_state st = { 0 };
	struct ftp_match m;

	ASSERT_EQ(
		ftp_inspect(&st, FTP_FROM_SERVER,
			    LIT("227-Entering Passive Mode (1,2,3,4,5,6)\r\n"),
			    &m),
		FTP_PASV_REPLY);
	ASSERT_EQ(st.ml_code, 227);
	ASSERT_EQ(m.start, 27);
	ASSERT_EQ(
		ftp_inspect(&st, FTP_FROM_SERVER,
			    LIT("227-Entering Passive Mode (1,2,3,4,5,6)\r\n"),
			    &m),
		FTP_OTHER);
	ASSERT_EQ(
		ftp_inspect(&st, FTP_FROM_SERVER,
			    LIT("227 Entering Passive Mode (1,2,3,4,5,6)\r\n"),
			    &m),
		FTP_OTHER);
	ASSERT_EQ(st.ml_code, 0);
	/* a BAD first line opens a multi-line reply all the same */
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, LIT("229-(|||0|)\r\n"), &m),
		  FTP_BAD);
	ASSERT_EQ(st.ml_code, 229);
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, LIT("229 (|||1|)\r\n"), &m),
		  FTP_OTHER);
	ASSERT_EQ(st.ml_code, 0);
}

static void ftp_multiline_end_needs_same_code_and_space(void)
{
	struct ftp_state st = { 0 };
	struct ftp_match m;

	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, LIT("230-Welcome\r\n"), &m),
		  FTP_OTHER);
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, LIT("231 no\r\n"), &m),
		  FTP_OTHER);
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, LIT("230\r\n"), &m),
		  FTP_OTHER);
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, LIT(" 230 x\r\n"), &m),
		  FTP_OTHER);
	ASSERT_EQ(st.ml_code, 230);
	/* client lines do not touch the reply state */
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_CLIENT, LIT("PORT 1,2,3,4,5,6\r\n"),
			      &m),
		  FTP_PORT);
	ASSERT_EQ(st.ml_code, 230);
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, LIT("230 ok\n"), &m),
		  FTP_OTHER);
	ASSERT_EQ(st.ml_code, 0);
	ASSERT_EQ(ftp_inspect(&st, FTP_FROM_SERVER, LIT("234 go\n"), &m),
		  FTP_AUTH_OK);
}

/* Hostile input ---------------------------------------------------------- */

static void ftp_hostile_100k_lines(void)
{
	static const char *const heads[] = { "PORT ", "EPRT |1|", "227 (",
					     "229 (|||" };
	static const enum ftp_dir dirs[] = { FTP_FROM_CLIENT, FTP_FROM_CLIENT,
					     FTP_FROM_SERVER, FTP_FROM_SERVER };
	const size_t n = 100 * 1024;
	struct ftp_state st = { 0 };
	struct ftp_match m;
	char *line = malloc(n);
	size_t i;

	ASSERT_TRUE(line != NULL, "malloc");
	for (i = 0; i < 4; i++) {
		/* "1,1,1,..." after each head, with and without terminator */
		for (size_t k = 0; k < n; k++)
			line[k] = k % 2 ? ',' : '1';
		memcpy(line, heads[i], strlen(heads[i]));
		line[n - 1] = '\n';
		if (ftp_inspect(&st, dirs[i], line, n, &m) != FTP_BAD ||
		    strcmp(m.why, "line too long"))
			break;
		line[n - 1] = '1';
		if (ftp_inspect(&st, dirs[i], line, n, &m) != FTP_BAD ||
		    strcmp(m.why, "line too long"))
			break;
		if (ftp_may_need(dirs[i], line, n))
			break;
	}
	/* a 100 KB multi-line reply opener, then its end */
	memset(line, 'y', n);
	memcpy(line, "211-", 4);
	line[n - 1] = '\n';
	ftp_inspect(&st, FTP_FROM_SERVER, line, n, &m);
	free(line);
	ASSERT_TRUE(i == 4, "100 KB line after \"%s\"", heads[i]);
	ASSERT_EQ(st.ml_code, 211);
	ASSERT_EQ(m.kind, FTP_OTHER);
}

static void ftp_hostile_every_byte(void)
{
	char line[24] = "PORT 1,2,3,4,5,6\r\n";
	struct ftp_state st = { 0 };
	struct ftp_match m;

	/* each byte value in each position: only a handful may stay PORT */
	for (size_t pos = 0; pos < 18; pos++)
		for (int c = 0; c < 256; c++) {
			enum ftp_kind k;

			memcpy(line, "PORT 1,2,3,4,5,6\r\n", 18);
			line[pos] = (char)c;
			k = ftp_inspect(&st, FTP_FROM_CLIENT, line, 18, &m);
			ASSERT_TRUE(k == FTP_PORT || k == FTP_BAD ||
					    k == FTP_OTHER,
				    "kind %d", k);
			ASSERT_TRUE((k == FTP_BAD) == (m.why != NULL), "why");
			if (k == FTP_PORT)
				ASSERT_TRUE(m.start + m.len <= 18, "range");
			k = ftp_inspect(&st, FTP_FROM_SERVER, line, 18, &m);
			ASSERT_TRUE(k == FTP_OTHER, "server kind %d", k);
		}
}

/* ftp_render ------------------------------------------------------------- */

static void ftp_render_port_grows(void)
{
	static const char line[] = "PORT 10,0,1,2,195,80\r\n";
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT(line), &m), FTP_PORT);
	ASSERT_TRUE(renders(&m, LIT(line), addr_192, 65535,
			    LIT("PORT 192,0,2,1,255,255\r\n")),
		    "render");
}

static void ftp_render_port_shrinks(void)
{
	static const char line[] = "port   010,000,001,002,004,001  \r\n";
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT(line), &m), FTP_PORT);
	ASSERT_TRUE(renders(&m, LIT(line), addr_1234, 1025,
			    LIT("port   1,2,3,4,4,1  \r\n")),
		    "render");
	ASSERT_TRUE(renders(&m, LIT(line), addr_1234, 0,
			    LIT("port   1,2,3,4,0,0  \r\n")),
		    "render port 0");
}

static void ftp_render_keeps_bytes_after_terminator(void)
{
	static const char line[] = "PORT 1,2,3,4,5,6\r\nNOOP\r\n\0\xff";
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT(line), &m), FTP_PORT);
	ASSERT_TRUE(renders(&m, LIT(line), addr_192, 50000,
			    LIT("PORT 192,0,2,1,195,80\r\nNOOP\r\n\0\xff")),
		    "render");
}

static void ftp_render_pasv(void)
{
	static const char grow[] =
		"227 Entering Passive Mode (10,0,1,2,195,80).\r\n";
	static const char shrink[] = "227 =010,000,001,002,004,001 ok\n";
	struct ftp_match m;

	ASSERT_EQ(rep(LIT(grow), &m), FTP_PASV_REPLY);
	ASSERT_TRUE(renders(&m, LIT(grow), addr_192, 65535,
			    LIT("227 Entering Passive Mode "
				"(192,0,2,1,255,255).\r\n")),
		    "grow");
	ASSERT_EQ(rep(LIT(shrink), &m), FTP_PASV_REPLY);
	ASSERT_TRUE(renders(&m, LIT(shrink), addr_1234, 1025,
			    LIT("227 =1,2,3,4,4,1 ok\n")),
		    "shrink");
}

static void ftp_render_eprt(void)
{
	static const char v4[] = "EPRT |1|10.0.0.1|21|\r\n";
	static const char v6[] = "EPRT !2!::1!21!  \r\n";
	uint8_t a6[16];
	struct ftp_match m;

	ASSERT_EQ(cmd(LIT(v4), &m), FTP_EPRT);
	ASSERT_TRUE(renders(&m, LIT(v4), addr_192, 50000,
			    LIT("EPRT |1|192.0.2.1|50000|\r\n")),
		    "v4 grow");
	ASSERT_TRUE(renders(&m, LIT(v4), addr_1234, 1,
			    LIT("EPRT |1|1.2.3.4|1|\r\n")),
		    "v4 shrink");
	ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::1", a6), 1);
	ASSERT_EQ(cmd(LIT(v6), &m), FTP_EPRT);
	ASSERT_TRUE(renders(&m, LIT(v6), a6, 65535,
			    LIT("EPRT !2!2001:db8::1!65535!  \r\n")),
		    "v6");
}

static void ftp_render_eprt_delimiter_in_address(void)
{
	static const char dot[] = "EPRT .2.::1.21.\r\n";
	static const char dee[] = "EPRT d2d::1d21d\r\n";
	uint8_t a6[16], mapped[16];
	struct ftp_match m;
	char out[128];

	ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::1", a6), 1);
	ASSERT_EQ(inet_pton(AF_INET6, "::ffff:1.2.3.4", mapped), 1);
	ASSERT_EQ(cmd(LIT(dot), &m), FTP_EPRT);
	ASSERT_EQ(m.delim, '.');
	ASSERT_TRUE(renders(&m, LIT(dot), a6, 20,
			    LIT("EPRT .2.2001:db8::1.20.\r\n")),
		    "dot, no dot in the address");
	ASSERT_EQ(ftp_render(&m, LIT(dot), mapped, 20, out, sizeof(out)), -1);
	ASSERT_EQ(cmd(LIT(dee), &m), FTP_EPRT);
	ASSERT_EQ(ftp_render(&m, LIT(dee), a6, 20, out, sizeof(out)), -1);
}

static void ftp_render_epsv(void)
{
	static const char line[] =
		"229 Entering Extended Passive Mode (|||6446|)\r\n";
	struct ftp_match m;

	ASSERT_EQ(rep(LIT(line), &m), FTP_EPSV_REPLY);
	ASSERT_TRUE(renders(&m, LIT(line), addr_192, 21,
			    LIT("229 Entering Extended Passive Mode "
				"(|||21|)\r\n")),
		    "shrink");
	ASSERT_TRUE(renders(&m, LIT(line), addr_192, 65535,
			    LIT("229 Entering Extended Passive Mode "
				"(|||65535|)\r\n")),
		    "grow");
}

static void ftp_render_capacity(void)
{
	static const char line[] = "PORT 10,0,1,2,195,80\r\n";
	static const char want[] = "PORT 192,0,2,1,255,255\r\n";
	struct ftp_match m;
	char out[64];

	ASSERT_EQ(cmd(LIT(line), &m), FTP_PORT);
	memset(out, '#', sizeof(out));
	ASSERT_EQ(ftp_render(&m, LIT(line), addr_192, 65535, out,
			     sizeof(want) - 1),
		  (int)sizeof(want) - 1);
	ASSERT_TRUE(!memcmp(out, want, sizeof(want) - 1), "exact cap");
	ASSERT_EQ(out[sizeof(want) - 1], '#');
	ASSERT_EQ(ftp_render(&m, LIT(line), addr_192, 65535, out,
			     sizeof(want) - 2),
		  -1);
	ASSERT_EQ(ftp_render(&m, LIT(line), addr_192, 65535, out, 0), -1);
}

static void ftp_render_refuses_other_kinds(void)
{
	static const char *const cmds[] = { "AUTH TLS\r\n", "NOOP\r\n",
					    "PORT 1,2,3\r\n" };
	static const char *const reps[] = { "234 ok\r\n", "220 hi\r\n",
					    "227 nothing\r\n" };
	struct ftp_match m;
	char out[64];

	for (size_t i = 0; i < 3; i++) {
		ASSERT_TRUE(cmd(cmds[i], strlen(cmds[i]), &m) != FTP_PORT, "%s",
			    cmds[i]);
		ASSERT_EQ(ftp_render(&m, cmds[i], strlen(cmds[i]), addr_192, 21,
				     out, sizeof(out)),
			  -1);
		ASSERT_TRUE(rep(reps[i], strlen(reps[i]), &m) != FTP_PASV_REPLY,
			    "%s", reps[i]);
		ASSERT_EQ(ftp_render(&m, reps[i], strlen(reps[i]), addr_192, 21,
				     out, sizeof(out)),
			  -1);
	}
	/* a range that does not fit the line */
	ASSERT_EQ(cmd(LIT("PORT 1,2,3,4,5,6\r\n"), &m), FTP_PORT);
	ASSERT_EQ(ftp_render(&m, "PORT 1,2", 8, addr_192, 21, out, sizeof(out)),
		  -1);
}

static void ftp_render_parses_back(void)
{
	static const char *const lines[] = {
		"PORT 010,000,001,002,004,001\r\n",
		"227 Entering Passive Mode (10,0,1,2,195,80).\r\n",
		"EPRT |1|10.0.0.1|21|\r\n",
		"229 Entering Extended Passive Mode (|||6446|)\r\n",
	};
	struct ftp_match m, m2;
	char out[128];

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		enum ftp_dir dir =
			lines[i][0] == '2' ? FTP_FROM_SERVER : FTP_FROM_CLIENT;
		struct ftp_state st = { 0 };
		enum ftp_kind k;
		int n;

		k = ftp_inspect(&st, dir, lines[i], strlen(lines[i]), &m);
		n = ftp_render(&m, lines[i], strlen(lines[i]), addr_192, 4242,
			       out, sizeof(out));
		ASSERT_TRUE(n > 0, "render %s", lines[i]);
		ASSERT_EQ(ftp_inspect(&st, dir, out, (size_t)n, &m2), k);
		ASSERT_EQ(m2.start, m.start);
		ASSERT_EQ(m2.port, 4242);
		if (k != FTP_EPSV_REPLY)
			ASSERT_TRUE(v4_is(&m2, 192, 0, 2, 1), "addr");
	}
}

/* ftp_may_need ----------------------------------------------------------- */

static int need(enum ftp_dir dir, const char *s)
{
	return ftp_may_need(dir, s, strlen(s));
}

static void ftp_may_need_client(void)
{
	static const char *const yes[] = {
		"P",	    "po", "PORT", "PORT ",    "port 1,2", "e",
		"EPRT |1|", "A",  "auth", "AUTH TLS", "EpRt",	  "PORT 1,2\r"
	};
	static const char *const no[] = { "PORTX", "X",	    "NOOP", "PORT\t",
					  "AUTHX", " PORT", "\xd0" };
	char big[FTP_MAX_LINE + 1];

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		ASSERT_TRUE(need(FTP_FROM_CLIENT, yes[i]), "\"%s\"", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		ASSERT_TRUE(!need(FTP_FROM_CLIENT, no[i]), "\"%s\"", no[i]);
	ASSERT_EQ(ftp_may_need(FTP_FROM_CLIENT, "PORT", 0), 0);
	ASSERT_EQ(ftp_may_need(FTP_FROM_CLIENT, NULL, 0), 0);
	ASSERT_EQ(ftp_may_need(FTP_FROM_CLIENT, "P\0RT", 4), 0);
	ASSERT_EQ(ftp_may_need(FTP_FROM_CLIENT, "PORT \0", 6), 1);
	/* replies are not commands */
	ASSERT_EQ(need(FTP_FROM_CLIENT, "227"), 0);
	memset(big, ' ', sizeof(big));
	memcpy(big, "PORT ", 5);
	ASSERT_EQ(ftp_may_need(FTP_FROM_CLIENT, big, FTP_MAX_LINE), 1);
	ASSERT_EQ(ftp_may_need(FTP_FROM_CLIENT, big, FTP_MAX_LINE + 1), 0);
}

static void ftp_may_need_server(void)
{
	static const char *const yes[] = {
		"2",   "22",	       "23",   "227",	  "229",
		"234", "227 Entering", "229-", "234 AUTH"
	};
	static const char *const no[] = {
		"21", "220 Welcome", "228", "230 ", "3", " 227", "\xb2", "PORT "
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		ASSERT_TRUE(need(FTP_FROM_SERVER, yes[i]), "\"%s\"", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		ASSERT_TRUE(!need(FTP_FROM_SERVER, no[i]), "\"%s\"", no[i]);
	ASSERT_EQ(ftp_may_need(FTP_FROM_SERVER, "227", 0), 0);
	ASSERT_EQ(ftp_may_need(FTP_FROM_SERVER, "2\0", 2), 0);
	ASSERT_EQ(ftp_may_need(7, "227", 3), 0);
}

UNIT_CASES(ftp_cases, CASE(ftp_port_basic), CASE(ftp_port_case_insensitive),
	   CASE(ftp_port_leading_zeros), CASE(ftp_port_spaces),
	   CASE(ftp_port_overlong_numbers), CASE(ftp_port_above_255),
	   CASE(ftp_port_missing_fields), CASE(ftp_port_extra_fields),
	   CASE(ftp_port_signs_and_spaces_inside),
	   CASE(ftp_port_not_a_port_command), CASE(ftp_direction_matters),
	   CASE(ftp_port_line_length), CASE(ftp_port_non_ascii),
	   CASE(ftp_port_embedded_nul), CASE(ftp_only_first_line_is_parsed),
	   CASE(ftp_eprt_v4), CASE(ftp_eprt_v6), CASE(ftp_eprt_bad_protocol),
	   CASE(ftp_eprt_bad_ipv4), CASE(ftp_eprt_bad_ipv6),
	   CASE(ftp_eprt_port_range), CASE(ftp_eprt_bad_delimiter_and_shape),
	   CASE(ftp_eprt_line_too_long), CASE(ftp_auth),
	   CASE(ftp_pasv_parentheses), CASE(ftp_pasv_without_parentheses),
	   CASE(ftp_pasv_leading_zeros), CASE(ftp_pasv_first_matching_run),
	   CASE(ftp_pasv_bad), CASE(ftp_pasv_line_too_long), CASE(ftp_epsv),
	   CASE(ftp_epsv_bad), CASE(ftp_auth_ok), CASE(ftp_reply_shapes),
	   CASE(ftp_multiline_inner_lines_are_text),
	   CASE(ftp_multiline_first_line_is_classified),
	   CASE(ftp_multiline_end_needs_same_code_and_space),
	   CASE(ftp_hostile_100k_lines), CASE(ftp_hostile_every_byte),
	   CASE(ftp_render_port_grows), CASE(ftp_render_port_shrinks),
	   CASE(ftp_render_keeps_bytes_after_terminator), CASE(ftp_render_pasv),
	   CASE(ftp_render_eprt), CASE(ftp_render_eprt_delimiter_in_address),
	   CASE(ftp_render_epsv), CASE(ftp_render_capacity),
	   CASE(ftp_render_refuses_other_kinds), CASE(ftp_render_parses_back),
	   CASE(ftp_may_need_client), CASE(ftp_may_need_server));
