// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* daemon.c - see daemon.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "daemon.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "gc.h"
#include "gc_thread.h"
#include "loader.h"
#include "migrate.h"
#include "metrics.h"
#include "monitor.h"
#include "pins.h"
#include "reload.h"
#include "settings.h"
#include "util/log.h"
#include "util/netlink.h"
#include "util/sdnotify.h"

char **daemon_argv;
bool daemon_following;

struct daemon {
	const char *pin_path;
	const struct up_config *uc;
	int argc; /* the daemon's options, read again on SIGHUP */
	char **argv;
	struct gc_maps gc;
	struct gc_stats gc_total;
	struct gc_thread *gct; /* the expiry sweep */
	__u64 port_search_found, port_search_failed, port_search_logged;
	struct ring_buffer *rb;
	struct engine *eng;
	struct nl_addr_watch *nlw;
	struct monitor *mon; /* algctl events / capture subscribers */
	struct metrics *met;
	int epfd, tfd, sfd;
	bool policy_read;
	__u64 policy_gen; /* settings generation the engine has */
	__u32 log_level; /* the settings' log level, as last applied */
	__u32 cfg_id; /* the cfg map this controller runs on */
	bool restart; /* the maps were replaced: start again on them */
	__u64 paused_ns; /* SIGUSR1: paused for a migration since, 0 not */
	char exe[PATH_MAX]; /* this binary, as started */
};

/* A punted control-channel packet: the engine parses, rewrites, sends. */
/*
 * BPFALG_PUNT_PORT_SEARCH: a new SNAT flow found no public port within the
 * packet path's probe budget.  The whole range is searched here and the
 * flow inserted; the sender's retransmission finds it.
 */
/* The public address of outside interface @ifindex (@dflt: the first's). */
static __be32 outside_addr(struct daemon *d, __u32 ifindex, __be32 dflt)
{
	struct bpfalg_iface ifc;
	char err[256];
	int fd = pins_map_fd(d->pin_path, "ifaces", err, sizeof(err));
	bool ok;

	if (fd < 0)
		return dflt;
	ok = !bpf_map_lookup_elem(fd, &ifindex, &ifc) && ifc.public_v4;
	close(fd);
	return ok ? ifc.public_v4 : dflt;
}

static bool port_search(struct daemon *d, const void *data, size_t size)
{
	const struct bpfalg_punt_hdr *h = data;
	struct bpfalg_config c;
	char err[256];
	__u16 lo, hi, port;

	if (size < sizeof(*h) || h->reason != BPFALG_PUNT_PORT_SEARCH)
		return false;
	if (h->layout_version != BPFALG_LAYOUT_VERSION ||
	    pins_read_cfg(d->pin_path, &c, err, sizeof(err)) || !c.public_v4)
		return true;
	lo = c.port_min && c.port_min <= c.port_max ? c.port_min : 1024;
	hi = c.port_min && c.port_min <= c.port_max ? c.port_max : 65535;
	if (flowtab_snat_search(&d->gc.ft, &h->key,
				outside_addr(d, h->orig_len, c.public_v4), lo,
				hi, h->ifindex, h->orig_len, &port)) {
		/* at most one line every 10 s: a full range under load
		 * would otherwise flood the log
		 */
		if (!d->port_search_failed++ ||
		    mono_ns() - d->port_search_logged > 10 * 1000000000ULL) {
			d->port_search_logged = mono_ns();
			pr_warn("[daemon] no free public port in %u-%u for a "
				"new flow: the range is full (%llu so far)\n",
				lo, hi,
				(unsigned long long)d->port_search_failed);
		}
		return true;
	}
	d->port_search_found++;
	return true;
}

/* BPFALG_PUNT_PINHOLE_USED: the owning session's pinholes, at once. */
static bool pinhole_used(struct daemon *d, const void *data, size_t size)
{
	const struct bpfalg_punt_hdr *h = data;

	if (size < sizeof(*h) || h->reason != BPFALG_PUNT_PINHOLE_USED)
		return false;
	if (h->layout_version == BPFALG_LAYOUT_VERSION)
		engine_pinhole_used(d->eng, &h->key);
	return true;
}

