// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * doctor_parse.c - see doctor_parse.h.  iptables-save and conntrack -L
 * are text, read token by token; nftables is read through its JSON
 * (doctor_json.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfalg.h"
#include "doctor_parse.h"

/* ------------------------------------------------------------ ports */

void dp_ports_any(struct dp_ports *p)
{
	memset(p, 0, sizeof(*p));
	p->any = true;
}

void dp_ports_add(struct dp_ports *p, unsigned int lo, unsigned int hi)
{
	if (p->any)
		return;
	if (p->n == DP_MAX_RANGES) {
		/* too many to keep: "any" over-reports, never misses */
		dp_ports_any(p);
		return;
	}
	p->r[p->n].lo = lo;
	p->r[p->n].hi = hi;
	p->n++;
}

bool dp_ports_has(const struct dp_ports *p, __u16 port)
{
	bool in = false;

	if (p->any)
		return true;
	for (int i = 0; i < p->n && !in; i++)
		in = port >= p->r[i].lo && port <= p->r[i].hi;
	return p->neg ? !in : in;
}

__u16 dp_ports_overlap(const struct dp_ports *p, const __u16 *ports, int n)
{
	for (int i = 0; i < n; i++)
		if (ports[i] && dp_ports_has(p, ports[i]))
			return ports[i];
	return 0;
}

char *dp_ports_str(const struct dp_ports *p, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	if (p->any) {
		snprintf(buf, len, "any");
		return buf;
	}
	if (p->neg)
		off = snprintf(buf, len, "not ");
	for (int i = 0; i < p->n && off < len; i++) {
		char one[16];

		if (p->r[i].lo == p->r[i].hi)
			snprintf(one, sizeof(one), "%s%u", i ? "," : "",
				 p->r[i].lo);
		else
			snprintf(one, sizeof(one), "%s%u-%u", i ? "," : "",
				 p->r[i].lo, p->r[i].hi);
		if (off + strlen(one) + 4 >= len) {
			snprintf(buf + off, len - off, ",...");
			break;
		}
		off += snprintf(buf + off, len - off, "%s", one);
	}
	return buf;
}

int dp_helper_alg(const char *type)
{
	static const struct {
		const char *type;
		int alg;
	} map[] = {
		{ "ftp", BPFALG_ALG_FTP },
		{ "sip", BPFALG_ALG_SIP },
		{ "rtsp", BPFALG_ALG_RTSP },
		{ "tftp", BPFALG_ALG_TFTP },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(type, map[i].type))
			return map[i].alg;
	return 0;
}

bool dp_alg_l4(int alg, __u8 l4)
{
	if (!l4)
		return true;
	switch (alg) {
	case BPFALG_ALG_FTP:
	case BPFALG_ALG_RTSP:
		return l4 == BPFALG_IPPROTO_TCP;
	case BPFALG_ALG_SIP:
		return l4 == BPFALG_IPPROTO_TCP || l4 == BPFALG_IPPROTO_UDP;
	case BPFALG_ALG_TFTP:
		return l4 == BPFALG_IPPROTO_UDP;
	}
	return false;
}

/* Port numbers of the services the helpers are about, as nft -S, or an
 * older nft, prints them.
 */
static int service_port(const char *s, size_t len)
{
	static const struct {
		const char *name;
		int port;
	} svc[] = {
		{ "ftp", 21 },	  { "ftp-data", 20 },  { "tftp", 69 },
		{ "sip", 5060 },  { "sip-tls", 5061 }, { "rtsp", 554 },
		{ "ftps", 990 },  { "irc", 6667 },     { "h323hostcall", 1720 },
		{ "pptp", 1723 },
	};

	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++)
		if (strlen(svc[i].name) == len && !memcmp(s, svc[i].name, len))
			return svc[i].port;
	return -1;
}

