// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_cli.c - what algctl's commands parse and print without maps: the
 * flow and event filters (every usage message byte-exact), the JSON
 * writer's error ending, the streaming table.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "filters.h"
#include "unit.h"
#include "util/json_writer.h"
#include "util/table.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(ff, count, ...)                                              \
	flow_filter_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), ff, count, \
			  err, sizeof(err))

static void filter_parse_all(void)
{
	struct flow_filter ff;
	char err[512] = "";
	bool count;

	ASSERT_EQ(PARSE(&ff, &count, "--proto", "udp", "--src", "10.0.1.0/24",
			"--dst=192.0.2.2", "--sport", "40001", "--dport=5353",
			"--state", "replied", "--alg", "sip", "-c"),
		  0);
	ASSERT_EQ(ff.set, FF_PROTO | FF_SRC | FF_DST | FF_SPORT | FF_DPORT |
				  FF_STATE | FF_ALG);
	ASSERT_EQ(ff.proto, BPFALG_IPPROTO_UDP);
	ASSERT_EQ(ff.src.len, 24);
	ASSERT_EQ(ff.dst.len, 32);
	ASSERT_EQ(ff.sport, 40001);
	ASSERT_EQ(ff.dport, 5353);
	ASSERT_STREQ(ff.state, "replied");
	ASSERT_EQ(ff.alg, BPFALG_ALG_SIP);
	ASSERT_TRUE(count, "-c not seen");
	ASSERT_EQ(
		flow_filter_parse(0, ARGV(NULL), &ff, &count, err, sizeof(err)),
		0);
	ASSERT_EQ(ff.set, 0);
	ASSERT_TRUE(!count, "-c without -c");
	ASSERT_EQ(PARSE(&ff, NULL, "--src", "2001:db8::/32", "--count"), -1);
	ASSERT_STREQ(err, "unexpected argument '--count'");
}

/* Each bad command line and its message, exactly. */
static void filter_parse_messages(void)
{
	static const struct {
		int argc;
		char *argv[4];
		const char *msg;
	} cases[] = {
		{ 2,
		  { "--src", "10.0.0.0/33" },
		  "--src: '10.0.0.0/33': prefix length is not 0..32" },
		{ 2,
		  { "--dst", "2001:db8::/129" },
		  "--dst: '2001:db8::/129': prefix length is not 0..128" },
		{ 2,
		  { "--src", "10.0.0.1/24" },
		  "--src: '10.0.0.1/24' has address bits set beyond /24 (the "
		  "network is written with them clear)" },
		{ 2,
		  { "--dst", "gateway" },
		  "--dst: 'gateway' is not an address or prefix" },
		{ 1, { "--src=" }, "--src: '' is not an address or prefix" },
		{ 2,
		  { "--src", "10.0.0.1,10.0.0.2" },
		  "--src: one address or prefix, not a list "
		  "('10.0.0.1,10.0.0.2')" },
		{ 2,
		  { "--sport", "0" },
		  "--sport: invalid port '0' (1-65535)" },
		{ 2,
		  { "--dport", "65536" },
		  "--dport: invalid port '65536' (1-65535)" },
		{ 2,
		  { "--dport", "-1" },
		  "--dport: invalid port '-1' (1-65535)" },
		{ 2,
		  { "--sport", "80x" },
		  "--sport: invalid port '80x' (1-65535)" },
		{ 2,
		  { "--sport", "000080" },
		  "--sport: invalid port '000080' (1-65535)" },
		{ 2,
		  { "--state", "open" },
		  "--state: unknown state 'open' (new, syn_sent, syn_recv, "
		  "established, fin_wait, time_wait, close, replied, "
		  "unreplied)" },
		{ 2,
		  { "--state", "ESTABLISHED" },
		  "--state: unknown state 'ESTABLISHED' (new, syn_sent, "
		  "syn_recv, established, fin_wait, time_wait, close, "
		  "replied, unreplied)" },
		{ 2,
		  { "--alg", "h323" },
		  "--alg: unknown ALG 'h323' (ftp, sip, rtsp, tftp)" },
		{ 2,
		  { "--alg", "none" },
		  "--alg: unknown ALG 'none' (ftp, sip, rtsp, tftp)" },
		{ 2,
		  { "--proto", "sctp" },
		  "--proto: unknown protocol 'sctp' (tcp, udp, icmp, icmpv6)" },
		{ 4,
		  { "--src", "10.0.0.1", "--src", "10.0.0.2" },
		  "--src given twice" },
		{ 3,
		  {
			  "--state=new",
			  "--proto",
			  "tcp",
		  },
		  NULL }, /* parses */
		{ 2, { "-c", "--count" }, "--count given twice" },
		{ 1, { "--sport" }, "missing PORT after --sport" },
		{ 1, { "--src" }, "missing ADDR[/LEN] after --src" },
		{ 1, { "--bogus" }, "unexpected argument '--bogus'" },
		{ 1, { "--srcx=1" }, "unexpected argument '--srcx=1'" },
		{ 1, { "10.0.0.1" }, "unexpected argument '10.0.0.1'" },
		{ 4,
		  { "--proto", "icmp", "--dport", "5" },
		  "--dport: icmp flows have no ports" },
	};
	struct flow_filter ff;
	char err[512];
	bool count;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int ret;

		/* the one case that parses: --state=new --proto tcp */
		if (!cases[i].msg) {
			ASSERT_EQ(flow_filter_parse(cases[i].argc,
						    (char **)cases[i].argv, &ff,
						    &count, err, sizeof(err)),
				  0);
			ASSERT_STREQ(ff.state, "new");
			continue;
		}
		err[0] = '\0';
		ret = flow_filter_parse(cases[i].argc, (char **)cases[i].argv,
					&ff, &count, err, sizeof(err));
		ASSERT_TRUE(ret == -1, "case %zu (%s) parsed", i,
			    cases[i].argv[0]);
		ASSERT_STREQ(err, cases[i].msg);
	}
}

