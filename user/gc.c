// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* gc.c - see gc.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "gc.h"
#include "bpfalg_timeout.h"
#include "engine/events.h"
#include "pins.h"

/*
 * The sweep walks, in order, each family's answered then unreplied pair
 * (IPv4, then IPv6): phase GC_ORIG + i and GC_REV + i are the original and
 * reply halves of family i / FLOWTAB_PAIRS, pair i % FLOWTAB_PAIRS.  Every
 * original half is read before any reply half, so that the set of seen
 * original halves is whole when the reply halves are checked against it,
 * and the per-host counts (both families) before they are published.
 */
#define GC_MAPS (FLOWTAB_FAMS * FLOWTAB_PAIRS)
enum gc_phase {
	GC_ORIG = 0, /* original halves: expired or dead ones end */
	GC_REV = GC_ORIG + GC_MAPS, /* reply halves whose original is gone */
	GC_SMALL = GC_REV + GC_MAPS, /* pinholes and fragment records, whole */
	GC_DONE,
};

static int phase_fam(int i)
{
	return i / FLOWTAB_PAIRS;
}

static int phase_pair(int i)
{
	return i % FLOWTAB_PAIRS;
}

/* Entries read per bpf() call. */
#define GC_BATCH 1024

/* ------------------------------------------------ set of seen halves */

/* Open addressing over 64-bit hashes of (family, pair, key in the map's
 * form, cookie): 8 bytes per flow.  A false "seen" only spares a stale
 * reply half until the next sweep (or its LRU eviction); it is never a
 * wrong delete, since every delete is preceded by a lookup.
 */
struct gc_set {
	__u64 *slot;
	size_t mask, n;
};

