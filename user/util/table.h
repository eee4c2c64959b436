/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * table.h - aligned text tables for algctl's human output.  Cells are
 * copied; widths are computed when the table is printed.
 *
 *   struct table *t = table_new(3, "PROTO", "SRC", "STATE");
 *   table_row(t, "tcp", "10.0.1.2:40000", "established");
 *   table_print(t, stdout);
 *   table_free(t);
 */
#ifndef BPFALG_TABLE_H
#define BPFALG_TABLE_H

#include <stdio.h>

struct table;

struct table *table_new(int ncols, ...);
/*
 * A table for listings that may be long (flows): nothing is kept, each
 * row is printed at once, in columns at least @widths[i] wide (a longer
 * cell pushes the rest of its row right).  The header goes out with the
 * first row, or from table_print() when there was none.
 */
struct table *table_stream(FILE *f, const int *widths, int ncols, ...);
/* Exactly ncols strings; NULL cells print as "-". 0 or -ENOMEM. */
int table_row(struct table *t, ...);
int table_nrows(const struct table *t);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

#endif
