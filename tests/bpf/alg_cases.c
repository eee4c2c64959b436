// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * alg_cases.c - the ALG control-flow path of the TC program (tc_control in
 * bpf/tc_alg.c): punt to the controller over punt_rb, observe copies, the
 * fail policy, BYPASS, and sequence/acknowledgement/SACK adjustment from
 * the ctl map.  Same conventions as cases.c: a table run in order (later
 * cases build on the flows earlier ones created, `.reset` starts a group),
 * each case an input packet, a verdict and an expected output packet whose
 * checksums are recomputed from scratch, plus:
 *
 *   - the ALG configuration for the case (alg_cfg[FTP].mode, the
 *     controller's pid/heartbeat in cfg, cfg.fail_policy,
 *     cfg.fail_open_after), the ctl entry of the flow (key: its original
 *     tuple);
 *   - every per-ALG datapath counter (alg_dp_stats[FTP], all of them: a
 *     counter not named must not move);
 *   - the punt ring: nothing, or exactly one record whose header is checked
 *     field by field and whose bytes are the packet as it left the program
 *     (after NAT), compared byte for byte except the checksums, which are
 *     verified by full recomputation;
 *   - for seqadj cases (`.model`), the literal seq/ack/SACK values written in
 *     the expected packet are also checked against an independent reading
 *     of include/bpfalg_seqadj.h (seqadj_off/seqadj_unack, with an option
 *     walk written here), so a bug in the shared functions fails the case
 *     as surely as a bug in the BPF code.
 *
 * Then, written as code: sweeps of sequence numbers around every point of
 * a few histories (expected values from the shared functions only), a
 * full ring buffer (punt fails: fail policy), and the heartbeat the datapath
 * stamps for fail-open when none was ever written.
 *
 * FTP control ports: 21 and 2121.  Topology as in cases.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cases.h"
#include "bpfalg_seqadj.h"

#define FTP BPFALG_ALG_FTP
#define CPORT_EXTRA 2121

#define T4(s_, sp, d_, dp, fl, sq, ak)                                         \
	.family = 4, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .tcp_flags = fl, .seq = sq, .ack = ak
#define T6(s_, sp, d_, dp, fl, sq, ak)                                         \
	.family = 6, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .tcp_flags = fl, .seq = sq, .ack = ak
#define DATA(str) .data = str, .payload = sizeof(str) - 1
#define OPT(a) .opt = a, .tcp_opts = sizeof(a)

#define EGRESS_FROM_INSIDE .prog = PR_TC_OUT, .ifx = IFS_OUT, .iif = IFS_IN
#define INGRESS .prog = PR_TC_IN, .ifx = IFS_OUT

#define PSH_ACK (TH_PSH | TH_ACK)
#define FIN_ACK (TH_FIN | TH_ACK)

#define PORT_CMD "PORT 10,0,1,2,4,1\r\n"
#define PASV_CMD "PASV\r\n"
#define R227 "227 Entering Passive Mode (10,0,1,5,4,1)\r\n"
#define R200 "200 PORT command successful\r\n"
#define R220 "220 ready\r\n"
#define USER_CMD "USER anonymous\r\n"
#define QUIT_CMD "QUIT\r\n"
#define EPRT_CMD "EPRT |2|fd00:1::2|1025|\r\n"

/* ---- flows (original tuple) ---- */
struct aflow {
	int family;
	const char *c, *s;
	__u16 cp, sp;
};

static const struct aflow F_A = { 4, CLIENT, SERVER, 40021, 21 };
static const struct aflow F_A80 = { 4, CLIENT, SERVER, 40080, 80 };
static const struct aflow F_A2121 = { 4, CLIENT, SERVER, 40121, CPORT_EXTRA };
static const struct aflow F_SYN = { 4, CLIENT, SERVER, 40025, 21 };
static const struct aflow F_B = { 4, CLIENT, SERVER, 40031, 21 };
static const struct aflow F_C = { 4, CLIENT, SERVER, 40041, 21 };
static const struct aflow F_D = { 4, CLIENT, SERVER, 40051, 21 };
static const struct aflow F_E = { 4, CLIENT, SERVER, 40061, 21 };
static const struct aflow F_O = { 4, CLIENT, SERVER, 40055, 21 };
static const struct aflow F_S = { 4, CLIENT, SERVER, 40022, 21 };
static const struct aflow F_W = { 4, CLIENT, SERVER, 40023, 21 };
static const struct aflow F_6 = { 6, CLIENT6, SERVER6, 40026, 21 };
static const struct aflow F_V = { 4, CLIENT, SERVER, 40027, 21 };
/* a remote client of an FTP server behind the port-forward 2100 -> :21 */
#define FWD_SRV "10.0.1.5"
static const struct aflow F_FWD = { 4, SERVER2, PUB, 50021, 2100 };

/* ---- ctl entries (histories: wire = original + delta from pos on) ---- */
static const struct bpfalg_ctl ctl_one = {
	.dir[0] = { .n = 1, .pt = { { 1000, 3 } } },
};
/* the client's line [900, 1000) went out as [900, 1003) */
static const struct bpfalg_ctl ctl_line = {
	.dir[0] = { .n = 1, .pt = { { 1000, 3, 100 } } },
};
static const struct bpfalg_ctl ctl_three = {
	.dir[0] = { .n = 3, .pt = { { 1000, 3 }, { 2000, 1 }, { 3000, -2 } } },
};
static const struct bpfalg_ctl ctl_both = {
	.dir[0] = { .n = 1, .pt = { { 1000, 3 } } },
	.dir[1] = { .n = 1, .pt = { { 7100, -4 } } },
};
static const struct bpfalg_ctl ctl_reply_only = {
	.dir[1] = { .n = 1, .pt = { { 7100, -4 } } },
};
static const struct bpfalg_ctl ctl_base = {
	.dir[0] = { .base = 5, .n = 1, .pt = { { 1000, 8 } } },
};
static const struct bpfalg_ctl ctl_full = {
	.dir[0] = { .n = 8,
		    .pt = { { 1000, 1 }, { 2000, 2 }, { 3000, 3 }, { 4000, 4 },
			    { 5000, 5 }, { 6000, 6 }, { 7000, 7 },
			    { 8000, 8 } } },
};
static const struct bpfalg_ctl ctl_wrap = {
	.dir[0] = { .n = 1, .pt = { { 0xfffffff0u, 5 } } },
};
static const struct bpfalg_ctl ctl_wrap2 = {
	.dir[0] = { .n = 2, .pt = { { 0xffffff00u, 3 }, { 0x100, -1 } } },
};
/* the server's 227 line ending at 7100 grew by one byte */
static const struct bpfalg_ctl ctl_fwd = {
	.dir[1] = { .n = 1, .pt = { { 7100, 1 } } },
};
static const struct bpfalg_ctl ctl_bypass = { .flags = BPFALG_CTL_BYPASS };
static const struct bpfalg_ctl ctl_bypass_adj = {
	.flags = BPFALG_CTL_BYPASS,
	.dir[0] = { .n = 1, .pt = { { 1000, 3 } } },
};

/* ---- TCP options ---- */
#define BE32(x)                                                                \
	(__u8)((x) >> 24), (__u8)((x) >> 16), (__u8)((x) >> 8), (__u8)(x)
#define NOP 1
#define EOL 0
#define SACK(nb) 5, (__u8)(2 + 8 * (nb))
#define TS(v, e) 8, 10, BE32(v), BE32(e)
#define NOP20 NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, \
	      NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP

/*
 * Blocks as the server sends them (wire numbers of the client's data) and
 * as ctl_three must turn them back into the client's numbers:
 *   [1003, 1503) -> [1000, 1500)   offset +3
 *   [2001, 2501) -> [2000, 2500)   offset +1
 *   [3498, 4000) -> [3500, 4002)   offset -2
 *   [ 998, 1002) -> [ 998, 1000)   right edge inside the lengthened line: cap
 */
#define B1W BE32(1003), BE32(1503)
#define B1O BE32(1000), BE32(1500)
#define B2W BE32(2001), BE32(2501)
#define B2O BE32(2000), BE32(2500)
#define B3W BE32(3498), BE32(4000)
#define B3O BE32(3500), BE32(4002)
#define B4W BE32(998), BE32(1002)
#define B4O BE32(998), BE32(1000)

static const __u8 o_sack1_w[] = { NOP, NOP, SACK(1), B3W };
static const __u8 o_sack1_o[] = { NOP, NOP, SACK(1), B3O };
static const __u8 o_sack2_w[] = { NOP, NOP, SACK(2), B1W, B2W };
static const __u8 o_sack2_o[] = { NOP, NOP, SACK(2), B1O, B2O };
static const __u8 o_sack3_w[] = { NOP, NOP, SACK(3), B1W, B2W, B3W };
static const __u8 o_sack3_o[] = { NOP, NOP, SACK(3), B1O, B2O, B3O };
static const __u8 o_sack4_w[] = { NOP, NOP, SACK(4), B1W, B2W, B3W, B4W };
static const __u8 o_sack4_o[] = { NOP, NOP, SACK(4), B1O, B2O, B3O, B4O };
/* SACK at TCP offset 21: left alone */
static const __u8 o_sack_odd[] = { NOP, SACK(1), B3W, NOP };
/* timestamps whose values look like sequence numbers: never touched */
static const __u8 o_ts_sack_w[] = { NOP, NOP, TS(1003, 3498),
				    NOP, NOP, SACK(2), B1W, B2W };
static const __u8 o_ts_sack_o[] = { NOP, NOP, TS(1003, 3498),
				    NOP, NOP, SACK(2), B1O, B2O };
/* TS at 20, NOP at 30, SACK at 31: odd */
static const __u8 o_ts_sack_odd[] = { TS(1003, 3498), NOP, SACK(1), B3W,
				      NOP, NOP, NOP };
/* options end at EOL: what follows is not a SACK option */
static const __u8 o_eol_sack[] = { EOL, NOP, SACK(1), B3W };
/* 20 NOPs, then the SACK at TCP offset 40 (legal: 32 option bytes) */
static const __u8 o_nops_sack_w[] = { NOP20, SACK(1), B3W, NOP, NOP };
static const __u8 o_nops_sack_o[] = { NOP20, SACK(1), B3O, NOP, NOP };
/* 30 NOPs and the SACK: all 40 option bytes, 31 steps of the walk */
static const __u8 o_nops30_sack_w[] = { NOP20, NOP, NOP, NOP, NOP, NOP,
					NOP, NOP, NOP, NOP, NOP, SACK(1), B3W };
static const __u8 o_nops30_sack_o[] = { NOP20, NOP, NOP, NOP, NOP, NOP,
					NOP, NOP, NOP, NOP, NOP, SACK(1), B3O };
/* the client SACKs the server's data (ctl_both: dir[1] {7100, -4}) */
static const __u8 o_osack_w[] = { NOP, NOP, SACK(2), BE32(7196), BE32(7296),
				  BE32(7050), BE32(7098) };
static const __u8 o_osack_o[] = { NOP, NOP, SACK(2), BE32(7200), BE32(7300),
				  BE32(7050), BE32(7102) };
