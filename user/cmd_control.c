// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_control.c - live changes: `alg PROTO [off|observe|on] [--ports ...]
 * [--deny ...]` and `forward add|del|list`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "algctl.h"
#include "config.h"
#include "format.h"
#include "forward.h"
#include "pins.h"
#include "reload.h"
#include "settings.h"
#include "util/table.h"

/* One comma-separated list as a JSON array of strings. */
static void json_names(const char *name, const char *list)
{
	char buf[BPFALG_SETTINGS_LIST], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	jsonw_name(json_wtr, name);
	jsonw_start_array(json_wtr);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		jsonw_string(json_wtr, tok);
	jsonw_end_array(json_wtr);
}

static void fmt_ports(const struct bpfalg_alg_cfg *a, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (int p = 0; p < BPFALG_ALG_PORTS && a->ports[p]; p++)
		snprintf(buf + strlen(buf), cap - strlen(buf), "%s%u",
			 p ? "," : "", a->ports[p]);
}

/* @s NULL: no settings pin (brought up by an older algctl). */
static int alg_list(int fd, const struct bpfalg_settings *s)
{
	struct table *t = list_begin(
		"algs", table_new(4, "ALG", "MODE", "PORTS", "DENY"));

	for (__u32 i = 1; i < BPFALG_ALG_MAX; i++) {
		struct bpfalg_alg_cfg a = {};
		const char *deny = s ? s->deny[i] : "";
		char ports[64];

		if (bpf_map_lookup_elem(fd, &i, &a))
			continue;
		fmt_ports(&a, ports, sizeof(ports));
		if (json_wtr) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "alg", alg_name(i));
			jsonw_string_field(json_wtr, "mode",
					   alg_mode_name(a.mode));
			jsonw_name(json_wtr, "ports");
			jsonw_start_array(json_wtr);
			for (int p = 0; p < BPFALG_ALG_PORTS && a.ports[p]; p++)
				jsonw_u64(json_wtr, a.ports[p]);
			jsonw_end_array(json_wtr);
			json_names("deny", deny);
			if (i == BPFALG_ALG_SIP)
				json_names("invite_from",
					   s ? s->sip_invite_from : "");
			jsonw_end_object(json_wtr);
		} else if (t) {
			table_row(t, alg_name(i), alg_mode_name(a.mode), ports,
				  deny[0] ? deny : "-");
		}
	}
	list_end(t, 0, NULL);
	if (!json_wtr && s && s->sip_invite_from[0])
		printf("sip INVITE from outside only from: %s\n",
		       s->sip_invite_from);
	return EXIT_OK;
}

/*
 * alg PROTO [MODE] [--ports LIST] [--deny LIST] [--invite-from LIST]:
 * values checked by the option table of up (the same messages), mode and
 * ports into alg_cfg, deny and invite-from into the settings map.
 */
int do_alg(int argc, char **argv)
{
	struct bpfalg_settings st;
	struct bpfalg_alg_cfg a = {};
	struct up_config v;
	bool have_st, changed_st;
	char err[512], ports[64];
	int fd, alg, mode = -1, ret = EXIT_OK;
	__u32 key;

	have_st = !settings_read(pin_path, &st, err, sizeof(err));
	if (argc == 0 || !strcmp(argv[0], "list") || !strcmp(argv[0], "show")) {
		if (argc > 0)
			NEXT_ARG();
		NO_MORE_ARGS();
		fd = pins_map_fd(pin_path, "alg_cfg", err, sizeof(err));
		if (fd < 0) {
			p_err("%s", err);
			return EXIT_RUNTIME;
		}
		ret = alg_list(fd, have_st ? &st : NULL);
		close(fd);
		return ret;
	}

	alg = alg_from_name(argv[0]);
	if (alg < 0)
		return usage_error("unknown ALG '%s' (ftp, sip, rtsp, tftp)",
				   argv[0]);
	NEXT_ARG();
	if (argc > 0 && strncmp(argv[0], "--", 2)) {
		mode = alg_mode_from_name(argv[0]);
		if (mode < 0)
			return usage_error(
				"unknown mode '%s' (off, observe, on)",
				argv[0]);
		NEXT_ARG();
	}
	config_defaults(&v);
	while (argc > 0) {
		const char *opt = argv[0], *eq = strchr(opt, '='), *val;
		char name[64], reason[256];
		size_t n = eq ? (size_t)(eq - opt) : strlen(opt);

		if (strncmp(opt, "--", 2) || n > 32)
			return usage_error("unexpected argument '%s'", opt);
		snprintf(name, sizeof(name), "%s-%.*s", alg_name(alg),
			 (int)(n - 2), opt + 2);
		if (eq) {
			val = eq + 1;
		} else {
			REQ_ARGS(2, "a value after the option");
			val = argv[1];
			NEXT_ARG();
		}
		NEXT_ARG();
		ret = config_set(&v, name, val, CONFIG_SRC_FLAG, reason,
				 sizeof(reason));
		if (ret == -2 || ret == -3)
			return usage_error("%.*s: not a setting of %s (%s)",
					   (int)n, opt, alg_name(alg),
					   config_alg_keys(alg));
		if (ret)
			return usage_error("%.*s: %s", (int)n, opt, reason);
	}
	if (v.alg_set[alg] & ALG_SET_MODE) /* --mode MODE */
		mode = v.alg_mode[alg];
	if (mode < 0 && !v.alg_set[alg])
		return usage_error("nothing to change for %s: give a mode "
				   "(off, observe, on) or a setting (%s)",
				   alg_name(alg), config_alg_keys(alg));
	changed_st = v.alg_set[alg] & (ALG_SET_DENY | ALG_SET_INVITE);
	if (changed_st && !have_st) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}

	fd = pins_map_fd(pin_path, "alg_cfg", err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	key = alg;
	if (bpf_map_lookup_elem(fd, &key, &a))
		a.ports[0] = alg_default_port[alg];
	if (mode >= 0)
		a.mode = mode;
	if (v.alg_set[alg] &
	    ALG_SET_PORTS) /* new flows; open ones keep theirs */
		memcpy(a.ports, v.alg_ports[alg], sizeof(a.ports));
	if ((mode >= 0 || (v.alg_set[alg] & ALG_SET_PORTS)) &&
	    bpf_map_update_elem(fd, &key, &a, BPF_ANY)) {
		p_err("cannot set %s: %s", alg_name(alg), strerror(errno));
		close(fd);
		return EXIT_RUNTIME;
	}
	close(fd);
	if (changed_st) {
		/* the daemon picks the new lists up from here */
		if (v.alg_set[alg] & ALG_SET_DENY)
			memcpy(st.deny[alg], v.alg_deny[alg],
			       sizeof(st.deny[alg]));
		if (v.alg_set[alg] & ALG_SET_INVITE)
			memcpy(st.sip_invite_from, v.sip_invite_from,
			       sizeof(st.sip_invite_from));
		if (settings_write(pin_path, &st, err, sizeof(err))) {
			p_err("%s", err);
			return EXIT_RUNTIME;
		}
	}

	fmt_ports(&a, ports, sizeof(ports));
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "alg", alg_name(alg));
		jsonw_string_field(json_wtr, "mode", alg_mode_name(a.mode));
		jsonw_name(json_wtr, "ports");
		jsonw_start_array(json_wtr);
		for (int p = 0; p < BPFALG_ALG_PORTS && a.ports[p]; p++)
			jsonw_u64(json_wtr, a.ports[p]);
		jsonw_end_array(json_wtr);
		if (have_st) {
			json_names("deny", st.deny[alg]);
			if (alg == BPFALG_ALG_SIP)
				json_names("invite_from", st.sip_invite_from);
		}
		jsonw_end_object(json_wtr);
	} else {
		printf("%s: %s, ports %s", alg_name(alg), alg_mode_name(a.mode),
		       ports);
		if (have_st && alg != BPFALG_ALG_TFTP)
			printf(", deny %s",
			       st.deny[alg][0] ? st.deny[alg] : "none");
		if (have_st && alg == BPFALG_ALG_SIP)
			printf(", INVITE from %s", st.sip_invite_from[0] ?
							   st.sip_invite_from :
							   "anyone");
		printf("\n");
	}
	return EXIT_OK;
}

/* Where a forward came from, as `forward list` says it. */
static const char *fwd_source(const struct bpfalg_fwd *v)
{
	return v->flags & BPFALG_FWD_F_CONFIG ? "config" : "manual";
}

static int forward_list(void)
{
	struct config_forward *l = calloc(CONFIG_MAX_FORWARDS, sizeof(*l));
	struct table *t;
	char err[512], target[64], port[8];
	int n;

	if (!l) {
		p_err("out of memory");
		return EXIT_RUNTIME;
	}
	n = forwards_read(pin_path, l, err, sizeof(err));
	if (n < 0) {
		p_err("%s", err);
		free(l);
		return EXIT_RUNTIME;
	}
	t = list_begin("forwards", table_new(4, "PROTO", "PUBLIC-PORT",
					     "INSIDE", "SOURCE"));
	for (int i = 0; i < n; i++) {
		const struct config_forward *f = &l[i];

		fmt_endpoint(f->key.family, f->val.addr, f->val.port, target,
			     sizeof(target));
		snprintf(port, sizeof(port), "%u", ntohs(f->key.port));
		if (json_wtr) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "proto",
					   fmt_proto(f->key.proto));
			jsonw_u64_field(json_wtr, "public_port",
					ntohs(f->key.port));
			jsonw_endpoint(json_wtr, "inside", f->key.family,
				       f->val.addr, ntohs(f->val.port));
			jsonw_string_field(json_wtr, "source",
					   fwd_source(&f->val));
			jsonw_end_object(json_wtr);
		} else if (t) {
			table_row(t, fmt_proto(f->key.proto), port, target,
				  fwd_source(&f->val));
		}
	}
	list_end(t, 0, NULL);
	free(l);
	return EXIT_OK;
}

/*
 * forward add|del PROTO PORT INSIDE-ADDR:PORT: parsed as the configuration
 * file's forward lines are (forward_parse()).  A forward added here is the
 * operator's (no BPFALG_FWD_F_CONFIG): a reload of the file leaves it alone
 * unless the file gives the same protocol and port.
 */
int do_forward(int argc, char **argv)
{
	struct config_forward f;
	const char *verb = argc > 0 ? argv[0] : "list";
	char err[512];
	int fd, ret = EXIT_OK;
	bool add;

	if (!strcmp(verb, "list") || !strcmp(verb, "show")) {
		if (argc > 0)
			NEXT_ARG();
		NO_MORE_ARGS();
		return forward_list();
	}
	if (strcmp(verb, "add") && strcmp(verb, "del"))
		return usage_error(
			"unknown forward command '%s' (add, del, list)", verb);
	add = !strcmp(verb, "add");
	NEXT_ARG();
	REQ_ARGS(3, "PROTO PORT INSIDE-ADDR:PORT");
	if (forward_parse(argv[0], argv[1], argv[2], &f, err, sizeof(err)))
		return usage_error("%s", err);
	NEXT_ARG();
	NEXT_ARG();
	NEXT_ARG();
	NO_MORE_ARGS();

	fd = pins_map_fd(pin_path, "forwards", err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (add ? bpf_map_update_elem(fd, &f.key, &f.val, BPF_ANY) :
		  bpf_map_delete_elem(fd, &f.key)) {
		if (!add && errno == ENOENT)
			p_err("no forward for %s port %u",
			      fmt_proto(f.key.proto), ntohs(f.key.port));
		else
			p_err("cannot %s forward: %s", verb, strerror(errno));
		ret = EXIT_RUNTIME;
	} else if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "forward",
				   add ? "added" : "deleted");
		jsonw_end_object(json_wtr);
	} else {
		char target[64];

		printf("forward %s: %s %u -> %s\n", add ? "added" : "deleted",
		       fmt_proto(f.key.proto), ntohs(f.key.port),
		       fmt_endpoint(f.key.family, f.val.addr, f.val.port,
				    target, sizeof(target)));
	}
	close(fd);
	return ret;
}
