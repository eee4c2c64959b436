// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_rtsp.c - the RTSP parser and renderer (user/alg/rtsp.c) and the
 * RTSP module (user/alg/rtsp_alg.c).
 *
 * Parser: framing of every line kind with its exact ranges, bodies that
 * end inside a line, every Transport form with the exact byte ranges of
 * its ports and addresses, hostile values, byte-exact renders.  Module:
 * whole conversations fed line by line through rtsp_module, with a fake
 * engine that records every expect/bind/release and checks what it was
 * asked; the bytes forwarded are compared byte for byte.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "alg/rtsp_alg.h"
#include "unit.h"

#define LIT(s) s, sizeof(s) - 1
#define NS 1000000000ULL

/* ------------------------------------------------------- parser */

/* Run the framer over @text line by line; kinds into @k (at most n). */
static int frame_all(struct rtsp_framer *f, const char *text, size_t len,
		     enum rtsp_kind *k, struct rtsp_piece *pcs, int n)
{
	size_t pos = 0;
	int i = 0;

	while (pos < len && i < n) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
		size_t used = 0;

		while (used < l && i < n) {
			rtsp_next(f, text + pos + used, l - used, &pcs[i]);
			k[i] = pcs[i].kind;
			used += pcs[i].len;
			i++;
		}
		pos += l;
	}
	return i;
}

static void rtsp_request_line(void)
{
	struct rtsp_framer f = { 0 };
	struct rtsp_piece pc;
	const char l[] = "SETUP rtsp://example.com/media/track1 RTSP/1.0\r\n";

	ASSERT_EQ(rtsp_next(&f, LIT(l), &pc), RTSP_K_REQUEST);
	ASSERT_EQ(pc.len, sizeof(l) - 1);
	ASSERT_EQ(pc.method_len, 5);
	ASSERT_EQ(pc.uri_off, 6);
	ASSERT_EQ(pc.uri_len, strlen("rtsp://example.com/media/track1"));
	ASSERT_EQ(pc.ver_major, 1);
	ASSERT_EQ(pc.ver_minor, 0);
	ASSERT_TRUE(pc.new_msg && !pc.blind, "a new, seen message");
	ASSERT_EQ(f.phase, RTSP_PH_HEADERS);
}

static void rtsp_status_line(void)
{
	struct rtsp_framer f = { 0 };
	struct rtsp_piece pc;

	ASSERT_EQ(
		rtsp_next(&f, LIT("RTSP/2.0 461 Unsupported Transport\n"), &pc),
		RTSP_K_STATUS);
	ASSERT_EQ(pc.status, 461);
	ASSERT_EQ(pc.ver_major, 2);
	f = (struct rtsp_framer){ 0 };
	ASSERT_EQ(rtsp_next(&f, LIT("RTSP/1.0 200\r\n"), &pc), RTSP_K_STATUS);
	ASSERT_EQ(pc.status, 200);
	f = (struct rtsp_framer){ 0 };
	ASSERT_EQ(rtsp_next(&f, LIT("RTSP/1.0 20 OK\r\n"), &pc), RTSP_K_BAD);
	ASSERT_EQ(f.phase, RTSP_PH_STOPPED);
	ASSERT_EQ(rtsp_next(&f, LIT("CSeq: 1\r\n"), &pc), RTSP_K_STOPPED);
}

static void rtsp_bad_start_lines(void)
{
	static const char *const bad[] = {
		"GET / HTTP/1.0\r\n", /* HTTP tunnelling is not RTSP */
		"SETUP  rtsp://x RTSP/1.0\r\n",
		"SETUP rtsp://x RTSP/1.0 extra\r\n",
		"SETUP rtsp://x\r\n",
		"SET\x01UP rtsp://x RTSP/1.0\r\n",
		" OPTIONS * RTSP/1.0\r\n",
		"v=0\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rtsp_framer f = { 0 };
		struct rtsp_piece pc;

		ASSERT_TRUE(rtsp_next(&f, bad[i], strlen(bad[i]), &pc) ==
				    RTSP_K_BAD,
			    "accepted \"%s\"", bad[i]);
		ASSERT_TRUE(pc.why != NULL, "no reason");
	}
}

static void rtsp_headers_and_body(void)
{
	/* the SDP body holds lines that look like headers and a status
	 * line: all of them are body
	 */
	const char msg[] = "RTSP/1.0 200 OK\r\n"
			   "CSeq: 2\r\n"
			   "Content-Type: application/sdp\r\n"
			   "content-length:  58 \r\n"
			   "\r\n"
			   "v=0\r\n"
			   "Transport: RTP/AVP;client_port=1-2\r\n"
			   "RTSP/1.0 200 OK\r\n"
			   "OPTIONS * RTSP/1.0\r\n"
			   "CSeq: 3\r\n"
			   "\r\n";
	enum rtsp_kind want[] = { RTSP_K_STATUS, RTSP_K_HEADER, RTSP_K_HEADER,
				  RTSP_K_HEADER, RTSP_K_END,	RTSP_K_BODY,
				  RTSP_K_BODY,	 RTSP_K_BODY,	RTSP_K_REQUEST,
				  RTSP_K_HEADER, RTSP_K_END };
	enum rtsp_kind k[16];
	struct rtsp_piece pc[16];
	struct rtsp_framer f = { 0 };
	int n = frame_all(&f, LIT(msg), k, pc, 16);

	ASSERT_EQ(n, 11);
	for (int i = 0; i < n; i++)
		ASSERT_TRUE(k[i] == want[i], "piece %d: kind %d, want %d", i,
			    k[i], want[i]);
	ASSERT_EQ(pc[1].hdr, RTSP_H_CSEQ);
	ASSERT_EQ(pc[3].hdr, RTSP_H_CONTENT_LENGTH);
	ASSERT_EQ(pc[3].name_len, 14);
	ASSERT_EQ(pc[3].value_off, 17);
	ASSERT_EQ(pc[3].value_len, 2);
	ASSERT_EQ(pc[4].body_len, 58);
	ASSERT_EQ(pc[5].len + pc[6].len + pc[7].len, 58);
	ASSERT_TRUE(pc[8].new_msg, "the request starts a message");
	ASSERT_EQ(f.phase, RTSP_PH_START);
}

static void rtsp_body_ends_inside_line(void)
{
	/* 3 body bytes "abc" then the next request on the same line */
	const char msg[] = "SET_PARAMETER rtsp://h/ RTSP/1.0\r\n"
			   "Content-Length: 3\r\n"
			   "\r\n"
			   "abcTEARDOWN rtsp://h/ RTSP/1.0\r\n";
	enum rtsp_kind k[8];
	struct rtsp_piece pc[8];
	struct rtsp_framer f = { 0 };
	int n = frame_all(&f, LIT(msg), k, pc, 8);

	ASSERT_EQ(n, 5);
	ASSERT_EQ(k[3], RTSP_K_BODY);
	ASSERT_EQ(pc[3].len, 3);
	ASSERT_EQ(k[4], RTSP_K_REQUEST);
	ASSERT_EQ(pc[4].method_len, 8);
	ASSERT_EQ(pc[4].len, strlen("TEARDOWN rtsp://h/ RTSP/1.0\r\n"));
}

static void rtsp_framing_hostile(void)
{
	static const char *const bad[] = {
		"OPTIONS * RTSP/1.0\r\nContent-Length: x\r\n",
		"OPTIONS * RTSP/1.0\r\nContent-Length: -1\r\n",
		"OPTIONS * RTSP/1.0\r\nContent-Length: 99999999999\r\n",
		"OPTIONS * RTSP/1.0\r\nContent-Length: 67108865\r\n",
		"OPTIONS * RTSP/1.0\r\nContent-Length: 4\r\n"
		"Content-Length: 5\r\n",
		"OPTIONS * RTSP/1.0\r\nContent-Length: 4\r\n 5\r\n",
		"OPTIONS * RTSP/1.0\r\nCSeq: 1\x02\r\n",
		"OPTIONS * RTSP/1.0\r\nCSeq 1\r\n",
		"OPTIONS * RTSP/1.0\r\n: 1\r\n",
		"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n \x7f\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rtsp_framer f = { 0 };
		enum rtsp_kind k[8];
		struct rtsp_piece pc[8];
		int n = frame_all(&f, bad[i], strlen(bad[i]), k, pc, 8);

		ASSERT_TRUE(n >= 2 && k[n - 1] == RTSP_K_BAD,
			    "case %zu not bad", i);
		ASSERT_EQ(f.phase, RTSP_PH_STOPPED);
	}
	{
		/* the same value twice is fine; a folded other header too */
		const char ok[] = "OPTIONS * RTSP/1.0\r\nContent-Length: 0\r\n"
				  "Content-Length: 0\r\nUser-Agent: a\r\n b\r\n"
				  "\r\n";
		struct rtsp_framer f = { 0 };
		enum rtsp_kind k[8];
		struct rtsp_piece pc[8];
		int n = frame_all(&f, LIT(ok), k, pc, 8);

		ASSERT_EQ(n, 6);
		ASSERT_EQ(k[4], RTSP_K_CONT);
		ASSERT_EQ(k[5], RTSP_K_END);
		ASSERT_EQ(pc[5].body_len, 0);
	}
}

static void rtsp_blank_interleaved_tls(void)
{
	struct rtsp_framer f = { 0 };
	struct rtsp_piece pc;

	ASSERT_EQ(rtsp_next(&f, LIT("\r\n"), &pc), RTSP_K_BLANK);
	ASSERT_EQ(rtsp_next(&f, LIT("\n"), &pc), RTSP_K_BLANK);
	ASSERT_EQ(rtsp_next(&f, LIT("$\x00\x00\x0c\x80\n"), &pc),
		  RTSP_K_INTERLEAVED);
	ASSERT_EQ(f.phase, RTSP_PH_STOPPED);

	f = (struct rtsp_framer){ 0 };
	ASSERT_EQ(rtsp_next(&f, LIT("\x16\x03\x01\x02\x00\n"), &pc),
		  RTSP_K_TLS);
	ASSERT_EQ(rtsp_next(&f, LIT("OPTIONS * RTSP/1.0\r\n"), &pc),
		  RTSP_K_STOPPED);
	/* 0x16 later in the flow is just a bad line */
	f = (struct rtsp_framer){ 0 };
	ASSERT_EQ(rtsp_next(&f, LIT("\r\n"), &pc), RTSP_K_BLANK);
	ASSERT_EQ(rtsp_next(&f, LIT("\x16\x03\x01\n"), &pc), RTSP_K_BAD);
}

