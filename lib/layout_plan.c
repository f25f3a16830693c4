/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The layout planner.  It works in four steps:
 *
 *  1. the base: the program headers with the old package note (if any)
 *     taken out of its PT_NOTE, and the free space of the first PT_LOAD
 *     ("L0", the one mapping file offset 0): bytes that no header, section
 *     or segment claims, that hold zeros, and that L0 may grow over without
 *     reaching the next segment's page;
 *  2. the candidates: sections of page 1 that only one dynamic entry points
 *     at, and that may therefore move elsewhere;
 *  3. the search: with no section moved, then each candidate alone (smallest
 *     first), then growing sets of them, try to fit the program header table
 *     (grown in place or moved within page 1) and the note (appended to a
 *     4-aligned PT_NOTE, or under a new one) below the page size;
 *  4. the tail: what goes past the end of the file (a PT_LOAD for moved
 *     sections, a longer .shstrtab, a longer section header table).
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

#ifndef SHT_RELR
#define SHT_RELR 19
#endif
#ifndef DT_RELRSZ
#define DT_RELRSZ 35
#define DT_RELR 36
#endif

static void ctx_free(struct ctx *c)
{
	free(c->base);
	pn_space_free(&c->free0);
}

static enum pkgnote_status oom(const struct ctx *c, struct pkgnote_error *err)
{
	return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, c->m->path, "planning the layout");
}

/* Step 1a: the program headers without the old note.  A PT_NOTE that held
 * only the old note disappears; one that held more shrinks, or is split in
 * two when the old note sat in its middle. */
static int build_base(struct ctx *c)
{
	const struct pn_model *m = c->m;
	c->base = calloc(m->phnum + 1, sizeof *c->base);
	if (c->base == NULL)
		return -1;
	const struct pn_old_note *o = &m->old_note;
	for (size_t i = 0; i < m->phnum; i++) {
		struct pn_segment s = m->phdrs[i];
		if (!o->present || (int)i != o->segment) {
			c->base[c->nbase++] = s;
			continue;
		}
		uint64_t a = o->offset, b = o->offset + o->record_size;
		uint64_t end = s.offset + s.filesz;
		if (a == s.offset && b >= end)
			continue;
		if (a == s.offset) {
			uint64_t d = b - s.offset;
			s.offset += d, s.vaddr += d, s.paddr += d, s.filesz -= d, s.memsz -= d;
			if (s.offset % (s.align ? s.align : 1))
				s.align = 4;
			c->base[c->nbase++] = s;
		} else if (b >= end) {
			s.filesz = s.memsz = a - s.offset;
			c->base[c->nbase++] = s;
		} else {
			struct pn_segment after = s;
			uint64_t d = b - s.offset;
			after.offset += d, after.vaddr += d, after.paddr += d;
			after.filesz = after.memsz = end - b;
			if (after.offset % (after.align ? after.align : 1))
				after.align = 4;
			s.filesz = s.memsz = a - s.offset;
			c->base[c->nbase++] = s;
			c->base[c->nbase++] = after;
		}
	}
	return 0;
}

static bool find_l0(struct ctx *c)
{
	bool found = false;
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (s->type == PT_LOAD)
			c->load_align = max_u64(c->load_align, s->align);
		if (s->type == PT_LOAD && s->offset == 0 && s->filesz > 0 &&
		    (!found || s->vaddr < c->base[c->l0].vaddr)) {
			c->l0 = i;
			found = true;
		}
	}
	c->load_align = max_u64(c->load_align, 4096);
	return found;
}

/* Step 1b: how far L0 may grow.  Its extra bytes map at vaddr + offset, so
 * they must stay below the page where any higher PT_LOAD begins; a segment
 * with bss of its own cannot grow at all. */
static void compute_ext_end(struct ctx *c)
{
	const struct pn_segment *l0 = &c->base[c->l0];
	if (l0->memsz != l0->filesz) {
		c->ext_end = l0->filesz;
		return;
	}
	uint64_t ext = c->m->file_size;
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (i == c->l0 || s->type != PT_LOAD || s->vaddr < l0->vaddr)
			continue;
		uint64_t page = pn_align_down(s->vaddr, c->load_align);
		uint64_t bound = page > l0->vaddr ? page - l0->vaddr : 0;
		ext = min_u64(ext, bound);
	}
	c->ext_end = max_u64(ext, l0->filesz);
}

