/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfalg.h - every structure that both the BPF programs and userspace use.
 *
 * One definition, included by bpf/ (after vmlinux.h) and by user/ (after
 * <linux/types.h>).  Fixed-width types and explicit padding only: the same
 * bytes are read by both sides.  Any change to a struct in this file must bump
 * BPFALG_LAYOUT_VERSION; the loader refuses to reuse pinned maps written with
 * another layout (see bpfalg_config.layout_version).
 */
#ifndef BPFALG_H
#define BPFALG_H

#ifndef __VMLINUX_H__ /* userspace; BPF programs get the types from vmlinux.h */
#include <linux/types.h>
#endif

#define BPFALG_LAYOUT_VERSION 19

/* skb->mark carried by packets the controller reinjects: programs let them
 * through untouched.  The default; --reinject-mark VALUE[/MASK] sets the
 * bits bpfalg owns (bpfalg_config.reinject_mark, reinject_mask).
 */
#define BPFALG_REINJECT_MARK 0x0a1e0001
#define BPFALG_REINJECT_MASK 0xffffffff

#define BPFALG_DEFAULT_PIN_PATH "/sys/fs/bpf/bpfalg"
#define BPFALG_DEFAULT_FLOWS 262144
/* IPv6 flows get their own maps, by default a quarter of the IPv4 size. */
#define BPFALG_DEFAULT_FLOWS6_DIV 4
#define BPFALG_MAX_PINHOLES 16384
#define BPFALG_MAX_FORWARDS 4096
#define BPFALG_MAX_FRAGS 8192
#define BPFALG_MAX_NEXTHOPS 4096
#define BPFALG_MAX_IFACES 64
/* XDP reads per-interface flags from an array indexed by ifindex (a hash
 * lookup cost it ~55 ns a packet); interfaces above this get no fast path.
 */
#define BPFALG_MAX_IFINDEX 4096
#define BPFALG_PUNT_RB_SIZE (16 * 1024 * 1024)

#define BPFALG_AF_INET 2
#define BPFALG_AF_INET6 10

#define BPFALG_IPPROTO_ICMP 1
#define BPFALG_IPPROTO_TCP 6
#define BPFALG_IPPROTO_UDP 17
#define BPFALG_IPPROTO_ICMPV6 58

/*
 * A connection tuple as it appears on the wire in one direction.  IPv4
 * addresses live in addr[0], the rest is zero.  For ICMP echo, sport and
 * dport both hold the echo identifier (so the reversed tuple of a request is
 * the key of its reply).
 */
struct bpfalg_tuple {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 pad[2];
};

enum bpfalg_nat_kind {
	BPFALG_NAT_NONE = 0, /* tracked and filtered, not translated (IPv6) */
	BPFALG_NAT_SNAT = 1, /* inside -> outside, source rewritten */
	BPFALG_NAT_DNAT = 2, /* outside -> inside (port-forward or pinhole) */
};

enum bpfalg_flow_state {
	BPFALG_ST_NEW = 0, /* UDP/ICMP: only the original direction seen */
	BPFALG_ST_SYN_SENT = 1,
	BPFALG_ST_SYN_RECV = 2,
	BPFALG_ST_ESTABLISHED = 3, /* TCP handshake done; UDP/ICMP replied */
	BPFALG_ST_FIN_WAIT = 4, /* one side sent FIN */
	BPFALG_ST_TIME_WAIT = 5, /* both sides sent FIN */
	BPFALG_ST_CLOSE = 6, /* RST seen */
	BPFALG_ST_MAX,
};

/* bpfalg_flow.flags */
#define BPFALG_FF_FROM_PINHOLE (1u << 0) /* created by an expectation */
#define BPFALG_FF_FROM_FORWARD (1u << 1) /* created by a port-forward */
#define BPFALG_FF_CONTROL (1u << 2) /* ALG control channel: never XDP */
#define BPFALG_FF_MIDSTREAM (1u << 3) /* TCP picked up without a SYN */
/* The original direction comes from outside (port-forward, pinhole): its
 * packets arrive on the outside interface's ingress, replies leave on its
 * egress.  Without it, the other way round.
 */
#define BPFALG_FF_INBOUND (1u << 4)
/* Answered while its inside host held its share of the answered pair
 * (--max-flows-per-host): it stays in the unreplied pair for good.
 */
#define BPFALG_FF_OVER_SHARE (1u << 5)

/* bpfalg_flow.tcp_seen[dir] bits */
#define BPFALG_TS_SYN (1u << 0)
#define BPFALG_TS_FIN (1u << 1)
#define BPFALG_TS_ACK (1u << 2)
#define BPFALG_TS_END (1u << 3) /* tcp_end[dir] holds a value */

/* Direction index into per-direction arrays. */
#define BPFALG_DIR_ORIG 0
#define BPFALG_DIR_REPLY 1

/*
 * Next hop toward one destination, cached by XDP (map "nh_cache") so that
 * bpf_fib_lookup() (about half of the fast path's cost) runs at most once a
 * second per destination, and again whenever a packet is longer than any
 * the cached route has been checked for.
 */
struct bpfalg_nh_key {
	__be32 daddr[4]; /* the translated destination */
	__u32 ifindex; /* where the packet came in (the FIB asks by it) */
	__u8 family;
	__u8 pad[3];
};

struct bpfalg_nexthop {
	__u32 ifindex; /* egress interface, 0: nothing cached */
	__u16 fits_len; /* packets up to this L3 length passed the MTU check */
	__u8 dmac[6];
	__u8 smac[6];
	__u8 pad[6];
	__u64 ts_ns; /* when the FIB was asked */
};

