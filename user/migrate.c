// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* migrate.c - see migrate.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfalg.h"
#include "bpfalg_settings.h"
#include "loader.h"
#include "migrate.h"
#include "pins.h"
#include "util/log.h"

#define MIG_MAPS 96
#define MIG_LINKS 256
#define MIG_BATCH 4096

/* A set of fixed-size keys: appended, then sorted once, then searched. */
struct keyset {
	__u8 *keys;
	size_t n, cap, ksz;
};

struct mig_map {
	char name[NAME_MAX + 1];
	int old_fd, new_fd;
	struct bpf_map_info old, new;
	long copied, added; /* first pass, second pass */
	struct keyset seen; /* keys of the first pass (maps but the flows') */
};

/* A hook as it was before the swap: its program held until the end. */
struct mig_hook {
	char link[PATH_MAX + NAME_MAX + 2]; /* pinned link, or "" for clsact */
	int ifindex;
	enum bpf_tc_attach_point where; /* clsact */
	int prog_fd;
};

struct migration {
	char pin[PATH_MAX], stage[PATH_MAX];
	int paused; /* the controller that paused for us, 0 none */
	__u32 since_s; /* the first copy began (the datapath's created_s) */
	struct mig_map maps[MIG_MAPS];
	int n_maps;
	struct mig_hook hooks[MIG_LINKS];
	int n_hooks;
	__u32 new_ids[MIG_MAPS]; /* every map in the staging directory */
	int n_new;
	unsigned long long t0, t_copied; /* begun, first pass done */
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* The head of cfg (flags, controller_pid) is the same in every layout. */
static int cfg_head(const char *pin_path, __u32 *flags, __u32 *pid)
{
	struct bpf_map_info info;
	__u8 val[512];
	__u32 zero = 0;
	char err[256];
	int fd = pins_map_fd(pin_path, "cfg", err, sizeof(err)), ret;

	if (fd < 0)
		return fd;
	ret = map_info(fd, &info);
	if (!ret &&
	    (info.value_size > sizeof(val) ||
	     info.value_size < offsetof(struct bpfalg_config, controller_pid) +
				       sizeof(__u32) ||
	     bpf_map_lookup_elem(fd, &zero, val)))
		ret = -EINVAL;
	close(fd);
	if (ret)
		return ret;
	memcpy(flags, val + offsetof(struct bpfalg_config, flags),
	       sizeof(*flags));
	memcpy(pid, val + offsetof(struct bpfalg_config, controller_pid),
	       sizeof(*pid));
	return 0;
}

int migrate_quiesce(const char *pin_path)
{
	__u32 flags, pid;

	if (cfg_head(pin_path, &flags, &pid) || !pid ||
	    pid == (__u32)getpid() || kill((pid_t)pid, 0))
		return 0;
	if (kill((pid_t)pid, SIGUSR1))
		return 0;
	for (int i = 0; i < MIGRATE_PAUSE_WAIT_MS / 10; i++) {
		if (kill((pid_t)pid, 0) && errno == ESRCH) {
			pr_warn("migration: the controller (pid %u) could not "
				"pause and stopped; its service manager starts "
				"it again\n",
				pid);
			return 0;
		}
		if (!cfg_head(pin_path, &flags, &pid) &&
		    (flags & BPFALG_CF_CTL_PAUSED)) {
			pr_info("migration: the controller (pid %u) paused\n",
				pid);
			return (int)pid;
		}
		usleep(10000);
	}
	pr_warn("migration: the controller (pid %u) did not pause within "
		"%d ms: what it writes meanwhile may be lost\n",
		pid, MIGRATE_PAUSE_WAIT_MS);
	return 0;
}

void migrate_resume(const char *pin_path)
{
	struct bpfalg_config c;
	char err[256];

	if (!pins_read_cfg(pin_path, &c, err, sizeof(err))) {
		c.flags &= ~BPFALG_CF_CTL_PAUSED;
		pins_write_cfg(pin_path, &c, err, sizeof(err));
	}
}

int migrate_stage_path(const char *pin_path, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s-next", pin_path);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

__u32 migrate_cfg_id(const char *pin_path)
{
	struct bpf_map_info info;
	char path[PATH_MAX];
	int fd;

	if (pins_path(path, sizeof(path), pin_path, "cfg"))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (map_info(fd, &info))
		info.id = 0;
	close(fd);
	return info.id;
}

int migrate_check(const char *pin_path, __u32 flows, char *why, size_t whylen,
		  char *err, size_t errlen)
{
	struct bpf_map_info info;
	__u32 zero = 0, version;
	__u8 val[512];
	long have;
	int fd, ret;

	why[0] = '\0';
	if (!pins_exist(pin_path))
		return 0;
	fd = pins_map_fd(pin_path, "cfg", err, errlen);
	if (fd < 0)
		return fd;
	ret = map_info(fd, &info);
	if (!ret && (info.value_size < sizeof(version) ||
		     info.value_size > sizeof(val) ||
		     bpf_map_lookup_elem(fd, &zero, val)))
		ret = -EINVAL;
	close(fd);
	if (ret) {
		snprintf(err, errlen,
			 "cannot read the configuration pinned under %s: "
			 "run algctl down first",
			 pin_path);
		return ret;
	}
	/* every layout starts its cfg with the version */
	memcpy(&version, val, sizeof(version));
	if (version > BPFALG_LAYOUT_VERSION) {
		snprintf(err, errlen,
			 "maps pinned under %s have a newer layout (v%u) than "
			 "this algctl (v%d): use the newer algctl, or algctl "
			 "down first",
			 pin_path, version, BPFALG_LAYOUT_VERSION);
		return -EINVAL;
	}
	if (version && version != BPFALG_LAYOUT_VERSION) {
		snprintf(why, whylen, "layout v%u to v%d", version,
			 BPFALG_LAYOUT_VERSION);
		return 1;
	}
	if (info.value_size != sizeof(struct bpfalg_config)) {
		snprintf(err, errlen,
			 "the configuration pinned under %s has another size "
			 "than layout v%d's: run algctl down first",
			 pin_path, BPFALG_LAYOUT_VERSION);
		return -EINVAL;
	}
	have = pins_max_entries(pin_path, "flows4");
	if (have > 0 && (__u32)have != flows) {
		snprintf(why, whylen, "flow table of %ld to %u entries", have,
			 flows);
		return 1;
	}
	return 0;
}

/* Remove a directory of pins (no subdirectories) and the directory. */
static void unpin_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		char p[PATH_MAX + NAME_MAX + 2];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

void migrate_stage_remove(const char *pin_path)
{
	char stage[PATH_MAX];

	if (!migrate_stage_path(pin_path, stage, sizeof(stage)))
		unpin_dir(stage);
}

int migrate_stage_create(const char *pin_path, char *err, size_t errlen)
{
	char stage[PATH_MAX];

	if (migrate_stage_path(pin_path, stage, sizeof(stage))) {
		snprintf(err, errlen, "pin path too long: %s", pin_path);
		return -ENAMETOOLONG;
	}
	unpin_dir(stage); /* an interrupted migration's */
	if (mkdir(stage, 0700)) {
		int ret = -errno;

		snprintf(err, errlen, "cannot create %s: %s", stage,
			 strerror(errno));
		return ret;
	}
	return 0;
}

static bool per_cpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool hash_type(__u32 type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Bytes a lookup of one element writes (per-CPU: one slot per CPU). */
static size_t value_bytes(const struct bpf_map_info *i, int ncpus)
{
	return per_cpu(i->type) ? ((i->value_size + 7) & ~7u) * (size_t)ncpus :
				  i->value_size;
}

/*
 * One element into the new map, a value of another size padded with
 * zeros (or cut: never, see can_copy()).
 */
static int put_one(struct mig_map *m, const void *key, const void *val,
		   void *buf, int ncpus, __u64 flags)
{
	const void *v = val;

	if (m->old.value_size != m->new.value_size) {
		size_t so = per_cpu(m->old.type) ?
				    (m->old.value_size + 7) & ~7u :
				    m->old.value_size;
		size_t sn = per_cpu(m->new.type) ?
				    (m->new.value_size + 7) & ~7u :
				    m->new.value_size;
		int slots = per_cpu(m->new.type) ? ncpus : 1;

		memset(buf, 0, sn * slots);
		for (int c = 0; c < slots; c++)
			memcpy((char *)buf + c * sn, (const char *)val + c * so,
			       m->old.value_size);
		v = buf;
	}
	return bpf_map_update_elem(m->new_fd, key, v, flags) ? -errno : 0;
}

/*
 * Which maps carry over: the same type and key; a value of the same size,
 * or an array whose value grew (counters gain fields at the end).  The
 * configuration is written new by the loader; the ring buffer has no
 * elements.
 */
static bool can_copy(const struct mig_map *m)
{
	if (!strcmp(m->name, "cfg") || m->new.type == BPF_MAP_TYPE_RINGBUF)
		return false;
	if (m->old.type != m->new.type || m->old.key_size != m->new.key_size) {
		pr_warn("migration: %s changed type or key: not carried "
			"over\n",
			m->name);
		return false;
	}
	if (m->old.value_size == m->new.value_size)
		return true;
	if ((m->new.type == BPF_MAP_TYPE_ARRAY ||
	     m->new.type == BPF_MAP_TYPE_PERCPU_ARRAY) &&
	    m->new.value_size > m->old.value_size)
		return true;
	pr_warn("migration: %s's values changed size (%u to %u bytes): not "
		"carried over\n",
		m->name, m->old.value_size, m->new.value_size);
	return false;
}

/* Element by element (arrays, the LPM trie; any map). */
static long copy_each(struct mig_map *m, int ncpus, __u64 flags)
{
	size_t vb = value_bytes(&m->old, ncpus),
	       nb = value_bytes(&m->new, ncpus);
	void *k = malloc(m->old.key_size), *nk = malloc(m->old.key_size);
	void *v = malloc(vb), *buf = malloc(nb);
	long n = 0, budget = 2l * m->old.max_entries + 16;
	bool first = true;

	while (k && nk && v && buf && budget-- > 0 &&
	       !bpf_map_get_next_key(m->old_fd, first ? NULL : k, nk)) {
		first = false;
		memcpy(k, nk, m->old.key_size);
		if (bpf_map_lookup_elem(m->old_fd, k, v))
			continue; /* gone meanwhile */
		if (!put_one(m, k, v, buf, ncpus, flags))
			n++;
	}
	free(k);
	free(nk);
	free(v);
	free(buf);
	return n;
}

static int key_cmp_sz;
static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, key_cmp_sz);
}

static void keyset_add(struct keyset *s, const void *key, size_t ksz)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		__u8 *k = realloc(s->keys, cap * ksz);

