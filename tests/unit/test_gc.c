// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_gc.c - idle timeouts per protocol and state (shared with BPF), and
 * one sweep pair over unpinned copies of the eight flow maps (needs
 * CAP_BPF: skipped without): every family and pair is read in its own key
 * and value form, expired and dead flows end at once, reply halves without
 * their flow only at the second sweep, and unreplied flows are recounted
 * per inside host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "engine/events.h"
#include "gc.h"
#include "pins.h"
#include "unit.h"

#define S 1000000000ULL

static void gc_timeouts_per_state(void)
{
	struct bpfalg_timeouts to = { .tcp_syn = 120, .tcp_established = 432000,
				      .tcp_fin = 120, .tcp_close = 10,
				      .udp = 30, .udp_stream = 120,
				      .icmp = 30 };
	struct bpfalg_tuple tcp = { .proto = BPFALG_IPPROTO_TCP },
			    udp = { .proto = BPFALG_IPPROTO_UDP },
			    icmp = { .proto = BPFALG_IPPROTO_ICMP },
			    icmp6 = { .proto = BPFALG_IPPROTO_ICMPV6,
				      .family = BPFALG_AF_INET6 };
	struct bpfalg_flow f = { .last_seen_ns = 1000 * S };

	f.state = BPFALG_ST_CLOSE;
	ASSERT_EQ(gc_flow_expired(&f, &tcp, &to, 1010 * S), 0);
	ASSERT_EQ(gc_flow_expired(&f, &tcp, &to, 1011 * S), 1);
	f.state = BPFALG_ST_ESTABLISHED;
	ASSERT_EQ(gc_flow_expired(&f, &tcp, &to, 1011 * S), 0);
	ASSERT_EQ(gc_flow_expired(&f, &tcp, &to, (1000 + 432001) * S), 1);
	f.state = BPFALG_ST_SYN_SENT;
	ASSERT_EQ(gc_flow_expired(&f, &tcp, &to, 1121 * S), 1);
	f.state = BPFALG_ST_TIME_WAIT;
	ASSERT_EQ(gc_flow_expired(&f, &tcp, &to, 1119 * S), 0);
	f.state = BPFALG_ST_NEW;
	ASSERT_EQ(gc_flow_expired(&f, &udp, &to, 1031 * S), 1);
	f.state = BPFALG_ST_ESTABLISHED;
	ASSERT_EQ(gc_flow_expired(&f, &udp, &to, 1031 * S), 0);
	ASSERT_EQ(gc_flow_expired(&f, &udp, &to, 1121 * S), 1);
	ASSERT_EQ(gc_flow_expired(&f, &icmp, &to, 1031 * S), 1);
	ASSERT_EQ(gc_flow_expired(&f, &icmp6, &to, 1029 * S), 0);
	ASSERT_EQ(gc_flow_expired(&f, &icmp6, &to, 1031 * S), 1);
	/* a timestamp from the future (written between our reads) is live */
	ASSERT_EQ(gc_flow_expired(&f, &udp, &to, 999 * S), 0);
}

/* ------------------------------------------- a sweep over real maps */

union any_key {
	struct bpfalg_key4 k4;
	struct bpfalg_tuple k6;
};

union any_rev {
	struct bpfalg_rev4 r4;
	struct bpfalg_rev6 r6;
};

/* Flows of one family and pair (set @i = fam * FLOWTAB_PAIRS + pair). */
enum { F_LIVE, F_LIVE2, F_INBOUND, F_EXPIRED, F_DEAD, F_N };

static struct bpfalg_tuple tup(int fam, int set, int host, __u16 sport,
			       __u16 dport, __u8 proto)
{
	struct bpfalg_tuple t = { .sport = htons(sport),
				  .dport = htons(dport),
				  .proto = proto };
	char s[64], d[64];

	if (fam == FLOWTAB_V4) {
		t.family = BPFALG_AF_INET;
		snprintf(s, sizeof(s), "10.0.%d.%d", set, host);
		snprintf(d, sizeof(d), "192.0.2.%d", 10 + set);
		inet_pton(AF_INET, s, t.saddr);
		inet_pton(AF_INET, d, t.daddr);
	} else {
		t.family = BPFALG_AF_INET6;
		snprintf(s, sizeof(s), "fd00:%d::%d", set, host);
		snprintf(d, sizeof(d), "2001:db8::%d", 10 + set);
		inet_pton(AF_INET6, s, t.saddr);
		inet_pton(AF_INET6, d, t.daddr);
	}
	return t;
}

