// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_control.c - live changes: `alg PROTO off|observe|on` and
 * `forward add|del|list`.
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
#include "pins.h"
#include "util/table.h"

static int alg_list(int fd)
{
	struct table *t =
		list_begin("algs", table_new(3, "ALG", "MODE", "PORTS"));

	for (__u32 i = 1; i < BPFALG_ALG_MAX; i++) {
		struct bpfalg_alg_cfg a = {};
		char ports[64] = "";

		if (bpf_map_lookup_elem(fd, &i, &a))
			continue;
		for (int p = 0; p < BPFALG_ALG_PORTS && a.ports[p]; p++)
			snprintf(ports + strlen(ports),
				 sizeof(ports) - strlen(ports), "%s%u",
				 p ? "," : "", a.ports[p]);
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
			jsonw_end_object(json_wtr);
		} else if (t) {
			table_row(t, alg_name(i), alg_mode_name(a.mode), ports);
		}
	}
	list_end(t, 0, NULL);
	return EXIT_OK;
}

/* "21,2121": at most BPFALG_ALG_PORTS ports, 1..65535; 0 or -1. */
static int parse_ports(const char *s, __u16 ports[BPFALG_ALG_PORTS])
{
	int n = 0;

	memset(ports, 0, sizeof(__u16) * BPFALG_ALG_PORTS);
	while (*s) {
		char *end;
		unsigned long v;

		if (n == BPFALG_ALG_PORTS || *s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || v < 1 || v > 65535 || (*end && *end != ','))
			return -1;
		ports[n++] = (__u16)v;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return -1;
	}
	return n ? 0 : -1;
}

int do_alg(int argc, char **argv)
{
	struct bpfalg_alg_cfg a = {};
	__u16 ports[BPFALG_ALG_PORTS];
	bool set_ports = false;
	char err[512];
	int fd, alg, mode, ret = EXIT_OK;
	__u32 key;

	if (argc > 0 && strcmp(argv[0], "list") && strcmp(argv[0], "show")) {
		alg = alg_from_name(argv[0]);
		if (alg < 0)
			return usage_error(
				"unknown ALG '%s' (ftp, sip, rtsp, tftp)",
				argv[0]);
		NEXT_ARG();
		REQ_ARGS(1, "mode (off, observe or on)");
		mode = alg_mode_from_name(argv[0]);
		if (mode < 0)
			return usage_error(
				"unknown mode '%s' (off, observe, on)",
				argv[0]);
		NEXT_ARG();
		if (argc > 0 && !strcmp(argv[0], "--ports")) {
			NEXT_ARG();
			REQ_ARGS(1, "port list after --ports");
			if (parse_ports(argv[0], ports))
				return usage_error(
					"bad port list '%s' (up to %d ports "
					"1-65535, comma-separated)",
					argv[0], BPFALG_ALG_PORTS);
			set_ports = true;
			NEXT_ARG();
		}
		NO_MORE_ARGS();
	} else {
		if (argc > 0)
			NEXT_ARG();
		NO_MORE_ARGS();
		alg = -1;
		mode = 0;
	}

	fd = pins_map_fd(pin_path, "alg_cfg", err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (alg < 0) {
		ret = alg_list(fd);
		close(fd);
		return ret;
	}
	key = alg;
	if (bpf_map_lookup_elem(fd, &key, &a))
		a.ports[0] = alg_default_port[alg];
	if (set_ports) /* new flows on these ports; open ones keep theirs */
		memcpy(a.ports, ports, sizeof(a.ports));
	a.mode = mode;
	if (bpf_map_update_elem(fd, &key, &a, BPF_ANY)) {
		p_err("cannot set %s mode: %s", alg_name(alg), strerror(errno));
		ret = EXIT_RUNTIME;
	} else if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "alg", alg_name(alg));
		jsonw_string_field(json_wtr, "mode", alg_mode_name(mode));
		jsonw_end_object(json_wtr);
	} else {
		printf("%s: %s\n", alg_name(alg), alg_mode_name(mode));
	}
	close(fd);
	return ret;
}