		if (!k)
			return;
		s->keys = k;
		s->cap = cap;
	}
	memcpy(s->keys + s->n++ * ksz, key, ksz);
	s->ksz = ksz;
}

static void keyset_sort(struct keyset *s)
{
	key_cmp_sz = (int)s->ksz;
	if (s->n)
		qsort(s->keys, s->n, s->ksz, key_cmp);
}

static bool keyset_has(const struct keyset *s, const void *key)
{
	key_cmp_sz = (int)s->ksz;
	return s->n && bsearch(key, s->keys, s->n, s->ksz, key_cmp);
}

/*
 * The second pass adds what the old programs created between the first
 * copy and the swap, and nothing else: an entry the new programs deleted
 * after the swap must not come back (a pinhole they consumed would admit
 * a second connection).  For the flow table, whose pairs hold a million
 * entries, an original half counts when it was created after the copy
 * began (created_s), a reply half when its original half does.  Every
 * other map is small: an entry counts when the first pass did not see its
 * key (struct mig_map.seen).
 */
struct recent {
	__u32 since_s; /* created_s from here on: made during the migration */
	struct keyset orig[2]; /* the original keys taken, per family (4, 6) */
};

enum map_role { ROLE_OTHER, ROLE_ORIG, ROLE_REV };

static enum map_role flow_role(const char *name, int *fam)
{
	*fam = strchr(name, '6') ? 1 : 0;
	if (!strncmp(name, "flows", 5))
		return ROLE_ORIG;
	if (!strncmp(name, "flow_rev", 8))
		return ROLE_REV;
	return ROLE_OTHER;
}

