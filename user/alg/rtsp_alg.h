/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rtsp_alg.h - the RTSP ALG (RFC 2326, RFC 7826): what to do with each
 * line of an RTSP control connection.  The engine reaches it through
 * rtsp_module (alg.h); every line of both directions goes through
 * rtsp.c's framer, so body lines (SDP) are never taken for headers.
 *
 * Client inside (masquerade).  A SETUP's Transport alternatives that ask
 * for unicast UDP (client_port=a-b, a single port, or RTSP 2.0 dest_addr)
 * get pinholes for the server (any source port) to a public pair P/P+1:
 * the inside ports themselves when free, else a pair the engine picks,
 * accepted only if consecutive with P even.  The line is rewritten to the
 * public ports, and a destination=/dest_addr naming the client's inside
 * address to the public one; one naming anything else (another host, a
 * name, an address that is public already) leaves that alternative alone.
 * The reply to that SETUP (matched by the public port, checked against
 * the CSeq) is rewritten back to the inside ports; once its headers are
 * complete the chosen alternative's pinholes become UDP bindings with
 * the server's server_port (or src_addr) from its source= (or the
 * control connection's peer), so RTP and RTCP pass both ways; the other
 * alternatives' pinholes are released, and all of them on an error
 * status.  TEARDOWN with the Session (the stream's own URI: that stream;
 * else the whole session), the session's timeout= (default 60 s) without
 * any control traffic, and the end of the control flow release them.
 *
 * Server inside (port-forward).  The SETUP reply's server_port (or
 * src_addr) names the server's inside ports: they get UDP bindings with
 * the client's client_port on the public address, the reply is rewritten
 * to the public ports and a source= naming the inside address to the
 * public one.  Released as above.
 *
 * Left untouched (the Transport line still counts as parsed): interleaved
 * and other TCP transports, multicast.  RTSPS (a TLS record as the first
 * bytes) and "$" interleaved binary data on the connection make the ALG
 * step aside: nothing more is parsed (counted BPFALG_AS_TLS / _PARSED).
 * So does framing it cannot follow (counted BPFALG_AS_BAD_INPUT); what it
 * holds is then released only at the end of the flow, since the control
 * traffic that keeps a session alive can no longer be seen.
 *
 * Command policy.  A request whose method af->pol denies is refused at
 * its request line, and so is every following line of that request
 * (headers up to the empty line, then its Content-Length body):
 *   - each such line returns ALG_LINE_REFUSE with out[0] == '\0': the
 *     engine drops it and sends nothing back;
 *   - the empty line that ends its headers returns ALG_LINE_REFUSE with
 *     out holding the NUL-terminated refusal, to be sent to the request's
 *     sender: "RTSP/1.0 403 Forbidden\r\nCSeq: N\r\n\r\n" (the request's
 *     version and CSeq; no CSeq line if it had none);
 *   - a line of which only a part belongs to the refused request (a
 *     preceding body ended inside it) is rewritten to the other part.
 * Each refusal is counted (BPFALG_AS_REFUSED) and logged.  A request
 * whose start line the engine never showed (it did not hold it: longer
 * than STREAM_HOLD_MAX, or after a body without a final line end) is
 * followed blind: framed, not inspected, not refused (counted
 * BPFALG_AS_BAD_INPUT).
 *
 * Observe mode counts (BPFALG_AS_OBSERVED) and logs what it would
 * rewrite or refuse, and changes nothing, opens nothing.
 */
#ifndef BPFALG_ALG_RTSP_ALG_H
#define BPFALG_ALG_RTSP_ALG_H

#include "alg/alg.h"
#include "alg/rtsp.h"

/* RTP streams (an RTP/RTCP port pair each) per control flow. */
#define RTSP_ALG_STREAMS 8
/* SETUP requests remembered for their replies (server inside). */
#define RTSP_ALG_SETUPS 8
#define RTSP_DEFAULT_TIMEOUT_S 60
#define RTSP_MAX_TIMEOUT_S 86400
/* Engine-picked pairs tried before giving up on a consecutive one. */
#define RTSP_PAIR_TRIES 8

enum rtsp_stream_state {
	RTSP_ST_FREE = 0,
	RTSP_ST_PENDING, /* pinholes; the SETUP reply not seen yet */
	RTSP_ST_OPEN, /* pinholes; the reply named no server ports */
	RTSP_ST_BOUND, /* bindings with the other end's ports */
};

struct rtsp_stream {
	uint8_t state; /* enum rtsp_stream_state */
	uint8_t n; /* ports: 1 (RTP) or 2 (RTP, RTCP) */
	bool have_cseq;
	uint32_t cseq; /* of the SETUP that made it */
	uint16_t inside_port[2];
	uint16_t public_port[2]; /* 0: nothing held on that one */
	uint8_t remote[16]; /* bound: the other end */
	uint16_t remote_port[2];
	/* the SETUP reply's choice, applied when its headers are complete */
	bool pend;
	uint8_t pend_remote[16];
	uint16_t pend_rlo;
	uint8_t pend_rn;
	uint64_t uri_hash; /* the SETUP's URI: TEARDOWN of this stream */
	char session[RTSP_SESSION_MAX + 1];
	uint32_t timeout_s;
};

/* The message in progress in one direction. */
struct rtsp_msg {
	bool request, blind, refused, setup, teardown;
	uint8_t ver_major, ver_minor;
	uint16_t status;
	bool have_cseq, cseq_conflict;
	uint32_t cseq;
	bool have_session;
	struct rtsp_session_hdr session;
	uint64_t uri_hash;
	bool had_transport;
	uint32_t touched; /* streams made or named by this message */
	uint32_t chosen; /* reply: streams its Transport names */
};

struct rtsp_setup_rec {
	bool used;
	uint32_t cseq;
	uint64_t uri_hash;
};

struct rtsp_flow {
	struct alg_flow af;
	struct rtsp_framer fr[2]; /* per BPFALG_DIR_* */
	struct rtsp_msg msg[2];
	struct rtsp_stream st[RTSP_ALG_STREAMS];
	struct rtsp_setup_rec setups[RTSP_ALG_SETUPS];
	unsigned int setup_next;
	bool stopped; /* TLS, interleaved data or lost framing */
	bool traffic; /* control traffic since the last tick */
	bool clock;
	uint64_t last_ns; /* tick that last saw control traffic */
	char refusal[64];
};

extern const struct alg_module rtsp_module;

#endif /* BPFALG_ALG_RTSP_ALG_H */
