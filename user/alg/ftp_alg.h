/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ftp_alg.h - the FTP ALG: what to do with each line of a control flow.
 *
 *   ftp_alg_line(ff, dir, line, len, out, cap)   the line to send instead
 *                                                 (-1: send it unchanged)
 *   ftp_alg_hold(dir, buf, len)                   hold an incomplete line?
 *
 * Client inside (masquerade): PORT / EPRT |1| are rewritten to the public
 * address and a public port, with a pinhole from the server to that port;
 * EPRT |2| (no NAT66) only gets the pinhole.  Server inside (port-forward):
 * 227 / 229 replies likewise, the pinhole admitting the client.  Bounce
 * protection: the address named must be the inside endpoint's own, the port
 * at least lim->min_data_port; otherwise nothing is rewritten or opened.
 * AUTH followed by 234: the flow is encrypted, the ALG steps aside.
 * Protocol state: a flow is FTP once the server has greeted with 220 (120
 * may come first) and while every client line is a command (3 or 4
 * letters); a client speaking first, another first reply, or a line that
 * is no command (an HTTP request's headers) and the ALG opens no data
 * channel on the flow any more, counted not_protocol (the command policy
 * still applies).  A flow that predates the controller (restart) is taken
 * as greeted.
 * Command policy (af->pol): a denied command is not forwarded; the client
 * gets "550 <CMD> refused by gateway policy." from the gateway.
 */
#ifndef BPFALG_ALG_FTP_ALG_H
#define BPFALG_ALG_FTP_ALG_H

#include "alg/alg.h"
#include "alg/ftp.h"

/* Does the flow speak FTP?  (NAT slipstreaming: a browser made to send
 * "PORT ..." inside an HTTP body to port 21 must not open a pinhole.)
 */
enum ftp_proto {
	FTP_PROTO_WAIT = 0, /* no 220 greeting from the server yet */
	FTP_PROTO_OK, /* greeted; every client line a command so far */
	FTP_PROTO_NOT_FTP, /* the ALG stepped aside */
};

struct ftp_flow {
	struct alg_flow af;
	struct ftp_state st[2]; /* per enum ftp_dir */
	uint8_t proto; /* enum ftp_proto */
};

int ftp_alg_line(struct ftp_flow *ff, int dir, const uint8_t *line, size_t len,
		 uint8_t *out, size_t cap);
bool ftp_alg_hold(int dir, const uint8_t *buf, size_t len);

extern const struct alg_module ftp_module;

#endif /* BPFALG_ALG_FTP_ALG_H */
