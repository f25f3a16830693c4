/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "demo.h"

const char *pkgnote_demo_greeting(void)
{
	return "hello from libpkgnote-demo";
}

int pkgnote_demo_crash(int *where)
{
	return *(volatile int *)where;
}
