// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_inspect.c - flows, pinholes, stats: read-only views of the pinned
 * maps, the same with or without a running daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "algctl.h"
#include "bpfalg_timeout.h"
#include "config.h"
#include "format.h"
#include "filters.h"
#include "flowtab.h"
#include "pins.h"
#include "util/table.h"

#define NS 1000000000ULL

static void json_endpoint(const char *name, __u8 family, const __be32 *addr,
			  __be16 port)
{
	jsonw_endpoint(json_wtr, name, family, addr, ntohs(port));
}

static void json_pair(const char *name, __u64 orig, __u64 reply)
{
	jsonw_name(json_wtr, name);
	jsonw_start_object(json_wtr);
	jsonw_u64_field(json_wtr, "orig", orig);
	jsonw_u64_field(json_wtr, "reply", reply);
	jsonw_end_object(json_wtr);
}

static void flow_json(const struct bpfalg_tuple *o, const struct bpfalg_flow *f,
		      __u64 age, __u64 left)
{
	struct bpfalg_tuple r;

	bpfalg_flow_reply(f, o, &r);
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "proto", fmt_proto(o->proto));
	jsonw_string_field(json_wtr, "family",
			   o->family == BPFALG_AF_INET6 ? "ipv6" : "ipv4");
	jsonw_string_field(json_wtr, "nat", fmt_nat(f->nat));
	jsonw_string_field(json_wtr, "state", fmt_state(o->proto, f->state));
	/* the original direction as sent, and as it leaves translated */
	json_endpoint("orig_src", o->family, o->saddr, o->sport);
	json_endpoint("orig_dst", o->family, o->daddr, o->dport);
	json_endpoint("reply_src", r.family, r.saddr, r.sport);
	json_endpoint("reply_dst", r.family, r.daddr, r.dport);
	if (f->nat == BPFALG_NAT_SNAT)
		json_endpoint("public", r.family, r.daddr, r.dport);
	else if (f->nat == BPFALG_NAT_DNAT)
		json_endpoint("public", o->family, o->daddr, o->dport);
	jsonw_u64_field(json_wtr, "age_s", age);
	jsonw_u64_field(json_wtr, "timeout_s", left);
	json_pair("packets", f->packets[0], f->packets[1]);
	/* the ALG of a control flow, or of the one whose pinhole made it */
	jsonw_name(json_wtr, "alg");
	if (f->alg && f->alg < BPFALG_ALG_MAX)
		jsonw_string(json_wtr, alg_name(f->alg));
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "flags");
	jsonw_start_array(json_wtr);
	if (f->flags & BPFALG_FF_FROM_PINHOLE)
		jsonw_string(json_wtr, "pinhole");
	if (f->flags & BPFALG_FF_FROM_FORWARD)
		jsonw_string(json_wtr, "forward");
	if (f->flags & BPFALG_FF_CONTROL)
		jsonw_string(json_wtr, "control");
	if (f->flags & BPFALG_FF_MIDSTREAM)
		jsonw_string(json_wtr, "midstream");
	if (f->flags & BPFALG_FF_INBOUND)
		jsonw_string(json_wtr, "inbound");
	if (f->flags & BPFALG_FF_OVER_SHARE)
		jsonw_string(json_wtr, "over_share");
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

static void flow_row(struct table *t, const struct bpfalg_tuple *o,
		     const struct bpfalg_flow *f, __u64 age, __u64 left)
{
	char src[64], dst[64], pub[64] = "-", a[16], l[16], pk[48];
	struct bpfalg_tuple r;

	bpfalg_flow_reply(f, o, &r);
	fmt_endpoint(o->family, o->saddr, o->sport, src, sizeof(src));
	fmt_endpoint(o->family, o->daddr, o->dport, dst, sizeof(dst));
	if (f->nat == BPFALG_NAT_SNAT)
		fmt_endpoint(r.family, r.daddr, r.dport, pub, sizeof(pub));
	else if (f->nat == BPFALG_NAT_DNAT)
		fmt_endpoint(r.family, r.saddr, r.sport, pub, sizeof(pub));
	snprintf(pk, sizeof(pk), "%u/%u", f->packets[0], f->packets[1]);
	table_row(t, fmt_proto(o->proto), src, dst, fmt_nat(f->nat), pub,
		  fmt_state(o->proto, f->state),
		  fmt_duration(age, a, sizeof(a)),
		  fmt_duration(left, l, sizeof(l)), pk);
}

