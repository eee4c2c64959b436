/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * conffile.h - the configuration file of `algctl up` / `algctl daemon`
 * (docs/config.md): `key = value` lines, whole-line and " #" comments,
 * and one [ftp] / [sip] / [rtsp] / [tftp] section per ALG.  A key is the
 * long name of a command-line option without "--" (config.c's table); in
 * section [S] the key K is the option --S-K.  Values go through the same
 * table as the flags, so a file and a command line accept the same things.
 * One key is the file's alone: `forward = PROTO PORT INSIDE-ADDR:PORT`,
 * any number of them before the first section (forward.h).
 */
#ifndef BPFALG_CONFFILE_H
#define BPFALG_CONFFILE_H

#include <stddef.h>

#include "config.h"

#define CONFFILE_MAX_LINE 1023 /* characters, without the newline */
#define CONFFILE_MAX_SIZE (1024 * 1024)

/*
 * Parse @len bytes at @buf, the contents of the file @name, into @c (as
 * CONFIG_SRC_FILE values).  0, or -1 with one line in @err:
 * "NAME:LINE: key 'x': reason", "NAME:LINE: section 'x': reason" or
 * "NAME:LINE: reason" for a line that is neither.
 */
int conffile_parse(const char *name, const char *buf, size_t len,
		   struct up_config *c, char *err, size_t errlen);

/* Read @path and parse it; "PATH: cannot read: reason" if unreadable. */
int conffile_load(const char *path, struct up_config *c, char *err,
		  size_t errlen);

#endif
