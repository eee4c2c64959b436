/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * punt.h - handing a packet to the controller over the punt_rb ring buffer.
 *
 *   controller_alive(cfg, now)        a daemon consumes the ring buffer
 *                                     (heartbeat younger than 3 s)
 *   controller_gone(cfg, now)         none has for cfg.fail_open_after
 *                                     seconds: fail open
 *   punt(skb, key, dir, ingress, alg, reason)
 *                                     copy the whole frame behind a struct
 *                                     bpfalg_punt_hdr; 0 or -1 (too big,
 *                                     ring full)
 *   flow_event(orig, ifindex, cfg, now)
 *                                     report a new flow to `algctl events`
 *   port_search_event(orig, in, out, cfg, now)
 *                                     ask the controller for a public port
 *
 * Records come in size classes (256, 512, 1024, 2048 bytes of frame, and
 * 64 KiB for GRO-merged packets): the 16 MiB ring holds 15,000 SIP
 * messages or 55,000 FTP commands, or 250 merged packets.
 */
#ifndef BPFALG_PUNT_H
#define BPFALG_PUNT_H

#include "bpfalg.h"
#include "lib/maps.h"
#include "lib/flow.h"

#define CONTROLLER_STALE_NS (3 * NSEC_PER_SEC)

static __always_inline bool controller_alive(const struct bpfalg_config *c,
					     __u64 now)
{
	__u64 hb = c->controller_heartbeat_ns;

	/* the daemon's precise clock may run a tick ahead of ours */
	if (now < hb)
		return c->controller_pid && hb - now < NSEC_PER_SEC;
	return c->controller_pid && now - hb < CONTROLLER_STALE_NS;
}

/*
 * No controller has heartbeated for cfg.fail_open_after seconds (0: never
 * true): control packets then pass unmodified whatever the fail policy
 * says, so that a datapath left behind by a controller that went away for
 * good (a deleted DaemonSet, a service that no longer starts) does not
 * keep dropping FTP, SIP and RTSP control traffic.  A daemon that stops
 * keeps its last heartbeat; where none was ever written (`up` without a
 * daemon), the first control packet that finds no controller stamps one
 * (pid stays 0: no controller), and the time runs from there.
 */
static __always_inline bool controller_gone(struct bpfalg_config *c, __u64 now)
{
	__u64 hb;

	if (!c || !c->fail_open_after || controller_alive(c, now))
		return false;
	hb = c->controller_heartbeat_ns;
	if (!hb) {
		c->controller_heartbeat_ns = now;
		return false;
	}
	return now > hb && now - hb >= (__u64)c->fail_open_after * NSEC_PER_SEC;
}

static __always_inline void punt_fill(struct bpfalg_punt_hdr *h,
				      struct __sk_buff *skb,
				      const struct bpfalg_tuple *key, __u8 dir,
				      bool ingress, __u8 alg, __u8 reason,
				      __u32 len)
{
	h->layout_version = BPFALG_LAYOUT_VERSION;
	h->ifindex = skb->ifindex;
	h->pkt_len = len;
	h->orig_len = len;
	h->dir = dir;
	h->ingress = ingress;
	h->alg = alg;
	h->reason = reason;
	h->gso_size = skb->gso_size;
	/* the precise clock, unlike dp_now(): the controller's latency
	 * histogram measures from here, and a tick is 4 ms at HZ=250
	 */
	h->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(&h->key, key, sizeof(*key));
}

/*
 * One record of size class N (header + N bytes, N >= len, which the
 * caller's branch has proven to the verifier): reserved, filled, the frame
 * copied, submitted.  0, or -1 when the ring is full.
 */
#define PUNT_CLASS(N)                                                          	({                                                                     		struct {                                                       			struct bpfalg_punt_hdr h;                              			__u8 pkt[N];                                           		} *r_ = bpf_ringbuf_reserve(&punt_rb, sizeof(*r_), 0);         		int rc_ = -1;                                                  									       		if (r_) {                                                      			punt_fill(&r_->h, skb, key, dir, ingress, alg, reason, 				  len);                                        			if (bpf_skb_load_bytes(skb, 0, r_->pkt, len)) {        				bpf_ringbuf_discard(r_, 0);                    			} else {                                               				bpf_ringbuf_submit(r_, 0);                     				rc_ = 0;                                       			}                                                      		}                                                              		rc_;                                                           	})

