/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The last resort for a fixed-address executable (ET_EXEC) whose page 1 has
 * no room and nothing that may move (a static binary: its .rela.iplt is
 * found through symbols baked into code): a new first page, mapped just
 * below the lowest PT_LOAD, holds a new ELF header, the program header table
 * and the note.  The old contents follow it in the file, shifted by the
 * largest page size a kernel of the file's machine may use (pn_prepend_shift),
 * so every segment maps the same bytes at the same address as before; only
 * file offsets change.  The notes of the
 * old first page (build-id, ABI tag, GNU properties) are copied into the
 * new one and their headers point at the copies, so that core dumps keep
 * them; the old bytes stay where code may know them.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plan_ctx.h"

/* Lowest address a process may map (the usual vm.mmap_min_addr). */
#define MIN_MAP_ADDR 0x10000

/*
 * The largest page size a Linux kernel of each machine may be built with:
 * the loader maps a segment only where its offset and address agree modulo
 * the page size, so a shift by a multiple of it keeps every segment
 * loadable wherever the input was.
 */
static const struct {
	uint16_t machine;
	uint64_t page;
} kernel_pages[] = {
	{ EM_386, 4096 },            /* 4 KiB only */
	{ EM_X86_64, 4096 },
	{ EM_ARM, 4096 },
	{ EM_S390, 4096 },
	{ EM_RISCV, 4096 },
	{ EM_AARCH64, 64 * 1024 },   /* 4, 16 or 64 KiB */
	{ EM_PPC64, 64 * 1024 },     /* 4 or 64 KiB */
	{ EM_PPC, 256 * 1024 },      /* up to 256 KiB on 44x */
	{ EM_MIPS, 64 * 1024 },      /* 4 to 64 KiB */
	{ EM_LOONGARCH, 64 * 1024 }, /* 4, 16 or 64 KiB */
};

/*
 * The shift: the file's largest p_align, as the linker promised, but no
 * more than the largest page of its machine's kernels.  A static program
 * that tcc or a linker aligned to 2 MiB so moves by 4 KiB on x86-64, not
 * 2 MiB.  For a machine not listed, the largest p_align.
 */
uint64_t pn_prepend_shift(const struct ctx *c)
{
	for (size_t i = 0; i < sizeof kernel_pages / sizeof kernel_pages[0]; i++)
		if (kernel_pages[i].machine == c->m->e_machine)
			return min_u64(c->load_align, kernel_pages[i].page);
	return c->load_align;
}

static bool is_note(const struct pn_segment *s)
{
	return s->type == PT_NOTE || s->type == PT_GNU_PROPERTY;
}

/* The byte ranges of L0 that note segments cover, merged. */
static int note_ranges(const struct ctx *c, struct pn_space *notes)
{
	const struct pn_segment *l0 = &c->base[c->l0];
	int r = 0;
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (is_note(s) && s->filesz > 0 && s->offset + s->filesz <= l0->filesz)
			r |= pn_space_add(notes, s->offset, s->offset + s->filesz);
	}
	return r;
}

/* Lay the copies of the note ranges out from `cur`, each at an offset
 * congruent to its old one modulo 8 so that 8- and 4-aligned notes stay so;
 * returns the end. */
static uint64_t lay_notes(const struct pn_space *notes, uint64_t cur, struct pn_move *mv,
			  uint64_t old_base, uint64_t new_base)
{
	for (size_t i = 0; i < notes->n; i++) {
		uint64_t start = notes->r[i].start, size = notes->r[i].end - start;
		/* Any residue, even one no linker makes (hostile input). */
		cur = pn_align_up(cur, 8) + start % 8;
		if (mv != NULL)
			mv[i] = (struct pn_move){ .dyn_index = PN_MOVE_SHIFT, .old_offset = start,
				.old_addr = old_base + start, .size = size, .new_offset = cur,
				.new_addr = new_base + cur };
		cur += size;
	}
	return cur;
}

enum pkgnote_status pn_can_prepend(const struct ctx *c, bool *can, struct pkgnote_error *err)
{
	const struct pn_model *m = c->m;
	const struct pn_segment *l0 = &c->base[c->l0];
	uint64_t shift = pn_prepend_shift(c);
	size_t nt = c->nbase + 2;
	struct pn_space notes = { 0 };
	uint64_t end = UINT64_MAX;
	*can = false;
	if (note_ranges(c, &notes) != 0) {
		pn_space_free(&notes);
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "planning the layout");
	}
	if (notes.n <= PN_MAX_UNITS)
		end = pn_align_up(lay_notes(&notes, m->ehsize + nt * c->es, NULL, 0, 0), 4) +
		      c->req->note_size;
	pn_space_free(&notes);
	if (m->e_type != ET_EXEC || c->trail.size > 0 || l0->vaddr < shift + MIN_MAP_ADDR ||
	    end > min_u64(c->page, shift))
		return PKGNOTE_OK;
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (s->type == PT_LOAD && s->vaddr < l0->vaddr &&
		    s->vaddr + s->memsz > l0->vaddr - shift)
			return PKGNOTE_OK;
	}
	*can = true;
	return PKGNOTE_OK;
}

/* The note blocks laid out after the new program header table, then the
 * new note: plan->moves, note_offset, note_vaddr. */
