// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_stream.c - the controller's TCP stream-rewrite engine
 * (user/engine/stream.c) and segment parse/build (user/engine/packet.c):
 * exact output bytes, chunk sequence numbers and correction points for
 * rewrites, split lines, retransmissions, reordering, held lines, FIN and
 * chunking; the history as the datapath reads it; packets byte for byte.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "bpfalg_seqadj.h"
#include "engine/packet.h"
#include "engine/stream.h"
#include "unit.h"

/* A string literal and its length (embedded NULs included). */
#define LIT(s) s, sizeof(s) - 1

/*
 * The test ALG: a line starting "PORT " becomes LONG when it is shorter
 * than 24 bytes, SHORT otherwise; "GROW..." becomes GROW_LEN bytes and
 * "HUGE..." HUGE_LEN bytes (when they fit).  Partial lines starting with
 * (a prefix of) "PORT" are held.
 */
#define LONG "PORT 100,200,100,200,100,200\r\n" /* 30 */
#define SHORT "PORT 1,2,3,4,5,6\r\n" /* 18 */
#define P_SMALL "PORT 1,2,3,4,5,6\r\n" /* 18 -> LONG: +12 */
#define P_BIG "PORT 192,168,100,200,19,137\r\n" /* 29 -> SHORT: -11 */
#define GROW_LEN 100
#define HUGE_LEN 3000

static struct stream_stats stats;
static struct stream_out out;
static int line_calls, hold_calls, last_dir;

static int t_line(void *ctx, int dir, const uint8_t *line, size_t len,
		  uint8_t *o, size_t cap)
{
	const char *r = NULL;
	size_t n;

	line_calls++;
	last_dir = dir;
	if (len >= 4 && !memcmp(line, "DENY", 4)) {
		if (cap < 9)
			return -1;
		memcpy(o, "550 no\r\n", 9); /* with its NUL */
		return STREAM_LINE_REFUSE;
	}
	if (len >= 5 && !memcmp(line, "QUIET", 5)) {
		if (cap)
			o[0] = '\0';
		return STREAM_LINE_REFUSE;
	}
	if (len >= 5 && !memcmp(line, "PORT ", 5)) {
		r = len < 24 ? LONG : SHORT;
	} else if (len >= 4 &&
		   (!memcmp(line, "GROW", 4) || !memcmp(line, "HUGE", 4))) {
		size_t n = line[0] == 'G' ? GROW_LEN : HUGE_LEN;

		if (cap < n)
			return -1;
		memcpy(o, line, 4);
		memset(o + 4, 'x', n - 6);
		memcpy(o + n - 2, "\r\n", 2);
		return (int)n;
	}
	if (!r)
		return -1;
	n = strlen(r);
	if (n > cap)
		return -1;
	memcpy(o, r, n);
	return (int)n;
}

static bool t_hold(void *ctx, int dir, const uint8_t *buf, size_t len)
{
	hold_calls++;
	return !memcmp(buf, "PORT", len < 4 ? len : 4);
}

static const struct stream_ops t_ops = {
	.line = t_line,
	.hold = t_hold,
};

static void setup(struct stream *st)
{
	memset(&stats, 0, sizeof(stats));
	line_calls = hold_calls = 0;
	last_dir = -1;
	stream_init(st, &t_ops, NULL, &stats);
}

static int send_at(struct stream *st, int dir, uint32_t seq, const char *s,
		   size_t n, bool fin, uint64_t now)
{
	struct stream_in in = {
		.seq = seq,
		.data = (const uint8_t *)s,
		.len = n,
		.fin = fin,
		.now_ns = now,
	};
	int rc = stream_segment(st, dir, &in, &out);

	if (rc != out.n)
		printf("    stream_segment returned %d, out.n %d\n", rc, out.n);
	return rc;
}

/* Direction 0, no FIN, time 0. */
#define SEND(st, seq, lit) send_at(st, 0, seq, LIT(lit), false, 0)

/* 1 when chunk i is exactly @seq, @want, @fin. */
static int chunk_is(int i, uint32_t seq, const char *want, size_t n, bool fin)
{
	const struct stream_chunk *c = &out.chunk[i];

	if (i >= out.n || c->seq != seq || c->len != n ||
	    c->off + c->len > out.len || memcmp(out.buf + c->off, want, n) ||
	    c->fin != fin) {
		if (i >= out.n)
			printf("    chunk %d: only %d chunks\n", i, out.n);
		else
			printf("    chunk %d: seq %u len %zu fin %d \"%.*s\"\n",
			       i, c->seq, c->len, c->fin, (int)c->len,
			       out.buf + c->off);
		return 0;
	}
	return 1;
}

#define ONE_CHUNK(seq, lit, fin) (out.n == 1 && chunk_is(0, seq, LIT(lit), fin))

static int pt_is(const struct bpfalg_seqadj *a, unsigned int i, uint32_t pos,
		 int32_t delta)
{
	if (i >= a->n || a->pt[i].pos != pos || a->pt[i].delta != delta) {
		if (i >= a->n)
			printf("    point %u: only %u points\n", i, a->n);
		else
			printf("    point %u: pos %u delta %d\n", i,
			       a->pt[i].pos, a->pt[i].delta);
		return 0;
	}
	return 1;
}

/* Rewrites ------------------------------------------------------------- */

static void stream_line_unchanged(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "USER bob\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "USER bob\r\n", false), "output");
	ASSERT_EQ(out.len, 10);
	ASSERT_TRUE(!out.adj_changed, "adj_changed");
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	ASSERT_EQ(st.d[0].adj.n, 0);
	ASSERT_EQ(st.d[0].sent, 1010);
	ASSERT_EQ(line_calls, 1);
	ASSERT_EQ(last_dir, 0);
	stream_free(&st);
}

static void stream_rewrite_longer(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG, false), "output");
	ASSERT_TRUE(out.adj_changed, "adj_changed");
	ASSERT_EQ(st.d[0].adj.n, 1);
	ASSERT_EQ(st.d[0].adj.base, 0);
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1018, 12), "point");
	/* what follows moves by +12 on the wire */
	ASSERT_EQ(SEND(&st, 1018, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1030, "LIST\r\n", false), "output");
	ASSERT_TRUE(!out.adj_changed, "adj_changed");
	ASSERT_EQ(st.d[0].adj.n, 1);
	stream_free(&st);
}

static void stream_rewrite_shorter(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, P_BIG), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, SHORT, false), "output");
	ASSERT_TRUE(out.adj_changed, "adj_changed");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1029, -11), "point");
	ASSERT_EQ(SEND(&st, 1029, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1018, "LIST\r\n", false), "output");
	stream_free(&st);
}

static void stream_two_commands(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "TYPE I\r\n" P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "TYPE I\r\n" LONG, false), "output");
	ASSERT_EQ(line_calls, 2);
	ASSERT_EQ(st.d[0].adj.n, 1);
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1026, 12), "point");
	ASSERT_EQ(st.d[0].sent, 1026);
	stream_free(&st);
}

static void stream_three_rewrites(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG, false), "1st");
	ASSERT_EQ(SEND(&st, 1018, "NOOP\r\n" P_BIG), 1);
	ASSERT_TRUE(ONE_CHUNK(1030, "NOOP\r\n" SHORT, false), "2nd");
	ASSERT_EQ(SEND(&st, 1053, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1054, LONG, false), "3rd");
	ASSERT_EQ(st.d[0].adj.n, 3);
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1018, 12), "point 0");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 1, 1053, 1), "point 1");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 2, 1071, 13), "point 2");
	ASSERT_EQ(SEND(&st, 1071, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1084, "LIST\r\n", false), "after");
	stream_free(&st);
}

static void stream_three_rewrites_one_segment(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, P_SMALL "USER x\r\n" P_BIG P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG "USER x\r\n" SHORT LONG, false),
		    "output");
	ASSERT_EQ(st.d[0].adj.n, 3);
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1018, 12), "point 0");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 1, 1055, 1), "point 1");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 2, 1073, 13), "point 2");
	ASSERT_EQ(st.d[0].rec_n, 3);
	stream_free(&st);
}

/* Split lines ---------------------------------------------------------- */

static void stream_split_command(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "PORT 1,2,3,"), 0);
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	ASSERT_EQ(out.len, 0);
	ASSERT_EQ(stats.held, 1);
	ASSERT_EQ(st.d[0].sent, 1000);
	ASSERT_EQ(st.d[0].next, 1011);
	ASSERT_EQ(line_calls, 0);
	/* the whole rewritten line goes out at the first part's seq */
	ASSERT_EQ(SEND(&st, 1011, "4,5,6\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG, false), "output");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1018, 12), "point");
	ASSERT_EQ(line_calls, 1);
	ASSERT_EQ(st.d[0].sent, 1018);
	ASSERT_EQ(st.d[0].next, 1018);
	stream_free(&st);
}

static void stream_split_command_after_line(void)
{
	struct stream st;

	setup(&st);
	/* the complete line goes, the partial command waits */
	ASSERT_EQ(SEND(&st, 1000, "NOOP\r\nPORT 1,"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "NOOP\r\n", false), "output");
	ASSERT_EQ(st.d[0].sent, 1006);
	ASSERT_EQ(st.d[0].next, 1013);
	ASSERT_EQ(SEND(&st, 1013, "2,3,4,5,6\r\nLIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1006, LONG "LIST\r\n", false), "output");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1024, 12), "point");
	stream_free(&st);
}

static void stream_split_plain_line(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "RETR fi"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "RETR fi", false), "first part");
	ASSERT_EQ(stats.held, 0);
	ASSERT_EQ(hold_calls, 1);
	ASSERT_TRUE(st.d[0].midline, "midline");
	ASSERT_EQ(SEND(&st, 1007, "le\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1007, "le\r\n", false), "second part");
	ASSERT_TRUE(!st.d[0].midline, "midline");
	/* a line seen in pieces is never handed over */
	ASSERT_EQ(line_calls, 0);
	stream_free(&st);
}

static void stream_midline_not_line_start(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "RETR x"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "RETR x", false), "first part");
	/* "RETR xPORT 1,2,3,4,5,6\r\n" is one line: not a PORT command */
	ASSERT_EQ(SEND(&st, 1006, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1006, P_SMALL, false), "continuation");
	ASSERT_EQ(st.d[0].adj.n, 0);
	ASSERT_EQ(line_calls, 0);
	/* the next line starts a line again */
	ASSERT_EQ(SEND(&st, 1024, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1024, LONG, false), "next line");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1042, 12), "point");
	/* an unheld partial tail in the same segment as complete lines */
	ASSERT_EQ(SEND(&st, 1042, "NOOP\r\nSTOR y"), 1);
	ASSERT_TRUE(ONE_CHUNK(1054, "NOOP\r\nSTOR y", false), "tail");
	ASSERT_EQ(SEND(&st, 1054, "PORT 9\r\n" P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1066, "PORT 9\r\n" LONG, false), "after tail");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 1, 1080, 24), "point");
	stream_free(&st);
}

/* Retransmissions ------------------------------------------------------- */

static void stream_retrans_rewritten(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG, false), "first");
	ASSERT_EQ(SEND(&st, 1000, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG, false), "retransmission");
	ASSERT_TRUE(!out.adj_changed, "adj_changed");
	ASSERT_EQ(stats.retrans, 1);
	ASSERT_EQ(line_calls, 1);
	ASSERT_EQ(st.d[0].adj.n, 1);
	ASSERT_EQ(st.d[0].rec_n, 1);
	stream_free(&st);
}

