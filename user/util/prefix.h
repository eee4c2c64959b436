/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * prefix.h - lists of IPv4/IPv6 addresses and prefixes
 * ("192.0.2.10,198.51.100.0/24,2001:db8::/32"), as the SIP invite-from
 * setting holds them: parse (strict: no host bits beyond the length),
 * match an address, format back in canonical form.
 */
#ifndef BPFALG_UTIL_PREFIX_H
#define BPFALG_UTIL_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PREFIX_LIST_MAX 16

struct prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	uint8_t len; /* prefix length in bits */
};

/*
 * Parse @list into @out (at most @max entries).  Returns the number of
 * entries (0 for ""), or -1 with a one-line reason in @err.
 */
int prefix_list_parse(const char *list, struct prefix *out, int max, char *err,
		      size_t errlen);

/* Does @addr (family AF_INET: 4 bytes, AF_INET6: 16) fall in one of them? */
bool prefix_list_match(const struct prefix *p, int n, int family,
		       const uint8_t *addr);

/* The list back, canonical: "/32" and "/128" left out.  "" for none. */
void prefix_list_format(const struct prefix *p, int n, char *buf, size_t cap);

#endif
