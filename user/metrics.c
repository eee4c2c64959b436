// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* metrics.c - see metrics.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <microhttpd.h>

#include "bpfalg.h"
#include "calls_view.h"
#include "config.h"
#include "engine/events.h"
#include "format.h"
#include "metrics.h"
#include "gc.h"
#include "monitor.h"
#include "pins.h"
#include "util/log.h"
#include "version.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define BATCH 1024

struct metrics {
	struct MHD_Daemon *mhd;
	char pin_path[256];
	int lfd;
};

/* ------------------------------------------------------ map walking */

typedef void (*walk_fn)(void *ctx, const void *key, const void *val);
static void count_only(void *ctx, const void *k, const void *v);

/*
 * Every entry of a hash map, in batches of BATCH (one syscall each rather
 * than two per entry: the flow table may hold millions).  Kernels or maps
 * without batch support fall back to get_next_key + lookup.  Entries
 * changing meanwhile may be seen twice or not at all, as with any walk.
 */
static long walk(int fd, walk_fn cb, void *ctx)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), n;
	char tok[64], prev[256], next[256];
	void *keys = NULL, *vals = NULL, *in = NULL;
	long total = 0;
	bool first = true;
	int err;

	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) || info.key_size > 256)
		return -EINVAL;
	if (info.value_size > 4096) {
		/* large values (ctl_replay): the keys tell how many */
		if (cb != count_only)
			return -EINVAL;
		in = NULL;
		while (!bpf_map_get_next_key(fd, in, next)) {
			memcpy(prev, next, info.key_size);
			in = prev;
			total++;
		}
		return total;
	}
	keys = malloc((size_t)info.key_size * BATCH);
	vals = malloc((size_t)info.value_size * BATCH);
	if (!keys || !vals) {
		total = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = BATCH;
		err = bpf_map_lookup_batch(fd, in, tok, keys, vals, &n, NULL);
		if (err && errno != ENOENT) {
			if (first)
				goto slow;
			total = -errno;
			goto out;
		}
		first = false;
		for (__u32 i = 0; i < n; i++)
			cb(ctx, (char *)keys + (size_t)i * info.key_size,
			   (char *)vals + (size_t)i * info.value_size);
		total += n;
		if (err)
			goto out; /* ENOENT: that was the last batch */
		in = tok;
	}
slow:
	in = NULL;
	while (!bpf_map_get_next_key(fd, in, next)) {
		memcpy(prev, next, info.key_size);
		in = prev;
		if (bpf_map_lookup_elem(fd, prev, vals))
			continue;
		cb(ctx, prev, vals);
		total++;
	}
out:
	free(keys);
	free(vals);
	return total;
}

static void count_only(void *ctx, const void *k, const void *v)
{
}

/* Entries this scrape read from maps (bpfalg_scrape_entries_read): the
 * metrics thread is the only one rendering.
 */
static long scrape_read;

static long walk_pin(const char *pin_path, const char *name, walk_fn cb,
		     void *ctx)
{
	char err[256];
	int fd = pins_map_fd(pin_path, name, err, sizeof(err));
	long n;

	if (fd < 0)
		return fd;
	n = walk(fd, cb, ctx);
	close(fd);
	if (n > 0)
		scrape_read += n;
	return n;
}

/* ------------------------------------------------------- the tables */

static const char *const proto_label[GC_P_N] = { "tcp", "udp", "icmp", "icmpv6",
						 "other" };

struct ph_tally {
	__u64 by[BPFALG_ALG_MAX][2]; /* tcp, udp */
};

static void tally_pinhole(void *ctx, const void *k, const void *v)
{
	const struct bpfalg_pinhole_key *pk = k;
	const struct bpfalg_pinhole *ph = v;
	struct ph_tally *pt = ctx;

	if (ph->alg < BPFALG_ALG_MAX)
		pt->by[ph->alg][pk->proto == BPFALG_IPPROTO_UDP]++;
}

/* calls_view.h's verdicts on a stream */
static const char *const stream_status[] = { "ok",	  "starting", "one-way",
					     "no-media",  "hold",     "waiting",
					     "not-bound", "ended" };
#define N_STATUS (sizeof(stream_status) / sizeof(*stream_status))

struct call_tally {
	__u64 by[4]; /* enum bpfalg_call_state, 0 unknown */
	__u64 media_bound, media_unbound;
	const struct flowtab *ft; /* NULL: no verdicts */
	unsigned long long now;
	__u64 status[N_STATUS];
};