/* FNV-1a over @len bytes from @seed, folded. */
static __u64 fnv(const void *p, size_t len, __u64 seed)
{
	const unsigned char *b = p;
	__u64 h = 1469598103934665603ULL ^ seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

/* A half of family @fam, pair @pair: @key is struct bpfalg_key4 (IPv4) or
 * struct bpfalg_tuple (IPv6), as the maps hold it.
 */
static __u64 half_hash(int fam, int pair, const void *key, __u32 cookie)
{
	__u64 seed = (__u64)(fam * FLOWTAB_PAIRS + pair) << 32 | cookie;
	__u64 h = fnv(key, flowtab_key_size(fam), seed);

	return h ? h : 1;
}

static int set_grow(struct gc_set *s)
{
	size_t cap = s->slot ? 2 * (s->mask + 1) : 1 << 16;
	__u64 *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; s->slot && i <= s->mask; i++) {
		size_t j = s->slot[i] & (cap - 1);

		if (!s->slot[i])
			continue;
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->mask = cap - 1;
	return 0;
}

static int set_add(struct gc_set *s, __u64 h)
{
	size_t j;

	if ((!s->slot || 2 * (s->n + 1) > s->mask + 1) && set_grow(s))
		return -ENOMEM;
	for (j = h & s->mask; s->slot[j]; j = (j + 1) & s->mask)
		if (s->slot[j] == h)
			return 0;
	s->slot[j] = h;
	s->n++;
	return 0;
}

static bool set_has(const struct gc_set *s, __u64 h)
{
	if (!s->slot)
		return false;
	for (size_t j = h & s->mask; s->slot[j]; j = (j + 1) & s->mask)
		if (s->slot[j] == h)
			return true;
	return false;
}

static void set_free(struct gc_set *s)
{
	if (s)
		free(s->slot);
	free(s);
}

/* -------------------------------------- answered flows per inside host */

struct gc_hosts {
	struct host_slot {
		struct bpfalg_host_key k;
		__u32 n; /* 0: empty slot */
	} *slot;
	size_t mask, used;
};

static size_t host_hash(const struct bpfalg_host_key *k)
{
	return (size_t)fnv(k, sizeof(*k), 0);
}

static int hosts_add(struct gc_hosts *h, const struct bpfalg_tuple *t)
{
	struct bpfalg_host_key k = { .family = t->family };
	size_t j;

	memcpy(k.addr, t->saddr, sizeof(k.addr));
	if (!h->slot || 2 * (h->used + 1) > h->mask + 1) {
		size_t cap = h->slot ? 2 * (h->mask + 1) : 1024;
		struct host_slot *ns = calloc(cap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; h->slot && i <= h->mask; i++) {
			if (!h->slot[i].n)
				continue;
			for (j = host_hash(&h->slot[i].k) & (cap - 1); ns[j].n;
			     j = (j + 1) & (cap - 1))
				;
			ns[j] = h->slot[i];
		}
		free(h->slot);
		h->slot = ns;
		h->mask = cap - 1;
	}
	for (j = host_hash(&k) & h->mask; h->slot[j].n; j = (j + 1) & h->mask)
		if (!memcmp(&h->slot[j].k, &k, sizeof(k))) {
			h->slot[j].n++;
			return 0;
		}
	h->slot[j].k = k;
	h->slot[j].n = 1;
	h->used++;
	return 0;
}

static bool hosts_has(const struct gc_hosts *h, const struct bpfalg_host_key *k)
{
	if (!h->slot)
		return false;
	for (size_t j = host_hash(k) & h->mask; h->slot[j].n;
	     j = (j + 1) & h->mask)
		if (!memcmp(&h->slot[j].k, k, sizeof(*k)))
			return true;
	return false;
}

static void hosts_free(struct gc_hosts *h)
{
	if (h)
		free(h->slot);
	free(h);
}

/*
 * Write the counts the sweep made over the datapath's: evictions and
 * expiries are invisible to it.  Hosts without answered flows go.  (A
 * flow made between the count and the write is missed until the next
 * sweep: the limit is approximate by that much.)
 */
static void hosts_publish(const struct gc_maps *m, const struct gc_hosts *h)
{
	struct bpfalg_host_key k, next, *prev = NULL;
	struct bpfalg_host_key gone[256];
	unsigned int n = 0;

	for (size_t i = 0; h->slot && i <= h->mask; i++)
		if (h->slot[i].n)
			bpf_map_update_elem(m->hosts, &h->slot[i].k,
					    &h->slot[i].n, BPF_ANY);
	while (n < 256 && !bpf_map_get_next_key(m->hosts, prev, &next)) {
		k = next;
		prev = &k;
		if (!hosts_has(h, &k))
			gone[n++] = k;
	}
	for (unsigned int i = 0; i < n; i++)
		bpf_map_delete_elem(m->hosts, &gone[i]);
}

/* --------------------------------------------------------- the sweep */

int gc_flow_expired(const struct bpfalg_flow *f,
		    const struct bpfalg_tuple *orig,
		    const struct bpfalg_timeouts *to, __u64 now)
{
	__u64 limit = (__u64)bpfalg_flow_timeout(f, orig, to) * 1000000000ULL;

	return now > f->last_seen_ns && now - f->last_seen_ns > limit;
}

/* One batch of @fd from gs->batch: up to *n entries; 1 at the map's end. */
static int read_batch(int fd, struct gc_state *gs, void *keys, void *vals,
		      __u32 *n)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int err = bpf_map_lookup_batch(fd, gs->started ? &gs->batch : NULL,
				       &gs->batch, keys, vals, n, &opts);

	gs->started = true;
	if (err && errno == ENOENT)
		return 1;
	return err ? -errno : 0;
}

/*
 * Batch buffers, in the maps' forms: keys of either family (16 or 40 bytes
 * apart), original halves, reply halves (struct bpfalg_rev4, 20 bytes
 * apart, or struct bpfalg_rev6).  The sweep runs on one thread.
 */
static unsigned char gc_keys[GC_BATCH * sizeof(struct bpfalg_tuple)]
	__attribute__((aligned(8)));
