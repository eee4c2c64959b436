// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * config.c - option table for `algctl up` / `algctl daemon`.
 *
 * Every option is one row: name, type, where the value goes, bounds, help.
 * Parsing, validation messages, the help text, the configuration file's
 * keys (the name without "--") and `config show` all come from the table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alg/alg.h"
#include "config.h"
#include "conffile.h"
#include "format.h"
#include "util/json_writer.h"
#include "util/log.h"
#include "util/prefix.h"

static const char *const alg_names[BPFALG_ALG_MAX] = {
	[BPFALG_ALG_NONE] = "none", [BPFALG_ALG_FTP] = "ftp",
	[BPFALG_ALG_SIP] = "sip",   [BPFALG_ALG_RTSP] = "rtsp",
	[BPFALG_ALG_TFTP] = "tftp",
};

const __u16 alg_default_port[BPFALG_ALG_MAX] = {
	[BPFALG_ALG_FTP] = 21,
	[BPFALG_ALG_SIP] = 5060,
	[BPFALG_ALG_RTSP] = 554,
	[BPFALG_ALG_TFTP] = 69,
};

static const char *const mode_names[] = { "off", "observe", "on", NULL };
static const char *const xdp_mode_names[] = { "native", "generic", "off",
					      NULL };
static const char *const xdp_fast_names[] = { "auto", "on", "off", NULL };
static const char *const fail_names[] = { "drop", "pass", NULL };
/* enum log_level's */
const char *const log_level_names[] = { "warn", "info", "debug", NULL };
static const char *const tc_mode_names[] = { "auto", "tcx", "clsact", NULL };

const char *alg_name(unsigned int alg)
{
	return alg < BPFALG_ALG_MAX ? alg_names[alg] : "?";
}

int alg_from_name(const char *name)
{
	for (int i = 1; i < BPFALG_ALG_MAX; i++)
		if (!strcmp(name, alg_names[i]))
			return i;
	return -1;
}

const char *alg_mode_name(unsigned int mode)
{
	return mode <= BPFALG_MODE_ON ? mode_names[mode] : "?";
}

static int enum_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

int alg_mode_from_name(const char *name)
{
	return enum_index(mode_names, name);
}

void config_defaults(struct up_config *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 1; i < BPFALG_ALG_MAX; i++) {
		c->alg_mode[i] = BPFALG_MODE_ON;
		c->alg_ports[i][0] = alg_default_port[i];
	}
	c->xdp_mode = XDP_MODE_NATIVE;
	c->xdp_fast = XDP_FAST_AUTO;
	c->flows = BPFALG_DEFAULT_FLOWS;
	c->max_flows_per_host = c->flows / CONFIG_HOST_SHARE;
	c->host_share_auto = true;
	c->port_min = 1024;
	c->port_max = 65535;
	c->reinject_mark = BPFALG_REINJECT_MARK;
	c->reinject_mask = BPFALG_REINJECT_MASK;
	c->fail_policy = BPFALG_FAIL_DROP;
	c->fail_open_after = CONFIG_FAIL_OPEN_AFTER;
	/* conntrack's defaults */
	c->timeouts.tcp_syn = 120;
	c->timeouts.tcp_established = 432000;
	c->timeouts.tcp_fin = 120;
	c->timeouts.tcp_close = 10;
	c->timeouts.udp = 30;
	c->timeouts.udp_stream = 120;
	c->timeouts.icmp = 30;
	c->pinhole_timeout = 60;
	c->pinholes_per_flow = 8;
	c->ftp_pinholes = 1;
	c->max_sessions = 8192;
	c->sessions_per_source = 256;
	c->session_idle = 600;
	c->min_data_port = 1024;
	c->log_level = LOG_INFO;
}

enum opt_type {
	OPT_IFLIST, /* comma-separated interface names */
	OPT_FLAG, /* sets a bool; in the file: yes|no */
	OPT_ADDR4,
	OPT_ALGLIST, /* NAME[:MODE],...: listed ALGs on (or MODE), others off */
	OPT_ENUM, /* __u32 index into names */
	OPT_U32, /* __u32 in [min, max] */
	OPT_RANGE, /* MIN-MAX into two __u32 */
	OPT_MARK, /* VALUE[/MASK] into two __u32 (VALUE within MASK) */
	OPT_FILE, /* --config FILE: command line only */
	OPT_LISTEN, /* ADDR:PORT, "" none: config_parse_listen() */
	OPT_CIDRS, /* prefixes into a canonical list: prefix_list_parse() */
	/* per ALG, .alg says which */
	OPT_ALG_MODE,
	OPT_PORTS,
	OPT_DENY, /* command/method names: alg_policy_parse() */
	OPT_PREFIXES, /* addresses or prefixes: prefix_list_parse() */
};

struct opt_def {
	const char *name;
	enum opt_type type;
	size_t off;
	const char *const *names; /* OPT_ENUM, OPT_ALG_MODE */
	unsigned long min, max; /* OPT_U32, OPT_RANGE */
	const char *arg;
	const char *help;
	unsigned int alg; /* per-ALG types */
};

