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

#endif