static void tally_call(void *ctx, const void *k, const void *v)
{
	const struct bpfalg_call *c = v;
	struct call_tally *ct = ctx;

	ct->by[c->state <= BPFALG_CALL_CONFIRMED ? c->state : 0]++;
	for (int i = 0; i < c->n_media && i < BPFALG_CALL_MEDIA; i++) {
		const struct bpfalg_call_media *m = &c->m[i];
		struct stream_view sv;

		if (m->flags & BPFALG_CM_BOUND)
			ct->media_bound++;
		else
			ct->media_unbound++;
		if (!ct->ft)
			continue;
		/* two lookups in the flow table per stream: bounded by the
		 * calls table, not by the flows
		 */
		calls_stream_view(ct->ft, c, m, m->inside_port, m->peer_port,
				  ct->now, &sv);
		for (size_t k = 0; k < N_STATUS; k++)
			if (!strcmp(sv.status, stream_status[k]))
				ct->status[k]++;
	}
}

/* ------------------------------------------------------- rendering */

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *const call_state_label[4] = { "unknown", "offered", "early",
						 "confirmed" };

/*
 * The flow table's numbers come from the last complete expiry sweep
 * (gc.h's census): a scrape costs the same whatever the table holds.
 * Before the daemon's first sweep they are left out.
 */
static void render_flows(FILE *f, const struct gc_census *cs)
{
	head(f, "bpfalg_flows", "gauge",
	     "Flows in the flow table by protocol and state (TCP states; "
	     "replied or unreplied for UDP and ICMP), as the last expiry "
	     "sweep counted them.");
	for (int p = 0; cs->done_ns && p < GC_P_N; p++) {
		for (int st = 0; st < BPFALG_ST_MAX; st++) {
			const char *name = fmt_state(
				p == GC_P_TCP ? BPFALG_IPPROTO_TCP : 0,
				(__u8)st);
			__u64 v = cs->by[p][st];

			/* one series per state name: UDP's "unreplied"
			 * gathers every state but established
			 */
			if (p != GC_P_TCP && st != BPFALG_ST_NEW &&
			    st != BPFALG_ST_ESTABLISHED)
				continue;
			if (p != GC_P_TCP && st == BPFALG_ST_NEW)
				for (int k = 1; k < BPFALG_ST_MAX; k++)
					if (k != BPFALG_ST_ESTABLISHED)
						v += cs->by[p][k];
			fprintf(f,
				"bpfalg_flows{proto=\"%s\",state=\"%s\"} "
				"%llu\n",
				proto_label[p], name, (unsigned long long)v);
		}
	}
	head(f, "bpfalg_flows_by_nat", "gauge",
	     "Flows by translation: snat (inside to outside), dnat "
	     "(port-forwards, pinholes), none (IPv6); last sweep.");
	for (int k = 0; cs->done_ns && k < 3; k++)
		fprintf(f, "bpfalg_flows_by_nat{nat=\"%s\"} %llu\n",
			fmt_nat((__u8)k), (unsigned long long)cs->nat[k]);
	head(f, "bpfalg_control_flows", "gauge",
	     "ALG control channels in the flow table, by ALG; last sweep.");
	for (int a = 1; cs->done_ns && a < BPFALG_ALG_MAX; a++)
		fprintf(f, "bpfalg_control_flows{alg=\"%s\"} %llu\n",
			alg_name(a), (unsigned long long)cs->control[a]);
}

