// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_engine.c - libFuzzer target for the controller's engine as the
 * daemon runs it (user/engine/engine.c: engine_punt, engine_tick, a
 * restart), with the real FTP module and stream engine, between two TCP
 * endpoints over a network that loses, duplicates and reorders.
 *
 * The maps are in memory (bpf_map_* and pins_map_fd are defined here),
 * the reinjection socket is a queue (reinject_* are defined here), the
 * clock is the fuzzer's.  The datapath's part is modelled: a pure ACK
 * goes through seqadj_unack() with the history the engine published in
 * "ctl", as TC applies it.  One FTP control connection, the client inside
 * (10.0.1.2:40000 -> 192.0.2.2:21, public 192.0.2.1:40000).
 *
 * Input: one config byte (bit 0 deny STOR, bits 1-2 the client's segment
 * size 100 / 300 / 700 / 1400 bytes, bit 3 the server's 100 or 1400, bits
 * 4-7 the ISNs' high bits), then operations until the input ends:
 *
 *   op & 7 == 0  the client queues a line: [op] [template] [a] [b]
 *               (PORT naming itself with port a*256+b, EPRT, STOR, NOOP,
 *               "STO" without its end, LIST, raw: b bytes of input)
 *   op & 7 == 1  the server queues a line: [op] [template] [b] (220,
 *               200, 150, 226, 550, raw)
 *   op & 7 == 2  endpoint (op bit 3: server) sends one segment: new data,
 *               or (bit 4) a retransmission from its oldest
 *               unacknowledged byte; it carries its acknowledgement
 *   op & 7 == 3  the network delivers the next packet to endpoint (bit 3);
 *               bit 4 loses it, bit 5 delivers it twice, bit 6 swaps the
 *               first two first
 *   op & 7 == 4  endpoint (bit 3) sends a pure ACK (bit 4: lost)
 *   op & 7 == 5  time passes: [op] [ms / 8]; engine_tick once a second
 *   op & 7 == 6  the controller restarts (engine_close, engine_open: the
 *               maps stay, as pins do)
 *   op & 7 == 7  the network delivers everything queued to both ends
 *
 * Checked (abort() on violation):
 *  - every packet the engine sends parses, and its TCP checksum is right;
 *  - a receiver never gets two different bytes at one sequence number
 *    (a replay is the same bytes, a rewrite never shifts what was sent),
 *    until the engine resets the connection;
 *  - liveness: after the input, both ends end their data with a line end
 *    and everything is exchanged without loss (retransmissions from the
 *    oldest unacknowledged byte, as TCP does): every byte each end sent
 *    must then be acknowledged, unless the engine reset the connection
 *    (an end that gets a reset sends and takes nothing more) or lost its
 *    session (evicted, table full).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfalg.h"
#include "bpfalg_seqadj.h"
#include "engine/engine.h"
#include "engine/packet.h"
#include "pins.h"
#include "util/log.h"

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "fuzz_engine: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);                             \
			abort();                                              \
		}                                                             \
	} while (0)

#ifdef FUZZ_TRACE
#define TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define TRACE(...) \
	do {       \
	} while (0)
#endif

/* ------------------------------------------------------------ maps */

struct fmap {
	const char *name;
	size_t ks, vs;
	unsigned int max, n;
	uint8_t *k, *v;
};

#define FD_BASE 1000
static struct fmap fmaps[] = {
	{ "flows4", sizeof(struct bpfalg_key4), sizeof(struct bpfalg_flow),
	  64 },
	{ "flows4_new", sizeof(struct bpfalg_key4), sizeof(struct bpfalg_flow),
	  64 },
	{ "flow_rev4", sizeof(struct bpfalg_key4), sizeof(struct bpfalg_rev4),
	  64 },
	{ "flow_rev4_new", sizeof(struct bpfalg_key4),
	  sizeof(struct bpfalg_rev4), 64 },
	{ "flows6", sizeof(struct bpfalg_tuple), sizeof(struct bpfalg_flow),
	  8 },
	{ "flows6_new", sizeof(struct bpfalg_tuple), sizeof(struct bpfalg_flow),
	  8 },
	{ "flow_rev6", sizeof(struct bpfalg_tuple), sizeof(struct bpfalg_rev6),
	  8 },
	{ "flow_rev6_new", sizeof(struct bpfalg_tuple),
	  sizeof(struct bpfalg_rev6), 8 },
	{ "ctl", sizeof(struct bpfalg_tuple), sizeof(struct bpfalg_ctl), 16 },
	{ "ctl_replay", sizeof(struct bpfalg_replay_key),
	  sizeof(struct bpfalg_replay), 16 },
	{ "pinholes", sizeof(struct bpfalg_pinhole_key),
	  sizeof(struct bpfalg_pinhole), 256 },
	{ "forwards", sizeof(struct bpfalg_fwd_key), sizeof(struct bpfalg_fwd),
	  8 },
	{ "alg_stats", sizeof(__u32), sizeof(struct bpfalg_alg_stats),
	  BPFALG_ALG_MAX },
	{ "cfg", sizeof(__u32), sizeof(struct bpfalg_config), 1 },
	{ "calls", sizeof(__u64), sizeof(struct bpfalg_call), 8 },
	{ "alg_cfg", sizeof(__u32), sizeof(struct bpfalg_alg_cfg),
	  BPFALG_ALG_MAX },
};
#define N_FMAPS (sizeof(fmaps) / sizeof(fmaps[0]))

static struct fmap *fmap_of(int fd)
{
	if (fd < FD_BASE || fd >= FD_BASE + (int)N_FMAPS)
		return NULL;
	return &fmaps[fd - FD_BASE];
}

static int fmap_find(const struct fmap *m, const void *key)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (!memcmp(m->k + i * m->ks, key, m->ks))
			return (int)i;
	return -1;
}

