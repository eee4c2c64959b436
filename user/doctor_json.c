// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * doctor_json.c - see doctor_json.h.
 *
 * nft's JSON listing is a flat array: tables, chains (a base chain has a
 * "hook"), sets and maps (their "elem"), ct helper objects, then rules
 * whose "expr" is the list of statements.  The sets, maps, chains and
 * objects are read first, then each rule's statements in order, as nft
 * evaluates them: matches on the destination port and the L4 protocol
 * narrow what a later "ct helper" assignment, jump or verdict map applies
 * to.  Regular chains inherit the restrictions of the rules that jump to
 * them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "doctor_json.h"

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

static void copy_str(char *dst, size_t dlen, const char *s)
{
	dp_copy(dst, dlen, s ? s : "", s ? strlen(s) : 0);
}

/* A string member of @o, or "". */
static const char *str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* ------------------------------------------------------------- state */

struct nft_set {
	const char *family, *table, *name; /* in the document */
	const json_t *elem; /* array: keys, or [key, value] pairs */
};

struct nft_chain {
	const char *family, *table, *name, *hook;
};

/* A rule that jumps to a chain, with its own restriction. */
struct nft_jump {
	const char *family, *table, *from, *to;
	bool from_base;
	struct dp_ports ports;
};

struct nft_state {
	struct nft_set *sets;
	int n_sets;
	struct nft_chain *chains;
	int n_chains;
	struct nft_jump *jumps;
	int n_jumps;
	long budget; /* steps left for resolving jumps (a fuzzer's loops) */
};

static bool same3(const char *f1, const char *t1, const char *n1,
		  const char *f2, const char *t2, const char *n2)
{
	return !strcmp(f1, f2) && !strcmp(t1, t2) && !strcmp(n1, n2);
}

static const struct nft_set *find_set(const struct nft_state *st,
				      const char *family, const char *table,
				      const char *name)
{
	for (int i = 0; i < st->n_sets; i++)
		if (same3(st->sets[i].family, st->sets[i].table,
			  st->sets[i].name, family, table, name))
			return &st->sets[i];
	return NULL;
}

static const char *chain_hook(const struct nft_state *st, const char *family,
			      const char *table, const char *name)
{
	for (int i = 0; i < st->n_chains; i++)
		if (same3(st->chains[i].family, st->chains[i].table,
			  st->chains[i].name, family, table, name))
			return st->chains[i].hook;
	return "";
}

/* ------------------------------------------------------------ values */

/* A port or a range ({"range": [lo, hi]}) into @p; false if neither. */
static bool port_elem(const json_t *v, struct dp_ports *p)
{
	const json_t *r = json_object_get(v, "range");
	json_int_t lo, hi;

	if (json_is_integer(v)) {
		lo = hi = json_integer_value(v);
	} else if (json_is_array(r) && json_array_size(r) == 2 &&
		   json_is_integer(json_array_get(r, 0)) &&
		   json_is_integer(json_array_get(r, 1))) {
		lo = json_integer_value(json_array_get(r, 0));
		hi = json_integer_value(json_array_get(r, 1));
	} else {
		return false;
	}
	if (lo < 0 || hi > 65535 || lo > hi)
		return false;
	dp_ports_add(p, (unsigned int)lo, (unsigned int)hi);
	return true;
}

/* The keys of a set's elements (each a port, a range, or an element
 * object {"elem": {"val": ...}} with a timeout or counter).
 */
static void ports_of_elems(const json_t *elems, struct dp_ports *p)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(elems)) {
		dp_ports_any(p);
		return;
	}
	json_array_foreach(elems, i, e)
	{
		const json_t *w = json_object_get(e, "elem");

		if (w)
			e = json_object_get(w, "val");
		if (!port_elem(e, p)) {
			dp_ports_any(p);
			return;
		}
	}
}

/* The right side of a dport match: a port, range, {"set": [...]}, "@set". */
static void port_value(const struct nft_state *st, const char *family,
		       const char *table, const json_t *right, const char *op,
		       struct dp_ports *p)
{
	const char *s = json_string_value(right);

