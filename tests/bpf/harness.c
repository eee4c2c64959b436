// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * harness.c - namespace, veth pair, skeletons, pins; running a program on
 * one packet with bpf_prog_test_run_opts; counters and state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "util/bpffs.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "xdp_alg.skel.h"
#include "tc_alg.skel.h"
#pragma GCC diagnostic pop

const __u8 MAC_IN0[6] = { 0x02, 0, 0, 0, 0x01, 0x01 };
const __u8 MAC_OUT0[6] = { 0x02, 0, 0, 0, 0x02, 0x01 };
const __u8 MAC_CLIENT[6] = { 0x02, 0, 0, 0, 0x0a, 0x02 };
const __u8 MAC_GW[6] = { 0x02, 0, 0, 0, 0xfe, 0xfe };

struct env E = { .orig_netns = -1 };
static struct xdp_alg *xskel;
static struct tc_alg *tskel;
static volatile sig_atomic_t torn_down;
static bool ns_created;

int n_pass, n_fail;

void report(const char *name, bool ok, const char *why)
{
	if (ok) {
		n_pass++;
		printf("PASS %s\n", name);
	} else {
		n_fail++;
		printf("FAIL %s: %s\n", name, why && *why ? why : "?");
	}
	fflush(stdout);
}

int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (E.verbose)
		fprintf(stderr, "+ %s\n", cmd);
	rc = system(cmd);
	if (rc) {
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
		return -1;
	}
	return 0;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static void rm_pins(void)
{
	DIR *d;
	struct dirent *de;
	char p[512];

	if (!E.pin[0])
		return;
	d = opendir(E.pin);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", E.pin, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(E.pin);
}

void env_teardown(void)
{
	if (torn_down)
		return;
	torn_down = 1;
	tc_alg__destroy(tskel);
	xdp_alg__destroy(xskel);
	tskel = NULL;
	xskel = NULL;
	rm_pins();
	if (E.orig_netns >= 0) {
		setns(E.orig_netns, CLONE_NEWNET);
		close(E.orig_netns);
		E.orig_netns = -1;
	}
	if (ns_created) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null",
			 E.ns);
		if (system(cmd))
			fprintf(stderr, "teardown: could not delete netns %s\n",
				E.ns);
		ns_created = false;
	}
}

