// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stream.c - see stream.h. */
#include <stdlib.h>
#include <string.h>

#include "bpfalg_seqadj.h"
#include "engine/stream.h"

#define MIN_MSS 536

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

void seqadj_push(struct bpfalg_seqadj *a, uint32_t start, uint32_t pos,
		 int32_t delta)
{
	uint32_t len = pos - start;

	if (a->n && a->pt[a->n - 1].pos == pos) {
		/* text inserted right after a rewritten line: one point,
		 * whose line still starts where the rewritten one did
		 */
		a->pt[a->n - 1].delta = delta;
		if (a->pt[a->n - 1].len < len)
			a->pt[a->n - 1].len = len;
		return;
	}
	if (a->n == BPFALG_SEQADJ_POINTS) {
		/* oldest point folds into the base offset */
		a->base = a->pt[0].delta;
		memmove(a->pt, a->pt + 1, (a->n - 1) * sizeof(a->pt[0]));
		a->n--;
	}
	a->pt[a->n].pos = pos;
	a->pt[a->n].delta = delta;
	a->pt[a->n].len = len;
	a->n++;
}

static void rec_add(struct stream_dir *d, uint32_t a, uint32_t b,
		    const uint8_t *out, size_t len);

const char stream_forgotten[] = "retransmission of a forgotten rewrite";

static void loaded_floor(struct stream_dir *d);
static void rec_forget(struct stream_dir *d, uint32_t b);

void stream_init(struct stream *st, const struct stream_ops *ops, void *ctx,
		 struct stream_stats *stats)
{
	memset(st, 0, sizeof(*st));
	st->ops = ops;
	st->ctx = ctx;
	st->stats = stats;
}

void stream_load_adj(struct stream *st, int dir, const struct bpfalg_seqadj *a)
{
	struct bpfalg_seqadj *d = &st->d[dir & 1].adj;

	*d = *a;
	if (d->n > BPFALG_SEQADJ_POINTS)
		d->n = BPFALG_SEQADJ_POINTS;
	if (d->n) {
		struct stream_dir *sd = &st->d[dir & 1];

		sd->loaded = true;
		sd->loaded_end = d->pt[d->n - 1].pos;
	}
}

/* Does the loaded history have a point after the line [a, b)? */
static bool loaded_point(const struct stream_dir *d, uint32_t a, uint32_t b)
{
	for (unsigned int i = 0; i < d->adj.n; i++)
		if (d->adj.pt[i].pos == b && d->adj.pt[i].len == b - a)
			return true;
	return false;
}

int stream_load_rec(struct stream *st, int dir, uint32_t a, uint32_t b,
		    const uint8_t *out, size_t len)
{
	struct stream_dir *d = &st->d[dir & 1];
	const struct stream_rec *last = stream_last_rec(st, dir);

	/* records of rewrites the history has, or of unchanged lines (held
	 * ones: their start was acknowledged to their sender), oldest first
	 */
	if (d->init || (last && !seq_le(last->b, a)) || len > STREAM_OUT_MAX ||
	    !(len == b - a || (d->loaded && loaded_point(d, a, b))))
		return -1;
	rec_add(d, a, b, out, len);
	/* what went out before the restart */
	if (!d->loaded || seq_lt(d->loaded_end, b)) {
		d->loaded = true;
		d->loaded_end = b;
	}
	return 0;
}

void stream_load_sent(struct stream *st, int dir, uint32_t sent)
{
	struct stream_dir *d = &st->d[dir & 1];

	if (d->init)
		return;
	if (!d->loaded || seq_lt(d->loaded_end, sent)) {
		d->loaded = true;
		d->loaded_end = sent;
	}
}

int stream_load_hold(struct stream *st, int dir, uint32_t start,
		     const uint8_t *buf, size_t len, uint64_t now_ns)
{
	struct stream_dir *d = &st->d[dir & 1];

	if (d->init || !len || len >= STREAM_HOLD_MAX ||
	    (d->loaded && seq_lt(start, d->loaded_end)))
		return -1;
	d->init = true;
	d->first = d->sent = start;
	d->next = start + (uint32_t)len;
	memcpy(d->hold, buf, len);
	d->hold_since_ns = now_ns;
	if (d->loaded)
		loaded_floor(d); /* what went before the hold: as at init */
	return 0;
}

