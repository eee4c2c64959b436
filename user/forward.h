/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * forward.h - port-forwards as text: one parser for `algctl forward add|del
 * PROTO PORT INSIDE-ADDR:PORT` and the configuration file's `forward =
 * PROTO PORT INSIDE-ADDR:PORT` lines, the text form `config show` and the
 * logs print, and the plan that brings the pinned `forwards` map to what
 * the file says (forwards added by hand are left alone).  No BPF calls
 * here: the map is read and written by reload.c and cmd_control.c.
 */
#ifndef BPFALG_FORWARD_H
#define BPFALG_FORWARD_H

#include <stddef.h>
#include <linux/types.h>

#include "bpfalg.h"

/* forward lines one configuration file may hold: as many as the map */
#define CONFIG_MAX_FORWARDS BPFALG_MAX_FORWARDS
/* "udp 65535 255.255.255.255:65535" and some */
#define FORWARD_TEXT_MAX 64

struct config_forward {
	struct bpfalg_fwd_key key;
	struct bpfalg_fwd val; /* val.flags: BPFALG_FWD_F_CONFIG, ... */
	__u32 line; /* of the configuration file, 0: not from a file */
};

/*
 * PROTO ("tcp", "udp"), PORT (1-65535, digits only) and INSIDE-ADDR:PORT
 * (IPv4) into @f (flags 0, line 0).  0, or -1 with a one-line reason in
 * @err that names the bad field: "unknown protocol 'x' (tcp, udp)",
 * "invalid port 'x' (1-65535)", "invalid inside address 'x' (IPV4:PORT)".
 */
int forward_parse(const char *proto, const char *port, const char *target,
		  struct config_forward *f, char *err, size_t errlen);

/* The three fields in one text, separated by blanks (a file's value). */
int forward_parse_line(const char *s, struct config_forward *f, char *err,
		       size_t errlen);

/* "tcp 8080 10.0.1.2:80" into @buf (FORWARD_TEXT_MAX); returns @buf. */
char *forward_format(const struct bpfalg_fwd_key *k, const struct bpfalg_fwd *v,
		     char *buf, size_t len);

/*
 * Append @f to @list (@n entries, CONFIG_MAX_FORWARDS at most): -1 with a
 * reason when its protocol and public port are forwarded already
 * ("tcp 8080 is forwarded already, on line 3") or the list is full.
 */
int forward_list_add(struct config_forward *list, int *n,
		     const struct config_forward *f, char *err, size_t errlen);

/* qsort order: protocol, then public port (what config show prints). */
int forward_cmp(const void *a, const void *b);

enum forward_action {
	FWD_ADD, /* in the file, not in the map */
	FWD_DEL, /* from the file earlier, no longer in it */
	FWD_CHANGE, /* in both, another inside address or port */
	FWD_ADOPT, /* added by hand, the file now gives the same forward */
};

struct forward_change {
	enum forward_action action;
	struct bpfalg_fwd_key key;
	struct bpfalg_fwd from; /* the map's (DEL, CHANGE, ADOPT) */
	struct bpfalg_fwd to; /* the file's (ADD, CHANGE, ADOPT) */
};

/*
 * What brings the map (@run, its entries with their flags) to the file
 * (@file): the file's forwards are installed as BPFALG_FWD_F_CONFIG, the
 * map's BPFALG_FWD_F_CONFIG entries the file no longer gives are removed,
 * the others (added by hand) are kept unless the file gives their
 * protocol and port (the file wins).  Deletions first in @run's order,
 * then the file's order.  @out holds @n_run + @n_file entries at most;
 * returns how many it wrote.
 */
int forward_plan(const struct config_forward *run, int n_run,
		 const struct config_forward *file, int n_file,
		 struct forward_change *out);

/*
 * One change as the daemon logs it: "forward add tcp 8080 10.0.1.2:80",
 * "forward del ...", "forward tcp 8080 10.0.1.2:80 -> 10.0.1.3:80",
 * "forward tcp 8080 10.0.1.2:80: added by hand, now from the file".
 */
char *forward_change_text(const struct forward_change *c, char *buf,
			  size_t len);

#endif
