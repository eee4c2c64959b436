// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* reload.c - see reload.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pins.h"
#include "reload.h"
#include "settings.h"
#include "util/log.h"

int forwards_read(const char *pin_path, struct config_forward *out, char *err,
		  size_t errlen)
{
	struct bpfalg_fwd_key key, prev;
	int fd = pins_map_fd(pin_path, "forwards", err, errlen), n = 0, m = 0;
	bool started = false;

	if (fd < 0)
		return fd;
	while (n < CONFIG_MAX_FORWARDS &&
	       !bpf_map_get_next_key(fd, started ? &prev : NULL, &key)) {
		prev = key;
		started = true;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].key = key;
		if (!bpf_map_lookup_elem(fd, &key, &out[n].val))
			n++;
	}
	close(fd);
	/* a key deleted meanwhile starts the walk over: read twice */
	qsort(out, n, sizeof(*out), forward_cmp);
	for (int i = 0; i < n; i++)
		if (!m || forward_cmp(&out[m - 1], &out[i]))
			out[m++] = out[i];
	return m;
}

int forwards_apply(const char *pin_path, const struct forward_change *ch, int n,
		   char *err, size_t errlen)
{
	int fd = pins_map_fd(pin_path, "forwards", err, errlen), ret = 0;

	if (fd < 0)
		return fd;
	for (int i = 0; i < n && !ret; i++) {
		char t[FORWARD_TEXT_MAX];
		bool del = ch[i].action == FWD_DEL;

		if (del ? bpf_map_delete_elem(fd, &ch[i].key) &&
				    errno != ENOENT :
			  bpf_map_update_elem(fd, &ch[i].key, &ch[i].to,
					      BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen, "cannot %s forward %s: %s",
				 del ? "delete" : "install",
				 forward_format(&ch[i].key,
						del ? &ch[i].from : &ch[i].to,
						t, sizeof(t)),
				 strerror(errno));
		}
	}
	close(fd);
	return ret;
}