/* The flow table as `flows` prints it, a row at a time (IPv4 endpoints
 * fit; longer ones push their row right).
 */
static struct table *flows_table(const char *key)
{
	static const int w[] = { 5, 21, 21, 4, 21, 11, 5, 7, 0 };

	/* TRANSLATED: the public source of SNAT, the inside target of DNAT */
	return list_begin(key, table_stream(stdout, w, 9, "PROTO", "SRC", "DST",
					    "NAT", "TRANSLATED", "STATE", "AGE",
					    "TIMEOUT", "PKTS(o/r)"));
}

enum flows_op { FLOWS_LIST, FLOWS_COUNT, FLOWS_DELETE };

struct flows_walk {
	const struct bpfalg_config *c;
	const struct flowtab *ft;
	const struct flow_filter *ff; /* NULL: every flow */
	enum flows_op op;
	bool quiet; /* flush: count only */
	int hosts; /* host_answered, -1 */
	struct table *t;
	unsigned long long now;
	long n;
};

static int flows_walk_one(const struct bpfalg_tuple *key,
			  const struct bpfalg_flow *f, int pair, void *arg)
{
	struct flows_walk *w = arg;
	__u64 age, idle, to, left;

	if (w->ff && !flow_filter_match(w->ff, key, f))
		return 0;
	if (w->op == FLOWS_DELETE && flowtab_remove(w->ft, w->hosts, key, f))
		return 0; /* gone or replaced meanwhile: not ours to count */
	w->n++;
	if (w->op == FLOWS_COUNT || w->quiet)
		return 0;
	age = w->now / NS > f->created_s ? w->now / NS - f->created_s : 0;
	idle = w->now > f->last_seen_ns ? (w->now - f->last_seen_ns) / NS : 0;
	to = bpfalg_flow_timeout(f, key, &w->c->timeouts);
	left = idle < to ? to - idle : 0;
	if (json_wtr)
		flow_json(key, f, age, left);
	else if (w->t)
		flow_row(w->t, key, f, age, left);
	return 0;
}

/*
 * One pass over the flow table: list, count or delete what @ff keeps.
 * Rows go out as the table is read (in batches), never collected.
 */
static int flows_run(const struct flow_filter *ff, enum flows_op op, bool quiet)
{
	struct bpfalg_config c;
	struct flowtab ft;
	struct flows_walk w = {
		.c = &c,
		.ft = &ft,
		.ff = ff,
		.op = op,
		.quiet = quiet,
		.hosts = -1,
		.now = mono_ns(),
	};
	char err[512];
	int ret;

	if (pins_read_cfg(pin_path, &c, err, sizeof(err)) ||
	    flowtab_open(&ft, pin_path, err, sizeof(err))) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (op == FLOWS_DELETE) {
		w.hosts = pins_map_fd(pin_path, "host_answered", err,
				      sizeof(err));
		if (w.hosts < 0)
			w.hosts = -1; /* pins of an older layout: none kept */
	}
	if (op == FLOWS_COUNT) {
		if (json_wtr)
			jsonw_start_object(json_wtr);
	} else if (!quiet) {
		w.t = flows_table("flows");
	} else if (json_wtr) {
		jsonw_start_object(json_wtr);
	}
	ret = flowtab_walk(&ft, flows_walk_one, &w);
	flowtab_close(&ft);
	if (w.hosts >= 0)
		close(w.hosts);
	if (ret) {
		table_free(w.t);
		p_err("cannot read the flow table: %s", strerror(-ret));
		return EXIT_RUNTIME;
	}
	if (op == FLOWS_LIST) {
		list_end(w.t, w.n, "flow");
		return EXIT_OK;
	}
	if (json_wtr) {
		if (!quiet && op == FLOWS_DELETE)
			jsonw_end_array(json_wtr);
		jsonw_s64_field(json_wtr,
				op == FLOWS_COUNT ? "count" : "deleted", w.n);
		jsonw_end_object(json_wtr);
	} else {
		if (w.t && w.n)
			table_print(w.t, stdout);
		if (op == FLOWS_COUNT)
			printf("%ld\n", w.n);
		else
			printf("%ld flow%s deleted\n", w.n,
			       w.n == 1 ? "" : "s");
	}
	table_free(w.t);
	return EXIT_OK;
}

