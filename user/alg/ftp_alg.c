// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ftp_alg.c - see ftp_alg.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "alg/ftp_alg.h"
#include "engine/events.h"
#include "util/log.h"

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void show_line(const struct ftp_flow *ff, const char *what,
		      const uint8_t *line, size_t len, const char *why)
{
	char clean[160];

	log_sanitize((const char *)line, len, clean, sizeof(clean));
	pr_info("[%s] %s: \"%s\"%s%s\n", ff->af.tag, what, clean,
		why ? ": " : "", why ? why : "");
}

/*
 * A PORT/EPRT (client inside) or 227/229 (server inside): check, open the
 * pinhole, rewrite.  Returns the new length or -1 (send unchanged).
 */
static int data_channel(struct ftp_flow *ff, const struct ftp_match *m,
			const uint8_t *line, size_t len, uint8_t *out,
			size_t cap)
{
	struct alg_flow *af = &ff->af;
	struct alg_expect x = { .family = af->family };
	bool epsv = m->kind == FTP_EPSV_REPLY;
	const char *why = NULL;
	uint16_t pub;
	int n;

	/* 229 names no address: the control connection's is meant */
	if (!epsv && (m->family != af->family ||
		      memcmp(m->addr, af->inside, addr_len(af->family)))) {
		why = af->inside_is_client ?
			      "address is not the client's (FTP bounce)" :
			      "address is not the server's";
		goto refuse;
	}
	if (m->port < af->lim->min_data_port) {
		why = "data port below the minimum";
		goto refuse;
	}
	if (af->mode != BPFALG_MODE_ON) {
		af->cnt[BPFALG_AS_OBSERVED]++;
		show_line(ff, "observe: would rewrite", line, len, NULL);
		events_emit(EV_OBSERVE, af->tag, EV_STR("would", "rewrite"),
			    EV_TEXT("line", line, len));
		return -1;
	}
	memcpy(x.remote, af->peer, 16);
	memcpy(x.inside, af->inside, 16);
	x.inside_port = m->port;
	if (af->svc->expect(af->svc_ctx, af, &x, &pub, &why))
		goto refuse;
	af->cnt[BPFALG_AS_PH_OPENED]++;
	if (af->family == AF_INET6 && pub == m->port) {
		show_line(ff, "pinhole opened, no rewrite (IPv6)", line, len,
			  NULL);
		return -1;
	}
	n = ftp_render(m, (const char *)line, len, af->public_addr, pub,
		       (char *)out, cap);
	if (n < 0) {
		/* the pinhole stays until it expires; nothing half done */
		af->cnt[BPFALG_AS_BAD_INPUT]++;
		show_line(ff, "rewrite does not fit", line, len, NULL);
		return -1;
	}
	af->cnt[BPFALG_AS_REWRITTEN]++;
	{
		char a[160], b[160];

		log_sanitize((const char *)line, len, a, sizeof(a));
		log_sanitize((const char *)out, (size_t)n, b, sizeof(b));
		pr_info("[%s] rewrote \"%s\" -> \"%s\"\n", af->tag, a, b);
		events_emit(EV_REWRITE, af->tag, EV_TEXT("before", line, len),
			    EV_TEXT("after", out, n));
	}
	return n;
refuse:
	af->cnt[BPFALG_AS_REFUSED]++;
	show_line(ff, "refused", line, len, why);
	events_emit(EV_PH_REFUSED, af->tag, EV_TEXT("line", line, len),
		    EV_STR("reason", why));
	return -1;
}

/*
 * The command policy: the command word (letters at the start of the line,
 * RFC 959) on the deny list is refused with 550, whoever the client is.
 * ALG_LINE_REFUSE, or ALG_LINE_UNCHANGED to go on with the line.
 */
