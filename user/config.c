// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * config.c - option table for `algctl up` / `algctl daemon`.
 *
 * Every option is one row: name, type, where the value goes, bounds, help.
 * Parsing, validation messages and the help text all come from the table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

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
	for (int i = 1; i < BPFALG_ALG_MAX; i++)
		c->alg_on |= 1u << i;
	c->xdp_mode = XDP_MODE_NATIVE;
	c->xdp_fast = XDP_FAST_AUTO;
	c->flows = BPFALG_DEFAULT_FLOWS;
	c->port_min = 1024;
	c->port_max = 65535;
	c->fail_policy = BPFALG_FAIL_DROP;
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
	c->min_data_port = 1024;
}

enum opt_type {
	OPT_IFLIST, /* comma-separated interface names */
	OPT_IFNAME,
	OPT_FLAG, /* sets a bool */
	OPT_ADDR4,
	OPT_ALGLIST,
	OPT_ENUM, /* __u32 index into names */
	OPT_U32, /* __u32 in [min, max] */
	OPT_RANGE, /* MIN-MAX into two __u32 */
};

struct opt_def {
	const char *name;
	enum opt_type type;
	size_t off;
	const char *const *names; /* OPT_ENUM */
	unsigned long min, max; /* OPT_U32, OPT_RANGE */
	const char *arg;
	const char *help;
};

#define OFF(f) offsetof(struct up_config, f)
#define TIMEOUT(n, f, h)                                                     \
	{                                                                    \
		"--timeout-" n, OPT_U32, OFF(timeouts.f), NULL, 1, 31536000, \
			"SECONDS", h                                         \
	}

