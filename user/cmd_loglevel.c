// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_loglevel.c - `log-level [warn|info|debug]`: the controller's log
 * level, kept in the pinned settings (bpfalg_settings.log_level), so that
 * it works from the pins alone; the daemon re-reads the settings on its
 * 1 s tick and says "[daemon] log level A -> B".  Without an argument:
 * the level the settings hold.  A reload (SIGHUP) sets the configuration
 * file's log-level again.
 */
#include <stdio.h>
#include <string.h>

#include "algctl.h"
#include "config.h"
#include "settings.h"

int do_log_level(int argc, char **argv)
{
	struct bpfalg_settings s;
	char err[512];
	int lvl = -1;

	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	if (argc == 1) {
		for (int i = 0; log_level_names[i]; i++)
			if (!strcmp(argv[0], log_level_names[i]))
				lvl = i;
		if (lvl < 0)
			return usage_error("'%s' is not a log level "
					   "(warn|info|debug)",
					   argv[0]);
	}
	if (settings_read(pin_path, &s, err, sizeof(err))) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (lvl >= 0 && s.log_level != (__u32)lvl) {
		s.log_level = lvl;
		if (settings_write(pin_path, &s, err, sizeof(err))) {
			p_err("%s", err);
			return EXIT_RUNTIME;
		}
	}
	lvl = s.log_level <= LOG_DEBUG ? (int)s.log_level : LOG_INFO;
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "log_level", log_level_names[lvl]);
		jsonw_end_object(json_wtr);
	} else {
		printf("%s\n", log_level_names[lvl]);
	}
	return EXIT_OK;
}
