// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_sip.c - SIP parser and framer (user/alg/sip.c), SDP parser
 * (user/alg/sdp.c) and the rewriter (user/alg/sip_rewrite.c): byte-exact
 * fixtures of the messages a SIP ALG meets (INVITE/200 with SDP,
 * REGISTER/401, BYE, CANCEL, hold, T.38, multi-media, RTCP, ICE), compact
 * forms, folding, LF-only, IPv6, torture cases of our own in the spirit of
 * RFC 4475, the framer on streams, rewrites byte for byte (Content-Length
 * grown, shrunk, in "l:" form) and every refusal.  The rewritten
 * fixtures are exported (sip_xcheck) for test_sip_osip.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "alg/sdp.h"
#include "alg/sip.h"
#include "alg/sip_rewrite.h"
#include "unit.h"

#include "test_sip.h"

/* A string literal as bytes and its length (embedded NULs included). */
#define LIT(s) (const uint8_t *)(s), sizeof(s) - 1

/* Large: file scope rather than on each case's stack. */
static struct sip_msg M, M2;
static struct sdp S;
static struct sip_edits ED;
static uint8_t OUT[SIP_MAX_MSG + 1024];

static const uint8_t inside4[16] = { 10, 0, 0, 2 };
static const uint8_t pub4[16] = { 203, 0, 113, 200 };
static const uint8_t peer4[16] = { 198, 51, 100, 7 };

/* Does the span hold exactly the text s? */
static int is(const uint8_t *b, struct sip_span sp, const char *s)
{
	return sp.len == strlen(s) && !memcmp(b + sp.off, s, sp.len);
}

#define ASSERT_SPAN(b, sp, s)                                     \
	ASSERT_TRUE(is((const uint8_t *)(b), (sp), (s)),          \
		    "%s: \"%.*s\" != \"%s\"", #sp, (int)(sp).len, \
		    (const char *)(b) + (sp).off, (s))

/* Parse reason of a datagram that must fail ("" if it parses). */
static const char *why_dgram(const void *s, size_t n)
{
	if (!sip_parse((const uint8_t *)s, n, 0, &M))
		return "";
	return M.why;
}

static const char *why_stream(const void *s, size_t n)
{
	if (!sip_parse((const uint8_t *)s, n, SIP_PARSE_STREAM, &M))
		return "";
	return M.why;
}

/* Exact bytes of a rewrite result. */
#define ASSERT_BYTES(got, n, want)                                    \
	ASSERT_TRUE((size_t)(n) == sizeof(want) - 1 &&                \
			    !memcmp((got), (want), sizeof(want) - 1), \
		    "output (%d bytes) differs from %s (%zu):\n%.*s", \
		    (int)(n), #want, sizeof(want) - 1,                \
		    (int)((n) > 0 ? (n) : 0), (const char *)(got))

/* ---- fixtures: input messages (generated once, checked in as bytes) ---- */

static const char fx_invite[] =
	"INVITE sip:bob@198.51.100.7 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK74bf9;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sip:alice@10.0.0.2>;tag=9fxced76sl\r\n"
	"To: Bob <sip:bob@198.51.100.7>\r\n"
	"Call-ID: 3848276298220188511@10.0.0.2\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:alice@10.0.0.2:5060;transport=udp>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 219\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 10.0.0.2\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.2\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=rtcp:49171\r\n"
	"a=sendrecv\r\n";

