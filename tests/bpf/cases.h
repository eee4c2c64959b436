/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cases.h - the table-driven cases (katran-style fixtures: input packet,
 * program and context, expected verdict, expected output packet, counters
 * expected to move) and the scenario tests written as code.
 */
#ifndef BPFALG_TEST_CASES_H
#define BPFALG_TEST_CASES_H

#include "harness.h"

/* Counter expectation: idx1 is the counter index + 1 (0: unused slot). */
struct cexp {
	int idx1;
	long delta;
};
#define C(n, d) { BPFALG_CNT_##n + 1, d }
/* Drops counted under reason r (enum bpfalg_drop_reason). */
#define D(r, d) { BPFALG_CNT_DROP + BPFALG_DROP_##r + 1, d }

/* Flow table check after the case: state + 1 (0: no check). */
struct fchk {
	const char *s, *d;
	__u16 sp, dp;
	__u8 proto;
	int state1;
};
#define ST(x) (BPFALG_ST_##x + 1)

struct tcase {
	const char *name;
	bool reset; /* clear flows/pinholes/forwards/frags first */
	void (*pre)(void);
	enum prog_id prog;
	enum if_sym ifx; /* __sk_buff.ifindex / xdp_md.ingress_ifindex */
	enum if_sym iif; /* __sk_buff.ingress_ifindex */
	__u32 mark;
	int frag; /* 1: first / 2: second fragment of the built packet */
	struct pkt_spec in;
	int mg, mg_arg; /* enum pkt_mangle on the input */
	int verdict;
	bool same; /* output must be byte-identical to the input */
	struct pkt_spec out; /* else: expected output */
	struct cexp cnt[7];
	struct fchk fc;
	int (*post)(char *why, size_t n);
};

int run_case(const struct tcase *tc, char *why, size_t n);
void run_table(void);
void run_alg_table(void); /* alg_cases.c */
void run_tftp_table(void); /* tftp_cases.c */
void run_pinhole_event_table(void); /* pinhole_event_cases.c */
void run_state_table(void); /* state_cases.c */
void run_prefix_table(void); /* prefix_cases.c */
void run_scenarios(void);
void run_stress(void);
int run_bench(void);

#endif
