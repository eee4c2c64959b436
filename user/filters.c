// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* filters.c - see filters.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "engine/events.h"
#include "filters.h"
#include "format.h"

_Static_assert(EV_MAX <= 32, "event_filter.type holds every event kind");

/* The words fmt_state() prints: TCP states, then the others'. */
static const char *const state_words[] = {
	"new",	     "syn_sent", "syn_recv", "established", "fin_wait",
	"time_wait", "close",	 "replied",  "unreplied",
};
const char flow_state_words[] = "new, syn_sent, syn_recv, established, "
				"fin_wait, time_wait, close, replied, "
				"unreplied";

static const struct flow_opt {
	const char *name;
	unsigned int bit;
	const char *meta; /* what the value is, for "missing ..." */
} flow_opts[] = {
	{ "--proto", FF_PROTO, "PROTO" },  { "--src", FF_SRC, "ADDR[/LEN]" },
	{ "--dst", FF_DST, "ADDR[/LEN]" }, { "--sport", FF_SPORT, "PORT" },
	{ "--dport", FF_DPORT, "PORT" },   { "--state", FF_STATE, "STATE" },
	{ "--alg", FF_ALG, "ALG" },
};

static int proto_of(const char *s)
{
	static const struct {
		const char *name;
		__u8 proto;
	} p[] = {
		{ "tcp", BPFALG_IPPROTO_TCP },
		{ "udp", BPFALG_IPPROTO_UDP },
		{ "icmp", BPFALG_IPPROTO_ICMP },
		{ "icmpv6", BPFALG_IPPROTO_ICMPV6 },
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(*p); i++)
		if (!strcmp(s, p[i].name))
			return p[i].proto;
	return -1;
}

/* "1".."65535", digits only */
static int port_of(const char *s)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (unsigned long)(*c - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

/* One option's value into @ff; 0 or -1 with @err. */
static int flow_opt_value(struct flow_filter *ff, const struct flow_opt *o,
			  const char *v, char *err, size_t errlen)
{
	char why[256];
	int n;

	switch (o->bit) {
	case FF_PROTO:
		n = proto_of(v);
		if (n < 0) {
			snprintf(err, errlen,
				 "%s: unknown protocol '%s' (tcp, udp, icmp, "
				 "icmpv6)",
				 o->name, v);
			return -1;
		}
		ff->proto = (__u8)n;
		return 0;
	case FF_SRC:
	case FF_DST:
		if (strchr(v, ',')) {
			snprintf(err, errlen,
				 "%s: one address or prefix, not a list ('%s')",
				 o->name, v);
			return -1;
		}
		if (prefix_list_parse(v, o->bit == FF_SRC ? &ff->src : &ff->dst,
				      1, why, sizeof(why)) != 1) {
			if (!*v)
				snprintf(why, sizeof(why),
					 "'' is not an address or prefix");
			snprintf(err, errlen, "%s: %s", o->name, why);
			return -1;
		}
		return 0;
	case FF_SPORT:
	case FF_DPORT:
		n = port_of(v);
		if (n < 0) {
			snprintf(err, errlen, "%s: invalid port '%s' (1-65535)",
				 o->name, v);
			return -1;
		}
		if (o->bit == FF_SPORT)
			ff->sport = (__u16)n;
		else
			ff->dport = (__u16)n;
		return 0;
	case FF_STATE:
		for (size_t i = 0;
		     i < sizeof(state_words) / sizeof(*state_words); i++) {
			if (!strcmp(v, state_words[i])) {
				ff->state = state_words[i];
				return 0;
			}
		}
		snprintf(err, errlen, "%s: unknown state '%s' (%s)", o->name, v,
			 flow_state_words);
		return -1;
	case FF_ALG:
		n = alg_from_name(v);
		if (n <= 0) {
			snprintf(err, errlen,
				 "%s: unknown ALG '%s' (ftp, sip, rtsp, tftp)",
				 o->name, v);
			return -1;
		}
		ff->alg = (__u8)n;
		return 0;
	}
	return -1;
}

int flow_filter_parse(int argc, char **argv, struct flow_filter *ff,
		      bool *count, char *err, size_t errlen)
{
	memset(ff, 0, sizeof(*ff));
	if (count)
		*count = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		const struct flow_opt *o = NULL;

		if (count && (!strcmp(a, "-c") || !strcmp(a, "--count"))) {
			if (*count) {
				snprintf(err, errlen, "%s given twice", a);
				return -1;
			}
			*count = true;
			continue;
		}
		for (size_t k = 0; k < sizeof(flow_opts) / sizeof(*flow_opts);
		     k++) {
			size_t n = strlen(flow_opts[k].name);

			if (!strncmp(a, flow_opts[k].name, n) &&
			    (!a[n] || a[n] == '=')) {
				o = &flow_opts[k];
				v = a[n] ? a + n + 1 : NULL;
				break;
			}
		}
		if (!o) {
			snprintf(err, errlen, "unexpected argument '%s'", a);
			return -1;
		}
		if (!v) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "missing %s after %s",
					 o->meta, o->name);
				return -1;
			}
			v = argv[++i];
		}
		if (ff->set & o->bit) {
			snprintf(err, errlen, "%s given twice", o->name);
			return -1;
		}
		if (flow_opt_value(ff, o, v, err, errlen))
			return -1;
		ff->set |= o->bit;
	}
	if ((ff->set & (FF_SPORT | FF_DPORT)) && (ff->set & FF_PROTO) &&
	    ff->proto != BPFALG_IPPROTO_TCP &&
	    ff->proto != BPFALG_IPPROTO_UDP) {
		snprintf(err, errlen, "%s: %s flows have no ports",
			 ff->set & FF_SPORT ? "--sport" : "--dport",
			 fmt_proto(ff->proto));
		return -1;
	}
	return 0;
}

