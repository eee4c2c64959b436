// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * loader.c - open -> configure -> load -> attach -> pin, and the reverse.
 *
 * TC programs attach through tcx links (kernel >= 6.6; other TC programs on
 * the interface, Cilium's for instance, keep running in the same chain) and
 * fall back to clsact filters through netlink.  XDP attaches through links
 * in native mode, falling back to generic.  Links are pinned under
 * PIN/links/ so the datapath outlives every algctl process.
 */
#include <errno.h>
#include <dirent.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp_alg.skel.h"
#include "tc_alg.skel.h"

#include "flowtab.h"
#include "loader.h"
#include "migrate.h"
#include "pins.h"
#include "util/bpffs.h"
#include "util/log.h"
#include "util/netlink.h"
#include "util/prefix.h"
#include "util/tcx.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

struct attach_ctx {
	const char *pin_path;
	const char *map_root; /* where the maps are pinned (migration: the
			       * staging directory)
			       */
	struct xdp_alg *xs;
	struct tc_alg *ts;
	/* what this call attached, for rollback */
	char pinned[64][512];
	int n_pinned;
	struct {
		int ifindex;
		enum bpf_tc_attach_point where;
	} clsact[64];
	int n_clsact;
};

/* @ifname's driver as ethtool names it ("" when it cannot tell). */
static void if_driver(const char *ifname, char *drv, size_t cap)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	drv[0] = '\0';
	if (fd < 0)
		return;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(drv, cap, "%.*s", (int)sizeof(info.driver),
			 info.driver);
	close(fd);
}

static bool if_is_veth(const char *ifname)
{
	char drv[sizeof(((struct ethtool_drvinfo *)0)->driver) + 1];

	if_driver(ifname, drv, sizeof(drv));
	return !strcmp(drv, "veth");
}

/*
 * Can frames entering @ifname come from a local network stack or a guest
 * rather than a wire: a veth (a container), a tap (a VM's virtio-net), a
 * bridge or macvlan/ipvlan with such ports?  Those may be CHECKSUM_PARTIAL
 * (BPFALG_IFF_XDP_CSUM), which XDP cannot see.
 */
static bool if_local_frames(const char *ifname)
{
	static const char *const virt[] = {
		"veth", "tun", "bridge", "macvlan", "ipvlan", "openvswitch"
	};
	char drv[sizeof(((struct ethtool_drvinfo *)0)->driver) + 1];

	if_driver(ifname, drv, sizeof(drv));
	for (size_t i = 0; i < sizeof(virt) / sizeof(*virt); i++)
		if (!strcmp(drv, virt[i]))
			return true;
	return false;
}

/* Does @name get the XDP fast path (BPFALG_IFF_XDP_FAST)?  auto: only
 * where frames come from a wire (frames from a local stack or a guest
 * would all be left to TC by the checksum check anyway).
 */
static bool iface_xdp_fast(const struct up_config *uc, const char *name)
{
	return uc->xdp_fast == XDP_FAST_ON ||
	       (uc->xdp_fast == XDP_FAST_AUTO && !if_local_frames(name));
}

/*
 * Is no XDP program attached to @name?  An XDP program on a veth costs
 * every frame a copy into a new page, and a veth needs none of its own to
 * be a redirect target (its peer's counts): without the fast path there,
 * none is attached (a NIC keeps one: its driver may transmit redirected
 * frames only with an XDP program loaded).
 */
static bool iface_xdp_skip(const struct up_config *uc, const char *name)
{
	return uc->xdp_mode == XDP_MODE_OFF ||
	       (!iface_xdp_fast(uc, name) && if_is_veth(name));
}

__u32 loader_flows6(__u32 flows)
{
	__u32 n = flows / BPFALG_DEFAULT_FLOWS6_DIV;

	return n < 1024 ? 1024 : n;
}

/* Set the eight flow maps of one object: IPv4 to @v4, IPv6 to @v6. */
static void size_flow_maps(struct bpf_object *obj, __u32 v4, __u32 v6)
{
	for (int a = 0; a < FLOWTAB_FAMS; a++) {
		for (int p = 0; p < FLOWTAB_PAIRS; p++) {
			const char *names[] = { flowtab_orig_name[a][p],
						flowtab_rev_name[a][p] };

			for (int i = 0; i < 2; i++) {
				struct bpf_map *m =
					bpf_object__find_map_by_name(obj,
								     names[i]);

				if (m)
					bpf_map__set_max_entries(
						m, a == FLOWTAB_V4 ? v4 : v6);
			}
		}
	}
}

/*
 * Does bpf_fib_lookup() take BPF_FIB_LOOKUP_SKIP_NEIGH here?  Asked of the
 * kernel by running tc_fib_probe once on a dummy packet: kernels before
 * 6.5 refuse the flag, and a lookup that always fails would pass every
 * unsolicited packet to the stack unclassified.
 */