static int forward_list(int fd)
{
	struct bpfalg_fwd_key key, *prev = NULL;
	struct bpfalg_fwd v;
	struct table *t = list_begin(
		"forwards", table_new(3, "PROTO", "PUBLIC-PORT", "INSIDE"));
	char target[64], port[8];

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		fmt_endpoint(key.family, v.addr, v.port, target,
			     sizeof(target));
		snprintf(port, sizeof(port), "%u", ntohs(key.port));
		if (json_wtr) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "proto",
					   fmt_proto(key.proto));
			jsonw_u64_field(json_wtr, "public_port",
					ntohs(key.port));
			jsonw_string_field(json_wtr, "inside", target);
			jsonw_end_object(json_wtr);
		} else if (t) {
			table_row(t, fmt_proto(key.proto), port, target);
		}
	}
	list_end(t, 0, NULL);
	return EXIT_OK;
}

int do_forward(int argc, char **argv)
{
	struct bpfalg_fwd_key key = {};
	struct bpfalg_fwd v = {};
	const char *verb = argc > 0 ? argv[0] : "list";
	char err[512], *end;
	unsigned long port;
	int fd, ret = EXIT_OK;
	bool add;

	if (!strcmp(verb, "list") || !strcmp(verb, "show")) {
		if (argc > 0)
			NEXT_ARG();
		NO_MORE_ARGS();
		fd = pins_map_fd(pin_path, "forwards", err, sizeof(err));
		if (fd < 0) {
			p_err("%s", err);
			return EXIT_RUNTIME;
		}
		ret = forward_list(fd);
		close(fd);
		return ret;
	}
	if (strcmp(verb, "add") && strcmp(verb, "del"))
		return usage_error(
			"unknown forward command '%s' (add, del, list)", verb);
	add = !strcmp(verb, "add");
	NEXT_ARG();
	REQ_ARGS(3, "PROTO PORT INSIDE-ADDR:PORT");
	if (!strcmp(argv[0], "tcp"))
		key.proto = BPFALG_IPPROTO_TCP;
	else if (!strcmp(argv[0], "udp"))
		key.proto = BPFALG_IPPROTO_UDP;
	else
		return usage_error("unknown protocol '%s' (tcp, udp)", argv[0]);
	port = strtoul(argv[1], &end, 10);
	if (!argv[1][0] || *end || argv[1][0] == '-' || !port || port > 65535)
		return usage_error("invalid port '%s' (1-65535)", argv[1]);
	key.port = htons(port);
	if (parse_endpoint(argv[2], &key.family, v.addr, &v.port) ||
	    key.family != BPFALG_AF_INET)
		return usage_error("invalid inside address '%s' (IPV4:PORT)",
				   argv[2]);
	NEXT_ARG();
	NEXT_ARG();
	NEXT_ARG();
	NO_MORE_ARGS();

	fd = pins_map_fd(pin_path, "forwards", err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (add ? bpf_map_update_elem(fd, &key, &v, BPF_ANY) :
		  bpf_map_delete_elem(fd, &key)) {
		if (!add && errno == ENOENT)
			p_err("no forward for %s port %lu",
			      fmt_proto(key.proto), port);
		else
			p_err("cannot %s forward: %s", verb, strerror(errno));
		ret = EXIT_RUNTIME;
	} else if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "forward",
				   add ? "added" : "deleted");
		jsonw_end_object(json_wtr);
	} else {
		char t[64];

		printf("forward %s: %s %lu -> %s\n", add ? "added" : "deleted",
		       fmt_proto(key.proto), port,
		       fmt_endpoint(key.family, v.addr, v.port, t, sizeof(t)));
	}
	close(fd);
	return ret;
}
