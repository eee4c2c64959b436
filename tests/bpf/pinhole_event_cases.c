// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinhole_event_cases.c - the note a consumed pinhole leaves for the
 * controller (bpf/lib/punt.h pinhole_used_event, called by tc_new_inbound
 * in bpf/tc_alg.c): when the first packet from outside turns a pinhole into
 * a flow, a header-only record of reason BPFALG_PUNT_PINHOLE_USED goes into
 * punt_rb, so that the owning session updates its pinholes at once
 * (user/daemon.c pinhole_used -> engine_pinhole_used).  Its contract
 * (include/bpfalg.h): key = the pinhole's owner (the control flow's
 * original tuple), ifindex = where the packet came in, orig_len = the
 * public port in host order, pkt_len 0; nothing else is set.  No note for
 * TFTP's pinholes (the datapath's own), none while no controller is alive,
 * none into a ring more than a quarter full (BPFALG_CNT_FLOW_EVENT_DROP
 * instead).
 *
 * Each case starts from empty maps with one pinhole written as the
 * controller writes it, sets the controller's pid/heartbeat in cfg, and runs
 * one packet from outside through tc_ingress with the runner (verdict,
 * output bytes, checksums, counters), then checks:
 *
 *   - the punt ring: no record, or exactly one, header only, equal byte for
 *     byte to the header built here (its ts_ns, checked against the clock
 *     around the run, copied in);
 *   - the pinhole: gone when consumed, else still there and unchanged;
 *   - alg_dp_stats[the pinhole's ALG]: PH_HIT as given, nothing else moved;
 *   - the admitted flow: alg of the pinhole, FROM_PINHOLE.
 *
 * Then, written as code: the quarter-full limit on both sides of it.
 *
 * Topology as in cases.c: public address 192.0.2.1 on out0, client
 * 10.0.1.2 on in0; SERVER2 198.51.100.11 opens the data connections.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cases.h"

#define FTP BPFALG_ALG_FTP
#define SIP BPFALG_ALG_SIP
#define TFTP BPFALG_ALG_TFTP

#define T4(s_, sp, d_, dp, fl)                                          \
	.family = 4, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_, \
	.dport = dp, .tcp_flags = fl, .seq = 1000, .ack = 0
#define T6(s_, sp, d_, dp, fl)                                          \
	.family = 6, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_, \
	.dport = dp, .tcp_flags = fl, .seq = 1000, .ack = 0
#define U4(s_, sp, d_, dp)                                              \
	.family = 4, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_, \
	.dport = dp

#define INGRESS .prog = PR_TC_IN, .ifx = IFS_OUT

#define NSEC 1000000000ULL

/* The controller as cfg shows it. */
enum ctrl {
	CT_ALIVE = 1, /* pid = ours, heartbeat now */
	CT_RECENT, /* heartbeat 2 s old: still alive */
	CT_NONE, /* pid 0 */
	CT_STALE, /* pid set, heartbeat 4 s old */
};

/* A pinhole as the controller writes it, and its owner (control flow). */
struct phspec {
	int family;
	const char *remote;
	__u16 pub; /* public port (IPv6: the inside port itself) */
	__u8 proto;
	const char *inside;
	__u16 iport;
	__u16 rport; /* remote port, 0: any */
	int ttl_s; /* from now; < 0: expired */
	__u8 alg;
	__u8 oproto; /* owner: its original tuple */
	const char *os, *od;
	__u16 osp, odp;
};

struct pecase {
	struct tcase t;
	int ctrl; /* enum ctrl */
	bool cont; /* the previous case's maps and pinhole, as they are */
	struct phspec ph;
	bool note; /* exactly one PINHOLE_USED record, else none at all */
	bool consumed; /* pinhole gone, flow admitted; else kept, unchanged */
	long ph_hit; /* alg_dp_stats[ph.alg] PH_HIT move */
};

/* An FTP active-mode data connection: SERVER2 port 20 (@rp; 0: any) to
 * the client's PORT (public @pub, inside 10.0.1.2:@ip), owned by the
 * control connection CLIENT:40021 > SERVER2:21.
 */
#define PH_FTP4(pub, ip, rp, ttl)                                \
	.ph = { 4,   SERVER2, pub,   P_TCP,  CLIENT,  ip,    rp, \
		ttl, FTP,     P_TCP, CLIENT, SERVER2, 40021, 21 }

static const struct pecase table[] = {
	/* ================ the note: controller alive ================ */
	{ .t = { .name = "ph_event_ftp_v4_syn_admitted_note_names_owner",
		 INGRESS,
		 .in = { T4(SERVER2, 20, PUB, 50100, TH_SYN), .tcp_opts = 8 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER2, 20, CLIENT, 6100, TH_SYN),
			  .tcp_opts = 8 },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1), C(TC_XLATE, 1),
			  C(PINHOLE_REFUSED, 0), C(FLOW_EVENT_DROP, 0),
			  C(PUNT, 0), C(PUNT_FAIL, 0) } },
	  .ctrl = CT_ALIVE,
	  PH_FTP4(50100, 6100, 0, 60),
	  .note = true,
	  .consumed = true,
	  .ph_hit = 1 },
	{ .t = { .name = "ph_event_ftp_v4_heartbeat_2s_old_note",
		 INGRESS,
		 .in = { T4(SERVER2, 20, PUB, 50102, TH_SYN), .tcp_opts = 8 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER2, 20, CLIENT, 6102, TH_SYN),
			  .tcp_opts = 8 },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1),
			  C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_RECENT,
	  PH_FTP4(50102, 6102, 20, 60),
	  .note = true,
	  .consumed = true,
	  .ph_hit = 1 },
	/* the owner is not the packet's tuple, nor the pinhole's key: an
	 * IPv6 control flow, all 16 bytes of both addresses in the note
	 */
	{ .t = { .name = "ph_event_ftp_v6_syn_admitted_note_names_owner",
		 INGRESS,
		 .in = { T6(SERVER6, 20, CLIENT6, 6200, TH_SYN),
			 .tcp_opts = 8 },
		 .verdict = TC_OK,
		 .same = true,
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1), C(TC_XLATE, 1),
			  C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_ALIVE,
	  .ph = { 6, SERVER6, 6200, P_TCP, CLIENT6, 6200, 0, 60, FTP, P_TCP,
		  CLIENT6, SERVER6, 40026, 21 },
	  .note = true,
	  .consumed = true,
	  .ph_hit = 1 },
	/* only TFTP is left out: a SIP media pinhole (UDP) is reported */
	{ .t = { .name = "ph_event_sip_v4_udp_admitted_note_names_owner",
		 INGRESS,
		 .in = { U4(SERVER2, 30000, PUB, 50110), .payload = 172 },
		 .verdict = TC_OK,
		 .out = { U4(SERVER2, 30000, CLIENT, 16384), .payload = 172 },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1),
			  C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_ALIVE,
	  .ph = { 4, SERVER2, 50110, P_UDP, CLIENT, 16384, 30000, 60, SIP,
		  P_UDP, CLIENT, SERVER2, 5060, 5060 },
	  .note = true,
	  .consumed = true,
	  .ph_hit = 1 },

	/* ================= consumed without a note ================= */
	{ .t = { .name = "ph_event_ftp_no_controller_admitted_no_note",
		 INGRESS,
		 .in = { T4(SERVER2, 20, PUB, 50120, TH_SYN), .tcp_opts = 8 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER2, 20, CLIENT, 6120, TH_SYN),
			  .tcp_opts = 8 },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1),
			  C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_NONE,
	  PH_FTP4(50120, 6120, 0, 60),
	  .consumed = true,
	  .ph_hit = 1 },
	{ .t = { .name = "ph_event_ftp_stale_heartbeat_admitted_no_note",
		 INGRESS,
		 .in = { T4(SERVER2, 20, PUB, 50122, TH_SYN), .tcp_opts = 8 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER2, 20, CLIENT, 6122, TH_SYN),
			  .tcp_opts = 8 },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1),
			  C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_STALE,
	  PH_FTP4(50122, 6122, 0, 60),
	  .consumed = true,
	  .ph_hit = 1 },
	/* a TFTP answer from the server's new port (the pinhole the
	 * request opened, owned by the request flow): the datapath's own
	 */
	{ .t = { .name = "ph_event_tftp_controller_alive_admitted_no_note",
		 INGRESS,
		 .in = { U4(SERVER2, 50123, PUB, 40069), .payload = 16 },
		 .verdict = TC_OK,
		 .out = { U4(SERVER2, 50123, CLIENT, 40069), .payload = 16 },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1),
			  C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_ALIVE,
	  .ph = { 4, SERVER2, 40069, P_UDP, CLIENT, 40069, 0, 10, TFTP, P_UDP,
		  CLIENT, SERVER2, 40069, 69 },
	  .consumed = true,
	  .ph_hit = 1 },

	/* ========== refused, or not a first packet: no note ========== */
	{ .t = { .name = "ph_event_ftp_expired_refused_no_note_kept",
		 INGRESS,
		 .in = { T4(SERVER2, 20, PUB, 50130, TH_SYN), .tcp_opts = 8 },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(PINHOLE_REFUSED, 1), C(PINHOLE_HIT, 0),
			  C(FLOW_NEW, 0), C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_ALIVE,
	  PH_FTP4(50130, 6130, 0, -1) },
	{ .t = { .name = "ph_event_ftp_wrong_remote_port_refused_no_note",
		 INGRESS,
		 .in = { T4(SERVER2, 2020, PUB, 50132, TH_SYN), .tcp_opts = 8 },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(PINHOLE_REFUSED, 1), C(PINHOLE_HIT, 0),
			  C(FLOW_NEW, 0), C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_ALIVE,
	  PH_FTP4(50132, 6132, 20, 60) },
	/* the refusal spent nothing: the right port still gets the note */
	{ .t = { .name = "ph_event_ftp_right_remote_port_after_refusal_note",
		 INGRESS,
		 .in = { T4(SERVER2, 20, PUB, 50132, TH_SYN), .tcp_opts = 8 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER2, 20, CLIENT, 6132, TH_SYN),
			  .tcp_opts = 8 },
		 .cnt = { C(PINHOLE_HIT, 1), C(PINHOLE_REFUSED, 0),
			  C(FLOW_NEW, 1), C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_ALIVE,
	  .cont = true,
	  PH_FTP4(50132, 6132, 20, 60),
	  .note = true,
	  .consumed = true,
	  .ph_hit = 1 },
	/* the flow exists now: the server's retransmitted SYN is no first
	 * packet
	 */
	{ .t = { .name = "ph_event_ftp_retransmitted_syn_no_second_note",
		 INGRESS,
		 .in = { T4(SERVER2, 20, PUB, 50132, TH_SYN), .tcp_opts = 8 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER2, 20, CLIENT, 6132, TH_SYN),
			  .tcp_opts = 8 },
		 .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0), C(TC_XLATE, 1),
			  C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_ALIVE,
	  .cont = true,
	  PH_FTP4(50132, 6132, 20, 60),
	  .consumed = true },
	/* only a SYN consumes a TCP pinhole */
	{ .t = { .name = "ph_event_ftp_bare_ack_not_consumed_no_note",
		 INGRESS,
		 .in = { T4(SERVER2, 20, PUB, 50134, TH_ACK) },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(INBOUND_NOT_SYN, 1), C(PINHOLE_HIT, 0),
			  C(PINHOLE_REFUSED, 0), C(FLOW_NEW, 0),
			  C(FLOW_EVENT_DROP, 0) } },
	  .ctrl = CT_ALIVE,
	  PH_FTP4(50134, 6134, 0, 60) },
};

