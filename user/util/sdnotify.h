/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sdnotify.h - the service manager's notification protocol (sd_notify(3)),
 * without libsystemd: one datagram of "KEY=VALUE\n..." lines to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an abstract name
 * when it starts with '@').  Without $NOTIFY_SOCKET (not run by systemd,
 * or not Type=notify) every call does nothing.
 *
 *   sdn_notify("READY=1")       start-up finished
 *   sdn_notify("RELOADING=1")   a reload began (READY=1 when it is done)
 *   sdn_notify("STOPPING=1")    shutting down
 *   sdn_watchdog_usec()         the watchdog interval systemd asked for
 *                               ($WATCHDOG_USEC, for this process), 0 none;
 *                               then "WATCHDOG=1" well within it
 */
#ifndef BPFALG_SDNOTIFY_H
#define BPFALG_SDNOTIFY_H

#include <stdint.h>

/* Send @state: 1 sent, 0 nobody to tell, -errno on failure. */
int sdn_notify(const char *state);

/* The same with a printf format (e.g. "STATUS=%s"). */
int sdn_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* $WATCHDOG_USEC when $WATCHDOG_PID is unset or this process, else 0. */
uint64_t sdn_watchdog_usec(void);

#endif
