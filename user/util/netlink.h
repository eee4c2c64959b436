/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * netlink.h - what algctl asks the kernel's routing tables (libnl-route-3):
 * an interface's primary IPv4 address, and a socket that wakes the daemon
 * when IPv4 addresses change (masquerade follows them).
 */
#ifndef BPFALG_NETLINK_H
#define BPFALG_NETLINK_H

#include <linux/types.h>

/* Primary (first non-secondary, global or site scope) IPv4 address of
 * @ifindex; 0, or -ENOENT when it has none, -errno on failure.
 */
int nl_primary_ipv4(int ifindex, __be32 *addr);

struct nl_addr_watch;
struct nl_addr_watch *nl_addr_watch_open(void);
int nl_addr_watch_fd(struct nl_addr_watch *w);
/* Read pending notifications; returns 1 if any IPv4 address changed. */
int nl_addr_watch_drain(struct nl_addr_watch *w);
void nl_addr_watch_close(struct nl_addr_watch *w);

#endif
