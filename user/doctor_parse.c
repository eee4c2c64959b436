// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * doctor_parse.c - see doctor_parse.h.
 *
 * nft's listing is read as "logical lines": a line whose braces are not
 * balanced (a long set's elements wrap over several lines) is joined with
 * the following ones, and a logical line ending in '{' opens a block
 * (table, chain, set/map, ct helper, or anything else, which is skipped).
 * Rules are then read token by token, recognising the few expressions that
 * decide which traffic a helper is assigned to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfalg.h"
#include "doctor_parse.h"

/* ------------------------------------------------------------ ports */

static void ports_any(struct dp_ports *p)
{
	memset(p, 0, sizeof(*p));
	p->any = true;
}

static void ports_add(struct dp_ports *p, unsigned int lo, unsigned int hi)
{
	if (p->any)
		return;
	if (p->n == DP_MAX_RANGES) {
		/* too many to keep: "any" over-reports, never misses */
		ports_any(p);
		return;
	}
	p->r[p->n].lo = lo;
	p->r[p->n].hi = hi;
	p->n++;
}

static bool ports_has(const struct dp_ports *p, __u16 port)
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
		if (ports[i] && ports_has(p, ports[i]))
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

static __u8 l4_of(const char *s, size_t len)
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
static void copy_n(char *dst, size_t dlen, const char *s, size_t len)
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

static bool is_space(char c)
{
	/* a NUL byte is no token either */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0;
}

/* Words, "quoted strings", and '{' '}' ',' on their own. */
static bool tok_next(struct cur *c, struct tok *t)
{
	const char *p = c->p;

	while (p < c->end && is_space(*p))
		p++;
	if (p >= c->end) {
		c->p = p;
		return false;
	}
	t->quoted = false;
	if (*p == '"') {
		const char *q = ++p;

		while (q < c->end && *q != '"') {
			if (*q == '\\' && q + 1 < c->end)
				q++;
			q++;
		}
		t->s = p;
		t->len = q - p;
		t->quoted = true;
		c->p = q < c->end ? q + 1 : q;
		return true;
	}
	t->s = p;
	if (*p == '{' || *p == '}' || *p == ',') {
		t->len = 1;
		c->p = p + 1;
		return true;
	}
	while (p < c->end && !is_space(*p) && *p != '{' && *p != '}' &&
	       *p != ',' && *p != '"')
		p++;
	t->len = p - t->s;
	c->p = p;
	return true;
}

static bool tok_is(const struct tok *t, const char *w)
{
	return !t->quoted && t->len == strlen(w) && !memcmp(t->s, w, t->len);
}

/* Consume the next token if it is @w. */
static bool accept_word(struct cur *c, const char *w)
{
	struct cur save = *c;
	struct tok t;

	if (tok_next(c, &t) && tok_is(&t, w))
		return true;
	*c = save;
	return false;
}

/*
 * One element of a set or map up to ',' or '}': its key as a port range
 * (ok false when the key is not a single port or range) and its value
 * (after ':'), "jump NAME"/"goto NAME" kept as @verdict.  Returns false at
 * the closing brace or the end.
 */
struct elem {
	bool key_ok;
	unsigned int lo, hi;
	char value[DP_NAME];
	bool jump;
};

static bool elem_next(struct cur *c, struct elem *e, bool *closed)
{
	struct tok t;
	int ntok = 0, depth = 0;
	bool after_colon = false;

	memset(e, 0, sizeof(*e));
	*closed = false;
	while (tok_next(c, &t)) {
		if (!t.quoted && t.len == 1 && t.s[0] == '{') {
			depth++;
			e->key_ok = false;
			continue;
		}
		if (!t.quoted && t.len == 1 && t.s[0] == '}') {
			if (depth--)
				continue;
			*closed = true;
			return ntok > 0;
		}
		if (depth)
			continue;
		if (!t.quoted && t.len == 1 && t.s[0] == ',')
			return true;
		if (tok_is(&t, ":")) {
			after_colon = true;
			continue;
		}
		if (after_colon) {
			if (tok_is(&t, "jump") || tok_is(&t, "goto")) {
				e->jump = true;
				continue;
			}
			if (!e->value[0])
				copy_n(e->value, sizeof(e->value), t.s, t.len);
			continue;
		}
		/* the key: one port or range; "a . b" is a concatenation,
		 * words after the key (counter, timeout, expires) are its
		 * attributes
		 */
		if (!ntok)
			e->key_ok = !t.quoted && !port_range(t.s, t.len, '-',
							     &e->lo, &e->hi);
		else if (tok_is(&t, "."))
			e->key_ok = false;
		ntok++;
	}
	return ntok > 0;
}

/* ------------------------------------------------------------ nftables */

struct nft_elem {
	bool key_ok;
	__u16 lo, hi;
	char value[DP_NAME];
	bool jump;
};

struct nft_set {
	char family[8];
	char table[DP_NAME];
	char name[DP_NAME];
	struct nft_elem *e;
	int n;
};

/* A rule that jumps to a chain, with its own restriction. */
struct nft_jump {
	char family[8];
	char table[DP_NAME];
	char from[DP_NAME];
	char to[DP_NAME];
	bool from_base;
	struct dp_ports ports;
	char set_ref[DP_NAME]; /* dport @set, resolved in finish */
};

/* A "ct helper set EXPR map @m" waiting for its map. */
struct nft_mapref {
	struct nft_helper_rule tmpl;
	char map[DP_NAME];
	bool ports_from_key;
};

/* Rules whose "dport @set" is resolved in finish. */
struct nft_setref {
	int rule;
	char set[DP_NAME];
};

enum blk { B_TABLE, B_CHAIN, B_HELPER, B_SET, B_OTHER };
#define NFT_DEPTH 16

struct nft_state {
	enum blk stack[NFT_DEPTH];
	int depth; /* may exceed NFT_DEPTH: deeper blocks are B_OTHER */
	char family[8];
	char table[DP_NAME];
	char chain[DP_NAME];
	char hook[16];
	int cur_set, cur_obj;
	char *acc;
	size_t acc_len, acc_cap;
	int acc_bal;
	struct nft_set *sets;
	int n_sets;
	struct nft_jump *jumps;
	int n_jumps;
	struct nft_mapref *maprefs;
	int n_maprefs;
	struct nft_setref *setrefs;
	int n_setrefs;
};

static enum blk top(const struct nft_state *st)
{
	if (!st->depth)
		return B_OTHER;
	return st->depth > NFT_DEPTH ? B_OTHER : st->stack[st->depth - 1];
}

static void push(struct nft_state *st, enum blk b)
{
	if (st->depth < NFT_DEPTH)
		st->stack[st->depth] = b;
	st->depth++;
}

int nft_ruleset_init(struct nft_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->st = calloc(1, sizeof(*rs->st));
	return rs->st ? 0 : -ENOMEM;
}

void nft_ruleset_free(struct nft_ruleset *rs)
{
	struct nft_state *st = rs->st;

	if (st) {
		for (int i = 0; i < st->n_sets; i++)
			free(st->sets[i].e);
		free(st->sets);
		free(st->jumps);
		free(st->maprefs);
		free(st->setrefs);
		free(st->acc);
		free(st);
	}
	free(rs->objs);
	free(rs->rules);
	memset(rs, 0, sizeof(*rs));
}

/* Parse an anonymous set "{ ... }" (the '{' consumed) into @p. */
static void anon_ports(struct cur *c, struct dp_ports *p)
{
	struct elem e;
	bool closed = false, bad = false;

	for (;;) {
		if (elem_next(c, &e, &closed)) {
			if (!e.key_ok)
				bad = true;
			else
				ports_add(p, e.lo, e.hi);
		}
		if (closed || c->p >= c->end)
			break;
	}
	if (bad)
		ports_any(p);
}

/* A port value after "dport" [!=]: a port, range, {set} or @set. */
static void port_value(struct cur *c, struct dp_ports *p, char *set_ref,
		       size_t set_len)
{
	struct tok t;
	unsigned int lo, hi;

	memset(p, 0, sizeof(*p));
	if (accept_word(c, "!="))
		p->neg = true;
	else
		accept_word(c, "==");
	if (!tok_next(c, &t)) {
		ports_any(p);
		return;
	}
	if (!t.quoted && t.len == 1 && t.s[0] == '{') {
		anon_ports(c, p);
	} else if (!t.quoted && t.len > 1 && t.s[0] == '@') {
		copy_n(set_ref, set_len, t.s + 1, t.len - 1);
	} else if (!t.quoted && !port_range(t.s, t.len, '-', &lo, &hi)) {
		ports_add(p, lo, hi);
	} else {
		ports_any(p);
	}
	if (p->any)
		p->neg = false;
}

static struct nft_set *find_set(struct nft_state *st, const char *family,
				const char *table, const char *name)
{
	for (int i = 0; i < st->n_sets; i++)
		if (!strcmp(st->sets[i].family, family) &&
		    !strcmp(st->sets[i].table, table) &&
		    !strcmp(st->sets[i].name, name))
			return &st->sets[i];
	return NULL;
}

static int add_rule(struct nft_ruleset *rs, const struct nft_helper_rule *r)
{
	if (grow((void **)&rs->rules, rs->n_rules, sizeof(*r)))
		return -ENOMEM;
	rs->rules[rs->n_rules++] = *r;
	return 0;
}

static int add_jump(struct nft_state *st, const struct nft_jump *j)
{
	if (grow((void **)&st->jumps, st->n_jumps, sizeof(*j)))
		return -ENOMEM;
	st->jumps[st->n_jumps++] = *j;
	return 0;
}

/* Map elements "{ 21 : "ftp-std", ... }" (the '{' consumed): one rule per
 * helper named, its ports the keys (when @ports_from_key).
 */
static int map_rules(struct nft_ruleset *rs, const struct nft_helper_rule *tmpl,
		     const struct nft_elem *el, int n, bool ports_from_key)
{
	for (int i = 0; i < n; i++) {
		struct nft_helper_rule r = *tmpl;
		bool seen = false;

		if (!el[i].value[0])
			continue;
		for (int k = 0; k < i && !seen; k++)
			seen = !strcmp(el[k].value, el[i].value);
		if (seen)
			continue;
		copy_n(r.helper, sizeof(r.helper), el[i].value,
		       strlen(el[i].value));
		memset(&r.ports, 0, sizeof(r.ports));
		for (int k = i; k < n; k++) {
			if (strcmp(el[k].value, el[i].value))
				continue;
			if (!ports_from_key || !el[k].key_ok)
				ports_any(&r.ports);
			else
				ports_add(&r.ports, el[k].lo, el[k].hi);
		}
		if (add_rule(rs, &r))
			return -ENOMEM;
	}
	return 0;
}

/* Read a "{ ... }" element list (the '{' consumed) into an array. */
static int read_elems(struct cur *c, struct nft_elem **out, int *n)
{
	struct elem e;
	bool closed = false;

	while (!closed && c->p < c->end) {
		if (!elem_next(c, &e, &closed))
			continue;
		if (grow((void **)out, *n, sizeof(**out)))
			return -ENOMEM;
		(*out)[*n] = (struct nft_elem){ .key_ok = e.key_ok,
						.lo = e.lo,
						.hi = e.hi,
						.jump = e.jump };
		memcpy((*out)[*n].value, e.value, sizeof(e.value));
		(*n)++;
	}
	return 0;
}

/* "jump NAME" entries of a verdict map become jumps keyed by port. */
static int vmap_jumps(struct nft_state *st, const struct nft_jump *tmpl,
		      const struct nft_elem *el, int n)
{
	for (int i = 0; i < n; i++) {
		struct nft_jump j = *tmpl;

		if (!el[i].jump || !el[i].value[0])
			continue;
		copy_n(j.to, sizeof(j.to), el[i].value, strlen(el[i].value));
		memset(&j.ports, 0, sizeof(j.ports));
		if (el[i].key_ok)
			ports_add(&j.ports, el[i].lo, el[i].hi);
		else
			ports_any(&j.ports);
		if (add_jump(st, &j))
			return -ENOMEM;
	}
	return 0;
}

/* What one rule says about helpers and jumps. */
static int nft_rule(struct nft_ruleset *rs, const char *s, size_t len,
		    unsigned long long handle)
{
	struct nft_state *st = rs->st;
	struct nft_helper_rule r = {};
	struct nft_jump j = {};
	char set_ref[DP_NAME] = "";
	__u8 l4 = 0;
	struct cur c = { s, s + len };
	struct tok t;
	int ret = 0;

	snprintf(r.family, sizeof(r.family), "%s", st->family);
	snprintf(r.table, sizeof(r.table), "%s", st->table);
	snprintf(r.chain, sizeof(r.chain), "%s", st->chain);
	snprintf(r.hook, sizeof(r.hook), "%s", st->hook);
	r.handle = handle;
	one_line(r.text, sizeof(r.text), s, len);
	ports_any(&r.ports);

	while (!ret && tok_next(&c, &t)) {
		__u8 kw = l4_of(t.s, t.len);

		if (t.quoted)
			continue;
		if ((kw && !(t.s[0] >= '0' && t.s[0] <= '9')) ||
		    tok_is(&t, "th")) {
			struct cur save = c;

			if (!accept_word(&c, "dport")) {
				c = save;
				continue;
			}
			if (kw)
				l4 = kw;
			if (accept_word(&c, "vmap")) {
				struct nft_elem *el = NULL;
				int n = 0;

				snprintf(j.family, sizeof(j.family), "%s",
					 st->family);
				snprintf(j.table, sizeof(j.table), "%s",
					 st->table);
				snprintf(j.from, sizeof(j.from), "%s",
					 st->chain);
				j.from_base = st->hook[0] != 0;
				if (accept_word(&c, "{")) {
					ret = read_elems(&c, &el, &n);
					if (!ret)
						ret = vmap_jumps(st, &j, el, n);
				} else if (tok_next(&c, &t) && t.len > 1 &&
					   t.s[0] == '@') {
					struct nft_set *m;
					char name[DP_NAME];

					copy_n(name, sizeof(name), t.s + 1,
					       t.len - 1);
					/* named maps precede the chains */
					m = find_set(st, st->family, st->table,
						     name);
					if (m)
						ret = vmap_jumps(st, &j, m->e,
								 m->n);
				}
				free(el);
				continue;
			}
			{
				struct cur peek = c;
				struct tok n;

				/* "tcp dport map" belongs to ct helper set */
				if (tok_next(&peek, &n) && tok_is(&n, "map"))
					continue;
			}
			set_ref[0] = 0;
			port_value(&c, &r.ports, set_ref, sizeof(set_ref));
			continue;
		}
		if (tok_is(&t, "meta") || tok_is(&t, "ip") ||
		    tok_is(&t, "ip6")) {
			struct tok v;

			if (!accept_word(&c, "l4proto") &&
			    !accept_word(&c, "protocol") &&
			    !accept_word(&c, "nexthdr"))
				continue;
			accept_word(&c, "==");
			if (!tok_next(&c, &v))
				break;
			if (tok_is(&v, "{")) {
				struct elem e;
				bool closed = false;

				/* several protocols: any of them */
				while (!closed && c.p < c.end)
					elem_next(&c, &e, &closed);
				l4 = 0;
			} else {
				l4 = l4_of(v.s, v.len);
			}
			continue;
		}
		if (tok_is(&t, "jump") || tok_is(&t, "goto")) {
			struct tok v;

			if (!tok_next(&c, &v))
				break;
			snprintf(j.family, sizeof(j.family), "%s", st->family);
			snprintf(j.table, sizeof(j.table), "%s", st->table);
			snprintf(j.from, sizeof(j.from), "%s", st->chain);
			copy_n(j.to, sizeof(j.to), v.s, v.len);
			j.from_base = st->hook[0] != 0;
			j.ports = r.ports;
			snprintf(j.set_ref, sizeof(j.set_ref), "%s", set_ref);
			ret = add_jump(st, &j);
			continue;
		}
		if (!tok_is(&t, "ct") || !accept_word(&c, "helper"))
			continue;
		if (!accept_word(&c, "set")) {
			/* "ct helper "ftp"": a match, not an assignment */
			tok_next(&c, &t);
			continue;
		}
		r.l4 = l4;
		if (!tok_next(&c, &t))
			break;
		if (t.quoted || !(l4_of(t.s, t.len) || tok_is(&t, "th") ||
				  tok_is(&t, "ip") || tok_is(&t, "ip6") ||
				  tok_is(&t, "meta") || tok_is(&t, "ct"))) {
			copy_n(r.helper, sizeof(r.helper), t.s, t.len);
			if (set_ref[0]) {
				struct nft_setref sr = { .rule = rs->n_rules };

				snprintf(sr.set, sizeof(sr.set), "%s", set_ref);
				if (grow((void **)&st->setrefs, st->n_setrefs,
					 sizeof(sr)))
					return -ENOMEM;
				st->setrefs[st->n_setrefs++] = sr;
			}
			ret = add_rule(rs, &r);
			continue;
		}
		/* "ct helper set SELECTOR map { k : "helper", ... }" */
		{
			bool by_port = false;
			__u8 sel_l4 = l4_of(t.s, t.len);

			if (sel_l4 || tok_is(&t, "th"))
				by_port = accept_word(&c, "dport");
			while (tok_next(&c, &t) && !tok_is(&t, "map"))
				by_port = false;
			if (!tok_is(&t, "map"))
				break;
			if (sel_l4 && by_port)
				r.l4 = sel_l4;
			if (accept_word(&c, "{")) {
				struct nft_elem *el = NULL;
				int n = 0;

				ret = read_elems(&c, &el, &n);
				if (!ret)
					ret = map_rules(rs, &r, el, n, by_port);
				free(el);
			} else if (tok_next(&c, &t) && t.len > 1 &&
				   t.s[0] == '@') {
				struct nft_mapref m = { .tmpl = r,
							.ports_from_key =
								by_port };

				copy_n(m.map, sizeof(m.map), t.s + 1,
				       t.len - 1);
				if (grow((void **)&st->maprefs, st->n_maprefs,
					 sizeof(m)))
					return -ENOMEM;
				st->maprefs[st->n_maprefs++] = m;
			}
		}
	}
	return ret;
}

/* Lines inside a "ct helper NAME {" block. */
static void nft_helper_line(struct nft_ruleset *rs, const char *s, size_t len)
{
	struct nft_helper_obj *o = &rs->objs[rs->st->cur_obj];
	struct cur c = { s, s + len };
	struct tok t;

	while (tok_next(&c, &t)) {
		if (tok_is(&t, "type") && tok_next(&c, &t))
			copy_n(o->type, sizeof(o->type), t.s, t.len);
		else if (tok_is(&t, "protocol") && tok_next(&c, &t))
			o->l4 = l4_of(t.s, t.len);
	}
}

static int nft_set_line(struct nft_state *st, const char *s, size_t len)
{
	struct nft_set *set = &st->sets[st->cur_set];
	struct cur c = { s, s + len };

	if (!accept_word(&c, "elements") || !accept_word(&c, "=") ||
	    !accept_word(&c, "{"))
		return 0;
	return read_elems(&c, &set->e, &set->n);
}

/* A logical line ending in '{'. */
static int nft_open(struct nft_ruleset *rs, const char *s, size_t len,
		    unsigned long long handle)
{
	struct nft_state *st = rs->st;
	struct cur c = { s, s + len };
	struct tok a, b, n;

	if (st->depth == 0) {
		if (tok_next(&c, &a) && tok_is(&a, "table") &&
		    tok_next(&c, &b) && tok_next(&c, &n) && !tok_is(&n, "{")) {
			copy_n(st->family, sizeof(st->family), b.s, b.len);
			copy_n(st->table, sizeof(st->table), n.s, n.len);
			push(st, B_TABLE);
		} else {
			push(st, B_OTHER);
		}
		return 0;
	}
	if (top(st) != B_TABLE || st->depth != 1 || !tok_next(&c, &a)) {
		push(st, B_OTHER);
		return 0;
	}
	if (tok_is(&a, "chain") && tok_next(&c, &n)) {
		copy_n(st->chain, sizeof(st->chain), n.s, n.len);
		st->hook[0] = 0;
		push(st, B_CHAIN);
	} else if ((tok_is(&a, "set") || tok_is(&a, "map")) &&
		   tok_next(&c, &n)) {
		struct nft_set *set;

		if (grow((void **)&st->sets, st->n_sets, sizeof(*set)))
			return -ENOMEM;
		set = &st->sets[st->n_sets];
		memset(set, 0, sizeof(*set));
		snprintf(set->family, sizeof(set->family), "%s", st->family);
		snprintf(set->table, sizeof(set->table), "%s", st->table);
		copy_n(set->name, sizeof(set->name), n.s, n.len);
		st->cur_set = st->n_sets++;
		push(st, B_SET);
	} else if (tok_is(&a, "ct") && accept_word(&c, "helper") &&
		   tok_next(&c, &n)) {
		struct nft_helper_obj *o;

		if (grow((void **)&rs->objs, rs->n_objs, sizeof(*o)))
			return -ENOMEM;
		o = &rs->objs[rs->n_objs];
		memset(o, 0, sizeof(*o));
		snprintf(o->family, sizeof(o->family), "%s", st->family);
		snprintf(o->table, sizeof(o->table), "%s", st->table);
		copy_n(o->name, sizeof(o->name), n.s, n.len);
		o->handle = handle;
		st->cur_obj = rs->n_objs++;
		push(st, B_HELPER);
	} else {
		push(st, B_OTHER);
	}
	return 0;
}

/* Strip a trailing "# handle N" outside quotes; its N, or 0. */
static unsigned long long strip_handle(const char *s, size_t *len)
{
	static const char tag[] = "# handle ";
	const char *h = NULL;
	bool q = false;
	unsigned long long v = 0;

	for (size_t i = 0; i < *len; i++) {
		if (s[i] == '"')
			q = !q;
		else if (!q && s[i] == '#' && *len - i >= sizeof(tag) - 1 &&
			 !memcmp(s + i, tag, sizeof(tag) - 1))
			h = s + i;
	}
	if (!h)
		return 0;
	for (const char *p = h + sizeof(tag) - 1; p < s + *len; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		if (v < 100000000000ULL)
			v = v * 10 + (*p - '0');
	}
	*len = h - s;
	return v;
}

static int nft_logical(struct nft_ruleset *rs, const char *s, size_t len)
{
	struct nft_state *st = rs->st;
	unsigned long long handle = strip_handle(s, &len);

	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	while (len && strchr(" \t\r\n", *s))
		s++, len--;
	if (!len || s[0] == '#')
		return 0;
	if (s[len - 1] == '{')
		return nft_open(rs, s, len, handle);
	if (len == 1 && s[0] == '}') {
		if (st->depth > 0)
			st->depth--;
		if (st->depth == 0)
			st->table[0] = st->family[0] = 0;
		return 0;
	}
	switch (top(st)) {
	case B_CHAIN: {
		struct cur c = { s, s + len };
		struct tok t;

		/* "type filter hook prerouting priority ...;" */
		if (tok_next(&c, &t) && tok_is(&t, "type")) {
			while (tok_next(&c, &t))
				if (tok_is(&t, "hook") && tok_next(&c, &t)) {
					copy_n(st->hook, sizeof(st->hook), t.s,
					       t.len);
					break;
				}
			return 0;
		}
		return nft_rule(rs, s, len, handle);
	}
	case B_HELPER:
		nft_helper_line(rs, s, len);
		return 0;
	case B_SET:
		return nft_set_line(st, s, len);
	default:
		return 0;
	}
}

/* Brace balance of a line, quotes skipped. */
static int balance(const char *s, size_t len)
{
	bool q = false;
	int b = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			q = !q;
		else if (!q && s[i] == '{')
			b++;
		else if (!q && s[i] == '}')
			b--;
	}
	return b;
}