static bool old_note_range(const struct pn_model *m, uint64_t *a, uint64_t *b)
{
	if (!m->old_note.present)
		return false;
	*a = m->old_note.offset;
	*b = m->old_note.offset + m->old_note.record_size;
	return true;
}

/* Step 1c: free bytes of L0 and its possible extension. */
static int compute_free(struct ctx *c)
{
	const struct pn_model *m = c->m;
	struct pn_space *f = &c->free0;
	const struct pn_segment *l0 = &c->base[c->l0];
	int r = pn_space_add(f, 0, c->ext_end);
	r |= pn_space_remove(f, 0, m->ehsize);
	r |= pn_space_remove(f, m->phoff, m->phoff + m->phnum * c->es);
	for (size_t i = 1; i < m->shnum; i++) {
		const struct pn_section *s = &m->shdrs[i];
		if (s->type == SHT_NOBITS || s->size == 0 || i == m->old_note.section)
			continue;
		r |= pn_space_remove(f, s->offset, s->offset + s->size);
	}
	if (m->shnum > 0)
		r |= pn_space_remove(f, m->shoff, m->shoff + m->shnum * m->shentsize);
	else
		r |= pn_space_remove(f, 0, l0->filesz); /* nothing says what is unused */
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (i == c->l0 || s->type == PT_PHDR || s->filesz == 0)
			continue;
		r |= pn_space_remove(f, s->offset, s->offset + s->filesz);
	}
	/* Bytes no header claims may still be in use by something unnamed;
	 * only zeros count as free, and only what was read is known. */
	uint64_t known = min_u64(c->ext_end, m->head_size);
	uint64_t na = 0, nb = 0;
	bool has_old = old_note_range(m, &na, &nb);
	for (uint64_t i = 0; i < known;) {
		if (m->head[i] == 0 || (has_old && i >= na && i < nb)) {
			i++;
			continue;
		}
		uint64_t j = i;
		while (j < known && m->head[j] != 0 && !(has_old && j >= na && j < nb))
			j++;
		r |= pn_space_remove(f, i, j);
		i = j;
	}
	r |= pn_space_remove(f, known, c->ext_end);
	if (has_old && nb <= c->ext_end)
		r |= pn_space_add(f, na, nb);
	return r ? -1 : 0;
}

/* Step 2: sections that only the dynamic table refers to. */
struct movable {
	const char *name;
	uint32_t type;
	int64_t tag, size_tag;
};

static const struct movable movables[] = {
	{ ".gnu.hash", SHT_GNU_HASH, DT_GNU_HASH, 0 },
	{ ".hash", SHT_HASH, DT_HASH, 0 },
	{ ".dynsym", SHT_DYNSYM, DT_SYMTAB, 0 },
	{ ".dynstr", SHT_STRTAB, DT_STRTAB, DT_STRSZ },
	{ ".gnu.version", SHT_GNU_versym, DT_VERSYM, 0 },
	{ ".gnu.version_r", SHT_GNU_verneed, DT_VERNEED, 0 },
	{ ".gnu.version_d", SHT_GNU_verdef, DT_VERDEF, 0 },
	{ ".rela.dyn", SHT_RELA, DT_RELA, DT_RELASZ },
	{ ".rela.plt", SHT_RELA, DT_JMPREL, DT_PLTRELSZ },
	{ ".rel.dyn", SHT_REL, DT_REL, DT_RELSZ },
	{ ".rel.plt", SHT_REL, DT_JMPREL, DT_PLTRELSZ },
	{ ".relr.dyn", SHT_RELR, DT_RELR, DT_RELRSZ },
};

static bool is_address_tag(int64_t tag)
{
	switch (tag) {
	case DT_PLTGOT: case DT_HASH: case DT_STRTAB: case DT_SYMTAB: case DT_RELA:
	case DT_INIT: case DT_FINI: case DT_REL: case DT_JMPREL: case DT_INIT_ARRAY:
	case DT_FINI_ARRAY: case DT_PREINIT_ARRAY: case DT_GNU_HASH: case DT_VERSYM:
	case DT_VERDEF: case DT_VERNEED: case DT_RELR:
		return true;
	default:
		return false;
	}
}

