/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tftp.h - the TFTP ALG, done entirely in TC: no punt, no controller.
 *
 *   tftp_req_step(s, byte)       feed one request byte to the checker; pure,
 *                                also compiled as C (tests/bpf_shim.h) by
 *                                the unit tests and fuzz_tftp
 *   tftp_req_check(buf, len)     (C only) the whole checker over a buffer
 *   tftp_outbound(skb, p, f, now)
 *                                a packet of an outbound UDP flow in its
 *                                original direction: when it goes to a
 *                                TFTP port (alg_cfg[TFTP].ports) and is a
 *                                read/write request, open the pinhole the
 *                                reply needs (mode on) or count it
 *                                (observe); mode off: nothing at all
 *
 * Why a pinhole: the server answers from a new port of its own (its
 * transfer ID, RFC 1350 section 4), so the reply is no reply of the request
 * flow.  The pinhole admits the request's server, from any port, to the
 * request flow's public port (IPv6, not translated: the client's own port,
 * still needed because unsolicited inbound IPv6 is dropped), and the first
 * packet turns it into a DNAT flow to the client (tc_new_inbound).  The key
 * (server, public port) belongs to one request flow, so a retransmitted
 * request renews its pinhole instead of adding one: one pinhole per flow,
 * BPFALG_MAX_PINHOLES in all.  TFTP flows are never control flows (alg.h's
 * alg_for_flow() is TCP only): no payload is rewritten, nothing is punted.
 */
#ifndef BPFALG_TFTP_H
#define BPFALG_TFTP_H

#include "bpfalg.h"

#define TFTP_OP_RRQ 1
#define TFTP_OP_WRQ 2
/* RFC 2347: a request, options included, fits in 512 bytes. */
#define TFTP_REQ_MAX 512
/* Longest mode string (netascii). */
#define TFTP_MODE_MAX 8

/*
 * A pinhole waits this long for the server's first packet.  A server
 * answers a request at once; a client that hears nothing retransmits the
 * request after a few seconds (tftp-hpa: 5 s), which renews the pinhole,
 * so 10 s covers one lost answer without leaving the hole open for long.
 */
#define TFTP_PINHOLE_TIMEOUT_S 10

enum tftp_req_verdict {
	TFTP_REQ_MORE = 0, /* need more bytes */
	TFTP_REQ_OK = 1, /* opcode, filename, NUL, known mode, NUL */
	TFTP_REQ_BAD = 2,
};

/* Checker state: zero it, then feed the payload from its first byte. */
struct tftp_req_scan {
	__u64 mode; /* mode so far, lower case, one byte per 8 bits */
	__u32 pos; /* bytes consumed */
	__u32 name_len; /* filename bytes */
	__u32 mode_len; /* mode bytes */
	__u8 opcode;
	__u8 verdict; /* enum tftp_req_verdict */
	__u8 in_mode; /* past the filename's NUL */
	__u8 pad;
};

#define TFTP_PACK4(a, b, c, d)                                         \
	(((__u64)(a) << 24) | ((__u64)(b) << 16) | ((__u64)(c) << 8) | \
	 (__u64)(d))
#define TFTP_MODE_MAIL TFTP_PACK4('m', 'a', 'i', 'l')
#define TFTP_MODE_OCTET ((TFTP_PACK4('o', 'c', 't', 'e') << 8) | 't')
#define TFTP_MODE_NETASCII                        \
	((TFTP_PACK4('n', 'e', 't', 'a') << 32) | \
	 TFTP_PACK4('s', 'c', 'i', 'i'))

/*
 * One byte of a request.  Returns the verdict so far; once it is not
 * TFTP_REQ_MORE, the bytes after it do not matter (options, RFC 2347).
 * Modes are RFC 1350's, in any case; the filename may hold any byte but
 * NUL and must not be empty.
 */
