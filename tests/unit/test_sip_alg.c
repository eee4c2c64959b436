// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_sip_alg.c - the SIP ALG module (user/alg/sip_alg.c) through
 * sip_module.dgram, with a fake engine that records every service call
 * (expect, bind, release, call_put, call_del) and its arguments.
 *
 * The flow: an inside UA 10.0.1.2:5060 behind the NAT, seen outside as
 * 192.0.2.1:5062 (a port other than 5060, so that port rewrites show),
 * talking to 192.0.2.2:5060.  Messages are byte-exact fixtures; what the
 * module sends instead is compared byte for byte, Content-Length included
 * (computed from the fixture's body by the same helper that builds the
 * input, so a fixture cannot carry a wrong length by accident).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "unit.h"
#include "alg/sip_alg.h"
#include "alg/sdp.h"
#include "alg/sip.h"
#include "util/prefix.h"

/* ------------------------------------------------------ fake engine */

struct rec {
	char op; /* 'E'xpect 'B'ind 'R'elease 'P'ut 'D'el */
	struct alg_expect x;
	uint8_t proto; /* 'R' */
	uint16_t port; /* 'R': the released public port, 'B': granted */
	uint64_t key; /* 'P', 'D' */
	struct bpfalg_call call; /* 'P' */
};

#define MAX_REC 64

static struct fake {
	struct rec r[MAX_REC];
	int n;
	uint16_t taken[4]; /* public ports the engine cannot give */
	int n_taken;
} fk;

static struct rec *rec_new(char op)
{
	struct rec *r = &fk.r[fk.n < MAX_REC - 1 ? fk.n++ : MAX_REC - 1];

	memset(r, 0, sizeof(*r));
	r->op = op;
	return r;
}

static int fake_expect(void *ctx, struct alg_flow *af,
		       const struct alg_expect *x, uint16_t *pub,
		       const char **why)
{
	rec_new('E')->x = *x;
	*why = "the SIP ALG asks for bindings only";
	return -1;
}

static int fake_bind(void *ctx, struct alg_flow *af, const struct alg_expect *x,
		     uint16_t *pub, const char **why)
{
	struct rec *r = rec_new('B');

	r->x = *x;
	for (int i = 0; i < fk.n_taken; i++)
		if (fk.taken[i] == x->public_port) {
			*why = "that public port is taken";
			return -1;
		}
	r->port = *pub = x->public_port;
	return 0;
}

static void fake_release(void *ctx, struct alg_flow *af, uint8_t proto,
			 uint16_t port)
{
	struct rec *r = rec_new('R');

	r->proto = proto;
	r->port = port;
}

static void fake_put(void *ctx, struct alg_flow *af, uint64_t key,
		     const struct bpfalg_call *c)
{
	struct rec *r = rec_new('P');

	r->key = key;
	r->call = *c;
}

static void fake_del(void *ctx, struct alg_flow *af, uint64_t key)
{
	rec_new('D')->key = key;
}

static const struct alg_services fake_svc = {
	.expect = fake_expect,
	.bind = fake_bind,
	.release = fake_release,
	.call_put = fake_put,
	.call_del = fake_del,
};

static __u64 cnt[BPFALG_AS_MAX];
static struct alg_policy pol;
static struct sip_flow sf;

#define INSIDE "10.0.1.2"
#define PUBLIC "192.0.2.1"
#define PEER "192.0.2.2"
#define OUT BPFALG_DIR_ORIG /* inside -> outside */
#define IN BPFALG_DIR_REPLY

static void addr4(const char *s, uint8_t a[16])
{
	memset(a, 0, 16);
	inet_pton(AF_INET, s, a);
}

/* A fresh flow; the previous one's calls ended first (the module's port
 * bookkeeping is global: a test must not leak ports into the next).
 */
static const struct alg_limits lim = { .min_data_port = 1024 };

static void flow(uint32_t mode, const char *deny, const char *invite_from)
{
	char err[128];

	if (sf.af.svc)
		sip_module.fini(&sf.af);
	memset(&sf, 0, sizeof(sf));
	memset(cnt, 0, sizeof(cnt));
	memset(&fk, 0, sizeof(fk));
	memset(&pol, 0, sizeof(pol));
	alg_policy_parse(&pol, deny, err, sizeof(err));
	pol.n_from = prefix_list_parse(invite_from, pol.from, PREFIX_LIST_MAX,
				       err, sizeof(err));
	sf.af.family = AF_INET;
	sf.af.inside_is_client = true;
	addr4(INSIDE, sf.af.inside);
	addr4(PUBLIC, sf.af.public_addr);
	addr4(PEER, sf.af.peer);
	sf.af.inside_port = 5060;
	sf.af.public_port = 5062;
	sf.af.peer_port = 5060;
	sf.af.mode = mode;
	sf.af.pol = &pol;
	sf.af.lim = &lim;
	sf.af.svc = &fake_svc;
	sf.af.cnt = cnt;
	strcpy(sf.af.tag, "sip#1");
}

/* "...Content-Length: %zu\r\n\r\n" + body, the length being the body's. */
static size_t build(char *buf, size_t cap, const char *head, const char *body)
{
	int n = snprintf(buf, cap, head, strlen(body));

	n += snprintf(buf + n, cap - (size_t)n, "%s", body);
	return (size_t)n;
}

static uint8_t out[SIP_MAX_MSG];
static int rc;

/* The module on one message; rc: what it returned. */
static void dgram(int dir, const char *m, size_t len)
{
	memset(out, 0x55, sizeof(out));
	rc = sip_module.dgram(&sf.af, dir, (const uint8_t *)m, len, out,
			      sizeof(out) - 128);
}

#define DGRAM(dir, s) dgram(dir, s, strlen(s))

/* out[0, rc) is exactly @want; on a mismatch, where and what. */
static int same(const char *want, size_t wlen)
{
	size_t i = 0;

	if (rc == (int)wlen && !memcmp(out, want, wlen))
		return 1;
	while (i < wlen && (int)i < rc && out[i] == (uint8_t)want[i])
		i++;
	printf("    rewrite: %d bytes, want %zu; first difference at %zu:\n"
	       "    got  \"%.60s\"\n    want \"%.60s\"\n",
	       rc, wlen, i, rc > 0 && (int)i < rc ? (const char *)out + i : "",
	       i < wlen ? want + i : "");
	return 0;
}

/* Record @i is a bind of inside:in via public @pub to PEER:rp. */
static int bind_is(int i, uint16_t in, uint16_t pub, uint16_t rp)
{
	const struct rec *r = &fk.r[i];
	uint8_t ra[16], ia[16];

	addr4(PEER, ra);
	addr4(INSIDE, ia);
	if (i < fk.n && r->op == 'B' && r->x.family == AF_INET &&
	    r->x.proto == BPFALG_IPPROTO_UDP && r->x.inside_port == in &&
	    r->x.public_port == pub && r->x.remote_port == rp &&
	    !memcmp(r->x.remote, ra, 16) && !memcmp(r->x.inside, ia, 16))
		return 1;
	printf("    record %d of %d: %c inside %u public %u remote port %u\n",
	       i, fk.n, r->op, r->x.inside_port, r->x.public_port,
	       r->x.remote_port);
	return 0;
}