static void render_tables(FILE *f, const char *pin_path)
{
	/* bounded tables, walked (small, fixed sizes); the flow maps are
	 * the census's
	 */
	static const char *const tables[] = { "pinholes", "ctl",   "ctl_replay",
					      "forwards", "frags", "calls",
					      "nh_cache" };
	struct ph_tally pt = { 0 };
	struct call_tally ct = { 0 };
	struct gc_census cs;
	struct flowtab ft;
	long n[sizeof(tables) / sizeof(*tables)];
	char err[256];

	gc_census_read(&cs);
	if (!flowtab_open(&ft, pin_path, err, sizeof(err)))
		ct.ft = &ft;
	ct.now = mono_ns();
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
		walk_fn cb = count_only;
		void *arg = NULL;

		if (!strcmp(tables[i], "pinholes")) {
			cb = tally_pinhole;
			arg = &pt;
		} else if (!strcmp(tables[i], "calls")) {
			cb = tally_call;
			arg = &ct;
		}
		n[i] = walk_pin(pin_path, tables[i], cb, arg);
	}

	render_flows(f, &cs);
	head(f, "bpfalg_pinholes", "gauge",
	     "Open pinholes (expectations) by the ALG that asked and "
	     "protocol.");
	for (int a = 1; a < BPFALG_ALG_MAX; a++)
		for (int u = 0; u < 2; u++)
			fprintf(f,
				"bpfalg_pinholes{alg=\"%s\",proto=\"%s\"} "
				"%llu\n",
				alg_name(a), u ? "udp" : "tcp",
				(unsigned long long)pt.by[a][u]);
	head(f, "bpfalg_sip_calls", "gauge",
	     "SIP calls the controller tracks, by state.");
	for (int s = 1; s < 4; s++)
		fprintf(f, "bpfalg_sip_calls{state=\"%s\"} %llu\n",
			call_state_label[s], (unsigned long long)ct.by[s]);
	head(f, "bpfalg_sip_media_streams", "gauge",
	     "Media streams of tracked SIP calls: bound (both ends known, "
	     "two-way binding made) or not yet.");
	fprintf(f, "bpfalg_sip_media_streams{state=\"bound\"} %llu\n",
		(unsigned long long)ct.media_bound);
	fprintf(f, "bpfalg_sip_media_streams{state=\"unbound\"} %llu\n",
		(unsigned long long)ct.media_unbound);
	head(f, "bpfalg_sip_streams", "gauge",
	     "Media streams of tracked SIP calls by what the datapath sees "
	     "(algctl calls): ok, starting, one-way (packets one way only "
	     "for 4 s), no-media, hold, waiting (no answer SDP yet), "
	     "not-bound (public port taken), ended.");
	for (size_t k = 0; ct.ft && k < N_STATUS; k++)
		fprintf(f, "bpfalg_sip_streams{status=\"%s\"} %llu\n",
			stream_status[k], (unsigned long long)ct.status[k]);
	if (ct.ft)
		flowtab_close(&ft);

	head(f, "bpfalg_table_entries", "gauge",
	     "Entries in each pinned table (the flow maps': as the last "
	     "expiry sweep left them).");
	for (int fam = 0; cs.done_ns && fam < FLOWTAB_FAMS; fam++)
		for (int pair = 0; pair < FLOWTAB_PAIRS; pair++) {
			fprintf(f, "bpfalg_table_entries{table=\"%s\"} %llu\n",
				flowtab_orig_name[fam][pair],
				(unsigned long long)cs.orig[fam][pair]);
			fprintf(f, "bpfalg_table_entries{table=\"%s\"} %llu\n",
				flowtab_rev_name[fam][pair],
				(unsigned long long)cs.rev[fam][pair]);
		}
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++)
		if (n[i] >= 0)
			fprintf(f, "bpfalg_table_entries{table=\"%s\"} %ld\n",
				tables[i], n[i]);
	head(f, "bpfalg_table_max_entries", "gauge",
	     "Capacity of each pinned table (max_entries).");
	for (int fam = 0; fam < FLOWTAB_FAMS; fam++)
		for (int pair = 0; pair < FLOWTAB_PAIRS; pair++)
			for (int h = 0; h < 2; h++) {
				const char *t =
					h ? flowtab_rev_name[fam][pair] :
					    flowtab_orig_name[fam][pair];
				long max = pins_max_entries(pin_path, t);

				if (max >= 0)
					fprintf(f,
						"bpfalg_table_max_entries{"
						"table=\"%s\"} %ld\n",
						t, max);
			}
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
		long max = pins_max_entries(pin_path, tables[i]);

		if (max >= 0)
			fprintf(f,
				"bpfalg_table_max_entries{table=\"%s\"} %ld\n",
				tables[i], max);
	}
}