/* The reply tuple of @o: SNAT to 192.0.2.1:@port (IPv4), reversed (IPv6). */
static struct bpfalg_tuple reply_of(const struct bpfalg_tuple *o, __u16 port)
{
	struct bpfalg_tuple r = *o;

	memcpy(r.saddr, o->daddr, sizeof(r.saddr));
	memcpy(r.daddr, o->saddr, sizeof(r.daddr));
	r.sport = o->dport;
	r.dport = o->sport;
	if (o->family == BPFALG_AF_INET) {
		inet_pton(AF_INET, "192.0.2.1", r.daddr);
		r.dport = htons(port);
	}
	return r;
}

static int put_orig(const struct flowtab *ft, int pair,
		    const struct bpfalg_tuple *o, const struct bpfalg_flow *f)
{
	union any_key k;

	flowtab_tuple_to_key(o, &k);
	return bpf_map_update_elem(ft->orig[flowtab_fam(o)][pair], &k, f,
				   BPF_ANY);
}

/* A reply half keyed @r naming @o with @cookie. */
static int put_rev(const struct flowtab *ft, int pair,
		   const struct bpfalg_tuple *r, const struct bpfalg_tuple *o,
		   __u32 cookie)
{
	union any_rev v = { 0 };
	union any_key k;
	int fam = flowtab_fam(r);

	flowtab_tuple_to_key(r, &k);
	if (fam == FLOWTAB_V4) {
		bpfalg_key4_of(o, &v.r4.orig);
		v.r4.cookie = cookie;
	} else {
		v.r6.orig = *o;
		v.r6.cookie = cookie;
	}
	return bpf_map_update_elem(ft->rev[fam][pair], &k, &v, BPF_ANY);
}

static bool has_orig(const struct flowtab *ft, int pair,
		     const struct bpfalg_tuple *o)
{
	struct bpfalg_flow f;
	union any_key k;

	flowtab_tuple_to_key(o, &k);
	return !bpf_map_lookup_elem(ft->orig[flowtab_fam(o)][pair], &k, &f);
}

static bool has_rev(const struct flowtab *ft, int pair,
		    const struct bpfalg_tuple *r)
{
	union any_rev v;
	union any_key k;

	flowtab_tuple_to_key(r, &k);
	return !bpf_map_lookup_elem(ft->rev[flowtab_fam(r)][pair], &k, &v);
}

static struct bpfalg_tuple ended_flow[8];
static int ended_flows, ended_pinholes;

static void on_ended(void *arg, const struct gc_ended *e)
{
	if (e->kind == GC_ENDED_PINHOLE) {
		ended_pinholes++;
		return;
	}
	if (ended_flows < 8)
		ended_flow[ended_flows] = e->flow.k;
	ended_flows++;
}

static int sweep(const struct gc_maps *m, struct gc_state *gs,
		 const struct bpfalg_timeouts *to, __u64 now,
		 struct gc_stats *st)
{
	int r = 0;

	for (int i = 0; i < 1000 && !r; i++)
		r = gc_step(m, gs, to, now, st);
	return r;
}

static void close_maps(struct gc_maps *m)
{
	for (int a = 0; a < FLOWTAB_FAMS; a++)
		for (int p = 0; p < FLOWTAB_PAIRS; p++) {
			if (m->ft.orig[a][p] >= 0)
				close(m->ft.orig[a][p]);
			if (m->ft.rev[a][p] >= 0)
				close(m->ft.rev[a][p]);
		}
	if (m->pinholes >= 0)
		close(m->pinholes);
	if (m->frags >= 0)
		close(m->frags);
	if (m->hosts >= 0)
		close(m->hosts);
}

