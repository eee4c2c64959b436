// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tftp_cases.c - the TFTP ALG of the TC program (bpf/lib/tftp.h, hooked
 * into tc_outside for outbound flows): a read or write request to a TFTP
 * port opens a pinhole from the server, any port, to the request's public
 * port; the server's answer from its new port becomes a DNAT flow to the
 * client.  Same conventions as cases.c (a table run in order, `.reset`
 * starts a group, input/verdict/output/counters per case), plus:
 *
 *   - alg_cfg[TFTP].mode for the case (ports 69 and 1069);
 *   - every per-ALG datapath counter of TFTP (alg_dp_stats[TFTP]): a
 *     counter not named must not move;
 *   - the pinhole the case is about, field by field (key: server, public
 *     port, UDP, family; value: inside address and port, remote_port 0,
 *     alg TFTP, in_ifindex of the inside interface, the request flow's
 *     tuple as owner, expiry 10 s after the case ran), or its absence;
 *   - the number of pinholes in the map (a retransmission renews, never
 *     adds one);
 *   - that the request flow is not an ALG control flow (nothing punted).
 *
 * Topology as in cases.c: client 10.0.1.2 (and 10.0.1.3), public address
 * 192.0.2.1, server 198.51.100.10 (SERVER2 .11 plays "another address").
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cases.h"

#define TFTP BPFALG_ALG_TFTP
#define TFTP_PORT2 1069
#define PH_TIMEOUT_NS (10 * 1000000000ULL) /* TFTP_PINHOLE_TIMEOUT_S */

#define U4(s_, sp, d_, dp)                                              \
	.family = 4, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_, \
	.dport = dp
#define U6(s_, sp, d_, dp)                                              \
	.family = 6, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_, \
	.dport = dp
#define T4(s_, sp, d_, dp, fl)                                          \
	.family = 4, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_, \
	.dport = dp, .tcp_flags = fl, .seq = 1000, .ack = 2000
#define DATA(str) .data = str, .payload = sizeof(str) - 1

#define EGRESS_FROM_INSIDE .prog = PR_TC_OUT, .ifx = IFS_OUT, .iif = IFS_IN
#define INGRESS .prog = PR_TC_IN, .ifx = IFS_OUT

#define SERVER6B "2001:db8:9::11"

/* Requests, written with 3-digit octal escapes (they never run on into
 * the next character).
 */
#define RRQ "\000\001file.bin\000octet\000"
#define WRQ_OPTS \
	"\000\002up/load.txt\000NetASCII\000blksize\0001428\000tsize\0000\000"
#define RRQ_MAIL "\000\001f\000MAIL\000"
/* a request's body, but opcode 3 (DATA) or 0 */
#define BAD_OPCODE3 "\000\003file\000octet\000"
#define BAD_OPCODE0 "\000\000file\000octet\000"
#define BAD_OPCODE_HI "\001\001file\000octet\000"
#define BAD_TRUNC "\000\001file.b"
#define BAD_NO_MODE_NUL "\000\001file\000octet"
#define BAD_EMPTY_NAME "\000\001\000octet\000"
#define BAD_MODE "\000\001file\000binary\000"
#define BAD_MODE_LONG "\000\001file\000netasciii\000"
#define DATA1 "\000\003\000\001first block"
#define DATA2 "\000\003\000\002second block"
#define ACK0 "\000\004\000\000"
#define ACK1 "\000\004\000\001"

/* Requests at the 512-byte limit (filled in by run_tftp_table). */
static char req512[512]; /* "\0\1", 503-byte name, NUL, "octet", NUL */
static char req513[513]; /* one more name byte: its mode ends at 513 */

/* The pinhole a case checks: key, value, and which flow owns it. */
struct phx {
	int want; /* 1: present as described, -1: absent, 0: no check */
	int family;
	const char *remote;
	__u16 pub;
	const char *inside;
	__u16 iport;
	const char *os; /* owner: the request flow, inside -> server */
	__u16 osp;
	const char *od;
	__u16 odp;
	__u8 alg; /* 0: TFTP */
	bool keep_expiry; /* the value must not have been rewritten */
};

