// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_crr - TCP connect/request/response/close load tool for make bench
 * (workload 3: TCP connection rate through a gateway).
 *
 *   tcp_crr server [-b ADDR] [-p PORT] [-r RESP] [-d SECONDS]
 *   tcp_crr client -s ADDR [-p PORT] [-c CONC] [-d SECONDS] [-w WARM]
 *                  [-q REQ] [-r RESP] [-t TIMEOUT_MS] [-L rst|fin]
 *
 * One transaction: connect, send REQ bytes (the last one '\n'), read
 * exactly RESP bytes, close.  The client keeps CONC transactions in flight
 * in one epoll loop (one thread: on a 2-CPU testbed more threads only add
 * scheduling between the client, the server and the gateway's softirq
 * work), for WARM seconds unrecorded, then DUR seconds recorded, and
 * prints one JSON line: transactions completed per second, failures by
 * cause, and the whole transaction's latency (connect() to the last
 * response byte) p50/p90/p99/max, nearest rank.
 *
 * The server (one epoll loop) reads up to the '\n', writes RESP bytes,
 * then waits for the client to close, so it never closes first and holds
 * no TIME_WAIT; it prints its counters as one JSON line on SIGTERM/SIGINT
 * or after -d seconds.
 *
 * Close: "-L rst" (default) sets SO_LINGER {1, 0}, so close() sends a RST
 * and the client keeps no TIME_WAIT.  With an ordinary close ("-L fin")
 * every client port stays in TIME_WAIT for 60 s, so the ~28,000 ports of
 * the default ephemeral range cap the rate at ~470 connections/s in the
 * long run: the tool would measure the client's port supply, not the
 * gateway.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC 4096
#define MAX_REQ 4096 /* also the server's limit for a request line */
#define MAX_RESP 65536
#define MAX_EVENTS 256

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *msg)
{
	fprintf(stderr, "tcp_crr: %s\n", msg);
	exit(1);
}

static void die_errno(const char *what)
{
	fprintf(stderr, "tcp_crr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: tcp_crr server [-b ADDR] [-p PORT] [-r RESP] "
			"[-d SECONDS]\n"
			"       tcp_crr client -s ADDR [-p PORT] [-c CONC] [-d "
			"SECONDS] [-w WARM]\n"
			"                      [-q REQ] [-r RESP] [-t "
			"TIMEOUT_MS] [-L rst|fin]\n");
	exit(2);
}

/* Strict number parsing: the whole argument, within [lo, hi]. */
static double arg_num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "tcp_crr: bad value for -%s: '%s' (%g..%g)\n",
			opt, s, lo, hi);
		exit(2);
	}
	return v;
}

static struct in_addr arg_addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "tcp_crr: not an IPv4 address: '%s'\n", s);
		exit(2);
	}
	return a;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	/* One fd per connection; the server may hold many briefly. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ------------------------------------------------------------ server */

struct sconn {
	uint32_t seen; /* request bytes read */
	uint32_t sent; /* response bytes written */
	bool answering; /* the '\n' arrived: respond, then wait for close */
};

struct server_stats {
	uint64_t accepted, served, peer_fin, peer_rst, bad_request;
	uint64_t early_close, accept_errors, io_errors;
};

