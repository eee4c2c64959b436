// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* engine.c - see engine.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfalg_seqadj.h"
#include "config.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/packet.h"
#include "alg/modules.h"
#include "pins.h"
#include "util/log.h"

#define NSEC 1000000000ULL
/* A held partial line that has not ended after this long closes its
 * connection.  Long enough for a lost segment's retransmissions under
 * heavy loss (0.2 + 0.4 + ... + 3.2 s of RTO backoff), short enough that
 * a peer cannot park the line's end for later.
 */
#define HOLD_MAX_NS (10 * NSEC)
/* Below this a reinjected segment is not cut any smaller (IPv4's
 * minimum MTU, 576, less 40 bytes of headers).
 */
#define MTU_MIN_PAYLOAD 536
/* A GRO-merged segment goes through the stream this much at a time. */
#define ENGINE_PIECE BPFALG_PUNT_MAX_PKT
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

void engine_config_defaults(struct engine_config *c)
{
	c->pinhole_timeout_s = 60;
	c->pinholes_per_flow = 8;
	c->ftp_pinholes = 1;
	c->max_sessions = 8192;
	c->sessions_per_source = 256;
	c->session_idle_s = 600;
	c->min_data_port = 1024;
}

static uint32_t tuple_hash(const struct bpfalg_tuple *t)
{
	const uint8_t *p = (const uint8_t *)t;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*t); i++)
		h = (h ^ p[i]) * 16777619u;
	return h % ENGINE_BUCKETS;
}

static struct session *session_find(struct engine *e,
				    const struct bpfalg_tuple *k)
{
	for (struct session *s = e->tab[tuple_hash(k)]; s; s = s->next)
		if (!memcmp(&s->key, k, sizeof(*k)))
			return s;
	return NULL;
}

/* ctl_replay's entries of a flow direction (struct bpfalg_replay_key) */
enum { REPLAY_LINES = 0, REPLAY_HELD = 2, REPLAY_SENT = 4, REPLAY_ACKED = 6 };

static void replay_key(struct bpfalg_replay_key *k,
		       const struct bpfalg_tuple *key, int kind, int dir)
{
	memset(k, 0, sizeof(*k));
	k->key = *key;
	k->dir = (__u32)(kind + dir);
}

/*
 * The newest rewritten lines of direction @dir into ctl_replay (as many as
 * fit), for a controller that rebuilds this session (restart, eviction):
 * it answers a retransmission of them with the same bytes.
 */
static void replay_save(struct session *s, int dir)
{
	static struct bpfalg_replay v;
	const struct stream_rec *r;
	struct bpfalg_replay_key k;
	size_t room = sizeof(v.out), off = 0;
	unsigned int n = 0;

	replay_key(&k, &s->key, REPLAY_LINES, dir);
	/* newest first, as long as they fit */
	while (n < BPFALG_REPLAY_RECS && (r = stream_rec_at(&s->st, dir, n)) &&
	       r->out && r->len <= room) {
		room -= r->len;
		n++;
	}
	if (!n) {
		bpf_map_delete_elem(s->e->fd_replay, &k);
		return;
	}
	v.n = n;
	for (unsigned int i = 0; i < n; i++) {
		r = stream_rec_at(&s->st, dir, n - 1 - i); /* oldest first */
		v.rec[i].start = r->a;
		v.rec[i].end = r->b;
		v.rec[i].len = (__u32)r->len;
		memcpy(v.out + off, r->out, r->len);
		off += r->len;
	}
	if (bpf_map_update_elem(s->e->fd_replay, &k, &v, BPF_ANY))
		pr_warn("[%s] cannot keep the rewritten lines for a restart: "
			"%s\n",
			s->af->tag, strerror(errno));
}

/* How far direction @dir went out, into ctl_replay (a restarted
 * controller must not take a retransmission of it for new data, nor a
 * segment after it for one beyond a gap).
 */
static void sent_save(struct session *s, int dir)
{
	static struct bpfalg_replay v;
	const struct stream_dir *d = &s->st.d[dir];
	struct bpfalg_replay_key k;

	if (!d->init || (s->have_sent_kept[dir] &&
			 !((int32_t)(d->sent - s->sent_kept[dir]) > 0)))
		return;
	replay_key(&k, &s->key, REPLAY_SENT, dir);
	v.n = 1;
	v.rec[0].start = v.rec[0].end = d->sent;
	v.rec[0].len = 0;
	if (!bpf_map_update_elem(s->e->fd_replay, &k, &v, BPF_ANY)) {
		s->sent_kept[dir] = d->sent;
		s->have_sent_kept[dir] = true;
	}
}

/*
 * The other end's newest acknowledgement of direction @dir (as it sent
 * it) into ctl_replay: a rebuilt session knows nothing else of what that
 * end has, and its refusal answers must not acknowledge more (bytes of
 * @dir lost before the rebuild stay their sender's to retransmit).
 */
static void acked_save(struct session *s, int dir)
{
	static struct bpfalg_replay v;
	struct bpfalg_replay_key k;

	if (!s->have_acked[dir] ||
	    (s->have_acked_kept[dir] && s->acked_kept[dir] == s->acked[dir]))
		return;
	replay_key(&k, &s->key, REPLAY_ACKED, dir);
	v.n = 1;
	v.rec[0].start = v.rec[0].end = s->acked[dir];
	v.rec[0].len = 0;
	if (!bpf_map_update_elem(s->e->fd_replay, &k, &v, BPF_ANY)) {
		s->acked_kept[dir] = s->acked[dir];
		s->have_acked_kept[dir] = true;
	}
}

/* Direction @dir's held bytes into ctl_replay (or out, when none). */
static void hold_save(struct session *s, int dir)
{
	static struct bpfalg_replay v;
	const struct stream_dir *d = &s->st.d[dir];
	struct bpfalg_replay_key k;
	size_t n = d->next - d->sent;

	replay_key(&k, &s->key, REPLAY_HELD, dir);
	if (!n) {
		if (s->hold_kept[dir])
			bpf_map_delete_elem(s->e->fd_replay, &k);
		s->hold_kept[dir] = false;
		return;
	}
	v.n = 1;
	v.rec[0].start = d->sent;
	v.rec[0].end = d->next;
	v.rec[0].len = (__u32)n;
	memcpy(v.out, d->hold, n);
	s->hold_kept[dir] =
		!bpf_map_update_elem(s->e->fd_replay, &k, &v, BPF_ANY);
}

/*
 * A rebuilt session: the newest refusal answer the previous controller
 * inserted (a record of text at a point, in the direction it went) may
 * not have arrived, and only this controller can send it again: kept as
 * if just sent, so that the timer and the sender's segments (which show
 * it missing) bring it again.  Its acknowledgement is the refused line's
 * end, from the refused sender's own records (when newer ones took the
 * refused lines' places there: the oldest one kept, which starts after).
 */
/* A new kept answer, NULL when all are taken (or out of memory). */
static struct session_answer *answer_slot(struct session *s)
{
	struct session_answer *a;

	if (s->ans[ENGINE_ANSWERS - 1])
		return NULL;
	a = calloc(1, sizeof(*a));
	for (int i = 0; a && i < ENGINE_ANSWERS; i++)
		if (!s->ans[i]) {
			s->ans[i] = a;
			break;
		}
	return a;
}

/* The newest kept answer, NULL if none. */
static struct session_answer *answer_last(struct session *s)
{
	for (int i = ENGINE_ANSWERS; i-- > 0;)
		if (s->ans[i])
			return s->ans[i];
	return NULL;
}

static void answer_free(struct session *s)
{
	for (int i = 0; i < ENGINE_ANSWERS; i++) {
		free(s->ans[i]);
		s->ans[i] = NULL;
	}
}

static void answer_load(struct session *s)
{
	for (int dir = 0; dir < 2; dir++) {
		const struct stream_rec *r;
		unsigned int k;
		uint32_t ack = 0;
		bool have = false;

		for (k = 0; (r = stream_rec_at(&s->st, dir ^ 1, k)); k++)
			if (r->a != r->b && !r->len) {
				ack = r->b;
				have = true;
				break;
			}
		if (!have && s->st.d[dir ^ 1].rec_n) {
			/* the refused lines' records are gone (newer
			 * rewrites took their places): they ended before the
			 * oldest one kept, as far as the answers acknowledge
			 * at most
			 */
			ack = stream_rec_at(&s->st, dir ^ 1,
					    s->st.d[dir ^ 1].rec_n - 1)
				      ->a;
			have = true;
		}
		if (!have)
			continue;
		/* every text inserted that the records still have: which of
		 * them arrived is not known (a copy is harmless, the
		 * receiver's acknowledgements forget them); the texts at
		 * one point may need more than one answer, none of them is
		 * left out (a hole in the receiver's stream nobody fills)
		 */
		for (k = 0;; k++) {
			uint8_t text[STREAM_INJECT_MAX]; /* a->text's */
			struct session_answer *a;
			uint32_t seq;
			size_t len = stream_text_run(&s->st, dir, k, text,
						     sizeof(text), &seq);

			if (!len || !(a = answer_slot(s)))
				break;
			memcpy(a->text, text, len);
			a->dir = dir ^ 1;
			a->seq = seq;
			a->ack = ack;
			a->len = len;
			a->sends = 1;
			a->sent_ns = mono_ns();
		}
	}
}