static int open_maps(struct gc_maps *m)
{
	memset(m, 0, sizeof(*m));
	for (int a = 0; a < FLOWTAB_FAMS; a++)
		for (int p = 0; p < FLOWTAB_PAIRS; p++) {
			m->ft.orig[a][p] = bpf_map_create(
				BPF_MAP_TYPE_HASH, NULL, flowtab_key_size(a),
				sizeof(struct bpfalg_flow), 1024, NULL);
			m->ft.rev[a][p] = bpf_map_create(
				BPF_MAP_TYPE_HASH, NULL, flowtab_key_size(a),
				flowtab_rev_size(a), 1024, NULL);
		}
	m->pinholes = bpf_map_create(BPF_MAP_TYPE_HASH, NULL,
				     sizeof(struct bpfalg_pinhole_key),
				     sizeof(struct bpfalg_pinhole), 64, NULL);
	m->frags = bpf_map_create(BPF_MAP_TYPE_HASH, NULL,
				  sizeof(struct bpfalg_frag_key),
				  sizeof(struct bpfalg_frag), 64, NULL);
	m->hosts = bpf_map_create(BPF_MAP_TYPE_HASH, NULL,
				  sizeof(struct bpfalg_host_key), sizeof(__u32),
				  64, NULL);
	for (int a = 0; a < FLOWTAB_FAMS; a++)
		for (int p = 0; p < FLOWTAB_PAIRS; p++)
			if (m->ft.orig[a][p] < 0 || m->ft.rev[a][p] < 0)
				return -1;
	return m->pinholes < 0 || m->frags < 0 || m->hosts < 0 ? -1 : 0;
}

static __u32 host_count(int fd, const struct bpfalg_tuple *t)
{
	struct bpfalg_host_key k = { .family = t->family };
	__u32 n = 0;

	memcpy(k.addr, t->saddr, sizeof(k.addr));
	return bpf_map_lookup_elem(fd, &k, &n) ? 0 : n;
}