/* ---------------------------------------------------------------------- */

static int m_algcfg = -1, m_adp = -1, m_rb = -1;
static struct ring_buffer *rb;

/* The records of one drain: all counted, notes kept apart. */
struct rec {
	__u8 b[sizeof(struct bpfalg_punt_hdr) + BPFALG_PUNT_MAX_PKT];
	size_t size;
};

#define MAX_NOTES 4
static struct rec notes[MAX_NOTES];
static int n_recs, n_notes;

static int on_rec(void *ctx, void *data, size_t size)
{
	const struct bpfalg_punt_hdr *h = data;
	struct rec *r;

	n_recs++;
	if (size < sizeof(*h) || h->reason != BPFALG_PUNT_PINHOLE_USED)
		return 0;
	if (n_notes < MAX_NOTES) {
		r = &notes[n_notes];
		memset(r, 0, sizeof(*r));
		memcpy(r->b, data, size < sizeof(r->b) ? size : sizeof(r->b));
		r->size = size;
	}
	n_notes++;
	return 0;
}

/* Drain the ring: the number of records, -1 on error. */
static int ring_take(void)
{
	n_recs = n_notes = 0;
	if (ring_buffer__consume(rb) < 0)
		return -1;
	return n_recs;
}

static void adp_read(__u32 alg, __u64 out[BPFALG_ADP_MAX])
{
	size_t sz = (sizeof(struct bpfalg_alg_dp_stats) + 7) & ~7UL;
	__u8 buf[sz * E.ncpus];
	int c, i;

	memset(out, 0, sizeof(__u64) * BPFALG_ADP_MAX);
	if (bpf_map_lookup_elem(m_adp, &alg, buf))
		return;
	for (c = 0; c < E.ncpus; c++) {
		struct bpfalg_alg_dp_stats *v = (void *)(buf + c * sz);

		for (i = 0; i < BPFALG_ADP_MAX; i++)
			out[i] += v->c[i];
	}
}