/* ctl_fwd (dir[1] {7100, +1}): [7201, 7301) -> [7200, 7300),
 * [7090, 7101) -> [7090, 7100) (cap)
 */
static const __u8 o_fwd_sack_w[] = { NOP, NOP, SACK(2), BE32(7201), BE32(7301),
				     BE32(7090), BE32(7101) };
static const __u8 o_fwd_sack_o[] = { NOP, NOP, SACK(2), BE32(7200), BE32(7300),
				     BE32(7090), BE32(7100) };
/* ctl_line: a left edge inside the line moves to its end, a right edge to
 * its start: [950, 1503) -> [1000, 1500), [800, 960) -> [800, 900)
 */
static const __u8 o_line_w[] = { NOP,	     NOP,	SACK(2),  BE32(950),
				 BE32(1503), BE32(800), BE32(960) };
static const __u8 o_line_o[] = { NOP,	     NOP,	SACK(2),  BE32(1000),
				 BE32(1500), BE32(800), BE32(900) };
/* ctl_one: [1003, 1503) -> [1000, 1500) */
static const __u8 o_one_w[] = { NOP, NOP, SACK(1), B1W };
static const __u8 o_one_o[] = { NOP, NOP, SACK(1), B1O };
/* ctl_wrap: [0xfffffff5, 0x5) -> [0xfffffff0, 0x0) */
static const __u8 o_wrap_w[] = { NOP, NOP, SACK(1), BE32(0xfffffff5u),
				 BE32(0x5) };
static const __u8 o_wrap_o[] = { NOP, NOP, SACK(1), BE32(0xfffffff0u),
				 BE32(0x0) };

/* ---- the case ---- */
enum ctrl {
	CT_KEEP = 0,
	CT_ALIVE, /* pid = ours, heartbeat now */
	CT_RECENT, /* heartbeat 2 s old: still alive */
	CT_NONE, /* pid 0 */
	CT_STALE, /* pid set, heartbeat 4 s old */
	CT_GONE, /* pid set, heartbeat 20 s old (SIGKILLed long ago) */
	CT_STOPPED, /* pid 0, heartbeat 20 s old (stopped long ago) */
	CT_NEVER, /* pid 0, heartbeat 0 (up without a daemon) */
};

struct pexp {
	__u8 reason; /* enum bpfalg_punt_reason, 0: the ring stays empty */
	__u8 dir;
	__u8 ingress;
};

struct acase {
	struct tcase t;
	int mode1; /* alg_cfg[FTP].mode + 1, 0: as it is */
	int ctrl; /* enum ctrl */
	int pol1; /* cfg.fail_policy + 1, 0: as it is */
	int foa1; /* cfg.fail_open_after + 1, 0: as it is */
	const struct aflow *flow; /* the case's flow */
	const struct bpfalg_ctl *ctl; /* installed for the flow first */
	bool ctl_del; /* its ctl entry removed first */
	bool model; /* check t.out's seq/ack/SACK against bpfalg_seqadj.h */
	int ctlflow; /* 1: flow must be an FTP control flow, -1: must not */
	struct pexp punt;
	const struct pkt_spec *rec; /* the record's packet, NULL: t's output */
	long adp[BPFALG_ADP_MAX]; /* expected moves, all checked */
};

#define MODE(m) .mode1 = BPFALG_MODE_##m + 1
#define POLICY(p) .pol1 = BPFALG_FAIL_##p + 1
#define FAIL_OPEN_AFTER(s) .foa1 = (s) + 1
#define ADP(n, d) [BPFALG_ADP_##n] = d
#define PUNTED(d, i) .punt = { BPFALG_PUNT_ALG_PAYLOAD, d, i }
#define OBSERVED(d, i) .punt = { BPFALG_PUNT_OBSERVE, d, i }
/* a whole group's configuration */
#define CFG(m, c, p) MODE(m), .ctrl = c, POLICY(p)

static void pre_ftp_forward(void)
{
	struct bpfalg_fwd_key k = { .port = htons(2100), .proto = P_TCP,
				    .family = BPFALG_AF_INET };
	struct bpfalg_fwd v = { .port = htons(21) };

	v.addr[0] = ip4(FWD_SRV);
	bpf_map_update_elem(E.m_forwards, &k, &v, BPF_ANY);
}

static const struct pkt_spec rec_observe_unadjusted = {
	T4(PUB, 40031, SERVER, 21, PSH_ACK, 1500, 2030), DATA(USER_CMD)
};