int do_flows(int argc, char **argv)
{
	struct flow_filter ff;
	char err[512];
	bool count;

	if (argc > 0 && !strcmp(argv[0], "flush")) {
		NEXT_ARG();
		NO_MORE_ARGS();
		return flows_run(NULL, FLOWS_DELETE, true);
	}
	if (argc > 0 && !strcmp(argv[0], "delete")) {
		NEXT_ARG();
		if (flow_filter_parse(argc, argv, &ff, NULL, err, sizeof(err)))
			return usage_error("%s", err);
		/* conntrack -D with no filter deletes everything: not here */
		if (!ff.set)
			return usage_error("flows delete needs a filter (every "
					   "flow: algctl flows flush)");
		return flows_run(&ff, FLOWS_DELETE, false);
	}
	if (argc > 0 && !strcmp(argv[0], "list"))
		NEXT_ARG();
	if (flow_filter_parse(argc, argv, &ff, &count, err, sizeof(err)))
		return usage_error("%s", err);
	return flows_run(&ff, count ? FLOWS_COUNT : FLOWS_LIST, false);
}

struct ph_entry {
	struct bpfalg_pinhole_key k;
	struct bpfalg_pinhole v;
};

static void pinhole_json(const struct ph_entry *e, __u64 left)
{
	const struct bpfalg_pinhole_key *k = &e->k;
	const struct bpfalg_pinhole *v = &e->v;

	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "proto", fmt_proto(k->proto));
	/* port 0: any port of the remote */
	json_endpoint("remote", k->family, k->remote, v->remote_port);
	jsonw_u64_field(json_wtr, "public_port", ntohs(k->public_port));
	json_endpoint("inside", k->family, v->inside_addr, v->inside_port);
	jsonw_string_field(json_wtr, "alg", alg_name(v->alg));
	/* the control flow that opened it, its original direction */
	jsonw_name(json_wtr, "owner");
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "proto", fmt_proto(v->owner.proto));
	json_endpoint("src", v->owner.family, v->owner.saddr, v->owner.sport);
	json_endpoint("dst", v->owner.family, v->owner.daddr, v->owner.dport);
	jsonw_end_object(json_wtr);
	jsonw_u64_field(json_wtr, "expires_s", left);
	jsonw_end_object(json_wtr);
}

static void pinhole_row(struct table *t, const struct ph_entry *e, __u64 left)
{
	const struct bpfalg_pinhole_key *k = &e->k;
	const struct bpfalg_pinhole *v = &e->v;
	char remote[64], target[64], owner[140], exp[16], os[64], od[64],
		pub[8];

	fmt_endpoint(k->family, k->remote, v->remote_port, remote,
		     sizeof(remote));
	if (!v->remote_port) /* any port of the remote */
		strcpy(strrchr(remote, ':') + 1, "*");
	fmt_endpoint(k->family, v->inside_addr, v->inside_port, target,
		     sizeof(target));
	fmt_endpoint(v->owner.family, v->owner.saddr, v->owner.sport, os,
		     sizeof(os));
	fmt_endpoint(v->owner.family, v->owner.daddr, v->owner.dport, od,
		     sizeof(od));
	snprintf(owner, sizeof(owner), "%s %s->%s", fmt_proto(v->owner.proto),
		 os, od);
	snprintf(pub, sizeof(pub), "%u", ntohs(k->public_port));
	table_row(t, fmt_proto(k->proto), remote, pub, target, alg_name(v->alg),
		  owner, fmt_duration(left, exp, sizeof(exp)));
}

/*
 * pinholes delete PROTO PORT [REMOTE-ADDR]: the pinholes on public port
 * PORT (of any remote, or of that one).  Keys are collected first: a
 * delete during bpf_map_get_next_key() restarts the walk.
 */
