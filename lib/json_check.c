/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkgnote_json_compact: validation and compaction of package metadata JSON.
 *
 * The text is checked first by the strict scanner (json_scan.c), which
 * knows every package-metadata rule and reports the first problem with its
 * line and column.  Only text the scanner accepted is handed to json-c,
 * which builds the tree and prints the compact form stored in the note.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* freelocale */
#endif
#include <json-c/json.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json_report.h"
#include "json_scan.h"
#include "pkgnote.h"

/* Build the tree with json-c and print it compact.  The scanner accepted
 * the text, so a json-c error here means the two disagree; it is still
 * reported with a position rather than trusted away. */
static enum pkgnote_status compact_with_jsonc(const struct pn_json_scanner *s, char **compact)
{
	struct json_tokener *tok = json_tokener_new_ex(PN_JSON_MAX_DEPTH);
	enum pkgnote_status st = PKGNOTE_OK;
	struct json_object *obj;

	if (tok == NULL)
		return pn_json_fail_nomem(s);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, s->text, (int)s->len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		st = pn_json_fail_at(s, json_tokener_get_parse_end(tok), "JSON syntax error: %s",
				     jerr == json_tokener_continue ? "unexpected end of input"
								    : json_tokener_error_desc(jerr));
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		st = pn_json_fail_at(s, 0, "top-level value must be an object");
		goto out;
	}
	size_t n = 0;
	const char *text = json_object_to_json_string_length(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (text == NULL) {
		st = pn_json_fail_nomem(s);
		goto out;
	}
	if (n > PKGNOTE_JSON_MAX) {
		st = pn_fail(s->err, PKGNOTE_BAD_JSON, s->what,
			     "compact JSON is %zu bytes, more than the limit of %d bytes",
			     n, PKGNOTE_JSON_MAX);
		goto out;
	}
	if (compact != NULL) {
		*compact = malloc(n + 1);
		if (*compact == NULL) {
			st = pn_json_fail_nomem(s);
			goto out;
		}
		memcpy(*compact, text, n + 1);
	}
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return st;
}

enum pkgnote_status pkgnote_json_compact(const char *text, size_t len, const char *what,
					 char **compact, struct pkgnote_error *err)
{
	struct pn_json_scanner s = {
		.text = text,
		.len = len,
		.what = what,
		.err = err,
	};
	enum pkgnote_status st;

	if (compact != NULL)
		*compact = NULL;
	if (text == NULL || len == 0)
		return pn_fail(err, PKGNOTE_BAD_JSON, what, "empty input, expected a JSON object");
	if (len > PKGNOTE_JSON_INPUT_MAX)
		return pn_fail(err, PKGNOTE_BAD_JSON, what,
			       "input is %zu bytes, more than the limit of %d bytes",
			       len, PKGNOTE_JSON_INPUT_MAX);
	st = pn_json_scan_document(&s);
	if (st == PKGNOTE_OK)
		st = compact_with_jsonc(&s, compact);
	if (s.c_locale != (locale_t)0)
		freelocale(s.c_locale);
	return st;
}
