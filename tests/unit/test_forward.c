// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_forward.c - port-forwards in the configuration file (user/forward.c
 * through user/conffile.c): the one parser `algctl forward add` shares,
 * good and hostile lines with their exact messages, duplicates, config
 * show's forward lines byte for byte and back; the plan that brings the
 * pinned map to the file (forwards added by hand kept); and the reload
 * diff (user/reload.c): which options differ, which change live, what
 * the file leaves unsaid keeps its running value.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "conffile.h"
#include "config.h"
#include "forward.h"
#include "reload.h"
#include "util/log.h"
#include "unit.h"

/* up_config is large (the forward list): these live outside the stack */
static struct up_config c1, c2, c3;

static int parse_str(struct up_config *c, const char *text, char *err)
{
	config_defaults(c);
	err[0] = '\0';
	return conffile_parse("t.conf", text, strlen(text), c, err, 512);
}

static const char *format(const struct up_config *c)
{
	static char out[16384];
	FILE *f = fmemopen(out, sizeof(out), "w");

	if (!f)
		return "";
	config_format(c, f);
	fclose(f);
	return out;
}

static const char *text_of(const struct config_forward *f)
{
	static char buf[FORWARD_TEXT_MAX];

	return forward_format(&f->key, &f->val, buf, sizeof(buf));
}

static void forward_parse_good(void)
{
	struct config_forward f;
	char err[256] = "";

	ASSERT_EQ(forward_parse("tcp", "8080", "10.0.1.2:80", &f, err,
				sizeof(err)),
		  0);
	ASSERT_EQ(f.key.proto, BPFALG_IPPROTO_TCP);
	ASSERT_EQ(f.key.family, BPFALG_AF_INET);
	ASSERT_EQ(f.key.port, htons(8080));
	ASSERT_EQ(f.val.addr[0], inet_addr("10.0.1.2"));
	ASSERT_EQ(f.val.addr[1], 0);
	ASSERT_EQ(f.val.port, htons(80));
	ASSERT_EQ(f.val.flags, 0);
	ASSERT_EQ(f.line, 0);
	ASSERT_STREQ(text_of(&f), "tcp 8080 10.0.1.2:80");
	/* blanks and tabs between the fields, the extremes of the ranges */
	ASSERT_EQ(forward_parse_line("  udp\t65535 \t 192.0.2.255:1 ", &f, err,
				     sizeof(err)),
		  0);
	ASSERT_EQ(f.key.proto, BPFALG_IPPROTO_UDP);
	ASSERT_STREQ(text_of(&f), "udp 65535 192.0.2.255:1");
	ASSERT_EQ(forward_parse_line("tcp 1 10.0.1.2:65535", &f, err,
				     sizeof(err)),
		  0);
	ASSERT_STREQ(text_of(&f), "tcp 1 10.0.1.2:65535");
	/* a leading zero is still a decimal port */
	ASSERT_EQ(forward_parse_line("tcp 0080 10.0.1.2:80", &f, err,
				     sizeof(err)),
		  0);
	ASSERT_EQ(f.key.port, htons(80));
}