static void replay_load(struct engine *e, struct session *s)
{
	static struct bpfalg_replay v;

	for (int dir = 0; dir < 2; dir++) {
		struct bpfalg_replay_key k;
		size_t off = 0;

		replay_key(&k, &s->key, REPLAY_LINES, dir);
		if (bpf_map_lookup_elem(e->fd_replay, &k, &v))
			continue;
		for (unsigned int i = 0; i < v.n && i < BPFALG_REPLAY_RECS &&
					 v.rec[i].len <= sizeof(v.out) - off;
		     i++) {
			stream_load_rec(&s->st, dir, v.rec[i].start,
					v.rec[i].end, v.out + off,
					v.rec[i].len);
			off += v.rec[i].len;
		}
	}
	answer_load(s);
	for (int dir = 0; dir < 2; dir++) {
		struct bpfalg_replay_key k;

		replay_key(&k, &s->key, REPLAY_SENT, dir);
		if (!bpf_map_lookup_elem(e->fd_replay, &k, &v) && v.n == 1)
			stream_load_sent(&s->st, dir, v.rec[0].end);
		replay_key(&k, &s->key, REPLAY_ACKED, dir);
		if (!bpf_map_lookup_elem(e->fd_replay, &k, &v) && v.n == 1) {
			s->acked[dir] = s->acked_kept[dir] = v.rec[0].end;
			s->have_acked[dir] = s->have_acked_kept[dir] = true;
		}
	}
	for (int dir = 0; dir < 2; dir++) {
		struct bpfalg_replay_key k;

		replay_key(&k, &s->key, REPLAY_HELD, dir);
		if (!bpf_map_lookup_elem(e->fd_replay, &k, &v) && v.n == 1 &&
		    v.rec[0].len <= sizeof(v.out) &&
		    !stream_load_hold(&s->st, dir, v.rec[0].start, v.out,
				      v.rec[0].len, mono_ns()))
			s->hold_kept[dir] = true;
	}
}

static void replay_forget(struct engine *e, const struct bpfalg_tuple *key)
{
	for (int dir = 0; dir < 8; dir++) {
		struct bpfalg_replay_key k;

		replay_key(&k, key, REPLAY_LINES, dir);
		bpf_map_delete_elem(e->fd_replay, &k);
	}
}

static void publish_ctl(struct session *s)
{
	struct engine *e = s->e;

	s->ctl.dir[0] = s->st.d[0].adj;
	s->ctl.dir[1] = s->st.d[1].adj;
	if (bpf_map_update_elem(e->fd_ctl, &s->key, &s->ctl, BPF_ANY))
		pr_warn("[%s] cannot publish sequence state: %s\n", s->af->tag,
			strerror(errno));
}

/* ---------------------------------------------------------- services */

static bool port_taken(struct engine *e, const struct bpfalg_pinhole_key *k,
		       const uint8_t *public_addr)
{
	struct bpfalg_fwd_key fk = { .port = k->public_port,
				     .proto = k->proto,
				     .family = k->family };
	struct bpfalg_fwd fv;
	struct bpfalg_tuple rt = { 0 }, orig;
	struct bpfalg_flow f;

	if (!bpf_map_lookup_elem(e->fd_forwards, &fk, &fv))
		return true;
	/* An FTP server's active connection comes from port 20: the
	 * binding it would create must not be somebody's reply tuple.
	 */
	memcpy(rt.saddr, k->remote, 16);
	memcpy(rt.daddr, public_addr, k->family == BPFALG_AF_INET ? 4 : 16);
	rt.sport = htons(20);
	rt.dport = k->public_port;
	rt.proto = k->proto;
	rt.family = k->family;
	return !flowtab_lookup_reply(&e->ft, &rt, &orig, &f);
}

static uint8_t dp_proto(const struct alg_expect *x)
{
	return x->proto ? x->proto : BPFALG_IPPROTO_TCP;
}

static void nat_range(struct engine *e, uint32_t *lo, uint32_t *hi)
{
	struct bpfalg_config c;

	*lo = 1024;
	*hi = 65535;
	if (!bpf_map_lookup_elem(e->fd_cfg, &(__u32){ 0 }, &c) && c.port_min &&
	    c.port_min <= c.port_max) {
		*lo = c.port_min;
		*hi = c.port_max;
	}
}

/* Candidate @i of a public port for @x: the asked-for one, else the
 * inside port first, then random ports of the NAT range.
 */
static uint16_t pick_port(struct engine *e, const struct alg_expect *x, int i)
{
	uint32_t lo, hi, r;

	if (x->public_port)
		return x->public_port;
	if (!i)
		return x->inside_port;
	nat_range(e, &lo, &hi);
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)mono_ns();
	return (uint16_t)(lo + r % (hi - lo + 1));
}

static int port_tries(const struct alg_expect *x)
{
	return x->public_port || x->family == AF_INET6 ? 1 : 64;
}

static void log_grant(struct alg_flow *af, const char *what,
		      const struct alg_expect *x, uint16_t p, uint32_t tmo)
{
	char r[INET6_ADDRSTRLEN], in[INET6_ADDRSTRLEN], rp[8] = "";
	bool v6 = x->family == AF_INET6;

	inet_ntop(x->family, x->remote, r, sizeof(r));
	inet_ntop(x->family, x->inside, in, sizeof(in));
	if (x->remote_port)
		snprintf(rp, sizeof(rp), ":%u", x->remote_port);
	pr_info("[%s] %s %s %s%s -> public port %u -> %s%s%s:%u (%us)\n",
		af->tag, what,
		dp_proto(x) == BPFALG_IPPROTO_UDP ? "udp" : "tcp", r, rp, p,
		v6 ? "[" : "", in, v6 ? "]" : "", x->inside_port, tmo);
}

static void session_reap_ph(struct engine *e, struct session *s, uint64_t now);

/*
 * Remove the session's pinhole @i (@why: "superseded", "released",
 * "closing", ...).  Only while it is still this grant (same owner, same
 * deadline): one the datapath consumed or the GC expired meanwhile is
 * counted as that instead, and a key another session holds now is never
 * touched.
 */
static void ph_drop(struct engine *e, struct session *s, unsigned int i,
		    const char *why)
{
	struct session_ph *ph = &s->ph[i];
	struct bpfalg_pinhole v;
	__u64 *cnt = s->af->cnt;

	if (!bpf_map_lookup_elem(e->fd_pinholes, &ph->k, &v) &&
	    !memcmp(&v.owner, &s->key, sizeof(s->key)) &&
	    v.expires_ns == ph->expires_ns &&
	    !bpf_map_delete_elem(e->fd_pinholes, &ph->k)) {
		cnt[BPFALG_AS_PH_CLOSED]++;
		pr_info("[%s] pinhole on public port %u removed (%s)\n",
			s->af->tag, ntohs(ph->k.public_port), why);
		events_pinhole(EV_PH_CLOSED, s->af->tag, &ph->k, NULL, why);
	} else if (mono_ns() < ph->expires_ns) {
		cnt[BPFALG_AS_PH_USED]++;
		events_pinhole(EV_PH_USED, s->af->tag, &ph->k, NULL, NULL);
	} else {
		cnt[BPFALG_AS_PH_EXPIRED]++;
	}
	s->ph[i] = s->ph[--s->n_ph];
}

/* Every pending pinhole of the session goes (its connection closes). */
static void session_drop_ph(struct engine *e, struct session *s,
			    const char *why)
{
	while (s->n_ph)
		ph_drop(e, s, s->n_ph - 1, why);
}

/* The pinholes one session may hold pending, and whether a new grant
 * supersedes the oldest rather than being refused.
 */
static unsigned int ph_limit(const struct engine *e, const struct session *s,
			     bool *supersede)
{
	unsigned int n = e->cfg.pinholes_per_flow;

	*supersede = s->mod->supersede_pinholes;
	if (*supersede)
		n = e->cfg.ftp_pinholes;
	return n < ENGINE_MAX_PH_PER_FLOW ? n : ENGINE_MAX_PH_PER_FLOW;
}

