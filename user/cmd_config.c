// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_config.c - `config show`: the running configuration, read from the
 * pins alone (cfg, alg_cfg, settings, the flow table's size) and printed
 * in the configuration file's format, so that an operator can keep the
 * state reached after troubleshooting as the new file.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "algctl.h"
#include "config.h"
#include "pins.h"
#include "settings.h"

/* The up/daemon options that would bring up what runs now. */
static int config_from_pins(struct up_config *uc, char *err, size_t errlen)
{
	struct bpfalg_settings s;
	struct bpfalg_config c;
	long flows;
	int fd, ret;

	ret = pins_read_cfg(pin_path, &c, err, errlen);
	if (!ret)
		ret = settings_read(pin_path, &s, err, errlen);
	if (ret)
		return ret;
	config_defaults(uc);

	if (c.flags & BPFALG_CF_MASQUERADE) {
		uc->masquerade = true;
	} else {
		uc->snat_set = true;
		uc->snat_addr = c.public_v4;
	}
	uc->port_min = c.port_min;
	if (c.reinject_mask) {
		uc->reinject_mark = c.reinject_mark;
		uc->reinject_mask = c.reinject_mask;
	}
	uc->port_max = c.port_max;
	uc->fail_policy = c.fail_policy;
	uc->timeouts = c.timeouts;
	uc->max_flows_per_host = c.max_flows_per_host;
	uc->host_share_auto = false;

	uc->n_inside = s.n_inside < CONFIG_MAX_INSIDE ? (int)s.n_inside :
							CONFIG_MAX_INSIDE;
	for (int i = 0; i < uc->n_inside; i++)
		snprintf(uc->inside[i], sizeof(uc->inside[i]), "%.*s",
			 (int)sizeof(s.inside[i]) - 1, s.inside[i]);
	snprintf(uc->outside, sizeof(uc->outside), "%.*s",
		 (int)sizeof(s.outside) - 1, s.outside);
	snprintf(uc->inside_prefix, sizeof(uc->inside_prefix), "%.*s",
		 (int)sizeof(s.inside_prefix) - 1, s.inside_prefix);
	uc->xdp_mode = s.xdp_mode;
	uc->xdp_fast = s.xdp_fast;
	uc->tc_fast = s.tc_fast;
	uc->tc_mode = s.tc_mode;
	/* the table as it was made, whatever was asked later */
	flows = pins_max_entries(pin_path, "flows4");
	uc->flows = flows > 0 ? (__u32)flows : s.flows;
	uc->pinhole_timeout = s.pinhole_timeout;
	uc->pinholes_per_flow = s.pinholes_per_flow;
	uc->ftp_pinholes = s.ftp_pinholes;
	uc->max_sessions = s.max_sessions;
	uc->sessions_per_source = s.sessions_per_source;
	uc->session_idle = s.session_idle;
	uc->min_data_port = s.min_data_port;
	snprintf(uc->metrics, sizeof(uc->metrics), "%.*s",
		 (int)sizeof(s.metrics) - 1, s.metrics);
	for (int a = 0; a < BPFALG_ALG_MAX; a++)
		snprintf(uc->alg_deny[a], sizeof(uc->alg_deny[a]), "%.*s",
			 (int)sizeof(s.deny[a]) - 1, s.deny[a]);
	snprintf(uc->sip_invite_from, sizeof(uc->sip_invite_from), "%.*s",
		 (int)sizeof(s.sip_invite_from) - 1, s.sip_invite_from);
	snprintf(uc->config_file, sizeof(uc->config_file), "%.*s",
		 (int)sizeof(s.config_file) - 1, s.config_file);

	fd = pins_map_fd(pin_path, "alg_cfg", err, errlen);
	if (fd < 0)
		return fd;
	for (__u32 a = 1; a < BPFALG_ALG_MAX; a++) {
		struct bpfalg_alg_cfg ac;

		if (bpf_map_lookup_elem(fd, &a, &ac))
			continue;
		uc->alg_mode[a] =
			ac.mode <= BPFALG_MODE_ON ? ac.mode : BPFALG_MODE_OFF;
		memcpy(uc->alg_ports[a], ac.ports, sizeof(ac.ports));
	}
	close(fd);
	/* a pin written by hand must not make us print a bad file */
	if (uc->xdp_mode > XDP_MODE_OFF || uc->xdp_fast > XDP_FAST_OFF ||
	    uc->tc_fast > XDP_FAST_OFF || uc->tc_mode > TC_MODE_CLSACT ||
	    uc->fail_policy > BPFALG_FAIL_PASS) {
		snprintf(err, errlen,
			 "the pinned settings hold values this "
			 "algctl does not know");
		return -1;
	}
	return 0;
}

static int config_show(void)
{
	struct up_config uc;
	char err[512];

	if (config_from_pins(&uc, err, sizeof(err))) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "pin_path", pin_path);
		jsonw_name(json_wtr, "config_file");
		if (uc.config_file[0])
			jsonw_string(json_wtr, uc.config_file);
		else
			jsonw_null(json_wtr);
		jsonw_name(json_wtr, "config");
		jsonw_start_object(json_wtr);
		config_format_json(&uc, json_wtr);
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
		return EXIT_OK;
	}
	printf("# bpfalg running configuration (algctl config show, pins %s)\n"
	       "# brought up with %s%s\n"
	       "# Save it as the configuration file: algctl up --config "
	       "FILE\n\n",
	       pin_path,
	       uc.config_file[0] ? "--config " : "no configuration file",
	       uc.config_file);
	config_format(&uc, stdout);
	return EXIT_OK;
}

int do_config(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "show")) {
		if (argc > 0)
			NEXT_ARG();
		NO_MORE_ARGS();
		return config_show();
	}
	return usage_error("unknown config command '%s' (show)", argv[0]);
}
