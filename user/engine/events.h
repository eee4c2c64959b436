/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * events.h - what the controller tells `algctl events` and `algctl
 * capture`: one call at each point where something an operator wants to
 * watch happens (a pinhole opened, a line rewritten, a flow expired, a
 * punted packet and its reinjected form).
 *
 *   events_emit(EV_REWRITE, af->tag, EV_TEXT("before", p, n), ...)
 *   events_flow(EV_FLOW_END, &key, &flow, "expired")
 *   events_pinhole(EV_PH_OPEN, tag, &key, &value, NULL)
 *   events_punt_begin(rec, size) ... events_punt_session(alg, id) ...
 *       events_reinjected(l3, len) ... events_punt_end()
 *
 * Nothing here knows sockets: the daemon's monitor (user/monitor.c)
 * installs the sinks that carry the rendered events and packet copies to
 * subscribers.  While nobody subscribes (and always in unit tests and
 * fuzz targets, which install no sink) an event costs one load and a
 * branch at the call site: the fields are only formatted for a reader.
 * The one thing kept without a subscriber is the controller latency
 * histogram (punt record timestamp to first reinjection) that the
 * metrics endpoint serves.
 */
#ifndef BPFALG_ENGINE_EVENTS_H
#define BPFALG_ENGINE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfalg.h"

enum ev_kind {
	EV_FLOW_NEW, /* the datapath (or a media binding) made a flow */
	EV_FLOW_END, /* a flow was removed: expired, released */
	EV_PH_OPEN, /* a pinhole opened for a data/media connection */
	EV_PH_USED, /* consumed by the connection it was opened for */
	EV_PH_EXPIRED, /* removed unused at its deadline */
	EV_PH_CLOSED, /* removed unused: released (TEARDOWN, BYE, re-INVITE),
		       * superseded, its control connection closed or ended,
		       * its ALG switched off
		       */
	EV_PH_REFUSED, /* the ALG would not open one (bounce, limits) */
	EV_BIND_OPEN, /* a two-way media binding (SIP, RTSP) */
	EV_BIND_CLOSED,
	EV_REWRITE, /* a field rewritten: before and after */
	EV_OBSERVE, /* observe mode: what would have been rewritten */
	EV_POLICY, /* a command/method refused by the command policy */
	EV_CALL_START, /* SIP: a call is tracked */
	EV_CALL_END,
	EV_NOT_PROTOCOL, /* a control flow that is not the ALG's protocol */
	EV_LOST, /* monitor: events a slow subscriber did not get */
	EV_MAX,
};

/* "pinhole-open": the name both output forms use. */
const char *events_kind_name(enum ev_kind k);

enum ev_ftype {
	EVT_STR, /* NUL-terminated string */
	EVT_TEXT, /* peer-supplied bytes (p, n): sanitized like the log */
	EVT_U64,
	EVT_ADDR, /* family (AF_INET/AF_INET6 = BPFALG_AF_*), 16 bytes at p */
	EVT_EP, /* the same with a host-order port n; 0 shown as "*" */
	/* JSON: the endpoint {"addr", "port": n}; text: the address alone
	 * (ICMP echo flows, whose "port" is the identifier, shown as "id";
	 * a pinhole's remote where its port is not at hand: 0)
	 */
	EVT_HOST,
	EVT_LIST, /* "a,b": a JSON array of strings, the same text */
	/* a struct bpfalg_tuple at p: JSON {"proto", "src", "dst"}, text
	 * "src->dst"
	 */
	EVT_TUPLE,
};

struct ev_field {
	const char *key;
	enum ev_ftype type;
	const void *p;
	uint64_t n;
	int family;
};

#define EV_STR(k, s)                                  \
	{                                             \
		.key = (k), .type = EVT_STR, .p = (s) \
	}
#define EV_TEXT(k, s, len)                                                   \
	{                                                                    \
		.key = (k), .type = EVT_TEXT, .p = (s), .n = (uint64_t)(len) \
	}
#define EV_U64(k, v)                                            \
	{                                                       \
		.key = (k), .type = EVT_U64, .n = (uint64_t)(v) \
	}
#define EV_ADDR(k, fam, a)                                                   \
	{                                                                    \
		.key = (k), .type = EVT_ADDR, .p = (a), .family = (int)(fam) \
	}
#define EV_EP(k, fam, a, port)                                              \
	{                                                                   \
		.key = (k), .type = EVT_EP, .p = (a), .family = (int)(fam), \
		.n = (uint64_t)(port)                                       \
	}