int nft_ruleset_line(struct nft_ruleset *rs, const char *line, size_t len)
{
	struct nft_state *st = rs->st;
	int b = balance(line, len);
	size_t l = len;
	const char *e;

	rs->lines++;
	/* "chain x { # handle 2" opens a block too */
	strip_handle(line, &l);
	e = line + l;
	while (e > line && strchr(" \t\r\n", e[-1]))
		e--;
	/* a block opener or closer stands alone; an unbalanced line goes on */
	if (!st->acc_len && (b <= 0 || (e > line && e[-1] == '{' && b == 1)))
		return nft_logical(rs, line, len);
	if (st->acc_len + len + 2 > st->acc_cap) {
		size_t cap = (st->acc_len + len + 2) * 2;
		char *p = realloc(st->acc, cap);

		if (!p)
			return -ENOMEM;
		st->acc = p;
		st->acc_cap = cap;
	}
	memcpy(st->acc + st->acc_len, line, len);
	st->acc_len += len;
	st->acc[st->acc_len++] = ' ';
	st->acc_bal += b;
	if (st->acc_bal <= 0) {
		int ret = nft_logical(rs, st->acc, st->acc_len);

		st->acc_len = 0;
		st->acc_bal = 0;
		return ret;
	}
	return 0;
}

static struct nft_helper_obj *find_obj(struct nft_ruleset *rs,
				       const struct nft_helper_rule *r)
{
	for (int i = 0; i < rs->n_objs; i++)
		if (!strcmp(rs->objs[i].family, r->family) &&
		    !strcmp(rs->objs[i].table, r->table) &&
		    !strcmp(rs->objs[i].name, r->helper))
			return &rs->objs[i];
	return NULL;
}

