/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfalg_seqadj.h - reading a sequence-adjustment history (struct
 * bpfalg_seqadj), one definition for the TC program and the controller so
 * that both map numbers identically.
 *
 *   seqadj_off(a, seq)     offset for data at original @seq of a's direction
 *   seqadj_unack(a, ack)   an acknowledgement (or SACK right edge) for a's
 *                          direction, sent by the peer in wire numbers, back
 *                          to original numbers
 *   seqadj_unack_edge(a, edge, left)   a SACK edge, left or right
 *
 * Sequence numbers compare modulo 2^32 (as TCP's before()/after()).
 */
#ifndef BPFALG_SEQADJ_H
#define BPFALG_SEQADJ_H

#include "bpfalg.h"

#ifndef __VMLINUX_H__
#define SEQADJ_INLINE static inline
#else
#define SEQADJ_INLINE static __always_inline
#endif

SEQADJ_INLINE __s32 seqadj_off(const struct bpfalg_seqadj *a, __u32 seq)
{
	__s32 off = a->base;

	for (int i = 0; i < BPFALG_SEQADJ_POINTS; i++) {
		if ((__u32)i >= a->n)
			break;
		if ((__s32)(seq - a->pt[i].pos) >= 0)
			off = a->pt[i].delta;
	}
	return off;
}

/*
 * Point i sits at pos + delta on the wire, after its line [pos - len, pos).
 * An acknowledgement before that belongs to the offset before point i.  One
 * that falls inside the line's wire bytes (the line arrived in part, or its
 * growth did not) acknowledges none of the line: it maps to the line's
 * start, so the sender retransmits the line and the controller replays it
 * whole.  A SACK block's left edge inside the line maps to its end instead
 * (@left): a block never claims bytes of a line that was received in part.
 */
SEQADJ_INLINE __u32 seqadj_unack_edge(const struct bpfalg_seqadj *a, __u32 ack,
				      int left)
{
	__s32 off = a->base;

	for (int i = 0; i < BPFALG_SEQADJ_POINTS; i++) {
		__u32 pos, start, orig;

		if ((__u32)i >= a->n)
			break;
		pos = a->pt[i].pos;
		if ((__s32)(ack - (pos + (__u32)a->pt[i].delta)) >= 0) {
			off = a->pt[i].delta;
			continue;
		}
		orig = ack - (__u32)off;
		start = pos - a->pt[i].len;
		if ((__s32)(orig - start) <= 0)
			return orig;
		return left ? pos : start;
	}
	return ack - (__u32)off;
}

/* An acknowledgement number (or a SACK block's right edge). */
SEQADJ_INLINE __u32 seqadj_unack(const struct bpfalg_seqadj *a, __u32 ack)
{
	return seqadj_unack_edge(a, ack, 0);
}

#endif /* BPFALG_SEQADJ_H */
