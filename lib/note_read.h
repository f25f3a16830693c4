/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_NOTE_READ_H
#define PKGNOTE_NOTE_READ_H

#include "model.h"
#include "pkgnote.h"

/*
 * The JSON text of the package note the model found (malloc'd), and where
 * it lies.  PKGNOTE_NO_NOTE when there is none.
 */
enum pkgnote_status pn_note_json(const struct pn_model *m, uint64_t page_size, char **json,
				 struct pkgnote_note_info *info, struct pkgnote_error *err);

#endif
