// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_conffile.c - the configuration file (user/conffile.c) through the
 * option table (user/config.c): a good file field by field, every error
 * form with its exact one-line message and line number, the override
 * order (file < flags), `config show`'s format byte for byte and its round
 * trip, the per-ALG "given" bits, and the address/prefix lists.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conffile.h"
#include "config.h"
#include "unit.h"
#include "util/prefix.h"

static int parse_str(struct up_config *c, const char *text, char *err)
{
	config_defaults(c);
	err[0] = '\0';
	return conffile_parse("t.conf", text, strlen(text), c, err, 512);
}

/* The file format of @c, in a static buffer. */
static const char *format(const struct up_config *c)
{
	static char out[8192];
	FILE *f = fmemopen(out, sizeof(out), "w");

	if (!f)
		return "";
	config_format(c, f);
	fclose(f);
	return out;
}

/* A temporary file holding @text; its name in @path (char[64]). */
static int tmp_file(char *path, const char *text)
{
	int fd;
	ssize_t n = (ssize_t)strlen(text);

	strcpy(path, "/tmp/bpfalg-conffile-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, text, n) != n) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static const char good[] =
	"# a gateway\n"
	"\n"
	"inside = in0, in1\n"
	"outside = out0    # the public side\n"
	"snat = 203.0.113.7\n"
	"xdp-mode = generic\n"
	"flows = 4096\n"
	"max-flows-per-host = 0\n"
	"port-range = 20000-20999\n"
	"fail-policy = pass\n"
	"fail-open-after = 300\n"
	"timeout-udp = 45\n"
	"pinhole-timeout = 30\n"
	"\t pinholes-per-flow=16\r\n"
	"ftp-pinholes = 3\n"
	"[ftp]\n"
	"mode = observe\n"
	"ports = 21,2121\n"
	"deny = stor, Dele\n"
	"[ sip ]\n"
	"invite-from = 192.0.2.0/24,2001:DB8::/32,198.51.100.9/32\n"
	"deny = MESSAGE\n"
	"[tftp]\n"
	"mode = off\n";

static void conffile_good(void)
{
	struct up_config c;
	char err[512];

	ASSERT_EQ(parse_str(&c, good, err), 0);
	ASSERT_STREQ(err, "");
	ASSERT_EQ(c.n_inside, 2);
	ASSERT_STREQ(c.inside[0], "in0");
	ASSERT_STREQ(c.inside[1], "in1");
	ASSERT_STREQ(c.outside[0], "out0");
	ASSERT_TRUE(c.snat_set && !c.masquerade, "snat not set");
	ASSERT_EQ(c.snat_addr, inet_addr("203.0.113.7"));
	ASSERT_EQ(c.xdp_mode, XDP_MODE_GENERIC);
	ASSERT_EQ(c.flows, 4096);
	ASSERT_EQ(c.port_min, 20000);
	ASSERT_EQ(c.port_max, 20999);
	ASSERT_EQ(c.fail_policy, BPFALG_FAIL_PASS);
	ASSERT_EQ(c.timeouts.udp, 45);
	ASSERT_EQ(c.timeouts.tcp_syn, 120); /* not given: default */
	ASSERT_EQ(c.pinhole_timeout, 30);
	ASSERT_EQ(c.pinholes_per_flow, 16);
	ASSERT_EQ(c.ftp_pinholes, 3);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_FTP], BPFALG_MODE_OBSERVE);
	ASSERT_EQ(c.alg_ports[BPFALG_ALG_FTP][0], 21);
	ASSERT_EQ(c.alg_ports[BPFALG_ALG_FTP][1], 2121);
	ASSERT_EQ(c.alg_ports[BPFALG_ALG_FTP][2], 0);
	ASSERT_STREQ(c.alg_deny[BPFALG_ALG_FTP], "STOR,DELE");
	ASSERT_STREQ(c.alg_deny[BPFALG_ALG_SIP], "MESSAGE");
	ASSERT_STREQ(c.sip_invite_from,
		     "192.0.2.0/24,2001:db8::/32,198.51.100.9");
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_SIP], BPFALG_MODE_ON);
	ASSERT_EQ(c.alg_ports[BPFALG_ALG_SIP][0], 5060);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_TFTP], BPFALG_MODE_OFF);
	/* what the file said, per ALG: the rest keeps the running values */
	ASSERT_EQ(c.alg_set[BPFALG_ALG_FTP],
		  ALG_SET_MODE | ALG_SET_PORTS | ALG_SET_DENY);
	ASSERT_EQ(c.alg_set[BPFALG_ALG_SIP], ALG_SET_DENY | ALG_SET_INVITE);
	ASSERT_EQ(c.alg_set[BPFALG_ALG_RTSP], 0);
	ASSERT_EQ(c.alg_set[BPFALG_ALG_TFTP], ALG_SET_MODE);
	ASSERT_EQ(config_check(&c, err, sizeof(err)), 0);
}

