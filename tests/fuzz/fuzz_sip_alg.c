// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_sip_alg.c - libFuzzer target for the SIP ALG module
 * (user/alg/sip_alg.c) as the engine drives it over UDP: one flow, a
 * sequence of datagrams in both directions through sip_module.dgram, with
 * a fake engine that checks every service call.
 *
 * Input: one flags byte, then events.
 *   flags  bit 0 observe (else on), bit 1 deny MESSAGE/SUBSCRIBE, bit 2
 *          INVITEs from outside only from 192.0.2.99 (the peer is not),
 *          bit 3 port-forward (the inside UA is the server), bit 4 IPv6,
 *          bit 5 public port 5062 (else 5060), bits 6-7 how often the
 *          fake engine refuses a binding (never, 1/8, 1/2, always).
 *   event  one byte: bit 0 from outside (else from the inside UA), bit 1
 *          a tick first; then a 2-byte big-endian length and that many
 *          bytes of datagram (cut at the input's end).
 * Checked after every datagram:
 *  - the result is UNCHANGED, REFUSE (only with the ALG on; a NUL-ended
 *    text in the buffer: empty or a 403 response that parses) or a length
 *    within the buffer (never in observe mode);
 *  - a rewritten message parses again (sip_parse), its Content-Length
 *    (when it has one) is its body's length, and its SDP (when the
 *    original's parsed) parses too;
 *  - IPv4: a rewritten message from the inside UA names the inside
 *    address (10.0.1.2) nowhere in its top Via (requests), Contact or
 *    SDP o=/c=/a=rtcp; one sent unchanged that does was counted
 *    (bad_input) unless the ALG only observes;
 *  - calls: never more than the caps, exactly the tracked ones published
 *    (call_put / call_del keys), none left after fini;
 *  - bindings: UDP, the flow's own inside address, an inside port the
 *    inside UA's SDP announced, a public port, and a remote address and
 *    port that an SDP from outside named (its m= or RTCP port); releases
 *    only of ports bound and held; nothing held after fini.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>

#include "alg/sdp.h"
#include "alg/sip.h"
#include "alg/sip_alg.h"
#include "alg/sip_rewrite.h"
#include "util/log.h"
#include "util/prefix.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* log.c hands libbpf its printer in algctl; nothing here loads BPF. */
libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)
{
	return NULL;
}

/* An address and port an SDP named. */
struct ep {
	uint8_t addr[16];
	uint16_t port;
};

#define MAX_EP 1024
#define MAX_HELD 4096
#define MAX_KEYS 8192 /* more calls than one input can make */

static struct {
	struct alg_flow *af;
	uint32_t rng;
	unsigned int refuse; /* 0 never, else 1 in refuse */
	struct ep remote[MAX_EP]; /* from SDPs sent from outside */
	int n_remote;
	uint16_t inside[MAX_EP]; /* ports the inside UA's SDPs announced */
	int n_inside;
	uint16_t held[MAX_HELD]; /* public ports bound */
	int n_held;
	uint64_t keys[MAX_KEYS]; /* calls published */
	int n_keys;
} fk;

static uint32_t rnd(void)
{
	fk.rng = fk.rng * 1103515245u + 12345u;
	return fk.rng >> 8;
}

static int alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool remote_known(const uint8_t *a, uint16_t port)
{
	for (int i = 0; i < fk.n_remote; i++)
		if (fk.remote[i].port == port &&
		    !memcmp(fk.remote[i].addr, a, 16))
			return true;
	return false;
}

static bool inside_known(uint16_t port)
{
	for (int i = 0; i < fk.n_inside; i++)
		if (fk.inside[i] == port)
			return true;
	return false;
}

static int fake_expect(void *ctx, struct alg_flow *af,
		       const struct alg_expect *x, uint16_t *pub,
		       const char **why)
{
	abort(); /* the SIP ALG binds, it never asks for a pinhole */
}

