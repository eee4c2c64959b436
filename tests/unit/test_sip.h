/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* test_sip.h - fixtures test_sip.c shares with test_sip_osip.c (which
 * cannot include our sdp.h: libosip2's headers define struct sdp_media).
 */
#ifndef BPFALG_TEST_SIP_H
#define BPFALG_TEST_SIP_H

#include <stddef.h>

struct sip_xcheck {
	const char *name;
	const char *msg;
	size_t len;
	const char *
		addr; /* o=, c= (or 0.0.0.0) must name it; NULL: no SDP check */
	const char *port; /* the first m= port */
};

/* terminated by a NULL name */
extern const struct sip_xcheck sip_xcheck[];

#endif