static const struct acase table[] = {
	/* ============ punt: mode on, controller alive (IPv4) ============ */
	{ .t = { .name = "alg_punt_v4_payload_creates_control_flow_shot",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40021, SERVER, 21, PSH_ACK, 1000, 2000),
			 DATA(PORT_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40021, SERVER, 21, PSH_ACK, 1000, 2000),
			  DATA(PORT_CMD) },
		 .cnt = { C(FLOW_NEW, 1), C(TCP_MIDSTREAM, 1), C(TC_XLATE, 1),
			  C(PUNT, 1), C(PUNT_FAIL, 0), C(SEQADJ, 0),
			  D(OTHER, 0) } },
	  CFG(ON, CT_ALIVE, DROP),
	  .flow = &F_A,
	  .ctlflow = 1,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_punt_v4_pure_ack_not_punted",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40021, SERVER, 21, TH_ACK, 1019, 2000) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40021, SERVER, 21, TH_ACK, 1019, 2000) },
		 .cnt = { C(TC_XLATE, 1), C(PUNT, 0), C(PUNT_FAIL, 0),
			  C(FLOW_NEW, 0), C(SEQADJ, 0) } },
	  .flow = &F_A,
	  .ctlflow = 1 },
	{ .t = { .name = "alg_punt_v4_reply_payload_ingress",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40021, PSH_ACK, 2000, 1019),
			 DATA(R200) },
		 .verdict = TC_SHOT,
		 .out = { T4(SERVER, 21, CLIENT, 40021, PSH_ACK, 2000, 1019),
			  DATA(R200) },
		 .cnt = { C(TC_XLATE, 1), C(PUNT, 1), C(PUNT_FAIL, 0) } },
	  .flow = &F_A,
	  PUNTED(BPFALG_DIR_REPLY, 1),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_punt_v4_reply_pure_ack_not_punted",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40021, TH_ACK, 2030, 1019) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40021, TH_ACK, 2030, 1019) },
		 .cnt = { C(TC_XLATE, 1), C(PUNT, 0) } },
	  .flow = &F_A },
	{ .t = { .name = "alg_punt_v4_reinjected_untouched",
		 EGRESS_FROM_INSIDE,
		 .mark = BPFALG_REINJECT_MARK,
		 .in = { T4(PUB, 40021, SERVER, 21, PSH_ACK, 1019, 2030),
			 DATA(USER_CMD) },
		 .verdict = TC_UNSPEC,
		 .same = true,
		 .cnt = { C(RX, 0), C(TC_XLATE, 0), C(PUNT, 0) } },
	  .flow = &F_A },
	{ .t = { .name = "alg_punt_v4_fin_with_payload_punted",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40021, SERVER, 21, FIN_ACK | TH_PSH, 1019,
			    2030),
			 DATA(QUIT_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40021, SERVER, 21, FIN_ACK | TH_PSH, 1019,
			     2030),
			  DATA(QUIT_CMD) },
		 .cnt = { C(PUNT, 1) } },
	  .flow = &F_A,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_punt_v4_reply_fin_without_payload_passes",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40021, FIN_ACK, 2030, 1026) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40021, FIN_ACK, 2030, 1026) },
		 .cnt = { C(PUNT, 0), C(TC_XLATE, 1) },
		 /* the punted FIN counted for the state machine */
		 .fc = { CLIENT, SERVER, 40021, 21, P_TCP, ST(TIME_WAIT) } },
	  .flow = &F_A },
	{ .t = { .name = "alg_punt_v4_other_port_not_a_control_flow",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40080, SERVER, 80, PSH_ACK, 1, 1),
			 DATA(PORT_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40080, SERVER, 80, PSH_ACK, 1, 1),
			  DATA(PORT_CMD) },
		 .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1), C(PUNT, 0) } },
	  .flow = &F_A80,
	  .ctlflow = -1 },
	{ .t = { .name = "alg_punt_v4_second_control_port",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40121, SERVER, CPORT_EXTRA, PSH_ACK, 5, 6),
			 DATA(USER_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40121, SERVER, CPORT_EXTRA, PSH_ACK, 5, 6),
			  DATA(USER_CMD) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 1) } },
	  .flow = &F_A2121,
	  .ctlflow = 1,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	/* 14 + 20 + 20 + 1994 = 2048 = BPFALG_PUNT_MAX_PKT: still punted */
	{ .t = { .name = "alg_punt_v4_frame_of_max_size_punted",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40121, SERVER, CPORT_EXTRA, TH_ACK, 21, 6),
			 .payload = 1994 },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40121, SERVER, CPORT_EXTRA, TH_ACK, 21, 6),
			  .payload = 1994 },
		 .cnt = { C(PUNT, 1) } },
	  .flow = &F_A2121,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	/* one byte more (a GRO-merged packet): punted whole all the same, in
	 * the 64 KiB class (only BIG TCP packets above BPFALG_PUNT_MAX_GSO
	 * pass as they are; bpf_prog_test_run cannot build one)
	 */
	{ .t = { .name = "alg_punt_v4_frame_above_2048_punted_whole",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40121, SERVER, CPORT_EXTRA, TH_ACK, 21, 6),
			 .payload = 1995 },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40121, SERVER, CPORT_EXTRA, TH_ACK, 21, 6),
			  .payload = 1995 },
		 .cnt = { C(PUNT, 1), C(PUNT_FAIL, 0) } },
	  .flow = &F_A2121,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1), ADP(TOO_BIG, 0) } },
	{ .t = { .name = "alg_punt_v4_syn_creates_control_flow",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40025, SERVER, 21, TH_SYN, 77, 0),
			 .tcp_opts = 20 },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40025, SERVER, 21, TH_SYN, 77, 0),
			  .tcp_opts = 20 },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0) },
		 .fc = { CLIENT, SERVER, 40025, 21, P_TCP, ST(SYN_SENT) } },
	  .flow = &F_SYN,
	  .ctlflow = 1 },
	{ .t = { .name = "alg_punt_v4_synack_of_control_flow",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40025, TH_SYN | TH_ACK, 500, 78),
			 .tcp_opts = 20 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40025, TH_SYN | TH_ACK, 500,
			     78),
			  .tcp_opts = 20 },
		 .cnt = { C(PUNT, 0) } },
	  .flow = &F_SYN },
	{ .t = { .name = "alg_punt_v4_server_greeting_punted",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40025, PSH_ACK, 501, 78),
			 DATA(R220) },
		 .verdict = TC_SHOT,
		 .out = { T4(SERVER, 21, CLIENT, 40025, PSH_ACK, 501, 78),
			  DATA(R220) },
		 .cnt = { C(PUNT, 1) } },
	  .flow = &F_SYN,
	  PUNTED(BPFALG_DIR_REPLY, 1),
	  .adp = { ADP(PUNTED, 1) } },

	/* ================= observe: a copy, the original goes on ========= */
	{ .t = { .name = "alg_observe_payload_passes_copy_in_ring",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40031, SERVER, 21, PSH_ACK, 1000, 2000),
			 DATA(PORT_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40031, SERVER, 21, PSH_ACK, 1000, 2000),
			  DATA(PORT_CMD) },
		 .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1), C(PUNT, 0),
			  C(PUNT_FAIL, 0) } },
	  CFG(OBSERVE, CT_ALIVE, DROP),
	  .flow = &F_B,
	  .ctlflow = 1,
	  OBSERVED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(OBSERVE_COPY, 1) } },
	{ .t = { .name = "alg_observe_reply_payload_copy_in_ring",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40031, PSH_ACK, 2000, 1019),
			 DATA(R200) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40031, PSH_ACK, 2000, 1019),
			  DATA(R200) },
		 .cnt = { C(PUNT, 0) } },
	  .flow = &F_B,
	  OBSERVED(BPFALG_DIR_REPLY, 1),
	  .adp = { ADP(OBSERVE_COPY, 1) } },
	{ .t = { .name = "alg_observe_pure_ack_no_copy",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40031, SERVER, 21, TH_ACK, 1019, 2030) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40031, SERVER, 21, TH_ACK, 1019, 2030) } },
	  .flow = &F_B },
	{ .t = { .name = "alg_observe_needs_no_controller",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40031, SERVER, 21, PSH_ACK, 1019, 2030),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40031, SERVER, 21, PSH_ACK, 1019, 2030),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT, 0), C(PUNT_FAIL, 0) } },
	  .ctrl = CT_NONE,
	  .flow = &F_B,
	  OBSERVED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(OBSERVE_COPY, 1) } },

	/* the copy is taken before the adjustment: the controller reads the
	 * client's own numbering, as it does for punted segments
	 */
	{ .t = { .name = "alg_observe_copy_before_seqadj",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40031, SERVER, 21, PSH_ACK, 1500, 2030),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40031, SERVER, 21, PSH_ACK, 1503, 2030),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT, 0), C(SEQADJ, 1) } },
	  .ctrl = CT_ALIVE,
	  .flow = &F_B,
	  .ctl = &ctl_one,
	  .model = true,
	  OBSERVED(BPFALG_DIR_ORIG, 0),
	  .rec = &rec_observe_unadjusted,
	  .adp = { ADP(OBSERVE_COPY, 1) } },

	/* ===================== off: nothing punted ===================== */
	{ .t = { .name = "alg_off_payload_passes_nothing_in_ring",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40041, SERVER, 21, PSH_ACK, 1000, 2000),
			 DATA(PORT_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40041, SERVER, 21, PSH_ACK, 1000, 2000),
			  DATA(PORT_CMD) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0), C(PUNT_FAIL, 0),
			  C(SEQADJ, 0) } },
	  CFG(OFF, CT_ALIVE, DROP),
	  .flow = &F_C,
	  .ctlflow = 1 },
	{ .t = { .name = "alg_off_reply_payload_passes",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40041, PSH_ACK, 2000, 1019),
			 DATA(R200) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40041, PSH_ACK, 2000, 1019),
			  DATA(R200) },
		 .cnt = { C(PUNT, 0) } },
	  .flow = &F_C },
	/* the mode is read per packet: a flow opened while off is punted */
	{ .t = { .name = "alg_off_then_on_open_flow_punted",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40041, SERVER, 21, PSH_ACK, 1019, 2030),
			 DATA(USER_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40041, SERVER, 21, PSH_ACK, 1019, 2030),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT, 1) } },
	  MODE(ON),
	  .flow = &F_C,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_off_seqadj_still_applied",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40041, SERVER, 21, PSH_ACK, 1500, 2030),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40041, SERVER, 21, PSH_ACK, 1503, 2030),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT, 0), C(SEQADJ, 1) } },
	  MODE(OFF),
	  .flow = &F_C,
	  .ctl = &ctl_one,
	  .model = true },

	/* ====================== fail policy ====================== */
	{ .t = { .name = "alg_fail_no_controller_policy_drop",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40051, SERVER, 21, PSH_ACK, 1000, 7000),
			 DATA(PORT_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40051, SERVER, 21, PSH_ACK, 1000, 7000),
			  DATA(PORT_CMD) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0), C(PUNT_FAIL, 1),
			  D(FAIL_POLICY, 1), D(OTHER, 0) } },
	  CFG(ON, CT_NONE, DROP),
	  .flow = &F_D,
	  .ctlflow = 1,
	  .adp = { ADP(FAIL_DROP, 1) } },
	{ .t = { .name = "alg_fail_stale_heartbeat_policy_drop",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40051, SERVER, 21, PSH_ACK, 1000, 7000),
			 DATA(PORT_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40051, SERVER, 21, PSH_ACK, 1000, 7000),
			  DATA(PORT_CMD) },
		 .cnt = { C(PUNT, 0), C(PUNT_FAIL, 1) } },
	  .ctrl = CT_STALE,
	  .flow = &F_D,
	  .adp = { ADP(FAIL_DROP, 1) } },
	{ .t = { .name = "alg_fail_heartbeat_2s_old_still_alive",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40051, SERVER, 21, PSH_ACK, 1000, 7000),
			 DATA(PORT_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40051, SERVER, 21, PSH_ACK, 1000, 7000),
			  DATA(PORT_CMD) },
		 .cnt = { C(PUNT, 1), C(PUNT_FAIL, 0) } },
	  .ctrl = CT_RECENT,
	  .flow = &F_D,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_fail_no_controller_policy_pass",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40051, SERVER, 21, PSH_ACK, 1000, 7000),
			 DATA(PORT_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40051, SERVER, 21, PSH_ACK, 1000, 7000),
			  DATA(PORT_CMD) },
		 .cnt = { C(PUNT, 0), C(PUNT_FAIL, 1), C(SEQADJ, 0) } },
	  .ctrl = CT_NONE,
	  POLICY(PASS),
	  .flow = &F_D,
	  .adp = { ADP(FAIL_PASS, 1) } },
	/* passed payload still gets the flow's adjustment */
	{ .t = { .name = "alg_fail_stale_policy_pass_seqadj_applied",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40051, SERVER, 21, PSH_ACK, 1500, 7196),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40051, SERVER, 21, PSH_ACK, 1503, 7200),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT_FAIL, 1), C(SEQADJ, 1) } },
	  .ctrl = CT_STALE,
	  .flow = &F_D,
	  .ctl = &ctl_both,
	  .model = true,
	  .adp = { ADP(FAIL_PASS, 1) } },
	{ .t = { .name = "alg_fail_policy_pass_reply_seqadj_applied",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40051, PSH_ACK, 7200, 1503),
			 DATA(R200) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40051, PSH_ACK, 7196, 1500),
			  DATA(R200) },
		 .cnt = { C(PUNT_FAIL, 1), C(SEQADJ, 1) } },
	  .flow = &F_D,
	  .model = true,
	  .adp = { ADP(FAIL_PASS, 1) } },

	/* ========== fail open: cfg.fail_open_after (10 s here) ========== */
	/* within the time: the drop policy holds */
	{ .t = { .name = "alg_fail_open_heartbeat_4s_old_drop",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40055, SERVER, 21, PSH_ACK, 1000, 7000),
			 DATA(PORT_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40055, SERVER, 21, PSH_ACK, 1000, 7000),
			  DATA(PORT_CMD) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 0), C(PUNT_FAIL, 1) } },
	  CFG(ON, CT_STALE, DROP),
	  FAIL_OPEN_AFTER(10),
	  .flow = &F_O,
	  .ctlflow = 1,
	  .adp = { ADP(FAIL_DROP, 1) } },
	/* beyond it: passed unmodified, counted as both */
	{ .t = { .name = "alg_fail_open_heartbeat_20s_old_pass",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40055, SERVER, 21, PSH_ACK, 1000, 7000),
			 DATA(PORT_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40055, SERVER, 21, PSH_ACK, 1000, 7000),
			  DATA(PORT_CMD) },
		 .cnt = { C(PUNT, 0), C(PUNT_FAIL, 1), C(SEQADJ, 0) } },
	  .ctrl = CT_GONE,
	  .flow = &F_O,
	  .adp = { ADP(FAIL_PASS, 1), ADP(FAIL_OPEN, 1) } },
	{ .t = { .name = "alg_fail_open_reply_after_20s_pass",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40055, PSH_ACK, 7000, 1019),
			 DATA(R200) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40055, PSH_ACK, 7000, 1019),
			  DATA(R200) },
		 .cnt = { C(PUNT, 0), C(PUNT_FAIL, 1) } },
	  .flow = &F_O,
	  .adp = { ADP(FAIL_PASS, 1), ADP(FAIL_OPEN, 1) } },
	/* a daemon that stopped (pid 0) left its last heartbeat */
	{ .t = { .name = "alg_fail_open_stopped_20s_ago_pass",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT_FAIL, 1) } },
	  .ctrl = CT_STOPPED,
	  .flow = &F_O,
	  .adp = { ADP(FAIL_PASS, 1), ADP(FAIL_OPEN, 1) } },
	{ .t = { .name = "alg_fail_open_stopped_just_now_drop",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			 DATA(USER_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT_FAIL, 1) } },
	  .ctrl = CT_NONE,
	  .flow = &F_O,
	  .adp = { ADP(FAIL_DROP, 1) } },
	/* the pass policy passes anyway: not a fail-open */
	{ .t = { .name = "alg_fail_open_policy_pass_not_counted",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT_FAIL, 1) } },
	  .ctrl = CT_GONE,
	  POLICY(PASS),
	  .flow = &F_O,
	  .adp = { ADP(FAIL_PASS, 1) } },
	/* a live controller is punted to whatever the time says */
	{ .t = { .name = "alg_fail_open_live_controller_punted",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			 DATA(USER_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT, 1), C(PUNT_FAIL, 0) } },
	  .ctrl = CT_RECENT,
	  POLICY(DROP),
	  FAIL_OPEN_AFTER(1),
	  .flow = &F_O,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	/* 0: never (and the later groups run with it) */
	{ .t = { .name = "alg_fail_open_zero_never",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			 DATA(USER_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40055, SERVER, 21, PSH_ACK, 1019, 7029),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT_FAIL, 1) } },
	  .ctrl = CT_GONE,
	  FAIL_OPEN_AFTER(0),
	  .flow = &F_O,
	  .adp = { ADP(FAIL_DROP, 1) } },

	/* =================== BYPASS (TLS, ALG gave up) =================== */
	{ .t = { .name = "alg_bypass_setup_flow",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40061, SERVER, 21, TH_ACK, 1000, 7000) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40061, SERVER, 21, TH_ACK, 1000, 7000) },
		 .cnt = { C(FLOW_NEW, 1) } },
	  CFG(ON, CT_ALIVE, DROP),
	  .flow = &F_E,
	  .ctlflow = 1 },
	{ .t = { .name = "alg_bypass_payload_passes",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40061, SERVER, 21, PSH_ACK, 1000, 7000),
			 DATA(PORT_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40061, SERVER, 21, PSH_ACK, 1000, 7000),
			  DATA(PORT_CMD) },
		 .cnt = { C(PUNT, 0), C(PUNT_FAIL, 0), C(SEQADJ, 0) } },
	  .flow = &F_E,
	  .ctl = &ctl_bypass,
	  .adp = { ADP(BYPASS, 1) } },
	{ .t = { .name = "alg_bypass_reply_payload_passes",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40061, PSH_ACK, 7000, 1019),
			 DATA(R200) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40061, PSH_ACK, 7000, 1019),
			  DATA(R200) },
		 .cnt = { C(PUNT, 0) } },
	  .flow = &F_E,
	  .adp = { ADP(BYPASS, 1) } },
	{ .t = { .name = "alg_bypass_with_history_seqadj_applied",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40061, SERVER, 21, PSH_ACK, 1500, 7030),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40061, SERVER, 21, PSH_ACK, 1503, 7030),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT, 0), C(SEQADJ, 1) } },
	  .flow = &F_E,
	  .ctl = &ctl_bypass_adj,
	  .model = true,
	  .adp = { ADP(BYPASS, 1) } },
	{ .t = { .name = "alg_bypass_observe_no_copy",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40061, SERVER, 21, PSH_ACK, 1516, 7030),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40061, SERVER, 21, PSH_ACK, 1519, 7030),
			  DATA(USER_CMD) } },
	  MODE(OBSERVE),
	  .flow = &F_E,
	  .model = true,
	  .adp = { ADP(BYPASS, 1) } },
	{ .t = { .name = "alg_bypass_without_controller_passes",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40061, SERVER, 21, PSH_ACK, 1532, 7030),
			 DATA(USER_CMD) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40061, SERVER, 21, PSH_ACK, 1535, 7030),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT_FAIL, 0) } },
	  MODE(ON),
	  .ctrl = CT_NONE,
	  .flow = &F_E,
	  .model = true,
	  .adp = { ADP(BYPASS, 1) } },
	{ .t = { .name = "alg_bypass_cleared_punted_again",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40061, SERVER, 21, PSH_ACK, 1548, 7030),
			 DATA(USER_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40061, SERVER, 21, PSH_ACK, 1548, 7030),
			  DATA(USER_CMD) },
		 .cnt = { C(PUNT, 1) } },
	  .ctrl = CT_ALIVE,
	  .flow = &F_E,
	  .ctl_del = true,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },

	/* ============ sequence adjustment: one correction ============
	 * ctl_one: the client's line ending at 1000 grew by 3 bytes.
	 */
	{ .t = { .name = "alg_seqadj_setup_flow",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40022, SERVER, 21, TH_ACK, 900, 7000) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40022, SERVER, 21, TH_ACK, 900, 7000) },
		 .cnt = { C(FLOW_NEW, 1), C(SEQADJ, 0) } },
	  CFG(ON, CT_ALIVE, DROP),
	  .flow = &F_S,
	  .ctlflow = 1 },