static bool addr_in(const struct prefix *p, const struct bpfalg_tuple *t,
		    const __be32 *addr)
{
	int family = t->family == BPFALG_AF_INET6 ? AF_INET6 : AF_INET;

	return prefix_list_match(p, 1, family, (const uint8_t *)addr);
}

bool flow_filter_match(const struct flow_filter *ff,
		       const struct bpfalg_tuple *orig,
		       const struct bpfalg_flow *f)
{
	bool ports = orig->proto == BPFALG_IPPROTO_TCP ||
		     orig->proto == BPFALG_IPPROTO_UDP;

	if ((ff->set & FF_PROTO) && orig->proto != ff->proto)
		return false;
	if ((ff->set & FF_SRC) && !addr_in(&ff->src, orig, orig->saddr))
		return false;
	if ((ff->set & FF_DST) && !addr_in(&ff->dst, orig, orig->daddr))
		return false;
	/* an ICMP echo's identifier is no port */
	if ((ff->set & FF_SPORT) && (!ports || ntohs(orig->sport) != ff->sport))
		return false;
	if ((ff->set & FF_DPORT) && (!ports || ntohs(orig->dport) != ff->dport))
		return false;
	if ((ff->set & FF_STATE) &&
	    strcmp(fmt_state(orig->proto, f->state), ff->state))
		return false;
	if ((ff->set & FF_ALG) && f->alg != ff->alg)
		return false;
	return true;
}

/* ------------------------------------------------------------ events */

/* Does event name @name fall under --type item @item (the name itself,
 * or its group: "flow" for flow-new and flow-end)?
 */
static bool type_matches(const char *name, const char *item, size_t len)
{
	return !strncmp(name, item, len) && (!name[len] || name[len] == '-');
}

static int event_types(struct event_filter *ef, const char *list, char *err,
		       size_t errlen)
{
	const char *s = list;

	ef->any_type = false;
	do {
		size_t len = strcspn(s, ",");
		bool any = false;

		for (int k = 0; len && k < EV_MAX; k++) {
			if (type_matches(events_kind_name(k), s, len)) {
				ef->type[k] = true;
				any = true;
			}
		}
		if (!any) {
			char names[512] = "";

			for (int k = 0; k < EV_MAX; k++)
				snprintf(names + strlen(names),
					 sizeof(names) - strlen(names), "%s%s",
					 k ? ", " : "", events_kind_name(k));
			snprintf(err, errlen,
				 "--type: unknown event '%.*s' (%s; or a "
				 "group: flow, pinhole, binding, call)",
				 (int)len, s, names);
			return -1;
		}
		s += len;
	} while (*s++ == ',');
	return 0;
}

int event_filter_parse(int argc, char **argv, struct event_filter *ef,
		       char *err, size_t errlen)
{
	bool have_type = false, have_proto = false;

	memset(ef, 0, sizeof(*ef));
	ef->any_type = true;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		bool type;

		if (!strcmp(a, "--type") || !strncmp(a, "--type=", 7))
			type = true;
		else if (!strcmp(a, "--proto") || !strncmp(a, "--proto=", 8))
			type = false;
		else {
			snprintf(err, errlen, "unexpected argument '%s'", a);
			return -1;
		}
		v = strchr(a, '=');
		if (v) {
			v++;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			snprintf(err, errlen, "missing %s after %s",
				 type ? "EVENT[,EVENT...]" : "PROTO", a);
			return -1;
		}
		if (type ? have_type : have_proto) {
			snprintf(err, errlen, "%s given twice",
				 type ? "--type" : "--proto");
			return -1;
		}
		if (type) {
			have_type = true;
			if (event_types(ef, v, err, errlen))
				return -1;
			continue;
		}
		have_proto = true;
		if (proto_of(v) >= 0) {
			ef->proto = v;
		} else if (alg_from_name(v) > 0) {
			ef->alg = v;
		} else {
			snprintf(err, errlen,
				 "--proto: unknown protocol '%s' (tcp, udp, "
				 "icmp, icmpv6, ftp, sip, rtsp, tftp)",
				 v);
			return -1;
		}
	}
	return 0;
}

