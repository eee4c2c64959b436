// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cases.c - the case table, in the order it runs (later cases build on the
 * flows earlier ones created; `.reset` starts a group from empty maps).
 * Every expectation comes from docs/datapath.md.
 *
 * Topology (harness.h): inside in0 10.0.1.1/24 (client 10.0.1.2), outside
 * out0 192.0.2.1/24 = cfg.public_v4, server 198.51.100.10 behind the
 * default gateway 192.0.2.254.  SNAT is checked at tc_egress with
 * ifindex = out0 and ingress_ifindex = in0 (forwarded from inside); replies
 * at tc_ingress with ifindex = out0.
 */
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cases.h"

#define SEQ .seq = 1000, .ack = 2000
#define T4(s_, sp, d_, dp, fl)                                                 \
	.family = 4, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .tcp_flags = fl, SEQ
#define U4(s_, sp, d_, dp)                                                     \
	.family = 4, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp
#define EC4(s_, d_, id, type)                                                  \
	.family = 4, .proto = P_ICMP, .src = s_, .dst = d_, .sport = id,       \
	.icmp_type = type, .icmp_seq = 7, .payload = 56
#define T6(s_, sp, d_, dp, fl)                                                 \
	.family = 6, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .tcp_flags = fl, SEQ
#define U6(s_, sp, d_, dp)                                                     \
	.family = 6, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp
#define EC6(s_, d_, id, type)                                                  \
	.family = 6, .proto = P_ICMP6, .src = s_, .dst = d_, .sport = id,      \
	.icmp_type = type, .icmp_seq = 7, .payload = 56
#define ERR4(s_, d_, type, code, in_)                                          \
	.family = 4, .proto = P_ICMP, .src = s_, .dst = d_, .icmp_type = type, \
	.icmp_code = code, .inner = in_
#define ERR6(s_, d_, type, code, in_)                                          \
	.family = 6, .proto = P_ICMP6, .src = s_, .dst = d_,                   \
	.icmp_type = type, .icmp_code = code, .inner = in_

/* TC on the outside interface. */
#define EGRESS_FROM_INSIDE .prog = PR_TC_OUT, .ifx = IFS_OUT, .iif = IFS_IN
#define EGRESS_HOST .prog = PR_TC_OUT, .ifx = IFS_OUT, .iif = IFS_NONE
#define INGRESS .prog = PR_TC_IN, .ifx = IFS_OUT
#define XDP_OUT .prog = PR_XDP, .ifx = IFS_OUT /* arriving from outside */
#define XDP_IN .prog = PR_XDP, .ifx = IFS_IN /* arriving from inside */

/* MACs around XDP: frames arrive addressed to the gateway and leave toward
 * the FIB's neighbour.
 */
#define FROM_GW .smac = MAC_GW, .dmac = MAC_OUT0
#define FROM_CLIENT .smac = MAC_CLIENT, .dmac = MAC_IN0
#define TO_CLIENT .smac = MAC_IN0, .dmac = MAC_CLIENT, .ttl = 63
#define TO_GW .smac = MAC_OUT0, .dmac = MAC_GW, .ttl = 63

#define FWD_SRV "10.0.1.5"

/* ---- quoted packets for ICMP errors ---- */
static const struct pkt_spec q_udp_pub = { U4(PUB, 40100, SERVER, 53),
					   .payload = 40, .ttl = 63 };
static const struct pkt_spec q_udp_cli = { U4(CLIENT, 40100, SERVER, 53),
					   .payload = 40, .ttl = 63 };
static const struct pkt_spec q_udp_pub_ttl1 = { U4(PUB, 40100, SERVER, 53),
						.payload = 40, .ttl = 1 };
static const struct pkt_spec q_udp_cli_ttl1 = { U4(CLIENT, 40100, SERVER, 53),
						.payload = 40, .ttl = 1 };
static const struct pkt_spec q_tcp_pub = { T4(PUB, 40101, SERVER, 80, TH_ACK),
					   .payload = 1400, .ttl = 63 };
static const struct pkt_spec q_tcp_cli = { T4(CLIENT, 40101, SERVER, 80,
					      TH_ACK),
					   .payload = 1400, .ttl = 63 };
static const struct pkt_spec q_echo_pub = { EC4(PUB, SERVER, 0x4242, 8),
					    .ttl = 1 };
static const struct pkt_spec q_echo_cli = { EC4(CLIENT, SERVER, 0x4242, 8),
					    .ttl = 1 };
static const struct pkt_spec q_udp_unknown = { U4(PUB, 40999, SERVER, 53),
					       .payload = 40, .ttl = 63 };
/* reply as the client received it, quoted back by the client */
static const struct pkt_spec q_reply_cli = { U4(SERVER, 53, CLIENT, 40100),
					     .payload = 20, .ttl = 62 };
static const struct pkt_spec q_reply_pub = { U4(SERVER, 53, PUB, 40100),
					     .payload = 20, .ttl = 62 };
static const struct pkt_spec q6_tcp = { T6(CLIENT6, 40400, SERVER6, 443,
					   TH_ACK),
					.payload = 1400 };
static const struct pkt_spec q6_unknown = { T6(CLIENT6, 40999, SERVER6, 443,
					       TH_ACK),
					    .payload = 100 };

/* ---- map fixtures ---- */
static void fwd_add(__u8 proto, __u16 pub, const char *addr, __u16 port)
{
	struct bpfalg_fwd_key k = { .port = htons(pub), .proto = proto,
				    .family = BPFALG_AF_INET };
	struct bpfalg_fwd v = { .port = htons(port) };

	v.addr[0] = ip4(addr);
	bpf_map_update_elem(E.m_forwards, &k, &v, BPF_ANY);
}

static void pre_forwards(void)
{
	fwd_add(P_TCP, 8080, FWD_SRV, 80);
	fwd_add(P_UDP, 5353, FWD_SRV, 53);
}

static void ph_key(struct bpfalg_pinhole_key *k, const char *remote,
		   __u16 pub, __u8 proto)
{
	memset(k, 0, sizeof(*k));
	k->remote[0] = ip4(remote);
	k->public_port = htons(pub);
	k->proto = proto;
	k->family = BPFALG_AF_INET;
}

static void ph_add(const char *remote, __u16 pub, __u8 proto,
		   const char *inside, __u16 iport, __u16 rport, __s64 ttl_s)
{
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v = {};

	ph_key(&k, remote, pub, proto);
	v.inside_addr[0] = ip4(inside);
	v.inside_port = htons(iport);
	v.remote_port = htons(rport);
	v.in_ifindex = E.ifin;
	v.expires_ns = mono_ns() + ttl_s * 1000000000LL;
	bpf_map_update_elem(E.m_pinholes, &k, &v, BPF_ANY);
}

static void pre_pinholes(void)
{
	ph_add(SERVER2, 50000, P_UDP, CLIENT, 6000, 0, 60); /* any port */
	ph_add(SERVER2, 50002, P_UDP, CLIENT, 6002, 5004, 60); /* port 5004 */
	ph_add(SERVER2, 50004, P_UDP, CLIENT, 6004, 0, -1); /* expired */
	ph_add(SERVER2, 50006, P_TCP, CLIENT, 6006, 0, 60);
}

static int ph_present(const char *remote, __u16 pub, __u8 proto)
{
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v;

	ph_key(&k, remote, pub, proto);
	return !bpf_map_lookup_elem(E.m_pinholes, &k, &v);
}

