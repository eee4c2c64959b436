// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_capture.c - `algctl capture [--proto P] [--flow ID] [-c N] -w FILE`:
 * the packets the datapath punted to the controller, as received, and
 * what the controller sent in their place, into a pcap file (libpcap's
 * pcap_dump) for Wireshark, tshark or sngrep.
 *
 * One link type for both kinds, Linux cooked capture (LINKTYPE_LINUX_SLL,
 * which every reader of pcap knows): its packet-type field tells them
 * apart.  A punted packet is "to us" (0, as the datapath handed it over,
 * its Ethernet source address kept); a reinjected one is "sent by us" (4,
 * L3 as the raw socket sent it).  In Wireshark: sll.pkttype == 4.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "algctl.h"
#include "config.h"
#include "engine/events.h"
#include "monitor.h"

#define SLL_HDR 16
#define SLL_HOST 0 /* "Unicast to us": as punted */
#define SLL_OUTGOING 4 /* "Sent by us": as reinjected */
#define ARPHRD_ETHER_ 1
#define ARPHRD_NONE_ 0xfffe

struct capture_opts {
	const char *file;
	unsigned int alg;
	unsigned long session;
	unsigned long count; /* 0: until interrupted */
};

/* "3" or "ftp#3": the session number of the control flow's log tag. */
static int parse_flow(const char *s, struct capture_opts *o)
{
	const char *hash = strchr(s, '#'), *num = hash ? hash + 1 : s;
	char name[16], *end;
	unsigned long v;

	if (hash) {
		int a;

		if ((size_t)(hash - s) >= sizeof(name))
			return -1;
		memcpy(name, s, hash - s);
		name[hash - s] = '\0';
		a = alg_from_name(name);
		if (a < 0 || (o->alg && o->alg != (unsigned int)a))
			return -1;
		o->alg = (unsigned int)a;
	}
	if (*num < '1' || *num > '9')
		return -1;
	errno = 0;
	v = strtoul(num, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	o->session = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct capture_opts *o)
{
	const char *flow = NULL;

	while (argc > 0) {
		const char *a = argv[0];

		if (!strcmp(a, "-w") || !strcmp(a, "--write")) {
			REQ_ARGS(2, "FILE after -w");
			o->file = argv[1];
		} else if (!strcmp(a, "--proto")) {
			int alg;

			REQ_ARGS(2, "PROTO after --proto");
			alg = alg_from_name(argv[1]);
			if (alg < 0)
				return usage_error("--proto: unknown ALG '%s' "
						   "(ftp, sip, rtsp, tftp)",
						   argv[1]);
			o->alg = (unsigned int)alg;
		} else if (!strcmp(a, "--flow")) {
			REQ_ARGS(2, "ID after --flow");
			flow = argv[1];
		} else if (!strcmp(a, "-c") || !strcmp(a, "--count")) {
			char *end;

			REQ_ARGS(2, "N after -c");
			errno = 0;
			o->count = strtoul(argv[1], &end, 10);
			if (errno || *end || !o->count || argv[1][0] < '0' ||
			    argv[1][0] > '9')
				return usage_error("-c: '%s' is not a packet "
						   "count (1 or more)",
						   argv[1]);
		} else {
			return usage_error("unexpected argument '%s'", a);
		}
		argc -= 2;
		argv += 2;
	}
	/* after --proto, whichever came first */
	if (flow && parse_flow(flow, o))
		return usage_error("--flow: '%s' is not a session number (3) "
				   "or tag (ftp#3) of the ALG given",
				   flow);
	if (!o->file)
		return usage_error("missing -w FILE (- for standard output)");
	return 0;
}

/* One packet copy from the daemon as a cooked-capture record. */
static int write_packet(pcap_dumper_t *d, const struct monitor_pkt *h,
			const uint8_t *data, size_t len)
{
	static uint8_t rec[SLL_HDR + MONITOR_MSG_MAX];
	struct pcap_pkthdr ph = { 0 };
	const uint8_t *l3 = data;
	size_t l3len = len, wire = h->orig_len;
	uint16_t proto;

	memset(rec, 0, SLL_HDR);
	if (h->kind == EV_PKT_PUNTED) {
		if (len < 14)
			return -1;
		rec[1] = SLL_HOST;
		rec[3] = ARPHRD_ETHER_;
		rec[5] = 6;
		memcpy(rec + 6, data + 6, 6); /* the Ethernet source */
		proto = (uint16_t)(data[12] << 8 | data[13]);
		l3 = data + 14;
		l3len = len - 14;
		wire = wire >= 14 ? wire - 14 : l3len;
	} else {
		if (!len)
			return -1;
		rec[1] = SLL_OUTGOING;
		rec[2] = ARPHRD_NONE_ >> 8;
		rec[3] = ARPHRD_NONE_ & 0xff;
		proto = (data[0] >> 4) == 6 ? 0x86dd : 0x0800;
	}
	rec[14] = (uint8_t)(proto >> 8);
	rec[15] = (uint8_t)proto;
	memcpy(rec + SLL_HDR, l3, l3len);
	ph.ts.tv_sec = (time_t)(h->real_ns / 1000000000ULL);
	ph.ts.tv_usec = (suseconds_t)(h->real_ns % 1000000000ULL / 1000);
	ph.caplen = (bpf_u_int32)(SLL_HDR + l3len);
	ph.len = (bpf_u_int32)(SLL_HDR + (wire > l3len ? wire : l3len));
	pcap_dump((u_char *)d, &ph, rec);
	/* readable while the capture runs, complete if it is killed */
	return pcap_dump_flush(d);
}

int do_capture(int argc, char **argv)
{
	static uint8_t msg[MONITOR_MSG_MAX];
	struct capture_opts o = { 0 };
	unsigned long packets = 0, lost = 0;
	char req[64], err[512];
	bool to_stdout, died = false;
	pcap_dumper_t *d;
	pcap_t *p;
	int fd, ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	to_stdout = !strcmp(o.file, "-");
	if (to_stdout)
		json_output = false; /* stdout is the pcap: errors to stderr */
	snprintf(req, sizeof(req), "capture %u %lu", o.alg, o.session);
	fd = monitor_subscribe(pin_path, req, err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	p = pcap_open_dead(DLT_LINUX_SLL, 65535);
	d = p ? pcap_dump_open(p, o.file) : NULL;
	if (!d) {
		p_err("cannot write %s: %s", o.file,
		      p ? pcap_geterr(p) : "out of memory");
		if (p)
			pcap_close(p);
		close(fd);
		return EXIT_RUNTIME;
	}
	cmd_catch_stop_signals();
	fprintf(stderr,
		"algctl: capturing %s%s punted and reinjected packets to %s "
		"(pins %s); Ctrl-C stops\n",
		o.alg ? alg_name(o.alg) : "all", o.session ? " (one flow)" : "",
		o.file, pin_path);
	while (!cmd_stopped() && (!o.count || packets < o.count)) {
		const struct monitor_pkt *h = (const void *)msg;
		ssize_t n = recv(fd, msg, sizeof(msg), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			died = true;
			break;
		}
		if ((size_t)n < sizeof(*h) || h->magic != MONITOR_PKT_MAGIC ||
		    h->hdr_len < sizeof(*h) || h->hdr_len > (size_t)n)
			continue; /* not a copy of this algctl's version */
		lost += h->lost;
		if (write_packet(d, h, msg + h->hdr_len,
				 (size_t)n - h->hdr_len)) {
			if (errno == EPIPE || ferror(pcap_dump_file(d))) {
				p_err("cannot write %s: %s", o.file,
				      strerror(errno));
				ret = EXIT_RUNTIME;
				break;
			}
			continue;
		}
		packets++;
	}
	close(fd);
	pcap_dump_close(d);
	pcap_close(p);
	if (ret)
		return ret;
	if (died) {
		p_err("the controller stopped (%lu packets written to %s)",
		      packets, o.file);
		return EXIT_RUNTIME;
	}
	fprintf(stderr,
		"algctl: %lu packets written to %s (%lu lost: "
		"capture read too slowly)\n",
		packets, o.file, lost);
	if (json_wtr && !to_stdout) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "file", o.file);
		jsonw_u64_field(json_wtr, "packets", packets);
		jsonw_u64_field(json_wtr, "lost", lost);
		jsonw_end_object(json_wtr);
	} else if (json_wtr) {
		/* the pcap stream is on stdout: nothing else may be */
		free(json_wtr);
		json_wtr = NULL;
	}
	return EXIT_OK;
}
