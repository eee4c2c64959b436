// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_doctor.c - the readers behind `algctl doctor` (user/doctor_parse.c)
 * on byte-exact captures of nft 1.0.6, iptables-save 1.8.9 and conntrack
 * 1.4.7 output made on this kind of machine (Debian 12, kernel 6.18), and
 * on damaged text: every prefix of a listing, NUL bytes, stray braces.
 */
#include <stdlib.h>

#include "bpfalg.h"
#include "doctor_parse.h"
#include "unit.h"

/* `nft -a list ruleset`: literal ports, anonymous and named sets, a helper map, negation, a statement-laden rule, an output-hook rule without ports, an ip table */
static const char nft_handles[] =
	"table inet bpfalg_ref { # handle 1\n"
	"\tct helper ftp-std { # handle 3\n"
	"\t\ttype \"ftp\" protocol tcp\n"
	"\t\tl3proto inet\n"
	"\t}\n"
	"\n"
	"\tct helper sip-udp { # handle 4\n"
	"\t\ttype \"sip\" protocol udp\n"
	"\t\tl3proto inet\n"
	"\t}\n"
	"\n"
	"\tct helper tftp-std { # handle 5\n"
	"\t\ttype \"tftp\" protocol udp\n"
	"\t\tl3proto inet\n"
	"\t}\n"
	"\n"
	"\tset ftpports { # handle 6\n"
	"\t\ttype inet_service\n"
	"\t\telements = { 21, 2121 }\n"
	"\t}\n"
	"\n"
	"\tchain pre_helpers { # handle 1\n"
	"\t\ttype filter hook prerouting priority filter; policy accept;\n"
	"\t\ttcp dport 21 ct helper set \"ftp-std\" # handle 7\n"
	"\t\tudp dport 5060 ct helper set \"sip-udp\" # handle 8\n"
	"\t\ttcp dport { 2121, 2200-2210 } ct helper set \"ftp-std\" # handle "
	"10\n"
	"\t\tiifname \"gin\" tcp dport @ftpports ct helper set \"ftp-std\" # "
	"handle 11\n"
	"\t\tct helper set udp dport map { 69 : \"tftp-std\", 5060 : "
	"\"sip-udp\" } # handle 13\n"
	"\t\ttcp dport 21 ct helper set \"ftp-std\" # handle 14\n"
	"\t\ttcp dport != 21 ct helper set \"ftp-std\" # handle 15\n"
	"\t\tip daddr 192.0.2.2 tcp dport 21 counter packets 0 bytes 0 ct "
	"helper set \"ftp-std\" comment \"x\" # handle 16\n"
	"\t}\n"
	"\n"
	"\tchain out_helpers { # handle 2\n"
	"\t\ttype filter hook output priority filter; policy accept;\n"
	"\t\tct helper set \"ftp-std\" # handle 17\n"
	"\t}\n"
	"}\n"
	"table ip legacy { # handle 2\n"
	"\tct helper ftp4 { # handle 2\n"
	"\t\ttype \"ftp\" protocol tcp\n"
	"\t\tl3proto ip\n"
	"\t}\n"
	"\n"
	"\tchain pre { # handle 1\n"
	"\t\ttype filter hook prerouting priority raw; policy accept;\n"
	"\t\ttcp dport 21 ct helper set \"ftp4\" # handle 3\n"
	"\t}\n"
	"}\n";

