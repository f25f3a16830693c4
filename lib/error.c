/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

__attribute__((format(printf, 5, 0)))
static enum pkgnote_status vfail(struct pkgnote_error *err, enum pkgnote_status status,
				 const char *what, const char *suffix,
				 const char *fmt, va_list ap)
{
	if (err == NULL)
		return status;
	err->status = status;
	size_t n = 0;
	if (what != NULL)
		n = (size_t)snprintf(err->message, sizeof err->message, "%s: ", what);
	if (n < sizeof err->message)
		n += (size_t)vsnprintf(err->message + n, sizeof err->message - n, fmt, ap);
	if (suffix != NULL && n < sizeof err->message)
		snprintf(err->message + n, sizeof err->message - n, ": %s", suffix);
	return status;
}

enum pkgnote_status pn_fail(struct pkgnote_error *err, enum pkgnote_status status,
			    const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, status, what, NULL, fmt, ap);
	va_end(ap);
	return status;
}

enum pkgnote_status pn_fail_errno(struct pkgnote_error *err, enum pkgnote_status status,
				  int errnum, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, status, what, strerror(errnum), fmt, ap);
	va_end(ap);
	return status;
}

enum pkgnote_status pn_fail_elf(struct pkgnote_error *err, enum pkgnote_status status,
				const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, status, what, elf_errmsg(-1), fmt, ap);
	va_end(ap);
	return status;
}