static int fail_errno(int e)
{
	errno = e;
	return -e;
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	struct fmap *m = fmap_of(fd);
	int i;

	if (!m)
		return fail_errno(EBADF);
	i = fmap_find(m, key);
	if (i < 0)
		return fail_errno(ENOENT);
	memcpy(value, m->v + (size_t)i * m->vs, m->vs);
	return 0;
}

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	struct fmap *m = fmap_of(fd);
	int i;

	if (!m)
		return fail_errno(EBADF);
	i = fmap_find(m, key);
	if (i >= 0 && flags == BPF_NOEXIST)
		return fail_errno(EEXIST);
	if (i < 0 && flags == BPF_EXIST)
		return fail_errno(ENOENT);
	if (i < 0) {
		if (m->n == m->max)
			return fail_errno(E2BIG);
		i = (int)m->n++;
		memcpy(m->k + (size_t)i * m->ks, key, m->ks);
	}
	memcpy(m->v + (size_t)i * m->vs, value, m->vs);
	return 0;
}

int bpf_map_delete_elem(int fd, const void *key)
{
	struct fmap *m = fmap_of(fd);
	int i;

	if (!m)
		return fail_errno(EBADF);
	i = fmap_find(m, key);
	if (i < 0)
		return fail_errno(ENOENT);
	m->n--;
	memmove(m->k + (size_t)i * m->ks, m->k + (size_t)m->n * m->ks, m->ks);
	memmove(m->v + (size_t)i * m->vs, m->v + (size_t)m->n * m->vs, m->vs);
	return 0;
}

int bpf_map_get_next_key(int fd, const void *key, void *next_key)
{
	struct fmap *m = fmap_of(fd);
	int i;

	if (!m)
		return fail_errno(EBADF);
	i = key ? fmap_find(m, key) + 1 : 0;
	if (i >= (int)m->n)
		return fail_errno(ENOENT);
	memcpy(next_key, m->k + (size_t)i * m->ks, m->ks);
	return 0;
}

int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys,
			 void *values, __u32 *count,
			 const struct bpf_map_batch_opts *opts)
{
	(void)fd, (void)in_batch, (void)out_batch, (void)keys, (void)values,
		(void)opts;
	*count = 0;
	return fail_errno(ENOENT);
}

