/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "error.h"
#include "struct_size.h"

/* The leading size member, read without assuming more of the struct. */
static size_t size_of(const void *s)
{
	size_t n;
	memcpy(&n, s, sizeof n);
	return n;
}

static enum pkgnote_status too_small(size_t given, size_t min, const char *name,
				     struct pkgnote_error *err)
{
	return pn_fail(err, PKGNOTE_USAGE, name,
		       "size %zu is less than %zu: set it to sizeof(struct %s) (the _INIT macro does)",
		       given, min, name);
}

enum pkgnote_status pn_struct_in(void *dst, size_t known, const void *src, size_t min,
				 const char *name, struct pkgnote_error *err)
{
	size_t given = size_of(src);

	if (given < min)
		return too_small(given, min, name, err);
	for (size_t i = known; i < given; i++) {
		if (((const unsigned char *)src)[i] != 0)
			return pn_fail(err, PKGNOTE_USAGE, name,
				       "sets members this library (%s) does not know", pkgnote_version());
	}
	memset(dst, 0, known);
	memcpy(dst, src, given < known ? given : known);
	return PKGNOTE_OK;
}

enum pkgnote_status pn_struct_out_check(const void *dst, size_t min, const char *name,
					struct pkgnote_error *err)
{
	size_t given = size_of(dst);

	return given < min ? too_small(given, min, name, err) : PKGNOTE_OK;
}

void pn_struct_out(void *dst, const void *src, size_t known)
{
	size_t given = size_of(dst);
	size_t n = given < known ? given : known;

	if (n > sizeof given)
		memcpy((char *)dst + sizeof given, (const char *)src + sizeof given, n - sizeof given);
}