static void stream_retrans_before_point(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "USER bob\r\n"), 1);
	ASSERT_EQ(SEND(&st, 1010, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1010, LONG, false), "rewrite");
	ASSERT_EQ(SEND(&st, 1028, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1040, "LIST\r\n", false), "after");
	/* before the correction point: original bytes, original place */
	ASSERT_EQ(SEND(&st, 1000, "USER bob\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "USER bob\r\n", false), "retrans 1");
	/* after it: shifted */
	ASSERT_EQ(SEND(&st, 1028, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1040, "LIST\r\n", false), "retrans 2");
	/* all of it at once: the rewritten line from its record */
	ASSERT_EQ(SEND(&st, 1000, "USER bob\r\n" P_SMALL "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "USER bob\r\n" LONG "LIST\r\n", false),
		    "retrans 3");
	ASSERT_EQ(stats.retrans, 3);
	ASSERT_EQ(line_calls, 3);
	ASSERT_EQ(st.d[0].adj.n, 1);
	stream_free(&st);
}

static void stream_retrans_cut_whole_line(void)
{
	struct stream st;

	setup(&st);
	/* the PORT line is [1006, 1024) */
	ASSERT_EQ(SEND(&st, 1000, "NOOP\r\n" P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "NOOP\r\n" LONG, false), "first");
	/* starts inside it: the whole rewritten line goes again */
	ASSERT_EQ(SEND(&st, 1010, " 1,2,3,4,5,6\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1006, LONG, false), "starts inside");
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	/* ends inside it */
	ASSERT_EQ(SEND(&st, 1000, "NOOP\r\nPORT"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "NOOP\r\n" LONG, false), "ends inside");
	/* ... and with new data after it */
	ASSERT_EQ(SEND(&st, 1010, " 1,2,3,4,5,6\r\nLIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1006, LONG "LIST\r\n", false), "and new data");
	ASSERT_EQ(stats.dropped, 0);
	ASSERT_EQ(stats.retrans, 3);
	ASSERT_EQ(stats.widened, 3);
	ASSERT_EQ(line_calls, 3);
	ASSERT_EQ(st.d[0].sent, 1030);
	stream_free(&st);
}

/*
 * A rewritten line longer than one segment, and the receiver loses a later
 * chunk of it: the acknowledgement of the first chunk must not acknowledge
 * any of the line (else the sender never sends it again), and the sender's
 * retransmission, from wherever it starts, gets the same wire bytes.
 */
static void stream_loss_rewritten_line_chunk_lost(void)
{
	static char line[1006], want[HUGE_LEN];
	const struct bpfalg_seqadj *a;
	struct stream st;
	uint32_t una;

	memcpy(line, "HUGE", 4);
	memset(line + 4, 'y', sizeof(line) - 6);
	memcpy(line + sizeof(line) - 2, "\r\n", 2);
	memcpy(want, "HUGE", 4);
	memset(want + 4, 'x', HUGE_LEN - 6);
	memcpy(want + HUGE_LEN - 2, "\r\n", 2);
	setup(&st);
	/* cut at the largest segment seen, 1006 bytes */
	ASSERT_EQ(send_at(&st, 0, 1000, line, sizeof(line), false, 0), 3);
	ASSERT_TRUE(chunk_is(2, 3012, want + 2012, 988, false), "chunk 2");
	a = &st.d[0].adj;
	ASSERT_EQ(a->n, 1);
	ASSERT_TRUE(pt_is(a, 0, 2006, HUGE_LEN - 1006), "point");
	ASSERT_EQ(a->pt[0].len, 1006);
	/* the first chunk arrived, the second was lost */
	una = seqadj_unack(a, 1000 + 1006);
	ASSERT_EQ(una, 1000);
	/* all but the growth arrived: still nothing of the line */
	ASSERT_EQ(seqadj_unack(a, 1000 + HUGE_LEN - 1), 1000);
	ASSERT_EQ(seqadj_unack(a, 1000 + HUGE_LEN), 2006);
	/* the sender resends the line: the same three chunks */
	ASSERT_EQ(send_at(&st, 0, una, line, sizeof(line), false, 0), 3);
	ASSERT_TRUE(chunk_is(0, 1000, want, 1006, false), "again 0");
	ASSERT_TRUE(chunk_is(1, 2006, want + 1006, 1006, false), "again 1");
	ASSERT_TRUE(chunk_is(2, 3012, want + 2012, 988, false), "again 2");
	/* one resuming inside the line (acknowledged by another rule, or
	 * its SACK scoreboard): the whole line all the same
	 */
	ASSERT_EQ(
		send_at(&st, 0, 1500, line + 500, sizeof(line) - 500, false, 0),
		3);
	ASSERT_TRUE(chunk_is(0, 1000, want, 1006, false), "inside 0");
	ASSERT_TRUE(chunk_is(2, 3012, want + 2012, 988, false), "inside 2");
	ASSERT_EQ(stats.widened, 1);
	ASSERT_EQ(stats.dropped, 0);
	ASSERT_EQ(line_calls, 1);
	stream_free(&st);
}

static void stream_retrans_partial_overlap(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, P_SMALL), 1);
	/* old (rewritten) + new bytes */
	ASSERT_EQ(SEND(&st, 1000, P_SMALL "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG "LIST\r\n", false), "overlap 1");
	ASSERT_EQ(stats.retrans, 1);
	ASSERT_EQ(line_calls, 2);
	ASSERT_EQ(st.d[0].sent, 1024);
	/* old (unchanged) + new bytes, the new ones parsed as a new line */
	ASSERT_EQ(SEND(&st, 1024, "USER a\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1036, "USER a\r\n", false), "user");
	ASSERT_EQ(SEND(&st, 1030, "\r\n" P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1042, "\r\n" LONG, false), "overlap 2");
	ASSERT_TRUE(out.adj_changed, "adj_changed");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 1, 1050, 24), "point");
	ASSERT_EQ(stats.retrans, 2);
	stream_free(&st);
}

/* Reordering ------------------------------------------------------------ */

static void stream_ooo_released(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "NOOP\r\n"), 1);
	/* segment 2 first */
	ASSERT_EQ(SEND(&st, 1024, "LIST\r\n"), 0);
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	ASSERT_EQ(stats.ooo, 1);
	ASSERT_EQ(st.d[0].sent, 1006);
	ASSERT_EQ(line_calls, 1);
	/* segment 1 releases both, one contiguous run */
	ASSERT_EQ(SEND(&st, 1006, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1006, LONG "LIST\r\n", false), "output");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1024, 12), "point");
	ASSERT_EQ(st.d[0].sent, 1030);
	ASSERT_EQ(line_calls, 3);
	for (int q = 0; q < STREAM_OOO_MAX; q++)
		ASSERT_TRUE(!st.d[0].ooo[q].data, "queue slot %d in use", q);
	stream_free(&st);
}

static void stream_ooo_queue_full(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "NOOP\r\n"), 1);
	/* gap [1006, 1010) */
	ASSERT_EQ(SEND(&st, 1010, "ABCD\r\n"), 0);
	ASSERT_EQ(SEND(&st, 1016, "EFGH\r\n"), 0);
	ASSERT_EQ(SEND(&st, 1022, "IJKL\r\n"), 0);
	ASSERT_EQ(SEND(&st, 1028, "MNOP\r\n"), 0);
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	ASSERT_EQ(stats.ooo, 4);
	ASSERT_EQ(SEND(&st, 1034, "QRST\r\n"), 0);
	ASSERT_STREQ(out.dropped, "out-of-order queue full");
	ASSERT_EQ(stats.dropped, 1);
	/* a duplicate of a queued one is not a drop */
	ASSERT_EQ(SEND(&st, 1016, "EFGH\r\n"), 0);
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	ASSERT_EQ(stats.ooo, 4);
	ASSERT_EQ(SEND(&st, 1006, "XYZ\n"), 1);
	ASSERT_TRUE(
		ONE_CHUNK(1006, "XYZ\nABCD\r\nEFGH\r\nIJKL\r\nMNOP\r\n", false),
		"output");
	ASSERT_EQ(st.d[0].sent, 1034);
	stream_free(&st);
}

/* Held lines ----------------------------------------------------------- */

static void stream_expire_hold(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_at(&st, 0, 1000, LIT("PORT 1,2,3,"), false, 100), 0);
	ASSERT_EQ(stats.held, 1);
	ASSERT_EQ(stream_expire_holds(&st, 150, 100), 0);
	ASSERT_EQ(st.d[0].next, 1011);
	/* held bytes are acknowledged to the sender */
	ASSERT_TRUE(out.hold_ack, "hold_ack");
	ASSERT_EQ(out.hold_ack_seq, 1011);
	/* the end came in time: held and completed */
	ASSERT_EQ(send_at(&st, 0, 1011, LIT("4,5,6\r\n"), false, 190), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG, false), "completed");
	ASSERT_EQ(stream_expire_holds(&st, 1000, 100), 0);
	/* it never comes: the stream closes, nothing goes out unchecked */
	ASSERT_EQ(send_at(&st, 0, 1018, LIT("PORT 9,"), false, 1000), 0);
	ASSERT_EQ(send_at(&st, 0, 1025, LIT("9,9"), false, 1050), 0);
	ASSERT_EQ(stream_expire_holds(&st, 1099, 100), 0);
	ASSERT_TRUE(!st.closed, "closed early");
	ASSERT_EQ(stream_expire_holds(&st, 1100, 100), 1);
	ASSERT_TRUE(st.closed, "not closed");
	/* the retransmission goes nowhere, nor does the rest of the line */
	ASSERT_EQ(send_at(&st, 0, 1018, LIT("PORT 9,"), false, 1300), 0);
	ASSERT_STREQ(out.dropped, "connection closed: a held line never ended");
	ASSERT_EQ(send_at(&st, 0, 1025, LIT("9,9,9,9,9\r\n"), false, 1300), 0);
	ASSERT_EQ(out.len, 0);
	ASSERT_EQ(send_at(&st, 1, 7000, LIT("200 ok\r\n"), false, 1300), 0);
	ASSERT_EQ(line_calls, 1);
	stream_free(&st);
}

/*
 * The start of a line was held (and acknowledged to its sender), the line
 * went out unchanged and was lost: the sender retransmits only the rest,
 * which must go out with the start again.
 */
static void stream_hold_acked_then_lost(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "PO"), 0);
	ASSERT_TRUE(out.hold_ack && out.hold_ack_seq == 1002, "hold ack");
	ASSERT_EQ(SEND(&st, 1002, "RTAL\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "PORTAL\r\n", false), "line");
	ASSERT_TRUE(!out.hold_ack, "hold_ack after the line ended");
	ASSERT_EQ(SEND(&st, 1002, "RTAL\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "PORTAL\r\n", false), "again, whole");
	ASSERT_EQ(stats.widened, 1);
	/* the same for a line that is rewritten */
	ASSERT_EQ(SEND(&st, 1008, "PORT 1,2,"), 0);
	ASSERT_EQ(SEND(&st, 1017, "3,4,5,6\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1008, LONG, false), "rewritten");
	ASSERT_EQ(SEND(&st, 1017, "3,4,5,6\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1008, LONG, false), "rewritten again, whole");
	ASSERT_EQ(line_calls, 2);
	stream_free(&st);
}

static void stream_hold_retrans_absorbed(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_at(&st, 0, 1000, LIT("PORT 1,2,3,"), false, 100), 0);
	/* the same bytes again, then a few more: still held, same age */
	ASSERT_EQ(send_at(&st, 0, 1000, LIT("PORT 1,2,3,"), false, 150), 0);
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	ASSERT_EQ(send_at(&st, 0, 1000, LIT("PORT 1,2,3,4"), false, 180), 0);
	ASSERT_EQ(send_at(&st, 0, 1012, LIT(",5"), false, 190), 0);
	ASSERT_EQ(st.d[0].next, 1014);
	ASSERT_EQ(st.d[0].hold_since_ns, 100);
	ASSERT_EQ(stream_expire_holds(&st, 200, 100), 1);
	/* nothing of it ever passes unchecked */
	ASSERT_EQ(SEND(&st, 1000, "PORT 1,2"), 0);
	ASSERT_EQ(out.len, 0);
	stream_free(&st);
}

/* FIN ------------------------------------------------------------------ */

static void stream_fin_flag(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_at(&st, 0, 1000, LIT("QUIT\r\n"), true, 0), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "QUIT\r\n", true), "fin");
	/* its retransmission carries it again */
	ASSERT_EQ(send_at(&st, 0, 1000, LIT("QUIT\r\n"), true, 0), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "QUIT\r\n", true), "fin again");
	ASSERT_EQ(stats.retrans, 1);
	stream_free(&st);
	/* a partial line with FIN is never held */
	setup(&st);
	ASSERT_EQ(send_at(&st, 0, 1000, LIT("PORT 1,2"), true, 0), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "PORT 1,2", true), "partial");
	ASSERT_EQ(stats.held, 0);
	stream_free(&st);
}

static void stream_fin_releases_hold(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "PORT 1,2,3,"), 0);
	ASSERT_EQ(send_at(&st, 0, 1011, LIT("4,5,6\r\n"), true, 0), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, LONG, true), "fin");
	stream_free(&st);
	/* a FIN whose line never ends: the held part goes with it */
	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "PORT 1,2,3,"), 0);
	ASSERT_EQ(send_at(&st, 0, 1011, LIT("4"), true, 0), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "PORT 1,2,3,4", true), "fin partial");
	stream_free(&st);
}

static void stream_fin_out_of_order(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "NOOP\r\n"), 1);
	ASSERT_EQ(send_at(&st, 0, 1024, LIT("QUIT\r\n"), true, 0), 0);
	ASSERT_EQ(SEND(&st, 1006, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1006, LONG "QUIT\r\n", true), "fin");
	stream_free(&st);
}

/* Chunking ------------------------------------------------------------- */

static void stream_chunks_at_mss(void)
{
	static char seg1[600], seg2[600], want[996];
	struct stream st;
	const struct bpfalg_seqadj *a;

	for (int i = 0; i < 50; i++)
		memcpy(seg1 + 12 * i, "NOOP xxxxx\r\n", 12);
	for (int i = 0; i < 33; i++) {
		memcpy(seg2 + 18 * i, P_SMALL, 18);
		memcpy(want + 30 * i, LONG, 30);
	}
	memcpy(seg2 + 594, "NOOP\r\n", 6);
	memcpy(want + 990, "NOOP\r\n", 6);

	setup(&st);
	ASSERT_EQ(send_at(&st, 0, 1000, seg1, sizeof(seg1), false, 0), 1);
	ASSERT_TRUE(chunk_is(0, 1000, seg1, sizeof(seg1), false), "seg1");
	ASSERT_EQ(send_at(&st, 0, 1600, seg2, sizeof(seg2), true, 0), 2);
	ASSERT_EQ(out.len, 996);
	ASSERT_TRUE(chunk_is(0, 1600, want, 600, false), "chunk 0");
	ASSERT_TRUE(chunk_is(1, 2200, want + 600, 396, true), "chunk 1");
	ASSERT_EQ(out.chunk[1].off, 600);
	/* 33 points: the oldest 25 folded into base */
	a = &st.d[0].adj;
	ASSERT_EQ(a->n, BPFALG_SEQADJ_POINTS);
	ASSERT_EQ(a->base, 25 * 12);
	for (unsigned int i = 0; i < BPFALG_SEQADJ_POINTS; i++)
		ASSERT_TRUE(pt_is(a, i, 1600 + 18 * (26 + i), 12 * (26 + i)),
			    "point %u", i);
	ASSERT_EQ(seqadj_off(a, 2200), 396);
	ASSERT_EQ(st.d[0].rec_n, STREAM_RECS);
	stream_free(&st);
}

