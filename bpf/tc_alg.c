// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc_alg.c - TC programs: new flows, NAT bindings, port-forwards, pinholes,
 * ICMP errors, fragments and inbound policy.  See docs/datapath.md for the
 * behaviour, verdict by verdict.
 *
 * NAT happens on the outside interface only: source translation on egress
 * (after routing, like POSTROUTING), destination translation on ingress
 * (before routing, like PREROUTING), so the kernel routes the translated
 * packet.  XDP (xdp_alg.c) short-cuts established flows; whatever it passes
 * on is finished here.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfalg.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/csum.h"
#include "lib/flow.h"
#include "lib/nat.h"
#include "lib/rewrite_tc.h"
#include "lib/alg.h"
#include "lib/seqadj.h"
#include "lib/punt.h"
#include "lib/tftp.h"

#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

#define AF_INET 2
#define AF_INET6 10

/* Bytes pulled into the linear area so headers (and a quoted packet in an
 * ICMP error) can be read directly.
 */
#define TC_PULL_LEN 256

/*
 * skb->data / skb->data_end read with one instruction each: clang otherwise
 * folds the field offset into the context pointer ("dereference of modified
 * ctx ptr"), which the verifier rejects.
 */
#define SKB_FIELD(skb, field)                                                \
	({                                                                   \
		__u64 __v;                                                   \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                        \
			     : "=r"(__v)                                     \
			     : "r"(skb), "i"(__builtin_offsetof(             \
						 struct __sk_buff, field))); \
		(void *)(long)__v;                                           \
	})

/* The parsed packet lives here rather than on the 512-byte stack, which
 * the subprograms below (and bpf_loop's callback) share with tc_outside.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pkt);
} pkt_scratch SEC(".maps");

static __always_inline __u32 iface_role(__u32 ifindex)
{
	struct bpfalg_iface *i = bpf_map_lookup_elem(&ifaces, &ifindex);

	return i ? i->role : BPFALG_ROLE_NONE;
}

/* Remember where the first fragment's addresses went, for the others. */
static __always_inline void frag_remember(const struct pkt *p,
					  const struct xlate *x, __u64 now)
{
	struct bpfalg_frag_key k = {
		.saddr = p->t.saddr[0],
		.daddr = p->t.daddr[0],
		.id = bpf_htons(p->ip_id),
		.proto = p->t.proto,
	};
	struct bpfalg_frag v = {
		.new_saddr = x->saddr[0],
		.new_daddr = x->daddr[0],
		.seen_ns = now,
	};

	bpf_map_update_elem(&frags, &k, &v, BPF_ANY);
}

static __noinline int tc_unsolicited(struct __sk_buff *skb,
				     const struct pkt *p);

/*
 * A non-first IPv4 fragment: it follows its first fragment's translation.
 * Without a record, the gateway's own traffic (and traffic to it) is not
 * ours; anything else cannot be translated and is dropped.
 */
static __noinline int tc_frag(struct __sk_buff *skb, const struct pkt *p,
			      bool from_inside, bool ingress)
{
	struct bpfalg_frag_key k = {
		.saddr = p->t.saddr[0],
		.daddr = p->t.daddr[0],
		.id = bpf_htons(p->ip_id),
		.proto = p->t.proto,
	};
	struct bpfalg_frag *v;
	struct xlate x = {};

	if (p->t.family != BPFALG_AF_INET) {
		/* IPv6 is not translated; a later fragment only needs the
		 * first one to have been admitted.
		 */
		return TC_ACT_UNSPEC;
	}
	v = bpf_map_lookup_elem(&frags, &k);
	if (!v) {
		if (!ingress && !from_inside)
			return TC_ACT_UNSPEC;
		if (ingress && tc_unsolicited(skb, p) == TC_ACT_UNSPEC)
			return TC_ACT_UNSPEC;
		count(BPFALG_CNT_FRAG_MISS);
		return TC_ACT_SHOT;
	}
	x.saddr[0] = v->new_saddr;
	x.daddr[0] = v->new_daddr;
	if (tc_rewrite(skb, p, &x))
		return TC_ACT_SHOT;
	count(BPFALG_CNT_FRAG_XLATE);
	return TC_ACT_OK;
}