static const char fx_ok200[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP "
	"203.0.113.200:5060;branch=z9hG4bK74bf9;rport=5060;received=203.0.113."
	"200\r\n"
	"From: Alice <sip:alice@203.0.113.200>;tag=9fxced76sl\r\n"
	"To: Bob <sip:bob@198.51.100.7>;tag=8321234356\r\n"
	"Call-ID: 3848276298220188511@10.0.0.2\r\n"
	"CSeq: 1 INVITE\r\n"
	"Record-Route: <sip:198.51.100.1;lr>, <sip:198.51.100.2;lr>\r\n"
	"Contact: <sip:bob@198.51.100.7>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 151\r\n"
	"\r\n"
	"v=0\r\n"
	"o=bob 2808844564 2808844564 IN IP4 198.51.100.7\r\n"
	"s=-\r\n"
	"c=IN IP4 198.51.100.7\r\n"
	"t=0 0\r\n"
	"m=audio 3456 RTP/AVP 0 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtcp-mux\r\n";

static const char fx_register[] =
	"REGISTER sip:registrar.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKnashds7\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@example.com>\r\n"
	"From: Bob <sip:bob@example.com>;tag=456248\r\n"
	"Call-ID: 843817637684230@998sdasdh09\r\n"
	"CSeq: 1826 REGISTER\r\n"
	"Contact: <sip:bob@10.0.0.2>;expires=7200, "
	"<sip:bob@10.0.0.2:5070>;q=0.5\r\n"
	"Expires: 3600\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char fx_unregister[] =
	"REGISTER sip:registrar.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKnashds8\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@example.com>\r\n"
	"From: Bob <sip:bob@example.com>;tag=456249\r\n"
	"Call-ID: 843817637684230@998sdasdh09\r\n"
	"CSeq: 1827 REGISTER\r\n"
	"Contact: *\r\n"
	"Expires: 0\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char fx_challenge[] =
	"SIP/2.0 401 Unauthorized\r\n"
	"Via: SIP/2.0/UDP "
	"10.0.0.2:5060;branch=z9hG4bKnashds7;received=192.0.2.1;rport=6000\r\n"
	"From: Bob <sip:bob@example.com>;tag=456248\r\n"
	"To: Bob <sip:bob@example.com>;tag=2493k59kd\r\n"
	"Call-ID: 843817637684230@998sdasdh09\r\n"
	"CSeq: 1826 REGISTER\r\n"
	"WWW-Authenticate: Digest realm=\"example.com\", qop=\"auth\",\r\n"
	" nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\", "
	"stale=FALSE, algorithm=MD5\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char fx_bye[] =
	"BYE sip:bob@198.51.100.7 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKnashds10\r\n"
	"Max-Forwards: 70\r\n"
	"Route: <sip:198.51.100.1;lr>\r\n"
	"From: Alice <sip:alice@10.0.0.2>;tag=9fxced76sl\r\n"
	"To: Bob <sip:bob@198.51.100.7>;tag=8321234356\r\n"
	"Call-ID: 3848276298220188511@10.0.0.2\r\n"
	"CSeq: 2 BYE\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char fx_cancel[] =
	"CANCEL sip:bob@198.51.100.7 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK74bf9\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sip:alice@10.0.0.2>;tag=9fxced76sl\r\n"
	"To: Bob <sip:bob@198.51.100.7>\r\n"
	"Call-ID: 3848276298220188511@10.0.0.2\r\n"
	"CSeq: 1 CANCEL\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char fx_hold[] =
	"INVITE sip:bob@198.51.100.7 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.168.100.200:5060;branch=z9hG4bKhold1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@192.168.100.200>;tag=h1\r\n"
	"To: <sip:bob@198.51.100.7>;tag=h2\r\n"
	"Call-ID: hold-1@192.168.100.200\r\n"
	"CSeq: 3 INVITE\r\n"
	"Contact: <sip:alice@192.168.100.200>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 126\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844527 IN IP4 192.168.100.200\r\n"
	"s=-\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"t=0 0\r\n"
	"m=audio 16384 RTP/AVP 0\r\n"
	"a=sendonly\r\n";

static const char fx_t38[] =
	"INVITE sip:fax@198.51.100.7 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKt38\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:fax@10.0.0.2>;tag=t1\r\n"
	"To: <sip:fax@198.51.100.7>;tag=t2\r\n"
	"Call-ID: t38@10.0.0.2\r\n"
	"CSeq: 4 INVITE\r\n"
	"Contact: <sip:fax@10.0.0.2>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 146\r\n"
	"\r\n"
	"v=0\r\n"
	"o=fax 1 2 IN IP4 10.0.0.2\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.2\r\n"
	"t=0 0\r\n"
	"m=image 49172 udptl t38\r\n"
	"a=T38FaxVersion:0\r\n"
	"a=T38FaxRateManagement:transferredTCF\r\n";

static const char fx_sdp_multi[] = "v=0\r\n"
				   "o=- 20518 0 IN IP4 10.0.0.2\r\n"
				   "s=multi\r\n"
				   "c=IN IP4 224.2.1.1/127/3\r\n"
				   "t=0 0\r\n"
				   "a=recvonly\r\n"
				   "m=audio 49170/2 RTP/AVP 0\r\n"
				   "c=IN IP4 10.0.0.2\r\n"
				   "m=video 0 RTP/AVP 31\r\n"
				   "m=application 5000 TCP/MSRP *\r\n"
				   "c=IN IP6 FF15::101/3\r\n"
				   "m=text 6000 RTP/SAVP 98\r\n"
				   "a=inactive\r\n";

static const char fx_sdp_rtcp[] = "v=0\r\n"
				  "o=- 1 1 IN IP4 10.0.0.2\r\n"
				  "s=-\r\n"
				  "c=IN IP4 10.0.0.2\r\n"
				  "t=0 0\r\n"
				  "m=audio 40000 RTP/AVP 0\r\n"
				  "a=rtcp:40001\r\n"
				  "m=video 40002 RTP/AVP 96\r\n"
				  "a=rtcp:53020 IN IP4 10.0.0.2\r\n"
				  "m=audio 40004 RTP/AVPF 0\r\n"
				  "a=rtcp-mux\r\n";

static const char fx_sdp_ice[] =
	"v=0\r\n"
	"o=- 1 1 IN IP4 10.0.0.2\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.2\r\n"
	"t=0 0\r\n"
	"a=ice-ufrag:8hhY\r\n"
	"a=ice-pwd:asd88fgpdd777uzjYhagZg\r\n"
	"m=audio 45664 RTP/AVP 0\r\n"
	"a=candidate:1 1 UDP 2130706431 10.0.0.2 45664 typ host\r\n"
	"a=candidate:2 1 UDP 1694498815 203.0.113.200 45664 typ srflx raddr "
	"10.0.0.2 rport 45664\r\n";

static const char fx_compact[] =
	"INVITE sip:bob@198.51.100.7 SIP/2.0\r\n"
	"v: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKcomp\r\n"
	"f: <sip:alice@10.0.0.2>;tag=c1\r\n"
	"t: <sip:bob@198.51.100.7>\r\n"
	"i: compact@10.0.0.2\r\n"
	"CSeq: 5 INVITE\r\n"
	"m: <sip:alice@10.0.0.2>\r\n"
	"c: application/sdp\r\n"
	"k: 100rel\r\n"
	"s: compact forms\r\n"
	"l: 85\r\n"
	"\r\n"
	"v=0\r\n"
	"o=- 1 1 IN IP4 10.0.0.2\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.2\r\n"
	"t=0 0\r\n"
	"m=audio 8000 RTP/AVP 0\r\n";

static const char fx_folded_lf[] = "OPTIONS sip:bob@198.51.100.7 SIP/2.0\n"
				   "Via: SIP/2.0/UDP\n"
				   " 10.0.0.2:5060\n"
				   "\t;branch=z9hG4bKfold\n"
				   "From: <sip:alice@10.0.0.2>;tag=f1\n"
				   "To:\n"
				   "  <sip:bob@198.51.100.7>\n"
				   "Call-ID: fold@10.0.0.2\n"
				   "CSeq: 6 OPTIONS\n"
				   "Subject: I know you're there,\n"
				   "\tpick up the phone\n"
				   "Contact: <sip:alice@10.0.0.2>,\n"
				   " <sip:alice2@10.0.0.2:5080>\n"
				   "Content-Length: 0\n"
				   "\n";

static const char fx_vias[] =
	"INVITE sip:[2001:db8::2] SIP/2.0\r\n"
	"Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKv6a, SIP/2.0/TCP "
	"10.0.0.3;branch=z9hG4bKv6b;received=10.0.0.2\r\n"
	"Via: SIP/2.0/TLS [2001:db8::9];branch=z9hG4bKv6c\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@[2001:db8::1]>;tag=v1\r\n"
	"To: <sip:[2001:db8::2]:5070>\r\n"
	"Call-ID: v6@host\r\n"
	"CSeq: 7 INVITE\r\n"
	"Contact: <sips:alice@[2001:db8::1]:5061>\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* ---- expected rewrite results ---- */

static const char ex_invite_out[] =
	"INVITE sip:bob@198.51.100.7 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 203.0.113.200:5060;branch=z9hG4bK74bf9;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sip:alice@203.0.113.200>;tag=9fxced76sl\r\n"
	"To: Bob <sip:bob@198.51.100.7>\r\n"
	"Call-ID: 3848276298220188511@10.0.0.2\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:alice@203.0.113.200:15060;transport=udp>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 229\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 203.0.113.200\r\n"
	"s=-\r\n"
	"c=IN IP4 203.0.113.200\r\n"
	"t=0 0\r\n"
	"m=audio 30000 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=rtcp:30001\r\n"
	"a=sendrecv\r\n";

static const char ex_hold_out[] =
	"INVITE sip:bob@198.51.100.7 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bKhold1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@1.2.3.4>;tag=h1\r\n"
	"To: <sip:bob@198.51.100.7>;tag=h2\r\n"
	"Call-ID: hold-1@192.168.100.200\r\n"
	"CSeq: 3 INVITE\r\n"
	"Contact: <sip:alice@1.2.3.4>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 117\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844527 IN IP4 1.2.3.4\r\n"
	"s=-\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"t=0 0\r\n"
	"m=audio 2000 RTP/AVP 0\r\n"
	"a=sendonly\r\n";

static const char ex_compact_out[] =
	"INVITE sip:bob@198.51.100.7 SIP/2.0\r\n"
	"v: SIP/2.0/UDP 203.0.113.200;branch=z9hG4bKcomp\r\n"
	"f: <sip:alice@203.0.113.200>;tag=c1\r\n"
	"t: <sip:bob@198.51.100.7>\r\n"
	"i: compact@10.0.0.2\r\n"
	"CSeq: 5 INVITE\r\n"
	"m: <sip:alice@203.0.113.200>\r\n"
	"c: application/sdp\r\n"
	"k: 100rel\r\n"
	"s: compact forms\r\n"
	"l: 96\r\n"
	"\r\n"
	"v=0\r\n"
	"o=- 1 1 IN IP4 203.0.113.200\r\n"
	"s=-\r\n"
	"c=IN IP4 203.0.113.200\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 0\r\n";

static const char ex_ok200_out[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP "
	"10.0.0.2:5060;branch=z9hG4bK74bf9;rport=5060;received=10.0.0.2\r\n"
	"From: Alice <sip:alice@203.0.113.200>;tag=9fxced76sl\r\n"
	"To: Bob <sip:bob@198.51.100.7>;tag=8321234356\r\n"
	"Call-ID: 3848276298220188511@10.0.0.2\r\n"
	"CSeq: 1 INVITE\r\n"
	"Record-Route: <sip:198.51.100.1;lr>, <sip:198.51.100.2;lr>\r\n"
	"Contact: <sip:bob@198.51.100.7>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 151\r\n"
	"\r\n"
	"v=0\r\n"
	"o=bob 2808844564 2808844564 IN IP4 198.51.100.7\r\n"
	"s=-\r\n"
	"c=IN IP4 198.51.100.7\r\n"
	"t=0 0\r\n"
	"m=audio 3456 RTP/AVP 0 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtcp-mux\r\n";

static const char ex_vias_out[] =
	"INVITE sip:[2001:db8::2] SIP/2.0\r\n"
	"Via: SIP/2.0/UDP [2001:db8::ff]:5060;branch=z9hG4bKv6a, SIP/2.0/TCP "
	"10.0.0.3;branch=z9hG4bKv6b;received=10.0.0.2\r\n"
	"Via: SIP/2.0/TLS [2001:db8::9];branch=z9hG4bKv6c\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@[2001:db8::ff]>;tag=v1\r\n"
	"To: <sip:[2001:db8::2]:5070>\r\n"
	"Call-ID: v6@host\r\n"
	"CSeq: 7 INVITE\r\n"
	"Contact: <sips:alice@[2001:db8::1]:5061>\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* A request without a body, for the torture cases: headers are appended. */
#define T_HEAD                                          \
	"OPTIONS sip:bob@198.51.100.7 SIP/2.0\r\n"      \
	"Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKt\r\n" \
	"From: <sip:a@10.0.0.2>;tag=1\r\n"              \
	"To: <sip:bob@198.51.100.7>\r\n"                \
	"Call-ID: t@x\r\n"                              \
	"CSeq: 1 OPTIONS\r\n"

static void sip_invite_parse(void)
{
	const uint8_t *b = (const uint8_t *)fx_invite;
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(fx_invite), 0, &M), 0);
	ASSERT_TRUE(M.request, "request");
	ASSERT_EQ(M.method, SIP_M_INVITE);
	ASSERT_SPAN(b, M.method_s, "INVITE");
	ASSERT_EQ(M.n_hdrs, 9);
	ASSERT_EQ(M.n_values, 5);
	ASSERT_SPAN(b, M.call_id, "3848276298220188511@10.0.0.2");
	ASSERT_EQ(M.cseq, 1);
	ASSERT_EQ(M.cseq_method, SIP_M_INVITE);
	ASSERT_TRUE(sip_body_is_sdp(b, &M), "sdp body");
	ASSERT_EQ(M.clen_hdr, 8);
	ASSERT_SPAN(b, M.clen, "219");
	ASSERT_EQ(M.body_len, 219);
	ASSERT_EQ(M.body_off + M.body_len, sizeof(fx_invite) - 1);
	ASSERT_EQ(M.msg_len, sizeof(fx_invite) - 1);
	ASSERT_EQ(M.head_len + 2, M.body_off);

	v = sip_value_find(&M, SIP_H_REQUEST_URI, 0);
	ASSERT_TRUE(v && v->hdr == SIP_NO_HDR, "Request-URI");
	ASSERT_SPAN(b, v->uri, "sip:bob@198.51.100.7");
	ASSERT_SPAN(b, v->hostport, "198.51.100.7");
	ASSERT_TRUE(v->family == AF_INET && !memcmp(v->addr, peer4, 16),
		    "ruri addr");

	v = sip_value_find(&M, SIP_H_VIA, 0);
	ASSERT_TRUE(v != NULL, "top Via");
	ASSERT_SPAN(b, v->transport, "UDP");
	ASSERT_SPAN(b, v->hostport, "10.0.0.2:5060");
	ASSERT_SPAN(b, v->host, "10.0.0.2");
	ASSERT_SPAN(b, v->portnum, "5060");
	ASSERT_EQ(v->port, 5060);
	ASSERT_SPAN(b, v->branch, "z9hG4bK74bf9");
	ASSERT_TRUE(v->flags & SIP_V_RPORT, "rport");
	ASSERT_EQ(v->rport.len, 0);
	ASSERT_EQ(v->rport_num, 0);
	ASSERT_TRUE(v->family == AF_INET && !memcmp(v->addr, inside4, 16),
		    "via addr");
	ASSERT_TRUE(sip_value_find(&M, SIP_H_VIA, 1) == NULL, "one Via");

	v = sip_value_find(&M, SIP_H_FROM, 0);
	ASSERT_SPAN(b, v->span, "Alice <sip:alice@10.0.0.2>;tag=9fxced76sl");
	ASSERT_SPAN(b, v->uri, "sip:alice@10.0.0.2");
	ASSERT_SPAN(b, v->hostport, "10.0.0.2");
	ASSERT_SPAN(b, v->tag, "9fxced76sl");
	ASSERT_TRUE((v->flags & (SIP_V_TAG | SIP_V_NAME_ADDR | SIP_V_PORT)) ==
			    (SIP_V_TAG | SIP_V_NAME_ADDR),
		    "From flags %x", v->flags);

	v = sip_value_find(&M, SIP_H_TO, 0);
	ASSERT_SPAN(b, v->host, "198.51.100.7");
	ASSERT_TRUE(!(v->flags & SIP_V_TAG), "no To tag");

	v = sip_value_find(&M, SIP_H_CONTACT, 0);
	ASSERT_SPAN(b, v->uri, "sip:alice@10.0.0.2:5060;transport=udp");
	ASSERT_SPAN(b, v->hostport, "10.0.0.2:5060");
	ASSERT_EQ(v->port, 5060);

	ASSERT_SPAN(b, M.hdrs[0].name, "Via");
	ASSERT_SPAN(b, M.hdrs[0].field,
		    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK74bf9;rport");
	ASSERT_SPAN(b, sip_header_find(&M, SIP_H_MAX_FORWARDS, 0)->value, "70");
	ASSERT_STREQ(sip_hdr_name(SIP_H_CALL_ID), "Call-ID");
	ASSERT_STREQ(sip_method_name(SIP_M_PRACK), "PRACK");
}

static void sip_invite_sdp(void)
{
	const uint8_t *b = (const uint8_t *)fx_invite;
	const struct sdp_media *md;

	ASSERT_EQ(sip_parse(LIT(fx_invite), 0, &M), 0);
	ASSERT_EQ(sdp_parse(b, M.body_off, M.body_len, &S), 0);
	ASSERT_SPAN(b, S.origin_line,
		    "o=alice 2890844526 2890844526 IN IP4 10.0.0.2");
	ASSERT_SPAN(b, S.origin.span, "10.0.0.2");
	ASSERT_SPAN(b, S.origin_addrtype, "IP4");
	ASSERT_TRUE(S.origin.family == AF_INET &&
			    !memcmp(S.origin.addr, inside4, 16),
		    "origin");
	ASSERT_EQ(S.n_conn, 1);
	ASSERT_EQ(S.session_conn, 0);
	ASSERT_EQ(S.conn[0].media, SDP_NONE);
	ASSERT_SPAN(b, S.conn[0].line, "c=IN IP4 10.0.0.2");
	ASSERT_SPAN(b, S.conn[0].a.span, "10.0.0.2");
	ASSERT_TRUE(!S.conn[0].hold && !S.conn[0].multicast, "plain c=");
	ASSERT_EQ(S.n_media, 1);
	md = &S.media[0];
	ASSERT_EQ(md->type, SDP_MT_AUDIO);
	ASSERT_EQ(md->proto, SDP_P_RTP_AVP);
	ASSERT_EQ(md->port, 49170);
	ASSERT_EQ(md->nports, 1);
	ASSERT_SPAN(b, md->port_s, "49170");
	ASSERT_SPAN(b, md->fmt, "0 8 101");
	ASSERT_TRUE(md->has_rtcp && md->rtcp_port == 49171, "rtcp");
	ASSERT_SPAN(b, md->rtcp_port_s, "49171");
	ASSERT_EQ(md->rtcp_addr.span.len, 0);
	ASSERT_EQ(md->dir, SDP_DIR_SENDRECV);
	ASSERT_TRUE(sdp_media_conn(&S, 0) == &S.conn[0], "media conn");
	ASSERT_EQ(md->section.off + md->section.len, sizeof(fx_invite) - 1);
	ASSERT_TRUE(!S.ice && !S.n_candidates, "no ICE");
	ASSERT_STREQ(sdp_media_label(md->type), "m=audio");
}

static void sip_ok200_parse(void)
{
	const uint8_t *b = (const uint8_t *)fx_ok200;
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(fx_ok200), 0, &M), 0);
	ASSERT_TRUE(!M.request, "response");
	ASSERT_EQ(M.status, 200);
	ASSERT_SPAN(b, M.reason, "OK");
	ASSERT_EQ(M.cseq_method, SIP_M_INVITE);
	v = sip_value_find(&M, SIP_H_VIA, 0);
	ASSERT_SPAN(b, v->received, "203.0.113.200");
	ASSERT_SPAN(b, v->rport, "5060");
	ASSERT_EQ(v->rport_num, 5060);
	ASSERT_TRUE(v->flags & SIP_V_RECEIVED, "received");
	v = sip_value_find(&M, SIP_H_RECORD_ROUTE, 1);
	ASSERT_TRUE(v && v->nth == 1, "second Record-Route");
	ASSERT_SPAN(b, v->span, "<sip:198.51.100.2;lr>");
	ASSERT_SPAN(b, v->hostport, "198.51.100.2");
	ASSERT_SPAN(b, sip_value_find(&M, SIP_H_TO, 0)->tag, "8321234356");
	ASSERT_EQ(sdp_parse(b, M.body_off, M.body_len, &S), 0);
	ASSERT_TRUE(S.media[0].rtcp_mux && !S.media[0].has_rtcp, "rtcp-mux");
	ASSERT_EQ(S.media[0].port, 3456);
	ASSERT_EQ(sdp_media_dir(&S, 0), SDP_DIR_SENDRECV);
	ASSERT_EQ(S.media[0].dir, SDP_DIR_NONE);
}