static void rtsp_tail_cases(void)
{
	struct rtsp_framer f = { 0 };
	struct rtsp_piece pc;

	ASSERT_EQ(rtsp_tail(&f, LIT("SETUP rtsp://h/ RT"), false),
		  RTSP_TAIL_HOLD);
	ASSERT_EQ(rtsp_next(&f, LIT("SETUP rtsp://h/ RTSP/1.0\r\n"), &pc),
		  RTSP_K_REQUEST);
	ASSERT_EQ(rtsp_tail(&f, LIT("Transport: RTP/AVP;cl"), false),
		  RTSP_TAIL_HOLD);
	ASSERT_EQ(rtsp_next(&f, LIT("Content-Length: 5\r\n"), &pc),
		  RTSP_K_HEADER);
	ASSERT_EQ(rtsp_next(&f, LIT("\r\n"), &pc), RTSP_K_END);
	/* part of the body: hold, its rest is in flight */
	ASSERT_EQ(rtsp_tail(&f, LIT("abcd"), false), RTSP_TAIL_HOLD);
	/* exactly the body, asked to hold it: held, nothing counted */
	ASSERT_EQ(rtsp_tail(&f, LIT("abcde"), true), RTSP_TAIL_HOLD);
	ASSERT_EQ(f.body_left, 5);
	/* exactly the body: done, the next message goes blind */
	ASSERT_EQ(rtsp_tail(&f, LIT("abcde"), false), RTSP_TAIL_BODY_DONE);
	ASSERT_EQ(rtsp_next(&f, LIT("CSeq: 4\r\n"), &pc), RTSP_K_HEADER);
	ASSERT_TRUE(pc.new_msg && pc.blind, "blind message");
	ASSERT_EQ(rtsp_next(&f, LIT("\r\n"), &pc), RTSP_K_END);
	ASSERT_TRUE(pc.blind && !pc.new_msg, "still blind");
	ASSERT_EQ(rtsp_next(&f, LIT("PLAY rtsp://h/ RTSP/1.0\r\n"), &pc),
		  RTSP_K_REQUEST);
	ASSERT_TRUE(!pc.blind, "seen again");
	ASSERT_EQ(rtsp_next(&f, LIT("\r\n"), &pc), RTSP_K_END);
	ASSERT_EQ(rtsp_tail(&f, LIT("$\x01"), false), RTSP_TAIL_INTERLEAVED);
	ASSERT_EQ(rtsp_tail(&f, LIT("x"), false), RTSP_TAIL_STOPPED);

	f = (struct rtsp_framer){ 0 };
	ASSERT_EQ(rtsp_tail(&f, LIT("\x16\x03\x01"), false), RTSP_TAIL_TLS);
}

static void rtsp_blind_start(void)
{
	/* a header where a start line belongs (the engine did not show a
	 * start line longer than it holds)
	 */
	struct rtsp_framer f = { 0 };
	struct rtsp_piece pc;

	ASSERT_EQ(rtsp_next(&f, LIT("CSeq: 4\r\n"), &pc), RTSP_K_HEADER);
	ASSERT_TRUE(pc.new_msg && pc.blind, "blind");
	ASSERT_EQ(pc.hdr, RTSP_H_CSEQ);
	ASSERT_EQ(rtsp_next(&f, LIT("Content-Length: 2\r\n"), &pc),
		  RTSP_K_HEADER);
	ASSERT_EQ(rtsp_next(&f, LIT("\r\n"), &pc), RTSP_K_END);
	ASSERT_EQ(rtsp_next(&f, LIT("x\n"), &pc), RTSP_K_BODY);
}

static void rtsp_cseq_session(void)
{
	struct rtsp_session_hdr s;
	const char *why = NULL;
	uint32_t c;

	ASSERT_EQ(rtsp_parse_cseq(LIT("314"), &c, &why), 0);
	ASSERT_EQ(c, 314);
	ASSERT_EQ(rtsp_parse_cseq(LIT("999999999"), &c, &why), 0);
	ASSERT_EQ(rtsp_parse_cseq(LIT("1000000000"), &c, &why), -1);
	ASSERT_EQ(rtsp_parse_cseq(LIT("1 2"), &c, &why), -1);
	ASSERT_EQ(rtsp_parse_cseq(LIT(""), &c, &why), -1);
	ASSERT_STREQ(why, "bad CSeq");

	ASSERT_EQ(rtsp_parse_session(LIT("5d5cb94413288ccd"), &s, &why), 0);
	ASSERT_STREQ(s.id, "5d5cb94413288ccd");
	ASSERT_EQ(s.timeout_s, 0);
	ASSERT_EQ(rtsp_parse_session(LIT("AbC.12$_+-;timeout=30"), &s, &why),
		  0);
	ASSERT_STREQ(s.id, "AbC.12$_+-");
	ASSERT_EQ(s.timeout_s, 30);
	ASSERT_EQ(rtsp_parse_session(LIT("x ; foo=1 ; Timeout = 45"), &s, &why),
		  0);
	ASSERT_EQ(s.timeout_s, 45);
	ASSERT_EQ(rtsp_parse_session(LIT("x;timeout=0"), &s, &why), -1);
	ASSERT_EQ(rtsp_parse_session(LIT("x;timeout="), &s, &why), -1);
	ASSERT_EQ(rtsp_parse_session(LIT("x;timeout=5;timeout=6"), &s, &why),
		  -1);
	ASSERT_STREQ(why, "duplicated Session timeout");
	ASSERT_EQ(rtsp_parse_session(LIT(";timeout=5"), &s, &why), -1);
	ASSERT_EQ(rtsp_parse_session(LIT("a\"b"), &s, &why), -1);
	ASSERT_EQ(
		rtsp_parse_session(
			LIT("0123456789012345678901234567890123456789012345678"
			    "90123456789012345"),
			&s, &why),
		-1);
	ASSERT_STREQ(why, "session id longer than 64 characters");
}

/* Parse the value of "Transport: ..." written as a whole line. */
static int tr(const char *line, struct rtsp_transport *t)
{
	size_t len = strlen(line), v = strlen("Transport: ");
	size_t e = len;

	while (e > v && (line[e - 1] == '\n' || line[e - 1] == '\r'))
		e--;
	return rtsp_parse_transport(line, len, v, e - v, t);
}

/* The text at a range of @line */
static int at(const char *line, size_t off, size_t len, const char *want)
{
	if (strlen(want) != len || memcmp(line + off, want, len)) {
		printf("    range [%zu,+%zu) is \"%.*s\", want \"%s\"\n", off,
		       len, (int)len, line + off, want);
		return 0;
	}
	return 1;
}

static void rtsp_transport_basic(void)
{
	const char l[] = "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n";
	struct rtsp_transport t;
	const struct rtsp_spec *s = &t.spec[0];

	ASSERT_EQ(tr(l, &t), 0);
	ASSERT_EQ(t.n, 1);
	ASSERT_EQ(s->lower, RTSP_LOWER_UDP);
	ASSERT_TRUE(s->unicast && !s->multicast && !s->interleaved, "flags");
	ASSERT_TRUE(s->client_port.set && s->client_port.range, "range");
	ASSERT_EQ(s->client_port.lo, 5000);
	ASSERT_EQ(s->client_port.hi, 5001);
	ASSERT_TRUE(at(l, s->client_port.off, s->client_port.len, "5000-5001"),
		    "range bytes");
	ASSERT_TRUE(
		at(l, s->off, s->len, "RTP/AVP;unicast;client_port=5000-5001"),
		"spec bytes");
	ASSERT_EQ(s->cli_lo, 5000);
	ASSERT_EQ(s->cli_n, 2);
	ASSERT_EQ(s->srv_n, 0);
}

static void rtsp_transport_forms(void)
{
	struct rtsp_transport t;
	const struct rtsp_spec *s = &t.spec[0];

	ASSERT_EQ(tr("Transport: RTP/AVP/UDP;unicast;client_port=5000", &t), 0);
	ASSERT_EQ(s->cli_n, 1);
	ASSERT_TRUE(!s->client_port.range, "single");
	ASSERT_EQ(tr("Transport: RTP/AVP/TCP;unicast;interleaved=0-1", &t), 0);
	ASSERT_EQ(s->lower, RTSP_LOWER_TCP);
	ASSERT_TRUE(s->interleaved, "interleaved");
	ASSERT_EQ(tr("Transport: rtp/avp/udp;MULTICAST;destination=224.2.0.1;"
		     "port=3456-3457;ttl=16",
		     &t),
		  0);
	ASSERT_TRUE(s->multicast && s->lower == RTSP_LOWER_UDP, "multicast");
	ASSERT_EQ(s->destination.family, AF_INET);
	ASSERT_EQ(
		tr("Transport: RTP/AVP/SCTP;unicast;client_port=5000-5001", &t),
		0);
	ASSERT_EQ(s->lower, RTSP_LOWER_OTHER);
	/* LWS around separators, a trailing ';' */
	ASSERT_EQ(tr("Transport: RTP/AVP ; unicast ; client_port = 5000-5001 ;",
		     &t),
		  0);
	ASSERT_EQ(s->cli_lo, 5000);
	/* a bare destination: the sender's own address */
	ASSERT_EQ(tr("Transport: RTP/AVP;unicast;destination;client_port=5000",
		     &t),
		  0);
	ASSERT_TRUE(s->destination.set && !s->destination.len, "bare");
}