static __always_inline __u8 tftp_req_step(struct tftp_req_scan *s, __u8 b)
{
	__u32 pos = s->pos++;

	if (s->verdict != TFTP_REQ_MORE)
		return s->verdict;
	if (pos == 0) {
		if (b != 0)
			s->verdict = TFTP_REQ_BAD;
	} else if (pos == 1) {
		if (b != TFTP_OP_RRQ && b != TFTP_OP_WRQ)
			s->verdict = TFTP_REQ_BAD;
		s->opcode = b;
	} else if (!s->in_mode) {
		if (b)
			s->name_len++;
		else if (s->name_len)
			s->in_mode = 1;
		else
			s->verdict = TFTP_REQ_BAD; /* empty filename */
	} else if (b) {
		if (++s->mode_len > TFTP_MODE_MAX)
			s->verdict = TFTP_REQ_BAD;
		if (b >= 'A' && b <= 'Z')
			b |= 0x20;
		s->mode = (s->mode << 8) | b;
	} else {
		s->verdict =
			(s->mode_len == 8 && s->mode == TFTP_MODE_NETASCII) ||
					(s->mode_len == 5 &&
					 s->mode == TFTP_MODE_OCTET) ||
					(s->mode_len == 4 &&
					 s->mode == TFTP_MODE_MAIL) ?
				TFTP_REQ_OK :
				TFTP_REQ_BAD;
	}
	return s->verdict;
}

#ifndef __bpf__
/* The checker over a whole payload (what TC does with at most
 * TFTP_REQ_MAX bytes of it): a request cut short is bad.
 */
static inline __u8 tftp_req_check(const __u8 *buf, __u32 len,
				  struct tftp_req_scan *s)
{
	__builtin_memset(s, 0, sizeof(*s));
	for (__u32 i = 0; i < len && i < TFTP_REQ_MAX; i++)
		if (tftp_req_step(s, buf[i]) != TFTP_REQ_MORE)
			return s->verdict;
	return TFTP_REQ_BAD;
}
#else /* the datapath */

#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/flow.h"
#include "lib/nat.h"
#include "lib/alg.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* Per-CPU scratch: the request bytes and the pinhole being built stay off
 * the 512-byte stack that tc_outside() shares with its subprograms.
 */
struct tftp_scratch {
	__u8 buf[TFTP_REQ_MAX];
	struct tftp_req_scan s;
	__u32 len;
	struct bpfalg_pinhole ph;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tftp_scratch);
} tftp_scratch SEC(".maps");

static long tftp_scan_byte(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct tftp_scratch *sc = bpf_map_lookup_elem(&tftp_scratch, &zero);

	if (!sc || i >= sc->len)
		return 1;
	return tftp_req_step(&sc->s, sc->buf[i & (TFTP_REQ_MAX - 1)]) !=
	       TFTP_REQ_MORE;
}

/* The payload of @p, as far as TFTP_REQ_MAX bytes, through the checker. */
static __always_inline __u8 tftp_scan(struct __sk_buff *skb,
				      const struct pkt *p,
				      struct tftp_scratch *sc)
{
	__u32 hdrs = p->l4_off - p->l3_off + 8, len;

	__builtin_memset(&sc->s, 0, sizeof(sc->s));
	if (p->l3_len <= hdrs)
		return TFTP_REQ_BAD;
	len = p->l3_len - hdrs;
	if (len > TFTP_REQ_MAX)
		len = TFTP_REQ_MAX;
	/* the same value, in a form the verifier sees as 1..TFTP_REQ_MAX */
	len = ((len - 1) & (TFTP_REQ_MAX - 1)) + 1;
	sc->len = len;
	if (bpf_skb_load_bytes(skb, p->l4_off + 8, sc->buf, len))
		return TFTP_REQ_BAD;
	bpf_loop(TFTP_REQ_MAX, tftp_scan_byte, NULL, 0);
	return sc->s.verdict == TFTP_REQ_OK ? TFTP_REQ_OK : TFTP_REQ_BAD;
}

/*
 * Open (or renew) the pinhole of request flow @f, whose original tuple is
 * @p->t.  A live pinhole of another owner under the same key is left
 * alone; an expired one is replaced.
 */