static void sip_register(void)
{
	const uint8_t *b = (const uint8_t *)fx_register;
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(fx_register), 0, &M), 0);
	ASSERT_EQ(M.method, SIP_M_REGISTER);
	ASSERT_TRUE(M.has_expires && M.expires == 3600, "Expires");
	ASSERT_EQ(M.body_len, 0);
	ASSERT_EQ(M.msg_len, sizeof(fx_register) - 1);
	v = sip_value_find(&M, SIP_H_REQUEST_URI, 0);
	ASSERT_SPAN(b, v->host, "registrar.example.com");
	ASSERT_EQ(v->family, 0);
	v = sip_value_find(&M, SIP_H_CONTACT, 0);
	ASSERT_TRUE((v->flags & SIP_V_EXPIRES) && v->expires == 7200,
		    "expires=");
	ASSERT_SPAN(b, v->hostport, "10.0.0.2");
	v = sip_value_find(&M, SIP_H_CONTACT, 1);
	ASSERT_TRUE(v && !(v->flags & SIP_V_EXPIRES), "second Contact");
	ASSERT_SPAN(b, v->span, "<sip:bob@10.0.0.2:5070>;q=0.5");
	ASSERT_EQ(v->port, 5070);
	ASSERT_EQ(v->hdr, sip_value_find(&M, SIP_H_CONTACT, 0)->hdr);

	ASSERT_EQ(sip_parse(LIT(fx_unregister), 0, &M), 0);
	ASSERT_TRUE(M.has_expires && M.expires == 0, "Expires: 0");
	v = sip_value_find(&M, SIP_H_CONTACT, 0);
	ASSERT_TRUE(v && (v->flags & SIP_V_STAR) && !v->family &&
			    !v->hostport.len,
		    "Contact: *");
	ASSERT_SPAN(fx_unregister, v->span, "*");
}

static void sip_challenge(void)
{
	const uint8_t *b = (const uint8_t *)fx_challenge;
	const struct sip_header *h;
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(fx_challenge), 0, &M), 0);
	ASSERT_EQ(M.status, 401);
	ASSERT_SPAN(b, M.reason, "Unauthorized");
	ASSERT_EQ(M.cseq_method, SIP_M_REGISTER);
	h = &M.hdrs[5];
	ASSERT_EQ(h->id, SIP_H_OTHER);
	ASSERT_SPAN(b, h->name, "WWW-Authenticate");
	/* folded: the span runs over the inner line break */
	ASSERT_SPAN(b, h->value,
		    "Digest realm=\"example.com\", qop=\"auth\",\r\n "
		    "nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\", "
		    "stale=FALSE, algorithm=MD5");
	v = sip_value_find(&M, SIP_H_VIA, 0);
	ASSERT_SPAN(b, v->received, "192.0.2.1");
	ASSERT_EQ(v->rport_num, 6000);
}

static void sip_bye_cancel(void)
{
	const uint8_t *b = (const uint8_t *)fx_bye;
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(fx_bye), 0, &M), 0);
	ASSERT_EQ(M.method, SIP_M_BYE);
	ASSERT_EQ(M.cseq, 2);
	ASSERT_EQ(M.cseq_method, SIP_M_BYE);
	v = sip_value_find(&M, SIP_H_ROUTE, 0);
	ASSERT_SPAN(b, v->uri, "sip:198.51.100.1;lr");
	ASSERT_SPAN(b, v->hostport, "198.51.100.1");
	ASSERT_EQ(M.msg_len, sizeof(fx_bye) - 1);

	b = (const uint8_t *)fx_cancel;
	ASSERT_EQ(sip_parse(LIT(fx_cancel), 0, &M), 0);
	ASSERT_EQ(M.method, SIP_M_CANCEL);
	ASSERT_EQ(M.cseq_method, SIP_M_CANCEL);
	ASSERT_SPAN(b, sip_value_find(&M, SIP_H_VIA, 0)->branch,
		    "z9hG4bK74bf9");
}

static void sip_hold_sdp(void)
{
	const uint8_t *b = (const uint8_t *)fx_hold;

	ASSERT_EQ(sip_parse(LIT(fx_hold), 0, &M), 0);
	ASSERT_EQ(sdp_parse(b, M.body_off, M.body_len, &S), 0);
	ASSERT_TRUE(S.conn[0].hold, "c=0.0.0.0 is hold");
	ASSERT_EQ(S.media[0].dir, SDP_DIR_SENDONLY);
	ASSERT_EQ(sdp_media_dir(&S, 0), SDP_DIR_SENDONLY);
	ASSERT_STREQ(sdp_dir_name(sdp_media_dir(&S, 0)), "sendonly");
	ASSERT_EQ(S.origin.addr[0], 192);
}

static void sip_t38(void)
{
	const uint8_t *b = (const uint8_t *)fx_t38;

	ASSERT_EQ(sip_parse(LIT(fx_t38), 0, &M), 0);
	ASSERT_EQ(sdp_parse(b, M.body_off, M.body_len, &S), 0);
	ASSERT_EQ(S.n_media, 1);
	ASSERT_EQ(S.media[0].type, SDP_MT_IMAGE);
	ASSERT_EQ(S.media[0].proto, SDP_P_UDPTL);
	ASSERT_EQ(S.media[0].port, 49172);
	ASSERT_SPAN(b, S.media[0].fmt, "t38");
	ASSERT_STREQ(sdp_media_label(SDP_MT_IMAGE), "m=image");
}

static void sdp_multi_media(void)
{
	const uint8_t *b = (const uint8_t *)fx_sdp_multi;

	ASSERT_EQ(sdp_parse(b, 0, sizeof(fx_sdp_multi) - 1, &S), 0);
	ASSERT_EQ(S.n_media, 4);
	ASSERT_EQ(S.n_conn, 3);
	/* session c=: IPv4 multicast with ttl and count */
	ASSERT_EQ(S.session_conn, 0);
	ASSERT_SPAN(b, S.conn[0].a.span, "224.2.1.1");
	ASSERT_TRUE(S.conn[0].multicast && S.conn[0].ttl == 127 &&
			    S.conn[0].count == 3,
		    "multicast c=");
	ASSERT_EQ(S.dir, SDP_DIR_RECVONLY);
	/* audio: two ports, its own c= */
	ASSERT_EQ(S.media[0].port, 49170);
	ASSERT_EQ(S.media[0].nports, 2);
	ASSERT_SPAN(b, S.media[0].port_s, "49170");
	ASSERT_SPAN(b, S.media[0].nports_s, "2");
	ASSERT_EQ(S.media[0].n_conn, 1);
	ASSERT_TRUE(sdp_media_conn(&S, 0) == &S.conn[1], "audio c=");
	ASSERT_EQ(sdp_media_dir(&S, 0), SDP_DIR_RECVONLY);
	/* video: disabled (port 0), session c= applies */
	ASSERT_EQ(S.media[1].type, SDP_MT_VIDEO);
	ASSERT_EQ(S.media[1].port, 0);
	ASSERT_TRUE(sdp_media_conn(&S, 1) == &S.conn[0], "video c=");
	/* application over TCP, IPv6 multicast c= with a count */
	ASSERT_EQ(S.media[2].type, SDP_MT_APPLICATION);
	ASSERT_EQ(S.media[2].proto, SDP_P_TCP);
	ASSERT_SPAN(b, S.media[2].proto_s, "TCP/MSRP");
	ASSERT_SPAN(b, S.conn[2].a.span, "FF15::101");
	ASSERT_TRUE(S.conn[2].a.family == AF_INET6 && S.conn[2].multicast &&
			    S.conn[2].count == 3 && S.conn[2].media == 2,
		    "IPv6 multicast c=");
	/* text over SRTP, inactive */
	ASSERT_EQ(S.media[3].type, SDP_MT_TEXT);
	ASSERT_EQ(S.media[3].proto, SDP_P_RTP_SAVP);
	ASSERT_EQ(sdp_media_dir(&S, 3), SDP_DIR_INACTIVE);
	ASSERT_EQ(S.media[3].section.off + S.media[3].section.len,
		  sizeof(fx_sdp_multi) - 1);
	ASSERT_EQ(S.media[2].section.off + S.media[2].section.len,
		  S.media[3].line.off);
}

static void sdp_rtcp(void)
{
	const uint8_t *b = (const uint8_t *)fx_sdp_rtcp;

	ASSERT_EQ(sdp_parse(b, 0, sizeof(fx_sdp_rtcp) - 1, &S), 0);
	ASSERT_EQ(S.n_media, 3);
	ASSERT_TRUE(S.media[0].has_rtcp && S.media[0].rtcp_port == 40001 &&
			    !S.media[0].rtcp_addr.span.len,
		    "a=rtcp: port only");
	ASSERT_TRUE(S.media[1].has_rtcp && S.media[1].rtcp_port == 53020,
		    "a=rtcp: with address");
	ASSERT_SPAN(b, S.media[1].rtcp_addr.span, "10.0.0.2");
	ASSERT_EQ(S.media[1].rtcp_addr.family, AF_INET);
	ASSERT_TRUE(S.media[2].rtcp_mux && !S.media[2].has_rtcp, "rtcp-mux");
	ASSERT_EQ(S.media[2].proto, SDP_P_RTP_AVPF);
}

static void sdp_ice(void)
{
	const uint8_t *b = (const uint8_t *)fx_sdp_ice;
	struct sip_ref refs[8];

	ASSERT_EQ(sdp_parse(b, 0, sizeof(fx_sdp_ice) - 1, &S), 0);
	ASSERT_TRUE(S.ice, "ICE");
	ASSERT_EQ(S.n_candidates, 2);
	ASSERT_EQ(S.media[0].n_candidates, 2);
	/* candidates name the inside address but are never offered for
	 * rewriting: o= and c= are
	 */
	ASSERT_EQ(sdp_find(&S, SIP_W_SDP, AF_INET, inside4, refs, 8), 2);
	ASSERT_EQ(refs[0].where, SIP_W_SDP_ORIGIN);
	ASSERT_EQ(refs[1].where, SIP_W_SDP_CONN);
}

static void sdp_bad(void)
{
	static const struct {
		const char *sdp, *why;
	} t[] = {
		{ "", "empty SDP" },
		{ "\r\n\r\n", "empty SDP" },
		{ "o=- 1 1 IN IP4 1.2.3.4\r\n", "SDP does not start with v=0" },
		{ "v=1\r\n", "SDP does not start with v=0" },
		{ "v=0\r\n", "missing o= line" },
		{ "v=0\r\nX=1\r\n", "bad SDP line" },
		{ "v=0\r\nnonsense\r\n", "bad SDP line" },
		{ "v=0\r\no=- 1 1 IN IP4\r\n", "bad o= line" },
		{ "v=0\r\no=- 1 1 IN IP5 1.2.3.4\r\n", "bad o= address type" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4\r\n",
		  "bad c= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4/x\r\n",
		  "bad c= address" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP6 ff15::1/1/2\r\n",
		  "bad c= address" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n"
		  "c=IN IP4 1.2.3.5\r\n",
		  "two session c= lines" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 65536 RTP/AVP "
		  "0\r\n",
		  "bad m= port" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 5/0 RTP/AVP 0\r\n",
		  "bad m= port count" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 5\r\n",
		  "bad m= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 0\r\n"
		  "a=rtcp:x\r\n",
		  "bad a=rtcp line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 0\r\n"
		  "a=rtcp:7 IN IP4\r\n",
		  "bad a=rtcp line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 0\r\n"
		  "a=rtcp:7\r\na=rtcp:9\r\n",
		  "two a=rtcp lines" },
		{ "v=0\r\ro=- 1 1 IN IP4 1.2.3.4\r\n", "bare CR in SDP" },
		{ "v=0\r\no=- 1 1 IN\rIP4 1.2.3.4\r\n", "bare CR in SDP" },
	};
	char big[SDP_MAX_LINE + 64];
	int n;

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		int rc = sdp_parse((const uint8_t *)t[i].sdp, 0,
				   strlen(t[i].sdp), &S);

		ASSERT_TRUE(rc == -1 && S.why && !strcmp(S.why, t[i].why),
			    "case %zu: rc %d why \"%s\", want \"%s\"", i, rc,
			    S.why ? S.why : "(none)", t[i].why);
	}
	ASSERT_EQ(
		sdp_parse(
			(const uint8_t *)"v=0\r\no=- 1 1 IN IP4 1.2.3.4\0\r\n",
			0, 30, &S),
		-1);
	ASSERT_STREQ(S.why, "NUL byte in SDP");

	/* LF only, no final line end, blank lines, FQDN origin: fine */
	{
		static const char lf[] = "v=0\n\no=- 1 1 IN IP4 host.example\n"
					 "m=audio 5 RTP/AVP 0";

		ASSERT_EQ(sdp_parse((const uint8_t *)lf, 0, sizeof(lf) - 1, &S),
			  0);
	}
	ASSERT_EQ(S.origin.family, 0);
	ASSERT_EQ(S.media[0].port, 5);
	ASSERT_EQ(S.media[0].fmt.len, 1);

	/* too many media */
	n = snprintf(big, sizeof(big), "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n");
	for (int i = 0; i <= SDP_MAX_MEDIA; i++)
		n += snprintf(big + n, sizeof(big) - n,
			      "m=audio %d RTP/AVP 0\r\n", 1000 + i);
	ASSERT_EQ(sdp_parse((const uint8_t *)big, 0, (size_t)n, &S), -1);
	ASSERT_STREQ(S.why, "too many m= lines");

	/* one line longer than the limit */
	n = snprintf(big, sizeof(big), "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\na=");
	memset(big + n, 'x', SDP_MAX_LINE);
	n += SDP_MAX_LINE;
	ASSERT_EQ(sdp_parse((const uint8_t *)big, 0, (size_t)n, &S), -1);
	ASSERT_STREQ(S.why, "SDP line too long");
}

