/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * alg.h - what a protocol module sees of a control flow, and the one
 * service it asks of the engine: an expectation (pinhole).
 *
 * A module gets complete lines (engine/stream.c) and returns the line to
 * send; it never sees packets, sockets or maps.  The engine fills struct
 * alg_flow from the NAT binding when the flow is first punted.
 */
#ifndef BPFALG_ALG_ALG_H
#define BPFALG_ALG_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfalg.h"
#include "util/prefix.h"

struct alg_flow;

/*
 * A pinhole: @remote may connect to a public port that leads to
 * inside:inside_port.  For IPv6 (no NAT) the public port is the inside one.
 * The same struct describes a binding (svc->bind): both ends known.
 */
struct alg_expect {
	int family;
	uint8_t proto; /* BPFALG_IPPROTO_TCP or _UDP; 0 means TCP */
	uint8_t remote[16];
	uint16_t remote_port; /* host order; 0: any source port of remote */
	uint8_t inside[16];
	uint16_t inside_port; /* host order */
	uint16_t public_port; /* 0: the engine picks (inside port first);
			       * else exactly this one or fail
			       */
	uint32_t timeout_s; /* 0: the daemon's --pinhole-timeout */
};

struct alg_services {
	/* A pinhole, consumed by the first packet that matches it.
	 * 0 with *public_port set, or -1 with a static reason in *why.
	 */
	int (*expect)(void *ctx, struct alg_flow *af,
		      const struct alg_expect *x, uint16_t *public_port,
		      const char **why);
	/* A UDP NAT binding in both directions between inside:inside_port
	 * and remote:remote_port through a public port (media whose two
	 * ends are both known): packets of either side pass, whichever
	 * comes first; it lives while traffic flows (udp_stream timeout)
	 * or until released.  0 with *public_port set, or -1 and *why.
	 */
	int (*bind)(void *ctx, struct alg_flow *af, const struct alg_expect *x,
		    uint16_t *public_port, const char **why);
	/* Remove what expect/bind made on (proto, public_port) for this
	 * control flow (TEARDOWN, BYE, a re-INVITE that moved the media).
	 */
	void (*release)(void *ctx, struct alg_flow *af, uint8_t proto,
			uint16_t public_port);
	/* The flow went encrypted: stop punting it. */
	void (*step_aside)(void *ctx, struct alg_flow *af);
	/* Publish a call for `algctl calls` (insert or replace by key). */
	void (*call_put)(void *ctx, struct alg_flow *af, uint64_t key,
			 const struct bpfalg_call *c);
	void (*call_del)(void *ctx, struct alg_flow *af, uint64_t key);
};

/*
 * Command policy of one protocol: command (FTP) or method (SIP, RTSP)
 * names the gateway refuses, matched case-insensitively.  Filled from the
 * configuration; a module asks alg_policy_denies() for each command.
 */
#define ALG_POLICY_MAX 16
#define ALG_POLICY_NAME 16
struct alg_policy {
	char deny[ALG_POLICY_MAX][ALG_POLICY_NAME];
	unsigned int n_deny;
	/* SIP: who may send an INVITE from outside (none listed: anyone) */
	struct prefix from[PREFIX_LIST_MAX];
	int n_from;
};

/* Is the command word[0..len) on the deny list? */
bool alg_policy_denies(const struct alg_policy *p, const char *word,
		       size_t len);
/* Parse "STOR,DELE,SITE" into @p: 0, or -1 with a reason in @err. */
int alg_policy_parse(struct alg_policy *p, const char *list, char *err,
		     size_t errlen);
/* The list back as "STOR,DELE" (empty string: none). */
void alg_policy_format(const struct alg_policy *p, char *buf, size_t cap);
/* May @addr send what the from list guards?  (Empty list: yes.) */
bool alg_policy_from_ok(const struct alg_policy *p, int family,
			const uint8_t *addr);

struct alg_limits {
	uint16_t min_data_port; /* lowest port a PORT/227 may name */
};

