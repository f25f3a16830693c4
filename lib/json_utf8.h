/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The byte pass over package metadata JSON, run before the grammar.
 */
#ifndef PKGNOTE_JSON_UTF8_H
#define PKGNOTE_JSON_UTF8_H

#include "json_report.h"

/* Refuse a byte order mark, NUL bytes and anything that is not valid UTF-8
 * (overlong forms, surrogates, code points past U+10FFFF included), over the
 * whole text; the first problem is reported at its position. */
enum pkgnote_status pn_json_check_bytes(const struct pn_json_text *t);

#endif