#define S_ORIG(nm, fl, sq, ak, osq, oak, ...)                                  \
	{ .t = { .name = nm, EGRESS_FROM_INSIDE,                               \
		 .in = { T4(CLIENT, 40022, SERVER, 21, fl, sq, ak) },          \
		 .verdict = TC_OK,                                             \
		 .out = { T4(PUB, 40022, SERVER, 21, fl, osq, oak) },          \
		 .cnt = { C(SEQADJ, 1), C(PUNT, 0), C(TC_XLATE, 1) } },        \
	  .flow = &F_S, .model = true, __VA_ARGS__ }
#define S_REPLY(nm, fl, sq, ak, osq, oak, ...)                                 \
	{ .t = { .name = nm, INGRESS,                                          \
		 .in = { T4(SERVER, 21, PUB, 40022, fl, sq, ak) },             \
		 .verdict = TC_OK,                                             \
		 .out = { T4(SERVER, 21, CLIENT, 40022, fl, osq, oak) },       \
		 .cnt = { C(SEQADJ, 1), C(PUNT, 0), C(TC_XLATE, 1) } },        \
	  .flow = &F_S, .model = true, __VA_ARGS__ }
#define S_SACK(nm, ak, oak, iopt, oopt, unal, ...)                             \
	{ .t = { .name = nm, INGRESS,                                          \
		 .in = { T4(SERVER, 21, PUB, 40022, TH_ACK, 7000, ak),         \
			 OPT(iopt) },                                          \
		 .verdict = TC_OK,                                             \
		 .out = { T4(SERVER, 21, CLIENT, 40022, TH_ACK, 7000, oak),    \
			  OPT(oopt) },                                         \
		 .cnt = { C(SEQADJ, 1), C(SACK_UNALIGNED, unal) } },           \
	  .flow = &F_S, .model = true, __VA_ARGS__ }
	S_ORIG("alg_seqadj_one_orig_after_point", TH_ACK, 1500, 7000, 1503,
	       7000, .ctl = &ctl_one),
	S_ORIG("alg_seqadj_one_orig_at_point", TH_ACK, 1000, 7000, 1003, 7000),
	S_ORIG("alg_seqadj_one_orig_retransmission_before_point", TH_ACK, 990,
	       7000, 990, 7000),
	S_REPLY("alg_seqadj_one_reply_ack_after_line", TH_ACK, 7000, 1503, 7000,
		1500),
	S_REPLY("alg_seqadj_one_reply_ack_line_end", TH_ACK, 7000, 1003, 7000,
		1000),
	S_REPLY("alg_seqadj_one_reply_ack_inside_lengthened_capped", TH_ACK,
		7000, 1002, 7000, 1000),
	S_REPLY("alg_seqadj_one_reply_ack_at_pos_on_wire", TH_ACK, 7000, 1000,
		7000, 1000),
	S_REPLY("alg_seqadj_one_reply_ack_before_line_end", TH_ACK, 7000, 999,
		7000, 999),

	/* ==== ctl_line: an acknowledgement inside a rewritten line ====
	 * acknowledges none of it (the sender resends the line whole)
	 */
	S_REPLY("alg_seqadj_line_reply_ack_inside_line", TH_ACK, 7000, 950,
		7000, 900, .ctl = &ctl_line),
	S_REPLY("alg_seqadj_line_reply_ack_inside_growth", TH_ACK, 7000, 1002,
		7000, 900),
	S_REPLY("alg_seqadj_line_reply_ack_line_start", TH_ACK, 7000, 900, 7000,
		900),
	S_REPLY("alg_seqadj_line_reply_ack_line_end", TH_ACK, 7000, 1003, 7000,
		1000),
	S_SACK("alg_seqadj_line_sack_edges_inside_line", 1003, 1000, o_line_w,
	       o_line_o, 0),

	/* ======== several corrections: {1000,+3} {2000,+1} {3000,-2} ========
	 * wire positions of the points: 1003, 2001, 2998
	 */
	S_ORIG("alg_seqadj_three_orig_second_segment", TH_ACK, 2500, 7000, 2501,
	       7000, .ctl = &ctl_three),
	S_ORIG("alg_seqadj_three_orig_third_segment_negative", TH_ACK, 3500,
	       7000, 3498, 7000),
	S_ORIG("alg_seqadj_three_orig_just_before_second_point", TH_ACK, 1999,
	       7000, 2002, 7000),
	S_ORIG("alg_seqadj_three_orig_at_third_point", TH_ACK, 3000, 7000, 2998,
	       7000),
	S_ORIG("alg_seqadj_three_orig_retransmission_first_offset", TH_ACK,
	       1500, 7000, 1503, 7000),
	S_ORIG("alg_seqadj_three_orig_retransmission_before_all", TH_ACK, 500,
	       7000, 500, 7000),
	S_REPLY("alg_seqadj_three_reply_ack_first_line_end", TH_ACK, 7000, 1003,
		7000, 1000),
	S_REPLY("alg_seqadj_three_reply_ack_second_line_end", TH_ACK, 7000,
		2001, 7000, 2000),
	S_REPLY("alg_seqadj_three_reply_ack_inside_shortened_line", TH_ACK,
		7000, 2000, 7000, 1997),
	S_REPLY("alg_seqadj_three_reply_ack_third_line_end", TH_ACK, 7000, 2998,
		7000, 3000),
	S_REPLY("alg_seqadj_three_reply_ack_before_third_line_end", TH_ACK,
		7000, 2997, 7000, 2996),
	S_REPLY("alg_seqadj_three_reply_ack_beyond_all", TH_ACK, 7000, 3500,
		7000, 3502),

	/* ====== SACK blocks of the reply direction (ctl_three) ====== */
	S_SACK("alg_seqadj_sack_1_block", 1003, 1000, o_sack1_w, o_sack1_o, 0),
	S_SACK("alg_seqadj_sack_2_blocks", 1003, 1000, o_sack2_w, o_sack2_o, 0),
	S_SACK("alg_seqadj_sack_3_blocks", 1003, 1000, o_sack3_w, o_sack3_o, 0),
	S_SACK("alg_seqadj_sack_4_blocks_edge_capped", 1003, 1000, o_sack4_w,
	       o_sack4_o, 0),
	S_SACK("alg_seqadj_sack_odd_offset_left_alone", 1003, 1000, o_sack_odd,
	       o_sack_odd, 1),
	S_SACK("alg_seqadj_sack_after_timestamps", 2001, 2000, o_ts_sack_w,
	       o_ts_sack_o, 0),
	S_SACK("alg_seqadj_sack_odd_after_timestamps_left_alone", 2001, 2000,
	       o_ts_sack_odd, o_ts_sack_odd, 1),
	S_SACK("alg_seqadj_sack_after_eol_not_an_option", 1003, 1000,
	       o_eol_sack, o_eol_sack, 0),
	S_SACK("alg_seqadj_sack_after_20_nops", 1003, 1000, o_nops_sack_w,
	       o_nops_sack_o, 0),
	S_SACK("alg_seqadj_sack_after_30_nops_options_full", 1003, 1000,
	       o_nops30_sack_w, o_nops30_sack_o, 0),
	{ .t = { .name = "alg_seqadj_sack_behind_ipv4_options",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40022, TH_ACK, 7000, 2001),
			 OPT(o_sack3_w), .ip_opts = 8 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40022, TH_ACK, 7000, 2000),
			  OPT(o_sack3_o), .ip_opts = 8 },
		 .cnt = { C(SEQADJ, 1), C(SACK_UNALIGNED, 0) } },
	  .flow = &F_S,
	  .model = true },

	/* ======== both directions rewritten (ctl_both) ========
	 * dir[0] {1000,+3}; dir[1] {7100,-4} (the server's line ending at
	 * 7100 shrank by 4: wire position 7096)
	 */
	S_ORIG("alg_seqadj_both_orig_seq_and_ack", TH_ACK, 1500, 7196, 1503,
	       7200, .ctl = &ctl_both),
	S_ORIG("alg_seqadj_both_orig_ack_before_reply_point", TH_ACK, 1500,
	       7095, 1503, 7095),
	S_REPLY("alg_seqadj_both_reply_seq_and_ack", TH_ACK, 7200, 1503, 7196,
		1500),
	S_REPLY("alg_seqadj_both_reply_retransmission_before_point", TH_ACK,
		7050, 1503, 7050, 1500),
	{ .t = { .name = "alg_seqadj_both_orig_sack_of_reply_data",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40022, SERVER, 21, TH_ACK, 1500, 7196),
			 OPT(o_osack_w) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40022, SERVER, 21, TH_ACK, 1503, 7200),
			  OPT(o_osack_o) },
		 .cnt = { C(SEQADJ, 1), C(SACK_UNALIGNED, 0) } },
	  .flow = &F_S,
	  .model = true },
	/* without ACK the ack field is not a number: left alone */
	S_ORIG("alg_seqadj_both_orig_no_ack_flag_ack_untouched", TH_PSH, 1500,
	       7196, 1503, 7196),
	/* only the server's data was rewritten: the reply's SACK and ack
	 * (about the client's data) stay as they are
	 */
	{ .t = { .name = "alg_seqadj_reply_only_sack_untouched",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40022, TH_ACK, 7200, 1503),
			 OPT(o_one_w) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40022, TH_ACK, 7196, 1503),
			  OPT(o_one_w) },
		 .cnt = { C(SEQADJ, 1) } },
	  .flow = &F_S,
	  .ctl = &ctl_reply_only,
	  .model = true },

	/* ======== base (folded history) and a full history ======== */
	S_ORIG("alg_seqadj_base_before_point", TH_ACK, 500, 7000, 505, 7000,
	       .ctl = &ctl_base),
	S_ORIG("alg_seqadj_base_after_point", TH_ACK, 1200, 7000, 1208, 7000),
	S_REPLY("alg_seqadj_base_reply_ack_before", TH_ACK, 7000, 505, 7000,
		500),
	S_REPLY("alg_seqadj_base_reply_ack_line_end", TH_ACK, 7000, 1008, 7000,
		1000),
	S_REPLY("alg_seqadj_base_reply_ack_inside_lengthened_capped", TH_ACK,
		7000, 1006, 7000, 1000),
	S_REPLY("alg_seqadj_base_reply_ack_inside_line", TH_ACK, 7000, 1004,
		7000, 999),
	S_ORIG("alg_seqadj_full_orig_last_point", TH_ACK, 8500, 7000, 8508,
	       7000, .ctl = &ctl_full),
	S_ORIG("alg_seqadj_full_orig_middle", TH_ACK, 4500, 7000, 4504, 7000),
	S_ORIG("alg_seqadj_full_orig_before_all", TH_ACK, 999, 7000, 999, 7000),
	S_REPLY("alg_seqadj_full_reply_ack_last_line_end", TH_ACK, 7000, 8008,
		7000, 8000),
	S_REPLY("alg_seqadj_full_reply_ack_beyond_all", TH_ACK, 7000, 8100,
		7000, 8092),
	S_REPLY("alg_seqadj_full_reply_ack_seventh_line_end", TH_ACK, 7000,
		7007, 7000, 7000),

	/* ======== FINs ======== */
	S_ORIG("alg_seqadj_three_orig_fin", FIN_ACK, 3500, 7000, 3498, 7000,
	       .ctl = &ctl_three),
	S_REPLY("alg_seqadj_three_reply_fin_acks_fin", FIN_ACK, 7000, 3499,
		7000, 3501),

	/* ======== wraparound: {0xfffffff0, +5}, wire 0xfffffff5 ======== */
	{ .t = { .name = "alg_seqadj_wrap_setup_flow",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40023, SERVER, 21, TH_ACK, 0xffffff00u,
			    7000) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40023, SERVER, 21, TH_ACK, 0xffffff00u,
			     7000) },
		 .cnt = { C(FLOW_NEW, 1), C(SEQADJ, 0) } },
	  CFG(ON, CT_ALIVE, DROP),
	  .flow = &F_W,
	  .ctlflow = 1 },
