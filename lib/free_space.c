/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "free_space.h"
#include "grow.h"

void pn_space_free(struct pn_space *s)
{
	free(s->r);
	memset(s, 0, sizeof *s);
}

static int reserve(struct pn_space *s, size_t n)
{
	if (n == 0)
		return 0;
	return PN_GROW(s->r, s->cap, n, 16);
}

int pn_space_copy(struct pn_space *dst, const struct pn_space *src)
{
	memset(dst, 0, sizeof *dst);
	if (reserve(dst, src->n) != 0)
		return -1;
	if (src->n)
		memcpy(dst->r, src->r, src->n * sizeof *src->r);
	dst->n = src->n;
	return 0;
}

int pn_space_add(struct pn_space *s, uint64_t start, uint64_t end)
{
	if (start >= end)
		return 0;
	if (s->n > 0 && start >= s->r[s->n - 1].start) {
		/* At the end, as callers that walk in order add: no search. */
		struct pn_range *last = &s->r[s->n - 1];
		if (start <= last->end) {
			if (end > last->end)
				last->end = end;
			return 0;
		}
	}
	if (reserve(s, s->n + 1) != 0)
		return -1;
	if (s->n == 0 || start > s->r[s->n - 1].end) {
		s->r[s->n++] = (struct pn_range){ start, end };
		return 0;
	}
	/* Insert in order, then merge neighbours that touch or overlap. */
	size_t i = 0;
	while (i < s->n && s->r[i].start < start)
		i++;
	memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof *s->r);
	s->r[i] = (struct pn_range){ start, end };
	s->n++;
	size_t out = 0;
	for (size_t k = 0; k < s->n; k++) {
		if (out > 0 && s->r[k].start <= s->r[out - 1].end) {
			if (s->r[k].end > s->r[out - 1].end)
				s->r[out - 1].end = s->r[k].end;
		} else {
			s->r[out++] = s->r[k];
		}
	}
	s->n = out;
	return 0;
}

int pn_space_remove(struct pn_space *s, uint64_t start, uint64_t end)
{
	if (start >= end)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		struct pn_range *r = &s->r[i];
		if (r->end <= start || r->start >= end)
			continue;
		if (r->start < start && r->end > end) {
			/* Splits one range into two. */
			if (reserve(s, s->n + 1) != 0)
				return -1;
			r = &s->r[i];
			memmove(&s->r[i + 2], &s->r[i + 1], (s->n - i - 1) * sizeof *s->r);
			s->r[i + 1] = (struct pn_range){ end, r->end };
			r->end = start;
			s->n++;
			return 0;
		}
		if (r->start < start)
			r->end = start;
		else if (r->end > end)
			r->start = end;
		else
			r->start = r->end; /* emptied; dropped below */
	}
	size_t out = 0;
	for (size_t k = 0; k < s->n; k++)
		if (s->r[k].start < s->r[k].end)
			s->r[out++] = s->r[k];
	s->n = out;
	return 0;
}

bool pn_space_contains(const struct pn_space *s, uint64_t start, uint64_t end)
{
	if (start >= end)
		return true;
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].start <= start && end <= s->r[i].end)
			return true;
	return false;
}

bool pn_space_overlaps(const struct pn_space *s, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < s->n && s->r[i].start < end; i++)
		if (start < s->r[i].end)
			return true;
	return false;
}

uint64_t pn_space_first_fit(const struct pn_space *s, uint64_t size, uint64_t align,
			    uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < s->n; i++) {
		uint64_t start = s->r[i].start > lo ? s->r[i].start : lo;
		start = pn_align_up(start, align);
		uint64_t end = s->r[i].end < hi ? s->r[i].end : hi;
		if (start <= end && end - start >= size)
			return start;
	}
	return UINT64_MAX;
}

int pn_space_take(struct pn_space *s, uint64_t size, uint64_t align, uint64_t lo, uint64_t hi,
		  uint64_t *at)
{
	*at = pn_space_first_fit(s, size, align, lo, hi);
	if (*at != UINT64_MAX && pn_space_remove(s, *at, *at + size) != 0) {
		*at = UINT64_MAX;
		return -1;
	}
	return 0;
}

uint64_t pn_space_largest(const struct pn_space *s, uint64_t hi)
{
	uint64_t best = 0;
	for (size_t i = 0; i < s->n; i++) {
		uint64_t end = s->r[i].end < hi ? s->r[i].end : hi;
		if (end > s->r[i].start && end - s->r[i].start > best)
			best = end - s->r[i].start;
	}
	return best;
}