int pins_map_fd(const char *pin_path, const char *name, char *err,
		size_t errlen)
{
	(void)pin_path;
	for (unsigned int i = 0; i < N_FMAPS; i++)
		if (!strcmp(fmaps[i].name, name))
			return FD_BASE + (int)i;
	snprintf(err, errlen, "no map %s", name);
	return -1;
}

/* ------------------------------------------------- clock, reinjection */

static uint64_t now_ns;

unsigned long long mono_ns(void)
{
	return now_ns;
}

#define NETQ 64
struct netpkt {
	uint8_t *p;
	size_t len;
};
/* [0]: towards the client, [1]: towards the server */
static struct netpkt netq[2][NETQ];
static int netn[2];

int reinject_open(struct reinject *r, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	r->fd4 = r->fd6 = -1;
	return 0;
}

void reinject_close(struct reinject *r)
{
	(void)r;
}

int reinject_set_mark(struct reinject *r, uint32_t mark)
{
	r->mark = mark;
	return 0;
}

static bool reset_sent;

#define CLIENT_A 0x0a000102u /* 10.0.1.2 */
#define SERVER_A 0xc0000202u /* 192.0.2.2 */
#define PUBLIC_A 0xc0000201u /* 192.0.2.1 */
#define CPORT 40000
#define SPORT 21

int reinject_send(struct reinject *r, int family, const uint8_t *pkt,
		  size_t len)
{
	struct seg g;
	const char *why;
	uint8_t frame[14 + SEG_MAX_PKT];
	uint32_t dst;
	int to;

	(void)r;
	CHECK(family == AF_INET && len >= 40 && len <= SEG_MAX_PKT);
	memset(frame, 0, 14);
	frame[12] = 0x08;
	memcpy(frame + 14, pkt, len);
	CHECK(!seg_parse(frame, len + 14, &g, &why));
	CHECK(g.proto == 6);
	{
		/* the TCP checksum over the pseudo-header sums to zero */
		uint32_t sum = csum_add_bytes(0, pkt + 12, 8);

		sum += 6 + (uint32_t)(len - 20);
		sum = csum_add_bytes(sum, pkt + 20, len - 20);
		CHECK(csum_fold16(sum) == 0);
	}
	dst = (uint32_t)pkt[16] << 24 | pkt[17] << 16 | pkt[18] << 8 | pkt[19];
	CHECK(dst == CLIENT_A || dst == SERVER_A || dst == PUBLIC_A);
	/* the engine reset the connection: what a peer still gets of it
	 * afterwards (a flow gone, its segments passed as they are) is no
	 * longer one stream
	 */
	if (pkt[33] & 0x04)
		reset_sent = true;
	to = dst == SERVER_A;
	TRACE("    engine -> %s: %zu bytes\n", to ? "server" : "client", len);
	if (netn[to] == NETQ)
		return 0; /* the queue is full: lost */
	netq[to][netn[to]].p = malloc(len);
	CHECK(netq[to][netn[to]].p);
	memcpy(netq[to][netn[to]].p, pkt, len);
	netq[to][netn[to]].len = len;
	netn[to]++;
	return 0;
}

/* util/log.c hands libbpf's messages to our log; no libbpf here */
libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)
{
	(void)fn;
	return NULL;
}

const char *alg_name(unsigned int alg)
{
	return alg == BPFALG_ALG_FTP ? "ftp" : "alg";
}

/* -------------------------------------------------------- endpoints */

#define DATA_MAX 8192
#define WIRE_MAX 32768

struct end {
	/* sending: original numbers (what the datapath calls original) */
	uint8_t data[DATA_MAX];
	size_t len; /* bytes the application wrote */
	uint32_t isn;
	size_t una, nxt; /* offsets into data */
	size_t mss;
	/* receiving: the other direction's wire numbers */
	uint32_t peer_isn;
	uint8_t wire[WIRE_MAX], have[WIRE_MAX];
	size_t rcv_nxt; /* offset from peer_isn + 1 */
	bool dead; /* got a reset: sends and takes nothing more */
};

