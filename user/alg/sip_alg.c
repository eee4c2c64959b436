// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sip_alg.c - see sip_alg.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "alg/sip_alg.h"
#include "alg/sip_rewrite.h"
#include "engine/events.h"
#include "util/log.h"

#define NSEC 1000000000ULL

/* One media stream of a call: the inside UA's end, the public ports it
 * is announced with, the peer's end from its SDP.
 */
struct sip_media {
	uint8_t type; /* enum sdp_media_type */
	bool mux; /* a=rtcp-mux on the inside side */
	/* a side put it on hold: c= 0.0.0.0 / :: (RFC 2543), or its SDP
	 * says sendonly, recvonly or inactive (RFC 3264 8.4); the last SDP
	 * of either side decides
	 */
	bool hold;
	bool ice;
	bool bound, bind_failed;
	bool rtcp_bound; /* what to release: not what the SDPs say now */
	uint16_t in_rtp, in_rtcp; /* 0: not known / no RTCP */
	uint16_t pub_rtp, pub_rtcp;
	uint16_t peer_rtp, peer_rtcp;
	int peer_family;
	uint8_t peer[16];
};

struct sip_call {
	struct sip_call *hnext; /* sip_flow.ht chain */
	unsigned int idx; /* in sip_flow.calls */
	uint8_t cid_len;
	char cid[BPFALG_CALL_ID_LEN];
	uint64_t key; /* in the calls map */
	uint32_t id;
	uint8_t state; /* enum bpfalg_call_state */
	bool inside_is_caller;
	uint32_t invite_cseq;
	uint64_t created_ns, updated_ns;
	unsigned int n_media;
	struct sip_media m[BPFALG_CALL_MEDIA];
};

/* Scratch: the controller is single-threaded, one message at a time. */
static struct sip_msg msg, msg2;
static struct sdp sdp;
static struct sip_edits ed;
static struct sip_ref refs[64];

static unsigned int calls_total;
static uint32_t next_call_id;
/* Public media ports held by a call (of any flow). */
static uint8_t port_used[65536 / 8];

unsigned int sip_calls_total(void)
{
	return calls_total;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static bool port_is_used(uint16_t p)
{
	return port_used[p >> 3] & (1u << (p & 7));
}

static void port_mark(uint16_t p, bool on)
{
	if (!p)
		return;
	if (on)
		port_used[p >> 3] |= (uint8_t)(1u << (p & 7));
	else
		port_used[p >> 3] &= (uint8_t) ~(1u << (p & 7));
}

/*
 * Public ports for a stream whose inside RTP port is @in (RTCP on the
 * next one unless @mux): the inside port itself when free (keeping RTP
 * even / RTCP odd as the UA chose), else a free even port of the media
 * range.  0 when none is left.
 */
static uint16_t media_alloc(uint16_t in, bool mux)
{
	uint32_t span = (SIP_MEDIA_PORT_MAX - SIP_MEDIA_PORT_MIN + 1) / 2, r;

	if (in && in < 65535 && !port_is_used(in) &&
	    (mux || !port_is_used((uint16_t)(in + 1))))
		return in;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)now_ns();
	for (uint32_t i = 0; i < span; i++) {
		uint16_t p =
			(uint16_t)(SIP_MEDIA_PORT_MIN + 2 * ((r + i) % span));

		if (!port_is_used(p) && !port_is_used((uint16_t)(p + 1)))
			return p;
	}
	return 0;
}

static int alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool from_outside(const struct alg_flow *af, int dir)
{
	return af->inside_is_client ? dir == BPFALG_DIR_REPLY :
				      dir == BPFALG_DIR_ORIG;
}

static void show(const struct alg_flow *af, const char *what,
		 const uint8_t *text, size_t len, const char *why)
{
	char clean[160];

	if (!log_enabled(LOG_INFO))
		return;
	log_sanitize((const char *)text, len, clean, sizeof(clean));
	pr_info("[%s] %s: \"%s\"%s%s\n", af->tag, what, clean, why ? ": " : "",
		why ? why : "");
}

/* ------------------------------------------------------------- calls */

static uint64_t call_key(const struct sip_flow *sf, const uint8_t *cid,
			 size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ cid[i]) * 1099511628211ULL;
	/* the flow's addresses too: two UAs may pick the same Call-ID */
	for (int i = 0; i < 16; i++)
		h = (h ^ sf->af.inside[i]) * 1099511628211ULL;
	h = (h ^ sf->af.inside_port) * 1099511628211ULL;
	return h;
}

static struct sip_call **ht_slot(struct sip_flow *sf, uint64_t key)
{
	return &sf->ht[(key ^ (key >> 29)) & (sf->ht_size - 1)];
}