#define OFF(f) offsetof(struct up_config, f)
#define TIMEOUT(n, f, h)                                                     \
	{                                                                    \
		"--timeout-" n, OPT_U32, OFF(timeouts.f), NULL, 1, 31536000, \
			"SECONDS", h                                         \
	}
#define ALG_MODE(a, n)                                                   \
	{                                                                \
		"--" n "-mode", OPT_ALG_MODE, 0, mode_names, 0, 0,       \
			"off|observe|on", n " mode (on)", BPFALG_ALG_##a \
	}
#define ALG_PORTS(a, n, p)                                                  \
	{                                                                   \
		"--" n "-ports", OPT_PORTS, 0, NULL, 0, 0, "P[,P...]",      \
			n " control ports, up to 4 (" p ")", BPFALG_ALG_##a \
	}
#define ALG_DENY(a, n, what)                                               \
	{                                                                  \
		"--" n "-deny", OPT_DENY, 0, NULL, 0, 0, "LIST",           \
			what " the gateway refuses (none)", BPFALG_ALG_##a \
	}

static const struct opt_def opts[] = {
	{ "--config", OPT_FILE, 0, NULL, 0, 0, "FILE",
	  "read options from FILE first, flags override it "
	  "(default " CONFIG_DEFAULT_FILE " if it exists)" },
	{ "--inside", OPT_IFLIST, OFF(inside), NULL, 0, 0, "IF[,IF...]",
	  "inside (private) interfaces" },
	{ "--inside-prefix", OPT_CIDRS, OFF(inside_prefix), NULL, 0, 0,
	  "CIDR[,CIDR...]",
	  "the inside by address: hooks on the outside device only, any "
	  "number of pods or guests (Kubernetes: the cluster's pod CIDR)" },
	{ "--outside", OPT_IFLIST, OFF(outside), NULL, 0, 0, "IF[,IF...]",
	  "outside (public) interfaces, up to 4 (with --masquerade each "
	  "translates to its own address)" },
	{ "--masquerade", OPT_FLAG, OFF(masquerade), NULL, 0, 0, NULL,
	  "translate to each outside interface's primary IPv4 address" },
	{ "--snat", OPT_ADDR4, OFF(snat_addr), NULL, 0, 0, "ADDR",
	  "translate to this IPv4 address" },
	{ "--alg", OPT_ALGLIST, 0, NULL, 0, 0, "LIST",
	  "ALGs switched on (NAME or NAME:MODE; others off): ftp,sip,rtsp,"
	  "tftp, or none (default: all)" },
	{ "--xdp-mode", OPT_ENUM, OFF(xdp_mode), xdp_mode_names, 0, 0,
	  "native|generic|off",
	  "XDP attach mode (native falls back to generic)" },
	{ "--xdp-fast", OPT_ENUM, OFF(xdp_fast), xdp_fast_names, 0, 0,
	  "auto|on|off",
	  "XDP forwarding of established flows (auto: only where frames come "
	  "from a wire, not veth, tap, bridge, macvlan, ipvlan, OVS)" },
	{ "--tc-fast", OPT_ENUM, OFF(tc_fast), xdp_fast_names, 0, 0,
	  "auto|on|off",
	  "TC forwards established flows itself (auto: where bpfalg's TC "
	  "program is alone in the ingress chain)" },
	{ "--tc-mode", OPT_ENUM, OFF(tc_mode), tc_mode_names, 0, 0,
	  "auto|tcx|clsact",
	  "TC attach: tcx links (auto: clsact where the kernel has no tcx)" },
	{ "--flows", OPT_U32, OFF(flows), NULL, 1024, 16777216, "N",
	  "flow table size (default 262144; another size over a running "
	  "table resizes it live, none keeps it)" },
	{ "--max-flows-per-host", OPT_U32, OFF(max_flows_per_host), NULL, 0,
	  16777216, "N",
	  "answered flows one inside address may hold; beyond, its flows are "
	  "the first evicted (default a quarter of --flows, 0: no limit)" },
	{ "--port-range", OPT_RANGE, OFF(port_min), NULL, 1, 65535, "MIN-MAX",
	  "SNAT port range (default 1024-65535)" },
	{ "--reinject-mark", OPT_MARK, OFF(reinject_mark), NULL, 0, 0,
	  "VALUE[/MASK]",
	  "skb->mark bits of packets the controller reinjects (0x0a1e0001)" },
	{ "--fail-policy", OPT_ENUM, OFF(fail_policy), fail_names, 0, 0,
	  "drop|pass", "control packets while no controller runs" },
	{ "--fail-open-after", OPT_U32, OFF(fail_open_after), NULL, 0, 31536000,
	  "SECONDS",
	  "no controller for this long: control packets pass unmodified "
	  "whatever --fail-policy says (60; 0: never)" },
	TIMEOUT("tcp-syn", tcp_syn, "TCP handshake (120)"),
	TIMEOUT("tcp-established", tcp_established, "established TCP (432000)"),
	TIMEOUT("tcp-fin", tcp_fin, "TCP closing (120)"),
	TIMEOUT("tcp-close", tcp_close, "TCP after RST (10)"),
	TIMEOUT("udp", udp, "UDP, one direction seen (30)"),
	TIMEOUT("udp-stream", udp_stream, "UDP, replied (120)"),
	TIMEOUT("icmp", icmp, "ICMP echo (30)"),
	{ "--pinhole-timeout", OPT_U32, OFF(pinhole_timeout), NULL, 1, 3600,
	  "SECONDS", "an unused ALG pinhole expires after (60)" },
	{ "--pinholes-per-flow", OPT_U32, OFF(pinholes_per_flow), NULL, 1, 64,
	  "N", "live pinholes one control flow may hold (8)" },
	{ "--ftp-pinholes", OPT_U32, OFF(ftp_pinholes), NULL, 1, 64, "N",
	  "pending data pinholes per FTP control connection; a new "
	  "PORT/EPRT/227/229 beyond them supersedes the oldest (1)" },
	{ "--max-sessions", OPT_U32, OFF(max_sessions), NULL, 16, 1048576, "N",
	  "control flows the controller follows at once; beyond, the least "
	  "recently active one without media is evicted (8192)" },
	{ "--sessions-per-source", OPT_U32, OFF(sessions_per_source), NULL, 1,
	  1048576, "N",
	  "control flows one address may open at once; beyond, its least "
	  "recently active one is evicted (256)" },
	{ "--session-idle", OPT_U32, OFF(session_idle), NULL, 1, 432000,
	  "SECONDS",
	  "the controller drops a control flow's session without pinholes, "
	  "media or punts for this long; 30 s at most for an FTP flow not "
	  "yet greeted (600)" },
	{ "--min-data-port", OPT_U32, OFF(min_data_port), NULL, 1, 65535,
	  "PORT", "lowest data port PORT/EPRT/227/229 may name (1024)" },
	{ "--metrics", OPT_LISTEN, OFF(metrics), NULL, 0, 0, "ADDR:PORT",
	  "serve Prometheus metrics on http://ADDR:PORT/metrics "
	  "(daemon; [V6]:PORT, :PORT any; none)" },
	{ "--log-level", OPT_ENUM, OFF(log_level), log_level_names, 0, 0,
	  "warn|info|debug",
	  "the controller's messages: warnings, also one line per event "
	  "(info), also debugging; live with algctl log-level (info)" },
	ALG_MODE(FTP, "ftp"),
	ALG_PORTS(FTP, "ftp", "21"),
	ALG_DENY(FTP, "ftp", "FTP commands (STOR,DELE,...)"),
	ALG_MODE(SIP, "sip"),
	ALG_PORTS(SIP, "sip", "5060"),
	ALG_DENY(SIP, "sip", "SIP methods (MESSAGE,...)"),
	{ "--sip-invite-from", OPT_PREFIXES, 0, NULL, 0, 0, "ADDR[/LEN],...",
	  "who may send INVITE from outside (anyone)", BPFALG_ALG_SIP },
	ALG_MODE(RTSP, "rtsp"),
	ALG_PORTS(RTSP, "rtsp", "554"),
	ALG_DENY(RTSP, "rtsp", "RTSP methods (RECORD,...)"),
	ALG_MODE(TFTP, "tftp"),
	ALG_PORTS(TFTP, "tftp", "69"),
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))
_Static_assert(N_OPTS <= 64, "opt_file/opt_flag hold one bit per row");

