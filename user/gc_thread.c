// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* gc_thread.c - see gc_thread.h. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gc_thread.h"
#include "engine/events.h"
#include "pins.h"
#include "util/log.h"

struct gc_thread {
	pthread_t tid;
	struct gc_maps m;
	char pin_path[PATH_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC: stop wakes the wait */
	bool stop;
	struct gc_ended *q; /* ended flows and pinholes for events */
	struct gc_ended *q_out; /* the other buffer: the loop reports it */
	size_t qn;
	unsigned long long qdropped;
	struct gc_stats st; /* the thread's; published with gc_totals */
};

static bool stopping(struct gc_thread *t)
{
	bool s;

	pthread_mutex_lock(&t->mu);
	s = t->stop;
	pthread_mutex_unlock(&t->mu);
	return s;
}

static void queue_ended(void *arg, const struct gc_ended *e)
{
	struct gc_thread *t = arg;

	pthread_mutex_lock(&t->mu);
	if (t->qn < GC_QUEUE_MAX)
		t->q[t->qn++] = *e;
	else
		t->qdropped++;
	pthread_mutex_unlock(&t->mu);
}

/* Sleep until @deadline (CLOCK_MONOTONIC ns) or a stop request. */
static void wait_until(struct gc_thread *t, __u64 deadline)
{
	struct timespec ts = { .tv_sec = deadline / 1000000000ULL,
			       .tv_nsec = deadline % 1000000000ULL };

	pthread_mutex_lock(&t->mu);
	while (!t->stop && mono_ns() < deadline)
		if (pthread_cond_timedwait(&t->cv, &t->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&t->mu);
}

static void *gc_main(void *arg)
{
	struct gc_thread *t = arg;
	struct bpfalg_timeouts to = { 0 };
	struct gc_state gs = { 0 };
	char err[256];

	while (!stopping(t)) {
		struct bpfalg_config c;
		__u64 start = mono_ns(), busy0 = t->st.busy_ns, gap;
		__u64 ended0 = t->st.flows_expired + t->st.rev_orphans;
		int r;

		if (!pins_read_cfg(t->pin_path, &c, err, sizeof(err))) {
			to = c.timeouts;
			gs.count_hosts = c.max_flows_per_host != 0;
		}
		while (!(r = gc_step(&t->m, &gs, &to, mono_ns(), &t->st)))
			if (stopping(t))
				goto out;
		if (r < 0)
			pr_warn("[gc] sweep failed: %s (retried)\n",
				strerror(-r));
		gc_totals_publish(&t->st);
		/* a sweep that ended flows may have more due soon (a flood's
		 * flows expire together): come back sooner
		 */
		gap = (t->st.flows_expired + t->st.rev_orphans > ended0 ?
			       GC_CPU_SHARE_BUSY :
			       GC_CPU_SHARE) *
		      (t->st.busy_ns - busy0);
		if (gap < GC_INTERVAL_NS)
			gap = GC_INTERVAL_NS;
		if (gap > GC_INTERVAL_MAX_NS)
			gap = GC_INTERVAL_MAX_NS;
		wait_until(t, start + gap);
	}
out:
	gc_state_free(&gs);
	gc_totals_publish(&t->st);
	return NULL;
}

struct gc_thread *gc_thread_start(const char *pin_path,
				  const struct gc_maps *m, char *err,
				  size_t errlen)
{
	struct gc_thread *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	int e;

	if (!t || !(t->q = calloc(GC_QUEUE_MAX, sizeof(*t->q))) ||
	    !(t->q_out = calloc(GC_QUEUE_MAX, sizeof(*t->q_out)))) {
		snprintf(err, errlen, "expiry sweep: out of memory");
		goto fail;
	}
	t->m = *m;
	t->m.ended = queue_ended;
	t->m.arg = t;
	snprintf(t->pin_path, sizeof(t->pin_path), "%s", pin_path);
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	e = pthread_create(&t->tid, NULL, gc_main, t);
	if (e) {
		snprintf(err, errlen, "cannot start the expiry sweep: %s",
			 strerror(e));
		goto fail;
	}
	return t;
fail:
	if (t) {
		free(t->q);
		free(t->q_out);
	}
	free(t);
	return NULL;
}

void gc_thread_drain(struct gc_thread *t)
{
	unsigned long long dropped;
	struct gc_ended *q;
	size_t n;

	if (!t)
		return;
	/* swap the buffers: the sweep goes on filling the other one */
	pthread_mutex_lock(&t->mu);
	q = t->q;
	t->q = t->q_out;
	t->q_out = q;
	n = t->qn;
	t->qn = 0;
	dropped = t->qdropped;
	t->qdropped = 0;
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < n; i++) {
		const struct gc_ended *e = &q[i];

		if (e->kind == GC_ENDED_FLOW)
			events_flow(EV_FLOW_END, &e->flow.k, &e->flow.f,
				    "expired");
		else
			events_pinhole(EV_PH_EXPIRED, NULL, &e->ph.k, &e->ph.v,
				       NULL);
	}
	if (dropped)
		pr_warn("[gc] %llu expiry events not reported: more than %d "
			"ended between two ticks\n",
			dropped, GC_QUEUE_MAX);
}

void gc_thread_stop(struct gc_thread *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->tid, NULL);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t->q);
	free(t->q_out);
	free(t);
}
