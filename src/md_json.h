/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command's one representation of metadata: a json-c object.
 *
 * Text goes in through md_json_parse alone: the note read back from a file
 * or a core, or input the library has already checked as text.  Fields from
 * options, os-release and package databases are set here, under one rule.
 * An object becomes a struct pkgnote_metadata, the only thing the library
 * stamps, through the library's validation (md_json_seal).
 */
#ifndef PKGNOTE_MD_JSON_H
#define PKGNOTE_MD_JSON_H

#include <json-c/json.h>

#include "pkgnote.h"

/* The compact form every printed and stamped text has. */
#define MD_JSON_PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* TEXT as json-c reads it, or NULL when it is not JSON.  The value need not
 * be an object (a hostile core may hold anything): callers check.  json-c
 * keeps the last of duplicate keys and decodes \u escapes, so text to be
 * stamped is checked by the library first. */
json_object *md_json_parse(const char *text);

/* The string member KEY of OBJ, or NULL (no such member, not a string, or
 * OBJ NULL or not an object). */
const char *md_json_string(json_object *obj, const char *key);

/* Set KEY to the string VALUE, in place when OBJ has it, else at the end.
 * A missing (NULL) or empty value sets nothing: an empty field of an
 * option, a package database or os-release says nothing about the
 * package.  -1 when memory runs out. */
int md_json_set(json_object *obj, const char *key, const char *value);

/* Validate OBJ with the library, as input named WHAT, into *md. */
enum pkgnote_status md_json_seal(json_object *obj, const char *what,
				 struct pkgnote_metadata **md, struct pkgnote_error *err);

/* show: one "KEY: VALUE" line a member of the metadata TEXT (strings
 * unquoted), each after INDENT; text that is not an object, as it is. */
void md_json_print_fields(const char *text, const char *indent);

#endif
