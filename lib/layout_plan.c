/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The layout planner: from a model of the input and the size of the note,
 * decide where every new or moved byte goes.  Its steps, each in a file:
 *
 *  1-2. plan_analyse.c: the base program headers, L0 and its free space,
 *       the sections that may leave page 1, the blocks that may shift in it;
 *  3.   here and plan_place.c: the search.  No section moved, then runs of
 *       neighbouring movable sections, fewest bytes first; for each, fit the
 *       program header table (grown in place) and the note (joined to a
 *       4-aligned PT_NOTE, under a new PT_NOTE, after shifted blocks, or
 *       with blocks relocated elsewhere in page 1);
 *       for ET_EXEC with no way, plan_prepend.c puts a new page in front;
 *  4.   plan_build.c: the tail past the end of the file, the new program
 *       header table, the section header changes, the bytes to clear.
 *
 * Every choice is a first fit in a fixed order, so the same input always
 * gives the same plan.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plan_ctx.h"

static enum pkgnote_status oom(const struct ctx *c, struct pkgnote_error *err)
{
	return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, c->m->path, "planning the layout");
}

/* One attempt: the candidates first..last (by offset) leave page 1. */
static enum pkgnote_status attempt(const struct ctx *c, size_t first, size_t last, bool note_outside,
				   struct pn_plan *plan, bool *done, struct pkgnote_error *err)
{
	struct pn_space f;
	struct moveset ms = { .n = 0 };
	*done = false;
	if (pn_space_copy(&f, &c->free0) != 0)
		return oom(c, err);
	for (size_t k = first; k < last; k++) {
		const struct pn_cand *s = &c->cand[k];
		ms.align[ms.n] = max_u64(s->align, 1);
		ms.to_load[ms.n] = false;
		ms.mv[ms.n++] = (struct pn_move){ .dyn_index = s->dyn_index,
			.old_offset = s->offset, .old_addr = s->addr, .size = s->size };
		if (pn_space_add(&f, s->offset, s->offset + s->size) != 0)
			goto oom;
	}
	/* A moved section goes to free space of L0 past the run that moved
	 * (often the slack at the end of page 1), else to a new PT_LOAD at the
	 * end of the file. */
	const struct pn_segment *l0 = &c->base[c->l0];
	size_t k_load = note_outside && c->tail_load < 0 ? 1 : 0;
	uint64_t past = ms.n ? ms.mv[ms.n - 1].old_offset + ms.mv[ms.n - 1].size : 0;
	for (size_t i = 0; i < ms.n; i++) {
		uint64_t at;
		if (pn_space_take(&f, ms.mv[i].size, ms.align[i], past, c->ext_end, &at) != 0)
			goto oom;
		if (at == UINT64_MAX) {
			ms.to_load[i] = true;
			k_load = c->tail_load >= 0 ? 0 : 1;
			continue;
		}
		ms.mv[i].new_offset = at;
		ms.mv[i].new_addr = l0->vaddr + at;
	}
	/* Trailing data keeps its place: nothing may be appended. */
	bool appends = note_outside;
	for (size_t i = 0; i < ms.n; i++)
		appends |= ms.to_load[i];
	if (appends && c->trail.size > 0) {
		pn_space_free(&f);
		return PKGNOTE_OK;
	}
	struct placement pl = { .join = -1 };
	bool keep = c->ways != PN_WAYS_RELOCATE, relocate = c->ways != PN_WAYS_KEEP;
	/* Each way: 1 when it fits, 0 when not, -1 when memory ran out. */
	int fit = 0;
	if (keep && !note_outside)
		fit = pn_try_join(c, &f, k_load, &pl);
	if (keep && fit == 0)
		fit = pn_try_new_note(c, &f, k_load, note_outside, &pl);
	if (keep && fit == 0)
		fit = pn_try_repack(c, &f, k_load, note_outside, &pl, &ms);
	if (relocate && fit == 0)
		fit = pn_try_relocate(c, &f, k_load, note_outside, &pl, &ms);
	pn_space_free(&f);
	if (fit < 0)
		return oom(c, err);
	if (fit == 0)
		return PKGNOTE_OK;
	*done = true;
	return pn_build_plan(c, &pl, &ms, plan, err);
oom:
	pn_space_free(&f);
	return oom(c, err);
}

/* The old note can simply be overwritten: same record size, already where
 * the rules want it. */
static bool fits_in_place(const struct ctx *c)
{
	return pn_old_note_reusable(c->m, c->req->note_size, c->page, c->req->allow_outside_page);
}

struct window {
	size_t first, last;
	uint64_t size;
};

