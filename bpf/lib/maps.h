/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * maps.h - every map of the datapath, one line of purpose each.
 *
 * Both objects (xdp_alg, tc_alg) include this file; every map is pinned by
 * name under the loader's pin_root_path, so the second object to load, a
 * restarted daemon and any `algctl` inspection all reuse the same maps.
 * Sizes marked "set by loader" are overridden with bpf_map__set_max_entries().
 */
#ifndef BPFALG_MAPS_H
#define BPFALG_MAPS_H

#include "bpfalg.h"

/* Runtime configuration: public address, port range, timeouts (1 entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfalg_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cfg SEC(".maps");

/* Interfaces we are attached to and their role (inside/outside). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFALG_MAX_IFACES);
	__type(key, __u32); /* ifindex */
	__type(value, struct bpfalg_iface);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ifaces SEC(".maps");

/* BPFALG_IFF_* by ifindex, for XDP's per-packet check (an array lookup is
 * inlined; a hash lookup is not).  Mirrors ifaces[].flags.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPFALG_MAX_IFINDEX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} iface_flags SEC(".maps");

/*
 * The flow table: eight LRU maps, an original and a reply half for each of
 * answered and unreplied flows, for each family (bpfalg.h explains the
 * halves and their cookie, docs/datapath.md why).  IPv4 keys are the
 * 16-byte struct bpfalg_key4.  Sizes set by loader (--flows; IPv6 a quarter).
 */
#define FLOW_MAPS(fam, key_t, rev_t)                                         \
	/* Original halves of flows that have been answered. */              \
	struct {                                                             \
		__uint(type, BPF_MAP_TYPE_LRU_HASH);                         \
		__uint(max_entries, BPFALG_DEFAULT_FLOWS);                   \
		__type(key, key_t);                                          \
		__type(value, struct bpfalg_flow);                           \
		__uint(pinning, LIBBPF_PIN_BY_NAME);                         \
	} flows##fam SEC(".maps");                                           \
	/* Their reply halves: reply key -> original key and cookie. */      \
	struct {                                                             \
		__uint(type, BPF_MAP_TYPE_LRU_HASH);                         \
		__uint(max_entries, BPFALG_DEFAULT_FLOWS);                   \
		__type(key, key_t);                                          \
		__type(value, rev_t);                                        \
		__uint(pinning, LIBBPF_PIN_BY_NAME);                         \
	} flow_rev##fam SEC(".maps");                                        \
	/* Original halves of unreplied flows: a flood evicts only these. */ \
	struct {                                                             \
		__uint(type, BPF_MAP_TYPE_LRU_HASH);                         \
		__uint(max_entries, BPFALG_DEFAULT_FLOWS);                   \
		__type(key, key_t);                                          \
		__type(value, struct bpfalg_flow);                           \
		__uint(pinning, LIBBPF_PIN_BY_NAME);                         \
	} flows##fam##_new SEC(".maps");                                     \
	/* Their reply halves; inserting one claims a public tuple. */       \
	struct {                                                             \
		__uint(type, BPF_MAP_TYPE_LRU_HASH);                         \
		__uint(max_entries, BPFALG_DEFAULT_FLOWS);                   \
		__type(key, key_t);                                          \
		__type(value, rev_t);                                        \
		__uint(pinning, LIBBPF_PIN_BY_NAME);                         \
	} flow_rev##fam##_new SEC(".maps");

FLOW_MAPS(4, struct bpfalg_key4, struct bpfalg_rev4)
FLOW_MAPS(6, struct bpfalg_tuple, struct bpfalg_rev6)

/* XDP's next hop per destination (a FIB lookup at most once a second). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFALG_MAX_NEXTHOPS);
	__type(key, struct bpfalg_nh_key);
	__type(value, struct bpfalg_nexthop);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nh_cache SEC(".maps");

/* The inside prefixes (--inside-prefix); the value is 0 for now. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, BPFALG_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bpfalg_prefix_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} inside_prefixes SEC(".maps");

/* Answered flows each inside address originated (--max-flows-per-host). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFALG_MAX_HOSTS);
	__type(key, struct bpfalg_host_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} host_answered SEC(".maps");

/* Expectations filled by the ALGs: remote + public port -> inside target. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFALG_MAX_PINHOLES);
	__type(key, struct bpfalg_pinhole_key);
	__type(value, struct bpfalg_pinhole);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinholes SEC(".maps");

/* Port-forwards on the public address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFALG_MAX_FORWARDS);
	__type(key, struct bpfalg_fwd_key);
	__type(value, struct bpfalg_fwd);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} forwards SEC(".maps");

/* IPv4 fragments in flight: IP ID -> addresses of the first fragment. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFALG_MAX_FRAGS);
	__type(key, struct bpfalg_frag_key);
	__type(value, struct bpfalg_frag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frags SEC(".maps");

/* IPv6 fragments in flight: first fragments admitted from outside. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFALG_MAX_FRAGS6);
	__type(key, struct bpfalg_frag6_key);
	__type(value, __u64); /* when the first fragment passed */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frags6 SEC(".maps");

/* Per-protocol ALG mode and control ports. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPFALG_ALG_MAX);
	__type(key, __u32);
	__type(value, struct bpfalg_alg_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alg_cfg SEC(".maps");

/* Datapath counters, per CPU, summed by algctl. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfalg_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

/* Control-channel packets punted to the controller (TC only writes it). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BPFALG_PUNT_RB_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} punt_rb SEC(".maps");

/* Control flows the controller has state for: seq/ack history, bypass. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFALG_MAX_CTL);
	/* whole-value replacement is atomic for readers only without
	 * preallocation: TC never sees half an update
	 */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bpfalg_tuple);
	__type(value, struct bpfalg_ctl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ctl SEC(".maps");

/* The newest rewritten line per control-flow direction, kept for a
 * restarted controller (userspace only: see struct bpfalg_replay).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * BPFALG_MAX_CTL);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bpfalg_replay_key);
	__type(value, struct bpfalg_replay);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ctl_replay SEC(".maps");

/* Per-ALG punt and fail-policy counters of the datapath, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BPFALG_ALG_MAX);
	__type(key, __u32);
	__type(value, struct bpfalg_alg_dp_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alg_dp_stats SEC(".maps");

/* Per-ALG counters of the controller (written by userspace only). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPFALG_ALG_MAX);
	__type(key, __u32);
	__type(value, struct bpfalg_alg_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} alg_stats SEC(".maps");

/* SIP calls the controller tracks (algctl calls); no program reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFALG_MAX_CALLS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64); /* hash of the control flow and Call-ID */
	__type(value, struct bpfalg_call);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} calls SEC(".maps");

#endif /* BPFALG_MAPS_H */