static int num(const char *s, size_t len, unsigned long max)
{
	unsigned long v = 0;

	if (!len || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? -1 : (int)v;
}

/* "21", "2200-2210" ("21:23" with @sep ':'), or a service name. */
static int port_range(const char *s, size_t len, char sep, unsigned int *lo,
		      unsigned int *hi)
{
	const char *dash = memchr(s, sep, len);
	int a, b;

	if (dash) {
		a = num(s, dash - s, 65535);
		b = num(dash + 1, len - (dash - s) - 1, 65535);
		if (a < 0 || b < a)
			return -1;
	} else {
		a = b = num(s, len, 65535);
		if (a < 0)
			a = b = service_port(s, len);
		if (a < 0)
			return -1;
	}
	*lo = a;
	*hi = b;
	return 0;
}

__u8 dp_l4_of(const char *s, size_t len)
{
	static const struct {
		const char *name;
		__u8 l4;
	} p[] = {
		{ "tcp", 6 },	    { "udp", 17 },   { "6", 6 },
		{ "17", 17 },	    { "sctp", 132 }, { "dccp", 33 },
		{ "udplite", 136 },
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (strlen(p[i].name) == len && !memcmp(s, p[i].name, len))
			return p[i].l4;
	return 0;
}

/* A name from the text, cut to fit; bytes a terminal would act on (or
 * that are not ASCII) become '.': findings are printed as they are.
 */
void dp_copy(char *dst, size_t dlen, const char *s, size_t len)
{
	if (len >= dlen)
		len = dlen - 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		dst[i] = c < 0x20 || c >= 0x7f ? '.' : c;
	}
	dst[len] = 0;
}

/* One line for a report: whitespace runs become one space, control bytes
 * a '.', cut at @dlen.
 */
static void one_line(char *dst, size_t dlen, const char *s, size_t len)
{
	size_t o = 0;
	bool sp = false;

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	for (size_t i = 0; i < len && o + 1 < dlen; i++) {
		unsigned char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			sp = true;
			continue;
		}
		if (sp && o + 2 < dlen)
			dst[o++] = ' ';
		sp = false;
		dst[o++] = c < 0x20 || c >= 0x7f ? '.' : c;
	}
	dst[o] = 0;
}

/* Room for element @n of an array that holds @n: capacities 8, 16, 32... */
static int grow(void **arr, int n, size_t size)
{
	void *p;

	if (n < 0 || (n && (n < 8 || (n & (n - 1)))))
		return n < 0 ? -EINVAL : 0;
	p = realloc(*arr, (n ? 2 * (size_t)n : 8) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/* ------------------------------------------------------------ tokens */

struct tok {
	const char *s;
	size_t len;
	bool quoted;
};

struct cur {
	const char *p, *end;
};

static bool tok_is(const struct tok *t, const char *w)
{
	return !t->quoted && t->len == strlen(w) && !memcmp(t->s, w, t->len);
}

static int for_lines(const char *text, size_t len,
		     int (*fn)(void *ctx, const char *line, size_t len),
		     void *ctx)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int ret = fn(ctx, p, l);

		if (ret < 0)
			return ret;
		p += l + (nl ? 1 : 0);
	}
	return 0;
}

/* ------------------------------------------------------------ iptables */

/* iptables-save quotes with "..." and escapes with a backslash. */
static bool ipt_tok(struct cur *c, struct tok *t)
{
	const char *p = c->p;

	while (p < c->end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p >= c->end)
		return false;
	t->quoted = *p == '"';
	if (t->quoted) {
		const char *q = ++p;

		while (q < c->end && *q != '"') {
			if (*q == '\\' && q + 1 < c->end)
				q++;
			q++;
		}
		t->s = p;
		t->len = q - p;
		c->p = q < c->end ? q + 1 : q;
		return true;
	}
	t->s = p;
	while (p < c->end && *p != ' ' && *p != '\t' && *p != '\r')
		p++;
	t->len = p - t->s;
	c->p = p;
	return true;
}

/* "21,2121:2125" (multiport) or "21:23" into @p. */
static void ipt_ports(const struct tok *t, struct dp_ports *p)
{
	const char *s = t->s, *end = t->s + t->len;

	while (s < end && !p->any) {
		const char *comma = memchr(s, ',', end - s);
		size_t l = comma ? (size_t)(comma - s) : (size_t)(end - s);
		unsigned int lo, hi;

		if (port_range(s, l, ':', &lo, &hi))
			dp_ports_any(p);
		else
			dp_ports_add(p, lo, hi);
		s += l + (comma ? 1 : 0);
	}
}

