// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* reinject.c - see reinject.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpfalg.h"
#include "engine/events.h"
#include "engine/reinject.h"

static int raw_socket(int family, uint32_t mark)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int reinject_open(struct reinject *r, char *err, size_t errlen)
{
	if (!r->mark)
		r->mark = BPFALG_REINJECT_MARK;
	r->fd4 = raw_socket(AF_INET, r->mark);
	if (r->fd4 < 0) {
		snprintf(err, errlen, "cannot open a raw IPv4 socket: %s",
			 strerror(-r->fd4));
		return r->fd4;
	}
	r->fd6 = raw_socket(AF_INET6, r->mark);
	if (r->fd6 < 0) {
		int e = r->fd6;

		snprintf(err, errlen, "cannot open a raw IPv6 socket: %s",
			 strerror(-e));
		close(r->fd4);
		r->fd4 = -1;
		return e;
	}
	return 0;
}

int reinject_set_mark(struct reinject *r, uint32_t mark)
{
	int fds[2] = { r->fd4, r->fd6 };

	if (mark == r->mark)
		return 0;
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0 && setsockopt(fds[i], SOL_SOCKET, SO_MARK,
					      &mark, sizeof(mark)))
			return -errno;
	r->mark = mark;
	return 0;
}

void reinject_close(struct reinject *r)
{
	if (r->fd4 >= 0)
		close(r->fd4);
	if (r->fd6 >= 0)
		close(r->fd6);
	r->fd4 = r->fd6 = -1;
}

int reinject_send(struct reinject *r, int family, const uint8_t *pkt,
		  size_t len)
{
	ssize_t n;

	if (family == AF_INET) {
		struct sockaddr_in to = { .sin_family = AF_INET };

		if (len < 20)
			return -EINVAL;
		memcpy(&to.sin_addr, pkt + 16, 4);
		n = sendto(r->fd4, pkt, len, 0, (struct sockaddr *)&to,
			   sizeof(to));
	} else {
		struct sockaddr_in6 to = { .sin6_family = AF_INET6 };

		if (len < 40)
			return -EINVAL;
		memcpy(&to.sin6_addr, pkt + 24, 16);
		n = sendto(r->fd6, pkt, len, 0, (struct sockaddr *)&to,
			   sizeof(to));
	}
	if (n < 0)
		return -errno;
	if ((size_t)n == len)
		events_reinjected(pkt, len); /* capture, latency */
	return (size_t)n == len ? 0 : -EIO;
}
