// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* calls_view.c - see calls_view.h. */
#include <arpa/inet.h>
#include <string.h>
#include <bpf/bpf.h>

#include "calls_view.h"
#include "flowtab.h"

#define NS 1000000000ULL

/*
 * The verdict for one stream.  Out is what the inside endpoint sent,
 * in what came back through the binding.
 */
static void judge(const struct bpfalg_call *c,
		  const struct bpfalg_call_media *m, struct stream_view *v)
{
	bool quiet = v->age_s >= CALLS_ONE_WAY_S;

	v->reason = "";
	if (m->flags & BPFALG_CM_BIND_FAILED) {
		v->status = "not-bound";
		v->reason = "the public port announced was taken: media "
			    "cannot pass";
	} else if (!m->peer_port) {
		v->status = "waiting";
		v->reason = c->state == BPFALG_CALL_CONFIRMED ?
				    "the peer's SDP named no port" :
				    "the answer's SDP has not been seen";
	} else if (m->flags & BPFALG_CM_HOLD) {
		v->status = "hold";
		v->reason = "a side put the stream on hold";
	} else if (!(m->flags & BPFALG_CM_BOUND) || !v->flow) {
		v->status = "ended";
		v->reason = "no binding (expired after inactivity, or "
			    "released)";
	} else if (v->pkts_out && v->pkts_in) {
		v->status = "ok";
	} else if (!quiet) {
		v->status = "starting";
	} else if (v->pkts_out) {
		v->status = "one-way";
		v->reason =
			(m->flags & BPFALG_CM_ICE) ?
				"nothing came back: ICE/STUN in use, the "
				"peer may send to another candidate" :
				"no return packets at the binding: the peer "
				"sends nothing, or from a port other than "
				"its SDP announced";
	} else if (v->pkts_in) {
		v->status = "one-way";
		v->reason = "the inside endpoint sends nothing to the peer's "
			    "announced address and port";
	} else {
		v->status = "no-media";
		v->reason = "no packets either way";
	}
}

void calls_stream_view(const struct flowtab *ft, const struct bpfalg_call *c,
		       const struct bpfalg_call_media *m, __u16 in_port,
		       __u16 peer_port, unsigned long long now,
		       struct stream_view *v)
{
	struct bpfalg_tuple k = { 0 };
	struct bpfalg_flow f;
	int alen = c->family == BPFALG_AF_INET ? 4 : 16;

	memset(v, 0, sizeof(*v));
	memcpy(k.saddr, c->inside, alen);
	memcpy(k.daddr, m->peer, alen);
	k.sport = htons(in_port);
	k.dport = htons(peer_port);
	k.proto = BPFALG_IPPROTO_UDP;
	k.family = c->family;
	if (in_port && peer_port && ft && !flowtab_lookup(ft, &k, &f, NULL)) {
		v->flow = true;
		v->pkts_out = f.packets[BPFALG_DIR_ORIG];
		v->pkts_in = f.packets[BPFALG_DIR_REPLY];
		v->age_s = now / NS > f.created_s ? now / NS - f.created_s : 0;
	}
	judge(c, m, v);
}