static int svc_expect(void *ctx, struct alg_flow *af,
		      const struct alg_expect *x, uint16_t *public_port,
		      const char **why)
{
	struct session *s = ctx;
	struct engine *e = s->e;
	struct bpfalg_pinhole_key k = { 0 };
	struct bpfalg_pinhole v = { 0 };
	bool v6 = x->family == AF_INET6;
	uint32_t tmo = x->timeout_s ? x->timeout_s : e->cfg.pinhole_timeout_s;
	bool supersede;
	unsigned int lim = ph_limit(e, s, &supersede);

	if (s->closing) {
		*why = "the control connection is closing";
		return -1;
	}
	/* used pinholes are reaped as the datapath reports them
	 * (engine_pinhole_used); at the limit, check once more: a report
	 * may have been skipped while the ring was busy
	 */
	if (s->n_ph >= lim)
		session_reap_ph(e, s, mono_ns());
	while (supersede && s->n_ph && s->n_ph >= lim) {
		unsigned int old = 0;

		for (unsigned int i = 1; i < s->n_ph; i++)
			if (s->ph[i].expires_ns < s->ph[old].expires_ns)
				old = i;
		ph_drop(e, s, old, "superseded");
	}
	if (s->n_ph >= lim) {
		*why = "pinhole limit of this control flow reached";
		return -1;
	}
	memcpy(k.remote, x->remote, 16);
	k.proto = dp_proto(x);
	k.family = v6 ? BPFALG_AF_INET6 : BPFALG_AF_INET;
	memcpy(v.inside_addr, x->inside, 16);
	v.inside_port = htons(x->inside_port);
	v.remote_port = htons(x->remote_port);
	v.alg = s->alg;
	v.in_ifindex = af->inside_is_client ? s->in_ifindex : 0;
	v.expires_ns = mono_ns() + (uint64_t)tmo * NSEC;
	v.owner = s->key;

	for (int i = 0; i < port_tries(x); i++) {
		uint16_t p = pick_port(e, x, i);

		k.public_port = htons(p);
		if (!v6 && port_taken(e, &k, af->public_addr))
			continue;
		if (bpf_map_update_elem(e->fd_pinholes, &k, &v, BPF_NOEXIST))
			continue;
		s->ph[s->n_ph].k = k;
		s->ph[s->n_ph].expires_ns = v.expires_ns;
		s->n_ph++;
		*public_port = p;
		log_grant(af, "pinhole", x, p, tmo);
		events_pinhole(EV_PH_OPEN, af->tag, &k, &v, NULL);
		return 0;
	}
	*why = v6 || x->public_port ?
		       "a pinhole for that port exists already" :
		       "no free public port for the data connection";
	return -1;
}

/* A port-forward owns this public UDP port: a binding must not shadow it. */
static bool fwd_owns(struct engine *e, uint8_t family, uint16_t public_port)
{
	struct bpfalg_fwd_key fk = { .port = htons(public_port),
				     .proto = BPFALG_IPPROTO_UDP,
				     .family = family };
	struct bpfalg_fwd fv;

	return !bpf_map_lookup_elem(e->fd_forwards, &fk, &fv);
}

/*
 * A UDP flow made by the controller, in the answered pair: flowtab_insert
 * claims the reply tuple the way the datapath does (bpf/lib/nat.h).
 */
static int bind_insert(struct engine *e, struct session *s,
		       const struct bpfalg_tuple *orig,
		       const struct bpfalg_tuple *reply, __u32 *cookie)
{
	struct bpfalg_flow f = { 0 };
	uint64_t now = mono_ns();

	bpfalg_flow_set_reply(&f, reply);
	f.created_s = (__u32)(now / 1000000000ULL);
	f.last_seen_ns = now;
	f.in_ifindex = s->in_ifindex;
	f.state = BPFALG_ST_NEW;
	f.nat = orig->family == BPFALG_AF_INET ? BPFALG_NAT_SNAT :
						 BPFALG_NAT_NONE;
	f.flags = BPFALG_FF_FROM_PINHOLE;
	f.alg = BPFALG_ALG_NONE; /* media, not a control flow */
	if (flowtab_insert(&e->ft, orig, &f))
		return -1;
	*cookie = f.cookie;
	return 0;
}

static void bind_tuples(const struct alg_expect *x, const uint8_t *pub,
			uint16_t p, struct bpfalg_tuple *orig,
			struct bpfalg_tuple *reply)
{
	int alen = x->family == AF_INET ? 4 : 16;
	uint8_t fam = x->family == AF_INET ? BPFALG_AF_INET : BPFALG_AF_INET6;

	memset(orig, 0, sizeof(*orig));
	memset(reply, 0, sizeof(*reply));
	memcpy(orig->saddr, x->inside, alen);
	memcpy(orig->daddr, x->remote, alen);
	orig->sport = htons(x->inside_port);
	orig->dport = htons(x->remote_port);
	orig->proto = reply->proto = BPFALG_IPPROTO_UDP;
	orig->family = reply->family = fam;
	memcpy(reply->saddr, x->remote, alen);
	memcpy(reply->daddr, pub, alen);
	reply->sport = htons(x->remote_port);
	reply->dport = htons(p);
}

/* ---- the session's bindings, indexed by public port (see engine.h) */

static int *bind_head(struct session *s, __be16 port)
{
	return &s->bind_ht[ntohs(port) & (s->bind_ht_size - 1)];
}

static void bind_link(struct session *s, unsigned int i)
{
	int *h = bind_head(s, s->bind[i].reply.dport);

	s->bind[i].hnext = *h;
	*h = (int)i;
}

static void bind_unlink(struct session *s, unsigned int i)
{
	int *pp = bind_head(s, s->bind[i].reply.dport);

	while (*pp >= 0 && *pp != (int)i)
		pp = &s->bind[*pp].hnext;
	if (*pp >= 0)
		*pp = s->bind[i].hnext;
}

/* Room for one more binding: array and index doubled as needed. */
static int bind_grow(struct session *s)
{
	if (s->n_bind == s->cap_bind) {
		unsigned int cap = s->cap_bind ? 2 * s->cap_bind : 8;
		void *p = realloc(s->bind, cap * sizeof(*s->bind));

		if (!p)
			return -1;
		s->bind = p;
		s->cap_bind = cap;
	}
	if (s->n_bind >= s->bind_ht_size) {
		unsigned int size = s->bind_ht_size ? 2 * s->bind_ht_size : 16;
		int *ht = malloc(size * sizeof(*ht));

		if (!ht)
			return -1;
		for (unsigned int i = 0; i < size; i++)
			ht[i] = -1;
		free(s->bind_ht);
		s->bind_ht = ht;
		s->bind_ht_size = size;
		for (unsigned int i = 0; i < s->n_bind; i++)
			bind_link(s, i);
	}
	return 0;
}

/* Remove binding @i (the last one takes its place). */
static void bind_remove(struct session *s, unsigned int i)
{
	unsigned int last = s->n_bind - 1;

	bind_unlink(s, i);
	if (i != last) {
		bind_unlink(s, last);
		s->bind[i] = s->bind[last];
		bind_link(s, i);
	}
	s->n_bind--;
}

static int svc_bind(void *ctx, struct alg_flow *af, const struct alg_expect *x,
		    uint16_t *public_port, const char **why)
{
	struct session *s = ctx;
	struct engine *e = s->e;
	struct bpfalg_tuple orig, reply;
	struct bpfalg_flow f;
	__u32 cookie;

	if (dp_proto(x) != BPFALG_IPPROTO_UDP || !x->remote_port ||
	    !x->inside_port) {
		*why = "a binding needs UDP and both ports";
		return -1;
	}
	if (s->closing) {
		*why = "the control connection is closing";
		return -1;
	}
	if (s->n_bind >= ENGINE_MAX_BIND_PER_FLOW) {
		*why = "binding limit of this control flow reached";
		return -1;
	}
	if (bind_grow(s)) {
		*why = "out of memory";
		return -1;
	}
	for (int i = 0; i < port_tries(x); i++) {
		uint16_t p = x->family == AF_INET6 ? x->inside_port :
						     pick_port(e, x, i);

		bind_tuples(x, af->public_addr, p, &orig, &reply);
		if (fwd_owns(e, orig.family, p))
			continue; /* a port-forward's: never shadowed */
		/* the remote's first packet may have taken a pinhole of this
		 * session already: that flow is the binding
		 */
		{
			struct bpfalg_tuple in = reply, fr;

			if (!flowtab_lookup(&e->ft, &in, &f, NULL) &&
			    (bpfalg_flow_reply(&f, &in, &fr),
			     !memcmp(&fr, &orig, sizeof(orig)))) {
				*public_port = p;
				log_grant(af, "binding (exists)", x, p, 0);
				return 0;
			}
		}
		/* the inside end sent first: its flow may already hold
		 * exactly this public port
		 */
		if (!flowtab_lookup(&e->ft, &orig, &f, NULL)) {
			struct bpfalg_tuple fr;

			bpfalg_flow_reply(&f, &orig, &fr);
			if (!memcmp(&fr, &reply, sizeof(reply))) {
				*public_port = p;
				log_grant(af, "binding (exists)", x, p, 0);
				return 0;
			}
			if (x->public_port) {
				/* another public port: the media must
				 * leave from the one announced
				 */
				flowtab_delete(&e->ft, &orig, f.cookie);
			}
		}
		/* a pinhole of ours on this port gives way to the binding */
		{
			struct bpfalg_pinhole_key k = { 0 };
			struct bpfalg_pinhole v;

			memcpy(k.remote, x->remote, 16);
			k.public_port = htons(p);
			k.proto = BPFALG_IPPROTO_UDP;
			k.family = orig.family;
			if (!bpf_map_lookup_elem(e->fd_pinholes, &k, &v) &&
			    !memcmp(&v.owner, &s->key, sizeof(s->key)))
				bpf_map_delete_elem(e->fd_pinholes, &k);
		}
		if (bind_insert(e, s, &orig, &reply, &cookie))
			continue;
		s->bind[s->n_bind].orig = orig;
		s->bind[s->n_bind].reply = reply;
		s->bind[s->n_bind].cookie = cookie;
		bind_link(s, s->n_bind);
		s->n_bind++;
		*public_port = p;
		log_grant(af, "binding", x, p, 0);
		events_emit(
			EV_BIND_OPEN, af->tag, EV_STR("proto", "udp"),
			EV_EP("inside", x->family, x->inside, x->inside_port),
			EV_U64("public_port", p),
			EV_EP("remote", x->family, x->remote, x->remote_port));
		return 0;
	}
	*why = x->public_port ? "that public port is taken (a flow or a "
				"port-forward)" :
				"no free public port for the media";
	return -1;
}

