// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_doctor.c - `algctl doctor`: the troubleshooting checklist an operator
 * would otherwise run by hand, as findings with a severity and an action.
 *
 * Each concern is one function in the checks[] table; a check adds
 * findings through note()/act().  Checks that need bpfalg's state run only
 * when the pins are readable; the others (the kernel's own conntrack
 * helpers, other XDP/TC programs) also run on a machine where bpfalg was
 * never brought up, on the interfaces given with --iface.  nft and ip are
 * read through their JSON (doctor_json.c), iptables-save and conntrack
 * as text (doctor_parse.c).
 *
 * Exit status: 1 when any finding is a problem, 0 otherwise, 2 on a usage
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "algctl.h"
#include "calls_view.h"
#include "config.h"
#include "doctor_json.h"
#include "doctor_parse.h"
#include "format.h"
#include "flowtab.h"
#include "loader.h"
#include "pins.h"
#include "util/tcx.h"

/* Not in Debian 12's UAPI headers (see loader.c). */
#define ATTACH_TCX_INGRESS ((enum bpf_attach_type)46)
#define ATTACH_TCX_EGRESS ((enum bpf_attach_type)47)

/* Same rule as `algctl status`. */
#define HEARTBEAT_MAX_AGE_NS (5ULL * 1000000000ULL)
/* A tool that runs longer than this is stopped (conntrack -L on a huge
 * table): the finding says so instead of hanging the checklist.
 */
#define TOOL_TIMEOUT_MS 10000
#define MAX_PROGS 64

enum sev { SEV_OK, SEV_INFO, SEV_WARN, SEV_PROBLEM, SEV_N };
static const char *const sev_name[SEV_N] = { "ok", "info", "warn", "problem" };

struct finding {
	const char *check;
	enum sev sev;
	char *finding;
	char *action;
};

struct doc_iface {
	char name[IF_NAMESIZE];
	__u32 ifindex;
	bool ours; /* in bpfalg's interface map */
	struct bpfalg_iface ifc;
	const char *hook[HOOK_MAX]; /* loader_hook_state() */
	__u32 prog_id[HOOK_MAX]; /* bpfalg's program behind each pinned link */
};

struct doctor {
	const char *check; /* the running check's name */
	struct finding *f;
	int n, cap;
	bool oom;

	bool pins; /* bpfalg's state is readable */
	struct bpfalg_config cfg;
	struct bpfalg_alg_cfg alg[BPFALG_ALG_MAX];
	struct bpfalg_counters cnt;
	bool have_alg_stats[BPFALG_ALG_MAX];
	struct bpfalg_alg_dp_stats dp[BPFALG_ALG_MAX];
	struct bpfalg_alg_stats cs[BPFALG_ALG_MAX];

	struct doc_iface ifs[BPFALG_MAX_IFACES];
	int n_ifs;
	bool ifs_given; /* --iface */

	/* `nft -j list ruleset`, read once (nft_get()) */
	bool nft_read;
	int nft_ret; /* 0, -ENOENT (no nft), the tool's status, -EINVAL */
	char nft_err[256];
	struct nft_ruleset nft;
};

/* ------------------------------------------------------------ findings */

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

/* Add a finding of the running check; its action is "none" until act(). */
__attribute__((format(printf, 3, 4))) static void
note(struct doctor *d, enum sev sev, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (d->n == d->cap) {
		int cap = d->cap ? 2 * d->cap : 32;
		void *p = realloc(d->f, cap * sizeof(*d->f));

		if (!p) {
			d->oom = true;
			return;
		}
		d->f = p;
		d->cap = cap;
	}
	f = &d->f[d->n];
	va_start(ap, fmt);
	f->finding = vfmt(fmt, ap);
	va_end(ap);
	f->action = NULL;
	f->check = d->check;
	f->sev = sev;
	if (!f->finding) {
		d->oom = true;
		return;
	}
	d->n++;
}

/* The suggested action of the last finding. */
__attribute__((format(printf, 2, 3))) static void act(struct doctor *d,
						      const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (!d->n)
		return;
	f = &d->f[d->n - 1];
	free(f->action);
	va_start(ap, fmt);
	f->action = vfmt(fmt, ap);
	va_end(ap);
}

static const char *l4_name(__u8 l4)
{
	return l4 == 6 ? "tcp" : l4 == 17 ? "udp" : l4 ? "l4" : "tcp/udp";
}

/* "tcp port 21", "udp ports 69,6969", "every tcp port", "tcp ports other
 * than 21"
 */
static char *ports_phrase(__u8 l4, const struct dp_ports *p, char *buf,
			  size_t len)
{
	char list[128];

	dp_ports_str(p, list, sizeof(list));
	if (p->any)
		snprintf(buf, len, "every %s port", l4_name(l4));
	else if (p->neg)
		snprintf(buf, len, "%s ports other than %s", l4_name(l4),
			 list + 4);
	else
		snprintf(buf, len, "%s port%s %s", l4_name(l4),
			 p->n == 1 && p->r[0].lo == p->r[0].hi ? "" : "s",
			 list);
	return buf;
}

/* "21,2121" */
static char *alg_ports(const struct bpfalg_alg_cfg *a, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int p = 0; p < BPFALG_ALG_PORTS && a->ports[p] && off < len; p++)
		off += snprintf(buf + off, len - off, "%s%u", p ? "," : "",
				a->ports[p]);
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

/* ------------------------------------------------------------ tools */

struct line_buf {
	char *b;
	size_t len, cap;
};

static int feed(struct line_buf *lb, const char *data, size_t n,
		int (*line)(void *, const char *, size_t), void *ctx, bool eof)
{
	size_t start = 0;
	int ret = 0;

	if (n && lb->len + n > lb->cap) {
		size_t cap = (lb->len + n) * 2;
		char *p = realloc(lb->b, cap);

		if (!p)
			return -ENOMEM;
		lb->b = p;
		lb->cap = cap;
	}
	if (n)
		memcpy(lb->b + lb->len, data, n);
	lb->len += n;
	for (size_t i = 0; i < lb->len && !ret; i++) {
		if (lb->b[i] != '\n')
			continue;
		ret = line(ctx, lb->b + start, i - start);
		start = i + 1;
	}
	if (!ret && eof && start < lb->len) {
		ret = line(ctx, lb->b + start, lb->len - start);
		start = lb->len;
	}
	memmove(lb->b, lb->b + start, lb->len - start);
	lb->len -= start;
	return ret < 0 ? ret : 0;
}

static long long now_ms(void)
{
	return (long long)(mono_ns() / 1000000ULL);
}

/*
 * Run @argv (found on PATH, or in the sbin directories a restricted PATH
 * may lack) with stdout handed to @line one line at a time and the first
 * line of stderr kept in @err.  Returns the exit status, -ENOENT when the
 * tool is not installed, -ETIMEDOUT, or -errno.
 */
