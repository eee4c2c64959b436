/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * alg.h - which flows are ALG control channels, and what TC does with
 * their packets.
 *
 *   alg_for_flow(orig, rsport)   enum bpfalg_alg whose control port the flow
 *                               uses: FTP, RTSP, SIP over TCP; SIP over UDP
 *                               (TFTP is handled in the datapath alone,
 *                               lib/tftp.h), 0 none
 *   alg_count_tls(orig, rsport)  a new flow to SIPS (5061) or RTSPS (322):
 *                               counted for that ALG, passed untouched
 *   alg_mode(alg)               the ALG's live mode (alg_cfg map)
 *   alg_count(alg, idx)         bump a per-ALG datapath counter
 *
 * A flow is marked at creation whatever the mode, so that switching an ALG
 * on or off applies to flows already open; the mode is read per packet.
 */
#ifndef BPFALG_ALG_H
#define BPFALG_ALG_H

#include "bpfalg.h"
#include "lib/maps.h"

static __always_inline bool alg_port_is(const struct bpfalg_alg_cfg *a,
					__u16 port)
{
#pragma unroll
	for (int i = 0; i < BPFALG_ALG_PORTS; i++)
		if (a->ports[i] && a->ports[i] == port)
			return true;
	return false;
}

static __always_inline bool alg_uses_port(__u32 alg, __u16 d, __u16 r)
{
	struct bpfalg_alg_cfg *a = bpf_map_lookup_elem(&alg_cfg, &alg);

	return a && (alg_port_is(a, d) || alg_port_is(a, r));
}

/* Control port: the server side's port, as dialled (orig dport) or as
 * reached after a port-forward (reply sport).  A global function, verified
 * once: inline, every ALG's port comparisons were verified on every path
 * that creates a flow (a third of TC ingress's verification).
 */
__noinline __u8 alg_for_flow(const struct bpfalg_tuple *orig,
			     __be16 reply_sport)
{
	__u16 d, r = bpf_ntohs(reply_sport);

	if (!orig)
		return BPFALG_ALG_NONE;
	d = bpf_ntohs(orig->dport);
	if (orig->proto == BPFALG_IPPROTO_TCP) {
		if (alg_uses_port(BPFALG_ALG_FTP, d, r))
			return BPFALG_ALG_FTP;
		if (alg_uses_port(BPFALG_ALG_RTSP, d, r))
			return BPFALG_ALG_RTSP;
		if (alg_uses_port(BPFALG_ALG_SIP, d, r))
			return BPFALG_ALG_SIP;
	} else if (orig->proto == BPFALG_IPPROTO_UDP) {
		/* SIP over UDP: a UA's flow to its proxy is often 5060 on
		 * both ends, so the source port counts too
		 */
		if (alg_uses_port(BPFALG_ALG_SIP, d, r) ||
		    alg_uses_port(BPFALG_ALG_SIP, bpf_ntohs(orig->sport), 0))
			return BPFALG_ALG_SIP;
	}
	return BPFALG_ALG_NONE;
}

#define ALG_SIPS_PORT 5061
#define ALG_RTSPS_PORT 322

static __always_inline void alg_count(__u8 alg, __u32 idx);

/* Encrypted signalling cannot be parsed: it is passed untouched, and an
 * operator can see that it was there (doctor's one-way media hints).
 */
static __always_inline void alg_count_tls(const struct bpfalg_tuple *orig,
					  __be16 reply_sport)
{
	__u16 d = bpf_ntohs(orig->dport), r = bpf_ntohs(reply_sport);

	if (orig->proto != BPFALG_IPPROTO_TCP)
		return;
	if (d == ALG_SIPS_PORT || r == ALG_SIPS_PORT)
		alg_count(BPFALG_ALG_SIP, BPFALG_ADP_TLS_FLOWS);
	else if (d == ALG_RTSPS_PORT || r == ALG_RTSPS_PORT)
		alg_count(BPFALG_ALG_RTSP, BPFALG_ADP_TLS_FLOWS);
}

static __always_inline __u32 alg_mode(__u8 alg)
{
	__u32 k = alg;
	struct bpfalg_alg_cfg *a = bpf_map_lookup_elem(&alg_cfg, &k);

	return a ? a->mode : BPFALG_MODE_OFF;
}

static __always_inline void alg_count(__u8 alg, __u32 idx)
{
	__u32 k = alg;
	struct bpfalg_alg_dp_stats *s = bpf_map_lookup_elem(&alg_dp_stats, &k);

	if (s && idx < BPFALG_ADP_MAX)
		s->c[idx]++;
}

#endif /* BPFALG_ALG_H */