	memset(p, 0, sizeof(*p));
	p->neg = !strcmp(op, "!=");
	if (s && s[0] == '@') {
		const struct nft_set *set = find_set(st, family, table, s + 1);

		if (!set || !json_array_size(set->elem))
			dp_ports_any(p);
		else
			ports_of_elems(set->elem, p);
	} else if (json_object_get(right, "set")) {
		ports_of_elems(json_object_get(right, "set"), p);
	} else if (!port_elem(right, p)) {
		dp_ports_any(p); /* a service name, a concatenation... */
	}
	if (p->any)
		p->neg = false;
}

/* The L4 protocol a protocol match names (a set of them: any). */
static __u8 l4_value(const json_t *right)
{
	const char *s = json_string_value(right);

	if (s)
		return dp_l4_of(s, strlen(s));
	if (json_is_integer(right)) {
		json_int_t v = json_integer_value(right);

		return v == 6 || v == 17 ? (__u8)v : 0;
	}
	return 0;
}

/* {"payload": {"protocol": P, "field": "dport"}}: P, else NULL. */
static const char *dport_of(const json_t *left)
{
	const json_t *pl = json_object_get(left, "payload");

	if (!pl || strcmp(str_of(pl, "field"), "dport"))
		return NULL;
	return str_of(pl, "protocol");
}

/* meta l4proto, ip protocol, ip6 nexthdr */
static bool is_l4_match(const json_t *left)
{
	const json_t *m = json_object_get(left, "meta"),
		     *pl = json_object_get(left, "payload");

	if (m)
		return !strcmp(str_of(m, "key"), "l4proto");
	return pl && (!strcmp(str_of(pl, "field"), "protocol") ||
		      !strcmp(str_of(pl, "field"), "nexthdr"));
}

/* ---------------------------------------------------------- rule text */

struct out {
	char *b;
	size_t len, o;
};

static void put(struct out *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct out *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->o + 1 >= w->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->b + w->o, w->len - w->o, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->o += (size_t)n < w->len - w->o ? (size_t)n :
						    w->len - w->o - 1;
}

static void render(struct out *w, const json_t *v, bool quote, int depth);

static void render_verdict(struct out *w, const json_t *v)
{
	const char *k = json_object_iter_key(json_object_iter((json_t *)v));
	const json_t *val = json_object_get(v, k ? k : "");

	if (!k)
		return;
	if (!strcmp(k, "jump") || !strcmp(k, "goto"))
		put(w, "%s %s", k, str_of(val, "target"));
	else
		put(w, "%s", k);
}

/* Map data: {"set": [[k, v], ...]} or "@name". */
static void render_map_data(struct out *w, const json_t *data, bool verdicts,
			    int depth)
{
	const json_t *set = json_object_get(data, "set"), *e;
	size_t i;

	if (json_is_string(data)) {
		put(w, "%s", json_string_value(data));
		return;
	}
	put(w, "{ ");
	json_array_foreach(set, i, e)
	{
		put(w, "%s", i ? ", " : "");
		render(w, json_array_get(e, 0), false, depth + 1);
		put(w, " : ");
		if (verdicts)
			render_verdict(w, json_array_get(e, 1));
		else
			render(w, json_array_get(e, 1), true, depth + 1);
	}
	put(w, " }");
}

/* An expression in nft's syntax, near enough to recognise the rule. */
static void render(struct out *w, const json_t *v, bool quote, int depth)
{
	const json_t *x;
	size_t i;

	if (depth > 8) {
		put(w, "...");
		return;
	}
	if (json_is_string(v)) {
		const char *str = json_string_value(v);

		/* "@name" is a set, never quoted */
		put(w, quote && str[0] != '@' ? "\"%s\"" : "%s", str);
	} else if (json_is_integer(v)) {
		put(w, "%lld", (long long)json_integer_value(v));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			put(w, "%s", i ? " . " : "");
			render(w, x, quote, depth + 1);
		}
	} else if ((x = json_object_get(v, "payload"))) {
		put(w, "%s %s", str_of(x, "protocol"), str_of(x, "field"));
	} else if ((x = json_object_get(v, "meta"))) {
		static const char *const bare[] = {
			"iifname", "oifname", "iif", "oif", "mark", NULL
		};
		const char *k = str_of(x, "key");
		bool b = false;

		for (int j = 0; bare[j]; j++)
			b |= !strcmp(bare[j], k);
		put(w, b ? "%s" : "meta %s", k);
	} else if ((x = json_object_get(v, "ct"))) {
		put(w, "ct %s", str_of(x, "key"));
	} else if ((x = json_object_get(v, "set"))) {
		put(w, "{ ");
		json_array_foreach(x, i, v)
		{
			put(w, "%s", i ? ", " : "");
			render(w, v, quote, depth + 1);
		}
		put(w, " }");
	} else if ((x = json_object_get(v, "range"))) {
		render(w, json_array_get(x, 0), quote, depth + 1);
		put(w, "-");
		render(w, json_array_get(x, 1), quote, depth + 1);
	} else if ((x = json_object_get(v, "prefix"))) {
		render(w, json_object_get(x, "addr"), false, depth + 1);
		put(w, "/%lld",
		    (long long)json_integer_value(json_object_get(x, "len")));
	} else if ((x = json_object_get(v, "map"))) {
		render(w, json_object_get(x, "key"), false, depth + 1);
		put(w, " map ");
		render_map_data(w, json_object_get(x, "data"), false, depth);
	} else {
		put(w, "?");
	}
}

