// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_inspect.c - flows, pinholes, stats: read-only views of the pinned
 * maps, the same with or without a running daemon.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "algctl.h"
#include "bpfalg_timeout.h"
#include "config.h"
#include "format.h"
#include "flowtab.h"
#include "pins.h"
#include "util/table.h"

#define NS 1000000000ULL

static void json_endpoint(const char *name, __u8 family, const __be32 *addr,
			  __be16 port)
{
	char a[INET6_ADDRSTRLEN];

	jsonw_name(json_wtr, name);
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "addr",
			   fmt_addr(family, addr, a, sizeof(a)));
	jsonw_u64_field(json_wtr, "port", ntohs(port));
	jsonw_end_object(json_wtr);
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

struct flows_walk {
	const struct bpfalg_config *c;
	struct table *t;
	unsigned long long now;
	long n;
};

static int flows_walk_one(const struct bpfalg_tuple *key,
			  const struct bpfalg_flow *f, int pair, void *arg)
{
	struct flows_walk *w = arg;
	__u64 age, idle, to, left;

	age = w->now / NS > f->created_s ? w->now / NS - f->created_s : 0;
	idle = w->now > f->last_seen_ns ? (w->now - f->last_seen_ns) / NS : 0;
	to = bpfalg_flow_timeout(f, key, &w->c->timeouts);
	left = idle < to ? to - idle : 0;
	if (json_wtr)
		flow_json(key, f, age, left);
	else if (w->t)
		flow_row(w->t, key, f, age, left);
	w->n++;
	return 0;
}

int do_flows(int argc, char **argv)
{
	struct bpfalg_config c;
	struct flowtab ft;
	struct flows_walk w = { .c = &c, .now = mono_ns() };
	char err[512];
	int ret;

	NO_MORE_ARGS();
	if (pins_read_cfg(pin_path, &c, err, sizeof(err)) ||
	    flowtab_open(&ft, pin_path, err, sizeof(err)))
		goto fail;
	/* TRANSLATED: the public source of SNAT, the inside target of DNAT */
	w.t = list_begin("flows", table_new(9, "PROTO", "SRC", "DST", "NAT",
					    "TRANSLATED", "STATE", "AGE",
					    "TIMEOUT", "PKTS(o/r)"));
	ret = flowtab_walk(&ft, flows_walk_one, &w);
	flowtab_close(&ft);
	list_end(w.t, w.n, "flow");
	if (ret) {
		snprintf(err, sizeof(err), "cannot read the flow table: %s",
			 strerror(-ret));
		goto fail;
	}
	return EXIT_OK;
fail:
	p_err("%s", err);
	return EXIT_RUNTIME;
}

int do_pinholes(int argc, char **argv)
{
	struct bpfalg_pinhole_key key, *prev = NULL;
	struct bpfalg_pinhole ph;
	unsigned long long now = mono_ns();
	struct table *t;
	char err[512], remote[64], target[64], owner[140], exp[16], os[64],
		od[64], pub[8];
	long n = 0;
	int fd = pins_map_fd(pin_path, "pinholes", err, sizeof(err));

	NO_MORE_ARGS();
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	t = list_begin("pinholes",
		       table_new(7, "PROTO", "REMOTE", "PUBLIC-PORT", "INSIDE",
				 "ALG", "OWNER", "EXPIRES"));
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		__u64 left;

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &ph))
			continue;
		left = ph.expires_ns > now ? (ph.expires_ns - now) / NS : 0;
		fmt_endpoint(key.family, key.remote, ph.remote_port, remote,
			     sizeof(remote));
		if (!ph.remote_port) /* any port of the remote */
			strcpy(strrchr(remote, ':') + 1, "*");
		fmt_endpoint(key.family, ph.inside_addr, ph.inside_port, target,
			     sizeof(target));
		fmt_endpoint(ph.owner.family, ph.owner.saddr, ph.owner.sport,
			     os, sizeof(os));
		fmt_endpoint(ph.owner.family, ph.owner.daddr, ph.owner.dport,
			     od, sizeof(od));
		snprintf(owner, sizeof(owner), "%s %s->%s",
			 fmt_proto(ph.owner.proto), os, od);
		snprintf(pub, sizeof(pub), "%u", ntohs(key.public_port));
		if (json_wtr) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "proto",
					   fmt_proto(key.proto));
			jsonw_string_field(json_wtr, "remote", remote);
			jsonw_u64_field(json_wtr, "public_port",
					ntohs(key.public_port));
			jsonw_string_field(json_wtr, "inside", target);
			jsonw_string_field(json_wtr, "alg", alg_name(ph.alg));
			jsonw_string_field(json_wtr, "owner", owner);
			jsonw_u64_field(json_wtr, "expires_s", left);
			jsonw_end_object(json_wtr);
		} else if (t) {
			table_row(t, fmt_proto(key.proto), remote, pub, target,
				  alg_name(ph.alg), owner,
				  fmt_duration(left, exp, sizeof(exp)));
		}
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
