// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpf_tests - BPF unit tests of the bpfalg datapath with
 * bpf_prog_test_run_opts on crafted packets (docs/datapath.md is the
 * contract).  Prints `PASS name` / `FAIL name: why` per case and a closing
 * `N passed, N failed`; exits non-zero on any failure.
 *
 *   bpf_tests [-v]        run every case
 *   bpf_tests --bench     XDP fast-path cost and map memory (no pass/fail)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"

int main(int argc, char **argv)
{
	bool bench = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bench")) {
			bench = true;
		} else if (!strcmp(argv[i], "-v") ||
			   !strcmp(argv[i], "--verbose")) {
			E.verbose = true;
		} else {
			fprintf(stderr, "usage: %s [-v] [--bench]\n", argv[0]);
			return 2;
		}
	}
	if (geteuid() != 0) {
		printf("FAIL setup: must run as root (netns, bpffs, BPF)\n");
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (env_setup()) {
		printf("FAIL setup: namespace, pins or BPF load failed (see stderr)\n");
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (bench)
		return run_bench();

	run_table();
	run_alg_table();
	run_tftp_table();
	run_pinhole_event_table();
	run_state_table();
	run_prefix_table();
	run_scenarios();
	run_stress();
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
