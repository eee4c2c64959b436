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
#include "lib/nexthop.h"
#include "lib/inside.h"

#define TC_ACT_UNSPEC (-1) /* tcx: TCX_NEXT */
#define TC_ACT_OK 0 /* tcx: TCX_PASS, ends the chain: never returned */
#define TC_ACT_SHOT 2 /* tcx: TCX_DROP */
#define TC_ACT_REDIRECT 7 /* tcx: TCX_REDIRECT */

#define AF_INET 2
#define AF_INET6 10

/* Bytes pulled into the linear area so headers (and a quoted packet in an
 * ICMP error) can be read directly.
 */
#define TC_PULL_LEN 256
/* The fast path needs the headers only: Ethernet, IPv4 with options or
 * IPv6, TCP without options (what parse_packet reads).
 */
#define TC_FAST_PULL_LEN 128

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

/* The fast paths' FIB parameters and the translation tc_outside() leaves
 * for tc_outside_fast(), off the stack for the same reason (and a consumed
 * pinhole's owner: the note about it goes out after the delete).
 */
struct fast_scratch {
	struct bpf_fib_lookup fib;
	struct xlate x;
	struct bpfalg_tuple owner; /* a consumed pinhole's, for its note */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fast_scratch);
} fast_scratch SEC(".maps");

static __always_inline struct fast_scratch *fast_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fast_scratch, &zero);
}

static __always_inline struct bpf_fib_lookup *fib_params(void)
{
	struct fast_scratch *fs = fast_scratch_get();

	return fs ? &fs->fib : NULL;
}

/* tc_outside(): translated, and the fast path may send it (internal). */
#define TC_FAST_PENDING 100
/* struct pkt's drop: TC_ACT_SHOT because the controller has the packet */
#define DROP_PUNTED 0xff

/* An interface's BPFALG_IFF_* bits, role included: from the array below
 * BPFALG_MAX_IFINDEX (inlined), from the ifaces hash above it.
 */
static __always_inline __u32 iface_bits(__u32 ifindex)
{
	struct bpfalg_iface *i;
	__u32 *v;

	if (ifindex < BPFALG_MAX_IFINDEX) {
		v = bpf_map_lookup_elem(&iface_flags, &ifindex);
		return v ? *v : 0;
	}
	i = bpf_map_lookup_elem(&ifaces, &ifindex);
	return i ? bpfalg_iface_bits(i->role, i->flags) : 0;
}

/* Parse @skb into @p, first making its first @pull bytes linear when
 * they are not yet.  A global function: the verifier checks the parser
 * once, and its callers see one outcome (scalars in @p) instead of one per
 * path through the headers, which made up most of the programs'
 * verification.
 */
__noinline int tc_parse_quoted(struct __sk_buff *skb, struct pkt *p)
{
	if (!skb || !p)
		return PARSE_MALFORMED;
	return parse_quoted(SKB_FIELD(skb, data), SKB_FIELD(skb, data_end), p);
}

__noinline int tc_parse(struct __sk_buff *skb, struct pkt *p, __u32 pull)
{
	__u32 want;
	int rc;

	if (!skb || !p)
		return PARSE_MALFORMED;
	want = skb->len < pull ? skb->len : pull;

	if (SKB_FIELD(skb, data_end) - SKB_FIELD(skb, data) < want)
		bpf_skb_pull_data(skb, want);
	rc = parse_outer(SKB_FIELD(skb, data), SKB_FIELD(skb, data_end),
			 skb->len, p);
	if (rc != PARSE_OK || p->kind != PK_ICMP_ERR)
		return rc;
	return tc_parse_quoted(skb, p);
}

/* The public IPv4 address of the outside interface @ifindex. */
static __always_inline __be32 iface_public_v4(__u32 ifindex,
					      const struct bpfalg_config *c)
{
	struct bpfalg_iface *i = bpf_map_lookup_elem(&ifaces, &ifindex);

	return i && i->public_v4 ? i->public_v4 : c->public_v4;
}

static __always_inline __u32 iface_role(__u32 ifindex)
{
	__u32 b = iface_bits(ifindex);

	return b & BPFALG_IFF_ROLE_INSIDE  ? BPFALG_ROLE_INSIDE :
	       b & BPFALG_IFF_ROLE_OUTSIDE ? BPFALG_ROLE_OUTSIDE :
					     BPFALG_ROLE_NONE;
}