static struct bpfalg_flow gc_flows[GC_BATCH];
static unsigned char gc_revs[GC_BATCH * sizeof(struct bpfalg_rev6)]
	__attribute__((aligned(8)));

/* The original key (map form) and cookie reply half @v names. */
static const void *rev_orig(int fam, const void *v, __u32 *cookie)
{
	const struct bpfalg_rev4 *r4 = v;
	const struct bpfalg_rev6 *r6 = v;

	if (fam == FLOWTAB_V4) {
		*cookie = r4->cookie;
		return &r4->orig;
	}
	*cookie = r6->cookie;
	return &r6->orig;
}

/*
 * End a flow the sweep found idle past its timeout (or dead): @key is its
 * original key in map form, @t the same as a tuple.
 */
static int end_flow(const struct gc_maps *m, int fam, int pair, const void *key,
		    const struct bpfalg_tuple *t,
		    const struct bpfalg_flow *seen,
		    const struct bpfalg_timeouts *to, __u64 now,
		    struct gc_stats *st)
{
	int fd = m->ft.orig[fam][pair];
	struct bpfalg_flow f;
	bool dead = seen->cookie == BPFALG_COOKIE_DEAD;

	/* read again: traffic may have refreshed it since the batch */
	if (bpf_map_lookup_elem(fd, key, &f) || f.cookie != seen->cookie ||
	    (!dead && !gc_flow_expired(&f, t, to, now)))
		return 0;
	if (dead) {
		/* superseded by the datapath: its own delete, no event */
		if (!bpf_map_delete_elem(fd, key))
			st->rev_orphans++;
		return 1;
	}
	if (flowtab_delete(&m->ft, t, f.cookie))
		return 0;
	st->flows_expired++;
	if (m->ended && events_subscribers) {
		struct gc_ended e = { .kind = GC_ENDED_FLOW };

		e.flow.k = *t;
		e.flow.f = f;
		m->ended(m->arg, &e);
	}
	return 1;
}

/* Take @n entries (and @deleted deletions) off the slice's budget. */
static void charge(__u32 *budget, __u32 n, __u32 deleted)
{
	__u64 cost = n + (__u64)deleted * GC_DELETE_COST;

	*budget = cost >= *budget ? 0 : *budget - (__u32)cost;
}

int gc_census_proto(__u8 proto)
{
	switch (proto) {
	case BPFALG_IPPROTO_TCP:
		return GC_P_TCP;
	case BPFALG_IPPROTO_UDP:
		return GC_P_UDP;
	case BPFALG_IPPROTO_ICMP:
		return GC_P_ICMP;
	case BPFALG_IPPROTO_ICMPV6:
		return GC_P_ICMP6;
	}
	return GC_P_OTHER;
}

/* A live original half (@t its tuple) into the census. */
static void census_flow(struct gc_census *c, const struct bpfalg_tuple *t,
			const struct bpfalg_flow *f)
{
	if (f->state < BPFALG_ST_MAX)
		c->by[gc_census_proto(t->proto)][f->state]++;
	if (f->nat < 3)
		c->nat[f->nat]++;
	if ((f->flags & BPFALG_FF_CONTROL) && f->alg < BPFALG_ALG_MAX)
		c->control[f->alg]++;
}

static int sweep_orig(const struct gc_maps *m, struct gc_state *gs, int fam,
		      int pair, const struct bpfalg_timeouts *to, __u64 now,
		      struct gc_stats *st, __u32 *budget)
{
	size_t ksz = flowtab_key_size(fam);

