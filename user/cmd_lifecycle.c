// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_lifecycle.c - up, daemon, down, status. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "algctl.h"
#include "config.h"
#include "daemon.h"
#include "format.h"
#include "loader.h"
#include "flowtab.h"
#include "pins.h"
#include "reload.h"
#include "settings.h"
#include "util/caps.h"

/* A controller is consuming the ring buffer: alive and beating. */
#define HEARTBEAT_MAX_AGE_NS (5ULL * 1000000000ULL)

/*
 * The configuration file (--config, else CONFIG_DEFAULT_FILE if present),
 * then the flags.  A bad file is one "FILE:LINE: key 'x': reason" line.
 */
static int parse_up_args(int argc, char **argv, struct up_config *uc,
			 bool daemon)
{
	char err[512];
	int ret;

	config_defaults(uc);
	ret = config_parse_args(argc, argv, CONFIG_DEFAULT_FILE, uc, err,
				sizeof(err));
	if (ret == -2) {
		p_err("%s", err);
		return EXIT_USAGE;
	}
	if (ret)
		return usage_error("%s", err);
	/* Without --flows, a running table keeps its size; with it, `up`
	 * resizes (migrate.h).  A daemon restarting itself after another
	 * process migrated its maps (BPFALG_FOLLOW_PINS) takes them as
	 * they are.
	 */
	daemon_following = getenv(FOLLOW_PINS_ENV) != NULL;
	if (!uc->flows_given || daemon_following) {
		long have = pins_max_entries(pin_path, "flows4");

		if (have > 0) {
			uc->flows = (__u32)have;
			if (uc->host_share_auto)
				uc->max_flows_per_host =
					uc->flows / CONFIG_HOST_SHARE;
		}
	}
	unsetenv(FOLLOW_PINS_ENV);
	/* before anything is created: a daemon lacking CAP_NET_RAW would
	 * otherwise fail only after attaching the datapath
	 */
	if (caps_check(daemon, err, sizeof(err))) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* A daemon is alive on these pins (its options are not ours to change). */
static bool controller_alive(void)
{
	struct bpfalg_config c;
	char err[256];

	return !pins_read_cfg(pin_path, &c, err, sizeof(err)) &&
	       c.controller_pid && c.controller_pid != (__u32)getpid() &&
	       !(kill(c.controller_pid, 0) && errno == ESRCH);
}

int do_up(int argc, char **argv)
{
	struct up_config uc;
	char err[512];
	bool was_up;
	int ret = parse_up_args(argc, argv, &uc, false);

	if (ret)
		return ret;
	/* the file's forwards too: those it no longer gives go, the ones
	 * added by hand stay
	 */
	if (loader_up(pin_path, &uc, &was_up, err, sizeof(err)) ||
	    settings_store(pin_path, &uc, !controller_alive(), err,
			   sizeof(err)) ||
	    forwards_sync(pin_path, &uc, false, err, sizeof(err))) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "status", "up");
		jsonw_bool_field(json_wtr, "already_up", was_up);
		jsonw_string_field(json_wtr, "pin_path", pin_path);
		jsonw_end_object(json_wtr);
	} else {
		printf("bpfalg %s (pins: %s)\n",
		       was_up ? "was already up: configuration refreshed" :
				"is up",
		       pin_path);
	}
	return EXIT_OK;
}

int do_daemon(int argc, char **argv)
{
	struct up_config uc;
	int ret = parse_up_args(argc, argv, &uc, true);

	if (ret)
		return ret;
	/* a controller says what it rewrote, refused and opened, one line
	 * per event (log-level = info, the default); -v raises the level it
	 * starts with; the settings then hold it (algctl log-level)
	 */
	log_level += (int)uc.log_level;
	uc.log_level = log_level < LOG_DEBUG ? (__u32)log_level : LOG_DEBUG;
	return daemon_run(pin_path, &uc, argc, argv) ? EXIT_RUNTIME : EXIT_OK;
}

int do_down(int argc, char **argv)
{
	char err[512];
	int ret;

	NO_MORE_ARGS();
	ret = loader_down(pin_path, err, sizeof(err));
	if (ret < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "status",
				   ret ? "not_running" : "down");
		jsonw_string_field(json_wtr, "pin_path", pin_path);
		jsonw_end_object(json_wtr);
	} else if (ret) {
		printf("%s\n", err);
	} else {
		printf("bpfalg is down (pins under %s removed)\n", pin_path);
	}
	return EXIT_OK;
}

struct status_iface {
	char name[IF_NAMESIZE];
	__u32 ifindex;
	struct bpfalg_iface ifc;
	const char *hook[HOOK_MAX];
};