static void tuple4(struct bpfalg_tuple *t, const char *s, int sport,
		   const char *d, int dport, __u8 proto)
{
	memset(t, 0, sizeof(*t));
	inet_pton(AF_INET, s, t->saddr);
	inet_pton(AF_INET, d, t->daddr);
	t->sport = htons(sport);
	t->dport = htons(dport);
	t->proto = proto;
	t->family = BPFALG_AF_INET;
}

static void filter_match(void)
{
	struct bpfalg_tuple udp, tcp, icmp, v6;
	struct bpfalg_flow fu = { .state = BPFALG_ST_ESTABLISHED },
			   ft = { .state = BPFALG_ST_ESTABLISHED,
				  .alg = BPFALG_ALG_FTP },
			   fi = { .state = BPFALG_ST_NEW };
	struct flow_filter ff;
	char err[512];

	tuple4(&udp, "10.0.1.2", 40001, "192.0.2.2", 5353, BPFALG_IPPROTO_UDP);
	tuple4(&tcp, "10.0.1.3", 40002, "192.0.2.2", 21, BPFALG_IPPROTO_TCP);
	/* an echo: id 5353 in both "ports" */
	tuple4(&icmp, "10.0.1.2", 5353, "192.0.2.2", 5353, BPFALG_IPPROTO_ICMP);
	memset(&v6, 0, sizeof(v6));
	inet_pton(AF_INET6, "fd00:1::2", v6.saddr);
	inet_pton(AF_INET6, "2001:db8:2::2", v6.daddr);
	v6.sport = htons(40001);
	v6.dport = htons(5353);
	v6.proto = BPFALG_IPPROTO_UDP;
	v6.family = BPFALG_AF_INET6;

	ASSERT_EQ(PARSE(&ff, NULL, "--src", "10.0.1.0/24"), 0);
	ASSERT_TRUE(flow_filter_match(&ff, &udp, &fu) &&
			    flow_filter_match(&ff, &tcp, &ft) &&
			    !flow_filter_match(&ff, &v6, &fu),
		    "--src 10.0.1.0/24");
	ASSERT_EQ(PARSE(&ff, NULL, "--src", "10.0.1.2"), 0);
	ASSERT_TRUE(flow_filter_match(&ff, &udp, &fu) &&
			    !flow_filter_match(&ff, &tcp, &ft),
		    "--src 10.0.1.2");
	/* the original direction only: the server is no source */
	ASSERT_EQ(PARSE(&ff, NULL, "--src", "192.0.2.2"), 0);
	ASSERT_TRUE(!flow_filter_match(&ff, &udp, &fu), "--src server");
	ASSERT_EQ(PARSE(&ff, NULL, "--dst", "0.0.0.0/0"), 0);
	ASSERT_TRUE(flow_filter_match(&ff, &udp, &fu) &&
			    !flow_filter_match(&ff, &v6, &fu),
		    "--dst 0.0.0.0/0 is IPv4 only");
	ASSERT_EQ(PARSE(&ff, NULL, "--src", "fd00:1::/64", "--dport", "5353"),
		  0);
	ASSERT_TRUE(flow_filter_match(&ff, &v6, &fu) &&
			    !flow_filter_match(&ff, &udp, &fu),
		    "IPv6 prefix");
	/* ports: tcp and udp, never an echo's identifier */
	ASSERT_EQ(PARSE(&ff, NULL, "--dport", "5353"), 0);
	ASSERT_TRUE(flow_filter_match(&ff, &udp, &fu) &&
			    !flow_filter_match(&ff, &icmp, &fi) &&
			    !flow_filter_match(&ff, &tcp, &ft),
		    "--dport 5353");
	ASSERT_EQ(PARSE(&ff, NULL, "--sport", "40002", "--proto", "tcp"), 0);
	ASSERT_TRUE(flow_filter_match(&ff, &tcp, &ft) &&
			    !flow_filter_match(&ff, &udp, &fu),
		    "--sport 40002 --proto tcp");
	/* states as printed: "established" is TCP's, "replied" the others' */
	ASSERT_EQ(PARSE(&ff, NULL, "--state", "established"), 0);
	ASSERT_TRUE(flow_filter_match(&ff, &tcp, &ft) &&
			    !flow_filter_match(&ff, &udp, &fu),
		    "--state established");
	ASSERT_EQ(PARSE(&ff, NULL, "--state", "replied"), 0);
	ASSERT_TRUE(!flow_filter_match(&ff, &tcp, &ft) &&
			    flow_filter_match(&ff, &udp, &fu) &&
			    !flow_filter_match(&ff, &icmp, &fi),
		    "--state replied");
	ASSERT_EQ(PARSE(&ff, NULL, "--state", "unreplied", "--proto", "icmp"),
		  0);
	ASSERT_TRUE(flow_filter_match(&ff, &icmp, &fi) &&
			    !flow_filter_match(&ff, &udp, &fu),
		    "--state unreplied --proto icmp");
	ASSERT_EQ(PARSE(&ff, NULL, "--alg", "ftp"), 0);
	ASSERT_TRUE(flow_filter_match(&ff, &tcp, &ft) &&
			    !flow_filter_match(&ff, &udp, &fu),
		    "--alg ftp");
	/* AND: each one alone matches, together they do not */
	ASSERT_EQ(PARSE(&ff, NULL, "--alg", "ftp", "--proto", "udp"), 0);
	ASSERT_TRUE(!flow_filter_match(&ff, &tcp, &ft) &&
			    !flow_filter_match(&ff, &udp, &fu),
		    "--alg ftp --proto udp");
	ASSERT_EQ(PARSE(&ff, NULL, "--proto", "udp"), 0);
	ASSERT_TRUE(flow_filter_match(&ff, &udp, &fu) &&
			    flow_filter_match(&ff, &v6, &fu) &&
			    !flow_filter_match(&ff, &tcp, &ft),
		    "--proto udp");
}