static void forward_parse_hostile(void)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{ "", "expected PROTO PORT INSIDE-ADDR:PORT (e.g. tcp 8080 "
		      "10.0.1.2:80), got ''" },
		{ "tcp 8080", "expected PROTO PORT INSIDE-ADDR:PORT (e.g. tcp "
			      "8080 10.0.1.2:80), got 'tcp 8080'" },
		{ "tcp", "expected PROTO PORT INSIDE-ADDR:PORT (e.g. tcp 8080 "
			 "10.0.1.2:80), got 'tcp'" },
		{ "icmp 8080 10.0.1.2:80",
		  "unknown protocol 'icmp' (tcp, udp)" },
		{ "TCP 8080 10.0.1.2:80", "unknown protocol 'TCP' (tcp, udp)" },
		{ "sctp 8080 10.0.1.2:80",
		  "unknown protocol 'sctp' (tcp, udp)" },
		{ "tcp 0 10.0.1.2:80", "invalid port '0' (1-65535)" },
		{ "tcp 65536 10.0.1.2:80", "invalid port '65536' (1-65535)" },
		{ "tcp 100000 10.0.1.2:80", "invalid port '100000' (1-65535)" },
		{ "tcp -1 10.0.1.2:80", "invalid port '-1' (1-65535)" },
		{ "tcp +80 10.0.1.2:80", "invalid port '+80' (1-65535)" },
		{ "tcp 0x50 10.0.1.2:80", "invalid port '0x50' (1-65535)" },
		{ "tcp 80a 10.0.1.2:80", "invalid port '80a' (1-65535)" },
		{ "tcp 8080 10.0.1.2",
		  "invalid inside address '10.0.1.2' (IPV4:PORT)" },
		{ "tcp 8080 10.0.1.2:",
		  "invalid inside address '10.0.1.2:' (IPV4:PORT)" },
		{ "tcp 8080 10.0.1.2:0",
		  "invalid inside address '10.0.1.2:0' (IPV4:PORT)" },
		{ "tcp 8080 10.0.1.2:65536",
		  "invalid inside address '10.0.1.2:65536' (IPV4:PORT)" },
		{ "tcp 8080 10.0.1.2:80x",
		  "invalid inside address '10.0.1.2:80x' (IPV4:PORT)" },
		{ "tcp 8080 10.0.1.2:-80",
		  "invalid inside address '10.0.1.2:-80' (IPV4:PORT)" },
		{ "tcp 8080 10.0.1.256:80",
		  "invalid inside address '10.0.1.256:80' (IPV4:PORT)" },
		{ "tcp 8080 host.example:80",
		  "invalid inside address 'host.example:80' (IPV4:PORT)" },
		{ "tcp 8080 :80", "invalid inside address ':80' (IPV4:PORT)" },
		{ "tcp 8080 [2001:db8::2]:80",
		  "invalid inside address '[2001:db8::2]:80' (IPV4:PORT; IPv6 "
		  "is routed, not forwarded)" },
		{ "tcp 8080 2001:db8::2:80",
		  "invalid inside address '2001:db8::2:80' (IPV4:PORT)" },
		{ "tcp 8080 10.0.1.2:80 extra",
		  "unexpected 'extra' after INSIDE-ADDR:PORT (PROTO PORT "
		  "INSIDE-ADDR:PORT)" },
		{ "tcp 8080 10.0.1.2:80 10.0.1.3:80",
		  "unexpected '10.0.1.3:80' after INSIDE-ADDR:PORT (PROTO PORT "
		  "INSIDE-ADDR:PORT)" },
		{ "tcp,8080,10.0.1.2:80",
		  "expected PROTO PORT INSIDE-ADDR:PORT (e.g. tcp 8080 "
		  "10.0.1.2:80), got 'tcp,8080,10.0.1.2:80'" },
	};
	struct config_forward f;
	char err[256], line[600];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_TRUE(forward_parse_line(bad[i].line, &f, err,
					       sizeof(err)) == -1,
			    "accepted '%s'", bad[i].line);
		ASSERT_STREQ(err, bad[i].msg);
	}
	/* a field too long to be valid is not cut into a valid one */
	snprintf(line, sizeof(line), "tcp 8080 10.0.1.2:%0300d80", 0);
	ASSERT_EQ(forward_parse_line(line, &f, err, sizeof(err)), -1);
	ASSERT_STREQ(err, "'10.0.1.2:0000000000000000000000000000000..."
			  "' is too long");
	/* the three-argument form of `forward add`: the same messages */
	ASSERT_EQ(forward_parse("udp", "", "10.0.1.2:80", &f, err, sizeof(err)),
		  -1);
	ASSERT_STREQ(err, "invalid port '' (1-65535)");
	ASSERT_EQ(forward_parse("", "80", "10.0.1.2:80", &f, err, sizeof(err)),
		  -1);
	ASSERT_STREQ(err, "unknown protocol '' (tcp, udp)");
}

static const char fwd_file[] = "inside = in0\n"
			       "outside = out0\n"
			       "masquerade = yes\n"
			       "forward = tcp 8080 10.0.1.2:80   # web\n"
			       "forward=udp 5000 10.0.1.3:5004\n"
			       "\tforward = tcp 2222 10.0.1.4:22\n"
			       "[tftp]\n"
			       "mode = off\n";

