/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The set of keys seen in one JSON object, to refuse duplicate keys.
 */
#ifndef PKGNOTE_JSON_KEYS_H
#define PKGNOTE_JSON_KEYS_H

#include <stddef.h>

struct pn_json_key_slot;

/* The keys seen so far in one object: an open-addressing hash set, so that
 * an object with thousands of members does not cost quadratic time.  Start
 * from { 0 }; the keys are not copied, they point into the text. */
struct pn_json_key_set {
	struct pn_json_key_slot *slot;
	size_t cap;		/* a power of two, or 0 */
	size_t used;
};

/* Add a raw key, as written between its quotes (escapes compared by their
 * decoded value); 1 if it was new, 0 if the object already had it, -1 when
 * out of memory. */
int pn_json_key_set_add(struct pn_json_key_set *set, const char *raw, size_t len);

/* Release the set's memory. */
void pn_json_key_set_free(struct pn_json_key_set *set);

#endif
