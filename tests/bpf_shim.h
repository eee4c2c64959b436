/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpf_shim.h - lets the datapath's pure parsing/checksum headers
 * (bpf/lib/parse.h, bpf/lib/csum.h) compile as ordinary C, so that unit
 * tests and libFuzzer targets exercise the very code the BPF programs run.
 */
#ifndef BPFALG_TESTS_BPF_SHIM_H
#define BPFALG_TESTS_BPF_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define bpf_htons(x) htons(x)
#define bpf_ntohs(x) ntohs(x)
#define bpf_htonl(x) htonl(x)
#define bpf_ntohl(x) ntohl(x)

/* IPv6 fragment header (kernel-internal, not in the UAPI). */
struct frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

#endif