/* Does the left side of a match hold interface names (quoted by nft)? */
static bool names_ifaces(const json_t *left)
{
	const char *k = str_of(json_object_get(left, "meta"), "key");

	return !strcmp(k, "iifname") || !strcmp(k, "oifname") ||
	       !strcmp(k, "iif") || !strcmp(k, "oif") ||
	       !strcmp(str_of(json_object_get(left, "ct"), "key"), "helper");
}

static void render_stmt(struct out *w, const json_t *s)
{
	const char *k = json_object_iter_key(json_object_iter((json_t *)s));
	const json_t *v = json_object_get(s, k ? k : "");

	if (!k)
		return;
	if (!strcmp(k, "match")) {
		const json_t *l = json_object_get(v, "left");
		const char *op = str_of(v, "op");

		render(w, l, false, 0);
		put(w, " ");
		if (strcmp(op, "==") && strcmp(op, "in"))
			put(w, "%s ", op);
		render(w, json_object_get(v, "right"), names_ifaces(l), 0);
	} else if (!strcmp(k, "counter")) {
		if (json_is_object(v))
			put(w, "counter packets %lld bytes %lld",
			    (long long)json_integer_value(
				    json_object_get(v, "packets")),
			    (long long)json_integer_value(
				    json_object_get(v, "bytes")));
		else
			put(w, "counter");
	} else if (!strcmp(k, "ct helper")) {
		put(w, "ct helper set ");
		render(w, v, true, 0);
	} else if (!strcmp(k, "vmap")) {
		render(w, json_object_get(v, "key"), false, 0);
		put(w, " vmap ");
		render_map_data(w, json_object_get(v, "data"), true, 0);
	} else if (!strcmp(k, "snat") || !strcmp(k, "dnat")) {
		put(w, "%s to ", k);
		render(w, json_object_get(v, "addr"), false, 0);
		if (json_object_get(v, "port")) {
			put(w, ":");
			render(w, json_object_get(v, "port"), false, 0);
		}
	} else if (!strcmp(k, "xt")) {
		put(w, "xt %s %s", str_of(v, "type"), str_of(v, "name"));
	} else if (!strcmp(k, "jump") || !strcmp(k, "goto")) {
		put(w, "%s %s", k, str_of(v, "target"));
	} else {
		put(w, "%s", k); /* accept, masquerade, notrack, log, ... */
		if (!strcmp(k, "masquerade") &&
		    json_is_string(json_object_get(v, "flags")))
			put(w, " %s", str_of(v, "flags"));
	}
}

static void rule_text(const json_t *rule, char *buf, size_t len)
{
	struct out w = { buf, len, 0 };
	const json_t *e;
	size_t i;

	buf[0] = 0;
	json_array_foreach(json_object_get(rule, "expr"), i, e)
	{
		put(&w, "%s", i ? " " : "");
		render_stmt(&w, e);
	}
	if (json_is_string(json_object_get(rule, "comment")))
		put(&w, " comment \"%s\"", str_of(rule, "comment"));
	/* what a terminal would act on: '.' (dp_copy) */
	dp_copy(buf, len, buf, strlen(buf));
}

/* ------------------------------------------------------------- rules */

struct rule_ctx {
	const json_t *rule;
	const char *family, *table, *chain, *hook;
	unsigned long long handle;
	char text[DP_TEXT];
};

