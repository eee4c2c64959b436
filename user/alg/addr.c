// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* addr.c - address literals in peer text (see addr.h). */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/addr.h"

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(uint8_t c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

int alg_parse_ipv4(const uint8_t *s, size_t n, uint8_t out[4])
{
	uint8_t a[4];
	size_t p = 0;

	for (int i = 0; i < 4; i++) {
		unsigned int v = 0;
		size_t k = 0;

		if (i) {
			if (p >= n || s[p] != '.')
				return -1;
			p++;
		}
		while (p + k < n && k < 4 && is_digit(s[p + k])) {
			v = v * 10 + (unsigned int)(s[p + k] - '0');
			k++;
		}
		if (!k || k > 3 || v > 255 || (k > 1 && s[p] == '0'))
			return -1;
		a[i] = (uint8_t)v;
		p += k;
	}
	if (p != n)
		return -1;
	memcpy(out, a, 4);
	return 0;
}

int alg_parse_ipv6(const uint8_t *s, size_t n, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN];

	/* the alphabet first: the copy must be all of the span */
	if (n < 2 || n >= sizeof(buf))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]) && s[i] != ':' && s[i] != '.')
			return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

int alg_parse_ip(const uint8_t *s, size_t n, uint8_t out[16])
{
	uint8_t a[16] = { 0 };

	if (!s || !n)
		return 0;
	if (memchr(s, ':', n)) {
		if (alg_parse_ipv6(s, n, a))
			return 0;
		memcpy(out, a, 16);
		return AF_INET6;
	}
	if (alg_parse_ipv4(s, n, a))
		return 0;
	memcpy(out, a, 16);
	return AF_INET;
}