static int server_write(int fd, struct sconn *c, const char *resp,
			uint32_t resp_len)
{
	while (c->sent < resp_len) {
		ssize_t n = send(fd, resp + c->sent, resp_len - c->sent,
				 MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->sent += (uint32_t)n;
	}
	return 1;
}

static int run_server(int argc, char **argv)
{
	struct in_addr bind_addr = { htonl(INADDR_ANY) };
	uint16_t port = 8000;
	uint32_t resp_len = 256;
	double dur = 0;
	struct server_stats st = { 0 };
	struct epoll_event ev, evs[MAX_EVENTS];
	struct sockaddr_in sa = { 0 };
	struct sconn *conns;
	struct rlimit rl;
	char *resp, buf[MAX_REQ];
	int opt, lfd, ep, one = 1;
	size_t nconns;
	uint64_t t_end = 0;

	while ((opt = getopt(argc, argv, "b:p:r:d:")) != -1) {
		switch (opt) {
		case 'b':
			bind_addr = arg_addr(optarg);
			break;
		case 'p':
			port = (uint16_t)arg_num("p", optarg, 1, 65535);
			break;
		case 'r':
			resp_len = (uint32_t)arg_num("r", optarg, 1, MAX_RESP);
			break;
		case 'd':
			dur = arg_num("d", optarg, 0, 86400);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	raise_nofile();
	if (getrlimit(RLIMIT_NOFILE, &rl))
		die_errno("getrlimit");
	nconns = rl.rlim_cur > (1u << 20) ? (1u << 20) : rl.rlim_cur;
	conns = calloc(nconns, sizeof(*conns));
	resp = malloc(resp_len);
	if (!conns || !resp)
		die("out of memory");
	memset(resp, 'r', resp_len);
	resp[resp_len - 1] = '\n';

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die_errno("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr = bind_addr;
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)))
		die_errno("bind");
	if (listen(lfd, 4096))
		die_errno("listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die_errno("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		die_errno("epoll_ctl listen");
	signal(SIGPIPE, SIG_IGN);
	/* no SA_RESTART: epoll_wait returns EINTR on SIGTERM */
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal },
		  NULL);
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	if (dur > 0)
		t_end = now_ns() + (uint64_t)(dur * 1e9);

	while (!stop_flag && (!t_end || now_ns() < t_end)) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, 100);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			struct sconn *c;
			bool close_it = false;

			if (fd == lfd) {
				for (;;) {
					int cfd = accept4(lfd, NULL, NULL,
							  SOCK_NONBLOCK |
								  SOCK_CLOEXEC);

					if (cfd < 0) {
						if (errno != EAGAIN &&
						    errno != ECONNABORTED)
							st.accept_errors++;
						break;
					}
					if ((size_t)cfd >= nconns) {
						st.accept_errors++;
						close(cfd);
						continue;
					}
					conns[cfd] = (struct sconn){ 0 };
					ev.events = EPOLLIN;
					ev.data.fd = cfd;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd,
						      &ev)) {
						st.accept_errors++;
						close(cfd);
						continue;
					}
					st.accepted++;
				}
				continue;
			}
			c = &conns[fd];
			if (c->answering && c->sent < resp_len &&
			    (evs[i].events & EPOLLOUT)) {
				int r = server_write(fd, c, resp, resp_len);

				if (r < 0) {
					st.io_errors++;
					close_it = true;
				} else if (r > 0) {
					st.served++;
					ev.events = EPOLLIN;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				}
			}
			while (!close_it && (evs[i].events &
					     (EPOLLIN | EPOLLERR | EPOLLHUP))) {
				ssize_t r = recv(fd, buf, sizeof(buf), 0);

				if (r < 0 && errno == EAGAIN)
					break;
				if (r <= 0) {
					/* the client's close: RST (-L rst) or FIN */
					if (!c->answering || c->sent < resp_len)
						st.early_close++;
					else if (r == 0)
						st.peer_fin++;
					else if (errno == ECONNRESET)
						st.peer_rst++;
					else
						st.io_errors++;
					close_it = true;
					break;
				}
				if (c->answering)
					continue; /* bytes after the request: ignored */
				if (memchr(buf, '\n', (size_t)r)) {
					int w;

					c->answering = true;
					w = server_write(fd, c, resp, resp_len);
					if (w < 0) {
						st.io_errors++;
						close_it = true;
					} else if (w > 0) {
						st.served++;
					} else {
						ev.events = EPOLLIN | EPOLLOUT;
						ev.data.fd = fd;
						epoll_ctl(ep, EPOLL_CTL_MOD, fd,
							  &ev);
					}
				} else if ((c->seen += (uint32_t)r) >=
					   MAX_REQ) {
					st.bad_request++;
					close_it = true;
				}
			}
			if (close_it)
				close(fd); /* also leaves the epoll set */
		}
	}
	printf("{\"tool\": \"tcp_crr\", \"mode\": \"server\", \"port\": %u, "
	       "\"resp_bytes\": %u, \"accepted\": %llu, \"served\": %llu, "
	       "\"peer_rst\": %llu, \"peer_fin\": %llu, \"early_close\": %llu, "
	       "\"bad_request\": %llu, \"accept_errors\": %llu, "
	       "\"io_errors\": %llu}\n",
	       port, resp_len, (unsigned long long)st.accepted,
	       (unsigned long long)st.served, (unsigned long long)st.peer_rst,
	       (unsigned long long)st.peer_fin,
	       (unsigned long long)st.early_close,
	       (unsigned long long)st.bad_request,
	       (unsigned long long)st.accept_errors,
	       (unsigned long long)st.io_errors);
	return 0;
}