struct alg_flow {
	int family; /* AF_INET / AF_INET6 */
	bool inside_is_client; /* SNAT control flow; false: port-forward */
	uint8_t inside[16]; /* the inside endpoint's own address */
	uint8_t public_addr[16]; /* what the outside sees instead of it */
	uint8_t peer[16]; /* the outside endpoint */
	uint16_t inside_port; /* host order: the inside endpoint's port */
	uint16_t public_port; /* what the outside sees instead of it */
	uint16_t peer_port;
	/* the module wants the control flow kept open until then (a SIP
	 * registration): the engine refreshes it while it is idle
	 */
	uint64_t keep_until_ns;
	uint32_t mode; /* enum bpfalg_alg_mode */
	bool tls; /* encrypted: nothing is parsed any more */
	/* the flow predates this controller (a restart): its start, where
	 * a protocol's greeting would be, was not seen
	 */
	bool resumed;
	/* the module knows the flow speaks its protocol (FTP: greeted): a
	 * session evicted and rebuilt later is taken as resumed
	 */
	bool proto_ok;
	/* the module found the flow does not speak its protocol (kept for
	 * a session rebuilt later, which must decide the same)
	 */
	bool not_protocol;
	bool auth_pending; /* AUTH sent, reply not seen */
	char tag[24]; /* "ftp#12": session id for log lines */
	const struct alg_limits *lim;
	const struct alg_policy *pol; /* this protocol's command policy */
	const struct alg_services *svc;
	void *svc_ctx;
	__u64 *cnt; /* BPFALG_AS_* counters of this ALG */
};

/*
 * What a module's line function returns besides a new length (>= 0).
 * ALG_LINE_REFUSE: the command policy said no.  The line is not
 * forwarded; @out holds a NUL-terminated text (the protocol's own refusal,
 * e.g. "550 STOR refused by gateway policy.\r\n", or "" for nothing),
 * which the engine sends back to the line's sender, keeping both
 * directions' sequence numbers consistent.  Several refused lines of one
 * request (RTSP headers) may each return it, with the text on the last.
 */
#define ALG_LINE_UNCHANGED (-1)
#define ALG_LINE_REFUSE (-2)
/* frame(): more bytes needed, the message is @len long (= STREAM_FRAME_NEED) */
#define ALG_FRAME_NEED(len) (-2 - (long)(len))

/*
 * A protocol module: a line-oriented TCP control channel (FTP, RTSP) and/or
 * datagrams (SIP over UDP).
 * dir is the flow direction: BPFALG_DIR_ORIG is what the connection's
 * initiator (the client) sends.  The engine allocates flow_size bytes per
 * control flow; the module's struct starts with struct alg_flow.
 */
struct alg_module {
	const char *name;
	size_t flow_size;
	/* optional: after the engine filled struct alg_flow */
	void (*init)(struct alg_flow *af);
	/* the line to send instead: its length written to out, or
	 * ALG_LINE_UNCHANGED / ALG_LINE_REFUSE
	 */
	int (*line)(struct alg_flow *af, int dir, const uint8_t *line,
		    size_t len, uint8_t *out, size_t cap);
	/* hold an incomplete line back until its end arrives? */
	bool (*hold)(struct alg_flow *af, int dir, const uint8_t *buf,
		     size_t len);
	/* optional: the TCP stream is made of messages (SIP): the length
	 * of the complete message at @buf, 0 need more, ALG_FRAME_NEED(L)
	 * need more and the message is L bytes long, -1 cannot be framed
	 * (see stream.h); line() then gets whole messages
	 */
	long (*frame)(struct alg_flow *af, int dir, const uint8_t *buf,
		      size_t len);
	/* datagram transport (SIP over UDP): one whole message; returns as
	 * line().  NULL: the module handles streams only.
	 */
	int (*dgram)(struct alg_flow *af, int dir, const uint8_t *msg,
		     size_t len, uint8_t *out, size_t cap);
	/* optional: once a second */
	void (*tick)(struct alg_flow *af, uint64_t now_ns);
	/* optional: the control flow ended; release what it holds */
	void (*fini)(struct alg_flow *af);
	/* a pinhole beyond the session's limit (the daemon's
	 * --ftp-pinholes) supersedes the oldest pending one rather than
	 * being refused: one data channel at a time (FTP, as the kernel's
	 * helper does)
	 */
	bool supersede_pinholes;
	/* the module sets alg_flow.proto_ok once the flow speaks its
	 * protocol (FTP: the 220 greeting); a session not known to is
	 * dropped after 30 s idle
	 */
	bool checks_protocol;
};

#endif /* BPFALG_ALG_ALG_H */
