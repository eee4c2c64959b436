/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * harness.h - environment of the BPF tests: a private network namespace with
 * a veth pair (in0 inside, out0 outside), both skeletons loaded with their
 * maps pinned in a private bpffs directory, and helpers to run a program on
 * a packet, read counters and reset state.  Teardown always runs (atexit and
 * signals) and removes the namespace and the pins.
 */
#ifndef BPFALG_TEST_HARNESS_H
#define BPFALG_TEST_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "bpfalg.h"
#include "flowtab.h"
#include "pkt.h"

/* Topology (inside the test namespace). */
#define IN_ADDR "10.0.1.1" /* in0 */
#define OUT_ADDR "192.0.2.1" /* out0 = cfg.public_v4 */
#define PUB "192.0.2.1"
#define OUT_GW "192.0.2.254" /* default route, permanent neighbour */
#define CLIENT "10.0.1.2" /* permanent neighbour on in0 */
#define CLIENT2 "10.0.1.3"
#define CLIENT_NONEIGH "10.0.1.77" /* no neighbour entry */
#define SERVER "198.51.100.10" /* behind OUT_GW */
#define SERVER2 "198.51.100.11"
#define ROUTER "203.0.113.1" /* sends ICMP errors */
#define IN6_ADDR "fd00:1::1"
#define OUT6_ADDR "2001:db8:2::1"
#define CLIENT6 "fd00:1::2"
#define SERVER6 "2001:db8:9::10"
#define OUT6_GW "2001:db8:2::fe"

extern const __u8 MAC_IN0[6], MAC_OUT0[6], MAC_CLIENT[6], MAC_GW[6];

#define PORT_MIN 1024
#define PORT_MAX 49999

enum prog_id { PR_TC_IN, PR_TC_OUT, PR_XDP };
enum if_sym { IFS_NONE = 0, IFS_IN, IFS_OUT };

#define TC_UNSPEC (-1)
/* Translated or accepted: handed on as TCX_NEXT like what is not ours
 * (tc_alg.c's one exit); the cases tell them apart by bytes and counters.
 */
#define TC_OK TC_UNSPEC
#define TC_SHOT 2
#define V_XDP_ABORTED 0
#define V_XDP_DROP 1
#define V_XDP_PASS 2
#define V_XDP_TX 3
#define V_XDP_REDIRECT 4

struct env {
	char ns[64];
	char pin[128];
	int orig_netns;
	int ifin, ifout;
	int prog[3];
	int m_cfg, m_ifaces, m_pinholes, m_forwards, m_frags, m_counters;
	/* The flow table's eight maps, as user/flowtab.h opens them:
	 * ft.orig[FLOWTAB_V4 / FLOWTAB_V6][FLOWTAB_ANSWERED / UNREPLIED],
	 * ft.rev[...] likewise.
	 */
	struct flowtab ft;
	int m_nh; /* XDP's next-hop cache */
	int ncpus;
	bool verbose;
};

extern struct env E;

/* The live original half keyed @k, answered or unreplied: 0 found. */
int flow_lookup(const struct bpfalg_tuple *k, struct bpfalg_flow *f);
/* Both halves of the flow @k gone, as an LRU eviction of both would. */
void flow_evict(const struct bpfalg_tuple *k);
/* Live original halves in both pairs. */
int flows_count(void);
/* Reply halves (live or not) in both pairs. */
int revs_count(void);

/*
 * One half of pair @pair (FLOWTAB_ANSWERED, FLOWTAB_UNREPLIED), keyed by
 * tuple: the family picks the map and the key's form.  0 on success.
 * half_get() returns the original half as stored, dead or not.
 */
int half_get(int pair, const struct bpfalg_tuple *o, struct bpfalg_flow *f);
int half_del(int pair, const struct bpfalg_tuple *o);
/* The reply half keyed @r: its owner's tuple and cookie. */
int rev_get(int pair, const struct bpfalg_tuple *r, struct bpfalg_tuple *orig,
	    __u32 *cookie);
/* Write (BPF_ANY) a reply half keyed @r naming @orig with @cookie. */
int rev_put(int pair, const struct bpfalg_tuple *r,
	    const struct bpfalg_tuple *orig, __u32 cookie);
int rev_del(int pair, const struct bpfalg_tuple *r);

struct run_res {
	int err; /* syscall error (-errno) */
	int verdict;
	__u8 out[PKT_MAX];
	__u32 out_len;
	__u32 duration;
};

int env_setup(void);
void env_teardown(void);
int sh(const char *fmt, ...);

int ifindex_of(enum if_sym s);
int run_prog(enum prog_id p, enum if_sym ifx, enum if_sym iif, __u32 mark,
	     const __u8 *in, int len, struct run_res *r);

void counters_read(__u64 out[BPFALG_CNT_MAX]);
const char *counter_name(int idx);
void state_reset(void); /* flows, reply index, frags, pinholes, forwards */
int config_write(__u16 port_min, __u16 port_max, __u32 flags);
int iface_set(enum if_sym s, __u32 role, __u32 flags);
/* A pinned map of the environment by name; -1 (reason on stderr). */
int open_pin(const char *name);
/* A tuple from text: @family 4 or 6, addresses, host-order ports. */
void tuple_of(struct bpfalg_tuple *t, int family, __u8 proto, const char *s,
	      __u16 sp, const char *d, __u16 dp);

__u32 ip4(const char *s); /* network order */
void tuple4(struct bpfalg_tuple *t, __u8 proto, const char *s, __u16 sp,
	    const char *d, __u16 dp);
__u64 mono_ns(void); /* user/pins.c */
int map_count(int fd, size_t keysz);
int maps_shared(char *why, size_t n);
int env_map_fds(int *fds, const char **names, int max);

/* Result reporting. */
extern int n_pass, n_fail;
void report(const char *name, bool ok, const char *why);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
