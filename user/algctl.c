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
#include "bpfalg.h"
#include "config.h"
#include "util/bpffs.h"

#define ALGCTL_VERSION "0.1.0"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

static int do_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "up", do_up,
	  "(--inside IF[,IF...] | --inside-prefix CIDR[,CIDR...]) "
	  "--outside IF[,IF...] (--masquerade | --snat ADDR) [options]",
	  "load and attach the datapath, pin maps and links (idempotent)" },
	{ "daemon", do_daemon, "[same options as up]",
	  "run the controller in the foreground (brings the datapath up "
	  "first; SIGHUP re-reads the configuration file)" },
	{ "down", do_down, "", "detach everything and remove the pins" },
	{ "status", do_status, "",
	  "exit 0 when attached and a controller is running" },
	{ "flows", do_flows, "", "the flow table" },
	{ "pinholes", do_pinholes, "", "expectations opened by the ALGs" },
	{ "calls", do_calls, "",
	  "SIP calls: media streams, packets each way, one-way verdicts" },
	{ "stats", do_stats, "",
	  "datapath and per-ALG counters, table occupancy" },
	{ "events", do_events, "",
	  "live stream of flows, pinholes, rewrites, refusals, SIP calls "
	  "(like conntrack -E; needs the daemon)" },
	{ "capture", do_capture, "[--proto P] [--flow ID] [-c N] -w FILE|-",
	  "write punted packets as received and as reinjected to a pcap "
	  "file (needs the daemon)" },
	{ "alg", do_alg,
	  "[PROTO [off|observe|on] [--ports P[,P...]] [--deny LIST] "
	  "[--invite-from ADDR[/LEN],...]]",
	  "ALG modes, ports, refused commands (ftp, sip, rtsp, tftp), live" },
	{ "forward", do_forward, "[add|del PROTO PORT INSIDE-ADDR:PORT]",
	  "port-forwards on the public address (list: config or manual)" },
	{ "config", do_config, "[show]",
	  "the running configuration, in the configuration file's format" },
	{ "doctor", do_doctor, "[--iface IF[,IF...]]",
	  "troubleshooting checklist: findings and actions; exit 1 on a "
	  "problem" },
	{ "help", do_help, "", "this text" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: algctl [-j] [-p] [-v] [--pin-path DIR] COMMAND "
		   "[ARGS]\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-9s %s\n  %-9s   %s\n", cmds[i].name,
			cmds[i].args, "", cmds[i].help);
	fprintf(f, "\nOptions of up and daemon:\n");
	config_usage(f);
	fprintf(f, "\nConfiguration file (--config): the long options without "
		   "'--' as keys, and\n"
		   "    forward = PROTO PORT INSIDE-ADDR:PORT   any number, "
		   "installed by up/daemon\n"
		   "SIGHUP to the daemon (systemctl reload bpfalg) re-reads it "
		   "and applies it live.\n");
	fprintf(f,
		"\nGlobal options (before or after the command):\n"
		"    -j, --json         JSON output (errors too)\n"
		"    -p, --pretty       indented JSON (implies -j)\n"
		"    --pin-path DIR     pin directory (default %s)\n"
		"    -v, --verbose      more messages (twice: debug; verifier "
		"log)\n"
		"    -V, --version      version\n",
		BPFALG_DEFAULT_PIN_PATH);
}

static int do_help(int argc, char **argv)
{
	usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	char **args = calloc(argc + 1, sizeof(*args));
	int nargs = 0, ret;
	bool help = false;

	daemon_argv = argv;
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

	if (help || nargs == 0) {
		usage(help ? stdout : stderr);
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
	for (size_t i = 0; i < N_CMDS; i++) {
		if (!strcmp(args[0], cmds[i].name)) {
			ret = cmds[i].fn(nargs - 1, args + 1);
			break;
		}
	}
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
