// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * state_cases.c - the holes of the flow table design ("state core v2",
 * include/bpfalg.h above struct bpfalg_flow): each flow is an original half
 * (flows4 / flows4_new, keyed by the original tuple) and a reply half
 * (flow_rev4 / flow_rev4_new, keyed by the reply tuple, naming the original
 * tuple and the flow's cookie), all LRU; IPv6 has the same four maps
 * (flows6...).  The fixtures evict or forge halves the way an LRU or a
 * racing CPU would, and check what the datapath makes of it: verdict,
 * output bytes, counters and the halves left in the maps.  Same table
 * conventions as cases.c (run in order, `.reset` starts a group from empty
 * maps).
 *
 *   1  original half evicted: a reply is a miss, the next original packet
 *      makes a new flow whose replies are translated again
 *   2  reply half evicted: the original direction re-creates it (TC, XDP)
 *   3  reply tuple taken by another live flow: the first flow is over and
 *      gets another port, the other keeps working
 *   4  a claim without its original half (or with another cookie): a miss,
 *      and the tuple is free for the flow that creates it
 *   5  promotion out of the unreplied pair (UDP, ICMP, TCP, mid-stream)
 *   6  from outside, only a bare SYN creates a TCP flow
 *   7  RST window: out of window ignored (passed, state kept), in window
 *      closes
 *   8  SYN on a TIME_WAIT / CLOSE tuple: a new flow (and a new pinhole hit)
 *   9  a flow's tuple at the wrong hook: dropped in TC, passed by XDP
 *   10 ICMP that is neither error nor echo from outside
 *   11 IPv6 non-first fragments from outside
 *
 * Topology as in cases.c (harness.h).  A few groups narrow the SNAT range
 * (cfg.port_min/max) so that a remapped port is known in advance; the
 * range is restored by the next group and at the end.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cases.h"

#define SEQ .seq = 1000, .ack = 2000
#define T4(s_, sp, d_, dp, fl)                                                 \
	.family = 4, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .tcp_flags = fl, SEQ
/* TCP with explicit sequence and acknowledgement numbers */
#define TS4(s_, sp, d_, dp, fl, sq, ak)                                        \
	.family = 4, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .tcp_flags = fl, .seq = sq, .ack = ak
#define U4(s_, sp, d_, dp)                                                     \
	.family = 4, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .payload = 24
#define EC4(s_, d_, id, type)                                                  \
	.family = 4, .proto = P_ICMP, .src = s_, .dst = d_, .sport = id,       \
	.icmp_type = type, .icmp_seq = 7, .payload = 56
#define U6(s_, sp, d_, dp)                                                     \
	.family = 6, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp
#define IC6(s_, d_, type)                                                      \
	.family = 6, .proto = P_ICMP6, .src = s_, .dst = d_, .icmp_type = type, \
	.payload = 16

#define EGRESS_FROM_INSIDE .prog = PR_TC_OUT, .ifx = IFS_OUT, .iif = IFS_IN
#define INGRESS .prog = PR_TC_IN, .ifx = IFS_OUT
#define XDP_OUT .prog = PR_XDP, .ifx = IFS_OUT /* arriving from outside */
#define XDP_IN .prog = PR_XDP, .ifx = IFS_IN /* arriving from inside */

#define FROM_GW .smac = MAC_GW, .dmac = MAC_OUT0
#define FROM_CLIENT .smac = MAC_CLIENT, .dmac = MAC_IN0
#define TO_CLIENT .smac = MAC_IN0, .dmac = MAC_CLIENT, .ttl = 63
#define TO_GW .smac = MAC_OUT0, .dmac = MAC_GW, .ttl = 63

#define FWD_SRV "10.0.1.5"
#define FORGED_COOKIE 0x12345679u

enum { PAIR_ASSURED = FLOWTAB_ANSWERED, PAIR_NEW = FLOWTAB_UNREPLIED };
static const char *const pair_name[2] = { "flows4/flow_rev4",
					  "flows4_new/flow_rev4_new" };

static int m_frags6 = -1;

/* ---- tuples and halves ---- */

static struct bpfalg_tuple tup(__u8 proto, const char *s, __u16 sp,
			       const char *d, __u16 dp)
{
	struct bpfalg_tuple t;

	tuple4(&t, proto, s, sp, d, dp);
	return t;
}

/* The cookie of the live original half @o in @pair, 0 when none. */
static __u32 cookie_of(int pair, const struct bpfalg_tuple *o)
{
	struct bpfalg_flow f;

	if (half_get(pair, o, &f))
		return 0;
	return f.cookie;
}

/*
 * The flow @o is whole in @pair: its original half is live there and names
 * the reply tuple @r, the reply half keyed @r there names @o with the same
 * cookie, and the other pair holds no live half of it.
 */
static int whole(char *why, size_t n, const struct bpfalg_tuple *o,
		 const struct bpfalg_tuple *r, int pair)
{
	struct bpfalg_tuple fr, vo;
	struct bpfalg_flow f, g;
	__u32 vc;

	if (half_get(pair, o, &f))
		return fail(why, n, "original half not in %s", pair_name[pair]);
	if (f.cookie == BPFALG_COOKIE_DEAD)
		return fail(why, n, "original half in %s is dead",
			    pair_name[pair]);
	bpfalg_flow_reply(&f, o, &fr);
	if (memcmp(&fr, r, sizeof(*r)))
		return fail(why, n,
			    "original half names reply %u > %u, want %u > %u",
			    ntohs(fr.sport), ntohs(fr.dport), ntohs(r->sport),
			    ntohs(r->dport));
	if (rev_get(pair, r, &vo, &vc))
		return fail(why, n, "reply half not in %s", pair_name[pair]);
	if (memcmp(&vo, o, sizeof(*o)) || vc != f.cookie)
		return fail(why, n,
			    "reply half names another flow (cookie %08x, "
			    "flow's %08x)",
			    vc, f.cookie);
	if (!half_get(!pair, o, &g) && g.cookie != BPFALG_COOKIE_DEAD)
		return fail(why, n, "a live original half left in %s",
			    pair_name[!pair]);
	if (!rev_get(!pair, r, &vo, &vc) && vc == f.cookie)
		return fail(why, n, "its reply half left in %s",
			    pair_name[!pair]);
	return 0;
}

/* Neither half of @o / @r in @pair at all (deleted, not just dead). */
static int gone(char *why, size_t n, const struct bpfalg_tuple *o,
		const struct bpfalg_tuple *r, int pair)
{
	struct bpfalg_tuple vo;
	struct bpfalg_flow f;
	__u32 vc;

	if (!half_get(pair, o, &f))
		return fail(why, n, "original half still in %s (cookie %08x)",
			    pair_name[pair], f.cookie);
	if (!rev_get(pair, r, &vo, &vc))
		return fail(why, n, "reply half still in %s (cookie %08x)",
			    pair_name[pair], vc);
	return 0;
}

/* An SNAT flow client:cp > server:sp with public port pp. */
static int snat_whole(char *why, size_t n, __u8 proto, const char *c,
		      __u16 cp, const char *s, __u16 sp, __u16 pp, int pair)
{
	struct bpfalg_tuple o = tup(proto, c, cp, s, sp);
	struct bpfalg_tuple r = tup(proto, s, sp, PUB, pp);

	return whole(why, n, &o, &r, pair);
}

static int snat_promoted(char *why, size_t n, __u8 proto, const char *c,
			 __u16 cp, const char *s, __u16 sp, __u16 pp)
{
	struct bpfalg_tuple o = tup(proto, c, cp, s, sp);
	struct bpfalg_tuple r = tup(proto, s, sp, PUB, pp);

	if (whole(why, n, &o, &r, PAIR_ASSURED))
		return -1;
	return gone(why, n, &o, &r, PAIR_NEW);
}

static void del_orig(int pair, __u8 proto, const char *c, __u16 cp,
		     const char *s, __u16 sp)
{
	struct bpfalg_tuple o = tup(proto, c, cp, s, sp);

	half_del(pair, &o);
}

static void del_rev(int pair, __u8 proto, const char *s, __u16 sp,
		    const char *d, __u16 dp)
{
	struct bpfalg_tuple r = tup(proto, s, sp, d, dp);

	rev_del(pair, &r);
}

/* A reply half keyed @r naming @o with @cookie (a forged or stale claim). */
static void put_rev(int pair, const struct bpfalg_tuple *r,
		    const struct bpfalg_tuple *o, __u32 cookie)
{
	rev_put(pair, r, o, cookie);
}

static void frags6_clear(void)
{
	struct bpfalg_frag6_key k;

	if (m_frags6 < 0)
		return;
	while (!bpf_map_get_next_key(m_frags6, NULL, &k))
		if (bpf_map_delete_elem(m_frags6, &k))
			break;
}

static int post_no_flows(char *why, size_t n)
{
	int c = flows_count();

	return c ? fail(why, n, "%d flow(s) created", c) : 0;
}

static int post_one_flow(char *why, size_t n)
{
	int c = flows_count();

	return c != 1 ? fail(why, n, "%d flows, want 1", c) : 0;
}

/* ---- pre hooks: the environment every group starts from ---- */

static void pre_defaults(void)
{
	config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST);
	iface_set(IFS_IN, BPFALG_ROLE_INSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET);
	iface_set(IFS_OUT, BPFALG_ROLE_OUTSIDE,
		  BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET);
	frags6_clear();
}

