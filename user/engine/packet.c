// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* packet.c - see packet.h. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "bpfalg_seqadj.h"
#include "engine/packet.h"

#define ETH_HLEN 14
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_SACK 5
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

uint32_t csum_add_bytes(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t csum_fold16(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int seg_parse(const uint8_t *f, size_t len, struct seg *s, const char **why)
{
	size_t off = ETH_HLEN, l3len, hl;
	uint16_t proto;

	memset(s, 0, sizeof(*s));
	s->frame = f;
	*why = "truncated";
	if (len < ETH_HLEN)
		return -1;
	proto = rd16(f + 12);
	if (proto == 0x8100 || proto == 0x88a8) {
		if (len < ETH_HLEN + 4)
			return -1;
		proto = rd16(f + 16);
		off += 4;
	}
	s->l3 = off;
	if (proto == 0x0800) {
		if (len < off + 20)
			return -1;
		hl = (f[off] & 0x0f) * 4;
		if ((f[off] >> 4) != 4 || hl < 20 || len < off + hl) {
			*why = "bad IPv4 header";
			return -1;
		}
		l3len = rd16(f + off + 2);
		if (l3len < hl || off + l3len > len) {
			*why = "bad IPv4 length";
			return -1;
		}
		if ((f[off + 9] != 6 && f[off + 9] != 17) ||
		    (rd16(f + off + 6) & 0x3fff)) {
			*why = "not an unfragmented TCP segment or UDP "
			       "datagram";
			return -1;
		}
		s->proto = f[off + 9];
		s->family = AF_INET;
		s->ttl = f[off + 8];
		memcpy(s->saddr, f + off + 12, 4);
		memcpy(s->daddr, f + off + 16, 4);
		s->l4 = off + hl;
	} else if (proto == 0x86dd) {
		if (len < off + 40)
			return -1;
		if ((f[off] >> 4) != 6) {
			*why = "bad IPv6 header";
			return -1;
		}
		l3len = 40 + rd16(f + off + 4);
		if (off + l3len > len) {
			*why = "bad IPv6 length";
			return -1;
		}
		if (f[off + 6] != 6 && f[off + 6] != 17) {
			*why = "IPv6 extension headers or not TCP/UDP";
			return -1;
		}
		s->proto = f[off + 6];
		s->family = AF_INET6;
		s->ttl = f[off + 7];
		memcpy(s->saddr, f + off + 8, 16);
		memcpy(s->daddr, f + off + 24, 16);
		s->l4 = off + 40;
	} else {
		*why = "not IP";
		return -1;
	}
	if (s->proto == 17) {
		size_t ulen;

		if (s->l4 + 8 > off + l3len)
			return -1;
		ulen = rd16(f + s->l4 + 4);
		if (ulen < 8 || s->l4 + ulen > off + l3len) {
			*why = "bad UDP length";
			return -1;
		}
		s->l4_hlen = 8;
		s->sport = rd16(f + s->l4);
		s->dport = rd16(f + s->l4 + 2);
		s->payload = s->l4 + 8;
		s->plen = ulen - 8;
		return 0;
	}
	if (s->l4 + 20 > off + l3len)
		return -1;
	s->l4_hlen = (f[s->l4 + 12] >> 4) * 4;
	if (s->l4_hlen < 20 || s->l4 + s->l4_hlen > off + l3len) {
		*why = "bad TCP header length";
		return -1;
	}
	s->sport = rd16(f + s->l4);
	s->dport = rd16(f + s->l4 + 2);
	s->seq = rd32(f + s->l4 + 4);
	s->ack = rd32(f + s->l4 + 8);
	s->flags = f[s->l4 + 13];
	s->payload = s->l4 + s->l4_hlen;
	s->plen = off + l3len - s->payload;
	return 0;
}

/* Map every SACK edge of the options in place. */
static void sack_map(uint8_t *opt, size_t olen, const struct bpfalg_seqadj *a)
{
	size_t i = 0;

	while (i < olen) {
		uint8_t kind = opt[i], l;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= olen)
			break;
		l = opt[i + 1];
		if (l < 2 || i + l > olen)
			break;
		if (kind == TCPOPT_SACK)
			for (size_t e = i + 2; e + 4 <= i + l; e += 4)
				wr32(opt + e,
				     seqadj_unack_edge(a, rd32(opt + e),
						       !((e - i - 2) & 4)));
		i += l;
	}
}

/*
 * The IP header of a packet of @tot bytes built from @s: length, TTL,
 * IPv4 header checksum.  Returns the L4 pseudo-header sum for @proto.
 */
static uint32_t ip_finish(const struct seg *s, bool dec_ttl, uint8_t *ip,
			  size_t tot, uint8_t proto)
{
	size_t l3hl = s->l4 - s->l3;
	uint32_t sum;

	if (s->family == AF_INET) {
		wr16(ip + 2, (uint16_t)tot);
		if (dec_ttl)
			ip[8]--;
		wr16(ip + 10, 0);
		wr16(ip + 10, csum_fold16(csum_add_bytes(0, ip, l3hl)));
		sum = csum_add_bytes(0, ip + 12, 8);
	} else {
		wr16(ip + 4, (uint16_t)(tot - 40));
		if (dec_ttl)
			ip[7]--;
		sum = csum_add_bytes(0, ip + 8, 32);
	}
	return sum + proto + (uint32_t)(tot - l3hl);
}

int seg_build(const struct seg *s, const struct seg_build *b, uint8_t *out,
	      size_t cap)
{
	size_t l3hl = s->l4 - s->l3;
	size_t tot = l3hl + s->l4_hlen + b->plen;
	uint8_t *ip = out, *th = out + l3hl;
	uint32_t sum;
	uint16_t c;

	if (tot > cap || tot > 65535)
		return -1;
	if (b->dec_ttl && s->ttl <= 1)
		return -1;
	memcpy(out, s->frame + s->l3, l3hl + s->l4_hlen);
	memcpy(out + l3hl + s->l4_hlen, b->payload, b->plen);
	if (s->proto == 17) {
		wr16(th + 4, (uint16_t)(tot - l3hl));
		sum = ip_finish(s, b->dec_ttl, ip, tot, 17);
		wr16(th + 6, 0);
		c = csum_fold16(csum_add_bytes(sum, th, tot - l3hl));
		wr16(th + 6, c ? c : 0xffff); /* 0 means "none" in UDP */
		return (int)tot;
	}

	wr32(th + 4, b->seq);
	wr32(th + 8, b->ack);
	if (b->clear_fin)
		th[13] &= ~TCP_FIN;
	if (b->clear_psh)
		th[13] &= ~TCP_PSH;
	if (b->sack_adj && s->l4_hlen > 20)
		sack_map(th + 20, s->l4_hlen - 20, b->sack_adj);
	sum = ip_finish(s, b->dec_ttl, ip, tot, 6);
	wr16(th + 16, 0);
	wr16(th + 16, csum_fold16(csum_add_bytes(sum, th, tot - l3hl)));
	return (int)tot;
}

int seg_build_new(const struct seg_new *n, uint8_t *out, size_t cap)
{
	bool v4 = n->family == AF_INET, udp = n->proto == 17;
	size_t l3hl = v4 ? 20 : 40, l4hl = udp ? 8 : 20;
	size_t tot = l3hl + l4hl + n->plen;
	uint8_t *ip = out, *th = out + l3hl;
	uint8_t proto = udp ? 17 : 6;
	uint32_t sum = 0;
	uint16_t c;

	if (tot > cap || tot > 65535)
		return -1;
	memset(out, 0, l3hl + l4hl);
	if (v4) {
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)tot);
		wr16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, n->saddr, 4);
		memcpy(ip + 16, n->daddr, 4);
		wr16(ip + 10, csum_fold16(csum_add_bytes(0, ip, 20)));
		sum = csum_add_bytes(sum, ip + 12, 8);
	} else {
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(tot - 40));
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, n->saddr, 16);
		memcpy(ip + 24, n->daddr, 16);
		sum = csum_add_bytes(sum, ip + 8, 32);
	}
	wr16(th, n->sport);
	wr16(th + 2, n->dport);
	if (udp) {
		wr16(th + 4, (uint16_t)(l4hl + n->plen));
	} else {
		wr32(th + 4, n->seq);
		wr32(th + 8, n->ack);
		th[12] = 5 << 4;
		th[13] = n->flags ? n->flags : TCP_ACK | TCP_PSH;
		wr16(th + 14, n->window);
	}
	if (n->plen) /* a reset or a bare ACK has none */
		memcpy(th + l4hl, n->payload, n->plen);
	sum += proto + (uint32_t)(tot - l3hl);
	sum = csum_add_bytes(sum, th, tot - l3hl);
	c = csum_fold16(sum);
	wr16(th + (udp ? 6 : 16), udp && !c ? 0xffff : c);
	return (int)tot;
}
