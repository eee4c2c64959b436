/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * daemon.h - `algctl daemon`: the controller's event loop.
 *
 * One epoll loop over the punt ring buffer, a one-second timer (heartbeat in
 * the config map, expiry GC), signals, and IPv4 address changes (masquerade
 * follows the outside interface's address).  SIGTERM/SIGINT stop the
 * controller only: the datapath stays attached and keeps forwarding.
 * SIGHUP re-reads the configuration file and applies what changed live.
 */
#ifndef BPFALG_DAEMON_H
#define BPFALG_DAEMON_H

#include <stdbool.h>

#include "config.h"

/*
 * Runs until a stop signal; 0 on a clean stop, 1 on a runtime failure.
 * @argc/@argv: the options @uc was parsed from, parsed again on SIGHUP
 * (the configuration file re-read, live changes applied: reload.h).
 */
int daemon_run(const char *pin_path, const struct up_config *uc, int argc,
	       char **argv);

/* main()'s arguments as given (set by main): a daemon restarts itself
 * with them when its maps were replaced under it (user/migrate.h).
 */
extern char **daemon_argv;

/* Set in the environment of a daemon that restarts itself on replaced
 * maps: it takes the pinned table size whatever its --flows says.
 */
#define FOLLOW_PINS_ENV "BPFALG_FOLLOW_PINS"
/* This daemon is such a restart: `up` attached everything just now. */
extern bool daemon_following;

#endif
