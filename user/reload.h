/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * reload.h - the running configuration read back from the pins, and what
 * re-reading the configuration file changes in it.
 *
 * `algctl daemon` re-reads its options (the file, then its flags, as at
 * start) on SIGHUP: config_reload_fill() gives what the new options leave
 * unsaid its running value, config_diff() says what differs and whether it
 * can change live, config_apply_live() and reload_write() put the live
 * values into the pins, forward_plan() (forward.h) and forwards_apply()
 * bring the forwards map to the file.  `up` and `daemon` start with
 * forwards_sync().
 */
#ifndef BPFALG_RELOAD_H
#define BPFALG_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "forward.h"

/*
 * The options that would bring up what runs now, read from the pins alone
 * (cfg, alg_cfg, settings, the flow table's size, forwards sorted by
 * protocol and port): what `algctl config show` prints.  0 or -errno with
 * a reason.
 */
int config_running(const char *pin_path, struct up_config *uc, char *err,
		   size_t errlen);

/* The pinned forwards (with their flags) into @out (CONFIG_MAX_FORWARDS),
 * sorted; their number, or -errno with a reason.
 */
int forwards_read(const char *pin_path, struct config_forward *out, char *err,
		  size_t errlen);

/* Write @n changes of forward_plan() into the forwards map: 0, or -errno
 * with a reason naming the forward (the ones before it are written).
 */
int forwards_apply(const char *pin_path, const struct forward_change *ch, int n,
		   char *err, size_t errlen);

/*
 * `up` / `daemon`: when a configuration file was read (uc->config_file),
 * bring the forwards map to its forward lines (forward_plan()); nothing
 * without a file.  @log: one info line per change.  0 or -errno.
 */
int forwards_sync(const char *pin_path, const struct up_config *uc, bool log,
		  char *err, size_t errlen);

#define CONFIG_CHANGE_TEXT (CONFIG_LIST_MAX + 16)
#define CONFIG_MAX_CHANGES 96

struct config_change {
	char key[48]; /* "timeout-udp", "ftp mode" */
	char from[CONFIG_CHANGE_TEXT], to[CONFIG_CHANGE_TEXT]; /* "" unset */
	bool live; /* false: only a restart applies it */
};

/*
 * @next (just parsed) takes @run's value where it leaves the running one
 * alone: the per-ALG settings neither the file nor a flag gives (as `up`
 * keeps them), and the per-host share that follows the table size (the
 * running table's, the size needing a restart).  The forwards are not
 * touched.
 */
void config_reload_fill(const struct up_config *run, struct up_config *next);

/*
 * The options that differ between @run and @next, forwards aside, in the
 * order config show prints them: at most @max into @out; returns how many
 * differ (may exceed @max).
 */
int config_diff(const struct up_config *run, const struct up_config *next,
		struct config_change *out, int max);

/* Is option @key ("timeout-udp", "sip invite-from") changed live? */
bool config_key_live(const char *key);

/* @eff (a copy of the running options) takes @next's live values (and
 * the name of the file @next was read from).
 */
void config_apply_live(struct up_config *eff, const struct up_config *next);

/*
 * Write what differs between @run and @eff of the live options into the
 * pins: cfg (timeouts, fail policy, port range, per-host share), alg_cfg
 * (modes, ports), settings (deny lists, invite-from, controller options,
 * the file's name).
 * 0 or -errno with a reason.
 */
int reload_write(const char *pin_path, const struct up_config *run,
		 const struct up_config *eff, char *err, size_t errlen);

#endif