static bool per_alg(const struct opt_def *o)
{
	return o->type >= OPT_ALG_MODE;
}

static const struct opt_def *find_opt(const char *name, size_t len)
{
	for (size_t k = 0; k < N_OPTS; k++)
		if (strlen(opts[k].name + 2) == len &&
		    !strncmp(opts[k].name + 2, name, len))
			return &opts[k];
	return NULL;
}

static __u64 opt_bit(const char *name)
{
	const struct opt_def *o = find_opt(name, strlen(name));

	return o ? 1ull << (o - opts) : 0;
}

void config_usage(FILE *f)
{
	for (size_t i = 0; i < N_OPTS; i++) {
		char left[64];

		snprintf(left, sizeof(left), "%s%s%s", opts[i].name,
			 opts[i].arg ? " " : "",
			 opts[i].arg ? opts[i].arg : "");
		fprintf(f, "    %-36s %s\n", left, opts[i].help);
	}
}

const char *config_alg_keys(unsigned int alg)
{
	static char keys[BPFALG_ALG_MAX][64];
	char *k;

	if (alg >= BPFALG_ALG_MAX)
		return "";
	k = keys[alg];
	if (k[0])
		return k;
	for (size_t i = 0; i < N_OPTS; i++) {
		size_t pre = 3 + strlen(alg_names[alg]); /* "--ftp-" */

		if (per_alg(&opts[i]) && opts[i].alg == alg)
			snprintf(k + strlen(k), sizeof(keys[0]) - strlen(k),
				 "%s%s", k[0] ? ", " : "", opts[i].name + pre);
	}
	return k;
}

