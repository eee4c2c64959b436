// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_caps.c - the capability pre-check of up/daemon: which capabilities
 * an effective set lacks, and that CAP_SYS_ADMIN stands in for the BPF
 * ones (as the kernel's bpf_capable() and friends let it) but not for
 * CAP_NET_RAW.
 */
#include <linux/capability.h>

#include "unit.h"
#include "util/caps.h"

#define BIT(c) (1ULL << (c))
#define C_BPF 39
#define C_PERFMON 38

static void caps_full_sets(void)
{
	char buf[128];
	__u64 up = BIT(C_BPF) | BIT(C_PERFMON) | BIT(CAP_NET_ADMIN);

	ASSERT_EQ(caps_missing(up, false, buf, sizeof(buf)), 0);
	ASSERT_STREQ(buf, "");
	ASSERT_EQ(caps_missing(up | BIT(CAP_NET_RAW), true, buf, sizeof(buf)),
		  0);
	/* root's full set */
	ASSERT_EQ(caps_missing(~0ULL, true, buf, sizeof(buf)), 0);
}

static void caps_missing_named(void)
{
	char buf[128];

	ASSERT_EQ(caps_missing(0, false, buf, sizeof(buf)), 3);
	ASSERT_STREQ(buf, "CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN");
	ASSERT_EQ(caps_missing(0, true, buf, sizeof(buf)), 4);
	ASSERT_STREQ(buf, "CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW");
	/* the verifier needs CAP_PERFMON even with CAP_BPF + CAP_NET_ADMIN */
	ASSERT_EQ(caps_missing(BIT(C_BPF) | BIT(CAP_NET_ADMIN), false, buf,
			       sizeof(buf)),
		  1);
	ASSERT_STREQ(buf, "CAP_PERFMON");
	/* up does not reinject: CAP_NET_RAW is the daemon's alone */
	ASSERT_EQ(caps_missing(BIT(C_BPF) | BIT(C_PERFMON) | BIT(CAP_NET_ADMIN),
			       true, buf, sizeof(buf)),
		  1);
	ASSERT_STREQ(buf, "CAP_NET_RAW");
}

static void caps_sys_admin(void)
{
	char buf[128];

	/* a pre-5.8 kernel's root: CAP_SYS_ADMIN is how BPF is allowed */
	ASSERT_EQ(caps_missing(BIT(CAP_SYS_ADMIN), false, buf, sizeof(buf)), 0);
	ASSERT_EQ(caps_missing(BIT(CAP_SYS_ADMIN), true, buf, sizeof(buf)), 1);
	ASSERT_STREQ(buf, "CAP_NET_RAW");
}

static void caps_short_buffer(void)
{
	char buf[8];

	/* the count stays right, the text is cut, never overrun */
	ASSERT_EQ(caps_missing(0, true, buf, sizeof(buf)), 4);
	ASSERT_STREQ(buf, "CAP_BPF");
	ASSERT_EQ(caps_missing(0, true, NULL, 0), 4);
}

UNIT_CASES(caps_cases, CASE(caps_full_sets), CASE(caps_missing_named),
	   CASE(caps_sys_admin), CASE(caps_short_buffer));