struct tfcase {
	struct tcase t;
	int mode1; /* alg_cfg[TFTP].mode + 1, 0: as it is */
	long adp[BPFALG_ADP_MAX]; /* expected moves of alg_dp_stats[TFTP] */
	struct phx ph;
	int nph1; /* pinholes in the map after the case + 1, 0: no check */
	bool not_ctl; /* the input packet's flow is no control flow */
};

#define MODE(m) .mode1 = BPFALG_MODE_##m + 1
#define ADP(n, d) [BPFALG_ADP_##n] = d
#define PH4(r, p, in, ip, c, cp, s, sp) \
	.ph = { 1, 4, r, p, in, ip, c, cp, s, sp }
#define PH6(r, p, in, ip, c, cp, s, sp) \
	.ph = { 1, 6, r, p, in, ip, c, cp, s, sp }
#define NOPH4(r, p) .ph = { -1, 4, r, p }
#define NOPH6(r, p) .ph = { -1, 6, r, p }
#define NPH(n) .nph1 = (n) + 1

static int m_algcfg = -1, m_adp = -1;
static __u64 ph_saved_expiry;

static void ph_key(struct bpfalg_pinhole_key *k, int family, const char *remote,
		   __u16 pub)
{
	memset(k, 0, sizeof(*k));
	inet_pton(family == 6 ? AF_INET6 : AF_INET, remote, k->remote);
	k->public_port = htons(pub);
	k->proto = P_UDP;
	k->family = family == 6 ? BPFALG_AF_INET6 : BPFALG_AF_INET;
}

/* ---- fixtures ---- */

/* The 40069 pinhole is about to expire: a retransmission must renew it. */
static void pre_ph_nearly_expired(void)
{
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v;

	ph_key(&k, 4, SERVER, 40069);
	if (bpf_map_lookup_elem(E.m_pinholes, &k, &v))
		return;
	v.expires_ns = mono_ns() + 1000000000ULL;
	bpf_map_update_elem(E.m_pinholes, &k, &v, BPF_EXIST);
}

/* Another ALG's pinhole under the key a request on 40300/40301 wants. */
static void foreign_ph(__u16 pub, __s64 ttl_ns)
{
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v = {};

	ph_key(&k, 4, SERVER, pub);
	inet_pton(AF_INET, "10.0.1.9", v.inside_addr);
	v.inside_port = htons(20);
	v.alg = BPFALG_ALG_FTP;
	v.in_ifindex = E.ifin;
	v.expires_ns = mono_ns() + ttl_ns;
	tuple_of(&v.owner, 4, P_TCP, "10.0.1.9", 40021, SERVER, 21);
	bpf_map_update_elem(E.m_pinholes, &k, &v, BPF_ANY);
	ph_saved_expiry = v.expires_ns;
}

static void pre_foreign_live(void)
{
	foreign_ph(40300, 60 * 1000000000LL);
}

static void pre_foreign_expired(void)
{
	foreign_ph(40301, -1000000000LL);
}

/* The SNAT range is one port: a collision remaps to exactly 20000. */
static void pre_one_port_range(void)
{
	config_write(20000, 20000, BPFALG_CF_XDP_FAST);
}

static void pre_range_restore(void)
{
	config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST);
}

/* Fill the pinhole table to BPFALG_MAX_PINHOLES with others' entries. */
static void pre_ph_table_full(void)
{
	struct bpfalg_pinhole_key k = { .proto = P_UDP,
					.family = BPFALG_AF_INET };
	struct bpfalg_pinhole v = { .alg = BPFALG_ALG_SIP };
	__u32 i;

	v.expires_ns = mono_ns() + 60 * 1000000000ULL;
	for (i = 0; i < BPFALG_MAX_PINHOLES + 16; i++) {
		k.remote[0] = htonl(0xcb007100 + (i >> 16)); /* 203.0.113.x */
		k.public_port = htons(i & 0xffff);
		if (bpf_map_update_elem(E.m_pinholes, &k, &v, BPF_NOEXIST))
			break;
	}
}