/* ------------------------------------------------------------ client */

enum cstate { C_IDLE, C_CONNECTING, C_READING };

struct cconn {
	int fd;
	enum cstate state;
	uint64_t t0; /* transaction start (before connect) */
	uint64_t retry_at; /* C_IDLE: start no earlier than this */
	uint32_t got; /* response bytes read */
};

/* Failure causes, in the JSON as "fail_<name>". */
enum fail {
	F_REFUSED, /* RST to the SYN */
	F_RESET, /* RST later */
	F_TIMEOUT, /* no completion within -t */
	F_ADDR, /* no local port (EADDRNOTAVAIL) */
	F_CONNECT, /* any other connect error (unreachable, ...) */
	F_SHORT, /* EOF before the whole response */
	F_PROTO, /* more bytes than the response */
	F_IO, /* other send/recv errors */
	F_NUM
};
static const char *const fail_name[F_NUM] = {
	"refused", "reset", "timeout", "addr",
	"connect", "short", "proto",   "io",
};

struct client {
	struct sockaddr_in dst;
	int ep;
	int conc;
	bool rst_close;
	uint32_t req_len, resp_len;
	uint64_t timeout_ns;
	uint64_t t_win0, t_win1; /* recorded window [t_win0, t_win1) */
	char *req;
	struct cconn *c;
	uint64_t *lat;
	size_t nlat, caplat;
	uint64_t fails[F_NUM], warm_ok, warm_failed, abandoned;
};

static bool in_window(const struct client *cl, uint64_t t)
{
	return t >= cl->t_win0 && t < cl->t_win1;
}

static void conn_close(struct client *cl, struct cconn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* RST with SO_LINGER {1, 0} */
	c->fd = -1;
	c->state = C_IDLE;
	c->got = 0;
}

static void conn_fail(struct client *cl, struct cconn *c, enum fail f,
		      uint64_t now)
{
	if (in_window(cl, now))
		cl->fails[f]++;
	else if (now < cl->t_win0)
		cl->warm_failed++;
	conn_close(cl, c);
	/* a refused or unroutable peer would otherwise spin this slot */
	c->retry_at = now + 1000000;
}

static enum fail errno_fail(int err, bool connecting)
{
	switch (err) {
	case ECONNREFUSED:
		return connecting ? F_REFUSED : F_RESET;
	case ECONNRESET:
		return F_RESET;
	case ETIMEDOUT:
		return F_TIMEOUT;
	case EADDRNOTAVAIL:
		return F_ADDR;
	default:
		return connecting ? F_CONNECT : F_IO;
	}
}

static void conn_done(struct client *cl, struct cconn *c, uint64_t now)
{
	if (in_window(cl, now)) {
		if (cl->nlat == cl->caplat) {
			size_t cap = cl->caplat ? cl->caplat * 2 : 65536;
			uint64_t *p = realloc(cl->lat, cap * sizeof(*p));

			if (!p)
				die("out of memory (latency samples)");
			cl->lat = p;
			cl->caplat = cap;
		}
		cl->lat[cl->nlat++] = now - c->t0;
	} else if (now < cl->t_win0) {
		cl->warm_ok++;
	}
	conn_close(cl, c);
	c->retry_at = 0;
}