static void sip_compact_forms(void)
{
	const uint8_t *b = (const uint8_t *)fx_compact;
	static const uint8_t ids[] = {
		SIP_H_VIA,	    SIP_H_FROM,
		SIP_H_TO,	    SIP_H_CALL_ID,
		SIP_H_CSEQ,	    SIP_H_CONTACT,
		SIP_H_CONTENT_TYPE, SIP_H_SUPPORTED,
		SIP_H_SUBJECT,	    SIP_H_CONTENT_LENGTH,
	};

	ASSERT_EQ(sip_parse(LIT(fx_compact), 0, &M), 0);
	ASSERT_EQ(M.n_hdrs, sizeof(ids));
	for (size_t i = 0; i < sizeof(ids); i++) {
		ASSERT_EQ(M.hdrs[i].id, ids[i]);
		ASSERT_EQ(M.hdrs[i].compact, ids[i] != SIP_H_CSEQ);
	}
	ASSERT_SPAN(b, M.clen, "85");
	ASSERT_SPAN(b, M.call_id, "compact@10.0.0.2");
	ASSERT_SPAN(b, sip_value_find(&M, SIP_H_VIA, 0)->hostport, "10.0.0.2");
	ASSERT_EQ(sip_value_find(&M, SIP_H_VIA, 0)->port, 0);
	ASSERT_TRUE(sip_body_is_sdp(b, &M), "c: application/sdp");
}

static void sip_folded_lf(void)
{
	const uint8_t *b = (const uint8_t *)fx_folded_lf;
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(fx_folded_lf), 0, &M), 0);
	ASSERT_EQ(M.method, SIP_M_OPTIONS);
	ASSERT_EQ(M.n_hdrs, 8);
	v = sip_value_find(&M, SIP_H_VIA, 0);
	ASSERT_SPAN(b, v->hostport, "10.0.0.2:5060");
	ASSERT_SPAN(b, v->branch, "z9hG4bKfold");
	ASSERT_SPAN(b, v->span,
		    "SIP/2.0/UDP\n 10.0.0.2:5060\n\t;branch=z9hG4bKfold");
	/* a value that starts on the continuation line */
	v = sip_value_find(&M, SIP_H_TO, 0);
	ASSERT_SPAN(b, v->span, "<sip:bob@198.51.100.7>");
	ASSERT_SPAN(b, M.hdrs[5].value,
		    "I know you're there,\n\tpick up the phone");
	/* a list split over two lines */
	v = sip_value_find(&M, SIP_H_CONTACT, 1);
	ASSERT_TRUE(v != NULL, "second Contact");
	ASSERT_SPAN(b, v->hostport, "10.0.0.2:5080");
	ASSERT_EQ(M.body_len, 0);
	ASSERT_EQ(M.head_len + 1, M.body_off);
}

static void sip_multi_via_ipv6(void)
{
	const uint8_t *b = (const uint8_t *)fx_vias;
	const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(fx_vias), 0, &M), 0);
	v = sip_value_find(&M, SIP_H_REQUEST_URI, 0);
	ASSERT_SPAN(b, v->hostport, "[2001:db8::2]");
	ASSERT_EQ(v->family, AF_INET6);
	v = sip_value_find(&M, SIP_H_VIA, 0);
	ASSERT_SPAN(b, v->hostport, "[2001:db8::1]:5060");
	ASSERT_SPAN(b, v->host, "[2001:db8::1]");
	ASSERT_TRUE(v->family == AF_INET6 && !memcmp(v->addr, v6a, 16), "v6");
	v = sip_value_find(&M, SIP_H_VIA, 1);
	ASSERT_TRUE(v && v->hdr == 0, "second Via in the first header");
	ASSERT_SPAN(b, v->transport, "TCP");
	ASSERT_SPAN(b, v->hostport, "10.0.0.3");
	ASSERT_SPAN(b, v->received, "10.0.0.2");
	v = sip_value_find(&M, SIP_H_VIA, 2);
	ASSERT_TRUE(v && v->hdr == 1, "third Via in the second header");
	ASSERT_TRUE(v->flags & SIP_V_SIPS, "TLS");
	ASSERT_SPAN(b, v->hostport, "[2001:db8::9]");
	ASSERT_TRUE(sip_value_find(&M, SIP_H_VIA, 3) == NULL, "three Vias");
	v = sip_value_find(&M, SIP_H_TO, 0);
	ASSERT_SPAN(b, v->hostport, "[2001:db8::2]:5070");
	ASSERT_EQ(v->port, 5070);
	v = sip_value_find(&M, SIP_H_CONTACT, 0);
	ASSERT_TRUE((v->flags & SIP_V_SIPS) && v->port == 5061, "sips");
}

static void sip_torture_whitespace(void)
{
	/* blanks wherever the grammar allows LWS, odd header-name case,
	 * tabs, no blank after the colon, a reason phrase with UTF-8
	 */
	static const char msg[] =
		"SIP/2.0 180 Ringing \xc3\xa0 bient\xc3\xb4t\r\n"
		"vIa  :   SIP / 2.0 / UDP   10.0.0.2 : 5060 ; branch = "
		"z9hG4bKws ;rport= 1234\r\n"
		"FROM:<sip:a@10.0.0.2>\t;\ttag=ws1\r\n"
		"to\t:  \"Bob \xe2\x98\x8e\"  <sip:bob@198.51.100.7> ;tag = "
		"ws2\r\n"
		"CALL-ID:\tws@10.0.0.2\r\n"
		"cseq:  42    INVITE\r\n"
		"content-LENGTH   :   0   \r\n"
		"\r\n";
	const uint8_t *b = (const uint8_t *)msg;
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(msg), 0, &M), 0);
	ASSERT_EQ(M.status, 180);
	ASSERT_SPAN(b, M.reason, "Ringing \xc3\xa0 bient\xc3\xb4t");
	v = sip_value_find(&M, SIP_H_VIA, 0);
	ASSERT_SPAN(b, v->transport, "UDP");
	ASSERT_SPAN(b, v->hostport, "10.0.0.2 : 5060");
	ASSERT_SPAN(b, v->host, "10.0.0.2");
	ASSERT_EQ(v->port, 5060);
	ASSERT_SPAN(b, v->branch, "z9hG4bKws");
	ASSERT_EQ(v->rport_num, 1234);
	ASSERT_SPAN(b, sip_value_find(&M, SIP_H_FROM, 0)->tag, "ws1");
	v = sip_value_find(&M, SIP_H_TO, 0);
	ASSERT_SPAN(b, v->tag, "ws2");
	ASSERT_SPAN(b, v->host, "198.51.100.7");
	ASSERT_SPAN(b, M.call_id, "ws@10.0.0.2");
	ASSERT_EQ(M.cseq, 42);
	ASSERT_EQ(M.cseq_method, SIP_M_INVITE);
	ASSERT_SPAN(b, M.clen, "0");
	ASSERT_SPAN(b, M.hdrs[0].name, "vIa");

	/* method names are case-sensitive: "invite" is an extension */
	ASSERT_EQ(sip_parse(LIT("invite sip:b@198.51.100.7 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
				"Call-ID: c\r\nCSeq: 1 invite\r\n\r\n"),
			    0, &M),
		  0);
	ASSERT_EQ(M.method, SIP_M_OTHER);
	ASSERT_EQ(M.cseq_method, SIP_M_OTHER);
	/* the version is case-insensitive (RFC 3261 7.1) */
	ASSERT_EQ(sip_parse(LIT("OPTIONS sip:b@h sip/2.0\r\n"
				"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
				"Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"),
			    0, &M),
		  0);
}

static void sip_torture_escapes(void)
{
	/* quoted display names holding commas, quotes, '<' and ';', an
	 * escaped user part with ';' and '@', a bare URI Contact with
	 * header parameters, a quoted parameter holding <...>
	 */
	static const char msg[] = T_HEAD
		"Contact: \"Alice \\\"the, great\\\" <x>;\" "
		"<sip:al%40ice;par=1@10.0.0.2:5070;lr>;q=1, "
		"sip:bare@10.0.0.3;expires=60, "
		"<sip:x@10.0.0.4>;+sip.instance=\"<urn:uuid:00000000-1>\"\r\n"
		"Route: <sip:[fd00::1]:5060;lr;maddr=10.0.0.9>\r\n"
		"\r\n";
	const uint8_t *b = (const uint8_t *)msg;
	const struct sip_value *v;

	ASSERT_EQ(sip_parse(LIT(msg), 0, &M), 0);
	v = sip_value_find(&M, SIP_H_CONTACT, 0);
	ASSERT_SPAN(b, v->uri, "sip:al%40ice;par=1@10.0.0.2:5070;lr");
	ASSERT_SPAN(b, v->hostport, "10.0.0.2:5070");
	v = sip_value_find(&M, SIP_H_CONTACT, 1);
	ASSERT_SPAN(b, v->uri, "sip:bare@10.0.0.3");
	ASSERT_TRUE((v->flags & SIP_V_EXPIRES) && v->expires == 60,
		    "bare URI: expires= is a header parameter");
	ASSERT_TRUE(!(v->flags & SIP_V_NAME_ADDR), "bare");
	v = sip_value_find(&M, SIP_H_CONTACT, 2);
	ASSERT_SPAN(b, v->host, "10.0.0.4");
	ASSERT_TRUE(sip_value_find(&M, SIP_H_CONTACT, 3) == NULL,
		    "three Contacts");
	v = sip_value_find(&M, SIP_H_ROUTE, 0);
	ASSERT_SPAN(b, v->hostport, "[fd00::1]:5060");
	ASSERT_SPAN(b, v->maddr, "10.0.0.9");

	/* tel: URIs carry no host; an unknown scheme is accepted */
	ASSERT_EQ(sip_parse(LIT("INVITE tel:+1-201-555-0123 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				"From: <urn:service:sos>;tag=1\r\n"
				"To: <tel:+12015550123>\r\n"
				"Call-ID: c\r\nCSeq: 1 INVITE\r\n\r\n"),
			    0, &M),
		  0);
	ASSERT_EQ(sip_value_find(&M, SIP_H_REQUEST_URI, 0)->family, 0);
	ASSERT_EQ(sip_value_find(&M, SIP_H_REQUEST_URI, 0)->hostport.len, 0);

	/* what does not parse */
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Contact: \"open <sip:a@h>\r\n\r\n")),
		     "unbalanced quote");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Contact: <sip:a@h\r\n\r\n")),
		     "missing '>'");
	ASSERT_STREQ(
		why_dgram(LIT(T_HEAD "Contact: <sip:a@h>,,<sip:b@h>\r\n\r\n")),
		"empty list element");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD
				   "Contact: <sip:a@10.0.0.2:99999>\r\n\r\n")),
		     "bad port in URI");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Contact: <sip:a@[fd00::1>\r\n\r\n")),
		     "bad host in URI");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Contact: <sip:a@h x>\r\n\r\n")),
		     "bad host in URI");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Contact: <sip:a@>\r\n\r\n")),
		     "bad host in URI");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Contact: <nocolon>\r\n\r\n")),
		     "bad URI");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD
				   "Contact: <sip:a@h>;expires=soon\r\n\r\n")),
		     "bad expires parameter");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Contact: <sip:a@h> junk\r\n\r\n")),
		     "bad parameters");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Via: SIP/2.0/UDP h:5060:1\r\n\r\n")),
		     "bad Via");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Via: SIP/3.0/UDP h\r\n\r\n")),
		     "bad Via protocol");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Via: SIP/2.0/UDP\r\n\r\n")),
		     "bad Via");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Via: SIP/2.0/UDP [::1\r\n\r\n")),
		     "bad host in Via");
	ASSERT_STREQ(
		why_dgram(LIT(T_HEAD "Via: SIP/2.0/UDP h;rport=x\r\n\r\n")),
		"bad rport");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Via: SIP/2.0/UDP h;=1\r\n\r\n")),
		     "bad parameter");
	ASSERT_STREQ(
		why_dgram(LIT(T_HEAD "Via: SIP/2.0/UDP h;branch=\r\n\r\n")),
		"bad parameter");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Via:\r\n\r\n")),
		     "empty header value");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "CSeq: 2 INVITE\r\n\r\n")),
		     "duplicate CSeq");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "f: <sip:b@h>\r\n\r\n")),
		     "duplicate From");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Expires: 1\r\nExpires: 2\r\n\r\n")),
		     "duplicate Expires");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Expires: soon\r\n\r\n")),
		     "bad Expires");
	ASSERT_STREQ(
		why_dgram(LIT(T_HEAD "c: a/b\r\nContent-Type: a/b\r\n\r\n")),
		"duplicate Content-Type");
}