/* the same ruleset listed without -a: no handles */
static const char nft_plain[] =
	"table inet bpfalg_ref {\n"
	"\tct helper ftp-std {\n"
	"\t\ttype \"ftp\" protocol tcp\n"
	"\t\tl3proto inet\n"
	"\t}\n"
	"\n"
	"\tct helper sip-udp {\n"
	"\t\ttype \"sip\" protocol udp\n"
	"\t\tl3proto inet\n"
	"\t}\n"
	"\n"
	"\tct helper tftp-std {\n"
	"\t\ttype \"tftp\" protocol udp\n"
	"\t\tl3proto inet\n"
	"\t}\n"
	"\n"
	"\tset ftpports {\n"
	"\t\ttype inet_service\n"
	"\t\telements = { 21, 2121 }\n"
	"\t}\n"
	"\n"
	"\tchain pre_helpers {\n"
	"\t\ttype filter hook prerouting priority filter; policy accept;\n"
	"\t\ttcp dport 21 ct helper set \"ftp-std\"\n"
	"\t\tudp dport 5060 ct helper set \"sip-udp\"\n"
	"\t\ttcp dport { 2121, 2200-2210 } ct helper set \"ftp-std\"\n"
	"\t\tiifname \"gin\" tcp dport @ftpports ct helper set \"ftp-std\"\n"
	"\t\tct helper set udp dport map { 69 : \"tftp-std\", 5060 : "
	"\"sip-udp\" }\n"
	"\t\ttcp dport 21 ct helper set \"ftp-std\"\n"
	"\t\ttcp dport != 21 ct helper set \"ftp-std\"\n"
	"\t\tip daddr 192.0.2.2 tcp dport 21 counter packets 0 bytes 0 ct "
	"helper set \"ftp-std\" comment \"x\"\n"
	"\t}\n"
	"\n"
	"\tchain out_helpers {\n"
	"\t\ttype filter hook output priority filter; policy accept;\n"
	"\t\tct helper set \"ftp-std\"\n"
	"\t}\n"
	"}\n"
	"table ip legacy {\n"
	"\tct helper ftp4 {\n"
	"\t\ttype \"ftp\" protocol tcp\n"
	"\t\tl3proto ip\n"
	"\t}\n"
	"\n"
	"\tchain pre {\n"
	"\t\ttype filter hook prerouting priority raw; policy accept;\n"
	"\t\ttcp dport 21 ct helper set \"ftp4\"\n"
	"\t}\n"
	"}\n";

/* an ip6 table: meta l4proto set, th dport, a "ct helper" match, a named interval set whose elements wrap over lines, a jump into a regular chain; a bridge table */
static const char nft_v6[] =
	"table ip6 v6helpers {\n"
	"\tct helper sip6 {\n"
	"\t\ttype \"sip\" protocol tcp\n"
	"\t\tl3proto ip6\n"
	"\t}\n"
	"\n"
	"\tct helper ftp6 {\n"
	"\t\ttype \"ftp\" protocol tcp\n"
	"\t\tl3proto ip6\n"
	"\t}\n"
	"\n"
	"\tset ctlports {\n"
	"\t\ttype inet_service\n"
	"\t\tflags interval\n"
	"\t\telements = { 21, 990, 2121-2125, 3000, 3001,\n"
	"\t\t\t     3002, 3003, 3004, 3005, 3006,\n"
	"\t\t\t     3007, 3008, 3009, 3010, 3011,\n"
	"\t\t\t     3012, 3013, 3014, 3015, 3016,\n"
	"\t\t\t     3017, 3018, 3019, 3020 }\n"
	"\t}\n"
	"\n"
	"\tchain pre {\n"
	"\t\ttype filter hook prerouting priority filter; policy accept;\n"
	"\t\tmeta l4proto { tcp, udp } th dport 5060 ct helper set \"sip6\"\n"
	"\t\tth dport 5060 ct helper set \"sip6\" accept\n"
	"\t\tct helper \"ftp\" accept\n"
	"\t\ttcp dport @ctlports ct helper set \"ftp6\"\n"
	"\t\ttcp dport 2121 jump sub\n"
	"\t}\n"
	"\n"
	"\tchain sub {\n"
	"\t\tct helper set \"ftp6\"\n"
	"\t}\n"
	"}\n"
	"table bridge br {\n"
	"\tchain c {\n"
	"\t\ttype filter hook forward priority 0; policy accept;\n"
	"\t}\n"
	"}\n";

