// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sdnotify.c - see sdnotify.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/sdnotify.h"

int sdn_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	ssize_t n;
	int fd, ret;

	if (!path || !path[0])
		return 0;
	len = strlen(path);
	/* a path, or an abstract name: '@' stands for the leading NUL */
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len > sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (const struct sockaddr *)&sa,
		   offsetof(struct sockaddr_un, sun_path) + len);
	ret = n < 0 ? -errno : 1;
	close(fd);
	return ret;
}

int sdn_notifyf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sdn_notify(buf);
}

static uint64_t env_u64(const char *name)
{
	const char *v = getenv(name);
	unsigned long long u;
	char *end;

	if (!v || *v < '0' || *v > '9')
		return 0;
	errno = 0;
	u = strtoull(v, &end, 10);
	return errno || *end ? 0 : u;
}

uint64_t sdn_watchdog_usec(void)
{
	uint64_t pid = env_u64("WATCHDOG_PID");

	/* meant for another process (a parent that exec'd us keeps it) */
	if (getenv("WATCHDOG_PID") && pid != (uint64_t)getpid())
		return 0;
	return env_u64("WATCHDOG_USEC");
}
