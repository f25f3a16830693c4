/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 3 of the planner: fit the program header table and the note into
 * page 1.  Three ways, tried in this order by the caller:
 *   join:     the note goes right after a 4-aligned PT_NOTE, no new header;
 *   new note: the note gets its own PT_NOTE in any free range of page 1,
 *             the table grows in place;
 *   repack:   the table grows in place and the blocks after it (.interp,
 *             notes) shift forward over free space to make room, the
 *             block of notes the note joins laid last;
 *   relocate: the blocks the grown table covers, and the block of notes
 *             the note joins, go to free space elsewhere in page 1 (often
 *             the hole a moved section left).
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan_ctx.h"

/* The table stays at e_phoff, right after the ELF header where strip and
 * objcopy expect it (they lay files out again assuming so); it can only
 * grow over free bytes that follow it.  Updates f; returns as the ways do. */
static int grow_table(const struct ctx *c, struct pn_space *f, size_t nt)
{
	const struct pn_model *m = c->m;
	uint64_t old_end = m->phoff + m->phnum * c->es;
	uint64_t new_end = m->phoff + nt * c->es;
	if (new_end > min_u64(c->page, c->ext_end))
		return 0;
	if (nt <= m->phnum)
		return 1;
	if (!pn_space_contains(f, old_end, new_end))
		return 0;
	return pn_space_remove(f, old_end, new_end) != 0 ? -1 : 1;
}

int pn_try_join(const struct ctx *c, const struct pn_space *f, size_t k_load,
		struct placement *p)
{
	uint64_t ns = c->req->note_size;
	for (size_t j = 0; j < c->nbase; j++) {
		const struct pn_segment *s = &c->base[j];
		uint64_t end = s->offset + s->filesz;
		if (s->type != PT_NOTE || s->align > 4 || s->offset % 4 || end % 4 ||
		    end + ns > c->page || !pn_space_contains(f, end, end + ns))
			continue;
		struct pn_space g;
		if (pn_space_copy(&g, f) != 0)
			return -1;
		size_t nt = pn_table_len(c, c->nbase + k_load);
		int fit = pn_space_remove(&g, end, end + ns) != 0 ? -1 : grow_table(c, &g, nt);
		pn_space_free(&g);
		if (fit < 0)
			return fit;
		if (fit > 0) {
			p->phoff = c->m->phoff;
			p->phnum = nt;
			p->note_offset = end;
			p->join = (int)j;
			return 1;
		}
	}
	return 0;
}

int pn_try_new_note(const struct ctx *c, const struct pn_space *f, size_t k_load,
		    bool note_outside, struct placement *p)
{
	size_t nt = pn_table_len(c, c->nbase + k_load + 1);
	struct pn_space g;
	if (pn_space_copy(&g, f) != 0)
		return -1;
	int fit = grow_table(c, &g, nt);
	uint64_t at = 0;
	if (fit > 0 && !note_outside) {
		at = pn_space_first_fit(&g, c->req->note_size, 4, 0, c->page);
		fit = at != UINT64_MAX;
	}
	pn_space_free(&g);
	if (fit <= 0)
		return fit;
	p->phoff = c->m->phoff;
	p->phnum = nt;
	p->note_offset = at;
	p->join = -1;
	p->note_in_new_load = note_outside;
	return 1;
}

/* Lay the run of units out after a table of nt entries at the old e_phoff,
 * in their order but for unit ju (when >= 0), laid last for the note to join
 * its PT_NOTE; the note follows them.  Returns the end of what was laid
 * out, or UINT64_MAX when it does not fit in room and page 1. */
static uint64_t lay_units(const struct ctx *c, const struct pn_space *room, size_t nt,
			  long ju, bool note_outside, uint64_t *unit_at, uint64_t *note_at)
{
	size_t order[PN_MAX_UNITS], n = 0;
	for (size_t i = 0; i < c->ncontig; i++)
		if ((long)i != ju)
			order[n++] = i;
	if (ju >= 0)
		order[n++] = (size_t)ju;
	uint64_t cur = c->m->phoff + nt * c->es;
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		cur = pn_align_up(cur, c->units[i].align);
		unit_at[i] = cur;
		cur += c->units[i].end - c->units[i].start;
	}
	if (ju >= 0 && cur % 4)
		return UINT64_MAX;
	*note_at = pn_align_up(cur, 4);
	if (!note_outside)
		cur = *note_at + c->req->note_size;
	if (cur > c->page || !pn_space_contains(room, c->m->phoff, cur))
		return UINT64_MAX;
	return cur;
}

