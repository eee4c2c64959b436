// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cli.c - state every command shares (global options) and usage errors. */
#include <stdarg.h>
#include <stdio.h>

#include "algctl.h"
#include "bpfalg.h"

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
