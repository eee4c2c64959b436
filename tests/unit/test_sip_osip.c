// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_sip_osip.c - libosip2 as an independent judge of the SIP rewriter:
 * every rewritten fixture of test_sip.c must parse with libosipparser2,
 * its Content-Length must be the body length libosip2 sees, and the SDP
 * it reads must name the address and port we wrote.  The library is
 * loaded at run time (no link flag, no build dependency); without its
 * headers or library the case says so and skips.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_sip.h"
#include "unit.h"

#if __has_include(<osipparser2/osip_parser.h>)
#include <dlfcn.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/sdp_message.h>

/* the functions used, looked up with dlsym */
struct osip_api {
	int (*parser_init)(void);
	int (*msg_init)(osip_message_t **);
	int (*msg_parse)(osip_message_t *, const char *, size_t);
	void (*msg_free)(osip_message_t *);
	int (*sdp_init)(sdp_message_t **);
	int (*sdp_parse)(sdp_message_t *, const char *);
	void (*sdp_free)(sdp_message_t *);
	char *(*sdp_c_addr)(sdp_message_t *, int, int);
	char *(*sdp_m_port)(sdp_message_t *, int);
	char *(*sdp_o_addr)(sdp_message_t *);
	void (*trace_func)(osip_trace_level_t, osip_trace_func_t *);
};

/* libosip2 logs parse errors to stderr unless given a log function */
static void quiet(const char *fi, int li, osip_trace_level_t level,
		  const char *chfr, va_list ap)
{
}

static void *osip_open(struct osip_api *o)
{
	void *h = dlopen("libosipparser2.so.15", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		h = dlopen("libosipparser2.so", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return NULL;
	*(void **)&o->parser_init = dlsym(h, "parser_init");
	*(void **)&o->msg_init = dlsym(h, "osip_message_init");
	*(void **)&o->msg_parse = dlsym(h, "osip_message_parse");
	*(void **)&o->msg_free = dlsym(h, "osip_message_free");
	*(void **)&o->sdp_init = dlsym(h, "sdp_message_init");
	*(void **)&o->sdp_parse = dlsym(h, "sdp_message_parse");
	*(void **)&o->sdp_free = dlsym(h, "sdp_message_free");
	*(void **)&o->sdp_c_addr = dlsym(h, "sdp_message_c_addr_get");
	*(void **)&o->sdp_m_port = dlsym(h, "sdp_message_m_port_get");
	*(void **)&o->sdp_o_addr = dlsym(h, "sdp_message_o_addr_get");
	/* optional: quiets its error log for the garbage case */
	*(void **)&o->trace_func = dlsym(h, "osip_trace_initialize_func");
	if (!o->parser_init || !o->msg_init || !o->msg_parse || !o->msg_free ||
	    !o->sdp_init || !o->sdp_parse || !o->sdp_free || !o->sdp_c_addr ||
	    !o->sdp_m_port || !o->sdp_o_addr) {
		dlclose(h);
		return NULL;
	}
	return h;
}

/* NULL when libosip2 agrees, else what it saw differently */
static const char *osip_check(struct osip_api *o, const char *msg, size_t len,
			      const char *want_addr, const char *want_port)
{
	static char nul[65536];
	const char *why = NULL;
	osip_message_t *sip = NULL;
	sdp_message_t *sdp = NULL;
	osip_body_t *body;
	char *a;

	if (o->msg_init(&sip))
		return "osip_message_init failed";
	if (o->msg_parse(sip, msg, len)) {
		why = "osip_message_parse refused it";
		goto out;
	}
	if (!sip->content_length || !sip->content_length->value) {
		why = "no Content-Length seen";
		goto out;
	}
	if (!sip->bodies.nb_elt) {
		if (strcmp(sip->content_length->value, "0"))
			why = "Content-Length without a body";
		goto out;
	}
	body = (osip_body_t *)sip->bodies.node->element;
	if ((size_t)atol(sip->content_length->value) != body->length) {
		why = "Content-Length is not the body length";
		goto out;
	}
	if (!want_addr)
		goto out;
	if (body->length >= sizeof(nul)) {
		why = "body too long";
		goto out;
	}
	/* sdp_message_parse wants a NUL-terminated string */
	memcpy(nul, body->body, body->length);
	nul[body->length] = '\0';
	if (o->sdp_init(&sdp) || o->sdp_parse(sdp, nul)) {
		why = "sdp_message_parse refused the body";
		goto out;
	}
	a = o->sdp_o_addr(sdp);
	if (!a || strcmp(a, want_addr)) {
		why = "o= address differs";
		goto out;
	}
	a = o->sdp_c_addr(sdp, -1, 0);
	if (a && strcmp(a, want_addr) && strcmp(a, "0.0.0.0")) {
		why = "c= address differs";
		goto out;
	}
	a = o->sdp_m_port(sdp, 0);
	if (!a || strcmp(a, want_port))
		why = "m= port differs";
out:
	if (sdp)
		o->sdp_free(sdp);
	o->msg_free(sip);
	return why;
}

static void sip_osip_crosscheck(void)
{
	struct osip_api o;
	void *h = osip_open(&o);

	if (!h) {
		printf("    skipped: libosipparser2 not loadable: %s\n",
		       dlerror());
		return;
	}
	ASSERT_EQ(o.parser_init(), 0);
	if (o.trace_func)
		o.trace_func(END_TRACE_LEVEL, quiet);
	for (const struct sip_xcheck *x = sip_xcheck; x->name; x++) {
		const char *why =
			osip_check(&o, x->msg, x->len, x->addr, x->port);

		ASSERT_TRUE(!why, "%s: libosip2: %s", x->name, why);
	}
	/* the judge can say no: garbage, and an address we did not write */
	ASSERT_TRUE(osip_check(&o, "garbage\r\n\r\n", 11, NULL, NULL) != NULL,
		    "garbage accepted");
	ASSERT_TRUE(osip_check(&o, sip_xcheck[0].msg, sip_xcheck[0].len,
			       "10.0.0.2", sip_xcheck[0].port) != NULL,
		    "wrong address accepted");
	dlclose(h);
}
#else
static void sip_osip_crosscheck(void)
{
	printf("    skipped: no libosip2 headers (libosip2-dev)\n");
}
#endif

UNIT_CASES(sip_osip_cases, CASE(sip_osip_crosscheck));