/* `nft -a list table inet vm`: verdict maps (inline and named) jumping into the chain that assigns the helper, and a chain nothing jumps to */
static const char nft_vmap[] =
	"table inet vm { # handle 5\n"
	"\tct helper ftp-x { # handle 4\n"
	"\t\ttype \"ftp\" protocol tcp\n"
	"\t\tl3proto inet\n"
	"\t}\n"
	"\n"
	"\tmap ctlv { # handle 5\n"
	"\t\ttype inet_service : verdict\n"
	"\t\telements = { 22 : accept, 2121 : jump ftpc }\n"
	"\t}\n"
	"\n"
	"\tchain pre { # handle 1\n"
	"\t\ttype filter hook prerouting priority filter; policy accept;\n"
	"\t\ttcp dport vmap { 21 : jump ftpc, 80 : accept } # handle 7\n"
	"\t\ttcp dport vmap @ctlv # handle 8\n"
	"\t}\n"
	"\n"
	"\tchain ftpc { # handle 2\n"
	"\t\tct state new ct helper set \"ftp-x\" # handle 9\n"
	"\t}\n"
	"\n"
	"\tchain orphan { # handle 3\n"
	"\t\tct helper set \"ftp-x\" # handle 10\n"
	"\t}\n"
	"}\n";

/* rules made by iptables-nft ("xt target CT": the helper is not in the listing, iptables-save reports it) and an empty chain */
static const char nft_iptnft[] =
	"table ip raw {\n"
	"\tchain PREROUTING {\n"
	"\t\ttype filter hook prerouting priority raw; policy accept;\n"
	"\t\ttcp dport 21 counter packets 0 bytes 0 xt target CT\n"
	"\t\tiifname \"gin\" udp dport 5060 counter packets 0 bytes 0 xt "
	"target CT\n"
	"\t\tmeta l4proto tcp tcp dport { 21, 2121-2125 } counter packets 0 "
	"bytes 0 xt target CT\n"
	"\t\tudp dport 69 counter packets 0 bytes 0 notrack\n"
	"\t\tip saddr 10.0.0.0/8 udp dport 69 counter packets 0 bytes 0 xt "
	"target CT\n"
	"\t\ttcp dport 21  counter packets 0 bytes 0 xt target CT\n"
	"\t}\n"
	"\n"
	"\tchain OUTPUT {\n"
	"\t\ttype filter hook output priority raw; policy accept;\n"
	"\t\ttcp dport != 21 counter packets 0 bytes 0 xt target CT\n"
	"\t}\n"
	"}\n"
	"table ip6 raw {\n"
	"\tchain PREROUTING {\n"
	"\t\ttype filter hook prerouting priority raw; policy accept;\n"
	"\t\ttcp dport 21 counter packets 0 bytes 0 xt target CT\n"
	"\t}\n"
	"}\n"
	"table inet x {\n"
	"\tchain c {\n"
	"\t}\n"
	"}\n";

/* `iptables-save` (iptables-nft 1.8.9): CT helpers with tcp/udp, multiport, negation, a --notrack CT rule, a --zone option, a quoted comment */
static const char ipt4[] =
	"# Generated by iptables-save v1.8.9 (nf_tables) on Tue Dec  1 "
	"21:36:43 2026\n"
	"*raw\n"
	":PREROUTING ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	"-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp\n"
	"-A PREROUTING -i gin -p udp -m udp --dport 5060 -j CT --helper sip\n"
	"-A PREROUTING -p tcp -m multiport --dports 21,2121:2125 -j CT "
	"--helper ftp\n"
	"-A PREROUTING -p udp -m udp --dport 69 -j CT --notrack\n"
	"-A PREROUTING -s 10.0.0.0/8 -p udp -m udp --dport 69 -j CT --helper "
	"tftp --zone 3\n"
	"-A PREROUTING -p tcp -m tcp --dport 21 -m comment --comment \"ftp "
	"helper \\\"x\\\"\" -j CT --helper ftp\n"
	"-A OUTPUT -p tcp -m tcp ! --dport 21 -j CT --helper ftp\n"
	"COMMIT\n"
	"# Completed on Tue Dec  1 21:36:43 2026\n";

/* `ip6tables-save` */
static const char ipt6[] =
	"# Generated by ip6tables-save v1.8.9 (nf_tables) on Tue Dec  1 "
	"21:36:43 2026\n"
	"*raw\n"
	":PREROUTING ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	"-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp\n"
	"COMMIT\n"
	"# Completed on Tue Dec  1 21:36:43 2026\n";