static void rtsp_transport_reply(void)
{
	const char l[] = "Transport: RTP/AVP;unicast;client_port=40010-40011;"
			 "server_port=6000-6001;source=198.51.100.7;"
			 "ssrc=1234ABCD;mode=\"PLAY\"\r\n";
	struct rtsp_transport t;
	const struct rtsp_spec *s = &t.spec[0];
	uint8_t a[4] = { 198, 51, 100, 7 };

	ASSERT_EQ(tr(l, &t), 0);
	ASSERT_EQ(t.n, 1);
	ASSERT_EQ(s->cli_lo, 40010);
	ASSERT_EQ(s->srv_lo, 6000);
	ASSERT_EQ(s->srv_n, 2);
	ASSERT_TRUE(at(l, s->server_port.off, s->server_port.len, "6000-6001"),
		    "server_port bytes");
	ASSERT_EQ(s->source.family, AF_INET);
	ASSERT_TRUE(!memcmp(s->source.addr, a, 4), "source addr");
	ASSERT_TRUE(at(l, s->source.off, s->source.len, "198.51.100.7"),
		    "source bytes");
}

static void rtsp_transport_alternatives(void)
{
	const char l[] = "Transport: RTP/AVP/UDP;unicast;client_port=5000-5001,"
			 "RTP/AVP/UDP;multicast, RTP/AVP/TCP;unicast;"
			 "interleaved=0-1\r\n";
	struct rtsp_transport t;

	ASSERT_EQ(tr(l, &t), 0);
	ASSERT_EQ(t.n, 3);
	ASSERT_TRUE(
		at(l, t.spec[1].off, t.spec[1].len, "RTP/AVP/UDP;multicast"),
		"spec 1");
	ASSERT_TRUE(at(l, t.spec[2].off, t.spec[2].len,
		       "RTP/AVP/TCP;unicast;interleaved=0-1"),
		    "spec 2");
	ASSERT_TRUE(t.spec[1].multicast && t.spec[2].interleaved, "kinds");
}

static void rtsp_transport_v2(void)
{
	/* RTSP 2.0: quoted address lists, a comma inside a quoted mode */
	const char l[] =
		"Transport: RTP/AVP/UDP; unicast; "
		"dest_addr=\"192.168.1.10:5000\"/\"192.168.1.10:5001\"; "
		"mode=\"PLAY,RECORD\", RTP/AVP/UDP;unicast;"
		"dest_addr=\":5002\"/\":5003\";RTCP-mux\r\n";
	struct rtsp_transport t;
	const struct rtsp_spec *s = &t.spec[0];

	ASSERT_EQ(tr(l, &t), 0);
	ASSERT_EQ(t.n, 2);
	ASSERT_EQ(s->n_dest, 2);
	ASSERT_EQ(s->cli_lo, 5000);
	ASSERT_EQ(s->cli_n, 2);
	ASSERT_TRUE(at(l, s->dest_addr[0].host.off, s->dest_addr[0].host.len,
		       "192.168.1.10"),
		    "host 0");
	ASSERT_TRUE(at(l, s->dest_addr[1].port_off, s->dest_addr[1].port_len,
		       "5001"),
		    "port 1");
	ASSERT_EQ(s->dest_addr[0].host.family, AF_INET);
	s = &t.spec[1];
	ASSERT_EQ(s->cli_lo, 5002);
	ASSERT_EQ(s->dest_addr[0].host.len, 0);
	ASSERT_TRUE(s->dest_addr[0].host.set, "empty host is set");

	{
		const char r[] = "Transport: RTP/AVP/UDP;unicast;"
				 "src_addr=\"[2001:db8::7]:6000\"/"
				 "\"[2001:db8::7]:6001\";"
				 "dest_addr=\":5000\"/\":5001\"\r\n";

		ASSERT_EQ(tr(r, &t), 0);
		s = &t.spec[0];
		ASSERT_EQ(s->srv_lo, 6000);
		ASSERT_EQ(s->srv_n, 2);
		ASSERT_EQ(s->src_addr[0].host.family, AF_INET6);
		ASSERT_TRUE(at(r, s->src_addr[0].host.off,
			       s->src_addr[0].host.len, "2001:db8::7"),
			    "v6 host without brackets");
	}
	/* client_port and dest_addr together must agree */
	ASSERT_EQ(tr("Transport: RTP/AVP;unicast;client_port=5000-5001;"
		     "dest_addr=\":5000\"/\":5001\"",
		     &t),
		  0);
	ASSERT_EQ(tr("Transport: RTP/AVP;unicast;client_port=5000-5001;"
		     "dest_addr=\":5002\"/\":5003\"",
		     &t),
		  -1);
	ASSERT_STREQ(t.why, "client_port and dest_addr disagree");
}

static void rtsp_transport_hostile(void)
{
	static const struct {
		const char *v, *why;
	} bad[] = {
		{ "RTP/AVP;unicast;client_port=0-1", "port 0" },
		{ "RTP/AVP;unicast;client_port=65535-65536",
		  "port above 65535" },
		{ "RTP/AVP;unicast;client_port=123456",
		  "port number too long" },
		{ "RTP/AVP;unicast;client_port=5001-5000",
		  "port range reversed" },
		{ "RTP/AVP;unicast;client_port=5000-5002",
		  "port range is not a pair (b != a + 1)" },
		{ "RTP/AVP;unicast;client_port=5000-5000",
		  "port range is not a pair (b != a + 1)" },
		{ "RTP/AVP;unicast;client_port=5000-", "bad port" },
		{ "RTP/AVP;unicast;client_port=-5000", "bad port" },
		{ "RTP/AVP;unicast;client_port=+5000", "bad port" },
		{ "RTP/AVP;unicast;client_port=", "empty parameter value" },
		{ "RTP/AVP;unicast;client_port", "parameter needs a value" },
		{ "RTP/AVP;unicast;client_port=5000-5001;client_port=6000",
		  "duplicated parameter" },
		{ "RTP/AVP;unicast;Unicast", "duplicated parameter" },
		{ "RTP/AVP;unicast;multicast", "both unicast and multicast" },
		{ "RTP/AVP;unicast=1", "unicast/multicast take no value" },
		{ "RTP/AVP;;unicast", "empty parameter" },
		{ "RTP AVP;unicast", "bad transport protocol" },
		{ "RTP;unicast", "bad transport protocol" },
		{ "RTP/AVP/UDP/X;unicast", "bad transport protocol" },
		{ ";unicast", "bad transport protocol" },
		{ "RTP/AVP,", "empty transport spec" },
		{ ",RTP/AVP", "empty transport spec" },
		{ "RTP/AVP;mode=\"PLAY", "unterminated quote in Transport" },
		{ "RTP/AVP;x=\x01", "control byte in Transport" },
		{ "RTP/AVP;unicast;destination=10.0.0.1:5000", "bad host" },
		{ "RTP/AVP;unicast;destination=[10.0.0.1]",
		  "bad IPv6 address" },
		{ "RTP/AVP;unicast;dest_addr=:5000",
		  "address list entry not quoted" },
		{ "RTP/AVP;unicast;dest_addr=\":5000\"/\":5001\"/\":5002\"",
		  "more than two addresses in a list" },
		{ "RTP/AVP;unicast;dest_addr=\":5000\"/\":5004\"",
		  "address list ports are not a pair (b != a + 1)" },
		{ "RTP/AVP;unicast;dest_addr=\"2001:db8::1:5000\"",
		  "IPv6 address without brackets" },
		{ "RTP/AVP;unicast;dest_addr=\"\"", "empty address" },
		{ "RTP/AVP;unicast;dest_addr=\":0\"", "port 0" },
		{ "RTP/AVP;unicast;dest_addr=\":5000\"x", "bad address list" },
		{ "RTP/AVP/TCP;interleaved=0-256", "bad interleaved channels" },
		{ "RTP/AVP/TCP;interleaved=2-1", "bad interleaved channels" },
		{ "RTP/AVP;unicast;server_port=6000-6001;src_addr=\":7000\"",
		  "server_port and src_addr disagree" },
	};
	struct rtsp_transport t;
	char line[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "Transport: %s\r\n", bad[i].v);
		ASSERT_TRUE(tr(line, &t) == -1, "accepted \"%s\"", bad[i].v);
		ASSERT_TRUE(t.why && !strcmp(t.why, bad[i].why),
			    "\"%s\": reason \"%s\", want \"%s\"", bad[i].v,
			    t.why ? t.why : "(null)", bad[i].why);
		ASSERT_EQ(t.n, 0);
	}
	/* nine specs */
	snprintf(line, sizeof(line),
		 "Transport: %s,%s,%s,%s,%s,%s,%s,%s,%s\r\n", "RTP/AVP",
		 "RTP/AVP", "RTP/AVP", "RTP/AVP", "RTP/AVP", "RTP/AVP",
		 "RTP/AVP", "RTP/AVP", "RTP/AVP");
	ASSERT_EQ(tr(line, &t), -1);
	ASSERT_STREQ(t.why, "more than 8 transport specs");
	/* a line longer than RTSP_MAX_LINE */
	{
		static char big[RTSP_MAX_LINE + 64];

		memset(big, 'a', sizeof(big));
		memcpy(big, "Transport: RTP/AVP;x=", 21);
		big[sizeof(big) - 3] = '\r';
		big[sizeof(big) - 2] = '\n';
		big[sizeof(big) - 1] = '\0';
		ASSERT_EQ(tr(big, &t), -1);
		ASSERT_STREQ(t.why, "Transport line too long");
	}
}

/* Render @ed over @line; 1 when it is exactly @want. */
static int renders(const char *line, const struct rtsp_edits *ed,
		   const char *want)
{
	char out[512];
	int n = rtsp_render(line, strlen(line), ed, out, sizeof(out));

	if (n != (int)strlen(want) || memcmp(out, want, strlen(want))) {
		printf("    rendered %d: \"%.*s\"\n", n, n > 0 ? n : 0, out);
		return 0;
	}
	return 1;
}