static bool fib_skip_neigh_ok(struct tc_alg *ts)
{
	unsigned char pkt[64] = { [12] = 0x08 }; /* an IPv4 ethertype */
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
			    .data_size_in = sizeof(pkt), .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(ts->progs.tc_fib_probe), &o))
		return true; /* cannot ask: assume a current kernel */
	return o.retval == 0;
}

int loader_build_cfg(const struct up_config *uc, int out_ifindex,
		     struct bpfalg_config *c, char *err, size_t errlen)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->layout_version = BPFALG_LAYOUT_VERSION;
	c->outside_ifindex = out_ifindex;
	c->port_min = uc->port_min;
	c->port_max = uc->port_max;
	c->fail_policy = uc->fail_policy;
	c->fail_open_after = uc->fail_open_after;
	c->timeouts = uc->timeouts;
	c->max_flows_per_host = uc->max_flows_per_host;
	c->reinject_mark = uc->reinject_mark;
	c->reinject_mask = uc->reinject_mask;
	if (uc->xdp_mode != XDP_MODE_OFF && uc->xdp_fast != XDP_FAST_OFF)
		c->flags |= BPFALG_CF_XDP_FAST;
	if (uc->inside_prefix[0])
		c->flags |= BPFALG_CF_INSIDE_PREFIX;
	if (uc->masquerade) {
		c->flags |= BPFALG_CF_MASQUERADE;
		ret = nl_primary_ipv4(out_ifindex, &c->public_v4);
		if (ret) {
			snprintf(err, errlen,
				 "%s has no IPv4 address to masquerade to%s",
				 uc->outside[0],
				 ret == -ENOENT ? "" : " (netlink failed)");
			return ret;
		}
	} else {
		c->public_v4 = uc->snat_addr;
	}
	return 0;
}

/* Maps are pinned under (or reused from) @map_root: the pin path, or the
 * staging directory of a migration.
 */
static int open_and_load(struct attach_ctx *ax, const struct up_config *uc,
			 bool need_xdp, const char *map_root, char *err,
			 size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = map_root);
	int ret;

	ax->xs = xdp_alg__open_opts(&oo);
	ax->ts = tc_alg__open_opts(&oo);
	if (!ax->xs || !ax->ts) {
		snprintf(err, errlen, "cannot open BPF objects: %s",
			 strerror(errno));
		return -errno;
	}
	/* --flows sizes both IPv4 pairs: under a flood of unreplied flows a
	 * new flow's first reply must have as long to come back as in a
	 * conntrack table of that size (measured: a quarter of it let 2 of
	 * 5 connections time out during a 50,000 flows/s flood,
	 * test_flood_inside), and the answered pair must hold as many flows
	 * as the operator asked for.  IPv6 (not translated, usually the
	 * smaller share on a NAT gateway) gets loader_flows6() of it.
	 */
	size_flow_maps(ax->xs->obj, uc->flows, loader_flows6(uc->flows));
	size_flow_maps(ax->ts->obj, uc->flows, loader_flows6(uc->flows));
	/* The XDP program is verified only when an interface gets it: its
	 * verification is about half of `up`'s time, and on veth and tap
	 * (Kubernetes pods, Proxmox guests) no interface does by default.
	 * Its object is still loaded for the maps it shares.
	 */
	if (!need_xdp)
		bpf_program__set_autoload(ax->xs->progs.xdp_alg, false);

	ret = tc_alg__load(ax->ts);
	if (!ret)
		ret = xdp_alg__load(ax->xs);
	if (ret && access(VMLINUX_BTF, R_OK)) {
		/* CO-RE relocations need the running kernel's BTF */
		snprintf(err, errlen,
			 "cannot load BPF programs: no kernel BTF (%s: %s): "
			 "bpfalg needs a kernel built with "
			 "CONFIG_DEBUG_INFO_BTF=y",
			 VMLINUX_BTF, strerror(errno));
		return ret;
	}
	if (ret) {
		const char *tail = log_libbpf_tail();

		snprintf(err, errlen, "cannot load BPF programs: %s%s",
			 strerror(-ret),
			 strstr(tail, "reuse pinned map") ?
				 " (maps pinned with other sizes: run algctl "
				 "down, or give the same --flows)" :
			 log_level < LOG_INFO ? " (-v shows the verifier log)" :
						"");
		return ret;
	}
	return 0;
}

static int pin_link(struct attach_ctx *ax, int link_fd, const char *ifname,
		    enum pin_hook hook, char *err, size_t errlen)
{
	char path[512];

	pins_link_path(path, sizeof(path), ax->pin_path, ifname, hook);
	if (bpf_obj_pin(link_fd, path)) {
		int ret = -errno;

		snprintf(err, errlen, "cannot pin %s: %s", path,
			 strerror(errno));
		bpf_link_detach(link_fd);
		close(link_fd);
		return ret;
	}
	close(link_fd);
	if (ax->n_pinned < 64)
		strcpy(ax->pinned[ax->n_pinned++], path);
	return 0;
}

static bool link_pinned(const char *pin_path, const char *ifname,
			enum pin_hook hook)
{
	char path[512];

