// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* caps.c - see caps.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "util/caps.h"

/* Debian 12's headers have both; older ones do not. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/*
 * What each capability is for.  CAP_SYS_ADMIN implies the first three
 * (the kernel's bpf_capable(), perfmon_capable(), bpf_net_capable()), and
 * on kernels before 5.8 it is the only way to get them.  It is not needed
 * otherwise: only to mount a missing bpffs, which reports its own error.
 */
static const struct {
	int cap;
	const char *name;
	bool sys_admin_will_do;
	bool daemon_only;
} needed[] = {
	{ CAP_BPF, "CAP_BPF", true, false }, /* maps, programs, links */
	/* the verifier rejects our programs' pointer arithmetic without it */
	{ CAP_PERFMON, "CAP_PERFMON", true, false },
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN", true, false }, /* XDP, tcx, clsact */
	{ CAP_NET_RAW, "CAP_NET_RAW", false, true }, /* reinjection sockets */
};

static bool has(__u64 eff, int cap)
{
	return eff & (1ULL << cap);
}

int caps_missing(__u64 eff, bool daemon, char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if ((needed[i].daemon_only && !daemon) ||
		    has(eff, needed[i].cap) ||
		    (needed[i].sys_admin_will_do && has(eff, CAP_SYS_ADMIN)))
			continue;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%s",
					n ? ", " : "", needed[i].name);
		n++;
	}
	return n;
}

/* The initial user namespace maps every uid to itself. */
static bool initial_userns(void)
{
	unsigned long a, b, c;
	bool init = false;
	FILE *f = fopen("/proc/self/uid_map", "re");

	if (!f)
		return true; /* no user namespaces in this kernel */
	if (fscanf(f, "%lu %lu %lu", &a, &b, &c) == 3)
		init = a == 0 && b == 0 && c == 4294967295UL;
	fclose(f);
	return init;
}

int caps_check(bool daemon, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	char missing[128];
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data) || !initial_userns())
		return 0;
	eff = data[0].effective | (__u64)data[1].effective << 32;
	if (!caps_missing(eff, daemon, missing, sizeof(missing)))
		return 0;
	snprintf(err, errlen,
		 "insufficient capabilities: %s missing (algctl %s needs "
		 "CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN%s): run it as root, or "
		 "grant them as bpfalg.service does",
		 missing, daemon ? "daemon" : "up",
		 daemon ? " and CAP_NET_RAW" : "");
	return -EPERM;
}