static void rtsp_render_exact(void)
{
	const char l[] =
		"Transport: RTP/AVP/UDP; unicast; "
		"dest_addr=\"192.168.1.10:5000\"/\"192.168.1.10:5001\"; "
		"mode=\"PLAY\";client_port=5000-5001\r\n";
	const uint8_t pub[16] = { 203, 0, 113, 1 };
	struct rtsp_transport t;
	struct rtsp_edits ed;
	const struct rtsp_spec *s = &t.spec[0];

	ASSERT_EQ(tr(l, &t), 0);
	rtsp_edits_init(&ed);
	/* added in any order, applied in line order */
	rtsp_edit_ports(&ed, &s->client_port, 40010);
	rtsp_edit_hostport(&ed, &s->dest_addr[1], 40011);
	rtsp_edit_host(&ed, &s->dest_addr[0].host, pub);
	rtsp_edit_hostport(&ed, &s->dest_addr[0], 40010);
	rtsp_edit_host(&ed, &s->dest_addr[1].host, pub);
	ASSERT_TRUE(renders(l, &ed,
			    "Transport: RTP/AVP/UDP; unicast; "
			    "dest_addr=\"203.0.113.1:40010\"/"
			    "\"203.0.113.1:40011\"; mode=\"PLAY\";"
			    "client_port=40010-40011\r\n"),
		    "render");
	/* shorter */
	rtsp_edits_init(&ed);
	rtsp_edit_ports(&ed, &s->client_port, 2);
	ASSERT_TRUE(renders(l, &ed,
			    "Transport: RTP/AVP/UDP; unicast; "
			    "dest_addr=\"192.168.1.10:5000\"/"
			    "\"192.168.1.10:5001\"; mode=\"PLAY\";"
			    "client_port=2-3\r\n"),
		    "render shorter");
	/* an overlap is refused, so is a range pair at 65535 */
	rtsp_edits_init(&ed);
	rtsp_edit_hostport(&ed, &s->dest_addr[0], 1);
	rtsp_edit_hostport(&ed, &s->dest_addr[0], 2);
	ASSERT_TRUE(ed.failed, "overlap");
	ASSERT_EQ(rtsp_render(l, strlen(l), &ed, (char[512]){ 0 }, 512), -1);
	rtsp_edits_init(&ed);
	rtsp_edit_ports(&ed, &s->client_port, 65535);
	ASSERT_TRUE(ed.failed, "65535-65536");
	/* a hostname or an empty host cannot be given an address */
	rtsp_edits_init(&ed);
	ASSERT_EQ(tr("Transport: RTP/AVP;destination=cam.local;"
		     "dest_addr=\":5000\"",
		     &t),
		  0);
	rtsp_edit_host(&ed, &t.spec[0].destination, pub);
	ASSERT_TRUE(ed.failed, "host name");
	/* the shared strict lexer (alg/addr.h): a leading zero makes a name,
	 * never an address to rewrite; a plain quad is one
	 */
	ASSERT_EQ(tr("Transport: RTP/AVP;destination=010.0.0.1\r\n", &t), 0);
	ASSERT_EQ(t.spec[0].destination.family, 0);
	ASSERT_EQ(tr("Transport: RTP/AVP;destination=10.0.0.1\r\n", &t), 0);
	ASSERT_EQ(t.spec[0].destination.family, AF_INET);
	rtsp_edits_init(&ed);
	rtsp_edit_host(&ed, &t.spec[0].dest_addr[0].host, pub);
	ASSERT_TRUE(ed.failed, "empty host");
}

static void rtsp_render_cap(void)
{
	const char l[] = "Transport: RTP/AVP;client_port=5000\r\n";
	struct rtsp_transport t;
	struct rtsp_edits ed;
	char out[64];
	size_t want = sizeof(l) - 1 + 1; /* "5000" -> "40000" */

	ASSERT_EQ(tr(l, &t), 0);
	rtsp_edits_init(&ed);
	rtsp_edit_ports(&ed, &t.spec[0].client_port, 40000);
	ASSERT_EQ(rtsp_render(l, sizeof(l) - 1, &ed, out, want), (int)want);
	ASSERT_TRUE(
		!memcmp(out, "Transport: RTP/AVP;client_port=40000\r\n", want),
		"exact fit");
	ASSERT_EQ(rtsp_render(l, sizeof(l) - 1, &ed, out, want - 1), -1);
	/* no edits: the line itself */
	rtsp_edits_init(&ed);
	ASSERT_EQ(rtsp_render(l, sizeof(l) - 1, &ed, out, sizeof(out)),
		  (int)sizeof(l) - 1);
}

/* ------------------------------------------------------- module */

struct call {
	char op; /* 'E'xpect, 'B'ind, 'R'elease */
	struct alg_expect x;
	uint16_t pub; /* granted ('E'/'B'), released ('R') */
	int ok;
};

static struct fake {
	struct call c[64];
	int n;
	uint16_t held[64]; /* public ports held by this flow */
	int n_held;
	uint16_t taken[8]; /* held by others */
	int n_taken;
	uint16_t picks[16]; /* what the engine picks, in turn */
	int n_picks, next_pick;
	int step_aside;
	int bad_release; /* a release of a port not held */
} fk;

static bool busy(uint16_t p)
{
	for (int i = 0; i < fk.n_taken; i++)
		if (fk.taken[i] == p)
			return true;
	for (int i = 0; i < fk.n_held; i++)
		if (fk.held[i] == p)
			return true;
	return false;
}

static int fake_open(char op, const struct alg_expect *x, uint16_t *pub,
		     const char **why)
{
	struct call *c = &fk.c[fk.n < 63 ? fk.n++ : 63];
	uint16_t p = x->public_port;

	c->op = op;
	c->x = *x;
	c->ok = 0;
	if (p) {
		if (busy(p)) {
			*why = "that public port is taken";
			return -1;
		}
	} else {
		p = x->inside_port;
		if (busy(p)) {
			if (fk.next_pick >= fk.n_picks) {
				*why = "no free public port";
				return -1;
			}
			p = fk.picks[fk.next_pick++];
			if (busy(p)) {
				*why = "no free public port";
				return -1;
			}
		}
	}
	fk.held[fk.n_held++] = p;
	c->pub = p;
	c->ok = 1;
	*pub = p;
	return 0;
}

static int fake_expect(void *ctx, struct alg_flow *af,
		       const struct alg_expect *x, uint16_t *pub,
		       const char **why)
{
	return fake_open('E', x, pub, why);
}

static int fake_bind(void *ctx, struct alg_flow *af, const struct alg_expect *x,
		     uint16_t *pub, const char **why)
{
	return fake_open('B', x, pub, why);
}

static void fake_release(void *ctx, struct alg_flow *af, uint8_t proto,
			 uint16_t port)
{
	struct call *c = &fk.c[fk.n < 63 ? fk.n++ : 63];
	int i;

	c->op = 'R';
	c->x.proto = proto;
	c->pub = port;
	for (i = 0; i < fk.n_held && fk.held[i] != port; i++)
		;
	if (i == fk.n_held || proto != BPFALG_IPPROTO_UDP) {
		fk.bad_release++;
		return;
	}
	fk.held[i] = fk.held[--fk.n_held];
}

static void fake_step_aside(void *ctx, struct alg_flow *af)
{
	fk.step_aside++;
}

static const struct alg_services fake_svc = {
	.expect = fake_expect,
	.bind = fake_bind,
	.release = fake_release,
	.step_aside = fake_step_aside,
};
static const struct alg_limits lim = { .min_data_port = 1024 };
static __u64 cnt[BPFALG_AS_MAX];
static struct alg_policy pol;

#define INSIDE "192.168.1.10"
#define PUBLIC "203.0.113.1"
#define PEER "198.51.100.7"

static void flow(struct rtsp_flow *rf, bool client_inside, uint32_t mode,
		 const char *deny)
{
	char err[128];

	memset(rf, 0, sizeof(*rf));
	memset(cnt, 0, sizeof(cnt));
	memset(&fk, 0, sizeof(fk));
	alg_policy_parse(&pol, deny, err, sizeof(err));
	rf->af.family = AF_INET;
	rf->af.inside_is_client = client_inside;
	inet_pton(AF_INET, client_inside ? INSIDE : "192.168.1.20",
		  rf->af.inside);
	inet_pton(AF_INET, PUBLIC, rf->af.public_addr);
	inet_pton(AF_INET, PEER, rf->af.peer);
	rf->af.mode = mode;
	rf->af.lim = &lim;
	rf->af.pol = &pol;
	rf->af.svc = &fake_svc;
	rf->af.cnt = cnt;
	strcpy(rf->af.tag, "rtsp#1");
	rtsp_module.init(&rf->af);
}

struct run {
	char fwd[4096]; /* what goes on, in order */
	size_t nfwd;
	char back[512]; /* refusals sent back */
	size_t nback;
	int refused, rewritten;
};

/* Feed @text line by line as the engine does; a last line without '\n'
 * is offered to hold() and then forwarded as it is.
 */
static void feed(struct rtsp_flow *rf, int dir, const char *text, size_t len,
		 struct run *r)
{
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - p) + 1 : len - pos;
		uint8_t out[2048];
		int n;

		if (!nl) {
			rtsp_module.hold(&rf->af, dir, (const uint8_t *)p, l);
			n = ALG_LINE_UNCHANGED;
		} else {
			memset(out, 0x55, sizeof(out));
			n = rtsp_module.line(&rf->af, dir, (const uint8_t *)p,
					     l, out, sizeof(out));
		}
		if (n == ALG_LINE_UNCHANGED) {
			memcpy(r->fwd + r->nfwd, p, l);
			r->nfwd += l;
		} else if (n == ALG_LINE_REFUSE) {
			size_t k = strnlen((char *)out, sizeof(out));

			memcpy(r->back + r->nback, out, k);
			r->nback += k;
			r->refused++;
		} else {
			memcpy(r->fwd + r->nfwd, out, (size_t)n);
			r->nfwd += (size_t)n;
			r->rewritten++;
		}
		pos += l;
	}
	r->fwd[r->nfwd] = '\0';
	r->back[r->nback] = '\0';
}

