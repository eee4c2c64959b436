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

/* 1 if @path is on a bpf filesystem, 0 if not, -errno if it cannot be read. */
int bpffs_is_bpffs(const char *path);

#endif