static void sweep_case(struct gc_maps *m, struct gc_state *gs)
{
	struct bpfalg_timeouts to = { .tcp_syn = 120,
				      .tcp_established = 432000,
				      .tcp_fin = 120,
				      .tcp_close = 10,
				      .udp = 30,
				      .udp_stream = 120,
				      .icmp = 30 };
	struct bpfalg_tuple o[4][F_N], r[4][F_N], orphan_r[4], stale_r[4];
	struct bpfalg_pinhole_key phk_old = { .public_port = htons(7000),
					      .proto = BPFALG_IPPROTO_UDP,
					      .family = BPFALG_AF_INET },
				  phk_new = phk_old;
	struct bpfalg_frag_key frk_old = { .saddr = htonl(0x0a000001),
					   .id = htons(1),
					   .proto = BPFALG_IPPROTO_UDP },
			       frk_new = frk_old;
	struct bpfalg_host_key stale_host = { .addr = { htonl(0x0a090909) },
					      .family = BPFALG_AF_INET };
	struct bpfalg_pinhole ph = { 0 };
	struct bpfalg_frag fr = { 0 };
	__u64 now = mono_ns() + 7200 * S;
	struct gc_stats st = { 0 };
	__u32 n = 7;

	for (int set = 0; set < 4; set++) {
		int fam = set / FLOWTAB_PAIRS, pair = set % FLOWTAB_PAIRS;
		bool unr = pair == FLOWTAB_UNREPLIED;
		__u8 proto = unr ? BPFALG_IPPROTO_UDP : BPFALG_IPPROTO_TCP;
		struct bpfalg_tuple gone;

		for (int i = 0; i < F_N; i++) {
			struct bpfalg_flow f = {
				.last_seen_ns = now,
				.state = unr ? BPFALG_ST_NEW :
					       BPFALG_ST_ESTABLISHED,
				.nat = fam == FLOWTAB_V4 ? BPFALG_NAT_SNAT :
							   BPFALG_NAT_NONE,
				.cookie = 0x100 * (set + 1) + 2 * i + 1,
			};
			/* F_LIVE and F_LIVE2 share their inside host */
			int host = i == F_LIVE2 ? 2 + F_LIVE : 2 + i;

			o[set][i] = tup(fam, set, host, 1000 + i, 53, proto);
			r[set][i] = reply_of(&o[set][i], 30000 + 16 * set + i);
			if (i == F_EXPIRED) { /* TCP: closing, 120 s */
				f.last_seen_ns = now - 3600 * S;
				if (!unr)
					f.state = BPFALG_ST_TIME_WAIT;
			}
			if (i == F_INBOUND)
				f.flags = BPFALG_FF_INBOUND;
			bpfalg_flow_set_reply(&f, &r[set][i]);
			if (i == F_DEAD) {
				/* superseded: its reply half is the
				 * replacement's
				 */
				f.cookie = BPFALG_COOKIE_DEAD;
				ASSERT_EQ(
					put_orig(&m->ft, pair, &o[set][i], &f),
					0);
				continue;
			}
			ASSERT_EQ(put_rev(&m->ft, pair, &r[set][i], &o[set][i],
					  f.cookie),
				  0);
			ASSERT_EQ(put_orig(&m->ft, pair, &o[set][i], &f), 0);
		}
		/* a reply half whose flow is gone, and one naming a live
		 * flow with another cookie (a replaced flow's)
		 */
		gone = tup(fam, set, 99, 5, 53, proto);
		orphan_r[set] = reply_of(&o[set][F_LIVE], 40000 + set);
		orphan_r[set].sport = htons(9); /* another key for IPv6 too */
		ASSERT_EQ(put_rev(&m->ft, pair, &orphan_r[set], &gone, 0x77),
			  0);
		stale_r[set] = reply_of(&o[set][F_LIVE], 41000 + set);
		stale_r[set].sport = htons(10);
		ASSERT_EQ(put_rev(&m->ft, pair, &stale_r[set], &o[set][F_LIVE],
				  0x5a5a0001 + 2 * set),
			  0);
	}
	/* an expired pinhole and a live one, an old fragment record and a
	 * fresh one, a host the datapath counted that has no flow left
	 */
	phk_new.public_port = htons(7001);
	ph.expires_ns = now - S;
	ASSERT_EQ(bpf_map_update_elem(m->pinholes, &phk_old, &ph, BPF_ANY), 0);
	ph.expires_ns = now + 60 * S;
	ASSERT_EQ(bpf_map_update_elem(m->pinholes, &phk_new, &ph, BPF_ANY), 0);
	frk_new.id = htons(2);
	fr.seen_ns = now - 31 * S;
	ASSERT_EQ(bpf_map_update_elem(m->frags, &frk_old, &fr, BPF_ANY), 0);
	fr.seen_ns = now;
	ASSERT_EQ(bpf_map_update_elem(m->frags, &frk_new, &fr, BPF_ANY), 0);
	ASSERT_EQ(bpf_map_update_elem(m->hosts, &stale_host, &n, BPF_ANY), 0);

	/* first sweep: expired and dead flows end, orphans are suspects */
	ASSERT_EQ(sweep(m, gs, &to, now, &st), 1);
	ASSERT_EQ(st.sweeps, 1);
	ASSERT_EQ(st.flows_expired, 4);
	ASSERT_EQ(st.rev_orphans, 4); /* the dead original halves */
	ASSERT_EQ(st.pinholes_expired, 1);
	ASSERT_EQ(st.frags_expired, 1);
	/* per set 5 original halves, 5 reply halves (the expired flow's
	 * went with it): all eight maps read
	 */
	ASSERT_EQ(st.entries_read, 4 * (5 + 5));
	ASSERT_EQ(ended_flows, 4);
	ASSERT_EQ(ended_pinholes, 1);
	/* the census the metrics show: three live flows per map, their
	 * reply halves and the two suspects still there
	 */
	{
		struct gc_census c;

		gc_census_read(&c);
		ASSERT_TRUE(c.done_ns && c.done_unix_ns, "no census published");
		for (int set = 0; set < 4; set++) {
			int fam = set / FLOWTAB_PAIRS,
			    pair = set % FLOWTAB_PAIRS;

			ASSERT_EQ(c.orig[fam][pair], 3);
			ASSERT_EQ(c.rev[fam][pair], 3 + 2);
		}
		ASSERT_EQ(c.by[GC_P_TCP][BPFALG_ST_ESTABLISHED], 6);
		ASSERT_EQ(c.by[GC_P_UDP][BPFALG_ST_NEW], 6);
		ASSERT_EQ(c.nat[BPFALG_NAT_SNAT], 6);
		ASSERT_EQ(c.nat[BPFALG_NAT_NONE], 6);
	}
	for (int set = 0; set < 4; set++) {
		int pair = set % FLOWTAB_PAIRS, hit = 0;

		for (int e = 0; e < ended_flows; e++)
			hit += !memcmp(&ended_flow[e], &o[set][F_EXPIRED],
				       sizeof(ended_flow[e]));
		ASSERT_TRUE(hit == 1, "set %d: expired flow reported %d times",
			    set, hit);
		ASSERT_TRUE(!has_orig(&m->ft, pair, &o[set][F_EXPIRED]) &&
				    !has_rev(&m->ft, pair, &r[set][F_EXPIRED]),
			    "set %d: expired flow not deleted", set);
		ASSERT_TRUE(!has_orig(&m->ft, pair, &o[set][F_DEAD]),
			    "set %d: dead original half kept", set);
		ASSERT_TRUE(has_rev(&m->ft, pair, &orphan_r[set]) &&
				    has_rev(&m->ft, pair, &stale_r[set]),
			    "set %d: a reply half without its flow deleted "
			    "at its first sweep",
			    set);
		for (int i = F_LIVE; i <= F_INBOUND; i++)
			ASSERT_TRUE(has_orig(&m->ft, pair, &o[set][i]) &&
					    has_rev(&m->ft, pair, &r[set][i]),
				    "set %d: live flow %d touched", set, i);
	}
	/* answered flows per inside host, both families; inbound flows and
	 * unreplied pairs not counted, a host without flows gone
	 */
	for (int set = 0; set < 4; set++) {
		bool ans = set % FLOWTAB_PAIRS == FLOWTAB_ANSWERED;

		ASSERT_EQ(host_count(m->hosts, &o[set][F_LIVE]), ans ? 2 : 0);
		ASSERT_EQ(host_count(m->hosts, &o[set][F_INBOUND]), 0);
	}
	ASSERT_TRUE(bpf_map_lookup_elem(m->hosts, &stale_host, &n),
		    "a host without answered flows kept its count");
	ASSERT_TRUE(!bpf_map_lookup_elem(m->pinholes, &phk_new, &ph) &&
			    !bpf_map_lookup_elem(m->frags, &frk_new, &fr),
		    "live pinhole or fragment record deleted");

	/* second sweep: what was an orphan then and is still goes */
	ASSERT_EQ(sweep(m, gs, &to, now, &st), 1);
	ASSERT_EQ(st.sweeps, 2);
	ASSERT_EQ(st.flows_expired, 4);
	ASSERT_EQ(st.rev_orphans, 4 + 8);
	ASSERT_EQ(st.entries_read, 4 * (5 + 5) + 4 * (3 + 5));
	for (int set = 0; set < 4; set++) {
		int pair = set % FLOWTAB_PAIRS;

		ASSERT_TRUE(!has_rev(&m->ft, pair, &orphan_r[set]) &&
				    !has_rev(&m->ft, pair, &stale_r[set]),
			    "set %d: orphan reply halves kept", set);
		for (int i = F_LIVE; i <= F_INBOUND; i++) {
			struct bpfalg_tuple back;
			struct bpfalg_flow f;

			ASSERT_TRUE(!flowtab_lookup_reply(&m->ft, &r[set][i],
							  &back, &f) &&
					    !memcmp(&back, &o[set][i],
						    sizeof(back)),
				    "set %d: live flow %d lost a half", set, i);
		}
	}
}

static void gc_sweep_all_pairs(void)
{
	int saved_subscribers = events_subscribers;
	struct gc_state gs = { .count_hosts = true };
	struct gc_maps m;

	if (open_maps(&m)) {
		printf("    skipped: cannot create BPF maps (%s): the sweep "
		       "case needs CAP_BPF\n",
		       strerror(errno));
		close_maps(&m);
		return;
	}
	m.ended = on_ended;
	m.arg = NULL;
	ended_flows = ended_pinholes = 0;
	events_subscribers = 1;
	sweep_case(&m, &gs);
	events_subscribers = saved_subscribers;
	gc_state_free(&gs);
	close_maps(&m);
}

UNIT_CASES(gc_cases, CASE(gc_timeouts_per_state), CASE(gc_sweep_all_pairs));