/* Byte order mark, CRLF, no final newline, comment forms, empty values. */
static void conffile_lexing(void)
{
	struct up_config c;
	char err[512];

	ASSERT_EQ(parse_str(&c,
			    "\xef\xbb\xbf# bom\r\n"
			    "  # indented comment\n"
			    "outside=o#not-a-comment\n"
			    "[ftp]\n"
			    "deny =# none\n"
			    "ports = 2121 #trailing",
			    err),
		  0);
	ASSERT_STREQ(c.outside[0], "o#not-a-comment");
	ASSERT_STREQ(c.alg_deny[BPFALG_ALG_FTP], "");
	ASSERT_EQ(c.alg_set[BPFALG_ALG_FTP], ALG_SET_DENY | ALG_SET_PORTS);
	ASSERT_EQ(c.alg_ports[BPFALG_ALG_FTP][0], 2121);
	/* flat per-ALG keys work at the top level too */
	ASSERT_EQ(
		parse_str(&c, "sip-ports = 5060,5070\nrtsp-mode = off\n", err),
		0);
	ASSERT_EQ(c.alg_ports[BPFALG_ALG_SIP][1], 5070);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_RTSP], BPFALG_MODE_OFF);
	ASSERT_EQ(parse_str(&c, "", err), 0);
	ASSERT_EQ(parse_str(&c, "masquerade = no\nsnat = 192.0.2.1\n", err), 0);
	ASSERT_TRUE(c.snat_set && !c.masquerade, "masquerade = no");
	ASSERT_EQ(parse_str(&c, "alg = ftp:observe,sip\n", err), 0);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_FTP], BPFALG_MODE_OBSERVE);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_SIP], BPFALG_MODE_ON);
	ASSERT_EQ(c.alg_mode[BPFALG_ALG_RTSP], BPFALG_MODE_OFF);
	ASSERT_EQ(c.alg_set[BPFALG_ALG_TFTP], ALG_SET_MODE);
}

