// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_tftp.c - libFuzzer target for the datapath's TFTP request checker
 * (bpf/lib/tftp.h, compiled as C through tests/bpf_shim.h).
 *
 * ASan catches any read outside the payload; the verdict is compared with
 * an independent reading of RFC 1350 written here with memchr, so a
 * checker that accepts a malformed request (and would open a pinhole for
 * it) or refuses a good one aborts.
 */
#include <stdlib.h>
#include <strings.h>
#include "bpf_shim.h"
#include "lib/tftp.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* The reference: opcode 1 or 2, a non-empty name, NUL, a known mode in
 * any case, NUL, all within the first TFTP_REQ_MAX bytes.
 */
static int reference(const uint8_t *d, size_t n, size_t *name_len,
		     size_t *mode_len)
{
	const uint8_t *nul1, *nul2;
	static const char *const modes[] = { "netascii", "octet", "mail" };

	if (n > TFTP_REQ_MAX)
		n = TFTP_REQ_MAX;
	if (n < 2 || d[0] != 0 || (d[1] != 1 && d[1] != 2))
		return 0;
	nul1 = memchr(d + 2, 0, n - 2);
	if (!nul1 || nul1 == d + 2)
		return 0;
	nul2 = memchr(nul1 + 1, 0, n - (nul1 + 1 - d));
	if (!nul2)
		return 0;
	*name_len = nul1 - (d + 2);
	*mode_len = nul2 - (nul1 + 1);
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++)
		if (*mode_len == strlen(modes[i]) &&
		    !strncasecmp((const char *)nul1 + 1, modes[i], *mode_len))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_req_scan s;
	size_t nl = 0, ml = 0;
	uint8_t *buf;
	int ref;
	__u8 v;

	/* An exact-size heap copy: one byte past the end is a detected read. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	v = tftp_req_check(buf, size, &s);
	ref = reference(buf, size, &nl, &ml);
	CHECK(v == TFTP_REQ_OK || v == TFTP_REQ_BAD);
	CHECK((v == TFTP_REQ_OK) == ref);
	CHECK(s.pos <= TFTP_REQ_MAX && s.pos <= size);
	if (v == TFTP_REQ_OK) {
		CHECK(s.opcode == buf[1]);
		CHECK(s.name_len == nl && s.mode_len == ml);
		CHECK(s.pos == 2 + nl + 1 + ml + 1);
	}
	free(buf);
	return 0;
}