static void sip_torture_start_line(void)
{
	static const struct {
		const char *line, *why;
	} t[] = {
		{ "INVITE sip:b@h SIP/2.0", "" },
		{ "INVITE  sip:b@h  SIP/2.0", "" },
		{ "INVITE sip:b@h", "bad request line" },
		{ "INVITE sip:b@h SIP/1.0", "bad SIP version" },
		{ "INVITE sip:b@h SIP/2.0 x", "bad SIP version" },
		{ "INV\xc9TE sip:b@h SIP/2.0", "bad request line" },
		{ " INVITE sip:b@h SIP/2.0", "bad request line" },
		{ "INVITE b@h SIP/2.0", "bad URI" },
		{ "SIP/2.0 200 OK", "" },
		{ "SIP/2.0 200", "" },
		{ "SIP/2.0 099 Low", "bad status code" },
		{ "SIP/2.0 700 High", "bad status code" },
		{ "SIP/2.0 2000 Long", "bad status code" },
		{ "SIP/2.0 20x Bad", "bad status code" },
		{ "SIP/2.1 200 OK", "bad SIP version" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		int n = snprintf(buf, sizeof(buf),
				 "%s\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				 "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
				 "Call-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
				 t[i].line);
		const char *why = why_dgram(buf, (size_t)n);

		ASSERT_TRUE(!strcmp(why, t[i].why),
			    "\"%s\": \"%s\", want \"%s\"", t[i].line, why,
			    t[i].why);
	}
	/* leading CRLFs are skipped (RFC 3261 7.5) */
	ASSERT_EQ(sip_parse(LIT("\r\n\r\n" T_HEAD "\r\n"), 0, &M), 0);
	ASSERT_EQ(M.lead, 4);
	ASSERT_EQ(M.start.off, 4);
	ASSERT_STREQ(why_dgram(LIT("\r\n\r\n")), "no start line");
	ASSERT_STREQ(why_dgram("", 0), "no start line");
}

static void sip_torture_lines(void)
{
	static char buf[SIP_MAX_MSG + 512];
	size_t n;

	/* a header field of exactly SIP_MAX_LINE bytes is fine, one more
	 * is not; folded lines count together
	 */
	n = sizeof(T_HEAD) - 1;
	memcpy(buf, T_HEAD, n);
	memcpy(buf + n, "Subject: ", 9);
	memset(buf + n + 9, 'x', SIP_MAX_LINE - 9);
	memcpy(buf + n + SIP_MAX_LINE, "\r\n\r\n", 4);
	ASSERT_EQ(sip_parse((uint8_t *)buf, n + SIP_MAX_LINE + 4, 0, &M), 0);
	ASSERT_EQ(M.hdrs[5].field.len, SIP_MAX_LINE);
	memset(buf + n + 9, 'x', SIP_MAX_LINE - 8);
	memcpy(buf + n + SIP_MAX_LINE + 1, "\r\n\r\n", 4);
	ASSERT_STREQ(why_dgram(buf, n + SIP_MAX_LINE + 5), "line too long");
	memset(buf + n + 9, 'x', SIP_MAX_LINE - 9);
	memcpy(buf + n + 4000, "\r\n ", 3);
	memcpy(buf + n + SIP_MAX_LINE + 1, "\r\n\r\n", 4);
	ASSERT_STREQ(why_dgram(buf, n + SIP_MAX_LINE + 5), "header too long");

	/* a header block without its blank line */
	ASSERT_STREQ(why_dgram(LIT(T_HEAD)), "missing end of headers");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Subject: x")),
		     "missing end of headers");
	/* garbage where a header belongs */
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "no colon here\r\n\r\n")),
		     "missing colon in header");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD ": no name\r\n\r\n")),
		     "bad header name");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Sub\xc3\xa9ject: x\r\n\r\n")),
		     "missing colon in header");
	ASSERT_STREQ(
		why_dgram(LIT("OPTIONS sip:b@h SIP/2.0\r\n folded\r\n\r\n")),
		"continuation line without a header");
	ASSERT_STREQ(why_dgram(LIT("OPTIONS sip:b@h SIP/2.0\r\n\r\n")),
		     "missing Via");
	ASSERT_STREQ(why_dgram(LIT("OPTIONS sip:b@h SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h\r\n\r\n")),
		     "missing From");
	ASSERT_STREQ(why_dgram(LIT("OPTIONS sip:b@h SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
				   "To: <sip:b@h>\r\nCSeq: 1 OPTIONS\r\n\r\n")),
		     "missing Call-ID");
	ASSERT_STREQ(why_dgram(LIT("OPTIONS sip:b@h SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
				   "To: <sip:b@h>\r\nCall-ID: c\r\n\r\n")),
		     "missing CSeq");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Call-ID: two\r\n\r\n")),
		     "duplicate Call-ID");
	ASSERT_STREQ(why_dgram(LIT("OPTIONS sip:b@h SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
				   "To: <sip:b@h>\r\nCall-ID: a b\r\n"
				   "CSeq: 1 OPTIONS\r\n\r\n")),
		     "bad Call-ID");
	ASSERT_STREQ(why_dgram(LIT("OPTIONS sip:b@h SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
				   "To: <sip:b@h>\r\nCall-ID: c\r\n"
				   "CSeq: OPTIONS\r\n\r\n")),
		     "bad CSeq");
	ASSERT_STREQ(why_dgram(LIT("OPTIONS sip:b@h SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
				   "To: <sip:b@h>\r\nCall-ID: c\r\n"
				   "CSeq: 99999999999 OPTIONS\r\n\r\n")),
		     "bad CSeq");
}

static void sip_torture_content_length(void)
{
	/* body shorter than Content-Length (datagram: an error) */
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Content-Length: 6\r\n\r\nhello")),
		     "body shorter than Content-Length");
	/* longer: the rest of the datagram is not part of the message */
	ASSERT_EQ(
		sip_parse(LIT(T_HEAD "Content-Length: 4\r\n\r\nhello"), 0, &M),
		0);
	ASSERT_EQ(M.body_len, 4);
	ASSERT_EQ(M.msg_len,
		  sizeof(T_HEAD "Content-Length: 4\r\n\r\nhello") - 2);
	/* missing: datagram body is the rest; a stream needs it */
	ASSERT_EQ(sip_parse(LIT(T_HEAD "\r\nhello"), 0, &M), 0);
	ASSERT_EQ(M.body_len, 5);
	ASSERT_EQ(M.clen_hdr, -1);
	ASSERT_STREQ(why_stream(LIT(T_HEAD "\r\nhello")), "no Content-Length");
	/* huge, negative, garbage, two of them (even equal), compact */
	ASSERT_STREQ(
		why_dgram(LIT(T_HEAD
			      "Content-Length: 99999999999999999999\r\n\r\n")),
		"Content-Length too large");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Content-Length: 65536\r\n\r\n")),
		     "Content-Length too large");
	ASSERT_STREQ(why_stream(LIT(T_HEAD "Content-Length: 65535\r\n\r\n")),
		     "message too long");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Content-Length: -1\r\n\r\n")),
		     "negative Content-Length");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Content-Length: 1 2\r\n\r\nab")),
		     "bad Content-Length");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Content-Length: 0x10\r\n\r\n")),
		     "bad Content-Length");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Content-Length:\r\n\r\n")),
		     "bad Content-Length");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Content-Length: 0\r\nl: 0\r\n\r\n")),
		     "two Content-Length headers");
	ASSERT_EQ(sip_parse(LIT(T_HEAD "L: 000002\r\n\r\nab"), 0, &M), 0);
	ASSERT_EQ(M.body_len, 2);
	/* a datagram over the limit */
	{
		static uint8_t big[SIP_MAX_MSG + 1];

		memcpy(big, T_HEAD "\r\n", sizeof(T_HEAD "\r\n") - 1);
		ASSERT_STREQ(why_dgram((char *)big, sizeof(big)),
			     "message too long");
		ASSERT_EQ(sip_parse(big, sizeof(big) - 1, 0, &M), 0);
	}
}

static void sip_torture_bytes(void)
{
	/* NUL in a header, bare CR (alone or before a space), NUL in a body
	 * is data; non-ASCII values are data
	 */
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Subject: a\0b\r\n\r\n")),
		     "NUL byte in header");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Subject: a\rb\r\n\r\n")),
		     "bare CR in header");
	ASSERT_STREQ(why_dgram(LIT(T_HEAD "Subject: a\r\r\n\r\n")),
		     "bare CR in header");
	ASSERT_STREQ(why_dgram(LIT("OPTIONS sip:b@h\0 SIP/2.0\r\n\r\n")),
		     "NUL byte in header");
	ASSERT_EQ(sip_parse(LIT(T_HEAD "Subject: \xff\xfe\x80 caf\xc3\xa9\r\n"
				       "Content-Length: 3\r\n\r\na\0\r"),
			    0, &M),
		  0);
	ASSERT_EQ(M.body_len, 3);
}

static void sip_limits(void)
{
	static char buf[SIP_MAX_MSG];
	size_t n = sizeof(T_HEAD) - 1;

	/* 5 fields in T_HEAD: fill up to the limit, then one more */
	memcpy(buf, T_HEAD, n);
	for (int i = 5; i < SIP_MAX_HEADERS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-H%d: %d\r\n",
				      i, i);
	memcpy(buf + n, "\r\n", 2);
	ASSERT_EQ(sip_parse((uint8_t *)buf, n + 2, 0, &M), 0);
	ASSERT_EQ(M.n_hdrs, SIP_MAX_HEADERS);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-One: more\r\n\r\n");
	ASSERT_STREQ(why_dgram(buf, n), "too many headers");

	/* values: Request-URI, Via, From, To + Contacts */
	n = sizeof(T_HEAD) - 1;
	memcpy(buf, T_HEAD, n);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Contact: <sip:a@h>");
	for (int i = 5; i < SIP_MAX_VALUES; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", <sip:a@h>");
	memcpy(buf + n, "\r\n\r\n", 4);
	ASSERT_EQ(sip_parse((uint8_t *)buf, n + 4, 0, &M), 0);
	ASSERT_EQ(M.n_values, SIP_MAX_VALUES);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",<sip:a@h>\r\n\r\n");
	ASSERT_STREQ(why_dgram(buf, n), "too many values");
}

static enum sip_frame_rc frame(const void *s, size_t len, size_t *n,
			       const char **why)
{
	return sip_frame((const uint8_t *)s, len, n, why);
}

