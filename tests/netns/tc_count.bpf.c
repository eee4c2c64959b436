// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc_count.bpf.c - a stand-in for a CNI's own TC program (Calico's clsact
 * filters, Cilium's tcx programs) in test_coexist.sh.  It counts IPv4
 * packets per (source, destination) pair in a map and hands every packet
 * on unchanged (TC_ACT_UNSPEC: TCX_NEXT in a tcx chain, the next filter
 * under clsact), so the test can see which addresses it observed at its
 * place in the chain, before or after bpfalg's translation.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IP 0x0800

struct pair {
	__u32 saddr; /* network order */
	__u32 daddr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct pair);
	__type(value, __u64);
} pair_packets SEC(".maps");

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct pair k = {};
	__u64 one = 1, *v;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1; /* TC_ACT_UNSPEC */
	k.saddr = ip->saddr;
	k.daddr = ip->daddr;
	v = bpf_map_lookup_elem(&pair_packets, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&pair_packets, &k, &one, BPF_NOEXIST);
	return -1; /* TC_ACT_UNSPEC */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
