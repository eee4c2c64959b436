/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stream.h - per-direction TCP byte stream of a control flow, rewritten
 * line by line, with the sequence-number bookkeeping that makes a changed
 * length invisible to both ends.
 *
 *   stream_segment(st, dir, &in, &out)   one punted segment in, zero or
 *                                        more segments to send out
 *
 * What it guarantees:
 *  - Lines are handed to ops->line once each, complete and in order.  A
 *    line split across segments is held until its end arrives when
 *    ops->hold says it may matter (at most STREAM_HOLD_MAX bytes).  Held
 *    bytes are acknowledged to their sender (out.hold_ack), so that it
 *    goes on sending; the line they start is then recorded, so that a
 *    retransmission of its rest carries all of it.  If its end never
 *    comes, stream_expire_holds() closes the stream: a held line is never
 *    sent unchecked.
 *  - A retransmission of data already sent goes out again with the same
 *    bytes: rewritten lines are replayed from a record, the rest copied.
 *    One that starts or ends inside a rewritten line carries the whole
 *    line (never half of one: the receiver trims what it has).  One
 *    reaching back to a rewritten line whose record is gone (more than
 *    STREAM_RECS rewrites unacknowledged, or a history loaded at a
 *    restart) is dropped.
 *  - Output fits STREAM_OUT_MAX: a line is rewritten only if the rest of
 *    the data still fits after it (else it goes unchanged); new data that
 *    does not fit after a replay is not taken (the sender sends it again).
 *  - A segment beyond a gap is queued (STREAM_OOO_MAX of them) until the
 *    gap fills, or dropped when the queue is full.
 *  - Every length change adds a correction point to the direction's
 *    history (struct bpfalg_seqadj, as the datapath reads it); out.adj_changed
 *    tells the caller to publish it.
 * No sockets, no maps: unit-tested and fuzzed as it is.
 */
#ifndef BPFALG_ENGINE_STREAM_H
#define BPFALG_ENGINE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfalg.h"

/* Bytes held back at most: a line (FTP, RTSP) or a framed message (SIP
 * over TCP, whose messages with SDP are one to a few KiB).
 */
#define STREAM_HOLD_MAX 4096
#define STREAM_RECS BPFALG_SEQADJ_POINTS
#define STREAM_OOO_MAX 4
#define STREAM_OUT_MAX 8192
#define STREAM_CHUNKS 8
/* A rewritten line may grow by at most this much. */
#define STREAM_LINE_GROWTH 128
/* ops->line: the line is refused (see alg.h ALG_LINE_REFUSE). */
#define STREAM_LINE_REFUSE (-2)
/* ops->frame: more bytes are needed, and the whole message will be @len
 * bytes long (its header said so); STREAM_FRAME_LEN() reads it back.
 */
#define STREAM_FRAME_NEED(len) (-2 - (long)(len))
#define STREAM_FRAME_LEN(rc) ((size_t)(-2 - (rc)))
/* Refusal text sent back per segment, at most. */
#define STREAM_INJECT_MAX 512

struct stream_ops {
	/* A complete line (terminator included): write what to send instead
	 * into @out (@cap bytes) and return its length (the same bytes when
	 * unchanged), or -1 to send the line unchanged, or
	 * STREAM_LINE_REFUSE: the line is removed from the stream and the
	 * NUL-terminated text in @out goes back to its sender, inserted into
	 * the other direction (which then carries one more correction point).
	 */
	int (*line)(void *ctx, int dir, const uint8_t *line, size_t len,
		    uint8_t *out, size_t cap);
	/* An incomplete line at the end of the data: hold it back? */
	bool (*hold)(void *ctx, int dir, const uint8_t *buf, size_t len);
	/* Optional: the stream is made of messages, not lines (SIP over
	 * TCP).  The length of the complete message at @buf, 0 when more
	 * bytes are needed, STREAM_FRAME_NEED(L) when more are needed and
	 * the message is L bytes long, -1 when it cannot be framed: the
	 * direction is then passed through unchanged for good.  Messages go
	 * to ->line.  One longer than STREAM_HOLD_MAX whose length is known
	 * goes out unchanged, and framing resumes after it.
	 */
	long (*frame)(void *ctx, int dir, const uint8_t *buf, size_t len);
};

/* One rewritten line: original bytes [a, b) went out as out[0..len). */
struct stream_rec {
	uint32_t a, b;
	uint8_t *out;
	size_t len;
};

struct stream_ooo {
	uint32_t seq;
	uint8_t *data;
	size_t len;
	bool fin;
};

struct stream_dir {
	bool init;
	bool midline; /* the last byte sent was not a line end */
	uint32_t sent; /* original seq: everything before went out */
	uint32_t next; /* original seq: [sent, next) is held */
	uint32_t first; /* original seq of the first byte this stream saw */
	uint8_t hold[STREAM_HOLD_MAX];
	uint64_t hold_since_ns;
	bool unframed; /* framing lost (ops->frame said -1): pass through */
	/* a framed message longer than the hold goes out unchanged up to
	 * skip_end (original seq), where the next one starts
	 */
	bool skipping;
	uint32_t skip_end;
	size_t mss; /* largest payload seen */
	size_t path_mss; /* output found too large for the way out: cut at
			  * this (0: no limit found)
			  */
	struct bpfalg_seqadj adj;
	struct stream_rec rec[STREAM_RECS]; /* ring, oldest first at rec_head */
	unsigned int rec_head, rec_n;
	bool rec_lost; /* a record was forgotten: nothing before rec_floor */
	uint32_t rec_floor; /* can be replayed */
	/* a history was loaded (controller restart): everything before
	 * loaded_end went out before, and is never parsed again
	 */
	bool loaded;
	uint32_t loaded_end;
	struct stream_ooo ooo[STREAM_OOO_MAX];
};