static enum pkgnote_status prepend_notes(const struct ctx *c, struct pn_plan *plan,
					 uint64_t page_vaddr, struct pkgnote_error *err)
{
	const struct pn_model *m = c->m;
	const struct pn_segment *l0 = &c->base[c->l0];
	struct pn_space notes = { 0 };
	if (note_ranges(c, &notes) != 0) {
		pn_space_free(&notes);
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "planning the layout");
	}
	if (notes.n > PN_MAX_UNITS) { /* pn_can_prepend said no to this */
		pn_space_free(&notes);
		return pn_fail(err, PKGNOTE_INTERNAL, m->path,
			       "internal error: %zu note blocks to lay out, at most %d planned",
			       notes.n, PN_MAX_UNITS);
	}
	uint64_t notes_end = lay_notes(&notes, plan->phoff + plan->phnum * c->es, plan->moves,
				       l0->vaddr - l0->offset, page_vaddr);
	plan->nmoves = notes.n;
	pn_space_free(&notes);
	plan->note_offset = pn_align_up(notes_end, 4);
	plan->note_vaddr = page_vaddr + plan->note_offset;
	return PKGNOTE_OK;
}

/* An old program header in the shifted file: a moved note block's moves
 * with it, PT_PHDR points at the new table, the others shift. */
static struct pn_segment prepend_segment(const struct ctx *c, const struct pn_plan *plan,
					 struct pn_segment s, uint64_t page_vaddr)
{
	const struct pn_segment *l0 = &c->base[c->l0];
	const struct pn_move *mv = NULL;
	for (size_t k = 0; k < plan->nmoves && is_note(&s); k++)
		if (s.offset >= plan->moves[k].old_offset &&
		    s.offset + s.filesz <= plan->moves[k].old_offset + plan->moves[k].size)
			mv = &plan->moves[k];
	if (mv != NULL) {
		s.offset = s.offset - mv->old_offset + mv->new_offset;
		s.vaddr = s.vaddr - mv->old_addr + mv->new_addr;
		s.paddr = s.paddr - mv->old_addr + mv->new_addr;
	} else if (s.type == PT_PHDR) {
		s.offset = plan->phoff;
		s.vaddr = page_vaddr + plan->phoff;
		s.paddr = l0->paddr - plan->shift + plan->phoff;
		s.filesz = s.memsz = plan->phnum * c->es;
	} else if (s.filesz > 0 || s.offset > 0) {
		s.offset += plan->shift;
	}
	/* Offset and address stay congruent modulo p_align (gABI) when a
	 * larger alignment comes down to the shift.  Only PT_LOAD's: PT_TLS's
	 * p_align is the alignment of the TLS block. */
	if (s.type == PT_LOAD)
		s.align = min_u64(s.align, plan->shift);
	return s;
}

/* Program headers: PT_PHDR (if any) first and pointing at the new table,
 * the new PT_LOAD before the first PT_LOAD, shifted offsets, the new
 * PT_NOTE last.  How many were written. */
static size_t prepend_phdrs(const struct ctx *c, struct pn_plan *plan, uint64_t page_vaddr)
{
	const struct pn_segment *l0 = &c->base[c->l0];
	uint64_t shift = plan->shift, end = plan->note_offset + plan->note_size;
	size_t n = 0;
	bool inserted = false;
	for (size_t i = 0; i < c->nbase; i++) {
		if (c->base[i].type == PT_LOAD && !inserted) {
			plan->phdrs[n++] = (struct pn_segment){
				.type = PT_LOAD, .flags = PF_R, .offset = 0, .vaddr = page_vaddr,
				.paddr = l0->paddr - shift, .filesz = end, .memsz = end,
				.align = shift };
			inserted = true;
		}
		plan->phdrs[n++] = prepend_segment(c, plan, c->base[i], page_vaddr);
	}
	plan->phdrs[n++] = (struct pn_segment){
		.type = PT_NOTE, .flags = PF_R, .offset = plan->note_offset,
		.vaddr = plan->note_vaddr, .paddr = l0->paddr - shift + plan->note_offset,
		.filesz = plan->note_size, .memsz = plan->note_size, .align = 4 };
	return n;
}

enum pkgnote_status pn_plan_prepend(const struct ctx *c, struct pn_plan *plan,
				    struct pkgnote_error *err)
{
	const struct pn_model *m = c->m;
	uint64_t shift = pn_prepend_shift(c);
	uint64_t page_vaddr = c->base[c->l0].vaddr - shift;
	memset(plan, 0, sizeof *plan);
	plan->shift = shift;
	plan->grow_load = -1;
	plan->note_size = c->req->note_size;
	plan->phoff = pn_align_up(m->ehsize, c->talign);
	plan->phnum = c->nbase + 2;
	enum pkgnote_status r = prepend_notes(c, plan, page_vaddr, err);
	if (r != PKGNOTE_OK)
		return r;
	plan->phdrs = calloc(plan->phnum, sizeof *plan->phdrs);
	if (plan->phdrs == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "planning the layout");

	/* Section headers, and what goes past the shifted end of the file. */
	pn_plan_sections(c, plan);
	if (m->shnum > 0)
		plan->shoff = m->shoff + shift;
	plan->truncate_at = m->file_size + shift;
	plan->file_size = pn_plan_section_tail(c, plan, plan->truncate_at);
	if (m->old_note.present)
		plan->zero[plan->nzero++] = (struct pn_zero){ m->old_note.offset + shift,
							      m->old_note.record_size };

	size_t n = prepend_phdrs(c, plan, page_vaddr);
	if (n != plan->phnum)
		return pn_fail(err, PKGNOTE_INTERNAL, m->path,
			       "internal error: planned %zu program headers, built %zu", plan->phnum, n);
	return PKGNOTE_OK;
}
