/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * filters.h - what `algctl flows` and `algctl events` are told to show:
 * the options parsed (one-line usage messages, no exit), and the test of
 * a flow or an event line against them.  No maps, no sockets: the unit
 * tests drive them directly.
 *
 * Flow filters follow conntrack -L: --src, --dst, --sport and --dport
 * name the original direction (as the initiator sent it, before any
 * translation), like conntrack's -s, -d, --sport, --dport; --state takes
 * the words `flows` prints; every filter given must match (AND).
 */
#ifndef BPFALG_FILTERS_H
#define BPFALG_FILTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "bpfalg.h"
#include "util/prefix.h"

/* flow_filter.set bits: the options given */
#define FF_PROTO (1u << 0)
#define FF_SRC (1u << 1)
#define FF_DST (1u << 2)
#define FF_SPORT (1u << 3)
#define FF_DPORT (1u << 4)
#define FF_STATE (1u << 5)
#define FF_ALG (1u << 6)

struct flow_filter {
	unsigned int set;
	__u8 proto; /* BPFALG_IPPROTO_* */
	struct prefix src, dst;
	__u16 sport, dport; /* host order */
	const char *state; /* a word fmt_state() prints */
	__u8 alg; /* enum bpfalg_alg */
};

/*
 * Parse the filter options in @argv (--opt VALUE or --opt=VALUE), and
 * -c/--count when @count is not NULL.  0, or -1 with the reason in @err
 * (what `algctl` prints as a usage error).
 */
int flow_filter_parse(int argc, char **argv, struct flow_filter *ff,
		      bool *count, char *err, size_t errlen);

/* Does flow @f, original tuple @orig, pass every filter of @ff? */
bool flow_filter_match(const struct flow_filter *ff,
		       const struct bpfalg_tuple *orig,
		       const struct bpfalg_flow *f);

/* The state words of `flows`, ", "-separated (for messages and help). */
extern const char flow_state_words[];

/* What `algctl events --type LIST --proto P` keeps. */
struct event_filter {
	bool any_type; /* no --type */
	bool type[32]; /* by enum ev_kind */
	const char *proto; /* "tcp".."icmpv6": the proto field */
	const char *alg; /* "ftp".."tftp": the ALG of the event */
};

int event_filter_parse(int argc, char **argv, struct event_filter *ef,
		       char *err, size_t errlen);

/*
 * Does one rendered event pass?  @line is what the daemon sent: a JSON
 * object (@json) or an aligned text line.  A "lost" event always passes:
 * the reader must know that it missed some.
 */
bool event_filter_match(const struct event_filter *ef, const char *line,
			size_t len, bool json);

#endif
