// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* table.c - see table.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/table.h"

struct table {
	int ncols, nrows, cap;
	char **cells; /* (nrows + 1) * ncols, row 0 is the header */
};

static int table_add(struct table *t, va_list ap)
{
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
	int *w = calloc(t->ncols, sizeof(*w));

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
	free(t);
}