/*
 * A flow is two self-describing halves (docs/datapath.md, "Flow table"):
 *
 *   original half  flows4 / flows4_new       orig tuple  -> struct bpfalg_flow
 *   reply half     flow_rev4 / flow_rev4_new reply tuple -> struct bpfalg_rev4
 *
 * and the same four for IPv6 (flows6, flow_rev6, flows6_new, flow_rev6_new;
 * keyed by the whole struct bpfalg_tuple, reply halves struct bpfalg_rev6).
 * IPv4 keys are the 16-byte struct bpfalg_key4: the hash runs over 16 bytes
 * instead of 40, and a flow costs less than half the memory.
 *
 * All eight maps are LRU: either half can be evicted at any time.  Both
 * halves carry the same random cookie, and a reply half counts only while
 * the original half it names exists with that cookie, so an evicted or
 * replaced half is a miss, never a wrong translation.  The original
 * direction re-creates a missing reply half; the datapath deletes nothing
 * but its own superseded copies, and the controller deletes a half only
 * when its cookie still matches.  Flows nobody answered yet live in the
 * *_new pairs, so a flood of unreplied flows evicts only other unreplied
 * flows (conntrack's early drop); the first reply (UDP, ICMP) or the
 * completed handshake (TCP) moves both halves to the answered pair.
 *
 * Translation is symmetric: a packet in the original direction leaves with
 * source reply.daddr:reply.dport and destination reply.saddr:reply.sport; a
 * reply leaves with the original tuple reversed.  IPv6 is not translated:
 * its reply tuple is always the original reversed, and is not stored.
 */
#define BPFALG_COOKIE_DEAD 0 /* superseded (tuple reused): a miss */

/* The compact IPv4 flow key: 16 bytes. */
struct bpfalg_key4 {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

/* The addresses and ports of an IPv4 reply tuple (its proto is the flow's). */
struct bpfalg_addr4 {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
};

/*
 * The original half: 64 bytes, one cache line.  Timestamps are
 * CLOCK_MONOTONIC (coarse).  Per-direction packet counts wrap at 2^32;
 * bytes are not counted per flow (the interface counters have them).
 */
struct bpfalg_flow {
	struct bpfalg_addr4 reply4; /* IPv4 reply tuple; zero for IPv6 */
	__u32 cookie; /* shared with the reply half; BPFALG_COOKIE_DEAD */
	__u64 last_seen_ns; /* refreshed at most once a second */
	__u32 created_s; /* seconds, at creation */
	__u32 in_ifindex; /* where the original direction entered */
	__u32 packets[2]; /* per direction: BPFALG_DIR_* */
	__u32 tcp_end[2]; /* per direction: highest seq + len sent (host) */
	__u32 tcp_maxwin[2]; /* per direction: largest window it advertised,
			      * scaled: bounds where the peer's RST may lie
			      */
	__u8 state; /* enum bpfalg_flow_state */
	__u8 nat; /* enum bpfalg_nat_kind */
	__u8 flags; /* BPFALG_FF_* */
	__u8 alg; /* enum bpfalg_alg owning this control flow, 0 none */
	__u8 tcp_seen[2]; /* BPFALG_TS_* per direction */
	__u8 tcp_wscale[2]; /* window scale from each side's SYN, 0 none */
};

/* Reply halves: the original key they belong to and that flow's cookie. */
struct bpfalg_rev4 {
	struct bpfalg_key4 orig;
	__u32 cookie;
};

struct bpfalg_rev6 {
	struct bpfalg_tuple orig;
	__u32 cookie;
	__u32 pad;
};

_Static_assert(sizeof(struct bpfalg_key4) == 16, "compact IPv4 key");
_Static_assert(sizeof(struct bpfalg_flow) == 64, "a flow is one cache line");
_Static_assert(sizeof(struct bpfalg_rev4) == 20, "IPv4 reply half");

static inline __attribute__((always_inline)) void
bpfalg_key4_of(const struct bpfalg_tuple *t, struct bpfalg_key4 *k)
{
	k->saddr = t->saddr[0];
	k->daddr = t->daddr[0];
	k->sport = t->sport;
	k->dport = t->dport;
	k->proto = t->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

static inline __attribute__((always_inline)) void
bpfalg_tuple_of4(const struct bpfalg_key4 *k, struct bpfalg_tuple *t)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->saddr[0] = k->saddr;
	t->daddr[0] = k->daddr;
	t->sport = k->sport;
	t->dport = k->dport;
	t->proto = k->proto;
	t->family = BPFALG_AF_INET;
}

/* The reply tuple of flow @f whose original tuple is @orig. */
static inline __attribute__((always_inline)) void
bpfalg_flow_reply(const struct bpfalg_flow *f, const struct bpfalg_tuple *orig,
		  struct bpfalg_tuple *r)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->proto = orig->proto;
	r->family = orig->family;
	if (orig->family == BPFALG_AF_INET) {
		r->saddr[0] = f->reply4.saddr;
		r->daddr[0] = f->reply4.daddr;
		r->sport = f->reply4.sport;
		r->dport = f->reply4.dport;
		return;
	}
	__builtin_memcpy(r->saddr, orig->daddr, 16);
	__builtin_memcpy(r->daddr, orig->saddr, 16);
	r->sport = orig->dport;
	r->dport = orig->sport;
}