static int cfg_ctrl(int ctrl)
{
	struct bpfalg_config c;
	__u32 zero = 0;
	__u64 now = mono_ns();

	if (bpf_map_lookup_elem(E.m_cfg, &zero, &c))
		return -1;
	c.controller_pid = ctrl == CT_NONE ? 0 : getpid();
	c.controller_heartbeat_ns = ctrl == CT_RECENT ? now - 2 * NSEC :
				    ctrl == CT_STALE  ? now - 4 * NSEC :
							now;
	return bpf_map_update_elem(E.m_cfg, &zero, &c, BPF_ANY);
}

static void ph_kv(const struct phspec *s, struct bpfalg_pinhole_key *k,
		  struct bpfalg_pinhole *v, __u64 now)
{
	int af = s->family == 6 ? AF_INET6 : AF_INET;

	memset(k, 0, sizeof(*k));
	inet_pton(af, s->remote, k->remote);
	k->public_port = htons(s->pub);
	k->proto = s->proto;
	k->family = s->family == 6 ? BPFALG_AF_INET6 : BPFALG_AF_INET;
	memset(v, 0, sizeof(*v));
	inet_pton(af, s->inside, v->inside_addr);
	v->inside_port = htons(s->iport);
	v->remote_port = htons(s->rport);
	v->alg = s->alg;
	v->in_ifindex = E.ifin;
	v->expires_ns = now + (__s64)s->ttl_s * (__s64)NSEC;
	tuple_of(&v->owner, s->family, s->oproto, s->os, s->osp, s->od, s->odp);
}

