// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stress.c - port allocation under pressure.  A 1000-port range is filled to
 * 95 % with live bindings toward one server (client 10.0.1.2, source ports
 * kept), then:
 *   - STRESS_TRIALS new flows, one at a time (each removed again so the
 *     occupancy stays at 95 %), must all get a free port of the range
 *     (goal >= 99.99 %); none may land on a live binding;
 *   - the last 50 ports are taken by new flows;
 *   - with the range full, a new flow is dropped, PORT_EXHAUSTED counted,
 *     and every live binding is left as it was.
 */
#include <stdarg.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cases.h"
#include "flowtab.h"

#define S_MIN 30000
#define S_SPAN 1000
#define S_FILL 950
#define STRESS_TRIALS 20000

static int searched; /* flows whose port the controller's search found */

static int syn_out(const char *client, __u16 sport, struct run_res *r)
{
	struct pkt_spec s = {
		.family = 4, .proto = P_TCP, .src = client, .sport = sport,
		.dst = SERVER, .dport = 80, .tcp_flags = TH_SYN, .seq = 1,
	};
	__u8 b[PKT_MAX];
	int l = pkt_build(&s, b);

	return run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, b, l, r);
}

/*
 * A SYN as a sender sends it: when the packet path's probe budget ran out
 * (dropped, PORT_SEARCH counted), the controller's search runs, as the
 * daemon does on the ring's BPFALG_PUNT_PORT_SEARCH record, and the SYN is
 * retransmitted.  0 when a SYN got through.
 */
static int syn_retried(const char *client, __u16 sport, struct run_res *r)
{
	__u64 b[BPFALG_CNT_MAX], a[BPFALG_CNT_MAX];
	struct bpfalg_tuple o;
	__u16 port;

	counters_read(b);
	if (syn_out(client, sport, r))
		return -1;
	if (r->verdict == TC_OK)
		return 0;
	counters_read(a);
	if (a[BPFALG_CNT_PORT_EXHAUSTED] == b[BPFALG_CNT_PORT_EXHAUSTED])
		return -1;
	tuple4(&o, P_TCP, client, sport, SERVER, 80);
	if (flowtab_snat_search(&E.ft, &o, inet_addr(PUB), S_MIN,
				S_MIN + S_SPAN - 1, 0, 0, &port))
		return -1;
	if (syn_out(client, sport, r) || r->verdict != TC_OK)
		return -1;
	searched++;
	return 0;
}

static void drop_flow(const char *client, __u16 sport, __u16 pub)
{
	struct bpfalg_tuple o, rep;

	tuple4(&o, P_TCP, client, sport, SERVER, 80);
	tuple4(&rep, P_TCP, SERVER, 80, PUB, pub);
	(void)rep;
	flow_evict(&o);
}

/* Every binding of the fill must still map PUB:port to its own client. */
static int bindings_intact(char *why, size_t n)
{
	struct bpfalg_tuple rep, want, owner;
	struct bpfalg_flow f;
	__u32 cookie;
	int i;

	for (i = 0; i < S_FILL; i++) {
		tuple4(&rep, P_TCP, SERVER, 80, PUB, S_MIN + i);
		tuple4(&want, P_TCP, CLIENT, S_MIN + i, SERVER, 80);
		if ((rev_get(FLOWTAB_UNREPLIED, &rep, &owner, &cookie) &&
		     rev_get(FLOWTAB_ANSWERED, &rep, &owner, &cookie)) ||
		    memcmp(&owner, &want, sizeof(owner))) {
			snprintf(why, n, "binding for public port %d lost or reassigned",
				 S_MIN + i);
			return -1;
		}
		if (flow_lookup(&want, &f) || f.cookie != cookie ||
		    ntohs(f.reply4.dport) != S_MIN + i) {
			snprintf(why, n, "flow of client port %d lost or changed",
				 S_MIN + i);
			return -1;
		}
	}
	return 0;
}