/* Store reply tuple @r in @f (IPv6: nothing to store). */
static inline __attribute__((always_inline)) void
bpfalg_flow_set_reply(struct bpfalg_flow *f, const struct bpfalg_tuple *r)
{
	if (r->family != BPFALG_AF_INET)
		return;
	f->reply4.saddr = r->saddr[0];
	f->reply4.daddr = r->daddr[0];
	f->reply4.sport = r->sport;
	f->reply4.dport = r->dport;
}

/*
 * Pinhole (expectation): admits one remote to one public port for a bounded
 * time.  Keyed by what the first inbound packet carries: remote address,
 * public port and protocol.  The first match turns it into a DNAT flow to
 * (inside_addr, inside_port) and consumes the pinhole.
 */
struct bpfalg_pinhole_key {
	__be32 remote[4];
	__be16 public_port;
	__u8 proto;
	__u8 family;
};

struct bpfalg_pinhole {
	__be32 inside_addr[4];
	__be16 inside_port;
	__be16 remote_port; /* 0: any source port of the remote */
	__u8 alg; /* enum bpfalg_alg that asked for it */
	__u8 pad[3];
	__u32 in_ifindex; /* inside interface of the owning flow */
	__u64 expires_ns; /* CLOCK_MONOTONIC */
	struct bpfalg_tuple owner; /* original tuple of the control flow */
};

/* Port-forward (DNAT) on the public address. */
struct bpfalg_fwd_key {
	__be16 port; /* public port */
	__u8 proto;
	__u8 family;
};

struct bpfalg_fwd {
	__be32 addr[4]; /* inside address */
	__be16 port; /* inside port */
	__u8 flags; /* BPFALG_FWD_F_*: userspace bookkeeping, BPF ignores it */
	__u8 pad;
};
/* Installed from the configuration file's `forward =` lines (up, daemon,
 * reload): a later file without it removes it.  Without the flag a forward
 * was added by hand (`algctl forward add`) and only a hand removes it.
 */
#define BPFALG_FWD_F_CONFIG (1u << 0)

/* IPv4 fragment tracking: non-first fragments follow the first one's flow. */
struct bpfalg_frag_key {
	__be32 saddr;
	__be32 daddr;
	__be16 id;
	__u8 proto;
	__u8 pad;
};

struct bpfalg_frag {
	__be32 new_saddr;
	__be32 new_daddr;
	__u64 seen_ns;
};

/*
 * IPv6 fragments in flight (not translated: only admitted).  The first
 * fragment of a datagram that a flow admitted from outside records its ID;
 * later fragments from outside pass only with a record.  LRU: nothing to
 * expire.
 */
#define BPFALG_MAX_FRAGS6 8192
struct bpfalg_frag6_key {
	__be32 saddr[4];
	__be32 daddr[4];
	__u32 id; /* fragment header identification, host order */
	__u8 proto;
	__u8 pad[3];
};

/*
 * Answered flows per inside address (map "host_answered"), for
 * --max-flows-per-host: counted up at promotion and recounted by the
 * controller's sweep (an eviction or expiry tells nobody).
 */
#define BPFALG_MAX_HOSTS 65536
struct bpfalg_host_key {
	__be32 addr[4];
	__u8 family;
	__u8 pad[3];
};

enum bpfalg_iface_role {
	BPFALG_ROLE_NONE = 0,
	BPFALG_ROLE_INSIDE = 1,
	BPFALG_ROLE_OUTSIDE = 2,
};

/* bpfalg_iface.flags */
/*
 * XDP may forward established flows that enter on this interface.  Off by
 * default where frames can come from a local stack or a guest (veth, tap,
 * bridge, ...): they may carry CHECKSUM_PARTIAL (only the pseudo-header sum
 * is in the packet), and that state is lost when XDP redirects the frame,
 * so the receiver would see a bad checksum (BPFALG_IFF_XDP_CSUM).  Frames
 * from a wire carry complete checksums.
 */
#define BPFALG_IFF_XDP_FAST (1u << 0)
/* Userspace bookkeeping: TC programs attached through clsact (netlink
 * filters, kernel without tcx) rather than pinned tcx links.
 */
#define BPFALG_IFF_TC_CLSACT (1u << 1)
/*
 * XDP runs in native (driver) mode here: a native XDP redirect into this
 * interface is delivered (the driver transmits XDP frames).  A native
 * redirect into a device without that (a bridge, which runs XDP only in
 * generic mode) drops the frame, so the fast path redirects from a native
 * interface only into one that has this flag.
 */
#define BPFALG_IFF_XDP_TARGET (1u << 2)
/* XDP runs in generic (skb) mode here: its redirect reaches any device. */
#define BPFALG_IFF_XDP_GENERIC (1u << 3)
/*
 * TC may forward established flows that enter here straight to their
 * egress device (bpf_redirect, skipping the routing stack and netfilter's
 * forward hook, as an nftables flowtable would): --tc-fast, by default
 * where bpfalg's TC program is alone in the ingress chain, since the
 * programs after it would not see those packets.
 */
#define BPFALG_IFF_TC_FAST (1u << 4)
/* The role, mirrored into the iface_flags array (where TC reads it: an
 * array lookup is inlined, the ifaces hash lookup is a call).
 */
#define BPFALG_IFF_ROLE_INSIDE (1u << 5)
#define BPFALG_IFF_ROLE_OUTSIDE (1u << 6)
/*
 * Frames entering here may come from a local network stack or a guest
 * (veth, tap, bridge, macvlan: see the loader) and so carry
 * CHECKSUM_PARTIAL, which XDP cannot see: the XDP fast path (when forced
 * on) verifies a TCP/UDP checksum before it forwards, and leaves a frame
 * whose checksum does not verify to TC (xdp_pass_csum).
 */