static void conn_start(struct client *cl, int idx, uint64_t now)
{
	static const struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	struct cconn *c = &cl->c[idx];
	struct epoll_event ev;
	int one = 1, fd;

	c->t0 = now;
	c->got = 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_fail(cl, c, F_IO, now);
		return;
	}
	c->fd = fd;
	if (cl->rst_close)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&cl->dst, sizeof(cl->dst)) &&
	    errno != EINPROGRESS) {
		conn_fail(cl, c, errno_fail(errno, true), now);
		return;
	}
	c->state = C_CONNECTING;
	ev.events = EPOLLOUT;
	ev.data.u32 = (uint32_t)idx;
	if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, fd, &ev))
		die_errno("epoll_ctl");
}

static void conn_event(struct client *cl, int idx, uint32_t events)
{
	struct cconn *c = &cl->c[idx];
	char buf[MAX_RESP + 1];
	uint64_t now;

	if (c->state == C_CONNECTING) {
		struct epoll_event ev;
		socklen_t len = sizeof(int);
		int err = 0;
		ssize_t n;

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err) {
			conn_fail(cl, c, errno_fail(err, true), now_ns());
			return;
		}
		/* REQ bytes fit an empty send buffer: one call, no EAGAIN */
		n = send(c->fd, cl->req, cl->req_len, MSG_NOSIGNAL);
		if (n != (ssize_t)cl->req_len) {
			conn_fail(cl, c,
				  n < 0 ? errno_fail(errno, false) : F_IO,
				  now_ns());
			return;
		}
		c->state = C_READING;
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)idx;
		if (epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev))
			die_errno("epoll_ctl");
		return;
	}
	if (c->state != C_READING ||
	    !(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return;
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EAGAIN)
			return;
		now = now_ns();
		if (n < 0) {
			conn_fail(cl, c, errno_fail(errno, false), now);
			return;
		}
		if (n == 0) {
			conn_fail(cl, c, F_SHORT, now);
			return;
		}
		c->got += (uint32_t)n;
		if (c->got > cl->resp_len) {
			conn_fail(cl, c, F_PROTO, now);
			return;
		}
		if (c->got == cl->resp_len) {
			conn_done(cl, c, now);
			return;
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* nearest rank: the smallest sample with at least q of all at or below it */
static double pct_us(const uint64_t *v, size_t n, double q)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)(q * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)v[rank - 1] / 1000.0;
}