/*
 * A loaded history: nothing before the newest point without its record
 * can be replayed (what that line went out as is not known), nor before
 * the oldest record when older points may have been folded into the base
 * (a full history: the folded ones' deltas can add up to a zero base).
 */
static void loaded_floor(struct stream_dir *d)
{
	const struct bpfalg_seqadj *a = &d->adj;

	for (unsigned int i = a->n; i-- > 0;) {
		bool kept = false;

		for (unsigned int k = 0; k < d->rec_n; k++) {
			const struct stream_rec *r =
				&d->rec[(d->rec_head + k) % STREAM_RECS];

			if (r->b == a->pt[i].pos && r->b - r->a == a->pt[i].len)
				kept = true;
		}
		if (!kept) {
			rec_forget(d, a->pt[i].pos);
			return;
		}
	}
	if ((a->base || a->n == BPFALG_SEQADJ_POINTS) && d->rec_n)
		rec_forget(d, d->rec[d->rec_head].a);
}

const struct stream_rec *stream_rec_at(const struct stream *st, int dir,
				       unsigned int k)
{
	const struct stream_dir *d = &st->d[dir & 1];

	if (k >= d->rec_n)
		return NULL;
	return &d->rec[(d->rec_head + d->rec_n - 1 - k) % STREAM_RECS];
}

const struct stream_rec *stream_last_rec(const struct stream *st, int dir)
{
	return stream_rec_at(st, dir, 0);
}

static bool rec_is_text(const struct stream_rec *r)
{
	return r && r->a == r->b && r->len && r->out;
}

size_t stream_text_run(const struct stream *st, int dir, unsigned int i,
		       uint8_t *buf, size_t cap, uint32_t *seq)
{
	const struct stream_dir *d = &st->d[dir & 1];
	unsigned int run = 0;
	size_t len = 0;
	bool open = false;

	/* oldest first */
	for (unsigned int k = d->rec_n; k-- > 0;) {
		const struct stream_rec *r = stream_rec_at(st, dir, k);
		const struct stream_rec *prev = stream_rec_at(st, dir, k + 1);
		bool pt = false, joins;
		uint32_t tail = 0;

		if (!rec_is_text(r)) {
			if (open && run++ == i)
				return len;
			open = false;
			continue;
		}
		/* where the text went is known only while its point is
		 * in the history (folded away, it is not)
		 */
		for (unsigned int p = 0; p < d->adj.n; p++)
			pt |= d->adj.pt[p].pos == r->a;
		if (!pt || r->len > cap) {
			if (open && run++ == i)
				return len;
			open = false;
			continue;
		}
		joins = open && rec_is_text(prev) && prev->a == r->a &&
			len + r->len <= cap;
		if (!joins) {
			if (open && run++ == i)
				return len;
			open = true;
			len = 0;
			/* the texts at a point end at its offset: this one
			 * starts before those that follow it there
			 */
			for (unsigned int m = k + 1; m-- > 0;) {
				const struct stream_rec *q =
					stream_rec_at(st, dir, m);

				if (!rec_is_text(q) || q->a != r->a)
					break;
				tail += (uint32_t)q->len;
			}
			*seq = r->a + (uint32_t)seqadj_off(&d->adj, r->a) -
			       tail;
		}
		if (run == i)
			memcpy(buf + len, r->out, r->len);
		len += r->len;
	}
	return open && run == i ? len : 0;
}

void stream_free(struct stream *st)
{
	for (int i = 0; i < 2; i++) {
		struct stream_dir *d = &st->d[i];

		for (unsigned int r = 0; r < STREAM_RECS; r++)
			free(d->rec[r].out);
		for (int q = 0; q < STREAM_OOO_MAX; q++)
			free(d->ooo[q].data);
	}
	memset(st->d, 0, sizeof(st->d));
}

/* What one call sends: one contiguous run, starting at wire_start. */
struct emit {
	struct stream_out *o;
	struct stream_dir *d;
	bool started;
	uint32_t orig_start, wire_start;
	uint32_t orig_end; /* original seq after the last byte sent */
	bool overflow;
	bool widened; /* a replay grew to whole rewritten lines */
};