static void render_counters(FILE *f, const struct bpfalg_counters *c)
{
	unsigned long long v;

	unsigned long long drops = 0;

	for (int r = 0; r < BPFALG_DROP_MAX; r++)
		drops += c->c[BPFALG_CNT_DROP + r];
	head(f, "bpfalg_packets_total", "counter",
	     "Packets by the datapath's verdict, each counted once: "
	     "forwarded (TC passed it on as part of a flow, translated where "
	     "NAT applies), redirected (sent straight to the egress device "
	     "by the XDP or TC fast path), punted (the controller rewrites "
	     "and reinjects it), dropped, passed (not a flow's: handed on "
	     "untouched).  Outside hooks only, so a packet is seen once.");
	{
		static const struct {
			const char *verdict, *hook;
			int idx; /* -1: the drops */
		} v[] = {
			{ "forwarded", "tc", BPFALG_CNT_TC_FORWARDED },
			{ "redirected", "tc", BPFALG_CNT_TC_REDIRECT },
			{ "redirected", "xdp", BPFALG_CNT_XDP_FWD },
			{ "punted", "tc", BPFALG_CNT_PUNT },
			{ "dropped", "tc", -1 },
			{ "passed", "tc", BPFALG_CNT_TC_PASSED },
		};

		for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
			fprintf(f,
				"bpfalg_packets_total{verdict=\"%s\","
				"hook=\"%s\"} %llu\n",
				v[i].verdict, v[i].hook,
				v[i].idx < 0 ?
					drops :
					(unsigned long long)c->c[v[i].idx]);
	}
	head(f, "bpfalg_drops_total", "counter",
	     "Packets the datapath dropped, by the first reason that "
	     "applied (each drop counted once; the sum is "
	     "bpfalg_packets_total{verdict=\"dropped\"}).");
	for (int r = 0; r < BPFALG_DROP_MAX; r++) {
		const char *n = fmt_counter(BPFALG_CNT_DROP + r);

		if (!strncmp(n, "dropped_", 8))
			n += 8;
		fprintf(f, "bpfalg_drops_total{reason=\"%s\"} %llu\n", n,
			(unsigned long long)c->c[BPFALG_CNT_DROP + r]);
	}
	head(f, "bpfalg_bytes_total", "counter",
	     "IP bytes of the packets matched to a flow, by direction: "
	     "outbound (from inside) or inbound (from outside).");
	fprintf(f, "bpfalg_bytes_total{direction=\"outbound\"} %llu\n",
		(unsigned long long)c->c[BPFALG_CNT_BYTES_OUT]);
	fprintf(f, "bpfalg_bytes_total{direction=\"inbound\"} %llu\n",
		(unsigned long long)c->c[BPFALG_CNT_BYTES_IN]);

	head(f, "bpfalg_datapath_events_total", "counter",
	     "Datapath counters as algctl stats names them, by event (a "
	     "catch-all: the families above are the ones to alert on; "
	     "bytes are in bpfalg_bytes_total).");
	for (int i = 0; i < BPFALG_CNT_MAX; i++)
		if (i != BPFALG_CNT_BYTES_OUT && i != BPFALG_CNT_BYTES_IN)
			fprintf(f,
				"bpfalg_datapath_events_total{event=\"%s\"} "
				"%llu\n",
				fmt_counter(i), (unsigned long long)c->c[i]);
	head(f, "bpfalg_port_allocations_total", "counter",
	     "SNAT port allocations: inside port kept, another port "
	     "found, or none free (packet dropped).");
	fprintf(f, "bpfalg_port_allocations_total{result=\"preserved\"} %llu\n",
		(unsigned long long)c->c[BPFALG_CNT_PORT_PRESERVED]);
	fprintf(f, "bpfalg_port_allocations_total{result=\"remapped\"} %llu\n",
		(unsigned long long)c->c[BPFALG_CNT_PORT_REMAPPED]);
	fprintf(f, "bpfalg_port_allocations_total{result=\"exhausted\"} %llu\n",
		(unsigned long long)c->c[BPFALG_CNT_PORT_EXHAUSTED]);
	head(f, "bpfalg_port_allocation_retries_total", "counter",
	     "Port probes beyond the first while allocating SNAT ports.");
	fprintf(f, "bpfalg_port_allocation_retries_total %llu\n",
		(unsigned long long)c->c[BPFALG_CNT_PORT_RETRIES]);
	head(f, "bpfalg_flow_table_full_total", "counter",
	     "Flows that could not be created: the flow table was full.");
	fprintf(f, "bpfalg_flow_table_full_total %llu\n",
		(unsigned long long)c->c[BPFALG_CNT_FLOW_TABLE_FULL]);
	v = c->c[BPFALG_CNT_PUNT_FAIL];
	head(f, "bpfalg_punt_failures_total", "counter",
	     "Control packets that could not be handed to the controller "
	     "(ring buffer full, or no controller): the fail policy "
	     "decided.");
	fprintf(f, "bpfalg_punt_failures_total %llu\n", v);
}

static void render_algs(FILE *f, const char *pin_path)
{
	static const struct {
		const char *reason;
		int idx; /* into alg_stats_view() */
	} refusals[] = {
		{ "refused", BPFALG_ADP_MAX + 1 + BPFALG_AS_REFUSED },
		{ "bad_input", BPFALG_ADP_MAX + 1 + BPFALG_AS_BAD_INPUT },
		{ "policy_denied",
		  BPFALG_ADP_MAX + 1 + BPFALG_AS_POLICY_DENIED },
		{ "already_public",
		  BPFALG_ADP_MAX + 1 + BPFALG_AS_ALREADY_PUBLIC },
		{ "not_protocol", BPFALG_ADP_MAX + 1 + BPFALG_AS_NOT_PROTOCOL },
	};
	__u64 v[BPFALG_ALG_MAX][ALG_STAT_N];
	bool have[BPFALG_ALG_MAX] = { false };

	for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++) {
		struct bpfalg_alg_dp_stats dp;
		struct bpfalg_alg_stats cs;
		char err[256];

		if (pins_read_alg_stats(pin_path, a, &dp, &cs, err,
					sizeof(err)))
			continue;
		alg_stats_view(&dp, &cs, v[a]);
		have[a] = true;
	}
