// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * runner.c - runs one table case: build the input, run the program with
 * bpf_prog_test_run_opts, compare verdict, output bytes, checksums (fully
 * recomputed), counters and flow state.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cases.h"

#define FRAG_FIRST_LEN 1480

const char *verdict_name(enum prog_id p, int v)
{
	if (p == PR_XDP) {
		switch (v) {
		case V_XDP_ABORTED: return "XDP_ABORTED";
		case V_XDP_DROP: return "XDP_DROP";
		case V_XDP_PASS: return "XDP_PASS";
		case V_XDP_TX: return "XDP_TX";
		case V_XDP_REDIRECT: return "XDP_REDIRECT";
		}
		return "XDP_?";
	}
	switch (v) {
	case TC_UNSPEC: return "TC_ACT_UNSPEC (TCX_NEXT)";
	case 0: return "TC_ACT_OK (TCX_PASS)";
	case TC_SHOT: return "TC_ACT_SHOT";
	}
	return "TC_ACT_?";
}

/* Build @s (whole, or one of its two fragments) with mangling. */
static int build(const struct pkt_spec *s, int frag, int mg, int arg,
		 __u8 *buf)
{
	__u8 full[PKT_MAX], f1[PKT_MAX], f2[PKT_MAX];
	int len, l1, l2;

	if (!frag) {
		len = pkt_build(s, buf);
		return pkt_mangle(buf, len, mg, arg);
	}
	len = pkt_build(s, full);
	if (s->family == 6)
		pkt_fragment6(full, len, FRAG_FIRST_LEN, s->ip_id, f1, &l1, f2,
			      &l2);
	else
		pkt_fragment(full, len, FRAG_FIRST_LEN, f1, &l1, f2, &l2);
	if (frag == 1) {
		memcpy(buf, f1, l1);
		len = l1;
	} else {
		memcpy(buf, f2, l2);
		len = l2;
	}
	return pkt_mangle(buf, len, mg, arg);
}

/* Outputs of the last first-fragment case, for the reassembled check. */
static __u8 last_f1[PKT_MAX];
static int last_f1_len;

static int check_flow(const struct fchk *fc, char *why, size_t n)
{
	struct bpfalg_tuple k;
	struct bpfalg_flow f;

	if (!fc->state1)
		return 0;
	tuple4(&k, fc->proto, fc->s, fc->sp, fc->d, fc->dp);
	if (flow_lookup(&k, &f))
		return fail(why, n, "flow %s:%u > %s:%u not in flows", fc->s,
			    fc->sp, fc->d, fc->dp);
	if (f.state != fc->state1 - 1)
		return fail(why, n, "flow %s:%u > %s:%u state %u, want %d",
			    fc->s, fc->sp, fc->d, fc->dp, f.state,
			    fc->state1 - 1);
	return 0;
}

int run_case(const struct tcase *tc, char *why, size_t n)
{
	__u8 in[PKT_MAX], exp[PKT_MAX];
	__u64 before[BPFALG_CNT_MAX], after[BPFALG_CNT_MAX];
	static struct run_res r;
	char d1[160], d2[160], cw[200];
	int il, el = 0, off, i;

	if (tc->reset)
		state_reset();
	if (tc->pre)
		tc->pre();
	il = build(&tc->in, tc->frag, tc->mg, tc->mg_arg, in);
	if (!tc->same)
		el = build(&tc->out, tc->frag, MG_NONE, 0, exp);

	counters_read(before);
	if (run_prog(tc->prog, tc->ifx, tc->iif, tc->mark, in, il, &r))
		return fail(why, n, "bpf_prog_test_run_opts: %s",
			    strerror(-r.err));
	counters_read(after);

	if (r.verdict != tc->verdict) {
		pkt_describe(r.out, r.out_len, d1, sizeof(d1));
		return fail(why, n, "verdict %s (%d), want %s (%d); output %s",
			    verdict_name(tc->prog, r.verdict), r.verdict,
			    verdict_name(tc->prog, tc->verdict), tc->verdict,
			    d1);
	}

	if (tc->same) {
		off = pkt_diff(r.out, r.out_len, in, il);
		if (off >= 0) {
			pkt_describe(r.out, r.out_len, d1, sizeof(d1));
			pkt_describe(in, il, d2, sizeof(d2));
			if (E.verbose) {
				pkt_hexdump("input", in, il);
				pkt_hexdump("output", r.out, r.out_len);
			}
			return fail(why, n,
				    "output changed at byte %d (0x%02x -> 0x%02x): got [%s], input [%s]",
				    off, off < il ? in[off] : 0,
				    off < (int)r.out_len ? r.out[off] : 0, d1,
				    d2);
		}
	} else {
		off = pkt_diff(r.out, r.out_len, exp, el);
		if (off >= 0) {
			pkt_describe(r.out, r.out_len, d1, sizeof(d1));
			pkt_describe(exp, el, d2, sizeof(d2));
			if (E.verbose) {
				pkt_hexdump("input", in, il);
				pkt_hexdump("output", r.out, r.out_len);
				pkt_hexdump("expected", exp, el);
			}
			return fail(why, n,
				    "output differs at byte %d (got 0x%02x, want 0x%02x): got [%s], want [%s]",
				    off, off < (int)r.out_len ? r.out[off] : 0,
				    off < el ? exp[off] : 0, d1, d2);
		}
	}

	/* Independent full recomputation (malformed inputs: skipped, the
	 * byte-identity check above is what matters for them).
	 */
	if (tc->mg == MG_NONE && !(tc->same && tc->verdict == TC_SHOT) &&
	    csum_verify(r.out, r.out_len, cw, sizeof(cw))) {
		return fail(why, n, "checksum: %s", cw);
	}
	if (tc->frag == 1) {
		memcpy(last_f1, r.out, r.out_len);
		last_f1_len = r.out_len;
	} else if (tc->frag == 2 && tc->verdict != TC_SHOT && !tc->same &&
		   csum_verify_reassembled(last_f1, last_f1_len, r.out,
					   r.out_len, cw, sizeof(cw))) {
		return fail(why, n, "reassembled datagram: %s", cw);
	}

	for (i = 0; i < (int)ARRAY_SIZE(tc->cnt); i++) {
		int idx = tc->cnt[i].idx1 - 1;
		long d;

		if (idx < 0)
			continue;
		d = (long)(after[idx] - before[idx]);
		if (d != tc->cnt[i].delta)
			return fail(why, n, "counter %s moved by %ld, want %ld",
				    counter_name(idx), d, tc->cnt[i].delta);
	}
	if (check_flow(&tc->fc, why, n))
		return -1;
	if (tc->post && tc->post(why, n))
		return -1;
	return 0;
}
