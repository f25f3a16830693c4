/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 4 of the planner: turn a successful attempt into the plan: where
 * appended bytes go past the end of the file, the new program header table,
 * the section header changes and the bytes that fall free.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plan_ctx.h"

void pn_plan_free(struct pn_plan *plan)
{
	free(plan->phdrs);
	memset(plan, 0, sizeof *plan);
}

const struct pn_move *pn_plan_move_of(const struct pn_plan *plan, const struct pn_section *s)
{
	if (s->type == SHT_NOBITS || s->size == 0)
		return NULL;
	for (size_t k = 0; k < plan->nmoves; k++) {
		const struct pn_move *mv = &plan->moves[k];
		if (s->offset >= mv->old_offset && s->offset + s->size <= mv->old_offset + mv->size)
			return mv;
	}
	return NULL;
}

static enum pkgnote_status oom(const struct ctx *c, struct pkgnote_error *err)
{
	return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, c->m->path, "planning the layout");
}

void pn_plan_sections(const struct ctx *c, struct pn_plan *plan)
{
	const struct pn_model *m = c->m;
	plan->shnum = m->shnum;
	plan->shoff = m->shoff;
	plan->sht_rewrite = c->move_sht;
	if (m->shnum == 0)
		return;
	if (m->old_note.section != 0) {
		plan->note_section = m->old_note.section;
		return;
	}
	/* One more header would move the end of the table, where trailing
	 * data may be looked for: the note is then described by its PT_NOTE
	 * alone, as in a file without section headers. */
	if (c->trail.size > 0)
		return;
	plan->add_section = true;
	plan->sht_rewrite = true;
	plan->note_section = m->shnum;
	plan->shnum = m->shnum + 1;
	const char *hit = memmem(m->shstr, m->shstr_size + 1, PKGNOTE_SECTION_NAME,
				 sizeof PKGNOTE_SECTION_NAME);
	if (hit != NULL) {
		plan->note_name_off = (uint32_t)(hit - m->shstr);
	} else {
		plan->shstr_append = true;
		plan->note_name_off = (uint32_t)m->shstr_size;
		plan->shstr_size = m->shstr_size + sizeof PKGNOTE_SECTION_NAME;
	}
}

uint64_t pn_plan_section_tail(const struct ctx *c, struct pn_plan *plan, uint64_t cur)
{
	if (plan->shstr_append) {
		plan->shstr_offset = cur;
		cur += plan->shstr_size;
	}
	if (plan->sht_rewrite) {
		plan->shoff = pn_align_up(cur, c->talign);
		cur = plan->shoff + plan->shnum * c->m->shentsize;
	}
	return cur;
}

/* Where move i goes in a segment appended at or past `at`. */
static uint64_t tail_slot(const struct moveset *ms, size_t i, uint64_t at)
{
	at = pn_align_up(at, ms->align[i]);
	const struct pn_move *mv = &ms->mv[i];
	if (mv->size < PN_SHARE_MIN || PN_SHARE_BLOCK % ms->align[i] != 0 ||
	    mv->old_offset % ms->align[i] != 0)
		return at;
	/* Both at and the old offset are aligned, and the alignment divides the
	 * block: the result is aligned too. */
	return at + (mv->old_offset - at) % PN_SHARE_BLOCK;
}

/* Lay out the appended segment that starts at file offset `off` and
 * address `vaddr`, from `at` on: the moves bound for it, then the note
 * when it goes there.  Returns the end. */
static uint64_t fill_tail_load(struct moveset *ms, const struct placement *pl,
			       struct pn_plan *plan, uint64_t off, uint64_t vaddr, uint64_t at)
{
	for (size_t i = 0; i < ms->n; i++) {
		if (!ms->to_load[i])
			continue;
		at = tail_slot(ms, i, at);
		ms->mv[i].new_offset = at;
		ms->mv[i].new_addr = vaddr + (at - off);
		at += ms->mv[i].size;
	}
	if (pl->note_in_new_load) {
		at = pn_align_up(at, 4);
		plan->note_offset = at;
		plan->note_vaddr = vaddr + (at - off);
		plan->outside_page = true;
		at += plan->note_size;
	}
	plan->load_offset = off;
	plan->load_vaddr = vaddr;
	plan->load_size = at - off;
	return at;
}

