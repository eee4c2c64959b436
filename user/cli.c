// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cli.c - state every command shares (global options) and usage errors. */
#include <stdarg.h>
#include <stdio.h>

#include "algctl.h"
#include "bpfalg.h"
#include "util/table.h"

const char *pin_path = BPFALG_DEFAULT_PIN_PATH;
json_writer_t *json_wtr;

int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p_err("%s (see algctl help)", msg);
	return EXIT_USAGE;
}

void cli_json_error(const char *msg)
{
	json_writer_t *w;

	if (json_wtr) {
		jsonw_error(json_wtr, msg);
		return;
	}
	/* no document (yet): the error is the whole of it */
	w = jsonw_new(stdout, json_pretty);
	if (!w)
		return;
	jsonw_error(w, msg);
	jsonw_destroy(&w);
}

struct table *list_begin(const char *key, struct table *t)
{
	if (!json_wtr)
		return t;
	table_free(t);
	jsonw_start_object(json_wtr);
	jsonw_name(json_wtr, key);
	jsonw_start_array(json_wtr);
	return NULL;
}

void list_end(struct table *t, long count, const char *noun)
{
	if (json_wtr) {
		jsonw_end_array(json_wtr);
		if (noun)
			jsonw_s64_field(json_wtr, "count", count);
		jsonw_end_object(json_wtr);
	} else if (t) {
		table_print(t, stdout);
		if (noun)
			printf("%ld %s%s\n", count, noun,
			       count == 1 ? "" : "s");
	}
	table_free(t);
}