#define EPARSE(ef, ...)                                                   \
	event_filter_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), ef, err, \
			   sizeof(err))

static void event_filter_messages(void)
{
	struct event_filter ef;
	char err[1024];

	ASSERT_EQ(EPARSE(&ef, "--type", "flow,pinhole-open", "--proto=udp"), 0);
	ASSERT_TRUE(!ef.any_type && ef.proto && !ef.alg, "parsed");
	ASSERT_EQ(EPARSE(&ef, "--proto", "ftp"), 0);
	ASSERT_TRUE(ef.any_type && !ef.proto && ef.alg, "alg");
	ASSERT_EQ(EPARSE(&ef, "--type", "flows"), -1);
	ASSERT_STREQ(err, "--type: unknown event 'flows' (flow-new, flow-end, "
			  "pinhole-open, pinhole-used, pinhole-expired, "
			  "pinhole-closed, pinhole-refused, binding-open, "
			  "binding-closed, rewrite, observe, policy-refused, "
			  "call-start, call-end, not-protocol, lost; or a "
			  "group: flow, pinhole, binding, call)");
	ASSERT_EQ(EPARSE(&ef, "--type", "flow,"), -1);
	ASSERT_TRUE(!strncmp(err, "--type: unknown event '' (", 26), "%s", err);
	ASSERT_EQ(EPARSE(&ef, "--proto", "sctp"), -1);
	ASSERT_STREQ(err, "--proto: unknown protocol 'sctp' (tcp, udp, icmp, "
			  "icmpv6, ftp, sip, rtsp, tftp)");
	ASSERT_EQ(EPARSE(&ef, "--proto", "udp", "--proto", "tcp"), -1);
	ASSERT_STREQ(err, "--proto given twice");
	ASSERT_EQ(EPARSE(&ef, "--type", "rewrite", "--type=observe"), -1);
	ASSERT_STREQ(err, "--type given twice");
	ASSERT_EQ(EPARSE(&ef, "--type"), -1);
	ASSERT_STREQ(err, "missing EVENT[,EVENT...] after --type");
	ASSERT_EQ(EPARSE(&ef, "-j"), -1);
	ASSERT_STREQ(err, "unexpected argument '-j'");
}

