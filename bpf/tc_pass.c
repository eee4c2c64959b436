// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc_pass.c - a TC classifier that changes nothing and hands every packet
 * on (TC_ACT_UNSPEC: the next program in the tcx chain, or the next clsact
 * filter).  Tests attach it as "another program" on an interface, e.g. to
 * see `algctl doctor` list it in its place next to bpfalg's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_pass(struct __sk_buff *skb)
{
	return -1; /* TC_ACT_UNSPEC */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