static int run_lines(char *const argv[],
		     int (*line)(void *, const char *, size_t), void *ctx,
		     char *err, size_t errlen)
{
	int out[2] = { -1, -1 }, er[2] = { -1, -1 }, ex[2] = { -1, -1 };
	struct line_buf lb = {};
	long long deadline = now_ms() + TOOL_TIMEOUT_MS;
	size_t elen = 0;
	int ret = 0, status, child_errno = 0;
	bool out_open = true, err_open = true;
	pid_t pid;

	err[0] = 0;
	if (pipe2(out, O_CLOEXEC) || pipe2(er, O_CLOEXEC) ||
	    pipe2(ex, O_CLOEXEC)) {
		ret = -errno;
		goto close_all;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto close_all;
	}
	if (pid == 0) {
		const char *path = getenv("PATH");
		char newpath[4096];
		int devnull = open("/dev/null", O_RDONLY);

		snprintf(newpath, sizeof(newpath), "%s:/usr/sbin:/sbin",
			 path ? path : "/usr/bin:/bin");
		setenv("PATH", newpath, 1);
		setenv("LC_ALL", "C", 1); /* the format the parsers read */
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(er[1], 2);
		execvp(argv[0], argv);
		child_errno = errno;
		if (write(ex[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}
	close(out[1]);
	close(er[1]);
	close(ex[1]);
	out[1] = er[1] = ex[1] = -1;
	if (read(ex[0], &child_errno, sizeof(child_errno)) ==
	    sizeof(child_errno)) {
		waitpid(pid, &status, 0);
		ret = -child_errno;
		goto close_all;
	}
	while (out_open || err_open) {
		struct pollfd p[2] = {
			{ .fd = out_open ? out[0] : -1, .events = POLLIN },
			{ .fd = err_open ? er[0] : -1, .events = POLLIN }
		};
		long long left = deadline - now_ms();
		char buf[65536];
		ssize_t n;

		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		if (poll(p, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (out_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(out[0], buf, sizeof(buf));
			if (n <= 0)
				out_open = false;
			ret = feed(&lb, buf, n > 0 ? n : 0, line, ctx, n <= 0);
			if (ret)
				break;
		}
		if (err_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(er[0], buf, sizeof(buf));
			if (n <= 0) {
				err_open = false;
			} else if (elen + 1 < errlen) {
				size_t k = (size_t)n < errlen - 1 - elen ?
						   (size_t)n :
						   errlen - 1 - elen;

				memcpy(err + elen, buf, k);
				elen += k;
				err[elen] = 0;
			}
		}
	}
	if (ret)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ret)
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	/* one line: the first, without its newline */
	err[strcspn(err, "\n")] = 0;
close_all:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (er[i] >= 0)
			close(er[i]);
		if (ex[i] >= 0)
			close(ex[i]);
	}
	free(lb.b);
	return ret;
}

/* Why a tool gave nothing, for a finding. */
static const char *tool_why(int ret, const char *err)
{
	static char buf[300];

	if (ret == -ETIMEDOUT)
		return "it did not finish within 10 s";
	if (ret < 0)
		return strerror(-ret);
	snprintf(buf, sizeof(buf), "exit %d%s%s", ret, err[0] ? ": " : "", err);
	return buf;
}

/* A tool's whole output, for the JSON readers. */
struct text_buf {
	char *b;
	size_t len, cap;
};

static int text_line(void *ctx, const char *line, size_t len)
{
	struct text_buf *t = ctx;

	if (t->len + len + 2 > t->cap) {
		size_t cap = (t->len + len + 2) * 2;
		char *p = realloc(t->b, cap);

		if (!p)
			return -ENOMEM;
		t->b = p;
		t->cap = cap;
	}
	memcpy(t->b + t->len, line, len);
	t->len += len;
	t->b[t->len++] = '\n';
	t->b[t->len] = 0;
	return 0;
}

/* Run @argv into @t (freed by the caller); run_lines()'s return. */
static int run_text(char *const argv[], struct text_buf *t, char *err,
		    size_t errlen)
{
	return run_lines(argv, text_line, t, err, errlen);
}

/* The nftables ruleset, listed and read once: 0, or why not (d->nft_err). */
static int nft_get(struct doctor *d)
{
	char *argv[] = { "nft", "-j", "list", "ruleset", NULL };
	struct text_buf t = {};

	if (d->nft_read)
		return d->nft_ret;
	d->nft_read = true;
	d->nft_ret = run_text(argv, &t, d->nft_err, sizeof(d->nft_err));
	if (d->nft_ret == -ENOMEM)
		d->oom = true;
	if (!d->nft_ret)
		d->nft_ret = nft_json_parse(&d->nft, t.b ? t.b : "", t.len,
					    d->nft_err, sizeof(d->nft_err));
	if (d->nft_ret == -ENOMEM)
		d->oom = true;
	free(t.b);
	return d->nft_ret;
}

/* ------------------------------------------------------------ state */

static void read_pinned_ifaces(struct doctor *d)
{
	__u32 key, *prev = NULL;
	char err[256];
	int fd = pins_map_fd(pin_path, "ifaces", err, sizeof(err));

	while (fd >= 0 && d->n_ifs < BPFALG_MAX_IFACES &&
	       !bpf_map_get_next_key(fd, prev, &key)) {
		struct doc_iface *s = &d->ifs[d->n_ifs];

		prev = &key;
		memset(s, 0, sizeof(*s));
		if (bpf_map_lookup_elem(fd, &key, &s->ifc))
			continue;
		s->ifindex = key;
		s->ours = true;
		if (!if_indextoname(key, s->name))
			snprintf(s->name, sizeof(s->name), "if%u", key);
		d->n_ifs++;
	}
	if (fd >= 0)
		close(fd);
}

/* bpfalg's program behind a pinned link, 0 when none. */
static __u32 link_prog(const char *ifname, enum pin_hook hook)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd;

	if (pins_link_path(path, sizeof(path), pin_path, ifname, hook))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.prog_id = 0;
	close(fd);
	return info.prog_id;
}

static void load_state(struct doctor *d)
{
	char err[512];

	if (!pins_exist(pin_path))
		return;
	if (pins_read_cfg(pin_path, &d->cfg, err, sizeof(err)) ||
	    pins_read_counters(pin_path, &d->cnt, err, sizeof(err))) {
		d->check = "attach";
		note(d, SEV_PROBLEM,
		     "bpfalg's pins under %s cannot be read: %s", pin_path,
		     err);
		act(d, "run algctl doctor as root in a process that sees the "
		       "same bpffs; if the pins are left over, algctl down");
		return;
	}
	d->pins = true;
	{
		int fd = pins_map_fd(pin_path, "alg_cfg", err, sizeof(err));

		for (__u32 i = 0; fd >= 0 && i < BPFALG_ALG_MAX; i++)
			bpf_map_lookup_elem(fd, &i, &d->alg[i]);
		if (fd >= 0)
			close(fd);
	}
	for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++)
		d->have_alg_stats[a] = !pins_read_alg_stats(
			pin_path, a, &d->dp[a], &d->cs[a], err, sizeof(err));
}

/* --iface a,b: those interfaces, with bpfalg's view when it has one. */
static int add_given_ifaces(struct doctor *d, const char *list)
{
	struct doc_iface pinned[BPFALG_MAX_IFACES];
	int n_pinned = d->n_ifs;
	const char *s = list;

	memcpy(pinned, d->ifs, sizeof(pinned));
	d->n_ifs = 0;
	while (*s) {
		size_t l = strcspn(s, ",");
		struct doc_iface *i = &d->ifs[d->n_ifs];

		if (!l || l >= IF_NAMESIZE)
			return usage_error("bad interface list '%s'", list);
		if (d->n_ifs == BPFALG_MAX_IFACES)
			return usage_error("more than %d interfaces",
					   BPFALG_MAX_IFACES);
		memset(i, 0, sizeof(*i));
		memcpy(i->name, s, l);
		i->ifindex = if_nametoindex(i->name);
		if (!i->ifindex) {
			p_err("no such interface: %s", i->name);
			return EXIT_RUNTIME;
		}
		for (int k = 0; k < n_pinned; k++)
			if (pinned[k].ifindex == i->ifindex)
				*i = pinned[k];
		d->n_ifs++;
		s += l;
		if (*s == ',' && !*++s)
			return usage_error("bad interface list '%s'", list);
	}
	return EXIT_OK;
}

static void fill_hooks(struct doctor *d)
{
	for (int i = 0; i < d->n_ifs; i++) {
		struct doc_iface *s = &d->ifs[i];

		if (!s->ours)
			continue;
		for (int h = 0; h < HOOK_MAX; h++) {
			s->hook[h] = loader_hook_state(pin_path, s->name, h,
						       &s->ifc);
			s->prog_id[h] = link_prog(s->name, h);
		}
	}
}

static const char *ifnames(const struct doctor *d, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < d->n_ifs && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? "," : "",
				d->ifs[i].name);
	return buf;
}

/* ------------------------------------------------------------ checks */

/* 1. Is bpfalg attached, where, how. */
static void check_attach(struct doctor *d)
{
	char names[256];

	if (!d->pins) {
		if (pins_exist(pin_path))
			return; /* load_state said why */
		note(d, SEV_INFO, "bpfalg is not attached (no pins under %s)",
		     pin_path);
		if (d->n_ifs)
			act(d,
			    "none if the kernel is this gateway's ALG; the "
			    "kernel-helper and program checks ran on %s",
			    ifnames(d, names, sizeof(names)));
		else
			act(d, "give --iface IF[,IF...] to check interfaces "
			       "too, or --pin-path if bpfalg uses another "
			       "pin directory");
		return;
	}
	if (!d->n_ifs) {
		note(d, SEV_PROBLEM,
		     "bpfalg's pins exist but name no "
		     "interface");
		act(d, "algctl down, then algctl up with --inside/--outside");
		return;
	}
	for (int i = 0; i < d->n_ifs; i++) {
		struct doc_iface *s = &d->ifs[i];
		const char *in = s->hook[HOOK_TC_INGRESS],
			   *eg = s->hook[HOOK_TC_EGRESS],
			   *xdp = s->hook[HOOK_XDP];

		if (!s->ours) {
			note(d, SEV_INFO, "%s: not one of bpfalg's interfaces",
			     s->name);
			act(d, "none (checked for kernel helpers and other "
			       "programs only)");
			continue;
		}
		if (!if_nametoindex(s->name)) {
			note(d, SEV_PROBLEM,
			     "interface %u (%s) is in bpfalg's configuration "
			     "but no longer exists",
			     s->ifindex, fmt_role(s->ifc.role));
			act(d, "algctl up again with the current interfaces, "
			       "or algctl down");
			continue;
		}
		if (!in || !eg) {
			note(d, SEV_PROBLEM,
			     "%s (%s): bpfalg's TC program is not attached "
			     "on %s",
			     s->name, fmt_role(s->ifc.role),
			     !in && !eg ? "ingress and egress" :
			     !in	? "ingress" :
					  "egress");
			act(d, "algctl up with the same options re-attaches "
			       "it; algctl status shows the result");
			continue;
		}
		note(d, SEV_OK, "%s: %s, tc ingress %s, tc egress %s, xdp %s%s",
		     s->name, fmt_role(s->ifc.role), in, eg,
		     !xdp		      ? "off" :
		     !strncmp(xdp, "xdp-", 4) ? xdp + 4 :
						xdp,
		     xdp && (d->cfg.flags & BPFALG_CF_XDP_FAST) &&
				     (s->ifc.flags & BPFALG_IFF_XDP_FAST) ?
			     " (fast path on)" :
		     xdp ? " (fast path off)" :
			   "");
	}
}

/* 1. The controller that serves the punted control packets. */
static void check_controller(struct doctor *d)
{
	unsigned long long now = mono_ns(), age;
	bool alive, needed = false;

	for (int a = 1; a < BPFALG_ALG_MAX; a++)
		needed |= d->alg[a].mode != BPFALG_MODE_OFF;
	age = now > d->cfg.controller_heartbeat_ns ?
		      now - d->cfg.controller_heartbeat_ns :
		      0;
	alive = d->cfg.controller_pid &&
		!(kill(d->cfg.controller_pid, 0) && errno == ESRCH) &&
		age < HEARTBEAT_MAX_AGE_NS;
	if (alive) {
		note(d, SEV_OK,
		     "controller running (pid %u, heartbeat %.1f s "
		     "ago)",
		     d->cfg.controller_pid, age / 1e9);
		return;
	}
	note(d, needed ? SEV_PROBLEM : SEV_WARN, "no controller is running%s",
	     needed ? ": control packets of the ALGs that are on follow the "
		      "fail policy (and observe mode sees nothing)" :
		      " (every ALG is off, so nothing needs it now)");
	act(d, "start algctl daemon with the options of algctl up; algctl "
	       "status exits 0 once it runs");
	if (needed && d->cfg.fail_open_after) {
		bool open = d->cfg.controller_heartbeat_ns &&
			    age >= d->cfg.fail_open_after * 1000000000ULL;

		note(d, SEV_INFO,
		     "%s: control packets pass unmodified once no controller "
		     "has heartbeated for %u s (fail-open-after)",
		     open ? "failing open now" : "not failing open yet",
		     d->cfg.fail_open_after);
	}
}