#define FEED(rf, d, s, r) feed(rf, d, s, sizeof(s) - 1, r)

/* Call @i is @op on inside port @in, asked public @want, remote port @rp
 * from @remote; granted @got (0: it failed).
 */
static int call_is(int i, char op, uint16_t in, uint16_t want, uint16_t rp,
		   const char *remote, uint16_t got)
{
	const struct call *c = &fk.c[i];
	uint8_t ra[16] = { 0 }, ia[16] = { 0 };

	inet_pton(AF_INET, remote, ra);
	inet_pton(AF_INET, INSIDE, ia);
	if (i >= fk.n || c->op != op || c->x.inside_port != in ||
	    c->x.public_port != want || c->x.remote_port != rp ||
	    c->x.proto != BPFALG_IPPROTO_UDP || c->x.family != AF_INET ||
	    memcmp(c->x.remote, ra, 16) || memcmp(c->x.inside, ia, 16) ||
	    c->x.timeout_s != 0 || (got ? !c->ok || c->pub != got : c->ok)) {
		printf("    call %d of %d: %c inside %u want %u rport %u "
		       "ok %d pub %u\n",
		       i, fk.n, c->op, c->x.inside_port, c->x.public_port,
		       c->x.remote_port, c->ok, c->pub);
		return 0;
	}
	return 1;
}

static int released(int i, uint16_t port)
{
	const struct call *c = &fk.c[i];

	if (i >= fk.n || c->op != 'R' || c->pub != port ||
	    c->x.proto != BPFALG_IPPROTO_UDP) {
		printf("    call %d of %d: %c %u, want release %u\n", i, fk.n,
		       c->op, c->pub, port);
		return 0;
	}
	return 1;
}

static const char setup_req[] =
	"SETUP rtsp://198.51.100.7:8554/test/stream=0 RTSP/1.0\r\n"
	"CSeq: 3\r\n"
	"Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"
	"User-Agent: GStreamer/1.22.0\r\n"
	"\r\n";

static const char setup_reply[] =
	"RTSP/1.0 200 OK\r\n"
	"CSeq: 3\r\n"
	"Transport: RTP/AVP;unicast;client_port=5000-5001;"
	"server_port=6000-6001;ssrc=5A4B3C2D;mode=\"PLAY\"\r\n"
	"Session: 7MO2eUyAdA1pKXyr;timeout=60\r\n"
	"\r\n";

static void rtsp_mod_ports_kept(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, setup_req, &r);
	ASSERT_STREQ(r.fwd, setup_req);
	ASSERT_EQ(fk.n, 2);
	ASSERT_TRUE(call_is(0, 'E', 5000, 5000, 0, PEER, 5000), "rtp");
	ASSERT_TRUE(call_is(1, 'E', 5001, 5001, 0, PEER, 5001), "rtcp");
	ASSERT_EQ(cnt[BPFALG_AS_PH_OPENED], 2);
	ASSERT_EQ(cnt[BPFALG_AS_PARSED], 1);
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 0);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_PENDING);
	ASSERT_EQ(rf.st[0].cseq, 3);

	FEED(&rf, 1, setup_reply, &r);
	ASSERT_STREQ(r.fwd, setup_reply);
	/* the pinholes become bindings with the server's ports */
	ASSERT_EQ(fk.n, 6);
	ASSERT_TRUE(released(2, 5000), "release rtp pinhole");
	ASSERT_TRUE(call_is(3, 'B', 5000, 5000, 6000, PEER, 5000), "bind rtp");
	ASSERT_TRUE(released(4, 5001), "release rtcp pinhole");
	ASSERT_TRUE(call_is(5, 'B', 5001, 5001, 6001, PEER, 5001), "bind rtcp");
	ASSERT_EQ(rf.st[0].state, RTSP_ST_BOUND);
	ASSERT_STREQ(rf.st[0].session, "7MO2eUyAdA1pKXyr");
	ASSERT_EQ(rf.st[0].timeout_s, 60);
	ASSERT_EQ(fk.bad_release, 0);
}

static void rtsp_mod_random_ports(void)
{
	struct rtsp_flow rf;
	struct run r;
	const char reply[] = "RTSP/1.0 200 OK\r\n"
			     "Transport: RTP/AVP;unicast;"
			     "client_port=40010-40011;server_port=6000-6001;"
			     "source=198.51.100.9\r\n"
			     "CSeq: 3\r\n"
			     "Session: 12345678\r\n"
			     "\r\n";

	flow(&rf, true, BPFALG_MODE_ON, "");
	fk.taken[fk.n_taken++] = 5000;
	fk.picks[fk.n_picks++] = 40001; /* odd: not an RTP port */
	fk.picks[fk.n_picks++] = 40010;
	FEED(&rf, 0, setup_req, &r);
	ASSERT_STREQ(r.fwd,
		     "SETUP rtsp://198.51.100.7:8554/test/stream=0 RTSP/1.0\r\n"
		     "CSeq: 3\r\n"
		     "Transport: RTP/AVP;unicast;client_port=40010-40011\r\n"
		     "User-Agent: GStreamer/1.22.0\r\n"
		     "\r\n");
	ASSERT_TRUE(call_is(0, 'E', 5000, 5000, 0, PEER, 0), "exact fails");
	ASSERT_TRUE(call_is(1, 'E', 5000, 0, 0, PEER, 40001), "odd pick");
	ASSERT_TRUE(released(2, 40001), "odd pick released");
	ASSERT_TRUE(call_is(3, 'E', 5000, 0, 0, PEER, 40010), "even pick");
	ASSERT_TRUE(call_is(4, 'E', 5001, 40011, 0, PEER, 40011), "its pair");
	ASSERT_EQ(fk.n, 5);
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 1);

	/* the reply goes back to the inside ports; CSeq after Transport */
	FEED(&rf, 1, reply, &r);
	ASSERT_STREQ(r.fwd, "RTSP/1.0 200 OK\r\n"
			    "Transport: RTP/AVP;unicast;"
			    "client_port=5000-5001;server_port=6000-6001;"
			    "source=198.51.100.9\r\n"
			    "CSeq: 3\r\n"
			    "Session: 12345678\r\n"
			    "\r\n");
	ASSERT_TRUE(released(5, 40010), "release");
	ASSERT_TRUE(call_is(6, 'B', 5000, 40010, 6000, "198.51.100.9", 40010),
		    "bind from source=");
	ASSERT_TRUE(released(7, 40011), "release");
	ASSERT_TRUE(call_is(8, 'B', 5001, 40011, 6001, "198.51.100.9", 40011),
		    "bind rtcp from source=");
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 2);
	ASSERT_EQ(fk.bad_release, 0);
}

static void rtsp_mod_no_pair(void)
{
	struct rtsp_flow rf;
	struct run r;

	/* every pick odd or without its pair: refused, all released */
	flow(&rf, true, BPFALG_MODE_ON, "");
	fk.taken[fk.n_taken++] = 5001;
	fk.taken[fk.n_taken++] = 40011;
	for (int i = 0; i < RTSP_PAIR_TRIES; i++)
		fk.picks[fk.n_picks++] =
			i & 1 ? (uint16_t)(40021 + 2 * i) : 40010;
	FEED(&rf, 0, setup_req, &r);
	ASSERT_STREQ(r.fwd, setup_req);
	ASSERT_EQ(cnt[BPFALG_AS_REFUSED], 1);
	ASSERT_EQ(fk.n_held, 0);
	ASSERT_EQ(fk.bad_release, 0);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_FREE);
	/* exact 5000 ok, 5001 taken: 5000 released */
	ASSERT_TRUE(call_is(0, 'E', 5000, 5000, 0, PEER, 5000), "exact");
	ASSERT_TRUE(call_is(1, 'E', 5001, 5001, 0, PEER, 0), "exact rtcp");
	ASSERT_TRUE(released(2, 5000), "released");
	/* the engine's own choice (the inside port again) fails on rtcp:
	 * kept while asking again, so the next answer is another port
	 */
	ASSERT_TRUE(call_is(3, 'E', 5000, 0, 0, PEER, 5000), "pick 1");
	ASSERT_TRUE(call_is(4, 'E', 5001, 5001, 0, PEER, 0), "its pair");
	ASSERT_TRUE(call_is(5, 'E', 5000, 0, 0, PEER, 40010), "pick 2");
	ASSERT_TRUE(call_is(6, 'E', 5001, 40011, 0, PEER, 0), "its pair");
	ASSERT_TRUE(released(7, 40010), "released");
	ASSERT_TRUE(call_is(8, 'E', 5000, 0, 0, PEER, 40023), "odd pick");
	ASSERT_TRUE(released(9, 40023), "released");
	ASSERT_TRUE(released(fk.n - 1, 5000), "blocker released last");
	ASSERT_EQ(fk.next_pick, RTSP_PAIR_TRIES - 1);
}

