/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * algctl.h - what the command files share: global options, exit codes,
 * argument helpers (after bpftool's NEXT_ARG/REQ_ARGS) and the commands.
 */
#ifndef BPFALG_ALGCTL_H
#define BPFALG_ALGCTL_H

#include <stdbool.h>

#include "util/json_writer.h"
#include "util/log.h"

/* Exit codes of the algctl contract (DESIGN.md). */
#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

extern const char *pin_path; /* --pin-path, default BPFALG_DEFAULT_PIN_PATH */
extern json_writer_t *json_wtr; /* set in -j mode */

struct table;
/*
 * A listing is a table in text mode, {"KEY": [ ... ]} in JSON mode: begin
 * returns the table to fill (NULL in JSON mode, @t is freed), end prints it
 * (with "N nouns" / "count" when @noun is given) and frees it.
 */
struct table *list_begin(const char *key, struct table *t);
void list_end(struct table *t, long count, const char *noun);

/* p_err() in -j mode (log_json_error): the message ends the document
 * under way as its "error" member, or is the whole document, so that a
 * failed command prints one JSON object.
 */
void cli_json_error(const char *msg);

/* Usage error: message, exit code 2. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define NEXT_ARG()      \
	({              \
		argc--; \
		argv++; \
	})
#define REQ_ARGS(cnt, what)                                     \
	({                                                      \
		if (argc < (cnt))                               \
			return usage_error("missing %s", what); \
	})
#define NO_MORE_ARGS()                                                 \
	({                                                             \
		if (argc > 0)                                          \
			return usage_error("unexpected argument '%s'", \
					   argv[0]);                   \
	})

int do_up(int argc, char **argv);
int do_daemon(int argc, char **argv);
int do_down(int argc, char **argv);
int do_status(int argc, char **argv);
int do_flows(int argc, char **argv);
int do_pinholes(int argc, char **argv);
int do_calls(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_alg(int argc, char **argv);
int do_forward(int argc, char **argv);
int do_config(int argc, char **argv);
int do_log_level(int argc, char **argv);
int do_doctor(int argc, char **argv);
int do_events(int argc, char **argv);
int do_capture(int argc, char **argv);

/* Streaming commands (events, capture): SIGINT/SIGTERM/SIGHUP set a flag
 * and interrupt the blocking read instead of killing the process.
 */
void cmd_catch_stop_signals(void);
bool cmd_stopped(void);

#endif