static void conffile_forward_lines(void)
{
	char err[512], first[16384];
	const char *out;

	ASSERT_EQ(parse_str(&c1, fwd_file, err), 0);
	ASSERT_EQ(c1.n_fwd, 3);
	ASSERT_STREQ(text_of(&c1.fwd[0]), "tcp 8080 10.0.1.2:80");
	ASSERT_STREQ(text_of(&c1.fwd[1]), "udp 5000 10.0.1.3:5004");
	ASSERT_STREQ(text_of(&c1.fwd[2]), "tcp 2222 10.0.1.4:22");
	ASSERT_EQ(c1.fwd[0].line, 4);
	ASSERT_EQ(c1.fwd[2].line, 6);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(c1.fwd[i].val.flags, BPFALG_FWD_F_CONFIG);
	ASSERT_EQ(config_check(&c1, err, sizeof(err)), 0);
	/* config show: after the top-level keys, before the sections */
	out = format(&c1);
	ASSERT_TRUE(strstr(out, "min-data-port = 1024\n"
				"metrics =\n"
				"log-level = info\n"
				"forward = tcp 8080 10.0.1.2:80\n"
				"forward = udp 5000 10.0.1.3:5004\n"
				"forward = tcp 2222 10.0.1.4:22\n"
				"\n"
				"[ftp]\n") != NULL,
		    "config show: %s", out);
	/* and back */
	snprintf(first, sizeof(first), "%s", out);
	ASSERT_EQ(parse_str(&c2, first, err), 0);
	ASSERT_EQ(c2.n_fwd, 3);
	ASSERT_STREQ(format(&c2), first);
	ASSERT_TRUE(!memcmp(c1.fwd[1].val.addr, c2.fwd[1].val.addr,
			    sizeof(c1.fwd[1].val.addr)),
		    "address read back");
	/* none: no forward line at all */
	ASSERT_EQ(parse_str(&c2, "inside = i\noutside = o\nmasquerade = yes\n",
			    err),
		  0);
	ASSERT_EQ(c2.n_fwd, 0);
	ASSERT_TRUE(!strstr(format(&c2), "forward"), "%s", format(&c2));
}

