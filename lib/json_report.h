/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How a problem in package metadata JSON is reported: at a line and column
 * of the text, with quoted spans kept short and readable.
 */
#ifndef PKGNOTE_JSON_REPORT_H
#define PKGNOTE_JSON_REPORT_H

#include <stddef.h>

#include "pkgnote.h"

/* The text being checked and where its problems go. */
struct pn_json_text {
	const char *text;
	size_t len;
	const char *what;		/* names the input in messages */
	struct pkgnote_error *err;	/* may be NULL */
};

/* Record a problem at byte offset `off` of the text as "line L, column C:
 * reason"; returns PKGNOTE_BAD_JSON. */
enum pkgnote_status pn_json_fail_at(const struct pn_json_text *t, size_t off,
				    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record running out of memory (PKGNOTE_IO, not the input's fault). */
enum pkgnote_status pn_json_fail_nomem(const struct pn_json_text *t);

/* The generic complaint when the character at `off` fits nothing: names it
 * (or the end of input) and what was `expected`.  The text must be valid
 * UTF-8 up to there. */
enum pkgnote_status pn_json_fail_unexpected(const struct pn_json_text *t, size_t off,
					    const char *expected);

/* How many bytes of a span of `len` to quote in a message, and the "..."
 * (or "") to print after them: printf("%.*s%s", pn_json_quote_len(p, len),
 * p, pn_json_quote_more(len)). */
int pn_json_quote_len(const char *p, size_t len);
const char *pn_json_quote_more(size_t len);

#endif