static void rtsp_mod_alternatives(void)
{
	struct rtsp_flow rf;
	struct run r;
	const char req[] =
		"SETUP rtsp://h/s RTSP/1.0\r\n"
		"CSeq: 1\r\n"
		"Transport: RTP/AVP/UDP;unicast;client_port=5000-5001,"
		"RTP/AVP/UDP;multicast;port=5004-5005,"
		"RTP/AVP/TCP;unicast;interleaved=0-1,"
		"RTP/SAVP;unicast;client_port=5000-5001;mode=\"PLAY\"\r\n"
		"\r\n";

	flow(&rf, true, BPFALG_MODE_ON, "");
	fk.taken[fk.n_taken++] = 5000;
	fk.picks[fk.n_picks++] = 41000;
	FEED(&rf, 0, req, &r);
	/* only the unicast UDP ones change; one pair serves both */
	ASSERT_STREQ(r.fwd,
		     "SETUP rtsp://h/s RTSP/1.0\r\n"
		     "CSeq: 1\r\n"
		     "Transport: RTP/AVP/UDP;unicast;client_port=41000-41001,"
		     "RTP/AVP/UDP;multicast;port=5004-5005,"
		     "RTP/AVP/TCP;unicast;interleaved=0-1,"
		     "RTP/SAVP;unicast;client_port=41000-41001;mode=\"PLAY\""
		     "\r\n"
		     "\r\n");
	ASSERT_EQ(fk.n_held, 2);
	ASSERT_EQ(rf.st[1].state, RTSP_ST_FREE);

	/* the server picks interleaved: the pinholes go */
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 1\r\n"
	     "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
	     "Session: abc\r\n\r\n",
	     &r);
	ASSERT_EQ(fk.n_held, 0);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_FREE);
	ASSERT_EQ(fk.bad_release, 0);
}

static void rtsp_mod_two_udp_alternatives(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0,
	     "SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 5\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001,"
	     "RTP/SAVP;unicast;client_port=5002-5003\r\n\r\n",
	     &r);
	ASSERT_EQ(fk.n_held, 4);
	/* the server takes the second */
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 5\r\n"
	     "Transport: RTP/SAVP;unicast;client_port=5002-5003;"
	     "server_port=7000-7001\r\n\r\n",
	     &r);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_FREE);
	ASSERT_EQ(rf.st[1].state, RTSP_ST_BOUND);
	ASSERT_EQ(rf.st[1].remote_port[0], 7000);
	ASSERT_EQ(fk.n_held, 2);
	ASSERT_EQ(fk.bad_release, 0);
}

static void rtsp_mod_interleaved_only(void)
{
	struct rtsp_flow rf;
	struct run r;
	const char req[] = "SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
			   "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
			   "\r\n";

	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, req, &r);
	ASSERT_STREQ(r.fwd, req);
	ASSERT_EQ(fk.n, 0);
	ASSERT_EQ(cnt[BPFALG_AS_PARSED], 1);
	/* then the data comes on the connection: step aside */
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"
	     "$\x00\x00\x04\x80\x60\n\x01",
	     &r);
	ASSERT_EQ(fk.step_aside, 1);
	ASSERT_TRUE(rf.stopped, "stopped");
	FEED(&rf, 0, req, &r);
	ASSERT_STREQ(r.fwd, req);
	ASSERT_EQ(fk.n, 0);
}

static void rtsp_mod_destination(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "");
	fk.taken[fk.n_taken++] = 5000;
	fk.picks[fk.n_picks++] = 41000;
	FEED(&rf, 0,
	     "SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP;unicast;destination=192.168.1.10;"
	     "client_port=5000-5001\r\n\r\n",
	     &r);
	ASSERT_STREQ(r.fwd,
		     "SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
		     "Transport: RTP/AVP;unicast;destination=203.0.113.1;"
		     "client_port=41000-41001\r\n\r\n");
	/* and back in the reply */
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP;unicast;destination=203.0.113.1;"
	     "client_port=41000-41001;server_port=6000-6001\r\n\r\n",
	     &r);
	ASSERT_STREQ(r.fwd,
		     "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
		     "Transport: RTP/AVP;unicast;destination=192.168.1.10;"
		     "client_port=5000-5001;server_port=6000-6001\r\n\r\n");

	/* media for another host, a name, or an address already public:
	 * left alone, nothing opened
	 */
	{
		static const char *const other[] = {
			"destination=10.9.9.9;client_port=5000-5001",
			"destination=cam.example;client_port=5000-5001",
			"destination=203.0.113.1;client_port=5000-5001",
			"dest_addr=\"10.9.9.9:5000\"/\":5001\"",
			"client_port=1000-1001", /* below the minimum */
		};

		for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
			char req[256];
			int n = snprintf(req, sizeof(req),
					 "SETUP rtsp://h/s RTSP/1.0\r\n"
					 "CSeq: 2\r\nTransport: RTP/AVP;"
					 "unicast;%s\r\n\r\n",
					 other[i]);

			flow(&rf, true, BPFALG_MODE_ON, "");
			feed(&rf, 0, req, (size_t)n, &r);
			ASSERT_TRUE(!strcmp(r.fwd, req) && fk.n == 0,
				    "case %zu touched", i);
		}
		ASSERT_EQ(cnt[BPFALG_AS_ALREADY_PUBLIC], 0);
		flow(&rf, true, BPFALG_MODE_ON, "");
		FEED(&rf, 0,
		     "SETUP rtsp://h/s RTSP/1.0\r\nTransport: RTP/AVP;"
		     "destination=203.0.113.1;client_port=5000\r\n\r\n",
		     &r);
		ASSERT_EQ(cnt[BPFALG_AS_ALREADY_PUBLIC], 1);
	}
}

static void rtsp_mod_v2(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "");
	fk.taken[fk.n_taken++] = 5000;
	fk.picks[fk.n_picks++] = 41000;
	FEED(&rf, 0,
	     "SETUP rtsp://h/s RTSP/2.0\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP/UDP; unicast; "
	     "dest_addr=\"192.168.1.10:5000\"/\"192.168.1.10:5001\"; "
	     "mode=\"PLAY\"\r\n\r\n",
	     &r);
	ASSERT_STREQ(r.fwd, "SETUP rtsp://h/s RTSP/2.0\r\nCSeq: 2\r\n"
			    "Transport: RTP/AVP/UDP; unicast; "
			    "dest_addr=\"203.0.113.1:41000\"/"
			    "\"203.0.113.1:41001\"; mode=\"PLAY\"\r\n\r\n");
	FEED(&rf, 1,
	     "RTSP/2.0 200 OK\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP/UDP; unicast; "
	     "dest_addr=\"203.0.113.1:41000\"/\"203.0.113.1:41001\"; "
	     "src_addr=\"198.51.100.9:6000\"/\"198.51.100.9:6001\"\r\n"
	     "Session: s2;timeout=30\r\n\r\n",
	     &r);
	ASSERT_STREQ(r.fwd, "RTSP/2.0 200 OK\r\nCSeq: 2\r\n"
			    "Transport: RTP/AVP/UDP; unicast; "
			    "dest_addr=\"192.168.1.10:5000\"/"
			    "\"192.168.1.10:5001\"; "
			    "src_addr=\"198.51.100.9:6000\"/"
			    "\"198.51.100.9:6001\"\r\n"
			    "Session: s2;timeout=30\r\n\r\n");
	ASSERT_EQ(rf.st[0].state, RTSP_ST_BOUND);
	ASSERT_TRUE(call_is(fk.n - 1, 'B', 5001, 41001, 6001, "198.51.100.9",
			    41001),
		    "bind from src_addr");
	ASSERT_EQ(rf.st[0].timeout_s, 30);
	/* ":port" dest_addr: the port only */
	flow(&rf, true, BPFALG_MODE_ON, "");
	fk.taken[fk.n_taken++] = 5000;
	fk.picks[fk.n_picks++] = 41000;
	FEED(&rf, 0,
	     "SETUP rtsp://h/s RTSP/2.0\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP/UDP;unicast;dest_addr=\":5000\"/\":5001\"\r\n"
	     "\r\n",
	     &r);
	ASSERT_STREQ(r.fwd, "SETUP rtsp://h/s RTSP/2.0\r\nCSeq: 2\r\n"
			    "Transport: RTP/AVP/UDP;unicast;"
			    "dest_addr=\":41000\"/\":41001\"\r\n\r\n");
}

static void rtsp_mod_body_not_headers(void)
{
	struct rtsp_flow rf;
	struct run r;
	/* a SETUP whose body holds a Transport line, and a DESCRIBE reply
	 * whose SDP holds a status line and a Transport line
	 */
	const char req[] =
		"SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
		"Content-Length: 50\r\n\r\n"
		"Transport: RTP/AVP;unicast;client_port=7000-7001\r\n"
		"SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 3\r\n"
		"Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"
		"\r\n";
	const char desc[] = "RTSP/1.0 200 OK\r\nCSeq: 1\r\n"
			    "Content-Type: application/sdp\r\n"
			    "Content-Length: 93\r\n\r\n"
			    "v=0\r\n"
			    "RTSP/1.0 200 OK\r\n"
			    "CSeq: 3\r\n"
			    "Transport: RTP/AVP;client_port=41000-41001;"
			    "server_port=1-2\r\n"
			    "\r\n";

	flow(&rf, true, BPFALG_MODE_ON, "");
	fk.taken[fk.n_taken++] = 7000;
	fk.taken[fk.n_taken++] = 5000;
	fk.picks[fk.n_picks++] = 41000;
	FEED(&rf, 0, req, &r);
	ASSERT_STREQ(r.fwd,
		     "SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
		     "Content-Length: 50\r\n\r\n"
		     "Transport: RTP/AVP;unicast;client_port=7000-7001\r\n"
		     "SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 3\r\n"
		     "Transport: RTP/AVP;unicast;client_port=41000-41001\r\n"
		     "\r\n");
	ASSERT_EQ(cnt[BPFALG_AS_PARSED], 1);
	ASSERT_EQ(fk.n_held, 2);
	FEED(&rf, 1, desc, &r);
	ASSERT_STREQ(r.fwd, desc);
	/* the body's "reply" bound nothing */
	ASSERT_EQ(rf.st[0].state, RTSP_ST_PENDING);
	ASSERT_EQ(cnt[BPFALG_AS_PARSED], 1);
}

static void rtsp_mod_body_ends_inside_line(void)
{
	struct rtsp_flow rf;
	struct run r;
	const char req[] =
		"SET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
		"Content-Length: 3\r\n\r\n"
		"abcSETUP rtsp://h/t RTSP/1.0\r\nCSeq: 3\r\n"
		"Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"
		"\r\n";

	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, req, &r);
	ASSERT_STREQ(r.fwd, req);
	ASSERT_EQ(fk.n_held, 2);
	ASSERT_EQ(rf.st[0].cseq, 3);
}

