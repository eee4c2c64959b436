// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* netlink.c - see netlink.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "util/netlink.h"

struct primary_ctx {
	int ifindex;
	__be32 addr;
	int found;
};

static void pick_primary(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct primary_ctx *ctx = arg;
	struct nl_addr *local;

	if (ctx->found || rtnl_addr_get_ifindex(a) != ctx->ifindex ||
	    rtnl_addr_get_family(a) != AF_INET ||
	    (rtnl_addr_get_flags(a) & IFA_F_SECONDARY) ||
	    rtnl_addr_get_scope(a) >= RT_SCOPE_LINK)
		return;
	local = rtnl_addr_get_local(a);
	if (!local || nl_addr_get_len(local) != 4)
		return;
	memcpy(&ctx->addr, nl_addr_get_binary_addr(local), 4);
	ctx->found = 1;
}

int nl_primary_ipv4(int ifindex, __be32 *addr)
{
	struct primary_ctx ctx = { .ifindex = ifindex };
	struct nl_cache *cache = NULL;
	struct nl_sock *sk;
	int ret;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (!ret)
		ret = rtnl_addr_alloc_cache(sk, &cache);
	if (ret) {
		nl_socket_free(sk);
		return -EIO;
	}
	nl_cache_foreach(cache, pick_primary, &ctx);
	nl_cache_free(cache);
	nl_socket_free(sk);
	if (!ctx.found)
		return -ENOENT;
	*addr = ctx.addr;
	return 0;
}

struct nl_addr_watch {
	struct nl_sock *sk;
	int changed;
};

static int watch_cb(struct nl_msg *msg, void *arg)
{
	struct nl_addr_watch *w = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR)
		w->changed = 1;
	return NL_OK;
}

struct nl_addr_watch *nl_addr_watch_open(void)
{
	struct nl_addr_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->sk = nl_socket_alloc();
	if (!w->sk)
		goto err;
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, watch_cb, w);
	if (nl_connect(w->sk, NETLINK_ROUTE) ||
	    nl_socket_add_membership(w->sk, RTNLGRP_IPV4_IFADDR) ||
	    nl_socket_set_nonblocking(w->sk))
		goto err;
	return w;
err:
	nl_addr_watch_close(w);
	return NULL;
}

int nl_addr_watch_fd(struct nl_addr_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

int nl_addr_watch_drain(struct nl_addr_watch *w)
{
	w->changed = 0;
	while (nl_recvmsgs_default(w->sk) >= 0)
		;
	return w->changed;
}

void nl_addr_watch_close(struct nl_addr_watch *w)
{
	if (!w)
		return;
	if (w->sk)
		nl_socket_free(w->sk);
	free(w);
}