static int release_is(int i, uint16_t pub)
{
	const struct rec *r = &fk.r[i];

	if (i < fk.n && r->op == 'R' && r->proto == BPFALG_IPPROTO_UDP &&
	    r->port == pub)
		return 1;
	printf("    record %d of %d: %c port %u, want release of %u\n", i, fk.n,
	       r->op, r->port, pub);
	return 0;
}

/* Count of records with this op. */
static int n_op(char op)
{
	int k = 0;

	for (int i = 0; i < fk.n; i++)
		k += fk.r[i].op == op;
	return k;
}

/* The last call published (NULL: none). */
static const struct rec *last_put(void)
{
	for (int i = fk.n - 1; i >= 0; i--)
		if (fk.r[i].op == 'P')
			return &fk.r[i];
	return NULL;
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* -------------------------------------------------------- fixtures */

#define CID "a84b4c76e66710@pc33.example.test"

static const char invite_head[] =
	"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bK776asdhds;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sip:alice@10.0.1.2>;tag=1928301774\r\n"
	"To: Bob <sip:bob@192.0.2.2>\r\n"
	"Call-ID: " CID "\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@10.0.1.2:5060>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: %zu\r\n\r\n";
/* audio with a=rtcp:, and a video stream refused by port 0 */
static const char invite_sdp[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 10.0.1.2\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.1.2\r\n"
	"t=0 0\r\n"
	"m=audio 7000 RTP/AVP 0 8\r\n"
	"a=rtcp:7001\r\n"
	"m=video 0 RTP/AVP 96\r\n";

static const char invite_head_out[] =
	"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhds;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sip:alice@192.0.2.1:5062>;tag=1928301774\r\n"
	"To: Bob <sip:bob@192.0.2.2>\r\n"
	"Call-ID: " CID "\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@192.0.2.1:5062>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: %zu\r\n\r\n";
static const char invite_sdp_out[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.1\r\n"
	"t=0 0\r\n"
	"m=audio 7000 RTP/AVP 0 8\r\n"
	"a=rtcp:7001\r\n"
	"m=video 0 RTP/AVP 96\r\n";

/* The answer as the peer sends it: addressed to the public side. */
static const char ok_head[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhds;rport=5062\r\n"
	"From: Alice <sip:alice@192.0.2.1:5062>;tag=1928301774\r\n"
	"To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
	"Call-ID: " CID "\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:bob@192.0.2.2>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: %zu\r\n\r\n";
static const char ok_head_out[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bK776asdhds;rport=5062\r\n"
	"From: Alice <sip:alice@10.0.1.2:5060>;tag=1928301774\r\n"
	"To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
	"Call-ID: " CID "\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:bob@192.0.2.2>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: %zu\r\n\r\n";
static const char ok_sdp[] = "v=0\r\n"
			     "o=bob 2808844564 2808844564 IN IP4 192.0.2.2\r\n"
			     "s=-\r\n"
			     "c=IN IP4 192.0.2.2\r\n"
			     "t=0 0\r\n"
			     "m=audio 6000 RTP/AVP 0\r\n"
			     "m=video 0 RTP/AVP 96\r\n";

static const char bye[] =
	"BYE sip:bob@192.0.2.2 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKnashds10\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sip:alice@10.0.1.2>;tag=1928301774\r\n"
	"To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
	"Call-ID: " CID "\r\n"
	"CSeq: 314160 BYE\r\n"
	"Content-Length: 0\r\n\r\n";
static const char bye_out[] =
	"BYE sip:bob@192.0.2.2 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKnashds10\r\n"
	"Max-Forwards: 70\r\n"
	"From: Alice <sip:alice@192.0.2.1:5062>;tag=1928301774\r\n"
	"To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
	"Call-ID: " CID "\r\n"
	"CSeq: 314160 BYE\r\n"
	"Content-Length: 0\r\n\r\n";

static char ibuf[4096], wbuf[4096];

/* The INVITE of the fixture out, checked exact; leaves the call offered. */
static void send_invite(void)
{
	size_t n = build(ibuf, sizeof(ibuf), invite_head, invite_sdp);
	size_t w = build(wbuf, sizeof(wbuf), invite_head_out, invite_sdp_out);

	dgram(OUT, ibuf, n);
	(void)w;
}

/* ------------------------------------------------------------ cases */

static void sip_alg_invite_rewrite(void)
{
	size_t w;

	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	w = build(wbuf, sizeof(wbuf), invite_head_out, invite_sdp_out);
	ASSERT_TRUE(same(wbuf, w), "outbound INVITE byte-exact");
	ASSERT_EQ(cnt[BPFALG_AS_PARSED], 1);
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 1);
	/* no binding before the answer: the peer's media is not known */
	ASSERT_EQ(n_op('B'), 0);
	ASSERT_EQ(n_op('E'), 0);
	ASSERT_EQ(n_op('P'), 1);
	{
		const struct bpfalg_call *c = &last_put()->call;
		uint8_t ia[16];

		addr4(INSIDE, ia);
		ASSERT_TRUE(!strcmp(c->call_id, CID), "call id %.64s",
			    c->call_id);
		ASSERT_EQ(c->state, BPFALG_CALL_OFFERED);
		ASSERT_EQ(c->inside_is_caller, 1);
		ASSERT_EQ(c->family, BPFALG_AF_INET);
		ASSERT_TRUE(!memcmp(c->inside, ia, 16), "inside address");
		/* the video stream (port 0) is listed but got no ports */
		ASSERT_EQ(c->n_media, 1);
		ASSERT_EQ(c->m[0].inside_port, 7000);
		ASSERT_EQ(c->m[0].public_port, 7000);
		ASSERT_EQ(c->m[0].inside_rtcp, 7001);
		ASSERT_EQ(c->m[0].public_rtcp, 7001);
		ASSERT_EQ(c->m[0].peer_port, 0);
		ASSERT_EQ(c->m[0].flags, 0);
	}
	ASSERT_EQ(sip_calls_total(), 1);
}

static void sip_alg_answer_binds(void)
{
	size_t n, w;
	uint64_t key;

	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	ASSERT_TRUE(rc > 0, "INVITE rewritten");
	key = last_put()->key;
	fk.n = 0;
	n = build(ibuf, sizeof(ibuf), ok_head, ok_sdp);
	w = build(wbuf, sizeof(wbuf), ok_head_out, ok_sdp);
	dgram(IN, ibuf, n);
	ASSERT_TRUE(same(wbuf, w), "inbound 200 OK byte-exact");
	/* RTP and RTCP (the peer's RTCP on 6001: no a=rtcp, port + 1);
	 * nothing for the video stream both sides refused
	 */
	ASSERT_EQ(n_op('B'), 2);
	ASSERT_TRUE(bind_is(0, 7000, 7000, 6000), "RTP binding");
	ASSERT_TRUE(bind_is(1, 7001, 7001, 6001), "RTCP binding");
	ASSERT_EQ(cnt[BPFALG_AS_PH_OPENED], 1);
	{
		const struct rec *p = last_put();
		uint8_t pa[16];

		addr4(PEER, pa);
		ASSERT_TRUE(p && p->key == key, "same call key");
		ASSERT_EQ(p->call.state, BPFALG_CALL_CONFIRMED);
		ASSERT_EQ(p->call.m[0].peer_port, 6000);
		ASSERT_EQ(p->call.m[0].peer_rtcp, 6001);
		ASSERT_TRUE(!memcmp(p->call.m[0].peer, pa, 16), "peer");
		ASSERT_EQ(p->call.m[0].flags, BPFALG_CM_BOUND);
	}
	/* the ACK (no SDP) binds nothing more */
	fk.n = 0;
	DGRAM(OUT, "ACK sip:bob@192.0.2.2 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKack\r\n"
		   "From: <sip:alice@10.0.1.2>;tag=1928301774\r\n"
		   "To: <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
		   "Call-ID: " CID "\r\n"
		   "CSeq: 314159 ACK\r\n"
		   "Content-Length: 0\r\n\r\n");
	ASSERT_TRUE(rc > 0, "ACK rewritten");
	ASSERT_EQ(n_op('B'), 0);

	/* BYE: rewritten, both bindings released, the call unpublished */
	fk.n = 0;
	DGRAM(OUT, bye);
	ASSERT_TRUE(same(bye_out, sizeof(bye_out) - 1), "BYE byte-exact");
	ASSERT_EQ(fk.n, 3);
	ASSERT_TRUE(release_is(0, 7000), "RTP released");
	ASSERT_TRUE(release_is(1, 7001), "RTCP released");
	ASSERT_TRUE(fk.r[2].op == 'D' && fk.r[2].key == key, "call deleted");
	ASSERT_EQ(sip_calls_total(), 0);
	/* its 200 finds no call any more: nothing released twice */
	fk.n = 0;
	DGRAM(IN, "SIP/2.0 200 OK\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKnashds10\r\n"
		  "From: <sip:alice@192.0.2.1:5062>;tag=1928301774\r\n"
		  "To: <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
		  "Call-ID: " CID "\r\n"
		  "CSeq: 314160 BYE\r\n"
		  "Content-Length: 0\r\n\r\n");
	ASSERT_TRUE(rc > 0, "200 to BYE: Via back to the inside");
	ASSERT_EQ(fk.n, 0);
}

/*
 * A second call of the same UA announcing the same inside ports: the
 * public ones are taken by the first call, so it gets a fresh even pair
 * from the media range, written into m= and a=rtcp:, and the bindings
 * use exactly those.  rtcp-mux: one port, one binding.
 */
static void sip_alg_second_call_ports(void)
{
	static const char head[] =
		"INVITE sip:carol@192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bK2\r\n"
		"From: <sip:alice@10.0.1.2>;tag=2\r\n"
		"To: <sip:carol@192.0.2.2>\r\n"
		"Call-ID: second@example.test\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n";
	static const char sdp_fmt[] = "v=0\r\n"
				      "o=- 1 1 IN IP4 %s\r\n"
				      "s=-\r\n"
				      "c=IN IP4 %s\r\n"
				      "t=0 0\r\n"
				      "m=audio %u RTP/AVP 0\r\n"
				      "a=rtcp:%u\r\n"
				      "m=video %u RTP/AVP 96\r\n"
				      "a=rtcp-mux\r\n";
	static const char head_out[] =
		"INVITE sip:carol@192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK2\r\n"
		"From: <sip:alice@192.0.2.1:5062>;tag=2\r\n"
		"To: <sip:carol@192.0.2.2>\r\n"
		"Call-ID: second@example.test\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n";
	static const char ans_head[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK2\r\n"
		"From: <sip:alice@192.0.2.1:5062>;tag=2\r\n"
		"To: <sip:carol@192.0.2.2>;tag=c\r\n"
		"Call-ID: second@example.test\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n";
	static const char ans_sdp[] = "v=0\r\n"
				      "o=- 2 2 IN IP4 192.0.2.2\r\n"
				      "s=-\r\n"
				      "c=IN IP4 192.0.2.2\r\n"
				      "t=0 0\r\n"
				      "m=audio 6100 RTP/AVP 0\r\n"
				      "a=rtcp:6201\r\n"
				      "m=video 6300 RTP/AVP 96\r\n"
				      "a=rtcp-mux\r\n";
	char body[512], wbody[512];
	const char *m;
	unsigned int p = 0, v = 0;
	size_t n, w;
	int b0;

	flow(BPFALG_MODE_ON, "", "");
	send_invite(); /* the first call holds 7000/7001 */
	ASSERT_TRUE(rc > 0, "first INVITE");
	snprintf(body, sizeof(body), sdp_fmt, INSIDE, INSIDE, 7000, 7001, 7010);
	n = build(ibuf, sizeof(ibuf), head, body);
	dgram(OUT, ibuf, n);
	ASSERT_TRUE(rc > 0, "second INVITE rewritten");
	m = memmem(out, (size_t)rc, "m=audio ", 8);
	ASSERT_TRUE(m && sscanf(m, "m=audio %u ", &p) == 1, "m=audio");
	ASSERT_TRUE(p != 7000 && p % 2 == 0 && p >= SIP_MEDIA_PORT_MIN &&
			    p + 1 <= SIP_MEDIA_PORT_MAX,
		    "fresh even public RTP port, got %u", p);
	/* the video stream's own inside port 7010 is free: kept */
	m = memmem(out, (size_t)rc, "m=video ", 8);
	ASSERT_TRUE(m && sscanf(m, "m=video %u ", &v) == 1, "m=video");
	ASSERT_EQ(v, 7010);
	snprintf(wbody, sizeof(wbody), sdp_fmt, PUBLIC, PUBLIC, p, p + 1, 7010);
	w = build(wbuf, sizeof(wbuf), head_out, wbody);
	ASSERT_TRUE(same(wbuf, w), "second INVITE byte-exact");

	fk.n = 0;
	n = build(ibuf, sizeof(ibuf), ans_head, ans_sdp);
	dgram(IN, ibuf, n);
	ASSERT_TRUE(rc > 0, "answer: Via back");
	/* audio: RTP and RTCP (the peer's RTCP on its a=rtcp: 6201);
	 * video rtcp-mux on both sides: RTP only
	 */
	ASSERT_EQ(n_op('B'), 3);
	b0 = 0;
	ASSERT_TRUE(bind_is(b0, 7000, (uint16_t)p, 6100), "audio RTP");
	ASSERT_TRUE(bind_is(b0 + 1, 7001, (uint16_t)(p + 1), 6201),
		    "audio RTCP");
	ASSERT_TRUE(bind_is(b0 + 2, 7010, 7010, 6300), "video RTP (mux)");
	{
		const struct bpfalg_call *c = &last_put()->call;

		ASSERT_EQ(c->n_media, 2);
		ASSERT_EQ(c->m[1].flags, BPFALG_CM_BOUND | BPFALG_CM_MUX);
		ASSERT_EQ(c->m[1].inside_rtcp, 0);
		ASSERT_EQ(c->m[1].public_rtcp, 0);
		ASSERT_EQ(c->m[1].type, SDP_MT_VIDEO);
	}
	ASSERT_EQ(sip_calls_total(), 2);
}

/*
 * Hold (re-INVITE a=sendonly, answered a=recvonly) keeps the bindings and
 * flags the stream; the resume on a new inside port releases the old
 * public ports and binds the new ones once the answer is in.
 */
static void sip_alg_hold_resume(void)
{
	static const char head[] =
		"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKh%u\r\n"
		"From: Alice <sip:alice@10.0.1.2>;tag=1928301774\r\n"
		"To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
		"Call-ID: " CID "\r\n"
		"CSeq: %u INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %%zu\r\n\r\n";
	static const char offer[] = "v=0\r\n"
				    "o=alice 2890844526 %u IN IP4 10.0.1.2\r\n"
				    "s=-\r\n"
				    "c=IN IP4 10.0.1.2\r\n"
				    "t=0 0\r\n"
				    "m=audio %u RTP/AVP 0\r\n"
				    "a=%s\r\n";
	static const char ans_head[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKh%u\r\n"
		"From: Alice <sip:alice@192.0.2.1:5062>;tag=1928301774\r\n"
		"To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
		"Call-ID: " CID "\r\n"
		"CSeq: %u INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %%zu\r\n\r\n";
	static const char answer[] = "v=0\r\n"
				     "o=bob 2808844564 %u IN IP4 192.0.2.2\r\n"
				     "s=-\r\n"
				     "c=IN IP4 192.0.2.2\r\n"
				     "t=0 0\r\n"
				     "m=audio 6000 RTP/AVP 0\r\n"
				     "a=%s\r\n";
	char h[512], b[256];
	size_t n;

	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	n = build(ibuf, sizeof(ibuf), ok_head, ok_sdp);
	dgram(IN, ibuf, n);
	ASSERT_EQ(n_op('B'), 2);
	ASSERT_EQ(last_put()->call.m[0].flags, BPFALG_CM_BOUND);

	/* hold */
	fk.n = 0;
	snprintf(h, sizeof(h), head, 2, 2);
	snprintf(b, sizeof(b), offer, 2, 7000, "sendonly");
	n = build(ibuf, sizeof(ibuf), h, b);
	dgram(OUT, ibuf, n);
	ASSERT_TRUE(rc > 0, "hold re-INVITE rewritten");
	ASSERT_EQ(n_op('R'), 0);
	ASSERT_EQ(n_op('B'), 0);
	ASSERT_EQ(last_put()->call.m[0].flags,
		  BPFALG_CM_BOUND | BPFALG_CM_HOLD);
	snprintf(h, sizeof(h), ans_head, 2, 2);
	snprintf(b, sizeof(b), answer, 2, "recvonly");
	n = build(ibuf, sizeof(ibuf), h, b);
	dgram(IN, ibuf, n);
	ASSERT_TRUE(rc > 0, "hold answer");
	ASSERT_EQ(n_op('R'), 0);
	ASSERT_EQ(last_put()->call.m[0].flags,
		  BPFALG_CM_BOUND | BPFALG_CM_HOLD);

	/* resume on 7002: the old ports go at once, the peer's end is
	 * known, so the new binding is made with the offer already
	 */
	fk.n = 0;
	snprintf(h, sizeof(h), head, 3, 3);
	snprintf(b, sizeof(b), offer, 3, 7002, "sendrecv");
	n = build(ibuf, sizeof(ibuf), h, b);
	dgram(OUT, ibuf, n);
	ASSERT_TRUE(rc > 0, "resume re-INVITE rewritten");
	ASSERT_TRUE(release_is(0, 7000), "old RTP released");
	ASSERT_TRUE(release_is(1, 7001), "old RTCP released");
	ASSERT_TRUE(bind_is(2, 7002, 7002, 6000), "new RTP");
	ASSERT_TRUE(bind_is(3, 7003, 7003, 6001), "new RTCP");
	ASSERT_TRUE(memmem(out, (size_t)rc, "m=audio 7002 ", 13), "m= kept");
	snprintf(h, sizeof(h), ans_head, 3, 3);
	snprintf(b, sizeof(b), answer, 3, "sendrecv");
	n = build(ibuf, sizeof(ibuf), h, b);
	fk.n = 0;
	dgram(IN, ibuf, n);
	ASSERT_EQ(n_op('B'), 0);
	ASSERT_EQ(n_op('R'), 0);
	ASSERT_EQ(last_put()->call.m[0].flags, BPFALG_CM_BOUND);
	ASSERT_EQ(last_put()->call.m[0].inside_port, 7002);
	ASSERT_EQ(last_put()->call.m[0].public_port, 7002);
	/* the peer holds with c=0.0.0.0: flagged, bindings kept */
	fk.n = 0;
	snprintf(h, sizeof(h),
		 "INVITE sip:alice@192.0.2.1:5062 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKp4\r\n"
		 "From: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
		 "To: Alice <sip:alice@192.0.2.1:5062>;tag=1928301774\r\n"
		 "Call-ID: " CID "\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Content-Type: application/sdp\r\n"
		 "Content-Length: %%zu\r\n\r\n");
	n = build(ibuf, sizeof(ibuf), h,
		  "v=0\r\no=bob 2808844564 4 IN IP4 192.0.2.2\r\ns=-\r\n"
		  "c=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n");
	dgram(IN, ibuf, n);
	ASSERT_TRUE(rc > 0, "peer's hold: Request-URI back to the inside");
	ASSERT_EQ(n_op('R'), 0);
	ASSERT_EQ(last_put()->call.m[0].flags,
		  BPFALG_CM_BOUND | BPFALG_CM_HOLD);
	ASSERT_EQ(last_put()->call.m[0].peer_port, 6000);
}

/*
 * What is released is what was bound: a re-INVITE that turns rtcp-mux on
 * without moving the port leaves the RTCP binding, and the BYE releases
 * it; an answer with rtcp-mux to an offer without gets no RTCP binding,
 * and nothing is released for it.
 */
static void sip_alg_release_what_bound(void)
{
	static const char reinv_head[] =
		"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKmux\r\n"
		"From: Alice <sip:alice@10.0.1.2>;tag=1928301774\r\n"
		"To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
		"Call-ID: " CID "\r\n"
		"CSeq: 314161 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n";
	static const char mux_sdp[] = "v=0\r\n"
				      "o=alice 2890844526 2 IN IP4 10.0.1.2\r\n"
				      "s=-\r\n"
				      "c=IN IP4 10.0.1.2\r\n"
				      "t=0 0\r\n"
				      "m=audio 7000 RTP/AVP 0\r\n"
				      "a=rtcp-mux\r\n";
	size_t n;

	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	n = build(ibuf, sizeof(ibuf), ok_head, ok_sdp);
	dgram(IN, ibuf, n);
	ASSERT_EQ(n_op('B'), 2);
	fk.n = 0;
	n = build(ibuf, sizeof(ibuf), reinv_head, mux_sdp);
	dgram(OUT, ibuf, n);
	ASSERT_TRUE(rc > 0, "re-INVITE with rtcp-mux");
	ASSERT_EQ(n_op('R'), 0);
	ASSERT_EQ(n_op('B'), 0);
	fk.n = 0;
	DGRAM(OUT, bye);
	ASSERT_EQ(n_op('R'), 2);
	ASSERT_TRUE(release_is(0, 7000), "RTP released");
	ASSERT_TRUE(release_is(1, 7001), "RTCP released though now mux");

	/* the peer answers with rtcp-mux, the offer had none */
	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	fk.n = 0;
	n = build(ibuf, sizeof(ibuf), ok_head,
		  "v=0\r\no=bob 2808844564 2808844564 IN IP4 192.0.2.2\r\n"
		  "s=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
		  "m=audio 6000 RTP/AVP 0\r\na=rtcp-mux\r\n");
	dgram(IN, ibuf, n);
	ASSERT_EQ(n_op('B'), 1);
	ASSERT_TRUE(bind_is(0, 7000, 7000, 6000), "RTP only");
	fk.n = 0;
	DGRAM(OUT, bye);
	ASSERT_EQ(n_op('R'), 1);
	ASSERT_TRUE(release_is(0, 7000), "RTP released, nothing else");
}

/* 183 with SDP binds (early media); the 486 to the INVITE releases. */
static void sip_alg_early_then_486(void)
{
	static const char ring_head[] =
		"SIP/2.0 183 Session Progress\r\n"
		"Via: SIP/2.0/UDP "
		"192.0.2.1:5062;branch=z9hG4bK776asdhds;rport=5062\r\n"
		"From: Alice <sip:alice@192.0.2.1:5062>;tag=1928301774\r\n"
		"To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
		"Call-ID: " CID "\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n";
	size_t n;
	uint64_t key;

	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	key = last_put()->key;
	fk.n = 0;
	n = build(ibuf, sizeof(ibuf), ring_head, ok_sdp);
	dgram(IN, ibuf, n);
	ASSERT_TRUE(rc > 0, "183 rewritten");
	ASSERT_EQ(n_op('B'), 2);
	ASSERT_TRUE(bind_is(0, 7000, 7000, 6000), "early RTP");
	ASSERT_TRUE(bind_is(1, 7001, 7001, 6001), "early RTCP");
	ASSERT_EQ(last_put()->call.state, BPFALG_CALL_EARLY);

	fk.n = 0;
	DGRAM(IN, "SIP/2.0 486 Busy Here\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhds\r\n"
		  "From: Alice <sip:alice@192.0.2.1:5062>;tag=1928301774\r\n"
		  "To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf\r\n"
		  "Call-ID: " CID "\r\n"
		  "CSeq: 314159 INVITE\r\n"
		  "Content-Length: 0\r\n\r\n");
	ASSERT_TRUE(rc > 0, "486: Via back to the inside");
	ASSERT_EQ(fk.n, 3);
	ASSERT_TRUE(release_is(0, 7000), "RTP released");
	ASSERT_TRUE(release_is(1, 7001), "RTCP released");
	ASSERT_TRUE(fk.r[2].op == 'D' && fk.r[2].key == key, "call deleted");
	ASSERT_EQ(sip_calls_total(), 0);
	/* the ports are free again: a new call gets 7000 itself */
	fk.n = 0;
	send_invite();
	ASSERT_EQ(last_put()->call.m[0].public_port, 7000);
}

/* CANCEL before the answer: the call and its public ports go. */
static void sip_alg_cancel(void)
{
	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	ASSERT_EQ(sip_calls_total(), 1);
	fk.n = 0;
	DGRAM(OUT,
	      "CANCEL sip:bob@192.0.2.2 SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bK776asdhds;rport\r\n"
	      "From: Alice <sip:alice@10.0.1.2>;tag=1928301774\r\n"
	      "To: Bob <sip:bob@192.0.2.2>\r\n"
	      "Call-ID: " CID "\r\n"
	      "CSeq: 314159 CANCEL\r\n"
	      "Content-Length: 0\r\n\r\n");
	ASSERT_TRUE(rc > 0, "CANCEL rewritten");
	/* nothing was bound (no answer yet): no release, the call deleted */
	ASSERT_EQ(n_op('R'), 0);
	ASSERT_EQ(n_op('D'), 1);
	ASSERT_EQ(sip_calls_total(), 0);
}

/* A failed binding is reported on the call and counted. */
static void sip_alg_bind_fails(void)
{
	size_t n;

	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	fk.taken[fk.n_taken++] = 7001;
	fk.n = 0;
	n = build(ibuf, sizeof(ibuf), ok_head, ok_sdp);
	dgram(IN, ibuf, n);
	ASSERT_TRUE(rc > 0, "200 rewritten");
	/* RTP bound, RTCP refused: the RTP binding is undone */
	ASSERT_EQ(fk.n, 4);
	ASSERT_TRUE(bind_is(0, 7000, 7000, 6000), "RTP");
	ASSERT_TRUE(fk.r[1].op == 'B' && fk.r[1].x.public_port == 7001,
		    "RTCP tried");
	ASSERT_TRUE(release_is(2, 7000), "RTP undone");
	ASSERT_EQ(fk.r[3].op, 'P');
	ASSERT_EQ(fk.r[3].call.m[0].flags, BPFALG_CM_BIND_FAILED);
	ASSERT_EQ(cnt[BPFALG_AS_REFUSED], 1);
	ASSERT_EQ(cnt[BPFALG_AS_PH_OPENED], 0);
}

static const char reg_fmt[] =
	"REGISTER sip:registrar.example.test SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKr%u\r\n"
	"From: <sip:alice@registrar.example.test>;tag=r1\r\n"
	"To: <sip:alice@registrar.example.test>\r\n"
	"Call-ID: reg1@10.0.1.2\r\n"
	"CSeq: %u REGISTER\r\n"
	"Contact: <sip:alice@10.0.1.2:5060>\r\n"
	"Expires: %u\r\n"
	"Content-Length: 0\r\n\r\n";
static const char reg_ans_fmt[] =
	"SIP/2.0 %s\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKr%u\r\n"
	"From: <sip:alice@registrar.example.test>;tag=r1\r\n"
	"To: <sip:alice@registrar.example.test>;tag=reg\r\n"
	"Call-ID: reg1@10.0.1.2\r\n"
	"CSeq: %u REGISTER\r\n"
	"%s"
	"Content-Length: 0\r\n\r\n";

/* REGISTER, 401, REGISTER again, 200: the flow kept open; Expires 0
 * ends that.
 */
static void sip_alg_register(void)
{
	static const char reg_out[] =
		"REGISTER sip:registrar.example.test SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKr1\r\n"
		"From: <sip:alice@registrar.example.test>;tag=r1\r\n"
		"To: <sip:alice@registrar.example.test>\r\n"
		"Call-ID: reg1@10.0.1.2\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Contact: <sip:alice@192.0.2.1:5062>\r\n"
		"Expires: 60\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char ok_out[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKr2\r\n"
		"From: <sip:alice@registrar.example.test>;tag=r1\r\n"
		"To: <sip:alice@registrar.example.test>;tag=reg\r\n"
		"Call-ID: reg1@10.0.1.2\r\n"
		"CSeq: 2 REGISTER\r\n"
		"Contact: <sip:alice@10.0.1.2:5060>;expires=60\r\n"
		"Content-Length: 0\r\n\r\n";
	char m[1024];
	uint64_t t0;

	flow(BPFALG_MODE_ON, "", "");
	snprintf(m, sizeof(m), reg_fmt, 1, 1, 60);
	DGRAM(OUT, m);
	ASSERT_TRUE(same(reg_out, sizeof(reg_out) - 1), "REGISTER byte-exact");
	ASSERT_EQ(sf.af.keep_until_ns, 0);
	snprintf(m, sizeof(m), reg_ans_fmt, "401 Unauthorized", 1, 1,
		 "WWW-Authenticate: Digest realm=\"t\", nonce=\"n1\"\r\n");
	DGRAM(IN, m);
	ASSERT_TRUE(rc > 0, "401: Via back");
	ASSERT_EQ(sf.af.keep_until_ns, 0); /* a challenge is no registration */
	snprintf(m, sizeof(m), reg_fmt, 2, 2, 60);
	DGRAM(OUT, m);
	ASSERT_TRUE(rc > 0, "REGISTER with credentials");
	t0 = mono_now();
	snprintf(m, sizeof(m), reg_ans_fmt, "200 OK", 2, 2,
		 "Contact: <sip:alice@192.0.2.1:5062>;expires=60\r\n");
	DGRAM(IN, m);
	ASSERT_TRUE(same(ok_out, sizeof(ok_out) - 1),
		    "200 to REGISTER: Via and Contact back");
	/* the registration's 60 s plus the module's 10 s of slack */
	ASSERT_TRUE(sf.af.keep_until_ns >= t0 + 69000000000ULL &&
			    sf.af.keep_until_ns <= mono_now() + 71000000000ULL,
		    "keep_until %llu, now %llu",
		    (unsigned long long)sf.af.keep_until_ns,
		    (unsigned long long)t0);
	/* no call for a REGISTER */
	ASSERT_EQ(n_op('P'), 0);
	ASSERT_EQ(sip_calls_total(), 0);

	/* an answer with another CSeq (a stray retransmission) changes nothing */
	snprintf(m, sizeof(m), reg_ans_fmt, "200 OK", 2, 2,
		 "Contact: <sip:alice@192.0.2.1:5062>;expires=0\r\n");
	DGRAM(IN, m);
	ASSERT_TRUE(sf.af.keep_until_ns > t0, "kept");

	/* unregister */
	snprintf(m, sizeof(m), reg_fmt, 3, 3, 0);
	DGRAM(OUT, m);
	ASSERT_TRUE(rc > 0, "REGISTER Expires 0");
	snprintf(m, sizeof(m), reg_ans_fmt, "200 OK", 3, 3, "");
	DGRAM(IN, m);
	ASSERT_TRUE(rc > 0, "200: Via back");
	ASSERT_EQ(sf.af.keep_until_ns, 0);
}

/*
 * More places naming the inside address than one rewrite can carry: the
 * message goes out unchanged and counted, never half rewritten (without a
 * Content-Length nothing else stops the partial edit list).
 */
static void sip_alg_too_many_edits(void)
{
	static char m[8192];
	size_t n = 0;

	flow(BPFALG_MODE_ON, "", "");
	n += (size_t)snprintf(
		m + n, sizeof(m) - n,
		"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKx\r\n"
		"From: <sip:a@10.0.1.2>;tag=1\r\n"
		"To: <sip:b@192.0.2.2>\r\n"
		"Call-ID: many@example.test\r\n"
		"CSeq: 1 INVITE\r\n");
	for (int i = 0; i < 50; i++)
		n += (size_t)snprintf(m + n, sizeof(m) - n,
				      "Contact: <sip:u%d@10.0.1.2:5060>\r\n",
				      i);
	n += (size_t)snprintf(m + n, sizeof(m) - n,
			      "Content-Type: application/sdp\r\n\r\n"
			      "v=0\r\no=- 1 1 IN IP4 10.0.1.2\r\ns=-\r\n"
			      "c=IN IP4 10.0.1.2\r\nt=0 0\r\n");
	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(m + n, sizeof(m) - n,
				      "m=audio %d RTP/AVP 0\r\n"
				      "c=IN IP4 10.0.1.2\r\n",
				      8000 + 2 * i);
	ASSERT_TRUE(n < sizeof(m) - 1, "fixture fits");
	dgram(OUT, m, n);
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_BAD_INPUT], 1);
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 0);
	/* the INVITE went out unrewritten: no call, no media port held */
	ASSERT_EQ(sip_calls_total(), 0);
	ASSERT_EQ(n_op('P'), 0);
	send_invite(); /* the next call is tracked as usual */
	ASSERT_TRUE(rc > 0, "next INVITE rewritten");
	ASSERT_EQ(sip_calls_total(), 1);
}

/* A NAT-aware UA (STUN) already wrote the public address: untouched. */
static void sip_alg_already_public(void)
{
	static const char head[] =
		"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKstun;rport\r\n"
		"From: <sip:alice@192.0.2.1:5062>;tag=s\r\n"
		"To: <sip:bob@192.0.2.2>\r\n"
		"Call-ID: stun@example.test\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@192.0.2.1:5062>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n";
	static const char sdp[] = "v=0\r\n"
				  "o=- 1 1 IN IP4 192.0.2.1\r\n"
				  "s=-\r\n"
				  "c=IN IP4 192.0.2.1\r\n"
				  "t=0 0\r\n"
				  "m=audio 40000 RTP/AVP 0\r\n";
	size_t n;

	flow(BPFALG_MODE_ON, "", "");
	n = build(ibuf, sizeof(ibuf), head, sdp);
	dgram(OUT, ibuf, n);
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_ALREADY_PUBLIC], 1);
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 0);
	ASSERT_EQ(fk.n, 0);
}