static void set_ports(struct nft_state *st, const char *family,
		      const char *table, const char *name, struct dp_ports *p)
{
	struct nft_set *set = find_set(st, family, table, name);
	bool neg = p->neg;

	memset(p, 0, sizeof(*p));
	p->neg = neg;
	if (!set || !set->n) {
		ports_any(p);
		return;
	}
	for (int i = 0; i < set->n && !p->any; i++) {
		if (!set->e[i].key_ok)
			ports_any(p);
		else
			ports_add(p, set->e[i].lo, set->e[i].hi);
	}
	if (p->any)
		p->neg = false;
}

static void ports_union(struct dp_ports *acc, const struct dp_ports *p)
{
	if (acc->any)
		return;
	if (p->any || p->neg || acc->neg) {
		ports_any(acc);
		return;
	}
	for (int i = 0; i < p->n; i++)
		ports_add(acc, p->r[i].lo, p->r[i].hi);
}

/*
 * Ports by which traffic reaches regular chain @chain: the union of the
 * restrictions of the rules that jump to it (recursively); "any" when one
 * of them does not restrict, or when nothing jumps to it (false then).
 */
static bool reach_ports(struct nft_state *st, const char *family,
			const char *table, const char *chain, int depth,
			struct dp_ports *out)
{
	bool found = false;

