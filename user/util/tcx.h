/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tcx.h - tcx links at the head of a chain (kernel 6.6+), with the
 * bpf_mprog revision check, through bpf(2) directly: Debian's libbpf 1.1
 * predates tcx.
 *
 *   tcx_revision(ifindex, ingress, &rev)      the chain's revision
 *   tcx_link_head(prog_fd, ifindex, ingress)  a link ahead of every program
 *                                             in the chain; its fd
 *
 * Why the head: bpfalg must see a packet before a CNI's program ends the
 * chain with TCX_PASS (Cilium, Calico), and hands on what it translated
 * with TCX_NEXT, so the programs after it see the translated packet.
 */
#ifndef BPFALG_TCX_H
#define BPFALG_TCX_H

#include <stdbool.h>
#include <linux/types.h>

#define TCX_ATTACH_INGRESS 46 /* BPF_TCX_INGRESS */
#define TCX_ATTACH_EGRESS 47 /* BPF_TCX_EGRESS */

int tcx_revision(int ifindex, bool ingress, __u64 *rev);
/* Programs in the chain; -errno. */
int tcx_count(int ifindex, bool ingress);

/* A new link first in the chain; -errno (EINVAL/EOPNOTSUPP: no tcx). */
int tcx_link_head(int prog_fd, int ifindex, bool ingress);

#endif