static int post_ph_table_full(char *why, size_t n)
{
	int c = map_count(E.m_pinholes, sizeof(struct bpfalg_pinhole_key));

	state_reset();
	if (c != BPFALG_MAX_PINHOLES)
		return fail(why, n, "%d pinholes in the table, want %d (full)",
			    c, BPFALG_MAX_PINHOLES);
	return 0;
}

static const struct tfcase table[] = {
	/* ================= RRQ, the answer from a new port ================= */
	{ .t = { .name = "tftp_rrq_opens_pinhole",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40069, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40069, SERVER, 69), DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1), C(PUNT, 0),
			  C(PORT_PRESERVED, 1) } },
	  MODE(ON),
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 40069, CLIENT, 40069, CLIENT, 40069, SERVER, 69),
	  NPH(1),
	  .not_ctl = true },
	{ .t = { .name = "tftp_rrq_retransmission_renews_pinhole",
		 .pre = pre_ph_nearly_expired,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40069, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40069, SERVER, 69), DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 0), C(TC_XLATE, 1), C(PUNT, 0) } },
	  .adp = { ADP(PH_REFRESHED, 1) },
	  PH4(SERVER, 40069, CLIENT, 40069, CLIENT, 40069, SERVER, 69),
	  NPH(1),
	  .not_ctl = true },
	{ .t = { .name = "tftp_answer_from_other_address_not_admitted",
		 INGRESS,
		 .in = { U4(SERVER2, 50001, PUB, 40069), DATA(DATA1) },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0),
			  C(LOCAL_PASS, 1) } },
	  PH4(SERVER, 40069, CLIENT, 40069, CLIENT, 40069, SERVER, 69),
	  NPH(1) },
	{ .t = { .name = "tftp_answer_from_new_port_admitted_to_client",
		 INGRESS,
		 .in = { U4(SERVER, 50001, PUB, 40069), DATA(DATA1) },
		 .verdict = TC_OK,
		 .out = { U4(SERVER, 50001, CLIENT, 40069), DATA(DATA1) },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1), C(TC_XLATE, 1) },
		 .fc = { SERVER, PUB, 50001, 40069, P_UDP, ST(NEW) } },
	  .adp = { ADP(PH_HIT, 1) },
	  NOPH4(SERVER, 40069),
	  NPH(0) },
	{ .t = { .name = "tftp_client_ack_to_new_port_from_public_port",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40069, SERVER, 50001), DATA(ACK1) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40069, SERVER, 50001), DATA(ACK1) },
		 .cnt = { C(FLOW_NEW, 0), C(TC_XLATE, 1) },
		 .fc = { SERVER, PUB, 50001, 40069, P_UDP, ST(ESTABLISHED) } },
	  NPH(0) },
	{ .t = { .name = "tftp_second_block_follows_the_flow",
		 INGRESS,
		 .in = { U4(SERVER, 50001, PUB, 40069), DATA(DATA2) },
		 .verdict = TC_OK,
		 .out = { U4(SERVER, 50001, CLIENT, 40069), DATA(DATA2) },
		 .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0), C(TC_XLATE, 1) } },
	  NPH(0) },
	{ .t = { .name = "tftp_consumed_pinhole_admits_no_second_port",
		 INGRESS,
		 .in = { U4(SERVER, 50009, PUB, 40069), DATA(DATA1) },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0),
			  C(LOCAL_PASS, 1) } },
	  NPH(0) },

	/* ========================== WRQ, options ========================== */
	{ .t = { .name = "tftp_wrq_with_options_opens_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40070, SERVER, 69), DATA(WRQ_OPTS) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40070, SERVER, 69), DATA(WRQ_OPTS) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0) } },
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 40070, CLIENT, 40070, CLIENT, 40070, SERVER, 69),
	  NPH(1),
	  .not_ctl = true },
	{ .t = { .name = "tftp_wrq_ack0_from_new_port_admitted",
		 INGRESS,
		 .in = { U4(SERVER, 50002, PUB, 40070), DATA(ACK0) },
		 .verdict = TC_OK,
		 .out = { U4(SERVER, 50002, CLIENT, 40070), DATA(ACK0) },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1) } },
	  .adp = { ADP(PH_HIT, 1) },
	  NOPH4(SERVER, 40070),
	  NPH(0) },
	{ .t = { .name = "tftp_rrq_mode_mail_any_case",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40071, SERVER, 69), DATA(RRQ_MAIL) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40071, SERVER, 69), DATA(RRQ_MAIL) } },
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 40071, CLIENT, 40071, CLIENT, 40071, SERVER, 69),
	  NPH(1) },
	{ .t = { .name = "tftp_rrq_of_512_bytes_opens_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40072, SERVER, 69), .data = req512,
			 .payload = sizeof(req512) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40072, SERVER, 69), .data = req512,
			  .payload = sizeof(req512) } },
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 40072, CLIENT, 40072, CLIENT, 40072, SERVER, 69),
	  NPH(2) },

	/* ============ malformed: forwarded, no pinhole, counted ============ */
	{ .t = { .name = "tftp_bad_opcode_3_no_pinhole",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40080, SERVER, 69), DATA(BAD_OPCODE3) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40080, SERVER, 69), DATA(BAD_OPCODE3) },
		 .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1) } },
	  MODE(ON),
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40080),
	  NPH(0),
	  .not_ctl = true },
	{ .t = { .name = "tftp_bad_opcode_0_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40079, SERVER, 69), DATA(BAD_OPCODE0) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40079, SERVER, 69), DATA(BAD_OPCODE0) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40079),
	  NPH(0) },
	{ .t = { .name = "tftp_bad_opcode_high_byte_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40081, SERVER, 69), DATA(BAD_OPCODE_HI) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40081, SERVER, 69), DATA(BAD_OPCODE_HI) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40081),
	  NPH(0) },
	{ .t = { .name = "tftp_bad_truncated_filename_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40082, SERVER, 69), DATA(BAD_TRUNC) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40082, SERVER, 69), DATA(BAD_TRUNC) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40082),
	  NPH(0) },
	{ .t = { .name = "tftp_bad_mode_without_nul_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40083, SERVER, 69), DATA(BAD_NO_MODE_NUL) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40083, SERVER, 69), DATA(BAD_NO_MODE_NUL) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40083),
	  NPH(0) },
	{ .t = { .name = "tftp_bad_empty_filename_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40084, SERVER, 69), DATA(BAD_EMPTY_NAME) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40084, SERVER, 69), DATA(BAD_EMPTY_NAME) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40084),
	  NPH(0) },
	{ .t = { .name = "tftp_bad_unknown_mode_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40085, SERVER, 69), DATA(BAD_MODE) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40085, SERVER, 69), DATA(BAD_MODE) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40085),
	  NPH(0) },
	{ .t = { .name = "tftp_bad_mode_too_long_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40086, SERVER, 69), DATA(BAD_MODE_LONG) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40086, SERVER, 69), DATA(BAD_MODE_LONG) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40086),
	  NPH(0) },
	{ .t = { .name = "tftp_bad_empty_datagram_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40087, SERVER, 69) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40087, SERVER, 69) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40087),
	  NPH(0) },
	{ .t = { .name = "tftp_bad_one_byte_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40088, SERVER, 69), DATA("\000") },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40088, SERVER, 69), DATA("\000") } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40088),
	  NPH(0) },
	/* the mode's NUL is byte 513: beyond what a request may be */
	{ .t = { .name = "tftp_bad_request_beyond_512_bytes_no_pinhole",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40089, SERVER, 69), .data = req513,
			 .payload = sizeof(req513) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40089, SERVER, 69), .data = req513,
			  .payload = sizeof(req513) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NOPH4(SERVER, 40089),
	  NPH(0) },
	{ .t = { .name = "tftp_no_pinhole_answer_not_admitted",
		 INGRESS,
		 .in = { U4(SERVER, 50004, PUB, 40080), DATA(DATA1) },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0),
			  C(LOCAL_PASS, 1) } },
	  NPH(0) },

	/* ===================== which flows are looked at ===================== */
	{ .t = { .name = "tftp_other_udp_port_ignored",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40090, SERVER, 70), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40090, SERVER, 70), DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 1) } },
	  NOPH4(SERVER, 40090),
	  NPH(0) },
	{ .t = { .name = "tftp_tcp_to_port_69_ignored",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40091, SERVER, 69, TH_ACK | TH_PSH),
			 DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40091, SERVER, 69, TH_ACK | TH_PSH),
			  DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0) } },
	  NPH(0) },
	{ .t = { .name = "tftp_second_configured_port",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40092, SERVER, TFTP_PORT2), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40092, SERVER, TFTP_PORT2), DATA(RRQ) } },
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 40092, CLIENT, 40092, CLIENT, 40092, SERVER, TFTP_PORT2),
	  NPH(1),
	  .not_ctl = true },
	/* the server's answer to the client, from 69: not a request */
	{ .t = { .name = "tftp_answer_from_port_69_not_a_request",
		 INGRESS,
		 .in = { U4(SERVER, 69, PUB, 40080), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(SERVER, 69, CLIENT, 40080), DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 0), C(TC_XLATE, 1) } },
	  NPH(1) },

	/* ================ observe: counted, nothing opened ================ */
	{ .t = { .name = "tftp_observe_counts_opens_nothing",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40100, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40100, SERVER, 69), DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0) } },
	  MODE(OBSERVE),
	  .adp = { ADP(OBSERVED, 1) },
	  NOPH4(SERVER, 40100),
	  NPH(0),
	  .not_ctl = true },
	{ .t = { .name = "tftp_observe_bad_request_counted",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40101, SERVER, 69), DATA(BAD_OPCODE3) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40101, SERVER, 69), DATA(BAD_OPCODE3) } },
	  .adp = { ADP(BAD_REQUEST, 1) },
	  NPH(0) },
	{ .t = { .name = "tftp_observe_answer_not_admitted",
		 INGRESS,
		 .in = { U4(SERVER, 50005, PUB, 40100), DATA(DATA1) },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0),
			  C(LOCAL_PASS, 1) } },
	  NPH(0) },

	/* ==================== off: nothing, not even parsed ==================== */
	{ .t = { .name = "tftp_off_nothing_opened_nothing_counted",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40110, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40110, SERVER, 69), DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0) } },
	  MODE(OFF),
	  NOPH4(SERVER, 40110),
	  NPH(0),
	  .not_ctl = true },
	{ .t = { .name = "tftp_off_bad_request_not_counted",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40111, SERVER, 69), DATA(BAD_OPCODE3) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40111, SERVER, 69), DATA(BAD_OPCODE3) } },
	  NPH(0) },
	{ .t = { .name = "tftp_off_answer_not_admitted",
		 INGRESS,
		 .in = { U4(SERVER, 50006, PUB, 40110), DATA(DATA1) },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(PINHOLE_HIT, 0), C(FLOW_NEW, 0),
			  C(LOCAL_PASS, 1) } },
	  NPH(0) },
	/* the mode is live: the same flow's retransmission, now on */
	{ .t = { .name = "tftp_mode_switched_on_applies_to_open_flow",
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40110, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40110, SERVER, 69), DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 0) } },
	  MODE(ON),
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 40110, CLIENT, 40110, CLIENT, 40110, SERVER, 69),
	  NPH(1) },

	/* ========= the public port, not the inside one, when remapped ========= */
	{ .t = { .name = "tftp_remap_first_client_keeps_its_port",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40120, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40120, SERVER, 69), DATA(RRQ) },
		 .cnt = { C(PORT_PRESERVED, 1) } },
	  MODE(ON),
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 40120, CLIENT, 40120, CLIENT, 40120, SERVER, 69),
	  NPH(1) },
	{ .t = { .name = "tftp_remapped_request_pinhole_on_public_port",
		 .pre = pre_one_port_range,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT2, 40120, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 20000, SERVER, 69), DATA(RRQ) },
		 .cnt = { C(PORT_REMAPPED, 1), C(FLOW_NEW, 1) } },
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 20000, CLIENT2, 40120, CLIENT2, 40120, SERVER, 69),
	  NPH(2),
	  .not_ctl = true },
	{ .t = { .name = "tftp_answer_to_remapped_port_reaches_second_client",
		 .pre = pre_range_restore,
		 INGRESS,
		 .in = { U4(SERVER, 50010, PUB, 20000), DATA(DATA1) },
		 .verdict = TC_OK,
		 .out = { U4(SERVER, 50010, CLIENT2, 40120), DATA(DATA1) },
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1) } },
	  .adp = { ADP(PH_HIT, 1) },
	  NOPH4(SERVER, 20000),
	  NPH(1) },

	/* ======================= IPv6: no NAT, filtered ======================= */
	{ .t = { .name = "tftp_v6_answer_without_pinhole_dropped",
		 .reset = true,
		 INGRESS,
		 .in = { U6(SERVER6, 50020, CLIENT6, 40200), DATA(DATA1) },
		 .verdict = TC_SHOT,
		 .same = true,
		 .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0) } },
	  MODE(ON),
	  NPH(0) },
	{ .t = { .name = "tftp_v6_rrq_opens_pinhole_on_client_port",
		 EGRESS_FROM_INSIDE,
		 .in = { U6(CLIENT6, 40200, SERVER6, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .same = true,
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0) } },
	  .adp = { ADP(PH_OPENED, 1) },
	  PH6(SERVER6, 40200, CLIENT6, 40200, CLIENT6, 40200, SERVER6, 69),
	  NPH(1) },
	{ .t = { .name = "tftp_v6_answer_from_other_address_dropped",
		 INGRESS,
		 .in = { U6(SERVER6B, 50020, CLIENT6, 40200), DATA(DATA1) },
		 .verdict = TC_SHOT,
		 .same = true,
		 .cnt = { C(INBOUND_DROP, 1), C(PINHOLE_HIT, 0) } },
	  PH6(SERVER6, 40200, CLIENT6, 40200, CLIENT6, 40200, SERVER6, 69),
	  NPH(1) },
	{ .t = { .name = "tftp_v6_answer_from_new_port_admitted",
		 INGRESS,
		 .in = { U6(SERVER6, 50020, CLIENT6, 40200), DATA(DATA1) },
		 .verdict = TC_OK,
		 .same = true,
		 .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1),
			  C(INBOUND_DROP, 0) } },
	  .adp = { ADP(PH_HIT, 1) },
	  NOPH6(SERVER6, 40200),
	  NPH(0) },

	/* ============================ limits ============================ */
	{ .t = { .name = "tftp_live_pinhole_of_another_flow_left_alone",
		 .reset = true,
		 .pre = pre_foreign_live,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40300, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40300, SERVER, 69), DATA(RRQ) } },
	  MODE(ON),
	  .adp = { ADP(PH_CONFLICT, 1) },
	  .ph = { 1, 4, SERVER, 40300, "10.0.1.9", 20, "10.0.1.9", 40021,
		  SERVER, 21, BPFALG_ALG_FTP, true },
	  NPH(1) },
	{ .t = { .name = "tftp_expired_pinhole_of_another_flow_replaced",
		 .reset = true,
		 .pre = pre_foreign_expired,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40301, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40301, SERVER, 69), DATA(RRQ) } },
	  .adp = { ADP(PH_OPENED, 1) },
	  PH4(SERVER, 40301, CLIENT, 40301, CLIENT, 40301, SERVER, 69),
	  NPH(1) },
	{ .t = { .name = "tftp_pinhole_table_full_counted",
		 .reset = true,
		 .pre = pre_ph_table_full,
		 EGRESS_FROM_INSIDE,
		 .in = { U4(CLIENT, 40302, SERVER, 69), DATA(RRQ) },
		 .verdict = TC_OK,
		 .out = { U4(PUB, 40302, SERVER, 69), DATA(RRQ) },
		 .cnt = { C(FLOW_NEW, 1) },
		 .post = post_ph_table_full },
	  .adp = { ADP(PH_FULL, 1) } },
};