/* ICE: candidates left exactly as they are, the stream flagged. */
static void sip_alg_ice(void)
{
	static const char head[] =
		"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKice\r\n"
		"From: <sip:alice@10.0.1.2>;tag=i\r\n"
		"To: <sip:bob@192.0.2.2>\r\n"
		"Call-ID: ice@example.test\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n";
	static const char head_out[] =
		"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKice\r\n"
		"From: <sip:alice@192.0.2.1:5062>;tag=i\r\n"
		"To: <sip:bob@192.0.2.2>\r\n"
		"Call-ID: ice@example.test\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n";
	static const char sdp_fmt[] =
		"v=0\r\n"
		"o=- 1 1 IN IP4 %s\r\n"
		"s=-\r\n"
		"c=IN IP4 %s\r\n"
		"t=0 0\r\n"
		"a=ice-ufrag:8hhY\r\n"
		"a=ice-pwd:asd88fgpdd777uzjYhagZg\r\n"
		"m=audio 7200 RTP/AVP 0\r\n"
		"a=candidate:1 1 UDP 2130706431 10.0.1.2 7200 typ host\r\n"
		"a=candidate:2 1 UDP 1694498815 192.0.2.1 45664 typ srflx "
		"raddr "
		"10.0.1.2 rport 7200\r\n";
	char body[512], wbody[512];
	size_t n, w;

	flow(BPFALG_MODE_ON, "", "");
	snprintf(body, sizeof(body), sdp_fmt, INSIDE, INSIDE);
	snprintf(wbody, sizeof(wbody), sdp_fmt, PUBLIC, PUBLIC);
	n = build(ibuf, sizeof(ibuf), head, body);
	w = build(wbuf, sizeof(wbuf), head_out, wbody);
	dgram(OUT, ibuf, n);
	ASSERT_TRUE(same(wbuf, w), "o=/c= rewritten, candidates kept");
	ASSERT_TRUE(memmem(out, (size_t)rc, "10.0.1.2 7200 typ host", 22),
		    "host candidate untouched");
	ASSERT_TRUE(last_put() != NULL, "published");
	ASSERT_EQ(last_put()->call.m[0].flags, BPFALG_CM_ICE);
}