/* The unit the note may join, among the first n: the last one ending in a
 * PT_NOTE, when its start is 4-aligned (moved as a whole, its PT_NOTE
 * stays 4-aligned). */
static long join_unit(const struct ctx *c, size_t n)
{
	long ju = -1;
	for (size_t i = 0; i < n; i++)
		if (c->units[i].join >= 0 && c->units[i].start % max_u64(c->units[i].align, 4) == 0)
			ju = (long)i;
	return ju;
}

/* Record the move of unit u to `to` (nothing when it stays). */
static void add_unit_move(const struct ctx *c, const struct unit *u, uint64_t to,
			  struct moveset *ms)
{
	if (to == u->start)
		return;
	const struct pn_segment *l0 = &c->base[c->l0];
	size_t k = ms->n++;
	ms->mv[k] = (struct pn_move){ .dyn_index = PN_MOVE_SHIFT, .old_offset = u->start,
		.old_addr = l0->vaddr + u->start, .size = u->end - u->start,
		.new_offset = to, .new_addr = l0->vaddr + to };
	ms->align[k] = max_u64(u->align, 1);
	ms->to_load[k] = false;
}

int pn_try_repack(const struct ctx *c, const struct pn_space *f, size_t k_load,
		  bool note_outside, struct placement *p, struct moveset *ms)
{
	const struct pn_model *m = c->m;
	if (c->ncontig == 0 || ms->n + c->ncontig > PN_ALL_MOVES)
		return 0;
	/* The table and the units are rewritten, so their bytes count as room. */
	struct pn_space room;
	if (pn_space_copy(&room, f) != 0)
		return -1;
	int r = pn_space_add(&room, m->phoff, m->phoff + m->phnum * c->es);
	for (size_t i = 0; r == 0 && i < c->ncontig; i++)
		r = pn_space_add(&room, c->units[i].start, c->units[i].end);
	if (r != 0) {
		pn_space_free(&room);
		return -1;
	}

	uint64_t unit_at[PN_MAX_UNITS], note_at = 0;
	long ju = note_outside ? -1 : join_unit(c, c->ncontig);
	size_t nt = pn_table_len(c, c->nbase + k_load + (ju >= 0 ? 0 : 1));
	uint64_t end = lay_units(c, &room, nt, ju, note_outside, unit_at, &note_at);
	if (end == UINT64_MAX && ju >= 0) {
		ju = -1;
		nt = pn_table_len(c, c->nbase + k_load + 1);
		end = lay_units(c, &room, nt, ju, note_outside, unit_at, &note_at);
	}
	pn_space_free(&room);
	if (end == UINT64_MAX)
		return 0;

	for (size_t i = 0; i < c->ncontig; i++)
		add_unit_move(c, &c->units[i], unit_at[i], ms);
	p->phoff = m->phoff;
	p->phnum = nt;
	p->note_offset = note_outside ? 0 : note_at;
	p->join = ju >= 0 ? c->units[ju].join : -1;
	p->note_in_new_load = note_outside;
	return 1;
}

/* One layout for pn_try_relocate: the table of nt entries grows in place,
 * the units it now covers go to free space of page 1, and so does unit
 * `ju` (when >= 0) with the note right after it.  Fills to[] and *note_at;
 * returns as the ways do. */
