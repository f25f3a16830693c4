/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_SHOW_CORE_H
#define PKGNOTE_SHOW_CORE_H

#include <stdbool.h>

/* pkgnote show on a core file: print its modules and their metadata (as
 * text, or as one JSON document); returns the exit status. */
int show_core(const char *path, bool json, bool use_files);

#endif
