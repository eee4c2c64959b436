/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * settings.h - the pinned `settings` map (include/bpfalg_settings.h):
 * read, write, and fill from the options of up/daemon.
 */
#ifndef BPFALG_SETTINGS_USER_H
#define BPFALG_SETTINGS_USER_H

#include <stdbool.h>
#include <stddef.h>

#include "alg/alg.h"
#include "bpfalg_settings.h"
#include "config.h"

/*
 * Read the settings pinned under @pin_path into @s.  0, or -errno with a
 * one-line reason in @err: -ENOENT when there is no settings pin (bpfalg
 * is not up, or was brought up by an algctl without settings), -EPROTO
 * when the pin holds another layout (s->version/size are not ours).
 * Cheap enough to call once a second (two syscalls and a close).
 */
int settings_read(const char *pin_path, struct bpfalg_settings *s, char *err,
		  size_t errlen);

/*
 * Write @s (version, size, writer_pid and generation are set here: the
 * generation becomes one more than the pinned one).  Creates and pins the
 * map when it is missing or holds another layout.  0 or -errno.
 */
int settings_write(const char *pin_path, struct bpfalg_settings *s, char *err,
		   size_t errlen);

/*
 * Store the settings of `up` / `daemon` from @uc.  The per-ALG deny lists
 * and the SIP invite-from list that neither the file nor the flags gave
 * (uc->alg_set) keep their pinned values, as the ALG modes and ports do in
 * alg_cfg.  @controller: write the controller options of @uc; false keeps
 * the pinned ones (an `up` while a daemon runs does not change the
 * daemon's).  0 or -errno.
 */
int settings_store(const char *pin_path, const struct up_config *uc,
		   bool controller, char *err, size_t errlen);

/* One ALG's command policy from @s: 0, or -1 with a reason. */
int settings_policy(const struct bpfalg_settings *s, unsigned int alg,
		    struct alg_policy *p, char *err, size_t errlen);

#endif
