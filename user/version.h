/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* version.h - algctl's version (algctl --version, bpfalg_build_info). */
#ifndef BPFALG_VERSION_H
#define BPFALG_VERSION_H

#ifndef ALGCTL_VERSION
#define ALGCTL_VERSION "0.1.0"
#endif

#endif