static int policy(struct ftp_flow *ff, const uint8_t *line, size_t len,
		  uint8_t *out, size_t cap)
{
	struct alg_flow *af = &ff->af;
	size_t w = 0;
	int n;

	while (w < len && w < 8 &&
	       ((line[w] >= 'A' && line[w] <= 'Z') ||
		(line[w] >= 'a' && line[w] <= 'z')))
		w++;
	if (!w || !alg_policy_denies(af->pol, (const char *)line, w))
		return ALG_LINE_UNCHANGED;
	if (af->mode != BPFALG_MODE_ON) {
		af->cnt[BPFALG_AS_OBSERVED]++;
		show_line(ff, "observe: would refuse (policy)", line, len,
			  NULL);
		events_emit(EV_OBSERVE, af->tag, EV_STR("would", "refuse"),
			    EV_TEXT("line", line, len));
		return ALG_LINE_UNCHANGED;
	}
	n = snprintf((char *)out, cap, "550 %.*s refused by gateway policy.\r\n",
		     (int)w, (const char *)line);
	if (n < 0 || (size_t)n >= cap)
		out[0] = '\0'; /* no room: refused without an answer */
	else
		for (int i = 4; i < 4 + (int)w; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] = (uint8_t)(out[i] - 'a' + 'A');
	af->cnt[BPFALG_AS_POLICY_DENIED]++;
	show_line(ff, "refused by policy", line, len, NULL);
	events_emit(EV_POLICY, af->tag, EV_TEXT("line", line, len),
		    EV_STR("answer", "550"));
	return ALG_LINE_REFUSE;
}

/* An FTP command line: 3 or 4 letters, then a space or the line's end
 * (Telnet IAC sequences before it, as some clients send before ABOR,
 * skipped).  An empty line is let be.
 */
static bool ftp_command_line(const uint8_t *line, size_t len)
{
	size_t i = 0, w = 0;

	while (i + 1 < len && line[i] == 0xff)
		i += 2;
	if (i < len && (line[i] == '\r' || line[i] == '\n'))
		return true;
	while (i + w < len && w < 5 &&
	       ((line[i + w] | 0x20) >= 'a' && (line[i + w] | 0x20) <= 'z'))
		w++;
	return (w == 3 || w == 4) && i + w < len &&
	       (line[i + w] == ' ' || line[i + w] == '\r' ||
		line[i + w] == '\n');
}

/* Follow the protocol state (enum ftp_proto) with one more line. */
static void ftp_track(struct ftp_flow *ff, int dir, const uint8_t *line,
		      size_t len)
{
	struct alg_flow *af = &ff->af;
	const char *why = NULL;

	if (ff->proto == FTP_PROTO_WAIT && af->not_protocol)
		ff->proto = FTP_PROTO_NOT_FTP; /* so a previous session found */
	if (ff->proto == FTP_PROTO_WAIT && af->resumed)
		ff->proto = FTP_PROTO_OK; /* its start was not seen */
	af->proto_ok = ff->proto == FTP_PROTO_OK;
	if (ff->proto == FTP_PROTO_WAIT) {
		if (dir == FTP_FROM_CLIENT)
			why = "the client spoke before the server's greeting";
		else if (len >= 3 && !memcmp(line, "220", 3))
			ff->proto = FTP_PROTO_OK, af->proto_ok = true;
		else if (!(len >= 3 && !memcmp(line, "120", 3)))
			why = "the server's first reply is not a 220 greeting";
	} else if (ff->proto == FTP_PROTO_OK && dir == FTP_FROM_CLIENT &&
		   !ftp_command_line(line, len)) {
		why = "a client line that is no FTP command";
	}
	if (!why)
		return;
	ff->proto = FTP_PROTO_NOT_FTP;
	af->proto_ok = false;
	af->not_protocol = true;
	af->cnt[BPFALG_AS_NOT_PROTOCOL]++;
	show_line(ff, "not FTP: no data channel will be opened", line, len,
		  why);
	events_emit(EV_NOT_PROTOCOL, af->tag, EV_TEXT("line", line, len),
		    EV_STR("reason", why));
	/* still punted: the command policy keeps applying (a client that
	 * speaks first must not get past a STOR deny that way)
	 */
}