static bool dyn_value(const struct pn_model *m, int64_t tag, uint64_t *val)
{
	for (size_t i = 0; i < m->ndyn; i++)
		if (m->dyn[i].tag == tag) {
			*val = m->dyn[i].val;
			return true;
		}
	return false;
}

/* Index of the one dynamic entry that points at section s, or -1 when
 * none does or when anything else points into it. */
static long movable_dyn_index(const struct ctx *c, const struct pn_section *s)
{
	const struct pn_model *m = c->m;
	const struct movable *kind = NULL;
	for (size_t k = 0; k < sizeof movables / sizeof movables[0]; k++)
		if (movables[k].type == s->type && strcmp(movables[k].name, s->name) == 0)
			kind = &movables[k];
	if (kind == NULL)
		return -1;
	long found = -1;
	for (size_t i = 0; i < m->ndyn; i++) {
		const struct pn_dyn *d = &m->dyn[i];
		if (!is_address_tag(d->tag) || d->val < s->addr || d->val >= s->addr + s->size)
			continue;
		if (d->tag != kind->tag || d->val != s->addr || found >= 0)
			return -1;
		found = (long)i;
	}
	uint64_t size;
	if (found >= 0 && kind->size_tag != 0 &&
	    (!dyn_value(m, kind->size_tag, &size) || size != s->size))
		return -1;
	return found;
}

static int cmp_offset(const void *a, const void *b, void *arg)
{
	const struct pn_model *m = arg;
	uint64_t x = m->shdrs[*(const size_t *)a].offset, y = m->shdrs[*(const size_t *)b].offset;
	return x < y ? -1 : x > y;
}

static void find_candidates(struct ctx *c)
{
	const struct pn_model *m = c->m;
	const struct pn_segment *l0 = &c->base[c->l0];
	for (size_t i = 1; i < m->shnum && c->ncand < PN_MAX_MOVES; i++) {
		const struct pn_section *s = &m->shdrs[i];
		if (!(s->flags & SHF_ALLOC) || s->size == 0 || s->offset >= c->page ||
		    s->offset + s->size > l0->filesz || s->addr != l0->vaddr + s->offset ||
		    s->offset < m->ehsize || movable_dyn_index(c, s) < 0)
			continue;
		bool shared = false;
		for (size_t j = 0; j < c->nbase; j++) {
			const struct pn_segment *g = &c->base[j];
			if (j != c->l0 && g->filesz > 0 && g->offset < s->offset + s->size &&
			    s->offset < g->offset + g->filesz)
				shared = true;
		}
		if (!shared)
			c->cand[c->ncand++] = i;
	}
	qsort_r(c->cand, c->ncand, sizeof c->cand[0], cmp_offset, (void *)m);
}

/* Step 2b: blocks of .interp and notes right after the program header
 * table, which may shift within page 1 so that the table grows in place. */
static bool shiftable(uint32_t type)
{
	return type == PT_INTERP || type == PT_NOTE || type == PT_GNU_PROPERTY;
}

/* The end of the unit starting at pos: the union of the shiftable segments
 * that start there or overlap it; pos when none starts there. */
static uint64_t unit_end(const struct ctx *c, uint64_t pos, uint64_t *align, int *join)
{
	uint64_t end = pos;
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t j = 0; j < c->nbase; j++) {
			const struct pn_segment *s = &c->base[j];
			if (!shiftable(s->type) || s->filesz == 0 || s->offset + s->filesz <= end ||
			    !(s->offset == pos || (s->offset > pos && s->offset < end)))
				continue;
			end = s->offset + s->filesz;
			*align = max_u64(*align, s->align);
			grew = true;
		}
	}
	for (size_t j = 0; j < c->nbase; j++) {
		const struct pn_segment *s = &c->base[j];
		if (s->type == PT_NOTE && s->offset + s->filesz == end && s->align <= 4 &&
		    s->offset % 4 == 0 && end % 4 == 0)
			*join = (int)j;
	}
	return end;
}

/* Nothing but shiftable segments and note or .interp sections lies in the
 * unit, so that moving its bytes moves everything that refers to them. */