/* `conntrack -L` through the kernel reference gateway after one active and one passive FTP transfer */
static const char ct_default[] =
	"tcp      6 119 TIME_WAIT src=192.0.2.2 dst=192.0.2.1 sport=20 "
	"dport=58637 src=10.0.1.2 dst=192.0.2.2 sport=58637 dport=20 [ASSURED] "
	"mark=0 use=1\n"
	"tcp      6 119 TIME_WAIT src=10.0.1.2 dst=192.0.2.2 sport=44790 "
	"dport=30020 src=192.0.2.2 dst=192.0.2.1 sport=30020 dport=44790 "
	"[ASSURED] mark=0 use=1\n"
	"icmp     1 29 src=10.0.1.2 dst=192.0.2.2 type=8 code=0 id=5393 "
	"src=192.0.2.2 dst=192.0.2.1 type=0 code=0 id=5393 mark=0 use=1\n"
	"tcp      6 119 TIME_WAIT src=10.0.1.2 dst=192.0.2.2 sport=47892 "
	"dport=21 src=192.0.2.2 dst=192.0.2.1 sport=21 dport=47892 [ASSURED] "
	"mark=0 helper=ftp use=2\n"
	"tcp      6 119 TIME_WAIT src=10.0.1.2 dst=192.0.2.2 sport=47876 "
	"dport=21 src=192.0.2.2 dst=192.0.2.1 sport=21 dport=47876 [ASSURED] "
	"mark=0 helper=ftp use=2\n";

/* the same with -o extended */
static const char ct_extended[] =
	"conntrack v1.4.7 (conntrack-tools): 5 flow entries have been shown.\n"
	"ipv4     2 tcp      6 119 TIME_WAIT src=192.0.2.2 dst=192.0.2.1 "
	"sport=20 dport=58637 src=10.0.1.2 dst=192.0.2.2 sport=58637 dport=20 "
	"[ASSURED] mark=0 use=1\n"
	"ipv4     2 tcp      6 119 TIME_WAIT src=10.0.1.2 dst=192.0.2.2 "
	"sport=44790 dport=30020 src=192.0.2.2 dst=192.0.2.1 sport=30020 "
	"dport=44790 [ASSURED] mark=0 use=1\n"
	"ipv4     2 icmp     1 29 src=10.0.1.2 dst=192.0.2.2 type=8 code=0 "
	"id=5393 src=192.0.2.2 dst=192.0.2.1 type=0 code=0 id=5393 mark=0 "
	"use=1\n"
	"ipv4     2 tcp      6 119 TIME_WAIT src=10.0.1.2 dst=192.0.2.2 "
	"sport=47892 dport=21 src=192.0.2.2 dst=192.0.2.1 sport=21 dport=47892 "
	"[ASSURED] mark=0 helper=ftp use=2\n"
	"ipv4     2 tcp      6 119 TIME_WAIT src=10.0.1.2 dst=192.0.2.2 "
	"sport=47876 dport=21 src=192.0.2.2 dst=192.0.2.1 sport=21 dport=47876 "
	"[ASSURED] mark=0 helper=ftp use=2\n";

static char pbuf[256];
#define PORTS(p) dp_ports_str(&(p), pbuf, sizeof(pbuf))

