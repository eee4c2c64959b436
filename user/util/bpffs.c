// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bpffs.c - locate or mount the bpf filesystem under a pin directory. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
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
			snprintf(err, errlen,
				 "no bpffs on %s and cannot mount one: %s "
				 "(mount it: mount -t bpf bpffs %s; mounting "
				 "needs CAP_SYS_ADMIN)",
				 parent, strerror(errno), parent);
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

/* Nearest existing ancestor of @path (or @path itself) is on a bpffs. */
static int pin_dir_on_bpffs(const char *pin_path)
{
	char buf[PATH_MAX];
	char *slash;

	if (strlen(pin_path) >= sizeof(buf))
		return 0;
	strcpy(buf, pin_path);
	for (;;) {
		int r = bpffs_is_bpffs(buf);

		if (r >= 0)
			return r;
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return 0;
		*slash = '\0';
	}
}

/* Parent pid of @pid from /proc/PID/stat, or -1. */
static int parent_of(int pid)
{
	char path[64], buf[512], *rp;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		rp = strrchr(buf, ')'); /* comm may contain spaces */
		if (rp && sscanf(rp + 1, " %*c %d", &ppid) != 1)
			ppid = -1;
	}
	fclose(f);
	return ppid;
}

int bpffs_use_host_mntns(const char *pin_path)
{
	struct stat self, other;
	char path[64];
	int pid, fd;

	if (pin_dir_on_bpffs(pin_path) == 1 || stat("/proc/self/ns/mnt", &self))
		return 0;
	/*
	 * The nearest ancestor in another mount namespace is where we were
	 * started from (the shell that ran `ip netns exec`).  PID 1's would
	 * do too, but it is not always readable.
	 */
	for (pid = getppid(); pid > 1; pid = parent_of(pid)) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
		if (stat(path, &other))
			return 0;
		if (other.st_ino != self.st_ino)
			break;
	}
	if (pid <= 1) {
		snprintf(path, sizeof(path), "/proc/1/ns/mnt");
		if (stat(path, &other) || other.st_ino == self.st_ino)
			return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (setns(fd, CLONE_NEWNS)) {
		close(fd);
		return 0;
	}
	close(fd);
	/* relative paths would still point into the old tree */
	if (chdir("/"))
		return 1;
	return 1;
}