/* ---------------------------------------------------------------------- */

static void adp_read(__u64 out[BPFALG_ADP_MAX])
{
	size_t sz = (sizeof(struct bpfalg_alg_dp_stats) + 7) & ~7UL;
	__u8 buf[sz * E.ncpus];
	__u32 k = TFTP;
	int c, i;

	memset(out, 0, sizeof(__u64) * BPFALG_ADP_MAX);
	if (bpf_map_lookup_elem(m_adp, &k, buf))
		return;
	for (c = 0; c < E.ncpus; c++) {
		struct bpfalg_alg_dp_stats *v = (void *)(buf + c * sz);

		for (i = 0; i < BPFALG_ADP_MAX; i++)
			out[i] += v->c[i];
	}
}

static const char *adp_name(int i)
{
	static const char *const n[BPFALG_ADP_MAX] = {
		[BPFALG_ADP_PUNTED] = "ADP_PUNTED",
		[BPFALG_ADP_OBSERVE_COPY] = "ADP_OBSERVE_COPY",
		[BPFALG_ADP_FAIL_DROP] = "ADP_FAIL_DROP",
		[BPFALG_ADP_FAIL_PASS] = "ADP_FAIL_PASS",
		[BPFALG_ADP_TOO_BIG] = "ADP_TOO_BIG",
		[BPFALG_ADP_BYPASS] = "ADP_BYPASS",
		[BPFALG_ADP_PH_OPENED] = "ADP_PH_OPENED",
		[BPFALG_ADP_PH_REFRESHED] = "ADP_PH_REFRESHED",
		[BPFALG_ADP_OBSERVED] = "ADP_OBSERVED",
		[BPFALG_ADP_BAD_REQUEST] = "ADP_BAD_REQUEST",
		[BPFALG_ADP_PH_FULL] = "ADP_PH_FULL",
		[BPFALG_ADP_PH_CONFLICT] = "ADP_PH_CONFLICT",
		[BPFALG_ADP_PH_HIT] = "ADP_PH_HIT",
	};

	return n[i] ? n[i] : "?";
}