/* An ICMP error: it belongs to the flow of the packet it quotes. */
static __noinline int tc_icmp_error(struct __sk_buff *skb, const struct pkt *p,
				    bool from_inside, bool ingress)
{
	struct bpfalg_tuple key, orig;
	struct bpfalg_flow *f;
	struct xlate x;
	__u8 dir;

	tuple_reverse(&p->inner, &key);
	f = flow_find(&key, &dir, &orig, false);
	if (!f) {
		if (!ingress && !from_inside)
			return TC_ACT_UNSPEC; /* the gateway's own */
		count(BPFALG_CNT_ICMP_ERR_DROP);
		return TC_ACT_SHOT;
	}
	flow_xlate(f, &orig, dir, &x);
	if (tc_rewrite_icmp_err(skb, p, &key, &x))
		return TC_ACT_SHOT;
	count(BPFALG_CNT_ICMP_ERR_XLATE);
	return TC_ACT_OK;
}

/* Is the (untranslated) destination local, or would it be routed inside? */
static __noinline int tc_unsolicited(struct __sk_buff *skb, const struct pkt *p)
{
	struct bpf_fib_lookup fib = {};
	long rc;

	fib.ifindex = skb->ifindex;
	fib.l4_protocol = p->t.proto;
	fib.sport = p->t.sport;
	fib.dport = p->t.dport;
	if (p->t.family == BPFALG_AF_INET) {
		fib.family = AF_INET;
		fib.ipv4_src = p->t.saddr[0];
		fib.ipv4_dst = p->t.daddr[0];
	} else {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_src, p->t.saddr, 16);
		__builtin_memcpy(fib.ipv6_dst, p->t.daddr, 16);
	}
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_SKIP_NEIGH);
	if (rc == BPF_FIB_LKUP_RET_NOT_FWDED) {
		count(BPFALG_CNT_LOCAL_PASS);
		return TC_ACT_UNSPEC;
	}
	if (rc == BPF_FIB_LKUP_RET_SUCCESS &&
	    iface_role(fib.ifindex) != BPFALG_ROLE_INSIDE)
		return TC_ACT_UNSPEC; /* transit elsewhere: not ours */
	count(BPFALG_CNT_INBOUND_DROP);
	return TC_ACT_SHOT;
}

/* The reply tuple of a flow whose destination becomes @addr:@port. */
static __always_inline void dnat_reply(const struct pkt *p,
				       const __be32 addr[4], __be16 port,
				       struct bpfalg_tuple *reply)
{
	__builtin_memcpy(reply->saddr, addr, 16);
	__builtin_memcpy(reply->daddr, p->t.saddr, 16);
	reply->sport = port;
	reply->dport = p->t.sport;
	reply->proto = p->t.proto;
	reply->family = p->t.family;
	reply->pad[0] = reply->pad[1] = 0;
}

/*
 * A packet from outside that matches no flow: a pinhole or a port-forward
 * may admit it.  Returns the new flow, or NULL with *verdict set.
 */
static __noinline struct bpfalg_flow *
tc_new_inbound(struct __sk_buff *skb, const struct pkt *p,
	       const struct bpfalg_config *c, __u64 now, int *verdict)
{
	struct bpfalg_pinhole_key pk = {};
	struct bpfalg_pinhole *ph;
	struct bpfalg_fwd_key fk = {};
	struct bpfalg_fwd *fw;
	struct bpfalg_tuple reply;
	struct bpfalg_flow *f;
	bool v4 = p->t.family == BPFALG_AF_INET;

	*verdict = TC_ACT_SHOT;
	if (p->kind != PK_PORTS || (p->t.proto != BPFALG_IPPROTO_TCP &&
				    p->t.proto != BPFALG_IPPROTO_UDP))
		goto unsolicited;
	if (v4 && p->t.daddr[0] != c->public_v4)
		goto unsolicited;

	__builtin_memcpy(pk.remote, p->t.saddr, 16);
	pk.public_port = p->t.dport;
	pk.proto = p->t.proto;
	pk.family = p->t.family;
	ph = bpf_map_lookup_elem(&pinholes, &pk);
	if (ph) {
		/* IPv6 is not translated: the pinhole must name the very
		 * address and port the packet is sent to.
		 */
		bool v6_target_ok =
			v4 || (ph->inside_addr[0] == p->t.daddr[0] &&
			       ph->inside_addr[1] == p->t.daddr[1] &&
			       ph->inside_addr[2] == p->t.daddr[2] &&
			       ph->inside_addr[3] == p->t.daddr[3] &&
			       ph->inside_port == p->t.dport);

		if (ph->expires_ns < now ||
		    (ph->remote_port && ph->remote_port != p->t.sport) ||
		    !v6_target_ok) {
			count(BPFALG_CNT_PINHOLE_REFUSED);
		} else {
			dnat_reply(p, ph->inside_addr, ph->inside_port, &reply);
			f = flow_create(p, &reply,
					v4 ? BPFALG_NAT_DNAT : BPFALG_NAT_NONE,
					BPFALG_FF_FROM_PINHOLE, skb->ifindex,
					ph->in_ifindex, c, now);
			if (!f)
				return NULL;
			f->alg = ph->alg;
			bpf_map_delete_elem(&pinholes, &pk);
			count(BPFALG_CNT_PINHOLE_HIT);
			alg_count(f->alg, BPFALG_ADP_PH_HIT);
			return f;
		}
	}

	if (!v4)
		goto unsolicited;
	fk.port = p->t.dport;
	fk.proto = p->t.proto;
	fk.family = p->t.family;
	fw = bpf_map_lookup_elem(&forwards, &fk);
	if (fw) {
		dnat_reply(p, fw->addr, fw->port, &reply);
		f = flow_create(p, &reply, BPFALG_NAT_DNAT,
				BPFALG_FF_FROM_FORWARD, skb->ifindex, 0, c,
				now);
		if (f)
			count(BPFALG_CNT_FWD_HIT);
		return f;
	}

unsolicited:
	*verdict = tc_unsolicited(skb, p);
	return NULL;
}