static void rtsp_mod_blind_after_body(void)
{
	struct rtsp_flow rf;
	struct run r;

	/* a body without a final line end: the engine sends it on and
	 * does not show the next line (the next start line): the message
	 * after it is followed blind, never acted on
	 */
	flow(&rf, true, BPFALG_MODE_ON, "SETUP");
	FEED(&rf, 0,
	     "SET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
	     "Content-Length: 3\r\n\r\nabc",
	     &r);
	FEED(&rf, 0,
	     "CSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n"
	     "\r\n"
	     "OPTIONS * RTSP/1.0\r\nCSeq: 4\r\n\r\n",
	     &r);
	ASSERT_EQ(r.refused, 0);
	ASSERT_EQ(fk.n, 0);
	ASSERT_EQ(cnt[BPFALG_AS_BAD_INPUT], 1);
	ASSERT_TRUE(!rf.stopped, "framing kept");
	ASSERT_TRUE(!rf.msg[0].blind, "seen again");
}

static void rtsp_mod_cseq_matching(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "");
	/* two SETUPs pipelined, answered in the other order */
	FEED(&rf, 0,
	     "SETUP rtsp://h/s/a RTSP/1.0\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n"
	     "SETUP rtsp://h/s/v RTSP/1.0\r\nCSeq: 3\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5002-5003\r\n\r\n",
	     &r);
	ASSERT_EQ(rf.st[0].cseq, 2);
	ASSERT_EQ(rf.st[1].cseq, 3);
	/* a reply CSeq 3 naming the ports of CSeq 2: not bound */
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001;"
	     "server_port=6000-6001\r\n\r\n",
	     &r);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_PENDING);
	/* CSeq 3's own stream had no Transport naming it: released */
	ASSERT_EQ(rf.st[1].state, RTSP_ST_FREE);
	/* the real reply to 2 */
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001;"
	     "server_port=6000-6001\r\nSession: S1\r\n\r\n",
	     &r);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_BOUND);
	ASSERT_EQ(fk.bad_release, 0);

	/* an error reply releases the SETUP's pinholes */
	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, setup_req, &r);
	ASSERT_EQ(fk.n_held, 2);
	FEED(&rf, 1, "RTSP/1.0 461 Unsupported transport\r\nCSeq: 3\r\n\r\n",
	     &r);
	ASSERT_EQ(fk.n_held, 0);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_FREE);

	/* a reply without Transport: the pinholes stay open */
	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, setup_req, &r);
	FEED(&rf, 1, "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: x\r\n\r\n", &r);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_OPEN);
	ASSERT_EQ(fk.n_held, 2);

	/* a SETUP without a CSeq cannot be matched: released at once */
	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0,
	     "SETUP rtsp://h/s RTSP/1.0\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
	     &r);
	ASSERT_EQ(fk.n_held, 0);
}

static void rtsp_mod_teardown(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0,
	     "SETUP rtsp://h/s/a RTSP/1.0\r\nCSeq: 2\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
	     &r);
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 2\r\nSession: AB12;timeout=30\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001;"
	     "server_port=6000-6001\r\n\r\n",
	     &r);
	FEED(&rf, 0,
	     "SETUP rtsp://h/s/v RTSP/1.0\r\nCSeq: 3\r\nSession: AB12\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5002-5003\r\n\r\n",
	     &r);
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: AB12;timeout=30\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5002-5003;"
	     "server_port=6002-6003\r\n\r\n",
	     &r);
	ASSERT_EQ(fk.n_held, 4);
	/* another session, then no session: nothing */
	FEED(&rf, 0,
	     "TEARDOWN rtsp://h/s RTSP/1.0\r\nCSeq: 4\r\n"
	     "Session: XY99\r\n\r\n",
	     &r);
	FEED(&rf, 0, "TEARDOWN rtsp://h/s RTSP/1.0\r\nCSeq: 5\r\n\r\n", &r);
	ASSERT_EQ(fk.n_held, 4);
	/* one stream by its URI */
	FEED(&rf, 0,
	     "TEARDOWN rtsp://h/s/v RTSP/1.0\r\nCSeq: 6\r\n"
	     "Session: AB12\r\n\r\n",
	     &r);
	ASSERT_EQ(fk.n_held, 2);
	ASSERT_EQ(rf.st[1].state, RTSP_ST_FREE);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_BOUND);
	/* the aggregate URI: the rest of the session */
	FEED(&rf, 0,
	     "TEARDOWN rtsp://h/s RTSP/1.0\r\nCSeq: 7\r\n"
	     "Session: AB12\r\n\r\n",
	     &r);
	ASSERT_EQ(fk.n_held, 0);
	ASSERT_EQ(fk.bad_release, 0);
}

static void rtsp_mod_timeout_fini(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "");
	rtsp_module.tick(&rf.af, 1 * NS);
	FEED(&rf, 0, setup_req, &r);
	rtsp_module.tick(&rf.af, 2 * NS); /* traffic seen: clock at 2 s */
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001;"
	     "server_port=6000-6001\r\nSession: T;timeout=10\r\n\r\n",
	     &r);
	rtsp_module.tick(&rf.af, 3 * NS); /* clock at 3 s */
	rtsp_module.tick(&rf.af, 12 * NS);
	ASSERT_EQ(fk.n_held, 2);
	/* a keepalive resets it */
	FEED(&rf, 0,
	     "GET_PARAMETER rtsp://h/ RTSP/1.0\r\nCSeq: 4\r\n"
	     "Session: T\r\n\r\n",
	     &r);
	rtsp_module.tick(&rf.af, 13 * NS);
	rtsp_module.tick(&rf.af, 22 * NS);
	ASSERT_EQ(fk.n_held, 2);
	rtsp_module.tick(&rf.af, 23 * NS);
	ASSERT_EQ(fk.n_held, 0);
	ASSERT_EQ(rf.st[0].state, RTSP_ST_FREE);

	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, setup_req, &r);
	ASSERT_EQ(fk.n_held, 2);
	rtsp_module.fini(&rf.af);
	ASSERT_EQ(fk.n_held, 0);
	ASSERT_EQ(fk.bad_release, 0);
}

static void rtsp_mod_policy(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "SET_PARAMETER,ANNOUNCE");
	ASSERT_EQ(pol.n_deny, 2);
	FEED(&rf, 0,
	     "set_parameter rtsp://h/s RTSP/1.0\r\n"
	     "CSeq: 7\r\n"
	     "Content-Type: text/parameters\r\n"
	     "Content-Length: 10\r\n"
	     "\r\n"
	     "foo: bar\r\n"
	     "OPTIONS * RTSP/1.0\r\nCSeq: 8\r\n\r\n",
	     &r);
	/* every line of the request dropped, one 403 with its CSeq */
	ASSERT_STREQ(r.fwd, "OPTIONS * RTSP/1.0\r\nCSeq: 8\r\n\r\n");
	ASSERT_STREQ(r.back, "RTSP/1.0 403 Forbidden\r\nCSeq: 7\r\n\r\n");
	ASSERT_EQ(r.refused, 6);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 1);

	/* RTSP 2.0, no CSeq; a body ending inside the next line */
	FEED(&rf, 0,
	     "ANNOUNCE rtsp://h/s RTSP/2.0\r\nContent-Length: 2\r\n\r\n"
	     "v=OPTIONS * RTSP/2.0\r\nCSeq: 9\r\n\r\n",
	     &r);
	ASSERT_STREQ(r.back, "RTSP/2.0 403 Forbidden\r\n\r\n");
	ASSERT_STREQ(r.fwd, "OPTIONS * RTSP/2.0\r\nCSeq: 9\r\n\r\n");
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 2);

	/* an allowed body ending inside the line of a refused request:
	 * that line is cut to the body's byte
	 */
	FEED(&rf, 0,
	     "GET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 10\r\n"
	     "Content-Length: 1\r\n\r\n"
	     "aANNOUNCE rtsp://h/s RTSP/1.0\r\nCSeq: 11\r\n\r\n",
	     &r);
	ASSERT_STREQ(r.fwd, "GET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 10\r\n"
			    "Content-Length: 1\r\n\r\na");
	ASSERT_EQ(r.rewritten, 1);
	ASSERT_STREQ(r.back, "RTSP/1.0 403 Forbidden\r\nCSeq: 11\r\n\r\n");

	/* observe: counted, nothing changed */
	flow(&rf, true, BPFALG_MODE_OBSERVE, "RECORD");
	FEED(&rf, 0, "RECORD rtsp://h/s RTSP/1.0\r\nCSeq: 7\r\n\r\n", &r);
	ASSERT_STREQ(r.fwd, "RECORD rtsp://h/s RTSP/1.0\r\nCSeq: 7\r\n\r\n");
	ASSERT_EQ(cnt[BPFALG_AS_OBSERVED], 1);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 0);
}

static void rtsp_mod_observe(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_OBSERVE, "");
	FEED(&rf, 0, setup_req, &r);
	ASSERT_STREQ(r.fwd, setup_req);
	ASSERT_EQ(fk.n, 0);
	ASSERT_EQ(cnt[BPFALG_AS_OBSERVED], 1);
	FEED(&rf, 1, setup_reply, &r);
	ASSERT_STREQ(r.fwd, setup_reply);
	ASSERT_EQ(fk.n, 0);
	ASSERT_EQ(cnt[BPFALG_AS_OBSERVED], 1);
	/* off: nothing at all */
	flow(&rf, true, BPFALG_MODE_OFF, "");
	FEED(&rf, 0, setup_req, &r);
	ASSERT_EQ(cnt[BPFALG_AS_PARSED], 0);
}

