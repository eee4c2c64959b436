/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * loader.h - bringing the datapath up and down.
 *
 *   loader_up()    open both BPF objects with the pin directory as their
 *                  pin root (maps are pinned by name, so both objects, a
 *                  restarted daemon and every inspection share them), load,
 *                  write the configuration, attach TC (tcx, else clsact) and
 *                  XDP on every interface, pin the links.  Idempotent: what
 *                  is attached already is only refreshed.  Transactional:
 *                  on failure whatever this call attached is detached again.
 *   loader_down()  detach everything, remove every pin and the directory.
 */
#ifndef BPFALG_LOADER_H
#define BPFALG_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* bpfalg's clsact filter (where the kernel has no tcx): the loader
 * installs it, a migration restores it, doctor recognises it
 */
#define CLSACT_HANDLE 0xa1e
#define CLSACT_PRIO 1

/* 0 on success (*was_up tells whether everything was attached already),
 * -errno with a one-line reason in @err.
 */
int loader_up(const char *pin_path, const struct up_config *uc, bool *was_up,
	      char *err, size_t errlen);

/* 0 when something was taken down, 1 when nothing was up, -errno. */
int loader_down(const char *pin_path, char *err, size_t errlen);

/* Entries of each IPv6 flow map for a --flows of @flows. */
__u32 loader_flows6(__u32 flows);

/* Fill the datapath configuration from the options (resolves the
 * masquerade address).  0 or -errno with a reason.
 */
int loader_build_cfg(const struct up_config *uc, int out_ifindex,
		     struct bpfalg_config *c, char *err, size_t errlen);

/* Attach kind of one hook, for status: "tcx", "clsact", "xdp-native",
 * "xdp-generic", or NULL when not attached.
 */
const char *loader_hook_state(const char *pin_path, const char *ifname,
			      int hook, const struct bpfalg_iface *ifc);

#endif