	pins_link_path(path, sizeof(path), pin_path, ifname, hook);
	return access(path, F_OK) == 0;
}

/*
 * The interface a link is attached to, 0 once its device is gone.  XDP's
 * and tcx's link info both start the union with the ifindex (Debian 12's
 * UAPI header has no tcx member, so xdp.ifindex reads either).
 */
static __u32 link_ifindex(int link_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return 0;
	return info.xdp.ifindex;
}

/*
 * Detach and unpin @ifname's link on @hook, unless @keep_ifindex is not 0
 * and the link is on that ifindex.  True when one was dropped.
 */
static bool drop_link(const char *pin_path, const char *ifname,
		      enum pin_hook hook, int keep_ifindex)
{
	char path[512];
	bool drop;
	int fd;

	pins_link_path(path, sizeof(path), pin_path, ifname, hook);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	drop = !keep_ifindex || link_ifindex(fd) != (__u32)keep_ifindex;
	if (drop) {
		bpf_link_detach(fd);
		unlink(path);
	}
	close(fd);
	return drop;
}

/*
 * A pinned link whose interface went away (a VM's tap device, a pod's
 * veth) and came back under the same name with a new ifindex is defunct:
 * detach and unpin it so the attach below creates a live one.
 */
static void drop_stale_link(const char *pin_path, const char *ifname,
			    int ifindex, enum pin_hook hook)
{
	if (drop_link(pin_path, ifname, hook, ifindex))
		pr_info("%s: %s link of a former instance of the interface "
			"replaced\n",
			ifname, pin_hook_name[hook]);
}

static bool in_set(const int *idx, int n, __u32 ifindex)
{
	for (int i = 0; i < n; i++)
		if ((__u32)idx[i] == ifindex)
			return true;
	return false;
}

/*
 * `up` describes the interfaces in full: what an earlier up attached and
 * this one no longer lists is detached (links whose name is not listed,
 * interface entries whose ifindex is not), so a Proxmox hook or a
 * DaemonSet can shrink the inside set by running up with what is left.
 */
static void prune_ifaces(struct attach_ctx *ax, const char *const *names,
			 const int *idx, int n)
{
	int ifaces_fd = bpf_map__fd(ax->ts->maps.ifaces);
	int flags_fd = bpf_map__fd(ax->xs->maps.iface_flags);
	char links[512], ifname[IF_NAMESIZE];
	struct bpfalg_iface ifc;
	struct dirent *de;
	__u32 key, next, zero = 0;
	bool more;
	DIR *d;

	pins_path(links, sizeof(links), ax->pin_path, PINS_LINKS_DIR);
	d = opendir(links);
	while (d && (de = readdir(d))) {
		char p[1024], name[256], *colon;
		bool listed = false;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		/* "<ifname>:<hook>", '.' in the name pinned as ':' */
		snprintf(name, sizeof(name), "%s", de->d_name);
		colon = strrchr(name, ':');
		if (!colon)
			continue;
		*colon = 0;
		for (char *c = name; *c; c++)
			if (*c == ':')
				*c = '.';
		for (int i = 0; i < n && !listed; i++)
			listed = !strcmp(names[i], name);
		if (listed)
			continue;
		snprintf(p, sizeof(p), "%s/%s", links, de->d_name);
		fd = bpf_obj_get(p);
		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
		}
		unlink(p);
		pr_info("%s: no longer listed, %s detached\n", name, colon + 1);
	}
	if (d)
		closedir(d);

	more = !bpf_map_get_next_key(ifaces_fd, NULL, &key);
	while (more) {
		more = !bpf_map_get_next_key(ifaces_fd, &key, &next);
		if (!in_set(idx, n, key) &&
		    !bpf_map_lookup_elem(ifaces_fd, &key, &ifc)) {
			if ((ifc.flags & BPFALG_IFF_TC_CLSACT) &&
			    if_indextoname(key, ifname)) {
				for (int w = 0; w < 2; w++) {
					LIBBPF_OPTS(bpf_tc_hook, th,
						    .ifindex = key,
						    .attach_point =
							    w ? BPF_TC_EGRESS :
								BPF_TC_INGRESS);
					LIBBPF_OPTS(bpf_tc_opts, to,
						    .handle = CLSACT_HANDLE,
						    .priority = CLSACT_PRIO);

					bpf_tc_detach(&th, &to);
				}
				pr_info("%s: no longer listed, clsact filters "
					"removed\n",
					ifname);
			}
			bpf_map_delete_elem(ifaces_fd, &key);
			if (key < BPFALG_MAX_IFINDEX)
				bpf_map_update_elem(flags_fd, &key, &zero,
						    BPF_ANY);
		}
		key = next;
	}
}

/* Does the link run a program with the same instructions (tag)? */
/* A program's map ids (at most @cap) and tag; their number or -1. */
static int prog_maps(int prog_fd, __u32 *ids, __u32 cap, __u8 tag[8])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	info.nr_map_ids = cap;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) ||
	    info.nr_map_ids > cap)
		return -1;
	memcpy(tag, info.tag, 8);
	return (int)info.nr_map_ids;
}