static void on_signal(int sig)
{
	env_teardown();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt,
			va_list ap)
{
	if (lvl == LIBBPF_DEBUG && !E.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

__u32 ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

void tuple4(struct bpfalg_tuple *t, __u8 proto, const char *s, __u16 sp,
	    const char *d, __u16 dp)
{
	memset(t, 0, sizeof(*t));
	t->saddr[0] = ip4(s);
	t->daddr[0] = ip4(d);
	t->sport = htons(sp);
	t->dport = htons(dp);
	t->proto = proto;
	t->family = BPFALG_AF_INET;
}

int config_write(__u16 port_min, __u16 port_max, __u32 flags)
{
	struct bpfalg_config c = {
		.layout_version = BPFALG_LAYOUT_VERSION,
		.flags = flags,
		.public_v4 = ip4(PUB),
		.outside_ifindex = E.ifout,
		.port_min = port_min,
		.port_max = port_max,
		.fail_policy = BPFALG_FAIL_DROP,
		.timeouts = {
			.tcp_syn = 120,
			.tcp_established = 432000,
			.tcp_fin = 120,
			.tcp_close = 10,
			.udp = 30,
			.udp_stream = 120,
			.icmp = 30,
		},
	};
	__u32 zero = 0;

	return bpf_map_update_elem(E.m_cfg, &zero, &c, BPF_ANY);
}

int open_pin(const char *name)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", E.pin, name);
	fd = bpf_obj_get(p);
	if (fd < 0)
		fprintf(stderr, "bpf_tests: %s: %s\n", p, strerror(errno));
	return fd;
}

void tuple_of(struct bpfalg_tuple *t, int family, __u8 proto, const char *s,
	      __u16 sp, const char *d, __u16 dp)
{
	int af = family == 6 ? AF_INET6 : AF_INET;

	memset(t, 0, sizeof(*t));
	inet_pton(af, s, t->saddr);
	inet_pton(af, d, t->daddr);
	t->sport = htons(sp);
	t->dport = htons(dp);
	t->proto = proto;
	t->family = family == 6 ? BPFALG_AF_INET6 : BPFALG_AF_INET;
}

int iface_set(enum if_sym s, __u32 role, __u32 flags)
{
	struct bpfalg_iface v = { .role = role, .flags = flags };
	__u32 k = ifindex_of(s), bits = bpfalg_iface_bits(role, flags);

	/* what the loader does: the role map, and the flag array */
	if (bpf_map_update_elem(bpf_map__fd(xskel->maps.iface_flags), &k,
				&bits, BPF_ANY))
		return -1;
	return bpf_map_update_elem(E.m_ifaces, &k, &v, BPF_ANY);
}

static int netns_setup(void)
{
	char path[128];
	int fd;

	snprintf(E.ns, sizeof(E.ns), "bpfalg-bt-%d", getpid());
	E.orig_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (E.orig_netns < 0)
		return -errno;
	if (sh("ip netns add %s", E.ns))
		return -1;
	ns_created = true;
	snprintf(path, sizeof(path), "/run/netns/%s", E.ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "cannot enter netns %s: %s\n", E.ns,
			strerror(errno));
		return -1;
	}
	close(fd);
	if (sh("ip link set lo up") ||
	    sh("ip link add in0 address 02:00:00:00:01:01 type veth peer name out0 address 02:00:00:00:02:01") ||
	    sh("ip addr add " IN_ADDR "/24 dev in0") ||
	    sh("ip addr add " OUT_ADDR "/24 dev out0") ||
	    sh("ip -6 addr add " IN6_ADDR "/64 dev in0 nodad") ||
	    sh("ip -6 addr add " OUT6_ADDR "/64 dev out0 nodad") ||
	    sh("ip link set in0 up") || sh("ip link set out0 up") ||
	    sh("ip route add default via " OUT_GW " dev out0") ||
	    sh("ip -6 route add default via " OUT6_GW " dev out0") ||
	    sh("ip neigh replace " OUT_GW " lladdr 02:00:00:00:fe:fe dev out0 nud permanent") ||
	    sh("ip neigh replace " CLIENT " lladdr 02:00:00:00:0a:02 dev in0 nud permanent") ||
	    sh("ip neigh replace " CLIENT2 " lladdr 02:00:00:00:0a:03 dev in0 nud permanent") ||
	    sh("ip -6 neigh replace " OUT6_GW " lladdr 02:00:00:00:fe:fe dev out0 nud permanent") ||
	    sh("ip -6 neigh replace " CLIENT6 " lladdr 02:00:00:00:0a:02 dev in0 nud permanent"))
		return -1;
	if (write_file("/proc/sys/net/ipv4/ip_forward", "1") ||
	    write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1"))
		fprintf(stderr, "warning: cannot enable forwarding\n");
	E.ifin = if_nametoindex("in0");
	E.ifout = if_nametoindex("out0");
	if (!E.ifin || !E.ifout)
		return -1;
	return 0;
}

/* The fd of xdp_alg's map @name (the same map as tc_alg's: pinned). */
static int map_fd(const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(xskel->obj, name);

	if (!m) {
		fprintf(stderr, "xdp_alg has no map %s\n", name);
		return -1;
	}
	return bpf_map__fd(m);
}

static int load_objects(void)
{
	char err[256];
	LIBBPF_OPTS(bpf_object_open_opts, oo);

	snprintf(E.pin, sizeof(E.pin), "/sys/fs/bpf/%s", E.ns);
	if (bpffs_ensure(E.pin, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	oo.pin_root_path = E.pin;
	xskel = xdp_alg__open_opts(&oo);
	if (!xskel || xdp_alg__load(xskel)) {
		fprintf(stderr, "cannot load xdp_alg\n");
		return -1;
	}
	tskel = tc_alg__open_opts(&oo);
	if (!tskel || tc_alg__load(tskel)) {
		fprintf(stderr, "cannot load tc_alg\n");
		return -1;
	}
	E.prog[PR_XDP] = bpf_program__fd(xskel->progs.xdp_alg);
	E.prog[PR_TC_IN] = bpf_program__fd(tskel->progs.tc_ingress);
	E.prog[PR_TC_OUT] = bpf_program__fd(tskel->progs.tc_egress);
	E.m_cfg = bpf_map__fd(xskel->maps.cfg);
	E.m_ifaces = bpf_map__fd(xskel->maps.ifaces);
	for (int a = 0; a < FLOWTAB_FAMS; a++) {
		for (int p = 0; p < FLOWTAB_PAIRS; p++) {
			E.ft.orig[a][p] = map_fd(flowtab_orig_name[a][p]);
			E.ft.rev[a][p] = map_fd(flowtab_rev_name[a][p]);
			if (E.ft.orig[a][p] < 0 || E.ft.rev[a][p] < 0)
				return -1;
		}
	}
	E.m_nh = bpf_map__fd(xskel->maps.nh_cache);
	E.m_pinholes = bpf_map__fd(xskel->maps.pinholes);
	E.m_forwards = bpf_map__fd(xskel->maps.forwards);
	E.m_frags = bpf_map__fd(xskel->maps.frags);
	E.m_counters = bpf_map__fd(xskel->maps.counters);
	E.ncpus = libbpf_num_possible_cpus();

	/* The test frames carry complete checksums, like frames from a
	 * wire: the XDP fast path is allowed on both interfaces, and both
	 * take native XDP redirects (as veths with XDP attached natively).
	 */
	if (iface_set(IFS_IN, BPFALG_ROLE_INSIDE,
		      BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET) ||
	    iface_set(IFS_OUT, BPFALG_ROLE_OUTSIDE,
		      BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_TARGET))
		return -1;
	return config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST);
}

/* Both objects must see the same map, not two copies. */
int maps_shared(char *why, size_t n)
{
	static const char *const names[] = {
		"cfg",		 "flows4",   "flow_rev4", "flows4_new",
		"flow_rev4_new", "flows6",   "flow_rev6", "flows6_new",
		"flow_rev6_new", "nh_cache", "counters",
	};
	struct bpf_map *a[ARRAY_SIZE(names)], *b[ARRAY_SIZE(names)];
	struct bpf_map_info ia, ib;
	__u32 la, lb;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		a[i] = bpf_object__find_map_by_name(xskel->obj, names[i]);
		b[i] = bpf_object__find_map_by_name(tskel->obj, names[i]);
		if (!a[i] || !b[i]) {
			snprintf(why, n, "map %s missing in %s", names[i],
				 a[i] ? "tc_alg" : "xdp_alg");
			return -1;
		}
	}
	for (i = 0; i < ARRAY_SIZE(a); i++) {
		la = sizeof(ia);
		lb = sizeof(ib);
		memset(&ia, 0, sizeof(ia));
		memset(&ib, 0, sizeof(ib));
		if (bpf_obj_get_info_by_fd(bpf_map__fd(a[i]), &ia, &la) ||
		    bpf_obj_get_info_by_fd(bpf_map__fd(b[i]), &ib, &lb)) {
			snprintf(why, n, "map info: %s", strerror(errno));
			return -1;
		}
		if (ia.id != ib.id) {
			snprintf(why, n, "map %s: xdp id %u, tc id %u",
				 bpf_map__name(a[i]), ia.id, ib.id);
			return -1;
		}
	}
	return 0;
}

/* Map fds for the memory report of the benchmark. */
int env_map_fds(int *fds, const char **names, int max)
{
	struct bpf_map *m;
	int n = 0;

	bpf_object__for_each_map(m, xskel->obj) {
		if (n >= max)
			break;
		fds[n] = bpf_map__fd(m);
		names[n] = bpf_map__name(m);
		n++;
	}
	return n;
}

int env_setup(void)
{
	libbpf_set_print(libbpf_print);
	atexit(env_teardown);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGABRT, on_signal);
	if (netns_setup())
		return -1;
	return load_objects();
}