/*
 * The TC fast path (--tc-fast, BPFALG_IFF_TC_FAST on the ingress device):
 * a packet of an established, answered, non-control flow is translated
 * and sent straight to its egress device with the next hop's addresses,
 * as XDP does, but with the skb's checksum state intact (veth and tap
 * carry CHECKSUM_PARTIAL).  The routing stack and netfilter's forward hook
 * are skipped, as an nftables flowtable skips them; a flow's first packets
 * always take the stack.  Anything the fast path cannot do (no neighbour
 * yet, too big for the route, a VLAN tag, TTL 1) goes the slow way.
 */
static __always_inline bool tc_fast_ok(const struct pkt *p,
				       const struct bpfalg_flow *f, __u8 tbl)
{
	if (tbl != FT_ASSURED || f->state != BPFALG_ST_ESTABLISHED ||
	    (f->flags & BPFALG_FF_CONTROL))
		return false;
	if (p->vlan || p->ttl <= 1 || p->frag_first ||
	    (p->kind != PK_PORTS && p->kind != PK_ECHO))
		return false;
	return p->t.proto != BPFALG_IPPROTO_TCP ||
	       !(p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
}

/*
 * Send a translated packet (@fib resolved) on: TTL or hop limit down by
 * one, the next hop's MAC addresses, the reinject mark (so our own TC
 * program on the egress device hands it on untouched), redirect.
 */
static __noinline int tc_fast_send(struct __sk_buff *skb, const struct pkt *p,
				   const struct bpf_fib_lookup *fib)
{
	struct bpfalg_config *c = get_cfg();
	__u8 macs[12], ttl;
	__u32 l3;

	if (!skb || !p || !fib || !c)
		return TC_ACT_SHOT;
	l3 = p->l3_off;
	if (l3 > PARSE_MAX_L3_OFF)
		return TC_ACT_SHOT;
	ttl = p->ttl - 1;
	if (p->t.family == BPFALG_AF_INET) {
		if (bpf_l3_csum_replace(skb, l3 + IP4_CSUM_OFF,
					bpf_htons(p->ttl << 8),
					bpf_htons(ttl << 8), 2) ||
		    bpf_skb_store_bytes(skb, l3 + 8, &ttl, 1, 0))
			return TC_ACT_SHOT;
	} else if (bpf_skb_store_bytes(skb, l3 + 7, &ttl, 1, 0)) {
		return TC_ACT_SHOT;
	}
	__builtin_memcpy(macs, fib->dmac, 6);
	__builtin_memcpy(macs + 6, fib->smac, 6);
	if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0))
		return TC_ACT_SHOT;
	if (c->reinject_mask)
		skb->mark = (skb->mark & ~c->reinject_mask) | c->reinject_mark;
	else
		skb->mark = BPFALG_REINJECT_MARK;
	count(BPFALG_CNT_TC_REDIRECT);
	return bpf_redirect(fib->ifindex, 0);
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

	struct bpfalg_frag *old;

	if (!bpf_map_update_elem(&frags, &k, &v, BPF_NOEXIST))
		return;
	/* a retransmitted first fragment refreshes its own record; another
	 * datagram with the same ID keeps out of the first one's way
	 */
	old = bpf_map_lookup_elem(&frags, &k);
	if (old && old->new_saddr == v.new_saddr &&
	    old->new_daddr == v.new_daddr)
		old->seen_ns = now;
	else
		count(BPFALG_CNT_FRAG_COLLISION);
}

/* Outside ingress, --tc-fast: the packet in pkt_scratch is translated to
 * fast_scratch's x already; without a next hop the stack routes it.
 * Called once tc_outside() is done: its frame is not kept while this runs.
 */
static __noinline int tc_outside_fast(struct __sk_buff *skb)
{
	struct fast_scratch *fs = fast_scratch_get();
	struct pkt *p;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&pkt_scratch, &zero);
	if (!skb || !p || !fs ||
	    nexthop_resolve(skb, skb->ifindex, p, &fs->x, &fs->fib))
		return TC_ACT_OK;
	return tc_fast_send(skb, p, &fs->fib);
}

static __noinline int tc_unsolicited(struct __sk_buff *skb,
				     const struct pkt *p);

/* A bare SYN (a SYN with ACK, RST or FIN is none: conntrack's rule). */
static __always_inline bool tcp_syn_only(const struct pkt *p)
{
	return p->t.proto == BPFALG_IPPROTO_TCP &&
	       (p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) ==
		       TCPF_SYN;
}