static void conffile_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "bogus = 1\n", "t.conf:1: key 'bogus': unknown key (keys are "
				 "the long options of up without '--': "
				 "algctl help)" },
		{ "# c\n\nports = 21\n",
		  "t.conf:3: key 'ports': unknown key (ALG settings go in a "
		  "[ftp], [sip], [rtsp] or [tftp] section)" },
		{ "outside = o\nflows = 12x\n",
		  "t.conf:2: key 'flows': '12x' is not a number in "
		  "1024..16777216" },
		{ "flows = 100\n",
		  "t.conf:1: key 'flows': '100' is not a number in "
		  "1024..16777216" },
		{ "flows =\n", "t.conf:1: key 'flows': '' is not a number in "
			       "1024..16777216" },
		{ "ftp-pinholes = 0\n", "t.conf:1: key 'ftp-pinholes': '0' is "
					"not a number in 1..64" },
		{ "port-range = 3000-2000\n",
		  "t.conf:1: key 'port-range': '3000-2000' is not MIN-MAX "
		  "with 1 <= MIN <= MAX <= 65535" },
		{ "fail-policy = maybe\n",
		  "t.conf:1: key 'fail-policy': 'maybe' is not one of "
		  "drop|pass" },
		{ "snat = 1.2.3\n",
		  "t.conf:1: key 'snat': '1.2.3' is not an IPv4 address" },
		{ "masquerade = maybe\n",
		  "t.conf:1: key 'masquerade': 'maybe' is not yes or no" },
		{ "masquerade = yes\nsnat = 1.2.3.4\n",
		  "t.conf:2: key 'snat': masquerade is set too (give one of "
		  "masquerade and snat)" },
		{ "snat = 1.2.3.4\nmasquerade = yes\n",
		  "t.conf:2: key 'masquerade': snat is set too (give one of "
		  "masquerade and snat)" },
		{ "inside = a/b\n",
		  "t.conf:1: key 'inside': invalid interface name 'a/b'" },
		{ "inside = ,\n",
		  "t.conf:1: key 'inside': empty entry in list ','" },
		{ "inside = a,,b\n",
		  "t.conf:1: key 'inside': empty entry in list 'a,,b'" },
		{ "inside = a, #b\n",
		  "t.conf:1: key 'inside': empty entry in list 'a,'" },
		{ "inside = a,#b\n",
		  "t.conf:1: key 'inside': invalid interface name '#b'" },
		{ "alg = ftp,h323\n",
		  "t.conf:1: key 'alg': unknown ALG 'h323' (ftp, sip, rtsp, "
		  "tftp)" },
		{ "alg = ftp:maybe\n",
		  "t.conf:1: key 'alg': unknown mode 'maybe' for ftp (off, "
		  "observe, on)" },
		{ "flows = 4096\n# again\nflows = 8192\n",
		  "t.conf:3: key 'flows': given twice" },
		{ "[ftp]\nports = 21\n[sip]\nftp-ports = 2121\n",
		  "t.conf:4: key 'ftp-ports': not a setting of [sip] (mode, "
		  "ports, deny, invite-from)" },
		{ "ftp-ports = 21\n[ftp]\nports = 2121\n",
		  "t.conf:3: key 'ports': given twice" },
		{ "config = /etc/x\n",
		  "t.conf:1: key 'config': only on the command line" },
		{ "[h323]\n",
		  "t.conf:1: section 'h323': unknown section (ftp, sip, rtsp, "
		  "tftp)" },
		{ "[FTP]\n",
		  "t.conf:1: section 'FTP': unknown section (ftp, sip, rtsp, "
		  "tftp)" },
		{ "\n[ftp\n",
		  "t.conf:2: section header '[ftp' has no closing ']'" },
		{ "[ftp]\nmode = maybe\n", "t.conf:2: key 'mode': 'maybe' is "
					   "not one of off|observe|on" },
		{ "[ftp]\nports = 21,x\n",
		  "t.conf:2: key 'ports': '21,x' is not a list of up to 4 "
		  "ports 1-65535, comma-separated" },
		{ "[ftp]\nports = 1,2,3,4,5\n",
		  "t.conf:2: key 'ports': '1,2,3,4,5' is not a list of up to "
		  "4 ports 1-65535, comma-separated" },
		{ "[ftp]\nports = 21,0\n",
		  "t.conf:2: key 'ports': '21,0' is not a list of up to 4 "
		  "ports 1-65535, comma-separated" },
		{ "[ftp]\nports =\n",
		  "t.conf:2: key 'ports': '' is not a list of up to 4 ports "
		  "1-65535, comma-separated" },
		{ "[ftp]\nports = 21, 21\n",
		  "t.conf:2: key 'ports': port 21 listed twice" },
		{ "[ftp]\ndeny = ST0R\n",
		  "t.conf:2: key 'deny': bad command name \"ST0R\" (letters, "
		  "'-' and '_' only)" },
		{ "[ftp]\ndeny = STOR,\n",
		  "t.conf:2: key 'deny': list \"STOR,\" ends with ','" },
		{ "[ftp]\ndeny = STOR,,DELE\n",
		  "t.conf:2: key 'deny': empty name in list \"STOR,,DELE\"" },
		{ "[ftp]\ninvite-from = 10.0.0.0/8\n",
		  "t.conf:2: key 'invite-from': not a setting of [ftp] (mode, "
		  "ports, deny)" },
		{ "[tftp]\ndeny = RRQ\n",
		  "t.conf:2: key 'deny': not a setting of [tftp] (mode, "
		  "ports)" },
		{ "[sip]\ninvite-from = 10.0.0.1/8\n",
		  "t.conf:2: key 'invite-from': '10.0.0.1/8' has address bits "
		  "set beyond /8 (the network is written with them clear)" },
		{ "[sip]\ninvite-from = 10.0.0.0/33\n",
		  "t.conf:2: key 'invite-from': '10.0.0.0/33': prefix length "
		  "is not 0..32" },
		{ "[sip]\ninvite-from = proxy.example\n",
		  "t.conf:2: key 'invite-from': 'proxy.example' is not an "
		  "address or prefix" },
		{ "[sip]\ninvite-from = 2001:db8::/129\n",
		  "t.conf:2: key 'invite-from': '2001:db8::/129': prefix "
		  "length is not 0..128" },
		{ "inside gin\n",
		  "t.conf:1: expected 'key = value', '[section]' or '# "
		  "comment', got 'inside gin'" },
		{ " = gin\n",
		  "t.conf:1: expected 'key = value': no key before '='" },
		{ "Flows = 4096\n",
		  "t.conf:1: key 'Flows': not a key (lower-case letters, "
		  "digits and '-')" },
		{ "flows.max = 4096\n",
		  "t.conf:1: key 'flows.max': not a key (lower-case letters, "
		  "digits and '-')" },
		/* control characters never reach the terminal */
		{ "outside = o\x1b[31m\n",
		  "t.conf:1: key 'outside': invalid interface name "
		  "'o?[31m'" },
		{ "flows = 1\x7f\n",
		  "t.conf:1: key 'flows': '1?' is not a number in "
		  "1024..16777216" },
		{ "inside = a:b\n",
		  "t.conf:1: key 'inside': invalid interface name 'a:b'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct up_config c;
		char err[512];

		ASSERT_TRUE(parse_str(&c, bad[i].text, err) == -1,
			    "case %zu (%s): accepted", i, bad[i].msg);
		ASSERT_TRUE(!strcmp(err, bad[i].msg),
			    "case %zu: got \"%s\", want \"%s\"", i, err,
			    bad[i].msg);
	}
}