static int alg_mode_set(__u32 mode)
{
	struct bpfalg_alg_cfg a = { .mode = mode, .ports = { 69, TFTP_PORT2 } };
	__u32 k = TFTP;

	return bpf_map_update_elem(m_algcfg, &k, &a, BPF_ANY);
}

/* The pinhole of the case, field by field; t0/t1 bracket the run. */
static int ph_check(const struct phx *x, __u64 t0, __u64 t1, __u64 prev_exp,
		    char *why, size_t n)
{
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v;
	struct bpfalg_tuple owner;
	__be32 in[4] = {};
	int af = x->family == 6 ? AF_INET6 : AF_INET;
	__u8 alg = x->alg ? x->alg : TFTP;

	ph_key(&k, x->family, x->remote, x->pub);
	if (bpf_map_lookup_elem(E.m_pinholes, &k, &v)) {
		if (x->want < 0)
			return 0;
		return fail(why, n, "no pinhole %s -> public port %u",
			    x->remote, x->pub);
	}
	if (x->want < 0)
		return fail(why, n, "pinhole %s -> public port %u exists",
			    x->remote, x->pub);
	inet_pton(af, x->inside, in);
	if (memcmp(v.inside_addr, in, 16) || v.inside_port != htons(x->iport))
		return fail(why, n, "pinhole inside %08x:%u, want %s:%u",
			    ntohl(v.inside_addr[0]), ntohs(v.inside_port),
			    x->inside, x->iport);
	if (v.remote_port)
		return fail(why, n, "pinhole remote_port %u, want 0 (any)",
			    ntohs(v.remote_port));
	if (v.alg != alg)
		return fail(why, n, "pinhole alg %u, want %u", v.alg, alg);
	if (v.pad[0] || v.pad[1] || v.pad[2])
		return fail(why, n, "pinhole pad not zero");
	if ((int)v.in_ifindex != E.ifin)
		return fail(why, n, "pinhole in_ifindex %u, want %d (in0)",
			    v.in_ifindex, E.ifin);
	tuple_of(&owner, x->family, alg == BPFALG_ALG_FTP ? P_TCP : P_UDP,
		 x->os, x->osp, x->od, x->odp);
	if (memcmp(&v.owner, &owner, sizeof(owner)))
		return fail(why, n,
			    "pinhole owner %u>%u proto %u, want the flow "
			    "%s:%u > %s:%u",
			    ntohs(v.owner.sport), ntohs(v.owner.dport),
			    v.owner.proto, x->os, x->osp, x->od, x->odp);
	if (x->keep_expiry) {
		if (v.expires_ns != prev_exp)
			return fail(why, n, "pinhole expiry rewritten");
		return 0;
	}
	/* the datapath's clock is CLOCK_MONOTONIC at tick resolution */
	if (v.expires_ns + 100000000ULL < t0 + PH_TIMEOUT_NS ||
	    v.expires_ns > t1 + PH_TIMEOUT_NS)
		return fail(why, n,
			    "pinhole expires %lld ms after the case, want "
			    "10000",
			    (long long)(v.expires_ns - t1) / 1000000);
	return 0;
}