static const struct opt_def opts[] = {
	{ "--inside", OPT_IFLIST, OFF(inside), NULL, 0, 0, "IF[,IF...]",
	  "inside (private) interfaces" },
	{ "--outside", OPT_IFNAME, OFF(outside), NULL, 0, 0, "IF",
	  "outside (public) interface" },
	{ "--masquerade", OPT_FLAG, OFF(masquerade), NULL, 0, 0, NULL,
	  "translate to the outside interface's primary IPv4 address" },
	{ "--snat", OPT_ADDR4, OFF(snat_addr), NULL, 0, 0, "ADDR",
	  "translate to this IPv4 address" },
	{ "--alg", OPT_ALGLIST, OFF(alg_on), NULL, 0, 0, "LIST",
	  "ALGs switched on: ftp,sip,rtsp,tftp, or none (default: all)" },
	{ "--xdp-mode", OPT_ENUM, OFF(xdp_mode), xdp_mode_names, 0, 0,
	  "native|generic|off",
	  "XDP attach mode (native falls back to generic)" },
	{ "--xdp-fast", OPT_ENUM, OFF(xdp_fast), xdp_fast_names, 0, 0,
	  "auto|on|off",
	  "XDP forwarding of established flows (auto: not on veth ingress)" },
	{ "--tc-mode", OPT_ENUM, OFF(tc_mode), tc_mode_names, 0, 0,
	  "auto|tcx|clsact",
	  "TC attach: tcx links (auto: clsact where the kernel has no tcx)" },
	{ "--flows", OPT_U32, OFF(flows), NULL, 1024, 16777216, "N",
	  "flow table size (default 262144)" },
	{ "--port-range", OPT_RANGE, OFF(port_min), NULL, 1, 65535, "MIN-MAX",
	  "SNAT port range (default 1024-65535)" },
	{ "--fail-policy", OPT_ENUM, OFF(fail_policy), fail_names, 0, 0,
	  "drop|pass", "control packets while no controller runs" },
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
	{ "--min-data-port", OPT_U32, OFF(min_data_port), NULL, 1, 65535,
	  "PORT", "lowest data port PORT/EPRT/227/229 may name (1024)" },
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

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

static int parse_u32(const char *s, unsigned long min, unsigned long max,
		     __u32 *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int check_ifname(const char *s, char *err, size_t errlen)
{
	if (!*s || strlen(s) >= IF_NAMESIZE || strchr(s, '/') ||
	    strchr(s, ' ')) {
		snprintf(err, errlen, "invalid interface name '%s'", s);
		return -1;
	}
	return 0;
}

static int apply(const struct opt_def *o, const char *val, struct up_config *c,
		 char *err, size_t errlen)
{
	void *dst = (char *)c + o->off;
	char buf[256], *tok, *save;
	int idx;

	switch (o->type) {
	case OPT_IFLIST:
		if (strlen(val) >= sizeof(buf)) {
			snprintf(err, errlen, "%s: list too long", o->name);
			return -1;
		}
		strcpy(buf, val);
		c->n_inside = 0;
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (check_ifname(tok, err, errlen))
				return -1;
			if (c->n_inside == CONFIG_MAX_INSIDE) {
				snprintf(err, errlen,
					 "%s: at most %d interfaces", o->name,
					 CONFIG_MAX_INSIDE);
				return -1;
			}
			strcpy(c->inside[c->n_inside++], tok);
		}
		if (!c->n_inside) {
			snprintf(err, errlen, "%s: no interface given",
				 o->name);
			return -1;
		}
		return 0;
	case OPT_IFNAME:
		if (check_ifname(val, err, errlen))
			return -1;
		strcpy(dst, val);
		return 0;
	case OPT_ADDR4:
		if (inet_pton(AF_INET, val, dst) != 1) {
			snprintf(err, errlen, "%s: '%s' is not an IPv4 address",
				 o->name, val);
			return -1;
		}
		c->snat_set = true;
		return 0;
	case OPT_ALGLIST:
		if (strlen(val) >= sizeof(buf)) {
			snprintf(err, errlen, "%s: list too long", o->name);
			return -1;
		}
		strcpy(buf, val);
		c->alg_on = 0;
		if (!strcmp(buf, "none"))
			return 0;
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			idx = alg_from_name(tok);
			if (idx < 0) {
				snprintf(err, errlen,
					 "%s: unknown ALG '%s' (ftp, sip, "
					 "rtsp, tftp)",
					 o->name, tok);
				return -1;
			}
			c->alg_on |= 1u << idx;
		}
		return 0;
	case OPT_ENUM:
		idx = enum_index(o->names, val);
		if (idx < 0) {
			snprintf(err, errlen, "%s: '%s' is not one of %s",
				 o->name, val, o->arg);
			return -1;
		}
		*(__u32 *)dst = idx;
		return 0;
	case OPT_U32:
		if (parse_u32(val, o->min, o->max, dst)) {
			snprintf(err, errlen,
				 "%s: '%s' is not a number in %lu..%lu",
				 o->name, val, o->min, o->max);
			return -1;
		}
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
		snprintf(
			err, errlen,
			"%s: '%s' is not MIN-MAX with %lu <= MIN <= MAX <= %lu",
			o->name, val, o->min, o->max);
		return -1;
	}
	case OPT_FLAG:
		*(bool *)dst = true;
		return 0;
	}
	return -1;
}

int config_parse(int argc, char **argv, struct up_config *c, char *err,
		 size_t errlen)
{
	for (int i = 0; i < argc; i++) {
		const struct opt_def *o = NULL;
		const char *arg = argv[i], *val = NULL, *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);

		for (size_t k = 0; k < N_OPTS; k++) {
			if (strlen(opts[k].name) == nlen &&
			    !strncmp(opts[k].name, arg, nlen)) {
				o = &opts[k];
				break;
			}
		}
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
		if (apply(o, val, c, err, errlen))
			return -1;
	}

	if (!c->n_inside) {
		snprintf(err, errlen, "missing --inside IF[,IF...]");
		return -1;
	}
	if (!c->outside[0]) {
		snprintf(err, errlen, "missing --outside IF");
		return -1;
	}
	if (c->masquerade == c->snat_set) {
		snprintf(err, errlen,
			 "give exactly one of --masquerade or --snat ADDR");
		return -1;
	}
	for (int i = 0; i < c->n_inside; i++) {
		if (!strcmp(c->inside[i], c->outside)) {
			snprintf(err, errlen,
				 "interface %s cannot be inside and outside",
				 c->outside);
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