#define EACH_ALG                                          \
	for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++) \
		if (have[a])
	head(f, "bpfalg_punts_total", "counter",
	     "Control packets handed to the controller, by ALG and mode (on: "
	     "the original dropped and reinjected; observe: a copy).");
	EACH_ALG
	{
		fprintf(f, "bpfalg_punts_total{alg=\"%s\",mode=\"on\"} %llu\n",
			alg_name(a),
			(unsigned long long)v[a][BPFALG_ADP_PUNTED]);
		fprintf(f,
			"bpfalg_punts_total{alg=\"%s\",mode=\"observe\"} "
			"%llu\n",
			alg_name(a),
			(unsigned long long)v[a][BPFALG_ADP_OBSERVE_COPY]);
	}
	head(f, "bpfalg_fail_policy_total", "counter",
	     "Control packets the fail policy handled (no controller or ring "
	     "buffer full), by ALG and action.");
	EACH_ALG
	{
		fprintf(f,
			"bpfalg_fail_policy_total{alg=\"%s\",action=\"drop\"} "
			"%llu\n",
			alg_name(a),
			(unsigned long long)v[a][BPFALG_ADP_FAIL_DROP]);
		fprintf(f,
			"bpfalg_fail_policy_total{alg=\"%s\",action=\"pass\"} "
			"%llu\n",
			alg_name(a),
			(unsigned long long)v[a][BPFALG_ADP_FAIL_PASS]);
	}
	head(f, "bpfalg_fail_open_total", "counter",
	     "Control packets passed unmodified although the fail policy "
	     "says drop: no controller for --fail-open-after seconds (part "
	     "of bpfalg_fail_policy_total's pass).");
	EACH_ALG
	fprintf(f, "bpfalg_fail_open_total{alg=\"%s\"} %llu\n", alg_name(a),
		(unsigned long long)v[a][BPFALG_ADP_FAIL_OPEN]);
	head(f, "bpfalg_alg_sessions_total", "counter",
	     "The controller's control-flow sessions: evicted (idle, to make "
	     "room under --max-sessions or --sessions-per-source; rebuilt "
	     "when the flow speaks again), full (none could be made: the "
	     "flow was forwarded unmodified), idle (dropped after "
	     "--session-idle).");
	EACH_ALG
	{
		fprintf(f,
			"bpfalg_alg_sessions_total{alg=\"%s\","
			"event=\"evicted\"} %llu\n",
			alg_name(a),
			(unsigned long long)v[a][BPFALG_ADP_MAX + 1 +
						 BPFALG_AS_SESSIONS_EVICTED]);
		fprintf(f,
			"bpfalg_alg_sessions_total{alg=\"%s\","
			"event=\"full\"} %llu\n",
			alg_name(a),
			(unsigned long long)v[a][BPFALG_ADP_MAX + 1 +
						 BPFALG_AS_SESSIONS_FULL]);
		fprintf(f,
			"bpfalg_alg_sessions_total{alg=\"%s\","
			"event=\"idle\"} %llu\n",
			alg_name(a),
			(unsigned long long)v[a][BPFALG_ADP_MAX + 1 +
						 BPFALG_AS_SESSIONS_IDLE]);
	}
	head(f, "bpfalg_pinhole_outcomes_total", "counter",
	     "ALG pinholes by what became of them: opened, used (a data or "
	     "media connection came), expired (unused), closed (removed "
	     "unused: superseded, released, or their control connection "
	     "closed or ALG switched off).");
	EACH_ALG
	{
		static const struct {
			const char *name;
			int as;
		} oc[] = {
			{ "opened", BPFALG_AS_PH_OPENED },
			{ "used", BPFALG_AS_PH_USED },
			{ "expired", BPFALG_AS_PH_EXPIRED },
			{ "closed", BPFALG_AS_PH_CLOSED },
		};

		for (size_t i = 0; i < sizeof(oc) / sizeof(*oc); i++)
			fprintf(f,
				"bpfalg_pinhole_outcomes_total{alg=\"%s\","
				"outcome=\"%s\"} %llu\n",
				alg_name(a), oc[i].name,
				(unsigned long long)
					v[a][BPFALG_ADP_MAX + 1 + oc[i].as]);
	}
	head(f, "bpfalg_rewrites_total", "counter",
	     "Lines or messages the ALG rewrote.");
	EACH_ALG
	fprintf(f, "bpfalg_rewrites_total{alg=\"%s\"} %llu\n", alg_name(a),
		(unsigned long long)
			v[a][BPFALG_ADP_MAX + 1 + BPFALG_AS_REWRITTEN]);
	head(f, "bpfalg_refusals_total", "counter",
	     "What the ALG left unrewritten or refused, by reason: refused "
	     "(security check or limit), bad_input (did not parse), "
	     "policy_denied (command policy), already_public (NAT-aware "
	     "endpoint), not_protocol (the flow does not speak the protocol: "
	     "no data channel opened).");
	EACH_ALG
	for (size_t r = 0; r < sizeof(refusals) / sizeof(*refusals); r++)
		fprintf(f,
			"bpfalg_refusals_total{alg=\"%s\",reason=\"%s\"} "
			"%llu\n",
			alg_name(a), refusals[r].reason,
			(unsigned long long)v[a][refusals[r].idx]);
	head(f, "bpfalg_alg_events_total", "counter",
	     "Every per-ALG counter of algctl stats (alg_counters), by ALG "
	     "and event (not fail_policy, the sum of fail_policy_drop and "
	     "fail_policy_pass: a sum over events counts each once).");
	EACH_ALG
	for (int i = 0; i < ALG_STAT_N; i++)
		if (i != BPFALG_ADP_MAX)
			fprintf(f,
				"bpfalg_alg_events_total{alg=\"%s\","
				"event=\"%s\"} %llu\n",
				alg_name(a), fmt_alg_stat(i),
				(unsigned long long)v[a][i]);
