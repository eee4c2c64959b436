/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * json_writer.h - one small streaming JSON writer for every `-j` output
 * (modelled on bpftool's).  Commas, nesting and string escaping are handled
 * here, so callers only say what they mean:
 *
 *   json_writer_t *w = jsonw_new(stdout, pretty);
 *   jsonw_start_object(w);
 *   jsonw_string_field(w, "state", "established");
 *   jsonw_end_object(w);
 *   jsonw_destroy(&w);
 */
#ifndef BPFALG_JSON_WRITER_H
#define BPFALG_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

json_writer_t *jsonw_new(FILE *f, bool pretty);
void jsonw_destroy(json_writer_t **w);

void jsonw_start_object(json_writer_t *w);
void jsonw_end_object(json_writer_t *w);
void jsonw_start_array(json_writer_t *w);
void jsonw_end_array(json_writer_t *w);

void jsonw_name(json_writer_t *w, const char *name);
void jsonw_string(json_writer_t *w, const char *s);
void jsonw_u64(json_writer_t *w, uint64_t v);
void jsonw_s64(json_writer_t *w, int64_t v);
void jsonw_bool(json_writer_t *w, bool v);
void jsonw_null(json_writer_t *w);

void jsonw_string_field(json_writer_t *w, const char *name, const char *s);
void jsonw_u64_field(json_writer_t *w, const char *name, uint64_t v);
void jsonw_s64_field(json_writer_t *w, const char *name, int64_t v);
void jsonw_bool_field(json_writer_t *w, const char *name, bool v);

#endif
