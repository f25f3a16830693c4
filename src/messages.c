/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "messages.h"

void report_error(const struct pkgnote_error *err)
{
	fprintf(stderr, "pkgnote: %s\n", err->message);
}

int usage_error(const char *what, const char *reason)
{
	fprintf(stderr, "pkgnote: %s%s%s\nTry 'pkgnote --help'.\n", what, *what ? ": " : "", reason);
	return PKGNOTE_USAGE;
}