static int parse_u32(const char *s, unsigned long min, unsigned long max,
		     __u32 *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int config_parse_ports(const char *s, __u16 ports[BPFALG_ALG_PORTS], char *err,
		       size_t errlen)
{
	const char *p = s;
	int n = 0;

	memset(ports, 0, sizeof(__u16) * BPFALG_ALG_PORTS);
	while (*p) {
		char *end;
		unsigned long v;

		if (n == BPFALG_ALG_PORTS || *p < '0' || *p > '9')
			goto bad;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v < 1 || v > 65535 || (*end && *end != ','))
			goto bad;
		for (int i = 0; i < n; i++)
			if (ports[i] == v) {
				snprintf(err, errlen, "port %lu listed twice",
					 v);
				return -1;
			}
		ports[n++] = (__u16)v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad;
	}
	if (n)
		return 0;
bad:
	snprintf(err, errlen,
		 "'%s' is not a list of up to %d ports 1-65535, "
		 "comma-separated",
		 s, BPFALG_ALG_PORTS);
	return -1;
}

/* The kernel's dev_valid_name(), no control characters, no '#' first. */
static int check_ifname(const char *s, char *err, size_t errlen)
{
	/* '#' first would read as a comment in the configuration file */
	bool ok = *s && *s != '#' && strlen(s) < IF_NAMESIZE &&
		  strcmp(s, ".") && strcmp(s, "..");

	for (const char *p = s; ok && *p; p++)
		if (*p == '/' || *p == ':' || (unsigned char)*p <= ' ' ||
		    *p == 0x7f)
			ok = false;
	if (!ok) {
		snprintf(err, errlen, "invalid interface name '%s'", s);
		return -1;
	}
	return 0;
}

int config_parse_listen(const char *s, struct sockaddr_storage *ss,
			unsigned int *len, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	size_t hl = colon ? (size_t)(colon - s) : 0;
	__u32 port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || hl >= sizeof(host) || strlen(s) >= CONFIG_LISTEN_MAX ||
	    parse_u32(colon + 1, 1, 65535, &port))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (!hl || !strcmp(host, "*") || !strcmp(host, "[::]")) {
		/* every address, IPv6 and IPv4 */
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((__u16)port);
		*len = sizeof(*s6);
		return 0;
	}
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((__u16)port);
		*len = sizeof(*s6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		goto bad;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((__u16)port);
	*len = sizeof(*s4);
	return 0;
bad:
	snprintf(err, errlen,
		 "'%s' is not ADDR:PORT (IPv4 ADDR, [IPv6], or :PORT for "
		 "every address; PORT 1-65535)",
		 s);
	return -1;
}

/* yes|no as the file writes a flag; also true/false, on/off, 1/0. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const t[] = { "yes", "true", "on", "1" },
				 *const f[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(s, t[i]) || !strcmp(s, f[i])) {
			*out = !strcmp(s, t[i]);
			return 0;
		}
	}
	return -1;
}

/* "ftp,sip:observe": every ALG gets a mode, those not listed off. */
static int parse_alglist(const char *val, struct up_config *c, char *err,
			 size_t errlen)
{
	__u32 mode[BPFALG_ALG_MAX] = { 0 };
	char buf[256], *tok, *save;

	if (strlen(val) >= sizeof(buf)) {
		snprintf(err, errlen, "list too long");
		return -1;
	}
	strcpy(buf, val);
	if (strcmp(buf, "none")) {
		if (!buf[0] || buf[0] == ',' || buf[strlen(buf) - 1] == ',' ||
		    strstr(buf, ",,")) {
			snprintf(err, errlen,
				 "'%s' is not a list of ALGs (ftp, sip, rtsp, "
				 "tftp, each NAME or NAME:MODE), or none",
				 val);
			return -1;
		}
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			char *colon = strchr(tok, ':');
			int idx, m = BPFALG_MODE_ON;

			if (colon) {
				*colon = '\0';
				m = alg_mode_from_name(colon + 1);
				if (m < 0) {
					snprintf(err, errlen,
						 "unknown mode '%s' for %s "
						 "(off, observe, on)",
						 colon + 1, tok);
					return -1;
				}
			}
			idx = alg_from_name(tok);
			if (idx < 0) {
				snprintf(err, errlen,
					 "unknown ALG '%s' (ftp, sip, rtsp, "
					 "tftp)",
					 tok);
				return -1;
			}
			mode[idx] = m;
		}
	}
	for (int i = 1; i < BPFALG_ALG_MAX; i++) {
		c->alg_mode[i] = mode[i];
		c->alg_set[i] |= ALG_SET_MODE;
	}
	return 0;
}

/* A list of prefixes, checked, into @out (CONFIG_LIST_MAX) canonically. */
static int canon_prefixes(const char *val, char *out, char *err, size_t errlen)
{
	struct prefix p[PREFIX_LIST_MAX];
	char canon[CONFIG_LIST_MAX * 2];
	int n;

	if (strlen(val) >= CONFIG_LIST_MAX) {
		snprintf(err, errlen, "list too long (at most %d characters)",
			 CONFIG_LIST_MAX - 1);
		return -1;
	}
	n = prefix_list_parse(val, p, PREFIX_LIST_MAX, err, errlen);
	if (n < 0)
		return -1;
	prefix_list_format(p, n, canon, sizeof(canon));
	if (strlen(canon) >= CONFIG_LIST_MAX) {
		snprintf(err, errlen, "list too long once written canonically");
		return -1;
	}
	strcpy(out, canon);
	return 0;
}

