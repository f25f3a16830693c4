/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Structs that cross the API with a leading `size` member (set by the
 * caller to the sizeof it was compiled with), so that a later release can
 * append members without breaking callers built against an older header:
 * what one side does not know, the other leaves at zero.
 */
#ifndef PKGNOTE_STRUCT_SIZE_H
#define PKGNOTE_STRUCT_SIZE_H

#include <stddef.h>

#include "pkgnote.h"

/* Bytes of `type` up to the end of `member`: the size a struct had in the
 * release whose last member that was, the least a caller may pass. */
#define PN_SIZE_TO(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

/*
 * Read the caller's input struct `src` into the library's `dst` of `known`
 * bytes: the bytes both know are copied, the rest of `dst` is zero (the
 * defaults).  Refused (PKGNOTE_USAGE) when its size is below `min`, or when
 * it sets members past `known` that this library does not know: ignoring
 * them would silently do something else than asked.
 */
enum pkgnote_status pn_struct_in(void *dst, size_t known, const void *src, size_t min,
				 const char *name, struct pkgnote_error *err);

/* Refuse (PKGNOTE_USAGE) a caller's output struct whose size is below
 * `min`; checked before any work, so that a result is never lost. */
enum pkgnote_status pn_struct_out_check(const void *dst, size_t min, const char *name,
					struct pkgnote_error *err);

/* Copy the library's result `src` of `known` bytes into the caller's
 * `dst`, no byte past dst's size; dst's size member is kept. */
void pn_struct_out(void *dst, const void *src, size_t known);

#endif