#define W_ORIG(nm, sq, osq, ...)                                               \
	{ .t = { .name = nm, EGRESS_FROM_INSIDE,                               \
		 .in = { T4(CLIENT, 40023, SERVER, 21, TH_ACK, sq, 7000) },    \
		 .verdict = TC_OK,                                             \
		 .out = { T4(PUB, 40023, SERVER, 21, TH_ACK, osq, 7000) },     \
		 .cnt = { C(SEQADJ, 1) } },                                    \
	  .flow = &F_W, .model = true, __VA_ARGS__ }
#define W_REPLY(nm, ak, oak, ...)                                              \
	{ .t = { .name = nm, INGRESS,                                          \
		 .in = { T4(SERVER, 21, PUB, 40023, TH_ACK, 7000, ak) },       \
		 .verdict = TC_OK,                                             \
		 .out = { T4(SERVER, 21, CLIENT, 40023, TH_ACK, 7000, oak) },  \
		 .cnt = { C(SEQADJ, 1) } },                                    \
	  .flow = &F_W, .model = true, __VA_ARGS__ }
	W_ORIG("alg_seqadj_wrap_orig_after_point", 0xfffffff8u, 0xfffffffdu,
	       .ctl = &ctl_wrap),
	W_ORIG("alg_seqadj_wrap_orig_result_wraps", 0xfffffffeu, 0x3),
	W_ORIG("alg_seqadj_wrap_orig_past_zero", 0x10, 0x15),
	W_ORIG("alg_seqadj_wrap_orig_before_point", 0xffffffe0u, 0xffffffe0u),
	W_REPLY("alg_seqadj_wrap_reply_ack_past_zero", 0x3, 0xfffffffeu),
	W_REPLY("alg_seqadj_wrap_reply_ack_line_end", 0xfffffff5u, 0xfffffff0u),
	W_REPLY("alg_seqadj_wrap_reply_ack_inside_lengthened_capped",
		0xfffffff3u, 0xfffffff0u),
	{ .t = { .name = "alg_seqadj_wrap_reply_sack_across_zero",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40023, TH_ACK, 7000, 0xfffffff5u),
			 OPT(o_wrap_w) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40023, TH_ACK, 7000,
			     0xfffffff0u),
			  OPT(o_wrap_o) },
		 .cnt = { C(SEQADJ, 1), C(SACK_UNALIGNED, 0) } },
	  .flow = &F_W,
	  .model = true },
	/* {0xffffff00, +3} {0x100, -1}: points on both sides of zero */
	W_ORIG("alg_seqadj_wrap2_orig_first_segment_past_zero", 0x80, 0x83,
	       .ctl = &ctl_wrap2),
	W_ORIG("alg_seqadj_wrap2_orig_second_segment", 0x200, 0x1ff),
	W_REPLY("alg_seqadj_wrap2_reply_ack_first_segment", 0x1, 0xfffffffeu),
	W_REPLY("alg_seqadj_wrap2_reply_ack_second_segment", 0x1ff, 0x200),

	/* =============== FTP server behind a port-forward ===============
	 * the control port is the one reached (reply sport 21), not dialled;
	 * the original direction arrives from outside, replies leave on egress
	 */
	{ .t = { .name = "alg_fwd_syn_to_forwarded_server_control_flow",
		 .reset = true,
		 .pre = pre_ftp_forward,
		 INGRESS,
		 .in = { T4(SERVER2, 50021, PUB, 2100, TH_SYN, 6999, 0) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER2, 50021, FWD_SRV, 21, TH_SYN, 6999, 0) },
		 .cnt = { C(FWD_HIT, 1), C(FLOW_NEW, 1), C(PUNT, 0) } },
	  CFG(ON, CT_ALIVE, DROP),
	  .flow = &F_FWD,
	  .ctlflow = 1 },
	{ .t = { .name = "alg_fwd_client_payload_punted_at_ingress",
		 INGRESS,
		 .in = { T4(SERVER2, 50021, PUB, 2100, PSH_ACK, 7000, 7000),
			 DATA(PASV_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T4(SERVER2, 50021, FWD_SRV, 21, PSH_ACK, 7000, 7000),
			  DATA(PASV_CMD) },
		 .cnt = { C(PUNT, 1) } },
	  .flow = &F_FWD,
	  PUNTED(BPFALG_DIR_ORIG, 1),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_fwd_server_reply_punted_at_egress",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(FWD_SRV, 21, SERVER2, 50021, PSH_ACK, 7059, 7006),
			 DATA(R227) },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 2100, SERVER2, 50021, PSH_ACK, 7059, 7006),
			  DATA(R227) },
		 .cnt = { C(PUNT, 1) } },
	  .flow = &F_FWD,
	  PUNTED(BPFALG_DIR_REPLY, 0),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_fwd_seqadj_server_ack_egress",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(FWD_SRV, 21, SERVER2, 50021, TH_ACK, 7200, 7006) },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 2100, SERVER2, 50021, TH_ACK, 7201, 7006) },
		 .cnt = { C(SEQADJ, 1) } },
	  .flow = &F_FWD,
	  .ctl = &ctl_fwd,
	  .model = true },
	{ .t = { .name = "alg_fwd_seqadj_client_ack_and_sack_ingress",
		 INGRESS,
		 .in = { T4(SERVER2, 50021, PUB, 2100, TH_ACK, 7006, 7201),
			 OPT(o_fwd_sack_w) },
		 .verdict = TC_OK,
		 .out = { T4(SERVER2, 50021, FWD_SRV, 21, TH_ACK, 7006, 7200),
			  OPT(o_fwd_sack_o) },
		 .cnt = { C(SEQADJ, 1) } },
	  .flow = &F_FWD,
	  .model = true },

	/* ============ IPv6 control flow (tracked, not NATed) ============ */
	{ .t = { .name = "alg_ipv6_punt_payload_creates_control_flow_shot",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T6(CLIENT6, 40026, SERVER6, 21, PSH_ACK, 1000, 2000),
			 DATA(EPRT_CMD) },
		 .verdict = TC_SHOT,
		 .out = { T6(CLIENT6, 40026, SERVER6, 21, PSH_ACK, 1000, 2000),
			  DATA(EPRT_CMD) },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 1), C(PUNT_FAIL, 0) } },
	  CFG(ON, CT_ALIVE, DROP),
	  .flow = &F_6,
	  .ctlflow = 1,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_ipv6_pure_ack_not_punted",
		 EGRESS_FROM_INSIDE,
		 .in = { T6(CLIENT6, 40026, SERVER6, 21, TH_ACK, 1026, 2000) },
		 .verdict = TC_OK,
		 .same = true,
		 .cnt = { C(PUNT, 0), C(SEQADJ, 0) } },
	  .flow = &F_6 },
	{ .t = { .name = "alg_ipv6_reply_payload_punted",
		 INGRESS,
		 .in = { T6(SERVER6, 21, CLIENT6, 40026, PSH_ACK, 2000, 1026),
			 DATA(R200) },
		 .verdict = TC_SHOT,
		 .out = { T6(SERVER6, 21, CLIENT6, 40026, PSH_ACK, 2000, 1026),
			  DATA(R200) },
		 .cnt = { C(PUNT, 1) } },
	  .flow = &F_6,
	  PUNTED(BPFALG_DIR_REPLY, 1),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_ipv6_seqadj_orig_ack",
		 EGRESS_FROM_INSIDE,
		 .in = { T6(CLIENT6, 40026, SERVER6, 21, TH_ACK, 1500, 2030) },
		 .verdict = TC_OK,
		 .out = { T6(CLIENT6, 40026, SERVER6, 21, TH_ACK, 1503, 2030) },
		 .cnt = { C(SEQADJ, 1) } },
	  .flow = &F_6,
	  .ctl = &ctl_one,
	  .model = true },
	{ .t = { .name = "alg_ipv6_seqadj_reply_ack_and_sack",
		 INGRESS,
		 .in = { T6(SERVER6, 21, CLIENT6, 40026, TH_ACK, 2030, 1503),
			 OPT(o_one_w) },
		 .verdict = TC_OK,
		 .out = { T6(SERVER6, 21, CLIENT6, 40026, TH_ACK, 2030, 1500),
			  OPT(o_one_o) },
		 .cnt = { C(SEQADJ, 1), C(SACK_UNALIGNED, 0) } },
	  .flow = &F_6,
	  .model = true },
	{ .t = { .name = "alg_ipv6_observe_copy",
		 EGRESS_FROM_INSIDE,
		 .in = { T6(CLIENT6, 40026, SERVER6, 21, PSH_ACK, 1500, 2030),
			 DATA(EPRT_CMD) },
		 .verdict = TC_OK,
		 .same = true,
		 .cnt = { C(PUNT, 0), C(SEQADJ, 0) } },
	  MODE(OBSERVE),
	  .flow = &F_6,
	  .ctl_del = true,
	  OBSERVED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(OBSERVE_COPY, 1) } },

	/* ================ 802.1Q-tagged frames ================ */
	{ .t = { .name = "alg_vlan_punt_payload",
		 .reset = true,
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40027, SERVER, 21, PSH_ACK, 1000, 2000),
			 DATA(PORT_CMD), .vlan = 7 },
		 .verdict = TC_SHOT,
		 .out = { T4(PUB, 40027, SERVER, 21, PSH_ACK, 1000, 2000),
			  DATA(PORT_CMD), .vlan = 7 },
		 .cnt = { C(FLOW_NEW, 1), C(PUNT, 1) } },
	  CFG(ON, CT_ALIVE, DROP),
	  .flow = &F_V,
	  .ctlflow = 1,
	  PUNTED(BPFALG_DIR_ORIG, 0),
	  .adp = { ADP(PUNTED, 1) } },
	{ .t = { .name = "alg_vlan_seqadj_orig_ack",
		 EGRESS_FROM_INSIDE,
		 .in = { T4(CLIENT, 40027, SERVER, 21, TH_ACK, 1500, 2030),
			 .vlan = 7 },
		 .verdict = TC_OK,
		 .out = { T4(PUB, 40027, SERVER, 21, TH_ACK, 1503, 2030),
			  .vlan = 7 },
		 .cnt = { C(SEQADJ, 1) } },
	  .flow = &F_V,
	  .ctl = &ctl_one,
	  .model = true },
	{ .t = { .name = "alg_vlan_seqadj_reply_ack_and_sack",
		 INGRESS,
		 .in = { T4(SERVER, 21, PUB, 40027, TH_ACK, 2030, 1503),
			 OPT(o_one_w), .vlan = 7 },
		 .verdict = TC_OK,
		 .out = { T4(SERVER, 21, CLIENT, 40027, TH_ACK, 2030, 1500),
			  OPT(o_one_o), .vlan = 7 },
		 .cnt = { C(SEQADJ, 1), C(SACK_UNALIGNED, 0) } },
	  .flow = &F_V,
	  .model = true },
};

