/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_CLASSIFY_H
#define PKGNOTE_CLASSIFY_H

#include "model.h"

/*
 * Why a loadable ELF file must not be stamped although it could be: it is
 * packed by UPX, or it is not meant for an operating system's loader
 * (firmware).  NULL when it may be stamped.  Needs the program headers and
 * the first page of the file in m->head.
 */
const char *pn_refusal(const struct pn_model *m);

#endif
