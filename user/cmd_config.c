// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_config.c - `config show`: the running configuration, read from the
 * pins alone (cfg, alg_cfg, settings, the flow table's size, forwards:
 * config_running() in reload.c) and printed in the configuration file's
 * format, so that an operator can keep the state reached after
 * troubleshooting as the new file (forwards added by hand included).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "algctl.h"
#include "config.h"
#include "reload.h"

static int config_show(void)
{
	struct up_config uc;
	char err[512];

	if (config_running(pin_path, &uc, err, sizeof(err))) {
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