static void svc_release(void *ctx, struct alg_flow *af, uint8_t proto,
			uint16_t public_port)
{
	struct session *s = ctx;
	struct engine *e = s->e;
	__be16 p = htons(public_port);
	unsigned int i = 0;

	while (i < s->n_ph) {
		if (s->ph[i].k.public_port != p || s->ph[i].k.proto != proto) {
			i++;
			continue;
		}
		ph_drop(e, s, i, "released");
	}
	if (!s->bind_ht_size)
		return;
	for (int j = *bind_head(s, p), nx; j >= 0; j = nx) {
		struct session_bind *b = &s->bind[j];

		nx = b->hnext;
		if (b->reply.dport != p || b->reply.proto != proto)
			continue;
		/* only what is still ours: another binding may have taken
		 * the same inside/peer pair since (a re-INVITE, a second
		 * call with the same ports)
		 */
		flowtab_delete(&e->ft, &b->orig, b->cookie);
		pr_info("[%s] binding on public port %u removed\n", af->tag,
			public_port);
		events_emit(EV_BIND_CLOSED, af->tag, EV_STR("proto", "udp"),
			    EV_U64("public_port", public_port),
			    EV_STR("reason", "released"));
		/* the last binding moves to j: the walk restarts at the
		 * chain's head (the removed ones are gone from it)
		 */
		bind_remove(s, (unsigned int)j);
		nx = *bind_head(s, p);
	}
}

static void svc_step_aside(void *ctx, struct alg_flow *af)
{
	struct session *s = ctx;

	s->ctl.flags |= BPFALG_CTL_BYPASS;
	publish_ctl(s);
}

static void svc_call_put(void *ctx, struct alg_flow *af, uint64_t key,
			 const struct bpfalg_call *c)
{
	struct session *s = ctx;
	struct bpfalg_call v = *c;

	v.signalling = s->key;
	if (bpf_map_update_elem(s->e->fd_calls, &key, &v, BPF_ANY))
		pr_debug("[%s] call not published: %s\n", af->tag,
			 strerror(errno));
}

static void svc_call_del(void *ctx, struct alg_flow *af, uint64_t key)
{
	struct session *s = ctx;

	bpf_map_delete_elem(s->e->fd_calls, &key);
}

static const struct alg_services services = {
	.expect = svc_expect,
	.bind = svc_bind,
	.release = svc_release,
	.step_aside = svc_step_aside,
	.call_put = svc_call_put,
	.call_del = svc_call_del,
};

/* ------------------------------------------------------ stream glue */

static int line_cb(void *ctx, int dir, const uint8_t *line, size_t len,
		   uint8_t *out, size_t cap)
{
	struct session *s = ctx;

	return s->mod->line(s->af, dir, line, len, out, cap);
}

static bool hold_cb(void *ctx, int dir, const uint8_t *buf, size_t len)
{
	struct session *s = ctx;

	return !s->af->tls && s->mod->hold(s->af, dir, buf, len);
}

static long frame_cb(void *ctx, int dir, const uint8_t *buf, size_t len)
{
	struct session *s = ctx;

	return s->af->tls ? -1 : s->mod->frame(s->af, dir, buf, len);
}

static const struct stream_ops stream_ops = {
	.line = line_cb,
	.hold = hold_cb,
};

/* For modules whose TCP streams are messages (SIP). */
static const struct stream_ops stream_ops_framed = {
	.line = line_cb,
	.hold = hold_cb,
	.frame = frame_cb,
};

/* ------------------------------------------------------- sessions */

static void session_drop(struct engine *e, struct session *s, bool keep_ctl);

/*
 * Make room for a session of @k: at the per-source cap the source's
 * least recently active session goes, at the table's size the table's.
 * Only sessions without media bindings are taken (ending those would cut
 * calls and streams); the flow itself lives on, and a session is rebuilt
 * when it speaks again (its sequence history stays in ctl).  false: every
 * candidate holds bindings.
 */
static bool session_room(struct engine *e, const struct bpfalg_tuple *k)
{
	struct session *old_src = NULL, *old_all = NULL, *victim;
	unsigned int n_src = 0;
	int alen = k->family == BPFALG_AF_INET ? 4 : 16;

	if (e->n_sessions < e->cfg.max_sessions &&
	    e->n_sessions < e->cfg.sessions_per_source)
		return true; /* no cap can be reached */
	for (unsigned int b = 0; b < ENGINE_BUCKETS; b++)
		for (struct session *s = e->tab[b]; s; s = s->next) {
			bool same = s->key.family == k->family &&
				    !memcmp(s->key.saddr, k->saddr, alen);

			n_src += same;
			if (s->n_bind)
				continue;
			if (!old_all || s->last_ns < old_all->last_ns)
				old_all = s;
			if (same && (!old_src || s->last_ns < old_src->last_ns))
				old_src = s;
		}
	if (n_src >= e->cfg.sessions_per_source)
		victim = old_src;
	else if (e->n_sessions >= e->cfg.max_sessions)
		victim = old_all;
	else
		return true;
	if (!victim)
		return false;
	victim->af->cnt[BPFALG_AS_SESSIONS_EVICTED]++;
	pr_info("[%s] evicted to make room (%s): rebuilt if it speaks again\n",
		victim->af->tag,
		n_src >= e->cfg.sessions_per_source ? "per-source cap" :
						      "session table full");
	session_drop(e, victim, true);
	return true;
}

