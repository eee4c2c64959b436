// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_config.c - option table of up/daemon: good and bad input. */
#include <arpa/inet.h>

#include "config.h"
#include "unit.h"

static int parse(struct up_config *c, char *err, const char *const *args,
		 int n)
{
	config_defaults(c);
	return config_parse(n, (char **)args, c, err, 256);
}

#define PARSE(c, err, ...)                                                     \
	({                                                                     \
		const char *const a_[] = { __VA_ARGS__ };                      \
		parse(c, err, a_, sizeof(a_) / sizeof(*a_));                   \
	})

static void config_minimal_masquerade(void)
{
	struct up_config c;
	char err[256];

	ASSERT_EQ(PARSE(&c, err, "--inside", "eth1,eth2", "--outside", "eth0",
			"--masquerade"),
		  0);
	ASSERT_EQ(c.n_inside, 2);
	ASSERT_STREQ(c.inside[1], "eth2");
	ASSERT_STREQ(c.outside[0], "eth0");
	ASSERT_TRUE(c.masquerade, "masquerade not set");
	ASSERT_EQ(c.flows, 262144);
	ASSERT_EQ(c.port_min, 1024);
	ASSERT_EQ(c.port_max, 65535);
	ASSERT_EQ(c.timeouts.tcp_established, 432000);
	ASSERT_EQ(c.fail_policy, BPFALG_FAIL_DROP);
	ASSERT_EQ(c.fail_open_after, 60);
	for (int a = 1; a < BPFALG_ALG_MAX; a++) {
		ASSERT_EQ(c.alg_mode[a], BPFALG_MODE_ON);
		ASSERT_EQ(c.alg_ports[a][0], alg_default_port[a]);
		ASSERT_EQ(c.alg_set[a], 0); /* defaults, not given */
	}
}

static void config_all_options(void)
{
	struct up_config c;
	char err[256];

	ASSERT_EQ(PARSE(&c, err, "--inside=in0", "--outside", "out0", "--snat",
			"203.0.113.7", "--alg", "ftp,sip", "--xdp-mode",
			"generic", "--xdp-fast=on", "--flows", "4096",
			"--port-range", "20000-20999", "--fail-policy", "pass",
			"--fail-open-after", "0", "--timeout-udp", "45",
			"--timeout-tcp-established", "3600", "--reinject-mark",
			"0x00a00000/0x00f00000"),
		  0);
	ASSERT_EQ(c.snat_addr, inet_addr("203.0.113.7"));
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_FTP], BPFALG_MODE_ON);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_SIP], BPFALG_MODE_ON);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_RTSP], BPFALG_MODE_OFF);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_TFTP], BPFALG_MODE_OFF);
	ASSERT_EQ(c.alg_set[BPFALG_ALG_TFTP], ALG_SET_MODE);
	ASSERT_EQ(c.xdp_mode, XDP_MODE_GENERIC);
	ASSERT_EQ(c.xdp_fast, XDP_FAST_ON);
	ASSERT_EQ(c.flows, 4096);
	ASSERT_EQ(c.port_min, 20000);
	ASSERT_EQ(c.port_max, 20999);
	ASSERT_EQ(c.fail_policy, BPFALG_FAIL_PASS);
	ASSERT_EQ(c.fail_open_after, 0);
	ASSERT_EQ(c.timeouts.udp, 45);
	ASSERT_EQ(c.timeouts.tcp_established, 3600);
	ASSERT_EQ(c.reinject_mark, 0x00a00000);
	ASSERT_EQ(c.reinject_mask, 0x00f00000);
}

/* --reinject-mark: VALUE alone takes all 32 bits; the default is kept
 * when the option is not given.
 */
static void config_reinject_mark(void)
{
	struct up_config c;
	char err[256];

	ASSERT_EQ(PARSE(&c, err, "--inside", "in0", "--outside", "out0",
			"--masquerade"),
		  0);
	ASSERT_EQ(c.reinject_mark, BPFALG_REINJECT_MARK);
	ASSERT_EQ(c.reinject_mask, BPFALG_REINJECT_MASK);
	ASSERT_EQ(PARSE(&c, err, "--inside", "in0", "--outside", "out0",
			"--masquerade", "--reinject-mark", "4096"),
		  0);
	ASSERT_EQ(c.reinject_mark, 4096);
	ASSERT_EQ(c.reinject_mask, 0xffffffff);
}