/* Is map @id the one pinned by its name under @root (a shared map, not
 * one of the per-load .rodata, .bss or scratch maps)?
 */
static bool map_pinned_at(const char *root, __u32 id)
{
	struct bpf_map_info mi = {};
	__u32 ml = sizeof(mi);
	char path[512];
	int fd = bpf_map_get_fd_by_id(id), pfd;
	bool pinned = false;

	if (fd < 0)
		return false;
	if (!bpf_obj_get_info_by_fd(fd, &mi, &ml) &&
	    !pins_path(path, sizeof(path), root, mi.name) &&
	    (pfd = bpf_obj_get(path)) >= 0) {
		struct bpf_map_info pi = {};
		__u32 pl = sizeof(pi);

		pinned = !bpf_obj_get_info_by_fd(pfd, &pi, &pl) && pi.id == id;
		close(pfd);
	}
	close(fd);
	return pinned;
}

/*
 * The link runs this very program already: the same code (tag) on the
 * same shared maps.  The code alone is not enough: after a resize
 * (migrate.h) the new program differs only in its maps.
 */
static bool same_program(int link_fd, int prog_fd, const char *map_root)
{
	struct bpf_link_info li = {};
	__u32 ll = sizeof(li), a[64], b[64];
	__u8 ta[8], tb[8];
	int old_fd, na, nb;

	if (bpf_obj_get_info_by_fd(link_fd, &li, &ll))
		return false;
	old_fd = bpf_prog_get_fd_by_id(li.prog_id);
	if (old_fd < 0)
		return false;
	na = prog_maps(old_fd, a, 64, ta);
	nb = prog_maps(prog_fd, b, 64, tb);
	close(old_fd);
	if (na < 0 || nb < 0 || memcmp(ta, tb, sizeof(ta)))
		return false;
	for (int j = 0; j < nb; j++) {
		bool found = false;

		if (!map_pinned_at(map_root, b[j]))
			continue;
		for (int i = 0; i < na && !found; i++)
			found = a[i] == b[j];
		if (!found)
			return false;
	}
	return true;
}

/*
 * An already pinned link gets the freshly loaded program: `up` after an
 * upgrade swaps the datapath atomically, without a gap in forwarding.
 */
static int refresh_link(struct attach_ctx *ax, const char *ifname,
			enum pin_hook hook, int prog_fd, char *err,
			size_t errlen)
{
	char path[512];
	int fd, ret = 0;

	pins_link_path(path, sizeof(path), ax->pin_path, ifname, hook);
	fd = bpf_obj_get(path);
	if (fd >= 0 && same_program(fd, prog_fd, ax->map_root)) {
		close(fd);
		return 0; /* up again with the same binary: nothing to swap */
	}
	if (fd < 0 || bpf_link_update(fd, prog_fd, NULL)) {
		ret = -errno;
		snprintf(err, errlen, "cannot update %s: %s", path,
			 strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static int attach_tc(struct attach_ctx *ax, const char *ifname, int ifindex,
		     enum pin_hook hook, const struct up_config *uc,
		     struct bpfalg_iface *ifc, char *err, size_t errlen)
{
	bool ingress = hook == HOOK_TC_INGRESS;
	struct bpf_program *prog =
		ingress ? ax->ts->progs.tc_ingress : ax->ts->progs.tc_egress;
	int fd, ret;

	if (uc->tc_mode == TC_MODE_CLSACT &&
	    !link_pinned(ax->pin_path, ifname, hook))
		ifc->flags |= BPFALG_IFF_TC_CLSACT;
	if (!(ifc->flags & BPFALG_IFF_TC_CLSACT)) {
		if (link_pinned(ax->pin_path, ifname, hook))
			return refresh_link(ax, ifname, hook,
					    bpf_program__fd(prog), err, errlen);
		/* first in the chain: docs/deploy.md, "Next to a CNI" */
		fd = tcx_link_head(bpf_program__fd(prog), ifindex, ingress);
		if (fd >= 0)
			return pin_link(ax, fd, ifname, hook, err, errlen);
		if (uc->tc_mode == TC_MODE_TCX ||
		    (fd != -EINVAL && fd != -EOPNOTSUPP)) {
			snprintf(err, errlen, "tcx attach on %s: %s", ifname,
				 strerror(-fd));
			return fd;
		}
		pr_info("%s: no tcx in this kernel, using clsact\n", ifname);
		ifc->flags |= BPFALG_IFF_TC_CLSACT;
	}

	{
		LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = ifindex,
			    .attach_point =
				    ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, to, .handle = CLSACT_HANDLE,
			    .priority = CLSACT_PRIO,
			    .prog_fd = bpf_program__fd(prog),
			    .flags = BPF_TC_F_REPLACE);

		ret = bpf_tc_hook_create(&th);
		if (ret && ret != -EEXIST) {
			snprintf(err, errlen, "clsact on %s: %s", ifname,
				 strerror(-ret));
			return ret;
		}
		ret = bpf_tc_attach(&th, &to);
		if (ret) {
			snprintf(err, errlen, "tc filter on %s: %s", ifname,
				 strerror(-ret));
			return ret;
		}
		if (ax->n_clsact < 64) {
			ax->clsact[ax->n_clsact].ifindex = ifindex;
			ax->clsact[ax->n_clsact++].where = th.attach_point;
		}
	}
	return 0;
}

static int attach_xdp(struct attach_ctx *ax, const char *ifname, int ifindex,
		      const struct up_config *uc, struct bpfalg_iface *ifc,
		      char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int prog_fd = bpf_program__fd(ax->xs->progs.xdp_alg), fd;

	if (uc->xdp_mode == XDP_MODE_OFF)
		return 0;
	if (link_pinned(ax->pin_path, ifname, HOOK_XDP))
		return refresh_link(ax, ifname, HOOK_XDP, prog_fd, err, errlen);
	lo.flags = uc->xdp_mode == XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE :
						     XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);
	if (fd < 0 && uc->xdp_mode == XDP_MODE_NATIVE &&
	    (errno == EOPNOTSUPP || errno == EINVAL)) {
		pr_info("%s: native XDP not supported, using generic\n",
			ifname);
		lo.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);
	}
	if (fd < 0) {
		int ret = -errno;
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if ((errno == EBUSY || errno == EEXIST) &&
		    !bpf_xdp_query(ifindex, 0, &q) && q.prog_id) {
			const char *mode =
				q.attach_mode == XDP_ATTACHED_SKB ? "generic" :
				q.attach_mode == XDP_ATTACHED_HW  ? "offload" :
								    "native";

			/* one XDP program per interface without a dispatcher */
			snprintf(err, errlen,
				 "XDP attach on %s: another XDP program "
				 "(id %u, %s) is attached: remove it (ip link "
				 "set dev %s xdp off) or leave XDP to it with "
				 "--xdp-mode off",
				 ifname, q.prog_id, mode, ifname);
			return ret;
		}
		snprintf(err, errlen, "XDP attach on %s: %s", ifname,
			 strerror(-ret));
		return ret;
	}
	ifc->xdp_flags = lo.flags;
	return pin_link(ax, fd, ifname, HOOK_XDP, err, errlen);
}