	memset(out, 0, sizeof(*out));
	if (depth > 8) {
		ports_any(out);
		return true;
	}
	for (int i = 0; i < st->n_jumps && !out->any; i++) {
		struct nft_jump *j = &st->jumps[i];
		struct dp_ports p = j->ports;

		if (strcmp(j->family, family) || strcmp(j->table, table) ||
		    strcmp(j->to, chain))
			continue;
		found = true;
		if (j->set_ref[0])
			set_ports(st, family, table, j->set_ref, &p);
		if (p.any && !j->from_base)
			reach_ports(st, family, table, j->from, depth + 1, &p);
		ports_union(out, &p);
	}
	if (!found)
		ports_any(out);
	return found;
}

int nft_ruleset_finish(struct nft_ruleset *rs)
{
	struct nft_state *st = rs->st;
	int ret = 0;

	if (st->acc_len) {
		ret = nft_logical(rs, st->acc, st->acc_len);
		st->acc_len = 0;
	}
	for (int i = 0; !ret && i < st->n_maprefs; i++) {
		struct nft_mapref *m = &st->maprefs[i];
		struct nft_set *set =
			find_set(st, m->tmpl.family, m->tmpl.table, m->map);

		if (set)
			ret = map_rules(rs, &m->tmpl, set->e, set->n,
					m->ports_from_key);
	}
	for (int i = 0; i < st->n_setrefs; i++) {
		struct nft_helper_rule *r = &rs->rules[st->setrefs[i].rule];

		set_ports(st, r->family, r->table, st->setrefs[i].set,
			  &r->ports);
	}
	for (int i = 0; i < rs->n_rules; i++) {
		struct nft_helper_rule *r = &rs->rules[i];
		struct nft_helper_obj *o = find_obj(rs, r);

		if (o) {
			o->used = true;
			snprintf(r->type, sizeof(r->type), "%s", o->type);
			if (o->l4)
				r->l4 = o->l4;
		}
		if (r->ports.any && !r->hook[0]) {
			r->unreached = !reach_ports(st, r->family, r->table,
						    r->chain, 0, &r->ports);
			r->via_jump = !r->ports.any;
		}
	}
	return ret;
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

static int nft_line_cb(void *ctx, const char *line, size_t len)
{
	return nft_ruleset_line(ctx, line, len);
}

int nft_ruleset_parse(struct nft_ruleset *rs, const char *text, size_t len)
{
	int ret = nft_ruleset_init(rs);

	if (!ret)
		ret = for_lines(text, len, nft_line_cb, rs);
	if (!ret)
		ret = nft_ruleset_finish(rs);
	return ret;
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
			ports_any(p);
		else
			ports_add(p, lo, hi);
		s += l + (comma ? 1 : 0);
	}
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
			copy_n(r->variant, sizeof(r->variant), o + 1,
			       e - o - 1);
		return 0;
	}
	if (len && line[0] == '*') {
		copy_n(r->table, sizeof(r->table), line + 1, len - 1);
		return 0;
	}
	if (len == 6 && !memcmp(line, "COMMIT", 6)) {
		r->table[0] = 0;
		return 0;
	}
	if (strcmp(r->table, "raw") || len < 3 || memcmp(line, "-A ", 3))
		return 0;
	c.p += 3;
	if (!ipt_tok(&c, &chain))
		return 0;
	copy_n(rule.chain, sizeof(rule.chain), chain.s, chain.len);
	one_line(rule.spec, sizeof(rule.spec), line + 3, len - 3);
	ports_any(&rule.ports);
	while (ipt_tok(&c, &t)) {
		if (!t.quoted && t.len == 1 && t.s[0] == '!') {
			neg = true;
			continue;
		}
		if (tok_is(&t, "-p") || tok_is(&t, "--protocol")) {
			if (!ipt_tok(&c, &t))
				break;
			rule.l4 = neg ? 0 : l4_of(t.s, t.len);
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
			copy_n(rule.helper, sizeof(rule.helper), t.s, t.len);
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

void ipt_rules_free(struct ipt_rules *r)
{
	free(r->rules);
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
	l4 = l4_of(t.s, t.len);
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
			copy_n(helper, sizeof(helper), t.s + 7, t.len - 7);
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