static struct sip_call *call_find(struct sip_flow *sf, const uint8_t *cid,
				  size_t n, unsigned int *idx)
{
	uint64_t key;

	if (n > BPFALG_CALL_ID_LEN)
		n = BPFALG_CALL_ID_LEN;
	if (!sf->ht_size)
		return NULL;
	key = call_key(sf, cid, n);
	for (struct sip_call *c = *ht_slot(sf, key); c; c = c->hnext)
		if (c->key == key && c->cid_len == n &&
		    !memcmp(c->cid, cid, n)) {
			if (idx)
				*idx = c->idx;
			return c;
		}
	return NULL;
}

/* Room for one more call: array and index grown (doubled) as needed. */
static bool calls_grow(struct sip_flow *sf)
{
	if (sf->n_calls == sf->cap_calls) {
		unsigned int cap = sf->cap_calls ? 2 * sf->cap_calls : 16;
		void *p = realloc(sf->calls, cap * sizeof(*sf->calls));

		if (!p)
			return false;
		sf->calls = p;
		sf->cap_calls = cap;
	}
	if (sf->n_calls >= sf->ht_size) {
		unsigned int size = sf->ht_size ? 2 * sf->ht_size : 16;
		struct sip_call **ht = calloc(size, sizeof(*ht));

		if (!ht)
			return false;
		free(sf->ht);
		sf->ht = ht;
		sf->ht_size = size;
		for (unsigned int i = 0; i < sf->n_calls; i++) {
			struct sip_call **sl = ht_slot(sf, sf->calls[i]->key);

			sf->calls[i]->hnext = *sl;
			*sl = sf->calls[i];
		}
	}
	return true;
}