/* The pinhole as the last ph_put() wrote it (unchanged-check). */
static struct bpfalg_pinhole ph_written;

static int ph_put(const struct phspec *s)
{
	struct bpfalg_pinhole_key k;

	ph_kv(s, &k, &ph_written, mono_ns());
	return bpf_map_update_elem(E.m_pinholes, &k, &ph_written, BPF_NOEXIST);
}

/*
 * The one note of a consumed pinhole @s, seen on ifindex @ifx, written
 * between @t0 and @t1: the whole record, byte for byte.
 */
static int note_check(const struct phspec *s, int ifx, const struct rec *r,
		      __u64 t0, __u64 t1, char *why, size_t n)
{
	struct bpfalg_punt_hdr want, got;
	const __u8 *w = (const __u8 *)&want, *g = (const __u8 *)&got;
	size_t i;

	if (r->size != sizeof(got))
		return fail(why, n, "note of %zu bytes, want %zu (header only)",
			    r->size, sizeof(got));
	memcpy(&got, r->b, sizeof(got));

	memset(&want, 0, sizeof(want));
	want.layout_version = BPFALG_LAYOUT_VERSION;
	want.ifindex = ifx;
	want.pkt_len = 0;
	want.orig_len = s->pub; /* host order */
	want.reason = BPFALG_PUNT_PINHOLE_USED;
	tuple_of(&want.key, s->family, s->oproto, s->os, s->osp, s->od, s->odp);

	if (got.layout_version != want.layout_version)
		return fail(why, n, "note layout_version %u, want %u",
			    got.layout_version, want.layout_version);
	if (memcmp(&got.key, &want.key, sizeof(want.key)))
		return fail(why, n,
			    "note key is not the pinhole's owner "
			    "%s:%u > %s:%u",
			    s->os, s->osp, s->od, s->odp);
	if (got.ifindex != want.ifindex)
		return fail(why, n, "note ifindex %u, want %u (ingress)",
			    got.ifindex, want.ifindex);
	if (got.orig_len != want.orig_len || got.pkt_len)
		return fail(why, n,
			    "note orig_len %u pkt_len %u, want %u (public "
			    "port) and 0",
			    got.orig_len, got.pkt_len, want.orig_len);
	/* the datapath clock is CLOCK_MONOTONIC at tick resolution */
	if (got.ts_ns + 100000000ULL < t0 || got.ts_ns > t1)
		return fail(why, n, "note ts_ns %llu outside [%llu, %llu]",
			    (unsigned long long)got.ts_ns,
			    (unsigned long long)t0, (unsigned long long)t1);
	want.ts_ns = got.ts_ns;
	/* nothing else set: dir, ingress, alg, reason, pad */
	for (i = 0; i < sizeof(want); i++)
		if (w[i] != g[i])
			return fail(why, n,
				    "note byte %zu is 0x%02x, want 0x%02x "
				    "(dir %u ingress %u alg %u reason %u "
				    "gso_size %u)",
				    i, g[i], w[i], got.dir, got.ingress,
				    got.alg, got.reason, got.gso_size);
	return 0;
}