/* Second pass: does this element go in (see struct recent)? */
static bool second_pass_keeps(struct mig_map *m, struct recent *r,
			      const void *key, const void *val)
{
	int fam;

	switch (flow_role(m->name, &fam)) {
	case ROLE_ORIG: {
		const struct bpfalg_flow *f = val;

		if (f->created_s < r->since_s)
			return false;
		keyset_add(&r->orig[fam], key, m->old.key_size);
		return true;
	}
	case ROLE_REV:
		/* the value starts with the original's key */
		return keyset_has(&r->orig[fam], val);
	default:
		return !keyset_has(&m->seen, key);
	}
}

/*
 * Hash maps in batches.  First pass (@r NULL): whole batches written as
 * they are read when the values keep their size.  Second pass: element by
 * element with BPF_NOEXIST, filtered (second_pass_keeps()).
 */
static long copy_batched(struct mig_map *m, int ncpus, __u64 flags,
			 struct recent *r)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	LIBBPF_OPTS(bpf_map_batch_opts, wo, .elem_flags = flags);
	size_t vb = value_bytes(&m->old, ncpus);
	__u8 *keys = malloc((size_t)m->old.key_size * MIG_BATCH);
	__u8 *vals = malloc(vb * MIG_BATCH);
	__u8 *buf = malloc(value_bytes(&m->new, ncpus));
	/* the batch token of a hash map is a bucket index */
	__u32 in = 0, out = 0, count;
	bool whole = !r && m->old.value_size == m->new.value_size;
	int fam;
	bool remember = flow_role(m->name, &fam) == ROLE_OTHER;
	long n = 0;
	bool first = true, done = false;

	if (!keys || !vals || !buf) {
		n = -ENOMEM;
		goto out;
	}
	while (!done) {
		int rc;

		count = MIG_BATCH;
		rc = bpf_map_lookup_batch(m->old_fd, first ? NULL : &in, &out,
					  keys, vals, &count, &o);
		if (rc && errno != ENOENT) {
			n = first ? -errno : n; /* no batches: the caller
						 * copies one by one
						 */
			break;
		}
		done = rc != 0;
		first = false;
		in = out;
		for (__u32 i = 0; !r && remember && i < count; i++)
			keyset_add(&m->seen, keys + (size_t)i * m->old.key_size,
				   m->old.key_size);
		if (whole && count) {
			__u32 wrote = count;

			if (!bpf_map_update_batch(m->new_fd, keys, vals, &wrote,
						  &wo)) {
				n += wrote;
				continue;
			}
			/* a full LRU may refuse some: one by one below */
		}
		for (__u32 i = 0; i < count; i++) {
			const __u8 *k = keys + (size_t)i * m->old.key_size;
			const __u8 *v = vals + i * vb;

			if (r && !second_pass_keeps(m, r, k, v))
				continue;
			if (!put_one(m, k, v, buf, ncpus, flags))
				n++;
		}
	}
