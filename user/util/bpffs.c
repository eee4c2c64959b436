// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bpffs.c - locate or mount the bpf filesystem under a pin directory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "util/bpffs.h"

int bpffs_is_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int bpffs_ensure(const char *dir, char *err, int errlen)
{
	char parent[PATH_MAX];
	char *slash;
	int ret;

	if (strlen(dir) >= sizeof(parent) || dir[0] != '/') {
		snprintf(err, errlen, "pin path '%s' must be an absolute path",
			 dir);
		return -EINVAL;
	}
	strcpy(parent, dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';

	ret = mkdir_p(parent, 0755);
	if (ret) {
		snprintf(err, errlen, "cannot create %s: %s", parent,
			 strerror(-ret));
		return ret;
	}
	if (bpffs_is_bpffs(parent) != 1) {
		if (mount("bpffs", parent, "bpf", 0, "mode=0700")) {
			ret = -errno;
			snprintf(err, errlen, "bpffs not mountable on %s: %s",
				 parent, strerror(errno));
			return ret;
		}
	}
	ret = mkdir_p(dir, 0700);
	if (ret) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
			 strerror(-ret));
		return ret;
	}
	return 0;
}
