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
 *
 * Lists stream: each element goes out as it is written (a listing's
 * "count" comes after its array).  jsonw_destroy() ends a document that
 * was started with a newline, and writes nothing for one that was not.
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

/*
 * [@name:] {"addr": "192.0.2.1", "port": 21}: the one shape of an
 * endpoint in every -j output.  @family AF_INET or AF_INET6 (BPFALG_AF_*
 * are the same numbers), @addr in network order, @port in host order (0:
 * any port, e.g. the remote of a pinhole that admits any).
 */
void jsonw_endpoint(json_writer_t *w, const char *name, int family,
		    const void *addr, unsigned int port);

/* Has anything been written? */
bool jsonw_written(const json_writer_t *w);

/*
 * End the document with an error, so that -j output stays one JSON
 * object: {"error": MSG} when nothing was written yet; in the middle of a
 * document (a listing that failed while streaming) whatever is open is
 * closed down to the top-level object, which gets "error": MSG as its
 * last member.  Everything written afterwards is dropped.
 */
void jsonw_error(json_writer_t *w, const char *msg);

#endif
