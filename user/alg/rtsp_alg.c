// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* rtsp_alg.c - see rtsp_alg.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/rtsp_alg.h"
#include "engine/events.h"
#include "util/log.h"

#define NSEC 1000000000ULL

/* What a piece of a line becomes (else: its new length, >= 0). */
#define P_FORWARD (-1)
#define P_DROP (-2)

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool is_addr(const struct alg_flow *af, const struct rtsp_host *h,
		    const uint8_t *want)
{
	return h->family == af->family &&
	       !memcmp(h->addr, want, addr_len(af->family));
}

static bool nat(const struct alg_flow *af)
{
	return memcmp(af->inside, af->public_addr, addr_len(af->family)) != 0;
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void show(const struct alg_flow *af, const char *what, const char *line,
		 size_t len, const char *why)
{
	char clean[160];

	log_sanitize(line, len, clean, sizeof(clean));
	pr_info("[%s] %s: \"%s\"%s%s\n", af->tag, what, clean, why ? ": " : "",
		why ? why : "");
}

/*
 * A Transport alternative that gets no pinholes: counted, logged with
 * @why, reported to `algctl events` with @ev_why.
 */
static void refuse_transport(struct alg_flow *af, const char *line,
			     size_t len, const char *why, const char *ev_why)
{
	af->cnt[BPFALG_AS_REFUSED]++;
	show(af, "refused", line, len, why);
	events_emit(EV_PH_REFUSED, af->tag, EV_TEXT("line", line, len),
		    EV_STR("reason", ev_why));
}

static void stop_flow(struct rtsp_flow *rf, const char *why)
{
	struct alg_flow *af = &rf->af;

	rf->stopped = true;
	pr_info("[%s] %s: stepping aside\n", af->tag, why);
	if (af->mode == BPFALG_MODE_ON && af->svc && af->svc->step_aside)
		af->svc->step_aside(af->svc_ctx, af);
}

/* ------------------------------------------------ pinholes, bindings */

static void release_port(struct rtsp_flow *rf, uint16_t port)
{
	struct alg_flow *af = &rf->af;

	if (port && af->svc->release)
		af->svc->release(af->svc_ctx, af, BPFALG_IPPROTO_UDP, port);
}

/*
 * One pinhole (bind false: from @remote, any source port) or binding
 * (with @remote:@rport) to inside:@inside_port through public port @want
 * (0: the engine picks).
 */
static int open_one(struct rtsp_flow *rf, bool bind, const uint8_t *remote,
		    uint16_t rport, uint16_t inside_port, uint16_t want,
		    uint16_t *pub, const char **why)
{
	struct alg_flow *af = &rf->af;
	struct alg_expect x = {
		.family = af->family,
		.proto = BPFALG_IPPROTO_UDP,
		.remote_port = bind ? rport : 0,
		.inside_port = inside_port,
		.public_port = want,
	};
	int (*fn)(void *, struct alg_flow *, const struct alg_expect *,
		  uint16_t *, const char **) =
		bind ? af->svc->bind : af->svc->expect;

	if (!fn) {
		*why = "the engine offers no UDP binding";
		return -1;
	}
	memcpy(x.remote, remote, 16);
	memcpy(x.inside, af->inside, 16);
	*pub = 0;
	if (fn(af->svc_ctx, af, &x, pub, why))
		return -1;
	if (!*pub || (want && *pub != want)) {
		/* not what was asked: never advertise it */
		release_port(rf, *pub);
		*why = "the engine returned another public port";
		return -1;
	}
	af->cnt[BPFALG_AS_PH_OPENED]++;
	return 0;
}

/*
 * RTP (and RTCP on the next port) for inside ports lo (lo + 1): the inside
 * ports themselves when both are free, else an engine-picked pair, kept
 * only if consecutive with the RTP port even (RFC 3550).
 */
static int open_pair(struct rtsp_flow *rf, bool bind, const uint8_t *remote,
		     uint16_t rport, uint16_t lo, unsigned int n,
		     uint16_t pub[2], const char **why)
{
	const char *w = NULL;
	uint16_t p, blocker = 0;

	pub[0] = pub[1] = 0;
	if (n == 2 && bind && rport == 65535) {
		*why = "no RTCP port above the other end's 65535";
		return -1;
	}
	if (!open_one(rf, bind, remote, rport, lo, lo, &pub[0], &w)) {
		if (n == 1 || !open_one(rf, bind, remote, rport + 1, lo + 1,
					lo + 1, &pub[1], &w))
			return 0;
		release_port(rf, pub[0]);
		pub[0] = 0;
	}
	/* The engine offers the inside port first: when that one is free
	 * but the next is not, keep it held while asking again, so that the
	 * next answer is another port (at most one such blocker).
	 */
	for (int t = 0; t < RTSP_PAIR_TRIES; t++) {
		if (open_one(rf, bind, remote, rport, lo, 0, &p, &w))
			break;
		if (n == 1) {
			pub[0] = p;
			break;
		}
		if (!(p & 1) && p != 65535 &&
		    !open_one(rf, bind, remote, rport + 1, lo + 1, p + 1,
			      &pub[1], &w)) {
			pub[0] = p;
			break;
		}
		if (p == lo && !blocker)
			blocker = p;
		else
			release_port(rf, p);
		w = "no consecutive public port pair for RTP/RTCP";
	}
	release_port(rf, blocker);
	if (pub[0])
		return 0;
	*why = w ? w : "no public port";
	return -1;
}

static void stream_release(struct rtsp_flow *rf, int i, const char *why)
{
	struct rtsp_stream *s = &rf->st[i];

	for (unsigned int k = 0; k < s->n; k++)
		release_port(rf, s->public_port[k]);
	if (s->n == 2)
		pr_info("[%s] released public ports %u/%u (inside %u/%u): %s\n",
			rf->af.tag, s->public_port[0], s->public_port[1],
			s->inside_port[0], s->inside_port[1], why);
	else
		pr_info("[%s] released public port %u (inside %u): %s\n",
			rf->af.tag, s->public_port[0], s->inside_port[0], why);
	memset(s, 0, sizeof(*s));
}

static int stream_alloc(struct rtsp_flow *rf)
{
	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		if (rf->st[i].state == RTSP_ST_FREE)
			return i;
	return -1;
}

static int find_inside(struct rtsp_flow *rf, uint16_t lo, unsigned int n)
{
	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		if (rf->st[i].state && rf->st[i].inside_port[0] == lo &&
		    rf->st[i].n == n)
			return i;
	return -1;
}

static int find_public(struct rtsp_flow *rf, uint16_t lo)
{
	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		if (rf->st[i].state && rf->st[i].public_port[0] == lo)
			return i;
	return -1;
}

/* A new stream in @state holding @pub for inside ports lo (lo + 1). */
static struct rtsp_stream *stream_new(struct rtsp_flow *rf, int i,
				      uint8_t state, uint16_t lo,
				      unsigned int n, const uint16_t pub[2])
{
	struct rtsp_stream *s = &rf->st[i];

	memset(s, 0, sizeof(*s));
	s->state = state;
	s->n = (uint8_t)n;
	s->inside_port[0] = lo;
	s->inside_port[1] = n == 2 ? lo + 1 : 0;
	s->public_port[0] = pub[0];
	s->public_port[1] = n == 2 ? pub[1] : 0;
	s->timeout_s = RTSP_DEFAULT_TIMEOUT_S;
	return s;
}

static const char *below_min(const struct alg_flow *af, uint16_t port)
{
	return af->lim && port < af->lim->min_data_port ?
		       "media port below the minimum" :
		       NULL;
}

/* --------------------------------------------------- client inside */

/* An address a NAT-aware peer (STUN, a second NAT) already made public. */
static const char already_public[] = "the address is public already";

/* destination= / dest_addr hosts of a SETUP: none, or the client's own. */
static const char *client_hosts(const struct alg_flow *af,
				const struct rtsp_spec *s)
{
	const struct rtsp_host *h[1 + RTSP_MAX_ADDRS];
	unsigned int n = 0;

	h[n++] = &s->destination;
	for (unsigned int k = 0; k < s->n_dest; k++)
		h[n++] = &s->dest_addr[k].host;
	for (unsigned int k = 0; k < n; k++) {
		if (!h[k]->set || !h[k]->len || is_addr(af, h[k], af->inside))
			continue;
		if (!h[k]->family)
			return "destination is a host name";
		if (is_addr(af, h[k], af->public_addr))
			return already_public;
		return "destination is not the client's address";
	}
	return NULL;
}

/* Rewrite hosts equal to @from into @to (a NAT changes them). */
static void edit_hosts(const struct alg_flow *af, struct rtsp_edits *ed,
		       const struct rtsp_host *one,
		       const struct rtsp_hostport *list, unsigned int n,
		       const uint8_t *from, const uint8_t *to)
{
	if (!nat(af))
		return;
	if (one->set && one->len && is_addr(af, one, from))
		rtsp_edit_host(ed, one, to);
	for (unsigned int k = 0; k < n; k++)
		if (list[k].host.len && is_addr(af, &list[k].host, from))
			rtsp_edit_host(ed, &list[k].host, to);
}

/* The ports of one side (x_port and x_addr list) set to lo (lo + 1). */
static void edit_side(struct rtsp_edits *ed, const struct rtsp_ports *r,
		      const struct rtsp_hostport *list, unsigned int n,
		      uint16_t lo)
{
	if (r->set)
		rtsp_edit_ports(ed, r, lo);
	for (unsigned int k = 0; k < n; k++)
		if (list[k].has_port)
			rtsp_edit_hostport(ed, &list[k], lo + k);
}

static bool udp_unicast(const struct rtsp_spec *s)
{
	return s->lower == RTSP_LOWER_UDP && !s->multicast && !s->interleaved;
}

static int finish_rewrite(struct rtsp_flow *rf, const struct rtsp_edits *ed,
			  const char *p, size_t len, uint8_t *o, size_t ocap)
{
	struct alg_flow *af = &rf->af;
	char a[160], b[160];
	int n = rtsp_render(p, len, ed, (char *)o, ocap);

	if (n < 0) {
		af->cnt[BPFALG_AS_BAD_INPUT]++;
		show(af, "rewrite does not fit, sent unchanged", p, len, NULL);
		return -1;
	}
	af->cnt[BPFALG_AS_REWRITTEN]++;
	log_sanitize(p, len, a, sizeof(a));
	log_sanitize((const char *)o, (size_t)n, b, sizeof(b));
	pr_info("[%s] rewrote \"%s\" -> \"%s\"\n", af->tag, a, b);
	events_emit(EV_REWRITE, af->tag, EV_TEXT("before", p, len),
		    EV_TEXT("after", o, n));
	return n;
}

static int client_setup(struct rtsp_flow *rf, struct rtsp_msg *m, const char *p,
			size_t len, const struct rtsp_transport *t, uint8_t *o,
			size_t ocap)
{
	struct alg_flow *af = &rf->af;
	struct rtsp_edits ed;
	uint32_t made = 0;
	bool would = false, acted = false;
	int n;

	rtsp_edits_init(&ed);
	for (unsigned int i = 0; i < t->n; i++) {
		const struct rtsp_spec *s = &t->spec[i];
		const char *why;
		uint16_t pub[2];
		int idx;

		if (!udp_unicast(s) || !s->cli_n)
			continue; /* interleaved, TCP, multicast: untouched */
		why = client_hosts(af, s);
		if (why == already_public)
			af->cnt[BPFALG_AS_ALREADY_PUBLIC]++;
		if (!why)
			why = below_min(af, s->cli_lo);
		if (why) {
			show(af, "transport left alone", p, len, why);
			continue;
		}
		if (af->mode != BPFALG_MODE_ON) {
			would = true;
			continue;
		}
		idx = find_inside(rf, s->cli_lo, s->cli_n);
		if (idx < 0) {
			idx = stream_alloc(rf);
			if (idx < 0) {
				refuse_transport(af, p, len,
						 "too many RTP streams on this "
						 "control flow",
						 "too many RTP streams");
				continue;
			}
			if (open_pair(rf, false, af->peer, 0, s->cli_lo,
				      s->cli_n, pub, &why)) {
				refuse_transport(af, p, len, why, why);
				continue;
			}
			stream_new(rf, idx, RTSP_ST_PENDING, s->cli_lo,
				   s->cli_n, pub);
			made |= 1u << idx;
		}
		m->touched |= 1u << idx;
		acted = true;
		if (rf->st[idx].public_port[0] != s->cli_lo)
			edit_side(&ed, &s->client_port, s->dest_addr, s->n_dest,
				  rf->st[idx].public_port[0]);
		edit_hosts(af, &ed, &s->destination, s->dest_addr, s->n_dest,
			   af->inside, af->public_addr);
	}
	if (would) {
		af->cnt[BPFALG_AS_OBSERVED]++;
		show(af, "observe: would rewrite", p, len, NULL);
		events_emit(EV_OBSERVE, af->tag, EV_STR("would", "rewrite"),
			    EV_TEXT("line", p, len));
		return P_FORWARD;
	}
	if (!acted)
		return P_FORWARD;
	if (!ed.n) {
		show(af, "pinholes opened, ports kept", p, len, NULL);
		return P_FORWARD;
	}
	n = finish_rewrite(rf, &ed, p, len, o, ocap);
	if (n < 0) {
		for (int i = 0; i < RTSP_ALG_STREAMS; i++)
			if (made & (1u << i))
				stream_release(rf, i, "rewrite failed");
		m->touched &= ~made;
		return P_FORWARD;
	}
	return n;
}

static int pending_count(struct rtsp_flow *rf)
{
	int n = 0;

	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		n += rf->st[i].state == RTSP_ST_PENDING;
	return n;
}

static int first_pending(struct rtsp_flow *rf)
{
	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		if (rf->st[i].state == RTSP_ST_PENDING)
			return i;
	return -1;
}

/* The server's address for media: source= / src_addr literal, or peer. */
static void media_source(const struct alg_flow *af, const struct rtsp_spec *s,
			 uint8_t out[16])
{
	memcpy(out, af->peer, 16);
	if (s->source.set && s->source.family == af->family)
		memcpy(out, s->source.addr, 16);
	else if (s->n_src && s->src_addr[0].host.family == af->family)
		memcpy(out, s->src_addr[0].host.addr, 16);
}

static int client_reply(struct rtsp_flow *rf, struct rtsp_msg *m, const char *p,
			size_t len, const struct rtsp_transport *t, uint8_t *o,
			size_t ocap)
{
	struct alg_flow *af = &rf->af;
	struct rtsp_edits ed;
	int n;

	rtsp_edits_init(&ed);
	for (unsigned int i = 0; i < t->n; i++) {
		const struct rtsp_spec *s = &t->spec[i];
		struct rtsp_stream *st;
		int idx;

		if (!udp_unicast(s))
			continue;
		if (s->cli_n)
			idx = find_public(rf, s->cli_lo);
		else
			idx = pending_count(rf) == 1 ? first_pending(rf) : -1;
		if (idx < 0)
			continue; /* ports this ALG did not hand out */
		st = &rf->st[idx];
		if (s->cli_n && s->cli_n != st->n) {
			show(af, "reply left alone", p, len,
			     "it names another number of client ports");
			continue;
		}
		if (s->cli_n && st->public_port[0] != st->inside_port[0])
			edit_side(&ed, &s->client_port, s->dest_addr, s->n_dest,
				  st->inside_port[0]);
		edit_hosts(af, &ed, &s->destination, s->dest_addr, s->n_dest,
			   af->public_addr, af->inside);
		st->pend = true;
		st->pend_rlo = s->srv_lo;
		st->pend_rn = (uint8_t)s->srv_n;
		media_source(af, s, st->pend_remote);
		m->chosen |= 1u << idx;
	}
	if (!ed.n)
		return P_FORWARD;
	n = finish_rewrite(rf, &ed, p, len, o, ocap);
	return n < 0 ? P_FORWARD : n;
}

/* The SETUP reply chose stream i: its pinholes become bindings. */
static void commit(struct rtsp_flow *rf, int i)
{
	struct alg_flow *af = &rf->af;
	struct rtsp_stream *s = &rf->st[i];
	char r[INET6_ADDRSTRLEN];

	s->pend = false;
	if (!s->pend_rn) {
		/* no server ports named: the pinholes admit any */
		if (s->state == RTSP_ST_PENDING)
			s->state = RTSP_ST_OPEN;
		return;
	}
	if (s->state == RTSP_ST_BOUND &&
	    !memcmp(s->remote, s->pend_remote, 16) &&
	    s->remote_port[0] == s->pend_rlo)
		return; /* the same binding again (a repeated SETUP) */
	memcpy(s->remote, s->pend_remote, 16);
	for (unsigned int k = 0; k < s->n; k++) {
		uint16_t want = s->public_port[k], pub;
		const char *why = NULL;

		s->remote_port[k] = (uint16_t)(s->pend_rlo + k);
		if (!want)
			continue;
		if (k && s->pend_rlo == 65535) {
			/* no RTCP port above: the pinhole stays */
			continue;
		}
		release_port(rf, want);
		if (!open_one(rf, true, s->remote, s->remote_port[k],
			      s->inside_port[k], want, &pub, &why))
			continue;
		af->cnt[BPFALG_AS_REFUSED]++;
		pr_info("[%s] binding public port %u to the server failed: "
			"%s\n",
			af->tag, want, why);
		/* keep at least the pinhole the client was promised */
		if (open_one(rf, false, af->peer, 0, s->inside_port[k], want,
			     &pub, &why))
			s->public_port[k] = 0;
	}
	s->state = RTSP_ST_BOUND;
	inet_ntop(af->family, s->remote, r, sizeof(r));
	pr_info("[%s] RTP%s bound: inside %u <-> public %u <-> %s:%u%s\n",
		af->tag, s->n == 2 ? "/RTCP" : "", s->inside_port[0],
		s->public_port[0], r, s->remote_port[0],
		s->n == 2 ? " (and the next ports)" : "");
}

static void client_reply_end(struct rtsp_flow *rf, struct rtsp_msg *m)
{
	bool ok = m->status >= 200 && m->status < 300;
	int pending_cseq = 0;

	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		pending_cseq += rf->st[i].state == RTSP_ST_PENDING &&
				rf->st[i].have_cseq && m->have_cseq &&
				rf->st[i].cseq == m->cseq;
	for (int i = 0; i < RTSP_ALG_STREAMS; i++) {
		struct rtsp_stream *s = &rf->st[i];
		bool mine = s->state && s->have_cseq && m->have_cseq &&
			    s->cseq == m->cseq;
		bool chosen = m->chosen & (1u << i);
		char why[64];

		if (chosen && m->have_cseq && s->have_cseq &&
		    s->cseq != m->cseq) {
			pr_info("[%s] reply CSeq %u names the ports of SETUP "
				"CSeq %u: not bound\n",
				rf->af.tag, m->cseq, s->cseq);
			s->pend = false;
			chosen = false;
		}
		if (!mine && !chosen)
			continue;
		if (!ok) {
			s->pend = false;
			if (s->state == RTSP_ST_PENDING) {
				snprintf(why, sizeof(why),
					 "SETUP refused by the server (%u)",
					 m->status);
				stream_release(rf, i, why);
			}
			continue;
		}
		if (chosen) {
			commit(rf, i);
		} else if (s->state == RTSP_ST_PENDING) {
			if (!m->had_transport && pending_cseq == 1) {
				s->state = RTSP_ST_OPEN;
			} else {
				stream_release(rf, i,
					       "transport not chosen by the "
					       "server");
				continue;
			}
		}
		if (m->have_session)
			snprintf(s->session, sizeof(s->session), "%s",
				 m->session.id);
	}
}

/* --------------------------------------------------- server inside */

static const char *server_hosts(const struct alg_flow *af,
				const struct rtsp_spec *s)
{
	const struct rtsp_host *h[1 + RTSP_MAX_ADDRS];
	unsigned int n = 0;

	if (!s->cli_n)
		return "reply names no client ports";
	if (s->destination.set && s->destination.len &&
	    !is_addr(af, &s->destination, af->peer))
		return "destination is not the client's address";
	h[n++] = &s->source;
	for (unsigned int k = 0; k < s->n_src; k++)
		h[n++] = &s->src_addr[k].host;
	for (unsigned int k = 0; k < n; k++) {
		if (!h[k]->set || !h[k]->len || is_addr(af, h[k], af->inside))
			continue;
		if (!h[k]->family)
			return "source is a host name";
		if (is_addr(af, h[k], af->public_addr))
			return already_public;
		return "source is not the server's address";
	}
	return below_min(af, s->srv_lo);
}

static int server_reply(struct rtsp_flow *rf, struct rtsp_msg *m, const char *p,
			size_t len, const struct rtsp_transport *t, uint8_t *o,
			size_t ocap)
{
	struct alg_flow *af = &rf->af;
	struct rtsp_edits ed;
	bool would = false;
	int n;

	rtsp_edits_init(&ed);
	for (unsigned int i = 0; i < t->n; i++) {
		const struct rtsp_spec *s = &t->spec[i];
		const char *why;
		struct rtsp_stream *st;
		uint16_t pub[2];
		int idx;

		if (!udp_unicast(s) || !s->srv_n)
			continue;
		if ((why = server_hosts(af, s))) {
			if (why == already_public)
				af->cnt[BPFALG_AS_ALREADY_PUBLIC]++;
			show(af, "transport left alone", p, len, why);
			continue;
		}
		if (af->mode != BPFALG_MODE_ON) {
			would = true;
			continue;
		}
		idx = find_inside(rf, s->srv_lo, s->srv_n);
		if (idx >= 0 && (rf->st[idx].remote_port[0] != s->cli_lo ||
				 memcmp(rf->st[idx].remote, af->peer, 16))) {
			stream_release(rf, idx, "SETUP moved the client ports");
			idx = -1;
		}
		if (idx < 0) {
			idx = stream_alloc(rf);
			if (idx < 0) {
				refuse_transport(af, p, len,
						 "too many RTP streams on this "
						 "control flow",
						 "too many RTP streams");
				continue;
			}
			if (open_pair(rf, true, af->peer, s->cli_lo, s->srv_lo,
				      s->srv_n, pub, &why)) {
				refuse_transport(af, p, len, why, why);
				continue;
			}
			st = stream_new(rf, idx, RTSP_ST_BOUND, s->srv_lo,
					s->srv_n, pub);
			memcpy(st->remote, af->peer, 16);
			st->remote_port[0] = s->cli_lo;
			st->remote_port[1] = s->srv_n == 2 ? s->cli_lo + 1 : 0;
		}
		st = &rf->st[idx];
		m->touched |= 1u << idx;
		if (st->public_port[0] != s->srv_lo)
			edit_side(&ed, &s->server_port, s->src_addr, s->n_src,
				  st->public_port[0]);
		edit_hosts(af, &ed, &s->source, s->src_addr, s->n_src,
			   af->inside, af->public_addr);
	}
	if (would) {
		af->cnt[BPFALG_AS_OBSERVED]++;
		show(af, "observe: would rewrite", p, len, NULL);
		events_emit(EV_OBSERVE, af->tag, EV_STR("would", "rewrite"),
			    EV_TEXT("line", p, len));
		return P_FORWARD;
	}
	if (!ed.n)
		return P_FORWARD;
	n = finish_rewrite(rf, &ed, p, len, o, ocap);
	return n < 0 ? P_FORWARD : n;
}

/* ------------------------------------------------------- messages */

static uint64_t setup_uri(struct rtsp_flow *rf, uint32_t cseq)
{
	for (int i = 0; i < RTSP_ALG_SETUPS; i++)
		if (rf->setups[i].used && rf->setups[i].cseq == cseq)
			return rf->setups[i].uri_hash;
	return 0;
}

static void teardown(struct rtsp_flow *rf, const struct rtsp_msg *m)
{
	struct alg_flow *af = &rf->af;
	bool one = false;
	int n = 0;

	if (!m->have_session) {
		pr_info("[%s] TEARDOWN without Session: nothing released\n",
			af->tag);
		return;
	}
	af->cnt[BPFALG_AS_PARSED]++;
	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		if (rf->st[i].state &&
		    !strcmp(rf->st[i].session, m->session.id) &&
		    rf->st[i].uri_hash == m->uri_hash)
			one = true;
	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		if (rf->st[i].state &&
		    !strcmp(rf->st[i].session, m->session.id) &&
		    (!one || rf->st[i].uri_hash == m->uri_hash)) {
			stream_release(rf, i, "TEARDOWN");
			n++;
		}
	if (!n)
		pr_info("[%s] TEARDOWN of session %s: nothing held\n", af->tag,
			m->session.id);
}

/* The empty line after a message's headers: what they decided. */
static void end_of_headers(struct rtsp_flow *rf, int dir)
{
	struct alg_flow *af = &rf->af;
	struct rtsp_msg *m = &rf->msg[dir];

	if (m->blind || af->mode != BPFALG_MODE_ON)
		return;
	if (m->request) {
		if (m->setup && m->have_cseq) {
			struct rtsp_setup_rec *r =
				&rf->setups[rf->setup_next++ % RTSP_ALG_SETUPS];

			r->used = true;
			r->cseq = m->cseq;
			r->uri_hash = m->uri_hash;
		}
		for (int i = 0; i < RTSP_ALG_STREAMS; i++) {
			struct rtsp_stream *s = &rf->st[i];

			if (!(m->touched & (1u << i)))
				continue;
			if (!m->have_cseq) {
				if (s->state == RTSP_ST_PENDING)
					stream_release(rf, i,
						       "SETUP without a CSeq: "
						       "its reply cannot be "
						       "matched");
				continue;
			}
			s->have_cseq = true;
			s->cseq = m->cseq;
			s->uri_hash = m->uri_hash;
			if (m->have_session)
				snprintf(s->session, sizeof(s->session), "%s",
					 m->session.id);
		}
		if (m->teardown)
			teardown(rf, m);
		return;
	}
	if (dir == BPFALG_DIR_REPLY && af->inside_is_client) {
		client_reply_end(rf, m);
	} else if (dir == BPFALG_DIR_REPLY) {
		for (int i = 0; i < RTSP_ALG_STREAMS; i++) {
			struct rtsp_stream *s = &rf->st[i];

			if (!(m->touched & (1u << i)))
				continue;
			s->have_cseq = m->have_cseq;
			s->cseq = m->cseq;
			s->uri_hash = m->have_cseq ? setup_uri(rf, m->cseq) : 0;
			if (m->have_session)
				snprintf(s->session, sizeof(s->session), "%s",
					 m->session.id);
		}
	}
	/* a reply's Session timeout applies to all of the session */
	if (m->have_session && m->session.timeout_s) {
		uint32_t to = m->session.timeout_s;

		if (to > RTSP_MAX_TIMEOUT_S)
			to = RTSP_MAX_TIMEOUT_S;
		for (int i = 0; i < RTSP_ALG_STREAMS; i++)
			if (rf->st[i].state &&
			    !strcmp(rf->st[i].session, m->session.id))
				rf->st[i].timeout_s = to;
	}
}

static int transport(struct rtsp_flow *rf, int dir, struct rtsp_msg *m,
		     const char *p, const struct rtsp_piece *pc, uint8_t *o,
		     size_t ocap)
{
	struct alg_flow *af = &rf->af;
	struct rtsp_transport t;

	if (rtsp_parse_transport(p, pc->len, pc->value_off, pc->value_len,
				 &t)) {
		af->cnt[BPFALG_AS_BAD_INPUT]++;
		show(af, "unparsable Transport, sent unchanged", p, pc->len,
		     t.why);
		return P_FORWARD;
	}
	m->had_transport = true;
	af->cnt[BPFALG_AS_PARSED]++;
	if (af->inside_is_client) {
		if (dir == BPFALG_DIR_ORIG && m->request && m->setup)
			return client_setup(rf, m, p, pc->len, &t, o, ocap);
		if (dir == BPFALG_DIR_REPLY && !m->request &&
		    af->mode == BPFALG_MODE_ON)
			return client_reply(rf, m, p, pc->len, &t, o, ocap);
	} else if (dir == BPFALG_DIR_REPLY && !m->request && m->status >= 200 &&
		   m->status < 300) {
		return server_reply(rf, m, p, pc->len, &t, o, ocap);
	}
	return P_FORWARD;
}

static int header(struct rtsp_flow *rf, int dir, struct rtsp_msg *m,
		  const char *p, const struct rtsp_piece *pc, uint8_t *o,
		  size_t ocap)
{
	struct alg_flow *af = &rf->af;
	const char *v = p + pc->value_off, *why;
	uint32_t cseq;

	switch (pc->hdr) {
	case RTSP_H_CSEQ:
		if (rtsp_parse_cseq(v, pc->value_len, &cseq, &why)) {
			show(af, "ignored", p, pc->len, why);
		} else if (m->have_cseq && m->cseq != cseq) {
			/* which one the peer will use is anybody's guess */
			m->cseq_conflict = true;
			m->have_cseq = false;
		} else if (!m->cseq_conflict) {
			m->have_cseq = true;
			m->cseq = cseq;
		}
		return P_FORWARD;
	case RTSP_H_SESSION:
		if (m->refused)
			return P_DROP;
		if (rtsp_parse_session(v, pc->value_len, &m->session, &why))
			show(af, "ignored", p, pc->len, why);
		else
			m->have_session = true;
		return P_FORWARD;
	case RTSP_H_TRANSPORT:
		if (m->blind || m->refused)
			return m->refused ? P_DROP : P_FORWARD;
		return transport(rf, dir, m, p, pc, o, ocap);
	default:
		return P_FORWARD;
	}
}

static void begin(struct rtsp_flow *rf, struct rtsp_msg *m, const char *p,
		  const struct rtsp_piece *pc)
{
	memset(m, 0, sizeof(*m));
	m->blind = pc->blind;
	m->request = pc->kind == RTSP_K_REQUEST;
	m->ver_major = pc->ver_major;
	m->ver_minor = pc->ver_minor;
	m->status = pc->status;
	if (m->request) {
		m->setup = pc->method_len == 5 && !memcmp(p, "SETUP", 5);
		m->teardown = pc->method_len == 8 && !memcmp(p, "TEARDOWN", 8);
		m->uri_hash = hash(p + pc->uri_off, pc->uri_len);
	}
	if (m->blind) {
		rf->af.cnt[BPFALG_AS_BAD_INPUT]++;
		show(&rf->af, "start line not seen, message not inspected", p,
		     pc->len, NULL);
	}
}

static void make_refusal(struct rtsp_flow *rf, const struct rtsp_msg *m)
{
	if (m->have_cseq)
		snprintf(rf->refusal, sizeof(rf->refusal),
			 "RTSP/%u.%u 403 Forbidden\r\nCSeq: %u\r\n\r\n",
			 m->ver_major, m->ver_minor, m->cseq);
	else
		snprintf(rf->refusal, sizeof(rf->refusal),
			 "RTSP/%u.%u 403 Forbidden\r\n\r\n", m->ver_major,
			 m->ver_minor);
}

/* One piece: P_FORWARD, P_DROP, or its new length written at @o. */
static int piece(struct rtsp_flow *rf, int dir, const char *p,
		 const struct rtsp_piece *pc, uint8_t *o, size_t ocap,
		 bool *refusal)
{
	struct alg_flow *af = &rf->af;
	struct rtsp_msg *m = &rf->msg[dir];
	bool drop;

	if (pc->new_msg)
		begin(rf, m, p, pc);
	switch (pc->kind) {
	case RTSP_K_TLS:
		af->tls = true;
		af->cnt[BPFALG_AS_TLS]++;
		stop_flow(rf, "TLS on the control connection (RTSPS)");
		return P_FORWARD;
	case RTSP_K_INTERLEAVED:
		af->cnt[BPFALG_AS_PARSED]++;
		stop_flow(rf, "interleaved binary data on the control "
			      "connection");
		return P_FORWARD;
	case RTSP_K_BAD:
		af->cnt[BPFALG_AS_BAD_INPUT]++;
		show(af, "framing lost", p, pc->len, pc->why);
		/* the rest of a refused request goes nowhere either */
		drop = m->refused;
		stop_flow(rf, "RTSP framing lost");
		return drop ? P_DROP : P_FORWARD;
	case RTSP_K_REQUEST:
		if (!alg_policy_denies(af->pol, p, pc->method_len))
			return P_FORWARD;
		if (af->mode != BPFALG_MODE_ON) {
			af->cnt[BPFALG_AS_OBSERVED]++;
			show(af, "observe: would refuse (policy)", p, pc->len,
			     NULL);
			return P_FORWARD;
		}
		m->refused = true;
		af->cnt[BPFALG_AS_POLICY_DENIED]++;
		show(af, "refused by policy", p, pc->len, NULL);
		events_emit(EV_POLICY, af->tag, EV_TEXT("line", p, pc->len));
		return P_DROP;
	case RTSP_K_HEADER: {
		int r = header(rf, dir, m, p, pc, o, ocap);

		return m->refused ? P_DROP : r;
	}
	case RTSP_K_CONT:
		if (m->refused)
			return P_DROP;
		if (!m->blind && pc->hdr == RTSP_H_TRANSPORT) {
			af->cnt[BPFALG_AS_BAD_INPUT]++;
			show(af, "folded Transport line not parsed", p, pc->len,
			     NULL);
		}
		return P_FORWARD;
	case RTSP_K_END:
		if (m->refused) {
			make_refusal(rf, m);
			*refusal = true;
			return P_DROP;
		}
		end_of_headers(rf, dir);
		return P_FORWARD;
	case RTSP_K_BODY:
		return m->refused ? P_DROP : P_FORWARD;
	default: /* BLANK, STATUS, STOPPED */
		return P_FORWARD;
	}
}

static int rtsp_line(struct alg_flow *af, int dir, const uint8_t *line,
		     size_t len, uint8_t *out, size_t cap)
{
	struct rtsp_flow *rf = (struct rtsp_flow *)af;
	size_t pos = 0, olen = 0;
	bool changed = false, kept = false, refusal = false, short_out = false;

	dir &= 1;
	/* af->tls: a restarted engine found the flow stepped aside */
	if (af->mode == BPFALG_MODE_OFF || rf->stopped || af->tls)
		return ALG_LINE_UNCHANGED;
	rf->traffic = true;
	while (pos < len) {
		const char *p = (const char *)line + pos;
		struct rtsp_piece pc;
		int r;

		rtsp_next(&rf->fr[dir], p, len - pos, &pc);
		r = piece(rf, dir, p, &pc, out + olen, cap - olen, &refusal);
		if (r == P_DROP) {
			changed = true;
		} else if (r == P_FORWARD) {
			if (pc.len > cap - olen)
				short_out = true;
			else
				memcpy(out + olen, p, pc.len);
			olen += short_out ? 0 : pc.len;
			kept = true;
		} else {
			olen += (size_t)r;
			changed = kept = true;
		}
		pos += pc.len;
	}
	if (!changed)
		return ALG_LINE_UNCHANGED;
	if (!kept || short_out) {
		/* all of it refused (or what is left of it does not fit:
		 * never forward a refused request's bytes)
		 */
		size_t n = refusal && !short_out ? strlen(rf->refusal) : 0;

		if (n >= cap)
			n = 0;
		if (cap) {
			memcpy(out, rf->refusal, n);
			out[n] = '\0';
		}
		return ALG_LINE_REFUSE;
	}
	return (int)olen;
}

static bool rtsp_hold(struct alg_flow *af, int dir, const uint8_t *buf,
		      size_t len)
{
	struct rtsp_flow *rf = (struct rtsp_flow *)af;

	dir &= 1;
	if (af->mode == BPFALG_MODE_OFF || rf->stopped || af->tls)
		return false;
	rf->traffic = true;
	switch (rtsp_tail(&rf->fr[dir], (const char *)buf, len,
			  rf->msg[dir].refused)) {
	case RTSP_TAIL_HOLD:
		return true;
	case RTSP_TAIL_TLS:
		af->tls = true;
		af->cnt[BPFALG_AS_TLS]++;
		stop_flow(rf, "TLS on the control connection (RTSPS)");
		return false;
	case RTSP_TAIL_INTERLEAVED:
		af->cnt[BPFALG_AS_PARSED]++;
		stop_flow(rf, "interleaved binary data on the control "
			      "connection");
		return false;
	default: /* BODY_DONE: sent as it is; STOPPED */
		return false;
	}
}

static void rtsp_init(struct alg_flow *af)
{
	struct rtsp_flow *rf = (struct rtsp_flow *)af;

	memset((char *)rf + sizeof(rf->af), 0, sizeof(*rf) - sizeof(rf->af));
}

static void rtsp_tick(struct alg_flow *af, uint64_t now_ns)
{
	struct rtsp_flow *rf = (struct rtsp_flow *)af;

	if (!rf->clock || rf->traffic) {
		rf->clock = true;
		rf->traffic = false;
		rf->last_ns = now_ns;
	}
	/* stepped aside: the keepalives are not seen any more */
	if (rf->stopped)
		return;
	for (int i = 0; i < RTSP_ALG_STREAMS; i++) {
		struct rtsp_stream *s = &rf->st[i];
		char why[80];

		if (!s->state ||
		    now_ns - rf->last_ns < (uint64_t)s->timeout_s * NSEC)
			continue;
		snprintf(why, sizeof(why),
			 "session timed out (no control traffic for %u s)",
			 s->timeout_s);
		stream_release(rf, i, why);
	}
}

static void rtsp_fini(struct alg_flow *af)
{
	struct rtsp_flow *rf = (struct rtsp_flow *)af;

	for (int i = 0; i < RTSP_ALG_STREAMS; i++)
		if (rf->st[i].state)
			stream_release(rf, i, "control flow ended");
}

const struct alg_module rtsp_module = {
	.name = "rtsp",
	.flow_size = sizeof(struct rtsp_flow),
	.init = rtsp_init,
	.line = rtsp_line,
	.hold = rtsp_hold,
	.tick = rtsp_tick,
	.fini = rtsp_fini,
};