static struct end ends[2]; /* [0] client, [1] server */
static struct engine eng;
static bool eng_open;
static const struct bpfalg_tuple *ctl_key;
static struct bpfalg_tuple key;

/* the last 16 bytes are for the final line end (liveness) */
static void end_write(struct end *e, const void *p, size_t n)
{
	if (n > DATA_MAX - 16 - e->len)
		n = DATA_MAX - 16 - e->len;
	memcpy(e->data + e->len, p, n);
	e->len += n;
}

/* What TC does to a pure ACK of end @who: its ack goes through the
 * other direction's published history.
 */
static const struct bpfalg_seqadj *published(int dir)
{
	static struct bpfalg_ctl c;

	if (bpf_map_lookup_elem(FD_BASE + 8, &key, &c))
		memset(&c, 0, sizeof(c));
	return &c.dir[dir];
}

static void end_acked(struct end *e, uint32_t ack)
{
	uint32_t off = ack - (e->isn + 1);

	/* TCP takes an acknowledgement of bytes sent, never an old one */
	if ((int32_t)off > (int32_t)e->una && off <= e->nxt)
		e->una = off;
}

static void pure_ack(int who, bool lost)
{
	struct end *e = &ends[who];
	uint32_t ack = e->peer_isn + 1 + (uint32_t)e->rcv_nxt;

	if (lost || e->dead)
		return;
	/* the client's ACK acknowledges the server's data (dir 1) */
	TRACE("%s acks wire +%zu -> %u\n", who ? "server" : "client",
	      e->rcv_nxt,
	      seqadj_unack(published(who ^ 1), ack) - (ends[who ^ 1].isn + 1));
	end_acked(&ends[who ^ 1], seqadj_unack(published(who ^ 1), ack));
}

