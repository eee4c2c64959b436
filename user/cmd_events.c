// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_events.c - `algctl events`: the controller's live event stream (like
 * `conntrack -E`), one line per event: aligned text, or with -j one JSON
 * object per line.  The daemon renders both forms (user/engine/events.c);
 * this side subscribes (user/monitor.h), keeps what --type and --proto
 * select (user/filters.h) and prints until interrupted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "algctl.h"
#include "filters.h"
#include "monitor.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* SIGINT/SIGTERM end the stream cleanly: no SA_RESTART, recv returns. */
void cmd_catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool cmd_stopped(void)
{
	return stop;
}

int do_events(int argc, char **argv)
{
	static char msg[MONITOR_MSG_MAX + 1];
	bool json = json_wtr != NULL;
	struct event_filter ef;
	char err[512];
	int fd;

	if (event_filter_parse(argc, argv, &ef, err, sizeof(err)))
		return usage_error("%s", err);
	fd = monitor_subscribe(pin_path, json ? "events json" : "events text",
			       err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	/* JSON lines, not one document: the writer is not used (and must not
	 * add its closing newline at exit)
	 */
	free(json_wtr);
	json_wtr = NULL;
	cmd_catch_stop_signals();
	/* as tcpdump says "listening on": scripts wait for this line */
	fprintf(stderr,
		"algctl: listening to the controller's events (pins %s)"
		"; Ctrl-C stops\n",
		pin_path);
	while (!stop) {
		ssize_t n = recv(fd, msg, sizeof(msg) - 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			/* p_err's JSON would be a line of the stream: fine */
			p_err("the controller stopped (events end here)");
			return EXIT_RUNTIME;
		}
		/* filtered here: any daemon serves them, whatever its age */
		if (!event_filter_match(&ef, msg, (size_t)n, json))
			continue;
		msg[n] = '\n';
		if (fwrite(msg, 1, (size_t)n + 1, stdout) != (size_t)n + 1 ||
		    fflush(stdout))
			break; /* the reader went away (a closed pipe) */
	}
	close(fd);
	return EXIT_OK;
}