/* Remembered cookie, for "the flow was replaced" checks. */
static __u32 mark_cookie;

/* ===== 1. original half evicted ===== */

static int post_g1_new(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41100, SERVER, 53);

	if (snat_whole(why, n, P_UDP, CLIENT, 41100, SERVER, 53, 41100,
		       PAIR_NEW))
		return -1;
	mark_cookie = cookie_of(PAIR_NEW, &o);
	return 0;
}

static void pre_g1_evict(void)
{
	del_orig(PAIR_NEW, P_UDP, CLIENT, 41100, SERVER, 53);
}

/* The datapath deletes nothing: the orphan reply half stays as it was. */
static int post_g1_orphan_kept(char *why, size_t n)
{
	struct bpfalg_tuple r = tup(P_UDP, SERVER, 53, PUB, 41100);
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41100, SERVER, 53);
	struct bpfalg_tuple vo;
	__u32 vc;

	if (rev_get(PAIR_NEW, &r, &vo, &vc))
		return fail(why, n, "the orphan reply half was deleted");
	if (vc != mark_cookie || memcmp(&vo, &o, sizeof(o)))
		return fail(why, n, "the orphan reply half was rewritten");
	return 0;
}

static int post_g1_recreated(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41100, SERVER, 53);

	if (snat_whole(why, n, P_UDP, CLIENT, 41100, SERVER, 53, 41100,
		       PAIR_NEW))
		return -1;
	if (cookie_of(PAIR_NEW, &o) == mark_cookie)
		return fail(why, n, "the new flow has the evicted one's cookie");
	return 0;
}

static int post_g1_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_UDP, CLIENT, 41100, SERVER, 53, 41100);
}

static void pre_g1b_evict(void)
{
	del_orig(PAIR_ASSURED, P_UDP, CLIENT, 41110, SERVER, 53);
}

static int post_g1b_new(char *why, size_t n)
{
	return snat_whole(why, n, P_UDP, CLIENT, 41110, SERVER, 53, 41110,
			  PAIR_NEW);
}

static int post_g1b_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_UDP, CLIENT, 41110, SERVER, 53, 41110);
}

/* ===== 2. reply half evicted ===== */

static void pre_g2a_evict(void)
{
	del_rev(PAIR_ASSURED, P_UDP, SERVER, 53, PUB, 41200);
}

static int post_g2a_healed(char *why, size_t n)
{
	return snat_promoted(why, n, P_UDP, CLIENT, 41200, SERVER, 53, 41200);
}

static void pre_g2b_evict(void)
{
	del_rev(PAIR_NEW, P_UDP, SERVER, 53, PUB, 41210);
}

static int post_g2b_healed(char *why, size_t n)
{
	return snat_whole(why, n, P_UDP, CLIENT, 41210, SERVER, 53, 41210,
			  PAIR_NEW);
}

static int post_g2b_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_UDP, CLIENT, 41210, SERVER, 53, 41210);
}

static void pre_g2c_evict(void)
{
	del_rev(PAIR_ASSURED, P_UDP, SERVER, 53, PUB, 41220);
}

static int post_g2c_healed(char *why, size_t n)
{
	return snat_promoted(why, n, P_UDP, CLIENT, 41220, SERVER, 53, 41220);
}

/* ===== 3. reply tuple taken by another live flow ===== */

/* Only 41300 and 41301: a remapped port can only be 41301. */
static void pre_g3a_range(void)
{
	pre_defaults();
	config_write(41300, 41301, BPFALG_CF_XDP_FAST);
}

static int post_g3a_a(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41300, SERVER, 53);

	if (snat_whole(why, n, P_UDP, CLIENT, 41300, SERVER, 53, 41300,
		       PAIR_NEW))
		return -1;
	mark_cookie = cookie_of(PAIR_NEW, &o);
	return 0;
}

/* A's reply half evicted: the tuple looks free to the next claim. */
static void pre_g3a_evict(void)
{
	del_rev(PAIR_NEW, P_UDP, SERVER, 53, PUB, 41300);
}

static int post_g3a_b(char *why, size_t n)
{
	return snat_whole(why, n, P_UDP, CLIENT2, 41300, SERVER, 53, 41300,
			  PAIR_NEW);
}

static int post_g3a_moved(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41300, SERVER, 53);

	if (snat_whole(why, n, P_UDP, CLIENT, 41300, SERVER, 53, 41301,
		       PAIR_NEW))
		return -1;
	if (cookie_of(PAIR_NEW, &o) == mark_cookie)
		return fail(why, n, "A kept its old cookie");
	/* B's binding is untouched */
	return snat_whole(why, n, P_UDP, CLIENT2, 41300, SERVER, 53, 41300,
			  PAIR_NEW);
}

static int post_g3a_both(char *why, size_t n)
{
	if (snat_promoted(why, n, P_UDP, CLIENT, 41300, SERVER, 53, 41301))
		return -1;
	return snat_promoted(why, n, P_UDP, CLIENT2, 41300, SERVER, 53,
			     41300);
}

/* 41400 (A), 41401 (B) and 41402: the only free one left. */
static void pre_g3b_range(void)
{
	pre_defaults();
	config_write(41400, 41402, BPFALG_CF_XDP_FAST);
}

/* A's reply half replaced by one naming B with B's cookie. */
static void pre_g3b_steal(void)
{
	struct bpfalg_tuple r = tup(P_UDP, SERVER, 53, PUB, 41400);
	struct bpfalg_tuple a = tup(P_UDP, CLIENT, 41400, SERVER, 53);
	struct bpfalg_tuple b = tup(P_UDP, CLIENT2, 41401, SERVER, 53);

	mark_cookie = cookie_of(PAIR_NEW, &a);
	rev_del(PAIR_NEW, &r);
	put_rev(PAIR_NEW, &r, &b, cookie_of(PAIR_NEW, &b));
}

static int post_g3b_moved(char *why, size_t n)
{
	struct bpfalg_tuple r = tup(P_UDP, SERVER, 53, PUB, 41400);
	struct bpfalg_tuple a = tup(P_UDP, CLIENT, 41400, SERVER, 53);
	struct bpfalg_tuple b = tup(P_UDP, CLIENT2, 41401, SERVER, 53);
	struct bpfalg_tuple vo;
	__u32 vc;

	if (snat_whole(why, n, P_UDP, CLIENT, 41400, SERVER, 53, 41402,
		       PAIR_NEW))
		return -1;
	if (cookie_of(PAIR_NEW, &a) == mark_cookie)
		return fail(why, n, "A kept its old cookie");
	if (rev_get(PAIR_NEW, &r, &vo, &vc) || memcmp(&vo, &b, sizeof(b)) ||
	    vc != cookie_of(PAIR_NEW, &b))
		return fail(why, n, "B's hold on 41400 was disturbed");
	return 0;
}

