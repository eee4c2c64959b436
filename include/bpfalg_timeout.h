/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfalg_timeout.h - a flow's idle timeout, one definition for the datapath
 * (which reclaims expired bindings at allocation) and the controller's
 * expiry GC.  Include after bpfalg.h.
 */
#ifndef BPFALG_TIMEOUT_H
#define BPFALG_TIMEOUT_H

#include "bpfalg.h"

static inline __attribute__((always_inline)) __u32
bpfalg_flow_timeout(const struct bpfalg_flow *f,
		    const struct bpfalg_tuple *orig,
		    const struct bpfalg_timeouts *to)
{
	if (orig->proto == BPFALG_IPPROTO_TCP) {
		switch (f->state) {
		case BPFALG_ST_ESTABLISHED:
			/* picked up mid-stream and never answered */
			if ((f->flags & BPFALG_FF_MIDSTREAM) &&
			    !(f->tcp_seen[BPFALG_DIR_REPLY] & BPFALG_TS_ACK))
				return to->tcp_syn;
			return to->tcp_established;
		case BPFALG_ST_FIN_WAIT:
		case BPFALG_ST_TIME_WAIT:
			return to->tcp_fin;
		case BPFALG_ST_CLOSE:
			return to->tcp_close;
		default:
			return to->tcp_syn;
		}
	}
	if (orig->proto == BPFALG_IPPROTO_ICMP ||
	    orig->proto == BPFALG_IPPROTO_ICMPV6)
		return to->icmp;
	return f->state == BPFALG_ST_ESTABLISHED ? to->udp_stream : to->udp;
}

#endif
