// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * events.c - see events.h.  Rendering only: every event becomes one JSON
 * object and one aligned text line ("TIME EVENT TAG key=value ..."), made
 * once and handed to the sink, which copies it to each subscriber.  No
 * dependency beyond libc and the log's sanitizer, so the protocol modules
 * that call it link the same in unit tests and fuzz targets.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "engine/events.h"
#include "util/log.h"

volatile int events_subscribers;
volatile int events_capturers;

static events_sink_fn ev_sink;
static events_pkt_sink_fn pkt_sink;
static void *sink_ctx;

static const char *const kind_names[EV_MAX] = {
	[EV_FLOW_NEW] = "flow-new",
	[EV_FLOW_END] = "flow-end",
	[EV_PH_OPEN] = "pinhole-open",
	[EV_PH_USED] = "pinhole-used",
	[EV_PH_EXPIRED] = "pinhole-expired",
	[EV_PH_CLOSED] = "pinhole-closed",
	[EV_PH_REFUSED] = "pinhole-refused",
	[EV_BIND_OPEN] = "binding-open",
	[EV_BIND_CLOSED] = "binding-closed",
	[EV_REWRITE] = "rewrite",
	[EV_OBSERVE] = "observe",
	[EV_POLICY] = "policy-refused",
	[EV_CALL_START] = "call-start",
	[EV_CALL_END] = "call-end",
	[EV_NOT_PROTOCOL] = "not-protocol",
	[EV_LOST] = "lost",
};

/* Kept here rather than taken from config.c/format.c: the modules that
 * emit events are linked into fuzz targets without those.
 */
static const char *const alg_names[BPFALG_ALG_MAX] = { "none", "ftp", "sip",
						       "rtsp", "tftp" };
static const char *const state_names[BPFALG_ST_MAX] = {
	"new",	    "syn_sent",	 "syn_recv", "established",
	"fin_wait", "time_wait", "close",
};
static const char *const nat_names[] = { "none", "snat", "dnat" };

const char *events_kind_name(enum ev_kind k)
{
	return k < EV_MAX && kind_names[k] ? kind_names[k] : "unknown";
}

void events_set_sinks(events_sink_fn ev, events_pkt_sink_fn pkt, void *ctx)
{
	ev_sink = ev;
	pkt_sink = pkt;
	sink_ctx = ctx;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------- rendering */

struct sbuf {
	char *b;
	size_t n, cap;
};

static void sb_putc(struct sbuf *s, char c)
{
	if (s->n + 1 < s->cap)
		s->b[s->n++] = c;
	s->b[s->n < s->cap ? s->n : s->cap - 1] = '\0';
}

static void sb_puts(struct sbuf *s, const char *str)
{
	while (*str)
		sb_putc(s, *str++);
}

static void sb_printf(struct sbuf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->n + 1 >= s->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->b + s->n, s->cap - s->n, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->n = s->n + (size_t)n < s->cap ? s->n + (size_t)n :
						   s->cap - 1;
}

static void json_str(struct sbuf *s, const char *v)
{
	sb_putc(s, '"');
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\') {
			sb_putc(s, '\\');
			sb_putc(s, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			sb_printf(s, "\\u%04x", c);
		} else {
			sb_putc(s, (char)c);
		}
	}
	sb_putc(s, '"');
}

/* key=value, the value quoted when it holds blanks, quotes or nothing */
static void text_val(struct sbuf *s, const char *v)
{
	bool q = !*v || strpbrk(v, " \t\"=\\");

	if (!q) {
		sb_puts(s, v);
		return;
	}
	sb_putc(s, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			sb_putc(s, '\\');
		sb_putc(s, *v);
	}
	sb_putc(s, '"');
}

static void fmt_ep(int family, const void *addr, uint64_t port, bool with_port,
		   char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";
	bool v6 = family == AF_INET6;

	inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	if (!with_port)
		snprintf(buf, cap, "%s", a);
	else if (port)
		snprintf(buf, cap, "%s%s%s:%u", v6 ? "[" : "", a, v6 ? "]" : "",
			 (unsigned int)port);
	else
		snprintf(buf, cap, "%s%s%s:*", v6 ? "[" : "", a, v6 ? "]" : "");
}

struct render {
	char json[8192], text[4096];
	struct sbuf j, t;
};

static struct render R;