/* A packet forwarded from inside that matches no flow: SNAT (IPv4) or
 * plain tracking (IPv6).
 */
static __noinline struct bpfalg_flow *
tc_new_outbound(struct __sk_buff *skb, const struct pkt *p,
		const struct bpfalg_config *c, __u64 now)
{
	struct bpfalg_tuple reply;

	if (p->t.proto == BPFALG_IPPROTO_TCP && (p->tcp_flags & TCPF_RST)) {
		count(BPFALG_CNT_TCP_INVALID);
		return NULL;
	}
	tuple_reverse(&p->t, &reply);
	if (p->t.family == BPFALG_AF_INET) {
		if (!c->public_v4)
			return NULL;
		reply.daddr[0] = c->public_v4;
		return flow_create(p, &reply, BPFALG_NAT_SNAT, 0,
				   skb->ingress_ifindex, skb->ifindex, c, now);
	}
	return flow_create(p, &reply, BPFALG_NAT_NONE, 0, skb->ingress_ifindex,
			   skb->ifindex, c, now);
}

/*
 * A packet of an ALG control flow, already translated.  Payload goes to the
 * controller (mode on: the original is dropped and the controller sends the
 * rewritten one; observe: a copy, the original goes on).  Without a
 * controller the fail policy decides.  Whatever is not punted gets the
 * flow's sequence adjustment.
 */
