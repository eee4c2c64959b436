// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* table.c - see table.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/table.h"

struct table {
	int ncols, nrows, cap;
	char **cells; /* (nrows + 1) * ncols, row 0 is the header */
	FILE *out; /* streaming: rows printed at once, only the header kept */
	int *width;
	bool header_done;
};

/* One row of a streaming table, as table_print() would align it. */
static void stream_row(struct table *t, const char *const *cell)
{
	for (int c = 0; c < t->ncols; c++) {
		const char *s = cell[c] ? cell[c] : "-";

		if (c == t->ncols - 1)
			fprintf(t->out, "%s", s);
		else
			fprintf(t->out, "%-*s  ", t->width[c], s);
	}
	fputc('\n', t->out);
}

static void stream_header(struct table *t)
{
	if (t->header_done)
		return;
	t->header_done = true;
	stream_row(t, (const char *const *)t->cells);
}

static int table_add(struct table *t, va_list ap)
{
	if (t->out && t->nrows) {
		const char *cell[16];

		for (int i = 0; i < t->ncols && i < 16; i++)
			cell[i] = va_arg(ap, const char *);
		stream_header(t);
		stream_row(t, cell);
		return 0;
	}
	if (t->nrows + 1 >= t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, sizeof(*c) * cap * t->ncols);

		if (!c)
			return -ENOMEM;
		t->cells = c;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		char *dup = strdup(s ? s : "-");

		if (!dup)
			return -ENOMEM;
		t->cells[t->nrows * t->ncols + i] = dup;
	}
	t->nrows++;
	return 0;
}

struct table *table_new(int ncols, ...)
{
	struct table *t = calloc(1, sizeof(*t));
	va_list ap;

	if (!t)
		return NULL;
	t->ncols = ncols;
	va_start(ap, ncols);
	if (table_add(t, ap)) {
		va_end(ap);
		table_free(t);
		return NULL;
	}
	va_end(ap);
	return t;
}

struct table *table_stream(FILE *f, const int *widths, int ncols, ...)
{
	struct table *t;
	va_list ap;

	if (ncols > 16)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->width = calloc(ncols, sizeof(*t->width));
	va_start(ap, ncols);
	if (!t->width || table_add(t, ap)) {
		va_end(ap);
		table_free(t);
		return NULL;
	}
	va_end(ap);
	for (int c = 0; c < ncols; c++) {
		int hl = (int)strlen(t->cells[c]);

		t->width[c] = widths[c] > hl ? widths[c] : hl;
	}
	t->out = f;
	return t;
}

int table_row(struct table *t, ...)
{
	va_list ap;
	int ret;

	va_start(ap, t);
	ret = table_add(t, ap);
	va_end(ap);
	return ret;
}

int table_nrows(const struct table *t)
{
	return t->nrows - 1;
}

void table_print(const struct table *t, FILE *f)
{
	int *w;

	if (t->out) {
		/* rows are out already: the header, if no row took it */
		stream_header((struct table *)t);
		return;
	}
	w = calloc(t->ncols, sizeof(*w));

	if (!w)
		return;
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			int len = strlen(t->cells[r * t->ncols + c]);

			if (len > w[c])
				w[c] = len;
		}
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c == t->ncols - 1)
				fprintf(f, "%s", s);
			else
				fprintf(f, "%-*s  ", w[c], s);
		}
		fputc('\n', f);
	}
	free(w);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}
