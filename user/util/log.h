/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * log.h - messages and errors (after xdp-tools' logging.c and bpftool).
 *
 *   pr_warn/pr_info/pr_debug   diagnostics to stderr, filtered by verbosity,
 *                              at most LOG_BURST lines a second; when stderr
 *                              is the journal ($JOURNAL_STREAM) each line
 *                              starts with its priority, "<4>", "<6>" or
 *                              "<7>" (p_err "<3>"), as sd-daemon(3) says
 *   p_err                      the one-line error of a failed command: to
 *                              stderr, or as {"error": "..."} on stdout in
 *                              JSON mode, so -j output stays parseable
 *   log_take_over_libbpf       libbpf's own messages go through us; the
 *                              verifier log is kept and shown only with -v
 *   log_sanitize               peer-supplied text made safe for one log line
 */
#ifndef BPFALG_LOG_H
#define BPFALG_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_WARN = 0, LOG_INFO = 1, LOG_DEBUG = 2 };

/* pr_* lines per second at most; the excess is counted and reported. */
#define LOG_BURST 200

extern int log_level;
extern bool json_output;
extern bool json_pretty;

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Would a line at @lvl go out now?  For callers whose message costs
 * something to build (peer text sanitised, rewrites described).
 */
bool log_enabled(enum log_level lvl);

void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set by algctl: writes p_err's message into the -j document under way
 * (jsonw_error), so that a failed command prints one JSON object.
 */
extern void (*log_json_error)(const char *msg);

void log_take_over_libbpf(void);
/* The last lines libbpf printed (verifier log tail), for error reports. */
const char *log_libbpf_tail(void);

/* Copy @in to @out (size @outlen), replacing control and non-ASCII bytes
 * with '.', truncating with "..." when too long.  Returns @out.
 */
char *log_sanitize(const char *in, size_t inlen, char *out, size_t outlen);

#endif