/* A rule of the nat table: a MASQUERADE or SNAT target is kept. */
static int ipt_nat_line(struct ipt_rules *r, const char *line, size_t len)
{
	struct ipt_nat_rule rule = {};
	struct cur c = { line + 3, line + len };
	struct tok t;
	bool neg = false;

	if (!ipt_tok(&c, &t))
		return 0;
	dp_copy(rule.chain, sizeof(rule.chain), t.s, t.len);
	one_line(rule.spec, sizeof(rule.spec), line + 3, len - 3);
	while (ipt_tok(&c, &t)) {
		if (!t.quoted && t.len == 1 && t.s[0] == '!') {
			neg = true;
			continue;
		}
		if (tok_is(&t, "-o") || tok_is(&t, "--out-interface")) {
			if (!ipt_tok(&c, &t))
				break;
			dp_copy(rule.oif, sizeof(rule.oif), t.s, t.len);
			rule.oif_neg = neg;
		} else if (tok_is(&t, "-j")) {
			if (!ipt_tok(&c, &t))
				break;
			if (tok_is(&t, "MASQUERADE") || tok_is(&t, "SNAT"))
				dp_copy(rule.kind, sizeof(rule.kind), t.s,
					t.len);
		}
		neg = false;
	}
	if (!rule.kind[0])
		return 0;
	if (grow((void **)&r->nats, r->n_nats, sizeof(rule)))
		return -ENOMEM;
	r->nats[r->n_nats++] = rule;
	return 0;
}

int ipt_rules_line(struct ipt_rules *r, const char *line, size_t len)
{
	struct ipt_helper_rule rule = {};
	struct cur c = { line, line + len };
	struct tok t, chain;
	bool neg = false, ct = false, have_ports = false;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	c.end = line + len;
	if (len > 15 && !memcmp(line, "# Generated by ", 15)) {
		/* "# Generated by iptables-save v1.8.9 (nf_tables) on ..." */
		const char *o = memchr(line, '(', len), *e;

		e = o ? memchr(o, ')', line + len - o) : NULL;
		if (e)
			dp_copy(r->variant, sizeof(r->variant), o + 1,
				e - o - 1);
		return 0;
	}
	if (len && line[0] == '*') {
		dp_copy(r->table, sizeof(r->table), line + 1, len - 1);
		return 0;
	}
	if (len == 6 && !memcmp(line, "COMMIT", 6)) {
		r->table[0] = 0;
		return 0;
	}
	if (len < 3 || memcmp(line, "-A ", 3))
		return 0;
	if (!strcmp(r->table, "nat"))
		return ipt_nat_line(r, line, len);
	if (strcmp(r->table, "raw"))
		return 0;
	c.p += 3;
	if (!ipt_tok(&c, &chain))
		return 0;
	dp_copy(rule.chain, sizeof(rule.chain), chain.s, chain.len);
	one_line(rule.spec, sizeof(rule.spec), line + 3, len - 3);
	dp_ports_any(&rule.ports);
	while (ipt_tok(&c, &t)) {
		if (!t.quoted && t.len == 1 && t.s[0] == '!') {
			neg = true;
			continue;
		}
		if (tok_is(&t, "-p") || tok_is(&t, "--protocol")) {
			if (!ipt_tok(&c, &t))
				break;
			rule.l4 = neg ? 0 : dp_l4_of(t.s, t.len);
		} else if (tok_is(&t, "--dport") ||
			   tok_is(&t, "--destination-port") ||
			   tok_is(&t, "--dports") ||
			   tok_is(&t, "--destination-ports")) {
			if (!ipt_tok(&c, &t))
				break;
			if (!have_ports)
				memset(&rule.ports, 0, sizeof(rule.ports));
			have_ports = true;
			ipt_ports(&t, &rule.ports);
			rule.ports.neg = neg && !rule.ports.any;
		} else if (tok_is(&t, "-j")) {
			if (!ipt_tok(&c, &t))
				break;
			ct = tok_is(&t, "CT");
		} else if (ct && tok_is(&t, "--helper")) {
			if (!ipt_tok(&c, &t))
				break;
			dp_copy(rule.helper, sizeof(rule.helper), t.s, t.len);
		}
		neg = false;
	}
	if (!ct || !rule.helper[0])
		return 0;
	if (grow((void **)&r->rules, r->n, sizeof(rule)))
		return -ENOMEM;
	r->rules[r->n++] = rule;
	return 0;
}

