/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* unit.h - a minimal test framework: TEST() cases, ASSERT_* that record the
 * failure and return from the case, one closing "N passed, N failed" line.
 */
#ifndef BPFALG_UNIT_H
#define BPFALG_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_failed_now;

#define ASSERT_TRUE(c, ...)                                                    \
	do {                                                                   \
		if (!(c)) {                                                    \
			printf("    %s:%d: ", __FILE__, __LINE__);               \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
			unit_failed_now = 1;                                   \
			return;                                                \
		}                                                              \
	} while (0)
#define ASSERT_EQ(a, b)                                                        \
	ASSERT_TRUE((a) == (b), "%s == %s: %lld != %lld", #a, #b,              \
		    (long long)(a), (long long)(b))
#define ASSERT_STREQ(a, b)                                                     \
	ASSERT_TRUE(!strcmp((a), (b)), "%s: \"%s\" != \"%s\"", #a, (a), (b))

struct unit_case {
	const char *name;
	void (*fn)(void);
};

#define UNIT_CASES(name, ...) const struct unit_case name[] = { __VA_ARGS__, { 0 } }
#define CASE(f) { #f, f }

#endif