static __always_inline void frag6_key(const struct pkt *p,
				      struct bpfalg_frag6_key *k)
{
	__builtin_memcpy(k->saddr, p->t.saddr, 16);
	__builtin_memcpy(k->daddr, p->t.daddr, 16);
	k->id = p->frag_id6;
	k->proto = p->t.proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* An IPv6 first fragment a flow admitted from outside: its ID lets the
 * rest of the datagram in.
 */
static __noinline void frag6_remember(const struct pkt *p, __u64 now)
{
	struct bpfalg_frag6_key k;

	if (!p)
		return;
	frag6_key(p, &k);
	/* 32-bit IDs: a record that exists is this datagram's first
	 * fragment sent again, refreshed
	 */
	bpf_map_update_elem(&frags6, &k, &now, BPF_ANY);
}

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
		struct bpfalg_frag6_key k6;

		/* IPv6 is not translated: a later fragment from outside
		 * only needs its first one to have been admitted; outbound
		 * ones leave as they are
		 */
		if (!ingress)
			return TC_ACT_UNSPEC;
		frag6_key(p, &k6);
		if (bpf_map_lookup_elem(&frags6, &k6)) {
			count(BPFALG_CNT_FRAG_XLATE);
			count_n(BPFALG_CNT_BYTES_IN, p->l3_len);
			return TC_ACT_OK;
		}
		if (tc_unsolicited(skb, p) == TC_ACT_UNSPEC)
			return TC_ACT_UNSPEC;
		count(BPFALG_CNT_FRAG_MISS);
		return TC_ACT_SHOT;
	}
	v = bpf_map_lookup_elem(&frags, &k);
	if (!v) {
		if (!ingress && !from_inside)
			return TC_ACT_UNSPEC;
		if (ingress && tc_unsolicited(skb, p) == TC_ACT_UNSPEC)
			return TC_ACT_UNSPEC;
		count(BPFALG_CNT_FRAG_MISS);
		drop_why(p, BPFALG_DROP_NO_FLOW);
		return TC_ACT_SHOT;
	}
	x.saddr[0] = v->new_saddr;
	x.daddr[0] = v->new_daddr;
	if (tc_rewrite(skb, p, &x))
		return TC_ACT_SHOT;
	count(BPFALG_CNT_FRAG_XLATE);
	count_n(ingress ? BPFALG_CNT_BYTES_IN : BPFALG_CNT_BYTES_OUT,
		p->l3_len);
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

	__u8 tbl;

	tuple_reverse(&p->inner, &key);
	f = flow_find(&key, &dir, &orig, false, &tbl);
	if (!f) {
		if (!ingress && !from_inside)
			return TC_ACT_UNSPEC; /* the gateway's own */
		/* about the gateway's own traffic (path MTU discovery):
		 * the stack's; anything routed inside is dropped
		 */
		if (ingress && tc_unsolicited(skb, p) == TC_ACT_UNSPEC)
			return TC_ACT_UNSPEC;
		count(BPFALG_CNT_ICMP_ERR_DROP);
		drop_why(p, BPFALG_DROP_NO_FLOW);
		return TC_ACT_SHOT;
	}
	flow_xlate(f, &orig, dir, &x);
	if (tc_rewrite_icmp_err(skb, p, &key, &x, !ingress))
		return TC_ACT_SHOT;
	count(BPFALG_CNT_ICMP_ERR_XLATE);
	return TC_ACT_OK;
}

/* Does the route back to @p's source leave through the device @p came in
 * on (strict reverse path)?
 */
static __always_inline bool route_back_here(struct __sk_buff *skb,
					    const struct pkt *p, __u32 flags)
{
	struct bpf_fib_lookup fib = {};
	long rc;

	fib.ifindex = skb->ifindex;
	fib.l4_protocol = p->t.proto;
	fib.sport = p->t.dport;
	fib.dport = p->t.sport;
	if (p->t.family == BPFALG_AF_INET) {
		fib.family = AF_INET;
		fib.ipv4_src = p->t.daddr[0];
		fib.ipv4_dst = p->t.saddr[0];
	} else {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_src, p->t.daddr, 16);
		__builtin_memcpy(fib.ipv6_dst, p->t.saddr, 16);
	}
	/* an input lookup as if the reply came in here: with OUTPUT the
	 * device would constrain the route
	 */
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), flags);
	return (rc == BPF_FIB_LKUP_RET_SUCCESS ||
		rc == BPF_FIB_LKUP_RET_NO_NEIGH) &&
	       fib.ifindex == skb->ifindex;
}

