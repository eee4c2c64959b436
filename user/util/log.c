// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* log.c - see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "util/json_writer.h"
#include "util/log.h"

int log_level = LOG_WARN;
bool json_output;
bool json_pretty;
void (*log_json_error)(const char *msg);

/*
 * journald: when stderr is the journal's stream ($JOURNAL_STREAM names its
 * device and inode, as systemd sets it for StandardError=journal), each
 * line starts with "<N>", sd-daemon(3)'s priority prefix, which journald
 * takes off and stores as the line's priority.
 */
enum { PRIO_ERR = 3, PRIO_WARNING = 4, PRIO_INFO = 6, PRIO_DEBUG = 7 };
static int journal_stderr = -1; /* not looked at yet */
static bool line_start = true; /* the next byte begins a line */

static bool stderr_is_journal(void)
{
	if (journal_stderr < 0) {
		const char *e = getenv("JOURNAL_STREAM");
		unsigned long long dev, ino;
		struct stat st;

		journal_stderr = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 &&
				 !fstat(STDERR_FILENO, &st) &&
				 st.st_dev == dev && st.st_ino == ino;
	}
	return journal_stderr;
}

/* @text to stderr, "<@prio>" before each line it begins. */
static void out(int prio, const char *text)
{
	if (!stderr_is_journal()) {
		fputs(text, stderr);
		return;
	}
	while (*text) {
		size_t n = strcspn(text, "\n");

		if (line_start)
			fprintf(stderr, "<%d>", prio);
		fwrite(text, 1, n, stderr);
		text += n;
		line_start = !*text;
		if (*text == '\n') {
			fputc('\n', stderr);
			text++;
			line_start = true;
		}
	}
}

static void vout(int prio, const char *fmt, va_list ap)
{
	char buf[2048], *big = NULL;
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, cp);
	va_end(cp);
	if (n >= (int)sizeof(buf) && vasprintf(&big, fmt, ap) < 0)
		big = NULL;
	out(prio, big ? big : buf);
	free(big);
}

static void outf(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void outf(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vout(prio, fmt, ap);
	va_end(ap);
}

static int prio_of(enum log_level lvl)
{
	return lvl == LOG_WARN ? PRIO_WARNING :
	       lvl == LOG_INFO ? PRIO_INFO :
				 PRIO_DEBUG;
}

/* Tail of libbpf's output: the verifier's last lines end up here. */
static char libbpf_tail[4096];

/*
 * Rate limit: a controller logs one line per rewrite, pinhole and
 * refusal, which at a few thousand SIP calls a second would be tens of
 * thousands of lines a second into the journal and the controller's
 * main cost.  At most LOG_BURST lines a second go out; the rest are
 * counted and the count is said once the next second starts.
 */
static unsigned long log_sec, log_lines, log_suppressed;

static bool log_allow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if ((unsigned long)ts.tv_sec != log_sec) {
		log_sec = (unsigned long)ts.tv_sec;
		log_lines = 0;
		if (log_suppressed) {
			outf(PRIO_WARNING,
			     "[log] %lu messages suppressed (more than %d "
			     "a second)\n",
			     log_suppressed, LOG_BURST);
			log_suppressed = 0;
		}
	}
	if (log_lines >= LOG_BURST) {
		log_suppressed++;
		return false;
	}
	log_lines++;
	return true;
}

bool log_enabled(enum log_level lvl)
{
	struct timespec ts;

	if ((int)lvl > log_level)
		return false;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	/* a new second has budget again (and reports what was dropped) */
	return (unsigned long)ts.tv_sec != log_sec || log_lines < LOG_BURST;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if ((int)lvl > log_level || !log_allow())
		return;
	va_start(ap, fmt);
	vout(prio_of(lvl), fmt, ap);
	va_end(ap);
}

void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_output && log_json_error) {
		log_json_error(msg);
	} else if (json_output) {
		json_writer_t *w = jsonw_new(stdout, json_pretty);

		if (w) {
			jsonw_start_object(w);
			jsonw_string_field(w, "error", msg);
			jsonw_end_object(w);
			jsonw_destroy(&w);
		}
	}
	outf(PRIO_ERR, "algctl: %s\n", msg);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char line[1024];
	size_t len, keep;

	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	/* keep the last part of everything libbpf said */
	keep = strlen(libbpf_tail);
	if (keep + len >= sizeof(libbpf_tail)) {
		size_t drop = keep + len - sizeof(libbpf_tail) + 1;

		if (drop > keep)
			drop = keep;
		memmove(libbpf_tail, libbpf_tail + drop, keep - drop + 1);
	}
	strncat(libbpf_tail, line,
		sizeof(libbpf_tail) - strlen(libbpf_tail) - 1);

	if (level == LIBBPF_DEBUG && log_level < LOG_DEBUG)
		return 0;
	if (level == LIBBPF_INFO && log_level < LOG_INFO)
		return 0;
	/* libbpf warnings carry the verifier log: only with -v */
	if (level == LIBBPF_WARN && log_level < LOG_INFO)
		return 0;
	out(level == LIBBPF_WARN ? PRIO_WARNING :
	    level == LIBBPF_INFO ? PRIO_INFO :
				   PRIO_DEBUG,
	    line);
	return 0;
}

void log_take_over_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

const char *log_libbpf_tail(void)
{
	return libbpf_tail;
}

char *log_sanitize(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t i, n = 0;

	if (!outlen)
		return out;
	for (i = 0; i < inlen && in[i] && n + 1 < outlen; i++) {
		unsigned char c = in[i];

		out[n++] = (c >= 0x20 && c < 0x7f) ? c : '.';
	}
	if (i < inlen && in[i] && outlen > 4) {
		n = n > outlen - 4 ? outlen - 4 : n;
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}