static const char *const alg_l4_text[BPFALG_ALG_MAX] = {
	[BPFALG_ALG_FTP] = "tcp",
	[BPFALG_ALG_SIP] = "udp/tcp",
	[BPFALG_ALG_RTSP] = "tcp",
	[BPFALG_ALG_TFTP] = "udp",
};

/* 1. Which ALGs are on, observing, off, and on which control ports. */
static void check_algs(struct doctor *d)
{
	for (int a = 1; a < BPFALG_ALG_MAX; a++) {
		char ports[64];
		const struct bpfalg_alg_cfg *c = &d->alg[a];

		alg_ports(c, ports, sizeof(ports));
		switch (c->mode) {
		case BPFALG_MODE_ON:
			note(d, SEV_OK, "%s ALG is on, control ports %s/%s",
			     alg_name(a), alg_l4_text[a], ports);
			break;
		case BPFALG_MODE_OBSERVE:
			note(d, SEV_INFO,
			     "%s ALG observes (parses and counts, changes "
			     "nothing), control ports %s/%s",
			     alg_name(a), alg_l4_text[a], ports);
			act(d,
			    "compare algctl stats (%s_observed) with what "
			    "you expect, then algctl alg %s on",
			    alg_name(a), alg_name(a));
			break;
		default:
			note(d, SEV_INFO, "%s ALG is off", alg_name(a));
			act(d,
			    "algctl alg %s on if %s needs it through this "
			    "gateway",
			    alg_name(a), alg_name(a));
		}
	}
}

/*
 * Does bpfalg handle the traffic a kernel helper of @type is given (@l4,
 * @ports)?  The ALG (with *port the first shared control port) when it is
 * on or observing there, else 0 and *why says why not.
 */
static int conflict(const struct doctor *d, const char *type, __u8 l4,
		    const struct dp_ports *ports, __u16 *port, char *why,
		    size_t whylen)
{
	int alg = dp_helper_alg(type);
	char p[64];

	*port = 0;
	if (!d->pins) {
		snprintf(why, whylen,
			 "bpfalg is not attached: the kernel is the ALG here");
		return 0;
	}
	if (!alg) {
		snprintf(why, whylen, "bpfalg has no ALG for %s", type);
		return 0;
	}
	if (d->alg[alg].mode == BPFALG_MODE_OFF) {
		snprintf(why, whylen, "bpfalg's %s ALG is off: one ALG layer",
			 alg_name(alg));
		return 0;
	}
	*port = dp_alg_l4(alg, l4) ? dp_ports_overlap(ports, d->alg[alg].ports,
						      BPFALG_ALG_PORTS) :
				     0;
	if (!*port) {
		snprintf(why, whylen,
			 "bpfalg's %s ALG handles %s ports %s, which this "
			 "does not cover",
			 alg_name(alg), alg_l4_text[alg],
			 alg_ports(&d->alg[alg], p, sizeof(p)));
		return 0;
	}
	return alg;
}

static const char *mode_word(const struct doctor *d, int alg)
{
	return d->alg[alg].mode == BPFALG_MODE_OBSERVE ? "observing" : "on";
}

/* 2. nftables rules that give connections a kernel helper. */
static void check_nft_helpers(struct doctor *d)
{
	struct nft_ruleset *rs = &d->nft;
	int ret = nft_get(d), shown = 0;

	if (ret == -ENOENT) {
		note(d, SEV_INFO,
		     "nft is not installed: nftables helper rules "
		     "not checked");
		act(d, "none if this machine does not use nftables");
		return;
	}
	if (ret == -EINVAL) {
		note(d, SEV_WARN, "cannot read nft -j list ruleset: %s",
		     d->nft_err);
		act(d, "nft --version: nftables 0.9.3 or later lists JSON");
		return;
	}
	if (ret) {
		note(d, SEV_WARN, "cannot list the nftables ruleset (%s)",
		     tool_why(ret, d->nft_err));
		act(d, "run algctl doctor as root (CAP_NET_ADMIN) in the "
		       "gateway's network namespace");
		return;
	}
	for (int i = 0; i < rs->n_rules; i++) {
		struct nft_helper_rule *r = &rs->rules[i];
		char ports[160], why[160], where[300], del[300];
		const char *type = r->type[0] ? r->type : "?";
		__u16 port;
		int alg = conflict(d, type, r->l4, &r->ports, &port, why,
				   sizeof(why));

		snprintf(where, sizeof(where), "table %s %s, chain %s%s%s%s",
			 r->family, r->table, r->chain, r->hook[0] ? " (" : "",
			 r->hook, r->hook[0] ? ")" : "");
		ports_phrase(r->l4, &r->ports, ports, sizeof(ports));
		if (r->handle)
			snprintf(del, sizeof(del),
				 "nft delete rule %s %s %s handle %llu",
				 r->family, r->table, r->chain, r->handle);
		else
			snprintf(del, sizeof(del),
				 "its handle: nft -a list chain %s %s %s",
				 r->family, r->table, r->chain);
		shown++;
		if (r->unreached) {
			note(d, SEV_INFO,
			     "nftables %s would assign the kernel's %s helper "
			     "[%s], but no rule jumps to that chain: it never "
			     "runs",
			     where, type, r->text);
			act(d, "none (or remove the unused rule: %s)", del);
			continue;
		}
		if (alg) {
			note(d, SEV_PROBLEM,
			     "nftables %s assigns the kernel's %s helper to "
			     "%s%s [%s], and bpfalg's %s ALG is %s for port "
			     "%u: two ALGs act on the same connections",
			     where, type, ports,
			     r->via_jump ? " (via jumps)" : "", r->text,
			     alg_name(alg), mode_word(d, alg), port);
			act(d,
			    "remove the nft rule (%s) or set algctl alg %s "
			    "off",
			    del, alg_name(alg));
			continue;
		}
		note(d, SEV_INFO,
		     "nftables %s assigns the kernel's %s helper to %s%s "
		     "[%s] (%s)",
		     where, type, ports, r->via_jump ? " (via jumps)" : "",
		     r->text, why);
		if (d->pins && dp_helper_alg(type) &&
		    d->alg[dp_helper_alg(type)].mode == BPFALG_MODE_OFF)
			act(d,
			    "none; keep algctl alg %s off while this rule "
			    "is in place (or remove it: %s)",
			    alg_name(dp_helper_alg(type)), del);
		else if (d->pins && dp_helper_alg(type))
			act(d,
			    "none; remove it (%s) before giving bpfalg's "
			    "%s ALG these ports",
			    del, alg_name(dp_helper_alg(type)));
		else if (dp_helper_alg(type))
			act(d,
			    "none if the kernel is meant to be the ALG; "
			    "remove it (%s) before bringing bpfalg up with "
			    "its %s ALG on",
			    del, alg_name(dp_helper_alg(type)));
		else
			act(d, "none");
	}
	for (int i = 0; i < rs->n_objs; i++) {
		struct nft_helper_obj *o = &rs->objs[i];

		if (o->used)
			continue;
		shown++;
		note(d, SEV_INFO,
		     "nftables table %s %s defines ct helper %s (%s %s) that "
		     "no rule assigns",
		     o->family, o->table, o->name, o->type, l4_name(o->l4));
		act(d, "none (it does nothing until a rule assigns it)");
	}
	if (!shown)
		note(d, SEV_OK, "nftables: no ct helper rules (%d rules read)",
		     rs->rules_read);
}

static int ipt_line(void *ctx, const char *line, size_t len)
{
	return ipt_rules_line(ctx, line, len);
}

/* Does iptables-legacy keep table @name (not visible to nft)? */
static bool legacy_has(const char *proc, const char *name)
{
	char line[64];
	bool has = false;
	FILE *f = fopen(proc, "r");

	while (f && fgets(line, sizeof(line), f))
		has |= !strncmp(line, name, strlen(name)) &&
		       line[strlen(name)] == '\n';
	if (f)
		fclose(f);
	return has;
}

/* 2. iptables/ip6tables "-j CT --helper" rules in the raw table. */
static void check_ipt_helpers(struct doctor *d)
{
	static const struct {
		const char *tool, *ipt, *proc;
	} tools[] = {
		{ "iptables-save", "iptables", NULL },
		{ "ip6tables-save", "ip6tables", NULL },
		/* legacy tables, when the default tools are the nft ones */
		{ "iptables-legacy-save", "iptables-legacy",
		  "/proc/net/ip_tables_names" },
		{ "ip6tables-legacy-save", "ip6tables-legacy",
		  "/proc/net/ip6_tables_names" },
	};
	bool any_tool = false, shown = false;
	char variant[2][16] = { "", "" }; /* of the default tools */

	for (size_t t = 0; t < sizeof(tools) / sizeof(tools[0]); t++) {
		char *argv[] = { (char *)tools[t].tool, "-t", "raw", NULL };
		struct ipt_rules r = {};
		char err[256];
		int ret;

		/* legacy tables are seen only by the legacy tools; skip them
		 * when the default tool is the legacy one
		 */
		if (tools[t].proc && (!legacy_has(tools[t].proc, "raw") ||
				      !strcmp(variant[t % 2], "legacy")))
			continue;
		ret = run_lines(argv, ipt_line, &r, err, sizeof(err));
		if (ret == -ENOENT) {
			ipt_rules_free(&r);
			continue;
		}
		any_tool = true;
		if (!tools[t].proc)
			snprintf(variant[t % 2], sizeof(variant[0]), "%s",
				 r.variant);
		if (ret) {
			/* no raw table, or no iptables module: no rules */
			if (!strstr(err, "does not exist") &&
			    !strstr(err, "Table does not exist")) {
				note(d, SEV_INFO, "%s -t raw failed (%s)",
				     tools[t].tool, tool_why(ret, err));
				act(d, "run algctl doctor as root to check "
				       "iptables CT helper rules");
			}
			ipt_rules_free(&r);
			continue;
		}
		for (int i = 0; i < r.n; i++) {
			struct ipt_helper_rule *x = &r.rules[i];
			char ports[160], why[160];
			__u16 port;
			int alg = conflict(d, x->helper, x->l4, &x->ports,
					   &port, why, sizeof(why));

			shown = true;
			ports_phrase(x->l4, &x->ports, ports, sizeof(ports));
			if (alg) {
				note(d, SEV_PROBLEM,
				     "%s (raw table, chain %s) assigns the "
				     "kernel's %s helper to %s [-A %s], and "
				     "bpfalg's %s ALG is %s for port %u: two "
				     "ALGs act on the same connections",
				     tools[t].ipt, x->chain, x->helper, ports,
				     x->spec, alg_name(alg), mode_word(d, alg),
				     port);
				act(d,
				    "remove the rule (%s -t raw -D %s) or set "
				    "algctl alg %s off",
				    tools[t].ipt, x->spec, alg_name(alg));
				continue;
			}
			note(d, SEV_INFO,
			     "%s (raw table, chain %s) assigns the kernel's %s "
			     "helper to %s [-A %s] (%s)",
			     tools[t].ipt, x->chain, x->helper, ports, x->spec,
			     why);
			if (dp_helper_alg(x->helper))
				act(d,
				    "none while bpfalg's %s ALG stays off "
				    "for these ports; remove it (%s -t raw -D "
				    "%s) before giving bpfalg the traffic",
				    alg_name(dp_helper_alg(x->helper)),
				    tools[t].ipt, x->spec);
			else
				act(d, "none");
		}
		ipt_rules_free(&r);
	}
	if (!any_tool) {
		note(d, SEV_INFO,
		     "iptables-save is not installed: iptables CT "
		     "helper rules not checked");
		act(d, "none if this machine does not use iptables");
	} else if (!shown) {
		note(d, SEV_OK,
		     "iptables: no CT helper rules in the raw "
		     "table");
	}
}

