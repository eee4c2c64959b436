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

const char *const flowtab_orig_name[FLOWTAB_FAMS][FLOWTAB_PAIRS] = {
	{ "flows4", "flows4_new" },
	{ "flows6", "flows6_new" },
};
const char *const flowtab_rev_name[FLOWTAB_FAMS][FLOWTAB_PAIRS] = {
	{ "flow_rev4", "flow_rev4_new" },
	{ "flow_rev6", "flow_rev6_new" },
};

/* Entries read per bpf(BPF_MAP_LOOKUP_BATCH) call. */
#define FLOWTAB_BATCH 4096

size_t flowtab_key_size(int fam)
{
	return fam == FLOWTAB_V4 ? sizeof(struct bpfalg_key4) :
				   sizeof(struct bpfalg_tuple);
}

size_t flowtab_rev_size(int fam)
{
	return fam == FLOWTAB_V4 ? sizeof(struct bpfalg_rev4) :
				   sizeof(struct bpfalg_rev6);
}

void flowtab_key_to_tuple(int fam, const void *key, struct bpfalg_tuple *t)
{
	if (fam == FLOWTAB_V4)
		bpfalg_tuple_of4(key, t);
	else
		memcpy(t, key, sizeof(*t));
}

void flowtab_tuple_to_key(const struct bpfalg_tuple *t, void *key)
{
	if (flowtab_fam(t) == FLOWTAB_V4)
		bpfalg_key4_of(t, key);
	else
		memcpy(key, t, sizeof(*t));
}

void flowtab_rev_decode(int fam, const void *val, struct bpfalg_tuple *orig,
			__u32 *cookie)
{
	if (fam == FLOWTAB_V4) {
		const struct bpfalg_rev4 *r = val;

		bpfalg_tuple_of4(&r->orig, orig);
		*cookie = r->cookie;
	} else {
		const struct bpfalg_rev6 *r = val;

		*orig = r->orig;
		*cookie = r->cookie;
	}
}

void flowtab_init(struct flowtab *ft)
{
	for (int a = 0; a < FLOWTAB_FAMS; a++)
		for (int p = 0; p < FLOWTAB_PAIRS; p++)
			ft->orig[a][p] = ft->rev[a][p] = -1;
}

int flowtab_open(struct flowtab *ft, const char *pin_path, char *err,
		 size_t errlen)
{
	flowtab_init(ft);
	for (int a = 0; a < FLOWTAB_FAMS; a++) {
		for (int p = 0; p < FLOWTAB_PAIRS; p++) {
			ft->orig[a][p] = pins_map_fd(
				pin_path, flowtab_orig_name[a][p], err, errlen);
			if (ft->orig[a][p] < 0)
				goto fail;
			ft->rev[a][p] = pins_map_fd(
				pin_path, flowtab_rev_name[a][p], err, errlen);
			if (ft->rev[a][p] < 0)
				goto fail;
		}
	}
	return 0;
fail:
	flowtab_close(ft);
	return -1;
}

void flowtab_close(struct flowtab *ft)
{
	for (int a = 0; a < FLOWTAB_FAMS; a++) {
		for (int p = 0; p < FLOWTAB_PAIRS; p++) {
			if (ft->orig[a][p] >= 0)
				close(ft->orig[a][p]);
			if (ft->rev[a][p] >= 0)
				close(ft->rev[a][p]);
			ft->orig[a][p] = ft->rev[a][p] = -1;
		}
	}
}

static bool live(const struct bpfalg_flow *f)
{
	return f->cookie != BPFALG_COOKIE_DEAD;
}

/* One half of pair @p, keyed by tuple (flowtab.h): the family picks the
 * map and the key's form.  A union holds either key.
 */
union flowtab_key {
	struct bpfalg_key4 k4;
	struct bpfalg_tuple k6;
};

int flowtab_half_get(const struct flowtab *ft, int p,
		    const struct bpfalg_tuple *t, struct bpfalg_flow *f)
{
	union flowtab_key k;

	flowtab_tuple_to_key(t, &k);
	return bpf_map_lookup_elem(ft->orig[flowtab_fam(t)][p], &k, f);
}

int flowtab_half_put(const struct flowtab *ft, int p,
		    const struct bpfalg_tuple *t, const struct bpfalg_flow *f,
		    __u64 flags)
{
	union flowtab_key k;

	flowtab_tuple_to_key(t, &k);
	return bpf_map_update_elem(ft->orig[flowtab_fam(t)][p], &k, f, flags);
}

int flowtab_half_del(const struct flowtab *ft, int p,
		    const struct bpfalg_tuple *t)
{
	union flowtab_key k;

	flowtab_tuple_to_key(t, &k);
	return bpf_map_delete_elem(ft->orig[flowtab_fam(t)][p], &k);
}