/* ===== 4. a claim without its original half ===== */

static void pre_g4a_stale(void)
{
	struct bpfalg_tuple r = tup(P_UDP, SERVER, 53, PUB, 41500);
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41500, SERVER, 53);

	pre_defaults();
	put_rev(PAIR_NEW, &r, &o, FORGED_COOKIE);
}

static int post_g4a_stale_kept(char *why, size_t n)
{
	struct bpfalg_tuple r = tup(P_UDP, SERVER, 53, PUB, 41500);
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41500, SERVER, 53);
	struct bpfalg_tuple vo;
	__u32 vc;

	if (rev_get(PAIR_NEW, &r, &vo, &vc) || vc != FORGED_COOKIE ||
	    memcmp(&vo, &o, sizeof(o)))
		return fail(why, n, "the stale claim was deleted or rewritten");
	return post_no_flows(why, n);
}

static int post_g4a_taken(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41500, SERVER, 53);

	if (snat_whole(why, n, P_UDP, CLIENT, 41500, SERVER, 53, 41500,
		       PAIR_NEW))
		return -1;
	if (cookie_of(PAIR_NEW, &o) == FORGED_COOKIE)
		return fail(why, n, "the flow took the stale claim's cookie");
	return 0;
}

static int post_g4a_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_UDP, CLIENT, 41500, SERVER, 53, 41500);
}

/* The loser of a creation race: a claim of 41511 naming the flow that
 * got 41510, with a cookie of its own.
 */
static void pre_g4b_loser(void)
{
	struct bpfalg_tuple r = tup(P_UDP, SERVER, 53, PUB, 41511);
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41510, SERVER, 53);
	__u32 c = cookie_of(PAIR_NEW, &o);

	put_rev(PAIR_NEW, &r, &o, c ^ 0x100);
}

static int post_g4b_taken(char *why, size_t n)
{
	return snat_whole(why, n, P_UDP, CLIENT, 41511, SERVER, 53, 41511,
			  PAIR_NEW);
}

/* ===== 5. promotion ===== */

static int post_g5_udp_new(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_UDP, CLIENT, 41600, SERVER, 53);
	struct bpfalg_tuple r = tup(P_UDP, SERVER, 53, PUB, 41600);

	if (whole(why, n, &o, &r, PAIR_NEW))
		return -1;
	return gone(why, n, &o, &r, PAIR_ASSURED);
}

static int post_g5_udp_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_UDP, CLIENT, 41600, SERVER, 53, 41600);
}

static int post_g5_echo_new(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_ICMP, CLIENT, 0x4160, SERVER, 0x4160);
	struct bpfalg_tuple r = tup(P_ICMP, SERVER, 0x4160, PUB, 0x4160);

	if (whole(why, n, &o, &r, PAIR_NEW))
		return -1;
	return gone(why, n, &o, &r, PAIR_ASSURED);
}

static int post_g5_echo_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_ICMP, CLIENT, 0x4160, SERVER, 0x4160,
			     0x4160);
}

static int post_g5_tcp_new(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_TCP, CLIENT, 41601, SERVER, 80);
	struct bpfalg_tuple r = tup(P_TCP, SERVER, 80, PUB, 41601);

	if (whole(why, n, &o, &r, PAIR_NEW))
		return -1;
	return gone(why, n, &o, &r, PAIR_ASSURED);
}

static int post_g5_tcp_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_TCP, CLIENT, 41601, SERVER, 80, 41601);
}

static int post_g5_mid_new(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_TCP, CLIENT, 41602, SERVER, 80);
	struct bpfalg_tuple r = tup(P_TCP, SERVER, 80, PUB, 41602);

	if (whole(why, n, &o, &r, PAIR_NEW))
		return -1;
	return gone(why, n, &o, &r, PAIR_ASSURED);
}

static int post_g5_mid_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_TCP, CLIENT, 41602, SERVER, 80, 41602);
}

/* ===== 6. from outside, only a SYN creates a TCP flow ===== */

static void fwd_add(__u8 proto, __u16 pub, const char *addr, __u16 port)
{
	struct bpfalg_fwd_key k = { .port = htons(pub), .proto = proto,
				    .family = BPFALG_AF_INET };
	struct bpfalg_fwd v = { .port = htons(port) };

	v.addr[0] = ip4(addr);
	bpf_map_update_elem(E.m_forwards, &k, &v, BPF_ANY);
}

static void ph_key(struct bpfalg_pinhole_key *k, const char *remote,
		   __u16 pub, __u8 proto)
{
	memset(k, 0, sizeof(*k));
	k->remote[0] = ip4(remote);
	k->public_port = htons(pub);
	k->proto = proto;
	k->family = BPFALG_AF_INET;
}

static void ph_add(const char *remote, __u16 pub, __u8 proto,
		   const char *inside, __u16 iport)
{
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v = {};

	ph_key(&k, remote, pub, proto);
	v.inside_addr[0] = ip4(inside);
	v.inside_port = htons(iport);
	v.in_ifindex = E.ifin;
	v.expires_ns = mono_ns() + 60 * 1000000000ULL;
	bpf_map_update_elem(E.m_pinholes, &k, &v, BPF_ANY);
}

static int ph_present(const char *remote, __u16 pub, __u8 proto)
{
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v;

	ph_key(&k, remote, pub, proto);
	return !bpf_map_lookup_elem(E.m_pinholes, &k, &v);
}

static void pre_g6(void)
{
	pre_defaults();
	fwd_add(P_TCP, 8080, FWD_SRV, 80);
	ph_add(SERVER2, 50006, P_TCP, CLIENT, 6006);
}

static int post_g6_ph_kept(char *why, size_t n)
{
	if (!ph_present(SERVER2, 50006, P_TCP))
		return fail(why, n, "the TCP pinhole was consumed");
	return post_no_flows(why, n);
}

static int post_g6_ph_consumed(char *why, size_t n)
{
	if (ph_present(SERVER2, 50006, P_TCP))
		return fail(why, n, "the TCP pinhole is still there");
	return 0;
}

static int post_g6_two_flows(char *why, size_t n)
{
	int c = flows_count();

	return c != 2 ? fail(why, n, "%d flows, want 2", c) : 0;
}

/* ===== 8. SYN on a TIME_WAIT / CLOSE tuple ===== */

static int post_g8_mark(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_TCP, CLIENT, 41800, SERVER, 80);

	mark_cookie = cookie_of(PAIR_ASSURED, &o);
	if (!mark_cookie)
		return fail(why, n, "the flow is not in flows4");
	return 0;
}

static int post_g8_reused(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_TCP, CLIENT, 41800, SERVER, 80);
	struct bpfalg_tuple r = tup(P_TCP, SERVER, 80, PUB, 41800);
	struct bpfalg_flow f;

	if (half_get(PAIR_ASSURED, &o, &f))
		return fail(why, n, "the old original half vanished");
	if (f.cookie != BPFALG_COOKIE_DEAD)
		return fail(why, n, "the old flow's cookie is %08x, not dead",
			    f.cookie);
	if (half_get(PAIR_NEW, &o, &f) || f.cookie == BPFALG_COOKIE_DEAD ||
	    f.cookie == mark_cookie)
		return fail(why, n, "no new flow in flows4_new");
	return whole(why, n, &o, &r, PAIR_NEW);
}

static int post_g8_promoted(char *why, size_t n)
{
	return snat_promoted(why, n, P_TCP, CLIENT, 41800, SERVER, 80, 41800);
}

static void pre_g8d_ph(void)
{
	ph_add(SERVER2, 50006, P_TCP, CLIENT, 6006);
}