int ifindex_of(enum if_sym s)
{
	switch (s) {
	case IFS_IN:
		return E.ifin;
	case IFS_OUT:
		return E.ifout;
	default:
		return 0;
	}
}

int run_prog(enum prog_id p, enum if_sym ifx, enum if_sym iif, __u32 mark,
	     const __u8 *in, int len, struct run_res *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out),
		    .repeat = 1);
	struct __sk_buff skb = {};
	struct xdp_md md = {};
	int rc;

	if (p == PR_XDP) {
		md.data_end = len;
		md.ingress_ifindex = ifindex_of(ifx);
		o.ctx_in = &md;
		o.ctx_size_in = sizeof(md);
	} else {
		skb.ifindex = ifindex_of(ifx);
		skb.ingress_ifindex = ifindex_of(iif);
		skb.mark = mark;
		o.ctx_in = &skb;
		o.ctx_size_in = sizeof(skb);
	}
	rc = bpf_prog_test_run_opts(E.prog[p], &o);
	r->err = rc ? -errno : 0;
	r->verdict = (int)o.retval;
	r->out_len = o.data_size_out;
	r->duration = o.duration;
	return r->err;
}

void counters_read(__u64 out[BPFALG_CNT_MAX])
{
	size_t sz = (sizeof(struct bpfalg_counters) + 7) & ~7UL;
	__u8 *buf = calloc(E.ncpus, sz);
	__u32 zero = 0;
	int c, i;

	memset(out, 0, sizeof(__u64) * BPFALG_CNT_MAX);
	if (!buf)
		return;
	if (!bpf_map_lookup_elem(E.m_counters, &zero, buf)) {
		for (c = 0; c < E.ncpus; c++) {
			struct bpfalg_counters *v = (void *)(buf + c * sz);

			for (i = 0; i < BPFALG_CNT_MAX; i++)
				out[i] += v->c[i];
		}
	}
	free(buf);
}