/* Is the (untranslated) destination local, or would it be routed inside? */
static __noinline int tc_unsolicited(struct __sk_buff *skb, const struct pkt *p)
{
	struct bpfalg_config *c = get_cfg();
	struct bpf_fib_lookup fib = {};
	__u32 flags = 0;
	long rc;

	/* without the flag (older kernels) an unresolved neighbour is
	 * NO_NEIGH, with the egress interface filled in all the same
	 */
	if (c && (c->flags & BPFALG_CF_FIB_SKIP_NEIGH))
		flags = BPF_FIB_LOOKUP_SKIP_NEIGH;
	/* An inside source from outside: another node's pod in a natively
	 * routed cluster when the routes place that source behind this
	 * device (routed, not ours), else spoofed.
	 */
	if (prefix_mode(c) && addr_inside(p->t.family, p->t.saddr)) {
		if (route_back_here(skb, p, flags)) {
			count(BPFALG_CNT_INSIDE_ROUTED);
			return TC_ACT_UNSPEC;
		}
		count(BPFALG_CNT_INSIDE_SPOOFED);
		drop_why(p, BPFALG_DROP_SPOOFED);
		return TC_ACT_SHOT;
	}
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
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), flags);
	if (rc == BPF_FIB_LKUP_RET_NOT_FWDED) {
		count(BPFALG_CNT_LOCAL_PASS);
		return TC_ACT_UNSPEC;
	}
	if (rc < 0) {
		/* the lookup itself failed (e.g. a flag this kernel lacks):
		 * the stack decides, as it would without us
		 */
		count(BPFALG_CNT_FIB_FAIL_PASS);
		return TC_ACT_UNSPEC;
	}
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS ||
	     rc == BPF_FIB_LKUP_RET_NO_NEIGH) &&
	    iface_role(fib.ifindex) != BPFALG_ROLE_INSIDE &&
	    !(prefix_mode(c) && addr_inside(p->t.family, p->t.daddr)))
		return TC_ACT_UNSPEC; /* transit elsewhere: not ours */
	count(BPFALG_CNT_INBOUND_DROP);
	drop_why(p, BPFALG_DROP_UNSOLICITED);
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
	struct bpfalg_tuple *reply = claim_template();
	struct fast_scratch *fs;
	struct bpfalg_flow *f;
	bool v4 = p->t.family == BPFALG_AF_INET;

	*verdict = TC_ACT_SHOT;
	if (!reply)
		return NULL;
	if (p->kind != PK_PORTS || (p->t.proto != BPFALG_IPPROTO_TCP &&
				    p->t.proto != BPFALG_IPPROTO_UDP))
		goto unsolicited;
	if (v4 && p->t.daddr[0] != iface_public_v4(skb->ifindex, c))
		goto unsolicited;
	/* Only a SYN opens a TCP flow from outside: a bare ACK or a RST
	 * creates no state (a spoofed flood cannot fill the table) and
	 * consumes no pinhole.
	 */
	if (p->t.proto == BPFALG_IPPROTO_TCP && !tcp_syn_only(p)) {
		count(BPFALG_CNT_INBOUND_NOT_SYN);
		goto unsolicited;
	}

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
			dnat_reply(p, ph->inside_addr, ph->inside_port, reply);
			f = flow_create(p, reply,
					v4 ? BPFALG_NAT_DNAT : BPFALG_NAT_NONE,
					BPFALG_FF_FROM_PINHOLE |
						BPFALG_FF_INBOUND,
					skb->ifindex, ph->in_ifindex, c, now);
			if (!f)
				return NULL;
			f->alg = ph->alg;
			fs = fast_scratch_get();
			if (fs)
				__builtin_memcpy(&fs->owner, &ph->owner,
						 sizeof(fs->owner));
			/* ph may be reused once deleted: copied first */
			bpf_map_delete_elem(&pinholes, &pk);
			if (fs)
				pinhole_used_event(f->alg, &fs->owner,
						   pk.public_port, skb->ifindex,
						   c, now);
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
		dnat_reply(p, fw->addr, fw->port, reply);
		f = flow_create(p, reply, BPFALG_NAT_DNAT,
				BPFALG_FF_FROM_FORWARD | BPFALG_FF_INBOUND,
				skb->ifindex, 0, c, now);
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
	struct bpfalg_tuple *reply = claim_template();

	if (!reply)
		return NULL;
	if (p->t.proto == BPFALG_IPPROTO_TCP && (p->tcp_flags & TCPF_RST)) {
		count(BPFALG_CNT_TCP_INVALID);
		drop_why(p, BPFALG_DROP_TCP_INVALID);
		return NULL;
	}
	tuple_reverse(&p->t, reply);
	if (p->t.family == BPFALG_AF_INET) {
		/* the address of the outside interface it leaves by */
		reply->daddr[0] = iface_public_v4(skb->ifindex, c);
		if (!reply->daddr[0])
			return NULL;
	}
	return flow_create(p, reply,
			   p->t.family == BPFALG_AF_INET ? BPFALG_NAT_SNAT :
							   BPFALG_NAT_NONE,
			   0, skb->ingress_ifindex, skb->ifindex, c, now);
}

