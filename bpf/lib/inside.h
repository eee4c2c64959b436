/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * inside.h - which packets are the inside's, when the inside is defined by
 * address (--inside-prefix, BPFALG_CF_INSIDE_PREFIX) instead of, or as well
 * as, by interface.
 *
 *   addr_inside(family, addr)      is @addr in one of the inside prefixes?
 *   pkt_from_inside(p, in_role)    an outbound packet to translate: from an
 *                                  inside interface (@in_role), or from an
 *                                  inside prefix to an address outside them
 *
 * Traffic between two inside prefixes (a pod to another node's pod, over
 * the outside device, in a natively routed cluster) is neither translated
 * nor filtered: the operator names the cluster's whole pod CIDR, as
 * ip-masq-agent's nonMasqueradeCIDRs or Cilium's native-routing CIDR do.
 * One LPM lookup per new flow; established flows never ask.
 */
#ifndef BPFALG_INSIDE_H
#define BPFALG_INSIDE_H

#include "bpfalg.h"
#include "maps.h"
#include "parse.h"
#include "flow.h"

static __always_inline bool addr_inside(__u8 family, const __be32 addr[4])
{
	struct bpfalg_prefix_key k = {};

	if (family == BPFALG_AF_INET) {
		k.prefixlen = BPFALG_PREFIX_BITS(32);
		k.addr[0] = addr[0];
	} else if (family == BPFALG_AF_INET6) {
		k.prefixlen = BPFALG_PREFIX_BITS(128);
		__builtin_memcpy(k.addr, addr, 16);
	} else {
		return false;
	}
	k.family = family;
	return bpf_map_lookup_elem(&inside_prefixes, &k) != NULL;
}

static __always_inline bool prefix_mode(const struct bpfalg_config *c)
{
	return c && (c->flags & BPFALG_CF_INSIDE_PREFIX);
}

/* @in_inside: the packet came in through an inside interface. */
static __always_inline bool pkt_from_inside(const struct bpfalg_config *c,
					    const struct pkt *p, bool in_inside)
{
	if (in_inside)
		return true;
	if (!prefix_mode(c) || !addr_inside(p->t.family, p->t.saddr))
		return false;
	if (!addr_inside(p->t.family, p->t.daddr))
		return true;
	count(BPFALG_CNT_INSIDE_ROUTED);
	return false;
}

#endif
