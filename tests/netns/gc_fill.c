// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * gc_fill.c - fill and churn the pinned flow table directly, for
 * tests/netns/test_gc_churn.sh: a million flows without a million packets.
 *
 * Writes the IPv4 answered pair (flows4: original key -> struct
 * bpfalg_flow, flow_rev4: reply key -> struct bpfalg_rev4; both keyed by the
 * compact struct bpfalg_key4): both halves carry the same random non-zero
 * cookie.  churn writes a flow's reply half first, then its
 * original half, one flow at a time, as the datapath and flowtab_insert()
 * do; fill writes a batch of original halves before their reply halves, so
 * that a batch's reply halves never wait for their original halves while
 * the GC may look (with "rev-first" it does the opposite: every reply half
 * of a batch exists for milliseconds without its original half).
 * Flow number I of a set (SET 1 "expired", 2 "live") is
 *
 *   original  10.SET.J/16 :20000+(I%16) -> 198.(17+SET).J :443 (TCP) or :53 (UDP)
 *   reply     198.(17+SET).J :443|53 -> PUBLIC :30000+(I%16)
 *
 * with J = I/16 (so a set holds at most 1,048,576 flows).  Expired flows
 * alternate TCP TIME_WAIT (timeout 120 s) and replied UDP (120 s), last
 * seen an hour ago (at least 200 s before now); live flows are established
 * TCP seen now.  "aged" writes live flows' tuples with an expired TIME_WAIT
 * value (live flows that went idle).
 *
 *   gc_fill fill PIN expired|live|aged START COUNT PUBLIC [rev-first]
 *       insert (or overwrite) flows START..START+COUNT-1 of that set
 *       (BPF_MAP_UPDATE_BATCH)
 *   gc_fill churn PIN LIVE_COUNT SECONDS RATE PUBLIC
 *       until SECONDS pass (or SIGTERM): every 100 ms replace RATE/10
 *       random live flows (both halves deleted, re-inserted with a new
 *       cookie) and refresh last_seen of RATE/10 others; prints totals
 *   gc_fill count PIN [--pairs]
 *       walk flows4 and flow_rev4 (BPF_MAP_LOOKUP_BATCH), print
 *       "expired_orig=N live_orig=N other_orig=N expired_rev=N live_rev=N
 *       other_rev=N" and with --pairs "live_pairs=N" (live original halves
 *       whose reply half names them with their cookie)
 *
 * Exit 0, or 1 with one line on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfalg.h"

#define CHUNK 8192
#define SET_MAX (1u << 20)

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static __u64 mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u32 cookie(void)
{
	__u32 c = 0;

	if (getrandom(&c, sizeof(c), 0) != sizeof(c))
		c = (__u32)mono_now() * 2654435761u;
	return c | 1;
}

static int map_fd(const char *pin, const char *name)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", pin, name);
	fd = bpf_obj_get(p);
	if (fd < 0) {
		fprintf(stderr, "gc_fill: %s: %s\n", p, strerror(errno));
		exit(1);
	}
	return fd;
}

static __be32 public_addr;

/*
 * Flow number @i of set @set, last seen at @now (live) or long before: its
 * original key @ok and half @f, its reply key @rk and half @r.
 */
static void gen(int set, __u32 i, __u64 now, struct bpfalg_key4 *ok,
		struct bpfalg_flow *f, struct bpfalg_key4 *rk,
		struct bpfalg_rev4 *r)
{
	__u32 j = i >> 4;
	bool udp = set == 1 && (i & 1), expired = set != 2;
	__u64 hour = 3600ULL * 1000000000ULL;

	if (set == 3) /* aged: the live set's tuples, expired values */
		set = 2;

	memset(ok, 0, sizeof(*ok));
	memset(rk, 0, sizeof(*rk));
	memset(f, 0, sizeof(*f));
	memset(r, 0, sizeof(*r));
	ok->proto = udp ? BPFALG_IPPROTO_UDP : BPFALG_IPPROTO_TCP;
	ok->saddr = htonl(0x0a000000u | (__u32)set << 16 | (j & 0xffff));
	ok->daddr = htonl(0xc6000000u | (__u32)(17 + set) << 16 | (j & 0xffff));
	ok->sport = htons(20000 + (i & 15));
	ok->dport = htons(udp ? 53 : 443);

