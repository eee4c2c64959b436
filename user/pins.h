/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pins.h - the pin directory's layout: maps by name at the top, links under
 * links/ as "<ifname>:<hook>".  Everything algctl inspects is opened from
 * here, so any process that sees the bpffs can use it, daemon or not.
 */
#ifndef BPFALG_PINS_H
#define BPFALG_PINS_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfalg.h"

#define PINS_LINKS_DIR "links"

/* Hooks a link pin can stand for, in attach order. */
enum pin_hook { HOOK_XDP = 0, HOOK_TC_INGRESS, HOOK_TC_EGRESS, HOOK_MAX };
extern const char *const pin_hook_name[HOOK_MAX];

/* pin_path/name into @buf; -1 if it does not fit. */
int pins_path(char *buf, size_t len, const char *pin_path, const char *name);
int pins_link_path(char *buf, size_t len, const char *pin_path,
		   const char *ifname, enum pin_hook hook);

/* fd of a pinned map, or -errno (with a one-line reason in @err). */
int pins_map_fd(const char *pin_path, const char *name, char *err,
		size_t errlen);

/* True when the pin directory holds our maps (bpfalg was brought up). */
bool pins_exist(const char *pin_path);

/* Read the config entry; 0 or -errno. */
int pins_read_cfg(const char *pin_path, struct bpfalg_config *c, char *err,
		  size_t errlen);
int pins_write_cfg(const char *pin_path, const struct bpfalg_config *c,
		   char *err, size_t errlen);

/* Sum the per-CPU counters; 0 or -errno. */
int pins_read_counters(const char *pin_path, struct bpfalg_counters *out,
		       char *err, size_t errlen);

/* One ALG's counters: datapath (per-CPU sum) and controller; 0 or -errno. */
int pins_read_alg_stats(const char *pin_path, unsigned int alg,
			struct bpfalg_alg_dp_stats *dp,
			struct bpfalg_alg_stats *cs, char *err, size_t errlen);

/* Number of entries in a pinned map (walks the keys); -errno on error. */
long pins_count_entries(const char *pin_path, const char *name);

/*
 * The inside prefixes the datapath holds (map inside_prefixes), canonical
 * and comma-separated into @buf ("" none).  Returns how many, or < 0.
 */
int pins_inside_prefixes(const char *pin_path, char *buf, size_t cap);

/* max_entries of a pinned map, or -errno. */
long pins_max_entries(const char *pin_path, const char *name);

/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns(). */
unsigned long long mono_ns(void);

#endif