/* The pinhole of @s: gone (@consumed), else there and as written. */
static int ph_check(const struct phspec *s, bool consumed, char *why, size_t n)
{
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v, unused;
	int rc;

	ph_kv(s, &k, &unused, 0);
	rc = bpf_map_lookup_elem(E.m_pinholes, &k, &v);
	if (consumed && !rc)
		return fail(why, n, "pinhole %u still in the map", s->pub);
	if (!consumed && rc)
		return fail(why, n, "pinhole %u consumed", s->pub);
	if (!consumed && memcmp(&v, &ph_written, sizeof(v)))
		return fail(why, n, "pinhole %u rewritten", s->pub);
	return 0;
}

/* The flow the pinhole admitted (keyed by the packet's tuple). */
static int flow_check(const struct pecase *pc, char *why, size_t n)
{
	const struct pkt_spec *in = &pc->t.in;
	struct bpfalg_tuple k;
	struct bpfalg_flow f;

	tuple_of(&k, in->family, in->proto, in->src, in->sport, in->dst,
		 in->dport);
	if (flow_lookup(&k, &f)) {
		if (pc->consumed)
			return fail(why, n, "no flow for the admitted packet");
		return 0;
	}
	if (!pc->consumed)
		return fail(why, n, "a flow was created for a refused packet");
	if (f.alg != pc->ph.alg || !(f.flags & BPFALG_FF_FROM_PINHOLE))
		return fail(why, n,
			    "flow alg %u flags 0x%x, want alg %u FROM_PINHOLE",
			    f.alg, f.flags, pc->ph.alg);
	return 0;
}

