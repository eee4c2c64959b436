/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * reinject.h - sending a rewritten packet on as if it had been forwarded.
 *
 * Raw IP sockets (IPPROTO_RAW: the header is ours) with SO_MARK set to the
 * reinject mark (BPFALG_REINJECT_MARK, or --reinject-mark), which the TC
 * programs let through untouched.  The
 * kernel routes the packet and resolves the next hop from its neighbour
 * table itself (queueing behind ARP/ND when the entry is stale), which an
 * AF_PACKET sender would have to redo with libnl and could get wrong when
 * the route changes.  Packets punted at TC ingress had not been routed:
 * the caller decrements their TTL (seg_build's dec_ttl).
 */
#ifndef BPFALG_ENGINE_REINJECT_H
#define BPFALG_ENGINE_REINJECT_H

#include <stddef.h>
#include <stdint.h>

struct reinject {
	int fd4, fd6;
	uint32_t mark; /* SO_MARK of both sockets */
};

/* 0, or -errno with a one-line reason in @err. */
int reinject_open(struct reinject *r, char *err, size_t errlen);
void reinject_close(struct reinject *r);
/* Mark what is sent from now on with @mark (the datapath's configured
 * reinject mark); 0 or -errno.
 */
int reinject_set_mark(struct reinject *r, uint32_t mark);
/* Send an IP packet (header first) to its destination; 0 or -errno. */
int reinject_send(struct reinject *r, int family, const uint8_t *pkt,
		  size_t len);

#endif