	f->reply4.saddr = ok->daddr;
	f->reply4.sport = ok->dport;
	f->reply4.daddr = public_addr;
	f->reply4.dport = htons(30000 + (i & 15));
	rk->saddr = f->reply4.saddr;
	rk->daddr = f->reply4.daddr;
	rk->sport = f->reply4.sport;
	rk->dport = f->reply4.dport;
	rk->proto = ok->proto;
	f->nat = BPFALG_NAT_SNAT;
	f->packets[0] = f->packets[1] = 10;
	if (expired) {
		f->state = udp ? BPFALG_ST_ESTABLISHED : BPFALG_ST_TIME_WAIT;
		f->last_seen_ns = now > hour ? now - hour : 1;
	} else {
		f->state = BPFALG_ST_ESTABLISHED;
		f->last_seen_ns = now;
	}
	f->created_s = (__u32)(f->last_seen_ns / 1000000000ULL);
	if (!udp) {
		f->tcp_seen[0] = f->tcp_seen[1] = BPFALG_TS_SYN | BPFALG_TS_ACK;
		if (expired)
			f->tcp_seen[0] |= BPFALG_TS_FIN,
				f->tcp_seen[1] |= BPFALG_TS_FIN;
	}
	f->cookie = r->cookie = cookie();
	r->orig = *ok;
}

static int set_of(const char *s)
{
	if (!strcmp(s, "expired"))
		return 1;
	if (!strcmp(s, "live"))
		return 2;
	if (!strcmp(s, "aged"))
		return 3;
	fprintf(stderr, "gc_fill: set '%s': expired, live or aged\n", s);
	exit(1);
}

static int do_fill(const char *pin, int set, __u32 start, __u32 count,
		   bool rev_first)
{
	static struct bpfalg_key4 okeys[CHUNK], rkeys[CHUNK];
	static struct bpfalg_flow fv[CHUNK];
	static struct bpfalg_rev4 rv[CHUNK];
	int fo = map_fd(pin, "flows4"), fr = map_fd(pin, "flow_rev4");
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u64 now = mono_now(), t0 = now;

	if (set != 2 && now < 200ULL * 1000000000ULL) {
		fprintf(stderr, "gc_fill: CLOCK_MONOTONIC is %.0f s: too early "
			"after boot for expired flows\n", now / 1e9);
		return 1;
	}
	if ((__u64)start + count > SET_MAX) {
		fprintf(stderr, "gc_fill: at most %u flows per set\n", SET_MAX);
		return 1;
	}
	for (__u32 done = 0; done < count;) {
		__u32 n = count - done < CHUNK ? count - done : CHUNK, m;

		for (__u32 k = 0; k < n; k++)
			gen(set, start + done + k, now, &okeys[k], &fv[k],
			    &rkeys[k], &rv[k]);
		for (int h = 0; h < 2; h++) {
			bool rev = (h == 0) == rev_first;

			m = n;
			if (bpf_map_update_batch(rev ? fr : fo,
						 rev ? (void *)rkeys : okeys,
						 rev ? (void *)rv : fv, &m,
						 &opts) ||
			    m != n) {
				fprintf(stderr,
					"gc_fill: %s update batch: %s "
					"(%u of %u)\n",
					rev ? "flow_rev4" : "flows4",
					strerror(errno), m, n);
				return 1;
			}
		}
		done += n;
	}
	printf("filled %u %s flows in %.2f s\n", count,
	       set == 1 ? "expired" : set == 2 ? "live" : "aged",
	       (mono_now() - t0) / 1e9);
	return 0;
}

static __u32 rnd(__u32 n)
{
	return (__u32)(((__u64)random() * n) >> 31);
}

static int do_churn(const char *pin, __u32 live, double seconds, __u32 rate)
{
	int fo = map_fd(pin, "flows4"), fr = map_fd(pin, "flow_rev4");
	__u64 end = mono_now() + (__u64)(seconds * 1e9);
	unsigned long replaced = 0, refreshed = 0, missing = 0, errors = 0;
	__u32 per = rate / 10 ? rate / 10 : 1;

	srandom((unsigned)mono_now());
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	while (!stop && mono_now() < end) {
		__u64 t = mono_now();

		for (__u32 k = 0; k < per; k++) {
			struct bpfalg_key4 o, rk;
			struct bpfalg_flow f;
			struct bpfalg_rev4 r;

			/* replace: the old flow ends, a new one takes its tuples */
			gen(2, rnd(live), t, &o, &f, &rk, &r);
			bpf_map_delete_elem(fo, &o);
			bpf_map_delete_elem(fr, &rk);
			if (bpf_map_update_elem(fr, &rk, &r, BPF_ANY) ||
			    bpf_map_update_elem(fo, &o, &f, BPF_ANY))
				errors++;
			else
				replaced++;
			/* refresh: traffic seen on another one */
			gen(2, rnd(live), t, &o, &f, &rk, &r);
			if (bpf_map_lookup_elem(fo, &o, &f)) {
				missing++;
				continue;
			}
			f.last_seen_ns = t;
			f.packets[0]++;
			if (bpf_map_update_elem(fo, &o, &f, BPF_EXIST))
				errors++;
			else
				refreshed++;
		}
		t = mono_now() - t;
		if (t < 100000000ULL)
			usleep((100000000ULL - t) / 1000);
	}
	printf("churn: replaced=%lu refreshed=%lu missing=%lu errors=%lu\n",
	       replaced, refreshed, missing, errors);
	return errors ? 1 : 0;
}