static int read_ifaces(struct status_iface *out, int max, char *err,
		       size_t errlen)
{
	__u32 key, *prev = NULL;
	int fd = pins_map_fd(pin_path, "ifaces", err, errlen), n = 0;

	if (fd < 0)
		return fd;
	while (n < max && !bpf_map_get_next_key(fd, prev, &key)) {
		struct status_iface *s = &out[n];

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &s->ifc))
			continue;
		s->ifindex = key;
		if (!if_indextoname(key, s->name))
			snprintf(s->name, sizeof(s->name), "if%u", key);
		for (int h = 0; h < HOOK_MAX; h++)
			s->hook[h] = loader_hook_state(pin_path, s->name, h,
						       &s->ifc);
		n++;
	}
	close(fd);
	return n;
}

int do_status(int argc, char **argv)
{
	struct status_iface ifs[BPFALG_MAX_IFACES];
	struct bpfalg_counters cnt;
	struct bpfalg_config c;
	struct bpfalg_alg_cfg ac[BPFALG_ALG_MAX] = {};
	char err[512], addr[INET_ADDRSTRLEN], why[256] = "";
	char prefixes[CONFIG_LIST_MAX * 2];
	unsigned long long now = mono_ns();
	bool attached = true, controller, fail_open;
	long nflows, maxflows;
	int n, fd;

	NO_MORE_ARGS();
	if (pins_read_cfg(pin_path, &c, err, sizeof(err)) ||
	    pins_read_counters(pin_path, &cnt, err, sizeof(err))) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	n = read_ifaces(ifs, BPFALG_MAX_IFACES, err, sizeof(err));
	if (n < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	fd = pins_map_fd(pin_path, "alg_cfg", err, sizeof(err));
	for (__u32 i = 0; fd >= 0 && i < BPFALG_ALG_MAX; i++)
		bpf_map_lookup_elem(fd, &i, &ac[i]);
	if (fd >= 0)
		close(fd);

	for (int i = 0; i < n; i++)
		if (!ifs[i].hook[HOOK_TC_INGRESS] ||
		    !ifs[i].hook[HOOK_TC_EGRESS]) {
			attached = false;
			snprintf(why, sizeof(why),
				 "TC programs not attached on %.16s",
				 ifs[i].name);
		}
	if (!n) {
		attached = false;
		snprintf(why, sizeof(why), "no interfaces configured");
	}
	controller = c.controller_pid &&
		     !(kill(c.controller_pid, 0) && errno == ESRCH) &&
		     now - c.controller_heartbeat_ns < HEARTBEAT_MAX_AGE_NS;
	/* the datapath's controller_gone(): control packets pass unmodified */
	fail_open = !controller && c.fail_open_after &&
		    c.controller_heartbeat_ns &&
		    now > c.controller_heartbeat_ns &&
		    now - c.controller_heartbeat_ns >=
			    c.fail_open_after * 1000000000ULL;
	if (attached && !controller)
		snprintf(why, sizeof(why),
			 c.controller_pid ?
				 "controller (pid %u) is not running" :
				 "no controller running (start algctl daemon)",
			 c.controller_pid);
	{
		struct flowtab ft;
		char e2[256];

		nflows = -1;
		if (!flowtab_open(&ft, pin_path, e2, sizeof(e2))) {
			nflows = flowtab_count(&ft);
			flowtab_close(&ft);
		}
	}
	maxflows = pins_max_entries(pin_path, "flows4");
	inet_ntop(AF_INET, &c.public_v4, addr, sizeof(addr));
	if (!(c.flags & BPFALG_CF_INSIDE_PREFIX) ||
	    pins_inside_prefixes(pin_path, prefixes, sizeof(prefixes)) < 0)
		prefixes[0] = '\0';

	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_bool_field(json_wtr, "ok", attached && controller);
		if (why[0])
			jsonw_string_field(json_wtr, "reason", why);
		jsonw_string_field(json_wtr, "pin_path", pin_path);
		jsonw_bool_field(json_wtr, "attached", attached);
		jsonw_name(json_wtr, "controller");
		jsonw_start_object(json_wtr);
		jsonw_bool_field(json_wtr, "running", controller);
		jsonw_u64_field(json_wtr, "pid", c.controller_pid);
		jsonw_bool_field(json_wtr, "fail_open", fail_open);
		jsonw_u64_field(json_wtr, "fail_open_after", c.fail_open_after);
		jsonw_end_object(json_wtr);
		jsonw_string_field(json_wtr, "public_address", addr);
		jsonw_string_field(
			json_wtr, "address_mode",
			c.flags & BPFALG_CF_MASQUERADE ? "masquerade" : "snat");
		jsonw_name(json_wtr, "inside_prefixes");
		jsonw_start_array(json_wtr);
		for (char *save, *t = strtok_r(prefixes, ",", &save); t;
		     t = strtok_r(NULL, ",", &save))
			jsonw_string(json_wtr, t);
		jsonw_end_array(json_wtr);
		jsonw_name(json_wtr, "interfaces");
		jsonw_start_array(json_wtr);
		for (int i = 0; i < n; i++) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", ifs[i].name);
			jsonw_u64_field(json_wtr, "ifindex", ifs[i].ifindex);
			jsonw_string_field(json_wtr, "role",
					   fmt_role(ifs[i].ifc.role));
			if (ifs[i].ifc.role == BPFALG_ROLE_OUTSIDE) {
				char a[INET_ADDRSTRLEN];

				inet_ntop(AF_INET,
					  ifs[i].ifc.public_v4 ?
						  &ifs[i].ifc.public_v4 :
						  &c.public_v4,
					  a, sizeof(a));
				jsonw_string_field(json_wtr, "public_address",
						   a);
			}
			for (int h = 0; h < HOOK_MAX; h++) {
				jsonw_name(json_wtr, pin_hook_name[h]);
				if (ifs[i].hook[h])
					jsonw_string(json_wtr, ifs[i].hook[h]);
				else
					jsonw_null(json_wtr);
			}
			jsonw_bool_field(json_wtr, "xdp_fast",
					 (c.flags & BPFALG_CF_XDP_FAST) &&
						 (ifs[i].ifc.flags &
						  BPFALG_IFF_XDP_FAST));
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
		jsonw_name(json_wtr, "algs");
		jsonw_start_object(json_wtr);
		for (int i = 1; i < BPFALG_ALG_MAX; i++)
			jsonw_string_field(json_wtr, alg_name(i),
					   alg_mode_name(ac[i].mode));
		jsonw_end_object(json_wtr);
		jsonw_name(json_wtr, "flows");
		jsonw_start_object(json_wtr);
		jsonw_s64_field(json_wtr, "in_use", nflows);
		jsonw_s64_field(json_wtr, "max", maxflows);
		jsonw_end_object(json_wtr);
		jsonw_name(json_wtr, "counters");
		jsonw_start_object(json_wtr);
		for (int i = 0; i < BPFALG_CNT_MAX; i++)
			jsonw_u64_field(json_wtr, fmt_counter(i), cnt.c[i]);
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
	} else {
		printf("bpfalg: %s%s%s\n",
		       attached && controller ? "running" : "NOT OK",
		       why[0] ? ": " : "", why);
		printf("pins:        %s\n", pin_path);
		printf("controller:  %s",
		       controller ? "running" : "not running");
		if (controller)
			printf(" (pid %u)", c.controller_pid);
		if (fail_open)
			printf(" for over %u s: control packets pass "
			       "unmodified (fail-open-after)",
			       c.fail_open_after);
		printf("\npublic:      %s (%s)\n", addr,
		       c.flags & BPFALG_CF_MASQUERADE ? "masquerade" : "snat");
		printf("flows:       %ld of %ld\n", nflows, maxflows);
		if (prefixes[0])
			printf("inside:      %s (by address)\n", prefixes);
		printf("ALGs:       ");
		for (int i = 1; i < BPFALG_ALG_MAX; i++)
			printf(" %s=%s", alg_name(i),
			       alg_mode_name(ac[i].mode));
		printf("\ninterfaces:\n");
		for (int i = 0; i < n; i++) {
			char a[INET_ADDRSTRLEN + 8] = "";

			if (ifs[i].ifc.public_v4) {
				strcpy(a, " public=");
				inet_ntop(AF_INET, &ifs[i].ifc.public_v4,
					  a + strlen(a), INET_ADDRSTRLEN);
			}
			printf("  %-12s %-8s tc-ingress=%s tc-egress=%s "
			       "xdp=%s%s%s\n",
			       ifs[i].name, fmt_role(ifs[i].ifc.role),
			       ifs[i].hook[HOOK_TC_INGRESS] ?: "-",
			       ifs[i].hook[HOOK_TC_EGRESS] ?: "-",
			       ifs[i].hook[HOOK_XDP] ?: "off",
			       (c.flags & BPFALG_CF_XDP_FAST) &&
					       (ifs[i].ifc.flags &
						BPFALG_IFF_XDP_FAST) ?
				       " (fast path)" :
				       "",
			       a);
		}
		printf("counters:    rx %llu, tc_translated %llu, "
		       "xdp_forwarded %llu, flow_new %llu, inbound_drop %llu, "
		       "malformed %llu\n",
		       (unsigned long long)cnt.c[BPFALG_CNT_RX],
		       (unsigned long long)cnt.c[BPFALG_CNT_TC_XLATE],
		       (unsigned long long)cnt.c[BPFALG_CNT_XDP_FWD],
		       (unsigned long long)cnt.c[BPFALG_CNT_FLOW_NEW],
		       (unsigned long long)cnt.c[BPFALG_CNT_INBOUND_DROP],
		       (unsigned long long)cnt.c[BPFALG_CNT_MALFORMED]);
	}
	if (!(attached && controller)) {
		if (!json_wtr)
			fprintf(stderr, "algctl: %s\n", why);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