#undef EACH_ALG
}

/* The expiry sweep of this daemon (gc.h). */
static void render_gc(FILE *f)
{
	struct gc_census cs;
	struct gc_stats g;

	gc_totals_read(&g);
	head(f, "bpfalg_gc_sweeps_total", "counter",
	     "Completed expiry sweeps over the flow, pinhole and fragment "
	     "tables.");
	fprintf(f, "bpfalg_gc_sweeps_total %llu\n",
		(unsigned long long)g.sweeps);
	head(f, "bpfalg_gc_deleted_total", "counter",
	     "Entries the expiry sweep removed, by kind: flows idle past "
	     "their timeout, halves without their other half (or superseded), "
	     "pinholes and fragment records past their time.");
	fprintf(f, "bpfalg_gc_deleted_total{kind=\"flow\"} %llu\n",
		(unsigned long long)g.flows_expired);
	fprintf(f, "bpfalg_gc_deleted_total{kind=\"orphan_half\"} %llu\n",
		(unsigned long long)g.rev_orphans);
	fprintf(f, "bpfalg_gc_deleted_total{kind=\"pinhole\"} %llu\n",
		(unsigned long long)g.pinholes_expired);
	fprintf(f, "bpfalg_gc_deleted_total{kind=\"fragment\"} %llu\n",
		(unsigned long long)g.frags_expired);
	head(f, "bpfalg_gc_entries_read_total", "counter",
	     "Table entries the expiry sweep read (in batches).");
	fprintf(f, "bpfalg_gc_entries_read_total %llu\n",
		(unsigned long long)g.entries_read);
	head(f, "bpfalg_gc_busy_seconds_total", "counter",
	     "Time the daemon's loop spent in expiry slices.");
	fprintf(f, "bpfalg_gc_busy_seconds_total %.6f\n", g.busy_ns / 1e9);
	head(f, "bpfalg_gc_last_sweep_seconds", "gauge",
	     "Wall time from the start to the end of the last complete sweep "
	     "(a slice per second: large tables take several).");
	fprintf(f, "bpfalg_gc_last_sweep_seconds %.3f\n",
		g.last_sweep_ns / 1e9);
	gc_census_read(&cs);
	head(f, "bpfalg_gc_last_sweep_timestamp_seconds", "gauge",
	     "When the last complete sweep ended (Unix time): the flow "
	     "gauges (bpfalg_flows, the flow maps' bpfalg_table_entries) "
	     "are its counts; absent before the first.");
	if (cs.done_unix_ns)
		fprintf(f, "bpfalg_gc_last_sweep_timestamp_seconds %.3f\n",
			cs.done_unix_ns / 1e9);
}

/*
 * The standard process metrics of Prometheus' client libraries, from
 * /proc/self: CPU, memory, file descriptors, start time.
 */