int ftp_alg_line(struct ftp_flow *ff, int dir, const uint8_t *line, size_t len,
		 uint8_t *out, size_t cap)
{
	struct alg_flow *af = &ff->af;
	struct ftp_match m;
	enum ftp_kind k;

	if (af->tls || af->mode == BPFALG_MODE_OFF)
		return -1;
	dir = dir ? FTP_FROM_SERVER : FTP_FROM_CLIENT;
	if (ff->proto != FTP_PROTO_NOT_FTP)
		ftp_track(ff, dir, line, len);
	if (dir == FTP_FROM_CLIENT && af->pol && af->pol->n_deny &&
	    policy(ff, line, len, out, cap) == ALG_LINE_REFUSE)
		return ALG_LINE_REFUSE;
	if (ff->proto == FTP_PROTO_NOT_FTP)
		return -1;
	k = ftp_inspect(&ff->st[dir], dir, (const char *)line, len, &m);
	switch (k) {
	case FTP_OTHER:
		return -1;
	case FTP_BAD:
		af->cnt[BPFALG_AS_BAD_INPUT]++;
		show_line(ff, "unparsable, sent unchanged", line, len, m.why);
		return -1;
	case FTP_AUTH:
		af->cnt[BPFALG_AS_PARSED]++;
		af->auth_pending = true;
		return -1;
	case FTP_AUTH_OK:
		af->cnt[BPFALG_AS_PARSED]++;
		if (!af->auth_pending)
			return -1;
		af->tls = true;
		af->cnt[BPFALG_AS_TLS]++;
		pr_info("[%s] AUTH accepted: control channel encrypted, "
			"stepping aside\n",
			af->tag);
		if (af->mode == BPFALG_MODE_ON)
			af->svc->step_aside(af->svc_ctx, af);
		return -1;
	case FTP_PORT:
	case FTP_EPRT:
		af->cnt[BPFALG_AS_PARSED]++;
		if (dir != FTP_FROM_CLIENT || !af->inside_is_client)
			return -1; /* outside client: its address is public */
		return data_channel(ff, &m, line, len, out, cap);
	case FTP_PASV_REPLY:
	case FTP_EPSV_REPLY:
		af->cnt[BPFALG_AS_PARSED]++;
		if (dir != FTP_FROM_SERVER || af->inside_is_client)
			return -1; /* outside server: plain SNAT suffices */
		return data_channel(ff, &m, line, len, out, cap);
	}
	return -1;
}

bool ftp_alg_hold(int dir, const uint8_t *buf, size_t len)
{
	return ftp_may_need(dir ? FTP_FROM_SERVER : FTP_FROM_CLIENT,
			    (const char *)buf, len);
}

static int mod_line(struct alg_flow *af, int dir, const uint8_t *line,
		    size_t len, uint8_t *out, size_t cap)
{
	return ftp_alg_line((struct ftp_flow *)af, dir, line, len, out, cap);
}

/*
 * With a deny list, every partial command is held until its line ends:
 * otherwise "STO" + "R file" in two segments would pass uninspected (the
 * engine does not show a line it has started to send).  Lines longer than
 * the engine's hold limit (4 KiB, vsftpd's own command limit) still go
 * through unchecked.
 */
static bool mod_hold(struct alg_flow *af, int dir, const uint8_t *buf,
		     size_t len)
{
	if (dir == BPFALG_DIR_ORIG && af->pol && af->pol->n_deny &&
	    af->mode != BPFALG_MODE_OFF)
		return true;
	return ftp_alg_hold(dir, buf, len);
}

const struct alg_module ftp_module = {
	.name = "ftp",
	.flow_size = sizeof(struct ftp_flow),
	.line = mod_line,
	.hold = mod_hold,
	.supersede_pinholes = true,
	.checks_protocol = true,
};
