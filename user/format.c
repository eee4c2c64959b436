// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* format.c - see format.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

static const char *const counter_names[BPFALG_CNT_MAX] = {
	[BPFALG_CNT_RX] = "rx",
	[BPFALG_CNT_XDP_FWD] = "xdp_forwarded",
	[BPFALG_CNT_XDP_PASS_NEIGH] = "xdp_pass_no_nexthop",
	[BPFALG_CNT_TC_XLATE] = "tc_translated",
	[BPFALG_CNT_NOT_OURS] = "not_ours",
	[BPFALG_CNT_FLOW_NEW] = "flow_new",
	[BPFALG_CNT_FLOW_TABLE_FULL] = "flow_table_full",
	[BPFALG_CNT_FLOW_RECLAIMED] = "flow_reclaimed",
	[BPFALG_CNT_FLOW_ORPHAN] = "flow_orphan",
	[BPFALG_CNT_FLOW_PROMOTED] = "flow_promoted",
	[BPFALG_CNT_REV_HEALED] = "rev_healed",
	[BPFALG_CNT_TUPLE_REUSED] = "tuple_reused",
	[BPFALG_CNT_RST_OUT_OF_WINDOW] = "rst_out_of_window",
	[BPFALG_CNT_INBOUND_NOT_SYN] = "inbound_not_syn",
	[BPFALG_CNT_FRAG_COLLISION] = "frag_collision",
	[BPFALG_CNT_FIB_FAIL_PASS] = "fib_fail_pass",
	[BPFALG_CNT_WRONG_DIRECTION] = "wrong_direction",
	[BPFALG_CNT_ICMP6_REFUSED] = "icmp6_refused",
	[BPFALG_CNT_PORT_SEARCH] = "port_search",
	[BPFALG_CNT_HOST_LIMIT] = "host_limit",
	[BPFALG_CNT_TC_REDIRECT] = "tc_redirected",
	[BPFALG_CNT_RST_NOT_EXACT] = "rst_not_exact",
	[BPFALG_CNT_XDP_PASS_CSUM] = "xdp_pass_csum",
	[BPFALG_CNT_INSIDE_ROUTED] = "inside_routed",
	[BPFALG_CNT_INSIDE_SPOOFED] = "inside_spoofed",
	[BPFALG_CNT_PORT_PRESERVED] = "port_preserved",
	[BPFALG_CNT_PORT_REMAPPED] = "port_remapped",
	[BPFALG_CNT_PORT_RETRIES] = "port_retries",
	[BPFALG_CNT_PORT_EXHAUSTED] = "port_exhausted",
	[BPFALG_CNT_INBOUND_DROP] = "inbound_drop",
	[BPFALG_CNT_LOCAL_PASS] = "local_pass",
	[BPFALG_CNT_FWD_HIT] = "forward_hit",
	[BPFALG_CNT_PINHOLE_HIT] = "pinhole_hit",
	[BPFALG_CNT_PINHOLE_REFUSED] = "pinhole_refused",
	[BPFALG_CNT_ICMP_ERR_XLATE] = "icmp_error_translated",
	[BPFALG_CNT_ICMP_ERR_DROP] = "icmp_error_dropped",
	[BPFALG_CNT_FRAG_XLATE] = "fragment_translated",
	[BPFALG_CNT_FRAG_MISS] = "fragment_miss",
	[BPFALG_CNT_MALFORMED] = "malformed",
	[BPFALG_CNT_TCP_MIDSTREAM] = "tcp_midstream",
	[BPFALG_CNT_TCP_INVALID] = "tcp_invalid",
	[BPFALG_CNT_PUNT] = "punted",
	[BPFALG_CNT_PUNT_FAIL] = "punt_failed",
	[BPFALG_CNT_SEQADJ] = "seq_adjusted",
	[BPFALG_CNT_SACK_UNALIGNED] = "sack_unaligned",
	[BPFALG_CNT_FLOW_EVENT_DROP] = "flow_events_dropped",
	[BPFALG_CNT_BYTES_OUT] = "bytes_out",
	[BPFALG_CNT_BYTES_IN] = "bytes_in",
	[BPFALG_CNT_TC_FORWARDED] = "tc_forwarded",
	[BPFALG_CNT_TC_PASSED] = "tc_passed",
	[BPFALG_CNT_DROP + BPFALG_DROP_OTHER] = "dropped_other",
	[BPFALG_CNT_DROP + BPFALG_DROP_MALFORMED] = "dropped_malformed",
	[BPFALG_CNT_DROP + BPFALG_DROP_UNSOLICITED] = "dropped_unsolicited",
	[BPFALG_CNT_DROP + BPFALG_DROP_SPOOFED] = "dropped_spoofed",
	[BPFALG_CNT_DROP + BPFALG_DROP_TCP_INVALID] = "dropped_tcp_invalid",
	[BPFALG_CNT_DROP + BPFALG_DROP_WRONG_DIRECTION] =
		"dropped_wrong_direction",
	[BPFALG_CNT_DROP + BPFALG_DROP_NO_FLOW] = "dropped_no_flow",
	[BPFALG_CNT_DROP + BPFALG_DROP_TABLE_FULL] = "dropped_table_full",
	[BPFALG_CNT_DROP + BPFALG_DROP_NO_PORT] = "dropped_no_port",
	[BPFALG_CNT_DROP + BPFALG_DROP_FAIL_POLICY] = "dropped_fail_policy",
};