/* A frame as TC punts it: Ethernet, IPv4, TCP (no options). */
static void punt(int who, size_t off, size_t n)
{
	static uint8_t rec[sizeof(struct bpfalg_punt_hdr) + 14 + 40 + DATA_MAX];
	struct bpfalg_punt_hdr *h = (void *)rec;
	uint8_t *f = rec + sizeof(*h), *ip = f + 14, *th = ip + 20;
	struct end *e = &ends[who];
	uint32_t seq = e->isn + 1 + (uint32_t)off;
	uint32_t ack = e->peer_isn + 1 + (uint32_t)e->rcv_nxt;
	uint32_t src = who ? SERVER_A : CLIENT_A;
	uint32_t dst = who ? PUBLIC_A : SERVER_A;
	size_t tot = 40 + n;
	uint32_t sum;

	memset(rec, 0, sizeof(*h) + 14 + 40);
	h->layout_version = BPFALG_LAYOUT_VERSION;
	h->pkt_len = (uint32_t)(14 + tot);
	h->orig_len = h->pkt_len;
	h->dir = (uint8_t)who;
	h->ingress = (uint8_t)who;
	h->alg = BPFALG_ALG_FTP;
	h->reason = BPFALG_PUNT_ALG_PAYLOAD;
	h->key = key;
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	sum = csum_add_bytes(0, ip, 20);
	ip[10] = (uint8_t)(csum_fold16(sum) >> 8);
	ip[11] = (uint8_t)csum_fold16(sum);
	th[0] = who ? 0 : CPORT >> 8;
	th[1] = who ? SPORT : CPORT & 0xff;
	th[2] = who ? CPORT >> 8 : 0;
	th[3] = who ? CPORT & 0xff : SPORT;
	for (int i = 0; i < 4; i++) {
		th[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		th[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	th[12] = 5 << 4;
	th[13] = 0x18; /* ACK PSH */
	th[14] = 0xff;
	th[15] = 0xff;
	memcpy(th + 20, e->data + off, n);
	TRACE("%s sends [%zu, %zu) ack %u: %.*s|\n", who ? "server" : "client",
	      off, off + n, e->rcv_nxt, (int)n, (const char *)e->data + off);
	sum = csum_add_bytes(0, ip + 12, 8) + 6 + (uint32_t)(20 + n);
	sum = csum_add_bytes(sum, th, 20 + n);
	th[16] = (uint8_t)(csum_fold16(sum) >> 8);
	th[17] = (uint8_t)csum_fold16(sum);
	engine_punt(&eng, rec, sizeof(*h) + 14 + tot);
}

static void send_seg(int who, bool retrans)
{
	struct end *e = &ends[who];
	size_t from = retrans ? e->una : e->nxt;
	size_t n = e->len - from;

	if (e->dead)
		return;
	if (n > e->mss)
		n = e->mss;
	if (!n)
		return;
	if (from + n > e->nxt)
		e->nxt = from + n;
	punt(who, from, n);
}

/* Packet @p reaches end @who: the other end's data, or what the engine
 * sent as from the other end (an answer, an acknowledgement of held
 * bytes).
 */
static void receive(int who, const uint8_t *p, size_t len)
{
	struct end *e = &ends[who];
	const uint8_t *th = p + 20;
	size_t hl = (size_t)(th[12] >> 4) * 4, n = len - 20 - hl;
	uint32_t seq = (uint32_t)th[4] << 24 | th[5] << 16 | th[6] << 8 | th[7];
	uint32_t ack =
		(uint32_t)th[8] << 24 | th[9] << 16 | th[10] << 8 | th[11];
	uint32_t off = seq - (e->peer_isn + 1);

	TRACE("  %s gets seq +%u len %zu flags %02x ack %u: %.*s|\n",
	      who ? "server" : "client", off, n, th[13], ack - (e->isn + 1),
	      (int)n, (const char *)th + hl);
	if (e->dead)
		return;
	if (th[13] & 0x04) {
		e->dead = true; /* a reset: the end gives up */
		return;
	}
	if (th[13] & 0x10)
		end_acked(e, ack);
	for (size_t i = 0; i < n; i++) {
		uint32_t o = off + (uint32_t)i;

		if (o >= WIRE_MAX)
			continue;
		if (e->have[o] && !reset_sent)
			CHECK(e->wire[o] == th[hl + i]);
		e->wire[o] = th[hl + i];
		e->have[o] = 1;
	}
	while (e->rcv_nxt < WIRE_MAX && e->have[e->rcv_nxt])
		e->rcv_nxt++;
}

static void deliver(int who, bool lose, bool twice, bool swap)
{
	struct netpkt pk;

	if (!netn[who])
		return;
	if (swap && netn[who] > 1) {
		pk = netq[who][0];
		netq[who][0] = netq[who][1];
		netq[who][1] = pk;
	}
	pk = netq[who][0];
	memmove(netq[who], netq[who] + 1,
		(size_t)(netn[who] - 1) * sizeof(netq[who][0]));
	netn[who]--;
	if (!lose) {
		receive(who, pk.p, pk.len);
		if (twice)
			receive(who, pk.p, pk.len);
	}
	free(pk.p);
}

static void net_flush(void)
{
	for (int w = 0; w < 2; w++)
		while (netn[w])
			deliver(w, false, false, false);
}

/* ---------------------------------------------------------- setup */

static void controller_open(void)
{
	struct engine_config ec;
	char err[256];

	engine_config_defaults(&ec);
	CHECK(!engine_open(&eng, "/fuzz", &ec, err, sizeof(err)));
	eng_open = true;
}

static void setup(uint8_t cfg)
{
	static const size_t mss[4] = { 100, 300, 700, 1400 };
	struct bpfalg_flow f;
	struct bpfalg_alg_cfg ac = { .mode = BPFALG_MODE_ON };
	struct bpfalg_config c = { .layout_version = BPFALG_LAYOUT_VERSION };
	struct alg_policy pol;
	__u32 zero = 0;
	char err[128];

	for (unsigned int i = 0; i < N_FMAPS; i++) {
		struct fmap *m = &fmaps[i];

		if (!m->k) {
			m->k = calloc(m->max, m->ks);
			m->v = calloc(m->max, m->vs);
			CHECK(m->k && m->v);
		}
		m->n = 0;
	}
	for (int w = 0; w < 2; w++) {
		while (netn[w])
			free(netq[w][--netn[w]].p);
	}
	memset(ends, 0, sizeof(ends));
	reset_sent = false;
	ends[0].isn = 0xfffff000u + ((uint32_t)(cfg >> 4) << 8);
	ends[1].isn = 0x7ffffff0u - ((uint32_t)(cfg >> 4) << 4);
	ends[0].peer_isn = ends[1].isn;
	ends[1].peer_isn = ends[0].isn;
	ends[0].mss = mss[(cfg >> 1) & 3];
	ends[1].mss = (cfg & 8) ? 1400 : 100;
	now_ns = 1000ULL * 1000000000ULL;

	memset(&key, 0, sizeof(key));
	key.saddr[0] = htonl(CLIENT_A);
	key.daddr[0] = htonl(SERVER_A);
	key.sport = htons(CPORT);
	key.dport = htons(SPORT);
	key.proto = BPFALG_IPPROTO_TCP;
	key.family = BPFALG_AF_INET;
	ctl_key = &key;
	c.public_v4 = htonl(PUBLIC_A);
	c.port_min = 1024;
	c.port_max = 65535;
	CHECK(!bpf_map_update_elem(FD_BASE + 13, &zero, &c, BPF_ANY));
	for (__u32 a = 1; a < BPFALG_ALG_MAX; a++)
		CHECK(!bpf_map_update_elem(FD_BASE + 15, &a, &ac, BPF_ANY));

	controller_open();
	memset(&pol, 0, sizeof(pol));
	if (cfg & 1)
		CHECK(!alg_policy_parse(&pol, "STOR", err, sizeof(err)));
	engine_set_policy(&eng, BPFALG_ALG_FTP, &pol);

	memset(&f, 0, sizeof(f));
	f.reply4.saddr = htonl(SERVER_A);
	f.reply4.daddr = htonl(PUBLIC_A);
	f.reply4.sport = htons(SPORT);
	f.reply4.dport = htons(CPORT);
	f.last_seen_ns = now_ns;
	/* older than the controller, as any flow a restarted one finds */
	f.created_s = (uint32_t)(now_ns / 1000000000ULL) - 1;
	f.state = BPFALG_ST_ESTABLISHED;
	f.tcp_end[0] = ends[0].isn + 1;
	f.tcp_end[1] = ends[1].isn + 1;
	f.nat = BPFALG_NAT_SNAT;
	f.alg = BPFALG_ALG_FTP;
	CHECK(!flowtab_insert(&eng.ft, &key, &f));
}

static void client_line(uint8_t t, uint8_t a, uint8_t b, const uint8_t **in,
			size_t *left)
{
	char l[96];
	int n;

	switch (t % 8) {
	case 0:
		n = snprintf(l, sizeof(l), "PORT 10,0,1,2,%u,%u\r\n", a, b);
		break;
	case 1:
		n = snprintf(l, sizeof(l), "EPRT |1|10.0.1.2|%u|\r\n",
			     a * 256 + b);
		break;
	case 2:
		n = snprintf(l, sizeof(l), "STOR f%u\r\n", a);
		break;
	case 3:
		n = snprintf(l, sizeof(l), "NOOP\r\n");
		break;
	case 4:
		n = snprintf(l, sizeof(l), "STO");
		break;
	case 5:
		n = snprintf(l, sizeof(l), "LIST\r\n");
		break;
	default: {
		size_t k = b < *left ? b : *left;

		end_write(&ends[0], *in, k);
		*in += k;
		*left -= k;
		return;
	}
	}
	end_write(&ends[0], l, (size_t)n);
}

static void server_line(uint8_t t, uint8_t b, const uint8_t **in, size_t *left)
{
	static const char *const lines[] = {
		"220 hi\r\n",	"200 ok\r\n", "150 go\r\n",
		"226 done\r\n", "550 no\r\n", "230 in\r\n",
	};

	if (t % 8 < 6) {
		end_write(&ends[1], lines[t % 8], strlen(lines[t % 8]));
	} else {
		size_t k = b < *left ? b : *left;

		end_write(&ends[1], *in, k);
		*in += k;
		*left -= k;
	}
}

static void tick_to(uint64_t t)
{
	while (now_ns / 1000000000ULL < t / 1000000000ULL) {
		now_ns = (now_ns / 1000000000ULL + 1) * 1000000000ULL;
		engine_tick(&eng);
	}
	now_ns = t;
}

/* Did the engine give up on the connection in a way the ends see? */
static bool engine_ended(void)
{
	const __u64 *c = eng.cnt[BPFALG_ALG_FTP];

	/* a reset reached an end: it stopped (counters of a controller
	 * that restarted before its next tick are not kept)
	 */
	if (ends[0].dead || ends[1].dead || reset_sent)
		return true;
	return c[BPFALG_AS_RESET] || c[BPFALG_AS_SESSIONS_EVICTED] ||
	       c[BPFALG_AS_SESSIONS_FULL] || c[BPFALG_AS_REINJECT_FAIL];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *in = data;
	size_t left = size;

	if (!left)
		return 0;
	log_level = getenv("FUZZ_LOG") ? 2 : -1;
	setup(*in++);
	left--;
	/* the server greets first, as FTP servers do */
	end_write(&ends[1], "220 hi\r\n", 8);
	while (left >= 1) {
		uint8_t op = *in++, x, y;
		int who = (op >> 3) & 1;

		left--;
		switch (op & 7) {
		case 0:
			if (left < 3)
				break;
			x = in[1];
			y = in[2];
			in += 3;
			left -= 3;
			client_line(in[-3], x, y, &in, &left);
			break;
		case 1:
			if (left < 2)
				break;
			x = in[0];
			y = in[1];
			in += 2;
			left -= 2;
			server_line(x, y, &in, &left);
			break;
		case 2:
			send_seg(who, op & 0x10);
			break;
		case 3:
			deliver(who, op & 0x10, op & 0x20, op & 0x40);
			break;
		case 4:
			pure_ack(who, op & 0x10);
			break;
		case 5:
			if (!left)
				break;
			tick_to(now_ns + (uint64_t)*in * 8000000ULL);
			in++;
			left--;
			break;
		case 6:
			engine_close(&eng);
			controller_open();
			break;
		case 7:
			net_flush();
			break;
		}
	}

	/* Liveness: both ends finish their last line; then no loss. */
	memcpy(ends[0].data + ends[0].len, "\r\nNOOP\r\n", 8);
	ends[0].len += 8;
	memcpy(ends[1].data + ends[1].len, "\r\n200 ok\r\n", 10);
	ends[1].len += 10;
	for (int round = 0; round < 400; round++) {
		for (int w = 0; w < 2; w++) {
			if (ends[w].nxt < ends[w].len)
				send_seg(w, false);
			else if (ends[w].una < ends[w].len)
				send_seg(w, true);
		}
		net_flush();
		pure_ack(0, false);
		pure_ack(1, false);
		if (round % 8 == 7)
			tick_to(now_ns + 250000000ULL);
		if (ends[0].una == ends[0].len && ends[1].una == ends[1].len)
			break;
	}
	if (!engine_ended()) {
		if (ends[0].una != ends[0].len || ends[1].una != ends[1].len)
			fprintf(stderr,
				"fuzz_engine: stalled: client %zu/%zu, server "
				"%zu/%zu acknowledged\n",
				ends[0].una, ends[0].len, ends[1].una,
				ends[1].len);
		CHECK(ends[0].una == ends[0].len);
		CHECK(ends[1].una == ends[1].len);
	}
	engine_close(&eng);
	eng_open = false;
	net_flush();
	return 0;
}