static bool unit_is_shiftable(const struct ctx *c, uint64_t start, uint64_t end, uint64_t *align)
{
	const struct pn_model *m = c->m;
	for (size_t j = 0; j < c->nbase; j++) {
		const struct pn_segment *s = &c->base[j];
		if (j == c->l0 || s->type == PT_PHDR || s->filesz == 0 ||
		    s->offset >= end || s->offset + s->filesz <= start)
			continue;
		if (!shiftable(s->type) || s->offset < start || s->offset + s->filesz > end)
			return false;
	}
	for (size_t i = 1; i < m->shnum; i++) {
		const struct pn_section *s = &m->shdrs[i];
		if (s->type == SHT_NOBITS || s->size == 0 || i == m->old_note.section ||
		    s->offset >= end || s->offset + s->size <= start)
			continue;
		if ((s->type != SHT_NOTE && strcmp(s->name, ".interp") != 0) ||
		    s->offset < start || s->offset + s->size > end)
			return false;
		*align = max_u64(*align, s->addralign);
	}
	return true;
}

static void find_units(struct ctx *c)
{
	uint64_t pos = c->m->phoff + c->m->phnum * c->es;
	const struct pn_segment *l0 = &c->base[c->l0];
	while (c->nunits < PN_MAX_UNITS && pos < c->page) {
		for (size_t i = 0; i < c->free0.n; i++)
			if (c->free0.r[i].start <= pos && pos < c->free0.r[i].end)
				pos = c->free0.r[i].end;
		uint64_t align = 1;
		int join = -1;
		uint64_t end = unit_end(c, pos, &align, &join);
		if (end == pos || end > l0->filesz || !unit_is_shiftable(c, pos, end, &align))
			break;
		c->units[c->nunits++] = (struct unit){ pos, end, align, join };
		pos = end;
	}
}

/* A last PT_LOAD that an earlier stamp added can take more sections: it is
 * read-only, the highest, and only .shstrtab and section headers follow
 * it in the file (they are written again after it). */
static void find_tail_load(struct ctx *c)
{
	const struct pn_model *m = c->m;
	c->tail_load = -1;
	long top = -1;
	for (size_t i = 0; i < c->nbase; i++)
		if (c->base[i].type == PT_LOAD && (top < 0 || c->base[i].vaddr > c->base[top].vaddr))
			top = (long)i;
	if (top < 0 || (size_t)top == c->l0)
		return;
	const struct pn_segment *t = &c->base[top];
	uint64_t end = t->offset + t->filesz;
	if (t->flags != PF_R || t->filesz != t->memsz || (m->shnum > 0 && m->shoff < end))
		return;
	for (size_t i = 0; i < c->nbase; i++)
		if (c->base[i].filesz > 0 && c->base[i].offset + c->base[i].filesz > end &&
		    (long)i != top)
			return;
	for (size_t i = 1; i < m->shnum; i++) {
		const struct pn_section *s = &m->shdrs[i];
		if (s->type != SHT_NOBITS && s->size > 0 && s->offset + s->size > end &&
		    i != m->shstrndx)
			return;
	}
	c->tail_load = top;
}

/* One attempt: the candidates first..last (by offset) leave page 1. */
static enum pkgnote_status attempt(const struct ctx *c, size_t first, size_t last, bool note_outside,
				   struct pn_plan *plan, bool *done, struct pkgnote_error *err)
{
	const struct pn_model *m = c->m;
	struct pn_space f;
	struct moveset ms = { .n = 0 };
	*done = false;
	if (pn_space_copy(&f, &c->free0) != 0)
		return oom(c, err);
	for (size_t k = first; k < last; k++) {
		const struct pn_section *s = &m->shdrs[c->cand[k]];
		ms.section[ms.n] = c->cand[k];
		ms.to_load[ms.n] = false;
		ms.mv[ms.n++] = (struct pn_move){ .dyn_index = movable_dyn_index(c, s),
			.old_offset = s->offset, .old_addr = s->addr, .size = s->size };
		pn_space_add(&f, s->offset, s->offset + s->size);
	}
	/* A moved section goes to free space of L0 past the run that moved
	 * (often the slack at the end of page 1), else to a new PT_LOAD at the
	 * end of the file. */
	const struct pn_segment *l0 = &c->base[c->l0];
	size_t k_load = note_outside && c->tail_load < 0 ? 1 : 0;
	uint64_t past = ms.n ? ms.mv[ms.n - 1].old_offset + ms.mv[ms.n - 1].size : 0;
	for (size_t i = 0; i < ms.n; i++) {
		uint64_t align = max_u64(m->shdrs[ms.section[i]].addralign, 1);
		uint64_t at = pn_space_first_fit(&f, ms.mv[i].size, align, past, c->ext_end);
		if (at == UINT64_MAX) {
			ms.to_load[i] = true;
			k_load = c->tail_load >= 0 ? 0 : 1;
			continue;
		}
		pn_space_remove(&f, at, at + ms.mv[i].size);
		ms.mv[i].new_offset = at;
		ms.mv[i].new_addr = l0->vaddr + at;
	}
	struct placement pl = { .join = -1 };
	bool ok = (!note_outside && pn_try_join(c, &f, k_load, &pl)) ||
		  pn_try_new_note(c, &f, k_load, note_outside, &pl) ||
		  pn_try_repack(c, &f, k_load, note_outside, &pl, &ms);
	pn_space_free(&f);
	if (!ok)
		return PKGNOTE_OK;
	*done = true;
	return pn_build_plan(c, &pl, &ms, plan, err);
}