static struct sip_call *call_new(struct sip_flow *sf, const uint8_t *cid,
				 size_t n, bool inside_caller)
{
	struct sip_call *c;

	if (calls_total >= SIP_MAX_CALLS_ALL || !calls_grow(sf)) {
		sf->af.cnt[BPFALG_AS_REFUSED]++;
		pr_warn("[%s] call not tracked: call limit reached (%u on "
			"this flow, %u in all)\n",
			sf->af.tag, sf->n_calls, calls_total);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (n > BPFALG_CALL_ID_LEN)
		n = BPFALG_CALL_ID_LEN;
	memcpy(c->cid, cid, n);
	c->cid_len = (uint8_t)n;
	c->key = call_key(sf, cid, n);
	c->id = ++next_call_id;
	c->state = BPFALG_CALL_OFFERED;
	c->inside_is_caller = inside_caller;
	c->created_ns = c->updated_ns = now_ns();
	c->idx = sf->n_calls;
	sf->calls[sf->n_calls++] = c;
	{
		struct sip_call **sl = ht_slot(sf, c->key);

		c->hnext = *sl;
		*sl = c;
	}
	calls_total++;
	events_emit(EV_CALL_START, sf->af.tag, EV_U64("call", c->id),
		    EV_TEXT("call_id", c->cid, c->cid_len),
		    EV_STR("caller", inside_caller ? "inside" : "outside"));
	return c;
}

static void call_publish(struct sip_flow *sf, const struct sip_call *c)
{
	struct alg_flow *af = &sf->af;
	struct bpfalg_call v = { 0 };

	if (!af->svc->call_put)
		return;
	memcpy(v.call_id, c->cid,
	       c->cid_len < sizeof(v.call_id) ? c->cid_len : sizeof(v.call_id));
	memcpy(v.inside, af->inside, 16);
	v.family = af->family == AF_INET ? BPFALG_AF_INET : BPFALG_AF_INET6;
	v.state = c->state;
	v.n_media = (uint8_t)c->n_media;
	v.inside_is_caller = c->inside_is_caller;
	v.id = c->id;
	v.created_ns = c->created_ns;
	v.updated_ns = c->updated_ns;
	for (unsigned int i = 0; i < c->n_media; i++) {
		const struct sip_media *m = &c->m[i];
		struct bpfalg_call_media *o = &v.m[i];

		memcpy(o->peer, m->peer, 16);
		o->inside_port = m->in_rtp;
		o->public_port = m->pub_rtp;
		o->peer_port = m->peer_rtp;
		o->inside_rtcp = m->mux ? 0 : m->in_rtcp;
		o->public_rtcp = m->mux ? 0 : m->pub_rtcp;
		o->peer_rtcp = m->mux ? 0 : m->peer_rtcp;
		o->type = m->type;
		o->flags =
			(uint8_t)((m->bound ? BPFALG_CM_BOUND : 0) |
				  (m->mux ? BPFALG_CM_MUX : 0) |
				  (m->hold ? BPFALG_CM_HOLD : 0) |
				  (m->ice ? BPFALG_CM_ICE : 0) |
				  (m->bind_failed ? BPFALG_CM_BIND_FAILED : 0));
	}
	af->svc->call_put(af->svc_ctx, af, c->key, &v);
}

static void media_unbind(struct sip_flow *sf, struct sip_media *m)
{
	struct alg_flow *af = &sf->af;

	if (m->bound) {
		af->svc->release(af->svc_ctx, af, BPFALG_IPPROTO_UDP,
				 m->pub_rtp);
		if (m->rtcp_bound)
			af->svc->release(af->svc_ctx, af, BPFALG_IPPROTO_UDP,
					 m->pub_rtcp);
	}
	m->bound = false;
	m->rtcp_bound = false;
	m->bind_failed = false;
}

static void media_free(struct sip_flow *sf, struct sip_media *m)
{
	media_unbind(sf, m);
	port_mark(m->pub_rtp, false);
	port_mark(m->pub_rtcp, false);
	m->pub_rtp = m->pub_rtcp = 0;
}

static void call_end(struct sip_flow *sf, unsigned int idx, const char *why)
{
	struct sip_call *c = sf->calls[idx];
	struct alg_flow *af = &sf->af;

	for (unsigned int i = 0; i < c->n_media; i++)
		media_free(sf, &c->m[i]);
	if (af->svc->call_del)
		af->svc->call_del(af->svc_ctx, af, c->key);
	pr_info("[%s] call %u ended (%s), media released\n", af->tag, c->id,
		why);
	events_emit(EV_CALL_END, af->tag, EV_U64("call", c->id),
		    EV_TEXT("call_id", c->cid, c->cid_len),
		    EV_STR("reason", why));
	{
		struct sip_call **pp = ht_slot(sf, c->key);

		while (*pp && *pp != c)
			pp = &(*pp)->hnext;
		if (*pp)
			*pp = c->hnext;
	}
	sf->calls[idx] = sf->calls[--sf->n_calls];
	sf->calls[idx]->idx = idx;
	calls_total--;
	free(c);
}

/*
 * Both ends of a stream are known: bind RTP (and RTCP) between the inside
 * port, the public port announced, and exactly the address and port the
 * peer's SDP named.
 */
static void media_bind(struct sip_flow *sf, struct sip_call *c,
		       struct sip_media *m)
{
	struct alg_flow *af = &sf->af;
	struct alg_expect x = { .family = af->family,
				.proto = BPFALG_IPPROTO_UDP };
	const char *why = NULL;
	uint16_t got;

	/* a hold does not stop it: a=sendonly still sends (music on hold),
	 * and a 0.0.0.0 hold leaves the peer's end as it was
	 */
	if (m->bound || !m->in_rtp || !m->peer_rtp || !m->pub_rtp ||
	    m->peer_family != af->family)
		return;
	/* an inside port below --min-data-port is a service, not media (an
	 * SDP naming port 22 must not open it to the peer)
	 */
	if (m->in_rtp < af->lim->min_data_port ||
	    (!m->mux && m->in_rtcp && m->in_rtcp < af->lim->min_data_port)) {
		why = "media port below the minimum";
		goto fail;
	}
	memcpy(x.remote, m->peer, 16);
	memcpy(x.inside, af->inside, 16);
	x.remote_port = m->peer_rtp;
	x.inside_port = m->in_rtp;
	x.public_port = m->pub_rtp;
	if (af->svc->bind(af->svc_ctx, af, &x, &got, &why))
		goto fail;
	if (!m->mux && m->in_rtcp && m->peer_rtcp && m->pub_rtcp) {
		x.remote_port = m->peer_rtcp;
		x.inside_port = m->in_rtcp;
		x.public_port = m->pub_rtcp;
		if (af->svc->bind(af->svc_ctx, af, &x, &got, &why)) {
			af->svc->release(af->svc_ctx, af, BPFALG_IPPROTO_UDP,
					 m->pub_rtp);
			goto fail;
		}
		m->rtcp_bound = true;
	}
	m->bound = true;
	m->bind_failed = false;
	af->cnt[BPFALG_AS_PH_OPENED]++;
	return;
fail:
	m->bind_failed = true;
	af->cnt[BPFALG_AS_REFUSED]++;
	pr_warn("[%s] call %u: media binding public port %u failed: %s "
		"(expect one-way or no audio)\n",
		af->tag, c->id, m->pub_rtp, why ? why : "?");
	events_emit(EV_PH_REFUSED, af->tag, EV_U64("call", c->id),
		    EV_U64("public_port", m->pub_rtp),
		    EV_STR("reason", why ? why : "?"));
}

/* ---------------------------------------------------------- the SDP */

static bool addr_is(int family, const uint8_t *a, int fam2, const uint8_t *b)
{
	return family == fam2 && !memcmp(a, b, alen(family));
}

/* Is stream @i of the SDP at hand on hold (see sip_media.hold)? */
static bool sdp_holds(unsigned int i, const struct sdp_conn *cn)
{
	enum sdp_dir d = sdp_media_dir(&sdp, i);

	return (cn && cn->hold) || d == SDP_DIR_SENDONLY ||
	       d == SDP_DIR_RECVONLY || d == SDP_DIR_INACTIVE;
}

/*
 * The inside UA's SDP: record its media, give each stream public ports,
 * and add the edits (addresses to public, ports to the public ones).
 * @c may be NULL (observe mode, or no call could be tracked): the edits
 * then reuse the inside ports.
 */
static void sdp_outbound(struct sip_flow *sf, struct sip_call *c,
			 const uint8_t *buf)
{
	struct alg_flow *af = &sf->af;
	size_t n = sdp_find(&sdp, SIP_W_SDP, af->family, af->inside, refs,
			    sizeof(refs) / sizeof(refs[0]));

	for (size_t i = 0; i < n && i < sizeof(refs) / sizeof(refs[0]); i++)
		sip_edits_ref(&ed, &refs[i], af->family, af->public_addr, 0);
	for (unsigned int i = 0; i < sdp.n_media; i++) {
		const struct sdp_media *sm = &sdp.media[i];
		const struct sdp_conn *cn = sdp_media_conn(&sdp, i);
		struct sip_media tmp = { 0 }, *m = &tmp;
		uint16_t rtcp;

		if (!sm->port || !cn)
			continue; /* disabled */
		if (!addr_is(cn->a.family, cn->a.addr, af->family, af->inside) &&
		    !(cn->hold && c && i < c->n_media &&
		      c->m[i].in_rtp == sm->port))
			continue; /* names another host (a hold keeps ours) */
		rtcp = sm->has_rtcp ? sm->rtcp_port : (uint16_t)(sm->port + 1);
		if (c && i < BPFALG_CALL_MEDIA) {
			m = &c->m[i];
			if (i >= c->n_media)
				c->n_media = i + 1;
			if (m->in_rtp != sm->port ||
			    (!sm->rtcp_mux && m->in_rtcp != rtcp)) {
				/* new or moved: new public ports */
				media_free(sf, m);
				m->in_rtp = sm->port;
				m->in_rtcp = sm->rtcp_mux ? 0 : rtcp;
			}
			m->type = sm->type;
			m->mux = sm->rtcp_mux;
			m->hold = sdp_holds(i, cn);
			m->ice = m->ice || sm->n_candidates;
			if (!m->pub_rtp) {
				m->pub_rtp = media_alloc(sm->port, m->mux);
				m->pub_rtcp =
					m->mux || !m->pub_rtp ?
						0 :
						(uint16_t)(m->pub_rtp + 1);
				port_mark(m->pub_rtp, true);
				port_mark(m->pub_rtcp, true);
			}
		} else {
			m->pub_rtp = sm->port;
			m->pub_rtcp = rtcp;
		}
		if (!m->pub_rtp)
			continue; /* no port left: announce it unchanged */
		if (m->pub_rtp != sm->port)
			sip_edits_port(&ed, sm->port_s, m->pub_rtp,
				       sdp_media_label(sm->type));
		if (sm->has_rtcp && m->pub_rtcp && m->pub_rtcp != sm->rtcp_port)
			sip_edits_port(&ed, sm->rtcp_port_s, m->pub_rtcp,
				       "a=rtcp");
	}
}

/* The peer's SDP: where its media comes from and goes to. */
static void sdp_inbound(struct sip_flow *sf, struct sip_call *c)
{
	for (unsigned int i = 0; i < sdp.n_media && i < BPFALG_CALL_MEDIA;
	     i++) {
		const struct sdp_media *sm = &sdp.media[i];
		const struct sdp_conn *cn = sdp_media_conn(&sdp, i);
		struct sip_media *m = &c->m[i];
		uint16_t rtcp;
		bool moved;

		if (i >= c->n_media)
			c->n_media = i + 1;
		if (!cn || !cn->a.family) {
			continue; /* an FQDN: nothing to bind to */
		}
		m->ice = m->ice || sm->n_candidates;
		m->hold = sdp_holds(i, cn);
		if (cn->hold)
			continue; /* on hold: the bindings stay as they are */
		rtcp = sm->has_rtcp ? sm->rtcp_port : (uint16_t)(sm->port + 1);
		moved = m->peer_rtp != sm->port ||
			!addr_is(m->peer_family, m->peer, cn->a.family,
				 cn->a.addr) ||
			(!sm->rtcp_mux && m->peer_rtcp != rtcp);
		if (moved) {
			media_unbind(sf, m);
			m->peer_family = cn->a.family;
			memset(m->peer, 0, sizeof(m->peer));
			memcpy(m->peer, cn->a.addr, alen(cn->a.family));
			m->peer_rtp = sm->port;
			m->peer_rtcp = sm->rtcp_mux ? 0 : rtcp;
		}
		if (!sm->port)
			media_free(sf, m); /* the peer rejected the stream */
	}
}

/* ---------------------------------------------------------- headers */

static bool port_matches(const struct sip_ref *r, uint16_t want)
{
	return r->port == want || (!r->port && want == 5060);
}

/* Inside UA -> outside: its address and port become the public ones. */
static void headers_outbound(struct sip_flow *sf, const uint8_t *buf)
{
	struct alg_flow *af = &sf->af;
	unsigned int mask = SIP_W_CONTACT | SIP_W_FROM | SIP_W_TO |
			    SIP_W_ROUTE | SIP_W_RECORD_ROUTE;
	size_t n;

	if (msg.request)
		mask |= SIP_W_VIA_TOP | SIP_W_RURI;
	n = sip_find(buf, &msg, mask, af->family, af->inside, 0, refs,
		     sizeof(refs) / sizeof(refs[0]));
	for (size_t i = 0; i < n && i < sizeof(refs) / sizeof(refs[0]); i++) {
		const struct sip_ref *r = &refs[i];
		bool mine = port_matches(r, af->inside_port);
		uint16_t p =
			mine && r->port_slot &&
					(r->port || af->public_port != 5060) ?
				af->public_port :
				0;

		sip_edits_ref(&ed, r, af->family, af->public_addr, p);
	}
}

/* Outside -> inside UA: the public address and port back to its own. */
static void headers_inbound(struct sip_flow *sf, const uint8_t *buf)
{
	struct alg_flow *af = &sf->af;
	unsigned int mask = SIP_W_CONTACT | SIP_W_TO | SIP_W_FROM;
	size_t n;

	mask |= msg.request ? SIP_W_RURI : SIP_W_VIA_TOP;
	n = sip_find(buf, &msg, mask, af->family, af->public_addr, 0, refs,
		     sizeof(refs) / sizeof(refs[0]));
	for (size_t i = 0; i < n && i < sizeof(refs) / sizeof(refs[0]); i++) {
		const struct sip_ref *r = &refs[i];

		if (!port_matches(r, af->public_port))
			continue; /* another binding of the public address */
		sip_edits_ref(&ed, r, af->family, af->inside,
			      r->port || af->inside_port != 5060 ?
				      af->inside_port :
				      0);
	}
}

/* ------------------------------------------------------------ policy */

/*
 * "403 Forbidden" for the request in @buf, built from its own Via, From,
 * To (a tag added when it has none), Call-ID and CSeq fields (RFC 3261
 * 8.2.6), NUL-terminated in @out.  false when it does not fit.
 */
static bool forbidden(const uint8_t *buf, uint8_t *out, size_t cap)
{
	static const uint8_t ids[] = { SIP_H_VIA, SIP_H_FROM, SIP_H_TO,
				       SIP_H_CALL_ID, SIP_H_CSEQ };
	size_t off;
	int n = snprintf((char *)out, cap, "SIP/2.0 403 Forbidden\r\n");

	if (n < 0 || (size_t)n >= cap)
		return false;
	off = (size_t)n;
	for (size_t k = 0; k < sizeof(ids); k++)
		for (unsigned int i = 0; i < msg.n_hdrs; i++) {
			const struct sip_header *h = &msg.hdrs[i];
			bool tag = h->id == SIP_H_TO &&
				   !memmem(buf + h->value.off, h->value.len,
					   ";tag=", 5);

			if (h->id != ids[k])
				continue;
			n = snprintf((char *)out + off, cap - off, "%.*s%s\r\n",
				     (int)h->field.len,
				     (const char *)buf + h->field.off,
				     tag ? ";tag=bpfalg-policy" : "");
			if (n < 0 || (size_t)n >= cap - off)
				return false;
			off += (size_t)n;
		}
	n = snprintf((char *)out + off, cap - off,
		     "Server: bpfalg\r\nContent-Length: 0\r\n\r\n");
	return n >= 0 && (size_t)n < cap - off;
}

/* ALG_LINE_REFUSE with the 403 in @out, or ALG_LINE_UNCHANGED. */
static int policy(struct sip_flow *sf, int dir, const uint8_t *buf,
		  uint8_t *out, size_t cap)
{
	struct alg_flow *af = &sf->af;
	const char *why = NULL;

	if (!msg.request)
		return ALG_LINE_UNCHANGED;
	if (msg.method == SIP_M_ACK) {
		/* the ACK of a 403 the gateway sent belongs to the gateway
		 * (RFC 3261 17.2.1): the UA never saw that INVITE
		 */
		if (sf->refused_cseq && msg.cseq == sf->refused_cseq &&
		    call_key(sf, buf + msg.call_id.off, msg.call_id.len) ==
			    sf->refused_key) {
			out[0] = '\0';
			return ALG_LINE_REFUSE;
		}
		return ALG_LINE_UNCHANGED;
	}
	if (af->pol &&
	    alg_policy_denies(af->pol, (const char *)buf + msg.method_s.off,
			      msg.method_s.len))
		why = "method denied by policy";
	else if (msg.method == SIP_M_INVITE && from_outside(af, dir) &&
		 !alg_policy_from_ok(af->pol, af->family, af->peer))
		why = "INVITE from outside, sender not on the invite-from list";
	if (!why)
		return ALG_LINE_UNCHANGED;
	if (af->mode != BPFALG_MODE_ON) {
		af->cnt[BPFALG_AS_OBSERVED]++;
		show(af, "observe: would refuse", buf + msg.start.off,
		     msg.start.len, why);
		return ALG_LINE_UNCHANGED;
	}
	af->cnt[BPFALG_AS_POLICY_DENIED]++;
	show(af, "refused with 403", buf + msg.start.off, msg.start.len, why);
	events_emit(EV_POLICY, af->tag,
		    EV_TEXT("line", buf + msg.start.off, msg.start.len),
		    EV_STR("reason", why), EV_STR("answer", "403"));
	if (msg.method == SIP_M_INVITE) {
		sf->refused_key =
			call_key(sf, buf + msg.call_id.off, msg.call_id.len);
		sf->refused_cseq = msg.cseq;
	}
	if (!forbidden(buf, out, cap))
		out[0] = '\0';
	return ALG_LINE_REFUSE;
}

/* ------------------------------------------------------ the message */

/* Registration bookkeeping: a 2xx to REGISTER keeps the flow open. */
static void registration(struct sip_flow *sf, int dir, const uint8_t *buf)
{
	struct alg_flow *af = &sf->af;
	uint32_t exp;

	if (msg.request && msg.method == SIP_M_REGISTER &&
	    !from_outside(af, dir)) {
		const struct sip_value *ct =
			sip_value_find(&msg, SIP_H_CONTACT, 0);

		sf->reg_cseq = msg.cseq;
		sf->reg_expires = ct && (ct->flags & SIP_V_EXPIRES) ?
					  ct->expires :
				  msg.has_expires ? msg.expires :
						    3600;
		return;
	}
	if (msg.request || msg.cseq_method != SIP_M_REGISTER ||
	    !from_outside(af, dir) || msg.cseq != sf->reg_cseq ||
	    msg.status < 200 || msg.status >= 300)
		return;
	exp = sf->reg_expires;
	for (unsigned int i = 0;; i++) {
		const struct sip_value *ct =
			sip_value_find(&msg, SIP_H_CONTACT, i);

		if (!ct)
			break;
		if (ct->family == af->family &&
		    !memcmp(ct->addr, af->public_addr, alen(af->family)) &&
		    (ct->flags & SIP_V_EXPIRES)) {
			exp = ct->expires;
			break;
		}
	}
	if (!sip_value_find(&msg, SIP_H_CONTACT, 0) && msg.has_expires)
		exp = msg.expires;
	if (exp > 7 * 24 * 3600)
		exp = 7 * 24 * 3600;
	sf->reg_cseq = 0;
	af->keep_until_ns = exp ? now_ns() + ((uint64_t)exp + 10) * NSEC : 0;
	pr_info("[%s] registration %s (%us): the flow to the registrar %s\n",
		af->tag, exp ? "accepted" : "removed", exp,
		exp ? "stays open for inbound calls" : "may expire");
}

/* Call state from this message; the call it belongs to, or NULL. */
static struct sip_call *call_state(struct sip_flow *sf, int dir,
				   const uint8_t *buf, bool has_sdp,
				   bool *created)
{
	const uint8_t *cid = buf + msg.call_id.off;
	size_t cl = msg.call_id.len;
	unsigned int idx;
	struct sip_call *c = call_find(sf, cid, cl, &idx);
	uint8_t meth = msg.request ? msg.method : msg.cseq_method;

	*created = false;
	if (!c && msg.request && msg.method == SIP_M_INVITE) {
		c = call_new(sf, cid, cl, !from_outside(&sf->af, dir));
		*created = c != NULL;
	}
	if (!c)
		return NULL;
	c->updated_ns = now_ns();
	if (msg.request && msg.method == SIP_M_INVITE &&
	    c->state != BPFALG_CALL_CONFIRMED)
		c->invite_cseq = msg.cseq;
	if (!msg.request && meth == SIP_M_INVITE) {
		if (msg.status >= 200 && msg.status < 300)
			c->state = BPFALG_CALL_CONFIRMED;
		else if (msg.status > 100 && msg.status < 200 && has_sdp &&
			 c->state == BPFALG_CALL_OFFERED)
			c->state = BPFALG_CALL_EARLY;
	}
	return c;
}

/* After the edits: BYE, CANCEL, a final error to the initial INVITE. */
static void call_after(struct sip_flow *sf, struct sip_call *c)
{
	unsigned int idx;

	if (!c || !call_find(sf, (const uint8_t *)c->cid, c->cid_len, &idx))
		return;
	if (msg.request &&
	    (msg.method == SIP_M_BYE || msg.method == SIP_M_CANCEL)) {
		call_end(sf, idx, msg.method == SIP_M_BYE ? "BYE" : "CANCEL");
		return;
	}
	if (!msg.request && msg.cseq_method == SIP_M_INVITE &&
	    msg.status >= 300 && c->state != BPFALG_CALL_CONFIRMED &&
	    msg.cseq == c->invite_cseq) {
		char why[32];

		snprintf(why, sizeof(why), "final answer %u", msg.status);
		call_end(sf, idx, why);
		return;
	}
	for (unsigned int i = 0; i < c->n_media; i++)
		media_bind(sf, c, &c->m[i]);
	call_publish(sf, c);
}

/* One message: a datagram (@flags 0) or a TCP frame (SIP_PARSE_STREAM). */
static int sip_process(struct alg_flow *af, int dir, const uint8_t *buf,
		       size_t len, unsigned int flags, uint8_t *out, size_t cap)
{
	struct sip_flow *sf = (struct sip_flow *)af;
	bool outbound = !from_outside(af, dir), has_sdp = false;
	bool created = false;
	struct sip_call *c = NULL;
	const char *why = NULL;
	int n, rc;

	if (af->mode == BPFALG_MODE_OFF)
		return ALG_LINE_UNCHANGED;
	if (sip_parse(buf, len, flags, &msg)) {
		/* a keep-alive (CRLF, or one byte) is no SIP message */
		if (len <= 4)
			return ALG_LINE_UNCHANGED;
		af->cnt[BPFALG_AS_BAD_INPUT]++;
		show(af, "not SIP, sent unchanged", buf, len < 80 ? len : 80,
		     msg.why);
		return ALG_LINE_UNCHANGED;
	}
	af->cnt[BPFALG_AS_PARSED]++;
	rc = policy(sf, dir, buf, out, cap);
	if (rc == ALG_LINE_REFUSE)
		return rc;
	if (msg.body_len && sip_body_is_sdp(buf, &msg)) {
		if (sdp_parse(buf, msg.body_off, msg.body_len, &sdp)) {
			af->cnt[BPFALG_AS_BAD_INPUT]++;
			show(af, "SDP does not parse, sent unchanged",
			     buf + msg.start.off, msg.start.len, sdp.why);
			return ALG_LINE_UNCHANGED;
		}
		has_sdp = true;
		if (sdp.ice && outbound)
			pr_info("[%s] SDP carries ICE candidates: left as "
				"they are\n",
				af->tag);
	}
	if (outbound &&
	    sip_already_public(buf, &msg, has_sdp ? &sdp : NULL, af->family,
			       af->inside, af->public_addr, NULL, NULL)) {
		af->cnt[BPFALG_AS_ALREADY_PUBLIC]++;
		show(af,
		     "already carries the public address (NAT-aware "
		     "endpoint or a second NAT): not rewritten",
		     buf + msg.start.off, msg.start.len, NULL);
		return ALG_LINE_UNCHANGED;
	}
	sip_edits_init(&ed);
	if (af->mode == BPFALG_MODE_ON) {
		registration(sf, dir, buf);
		c = call_state(sf, dir, buf, has_sdp, &created);
	}
	if (outbound) {
		headers_outbound(sf, buf);
		if (has_sdp)
			sdp_outbound(sf, c, buf);
	} else {
		headers_inbound(sf, buf);
		if (has_sdp && c)
			sdp_inbound(sf, c);
	}
	if (af->mode != BPFALG_MODE_ON) {
		if (ed.n) {
			af->cnt[BPFALG_AS_OBSERVED]++;
			show(af, "observe: would rewrite", buf + msg.start.off,
			     msg.start.len, NULL);
			events_emit(EV_OBSERVE, af->tag,
				    EV_STR("would", "rewrite"),
				    EV_TEXT("line", buf + msg.start.off,
					    msg.start.len));
		}
		return ALG_LINE_UNCHANGED;
	}
	n = -1;
	if (ed.n) {
		/* an edit that did not fit would leave the inside address in
		 * the message: all of them or none
		 */
		if (ed.why)
			why = ed.why;
		else
			n = sip_rewrite(buf, len, &msg, &ed, out, cap, &msg2,
					&why);
		if (n < 0) {
			unsigned int idx;

			af->cnt[BPFALG_AS_BAD_INPUT]++;
			show(af, "rewrite refused, sent unchanged",
			     buf + msg.start.off, msg.start.len, why);
			/* the INVITE went out as it was: the call it made and
			 * the public media ports reserved for it mean nothing
			 */
			if (created && call_find(sf, (const uint8_t *)c->cid,
						 c->cid_len, &idx)) {
				call_end(sf, idx,
					 "its INVITE went out "
					 "unrewritten");
				c = NULL;
			}
		} else {
			char line[200];

			af->cnt[BPFALG_AS_REWRITTEN]++;
			for (unsigned int i = 0;
			     i < ed.n && log_enabled(LOG_INFO); i++)
				if (sip_edit_describe(&ed, i, buf, out, line,
						      sizeof(line)) > 0)
					pr_info("[%s] rewrote %s\n", af->tag,
						line);
			/* per edit: which field, its text before and after */
			for (unsigned int i = 0; i < ed.n; i++)
				events_emit(EV_REWRITE, af->tag,
					    EV_STR("field", ed.e[i].what),
					    EV_TEXT("before", buf + ed.e[i].off,
						    ed.e[i].len),
					    EV_TEXT("after",
						    out + ed.e[i].out_off,
						    ed.e[i].text_len));
		}
	}
	call_after(sf, c);
	return n < 0 ? ALG_LINE_UNCHANGED : n;
}

static void sip_tick(struct alg_flow *af, uint64_t now)
{
	struct sip_flow *sf = (struct sip_flow *)af;
	unsigned int i = 0;

	/* @now is the engine's CLOCK_MONOTONIC, the clock of updated_ns */
	while (i < sf->n_calls) {
		struct sip_call *c = sf->calls[i];
		uint64_t idle = now - c->updated_ns;

		if (c->state != BPFALG_CALL_CONFIRMED &&
		    idle > SIP_CALL_SETUP_S * NSEC)
			call_end(sf, i, "no final answer");
		else if (idle > SIP_CALL_IDLE_S * NSEC)
			call_end(sf, i, "no signalling for two hours");
		else
			i++;
	}
	/* A call lives as long as its dialog (SIP_CALL_IDLE_S without
	 * signalling), not as long as the signalling flow's idle timeout:
	 * keep the flow open while it carries calls, or its end would take
	 * the calls' media bindings with it (the kernel's SIP helper gives
	 * the signalling entry an hour for the same reason).
	 */
	if (sf->n_calls && af->keep_until_ns < now + SIP_KEEP_CALLS_NS)
		af->keep_until_ns = now + SIP_KEEP_CALLS_NS;
}

static void sip_fini(struct alg_flow *af)
{
	struct sip_flow *sf = (struct sip_flow *)af;

	while (sf->n_calls)
		call_end(sf, sf->n_calls - 1, "control flow ended");
	free(sf->calls);
	free(sf->ht);
	sf->calls = sf->ht = NULL;
	sf->cap_calls = sf->ht_size = 0;
}

static int sip_dgram(struct alg_flow *af, int dir, const uint8_t *buf,
		     size_t len, uint8_t *out, size_t cap)
{
	return sip_process(af, dir, buf, len, 0, out, cap);
}

/* SIP over TCP: the stream engine hands over whole messages (sip_frame),
 * CRLF keep-alives included, which are passed as they are.
 */
static int sip_line(struct alg_flow *af, int dir, const uint8_t *m, size_t len,
		    uint8_t *out, size_t cap)
{
	size_t i = 0;

	while (i < len && (m[i] == '\r' || m[i] == '\n'))
		i++;
	if (i == len)
		return ALG_LINE_UNCHANGED;
	return sip_process(af, dir, m, len, SIP_PARSE_STREAM, out, cap);
}

static long sip_frame_cb(struct alg_flow *af, int dir, const uint8_t *buf,
			 size_t len)
{
	const char *why = NULL;
	size_t n = 0;

	switch (sip_frame(buf, len, &n, &why)) {
	case SIP_FRAME_MORE:
		return n ? ALG_FRAME_NEED(n) : 0;
	case SIP_FRAME_MSG:
	case SIP_FRAME_KEEPALIVE:
		return (long)n;
	case SIP_FRAME_BAD:
	default:
		af->cnt[BPFALG_AS_BAD_INPUT]++;
		show(af,
		     "SIP over TCP cannot be framed, passed through from here "
		     "on",
		     buf, len < 60 ? len : 60, why);
		return -1;
	}
}

/* Only framed messages are held (stream.c holds an incomplete frame). */
static bool sip_hold(struct alg_flow *af, int dir, const uint8_t *buf,
		     size_t len)
{
	return true;
}

const struct alg_module sip_module = {
	.name = "sip",
	.flow_size = sizeof(struct sip_flow),
	.line = sip_line,
	.hold = sip_hold,
	.frame = sip_frame_cb,
	.dgram = sip_dgram,
	.tick = sip_tick,
	.fini = sip_fini,
};