static int pinholes_delete(int argc, char **argv)
{
	struct bpfalg_pinhole_key key, *prev = NULL, found[64];
	__be32 remote[4] = { 0 };
	int family = 0, n = 0, deleted = 0, fd, proto;
	unsigned long port;
	char err[512], *end;

	REQ_ARGS(2, "PROTO PORT after pinholes delete");
	proto = !strcmp(argv[0], "tcp") ? BPFALG_IPPROTO_TCP :
		!strcmp(argv[0], "udp") ? BPFALG_IPPROTO_UDP :
					  -1;
	if (proto < 0)
		return usage_error("unknown protocol '%s' (tcp, udp)", argv[0]);
	errno = 0;
	port = strtoul(argv[1], &end, 10);
	if (argv[1][0] < '0' || argv[1][0] > '9' || *end || errno || !port ||
	    port > 65535)
		return usage_error("invalid port '%s' (1-65535)", argv[1]);
	NEXT_ARG();
	NEXT_ARG();
	if (argc > 0) {
		if (inet_pton(AF_INET, argv[0], remote) == 1)
			family = BPFALG_AF_INET;
		else if (inet_pton(AF_INET6, argv[0], remote) == 1)
			family = BPFALG_AF_INET6;
		else
			return usage_error("'%s' is not an IPv4 or IPv6 "
					   "address",
					   argv[0]);
		NEXT_ARG();
	}
	NO_MORE_ARGS();
	fd = pins_map_fd(pin_path, "pinholes", err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	do {
		/* a public port has few pinholes: 64 a round is plenty */
		n = 0;
		prev = NULL;
		while (n < 64 && !bpf_map_get_next_key(fd, prev, &key)) {
			prev = &key;
			if (key.proto != proto ||
			    ntohs(key.public_port) != port ||
			    (family && (key.family != family ||
					memcmp(key.remote, remote, 16))))
				continue;
			found[n++] = key;
		}
		int before = deleted;

		for (int i = 0; i < n; i++)
			if (!bpf_map_delete_elem(fd, &found[i]))
				deleted++;
		if (deleted == before)
			break;
	} while (n == 64);
	close(fd);
	if (!deleted) {
		char a[INET6_ADDRSTRLEN] = "";

		if (family)
			inet_ntop(family == BPFALG_AF_INET6 ? AF_INET6 :
							      AF_INET,
				  remote, a, sizeof(a));
		p_err("no pinhole for %s port %lu%s%s", fmt_proto(proto), port,
		      family ? " from " : "", a);
		return EXIT_RUNTIME;
	}
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_s64_field(json_wtr, "deleted", deleted);
		jsonw_end_object(json_wtr);
	} else {
		printf("%d pinhole%s deleted\n", deleted,
		       deleted == 1 ? "" : "s");
	}
	return EXIT_OK;
}