/* Per-ALG counters: the datapath's, then the controller's. */
static const char *const alg_dp_names[BPFALG_ADP_MAX] = {
	[BPFALG_ADP_PUNTED] = "punted",
	[BPFALG_ADP_OBSERVE_COPY] = "observe_copies",
	[BPFALG_ADP_FAIL_DROP] = "fail_policy_drop",
	[BPFALG_ADP_FAIL_PASS] = "fail_policy_pass",
	[BPFALG_ADP_TOO_BIG] = "too_big",
	[BPFALG_ADP_BYPASS] = "bypassed",
	/* dp_: the datapath's own, beside the controller's pinholes_opened
	 * and observed (TFTP never reaches the controller)
	 */
	[BPFALG_ADP_PH_OPENED] = "dp_pinholes_opened",
	[BPFALG_ADP_PH_REFRESHED] = "dp_pinholes_refreshed",
	[BPFALG_ADP_OBSERVED] = "dp_observed",
	[BPFALG_ADP_BAD_REQUEST] = "bad_requests",
	[BPFALG_ADP_PH_FULL] = "pinholes_full",
	[BPFALG_ADP_PH_CONFLICT] = "pinhole_conflicts",
	[BPFALG_ADP_PH_HIT] = "pinhole_hits",
	[BPFALG_ADP_TLS_FLOWS] = "tls_flows",
	[BPFALG_ADP_FAIL_OPEN] = "fail_open",
};

static const char *const alg_cs_names[BPFALG_AS_MAX] = {
	[BPFALG_AS_SEGMENTS] = "segments",
	[BPFALG_AS_PARSED] = "parsed",
	[BPFALG_AS_REWRITTEN] = "rewritten",
	[BPFALG_AS_OBSERVED] = "observed",
	[BPFALG_AS_PH_OPENED] = "pinholes_opened",
	[BPFALG_AS_PH_USED] = "pinholes_used",
	[BPFALG_AS_PH_EXPIRED] = "pinholes_expired",
	[BPFALG_AS_REFUSED] = "refused",
	[BPFALG_AS_BAD_INPUT] = "bad_input",
	[BPFALG_AS_TLS] = "tls",
	[BPFALG_AS_HELD] = "held",
	[BPFALG_AS_RETRANS] = "retransmissions",
	[BPFALG_AS_OOO] = "out_of_order",
	[BPFALG_AS_DROPPED] = "dropped",
	[BPFALG_AS_REINJECT_FAIL] = "reinject_failed",
	[BPFALG_AS_POLICY_DENIED] = "policy_denied",
	[BPFALG_AS_ALREADY_PUBLIC] = "already_public",
	[BPFALG_AS_PH_CLOSED] = "pinholes_closed",
	[BPFALG_AS_NOT_PROTOCOL] = "not_protocol",
	[BPFALG_AS_SESSIONS_EVICTED] = "sessions_evicted",
	[BPFALG_AS_SESSIONS_FULL] = "sessions_full",
	[BPFALG_AS_SESSIONS_IDLE] = "sessions_idle",
	[BPFALG_AS_RETRANS_WHOLE] = "retrans_whole_lines",
	[BPFALG_AS_ANSWER_RESENT] = "answers_resent",
	[BPFALG_AS_SPLIT] = "split_for_mtu",
	[BPFALG_AS_MERGED] = "merged_segments",
	[BPFALG_AS_RESET] = "connections_reset",
	[BPFALG_AS_PASSED_LONG] = "passed_long",
};