out:
	free(keys);
	free(vals);
	free(buf);
	return n;
}

static long copy_map(struct mig_map *m, __u64 flags, struct recent *r)
{
	int ncpus = libbpf_num_possible_cpus();
	long n = -EINVAL;

	if (ncpus < 1)
		ncpus = 1;
	if (hash_type(m->old.type))
		n = copy_batched(m, ncpus, flags, r);
	if (n < 0 && !r)
		n = copy_each(m, ncpus, flags);
	return n;
}

/* The programs every hook runs now, held (their last reference may be the
 * hook itself).
 */
static void save_hooks(struct migration *m)
{
	char links[PATH_MAX], err[256];
	struct bpfalg_iface ifc;
	__u32 key, *prev = NULL;
	struct dirent *de;
	DIR *d;
	int fd;

	if (!pins_path(links, sizeof(links), m->pin, PINS_LINKS_DIR) &&
	    (d = opendir(links))) {
		while ((de = readdir(d)) && m->n_hooks < MIG_LINKS) {
			struct mig_hook *h = &m->hooks[m->n_hooks];
			struct bpf_link_info li = {};
			__u32 len = sizeof(li);

			if (de->d_name[0] == '.')
				continue;
			snprintf(h->link, sizeof(h->link), "%s/%s", links,
				 de->d_name);
			fd = bpf_obj_get(h->link);
			if (fd < 0)
				continue;
			if (!bpf_obj_get_info_by_fd(fd, &li, &len) &&
			    (h->prog_fd = bpf_prog_get_fd_by_id(li.prog_id)) >=
				    0)
				m->n_hooks++;
			close(fd);
		}
		closedir(d);
	}
	fd = pins_map_fd(m->pin, "ifaces", err, sizeof(err));
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &ifc) ||
		    !(ifc.flags & BPFALG_IFF_TC_CLSACT))
			continue;
		for (int w = 0; w < 2 && m->n_hooks < MIG_LINKS; w++) {
			struct mig_hook *h = &m->hooks[m->n_hooks];
			LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = key,
				    .attach_point =
					    w ? BPF_TC_EGRESS : BPF_TC_INGRESS);
			LIBBPF_OPTS(bpf_tc_opts, to, .handle = CLSACT_HANDLE,
				    .priority = CLSACT_PRIO);

			if (bpf_tc_query(&th, &to))
				continue;
			h->link[0] = '\0';
			h->ifindex = key;
			h->where = th.attach_point;
			h->prog_fd = bpf_prog_get_fd_by_id(to.prog_id);
			if (h->prog_fd >= 0)
				m->n_hooks++;
		}
	}
	if (fd >= 0)
		close(fd);
}

