/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "pkgnote.h"

const char *pkgnote_version(void)
{
	return PKGNOTE_VERSION;
}