int do_pinholes(int argc, char **argv)
{
	static const int widths[] = { 5, 21, 11, 21, 4, 50, 0 };
	struct bpfalg_pinhole_key *prev = NULL;
	struct ph_entry e;
	unsigned long long now = mono_ns();
	struct table *t;
	char err[512];
	long n = 0;
	int fd;

	if (argc > 0 &&
	    (!strcmp(argv[0], "delete") || !strcmp(argv[0], "del"))) {
		NEXT_ARG();
		return pinholes_delete(argc, argv);
	}
	if (argc > 0 && !strcmp(argv[0], "list"))
		NEXT_ARG();
	NO_MORE_ARGS();
	fd = pins_map_fd(pin_path, "pinholes", err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	t = list_begin("pinholes",
		       table_stream(stdout, widths, 7, "PROTO", "REMOTE",
				    "PUBLIC-PORT", "INSIDE", "ALG", "OWNER",
				    "EXPIRES"));
	while (!bpf_map_get_next_key(fd, prev, &e.k)) {
		__u64 left;

		prev = &e.k;
		if (bpf_map_lookup_elem(fd, &e.k, &e.v))
			continue;
		left = e.v.expires_ns > now ? (e.v.expires_ns - now) / NS : 0;
		if (json_wtr)
			pinhole_json(&e, left);
		else if (t)
			pinhole_row(t, &e, left);
		n++;
	}
	close(fd);
	list_end(t, n, "pinhole");
	return EXIT_OK;
}

static int alg_view(unsigned int alg, __u64 v[ALG_STAT_N])
{
	struct bpfalg_alg_dp_stats dp;
	struct bpfalg_alg_stats cs;
	char err[256];

	if (pins_read_alg_stats(pin_path, alg, &dp, &cs, err, sizeof(err)))
		return -1;
	alg_stats_view(&dp, &cs, v);
	return 0;
}

/* "ftp_rewritten": the name scripts read in both output modes. */
static const char *alg_stat_key(unsigned int alg, int idx)
{
	static char name[48];

	snprintf(name, sizeof(name), "%s_%s", alg_name(alg), fmt_alg_stat(idx));
	return name;
}

/*
 * Entries in use (or @max: the size) of pinned map @name.  The family-less
 * flow table names ("flows", "flow_rev_new", ...) count both families'
 * maps in use; their size is the IPv4 maps' (what --flows sets: the IPv6
 * maps are listed on their own).  Negative when a map is missing.
 */
static long table_entries(const char *name, bool max)
{
	static const char *const sums[][3] = {
		{ "flows", "flows4", "flows6" },
		{ "flow_rev", "flow_rev4", "flow_rev6" },
		{ "flows_new", "flows4_new", "flows6_new" },
		{ "flow_rev_new", "flow_rev4_new", "flow_rev6_new" },
	};

	for (size_t i = 0; i < sizeof(sums) / sizeof(*sums); i++) {
		long a, b;

		if (strcmp(name, sums[i][0]))
			continue;
		a = table_entries(sums[i][1], max);
		if (max)
			return a;
		b = table_entries(sums[i][2], max);
		return a < 0 ? a : b < 0 ? b : a + b;
	}
	return max ? pins_max_entries(pin_path, name) :
		     pins_count_entries(pin_path, name);
}

int do_stats(int argc, char **argv)
{
	/* "flows" and its kin: both families (table_entries) */
	static const char *const tables[] = {
		"flows",    "flow_rev",	 "flows_new",  "flow_rev_new",
		"flows4",   "flow_rev4", "flows4_new", "flow_rev4_new",
		"flows6",   "flow_rev6", "flows6_new", "flow_rev6_new",
		"pinholes", "ctl",	 "ctl_replay", "forwards",
		"frags",    "nh_cache"
	};
	struct bpfalg_counters cnt;
	char err[512];

	NO_MORE_ARGS();
	if (pins_read_counters(pin_path, &cnt, err, sizeof(err))) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "counters");
		jsonw_start_object(json_wtr);
		for (int i = 0; i < BPFALG_CNT_MAX; i++)
			jsonw_u64_field(json_wtr, fmt_counter(i), cnt.c[i]);
		jsonw_end_object(json_wtr);
		jsonw_name(json_wtr, "alg_counters");
		jsonw_start_object(json_wtr);
		for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++) {
			__u64 v[ALG_STAT_N];

			if (alg_view(a, v))
				continue;
			for (int i = 0; i < ALG_STAT_N; i++)
				jsonw_u64_field(json_wtr, alg_stat_key(a, i),
						v[i]);
		}
		jsonw_end_object(json_wtr);
		/* the same, one object per ALG: {"ftp": {"rewritten": n}} */
		jsonw_name(json_wtr, "per_alg");
		jsonw_start_object(json_wtr);
		for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++) {
			__u64 v[ALG_STAT_N];

			if (alg_view(a, v))
				continue;
			jsonw_name(json_wtr, alg_name(a));
			jsonw_start_object(json_wtr);
			for (int i = 0; i < ALG_STAT_N; i++)
				jsonw_u64_field(json_wtr, fmt_alg_stat(i),
						v[i]);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_object(json_wtr);
		jsonw_name(json_wtr, "tables");
		jsonw_start_object(json_wtr);
		for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
			jsonw_name(json_wtr, tables[i]);
			jsonw_start_object(json_wtr);
			jsonw_s64_field(json_wtr, "in_use",
					table_entries(tables[i], false));
			jsonw_s64_field(json_wtr, "max",
					table_entries(tables[i], true));
			jsonw_end_object(json_wtr);
		}
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
		return EXIT_OK;
	}
	{
		struct table *t = table_new(2, "COUNTER", "VALUE");
		char v[32], v_s[32];

		for (int i = 0; t && i < BPFALG_CNT_MAX; i++) {
			snprintf(v, sizeof(v), "%llu",
				 (unsigned long long)cnt.c[i]);
			table_row(t, fmt_counter(i), v);
		}
		/* an ALG's rows only once it has seen anything */
		for (unsigned int a = 1; t && a < BPFALG_ALG_MAX; a++) {
			__u64 v[ALG_STAT_N], any = 0;

			if (alg_view(a, v))
				continue;
			for (int i = 0; i < ALG_STAT_N; i++)
				any |= v[i];
			for (int i = 0; any && i < ALG_STAT_N; i++) {
				snprintf(v_s, sizeof(v_s), "%llu",
					 (unsigned long long)v[i]);
				table_row(t, alg_stat_key(a, i), v_s);
			}
		}
		for (size_t i = 0; t && i < sizeof(tables) / sizeof(*tables);
		     i++) {
			char name[32];

			snprintf(name, sizeof(name), "table_%s", tables[i]);
			snprintf(v, sizeof(v), "%ld/%ld",
				 table_entries(tables[i], false),
				 table_entries(tables[i], true));
			table_row(t, name, v);
		}
		if (t)
			table_print(t, stdout);
		table_free(t);
	}
	return EXIT_OK;
}