/* @clsact: also the clsact filters this call installed (a migration
 * puts the old ones back itself)
 */
static void rollback(struct attach_ctx *ax, bool clsact)
{
	for (int i = ax->n_pinned - 1; i >= 0; i--) {
		int fd = bpf_obj_get(ax->pinned[i]);

		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
		}
		unlink(ax->pinned[i]);
	}
	for (int i = 0; clsact && i < ax->n_clsact; i++) {
		LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = ax->clsact[i].ifindex,
			    .attach_point = ax->clsact[i].where);
		LIBBPF_OPTS(bpf_tc_opts, to, .handle = CLSACT_HANDLE,
			    .priority = CLSACT_PRIO);

		bpf_tc_detach(&th, &to);
	}
}

/* Remove every pin in the directory, then the directory. */
static void remove_pins(const char *pin_path)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	if (!pins_path(path, sizeof(path), pin_path, PINS_LINKS_DIR)) {
		d = opendir(path);
		while (d && (de = readdir(d))) {
			char p[1024];

			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			unlink(p);
		}
		if (d)
			closedir(d);
		rmdir(path);
	}
	d = opendir(pin_path);
	while (d && (de = readdir(d))) {
		char p[1024];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", pin_path, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(pin_path);
}

/*
 * An ALG's mode and ports are what the file or the flags say; what they do
 * not say keeps the running value (`algctl alg ... --ports` set live
 * survives a daemon restart), and a fresh datapath gets the defaults.
 */
static void prefix_key(const struct prefix *p, struct bpfalg_prefix_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = p->family == AF_INET ? BPFALG_AF_INET : BPFALG_AF_INET6;
	k->prefixlen = BPFALG_PREFIX_BITS(p->len);
	memcpy(k->addr, p->addr, p->family == AF_INET ? 4 : 16);
}

/*
 * The trie inside_prefixes as --inside-prefix says: the new prefixes go in
 * first, then the ones no longer named come out, so a re-`up` never leaves
 * an inside address unclassified (its flows would leave untranslated).
 */