int flowtab_rev_get(const struct flowtab *ft, int p,
		   const struct bpfalg_tuple *t, struct bpfalg_tuple *orig,
		   __u32 *cookie)
{
	union {
		struct bpfalg_rev4 r4;
		struct bpfalg_rev6 r6;
	} v;
	union flowtab_key k;
	int a = flowtab_fam(t);

	flowtab_tuple_to_key(t, &k);
	if (bpf_map_lookup_elem(ft->rev[a][p], &k, &v))
		return -1;
	flowtab_rev_decode(a, &v, orig, cookie);
	return 0;
}

int flowtab_rev_put(const struct flowtab *ft, int p,
		   const struct bpfalg_tuple *t,
		   const struct bpfalg_tuple *orig, __u32 cookie, __u64 flags)
{
	struct bpfalg_rev4 r4 = { .cookie = cookie };
	struct bpfalg_rev6 r6 = { .orig = *orig, .cookie = cookie };
	union flowtab_key k;
	int a = flowtab_fam(t);

	flowtab_tuple_to_key(t, &k);
	bpfalg_key4_of(orig, &r4.orig);
	return bpf_map_update_elem(ft->rev[a][p], &k,
				   a == FLOWTAB_V4 ? (void *)&r4 : (void *)&r6,
				   flags);
}

int flowtab_rev_del(const struct flowtab *ft, int p,
		   const struct bpfalg_tuple *t)
{
	union flowtab_key k;

	flowtab_tuple_to_key(t, &k);
	return bpf_map_delete_elem(ft->rev[flowtab_fam(t)][p], &k);
}

int flowtab_lookup(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   struct bpfalg_flow *f, int *pair)
{
	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		if (!flowtab_half_get(ft, p, orig, f) && live(f)) {
			if (pair)
				*pair = p;
			return 0;
		}
	}
	return -1;
}