#define CTL_INGRESS 2 /* tc_control() @how: bit 0 is the direction */
static __noinline int tc_control(struct __sk_buff *skb, const struct pkt *p,
				 const struct bpfalg_flow *f,
				 const struct bpfalg_tuple *orig, __u32 how)
{
	struct bpfalg_ctl *cs = bpf_map_lookup_elem(&ctl, orig);
	struct bpfalg_config *c = get_cfg();
	__u32 mode = alg_mode(f->alg);
	bool ingress = how & CTL_INGRESS;
	__u8 alg = f->alg, dir = how & 1;
	__u64 now = dp_now();

	if (!c)
		return TC_ACT_SHOT;

	if ((!pkt_tcp_payload(p) && !pkt_udp_payload(p)) ||
	    mode == BPFALG_MODE_OFF)
		goto adjust;
	if (cs && (cs->flags & BPFALG_CTL_BYPASS)) {
		alg_count(alg, BPFALG_ADP_BYPASS);
		goto adjust;
	}
	if (skb->len > BPFALG_PUNT_MAX_PKT) {
		alg_count(alg, BPFALG_ADP_TOO_BIG);
		goto adjust;
	}
	if (mode == BPFALG_MODE_OBSERVE) {
		if (!punt(skb, orig, dir, ingress, alg, BPFALG_PUNT_OBSERVE,
			  now))
			alg_count(alg, BPFALG_ADP_OBSERVE_COPY);
		else
			count(BPFALG_CNT_PUNT_FAIL); /* the packet goes on */
		goto adjust;
	}
	if (controller_alive(c, now) &&
	    !punt(skb, orig, dir, ingress, alg, BPFALG_PUNT_ALG_PAYLOAD, now)) {
		count(BPFALG_CNT_PUNT);
		alg_count(alg, BPFALG_ADP_PUNTED);
		return TC_ACT_SHOT;
	}
	count(BPFALG_CNT_PUNT_FAIL);
	if (c->fail_policy != BPFALG_FAIL_PASS) {
		alg_count(alg, BPFALG_ADP_FAIL_DROP);
		return TC_ACT_SHOT;
	}
	alg_count(alg, BPFALG_ADP_FAIL_PASS);
adjust:
	if (cs && tc_seqadj(skb, p, cs, dir))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

static __always_inline int tc_outside(struct __sk_buff *skb, bool ingress)
{
	struct bpfalg_config *c = get_cfg();
	struct bpfalg_tuple orig;
	struct bpfalg_flow *f;
	struct xlate x;
	struct pkt *pp;
	__u32 zero = 0;
	bool from_inside;
	void *data, *data_end;
	__u64 now;
	__u32 want;
	int rc, verdict;
	__u8 dir = BPFALG_DIR_ORIG;

	pp = bpf_map_lookup_elem(&pkt_scratch, &zero);
	if (!c || !pp)
		return TC_ACT_UNSPEC;
	want = skb->len < TC_PULL_LEN ? skb->len : TC_PULL_LEN;
	if (SKB_FIELD(skb, data_end) - SKB_FIELD(skb, data) < want)
		bpf_skb_pull_data(skb, want);
	data = SKB_FIELD(skb, data);
	data_end = SKB_FIELD(skb, data_end);

	rc = parse_packet(data, data_end, skb->len, pp);
	if (rc == PARSE_NOT_IP)
		return TC_ACT_UNSPEC;
	from_inside = !ingress &&
		      iface_role(skb->ingress_ifindex) == BPFALG_ROLE_INSIDE;
	if (rc == PARSE_MALFORMED) {
		if (!ingress && !from_inside)
			return TC_ACT_UNSPEC;
		count(BPFALG_CNT_MALFORMED);
		return TC_ACT_SHOT;
	}
	count(BPFALG_CNT_RX);

	switch (pp->kind) {
	case PK_ICMP_ERR:
		return tc_icmp_error(skb, pp, from_inside, ingress);
	case PK_FRAG:
		return tc_frag(skb, pp, from_inside, ingress);
	case PK_ICMP_OTHER:
		/* Neighbour/router discovery and the like: not ours.  IPv4
		 * ICMP from inside that we cannot translate must not leak.
		 */
		if (from_inside && pp->t.family == BPFALG_AF_INET) {
			count(BPFALG_CNT_MALFORMED);
			return TC_ACT_SHOT;
		}
		return TC_ACT_UNSPEC;
	}

	now = dp_now();
	f = flow_find(&pp->t, &dir, &orig, ingress);
	if (!f) {
		if (ingress) {
			f = tc_new_inbound(skb, pp, c, now, &verdict);
			if (!f)
				return verdict;
		} else if (from_inside) {
			f = tc_new_outbound(skb, pp, c, now);
			if (!f)
				return TC_ACT_SHOT;
		} else {
			count(BPFALG_CNT_NOT_OURS);
			return TC_ACT_UNSPEC;
		}
		__builtin_memcpy(&orig, &pp->t, sizeof(orig));
		dir = BPFALG_DIR_ORIG;
		if (!(f->flags & BPFALG_FF_FROM_PINHOLE)) {
			__u8 alg = alg_for_flow(&pp->t, &f->reply);

			if (alg) {
				f->alg = alg;
				f->flags |= BPFALG_FF_CONTROL;
			} else {
				alg_count_tls(&pp->t, &f->reply);
			}
		}
	} else if (!flow_update_state(f, dir, pp, now)) {
		count(BPFALG_CNT_TCP_INVALID);
		return TC_ACT_SHOT;
	}

	flow_account(f, dir, pp->l3_len, now);
	flow_xlate(f, &orig, dir, &x);
	if (tc_rewrite(skb, pp, &x))
		return TC_ACT_SHOT;
	if (pp->frag_first && pp->t.family == BPFALG_AF_INET)
		frag_remember(pp, &x, now);
	count(BPFALG_CNT_TC_XLATE);
	/* an outbound flow's own packets: a TFTP request opens a pinhole */
	if (!ingress && dir == BPFALG_DIR_ORIG)
		tftp_outbound(skb, pp, f, now);
	if (f->flags & BPFALG_FF_CONTROL)
		return tc_control(skb, pp, f, &orig,
				  dir | (ingress ? CTL_INGRESS : 0));
	return TC_ACT_OK;
}

static __always_inline int tc_handle(struct __sk_buff *skb, bool ingress)
{
	if (skb->mark == BPFALG_REINJECT_MARK)
		return TC_ACT_UNSPEC;
	if (iface_role(skb->ifindex) != BPFALG_ROLE_OUTSIDE)
		return TC_ACT_UNSPEC; /* inside: the ALG punt hooks in here */
	return tc_outside(skb, ingress);
}

SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	return tc_handle(skb, true);
}

SEC("tc")
int tc_egress(struct __sk_buff *skb)
{
	return tc_handle(skb, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