static int write_inside_prefixes(int fd, const struct up_config *uc, char *err,
				 size_t errlen)
{
	struct prefix want[PREFIX_LIST_MAX];
	struct bpfalg_prefix_key k, next, gone[BPFALG_MAX_PREFIXES];
	int n, n_gone = 0;
	__u32 zero = 0;

	n = prefix_list_parse(uc->inside_prefix, want, PREFIX_LIST_MAX, err,
			      errlen);
	if (n < 0)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		prefix_key(&want[i], &k);
		if (bpf_map_update_elem(fd, &k, &zero, BPF_ANY)) {
			snprintf(err, errlen, "cannot add inside prefix: %s",
				 strerror(errno));
			return -errno;
		}
	}
	for (int more = !bpf_map_get_next_key(fd, NULL, &next);
	     more && n_gone < BPFALG_MAX_PREFIXES;) {
		bool keep = false;

		k = next;
		more = !bpf_map_get_next_key(fd, &k, &next);
		for (int i = 0; i < n && !keep; i++) {
			struct bpfalg_prefix_key w;

			prefix_key(&want[i], &w);
			keep = !memcmp(&w, &k, sizeof(k));
		}
		if (!keep)
			gone[n_gone++] = k;
	}
	for (int i = 0; i < n_gone; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	return 0;
}