int forwards_sync(const char *pin_path, const struct up_config *uc, bool log,
		  char *err, size_t errlen)
{
	struct config_forward *run;
	struct forward_change *ch;
	int n_run, n, ret;

	if (!uc->config_file[0])
		return 0; /* no file: the forwards are the operator's */
	run = calloc(CONFIG_MAX_FORWARDS, sizeof(*run));
	ch = calloc(CONFIG_MAX_FORWARDS + uc->n_fwd, sizeof(*ch));
	if (!run || !ch) {
		free(run);
		free(ch);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n_run = forwards_read(pin_path, run, err, errlen);
	ret = n_run < 0 ? n_run : 0;
	if (!ret) {
		n = forward_plan(run, n_run, uc->fwd, uc->n_fwd, ch);
		ret = forwards_apply(pin_path, ch, n, err, errlen);
		for (int i = 0; log && !ret && i < n; i++) {
			char t[160];

			pr_info("[daemon] %s (%s)\n",
				forward_change_text(&ch[i], t, sizeof(t)),
				uc->config_file);
		}
	}
	free(run);
	free(ch);
	return ret;
}

int config_running(const char *pin_path, struct up_config *uc, char *err,
		   size_t errlen)
{
	struct bpfalg_settings s;
	struct bpfalg_config c;
	long flows;
	int fd, ret;

	ret = pins_read_cfg(pin_path, &c, err, errlen);
	if (!ret)
		ret = settings_read(pin_path, &s, err, errlen);
	if (ret)
		return ret;
	config_defaults(uc);

	if (c.flags & BPFALG_CF_MASQUERADE) {
		uc->masquerade = true;
	} else {
		uc->snat_set = true;
		uc->snat_addr = c.public_v4;
	}
	uc->port_min = c.port_min;
	if (c.reinject_mask) {
		uc->reinject_mark = c.reinject_mark;
		uc->reinject_mask = c.reinject_mask;
	}
	uc->port_max = c.port_max;
	uc->fail_policy = c.fail_policy;
	uc->fail_open_after = c.fail_open_after;
	uc->timeouts = c.timeouts;
	uc->max_flows_per_host = c.max_flows_per_host;
	uc->host_share_auto = false;

	uc->n_inside = s.n_inside < CONFIG_MAX_INSIDE ? (int)s.n_inside :
							CONFIG_MAX_INSIDE;
	for (int i = 0; i < uc->n_inside; i++)
		snprintf(uc->inside[i], sizeof(uc->inside[i]), "%.*s",
			 (int)sizeof(s.inside[i]) - 1, s.inside[i]);
	uc->n_outside = s.n_outside < CONFIG_MAX_OUTSIDE ? (int)s.n_outside :
							   CONFIG_MAX_OUTSIDE;
	for (int i = 0; i < uc->n_outside; i++)
		snprintf(uc->outside[i], sizeof(uc->outside[i]), "%.*s",
			 (int)sizeof(s.outside[i]) - 1, s.outside[i]);
	snprintf(uc->inside_prefix, sizeof(uc->inside_prefix), "%.*s",
		 (int)sizeof(s.inside_prefix) - 1, s.inside_prefix);
	uc->xdp_mode = s.xdp_mode;
	uc->xdp_fast = s.xdp_fast;
	uc->tc_fast = s.tc_fast;
	uc->tc_mode = s.tc_mode;
	/* the table as it was made, whatever was asked later */
	flows = pins_max_entries(pin_path, "flows4");
	uc->flows = flows > 0 ? (__u32)flows : s.flows;
	uc->pinhole_timeout = s.pinhole_timeout;
	uc->pinholes_per_flow = s.pinholes_per_flow;
	uc->ftp_pinholes = s.ftp_pinholes;
	uc->max_sessions = s.max_sessions;
	uc->sessions_per_source = s.sessions_per_source;
	uc->session_idle = s.session_idle;
	uc->min_data_port = s.min_data_port;
	uc->log_level = s.log_level <= LOG_DEBUG ? s.log_level : LOG_INFO;
	snprintf(uc->metrics, sizeof(uc->metrics), "%.*s",
		 (int)sizeof(s.metrics) - 1, s.metrics);
	for (int a = 0; a < BPFALG_ALG_MAX; a++)
		snprintf(uc->alg_deny[a], sizeof(uc->alg_deny[a]), "%.*s",
			 (int)sizeof(s.deny[a]) - 1, s.deny[a]);
	snprintf(uc->sip_invite_from, sizeof(uc->sip_invite_from), "%.*s",
		 (int)sizeof(s.sip_invite_from) - 1, s.sip_invite_from);
	snprintf(uc->config_file, sizeof(uc->config_file), "%.*s",
		 (int)sizeof(s.config_file) - 1, s.config_file);

	fd = pins_map_fd(pin_path, "alg_cfg", err, errlen);
	if (fd < 0)
		return fd;
	for (__u32 a = 1; a < BPFALG_ALG_MAX; a++) {
		struct bpfalg_alg_cfg ac;

		if (bpf_map_lookup_elem(fd, &a, &ac))
			continue;
		uc->alg_mode[a] =
			ac.mode <= BPFALG_MODE_ON ? ac.mode : BPFALG_MODE_OFF;
		memcpy(uc->alg_ports[a], ac.ports, sizeof(ac.ports));
	}
	close(fd);
	/* a pin written by hand must not make us print a bad file */
	if (uc->xdp_mode > XDP_MODE_OFF || uc->xdp_fast > XDP_FAST_OFF ||
	    uc->tc_fast > XDP_FAST_OFF || uc->tc_mode > TC_MODE_CLSACT ||
	    uc->fail_policy > BPFALG_FAIL_PASS) {
		snprintf(err, errlen,
			 "the pinned settings hold values this "
			 "algctl does not know");
		return -EPROTO;
	}
	ret = forwards_read(pin_path, uc->fwd, err, errlen);
	if (ret < 0)
		return ret;
	uc->n_fwd = ret;
	return 0;
}

void config_reload_fill(const struct up_config *run, struct up_config *next)
{
	for (int a = 1; a < BPFALG_ALG_MAX; a++) {
		__u32 set = next->alg_set[a];

		if (!(set & ALG_SET_MODE))
			next->alg_mode[a] = run->alg_mode[a];
		if (!(set & ALG_SET_PORTS))
			memcpy(next->alg_ports[a], run->alg_ports[a],
			       sizeof(next->alg_ports[a]));
		if (!(set & ALG_SET_DENY))
			memcpy(next->alg_deny[a], run->alg_deny[a],
			       sizeof(next->alg_deny[a]));
		if (a == BPFALG_ALG_SIP && !(set & ALG_SET_INVITE))
			memcpy(next->sip_invite_from, run->sip_invite_from,
			       sizeof(next->sip_invite_from));
	}
	if (next->host_share_auto)
		next->max_flows_per_host = run->flows / CONFIG_HOST_SHARE;
}

/* Options changed live (top level); every per-ALG setting is. */
static const char *const live_keys[] = {
	"port-range",	       "fail-policy",	    "fail-open-after",
	"max-flows-per-host",  "timeout-tcp-syn",   "timeout-tcp-established",
	"timeout-tcp-fin",     "timeout-tcp-close", "timeout-udp",
	"timeout-udp-stream",  "timeout-icmp",	    "pinhole-timeout",
	"pinholes-per-flow",   "ftp-pinholes",	    "max-sessions",
	"sessions-per-source", "session-idle",	    "min-data-port",
	"log-level",
};
static const char *const live_alg_keys[] = { "mode", "ports", "deny",
					     "invite-from" };

bool config_key_live(const char *key)
{
	const char *sp = strchr(key, ' ');

	if (sp) {
		for (size_t i = 0;
		     i < sizeof(live_alg_keys) / sizeof(*live_alg_keys); i++)
			if (!strcmp(sp + 1, live_alg_keys[i]))
				return true;
		return false;
	}
	for (size_t i = 0; i < sizeof(live_keys) / sizeof(*live_keys); i++)
		if (!strcmp(key, live_keys[i]))
			return true;
	return false;
}

void config_apply_live(struct up_config *eff, const struct up_config *next)
{
	eff->port_min = next->port_min;
	eff->port_max = next->port_max;
	eff->fail_policy = next->fail_policy;
	eff->fail_open_after = next->fail_open_after;
	eff->max_flows_per_host = next->max_flows_per_host;
	eff->timeouts = next->timeouts;
	eff->pinhole_timeout = next->pinhole_timeout;
	eff->pinholes_per_flow = next->pinholes_per_flow;
	eff->ftp_pinholes = next->ftp_pinholes;
	eff->max_sessions = next->max_sessions;
	eff->sessions_per_source = next->sessions_per_source;
	eff->session_idle = next->session_idle;
	eff->min_data_port = next->min_data_port;
	eff->log_level = next->log_level;
	memcpy(eff->alg_mode, next->alg_mode, sizeof(eff->alg_mode));
	memcpy(eff->alg_ports, next->alg_ports, sizeof(eff->alg_ports));
	memcpy(eff->alg_deny, next->alg_deny, sizeof(eff->alg_deny));
	memcpy(eff->sip_invite_from, next->sip_invite_from,
	       sizeof(eff->sip_invite_from));
	/* the file read now (a default file may have appeared) */
	memcpy(eff->config_file, next->config_file, sizeof(eff->config_file));
}

/* One "key = value" line of config_format()'s output, with its section. */
struct kv {
	char key[48];
	char val[CONFIG_CHANGE_TEXT];
};

/* config_format() of @c into @out (CONFIG_MAX_CHANGES), forwards aside. */
static int kv_lines(const struct up_config *c, struct kv *out)
{
	char *buf = NULL, *line, *save, sect[16] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = 0;

	if (!f)
		return 0;
	config_format(c, f);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line && n < CONFIG_MAX_CHANGES;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(line, " =");

		if (line[0] == '[') {
			snprintf(sect, sizeof(sect), "%.*s",
				 (int)strcspn(line + 1, "]"), line + 1);
			continue;
		}
		if (!eq)
			continue;
		*eq = '\0';
		if (!strcmp(line, "forward"))
			continue;
		snprintf(out[n].key, sizeof(out[n].key), "%s%s%s", sect,
			 sect[0] ? " " : "", line);
		snprintf(out[n].val, sizeof(out[n].val), "%s",
			 eq[2] == ' ' ? eq + 3 : eq + 2);
		n++;
	}
	free(buf);
	return n;
}

