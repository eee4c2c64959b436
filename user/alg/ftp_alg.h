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
 * Command policy (af->pol): a denied command is not forwarded; the client
 * gets "550 <CMD> refused by gateway policy." from the gateway.
 */
#ifndef BPFALG_ALG_FTP_ALG_H
#define BPFALG_ALG_FTP_ALG_H

#include "alg/alg.h"
#include "alg/ftp.h"

struct ftp_flow {
	struct alg_flow af;
	struct ftp_state st[2]; /* per enum ftp_dir */
};

int ftp_alg_line(struct ftp_flow *ff, int dir, const uint8_t *line, size_t len,
		 uint8_t *out, size_t cap);
bool ftp_alg_hold(int dir, const uint8_t *buf, size_t len);

extern const struct alg_module ftp_module;

#endif /* BPFALG_ALG_FTP_ALG_H */
