/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command's one representation of metadata: a json-c object.  Fields
 * from options and package databases are set on it here, under one rule,
 * and it becomes a struct pkgnote_metadata only through the library's
 * validation (md_json_seal).
 */
#ifndef PKGNOTE_MD_JSON_H
#define PKGNOTE_MD_JSON_H

#include <json-c/json.h>

#include "pkgnote.h"

/* Set KEY to the string VALUE, in place when OBJ has it, else at the end.
 * A missing (NULL) or empty value sets nothing: an empty field of an
 * option, a package database or os-release says nothing about the
 * package.  -1 when memory runs out. */
int md_json_set(json_object *obj, const char *key, const char *value);

/* Validate OBJ with the library, as input named WHAT, into *md. */
enum pkgnote_status md_json_seal(json_object *obj, const char *what,
				 struct pkgnote_metadata **md, struct pkgnote_error *err);

#endif
