/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ftp.h - FTP control-channel parser and rewriter (RFC 959, RFC 2428).
 *
 * Pure text in, text out: nothing here knows about packets, sockets or
 * maps.  The stream engine hands over one complete line at a time (its
 * terminator included), in order, per direction:
 *
 *   ftp_inspect(&st, dir, line, len, &m)   what the line is and, for the
 *                                          address-carrying forms, the parsed
 *                                          address/port and the exact byte
 *                                          range that holds them
 *   ftp_render(&m, addr, port, out, cap)   the line with that range replaced
 *                                          by a new address/port, every other
 *                                          byte kept
 *   ftp_may_need(dir, buf, len)            could an incomplete line still turn
 *                                          into something ftp_inspect acts
 *                                          on (the engine holds it back)?
 *
 * Commands are recognised only at the start of a line, case-insensitively;
 * numbers may carry leading zeros.  Anything that does not parse exactly is
 * FTP_BAD with a static reason: the caller forwards such a line untouched.
 */
#ifndef BPFALG_ALG_FTP_H
#define BPFALG_ALG_FTP_H

#include <stddef.h>
#include <stdint.h>

/* Longest line the engine holds back waiting for its end. */
#define FTP_MAX_LINE 512

enum ftp_dir {
	FTP_FROM_CLIENT = 0, /* commands */
	FTP_FROM_SERVER = 1, /* replies */
};

enum ftp_kind {
	FTP_OTHER = 0, /* nothing the ALG acts on */
	FTP_PORT, /* "PORT h1,h2,h3,h4,p1,p2" */
	FTP_EPRT, /* "EPRT |1|a.b.c.d|port|" or "|2|v6addr|port|" */
	FTP_PASV_REPLY, /* "227 ... h1,h2,h3,h4,p1,p2 ..." */
	FTP_EPSV_REPLY, /* "229 ... (|||port|)" */
	FTP_AUTH, /* "AUTH TLS" / "AUTH SSL" (any argument) */
	FTP_AUTH_OK, /* "234 ..." : the server accepted AUTH */
	FTP_BAD, /* looked like one of the above but did not parse */
};

/* Reply-side state: multi-line replies ("xyz-" ... "xyz "). */
struct ftp_state {
	uint16_t ml_code; /* code of the multi-line reply in progress, 0 none */
};

struct ftp_match {
	enum ftp_kind kind;
	int family; /* AF_INET / AF_INET6 of addr (FTP_PORT, FTP_EPRT, 227) */
	uint8_t addr[16]; /* network order; IPv4 in addr[0..3] */
	uint16_t port; /* host order */
	/* [start, start + len) of the line is the part ftp_render replaces:
	 * PORT/227: "h1,h2,h3,h4,p1,p2"; EPRT: "d1da.b.c.dd1234d" (the whole
	 * argument, delimiters included); 229: the port digits only.
	 */
	size_t start, len;
	char delim; /* EPRT/EPSV delimiter */
	const char *why; /* FTP_BAD: static reason, e.g. "number > 255" */
};

/*
 * Classify one complete line (terminator included; "\r\n" or a bare "\n").
 * FROM_CLIENT: PORT, EPRT, AUTH.  FROM_SERVER: 227 (with or without
 * parentheses, any text around the six numbers), 229, 234, and multi-line
 * reply tracking in @st (lines inside a multi-line reply are text, only the
 * first line of a reply is classified).  Returns m->kind.
 */
enum ftp_kind ftp_inspect(struct ftp_state *st, enum ftp_dir dir,
			  const char *line, size_t len, struct ftp_match *m);

/*
 * Write @line with m's range replaced by @addr/@port (family m->family;
 * for 229 only the port is written), into @out.  Returns the new length,
 * or -1 if it does not fit in @cap or @m is not a renderable kind.
 */
int ftp_render(const struct ftp_match *m, const char *line, size_t len,
	       const uint8_t addr[16], uint16_t port, char *out, size_t cap);

/*
 * @buf holds the start of a line whose terminator has not arrived.  True
 * when it is (a prefix of) something ftp_inspect would act on in @dir, so
 * the engine should hold it until the line is complete.
 */
int ftp_may_need(enum ftp_dir dir, const char *buf, size_t len);

#endif /* BPFALG_ALG_FTP_H */
