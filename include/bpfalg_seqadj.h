/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfalg_seqadj.h - reading a sequence-adjustment history (struct
 * bpfalg_seqadj), one definition for the TC program and the controller so
 * that both map numbers identically.
 *
 *   seqadj_off(a, seq)     offset for data at original @seq of a's direction
 *   seqadj_unack(a, ack)   an acknowledgement (or SACK edge) for a's
 *                          direction, sent by the peer in wire numbers, back
 *                          to original numbers
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
 * Point i sits at pos + delta on the wire.  An acknowledgement before that
 * belongs to the offset before point i; it is capped at pos so that a
 * partial acknowledgement of a lengthened line never acknowledges original
 * bytes beyond it.
 */
SEQADJ_INLINE __u32 seqadj_unack(const struct bpfalg_seqadj *a, __u32 ack)
{
	__s32 off = a->base;

	for (int i = 0; i < BPFALG_SEQADJ_POINTS; i++) {
		__u32 pos, orig;

		if ((__u32)i >= a->n)
			break;
		pos = a->pt[i].pos;
		if ((__s32)(ack - (pos + (__u32)a->pt[i].delta)) >= 0) {
			off = a->pt[i].delta;
			continue;
		}
		orig = ack - (__u32)off;
		return (__s32)(orig - pos) > 0 ? pos : orig;
	}
	return ack - (__u32)off;
}

#endif /* BPFALG_SEQADJ_H */