static int add_jump(struct nft_state *st, const struct rule_ctx *rc,
		    const char *to, const struct dp_ports *ports)
{
	struct nft_jump *j;

	if (grow((void **)&st->jumps, st->n_jumps, sizeof(*j)))
		return -ENOMEM;
	j = &st->jumps[st->n_jumps++];
	j->family = rc->family;
	j->table = rc->table;
	j->from = rc->chain;
	j->to = to;
	j->from_base = rc->hook[0] != 0;
	j->ports = *ports;
	return 0;
}

static int add_rule(struct nft_ruleset *rs, const struct rule_ctx *rc,
		    const char *helper, __u8 l4, const struct dp_ports *ports)
{
	struct nft_helper_rule *r;

	if (grow((void **)&rs->rules, rs->n_rules, sizeof(*r)))
		return -ENOMEM;
	r = &rs->rules[rs->n_rules++];
	memset(r, 0, sizeof(*r));
	copy_str(r->family, sizeof(r->family), rc->family);
	copy_str(r->table, sizeof(r->table), rc->table);
	copy_str(r->chain, sizeof(r->chain), rc->chain);
	copy_str(r->hook, sizeof(r->hook), rc->hook);
	copy_str(r->helper, sizeof(r->helper), helper);
	r->l4 = l4;
	r->ports = *ports;
	r->handle = rc->handle;
	memcpy(r->text, rc->text, sizeof(r->text));
	return 0;
}

/* A verdict map's "jump NAME" entries become jumps keyed by port. */
static int vmap_jumps(struct nft_state *st, const struct rule_ctx *rc,
		      const json_t *elems)
{
	const json_t *e;
	size_t i;

	json_array_foreach(elems, i, e)
	{
		const json_t *v = json_array_get(e, 1);
		const json_t *j = json_object_get(v, "jump");
		struct dp_ports p = {};

		if (!j)
			j = json_object_get(v, "goto");
		if (!j || !json_is_string(json_object_get(j, "target")))
			continue;
		if (!port_elem(json_array_get(e, 0), &p))
			dp_ports_any(&p);
		if (add_jump(st, rc, str_of(j, "target"), &p))
			return -ENOMEM;
	}
	return 0;
}

/* "ct helper set KEY map { k : "h", ... }": one assignment per helper,
 * its ports the keys that name it (when KEY is a destination port).
 */
static int map_rules(struct nft_ruleset *rs, const struct nft_state *st,
		     const struct rule_ctx *rc, const json_t *map, __u8 l4)
{
	const json_t *data = json_object_get(map, "data");
	const char *proto = dport_of(json_object_get(map, "key"));
	const json_t *elems = json_object_get(data, "set"), *e, *f;
	size_t i, k;

	if (json_is_string(data)) {
		const char *s = json_string_value(data);
		const struct nft_set *m =
			s[0] == '@' ?
				find_set(st, rc->family, rc->table, s + 1) :
				NULL;

		elems = m ? m->elem : NULL;
	}
	if (proto && dp_l4_of(proto, strlen(proto)))
		l4 = dp_l4_of(proto, strlen(proto));
	json_array_foreach(elems, i, e)
	{
		const char *h = json_string_value(json_array_get(e, 1));
		struct dp_ports p = {};
		bool seen = false;

		if (!h)
			continue;
		for (k = 0; k < i && !seen; k++) {
			const char *o = json_string_value(
				json_array_get(json_array_get(elems, k), 1));

			seen = o && !strcmp(o, h);
		}
		if (seen)
			continue;
		json_array_foreach(elems, k, f)
		{
			const char *o = json_string_value(json_array_get(f, 1));

			if (k < i || !o || strcmp(o, h))
				continue;
			if (!proto || !port_elem(json_array_get(f, 0), &p))
				dp_ports_any(&p);
		}
		if (add_rule(rs, rc, h, l4, &p))
			return -ENOMEM;
	}
	return 0;
}