static void render_process(FILE *f)
{
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
	long long rss = 0, btime = -1;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char buf[1024], *p;
	struct rlimit rl;
	struct dirent *de;
	long fds = 0;
	size_t n = 0;
	FILE *in;
	DIR *d;

	in = fopen("/proc/self/stat", "re");
	if (in) {
		n = fread(buf, 1, sizeof(buf) - 1, in);
		fclose(in);
	}
	buf[n] = 0;
	/* after the command's ")": state is field 3; utime 14, stime 15,
	 * starttime 22, vsize 23, rss 24
	 */
	p = strrchr(buf, ')');
	if (p && tck > 0 &&
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
		   "%*d %*d %*d %*d %*d %*d %llu %llu %lld",
		   &utime, &stime, &start, &vsize, &rss) == 5) {
		head(f, "process_cpu_seconds_total", "counter",
		     "Total user and system CPU time spent in seconds.");
		fprintf(f, "process_cpu_seconds_total %.2f\n",
			(double)(utime + stime) / tck);
		head(f, "process_resident_memory_bytes", "gauge",
		     "Resident memory size in bytes.");
		fprintf(f, "process_resident_memory_bytes %lld\n", rss * page);
		head(f, "process_virtual_memory_bytes", "gauge",
		     "Virtual memory size in bytes.");
		fprintf(f, "process_virtual_memory_bytes %llu\n", vsize);
	}
	in = fopen("/proc/stat", "re");
	while (in && fgets(buf, sizeof(buf), in))
		if (sscanf(buf, "btime %lld", &btime) == 1)
			break;
	if (in)
		fclose(in);
	if (btime >= 0 && tck > 0 && start) {
		head(f, "process_start_time_seconds", "gauge",
		     "Start time of the process since unix epoch in seconds.");
		fprintf(f, "process_start_time_seconds %.2f\n",
			btime + (double)start / tck);
	}
	d = opendir("/proc/self/fd");
	if (d) {
		while ((de = readdir(d)))
			fds += de->d_name[0] != '.';
		closedir(d);
		head(f, "process_open_fds", "gauge",
		     "Number of open file descriptors.");
		fprintf(f, "process_open_fds %ld\n", fds - 1); /* the DIR's */
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		head(f, "process_max_fds", "gauge",
		     "Maximum number of open file descriptors.");
		fprintf(f, "process_max_fds %llu\n",
			(unsigned long long)rl.rlim_cur);
	}
}