static void nft_rules_with_handles(void)
{
	struct nft_ruleset rs;
	const struct nft_helper_rule *r;

	ASSERT_EQ(nft_ruleset_parse(&rs, nft_handles, strlen(nft_handles)), 0);
	ASSERT_EQ(rs.n_objs, 4);
	ASSERT_STREQ(rs.objs[0].name, "ftp-std");
	ASSERT_STREQ(rs.objs[0].type, "ftp");
	ASSERT_EQ(rs.objs[0].l4, 6);
	ASSERT_EQ(rs.objs[0].handle, 3);
	ASSERT_STREQ(rs.objs[2].type, "tftp");
	ASSERT_EQ(rs.objs[2].l4, 17);
	ASSERT_STREQ(rs.objs[3].family, "ip");
	ASSERT_STREQ(rs.objs[3].table, "legacy");
	for (int i = 0; i < rs.n_objs; i++)
		ASSERT_TRUE(rs.objs[i].used, "object %d used", i);
	ASSERT_EQ(rs.n_rules, 11);

	r = &rs.rules[0];
	ASSERT_STREQ(r->family, "inet");
	ASSERT_STREQ(r->table, "bpfalg_ref");
	ASSERT_STREQ(r->chain, "pre_helpers");
	ASSERT_STREQ(r->hook, "prerouting");
	ASSERT_STREQ(r->helper, "ftp-std");
	ASSERT_STREQ(r->type, "ftp");
	ASSERT_EQ(r->l4, 6);
	ASSERT_STREQ(PORTS(r->ports), "21");
	ASSERT_EQ(r->handle, 7);
	ASSERT_STREQ(r->text, "tcp dport 21 ct helper set \"ftp-std\"");

	r = &rs.rules[1];
	ASSERT_STREQ(r->type, "sip");
	ASSERT_EQ(r->l4, 17);
	ASSERT_STREQ(PORTS(r->ports), "5060");
	ASSERT_EQ(r->handle, 8);
	ASSERT_STREQ(PORTS(rs.rules[2].ports), "2121,2200-2210");
	ASSERT_EQ(rs.rules[2].handle, 10);
	/* tcp dport @ftpports: the named set's elements */
	ASSERT_STREQ(PORTS(rs.rules[3].ports), "21,2121");
	ASSERT_EQ(rs.rules[3].handle, 11);
	/* one rule, a map of two helpers: one assignment each */
	ASSERT_STREQ(rs.rules[4].helper, "tftp-std");
	ASSERT_STREQ(rs.rules[4].type, "tftp");
	ASSERT_EQ(rs.rules[4].l4, 17);
	ASSERT_STREQ(PORTS(rs.rules[4].ports), "69");
	ASSERT_STREQ(rs.rules[5].helper, "sip-udp");
	ASSERT_STREQ(PORTS(rs.rules[5].ports), "5060");
	ASSERT_EQ(rs.rules[5].handle, 13);
	ASSERT_STREQ(PORTS(rs.rules[7].ports), "not 21");
	ASSERT_STREQ(rs.rules[8].text,
		     "ip daddr 192.0.2.2 tcp dport 21 counter packets 0 bytes "
		     "0 ct helper set \"ftp-std\" comment \"x\"");
	ASSERT_STREQ(PORTS(rs.rules[8].ports), "21");
	r = &rs.rules[9];
	ASSERT_STREQ(r->chain, "out_helpers");
	ASSERT_STREQ(r->hook, "output");
	ASSERT_TRUE(r->ports.any, "no port restriction");
	ASSERT_EQ(r->l4, 6); /* the object's protocol */
	ASSERT_TRUE(!r->unreached && !r->via_jump, "base chain");
	r = &rs.rules[10];
	ASSERT_STREQ(r->family, "ip");
	ASSERT_STREQ(r->chain, "pre");
	ASSERT_STREQ(r->type, "ftp");
	ASSERT_EQ(r->handle, 3);
	nft_ruleset_free(&rs);
}

static void nft_rules_plain(void)
{
	struct nft_ruleset rs;

	ASSERT_EQ(nft_ruleset_parse(&rs, nft_plain, strlen(nft_plain)), 0);
	ASSERT_EQ(rs.n_objs, 4);
	ASSERT_EQ(rs.n_rules, 11);
	for (int i = 0; i < rs.n_rules; i++)
		ASSERT_EQ(rs.rules[i].handle, 0);
	ASSERT_STREQ(rs.rules[3].text,
		     "iifname \"gin\" tcp dport @ftpports ct helper set "
		     "\"ftp-std\"");
	ASSERT_STREQ(PORTS(rs.rules[3].ports), "21,2121");
	nft_ruleset_free(&rs);
}

