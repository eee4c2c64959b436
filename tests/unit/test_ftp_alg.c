// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_ftp_alg.c - the FTP module's decisions (user/alg/ftp_alg.c): the
 * command policy's refusal text and counters, and a PORT rewrite through a
 * fake engine that records the pinhole it was asked for.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "alg/ftp_alg.h"
#include "unit.h"

static struct alg_expect last_x;
static int n_expect;

static int fake_expect(void *ctx, struct alg_flow *af,
		       const struct alg_expect *x, uint16_t *public_port,
		       const char **why)
{
	last_x = *x;
	n_expect++;
	*public_port = 40000;
	return 0;
}

static const struct alg_services fake_svc = { .expect = fake_expect };
static const struct alg_limits lim = { .min_data_port = 1024 };
static __u64 cnt[BPFALG_AS_MAX];
static struct alg_policy pol;

static void flow_init(struct ftp_flow *ff, uint32_t mode, const char *deny)
{
	char err[128];

	memset(ff, 0, sizeof(*ff));
	memset(cnt, 0, sizeof(cnt));
	n_expect = 0;
	alg_policy_parse(&pol, deny, err, sizeof(err));
	ff->af.family = AF_INET;
	ff->af.inside_is_client = true;
	inet_pton(AF_INET, "10.0.1.2", ff->af.inside);
	inet_pton(AF_INET, "192.0.2.1", ff->af.public_addr);
	inet_pton(AF_INET, "192.0.2.2", ff->af.peer);
	ff->af.mode = mode;
	ff->af.lim = &lim;
	ff->af.pol = &pol;
	ff->af.svc = &fake_svc;
	ff->af.cnt = cnt;
	strcpy(ff->af.tag, "ftp#1");
}

#define LINE(ff, d, s, o) \
	ftp_alg_line(ff, d, (const uint8_t *)(s), sizeof(s) - 1, o, sizeof(o))

static void ftp_policy_refuses(void)
{
	struct ftp_flow ff;
	uint8_t out[256];

	flow_init(&ff, BPFALG_MODE_ON, "STOR,DELE");
	ASSERT_EQ(LINE(&ff, 0, "STOR secret.bin\r\n", out), ALG_LINE_REFUSE);
	ASSERT_STREQ((char *)out, "550 STOR refused by gateway policy.\r\n");
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 1);
	/* case-insensitive command, the answer names it in capitals */
	ASSERT_EQ(LINE(&ff, 0, "dele x\r\n", out), ALG_LINE_REFUSE);
	ASSERT_STREQ((char *)out, "550 DELE refused by gateway policy.\r\n");
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 2);
}

static void ftp_policy_allows_others(void)
{
	struct ftp_flow ff;
	uint8_t out[256];

	flow_init(&ff, BPFALG_MODE_ON, "STOR");
	ASSERT_EQ(LINE(&ff, 0, "RETR a.bin\r\n", out), ALG_LINE_UNCHANGED);
	/* a longer word is another command */
	ASSERT_EQ(LINE(&ff, 0, "STOU\r\n", out), ALG_LINE_UNCHANGED);
	ASSERT_EQ(LINE(&ff, 0, "STORE\r\n", out), ALG_LINE_UNCHANGED);
	/* replies are never commands */
	ASSERT_EQ(LINE(&ff, 1, "STOR 200\r\n", out), ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 0);
}

static void ftp_policy_observe_counts(void)
{
	struct ftp_flow ff;
	uint8_t out[256];

	flow_init(&ff, BPFALG_MODE_OBSERVE, "STOR");
	ASSERT_EQ(LINE(&ff, 0, "STOR a\r\n", out), ALG_LINE_UNCHANGED);
	ASSERT_EQ(cnt[BPFALG_AS_OBSERVED], 1);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 0);
}

static void ftp_policy_no_room(void)
{
	struct ftp_flow ff;
	uint8_t out[8];

	flow_init(&ff, BPFALG_MODE_ON, "STOR");
	ASSERT_EQ(LINE(&ff, 0, "STOR a\r\n", out), ALG_LINE_REFUSE);
	ASSERT_EQ(out[0], 0); /* refused, no text */
}

static void ftp_port_through_module(void)
{
	struct ftp_flow ff;
	uint8_t out[256];
	int n;

	flow_init(&ff, BPFALG_MODE_ON, "");
	ASSERT_EQ(LINE(&ff, 1, "220 (vsFTPd 3.0.3)\r\n", out),
		  ALG_LINE_UNCHANGED);
	n = ftp_module.line(&ff.af, 0,
			    (const uint8_t *)"PORT 10,0,1,2,200,10\r\n", 22,
			    out, sizeof(out));
	ASSERT_EQ(n, 23);
	ASSERT_TRUE(!memcmp(out, "PORT 192,0,2,1,156,64\r\n", (size_t)n),
		    "rewrite: %.*s", n, out);
	ASSERT_EQ(n_expect, 1);
	ASSERT_EQ(last_x.inside_port, 200 * 256 + 10);
	ASSERT_EQ(last_x.proto, 0);
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 1);
}