/* ------------------------------------------------- the host's settings */

/* An integer under /proc/sys, -1 when there is none. */
static int sysctl_int(const char *path)
{
	char v[32];
	FILE *f = fopen(path, "re");
	int ret = -1;

	if (f && fgets(v, sizeof(v), f))
		ret = atoi(v);
	if (f)
		fclose(f);
	return ret;
}

/* 1. The host forwards: IPv4 (the NAT) and IPv6 (routed, filtered). */
static void check_forwarding(struct doctor *d)
{
	int v4 = sysctl_int("/proc/sys/net/ipv4/ip_forward"),
	    v6 = sysctl_int("/proc/sys/net/ipv6/conf/all/forwarding");

	if (v4 == 0) {
		note(d, d->pins ? SEV_PROBLEM : SEV_WARN,
		     "net.ipv4.ip_forward = 0: this host forwards no IPv4 "
		     "packet, so nothing from inside reaches the NAT");
		act(d, "sysctl -w net.ipv4.ip_forward=1 (and "
		       "net.ipv4.ip_forward = 1 in "
		       "/etc/sysctl.d/90-bpfalg.conf to keep it)");
	} else if (v4 > 0) {
		note(d, SEV_OK, "net.ipv4.ip_forward = 1");
	}
	if (v6 == 0) {
		note(d, SEV_WARN,
		     "net.ipv6.conf.all.forwarding = 0: IPv6 from inside is "
		     "not routed (bpfalg tracks and filters IPv6 without "
		     "translating it)");
		act(d, "sysctl -w net.ipv6.conf.all.forwarding=1 (and in "
		       "/etc/sysctl.d/90-bpfalg.conf) if the inside uses "
		       "IPv6");
	} else if (v6 > 0) {
		note(d, SEV_OK, "net.ipv6.conf.all.forwarding = 1");
	}
}

/* 1. What the kernel offers: its version, BTF, tcx. */
static void check_kernel(struct doctor *d)
{
	struct utsname u;
	int maj = 0, min = 0, tcx;
	bool btf = !access("/sys/kernel/btf/vmlinux", R_OK);

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	sscanf(u.release, "%d.%d", &maj, &min);
	/* tcx answers a query on lo; without it the query is EINVAL */
	tcx = tcx_count(1, true);
	if (tcx == -EPERM || tcx == -EACCES)
		tcx = maj * 1000 + min >= 6006 ? 0 : -EINVAL;
	if (maj * 1000 + min < 5017) {
		note(d, SEV_PROBLEM,
		     "kernel %s: bpfalg's programs need 5.17 or later "
		     "(bpf_loop, the ring buffer, coarse timestamps)",
		     u.release);
		act(d, "boot a newer kernel (Debian 12: linux-image-amd64; "
		       "bookworm-backports has 6.6 and later, with tcx)");
	}
	if (!btf) {
		note(d, SEV_PROBLEM,
		     "kernel %s has no BTF (/sys/kernel/btf/vmlinux): algctl "
		     "cannot load its CO-RE programs",
		     u.release);
		act(d, "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y "
		       "(Debian's are)");
	}
	if (tcx < 0) {
		note(d, SEV_INFO,
		     "kernel %s has no tcx (6.6 or later): TC programs are "
		     "attached as clsact filters, which share the qdisc with "
		     "other programs' filters",
		     u.release);
		act(d, "none (works as it is); a 6.6 or later kernel for tcx "
		       "(Debian 12: bookworm-backports)");
	}
	if (btf && tcx >= 0 && maj * 1000 + min >= 5017)
		note(d, SEV_OK, "kernel %s: BTF, tcx", u.release);
}

/* net.ipv4.conf.IF.x for sysctl -w: a '.' in the name becomes '/'. */
static const char *sysctl_name(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ifname);
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = '/';
	return buf;
}

/*
 * 1. Reverse-path filtering.  Strict (1) drops a packet whose source the
 * kernel would route out of another device: right on the outside (the
 * replies come back the way they left), harmful on an inside device
 * when the routes are asymmetric.  The kernel uses the larger of
 * conf.all and conf.IF.
 */
static void check_rp_filter(struct doctor *d)
{
	static const char *const word[] = { "off", "strict", "loose" };
	char *rargv[] = { "ip",	  "-j",	   "-4",  "route",
			  "show", "table", "all", NULL };
	char *uargv[] = { "ip", "-j", "-4", "rule", "show", NULL };
	struct text_buf routes = {}, rules = {};
	int all = sysctl_int("/proc/sys/net/ipv4/conf/all/rp_filter");
	int ip_ret = 1; /* not run yet */
	char err[256] = "";

	for (int i = 0; i < d->n_ifs; i++) {
		const struct doc_iface *s = &d->ifs[i];
		__u32 role = s->ours ? s->ifc.role : BPFALG_ROLE_NONE;
		char path[128], why[160], sn[IF_NAMESIZE];
		int dev, eff, asym;

		snprintf(path, sizeof(path),
			 "/proc/sys/net/ipv4/conf/%s/rp_filter", s->name);
		dev = sysctl_int(path);
		if (dev < 0)
			continue;
		eff = all > dev ? all : dev;
		if (eff != 1 || role == BPFALG_ROLE_OUTSIDE) {
			note(d, SEV_OK, "%s (%s): rp_filter %s%s", s->name,
			     fmt_role(role),
			     eff >= 0 && eff <= 2 ? word[eff] : "?",
			     eff == 1 ? ": fine on the outside (replies come "
					"back the way they left)" :
					"");
			continue;
		}
		if (ip_ret == 1) {
			ip_ret = run_text(rargv, &routes, err, sizeof(err));
			if (!ip_ret)
				ip_ret = run_text(uargv, &rules, err,
						  sizeof(err));
		}
		asym = ip_ret ? -1 :
				ip_json_asymmetric(routes.b, routes.len,
						   rules.b, rules.len, s->name,
						   why, sizeof(why));
		sysctl_name(s->name, sn, sizeof(sn));
		if (asym < 0) {
			note(d, SEV_INFO,
			     "%s (%s): strict rp_filter; the routes could not "
			     "be read (ip -j: %s)",
			     s->name, fmt_role(role),
			     ip_ret ? tool_why(ip_ret, err) : "not JSON");
			act(d,
			    "none if every inside source is routed back "
			    "through %s; else sysctl -w "
			    "net.ipv4.conf.%s.rp_filter=2",
			    s->name, sn);
		} else if (asym) {
			note(d,
			     role == BPFALG_ROLE_INSIDE ? SEV_WARN : SEV_INFO,
			     "%s (%s): strict rp_filter (%s) with asymmetric "
			     "routes (%s): the kernel drops a packet from %s "
			     "whose source it would route out another way, "
			     "before bpfalg sees it",
			     s->name, fmt_role(role),
			     dev == 1 ? "its own" : "conf.all", why, s->name);
			act(d,
			    "sysctl -w%s%s%s%s (loose: any route back will "
			    "do)",
			    dev == 1 ? " net.ipv4.conf." : "",
			    dev == 1 ? sn : "", dev == 1 ? ".rp_filter=2" : "",
			    all == 1 ? " net.ipv4.conf.all.rp_filter=2" : "");
		} else {
			note(d, SEV_OK,
			     "%s (%s): strict rp_filter, routes symmetric",
			     s->name, fmt_role(role));
		}
	}
	if (!d->n_ifs) {
		note(d, SEV_INFO, "rp_filter not checked: no interfaces");
		act(d, "give --iface IF[,IF...] (bpfalg is not attached)");
	}
	free(routes.b);
	free(rules.b);
}

/* The outside interface(s) @r applies to, into @buf; false when none. */
static bool nat_hits(const struct doctor *d, const void *r, bool nft, char *buf,
		     size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; i < d->n_ifs; i++) {
		const struct doc_iface *s = &d->ifs[i];

		if (!s->ours || s->ifc.role != BPFALG_ROLE_OUTSIDE)
			continue;
		if (nft ? !nft_nat_applies(r, s->name) :
			  !ipt_nat_applies(r, s->name))
			continue;
		o += snprintf(buf + o, o < len ? len - o : 0, "%s%s",
			      o ? "," : "", s->name);
	}
	return buf[0] != 0;
}

/*
 * 1. The kernel's own NAT on bpfalg's outside: its masquerade or snat in
 * postrouting runs before bpfalg's TC egress program, which then sees the
 * gateway's own address and leaves the flow alone (double NAT: the ALGs
 * and pinholes never apply).
 */