static int fake_bind(void *ctx, struct alg_flow *af, const struct alg_expect *x,
		     uint16_t *pub, const char **why)
{
	CHECK(af == fk.af);
	CHECK(x->proto == BPFALG_IPPROTO_UDP && x->family == af->family);
	CHECK(!memcmp(x->inside, af->inside, 16));
	CHECK(x->inside_port && x->remote_port && x->public_port);
	CHECK(inside_known(x->inside_port));
	CHECK(remote_known(x->remote, x->remote_port));
	for (int i = 0; i < fk.n_held; i++)
		CHECK(fk.held[i] != x->public_port); /* bound twice */
	if (fk.refuse && (fk.refuse == 1 || rnd() % fk.refuse == 0)) {
		*why = "fake: taken";
		return -1;
	}
	CHECK(fk.n_held < MAX_HELD);
	fk.held[fk.n_held++] = x->public_port;
	*pub = x->public_port;
	return 0;
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

static void fake_put(void *ctx, struct alg_flow *af, uint64_t key,
		     const struct bpfalg_call *c)
{
	CHECK(af == fk.af);
	CHECK(c->n_media <= BPFALG_CALL_MEDIA);
	CHECK(!memcmp(c->inside, af->inside, 16));
	for (int i = 0; i < fk.n_keys; i++)
		if (fk.keys[i] == key)
			return; /* an update */
	CHECK(fk.n_keys < MAX_KEYS);
	fk.keys[fk.n_keys++] = key;
}

static void fake_del(void *ctx, struct alg_flow *af, uint64_t key)
{
	int i;

	CHECK(af == fk.af);
	for (i = 0; i < fk.n_keys && fk.keys[i] != key; i++)
		;
	/* a call that never got published (it ended in its first message)
	 * is deleted all the same: fine
	 */
	if (i < fk.n_keys)
		fk.keys[i] = fk.keys[--fk.n_keys];
}

static void fake_step_aside(void *ctx, struct alg_flow *af)
{
	abort(); /* nothing over UDP goes encrypted */
}

static const struct alg_services svc = {
	.expect = fake_expect,
	.bind = fake_bind,
	.release = fake_release,
	.step_aside = fake_step_aside,
	.call_put = fake_put,
	.call_del = fake_del,
};

/* -------------------------------------------------------- checks */

static struct sip_msg m_in, m_out;
static struct sdp s_in, s_out;
static struct sip_ref refs[128];

/* Remember what the SDP of a parsed message names (before the module
 * acts on it: a binding it makes now must find it here).
 */
static void note_sdp(const uint8_t *buf, bool from_outside, int family)
{
	for (unsigned int i = 0; i < s_in.n_media; i++) {
		const struct sdp_media *sm = &s_in.media[i];
		const struct sdp_conn *cn = sdp_media_conn(&s_in, i);
		uint16_t ports[2] = { sm->port,
				      sm->has_rtcp ? sm->rtcp_port :
						     (uint16_t)(sm->port + 1) };

		for (int k = 0; k < 2; k++) {
			if (!ports[k])
				continue;
			if (!from_outside) {
				if (fk.n_inside < MAX_EP)
					fk.inside[fk.n_inside++] = ports[k];
				continue;
			}
			if (!cn || cn->a.family != family ||
			    fk.n_remote >= MAX_EP)
				continue;
			memset(fk.remote[fk.n_remote].addr, 0, 16);
			memcpy(fk.remote[fk.n_remote].addr, cn->a.addr,
			       alen(family));
			fk.remote[fk.n_remote++].port = ports[k];
		}
	}
}

/* Does @buf (parsed into @m, SDP @s or NULL) name the inside address
 * where the module rewrites it for the inside UA's messages?
 */
static bool names_inside(const uint8_t *buf, const struct sip_msg *m,
			 const struct sdp *s, const struct alg_flow *af)
{
	unsigned int mask = SIP_W_CONTACT | (m->request ? SIP_W_VIA_TOP : 0);

	if (sip_find(buf, m, mask, af->family, af->inside, 0, refs, 128))
		return true;
	return s &&
	       sdp_find(s, SIP_W_SDP_ORIGIN | SIP_W_SDP_CONN | SIP_W_SDP_RTCP,
			af->family, af->inside, refs, 128);
}

static uint32_t digits(const uint8_t *b, struct sip_span sp)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < sp.len; i++)
		v = v * 10 + (uint32_t)(b[sp.off + i] - '0');
	return v;
}

static uint8_t out[SIP_MAX_MSG + 256];