/* Errors that need bytes a C string literal table cannot hold. */
static void conffile_errors_binary(void)
{
	struct up_config c;
	char err[512], line[1100];

	config_defaults(&c);
	ASSERT_EQ(conffile_parse("t.conf", "flows = 4096\nx\0y\n", 16, &c, err,
				 sizeof(err)),
		  -1);
	ASSERT_STREQ(err, "t.conf:2: NUL byte (not a text file?)");
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "outside = ", 10);
	ASSERT_EQ(parse_str(&c, line, err), -1);
	ASSERT_STREQ(err, "t.conf:1: line longer than 1023 characters");
	/* a deny list at its limit: 16 names of 15 letters (255 bytes) */
	{
		char text[400] = "[ftp]\ndeny = ";

		for (int i = 0; i < 16; i++)
			strcat(text,
			       i ? ",AAAAAAAAAAAAAAA" : "AAAAAAAAAAAAAAA");
		ASSERT_EQ(parse_str(&c, text, err), 0);
		ASSERT_EQ(strlen(c.alg_deny[BPFALG_ALG_FTP]), 255);
		strcat(text, ",B");
		ASSERT_EQ(parse_str(&c, text, err), -1);
		ASSERT_STREQ(err, "t.conf:2: key 'deny': list too long (at "
				  "most 255 characters)");
	}
}

static void conffile_load_errors(void)
{
	struct up_config c;
	char err[512];

	config_defaults(&c);
	ASSERT_EQ(
		conffile_load("/nonexistent/bpfalg.conf", &c, err, sizeof(err)),
		-1);
	ASSERT_STREQ(err, "/nonexistent/bpfalg.conf: cannot read: No such "
			  "file or directory");
	ASSERT_EQ(conffile_load("/", &c, err, sizeof(err)), -1);
	ASSERT_STREQ(err, "/: cannot read: Is a directory");
	/* a file's line numbers through conffile_load and config_parse_args */
	{
		char path[64], want[512];
		char *argv[] = { "--config", path };

		ASSERT_EQ(tmp_file(path, "outside = o\n\n[ftp]\nmode = on\n"
					 "ports = 99999\n"),
			  0);
		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(2, argv, NULL, &c, err, sizeof(err)),
			-2);
		snprintf(want, sizeof(want),
			 "%s:5: key 'ports': '99999' is not a list of up to 4 "
			 "ports 1-65535, comma-separated",
			 path);
		unlink(path);
		ASSERT_STREQ(err, want);
	}
}

