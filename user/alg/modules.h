/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* modules.h - the table of protocol modules, indexed by enum bpfalg_alg. */
#ifndef BPFALG_ALG_MODULES_H
#define BPFALG_ALG_MODULES_H

#include "alg/alg.h"

extern const struct alg_module *const alg_modules[BPFALG_ALG_MAX];

#endif