static int run_client(int argc, char **argv)
{
	struct client cl = { 0 };
	struct epoll_event evs[MAX_EVENTS];
	const char *server = NULL;
	uint16_t port = 8000;
	double dur = 3, warm = 0.5;
	uint64_t t_start, t_end, failed = 0;
	int opt;

	cl.conc = 32;
	cl.req_len = 64;
	cl.resp_len = 256;
	cl.timeout_ns = 3000000000ull;
	cl.rst_close = true;
	while ((opt = getopt(argc, argv, "s:p:c:d:w:q:r:t:L:")) != -1) {
		switch (opt) {
		case 's':
			server = optarg;
			break;
		case 'p':
			port = (uint16_t)arg_num("p", optarg, 1, 65535);
			break;
		case 'c':
			cl.conc = (int)arg_num("c", optarg, 1, MAX_CONC);
			break;
		case 'd':
			dur = arg_num("d", optarg, 0.01, 86400);
			break;
		case 'w':
			warm = arg_num("w", optarg, 0, 3600);
			break;
		case 'q':
			cl.req_len = (uint32_t)arg_num("q", optarg, 1, MAX_REQ);
			break;
		case 'r':
			cl.resp_len =
				(uint32_t)arg_num("r", optarg, 1, MAX_RESP);
			break;
		case 't':
			cl.timeout_ns =
				(uint64_t)(arg_num("t", optarg, 1, 600000) *
					   1e6);
			break;
		case 'L':
			if (!strcmp(optarg, "rst"))
				cl.rst_close = true;
			else if (!strcmp(optarg, "fin"))
				cl.rst_close = false;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !server)
		usage();
	cl.dst.sin_family = AF_INET;
	cl.dst.sin_port = htons(port);
	cl.dst.sin_addr = arg_addr(server);
	raise_nofile();
	cl.req = malloc(cl.req_len);
	cl.c = calloc((size_t)cl.conc, sizeof(*cl.c));
	if (!cl.req || !cl.c)
		die("out of memory");
	memset(cl.req, 'q', cl.req_len);
	cl.req[cl.req_len - 1] = '\n';
	cl.ep = epoll_create1(EPOLL_CLOEXEC);
	if (cl.ep < 0)
		die_errno("epoll_create1");
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal },
		  NULL);
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);

	t_start = now_ns();
	cl.t_win0 = t_start + (uint64_t)(warm * 1e9);
	cl.t_win1 = cl.t_win0 + (uint64_t)(dur * 1e9);
	t_end = cl.t_win1;
	for (int i = 0; i < cl.conc; i++) {
		cl.c[i].fd = -1;
		conn_start(&cl, i, now_ns());
	}
	while (!stop_flag) {
		uint64_t now = now_ns();
		bool waiting = false;
		int n;

		if (now >= t_end)
			break;
		/* timeouts, and slots waiting after a failure */
		for (int i = 0; i < cl.conc; i++) {
			struct cconn *c = &cl.c[i];

			if (c->state != C_IDLE) {
				if (now - c->t0 > cl.timeout_ns)
					conn_fail(&cl, c, F_TIMEOUT, now);
				else
					continue;
			}
			if (now >= c->retry_at)
				conn_start(&cl, i, now);
			else
				waiting = true;
		}
		n = epoll_wait(cl.ep, evs, MAX_EVENTS, waiting ? 1 : 10);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int idx = (int)evs[i].data.u32;

			conn_event(&cl, idx, evs[i].events);
			/* a finished slot starts its next transaction at once */
			if (cl.c[idx].state == C_IDLE && !cl.c[idx].retry_at &&
			    now_ns() < t_end)
				conn_start(&cl, idx, now_ns());
		}
	}
	for (int i = 0; i < cl.conc; i++) {
		if (cl.c[i].state != C_IDLE) {
			cl.abandoned++;
			conn_close(&cl, &cl.c[i]);
		}
	}
	if (stop_flag)
		die("interrupted before the end of the window");

	for (int f = 0; f < F_NUM; f++)
		failed += cl.fails[f];
	qsort(cl.lat, cl.nlat, sizeof(*cl.lat), cmp_u64);
	printf("{\"tool\": \"tcp_crr\", \"mode\": \"client\", \"server\": "
	       "\"%s:%u\", "
	       "\"conc\": %d, \"close\": \"%s\", \"req_bytes\": %u, "
	       "\"resp_bytes\": %u, \"warm_s\": %.3f, \"dur_s\": %.3f, "
	       "\"completed\": %zu, \"cps\": %.1f, \"failed\": %llu",
	       server, port, cl.conc, cl.rst_close ? "rst" : "fin", cl.req_len,
	       cl.resp_len, warm, dur, cl.nlat, (double)cl.nlat / dur,
	       (unsigned long long)failed);
	for (int f = 0; f < F_NUM; f++)
		printf(", \"fail_%s\": %llu", fail_name[f],
		       (unsigned long long)cl.fails[f]);
	printf(", \"lat_p50_us\": %.1f, \"lat_p90_us\": %.1f, "
	       "\"lat_p99_us\": %.1f, \"lat_max_us\": %.1f, \"warm_ok\": %llu, "
	       "\"warm_failed\": %llu, \"abandoned\": %llu}\n",
	       pct_us(cl.lat, cl.nlat, 0.50), pct_us(cl.lat, cl.nlat, 0.90),
	       pct_us(cl.lat, cl.nlat, 0.99),
	       cl.nlat ? (double)cl.lat[cl.nlat - 1] / 1000.0 : 0.0,
	       (unsigned long long)cl.warm_ok,
	       (unsigned long long)cl.warm_failed,
	       (unsigned long long)cl.abandoned);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		return run_server(argc - 1, argv + 1);
	if (!strcmp(argv[1], "client"))
		return run_client(argc - 1, argv + 1);
	usage();
	return 2;
}
