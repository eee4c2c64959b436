// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * modules.c - which protocol module serves which ALG's control flows.
 * A control flow of an ALG without a module here is forwarded unchanged.
 */
#include "alg/modules.h"
#include "alg/ftp_alg.h"
#include "alg/rtsp_alg.h"
#include "alg/sip_alg.h"

const struct alg_module *const alg_modules[BPFALG_ALG_MAX] = {
	[BPFALG_ALG_FTP] = &ftp_module,
	[BPFALG_ALG_SIP] = &sip_module,
	[BPFALG_ALG_RTSP] = &rtsp_module,
};
