// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * prefix_cases.c - the inside by address (--inside-prefix,
 * BPFALG_CF_INSIDE_PREFIX, the trie inside_prefixes; bpf/lib/inside.h).
 *
 * In prefix mode in0 is no inside interface (role none, as on a Kubernetes
 * node whose pods' veths carry no program): only the addresses say what is
 * inside.  Inside: 10.0.1.0/24, fd00:1::/64 (in0's pods) and 10.9.0.0/16
 * (another node's pods, routed via out0).  Checked: SNAT by source address
 * whatever the ingress interface; pod to pod across nodes neither
 * translated nor filtered, both ways; from outside, an inside source whose
 * route is not back through out0 is dropped (spoofed), and new flows to
 * the inside are dropped; without the flag nothing is classified by
 * address.  Same table conventions as cases.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cases.h"

#define U4(s_, sp, d_, dp)                                              \
	.family = 4, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_, \
	.dport = dp, .payload = 24
#define U6(s_, sp, d_, dp)                                              \
	.family = 6, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_, \
	.dport = dp, .payload = 24

#define EGRESS_FROM(i) .prog = PR_TC_OUT, .ifx = IFS_OUT, .iif = i
#define INGRESS .prog = PR_TC_IN, .ifx = IFS_OUT

#define REMOTE_POD "10.9.0.5" /* another node's pod, behind OUT_GW */
#define NOT_INSIDE "172.16.0.9" /* neither inside nor the gateway's */

static int m_prefixes = -1;

static int prefix_put(int family, const char *addr, unsigned int len)
{
	struct bpfalg_prefix_key k = {
		.prefixlen = BPFALG_PREFIX_BITS(len),
		.family = family == 6 ? BPFALG_AF_INET6 : BPFALG_AF_INET,
	};
	__u32 zero = 0;

	inet_pton(family == 6 ? AF_INET6 : AF_INET, addr, k.addr);
	return bpf_map_update_elem(m_prefixes, &k, &zero, BPF_ANY);
}

static void prefix_mode_on(void)
{
	config_write(PORT_MIN, PORT_MAX,
		     BPFALG_CF_XDP_FAST | BPFALG_CF_INSIDE_PREFIX);
}

static void prefix_mode_off(void)
{
	config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST);
}

static const struct tcase table[] = {
	{ .name = "prefix_snat_by_source_address",
	  .reset = true,
	  .pre = prefix_mode_on,
	  EGRESS_FROM(IFS_IN),
	  .in = { U4(CLIENT, 42001, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 42001, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1), C(NOT_OURS, 0) } },
	{ .name = "prefix_reply_translated_back",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 42001) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 42001) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_NEW, 0) } },
	/* a pod's veth has no number the gateway knows: the address decides */
	{ .name = "prefix_snat_whatever_the_ingress_interface",
	  EGRESS_FROM(IFS_NONE),
	  .in = { U4(CLIENT2, 42002, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 42002, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(TC_XLATE, 1) } },
	{ .name = "prefix_source_not_inside_untouched",
	  EGRESS_FROM(IFS_IN),
	  .in = { U4(NOT_INSIDE, 42003, SERVER, 53) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(NOT_OURS, 1), C(FLOW_NEW, 0), C(TC_XLATE, 0) } },
	{ .name = "prefix_pod_to_remote_pod_untranslated",
	  EGRESS_FROM(IFS_NONE),
	  .in = { U4(CLIENT, 42004, REMOTE_POD, 80) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INSIDE_ROUTED, 1), C(FLOW_NEW, 0), C(TC_XLATE, 0) } },
	{ .name = "prefix_remote_pod_to_pod_passes",
	  INGRESS,
	  .in = { U4(REMOTE_POD, 80, CLIENT, 42005) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INSIDE_ROUTED, 1), C(INBOUND_DROP, 0),
		   C(INSIDE_SPOOFED, 0), C(FLOW_NEW, 0) } },
	/* CLIENT2's route is through in0, not out0 */
	{ .name = "prefix_spoofed_inside_source_dropped",
	  INGRESS,
	  .in = { U4(CLIENT2, 5000, CLIENT, 9000) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INSIDE_SPOOFED, 1), C(INSIDE_ROUTED, 0),
		   C(FLOW_NEW, 0) } },
	{ .name = "prefix_unsolicited_to_inside_dropped",
	  INGRESS,
	  .in = { U4(SERVER, 5555, CLIENT, 161) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0) } },
	{ .name = "prefix_unsolicited_transit_not_inside_passes",
	  INGRESS,
	  .in = { U4(SERVER, 5555, NOT_INSIDE, 161) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 0), C(FLOW_NEW, 0) } },
	{ .name = "prefix_ipv6_tracked_not_translated",
	  EGRESS_FROM(IFS_NONE),
	  .in = { U6(CLIENT6, 42006, SERVER6, 53) },
	  .verdict = TC_OK,
	  .same = true,
	  .cnt = { C(FLOW_NEW, 1) } },
	{ .name = "prefix_ipv6_reply_admitted",
	  INGRESS,
	  .in = { U6(SERVER6, 53, CLIENT6, 42006) },
	  .verdict = TC_OK,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 0), C(FLOW_NEW, 0) } },
	{ .name = "prefix_ipv6_unsolicited_to_inside_dropped",
	  INGRESS,
	  .in = { U6(SERVER6, 53, CLIENT6, 42007) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0) } },
	/* the flag off: the trie is not consulted */
	{ .name = "prefix_mode_off_source_not_classified",
	  .pre = prefix_mode_off,
	  EGRESS_FROM(IFS_NONE),
	  .in = { U4(CLIENT, 42008, SERVER, 53) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(NOT_OURS, 1), C(FLOW_NEW, 0), C(INSIDE_ROUTED, 0) } },
};

void run_prefix_table(void)
{
	char why[512];
	int ok;

	m_prefixes = open_pin("inside_prefixes");
	ok = m_prefixes >= 0 && !prefix_put(4, "10.0.1.0", 24) &&
	     !prefix_put(4, "10.9.0.0", 16) && !prefix_put(6, "fd00:1::", 64) &&
	     !sh("ip route replace 10.9.0.0/16 via " OUT_GW " dev out0") &&
	     !iface_set(IFS_IN, BPFALG_ROLE_NONE, 0);
	report("prefix_setup", ok, ok ? "" : "trie, route or role");
	for (size_t i = 0; ok && i < ARRAY_SIZE(table); i++) {
		why[0] = 0;
		report(table[i].name, !run_case(&table[i], why, sizeof(why)),
		       why);
	}
	/* leave what the next tests expect: in0 inside, no prefixes */
	state_reset();
	prefix_mode_off();
	iface_set(IFS_IN, BPFALG_ROLE_INSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET);
	if (m_prefixes >= 0) {
		struct bpfalg_prefix_key k;

		while (!bpf_map_get_next_key(m_prefixes, NULL, &k))
			bpf_map_delete_elem(m_prefixes, &k);
		close(m_prefixes);
	}
	sh("ip route del 10.9.0.0/16");
}