static int post_ph50000_kept(char *why, size_t n)
{
	if (!ph_present(SERVER2, 50000, P_UDP)) {
		snprintf(why, n, "pinhole 50000 vanished on a foreign packet");
		return -1;
	}
	return 0;
}

static int post_ph50000_consumed(char *why, size_t n)
{
	if (ph_present(SERVER2, 50000, P_UDP)) {
		snprintf(why, n, "pinhole 50000 still present after its hit");
		return -1;
	}
	return 0;
}

static int post_ph50002_kept(char *why, size_t n)
{
	if (!ph_present(SERVER2, 50002, P_UDP)) {
		snprintf(why, n, "pinhole 50002 consumed by a refused packet");
		return -1;
	}
	return 0;
}

/* The default rules of a NAT: no state may be created by foreign input. */
static int post_no_flows(char *why, size_t n)
{
	int c = flows_count();

	if (c != 0) {
		snprintf(why, n, "%d flow(s) created", c);
		return -1;
	}
	return 0;
}

static __u64 last_seen_mark;

static int flow_get(const char *c, __u16 cp, const char *d, __u16 dp,
		    __u8 proto, struct bpfalg_flow *f)
{
	struct bpfalg_tuple k;

	tuple4(&k, proto, c, cp, d, dp);
	return flow_lookup(&k, f);
}

static int post_last_seen_record(char *why, size_t n)
{
	struct bpfalg_flow f;

	if (flow_get(CLIENT, 40700, SERVER, 22, P_TCP, &f)) {
		snprintf(why, n, "flow missing");
		return -1;
	}
	last_seen_mark = f.last_seen_ns;
	return 0;
}

static int post_last_seen_same(char *why, size_t n)
{
	struct bpfalg_flow f;

	if (flow_get(CLIENT, 40700, SERVER, 22, P_TCP, &f)) {
		snprintf(why, n, "flow missing");
		return -1;
	}
	if (mono_ns() - last_seen_mark < 900000000ULL &&
	    f.last_seen_ns != last_seen_mark) {
		snprintf(why, n, "last_seen_ns rewritten %llu ns after the previous write",
			 (unsigned long long)(f.last_seen_ns - last_seen_mark));
		return -1;
	}
	if (f.packets[BPFALG_DIR_REPLY] < 1) {
		snprintf(why, n, "reply packets not counted");
		return -1;
	}
	return 0;
}

/* Simulate LRU eviction of the original half while its reply half stays. */
static void pre_evict_orphan_flow(void)
{
	struct bpfalg_tuple k;

	tuple4(&k, P_UDP, CLIENT, 40600, SERVER, 53);
	half_del(FLOWTAB_ANSWERED, &k);
	half_del(FLOWTAB_UNREPLIED, &k);
}

/* The datapath deletes nothing: the reply half stays (a miss, the GC's). */
static int post_orphan_left_alone(char *why, size_t n)
{
	struct bpfalg_tuple k, o;
	__u32 cookie;

	tuple4(&k, P_UDP, SERVER, 53, PUB, 40600);
	if (rev_get(FLOWTAB_UNREPLIED, &k, &o, &cookie) &&
	    rev_get(FLOWTAB_ANSWERED, &k, &o, &cookie)) {
		snprintf(why, n, "the datapath deleted the orphan reply half");
		return -1;
	}
	return 0;
}

/* --max-flows-per-host: the config entry's limit, as algctl up writes it */
static void host_limit_set(__u32 n)
{
	struct bpfalg_config c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(E.m_cfg, &zero, &c))
		return;
	c.max_flows_per_host = n;
	bpf_map_update_elem(E.m_cfg, &zero, &c, BPF_ANY);
}