/* An oifname/oif match: the names a nat rule applies to. */
static void nat_oif(struct nft_nat_rule *n, const struct nft_state *st,
		    const struct rule_ctx *rc, const json_t *right,
		    const char *op)
{
	const json_t *list = NULL, *e;
	const char *s = json_string_value(right);
	size_t i;

	n->oif_neg = !strcmp(op, "!=");
	if (s && s[0] == '@') {
		const struct nft_set *set =
			find_set(st, rc->family, rc->table, s + 1);

		list = set ? set->elem : NULL;
	} else if (s) {
		copy_str(n->oif[0], sizeof(n->oif[0]), s);
		n->n_oif = 1;
		return;
	} else {
		list = json_object_get(right, "set");
	}
	n->n_oif = 0;
	json_array_foreach(list, i, e)
	{
		if (!json_is_string(e) || n->n_oif == NFT_NAT_IFS) {
			n->oif_any = true;
			return;
		}
		copy_str(n->oif[n->n_oif], sizeof(n->oif[0]),
			 json_string_value(e));
		n->n_oif++;
	}
	if (!n->n_oif)
		n->oif_any = true;
}

static int one_rule(struct nft_ruleset *rs, struct nft_state *st,
		    const json_t *rule)
{
	struct rule_ctx rc = { .rule = rule };
	struct nft_nat_rule nat = {};
	struct dp_ports ports;
	const json_t *e;
	size_t i;
	__u8 l4 = 0;
	int ret = 0;

	rc.family = str_of(rule, "family");
	rc.table = str_of(rule, "table");
	rc.chain = str_of(rule, "chain");
	rc.hook = chain_hook(st, rc.family, rc.table, rc.chain);
	if (json_integer_value(json_object_get(rule, "handle")) > 0)
		rc.handle = json_integer_value(json_object_get(rule, "handle"));
	rule_text(rule, rc.text, sizeof(rc.text));
	dp_ports_any(&ports);
	rs->rules_read++;

	json_array_foreach(json_object_get(rule, "expr"), i, e)
	{
		const json_t *v;

		if (ret)
			break;
		if ((v = json_object_get(e, "match"))) {
			const json_t *l = json_object_get(v, "left"),
				     *r = json_object_get(v, "right");
			const char *op = str_of(v, "op"), *proto = dport_of(l),
				   *mk = str_of(json_object_get(l, "meta"),
						"key");

			if (proto) {
				if (dp_l4_of(proto, strlen(proto)))
					l4 = dp_l4_of(proto, strlen(proto));
				port_value(st, rc.family, rc.table, r, op,
					   &ports);
			} else if (is_l4_match(l)) {
				l4 = l4_value(r);
			} else if (!strcmp(mk, "oifname") ||
				   !strcmp(mk, "oif")) {
				nat_oif(&nat, st, &rc, r, op);
			}
		} else if ((v = json_object_get(e, "vmap"))) {
			const json_t *data = json_object_get(v, "data");
			const char *s = json_string_value(data);

			if (!dport_of(json_object_get(v, "key")))
				continue;
			if (s && s[0] == '@') {
				const struct nft_set *m = find_set(
					st, rc.family, rc.table, s + 1);

				data = m ? m->elem : NULL;
			} else {
				data = json_object_get(data, "set");
			}
			ret = vmap_jumps(st, &rc, data);
		} else if ((v = json_object_get(e, "jump")) ||
			   (v = json_object_get(e, "goto"))) {
			if (json_is_string(json_object_get(v, "target")))
				ret = add_jump(st, &rc, str_of(v, "target"),
					       &ports);
		} else if ((v = json_object_get(e, "ct helper"))) {
			if (json_is_string(v))
				ret = add_rule(rs, &rc, json_string_value(v),
					       l4, &ports);
			else if (json_object_get(v, "map"))
				ret = map_rules(rs, st, &rc,
						json_object_get(v, "map"), l4);
		} else if (json_object_get(e, "masquerade") ||
			   json_object_get(e, "snat")) {
			struct nft_nat_rule *n;

			if (grow((void **)&rs->nats, rs->n_nats, sizeof(*n)))
				return -ENOMEM;
			n = &rs->nats[rs->n_nats++];
			*n = nat;
			copy_str(n->family, sizeof(n->family), rc.family);
			copy_str(n->table, sizeof(n->table), rc.table);
			copy_str(n->chain, sizeof(n->chain), rc.chain);
			copy_str(n->hook, sizeof(n->hook), rc.hook);
			copy_str(n->kind, sizeof(n->kind),
				 json_object_get(e, "snat") ? "snat" :
							      "masquerade");
			n->handle = rc.handle;
			memcpy(n->text, rc.text, sizeof(n->text));
		}
	}
	return ret;
}

/* ------------------------------------------------------------- finish */