static int cmp_window(const void *a, const void *b)
{
	const struct window *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* No move first; then runs of neighbouring candidates, the fewest bytes
 * moved first: a run frees one contiguous hole, scattered moves would not.
 * When sections must move anyway, a run that leaves room for a larger note
 * is preferred, so that stamping again with a longer JSON finds room where
 * the note is. */
static enum pkgnote_status search(const struct ctx *c, struct pn_plan *plan, bool *done,
				  struct pkgnote_error *err)
{
	enum pkgnote_status r = attempt(c, 0, 0, false, plan, done, err);
	if (r != PKGNOTE_OK || *done || c->ncand == 0)
		return r;
	struct window *w = calloc(c->ncand * (c->ncand + 1) / 2, sizeof *w);
	if (w == NULL)
		return oom(c, err);
	size_t n = 0;
	for (size_t i = 0; i < c->ncand; i++) {
		uint64_t size = 0;
		for (size_t j = i; j < c->ncand; j++) {
			size += c->cand[j].size;
			w[n++] = (struct window){ i, j + 1, size };
		}
	}
	qsort(w, n, sizeof *w, cmp_window);
	/* Relocating blocks is the last resort here too: tried for the
	 * larger notes only when no other way has room for them. */
	static const uint64_t reserves[] = { 512, 256, 160 };
	static const enum pn_ways passes[][2] = { { PN_WAYS_KEEP, PN_WAYS_ALL },
						  { PN_WAYS_RELOCATE, PN_WAYS_RELOCATE } };
	for (size_t pass = 0; pass < 2 && !*done; pass++)
		for (size_t i = 0; i < sizeof reserves / sizeof reserves[0] && !*done; i++) {
			if (reserves[i] <= c->req->note_size)
				break;
			struct pn_plan_request roomy = *c->req;
			roomy.note_size = reserves[i];
			struct ctx generous = *c, real = *c;
			generous.req = &roomy;
			generous.ways = passes[pass][0];
			real.ways = passes[pass][1];
			for (size_t k = 0; k < n && r == PKGNOTE_OK && !*done; k++) {
				r = attempt(&generous, w[k].first, w[k].last, false, plan, done, err);
				if (r == PKGNOTE_OK && *done) {
					pn_plan_free(plan);
					r = attempt(&real, w[k].first, w[k].last, false, plan, done, err);
				}
			}
		}
	for (size_t k = 0; k < n && r == PKGNOTE_OK && !*done; k++)
		r = attempt(c, w[k].first, w[k].last, false, plan, done, err);
	free(w);
	return r;
}

enum pkgnote_status pn_plan_layout(const struct pn_model *m, const struct pn_plan_request *req,
				   struct pn_plan *plan, struct pkgnote_error *err)
{
	struct ctx c = { .m = m, .req = req };
	c.page = req->page_size ? req->page_size : PKGNOTE_DEFAULT_PAGE_SIZE;
	c.es = m->elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	c.talign = m->elf_class == ELFCLASS64 ? 8 : 4;
	memset(plan, 0, sizeof *plan);
	pn_model_trailing(m, &c.trail);

	if (fits_in_place(&c))
		return pn_plan_in_place(&c, plan, err);

	enum pkgnote_status r = pn_analyse(&c, err);
	if (r != PKGNOTE_OK)
		goto out;

	bool done = false;
	r = search(&c, plan, &done, err);
	bool can_prepend = false;
	if (r == PKGNOTE_OK && !done)
		r = pn_can_prepend(&c, &can_prepend, err);
	if (r == PKGNOTE_OK && !done && can_prepend) {
		r = pn_plan_prepend(&c, plan, err);
		done = true;
	}
	if (r == PKGNOTE_OK && !done && req->allow_outside_page)
		r = attempt(&c, 0, 0, true, plan, &done, err);
	/* Without section headers nothing tells the zeros an earlier stamp
	 * left in page 1 from zeros in use: only the old note is known free. */
	const char *hint = m->shnum == 0 && m->old_note.present
				   ? " (without section headers, only the old note's bytes are known to be free)"
				   : "";
	if (r == PKGNOTE_OK && !done && c.trail.size > 0)
		r = pn_fail(err, PKGNOTE_NO_ROOM, m->path,
			    "%" PRIu64 " bytes of trailing data at 0x%" PRIx64
			    " (past all that its headers and sections describe: an appended payload,"
			    " found from the end of the file, from the end of the section header table"
			    " or at an offset its code knows) must keep their place, and the first page"
			    " has no room for the note that leaves them, the section header table"
			    " and the file's size as they are",
			    c.trail.size, c.trail.offset);
	if (r == PKGNOTE_OK && !done)
		r = pn_fail(err, PKGNOTE_NO_ROOM, m->path,
			    "no room for the note in the first page: it needs %" PRIu64
			    " bytes and the program header table %" PRIu64
			    " more, the largest free hole below %" PRIu64 " is %" PRIu64
			    " bytes, and moving the %zu movable sections does not free enough%s",
			    req->note_size, c.es, c.page, pn_space_largest(&c.free0, c.page), c.ncand,
			    hint);
out:
	if (r != PKGNOTE_OK)
		pn_plan_free(plan);
	pn_ctx_free(&c);
	return r;
}