static int relocate_units(const struct ctx *c, const struct pn_space *f, size_t nt, long ju,
			  bool note_outside, uint64_t *to, uint64_t *note_at)
{
	const struct pn_model *m = c->m;
	uint64_t old_end = m->phoff + m->phnum * c->es, new_end = m->phoff + nt * c->es;
	if (new_end > min_u64(c->page, c->ext_end))
		return 0;
	struct pn_space room;
	if (pn_space_copy(&room, f) != 0)
		return -1;
	int r = pn_space_add(&room, m->phoff, old_end);
	bool moving[PN_MAX_UNITS];
	for (size_t i = 0; i < c->nunits; i++) {
		const struct unit *u = &c->units[i];
		moving[i] = u->start < new_end || (long)i == ju;
		to[i] = u->start;
		if (moving[i] && r == 0)
			r = pn_space_add(&room, u->start, u->end);
	}
	bool ok = r == 0 && pn_space_contains(&room, m->phoff, new_end);
	if (ok)
		r = pn_space_remove(&room, m->phoff, new_end);
	/* The unit the note joins first: it needs the longest free run. */
	if (ok && r == 0 && ju >= 0) {
		const struct unit *u = &c->units[ju];
		uint64_t at;
		r = pn_space_take(&room, u->end - u->start + c->req->note_size,
				  max_u64(u->align, 4), 0, c->page, &at);
		ok = at != UINT64_MAX;
		to[ju] = at;
		*note_at = at + (u->end - u->start);
	}
	for (size_t i = 0; ok && r == 0 && i < c->nunits; i++) {
		const struct unit *u = &c->units[i];
		if (!moving[i] || (long)i == ju)
			continue;
		r = pn_space_take(&room, u->end - u->start, max_u64(u->align, 1), 0, c->page,
				  &to[i]);
		ok = to[i] != UINT64_MAX;
	}
	if (ok && r == 0 && ju < 0 && !note_outside) {
		*note_at = pn_space_first_fit(&room, c->req->note_size, 4, 0, c->page);
		ok = *note_at != UINT64_MAX;
	}
	pn_space_free(&room);
	return r != 0 ? -1 : ok;
}

/* Some unit that to[] moves holds a note a local symbol labels. */
static bool moves_label(const struct ctx *c, const uint64_t *to)
{
	uint64_t base = c->base[c->l0].vaddr;
	for (size_t i = 0; i < c->nunits; i++)
		if (to[i] != c->units[i].start &&
		    pn_space_overlaps(&c->m->labelled, base + c->units[i].start, base + c->units[i].end))
			return true;
	return false;
}

int pn_try_relocate(const struct ctx *c, const struct pn_space *f, size_t k_load,
		    bool note_outside, struct placement *p, struct moveset *ms)
{
	if (c->nunits == 0 || ms->n + c->nunits > PN_ALL_MOVES)
		return 0;
	long ju = note_outside ? -1 : join_unit(c, c->nunits);
	uint64_t to[PN_MAX_UNITS], note_at = 0;
	size_t nt = pn_table_len(c, c->nbase + k_load);
	int fit = ju >= 0 ? relocate_units(c, f, nt, ju, false, to, &note_at) : 0;
	if (fit > 0 && moves_label(c, to)) {
		/* Joining moves a labelled note (and so rewrites the symbol
		 * table): a new PT_NOTE that leaves it is preferred. */
		uint64_t to2[PN_MAX_UNITS], note_at2 = 0;
		size_t nt2 = pn_table_len(c, c->nbase + k_load + 1);
		int fit2 = relocate_units(c, f, nt2, -1, false, to2, &note_at2);
		if (fit2 < 0)
			return fit2;
		if (fit2 > 0 && !moves_label(c, to2)) {
			ju = -1, nt = nt2, note_at = note_at2;
			memcpy(to, to2, sizeof to2);
		}
	}
	if (fit == 0) {
		ju = -1;
		nt = pn_table_len(c, c->nbase + k_load + 1);
		fit = relocate_units(c, f, nt, -1, note_outside, to, &note_at);
	}
	if (fit <= 0)
		return fit;
	for (size_t i = 0; i < c->nunits; i++)
		add_unit_move(c, &c->units[i], to[i], ms);
	p->phoff = c->m->phoff;
	p->phnum = nt;
	p->note_offset = note_outside ? 0 : note_at;
	p->join = ju >= 0 ? c->units[ju].join : -1;
	p->note_in_new_load = note_outside;
	return 1;
}