int flowtab_lookup_reply(const struct flowtab *ft,
			 const struct bpfalg_tuple *reply,
			 struct bpfalg_tuple *orig, struct bpfalg_flow *f)
{
	struct bpfalg_tuple o;
	__u32 cookie;

	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		if (flowtab_rev_get(ft, p, reply, &o, &cookie) ||
		    flowtab_half_get(ft, p, &o, f) || !live(f) || f->cookie != cookie)
			continue;
		*orig = o;
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

/* Does pair @p's reply half @reply belong to a live flow other than
 * @cookie's?
 */
static bool rev_held(const struct flowtab *ft, int p,
		     const struct bpfalg_tuple *reply, __u32 cookie)
{
	struct bpfalg_tuple o;
	struct bpfalg_flow cur;
	__u32 c;

	return !flowtab_rev_get(ft, p, reply, &o, &c) && c != cookie &&
	       !flowtab_half_get(ft, p, &o, &cur) && live(&cur) && cur.cookie == c;
}

int flowtab_insert(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   struct bpfalg_flow *f)
{
	struct bpfalg_tuple reply;
	struct bpfalg_flow cur;

	bpfalg_flow_reply(f, orig, &reply);
	/* a live flow keyed by the same tuple, or one holding the reply */
	if (!flowtab_lookup(ft, orig, &cur, NULL) || !reply_free(ft, &reply))
		return -1;
	f->cookie = new_cookie();
	if (flowtab_rev_put(ft, FLOWTAB_ANSWERED, &reply, orig, f->cookie, BPF_ANY))
		return -1;
	if (flowtab_half_put(ft, FLOWTAB_ANSWERED, orig, f, BPF_ANY))
		return -1; /* the reply half alone is a miss: nothing to undo */
	/* the datapath may have claimed the same tuple meanwhile: give way */
	if (rev_held(ft, FLOWTAB_UNREPLIED, &reply, f->cookie)) {
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
	return flowtab_half_put(ft, p, orig, &f, BPF_EXIST) ? -1 : 0;
}

/* The halves of flow @orig in pair @p that still carry @cookie: 0 when
 * its original half was deleted.
 */
static int delete_pair(const struct flowtab *ft, int p,
		       const struct bpfalg_tuple *orig, __u32 cookie)
{
	struct bpfalg_tuple reply, o;
	struct bpfalg_flow f;
	__u32 c;

	if (flowtab_half_get(ft, p, orig, &f) || f.cookie != cookie)
		return -1;
	bpfalg_flow_reply(&f, orig, &reply);
	if (!flowtab_rev_get(ft, p, &reply, &o, &c) && c == cookie)
		flowtab_rev_del(ft, p, &reply);
	/* read once more: the datapath may have replaced it */
	if (!flowtab_half_get(ft, p, orig, &f) && f.cookie == cookie &&
	    !flowtab_half_del(ft, p, orig))
		return 0;
	return -1;
}

int flowtab_delete(const struct flowtab *ft, const struct bpfalg_tuple *orig,
		   __u32 cookie)
{
	int ret = -1;

	for (int p = 0; p < FLOWTAB_PAIRS; p++)
		if (!delete_pair(ft, p, orig, cookie))
			ret = 0;
	return ret;
}

/* One answered flow less for the inside host of @orig (a read, then a
 * write: a flow the datapath counts in between is lost from the count
 * until the controller's sweep recounts, as after an eviction).
 */
static void host_put(int hosts_fd, const struct bpfalg_tuple *orig)
{
	struct bpfalg_host_key k = { .family = orig->family };
	__u32 n;

	memcpy(k.addr, orig->saddr, sizeof(k.addr));
	if (bpf_map_lookup_elem(hosts_fd, &k, &n))
		return;
	if (n <= 1) {
		bpf_map_delete_elem(hosts_fd, &k);
		return;
	}
	n--;
	bpf_map_update_elem(hosts_fd, &k, &n, BPF_EXIST);
}

int flowtab_remove(const struct flowtab *ft, int hosts_fd,
		   const struct bpfalg_tuple *orig, const struct bpfalg_flow *f)
{
	int ret = -1;

	for (int p = 0; p < FLOWTAB_PAIRS; p++) {
		if (delete_pair(ft, p, orig, f->cookie))
			continue;
		ret = 0;
		if (p == FLOWTAB_ANSWERED && hosts_fd >= 0 &&
		    !(f->flags & BPFALG_FF_INBOUND))
			host_put(hosts_fd, orig);
	}
	return ret;
}

int flowtab_walk(const struct flowtab *ft, flowtab_cb cb, void *arg)
{
	unsigned char *keys =
		calloc(FLOWTAB_BATCH, sizeof(struct bpfalg_tuple));
	struct bpfalg_flow *vals = calloc(FLOWTAB_BATCH, sizeof(*vals));
	struct bpfalg_tuple t;
	int ret = 0;

	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	for (int a = 0; a < FLOWTAB_FAMS && !ret; a++) {
		size_t ksz = flowtab_key_size(a);

		for (int p = 0; p < FLOWTAB_PAIRS && !ret; p++) {
			DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
			__u64 batch = 0;
			bool first = true;

			for (;;) {
				__u32 n = FLOWTAB_BATCH;
				int err = bpf_map_lookup_batch(
					ft->orig[a][p], first ? NULL : &batch,
					&batch, keys, vals, &n, &opts);

				if (err && errno != ENOENT) {
					ret = -errno;
					break;
				}
				first = false;
				for (__u32 i = 0; i < n && !ret; i++) {
					if (!live(&vals[i]))
						continue;
					flowtab_key_to_tuple(a, keys + i * ksz,
							     &t);
					ret = cb(&t, &vals[i], p, arg);
				}
				if (err || ret) /* ENOENT: the last batch */
					break;
			}
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
	__u32 span = (__u32)hi - lo + 1, start = 0, cookie;
	struct bpfalg_flow f = { 0 }, cur;
	struct bpfalg_tuple reply = { 0 };
	bool echo = orig->proto == BPFALG_IPPROTO_ICMP;
	__u64 now = mono_ns();

	(void)out_ifindex;
	if (!lo || lo > hi || orig->family != BPFALG_AF_INET)
		return -1;
	/* made meanwhile (a retransmission that found a port itself) */
	if (!flowtab_lookup(ft, orig, &cur, NULL)) {
		*port = ntohs(cur.reply4.dport);
		return 0;
	}
	if (getrandom(&start, sizeof(start), 0) != sizeof(start))
		start = (__u32)now;
	reply.saddr[0] = orig->daddr[0];
	reply.daddr[0] = pub;
	reply.sport = orig->dport;
	reply.proto = orig->proto;
	reply.family = orig->family;
	f.created_s = (__u32)(now / 1000000000ULL);
	f.last_seen_ns = now;
	f.in_ifindex = in_ifindex;
	f.nat = BPFALG_NAT_SNAT;
	if (orig->proto == BPFALG_IPPROTO_TCP) {
		f.state = BPFALG_ST_SYN_SENT;
		f.tcp_seen[0] = BPFALG_TS_SYN;
	}
	for (__u32 i = 0; i < span; i++) {
		__u16 p = (__u16)(lo + (start + i) % span);

		reply.dport = htons(p);
		if (echo)
			reply.sport = reply.dport;
		if (!reply_free(ft, &reply))
			continue;
		bpfalg_flow_set_reply(&f, &reply);
		f.cookie = cookie = new_cookie();
		if (flowtab_rev_put(ft, FLOWTAB_UNREPLIED, &reply, orig, cookie,
			    BPF_ANY) ||
		    flowtab_half_put(ft, FLOWTAB_UNREPLIED, orig, &f, BPF_NOEXIST))
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
