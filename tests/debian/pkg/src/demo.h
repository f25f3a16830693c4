/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_DEMO_H
#define PKGNOTE_DEMO_H

const char *pkgnote_demo_greeting(void);
/* Faults inside the library, so that a core holds both modules. */
int pkgnote_demo_crash(int *where);

#endif