/* file < flags; the default file only without --config. */
static void conffile_override_order(void)
{
	char path[64], err[512];
	struct up_config c;

	ASSERT_EQ(tmp_file(path, "inside = a,b\noutside = o\nmasquerade = yes\n"
				 "flows = 4096\ntimeout-udp = 45\n"
				 "[ftp]\nports = 21,2121\ndeny = STOR\n"),
		  0);
	{
		char *argv[] = { "--flows",    "8192",	     "--config",
				 path,	       "--snat",     "192.0.2.1",
				 "--inside=c", "--ftp-deny", "DELE,SITE" };

		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(9, argv, NULL, &c, err, sizeof(err)),
			0);
	}
	ASSERT_STREQ(c.config_file, path);
	ASSERT_EQ(c.flows, 8192); /* flag, even before --config */
	ASSERT_EQ(c.timeouts.udp, 45); /* file */
	ASSERT_STREQ(c.outside[0], "o"); /* file */
	ASSERT_EQ(c.n_inside, 1); /* the flag's list replaces the file's */
	ASSERT_STREQ(c.inside[0], "c");
	ASSERT_TRUE(c.snat_set && !c.masquerade,
		    "--snat replaces the file's masquerade");
	ASSERT_EQ(c.alg_ports[BPFALG_ALG_FTP][1], 2121);
	ASSERT_STREQ(c.alg_deny[BPFALG_ALG_FTP], "DELE,SITE");
	/* --masquerade replaces the file's snat */
	{
		char p2[64];
		char *argv[] = { "--config", p2, "--masquerade" };

		ASSERT_EQ(tmp_file(p2, "inside = a\noutside = o\n"
				       "snat = 192.0.2.1\n"),
			  0);
		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(3, argv, NULL, &c, err, sizeof(err)),
			0);
		unlink(p2);
		ASSERT_TRUE(c.masquerade && !c.snat_set,
			    "--masquerade replaces the file's snat");
	}
	/* both on the command line stays an error */
	{
		char *argv[] = { "--config", path, "--masquerade", "--snat",
				 "192.0.2.1" };

		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(5, argv, NULL, &c, err, sizeof(err)),
			-1);
		ASSERT_STREQ(err,
			     "give exactly one of --masquerade or --snat ADDR");
	}
	/* the default file: read when present and no --config */
	{
		char *argv[] = { "--flows", "2048" };

		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(2, argv, path, &c, err, sizeof(err)),
			0);
		ASSERT_STREQ(c.config_file, path);
		ASSERT_EQ(c.flows, 2048);
		ASSERT_EQ(c.timeouts.udp, 45);
		config_defaults(&c);
		ASSERT_EQ(config_parse_args(2, argv, "/nonexistent/bpfalg.conf",
					    &c, err, sizeof(err)),
			  -1); /* absent: ignored, so --inside is missing */
		ASSERT_STREQ(err, "missing --inside IF[,IF...] or "
				  "--inside-prefix CIDR[,CIDR...]");
		ASSERT_STREQ(c.config_file, "");
	}
	/* --config /dev/null: no default file, nothing from a file */
	{
		char *argv[] = { "--config", "/dev/null", "--flows", "2048" };

		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(4, argv, path, &c, err, sizeof(err)),
			-1);
		ASSERT_STREQ(err, "missing --inside IF[,IF...] or "
				  "--inside-prefix CIDR[,CIDR...] (nor in "
				  "/dev/null)");
	}
	/* a bad flag: -1, its name first */
	{
		char *argv[] = { "--config", path, "--ftp-deny", "ST0R" };

		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(4, argv, NULL, &c, err, sizeof(err)),
			-1);
		ASSERT_STREQ(err, "--ftp-deny: bad command name \"ST0R\" "
				  "(letters, '-' and '_' only)");
	}
	{
		char *argv[] = { "--config", path, "--config", path };

		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(4, argv, NULL, &c, err, sizeof(err)),
			-1);
		ASSERT_STREQ(err, "--config given twice");
	}
	{
		char *argv[] = { "--inside", "a", "--config" };

		config_defaults(&c);
		ASSERT_EQ(
			config_parse_args(3, argv, NULL, &c, err, sizeof(err)),
			-1);
		ASSERT_STREQ(err, "--config needs a value (FILE)");
	}
	unlink(path);
}

