/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * format.h - names and text forms of datapath values, shared by every
 * inspection command so that tables and JSON say the same thing.
 */
#ifndef BPFALG_FORMAT_H
#define BPFALG_FORMAT_H

#include <stddef.h>
#include <linux/types.h>

#include "bpfalg.h"

const char *fmt_proto(__u8 proto);
const char *fmt_state(__u8 proto, __u8 state);
const char *fmt_nat(__u8 nat);
const char *fmt_role(__u32 role);
/* snake_case name of a counter, e.g. "inbound_drop". */
const char *fmt_counter(unsigned int idx);

/* Per-ALG counters as one list (datapath, "fail_policy", controller). */
#define ALG_STAT_N (BPFALG_ADP_MAX + 1 + BPFALG_AS_MAX)
const char *fmt_alg_stat(unsigned int idx);
void alg_stats_view(const struct bpfalg_alg_dp_stats *dp,
		    const struct bpfalg_alg_stats *cs, __u64 v[ALG_STAT_N]);

/* Address of @family (BPFALG_AF_*) into @buf. */
char *fmt_addr(__u8 family, const __be32 addr[4], char *buf, size_t len);
/* "addr:port", "[v6]:port", or "addr" when @port is 0 and @with_zero is 0 */
char *fmt_endpoint(__u8 family, const __be32 addr[4], __be16 port, char *buf,
		   size_t len);
/* "3d4h", "5m12s", "42s" */
char *fmt_duration(unsigned long long secs, char *buf, size_t len);

/* Parse "ADDR:PORT" / "[V6]:PORT"; 0 or -1. */
int parse_endpoint(const char *s, __u8 *family, __be32 addr[4], __be16 *port);

#endif
