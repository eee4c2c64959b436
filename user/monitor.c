// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* monitor.c - see monitor.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfalg.h"
#include "engine/events.h"
#include "monitor.h"
#include "flowtab.h"
#include "pins.h"
#include "util/log.h"

#define SNDBUF (4 * 1024 * 1024)

enum sub_type { SUB_PENDING, SUB_EVENTS_JSON, SUB_EVENTS_TEXT, SUB_CAPTURE };

struct sub {
	int fd;
	enum sub_type type;
	unsigned int alg; /* capture filter, 0 any */
	uint32_t session; /* capture filter, 0 any */
	uint64_t lost; /* not delivered since the last message that was */
	pid_t pid;
};

struct monitor {
	const char *pin_path;
	int lfd, ep;
	const struct flowtab *ft; /* the daemon's, for new-flow reports */
	struct sub sub[MONITOR_MAX_SUBSCRIBERS];
	int n;
	bool flow_events; /* the datapath flag as last written */
};

static uint64_t dropped_total;
static uint64_t n_events_subs, n_capture_subs;

int monitor_sockaddr(const char *pin_path, struct sockaddr_un *sa,
		     socklen_t *len)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace, no file */
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
		     "bpfalg-events:%s", pin_path);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path) - 1)
		return -1;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	return 0;
}