static void config_errors_name_the_problem(void)
{
	static const struct {
		const char *args[8];
		int n;
		const char *msg;
	} bad[] = {
		{ { "--outside", "eth0", "--masquerade" },
		  3,
		  "missing --inside" },
		{ { "--inside", "eth1", "--masquerade" },
		  3,
		  "missing --outside" },
		{ { "--inside", "eth1", "--outside", "eth0" },
		  4,
		  "exactly one of" },
		{ { "--inside", "eth1", "--outside", "eth0", "--masquerade",
		    "--snat", "1.2.3.4" },
		  7,
		  "exactly one of" },
		{ { "--inside", "eth1", "--outside", "eth0", "--snat",
		    "1.2.3" },
		  6,
		  "not an IPv4 address" },
		{ { "--inside", "eth0", "--outside", "eth0", "--masquerade" },
		  5,
		  "cannot be inside and outside" },
		{ { "--bogus" }, 1, "unknown option '--bogus'" },
		{ { "--inside" }, 1, "needs a value" },
		{ { "--masquerade=yes" }, 1, "takes no value" },
		{ { "--port-range", "3000-2000" }, 2, "MIN-MAX" },
		{ { "--port-range", "0-100" }, 2, "MIN-MAX" },
		{ { "--port-range", "100" }, 2, "MIN-MAX" },
		{ { "--reinject-mark", "0" }, 2, "not VALUE[/MASK]" },
		{ { "--reinject-mark", "0x30/0x10" }, 2, "inside the mask" },
		{ { "--reinject-mark", "0x10/0" }, 2, "not VALUE[/MASK]" },
		{ { "--reinject-mark", "0x10/" }, 2, "not VALUE[/MASK]" },
		{ { "--reinject-mark", "0x1zz" }, 2, "not VALUE[/MASK]" },
		{ { "--reinject-mark", "0x100000000" }, 2, "32-bit" },
		{ { "--flows", "12abc" }, 2, "not a number" },
		{ { "--flows", "-5" }, 2, "not a number" },
		{ { "--flows", "10" }, 2, "not a number in 1024..16777216" },
		{ { "--fail-open-after", "-1" }, 2, "not a number" },
		{ { "--fail-open-after", "1y" }, 2, "not a number" },
		{ { "--alg", "ftp,h323" }, 2, "unknown ALG 'h323'" },
		{ { "--xdp-mode", "turbo" }, 2, "is not one of" },
		{ { "--inside", "a/b" }, 2, "invalid interface name" },
		{ { "--inside", "eth1,eth1", "--outside", "eth0",
		    "--masquerade" },
		  5,
		  "listed twice" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct up_config c;
		char err[256] = "";

		ASSERT_EQ(parse(&c, err, bad[i].args, bad[i].n), -1);
		ASSERT_TRUE(strstr(err, bad[i].msg),
			    "case %zu: \"%s\" does not say \"%s\"", i, err,
			    bad[i].msg);
		ASSERT_TRUE(!strchr(err, '\n'), "multi-line error");
	}
}

/* --inside-prefix: the inside by address, canonical, in place of --inside */
static void config_inside_prefix(void)
{
	struct up_config c;
	char err[256], buf[512];
	FILE *f;

	ASSERT_EQ(PARSE(&c, err, "--inside-prefix",
			"10.244.0.0/16, fd00:10:244::/56,192.0.2.7",
			"--outside", "eth0", "--masquerade"),
		  0);
	ASSERT_EQ(c.n_inside, 0);
	ASSERT_STREQ(c.inside_prefix,
		     "10.244.0.0/16,fd00:10:244::/56,192.0.2.7");
	/* written back as given, read back the same */
	f = fmemopen(buf, sizeof(buf), "w");
	ASSERT_TRUE(f, "fmemopen");
	config_format(&c, f);
	fclose(f);
	ASSERT_TRUE(strstr(buf, "inside-prefix = 10.244.0.0/16,"
				"fd00:10:244::/56,192.0.2.7\n"),
		    "config_format: %s", buf);
	/* the first line too: `inside =` would not parse back */
	ASSERT_TRUE(strncmp(buf, "inside =", 8) && !strstr(buf, "\ninside ="),
		    "no inside line: %s", buf);
	/* both: interfaces and prefixes */
	ASSERT_EQ(PARSE(&c, err, "--inside", "gin", "--inside-prefix",
			"10.1.0.0/24", "--outside", "eth0", "--snat",
			"192.0.2.1"),
		  0);
	ASSERT_EQ(c.n_inside, 1);
	ASSERT_STREQ(c.inside_prefix, "10.1.0.0/24");

	static const struct {
		const char *val;
		const char *msg;
	} bad[] = {
		{ "10.244.0.1/16", "bits set beyond /16" },
		{ "10.244.0.0/33", "10.244.0.0/33" },
		{ "eth0", "eth0" },
		{ "10.0.0.0/8,,10.1.0.0/16", "empty" },
		{ "", "empty" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ASSERT_EQ(PARSE(&c, err, "--inside-prefix", bad[i].val,
				"--outside", "eth0", "--masquerade"),
			  -1);
		ASSERT_TRUE(strstr(err, bad[i].msg),
			    "case %zu: \"%s\" does not say \"%s\"", i, err,
			    bad[i].msg);
		ASSERT_TRUE(!strchr(err, '\n'), "multi-line error");
	}
}

/* --outside IF[,IF...]: up to four, none inside, none twice */
static void config_outside_list(void)
{
	struct up_config c;
	char err[256], buf[512];
	FILE *f;

	ASSERT_EQ(PARSE(&c, err, "--inside-prefix", "10.244.0.0/16",
			"--outside", "eth0,eth1", "--masquerade"),
		  0);
	ASSERT_EQ(c.n_outside, 2);
	ASSERT_STREQ(c.outside[0], "eth0");
	ASSERT_STREQ(c.outside[1], "eth1");
	f = fmemopen(buf, sizeof(buf), "w");
	ASSERT_TRUE(f, "fmemopen");
	config_format(&c, f);
	fclose(f);
	ASSERT_TRUE(strstr(buf, "\noutside = eth0,eth1\n"), "config_format: %s",
		    buf);
	ASSERT_EQ(PARSE(&c, err, "--inside", "in0", "--outside", "a,b,c,d,e",
			"--masquerade"),
		  -1);
	ASSERT_TRUE(strstr(err, "at most 4 interfaces"), "%s", err);
	ASSERT_EQ(PARSE(&c, err, "--inside", "in0", "--outside", "a,a",
			"--masquerade"),
		  -1);
	ASSERT_TRUE(strstr(err, "interface a listed twice"), "%s", err);
	ASSERT_EQ(PARSE(&c, err, "--inside", "b", "--outside", "a,b",
			"--masquerade"),
		  -1);
	ASSERT_TRUE(strstr(err, "b cannot be inside and outside"), "%s", err);
}

static void config_alg_names(void)
{
	ASSERT_EQ(alg_from_name("rtsp"), BPFALG_ALG_RTSP);
	ASSERT_EQ(alg_from_name("none"), -1);
	ASSERT_EQ(alg_from_name("FTP"), -1);
	ASSERT_EQ(alg_mode_from_name("observe"), BPFALG_MODE_OBSERVE);
	ASSERT_EQ(alg_mode_from_name("maybe"), -1);
	ASSERT_STREQ(alg_mode_name(BPFALG_MODE_ON), "on");
}

/* --max-flows-per-host follows --flows (a quarter) until it is given */
static void config_host_share_default(void)
{
	struct up_config c;
	char err[256];

	ASSERT_EQ(PARSE(&c, err, "--inside", "a", "--outside", "b",
			"--masquerade"),
		  0);
	ASSERT_EQ(c.max_flows_per_host, 262144 / 4);
	ASSERT_EQ(PARSE(&c, err, "--inside", "a", "--outside", "b",
			"--masquerade", "--flows", "8192"),
		  0);
	ASSERT_EQ(c.max_flows_per_host, 2048);
	ASSERT_EQ(PARSE(&c, err, "--inside", "a", "--outside", "b",
			"--masquerade", "--max-flows-per-host", "0", "--flows",
			"8192"),
		  0);
	ASSERT_EQ(c.max_flows_per_host, 0);
	ASSERT_EQ(PARSE(&c, err, "--inside", "a", "--outside", "b",
			"--masquerade", "--flows", "8192",
			"--max-flows-per-host", "100"),
		  0);
	ASSERT_EQ(c.max_flows_per_host, 100);
}

UNIT_CASES(config_cases, CASE(config_minimal_masquerade),
	   CASE(config_inside_prefix), CASE(config_outside_list),
	   CASE(config_all_options), CASE(config_host_share_default),
	   CASE(config_reinject_mark), CASE(config_errors_name_the_problem),
	   CASE(config_alg_names));