#define EV_HOST(k, fam, a, port)                                              \
	{                                                                     \
		.key = (k), .type = EVT_HOST, .p = (a), .family = (int)(fam), \
		.n = (uint64_t)(port)                                         \
	}
#define EV_LIST(k, s)                                  \
	{                                              \
		.key = (k), .type = EVT_LIST, .p = (s) \
	}
#define EV_TUPLE(k, t)                                  \
	{                                               \
		.key = (k), .type = EVT_TUPLE, .p = (t) \
	}

/* Subscribers to the event stream: 0 means every call below is a no-op. */
extern volatile int events_subscribers;
/* Subscribers to packet copies (algctl capture). */
extern volatile int events_capturers;

/*
 * Render one event (JSON line and text line) for the sink.  @tag is the
 * session's log tag ("ftp#3"), NULL for events of no session.  Use the
 * macro: it skips everything while nobody listens.
 */
void events_emit_(enum ev_kind kind, const char *tag, const struct ev_field *f,
		  size_t n);
#define events_emit(kind, tag, ...)                                      \
	do {                                                             \
		if (events_subscribers) {                                \
			const struct ev_field ev_f_[] = { __VA_ARGS__ }; \
			events_emit_((kind), (tag), ev_f_,               \
				     sizeof(ev_f_) / sizeof(ev_f_[0]));  \
		}                                                        \
	} while (0)

/* A flow table entry (key: original tuple), @why NULL or the reason. */
void events_flow_(enum ev_kind kind, const struct bpfalg_tuple *orig,
		  const struct bpfalg_flow *f, const char *why);
#define events_flow(kind, orig, f, why)                           \
	do {                                                      \
		if (events_subscribers)                           \
			events_flow_((kind), (orig), (f), (why)); \
	} while (0)

/* A pinhole: its key, its value when known (NULL: gone already). */
void events_pinhole_(enum ev_kind kind, const char *tag,
		     const struct bpfalg_pinhole_key *k,
		     const struct bpfalg_pinhole *v, const char *why);
#define events_pinhole(kind, tag, k, v, why)                             \
	do {                                                             \
		if (events_subscribers)                                  \
			events_pinhole_((kind), (tag), (k), (v), (why)); \
	} while (0)

/*
 * Packets, around engine_punt(): the punted record (valid until
 * events_punt_end), the session it belongs to once known, every packet
 * the controller sends while handling it.  The first reinjection closes
 * the latency sample of the punt.
 */
void events_punt_begin(const void *rec, size_t size);
void events_punt_session(unsigned int alg, uint32_t id);
void events_reinjected(const uint8_t *l3, size_t len);
void events_punt_end(void);

/* ------------------------------------------------------------ sinks */

/* One rendered event: a JSON object (no newline) and an aligned line. */
typedef void (*events_sink_fn)(void *ctx, enum ev_kind kind, const char *json,
			       size_t json_len, const char *text,
			       size_t text_len);

/* A packet copy as `algctl capture` writes it. */
enum ev_pkt_kind {
	EV_PKT_PUNTED = 0, /* as the datapath handed it over: Ethernet */
	EV_PKT_REINJECTED = 1, /* as the controller sent it: IPv4/IPv6 */
};

struct ev_packet {
	enum ev_pkt_kind kind;
	unsigned int alg; /* enum bpfalg_alg, 0 unknown */
	uint32_t session; /* the "3" of "ftp#3", 0 none */
	uint32_t ifindex; /* punted: where the datapath saw it */
	uint32_t orig_len; /* wire length (the copy may be shorter) */
	uint64_t real_ns; /* CLOCK_REALTIME of the packet */
	const uint8_t *data;
	size_t len;
};

typedef void (*events_pkt_sink_fn)(void *ctx, const struct ev_packet *p);

void events_set_sinks(events_sink_fn ev, events_pkt_sink_fn pkt, void *ctx);

/* --------------------------------------------------- latency histogram */

/* Upper bounds in ns; samples above the last go to the +Inf bucket. */
#define EV_LAT_BUCKETS 16
extern const uint64_t events_lat_bounds_ns[EV_LAT_BUCKETS];

struct ev_latency {
	uint64_t bucket[EV_LAT_BUCKETS + 1]; /* not cumulative; last +Inf */
	uint64_t count;
	uint64_t sum_ns;
};

/* A consistent-enough copy for another thread (relaxed atomic loads). */
void events_latency_read(struct ev_latency *out);
/* One sample (exported for the unit test). */
void events_latency_add(uint64_t ns);

#endif
