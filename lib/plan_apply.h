/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_PLAN_APPLY_H
#define PKGNOTE_PLAN_APPLY_H

#include "layout_plan.h"
#include "model.h"
#include "pkgnote.h"

/*
 * Carry out plan `p` on out_fd, which holds a byte copy of the input open on
 * in_fd; `note` is the encoded record (p->note_size bytes).
 */
enum pkgnote_status pn_plan_apply(const struct pn_model *m, const struct pn_plan *p,
				  const unsigned char *note, int in_fd, int out_fd,
				  struct pkgnote_error *err);

struct pn_inplace;

/*
 * Carry out plan `p` on the input itself, open read-write on fd: every
 * write goes to the in-place recorder `ip` (inplace_commit.h), which keeps
 * the first page, writes the tail and refuses what the old layout still
 * uses.  The plan must not shift the input (p->shift == 0).
 */
enum pkgnote_status pn_plan_apply_in_place(const struct pn_model *m, const struct pn_plan *p,
					   const unsigned char *note, int fd,
					   struct pn_inplace *ip, struct pkgnote_error *err);

#endif