void monitor_stats_read(struct monitor_stats *st)
{
	st->events_subscribers =
		__atomic_load_n(&n_events_subs, __ATOMIC_RELAXED);
	st->capture_subscribers =
		__atomic_load_n(&n_capture_subs, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&dropped_total, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------ subscribers */

static void recount(struct monitor *m)
{
	uint64_t ev = 0, cap = 0;

	for (int i = 0; i < m->n; i++) {
		if (m->sub[i].type == SUB_EVENTS_JSON ||
		    m->sub[i].type == SUB_EVENTS_TEXT)
			ev++;
		else if (m->sub[i].type == SUB_CAPTURE)
			cap++;
	}
	events_subscribers = (int)ev;
	events_capturers = (int)cap;
	__atomic_store_n(&n_events_subs, ev, __ATOMIC_RELAXED);
	__atomic_store_n(&n_capture_subs, cap, __ATOMIC_RELAXED);
}

uint32_t monitor_cfg_flags(const struct monitor *m, uint32_t flags)
{
	if (m && events_subscribers)
		return flags | BPFALG_CF_FLOW_EVENTS;
	return flags & ~BPFALG_CF_FLOW_EVENTS;
}

/* New flows are reported by TC only while somebody reads them. */
static void sync_flow_flag(struct monitor *m)
{
	bool want = events_subscribers > 0;
	struct bpfalg_config c;
	char err[256];

	if (want == m->flow_events ||
	    pins_read_cfg(m->pin_path, &c, err, sizeof(err)))
		return;
	c.flags = monitor_cfg_flags(m, c.flags);
	if (pins_write_cfg(m->pin_path, &c, err, sizeof(err)))
		pr_warn("[monitor] %s\n", err);
	else
		m->flow_events = want;
}

static void drop_sub(struct monitor *m, int i)
{
	epoll_ctl(m->ep, EPOLL_CTL_DEL, m->sub[i].fd, NULL);
	close(m->sub[i].fd);
	if (m->sub[i].type != SUB_PENDING)
		pr_info("[monitor] subscriber pid %d left\n", m->sub[i].pid);
	m->sub[i] = m->sub[--m->n];
	recount(m);
	sync_flow_flag(m);
}

static int find_sub(struct monitor *m, int fd)
{
	for (int i = 0; i < m->n; i++)
		if (m->sub[i].fd == fd)
			return i;
	return -1;
}

/* Never wait: a full socket is a lost message, counted. */
static bool send_msg(struct sub *s, const void *a, size_t alen, const void *b,
		     size_t blen)
{
	struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };

	if (sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return true;
	s->lost++;
	__atomic_fetch_add(&dropped_total, 1, __ATOMIC_RELAXED);
	return false;
}

static void reply(int fd, const char *msg)
{
	send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The subscriber's one request: what it wants. */
static void on_request(struct monitor *m, int i)
{
	struct sub *s = &m->sub[i];
	char buf[256], what[16] = "", fmt[16] = "";
	unsigned int alg = 0, session = 0;
	ssize_t n = recv(s->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop_sub(m, i);
		return;
	}
	buf[n] = '\0';
	if (strncmp(buf, MONITOR_HELLO, strlen(MONITOR_HELLO)) ||
	    sscanf(buf + strlen(MONITOR_HELLO), "%15s %15s", what, fmt) < 1) {
		reply(s->fd, "error: not a request of this algctl's version");
		drop_sub(m, i);
		return;
	}
	if (!strcmp(what, "events") && !strcmp(fmt, "json")) {
		s->type = SUB_EVENTS_JSON;
	} else if (!strcmp(what, "events") && !strcmp(fmt, "text")) {
		s->type = SUB_EVENTS_TEXT;
	} else if (!strcmp(what, "capture") &&
		   sscanf(buf + strlen(MONITOR_HELLO), "capture %u %u", &alg,
			  &session) == 2 &&
		   alg < BPFALG_ALG_MAX) {
		s->type = SUB_CAPTURE;
		s->alg = alg;
		s->session = session;
	} else {
		reply(s->fd, "error: unknown request");
		drop_sub(m, i);
		return;
	}
	recount(m);
	/* the datapath reports new flows before the subscriber is told
	 * it is in: nothing it triggers afterwards is missed
	 */
	sync_flow_flag(m);
	reply(s->fd, "ok");
	pr_info("[monitor] subscriber pid %d: %s%s%s\n", s->pid, what,
		fmt[0] ? " " : "", fmt);
}

static void on_accept(struct monitor *m)
{
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	int fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int sz = SNDBUF;
	struct epoll_event ev = { .events = EPOLLIN };

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) ||
	    (cr.uid != 0 && cr.uid != geteuid())) {
		reply(fd, "error: permission denied (root or the daemon's "
			  "user only)");
		close(fd);
		return;
	}
	if (m->n >= MONITOR_MAX_SUBSCRIBERS) {
		reply(fd, "error: too many subscribers (at most 16)");
		close(fd);
		return;
	}
	/* as root the buffer may exceed net.core.wmem_max */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	ev.data.fd = fd;
	if (epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		return;
	}
	m->sub[m->n++] =
		(struct sub){ .fd = fd, .type = SUB_PENDING, .pid = cr.pid };
}

void monitor_run(struct monitor *m)
{
	struct epoll_event evs[MONITOR_MAX_SUBSCRIBERS + 1];
	int n = epoll_wait(m->ep, evs, MONITOR_MAX_SUBSCRIBERS + 1, 0);

	for (int k = 0; k < n; k++) {
		int fd = evs[k].data.fd, i;

		if (fd == m->lfd) {
			on_accept(m);
			continue;
		}
		i = find_sub(m, fd);
		if (i < 0)
			continue;
		if (m->sub[i].type == SUB_PENDING &&
		    !(evs[k].events & (EPOLLHUP | EPOLLERR))) {
			on_request(m, i);
			continue;
		}
		/* a subscriber says nothing after its request: readable
		 * means it hung up
		 */
		drop_sub(m, i);
	}
}

/* ------------------------------------------------------------ sinks */

static void lost_line(const struct sub *s, char *buf, size_t cap)
{
	struct timespec ts;
	char hms[16] = "??:??:??";
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (localtime_r(&ts.tv_sec, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	if (s->type == SUB_EVENTS_JSON)
		snprintf(buf, cap,
			 "{\"ts\":%lld.%06ld,\"event\":\"lost\","
			 "\"count\":%llu}",
			 (long long)ts.tv_sec, ts.tv_nsec / 1000,
			 (unsigned long long)s->lost);
	else
		snprintf(buf, cap, "%s.%06ld %-17s %-8s count=%llu", hms,
			 ts.tv_nsec / 1000, "[lost]", "-",
			 (unsigned long long)s->lost);
}

static void on_event(void *ctx, enum ev_kind kind, const char *json,
		     size_t json_len, const char *text, size_t text_len)
{
	struct monitor *m = ctx;

	for (int i = 0; i < m->n; i++) {
		struct sub *s = &m->sub[i];
		bool js = s->type == SUB_EVENTS_JSON;

		if (!js && s->type != SUB_EVENTS_TEXT)
			continue;
		if (s->lost) {
			char l[160];
			uint64_t lost = s->lost;

			lost_line(s, l, sizeof(l));
			s->lost = 0;
			if (!send_msg(s, l, strlen(l), NULL, 0)) {
				s->lost = lost + 1;
				continue;
			}
		}
		send_msg(s, js ? json : text, js ? json_len : text_len, NULL,
			 0);
	}
}

static void on_packet(void *ctx, const struct ev_packet *p)
{
	struct monitor *m = ctx;
	size_t len = p->len < MONITOR_MSG_MAX - sizeof(struct monitor_pkt) ?
			     p->len :
			     MONITOR_MSG_MAX - sizeof(struct monitor_pkt);

	for (int i = 0; i < m->n; i++) {
		struct sub *s = &m->sub[i];
		struct monitor_pkt h = {
			.magic = MONITOR_PKT_MAGIC,
			.kind = (uint8_t)p->kind,
			.alg = (uint8_t)p->alg,
			.hdr_len = sizeof(h),
			.session = p->session,
			.ifindex = p->ifindex,
			.orig_len = p->orig_len,
			.real_ns = p->real_ns,
		};

		if (s->type != SUB_CAPTURE || (s->alg && s->alg != p->alg) ||
		    (s->session && s->session != p->session))
			continue;
		h.lost =
			(uint32_t)(s->lost > UINT32_MAX ? UINT32_MAX : s->lost);
		if (send_msg(s, &h, sizeof(h), p->data, len))
			s->lost = 0;
	}
}

bool monitor_datapath_record(struct monitor *m, const void *rec, size_t size)
{
	const struct bpfalg_punt_hdr *h = rec;
	struct bpfalg_flow f;
	bool have;

	if (size < sizeof(*h) || h->reason != BPFALG_PUNT_FLOW_NEW)
		return false;
	if (!events_subscribers || h->layout_version != BPFALG_LAYOUT_VERSION)
		return true;
	/* the record names the key; the binding is in the table (unless
	 * the flow is gone again already)
	 */
	have = m && m->ft && !flowtab_lookup(m->ft, &h->key, &f, NULL);
	events_flow_(EV_FLOW_NEW, &h->key, have ? &f : NULL, NULL);
	return true;
}

/* -------------------------------------------------------- lifecycle */

struct monitor *monitor_open(const char *pin_path, const struct flowtab *ft,
			     char *err,
			     size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_un sa;
	struct monitor *m;
	socklen_t sl;

	if (monitor_sockaddr(pin_path, &sa, &sl)) {
		snprintf(err, errlen,
			 "pin path too long for the events socket name");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->pin_path = pin_path;
	m->ft = ft;
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	m->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (m->ep < 0 || m->lfd < 0) {
		snprintf(err, errlen, "events socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(m->lfd, (struct sockaddr *)&sa, sl)) {
		snprintf(err, errlen, "events socket @%s: %s", sa.sun_path + 1,
			 errno == EADDRINUSE ?
				 "in use (another daemon for these pins in "
				 "this network namespace)" :
				 strerror(errno));
		goto fail;
	}
	ev.data.fd = m->lfd;
	if (listen(m->lfd, 8) || epoll_ctl(m->ep, EPOLL_CTL_ADD, m->lfd, &ev)) {
		snprintf(err, errlen, "events socket: %s", strerror(errno));
		goto fail;
	}
	events_set_sinks(on_event, on_packet, m);
	/* a daemon killed while somebody subscribed left the flag set */
	m->flow_events = true;
	sync_flow_flag(m);
	return m;
fail:
	if (m->lfd >= 0)
		close(m->lfd);
	if (m->ep >= 0)
		close(m->ep);
	free(m);
	return NULL;
}

int monitor_fd(const struct monitor *m)
{
	return m->ep;
}

void monitor_close(struct monitor *m)
{
	if (!m)
		return;
	events_set_sinks(NULL, NULL, NULL);
	while (m->n)
		drop_sub(m, m->n - 1);
	close(m->lfd);
	close(m->ep);
	free(m);
}

/* ----------------------------------------------------------- client */

int monitor_subscribe(const char *pin_path, const char *request, char *err,
		      size_t errlen)
{
	struct sockaddr_un sa;
	struct pollfd pfd;
	char msg[256];
	socklen_t sl;
	ssize_t n;
	int fd;

	if (monitor_sockaddr(pin_path, &sa, &sl)) {
		snprintf(err, errlen, "pin path too long: %s", pin_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sl)) {
		if (errno == ECONNREFUSED || errno == ENOENT)
			snprintf(err, errlen,
				 "no controller running for %s in this network "
				 "namespace (start algctl daemon; it serves "
				 "events and capture)",
				 pin_path);
		else
			snprintf(err, errlen, "cannot reach the controller: %s",
				 strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(msg, sizeof(msg), MONITOR_HELLO "%s", request);
	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL) < 0) {
		snprintf(err, errlen, "cannot reach the controller: %s",
			 strerror(errno));
		close(fd);
		return -1;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 5000) != 1) {
		snprintf(err, errlen,
			 "the controller did not answer within 5 s");
		close(fd);
		return -1;
	}
	n = recv(fd, msg, sizeof(msg) - 1, 0);
	if (n <= 0) {
		snprintf(err, errlen, "the controller closed the connection");
		close(fd);
		return -1;
	}
	msg[n] = '\0';
	if (strcmp(msg, "ok")) {
		snprintf(err, errlen, "the controller refused: %s",
			 strncmp(msg, "error: ", 7) ? msg : msg + 7);
		close(fd);
		return -1;
	}
	return fd;
}