#define BPFALG_IFF_XDP_CSUM (1u << 7)

/* What the iface_flags array holds for an interface. */
static inline __attribute__((always_inline)) __u32
bpfalg_iface_bits(__u32 role, __u32 flags)
{
	return flags | (role == BPFALG_ROLE_INSIDE  ? BPFALG_IFF_ROLE_INSIDE :
			role == BPFALG_ROLE_OUTSIDE ? BPFALG_IFF_ROLE_OUTSIDE :
				    0);
}

struct bpfalg_iface {
	__u32 role; /* enum bpfalg_iface_role */
	__u32 xdp_flags; /* how XDP was attached (XDP_FLAGS_*), 0 none */
	__u32 flags; /* BPFALG_IFF_* */
	/* an outside interface's own public address (several outside
	 * interfaces, --masquerade: each its primary IPv4); 0: the
	 * configuration's public_v4
	 */
	__be32 public_v4;
};

/* Application protocols, index into the alg_cfg map. */
enum bpfalg_alg {
	BPFALG_ALG_NONE = 0,
	BPFALG_ALG_FTP = 1,
	BPFALG_ALG_SIP = 2,
	BPFALG_ALG_RTSP = 3,
	BPFALG_ALG_TFTP = 4,
	BPFALG_ALG_MAX,
};

enum bpfalg_alg_mode {
	BPFALG_MODE_OFF = 0,
	BPFALG_MODE_OBSERVE = 1, /* parse and count, never rewrite */
	BPFALG_MODE_ON = 2,
};

#define BPFALG_ALG_PORTS 4
struct bpfalg_alg_cfg {
	__u32 mode; /* enum bpfalg_alg_mode */
	__u16 ports[BPFALG_ALG_PORTS]; /* control ports, host order, 0 unused */
	__u32 pad;
};

enum bpfalg_fail_policy {
	BPFALG_FAIL_DROP = 0, /* controller down: drop, TCP retransmits */
	BPFALG_FAIL_PASS = 1, /* controller down: forward unmodified */
};

/* bpfalg_config.flags */
#define BPFALG_CF_MASQUERADE (1u << 0) /* public_v4 follows the interface */
#define BPFALG_CF_XDP_FAST (1u << 1) /* XDP may forward established flows */
/* Somebody runs `algctl events`: TC reports each new flow on punt_rb
 * (BPFALG_PUNT_FLOW_NEW records); the daemon sets it only while so.
 */
#define BPFALG_CF_FLOW_EVENTS (1u << 2)
/* This kernel's bpf_fib_lookup() takes BPF_FIB_LOOKUP_SKIP_NEIGH (6.5+):
 * probed by the loader with tc_fib_probe.
 */
#define BPFALG_CF_FIB_SKIP_NEIGH (1u << 3)
/* The inside is (also) defined by address, --inside-prefix (the map
 * inside_prefixes): what leaves the outside device from an inside prefix
 * to an address outside them is translated, whatever interface it came in
 * on.  Kubernetes and Proxmox nodes: hooks on the outside device only.
 */
#define BPFALG_CF_INSIDE_PREFIX (1u << 4)
/* The controller has stopped consuming the ring buffer and writing maps,
 * on `up`'s request (SIGUSR1) before a migration copies them (user/
 * migrate.h); BPF does not read it.
 */
#define BPFALG_CF_CTL_PAUSED (1u << 5)

/*
 * Key of the LPM trie inside_prefixes.  The family is part of the key so
 * one trie holds both: prefixlen counts the 32 family bits plus the
 * address prefix (BPFALG_PREFIX_BITS), and a lookup gives the full length.
 * family is stored in host order on both sides (the same machine).
 */
struct bpfalg_prefix_key {
	__u32 prefixlen;
	__u32 family; /* BPFALG_AF_INET / BPFALG_AF_INET6 */
	__be32 addr[4]; /* IPv4 in addr[0] */
};
#define BPFALG_PREFIX_BITS(len) (32 + (len))
#define BPFALG_MAX_PREFIXES 64

/* Timeouts in seconds, conntrack-like defaults in user/config.c. */
struct bpfalg_timeouts {
	__u32 tcp_syn; /* SYN_SENT / SYN_RECV */
	__u32 tcp_established;
	__u32 tcp_fin; /* FIN_WAIT / TIME_WAIT */
	__u32 tcp_close; /* after RST */
	__u32 udp; /* one direction only */
	__u32 udp_stream; /* replied */
	__u32 icmp;
	__u32 pad;
};

/* Single-entry array map "cfg". */
struct bpfalg_config {
	__u32 layout_version; /* BPFALG_LAYOUT_VERSION */
	__u32 flags; /* BPFALG_CF_* */
	__be32 public_v4; /* SNAT / masquerade address */
	__u32 outside_ifindex;
	__u16 port_min; /* SNAT range, host order, inclusive */
	__u16 port_max;
	__u32 fail_policy; /* enum bpfalg_fail_policy */
	__u32 controller_pid; /* daemon consuming the ring buffer, 0 none */
	/* answered flows one inside address may originate
	 * (host_answered); 0: no limit
	 */
	__u32 max_flows_per_host;
	/* a packet is a reinjected one when (mark & reinject_mask) ==
	 * reinject_mark; mask 0: the defaults above
	 */
	__u32 reinject_mark;
	__u32 reinject_mask;
	__u64 controller_heartbeat_ns; /* CLOCK_MONOTONIC, written by daemon */
	struct bpfalg_timeouts timeouts;
	/* --fail-open-after: once no controller has heartbeated for this
	 * many seconds, control packets pass unmodified whatever
	 * fail_policy says (BPFALG_ADP_FAIL_OPEN); 0: never.  A daemon that
	 * stops keeps its last heartbeat; with none ever written (up without
	 * a daemon) TC stamps one on the first control packet that finds no
	 * controller, and the time runs from there.
	 */
	__u32 fail_open_after;
	__u32 pad2;
};