/* The old note can simply be overwritten: same record size, already where
 * the rules want it. */
static bool fits_in_place(const struct ctx *c)
{
	const struct pn_model *m = c->m;
	const struct pn_old_note *o = &m->old_note;
	if (!o->present || o->segment < 0 || o->record_size != c->req->note_size)
		return false;
	const struct pn_segment *l0 = &m->phdrs[0];
	for (size_t i = 0; i < m->phnum; i++)
		if (m->phdrs[i].type == PT_LOAD && m->phdrs[i].offset == 0) {
			l0 = &m->phdrs[i];
			break;
		}
	bool in_l0 = l0->type == PT_LOAD && l0->offset == 0 && o->offset + o->record_size <= l0->filesz;
	bool in_page = in_l0 && o->offset + o->record_size <= c->page;
	return in_page || c->req->allow_outside_page;
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
			size += c->m->shdrs[c->cand[j]].size;
			w[n++] = (struct window){ i, j + 1, size };
		}
	}
	qsort(w, n, sizeof *w, cmp_window);
	static const uint64_t reserves[] = { 512, 256, 160 };
	for (size_t i = 0; i < sizeof reserves / sizeof reserves[0] && !*done; i++) {
		if (reserves[i] <= c->req->note_size)
			break;
		struct pn_plan_request roomy = *c->req;
		roomy.note_size = reserves[i];
		struct ctx generous = *c;
		generous.req = &roomy;
		for (size_t k = 0; k < n && r == PKGNOTE_OK && !*done; k++) {
			r = attempt(&generous, w[k].first, w[k].last, false, plan, done, err);
			if (r == PKGNOTE_OK && *done) {
				pn_plan_free(plan);
				r = attempt(c, w[k].first, w[k].last, false, plan, done, err);
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

	if (fits_in_place(&c))
		return pn_plan_in_place(&c, plan, err);

	enum pkgnote_status r = PKGNOTE_OK;
	if (build_base(&c) != 0) {
		r = oom(&c, err);
		goto out;
	}
	if (!find_l0(&c)) {
		r = pn_fail(err, PKGNOTE_NO_ROOM, m->path,
			    "no room for the note in the first page: no loadable segment maps the start of the file");
		goto out;
	}
	compute_ext_end(&c);
	if (compute_free(&c) != 0) {
		r = oom(&c, err);
		goto out;
	}
	find_candidates(&c);
	find_units(&c);
	find_tail_load(&c);

	bool done = false;
	r = search(&c, plan, &done, err);
	if (r == PKGNOTE_OK && !done && pn_can_prepend(&c)) {
		r = pn_plan_prepend(&c, plan, err);
		done = true;
	}
	if (r == PKGNOTE_OK && !done && req->allow_outside_page)
		r = attempt(&c, 0, 0, true, plan, &done, err);
	if (r == PKGNOTE_OK && !done)
		r = pn_fail(err, PKGNOTE_NO_ROOM, m->path,
			    "no room for the note in the first page: it needs %" PRIu64
			    " bytes and the program header table %" PRIu64
			    " more, the largest free hole below %" PRIu64 " is %" PRIu64
			    " bytes, and moving the %zu movable sections does not free enough",
			    req->note_size, c.es, c.page, pn_space_largest(&c.free0, c.page), c.ncand);
out:
	if (r != PKGNOTE_OK)
		pn_plan_free(plan);
	ctx_free(&c);
	return r;
}