static void conffile_forward_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "inside = i\nforward = tcp 0 10.0.1.2:80\n",
		  "t.conf:2: key 'forward': invalid port '0' (1-65535)" },
		{ "forward = tcp 8080 10.0.1.2:80\n"
		  "forward = udp 8080 10.0.1.2:80\n"
		  "forward = tcp 8080 10.0.1.3:80\n",
		  "t.conf:3: key 'forward': tcp 8080 is forwarded already, on "
		  "line 1" },
		{ "forward = tcp 8080 10.0.1.2:80\n"
		  "# the same again\n"
		  "forward = tcp  8080  10.0.1.2:80\n",
		  "t.conf:3: key 'forward': tcp 8080 is forwarded already, on "
		  "line 1" },
		{ "forward = udp 53 10.0.1.2:53\n[sip]\nforward = udp 5060 "
		  "10.0.1.2:5060\n",
		  "t.conf:3: key 'forward': not a setting of [sip] (forward "
		  "lines go before the first [section])" },
		{ "forward =\n", "t.conf:1: key 'forward': expected PROTO PORT "
				 "INSIDE-ADDR:PORT (e.g. tcp 8080 "
				 "10.0.1.2:80), got ''" },
		{ "forward = tcp 8080 10.0.1.2:80 # web\n"
		  "forward = tcp 8081 10.0.1.2:80 web\n",
		  "t.conf:2: key 'forward': unexpected 'web' after "
		  "INSIDE-ADDR:PORT (PROTO PORT INSIDE-ADDR:PORT)" },
		{ "forward = tcp 8080 [fd00:1::2]:80\n",
		  "t.conf:1: key 'forward': invalid inside address "
		  "'[fd00:1::2]:80' (IPV4:PORT; IPv6 is routed, not "
		  "forwarded)" },
		{ "forward = tcp 8080 10.0.1.2:80\x1b[2J\n",
		  "t.conf:1: key 'forward': invalid inside address "
		  "'10.0.1.2:80?[2J' (IPV4:PORT)" },
		{ "forwards = tcp 8080 10.0.1.2:80\n",
		  "t.conf:1: key 'forwards': unknown key (keys are the long "
		  "options of up without '--': algctl help)" },
	};
	char err[512], *big;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_TRUE(parse_str(&c1, bad[i].text, err) == -1,
			    "accepted: %s", bad[i].text);
		ASSERT_STREQ(err, bad[i].msg);
	}
	/* a line longer than the reader takes */
	n = CONFFILE_MAX_LINE + 40;
	big = malloc(n + 1);
	ASSERT_TRUE(big != NULL, "malloc");
	memset(big, '1', n);
	memcpy(big, "forward = tcp 8080 10.0.1.2:", 28);
	big[n] = '\0';
	ASSERT_EQ(parse_str(&c1, big, err), -1);
	free(big);
	ASSERT_STREQ(err, "t.conf:1: line longer than 1023 characters");
	/* as many as the map holds, not one more */
	{
		size_t cap = (CONFIG_MAX_FORWARDS + 1) * 40;
		char *text = malloc(cap), *p;
		int k;

		ASSERT_TRUE(text != NULL, "malloc");
		p = text;
		for (k = 0; k <= CONFIG_MAX_FORWARDS; k++)
			p += sprintf(p, "forward = %s %d 10.0.%d.%d:80\n",
				     k & 1 ? "udp" : "tcp", 1 + k / 2, k / 250,
				     1 + k % 250);
		ASSERT_EQ(parse_str(&c1, text, err), -1);
		free(text);
		ASSERT_EQ(c1.n_fwd, CONFIG_MAX_FORWARDS);
		ASSERT_STREQ(err, "t.conf:4097: key 'forward': more than 4096 "
				  "forwards (add the others with algctl "
				  "forward add)");
	}
}

static struct config_forward fw(const char *line, __u8 flags)
{
	struct config_forward f;
	char err[256];

	if (forward_parse_line(line, &f, err, sizeof(err)))
		abort();
	f.val.flags = flags;
	return f;
}

/* The map brought to the file; forwards added by hand stay. */
static void forward_plan_cases(void)
{
	const __u8 C = BPFALG_FWD_F_CONFIG;
	struct config_forward run[] = {
		fw("tcp 2222 10.0.1.4:22", C), /* changed in the file */
		fw("tcp 7000 10.0.1.7:7000", C), /* gone from the file */
		fw("tcp 8080 10.0.1.2:80", C), /* unchanged */
		fw("tcp 9000 10.0.1.9:9000", 0), /* by hand, file: same */
		fw("udp 5000 10.0.1.3:5004", 0), /* by hand, not in file */
		fw("udp 5353 10.0.1.5:53", 0), /* by hand, file: another */
	};
	struct config_forward file[] = {
		fw("tcp 8080 10.0.1.2:80", C),
		fw("tcp 2222 10.0.1.40:22", C),
		fw("tcp 9000 10.0.1.9:9000", C),
		fw("udp 6000 10.0.1.6:6000", C),
		fw("udp 5353 10.0.1.53:53", C),
	};
	static const char *const want[] = {
		"forward del tcp 7000 10.0.1.7:7000",
		"forward tcp 2222 10.0.1.4:22 -> 10.0.1.40:22",
		"forward tcp 9000 10.0.1.9:9000: added by hand, now from the "
		"file",
		"forward add udp 6000 10.0.1.6:6000",
		"forward udp 5353 10.0.1.5:53 -> 10.0.1.53:53 (replaces one "
		"added by hand)",
	};
	struct forward_change out[11];
	char t[160];
	int n;

	n = forward_plan(run, 6, file, 5, out);
	ASSERT_EQ(n, 5);
	for (int i = 0; i < n; i++)
		ASSERT_STREQ(forward_change_text(&out[i], t, sizeof(t)),
			     want[i]);
	ASSERT_EQ(out[0].action, FWD_DEL);
	ASSERT_EQ(out[1].action, FWD_CHANGE);
	ASSERT_EQ(out[2].action, FWD_ADOPT);
	ASSERT_EQ(out[3].action, FWD_ADD);
	/* whatever is written is the file's */
	for (int i = 1; i < n; i++)
		ASSERT_EQ(out[i].to.flags, C);
	/* an empty file removes the file's forwards only */
	n = forward_plan(run, 6, NULL, 0, out);
	ASSERT_EQ(n, 3);
	ASSERT_STREQ(forward_change_text(&out[0], t, sizeof(t)),
		     "forward del tcp 2222 10.0.1.4:22");
	ASSERT_STREQ(forward_change_text(&out[2], t, sizeof(t)),
		     "forward del tcp 8080 10.0.1.2:80");
	/* the map as the file says: nothing */
	ASSERT_EQ(forward_plan(file, 5, file, 5, out), 0);
	/* a fresh map: everything added, in file order */
	n = forward_plan(NULL, 0, file, 5, out);
	ASSERT_EQ(n, 5);
	ASSERT_STREQ(forward_change_text(&out[4], t, sizeof(t)),
		     "forward add udp 5353 10.0.1.53:53");
	/* config show's order */
	qsort(run, 6, sizeof(run[0]), forward_cmp);
	ASSERT_STREQ(text_of(&run[0]), "tcp 2222 10.0.1.4:22");
	ASSERT_STREQ(text_of(&run[3]), "tcp 9000 10.0.1.9:9000");
	ASSERT_STREQ(text_of(&run[4]), "udp 5000 10.0.1.3:5004");
}