/* Why the datapath dropped a packet (BPFALG_CNT_DROP + reason). */
enum bpfalg_drop_reason {
	BPFALG_DROP_OTHER = 0, /* none given: a rewrite or redirect failed */
	BPFALG_DROP_MALFORMED, /* truncated or bad headers; IPv4 ICMP from
				* inside that cannot be translated
				*/
	BPFALG_DROP_UNSOLICITED, /* from outside: no flow, pinhole or
				  * port-forward admits it
				  */
	BPFALG_DROP_SPOOFED, /* from outside with an inside source */
	BPFALG_DROP_TCP_INVALID, /* TCP state: a SYN on a closing flow, a RST
				  * that would open one
				  */
	BPFALG_DROP_WRONG_DIRECTION, /* a flow's tuple at the wrong hook */
	BPFALG_DROP_NO_FLOW, /* from inside: a fragment or ICMP error of no
			      * known flow
			      */
	BPFALG_DROP_TABLE_FULL, /* no flow could be made: the table is full */
	BPFALG_DROP_NO_PORT, /* no free public port (probe budget spent) */
	BPFALG_DROP_FAIL_POLICY, /* control packet, no controller, policy
				  * drop
				  */
	BPFALG_DROP_MAX,
};

/* Counters: one per-CPU array entry holding them all, summed by algctl. */
enum bpfalg_counter {
	BPFALG_CNT_RX, /* packets seen by TC */
	BPFALG_CNT_XDP_FWD, /* established packets forwarded by XDP */
	BPFALG_CNT_XDP_PASS_NEIGH, /* XDP: no next hop, or no XDP-capable one */
	BPFALG_CNT_TC_XLATE, /* packets translated in TC */
	BPFALG_CNT_NOT_OURS, /* handed on untouched */
	BPFALG_CNT_FLOW_NEW,
	BPFALG_CNT_FLOW_TABLE_FULL, /* insert failed */
	BPFALG_CNT_FLOW_RECLAIMED, /* expired binding reused at allocation */
	BPFALG_CNT_FLOW_ORPHAN, /* half without its other half: a miss */
	BPFALG_CNT_PORT_PRESERVED,
	BPFALG_CNT_PORT_REMAPPED,
	BPFALG_CNT_PORT_RETRIES, /* probes beyond the first */
	BPFALG_CNT_PORT_EXHAUSTED, /* no free port: dropped */
	BPFALG_CNT_INBOUND_DROP, /* unsolicited from outside */
	BPFALG_CNT_LOCAL_PASS, /* outside traffic to the gateway itself */
	BPFALG_CNT_FWD_HIT, /* port-forward created a flow */
	BPFALG_CNT_PINHOLE_HIT, /* expectation created a flow */
	BPFALG_CNT_PINHOLE_REFUSED, /* right port, wrong remote port/expired */
	BPFALG_CNT_ICMP_ERR_XLATE,
	BPFALG_CNT_ICMP_ERR_DROP, /* ICMP error for no known flow */
	BPFALG_CNT_FRAG_XLATE,
	BPFALG_CNT_FRAG_MISS, /* non-first fragment, first not seen */
	BPFALG_CNT_MALFORMED, /* truncated / bad header: never translated */
	BPFALG_CNT_TCP_MIDSTREAM,
	BPFALG_CNT_TCP_INVALID, /* e.g. SYN on a closed-wait flow */
	BPFALG_CNT_PUNT,
	BPFALG_CNT_PUNT_FAIL, /* ring buffer full / no controller */
	BPFALG_CNT_SEQADJ, /* packets whose seq/ack/SACK were adjusted in BPF */
	BPFALG_CNT_SACK_UNALIGNED, /* odd-aligned SACK option left alone */
	BPFALG_CNT_FLOW_EVENT_DROP, /* new-flow or pinhole-used report
				     * skipped: ring busy
				     */
	BPFALG_CNT_FLOW_PROMOTED, /* replied: moved out of the unreplied pair */
	BPFALG_CNT_REV_HEALED, /* missing reply half re-created */
	BPFALG_CNT_TUPLE_REUSED, /* SYN on a closed flow's tuple: replaced */
	BPFALG_CNT_RST_OUT_OF_WINDOW, /* RST outside the window: ignored */
	BPFALG_CNT_INBOUND_NOT_SYN, /* TCP from outside without SYN, no flow */
	BPFALG_CNT_FRAG_COLLISION, /* fragment record of another datagram */
	BPFALG_CNT_FIB_FAIL_PASS, /* FIB lookup error: left to the stack */
	BPFALG_CNT_WRONG_DIRECTION, /* tuple of a flow, wrong hook: dropped */
	BPFALG_CNT_ICMP6_REFUSED, /* ICMPv6 type not allowed without state */
	BPFALG_CNT_PORT_SEARCH, /* probe budget spent: controller asked */
	BPFALG_CNT_HOST_LIMIT, /* answered beyond its host's --max-flows-per-host */
	BPFALG_CNT_TC_REDIRECT, /* TC forwarded an established flow's packet
				 * to its egress device itself (--tc-fast)
				 */
	BPFALG_CNT_RST_NOT_EXACT, /* RST in the window but not at its
				   * sender's next sequence number: passed
				   * on, the state kept (conntrack's rule)
				   */
	BPFALG_CNT_XDP_PASS_CSUM, /* XDP left a frame to TC: its checksum
				   * did not verify (CHECKSUM_PARTIAL from a
				   * local stack or guest, or damaged)
				   */
	BPFALG_CNT_INSIDE_ROUTED, /* --inside-prefix: between inside
				    * prefixes (another node's pods), routed
				    * untranslated
				    */
	BPFALG_CNT_INSIDE_SPOOFED, /* from outside with an inside source the
				     * routes do not place there: dropped
				     */
	/* IP bytes of the packets matched to a flow (XDP and TC, fragments
	 * included), by where they come from: inside (out) or outside (in)
	 */
	BPFALG_CNT_BYTES_OUT,
	BPFALG_CNT_BYTES_IN,
	/* The outside hooks' verdict on a packet, counted once at the exit:
	 * passed on as part of a flow (translated where NAT applies), or
	 * not a flow's, handed on untouched.  Redirects are TC_REDIRECT and
	 * XDP_FWD, punts PUNT, drops the BPFALG_CNT_DROP range.
	 */
	BPFALG_CNT_TC_FORWARDED,
	BPFALG_CNT_TC_PASSED,
	/* Dropped packets by enum bpfalg_drop_reason, each counted once (at
	 * the program's exit, under the first reason given): counter
	 * BPFALG_CNT_DROP + reason.
	 */
	BPFALG_CNT_DROP,
	BPFALG_CNT_DROP_LAST = BPFALG_CNT_DROP + BPFALG_DROP_MAX - 1,
	BPFALG_CNT_MAX,
};

