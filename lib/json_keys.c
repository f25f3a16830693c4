/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Duplicate-key detection for the JSON parser.
 *
 * A name may occur once in an object (readers such as json-c would keep only
 * the last of duplicates).  Keys are compared by their decoded value ("a/"
 * and "a\/" are the same key) without decoding them into a buffer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "json_keys.h"

/* A raw key, as written between its quotes (escapes not decoded). */
struct pn_json_key_slot {
	const char *raw;	/* NULL: the slot is free */
	size_t len;
	uint32_t hash;
};

/* Hash of a key after decoding its escapes, so that "a/" and "a\/" collide
 * as they must (FNV-1a: short, good enough for a few keys). */
static uint32_t key_hash(const char *raw, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\\')
			i++;	/* the only escapes left are \" \\ \/: the next byte is the value */
		h = (h ^ (unsigned char)raw[i]) * 16777619u;
	}
	return h;
}

/* Compare two raw keys by their decoded value, without decoding into a
 * buffer (the only escapes that pass the string rules stand for the byte
 * that follows the backslash). */
static bool key_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	while (i < alen && j < blen) {
		if (a[i] == '\\')
			i++;
		if (b[j] == '\\')
			j++;
		if (a[i] != b[j])
			return false;
		i++;
		j++;
	}
	return i == alen && j == blen;
}

/* Grow the set when half full, keeping probe chains short. */
static bool key_set_grow(struct pn_json_key_set *set)
{
	size_t cap = set->cap ? set->cap * 2 : 16;
	struct pn_json_key_slot *slot = calloc(cap, sizeof *slot);

	if (slot == NULL)
		return false;
	for (size_t i = 0; i < set->cap; i++) {
		if (set->slot[i].raw == NULL)
			continue;
		size_t k = set->slot[i].hash & (cap - 1);
		while (slot[k].raw != NULL)
			k = (k + 1) & (cap - 1);
		slot[k] = set->slot[i];
	}
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
	return true;
}

int pn_json_key_set_add(struct pn_json_key_set *set, const char *raw, size_t len)
{
	if ((set->used + 1) * 2 > set->cap && !key_set_grow(set))
		return -1;
	uint32_t h = key_hash(raw, len);
	size_t k = h & (set->cap - 1);
	while (set->slot[k].raw != NULL) {
		if (set->slot[k].hash == h && key_equal(set->slot[k].raw, set->slot[k].len, raw, len))
			return 0;
		k = (k + 1) & (set->cap - 1);
	}
	set->slot[k] = (struct pn_json_key_slot){ .raw = raw, .len = len, .hash = h };
	set->used++;
	return 1;
}

void pn_json_key_set_free(struct pn_json_key_set *set)
{
	free(set->slot);
}
