// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* flowtab.c - see flowtab.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "flowtab.h"
#include "pins.h"

const char *const flowtab_orig_name[FLOWTAB_PAIRS] = { "flows", "flows_new" };
const char *const flowtab_rev_name[FLOWTAB_PAIRS] = { "flow_rev",
						      "flow_rev_new" };

/* Entries read per bpf(BPF_MAP_LOOKUP_BATCH) call. */
#define FLOWTAB_BATCH 4096

int flowtab_open(struct flowtab *ft, const char *pin_path, char *err,
		 size_t errlen)
{
	for (int p = 0; p < FLOWTAB_PAIRS; p++)
		ft->orig[p] = ft->rev[p] = -1;
	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		ft->orig[p] = pins_map_fd(pin_path, flowtab_orig_name[p], err,
					  errlen);
		if (ft->orig[p] < 0)
			goto fail;
		ft->rev[p] = pins_map_fd(pin_path, flowtab_rev_name[p], err,
					 errlen);
		if (ft->rev[p] < 0)
			goto fail;
	}
	return 0;
fail:
	flowtab_close(ft);
	return -1;
}

void flowtab_close(struct flowtab *ft)
{
	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		if (ft->orig[p] >= 0)
			close(ft->orig[p]);
		if (ft->rev[p] >= 0)
			close(ft->rev[p]);
		ft->orig[p] = ft->rev[p] = -1;
	}
}

static bool live(const struct bpfalg_flow *f)
{
	return f->cookie != BPFALG_COOKIE_DEAD;
}

int flowtab_lookup(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   struct bpfalg_flow *f, int *pair)
{
	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		if (!bpf_map_lookup_elem(ft->orig[p], orig, f) && live(f)) {
			if (pair)
				*pair = p;
			return 0;
		}
	}
	return -1;
}

/* The flow of reply half @r in pair @p, if it still carries r's cookie. */
static int rev_owner(const struct flowtab *ft, int p,
		     const struct bpfalg_rev *r, struct bpfalg_flow *f)
{
	return !bpf_map_lookup_elem(ft->orig[p], &r->orig, f) && live(f) &&
			       f->cookie == r->cookie ?
		       0 :
		       -1;
}

int flowtab_lookup_reply(const struct flowtab *ft,
			 const struct bpfalg_tuple *reply,
			 struct bpfalg_tuple *orig, struct bpfalg_flow *f)
{
	struct bpfalg_rev r;

	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		if (bpf_map_lookup_elem(ft->rev[p], reply, &r) ||
		    rev_owner(ft, p, &r, f))
			continue;
		*orig = r.orig;
		return 0;
	}
	return -1;
}

static __u32 new_cookie(void)
{
	__u32 c = 0;

	if (getrandom(&c, sizeof(c), 0) != sizeof(c))
		c = (__u32)mono_ns();
	return c | 1; /* never BPFALG_COOKIE_DEAD */
}

/* Is @reply free: no live flow keyed by it or holding it as reply? */
static bool reply_free(const struct flowtab *ft,
		       const struct bpfalg_tuple *reply)
{
	struct bpfalg_tuple o;
	struct bpfalg_flow f;

	return flowtab_lookup(ft, reply, &f, NULL) &&
	       flowtab_lookup_reply(ft, reply, &o, &f);
}

int flowtab_insert(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   struct bpfalg_flow *f)
{
	struct bpfalg_flow cur;
	struct bpfalg_rev r = { .orig = *orig };

	/* a live flow keyed by the same tuple, or one holding the reply */
	if (!flowtab_lookup(ft, orig, &cur, NULL) || !reply_free(ft, &f->reply))
		return -1;
	f->cookie = r.cookie = new_cookie();
	if (bpf_map_update_elem(ft->rev[FLOWTAB_ANSWERED], &f->reply, &r,
				BPF_ANY))
		return -1;
	if (bpf_map_update_elem(ft->orig[FLOWTAB_ANSWERED], orig, f, BPF_ANY))
		return -1; /* the reply half alone is a miss: nothing to undo */
	/* the datapath may have claimed the same tuple meanwhile: give way */
	if (!bpf_map_lookup_elem(ft->rev[FLOWTAB_UNREPLIED], &f->reply, &r) &&
	    !rev_owner(ft, FLOWTAB_UNREPLIED, &r, &cur)) {
		flowtab_delete(ft, orig, f->cookie);
		return -1;
	}
	return 0;
}

int flowtab_touch(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		  __u64 now)
{
	struct bpfalg_flow f;
	int p;

	if (flowtab_lookup(ft, orig, &f, &p))
		return -1;
	f.last_seen_ns = now;
	return bpf_map_update_elem(ft->orig[p], orig, &f, BPF_EXIST) ? -1 : 0;
}