static int write_alg_cfg(int fd, const struct up_config *uc, bool fresh)
{
	for (__u32 i = 1; i < BPFALG_ALG_MAX; i++) {
		struct bpfalg_alg_cfg a = {}, old;
		bool keep = !fresh && !bpf_map_lookup_elem(fd, &i, &old);

		a.mode = keep && !(uc->alg_set[i] & ALG_SET_MODE) ?
				 old.mode :
				 uc->alg_mode[i];
		if (keep && old.ports[0] && !(uc->alg_set[i] & ALG_SET_PORTS))
			memcpy(a.ports, old.ports, sizeof(a.ports));
		else
			memcpy(a.ports, uc->alg_ports[i], sizeof(a.ports));
		if (bpf_map_update_elem(fd, &i, &a, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* @cnt interface names of option @opt into @idx and @names. */
static int resolve_ifaces(const char (*list)[IF_NAMESIZE], int cnt,
			  const char *opt, int *idx, const char **names,
			  char *err, size_t errlen)
{
	for (int i = 0; i < cnt; i++) {
		idx[i] = if_nametoindex(list[i]);
		if (!idx[i]) {
			snprintf(err, errlen,
				 "no such interface: %s (%s; `ip link` lists "
				 "this network namespace's interfaces)",
				 list[i], opt);
			return -ENODEV;
		}
		names[i] = list[i];
	}
	return 0;
}

int loader_up(const char *pin_path, const struct up_config *uc, bool *was_up,
	      char *err, size_t errlen)
{
	struct migration *mig = NULL;
	struct attach_ctx *ax;
	struct bpfalg_config c;
	char links[512], stage[512], why[128];
	__u32 zero = 0;
	const char *names[CONFIG_MAX_INSIDE + CONFIG_MAX_OUTSIDE];
	int idx[CONFIG_MAX_INSIDE + CONFIG_MAX_OUTSIDE], n = 0, ret;
	int out_ifindex, n_in;
	__be32 pub[CONFIG_MAX_INSIDE + CONFIG_MAX_OUTSIDE] = {};
	bool fresh, need_xdp = false, migrating = false;

	*was_up = false;
	/* inside interfaces first, then the outside ones (roles by index);
	 * the outside ones resolved first: an error names them first, as
	 * the options do
	 */
	n_in = uc->n_inside;
	n = n_in + uc->n_outside;
	ret = resolve_ifaces(uc->outside, uc->n_outside, "--outside",
			     idx + n_in, names + n_in, err, errlen);
	if (!ret)
		ret = resolve_ifaces(uc->inside, uc->n_inside, "--inside", idx,
				     names, err, errlen);
	if (ret)
		return ret;
	/* masquerade: each further outside interface to its own address */
	for (int i = n_in + 1; uc->masquerade && i < n; i++) {
		ret = nl_primary_ipv4(idx[i], &pub[i]);
		if (ret) {
			snprintf(err, errlen,
				 "%s has no IPv4 address to masquerade to%s",
				 names[i],
				 ret == -ENOENT ? "" : " (netlink failed)");
			return ret;
		}
	}
	out_ifindex = idx[n_in];

	ret = loader_build_cfg(uc, out_ifindex, &c, err, errlen);
	if (ret)
		return ret;
	ret = bpffs_ensure(pin_path, err, errlen);
	if (ret)
		return ret;
	/* another layout or table size under the pins: moved, not refused */
	ret = migrate_check(pin_path, uc->flows, why, sizeof(why), err, errlen);
	if (ret < 0)
		return ret;
	if (ret > 0) {
		pr_warn("migrating the running datapath (%s)\n", why);
		ret = migrate_stage_create(pin_path, err, errlen);
		if (ret)
			return ret;
		migrate_stage_path(pin_path, stage, sizeof(stage));
		migrating = true;
	}
	fresh = !pins_exist(pin_path);
	pins_path(links, sizeof(links), pin_path, PINS_LINKS_DIR);
	if (mkdir(links, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create %s: %s", links,
			 strerror(errno));
		return ret;
	}

	ax = calloc(1, sizeof(*ax));
	if (!ax)
		return -ENOMEM;
	ax->pin_path = pin_path;
	for (int i = 0; i < n; i++)
		need_xdp |= !iface_xdp_skip(uc, names[i]);
	ax->map_root = migrating ? stage : pin_path;
	ret = open_and_load(ax, uc, need_xdp, ax->map_root, err, errlen);
	if (ret)
		goto fail; /* libbpf may have pinned some maps already */
	if (migrating) {
		mig = migrate_begin(pin_path, err, errlen);
		if (!mig) {
			ret = -EIO;
			goto fail;
		}
	}

	if (fib_skip_neigh_ok(ax->ts))
		c.flags |= BPFALG_CF_FIB_SKIP_NEIGH;
	else
		pr_info("this kernel's FIB lookup lacks SKIP_NEIGH: "
			"unsolicited packets are classified without it\n");
	if (!fresh) {
		/* keep what a running daemon wrote */
		struct bpfalg_config old;

		if (!pins_read_cfg(pin_path, &old, err, errlen)) {
			c.controller_pid = old.controller_pid;
			c.controller_heartbeat_ns = old.controller_heartbeat_ns;
		}
	}
	/* the prefixes before the flag that makes the datapath read them */
	ret = write_inside_prefixes(bpf_map__fd(ax->ts->maps.inside_prefixes),
				    uc, err, errlen);
	if (!ret && bpf_map_update_elem(bpf_map__fd(ax->ts->maps.cfg), &zero,
					&c, BPF_ANY)) {
		ret = -errno;
		snprintf(err, errlen, "cannot write config map: %s",
			 strerror(errno));
	}
	if (!ret &&
	    write_alg_cfg(bpf_map__fd(ax->ts->maps.alg_cfg), uc, fresh)) {
		ret = -errno;
		snprintf(err, errlen, "cannot write ALG config: %s",
			 strerror(errno));
	}
	if (ret)
		goto fail;

	*was_up = true;
	for (int i = 0; i < n; i++) {
		int ifaces_fd = bpf_map__fd(ax->ts->maps.ifaces);
		struct bpfalg_iface ifc = {}, old;
		bool xdp_skip;
		__u32 bits;
		__u32 key = idx[i];

		if (!bpf_map_lookup_elem(ifaces_fd, &key, &old))
			ifc = old; /* keep attach bookkeeping */
		ifc.role = i >= n_in ? BPFALG_ROLE_OUTSIDE : BPFALG_ROLE_INSIDE;
		/* the first outside one: the configuration's address (the
		 * one a masquerading daemon keeps up to date), 0 here
		 */
		ifc.public_v4 = pub[i];
		ifc.flags &= ~(BPFALG_IFF_XDP_FAST | BPFALG_IFF_XDP_CSUM);
		if (iface_xdp_fast(uc, names[i]))
			ifc.flags |= BPFALG_IFF_XDP_FAST;
		if (if_local_frames(names[i]))
			ifc.flags |= BPFALG_IFF_XDP_CSUM;
		xdp_skip = iface_xdp_skip(uc, names[i]);
		if (xdp_skip && uc->xdp_mode != XDP_MODE_OFF) {
			drop_link(pin_path, names[i], HOOK_XDP, 0);
			ifc.xdp_flags = 0;
		}

		for (int h = 0; h < HOOK_MAX; h++)
			drop_stale_link(pin_path, names[i], idx[i], h);
		for (int h = 0; h < HOOK_MAX; h++)
			if (!link_pinned(pin_path, names[i], h) &&
			    !(h != HOOK_XDP &&
			      (ifc.flags & BPFALG_IFF_TC_CLSACT)) &&
			    !(h == HOOK_XDP && xdp_skip))
				*was_up = false;

		ret = attach_tc(ax, names[i], idx[i], HOOK_TC_INGRESS, uc, &ifc,
				err, errlen);
		if (!ret)
			ret = attach_tc(ax, names[i], idx[i], HOOK_TC_EGRESS,
					uc, &ifc, err, errlen);
		if (!ret && !xdp_skip)
			ret = attach_xdp(ax, names[i], idx[i], uc, &ifc, err,
					 errlen);
		/* test hook: a migration that fails once the first interface
		 * runs the new programs (its way back is otherwise untried)
		 */
		if (!ret && mig && i == 0 &&
		    getenv("BPFALG_TEST_FAIL_MIGRATION")) {
			snprintf(err, errlen,
				 "migration failed on purpose "
				 "(BPFALG_TEST_FAIL_MIGRATION)");
			ret = -ECANCELED;
		}
		/* TC's own forwarding of established flows (tc_alg.c): it
		 * hides them from whatever follows in the ingress chain, so
		 * by default only where nothing does
		 */
		ifc.flags &= ~BPFALG_IFF_TC_FAST;
		if (!ret && (uc->tc_fast == XDP_FAST_ON ||
			     (uc->tc_fast == XDP_FAST_AUTO &&
			      !(ifc.flags & BPFALG_IFF_TC_CLSACT) &&
			      tcx_count(idx[i], true) == 1)))
			ifc.flags |= BPFALG_IFF_TC_FAST;
		/* what an XDP redirect from and into it can do (xdp_alg.c) */
		ifc.flags &= ~(BPFALG_IFF_XDP_TARGET | BPFALG_IFF_XDP_GENERIC);
		if (uc->xdp_mode != XDP_MODE_OFF &&
		    (ifc.xdp_flags & XDP_FLAGS_DRV_MODE))
			ifc.flags |= BPFALG_IFF_XDP_TARGET;
		else if (uc->xdp_mode != XDP_MODE_OFF &&
			 (ifc.xdp_flags & XDP_FLAGS_SKB_MODE))
			ifc.flags |= BPFALG_IFF_XDP_GENERIC;
		bits = bpfalg_iface_bits(ifc.role, ifc.flags);
		if (!ret &&
		    (bpf_map_update_elem(ifaces_fd, &key, &ifc, BPF_ANY) ||
		     (key < BPFALG_MAX_IFINDEX &&
		      bpf_map_update_elem(bpf_map__fd(ax->xs->maps.iface_flags),
					  &key, &bits, BPF_ANY)))) {
			ret = -errno;
			snprintf(err, errlen, "cannot write interface maps: %s",
				 strerror(errno));
		}
		if (ret)
			goto fail;
	}
	prune_ifaces(ax, names, idx, n);
	/* the new maps take the old ones' pins, and what the old programs
	 * created until the swap joins them
	 */
	if (mig)
		ret = migrate_commit(mig, err, errlen);
	goto out;

fail:
	if (mig) {
		size_t l = strlen(err);

		migrate_abort(mig); /* the old programs back, staging gone */
		snprintf(err + l, errlen > l ? errlen - l : 0,
			 ": the running datapath is unchanged");
	} else if (migrating)
		migrate_stage_remove(pin_path); /* nothing was swapped */
	rollback(ax, !migrating);
	if (fresh)
		remove_pins(pin_path);
	*was_up = false;
out:
	xdp_alg__destroy(ax->xs);
	tc_alg__destroy(ax->ts);
	free(ax);
	return ret;
}

const char *loader_hook_state(const char *pin_path, const char *ifname,
			      int hook, const struct bpfalg_iface *ifc)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd;

	if (hook != HOOK_XDP && (ifc->flags & BPFALG_IFF_TC_CLSACT))
		return "clsact";
	pins_link_path(path, sizeof(path), pin_path, ifname, hook);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return NULL;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return NULL;
	}
	close(fd);
	/* a detached link has no target interface any more (xdp and tcx
	 * link info both start with the ifindex, see link_ifindex())
	 */
	if (info.xdp.ifindex == 0)
		return NULL;
	if (hook == HOOK_XDP)
		return (ifc->xdp_flags & XDP_FLAGS_SKB_MODE) ? "xdp-generic" :
							       "xdp-native";
	return "tcx";
}

static void stop_controller(const char *pin_path)
{
	struct bpfalg_config c;
	char err[256];

	if (pins_read_cfg(pin_path, &c, err, sizeof(err)) || !c.controller_pid)
		return;
	if (kill(c.controller_pid, SIGTERM) == 0)
		pr_info("stopped controller (pid %u)\n", c.controller_pid);
}

int loader_down(const char *pin_path, char *err, size_t errlen)
{
	char links[512], ifname[IF_NAMESIZE];
	struct bpfalg_iface ifc;
	__u32 key, *prev = NULL;
	struct dirent *de;
	int fd;
	DIR *d;

	if (!pins_exist(pin_path)) {
		pins_path(links, sizeof(links), pin_path, PINS_LINKS_DIR);
		if (access(links, F_OK)) {
			snprintf(err, errlen,
				 "bpfalg is not running (no pins under %s)",
				 pin_path);
			return 1;
		}
	}
	stop_controller(pin_path);

	/* clsact filters are not pinned: find them through the iface map */
	fd = pins_map_fd(pin_path, "ifaces", err, errlen);
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &ifc) ||
		    !(ifc.flags & BPFALG_IFF_TC_CLSACT))
			continue;
		for (int w = 0; w < 2; w++) {
			LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = key,
				    .attach_point =
					    w ? BPF_TC_EGRESS : BPF_TC_INGRESS);
			LIBBPF_OPTS(bpf_tc_opts, to, .handle = CLSACT_HANDLE,
				    .priority = CLSACT_PRIO);

			bpf_tc_detach(&th, &to);
		}
		pr_info("removed clsact filters from %s\n",
			if_indextoname(key, ifname) ? ifname : "?");
	}
	if (fd >= 0)
		close(fd);

	pins_path(links, sizeof(links), pin_path, PINS_LINKS_DIR);
	d = opendir(links);
	while (d && (de = readdir(d))) {
		char p[1024];
		int lfd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", links, de->d_name);
		lfd = bpf_obj_get(p);
		if (lfd >= 0) {
			/* detach even if some process still holds the link */
			bpf_link_detach(lfd);
			close(lfd);
		}
	}
	if (d)
		closedir(d);
	remove_pins(pin_path);
	return 0;
}