static int apply(const struct opt_def *o, const char *val, struct up_config *c,
		 enum config_src src, char *err, size_t errlen)
{
	void *dst = (char *)c + o->off;
	char buf[256], *tok, *save;
	int idx;

	switch (o->type) {
	case OPT_FILE:
		return 0; /* read before the flags, by config_parse_args */
	case OPT_IFLIST: {
		bool in = dst == (void *)c->inside;
		int *n = in ? &c->n_inside : &c->n_outside;
		int cap = in ? CONFIG_MAX_INSIDE : CONFIG_MAX_OUTSIDE;
		char(*names)[IF_NAMESIZE] = in ? c->inside : c->outside;

		if (strlen(val) >= sizeof(buf)) {
			snprintf(err, errlen, "list too long");
			return -1;
		}
		strcpy(buf, val);
		if (buf[0] == ',' || (buf[0] && buf[strlen(buf) - 1] == ',') ||
		    strstr(buf, ",,")) {
			snprintf(err, errlen, "empty entry in list '%s'", val);
			return -1;
		}
		*n = 0;
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (check_ifname(tok, err, errlen))
				return -1;
			if (*n == cap) {
				snprintf(err, errlen, "at most %d interfaces",
					 cap);
				return -1;
			}
			strcpy(names[(*n)++], tok);
		}
		if (!*n) {
			snprintf(err, errlen, "no interface given");
			return -1;
		}
		return 0;
	}
	case OPT_ADDR4:
		if (inet_pton(AF_INET, val, dst) != 1) {
			snprintf(err, errlen, "'%s' is not an IPv4 address",
				 val);
			return -1;
		}
		/* one address mode: a flag replaces the file's masquerade,
		 * a file giving both is contradictory
		 */
		if (c->masquerade && src == CONFIG_SRC_FILE) {
			snprintf(err, errlen,
				 "masquerade is set too (give one of "
				 "masquerade and snat)");
			return -1;
		}
		if (src == CONFIG_SRC_FLAG &&
		    !(c->opt_flag & opt_bit("masquerade")))
			c->masquerade = false;
		c->snat_set = true;
		return 0;
	case OPT_ALGLIST:
		return parse_alglist(val, c, err, errlen);
	case OPT_LISTEN: {
		struct sockaddr_storage ss;
		unsigned int len;

		/* empty: no metrics (how the file says "none") */
		if (*val && config_parse_listen(val, &ss, &len, err, errlen))
			return -1;
		/* config_parse_listen() said it fits */
		memcpy(dst, val, strlen(val) + 1);
		return 0;
	}
	case OPT_ENUM:
		idx = enum_index(o->names, val);
		if (idx < 0) {
			snprintf(err, errlen, "'%s' is not one of %s", val,
				 o->arg);
			return -1;
		}
		*(__u32 *)dst = idx;
		return 0;
	case OPT_U32:
		if (parse_u32(val, o->min, o->max, dst)) {
			snprintf(err, errlen,
				 "'%s' is not a number in %lu..%lu", val,
				 o->min, o->max);
			return -1;
		}
		/* the per-host share follows the table until it is set */
		if (dst == &c->max_flows_per_host)
			c->host_share_auto = false;
		if (dst == &c->flows)
			c->flows_given = true;
		if (dst == &c->flows && c->host_share_auto)
			c->max_flows_per_host = c->flows / CONFIG_HOST_SHARE;
		return 0;
	case OPT_RANGE: {
		const char *dash = strchr(val, '-');
		__u32 lo, hi;

		if (!dash || (size_t)(dash - val) >= sizeof(buf))
			goto bad_range;
		memcpy(buf, val, dash - val);
		buf[dash - val] = '\0';
		if (parse_u32(buf, o->min, o->max, &lo) ||
		    parse_u32(dash + 1, o->min, o->max, &hi) || lo > hi)
			goto bad_range;
		((__u32 *)dst)[0] = lo;
		((__u32 *)dst)[1] = hi;
		return 0;
	bad_range:
		snprintf(err, errlen,
			 "'%s' is not MIN-MAX with %lu <= MIN <= MAX <= %lu",
			 val, o->min, o->max);
		return -1;
	}
	case OPT_MARK: {
		/* VALUE[/MASK], hex or decimal; the mask defaults to all bits */
		const char *slash = strchr(val, '/');
		unsigned long v, m = 0xffffffffUL;
		char *end;

		errno = 0;
		v = strtoul(val, &end, 0);
		if (errno || end == val || (slash ? end != slash : *end) ||
		    v > 0xffffffffUL)
			goto bad_mark;
		if (slash) {
			m = strtoul(slash + 1, &end, 0);
			if (errno || end == slash + 1 || *end ||
			    m > 0xffffffffUL)
				goto bad_mark;
		}
		/* zero would match every unmarked packet */
		if (!v || !m || (v & ~m))
			goto bad_mark;
		((__u32 *)dst)[0] = (__u32)v;
		((__u32 *)dst)[1] = (__u32)m;
		return 0;
	bad_mark:
		snprintf(err, errlen,
			 "'%s' is not VALUE[/MASK]: a non-zero 32-bit mark "
			 "with every bit inside the mask",
			 val);
		return -1;
	}
	case OPT_FLAG: {
		bool v = true;

		if (val && parse_bool(val, &v)) {
			snprintf(err, errlen, "'%s' is not yes or no", val);
			return -1;
		}
		if (v && c->snat_set) {
			if (src == CONFIG_SRC_FILE) {
				snprintf(err, errlen,
					 "snat is set too (give one of "
					 "masquerade and snat)");
				return -1;
			}
			if (!(c->opt_flag & opt_bit("snat")))
				c->snat_set = false;
		}
		*(bool *)dst = v;
		return 0;
	}
	case OPT_ALG_MODE:
		idx = enum_index(o->names, val);
		if (idx < 0) {
			snprintf(err, errlen, "'%s' is not one of %s", val,
				 o->arg);
			return -1;
		}
		c->alg_mode[o->alg] = idx;
		c->alg_set[o->alg] |= ALG_SET_MODE;
		return 0;
	case OPT_PORTS:
		if (config_parse_ports(val, c->alg_ports[o->alg], err, errlen))
			return -1;
		c->alg_set[o->alg] |= ALG_SET_PORTS;
		return 0;
	case OPT_DENY: {
		struct alg_policy p;

		if (strlen(val) >= CONFIG_LIST_MAX) {
			snprintf(err, errlen,
				 "list too long (at most %d characters)",
				 CONFIG_LIST_MAX - 1);
			return -1;
		}
		if (alg_policy_parse(&p, val, err, errlen))
			return -1;
		alg_policy_format(&p, c->alg_deny[o->alg], CONFIG_LIST_MAX);
		c->alg_set[o->alg] |= ALG_SET_DENY;
		return 0;
	}
	case OPT_CIDRS:
		if (!val[0]) {
			snprintf(err, errlen, "empty list");
			return -1;
		}
		return canon_prefixes(val, dst, err, errlen);
	case OPT_PREFIXES:
		if (canon_prefixes(val, c->sip_invite_from, err, errlen))
			return -1;
		c->alg_set[o->alg] |= ALG_SET_INVITE;
		return 0;
	}
	return -1;
}