/* Observe: counted, nothing changed, nothing bound or published. */
static void sip_alg_observe(void)
{
	size_t n;

	flow(BPFALG_MODE_OBSERVE, "", "");
	send_invite();
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_OBSERVED], 1);
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 0);
	n = build(ibuf, sizeof(ibuf), ok_head, ok_sdp);
	dgram(IN, ibuf, n);
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_OBSERVED], 2);
	ASSERT_EQ(fk.n, 0);
	ASSERT_EQ(sip_calls_total(), 0);
	/* no port was reserved: with the ALG on, the call gets 7000 */
	sf.af.mode = BPFALG_MODE_ON;
	send_invite();
	ASSERT_EQ(last_put()->call.m[0].public_port, 7000);
	/* off: not even parsed */
	sf.af.mode = BPFALG_MODE_OFF;
	memset(cnt, 0, sizeof(cnt));
	DGRAM(OUT, "garbage that is no SIP at all\r\n\r\n");
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_BAD_INPUT], 0);
}

static void sip_alg_bad_input(void)
{
	flow(BPFALG_MODE_ON, "", "");
	DGRAM(OUT, "GET / HTTP/1.1\r\nHost: 192.0.2.2\r\n\r\n");
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_BAD_INPUT], 1);
	ASSERT_EQ(cnt[BPFALG_AS_PARSED], 0);
	/* a CRLF keep-alive is no SIP message and no error either */
	DGRAM(OUT, "\r\n\r\n");
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_BAD_INPUT], 1);
	/* SIP whose SDP does not parse: sent unchanged, counted, no call */
	DGRAM(OUT, "INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKbad\r\n"
		   "From: <sip:alice@10.0.1.2>;tag=b\r\n"
		   "To: <sip:bob@192.0.2.2>\r\n"
		   "Call-ID: bad@example.test\r\n"
		   "CSeq: 1 INVITE\r\n"
		   "Content-Type: application/sdp\r\n"
		   "Content-Length: 28\r\n\r\n"
		   "v=0\r\nc=IN IP4 10.0.1.2.7\r\n\r\n");
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_BAD_INPUT], 2);
	ASSERT_EQ(fk.n, 0);
}