struct bpfalg_counters {
	__u64 c[BPFALG_CNT_MAX];
};

/*
 * Punt event header: followed in the ring buffer record by pkt_len bytes of
 * the packet, starting at the Ethernet header.
 */
enum bpfalg_punt_reason {
	BPFALG_PUNT_ALG_PAYLOAD =
		1, /* original dropped: controller reinjects */
	BPFALG_PUNT_OBSERVE = 2, /* a copy: the original went on unchanged */
	/* not a packet: TC made the flow @key (pkt_len 0), reported while
	 * BPFALG_CF_FLOW_EVENTS is set
	 */
	BPFALG_PUNT_FLOW_NEW = 3,
	/* not a packet: a new SNAT flow @key found no free public port within
	 * the packet path's probe budget (pkt_len 0; ifindex: where it came
	 * in, orig_len: the egress ifindex).  The controller searches the
	 * whole range and inserts the flow; the sender's retransmission finds
	 * it.
	 */
	BPFALG_PUNT_PORT_SEARCH = 4,
	/* not a packet: a pinhole of control flow @key was consumed by its
	 * first packet (pkt_len 0; ifindex: where it came in, orig_len: the
	 * public port, host order).  The controller updates that session's
	 * pinholes (limit, counters) at once instead of polling per punt.
	 */
	BPFALG_PUNT_PINHOLE_USED = 5,
};

struct bpfalg_punt_hdr {
	__u32 layout_version;
	__u32 ifindex; /* interface the packet was seen on */
	__u32 pkt_len; /* bytes that follow */
	__u32 orig_len; /* wire length (pkt_len may be capped) */
	__u8 dir; /* BPFALG_DIR_* within the flow */
	__u8 ingress; /* 1: TC ingress, 0: TC egress */
	__u8 alg; /* enum bpfalg_alg */
	__u8 reason; /* enum bpfalg_punt_reason */
	__u32 gso_size; /* a GRO-merged packet: its segments' size, else 0 */
	__u64 ts_ns; /* CLOCK_MONOTONIC, precise: the controller latency
		      * histogram starts here
		      */
	struct bpfalg_tuple key; /* flow table key (original direction) */
};

#define BPFALG_PUNT_MAX_PKT 2048
/* A GRO-merged packet of a control flow goes to the controller whole, in
 * a record of its own size class: skipping it would leave the controller
 * a gap in the stream (and pass its bytes unrewritten).  Larger ones (BIG
 * TCP) pass as they are, counted too_big.
 */
#define BPFALG_PUNT_MAX_GSO 65536

/*
 * TCP sequence adjustment of one direction of a control flow whose payload
 * length the controller changed.  Points are kept in ascending order of
 * pos: data at original sequence number s (s at or after pt[i].pos, and
 * before pt[i+1].pos) is shifted by pt[i].delta on the wire; data before
 * the first point by base.  pos is the first byte after a rewritten line,
 * so the line itself (and a retransmission of it) keeps the offset before
 * it.  len is that line's original length: an acknowledgement that falls
 * inside the line's wire bytes acknowledges none of it, so the sender
 * retransmits the line from its start and the controller replays it whole
 * (a receiver cannot have lost part of a rewritten line without its sender
 * noticing).  When the history is full the oldest point folds into base: a
 * TCP sender never retransmits that far back (it was acknowledged).  The
 * functions that read it are in bpfalg_seqadj.h, shared by both sides.
 */