static int post_g8d_reused(char *why, size_t n)
{
	struct bpfalg_tuple o = tup(P_TCP, SERVER2, 20, PUB, 50006);
	struct bpfalg_tuple r = tup(P_TCP, CLIENT, 6006, SERVER2, 20);
	struct bpfalg_flow f;

	if (ph_present(SERVER2, 50006, P_TCP))
		return fail(why, n, "the pinhole was not consumed");
	if (half_get(PAIR_ASSURED, &o, &f) || f.cookie != BPFALG_COOKIE_DEAD)
		return fail(why, n, "the old inbound flow is not dead");
	return whole(why, n, &o, &r, PAIR_NEW);
}

/* ===== 11. IPv6 fragments ===== */

static int post_g11_recorded(char *why, size_t n)
{
	struct bpfalg_frag6_key k = { .id = 0x2222, .proto = P_UDP };
	__u64 ts;

	inet_pton(AF_INET6, SERVER6, k.saddr);
	inet_pton(AF_INET6, CLIENT6, k.daddr);
	if (m_frags6 < 0)
		return fail(why, n, "frags6 map not found");
	if (bpf_map_lookup_elem(m_frags6, &k, &ts))
		return fail(why, n, "no frags6 record for ID 0x2222");
	return 0;
}

static int post_g11_unsolicited_not_recorded(char *why, size_t n)
{
	struct bpfalg_frag6_key k = { .id = 0x3333, .proto = P_UDP };
	__u64 ts;

	inet_pton(AF_INET6, SERVER6, k.saddr);
	inet_pton(AF_INET6, CLIENT6, k.daddr);
	if (!bpf_map_lookup_elem(m_frags6, &k, &ts))
		return fail(why, n, "a dropped first fragment was recorded");
	return post_one_flow(why, n); /* the setup flow only */
}