static void one(struct sip_flow *sf, bool from_outside, const uint8_t *msg,
		size_t len)
{
	struct alg_flow *af = &sf->af;
	int dir = from_outside == af->inside_is_client ? BPFALG_DIR_REPLY :
							 BPFALG_DIR_ORIG;
	bool parsed = !sip_parse(msg, len, 0, &m_in), has_sdp = false;
	__u64 bad = af->cnt[BPFALG_AS_BAD_INPUT];
	size_t cap = sizeof(out) - 256;
	int rc;

	if (parsed && m_in.body_len && sip_body_is_sdp(msg, &m_in) &&
	    !sdp_parse(msg, m_in.body_off, m_in.body_len, &s_in)) {
		has_sdp = true;
		note_sdp(msg, from_outside, af->family);
	}
	memset(out, 0xa5, sizeof(out));
	rc = sip_module.dgram(af, dir, msg, len, out, cap);

	CHECK(rc == ALG_LINE_UNCHANGED || rc == ALG_LINE_REFUSE ||
	      (rc > 0 && (size_t)rc <= cap));
	if (af->mode != BPFALG_MODE_ON)
		CHECK(rc == ALG_LINE_UNCHANGED);
	if (rc == ALG_LINE_REFUSE) {
		size_t n = strnlen((const char *)out, cap);

		CHECK(n < cap);
		CHECK(parsed && m_in.request);
		if (n) {
			CHECK(n > 24 &&
			      !memcmp(out, "SIP/2.0 403 Forbidden\r\n", 23));
			CHECK(!sip_parse(out, n, 0, &m_out));
			CHECK(!m_out.request && m_out.status == 403);
			CHECK(m_out.body_len == 0);
		}
	} else if (rc > 0) {
		const struct sdp *so = NULL;

		CHECK(parsed);
		CHECK(!sip_parse(out, (size_t)rc, 0, &m_out));
		CHECK(m_out.request == m_in.request);
		CHECK(m_out.body_off + m_out.body_len <= (uint32_t)rc);
		if (m_out.clen_hdr >= 0)
			CHECK(digits(out, m_out.clen) == m_out.body_len);
		if (has_sdp) {
			CHECK(sip_body_is_sdp(out, &m_out));
			CHECK(!sdp_parse(out, m_out.body_off, m_out.body_len,
					 &s_out));
			so = &s_out;
		}
		if (!from_outside && af->family == AF_INET)
			CHECK(!names_inside(out, &m_out, so, af));
	} else if (parsed && !from_outside && af->family == AF_INET &&
		   af->mode == BPFALG_MODE_ON && len > 4) {
		/* sent as it is: a NAT-aware UA's (no inside address), or
		 * counted as bad input
		 */
		const struct sdp *si = has_sdp ? &s_in : NULL;

		if (m_in.body_len && sip_body_is_sdp(msg, &m_in) && !has_sdp)
			CHECK(af->cnt[BPFALG_AS_BAD_INPUT] > bad);
		else if (names_inside(msg, &m_in, si, af))
			CHECK(af->cnt[BPFALG_AS_BAD_INPUT] > bad);
	}
	CHECK(sf->n_calls <= sf->cap_calls && sf->n_calls <= sf->ht_size);
	CHECK(sip_calls_total() <= SIP_MAX_CALLS_ALL);
	CHECK(sip_calls_total() == sf->n_calls);
	CHECK((unsigned int)fk.n_keys == sf->n_calls);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static __u64 cnt[BPFALG_AS_MAX];
	static const unsigned int refuse[4] = { 0, 8, 2, 1 };
	struct sip_flow *sf;
	struct alg_policy pol;
	static const struct alg_limits lim = { .min_data_port = 1024 };
	char err[128];
	size_t i = 1;
	uint8_t fl;

	if (!size)
		return 0;
	/* FUZZ_SIP_LOG=1: the module's log lines, to see what a seed does */
	log_level = getenv("FUZZ_SIP_LOG") ? LOG_INFO : LOG_WARN;
	fl = data[0];
	sf = calloc(1, sip_module.flow_size);
	CHECK(sf);
	memset(&fk, 0, sizeof(fk));
	memset(cnt, 0, sizeof(cnt));
	memset(&pol, 0, sizeof(pol));
	fk.af = &sf->af;
	fk.rng = size;
	fk.refuse = refuse[fl >> 6];
	alg_policy_parse(&pol, (fl & 2) ? "MESSAGE,SUBSCRIBE" : "", err,
			 sizeof(err));
	pol.n_from = (fl & 4) ? prefix_list_parse("192.0.2.99", pol.from,
						  PREFIX_LIST_MAX, err,
						  sizeof(err)) :
				0;
	sf->af.mode = (fl & 1) ? BPFALG_MODE_OBSERVE : BPFALG_MODE_ON;
	sf->af.inside_is_client = !(fl & 8);
	if (fl & 16) {
		sf->af.family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8:1::2", sf->af.inside);
		memcpy(sf->af.public_addr, sf->af.inside, 16);
		inet_pton(AF_INET6, "2001:db8:2::2", sf->af.peer);
	} else {
		sf->af.family = AF_INET;
		inet_pton(AF_INET, "10.0.1.2", sf->af.inside);
		inet_pton(AF_INET, "192.0.2.1", sf->af.public_addr);
		inet_pton(AF_INET, "192.0.2.2", sf->af.peer);
	}
	sf->af.inside_port = 5060;
	sf->af.public_port = (fl & 32) ? 5062 : 5060;
	sf->af.peer_port = 5060;
	sf->af.pol = &pol;
	sf->af.svc = &svc;
	sf->af.cnt = cnt;
	sf->af.lim = &lim;
	strcpy(sf->af.tag, "sip#1");

	while (i < size) {
		uint8_t e = data[i++];
		size_t n = 0;

		if (e & 2)
			sip_module.tick(&sf->af, 0);
		if (i + 1 < size)
			n = (size_t)data[i] << 8 | data[i + 1];
		i += 2;
		if (i > size)
			break;
		if (n > size - i)
			n = size - i;
		one(sf, e & 1, data + i, n);
		i += n;
	}
	sip_module.fini(&sf->af);
	CHECK(sip_calls_total() == 0);
	CHECK(fk.n_held == 0);
	CHECK(fk.n_keys == 0);
	free(sf);
	return 0;
}