static void stream_chunks_min_mss(void)
{
	static char seg[29 * 18], want[29 * 30];
	struct stream st;

	for (int i = 0; i < 29; i++) {
		memcpy(seg + 18 * i, P_SMALL, 18);
		memcpy(want + 30 * i, LONG, 30);
	}
	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "NOOP\r\n"), 1);
	/* largest segment 522 < 536: cut at 536 (inside the 18th line) */
	ASSERT_EQ(send_at(&st, 0, 1006, seg, sizeof(seg), false, 0), 2);
	ASSERT_TRUE(chunk_is(0, 1006, want, 536, false), "chunk 0");
	ASSERT_TRUE(chunk_is(1, 1542, want + 536, 870 - 536, false), "chunk 1");
	stream_free(&st);
}

static void stream_chunks_last_takes_rest(void)
{
	static char seg[60 * 6];
	struct stream st;

	for (int i = 0; i < 60; i++)
		memcpy(seg + 6 * i, "GROW\r\n", 6);
	setup(&st);
	ASSERT_EQ(send_at(&st, 0, 1000, seg, sizeof(seg), true, 0),
		  STREAM_CHUNKS);
	ASSERT_EQ(out.len, 60 * GROW_LEN);
	for (unsigned int i = 0; i < STREAM_CHUNKS; i++) {
		ASSERT_EQ(out.chunk[i].off, 536 * i);
		ASSERT_EQ(out.chunk[i].seq, 1000 + 536 * i);
		ASSERT_EQ(out.chunk[i].len,
			  i < STREAM_CHUNKS - 1 ? 536 : 6000 - 7 * 536);
		ASSERT_EQ(out.chunk[i].fin, i == STREAM_CHUNKS - 1);
	}
	ASSERT_TRUE(pt_is(&st.d[0].adj, 7, 1360, 60 * (GROW_LEN - 6)),
		    "last point");
	stream_free(&st);
}

/* A line is rewritten only while the rest of the data still fits. */
static void stream_output_limit(void)
{
	static char seg[341 * 6];
	struct stream st;
	size_t k;

	for (int i = 0; i < 341; i++)
		memcpy(seg + 6 * i, "GROW\r\n", 6);
	setup(&st);
	/* 65 * 100 + 276 * 6 = 8156: the 66th would leave no room */
	ASSERT_EQ(send_at(&st, 0, 1000, seg, sizeof(seg), false, 0), 4);
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	ASSERT_EQ(out.len, 8156);
	for (k = 0; k < 65; k++)
		ASSERT_TRUE(
			!memcmp(out.buf + k * GROW_LEN, "GROWxxxx", 8) &&
				!memcmp(out.buf + k * GROW_LEN + GROW_LEN - 2,
					"\r\n", 2),
			"line %zu", k);
	ASSERT_TRUE(!memcmp(out.buf + 6500, seg + 390, 276 * 6), "unchanged");
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(out.chunk[i].seq, 1000u + 2046 * i);
		ASSERT_EQ(out.chunk[i].len, i < 3 ? 2046 : 8156 - 3 * 2046);
	}
	ASSERT_TRUE(pt_is(&st.d[0].adj, 7, 1390, 65 * 94), "last point");
	ASSERT_EQ(st.d[0].sent, 1000 + sizeof(seg));
	stream_free(&st);
}

/* A replay that does not fit is dropped, and the new data with it. */
static void stream_replay_too_large(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "HUGE\r\n"), 6);
	ASSERT_EQ(SEND(&st, 1006, "HUGE\r\n"), 6);
	ASSERT_EQ(out.chunk[0].seq, 1000 + HUGE_LEN);
	ASSERT_EQ(SEND(&st, 1012, "HUGE\r\n"), 6);
	ASSERT_EQ(out.chunk[0].seq, 1000 + 2 * HUGE_LEN);
	/* 9000 bytes again, plus a new line */
	ASSERT_EQ(SEND(&st, 1000, "HUGE\r\nHUGE\r\nHUGE\r\nLIST\r\n"), 0);
	ASSERT_STREQ(out.dropped, "rewritten data does not fit");
	ASSERT_EQ(out.len, 0);
	ASSERT_EQ(stats.dropped, 1);
	ASSERT_EQ(st.d[0].sent, 1018);
	ASSERT_EQ(line_calls, 3);
	/* the new line, sent again, goes where it belongs */
	ASSERT_EQ(SEND(&st, 1018, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1000 + 3 * HUGE_LEN, "LIST\r\n", false), "next");
	stream_free(&st);
}

/* After a replay, new data that does not fit is not taken. */
static void stream_new_data_does_not_fit(void)
{
	static char seg[12 + 2500];
	struct stream st;
	int n;

	memcpy(seg, "HUGE\r\nHUGE\r\n", 12);
	memset(seg + 12, 'n', 2498);
	memcpy(seg + 12 + 2498, "\r\n", 2);
	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "HUGE\r\nHUGE\r\n"), STREAM_CHUNKS);
	ASSERT_EQ(out.len, 2 * HUGE_LEN);
	/* 6000 replayed + 2500 new > 8192 */
	n = send_at(&st, 0, 1000, seg, sizeof(seg), false, 0);
	ASSERT_TRUE(n > 0, "%d chunks", n);
	ASSERT_STREQ(out.dropped, "rewritten data does not fit");
	ASSERT_EQ(out.len, 2 * HUGE_LEN);
	ASSERT_EQ(out.chunk[0].seq, 1000);
	ASSERT_EQ(st.d[0].sent, 1012);
	ASSERT_EQ(stats.retrans, 1);
	/* on its own it goes, right after the rewritten lines */
	ASSERT_EQ(send_at(&st, 0, 1012, seg + 12, 2500, false, 0), 1);
	ASSERT_TRUE(chunk_is(0, 1000 + 2 * HUGE_LEN, seg + 12, 2500, false),
		    "new data");
	stream_free(&st);
}

/* More rewrites in flight than records: no replay from guesswork. */
static void stream_retrans_forgotten_record(void)
{
	static char seg[9 * 18], want[8 * 30];
	struct stream st;

	for (int i = 0; i < 9; i++)
		memcpy(seg + 18 * i, P_SMALL, 18);
	for (int i = 0; i < 8; i++)
		memcpy(want + 30 * i, LONG, 30);
	setup(&st);
	ASSERT_EQ(send_at(&st, 0, 1000, seg, sizeof(seg), false, 0), 1);
	ASSERT_EQ(out.len, 9 * 30);
	ASSERT_EQ(st.d[0].adj.base, 12);
	/* the first line's record is gone */
	ASSERT_EQ(send_at(&st, 0, 1000, seg, sizeof(seg), false, 0), 0);
	ASSERT_STREQ(out.dropped, "retransmission of a forgotten rewrite");
	ASSERT_EQ(stats.dropped, 1);
	/* from the second on, all are known */
	ASSERT_EQ(send_at(&st, 0, 1018, seg + 18, 8 * 18, false, 0), 1);
	ASSERT_TRUE(chunk_is(0, 1030, want, 8 * 30, false), "replay");
	stream_free(&st);
}

/* A history loaded at a restart has no records: a retransmission across
 * one of its points is dropped, one before it goes.
 */
static void stream_retrans_loaded_history(void)
{
	struct bpfalg_seqadj a = { .base = 0, .n = 1 };
	struct stream st;

	a.pt[0].pos = 1018;
	a.pt[0].delta = 12;
	setup(&st);
	stream_load_adj(&st, 0, &a);
	ASSERT_EQ(SEND(&st, 1018, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1030, "LIST\r\n", false), "continued");
	ASSERT_EQ(SEND(&st, 1000, P_SMALL "LIST\r\n"), 0);
	ASSERT_STREQ(out.dropped, "retransmission of a forgotten rewrite");
	ASSERT_EQ(SEND(&st, 1018, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1030, "LIST\r\n", false), "after the point");
	stream_free(&st);
}

/* Directions, wraparound, restart ---------------------------------------- */

static void stream_directions_independent(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, P_SMALL), 1);
	ASSERT_EQ(send_at(&st, 1, 5000, LIT("200 OK\r\n"), false, 0), 1);
	ASSERT_TRUE(ONE_CHUNK(5000, "200 OK\r\n", false), "reply");
	ASSERT_EQ(last_dir, 1);
	ASSERT_EQ(st.d[1].adj.n, 0);
	ASSERT_EQ(send_at(&st, 1, 5008, LIT(P_BIG), false, 0), 1);
	ASSERT_TRUE(ONE_CHUNK(5008, SHORT, false), "reply rewrite");
	ASSERT_TRUE(pt_is(&st.d[1].adj, 0, 5037, -11), "point dir 1");
	ASSERT_EQ(st.d[0].adj.n, 1);
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1018, 12), "point dir 0");
	/* a hold in one direction does not hold the other */
	ASSERT_EQ(SEND(&st, 1018, "PORT 1,"), 0);
	ASSERT_EQ(send_at(&st, 1, 5037, LIT("226 "), false, 0), 1);
	ASSERT_TRUE(ONE_CHUNK(5026, "226 ", false), "dir 1 partial");
	stream_free(&st);
}

static void stream_seq_wraparound(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(SEND(&st, 0xfffffff8u, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(0xfffffff8u, LONG, false), "rewrite");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 0x0000000a, 12), "point");
	ASSERT_EQ(SEND(&st, 0x0000000a, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(0x00000016, "LIST\r\n", false), "after");
	ASSERT_EQ(SEND(&st, 0xfffffff8u, P_SMALL "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(0xfffffff8u, LONG "LIST\r\n", false), "retrans");
	/* a held line after it */
	ASSERT_EQ(SEND(&st, 0x00000010, "NOOP\r\nPORT 1,2,3"), 1);
	ASSERT_TRUE(ONE_CHUNK(0x0000001c, "NOOP\r\n", false), "noop");
	ASSERT_EQ(SEND(&st, 0x00000020, ",4,5,6\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(0x00000022, LONG, false), "held");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 1, 0x00000028, 24), "point");
	stream_free(&st);
	/* a held line across it */
	setup(&st);
	ASSERT_EQ(SEND(&st, 0xfffffffcu, "PORT 1,"), 0);
	ASSERT_EQ(SEND(&st, 0x00000003, "2,3,4,5,6\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(0xfffffffcu, LONG, false), "across");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 0x0000000e, 12), "point");
	stream_free(&st);
}

static void stream_load_history(void)
{
	struct bpfalg_seqadj a = { .base = 0, .n = 1 };
	struct stream st;

	a.pt[0].pos = 1018;
	a.pt[0].delta = 12;
	setup(&st);
	stream_load_adj(&st, 0, &a);
	ASSERT_EQ(SEND(&st, 1018, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1030, "LIST\r\n", false), "continued");
	ASSERT_EQ(SEND(&st, 1024, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1036, LONG, false), "rewrite");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 1, 1042, 24), "point");
	/* a corrupt count is clamped */
	a.n = 1000;
	stream_load_adj(&st, 1, &a);
	ASSERT_EQ(st.d[1].adj.n, BPFALG_SEQADJ_POINTS);
	stream_free(&st);
}

/*
 * A restarted controller: the history and the newest record come from the
 * maps.  A retransmission of the rewritten line is replayed, never parsed
 * again (that would open a second pinhole and could change the length);
 * without its record it is dropped, parsed all the same never.
 */
static void stream_restart_replays_loaded_record(void)
{
	const struct stream_rec *r;
	struct stream st, st2;
	int calls;

	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, "NOOP\r\n"), 1);
	ASSERT_EQ(SEND(&st, 1006, P_SMALL), 1);
	r = stream_last_rec(&st, 0);
	ASSERT_TRUE(r && r->a == 1006 && r->b == 1024 && r->len == 30,
		    "last record");
	calls = line_calls;

	stream_init(&st2, &t_ops, NULL, &stats);
	stream_load_adj(&st2, 0, &st.d[0].adj);
	ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b - 1, r->out, r->len), -1);
	ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b, r->out, r->len), 0);
	ASSERT_EQ(SEND(&st2, 1006, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1006, LONG, false), "replayed");
	ASSERT_EQ(SEND(&st2, 1010, " 1,2,3,4,5,6\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1006, LONG, false), "replayed whole");
	ASSERT_EQ(line_calls, calls);
	/* unchanged bytes before it replay as they are (no rewrite before
	 * the record's: the history says so)
	 */
	ASSERT_EQ(SEND(&st2, 1000, "NOOP\r\n" P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "NOOP\r\n" LONG, false), "with the line");
	/* what follows is new: parsed */
	ASSERT_EQ(SEND(&st2, 1024, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1036, "LIST\r\n", false), "new data");
	ASSERT_EQ(line_calls, calls + 1);
	stream_free(&st2);

	/* two rewrites, the newest kept: nothing before the older one's
	 * end replays (what it was rewritten to is not known)
	 */
	ASSERT_EQ(SEND(&st, 1024, P_SMALL), 1);
	r = stream_last_rec(&st, 0);
	ASSERT_TRUE(r && r->a == 1024 && r->b == 1042, "newest record");
	stream_init(&st2, &t_ops, NULL, &stats);
	stream_load_adj(&st2, 0, &st.d[0].adj);
	ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b, r->out, r->len), 0);
	ASSERT_EQ(SEND(&st2, 1024, P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1036, LONG, false), "newest replayed");
	ASSERT_EQ(SEND(&st2, 1006, P_SMALL P_SMALL), 0);
	ASSERT_TRUE(out.dropped == stream_forgotten, "dropped: %s",
		    out.dropped);
	stream_free(&st2);
	/* both kept (oldest first): the whole retransmission replays */
	stream_init(&st2, &t_ops, NULL, &stats);
	stream_load_adj(&st2, 0, &st.d[0].adj);
	r = stream_rec_at(&st, 0, 1);
	ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b, r->out, r->len), 0);
	r = stream_rec_at(&st, 0, 0);
	ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b, r->out, r->len), 0);
	/* out of order: refused */
	r = stream_rec_at(&st, 0, 1);
	ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b, r->out, r->len), -1);
	ASSERT_EQ(SEND(&st2, 1000, "NOOP\r\n" P_SMALL P_SMALL), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "NOOP\r\n" LONG LONG, false), "both");
	stream_free(&st2);

	/* no record kept: dropped, and still not parsed */
	calls = line_calls;
	stream_init(&st2, &t_ops, NULL, &stats);
	stream_load_adj(&st2, 0, &st.d[0].adj);
	ASSERT_EQ(SEND(&st2, 1024, P_SMALL), 0);
	ASSERT_TRUE(out.dropped == stream_forgotten, "dropped: %s",
		    out.dropped);
	ASSERT_EQ(line_calls, calls);
	stream_free(&st2);
	stream_free(&st);
}

