/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * caps.h - does this process hold the capabilities `up` / `daemon` need?
 *
 * Without them the kernel answers the first bpf() or socket() call with
 * EPERM, which tells an operator nothing about which capability is missing
 * (and `daemon` would fail only after attaching the datapath).  Checking up
 * front gives one line naming the missing ones before anything is touched.
 */
#ifndef BPFALG_UTIL_CAPS_H
#define BPFALG_UTIL_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Which needed capabilities the effective set @eff (bit N = capability N)
 * lacks, for `up` (@daemon false) or `daemon`: written to @buf as
 * "CAP_X, CAP_Y".  Returns how many are missing.
 */
int caps_missing(__u64 eff, bool daemon, char *buf, size_t len);

/*
 * 0 when the process may run `up` (@daemon false) or `daemon`, else -EPERM
 * with the one-line error in @err.  Outside the initial user namespace the
 * check is skipped (capabilities there are not what the kernel checks for
 * BPF): the kernel's own answer stands.
 */
int caps_check(bool daemon, char *err, size_t errlen);

#endif