static void render_begin(enum ev_kind kind, const char *tag)
{
	uint64_t now = clock_ns(CLOCK_REALTIME);
	time_t sec = (time_t)(now / 1000000000ULL);
	unsigned int us = (unsigned int)(now % 1000000000ULL / 1000);
	char hms[16] = "??:??:??", ev[24];
	struct tm tm;

	R.j = (struct sbuf){ R.json, 0, sizeof(R.json) };
	R.t = (struct sbuf){ R.text, 0, sizeof(R.text) };
	R.json[0] = R.text[0] = '\0';
	if (localtime_r(&sec, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	sb_printf(&R.j, "{\"ts\":%lld.%06u,\"event\":", (long long)sec, us);
	json_str(&R.j, events_kind_name(kind));
	snprintf(ev, sizeof(ev), "[%s]", events_kind_name(kind));
	sb_printf(&R.t, "%s.%06u %-17s %-8s", hms, us, ev, tag ? tag : "-");
	if (tag) {
		const char *hash = strchr(tag, '#');
		unsigned int id = 0;

		sb_puts(&R.j, ",\"tag\":");
		json_str(&R.j, tag);
		if (hash) {
			char alg[16];

			snprintf(alg, sizeof(alg), "%.*s", (int)(hash - tag),
				 tag);
			sscanf(hash + 1, "%u", &id);
			sb_puts(&R.j, ",\"alg\":");
			json_str(&R.j, alg);
			sb_printf(&R.j, ",\"session\":%u", id);
		}
	}
}

static const char *proto_name(uint8_t p, char *buf, size_t cap);

/* {"addr": "...", "port": n}: the endpoint shape of every -j output */
static void json_ep(int family, const void *addr, uint64_t port)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	sb_puts(&R.j, "{\"addr\":");
	json_str(&R.j, a);
	sb_printf(&R.j, ",\"port\":%u}", (unsigned int)port);
}

static void render_field(const struct ev_field *f)
{
	char buf[256];

	sb_printf(&R.j, ",\"%s\":", f->key);
	sb_printf(&R.t, " %s=", f->key);
	switch (f->type) {
	case EVT_U64:
		sb_printf(&R.j, "%llu", (unsigned long long)f->n);
		sb_printf(&R.t, "%llu", (unsigned long long)f->n);
		return;
	case EVT_STR:
		snprintf(buf, sizeof(buf), "%s",
			 f->p ? (const char *)f->p : "");
		break;
	case EVT_TEXT: {
		size_t len = (size_t)f->n;

		/* a line's terminator is not part of what it says */
		while (len && (((const char *)f->p)[len - 1] == '\n' ||
			       ((const char *)f->p)[len - 1] == '\r'))
			len--;
		log_sanitize((const char *)f->p, len, buf, sizeof(buf));
		break;
	}
	case EVT_ADDR:
		fmt_ep(f->family, f->p, 0, false, buf, sizeof(buf));
		break;
	case EVT_EP:
	case EVT_HOST:
		json_ep(f->family, f->p, f->n);
		fmt_ep(f->family, f->p, f->n, f->type == EVT_EP, buf,
		       sizeof(buf));
		text_val(&R.t, buf);
		return;
	case EVT_LIST: {
		const char *s = f->p ? (const char *)f->p : "";

		sb_putc(&R.j, '[');
		while (*s) {
			size_t n = strcspn(s, ",");

			snprintf(buf, sizeof(buf), "%.*s", (int)n, s);
			json_str(&R.j, buf);
			s += n;
			if (*s == ',' && *++s)
				sb_putc(&R.j, ',');
		}
		sb_putc(&R.j, ']');
		text_val(&R.t, f->p ? (const char *)f->p : "");
		return;
	}
	case EVT_TUPLE: {
		const struct bpfalg_tuple *t = f->p;
		char a[64], b[64], pb[8];

		sb_puts(&R.j, "{\"proto\":");
		json_str(&R.j, proto_name(t->proto, pb, sizeof(pb)));
		sb_puts(&R.j, ",\"src\":");
		json_ep(t->family, t->saddr, ntohs(t->sport));
		sb_puts(&R.j, ",\"dst\":");
		json_ep(t->family, t->daddr, ntohs(t->dport));
		sb_putc(&R.j, '}');
		fmt_ep(t->family, t->saddr, ntohs(t->sport), true, a,
		       sizeof(a));
		fmt_ep(t->family, t->daddr, ntohs(t->dport), true, b,
		       sizeof(b));
		snprintf(buf, sizeof(buf), "%s->%s", a, b);
		text_val(&R.t, buf);
		return;
	}
	}
	json_str(&R.j, buf);
	text_val(&R.t, buf);
}

static void render_end(enum ev_kind kind)
{
	sb_putc(&R.j, '}');
	if (ev_sink)
		ev_sink(sink_ctx, kind, R.json, R.j.n, R.text, R.t.n);
}

void events_emit_(enum ev_kind kind, const char *tag, const struct ev_field *f,
		  size_t n)
{
	if (!ev_sink)
		return;
	render_begin(kind, tag);
	for (size_t i = 0; i < n; i++)
		render_field(&f[i]);
	render_end(kind);
}

/* ------------------------------------------------- flows, pinholes */

static const char *proto_name(uint8_t p, char *buf, size_t cap)
{
	switch (p) {
	case BPFALG_IPPROTO_TCP:
		return "tcp";
	case BPFALG_IPPROTO_UDP:
		return "udp";
	case BPFALG_IPPROTO_ICMP:
		return "icmp";
	case BPFALG_IPPROTO_ICMPV6:
		return "icmpv6";
	}
	snprintf(buf, cap, "%u", p);
	return buf;
}

void events_flow_(enum ev_kind kind, const struct bpfalg_tuple *o,
		  const struct bpfalg_flow *f, const char *why)
{
	char pb[8], flags[48] = "";
	bool echo = o->proto == BPFALG_IPPROTO_ICMP ||
		    o->proto == BPFALG_IPPROTO_ICMPV6;
	struct ev_field fl[12];
	size_t n = 0;

	if (!ev_sink)
		return;
	fl[n++] = (struct ev_field)EV_STR("proto",
					  proto_name(o->proto, pb, sizeof(pb)));
	/* ICMP echo: the ports are the identifier, shown as "id" */
	if (echo) {
		fl[n++] = (struct ev_field)EV_HOST("src", o->family, o->saddr,
						   ntohs(o->sport));
		fl[n++] = (struct ev_field)EV_HOST("dst", o->family, o->daddr,
						   ntohs(o->dport));
		fl[n++] = (struct ev_field)EV_U64("id", ntohs(o->sport));
	} else {
		fl[n++] = (struct ev_field)EV_EP("src", o->family, o->saddr,
						 ntohs(o->sport));
		fl[n++] = (struct ev_field)EV_EP("dst", o->family, o->daddr,
						 ntohs(o->dport));
	}
	if (f) {
		struct bpfalg_tuple reply, *r = &reply;

		bpfalg_flow_reply(f, o, &reply);
		fl[n++] = (struct ev_field)EV_STR(
			"nat", f->nat < 3 ? nat_names[f->nat] : "?");
		/* what the other side sees: SNAT's public source, DNAT's
		 * inside target
		 */
		if (f->nat == BPFALG_NAT_SNAT)
			fl[n++] = (struct ev_field)EV_EP(
				"public", r->family, r->daddr, ntohs(r->dport));
		else if (f->nat == BPFALG_NAT_DNAT)
			fl[n++] = (struct ev_field)EV_EP(
				"inside", r->family, r->saddr, ntohs(r->sport));
		/* the words of algctl flows: TCP states, else whether the
		 * flow was replied to
		 */
		fl[n++] = (struct ev_field)EV_STR(
			"state",
			f->state >= BPFALG_ST_MAX      ? "unknown" :
			o->proto == BPFALG_IPPROTO_TCP ? state_names[f->state] :
			f->state == BPFALG_ST_ESTABLISHED ? "replied" :
							    "unreplied");
		snprintf(flags, sizeof(flags), "%s%s%s%s",
			 f->flags & BPFALG_FF_FROM_PINHOLE ? ",pinhole" : "",
			 f->flags & BPFALG_FF_FROM_FORWARD ? ",forward" : "",
			 f->flags & BPFALG_FF_CONTROL ? ",control" : "",
			 f->flags & BPFALG_FF_MIDSTREAM ? ",midstream" : "");
		if (flags[0])
			fl[n++] = (struct ev_field)EV_LIST("flags", flags + 1);
		if (f->alg && f->alg < BPFALG_ALG_MAX)
			fl[n++] = (struct ev_field)EV_STR("alg",
							  alg_names[f->alg]);
		if (kind == EV_FLOW_END) {
			fl[n++] = (struct ev_field)EV_U64(
				"packets",
				(__u64)f->packets[0] + f->packets[1]);
		}
	}
	if (why)
		fl[n++] = (struct ev_field)EV_STR("reason", why);
	events_emit_(kind, NULL, fl, n);
}

void events_pinhole_(enum ev_kind kind, const char *tag,
		     const struct bpfalg_pinhole_key *k,
		     const struct bpfalg_pinhole *v, const char *why)
{
	char pb[8];
	struct ev_field fl[9];
	size_t n = 0;

	if (!ev_sink)
		return;
	fl[n++] = (struct ev_field)EV_STR("proto",
					  proto_name(k->proto, pb, sizeof(pb)));
	if (v)
		fl[n++] = (struct ev_field)EV_EP("remote", k->family, k->remote,
						 ntohs(v->remote_port));
	else /* the port is not at hand: 0 */
		fl[n++] = (struct ev_field)EV_HOST("remote", k->family,
						   k->remote, 0);
	fl[n++] = (struct ev_field)EV_U64("public_port", ntohs(k->public_port));
	if (v) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);

		fl[n++] = (struct ev_field)EV_EP("inside", k->family,
						 v->inside_addr,
						 ntohs(v->inside_port));
		if (v->alg && v->alg < BPFALG_ALG_MAX && !tag)
			fl[n++] = (struct ev_field)EV_STR("alg",
							  alg_names[v->alg]);
		if (kind == EV_PH_OPEN)
			fl[n++] = (struct ev_field)EV_U64(
				"timeout_s",
				v->expires_ns > now ?
					(v->expires_ns - now + 500000000ULL) /
						1000000000ULL :
					0);
		if (!tag) /* no session to name: the control flow's tuple */
			fl[n++] = (struct ev_field)EV_TUPLE("owner", &v->owner);
	}
	if (why)
		fl[n++] = (struct ev_field)EV_STR("reason", why);
	events_emit_(kind, tag, fl, n);
}