/* A command split over segments is held whole while a deny list exists. */
static void ftp_policy_holds_partial(void)
{
	struct ftp_flow ff;

	flow_init(&ff, BPFALG_MODE_ON, "STOR");
	ASSERT_TRUE(ftp_module.hold(&ff.af, 0, (const uint8_t *)"STO", 3),
		    "partial command held");
	ASSERT_TRUE(ftp_module.hold(&ff.af, 0, (const uint8_t *)"NOO", 3),
		    "any partial command held");
	/* replies are not commands */
	ASSERT_TRUE(!ftp_module.hold(&ff.af, 1, (const uint8_t *)"200 o", 5),
		    "partial reply not held");
	flow_init(&ff, BPFALG_MODE_ON, "");
	ASSERT_TRUE(!ftp_module.hold(&ff.af, 0, (const uint8_t *)"NOO", 3),
		    "no deny list: only PORT/EPRT/AUTH are held");
	ASSERT_TRUE(ftp_module.hold(&ff.af, 0, (const uint8_t *)"POR", 3),
		    "PORT prefix held");
}

/* PORT 10,0,1,2,200,10 (the client's own address): rewritten only on a
 * flow that speaks FTP.
 */
#define PORT_OK "PORT 10,0,1,2,200,10\r\n"

static void ftp_proto_greeting_first(void)
{
	struct ftp_flow ff;
	uint8_t out[256];

	/* 120 (ready soon) may come before the 220; a multi-line 220 */
	flow_init(&ff, BPFALG_MODE_ON, "");
	ASSERT_EQ(LINE(&ff, 1, "120 in a minute\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 1, "220-welcome\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 1, "220 ready\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 0, "user anonymous\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 0,
		       "\xff\xf4\xff\xf2"
		       "ABOR\r\n",
		       out),
		  -1);
	ASSERT_EQ(LINE(&ff, 0, "\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 0, PORT_OK, out), 23);
	ASSERT_EQ(n_expect, 1);
	ASSERT_EQ(cnt[BPFALG_AS_NOT_PROTOCOL], 0);
}

/* NAT slipstreaming: a browser's HTTP POST to port 21 carrying a PORT
 * line in its body, without and with a greeting from the server.
 */
static void ftp_proto_http_body(void)
{
	struct ftp_flow ff;
	uint8_t out[256];

	flow_init(&ff, BPFALG_MODE_ON, "");
	ASSERT_EQ(LINE(&ff, 0, "POST /x HTTP/1.1\r\n", out), -1);
	ASSERT_EQ(cnt[BPFALG_AS_NOT_PROTOCOL], 1);
	ASSERT_EQ(LINE(&ff, 1, "220 evil\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 0, PORT_OK, out), -1);
	ASSERT_EQ(n_expect, 0);
	ASSERT_EQ(cnt[BPFALG_AS_NOT_PROTOCOL], 1); /* counted once */

	/* the attacker's server greets first: the headers give it away */
	flow_init(&ff, BPFALG_MODE_ON, "");
	ASSERT_EQ(LINE(&ff, 1, "220 evil\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 0, "POST /x HTTP/1.1\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 0, "Host: evil.example\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 0, PORT_OK, out), -1);
	ASSERT_EQ(n_expect, 0);
	ASSERT_EQ(cnt[BPFALG_AS_NOT_PROTOCOL], 1);
	ASSERT_EQ(cnt[BPFALG_AS_REWRITTEN], 0);

	/* a first reply other than 220 */
	flow_init(&ff, BPFALG_MODE_ON, "");
	ASSERT_EQ(LINE(&ff, 1, "HTTP/1.1 200 OK\r\n", out), -1);
	ASSERT_EQ(LINE(&ff, 0, PORT_OK, out), -1);
	ASSERT_EQ(n_expect, 0);
	ASSERT_EQ(cnt[BPFALG_AS_NOT_PROTOCOL], 1);
}

/* Not FTP, yet the command policy still refuses: speaking first is no way
 * around a deny list.
 */
static void ftp_proto_policy_still_applies(void)
{
	struct ftp_flow ff;
	uint8_t out[256];

	flow_init(&ff, BPFALG_MODE_ON, "STOR");
	ASSERT_EQ(LINE(&ff, 0, "NOOP\r\n", out), -1); /* before the 220 */
	ASSERT_EQ(cnt[BPFALG_AS_NOT_PROTOCOL], 1);
	ASSERT_EQ(LINE(&ff, 0, "STOR x\r\n", out), ALG_LINE_REFUSE);
	ASSERT_EQ(cnt[BPFALG_AS_POLICY_DENIED], 1);
}

/* A flow older than the controller (restart): the greeting was not seen. */
static void ftp_proto_resumed(void)
{
	struct ftp_flow ff;
	uint8_t out[256];

	flow_init(&ff, BPFALG_MODE_ON, "");
	ff.af.resumed = true;
	ASSERT_EQ(LINE(&ff, 0, PORT_OK, out), 23);
	ASSERT_EQ(n_expect, 1);
	ASSERT_EQ(cnt[BPFALG_AS_NOT_PROTOCOL], 0);
}

UNIT_CASES(ftp_alg_cases, CASE(ftp_policy_refuses),
	   CASE(ftp_policy_allows_others), CASE(ftp_policy_observe_counts),
	   CASE(ftp_policy_no_room), CASE(ftp_port_through_module),
	   CASE(ftp_policy_holds_partial), CASE(ftp_proto_greeting_first),
	   CASE(ftp_proto_http_body), CASE(ftp_proto_policy_still_applies),
	   CASE(ftp_proto_resumed));