/* The gateway's 403 for a denied method: Via, From, To (with a tag),
 * Call-ID, CSeq copied as they were.
 */
static void sip_alg_policy_deny(void)
{
	static const char want[] =
		"SIP/2.0 403 Forbidden\r\n"
		"Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKm1;rport\r\n"
		"From: \"Alice\" <sip:alice@10.0.1.2>;tag=m1\r\n"
		"To: <sip:bob@192.0.2.2>;tag=bpfalg-policy\r\n"
		"Call-ID: msg1@example.test\r\n"
		"CSeq: 7 MESSAGE\r\n"
		"Server: bpfalg\r\n"
		"Content-Length: 0\r\n\r\n";

	flow(BPFALG_MODE_ON, "MESSAGE,SUBSCRIBE", "");
	DGRAM(OUT, "MESSAGE sip:bob@192.0.2.2 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKm1;rport\r\n"
		   "Max-Forwards: 70\r\n"
		   "From: \"Alice\" <sip:alice@10.0.1.2>;tag=m1\r\n"
		   "To: <sip:bob@192.0.2.2>\r\n"
		   "Call-ID: msg1@example.test\r\n"
		   "CSeq: 7 MESSAGE\r\n"
		   "Content-Type: text/plain\r\n"
		   "Content-Length: 5\r\n\r\n"
		   "hello");
	ASSERT_EQ(rc, ALG_LINE_REFUSE);
	ASSERT_TRUE(strlen((char *)out) == sizeof(want) - 1 &&
			    !memcmp(out, want, sizeof(want) - 1),
		    "403: \"%s\"", (char *)out);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 1);
	/* a To that has a tag keeps it; the method matched in any case */
	DGRAM(OUT, "message sip:bob@192.0.2.2 SIP/2.0\r\n"
		   "v: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKm2\r\n"
		   "f: <sip:alice@10.0.1.2>;tag=m2\r\n"
		   "t: <sip:bob@192.0.2.2>;tag=x9\r\n"
		   "i: msg2\r\n"
		   "CSeq: 8 message\r\n"
		   "l: 0\r\n\r\n");
	ASSERT_EQ(rc, ALG_LINE_REFUSE);
	ASSERT_STREQ((char *)out,
		     "SIP/2.0 403 Forbidden\r\n"
		     "v: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKm2\r\n"
		     "f: <sip:alice@10.0.1.2>;tag=m2\r\n"
		     "t: <sip:bob@192.0.2.2>;tag=x9\r\n"
		     "i: msg2\r\n"
		     "CSeq: 8 message\r\n"
		     "Server: bpfalg\r\n"
		     "Content-Length: 0\r\n\r\n");
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 2);
	/* OPTIONS is not on the list: rewritten and sent */
	DGRAM(OUT, "OPTIONS sip:bob@192.0.2.2 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKo1\r\n"
		   "From: <sip:alice@10.0.1.2>;tag=o1\r\n"
		   "To: <sip:bob@192.0.2.2>\r\n"
		   "Call-ID: opt1\r\n"
		   "CSeq: 1 OPTIONS\r\n"
		   "Content-Length: 0\r\n\r\n");
	ASSERT_TRUE(rc > 0, "OPTIONS forwarded (rc %d)", rc);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 2);
	/* observe: counted as what it would refuse, forwarded */
	sf.af.mode = BPFALG_MODE_OBSERVE;
	DGRAM(OUT, "MESSAGE sip:bob@192.0.2.2 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKm3\r\n"
		   "From: <sip:alice@10.0.1.2>;tag=m3\r\n"
		   "To: <sip:bob@192.0.2.2>\r\n"
		   "Call-ID: msg3\r\n"
		   "CSeq: 9 MESSAGE\r\n"
		   "Content-Length: 0\r\n\r\n");
	ASSERT_EQ(rc, ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 2);
	ASSERT_TRUE(cnt[BPFALG_AS_OBSERVED] >= 1, "observed");
}