static void rtsp_mod_tls(void)
{
	struct rtsp_flow rf;
	struct run r;

	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\n", &r);
	ASSERT_EQ(cnt[BPFALG_AS_TLS], 1);
	ASSERT_EQ(fk.step_aside, 1);
	ASSERT_TRUE(rf.af.tls, "tls");
	FEED(&rf, 0, setup_req, &r);
	ASSERT_STREQ(r.fwd, setup_req);
	ASSERT_EQ(fk.n, 0);
	/* a ClientHello without '\n' arrives as a tail */
	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, "\x16\x03\x01\x00\xa5", &r);
	ASSERT_EQ(cnt[BPFALG_AS_TLS], 1);
	ASSERT_EQ(fk.step_aside, 1);
	/* observe: counted, never stepped aside */
	flow(&rf, true, BPFALG_MODE_OBSERVE, "");
	FEED(&rf, 0, "\x16\x03\x01\x00\xa5", &r);
	ASSERT_EQ(cnt[BPFALG_AS_TLS], 1);
	ASSERT_EQ(fk.step_aside, 0);
}

static void rtsp_mod_hostile(void)
{
	struct rtsp_flow rf;
	struct run r;
	static const char *const bad[] = {
		"client_port=0-1",
		"client_port=5000-5002",
		"client_port=5001-5000",
		"client_port=70000",
		"client_port=5000;client_port=5000",
		"client_port=",
		"client_port=5000-5001\x01",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char req[256];
		int n = snprintf(req, sizeof(req),
				 "SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
				 "Transport: RTP/AVP;unicast;%s\r\n\r\n",
				 bad[i]);

		flow(&rf, true, BPFALG_MODE_ON, "");
		feed(&rf, 0, req, (size_t)n, &r);
		ASSERT_TRUE(!strcmp(r.fwd, req), "case %zu changed", i);
		ASSERT_TRUE(fk.n == 0, "case %zu opened", i);
		ASSERT_TRUE(cnt[BPFALG_AS_BAD_INPUT] == 1,
			    "case %zu not counted", i);
	}
	/* garbage: framing lost, stepped aside, the rest untouched */
	flow(&rf, true, BPFALG_MODE_ON, "");
	FEED(&rf, 0, "\x01\x02garbage\r\n", &r);
	ASSERT_TRUE(rf.stopped, "stopped");
	ASSERT_EQ(fk.step_aside, 1);
	FEED(&rf, 0, setup_req, &r);
	ASSERT_STREQ(r.fwd, setup_req);
	ASSERT_EQ(fk.n, 0);
	/* an over-long Transport line */
	{
		static char req[RTSP_MAX_LINE + 200];
		int n = snprintf(req, sizeof(req),
				 "SETUP rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\n"
				 "Transport: RTP/AVP;unicast;"
				 "client_port=5000-5001;x=");

		memset(req + n, 'y', RTSP_MAX_LINE);
		n += RTSP_MAX_LINE;
		n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n\r\n");
		flow(&rf, true, BPFALG_MODE_ON, "");
		feed(&rf, 0, req, (size_t)n, &r);
		ASSERT_TRUE(r.nfwd == (size_t)n && !memcmp(r.fwd, req, r.nfwd),
			    "long line changed");
		ASSERT_EQ(fk.n, 0);
		ASSERT_EQ(cnt[BPFALG_AS_BAD_INPUT], 1);
	}
}

static void rtsp_mod_server_inside(void)
{
	struct rtsp_flow rf;
	struct run r;
	const char req[] =
		"SETUP rtsp://203.0.113.1/s RTSP/1.0\r\nCSeq: 4\r\n"
		"Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"
		"\r\n";

	flow(&rf, false, BPFALG_MODE_ON, "");
	fk.taken[fk.n_taken++] = 6970;
	fk.picks[fk.n_picks++] = 42000;
	FEED(&rf, 0, req, &r);
	ASSERT_STREQ(r.fwd, req);
	ASSERT_EQ(fk.n, 0);
	FEED(&rf, 1,
	     "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: P;timeout=20\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001;"
	     "server_port=6970-6971;source=192.168.1.20\r\n\r\n",
	     &r);
	ASSERT_STREQ(r.fwd,
		     "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: P;timeout=20"
		     "\r\n"
		     "Transport: RTP/AVP;unicast;client_port=5000-5001;"
		     "server_port=42000-42001;source=203.0.113.1\r\n\r\n");
	ASSERT_EQ(fk.n, 3);
	{
		const struct call *c = &fk.c[1];
		uint8_t ins[16] = { 0 }, peer[16] = { 0 };

		inet_pton(AF_INET, "192.168.1.20", ins);
		inet_pton(AF_INET, PEER, peer);
		ASSERT_TRUE(fk.c[0].op == 'B' && !fk.c[0].ok &&
				    fk.c[0].x.public_port == 6970,
			    "exact first");
		ASSERT_TRUE(c->op == 'B' && c->ok && c->pub == 42000 &&
				    c->x.inside_port == 6970 &&
				    c->x.remote_port == 5000 &&
				    !memcmp(c->x.inside, ins, 16) &&
				    !memcmp(c->x.remote, peer, 16),
			    "bind rtp");
		c = &fk.c[2];
		ASSERT_TRUE(c->op == 'B' && c->ok && c->pub == 42001 &&
				    c->x.public_port == 42001 &&
				    c->x.inside_port == 6971 &&
				    c->x.remote_port == 5001,
			    "bind rtcp");
	}
	ASSERT_EQ(rf.st[0].timeout_s, 20);
	ASSERT_STREQ(rf.st[0].session, "P");
	FEED(&rf, 0,
	     "TEARDOWN rtsp://203.0.113.1/s RTSP/1.0\r\nCSeq: 5\r\n"
	     "Session: P\r\n\r\n",
	     &r);
	ASSERT_EQ(fk.n_held, 0);
	ASSERT_EQ(fk.bad_release, 0);
}

static void rtsp_mod_ipv6(void)
{
	struct rtsp_flow rf;
	struct run r;
	const char req[] =
		"SETUP rtsp://[2001:db8::7]/s RTSP/1.0\r\nCSeq: 2\r\n"
		"Transport: RTP/AVP;unicast;destination=2001:db8::10;"
		"client_port=5000-5001\r\n\r\n";

	flow(&rf, true, BPFALG_MODE_ON, "");
	rf.af.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::10", rf.af.inside);
	inet_pton(AF_INET6, "2001:db8::10", rf.af.public_addr);
	inet_pton(AF_INET6, "2001:db8::7", rf.af.peer);
	FEED(&rf, 0, req, &r);
	/* no NAT: pinholes only, every byte kept */
	ASSERT_STREQ(r.fwd, req);
	ASSERT_EQ(fk.n, 2);
	ASSERT_TRUE(fk.c[0].x.family == AF_INET6 && fk.c[0].pub == 5000 &&
			    !memcmp(fk.c[0].x.remote, rf.af.peer, 16),
		    "v6 pinhole");
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 0);
}

static void rtsp_mod_stream_limit(void)
{
	struct rtsp_flow rf;
	struct run r;
	char req[256];

	flow(&rf, true, BPFALG_MODE_ON, "");
	for (int i = 0; i <= RTSP_ALG_STREAMS; i++) {
		int n = snprintf(req, sizeof(req),
				 "SETUP rtsp://h/s/%d RTSP/1.0\r\nCSeq: %d\r\n"
				 "Transport: RTP/AVP;unicast;client_port=%d-%d"
				 "\r\n\r\n",
				 i, i + 1, 5000 + 2 * i, 5001 + 2 * i);

		feed(&rf, 0, req, (size_t)n, &r);
	}
	ASSERT_EQ(fk.n_held, 2 * RTSP_ALG_STREAMS);
	ASSERT_EQ(cnt[BPFALG_AS_REFUSED], 1);
	/* a repeated SETUP of the same ports reuses its stream */
	FEED(&rf, 0,
	     "SETUP rtsp://h/s/0 RTSP/1.0\r\nCSeq: 20\r\n"
	     "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
	     &r);
	ASSERT_EQ(cnt[BPFALG_AS_REFUSED], 1);
	ASSERT_EQ(rf.st[0].cseq, 20);
	rtsp_module.fini(&rf.af);
	ASSERT_EQ(fk.n_held, 0);
	ASSERT_EQ(fk.bad_release, 0);
}

UNIT_CASES(rtsp_cases, CASE(rtsp_request_line), CASE(rtsp_status_line),
	   CASE(rtsp_bad_start_lines), CASE(rtsp_headers_and_body),
	   CASE(rtsp_body_ends_inside_line), CASE(rtsp_framing_hostile),
	   CASE(rtsp_blank_interleaved_tls), CASE(rtsp_tail_cases),
	   CASE(rtsp_blind_start), CASE(rtsp_cseq_session),
	   CASE(rtsp_transport_basic), CASE(rtsp_transport_forms),
	   CASE(rtsp_transport_reply), CASE(rtsp_transport_alternatives),
	   CASE(rtsp_transport_v2), CASE(rtsp_transport_hostile),
	   CASE(rtsp_render_exact), CASE(rtsp_render_cap),
	   CASE(rtsp_mod_ports_kept), CASE(rtsp_mod_random_ports),
	   CASE(rtsp_mod_no_pair), CASE(rtsp_mod_alternatives),
	   CASE(rtsp_mod_two_udp_alternatives), CASE(rtsp_mod_interleaved_only),
	   CASE(rtsp_mod_destination), CASE(rtsp_mod_v2),
	   CASE(rtsp_mod_body_not_headers),
	   CASE(rtsp_mod_body_ends_inside_line),
	   CASE(rtsp_mod_blind_after_body), CASE(rtsp_mod_cseq_matching),
	   CASE(rtsp_mod_teardown), CASE(rtsp_mod_timeout_fini),
	   CASE(rtsp_mod_policy), CASE(rtsp_mod_observe), CASE(rtsp_mod_tls),
	   CASE(rtsp_mod_hostile), CASE(rtsp_mod_server_inside),
	   CASE(rtsp_mod_ipv6), CASE(rtsp_mod_stream_limit));