static const char shown[] = "inside = in0,in1\n"
			    "outside = out0\n"
			    "snat = 203.0.113.7\n"
			    "xdp-mode = generic\n"
			    "xdp-fast = auto\n"
			    "tc-fast = auto\n"
			    "tc-mode = auto\n"
			    "flows = 4096\n"
			    "max-flows-per-host = 0\n"
			    "port-range = 20000-20999\n"
			    "reinject-mark = 0x0a1e0001/0xffffffff\n"
			    "fail-policy = pass\n"
			    "fail-open-after = 300\n"
			    "timeout-tcp-syn = 120\n"
			    "timeout-tcp-established = 432000\n"
			    "timeout-tcp-fin = 120\n"
			    "timeout-tcp-close = 10\n"
			    "timeout-udp = 45\n"
			    "timeout-udp-stream = 120\n"
			    "timeout-icmp = 30\n"
			    "pinhole-timeout = 30\n"
			    "pinholes-per-flow = 16\n"
			    "ftp-pinholes = 3\n"
			    "max-sessions = 8192\n"
			    "sessions-per-source = 256\n"
			    "session-idle = 600\n"
			    "min-data-port = 1024\n"
			    "metrics =\n"
			    "log-level = info\n"
			    "\n"
			    "[ftp]\n"
			    "mode = observe\n"
			    "ports = 21,2121\n"
			    "deny = STOR,DELE\n"
			    "\n"
			    "[sip]\n"
			    "mode = on\n"
			    "ports = 5060\n"
			    "deny = MESSAGE\n"
			    "invite-from = 192.0.2.0/24,2001:db8::/32,"
			    "198.51.100.9\n"
			    "\n"
			    "[rtsp]\n"
			    "mode = on\n"
			    "ports = 554\n"
			    "deny =\n"
			    "\n"
			    "[tftp]\n"
			    "mode = off\n"
			    "ports = 69\n";

/* config show's format, byte for byte, and back. */
static void conffile_format_round_trip(void)
{
	struct up_config c, d;
	char err[512], first[8192];

	ASSERT_EQ(parse_str(&c, good, err), 0);
	snprintf(first, sizeof(first), "%s", format(&c));
	ASSERT_STREQ(first, shown);
	ASSERT_EQ(parse_str(&d, first, err), 0);
	ASSERT_STREQ(format(&d), first);
	/* the values, not only their text */
	ASSERT_EQ(d.snat_addr, c.snat_addr);
	ASSERT_TRUE(!memcmp(&d.timeouts, &c.timeouts, sizeof(c.timeouts)),
		    "timeouts differ");
	ASSERT_TRUE(!memcmp(d.alg_mode, c.alg_mode, sizeof(c.alg_mode)),
		    "modes differ");
	ASSERT_TRUE(!memcmp(d.alg_ports, c.alg_ports, sizeof(c.alg_ports)),
		    "ports differ");
	ASSERT_TRUE(!memcmp(d.alg_deny, c.alg_deny, sizeof(c.alg_deny)),
		    "deny lists differ");
	ASSERT_STREQ(d.sip_invite_from, c.sip_invite_from);
	/* everything written explicitly: every ALG setting is "given" */
	for (int a = 1; a < BPFALG_ALG_MAX; a++)
		ASSERT_TRUE(d.alg_set[a] & ALG_SET_MODE &&
				    d.alg_set[a] & ALG_SET_PORTS,
			    "alg %d not fully given", a);
	/* masquerade is written as such, and reads back */
	ASSERT_EQ(parse_str(&c, "inside = i\noutside = o\nmasquerade = yes\n",
			    err),
		  0);
	ASSERT_TRUE(strstr(format(&c), "\nmasquerade = yes\n") &&
			    !strstr(format(&c), "snat"),
		    "masquerade written: %s", format(&c));
	snprintf(first, sizeof(first), "%s", format(&c));
	ASSERT_EQ(parse_str(&d, first, err), 0);
	ASSERT_TRUE(d.masquerade && !d.snat_set, "masquerade read back");
	ASSERT_STREQ(format(&d), first);
	ASSERT_EQ(config_check(&d, err, sizeof(err)), 0);
}