/* --------------------------------------------------------- packets */

const uint64_t events_lat_bounds_ns[EV_LAT_BUCKETS] = {
	10000,	   25000,     50000,	 100000,     250000,   500000,
	1000000,   2500000,   5000000,	 10000000,   25000000, 50000000,
	100000000, 250000000, 500000000, 1000000000,
};

static struct ev_latency lat;

void events_latency_add(uint64_t ns)
{
	int b = 0;

	while (b < EV_LAT_BUCKETS && ns > events_lat_bounds_ns[b])
		b++;
	__atomic_fetch_add(&lat.bucket[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&lat.sum_ns, ns, __ATOMIC_RELAXED);
	__atomic_fetch_add(&lat.count, 1, __ATOMIC_RELAXED);
}

void events_latency_read(struct ev_latency *out)
{
	for (int b = 0; b <= EV_LAT_BUCKETS; b++)
		out->bucket[b] =
			__atomic_load_n(&lat.bucket[b], __ATOMIC_RELAXED);
	out->sum_ns = __atomic_load_n(&lat.sum_ns, __ATOMIC_RELAXED);
	out->count = __atomic_load_n(&lat.count, __ATOMIC_RELAXED);
}

static struct {
	const struct bpfalg_punt_hdr *h;
	unsigned int alg;
	uint32_t session;
	bool orig_sent, sampled;
} cur;

void events_punt_begin(const void *rec, size_t size)
{
	const struct bpfalg_punt_hdr *h = rec;

	cur.h = NULL;
	if (size < sizeof(*h) || h->pkt_len > size - sizeof(*h))
		return; /* engine_punt() says why */
	cur.h = h;
	cur.alg = h->alg < BPFALG_ALG_MAX ? h->alg : 0;
	cur.session = 0;
	cur.orig_sent = false;
	/* observe copies are never reinjected: no latency to measure */
	cur.sampled = h->reason != BPFALG_PUNT_ALG_PAYLOAD;
}

void events_punt_session(unsigned int alg, uint32_t id)
{
	cur.alg = alg;
	cur.session = id;
}

/* The punted packet, once, before anything sent in its place. */
static void send_orig(void)
{
	const struct bpfalg_punt_hdr *h = cur.h;
	uint64_t mono, real;
	struct ev_packet p;

	if (!h || cur.orig_sent || !pkt_sink)
		return;
	cur.orig_sent = true;
	mono = clock_ns(CLOCK_MONOTONIC);
	real = clock_ns(CLOCK_REALTIME);
	p = (struct ev_packet){
		.kind = EV_PKT_PUNTED,
		.alg = cur.alg,
		.session = cur.session,
		.ifindex = h->ifindex,
		.orig_len = h->orig_len > h->pkt_len ? h->orig_len : h->pkt_len,
		/* the datapath's timestamp on the realtime clock */
		.real_ns = real - (mono > h->ts_ns ? mono - h->ts_ns : 0),
		.data = (const uint8_t *)(h + 1),
		.len = h->pkt_len,
	};
	pkt_sink(sink_ctx, &p);
}

void events_reinjected(const uint8_t *l3, size_t len)
{
	if (cur.h && !cur.sampled) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);

		cur.sampled = true;
		if (now >= cur.h->ts_ns)
			events_latency_add(now - cur.h->ts_ns);
	}
	if (!events_capturers || !pkt_sink)
		return;
	send_orig();
	{
		struct ev_packet p = {
			.kind = EV_PKT_REINJECTED,
			.alg = cur.h ? cur.alg : 0,
			.session = cur.h ? cur.session : 0,
			.orig_len = (uint32_t)len,
			.real_ns = clock_ns(CLOCK_REALTIME),
			.data = l3,
			.len = len,
		};

		pkt_sink(sink_ctx, &p);
	}
}

void events_punt_end(void)
{
	if (events_capturers)
		send_orig();
	cur.h = NULL;
}