static int run_pecase(const struct pecase *pc, char *why, size_t n)
{
	__u64 b[BPFALG_ADP_MAX], a[BPFALG_ADP_MAX], t0, t1;
	int i, nr;

	if (!pc->cont) {
		state_reset();
		if (ph_put(&pc->ph))
			return fail(why, n, "pinhole update: %s",
				    strerror(errno));
	}
	if (cfg_ctrl(pc->ctrl))
		return fail(why, n, "cfg update: %s", strerror(errno));
	if (ring_take() < 0)
		return fail(why, n, "ring_buffer__consume failed");

	adp_read(pc->ph.alg, b);
	t0 = mono_ns();
	if (run_case(&pc->t, why, n))
		return -1;
	t1 = mono_ns();
	adp_read(pc->ph.alg, a);
	for (i = 0; i < BPFALG_ADP_MAX; i++) {
		long want = i == BPFALG_ADP_PH_HIT ? pc->ph_hit : 0;

		if ((long)(a[i] - b[i]) != want)
			return fail(why, n,
				    "alg_dp_stats[%u] counter %d moved by %ld, "
				    "want %ld",
				    pc->ph.alg, i, (long)(a[i] - b[i]), want);
	}

	nr = ring_take();
	if (nr < 0)
		return fail(why, n, "ring_buffer__consume failed");
	if (nr != (pc->note ? 1 : 0) || n_notes != nr)
		return fail(why, n,
			    "%d record(s) in the punt ring (%d PINHOLE_USED), "
			    "want %d",
			    nr, n_notes, pc->note ? 1 : 0);
	if (pc->note && note_check(&pc->ph, ifindex_of(pc->t.ifx), &notes[0],
				   t0, t1, why, n))
		return -1;
	if (ph_check(&pc->ph, pc->consumed, why, n))
		return -1;
	return flow_check(pc, why, n);
}

/* ---- written as code: the quarter-full ring ---- */

/* A punt of the largest size class: a full frame of an FTP control flow. */
#define FILL_PORT 40990
#define RB_REC(len) (((len) + 8 + 7) & ~7) /* with the ring's header */

static const struct pkt_spec fill_pkt = {
	.family = 4,
	.proto = P_TCP,
	.src = CLIENT,
	.sport = FILL_PORT,
	.dst = SERVER,
	.dport = 21,
	.tcp_flags = TH_PSH | TH_ACK,
	.seq = 1000,
	.ack = 2000,
	.payload = BPFALG_PUNT_MAX_PKT - 54,
};

/* @k punts of a full frame: 0 when every one went into the ring. */
static int ring_fill(int k, char *why, size_t n)
{
	__u64 cb[BPFALG_CNT_MAX], ca[BPFALG_CNT_MAX];
	static struct run_res r;
	__u8 in[PKT_MAX];
	int il = pkt_build(&fill_pkt, in), i;

	if (il != BPFALG_PUNT_MAX_PKT)
		return fail(why, n, "fill frame of %d bytes", il);
	counters_read(cb);
	for (i = 0; i < k; i++)
		if (run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r) ||
		    r.verdict != TC_SHOT)
			return fail(why, n, "fill punt %d: err %d verdict %d",
				    i, r.err, r.verdict);
	counters_read(ca);
	if (ca[BPFALG_CNT_PUNT] - cb[BPFALG_CNT_PUNT] != (__u64)k)
		return fail(why, n, "%llu of %d fill punts went into the ring",
			    (unsigned long long)(ca[BPFALG_CNT_PUNT] -
						 cb[BPFALG_CNT_PUNT]),
			    k);
	return 0;
}

/*
 * With @k full-frame punts waiting in the ring, a pinhole of the controller
 * alive is consumed: its note is written (@note) or skipped and counted.
 */
