/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * migrate.h - a running datapath moved into maps of another layout or size,
 * without a `down` (a package upgrade that bumps BPFALG_LAYOUT_VERSION, or
 * a new --flows).
 *
 * loader_up() drives it:
 *   1. migrate_check(): the pins were written by another layout or hold a
 *      flow table of another size (a newer layout is refused: that is a
 *      downgrade, whose maps this binary cannot read).
 *   2. The objects are loaded with their maps pinned in the staging
 *      directory migrate_stage_path() (a sibling of the pin path on the
 *      same bpffs), empty.
 *   3. migrate_begin(): remembers which program each link and clsact
 *      filter runs, and copies every map the two layouts share (same type
 *      and key size; values of the same size as they are; arrays whose
 *      value grew, e.g. the counters, keep their prefix).  The old
 *      datapath runs on meanwhile.
 *   4. loader_up() writes the configuration into the new maps and swaps
 *      the programs (bpf_link_update on tcx and XDP links, a replacing
 *      filter on clsact): from here packets use the new maps.
 *   5. migrate_commit(): a second pass adds what the old programs created
 *      between the copy and the swap (BPF_NOEXIST: what the new programs
 *      wrote stays), then the new pins replace the old ones.  Only now are
 *      the old maps unpinned.
 *   Any failure before the commit: migrate_abort() puts the old programs
 *   back on whatever was swapped and removes the staging directory; the
 *   old datapath and its pins are as they were.
 *
 * A running controller holds the old maps: it notices the replaced pins
 * (migrate_pins_replaced(), on its tick) and starts again on the new ones.
 */
#ifndef BPFALG_MIGRATE_H
#define BPFALG_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct migration;

/*
 * 0: no pins, or pins of this layout and this --flows size.  1: a
 * migration is needed (@why says from what).  < 0: impossible (@err).
 */
int migrate_check(const char *pin_path, __u32 flows, char *why, size_t whylen,
		  char *err, size_t errlen);

/* The staging directory for @pin_path's new maps ("<pin_path>-next": bpffs takes no dots). */
int migrate_stage_path(const char *pin_path, char *buf, size_t cap);

/* An empty staging directory (a leftover of an interrupted run removed);
 * and its removal, when nothing was begun in it.
 */
int migrate_stage_create(const char *pin_path, char *err, size_t errlen);
void migrate_stage_remove(const char *pin_path);

/* Steps 3 and 5 above, and the way back; see the comment at the top. */
struct migration *migrate_begin(const char *pin_path, char *err, size_t errlen);
int migrate_commit(struct migration *m, char *err, size_t errlen);
void migrate_abort(struct migration *m);

/*
 * Ask the controller running on @pin_path's maps (if another process) to
 * stop writing them (SIGUSR1) and wait until it says so, at most
 * MIGRATE_PAUSE_WAIT_MS: what it writes after the copy would be lost.  A
 * controller of an older layout has no such pause: SIGUSR1 ends it (and
 * its service manager starts it again, on the new maps).  Returns its
 * pid when one paused (migrate_resume() on a failed migration), else 0.
 */
int migrate_quiesce(const char *pin_path);
void migrate_resume(const char *pin_path);
#define MIGRATE_PAUSE_WAIT_MS 3000
/* a paused controller resumes by itself after this (`up` died) */
#define MIGRATE_PAUSE_MAX_NS (10ull * 1000000000ull)

/* The map id behind @pin_path's cfg pin (0: none). */
__u32 migrate_cfg_id(const char *pin_path);

#endif
