/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * monitor.h - the daemon's subscriber socket for `algctl events` and
 * `algctl capture`, and the client side of it.
 *
 * The daemon listens on an abstract unix socket named after the pin path
 * ("@bpfalg-events:/sys/fs/bpf/bpfalg").  Abstract sockets belong to a
 * network namespace, like the interfaces bpfalg is attached to, so any
 * algctl that joined the gateway's network namespace (`nsenter --net=`,
 * a hostNetwork pod) finds the daemon without a file on a shared mount.
 * SOCK_SEQPACKET: one message per event or packet copy.  Only root, or the
 * daemon's own user, may subscribe (the stream carries control-channel
 * text).  A subscriber that reads too slowly loses messages, counted and
 * reported to it; the controller never waits for one.
 *
 * Protocol, every message one datagram:
 *   client  "bpfalg-monitor 1 events json|text"
 *           "bpfalg-monitor 1 capture ALG SESSION" (0: any)
 *   daemon  "ok" | "error: REASON", then for events one line per event
 *           (no newline), for capture struct monitor_pkt + the bytes.
 */
#ifndef BPFALG_MONITOR_H
#define BPFALG_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#define MONITOR_MAX_SUBSCRIBERS 16
#define MONITOR_HELLO "bpfalg-monitor 1 "
#define MONITOR_PKT_MAGIC 0x4b504142u /* "BAPK" */
#define MONITOR_MSG_MAX (64 * 1024)

/* A packet copy (capture subscribers). */
struct monitor_pkt {
	uint32_t magic; /* MONITOR_PKT_MAGIC */
	uint8_t kind; /* enum ev_pkt_kind */
	uint8_t alg;
	uint16_t hdr_len; /* sizeof(struct monitor_pkt): bytes follow */
	uint32_t session;
	uint32_t ifindex;
	uint32_t orig_len;
	uint32_t lost; /* copies this subscriber missed before this one */
	uint64_t real_ns; /* CLOCK_REALTIME */
};

struct monitor;

/*
 * Listen for subscribers of the daemon of @pin_path (@ft: the flow
 * table, to describe new flows).  NULL with a reason in @err when another
 * process already listens there (a second daemon) or sockets fail.
 */
struct flowtab;
struct monitor *monitor_open(const char *pin_path, const struct flowtab *ft,
			     char *err,
			     size_t errlen);
/* An epoll fd for the daemon's loop: readable when monitor_run has work. */
int monitor_fd(const struct monitor *m);
void monitor_run(struct monitor *m);
/*
 * A ring-buffer record that is not a punt (TC's report of a new flow):
 * true when it was one (rendered for subscribers), false for a punt.
 */
bool monitor_datapath_record(struct monitor *m, const void *rec, size_t size);
/* Keep the datapath's flow-event flag in @cfg_flags as subscribers want. */
uint32_t monitor_cfg_flags(const struct monitor *m, uint32_t cfg_flags);
void monitor_close(struct monitor *m);

/* For the metrics endpoint (any thread). */
struct monitor_stats {
	uint64_t events_subscribers, capture_subscribers;
	uint64_t dropped; /* messages not delivered: subscriber too slow */
};
void monitor_stats_read(struct monitor_stats *st);

/* The socket address for @pin_path; -1 if the name cannot be made. */
int monitor_sockaddr(const char *pin_path, struct sockaddr_un *sa,
		     socklen_t *len);

/*
 * Client: connect, send @request (after MONITOR_HELLO), wait for the
 * answer.  The connected fd, or -1 with a one-line reason in @err.
 */
int monitor_subscribe(const char *pin_path, const char *request, char *err,
		      size_t errlen);

#endif
