// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* policy.c - command deny lists (see alg.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alg/alg.h"

bool alg_policy_denies(const struct alg_policy *p, const char *word, size_t len)
{
	if (!p || !len || len >= ALG_POLICY_NAME)
		return false;
	for (unsigned int i = 0; i < p->n_deny; i++)
		if (strlen(p->deny[i]) == len &&
		    !strncasecmp(p->deny[i], word, len))
			return true;
	return false;
}

int alg_policy_parse(struct alg_policy *p, const char *list, char *err,
		     size_t errlen)
{
	const char *s = list;

	memset(p, 0, sizeof(*p));
	while (*s) {
		size_t n = strcspn(s, ",");

		if (!n) {
			snprintf(err, errlen, "empty name in list \"%s\"",
				 list);
			return -1;
		}
		if (n >= ALG_POLICY_NAME) {
			snprintf(err, errlen,
				 "name too long in \"%s\" (at most %d "
				 "characters)",
				 list, ALG_POLICY_NAME - 1);
			return -1;
		}
		if (p->n_deny >= ALG_POLICY_MAX) {
			snprintf(err, errlen, "more than %d names in \"%s\"",
				 ALG_POLICY_MAX, list);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			/* '_': RTSP's GET_PARAMETER, SET_PARAMETER */
			if (!isalpha((unsigned char)s[i]) && s[i] != '-' &&
			    s[i] != '_') {
				snprintf(err, errlen,
					 "bad command name \"%.*s\" (letters, "
					 "'-' and '_' only)",
					 (int)n, s);
				return -1;
			}
			p->deny[p->n_deny][i] =
				(char)toupper((unsigned char)s[i]);
		}
		p->n_deny++;
		s += n;
		if (*s == ',')
			s++;
		if (!*s && s[-1] == ',') {
			snprintf(err, errlen, "list \"%s\" ends with ','",
				 list);
			return -1;
		}
	}
	return 0;
}

void alg_policy_format(const struct alg_policy *p, char *buf, size_t cap)
{
	size_t off = 0;

	if (cap)
		buf[0] = '\0';
	for (unsigned int i = 0; i < p->n_deny && off < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s%s",
					i ? "," : "", p->deny[i]);
}

bool alg_policy_from_ok(const struct alg_policy *p, int family,
			const uint8_t *addr)
{
	return !p || !p->n_from ||
	       prefix_list_match(p->from, p->n_from, family, addr);
}
