// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_calls.c - `algctl calls`: the SIP calls the controller tracks (map
 * "calls") and, per media stream, what the datapath saw on its binding
 * (the flow's packet and byte counters), with a verdict per stream: ok,
 * one-way (and the likely reason), no media, on hold, waiting, not bound.
 * Works on the pins alone, like every inspection command.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "algctl.h"
#include "calls_view.h"
#include "flowtab.h"
#include "format.h"
#include "pins.h"
#include "util/table.h"

#define NS 1000000000ULL

static const char *const state_names[] = {
	[BPFALG_CALL_OFFERED] = "offered",
	[BPFALG_CALL_EARLY] = "early",
	[BPFALG_CALL_CONFIRMED] = "confirmed",
};

static const char *const media_names[] = { "other",  "audio",	    "video",
					   "image",  "application", "text",
					   "message" };

static void json_stream(const char *name, const struct bpfalg_call *c,
			const struct bpfalg_call_media *m, __u16 in, __u16 pub,
			__u16 peer, const struct stream_view *v)
{
	jsonw_name(json_wtr, name);
	jsonw_start_object(json_wtr);
	jsonw_u64_field(json_wtr, "inside_port", in);
	jsonw_u64_field(json_wtr, "public_port", pub);
	/* null until the peer's SDP is seen */
	jsonw_name(json_wtr, "peer");
	if (peer)
		jsonw_endpoint(json_wtr, NULL, c->family, m->peer, peer);
	else
		jsonw_null(json_wtr);
	jsonw_name(json_wtr, "packets");
	jsonw_start_object(json_wtr);
	jsonw_u64_field(json_wtr, "out", v->pkts_out);
	jsonw_u64_field(json_wtr, "in", v->pkts_in);
	jsonw_end_object(json_wtr);
	jsonw_string_field(json_wtr, "status", v->status);
	jsonw_string_field(json_wtr, "reason", v->reason);
	jsonw_end_object(json_wtr);
}

static void call_json(const struct flowtab *ft, const struct bpfalg_call *c,
		      unsigned long long now)
{
	char a[64], cid[BPFALG_CALL_ID_LEN * 4 + 1];

	log_sanitize(c->call_id, strnlen(c->call_id, sizeof(c->call_id)), cid,
		     sizeof(cid));
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "call_id", cid);
	jsonw_u64_field(json_wtr, "id", c->id);
	jsonw_string_field(json_wtr, "state",
			   c->state <= BPFALG_CALL_CONFIRMED &&
					   state_names[c->state] ?
				   state_names[c->state] :
				   "?");
	jsonw_string_field(json_wtr, "direction",
			   c->inside_is_caller ? "outbound" : "inbound");
	jsonw_string_field(json_wtr, "inside",
			   fmt_addr(c->family, c->inside, a, sizeof(a)));
	jsonw_u64_field(json_wtr, "age_s",
			now > c->created_ns ? (now - c->created_ns) / NS : 0);
	jsonw_name(json_wtr, "media");
	jsonw_start_array(json_wtr);
	for (unsigned int i = 0; i < c->n_media && i < BPFALG_CALL_MEDIA; i++) {
		const struct bpfalg_call_media *m = &c->m[i];
		struct stream_view rtp, rtcp;

		calls_stream_view(ft, c, m, m->inside_port, m->peer_port, now,
				  &rtp);
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "type",
				   m->type < 7 ? media_names[m->type] :
						 "other");
		jsonw_bool_field(json_wtr, "rtcp_mux",
				 m->flags & BPFALG_CM_MUX);
		jsonw_bool_field(json_wtr, "ice", m->flags & BPFALG_CM_ICE);
		json_stream("rtp", c, m, m->inside_port, m->public_port,
			    m->peer_port, &rtp);
		if (m->inside_rtcp) {
			calls_stream_view(ft, c, m, m->inside_rtcp,
					  m->peer_rtcp, now, &rtcp);
			json_stream("rtcp", c, m, m->inside_rtcp,
				    m->public_rtcp, m->peer_rtcp, &rtcp);
		}
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

static void call_rows(struct table *t, const struct flowtab *ft,
		      const struct bpfalg_call *c, unsigned long long now)
{
	char cid[40], age[16];

	log_sanitize(c->call_id, strnlen(c->call_id, sizeof(c->call_id)), cid,
		     sizeof(cid));
	fmt_duration(now > c->created_ns ? (now - c->created_ns) / NS : 0, age,
		     sizeof(age));
	for (unsigned int i = 0; i < c->n_media && i < BPFALG_CALL_MEDIA; i++) {
		const struct bpfalg_call_media *m = &c->m[i];
		struct stream_view v;
		char ports[48], peer[64], pk[48], st[160];

		calls_stream_view(ft, c, m, m->inside_port, m->peer_port, now,
				  &v);
		snprintf(ports, sizeof(ports), "%u->%u", m->inside_port,
			 m->public_port);
		if (m->peer_port)
			fmt_endpoint(c->family, m->peer, htons(m->peer_port),
				     peer, sizeof(peer));
		else
			strcpy(peer, "-");
		snprintf(pk, sizeof(pk), "%llu/%llu",
			 (unsigned long long)v.pkts_out,
			 (unsigned long long)v.pkts_in);
		snprintf(st, sizeof(st), "%s%s%s", v.status,
			 *v.reason ? ": " : "", v.reason);
		table_row(t, i ? "" : cid,
			  i ? "" : (c->inside_is_caller ? "out" : "in"),
			  i ? "" : age,
			  m->type < 7 ? media_names[m->type] : "other", ports,
			  peer, pk, st);
	}
	if (!c->n_media)
		table_row(t, cid, c->inside_is_caller ? "out" : "in", age, "-",
			  "-", "-", "-",
			  c->state <= BPFALG_CALL_CONFIRMED &&
					  state_names[c->state] ?
				  state_names[c->state] :
				  "?");
}

int do_calls(int argc, char **argv)
{
	unsigned long long now = mono_ns();
	struct bpfalg_call c;
	__u64 key, *prev = NULL;
	struct table *t;
	char err[512];
	long n = 0;
	struct flowtab ft, *ftp = &ft;
	int fd;

	NO_MORE_ARGS();
	fd = pins_map_fd(pin_path, "calls", err, sizeof(err));
	if (fd < 0) {
		p_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (flowtab_open(&ft, pin_path, err, sizeof(err)))
		ftp = NULL; /* calls without counters */
	t = list_begin("calls", table_new(8, "CALL-ID", "DIR", "AGE", "MEDIA",
					  "INSIDE->PUBLIC", "PEER",
					  "PKTS-OUT/IN", "STATUS"));
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &c))
			continue;
		if (json_wtr)
			call_json(ftp, &c, now);
		else if (t)
			call_rows(t, ftp, &c, now);
		n++;
	}
	if (ftp)
		flowtab_close(ftp);
	close(fd);
	list_end(t, n, "call");
	return EXIT_OK;
}
