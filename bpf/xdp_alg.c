// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdp_alg.c - XDP established-flow fast path (being written). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/maps.h"

SEC("xdp")
int xdp_alg(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
