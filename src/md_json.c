/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "md_json.h"

json_object *md_json_parse(const char *text)
{
	return json_tokener_parse(text);
}

const char *md_json_string(json_object *obj, const char *key)
{
	json_object *v;
	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

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
	const char *text = json_object_to_json_string_ext(obj, MD_JSON_PLAIN);
	*md = NULL;
	if (text == NULL) {
		snprintf(err->message, sizeof err->message, "%s: %s", what, strerror(ENOMEM));
		err->status = PKGNOTE_IO;
		return PKGNOTE_IO;
	}
	return pkgnote_metadata_parse(text, strlen(text), what, md, err);
}

void md_json_print_fields(const char *text, const char *indent)
{
	json_object *obj = md_json_parse(text);
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		printf("%s%s\n", indent, text);
		json_object_put(obj);
		return;
	}
	json_object_object_foreach(obj, key, val) {
		const char *s = json_object_is_type(val, json_type_string)
			? json_object_get_string(val) : json_object_to_json_string_ext(val, MD_JSON_PLAIN);
		printf("%s%s: %s\n", indent, key, s);
	}
	json_object_put(obj);
}