static void quarter(const char *name, int k, bool note)
{
	static const struct pecase pc = {
		.t = { INGRESS,
		       .in = { T4(SERVER2, 20, PUB, 50140, TH_SYN),
			       .tcp_opts = 8 },
		       .verdict = TC_OK,
		       .out = { T4(SERVER2, 20, CLIENT, 6140, TH_SYN),
				.tcp_opts = 8 } },
		.ctrl = CT_ALIVE,
		PH_FTP4(50140, 6140, 0, 60),
		.consumed = true,
		.ph_hit = 1,
	};
	struct tcase t = pc.t;
	char why[512] = "";
	__u64 t0, t1;
	int nr;

	t.cnt[0] = (struct cexp)C(PINHOLE_HIT, 1);
	t.cnt[1] = (struct cexp)C(FLOW_NEW, 1);
	t.cnt[2] = (struct cexp)C(FLOW_EVENT_DROP, note ? 0 : 1);
	state_reset();
	cfg_ctrl(CT_ALIVE);
	if (ring_take() < 0) {
		fail(why, sizeof(why), "ring_buffer__consume failed");
		goto out;
	}
	if (ring_fill(k, why, sizeof(why)))
		goto out;
	if (ph_put(&pc.ph)) {
		fail(why, sizeof(why), "pinhole update: %s", strerror(errno));
		goto out;
	}
	t0 = mono_ns();
	if (run_case(&t, why, sizeof(why)))
		goto out;
	t1 = mono_ns();
	nr = ring_take();
	if (nr != k + (note ? 1 : 0) || n_notes != (note ? 1 : 0)) {
		fail(why, sizeof(why),
		     "%d records (%d PINHOLE_USED) after %d punts, want %d "
		     "(%d)",
		     nr, n_notes, k, k + (note ? 1 : 0), note ? 1 : 0);
		goto out;
	}
	if (note && note_check(&pc.ph, ifindex_of(IFS_OUT), &notes[0], t0, t1,
			       why, sizeof(why)))
		goto out;
	if (ph_check(&pc.ph, true, why, sizeof(why)))
		goto out;
	printf("  info: %s: %d records of %d bytes (%d of a %d-byte ring)\n",
	       name, k,
	       RB_REC((int)sizeof(struct bpfalg_punt_hdr) +
		      BPFALG_PUNT_MAX_PKT),
	       k * RB_REC((int)sizeof(struct bpfalg_punt_hdr) +
			  BPFALG_PUNT_MAX_PKT),
	       BPFALG_PUNT_RB_SIZE);
out:
	ring_take();
	report(name, !why[0], why);
}

void run_pinhole_event_table(void)
{
	const int rec = RB_REC((int)sizeof(struct bpfalg_punt_hdr) +
			       BPFALG_PUNT_MAX_PKT);
	/* the most full records that leave the ring at most a quarter full */
	const int at_quarter = (BPFALG_PUNT_RB_SIZE / 4) / rec;
	struct bpfalg_alg_cfg ftp_saved = {}, ftp_on = { .mode = BPFALG_MODE_ON,
							 .ports = { 21 } };
	struct bpfalg_config cfg_saved;
	__u32 zero = 0, kftp = FTP;
	char why[512];
	size_t i;

	m_algcfg = open_pin("alg_cfg");
	m_adp = open_pin("alg_dp_stats");
	m_rb = open_pin("punt_rb");
	if (m_algcfg < 0 || m_adp < 0 || m_rb < 0 ||
	    bpf_map_lookup_elem(E.m_cfg, &zero, &cfg_saved) ||
	    bpf_map_lookup_elem(m_algcfg, &kftp, &ftp_saved)) {
		report("ph_event_setup", false, "pinned maps not found");
		goto close;
	}
	rb = ring_buffer__new(m_rb, on_rec, NULL, NULL);
	if (!rb) {
		report("ph_event_setup", false, "ring_buffer__new failed");
		goto close;
	}

	for (i = 0; i < ARRAY_SIZE(table); i++) {
		why[0] = 0;
		report(table[i].t.name,
		       !run_pecase(&table[i], why, sizeof(why)), why);
	}

	/* the fill punts need FTP on for port 21 */
	bpf_map_update_elem(m_algcfg, &kftp, &ftp_on, BPF_ANY);
	quarter("ph_event_ring_at_a_quarter_note_written", at_quarter, true);
	quarter("ph_event_ring_over_a_quarter_note_skipped_counted",
		at_quarter + 1, false);

	bpf_map_update_elem(m_algcfg, &kftp, &ftp_saved, BPF_ANY);
	bpf_map_update_elem(E.m_cfg, &zero, &cfg_saved, BPF_ANY);
	state_reset();
	ring_take();
	ring_buffer__free(rb);
close:
	if (m_algcfg >= 0)
		close(m_algcfg);
	if (m_adp >= 0)
		close(m_adp);
	if (m_rb >= 0)
		close(m_rb);
}