static void conffile_prefix_lists(void)
{
	struct prefix p[PREFIX_LIST_MAX];
	char err[256], buf[256];
	uint8_t a4[4] = { 192, 0, 2, 77 }, b4[4] = { 192, 0, 3, 1 };
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			   0,	 0,    0,    0,	   0, 0, 0, 5 };
	int n;

	n = prefix_list_parse("192.0.2.0/25,2001:db8::/32,198.51.100.9", p,
			      PREFIX_LIST_MAX, err, sizeof(err));
	ASSERT_EQ(n, 3);
	ASSERT_EQ(p[0].family, AF_INET);
	ASSERT_EQ(p[0].len, 25);
	ASSERT_EQ(p[2].len, 32);
	ASSERT_TRUE(prefix_list_match(p, n, AF_INET, a4), "192.0.2.77");
	ASSERT_TRUE(!prefix_list_match(p, n, AF_INET, b4), "192.0.3.1");
	ASSERT_TRUE(prefix_list_match(p, n, AF_INET6, a6), "2001:db8::5");
	a4[3] = 200; /* beyond /25 */
	ASSERT_TRUE(!prefix_list_match(p, n, AF_INET, a4), "192.0.2.200");
	prefix_list_format(p, n, buf, sizeof(buf));
	ASSERT_STREQ(buf, "192.0.2.0/25,2001:db8::/32,198.51.100.9");
	ASSERT_EQ(prefix_list_parse("", p, PREFIX_LIST_MAX, err, sizeof(err)),
		  0);
	ASSERT_EQ(prefix_list_parse("0.0.0.0/0", p, PREFIX_LIST_MAX, err,
				    sizeof(err)),
		  1);
	ASSERT_TRUE(prefix_list_match(p, 1, AF_INET, b4), "/0 matches all");
	ASSERT_TRUE(!prefix_list_match(p, 1, AF_INET6, a6),
		    "an IPv4 /0 is not IPv6");
	ASSERT_EQ(prefix_list_parse("1.1.1.1,,2.2.2.2", p, PREFIX_LIST_MAX, err,
				    sizeof(err)),
		  -1);
	ASSERT_STREQ(err, "empty entry in list \"1.1.1.1,,2.2.2.2\"");
	ASSERT_EQ(prefix_list_parse("1.1.1.1,", p, PREFIX_LIST_MAX, err,
				    sizeof(err)),
		  -1);
	ASSERT_STREQ(err, "list \"1.1.1.1,\" ends with ','");
	ASSERT_EQ(prefix_list_parse("1.1.1.1/08", p, PREFIX_LIST_MAX, err,
				    sizeof(err)),
		  -1);
	ASSERT_STREQ(err, "'1.1.1.1/08': prefix length is not 0..32");
	ASSERT_EQ(prefix_list_parse("1.0.0.0/", p, PREFIX_LIST_MAX, err,
				    sizeof(err)),
		  -1);
	ASSERT_EQ(prefix_list_parse("1.2.3.4,1.2.3.5", p, 1, err, sizeof(err)),
		  -1);
	ASSERT_STREQ(err, "more than 1 entries in \"1.2.3.4,1.2.3.5\"");
}

/* deploy/bpfalg.conf.example is a valid file (run from the repository). */
static void conffile_example_file(void)
{
	struct up_config c;
	char err[512];

	config_defaults(&c);
	ASSERT_TRUE(!conffile_load("deploy/bpfalg.conf.example", &c, err,
				   sizeof(err)),
		    "%s", err);
	ASSERT_EQ(config_check(&c, err, sizeof(err)), 0);
	ASSERT_STREQ(c.inside[0], "eth1");
	ASSERT_TRUE(c.masquerade, "masquerade");
	/* shipped neutral: nothing refused until the operator says so */
	ASSERT_STREQ(c.alg_deny[BPFALG_ALG_FTP], "");
	ASSERT_STREQ(c.alg_deny[BPFALG_ALG_SIP], "");
	ASSERT_EQ(c.alg_ports[BPFALG_ALG_RTSP][1], 8554);
	ASSERT_STREQ(c.sip_invite_from, "");
}

UNIT_CASES(conffile_cases, CASE(conffile_good), CASE(conffile_lexing),
	   CASE(conffile_errors), CASE(conffile_errors_binary),
	   CASE(conffile_load_errors), CASE(conffile_override_order),
	   CASE(conffile_format_round_trip), CASE(conffile_prefix_lists),
	   CASE(conffile_example_file));