static bool ev_match(const struct event_filter *ef, const char *line, bool json)
{
	return event_filter_match(ef, line, strlen(line), json);
}

static void event_filter_lines(void)
{
	static const char j_flow[] =
		"{\"ts\":1.5,\"event\":\"flow-new\",\"proto\":\"udp\","
		"\"src\":{\"addr\":\"10.0.1.2\",\"port\":40001},"
		"\"dst\":{\"addr\":\"192.0.2.2\",\"port\":69},\"alg\":"
		"\"tftp\"}";
	static const char t_flow[] =
		"22:22:29.990211 [flow-new]        -        proto=udp "
		"src=10.0.1.2:40001 dst=192.0.2.2:69 nat=snat alg=tftp";
	/* a rewrite of an FTP session whose text names a protocol */
	static const char j_rw[] =
		"{\"ts\":2,\"event\":\"rewrite\",\"tag\":\"ftp#3\","
		"\"alg\":\"ftp\",\"session\":3,"
		"\"before\":\"x,\\\"proto\\\":\\\"udp\\\" proto=udp\"}";
	static const char t_rw[] =
		"22:22:29.994041 [rewrite]         ftp#3    before=\"x "
		"proto=udp alg=sip\" after=\"y\"";
	static const char j_lost[] =
		"{\"ts\":3,\"event\":\"lost\",\"count\":7}";
	static const char t_lost[] =
		"22:22:29.994041 [lost]            -        count=7";
	struct event_filter ef;
	char err[1024];

	ASSERT_EQ(EPARSE(&ef, "--type", "flow"), 0);
	ASSERT_TRUE(ev_match(&ef, j_flow, true) && ev_match(&ef, t_flow, false),
		    "flow group");
	ASSERT_TRUE(!ev_match(&ef, j_rw, true) && !ev_match(&ef, t_rw, false),
		    "rewrite is no flow event");
	ASSERT_TRUE(ev_match(&ef, j_lost, true) && ev_match(&ef, t_lost, false),
		    "lost always passes");
	ASSERT_EQ(EPARSE(&ef, "--proto", "udp"), 0);
	ASSERT_TRUE(ev_match(&ef, j_flow, true) && ev_match(&ef, t_flow, false),
		    "udp flow");
	/* "proto" inside a quoted value is no field */
	ASSERT_TRUE(!ev_match(&ef, j_rw, true) && !ev_match(&ef, t_rw, false),
		    "a value naming udp");
	ASSERT_EQ(EPARSE(&ef, "--proto", "tcp"), 0);
	ASSERT_TRUE(!ev_match(&ef, j_flow, true) &&
			    !ev_match(&ef, t_flow, false),
		    "tcp vs udp flow");
	ASSERT_EQ(EPARSE(&ef, "--proto", "ftp"), 0);
	ASSERT_TRUE(ev_match(&ef, j_rw, true) && ev_match(&ef, t_rw, false),
		    "ftp session by its tag");
	ASSERT_TRUE(!ev_match(&ef, j_flow, true) &&
			    !ev_match(&ef, t_flow, false),
		    "tftp flow is no ftp event");
	ASSERT_EQ(EPARSE(&ef, "--proto", "tftp", "--type", "flow-new"), 0);
	ASSERT_TRUE(ev_match(&ef, j_flow, true) && ev_match(&ef, t_flow, false),
		    "tftp flow-new");
	ASSERT_EQ(EPARSE(&ef, "--proto", "sip"), 0);
	ASSERT_TRUE(!ev_match(&ef, t_rw, false), "alg= inside a quoted value");
}

