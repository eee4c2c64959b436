// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* forward.c - see forward.h. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "forward.h"

int forward_parse(const char *proto, const char *port, const char *target,
		  struct config_forward *f, char *err, size_t errlen)
{
	unsigned long p = 0;
	size_t n = strlen(port);
	__u8 family = 0;

	memset(f, 0, sizeof(*f));
	if (!strcmp(proto, "tcp")) {
		f->key.proto = BPFALG_IPPROTO_TCP;
	} else if (!strcmp(proto, "udp")) {
		f->key.proto = BPFALG_IPPROTO_UDP;
	} else {
		snprintf(err, errlen, "unknown protocol '%.40s' (tcp, udp)",
			 proto);
		return -1;
	}
	/* digits only: no sign, blank or base prefix strtoul would take */
	for (size_t i = 0; i < n && n <= 5; i++) {
		if (port[i] < '0' || port[i] > '9') {
			p = 0;
			break;
		}
		p = p * 10 + (unsigned long)(port[i] - '0');
	}
	if (!n || n > 5 || !p || p > 65535) {
		snprintf(err, errlen, "invalid port '%.40s' (1-65535)", port);
		return -1;
	}
	f->key.port = htons((__u16)p);
	if (parse_endpoint(target, &family, f->val.addr, &f->val.port) ||
	    family != BPFALG_AF_INET) {
		snprintf(err, errlen,
			 "invalid inside address '%.60s' (IPV4:PORT%s)", target,
			 family == BPFALG_AF_INET6 ?
				 "; IPv6 is routed, not forwarded" :
				 "");
		memset(f, 0, sizeof(*f));
		return -1;
	}
	f->key.family = family;
	return 0;
}

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

int forward_parse_line(const char *s, struct config_forward *f, char *err,
		       size_t errlen)
{
	char field[3][80];
	const char *p = s;
	int n = 0;

	while (*p) {
		size_t len = 0;

		while (blank(*p))
			p++;
		if (!*p)
			break;
		while (p[len] && !blank(p[len]))
			len++;
		if (n == 3) {
			snprintf(err, errlen,
				 "unexpected '%.*s' after INSIDE-ADDR:PORT "
				 "(PROTO PORT INSIDE-ADDR:PORT)",
				 (int)(len < 40 ? len : 40), p);
			return -1;
		}
		if (len >= sizeof(field[0])) {
			snprintf(err, errlen, "'%.40s...' is too long", p);
			return -1;
		}
		memcpy(field[n], p, len);
		field[n][len] = '\0';
		n++;
		while (*p && !blank(*p))
			p++;
	}
	if (n < 3) {
		snprintf(err, errlen,
			 "expected PROTO PORT INSIDE-ADDR:PORT (e.g. tcp 8080 "
			 "10.0.1.2:80), got '%.60s'",
			 s);
		return -1;
	}
	return forward_parse(field[0], field[1], field[2], f, err, errlen);
}

char *forward_format(const struct bpfalg_fwd_key *k, const struct bpfalg_fwd *v,
		     char *buf, size_t len)
{
	char t[FORWARD_TEXT_MAX];

	snprintf(buf, len, "%s %u %s", fmt_proto(k->proto), ntohs(k->port),
		 fmt_endpoint(k->family, v->addr, v->port, t, sizeof(t)));
	return buf;
}

static bool same_key(const struct bpfalg_fwd_key *a,
		     const struct bpfalg_fwd_key *b)
{
	return a->port == b->port && a->proto == b->proto &&
	       a->family == b->family;
}

static bool same_target(const struct bpfalg_fwd *a, const struct bpfalg_fwd *b)
{
	return !memcmp(a->addr, b->addr, sizeof(a->addr)) && a->port == b->port;
}

int forward_list_add(struct config_forward *list, int *n,
		     const struct config_forward *f, char *err, size_t errlen)
{
	for (int i = 0; i < *n; i++) {
		if (!same_key(&list[i].key, &f->key))
			continue;
		if (list[i].line)
			snprintf(err, errlen,
				 "%s %u is forwarded already, on line %u",
				 fmt_proto(f->key.proto), ntohs(f->key.port),
				 list[i].line);
		else
			snprintf(err, errlen, "%s %u is forwarded already",
				 fmt_proto(f->key.proto), ntohs(f->key.port));
		return -1;
	}
	if (*n >= CONFIG_MAX_FORWARDS) {
		snprintf(err, errlen,
			 "more than %d forwards (add the others with algctl "
			 "forward add)",
			 CONFIG_MAX_FORWARDS);
		return -1;
	}
	list[(*n)++] = *f;
	return 0;
}

int forward_cmp(const void *a, const void *b)
{
	const struct config_forward *x = a, *y = b;

	if (x->key.proto != y->key.proto)
		return x->key.proto < y->key.proto ? -1 : 1;
	if (x->key.family != y->key.family)
		return x->key.family < y->key.family ? -1 : 1;
	if (ntohs(x->key.port) != ntohs(y->key.port))
		return ntohs(x->key.port) < ntohs(y->key.port) ? -1 : 1;
	return 0;
}

int forward_plan(const struct config_forward *run, int n_run,
		 const struct config_forward *file, int n_file,
		 struct forward_change *out)
{
	int n = 0;

	for (int i = 0; i < n_run; i++) {
		bool kept = false;

		if (!(run[i].val.flags & BPFALG_FWD_F_CONFIG))
			continue; /* added by hand: not the file's to remove */
		for (int j = 0; j < n_file && !kept; j++)
			kept = same_key(&run[i].key, &file[j].key);
		if (kept)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].action = FWD_DEL;
		out[n].key = run[i].key;
		out[n].from = run[i].val;
		n++;
	}
	for (int j = 0; j < n_file; j++) {
		const struct config_forward *r = NULL;

		for (int i = 0; i < n_run && !r; i++)
			if (same_key(&run[i].key, &file[j].key))
				r = &run[i];
		if (r && same_target(&r->val, &file[j].val) &&
		    (r->val.flags & BPFALG_FWD_F_CONFIG))
			continue; /* as the file says already */
		memset(&out[n], 0, sizeof(out[n]));
		out[n].action = !r ? FWD_ADD :
				!same_target(&r->val, &file[j].val) ?
				     FWD_CHANGE :
				     FWD_ADOPT;
		out[n].key = file[j].key;
		if (r)
			out[n].from = r->val;
		out[n].to = file[j].val;
		out[n].to.flags |= BPFALG_FWD_F_CONFIG;
		n++;
	}
	return n;
}

char *forward_change_text(const struct forward_change *c, char *buf, size_t len)
{
	char a[FORWARD_TEXT_MAX], t[FORWARD_TEXT_MAX];

	switch (c->action) {
	case FWD_ADD:
		snprintf(buf, len, "forward add %s",
			 forward_format(&c->key, &c->to, a, sizeof(a)));
		break;
	case FWD_DEL:
		snprintf(buf, len, "forward del %s",
			 forward_format(&c->key, &c->from, a, sizeof(a)));
		break;
	case FWD_CHANGE:
		snprintf(buf, len, "forward %s -> %s%s",
			 forward_format(&c->key, &c->from, a, sizeof(a)),
			 fmt_endpoint(c->key.family, c->to.addr, c->to.port, t,
				      sizeof(t)),
			 c->from.flags & BPFALG_FWD_F_CONFIG ?
				 "" :
				 " (replaces one added by hand)");
		break;
	case FWD_ADOPT:
		snprintf(buf, len,
			 "forward %s: added by hand, now from the file",
			 forward_format(&c->key, &c->to, a, sizeof(a)));
		break;
	}
	return buf;
}
