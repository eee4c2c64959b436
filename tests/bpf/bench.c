// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench.c - `bpf_tests --bench`: cost of the XDP established-flow path and
 * memory of the maps at their default size.  Not part of the pass/fail run.
 *
 * bpf_prog_test_run_opts(repeat = 1,000,000) runs the program again and
 * again on the same buffer, and the kernel does not restore the buffer
 * between repetitions (nor in live-frames mode, where recycled pages keep the
 * program's writes): after the first run the packet is already translated
 * and its TTL keeps dropping, so later repetitions no longer hit the flow.
 * The XDP_FWD counter tells how many repetitions really took the fast path
 * and is printed beside every number.  The per-packet cost of the fast path
 * itself is also measured as the average kernel-side duration of 200,000
 * single runs, each on a fresh packet, minus the same for an empty program
 * (build/xdp_pass.bpf.o), which removes the timer overhead.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cases.h"

#define REPEAT 1000000
#define SINGLE_RUNS 200000

static int tc_step(enum prog_id p, const struct pkt_spec *s)
{
	__u8 b[PKT_MAX];
	static struct run_res r;
	int l = pkt_build(s, b);

	if (run_prog(p, IFS_OUT, p == PR_TC_OUT ? IFS_IN : IFS_NONE, 0, b, l,
		     &r) || r.verdict != TC_OK) {
		fprintf(stderr, "bench setup: verdict %d err %d\n", r.verdict,
			r.err);
		return -1;
	}
	return 0;
}

static __u8 out[PKT_MAX];
static __u32 out_len;

static int xdp_run(int fd, const __u8 *pkt, int len, int repeat, __u32 flags,
		   __u32 *dur, __u32 *ret)
{
	struct xdp_md md = { .data_end = len, .ingress_ifindex = E.ifout };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .ctx_in = &md, .ctx_size_in = sizeof(md),
		    .repeat = repeat, .flags = flags);

	if (!flags) {
		o.data_out = out;
		o.data_size_out = sizeof(out);
	}
	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*dur = o.duration;
	*ret = o.retval;
	if (!flags)
		out_len = o.data_size_out;
	return 0;
}

static double single_runs(int fd, const __u8 *pkt, int len)
{
	__u64 sum = 0;
	__u32 d = 0, ret = 0;
	int i;

	for (i = 0; i < SINGLE_RUNS; i++) {
		if (xdp_run(fd, pkt, len, 1, 0, &d, &ret))
			return -1;
		sum += d;
	}
	return (double)sum / SINGLE_RUNS;
}

static int pass_prog_fd(struct bpf_object **objp)
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	struct bpf_object *obj;
	struct bpf_program *prog;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = 0; /* build/tests */
	snprintf(path, sizeof(path), "%s/../xdp_pass.bpf.o", exe);
	obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj))
		return -1;
	prog = bpf_object__next_program(obj, NULL);
	*objp = obj;
	return prog ? bpf_program__fd(prog) : -1;
}