int flowtab_delete(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   __u32 cookie)
{
	struct bpfalg_flow f;
	struct bpfalg_rev r;
	int ret = -1;

	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		if (bpf_map_lookup_elem(ft->orig[p], orig, &f) ||
		    f.cookie != cookie)
			continue;
		if (!bpf_map_lookup_elem(ft->rev[p], &f.reply, &r) &&
		    r.cookie == cookie)
			bpf_map_delete_elem(ft->rev[p], &f.reply);
		/* read once more: the datapath may have replaced it */
		if (!bpf_map_lookup_elem(ft->orig[p], orig, &f) &&
		    f.cookie == cookie && !bpf_map_delete_elem(ft->orig[p], orig))
			ret = 0;
	}
	return ret;
}

int flowtab_walk(const struct flowtab *ft, flowtab_cb cb, void *arg)
{
	struct bpfalg_tuple *keys = calloc(FLOWTAB_BATCH, sizeof(*keys));
	struct bpfalg_flow *vals = calloc(FLOWTAB_BATCH, sizeof(*vals));
	int ret = 0;

	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	for (int p = 0; p < FLOWTAB_PAIRS && !ret; p++) {
		DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u64 batch = 0;
		bool first = true;

		for (;;) {
			__u32 n = FLOWTAB_BATCH;
			int err = bpf_map_lookup_batch(ft->orig[p],
						       first ? NULL : &batch,
						       &batch, keys, vals, &n,
						       &opts);

			if (err && errno != ENOENT) {
				ret = -errno;
				break;
			}
			first = false;
			for (__u32 i = 0; i < n && !ret; i++)
				if (live(&vals[i]))
					ret = cb(&keys[i], &vals[i], p, arg);
			if (err || ret) /* ENOENT: that was the last batch */
				break;
		}
	}
out:
	free(keys);
	free(vals);
	return ret;
}

int flowtab_snat_search(const struct flowtab *ft,
			const struct bpfalg_tuple *orig, __be32 pub, __u16 lo,
			__u16 hi, __u32 in_ifindex, __u32 out_ifindex,
			__u16 *port)
{
	__u32 span = (__u32)hi - lo + 1, start = 0;
	struct bpfalg_flow f = { 0 }, cur;
	struct bpfalg_rev r = { .orig = *orig };
	bool echo = orig->proto == BPFALG_IPPROTO_ICMP;

	if (!lo || lo > hi || orig->family != BPFALG_AF_INET)
		return -1;
	/* made meanwhile (a retransmission that found a port itself) */
	if (!flowtab_lookup(ft, orig, &cur, NULL)) {
		*port = ntohs(cur.reply.dport);
		return 0;
	}
	if (getrandom(&start, sizeof(start), 0) != sizeof(start))
		start = (__u32)mono_ns();
	memcpy(f.reply.saddr, orig->daddr, 16);
	f.reply.daddr[0] = pub;
	f.reply.sport = orig->dport;
	f.reply.proto = orig->proto;
	f.reply.family = orig->family;
	f.created_ns = f.last_seen_ns = mono_ns();
	f.in_ifindex = in_ifindex;
	f.out_ifindex = out_ifindex;
	f.nat = BPFALG_NAT_SNAT;
	if (orig->proto == BPFALG_IPPROTO_TCP) {
		f.state = BPFALG_ST_SYN_SENT;
		f.tcp_seen[0] = BPFALG_TS_SYN;
	}
	for (__u32 i = 0; i < span; i++) {
		__u16 p = (__u16)(lo + (start + i) % span);

		f.reply.dport = htons(p);
		if (echo)
			f.reply.sport = f.reply.dport;
		if (!reply_free(ft, &f.reply))
			continue;
		f.cookie = r.cookie = new_cookie();
		if (bpf_map_update_elem(ft->rev[FLOWTAB_UNREPLIED], &f.reply,
					&r, BPF_ANY) ||
		    bpf_map_update_elem(ft->orig[FLOWTAB_UNREPLIED], orig, &f,
					BPF_NOEXIST))
			continue;
		*port = p;
		return 0;
	}
	return -1;
}

static int count_cb(const struct bpfalg_tuple *orig,
		    const struct bpfalg_flow *f, int pair, void *arg)
{
	(*(long *)arg)++;
	return 0;
}

long flowtab_count(const struct flowtab *ft)
{
	long n = 0;
	int err = flowtab_walk(ft, count_cb, &n);

	return err ? err : n;
}
