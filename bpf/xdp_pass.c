// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_pass.c - a program that only returns XDP_PASS.  Tests attach it to the
 * far end of a veth: XDP_REDIRECT into a veth delivers frames only when the
 * receiving peer runs an XDP program (or has GRO enabled).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