static void nft_rules_v6_sets_jumps(void)
{
	struct nft_ruleset rs;

	ASSERT_EQ(nft_ruleset_parse(&rs, nft_v6, strlen(nft_v6)), 0);
	ASSERT_EQ(rs.n_objs, 2);
	/* "ct helper "ftp" accept" is a match: not counted */
	ASSERT_EQ(rs.n_rules, 4);
	ASSERT_STREQ(rs.rules[0].helper, "sip6");
	ASSERT_EQ(rs.rules[0].l4, 6);
	ASSERT_STREQ(PORTS(rs.rules[0].ports), "5060");
	ASSERT_STREQ(PORTS(rs.rules[1].ports), "5060");
	ASSERT_STREQ(rs.rules[1].text, "th dport 5060 ct helper set \"sip6\" "
				       "accept");
	/* elements wrapped over five lines */
	ASSERT_STREQ(PORTS(rs.rules[2].ports),
		     "21,990,2121-2125,3000,3001,3002,3003,3004,3005,3006,3007,"
		     "3008,3009,3010,3011,3012,3013,3014,3015,3016,3017,3018,"
		     "3019,3020");
	/* chain sub is reached by "tcp dport 2121 jump sub" only */
	ASSERT_STREQ(rs.rules[3].chain, "sub");
	ASSERT_STREQ(rs.rules[3].hook, "");
	ASSERT_TRUE(rs.rules[3].via_jump, "restriction from the jump");
	ASSERT_STREQ(PORTS(rs.rules[3].ports), "2121");
	nft_ruleset_free(&rs);
}

static void nft_rules_vmap(void)
{
	struct nft_ruleset rs;

	ASSERT_EQ(nft_ruleset_parse(&rs, nft_vmap, strlen(nft_vmap)), 0);
	ASSERT_EQ(rs.n_rules, 2);
	ASSERT_STREQ(rs.rules[0].chain, "ftpc");
	ASSERT_STREQ(rs.rules[0].type, "ftp");
	ASSERT_TRUE(rs.rules[0].via_jump, "via the verdict maps");
	ASSERT_STREQ(PORTS(rs.rules[0].ports), "21,2121");
	ASSERT_EQ(rs.rules[0].handle, 9);
	ASSERT_STREQ(rs.rules[1].chain, "orphan");
	ASSERT_TRUE(rs.rules[1].unreached, "nothing jumps to orphan");
	nft_ruleset_free(&rs);
}

static void nft_rules_iptables_nft(void)
{
	struct nft_ruleset rs;

	ASSERT_EQ(nft_ruleset_parse(&rs, nft_iptnft, strlen(nft_iptnft)), 0);
	ASSERT_EQ(rs.n_objs, 0);
	ASSERT_EQ(rs.n_rules, 0);
	ASSERT_EQ(rs.lines, 26);
	nft_ruleset_free(&rs);
}

/* The same listing fed in pieces that end anywhere: lines without '\n'. */
static void nft_line_by_line(void)
{
	struct nft_ruleset rs;
	const char *p = nft_v6;

	ASSERT_EQ(nft_ruleset_init(&rs), 0);
	while (*p) {
		size_t l = strcspn(p, "\n");

		ASSERT_EQ(nft_ruleset_line(&rs, p, l), 0);
		p += l + (p[l] == '\n');
	}
	ASSERT_EQ(nft_ruleset_finish(&rs), 0);
	ASSERT_EQ(rs.n_rules, 4);
	ASSERT_STREQ(PORTS(rs.rules[3].ports), "2121");
	nft_ruleset_free(&rs);
}

/* Every prefix of a listing, and damaged text: no crash, no invention. */
static void nft_damaged(void)
{
	static const char junk[] =
		"}\n}}\n{\ntable\ntable inet {\nchain {\n"
		"ct helper set\nct helper set tcp dport map\n"
		"tcp dport { 21, \"x\" ct helper set \"a\"\n"
		"# handle 5\n\"unterminated\n";
	static const char nul[] = "table ip t {\n\tchain c {\n\t\ttype "
				  "filter hook prerouting priority 0;\n\t\ttcp "
				  "dport 21\0 ct helper set \"h\"\n\t}\n}\n";
	struct nft_ruleset rs;
	size_t n = strlen(nft_handles);

	for (size_t len = 0; len <= n; len++) {
		ASSERT_EQ(nft_ruleset_parse(&rs, nft_handles, len), 0);
		ASSERT_TRUE(rs.n_rules <= 11 && rs.n_objs <= 4,
			    "prefix %zu: %d rules %d objects", len, rs.n_rules,
			    rs.n_objs);
		nft_ruleset_free(&rs);
	}
	ASSERT_EQ(nft_ruleset_parse(&rs, junk, strlen(junk)), 0);
	ASSERT_TRUE(rs.n_rules <= 1, "%d rules from junk", rs.n_rules);
	nft_ruleset_free(&rs);
	ASSERT_EQ(nft_ruleset_parse(&rs, nul, sizeof(nul) - 1), 0);
	ASSERT_EQ(rs.n_rules, 1);
	ASSERT_STREQ(PORTS(rs.rules[0].ports), "21");
	nft_ruleset_free(&rs);
}