static void check_masquerade(struct doctor *d)
{
	static const struct {
		const char *tool, *ipt, *proc;
	} tools[] = {
		{ "iptables-save", "iptables", NULL },
		{ "iptables-legacy-save", "iptables-legacy",
		  "/proc/net/ip_tables_names" },
	};
	char variant[16] = "";
	int shown = 0;

	if (!nft_get(d)) {
		for (int i = 0; i < d->nft.n_nats; i++) {
			const struct nft_nat_rule *r = &d->nft.nats[i];
			char outs[128], del[300];

			shown++;
			snprintf(del, sizeof(del),
				 "nft delete rule %s %s %s handle %llu",
				 r->family, r->table, r->chain, r->handle);
			if (nat_hits(d, r, true, outs, sizeof(outs))) {
				note(d, SEV_WARN,
				     "nftables table %s %s, chain %s does %s "
				     "on %s [%s], bpfalg's outside: double "
				     "NAT (the kernel translates first, "
				     "bpfalg then sees the gateway's own "
				     "address and its ALGs and pinholes "
				     "never apply)",
				     r->family, r->table, r->chain, r->kind,
				     outs, r->text);
				act(d, "%s (bpfalg translates on %s)", del,
				    outs);
			} else if (!d->pins) {
				note(d, SEV_INFO,
				     "nftables table %s %s, chain %s does %s "
				     "[%s]",
				     r->family, r->table, r->chain, r->kind,
				     r->text);
				act(d,
				    "none while the kernel is the NAT; "
				    "remove it (%s) before bpfalg translates "
				    "on that interface",
				    del);
			} else {
				note(d, SEV_INFO,
				     "nftables table %s %s, chain %s does %s "
				     "[%s], not on bpfalg's outside",
				     r->family, r->table, r->chain, r->kind,
				     r->text);
			}
		}
	}
	for (size_t t = 0; t < sizeof(tools) / sizeof(*tools); t++) {
		char *argv[] = { (char *)tools[t].tool, "-t", "nat", NULL };
		struct ipt_rules r = {};
		char err[256];

		if (tools[t].proc && (!legacy_has(tools[t].proc, "nat") ||
				      !strcmp(variant, "legacy")))
			continue;
		if (run_lines(argv, ipt_line, &r, err, sizeof(err))) {
			ipt_rules_free(&r);
			continue; /* not installed, no nat table */
		}
		if (!tools[t].proc)
			snprintf(variant, sizeof(variant), "%s", r.variant);
		for (int i = 0; i < r.n_nats; i++) {
			const struct ipt_nat_rule *x = &r.nats[i];
			char outs[128];

			shown++;
			if (nat_hits(d, x, false, outs, sizeof(outs))) {
				note(d, SEV_WARN,
				     "%s (nat table) does %s on %s [-A %s], "
				     "bpfalg's outside: double NAT (the "
				     "kernel translates first, bpfalg then "
				     "sees the gateway's own address and its "
				     "ALGs and pinholes never apply)",
				     tools[t].ipt, x->kind, outs, x->spec);
				act(d,
				    "%s -t nat -D %s (bpfalg translates on "
				    "%s)",
				    tools[t].ipt, x->spec, outs);
			} else {
				note(d, SEV_INFO,
				     "%s (nat table) does %s [-A %s]%s",
				     tools[t].ipt, x->kind, x->spec,
				     d->pins ? ", not on bpfalg's outside" :
					       "");
				if (!d->pins)
					act(d,
					    "none while the kernel is the NAT; "
					    "remove it (%s -t nat -D %s) "
					    "before bpfalg translates on that "
					    "interface",
					    tools[t].ipt, x->spec);
			}
		}
		ipt_rules_free(&r);
	}
	if (!shown)
		note(d, SEV_OK,
		     "no masquerade or snat rules in nftables or "
		     "iptables");
}

/* Default ports of the kernel's helper modules (their ports= parameter). */
static const struct {
	const char *type, *module;
	__u8 l4[2];
	__u16 port;
} kernel_helpers[] = {
	{ "ftp", "nf_conntrack_ftp", { 6, 0 }, 21 },
	{ "sip", "nf_conntrack_sip", { 17, 6 }, 5060 },
	{ "tftp", "nf_conntrack_tftp", { 17, 0 }, 69 },
};

/* 2. Automatic helper assignment (removed from the kernel in 6.0). */
static void check_helper_sysctl(struct doctor *d)
{
	static const char path[] =
		"/proc/sys/net/netfilter/nf_conntrack_helper";
	char v[16] = "";
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f) {
		note(d, SEV_OK,
		     "net.netfilter.nf_conntrack_helper is not there (kernel "
		     "without automatic helper assignment): only explicit "
		     "rules assign kernel helpers");
		return;
	}
	if (!fgets(v, sizeof(v), f))
		v[0] = 0;
	fclose(f);
	if (atoi(v) == 0) {
		note(d, SEV_OK,
		     "net.netfilter.nf_conntrack_helper=0: no "
		     "automatic helper assignment");
		return;
	}
	for (size_t h = 0; h < sizeof(kernel_helpers) / sizeof(*kernel_helpers);
	     h++) {
		char mod[128], pv[128] = "", why[160];
		struct dp_ports ports = {};
		__u16 port = 0;
		int alg = 0;
		FILE *pf;

		snprintf(mod, sizeof(mod), "/sys/module/%s",
			 kernel_helpers[h].module);
		if (access(mod, F_OK))
			continue;
		found = true;
		snprintf(mod, sizeof(mod), "/sys/module/%s/parameters/ports",
			 kernel_helpers[h].module);
		pf = fopen(mod, "r");
		if (pf && fgets(pv, sizeof(pv), pf)) {
			/* "21,2121" */
			for (char *s = pv; *s;) {
				long p = strtol(s, &s, 10);

				if (p > 0 && p < 65536 &&
				    ports.n < DP_MAX_RANGES) {
					ports.r[ports.n].lo = p;
					ports.r[ports.n++].hi = p;
				}
				if (*s)
					s++;
			}
		}
		if (pf)
			fclose(pf);
		if (!ports.n) {
			ports.r[0].lo = ports.r[0].hi = kernel_helpers[h].port;
			ports.n = 1;
		}
		for (int k = 0; k < 2 && kernel_helpers[h].l4[k] && !alg; k++)
			alg = conflict(d, kernel_helpers[h].type,
				       kernel_helpers[h].l4[k], &ports, &port,
				       why, sizeof(why));
		dp_ports_str(&ports, pv, sizeof(pv));
		if (alg) {
			note(d, SEV_PROBLEM,
			     "net.netfilter.nf_conntrack_helper=1: the kernel "
			     "gives every connection to port %s the %s helper "
			     "(%s), and bpfalg's %s ALG is %s for port %u",
			     pv, kernel_helpers[h].type,
			     kernel_helpers[h].module, alg_name(alg),
			     mode_word(d, alg), port);
			act(d,
			    "sysctl -w net.netfilter.nf_conntrack_helper=0 "
			    "(assign kernel helpers with explicit rules where "
			    "wanted) or set algctl alg %s off",
			    alg_name(alg));
		} else {
			note(d, SEV_WARN,
			     "net.netfilter.nf_conntrack_helper=1: the kernel "
			     "gives every connection to port %s the %s helper "
			     "(%s) automatically (%s)",
			     pv, kernel_helpers[h].type,
			     kernel_helpers[h].module, why);
			act(d, "sysctl -w net.netfilter.nf_conntrack_helper=0 "
			       "and assign helpers explicitly (automatic "
			       "assignment is deprecated and easy to abuse)");
		}
	}
	if (!found)
		note(d, SEV_OK,
		     "net.netfilter.nf_conntrack_helper=1 but no kernel helper "
		     "module is loaded");
}

static int ct_line(void *ctx, const char *line, size_t len)
{
	int ret = ct_helpers_line(ctx, line, len);

	return ret < 0 ? ret : 0;
}

/* 2. Live connections the kernel's helpers are attached to. */
static void check_conntrack(struct doctor *d)
{
	static const char *const fam[] = { "ipv4", "ipv6" };
	struct ct_helpers c = {};
	char err[256] = "";
	int ret = 0;

	for (int f = 0; f < 2; f++) {
		char *argv[] = { "conntrack", "-L", "-f", (char *)fam[f],
				 NULL };

		ret = run_lines(argv, ct_line, &c, err, sizeof(err));
		if (ret)
			break;
	}
	if (ret == -ENOENT) {
		note(d, SEV_INFO,
		     "conntrack (conntrack-tools) is not "
		     "installed: live helper use not checked");
		act(d, "apt-get install conntrack to see connections with a "
		       "kernel helper");
		goto out;
	}
	if (ret) {
		note(d, SEV_INFO, "cannot list connections (conntrack -L: %s)",
		     tool_why(ret, err));
		act(d, "run algctl doctor as root in the gateway's network "
		       "namespace");
		goto out;
	}
	for (int i = 0; i < c.n; i++) {
		struct ct_helper_use *u = &c.use[i];
		struct dp_ports p = { .n = 1 };
		char why[160], port_s[16];
		__u16 port;
		int alg;

		p.r[0].lo = p.r[0].hi = u->dport;
		if (!u->dport)
			p.any = true;
		alg = conflict(d, u->helper, u->l4, &p, &port, why,
			       sizeof(why));
		snprintf(port_s, sizeof(port_s), u->dport ? "%u" : "(various)",
			 u->dport);
		if (alg) {
			note(d, SEV_WARN,
			     "%lu live connection%s to %s port %s %s the "
			     "kernel's %s helper, and bpfalg's %s ALG is %s "
			     "for port %u",
			     u->count, u->count == 1 ? "" : "s", l4_name(u->l4),
			     port_s, u->count == 1 ? "has" : "have", u->helper,
			     alg_name(alg), mode_word(d, alg), port);
			act(d,
			    "remove what assigns the helper (findings above); "
			    "connections keep it until they close (conntrack "
			    "-D -p %s --dport %u ends them now)",
			    l4_name(u->l4), u->dport ? u->dport : port);
			continue;
		}
		note(d, SEV_INFO,
		     "%lu live connection%s to %s port %s %s the kernel's %s "
		     "helper (%s)",
		     u->count, u->count == 1 ? "" : "s", l4_name(u->l4), port_s,
		     u->count == 1 ? "has" : "have", u->helper, why);
		act(d, "none");
	}
	if (!c.n)
		note(d, SEV_OK,
		     "conntrack: none of %lu connections has a "
		     "kernel helper",
		     c.entries);
out:
	ct_helpers_free(&c);
}

