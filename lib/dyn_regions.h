/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_DYN_REGIONS_H
#define PKGNOTE_DYN_REGIONS_H

#include <elf.h>

#include "plan_ctx.h"

/* RELR relocations, for C libraries older than their tags. */
#ifndef SHT_RELR
#define SHT_RELR 19
#endif
#ifndef DT_RELRSZ
#define DT_RELRSZ 35
#define DT_RELR 36
#endif

/*
 * The blocks of L0 that dynamic entries point at and whose size is known
 * (from a size entry or from their contents in the first PN_HEAD_MAX bytes),
 * at most `max` of them, in dynamic table order.
 */
size_t pn_dyn_regions(const struct pn_model *m, const struct pn_segment *l0,
		      struct pn_cand *out, size_t max);

/* The value of the first dynamic entry with tag `tag`. */
bool pn_dyn_value(const struct pn_model *m, int64_t tag, uint64_t *val);

/* Number of dynamic symbols, from the hash tables in the first PN_HEAD_MAX
 * bytes of L0; 0 when unknown. */
uint64_t pn_dyn_symbol_count(const struct pn_model *m, const struct pn_segment *l0);

#endif