static const struct tcase table[] = {
	/* ============ 1. original half evicted (unreplied pair) ============ */
	{ .name = "state_evict_orig_setup",
	  .reset = true,
	  .pre = pre_defaults,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41100, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41100, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1) },
	  .post = post_g1_new },
	{ .name = "state_evict_orig_reply_is_a_miss",
	  .pre = pre_g1_evict,
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41100) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FLOW_ORPHAN, 1), C(TC_XLATE, 0), C(LOCAL_PASS, 1),
		   C(FLOW_NEW, 0), C(FLOW_PROMOTED, 0) },
	  .post = post_g1_orphan_kept },
	{ .name = "state_evict_orig_next_packet_creates_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41100, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41100, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1), C(FLOW_RECLAIMED, 0),
		   C(FLOW_ORPHAN, 0), C(REV_HEALED, 0), C(TC_XLATE, 1) },
	  .post = post_g1_recreated },
	{ .name = "state_evict_orig_reply_translated_again",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41100) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41100) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 1), C(FLOW_ORPHAN, 0) },
	  .fc = { CLIENT, SERVER, 41100, 53, P_UDP, ST(ESTABLISHED) },
	  .post = post_g1_promoted },

	/* ============ 1b. original half evicted (answered pair) ============ */
	{ .name = "state_evict_orig_assured_setup",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41110, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41110, SERVER, 53) } },
	{ .name = "state_evict_orig_assured_setup_reply",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41110) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41110) },
	  .cnt = { C(FLOW_PROMOTED, 1) } },
	{ .name = "state_evict_orig_assured_reply_is_a_miss",
	  .pre = pre_g1b_evict,
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41110) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FLOW_ORPHAN, 1), C(TC_XLATE, 0), C(LOCAL_PASS, 1) } },
	{ .name = "state_evict_orig_assured_next_packet_creates_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41110, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41110, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1), C(FLOW_RECLAIMED, 0),
		   C(FLOW_ORPHAN, 0) },
	  .post = post_g1b_new },
	/* the stale answered reply half is looked at first: one more miss */
	{ .name = "state_evict_orig_assured_reply_translated_again",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41110) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41110) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 1), C(FLOW_ORPHAN, 1) },
	  .post = post_g1b_promoted },
	{ .name = "state_evict_orig_assured_later_reply_clean",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41110), .seed = 3 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41110), .seed = 3 },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 0), C(FLOW_ORPHAN, 0) } },

	/* ============ 2. reply half evicted ============ */
	{ .name = "state_evict_rev_assured_setup",
	  .reset = true,
	  .pre = pre_defaults,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41200, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41200, SERVER, 53) } },
	{ .name = "state_evict_rev_assured_setup_reply",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41200) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41200) },
	  .cnt = { C(FLOW_PROMOTED, 1) } },
	{ .name = "state_evict_rev_assured_original_heals",
	  .pre = pre_g2a_evict,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41200, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41200, SERVER, 53) },
	  .cnt = { C(REV_HEALED, 1), C(TC_XLATE, 1), C(FLOW_NEW, 0),
		   C(FLOW_ORPHAN, 0) },
	  .post = post_g2a_healed },
	{ .name = "state_evict_rev_assured_reply_translated",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41200) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41200) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_ORPHAN, 0), C(REV_HEALED, 0) } },

	{ .name = "state_evict_rev_new_setup",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41210, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41210, SERVER, 53) } },
	/* before the original direction heals it, a reply finds nothing */
	{ .name = "state_evict_rev_new_reply_before_heal_is_a_miss",
	  .pre = pre_g2b_evict,
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41210) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(TC_XLATE, 0), C(LOCAL_PASS, 1), C(FLOW_ORPHAN, 0) } },
	{ .name = "state_evict_rev_new_original_heals",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41210, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41210, SERVER, 53) },
	  .cnt = { C(REV_HEALED, 1), C(FLOW_NEW, 0), C(FLOW_PROMOTED, 0) },
	  .post = post_g2b_healed },
	{ .name = "state_evict_rev_new_reply_translated",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41210) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41210) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 1), C(FLOW_ORPHAN, 0) },
	  .post = post_g2b_promoted },

	/* XDP checks the reply half on the original direction too */
	{ .name = "state_evict_rev_xdp_setup",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41220, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41220, SERVER, 53) } },
	{ .name = "state_evict_rev_xdp_setup_reply",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41220) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41220) } },
	{ .name = "state_evict_rev_xdp_original_heals_and_forwards",
	  .pre = pre_g2c_evict,
	  XDP_IN,
	  .in = { U4(CLIENT, 41220, SERVER, 53), FROM_CLIENT },
	  .verdict = V_XDP_REDIRECT,
	  .out = { U4(PUB, 41220, SERVER, 53), TO_GW },
	  .cnt = { C(REV_HEALED, 1), C(XDP_FWD, 1), C(FLOW_ORPHAN, 0) },
	  .post = post_g2c_healed },
	{ .name = "state_evict_rev_xdp_reply_forwarded",
	  XDP_OUT,
	  .in = { U4(SERVER, 53, PUB, 41220), FROM_GW },
	  .verdict = V_XDP_REDIRECT,
	  .out = { U4(SERVER, 53, CLIENT, 41220), TO_CLIENT },
	  .cnt = { C(XDP_FWD, 1) } },

	/* ==== 3a. reply tuple claimed by a new flow after the eviction ==== */
	{ .name = "state_rev_taken_setup_a",
	  .reset = true,
	  .pre = pre_g3a_range,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41300, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41300, SERVER, 53) },
	  .cnt = { C(PORT_PRESERVED, 1) },
	  .post = post_g3a_a },
	/* A's reply half is gone: B's claim of the same public tuple wins */
	{ .name = "state_rev_taken_b_claims_a_tuple",
	  .pre = pre_g3a_evict,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT2, 41300, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41300, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1) },
	  .post = post_g3a_b },
	/* A is over: a new flow, on the other port */
	{ .name = "state_rev_taken_a_moves_to_another_port",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41300, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41301, SERVER, 53) },
	  .cnt = { C(FLOW_ORPHAN, 1), C(FLOW_NEW, 1), C(PORT_REMAPPED, 1),
		   C(PORT_PRESERVED, 0), C(REV_HEALED, 0), C(TC_XLATE, 1) },
	  .post = post_g3a_moved },
	{ .name = "state_rev_taken_b_reply_to_b",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41300) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT2, 41300) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 1), C(FLOW_ORPHAN, 0) } },
	{ .name = "state_rev_taken_a_reply_on_new_port",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41301) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41300) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 1), C(FLOW_ORPHAN, 0) },
	  .post = post_g3a_both },
	{ .name = "state_rev_taken_a_keeps_new_port",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41300, SERVER, 53), .seed = 5 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41301, SERVER, 53), .seed = 5 },
	  .cnt = { C(FLOW_NEW, 0), C(FLOW_ORPHAN, 0), C(REV_HEALED, 0) } },
	{ .name = "state_rev_taken_b_keeps_its_port",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT2, 41300, SERVER, 53), .seed = 6 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41300, SERVER, 53), .seed = 6 },
	  .cnt = { C(FLOW_NEW, 0), C(FLOW_ORPHAN, 0), C(REV_HEALED, 0) },
	  .post = post_g3a_both },

	/* ==== 3b. A's reply half rewritten to name live flow B ==== */
	{ .name = "state_rev_forged_setup_a",
	  .reset = true,
	  .pre = pre_g3b_range,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41400, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41400, SERVER, 53) } },
	{ .name = "state_rev_forged_setup_b",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT2, 41401, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41401, SERVER, 53) } },
	{ .name = "state_rev_forged_a_not_translated_with_old_binding",
	  .pre = pre_g3b_steal,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41400, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41402, SERVER, 53) },
	  .cnt = { C(FLOW_ORPHAN, 1), C(FLOW_NEW, 1), C(PORT_REMAPPED, 1),
		   C(REV_HEALED, 0) },
	  .post = post_g3b_moved },
	{ .name = "state_rev_forged_b_original_still_translated",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT2, 41401, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41401, SERVER, 53) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_NEW, 0), C(FLOW_ORPHAN, 0),
		   C(REV_HEALED, 0) } },
	{ .name = "state_rev_forged_b_reply_translated",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41401) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT2, 41401) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 1), C(FLOW_ORPHAN, 0) } },
	{ .name = "state_rev_forged_a_reply_on_new_port",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41402) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41400) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 1) } },

	/* ==== 4a. a claim whose original half does not exist (yet) ==== */
	{ .name = "state_stale_claim_reply_is_a_miss",
	  .reset = true,
	  .pre = pre_g4a_stale,
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41500) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FLOW_ORPHAN, 1), C(TC_XLATE, 0), C(LOCAL_PASS, 1),
		   C(FLOW_NEW, 0) },
	  .post = post_g4a_stale_kept },
	{ .name = "state_stale_claim_taken_over_by_creation",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41500, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41500, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1), C(PORT_REMAPPED, 0),
		   C(FLOW_RECLAIMED, 0), C(FLOW_ORPHAN, 0) },
	  .post = post_g4a_taken },
	{ .name = "state_stale_claim_reply_translated",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41500) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41500) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_PROMOTED, 1), C(FLOW_ORPHAN, 0) },
	  .post = post_g4a_promoted },

	/* ==== 4b. the losing claim of a creation race (other cookie) ==== */
	{ .name = "state_race_loser_setup",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41510, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41510, SERVER, 53) } },
	{ .name = "state_race_loser_claim_reply_is_a_miss",
	  .pre = pre_g4b_loser,
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41511) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FLOW_ORPHAN, 1), C(TC_XLATE, 0), C(LOCAL_PASS, 1) } },
	{ .name = "state_race_winner_reply_translated",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41510) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41510) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_ORPHAN, 0) } },
	{ .name = "state_race_loser_claim_free_for_a_new_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41511, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41511, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(PORT_PRESERVED, 1), C(FLOW_RECLAIMED, 0) },
	  .post = post_g4b_taken },

	/* ============ 5. promotion ============ */
	{ .name = "state_promote_udp_request_unreplied",
	  .reset = true,
	  .pre = pre_defaults,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41600, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41600, SERVER, 53) },
	  .cnt = { C(FLOW_NEW, 1), C(FLOW_PROMOTED, 0) },
	  .post = post_g5_udp_new },
	{ .name = "state_promote_udp_second_request_still_unreplied",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41600, SERVER, 53), .seed = 1 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41600, SERVER, 53), .seed = 1 },
	  .cnt = { C(FLOW_NEW, 0), C(FLOW_PROMOTED, 0) },
	  .post = post_g5_udp_new },
	{ .name = "state_promote_udp_reply_promotes",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41600) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41600) },
	  .cnt = { C(FLOW_PROMOTED, 1), C(TC_XLATE, 1) },
	  .fc = { CLIENT, SERVER, 41600, 53, P_UDP, ST(ESTABLISHED) },
	  .post = post_g5_udp_promoted },
	{ .name = "state_promote_udp_later_packets_stay",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41600, SERVER, 53), .seed = 2 },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41600, SERVER, 53), .seed = 2 },
	  .cnt = { C(FLOW_PROMOTED, 0), C(REV_HEALED, 0), C(FLOW_NEW, 0) },
	  .post = post_g5_udp_promoted },
	{ .name = "state_promote_echo_request_unreplied",
	  EGRESS_FROM_INSIDE,
	  .in = { EC4(CLIENT, SERVER, 0x4160, 8) },
	  .verdict = TC_OK,
	  .out = { EC4(PUB, SERVER, 0x4160, 8) },
	  .cnt = { C(FLOW_NEW, 1), C(FLOW_PROMOTED, 0) },
	  .post = post_g5_echo_new },
	{ .name = "state_promote_echo_reply_promotes",
	  INGRESS,
	  .in = { EC4(SERVER, PUB, 0x4160, 0) },
	  .verdict = TC_OK,
	  .out = { EC4(SERVER, CLIENT, 0x4160, 0) },
	  .cnt = { C(FLOW_PROMOTED, 1) },
	  .post = post_g5_echo_promoted },
	{ .name = "state_promote_tcp_syn_unreplied",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41601, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41601, SERVER, 80, TH_SYN) },
	  .cnt = { C(FLOW_NEW, 1), C(FLOW_PROMOTED, 0) },
	  .fc = { CLIENT, SERVER, 41601, 80, P_TCP, ST(SYN_SENT) },
	  .post = post_g5_tcp_new },
	{ .name = "state_promote_tcp_synack_keeps_unreplied",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 41601, TH_SYN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 41601, TH_SYN | TH_ACK) },
	  .cnt = { C(FLOW_PROMOTED, 0), C(TC_XLATE, 1) },
	  .fc = { CLIENT, SERVER, 41601, 80, P_TCP, ST(SYN_RECV) },
	  .post = post_g5_tcp_new },
	{ .name = "state_promote_tcp_final_ack_promotes",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41601, SERVER, 80, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41601, SERVER, 80, TH_ACK) },
	  .cnt = { C(FLOW_PROMOTED, 1) },
	  .fc = { CLIENT, SERVER, 41601, 80, P_TCP, ST(ESTABLISHED) },
	  .post = post_g5_tcp_promoted },
	/* picked up mid-stream: answered once the other side speaks */
	{ .name = "state_promote_midstream_unreplied",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41602, SERVER, 80, TH_ACK), .payload = 10 },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41602, SERVER, 80, TH_ACK), .payload = 10 },
	  .cnt = { C(FLOW_NEW, 1), C(TCP_MIDSTREAM, 1), C(FLOW_PROMOTED, 0) },
	  .fc = { CLIENT, SERVER, 41602, 80, P_TCP, ST(ESTABLISHED) },
	  .post = post_g5_mid_new },
	{ .name = "state_promote_midstream_more_from_inside_unreplied",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41602, SERVER, 80, TH_ACK), .payload = 11 },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41602, SERVER, 80, TH_ACK), .payload = 11 },
	  .cnt = { C(FLOW_NEW, 0), C(FLOW_PROMOTED, 0) },
	  .post = post_g5_mid_new },
	{ .name = "state_promote_midstream_reply_promotes",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 41602, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 41602, TH_ACK) },
	  .cnt = { C(FLOW_PROMOTED, 1) },
	  .post = post_g5_mid_promoted },

	/* ====== 6. from outside only a bare SYN creates a TCP flow ====== */
	{ .name = "state_inbound_ack_to_forward_no_flow",
	  .reset = true,
	  .pre = pre_g6,
	  INGRESS,
	  .in = { T4(SERVER, 33100, PUB, 8080, TH_ACK) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INBOUND_NOT_SYN, 1), C(FWD_HIT, 0), C(FLOW_NEW, 0),
		   C(TC_XLATE, 0), C(LOCAL_PASS, 1) },
	  .post = post_no_flows },
	{ .name = "state_inbound_rst_to_forward_no_flow",
	  INGRESS,
	  .in = { T4(SERVER, 33100, PUB, 8080, TH_RST) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INBOUND_NOT_SYN, 1), C(FWD_HIT, 0), C(FLOW_NEW, 0) },
	  .post = post_no_flows },
	{ .name = "state_inbound_rst_ack_to_forward_no_flow",
	  INGRESS,
	  .in = { T4(SERVER, 33100, PUB, 8080, TH_RST | TH_ACK) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INBOUND_NOT_SYN, 1), C(FWD_HIT, 0), C(FLOW_NEW, 0) },
	  .post = post_no_flows },
	{ .name = "state_inbound_synack_to_forward_no_flow",
	  INGRESS,
	  .in = { T4(SERVER, 33100, PUB, 8080, TH_SYN | TH_ACK) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INBOUND_NOT_SYN, 1), C(FWD_HIT, 0), C(FLOW_NEW, 0) },
	  .post = post_no_flows },
	{ .name = "state_inbound_syn_rst_to_forward_no_flow",
	  INGRESS,
	  .in = { T4(SERVER, 33100, PUB, 8080, TH_SYN | TH_RST) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INBOUND_NOT_SYN, 1), C(FWD_HIT, 0), C(FLOW_NEW, 0) },
	  .post = post_no_flows },
	{ .name = "state_inbound_ack_to_tcp_pinhole_consumes_nothing",
	  INGRESS,
	  .in = { T4(SERVER2, 20, PUB, 50006, TH_ACK) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(INBOUND_NOT_SYN, 1), C(PINHOLE_HIT, 0), C(FLOW_NEW, 0) },
	  .post = post_g6_ph_kept },
	{ .name = "state_inbound_syn_to_forward_creates_flow",
	  INGRESS,
	  .in = { T4(SERVER, 33100, PUB, 8080, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 33100, FWD_SRV, 80, TH_SYN) },
	  .cnt = { C(INBOUND_NOT_SYN, 0), C(FWD_HIT, 1), C(FLOW_NEW, 1),
		   C(TC_XLATE, 1) },
	  .fc = { SERVER, PUB, 33100, 8080, P_TCP, ST(SYN_SENT) },
	  .post = post_one_flow },
	{ .name = "state_inbound_syn_to_tcp_pinhole_creates_flow",
	  INGRESS,
	  .in = { T4(SERVER2, 20, PUB, 50006, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER2, 20, CLIENT, 6006, TH_SYN) },
	  .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1) },
	  .post = post_g6_ph_consumed },
	{ .name = "state_inbound_ack_after_syn_follows_flow",
	  INGRESS,
	  .in = { T4(SERVER, 33100, PUB, 8080, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 33100, FWD_SRV, 80, TH_ACK) },
	  .cnt = { C(INBOUND_NOT_SYN, 0), C(FLOW_NEW, 0), C(TC_XLATE, 1) },
	  .post = post_g6_two_flows },

