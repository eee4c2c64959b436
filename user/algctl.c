// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * algctl.c - entry point and command table (after bpftool's main.c).
 *
 * Global options (-j, -p, --pin-path, -v) are accepted before or after the
 * command; everything else belongs to the command.  Exit codes: 0 success,
 * 1 runtime failure, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algctl.h"
#include "daemon.h"
#include "version.h"
#include "bpfalg.h"
#include "config.h"
#include "util/bpffs.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	/* what follows the name; alternatives on lines of their own */
	const char *args;
	const char *help;
	/* `algctl CMD --help`: the options, when there are any */
	const char *details;
	void (*more)(FILE *f);
};

static int do_help(int argc, char **argv);
static void up_options(FILE *f);

static const char flows_details[] =
	"Filters (all given must match; like conntrack -L's, they name the\n"
	"original direction, as its initiator sent it, untranslated):\n"
	"    --proto tcp|udp|icmp|icmpv6\n"
	"    --src ADDR[/LEN]     source address, or in the prefix\n"
	"    --dst ADDR[/LEN]     destination address, or in the prefix\n"
	"    --sport PORT         source port (tcp and udp flows)\n"
	"    --dport PORT         destination port (tcp and udp flows)\n"
	"    --state STATE        as flows prints it: new, syn_sent,\n"
	"                         syn_recv, established, fin_wait,\n"
	"                         time_wait, close (tcp); unreplied,\n"
	"                         replied (udp, icmp)\n"
	"    --alg ftp|sip|rtsp|tftp\n"
	"                         the ALG's control flows and the flows\n"
	"                         its pinholes made\n"
	"    -c, --count          print only how many flows match\n"
	"delete removes what the filters select (it needs one), flush\n"
	"every flow: both halves go, as when a flow expires.\n"
	"-j: {\"flows\": [...], \"count\": n}; -c: {\"count\": n};\n"
	"delete: {\"flows\": [...], \"deleted\": n}; flush: {\"deleted\": "
	"n}.\n";

static const char pinholes_details[] =
	"delete removes the pinholes on public port PORT of protocol\n"
	"PROTO (tcp, udp), of any remote or of REMOTE-ADDR only; exit 1\n"
	"when there is none.\n"
	"-j: {\"pinholes\": [...], \"count\": n}; delete: {\"deleted\": n}.\n";

static const char events_details[] =
	"    --type EVENT[,EVENT...]\n"
	"                         only these events, or groups of them\n"
	"                         (flow, pinhole, binding, call: flow-new\n"
	"                         and flow-end, ...); lost events always\n"
	"    --proto PROTO        tcp, udp, icmp, icmpv6: the events of\n"
	"                         flows and pinholes of that protocol;\n"
	"                         ftp, sip, rtsp, tftp: those of the ALG\n"
	"-j: one JSON object per line.\n";

static const char capture_details[] =
	"    --proto ftp|sip|rtsp|tftp\n"
	"                         one ALG's packets\n"
	"    --flow ID            one control flow: its session number or\n"
	"                         tag (3, ftp#3), as events and the log\n"
	"                         show it\n"
	"    -c N                 stop after N packets\n"
	"    -w FILE|-            the pcap file (-: standard output)\n";

static const char alg_details[] =
	"    --ports P[,P...]     control ports (at most 4)\n"
	"    --deny LIST          commands (ftp) or methods (sip, rtsp)\n"
	"                         refused\n"
	"    --invite-from ADDR[/LEN],...\n"
	"                         sip: who may send INVITE from outside\n"
	"    --mode MODE          the mode, as an option\n";

static const char doctor_details[] =
	"    --iface IF[,IF...]   the interfaces to check (default:\n"
	"                         bpfalg's)\n";