void run_stress(void)
{
	static struct run_res r;
	__u64 b[BPFALG_CNT_MAX], a[BPFALG_CNT_MAX];
	static __u8 used[S_SPAN];
	char why[256] = "";
	int i, ok, fails = 0, bad = 0, other = 0;
	__u16 p;

	state_reset();
	config_write(S_MIN, S_MIN + S_SPAN - 1, BPFALG_CF_XDP_FAST);
	memset(used, 0, sizeof(used));

	/* fill 95 % */
	for (i = 0; i < S_FILL; i++) {
		if (syn_out(CLIENT, S_MIN + i, &r) || r.verdict != TC_OK ||
		    pkt_sport(r.out, r.out_len) != S_MIN + i)
			fails++;
		else
			used[i] = 1;
	}
	if (fails)
		snprintf(why, sizeof(why), "%d of %d fill flows not created with their own port",
			 fails, S_FILL);
	report("stress_fill_95_percent_of_1000_ports", !fails, why);
	if (fails)
		goto out;

	/* at 95 %: every new flow must get a free port */
	searched = 0;
	counters_read(b);
	fails = 0;
	for (i = 0; i < STRESS_TRIALS; i++) {
		__u16 cport = S_MIN + (i % S_FILL); /* taken publicly */

		if (syn_retried(CLIENT2, cport, &r)) {
			fails++;
			continue;
		}
		p = pkt_sport(r.out, r.out_len);
		if (p < S_MIN || p >= S_MIN + S_SPAN)
			other++;
		else if (used[p - S_MIN])
			bad++;
		drop_flow(CLIENT2, cport, p);
	}
	counters_read(a);
	ok = !bad && !other &&
	     (double)(STRESS_TRIALS - fails) / STRESS_TRIALS >= 0.9999;
	snprintf(why, sizeof(why),
		 "%d/%d allocated (%.4f%%; %d by the controller's search), %d on a live binding, %d outside the range, %.1f probes beyond the first on average",
		 STRESS_TRIALS - fails, STRESS_TRIALS,
		 100.0 * (STRESS_TRIALS - fails) / STRESS_TRIALS, searched,
		 bad, other,
		 (double)(a[BPFALG_CNT_PORT_RETRIES] -
			  b[BPFALG_CNT_PORT_RETRIES]) /
			 STRESS_TRIALS);
	report("stress_alloc_success_at_95_percent", ok, why);
	printf("  info: %s\n", why);
	if (bindings_intact(why, sizeof(why))) {
		report("stress_live_bindings_untouched_at_95_percent", false,
		       why);
		goto out;
	}
	report("stress_live_bindings_untouched_at_95_percent", true, NULL);

	/* take the last 50 ports */
	fails = 0;
	for (i = 0; i < S_SPAN - S_FILL; i++) {
		if (syn_retried(CLIENT2, S_MIN + i, &r)) {
			fails++;
			continue;
		}
		p = pkt_sport(r.out, r.out_len);
		if (p < S_MIN || p >= S_MIN + S_SPAN || used[p - S_MIN])
			fails++;
		else
			used[p - S_MIN] = 1;
	}
	snprintf(why, sizeof(why), "%d of the last %d free ports not handed out",
		 fails, S_SPAN - S_FILL);
	report("stress_last_free_ports_all_found", !fails, why);

	/* full: dropped, counted, nothing reused */
	{
		struct pkt_spec s = {
			.family = 4, .proto = P_TCP, .src = CLIENT2,
			.sport = S_MIN + 500, .dst = SERVER, .dport = 80,
			.tcp_flags = TH_SYN, .seq = 1,
		};
		__u8 in[PKT_MAX];
		int l = pkt_build(&s, in);
		int nf = flows_count();
		int nr = revs_count();

		counters_read(b);
		run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, l, &r);
		counters_read(a);
		why[0] = 0;
		ok = 1;
		if (r.err || r.verdict != TC_SHOT) {
			snprintf(why, sizeof(why), "verdict %d (err %d), want TC_ACT_SHOT; out port %u",
				 r.verdict, r.err, pkt_sport(r.out, r.out_len));
			ok = 0;
		} else if (a[BPFALG_CNT_PORT_EXHAUSTED] -
				   b[BPFALG_CNT_PORT_EXHAUSTED] != 1) {
			snprintf(why, sizeof(why), "PORT_EXHAUSTED moved by %llu, want 1",
				 (unsigned long long)(a[BPFALG_CNT_PORT_EXHAUSTED] -
						      b[BPFALG_CNT_PORT_EXHAUSTED]));
			ok = 0;
		} else if (pkt_diff(r.out, r.out_len, in, l) >= 0) {
			snprintf(why, sizeof(why), "dropped packet was modified");
			ok = 0;
		} else if (nf != flows_count() || nr != revs_count()) {
			snprintf(why, sizeof(why), "flow/reply tables changed (%d/%d entries before)",
				 nf, nr);
			ok = 0;
		} else if (a[BPFALG_CNT_FLOW_RECLAIMED] !=
			   b[BPFALG_CNT_FLOW_RECLAIMED]) {
			snprintf(why, sizeof(why), "a live binding was reclaimed");
			ok = 0;
		} else if (bindings_intact(why, sizeof(why))) {
			ok = 0;
		}
		report("stress_range_full_dropped_port_exhausted", ok, why);
	}
out:
	state_reset();
	config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST);
}