static struct session *session_new(struct engine *e,
				   const struct bpfalg_punt_hdr *h,
				   const struct bpfalg_flow *f)
{
	const struct bpfalg_tuple *k = &h->key;
	struct alg_flow *af;
	struct session *s;
	int alen = k->family == BPFALG_AF_INET ? 4 : 16;

	if (!session_room(e, k)) {
		if (h->alg < BPFALG_ALG_MAX)
			e->cnt[h->alg][BPFALG_AS_SESSIONS_FULL]++;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->mod = alg_modules[h->alg];
	s->af = calloc(1, s->mod->flow_size);
	if (!s->af) {
		free(s);
		return NULL;
	}
	s->key = *k;
	s->cookie = f->cookie;
	bpfalg_flow_reply(f, k, &s->reply);
	s->id = ++e->next_id;
	s->alg = h->alg;
	s->in_ifindex = f->in_ifindex;
	s->e = e;
	af = s->af;
	/* made before this controller started: a restart, whose protocol
	 * state (FTP's greeting) was not seen
	 */
	af->resumed = f->created_s < e->started_s;
	af->family = k->family == BPFALG_AF_INET ? AF_INET : AF_INET6;
	if (f->nat == BPFALG_NAT_DNAT ||
	    (f->nat == BPFALG_NAT_NONE &&
	     (f->flags & BPFALG_FF_FROM_FORWARD))) {
		/* port-forward: the server is inside */
		af->inside_is_client = false;
		memcpy(af->inside, s->reply.saddr, alen);
		memcpy(af->public_addr, k->daddr, alen);
		memcpy(af->peer, k->saddr, alen);
		af->inside_port = ntohs(s->reply.sport);
		af->public_port = ntohs(k->dport);
		af->peer_port = ntohs(k->sport);
	} else {
		af->inside_is_client = true;
		memcpy(af->inside, k->saddr, alen);
		memcpy(af->public_addr,
		       f->nat == BPFALG_NAT_SNAT ? s->reply.daddr : k->saddr,
		       alen);
		memcpy(af->peer, k->daddr, alen);
		af->inside_port = ntohs(k->sport);
		af->public_port = f->nat == BPFALG_NAT_SNAT ?
					  ntohs(s->reply.dport) :
					  ntohs(k->sport);
		af->peer_port = ntohs(k->dport);
	}
	snprintf(af->tag, sizeof(af->tag), "%s#%u", alg_name(s->alg), s->id);
	af->lim = &e->lim;
	af->pol = &e->pol[s->alg];
	af->svc = &services;
	af->svc_ctx = s;
	af->cnt = e->cnt[s->alg < BPFALG_ALG_MAX ? s->alg : 0];
	stream_init(&s->st, s->mod->frame ? &stream_ops_framed : &stream_ops, s,
		    &e->sstats[s->alg < BPFALG_ALG_MAX ? s->alg : 0]);

	/* a restarted controller continues the published history */
	if (!bpf_map_lookup_elem(e->fd_ctl, k, &s->ctl)) {
		stream_load_adj(&s->st, 0, &s->ctl.dir[0]);
		stream_load_adj(&s->st, 1, &s->ctl.dir[1]);
		if (s->ctl.flags & BPFALG_CTL_BYPASS)
			af->tls = true;
		if (s->ctl.flags & BPFALG_CTL_SEEN)
			af->resumed = true; /* evicted before, not new */
		if (s->ctl.flags & BPFALG_CTL_NOT_PROTO)
			af->not_protocol = true;
	}
	/* ... its newest rewritten lines, and what it held back */
	replay_load(e, s);
	{
		uint32_t hb = tuple_hash(k);

		s->next = e->tab[hb];
		e->tab[hb] = s;
	}
	e->n_sessions++;
	if (s->mod->init)
		s->mod->init(af);
	{
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

		inet_ntop(af->family, k->saddr, a, sizeof(a));
		inet_ntop(af->family, k->daddr, b, sizeof(b));
		pr_info("[%s] control flow %s:%u -> %s:%u (%s inside)\n",
			af->tag, a, ntohs(k->sport), b, ntohs(k->dport),
			af->inside_is_client ? "client" : "server");
	}
	return s;
}

/*
 * Forget a session.  @keep_ctl: its flow lives on (an eviction): the
 * sequence history stays for the datapath and for the session rebuilt
 * later, marked SEEN when the module knew the flow spoke its protocol
 * (FTP: greeted; a flow found not to be FTP stays so).
 */
static void session_drop(struct engine *e, struct session *s, bool keep_ctl)
{
	struct session **pp = &e->tab[tuple_hash(&s->key)];

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	if (!keep_ctl) {
		bpf_map_delete_elem(e->fd_ctl, &s->key);
		replay_forget(e, &s->key);
	} else if (s->key.proto == BPFALG_IPPROTO_TCP) {
		if (s->af->proto_ok)
			s->ctl.flags |= BPFALG_CTL_SEEN;
		publish_ctl(s);
	}
	if (s->mod->fini)
		s->mod->fini(s->af);
	stream_free(&s->st);
	e->n_sessions--;
	free(s->bind);
	free(s->bind_ht);
	answer_free(s);
	free(s->af);
	free(s);
}

static void session_free(struct engine *e, struct session *s)
{
	session_drop(e, s, false);
}

/* Forget the pinholes that are gone: consumed by the datapath, or expired
 * by the GC.  Run when the datapath reports one used (so the per-flow limit
 * and the counters follow at once), when a grant meets the limit, and
 * every second.
 */
static void session_reap_ph(struct engine *e, struct session *s, uint64_t now)
{
	__u64 *cnt = s->af->cnt;
	unsigned int i = 0;

	while (i < s->n_ph) {
		struct bpfalg_pinhole v;

		if (!bpf_map_lookup_elem(e->fd_pinholes, &s->ph[i].k, &v) &&
		    !memcmp(&v.owner, &s->key, sizeof(s->key))) {
			i++;
			continue;
		}
		/* gone: consumed by the datapath, or expired by the GC */
		if (now < s->ph[i].expires_ns) {
			cnt[BPFALG_AS_PH_USED]++;
			events_pinhole(EV_PH_USED, s->af->tag, &s->ph[i].k,
				       NULL, NULL);
		} else {
			cnt[BPFALG_AS_PH_EXPIRED]++;
		}
		s->ph[i] = s->ph[--s->n_ph];
	}
}

/* --------------------------------------------------------- packets */

/* Build and send one segment; failures are counted, never retried.
 * Returns 0 or the negative errno of the send.
 */
static int send_seg(struct engine *e, const struct seg *g,
		    const struct seg_build *b, __u64 *cnt, const char *tag)
{
	uint8_t pkt[SEG_MAX_PKT];
	int n = seg_build(g, b, pkt, sizeof(pkt)), rc;

	if (n < 0) {
		cnt[BPFALG_AS_REINJECT_FAIL]++;
		return -EMSGSIZE;
	}
	rc = reinject_send(&e->rj, g->family, pkt, (size_t)n);
	if (rc == -EMSGSIZE && b->plen > MTU_MIN_PAYLOAD)
		return rc; /* the caller sends it in smaller pieces */
	if (rc) {
		cnt[BPFALG_AS_REINJECT_FAIL]++;
		pr_warn("[%s] reinjection failed: %s\n", tag, strerror(-rc));
	}
	return rc;
}

/*
 * One chunk of stream output.  Larger than the way out allows (a tunnel,
 * PPPoE, any link narrower than the sender's): the kernel says EMSGSIZE
 * and no ICMP reaches the sender, so the controller cuts it in halves
 * itself, and cuts that direction's later output at the size that went.
 */
static void send_chunk(struct engine *e, struct session *s, int dir,
		       const struct seg *g, struct seg_build *b)
{
	struct stream_dir *d = &s->st.d[dir];
	bool fin = !b->clear_fin, psh = !b->clear_psh;
	const uint8_t *p = b->payload;
	size_t len = b->plen, half;

	if (send_seg(e, g, b, s->af->cnt, s->af->tag) != -EMSGSIZE)
		return;
	half = (len + 1) / 2;
	s->af->cnt[BPFALG_AS_SPLIT]++;
	if (!d->path_mss || half < d->path_mss)
		d->path_mss = half;
	for (size_t off = 0; off < len; off += half) {
		struct seg_build pb = *b;
		size_t n = len - off > half ? half : len - off;

		pb.seq = b->seq + (uint32_t)off;
		pb.payload = p + off;
		pb.plen = n;
		pb.clear_fin = !(fin && off + n == len);
		pb.clear_psh = !(psh && off + n == len);
		send_chunk(e, s, dir, g, &pb);
	}
}

static void send_chunks(struct engine *e, struct session *s, int dir,
			const struct seg *g, const struct bpfalg_punt_hdr *h)
{
	const struct bpfalg_seqadj *peer = &s->st.d[dir ^ 1].adj;
	struct stream_out *o = &e->out;

	for (int i = 0; i < o->n; i++) {
		const struct stream_chunk *c = &o->chunk[i];
		struct seg_build b = {
			.seq = c->seq,
			.ack = (g->flags & TCP_ACK) ?
				       seqadj_unack(peer, g->ack) :
				       g->ack,
			.sack_adj = peer,
			.payload = o->buf + c->off,
			.plen = c->len,
			.dec_ttl = h->ingress,
			.clear_fin = !c->fin,
			.clear_psh = i + 1 < o->n,
		};

		send_chunk(e, s, dir, g, &b);
	}
}

/*
 * The policy refused what direction @dir sent: @n (TCP: seq, ack, window;
 * UDP; and the answer's text) goes back to that sender as if from the
 * other end, addressed the way the sender sees the connection (the
 * reverse of its own direction's tuple).
 */
static void send_answer(struct engine *e, struct session *s, int dir,
			struct seg_new *n)
{
	const struct bpfalg_tuple *t = dir ? &s->reply : &s->key;
	int alen = t->family == BPFALG_AF_INET ? 4 : 16;
	uint8_t pkt[SEG_MAX_PKT];
	int len, rc;

	n->family = t->family == BPFALG_AF_INET ? AF_INET : AF_INET6;
	n->sport = ntohs(t->dport);
	n->dport = ntohs(t->sport);
	memcpy(n->saddr, t->daddr, alen);
	memcpy(n->daddr, t->saddr, alen);
	len = seg_build_new(n, pkt, sizeof(pkt));
	rc = len < 0 ? -EMSGSIZE : reinject_send(&e->rj, n->family, pkt, len);
	if (rc) {
		s->af->cnt[BPFALG_AS_REINJECT_FAIL]++;
		pr_warn("[%s] refusal not sent: %s\n", s->af->tag,
			strerror(-rc));
	}
}

/*
 * What an answer to the sender of @dir acknowledges: its bytes up to the
 * refused line's end @b, but never beyond what the other end itself has
 * acknowledged (the bytes before the refused line may still be on their
 * way, or lost: acknowledged by us, they would never be sent again).
 * The other end's acknowledgement maps over the refused line once it has
 * everything before it.  (The refused sender may then retransmit the line
 * until the other end speaks: that is answered again, never passed.)
 */
static uint32_t answer_ack(const struct session *s, int dir, uint32_t b)
{
	uint32_t got;

	/* nothing seen from the other end yet: it has at least what came
	 * before this stream's first byte (its SYN-ACK said so)
	 */
	if (!s->have_acked[dir])
		got = s->st.d[dir].first;
	else
		got = seqadj_unack(&s->st.d[dir].adj, s->acked[dir]);
	return (int32_t)(got - b) < 0 ? got : b;
}

static void answer_send(struct engine *e, struct session *s,
			struct session_answer *a);
static void session_reset(struct engine *e, struct session *s, const char *why);

/* The TCP refusals of this segment, at the point stream.c inserted them. */
static void send_refusal(struct engine *e, struct session *s, int dir)
{
	const struct stream_out *o = &e->out;
	struct session_answer *a;
	struct seg_new n = {
		.seq = o->inject_seq,
		.ack = o->inject_ack,
		.window = s->win[dir ^ 1] ? s->win[dir ^ 1] : s->win[dir],
		.payload = o->inject,
		.plen = o->inject_len,
	};

	if (o->inject_failed)
		pr_warn("[%s] refused without an answer: %s\n", s->af->tag,
			o->inject_failed);
	if (!o->inject_len)
		return;
	/* kept until acknowledged (struct session_answer).  One right
	 * after the newest extends it.
	 */
	a = answer_last(s);
	if (a && a->dir == dir && a->seq + (uint32_t)a->len == o->inject_seq &&
	    a->len + o->inject_len <= sizeof(a->text)) {
		memcpy(a->text + a->len, o->inject, o->inject_len);
		a->len += o->inject_len;
	} else if (s->ans[ENGINE_ANSWERS - 1]) {
		/* every slot holds an answer its receiver has not
		 * acknowledged (its segments say it lacks them, the first
		 * one at least).  Giving one up (the oldest, before) left a
		 * hole nobody fills when that one was lost: the receiver's
		 * acknowledgement stopped there for good and the connection
		 * hung.  A reset ends it the way both ends see.
		 */
		session_reset(e, s, "too many refusal answers unacknowledged");
		return;
	} else if ((a = answer_slot(s))) {
		memcpy(a->text, o->inject, o->inject_len);
		a->len = o->inject_len;
		a->seq = o->inject_seq;
		a->dir = dir;
	} else {
		n.ack = answer_ack(s, dir, n.ack);
		send_answer(e, s, dir, &n);
		return;
	}
	a->ack = o->inject_ack;
	a->sends = 0;
	a->timed = 0;
	answer_send(e, s, a);
}

/*
 * Direction @dir holds bytes back: acknowledge them to their sender as
 * the other end would (at the position the sender says it has reached in
 * the other direction), so that it sends the rest of the line.  Only once
 * the other end is known to have everything before them: a cumulative
 * acknowledgement of the held bytes covers those too, and they would
 * never be sent again if they were lost.
 */
static void send_hold_ack(struct engine *e, struct session *s, int dir,
			  const struct seg *g)
{
	struct seg_new n = {
		.seq = g->ack,
		.ack = e->out.hold_ack_seq,
		.window = s->win[dir ^ 1] ? s->win[dir ^ 1] : s->win[dir],
		.flags = TCP_ACK,
	};
	uint32_t start = s->st.d[dir].sent;

	/* a rebuilt session knows nothing of what came before its first
	 * byte until the other end's acknowledgement is seen
	 */
	if (!e->out.hold_ack || !(g->flags & TCP_ACK) ||
	    (!s->have_acked[dir] && s->st.d[dir].loaded) ||
	    (int32_t)(answer_ack(s, dir, start) - start) < 0)
		return;
	send_answer(e, s, dir, &n);
}

/* (Re)send a kept answer. */
static void answer_send(struct engine *e, struct session *s,
			struct session_answer *a)
{
	struct seg_new n = {
		.seq = a->seq,
		.ack = answer_ack(s, a->dir, a->ack),
		.window = s->win[a->dir ^ 1] ? s->win[a->dir ^ 1] :
					       s->win[a->dir],
		.payload = a->text,
		.plen = a->len,
	};

	if (a->sends++)
		s->af->cnt[BPFALG_AS_ANSWER_RESENT]++;
	a->sent_ns = mono_ns();
	send_answer(e, s, a->dir, &n);
}

#define ANSWER_AGAIN_NS (200 * 1000000ULL)
#define ANSWER_SENDS_MAX 8

/*
 * Segment @g of direction @dir: does it acknowledge kept answers (then
 * forget them), or show that its sender has not got one (it retransmits
 * the refused line, or acknowledges less): then send it again.
 */
static void answer_follow(struct engine *e, struct session *s, int dir,
			  const struct seg *g)
{
	int i = 0;

	if (!(g->flags & TCP_ACK))
		return;
	while (i < ENGINE_ANSWERS && s->ans[i]) {
		struct session_answer *a = s->ans[i];

		if (a->dir != dir) {
			i++;
			continue;
		}
		if ((int32_t)(g->ack - (a->seq + (uint32_t)a->len)) >= 0) {
			free(a);
			memmove(s->ans + i, s->ans + i + 1,
				sizeof(s->ans[0]) * (ENGINE_ANSWERS - 1 - i));
			s->ans[ENGINE_ANSWERS - 1] = NULL;
			continue;
		}
		/* not counted against the timer's sends: the receiver says
		 * it has not got it
		 */
		if (e->out.refused_again ||
		    mono_ns() - a->sent_ns >= ANSWER_AGAIN_NS)
			answer_send(e, s, a);
		i++;
	}
}

/*
 * Piece [@seq, @seq + @len) of direction @dir (original numbers) went out
 * before (@resent): its receiver has not acknowledged it.  A kept answer
 * to that receiver placed before the piece's bytes in the same wire
 * numbers has then most likely not arrived either: send it again (at
 * most every ANSWER_AGAIN_NS, not counted against the timer's sends).
 * The answer's receiver may have nothing left to send, and its pure
 * ACKs (which show the hole) never reach us: once the timer has given
 * up, the other end's retransmissions are the only sign left, and
 * without this they went on past a hole nobody filled.
 */
static void answer_behind(struct engine *e, struct session *s, int dir,
			  uint32_t seq, size_t len, bool resent)
{
	uint32_t last = seq + (uint32_t)len - 1, wire;

	if (!resent || !len)
		return;
	wire = last + (uint32_t)seqadj_off(&s->st.d[dir].adj, last);
	for (int i = 0; i < ENGINE_ANSWERS && s->ans[i]; i++) {
		struct session_answer *a = s->ans[i];

		if (a->dir != (dir ^ 1) || (int32_t)(wire - a->seq) < 0 ||
		    mono_ns() - a->sent_ns < ANSWER_AGAIN_NS)
			continue;
		answer_send(e, s, a);
	}
}

/* The timer's part: 1, 2, 4, 8 s after the last send, ANSWER_SENDS_MAX
 * sends in all with the first.
 */
static void answer_tick(struct engine *e, struct session *s, uint64_t now)
{
	for (int i = 0; i < ENGINE_ANSWERS && s->ans[i]; i++) {
		struct session_answer *a = s->ans[i];
		unsigned int k;

		if (a->timed >= ANSWER_SENDS_MAX - 1)
			continue;
		k = a->timed < 3 ? a->timed : 3;
		if (now - a->sent_ns >= (NSEC << k)) {
			a->timed++;
			answer_send(e, s, a);
		}
	}
}

static void send_unchanged(struct engine *e, const struct seg *g,
			   const struct bpfalg_punt_hdr *h, __u64 *cnt);

/*
 * A punted datagram (SIP over UDP): the module sees the whole message and
 * returns the one to send, or refuses it with an answer for its sender.
 */
static void dgram_punt(struct engine *e, struct session *s, int dir,
		       const struct seg *g, const struct bpfalg_punt_hdr *h)
{
	static uint8_t out[SEG_MAX_PKT];
	const uint8_t *msg = g->frame + g->payload;
	int n;

	if (!s->mod->dgram) {
		if (h->reason == BPFALG_PUNT_ALG_PAYLOAD)
			send_unchanged(e, g, h, s->af->cnt);
		return;
	}
	n = s->mod->dgram(s->af, dir, msg, g->plen, out, sizeof(out) - 128);
	if (h->reason != BPFALG_PUNT_ALG_PAYLOAD)
		return; /* observe: the original went on by itself */
	if (n == ALG_LINE_REFUSE) {
		struct seg_new r = {
			.proto = 17,
			.payload = out,
			.plen = strnlen((const char *)out, sizeof(out) - 128),
		};

		if (r.plen)
			send_answer(e, s, dir, &r);
		return;
	}
	{
		struct seg_build b = {
			.payload = n >= 0 ? out : msg,
			.plen = n >= 0 ? (size_t)n : g->plen,
			.dec_ttl = h->ingress,
		};

		send_seg(e, g, &b, s->af->cnt, s->af->tag);
	}
}

/* Forward a punted packet as it is (no session could be made). */
static void send_unchanged(struct engine *e, const struct seg *g,
			   const struct bpfalg_punt_hdr *h, __u64 *cnt)
{
	struct seg_build b = {
		.seq = g->seq,
		.ack = g->ack,
		.payload = g->frame + g->payload,
		.plen = g->plen,
		.dec_ttl = h->ingress,
	};

	send_seg(e, g, &b, cnt, "engine");
}

/*
 * Bytes [off, off + n) of TCP segment @g's payload (all of it, unless the
 * datapath punted a GRO-merged packet): through the stream, and what it
 * says goes out.
 */
static void stream_piece(struct engine *e, struct session *s, int dir,
			 const struct seg *g, const struct bpfalg_punt_hdr *h,
			 size_t off, size_t n, bool fin)
{
	struct stream_in in = {
		.seq = g->seq + ((g->flags & TCP_SYN) ? 1 : 0) + (uint32_t)off,
		.data = g->frame + g->payload + off,
		.len = n,
		.seg_size = h->gso_size,
		.fin = fin,
		.has_ack = g->flags & TCP_ACK,
		.ack = g->ack,
		.now_ns = s->last_ns,
	};
	const struct stream_dir *d = &s->st.d[dir];
	/* before the stream takes it: did these bytes go out before? */
	bool resent =
		d->init ? (int32_t)(in.seq - d->sent) < 0 :
			  d->loaded && (int32_t)(in.seq - d->loaded_end) < 0;

	stream_segment(&s->st, dir, &in, &e->out);
	if (h->reason != BPFALG_PUNT_ALG_PAYLOAD)
		return; /* observe: the original went on by itself */
	if (e->out.dropped != stream_forgotten)
		s->forgotten[dir] = 0;
	else if (++s->forgotten[dir] >= 3)
		session_reset(e, s,
			      "the sender keeps retransmitting a rewrite no "
			      "record is left of");
	if (s->af->not_protocol && !(s->ctl.flags & BPFALG_CTL_NOT_PROTO)) {
		s->ctl.flags |= BPFALG_CTL_NOT_PROTO;
		e->out.adj_changed = true; /* published below */
	}
	if (e->out.adj_changed || e->out.held_sent) {
		replay_save(s, dir);
		if (e->out.n_refused)
			replay_save(s, dir ^ 1);
	}
	if (e->out.hold_ack || s->hold_kept[dir])
		hold_save(s, dir);
	sent_save(s, dir);
	acked_save(s, dir ^ 1);
	if (e->out.dropped)
		pr_debug("[%s] segment not sent: %s\n", s->af->tag,
			 e->out.dropped);
	if (e->out.adj_changed)
		publish_ctl(s); /* before the peer can acknowledge it */
	send_chunks(e, s, dir, g, h);
	send_hold_ack(e, s, dir, g);
	answer_follow(e, s, dir, g);
	answer_behind(e, s, dir, in.seq, n, resent);
	if (e->out.n_refused)
		send_refusal(e, s, dir);
}

int engine_punt(struct engine *e, const void *data, size_t size)
{
	const struct bpfalg_punt_hdr *h = data;
	const uint8_t *frame = (const uint8_t *)(h + 1);
	struct bpfalg_flow f;
	struct session *s;
	struct seg g;
	const char *why;
	__u64 *cnt;
	int dir;

	if (size < sizeof(*h) || h->layout_version != BPFALG_LAYOUT_VERSION ||
	    h->pkt_len > size - sizeof(*h) || h->alg == BPFALG_ALG_NONE ||
	    h->alg >= BPFALG_ALG_MAX) {
		/* only a datapath of another layout writes such a record */
		pr_warn("[engine] malformed punt event (%zu bytes) dropped\n",
			size);
		return 0;
	}
	cnt = e->cnt[h->alg];
	if (seg_parse(frame, h->pkt_len, &g, &why)) {
		cnt[BPFALG_AS_BAD_INPUT]++;
		pr_warn("[engine] punted packet dropped: %s\n", why);
		return 0;
	}
	cnt[BPFALG_AS_SEGMENTS]++;
	dir = h->dir & 1;
	s = session_find(e, &h->key);
	if (!s) {
		if (flowtab_lookup(&e->ft, &h->key, &f, NULL) ||
		    !alg_modules[h->alg] || !(s = session_new(e, h, &f))) {
			if (h->reason == BPFALG_PUNT_ALG_PAYLOAD)
				send_unchanged(e, &g, h, cnt);
			return 0;
		}
	}
	s->last_ns = mono_ns();
	events_punt_session(s->alg, s->id);
	/* the datapath punts an original only when the ALG is on, and a
	 * copy when it observes: the reason is the mode
	 */
	s->af->mode = h->reason == BPFALG_PUNT_ALG_PAYLOAD ?
			      BPFALG_MODE_ON :
			      BPFALG_MODE_OBSERVE;
	if (g.proto == 17) {
		dgram_punt(e, s, dir, &g, h);
		return 0;
	}
	s->win[dir] = (uint16_t)(frame[g.l4 + 14] << 8 | frame[g.l4 + 15]);
	if ((g.flags & TCP_ACK) && (!s->have_acked[dir ^ 1] ||
				    (int32_t)(g.ack - s->acked[dir ^ 1]) > 0)) {
		s->acked[dir ^ 1] = g.ack;
		s->have_acked[dir ^ 1] = true;
	}
	if (h->gso_size && g.plen > h->gso_size)
		cnt[BPFALG_AS_MERGED]++;
	/* a GRO-merged packet goes through the stream in pieces of at most
	 * one ordinary punt (the stream's output bounds hold per call); its
	 * output is cut at the sender's segment size
	 */
	for (size_t off = 0; off < g.plen || !off; off += ENGINE_PIECE) {
		size_t n = g.plen - off > ENGINE_PIECE ? ENGINE_PIECE :
							 g.plen - off;

		stream_piece(e, s, dir, &g, h, off, n,
			     off + n == g.plen && (g.flags & TCP_FIN));
	}
	return 0;
}

/* ------------------------------------------------------------ timer */

/*
 * The module keeps the control flow open (a SIP registration, so the
 * registrar's INVITEs still reach the inside UA): refresh the flow's last
 * use while it is idle.  The whole value is written back; a packet counted
 * by the datapath in between may be lost from the flow's counters, which
 * is the price of not having a datapath hook for it.
 */
static void session_keep(struct engine *e, struct session *s, uint64_t now)
{
	struct bpfalg_flow f;

	if (s->af->keep_until_ns <= now ||
	    flowtab_lookup(&e->ft, &s->key, &f, NULL) ||
	    now - f.last_seen_ns < 2 * NSEC)
		return;
	flowtab_touch(&e->ft, &s->key, now);
}

/*
 * A partial line the policy or the framing depends on never ended (a peer
 * may park "STO" and send "R secret" minutes later): sending it unchecked
 * is what it wants, so both ends get a reset, each as from the other at
 * the position it expects next, and the flow ends here.
 */
static void session_reset(struct engine *e, struct session *s, const char *why)
{
	struct bpfalg_flow f;
	bool have_flow = !flowtab_lookup(&e->ft, &s->key, &f, NULL) &&
			 f.cookie == s->cookie;

	for (int dir = 0; dir < 2; dir++) {
		const struct stream_dir *mine = &s->st.d[dir];
		const struct stream_dir *other = &s->st.d[dir ^ 1];
		struct seg_new n = { .flags = TCP_RST | TCP_ACK };
		uint32_t pos;

		/* what the other end sent last, in its original numbers */
		if (other->init)
			pos = other->sent;
		else if (have_flow)
			pos = f.tcp_end[dir ^ 1];
		else
			continue;
		n.seq = pos + (uint32_t)seqadj_off(&other->adj, pos);
		n.ack = mine->init ? mine->sent :
				     (have_flow ? f.tcp_end[dir] : 0);
		send_answer(e, s, dir, &n);
	}
	s->af->cnt[BPFALG_AS_RESET]++;
	s->st.closed = true;
	pr_warn("[%s] connection reset: %s\n", s->af->tag, why);
	s->closing = true;
	session_drop_ph(e, s, why);
	if (have_flow)
		flowtab_delete(&e->ft, &s->key, s->cookie);
}

static void session_tick(struct engine *e, struct session *s, uint64_t now)
{
	answer_tick(e, s, now);
	session_reap_ph(e, s, now);
	session_keep(e, s, now);
	if (s->mod->tick)
		s->mod->tick(s->af, now);
	if (!s->st.closed && stream_expire_holds(&s->st, now, HOLD_MAX_NS))
		session_reset(e, s, "a held partial line never ended");
}

/* ctl entries whose flow has gone without a session here to notice
 * (it ended while no controller ran).
 */
static void ctl_sweep(struct engine *e)
{
	/* collect first: deleting the key the walk stands on restarts it */
	static struct bpfalg_tuple gone[256];
	struct bpfalg_tuple cur, nxt;
	struct bpfalg_flow f;
	unsigned int n = 0;
	bool first = true;

	while (n < 256 &&
	       !bpf_map_get_next_key(e->fd_ctl, first ? NULL : &cur, &nxt)) {
		first = false;
		cur = nxt;
		if (flowtab_lookup(&e->ft, &cur, &f, NULL) &&
		    !session_find(e, &cur))
			gone[n++] = cur;
	}
	for (unsigned int i = 0; i < n; i++) {
		bpf_map_delete_elem(e->fd_ctl, &gone[i]);
		replay_forget(e, &gone[i]);
	}
}

/* The mark the datapath takes for reinjected packets: what `up` wrote into
 * cfg (a later `up --reinject-mark` changes it under a running daemon).
 */
static uint32_t engine_reinject_mark(struct engine *e)
{
	struct bpfalg_config c;

	if (bpf_map_lookup_elem(e->fd_cfg, &(__u32){ 0 }, &c) ||
	    !c.reinject_mask)
		return BPFALG_REINJECT_MARK;
	return c.reinject_mark;
}

void engine_pinhole_used(struct engine *e, const struct bpfalg_tuple *owner)
{
	struct session *s = session_find(e, owner);

	if (s && s->n_ph)
		session_reap_ph(e, s, mono_ns());
}

/*
 * Pinholes no session of this controller holds: ALG @alg's when it has
 * been switched out of "on" (@alg BPFALG_ALG_MAX: none), and any whose
 * control flow has ended or is closing (left by a controller that was
 * killed, or made before a restart).  TFTP's are the datapath's own: only
 * the switch removes them.
 */
static void pinhole_sweep(struct engine *e, uint32_t alg)
{
	static struct bpfalg_pinhole_key gone[256];
	struct bpfalg_pinhole_key cur, nxt;
	struct bpfalg_pinhole v;
	struct bpfalg_flow f;
	unsigned int n = 0;
	bool first = true;

	while (n < 256 && !bpf_map_get_next_key(e->fd_pinholes,
						first ? NULL : &cur, &nxt)) {
		first = false;
		cur = nxt;
		if (bpf_map_lookup_elem(e->fd_pinholes, &cur, &v))
			continue;
		if (v.alg == alg)
			gone[n++] = cur;
		else if (v.alg != BPFALG_ALG_TFTP &&
			 !session_find(e, &v.owner) &&
			 (flowtab_lookup(&e->ft, &v.owner, &f, NULL) ||
			  f.state >= BPFALG_ST_FIN_WAIT))
			gone[n++] = cur;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (bpf_map_delete_elem(e->fd_pinholes, &gone[i]))
			continue;
		if (alg < BPFALG_ALG_MAX)
			e->cnt[alg][BPFALG_AS_PH_CLOSED]++;
		events_pinhole(EV_PH_CLOSED, "engine", &gone[i], NULL,
			       alg < BPFALG_ALG_MAX ? "alg not on" :
						      "control flow gone");
	}
	if (n)
		pr_info("[engine] %u pinhole(s) without a live control flow "
			"removed\n",
			n);
}

/* Read the ALG modes; an ALG switched out of "on" loses its pinholes. */
static void engine_modes(struct engine *e)
{
	for (uint32_t a = 1; a < BPFALG_ALG_MAX; a++) {
		struct bpfalg_alg_cfg ac;

		if (bpf_map_lookup_elem(e->fd_alg_cfg, &a, &ac))
			continue;
		if (e->mode[a] == BPFALG_MODE_ON && ac.mode != BPFALG_MODE_ON)
			pinhole_sweep(e, a);
		e->mode[a] = ac.mode;
	}
}

/*
 * What the flow table says of a session's control flow: gone or replaced
 * (a SYN reopened the tuple): the session ends; closing: its pending
 * pinholes go, the session stays for the closing segments' sequence
 * correction.  0 keep, 1 free.
 */
static int session_check_flow(struct engine *e, struct session *s)
{
	struct bpfalg_flow f;

	if (flowtab_lookup(&e->ft, &s->key, &f, NULL) ||
	    f.cookie != s->cookie) {
		pr_info("[%s] control flow ended\n", s->af->tag);
		session_drop_ph(e, s, "control flow ended");
		return 1;
	}
	if (s->key.proto == BPFALG_IPPROTO_TCP &&
	    f.state >= BPFALG_ST_FIN_WAIT && !s->closing) {
		s->closing = true;
		session_drop_ph(e, s, "control connection closing");
	}
	if (e->mode[s->alg < BPFALG_ALG_MAX ? s->alg : 0] != BPFALG_MODE_ON &&
	    s->n_ph)
		session_drop_ph(e, s, "alg not on");
	return 0;
}

/*
 * A session nothing depends on (no pinhole, no media binding, nothing the
 * module keeps open) and without a punt for --session-idle goes; one whose
 * module has not yet seen its protocol (FTP: no greeting) after 30 s.
 * The flow lives on, its history stays in ctl; it is rebuilt if it
 * speaks again.
 */
static bool session_idle(struct engine *e, struct session *s, uint64_t now)
{
	uint64_t lim = e->cfg.session_idle_s;

	if (s->n_ph || s->n_bind || s->af->keep_until_ns > now)
		return false;
	if (s->mod->checks_protocol && !s->af->proto_ok && lim > 30)
		lim = 30;
	return now - s->last_ns > lim * NSEC;
}

void engine_tick(struct engine *e)
{
	uint64_t now = mono_ns();

	engine_modes(e);
	if (++e->ticks % 30 == 1) {
		ctl_sweep(e);
		pinhole_sweep(e, BPFALG_ALG_MAX);
	}
	if (reinject_set_mark(&e->rj, engine_reinject_mark(e)))
		pr_warn("[engine] cannot set the reinject mark: %s\n",
			strerror(errno));

	for (unsigned int b = 0; b < ENGINE_BUCKETS; b++) {
		struct session *s = e->tab[b], *nx;

		for (; s; s = nx) {
			nx = s->next;
			session_tick(e, s, now);
			if (session_check_flow(e, s)) {
				session_free(e, s);
			} else if (session_idle(e, s, now)) {
				s->af->cnt[BPFALG_AS_SESSIONS_IDLE]++;
				pr_info("[%s] idle: session dropped (rebuilt "
					"if the flow speaks again)\n",
					s->af->tag);
				session_drop(e, s, true);
			}
		}
	}
	engine_flush_stats(e);
}

void engine_set_policy(struct engine *e, unsigned int alg,
		       const struct alg_policy *p)
{
	if (alg < BPFALG_ALG_MAX)
		e->pol[alg] = *p;
}

void engine_set_config(struct engine *e, const struct engine_config *cfg)
{
	e->cfg = *cfg;
	e->lim.min_data_port = cfg->min_data_port;
}

void engine_flush_stats(struct engine *e)
{
	for (__u32 a = 1; a < BPFALG_ALG_MAX; a++) {
		struct bpfalg_alg_stats st;

		e->cnt[a][BPFALG_AS_HELD] = e->sstats[a].held;
		e->cnt[a][BPFALG_AS_RETRANS] = e->sstats[a].retrans;
		e->cnt[a][BPFALG_AS_RETRANS_WHOLE] = e->sstats[a].widened;
		e->cnt[a][BPFALG_AS_PASSED_LONG] = e->sstats[a].passed_long;
		e->cnt[a][BPFALG_AS_OOO] = e->sstats[a].ooo;
		e->cnt[a][BPFALG_AS_DROPPED] = e->sstats[a].dropped;
		memcpy(st.c, e->cnt[a], sizeof(st.c));
		bpf_map_update_elem(e->fd_alg_stats, &a, &st, BPF_ANY);
	}
}

/* ------------------------------------------------------- lifecycle */

int engine_open(struct engine *e, const char *pin_path,
		const struct engine_config *cfg, char *err, size_t errlen)
{
	struct {
		int *fd;
		const char *name;
	} maps[] = {
		{ &e->fd_ctl, "ctl" },
		{ &e->fd_replay, "ctl_replay" },
		{ &e->fd_pinholes, "pinholes" },
		{ &e->fd_forwards, "forwards" },
		{ &e->fd_alg_stats, "alg_stats" },
		{ &e->fd_cfg, "cfg" },
		{ &e->fd_calls, "calls" },
		{ &e->fd_alg_cfg, "alg_cfg" },
	};
	size_t i;

	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
	e->lim.min_data_port = cfg->min_data_port;
	e->rj.fd4 = e->rj.fd6 = -1;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		*maps[i].fd = -1;
	for (i = 0; i < BPFALG_ALG_MAX; i++)
		e->mode[i] = BPFALG_MODE_ON; /* the first tick reads them */
	flowtab_init(&e->ft);
	if (flowtab_open(&e->ft, pin_path, err, errlen))
		goto fail;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		*maps[i].fd = pins_map_fd(pin_path, maps[i].name, err, errlen);
		if (*maps[i].fd < 0)
			goto fail;
	}
	e->started_s = (uint32_t)(mono_ns() / NSEC);
	e->rj.mark = engine_reinject_mark(e);
	if (reinject_open(&e->rj, err, errlen))
		goto fail;
	/* counters continue across controller restarts */
	for (__u32 a = 1; a < BPFALG_ALG_MAX; a++) {
		struct bpfalg_alg_stats st;

		if (bpf_map_lookup_elem(e->fd_alg_stats, &a, &st))
			continue;
		memcpy(e->cnt[a], st.c, sizeof(st.c));
		e->sstats[a].held = st.c[BPFALG_AS_HELD];
		e->sstats[a].retrans = st.c[BPFALG_AS_RETRANS];
		e->sstats[a].widened = st.c[BPFALG_AS_RETRANS_WHOLE];
		e->sstats[a].passed_long = st.c[BPFALG_AS_PASSED_LONG];
		e->sstats[a].ooo = st.c[BPFALG_AS_OOO];
		e->sstats[a].dropped = st.c[BPFALG_AS_DROPPED];
	}
	return 0;
fail:
	engine_close(e);
	return -1;
}

void engine_close(struct engine *e)
{
	for (unsigned int b = 0; b < ENGINE_BUCKETS; b++) {
		while (e->tab[b]) {
			struct session *s = e->tab[b];

			e->tab[b] = s->next;
			/* the ctl entry stays: the datapath keeps adjusting
			 * and a restarted controller picks the flow up
			 */
			stream_free(&s->st);
			free(s->bind);
			free(s->bind_ht);
			answer_free(s);
			free(s->af);
			free(s);
		}
	}
	e->n_sessions = 0;
	flowtab_close(&e->ft);
	int fds[] = { e->fd_ctl,      e->fd_replay,    e->fd_pinholes,
		      e->fd_forwards, e->fd_alg_stats, e->fd_cfg,
		      e->fd_calls,    e->fd_alg_cfg };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	reinject_close(&e->rj);
}