static const struct cmd cmds[] = {
	{ "up", do_up,
	  "(--inside IF[,IF...] | --inside-prefix CIDR[,CIDR...]) "
	  "--outside IF[,IF...] (--masquerade | --snat ADDR) [options]",
	  "load and attach the datapath, pin maps and links (idempotent)", NULL,
	  up_options },
	{ "daemon", do_daemon, "[same options as up]",
	  "run the controller in the foreground (brings the datapath up "
	  "first; SIGHUP re-reads the configuration file)",
	  NULL, up_options },
	{ "down", do_down, "", "detach everything and remove the pins" },
	{ "status", do_status, "",
	  "exit 0 when attached and a controller is running" },
	{ "flows", do_flows,
	  "[list] [FILTER...] [-c|--count]\n"
	  "delete FILTER...\n"
	  "flush",
	  "the flow table: list, count, delete what the filters select, "
	  "flush",
	  flows_details },
	{ "pinholes", do_pinholes, "[list]\ndelete PROTO PORT [REMOTE-ADDR]",
	  "expectations opened by the ALGs", pinholes_details },
	{ "calls", do_calls, "",
	  "SIP calls: media streams, packets each way, one-way verdicts" },
	{ "stats", do_stats, "",
	  "datapath and per-ALG counters, table occupancy" },
	{ "events", do_events, "[--type EVENT[,EVENT...]] [--proto PROTO]",
	  "live stream of flows, pinholes, rewrites, refusals, SIP calls "
	  "(like conntrack -E; needs the daemon)",
	  events_details },
	{ "capture", do_capture, "[--proto P] [--flow ID] [-c N] -w FILE|-",
	  "write punted packets as received and as reinjected to a pcap "
	  "file (needs the daemon)",
	  capture_details },
	{ "alg", do_alg,
	  "[PROTO [off|observe|on] [--ports P[,P...]] [--deny LIST] "
	  "[--invite-from ADDR[/LEN],...]]",
	  "ALG modes, ports, refused commands (ftp, sip, rtsp, tftp), live",
	  alg_details },
	{ "forward", do_forward, "[add|del PROTO PORT INSIDE-ADDR:PORT]",
	  "port-forwards on the public address (list: config or manual)" },
	{ "config", do_config, "[show]",
	  "the running configuration, in the configuration file's format" },
	{ "log-level", do_log_level, "[warn|info|debug]",
	  "the controller's log level, live (none: the running one)" },
	{ "doctor", do_doctor, "[--iface IF[,IF...]]",
	  "troubleshooting checklist: findings and actions; exit 1 on a "
	  "problem",
	  doctor_details },
	{ "help", do_help, "[COMMAND]", "this text, or one command's" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	return NULL;
}

/* Each alternative of @c's synopsis: "PREFIX NAME ARGS". */
static void synopsis(FILE *f, const struct cmd *c, const char *first,
		     const char *rest, bool name_once)
{
	const char *a = c->args;

	do {
		size_t n = strcspn(a, "\n");
		bool one = a == c->args;

		fprintf(f, "%s%-*s%s%.*s\n", one ? first : rest,
			name_once ? 9 : 0, one || !name_once ? c->name : "",
			n ? " " : "", (int)n, a);
		a += n;
	} while (*a++);
}

static void up_options(FILE *f)
{
	fprintf(f, "\nOptions of up and daemon:\n");
	config_usage(f);
	fprintf(f, "\nConfiguration file (--config): the long options without "
		   "'--' as keys, and\n"
		   "    forward = PROTO PORT INSIDE-ADDR:PORT   any number, "
		   "installed by up/daemon\n"
		   "SIGHUP to the daemon (systemctl reload bpfalg) re-reads it "
		   "and applies it live.\n");
}

static void global_options(FILE *f)
{
	fprintf(f,
		"\nGlobal options (before or after the command):\n"
		"    -j, --json         JSON output (errors too)\n"
		"    -p, --pretty       indented JSON (implies -j)\n"
		"    --pin-path DIR     pin directory (default %s)\n"
		"    -v, --verbose      more messages (twice: debug; verifier "
		"log)\n"
		"    -h, --help         this text; after a command, that "
		"command's\n"
		"    -V, --version      version\n",
		BPFALG_DEFAULT_PIN_PATH);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: algctl [-j] [-p] [-v] [--pin-path DIR] COMMAND "
		   "[ARGS]\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < N_CMDS; i++) {
		synopsis(f, &cmds[i], "  ", "  ", true);
		fprintf(f, "  %-9s   %s\n", "", cmds[i].help);
	}
	up_options(f);
	global_options(f);
}

