/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pkgnote-demo: prints the library's greeting; "pkgnote-demo crash" makes
 * the library fault. */
#include <stdio.h>
#include <string.h>

#include "demo.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "crash") == 0)
		return pkgnote_demo_crash(NULL);
	printf("pkgnote-demo: %s\n", pkgnote_demo_greeting());
	return 0;
}