#define BPFALG_SEQADJ_POINTS 8
struct bpfalg_seqadj_point {
	__u32 pos; /* original sequence number, host order */
	__s32 delta; /* wire = original + delta from here on */
	__u32 len; /* the rewritten line is [pos - len, pos); 0: text was
		    * inserted at pos (a refusal answer)
		    */
};

struct bpfalg_seqadj {
	__s32 base;
	__u32 n; /* points in use */
	struct bpfalg_seqadj_point pt[BPFALG_SEQADJ_POINTS];
};

/*
 * The newest rewritten lines of one direction of a control flow (map
 * "ctl_replay", keyed by the flow's original tuple and the direction;
 * written and read by the controller only, the datapath never looks at
 * it).  It is pinned like ctl so that a restarted controller, or a session
 * rebuilt after its eviction, answers a retransmission of that line with
 * the bytes that went out the first time instead of parsing it again (a
 * second pinhole, another length, every later byte shifted).
 */
#define BPFALG_REPLAY_MAX 4352 /* a held message (4 KiB) and its growth */
struct bpfalg_replay_key {
	struct bpfalg_tuple key;
	/* BPFALG_DIR_*: that direction's newest rewritten lines; 2 + dir:
	 * the bytes it holds back for their line's end (acknowledged to
	 * their sender already, which will never send them again); 4 + dir:
	 * how far it went out (rec[0].end), rewritten or not
	 */
	__u32 dir;
};

#define BPFALG_REPLAY_RECS 8
struct bpfalg_replay_rec {
	__u32 start, end; /* original bytes [start, end) went out as ... */
	__u32 len; /* ... these many bytes of out, after the records before */
	__u32 pad;
};

struct bpfalg_replay {
	__u32 n; /* records in use, oldest first; held bytes: one */
	__u32 pad;
	struct bpfalg_replay_rec rec[BPFALG_REPLAY_RECS];
	__u8 out[BPFALG_REPLAY_MAX];
};

/* bpfalg_ctl.flags */
#define BPFALG_CTL_BYPASS (1u << 0) /* stop punting (TLS, ALG gave up) */
/* the controller saw this flow's start (userspace only: a session rebuilt
 * after its eviction knows the protocol's greeting went by)
 */
#define BPFALG_CTL_SEEN (1u << 1)
/* the controller found this flow does not speak the protocol (userspace
 * only): a session rebuilt later passes it as the first one did, never
 * rewriting a retransmission of what that one sent unchanged
 */
#define BPFALG_CTL_NOT_PROTO (1u << 2)

/*
 * Per control flow state the controller publishes for the datapath (map
 * "ctl", keyed by the flow's original tuple, written only by userspace as
 * whole values).  TC applies it to every packet of the flow it does not
 * punt: pure ACKs, FINs, and everything once BYPASS is set.
 */
struct bpfalg_ctl {
	__u32 flags; /* BPFALG_CTL_* */
	__u32 pad;
	struct bpfalg_seqadj dir[2]; /* per BPFALG_DIR_*: that direction's data */
};

/* Per-ALG datapath counters (per-CPU array "alg_dp_stats", key enum bpfalg_alg). */
enum bpfalg_alg_dp_counter {
	BPFALG_ADP_PUNTED, /* handed to the controller, original dropped */
	BPFALG_ADP_OBSERVE_COPY, /* copied to the controller (observe mode) */
	BPFALG_ADP_FAIL_DROP, /* no controller / ring full: dropped (policy) */
	BPFALG_ADP_FAIL_PASS, /* no controller / ring full: passed (policy) */
	BPFALG_ADP_TOO_BIG, /* longer than BPFALG_PUNT_MAX_GSO: passed as is */
	BPFALG_ADP_BYPASS, /* payload of a bypassed flow (TLS) passed */
	/* Requests the datapath handles itself (TFTP, bpf/lib/tftp.h). */
	BPFALG_ADP_PH_OPENED, /* pinholes opened in the datapath */
	BPFALG_ADP_PH_REFRESHED, /* retransmitted request renewed its pinhole */
	BPFALG_ADP_OBSERVED, /* observe mode: pinholes it would have opened */
	BPFALG_ADP_BAD_REQUEST, /* not a well-formed request: no pinhole */
	BPFALG_ADP_PH_FULL, /* pinhole table full: none opened */
	BPFALG_ADP_PH_CONFLICT, /* another flow's live pinhole has the key */
	BPFALG_ADP_PH_HIT, /* this ALG's pinholes turned into flows */
	BPFALG_ADP_TLS_FLOWS, /* flows to its TLS port (SIPS 5061, RTSPS 322):
			       * passed untouched, never parsed
			       */
	/* of the FAIL_PASS ones: passed although the policy says drop, the
	 * controller gone for fail_open_after seconds
	 */
	BPFALG_ADP_FAIL_OPEN,
	BPFALG_ADP_MAX,
};

struct bpfalg_alg_dp_stats {
	__u64 c[BPFALG_ADP_MAX];
};

/* Per-ALG controller counters (array "alg_stats", key enum bpfalg_alg,
 * written by the controller only).
 */
