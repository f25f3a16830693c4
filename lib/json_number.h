/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Numbers in package metadata JSON: their grammar and their range.
 */
#ifndef PKGNOTE_JSON_NUMBER_H
#define PKGNOTE_JSON_NUMBER_H

#include "json_scan.h"

/* Scan the number at s->pos (a '-' or a digit) and move past it.  Integers
 * (no fraction, no exponent) must lie within +-(2^53-1), any other number
 * must be a finite double. */
enum pkgnote_status pn_json_scan_number(struct pn_json_scanner *s);

#endif