static int on_punt(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;
	int ret;

	if (port_search(d, data, size) || pinhole_used(d, data, size))
		return 0;
	if (monitor_datapath_record(d->mon, data, size))
		return 0; /* a new flow reported for algctl events */
	events_punt_begin(data, size);
	ret = engine_punt(d->eng, data, size);
	events_punt_end();
	return ret;
}

static int update_cfg(struct daemon *d, bool stopping)
{
	struct bpfalg_config c;
	char err[256];

	if (pins_read_cfg(d->pin_path, &c, err, sizeof(err))) {
		if (!stopping ||
		    pins_exist(d->pin_path)) /* down removed them */
			pr_warn("[daemon] %s\n", err);
		return -1;
	}
	c.controller_pid = stopping ? 0 : (__u32)getpid();
	/* stopping: the last heartbeat stays, fail-open-after counts from it */
	if (!stopping)
		c.controller_heartbeat_ns = mono_ns();
	c.flags = monitor_cfg_flags(stopping ? NULL : d->mon, c.flags);
	if (pins_write_cfg(d->pin_path, &c, err, sizeof(err))) {
		pr_warn("[daemon] %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * Masquerade over several outside interfaces: the others' own addresses
 * (struct bpfalg_iface.public_v4) follow them too.  One that lost its
 * address falls back to the first one's.
 */
static void refresh_more_outside(struct daemon *d, __u32 first)
{
	char err[256], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int fd = pins_map_fd(d->pin_path, "ifaces", err, sizeof(err));
	struct bpfalg_iface ifc;
	__u32 key, *prev = NULL;

	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		__be32 addr = 0;
		int ret;

		prev = &key;
		if (key == first || bpf_map_lookup_elem(fd, &key, &ifc) ||
		    ifc.role != BPFALG_ROLE_OUTSIDE)
			continue;
		ret = nl_primary_ipv4(key, &addr);
		if ((ret && ret != -ENOENT) || addr == ifc.public_v4)
			continue;
		inet_ntop(AF_INET, &ifc.public_v4, a, sizeof(a));
		inet_ntop(AF_INET, &addr, b, sizeof(b));
		pr_warn("[daemon] masquerade address of ifindex %u %s -> %s\n",
			key, a, addr ? b : "(none: the first outside's)");
		ifc.public_v4 = addr;
		bpf_map_update_elem(fd, &key, &ifc, BPF_EXIST);
	}
	if (fd >= 0)
		close(fd);
}

/* Masquerade: the public address follows the outside interface. */
static void refresh_public_addr(struct daemon *d)
{
	struct bpfalg_config c;
	char err[256], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	__be32 addr = 0;
	int ret;

	if (pins_read_cfg(d->pin_path, &c, err, sizeof(err)) ||
	    !(c.flags & BPFALG_CF_MASQUERADE))
		return;
	refresh_more_outside(d, c.outside_ifindex);
	ret = nl_primary_ipv4(c.outside_ifindex, &addr);
	if (ret && ret != -ENOENT)
		return;
	if (addr == c.public_v4)
		return;
	inet_ntop(AF_INET, &c.public_v4, a, sizeof(a));
	inet_ntop(AF_INET, &addr, b, sizeof(b));
	pr_warn("[daemon] masquerade address %s -> %s\n", a,
		addr ? b : "(none: new flows dropped)");
	c.public_v4 = addr;
	pins_write_cfg(d->pin_path, &c, err, sizeof(err));
}

/*
 * The command policies live in the pinned settings (`algctl alg ... --deny`
 * changes them at any time): hand them to the engine when they changed.
 */
static void refresh_policy(struct daemon *d)
{
	struct bpfalg_settings s;
	char err[256], list[BPFALG_SETTINGS_LIST];

	if (settings_read(d->pin_path, &s, err, sizeof(err)) ||
	    (d->policy_read && s.generation == d->policy_gen))
		return;
	d->policy_read = true;
	d->policy_gen = s.generation;
	/* `algctl log-level`, or a reload that changed log-level */
	if (s.log_level <= LOG_DEBUG && s.log_level != d->log_level) {
		pr_warn("[daemon] log level %s -> %s\n",
			log_level_names[d->log_level],
			log_level_names[s.log_level]);
		d->log_level = s.log_level;
		log_level = (int)s.log_level;
	}
	for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++) {
		struct alg_policy p;
		char shown[BPFALG_SETTINGS_LIST];

		if (settings_policy(&s, a, &p, err, sizeof(err))) {
			pr_warn("[daemon] %s deny list ignored: %s\n",
				alg_name(a), err);
			memset(&p, 0, sizeof(p));
		}
		if (a == BPFALG_ALG_SIP) {
			int n;

			memcpy(list, s.sip_invite_from, sizeof(list));
			list[sizeof(list) - 1] = '\0';
			n = prefix_list_parse(list, p.from, PREFIX_LIST_MAX,
					      err, sizeof(err));
			if (n < 0)
				pr_warn("[daemon] sip invite-from ignored: "
					"%s\n",
					err);
			p.n_from = n < 0 ? 0 : n;
		}
		engine_set_policy(d->eng, a, &p);
		alg_policy_format(&p, shown, sizeof(shown));
		if (p.n_deny || p.n_from)
			pr_info("[daemon] %s policy: deny %s%s%s\n",
				alg_name(a), p.n_deny ? shown : "nothing",
				p.n_from ? ", INVITE from outside only from " :
					   "",
				p.n_from ? list : "");
	}
}

static void engine_cfg_from(const struct up_config *uc,
			    struct engine_config *ec)
{
	engine_config_defaults(ec);
	ec->pinhole_timeout_s = uc->pinhole_timeout;
	ec->pinholes_per_flow = uc->pinholes_per_flow;
	ec->ftp_pinholes = uc->ftp_pinholes;
	ec->max_sessions = uc->max_sessions;
	ec->sessions_per_source = uc->sessions_per_source;
	ec->session_idle_s = uc->session_idle;
	ec->min_data_port = (__u16)uc->min_data_port;
}

static const char *or_none(const char *v)
{
	return v[0] ? v : "none";
}

/*
 * SIGHUP (systemctl reload): the options once more as at start, the file
 * (--config, else the default file) and then the daemon's own flags, so a
 * flag still overrides the file.  All of it is parsed and checked before
 * anything changes: a bad file is one warning with FILE:LINE and reason,
 * and nothing changes.  Otherwise what differs from the running
 * configuration (the pins: `algctl alg` and `forward add` made live
 * changes there) is applied live, one line each; what only a restart can
 * change (interfaces, addresses, table size, attach modes, the reinject
 * mark, metrics) keeps its running value, with a warning that says so.
 */
static void reload(struct daemon *d)
{
	struct up_config *run = malloc(sizeof(*run)),
			 *next = malloc(sizeof(*next)),
			 *eff = malloc(sizeof(*eff));
	struct config_change *ch = calloc(CONFIG_MAX_CHANGES, sizeof(*ch));
	struct forward_change *fc =
		calloc(2 * CONFIG_MAX_FORWARDS, sizeof(*fc));
	struct engine_config ec;
	char err[512], text[160];
	int n, nf = 0, live = 0, restart = 0;

	if (!run || !next || !eff || !ch || !fc) {
		pr_warn("[daemon] reload: out of memory: nothing changed\n");
		goto out;
	}
	config_defaults(next);
	if (config_parse_args(d->argc, d->argv, CONFIG_DEFAULT_FILE, next, err,
			      sizeof(err)) ||
	    config_running(d->pin_path, run, err, sizeof(err))) {
		pr_warn("[daemon] reload: %s: nothing changed\n", err);
		goto out;
	}
	config_reload_fill(run, next);
	n = config_diff(run, next, ch, CONFIG_MAX_CHANGES);
	if (next->config_file[0])
		nf = forward_plan(run->fwd, run->n_fwd, next->fwd, next->n_fwd,
				  fc);
	*eff = *run;
	config_apply_live(eff, next);
	if (reload_write(d->pin_path, run, eff, err, sizeof(err)) ||
	    forwards_apply(d->pin_path, fc, nf, err, sizeof(err))) {
		/* the checks passed: a map that cannot be written */
		pr_warn("[daemon] reload: %s\n", err);
		goto out;
	}
	engine_cfg_from(eff, &ec);
	engine_set_config(d->eng, &ec);

	for (int i = 0; i < n && i < CONFIG_MAX_CHANGES; i++) {
		if (ch[i].live) {
			live++;
			pr_info("[daemon] reload: %s %s -> %s\n", ch[i].key,
				or_none(ch[i].from), or_none(ch[i].to));
		} else {
			restart++;
			pr_warn("[daemon] reload: %s %s -> %s needs a restart "
				"(keeping %s)\n",
				ch[i].key, or_none(ch[i].from),
				or_none(ch[i].to), or_none(ch[i].from));
		}
	}
	for (int i = 0; i < nf; i++)
		pr_info("[daemon] reload: %s\n",
			forward_change_text(&fc[i], text, sizeof(text)));
	if (!live && !nf && !restart)
		pr_info("[daemon] reload of %s: nothing changed\n",
			or_none(next->config_file));
	else
		pr_info("[daemon] reload of %s: %d applied, %d need a "
			"restart\n",
			or_none(next->config_file), live + nf, restart);
	refresh_policy(d); /* the deny lists written above */
out:
	refresh_public_addr(d);
	free(run);
	free(next);
	free(eff);
	free(ch);
	free(fc);
}

static int add_fd(int epfd, int fd);

/*
 * SIGUSR1 from `up` before it migrates the maps (migrate.h): whatever the
 * engine had in hand is written, then nothing more is read from the ring
 * or written to the maps until they are replaced (the tick restarts the
 * controller on the new ones) or the migration is given up.  The flag in
 * cfg tells `up` that the maps are still.
 */
static void pause_for_migration(struct daemon *d)
{
	struct bpfalg_config c;
	char err[256];

	if (d->paused_ns)
		return;
	engine_flush_stats(d->eng);
	d->paused_ns = mono_ns();
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, ring_buffer__epoll_fd(d->rb), NULL);
	if (pins_read_cfg(d->pin_path, &c, err, sizeof(err)))
		return;
	c.flags |= BPFALG_CF_CTL_PAUSED;
	pins_write_cfg(d->pin_path, &c, err, sizeof(err));
	pr_warn("[daemon] paused: the datapath is being migrated\n");
}