/* Where a new PT_LOAD appended at file offset `cur` starts: offset and
 * address agree modulo the largest alignment, as the loader requires, and
 * the address lies past everything mapped. */
static void new_load_place(const struct ctx *c, const struct moveset *ms, uint64_t cur,
			   uint64_t *off, uint64_t *vaddr)
{
	uint64_t vend = 0, salign = 8, largest = 0;
	for (size_t i = 0; i < c->nbase; i++)
		if (c->base[i].type == PT_LOAD) {
			vend = max_u64(vend, c->base[i].vaddr + c->base[i].memsz);
			largest = max_u64(largest, c->base[i].memsz);
		}
	/* Keep the new read-only segment one largest-segment away from the
	 * last one: eu-elflint takes a relocation to write as many bytes as
	 * its symbol is long, and a symbol is no longer than its segment.
	 * Address space is plentiful; 32-bit files only get the gap when it
	 * fits. */
	if (c->m->elf_class == ELFCLASS64 || vend + largest + c->load_align < UINT32_MAX)
		vend += largest;
	for (size_t i = 0; i < ms->n; i++)
		if (ms->to_load[i])
			salign = max_u64(salign, ms->align[i]);
	*off = pn_align_up(cur, salign);
	*vaddr = pn_align_up(vend, c->load_align) + *off % c->load_align;
}

/* Past the end of the file: the new PT_LOAD (moved sections, or the note
 * when it may not be in page 1), the longer .shstrtab, the longer section
 * header table.  The old table stays where it was, zeroed (plan_zero), even
 * when it ended the file: writing the new one over it would change bytes
 * the old layout still names, and an in-place stamp could then not keep
 * the file valid until its first page is written. */
static void plan_tail(const struct ctx *c, const struct placement *pl, struct moveset *ms,
		      struct pn_plan *plan)
{
	const struct pn_model *m = c->m;
	bool any_load = pl->note_in_new_load;
	for (size_t i = 0; i < ms->n; i++)
		any_load |= ms->to_load[i];

	plan->truncate_at = m->file_size;
	uint64_t cur = plan->truncate_at;

	if (any_load && c->tail_load >= 0) {
		/* Grow the last PT_LOAD an earlier stamp made; what followed it
		 * (.shstrtab, the section header table) is written after. */
		const struct pn_segment *t = &c->base[c->tail_load];
		plan->truncate_at = t->offset + t->filesz;
		cur = fill_tail_load(ms, pl, plan, t->offset, t->vaddr, plan->truncate_at);
		plan->grow_load = c->tail_load;
		plan->sht_rewrite = m->shnum > 0;
		if (m->shnum > 0 && !plan->shstr_append) {
			plan->shstr_append = true;
			plan->shstr_size = m->shstr_size;
		}
	} else if (any_load) {
		uint64_t off, vaddr;
		new_load_place(c, ms, cur, &off, &vaddr);
		cur = fill_tail_load(ms, pl, plan, off, vaddr, off);
		plan->new_load = true;
	}
	plan->file_size = max_u64(pn_plan_section_tail(c, plan, cur), plan->truncate_at);
}

/* The move that carries a whole segment along, if any. */
static const struct pn_move *move_of_segment(const struct pn_plan *plan,
					     const struct pn_segment *s)
{
	for (size_t k = 0; k < plan->nmoves; k++) {
		const struct pn_move *mv = &plan->moves[k];
		if (s->filesz > 0 && s->offset >= mv->old_offset &&
		    s->offset + s->filesz <= mv->old_offset + mv->size)
			return mv;
	}
	return NULL;
}

/* Program headers: base order with shifted segments, L0 grown over what
 * now lies in it, the new PT_LOAD after the last PT_LOAD, a new PT_NOTE
 * at the end. */