/*
 * Nine rewrites: the oldest point folded into the base, its record gone.
 * A restarted controller whose first segment is new data must still drop
 * a later retransmission from the folded line (what it went out as is
 * not known; the base offset is not its offset), not send it shifted.
 */
static void stream_restart_new_first_folded(void)
{
	static char seg[9 * 18 + 6], want[8 * 30 + 6];
	struct stream st, st2;
	int calls;

	for (int i = 0; i < 9; i++)
		memcpy(seg + 18 * i, P_SMALL, 18);
	memcpy(seg + 9 * 18, "LIST\r\n", 6);
	for (int i = 0; i < 8; i++)
		memcpy(want + 30 * i, LONG, 30);
	memcpy(want + 8 * 30, "LIST\r\n", 6);
	setup(&st);
	ASSERT_EQ(SEND(&st, 1000, P_SMALL), 1);
	ASSERT_EQ(send_at(&st, 0, 1018, seg + 18, 8 * 18, false, 0), 1);
	ASSERT_EQ(st.d[0].adj.base, 12);
	ASSERT_EQ(st.d[0].rec_n, 8);

	stream_init(&st2, &t_ops, NULL, &stats);
	stream_load_adj(&st2, 0, &st.d[0].adj);
	for (unsigned int k = 8; k-- > 0;) {
		const struct stream_rec *r = stream_rec_at(&st, 0, k);

		ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b, r->out, r->len),
			  0);
	}
	stream_load_sent(&st2, 0, 1162);
	calls = line_calls;
	ASSERT_EQ(SEND(&st2, 1162, "LIST\r\n"), 1);
	ASSERT_TRUE(ONE_CHUNK(1270, "LIST\r\n", false), "new data");
	ASSERT_EQ(send_at(&st2, 0, 1000, seg, sizeof(seg), false, 0), 0);
	ASSERT_TRUE(out.dropped == stream_forgotten, "dropped: %s",
		    out.dropped);
	/* from the oldest record on, it replays */
	ASSERT_EQ(send_at(&st2, 0, 1018, seg + 18, sizeof(seg) - 18, false, 0),
		  1);
	ASSERT_TRUE(chunk_is(0, 1030, want, sizeof(want), false), "replay");
	ASSERT_EQ(line_calls, calls + 1);
	stream_free(&st2);
	stream_free(&st);
}

/*
 * Ten points, two folded whose deltas add up to nothing (a refused line
 * and a rewrite as much longer): the base is zero all the same.  A
 * retransmission from the folded lines after a restart is dropped, not
 * sent as it came (the receiver got them rewritten).
 */
static void stream_restart_folded_zero_base(void)
{
	static char seg[12 + 9 * 18 + 6], want[8 * 30 + 6];
	struct stream st, st2;
	int calls;

	memcpy(seg, "DENY 12345\r\n", 12);
	for (int i = 0; i < 9; i++)
		memcpy(seg + 12 + 18 * i, P_SMALL, 18);
	memcpy(seg + 12 + 9 * 18, "LIST\r\n", 6);
	for (int i = 0; i < 8; i++)
		memcpy(want + 30 * i, LONG, 30);
	memcpy(want + 8 * 30, "LIST\r\n", 6);
	setup(&st);
	ASSERT_EQ(send_at(&st, 0, 1000, seg, 12 + 18, false, 0), 1);
	ASSERT_EQ(send_at(&st, 0, 1030, seg + 30, 8 * 18, false, 0), 1);
	ASSERT_EQ(st.d[0].adj.n, BPFALG_SEQADJ_POINTS);
	ASSERT_EQ(st.d[0].adj.base, 0);
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 1048, 12), "oldest kept");

	stream_init(&st2, &t_ops, NULL, &stats);
	stream_load_adj(&st2, 0, &st.d[0].adj);
	for (unsigned int k = 8; k-- > 0;) {
		const struct stream_rec *r = stream_rec_at(&st, 0, k);

		ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b, r->out, r->len),
			  0);
	}
	stream_load_sent(&st2, 0, 1174);
	calls = line_calls;
	ASSERT_EQ(send_at(&st2, 0, 1000, seg, sizeof(seg), false, 0), 0);
	ASSERT_TRUE(out.dropped == stream_forgotten, "dropped: %s",
		    out.dropped);
	ASSERT_EQ(line_calls, calls);
	/* from the oldest record on, it replays; LIST is new */
	ASSERT_EQ(send_at(&st2, 0, 1030, seg + 30, sizeof(seg) - 30, false, 0),
		  1);
	ASSERT_TRUE(chunk_is(0, 1030, want, sizeof(want), false), "replay");
	ASSERT_EQ(line_calls, calls + 1);
	stream_free(&st2);
	stream_free(&st);
}

/* The history as the datapath reads it ---------------------------------- */

static void seqadj_push_folds(void)
{
	struct bpfalg_seqadj a = { 0 };

	for (uint32_t i = 1; i <= 9; i++)
		seqadj_push(&a, 100 * i - 10, 100 * i, (int32_t)i);
	ASSERT_EQ(a.n, BPFALG_SEQADJ_POINTS);
	ASSERT_EQ(a.base, 1);
	for (unsigned int i = 0; i < BPFALG_SEQADJ_POINTS; i++)
		ASSERT_TRUE(pt_is(&a, i, 200 + 100 * i, 2 + i), "point %u", i);
	/* the same position again replaces its delta */
	seqadj_push(&a, 880, 900, -40);
	ASSERT_EQ(a.n, BPFALG_SEQADJ_POINTS);
	ASSERT_TRUE(pt_is(&a, 7, 900, -40), "replaced");
	ASSERT_EQ(a.base, 1);
	/* folded: everything before the oldest kept point reads as base */
	ASSERT_EQ(seqadj_off(&a, 150), 1);
	ASSERT_EQ(seqadj_off(&a, 50), 1);
	ASSERT_EQ(seqadj_off(&a, 200), 2);
	ASSERT_EQ(seqadj_off(&a, 950), -40);
	seqadj_push(&a, 990, 1000, 7);
	seqadj_push(&a, 1090, 1100, 8);
	ASSERT_EQ(a.base, 3);
	ASSERT_TRUE(pt_is(&a, 0, 400, 4), "oldest");
	ASSERT_TRUE(pt_is(&a, 5, 900, -40), "kept");
	ASSERT_TRUE(pt_is(&a, 7, 1100, 8), "newest");
}

static void seqadj_off_values(void)
{
	struct bpfalg_seqadj a = { .base = 0, .n = 2 };

	a.pt[0].pos = 1018;
	a.pt[0].delta = 12;
	a.pt[1].pos = 1053;
	a.pt[1].delta = 1;
	a.pt[2].pos = 1060; /* beyond n: ignored */
	a.pt[2].delta = 99;
	ASSERT_EQ(seqadj_off(&a, 0), 0);
	ASSERT_EQ(seqadj_off(&a, 1017), 0);
	ASSERT_EQ(seqadj_off(&a, 1018), 12);
	ASSERT_EQ(seqadj_off(&a, 1052), 12);
	ASSERT_EQ(seqadj_off(&a, 1053), 1);
	ASSERT_EQ(seqadj_off(&a, 1060), 1);
	ASSERT_EQ(seqadj_off(&a, 5000000), 1);
	a.n = 0;
	a.base = -3;
	ASSERT_EQ(seqadj_off(&a, 1018), -3);
}

static void seqadj_unack_values(void)
{
	struct bpfalg_seqadj a = { .base = 0, .n = 1 };

	/* [1000, 1018) went out as [1000, 1030) */
	a.pt[0].pos = 1018;
	a.pt[0].delta = 12;
	ASSERT_EQ(seqadj_unack(&a, 999), 999);
	ASSERT_EQ(seqadj_unack(&a, 1000), 1000);
	ASSERT_EQ(seqadj_unack(&a, 1010), 1010);
	ASSERT_EQ(seqadj_unack(&a, 1018), 1018);
	/* inside the lengthened part: capped at the line's end */
	ASSERT_EQ(seqadj_unack(&a, 1019), 1018);
	ASSERT_EQ(seqadj_unack(&a, 1029), 1018);
	ASSERT_EQ(seqadj_unack(&a, 1030), 1018);
	ASSERT_EQ(seqadj_unack(&a, 1031), 1019);
	ASSERT_EQ(seqadj_unack(&a, 2000), 1988);

	/* [1000, 1029) went out as [1000, 1018) */
	a.pt[0].pos = 1029;
	a.pt[0].delta = -11;
	ASSERT_EQ(seqadj_unack(&a, 1017), 1017);
	ASSERT_EQ(seqadj_unack(&a, 1018), 1029);
	ASSERT_EQ(seqadj_unack(&a, 1019), 1030);

	/* +12 at 1018, then -11 at 1053 (wire 1054) */
	a.n = 2;
	a.pt[0].pos = 1018;
	a.pt[0].delta = 12;
	a.pt[1].pos = 1053;
	a.pt[1].delta = 1;
	ASSERT_EQ(seqadj_unack(&a, 1040), 1028);
	ASSERT_EQ(seqadj_unack(&a, 1053), 1041);
	ASSERT_EQ(seqadj_unack(&a, 1054), 1053);
	ASSERT_EQ(seqadj_unack(&a, 1060), 1059);

	/* base only */
	a.n = 0;
	a.base = 5;
	ASSERT_EQ(seqadj_unack(&a, 105), 100);

	/* with the line's length: [1000, 1018) went out as [1000, 1030) */
	a.base = 0;
	a.n = 1;
	a.pt[0].pos = 1018;
	a.pt[0].delta = 12;
	a.pt[0].len = 18;
	ASSERT_EQ(seqadj_unack(&a, 999), 999);
	ASSERT_EQ(seqadj_unack(&a, 1000), 1000);
	/* any part of the line's wire bytes: none of it */
	ASSERT_EQ(seqadj_unack(&a, 1001), 1000);
	ASSERT_EQ(seqadj_unack(&a, 1018), 1000);
	ASSERT_EQ(seqadj_unack(&a, 1029), 1000);
	ASSERT_EQ(seqadj_unack(&a, 1030), 1018);
	/* a SACK block's left edge inside the line: its end */
	ASSERT_EQ(seqadj_unack_edge(&a, 1010, 1), 1018);
	ASSERT_EQ(seqadj_unack_edge(&a, 1000, 1), 1000);
	ASSERT_EQ(seqadj_unack_edge(&a, 1030, 1), 1018);
	ASSERT_EQ(seqadj_unack_edge(&a, 1010, 0), 1000);
	/* shortened: [1000, 1029) went out as [1000, 1018) */
	a.pt[0].pos = 1029;
	a.pt[0].delta = -11;
	a.pt[0].len = 29;
	ASSERT_EQ(seqadj_unack(&a, 1017), 1000);
	ASSERT_EQ(seqadj_unack(&a, 1018), 1029);
	ASSERT_EQ(seqadj_unack_edge(&a, 1017, 1), 1029);
	/* text inserted at 1018 (len 0): as without a length */
	a.pt[0].pos = 1018;
	a.pt[0].delta = 9;
	a.pt[0].len = 0;
	ASSERT_EQ(seqadj_unack(&a, 1018), 1018);
	ASSERT_EQ(seqadj_unack(&a, 1020), 1018);
	ASSERT_EQ(seqadj_unack(&a, 1027), 1018);
	ASSERT_EQ(seqadj_unack_edge(&a, 1020, 1), 1018);
}