/* Name of a program by id ("?" when it cannot be opened). */
static void prog_name(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, len, "?");
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen) && info.name[0])
		snprintf(buf, len, "%s", info.name);
	close(fd);
}

/* 3. XDP programs on the interfaces. */
static void check_xdp(struct doctor *d)
{
	for (int i = 0; i < d->n_ifs; i++) {
		struct doc_iface *s = &d->ifs[i];
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		struct {
			__u32 id;
			const char *mode;
		} p[3];
		int n = 0;
		char list[512] = "";
		size_t off = 0;
		bool foreign = false;

		if (bpf_xdp_query(s->ifindex, 0, &q)) {
			note(d, SEV_INFO, "%s: cannot query XDP (%s)", s->name,
			     strerror(errno));
			act(d, "run algctl doctor as root");
			continue;
		}
		if (q.drv_prog_id)
			p[n].id = q.drv_prog_id, p[n++].mode = "native";
		if (q.skb_prog_id)
			p[n].id = q.skb_prog_id, p[n++].mode = "generic";
		if (q.hw_prog_id)
			p[n].id = q.hw_prog_id, p[n++].mode = "offload";
		for (int k = 0; k < n; k++) {
			char name[32];
			bool ours = s->ours && p[k].id == s->prog_id[HOOK_XDP];

			prog_name(p[k].id, name, sizeof(name));
			foreign |= !ours;
			off += snprintf(list + off, sizeof(list) - off,
					"%s%s id %u (%s%s)", k ? ", " : "",
					name, p[k].id, p[k].mode,
					ours ? ", bpfalg" : "");
			if (off >= sizeof(list))
				break;
		}
		if (!n) {
			note(d, SEV_OK, "%s: no XDP program", s->name);
		} else if (!foreign) {
			note(d, SEV_OK, "%s: XDP runs %s", s->name, list);
		} else if (s->ours) {
			note(d, SEV_WARN,
			     "%s: XDP runs %s, not bpfalg's: it sees every "
			     "packet before bpfalg's TC programs and can drop "
			     "or redirect them",
			     s->name, list);
			act(d,
			    "check that it passes the traffic bpfalg "
			    "translates (bpftool prog show id %u), or detach "
			    "it (ip link set dev %s xdp off)",
			    p[0].id, s->name);
		} else {
			note(d, SEV_INFO, "%s: XDP runs %s", s->name, list);
			act(d, "none (bpfalg is not on %s)", s->name);
		}
	}
}

struct tc_prog {
	bool tcx; /* else a clsact filter */
	__u32 id; /* BPF program, 0 for a non-bpf classifier */
	char name[64];
	char kind[16];
	__u32 pref, handle;
	bool ours;
};

struct tc_list {
	struct tc_prog p[MAX_PROGS];
	int n;
};

static int filter_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nh = nlmsg_hdr(msg);
	struct tcmsg *t = nlmsg_data(nh);
	struct nlattr *tb[TCA_MAX + 1], *ob[TCA_BPF_MAX + 1];
	struct tc_list *l = arg;
	struct tc_prog *p;

	if (nh->nlmsg_type != RTM_NEWTFILTER || l->n == MAX_PROGS ||
	    nlmsg_parse(nh, sizeof(*t), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND])
		return NL_OK;
	/* the classifier instance of a priority, not a filter */
	if (!t->tcm_handle)
		return NL_OK;
	p = &l->p[l->n++];
	memset(p, 0, sizeof(*p));
	p->pref = TC_H_MAJ(t->tcm_info) >> 16;
	p->handle = t->tcm_handle;
	snprintf(p->kind, sizeof(p->kind), "%s", nla_get_string(tb[TCA_KIND]));
	if (!strcmp(p->kind, "bpf") && tb[TCA_OPTIONS] &&
	    !nla_parse_nested(ob, TCA_BPF_MAX, tb[TCA_OPTIONS], NULL)) {
		if (ob[TCA_BPF_ID])
			p->id = nla_get_u32(ob[TCA_BPF_ID]);
		if (ob[TCA_BPF_NAME])
			snprintf(p->name, sizeof(p->name), "%s",
				 nla_get_string(ob[TCA_BPF_NAME]));
	}
	return NL_OK;
}

/* clsact filters of one direction, in the order the kernel runs them. */
static int clsact_filters(__u32 ifindex, bool ingress, struct tc_list *l)
{
	struct tcmsg t = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = ifindex,
		.tcm_parent =
			TC_H_MAKE(TC_H_CLSACT,
				  ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS),
	};
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk)
		return -ENOMEM;
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (!ret)
		ret = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM,
					  filter_cb, l);
	if (!ret)
		ret = nl_send_simple(sk, RTM_GETTFILTER, NLM_F_DUMP, &t,
				     sizeof(t));
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	return ret < 0 ? -EIO : 0;
}

/*
 * The TC programs of one direction of @s in the order the kernel runs
 * them: tcx first, then (when the tcx chain hands the packet on) the
 * clsact filters.  *n_tcx: how many are tcx.  0, or -EIO when the clsact
 * filters could not be listed.
 */
static int tc_collect(const struct doc_iface *s, bool ingress,
		      struct tc_list *l, int *n_tcx)
{
	enum pin_hook hook = ingress ? HOOK_TC_INGRESS : HOOK_TC_EGRESS;
	__u32 ids[MAX_PROGS];
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids,
		    .prog_cnt = MAX_PROGS);
	int ret;

	memset(l, 0, sizeof(*l));
	/* fails on a kernel without tcx: nothing there then */
	if (!bpf_prog_query_opts(
		    s->ifindex,
		    ingress ? ATTACH_TCX_INGRESS : ATTACH_TCX_EGRESS, &q))
		for (__u32 k = 0; k < q.prog_cnt && l->n < MAX_PROGS; k++) {
			l->p[l->n].tcx = true;
			l->p[l->n++].id = ids[k];
		}
	*n_tcx = l->n;
	ret = clsact_filters(s->ifindex, ingress, l);
	for (int k = 0; k < l->n; k++) {
		struct tc_prog *p = &l->p[k];
		char pn[32];

		/* cls_bpf names the object file; the program's own name
		 * is what bpftool shows
		 */
		if (p->id) {
			prog_name(p->id, pn, sizeof(pn));
			if (strcmp(pn, "?") || !p->name[0])
				snprintf(p->name, sizeof(p->name), "%s", pn);
		}
		if (!s->ours)
			continue;
		if (p->tcx)
			p->ours = p->id && p->id == s->prog_id[hook];
		else
			p->ours = (s->ifc.flags & BPFALG_IFF_TC_CLSACT) &&
				  p->handle == CLSACT_HANDLE &&
				  p->pref == CLSACT_PRIO &&
				  !strcmp(p->kind, "bpf");
	}
	return ret;
}

/* "1. tcx tc_ingress (id 7, bpfalg), 2. clsact bpf tc_pass (id 9, ...)" */
static void tc_describe(const struct tc_list *l, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int k = 0; k < l->n && off < len; k++) {
		const struct tc_prog *p = &l->p[k];
		const char *name = p->name[0] ? p->name : "?";

		if (p->tcx)
			off += snprintf(buf + off, len - off,
					"%s%d. tcx %s (id %u%s)", k ? ", " : "",
					k + 1, name, p->id,
					p->ours ? ", bpfalg" : "");
		else
			off += snprintf(buf + off, len - off,
					"%s%d. clsact %s%s%s (id %u, pref %u, "
					"handle 0x%x%s)",
					k ? ", " : "", k + 1, p->kind,
					p->name[0] ? " " : "", p->name, p->id,
					p->pref, p->handle,
					p->ours ? ", bpfalg" : "");
	}
}

/* What the order on one hook means. */
static void tc_judge(struct doctor *d, const struct doc_iface *s,
		     const char *dname, enum pin_hook hook,
		     const struct tc_list *l, int n_tcx)
{
	int ours = -1, foreign = -1;
	char list[1024];

	for (int k = 0; k < l->n; k++) {
		if (l->p[k].ours && ours < 0)
			ours = k;
		if (!l->p[k].ours && foreign < 0)
			foreign = k;
	}
	tc_describe(l, list, sizeof(list));
	if (!l->n) {
		/* bpfalg's own absence is check_attach's finding */
		if (!s->ours)
			note(d, SEV_OK, "%s %s: no TC programs", s->name,
			     dname);
		return;
	}
	if (!s->ours) {
		note(d, SEV_INFO, "%s %s runs %s", s->name, dname, list);
		act(d, "none (bpfalg is not on %s)", s->name);
	} else if (ours < 0 && s->hook[hook]) {
		note(d, SEV_PROBLEM,
		     "%s %s: bpfalg's TC program is not in the chain (%s)",
		     s->name, dname, list);
		act(d, "algctl up with the same options re-attaches it");
	} else if (ours < 0) {
		note(d, SEV_INFO, "%s %s runs %s", s->name, dname, list);
		act(d, "none");
	} else if (foreign < 0) {
		note(d, SEV_OK, "%s %s runs %s", s->name, dname, list);
	} else if (foreign < ours) {
		const struct tc_prog *f = &l->p[foreign];

		note(d, SEV_WARN,
		     "%s %s runs %s: %s (id %u) runs before bpfalg's and can "
		     "drop or redirect packets bpfalg must see",
		     s->name, dname, list, f->name[0] ? f->name : f->kind,
		     f->id);
		act(d,
		    "check what it does (bpftool prog show id %u); attach "
		    "it after bpfalg's, or detach it",
		    f->id);
	} else {
		note(d, SEV_INFO, "%s %s runs %s: bpfalg's is first%s", s->name,
		     dname, list,
		     ours < n_tcx && foreign >= n_tcx ?
			     " (clsact filters run after the tcx chain)" :
			     "");
		act(d, "none; programs after bpfalg's see every packet it "
		       "lets through, translated (it hands them on)");
	}
}

