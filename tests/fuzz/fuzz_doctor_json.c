// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_doctor_json.c - libFuzzer target for the JSON readers of `algctl
 * doctor` (user/doctor_json.c): `nft -j list ruleset` and `ip -j route` /
 * `ip -j rule`.
 *
 * The input, in an exact-size heap copy (ASan catches a read past it),
 * goes to the nft reader and to the route reader as routes, as rules and
 * as both; the results are checked: a document either reads (0) or is
 * refused with a reason (-EINVAL); every string is terminated and
 * printable; port ranges are ordered and within the limit; "any" is never
 * negated; a chain is never both reached by jumps and unreached; the
 * interface lists fit.  The corpus (tests/fuzz/corpus/doctor_json) holds
 * the unit tests' captures.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_json.h"

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
	char buf[300];

	CHECK(p->n >= 0 && p->n <= DP_MAX_RANGES);
	CHECK(!(p->any && p->neg));
	for (int i = 0; i < p->n; i++)
		CHECK(p->r[i].lo <= p->r[i].hi);
	dp_ports_str(p, buf, sizeof(buf));
	CHECK(strnlen(buf, sizeof(buf)) < sizeof(buf));
}

static void check_nft(const struct nft_ruleset *rs)
{
	CHECK(rs->n_rules >= 0 && rs->n_objs >= 0 && rs->n_nats >= 0);
	for (int i = 0; i < rs->n_objs; i++) {
		check_str(rs->objs[i].family, sizeof(rs->objs[i].family));
		check_str(rs->objs[i].table, sizeof(rs->objs[i].table));
		check_str(rs->objs[i].name, sizeof(rs->objs[i].name));
		check_str(rs->objs[i].type, sizeof(rs->objs[i].type));
	}
	for (int i = 0; i < rs->n_rules; i++) {
		const struct nft_helper_rule *r = &rs->rules[i];

		check_str(r->family, sizeof(r->family));
		check_str(r->table, sizeof(r->table));
		check_str(r->chain, sizeof(r->chain));
		check_str(r->helper, sizeof(r->helper));
		check_str(r->type, sizeof(r->type));
		check_str(r->hook, sizeof(r->hook));
		check_str(r->text, sizeof(r->text));
		check_ports(&r->ports);
		CHECK(!(r->via_jump && r->unreached));
	}
	for (int i = 0; i < rs->n_nats; i++) {
		const struct nft_nat_rule *n = &rs->nats[i];

		CHECK(n->n_oif >= 0 && n->n_oif <= NFT_NAT_IFS);
		for (int k = 0; k < n->n_oif; k++)
			check_str(n->oif[k], sizeof(n->oif[k]));
		check_str(n->kind, sizeof(n->kind));
		check_str(n->chain, sizeof(n->chain));
		check_str(n->text, sizeof(n->text));
		if (n->oif_any || !n->n_oif)
			CHECK(nft_nat_applies(n, "eth0"));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), err[256], why[160];
	struct nft_ruleset rs;
	int r;

	CHECK(copy);
	memcpy(copy, data, size);
	err[0] = 0;
	r = nft_json_parse(&rs, copy, size, err, sizeof(err));
	CHECK(r == 0 || (r == -EINVAL && err[0]));
	check_nft(&rs);
	nft_ruleset_free(&rs);

	r = ip_json_asymmetric(copy, size, NULL, 0, "eth0", why, sizeof(why));
	CHECK(r >= -EINVAL && r <= 1 &&
	      strnlen(why, sizeof(why)) < sizeof(why));
	CHECK(r != 1 || why[0]);
	r = ip_json_asymmetric(NULL, 0, copy, size, "eth0", why, sizeof(why));
	CHECK(r >= -EINVAL && r <= 1);
	r = ip_json_asymmetric(copy, size, copy, size, "gin", why, sizeof(why));
	CHECK(r >= -EINVAL && r <= 1);
	free(copy);
	return 0;
}