struct stream_stats {
	uint64_t held, retrans, ooo, dropped;
	uint64_t widened; /* retransmissions sent with whole rewritten lines */
	uint64_t passed_long; /* framed messages too long to hold: unchanged */
};

struct stream {
	struct stream_dir d[2];
	bool closed; /* a hold expired: nothing goes through any more */
	const struct stream_ops *ops;
	void *ctx;
	struct stream_stats *stats;
};

struct stream_in {
	uint32_t seq; /* original sequence number of the first payload byte */
	const uint8_t *data;
	size_t len;
	size_t seg_size; /* the sender's segment size when the data came
			  * merged (GRO), else 0: its length is
			  */
	bool fin;
	bool has_ack;
	uint32_t ack; /* wire acknowledgement number the segment carries */
	uint64_t now_ns;
};

struct stream_chunk {
	uint32_t seq; /* wire sequence number */
	size_t off, len; /* bytes in stream_out.buf */
	bool fin; /* carries the original segment's FIN */
};

struct stream_out {
	uint8_t buf[STREAM_OUT_MAX];
	size_t len;
	struct stream_chunk chunk[STREAM_CHUNKS];
	int n;
	bool adj_changed;
	const char *dropped; /* reason, when the segment could not be served */
	/* refusals: text for the segment's sender, at wire sequence number
	 * inject_seq of the other direction, acknowledging the sender's
	 * bytes up to inject_ack (its own numbering)
	 */
	uint8_t inject[STREAM_INJECT_MAX];
	size_t inject_len;
	uint32_t inject_seq, inject_ack;
	int n_refused;
	const char *inject_failed; /* a refusal that could not be answered */
	/* a retransmission reached a refused line: its sender never got
	 * the answer (which acknowledges the line), so send it again
	 */
	bool refused_again;
	/* bytes are held: acknowledge the sender's data up to hold_ack_seq
	 * (its own numbers) with a pure ACK as from the other end
	 */
	bool hold_ack;
	uint32_t hold_ack_seq;
	/* held (and acknowledged) bytes went out: their record must
	 * outlive a controller restart (stream_load_rec)
	 */
	bool held_sent;
};

/* stream_out.dropped when a retransmission reaches back to a rewritten
 * line no record is left of: it can never be served.
 */
extern const char stream_forgotten[];

void stream_init(struct stream *st, const struct stream_ops *ops, void *ctx,
		 struct stream_stats *stats);
/* Start a direction from a published history (controller restart): the
 * data before its last point went out before and is never parsed again;
 * a retransmission of it is replayed from the records loaded with
 * stream_load_rec (the newest rewritten lines, oldest first, kept in map
 * ctl_replay), or dropped when it reaches a rewrite without one.
 */
void stream_load_adj(struct stream *st, int dir, const struct bpfalg_seqadj *a);
int stream_load_rec(struct stream *st, int dir, uint32_t a, uint32_t b,
		    const uint8_t *out, size_t len);
/* How far direction @dir went out before a restart (@sent): bytes before
 * it are never parsed again, unchanged ones replay as they are.
 */
void stream_load_sent(struct stream *st, int dir, uint32_t sent);
/* Bytes direction @dir held at a restart, from its sequence number @start
 * (before any segment of the direction is seen).
 */
int stream_load_hold(struct stream *st, int dir, uint32_t start,
		     const uint8_t *buf, size_t len, uint64_t now_ns);
/* The newest record of direction @dir, NULL if none; stream_rec_at(st,
 * dir, k): the k-th newest (0 the newest), NULL beyond.
 */
const struct stream_rec *stream_last_rec(const struct stream *st, int dir);
const struct stream_rec *stream_rec_at(const struct stream *st, int dir,
				       unsigned int k);

/*
 * The text inserted into direction @dir (refusal answers) that its
 * records still have, at points its history still has, as runs of at
 * most @cap bytes, oldest first (the texts at one point can add up to
 * more than one answer holds: they are cut between records, each of
 * which fits STREAM_INJECT_MAX): run @i's bytes into @buf, its wire
 * sequence number into @seq; its length, 0 when there is no run @i.
 */
size_t stream_text_run(const struct stream *st, int dir, unsigned int i,
		       uint8_t *buf, size_t cap, uint32_t *seq);
void stream_free(struct stream *st);

/* Returns the number of chunks to send (0: the original is absorbed or
 * dropped, out->dropped says which).
 */
int stream_segment(struct stream *st, int dir, const struct stream_in *in,
		   struct stream_out *out);

/* Holds older than @age_ns: the stream is closed (every later segment is
 * dropped; the caller resets the connection), never released unchecked.
 * Returns how many expired.
 */
int stream_expire_holds(struct stream *st, uint64_t now_ns, uint64_t age_ns);

/* Add a correction point after the line [start, pos) (start == pos: text
 * inserted at pos); exposed for tests.
 */
void seqadj_push(struct bpfalg_seqadj *a, uint32_t start, uint32_t pos,
		 int32_t delta);

#endif /* BPFALG_ENGINE_STREAM_H */