static __always_inline void tftp_open(const struct pkt *p,
				      const struct bpfalg_flow *f,
				      struct tftp_scratch *sc, __u64 now)
{
	struct bpfalg_pinhole_key pk = {};
	struct bpfalg_pinhole *ph = &sc->ph, *old;
	long err;

	__builtin_memcpy(pk.remote, p->t.daddr, 16);
	/* IPv6 is not translated: the client's own port */
	pk.public_port =
		p->t.family == BPFALG_AF_INET ? f->reply4.dport : p->t.sport;
	pk.proto = BPFALG_IPPROTO_UDP;
	pk.family = p->t.family;

	__builtin_memset(ph, 0, sizeof(*ph));
	__builtin_memcpy(ph->inside_addr, p->t.saddr, 16);
	ph->inside_port = p->t.sport;
	ph->remote_port = 0; /* the server's new port is not known yet */
	ph->alg = BPFALG_ALG_TFTP;
	ph->in_ifindex = f->in_ifindex;
	ph->expires_ns = now + TFTP_PINHOLE_TIMEOUT_S * NSEC_PER_SEC;
	__builtin_memcpy(&ph->owner, &p->t, sizeof(ph->owner));

	err = bpf_map_update_elem(&pinholes, &pk, ph, BPF_NOEXIST);
	if (!err) {
		alg_count(BPFALG_ALG_TFTP, BPFALG_ADP_PH_OPENED);
		return;
	}
	if (err != -EEXIST) {
		alg_count(BPFALG_ALG_TFTP, BPFALG_ADP_PH_FULL);
		return;
	}
	old = bpf_map_lookup_elem(&pinholes, &pk);
	if (old && tuple_eq(&old->owner, &p->t)) {
		/* whole-value replacement: a reader sees old or new */
		if (!bpf_map_update_elem(&pinholes, &pk, ph, BPF_EXIST))
			alg_count(BPFALG_ALG_TFTP, BPFALG_ADP_PH_REFRESHED);
		return;
	}
	if (old && old->expires_ns < now &&
	    !bpf_map_update_elem(&pinholes, &pk, ph, BPF_EXIST)) {
		alg_count(BPFALG_ALG_TFTP, BPFALG_ADP_PH_OPENED);
		return;
	}
	/* live and someone else's, or consumed while we looked */
	alg_count(BPFALG_ALG_TFTP, BPFALG_ADP_PH_CONFLICT);
}

static __noinline void tftp_request(struct __sk_buff *skb, const struct pkt *p,
				    const struct bpfalg_flow *f, __u32 mode,
				    __u64 now)
{
	__u32 zero = 0;
	struct tftp_scratch *sc = bpf_map_lookup_elem(&tftp_scratch, &zero);

	if (!sc || !p || !f)
		return;
	if (tftp_scan(skb, p, sc) != TFTP_REQ_OK) {
		alg_count(BPFALG_ALG_TFTP, BPFALG_ADP_BAD_REQUEST);
		return;
	}
	if (mode == BPFALG_MODE_OBSERVE) {
		alg_count(BPFALG_ALG_TFTP, BPFALG_ADP_OBSERVED);
		return;
	}
	tftp_open(p, f, sc, now);
}

/* The hook: cheap for every other UDP packet (one array lookup). */
static __always_inline void tftp_outbound(struct __sk_buff *skb,
					  const struct pkt *p,
					  const struct bpfalg_flow *f,
					  __u64 now)
{
	__u32 k = BPFALG_ALG_TFTP;
	struct bpfalg_alg_cfg *a;

	if (p->t.proto != BPFALG_IPPROTO_UDP || p->kind != PK_PORTS)
		return;
	a = bpf_map_lookup_elem(&alg_cfg, &k);
	if (!a || a->mode == BPFALG_MODE_OFF ||
	    !alg_port_is(a, bpf_ntohs(p->t.dport)))
		return;
	tftp_request(skb, p, f, a->mode, now);
}

#endif /* __bpf__ */
#endif /* BPFALG_TFTP_H */