static const struct kv *kv_find(const struct kv *l, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(l[i].key, key))
			return &l[i];
	return NULL;
}

static int add_change(struct config_change *out, int max, int n,
		      const char *key, const char *from, const char *to)
{
	if (n < max) {
		snprintf(out[n].key, sizeof(out[n].key), "%s", key);
		snprintf(out[n].from, sizeof(out[n].from), "%s", from);
		snprintf(out[n].to, sizeof(out[n].to), "%s", to);
		out[n].live = config_key_live(key);
	}
	return n + 1;
}

int config_diff(const struct up_config *run, const struct up_config *next,
		struct config_change *out, int max)
{
	struct kv *a = calloc(2 * CONFIG_MAX_CHANGES, sizeof(*a)), *b;
	int na, nb, n = 0;

	if (!a)
		return 0;
	b = a + CONFIG_MAX_CHANGES;
	na = kv_lines(run, a);
	nb = kv_lines(next, b);
	for (int i = 0; i < nb; i++) {
		const struct kv *o = kv_find(a, na, b[i].key);

		if (!o || strcmp(o->val, b[i].val))
			n = add_change(out, max, n, b[i].key, o ? o->val : "",
				       b[i].val);
	}
	/* written for @run only (masquerade giving way to snat) */
	for (int i = 0; i < na; i++)
		if (!kv_find(b, nb, a[i].key))
			n = add_change(out, max, n, a[i].key, a[i].val, "");
	free(a);
	return n;
}