static const char run_file[] = "inside = in0\n"
			       "outside = out0\n"
			       "masquerade = yes\n"
			       "flows = 8192\n"
			       "[ftp]\n"
			       "mode = on\n"
			       "deny = STOR\n"
			       "[tftp]\n"
			       "mode = observe\n";

/* The reload's diff: what changes live, what waits for a restart. */
static void reload_diff_cases(void)
{
	static const struct {
		const char *key, *from, *to;
		bool live;
	} want[] = {
		{ "outside", "out0", "out1", false },
		{ "flows", "8192", "16384", false },
		{ "timeout-udp", "30", "45", true },
		{ "pinhole-timeout", "60", "20", true },
		{ "ftp mode", "on", "observe", true },
		{ "ftp deny", "STOR", "", true },
		{ "sip invite-from", "", "192.0.2.0/24", true },
		{ "rtsp ports", "554", "554,8554", true },
	};
	struct config_change ch[CONFIG_MAX_CHANGES];
	char err[512];
	int n;

	ASSERT_EQ(parse_str(&c1, run_file, err), 0);
	c1.host_share_auto = false; /* as config_running() reads it */
	/* the new file: says nothing of tftp, so its running mode stays */
	ASSERT_EQ(parse_str(&c2,
			    "inside = in0\n"
			    "outside = out1\n"
			    "masquerade = yes\n"
			    "flows = 16384\n"
			    "timeout-udp = 45\n"
			    "pinhole-timeout = 20\n"
			    "forward = tcp 8080 10.0.1.2:80\n"
			    "[ftp]\n"
			    "mode = observe\n"
			    "deny =\n"
			    "[sip]\n"
			    "invite-from = 192.0.2.0/24\n"
			    "[rtsp]\n"
			    "ports = 554,8554\n",
			    err),
		  0);
	ASSERT_EQ(c2.alg_mode[BPFALG_ALG_TFTP], BPFALG_MODE_ON);
	config_reload_fill(&c1, &c2);
	ASSERT_EQ(c2.alg_mode[BPFALG_ALG_TFTP], BPFALG_MODE_OBSERVE);
	/* the share follows the running table (its size needs a restart) */
	ASSERT_EQ(c2.max_flows_per_host, 8192 / CONFIG_HOST_SHARE);
	n = config_diff(&c1, &c2, ch, CONFIG_MAX_CHANGES);
	ASSERT_EQ(n, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < n; i++) {
		ASSERT_STREQ(ch[i].key, want[i].key);
		ASSERT_STREQ(ch[i].from, want[i].from);
		ASSERT_STREQ(ch[i].to, want[i].to);
		ASSERT_TRUE(ch[i].live == want[i].live, "%s live %d", ch[i].key,
			    ch[i].live);
	}
	/* applied: only what needs a restart still differs */
	c3 = c1;
	config_apply_live(&c3, &c2);
	n = config_diff(&c3, &c2, ch, CONFIG_MAX_CHANGES);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(ch[0].key, "outside");
	ASSERT_STREQ(ch[1].key, "flows");
	ASSERT_STREQ(c3.outside[0], "out0");
	ASSERT_EQ(c3.flows, 8192);
	ASSERT_EQ(c3.timeouts.udp, 45);
	ASSERT_STREQ(c3.alg_deny[BPFALG_ALG_FTP], "");
	/* the same options: nothing */
	ASSERT_EQ(parse_str(&c2, run_file, err), 0);
	config_reload_fill(&c1, &c2);
	ASSERT_EQ(config_diff(&c1, &c2, ch, CONFIG_MAX_CHANGES), 0);
	/* masquerade giving way to snat: both lines, a restart */
	ASSERT_EQ(parse_str(&c2,
			    "inside = in0\noutside = out0\nsnat = 192.0.2.9\n"
			    "flows = 8192\n",
			    err),
		  0);
	config_reload_fill(&c1, &c2);
	n = config_diff(&c1, &c2, ch, CONFIG_MAX_CHANGES);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(ch[0].key, "snat");
	ASSERT_STREQ(ch[0].from, "");
	ASSERT_STREQ(ch[0].to, "192.0.2.9");
	ASSERT_STREQ(ch[1].key, "masquerade");
	ASSERT_STREQ(ch[1].from, "yes");
	ASSERT_STREQ(ch[1].to, "");
	ASSERT_TRUE(!ch[0].live && !ch[1].live, "address mode live");
	/* what changes live, by name */
	ASSERT_TRUE(config_key_live("timeout-tcp-established"), "timeout");
	ASSERT_TRUE(config_key_live("fail-policy"), "fail-policy");
	ASSERT_TRUE(config_key_live("tftp mode"), "tftp mode");
	ASSERT_TRUE(config_key_live("fail-open-after"), "fail-open-after");
	ASSERT_TRUE(config_key_live("log-level"), "log-level");
	ASSERT_TRUE(!config_key_live("inside"), "inside");
	ASSERT_TRUE(!config_key_live("inside-prefix"), "inside-prefix");
	ASSERT_TRUE(!config_key_live("reinject-mark"), "reinject-mark");
	ASSERT_TRUE(!config_key_live("xdp-fast"), "xdp-fast");
	ASSERT_TRUE(!config_key_live("metrics"), "metrics");
	/* fail-open-after (cfg) and log-level (settings): both live, and
	 * applied, so a second reload of the same file finds nothing
	 */
	ASSERT_EQ(parse_str(&c2, run_file, err), 0);
	c2.fail_open_after = 300;
	c2.log_level = LOG_DEBUG;
	config_reload_fill(&c1, &c2);
	n = config_diff(&c1, &c2, ch, CONFIG_MAX_CHANGES);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(ch[0].key, "fail-open-after");
	ASSERT_STREQ(ch[0].to, "300");
	ASSERT_STREQ(ch[1].key, "log-level");
	ASSERT_STREQ(ch[1].from, "info");
	ASSERT_STREQ(ch[1].to, "debug");
	ASSERT_TRUE(ch[0].live && ch[1].live,
		    "fail-open-after, log-level live");
	c3 = c1;
	config_apply_live(&c3, &c2);
	ASSERT_EQ(config_diff(&c3, &c2, ch, CONFIG_MAX_CHANGES), 0);
	ASSERT_EQ(c3.fail_open_after, 300);
	ASSERT_EQ(c3.log_level, LOG_DEBUG);
}

UNIT_CASES(forward_cases, CASE(forward_parse_good), CASE(forward_parse_hostile),
	   CASE(conffile_forward_lines), CASE(conffile_forward_errors),
	   CASE(forward_plan_cases), CASE(reload_diff_cases));
