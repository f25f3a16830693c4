/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Well-known top-level keys of package metadata whose value must be a
 * string ("name", "version", ...).
 *
 * The check is made while scanning, on the first character of the value,
 * so that readers of the note can take these keys' type for granted.
 */
#include <stdbool.h>
#include <string.h>

#include "error.h"
#include "json_known_keys.h"

/* Top-level keys whose value must be a string when present. */
static const char *const string_keys[] = {
	"type", "os", "osVersion", "name", "version", "architecture", "osCpe",
	"debugInfoUrl",
};

/* Whether a top-level key is one of the well-known ones.  Comparing the raw
 * text is enough: none of them contains a character that could be escaped. */
static bool is_string_key(const char *raw, size_t len)
{
	for (size_t i = 0; i < sizeof string_keys / sizeof string_keys[0]; i++) {
		if (strlen(string_keys[i]) == len && memcmp(string_keys[i], raw, len) == 0)
			return true;
	}
	return false;
}

enum pkgnote_status pn_json_check_key_type(const struct pn_json_scanner *s, int depth,
					   const char *raw, size_t raw_len)
{
	if (depth == 1 && !pn_json_at_end(s) && pn_json_peek(s) != '"' &&
	    is_string_key(raw, raw_len))
		return pn_fail(s->err, PKGNOTE_BAD_JSON, s->what, "key \"%.*s\": must be a string",
			       (int)raw_len, raw);
	return PKGNOTE_OK;
}
