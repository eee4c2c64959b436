// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_events.c - the event renderer (user/engine/events.c: JSON and text
 * lines, byte for byte, hostile text included), the latency histogram's
 * buckets, and the --metrics address parser (user/config.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "engine/events.h"
#include "unit.h"

static char got_json[8192], got_text[4096];
static int got_n;

static void sink(void *ctx, enum ev_kind kind, const char *json,
		 size_t json_len, const char *text, size_t text_len)
{
	snprintf(got_json, sizeof(got_json), "%.*s", (int)json_len, json);
	snprintf(got_text, sizeof(got_text), "%.*s", (int)text_len, text);
	got_n++;
}

/* The part after the timestamp, which the clock decides. */
static const char *json_rest(void)
{
	const char *p = strstr(got_json, ",\"event\":");

	return p ? p : "?";
}

static const char *text_rest(void)
{
	return strlen(got_text) > 16 ? got_text + 16 : "?";
}

static void events_quiet_without_subscribers(void)
{
	events_set_sinks(sink, NULL, NULL);
	events_subscribers = 0;
	got_n = 0;
	events_emit(EV_REWRITE, "ftp#1", EV_STR("before", "x"));
	ASSERT_EQ(got_n, 0);
	events_subscribers = 1;
	events_emit(EV_REWRITE, "ftp#1", EV_STR("before", "x"));
	ASSERT_EQ(got_n, 1);
	events_subscribers = 0;
	events_set_sinks(NULL, NULL, NULL);
}

static void events_render_rewrite(void)
{
	static const char line[] = "PORT 10,0,1,2,7,208\r\n",
			  out[] = "PORT 192,0,2,1,7,208\r\n";

	events_set_sinks(sink, NULL, NULL);
	events_subscribers = 1;
	events_emit(EV_REWRITE, "ftp#12",
		    EV_TEXT("before", line, sizeof(line) - 1),
		    EV_TEXT("after", out, sizeof(out) - 1));
	ASSERT_STREQ(
		json_rest(),
		",\"event\":\"rewrite\",\"tag\":\"ftp#12\",\"alg\":\"ftp\","
		"\"session\":12,\"before\":\"PORT 10,0,1,2,7,208\","
		"\"after\":\"PORT 192,0,2,1,7,208\"}");
	ASSERT_STREQ(
		text_rest(),
		"[rewrite]         ftp#12   before=\"PORT 10,0,1,2,7,208\" "
		"after=\"PORT 192,0,2,1,7,208\"");
	ASSERT_TRUE(!strncmp(got_json, "{\"ts\":", 6), "%s", got_json);
	ASSERT_TRUE(got_text[2] == ':' && got_text[8] == '.' &&
			    got_text[15] == ' ',
		    "%s", got_text);
	events_subscribers = 0;
	events_set_sinks(NULL, NULL, NULL);
}

/* Peer text never breaks either line: quotes, backslashes, control and
 * non-ASCII bytes, an embedded NUL.
 */
static void events_render_hostile(void)
{
	static const char evil[] = "a\"b\\c\x01\xff\n=d\0e";

	events_set_sinks(sink, NULL, NULL);
	events_subscribers = 1;
	events_emit(EV_POLICY, NULL, EV_TEXT("line", evil, sizeof(evil) - 1),
		    EV_STR("reason", "x \"y\""), EV_STR("empty", ""),
		    EV_U64("n", 18446744073709551615ULL));
	ASSERT_STREQ(
		json_rest(),
		",\"event\":\"policy-refused\",\"line\":\"a\\\"b\\\\c...=d\","
		"\"reason\":\"x \\\"y\\\"\",\"empty\":\"\","
		"\"n\":18446744073709551615}");
	ASSERT_STREQ(
		text_rest(),
		"[policy-refused]  -        line=\"a\\\"b\\\\c...=d\" "
		"reason=\"x \\\"y\\\"\" empty=\"\" n=18446744073709551615");
	events_subscribers = 0;
	events_set_sinks(NULL, NULL, NULL);
}

static void events_render_flow_pinhole(void)
{
	struct bpfalg_tuple o = { .sport = htons(40000),
				  .dport = htons(21),
				  .proto = BPFALG_IPPROTO_TCP,
				  .family = BPFALG_AF_INET };
	struct bpfalg_flow f = { .state = BPFALG_ST_SYN_SENT,
				 .nat = BPFALG_NAT_SNAT,
				 .flags = BPFALG_FF_CONTROL,
				 .alg = BPFALG_ALG_FTP };
	struct bpfalg_pinhole_key k = { .public_port = htons(2000),
					.proto = BPFALG_IPPROTO_TCP,
					.family = BPFALG_AF_INET6 };

	inet_pton(AF_INET, "10.0.1.2", o.saddr);
	inet_pton(AF_INET, "192.0.2.2", o.daddr);
	/* the reply tuple: server -> public address and port */
	f.reply4.saddr = o.daddr[0];
	f.reply4.sport = o.dport;
	inet_pton(AF_INET, "192.0.2.1", &f.reply4.daddr);
	f.reply4.dport = htons(40001);
	inet_pton(AF_INET6, "2001:db8::2", k.remote);
	events_set_sinks(sink, NULL, NULL);
	events_subscribers = 1;
	events_flow(EV_FLOW_NEW, &o, &f, NULL);
	ASSERT_STREQ(json_rest(),
		     ",\"event\":\"flow-new\",\"proto\":\"tcp\","
		     "\"src\":{\"addr\":\"10.0.1.2\",\"port\":40000},"
		     "\"dst\":{\"addr\":\"192.0.2.2\",\"port\":21},"
		     "\"nat\":\"snat\","
		     "\"public\":{\"addr\":\"192.0.2.1\",\"port\":40001},"
		     "\"state\":\"syn_sent\",\"flags\":[\"control\"],"
		     "\"alg\":\"ftp\"}");
	ASSERT_STREQ(text_rest(),
		     "[flow-new]        -        proto=tcp src=10.0.1.2:40000 "
		     "dst=192.0.2.2:21 nat=snat public=192.0.2.1:40001 "
		     "state=syn_sent flags=control alg=ftp");
	events_pinhole(EV_PH_USED, "ftp#3", &k, NULL, NULL);
	ASSERT_STREQ(text_rest(),
		     "[pinhole-used]    ftp#3    proto=tcp remote=2001:db8::2 "
		     "public_port=2000");
	/* the remote's port is not at hand: 0 */
	ASSERT_STREQ(json_rest(),
		     ",\"event\":\"pinhole-used\",\"tag\":\"ftp#3\","
		     "\"alg\":\"ftp\",\"session\":3,\"proto\":\"tcp\","
		     "\"remote\":{\"addr\":\"2001:db8::2\",\"port\":0},"
		     "\"public_port\":2000}");
	f.state = BPFALG_ST_ESTABLISHED;
	o.proto = BPFALG_IPPROTO_UDP;
	f.flags = 0;
	f.alg = 0;
	f.packets[0] = 3;
	f.packets[1] = 4;
	events_flow(EV_FLOW_END, &o, &f, "expired");
	ASSERT_STREQ(json_rest(),
		     ",\"event\":\"flow-end\",\"proto\":\"udp\","
		     "\"src\":{\"addr\":\"10.0.1.2\",\"port\":40000},"
		     "\"dst\":{\"addr\":\"192.0.2.2\",\"port\":21},"
		     "\"nat\":\"snat\","
		     "\"public\":{\"addr\":\"192.0.2.1\",\"port\":40001},"
		     "\"state\":\"replied\",\"packets\":7,"
		     "\"reason\":\"expired\"}");
	/* per-direction counts are 32 bits: their sum is not */
	f.packets[0] = 4000000000u;
	f.packets[1] = 400000000u;
	events_flow(EV_FLOW_END, &o, &f, "expired");
	ASSERT_TRUE(strstr(got_json, ",\"packets\":4400000000,") != NULL, "%s",
		    got_json);
	/* DNAT (a port-forward): the inside target is the reply tuple's
	 * source
	 */
	inet_pton(AF_INET, "198.51.100.7", o.saddr);
	inet_pton(AF_INET, "192.0.2.1", o.daddr);
	o.sport = htons(5555);
	o.dport = htons(8080);
	f.nat = BPFALG_NAT_DNAT;
	f.flags = BPFALG_FF_FROM_FORWARD | BPFALG_FF_INBOUND;
	inet_pton(AF_INET, "10.0.1.5", &f.reply4.saddr);
	f.reply4.daddr = o.saddr[0];
	f.reply4.sport = htons(80);
	f.reply4.dport = o.sport;
	events_flow(EV_FLOW_NEW, &o, &f, NULL);
	ASSERT_STREQ(json_rest(),
		     ",\"event\":\"flow-new\",\"proto\":\"udp\","
		     "\"src\":{\"addr\":\"198.51.100.7\",\"port\":5555},"
		     "\"dst\":{\"addr\":\"192.0.2.1\",\"port\":8080},"
		     "\"nat\":\"dnat\","
		     "\"inside\":{\"addr\":\"10.0.1.5\",\"port\":80},"
		     "\"state\":\"replied\",\"flags\":[\"forward\"]}");
	/* ICMP echo: addresses in the text, the identifier as the port */
	o.proto = BPFALG_IPPROTO_ICMP;
	o.sport = o.dport = htons(77);
	f.flags = BPFALG_FF_FROM_PINHOLE | BPFALG_FF_CONTROL;
	events_flow(EV_FLOW_NEW, &o, &f, NULL);
	ASSERT_STREQ(text_rest(),
		     "[flow-new]        -        proto=icmp src=198.51.100.7 "
		     "dst=192.0.2.1 id=77 nat=dnat inside=10.0.1.5:80 "
		     "state=replied flags=pinhole,control");
	ASSERT_TRUE(strstr(got_json,
			   ",\"src\":{\"addr\":\"198.51.100.7\",\"port\":77},"
			   "\"dst\":{\"addr\":\"192.0.2.1\",\"port\":77},"
			   "\"id\":77,") &&
			    strstr(got_json,
				   ",\"flags\":[\"pinhole\",\"control\"]}"),
		    "%s", got_json);
	/* a pinhole without a session: its owner, a tuple */
	{
		struct bpfalg_pinhole v = { .inside_port = htons(4000),
					    .remote_port = 0,
					    .alg = BPFALG_ALG_TFTP };

		k.family = BPFALG_AF_INET;
		memset(k.remote, 0, sizeof(k.remote));
		inet_pton(AF_INET, "192.0.2.2", k.remote);
		inet_pton(AF_INET, "10.0.1.2", v.inside_addr);
		v.owner = (struct bpfalg_tuple){ .sport = htons(4000),
						 .dport = htons(69),
						 .proto = BPFALG_IPPROTO_UDP,
						 .family = BPFALG_AF_INET };
		v.owner.saddr[0] = v.inside_addr[0];
		v.owner.daddr[0] = k.remote[0];
		events_pinhole(EV_PH_EXPIRED, NULL, &k, &v, NULL);
		ASSERT_STREQ(text_rest(),
			     "[pinhole-expired] -        proto=tcp "
			     "remote=192.0.2.2:* public_port=2000 "
			     "inside=10.0.1.2:4000 alg=tftp "
			     "owner=10.0.1.2:4000->192.0.2.2:69");
		ASSERT_STREQ(json_rest(),
			     ",\"event\":\"pinhole-expired\",\"proto\":\"tcp\","
			     "\"remote\":{\"addr\":\"192.0.2.2\",\"port\":0},"
			     "\"public_port\":2000,"
			     "\"inside\":{\"addr\":\"10.0.1.2\",\"port\":4000},"
			     "\"alg\":\"tftp\",\"owner\":{\"proto\":\"udp\","
			     "\"src\":{\"addr\":\"10.0.1.2\",\"port\":4000},"
			     "\"dst\":{\"addr\":\"192.0.2.2\",\"port\":69}}}");
	}
	events_subscribers = 0;
	events_set_sinks(NULL, NULL, NULL);
}

static void events_latency_buckets(void)
{
	struct ev_latency a, b;

	events_latency_read(&a);
	events_latency_add(10000); /* on a bound: that bucket */
	events_latency_add(10001);
	events_latency_add(2000000000ULL); /* beyond 1 s: +Inf */
	events_latency_read(&b);
	ASSERT_EQ(b.bucket[0] - a.bucket[0], 1);
	ASSERT_EQ(b.bucket[1] - a.bucket[1], 1);
	ASSERT_EQ(b.bucket[EV_LAT_BUCKETS] - a.bucket[EV_LAT_BUCKETS], 1);
	ASSERT_EQ(b.count - a.count, 3);
	ASSERT_EQ(b.sum_ns - a.sum_ns, 2000020001ULL);
}

static void events_metrics_listen(void)
{
	static const char *const bad[] = {
		"",	    "1.2.3.4",	   ":0",      ":65536",
		"1.2.3.4:", "1.2.3:80",	   "[::1:80", "::1:80",
		"host:80",  "1.2.3.4:80x", "[]:80",   "1.2.3.4:+80",
	};
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	unsigned int len;
	char err[256];

	ASSERT_EQ(config_parse_listen("127.0.0.1:9464", &ss, &len, err,
				      sizeof(err)),
		  0);
	ASSERT_EQ(s4->sin_family, AF_INET);
	ASSERT_EQ(ntohs(s4->sin_port), 9464);
	ASSERT_EQ(s4->sin_addr.s_addr, htonl(0x7f000001));
	ASSERT_EQ(len, sizeof(*s4));
	ASSERT_EQ(config_parse_listen("[::1]:1", &ss, &len, err, sizeof(err)),
		  0);
	ASSERT_EQ(s6->sin6_family, AF_INET6);
	ASSERT_TRUE(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr), "not ::1");
	ASSERT_EQ(ntohs(s6->sin6_port), 1);
	ASSERT_EQ(config_parse_listen(":65535", &ss, &len, err, sizeof(err)),
		  0);
	ASSERT_EQ(s6->sin6_family, AF_INET6);
	ASSERT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr), "not ::");
	ASSERT_EQ(config_parse_listen("*:80", &ss, &len, err, sizeof(err)), 0);
	ASSERT_EQ(s6->sin6_family, AF_INET6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char want[256];

		ASSERT_EQ(config_parse_listen(bad[i], &ss, &len, err,
					      sizeof(err)),
			  -1);
		snprintf(want, sizeof(want),
			 "'%s' is not ADDR:PORT (IPv4 ADDR, [IPv6], or :PORT "
			 "for every address; PORT 1-65535)",
			 bad[i]);
		ASSERT_STREQ(err, want);
	}
}

UNIT_CASES(events_cases, CASE(events_quiet_without_subscribers),
	   CASE(events_render_rewrite), CASE(events_render_hostile),
	   CASE(events_render_flow_pinhole), CASE(events_latency_buckets),
	   CASE(events_metrics_listen));