static void sip_frame_stream(void)
{
	static char buf[4096];
	const char *why;
	size_t n, a = sizeof(fx_invite) - 1, b = sizeof(fx_bye) - 1;

	/* RFC 5626 keep-alives: ping, pong, and before a message */
	ASSERT_EQ(frame(LIT("\r\n\r\n"), &n, &why), SIP_FRAME_KEEPALIVE);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(frame(LIT("\r\n"), &n, &why), SIP_FRAME_KEEPALIVE);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(frame(LIT("\r"), &n, &why), SIP_FRAME_MORE);
	ASSERT_EQ(frame(LIT("\r\n\r"), &n, &why), SIP_FRAME_KEEPALIVE);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(frame(LIT("\r\nINVITE"), &n, &why), SIP_FRAME_KEEPALIVE);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(frame(LIT("\r\rINVITE"), &n, &why), SIP_FRAME_BAD);
	ASSERT_STREQ(why, "bare CR");
	ASSERT_EQ(frame("", 0, &n, &why), SIP_FRAME_MORE);

	/* two messages and a keep-alive in one segment */
	memcpy(buf, fx_invite, a);
	memcpy(buf + a, "\r\n\r\n", 4);
	memcpy(buf + a + 4, fx_bye, b);
	ASSERT_EQ(frame(buf, a + 4 + b, &n, &why), SIP_FRAME_MSG);
	ASSERT_EQ(n, a);
	ASSERT_EQ(sip_parse((uint8_t *)buf, a + 4 + b, SIP_PARSE_STREAM, &M),
		  0);
	ASSERT_EQ(M.msg_len, a);
	ASSERT_EQ(frame(buf + a, 4 + b, &n, &why), SIP_FRAME_KEEPALIVE);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(frame(buf + a + 4, b, &n, &why), SIP_FRAME_MSG);
	ASSERT_EQ(n, b);

	/* one message across segments: every prefix is "more", and once
	 * the header block is complete it says how long the message is
	 */
	size_t hdr = (size_t)(strstr(fx_invite, "\r\n\r\n") - fx_invite) + 4;

	for (size_t k = 1; k < a; k++) {
		enum sip_frame_rc rc = frame(fx_invite, k, &n, &why);

		ASSERT_TRUE(rc == SIP_FRAME_MORE, "prefix %zu: rc %d (%s)", k,
			    rc, why ? why : "");
		ASSERT_TRUE(n == (k >= hdr ? a : 0),
			    "prefix %zu: length %zu, header end %zu", k, n,
			    hdr);
	}
	ASSERT_EQ(frame(fx_invite, a, &n, &why), SIP_FRAME_MSG);
	ASSERT_EQ(n, a);

	/* compact l:, LF only, folded Content-Length */
	ASSERT_EQ(frame(LIT(T_HEAD "l: 3\r\n\r\nabcdef"), &n, &why),
		  SIP_FRAME_MSG);
	ASSERT_EQ(n, sizeof(T_HEAD "l: 3\r\n\r\nabc") - 1);
	ASSERT_EQ(frame(LIT("OPTIONS sip:b@h SIP/2.0\nContent-Length:\n "
			    "2\n\nabc"),
			&n, &why),
		  SIP_FRAME_MSG);
	ASSERT_EQ(n,
		  sizeof("OPTIONS sip:b@h SIP/2.0\nContent-Length:\n 2\n\nab") -
			  1);
}

static void sip_frame_bad(void)
{
	static const struct {
		const char *msg, *why;
	} t[] = {
		{ T_HEAD "\r\n", "no Content-Length" },
		{ T_HEAD "Content-Length: x\r\n\r\n", "bad Content-Length" },
		{ T_HEAD "Content-Length: -5\r\n\r\n",
		  "negative Content-Length" },
		{ T_HEAD "Content-Length: 1\r\nl: 1\r\n\r\n",
		  "two Content-Length headers" },
		{ T_HEAD "Content-Length: 70000\r\n\r\n",
		  "Content-Length too large" },
		{ T_HEAD "Content-Length: 65535\r\n\r\n", "message too long" },
		{ T_HEAD "Sub\0ject: x\r\n", "NUL byte in header" },
		{ T_HEAD "Subject: x\ry\r\n", "bare CR in header" },
		{ T_HEAD " folded\r\n", "" },
		{ "INVITE sip:b@h SIP/2.0\r\n folded\r\n",
		  "continuation line without a header" },
		{ T_HEAD "garbage\r\n", "missing colon in header" },
	};
	static char buf[SIP_MAX_MSG + 16];
	const char *why;
	size_t n;

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		size_t len = strlen(t[i].msg);
		enum sip_frame_rc rc;

		if (i == 6)
			len = sizeof(T_HEAD "Sub\0ject: x\r\n") - 1;
		rc = frame(t[i].msg, len, &n, &why);
		if (!*t[i].why) {
			/* a continuation of CSeq: still waiting */
			ASSERT_EQ(rc, SIP_FRAME_MORE);
			continue;
		}
		ASSERT_TRUE(rc == SIP_FRAME_BAD && why &&
				    !strcmp(why, t[i].why),
			    "case %zu: rc %d why \"%s\", want \"%s\"", i, rc,
			    why ? why : "(none)", t[i].why);
	}

	/* a line that cannot end within the limit; a header block that
	 * cannot end within SIP_MAX_MSG
	 */
	memcpy(buf, T_HEAD, sizeof(T_HEAD) - 1);
	memset(buf + sizeof(T_HEAD) - 1, 'x', SIP_MAX_LINE + 2);
	ASSERT_EQ(frame(buf, sizeof(T_HEAD) - 1 + SIP_MAX_LINE + 1, &n, &why),
		  SIP_FRAME_MORE);
	ASSERT_EQ(frame(buf, sizeof(T_HEAD) - 1 + SIP_MAX_LINE + 2, &n, &why),
		  SIP_FRAME_BAD);
	ASSERT_STREQ(why, "line too long");
	{
		size_t p = sizeof(T_HEAD) - 1;

		memcpy(buf, T_HEAD, p);
		while (p + 16 < sizeof(buf)) {
			memcpy(buf + p, "X-Pad: 1234567\r\n", 16);
			p += 16;
		}
		ASSERT_EQ(frame(buf, SIP_MAX_MSG - 1, &n, &why),
			  SIP_FRAME_MORE);
		ASSERT_EQ(frame(buf, p, &n, &why), SIP_FRAME_BAD);
		ASSERT_STREQ(why, "headers too long");
	}
}

/* Parse fx, find inside4 in the positions of @mask (SIP) and all of the
 * SDP, and add edits to @pub (with @port for the SIP refs).
 */
static int edits_for(const void *fx, size_t len, unsigned mask,
		     const uint8_t *in, const uint8_t *pub, uint16_t port)
{
	struct sip_ref refs[16];
	size_t n;

	if (sip_parse((const uint8_t *)fx, len, 0, &M))
		return -1;
	sip_edits_init(&ED);
	n = sip_find((const uint8_t *)fx, &M, mask, AF_INET, in, 0, refs, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		if (sip_edits_ref(&ED, &refs[i], AF_INET, pub, port))
			return -1;
	if (!M.body_len)
		return 0;
	if (sdp_parse((const uint8_t *)fx, M.body_off, M.body_len, &S))
		return -1;
	n = sdp_find(&S, SIP_W_SDP, AF_INET, in, refs, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		if (sip_edits_ref(&ED, &refs[i], AF_INET, pub, 0))
			return -1;
	return 0;
}

static void sip_find_refs(void)
{
	const uint8_t *b = (const uint8_t *)fx_invite;
	struct sip_ref refs[16];
	size_t n;

	ASSERT_EQ(sip_parse(LIT(fx_invite), 0, &M), 0);
	n = sip_find(b, &M, SIP_W_SIP, AF_INET, inside4, 0, refs, 16);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(refs[0].where, SIP_W_VIA_TOP);
	ASSERT_STREQ(refs[0].what, "Via");
	ASSERT_SPAN(b, refs[0].span, "10.0.0.2:5060");
	ASSERT_SPAN(b, refs[0].host, "10.0.0.2");
	ASSERT_EQ(refs[0].port, 5060);
	ASSERT_EQ(refs[1].where, SIP_W_FROM);
	ASSERT_EQ(refs[1].port, 0);
	ASSERT_EQ(refs[2].where, SIP_W_CONTACT);
	/* the Call-ID names the address too, but is an opaque id */
	ASSERT_EQ(sip_find(b, &M, SIP_W_VIA_TOP | SIP_W_CONTACT, AF_INET,
			   inside4, 0, refs, 16),
		  2);
	/* port filter: 5060 explicit, From has none (5060 by default) */
	ASSERT_EQ(sip_find(b, &M, SIP_W_SIP, AF_INET, inside4, 5060, refs, 16),
		  3);
	ASSERT_EQ(sip_find(b, &M, SIP_W_SIP, AF_INET, inside4, 5070, refs, 16),
		  0);
	/* only as many as asked for, the count says there were more */
	ASSERT_EQ(sip_find(b, &M, SIP_W_SIP, AF_INET, inside4, 0, refs, 1), 3);
	ASSERT_EQ(sip_find(b, &M, SIP_W_SIP, AF_INET, peer4, 0, refs, 16), 2);
	ASSERT_EQ(refs[0].where, SIP_W_RURI);
	ASSERT_EQ(refs[1].where, SIP_W_TO);
	ASSERT_EQ(sip_where(b, &M, NULL, AF_INET, peer4, 0),
		  SIP_W_RURI | SIP_W_TO);

	ASSERT_EQ(sdp_parse(b, M.body_off, M.body_len, &S), 0);
	ASSERT_EQ(sdp_find(&S, SIP_W_SDP, AF_INET, inside4, refs, 16), 2);
	ASSERT_STREQ(refs[0].what, "o=");
	ASSERT_STREQ(refs[1].what, "c=");
	ASSERT_TRUE(!refs[1].port_slot && !refs[1].brackets, "SDP ref");

	/* response: received= of the top Via */
	b = (const uint8_t *)fx_ok200;
	ASSERT_EQ(sip_parse(LIT(fx_ok200), 0, &M), 0);
	ASSERT_EQ(sip_find(b, &M, SIP_W_SIP, AF_INET, pub4, 0, refs, 16), 3);
	ASSERT_EQ(refs[0].where, SIP_W_VIA_TOP);
	ASSERT_EQ(refs[1].where, SIP_W_VIA_RECEIVED);
	ASSERT_SPAN(b, refs[1].span, "203.0.113.200");
	ASSERT_EQ(refs[2].where, SIP_W_FROM);

	/* SDP with a=rtcp address and several c=, in body order */
	b = (const uint8_t *)fx_sdp_rtcp;
	ASSERT_EQ(sdp_parse(b, 0, sizeof(fx_sdp_rtcp) - 1, &S), 0);
	ASSERT_EQ(sdp_find(&S, SIP_W_SDP, AF_INET, inside4, refs, 16), 3);
	ASSERT_EQ(refs[2].where, SIP_W_SDP_RTCP);
	ASSERT_EQ(refs[2].index, 1);
	ASSERT_EQ(sdp_find(&S, SIP_W_SDP_CONN, AF_INET, inside4, refs, 16), 1);
	b = (const uint8_t *)fx_sdp_multi;
	ASSERT_EQ(sdp_parse(b, 0, sizeof(fx_sdp_multi) - 1, &S), 0);
	ASSERT_EQ(sdp_find(&S, SIP_W_SDP, AF_INET, inside4, refs, 16), 2);
	ASSERT_EQ(refs[1].index, 1);
	ASSERT_SPAN(b, refs[1].span, "10.0.0.2");
}

static void sdp_ports(void)
{
	const uint8_t *b = (const uint8_t *)fx_sdp_multi;
	static const uint8_t hold_in[16] = { 192, 168, 100, 200 };
	struct sdp_port_ref p[8];

	/* only the audio stream has the inside address (its own c=); video
	 * is disabled, the others are on the multicast / IPv6 groups
	 */
	ASSERT_EQ(sdp_parse(b, 0, sizeof(fx_sdp_multi) - 1, &S), 0);
	ASSERT_EQ(sdp_find_ports(&S, AF_INET, inside4, p, 8), 1);
	ASSERT_TRUE(p[0].media == 0 && !p[0].rtcp && p[0].port == 49170 &&
			    p[0].nports == 2,
		    "audio port");
	ASSERT_SPAN(b, p[0].span, "49170");
	ASSERT_STREQ(p[0].what, "m=audio");

	/* a=rtcp: with and without its own address, rtcp-mux */
	b = (const uint8_t *)fx_sdp_rtcp;
	ASSERT_EQ(sdp_parse(b, 0, sizeof(fx_sdp_rtcp) - 1, &S), 0);
	ASSERT_EQ(sdp_find_ports(&S, AF_INET, inside4, p, 8), 5);
	ASSERT_SPAN(b, p[0].span, "40000");
	ASSERT_TRUE(p[1].rtcp && p[1].media == 0, "rtcp of audio");
	ASSERT_SPAN(b, p[1].span, "40001");
	ASSERT_SPAN(b, p[2].span, "40002");
	ASSERT_SPAN(b, p[3].span, "53020");
	ASSERT_STREQ(p[3].what, "a=rtcp");
	ASSERT_SPAN(b, p[4].span, "40004");
	ASSERT_EQ(sdp_find_ports(&S, AF_INET, peer4, p, 8), 0);
	ASSERT_EQ(sdp_find_ports(&S, AF_INET, inside4, p, 2), 5);

	/* hold: c=0.0.0.0 names nobody, the port is still the sender's */
	b = (const uint8_t *)fx_hold;
	ASSERT_EQ(sip_parse(LIT(fx_hold), 0, &M), 0);
	ASSERT_EQ(sdp_parse(b, M.body_off, M.body_len, &S), 0);
	ASSERT_EQ(sdp_find_ports(&S, AF_INET, hold_in, p, 8), 1);
	ASSERT_SPAN(b, p[0].span, "16384");
}

static void sip_rewrite_invite_grow(void)
{
	const uint8_t *b = (const uint8_t *)fx_invite;
	const char *why = NULL;
	struct sip_ref refs[8];
	char line[160];
	size_t n;
	int len;

	ASSERT_EQ(sip_parse(LIT(fx_invite), 0, &M), 0);
	ASSERT_EQ(sdp_parse(b, M.body_off, M.body_len, &S), 0);
	sip_edits_init(&ED);
	/* as the module would: top Via host only (rport answers the port),
	 * Contact host and NAT port, From host; SDP o=, c=, media ports
	 */
	n = sip_find(b, &M, SIP_W_VIA_TOP | SIP_W_FROM | SIP_W_CONTACT, AF_INET,
		     inside4, 0, refs, 8);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[0], AF_INET, pub4, 0), 0);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[1], AF_INET, pub4, 0), 0);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[2], AF_INET, pub4, 15060), 0);
	n = sdp_find(&S, SIP_W_SDP, AF_INET, inside4, refs, 8);
	ASSERT_EQ(n, 2);
	/* SDP edits added before the SIP ones would be: order is free */
	ASSERT_EQ(sip_edits_port(&ED, S.media[0].rtcp_port_s, 30001, "a=rtcp"),
		  0);
	ASSERT_EQ(sip_edits_port(&ED, S.media[0].port_s, 30000,
				 sdp_media_label(S.media[0].type)),
		  0);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[1], AF_INET, pub4, 0), 0);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[0], AF_INET, pub4, 0), 0);

	len = sip_rewrite(b, sizeof(fx_invite) - 1, &M, &ED, OUT, sizeof(OUT),
			  &M2, &why);
	ASSERT_TRUE(len > 0, "rewrite: %s", why ? why : "");
	ASSERT_BYTES(OUT, len, ex_invite_out);
	ASSERT_EQ(M2.body_len, 229);
	ASSERT_EQ(ED.n, 8);

	/* the report, in message order, Content-Length included */
	{
		static const char *const want[] = {
			"Via 10.0.0.2 -> 203.0.113.200",
			"From 10.0.0.2 -> 203.0.113.200",
			"Contact 10.0.0.2:5060 -> 203.0.113.200:15060",
			"Content-Length 219 -> 229",
			"o= 10.0.0.2 -> 203.0.113.200",
			"c= 10.0.0.2 -> 203.0.113.200",
			"m=audio 49170 -> 30000",
			"a=rtcp 49171 -> 30001",
		};

		for (unsigned i = 0; i < ED.n; i++) {
			ASSERT_TRUE(sip_edit_describe(&ED, i, b, OUT, line,
						      sizeof(line)) > 0,
				    "describe %u", i);
			ASSERT_STREQ(line, want[i]);
		}
		ASSERT_EQ(sip_edit_describe(&ED, ED.n, b, OUT, line,
					    sizeof(line)),
			  -1);
		ASSERT_EQ(sip_edit_describe(&ED, 0, b, OUT, line, 8), 7);
		ASSERT_STREQ(line, "Via 10.");
	}

	/* again with the same edits: the generated one is replaced */
	len = sip_rewrite(b, sizeof(fx_invite) - 1, &M, &ED, OUT, sizeof(OUT),
			  NULL, &why);
	ASSERT_BYTES(OUT, len, ex_invite_out);
	ASSERT_EQ(ED.n, 8);

	/* the result is public-only now: the module's NAT-aware check */
	ASSERT_EQ(sip_parse(OUT, (size_t)len, 0, &M2), 0);
	ASSERT_EQ(sdp_parse(OUT, M2.body_off, M2.body_len, &S), 0);
	{
		unsigned pw, iw;

		ASSERT_TRUE(sip_already_public(OUT, &M2, &S, AF_INET, inside4,
					       pub4, &pw, &iw),
			    "already public");
		ASSERT_EQ(pw, SIP_W_VIA_TOP | SIP_W_FROM | SIP_W_CONTACT |
				      SIP_W_SDP_ORIGIN | SIP_W_SDP_CONN);
		ASSERT_EQ(iw, 0);
	}
}