/* 3. TC programs (tcx, then clsact) in their order. */
static void check_tc(struct doctor *d)
{
	for (int i = 0; i < d->n_ifs; i++) {
		const struct doc_iface *s = &d->ifs[i];

		for (int dir = 0; dir < 2; dir++) {
			const char *dname = dir ? "egress" : "ingress";
			struct tc_list l;
			int n_tcx;

			if (tc_collect(s, !dir, &l, &n_tcx)) {
				note(d, SEV_INFO,
				     "%s %s: cannot list clsact filters",
				     s->name, dname);
				act(d, "tc filter show dev %s %s lists them",
				    s->name, dname);
			}
			tc_judge(d, s, dname,
				 dir ? HOOK_TC_EGRESS : HOOK_TC_INGRESS, &l,
				 n_tcx);
		}
	}
}

/*
 * Counters that, once non-zero, are a finding of their own: "ALG: N
 * <noun> <rest>" (or without the ALG for the datapath's own counters),
 * with a severity and an action ("%s" in it: the ALG's name).
 */
enum csrc { CS_CTL, CS_DP, CS_GLOBAL };
#define STR_(x) #x
#define STR(x) STR_(x)
static const struct counter_finding {
	const char *check;
	enum csrc src;
	int idx;
	enum sev sev;
	const char *one, *many; /* the noun, with its verb where it has one */
	const char *rest;
	const char *action;
} counter_findings[] = {
	{ "pinholes", CS_CTL, BPFALG_AS_REFUSED, SEV_INFO,
	  "address/port announcement was", "address/port announcements were",
	  "refused (the address is not the client's own, a port below "
	  "--min-data-port, or the per-flow pinhole limit): forwarded "
	  "unmodified, no pinhole",
	  "the daemon's log names each; a bounce attempt is refused on "
	  "purpose, a legitimate client hitting the limit needs "
	  "--pinholes-per-flow" },
	{ "pinholes", CS_CTL, BPFALG_AS_BAD_INPUT, SEV_INFO, "control line",
	  "control lines", "did not parse and went on unmodified",
	  "capture the control connection (tcpdump -i IF -w f.pcap) to see "
	  "the peer's dialect" },
	{ "pinholes", CS_DP, BPFALG_ADP_PH_FULL, SEV_WARN, "request",
	  "requests", "found the pinhole table full: no pinhole opened",
	  "algctl pinholes shows who holds them; shorter pinhole timeouts "
	  "free them sooner" },
	{ "pinholes", CS_DP, BPFALG_ADP_PH_CONFLICT, SEV_INFO, "request",
	  "requests",
	  "collided with another flow's live pinhole (same server and public "
	  "port)",
	  "none unless transfers fail: two clients asked the same server at "
	  "once" },
	{ "pinholes", CS_DP, BPFALG_ADP_BAD_REQUEST, SEV_INFO, "request was",
	  "requests were", "not well formed: no pinhole",
	  "capture the client's requests to see them" },
	/* addresses already public: a second NAT in front of this one
	 * rewrote them, or the endpoint is NAT-aware (STUN)
	 */
	{ "pinholes", CS_CTL, BPFALG_AS_ALREADY_PUBLIC, SEV_INFO,
	  "address in the payload was", "addresses in the payload were",
	  "already public and left alone (a second NAT layer, or a NAT-aware "
	  "endpoint)",
	  "with a second NAT, one ALG belongs on the outermost gateway: "
	  "consider algctl alg %s off on the other" },
	/* the controller's session table (--max-sessions) */
	{ "pinholes", CS_CTL, BPFALG_AS_SESSIONS_FULL, SEV_WARN, "control flow",
	  "control flows",
	  "forwarded unmodified: every session held media, none could be "
	  "evicted",
	  "raise --max-sessions (config key max-sessions)" },
	{ "pinholes", CS_CTL, BPFALG_AS_SESSIONS_EVICTED, SEV_INFO,
	  "idle control-flow session", "idle control-flow sessions",
	  "evicted to make room (rebuilt when the flow speaks again)",
	  "many: one source opens many control flows, or --max-sessions / "
	  "--sessions-per-source are too small for this site" },
	{ "pinholes", CS_CTL, BPFALG_AS_NOT_PROTOCOL, SEV_INFO, "control flow",
	  "control flows",
	  "did not speak the protocol (FTP: no 220 greeting, or lines that "
	  "are no commands): no data channel opened on them",
	  "none: an HTTP request a web page sends to the %s port (NAT "
	  "slipstreaming) shows here, refused" },
	{ "pinholes", CS_GLOBAL, BPFALG_CNT_PINHOLE_REFUSED, SEV_INFO,
	  "inbound connection", "inbound connections",
	  "reached a pinhole's public port from another remote port than "
	  "announced, or after it expired: dropped",
	  "the server connects from another source port than it announced "
	  "(algctl pinholes shows what is expected); raise "
	  "--pinhole-timeout if it comes late" },
	{ "fail_policy", CS_DP, BPFALG_ADP_TOO_BIG, SEV_WARN, "control packet",
	  "control packets",
	  "longer than " STR(BPFALG_PUNT_MAX_GSO) " bytes went on "
						  "unmodified: the ALG did "
						  "not see them",
	  "BIG TCP merges more than 64 KiB into one packet (ip link set IF "
	  "gro_max_size 65536 gso_max_size 65536)" },
	{ "fail_policy", CS_GLOBAL, BPFALG_CNT_PUNT_FAIL, SEV_WARN,
	  "control packet", "control packets",
	  "could not be handed to the controller (none running, or the ring "
	  "buffer was full)",
	  "keep algctl daemon running; a full ring buffer means the "
	  "controller falls behind the control traffic" },
	{ "fail_policy", CS_GLOBAL, BPFALG_CNT_SACK_UNALIGNED, SEV_WARN,
	  "SACK option", "SACK options",
	  "at an odd offset left unadjusted on connections whose payload "
	  "length was changed",
	  "harmless unless those control connections stall (the peer then "
	  "ignores the SACK blocks); a peer padding TCP options oddly is the "
	  "cause" },
	{ "tables", CS_GLOBAL, BPFALG_CNT_FLOW_TABLE_FULL, SEV_WARN, "new flow",
	  "new flows", "dropped because the flow table was full",
	  "raise --flows (algctl up --flows N resizes the running table, "
	  "flows kept) or shorten the timeouts" },
};

/*
 * The table's findings of @check whose counter (of ALG @alg, 0: the
 * datapath's own) is not zero; how many.
 */
static int counter_notes(struct doctor *d, const char *check, int alg)
{
	int n = 0;

	for (size_t i = 0;
	     i < sizeof(counter_findings) / sizeof(*counter_findings); i++) {
		const struct counter_finding *cf = &counter_findings[i];
		__u64 v;

		if (strcmp(cf->check, check) || (cf->src == CS_GLOBAL) != !alg)
			continue;
		v = cf->src == CS_CTL ? d->cs[alg].c[cf->idx] :
		    cf->src == CS_DP  ? d->dp[alg].c[cf->idx] :
					d->cnt.c[cf->idx];
		if (!v)
			continue;
		n++;
		if (alg)
			note(d, cf->sev, "%s: %llu %s %s", alg_name(alg),
			     (unsigned long long)v, v == 1 ? cf->one : cf->many,
			     cf->rest);
		else
			note(d, cf->sev, "%llu %s %s", (unsigned long long)v,
			     v == 1 ? cf->one : cf->many, cf->rest);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		act(d, cf->action, alg ? alg_name(alg) : "");
#pragma GCC diagnostic pop
	}
	return n;
}

/* 4. Pinholes refused, unused, and inputs that did not parse. */
static void check_pinholes(struct doctor *d)
{
	bool any = false;

	for (int a = 1; a < BPFALG_ALG_MAX; a++) {
		const __u64 *c = d->cs[a].c;

		if (!d->have_alg_stats[a])
			continue;
		any |= counter_notes(d, "pinholes", a) > 0;
		if (c[BPFALG_AS_PH_EXPIRED]) {
			bool none_used = !c[BPFALG_AS_PH_USED];

			any = true;
			note(d, none_used ? SEV_WARN : SEV_INFO,
			     "%s: %llu pinhole%s expired unused (%llu used): "
			     "data connections that never came",
			     alg_name(a),
			     (unsigned long long)c[BPFALG_AS_PH_EXPIRED],
			     c[BPFALG_AS_PH_EXPIRED] == 1 ? "" : "s",
			     (unsigned long long)c[BPFALG_AS_PH_USED]);
			act(d, "check filters between the gateway and the "
			       "peer (the data connection must reach the "
			       "public address), and --pinhole-timeout if the "
			       "peer connects late");
		}
	}
	any |= counter_notes(d, "pinholes", 0) > 0;
	if (!any)
		note(d, SEV_OK,
		     "no pinhole refused, expired unused or full; "
		     "no control input rejected");
}

/* 5. The fail policy, oversized control packets, SACK left alone. */
static void check_fail_policy(struct doctor *d)
{
	bool any = false;

	for (int a = 1; a < BPFALG_ALG_MAX; a++) {
		const __u64 *p = d->dp[a].c, *c = d->cs[a].c;
		__u64 fd = p[BPFALG_ADP_FAIL_DROP],
		      fp = p[BPFALG_ADP_FAIL_PASS],
		      fo = p[BPFALG_ADP_FAIL_OPEN];

		if (!d->have_alg_stats[a])
			continue;
		if (fd || fp) {
			any = true;
			note(d, SEV_WARN,
			     "%s: fail policy applied to %llu control "
			     "packet%s (%llu dropped, %llu passed unmodified, "
			     "%llu of them past fail-open-after): the "
			     "controller was down or the ring buffer full",
			     alg_name(a), (unsigned long long)(fd + fp),
			     fd + fp == 1 ? "" : "s", (unsigned long long)fd,
			     (unsigned long long)fp, (unsigned long long)fo);
			act(d, "keep algctl daemon running (algctl status "
			       "exits 0); if it was running, it could not "
			       "keep up: see its log and CPU");
		}
		any |= counter_notes(d, "fail_policy", a) > 0;
		if (c[BPFALG_AS_DROPPED] || c[BPFALG_AS_REINJECT_FAIL]) {
			any = true;
			note(d, SEV_WARN,
			     "%s: the controller dropped %llu segment%s it "
			     "could not serve safely, %llu reinjection%s "
			     "failed",
			     alg_name(a),
			     (unsigned long long)c[BPFALG_AS_DROPPED],
			     c[BPFALG_AS_DROPPED] == 1 ? "" : "s",
			     (unsigned long long)c[BPFALG_AS_REINJECT_FAIL],
			     c[BPFALG_AS_REINJECT_FAIL] == 1 ? "" : "s");
			act(d, "the daemon's log says why; TCP retransmits "
			       "the dropped ones");
		}
	}
	any |= counter_notes(d, "fail_policy", 0) > 0;
	if (!any)
		note(d, SEV_OK,
		     "no fail-policy hits, no oversized control "
		     "packets, no SACK left unadjusted");
}