/* More ranges than kept: "any", which over-reports instead of missing. */
static void nft_many_elements(void)
{
	char *t = malloc(16384);
	size_t o = 0;
	struct nft_ruleset rs;

	ASSERT_TRUE(t != NULL, "malloc");
	o += sprintf(t + o, "table ip t {\n\tchain c {\n\t\ttype filter hook "
			    "prerouting priority 0; policy accept;\n\t\ttcp "
			    "dport { ");
	for (int i = 0; i < DP_MAX_RANGES + 1; i++)
		o += sprintf(t + o, "%s%d", i ? ", " : "", 1000 + 2 * i);
	o += sprintf(t + o, " } ct helper set \"h\"\n\t}\n}\n");
	ASSERT_EQ(nft_ruleset_parse(&rs, t, o), 0);
	free(t);
	ASSERT_EQ(rs.n_rules, 1);
	ASSERT_TRUE(rs.rules[0].ports.any, "too many ranges: any");
	ASSERT_STREQ(rs.rules[0].type, ""); /* no such object */
	nft_ruleset_free(&rs);
}

static void ipt_raw_helpers(void)
{
	static const char not_raw[] = "*filter\n-A INPUT -j CT --helper ftp\n"
				      "COMMIT\n-A X -j CT --helper ftp\n";
	struct ipt_rules r = {};

	ASSERT_EQ(ipt_rules_parse(&r, ipt4, strlen(ipt4)), 0);
	ASSERT_STREQ(r.variant, "nf_tables");
	ASSERT_EQ(r.n, 6); /* the --notrack CT rule has no helper */
	ASSERT_STREQ(r.rules[0].chain, "PREROUTING");
	ASSERT_STREQ(r.rules[0].helper, "ftp");
	ASSERT_EQ(r.rules[0].l4, 6);
	ASSERT_STREQ(PORTS(r.rules[0].ports), "21");
	ASSERT_STREQ(r.rules[0].spec,
		     "PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp");
	ASSERT_STREQ(r.rules[1].helper, "sip");
	ASSERT_EQ(r.rules[1].l4, 17);
	ASSERT_STREQ(PORTS(r.rules[1].ports), "5060");
	ASSERT_STREQ(PORTS(r.rules[2].ports), "21,2121-2125");
	ASSERT_STREQ(r.rules[3].helper, "tftp");
	ASSERT_STREQ(PORTS(r.rules[3].ports), "69");
	ASSERT_STREQ(r.rules[4].spec,
		     "PREROUTING -p tcp -m tcp --dport 21 -m comment --comment "
		     "\"ftp helper \\\"x\\\"\" -j CT --helper ftp");
	ASSERT_STREQ(r.rules[5].chain, "OUTPUT");
	ASSERT_STREQ(PORTS(r.rules[5].ports), "not 21");
	ipt_rules_free(&r);

	ASSERT_EQ(ipt_rules_parse(&r, ipt6, strlen(ipt6)), 0);
	ASSERT_EQ(r.n, 1);
	ASSERT_STREQ(r.rules[0].helper, "ftp");
	ipt_rules_free(&r);

	/* CT rules outside the raw table do not exist; not read there */
	ASSERT_EQ(ipt_rules_parse(&r, not_raw, strlen(not_raw)), 0);
	ASSERT_EQ(r.n, 0);
	ipt_rules_free(&r);
}

