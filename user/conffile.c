// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * conffile.c - lexing of the configuration file (see conffile.h); what a
 * key means and which values it takes is config.c's option table.
 *
 * A parser of our own rather than libinih: Debian's libinih 55 is built
 * with a 200-byte line buffer that silently cuts longer lines (a long deny
 * or invite-from list would be read as a shorter, still valid one), does
 * not tell its handler the line number, and reads indented lines as
 * continuations and ';' as inline comments.  The format here is small
 * enough to be exact about.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "forward.h"

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Trim blanks in place; returns the new start. */
static char *trim(char *s)
{
	size_t n;

	while (blank(*s))
		s++;
	n = strlen(s);
	while (n && blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static bool key_chars_ok(const char *k)
{
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
		      *k == '-'))
			return false;
	return true;
}

/* Is @key one of the per-ALG keys of any section? (for a hint) */
static bool alg_key(const char *key)
{
	for (unsigned int a = 1; a < BPFALG_ALG_MAX; a++) {
		const char *ks = config_alg_keys(a), *p = ks;
		size_t n = strlen(key);

		while ((p = strstr(p, key))) {
			if ((p == ks || p[-1] == ' ') &&
			    (p[n] == ',' || p[n] == '\0'))
				return true;
			p += n;
		}
	}
	return false;
}

/* Control characters of the file never reach the terminal. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int line_error(char *err, size_t errlen, const char *name,
		      unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int line_error(char *err, size_t errlen, const char *name,
		      unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%u: ", name, line);

	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	sanitize(err);
	return -1;
}

/* "forward = PROTO PORT INSIDE-ADDR:PORT": one more of the file's forwards. */
static int forward_line(const char *name, unsigned int lineno, const char *val,
			unsigned int alg, struct up_config *c, char *err,
			size_t errlen)
{
	struct config_forward f;
	char reason[256];

	if (alg)
		return line_error(err, errlen, name, lineno,
				  "key 'forward': not a setting of [%s] "
				  "(forward lines go before the first "
				  "[section])",
				  alg_name(alg));
	if (forward_parse_line(val, &f, reason, sizeof(reason)))
		return line_error(err, errlen, name, lineno,
				  "key 'forward': %s", reason);
	f.line = lineno;
	f.val.flags = BPFALG_FWD_F_CONFIG;
	if (forward_list_add(c->fwd, &c->n_fwd, &f, reason, sizeof(reason)))
		return line_error(err, errlen, name, lineno,
				  "key 'forward': %s", reason);
	return 0;
}

/* One line (NUL-terminated, no newline) in section @alg (0: top level). */
static int parse_line(const char *name, unsigned int lineno, char *line,
		      unsigned int *alg, struct up_config *c, char *err,
		      size_t errlen)
{
	char reason[256], opt[128], *s = trim(line), *eq, *key, *val;
	size_t n;
	int ret;

	/* a comment: the whole line, or from a blank followed by '#' */
	for (char *p = s; *p; p++)
		if (*p == '#' && (p == s || blank(p[-1]))) {
			*p = '\0';
			break;
		}
	s = trim(s);
	if (!*s)
		return 0;

	if (*s == '[') {
		n = strlen(s);
		if (s[n - 1] != ']')
			return line_error(err, errlen, name, lineno,
					  "section header '%s' has no closing "
					  "']'",
					  s);
		s[n - 1] = '\0';
		s = trim(s + 1);
		ret = alg_from_name(s);
		if (ret < 0)
			return line_error(err, errlen, name, lineno,
					  "section '%s': unknown section "
					  "(ftp, sip, rtsp, tftp)",
					  s);
		*alg = ret;
		return 0;
	}

	eq = strchr(s, '=');
	if (!eq)
		return line_error(err, errlen, name, lineno,
				  "expected 'key = value', '[section]' or "
				  "'# comment', got '%.60s'",
				  s);
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (*val == '#') /* "key =# note": what `key = # note` means */
		*val = '\0';
	if (!*key)
		return line_error(err, errlen, name, lineno,
				  "expected 'key = value': no key before '='");
	if (!key_chars_ok(key) || strlen(key) > 64)
		return line_error(err, errlen, name, lineno,
				  "key '%.64s': not a key (lower-case "
				  "letters, digits and '-')",
				  key);
	if (!strcmp(key, "forward"))
		return forward_line(name, lineno, val, *alg, c, err, errlen);
	if (*alg)
		snprintf(opt, sizeof(opt), "%s-%s", alg_name(*alg), key);
	else
		snprintf(opt, sizeof(opt), "%s", key);

	ret = config_set(c, opt, val, CONFIG_SRC_FILE, reason, sizeof(reason));
	if (ret == -2 && *alg)
		return line_error(err, errlen, name, lineno,
				  "key '%s': not a setting of [%s] (%s)", key,
				  alg_name(*alg), config_alg_keys(*alg));
	if (ret == -2)
		return line_error(err, errlen, name, lineno,
				  "key '%s': unknown key%s", key,
				  alg_key(key) ?
					  " (ALG settings go in a [ftp], "
					  "[sip], [rtsp] or [tftp] section)" :
					  " (keys are the long options of up "
					  "without '--': algctl help)");
	if (ret)
		return line_error(err, errlen, name, lineno, "key '%s': %s",
				  key, reason);
	return 0;
}

int conffile_parse(const char *name, const char *buf, size_t len,
		   struct up_config *c, char *err, size_t errlen)
{
	char line[CONFFILE_MAX_LINE + 2];
	const char *p = buf, *end = buf + len;
	unsigned int lineno = 0, alg = 0;

	/* an editor's UTF-8 byte order mark */
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n))
			return line_error(err, errlen, name, lineno,
					  "NUL byte (not a text file?)");
		if (n > CONFFILE_MAX_LINE)
			return line_error(err, errlen, name, lineno,
					  "line longer than %d characters",
					  CONFFILE_MAX_LINE);
		memcpy(line, p, n);
		line[n] = '\0';
		if (parse_line(name, lineno, line, &alg, c, err, errlen))
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int conffile_load(const char *path, struct up_config *c, char *err,
		  size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, got;
	char *buf;
	int ret;

	if (!f) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		sanitize(err);
		return -1;
	}
	buf = malloc(CONFFILE_MAX_SIZE + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: cannot read: out of memory", path);
		return -1;
	}
	while ((got = fread(buf + len, 1, CONFFILE_MAX_SIZE + 1 - len, f)) >
	       0) {
		len += got;
		if (len > CONFFILE_MAX_SIZE)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno ? errno : EIO));
		ret = -1;
	} else if (len > CONFFILE_MAX_SIZE) {
		snprintf(err, errlen, "%s: cannot read: larger than %d bytes",
			 path, CONFFILE_MAX_SIZE);
		ret = -1;
	} else {
		ret = conffile_parse(path, buf, len, c, err, errlen);
	}
	if (ret)
		sanitize(err);
	free(buf);
	fclose(f);
	return ret;
}
