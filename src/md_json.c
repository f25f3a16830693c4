/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "md_json.h"

#define PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

int md_json_set(json_object *obj, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		return 0;
	json_object *s = json_object_new_string(value);
	if (s == NULL || json_object_object_add(obj, key, s) != 0) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

enum pkgnote_status md_json_seal(json_object *obj, const char *what,
				 struct pkgnote_metadata **md, struct pkgnote_error *err)
{
	const char *text = json_object_to_json_string_ext(obj, PLAIN);
	*md = NULL;
	if (text == NULL) {
		snprintf(err->message, sizeof err->message, "%s: %s", what, strerror(ENOMEM));
		err->status = PKGNOTE_IO;
		return PKGNOTE_IO;
	}
	return pkgnote_metadata_parse(text, strlen(text), what, md, err);
}