/* `up` gave up (it cleared the flag), or never came back. */
static bool pause_over(struct daemon *d)
{
	struct bpfalg_config c;
	char err[256];

	return pins_read_cfg(d->pin_path, &c, err, sizeof(err)) ||
	       !(c.flags & BPFALG_CF_CTL_PAUSED) ||
	       mono_ns() - d->paused_ns > MIGRATE_PAUSE_MAX_NS;
}

static void resume(struct daemon *d)
{
	d->paused_ns = 0;
	add_fd(d->epfd, ring_buffer__epoll_fd(d->rb));
	migrate_resume(d->pin_path);
	pr_warn("[daemon] resumed: the maps were not replaced\n");
}

static void tick(struct daemon *d)
{
	struct gc_stats before = d->gc_total;
	__u64 exp;

	if (read(d->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	/* `up` migrated the datapath to new maps (another layout or size):
	 * this process holds the old ones, so it starts again on the new
	 */
	if (migrate_cfg_id(d->pin_path) != d->cfg_id) {
		pr_warn("[daemon] the datapath's maps were replaced (upgrade "
			"or "
			"resize): restarting the controller on them\n");
		d->restart = true;
		return;
	}
	if (d->paused_ns && pause_over(d))
		resume(d);
	update_cfg(d, false);
	if (d->paused_ns)
		return; /* the maps stay as the migration copies them */
	refresh_policy(d);
	engine_tick(d->eng);
	/* the sweep runs on its own thread: report what it ended */
	gc_thread_drain(d->gct);
	gc_totals_read(&d->gc_total);
	if (d->gc_total.flows_expired != before.flows_expired ||
	    d->gc_total.rev_orphans != before.rev_orphans ||
	    d->gc_total.pinholes_expired != before.pinholes_expired)
		pr_info("[daemon] expired: %llu flows, %llu orphan halves, "
			"%llu pinholes\n",
			(unsigned long long)(d->gc_total.flows_expired -
					     before.flows_expired),
			(unsigned long long)(d->gc_total.rev_orphans -
					     before.rev_orphans),
			(unsigned long long)(d->gc_total.pinholes_expired -
					     before.pinholes_expired));
}

static int add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int open_maps(struct daemon *d, char *err, size_t errlen)
{
	int rb_fd;

	if (flowtab_open(&d->gc.ft, d->pin_path, err, errlen))
		return -1;
	d->gc.pinholes = pins_map_fd(d->pin_path, "pinholes", err, errlen);
	d->gc.frags = pins_map_fd(d->pin_path, "frags", err, errlen);
	d->gc.hosts = pins_map_fd(d->pin_path, "host_answered", err, errlen);
	rb_fd = pins_map_fd(d->pin_path, "punt_rb", err, errlen);
	if (d->gc.pinholes < 0 || d->gc.frags < 0 || d->gc.hosts < 0 ||
	    rb_fd < 0)
		return -1;
	d->rb = ring_buffer__new(rb_fd, on_punt, d, NULL);
	close(rb_fd); /* the ring buffer keeps its own mapping */
	if (!d->rb) {
		snprintf(err, errlen, "cannot consume the punt ring buffer: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int another_controller(const char *pin_path)
{
	struct bpfalg_config c;
	char err[256];

	if (pins_read_cfg(pin_path, &c, err, sizeof(err)) ||
	    !c.controller_pid || c.controller_pid == (__u32)getpid())
		return 0;
	if (kill(c.controller_pid, 0) && errno == ESRCH)
		return 0;
	/* alive, and still beating: somebody else consumes the ring buffer */
	if (mono_ns() - c.controller_heartbeat_ns < 5000000000ULL)
		return c.controller_pid;
	return 0;
}

int daemon_run(const char *pin_path, const struct up_config *uc, int argc,
	       char **argv)
{
	struct itimerspec its = { .it_interval = { 1, 0 },
				  .it_value = { 1, 0 } };
	struct daemon d = { .pin_path = pin_path,
			    .uc = uc,
			    .argc = argc,
			    .argv = argv,
			    .epfd = -1,
			    .tfd = -1,
			    .sfd = -1 };
	struct epoll_event evs[8];
	char err[512];
	sigset_t mask;
	bool was_up;
	int ret = 1, other;
	/* systemd's watchdog (WatchdogSec=): pinged on the 1 s tick */
	bool watchdog = sdn_watchdog_usec() != 0;

	d.gc.pinholes = d.gc.frags = d.gc.hosts = -1;
	d.log_level = uc->log_level;
	flowtab_init(&d.gc.ft);
	/* a SIGHUP (systemctl reload) while the programs load must not end
	 * the daemon: held until the event loop reads it (a reload then)
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* restarted on maps `up` just migrated: they are attached and the
	 * heartbeat it copied is ageing, so straight to the ring buffer
	 */
	if (daemon_following && pins_exist(pin_path)) {
		was_up = true;
	} else if (loader_up(pin_path, uc, &was_up, err, sizeof(err))) {
		p_err("%s", err);
		return 1;
	}
	other = another_controller(pin_path);
	if (other) {
		p_err("a controller is already running (pid %d)", other);
		return 1;
	}
	/* this controller's options become the running ones */
	if (settings_store(pin_path, uc, true, err, sizeof(err)) ||
	    forwards_sync(pin_path, uc, true, err, sizeof(err))) {
		p_err("%s", err);
		return 1;
	}
	d.eng = calloc(1, sizeof(*d.eng));
	if (!d.eng) {
		p_err("out of memory");
		goto out;
	}
	{
		struct engine_config ec;

		engine_cfg_from(uc, &ec);
		if (engine_open(d.eng, pin_path, &ec, err, sizeof(err))) {
			p_err("%s", err);
			free(d.eng);
			d.eng = NULL;
			goto out;
		}
		refresh_policy(&d);
	}
	if (open_maps(&d, err, sizeof(err))) {
		p_err("%s", err);
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	d.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d.sfd < 0 || d.tfd < 0 || d.epfd < 0 ||
	    timerfd_settime(d.tfd, 0, &its, NULL) || add_fd(d.epfd, d.sfd) ||
	    add_fd(d.epfd, d.tfd) ||
	    add_fd(d.epfd, ring_buffer__epoll_fd(d.rb))) {
		p_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	if (uc->masquerade) {
		d.nlw = nl_addr_watch_open();
		if (!d.nlw || add_fd(d.epfd, nl_addr_watch_fd(d.nlw)))
			pr_warn("[daemon] no address notifications: masquerade "
				"address will not follow changes\n");
	}
	d.gct = gc_thread_start(pin_path, &d.gc, err, sizeof(err));
	if (!d.gct) {
		p_err("%s", err);
		goto out;
	}
	d.mon = monitor_open(pin_path, &d.gc.ft, err, sizeof(err));
	if (!d.mon || add_fd(d.epfd, monitor_fd(d.mon)))
		pr_warn("[daemon] algctl events/capture unavailable: %s\n",
			d.mon ? strerror(errno) : err);
	if (uc->metrics[0]) {
		d.met = metrics_start(uc->metrics, pin_path, err, sizeof(err));
		if (!d.met) {
			p_err("%s", err);
			goto out;
		}
	}
	if (update_cfg(&d, false))
		goto out;
	d.cfg_id = migrate_cfg_id(pin_path);
	/* as started: after a package upgrade the path is the new binary */
	if (readlink("/proc/self/exe", d.exe, sizeof(d.exe) - 1) < 0)
		d.exe[0] = '\0';
	pr_warn("[daemon] controller running (pid %d, pins %s)%s\n", getpid(),
		pin_path, was_up ? "" : ", datapath attached");
	/* Type=notify: started once the controller consumes the ring */
	sdn_notifyf("READY=1\nSTATUS=controller running (pins %s)", pin_path);

	for (;;) {
		int n = epoll_wait(d.epfd, evs, 8, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			p_err("epoll: %s", strerror(errno));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == d.sfd) {
				struct signalfd_siginfo si;

				if (read(d.sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					sdn_notifyf(
						"RELOADING=1\n"
						"MONOTONIC_USEC=%llu",
						(unsigned long long)mono_ns() /
							1000);
					reload(&d);
					sdn_notify("READY=1");
					continue;
				}
				if (si.ssi_signo == SIGUSR1) {
					pause_for_migration(&d);
					continue;
				}
				pr_warn("[daemon] %s: controller stopping, "
					"datapath stays attached\n",
					strsignal(si.ssi_signo));
				sdn_notify("STOPPING=1");
				ret = 0;
				goto out;
			} else if (fd == d.tfd) {
				tick(&d);
				if (watchdog)
					sdn_notify("WATCHDOG=1");
				if (d.restart) {
					ret = 0;
					goto out;
				}
			} else if (d.mon && fd == monitor_fd(d.mon)) {
				monitor_run(d.mon);
			} else if (d.nlw && fd == nl_addr_watch_fd(d.nlw)) {
				if (nl_addr_watch_drain(d.nlw))
					refresh_public_addr(&d);
			} else if (!d.paused_ns) {
				/* counters reach the map on the 1 s tick */
				ring_buffer__consume(d.rb);
			}
		}
	}
out:
	metrics_stop(d.met);
	/* a restart keeps the heartbeat: punts wait in the ring for it */
	if ((ret == 0 || d.rb) && !d.restart)
		update_cfg(&d, true);
	monitor_close(d.mon);
	ring_buffer__free(d.rb);
	if (d.eng) {
		engine_flush_stats(d.eng);
		engine_close(d.eng);
		free(d.eng);
	}
	nl_addr_watch_close(d.nlw);
	{
		int fds[] = { d.gc.pinholes, d.gc.frags, d.gc.hosts };

		gc_thread_stop(d.gct);
		flowtab_close(&d.gc.ft);

		for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.tfd >= 0)
		close(d.tfd);
	if (d.sfd >= 0)
		close(d.sfd);
	if (d.restart) {
		setenv(FOLLOW_PINS_ENV, "1", 1);
		if (d.exe[0] && daemon_argv)
			execv(d.exe, daemon_argv);
		p_err("cannot restart the controller (%s): %s", d.exe,
		      strerror(errno));
		return 1;
	}
	return ret;
}
