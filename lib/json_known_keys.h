/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Type rules of the well-known top-level keys of package metadata.
 */
#ifndef PKGNOTE_JSON_KNOWN_KEYS_H
#define PKGNOTE_JSON_KNOWN_KEYS_H

#include <stddef.h>

#include "json_scan.h"

/* Called after the ':' of a member (and the whitespace after it) with the
 * member's raw key and the nesting of its object: refuses a well-known
 * top-level key whose value does not start with a string. */
enum pkgnote_status pn_json_check_key_type(const struct pn_json_scanner *s, int depth,
					   const char *raw, size_t raw_len);

#endif