static enum pkgnote_status plan_phdrs(const struct ctx *c, const struct placement *pl,
				      const struct moveset *ms, struct pn_plan *plan,
				      struct pkgnote_error *err)
{
	const struct pn_segment *l0 = &c->base[c->l0];
	size_t n = 0, last_load = 0;
	for (size_t i = 0; i < c->nbase; i++)
		if (c->base[i].type == PT_LOAD)
			last_load = i;
	uint64_t l0_end = max_u64(l0->filesz, pl->phoff + pl->phnum * c->es);
	if (!pl->note_in_new_load)
		l0_end = max_u64(l0_end, plan->note_offset + plan->note_size);
	for (size_t i = 0; i < ms->n; i++)
		if (!ms->to_load[i])
			l0_end = max_u64(l0_end, ms->mv[i].new_offset + ms->mv[i].size);

	for (size_t i = 0; i < c->nbase; i++) {
		struct pn_segment s = c->base[i];
		const struct pn_move *mv = i == c->l0 || s.type == PT_LOAD ? NULL
									  : move_of_segment(plan, &s);
		if (mv != NULL) {
			s.offset = s.offset - mv->old_offset + mv->new_offset;
			s.vaddr = s.vaddr - mv->old_addr + mv->new_addr;
			s.paddr = s.paddr - mv->old_addr + mv->new_addr;
		}
		if (i == c->l0)
			s.filesz = s.memsz = l0_end;
		if ((long)i == plan->grow_load)
			s.filesz = s.memsz = plan->load_size;
		if ((int)i == pl->join)
			s.filesz = s.memsz = s.filesz + plan->note_size;
		if (s.type == PT_PHDR) {
			s.offset = pl->phoff;
			s.vaddr = l0->vaddr + pl->phoff;
			s.paddr = l0->paddr + pl->phoff;
			s.filesz = s.memsz = pl->phnum * c->es;
		}
		plan->phdrs[n++] = s;
		if (i == last_load && plan->new_load)
			plan->phdrs[n++] = (struct pn_segment){
				.type = PT_LOAD, .flags = PF_R, .offset = plan->load_offset,
				.vaddr = plan->load_vaddr,
				.paddr = plan->load_vaddr + (l0->paddr - l0->vaddr),
				.filesz = plan->load_size, .memsz = plan->load_size,
				.align = c->load_align };
	}
	if (pl->join < 0)
		plan->phdrs[n++] = (struct pn_segment){
			.type = PT_NOTE, .flags = PF_R, .offset = plan->note_offset,
			.vaddr = plan->note_vaddr,
			.paddr = plan->note_vaddr + (l0->paddr - l0->vaddr),
			.filesz = plan->note_size, .memsz = plan->note_size, .align = 4 };
	/* The new headers took the first spare PT_NULL slots; the others stay,
	 * as they were, last (pn_table_len leaves at most nspare of them). */
	size_t taken = c->nspare - (pl->phnum - n), seen = 0;
	for (size_t i = 0; i < c->m->phnum && n < pl->phnum; i++)
		if (c->m->phdrs[i].type == PT_NULL && seen++ >= taken)
			plan->phdrs[n++] = c->m->phdrs[i];
	if (n != pl->phnum)
		return pn_fail(err, PKGNOTE_INTERNAL, c->m->path,
			       "internal error: planned %zu program headers, built %zu", pl->phnum, n);
	return PKGNOTE_OK;
}

/* Bytes that fall free: the old note, what moved, the old program header
 * table, the old section header table when a new one is written elsewhere
 * and the old one is still within the output. */
static void plan_zero(const struct ctx *c, const struct placement *pl, struct pn_plan *plan)
{
	const struct pn_model *m = c->m;
	if (m->old_note.present)
		plan->zero[plan->nzero++] = (struct pn_zero){ m->old_note.offset, m->old_note.record_size };
	for (size_t i = 0; i < plan->nmoves; i++)
		plan->zero[plan->nzero++] = (struct pn_zero){ plan->moves[i].old_offset, plan->moves[i].size };
	if (pl->phoff != m->phoff || pl->phnum < m->phnum)
		plan->zero[plan->nzero++] = (struct pn_zero){ m->phoff, m->phnum * c->es };
	if (plan->sht_rewrite && plan->shoff != m->shoff && m->shoff < plan->truncate_at)
		plan->zero[plan->nzero++] = (struct pn_zero){ m->shoff, m->shnum * m->shentsize };
}