const char *counter_name(int idx)
{
	static const char *const n[BPFALG_CNT_MAX] = {
		[BPFALG_CNT_RX] = "RX",
		[BPFALG_CNT_XDP_FWD] = "XDP_FWD",
		[BPFALG_CNT_XDP_PASS_NEIGH] = "XDP_PASS_NEIGH",
		[BPFALG_CNT_TC_XLATE] = "TC_XLATE",
		[BPFALG_CNT_NOT_OURS] = "NOT_OURS",
		[BPFALG_CNT_FLOW_NEW] = "FLOW_NEW",
		[BPFALG_CNT_FLOW_TABLE_FULL] = "FLOW_TABLE_FULL",
		[BPFALG_CNT_FLOW_RECLAIMED] = "FLOW_RECLAIMED",
		[BPFALG_CNT_FLOW_ORPHAN] = "FLOW_ORPHAN",
		[BPFALG_CNT_PORT_PRESERVED] = "PORT_PRESERVED",
		[BPFALG_CNT_PORT_REMAPPED] = "PORT_REMAPPED",
		[BPFALG_CNT_PORT_RETRIES] = "PORT_RETRIES",
		[BPFALG_CNT_PORT_EXHAUSTED] = "PORT_EXHAUSTED",
		[BPFALG_CNT_INBOUND_DROP] = "INBOUND_DROP",
		[BPFALG_CNT_LOCAL_PASS] = "LOCAL_PASS",
		[BPFALG_CNT_FWD_HIT] = "FWD_HIT",
		[BPFALG_CNT_PINHOLE_HIT] = "PINHOLE_HIT",
		[BPFALG_CNT_PINHOLE_REFUSED] = "PINHOLE_REFUSED",
		[BPFALG_CNT_ICMP_ERR_XLATE] = "ICMP_ERR_XLATE",
		[BPFALG_CNT_ICMP_ERR_DROP] = "ICMP_ERR_DROP",
		[BPFALG_CNT_FRAG_XLATE] = "FRAG_XLATE",
		[BPFALG_CNT_FRAG_MISS] = "FRAG_MISS",
		[BPFALG_CNT_MALFORMED] = "MALFORMED",
		[BPFALG_CNT_TCP_MIDSTREAM] = "TCP_MIDSTREAM",
		[BPFALG_CNT_TCP_INVALID] = "TCP_INVALID",
		[BPFALG_CNT_PUNT] = "PUNT",
		[BPFALG_CNT_PUNT_FAIL] = "PUNT_FAIL",
		[BPFALG_CNT_SEQADJ] = "SEQADJ",
		[BPFALG_CNT_SACK_UNALIGNED] = "SACK_UNALIGNED",
		[BPFALG_CNT_FLOW_EVENT_DROP] = "FLOW_EVENT_DROP",
		[BPFALG_CNT_FLOW_PROMOTED] = "FLOW_PROMOTED",
		[BPFALG_CNT_REV_HEALED] = "REV_HEALED",
		[BPFALG_CNT_TUPLE_REUSED] = "TUPLE_REUSED",
		[BPFALG_CNT_RST_OUT_OF_WINDOW] = "RST_OUT_OF_WINDOW",
		[BPFALG_CNT_INBOUND_NOT_SYN] = "INBOUND_NOT_SYN",
		[BPFALG_CNT_FRAG_COLLISION] = "FRAG_COLLISION",
		[BPFALG_CNT_FIB_FAIL_PASS] = "FIB_FAIL_PASS",
		[BPFALG_CNT_WRONG_DIRECTION] = "WRONG_DIRECTION",
		[BPFALG_CNT_ICMP6_REFUSED] = "ICMP6_REFUSED",
		[BPFALG_CNT_PORT_SEARCH] = "PORT_SEARCH",
		[BPFALG_CNT_HOST_LIMIT] = "HOST_LIMIT",
		[BPFALG_CNT_TC_REDIRECT] = "TC_REDIRECT",
		[BPFALG_CNT_RST_NOT_EXACT] = "RST_NOT_EXACT",
		[BPFALG_CNT_BYTES_OUT] = "BYTES_OUT",
		[BPFALG_CNT_BYTES_IN] = "BYTES_IN",
		[BPFALG_CNT_TC_FORWARDED] = "TC_FORWARDED",
		[BPFALG_CNT_TC_PASSED] = "TC_PASSED",
		[BPFALG_CNT_DROP + BPFALG_DROP_OTHER] = "DROP_OTHER",
		[BPFALG_CNT_DROP + BPFALG_DROP_MALFORMED] = "DROP_MALFORMED",
		[BPFALG_CNT_DROP + BPFALG_DROP_UNSOLICITED] =
			"DROP_UNSOLICITED",
		[BPFALG_CNT_DROP + BPFALG_DROP_NO_FLOW] = "DROP_NO_FLOW",
		[BPFALG_CNT_DROP + BPFALG_DROP_FAIL_POLICY] =
			"DROP_FAIL_POLICY",
	};

	return idx >= 0 && idx < BPFALG_CNT_MAX && n[idx] ? n[idx] : "?";
}

