// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pins.c - see pins.h. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pins.h"
#include "util/prefix.h"

const char *const pin_hook_name[HOOK_MAX] = {
	[HOOK_XDP] = "xdp",
	[HOOK_TC_INGRESS] = "tc_ingress",
	[HOOK_TC_EGRESS] = "tc_egress",
};

int pins_path(char *buf, size_t len, const char *pin_path, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", pin_path, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * bpffs refuses names with a dot (it keeps them for its own files), and
 * interface names may have one (eth0.100): dots become ':', which no
 * interface name can contain, and ':' separates the hook.
 */
int pins_link_path(char *buf, size_t len, const char *pin_path,
		   const char *ifname, enum pin_hook hook)
{
	char name[IF_NAMESIZE];
	int n;

	snprintf(name, sizeof(name), "%s", ifname);
	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = ':';
	n = snprintf(buf, len, "%s/%s/%s:%s", pin_path, PINS_LINKS_DIR, name,
		     pin_hook_name[hook]);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int pins_map_fd(const char *pin_path, const char *name, char *err,
		size_t errlen)
{
	char path[512];
	int fd;

	if (pins_path(path, sizeof(path), pin_path, name)) {
		snprintf(err, errlen, "pin path too long: %s", pin_path);
		return -ENAMETOOLONG;
	}
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = -errno;
		if (fd == -ENOENT)
			snprintf(err, errlen,
				 "bpfalg is not running (no %s; run algctl up)",
				 path);
		else
			snprintf(err, errlen, "cannot open %s: %s", path,
				 strerror(-fd));
	}
	return fd;
}

bool pins_exist(const char *pin_path)
{
	char path[512];

	return !pins_path(path, sizeof(path), pin_path, "cfg") &&
	       access(path, F_OK) == 0;
}

int pins_read_cfg(const char *pin_path, struct bpfalg_config *c, char *err,
		  size_t errlen)
{
	__u32 zero = 0;
	int fd = pins_map_fd(pin_path, "cfg", err, errlen), ret = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, c)) {
		ret = -errno;
		snprintf(err, errlen, "cannot read config map: %s",
			 strerror(errno));
	}
	close(fd);
	return ret;
}

int pins_write_cfg(const char *pin_path, const struct bpfalg_config *c,
		   char *err, size_t errlen)
{
	__u32 zero = 0;
	int fd = pins_map_fd(pin_path, "cfg", err, errlen), ret = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &zero, c, BPF_ANY)) {
		ret = -errno;
		snprintf(err, errlen, "cannot write config map: %s",
			 strerror(errno));
	}
	close(fd);
	return ret;
}

/*
 * Sum @n __u64 counters at @key of the per-CPU array @name into @out.
 * 0 or -errno, with a one-line reason in @err.
 */
static int sum_percpu(const char *pin_path, const char *name, __u32 key,
		      __u64 *out, size_t n, char *err, size_t errlen)
{
	int ncpu = libbpf_num_possible_cpus(), fd, ret = 0;
	__u64 *percpu;

	memset(out, 0, n * sizeof(*out));
	if (ncpu <= 0) {
		snprintf(err, errlen, "cannot count CPUs");
		return -EINVAL;
	}
	fd = pins_map_fd(pin_path, name, err, errlen);
	if (fd < 0)
		return fd;
	percpu = calloc(ncpu, n * sizeof(*percpu));
	if (!percpu) {
		close(fd);
		return -ENOMEM;
	}
	if (bpf_map_lookup_elem(fd, &key, percpu)) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", name,
			 strerror(errno));
	} else {
		for (int cpu = 0; cpu < ncpu; cpu++)
			for (size_t i = 0; i < n; i++)
				out[i] += percpu[cpu * n + i];
	}
	free(percpu);
	close(fd);
	return ret;
}

int pins_read_alg_stats(const char *pin_path, unsigned int alg,
			struct bpfalg_alg_dp_stats *dp,
			struct bpfalg_alg_stats *cs, char *err, size_t errlen)
{
	int fd, ret;

	memset(cs, 0, sizeof(*cs));
	ret = sum_percpu(pin_path, "alg_dp_stats", alg, dp->c, BPFALG_ADP_MAX,
			 err, errlen);
	if (ret)
		return ret;
	fd = pins_map_fd(pin_path, "alg_stats", err, errlen);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &(__u32){ alg }, cs))
		ret = -errno;
	close(fd);
	return ret;
}

int pins_read_counters(const char *pin_path, struct bpfalg_counters *out,
		       char *err, size_t errlen)
{
	return sum_percpu(pin_path, "counters", 0, out->c, BPFALG_CNT_MAX, err,
			  errlen);
}

long pins_count_entries(const char *pin_path, const char *name)
{
	char err[256], key[256], next[256];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *prev = NULL;
	long n = 0;
	int fd = pins_map_fd(pin_path, name, err, sizeof(err));

	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.key_size > sizeof(key)) {
		close(fd);
		return -EINVAL;
	}
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, info.key_size);
		prev = key;
		n++;
	}
	close(fd);
	return n;
}

int pins_inside_prefixes(const char *pin_path, char *buf, size_t cap)
{
	struct prefix p[BPFALG_MAX_PREFIXES];
	struct bpfalg_prefix_key k, *prev = NULL;
	char err[256];
	int fd, n = 0;

	buf[0] = '\0';
	fd = pins_map_fd(pin_path, "inside_prefixes", err, sizeof(err));
	if (fd < 0)
		return fd;
	while (n < BPFALG_MAX_PREFIXES && !bpf_map_get_next_key(fd, prev, &k)) {
		bool v4 = k.family == BPFALG_AF_INET;
		unsigned int len = k.prefixlen - BPFALG_PREFIX_BITS(0);

		prev = &k;
		if (k.prefixlen < BPFALG_PREFIX_BITS(0) ||
		    len > (v4 ? 32 : 128))
			continue;
		memset(&p[n], 0, sizeof(p[n]));
		p[n].family = v4 ? AF_INET : AF_INET6;
		p[n].len = len;
		memcpy(p[n].addr, k.addr, v4 ? 4 : 16);
		n++;
	}
	close(fd);
	prefix_list_format(p, n, buf, cap);
	return n;
}

long pins_max_entries(const char *pin_path, const char *name)
{
	char err[256];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = pins_map_fd(pin_path, name, err, sizeof(err));
	long ret;

	if (fd < 0)
		return fd;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno :
							(long)info.max_entries;
	close(fd);
	return ret;
}

unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