static void bench_one(const char *name, const struct pkt_spec *s,
		      double base)
{
	__u8 pkt[PKT_MAX];
	int len = pkt_build(s, pkt), fd = E.prog[PR_XDP], rc;
	__u64 b[BPFALG_CNT_MAX], a[BPFALG_CNT_MAX];
	__u8 miss[PKT_MAX];
	int miss_len;
	__u32 dur, ret, miss_warm = 0;
	double one, miss_cold;

	rc = xdp_run(fd, pkt, len, 1, 0, &dur, &ret);
	printf("%s: single run verdict %u (%s)\n", name, ret,
	       ret == V_XDP_REDIRECT ? "XDP_REDIRECT, fast path" :
				       "NOT the fast path");
	if (rc || ret != V_XDP_REDIRECT)
		return;
	/* the translated packet: what repetitions 2..N really see */
	memcpy(miss, out, out_len);
	miss_len = out_len;

	counters_read(b);
	rc = xdp_run(fd, pkt, len, REPEAT, 0, &dur, &ret);
	counters_read(a);
	if (rc)
		printf("%s: repeat=%d failed: %s\n", name, REPEAT,
		       strerror(-rc));
	else
		printf("%s: repeat=%d: %u ns/pkt (test_run duration), fast path taken by %llu of %d repetitions\n",
		       name, REPEAT, dur,
		       (unsigned long long)(a[BPFALG_CNT_XDP_FWD] -
					    b[BPFALG_CNT_XDP_FWD]),
		       REPEAT);

	counters_read(b);
	rc = xdp_run(fd, pkt, len, REPEAT, BPF_F_TEST_XDP_LIVE_FRAMES, &dur,
		     &ret);
	counters_read(a);
	if (rc)
		printf("%s: repeat=%d live frames failed: %s\n", name, REPEAT,
		       strerror(-rc));
	else
		printf("%s: repeat=%d live frames: %u ns/pkt (incl. redirect), fast path taken by %llu of %d repetitions\n",
		       name, REPEAT, dur,
		       (unsigned long long)(a[BPFALG_CNT_XDP_FWD] -
					    b[BPFALG_CNT_XDP_FWD]),
		       REPEAT);

	counters_read(b);
	one = single_runs(fd, pkt, len);
	counters_read(a);
	printf("%s: %d single runs: %.1f ns/pkt kernel-side, %.1f ns/pkt net of the empty-program baseline (fast path taken by %llu of %d)\n",
	       name, SINGLE_RUNS, one, base >= 0 ? one - base : one,
	       (unsigned long long)(a[BPFALG_CNT_XDP_FWD] -
				    b[BPFALG_CNT_XDP_FWD]),
	       SINGLE_RUNS);

	/* the same for the no-match packet, cold and warm */
	miss_cold = single_runs(fd, miss, miss_len);
	if (!xdp_run(fd, miss, miss_len, REPEAT, 0, &miss_warm, &ret))
		printf("%s: no-match packet (already translated): %.1f ns single runs, %u ns/pkt at repeat=%d\n",
		       name, miss_cold, miss_warm, REPEAT);
	printf("%s: ESTIMATE warm fast path = warm no-match + (cold fast - cold no-match) = %.1f ns/pkt\n",
	       name, miss_warm + (one - miss_cold));
}

/*
 * TC's creation of a new flow (UDP, SNAT), the path `algctl events` adds
 * its new-flow report to: the average kernel-side duration of single runs
 * on fresh flows (another source port each), with BPFALG_CF_FLOW_EVENTS
 * off (nobody subscribed: the cost every gateway pays) and on (a record
 * per flow on punt_rb, drained after each round).  Rounds alternate so
 * that drift of the machine hits both alike.
 */
#define NEWFLOW_RUNS 2000
#define NEWFLOW_ROUNDS 5

static int count_rec(void *ctx, void *data, size_t size)
{
	const struct bpfalg_punt_hdr *h = data;

	if (size >= sizeof(*h) && h->reason == BPFALG_PUNT_FLOW_NEW)
		(*(long *)ctx)++;
	return 0;
}

static double newflow_round(__u32 flags, int *fails)
{
	struct pkt_spec s = { .family = 4, .proto = P_UDP, .src = CLIENT,
			      .dst = SERVER, .dport = 53, .payload = 18 };
	static struct run_res r;
	__u8 b[PKT_MAX];
	__u64 sum = 0;

	state_reset();
	config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST | flags);
	for (int i = 0; i < NEWFLOW_RUNS; i++) {
		int l;

		s.sport = (__u16)(PORT_MIN + i);
		l = pkt_build(&s, b);
		if (run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, b, l, &r) ||
		    r.verdict != TC_OK)
			(*fails)++;
		sum += r.duration;
	}
	return (double)sum / NEWFLOW_RUNS;
}

static void bench_newflow(void)
{
	char path[256];
	struct ring_buffer *rb = NULL;
	double off = 0, on = 0;
	long recs = 0;
	int fails = 0, fd;
	__u64 b[BPFALG_CNT_MAX], a[BPFALG_CNT_MAX];

	snprintf(path, sizeof(path), "%s/punt_rb", E.pin);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		rb = ring_buffer__new(fd, count_rec, &recs, NULL);
	if (!rb) {
		printf("tc new flow: punt_rb not readable, no measurement\n");
		if (fd >= 0)
			close(fd);
		return;
	}
	ring_buffer__consume(rb);
	recs = 0;
	counters_read(b);
	for (int k = 0; k < NEWFLOW_ROUNDS; k++) {
		off += newflow_round(0, &fails);
		on += newflow_round(BPFALG_CF_FLOW_EVENTS, &fails);
		ring_buffer__consume(rb);
	}
	counters_read(a);
	off /= NEWFLOW_ROUNDS;
	on /= NEWFLOW_ROUNDS;
	printf("tc ipv4 udp new flow (SNAT), %d x %d single runs: %.1f ns/flow "
	       "without a subscriber, %.1f ns/flow with the new-flow report "
	       "on (+%.1f ns); %ld reports read, %llu skipped, %d runs not "
	       "handed on (TCX_NEXT)\n",
	       NEWFLOW_ROUNDS, NEWFLOW_RUNS, off, on, on - off, recs,
	       (unsigned long long)(a[BPFALG_CNT_FLOW_EVENT_DROP] -
				    b[BPFALG_CNT_FLOW_EVENT_DROP]),
	       fails);
	ring_buffer__free(rb);
	close(fd);
	state_reset();
	config_write(PORT_MIN, PORT_MAX, BPFALG_CF_XDP_FAST);
}