static void ports_union(struct dp_ports *acc, const struct dp_ports *p)
{
	if (acc->any)
		return;
	if (p->any || p->neg || acc->neg) {
		dp_ports_any(acc);
		return;
	}
	for (int i = 0; i < p->n; i++)
		dp_ports_add(acc, p->r[i].lo, p->r[i].hi);
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
	if (depth > 8 || --st->budget < 0) {
		dp_ports_any(out);
		return true;
	}
	for (int i = 0; i < st->n_jumps && !out->any; i++) {
		struct nft_jump *j = &st->jumps[i];
		struct dp_ports p = j->ports;

		if (!same3(j->family, j->table, j->to, family, table, chain))
			continue;
		found = true;
		if (p.any && !j->from_base)
			reach_ports(st, family, table, j->from, depth + 1, &p);
		ports_union(out, &p);
	}
	if (!found)
		dp_ports_any(out);
	return found;
}

static void finish(struct nft_ruleset *rs, struct nft_state *st)
{
	st->budget = 100000;
	for (int i = 0; i < rs->n_rules; i++) {
		struct nft_helper_rule *r = &rs->rules[i];

		for (int k = 0; k < rs->n_objs; k++) {
			struct nft_helper_obj *o = &rs->objs[k];

			if (!same3(o->family, o->table, o->name, r->family,
				   r->table, r->helper))
				continue;
			o->used = true;
			memcpy(r->type, o->type, sizeof(r->type));
			if (o->l4)
				r->l4 = o->l4;
			break;
		}
		if (r->ports.any && !r->hook[0]) {
			r->unreached = !reach_ports(st, r->family, r->table,
						    r->chain, 0, &r->ports);
			r->via_jump = !r->ports.any;
		}
	}
}

/* --------------------------------------------------------------- api */

static int collect(struct nft_ruleset *rs, struct nft_state *st,
		   const json_t *items)
{
	const json_t *it, *v;
	size_t i;

	json_array_foreach(items, i, it)
	{
		if ((v = json_object_get(it, "set")) ||
		    (v = json_object_get(it, "map"))) {
			struct nft_set *s;

			if (grow((void **)&st->sets, st->n_sets, sizeof(*s)))
				return -ENOMEM;
			s = &st->sets[st->n_sets++];
			s->family = str_of(v, "family");
			s->table = str_of(v, "table");
			s->name = str_of(v, "name");
			s->elem = json_object_get(v, "elem");
		} else if ((v = json_object_get(it, "chain"))) {
			struct nft_chain *c;

			if (grow((void **)&st->chains, st->n_chains,
				 sizeof(*c)))
				return -ENOMEM;
			c = &st->chains[st->n_chains++];
			c->family = str_of(v, "family");
			c->table = str_of(v, "table");
			c->name = str_of(v, "name");
			c->hook = str_of(v, "hook");
		} else if ((v = json_object_get(it, "ct helper"))) {
			struct nft_helper_obj *o;
			const char *p = str_of(v, "protocol");

			if (grow((void **)&rs->objs, rs->n_objs, sizeof(*o)))
				return -ENOMEM;
			o = &rs->objs[rs->n_objs++];
			memset(o, 0, sizeof(*o));
			copy_str(o->family, sizeof(o->family),
				 str_of(v, "family"));
			copy_str(o->table, sizeof(o->table),
				 str_of(v, "table"));
			copy_str(o->name, sizeof(o->name), str_of(v, "name"));
			copy_str(o->type, sizeof(o->type), str_of(v, "type"));
			o->l4 = dp_l4_of(p, strlen(p));
			if (json_integer_value(json_object_get(v, "handle")) >
			    0)
				o->handle = json_integer_value(
					json_object_get(v, "handle"));
		}
	}
	return 0;
}

int nft_json_parse(struct nft_ruleset *rs, const char *text, size_t len,
		   char *err, size_t errlen)
{
	struct nft_state st = {};
	json_error_t je;
	const json_t *items, *it, *v;
	json_t *root;
	size_t i;
	int ret;

	memset(rs, 0, sizeof(*rs));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "not JSON: %s (line %d, column %d)",
			 je.text, je.line, je.column);
		return -EINVAL;
	}
	items = json_object_get(root, "nftables");
	if (!json_is_array(items)) {
		snprintf(err, errlen, "no \"nftables\" array");
		json_decref(root);
		return -EINVAL;
	}
	ret = collect(rs, &st, items);
	json_array_foreach(items, i, it)
	{
		if (ret)
			break;
		if ((v = json_object_get(it, "rule")))
			ret = one_rule(rs, &st, v);
	}
	if (!ret)
		finish(rs, &st);
	free(st.sets);
	free(st.chains);
	free(st.jumps);
	json_decref(root);
	if (ret)
		snprintf(err, errlen, "out of memory");
	return ret;
}