static void seqadj_wraparound(void)
{
	struct bpfalg_seqadj a = { .base = 0, .n = 1 };

	/* [0xfffffff8, 0x0a) went out as [0xfffffff8, 0x16) */
	a.pt[0].pos = 0x0000000a;
	a.pt[0].delta = 12;
	ASSERT_EQ(seqadj_off(&a, 0xfffffff8u), 0);
	ASSERT_EQ(seqadj_off(&a, 0xffffffffu), 0);
	ASSERT_EQ(seqadj_off(&a, 0x00000009), 0);
	ASSERT_EQ(seqadj_off(&a, 0x0000000a), 12);
	ASSERT_EQ(seqadj_off(&a, 0x00000100), 12);
	ASSERT_EQ(seqadj_unack(&a, 0xfffffffcu), 0xfffffffcu);
	ASSERT_EQ(seqadj_unack(&a, 0x00000002), 0x00000002);
	ASSERT_EQ(seqadj_unack(&a, 0x0000000a), 0x0000000a);
	ASSERT_EQ(seqadj_unack(&a, 0x00000010), 0x0000000a);
	ASSERT_EQ(seqadj_unack(&a, 0x00000016), 0x0000000a);
	ASSERT_EQ(seqadj_unack(&a, 0x00000017), 0x0000000b);

	/* [0xffffffe0, 0x05) went out as [0xffffffe0, 0xfffffff1) */
	a.pt[0].pos = 0x00000005;
	a.pt[0].delta = -20;
	ASSERT_EQ(seqadj_off(&a, 0x00000004), 0);
	ASSERT_EQ(seqadj_off(&a, 0x00000005), -20);
	ASSERT_EQ(seqadj_unack(&a, 0xfffffff0u), 0xfffffff0u);
	ASSERT_EQ(seqadj_unack(&a, 0xfffffff1u), 0x00000005);
	ASSERT_EQ(seqadj_unack(&a, 0x00000000), 0x00000014);
}

/* packet.c ------------------------------------------------------------- */

struct fspec {
	bool v6, vlan;
	const uint8_t *opts; /* TCP options, a multiple of 4 */
	size_t olen;
	const char *pl;
	size_t plen;
	uint8_t flags;
	uint32_t seq, ack;
	uint8_t ttl;
};

/*
 * 02:00:00:00:00:02 -> 02:00:00:00:00:01 [VLAN 100], 10.0.0.2 ->
 * 198.51.100.7 (TOS 0x10, id 0x1c46, DF) or 2001:db8::2 -> 2001:db8:1::7
 * (class 0xab, flow 0xcdef1), TCP 50000 -> 21 window 0x7210; both
 * checksums deliberately wrong.
 */
static size_t mk_frame(uint8_t *f, const struct fspec *s)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	static const uint8_t dst6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 7
	};
	size_t o = 12, tcplen = 20 + s->olen + s->plen;
	uint8_t *t;

	memcpy(f, mac, 12);
	if (s->vlan) {
		f[o++] = 0x81;
		f[o++] = 0x00;
		f[o++] = 0x00;
		f[o++] = 0x64;
	}
	f[o++] = s->v6 ? 0x86 : 0x08;
	f[o++] = s->v6 ? 0xdd : 0x00;
	if (s->v6) {
		/* version 6, class 0xab, flow 0xcdef1, length, TCP, hops */
		memcpy(f + o, "\x6a\xbc\xde\xf1", 4);
		f[o + 4] = (uint8_t)(tcplen >> 8);
		f[o + 5] = (uint8_t)tcplen;
		f[o + 6] = 6;
		f[o + 7] = s->ttl;
		memcpy(f + o + 8, src6, 16);
		memcpy(f + o + 24, dst6, 16);
		o += 40;
	} else {
		/* TOS 0x10, id 0x1c46, DF, TCP, checksum 0xbeef */
		memcpy(f + o,
		       "\x45\x10\x00\x00\x1c\x46\x40\x00\x00\x06\xbe\xef"
		       "\x0a\x00\x00\x02\xc6\x33\x64\x07",
		       20);
		f[o + 2] = (uint8_t)((20 + tcplen) >> 8);
		f[o + 3] = (uint8_t)(20 + tcplen);
		f[o + 8] = s->ttl;
		o += 20;
	}
	t = f + o;
	t[0] = 0xc3;
	t[1] = 0x50;
	t[2] = 0x00;
	t[3] = 0x15;
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(s->seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(s->ack >> (24 - 8 * i));
	}
	t[12] = (uint8_t)((20 + s->olen) / 4) << 4;
	t[13] = s->flags;
	t[14] = 0x72;
	t[15] = 0x10;
	t[16] = 0x12;
	t[17] = 0x34;
	t[18] = 0;
	t[19] = 0;
	if (s->olen)
		memcpy(t + 20, s->opts, s->olen);
	memcpy(t + 20 + s->olen, s->pl, s->plen);
	return o + tcplen;
}

/* RFC 1071 written again, over any number of pieces. */
static uint32_t ref_sum(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return acc;
}

static uint16_t ref_fold(uint32_t acc)
{
	acc = (acc >> 16) + (acc & 0xffff);
	acc = (acc >> 16) + (acc & 0xffff);
	return (uint16_t)(acc ^ 0xffff);
}

/* 1 when the IP header (v4) and TCP checksums of packet @p verify. */
static int csums_ok(const uint8_t *p, size_t len, bool v6)
{
	size_t l3 = v6 ? 40 : (size_t)(p[0] & 15) * 4;
	uint8_t ph[12] = { 0 };
	uint32_t acc;

	if (!v6 && ref_fold(ref_sum(0, p, l3)) != 0) {
		printf("    bad IPv4 header checksum\n");
		return 0;
	}
	if (v6) {
		acc = ref_sum(0, p + 8, 32);
	} else {
		acc = ref_sum(0, p + 12, 8);
	}
	ph[2] = (uint8_t)((len - l3) >> 8);
	ph[3] = (uint8_t)(len - l3);
	ph[7] = 6;
	acc = ref_sum(acc, ph, 8);
	acc = ref_sum(acc, p + l3, len - l3);
	if (ref_fold(acc) != 0) {
		printf("    bad TCP checksum\n");
		return 0;
	}
	return 1;
}

static int bytes_are(const uint8_t *got, const uint8_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i]) {
			printf("    byte %zu: 0x%02x, want 0x%02x\n", i, got[i],
			       want[i]);
			return 0;
		}
	return 1;
}

static void seg_parse_v4(void)
{
	struct fspec fs = { .pl = LIT("PORT 10,0,0,2,4,1\r\n"),
			    .flags = 0x19,
			    .seq = 1000,
			    .ack = 0x00bc614e,
			    .ttl = 64 };
	uint8_t f[128] = { 0 };
	size_t n = mk_frame(f, &fs);
	const char *why = NULL;
	struct seg s;

	ASSERT_EQ(n, 14 + 20 + 20 + 19);
	/* Ethernet padding after the IP packet is not payload */
	ASSERT_EQ(seg_parse(f, n + 6, &s, &why), 0);
	ASSERT_EQ(s.frame, f);
	ASSERT_EQ(s.family, AF_INET);
	ASSERT_EQ(s.l3, 14);
	ASSERT_EQ(s.l4, 34);
	ASSERT_EQ(s.l4_hlen, 20);
	ASSERT_EQ(s.payload, 54);
	ASSERT_EQ(s.plen, 19);
	ASSERT_EQ(s.seq, 1000);
	ASSERT_EQ(s.ack, 0x00bc614e);
	ASSERT_EQ(s.flags, 0x19);
	ASSERT_EQ(s.ttl, 64);
	ASSERT_EQ(s.sport, 50000);
	ASSERT_EQ(s.dport, 21);
	ASSERT_TRUE(!memcmp(s.saddr, "\x0a\x00\x00\x02", 4), "saddr");
	ASSERT_TRUE(!memcmp(s.daddr, "\xc6\x33\x64\x07", 4), "daddr");

	fs.v6 = true;
	n = mk_frame(f, &fs);
	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	ASSERT_EQ(s.family, AF_INET6);
	ASSERT_EQ(s.l4, 54);
	ASSERT_EQ(s.payload, 74);
	ASSERT_EQ(s.plen, 19);
	ASSERT_EQ(s.daddr[5], 1);
	ASSERT_EQ(s.daddr[15], 7);
}

/* seg_parse of f[0..n) with byte @at set to @v: fails with @reason? */
static int rejects(const uint8_t *f0, size_t n, size_t at, uint8_t v,
		   const char *reason)
{
	uint8_t f[128];
	const char *why = NULL;
	struct seg s;

	memcpy(f, f0, n);
	if (at < n)
		f[at] = v;
	if (seg_parse(f, n, &s, &why) != -1 || !why || strcmp(why, reason)) {
		printf("    byte %zu = 0x%02x: \"%s\", want \"%s\"\n", at, v,
		       why ? why : "(accepted)", reason);
		return 0;
	}
	return 1;
}

#define NONE 1000 /* no byte changed */

static void seg_parse_rejects_v4(void)
{
	struct fspec fs = { .pl = LIT("PORT 10,0,0,2,4,1\r\n"),
			    .flags = 0x18,
			    .seq = 1,
			    .ack = 2,
			    .ttl = 64 };
	uint8_t f[128];
	size_t n = mk_frame(f, &fs);

	ASSERT_TRUE(rejects(f, 0, NONE, 0, "truncated"), "empty");
	ASSERT_TRUE(rejects(f, 13, NONE, 0, "truncated"), "short Ethernet");
	ASSERT_TRUE(rejects(f, 33, NONE, 0, "truncated"), "short IPv4");
	ASSERT_TRUE(rejects(f, n, 13, 0x06, "not IP"), "ARP");
	ASSERT_TRUE(rejects(f, n, 12, 0x88, "not IP"), "0x8800");
	/* IHL below 5, above what is there; IP version not 4 */
	ASSERT_TRUE(rejects(f, n, 14, 0x44, "bad IPv4 header"), "IHL 4");
	ASSERT_TRUE(rejects(f, 14 + 40, 14, 0x4f, "bad IPv4 header"), "IHL 15");
	ASSERT_TRUE(rejects(f, n, 14, 0x65, "bad IPv4 header"), "version");
	/* total length past the frame, below the header */
	ASSERT_TRUE(rejects(f, n, 17, 60, "bad IPv4 length"), "tot_len +1");
	ASSERT_TRUE(rejects(f, n, 16, 0x01, "bad IPv4 length"), "tot_len big");
	ASSERT_TRUE(rejects(f, n, 17, 19, "bad IPv4 length"), "tot_len 19");
	/* room for the IP header only / a TCP header cut short */
	ASSERT_TRUE(rejects(f, n, 17, 20, "truncated"), "tot_len 20");
	ASSERT_TRUE(rejects(f, n, 17, 39, "truncated"), "tot_len 39");
	/* fragments, not TCP */
	ASSERT_TRUE(rejects(f, n, 20, 0x60,
			    "not an unfragmented TCP segment or UDP datagram"),
		    "MF");
	ASSERT_TRUE(rejects(f, n, 21, 0x01,
			    "not an unfragmented TCP segment or UDP datagram"),
		    "offset");
	ASSERT_TRUE(rejects(f, n, 23, 1,
			    "not an unfragmented TCP segment or UDP datagram"),
		    "ICMP");
	/* TCP data offset below 5, beyond the packet */
	ASSERT_TRUE(rejects(f, n, 46, 0x40, "bad TCP header length"), "doff 4");
	ASSERT_TRUE(rejects(f, n, 46, 0xf0, "bad TCP header length"),
		    "doff 15");
	/* a VLAN tag with nothing after it */
	f[12] = 0x81;
	f[13] = 0x00;
	ASSERT_TRUE(rejects(f, 17, NONE, 0, "truncated"), "short VLAN");
}

static void seg_parse_rejects_v6(void)
{
	struct fspec fs = { .v6 = true,
			    .pl = LIT("EPRT |2|::1|5|\r\n"),
			    .flags = 0x18,
			    .seq = 1,
			    .ack = 2,
			    .ttl = 64 };
	uint8_t f[128];
	size_t n = mk_frame(f, &fs);
	const char *why;
	struct seg s;

	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	ASSERT_TRUE(rejects(f, 14 + 39, NONE, 0, "truncated"), "short IPv6");
	ASSERT_TRUE(rejects(f, n, 14, 0x4a, "bad IPv6 header"), "version");
	ASSERT_TRUE(rejects(f, n, 19, 20 + 16 + 1, "bad IPv6 length"),
		    "payload length");
	/* hop-by-hop, routing, fragment, ICMPv6 */
	ASSERT_TRUE(
		rejects(f, n, 20, 0, "IPv6 extension headers or not TCP/UDP"),
		"hop-by-hop");
	ASSERT_TRUE(
		rejects(f, n, 20, 43, "IPv6 extension headers or not TCP/UDP"),
		"routing");
	ASSERT_TRUE(
		rejects(f, n, 20, 44, "IPv6 extension headers or not TCP/UDP"),
		"fragment");
	ASSERT_TRUE(
		rejects(f, n, 20, 58, "IPv6 extension headers or not TCP/UDP"),
		"ICMPv6");
	ASSERT_TRUE(rejects(f, n, 19, 19, "truncated"), "TCP cut short");
	ASSERT_TRUE(rejects(f, n, 66, 0x50 + 0xa0, "bad TCP header length"),
		    "doff 15");
}

