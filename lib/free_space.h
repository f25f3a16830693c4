/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A set of free byte ranges of a file, kept sorted and disjoint: the
 * planner's view of where new bytes may go.
 */
#ifndef PKGNOTE_FREE_SPACE_H
#define PKGNOTE_FREE_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pn_range {
	uint64_t start, end;         /* [start, end) */
};

struct pn_space {
	struct pn_range *r;
	size_t n, cap;
};

void pn_space_free(struct pn_space *s);
int pn_space_copy(struct pn_space *dst, const struct pn_space *src);
/* Both return -1 only when memory runs out. */
int pn_space_add(struct pn_space *s, uint64_t start, uint64_t end);
int pn_space_remove(struct pn_space *s, uint64_t start, uint64_t end);
bool pn_space_contains(const struct pn_space *s, uint64_t start, uint64_t end);
/* Some byte of [start, end) is in the set. */
bool pn_space_overlaps(const struct pn_space *s, uint64_t start, uint64_t end);
/*
 * Lowest offset >= lo, aligned to `align`, where `size` bytes are free and
 * end at or before `hi`; UINT64_MAX when there is none.
 */
uint64_t pn_space_first_fit(const struct pn_space *s, uint64_t size, uint64_t align,
			    uint64_t lo, uint64_t hi);
/* pn_space_first_fit into *at, and the range found is no longer free.
 * Returns -1 only when memory runs out (the set is then unchanged). */
int pn_space_take(struct pn_space *s, uint64_t size, uint64_t align, uint64_t lo, uint64_t hi,
		  uint64_t *at);
/* Size of the largest free range below `hi` (for messages). */
uint64_t pn_space_largest(const struct pn_space *s, uint64_t hi);

static inline uint64_t pn_align_up(uint64_t v, uint64_t a)
{
	return a <= 1 ? v : (v + a - 1) / a * a;
}

static inline uint64_t pn_align_down(uint64_t v, uint64_t a)
{
	return a <= 1 ? v : v / a * a;
}

#endif