static void pre_host_limit_2(void)
{
	struct bpfalg_host_key k;
	int fd = open_pin("host_answered");

	/* counts left by earlier cases would not be the fixture's */
	while (fd >= 0 && !bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
	if (fd >= 0)
		close(fd);
	host_limit_set(2);
}

/* Answered beyond its host's share: it stays in the unreplied pair. */
static int post_over_share_unreplied(char *why, size_t n)
{
	struct bpfalg_tuple k;
	struct bpfalg_flow f;

	tuple4(&k, P_UDP, CLIENT, 41002, SERVER, 53);
	if (!half_get(FLOWTAB_ANSWERED, &k, &f)) {
		snprintf(why, n, "the flow moved to the answered pair");
		return -1;
	}
	if (half_get(FLOWTAB_UNREPLIED, &k, &f) ||
	    !(f.flags & BPFALG_FF_OVER_SHARE)) {
		snprintf(why, n, "no over-share flow in the unreplied pair");
		return -1;
	}
	return 0;
}

static int post_host_limit_off(char *why, size_t n)
{
	host_limit_set(0);
	return 0;
}

static void pre_out0_no_fast(void)
{
	iface_set(IFS_OUT, BPFALG_ROLE_OUTSIDE, 0);
}

static void pre_out0_fast(void)
{
	iface_set(IFS_OUT, BPFALG_ROLE_OUTSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET);
}

/* The reply's egress takes no native XDP frames (a bridge, generic XDP). */
static void pre_in0_no_target(void)
{
	iface_set(IFS_IN, BPFALG_ROLE_INSIDE, BPFALG_IFF_XDP_FAST);
}

/* XDP in generic mode on the ingress: its redirect reaches any device. */
static void pre_out0_generic(void)
{
	iface_set(IFS_OUT, BPFALG_ROLE_OUTSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_GENERIC);
}

/* The inside interface may carry frames of a local stack (a veth). */
static void pre_in0_csum_check(void)
{
	iface_set(IFS_IN, BPFALG_ROLE_INSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET |
			  BPFALG_IFF_XDP_CSUM);
}

static int post_in0_no_csum_check(char *why, size_t n)
{
	iface_set(IFS_IN, BPFALG_ROLE_INSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET);
	return 0;
}

static void pre_targets_restored(void)
{
	iface_set(IFS_IN, BPFALG_ROLE_INSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET);
	iface_set(IFS_OUT, BPFALG_ROLE_OUTSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET);
}

static const struct tcase table[] = {
	/* ================= SNAT, IPv4, TCP/UDP/ICMP echo ================= */
	{ .name = "snat_tcp_syn_port_preserved",
	  .reset = true,
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40000, SERVER, 80, TH_SYN), .tcp_opts = 20 },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40000, SERVER, 80, TH_SYN), .tcp_opts = 20 },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1), C(TC_XLATE, 1),
		   C(PORT_REMAPPED, 0), C(TC_FORWARDED, 1),
		   C(BYTES_OUT, 20 + 40), C(BYTES_IN, 0) },
	  .fc = { CLIENT, SERVER, 40000, 80, P_TCP, ST(SYN_SENT) } },
	{ .name = "snat_tcp_synack_reply_translated_back",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 40000, TH_SYN | TH_ACK), .tcp_opts = 20 },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 40000, TH_SYN | TH_ACK),
		   .tcp_opts = 20 },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_NEW, 0) },
	  .fc = { CLIENT, SERVER, 40000, 80, P_TCP, ST(SYN_RECV) } },
	{ .name = "snat_tcp_ack_established",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40000, SERVER, 80, TH_ACK), .payload = 100 },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40000, SERVER, 80, TH_ACK), .payload = 100 },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_NEW, 0) },
	  .fc = { CLIENT, SERVER, 40000, 80, P_TCP, ST(ESTABLISHED) } },
	{ .name = "snat_tcp_reply_data_odd_length",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 40000, TH_ACK | TH_PSH), .payload = 201 },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 40000, TH_ACK | TH_PSH),
		   .payload = 201 },
	  .cnt = { C(TC_XLATE, 1) } },
	{ .name = "snat_udp_port_preserved",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40001, SERVER, 53), .payload = 40 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40001, SERVER, 53), .payload = 40 },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1), C(TC_XLATE, 1) },
	  .fc = { CLIENT, SERVER, 40001, 53, P_UDP, ST(NEW) } },
	{ .name = "snat_udp_reply_translated_back",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 40001), .payload = 120 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 40001), .payload = 120 },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_NEW, 0), C(TC_FORWARDED, 1),
		   C(BYTES_IN, 20 + 8 + 120), C(BYTES_OUT, 0) },
	  .fc = { CLIENT, SERVER, 40001, 53, P_UDP, ST(ESTABLISHED) } },
	{ .name = "snat_udp_zero_checksum_stays_zero",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40003, SERVER, 53), .payload = 33,
		  .udp_nocsum = true },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40003, SERVER, 53), .payload = 33,
		   .udp_nocsum = true },
	  .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1) } },
	{ .name = "snat_udp_zero_checksum_reply_stays_zero",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 40003), .payload = 33,
		  .udp_nocsum = true },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 40003), .payload = 33,
		   .udp_nocsum = true },
	  .cnt = { C(TC_XLATE, 1) } },
	{ .name = "snat_icmp_echo_id_preserved",
	  EGRESS_FROM_INSIDE,
	  .in = { EC4(CLIENT, SERVER, 0x1234, 8) },
	  .verdict = TC_OK,
	  .out = { EC4(PUB, SERVER, 0x1234, 8) },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1), C(TC_XLATE, 1) } },
	{ .name = "snat_icmp_echo_reply_translated_back",
	  INGRESS,
	  .in = { EC4(SERVER, PUB, 0x1234, 0) },
	  .verdict = TC_OK,
	  .out = { EC4(SERVER, CLIENT, 0x1234, 0) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_NEW, 0) } },
	{ .name = "snat_ipv4_with_options",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40004, SERVER, 123), .ip_opts = 8, .payload = 48 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40004, SERVER, 123), .ip_opts = 8, .payload = 48 },
	  .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1) } },
	{ .name = "snat_ipv4_with_options_reply",
	  INGRESS,
	  .in = { U4(SERVER, 123, PUB, 40004), .ip_opts = 4, .payload = 48 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 123, CLIENT, 40004), .ip_opts = 4,
		   .payload = 48 },
	  .cnt = { C(TC_XLATE, 1) } },
	{ .name = "tcp_midstream_pickup",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40030, SERVER, 80, TH_ACK), .payload = 10 },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40030, SERVER, 80, TH_ACK), .payload = 10 },
	  .cnt = { C(FLOW_NEW, 1), C(TCP_MIDSTREAM, 1) },
	  .fc = { CLIENT, SERVER, 40030, 80, P_TCP, ST(ESTABLISHED) } },

	/* ====================== TCP state machine ====================== */
	{ .name = "tcp_state_syn_sent",
	  .reset = true,
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40700, SERVER, 22, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40700, SERVER, 22, TH_SYN) },
	  .fc = { CLIENT, SERVER, 40700, 22, P_TCP, ST(SYN_SENT) } },
	{ .name = "tcp_state_syn_recv",
	  INGRESS,
	  .in = { T4(SERVER, 22, PUB, 40700, TH_SYN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 22, CLIENT, 40700, TH_SYN | TH_ACK) },
	  .fc = { CLIENT, SERVER, 40700, 22, P_TCP, ST(SYN_RECV) } },
	{ .name = "tcp_state_established",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40700, SERVER, 22, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40700, SERVER, 22, TH_ACK) },
	  .fc = { CLIENT, SERVER, 40700, 22, P_TCP, ST(ESTABLISHED) },
	  .post = post_last_seen_record },
	{ .name = "tcp_last_seen_not_rewritten_within_a_second",
	  INGRESS,
	  .in = { T4(SERVER, 22, PUB, 40700, TH_ACK | TH_PSH), .payload = 64 },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 22, CLIENT, 40700, TH_ACK | TH_PSH),
		   .payload = 64 },
	  .post = post_last_seen_same },
	{ .name = "tcp_state_fin_wait",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40700, SERVER, 22, TH_FIN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40700, SERVER, 22, TH_FIN | TH_ACK) },
	  .fc = { CLIENT, SERVER, 40700, 22, P_TCP, ST(FIN_WAIT) } },
	{ .name = "tcp_state_time_wait",
	  INGRESS,
	  .in = { T4(SERVER, 22, PUB, 40700, TH_FIN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 22, CLIENT, 40700, TH_FIN | TH_ACK) },
	  .fc = { CLIENT, SERVER, 40700, 22, P_TCP, ST(TIME_WAIT) } },
	{ .name = "tcp_state_rst_close_setup",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40701, SERVER, 22, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40701, SERVER, 22, TH_SYN) } },
	{ .name = "tcp_state_rst_close",
	  INGRESS,
	  .in = { T4(SERVER, 22, PUB, 40701, TH_RST | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 22, CLIENT, 40701, TH_RST | TH_ACK) },
	  .fc = { CLIENT, SERVER, 40701, 22, P_TCP, ST(CLOSE) } },

	/* ============ half NAT pair: a reply index without its flow ============ */
	{ .name = "orphan_setup_udp_flow",
	  .reset = true,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40600, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40600, SERVER, 53) } },
	{ .name = "orphan_reply_index_never_translates",
	  .pre = pre_evict_orphan_flow,
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 40600) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FLOW_ORPHAN, 1), C(TC_XLATE, 0) },
	  .post = post_orphan_left_alone },

	/* ====== --max-flows-per-host: answered flows per inside host ====== */
	{ .name = "host_share_first_flow",
	  .reset = true,
	  .pre = pre_host_limit_2,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41000, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41000, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(HOST_LIMIT, 0) } },
	{ .name = "host_share_second_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41001, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41001, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(HOST_LIMIT, 0) } },
	/* the share limits answered flows: a new one is never refused */
	{ .name = "host_share_third_flow_made",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41002, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41002, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(HOST_LIMIT, 0) } },
	{ .name = "host_share_first_answer_promoted",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41000) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41000) },
	  .cnt = { C(FLOW_PROMOTED, 1), C(HOST_LIMIT, 0) } },
	{ .name = "host_share_second_answer_promoted",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41001) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41001) },
	  .cnt = { C(FLOW_PROMOTED, 1), C(HOST_LIMIT, 0) } },
	{ .name = "host_share_third_answer_over_share",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41002) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41002) },
	  .cnt = { C(FLOW_PROMOTED, 0), C(HOST_LIMIT, 1) },
	  .post = post_over_share_unreplied },
	/* counted once: the flag stops further attempts */
	{ .name = "host_share_over_share_answer_again",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41002) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41002) },
	  .cnt = { C(FLOW_PROMOTED, 0), C(HOST_LIMIT, 0) } },
	{ .name = "host_share_over_share_keeps_working",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41002, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41002, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 0), C(HOST_LIMIT, 0) },
	  .post = post_over_share_unreplied },
	{ .name = "host_share_other_host_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT2, 41003, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41003, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(HOST_LIMIT, 0) } },
	{ .name = "host_share_other_host_answer",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41003) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT2, 41003) },
	  .cnt = { C(FLOW_PROMOTED, 1), C(HOST_LIMIT, 0) },
	  .post = post_host_limit_off },

	/* ======================= one 802.1Q tag ======================= */
	{ .name = "vlan_snat_tcp_syn",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40010, SERVER, 443, TH_SYN), .vlan = 100,
		  .tcp_opts = 12 },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40010, SERVER, 443, TH_SYN), .vlan = 100,
		   .tcp_opts = 12 },
	  .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1) } },
	{ .name = "vlan_reply_translated_back",
	  INGRESS,
	  .in = { T4(SERVER, 443, PUB, 40010, TH_SYN | TH_ACK), .vlan = 100 },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 443, CLIENT, 40010, TH_SYN | TH_ACK),
		   .vlan = 100 },
	  .cnt = { C(TC_XLATE, 1) } },
	{ .name = "vlan_snat_udp",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40011, SERVER, 53), .vlan = 7, .payload = 30 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40011, SERVER, 53), .vlan = 7, .payload = 30 },
	  .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1) } },
	{ .name = "vlan_snat_icmp_echo",
	  EGRESS_FROM_INSIDE,
	  .in = { EC4(CLIENT, SERVER, 0x0777, 8), .vlan = 7 },
	  .verdict = TC_OK,
	  .out = { EC4(PUB, SERVER, 0x0777, 8), .vlan = 7 },
	  .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1) } },

	/* ================= not ours: handed on untouched ================= */
	{ .name = "host_own_traffic_unspec",
	  EGRESS_HOST,
	  .in = { T4(PUB, 5555, SERVER, 80, TH_SYN) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(NOT_OURS, 1), C(FLOW_NEW, 0), C(TC_XLATE, 0) } },
	{ .name = "reinject_mark_untouched",
	  EGRESS_FROM_INSIDE,
	  .mark = BPFALG_REINJECT_MARK,
	  .in = { U4(CLIENT, 40020, SERVER, 53), .payload = 8 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FLOW_NEW, 0), C(TC_XLATE, 0) } },
	{ .name = "reinject_mark_untouched_ingress",
	  INGRESS,
	  .mark = BPFALG_REINJECT_MARK,
	  .in = { U4(SERVER, 53, PUB, 40001), .payload = 8 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(TC_XLATE, 0) } },
	{ .name = "inside_iface_ingress_unspec",
	  .prog = PR_TC_IN,
	  .ifx = IFS_IN,
	  .in = { U4(CLIENT, 40021, SERVER, 53), .payload = 8 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FLOW_NEW, 0), C(TC_XLATE, 0) } },
	{ .name = "inside_iface_egress_unspec",
	  .prog = PR_TC_OUT,
	  .ifx = IFS_IN,
	  .in = { U4(SERVER, 53, CLIENT, 40001), .payload = 8 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(TC_XLATE, 0) } },
	{ .name = "arp_unspec_ingress",
	  INGRESS,
	  .in = { .family = 0, .src = SERVER, .dst = PUB },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(MALFORMED, 0), C(INBOUND_DROP, 0) } },
	{ .name = "arp_unspec_egress",
	  EGRESS_FROM_INSIDE,
	  .in = { .family = 0, .src = PUB, .dst = OUT_GW },
	  .verdict = TC_UNSPEC,
	  .same = true },
	{ .name = "arp_xdp_pass",
	  XDP_OUT,
	  .in = { .family = 0, .src = SERVER, .dst = PUB },
	  .verdict = V_XDP_PASS,
	  .same = true },

	/* ======================= inbound policy ======================= */
	{ .name = "unsolicited_inbound_tcp_to_inside_dropped",
	  .reset = true,
	  INGRESS,
	  .in = { T4(SERVER, 5555, CLIENT, 22, TH_SYN) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0), C(TC_XLATE, 0),
		   D(UNSOLICITED, 1), D(OTHER, 0), C(TC_PASSED, 0),
		   C(TC_FORWARDED, 0) },
	  .post = post_no_flows },
	{ .name = "unsolicited_inbound_udp_to_inside_dropped",
	  INGRESS,
	  .in = { U4(SERVER, 5555, "10.0.1.200", 161), .payload = 20 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0) },
	  .post = post_no_flows },
	{ .name = "unsolicited_inbound_echo_to_inside_dropped",
	  INGRESS,
	  .in = { EC4(SERVER, CLIENT, 0x9999, 8) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0) },
	  .post = post_no_flows },
	{ .name = "unsolicited_to_public_addr_local_pass",
	  INGRESS,
	  .in = { T4(SERVER, 5555, PUB, 22, TH_SYN) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(LOCAL_PASS, 1), C(INBOUND_DROP, 0), C(FLOW_NEW, 0),
		   C(TC_PASSED, 1), D(UNSOLICITED, 0), C(TC_FORWARDED, 0) },
	  .post = post_no_flows },
	{ .name = "reply_without_flow_not_translated",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 40001), .payload = 8 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(LOCAL_PASS, 1), C(TC_XLATE, 0) },
	  .post = post_no_flows },

	/* ========================= port-forward ========================= */
	{ .name = "forward_tcp_syn_creates_dnat_flow",
	  .reset = true,
	  .pre = pre_forwards,
	  INGRESS,
	  .in = { T4(SERVER, 33000, PUB, 8080, TH_SYN), .tcp_opts = 4 },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 33000, FWD_SRV, 80, TH_SYN), .tcp_opts = 4 },
	  .cnt = { C(FWD_HIT, 1), C(FLOW_NEW, 1), C(TC_XLATE, 1) },
	  .fc = { SERVER, PUB, 33000, 8080, P_TCP, ST(SYN_SENT) } },
	{ .name = "forward_reply_translated_to_public",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(FWD_SRV, 80, SERVER, 33000, TH_SYN | TH_ACK),
		  .tcp_opts = 4 },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 8080, SERVER, 33000, TH_SYN | TH_ACK),
		   .tcp_opts = 4 },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_NEW, 0), C(FWD_HIT, 0) },
	  .fc = { SERVER, PUB, 33000, 8080, P_TCP, ST(SYN_RECV) } },
	{ .name = "forward_later_packets_follow_flow",
	  INGRESS,
	  .in = { T4(SERVER, 33000, PUB, 8080, TH_ACK), .payload = 77 },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 33000, FWD_SRV, 80, TH_ACK), .payload = 77 },
	  .cnt = { C(TC_XLATE, 1), C(FWD_HIT, 0), C(FLOW_NEW, 0) },
	  .fc = { SERVER, PUB, 33000, 8080, P_TCP, ST(ESTABLISHED) } },
	{ .name = "forward_udp",
	  INGRESS,
	  .in = { U4(SERVER, 7000, PUB, 5353), .payload = 30 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 7000, FWD_SRV, 53), .payload = 30 },
	  .cnt = { C(FWD_HIT, 1), C(FLOW_NEW, 1) } },
	{ .name = "forward_udp_reply",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(FWD_SRV, 53, SERVER, 7000), .payload = 60 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 5353, SERVER, 7000), .payload = 60 },
	  .cnt = { C(TC_XLATE, 1) } },
	{ .name = "forward_wrong_proto_not_admitted",
	  INGRESS,
	  .in = { U4(SERVER, 7001, PUB, 8080), .payload = 30 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FWD_HIT, 0), C(LOCAL_PASS, 1), C(FLOW_NEW, 0) } },

	/* =========================== pinholes =========================== */
	{ .name = "pinhole_other_remote_not_admitted",
	  .reset = true,
	  .pre = pre_pinholes,
	  INGRESS,
	  .in = { U4(SERVER, 7777, PUB, 50000), .payload = 16 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(PINHOLE_HIT, 0), C(LOCAL_PASS, 1), C(FLOW_NEW, 0) },
	  .post = post_ph50000_kept },
	{ .name = "pinhole_right_remote_admitted_and_consumed",
	  INGRESS,
	  .in = { U4(SERVER2, 7777, PUB, 50000), .payload = 16 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER2, 7777, CLIENT, 6000), .payload = 16 },
	  .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1), C(TC_XLATE, 1) },
	  .post = post_ph50000_consumed },
	{ .name = "pinhole_flow_continues_after_consumption",
	  INGRESS,
	  .in = { U4(SERVER2, 7777, PUB, 50000), .payload = 17 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER2, 7777, CLIENT, 6000), .payload = 17 },
	  .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0), C(TC_XLATE, 1) } },
	{ .name = "pinhole_flow_reply_translated_to_public",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 6000, SERVER2, 7777), .payload = 18 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 50000, SERVER2, 7777), .payload = 18 },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_NEW, 0) } },
	{ .name = "pinhole_consumed_admits_no_second_flow",
	  INGRESS,
	  .in = { U4(SERVER2, 7778, PUB, 50000), .payload = 16 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0) } },
	{ .name = "pinhole_wrong_remote_port_refused",
	  INGRESS,
	  .in = { U4(SERVER2, 5005, PUB, 50002), .payload = 16 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(PINHOLE_REFUSED, 1), C(PINHOLE_HIT, 0), C(FLOW_NEW, 0) },
	  .post = post_ph50002_kept },
	{ .name = "pinhole_right_remote_port_admitted",
	  INGRESS,
	  .in = { U4(SERVER2, 5004, PUB, 50002), .payload = 16 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER2, 5004, CLIENT, 6002), .payload = 16 },
	  .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1) } },
	{ .name = "pinhole_expired_refused",
	  INGRESS,
	  .in = { U4(SERVER2, 7777, PUB, 50004), .payload = 16 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(PINHOLE_REFUSED, 1), C(PINHOLE_HIT, 0), C(FLOW_NEW, 0) } },
	{ .name = "pinhole_wrong_proto_not_admitted",
	  INGRESS,
	  .in = { T4(SERVER2, 7777, PUB, 50002, TH_SYN) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0) } },
	{ .name = "pinhole_tcp_syn_admitted",
	  INGRESS,
	  .in = { T4(SERVER2, 20, PUB, 50006, TH_SYN), .tcp_opts = 8 },
	  .verdict = TC_OK,
	  .out = { T4(SERVER2, 20, CLIENT, 6006, TH_SYN), .tcp_opts = 8 },
	  .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1) } },

	/* ========================== ICMP errors ========================== */
	{ .name = "icmp_setup_udp_flow",
	  .reset = true,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40100, SERVER, 53), .payload = 40 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40100, SERVER, 53), .payload = 40 } },
	{ .name = "icmp_setup_tcp_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40101, SERVER, 80, TH_ACK), .payload = 1400 },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40101, SERVER, 80, TH_ACK), .payload = 1400 } },
	{ .name = "icmp_setup_echo_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { EC4(CLIENT, SERVER, 0x4242, 8) },
	  .verdict = TC_OK,
	  .out = { EC4(PUB, SERVER, 0x4242, 8) } },
	{ .name = "icmp_port_unreachable_full_quote",
	  INGRESS,
	  .in = { ERR4(SERVER, PUB, 3, 3, &q_udp_pub) },
	  .verdict = TC_OK,
	  .out = { ERR4(SERVER, CLIENT, 3, 3, &q_udp_cli) },
	  .cnt = { C(ICMP_ERR_XLATE, 1), C(ICMP_ERR_DROP, 0) } },
	{ .name = "icmp_frag_needed_tcp_8byte_quote",
	  INGRESS,
	  .in = { ERR4(ROUTER, PUB, 3, 4, &q_tcp_pub), .icmp_rest = 1400,
		  .quote = 28 },
	  .verdict = TC_OK,
	  .out = { ERR4(ROUTER, CLIENT, 3, 4, &q_tcp_cli), .icmp_rest = 1400,
		   .quote = 28 },
	  .cnt = { C(ICMP_ERR_XLATE, 1) } },
	{ .name = "icmp_frag_needed_tcp_64byte_quote",
	  INGRESS,
	  .in = { ERR4(ROUTER, PUB, 3, 4, &q_tcp_pub), .icmp_rest = 1280,
		  .quote = 64 },
	  .verdict = TC_OK,
	  .out = { ERR4(ROUTER, CLIENT, 3, 4, &q_tcp_cli), .icmp_rest = 1280,
		   .quote = 64 },
	  .cnt = { C(ICMP_ERR_XLATE, 1) } },
	{ .name = "icmp_time_exceeded_udp_traceroute",
	  INGRESS,
	  .in = { ERR4(ROUTER, PUB, 11, 0, &q_udp_pub_ttl1) },
	  .verdict = TC_OK,
	  .out = { ERR4(ROUTER, CLIENT, 11, 0, &q_udp_cli_ttl1) },
	  .cnt = { C(ICMP_ERR_XLATE, 1) } },
	{ .name = "icmp_time_exceeded_echo",
	  INGRESS,
	  .in = { ERR4(ROUTER, PUB, 11, 0, &q_echo_pub) },
	  .verdict = TC_OK,
	  .out = { ERR4(ROUTER, CLIENT, 11, 0, &q_echo_cli) },
	  .cnt = { C(ICMP_ERR_XLATE, 1) } },
	/* about no flow of ours: the gateway's own traffic (path MTU
	 * discovery of its own connections): its stack decides
	 */
	{ .name = "icmp_error_unknown_flow_to_gateway_passed_to_stack",
	  INGRESS,
	  .in = { ERR4(ROUTER, PUB, 3, 3, &q_udp_unknown) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(ICMP_ERR_DROP, 0), C(ICMP_ERR_XLATE, 0),
		   C(LOCAL_PASS, 1) } },
	/* ... but one routed toward an inside host is dropped */
	{ .name = "icmp_error_unknown_flow_to_inside_dropped",
	  INGRESS,
	  .in = { ERR4(ROUTER, CLIENT, 3, 3, &q_udp_unknown) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(ICMP_ERR_DROP, 1), C(ICMP_ERR_XLATE, 0) } },
	{ .name = "icmp_error_from_inside_translated_out",
	  EGRESS_FROM_INSIDE,
	  .in = { ERR4(CLIENT, SERVER, 3, 3, &q_reply_cli) },
	  .verdict = TC_OK,
	  .out = { ERR4(PUB, SERVER, 3, 3, &q_reply_pub) },
	  .cnt = { C(ICMP_ERR_XLATE, 1) } },
	/* from a router inside (a private address): it must not leak */
	{ .name = "icmp_error_from_inside_router_leaves_public",
	  EGRESS_FROM_INSIDE,
	  .in = { ERR4("10.0.1.254", SERVER, 11, 0, &q_reply_cli) },
	  .verdict = TC_OK,
	  .out = { ERR4(PUB, SERVER, 11, 0, &q_reply_pub) },
	  .cnt = { C(ICMP_ERR_XLATE, 1) } },
	{ .name = "icmp_error_truncated_inner_ip_malformed",
	  INGRESS,
	  .in = { ERR4(ROUTER, PUB, 3, 3, &q_udp_pub), .quote = 12 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(MALFORMED, 1), C(ICMP_ERR_XLATE, 0) } },
	{ .name = "icmp_error_truncated_inner_l4_malformed",
	  INGRESS,
	  .in = { ERR4(ROUTER, PUB, 3, 3, &q_udp_pub), .quote = 24 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(MALFORMED, 1), C(ICMP_ERR_XLATE, 0) } },

	/* ========================= IPv4 fragments ========================= */
	{ .name = "frag_first_outbound_translated",
	  .reset = true,
	  EGRESS_FROM_INSIDE,
	  .frag = 1,
	  .in = { U4(CLIENT, 40200, SERVER, 5000), .payload = 2000,
		  .ip_id = 0x5151 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40200, SERVER, 5000), .payload = 2000,
		   .ip_id = 0x5151 },
	  .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1) } },
	{ .name = "frag_second_outbound_follows_first",
	  EGRESS_FROM_INSIDE,
	  .frag = 2,
	  .in = { U4(CLIENT, 40200, SERVER, 5000), .payload = 2000,
		  .ip_id = 0x5151 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40200, SERVER, 5000), .payload = 2000,
		   .ip_id = 0x5151 },
	  .cnt = { C(FRAG_XLATE, 1), C(FRAG_MISS, 0) } },
	{ .name = "frag_unknown_id_outbound_dropped",
	  EGRESS_FROM_INSIDE,
	  .frag = 2,
	  .in = { U4(CLIENT, 40200, SERVER, 5000), .payload = 2000,
		  .ip_id = 0x5152 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(FRAG_MISS, 1), C(FRAG_XLATE, 0) } },
	{ .name = "frag_first_inbound_reply_translated",
	  INGRESS,
	  .frag = 1,
	  .in = { U4(SERVER, 5000, PUB, 40200), .payload = 3000,
		  .ip_id = 0x6161 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 5000, CLIENT, 40200), .payload = 3000,
		   .ip_id = 0x6161 },
	  .cnt = { C(TC_XLATE, 1) } },
	{ .name = "frag_second_inbound_follows_first",
	  INGRESS,
	  .frag = 2,
	  .in = { U4(SERVER, 5000, PUB, 40200), .payload = 3000,
		  .ip_id = 0x6161 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 5000, CLIENT, 40200), .payload = 3000,
		   .ip_id = 0x6161 },
	  .cnt = { C(FRAG_XLATE, 1) } },
	/* Unknown later fragment routed toward the inside: dropped.  (One to
	 * the public address is the gateway's own business: see below.)
	 */
	{ .name = "frag_unknown_id_inbound_to_inside_dropped",
	  INGRESS,
	  .frag = 2,
	  .in = { U4(SERVER, 5000, CLIENT, 40200), .payload = 3000,
		  .ip_id = 0x6162 },
	  .verdict = TC_SHOT,
	  .same = true,
	  /* one drop, under the first reason given */
	  .cnt = { C(FRAG_MISS, 1), C(INBOUND_DROP, 1), C(FRAG_XLATE, 0),
		   D(UNSOLICITED, 1), D(NO_FLOW, 0), D(OTHER, 0) } },
	/* The gateway's own fragmented traffic (docs: egress 5. "anything
	 * else (the host's own traffic): UNSPEC"; ingress 6. "destined to the
	 * gateway itself: UNSPEC").
	 */
	{ .name = "frag_host_own_first_unspec",
	  EGRESS_HOST,
	  .frag = 1,
	  .in = { U4(PUB, 5353, SERVER, 5000), .payload = 2000,
		  .ip_id = 0x7171 },
	  .verdict = TC_UNSPEC,
	  .same = true },
	{ .name = "frag_host_own_second_unspec",
	  EGRESS_HOST,
	  .frag = 2,
	  .in = { U4(PUB, 5353, SERVER, 5000), .payload = 2000,
		  .ip_id = 0x7171 },
	  .verdict = TC_UNSPEC,
	  .same = true },
	{ .name = "frag_to_gateway_first_unspec",
	  INGRESS,
	  .frag = 1,
	  .in = { U4(SERVER, 5000, PUB, 5353), .payload = 2000,
		  .ip_id = 0x7272 },
	  .verdict = TC_UNSPEC,
	  .same = true },
	{ .name = "frag_to_gateway_second_unspec",
	  INGRESS,
	  .frag = 2,
	  .in = { U4(SERVER, 5000, PUB, 5353), .payload = 2000,
		  .ip_id = 0x7272 },
	  .verdict = TC_UNSPEC,
	  .same = true },

	/* ======== malformed: never translated, SHOT + MALFORMED ======== */
	{ .name = "malformed_setup_tcp_flow",
	  .reset = true,
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40300, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40300, SERVER, 80, TH_SYN) } },
	{ .name = "malformed_setup_udp_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40301, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40301, SERVER, 53) } },
	{ .name = "malformed_setup_echo_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { EC4(CLIENT, SERVER, 0x3030, 8) },
	  .verdict = TC_OK,
	  .out = { EC4(PUB, SERVER, 0x3030, 8) } },
#define MAL_IN(nm, spec, m, a)                                                 \
	{ .name = nm, INGRESS, .in = { spec }, .mg = m, .mg_arg = a,            \
	  .verdict = TC_SHOT, .same = true,                                    \
	  .cnt = { C(MALFORMED, 1), C(TC_XLATE, 0), C(FLOW_NEW, 0),           \
		   D(MALFORMED, 1), D(OTHER, 0) } }
#define MAL_OUT(nm, spec, m, a)                                                \
	{ .name = nm, EGRESS_FROM_INSIDE, .in = { spec }, .mg = m,             \
	  .mg_arg = a, .verdict = TC_SHOT, .same = true,                       \
	  .cnt = { C(MALFORMED, 1), C(TC_XLATE, 0), C(FLOW_NEW, 0) } }
#define TREPLY T4(SERVER, 80, PUB, 40300, TH_ACK)
#define UREPLY U4(SERVER, 53, PUB, 40301)
#define TORIG T4(CLIENT, 40300, SERVER, 80, TH_ACK)
#define UORIG U4(CLIENT, 40301, SERVER, 53)
	MAL_IN("malformed_in_ihl_lt_5", TREPLY, MG_IHL, 4),
	MAL_IN("malformed_in_ihl_0", TREPLY, MG_IHL, 0),
	MAL_IN("malformed_in_ihl_beyond_packet", TREPLY, MG_IHL, 15),
	MAL_IN("malformed_in_totlen_below_header", TREPLY, MG_TOTLEN, 16),
	MAL_IN("malformed_in_totlen_beyond_packet", TREPLY, MG_TOTLEN, 400),
	MAL_IN("malformed_in_tcp_doff_lt_5", TREPLY, MG_TCP_DOFF, 4),
	MAL_IN("malformed_in_tcp_doff_beyond_packet", TREPLY, MG_TCP_DOFF, 15),
	MAL_IN("malformed_in_tcp_header_cut", TREPLY, MG_TRUNC_L4, 12),
	MAL_IN("malformed_in_udp_len_below_8", UREPLY, MG_UDP_LEN, 4),
	MAL_IN("malformed_in_udp_header_cut", UREPLY, MG_TRUNC_L4, 6),
	MAL_IN("malformed_in_icmp_echo_cut", EC4(SERVER, PUB, 0x3030, 0),
	       MG_TRUNC_L4, 4),
	MAL_OUT("malformed_out_ihl_lt_5", TORIG, MG_IHL, 4),
	MAL_OUT("malformed_out_ihl_beyond_packet", TORIG, MG_IHL, 15),
	MAL_OUT("malformed_out_totlen_below_header", TORIG, MG_TOTLEN, 8),
	MAL_OUT("malformed_out_tcp_doff_lt_5", TORIG, MG_TCP_DOFF, 2),
	MAL_OUT("malformed_out_tcp_doff_beyond_packet", TORIG, MG_TCP_DOFF, 15),
	MAL_OUT("malformed_out_udp_len_below_8", UORIG, MG_UDP_LEN, 7),
	MAL_OUT("malformed_out_udp_header_cut", UORIG, MG_TRUNC_L4, 4),
	{ .name = "malformed_xdp_pass_untouched",
	  XDP_OUT,
	  .in = { TREPLY, FROM_GW },
	  .mg = MG_TCP_DOFF,
	  .mg_arg = 15,
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0) } },

	/* ============================= IPv6 ============================= */
	{ .name = "ipv6_tcp_outbound_tracked_untranslated",
	  .reset = true,
	  EGRESS_FROM_INSIDE,
	  .in = { T6(CLIENT6, 40400, SERVER6, 443, TH_SYN), .tcp_opts = 20 },
	  .verdict = TC_OK,
	  .same = true,
	  .cnt = { C(FLOW_NEW, 1) } },
	{ .name = "ipv6_tcp_reply_admitted_untranslated",
	  INGRESS,
	  .in = { T6(SERVER6, 443, CLIENT6, 40400, TH_SYN | TH_ACK),
		  .tcp_opts = 20 },
	  .verdict = TC_OK,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 0), C(FLOW_NEW, 0) } },
	{ .name = "ipv6_tcp_ack_established",
	  EGRESS_FROM_INSIDE,
	  .in = { T6(CLIENT6, 40400, SERVER6, 443, TH_ACK) },
	  .verdict = TC_OK,
	  .same = true },
	{ .name = "ipv6_unsolicited_tcp_to_inside_dropped",
	  INGRESS,
	  .in = { T6(SERVER6, 5555, CLIENT6, 22, TH_SYN) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0) } },
	{ .name = "ipv6_unsolicited_udp_to_inside_dropped",
	  INGRESS,
	  .in = { U6(SERVER6, 5555, "fd00:1::99", 53), .payload = 20 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0) } },
	{ .name = "ipv6_reply_other_port_dropped",
	  INGRESS,
	  .in = { T6(SERVER6, 444, CLIENT6, 40400, TH_ACK) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1) } },
	{ .name = "ipv6_echo_outbound",
	  EGRESS_FROM_INSIDE,
	  .in = { EC6(CLIENT6, SERVER6, 0x6666, 128) },
	  .verdict = TC_OK,
	  .same = true,
	  .cnt = { C(FLOW_NEW, 1) } },
	{ .name = "ipv6_echo_reply_admitted",
	  INGRESS,
	  .in = { EC6(SERVER6, CLIENT6, 0x6666, 129) },
	  .verdict = TC_OK,
	  .same = true },
	{ .name = "ipv6_packet_too_big_for_flow_admitted",
	  INGRESS,
	  .in = { ERR6("2001:db8:77::1", CLIENT6, 2, 0, &q6_tcp),
		  .icmp_rest = 1280, .quote = 1232 },
	  .verdict = TC_OK,
	  .same = true,
	  .cnt = { C(ICMP_ERR_DROP, 0) } },
	{ .name = "ipv6_icmp_error_unknown_flow_dropped",
	  INGRESS,
	  .in = { ERR6("2001:db8:77::1", CLIENT6, 1, 4, &q6_unknown) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(ICMP_ERR_DROP, 1) } },

	/* ============================== XDP ============================== */
	{ .name = "xdp_setup_udp_request",
	  .reset = true,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40500, SERVER, 53), .payload = 30 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40500, SERVER, 53), .payload = 30 } },
	{ .name = "xdp_udp_new_flow_passed",
	  XDP_IN,
	  .in = { U4(CLIENT, 40500, SERVER, 53), .payload = 30, FROM_CLIENT },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0) } },
	{ .name = "xdp_setup_udp_reply",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 40500), .payload = 30 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 40500), .payload = 30 },
	  .fc = { CLIENT, SERVER, 40500, 53, P_UDP, ST(ESTABLISHED) } },
	{ .name = "xdp_udp_reply_redirected",
	  XDP_OUT,
	  .in = { U4(SERVER, 53, PUB, 40500), .payload = 99, FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { U4(SERVER, 53, CLIENT, 40500), .payload = 99, TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1) } },
	{ .name = "xdp_udp_original_redirected",
	  XDP_IN,
	  .in = { U4(CLIENT, 40500, SERVER, 53), .payload = 99, FROM_CLIENT },
	  .verdict = V_XDP_REDIRECT,
	  .out = { U4(PUB, 40500, SERVER, 53), .payload = 99, TO_GW },
	  .cnt = { C(XDP_FWD, 1) } },
	/* where frames may be CHECKSUM_PARTIAL, XDP verifies the checksum */
	{ .name = "xdp_csum_check_complete_forwarded",
	  .pre = pre_in0_csum_check,
	  XDP_IN,
	  .in = { U4(CLIENT, 40500, SERVER, 53), .payload = 99, FROM_CLIENT },
	  .verdict = V_XDP_REDIRECT,
	  .out = { U4(PUB, 40500, SERVER, 53), .payload = 99, TO_GW },
	  .cnt = { C(XDP_FWD, 1), C(XDP_PASS_CSUM, 0) } },
	{ .name = "xdp_csum_check_1201_bytes_forwarded",
	  XDP_IN,
	  .in = { U4(CLIENT, 40500, SERVER, 53), .payload = 1201, .seed = 7,
		  FROM_CLIENT },
	  .verdict = V_XDP_REDIRECT,
	  .out = { U4(PUB, 40500, SERVER, 53), .payload = 1201, .seed = 7,
		   TO_GW },
	  .cnt = { C(XDP_FWD, 1), C(XDP_PASS_CSUM, 0) } },
	{ .name = "xdp_csum_check_partial_left_to_tc",
	  XDP_IN,
	  .in = { U4(CLIENT, 40500, SERVER, 53), .payload = 99,
		  .csum_partial = true, FROM_CLIENT },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0), C(XDP_PASS_CSUM, 1) } },
	{ .name = "xdp_csum_check_damaged_left_to_tc",
	  XDP_IN,
	  .in = { U4(CLIENT, 40500, SERVER, 53), .payload = 98, FROM_CLIENT },
	  .mg = MG_UDP_CSUM_XOR,
	  .mg_arg = 0x0100,
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0), C(XDP_PASS_CSUM, 1) },
	  .post = post_in0_no_csum_check },
	{ .name = "xdp_setup_udp_nocsum",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 40505, SERVER, 53), .udp_nocsum = true },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40505, SERVER, 53), .udp_nocsum = true } },
	{ .name = "xdp_setup_udp_nocsum_reply",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 40505), .udp_nocsum = true },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 40505), .udp_nocsum = true } },
	{ .name = "xdp_udp_zero_checksum_stays_zero",
	  XDP_OUT,
	  .in = { U4(SERVER, 53, PUB, 40505), .payload = 21, .udp_nocsum = true,
		  FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { U4(SERVER, 53, CLIENT, 40505), .payload = 21,
		   .udp_nocsum = true, TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1) } },
	{ .name = "xdp_setup_tcp_syn",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40502, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40502, SERVER, 80, TH_SYN) } },
	{ .name = "xdp_tcp_syn_sent_flow_passed",
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK), FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true },
	{ .name = "xdp_setup_tcp_synack",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_SYN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 40502, TH_SYN | TH_ACK) } },
	{ .name = "xdp_setup_tcp_ack",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 40502, SERVER, 80, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 40502, SERVER, 80, TH_ACK) },
	  .fc = { CLIENT, SERVER, 40502, 80, P_TCP, ST(ESTABLISHED) } },
	{ .name = "xdp_tcp_reply_redirected",
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK | TH_PSH), .payload = 333,
		  .tcp_opts = 12, FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { T4(SERVER, 80, CLIENT, 40502, TH_ACK | TH_PSH),
		   .payload = 333, .tcp_opts = 12, TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1) } },
	{ .name = "xdp_tcp_original_redirected",
	  XDP_IN,
	  .in = { T4(CLIENT, 40502, SERVER, 80, TH_ACK), .payload = 1000,
		  FROM_CLIENT },
	  .verdict = V_XDP_REDIRECT,
	  .out = { T4(PUB, 40502, SERVER, 80, TH_ACK), .payload = 1000, TO_GW },
	  .cnt = { C(XDP_FWD, 1) } },
	{ .name = "xdp_iface_without_fast_flag_passed",
	  .pre = pre_out0_no_fast,
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK), .payload = 10, FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0) } },
	{ .name = "xdp_iface_fast_flag_restored_redirected",
	  .pre = pre_out0_fast,
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK), .payload = 10, FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { T4(SERVER, 80, CLIENT, 40502, TH_ACK), .payload = 10,
		   TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1) } },
	{ .name = "xdp_native_into_non_xdp_target_passed",
	  .pre = pre_in0_no_target,
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK), .payload = 10, FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0), C(XDP_PASS_NEIGH, 1) } },
	{ .name = "xdp_generic_into_non_xdp_target_redirected",
	  .pre = pre_out0_generic,
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK), .payload = 10, FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { T4(SERVER, 80, CLIENT, 40502, TH_ACK), .payload = 10,
		   TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1), C(XDP_PASS_NEIGH, 0) } },
	{ .name = "xdp_native_into_xdp_target_redirected",
	  .pre = pre_targets_restored,
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK), .payload = 10, FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { T4(SERVER, 80, CLIENT, 40502, TH_ACK), .payload = 10,
		   TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1), C(XDP_PASS_NEIGH, 0) } },
	{ .name = "xdp_tcp_syn_passed",
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_SYN), FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0) } },
	{ .name = "xdp_tcp_fin_passed",
	  XDP_IN,
	  .in = { T4(CLIENT, 40502, SERVER, 80, TH_FIN | TH_ACK), FROM_CLIENT },
	  .verdict = V_XDP_PASS,
	  .same = true },
	{ .name = "xdp_tcp_rst_passed",
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_RST), FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true },
	{ .name = "xdp_ttl_1_passed",
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK), .ttl = 1, FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true },
	{ .name = "xdp_vlan_tagged_passed",
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 40502, TH_ACK), .vlan = 5, FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true },
	{ .name = "xdp_first_fragment_passed",
	  XDP_OUT,
	  .frag = 1,
	  .in = { U4(SERVER, 53, PUB, 40500), .payload = 2000, .ip_id = 9,
		  FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true },
	{ .name = "xdp_unknown_flow_passed",
	  XDP_OUT,
	  .in = { T4(SERVER, 80, PUB, 41999, TH_ACK), FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true },
	{ .name = "xdp_setup_echo_request",
	  EGRESS_FROM_INSIDE,
	  .in = { EC4(CLIENT, SERVER, 0x5a5a, 8) },
	  .verdict = TC_OK,
	  .out = { EC4(PUB, SERVER, 0x5a5a, 8) } },
	{ .name = "xdp_setup_echo_reply",
	  INGRESS,
	  .in = { EC4(SERVER, PUB, 0x5a5a, 0) },
	  .verdict = TC_OK,
	  .out = { EC4(SERVER, CLIENT, 0x5a5a, 0) } },
	{ .name = "xdp_echo_reply_redirected",
	  XDP_OUT,
	  .in = { EC4(SERVER, PUB, 0x5a5a, 0), .seed = 8, FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { EC4(SERVER, CLIENT, 0x5a5a, 0), .seed = 8, TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1) } },
	{ .name = "xdp_setup_noneigh_request",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT_NONEIGH, 40510, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 40510, SERVER, 53) } },
	{ .name = "xdp_setup_noneigh_reply",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 40510) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT_NONEIGH, 40510) } },
	{ .name = "xdp_no_neighbour_passed",
	  XDP_OUT,
	  .in = { U4(SERVER, 53, PUB, 40510), FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_PASS_NEIGH, 1), C(XDP_FWD, 0) } },
	{ .name = "xdp_setup_ipv6_syn",
	  EGRESS_FROM_INSIDE,
	  .in = { T6(CLIENT6, 40520, SERVER6, 443, TH_SYN) },
	  .verdict = TC_OK,
	  .same = true },
	{ .name = "xdp_setup_ipv6_synack",
	  INGRESS,
	  .in = { T6(SERVER6, 443, CLIENT6, 40520, TH_SYN | TH_ACK) },
	  .verdict = TC_OK,
	  .same = true },
	{ .name = "xdp_setup_ipv6_ack",
	  EGRESS_FROM_INSIDE,
	  .in = { T6(CLIENT6, 40520, SERVER6, 443, TH_ACK) },
	  .verdict = TC_OK,
	  .same = true },
	{ .name = "xdp_ipv6_reply_redirected_hop_limit",
	  XDP_OUT,
	  .in = { T6(SERVER6, 443, CLIENT6, 40520, TH_ACK), .payload = 50,
		  FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { T6(SERVER6, 443, CLIENT6, 40520, TH_ACK), .payload = 50,
		   TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1) } },
	/* the checksum check with IPv6's pseudo-header, TCP */
	{ .name = "xdp_csum_check_ipv6_tcp_complete_forwarded",
	  .pre = pre_in0_csum_check,
	  XDP_IN,
	  .in = { T6(CLIENT6, 40520, SERVER6, 443, TH_ACK), .payload = 77,
		  FROM_CLIENT },
	  .verdict = V_XDP_REDIRECT,
	  .out = { T6(CLIENT6, 40520, SERVER6, 443, TH_ACK), .payload = 77,
		   TO_GW },
	  .cnt = { C(XDP_FWD, 1), C(XDP_PASS_CSUM, 0) } },
	{ .name = "xdp_csum_check_ipv6_tcp_partial_left_to_tc",
	  XDP_IN,
	  .in = { T6(CLIENT6, 40520, SERVER6, 443, TH_ACK), .payload = 77,
		  .csum_partial = true, FROM_CLIENT },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0), C(XDP_PASS_CSUM, 1) },
	  .post = post_in0_no_csum_check },
};

void run_table(void)
{
	char why[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++) {
		why[0] = 0;
		report(table[i].name, !run_case(&table[i], why, sizeof(why)),
		       why);
	}
}