/* The flow of the case's input packet (a request) is no control flow. */
static int not_ctl_check(const struct pkt_spec *in, char *why, size_t n)
{
	struct bpfalg_tuple k;
	struct bpfalg_flow f;

	tuple_of(&k, in->family, in->proto, in->src, in->sport, in->dst,
		 in->dport);
	if (flow_lookup(&k, &f))
		return fail(why, n, "request flow not in the flow table");
	if ((f.flags & BPFALG_FF_CONTROL) || f.alg)
		return fail(why, n,
			    "request flow flags 0x%x alg %u: must not be a "
			    "control flow",
			    f.flags, f.alg);
	return 0;
}

static int run_tfcase(const struct tfcase *tc, char *why, size_t n)
{
	__u64 b[BPFALG_ADP_MAX], a[BPFALG_ADP_MAX], t0, t1;
	struct tcase t = tc->t;
	int i, np;

	if (t.reset) {
		state_reset();
		t.reset = false;
	}
	if (tc->mode1 && alg_mode_set(tc->mode1 - 1))
		return fail(why, n, "alg_cfg update: %s", strerror(errno));
	adp_read(b);
	t0 = mono_ns();
	if (run_case(&t, why, n))
		return -1;
	t1 = mono_ns();
	adp_read(a);
	for (i = 0; i < BPFALG_ADP_MAX; i++)
		if ((long)(a[i] - b[i]) != tc->adp[i])
			return fail(why, n,
				    "alg_dp_stats[TFTP] %s moved by %ld, want "
				    "%ld",
				    adp_name(i), (long)(a[i] - b[i]),
				    tc->adp[i]);
	if (tc->ph.want && ph_check(&tc->ph, t0, t1, ph_saved_expiry, why, n))
		return -1;
	if (tc->nph1) {
		np = map_count(E.m_pinholes, sizeof(struct bpfalg_pinhole_key));
		if (np != tc->nph1 - 1)
			return fail(why, n, "%d pinholes in the map, want %d",
				    np, tc->nph1 - 1);
	}
	if (tc->not_ctl && not_ctl_check(&tc->t.in, why, n))
		return -1;
	return 0;
}

void run_tftp_table(void)
{
	struct bpfalg_alg_cfg off = {};
	__u32 k = TFTP;
	char why[512];
	size_t i;

	/* "\0\1" + name + "\0" + "octet" + "\0" */
	memset(req512, 'a', sizeof(req512));
	req512[0] = 0;
	req512[1] = 1;
	memcpy(req512 + sizeof(req512) - 7, "\0octet\0", 7);
	memset(req513, 'a', sizeof(req513));
	req513[0] = 0;
	req513[1] = 1;
	memcpy(req513 + sizeof(req513) - 7, "\0octet\0", 7);

	m_algcfg = open_pin("alg_cfg");
	m_adp = open_pin("alg_dp_stats");
	if (m_algcfg < 0 || m_adp < 0) {
		report("tftp_setup", false, "pinned ALG maps not found");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(table); i++) {
		why[0] = 0;
		report(table[i].t.name,
		       !run_tfcase(&table[i], why, sizeof(why)), why);
	}

	bpf_map_update_elem(m_algcfg, &k, &off, BPF_ANY);
	config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST);
	state_reset();
	close(m_algcfg);
	close(m_adp);
}
