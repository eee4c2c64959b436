// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* prefix.c - address/prefix lists (see prefix.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/prefix.h"

/* Do the bits of @a beyond @len bits match those of @b? (both 16 bytes) */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	return !((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest)));
}

static bool host_bits_clear(const uint8_t *a, unsigned int len,
			    unsigned int bits)
{
	for (unsigned int i = len; i < bits; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* One "ADDR" or "ADDR/LEN" of @n bytes at @s. */
static int parse_one(const char *s, size_t n, struct prefix *p, char *err,
		     size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned int bits;
	unsigned long len;

	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "'%.*s...' is not an address or prefix",
			 40, s);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(p, 0, sizeof(*p));
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		bits = 128;
	} else {
		snprintf(err, errlen, "'%.*s' is not an address or prefix",
			 (int)n, s);
		return -1;
	}
	len = bits;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9' ||
		    (len = strtoul(slash + 1, &end, 10), *end) || len > bits ||
		    (slash[1] == '0' && slash[2])) {
			snprintf(err, errlen,
				 "'%.*s': prefix length is not 0..%u", (int)n,
				 s, bits);
			return -1;
		}
	}
	if (!host_bits_clear(p->addr, len, bits)) {
		snprintf(err, errlen,
			 "'%.*s' has address bits set beyond /%lu (the "
			 "network is written with them clear)",
			 (int)n, s, len);
		return -1;
	}
	p->len = (uint8_t)len;
	return 0;
}

int prefix_list_parse(const char *list, struct prefix *out, int max, char *err,
		      size_t errlen)
{
	const char *s = list;
	int n = 0;

	while (*s) {
		size_t len = strcspn(s, ",");

		if (!len) {
			snprintf(err, errlen, "empty entry in list \"%s\"",
				 list);
			return -1;
		}
		if (n == max) {
			snprintf(err, errlen, "more than %d entries in \"%s\"",
				 max, list);
			return -1;
		}
		if (parse_one(s, len, &out[n], err, errlen))
			return -1;
		n++;
		s += len;
		if (*s == ',' && !*++s) {
			snprintf(err, errlen, "list \"%s\" ends with ','",
				 list);
			return -1;
		}
	}
	return n;
}

bool prefix_list_match(const struct prefix *p, int n, int family,
		       const uint8_t *addr)
{
	uint8_t a[16] = { 0 };

	memcpy(a, addr, family == AF_INET ? 4 : 16);
	for (int i = 0; i < n; i++)
		if (p[i].family == family &&
		    same_prefix(p[i].addr, a, p[i].len))
			return true;
	return false;
}

void prefix_list_format(const struct prefix *p, int n, char *buf, size_t cap)
{
	size_t off = 0;

	if (!cap)
		return;
	buf[0] = '\0';
	for (int i = 0; i < n && off < cap; i++) {
		char a[INET6_ADDRSTRLEN];
		unsigned int bits = p[i].family == AF_INET ? 32 : 128;

		inet_ntop(p[i].family, p[i].addr, a, sizeof(a));
		if (p[i].len == bits)
			off += (size_t)snprintf(buf + off, cap - off, "%s%s",
						i ? "," : "", a);
		else
			off += (size_t)snprintf(buf + off, cap - off, "%s%s/%u",
						i ? "," : "", a, p[i].len);
	}
}
