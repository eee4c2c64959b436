// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_output.c - the JSON writer (byte-exact documents, escaping, and
 * validity checked by python3's json module), tables and value formats.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "unit.h"
#include "util/json_writer.h"
#include "util/log.h"
#include "util/table.h"

/* Run a writer into memory and return the text (caller frees). */
static char *capture_json(bool pretty, void (*fill)(json_writer_t *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_writer_t *w = jsonw_new(f, pretty);

	fill(w);
	jsonw_destroy(&w);
	fclose(f);
	return buf;
}

static void fill_doc(json_writer_t *w)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "s", "a\"b\\c\n\x01");
	jsonw_u64_field(w, "u", 18446744073709551615ULL);
	jsonw_s64_field(w, "i", -5);
	jsonw_bool_field(w, "b", true);
	jsonw_name(w, "arr");
	jsonw_start_array(w);
	jsonw_u64(w, 1);
	jsonw_start_object(w);
	jsonw_end_object(w);
	jsonw_null(w);
	jsonw_end_array(w);
	jsonw_name(w, "empty");
	jsonw_start_array(w);
	jsonw_end_array(w);
	jsonw_end_object(w);
}

static void json_exact_bytes(void)
{
	char *s = capture_json(false, fill_doc);

	ASSERT_STREQ(s, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\","
			"\"u\":18446744073709551615,\"i\":-5,\"b\":true,"
			"\"arr\":[1,{},null],\"empty\":[]}\n");
	free(s);
}

static int python_accepts(const char *doc)
{
	char path[] = "/tmp/bpfalg-unit-json-XXXXXX", cmd[256];
	int fd = mkstemp(path), ret;
	FILE *f;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fputs(doc, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s",
		 path);
	ret = system(cmd);
	unlink(path);
	return ret;
}

static void json_valid_pretty_and_compact(void)
{
	char *a = capture_json(false, fill_doc), *b = capture_json(true, fill_doc);

	ASSERT_EQ(python_accepts(a), 0);
	ASSERT_EQ(python_accepts(b), 0);
	ASSERT_TRUE(strlen(b) > strlen(a) + 10, "pretty output is not indented");
	free(a);
	free(b);
}

static void table_aligns_columns(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct table *t = table_new(3, "A", "LONGER", "C");

	table_row(t, "xyz", "1", NULL);
	table_row(t, "q", "12345678", "end");
	ASSERT_EQ(table_nrows(t), 2);
	table_print(t, f);
	fclose(f);
	table_free(t);
	ASSERT_STREQ(buf, "A    LONGER    C\n"
			  "xyz  1         -\n"
			  "q    12345678  end\n");
	free(buf);
}

static void format_values(void)
{
	__be32 v4[4] = { inet_addr("192.0.2.1") }, v6[4], a[4];
	char buf[64];
	__be16 port;
	__u8 fam;

	inet_pton(AF_INET6, "2001:db8::1", v6);
	ASSERT_STREQ(fmt_endpoint(BPFALG_AF_INET, v4, htons(80), buf,
				  sizeof(buf)),
		     "192.0.2.1:80");
	ASSERT_STREQ(fmt_endpoint(BPFALG_AF_INET6, v6, htons(443), buf,
				  sizeof(buf)),
		     "[2001:db8::1]:443");
	ASSERT_STREQ(fmt_duration(59, buf, sizeof(buf)), "59s");
	ASSERT_STREQ(fmt_duration(3725, buf, sizeof(buf)), "1h2m");
	ASSERT_STREQ(fmt_duration(432000, buf, sizeof(buf)), "5d0h");
	ASSERT_STREQ(fmt_counter(BPFALG_CNT_INBOUND_DROP), "inbound_drop");
	ASSERT_STREQ(fmt_counter(BPFALG_CNT_MAX), "unknown");
	for (int i = 0; i < BPFALG_CNT_MAX; i++)
		ASSERT_TRUE(strcmp(fmt_counter(i), "unknown"),
			    "counter %d has no name", i);
	ASSERT_STREQ(fmt_state(BPFALG_IPPROTO_TCP, BPFALG_ST_TIME_WAIT),
		     "time_wait");
	ASSERT_STREQ(fmt_state(BPFALG_IPPROTO_UDP, BPFALG_ST_NEW), "unreplied");

	ASSERT_EQ(parse_endpoint("10.0.1.2:8080", &fam, a, &port), 0);
	ASSERT_EQ(fam, BPFALG_AF_INET);
	ASSERT_EQ(a[0], inet_addr("10.0.1.2"));
	ASSERT_EQ(ntohs(port), 8080);
	ASSERT_EQ(parse_endpoint("[fd00::2]:22", &fam, a, &port), 0);
	ASSERT_EQ(fam, BPFALG_AF_INET6);
	ASSERT_EQ(parse_endpoint("10.0.1.2", &fam, a, &port), -1);
	ASSERT_EQ(parse_endpoint("10.0.1.2:0", &fam, a, &port), -1);
	ASSERT_EQ(parse_endpoint("10.0.1.2:65536", &fam, a, &port), -1);
	ASSERT_EQ(parse_endpoint("10.0.1.2:-1", &fam, a, &port), -1);
	ASSERT_EQ(parse_endpoint("host:80", &fam, a, &port), -1);
	ASSERT_EQ(parse_endpoint("[fd00::2:22", &fam, a, &port), -1);
}

static char sanitize_out[16];

static void sanitize_peer_text(void)
{
	char *out = sanitize_out;

	ASSERT_STREQ(log_sanitize("PORT 1,2\r\n\x1b[31m", 15, out, sizeof(sanitize_out)),
		     "PORT 1,2...[31m");
	ASSERT_STREQ(log_sanitize("0123456789abcdefXYZ", 19, out, sizeof(sanitize_out)),
		     "0123456789ab...");
	ASSERT_STREQ(log_sanitize("ok", 2, out, sizeof(sanitize_out)), "ok");
}

/* Wait for the next CLOCK_MONOTONIC_COARSE second to begin. */
static void next_second(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &a);
	do {
		usleep(2000);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &b);
	} while (b.tv_sec == a.tv_sec);
}

static int count_lines(FILE *f, const char *needle)
{
	char line[256];
	int n = 0;

	rewind(f);
	while (fgets(line, sizeof(line), f))
		n += !needle || strstr(line, needle);
	return n;
}

/* At most LOG_BURST lines a second; the rest counted and reported. */
static void log_rate_limited(void)
{
	FILE *f = tmpfile();
	int saved = dup(2), lvl = log_level, msgs, supp;

	ASSERT_TRUE(f && saved >= 0, "tmpfile");
	fflush(stderr);
	dup2(fileno(f), 2);
	log_level = LOG_INFO;
	next_second();
	for (int i = 0; i < LOG_BURST + 50; i++)
		pr_info("line %d\n", i);
	next_second();
	pr_info("after\n");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	log_level = lvl;
	msgs = count_lines(f, "line ");
	supp = count_lines(f, "50 messages suppressed");
	ASSERT_EQ(msgs, LOG_BURST);
	ASSERT_EQ(supp, 1);
	ASSERT_EQ(count_lines(f, "after"), 1);
	fclose(f);
}

UNIT_CASES(json_cases, CASE(json_exact_bytes),
	   CASE(json_valid_pretty_and_compact));
UNIT_CASES(table_cases, CASE(table_aligns_columns));
UNIT_CASES(format_cases, CASE(format_values), CASE(sanitize_peer_text),
	   CASE(log_rate_limited));
