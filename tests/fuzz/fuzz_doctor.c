// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_doctor.c - libFuzzer target for the text readers of `algctl
 * doctor` (user/doctor_parse.c): iptables-save output and conntrack -L
 * lines (nftables is read as JSON: fuzz_doctor_json.c).
 *
 * The same input goes to both, whole and line by line (each line in an
 * exact-size heap copy without its '\n', so ASan catches a read past it),
 * and the results are checked: both ways agree; every string is
 * terminated and printable; port ranges are ordered and within the limit;
 * "any" is never negated; the port text fits any buffer size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_parse.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static void check_str(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	CHECK(n < size);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)s[i] >= 0x20 &&
		      (unsigned char)s[i] < 0x7f);
}

static void check_ports(const struct dp_ports *p)
{
	static const __u16 probe[4] = { 21, 69, 5060, 65535 };
	char buf[300];

	CHECK(p->n >= 0 && p->n <= DP_MAX_RANGES);
	CHECK(!(p->any && p->neg));
	for (int i = 0; i < p->n; i++)
		CHECK(p->r[i].lo <= p->r[i].hi);
	/* every buffer size: terminated, never past the end */
	for (size_t len = 1; len < sizeof(buf); len += 37) {
		char *b = malloc(len);

		CHECK(b);
		dp_ports_str(p, b, len);
		CHECK(strnlen(b, len) < len);
		free(b);
	}
	dp_ports_str(p, buf, sizeof(buf));
	if (p->any)
		CHECK(dp_ports_overlap(p, probe, 4) == 21);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct ipt_rules ipt = {}, ipt2 = {};
	struct ct_helpers ct = {}, ct2 = {};
	size_t off = 0;

	while (off < size) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t l = nl ? (size_t)(nl - (text + off)) : size - off;
		char *copy = malloc(l ? l : 1);

		CHECK(copy);
		memcpy(copy, text + off, l);
		CHECK(ipt_rules_line(&ipt, copy, l) == 0);
		CHECK(ct_helpers_line(&ct, copy, l) >= 0);
		free(copy);
		off += l + (nl ? 1 : 0);
	}
	CHECK(!ipt_rules_parse(&ipt2, text, size));
	CHECK(ipt2.n == ipt.n && ipt2.n_nats == ipt.n_nats);
	ipt_rules_free(&ipt2);
	check_str(ipt.variant, sizeof(ipt.variant));
	for (int i = 0; i < ipt.n; i++) {
		check_str(ipt.rules[i].chain, sizeof(ipt.rules[i].chain));
		check_str(ipt.rules[i].helper, sizeof(ipt.rules[i].helper));
		check_str(ipt.rules[i].spec, sizeof(ipt.rules[i].spec));
		CHECK(ipt.rules[i].helper[0]);
		check_ports(&ipt.rules[i].ports);
	}
	for (int i = 0; i < ipt.n_nats; i++) {
		const struct ipt_nat_rule *n = &ipt.nats[i];

		check_str(n->chain, sizeof(n->chain));
		check_str(n->kind, sizeof(n->kind));
		check_str(n->oif, sizeof(n->oif));
		check_str(n->spec, sizeof(n->spec));
		CHECK(n->kind[0]);
		if (!n->oif[0])
			CHECK(ipt_nat_applies(n, "eth0"));
	}
	ipt_rules_free(&ipt);

	/* whole text and lines agree; groups add up */
	CHECK(!ct_helpers_parse(&ct2, text, size));
	CHECK(ct2.entries == ct.entries && ct2.n == ct.n);
	{
		unsigned long sum = 0;

		for (int i = 0; i < ct.n; i++) {
			check_str(ct.use[i].helper, sizeof(ct.use[i].helper));
			CHECK(ct.use[i].count > 0);
			sum += ct.use[i].count;
		}
		CHECK(sum <= ct.entries);
	}
	ct_helpers_free(&ct);
	ct_helpers_free(&ct2);
	return 0;
}