/* ---------------------------------------------------------------------- */

static int m_ctl = -1, m_algcfg = -1, m_adp = -1, m_rb = -1;
static struct ring_buffer *rb;

struct rec {
	struct bpfalg_punt_hdr h;
	__u8 pkt[PKT_MAX];
	size_t size; /* record size as the ring gave it */
};

#define MAX_RECS 4
static struct rec recs[MAX_RECS];
static int n_recs;

static int on_rec(void *ctx, void *data, size_t size)
{
	struct rec *r;
	size_t n;

	if (n_recs < MAX_RECS) {
		r = &recs[n_recs];
		memset(r, 0, sizeof(*r));
		n = size < sizeof(r->h) + PKT_MAX ? size :
						    sizeof(r->h) + PKT_MAX;
		memcpy(r, data, n);
		r->size = size;
	}
	n_recs++;
	return 0;
}

/* Records now in the ring (the first MAX_RECS kept in recs[]). */
static int ring_take(void)
{
	n_recs = 0;
	if (ring_buffer__consume(rb) < 0)
		return -1;
	return n_recs;
}

static void adp_read(__u64 out[BPFALG_ADP_MAX])
{
	size_t sz = (sizeof(struct bpfalg_alg_dp_stats) + 7) & ~7UL;
	__u8 buf[sz * E.ncpus];
	__u32 k = FTP;
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
		[BPFALG_ADP_FAIL_OPEN] = "ADP_FAIL_OPEN",
	};

	return n[i] ? n[i] : "?";
}

static int alg_mode_set(__u32 mode)
{
	struct bpfalg_alg_cfg a = { .mode = mode,
				    .ports = { 21, CPORT_EXTRA } };
	__u32 k = FTP;

	return bpf_map_update_elem(m_algcfg, &k, &a, BPF_ANY);
}

static int cfg_ctrl(int ctrl, int pol1, int foa1)
{
	struct bpfalg_config c;
	__u32 zero = 0;
	__u64 now = mono_ns();

	if (bpf_map_lookup_elem(E.m_cfg, &zero, &c))
		return -1;
	switch (ctrl) {
	case CT_ALIVE:
		c.controller_pid = getpid();
		c.controller_heartbeat_ns = now;
		break;
	case CT_RECENT:
		c.controller_pid = getpid();
		c.controller_heartbeat_ns = now - 2000000000ULL;
		break;
	case CT_NONE:
		c.controller_pid = 0;
		c.controller_heartbeat_ns = now;
		break;
	case CT_STALE:
		c.controller_pid = getpid();
		c.controller_heartbeat_ns = now - 4000000000ULL;
		break;
	case CT_GONE:
		c.controller_pid = getpid();
		c.controller_heartbeat_ns = now - 20000000000ULL;
		break;
	case CT_STOPPED:
		c.controller_pid = 0;
		c.controller_heartbeat_ns = now - 20000000000ULL;
		break;
	case CT_NEVER:
		c.controller_pid = 0;
		c.controller_heartbeat_ns = 0;
		break;
	}
	if (pol1)
		c.fail_policy = pol1 - 1;
	if (foa1)
		c.fail_open_after = foa1 - 1;
	return bpf_map_update_elem(E.m_cfg, &zero, &c, BPF_ANY);
}

static void flow_key(const struct aflow *f, struct bpfalg_tuple *k)
{
	if (f->family == 4) {
		tuple4(k, P_TCP, f->c, f->cp, f->s, f->sp);
		return;
	}
	memset(k, 0, sizeof(*k));
	inet_pton(AF_INET6, f->c, k->saddr);
	inet_pton(AF_INET6, f->s, k->daddr);
	k->sport = htons(f->cp);
	k->dport = htons(f->sp);
	k->proto = P_TCP;
	k->family = BPFALG_AF_INET6;
}

static void ctl_clear(void)
{
	struct bpfalg_tuple k;

	while (!bpf_map_get_next_key(m_ctl, NULL, &k))
		if (bpf_map_delete_elem(m_ctl, &k))
			break;
}

static __u32 rd32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static void wr32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* TCP header of a built frame, and its length. */
static __u8 *tcp_of(__u8 *buf, int len, int *hlen)
{
	int fam, l3 = pkt_l3_off(buf, len, &fam);
	__u8 *th;

	if (l3 < 0)
		return NULL;
	th = buf + l3 + (fam == 6 ? 40 : (buf[l3] & 0xf) * 4);
	*hlen = (th[12] >> 4) * 4;
	return th;
}

static bool seqadj_empty(const struct bpfalg_seqadj *a)
{
	return !a->n && !a->base;
}

/*
 * The reference reading: what a packet of @dir must carry after the
 * adjustment of @c, by the shared functions, with an option walk of its own
 * (no step limit: 40 option bytes, any mix of NOPs and options).
 */
static void model_apply(const struct bpfalg_ctl *c, int dir, __u8 *th, int hlen)
{
	const struct bpfalg_seqadj *mine = &c->dir[dir], *peer = &c->dir[!dir];
	int off, l, e;

	if (seqadj_empty(mine) && seqadj_empty(peer))
		return;
	wr32(th + 4, rd32(th + 4) + seqadj_off(mine, rd32(th + 4)));
	if (!(th[13] & TH_ACK))
		return;
	wr32(th + 8, seqadj_unack(peer, rd32(th + 8)));
	if (seqadj_empty(peer))
		return;
	for (off = 20; off < hlen;) {
		if (th[off] == 0)
			break;
		if (th[off] == 1) {
			off++;
			continue;
		}
		if (off + 1 >= hlen)
			break;
		l = th[off + 1];
		if (l < 2 || off + l > hlen)
			break;
		if (th[off] == 5) {
			if (off & 1)
				break; /* odd: left alone (documented) */
			for (e = off + 2; e + 4 <= off + l; e += 4)
				wr32(th + e,
				     seqadj_unack_edge(peer, rd32(th + e),
						       !((e - off - 2) & 4)));
			break;
		}
		off += l;
	}
}

/* The literal expectation of a seqadj case must be the shared functions'. */
static int model_check(const struct acase *ac, char *why, size_t n)
{
	__u8 in[PKT_MAX], out[PKT_MAX];
	struct bpfalg_tuple k;
	struct bpfalg_ctl c = {};
	int il, ol, ih, oh;
	__u8 *ti, *to;
	/* the original direction is the one sent by the flow's client */
	int dir = !strcmp(ac->t.in.src, ac->flow->c) &&
				  ac->t.in.sport == ac->flow->cp ?
			  BPFALG_DIR_ORIG :
			  BPFALG_DIR_REPLY;

	flow_key(ac->flow, &k);
	if (bpf_map_lookup_elem(m_ctl, &k, &c))
		memset(&c, 0, sizeof(c)); /* no entry: nothing to adjust */
	il = pkt_build(&ac->t.in, in);
	ol = pkt_build(&ac->t.out, out);
	ti = tcp_of(in, il, &ih);
	to = tcp_of(out, ol, &oh);
	if (!ti || !to || ih != oh)
		return fail(why, n, "model: TCP headers differ in shape");
	model_apply(&c, dir, ti, ih);
	if (rd32(ti + 4) != rd32(to + 4))
		return fail(why, n,
			    "table says seq %u, bpfalg_seqadj.h gives %u "
			    "(literal or shared function wrong)",
			    rd32(to + 4), rd32(ti + 4));
	if (rd32(ti + 8) != rd32(to + 8))
		return fail(why, n,
			    "table says ack %u, bpfalg_seqadj.h gives %u "
			    "(literal or shared function wrong)",
			    rd32(to + 8), rd32(ti + 8));
	if (memcmp(ti + 20, to + 20, ih - 20))
		return fail(why, n,
			    "table's TCP options differ from bpfalg_seqadj.h's "
			    "reading");
	return 0;
}