static void free_migration(struct migration *m)
{
	for (int i = 0; i < m->n_maps; i++) {
		close(m->maps[i].old_fd);
		close(m->maps[i].new_fd);
		free(m->maps[i].seen.keys);
	}
	for (int i = 0; i < m->n_hooks; i++)
		close(m->hooks[i].prog_fd);
	free(m);
}

struct migration *migrate_begin(const char *pin_path, char *err, size_t errlen)
{
	struct migration *m = calloc(1, sizeof(*m));
	struct dirent *de;
	DIR *d;

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->t0 = now_ms();
	/* created_s is CLOCK_MONOTONIC seconds; a second of margin */
	m->since_s = (__u32)(mono_ns() / 1000000000ull);
	if (m->since_s)
		m->since_s--;
	snprintf(m->pin, sizeof(m->pin), "%s", pin_path);
	if (migrate_stage_path(pin_path, m->stage, sizeof(m->stage)) ||
	    !(d = opendir(m->stage))) {
		snprintf(err, errlen, "cannot open the staging directory of %s",
			 pin_path);
		free(m);
		return NULL;
	}
	save_hooks(m);
	m->paused = migrate_quiesce(pin_path);
	while ((de = readdir(d)) && m->n_maps < MIG_MAPS) {
		struct mig_map *mm = &m->maps[m->n_maps];
		char p[PATH_MAX + NAME_MAX + 2];

		if (de->d_name[0] == '.')
			continue;
		snprintf(mm->name, sizeof(mm->name), "%s", de->d_name);
		snprintf(p, sizeof(p), "%s/%s", m->stage, de->d_name);
		mm->new_fd = bpf_obj_get(p);
		if (mm->new_fd >= 0 && !map_info(mm->new_fd, &mm->new) &&
		    m->n_new < MIG_MAPS)
			m->new_ids[m->n_new++] = mm->new.id;
		snprintf(p, sizeof(p), "%s/%s", pin_path, de->d_name);
		mm->old_fd = bpf_obj_get(p);
		if (mm->new_fd < 0 || mm->old_fd < 0 ||
		    map_info(mm->new_fd, &mm->new) ||
		    map_info(mm->old_fd, &mm->old) || !can_copy(mm)) {
			if (mm->new_fd >= 0)
				close(mm->new_fd);
			if (mm->old_fd >= 0)
				close(mm->old_fd);
			continue;
		}
		mm->copied = copy_map(mm, BPF_ANY, NULL);
		keyset_sort(&mm->seen);
		m->n_maps++;
	}
	closedir(d);
	m->t_copied = now_ms();
	return m;
}

