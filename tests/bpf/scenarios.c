// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scenarios.c - cases whose expectations depend on what the program chose
 * (a remapped port): two inside clients with the same source port toward the
 * same server; the second must get another public port inside cfg's range
 * and every reply (and ICMP error) must reach the right client.
 */
#include <stdarg.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cases.h"

/*
 * Run @in; expect TC_OK and a packet equal to @out where @out's source port
 * (or echo id) is whatever the program picked: returned in *port.
 */
static int snat_pick(const struct pkt_spec *in, struct pkt_spec out,
		     __u16 *port, __u64 *d_remap, char *why, size_t n)
{
	__u8 ib[PKT_MAX], eb[PKT_MAX];
	__u64 b[BPFALG_CNT_MAX], a[BPFALG_CNT_MAX];
	static struct run_res r;
	char cw[200], d1[160], d2[160];
	int il, el, off;

	il = pkt_build(in, ib);
	counters_read(b);
	if (run_prog(PR_TC_OUT, IFS_OUT, IFS_IN, 0, ib, il, &r))
		return fail(why, n, "test_run: %d", r.err);
	counters_read(a);
	*d_remap = a[BPFALG_CNT_PORT_REMAPPED] - b[BPFALG_CNT_PORT_REMAPPED];
	if (r.verdict != TC_OK)
		return fail(why, n, "verdict %d, want TC_ACT_UNSPEC (TCX_NEXT)", r.verdict);
	*port = pkt_sport(r.out, r.out_len);
	out.sport = *port;
	el = pkt_build(&out, eb);
	off = pkt_diff(r.out, r.out_len, eb, el);
	if (off >= 0) {
		pkt_describe(r.out, r.out_len, d1, sizeof(d1));
		pkt_describe(eb, el, d2, sizeof(d2));
		return fail(why, n, "output differs at byte %d: got [%s], want [%s]",
			    off, d1, d2);
	}
	if (csum_verify(r.out, r.out_len, cw, sizeof(cw)))
		return fail(why, n, "checksum: %s", cw);
	return 0;
}

static void one(const char *name, const struct tcase *tc)
{
	char why[512] = "";

	report(name, !run_case(tc, why, sizeof(why)), why);
}

#define T4(s_, sp, d_, dp, fl)                                                 \
	.family = 4, .proto = P_TCP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .tcp_flags = fl, .seq = 5, .ack = 6
#define U4(s_, sp, d_, dp)                                                     \
	.family = 4, .proto = P_UDP, .src = s_, .sport = sp, .dst = d_,        \
	.dport = dp, .payload = 25
#define EC4(s_, d_, id, type)                                                  \
	.family = 4, .proto = P_ICMP, .src = s_, .dst = d_, .sport = id,       \
	.icmp_type = type, .icmp_seq = 3, .payload = 32

enum { K_TCP, K_UDP, K_ECHO };

static void spec_of(int kind, struct pkt_spec *s, const char *src, __u16 sp,
		    const char *dst, __u16 dp, bool reply)
{
	memset(s, 0, sizeof(*s));
	if (kind == K_TCP) {
		struct pkt_spec t = { T4(src, sp, dst, dp,
					 reply ? TH_SYN | TH_ACK : TH_SYN) };
		*s = t;
	} else if (kind == K_UDP) {
		struct pkt_spec t = { U4(src, sp, dst, dp) };
		*s = t;
	} else {
		struct pkt_spec t = { EC4(src, dst, sp, reply ? 0 : 8) };
		*s = t;
	}
}