/*
 * The record is reserved in the smallest of four size classes that holds
 * the frame (the reserve size must be a constant): control packets are
 * mostly small (an FTP command, a SIP message of a few hundred bytes), so
 * the ring holds several times more of them than at one maximum size.
 */
static __always_inline int punt(struct __sk_buff *skb,
				const struct bpfalg_tuple *key, __u8 dir,
				bool ingress, __u8 alg, __u8 reason, __u64 now)
{
	__u32 len = skb->len;

	if (len > BPFALG_PUNT_MAX_GSO || len < 14)
		return -1;
	if (len > BPFALG_PUNT_MAX_PKT)
		return PUNT_CLASS(BPFALG_PUNT_MAX_GSO);
	if (len <= 256)
		return PUNT_CLASS(256);
	if (len <= 512)
		return PUNT_CLASS(512);
	if (len <= 1024)
		return PUNT_CLASS(1024);
	return PUNT_CLASS(BPFALG_PUNT_MAX_PKT);
}

/*
 * A new flow, for `algctl events`: a header-only record (reason
 * BPFALG_PUNT_FLOW_NEW, the flow's key) while the daemon has set
 * BPFALG_CF_FLOW_EVENTS for a subscriber.  Never into a ring more than a
 * quarter full: its first job is carrying control packets, and a flood of
 * new flows must not push those out.
 */
#define FLOW_EVENT_RING_MAX (BPFALG_PUNT_RB_SIZE / 4)

/*
 * A header-only record (no packet) about flow @orig, written only while the
 * ring has room to spare: control packets must not be pushed out by these.
 * 0 when written.
 */
static __always_inline int ring_note(__u8 reason,
				     const struct bpfalg_tuple *orig,
				     __u32 ifindex, __u32 extra, __u64 now)
{
	struct bpfalg_punt_hdr *h;

	if (bpf_ringbuf_query(&punt_rb, BPF_RB_AVAIL_DATA) >
	    FLOW_EVENT_RING_MAX)
		return -1;
	h = bpf_ringbuf_reserve(&punt_rb, sizeof(*h), 0);
	if (!h)
		return -1;
	__builtin_memset(h, 0, sizeof(*h));
	h->layout_version = BPFALG_LAYOUT_VERSION;
	h->ifindex = ifindex;
	h->orig_len = extra;
	h->reason = reason;
	h->ts_ns = now;
	__builtin_memcpy(&h->key, orig, sizeof(*orig));
	bpf_ringbuf_submit(h, 0);
	return 0;
}

static __always_inline void flow_event(const struct bpfalg_tuple *orig,
				       __u32 ifindex,
				       const struct bpfalg_config *c, __u64 now)
{
	if (!(c->flags & BPFALG_CF_FLOW_EVENTS))
		return;
	if (ring_note(BPFALG_PUNT_FLOW_NEW, orig, ifindex, 0, now))
		count(BPFALG_CNT_FLOW_EVENT_DROP);
}

/*
 * Ask the controller for a public port (BPFALG_PUNT_PORT_SEARCH): the probe
 * budget of the packet path is spent.  Only while a controller runs.
 */
static __always_inline void port_search_event(const struct bpfalg_tuple *orig,
					      __u32 in_ifindex,
					      __u32 out_ifindex,
					      const struct bpfalg_config *c,
					      __u64 now)
{
	if (controller_alive(c, now) &&
	    !ring_note(BPFALG_PUNT_PORT_SEARCH, orig, in_ifindex, out_ifindex,
		       now))
		count(BPFALG_CNT_PORT_SEARCH);
}

/*
 * Tell the controller that a pinhole of @alg owned by control flow @owner
 * has just been consumed, and deleted: the session looks it up and must
 * find it gone (a lost note is caught by its once-a-second check).  TFTP's
 * pinholes belong to the datapath alone: no note.
 */
static __always_inline void
pinhole_used_event(__u8 alg, const struct bpfalg_tuple *owner,
		   __be16 public_port, __u32 ifindex,
		   const struct bpfalg_config *c, __u64 now)
{
	if (alg == BPFALG_ALG_TFTP || !controller_alive(c, now))
		return;
	if (ring_note(BPFALG_PUNT_PINHOLE_USED, owner, ifindex,
		      bpf_ntohs(public_port), now))
		count(BPFALG_CNT_FLOW_EVENT_DROP);
}

#endif /* BPFALG_PUNT_H */
