/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * config.h - the options of `algctl up` / `algctl daemon`, parsed from one
 * table of typed options (after xdp-tools' params.h), and the conversion of
 * the result into the datapath's struct bpfalg_config.  The same table
 * reads the configuration file (conffile.c: key = the long option name)
 * and prints it back (config_format, for `algctl config show`).
 */
#ifndef BPFALG_CONFIG_H
#define BPFALG_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "bpfalg.h"
#include "forward.h"

#define CONFIG_MAX_INSIDE 16
#define CONFIG_MAX_OUTSIDE 4
/* --max-flows-per-host by default: no inside host may hold more than this
 * fraction (1/N) of the answered flows
 */
#define CONFIG_HOST_SHARE 4
#define CONFIG_DEFAULT_FILE "/etc/bpfalg/bpfalg.conf"
/* --fail-open-after's default: longer than a restart or a rolling update
 * takes, shorter than a client's patience
 */
#define CONFIG_FAIL_OPEN_AFTER 60
#define CONFIG_LIST_MAX 256 /* BPFALG_SETTINGS_LIST */
#define CONFIG_PATH_MAX 256 /* BPFALG_SETTINGS_PATH */
#define CONFIG_LISTEN_MAX 64 /* BPFALG_SETTINGS_LISTEN */

/* up_config.alg_set: per-ALG settings given by the file or the flags (the
 * others keep what the running datapath holds, see loader.c/settings.c)
 */
#define ALG_SET_MODE (1u << 0)
#define ALG_SET_PORTS (1u << 1)
#define ALG_SET_DENY (1u << 2)
#define ALG_SET_INVITE (1u << 3)

enum xdp_mode { XDP_MODE_NATIVE = 0, XDP_MODE_GENERIC, XDP_MODE_OFF };
enum xdp_fast { XDP_FAST_AUTO = 0, XDP_FAST_ON, XDP_FAST_OFF };
/* --tc-fast: the same three values (enum xdp_fast) */
enum tc_mode { TC_MODE_AUTO = 0, TC_MODE_TCX, TC_MODE_CLSACT };

struct up_config {
	char inside[CONFIG_MAX_INSIDE][IF_NAMESIZE];
	int n_inside;
	/* --inside-prefix, canonical ("10.244.0.0/16,fd00:10::/56"), "" none */
	char inside_prefix[CONFIG_LIST_MAX];
	/* the first is the configuration's outside_ifindex */
	char outside[CONFIG_MAX_OUTSIDE][IF_NAMESIZE];
	int n_outside;
	bool masquerade;
	__be32 snat_addr; /* network order, valid when !masquerade */
	bool snat_set;
	__u32 xdp_mode; /* enum xdp_mode */
	__u32 xdp_fast; /* enum xdp_fast */
	__u32 tc_fast; /* enum xdp_fast: TC redirect of established flows */
	__u32 tc_mode; /* enum tc_mode */
	__u32 flows; /* flow table entries */
	/* --flows came from the file or a flag: over running pins of
	 * another size the table is resized (else it keeps its size)
	 */
	bool flows_given;
	__u32 max_flows_per_host; /* answered flows per inside address */
	bool host_share_auto; /* max_flows_per_host follows flows */
	__u32 port_min, port_max;
	__u32 reinject_mark, reinject_mask; /* --reinject-mark VALUE/MASK */
	__u32 fail_policy; /* enum bpfalg_fail_policy */
	__u32 fail_open_after; /* seconds without a controller, 0: never */
	struct bpfalg_timeouts timeouts;
	/* controller (daemon) only */
	__u32 pinhole_timeout; /* seconds */
	__u32 pinholes_per_flow;
	__u32 ftp_pinholes; /* pending per FTP control connection */
	__u32 max_sessions; /* control flows the controller follows */
	__u32 sessions_per_source;
	__u32 session_idle; /* seconds */
	__u32 min_data_port;
	char metrics[CONFIG_LISTEN_MAX]; /* --metrics ADDR:PORT, "" none */
	__u32 log_level; /* enum log_level (util/log.h) */
	/* per ALG (enum bpfalg_alg) */
	__u32 alg_mode[BPFALG_ALG_MAX]; /* enum bpfalg_alg_mode */
	__u16 alg_ports[BPFALG_ALG_MAX][BPFALG_ALG_PORTS]; /* 0: unused */
	char alg_deny[BPFALG_ALG_MAX][CONFIG_LIST_MAX]; /* "STOR,DELE" */
	char sip_invite_from[CONFIG_LIST_MAX]; /* canonical, "" anyone */
	__u32 alg_set[BPFALG_ALG_MAX]; /* ALG_SET_* */
	/* the file's `forward =` lines (forward.h), in file order */
	struct config_forward fwd[CONFIG_MAX_FORWARDS];
	int n_fwd;
	/* where the values came from */
	char config_file[CONFIG_PATH_MAX]; /* "" when none was read */
	__u64 opt_file, opt_flag; /* bit per option table row */
};

/* Where a value comes from: flags override the file. */
enum config_src { CONFIG_SRC_FILE = 0, CONFIG_SRC_FLAG };

void config_defaults(struct up_config *c);

/*
 * Parse options of up/daemon from argv (argv[0] is the first option):
 * the file of `--config FILE` first (or @default_file when it exists and
 * no --config is given; NULL: none), then the flags, then the checks that
 * need all of them.  Returns 0, -1 with a one-line reason in @err for a bad
 * flag, -2 for a bad file ("FILE:LINE: key 'x': reason"); both are usage
 * errors.
 */
int config_parse_args(int argc, char **argv, const char *default_file,
		      struct up_config *c, char *err, size_t errlen);
/* The same without a default file (tests). */
int config_parse(int argc, char **argv, struct up_config *c, char *err,
		 size_t errlen);

/*
 * Set one option, @name being its long name without "--" ("flows",
 * "ftp-ports"), from the text @val.  0; -1 for a bad value, -2 for an
 * unknown name, -3 for an option that only the command line takes
 * ("config"), each with a reason in @err that does not repeat the name.
 */
int config_set(struct up_config *c, const char *name, const char *val,
	       enum config_src src, char *err, size_t errlen);

/* The keys of one ALG's section ("mode, ports, deny"), for messages. */
const char *config_alg_keys(unsigned int alg);

/* The checks that need every option: 0 or -1 with a reason. */
int config_check(const struct up_config *c, char *err, size_t errlen);

/*
 * Print @c in the configuration file's format: every option, top-level
 * keys first, then one [section] per ALG.  config_parse of the output gives
 * @c back.
 */
void config_format(const struct up_config *c, FILE *f);

struct json_writer;
/* The same as JSON members of the open object (keys as in the file). */
void config_format_json(const struct up_config *c, struct json_writer *w);

/* "21,2121" into @ports: 0, or -1 with a reason in @err. */
int config_parse_ports(const char *s, __u16 ports[BPFALG_ALG_PORTS], char *err,
		       size_t errlen);

struct sockaddr_storage;
/*
 * "ADDR:PORT" (IPv4), "[V6]:PORT", or ":PORT" (every address: [::] with
 * IPv4 too) into a socket address: 0, or -1 with a reason in @err.
 */
int config_parse_listen(const char *s, struct sockaddr_storage *ss,
			unsigned int *len, char *err, size_t errlen);

/* Print the option table (for help). */
void config_usage(FILE *f);

/* Names shared by config, alg and inspection commands. */
extern const char *const log_level_names[]; /* enum log_level's, NULL */
const char *alg_name(unsigned int alg);
int alg_from_name(const char *name); /* enum bpfalg_alg or -1 */
const char *alg_mode_name(unsigned int mode);
int alg_mode_from_name(const char *name);
extern const __u16 alg_default_port[BPFALG_ALG_MAX];

#endif