static void sip_rewrite_hold_shrink(void)
{
	static const uint8_t in[16] = { 192, 168, 100, 200 };
	static const uint8_t pub[16] = { 1, 2, 3, 4 };
	const char *why = NULL;
	int len;

	ASSERT_EQ(edits_for(LIT(fx_hold), SIP_W_SIP, in, pub, 0), 0);
	/* c=0.0.0.0 (hold) names no address: not among the edits */
	ASSERT_EQ(ED.n, 4);
	ASSERT_TRUE(S.conn[0].hold, "hold");
	ASSERT_EQ(sip_edits_port(&ED, S.media[0].port_s, 2000, "m=audio"), 0);
	len = sip_rewrite(LIT(fx_hold), &M, &ED, OUT, sizeof(OUT), &M2, &why);
	ASSERT_TRUE(len > 0, "rewrite: %s", why ? why : "");
	ASSERT_BYTES(OUT, len, ex_hold_out);
	ASSERT_EQ(M2.body_len, 117);
	ASSERT_EQ(M2.body_len + 9, M.body_len);
}

static void sip_rewrite_compact_l(void)
{
	const char *why = NULL;
	char line[128];
	int len;

	ASSERT_EQ(edits_for(LIT(fx_compact), SIP_W_SIP, inside4, pub4, 0), 0);
	ASSERT_EQ(sip_edits_port(&ED, S.media[0].port_s, 40000, "m=audio"), 0);
	len = sip_rewrite(LIT(fx_compact), &M, &ED, OUT, sizeof(OUT), &M2,
			  &why);
	ASSERT_TRUE(len > 0, "rewrite: %s", why ? why : "");
	ASSERT_BYTES(OUT, len, ex_compact_out);
	ASSERT_TRUE(M2.hdrs[M2.clen_hdr].compact, "still l:");
	for (unsigned i = 0; i < ED.n; i++)
		if (ED.e[i].generated) {
			sip_edit_describe(&ED, i, (const uint8_t *)fx_compact,
					  OUT, line, sizeof(line));
			ASSERT_STREQ(line, "Content-Length 85 -> 96");
		}
}

static void sip_rewrite_response(void)
{
	const uint8_t *b = (const uint8_t *)fx_ok200;
	const char *why = NULL;
	struct sip_ref refs[4];
	int len;

	/* a response coming back in: top Via and its received= back to
	 * the inside address; header-only, Content-Length left alone
	 */
	ASSERT_EQ(sip_parse(LIT(fx_ok200), 0, &M), 0);
	ASSERT_EQ(sip_find(b, &M, SIP_W_VIA_TOP | SIP_W_VIA_RECEIVED, AF_INET,
			   pub4, 5060, refs, 4),
		  2);
	sip_edits_init(&ED);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[0], AF_INET, inside4, 5060), 0);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[1], AF_INET, inside4, 5060), 0);
	len = sip_rewrite(LIT(fx_ok200), &M, &ED, OUT, sizeof(OUT), &M2, &why);
	ASSERT_TRUE(len > 0, "rewrite: %s", why ? why : "");
	ASSERT_BYTES(OUT, len, ex_ok200_out);
	ASSERT_EQ(ED.n, 2);
	ASSERT_EQ(M2.body_len, M.body_len);
	ASSERT_STREQ(ED.e[1].what, "Via received");
}

static void sip_rewrite_ipv6(void)
{
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xff };
	const uint8_t *b = (const uint8_t *)fx_vias;
	const char *why = NULL;
	struct sip_ref refs[8];
	int len;

	ASSERT_EQ(sip_parse(LIT(fx_vias), 0, &M), 0);
	ASSERT_EQ(sip_find(b, &M, SIP_W_SIP, AF_INET6, v6, 0, refs, 8), 3);
	ASSERT_EQ(refs[2].where, SIP_W_CONTACT);
	sip_edits_init(&ED);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[0], AF_INET6, v6b, 5060), 0);
	ASSERT_EQ(sip_edits_ref(&ED, &refs[1], AF_INET6, v6b, 0), 0);
	/* family must match the ref */
	ASSERT_EQ(sip_edits_ref(&ED, &refs[2], AF_INET, pub4, 0), -1);
	ASSERT_STREQ(ED.why, "address family differs");
	len = sip_rewrite(LIT(fx_vias), &M, &ED, OUT, sizeof(OUT), &M2, &why);
	ASSERT_TRUE(len > 0, "rewrite: %s", why ? why : "");
	ASSERT_BYTES(OUT, len, ex_vias_out);
}

static void sip_rewrite_capacity(void)
{
	static uint8_t small[sizeof(ex_invite_out)];
	static uint8_t copy[sizeof(fx_invite)];
	const char *why = NULL;
	int len;

	memcpy(copy, fx_invite, sizeof(copy));
	ASSERT_EQ(edits_for(LIT(fx_invite), SIP_W_VIA_TOP | SIP_W_CONTACT,
			    inside4, pub4, 0),
		  0);
	/* exactly the size: fits; one byte less: refused, input intact */
	len = sip_rewrite(copy, sizeof(fx_invite) - 1, &M, &ED, small,
			  sizeof(small), NULL, &why);
	ASSERT_TRUE(len > 0, "rewrite: %s", why ? why : "");
	ASSERT_EQ(sip_rewrite(copy, sizeof(fx_invite) - 1, &M, &ED, small,
			      (size_t)len - 1, NULL, &why),
		  -1);
	ASSERT_STREQ(why, "result does not fit");
	ASSERT_TRUE(!memcmp(copy, fx_invite, sizeof(copy)), "input intact");
	ASSERT_EQ(sip_rewrite(copy, sizeof(fx_invite) - 1, &M, &ED, small,
			      (size_t)len, NULL, &why),
		  len);

	/* no edits: an exact copy */
	sip_edits_init(&ED);
	ASSERT_EQ(sip_rewrite(LIT(fx_invite), &M, &ED, OUT, sizeof(OUT), NULL,
			      &why),
		  (int)sizeof(fx_invite) - 1);
	ASSERT_TRUE(!memcmp(OUT, fx_invite, sizeof(fx_invite) - 1), "copy");

	/* in and out the same buffer */
	ASSERT_EQ(sip_rewrite(copy, sizeof(fx_invite) - 1, &M, &ED, copy + 1,
			      sizeof(copy) - 1, NULL, &why),
		  -1);
	ASSERT_STREQ(why, "output overlaps input");

	/* edit list full */
	sip_edits_init(&ED);
	for (int i = 0; i < SIP_MAX_EDITS; i++)
		ASSERT_EQ(sip_edits_add(&ED, (uint32_t)i, 0, "", 0, "x"), 0);
	ASSERT_EQ(sip_edits_add(&ED, 0, 0, "", 0, "x"), -1);
	ASSERT_STREQ(ED.why, "too many edits");
	sip_edits_init(&ED);
	ASSERT_EQ(
		sip_edits_add(&ED, 0, 0, (const char *)OUT, SIP_EDIT_TEXT, "x"),
		0);
	ASSERT_EQ(sip_edits_add(&ED, 0, 0, "y", 1, "x"), -1);
	ASSERT_STREQ(ED.why, "edit text full");
}