/*
 * Trailing data: the note is described by an existing note section where
 * one ends right where the note starts (see struct pn_plan's resize), as
 * when the note joins a block of notes, moved or not.  Only a section of
 * alignment 4 or less, readelf's and the gABI's note alignment there, so
 * that its notes and the new one parse as one run, and one mapped as the
 * note is.  Offsets are the output's: a moved section's as it moves.
 */
static void plan_note_cover(const struct ctx *c, struct pn_plan *plan)
{
	const struct pn_model *m = c->m;
	const struct pn_old_note *old = &m->old_note;
	uint64_t note_bias = plan->note_vaddr - plan->note_offset;
	if (c->trail.size == 0 || plan->note_section != 0 || plan->outside_page)
		return;
	for (size_t i = 1; i < m->shnum && plan->nresize < 2; i++) {
		const struct pn_section *s = &m->shdrs[i];
		const struct pn_move *mv = pn_plan_move_of(plan, s);
		uint64_t off = mv ? s->offset - mv->old_offset + mv->new_offset : s->offset;
		uint64_t addr = mv ? s->addr - mv->old_addr + mv->new_addr : s->addr;
		if (s->type != SHT_NOTE || !(s->flags & SHF_ALLOC) || s->addralign > 4 ||
		    addr - off != note_bias)
			continue;
		uint64_t end = off + s->size, want = end;
		if (!mv && old->present && off < old->offset && end == old->offset + old->record_size)
			want = old->offset;  /* widened over the old note before */
		if (want == plan->note_offset)
			want = plan->note_offset + plan->note_size;
		if (want != end)
			plan->resize[plan->nresize++] = (struct pn_resize){ i, want - off };
	}
}

enum pkgnote_status pn_build_plan(const struct ctx *c, const struct placement *pl,
				  struct moveset *ms, struct pn_plan *plan,
				  struct pkgnote_error *err)
{
	memset(plan, 0, sizeof *plan);
	plan->grow_load = -1;
	plan->note_size = c->req->note_size;
	plan->phoff = pl->phoff;
	plan->phnum = pl->phnum;
	plan->phdrs = calloc(pl->phnum, sizeof *plan->phdrs);
	if (plan->phdrs == NULL)
		return oom(c, err);
	pn_plan_sections(c, plan);
	plan_tail(c, pl, ms, plan);
	if (!pl->note_in_new_load) {
		plan->note_offset = pl->note_offset;
		plan->note_vaddr = c->base[c->l0].vaddr + pl->note_offset;
	}
	memcpy(plan->moves, ms->mv, ms->n * sizeof *ms->mv);
	plan->nmoves = ms->n;
	plan_note_cover(c, plan);
	plan_zero(c, pl, plan);
	return plan_phdrs(c, pl, ms, plan, err);
}

enum pkgnote_status pn_plan_in_place(const struct ctx *c, struct pn_plan *plan,
				     struct pkgnote_error *err)
{
	const struct pn_model *m = c->m;
	memset(plan, 0, sizeof *plan);
	plan->grow_load = -1;
	plan->in_place = true;
	plan->note_size = c->req->note_size;
	plan->note_offset = m->old_note.offset;
	const struct pn_segment *seg = &m->phdrs[m->old_note.segment];
	plan->note_vaddr = seg->vaddr + (m->old_note.offset - seg->offset);
	plan->outside_page = m->old_note.offset + plan->note_size > c->page;
	plan->phoff = m->phoff;
	plan->phnum = m->phnum;
	plan->phdrs = calloc(m->phnum, sizeof *plan->phdrs);
	if (plan->phdrs == NULL)
		return oom(c, err);
	memcpy(plan->phdrs, m->phdrs, m->phnum * sizeof *m->phdrs);
	plan->note_section = m->old_note.section;
	plan->shnum = m->shnum;
	plan->shoff = m->shoff;
	plan->truncate_at = plan->file_size = m->file_size;
	return PKGNOTE_OK;
}
