/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The strict scanner of package metadata JSON: its state, the primitives
 * every part of it reads the text with, and the entry point.
 *
 * The scanner is split by job (json_utf8.c, json_scan.c, json_number.c,
 * json_keys.c, json_known_keys.c, json_report.c); they share this state so
 * that each can read the text and report a problem at a position.
 */
#ifndef PKGNOTE_JSON_SCAN_H
#define PKGNOTE_JSON_SCAN_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>

#include "pkgnote.h"

/* Deepest nesting of objects and arrays (the top-level object is 1), the
 * same limit as json-c's default so that both parsers agree. */
#define PN_JSON_MAX_DEPTH 32

struct pn_json_scanner {
	const char *text;
	size_t len;
	size_t pos;
	const char *what;
	struct pkgnote_error *err;
	locale_t c_locale;	/* for strtod_l; created on the first double */
};

static inline bool pn_json_at_end(const struct pn_json_scanner *s)
{
	return s->pos >= s->len;
}

static inline char pn_json_peek(const struct pn_json_scanner *s)
{
	return pn_json_at_end(s) ? '\0' : s->text[s->pos];
}

static inline bool pn_json_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A character that may not directly follow a number or a literal: what
 * would make "1.5.2", "0x10" or "truex" look accepted up to a point. */
static inline bool pn_json_is_word_char(char c)
{
	return pn_json_is_digit(c) || c == '.' || c == '_' || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/*
 * Check the whole text: valid UTF-8 without NUL bytes, then one object with
 * whitespace around it and nothing else, by every package-metadata rule.
 * The first problem is recorded in s->err with its line and column.  The
 * caller frees s->c_locale when it was created.
 */
enum pkgnote_status pn_json_scan_document(struct pn_json_scanner *s);

#endif