/*
 * The string value of top-level member @key of JSON object @s into @out
 * (escapes kept as they are: the values compared here have none).  A
 * member that is no string, or is missing: false.
 */
static bool json_member(const char *s, size_t len, const char *key, char *out,
			size_t cap)
{
	const char *p = s, *end = s + len;
	size_t klen = strlen(key);
	int depth = 0;

	while (p < end) {
		char c = *p;

		if (c == '"') {
			const char *str = ++p;
			bool is_key;

			while (p < end && *p != '"')
				p += *p == '\\' ? 2 : 1;
			if (p >= end)
				return false;
			/* a string at depth 1 followed by ':' is a key */
			is_key = depth == 1 && p + 1 < end && p[1] == ':';
			p++;
			if (!is_key || (size_t)(p - 1 - str) != klen ||
			    memcmp(str, key, klen))
				continue;
			p++; /* ':' */
			if (p >= end || *p != '"')
				return false;
			str = ++p;
			while (p < end && *p != '"')
				p += *p == '\\' ? 2 : 1;
			if (p >= end || (size_t)(p - str) >= cap)
				return false;
			memcpy(out, str, (size_t)(p - str));
			out[p - str] = '\0';
			return true;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		p++;
	}
	return false;
}

/*
 * Field @key of a text event line ("TIME [EVENT] TAG key=value ..."; a
 * value with blanks is quoted, with \" and \\ inside).
 */
static bool text_field(const char *s, size_t len, const char *key, char *out,
		       size_t cap)
{
	const char *p = s, *end = s + len;
	size_t klen = strlen(key);

	while (p < end) {
		const char *tok;
		size_t n = 0;
		bool match;

		while (p < end && *p == ' ')
			p++;
		tok = p;
		while (p < end && *p != ' ' && *p != '=' && *p != '"')
			p++;
		if (p >= end || *p != '=') {
			/* not key=value: skip the word */
			while (p < end && *p != ' ')
				p++;
			continue;
		}
		match = (size_t)(p - tok) == klen && !memcmp(tok, key, klen);
		p++;
		if (p < end && *p == '"') {
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (match && n + 1 < cap)
					out[n++] = *p;
			}
			p++;
		} else {
			for (; p < end && *p != ' '; p++)
				if (match && n + 1 < cap)
					out[n++] = *p;
		}
		if (match) {
			out[n] = '\0';
			return true;
		}
	}
	return false;
}

bool event_filter_match(const struct event_filter *ef, const char *line,
			size_t len, bool json)
{
	char kind[32] = "", tag[32] = "", v[32];
	int k;

	if (json) {
		json_member(line, len, "event", kind, sizeof(kind));
	} else {
		const char *lb = memchr(line, '[', len), *rb;

		if (lb) {
			rb = memchr(lb, ']', len - (size_t)(lb - line));
			if (rb && (size_t)(rb - lb - 1) < sizeof(kind)) {
				memcpy(kind, lb + 1, (size_t)(rb - lb - 1));
				kind[rb - lb - 1] = '\0';
				/* the tag follows: "ftp#3" or "-" */
				sscanf(rb + 1, "%31s", tag);
			}
		}
	}
	if (!strcmp(kind, "lost"))
		return true;
	if (!ef->any_type) {
		for (k = 0; k < EV_MAX; k++)
			if (!strcmp(events_kind_name(k), kind))
				break;
		if (k == EV_MAX || !ef->type[k])
			return false;
	}
	if (ef->proto) {
		if (!(json ? json_member(line, len, "proto", v, sizeof(v)) :
			     text_field(line, len, "proto", v, sizeof(v))) ||
		    strcmp(v, ef->proto))
			return false;
	}
	if (ef->alg) {
		bool have = json ? json_member(line, len, "alg", v, sizeof(v)) :
				   text_field(line, len, "alg", v, sizeof(v));

		if (!have && !json && strchr(tag, '#')) {
			*strchr(tag, '#') = '\0';
			snprintf(v, sizeof(v), "%s", tag);
			have = true;
		}
		if (!have || strcmp(v, ef->alg))
			return false;
	}
	return true;
}
