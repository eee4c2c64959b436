// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_parse.c - libFuzzer target for the datapath's packet parser
 * (bpf/lib/parse.h, compiled as C through tests/bpf_shim.h).
 *
 * ASan catches any read outside the frame; the checks below catch a parse
 * that claims success with offsets the translation code would trust but
 * that do not fit the frame.
 */
#include <stdlib.h>
#include "bpf_shim.h"
#include "lib/parse.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt p;
	uint8_t *buf;
	int rc;

	/* An exact-size heap copy: one byte past the end is a detected read. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	rc = parse_packet(buf, buf + size, size, &p);
	if (rc == PARSE_OK) {
		CHECK(p.l3_off <= PARSE_MAX_L3_OFF && p.l3_off < size);
		CHECK(p.l3_off + p.l3_len <= size);
		if (p.kind != PK_FRAG) {
			bool known = p.t.proto == BPFALG_IPPROTO_TCP ||
				     p.t.proto == BPFALG_IPPROTO_UDP ||
				     p.t.proto == BPFALG_IPPROTO_ICMP ||
				     p.t.proto == BPFALG_IPPROTO_ICMPV6;

			CHECK(p.l4_off <= PARSE_MAX_L4_OFF);
			/* unknown protocols are translated by address only */
			CHECK(!known || p.l4_off + 8 <= size);
			if (p.t.proto == BPFALG_IPPROTO_TCP)
				CHECK(p.l4_off + 20 <= size &&
				      p.csum_off == p.l4_off + 16);
		}
		if (p.kind == PK_ICMP_ERR) {
			CHECK(p.inner_l3_off == p.l4_off + 8);
			bool iknown = p.inner.proto == BPFALG_IPPROTO_TCP ||
				      p.inner.proto == BPFALG_IPPROTO_UDP ||
				      p.inner.proto == BPFALG_IPPROTO_ICMP ||
				      p.inner.proto == BPFALG_IPPROTO_ICMPV6;

			CHECK(!iknown || p.inner_l4_off + 8 <= size);
		}
		CHECK(p.t.family == BPFALG_AF_INET ||
		      p.t.family == BPFALG_AF_INET6);
	}
	free(buf);
	return 0;
}
