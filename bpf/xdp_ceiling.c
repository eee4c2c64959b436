// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_ceiling.c - the benchmark's "ceiling": the least an XDP gateway can do.
 *
 * IPv4 frames arriving on a configured interface are redirected to the other
 * interface with the Ethernet addresses rewritten from a small config map
 * (filled by bench/run.sh with bpftool).  No NAT, no state, no FIB lookup,
 * no TTL decrement, no checksum work.  Everything else (ARP, IPv6, frames on
 * an unconfigured interface) is XDP_PASSed to the stack.
 *
 * Not part of the product: bench/ loads it in place of bpfalg to measure
 * what the veth + XDP redirect path itself can carry on the same topology.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP_ 0x0800

struct ceil_port {
	__u32 out_ifindex;
	__u8 dmac[6];	/* next hop on the egress interface */
	__u8 smac[6];	/* the egress interface's own address */
};

/* key: ingress ifindex */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct ceil_port);
} ceil_ports SEC(".maps");

SEC("xdp")
int xdp_ceiling(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 ifindex = ctx->ingress_ifindex;
	struct ceil_port *p;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP_))
		return XDP_PASS;
	p = bpf_map_lookup_elem(&ceil_ports, &ifindex);
	if (!p)
		return XDP_PASS;
	__builtin_memcpy(eth->h_dest, p->dmac, 6);
	__builtin_memcpy(eth->h_source, p->smac, 6);
	return bpf_redirect(p->out_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