static int ipt_line_cb(void *ctx, const char *line, size_t len)
{
	return ipt_rules_line(ctx, line, len);
}

int ipt_rules_parse(struct ipt_rules *r, const char *text, size_t len)
{
	return for_lines(text, len, ipt_line_cb, r);
}

bool ipt_nat_applies(const struct ipt_nat_rule *r, const char *ifname)
{
	size_t n = strlen(r->oif);
	bool match;

	if (!n)
		return true;
	/* "eth+" is iptables' wildcard: every name that starts so */
	if (r->oif[n - 1] == '+')
		match = !strncmp(r->oif, ifname, n - 1);
	else
		match = !strcmp(r->oif, ifname);
	return r->oif_neg ? !match : match;
}

void ipt_rules_free(struct ipt_rules *r)
{
	free(r->rules);
	free(r->nats);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------ conntrack */

/* Groups kept apart; beyond, one group per helper and protocol, port 0. */
#define CT_MAX_GROUPS 256

int ct_helpers_line(struct ct_helpers *c, const char *line, size_t len)
{
	struct cur cu = { line, line + len };
	char helper[32] = "";
	struct tok t;
	__u8 l4;
	int dport = -1, i;

	if (!ipt_tok(&cu, &t))
		return 0;
	/* -o extended: "ipv4 2 tcp 6 ..." */
	if (tok_is(&t, "ipv4") || tok_is(&t, "ipv6")) {
		if (!ipt_tok(&cu, &t) || num(t.s, t.len, 255) < 0 ||
		    !ipt_tok(&cu, &t))
			return 0;
	}
	l4 = dp_l4_of(t.s, t.len);
	/* the protocol's name, then its number */
	if (!ipt_tok(&cu, &t) || num(t.s, t.len, 255) < 0)
		return 0;
	if (!l4)
		l4 = num(t.s, t.len, 255);
	c->entries++;
	while (ipt_tok(&cu, &t)) {
		if (dport < 0 && t.len > 6 && !memcmp(t.s, "dport=", 6))
			dport = num(t.s + 6, t.len - 6, 65535);
		else if (t.len > 7 && !memcmp(t.s, "helper=", 7))
			dp_copy(helper, sizeof(helper), t.s + 7, t.len - 7);
	}
	if (!helper[0])
		return 0;
	if (dport < 0)
		dport = 0;
	for (i = 0; i < c->n; i++)
		if (c->use[i].l4 == l4 && c->use[i].dport == dport &&
		    !strcmp(c->use[i].helper, helper))
			break;
	if (i == c->n && c->n >= CT_MAX_GROUPS) {
		dport = 0;
		for (i = 0; i < c->n; i++)
			if (c->use[i].l4 == l4 && !c->use[i].dport &&
			    !strcmp(c->use[i].helper, helper))
				break;
	}
	if (i == c->n) {
		if (grow((void **)&c->use, c->n, sizeof(*c->use)))
			return -ENOMEM;
		memset(&c->use[i], 0, sizeof(c->use[i]));
		snprintf(c->use[i].helper, sizeof(c->use[i].helper), "%s",
			 helper);
		c->use[i].l4 = l4;
		c->use[i].dport = dport;
		c->n++;
	}
	c->use[i].count++;
	return 1;
}

static int ct_line_cb(void *ctx, const char *line, size_t len)
{
	int ret = ct_helpers_line(ctx, line, len);

	return ret < 0 ? ret : 0;
}

int ct_helpers_parse(struct ct_helpers *c, const char *text, size_t len)
{
	return for_lines(text, len, ct_line_cb, c);
}

void ct_helpers_free(struct ct_helpers *c)
{
	free(c->use);
	memset(c, 0, sizeof(*c));
}
