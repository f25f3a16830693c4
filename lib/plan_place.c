/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 3 of the planner: fit the program header table and the note into
 * page 1.  Three ways, tried in this order by the caller:
 *   join:     the note goes right after a 4-aligned PT_NOTE, no new header;
 *   new note: the note gets its own PT_NOTE in any free range of page 1,
 *             the table grows in place;
 *   repack:   the table grows in place and the blocks after it (.interp,
 *             notes) shift forward over free space to make room.
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>

#include "plan_ctx.h"

/* The table stays at e_phoff, right after the ELF header where strip and
 * objcopy expect it (they lay files out again assuming so); it can only
 * grow over free bytes that follow it.  Updates f. */
static bool grow_table(const struct ctx *c, struct pn_space *f, size_t nt)
{
	const struct pn_model *m = c->m;
	uint64_t old_end = m->phoff + m->phnum * c->es;
	uint64_t new_end = m->phoff + nt * c->es;
	if (new_end > min_u64(c->page, c->ext_end))
		return false;
	if (nt <= m->phnum)
		return true;
	if (!pn_space_contains(f, old_end, new_end))
		return false;
	pn_space_remove(f, old_end, new_end);
	return true;
}

bool pn_try_join(const struct ctx *c, const struct pn_space *f, size_t k_load,
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
			return false;
		pn_space_remove(&g, end, end + ns);
		bool ok = grow_table(c, &g, c->nbase + k_load);
		pn_space_free(&g);
		if (ok) {
			p->phoff = c->m->phoff;
			p->phnum = c->nbase + k_load;
			p->note_offset = end;
			p->join = (int)j;
			return true;
		}
	}
	return false;
}

bool pn_try_new_note(const struct ctx *c, const struct pn_space *f, size_t k_load,
		     bool note_outside, struct placement *p)
{
	size_t nt = c->nbase + k_load + 1;
	struct pn_space g;
	if (pn_space_copy(&g, f) != 0)
		return false;
	bool ok = grow_table(c, &g, nt);
	uint64_t at = 0;
	if (ok && !note_outside) {
		at = pn_space_first_fit(&g, c->req->note_size, 4, 0, c->page);
		ok = at != UINT64_MAX;
	}
	pn_space_free(&g);
	if (!ok)
		return false;
	p->phoff = c->m->phoff;
	p->phnum = nt;
	p->note_offset = at;
	p->join = -1;
	p->note_in_new_load = note_outside;
	return true;
}

/* Lay the units out after a table of nt entries at the old e_phoff; the
 * note follows them (joined to the last PT_NOTE when `join`).  Returns the
 * end of what was laid out, or UINT64_MAX when it leaves free space. */
static uint64_t lay_units(const struct ctx *c, const struct pn_space *room, size_t nt,
			  bool join, bool note_outside, uint64_t *unit_at, uint64_t *note_at)
{
	uint64_t cur = c->m->phoff + nt * c->es;
	for (size_t i = 0; i < c->nunits; i++) {
		cur = pn_align_up(cur, c->units[i].align);
		unit_at[i] = cur;
		cur += c->units[i].end - c->units[i].start;
	}
	if (join && cur % 4)
		return UINT64_MAX;
	*note_at = pn_align_up(cur, 4);
	if (!note_outside)
		cur = *note_at + c->req->note_size;
	if (cur > c->page || !pn_space_contains(room, c->m->phoff, cur))
		return UINT64_MAX;
	return cur;
}

bool pn_try_repack(const struct ctx *c, const struct pn_space *f, size_t k_load,
		   bool note_outside, struct placement *p, struct moveset *ms)
{
	const struct pn_model *m = c->m;
	if (c->nunits == 0 || ms->n + c->nunits > PN_ALL_MOVES)
		return false;
	/* The table and the units are rewritten, so their bytes count as room. */
	struct pn_space room;
	if (pn_space_copy(&room, f) != 0)
		return false;
	pn_space_add(&room, m->phoff, m->phoff + m->phnum * c->es);
	for (size_t i = 0; i < c->nunits; i++)
		pn_space_add(&room, c->units[i].start, c->units[i].end);

	const struct unit *last = &c->units[c->nunits - 1];
	uint64_t unit_at[PN_MAX_UNITS], note_at = 0;
	bool join = !note_outside && last->join >= 0;
	size_t nt = c->nbase + k_load + (join ? 0 : 1);
	uint64_t end = lay_units(c, &room, nt, join, note_outside, unit_at, &note_at);
	if (end == UINT64_MAX && join) {
		join = false;
		nt++;
		end = lay_units(c, &room, nt, join, note_outside, unit_at, &note_at);
	}
	pn_space_free(&room);
	if (end == UINT64_MAX)
		return false;

	const struct pn_segment *l0 = &c->base[c->l0];
	for (size_t i = 0; i < c->nunits; i++) {
		const struct unit *u = &c->units[i];
		if (unit_at[i] == u->start)
			continue;
		size_t k = ms->n++;
		ms->mv[k] = (struct pn_move){ .dyn_index = -1, .old_offset = u->start,
			.old_addr = l0->vaddr + u->start, .size = u->end - u->start,
			.new_offset = unit_at[i], .new_addr = l0->vaddr + unit_at[i] };
		ms->align[k] = max_u64(u->align, 1);
		ms->to_load[k] = false;
	}
	p->phoff = m->phoff;
	p->phnum = nt;
	p->note_offset = note_outside ? 0 : note_at;
	p->join = join ? last->join : -1;
	p->note_in_new_load = note_outside;
	return true;
}
