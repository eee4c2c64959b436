// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* gc.c - see gc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "gc.h"
#include "bpfalg_timeout.h"
#include "engine/events.h"

/* Keys are collected first and deleted after the walk: deleting the
 * current key would restart bpf_map_get_next_key() from the beginning.
 */
struct keyvec {
	void *keys;
	size_t n, cap, size;
};

static int keyvec_push(struct keyvec *v, const void *key)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		void *k = realloc(v->keys, cap * v->size);

		if (!k)
			return -ENOMEM;
		v->keys = k;
		v->cap = cap;
	}
	memcpy((char *)v->keys + v->n * v->size, key, v->size);
	v->n++;
	return 0;
}

static void *keyvec_at(struct keyvec *v, size_t i)
{
	return (char *)v->keys + i * v->size;
}

int gc_flow_expired(const struct bpfalg_flow *f,
		    const struct bpfalg_tuple *orig,
		    const struct bpfalg_timeouts *to, __u64 now)
{
	__u64 limit = (__u64)bpfalg_flow_timeout(f, orig, to) * 1000000000ULL;

	return now > f->last_seen_ns && now - f->last_seen_ns > limit;
}

static int gc_flows(const struct gc_maps *m, const struct bpfalg_timeouts *to,
		    __u64 now, struct gc_stats *st)
{
	struct keyvec v = { .size = sizeof(struct bpfalg_tuple) };
	struct bpfalg_tuple key, *prev = NULL, owner;
	struct bpfalg_flow f;
	int ret = 0;

	while (!bpf_map_get_next_key(m->flows, prev, &key)) {
		prev = &key;
		if (!bpf_map_lookup_elem(m->flows, &key, &f) &&
		    gc_flow_expired(&f, &key, to, now) &&
		    (ret = keyvec_push(&v, &key)))
			goto out;
	}
	for (size_t i = 0; i < v.n; i++) {
		struct bpfalg_tuple *k = keyvec_at(&v, i);

		/* re-check: traffic may have refreshed it since the walk */
		if (bpf_map_lookup_elem(m->flows, k, &f) ||
		    !gc_flow_expired(&f, k, to, now))
			continue;
		if (!bpf_map_lookup_elem(m->flow_rev, &f.reply, &owner) &&
		    !memcmp(&owner, k, sizeof(owner)))
			bpf_map_delete_elem(m->flow_rev, &f.reply);
		if (bpf_map_delete_elem(m->flows, k))
			continue;
		st->flows_expired++;
		events_flow(EV_FLOW_END, k, &f, "expired");
	}
out:
	free(v.keys);
	return ret;
}

static int gc_orphans(const struct gc_maps *m, struct gc_stats *st)
{
	struct keyvec v = { .size = sizeof(struct bpfalg_tuple) };
	struct bpfalg_tuple key, *prev = NULL, orig;
	struct bpfalg_flow f;
	int ret = 0;

	while (!bpf_map_get_next_key(m->flow_rev, prev, &key)) {
		prev = &key;
		if (!bpf_map_lookup_elem(m->flow_rev, &key, &orig) &&
		    bpf_map_lookup_elem(m->flows, &orig, &f) &&
		    (ret = keyvec_push(&v, &key)))
			goto out;
	}
	for (size_t i = 0; i < v.n; i++) {
		struct bpfalg_tuple *k = keyvec_at(&v, i);

		/* the datapath may have re-created the flow meanwhile */
		if (bpf_map_lookup_elem(m->flow_rev, k, &orig) ||
		    !bpf_map_lookup_elem(m->flows, &orig, &f))
			continue;
		if (!bpf_map_delete_elem(m->flow_rev, k))
			st->rev_orphans++;
	}
out:
	free(v.keys);
	return ret;
}

static int gc_pinholes(const struct gc_maps *m, __u64 now, struct gc_stats *st)
{
	struct keyvec v = { .size = sizeof(struct bpfalg_pinhole_key) };
	struct bpfalg_pinhole_key key, *prev = NULL;
	struct bpfalg_pinhole ph;
	int ret = 0;

	while (!bpf_map_get_next_key(m->pinholes, prev, &key)) {
		prev = &key;
		if (!bpf_map_lookup_elem(m->pinholes, &key, &ph) &&
		    ph.expires_ns < now && (ret = keyvec_push(&v, &key)))
			goto out;
	}
	for (size_t i = 0; i < v.n; i++) {
		if (bpf_map_lookup_elem(m->pinholes, keyvec_at(&v, i), &ph) ||
		    ph.expires_ns >= now)
			continue;
		if (bpf_map_delete_elem(m->pinholes, keyvec_at(&v, i)))
			continue;
		st->pinholes_expired++;
		events_pinhole(EV_PH_EXPIRED, NULL, keyvec_at(&v, i), &ph, NULL);
	}
out:
	free(v.keys);
	return ret;
}

static int gc_frags(const struct gc_maps *m, __u64 now, struct gc_stats *st)
{
	struct keyvec v = { .size = sizeof(struct bpfalg_frag_key) };
	struct bpfalg_frag_key key, *prev = NULL;
	struct bpfalg_frag fr;
	int ret = 0;

	while (!bpf_map_get_next_key(m->frags, prev, &key)) {
		prev = &key;
		if (!bpf_map_lookup_elem(m->frags, &key, &fr) &&
		    now > fr.seen_ns && now - fr.seen_ns > GC_FRAG_MAX_AGE_NS &&
		    (ret = keyvec_push(&v, &key)))
			goto out;
	}
	for (size_t i = 0; i < v.n; i++)
		if (!bpf_map_delete_elem(m->frags, keyvec_at(&v, i)))
			st->frags_expired++;
out:
	free(v.keys);
	return ret;
}

int gc_run(const struct gc_maps *m, const struct bpfalg_timeouts *to, __u64 now,
	   struct gc_stats *st)
{
	int ret = gc_flows(m, to, now, st);

	if (!ret)
		ret = gc_orphans(m, st);
	if (!ret)
		ret = gc_pinholes(m, now, st);
	if (!ret)
		ret = gc_frags(m, now, st);
	return ret;
}
