/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How the command reports a failure, shared by its parts (which call each
 * other only from pkgnote.c down: this file keeps it so).
 */
#ifndef PKGNOTE_MESSAGES_H
#define PKGNOTE_MESSAGES_H

#include "pkgnote.h"

/* "pkgnote: FILE: reason" on stderr. */
void report_error(const struct pkgnote_error *err);

/* A usage error about `what` (may be ""); returns PKGNOTE_USAGE. */
int usage_error(const char *what, const char *reason);

/* The exit status of several results: the highest. */
static inline int worse(int a, int b)
{
	return a > b ? a : b;
}

#endif
