/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_REASON_H
#define PKGNOTE_REASON_H

#include <stddef.h>

/* The parsers of src/ say why they refuse a record in a caller's buffer:
 * WHY gets the formatted one-line reason; returns -1, so that a parser
 * can `return reason(why, whylen, ...)`. */
int reason(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