static void sip_rewrite_refusals(void)
{
	const uint8_t *b = (const uint8_t *)fx_invite;
	const struct sip_value *via, *ct;
	const char *why;
	static const struct {
		int what; /* 0..: the case */
		const char *why;
	} t[] = {
		{ 0, "edits overlap" },
		{ 1, "edit crosses a line end" },
		{ 2, "line break or NUL in a header edit" },
		{ 3, "line break or NUL in a header edit" },
		{ 4, "edit touches Content-Length" },
		{ 5, "edit touches Content-Length" },
		{ 6, "edit outside the header lines" },
		{ 7, "edit outside the message" },
		{ 8, "result does not parse" },
		{ 9, "result changed the message structure" },
		{ 11, "edit outside the header lines" },
	};

	ASSERT_EQ(sip_parse(LIT(fx_invite), 0, &M), 0);
	via = sip_value_find(&M, SIP_H_VIA, 0);
	ct = sip_value_find(&M, SIP_H_CONTACT, 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		struct sip_span h = via->host;

		sip_edits_init(&ED);
		switch (t[i].what) {
		case 0: /* two edits over the same bytes */
			sip_edits_add(&ED, h.off, h.len, "1.1.1.1", 7, "a");
			sip_edits_add(&ED, h.off + 2, 1, "x", 1, "b");
			break;
		case 1: /* from the Via into Max-Forwards */
			sip_edits_add(&ED, h.off, 200, "x", 1, "a");
			break;
		case 2: /* header injection */
			sip_edits_add(&ED, h.off, h.len, "h\r\nX-Evil: 1", 12,
				      "a");
			break;
		case 3:
			sip_edits_add(&ED, h.off, h.len, "h\0", 2, "a");
			break;
		case 4:
			sip_edits_add(&ED, M.clen.off, M.clen.len, "9", 1, "a");
			break;
		case 5: /* inserting a digit right after it */
			sip_edits_add(&ED, M.clen.off + M.clen.len, 0, "9", 1,
				      "a");
			break;
		case 6: /* into the blank line */
			sip_edits_add(&ED, M.head_len, 0, "X-A: b", 6, "a");
			break;
		case 7:
			sip_edits_add(&ED, M.msg_len, 1, "", 0, "a");
			break;
		case 8: /* an empty host */
			sip_edits_add(&ED, h.off, h.len, "", 0, "a");
			break;
		case 9: /* a second Via value */
			sip_edits_add(&ED, ct->host.off, ct->host.len,
				      "h>, <sip:x@y", 12, "a");
			break;
		case 11: /* before the start line */
			ED.n = 0;
			sip_edits_add(&ED, 0, 0, "x", 1, "a");
			{
				static const char lead[] = "\r\n" T_HEAD "\r\n";

				ASSERT_EQ(sip_parse(LIT(lead), 0, &M2), 0);
				ASSERT_EQ(sip_rewrite(LIT(lead), &M2, &ED, OUT,
						      sizeof(OUT), NULL, &why),
					  -1);
				ASSERT_STREQ(why, t[i].why);
				continue;
			}
		}
		why = NULL;
		ASSERT_TRUE(sip_rewrite(b, sizeof(fx_invite) - 1, &M, &ED, OUT,
					sizeof(OUT), NULL, &why) == -1 &&
				    why && !strcmp(why, t[i].why),
			    "case %d: why \"%s\", want \"%s\"", t[i].what,
			    why ? why : "(accepted)", t[i].why);
	}
}

static void sip_rewrite_datagram(void)
{
	/* bytes after the body stay; no Content-Length: none is added */
	static const char tail[] =
		T_HEAD "Content-Length: 5\r\n\r\nv=0\r\nJUNK";
	static const char tail_out[] =
		T_HEAD "Content-Length: 7\r\n\r\nv=0\r\n\r\nJUNK";
	static const char nocl[] = T_HEAD "\r\nv=0\r\n";
	static const char nocl_out[] = T_HEAD "\r\nv=00\r\n";
	const char *why = NULL;
	int len;

	ASSERT_EQ(sip_parse(LIT(tail), 0, &M), 0);
	sip_edits_init(&ED);
	ASSERT_EQ(sip_edits_add(&ED, M.msg_len, 0, "\r\n", 2, "body"), 0);
	len = sip_rewrite(LIT(tail), &M, &ED, OUT, sizeof(OUT), &M2, &why);
	ASSERT_BYTES(OUT, len, tail_out);
	ASSERT_EQ(M2.msg_len, sizeof(tail_out) - 5);

	ASSERT_EQ(sip_parse(LIT(nocl), 0, &M), 0);
	sip_edits_init(&ED);
	ASSERT_EQ(sip_edits_add(&ED, M.body_off + 3, 0, "0", 1, "body"), 0);
	len = sip_rewrite(LIT(nocl), &M, &ED, OUT, sizeof(OUT), &M2, &why);
	ASSERT_BYTES(OUT, len, nocl_out);
	ASSERT_EQ(ED.n, 1);

	/* a stream frame: a 4 KiB insertion into the body */
	ASSERT_EQ(sip_parse(LIT(T_HEAD "Content-Length: 0\r\n\r\n"),
			    SIP_PARSE_STREAM, &M),
		  0);
	sip_edits_init(&ED);
	ASSERT_EQ(sip_edits_add(&ED, M.body_off, 0, (const char *)OUT,
				SIP_EDIT_TEXT - 16, "body"),
		  0);
	ASSERT_TRUE(sip_rewrite(LIT(T_HEAD "Content-Length: 0\r\n\r\n"), &M,
				&ED, OUT + 8192, sizeof(OUT) - 8192, &M2,
				&why) > 0,
		    "4 KiB body: %s", why);
	ASSERT_EQ(M2.body_len, SIP_EDIT_TEXT - 16);
}

static void sip_nat_aware(void)
{
	/* a UA that learnt its public address (STUN): Via, Contact and SDP
	 * already carry it; a half-aware one has public SDP but a private
	 * Via
	 */
	static const char stun[] =
		"INVITE sip:bob@198.51.100.7 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 203.0.113.200:41000;branch=z9hG4bKs;rport\r\n"
		"From: <sip:alice@example.com>;tag=s1\r\n"
		"To: <sip:bob@198.51.100.7>\r\n"
		"Call-ID: stun@example.com\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@203.0.113.200:41000>\r\n"
		"Content-Length: 54\r\n"
		"\r\n"
		"v=0\r\n"
		"o=- 1 1 IN IP4 203.0.113.200\r\n"
		"c=IN IP4 10.0.0.2\r\n";
	unsigned pw, iw;

	ASSERT_EQ(sip_parse(LIT(stun), 0, &M), 0);
	ASSERT_EQ(sdp_parse((const uint8_t *)stun, M.body_off, M.body_len, &S),
		  0);
	ASSERT_TRUE(!sip_already_public((const uint8_t *)stun, &M, &S, AF_INET,
					inside4, pub4, &pw, &iw),
		    "c= still private");
	ASSERT_EQ(pw, SIP_W_VIA_TOP | SIP_W_CONTACT | SIP_W_SDP_ORIGIN);
	ASSERT_EQ(iw, SIP_W_SDP_CONN);
	/* without the SDP: fully public */
	ASSERT_TRUE(sip_already_public((const uint8_t *)stun, &M, NULL, AF_INET,
				       inside4, pub4, NULL, NULL),
		    "headers public");
	/* an inside-only message */
	ASSERT_EQ(sip_parse(LIT(fx_invite), 0, &M), 0);
	ASSERT_TRUE(!sip_already_public((const uint8_t *)fx_invite, &M, NULL,
					AF_INET, inside4, pub4, &pw, &iw),
		    "private");
	ASSERT_EQ(pw, 0);
	ASSERT_EQ(iw, SIP_W_VIA_TOP | SIP_W_FROM | SIP_W_CONTACT);
}

static void sip_ip_helpers(void)
{
	uint8_t a[16];
	char t[64];

	/* the shared strict lexer (alg/addr.h): no leading zeros, which
	 * some stacks read as octal
	 */
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"010.000.000.002", 15, a), 0);
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"10.0.0.2", 8, a), AF_INET);
	ASSERT_TRUE(!memcmp(a, inside4, 16), "10.0.0.2");
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"256.0.0.1", 9, a), 0);
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"1.2.3", 5, a), 0);
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"1.2.3.4.5", 9, a), 0);
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"1.2.3.4", 7, a), AF_INET);
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"::ffff:1.2.3.4", 14, a),
		  AF_INET6);
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"fe80::1\0", 8, a), 0);
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"fe80::1%eth0", 12, a), 0);
	ASSERT_EQ(sip_format_ip(AF_INET, pub4, true, t, sizeof(t)), 13);
	ASSERT_STREQ(t, "203.0.113.200");
	ASSERT_EQ(sip_format_ip(AF_INET, pub4, true, t, 13), -1);
	ASSERT_EQ(sip_parse_ip((const uint8_t *)"2001:DB8::1", 11, a),
		  AF_INET6);
	ASSERT_EQ(sip_format_ip(AF_INET6, a, true, t, sizeof(t)), 13);
	ASSERT_STREQ(t, "[2001:db8::1]");
	ASSERT_EQ(sip_format_ip(0, a, false, t, sizeof(t)), -1);
}

/* The rewritten fixtures and some inputs, for test_sip_osip.c: another
 * parser's view of our output.  addr/port: what the SDP must name (o=,
 * c= and the first m=), NULL when not checked.
 */
const struct sip_xcheck sip_xcheck[] = {
	{ "invite rewritten", ex_invite_out, sizeof(ex_invite_out) - 1,
	  "203.0.113.200", "30000" },
	{ "hold rewritten", ex_hold_out, sizeof(ex_hold_out) - 1, "1.2.3.4",
	  "2000" },
	{ "compact rewritten", ex_compact_out, sizeof(ex_compact_out) - 1,
	  "203.0.113.200", "40000" },
	{ "200 rewritten", ex_ok200_out, sizeof(ex_ok200_out) - 1,
	  "198.51.100.7", "3456" },
	{ "IPv6 rewritten", ex_vias_out, sizeof(ex_vias_out) - 1, NULL, NULL },
	{ "invite", fx_invite, sizeof(fx_invite) - 1, "10.0.0.2", "49170" },
	{ "register", fx_register, sizeof(fx_register) - 1, NULL, NULL },
	{ "401", fx_challenge, sizeof(fx_challenge) - 1, NULL, NULL },
	{ "bye", fx_bye, sizeof(fx_bye) - 1, NULL, NULL },
	{ "cancel", fx_cancel, sizeof(fx_cancel) - 1, NULL, NULL },
	{ "t38", fx_t38, sizeof(fx_t38) - 1, "10.0.0.2", "49172" },
	{ NULL, NULL, 0, NULL, NULL },
};

UNIT_CASES(sip_cases, CASE(sip_invite_parse), CASE(sip_invite_sdp),
	   CASE(sip_ok200_parse), CASE(sip_register), CASE(sip_challenge),
	   CASE(sip_bye_cancel), CASE(sip_hold_sdp), CASE(sip_t38),
	   CASE(sdp_multi_media), CASE(sdp_rtcp), CASE(sdp_ice), CASE(sdp_bad),
	   CASE(sip_compact_forms), CASE(sip_folded_lf),
	   CASE(sip_multi_via_ipv6), CASE(sip_torture_whitespace),
	   CASE(sip_torture_escapes), CASE(sip_torture_start_line),
	   CASE(sip_torture_lines), CASE(sip_torture_content_length),
	   CASE(sip_torture_bytes), CASE(sip_limits), CASE(sip_frame_stream),
	   CASE(sip_frame_bad), CASE(sip_find_refs), CASE(sdp_ports),
	   CASE(sip_rewrite_invite_grow), CASE(sip_rewrite_hold_shrink),
	   CASE(sip_rewrite_compact_l), CASE(sip_rewrite_response),
	   CASE(sip_rewrite_ipv6), CASE(sip_rewrite_capacity),
	   CASE(sip_rewrite_refusals), CASE(sip_rewrite_datagram),
	   CASE(sip_nat_aware), CASE(sip_ip_helpers));
