// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* json_writer.c - see json_writer.h. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "util/json_writer.h"

#define JSONW_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	bool pretty;
	bool wrote; /* anything at all */
	bool done; /* ended by jsonw_error(): the rest is dropped */
	int depth;
	bool first[JSONW_MAX_DEPTH]; /* nothing written yet at this level */
	char open[JSONW_MAX_DEPTH]; /* '{' or '[' opened at this level */
	bool after_name; /* a "name": was just written */
};

json_writer_t *jsonw_new(FILE *f, bool pretty)
{
	json_writer_t *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

void jsonw_destroy(json_writer_t **w)
{
	if (!*w)
		return;
	if ((*w)->wrote)
		fputc('\n', (*w)->f);
	fflush((*w)->f);
	free(*w);
	*w = NULL;
}

static void jsonw_indent(json_writer_t *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator and indentation before any value or name. */
static void jsonw_sep(json_writer_t *w)
{
	w->wrote = true;
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	if (w->depth > 0)
		jsonw_indent(w);
	w->first[w->depth] = false;
}

static void jsonw_open(json_writer_t *w, char c)
{
	if (w->done)
		return;
	jsonw_sep(w);
	fputc(c, w->f);
	if (w->depth < JSONW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
	w->open[w->depth] = c;
}

static void jsonw_close(json_writer_t *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->done)
		return;
	if (w->depth > 0)
		w->depth--;
	if (!empty)
		jsonw_indent(w);
	fputc(c, w->f);
}

void jsonw_start_object(json_writer_t *w)
{
	jsonw_open(w, '{');
}

void jsonw_end_object(json_writer_t *w)
{
	jsonw_close(w, '}');
}

void jsonw_start_array(json_writer_t *w)
{
	jsonw_open(w, '[');
}

void jsonw_end_array(json_writer_t *w)
{
	jsonw_close(w, ']');
}

static void jsonw_puts(json_writer_t *w, const char *s)
{
	fputc('"', w->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", w->f);
			break;
		case '\\':
			fputs("\\\\", w->f);
			break;
		case '\n':
			fputs("\\n", w->f);
			break;
		case '\r':
			fputs("\\r", w->f);
			break;
		case '\t':
			fputs("\\t", w->f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(w->f, "\\u%04x", *p);
			else
				fputc(*p, w->f);
		}
	}
	fputc('"', w->f);
}

void jsonw_name(json_writer_t *w, const char *name)
{
	if (w->done)
		return;
	jsonw_sep(w);
	jsonw_puts(w, name);
	fputc(':', w->f);
	if (w->pretty)
		fputc(' ', w->f);
	w->after_name = true;
}

void jsonw_string(json_writer_t *w, const char *s)
{
	if (w->done)
		return;
	jsonw_sep(w);
	jsonw_puts(w, s ? s : "");
}

void jsonw_u64(json_writer_t *w, uint64_t v)
{
	if (w->done)
		return;
	jsonw_sep(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jsonw_s64(json_writer_t *w, int64_t v)
{
	if (w->done)
		return;
	jsonw_sep(w);
	fprintf(w->f, "%" PRId64, v);
}

void jsonw_bool(json_writer_t *w, bool v)
{
	if (w->done)
		return;
	jsonw_sep(w);
	fputs(v ? "true" : "false", w->f);
}

void jsonw_null(json_writer_t *w)
{
	if (w->done)
		return;
	jsonw_sep(w);
	fputs("null", w->f);
}

void jsonw_string_field(json_writer_t *w, const char *name, const char *s)
{
	jsonw_name(w, name);
	jsonw_string(w, s);
}

void jsonw_u64_field(json_writer_t *w, const char *name, uint64_t v)
{
	jsonw_name(w, name);
	jsonw_u64(w, v);
}

void jsonw_s64_field(json_writer_t *w, const char *name, int64_t v)
{
	jsonw_name(w, name);
	jsonw_s64(w, v);
}

void jsonw_bool_field(json_writer_t *w, const char *name, bool v)
{
	jsonw_name(w, name);
	jsonw_bool(w, v);
}

void jsonw_endpoint(json_writer_t *w, const char *name, int family,
		    const void *addr, unsigned int port)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, a,
		       sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (name)
		jsonw_name(w, name);
	jsonw_start_object(w);
	jsonw_string_field(w, "addr", a);
	jsonw_u64_field(w, "port", port);
	jsonw_end_object(w);
}

bool jsonw_written(const json_writer_t *w)
{
	return w->wrote;
}

void jsonw_error(json_writer_t *w, const char *msg)
{
	if (w->done)
		return;
	if (w->wrote && w->depth == 0) {
		/* a whole document is out: nothing can be added to it */
		w->done = true;
		return;
	}
	if (w->after_name)
		jsonw_null(w); /* the value the name was waiting for */
	/* close what is open down to the top level */
	while (w->depth > 1)
		jsonw_close(w, w->open[w->depth] == '[' ? ']' : '}');
	if (!w->wrote)
		jsonw_start_object(w);
	if (w->open[1] == '{') {
		jsonw_string_field(w, "error", msg);
		jsonw_end_object(w);
	} else {
		jsonw_end_array(w);
	}
	w->done = true;
}