static void seg_build_v4_exact(void)
{
	static const uint8_t want[] = {
		/* IPv4: length 66, TTL 63, checksum 0xeb23 */
		0x45, 0x10, 0x00, 0x42, 0x1c, 0x46, 0x40, 0x00, 0x3f, 0x06,
		0xeb, 0x23, 0x0a, 0x00, 0x00, 0x02, 0xc6, 0x33, 0x64, 0x07,
		/* TCP: seq 2000, ack 0xbc6150, PSH|ACK, checksum 0x4c81 */
		0xc3, 0x50, 0x00, 0x15, 0x00, 0x00, 0x07, 0xd0, 0x00, 0xbc,
		0x61, 0x50, 0x50, 0x18, 0x72, 0x10, 0x4c, 0x81, 0x00, 0x00, 'P',
		'O', 'R', 'T', ' ', '1', '9', '8', ',', '5', '1', ',', '1', '0',
		'0', ',', '7', ',', '1', '9', ',', '1', '3', '7', '\r', '\n'
	};
	struct fspec fs = { .pl = LIT("PORT 10,0,0,2,4,1\r\n"),
			    .flags = 0x19,
			    .seq = 1000,
			    .ack = 0x00bc614e,
			    .ttl = 64 };
	static const char pl[] = "PORT 198,51,100,7,19,137\r\n";
	struct seg_build b = {
		.seq = 2000,
		.ack = 0x00bc6150,
		.payload = (const uint8_t *)pl,
		.plen = sizeof(pl) - 1,
		.dec_ttl = true,
		.clear_fin = true,
	};
	uint8_t f[128], p[256];
	const char *why;
	struct seg s;
	size_t n = mk_frame(f, &fs);

	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), (int)sizeof(want));
	ASSERT_TRUE(csums_ok(p, sizeof(want), false), "checksums");
	ASSERT_TRUE(bytes_are(p, want, sizeof(want)), "packet");
	/* the frame is left alone */
	ASSERT_EQ(f[14 + 8], 64);
	ASSERT_EQ(f[14 + 20 + 13], 0x19);
}

static void seg_build_v6_exact(void)
{
	static const uint8_t ts[12] = { 1,    1,    8, 10, 0,	 0,
					0x12, 0x34, 0, 0,  0x56, 0x78 };
	static const uint8_t want[] = {
		/* IPv6: payload length 63, hop limit 63 */
		0x6a, 0xbc, 0xde, 0xf1, 0x00, 0x3f, 0x06, 0x3f, 0x20, 0x01,
		0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
		/* TCP: seq 0x10, ack 0xfffffff0, FIN|ACK, checksum 0x831c */
		0xc3, 0x50, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, 0xff, 0xff,
		0xff, 0xf0, 0x80, 0x11, 0x72, 0x10, 0x83, 0x1c, 0x00, 0x00,
		/* timestamps, untouched */
		0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00,
		0x56, 0x78, 'E', 'P', 'R', 'T', ' ', '|', '2', '|', '2', '0',
		'0', '1', ':', 'd', 'b', '8', ':', '1', ':', ':', '9', '9', '|',
		'4', '0', '0', '0', '0', '|', '\r', '\n'
	};
	struct fspec fs = { .v6 = true,
			    .opts = ts,
			    .olen = sizeof(ts),
			    .pl = LIT("EPRT |2|2001:db8::2|5000|\r\n"),
			    .flags = 0x19,
			    .seq = 0xfffffff0u,
			    .ack = 0x10,
			    .ttl = 64 };
	static const char pl[] = "EPRT |2|2001:db8:1::99|40000|\r\n";
	struct seg_build b = {
		.seq = 0x10,
		.ack = 0xfffffff0u,
		.payload = (const uint8_t *)pl,
		.plen = sizeof(pl) - 1,
		.dec_ttl = true,
		.clear_psh = true,
	};
	uint8_t f[192], p[256];
	const char *why;
	struct seg s;
	size_t n = mk_frame(f, &fs);

	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	ASSERT_EQ(s.l4_hlen, 32);
	ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), (int)sizeof(want));
	ASSERT_TRUE(csums_ok(p, sizeof(want), true), "checksums");
	ASSERT_TRUE(bytes_are(p, want, sizeof(want)), "packet");
}

static void seg_build_ttl(void)
{
	struct fspec fs = { .pl = LIT("NOOP\r\n"), .flags = 0x18, .ttl = 1 };
	struct seg_build b = { .payload = (const uint8_t *)"NOOP\r\n",
			       .plen = 6 };
	uint8_t f[128], p[256];
	const char *why;
	struct seg s;

	for (int v6 = 0; v6 < 2; v6++) {
		size_t l3 = v6 ? 40 : 20, ttl_at = v6 ? 7 : 8;
		size_t n;

		fs.v6 = v6;
		fs.ttl = 1;
		n = mk_frame(f, &fs);
		ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
		/* not routed yet with TTL 1: it would expire here */
		b.dec_ttl = true;
		ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), -1);
		b.dec_ttl = false;
		ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), (int)(l3 + 26));
		ASSERT_EQ(p[ttl_at], 1);
		ASSERT_TRUE(csums_ok(p, l3 + 26, v6), "checksums");
		fs.ttl = 64;
		n = mk_frame(f, &fs);
		ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
		b.dec_ttl = true;
		ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), (int)(l3 + 26));
		ASSERT_EQ(p[ttl_at], 63);
		ASSERT_TRUE(csums_ok(p, l3 + 26, v6), "checksums");
	}
}

static void seg_build_flags(void)
{
	static const struct {
		bool fin, psh;
		uint8_t want;
	} t[] = {
		{ false, false, 0x39 },
		{ true, false, 0x38 },
		{ false, true, 0x31 },
		{ true, true, 0x30 },
	};
	/* URG|ACK|PSH|FIN */
	struct fspec fs = { .pl = LIT("QUIT\r\n"), .flags = 0x39, .ttl = 9 };
	struct seg_build b = { .payload = (const uint8_t *)"QUIT\r\n",
			       .plen = 6 };
	uint8_t f[128], p[256];
	const char *why;
	struct seg s;
	size_t n = mk_frame(f, &fs);

	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		b.clear_fin = t[i].fin;
		b.clear_psh = t[i].psh;
		ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), 46);
		ASSERT_EQ(p[33], t[i].want);
		ASSERT_TRUE(csums_ok(p, 46, false), "checksums");
	}
	/* a zero-length payload (FIN only) */
	b.plen = 0;
	ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), 40);
	ASSERT_EQ(p[3], 40);
	ASSERT_TRUE(csums_ok(p, 40, false), "checksums");
}

static void seg_build_sack(void)
{
	static const uint8_t opts[] = {
		/* NOP NOP timestamps 1000 2000 */
		0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
		0x07, 0xd0,
		/* NOP NOP SACK [1030, 1040) [1025, 1100) */
		0x01, 0x01, 0x05, 0x12, 0x00, 0x00, 0x04, 0x06, 0x00, 0x00,
		0x04, 0x10, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x04, 0x4c
	};
	static const uint8_t want[] = { 0x01, 0x01, 0x08, 0x0a, 0x00, 0x00,
					0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,
					/* [1018, 1028) [1018, 1088) */
					0x01, 0x01, 0x05, 0x12, 0x00, 0x00,
					0x03, 0xfa, 0x00, 0x00, 0x04, 0x04,
					0x00, 0x00, 0x03, 0xfa, 0x00, 0x00,
					0x04, 0x40 };
	/* the peer's direction: [1000, 1018) went out as [1000, 1030) */
	struct bpfalg_seqadj a = { .n = 1, .pt = { { 1018, 12 } } };
	struct fspec fs = { .opts = opts,
			    .olen = sizeof(opts),
			    .pl = "",
			    .flags = 0x10,
			    .seq = 7,
			    .ack = 1030,
			    .ttl = 64 };
	struct seg_build b = { .seq = 7, .ack = 1018, .sack_adj = &a };
	uint8_t f[128], p[256];
	const char *why;
	struct seg s;
	size_t n = mk_frame(f, &fs);

	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	ASSERT_EQ(s.l4_hlen, 52);
	ASSERT_EQ(s.plen, 0);
	ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), 72);
	ASSERT_TRUE(bytes_are(p + 40, want, sizeof(want)), "options");
	ASSERT_TRUE(csums_ok(p, 72, false), "checksums");
	/* no history: the edges stay */
	b.sack_adj = NULL;
	ASSERT_EQ(seg_build(&s, &b, p, sizeof(p)), 72);
	ASSERT_TRUE(bytes_are(p + 40, opts, sizeof(opts)), "options kept");
	ASSERT_TRUE(csums_ok(p, 72, false), "checksums");
}

static void seg_build_vlan(void)
{
	struct fspec fs = { .pl = LIT("PORT 10,0,0,2,4,1\r\n"),
			    .flags = 0x18,
			    .seq = 1000,
			    .ack = 5,
			    .ttl = 64 };
	static const char pl[] = "PORT 198,51,100,7,19,137\r\n";
	struct seg_build b = { .seq = 1000,
			       .ack = 5,
			       .payload = (const uint8_t *)pl,
			       .plen = sizeof(pl) - 1,
			       .dec_ttl = true };
	uint8_t f[128], g[128], p[256], q[256];
	const char *why;
	struct seg s, t;
	size_t n = mk_frame(f, &fs), m;
	int len;

	fs.vlan = true;
	m = mk_frame(g, &fs);
	ASSERT_EQ(m, n + 4);
	ASSERT_EQ(seg_parse(g, m, &t, &why), 0);
	ASSERT_EQ(t.l3, 18);
	ASSERT_EQ(t.l4, 38);
	ASSERT_EQ(t.payload, 58);
	ASSERT_EQ(t.plen, 19);
	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	len = seg_build(&s, &b, p, sizeof(p));
	ASSERT_EQ(len, 66);
	/* the same IP packet comes out of both */
	ASSERT_EQ(seg_build(&t, &b, q, sizeof(q)), len);
	ASSERT_TRUE(bytes_are(q, p, (size_t)len), "packet");
	ASSERT_TRUE(csums_ok(q, (size_t)len, false), "checksums");
	/* 802.1ad outer tag */
	g[12] = 0x88;
	g[13] = 0xa8;
	ASSERT_EQ(seg_parse(g, m, &t, &why), 0);
	ASSERT_EQ(t.l3, 18);
}

static void seg_build_room(void)
{
	struct fspec fs = { .pl = LIT("NOOP\r\n"), .flags = 0x18, .ttl = 64 };
	struct seg_build b = { .payload = (const uint8_t *)"NOOP\r\n",
			       .plen = 6 };
	uint8_t f[128], p[64];
	const char *why;
	struct seg s;
	size_t n = mk_frame(f, &fs);

	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	memset(p, 0xaa, sizeof(p));
	ASSERT_EQ(seg_build(&s, &b, p, 45), -1);
	ASSERT_EQ(p[0], 0xaa);
	ASSERT_EQ(seg_build(&s, &b, p, 46), 46);
	ASSERT_EQ(p[46], 0xaa);
	/* more than an IP packet can hold */
	b.plen = 65536 - 40;
	ASSERT_EQ(seg_build(&s, &b, p, (size_t)1 << 20), -1);
}

/* Refusals ------------------------------------------------------------ */

static int send_ack(struct stream *st, int dir, uint32_t seq, const char *s,
		    size_t n, uint32_t ack)
{
	struct stream_in in = {
		.seq = seq,
		.data = (const uint8_t *)s,
		.len = n,
		.has_ack = true,
		.ack = ack,
	};

	return stream_segment(st, dir, &in, &out);
}

static int inject_is(uint32_t seq, uint32_t ack, const char *want, size_t n)
{
	if (out.inject_len != n || memcmp(out.inject, want, n) ||
	    out.inject_seq != seq || out.inject_ack != ack) {
		printf("    inject seq %u ack %u \"%.*s\"\n", out.inject_seq,
		       out.inject_ack, (int)out.inject_len, out.inject);
		return 0;
	}
	return 1;
}

/*
 * Nine refusals answered at one point, then a tenth: their texts are one
 * record, so none falls out of the records (a restarted controller sends
 * the whole answer again from them, and a retransmission across the point
 * replays all of it).
 */
static void stream_refuse_many_one_point(void)
{
	static char deny[9 * 8], want[8 + 10 * 8];
	const struct stream_rec *r;
	struct stream st;

	for (int i = 0; i < 9; i++)
		memcpy(deny + 8 * i, "DENY x\r\n", 8);
	memcpy(want, "220 hi\r\n", 8);
	for (int i = 0; i < 10; i++)
		memcpy(want + 8 + 8 * i, "550 no\r\n", 8);
	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 hi\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5000, deny, sizeof(deny), 1008), 0);
	ASSERT_EQ(out.n_refused, 9);
	ASSERT_TRUE(inject_is(1008, 5072, want + 8, 72), "inject");
	ASSERT_EQ(send_ack(&st, 0, 5072, LIT("DENY x\r\n"), 1008), 0);
	ASSERT_TRUE(inject_is(1080, 5080, LIT("550 no\r\n")), "tenth");
	ASSERT_TRUE(pt_is(&st.d[1].adj, 0, 1008, 80), "server point");
	r = stream_last_rec(&st, 1);
	ASSERT_TRUE(r && r->a == 1008 && r->b == 1008 && r->len == 80 &&
			    !memcmp(r->out, want + 8, 80),
		    "one record");
	ASSERT_EQ(st.d[1].rec_n, 1);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 hi\r\n"), 5080), 1);
	ASSERT_TRUE(chunk_is(0, 1000, want, sizeof(want), false), "replay");
	stream_free(&st);
}

/* A refused command is not forwarded; its sender gets the text at the
 * other side's position; both directions shift consistently afterwards.
 */