int reload_write(const char *pin_path, const struct up_config *run,
		 const struct up_config *eff, char *err, size_t errlen)
{
	int ret = 0, fd;

	if (memcmp(&run->timeouts, &eff->timeouts, sizeof(eff->timeouts)) ||
	    run->fail_policy != eff->fail_policy ||
	    run->fail_open_after != eff->fail_open_after ||
	    run->port_min != eff->port_min || run->port_max != eff->port_max ||
	    run->max_flows_per_host != eff->max_flows_per_host) {
		struct bpfalg_config c;

		ret = pins_read_cfg(pin_path, &c, err, errlen);
		if (ret)
			return ret;
		c.timeouts = eff->timeouts;
		c.fail_policy = eff->fail_policy;
		c.fail_open_after = eff->fail_open_after;
		c.port_min = eff->port_min;
		c.port_max = eff->port_max;
		c.max_flows_per_host = eff->max_flows_per_host;
		ret = pins_write_cfg(pin_path, &c, err, errlen);
		if (ret)
			return ret;
	}

	fd = pins_map_fd(pin_path, "alg_cfg", err, errlen);
	if (fd < 0)
		return fd;
	for (__u32 a = 1; a < BPFALG_ALG_MAX && !ret; a++) {
		struct bpfalg_alg_cfg ac = {};

		if (run->alg_mode[a] == eff->alg_mode[a] &&
		    !memcmp(run->alg_ports[a], eff->alg_ports[a],
			    sizeof(eff->alg_ports[a])))
			continue;
		bpf_map_lookup_elem(fd, &a, &ac);
		ac.mode = eff->alg_mode[a];
		memcpy(ac.ports, eff->alg_ports[a], sizeof(ac.ports));
		if (bpf_map_update_elem(fd, &a, &ac, BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen, "cannot set %s: %s", alg_name(a),
				 strerror(errno));
		}
	}
	close(fd);
	if (ret)
		return ret;

	if (memcmp(run->alg_deny, eff->alg_deny, sizeof(eff->alg_deny)) ||
	    strcmp(run->sip_invite_from, eff->sip_invite_from) ||
	    run->pinhole_timeout != eff->pinhole_timeout ||
	    run->pinholes_per_flow != eff->pinholes_per_flow ||
	    run->ftp_pinholes != eff->ftp_pinholes ||
	    run->max_sessions != eff->max_sessions ||
	    run->sessions_per_source != eff->sessions_per_source ||
	    run->session_idle != eff->session_idle ||
	    run->min_data_port != eff->min_data_port ||
	    run->log_level != eff->log_level ||
	    strcmp(run->config_file, eff->config_file)) {
		struct bpfalg_settings s;

		ret = settings_read(pin_path, &s, err, errlen);
		if (ret)
			return ret;
		for (int a = 0; a < BPFALG_ALG_MAX; a++)
			snprintf(s.deny[a], sizeof(s.deny[a]), "%s",
				 eff->alg_deny[a]);
		snprintf(s.sip_invite_from, sizeof(s.sip_invite_from), "%s",
			 eff->sip_invite_from);
		s.pinhole_timeout = eff->pinhole_timeout;
		s.pinholes_per_flow = eff->pinholes_per_flow;
		s.ftp_pinholes = eff->ftp_pinholes;
		s.max_sessions = eff->max_sessions;
		s.sessions_per_source = eff->sessions_per_source;
		s.session_idle = eff->session_idle;
		s.min_data_port = eff->min_data_port;
		s.log_level = eff->log_level;
		snprintf(s.config_file, sizeof(s.config_file), "%s",
			 eff->config_file);
		ret = settings_write(pin_path, &s, err, errlen);
	}
	return ret;
}