const char *fmt_alg_stat(unsigned int idx)
{
	if (idx < BPFALG_ADP_MAX)
		return alg_dp_names[idx] ? alg_dp_names[idx] : "unknown";
	if (idx == BPFALG_ADP_MAX)
		return "fail_policy";
	idx -= BPFALG_ADP_MAX + 1;
	return idx < BPFALG_AS_MAX && alg_cs_names[idx] ? alg_cs_names[idx] :
							  "unknown";
}

void alg_stats_view(const struct bpfalg_alg_dp_stats *dp,
		    const struct bpfalg_alg_stats *cs, __u64 v[ALG_STAT_N])
{
	for (int i = 0; i < BPFALG_ADP_MAX; i++)
		v[i] = dp->c[i];
	v[BPFALG_ADP_MAX] =
		dp->c[BPFALG_ADP_FAIL_DROP] + dp->c[BPFALG_ADP_FAIL_PASS];
	for (int i = 0; i < BPFALG_AS_MAX; i++)
		v[BPFALG_ADP_MAX + 1 + i] = cs->c[i];
}

const char *fmt_counter(unsigned int idx)
{
	return idx < BPFALG_CNT_MAX && counter_names[idx] ? counter_names[idx] :
							    "unknown";
}

const char *fmt_proto(__u8 proto)
{
	static char buf[8];

	switch (proto) {
	case BPFALG_IPPROTO_TCP:
		return "tcp";
	case BPFALG_IPPROTO_UDP:
		return "udp";
	case BPFALG_IPPROTO_ICMP:
		return "icmp";
	case BPFALG_IPPROTO_ICMPV6:
		return "icmpv6";
	}
	snprintf(buf, sizeof(buf), "%u", proto);
	return buf;
}

const char *fmt_state(__u8 proto, __u8 state)
{
	static const char *const tcp[BPFALG_ST_MAX] = {
		"new",	    "syn_sent",	 "syn_recv", "established",
		"fin_wait", "time_wait", "close",
	};

	if (state >= BPFALG_ST_MAX)
		return "unknown";
	if (proto != BPFALG_IPPROTO_TCP)
		return state == BPFALG_ST_ESTABLISHED ? "replied" : "unreplied";
	return tcp[state];
}

const char *fmt_nat(__u8 nat)
{
	switch (nat) {
	case BPFALG_NAT_SNAT:
		return "snat";
	case BPFALG_NAT_DNAT:
		return "dnat";
	default:
		return "none";
	}
}

const char *fmt_role(__u32 role)
{
	return role == BPFALG_ROLE_INSIDE  ? "inside" :
	       role == BPFALG_ROLE_OUTSIDE ? "outside" :
					     "none";
}

char *fmt_addr(__u8 family, const __be32 addr[4], char *buf, size_t len)
{
	if (!inet_ntop(family == BPFALG_AF_INET6 ? AF_INET6 : AF_INET, addr,
		       buf, len))
		snprintf(buf, len, "?");
	return buf;
}

char *fmt_endpoint(__u8 family, const __be32 addr[4], __be16 port, char *buf,
		   size_t len)
{
	char a[INET6_ADDRSTRLEN];

	fmt_addr(family, addr, a, sizeof(a));
	if (family == BPFALG_AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, ntohs(port));
	else
		snprintf(buf, len, "%s:%u", a, ntohs(port));
	return buf;
}

char *fmt_duration(unsigned long long s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%llud%lluh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lluh%llum", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%llum%llus", s / 60, s % 60);
	else
		snprintf(buf, len, "%llus", s);
	return buf;
}

int parse_endpoint(const char *s, __u8 *family, __be32 addr[4], __be16 *port)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	char *end;
	unsigned long p;
	size_t hl;

	memset(addr, 0, 16);
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -1;
		hl = rb - s - 1;
		colon = rb + 1;
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			return -1;
		*family = BPFALG_AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = colon - s;
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, addr) != 1)
			return -1;
		*family = BPFALG_AF_INET;
	}
	if (!colon[1] || colon[1] == '-' || colon[1] == '+')
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end || p == 0 || p > 65535)
		return -1;
	*port = htons(p);
	return 0;
}