void nft_ruleset_free(struct nft_ruleset *rs)
{
	free(rs->objs);
	free(rs->rules);
	free(rs->nats);
	memset(rs, 0, sizeof(*rs));
}

bool nft_nat_applies(const struct nft_nat_rule *r, const char *ifname)
{
	bool match = false;

	if (r->oif_any || !r->n_oif)
		return true;
	for (int i = 0; i < r->n_oif && !match; i++) {
		size_t n = strlen(r->oif[i]);

		/* nft's wildcard: a trailing '*' */
		if (n && r->oif[i][n - 1] == '*')
			match = !strncmp(r->oif[i], ifname, n - 1);
		else
			match = !strcmp(r->oif[i], ifname);
	}
	return r->oif_neg ? !match : match;
}

/* --------------------------------------------------------- ip -j */

/* The devices a route goes through: "dev", or each of its "nexthops". */
static int route_devs(const json_t *r, const char **dev, int max)
{
	const json_t *nh = json_object_get(r, "nexthops"), *e;
	size_t i;
	int n = 0;

	if (json_is_string(json_object_get(r, "dev")))
		dev[n++] = str_of(r, "dev");
	json_array_foreach(nh, i,
			   e) if (n < max &&
				  json_is_string(json_object_get(e, "dev")))
		dev[n++] = str_of(e, "dev");
	return n;
}

int ip_json_asymmetric(const char *routes, size_t routes_len, const char *rules,
		       size_t rules_len, const char *dev, char *why,
		       size_t whylen)
{
	json_t *rt = NULL, *ru = NULL;
	const json_t *e, *f;
	size_t i, k;
	int ret = 0;

	why[0] = 0;
	if (rules) {
		ru = json_loadb(rules, rules_len, 0, NULL);
		if (!json_is_array(ru)) {
			ret = -EINVAL;
			goto out;
		}
		json_array_foreach(ru, i, e)
		{
			json_int_t prio = json_integer_value(
				json_object_get(e, "priority"));

			if (prio != 0 && prio != 32766 && prio != 32767) {
				snprintf(why, whylen,
					 "policy routing rule %lld (table %s)",
					 (long long)prio, str_of(e, "table"));
				ret = 1;
				goto out;
			}
		}
	}
	if (!routes)
		goto out;
	rt = json_loadb(routes, routes_len, 0, NULL);
	if (!json_is_array(rt)) {
		ret = -EINVAL;
		goto out;
	}
	json_array_foreach(rt, i, e)
	{
		const char *d[8], *type = str_of(e, "type");
		int n = route_devs(e, d, 8);
		bool here = false, other = false;

		if (type[0] && strcmp(type, "unicast"))
			continue; /* local, broadcast, ... */
		for (int j = 0; j < n; j++) {
			here |= !strcmp(d[j], dev);
			other |= strcmp(d[j], dev) != 0;
		}
		if (here && other) {
			snprintf(why, whylen, "multipath route to %s",
				 str_of(e, "dst"));
			ret = 1;
			goto out;
		}
		if (!here)
			continue;
		/* the same prefix through another device too */
		json_array_foreach(rt, k, f)
		{
			const char *d2[8], *t2 = str_of(f, "type");
			int n2;

			if (k == i || (t2[0] && strcmp(t2, "unicast")) ||
			    strcmp(str_of(e, "dst"), str_of(f, "dst")))
				continue;
			n2 = route_devs(f, d2, 8);
			for (int j = 0; j < n2; j++)
				if (strcmp(d2[j], dev)) {
					snprintf(why, whylen,
						 "%s is routed through %s and "
						 "through %s",
						 str_of(e, "dst"), dev, d2[j]);
					ret = 1;
					goto out;
				}
		}
	}
out:
	dp_copy(why, whylen, why, strlen(why));
	json_decref(rt);
	json_decref(ru);
	return ret;
}