/* INVITEs from outside only from the invite-from list. */
static void sip_alg_invite_from(void)
{
	static const char inv[] =
		"INVITE sip:alice@192.0.2.1:5062 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKin\r\n"
		"From: <sip:bob@192.0.2.2>;tag=b\r\n"
		"To: <sip:alice@192.0.2.1:5062>\r\n"
		"Call-ID: inbound@example.test\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char inv_in[] =
		"INVITE sip:alice@10.0.1.2:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKin\r\n"
		"From: <sip:bob@192.0.2.2>;tag=b\r\n"
		"To: <sip:alice@10.0.1.2:5060>\r\n"
		"Call-ID: inbound@example.test\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";

	flow(BPFALG_MODE_ON, "", "192.0.2.99");
	DGRAM(IN, inv);
	ASSERT_EQ(rc, ALG_LINE_REFUSE);
	ASSERT_STREQ((char *)out,
		     "SIP/2.0 403 Forbidden\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKin\r\n"
		     "From: <sip:bob@192.0.2.2>;tag=b\r\n"
		     "To: <sip:alice@192.0.2.1:5062>;tag=bpfalg-policy\r\n"
		     "Call-ID: inbound@example.test\r\n"
		     "CSeq: 1 INVITE\r\n"
		     "Server: bpfalg\r\n"
		     "Content-Length: 0\r\n\r\n");
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 1);
	ASSERT_EQ(sip_calls_total(), 0);
	/* the ACK of that 403 ends at the gateway (nothing sent, nothing
	 * counted); an ACK of another transaction goes on
	 */
	DGRAM(IN, "ACK sip:alice@192.0.2.1:5062 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKin\r\n"
		  "From: <sip:bob@192.0.2.2>;tag=b\r\n"
		  "To: <sip:alice@192.0.2.1:5062>;tag=bpfalg-policy\r\n"
		  "Call-ID: inbound@example.test\r\n"
		  "CSeq: 1 ACK\r\n"
		  "Content-Length: 0\r\n\r\n");
	ASSERT_EQ(rc, ALG_LINE_REFUSE);
	ASSERT_EQ(out[0], 0);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 1);
	DGRAM(IN, "ACK sip:alice@192.0.2.1:5062 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKin2\r\n"
		  "From: <sip:bob@192.0.2.2>;tag=b\r\n"
		  "To: <sip:alice@192.0.2.1:5062>;tag=t\r\n"
		  "Call-ID: other@example.test\r\n"
		  "CSeq: 1 ACK\r\n"
		  "Content-Length: 0\r\n\r\n");
	ASSERT_TRUE(rc > 0, "another ACK: Request-URI back to the inside");
	/* the inside UA may still INVITE out */
	send_invite();
	ASSERT_TRUE(rc > 0, "outbound INVITE not subject to invite-from");
	/* from a listed registrar: rewritten back to the inside UA, an
	 * inbound call
	 */
	flow(BPFALG_MODE_ON, "", "192.0.2.0/24");
	DGRAM(IN, inv);
	ASSERT_TRUE(same(inv_in, sizeof(inv_in) - 1), "inbound INVITE");
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 0);
	ASSERT_EQ(last_put()->call.inside_is_caller, 0);
}

