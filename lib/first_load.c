/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * L0, the segment every step of pkgnote reasons about: the planner grows
 * it, the pins are the addresses code reads in it, the reader and the
 * verifier ask whether a note lies in it.  A hostile file may have several
 * PT_LOADs at offset 0; all of them must agree on which one is meant, and
 * on when a note already there is where it belongs.
 */
#include <elf.h>

#include "model.h"

ptrdiff_t pn_first_load(const struct pn_segment *ph, size_t n)
{
	ptrdiff_t l0 = -1;
	for (size_t i = 0; i < n; i++)
		if (ph[i].type == PT_LOAD && ph[i].offset == 0 && ph[i].filesz > 0 &&
		    (l0 < 0 || ph[i].vaddr < ph[l0].vaddr))
			l0 = (ptrdiff_t)i;
	return l0;
}

bool pn_old_note_in_page1(const struct pn_model *m, uint64_t page)
{
	const struct pn_old_note *o = &m->old_note;
	ptrdiff_t l0 = pn_first_load(m->phdrs, m->phnum);
	uint64_t end = o->offset + o->record_size;
	return o->present && o->segment >= 0 && l0 >= 0 && end >= o->offset &&
	       end <= m->phdrs[l0].filesz && end <= page;
}

bool pn_old_note_reusable(const struct pn_model *m, uint64_t record_size, uint64_t page,
			  bool allow_outside_page)
{
	const struct pn_old_note *o = &m->old_note;
	return o->present && o->segment >= 0 && o->record_size == record_size &&
	       (allow_outside_page || pn_old_note_in_page1(m, page));
}
