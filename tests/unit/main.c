// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* main.c - runs every case of every unit test file. */
#include "unit.h"

int unit_failed_now;

extern const struct unit_case sip_cases[], sip_osip_cases[], sip_alg_cases[];
extern const struct unit_case config_cases[], json_cases[], table_cases[],
	format_cases[], gc_cases[], ftp_cases[], stream_cases[],
	ftp_alg_cases[], conffile_cases[], tftp_cases[], doctor_cases[],
	rtsp_cases[], caps_cases[], events_cases[], addr_cases[],
	forward_cases[], cli_cases[];

static const struct unit_case *const suites[] = {
	config_cases,	json_cases,	table_cases,   format_cases,
	gc_cases,	ftp_cases,	stream_cases,  ftp_alg_cases,
	conffile_cases, tftp_cases,	doctor_cases,  rtsp_cases,
	sip_cases,	sip_osip_cases, sip_alg_cases, caps_cases,
	events_cases,	addr_cases,	forward_cases, cli_cases,
};

int main(void)
{
	int pass = 0, fail = 0;

	for (size_t s = 0; s < sizeof(suites) / sizeof(*suites); s++)
		for (const struct unit_case *c = suites[s]; c->name; c++) {
			unit_failed_now = 0;
			c->fn();
			printf("%s %s\n", unit_failed_now ? "FAIL" : "PASS",
			       c->name);
			if (unit_failed_now)
				fail++;
			else
				pass++;
		}
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