/* 6. Tables near full, SNAT ports exhausted. */
static void check_tables(struct doctor *d)
{
	static const char *const tables[] = { "flows4",	  "flows4_new",
					      "flows6",	  "flows6_new",
					      "pinholes", "ctl",
					      "frags" };
	__u64 exh = d->cnt.c[BPFALG_CNT_PORT_EXHAUSTED];

	for (size_t t = 0; t < sizeof(tables) / sizeof(*tables); t++) {
		long in = pins_count_entries(pin_path, tables[t]),
		     max = pins_max_entries(pin_path, tables[t]);

		if (in < 0 || max <= 0)
			continue;
		if (in * 10 >= max * 9) {
			note(d, SEV_WARN, "table %s: %ld of %ld entries in use",
			     tables[t], in, max);
			act(d, strstr(tables[t], "_new") ?
				       "many flows nobody answers: a scan or "
				       "flood from inside? (algctl flows; new "
				       "ones still get in, the oldest "
				       "unanswered make room)" :
			       !strncmp(tables[t], "flows", 5) ?
				       "raise --flows (algctl up --flows N "
				       "resizes the running table, flows kept; "
				       "IPv6 gets a quarter of it) "
				       "or shorten the timeouts: "
				       "when full, new answered flows end the "
				       "least recently used ones" :
				       "see what holds them (algctl flows, "
				       "algctl pinholes)");
		} else {
			note(d, in * 4 >= max * 3 ? SEV_INFO : SEV_OK,
			     "table %s: %ld of %ld entries in use", tables[t],
			     in, max);
			if (in * 4 >= max * 3)
				act(d, "none yet; above 90%% new entries start "
				       "to fail");
		}
	}
	counter_notes(d, "tables", 0);
	if (exh) {
		note(d, SEV_WARN,
		     "%llu new flow%s dropped: no free SNAT port (%u-%u) for "
		     "the destination",
		     (unsigned long long)exh, exh == 1 ? "" : "s",
		     d->cfg.port_min, d->cfg.port_max);
		act(d, "widen --port-range, or spread the clients over more "
		       "public addresses");
	}
}

/*
 * SIP media: a stream the datapath sees flowing one way only, or that
 * could not be bound, is the one-way-audio call an operator is asked
 * about.  Encrypted signalling (SIPS) cannot be followed at all.
 */
static void check_media(struct doctor *d)
{
	unsigned long long now = mono_ns();
	struct bpfalg_call c;
	__u64 key, *prev = NULL;
	char err[256];
	int fd = pins_map_fd(pin_path, "calls", err, sizeof(err));
	struct flowtab ft, *ftp = &ft;
	unsigned int calls = 0, bad = 0;

	if (flowtab_open(&ft, pin_path, err, sizeof(err)))
		ftp = NULL;

	if (fd < 0) {
		note(d, SEV_INFO, "SIP calls not readable: %s", err);
		goto out;
	}
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &c))
			continue;
		calls++;
		for (unsigned int i = 0; i < c.n_media && i < BPFALG_CALL_MEDIA;
		     i++) {
			const struct bpfalg_call_media *m = &c.m[i];
			struct stream_view v;
			char cid[80];

			calls_stream_view(ftp, &c, m, m->inside_port,
					  m->peer_port, now, &v);
			if (strcmp(v.status, "one-way") &&
			    strcmp(v.status, "not-bound"))
				continue;
			bad++;
			log_sanitize(c.call_id,
				     strnlen(c.call_id, sizeof(c.call_id)), cid,
				     sizeof(cid));
			note(d, SEV_WARN,
			     "SIP call %s: media stream %u (inside port %u, "
			     "public %u) is %s: %s (%llu packets out, %llu in)",
			     cid, i, m->inside_port, m->public_port, v.status,
			     v.reason, (unsigned long long)v.pkts_out,
			     (unsigned long long)v.pkts_in);
			act(d, "algctl calls shows the streams; check filters "
			       "between the gateway and the peer's media "
			       "address, and whether the peer sends from the "
			       "port its SDP announced");
		}
	}
	if (calls && !bad)
		note(d, SEV_OK, "%u SIP call%s tracked, media flowing both ways "
				"or not started", calls, calls == 1 ? "" : "s");
out:
	if (d->have_alg_stats[BPFALG_ALG_SIP] &&
	    d->dp[BPFALG_ALG_SIP].c[BPFALG_ADP_TLS_FLOWS]) {
		note(d, SEV_INFO,
		     "sip: %llu flow%s to SIPS (TCP 5061): encrypted "
		     "signalling the ALG cannot read, so it opens no media for "
		     "those calls",
		     (unsigned long long)d->dp[BPFALG_ALG_SIP]
			     .c[BPFALG_ADP_TLS_FLOWS],
		     d->dp[BPFALG_ALG_SIP].c[BPFALG_ADP_TLS_FLOWS] == 1 ? "" :
									   "s");
		act(d, "SIPS endpoints must traverse the NAT themselves "
		       "(ICE/STUN, rport, a media relay)");
	}
	if (ftp)
		flowtab_close(ftp);
	if (fd >= 0)
		close(fd);
}

struct doctor_check {
	const char *name;
	bool needs_pins; /* runs only when bpfalg's state is readable */
	void (*fn)(struct doctor *d);
};

/*
 * The checklist, in the order an operator works through it.  One function
 * per concern; a new one goes where it belongs in this order.
 */
static const struct doctor_check checks[] = {
	{ "attach", false, check_attach },
	{ "controller", true, check_controller },
	{ "algs", true, check_algs },
	{ "forwarding", false, check_forwarding },
	{ "kernel", false, check_kernel },
	{ "rp_filter", false, check_rp_filter },
	{ "nat", false, check_masquerade },
	{ "kernel_helpers", false, check_nft_helpers },
	{ "kernel_helpers", false, check_ipt_helpers },
	{ "kernel_helpers", false, check_helper_sysctl },
	{ "kernel_helpers", false, check_conntrack },
	{ "programs", false, check_xdp },
	{ "programs", false, check_tc },
	{ "pinholes", true, check_pinholes },
	{ "media", true, check_media },
	{ "fail_policy", true, check_fail_policy },
	{ "tables", true, check_tables },
};

/* ------------------------------------------------------------ output */

static void print_text(const struct doctor *d)
{
	int count[SEV_N] = {}, w = 5;

	for (int i = 0; i < d->n; i++)
		if ((int)strlen(d->f[i].check) > w)
			w = strlen(d->f[i].check);
	printf("%-8s %-*s %s\n", "SEVERITY", w, "CHECK", "FINDING");
	for (int i = 0; i < d->n; i++) {
		const struct finding *f = &d->f[i];

		count[f->sev]++;
		printf("%-8s %-*s %s\n", sev_name[f->sev], w, f->check,
		       f->finding);
		if (f->action && strcmp(f->action, "none"))
			printf("%-8s %-*s -> %s\n", "", w, "", f->action);
	}
	printf("%d problem%s, %d warning%s, %d info, %d ok\n",
	       count[SEV_PROBLEM], count[SEV_PROBLEM] == 1 ? "" : "s",
	       count[SEV_WARN], count[SEV_WARN] == 1 ? "" : "s",
	       count[SEV_INFO], count[SEV_OK]);
}

static void print_json(const struct doctor *d)
{
	jsonw_start_object(json_wtr);
	jsonw_name(json_wtr, "findings");
	jsonw_start_array(json_wtr);
	for (int i = 0; i < d->n; i++) {
		const struct finding *f = &d->f[i];

		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "check", f->check);
		jsonw_string_field(json_wtr, "severity", sev_name[f->sev]);
		jsonw_string_field(json_wtr, "finding", f->finding);
		jsonw_string_field(json_wtr, "action",
				   f->action ? f->action : "none");
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

int do_doctor(int argc, char **argv)
{
	struct doctor *d = calloc(1, sizeof(*d));
	const char *iface_list = NULL;
	int ret = EXIT_OK;

	if (!d) {
		p_err("out of memory");
		return EXIT_RUNTIME;
	}
	while (argc > 0) {
		if (!strcmp(argv[0], "--iface")) {
			NEXT_ARG();
			if (argc < 1) {
				free(d);
				return usage_error("--iface needs "
						   "IF[,IF...]");
			}
			iface_list = argv[0];
		} else if (!strncmp(argv[0], "--iface=", 8)) {
			iface_list = argv[0] + 8;
		} else {
			free(d);
			return usage_error("unexpected argument '%s'", argv[0]);
		}
		NEXT_ARG();
	}
	load_state(d);
	if (d->pins)
		read_pinned_ifaces(d);
	if (iface_list) {
		ret = add_given_ifaces(d, iface_list);
		if (ret)
			goto out;
		d->ifs_given = true;
	}
	fill_hooks(d);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (checks[i].needs_pins && !d->pins)
			continue;
		d->check = checks[i].name;
		checks[i].fn(d);
	}
	if (d->oom) {
		p_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (json_wtr)
		print_json(d);
	else
		print_text(d);
	for (int i = 0; i < d->n; i++)
		if (d->f[i].sev == SEV_PROBLEM)
			ret = EXIT_RUNTIME;
out:
	for (int i = 0; i < d->n; i++) {
		free(d->f[i].finding);
		free(d->f[i].action);
	}
	free(d->f);
	nft_ruleset_free(&d->nft);
	free(d);
	return ret;
}