/* The one record of a case: header fields, then the bytes. */
static int rec_check(const struct acase *ac, const struct rec *r, __u64 t0,
		     __u64 t1, char *why, size_t n)
{
	__u8 exp[PKT_MAX], got[PKT_MAX];
	struct bpfalg_tuple k;
	char cw[200];
	int el, l3, fam, off, th;

	el = pkt_build(ac->rec	  ? ac->rec :
		       ac->t.same ? &ac->t.in :
				    &ac->t.out,
		       exp);
	flow_key(ac->flow, &k);
	if (r->size < sizeof(r->h) + r->h.pkt_len)
		return fail(why, n, "record of %zu bytes, header says %u more",
			    r->size, r->h.pkt_len);
	if (r->h.layout_version != BPFALG_LAYOUT_VERSION)
		return fail(why, n, "record layout_version %u, want %u",
			    r->h.layout_version, BPFALG_LAYOUT_VERSION);
	if ((int)r->h.ifindex != ifindex_of(ac->t.ifx))
		return fail(why, n, "record ifindex %u, want %d", r->h.ifindex,
			    ifindex_of(ac->t.ifx));
	if (r->h.pkt_len != (__u32)el || r->h.orig_len != (__u32)el)
		return fail(why, n, "record pkt_len %u orig_len %u, want %d",
			    r->h.pkt_len, r->h.orig_len, el);
	if (r->h.dir != ac->punt.dir || r->h.ingress != ac->punt.ingress ||
	    r->h.alg != FTP || r->h.reason != ac->punt.reason)
		return fail(why, n,
			    "record dir %u ingress %u alg %u reason %u, want "
			    "%u %u %u %u",
			    r->h.dir, r->h.ingress, r->h.alg, r->h.reason,
			    ac->punt.dir, ac->punt.ingress, FTP,
			    ac->punt.reason);
	/* bpf_prog_test_run builds no GRO packets */
	if (r->h.gso_size)
		return fail(why, n, "record gso_size %u", r->h.gso_size);
	if (memcmp(&r->h.key, &k, sizeof(k)))
		return fail(why, n,
			    "record key is not the flow's original tuple");
	/* the datapath clock is CLOCK_MONOTONIC at tick resolution */
	if (r->h.ts_ns + 100000000ULL < t0 || r->h.ts_ns > t1)
		return fail(why, n, "record ts_ns %llu outside [%llu, %llu]",
			    (unsigned long long)r->h.ts_ns,
			    (unsigned long long)t0, (unsigned long long)t1);

	/* bytes: everything but the checksums, which are recomputed */
	memcpy(got, r->pkt, el);
	l3 = pkt_l3_off(exp, el, &fam);
	th = l3 + (fam == 6 ? 40 : (exp[l3] & 0xf) * 4);
	if (fam == 4) {
		got[l3 + 10] = got[l3 + 11] = 0;
		exp[l3 + 10] = exp[l3 + 11] = 0;
	}
	got[th + 16] = got[th + 17] = 0;
	exp[th + 16] = exp[th + 17] = 0;
	off = pkt_diff(got, el, exp, el);
	if (off >= 0) {
		if (E.verbose) {
			pkt_hexdump("record", r->pkt, el);
			pkt_hexdump("expected", exp, el);
		}
		return fail(
			why, n,
			"record bytes differ at %d (got 0x%02x, want 0x%02x)",
			off, got[off], exp[off]);
	}
	if (csum_verify(r->pkt, el, cw, sizeof(cw)))
		return fail(why, n, "record checksum: %s", cw);
	return 0;
}

static int flow_check(const struct acase *ac, char *why, size_t n)
{
	struct bpfalg_tuple k;
	struct bpfalg_flow f;
	bool ctl;

	if (!ac->ctlflow)
		return 0;
	flow_key(ac->flow, &k);
	if (flow_lookup(&k, &f))
		return fail(why, n, "flow not in the flow table");
	ctl = f.flags & BPFALG_FF_CONTROL;
	if (ac->ctlflow > 0 && (!ctl || f.alg != FTP))
		return fail(why, n, "flow flags 0x%x alg %u: want CONTROL, FTP",
			    f.flags, f.alg);
	if (ac->ctlflow < 0 && (ctl || f.alg))
		return fail(why, n,
			    "flow flags 0x%x alg %u: not a control flow",
			    f.flags, f.alg);
	return 0;
}

static int run_acase(const struct acase *ac, char *why, size_t n)
{
	__u64 b[BPFALG_ADP_MAX], a[BPFALG_ADP_MAX], t0, t1;
	struct tcase t = ac->t;
	struct bpfalg_tuple k;
	int i, nr;

	if (t.reset) {
		state_reset();
		ctl_clear();
		t.reset = false;
	}
	if (ac->mode1 && alg_mode_set(ac->mode1 - 1))
		return fail(why, n, "alg_cfg update: %s", strerror(errno));
	if ((ac->ctrl || ac->pol1 || ac->foa1) &&
	    cfg_ctrl(ac->ctrl, ac->pol1, ac->foa1))
		return fail(why, n, "cfg update: %s", strerror(errno));
	flow_key(ac->flow, &k);
	if (ac->ctl_del)
		bpf_map_delete_elem(m_ctl, &k);
	if (ac->ctl && bpf_map_update_elem(m_ctl, &k, ac->ctl, BPF_ANY))
		return fail(why, n, "ctl update: %s", strerror(errno));
	if (ac->model && model_check(ac, why, n))
		return -1;
	if (ring_take() < 0)
		return fail(why, n, "ring_buffer__consume failed");

	adp_read(b);
	t0 = mono_ns();
	if (run_case(&t, why, n))
		return -1;
	t1 = mono_ns();
	adp_read(a);
	for (i = 0; i < BPFALG_ADP_MAX; i++)
		if ((long)(a[i] - b[i]) != ac->adp[i])
			return fail(
				why, n,
				"alg_dp_stats[FTP] %s moved by %ld, want %ld",
				adp_name(i), (long)(a[i] - b[i]), ac->adp[i]);

	nr = ring_take();
	if (nr < 0)
		return fail(why, n, "ring_buffer__consume failed");
	if (!ac->punt.reason && nr)
		return fail(why, n, "%d record(s) in the punt ring, want none",
			    nr);
	if (ac->punt.reason) {
		if (nr != 1)
			return fail(why, n,
				    "%d record(s) in the punt ring, want 1",
				    nr);
		if (rec_check(ac, &recs[0], t0, t1, why, n))
			return -1;
	}
	return flow_check(ac, why, n);
}

/* ---- written as code ---- */

static void one(const char *name, int ok, const char *why)
{
	report(name, ok, why);
}

/*
 * Every value around every point of @c (pos and its wire position, +-2),
 * and the extremes: an ORIG pure ACK with that seq and a REPLY pure ACK
 * with that ack, expected values from the shared functions only.
 */
static void sweep(const char *name, const struct bpfalg_ctl *c, __u16 cport)
{
	const struct bpfalg_seqadj *a = &c->dir[0];
	__u32 vals[BPFALG_SEQADJ_POINTS * 10 + 8];
	struct bpfalg_tuple k;
	struct tcase tc;
	char why[512] = "";
	int nv = 0, i, d, ok = 1;
	struct aflow fl = { 4, CLIENT, SERVER, cport, 21 };

	for (i = 0; i < (int)a->n; i++)
		for (d = -2; d <= 2; d++) {
			vals[nv++] = a->pt[i].pos + d;
			vals[nv++] = a->pt[i].pos + a->pt[i].delta + d;
		}
	vals[nv++] = 0;
	vals[nv++] = 1;
	vals[nv++] = 0x7fffffff;
	vals[nv++] = 0x80000000u;
	vals[nv++] = 0xffffffffu;

	state_reset();
	ctl_clear();
	alg_mode_set(BPFALG_MODE_ON);
	cfg_ctrl(CT_ALIVE, BPFALG_FAIL_DROP + 1, 0);
	flow_key(&fl, &k);
	memset(&tc, 0, sizeof(tc));
	tc.prog = PR_TC_OUT;
	tc.ifx = IFS_OUT;
	tc.iif = IFS_IN;
	tc.verdict = TC_OK;
	tc.in = (struct pkt_spec){ T4(CLIENT, cport, SERVER, 21, TH_ACK, 1,
				      1) };
	tc.out = (struct pkt_spec){ T4(PUB, cport, SERVER, 21, TH_ACK, 1, 1) };
	if (run_case(&tc, why, sizeof(why))) {
		one(name, 0, why);
		return;
	}
	bpf_map_update_elem(m_ctl, &k, c, BPF_ANY);
	for (i = 0; i < nv && ok; i++) {
		__u32 v = vals[i];

		memset(&tc, 0, sizeof(tc));
		tc.prog = PR_TC_OUT;
		tc.ifx = IFS_OUT;
		tc.iif = IFS_IN;
		tc.verdict = TC_OK;
		tc.in = (struct pkt_spec){ T4(CLIENT, cport, SERVER, 21, TH_ACK,
					      v, 7000) };
		tc.out = (struct pkt_spec){ T4(PUB, cport, SERVER, 21, TH_ACK,
					       v + seqadj_off(a, v), 7000) };
		tc.cnt[0] = (struct cexp)C(SEQADJ, 1);
		if (run_case(&tc, why, sizeof(why))) {
			ok = 0;
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 " (orig seq %u)", v);
			break;
		}
		memset(&tc, 0, sizeof(tc));
		tc.prog = PR_TC_IN;
		tc.ifx = IFS_OUT;
		tc.verdict = TC_OK;
		tc.in = (struct pkt_spec){ T4(SERVER, 21, PUB, cport, TH_ACK,
					      7000, v) };
		tc.out =
			(struct pkt_spec){ T4(SERVER, 21, CLIENT, cport, TH_ACK,
					      7000, seqadj_unack(a, v)) };
		tc.cnt[0] = (struct cexp)C(SEQADJ, 1);
		if (run_case(&tc, why, sizeof(why))) {
			ok = 0;
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 " (reply ack %u)", v);
		}
	}
	if (ok)
		printf("  info: %s: %d values, both directions\n", name, nv);
	one(name, ok, why);
}

/*
 * A full ring: punts fail, the fail policy decides (drop, then pass), an
 * observe copy is skipped; once the controller has consumed, punting works
 * again.
 */
