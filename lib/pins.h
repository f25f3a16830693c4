/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_PINS_H
#define PKGNOTE_PINS_H

#include "model.h"
#include "pkgnote.h"

/*
 * Fill m->pins: the addresses of the segment mapping the start of the file
 * that a symbol or a relocation names, so that the planner never moves a
 * block holding one; and m->labelled: the notes there that a local symbol
 * labels, which may move.  Needs m->head (pn_model_read_head).  The pins
 * serve plans for pages up to `page` bytes: only those a plan can ask
 * about are kept (see pins.c), however many the tables hold.
 */
enum pkgnote_status pn_model_read_pins(struct pn_model *m, uint64_t page,
				       struct pkgnote_error *err);

#endif