/* The last case ends the flow: nothing left for the other suites. */
static void sip_alg_fini(void)
{
	flow(BPFALG_MODE_ON, "", "");
	send_invite();
	fk.n = 0;
	sip_module.fini(&sf.af);
	ASSERT_EQ(sip_calls_total(), 0);
	ASSERT_EQ(n_op('D'), 1);
	memset(&sf, 0, sizeof(sf));
}

/*
 * A flow that carries calls is kept open (renewed every tick): its idle
 * timeout must not end the calls and take their media bindings; once the
 * calls are over it is no longer renewed.
 */
static void sip_alg_calls_keep_flow(void)
{
	const uint64_t s = 1000000000ULL;
	uint64_t t = mono_now();

	flow(BPFALG_MODE_ON, "", "");
	sip_module.tick(&sf.af, t);
	ASSERT_EQ(sf.af.keep_until_ns, 0); /* no call: nothing kept */
	send_invite();
	ASSERT_TRUE(rc > 0, "INVITE rewritten");
	t = mono_now(); /* not before the call's own clock reading */
	sip_module.tick(&sf.af, t);
	ASSERT_EQ(sf.af.keep_until_ns, t + SIP_KEEP_CALLS_NS);
	sip_module.tick(&sf.af, t + 20 * s);
	ASSERT_EQ(sf.af.keep_until_ns, t + 20 * s + SIP_KEEP_CALLS_NS);
	sip_module.fini(&sf.af); /* the calls end */
	sip_module.tick(&sf.af, t + 40 * s);
	ASSERT_EQ(sf.af.keep_until_ns, t + 20 * s + SIP_KEEP_CALLS_NS);
	memset(&sf, 0, sizeof(sf));
}