static void ring_full(void)
{
	const char *name = "alg_ring_full_fail_policy";
	struct pkt_spec s = { T4(CLIENT, 40029, SERVER, 21, PSH_ACK, 1000,
				 2000),
			      DATA(PORT_CMD) };
	__u64 cb[BPFALG_CNT_MAX], ca[BPFALG_CNT_MAX];
	__u64 ab[BPFALG_ADP_MAX], aa[BPFALG_ADP_MAX];
	static struct run_res r;
	char why[256] = "";
	__u8 in[PKT_MAX];
	int il = pkt_build(&s, in), i, punted = 0, nr;
	/* a PORT command goes in the 256-byte size class (bpf/lib/punt.h):
	 * header + 256, plus the ring's own 8-byte record header
	 */
	const int rec = (int)sizeof(struct bpfalg_punt_hdr) + 256 + 8;
	const int max = BPFALG_PUNT_RB_SIZE / rec + 10;

	state_reset();
	ctl_clear();
	alg_mode_set(BPFALG_MODE_ON);
	cfg_ctrl(CT_ALIVE, BPFALG_FAIL_DROP + 1, 0);
	ring_take();
	for (i = 0; i < max; i++) {
		counters_read(cb);
		if (run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r) ||
		    r.verdict != TC_SHOT) {
			snprintf(why, sizeof(why), "run %d: err %d verdict %d",
				 i, r.err, r.verdict);
			goto out;
		}
		counters_read(ca);
		if (ca[BPFALG_CNT_PUNT_FAIL] != cb[BPFALG_CNT_PUNT_FAIL])
			break;
		punted++;
	}
	if (i == max || punted < BPFALG_PUNT_RB_SIZE / rec - 10) {
		snprintf(why, sizeof(why),
			 "%d punts before the first failure, expected %d (%d-byte records)",
			 punted, BPFALG_PUNT_RB_SIZE / rec, rec);
		goto out;
	}
	/* full: drop policy */
	adp_read(ab);
	run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r);
	adp_read(aa);
	if (r.verdict != TC_SHOT ||
	    aa[BPFALG_ADP_FAIL_DROP] - ab[BPFALG_ADP_FAIL_DROP] != 1) {
		snprintf(why, sizeof(why),
			 "ring full, policy drop: verdict %d, FAIL_DROP +%llu",
			 r.verdict,
			 (unsigned long long)(aa[BPFALG_ADP_FAIL_DROP] -
					      ab[BPFALG_ADP_FAIL_DROP]));
		goto out;
	}
	/* full: pass policy */
	cfg_ctrl(CT_KEEP, BPFALG_FAIL_PASS + 1, 0);
	adp_read(ab);
	run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r);
	adp_read(aa);
	if (r.verdict != TC_OK ||
	    aa[BPFALG_ADP_FAIL_PASS] - ab[BPFALG_ADP_FAIL_PASS] != 1 ||
	    aa[BPFALG_ADP_PUNTED] != ab[BPFALG_ADP_PUNTED]) {
		snprintf(why, sizeof(why),
			 "ring full, policy pass: verdict %d, FAIL_PASS +%llu",
			 r.verdict,
			 (unsigned long long)(aa[BPFALG_ADP_FAIL_PASS] -
					      ab[BPFALG_ADP_FAIL_PASS]));
		goto out;
	}
	/* full, observe mode: the original goes on, no copy counted */
	alg_mode_set(BPFALG_MODE_OBSERVE);
	adp_read(ab);
	run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r);
	adp_read(aa);
	alg_mode_set(BPFALG_MODE_ON);
	if (r.verdict != TC_OK ||
	    aa[BPFALG_ADP_OBSERVE_COPY] != ab[BPFALG_ADP_OBSERVE_COPY]) {
		snprintf(why, sizeof(why),
			 "ring full, observe: verdict %d, OBSERVE_COPY +%llu",
			 r.verdict,
			 (unsigned long long)(aa[BPFALG_ADP_OBSERVE_COPY] -
					      ab[BPFALG_ADP_OBSERVE_COPY]));
		goto out;
	}
	nr = ring_take();
	if (nr != punted) {
		snprintf(why, sizeof(why), "%d records consumed, %d punted", nr,
			 punted);
		goto out;
	}
	/* drained: punted again */
	cfg_ctrl(CT_KEEP, BPFALG_FAIL_DROP + 1, 0);
	adp_read(ab);
	run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r);
	adp_read(aa);
	nr = ring_take();
	if (r.verdict != TC_SHOT ||
	    aa[BPFALG_ADP_PUNTED] - ab[BPFALG_ADP_PUNTED] != 1 || nr != 1) {
		snprintf(why, sizeof(why),
			 "after draining: verdict %d, PUNTED +%llu, %d records",
			 r.verdict,
			 (unsigned long long)(aa[BPFALG_ADP_PUNTED] -
					      ab[BPFALG_ADP_PUNTED]),
			 nr);
		goto out;
	}
	printf("  info: %s: %d records fit in the %d-byte ring\n", name, punted,
	       BPFALG_PUNT_RB_SIZE);
out:
	one(name, !why[0], why);
}

/*
 * Fail-open where no heartbeat was ever written (`up` without a daemon):
 * the first control packet that finds no controller stamps one (pid stays
 * 0) and is dropped, the next within fail_open_after too; once the stamp is
 * older than that, control packets pass, counted as fail-open.
 */
static void fail_open_stamp(void)
{
	const char *name = "alg_fail_open_first_packet_stamps_heartbeat";
	struct pkt_spec s = { T4(CLIENT, 40056, SERVER, 21, PSH_ACK, 1000,
				 2000),
			      DATA(PORT_CMD) };
	__u64 ab[BPFALG_ADP_MAX], aa[BPFALG_ADP_MAX], t0, t1, stamp;
	struct bpfalg_config c;
	static struct run_res r;
	char why[256] = "";
	__u8 in[PKT_MAX];
	int il = pkt_build(&s, in);
	__u32 zero = 0;

	state_reset();
	ctl_clear();
	alg_mode_set(BPFALG_MODE_ON);
	cfg_ctrl(CT_NEVER, BPFALG_FAIL_DROP + 1, 10 + 1);
	ring_take();
	adp_read(ab);
	t0 = mono_ns();
	if (run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r)) {
		snprintf(why, sizeof(why), "run: err %d", r.err);
		goto out;
	}
	t1 = mono_ns();
	adp_read(aa);
	if (r.verdict != TC_SHOT ||
	    aa[BPFALG_ADP_FAIL_DROP] - ab[BPFALG_ADP_FAIL_DROP] != 1) {
		snprintf(why, sizeof(why),
			 "no heartbeat yet: verdict %d, FAIL_DROP +%llu",
			 r.verdict,
			 (unsigned long long)(aa[BPFALG_ADP_FAIL_DROP] -
					      ab[BPFALG_ADP_FAIL_DROP]));
		goto out;
	}
	bpf_map_lookup_elem(E.m_cfg, &zero, &c);
	stamp = c.controller_heartbeat_ns;
	/* the datapath's coarse clock may lag the precise one by a tick */
	if (c.controller_pid || stamp + 50000000ULL < t0 || stamp > t1) {
		snprintf(why, sizeof(why),
			 "cfg after the first packet: pid %u heartbeat %llu, "
			 "want 0 and a stamp in [%llu, %llu]",
			 c.controller_pid, (unsigned long long)stamp,
			 (unsigned long long)t0, (unsigned long long)t1);
		goto out;
	}
	/* within the time from the stamp: dropped, the stamp kept */
	adp_read(ab);
	run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r);
	adp_read(aa);
	bpf_map_lookup_elem(E.m_cfg, &zero, &c);
	if (r.verdict != TC_SHOT ||
	    aa[BPFALG_ADP_FAIL_DROP] - ab[BPFALG_ADP_FAIL_DROP] != 1 ||
	    c.controller_heartbeat_ns != stamp) {
		snprintf(why, sizeof(why),
			 "second packet: verdict %d, FAIL_DROP +%llu, "
			 "heartbeat %s",
			 r.verdict,
			 (unsigned long long)(aa[BPFALG_ADP_FAIL_DROP] -
					      ab[BPFALG_ADP_FAIL_DROP]),
			 c.controller_heartbeat_ns == stamp ? "kept" :
							      "changed");
		goto out;
	}
	/* the stamp 11 s old: fail open */
	c.controller_heartbeat_ns = stamp - 11000000000ULL;
	bpf_map_update_elem(E.m_cfg, &zero, &c, BPF_ANY);
	adp_read(ab);
	run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, in, il, &r);
	adp_read(aa);
	if (r.verdict != TC_OK ||
	    aa[BPFALG_ADP_FAIL_OPEN] - ab[BPFALG_ADP_FAIL_OPEN] != 1 ||
	    aa[BPFALG_ADP_FAIL_PASS] - ab[BPFALG_ADP_FAIL_PASS] != 1 ||
	    ring_take() != 0) {
		snprintf(why, sizeof(why),
			 "11 s after the stamp: verdict %d, FAIL_OPEN +%llu, "
			 "FAIL_PASS +%llu",
			 r.verdict,
			 (unsigned long long)(aa[BPFALG_ADP_FAIL_OPEN] -
					      ab[BPFALG_ADP_FAIL_OPEN]),
			 (unsigned long long)(aa[BPFALG_ADP_FAIL_PASS] -
					      ab[BPFALG_ADP_FAIL_PASS]));
		goto out;
	}
out:
	cfg_ctrl(CT_KEEP, 0, 0 + 1);
	one(name, !why[0], why);
}

static void alg_restore(void)
{
	struct bpfalg_alg_cfg off = {};
	__u32 k = FTP;

	bpf_map_update_elem(m_algcfg, &k, &off, BPF_ANY);
	config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST);
	ctl_clear();
	state_reset();
	ring_take();
}

void run_alg_table(void)
{
	char why[512];
	size_t i;

	m_ctl = open_pin("ctl");
	m_algcfg = open_pin("alg_cfg");
	m_adp = open_pin("alg_dp_stats");
	m_rb = open_pin("punt_rb");
	if (m_ctl < 0 || m_algcfg < 0 || m_adp < 0 || m_rb < 0) {
		report("alg_setup", false, "pinned ALG maps not found");
		return;
	}
	rb = ring_buffer__new(m_rb, on_rec, NULL, NULL);
	if (!rb) {
		report("alg_setup", false, "ring_buffer__new failed");
		return;
	}

	for (i = 0; i < ARRAY_SIZE(table); i++) {
		why[0] = 0;
		report(table[i].t.name, !run_acase(&table[i], why, sizeof(why)),
		       why);
	}
	sweep("alg_seqadj_sweep_three_points", &ctl_three, 40090);
	sweep("alg_seqadj_sweep_full_history", &ctl_full, 40091);
	sweep("alg_seqadj_sweep_wraparound", &ctl_wrap2, 40092);
	sweep("alg_seqadj_sweep_base_only",
	      &(struct bpfalg_ctl){ .dir[0] = { .base = -7 } }, 40093);
	ring_full();
	fail_open_stamp();

	alg_restore();
	ring_buffer__free(rb);
	close(m_ctl);
	close(m_algcfg);
	close(m_adp);
	close(m_rb);
}