/* `algctl CMD --help`: that command alone. */
static void cmd_usage(FILE *f, const struct cmd *c)
{
	synopsis(f, c, "Usage: algctl [GLOBAL OPTIONS] ",
		 "       algctl [GLOBAL OPTIONS] ", false);
	fprintf(f, "%s\n", c->help);
	if (c->details)
		fprintf(f, "\n%s", c->details);
	if (c->more)
		c->more(f);
	fprintf(f, "\nGlobal options: -j, -p, -v, --pin-path DIR (algctl "
		   "help)\n");
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	c = find_cmd(argv[0]);
	if (!c)
		return usage_error("unknown command '%s'", argv[0]);
	NEXT_ARG();
	NO_MORE_ARGS();
	cmd_usage(stdout, c);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	char **args = calloc(argc + 1, sizeof(*args));
	int nargs = 0, ret;
	bool help = false;

	daemon_argv = argv;
	/* a failed command's -j output is one JSON object */
	log_json_error = cli_json_error;
	if (!args)
		return EXIT_RUNTIME;
	/* Pull the global options out wherever they are. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json_output = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			json_output = json_pretty = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			log_level++;
		} else if (!strcmp(a, "-vv")) {
			log_level += 2;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help = true;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("algctl %s (layout v%d)\n", ALGCTL_VERSION,
			       BPFALG_LAYOUT_VERSION);
			free(args);
			return EXIT_OK;
		} else if (!strcmp(a, "--pin-path")) {
			if (i + 1 >= argc) {
				free(args);
				return usage_error(
					"--pin-path needs a directory");
			}
			pin_path = argv[++i];
		} else if (!strncmp(a, "--pin-path=", 11)) {
			pin_path = a + 11;
		} else {
			args[nargs++] = argv[i];
		}
	}
	if (!pin_path[0] || pin_path[0] != '/') {
		free(args);
		return usage_error("--pin-path must be an absolute directory");
	}
	log_take_over_libbpf();
	if (bpffs_use_host_mntns(pin_path))
		pr_info("using the bpffs of the mount namespace algctl was "
			"started from (%s)\n",
			pin_path);

	if (help && nargs > 0) {
		/* algctl CMD --help: that command's usage only */
		const struct cmd *c = find_cmd(args[0]);

		if (!c) {
			ret = usage_error("unknown command '%s'", args[0]);
			free(args);
			return ret;
		}
		free(args);
		cmd_usage(stdout, c);
		return EXIT_OK;
	}
	if (help || nargs == 0) {
		usage(help ? stdout : stderr);
		/* -j: the error as one object too (the usage went to stderr) */
		if (!help && json_output)
			cli_json_error(
				"missing command (algctl help lists them)");
		free(args);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	if (json_output) {
		json_wtr = jsonw_new(stdout, json_pretty);
		if (!json_wtr) {
			free(args);
			return EXIT_RUNTIME;
		}
	}
	ret = -1;
	if (find_cmd(args[0]))
		ret = find_cmd(args[0])->fn(nargs - 1, args + 1);
	if (ret < 0) {
		/* no JSON document has been started yet */
		jsonw_destroy(&json_wtr);
		ret = usage_error("unknown command '%s'", args[0]);
	}
	/* commands that failed before writing leave the writer unused */
	if (json_wtr)
		jsonw_destroy(&json_wtr);
	free(args);
	return ret;
}
