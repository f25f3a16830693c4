/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_ELF_MODEL_H
#define PKGNOTE_ELF_MODEL_H

#include "model.h"
#include "pkgnote.h"

/*
 * Read the file open on `fd` (named `path` in messages, `file_size` bytes)
 * into *m.  Refuses what pkgnote cannot stamp: non-ELF data, relocatable
 * objects, core files, files whose headers point outside the file.
 */
enum pkgnote_status pn_model_read(int fd, const char *path, uint64_t file_size,
				  struct pn_model *m, struct pkgnote_error *err);

/* Keep the first PN_HEAD_MAX bytes of the file in m->head, for the planner:
 * reading, showing and verifying a file do without them. */
enum pkgnote_status pn_model_read_head(struct pn_model *m, struct pkgnote_error *err);

#endif
