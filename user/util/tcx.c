// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tcx.c - see tcx.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "tcx.h"

/* The kernel's bpf_attr members used here, as of 6.6 (uapi/linux/bpf.h). */
#define TCX_F_BEFORE (1U << 3) /* BPF_F_BEFORE */
#define TCX_CMD_PROG_QUERY 16 /* BPF_PROG_QUERY */
#define TCX_CMD_LINK_CREATE 28 /* BPF_LINK_CREATE */

union tcx_attr {
	struct {
		__u32 target_ifindex;
		__u32 attach_type;
		__u32 query_flags;
		__u32 attach_flags;
		__u64 prog_ids;
		__u32 count;
		__u32 pad;
		__u64 prog_attach_flags;
		__u64 link_ids;
		__u64 link_attach_flags;
		__u64 revision;
	} query;
	struct {
		__u32 prog_fd;
		__u32 target_ifindex;
		__u32 attach_type;
		__u32 flags;
		__u32 relative_fd;
		__u32 pad;
		__u64 expected_revision;
	} link;
	char bytes[144]; /* sizeof(union bpf_attr) at 6.6, zero-filled */
};

static long sys_bpf(int cmd, union tcx_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

/* BPF_PROG_QUERY of the chain into @a; 0 or -errno. */
static int tcx_query(int ifindex, bool ingress, union tcx_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->query.target_ifindex = (__u32)ifindex;
	a->query.attach_type = ingress ? TCX_ATTACH_INGRESS : TCX_ATTACH_EGRESS;
	return sys_bpf(TCX_CMD_PROG_QUERY, a) ? -errno : 0;
}

int tcx_revision(int ifindex, bool ingress, __u64 *rev)
{
	union tcx_attr a;
	int ret = tcx_query(ifindex, ingress, &a);

	if (!ret)
		*rev = a.query.revision;
	return ret;
}

int tcx_count(int ifindex, bool ingress)
{
	union tcx_attr a;
	int ret = tcx_query(ifindex, ingress, &a);

	return ret ? ret : (int)a.query.count;
}

int tcx_link_head(int prog_fd, int ifindex, bool ingress)
{
	union tcx_attr a;
	__u64 rev = 0;
	long fd = -1;

	/* A chain changed between the query and the attach (ESTALE) is
	 * asked again: the link must land first, not behind a program that
	 * came in meanwhile.
	 */
	for (int tries = 0; tries < 5; tries++) {
		if (tcx_revision(ifindex, ingress, &rev))
			rev = 0; /* no revision to check against */
		memset(&a, 0, sizeof(a));
		a.link.prog_fd = (__u32)prog_fd;
		a.link.target_ifindex = (__u32)ifindex;
		a.link.attach_type =
			ingress ? TCX_ATTACH_INGRESS : TCX_ATTACH_EGRESS;
		a.link.flags = TCX_F_BEFORE;
		a.link.expected_revision = rev;
		fd = sys_bpf(TCX_CMD_LINK_CREATE, &a);
		if (fd >= 0 || errno != ESTALE)
			break;
	}
	return fd >= 0 ? (int)fd : -errno;
}