enum bpfalg_alg_counter {
	BPFALG_AS_SEGMENTS, /* punted segments processed */
	BPFALG_AS_PARSED, /* lines the ALG acted on (address forms, AUTH) */
	BPFALG_AS_REWRITTEN, /* lines rewritten */
	BPFALG_AS_OBSERVED, /* observe mode: lines that would be rewritten */
	BPFALG_AS_PH_OPENED, /* pinholes opened */
	BPFALG_AS_PH_USED, /* consumed by a data connection */
	BPFALG_AS_PH_EXPIRED, /* expired unused */
	BPFALG_AS_REFUSED, /* security checks / limits said no */
	BPFALG_AS_BAD_INPUT, /* did not parse: forwarded unmodified */
	BPFALG_AS_TLS, /* control flows that went encrypted: stepped aside */
	BPFALG_AS_HELD, /* partial lines held for their end */
	BPFALG_AS_RETRANS, /* retransmissions answered */
	BPFALG_AS_OOO, /* out-of-order segments queued */
	BPFALG_AS_DROPPED, /* segments the engine could not serve safely */
	BPFALG_AS_REINJECT_FAIL, /* reinjection failed */
	BPFALG_AS_POLICY_DENIED, /* commands the command policy refused */
	BPFALG_AS_ALREADY_PUBLIC, /* addresses already public: not rewritten */
	BPFALG_AS_PH_CLOSED, /* removed unused: superseded, released, or
			      * their control connection closed or ended,
			      * or the ALG switched off
			      */
	BPFALG_AS_NOT_PROTOCOL, /* flows that did not follow the protocol
				 * (FTP: no 220 greeting, a line that is no
				 * command): no data channel opened on them
				 */
	BPFALG_AS_SESSIONS_EVICTED, /* the controller's state of an idle
				     * control flow dropped to make room
				     * (table or per-source cap); rebuilt
				     * if the flow speaks again
				     */
	BPFALG_AS_SESSIONS_FULL, /* no session could be made: forwarded
				  * unmodified (every session busy)
				  */
	BPFALG_AS_SESSIONS_IDLE, /* sessions dropped after --session-idle
				  * without a punt (30 s for a flow not yet
				  * known to speak the protocol); rebuilt if
				  * the flow speaks again
				  */
	BPFALG_AS_RETRANS_WHOLE, /* retransmissions that started or ended
				  * inside a rewritten line: sent with the
				  * whole line
				  */
	BPFALG_AS_ANSWER_RESENT, /* refusal answers sent again because their
				  * receiver had not acknowledged them
				  */
	BPFALG_AS_SPLIT, /* reinjected segments too large for the way out
			  * (EMSGSIZE), sent again in halves
			  */
	BPFALG_AS_MERGED, /* punted packets that came GRO-merged (several
			   * segments at once), taken whole
			   */
	BPFALG_AS_RESET, /* connections the controller reset (RST both
			  * ways): a partial line the policy or the framing
			  * depends on never ended, or the sender keeps
			  * retransmitting a rewrite no record is left of
			  */
	BPFALG_AS_PASSED_LONG, /* framed messages (SIP over TCP) longer than
				* the engine holds: passed unchanged, framing
				* resumed after them
				*/
	BPFALG_AS_MAX,
};

struct bpfalg_alg_stats {
	__u64 c[BPFALG_AS_MAX];
};

#define BPFALG_MAX_CTL 16384

/*
 * A SIP call as the controller tracks it (map "calls", written by the
 * controller only, read by `algctl calls`; the datapath never touches
 * it).  Media streams name their two-way bindings: the flow key of a
 * stream is (inside:inside_port -> peer:peer_port, UDP), so the packet
 * counters of each direction are read from the flow table.
 */
#define BPFALG_MAX_CALLS 65536 /* no preallocation: memory as used */
#define BPFALG_CALL_ID_LEN 64
#define BPFALG_CALL_MEDIA 4

/* bpfalg_call_media.flags */
#define BPFALG_CM_BOUND (1u << 0) /* both ends known, binding made */
#define BPFALG_CM_MUX (1u << 1) /* rtcp-mux: no separate RTCP stream */
#define BPFALG_CM_HOLD (1u << 2) /* a side put it on hold */
#define BPFALG_CM_ICE (1u << 3) /* ICE candidates in an SDP */
#define BPFALG_CM_BIND_FAILED (1u << 4) /* no binding: ports taken */

struct bpfalg_call_media {
	__be32 peer[4]; /* the peer's media address, from its SDP */
	__u16 inside_port; /* RTP, host order */
	__u16 public_port;
	__u16 peer_port; /* 0: the peer's SDP not seen yet */
	__u16 inside_rtcp; /* 0: none (mux, or port 0) */
	__u16 public_rtcp;
	__u16 peer_rtcp;
	__u8 type; /* 1 audio, 2 video, 3 image, ... (enum sdp_media_type) */
	__u8 flags; /* BPFALG_CM_* */
	__u8 pad[2];
};

enum bpfalg_call_state {
	BPFALG_CALL_OFFERED = 1, /* INVITE sent, no final answer yet */
	BPFALG_CALL_EARLY = 2, /* 18x with SDP */
	BPFALG_CALL_CONFIRMED = 3, /* 2xx to INVITE */
};

struct bpfalg_call {
	char call_id[BPFALG_CALL_ID_LEN]; /* NUL-padded, cut to fit */
	struct bpfalg_tuple signalling; /* the control flow's key */
	__be32 inside[4]; /* the inside UA's media address */
	__u8 family;
	__u8 state; /* enum bpfalg_call_state */
	__u8 n_media;
	__u8 inside_is_caller;
	__u32 id; /* the controller's call number (log tags) */
	__u64 created_ns; /* CLOCK_MONOTONIC */
	__u64 updated_ns; /* last signalling of the call */
	struct bpfalg_call_media m[BPFALG_CALL_MEDIA];
};

#endif /* BPFALG_H */