/* An SDP naming an inside port below --min-data-port (a service, such as
 * ssh on 22) gets no media binding: the peer must not reach that port.
 */
static void sip_alg_media_low_port(void)
{
	static const char sdp22[] = "v=0\r\n"
				    "o=alice 1 1 IN IP4 10.0.1.2\r\n"
				    "s=-\r\n"
				    "c=IN IP4 10.0.1.2\r\n"
				    "t=0 0\r\n"
				    "m=audio 22 RTP/AVP 0\r\n";
	size_t n;

	flow(BPFALG_MODE_ON, "", "");
	n = build(ibuf, sizeof(ibuf), invite_head, sdp22);
	dgram(OUT, ibuf, n);
	ASSERT_TRUE(rc > 0, "INVITE rewritten");
	fk.n = 0;
	n = build(ibuf, sizeof(ibuf), ok_head, ok_sdp);
	dgram(IN, ibuf, n);
	ASSERT_EQ(n_op('B'), 0);
	ASSERT_EQ(cnt[BPFALG_AS_PH_OPENED], 0);
	ASSERT_EQ(cnt[BPFALG_AS_REFUSED], 1);
}

/* @m with the fixture's Call-ID replaced by call number @i's (same length). */
static void with_cid(char *m, unsigned int i)
{
	char *p = strstr(m, CID), id[sizeof(CID)];

	snprintf(id, sizeof(id), "%014u@pc33.example.test", i);
	if (p)
		memcpy(p, id, sizeof(CID) - 1);
}

/*
 * A trunk: thousands of calls on one signalling flow (once capped at 512
 * with a linear search per message).  Every INVITE makes a call; a BYE in
 * the middle ends exactly that one; fini ends the rest.
 */
static void sip_alg_trunk_calls(void)
{
	const unsigned int N = 3000;
	size_t n;

	flow(BPFALG_MODE_ON, "", "");
	for (unsigned int i = 0; i < N; i++) {
		n = build(ibuf, sizeof(ibuf), invite_head, invite_sdp);
		with_cid(ibuf, i);
		dgram(OUT, ibuf, n);
		if (rc <= 0)
			break;
	}
	ASSERT_TRUE(rc > 0, "every INVITE rewritten");
	ASSERT_EQ(sip_calls_total(), N);
	ASSERT_EQ(sf.n_calls, N);
	ASSERT_EQ(cnt[BPFALG_AS_REFUSED], 0);
	memcpy(ibuf, bye, sizeof(bye));
	with_cid(ibuf, N / 2);
	dgram(OUT, ibuf, sizeof(bye) - 1);
	ASSERT_TRUE(rc > 0, "BYE rewritten");
	ASSERT_EQ(sip_calls_total(), N - 1);
	dgram(OUT, ibuf, sizeof(bye) - 1); /* its call is gone now */
	ASSERT_EQ(sip_calls_total(), N - 1);
	memcpy(ibuf, bye, sizeof(bye));
	with_cid(ibuf, N - 1); /* the one moved into the hole */
	dgram(OUT, ibuf, sizeof(bye) - 1);
	ASSERT_EQ(sip_calls_total(), N - 2);
	sip_module.fini(&sf.af);
	ASSERT_EQ(sip_calls_total(), 0);
	memset(&sf, 0, sizeof(sf));
}

UNIT_CASES(sip_alg_cases, CASE(sip_alg_invite_rewrite),
	   CASE(sip_alg_answer_binds), CASE(sip_alg_second_call_ports),
	   CASE(sip_alg_hold_resume), CASE(sip_alg_release_what_bound),
	   CASE(sip_alg_early_then_486), CASE(sip_alg_cancel),
	   CASE(sip_alg_bind_fails), CASE(sip_alg_register),
	   CASE(sip_alg_too_many_edits), CASE(sip_alg_already_public),
	   CASE(sip_alg_ice), CASE(sip_alg_observe), CASE(sip_alg_bad_input),
	   CASE(sip_alg_policy_deny), CASE(sip_alg_invite_from),
	   CASE(sip_alg_fini), CASE(sip_alg_calls_keep_flow),
	   CASE(sip_alg_media_low_port), CASE(sip_alg_trunk_calls));
