/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_VERIFY_H
#define PKGNOTE_VERIFY_H

#include "layout_plan.h"
#include "model.h"
#include "pkgnote.h"

/*
 * Check the output open on fd against the input model `in` and the plan
 * that made it; `json` is the metadata that must be there.
 */
enum pkgnote_status pn_verify_output(const struct pn_model *in, const struct pn_plan *p,
				     int fd, const char *path, const char *json,
				     uint64_t page, struct pkgnote_error *err);

/* The same, reading only the plan's p->file_size bytes: an in-place stamp
 * is verified while its leftover record still follows them. */
enum pkgnote_status pn_verify_output_sized(const struct pn_model *in, const struct pn_plan *p,
					   int fd, const char *path, const char *json,
					   uint64_t page, struct pkgnote_error *err);

#endif
