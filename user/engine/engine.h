/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * engine.h - the controller's ALG engine: punted packet in, rewritten
 * packet out.
 *
 *   engine_open(&e, pin_path, &cfg, err)  maps, raw sockets
 *   engine_punt(&e, data, size)           one ring-buffer record
 *   engine_pinhole_used(&e, owner)        a pinhole of @owner was consumed
 *   engine_tick(&e)                       once a second: pinhole outcomes,
 *                                         held lines, ended flows, ALGs
 *                                         switched off
 *   engine_close(&e)
 *
 * Per control flow (a "session", keyed by the flow's original tuple): the
 * stream state of both directions (engine/stream.c), the protocol
 * module's state (alg/), the pinholes it opened, and the sequence history
 * it publishes to the datapath (map "ctl").  Sessions are rebuilt from
 * the maps when a restarted controller first sees a flow again.
 *
 * A pinhole belongs to its session: it is removed (counted
 * pinholes_closed) when the control connection closes (FIN, RST), its
 * flow ends or is replaced, or its ALG is switched out of "on"; an FTP
 * session keeps ftp_pinholes pending at most, the newest superseding the
 * oldest.  Flows already made from a pinhole are never cut: like the
 * kernel's expectations, only what is still pending goes.
 */
#ifndef BPFALG_ENGINE_H
#define BPFALG_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "alg/alg.h"
#include "engine/reinject.h"
#include "engine/stream.h"
#include "flowtab.h"

struct engine_config {
	uint32_t pinhole_timeout_s; /* default 60 */
	uint32_t pinholes_per_flow; /* live pinholes per control flow */
	/* pending data pinholes per FTP control connection; a new
	 * PORT/EPRT/227/229 beyond them supersedes the oldest (1: the
	 * kernel's FTP helper)
	 */
	uint32_t ftp_pinholes;
	uint32_t max_sessions; /* control flows the controller follows */
	uint32_t sessions_per_source; /* of one originating address */
	uint32_t session_idle_s; /* a session without punts is dropped */
	uint16_t min_data_port; /* default 1024 */
};

#define ENGINE_MAX_PH_PER_FLOW 64
/* Media bindings of one control flow: a SIP trunk carries many calls,
 * two streams each (SIP_MAX_CALLS_ALL calls in all).
 */
#define ENGINE_MAX_BIND_PER_FLOW (4 * BPFALG_MAX_CALLS)

struct session_ph {
	struct bpfalg_pinhole_key k;
	uint64_t expires_ns;
};

/* A two-way UDP binding the session made (svc->bind): the flow's keys. */
struct session_bind {
	struct bpfalg_tuple orig, reply;
	__u32 cookie; /* the binding's flow: released only if still it */
	int hnext; /* session.bind_ht chain: index of the next, -1 none */
};

/* A refusal answer a session inserted, kept until its receiver
 * acknowledges it: nobody else can send it again if it is lost.  The
 * refused line itself is acknowledged by anything the other end sends
 * later, so its sender may never retransmit it: the answer goes again
 * when a segment of its receiver shows it missing (at most every 200 ms,
 * or at once when it retransmits the refused line), when the other end
 * retransmits data that follows it (at most every 200 ms: its receiver
 * may have nothing left to send, and its pure ACKs never reach us) and on
 * a timer (1, 2, 4, 8 s after the last send).  The timer gives up after
 * 7 sends, the segments never do: sends they asked for do not count (a
 * burst of them, all lost, would leave a hole nobody fills).
 */
struct session_answer {
	int dir; /* the refused sender's direction: the answer goes to it */
	uint32_t seq; /* wire sequence number of the answer's first byte */
	uint32_t ack; /* the refused line's end: acknowledged at most */
	size_t len;
	uint64_t sent_ns; /* last sent */
	unsigned int sends;
	unsigned int timed; /* sends of the timer */
	uint8_t text[STREAM_INJECT_MAX];
};

struct session {
	struct session *next; /* hash chain */
	struct bpfalg_tuple key;
	uint32_t id;
	uint8_t alg;
	/* the control connection is closing (a FIN or an in-window RST):
	 * its pinholes are gone and it gets no new ones
	 */
	bool closing;
	__u32 cookie; /* the flow's: a reused tuple is another session */
	uint32_t in_ifindex; /* the flow's inside interface (SNAT flows) */
	uint64_t last_ns;
	struct bpfalg_tuple reply; /* the flow's reply tuple */
	uint16_t win[2]; /* last TCP window field seen per direction */
	struct stream st;
	const struct alg_module *mod;
	struct alg_flow *af; /* mod->flow_size bytes: the module's state */
	struct bpfalg_ctl ctl; /* as published */
	struct engine *e;
	struct session_ph ph[ENGINE_MAX_PH_PER_FLOW];
	unsigned int n_ph;
	struct session_bind *bind; /* grown as needed */
	unsigned int n_bind, cap_bind;
	/* bindings by public port (release finds them in O(1): a SIP trunk
	 * holds thousands): bind_ht_size heads of index chains, -1 empty
	 */
	int *bind_ht;
	unsigned int bind_ht_size;
	/* refusal answers not yet acknowledged, oldest first (one more
	 * resets the connection: none is given up)
	 */
#define ENGINE_ANSWERS 16
	struct session_answer *ans[ENGINE_ANSWERS];
	/* per direction: its retransmissions in a row that reached back
	 * to a forgotten rewrite (the other direction's segments do not
	 * break the row): the sender will never stop, the connection is
	 * reset
	 */
	unsigned int forgotten[2];
	bool hold_kept[2]; /* ctl_replay has this direction's held bytes */
	uint32_t sent_kept[2]; /* ... and how far it went out */
	bool have_sent_kept[2];
	/* per direction: the highest acknowledgement of its data seen in
	 * the other direction's punted segments (wire numbers): what an
	 * answer sent as from that end may acknowledge at most
	 */
	uint32_t acked[2];
	bool have_acked[2];
	uint32_t acked_kept[2]; /* acked[] as kept in ctl_replay */
	bool have_acked_kept[2];
};

#define ENGINE_BUCKETS 4096

struct engine {
	struct engine_config cfg;
	struct alg_limits lim;
	struct alg_policy pol[BPFALG_ALG_MAX];
	struct flowtab ft;
	int fd_ctl, fd_pinholes, fd_forwards, fd_replay;
	int fd_alg_stats, fd_cfg, fd_calls, fd_alg_cfg;
	uint32_t mode[BPFALG_ALG_MAX]; /* as the last tick read alg_cfg */
	struct reinject rj;
	struct session *tab[ENGINE_BUCKETS];
	unsigned int n_sessions;
	uint32_t next_id;
	__u64 cnt[BPFALG_ALG_MAX][BPFALG_AS_MAX];
	struct stream_stats sstats[BPFALG_ALG_MAX];
	unsigned long ticks;
	uint32_t started_s; /* CLOCK_MONOTONIC seconds at engine_open */
	struct stream_out out; /* scratch, large */
};

void engine_config_defaults(struct engine_config *c);
int engine_open(struct engine *e, const char *pin_path,
		const struct engine_config *cfg, char *err, size_t errlen);
int engine_punt(struct engine *e, const void *data, size_t size);
void engine_tick(struct engine *e);
/* The datapath consumed a pinhole of control flow @owner. */
void engine_pinhole_used(struct engine *e, const struct bpfalg_tuple *owner);
/* Replace an ALG's command policy (live: applies to the next line). */
void engine_set_policy(struct engine *e, unsigned int alg,
		       const struct alg_policy *p);
/* New limits and timeouts (SIGHUP): sessions and pinholes that exist keep
 * what they were given, the next ones get these.
 */
void engine_set_config(struct engine *e, const struct engine_config *cfg);
/* Write the counters to the alg_stats map. */
void engine_flush_stats(struct engine *e);
void engine_close(struct engine *e);

#endif