	while (*budget) {
		__u32 n = GC_BATCH; /* fewer could split a hash bucket */
		int end = read_batch(m->ft.orig[fam][pair], gs, gc_keys,
				     gc_flows, &n);
		__u32 deleted = 0;

		if (end < 0)
			return end;
		st->entries_read += n;
		for (__u32 i = 0; i < n; i++) {
			const void *key = gc_keys + i * ksz;
			const struct bpfalg_flow *f = &gc_flows[i];
			struct bpfalg_tuple t;

			flowtab_key_to_tuple(fam, key, &t);
			if ((f->cookie == BPFALG_COOKIE_DEAD ||
			     gc_flow_expired(f, &t, to, now)) &&
			    end_flow(m, fam, pair, key, &t, f, to, now, st)) {
				deleted++;
				continue;
			}
			gs->census.orig[fam][pair]++;
			if (f->cookie == BPFALG_COOKIE_DEAD)
				continue; /* still there, but no flow */
			census_flow(&gs->census, &t, f);
			if (set_add(gs->seen,
				    half_hash(fam, pair, key, f->cookie)) ||
			    (gs->count_hosts && pair == FLOWTAB_ANSWERED &&
			     !(f->flags & BPFALG_FF_INBOUND) &&
			     hosts_add(gs->hosts, &t)))
				return -ENOMEM;
		}
		charge(budget, n, deleted);
		if (end)
			return 1;
	}
	return 0;
}

static int sweep_rev(const struct gc_maps *m, struct gc_state *gs, int fam,
		     int pair, struct gc_stats *st, __u32 *budget)
{
	size_t ksz = flowtab_key_size(fam), vsz = flowtab_rev_size(fam);
	int ofd = m->ft.orig[fam][pair], rfd = m->ft.rev[fam][pair];

	while (*budget) {
		__u32 n = GC_BATCH;
		int end = read_batch(rfd, gs, gc_keys, gc_revs, &n);
		__u32 deleted = 0;

		if (end < 0)
			return end;
		st->entries_read += n;
		for (__u32 i = 0; i < n; i++) {
			const void *key = gc_keys + i * ksz;
			const void *v = gc_revs + i * vsz;
			struct bpfalg_rev6 r; /* the larger of the two */
			struct bpfalg_flow f;
			const void *okey;
			__u32 cookie;
			__u64 h;

			okey = rev_orig(fam, v, &cookie);
			if (set_has(gs->seen,
				    half_hash(fam, pair, okey, cookie)))
				continue;
			/* not seen: made after the walk, being made (its
			 * original half follows), or an orphan
			 */
			if (!bpf_map_lookup_elem(ofd, okey, &f) &&
			    f.cookie == cookie &&
			    f.cookie != BPFALG_COOKIE_DEAD)
				continue;
			h = half_hash(fam, pair, key, cookie);
			if (!set_has(gs->suspects, h)) {
				if (set_add(gs->next_suspects, h))
					return -ENOMEM;
				continue; /* an orphan if still so next sweep */
			}
			/* the same half still: same owner, same cookie */
			if (bpf_map_lookup_elem(rfd, key, &r) ||
			    memcmp(&r, v, vsz))
				continue;
			if (!bpf_map_delete_elem(rfd, key)) {
				st->rev_orphans++;
				deleted++;
			}
		}
		gs->census.rev[fam][pair] += n - deleted;
		charge(budget, n, deleted);
		if (end)
			return 1;
	}
	return 0;
}

/* Keys are collected first and deleted after the walk: deleting the
 * current key would restart bpf_map_get_next_key() from the beginning.
 * These tables are small (BPFALG_MAX_PINHOLES, BPFALG_MAX_FRAGS).
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
		if (m->ended && events_subscribers) {
			struct gc_ended e = { .kind = GC_ENDED_PINHOLE };

			memcpy(&e.ph.k, keyvec_at(&v, i), sizeof(e.ph.k));
			e.ph.v = ph;
			m->ended(m->arg, &e);
		}
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

/* The end of a sweep: its suspects are the next sweep's. */
static void sweep_done(struct gc_state *gs)
{
	set_free(gs->seen);
	set_free(gs->suspects);
	hosts_free(gs->hosts);
	gs->hosts = NULL;
	gs->seen = NULL;
	gs->suspects = gs->next_suspects;
	gs->next_suspects = NULL;
}

