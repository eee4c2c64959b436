// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_conffile.c - libFuzzer target for the configuration file
 * (user/conffile.c) and the option table that gives its values meaning
 * (user/config.c, with alg/policy.c and util/prefix.c for the lists).
 *
 * The input is a file's bytes, in an exact-size heap copy (ASan catches a
 * read past it).  Checked besides not crashing:
 *  - a refusal is one NUL-terminated line "f:LINE: ..." whose LINE is a
 *    line of the input, with no control characters;
 *  - a file that parses into a complete configuration (config_check)
 *    formats (config_format, what `config show` prints) into a file that
 *    parses again, into the same text: the round trip an operator relies
 *    on when saving `config show` as the new file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "config.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static char out1[16384], out2[16384];

static void format_into(const struct up_config *c, char *buf, size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");

	CHECK(f);
	config_format(c, f);
	CHECK(!ferror(f));
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct up_config c, d;
	char err[512], *copy = malloc(size ? size : 1);
	unsigned long lines = 1;
	int ret;

	CHECK(copy);
	memcpy(copy, data, size);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	config_defaults(&c);
	memset(err, 'x', sizeof(err));
	ret = conffile_parse("f", copy, size, &c, err, sizeof(err));
	free(copy);
	if (ret) {
		char *end;
		unsigned long line;

		CHECK(ret == -1);
		CHECK(memchr(err, '\0', sizeof(err)));
		CHECK(!strncmp(err, "f:", 2));
		line = strtoul(err + 2, &end, 10);
		CHECK(line >= 1 && line <= lines && *end == ':');
		for (const char *p = err; *p; p++)
			CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		return 0;
	}
	if (config_check(&c, err, sizeof(err)))
		return 0;
	format_into(&c, out1, sizeof(out1));
	config_defaults(&d);
	CHECK(!conffile_parse("f", out1, strlen(out1), &d, err, sizeof(err)));
	CHECK(!config_check(&d, err, sizeof(err)));
	format_into(&d, out2, sizeof(out2));
	CHECK(!strcmp(out1, out2));
	return 0;
}