/* Lists read the same with blanks around their commas ("STOR, DELE"). */
static bool squeeze_list(const char *val, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = val; *p; p++) {
		if (*p == ' ' || *p == '\t') {
			const char *q = p;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == ',' || (n && out[n - 1] == ',')) {
				p = q - 1;
				continue;
			}
		}
		if (n + 1 >= cap)
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return true;
}

int config_set(struct up_config *c, const char *name, const char *val,
	       enum config_src src, char *err, size_t errlen)
{
	const struct opt_def *o = find_opt(name, strlen(name));
	char list[1024];
	__u64 bit;
	int ret;

	if (!o) {
		snprintf(err, errlen, "unknown option");
		return -2;
	}
	if (o->type == OPT_FILE) {
		snprintf(err, errlen, "only on the command line");
		return -3;
	}
	bit = 1ull << (o - opts);
	if (src == CONFIG_SRC_FILE && (c->opt_file & bit)) {
		snprintf(err, errlen, "given twice");
		return -1;
	}
	if (val && (o->type == OPT_IFLIST || o->type == OPT_ALGLIST ||
		    o->type == OPT_PORTS || o->type == OPT_DENY ||
		    o->type == OPT_PREFIXES || o->type == OPT_CIDRS)) {
		if (!squeeze_list(val, list, sizeof(list))) {
			snprintf(err, errlen, "list too long");
			return -1;
		}
		val = list;
	}
	ret = apply(o, val, c, src, err, errlen);
	if (ret)
		return ret;
	if (src == CONFIG_SRC_FILE)
		c->opt_file |= bit;
	else
		c->opt_flag |= bit;
	return 0;
}

int config_check(const struct up_config *c, char *err, size_t errlen)
{
	const char *in = c->config_file[0] ? " (nor in " : "";
	const char *file = c->config_file[0] ? c->config_file : "";
	const char *end = c->config_file[0] ? ")" : "";

	if (!c->n_inside && !c->inside_prefix[0]) {
		snprintf(err, errlen,
			 "missing --inside IF[,IF...] or --inside-prefix "
			 "CIDR[,CIDR...]%s%s%s",
			 in, file, end);
		return -1;
	}
	if (!c->n_outside) {
		snprintf(err, errlen, "missing --outside IF[,IF...]%s%s%s", in,
			 file, end);
		return -1;
	}
	if (c->masquerade == c->snat_set) {
		snprintf(err, errlen,
			 "give exactly one of --masquerade or --snat ADDR");
		return -1;
	}
	for (int i = 0; i < c->n_outside; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(c->outside[i], c->outside[j])) {
				snprintf(err, errlen,
					 "interface %s listed twice",
					 c->outside[i]);
				return -1;
			}
	for (int i = 0; i < c->n_inside; i++) {
		for (int o = 0; o < c->n_outside; o++)
			if (!strcmp(c->inside[i], c->outside[o])) {
				snprintf(err, errlen,
					 "interface %s cannot be inside and "
					 "outside",
					 c->outside[o]);
				return -1;
			}
		for (int j = 0; j < i; j++)
			if (!strcmp(c->inside[i], c->inside[j])) {
				snprintf(err, errlen,
					 "interface %s listed twice",
					 c->inside[i]);
				return -1;
			}
	}
	return 0;
}

