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

struct alg_flow;

/* A pinhole: @remote may connect to a public port that leads to
 * inside:inside_port.  For IPv6 (no NAT) the public port is the inside one.
 */
struct alg_expect {
	int family;
	uint8_t remote[16];
	uint8_t inside[16];
	uint16_t inside_port; /* host order */
};

struct alg_services {
	/* 0 with *public_port set, or -1 with a static reason. */
	int (*expect)(void *ctx, struct alg_flow *af,
		      const struct alg_expect *x, uint16_t *public_port,
		      const char **why);
	/* The flow went encrypted: stop punting it. */
	void (*step_aside)(void *ctx, struct alg_flow *af);
};

struct alg_limits {
	uint16_t min_data_port; /* lowest port a PORT/227 may name */
};

struct alg_flow {
	int family; /* AF_INET / AF_INET6 */
	bool inside_is_client; /* SNAT control flow; false: port-forward */
	uint8_t inside[16]; /* the inside endpoint's own address */
	uint8_t public_addr[16]; /* what the outside sees instead of it */
	uint8_t peer[16]; /* the outside endpoint */
	uint32_t mode; /* enum bpfalg_alg_mode */
	bool tls; /* encrypted: nothing is parsed any more */
	bool auth_pending; /* AUTH sent, reply not seen */
	char tag[24]; /* "ftp#12": session id for log lines */
	const struct alg_limits *lim;
	const struct alg_services *svc;
	void *svc_ctx;
	__u64 *cnt; /* BPFALG_AS_* counters of this ALG */
};

#endif /* BPFALG_ALG_ALG_H */
