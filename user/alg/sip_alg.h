/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sip_alg.h - the SIP ALG: what to do with each SIP message of a control
 * flow (UDP datagrams; parsing in sip.c / sdp.c, edits in sip_rewrite.c).
 *
 * Inside UA behind the NAT (the usual case), messages it sends:
 *   - top Via sent-by, Contact, From/To, Request-URI, Route/Record-Route
 *     values naming its own address are rewritten to the public address
 *     and the flow's public port (a value with another port gets the
 *     public host only);
 *   - its SDP: o=, c= and a=rtcp: addresses, m= and a=rtcp: ports to the
 *     public media ports allocated for the call (RTP even, RTCP the next
 *     one, unless rtcp-mux), Content-Length recomputed.
 * Messages from outside: values naming the public address and port are
 * rewritten back to the inside ones (responses' top Via, the Request-URI
 * of INVITEs to a registered Contact, Contacts echoed by a registrar); the
 * peer's SDP is read, never changed.  Once both SDPs of a call are known
 * (offer/answer in INVITE/18x/2xx/ACK, UPDATE, PRACK; a re-INVITE that
 * moves the media), a two-way UDP binding per stream joins the inside
 * port, the public port announced and exactly the peer's address and port
 * from its SDP.  BYE, CANCEL and a final error to the initial INVITE
 * release them.  A 2xx to REGISTER keeps the control flow open for the
 * registration's lifetime (Expires 0 ends that).
 *
 * Not rewritten, counted: a message that already carries the public
 * address where the inside one would be (a UA using STUN or a second NAT
 * that rewrote already: already_public); ICE candidates (left as they
 * are, the call flagged); a message that does not parse (bad_input,
 * forwarded unmodified).
 *
 * Command policy: a request whose method is on the deny list, or an
 * INVITE from outside not sent by an address on the invite-from list, is
 * answered "403 Forbidden" by the gateway and not forwarded (ACK is never
 * answered).
 */
#ifndef BPFALG_ALG_SIP_ALG_H
#define BPFALG_ALG_SIP_ALG_H

#include "alg/alg.h"

/* Calls tracked on all control flows (one trunk may carry them all). */
#define SIP_MAX_CALLS_ALL BPFALG_MAX_CALLS
/* Public media ports come from here when the inside port is taken. */
#define SIP_MEDIA_PORT_MIN 16384
#define SIP_MEDIA_PORT_MAX 32767
/* A call whose INVITE got no final answer is forgotten after this. */
#define SIP_CALL_SETUP_S 180
/* A confirmed call without any signalling for this long is forgotten. */
#define SIP_CALL_IDLE_S 7200
/* how far ahead a flow with calls is kept open, renewed every tick */
#define SIP_KEEP_CALLS_NS (30ULL * 1000000000ULL)

struct sip_call;

struct sip_flow {
	struct alg_flow af;
	/* the flow's calls: an array (ticks walk it) and a hash index by
	 * Call-ID (each message finds its call in O(1): a trunk carries
	 * thousands), both grown as needed, freed by fini
	 */
	unsigned int n_calls, cap_calls;
	struct sip_call **calls;
	struct sip_call **ht; /* ht_size buckets, chained by hnext */
	unsigned int ht_size; /* a power of two, >= n_calls */
	uint32_t reg_cseq; /* REGISTER in flight, 0: none */
	uint32_t reg_expires; /* what it asked for */
	/* the last INVITE the gateway answered 403 (call_key of its
	 * Call-ID, CSeq; 0: none): its ACK ends at the gateway too
	 */
	uint64_t refused_key;
	uint32_t refused_cseq;
};

extern const struct alg_module sip_module;

/* Calls tracked by all SIP flows (for the global cap and tests). */
unsigned int sip_calls_total(void);

#endif /* BPFALG_ALG_SIP_ALG_H */
