// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_gc.c - idle timeouts per protocol and state (shared with BPF). */
#include "gc.h"
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
			    icmp = { .proto = BPFALG_IPPROTO_ICMP };
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
	/* a timestamp from the future (written between our reads) is live */
	ASSERT_EQ(gc_flow_expired(&f, &udp, &to, 999 * S), 0);
}

UNIT_CASES(gc_cases, CASE(gc_timeouts_per_state));