static void emit_bytes(struct emit *em, uint32_t orig_seq, const uint8_t *p,
		       size_t n)
{
	struct stream_out *o = em->o;

	if (!em->started) {
		em->started = true;
		em->orig_start = orig_seq;
		em->wire_start = orig_seq + seqadj_off(&em->d->adj, orig_seq);
	}
	if (n > STREAM_OUT_MAX - o->len) {
		em->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* A record is forgotten (evicted, or never made): what it replaced is
 * not known any more, so nothing before its end can be replayed.
 */
static void rec_forget(struct stream_dir *d, uint32_t b)
{
	if (!d->rec_lost || seq_lt(d->rec_floor, b))
		d->rec_floor = b;
	d->rec_lost = true;
}

static void rec_add(struct stream_dir *d, uint32_t a, uint32_t b,
		    const uint8_t *out, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	unsigned int i;

	if (!copy) {
		/* no record: a retransmission of it will be dropped */
		rec_forget(d, b);
		return;
	}
	if (d->rec_n == STREAM_RECS) {
		struct stream_rec *old = &d->rec[d->rec_head];

		rec_forget(d, old->b);
		free(old->out);
		old->out = NULL;
		d->rec_head = (d->rec_head + 1) % STREAM_RECS;
		d->rec_n--;
	}
	i = (d->rec_head + d->rec_n) % STREAM_RECS;
	free(d->rec[i].out);
	memcpy(copy, out, len);
	d->rec[i].out = copy;
	d->rec[i].a = a;
	d->rec[i].b = b;
	d->rec[i].len = len;
	d->rec_n++;
}

/*
 * Text inserted at @pos: it joins the text already inserted there (one
 * record per point, up to STREAM_INJECT_MAX bytes), so that refusals
 * answered together do not push the oldest part of their own answer out
 * of the records (what is left could not fill the hole).
 */
static void rec_add_text(struct stream_dir *d, uint32_t pos,
			 const uint8_t *text, size_t len)
{
	struct stream_rec *r =
		d->rec_n ? &d->rec[(d->rec_head + d->rec_n - 1) % STREAM_RECS] :
			   NULL;
	uint8_t *grown;

	if (r && r->a == pos && r->b == pos && r->out && r->len &&
	    r->len + len <= STREAM_INJECT_MAX &&
	    (grown = realloc(r->out, r->len + len))) {
		memcpy(grown + r->len, text, len);
		r->out = grown;
		r->len += len;
		return;
	}
	rec_add(d, pos, pos, text, len);
}

/* Does record @r fall in the retransmitted range [s, end)?  A zero-width
 * record (text inserted at a point, see refuse_line) belongs to a range
 * that reaches its point, so that the run stays contiguous when new data
 * follows it.
 */
static bool rec_in(const struct stream_rec *r, uint32_t s, uint32_t end)
{
	if (r->a == r->b)
		return seq_lt(s, r->a) && seq_le(r->a, end);
	return seq_lt(r->a, end) && seq_lt(s, r->b);
}

/*
 * Bytes [s, s + n) were sent before: send them again, rewritten lines
 * replayed from their records.  A rewritten line the range starts or ends
 * inside goes out whole: an acknowledgement inside a rewritten line's wire
 * bytes maps to the line's start (bpfalg_seqadj.h), so its sender resends
 * from there, and a receiver trims what it already has.  NULL, or why it
 * cannot be done.
 */
static const char *replay(struct emit *em, uint32_t s, const uint8_t *data,
			  size_t n)
{
	struct stream_dir *d = em->d;
	uint32_t lo = s, hi = s + (uint32_t)n, cur, len, wire_len;

	/* records are disjoint and ordered: widening once to the records
	 * cut at either end is enough
	 */
	for (unsigned int k = 0; k < d->rec_n; k++) {
		struct stream_rec *r = &d->rec[(d->rec_head + k) % STREAM_RECS];

		if (!r->out || !rec_in(r, s, s + (uint32_t)n))
			continue;
		if (seq_lt(r->a, lo))
			lo = r->a;
		if (seq_lt(hi, r->b))
			hi = r->b;
	}
	if (d->rec_lost && seq_lt(lo, d->rec_floor))
		return stream_forgotten;
	len = hi - lo;
	for (unsigned int k = 0; k < d->rec_n; k++) {
		struct stream_rec *r = &d->rec[(d->rec_head + k) % STREAM_RECS];

		if (r->out && rec_in(r, lo, hi))
			len += (uint32_t)r->len - (r->b - r->a);
	}
	/* every correction point in (lo, hi] has its record (not so for a
	 * history loaded at a restart)
	 */
	wire_len = hi + (uint32_t)seqadj_off(&d->adj, hi) -
		   (lo + (uint32_t)seqadj_off(&d->adj, lo));
	if (len != wire_len)
		return stream_forgotten;
	cur = lo;
	for (unsigned int k = 0; k < d->rec_n; k++) {
		struct stream_rec *r = &d->rec[(d->rec_head + k) % STREAM_RECS];

		if (!r->out || !rec_in(r, lo, hi))
			continue;
		/* what lies between records is in the segment: only the
		 * first and the last record can reach outside it
		 */
		emit_bytes(em, cur, data + (cur - s), r->a - cur);
		emit_bytes(em, r->a, r->out, r->len);
		if (r->a != r->b && !r->len)
			em->o->refused_again = true;
		cur = r->b;
	}
	emit_bytes(em, cur, data + (cur - s), hi - cur);
	if (lo != s || hi != s + (uint32_t)n)
		em->widened = true;
	return NULL;
}

/*
 * The line [a, b) of direction @dir was refused: its sender gets @text,
 * inserted into the other direction at the point it has reached, as a
 * zero-width record there (so a retransmission of the other side that
 * spans the point replays it) and a correction point (so the other
 * side's later bytes and the sender's acknowledgements shift by its
 * length).  The other side must be between lines: text cannot go into
 * the middle of one of its lines.
 */
static void refuse_line(struct stream *st, int dir, const struct stream_in *in,
			uint32_t b, const uint8_t *text, size_t room,
			struct stream_out *o)
{
	struct stream_dir *od = &st->d[dir ^ 1];
	size_t tlen = room ? strnlen((const char *)text, room) : 0;
	uint32_t pos;

	o->n_refused++;
	o->inject_ack = b;
	if (tlen == room)
		tlen = 0; /* not terminated: nothing trustworthy to send */
	if (!tlen)
		return;
	if (o->inject_len + tlen > STREAM_INJECT_MAX) {
		o->inject_failed = "refusal text too long";
		return;
	}
	if (od->init) {
		if (od->midline) {
			o->inject_failed =
				"the other side is in the middle of a line";
			return;
		}
		pos = od->sent;
	} else if (in->has_ack) {
		pos = seqadj_unack(&od->adj, in->ack);
		/* a rebuilt session: the other side's bytes before
		 * loaded_end went out before (the sender's acknowledgement
		 * may not have reached them yet): the text goes after them
		 */
		if (od->loaded && seq_lt(pos, od->loaded_end))
			pos = od->loaded_end;
	} else {
		o->inject_failed = "the other side's position is not known";
		return;
	}
	/* checked before the other side is started at @pos: once started,
	 * its bytes from there would be taken as new
	 */
	if (od->adj.n && seq_lt(pos, od->adj.pt[od->adj.n - 1].pos)) {
		o->inject_failed = "the other side's history is ahead";
		return;
	}
	if (!od->init) {
		od->init = true;
		od->first = od->sent = od->next = pos;
		if (od->loaded)
			loaded_floor(od); /* as stream_segment starts it */
	}
	if (!o->inject_len)
		o->inject_seq = pos + (uint32_t)seqadj_off(&od->adj, pos);
	memcpy(o->inject + o->inject_len, text, tlen);
	o->inject_len += tlen;
	rec_add_text(od, pos, text, tlen);
	seqadj_push(&od->adj, pos, pos,
		    seqadj_off(&od->adj, pos) + (int32_t)tlen);
	o->adj_changed = true;
}

/*
 * Data [C, C + blen) where C is d->sent (held bytes first): complete lines
 * through ops->line, an incomplete tail held or sent.
 */
static void process_new(struct stream *st, int dir, struct emit *em,
			const uint8_t *buf, size_t blen,
			const struct stream_in *in, struct stream_out *o)
{
	struct stream_dir *d = em->d;
	uint32_t c = d->sent;
	int32_t off = seqadj_off(&d->adj, c), delta = 0;
	bool was_holding = d->next != d->sent, fin = in->fin;
	uint64_t now = in->now_ns;
	size_t pos = 0;

	while (pos < blen) {
		size_t llen, rest, room;
		int n = -1;

		if (d->skipping) {
			/* the rest of a message too long to hold: unchanged */
			uint32_t at = c + (uint32_t)pos;
			size_t k = (size_t)(d->skip_end - at);

			if (k > blen - pos)
				k = blen - pos;
			emit_bytes(em, at, buf + pos, k);
			/* its start was held and acknowledged to its sender:
			 * a record lets a retransmission carry all of it
			 */
			if (was_holding && !pos) {
				rec_add(d, c, c + (uint32_t)k, buf, k);
				o->held_sent = true;
			}
			pos += k;
			if (c + (uint32_t)pos == d->skip_end)
				d->skipping = false; /* the next one starts */
			continue;
		} else if (d->unframed) {
			break;
		} else if (st->ops->frame) {
			long fl = d->midline ? -1 :
					       st->ops->frame(st->ctx, dir,
							      buf + pos,
							      blen - pos);

			/* longer than it could ever be held, its length
			 * known: it passes as it is, framing goes on after
			 */
			if (fl <= -2 && STREAM_FRAME_LEN(fl) > blen - pos &&
			    STREAM_FRAME_LEN(fl) > STREAM_HOLD_MAX && !fin) {
				d->skipping = true;
				d->skip_end =
					c +
					(uint32_t)(pos + STREAM_FRAME_LEN(fl));
				if (st->stats)
					st->stats->passed_long++;
				continue;
			}
			if (fl <= -2)
				break; /* more bytes needed: held below */
			if (fl < 0 || (size_t)fl > blen - pos) {
				d->unframed = true; /* resynchronising is
						     * guesswork: step aside
						     */
				if (st->stats)
					st->stats->dropped++;
				break;
			}
			if (!fl)
				break;
			llen = (size_t)fl;
		} else {
			const uint8_t *nl = memchr(buf + pos, '\n', blen - pos);

			if (!nl)
				break;
			llen = (size_t)(nl - (buf + pos)) + 1;
		}
		/* what follows must still fit unchanged (take_new made sure
		 * all of it does): a line that would not is sent unchanged
		 */
		rest = blen - pos - llen;
		room = STREAM_OUT_MAX - o->len > rest ?
			       STREAM_OUT_MAX - o->len - rest :
			       0;
		if (!d->midline && !em->overflow) {
			/* make sure the run has started so o->buf is ours */
			emit_bytes(em, c + (uint32_t)pos, buf, 0);
			n = st->ops->line(st->ctx, dir, buf + pos, llen,
					  o->buf + o->len, room);
		}
		d->midline = false;
		if (n == STREAM_LINE_REFUSE) {
			uint32_t a = c + (uint32_t)pos, b = a + (uint32_t)llen;

			refuse_line(st, dir, in, b, o->buf + o->len, room, o);
			rec_add(d, a, b, o->buf + o->len, 0);
			delta -= (int32_t)llen;
			seqadj_push(&d->adj, a, b, off + delta);
			o->adj_changed = true;
		} else if (n < 0 || ((size_t)n == llen &&
			      !memcmp(o->buf + o->len, buf + pos, llen))) {
			emit_bytes(em, c + (uint32_t)pos, buf + pos, llen);
			/* its start was held, and acknowledged to its sender
			 * (which will never send it again): a record lets a
			 * retransmission of the rest carry all of it
			 */
			if (was_holding && !pos) {
				rec_add(d, c, c + (uint32_t)llen, buf, llen);
				o->held_sent = true;
			}
		} else {
			uint32_t a = c + (uint32_t)pos, b = a + (uint32_t)llen;

			rec_add(d, a, b, o->buf + o->len, (size_t)n);
			o->held_sent |= was_holding && !pos;
			o->len += (size_t)n;
			delta += n - (int32_t)llen;
			seqadj_push(&d->adj, a, b, off + delta);
			o->adj_changed = true;
		}
		pos += llen;
	}
	if (pos < blen) {
		size_t tail = blen - pos;
		uint32_t end = c + (uint32_t)blen;
		bool hold = !fin && !d->midline && !d->unframed &&
			    tail < STREAM_HOLD_MAX &&
			    (st->ops->frame ||
			     st->ops->hold(st->ctx, dir, buf + pos, tail));

		if (hold) {
			memmove(d->hold, buf + pos, tail);
			d->sent = c + (uint32_t)pos;
			d->next = end;
			if (!was_holding || d->sent != c)
				d->hold_since_ns = now;
			if (st->stats)
				st->stats->held++;
			return;
		}
		emit_bytes(em, c + (uint32_t)pos, buf + pos, tail);
		if (was_holding && !pos) {
			rec_add(d, c, end, buf, tail);
			o->held_sent = true;
		}
		d->midline = true;
	}
	d->sent = d->next = c + (uint32_t)blen;
}

static void ooo_queue(struct stream *st, struct stream_dir *d,
		      const struct stream_in *in, struct stream_out *o)
{
	for (int q = 0; q < STREAM_OOO_MAX; q++) {
		struct stream_ooo *e = &d->ooo[q];

		if (e->data && e->seq == in->seq && e->len >= in->len)
			return; /* already queued */
		if (e->data)
			continue;
		e->data = malloc(in->len);
		if (!e->data)
			break;
		memcpy(e->data, in->data, in->len);
		e->seq = in->seq;
		e->len = in->len;
		e->fin = in->fin;
		if (st->stats)
			st->stats->ooo++;
		return;
	}
	o->dropped = "out-of-order queue full";
	if (st->stats)
		st->stats->dropped++;
}

/* New data from x on (x at or after d->sent).  false: beyond a gap. */
static bool take_new(struct stream *st, int dir, struct emit *em, uint32_t s,
		     const uint8_t *data, size_t len, bool fin,
		     const struct stream_in *in, struct stream_out *o)
{
	struct stream_dir *d = em->d;
	uint32_t e = s + (uint32_t)len;
	uint32_t x = seq_lt(s, d->sent) ? d->sent : s;
	uint8_t comb[STREAM_HOLD_MAX + BPFALG_PUNT_MAX_PKT];
	size_t held, clen;

	if (seq_lt(d->next, x))
		return false;
	if (seq_le(e, d->next) && !(fin && e == d->next))
		return true; /* nothing beyond what is held */
	held = x - d->sent;
	clen = held + (e - x);
	if (held > STREAM_HOLD_MAX || clen > sizeof(comb)) {
		o->dropped = "segment too large";
		return true;
	}
	if (clen > STREAM_OUT_MAX - o->len) {
		/* not taken: neither sent nor counted as sent, the sender
		 * sends it again
		 */
		o->dropped = "rewritten data does not fit";
		if (st->stats)
			st->stats->dropped++;
		return true;
	}
	memcpy(comb, d->hold, held);
	memcpy(comb + held, data + (x - s), e - x);
	{
		struct stream_in sub = *in;

		sub.fin = fin;
		process_new(st, dir, em, comb, clen, &sub, o);
	}
	return true;
}

static void ooo_drain(struct stream *st, int dir, struct emit *em,
		      const struct stream_in *in, struct stream_out *o,
		      bool *fin_sent)
{
	struct stream_dir *d = em->d;
	bool again = true;

	while (again) {
		again = false;
		for (int q = 0; q < STREAM_OOO_MAX; q++) {
			struct stream_ooo *e = &d->ooo[q];
			bool done;

			if (!e->data || seq_lt(d->next, e->seq))
				continue;
			done = !seq_lt(d->next, e->seq + (uint32_t)e->len);
			if (!done || e->fin) {
				take_new(st, dir, em, e->seq, e->data, e->len,
					 e->fin, in, o);
				if (e->fin && d->next == d->sent &&
				    d->sent == e->seq + (uint32_t)e->len)
					*fin_sent = true;
			}
			free(e->data);
			e->data = NULL;
			again = true;
		}
	}
}

int stream_segment(struct stream *st, int dir, const struct stream_in *in,
		   struct stream_out *o)
{
	struct stream_dir *d = &st->d[dir & 1];
	struct emit em = { .o = o, .d = d };
	uint32_t s = in->seq, e = in->seq + (uint32_t)in->len;
	bool fin_sent = false;
	const char *why;
	size_t mss, off;

	o->len = 0;
	o->n = 0;
	o->adj_changed = false;
	o->dropped = NULL;
	o->inject_len = 0;
	o->n_refused = 0;
	o->inject_failed = NULL;
	o->refused_again = false;
	o->hold_ack = false;
	o->held_sent = false;
	if (st->closed) {
		o->dropped = "connection closed: a held line never ended";
		return 0;
	}
	if ((in->seg_size ? in->seg_size : in->len) > d->mss)
		d->mss = in->seg_size ? in->seg_size : in->len;
	if (!d->init) {
		d->init = true;
		d->first = s;
		d->sent = d->next = s;
		if (d->loaded) {
			/* a retransmission of what the previous controller
			 * sent: replayed from its record, or dropped, never
			 * parsed again.  Unchanged bytes replay as they are
			 * (the history gives their offset); a rewrite whose
			 * record is not kept, or folded away, cannot.  So
			 * also when the first segment is new data: one of
			 * them may come later.
			 */
			if (seq_lt(s, d->loaded_end))
				d->sent = d->next = d->loaded_end;
			loaded_floor(d);
		}
	}

	if (seq_lt(s, d->sent)) {
		uint32_t old_end = seq_lt(e, d->sent) ? e : d->sent;

		why = replay(&em, s, in->data, old_end - s);
		if (why) {
			o->dropped = why;
			if (st->stats)
				st->stats->dropped++;
			o->len = 0;
			return 0;
		}
		if (st->stats) {
			st->stats->retrans++;
			st->stats->widened += em.widened;
		}
		if (e == old_end && in->fin)
			fin_sent = true;
	}
	/* nothing new is taken when the old part did not fit */
	if (!em.overflow &&
	    (seq_lt(d->sent, e) || (in->fin && !seq_lt(e, d->sent)))) {
		if (!take_new(st, dir, &em, s, in->data, in->len, in->fin, in,
			      o)) {
			ooo_queue(st, d, in, o);
		} else {
			if (in->fin && d->next == d->sent && d->sent == e)
				fin_sent = true;
			ooo_drain(st, dir, &em, in, o, &fin_sent);
		}
	}
	if (em.overflow) {
		o->dropped = "rewritten data does not fit";
		if (st->stats)
			st->stats->dropped++;
		o->len = 0;
		return 0;
	}
	if (d->next != d->sent) {
		/* held bytes are acknowledged to their sender, as the
		 * receiver would: else, once its retransmission timer has
		 * fired, it sends nothing new until they are, and the line
		 * never ends
		 */
		o->hold_ack = true;
		o->hold_ack_seq = d->next;
	}
	if (!em.started || (!o->len && !fin_sent))
		return 0;

	/* One contiguous run, cut at the largest segment size seen. */
	mss = d->mss < MIN_MSS ? MIN_MSS : d->mss;
	if (d->path_mss && d->path_mss < mss)
		mss = d->path_mss;
	off = 0;
	do {
		struct stream_chunk *c = &o->chunk[o->n];
		size_t n = o->len - off > mss ? mss : o->len - off;

		if (o->n == STREAM_CHUNKS - 1)
			n = o->len - off; /* last slot takes the rest */
		c->seq = em.wire_start + (uint32_t)off;
		c->off = off;
		c->len = n;
		c->fin = false;
		off += n;
		o->n++;
	} while (off < o->len);
	o->chunk[o->n - 1].fin = fin_sent;
	return o->n;
}

int stream_expire_holds(struct stream *st, uint64_t now_ns, uint64_t age_ns)
{
	int n = 0;

	for (int i = 0; i < 2; i++) {
		struct stream_dir *d = &st->d[i];

		if (d->next == d->sent || now_ns - d->hold_since_ns < age_ns)
			continue;
		/* what is held matters (ops->hold said so, or the framing):
		 * sending it unchecked would bypass the policy, so the
		 * connection ends instead
		 */
		st->closed = true;
		n++;
	}
	return n;
}