static void render_controller(FILE *f, const struct bpfalg_config *c)
{
	struct ev_latency l;
	struct monitor_stats ms;
	__u64 cum = 0;
	__u64 now = mono_ns();

	head(f, "bpfalg_controller_up", "gauge",
	     "1 while the controller's heartbeat in the pinned config is "
	     "fresh (younger than 5 s).");
	fprintf(f, "bpfalg_controller_up %d\n",
		c->controller_pid && now >= c->controller_heartbeat_ns &&
			now - c->controller_heartbeat_ns < 5000000000ULL);
	events_latency_read(&l);
	head(f, "bpfalg_controller_latency_seconds", "histogram",
	     "Time from the datapath's punt of a control packet to the "
	     "controller's first reinjection for it.");
	for (int b = 0; b < EV_LAT_BUCKETS; b++) {
		cum += l.bucket[b];
		fprintf(f,
			"bpfalg_controller_latency_seconds_bucket{le=\"%g\"} "
			"%llu\n",
			events_lat_bounds_ns[b] / 1e9, (unsigned long long)cum);
	}
	cum += l.bucket[EV_LAT_BUCKETS];
	fprintf(f,
		"bpfalg_controller_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)cum);
	fprintf(f, "bpfalg_controller_latency_seconds_sum %.9f\n",
		l.sum_ns / 1e9);
	fprintf(f, "bpfalg_controller_latency_seconds_count %llu\n",
		(unsigned long long)cum);
	monitor_stats_read(&ms);
	head(f, "bpfalg_event_subscribers", "gauge",
	     "Connected algctl events and algctl capture processes.");
	fprintf(f, "bpfalg_event_subscribers{kind=\"events\"} %llu\n",
		(unsigned long long)ms.events_subscribers);
	fprintf(f, "bpfalg_event_subscribers{kind=\"capture\"} %llu\n",
		(unsigned long long)ms.capture_subscribers);
	head(f, "bpfalg_event_messages_dropped_total", "counter",
	     "Events and packet copies a subscriber did not get because it "
	     "read too slowly.");
	fprintf(f, "bpfalg_event_messages_dropped_total %llu\n",
		(unsigned long long)ms.dropped);
}

char *metrics_render(const char *pin_path, size_t *len, char *err,
		     size_t errlen)
{
	struct bpfalg_counters cnt;
	struct bpfalg_config c;
	struct timespec t0, t1;
	char *buf = NULL;
	FILE *f;

	if (pins_read_cfg(pin_path, &c, err, errlen) ||
	    pins_read_counters(pin_path, &cnt, err, errlen))
		return NULL;
	f = open_memstream(&buf, len);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	scrape_read = 0;
	head(f, "bpfalg_build_info", "gauge",
	     "Constant 1: algctl's version and the datapath layout it "
	     "builds (layout), and the one the pins hold (pinned_layout).");
	fprintf(f,
		"bpfalg_build_info{version=\"%s\",layout=\"%u\","
		"pinned_layout=\"%u\"} 1\n",
		ALGCTL_VERSION, BPFALG_LAYOUT_VERSION, c.layout_version);
	head(f, "bpfalg_info", "gauge",
	     "Constant 1: the datapath layout the pins hold.");
	fprintf(f, "bpfalg_info{layout=\"%u\"} 1\n", c.layout_version);
	render_controller(f, &c);
	render_gc(f);
	render_counters(f, &cnt);
	render_algs(f, pin_path);
	render_tables(f, pin_path);
	render_process(f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	head(f, "bpfalg_scrape_entries_read", "gauge",
	     "Map entries this scrape read: the bounded tables (pinholes, "
	     "control sessions, forwards, fragments, calls, next hops); the "
	     "flow table is never walked by a scrape.");
	fprintf(f, "bpfalg_scrape_entries_read %ld\n", scrape_read);
	head(f, "bpfalg_scrape_duration_seconds", "gauge",
	     "Time this scrape took to read the pinned maps.");
	fprintf(f, "bpfalg_scrape_duration_seconds %.6f\n",
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (fclose(f)) {
		free(buf);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return buf;
}

/* ------------------------------------------------------- the server */

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned int code,
			      char *body, size_t len, bool must_free)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body,
		must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				code == MHD_HTTP_OK && must_free ?
					CONTENT_TYPE :
					"text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct metrics *m = cls;
	char err[512];
	size_t len = 0;
	char *body;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			      "only GET /metrics\n", 18, false);
	if (!strcmp(url, "/"))
		return answer(conn, MHD_HTTP_OK,
			      "bpfalg: metrics at /metrics\n", 28, false);
	if (strcmp(url, "/metrics"))
		return answer(conn, MHD_HTTP_NOT_FOUND, "not found\n", 10,
			      false);
	body = metrics_render(m->pin_path, &len, err, sizeof(err));
	if (!body) {
		size_t n = strlen(err);

		body = malloc(n + 2);
		if (!body)
			return MHD_NO;
		memcpy(body, err, n);
		body[n] = '\n';
		return answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE, body, n + 1,
			      true);
	}
	return answer(conn, MHD_HTTP_OK, body, len, true);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pr_debug("[metrics] %s", msg);
}

/* Our own listening socket: bind errors get their real reason. */
static int listen_on(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned int sl;
	int fd, one = 1, zero = 0;
	char reason[128];

	if (config_parse_listen(spec, &ss, &sl, reason, sizeof(reason))) {
		snprintf(err, errlen, "--metrics: %s", reason);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr)) {
		/* ":PORT" on a host without IPv6: every IPv4 address */
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		in_port_t port = ((struct sockaddr_in6 *)&ss)->sin6_port;

		memset(&ss, 0, sizeof(ss));
		s4->sin_family = AF_INET;
		s4->sin_port = port;
		sl = sizeof(*s4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		snprintf(err, errlen, "metrics on %s: socket: %s", spec,
			 strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6) /* ":PORT" serves IPv4 too */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 32)) {
		snprintf(err, errlen, "cannot serve metrics on %s: %s", spec,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct metrics *metrics_start(const char *spec, const char *pin_path, char *err,
			      size_t errlen)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(m->pin_path, sizeof(m->pin_path), "%s", pin_path);
	m->lfd = listen_on(spec, err, errlen);
	if (m->lfd < 0) {
		free(m);
		return NULL;
	}
	m->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, handle, m, MHD_OPTION_LISTEN_SOCKET, m->lfd,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_CONNECTION_LIMIT, 16U, MHD_OPTION_CONNECTION_TIMEOUT,
		10U, MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, errlen, "cannot serve metrics on %s: %s", spec,
			 errno ? strerror(errno) : "libmicrohttpd failed");
		close(m->lfd);
		free(m);
		return NULL;
	}
	pr_info("[metrics] serving http://%s/metrics\n", spec);
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	/* the listening socket back first (closed here), then the thread */
	if (MHD_quiesce_daemon(m->mhd) == m->lfd)
		close(m->lfd);
	MHD_stop_daemon(m->mhd);
	free(m);
}