static void remap_kind(int kind, const char *tag)
{
	const __u16 cport = 41000, sport = kind == K_ECHO ? 41000 : 80;
	struct pkt_spec in, out;
	struct tcase tc;
	char name[128], why[512] = "";
	__u16 p1 = 0, p2 = 0;
	__u64 dr;
	int ok;

	state_reset();
	/* client 1: port kept */
	snprintf(name, sizeof(name), "remap_%s_first_client_port_kept", tag);
	spec_of(kind, &in, CLIENT, cport, SERVER, sport, false);
	spec_of(kind, &out, PUB, cport, SERVER, sport, false);
	ok = !snat_pick(&in, out, &p1, &dr, why, sizeof(why));
	if (ok && p1 != cport) {
		snprintf(why, sizeof(why), "public port %u, want %u kept", p1,
			 cport);
		ok = 0;
	}
	report(name, ok, why);

	/* client 2, same source port, same server: remapped into range */
	snprintf(name, sizeof(name), "remap_%s_second_client_remapped_in_range",
		 tag);
	why[0] = 0;
	spec_of(kind, &in, CLIENT2, cport, SERVER, sport, false);
	spec_of(kind, &out, PUB, cport, SERVER, sport, false);
	ok = !snat_pick(&in, out, &p2, &dr, why, sizeof(why));
	if (ok && (p2 == p1 || p2 < PORT_MIN || p2 > PORT_MAX)) {
		snprintf(why, sizeof(why),
			 "public port %u: must differ from %u and lie in [%u, %u]",
			 p2, p1, PORT_MIN, PORT_MAX);
		ok = 0;
	}
	if (ok && dr != 1) {
		snprintf(why, sizeof(why), "PORT_REMAPPED moved by %llu, want 1",
			 (unsigned long long)dr);
		ok = 0;
	}
	report(name, ok, why);
	if (!ok)
		return;

	/* replies go back to the right client */
	memset(&tc, 0, sizeof(tc));
	tc.prog = PR_TC_IN;
	tc.ifx = IFS_OUT;
	tc.verdict = TC_OK;
	tc.cnt[0] = (struct cexp)C(TC_XLATE, 1);
	spec_of(kind, &tc.in, SERVER, sport, PUB, p1, true);
	spec_of(kind, &tc.out, SERVER, sport, CLIENT, cport, true);
	if (kind == K_ECHO) {
		tc.in.sport = p1;
		tc.out.sport = cport;
	}
	snprintf(name, sizeof(name), "remap_%s_reply_to_first_client", tag);
	one(name, &tc);

	spec_of(kind, &tc.in, SERVER, sport, PUB, p2, true);
	spec_of(kind, &tc.out, SERVER, sport, CLIENT2, cport, true);
	if (kind == K_ECHO) {
		tc.in.sport = p2;
		tc.out.sport = cport;
	}
	snprintf(name, sizeof(name), "remap_%s_reply_to_second_client", tag);
	one(name, &tc);

	if (kind == K_UDP) {
		/* an ICMP error about the second client's flow */
		struct pkt_spec qi, qo;

		spec_of(kind, &qi, PUB, p2, SERVER, sport, false);
		spec_of(kind, &qo, CLIENT2, cport, SERVER, sport, false);
		memset(&tc.in, 0, sizeof(tc.in));
		tc.in.family = 4;
		tc.in.proto = P_ICMP;
		tc.in.src = ROUTER;
		tc.in.dst = PUB;
		tc.in.icmp_type = 11;
		tc.in.inner = &qi;
		tc.out = tc.in;
		tc.out.dst = CLIENT2;
		tc.out.inner = &qo;
		tc.cnt[0] = (struct cexp)C(ICMP_ERR_XLATE, 1);
		one("remap_udp_icmp_error_inner_port_restored", &tc);
	}

	if (kind == K_TCP) {
		/* another server port: the public tuple is free, port kept */
		memset(&tc, 0, sizeof(tc));
		tc.prog = PR_TC_OUT;
		tc.ifx = IFS_OUT;
		tc.iif = IFS_IN;
		tc.verdict = TC_OK;
		spec_of(kind, &tc.in, CLIENT2, cport, SERVER, 81, false);
		spec_of(kind, &tc.out, PUB, cport, SERVER, 81, false);
		tc.cnt[0] = (struct cexp)C(PORT_PRESERVED, 1);
		tc.cnt[1] = (struct cexp)C(PORT_REMAPPED, 0);
		one("remap_tcp_other_server_port_keeps_port", &tc);
	}
}

/*
 * The verifier must accept what the builder makes and reject any corruption:
 * otherwise a "checksum ok" on program output would mean nothing.
 */
static void verifier_selftest(void)
{
	static const struct pkt_spec q = { U4(CLIENT, 1, SERVER, 2) };
	static const struct pkt_spec q6 = { .family = 6, .proto = P_TCP,
					    .src = CLIENT6, .dst = SERVER6,
					    .sport = 3, .dport = 4,
					    .payload = 11 };
	const struct pkt_spec specs[] = {
		{ T4(CLIENT, 1, SERVER, 2, TH_SYN), .tcp_opts = 20,
		  .payload = 13 },
		{ U4(CLIENT, 1, SERVER, 2), .ip_opts = 8 },
		{ EC4(CLIENT, SERVER, 77, 8), .vlan = 3 },
		{ .family = 4, .proto = P_ICMP, .src = ROUTER, .dst = PUB,
		  .icmp_type = 3, .icmp_code = 3, .inner = &q },
		{ .family = 6, .proto = P_UDP, .src = CLIENT6, .dst = SERVER6,
		  .sport = 9, .dport = 10, .payload = 7 },
		{ .family = 6, .proto = P_ICMP6, .src = CLIENT6,
		  .dst = SERVER6, .sport = 9, .icmp_type = 128,
		  .payload = 9 },
		{ .family = 6, .proto = P_ICMP6, .src = SERVER6,
		  .dst = CLIENT6, .icmp_type = 1, .inner = &q6 },
	};
	__u8 b[PKT_MAX];
	char why[256] = "", w[200];
	int i, j, len, bad = 0;

	for (i = 0; i < (int)ARRAY_SIZE(specs) && !bad; i++) {
		len = pkt_build(&specs[i], b);
		if (csum_verify(b, len, w, sizeof(w))) {
			snprintf(why, sizeof(why), "spec %d rejected: %s", i, w);
			bad = 1;
			break;
		}
		/* flip every byte after the Ethernet header in turn */
		for (j = pkt_l3_off(b, len, NULL); j < len; j++) {
			int l3 = pkt_l3_off(b, len, NULL);
			int v6 = specs[i].family == 6;

			/* IPv6 bytes no checksum covers: version/traffic
			 * class/flow label, hop limit; and the next header,
			 * whose corruption leaves nothing to verify
			 */
			if (v6 && (j - l3 < 4 || j - l3 == 6 || j - l3 == 7))
				continue;
			b[j] ^= 0x5a;
			if (!csum_verify(b, len, w, sizeof(w))) {
				snprintf(why, sizeof(why),
					 "spec %d: corruption at byte %d not detected",
					 i, j);
				bad = 1;
			}
			b[j] ^= 0x5a;
			if (bad)
				break;
		}
	}
	report("selftest_checksum_verifier_catches_every_corrupt_byte", !bad,
	       why);
}

void run_scenarios(void)
{
	char why[256] = "";

	verifier_selftest();

	report("maps_shared_between_objects_by_pinning",
	       !maps_shared(why, sizeof(why)), why);
	remap_kind(K_TCP, "tcp");
	remap_kind(K_UDP, "udp");
	remap_kind(K_ECHO, "icmp_echo");
}