/* The value of --config: NULL when absent, "" on a usage error. */
static const char *config_arg(int argc, char **argv, char *err, size_t errlen)
{
	const char *file = NULL;

	for (int i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "--config")) {
			if (i + 1 >= argc) {
				snprintf(err, errlen,
					 "--config needs a value (FILE)");
				return "";
			}
			v = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			v = argv[i] + 9;
		} else {
			/* skip the value of an option that takes one */
			const struct opt_def *o =
				!strncmp(argv[i], "--", 2) &&
						!strchr(argv[i], '=') ?
					find_opt(argv[i] + 2,
						 strlen(argv[i] + 2)) :
					NULL;

			if (o && o->type != OPT_FLAG)
				i++;
			continue;
		}
		if (file) {
			snprintf(err, errlen, "--config given twice");
			return "";
		}
		if (!*v || strlen(v) >= CONFIG_PATH_MAX) {
			snprintf(err, errlen,
				 "--config: '%s' is not a file name (at most "
				 "%d characters)",
				 v, CONFIG_PATH_MAX - 1);
			return "";
		}
		file = v;
	}
	return file;
}

int config_parse_args(int argc, char **argv, const char *default_file,
		      struct up_config *c, char *err, size_t errlen)
{
	const char *file = config_arg(argc, argv, err, errlen);

	if (file && !*file)
		return -1;
	if (!file && default_file && access(default_file, F_OK) == 0)
		file = default_file;
	if (file) {
		if (conffile_load(file, c, err, errlen))
			return -2;
		snprintf(c->config_file, sizeof(c->config_file), "%s", file);
	}

	for (int i = 0; i < argc; i++) {
		const struct opt_def *o = NULL;
		const char *arg = argv[i], *val = NULL, *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		char reason[256];

		if (nlen > 2 && !strncmp(arg, "--", 2))
			o = find_opt(arg + 2, nlen - 2);
		if (!o) {
			snprintf(err, errlen, "unknown option '%s'", arg);
			return -1;
		}
		if (o->type == OPT_FLAG) {
			if (eq) {
				snprintf(err, errlen, "%s takes no value",
					 o->name);
				return -1;
			}
		} else if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			snprintf(err, errlen, "%s needs a value (%s)", o->name,
				 o->arg);
			return -1;
		}
		if (o->type == OPT_FILE)
			continue; /* read first, above */
		if (config_set(c, o->name + 2, val, CONFIG_SRC_FLAG, reason,
			       sizeof(reason))) {
			snprintf(err, errlen, "%s: %s", o->name, reason);
			return -1;
		}
	}
	return config_check(c, err, errlen) ? -1 : 0;
}

int config_parse(int argc, char **argv, struct up_config *c, char *err,
		 size_t errlen)
{
	return config_parse_args(argc, argv, NULL, c, err, errlen) ? -1 : 0;
}

/*
 * One option's value as the file writes it into @buf; false when the
 * option is not written (the address mode not in use, the ALG list that
 * the sections say per ALG, the --config of the command line).
 */
static bool format_value(const struct opt_def *o, const struct up_config *c,
			 char *buf, size_t cap)
{
	const void *src = (const char *)c + o->off;

	buf[0] = '\0';
	switch (o->type) {
	case OPT_FILE:
	case OPT_ALGLIST:
		return false;
	case OPT_IFLIST: {
		bool in = src == (const void *)c->inside;
		int n = in ? c->n_inside : c->n_outside;

		for (int i = 0; i < n; i++)
			snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s",
				 i ? "," : "",
				 in ? c->inside[i] : c->outside[i]);
		/* no `inside =` with the inside by address alone: the
		 * parser refuses an empty interface list
		 */
		return n > 0;
	}
	case OPT_LISTEN:
		snprintf(buf, cap, "%s", (const char *)src);
		return true;
	case OPT_FLAG:
		snprintf(buf, cap, "yes");
		return *(const bool *)src;
	case OPT_ADDR4:
		if (!c->snat_set || c->masquerade)
			return false;
		inet_ntop(AF_INET, src, buf, cap);
		return true;
	case OPT_ENUM:
		snprintf(buf, cap, "%s", o->names[*(const __u32 *)src]);
		return true;
	case OPT_U32:
		snprintf(buf, cap, "%u", *(const __u32 *)src);
		return true;
	case OPT_RANGE:
		snprintf(buf, cap, "%u-%u", ((const __u32 *)src)[0],
			 ((const __u32 *)src)[1]);
		return true;
	case OPT_MARK:
		snprintf(buf, cap, "0x%08x/0x%08x", ((const __u32 *)src)[0],
			 ((const __u32 *)src)[1]);
		return true;
	case OPT_ALG_MODE:
		snprintf(buf, cap, "%s", alg_mode_name(c->alg_mode[o->alg]));
		return true;
	case OPT_PORTS:
		for (int p = 0; p < BPFALG_ALG_PORTS && c->alg_ports[o->alg][p];
		     p++)
			snprintf(buf + strlen(buf), cap - strlen(buf), "%s%u",
				 p ? "," : "", c->alg_ports[o->alg][p]);
		return true;
	case OPT_DENY:
		snprintf(buf, cap, "%s", c->alg_deny[o->alg]);
		return true;
	case OPT_PREFIXES:
		snprintf(buf, cap, "%s", c->sip_invite_from);
		return true;
	case OPT_CIDRS:
		snprintf(buf, cap, "%s", (const char *)src);
		return buf[0] != '\0';
	}
	return false;
}