/*
 * A packet of an ALG control flow, already translated.  Payload goes to the
 * controller (mode on: the original is dropped and the controller sends the
 * rewritten one; observe: a copy, the original goes on).  Without a
 * controller the fail policy decides, and after fail_open_after seconds
 * without one a drop policy gives way to pass.  Whatever is not punted gets
 * the flow's sequence adjustment.
 */
#define CTL_INGRESS 2 /* tc_control() @how: bit 0 is the direction */
__noinline int tc_control(struct __sk_buff *skb, const struct pkt *p,
			  const struct bpfalg_flow *f,
			  const struct bpfalg_tuple *orig, __u32 how)
{
	struct bpfalg_config *c = get_cfg();
	bool ingress = how & CTL_INGRESS;
	__u8 alg, dir = how & 1;
	struct bpfalg_ctl *cs;
	__u64 now = dp_now();
	__u32 mode;

	if (!c || !skb || !p || !f || !orig)
		return TC_ACT_SHOT;
	cs = bpf_map_lookup_elem(&ctl, orig);
	alg = f->alg;
	mode = alg_mode(alg);

	if ((!pkt_tcp_payload(p) && !pkt_udp_payload(p)) ||
	    mode == BPFALG_MODE_OFF)
		goto adjust;
	if (cs && (cs->flags & BPFALG_CTL_BYPASS)) {
		alg_count(alg, BPFALG_ADP_BYPASS);
		goto adjust;
	}
	if (skb->len > BPFALG_PUNT_MAX_GSO) {
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
		drop_why(p, DROP_PUNTED);
		return TC_ACT_SHOT;
	}
	count(BPFALG_CNT_PUNT_FAIL);
	if (c->fail_policy != BPFALG_FAIL_PASS) {
		if (!controller_gone(c, now)) {
			alg_count(alg, BPFALG_ADP_FAIL_DROP);
			drop_why(p, BPFALG_DROP_FAIL_POLICY);
			return TC_ACT_SHOT;
		}
		/* the controller is gone for good: fail open */
		alg_count(alg, BPFALG_ADP_FAIL_OPEN);
	}
	alg_count(alg, BPFALG_ADP_FAIL_PASS);
adjust:
	if (cs && tc_seqadj(skb, p, cs, dir))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/*
 * The window scale option of a SYN or SYN-ACK (0: none).  Options are read
 * with bpf_skb_load_bytes: they may lie past what was pulled.
 */
#define TCP_OPT_MAX 40
struct opt_walk {
	__u8 opt[TCP_OPT_MAX];
	__u8 i, len, ws, pad;
};

/* One option (bpf_loop callback: verified once, whatever the layout). */
static long opt_step(__u32 n, void *arg)
{
	struct opt_walk *w = arg;
	__u32 i = w->i;
	__u8 kind, l;

	if (i + 2 >= w->len || i + 2 >= TCP_OPT_MAX)
		return 1;
	kind = w->opt[i];
	if (kind == 0) /* end of options */
		return 1;
	if (kind == 1) { /* no-op */
		w->i++;
		return 0;
	}
	l = w->opt[i + 1];
	if (kind == 3 && l == 3) { /* RFC 7323: at most 14 */
		w->ws = w->opt[i + 2] > 14 ? 14 : w->opt[i + 2];
		return 1;
	}
	if (l < 2)
		return 1;
	w->i += l;
	return 0;
}

static __noinline __u8 tcp_syn_wscale(struct __sk_buff *skb,
				      const struct pkt *p)
{
	struct opt_walk w = {};
	__u32 len;

	if (!p)
		return 0;
	len = p->tcp_hlen > 20 ? p->tcp_hlen - 20 : 0;
	if (len > TCP_OPT_MAX)
		len = TCP_OPT_MAX;
	if (len < 3 || bpf_skb_load_bytes(skb, p->l4_off + 20, w.opt, len))
		return 0;
	w.len = len;
	bpf_loop(TCP_OPT_MAX, opt_step, &w, 0);
	return w.ws;
}

/*
 * ICMP that is neither an error nor echo.  Inbound, RFC 4890's rule: what is
 * link-scoped (neighbour and router discovery, MLD: a link-local or
 * multicast destination) and what is addressed to the
 * gateway is the stack's; the rest would reach an inside host without any
 * state asking for it, and is dropped (node information, router
 * renumbering, experimental types, IPv4 timestamps...).  From inside, IPv4
 * ICMP we cannot translate must not leak; IPv6 leaves as it is.
 */
static __noinline int tc_icmp_other(struct __sk_buff *skb, const struct pkt *p,
				    bool from_inside, bool ingress)
{
	bool v6 = p->t.family == BPFALG_AF_INET6;
	__u8 d0 = ((const __u8 *)p->t.daddr)[0];
	__u8 d1 = ((const __u8 *)p->t.daddr)[1];

	if (!ingress) {
		if (from_inside && !v6) {
			count(BPFALG_CNT_MALFORMED);
			drop_why(p, BPFALG_DROP_MALFORMED);
			return TC_ACT_SHOT;
		}
		return TC_ACT_UNSPEC;
	}
	if (v6 && (d0 == 0xff || (d0 == 0xfe && (d1 & 0xc0) == 0x80)))
		return TC_ACT_UNSPEC;
	if (tc_unsolicited(skb, p) == TC_ACT_UNSPEC)
		return TC_ACT_UNSPEC;
	if (v6)
		count(BPFALG_CNT_ICMP6_REFUSED);
	return TC_ACT_SHOT;
}

/*
 * Does a packet of @dir arrive at the hook the flow expects?  An outbound
 * flow's original direction leaves through egress and its replies come in
 * through ingress; an inbound flow's the other way round.  A packet that
 * carries a flow's tuple through the wrong hook (an ingress packet with an
 * SNAT flow's original tuple) is never translated.
 */
static __always_inline bool dir_ok(const struct bpfalg_flow *f, __u8 dir,
				   bool ingress)
{
	bool inbound = f->flags & BPFALG_FF_INBOUND;

	return ingress == (dir == BPFALG_DIR_ORIG ? inbound : !inbound);
}


/*
 * The flow of a packet on the outside interface, checked: right hook, a
 * reply half still its own, and a SYN that reopens a closed tuple starts a
 * new flow (conntrack does the same: the old entry is over, and a pinhole
 * waiting for exactly that tuple is consumed by the new one).
 */
static __always_inline struct bpfalg_flow *
tc_flow_of(const struct pkt *p, bool ingress, __u8 *dir,
	   struct bpfalg_tuple *orig, __u8 *tbl, int *verdict)
{
	struct bpfalg_flow *f = flow_find(&p->t, dir, orig, ingress, tbl);

	*verdict = TC_ACT_OK;
	if (!f)
		return NULL;
	if (!dir_ok(f, *dir, ingress)) {
		count(BPFALG_CNT_WRONG_DIRECTION);
		drop_why(p, BPFALG_DROP_WRONG_DIRECTION);
		*verdict = TC_ACT_SHOT;
		return NULL;
	}
	if (*dir != BPFALG_DIR_ORIG)
		return f;
	if (tcp_syn_only(p) && f->state >= BPFALG_ST_TIME_WAIT) {
		f->cookie = BPFALG_COOKIE_DEAD;
		count(BPFALG_CNT_TUPLE_REUSED);
		return NULL;
	}
	return flow_reply_ok(f, orig, *tbl) ? f : NULL;
}

static __always_inline int tc_outside(struct __sk_buff *skb, bool ingress,
				      __u32 iflags)
{
	struct bpfalg_config *c = get_cfg();
	struct bpfalg_tuple orig;
	struct bpfalg_flow *f;
	struct xlate x;
	struct pkt *pp;
	__u32 zero = 0;
	bool in_inside;
	__u64 now;
	int rc, verdict;
	__u8 dir = BPFALG_DIR_ORIG, tbl = FT_NEW;

	pp = bpf_map_lookup_elem(&pkt_scratch, &zero);
	if (!c || !pp)
		return TC_ACT_UNSPEC;
	rc = tc_parse(skb, pp, TC_PULL_LEN);
	if (rc == PARSE_NOT_IP)
		return TC_ACT_UNSPEC;
	/* by interface at once; by prefix (lookups) only where it matters:
	 * a packet of a known flow never asks
	 */
	in_inside = !ingress &&
		    iface_role(skb->ingress_ifindex) == BPFALG_ROLE_INSIDE;
#define FROM_INSIDE() (!ingress && pkt_from_inside(c, pp, in_inside))
	if (rc == PARSE_MALFORMED) {
		if (!ingress && !FROM_INSIDE())
			return TC_ACT_UNSPEC;
		count(BPFALG_CNT_MALFORMED);
		drop_why(pp, BPFALG_DROP_MALFORMED);
		return TC_ACT_SHOT;
	}
	count(BPFALG_CNT_RX);

	switch (pp->kind) {
	case PK_ICMP_ERR:
		return tc_icmp_error(skb, pp, FROM_INSIDE(), ingress);
	case PK_FRAG:
		return tc_frag(skb, pp, FROM_INSIDE(), ingress);
	case PK_ICMP_OTHER:
		return tc_icmp_other(skb, pp, FROM_INSIDE(), ingress);
	}

	now = dp_now();
	f = tc_flow_of(pp, ingress, &dir, &orig, &tbl, &verdict);
	if (!f && verdict != TC_ACT_OK)
		return verdict;
	if (!f) {
		if (ingress) {
			f = tc_new_inbound(skb, pp, c, now, &verdict);
			if (!f)
				return verdict;
		} else if (FROM_INSIDE()) {
			f = tc_new_outbound(skb, pp, c, now);
			if (!f)
				return TC_ACT_SHOT;
		} else {
			count(BPFALG_CNT_NOT_OURS);
			return TC_ACT_UNSPEC;
		}
		__builtin_memcpy(&orig, &pp->t, sizeof(orig));
		dir = BPFALG_DIR_ORIG;
		tbl = FT_NEW;
		if (tcp_syn_only(pp))
			f->tcp_wscale[0] = tcp_syn_wscale(skb, pp);
		if (!(f->flags & BPFALG_FF_FROM_PINHOLE)) {
			/* the server's port as the inside sees it */
			__be16 rsport = pp->t.family == BPFALG_AF_INET ?
						f->reply4.sport :
						pp->t.dport;
			__u8 alg = alg_for_flow(&pp->t, rsport);

			if (alg) {
				f->alg = alg;
				f->flags |= BPFALG_FF_CONTROL;
			} else {
				alg_count_tls(&pp->t, rsport);
			}
		}
	} else {
		__u8 ws = pp->t.proto == BPFALG_IPPROTO_TCP &&
					  (pp->tcp_flags & TCPF_SYN) ?
				  tcp_syn_wscale(skb, pp) :
				  0;

		if (!flow_update_state(f, dir, pp, ws, now)) {
			count(BPFALG_CNT_TCP_INVALID);
			drop_why(pp, BPFALG_DROP_TCP_INVALID);
			return TC_ACT_SHOT;
		}
	}

	flow_account(f, dir, pp, now);
	if (tbl == FT_NEW && flow_answered(f) &&
	    !(f->flags & BPFALG_FF_OVER_SHARE))
		f = flow_promote(f, &orig);
	flow_xlate(f, &orig, dir, &x);
	if (tc_rewrite(skb, pp, &x))
		return TC_ACT_SHOT;
	if (pp->frag_first && pp->t.family == BPFALG_AF_INET)
		frag_remember(pp, &x, now);
	else if (pp->frag_first && ingress)
		frag6_remember(pp, now);
	count(BPFALG_CNT_TC_XLATE);
	/* an outbound flow's own packets: a TFTP request opens a pinhole */
	if (!ingress && dir == BPFALG_DIR_ORIG)
		tftp_outbound(skb, pp, f, now);
	if (f->flags & BPFALG_FF_CONTROL)
		return tc_control(skb, pp, f, &orig,
				  dir | (ingress ? CTL_INGRESS : 0));
	if (ingress && (iflags & BPFALG_IFF_TC_FAST) &&
	    tc_fast_ok(pp, f, tbl)) {
		struct fast_scratch *fs = fast_scratch_get();

		if (fs) {
			__builtin_memcpy(&fs->x, &x, sizeof(x));
			return TC_FAST_PENDING;
		}
	}
	return TC_ACT_OK;
}
#undef FROM_INSIDE

/*
 * The one exit.  Inside, TC_ACT_OK means "translated or accepted"; it
 * leaves as TCX_NEXT like everything else that is not dropped, so the
 * programs after ours in the chain (a CNI's: Cilium, Calico) see the
 * translated packet and decide for themselves (tcx's rules; clsact's
 * TC_ACT_UNSPEC is the same "next filter").  bpfalg is attached at the head
 * of the chain (user/util/tcx.c): a CNI's TCX_PASS cannot hide packets
 * from it.
 */
/*
 * Inside ingress, --tc-fast: a packet of an established flow from inside
 * (an outbound flow's original direction, an inbound flow's replies) is
 * translated here and sent straight out of the outside device; whatever
 * does not qualify goes on untouched, and TC egress on the outside device
 * does the whole job after routing.  The next hop is resolved before the
 * packet is changed, so a packet left to the stack is never half done.
 */
static __noinline int tc_inside_fast(struct __sk_buff *skb)
{
	struct bpf_fib_lookup *fib = fib_params();
	struct bpfalg_tuple orig;
	struct bpfalg_flow *f;
	struct xlate x;
	struct pkt *pp;
	__u32 zero = 0;
	__u8 dir;

	pp = bpf_map_lookup_elem(&pkt_scratch, &zero);
	if (!skb || !pp || !fib)
		return TC_ACT_UNSPEC;
	/* the headers only (a packet socket's frames carry all but the
	 * Ethernet header in page fragments)
	 */
	if (tc_parse(skb, pp, TC_FAST_PULL_LEN) != PARSE_OK)
		return TC_ACT_UNSPEC;
	f = flow_find_assured(&pp->t, &dir, &orig, false);
	if (!f || !tc_fast_ok(pp, f, FT_ASSURED))
		return TC_ACT_UNSPEC;
	/* from inside: an outbound flow's original, an inbound one's reply */
	if ((dir == BPFALG_DIR_ORIG) == !!(f->flags & BPFALG_FF_INBOUND))
		return TC_ACT_UNSPEC;
	if (dir == BPFALG_DIR_ORIG && !flow_reply_ok(f, &orig, FT_ASSURED))
		return TC_ACT_UNSPEC;
	flow_xlate(f, &orig, dir, &x);
	if (nexthop_resolve(skb, skb->ifindex, pp, &x, fib) ||
	    iface_role(fib->ifindex) != BPFALG_ROLE_OUTSIDE)
		return TC_ACT_UNSPEC;
	flow_account(f, dir, pp, dp_now());
	if (tc_rewrite(skb, pp, &x))
		return TC_ACT_SHOT;
	count(BPFALG_CNT_TC_XLATE);
	return tc_fast_send(skb, pp, fib);
}

static __always_inline bool reinjected(const struct __sk_buff *skb)
{
	struct bpfalg_config *c = get_cfg();

	if (!c || !c->reinject_mask)
		return skb->mark == BPFALG_REINJECT_MARK;
	return (skb->mark & c->reinject_mask) == c->reinject_mark;
}

/*
 * The verdict, counted once per packet: a drop under its reason (wherever
 * it happens), and on the outside hooks what went on (forwarded as part of
 * a flow, or passed untouched).  Redirects and punts are counted where
 * they happen; an inside hook's "go on" is seen again at the outside one.
 */
static __always_inline void tc_verdict_count(int v, bool outside)
{
	__u32 zero = 0;
	struct pkt *p;

	if (v == TC_ACT_SHOT) {
		p = bpf_map_lookup_elem(&pkt_scratch, &zero);
		if (!p || p->drop == DROP_PUNTED)
			return;
		count(BPFALG_CNT_DROP +
		      (p->drop < BPFALG_DROP_MAX ? p->drop : 0));
	} else if (outside && v != TC_ACT_REDIRECT) {
		count(v == TC_ACT_OK ? BPFALG_CNT_TC_FORWARDED :
				       BPFALG_CNT_TC_PASSED);
	}
}

static __always_inline int tc_handle(struct __sk_buff *skb, bool ingress)
{
	__u32 bits;
	int v;

	if (reinjected(skb))
		return TC_ACT_UNSPEC;
	bits = iface_bits(skb->ifindex);
	if (bits & BPFALG_IFF_ROLE_INSIDE)
		v = ingress && (bits & BPFALG_IFF_TC_FAST) ?
			    tc_inside_fast(skb) :
			    TC_ACT_UNSPEC;
	else if (bits & BPFALG_IFF_ROLE_OUTSIDE)
		v = tc_outside(skb, ingress, bits);
	else
		v = TC_ACT_UNSPEC;
	if (v == TC_FAST_PENDING)
		v = tc_outside_fast(skb);
	tc_verdict_count(v, bits & BPFALG_IFF_ROLE_OUTSIDE);
	if (v == TC_ACT_SHOT || v == TC_ACT_REDIRECT)
		return v;
	return TC_ACT_UNSPEC;
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

/*
 * Run once by the loader (BPF_PROG_TEST_RUN), never attached: 0 when this
 * kernel's bpf_fib_lookup() accepts BPF_FIB_LOOKUP_SKIP_NEIGH, 1 when it
 * refuses the flag (before 6.5: -EINVAL whatever the route).
 */
SEC("tc")
int tc_fib_probe(struct __sk_buff *skb)
{
	struct bpf_fib_lookup fib = {};

	fib.family = AF_INET;
	fib.ifindex = skb->ifindex;
	fib.ipv4_dst = bpf_htonl(0x7f000001);
	return bpf_fib_lookup(skb, &fib, sizeof(fib),
			      BPF_FIB_LOOKUP_SKIP_NEIGH) < 0 ?
		       1 :
		       0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