/* Is map @id one of the maps created for the new layout? */
static bool is_new_map(const struct migration *m, __u32 id)
{
	for (int i = 0; i < m->n_new; i++)
		if (m->new_ids[i] == id)
			return true;
	return false;
}

int migrate_commit(struct migration *m, char *err, size_t errlen)
{
	char from[PATH_MAX + NAME_MAX + 2], to[PATH_MAX + NAME_MAX + 2];
	struct recent r = { .since_s = m->since_s };
	long flows = 0, added = 0;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	/* what the old programs created between the copy and the swap:
	 * original halves first (they name the reply halves to take), then
	 * the reply halves, then every other map
	 */
	static const enum map_role order[] = { ROLE_ORIG, ROLE_REV,
					       ROLE_OTHER };
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		if (order[o] == ROLE_REV) {
			keyset_sort(&r.orig[0]);
			keyset_sort(&r.orig[1]);
		}
		for (int i = 0; i < m->n_maps; i++) {
			struct mig_map *mm = &m->maps[i];
			int fam;

			if (!hash_type(mm->old.type) ||
			    flow_role(mm->name, &fam) != order[o])
				continue;
			mm->added = copy_map(mm, BPF_NOEXIST, &r);
			added += mm->added > 0 ? mm->added : 0;
		}
	}
	free(r.orig[0].keys);
	free(r.orig[1].keys);
	/* the new pins take the old names: rename() replaces atomically */
	d = opendir(m->stage);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s", m->stage, de->d_name);
		snprintf(to, sizeof(to), "%s/%s", m->pin, de->d_name);
		if (rename(from, to) && !ret) {
			ret = -errno;
			snprintf(err, errlen, "cannot move %s to %s: %s", from,
				 to, strerror(errno));
		}
	}
	if (d)
		closedir(d);
	/* maps the new layout no longer has (userspace's settings stay):
	 * every map pin is now one of the new maps, or an old one to drop
	 */
	d = opendir(m->pin);
	while (!ret && d && (de = readdir(d))) {
		struct bpf_map_info info;
		struct stat st;
		int fd;

		if (de->d_name[0] == '.' ||
		    !strcmp(de->d_name, BPFALG_SETTINGS_PIN))
			continue;
		snprintf(to, sizeof(to), "%s/%s", m->pin, de->d_name);
		if (stat(to, &st) || S_ISDIR(st.st_mode))
			continue;
		fd = bpf_obj_get(to);
		if (fd < 0)
			continue;
		if (!map_info(fd, &info) && !is_new_map(m, info.id))
			unlink(to);
		close(fd);
	}
	if (d)
		closedir(d);
	rmdir(m->stage);
	for (int i = 0; i < m->n_maps; i++) {
		const struct mig_map *mm = &m->maps[i];

		if (!strncmp(mm->name, "flows", 5) && mm->copied > 0)
			flows += mm->copied;
		pr_debug("migration: %s: %ld copied, %ld added after the "
			 "swap\n",
			 mm->name, mm->copied, mm->added);
	}
	pr_warn("migration: %d maps carried over (%ld flow halves, %ld "
		"entries created during the swap) in %llu ms (copy %llu ms)\n",
		m->n_maps, flows, added, now_ms() - m->t0, m->t_copied - m->t0);
	free_migration(m);
	return ret;
}

void migrate_abort(struct migration *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n_hooks; i++) {
		struct mig_hook *h = &m->hooks[i];

		if (h->link[0]) {
			int fd = bpf_obj_get(h->link);

			if (fd >= 0) {
				bpf_link_update(fd, h->prog_fd, NULL);
				close(fd);
			}
		} else {
			LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = h->ifindex,
				    .attach_point = h->where);
			LIBBPF_OPTS(bpf_tc_opts, to, .handle = CLSACT_HANDLE,
				    .priority = CLSACT_PRIO,
				    .prog_fd = h->prog_fd,
				    .flags = BPF_TC_F_REPLACE);

			bpf_tc_attach(&th, &to);
		}
	}
	unpin_dir(m->stage);
	if (m->paused)
		migrate_resume(m->pin);
	free_migration(m);
}