/* ============ 7. RST window ============
	 * Handshake: client seq 1000, server seq 5000, no window scaling
	 * (windows 64240): a server RST is in window for seq within
	 * [5001 - 64241, 5001 + 64240].
	 *
	 * The three cases after a blind segment fail on the datapath of
	 * fcd3a14: flow_account() runs for an ignored RST (and for any
	 * segment from outside) and flow_track_tcp() moves tcp_end[] to its
	 * sequence number, so the blind guess becomes the window's edge: the
	 * same RST again closes the flow, and the real endpoint's RST is then
	 * out of window.
	 */
#define HS7(tag, port)                                                         \
	{ .name = "state_rst_" tag "_syn", EGRESS_FROM_INSIDE,                 \
	  .in = { TS4(CLIENT, port, SERVER, 80, TH_SYN, 1000, 0) },            \
	  .verdict = TC_OK,                                                    \
	  .out = { TS4(PUB, port, SERVER, 80, TH_SYN, 1000, 0) } },            \
	{ .name = "state_rst_" tag "_synack", INGRESS,                         \
	  .in = { TS4(SERVER, 80, PUB, port, TH_SYN | TH_ACK, 5000, 1001) },   \
	  .verdict = TC_OK,                                                    \
	  .out = { TS4(SERVER, 80, CLIENT, port, TH_SYN | TH_ACK, 5000,        \
		       1001) } },                                              \
	{ .name = "state_rst_" tag "_ack", EGRESS_FROM_INSIDE,                 \
	  .in = { TS4(CLIENT, port, SERVER, 80, TH_ACK, 1001, 5001) },         \
	  .verdict = TC_OK,                                                    \
	  .out = { TS4(PUB, port, SERVER, 80, TH_ACK, 1001, 5001) },           \
	  .fc = { CLIENT, SERVER, port, 80, P_TCP, ST(ESTABLISHED) } }