static void map_memory(void)
{
	int fds[32], i, n;
	const char *names[32];
	unsigned long long total = 0;

	n = env_map_fds(fds, names, 32);
	printf("map memory at default size (memlock from /proc/self/fdinfo):\n");
	for (i = 0; i < n; i++) {
		char path[64], line[256];
		unsigned long long memlock = 0, maxe = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fds[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "memlock: %llu", &memlock);
			sscanf(line, "max_entries: %llu", &maxe);
		}
		fclose(f);
		total += memlock;
		printf("  %-14s max_entries %8llu  %10llu bytes (%.1f MiB)\n",
		       names[i], maxe, memlock, memlock / 1048576.0);
	}
	printf("  total                             %10llu bytes (%.1f MiB)\n",
	       total, total / 1048576.0);
}

int run_bench(void)
{
	struct pkt_spec udp_syn[] = {
		{ .family = 4, .proto = P_UDP, .src = CLIENT, .sport = 45000,
		  .dst = SERVER, .dport = 53, .payload = 18 },
		{ .family = 4, .proto = P_UDP, .src = SERVER, .sport = 53,
		  .dst = PUB, .dport = 45000, .payload = 18 },
	};
	struct pkt_spec tcp_hs[] = {
		{ .family = 4, .proto = P_TCP, .src = CLIENT, .sport = 45001,
		  .dst = SERVER, .dport = 80, .tcp_flags = TH_SYN },
		{ .family = 4, .proto = P_TCP, .src = SERVER, .sport = 80,
		  .dst = PUB, .dport = 45001, .tcp_flags = TH_SYN | TH_ACK },
		{ .family = 4, .proto = P_TCP, .src = CLIENT, .sport = 45001,
		  .dst = SERVER, .dport = 80, .tcp_flags = TH_ACK },
	};
	struct pkt_spec udp_pkt = {
		.family = 4, .proto = P_UDP, .src = SERVER, .sport = 53,
		.dst = PUB, .dport = 45000, .payload = 18,
		.smac = MAC_GW, .dmac = MAC_OUT0,
	};
	struct pkt_spec tcp_pkt = {
		.family = 4, .proto = P_TCP, .src = SERVER, .sport = 80,
		.dst = PUB, .dport = 45001, .tcp_flags = TH_ACK,
		.smac = MAC_GW, .dmac = MAC_OUT0,
	};
	struct bpf_object *pobj = NULL;
	int pfd;
	double base = -1;

	state_reset();
	if (tc_step(PR_TC_OUT, &udp_syn[0]) || tc_step(PR_TC_IN, &udp_syn[1]) ||
	    tc_step(PR_TC_OUT, &tcp_hs[0]) || tc_step(PR_TC_IN, &tcp_hs[1]) ||
	    tc_step(PR_TC_OUT, &tcp_hs[2]))
		return 1;

	pfd = pass_prog_fd(&pobj);
	if (pfd >= 0) {
		__u8 pkt[PKT_MAX];
		int len = pkt_build(&udp_pkt, pkt);

		base = single_runs(pfd, pkt, len);
		printf("baseline (empty XDP program, %d single runs): %.1f ns/run\n",
		       SINGLE_RUNS, base);
	} else {
		printf("baseline: build/xdp_pass.bpf.o not loadable, no baseline\n");
	}
	bench_one("xdp ipv4 udp established reply (60 B frame)", &udp_pkt,
		  base);
	bench_one("xdp ipv4 tcp established reply (54 B frame)", &tcp_pkt,
		  base);
	bpf_object__close(pobj);
	bench_newflow();
	map_memory();
	return 0;
}