static void map_clear(int fd, size_t keysz)
{
	__u8 key[256];

	if (keysz > sizeof(key))
		return;
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			break;
}

int map_count(int fd, size_t keysz)
{
	__u8 key[256], next[256];
	void *prev = NULL;
	int n = 0;

	if (keysz > sizeof(key))
		return -1;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, keysz);
		prev = key;
		n++;
	}
	return n;
}

/* The flow maps through flowtab's per-half access (the same key forms and
 * reply-half values algctl uses).
 */
int half_get(int pair, const struct bpfalg_tuple *o, struct bpfalg_flow *f)
{
	return flowtab_half_get(&E.ft, pair, o, f);
}

int half_del(int pair, const struct bpfalg_tuple *o)
{
	return flowtab_half_del(&E.ft, pair, o);
}

int rev_get(int pair, const struct bpfalg_tuple *r, struct bpfalg_tuple *orig,
	    __u32 *cookie)
{
	return flowtab_rev_get(&E.ft, pair, r, orig, cookie);
}

int rev_put(int pair, const struct bpfalg_tuple *r,
	    const struct bpfalg_tuple *orig, __u32 cookie)
{
	return flowtab_rev_put(&E.ft, pair, r, orig, cookie, BPF_ANY);
}

int rev_del(int pair, const struct bpfalg_tuple *r)
{
	return flowtab_rev_del(&E.ft, pair, r);
}

int flow_lookup(const struct bpfalg_tuple *k, struct bpfalg_flow *f)
{
	for (int p = 0; p < FLOWTAB_PAIRS; p++)
		if (!half_get(p, k, f) && f->cookie != BPFALG_COOKIE_DEAD)
			return 0;
	return -1;
}

void flow_evict(const struct bpfalg_tuple *k)
{
	struct bpfalg_tuple reply;
	struct bpfalg_flow f;

	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		if (half_get(p, k, &f))
			continue;
		bpfalg_flow_reply(&f, k, &reply);
		rev_del(p, &reply);
		half_del(p, k);
	}
}

/* Live original halves, both pairs and families (algctl's own count). */
int flows_count(void)
{
	long n = flowtab_count(&E.ft);

	return n < 0 ? -1 : (int)n;
}

int revs_count(void)
{
	int n = 0;

	for (int a = 0; a < FLOWTAB_FAMS; a++)
		for (int p = 0; p < FLOWTAB_PAIRS; p++)
			n += map_count(E.ft.rev[a][p], flowtab_key_size(a));
	return n;
}

void state_reset(void)
{
	for (int a = 0; a < FLOWTAB_FAMS; a++) {
		for (int p = 0; p < FLOWTAB_PAIRS; p++) {
			map_clear(E.ft.orig[a][p], flowtab_key_size(a));
			map_clear(E.ft.rev[a][p], flowtab_key_size(a));
		}
	}
	/* the next hops were cached in the flows before: cleared with them */
	map_clear(E.m_nh, sizeof(struct bpfalg_nh_key));
	map_clear(E.m_frags, sizeof(struct bpfalg_frag_key));
	map_clear(E.m_pinholes, sizeof(struct bpfalg_pinhole_key));
	map_clear(E.m_forwards, sizeof(struct bpfalg_fwd_key));
}