static void stream_refuse_answered(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 hi\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("DENY x\r\n"), 1008), 0);
	ASSERT_EQ(out.n_refused, 1);
	ASSERT_TRUE(!out.inject_failed, "inject_failed: %s", out.inject_failed);
	ASSERT_TRUE(inject_is(1008, 5008, LIT("550 no\r\n")), "inject");
	ASSERT_TRUE(out.adj_changed, "adj_changed");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 5008, -8), "client point");
	ASSERT_TRUE(pt_is(&st.d[1].adj, 0, 1008, 8), "server point");
	ASSERT_EQ(st.d[0].adj.pt[0].len, 8);
	ASSERT_EQ(st.d[1].adj.pt[0].len, 0);
	ASSERT_TRUE(!out.refused_again, "refused_again on first sight");
	/* the answer was lost: the client sends the line again, nothing
	 * goes to the server and the caller is told to answer again
	 */
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("DENY x\r\n"), 1008), 0);
	ASSERT_TRUE(out.refused_again, "refused_again");
	ASSERT_EQ(out.n_refused, 0);
	ASSERT_EQ(line_calls, 2); /* "220 hi" and the DENY, once */
	ASSERT_EQ(st.d[0].adj.n, 1);
	ASSERT_EQ(st.d[1].adj.n, 1);
	/* the next command goes where the refused one would have */
	ASSERT_EQ(send_ack(&st, 0, 5008, LIT("NOOP\r\n"), 1016), 1);
	ASSERT_TRUE(ONE_CHUNK(5000, "NOOP\r\n", false), "next command");
	ASSERT_EQ(out.n_refused, 0);
	ASSERT_EQ(out.inject_len, 0);
	/* the server's answer follows the injected text */
	ASSERT_EQ(send_ack(&st, 1, 1008, LIT("200 ok\r\n"), 5006), 1);
	ASSERT_TRUE(ONE_CHUNK(1016, "200 ok\r\n", false), "server reply");
	/* what the client acknowledges maps back to what the server sent */
	ASSERT_EQ(seqadj_unack(&st.d[1].adj, 1024), 1016);
	ASSERT_EQ(seqadj_unack(&st.d[1].adj, 1016), 1008);
	ASSERT_EQ(seqadj_unack(&st.d[0].adj, 5006), 5014);
	stream_free(&st);
}

static void stream_refuse_mid_segment(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 hi\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("NOOP\r\nDENY\r\nNOOP\r\n"), 1008),
		  1);
	ASSERT_TRUE(ONE_CHUNK(5000, "NOOP\r\nNOOP\r\n", false), "forwarded");
	ASSERT_TRUE(inject_is(1008, 5012, LIT("550 no\r\n")), "inject");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 5012, -6), "client point");
	ASSERT_EQ(seqadj_off(&st.d[0].adj, 5012), -6);
	ASSERT_EQ(seqadj_off(&st.d[0].adj, 5006), 0);
	stream_free(&st);
}

/* Nothing seen from the other side yet: its position is the ack. */
static void stream_refuse_position_from_ack(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("DENY\r\n"), 777), 0);
	ASSERT_TRUE(inject_is(777, 5006, LIT("550 no\r\n")), "inject");
	ASSERT_TRUE(st.d[1].init, "other side started");
	ASSERT_EQ(st.d[1].sent, 777);
	ASSERT_EQ(send_ack(&st, 1, 777, LIT("200 ok\r\n"), 5006), 1);
	ASSERT_TRUE(ONE_CHUNK(785, "200 ok\r\n", false), "server reply");
	stream_free(&st);
}

/* The other side stopped in the middle of a line: no text can go in,
 * the command is still not forwarded.
 */
static void stream_refuse_other_midline(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220-partial"), 5000), 1);
	ASSERT_TRUE(st.d[1].midline, "midline");
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("DENY\r\n"), 1011), 0);
	ASSERT_EQ(out.n_refused, 1);
	ASSERT_EQ(out.inject_len, 0);
	ASSERT_TRUE(out.inject_failed != NULL, "inject_failed");
	ASSERT_EQ(st.d[1].adj.n, 0);
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 5006, -6), "client point");
	stream_free(&st);
}

/* A retransmission of the other side across the insertion point carries
 * the injected text again, so its bytes match what the receiver has.
 */
static void stream_refuse_other_retrans(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 a\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("DENY\r\n"), 1007), 0);
	ASSERT_TRUE(inject_is(1007, 5006, LIT("550 no\r\n")), "inject");
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 a\r\n200 b\r\n"), 5000), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "220 a\r\n550 no\r\n200 b\r\n", false),
		    "replay with the text");
	stream_free(&st);
}

/* An empty text (a header line of a refused request): removed, nothing
 * sent back; the acknowledgement still covers it.
 */
static void stream_refuse_quiet(void)
{
	struct stream st;

	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 a\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("QUIET\r\n"), 1007), 0);
	ASSERT_EQ(out.n_refused, 1);
	ASSERT_EQ(out.inject_len, 0);
	ASSERT_TRUE(!out.inject_failed, "inject_failed");
	ASSERT_EQ(out.inject_ack, 5007);
	ASSERT_EQ(st.d[1].adj.n, 0);
	/* its retransmission sends nothing */
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("QUIET\r\n"), 1007), 0);
	ASSERT_TRUE(!out.dropped, "dropped: %s", out.dropped);
	stream_free(&st);
}

/*
 * A session rebuilt (idle drop, restart): the server's "220 hi" went out
 * before ([1000, 1008), REPLAY_SENT), the client has not acknowledged it
 * yet.  Its refusal answer goes after it, not at its acknowledgement
 * (fuzz_engine: stream-refusal-before-loaded-end-min): at 1000 the
 * client would get "550 no" where "220 hi" already went.
 */
static void stream_refuse_rebuilt_after_sent(void)
{
	struct stream st;

	setup(&st);
	stream_load_sent(&st, 1, 1008);
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("DENY x\r\n"), 1000), 0);
	ASSERT_EQ(out.n_refused, 1);
	ASSERT_TRUE(inject_is(1008, 5008, LIT("550 no\r\n")), "inject");
	ASSERT_TRUE(pt_is(&st.d[1].adj, 0, 1008, 8), "server point");
	ASSERT_EQ(st.d[1].sent, 1008);
	/* the server's retransmission of what went out: as it was, not
	 * parsed again; its next line after the answer
	 */
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 hi\r\n200 ok\r\n"), 5000), 1);
	ASSERT_TRUE(ONE_CHUNK(1000, "220 hi\r\n550 no\r\n200 ok\r\n", false),
		    "replay, answer, next line");
	ASSERT_EQ(line_calls, 2); /* the DENY, "200 ok" */
	stream_free(&st);
}

/*
 * A session rebuilt with the server's history at a previous answer
 * (1008, +8) and an acknowledgement before it (1000): the new answer
 * joins the previous one, and the server's direction is not started at
 * the acknowledgement (fuzz_engine: stream-refusal-history-ahead-init:
 * it was, with the answer refused, and the server's bytes from 1000 were
 * then parsed again and sent where the answer already was).
 */
static void stream_refuse_rebuilt_history_ahead(void)
{
	const struct stream_rec *r;
	struct stream st, st2;

	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 hi\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("DENY x\r\n"), 1008), 0);
	ASSERT_TRUE(inject_is(1008, 5008, LIT("550 no\r\n")), "first");

	stream_init(&st2, &t_ops, NULL, &stats);
	stream_load_adj(&st2, 0, &st.d[0].adj);
	stream_load_adj(&st2, 1, &st.d[1].adj);
	r = stream_last_rec(&st, 1);
	ASSERT_EQ(stream_load_rec(&st2, 1, r->a, r->b, r->out, r->len), 0);
	r = stream_last_rec(&st, 0);
	ASSERT_EQ(stream_load_rec(&st2, 0, r->a, r->b, r->out, r->len), 0);
	stream_load_sent(&st2, 0, 5008);
	ASSERT_EQ(send_ack(&st2, 0, 5008, LIT("DENY y\r\n"), 1000), 0);
	ASSERT_EQ(out.n_refused, 1);
	ASSERT_TRUE(!out.inject_failed, "inject_failed: %s", out.inject_failed);
	ASSERT_TRUE(inject_is(1016, 5016, LIT("550 no\r\n")), "second");
	ASSERT_TRUE(pt_is(&st2.d[1].adj, 0, 1008, 16), "one server point");
	ASSERT_EQ(st2.d[1].sent, 1008);
	ASSERT_EQ(send_ack(&st2, 1, 1000, LIT("220 hi\r\n200 ok\r\n"), 5000),
		  1);
	ASSERT_TRUE(ONE_CHUNK(1000, "220 hi\r\n550 no\r\n550 no\r\n200 ok\r\n",
			      false),
		    "replay with both answers");
	stream_free(&st2);
	stream_free(&st);
}

/*
 * Seventy refusals answered at one point in two segments: 560 bytes of
 * text, more than one answer holds (STREAM_INJECT_MAX), in two records
 * (512 + 48).  What a rebuilt session sends again (engine.c answer_load)
 * is all of it, cut between the records, at the right wire positions
 * (fuzz_engine: restart-loses-answer-1, -2: taken as one answer, the
 * texts at the point did not fit it and none was kept; the client's
 * stream had a hole nobody filled).
 */
static void stream_text_runs_one_point(void)
{
	static char deny[40 * 8], want[70 * 8];
	uint8_t buf[STREAM_INJECT_MAX];
	struct stream st;
	uint32_t seq = 0;

	for (int i = 0; i < 40; i++)
		memcpy(deny + 8 * i, "DENY x\r\n", 8);
	for (int i = 0; i < 70; i++)
		memcpy(want + 8 * i, "550 no\r\n", 8);
	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 hi\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5000, deny, 40 * 8, 1008), 0);
	ASSERT_TRUE(inject_is(1008, 5320, want, 320), "first");
	ASSERT_EQ(send_ack(&st, 0, 5320, deny, 30 * 8, 1008), 0);
	ASSERT_TRUE(inject_is(1328, 5560, want, 240), "second");
	ASSERT_TRUE(pt_is(&st.d[1].adj, 0, 1008, 560), "one point");
	ASSERT_EQ(st.d[1].rec_n, 2);
	ASSERT_EQ(stream_text_run(&st, 1, 0, buf, sizeof(buf), &seq), 512);
	ASSERT_EQ(seq, 1008);
	ASSERT_TRUE(!memcmp(buf, want, 512), "run 0");
	ASSERT_EQ(stream_text_run(&st, 1, 1, buf, sizeof(buf), &seq), 48);
	ASSERT_EQ(seq, 1520);
	ASSERT_TRUE(!memcmp(buf, want, 48), "run 1");
	ASSERT_EQ(stream_text_run(&st, 1, 2, buf, sizeof(buf), &seq), 0);
	/* a record larger than the answer is left out, the rest is not */
	ASSERT_EQ(stream_text_run(&st, 1, 0, buf, 100, &seq), 48);
	ASSERT_EQ(seq, 1520);
	ASSERT_EQ(stream_text_run(&st, 1, 1, buf, 100, &seq), 0);
	/* nothing inserted into the client's direction */
	ASSERT_EQ(stream_text_run(&st, 0, 0, buf, sizeof(buf), &seq), 0);
	stream_free(&st);
}

/* Texts at two points (a line of the server between them): two runs,
 * the newer after the server's line.
 */
