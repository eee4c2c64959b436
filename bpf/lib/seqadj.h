/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * seqadj.h - TCP sequence/acknowledgement adjustment in TC for control
 * flows whose payload length the controller changed (the reading of the
 * history is shared with the controller: include/bpfalg_seqadj.h).
 *
 *   tc_seqadj(skb, p, ctl, dir)   seq by this direction's history, ack and
 *                                 SACK edges by the other direction's, with
 *                                 the TCP checksum updated incrementally
 *
 * Returns 0 (also when nothing changed) or -1 when a helper failed: the
 * caller drops the packet, a half-adjusted packet never leaves.
 */
#ifndef BPFALG_SEQADJ_TC_H
#define BPFALG_SEQADJ_TC_H

#include "bpfalg.h"
#include "bpfalg_seqadj.h"
#include "lib/parse.h"
#include "lib/flow.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_SACK 5
/* Options are at most 40 bytes and a step (a NOP) may take only one of
 * them: 40 steps cover any layout.
 */
#define SEQADJ_OPT_STEPS 40

static __always_inline int seqadj_store4(struct __sk_buff *skb, __u32 csum_off,
					 __u32 off, __be32 from, __be32 to)
{
	if (from == to)
		return 0;
	if (bpf_l4_csum_replace(skb, csum_off, from, to, sizeof(to)))
		return -1;
	return bpf_skb_store_bytes(skb, off, &to, sizeof(to), 0) ? -1 : 0;
}

/* The SACK option at @off (@len bytes): each edge is the peer's view of
 * our other direction; blocks are (left, right) pairs.
 */
static __always_inline int seqadj_sack(struct __sk_buff *skb,
				       const struct pkt *p, __u32 off, __u8 len,
				       const struct bpfalg_seqadj *a)
{
	__be32 edge;

	if ((off - p->l4_off) & 1) {
		/* 16-bit checksum words would straddle the edge: leave it
		 * (a SACK block beyond what was sent is ignored by TCP).
		 */
		count(BPFALG_CNT_SACK_UNALIGNED);
		return 0;
	}
#pragma unroll
	for (int b = 0; b < 8; b++) { /* 4 blocks, two edges each */
		__u32 eo = off + 2 + b * 4;

		if (2 + b * 4 + 4 > len)
			break;
		if (bpf_skb_load_bytes(skb, eo, &edge, 4))
			return -1;
		if (seqadj_store4(skb, p->csum_off, eo, edge,
				  bpf_htonl(seqadj_unack_edge(
					  a, bpf_ntohl(edge), !(b & 1)))))
			return -1;
	}
	return 0;
}

static __always_inline int tc_seqadj(struct __sk_buff *skb, const struct pkt *p,
				     const struct bpfalg_ctl *ctl, __u8 dir)
{
	const struct bpfalg_seqadj *mine = &ctl->dir[dir & 1];
	const struct bpfalg_seqadj *peer = &ctl->dir[(dir & 1) ^ 1];
	__u32 l4 = p->l4_off, opt_end, off;
	struct {
		__be32 seq;
		__be32 ack;
		__u8 doff;
	} h;
	__u8 kl[2];

	if (!mine->n && !mine->base && !peer->n && !peer->base)
		return 0;
	if (l4 > PARSE_MAX_L4_OFF)
		return -1;
	if (bpf_skb_load_bytes(skb, l4 + 4, &h, 9))
		return -1;
	if (seqadj_store4(skb, p->csum_off, l4 + 4, h.seq,
			  bpf_htonl(bpf_ntohl(h.seq) +
				    seqadj_off(mine, bpf_ntohl(h.seq)))))
		return -1;
	if (!(p->tcp_flags & TCPF_ACK))
		goto done;
	if (seqadj_store4(skb, p->csum_off, l4 + 8, h.ack,
			  bpf_htonl(seqadj_unack(peer, bpf_ntohl(h.ack)))))
		return -1;

	/* SACK blocks name the peer's view of our other direction too. */
	opt_end = l4 + (h.doff >> 4) * 4;
	off = l4 + 20;
	if (!peer->n && !peer->base)
		goto done;
	for (int i = 0; i < SEQADJ_OPT_STEPS; i++) {
		if (off + 1 >= opt_end)
			break;
		if (bpf_skb_load_bytes(skb, off, kl, 2))
			return -1;
		if (kl[0] == TCPOPT_EOL)
			break;
		if (kl[0] == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (kl[1] < 2 || off + kl[1] > opt_end)
			break;
		if (kl[0] == TCPOPT_SACK) {
			if (seqadj_sack(skb, p, off, kl[1], peer))
				return -1;
			break;
		}
		off += kl[1];
	}
done:
	count(BPFALG_CNT_SEQADJ);
	return 0;
}

#endif /* BPFALG_SEQADJ_TC_H */
