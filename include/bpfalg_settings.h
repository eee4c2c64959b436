/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfalg_settings.h - the running settings that only userspace reads.
 *
 * One entry of a BPF_MAP_TYPE_ARRAY that algctl creates itself (no BPF
 * program references it) and pins as BPFALG_SETTINGS_PIN beside the
 * datapath's maps.  It holds what the datapath maps do not: the options as
 * the operator gave them (interface names, attach modes), the controller's
 * options, the command policies (deny lists, SIP invite-from) and the
 * configuration file used.  Because it is pinned, every algctl process sees
 * it through the pins alone (`config show` from a hostNetwork pod), it
 * survives the daemon, and `algctl alg ... --deny` changes it live: the
 * daemon re-reads it (settings_read() in user/settings.h).
 *
 * Written by `up` (file + flags), by `daemon` (its effective values) and by
 * `alg`.  A reader checks version and size; a writer that finds another
 * layout replaces the pin (nothing in the kernel depends on it).
 */
#ifndef BPFALG_SETTINGS_H
#define BPFALG_SETTINGS_H

#include <linux/types.h>

#include "bpfalg.h"

#define BPFALG_SETTINGS_VERSION 6
#define BPFALG_SETTINGS_PIN "settings"

#define BPFALG_SETTINGS_IFACES 16 /* inside interfaces (CONFIG_MAX_INSIDE) */
#define BPFALG_SETTINGS_IFNAME 16 /* IF_NAMESIZE */
#define BPFALG_SETTINGS_OUTSIDE 4 /* outside interfaces (CONFIG_MAX_OUTSIDE) */
#define BPFALG_SETTINGS_LIST 256 /* one comma-separated list, NUL included */
#define BPFALG_SETTINGS_PATH 256
#define BPFALG_SETTINGS_LISTEN 64 /* ADDR:PORT */

struct bpfalg_settings {
	__u32 version; /* BPFALG_SETTINGS_VERSION */
	__u32 size; /* sizeof(struct bpfalg_settings) of the writer */
	__u64 generation; /* +1 on every write: a reader re-parses on change */
	__u32 writer_pid; /* the algctl process that wrote last */
	/* controller options (the running daemon's when one runs) */
	__u32 pinhole_timeout; /* seconds */
	__u32 pinholes_per_flow;
	__u32 ftp_pinholes;
	__u32 max_sessions;
	__u32 sessions_per_source;
	__u32 session_idle;
	__u32 min_data_port;
	/* attach options as given: enum xdp_mode, xdp_fast, tc_mode of
	 * user/config.h
	 */
	__u32 xdp_mode;
	__u32 xdp_fast;
	__u32 tc_mode;
	__u32 flows; /* flow table size asked for */
	__u32 n_inside;
	__u32 tc_fast; /* enum xdp_fast of user/config.h */
	char inside[BPFALG_SETTINGS_IFACES][BPFALG_SETTINGS_IFNAME];
	char outside[BPFALG_SETTINGS_OUTSIDE][BPFALG_SETTINGS_IFNAME];
	__u32 n_outside;
	/* the controller's log level (enum log_level of user/util/log.h:
	 * 0 warn, 1 info, 2 debug); `algctl log-level` changes it, the
	 * daemon follows within a second
	 */
	__u32 log_level;
	/* per ALG (enum bpfalg_alg): command/method names refused, upper
	 * case, comma-separated ("STOR,DELE"), "" none; alg_policy_parse()
	 * reads it
	 */
	char deny[BPFALG_ALG_MAX][BPFALG_SETTINGS_LIST];
	/* SIP: addresses or prefixes allowed to send INVITE from outside,
	 * comma-separated ("192.0.2.10,2001:db8::/32"); "" anyone.
	 * prefix_list_parse() (user/util/prefix.h) reads it.
	 */
	char sip_invite_from[BPFALG_SETTINGS_LIST];
	char config_file[BPFALG_SETTINGS_PATH]; /* "" none read */
	/* controller: where it serves Prometheus metrics, "" nowhere */
	char metrics[BPFALG_SETTINGS_LISTEN];
	/* --inside-prefix as given, canonical; "" none */
	char inside_prefix[BPFALG_SETTINGS_LIST];
};

#endif