#define RST7(nm, port, sq, oow, st)                                            \
	{ .name = nm, INGRESS,                                                 \
	  .in = { TS4(SERVER, 80, PUB, port, TH_RST, sq, 0) },                 \
	  .verdict = TC_OK,                                                    \
	  .out = { TS4(SERVER, 80, CLIENT, port, TH_RST, sq, 0) },             \
	  .cnt = { C(RST_OUT_OF_WINDOW, oow), C(TC_XLATE, 1) },                \
	  .fc = { CLIENT, SERVER, port, 80, P_TCP, ST(st) } }
	HS7("in_window", 41702),
	RST7("state_rst_in_window_closes", 41702, 5001, 0, CLOSE),
	HS7("blind", 41700),
	RST7("state_rst_out_of_window_ignored", 41700, 205001, 1, ESTABLISHED),
	/* the ignored RST must not move the window: the same guess again is
	 * as blind as the first
	 */
	RST7("state_rst_out_of_window_repeated_still_ignored", 41700, 205001, 1,
	     ESTABLISHED),
	HS7("after_blind", 41701),
	RST7("state_rst_after_blind_blind_ignored", 41701, 205001, 1,
	     ESTABLISHED),
	/* ... and the real endpoint's RST still closes the flow */
	RST7("state_rst_after_blind_in_window_closes", 41701, 5001, 0, CLOSE),
	/* a blind segment that is not a RST must not move the window either */
	HS7("blind_ack", 41703),
	{ .name = "state_rst_blind_ack_out_of_window",
	  INGRESS,
	  .in = { TS4(SERVER, 80, PUB, 41703, TH_ACK, 205001, 1001),
		  .payload = 10 },
	  .verdict = TC_OK,
	  .out = { TS4(SERVER, 80, CLIENT, 41703, TH_ACK, 205001, 1001),
		   .payload = 10 },
	  .cnt = { C(RST_OUT_OF_WINDOW, 0) },
	  .fc = { CLIENT, SERVER, 41703, 80, P_TCP, ST(ESTABLISHED) } },
	RST7("state_rst_after_blind_ack_blind_rst_ignored", 41703, 205011, 1,
	     ESTABLISHED),
	/* in the window but not at the server's next sequence number (5001):
	 * passed on for the endpoint to judge, the entry kept (conntrack's
	 * rule; a stale or guessed RST must not end the binding); then the
	 * server's own RST at 5001 closes it
	 */
	HS7("not_exact", 41704),
	{ .name = "state_rst_in_window_not_exact_kept",
	  INGRESS,
	  .in = { TS4(SERVER, 80, PUB, 41704, TH_RST, 6001, 0) },
	  .verdict = TC_OK,
	  .out = { TS4(SERVER, 80, CLIENT, 41704, TH_RST, 6001, 0) },
	  .cnt = { C(RST_NOT_EXACT, 1), C(RST_OUT_OF_WINDOW, 0),
		   C(TC_XLATE, 1) },
	  .fc = { CLIENT, SERVER, 41704, 80, P_TCP, ST(ESTABLISHED) } },
	{ .name = "state_rst_exact_after_not_exact_closes",
	  INGRESS,
	  .in = { TS4(SERVER, 80, PUB, 41704, TH_RST, 5001, 0) },
	  .verdict = TC_OK,
	  .out = { TS4(SERVER, 80, CLIENT, 41704, TH_RST, 5001, 0) },
	  .cnt = { C(RST_NOT_EXACT, 0), C(TC_XLATE, 1) },
	  .fc = { CLIENT, SERVER, 41704, 80, P_TCP, ST(CLOSE) } },

	/* ============ 8. SYN on a closed tuple ============ */
	{ .name = "state_reuse_syn",
	  .reset = true,
	  .pre = pre_defaults,
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41800, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41800, SERVER, 80, TH_SYN) } },
	{ .name = "state_reuse_synack",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 41800, TH_SYN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 41800, TH_SYN | TH_ACK) } },
	{ .name = "state_reuse_ack",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41800, SERVER, 80, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41800, SERVER, 80, TH_ACK) },
	  .cnt = { C(FLOW_PROMOTED, 1) } },
	{ .name = "state_reuse_fin_client",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41800, SERVER, 80, TH_FIN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41800, SERVER, 80, TH_FIN | TH_ACK) },
	  .fc = { CLIENT, SERVER, 41800, 80, P_TCP, ST(FIN_WAIT) } },
	{ .name = "state_reuse_fin_server_time_wait",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 41800, TH_FIN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 41800, TH_FIN | TH_ACK) },
	  .fc = { CLIENT, SERVER, 41800, 80, P_TCP, ST(TIME_WAIT) },
	  .post = post_g8_mark },
	{ .name = "state_reuse_syn_on_time_wait_new_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41800, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41800, SERVER, 80, TH_SYN) },
	  .cnt = { C(TUPLE_REUSED, 1), C(FLOW_NEW, 1), C(PORT_PRESERVED, 1),
		   C(FLOW_RECLAIMED, 0), C(FLOW_ORPHAN, 0), C(TC_XLATE, 1) },
	  .fc = { CLIENT, SERVER, 41800, 80, P_TCP, ST(SYN_SENT) },
	  .post = post_g8_reused },
	/* the old answered reply half is a miss on the way */
	{ .name = "state_reuse_synack_new_flow",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 41800, TH_SYN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 41800, TH_SYN | TH_ACK) },
	  .cnt = { C(TC_XLATE, 1), C(FLOW_ORPHAN, 1), C(TUPLE_REUSED, 0) },
	  .fc = { CLIENT, SERVER, 41800, 80, P_TCP, ST(SYN_RECV) } },
	{ .name = "state_reuse_ack_new_flow_promoted",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41800, SERVER, 80, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41800, SERVER, 80, TH_ACK) },
	  .cnt = { C(FLOW_PROMOTED, 1), C(TUPLE_REUSED, 0) },
	  .fc = { CLIENT, SERVER, 41800, 80, P_TCP, ST(ESTABLISHED) },
	  .post = post_g8_promoted },

	/* a refused SYN (CLOSE, still unreplied), then the same tuple again */
	{ .name = "state_reuse_close_syn",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41801, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41801, SERVER, 80, TH_SYN) } },
	{ .name = "state_reuse_close_refused",
	  INGRESS,
	  .in = { TS4(SERVER, 80, PUB, 41801, TH_RST | TH_ACK, 0, 1001) },
	  .verdict = TC_OK,
	  .out = { TS4(SERVER, 80, CLIENT, 41801, TH_RST | TH_ACK, 0, 1001) },
	  .cnt = { C(RST_OUT_OF_WINDOW, 0) },
	  .fc = { CLIENT, SERVER, 41801, 80, P_TCP, ST(CLOSE) } },
	{ .name = "state_reuse_syn_on_close_new_flow",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41801, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41801, SERVER, 80, TH_SYN) },
	  .cnt = { C(TUPLE_REUSED, 1), C(FLOW_NEW, 1), C(PORT_PRESERVED, 1) },
	  .fc = { CLIENT, SERVER, 41801, 80, P_TCP, ST(SYN_SENT) } },

	/* a SYN on a live flow reuses nothing */
	{ .name = "state_reuse_live_syn",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41802, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41802, SERVER, 80, TH_SYN) } },
	{ .name = "state_reuse_live_synack",
	  INGRESS,
	  .in = { T4(SERVER, 80, PUB, 41802, TH_SYN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 80, CLIENT, 41802, TH_SYN | TH_ACK) } },
	{ .name = "state_reuse_live_ack",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41802, SERVER, 80, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41802, SERVER, 80, TH_ACK) } },
	{ .name = "state_reuse_syn_on_established_no_reuse",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 41802, SERVER, 80, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 41802, SERVER, 80, TH_SYN) },
	  .cnt = { C(TUPLE_REUSED, 0), C(FLOW_NEW, 0) },
	  .fc = { CLIENT, SERVER, 41802, 80, P_TCP, ST(ESTABLISHED) } },

	/* an inbound (pinhole) flow in TIME_WAIT: a new SYN consumes the new
	 * pinhole waiting for the same tuple
	 */
	{ .name = "state_reuse_ph_syn",
	  .pre = pre_g8d_ph,
	  INGRESS,
	  .in = { T4(SERVER2, 20, PUB, 50006, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER2, 20, CLIENT, 6006, TH_SYN) },
	  .cnt = { C(PINHOLE_HIT, 1), C(FLOW_NEW, 1) } },
	{ .name = "state_reuse_ph_synack",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 6006, SERVER2, 20, TH_SYN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 50006, SERVER2, 20, TH_SYN | TH_ACK) } },
	{ .name = "state_reuse_ph_ack",
	  INGRESS,
	  .in = { T4(SERVER2, 20, PUB, 50006, TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER2, 20, CLIENT, 6006, TH_ACK) },
	  .cnt = { C(FLOW_PROMOTED, 1) } },
	{ .name = "state_reuse_ph_fin_remote",
	  INGRESS,
	  .in = { T4(SERVER2, 20, PUB, 50006, TH_FIN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER2, 20, CLIENT, 6006, TH_FIN | TH_ACK) } },
	{ .name = "state_reuse_ph_fin_inside_time_wait",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(CLIENT, 6006, SERVER2, 20, TH_FIN | TH_ACK) },
	  .verdict = TC_OK,
	  .out = { T4(PUB, 50006, SERVER2, 20, TH_FIN | TH_ACK) },
	  .fc = { SERVER2, PUB, 20, 50006, P_TCP, ST(TIME_WAIT) } },
	{ .name = "state_reuse_ph_syn_on_time_wait_consumes_pinhole",
	  .pre = pre_g8d_ph,
	  INGRESS,
	  .in = { T4(SERVER2, 20, PUB, 50006, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER2, 20, CLIENT, 6006, TH_SYN) },
	  .cnt = { C(TUPLE_REUSED, 1), C(PINHOLE_HIT, 1), C(FLOW_NEW, 1) },
	  .fc = { SERVER2, PUB, 20, 50006, P_TCP, ST(SYN_SENT) },
	  .post = post_g8d_reused },

	/* ============ 9. wrong direction ============ */
	{ .name = "state_dir_setup",
	  .reset = true,
	  .pre = pre_defaults,
	  EGRESS_FROM_INSIDE,
	  .in = { U4(CLIENT, 41900, SERVER, 53) },
	  .verdict = TC_OK,
	  .out = { U4(PUB, 41900, SERVER, 53) } },
	{ .name = "state_dir_setup_reply",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41900) },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41900) } },
	{ .name = "state_dir_ingress_with_snat_original_tuple_dropped",
	  INGRESS,
	  .in = { U4(CLIENT, 41900, SERVER, 53) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(WRONG_DIRECTION, 1), C(TC_XLATE, 0), C(FLOW_NEW, 0) } },
	{ .name = "state_dir_xdp_outside_with_snat_original_tuple_passed",
	  XDP_OUT,
	  .in = { U4(CLIENT, 41900, SERVER, 53), FROM_GW },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0), C(REV_HEALED, 0) } },
	{ .name = "state_dir_egress_with_snat_reply_tuple_dropped",
	  EGRESS_FROM_INSIDE,
	  .in = { U4(SERVER, 53, PUB, 41900) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(WRONG_DIRECTION, 1), C(TC_XLATE, 0), C(FLOW_NEW, 0) } },
	{ .name = "state_dir_xdp_inside_with_snat_reply_tuple_passed",
	  XDP_IN,
	  .in = { U4(SERVER, 53, PUB, 41900), FROM_CLIENT },
	  .verdict = V_XDP_PASS,
	  .same = true,
	  .cnt = { C(XDP_FWD, 0) } },
	{ .name = "state_dir_flow_still_works",
	  INGRESS,
	  .in = { U4(SERVER, 53, PUB, 41900), .seed = 9 },
	  .verdict = TC_OK,
	  .out = { U4(SERVER, 53, CLIENT, 41900), .seed = 9 },
	  .cnt = { C(WRONG_DIRECTION, 0), C(TC_XLATE, 1) } },
	/* a port-forward's reply tuple (an inside source) from outside */
	{ .name = "state_dir_forward_syn",
	  .pre = pre_g6,
	  INGRESS,
	  .in = { T4(SERVER, 33200, PUB, 8080, TH_SYN) },
	  .verdict = TC_OK,
	  .out = { T4(SERVER, 33200, FWD_SRV, 80, TH_SYN) } },
	{ .name = "state_dir_ingress_with_dnat_reply_tuple_dropped",
	  INGRESS,
	  .in = { T4(FWD_SRV, 80, SERVER, 33200, TH_SYN | TH_ACK) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(WRONG_DIRECTION, 1), C(TC_XLATE, 0) } },
	{ .name = "state_dir_egress_with_dnat_original_tuple_dropped",
	  EGRESS_FROM_INSIDE,
	  .in = { T4(SERVER, 33200, PUB, 8080, TH_ACK) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(WRONG_DIRECTION, 1), C(TC_XLATE, 0) } },

	/* ====== 10. ICMP neither error nor echo, from outside ====== */
	{ .name = "state_icmp6_node_info_to_inside_refused",
	  .reset = true,
	  .pre = pre_defaults,
	  INGRESS,
	  .in = { IC6(SERVER6, CLIENT6, 139) },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(ICMP6_REFUSED, 1), C(INBOUND_DROP, 1), C(FLOW_NEW, 0) },
	  .post = post_no_flows },
	{ .name = "state_icmp6_node_info_to_multicast_passed",
	  INGRESS,
	  .in = { IC6(SERVER6, "ff02::1", 139) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(ICMP6_REFUSED, 0), C(INBOUND_DROP, 0) } },
	{ .name = "state_icmp6_node_info_to_link_local_passed",
	  INGRESS,
	  .in = { IC6("fe80::99", "fe80::1", 139) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(ICMP6_REFUSED, 0), C(INBOUND_DROP, 0) } },
	{ .name = "state_icmp6_node_info_to_gateway_passed",
	  INGRESS,
	  .in = { IC6(SERVER6, OUT6_ADDR, 139) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(ICMP6_REFUSED, 0), C(LOCAL_PASS, 1) } },
	{ .name = "state_icmp6_router_advert_to_all_nodes_passed",
	  INGRESS,
	  .in = { IC6("fe80::fe", "ff02::1", 134) },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(ICMP6_REFUSED, 0) } },
	{ .name = "state_icmp4_timestamp_to_inside_dropped",
	  INGRESS,
	  .in = { .family = 4,
		  .proto = P_ICMP,
		  .src = SERVER,
		  .dst = CLIENT,
		  .icmp_type = 13,
		  .payload = 12 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(ICMP6_REFUSED, 0) } },

	/* ============ 11. IPv6 fragments from outside ============ */
	{ .name = "state_frag6_setup_flow",
	  .reset = true,
	  .pre = pre_defaults,
	  EGRESS_FROM_INSIDE,
	  .in = { U6(CLIENT6, 41100, SERVER6, 53), .payload = 40 },
	  .verdict = TC_OK,
	  .same = true,
	  .cnt = { C(FLOW_NEW, 1) } },
	{ .name = "state_frag6_lone_later_fragment_dropped",
	  INGRESS,
	  .frag = 2,
	  .in = { U6(SERVER6, 53, CLIENT6, 41100), .payload = 3000,
		  .ip_id = 0x1111 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(FRAG_MISS, 1), C(INBOUND_DROP, 1), C(FRAG_XLATE, 0) } },
	{ .name = "state_frag6_first_fragment_of_flow_admitted",
	  INGRESS,
	  .frag = 1,
	  .in = { U6(SERVER6, 53, CLIENT6, 41100), .payload = 3000,
		  .ip_id = 0x2222 },
	  .verdict = TC_OK,
	  .same = true,
	  .cnt = { C(TC_XLATE, 1), C(INBOUND_DROP, 0), C(FRAG_COLLISION, 0) },
	  .post = post_g11_recorded },
	{ .name = "state_frag6_later_fragment_same_id_passed",
	  INGRESS,
	  .frag = 2,
	  .in = { U6(SERVER6, 53, CLIENT6, 41100), .payload = 3000,
		  .ip_id = 0x2222 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FRAG_XLATE, 1), C(FRAG_MISS, 0), C(INBOUND_DROP, 0) } },
	{ .name = "state_frag6_later_fragment_other_id_dropped",
	  INGRESS,
	  .frag = 2,
	  .in = { U6(SERVER6, 53, CLIENT6, 41100), .payload = 3000,
		  .ip_id = 0x2223 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(FRAG_MISS, 1), C(FRAG_XLATE, 0) } },
	{ .name = "state_frag6_unsolicited_first_fragment_dropped",
	  INGRESS,
	  .frag = 1,
	  .in = { U6(SERVER6, 5555, CLIENT6, 41999), .payload = 3000,
		  .ip_id = 0x3333 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(INBOUND_DROP, 1), C(FLOW_NEW, 0) },
	  .post = post_g11_unsolicited_not_recorded },
	{ .name = "state_frag6_unsolicited_later_fragment_dropped",
	  INGRESS,
	  .frag = 2,
	  .in = { U6(SERVER6, 5555, CLIENT6, 41999), .payload = 3000,
		  .ip_id = 0x3333 },
	  .verdict = TC_SHOT,
	  .same = true,
	  .cnt = { C(FRAG_MISS, 1), C(FRAG_XLATE, 0) } },
	{ .name = "state_frag6_later_fragment_to_gateway_passed",
	  INGRESS,
	  .frag = 2,
	  .in = { U6(SERVER6, 5555, OUT6_ADDR, 5353), .payload = 3000,
		  .ip_id = 0x4444 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FRAG_MISS, 0), C(LOCAL_PASS, 1) } },
	{ .name = "state_frag6_outbound_later_fragment_untouched",
	  EGRESS_FROM_INSIDE,
	  .frag = 2,
	  .in = { U6(CLIENT6, 41100, SERVER6, 53), .payload = 3000,
		  .ip_id = 0x5555 },
	  .verdict = TC_UNSPEC,
	  .same = true,
	  .cnt = { C(FRAG_MISS, 0) } },
};

void run_state_table(void)
{
	char why[512], p[256];
	size_t i;

	snprintf(p, sizeof(p), "%s/frags6", E.pin);
	m_frags6 = bpf_obj_get(p);
	if (m_frags6 < 0)
		fprintf(stderr, "state_cases: %s: %s\n", p, strerror(errno));
	for (i = 0; i < ARRAY_SIZE(table); i++) {
		why[0] = 0;
		report(table[i].name, !run_case(&table[i], why, sizeof(why)),
		       why);
	}
	/* leave what the next tests expect */
	state_reset();
	pre_defaults();
}