void gc_state_free(struct gc_state *gs)
{
	hosts_free(gs->hosts);
	set_free(gs->seen);
	set_free(gs->suspects);
	set_free(gs->next_suspects);
	memset(gs, 0, sizeof(*gs));
}

int gc_step(const struct gc_maps *m, struct gc_state *gs,
	    const struct bpfalg_timeouts *to, __u64 now, struct gc_stats *st)
{
	__u32 budget = GC_SLICE;
	__u64 t0 = mono_ns();
	int ret = 0;

	if (!gs->seen) {
		gs->seen = calloc(1, sizeof(*gs->seen));
		gs->next_suspects = calloc(1, sizeof(*gs->next_suspects));
		gs->hosts = calloc(1, sizeof(*gs->hosts));
		if (!gs->suspects)
			gs->suspects = calloc(1, sizeof(*gs->suspects));
		if (!gs->seen || !gs->next_suspects || !gs->suspects ||
		    !gs->hosts) {
			gc_state_free(gs);
			return -ENOMEM;
		}
		gs->phase = GC_ORIG;
		gs->started = false;
		gs->sweep_start_ns = t0;
		memset(&gs->census, 0, sizeof(gs->census));
	}
	while (budget && gs->phase != GC_DONE && ret >= 0) {
		if (gs->phase < GC_REV) {
			int i = gs->phase - GC_ORIG;

			ret = sweep_orig(m, gs, phase_fam(i), phase_pair(i), to,
					 now, st, &budget);
		} else if (gs->phase < GC_SMALL) {
			int i = gs->phase - GC_REV;

			ret = sweep_rev(m, gs, phase_fam(i), phase_pair(i), st,
					&budget);
		} else {
			ret = gc_pinholes(m, now, st);
			if (!ret)
				ret = gc_frags(m, now, st);
			ret = ret ? ret : 1;
		}
		if (ret == 1) {
			/* every original half counted: publish */
			if (gs->phase == GC_REV - 1 && gs->count_hosts &&
			    m->hosts >= 0)
				hosts_publish(m, gs->hosts);
			gs->phase++;
			gs->started = false;
			ret = 0;
		}
	}
	st->busy_ns += mono_ns() - t0;
	if (ret < 0) {
		/* start over; what is suspected stays suspected */
		set_free(gs->seen);
		set_free(gs->next_suspects);
		hosts_free(gs->hosts);
		gs->seen = gs->next_suspects = NULL;
		gs->hosts = NULL;
		return ret;
	}
	if (gs->phase != GC_DONE)
		return 0;
	st->sweeps++;
	st->last_sweep_ns = mono_ns() - gs->sweep_start_ns;
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		gs->census.done_unix_ns =
			(__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		gs->census.done_ns = mono_ns();
		gc_census_publish(&gs->census);
	}
	sweep_done(gs);
	return 1;
}

/* ------------------------------------------------------------ totals */

static struct gc_stats published;

void gc_totals_publish(const struct gc_stats *st)
{
	const __u64 *src = (const __u64 *)st;
	__u64 *dst = (__u64 *)&published;

	for (size_t i = 0; i < sizeof(*st) / sizeof(__u64); i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

void gc_totals_read(struct gc_stats *st)
{
	const __u64 *src = (const __u64 *)&published;
	__u64 *dst = (__u64 *)st;

	for (size_t i = 0; i < sizeof(*st) / sizeof(__u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* The census is larger than a few words: copied under a lock. */
static pthread_mutex_t census_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gc_census census_published;

void gc_census_publish(const struct gc_census *c)
{
	pthread_mutex_lock(&census_mu);
	census_published = *c;
	pthread_mutex_unlock(&census_mu);
}

void gc_census_read(struct gc_census *c)
{
	pthread_mutex_lock(&census_mu);
	*c = census_published;
	pthread_mutex_unlock(&census_mu);
}
