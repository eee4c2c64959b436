/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpffs.h - make sure a pin directory sits on a mounted bpf filesystem. */
#ifndef BPFALG_UTIL_BPFFS_H
#define BPFALG_UTIL_BPFFS_H

/*
 * Ensure @dir exists on a bpffs.  If the parent of @dir is not on bpffs,
 * mount one there when it is /sys/fs/bpf (the conventional place), or on
 * @dir's parent otherwise.  Creates @dir (mode 0700).  Returns 0 or -errno;
 * with an error, a one-line reason is written to @err (size @errlen).
 */
int bpffs_ensure(const char *dir, char *err, int errlen);

/*
 * `ip netns exec` runs a command in a fresh mount namespace with its own
 * /sys: a bpffs mounted there (and every pin in it) vanishes with the
 * command, taking the datapath's links along.  When the directory that
 * should hold @pin_path is not on a bpffs here, move into the mount
 * namespace we were started from (the nearest ancestor process in another
 * one, else PID 1's), where pins persist and every
 * later algctl (nsenter --net, ip netns exec, a hostNetwork pod with the
 * host's /sys/fs/bpf) finds them.  The network namespace is unchanged.
 * Returns 1 if it moved, 0 if not needed or not possible.
 */
int bpffs_use_host_mntns(const char *pin_path);

/* 1 if @path is on a bpf filesystem, 0 if not, -errno if it cannot be read. */
int bpffs_is_bpffs(const char *path);

#endif
