/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A growable array: room for one more element, by doubling.
 *
 * Header-only, so that the library and the command share it without the
 * library exporting it: src/ sees this directory (lib/common), not the
 * library's other internal headers.
 */
#ifndef PKGNOTE_GROW_H
#define PKGNOTE_GROW_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* Make room for `need` elements of `size` bytes in the array `items` of
 * *cap elements, doubling *cap (from `first` for an empty array) until it
 * holds them.  Returns the array (moved or not), or NULL with errno ENOMEM
 * when memory runs out; then `items` and *cap are as they were.  Callers
 * use PN_GROW. */
static inline void *pn_grow(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
	if (need <= *cap && items != NULL)
		return items;
	size_t n = *cap ? *cap : first;
	while (n < need && n <= SIZE_MAX / 2)
		n *= 2;
	if (n < need || n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *grown = realloc(items, n * size);
	if (grown == NULL)
		return NULL;
	*cap = n;
	return grown;
}

/* PN_GROW(ARR, CAP, NEED, FIRST): room for NEED elements in the array
 * variable ARR of CAP elements (both updated): 0, or -1 with ARR and CAP as
 * they were when memory runs out. */
#define PN_GROW(arr, cap, need, first) __extension__ ({				\
	void *pn_grown_ = pn_grow((arr), &(cap), (need), sizeof *(arr), (first));	\
	if (pn_grown_ != NULL)								\
		(arr) = pn_grown_;							\
	pn_grown_ != NULL ? 0 : -1;							\
})

#endif
