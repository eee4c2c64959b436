// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tc_alg.c - TC programs (being written). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/maps.h"

#define TC_ACT_UNSPEC (-1)

SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tc_egress(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
