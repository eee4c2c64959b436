/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * config.h - the options of `algctl up` / `algctl daemon`, parsed from one
 * table of typed options (after xdp-tools' params.h), and the conversion of
 * the result into the datapath's struct bpfalg_config.
 */
#ifndef BPFALG_CONFIG_H
#define BPFALG_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "bpfalg.h"

#define CONFIG_MAX_INSIDE 16

enum xdp_mode { XDP_MODE_NATIVE = 0, XDP_MODE_GENERIC, XDP_MODE_OFF };
enum xdp_fast { XDP_FAST_AUTO = 0, XDP_FAST_ON, XDP_FAST_OFF };
enum tc_mode { TC_MODE_AUTO = 0, TC_MODE_TCX, TC_MODE_CLSACT };

struct up_config {
	char inside[CONFIG_MAX_INSIDE][IF_NAMESIZE];
	int n_inside;
	char outside[IF_NAMESIZE];
	bool masquerade;
	__be32 snat_addr; /* network order, valid when !masquerade */
	bool snat_set;
	__u32 alg_on; /* bit (1 << enum bpfalg_alg) per ALG switched on */
	__u32 xdp_mode; /* enum xdp_mode */
	__u32 xdp_fast; /* enum xdp_fast */
	__u32 tc_mode; /* enum tc_mode */
	__u32 flows; /* flow table entries */
	__u32 port_min, port_max;
	__u32 fail_policy; /* enum bpfalg_fail_policy */
	struct bpfalg_timeouts timeouts;
	/* controller (daemon) only */
	__u32 pinhole_timeout; /* seconds */
	__u32 pinholes_per_flow;
	__u32 min_data_port;
};

void config_defaults(struct up_config *c);

/*
 * Parse options of up/daemon from argv (argv[0] is the first option).
 * Returns 0, or -1 with a one-line reason in @err (a usage error).
 */
int config_parse(int argc, char **argv, struct up_config *c, char *err,
		 size_t errlen);

/* Print the option table (for help). */
void config_usage(FILE *f);

/* Names shared by config, alg and inspection commands. */
const char *alg_name(unsigned int alg);
int alg_from_name(const char *name); /* enum bpfalg_alg or -1 */
const char *alg_mode_name(unsigned int mode);
int alg_mode_from_name(const char *name);
extern const __u16 alg_default_port[BPFALG_ALG_MAX];

#endif
