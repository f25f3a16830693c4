/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_ERROR_H
#define PKGNOTE_ERROR_H

#include "pkgnote.h"

/*
 * Record a failure as "WHAT: reason" and return its status, so that callers
 * can write `return pn_fail(err, PKGNOTE_BAD_ELF, path, "...", ...);`.
 * `err` may be NULL.  `what` is usually the file name.
 */
enum pkgnote_status pn_fail(struct pkgnote_error *err, enum pkgnote_status status,
			    const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Same, appending ": " and strerror(errnum). */
enum pkgnote_status pn_fail_errno(struct pkgnote_error *err, enum pkgnote_status status,
				  int errnum, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Same, appending ": " and libelf's last error. */
enum pkgnote_status pn_fail_elf(struct pkgnote_error *err, enum pkgnote_status status,
				const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