static void ct_live_helpers(void)
{
	static const char chatter[] =
		"conntrack v1.4.7 (conntrack-tools): 5 flow entries have been "
		"shown.\nudp 17\nudp x helper=tftp\nipv6 10\n";
	struct ct_helpers c = {};

	ASSERT_EQ(ct_helpers_parse(&c, ct_default, strlen(ct_default)), 0);
	ASSERT_EQ(c.entries, 5);
	ASSERT_EQ(c.n, 1);
	ASSERT_STREQ(c.use[0].helper, "ftp");
	ASSERT_EQ(c.use[0].l4, 6);
	ASSERT_EQ(c.use[0].dport, 21);
	ASSERT_EQ(c.use[0].count, 2);
	ct_helpers_free(&c);

	ASSERT_EQ(ct_helpers_parse(&c, ct_extended, strlen(ct_extended)), 0);
	ASSERT_EQ(c.entries, 5);
	ASSERT_EQ(c.n, 1);
	ASSERT_EQ(c.use[0].count, 2);
	ct_helpers_free(&c);

	/* tool chatter and broken lines are not connections */
	ASSERT_EQ(ct_helpers_parse(&c, chatter, strlen(chatter)), 0);
	ASSERT_EQ(c.entries, 1);
	ASSERT_EQ(c.n, 0);
	ct_helpers_free(&c);
}

static void ports_overlap_and_text(void)
{
	const __u16 ftp[BPFALG_ALG_PORTS] = { 21, 2121, 0, 0 };
	struct dp_ports p = { .n = 1 };

	p.r[0].lo = p.r[0].hi = 21;
	ASSERT_EQ(dp_ports_overlap(&p, ftp, BPFALG_ALG_PORTS), 21);
	p.r[0].lo = 2200, p.r[0].hi = 2210;
	ASSERT_EQ(dp_ports_overlap(&p, ftp, BPFALG_ALG_PORTS), 0);
	p.r[0].lo = 2100, p.r[0].hi = 2200;
	ASSERT_EQ(dp_ports_overlap(&p, ftp, BPFALG_ALG_PORTS), 2121);
	p.r[0].lo = p.r[0].hi = 21;
	p.neg = true;
	ASSERT_EQ(dp_ports_overlap(&p, ftp, BPFALG_ALG_PORTS), 2121);
	p.r[0].lo = 0, p.r[0].hi = 65535;
	ASSERT_EQ(dp_ports_overlap(&p, ftp, BPFALG_ALG_PORTS), 0);
	p.any = true;
	ASSERT_EQ(dp_ports_overlap(&p, ftp, BPFALG_ALG_PORTS), 21);
	ASSERT_STREQ(PORTS(p), "any");

	memset(&p, 0, sizeof(p));
	for (int i = 0; i < 20; i++)
		p.r[p.n].lo = p.r[p.n].hi = 10000 + i, p.n++;
	/* cut with ",..." */
	ASSERT_STREQ(dp_ports_str(&p, pbuf, 32), "10000,10001,10002,10003,...");

	ASSERT_EQ(dp_helper_alg("ftp"), BPFALG_ALG_FTP);
	ASSERT_EQ(dp_helper_alg("sip"), BPFALG_ALG_SIP);
	ASSERT_EQ(dp_helper_alg("tftp"), BPFALG_ALG_TFTP);
	ASSERT_EQ(dp_helper_alg("rtsp"), BPFALG_ALG_RTSP);
	ASSERT_EQ(dp_helper_alg("irc"), 0);
	ASSERT_TRUE(dp_alg_l4(BPFALG_ALG_FTP, 6) &&
			    !dp_alg_l4(BPFALG_ALG_FTP, 17),
		    "ftp is tcp");
	ASSERT_TRUE(dp_alg_l4(BPFALG_ALG_SIP, 17) &&
			    dp_alg_l4(BPFALG_ALG_SIP, 6),
		    "sip is udp and tcp");
	ASSERT_TRUE(!dp_alg_l4(BPFALG_ALG_TFTP, 6), "tftp is udp");
	ASSERT_TRUE(dp_alg_l4(BPFALG_ALG_TFTP, 0), "unknown protocol: may be");
}

UNIT_CASES(doctor_cases, CASE(nft_rules_with_handles), CASE(nft_rules_plain),
	   CASE(nft_rules_v6_sets_jumps), CASE(nft_rules_vmap),
	   CASE(nft_rules_iptables_nft), CASE(nft_line_by_line),
	   CASE(nft_damaged), CASE(nft_many_elements), CASE(ipt_raw_helpers),
	   CASE(ct_live_helpers), CASE(ports_overlap_and_text));