static char *capture(void (*fill)(json_writer_t *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_writer_t *w = jsonw_new(f, false);

	fill(w);
	jsonw_destroy(&w);
	fclose(f);
	return buf;
}

static void err_first(json_writer_t *w)
{
	jsonw_error(w, "no \"pins\"");
	jsonw_start_object(w); /* what the command would go on writing */
	jsonw_end_object(w);
}

static void err_midstream(json_writer_t *w)
{
	jsonw_start_object(w);
	jsonw_name(w, "flows");
	jsonw_start_array(w);
	jsonw_start_object(w);
	jsonw_u64_field(w, "n", 1);
	jsonw_end_object(w);
	jsonw_start_object(w);
	jsonw_name(w, "half");
	jsonw_error(w, "read failed");
	jsonw_end_array(w);
	jsonw_s64_field(w, "count", 1);
	jsonw_end_object(w);
	jsonw_error(w, "a second error");
}

static void err_after_doc(json_writer_t *w)
{
	jsonw_start_object(w);
	jsonw_end_object(w);
	jsonw_error(w, "too late");
}

static void nothing(json_writer_t *w)
{
}

static void json_error_endings(void)
{
	char *s = capture(err_first);

	ASSERT_STREQ(s, "{\"error\":\"no \\\"pins\\\"\"}\n");
	free(s);
	s = capture(err_midstream);
	ASSERT_STREQ(s, "{\"flows\":[{\"n\":1},{\"half\":null}],"
			"\"error\":\"read failed\"}\n");
	free(s);
	s = capture(err_after_doc);
	ASSERT_STREQ(s, "{}\n");
	free(s);
	/* a writer nobody used adds no stray newline */
	s = capture(nothing);
	ASSERT_STREQ(s, "");
	free(s);
}

static void json_endpoint_shape(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_writer_t *w = jsonw_new(f, false);
	__be32 a4 = htonl(0xc0000201), a6[4];

	inet_pton(AF_INET6, "2001:db8::1", a6);
	jsonw_start_object(w);
	jsonw_endpoint(w, "v4", AF_INET, &a4, 21);
	jsonw_endpoint(w, "v6", AF_INET6, a6, 0);
	jsonw_end_object(w);
	jsonw_destroy(&w);
	fclose(f);
	ASSERT_STREQ(buf, "{\"v4\":{\"addr\":\"192.0.2.1\",\"port\":21},"
			  "\"v6\":{\"addr\":\"2001:db8::1\",\"port\":0}}\n");
	free(buf);
}

static void table_streams(void)
{
	static const int w[] = { 5, 8, 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct table *t = table_stream(f, w, 3, "PROTO", "SRC", "STATE");

	fflush(f);
	ASSERT_EQ(len, 0); /* the header waits for a row */
	table_row(t, "udp", "10.0.1.2:40001", "replied");
	fflush(f);
	/* printed at once, not kept */
	ASSERT_STREQ(buf, "PROTO  SRC       STATE\n"
			  "udp    10.0.1.2:40001  replied\n");
	table_row(t, "tcp", NULL, "close");
	table_print(t, f);
	table_free(t);
	fclose(f);
	ASSERT_STREQ(buf, "PROTO  SRC       STATE\n"
			  "udp    10.0.1.2:40001  replied\n"
			  "tcp    -         close\n");
	free(buf);
	/* no row: the header alone, from table_print */
	buf = NULL;
	f = open_memstream(&buf, &len);
	t = table_stream(f, w, 3, "PROTO", "SRC", "STATE");
	table_print(t, f);
	table_free(t);
	fclose(f);
	ASSERT_STREQ(buf, "PROTO  SRC       STATE\n");
	free(buf);
}

UNIT_CASES(cli_cases, CASE(filter_parse_all), CASE(filter_parse_messages),
	   CASE(filter_match), CASE(event_filter_messages),
	   CASE(event_filter_lines), CASE(json_error_endings),
	   CASE(json_endpoint_shape), CASE(table_streams));
