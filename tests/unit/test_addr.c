// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_addr.c - the shared address lexer (user/alg/addr.c), byte-exact:
 * what it accepts, what it writes, and that a rejected span leaves the
 * output alone.
 */
#include <sys/socket.h>

#include "alg/addr.h"
#include "unit.h"

#define SPAN(s) (const uint8_t *)(s), sizeof(s) - 1

static void addr_ipv4_table(void)
{
	static const struct {
		const char *s;
		size_t n;
		int ok;
		uint8_t a[4];
	} t[] = {
		{ "10.0.1.2", 8, 1, { 10, 0, 1, 2 } },
		{ "0.0.0.0", 7, 1, { 0, 0, 0, 0 } },
		{ "255.255.255.255", 15, 1, { 255, 255, 255, 255 } },
		{ "192.0.2.1", 9, 1, { 192, 0, 2, 1 } },
		{ "010.0.1.2", 9, 0 }, /* leading zero: octal to some */
		{ "10.00.1.2", 9, 0 },
		{ "256.0.0.1", 9, 0 },
		{ "1.2.3", 5, 0 },
		{ "1.2.3.4.5", 9, 0 },
		{ "1.2.3.", 6, 0 },
		{ ".1.2.3", 6, 0 },
		{ "1..2.3", 6, 0 },
		{ "1.2.3.4 ", 8, 0 }, /* the span must be the address */
		{ " 1.2.3.4", 8, 0 },
		{ "1.2.3.4\0", 8, 0 }, /* a NUL inside: no prefix match */
		{ "1.2.3.4\0"
		  "5",
		  9, 0 },
		{ "1.2.3.1234", 10, 0 },
		{ "1.2.3.+4", 8, 0 },
		{ "0x1.2.3.4", 9, 0 },
		{ "", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		uint8_t out[4] = { 0xee, 0xee, 0xee, 0xee };
		static const uint8_t untouched[4] = { 0xee, 0xee, 0xee, 0xee };
		int rc = alg_parse_ipv4((const uint8_t *)t[i].s, t[i].n, out);

		ASSERT_TRUE(rc == (t[i].ok ? 0 : -1), "'%.*s': rc %d",
			    (int)t[i].n, t[i].s, rc);
		ASSERT_TRUE(!memcmp(out, t[i].ok ? t[i].a : untouched, 4),
			    "'%.*s': output", (int)t[i].n, t[i].s);
	}
}

static void addr_ipv6_and_either(void)
{
	static const uint8_t db8_1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t v4[16] = { 192, 0, 2, 1 };
	uint8_t a[16];

	ASSERT_EQ(alg_parse_ipv6(SPAN("2001:DB8::1"), a), 0);
	ASSERT_TRUE(!memcmp(a, db8_1, 16), "2001:db8::1");
	ASSERT_EQ(alg_parse_ipv6(SPAN("2001:db8::1\0"), a), -1);
	ASSERT_EQ(alg_parse_ipv6(SPAN("fe80::1%eth0"), a), -1);
	ASSERT_EQ(alg_parse_ipv6(SPAN("[2001:db8::1]"), a), -1);
	ASSERT_EQ(alg_parse_ipv6(SPAN(":"), a), -1);
	ASSERT_EQ(alg_parse_ipv6(SPAN("1:2:3:4:5:6:7:8:9"), a), -1);
	/* longer than any IPv6 text: refused before the copy */
	ASSERT_EQ(alg_parse_ipv6(SPAN("0000:0000:0000:0000:0000:0000:"
				      "0000:0000:0000"),
				 a),
		  -1);

	memset(a, 0xee, sizeof(a));
	ASSERT_EQ(alg_parse_ip(SPAN("192.0.2.1"), a), AF_INET);
	ASSERT_TRUE(!memcmp(a, v4, 16), "IPv4: the other 12 bytes zeroed");
	ASSERT_EQ(alg_parse_ip(SPAN("::ffff:1.2.3.4"), a), AF_INET6);
	memset(a, 0xee, sizeof(a));
	ASSERT_EQ(alg_parse_ip(SPAN("example.test"), a), 0);
	ASSERT_EQ(alg_parse_ip(SPAN("010.0.1.2"), a), 0);
	ASSERT_EQ(alg_parse_ip(NULL, 0, a), 0);
	ASSERT_EQ(a[0], 0xee); /* untouched when it is no address */
}

UNIT_CASES(addr_cases, CASE(addr_ipv4_table), CASE(addr_ipv6_and_either));