static int classify_orig(const struct bpfalg_key4 *k)
{
	__u32 a = ntohl(k->saddr);

	if ((a >> 24) != 10)
		return 0;
	return ((a >> 16) & 0xff) == 1 ? 1 : ((a >> 16) & 0xff) == 2 ? 2 : 0;
}

static int classify_rev(const struct bpfalg_key4 *k)
{
	__u32 a = ntohl(k->saddr);

	if ((a >> 24) != 198)
		return 0;
	return ((a >> 16) & 0xff) == 18 ? 1 : ((a >> 16) & 0xff) == 19 ? 2 : 0;
}

static int do_count(const char *pin, bool pairs)
{
	static struct bpfalg_key4 keys[CHUNK];
	static struct bpfalg_flow fv[CHUNK];
	static struct bpfalg_rev4 rv[CHUNK];
	int fo = map_fd(pin, "flows4"), fr = map_fd(pin, "flow_rev4");
	unsigned long o[3] = { 0 }, r[3] = { 0 }, ok = 0;
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 batch;
	bool started;
	int err;

	started = false;
	do {
		__u32 n = CHUNK;

		err = bpf_map_lookup_batch(fo, started ? &batch : NULL, &batch,
					   keys, fv, &n, &opts);
		if (err && errno != ENOENT) {
			fprintf(stderr, "gc_fill: flows4 lookup batch: %s\n",
				strerror(errno));
			return 1;
		}
		started = true;
		for (__u32 k = 0; k < n; k++) {
			int c = classify_orig(&keys[k]);
			struct bpfalg_key4 rk = {
				.saddr = fv[k].reply4.saddr,
				.daddr = fv[k].reply4.daddr,
				.sport = fv[k].reply4.sport,
				.dport = fv[k].reply4.dport,
				.proto = keys[k].proto,
			};
			struct bpfalg_rev4 rr;

			o[c]++;
			if (pairs && c == 2 && fv[k].cookie &&
			    !bpf_map_lookup_elem(fr, &rk, &rr) &&
			    rr.cookie == fv[k].cookie &&
			    !memcmp(&rr.orig, &keys[k], sizeof(rr.orig)))
				ok++;
		}
	} while (!err);
	started = false;
	do {
		__u32 n = CHUNK;

		err = bpf_map_lookup_batch(fr, started ? &batch : NULL, &batch,
					   keys, rv, &n, &opts);
		if (err && errno != ENOENT) {
			fprintf(stderr, "gc_fill: flow_rev4 lookup batch: %s\n",
				strerror(errno));
			return 1;
		}
		started = true;
		for (__u32 k = 0; k < n; k++)
			r[classify_rev(&keys[k])]++;
	} while (!err);
	printf("expired_orig=%lu live_orig=%lu other_orig=%lu expired_rev=%lu "
	       "live_rev=%lu other_rev=%lu",
	       o[1], o[2], o[0], r[1], r[2], r[0]);
	if (pairs)
		printf(" live_pairs=%lu", ok);
	printf("\n");
	return 0;
}

static __be32 parse_public(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "gc_fill: public address '%s'\n", s);
		exit(1);
	}
	return a.s_addr;
}

int main(int argc, char **argv)
{
	if ((argc == 7 || (argc == 8 && !strcmp(argv[7], "rev-first"))) &&
	    !strcmp(argv[1], "fill")) {
		public_addr = parse_public(argv[6]);
		return do_fill(argv[2], set_of(argv[3]), strtoul(argv[4], 0, 0),
			       strtoul(argv[5], 0, 0), argc == 8);
	}
	if (argc == 7 && !strcmp(argv[1], "churn")) {
		public_addr = parse_public(argv[6]);
		return do_churn(argv[2], strtoul(argv[3], 0, 0),
				strtod(argv[4], 0), strtoul(argv[5], 0, 0));
	}
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "count"))
		return do_count(argv[2],
				argc == 4 && !strcmp(argv[3], "--pairs"));
	fprintf(stderr, "usage: gc_fill fill PIN expired|live|aged START COUNT PUBLIC [rev-first]\n"
		"       gc_fill churn PIN LIVE_COUNT SECONDS RATE PUBLIC\n"
		"       gc_fill count PIN [--pairs]\n");
	return 1;
}