void config_format(const struct up_config *c, FILE *f)
{
	char v[512];

	for (size_t i = 0; i < N_OPTS; i++)
		if (!per_alg(&opts[i]) &&
		    format_value(&opts[i], c, v, sizeof(v)))
			fprintf(f, "%s =%s%s\n", opts[i].name + 2,
				v[0] ? " " : "", v);
	for (int i = 0; i < c->n_fwd; i++)
		fprintf(f, "forward = %s\n",
			forward_format(&c->fwd[i].key, &c->fwd[i].val, v,
				       sizeof(v)));
	for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++) {
		size_t pre = 3 + strlen(alg_names[a]);

		fprintf(f, "\n[%s]\n", alg_names[a]);
		for (size_t i = 0; i < N_OPTS; i++)
			if (per_alg(&opts[i]) && opts[i].alg == a &&
			    format_value(&opts[i], c, v, sizeof(v)))
				fprintf(f, "%s =%s%s\n", opts[i].name + pre,
					v[0] ? " " : "", v);
	}
}

/* A comma-separated list as a JSON array (numbers when @numbers). */
static void json_list(struct json_writer *w, const char *name, const char *v,
		      bool numbers)
{
	char buf[512], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", v);
	jsonw_name(w, name);
	jsonw_start_array(w);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (numbers)
			jsonw_u64(w, strtoul(tok, NULL, 10));
		else
			jsonw_string(w, tok);
	}
	jsonw_end_array(w);
}

static void json_value(struct json_writer *w, const struct opt_def *o,
		       const char *file_key, const struct up_config *c)
{
	char v[512], key[64];
	bool shown = format_value(o, c, v, sizeof(v));

	/* -j keys are snake_case: the file's "invite-from" is "invite_from" */
	snprintf(key, sizeof(key), "%s", file_key);
	for (char *k = key; *k; k++)
		if (*k == '-')
			*k = '_';

	switch (o->type) {
	case OPT_FILE:
	case OPT_ALGLIST:
		return;
	case OPT_FLAG:
		jsonw_bool_field(w, key, shown);
		return;
	case OPT_LISTEN:
		jsonw_name(w, key);
		if (v[0])
			jsonw_string(w, v);
		else
			jsonw_null(w);
		return;
	case OPT_ADDR4:
		jsonw_name(w, key);
		if (shown)
			jsonw_string(w, v);
		else
			jsonw_null(w);
		return;
	case OPT_U32:
		jsonw_u64_field(w, key, strtoul(v, NULL, 10));
		return;
	case OPT_IFLIST:
	case OPT_DENY:
	case OPT_PREFIXES:
	case OPT_CIDRS:
		json_list(w, key, v, false);
		return;
	case OPT_PORTS:
		json_list(w, key, v, true);
		return;
	default:
		jsonw_string_field(w, key, v);
		return;
	}
}

void config_format_json(const struct up_config *c, struct json_writer *w)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (!per_alg(&opts[i]))
			json_value(w, &opts[i], opts[i].name + 2, c);
	/* as `algctl forward list -j` gives them */
	jsonw_name(w, "forwards");
	jsonw_start_array(w);
	for (int i = 0; i < c->n_fwd; i++) {
		const struct config_forward *fw = &c->fwd[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "proto", fmt_proto(fw->key.proto));
		jsonw_u64_field(w, "public_port", ntohs(fw->key.port));
		jsonw_endpoint(w, "inside", fw->key.family, fw->val.addr,
			       ntohs(fw->val.port));
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++) {
		size_t pre = 3 + strlen(alg_names[a]);

		jsonw_name(w, alg_names[a]);
		jsonw_start_object(w);
		for (size_t i = 0; i < N_OPTS; i++)
			if (per_alg(&opts[i]) && opts[i].alg == a)
				json_value(w, &opts[i], opts[i].name + pre, c);
		jsonw_end_object(w);
	}
}