static void stream_text_runs_two_points(void)
{
	uint8_t buf[STREAM_INJECT_MAX];
	struct stream st;
	uint32_t seq = 0;

	setup(&st);
	ASSERT_EQ(send_ack(&st, 1, 1000, LIT("220 hi\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5000, LIT("DENY x\r\n"), 1008), 0);
	ASSERT_EQ(send_ack(&st, 1, 1008, LIT("PORT 1,2,3,4,5,6\r\n"), 5000), 1);
	ASSERT_EQ(send_ack(&st, 0, 5008, LIT("DENY y\r\nDENY z\r\n"), 1026), 0);
	ASSERT_TRUE(inject_is(1046, 5024, LIT("550 no\r\n550 no\r\n")),
		    "second");
	ASSERT_EQ(stream_text_run(&st, 1, 0, buf, sizeof(buf), &seq), 8);
	ASSERT_EQ(seq, 1008);
	ASSERT_EQ(stream_text_run(&st, 1, 1, buf, sizeof(buf), &seq), 16);
	ASSERT_EQ(seq, 1046);
	ASSERT_TRUE(!memcmp(buf, "550 no\r\n550 no\r\n", 16), "run 1");
	ASSERT_EQ(stream_text_run(&st, 1, 2, buf, sizeof(buf), &seq), 0);
	stream_free(&st);
}

/* UDP (SIP) ------------------------------------------------------------ */

/* 1 when the IPv4 header and UDP checksums of packet @p verify. */
static int udp_csums_ok(const uint8_t *p, size_t len)
{
	uint8_t ph[8] = { 0 };
	uint32_t acc;

	if (ref_fold(ref_sum(0, p, 20)) != 0) {
		printf("    bad IPv4 header checksum\n");
		return 0;
	}
	acc = ref_sum(0, p + 12, 8);
	ph[2] = (uint8_t)((len - 20) >> 8);
	ph[3] = (uint8_t)(len - 20);
	ph[7] = 17;
	acc = ref_sum(acc, ph, 8);
	acc = ref_sum(acc, p + 20, len - 20);
	if (ref_fold(acc) != 0) {
		printf("    bad UDP checksum\n");
		return 0;
	}
	return 1;
}

/* Ethernet + IPv4 10.0.1.2 -> 192.0.2.2, TTL 64, UDP 5060 -> 5060. */
static size_t udp_frame(uint8_t *f, const char *pl, size_t plen)
{
	static const uint8_t hdr[] = { 0,    1,	   2,	 3,  4,	   5,	 6,
				       7,    8,	   9,	 10, 11,   0x08, 0x00,
				       0x45, 0,	   0,	 0,  0x12, 0x34, 0x40,
				       0,    64,   17,	 0,  0,	   10,	 0,
				       1,    2,	   192,	 0,  2,	   2,	 0x13,
				       0xc4, 0x13, 0xc4, 0,  0,	   0,	 0 };
	size_t n = sizeof(hdr) + plen;

	memcpy(f, hdr, sizeof(hdr));
	memcpy(f + sizeof(hdr), pl, plen);
	f[16] = (uint8_t)((n - 14) >> 8);
	f[17] = (uint8_t)(n - 14);
	f[38] = (uint8_t)((n - 34) >> 8);
	f[39] = (uint8_t)(n - 34);
	return n;
}

static void seg_parse_udp(void)
{
	uint8_t f[128];
	const char *why;
	struct seg s;
	size_t n = udp_frame(f, LIT("OPTIONS"));

	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	ASSERT_EQ(s.proto, 17);
	ASSERT_EQ(s.sport, 5060);
	ASSERT_EQ(s.dport, 5060);
	ASSERT_EQ(s.payload, 42);
	ASSERT_EQ(s.plen, 7);
	ASSERT_EQ(s.l4_hlen, 8);
	/* a UDP length beyond the IP packet */
	f[39] += 1;
	ASSERT_EQ(seg_parse(f, n, &s, &why), -1);
	ASSERT_STREQ(why, "bad UDP length");
	f[38] = 0;
	f[39] = 7;
	ASSERT_EQ(seg_parse(f, n, &s, &why), -1);
}

static void seg_build_udp(void)
{
	static const char pl[] = "OPTIONS sip:x SIP/2.0";
	struct seg_build b = {
		.payload = (const uint8_t *)pl,
		.plen = sizeof(pl) - 1,
		.dec_ttl = true,
	};
	uint8_t f[128], p[256];
	const char *why;
	struct seg s;
	size_t n = udp_frame(f, LIT("OPTIONS"));
	int len;

	ASSERT_EQ(seg_parse(f, n, &s, &why), 0);
	len = seg_build(&s, &b, p, sizeof(p));
	ASSERT_EQ(len, 20 + 8 + 21);
	ASSERT_EQ(p[2] << 8 | p[3], 49); /* IPv4 total length */
	ASSERT_EQ(p[8], 63); /* TTL */
	ASSERT_EQ(p[24] << 8 | p[25], 29); /* UDP length */
	ASSERT_TRUE(!memcmp(p + 28, pl, 21), "payload");
	ASSERT_TRUE(udp_csums_ok(p, (size_t)len), "checksums");
}

static void seg_build_new_udp(void)
{
	static const char pl[] = "SIP/2.0 403 Forbidden\r\n\r\n";
	struct seg_new r = {
		.family = AF_INET,
		.proto = 17,
		.saddr = { 192, 0, 2, 2 },
		.daddr = { 10, 0, 1, 2 },
		.sport = 5060,
		.dport = 5070,
		.payload = (const uint8_t *)pl,
		.plen = sizeof(pl) - 1,
	};
	uint8_t p[256];
	int len = seg_build_new(&r, p, sizeof(p));

	ASSERT_EQ(len, 20 + 8 + 25);
	ASSERT_EQ(p[0], 0x45);
	ASSERT_EQ(p[9], 17);
	ASSERT_EQ(p[8], 64);
	ASSERT_TRUE(!memcmp(p + 12, r.saddr, 4) && !memcmp(p + 16, r.daddr, 4),
		    "addresses");
	ASSERT_EQ(p[20] << 8 | p[21], 5060);
	ASSERT_EQ(p[22] << 8 | p[23], 5070);
	ASSERT_EQ(p[24] << 8 | p[25], 33);
	ASSERT_TRUE(udp_csums_ok(p, (size_t)len), "checksums");
	ASSERT_EQ(seg_build_new(&r, p, 40), -1);
}

/* Framed streams (SIP over TCP) ----------------------------------------- */

/* Messages end with '|'; "!" cannot be framed; a message starting 'G'
 * is sent twice (grows), one starting 'D' is refused with "403|"; one
 * starting 'L' and five digits is that many bytes long (no '|').
 */
static long f_frame(void *ctx, int dir, const uint8_t *buf, size_t len)
{
	const uint8_t *e;

	if (buf[0] == '!')
		return -1;
	if (buf[0] == 'L') {
		long total = 0;

		if (len < 6)
			return 0;
		for (int i = 1; i < 6; i++)
			total = total * 10 + (buf[i] - '0');
		return (size_t)total > len ? STREAM_FRAME_NEED(total) : total;
	}
	e = memchr(buf, '|', len);
	return e ? (long)(e - buf) + 1 : 0;
}

static int f_line2(void *ctx, int dir, const uint8_t *m, size_t len, uint8_t *o,
		   size_t cap)
{
	line_calls++;
	if (m[0] == 'D') {
		if (cap < 5)
			return -1;
		memcpy(o, "403|", 5);
		return STREAM_LINE_REFUSE;
	}
	if (m[0] != 'G' || cap < 2 * len)
		return -1;
	memcpy(o, m, len);
	memcpy(o + len, m, len);
	return (int)(2 * len);
}

static bool f_hold2(void *ctx, int dir, const uint8_t *buf, size_t len)
{
	hold_calls++;
	return false; /* framed: the engine holds regardless */
}

static const struct stream_ops f_ops2 = {
	.line = f_line2,
	.hold = f_hold2,
	.frame = f_frame,
};

static void setup_framed(struct stream *st)
{
	setup(st);
	stream_init(st, &f_ops2, NULL, &stats);
}

static void stream_framed_two_in_one(void)
{
	struct stream st;

	setup_framed(&st);
	ASSERT_EQ(SEND(&st, 100, "Gab|xy|Gc|"), 1);
	ASSERT_TRUE(ONE_CHUNK(100, "Gab|Gab|xy|Gc|Gc|", false), "output");
	ASSERT_EQ(line_calls, 3);
	ASSERT_TRUE(pt_is(&st.d[0].adj, 0, 104, 4), "first point");
	ASSERT_TRUE(pt_is(&st.d[0].adj, 1, 110, 7), "second point");
	stream_free(&st);
}

static void stream_framed_split_held(void)
{
	struct stream st;

	setup_framed(&st);
	ASSERT_EQ(SEND(&st, 100, "Gabc"), 0);
	ASSERT_EQ(st.d[0].next - st.d[0].sent, 4); /* held */
	ASSERT_EQ(hold_calls, 0); /* not asked: a frame is always held */
	ASSERT_EQ(SEND(&st, 104, "de|Gz"), 1);
	ASSERT_TRUE(ONE_CHUNK(100, "Gabcde|Gabcde|", false), "completed");
	ASSERT_EQ(st.d[0].next - st.d[0].sent, 2); /* "Gz" held */
	stream_free(&st);
}

/* All output chunks, in order and contiguous from @seq, are @want. */
static int output_is(uint32_t seq, const char *want, size_t n)
{
	size_t at = 0;

	for (int i = 0; i < out.n; i++) {
		const struct stream_chunk *c = &out.chunk[i];

		if (c->seq != seq + at || at + c->len > n ||
		    memcmp(out.buf + c->off, want + at, c->len)) {
			printf("    chunk %d: seq %u len %zu, expected seq "
			       "%zu\n",
			       i, c->seq, c->len, seq + at);
			return 0;
		}
		at += c->len;
	}
	if (at != n)
		printf("    %zu of %zu bytes out\n", at, n);
	return at == n;
}

/* A message longer than the hold, its length known from its header: it
 * passes unchanged, and framing resumes right after it (before, the
 * first such message turned framing off for the rest of the flow).
 */
static void stream_framed_long_passes(void)
{
	static char a[1004], b[2000], c[2003], want[1008];
	struct stream st;

	setup_framed(&st);
	memcpy(a, "Gab|L05000", 10);
	memset(a + 10, 'x', sizeof(a) - 10);
	memset(b, 'y', sizeof(b));
	memset(c, 'z', sizeof(c) - 3);
	memcpy(c + sizeof(c) - 3, "Gc|", 3);
	ASSERT_EQ(send_at(&st, 0, 100, a, sizeof(a), false, 0) > 0, 1);
	memcpy(want, "Gab|Gab|", 8);
	memcpy(want + 8, a + 4, sizeof(a) - 4);
	ASSERT_TRUE(output_is(100, want, sizeof(want)), "first segment");
	ASSERT_EQ(st.d[0].next - st.d[0].sent, 0); /* nothing held */
	ASSERT_EQ(stats.passed_long, 1);
	ASSERT_EQ(send_at(&st, 0, 1104, b, sizeof(b), false, 0) > 0, 1);
	ASSERT_TRUE(output_is(1108, b, sizeof(b)), "middle unchanged");
	ASSERT_EQ(send_at(&st, 0, 3104, c, sizeof(c), false, 0) > 0, 1);
	ASSERT_TRUE(out.len >= 6 && !memcmp(out.buf + out.len - 6, "Gc|Gc|", 6),
		    "framing resumed after the long message");
	ASSERT_TRUE(!st.d[0].unframed && !st.d[0].skipping, "framed");
	ASSERT_EQ(line_calls, 2);
	ASSERT_EQ(stats.passed_long, 1);
	stream_free(&st);
}

static void stream_framed_bad_passes(void)
{
	struct stream st;

	setup_framed(&st);
	ASSERT_EQ(SEND(&st, 100, "!junk|Gx|"), 1);
	ASSERT_TRUE(ONE_CHUNK(100, "!junk|Gx|", false), "unchanged");
	ASSERT_TRUE(st.d[0].unframed, "unframed");
	ASSERT_EQ(stats.dropped, 1);
	/* from here on everything passes as it is */
	ASSERT_EQ(SEND(&st, 109, "Gy|"), 1);
	ASSERT_TRUE(ONE_CHUNK(109, "Gy|", false), "still unchanged");
	ASSERT_EQ(line_calls, 0);
	stream_free(&st);
}

static void stream_framed_refused(void)
{
	struct stream st;

	setup_framed(&st);
	ASSERT_EQ(send_ack(&st, 1, 500, LIT("Gs|"), 100), 1);
	ASSERT_EQ(send_ack(&st, 0, 100, LIT("Dmsg|xy|"), 506), 1);
	ASSERT_TRUE(ONE_CHUNK(100, "xy|", false), "rest forwarded");
	ASSERT_TRUE(inject_is(506, 105, LIT("403|")), "403 back");
	stream_free(&st);
}

UNIT_CASES(stream_cases, CASE(stream_line_unchanged),
	   CASE(stream_rewrite_longer), CASE(stream_rewrite_shorter),
	   CASE(stream_two_commands), CASE(stream_three_rewrites),
	   CASE(stream_three_rewrites_one_segment), CASE(stream_split_command),
	   CASE(stream_split_command_after_line), CASE(stream_split_plain_line),
	   CASE(stream_midline_not_line_start), CASE(stream_retrans_rewritten),
	   CASE(stream_retrans_before_point),
	   CASE(stream_retrans_cut_whole_line),
	   CASE(stream_loss_rewritten_line_chunk_lost),
	   CASE(stream_retrans_partial_overlap), CASE(stream_ooo_released),
	   CASE(stream_ooo_queue_full), CASE(stream_expire_hold),
	   CASE(stream_hold_acked_then_lost),
	   CASE(stream_hold_retrans_absorbed), CASE(stream_fin_flag),
	   CASE(stream_fin_releases_hold), CASE(stream_fin_out_of_order),
	   CASE(stream_chunks_at_mss), CASE(stream_chunks_min_mss),
	   CASE(stream_chunks_last_takes_rest), CASE(stream_output_limit),
	   CASE(stream_replay_too_large), CASE(stream_new_data_does_not_fit),
	   CASE(stream_retrans_forgotten_record),
	   CASE(stream_retrans_loaded_history),
	   CASE(stream_directions_independent), CASE(stream_seq_wraparound),
	   CASE(stream_load_history),
	   CASE(stream_restart_replays_loaded_record),
	   CASE(stream_restart_new_first_folded),
	   CASE(stream_restart_folded_zero_base), CASE(seqadj_push_folds),
	   CASE(seqadj_off_values), CASE(seqadj_unack_values),
	   CASE(seqadj_wraparound), CASE(seg_parse_v4),
	   CASE(seg_parse_rejects_v4), CASE(seg_parse_rejects_v6),
	   CASE(seg_build_v4_exact), CASE(seg_build_v6_exact),
	   CASE(seg_build_ttl), CASE(seg_build_flags), CASE(seg_build_sack),
	   CASE(seg_build_vlan), CASE(seg_build_room),
	   CASE(stream_refuse_answered), CASE(stream_refuse_mid_segment),
	   CASE(stream_refuse_position_from_ack),
	   CASE(stream_refuse_other_midline), CASE(stream_refuse_other_retrans),
	   CASE(stream_refuse_quiet), CASE(seg_parse_udp), CASE(seg_build_udp),
	   CASE(seg_build_new_udp), CASE(stream_framed_two_in_one),
	   CASE(stream_framed_split_held), CASE(stream_framed_long_passes),
	   CASE(stream_framed_bad_passes), CASE(stream_framed_refused),
	   CASE(stream_refuse_many_one_point),
	   CASE(stream_refuse_rebuilt_after_sent),
	   CASE(stream_refuse_rebuilt_history_ahead),
	   CASE(stream_text_runs_one_point), CASE(stream_text_runs_two_points));
