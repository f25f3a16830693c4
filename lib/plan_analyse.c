/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Steps 1 and 2 of the planner: what the input offers.
 *  - the base: the program headers with the old package note taken out of
 *    its PT_NOTE (which disappears, shrinks, or is split around it);
 *  - L0, the PT_LOAD mapping file offset 0, and how far it may grow;
 *  - the free bytes of L0: claimed by no header, section, segment, symbol
 *    or relocation, a filler (zero, or patchelf's 'X'), and below the page
 *    where the next PT_LOAD begins;
 *  - the sections only one dynamic entry points at, which may move;
 *  - the blocks of .interp and notes after the program header table, which
 *    may shift within page 1;
 *  - of those, the ones code may read at their address, which stay (stays);
 *  - a trailing PT_LOAD an earlier stamp added, which may grow.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "dyn_regions.h"
#include "note_codec.h"
#include "plan_ctx.h"

void pn_ctx_free(struct ctx *c)
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
 * two when the old note sat in its middle.  PT_NULL entries (MIPS linkers
 * leave one spare) are counted, not kept: new headers take their slots. */
static int build_base(struct ctx *c)
{
	const struct pn_model *m = c->m;
	c->base = calloc(m->phnum + 1, sizeof *c->base);
	if (c->base == NULL)
		return -1;
	const struct pn_old_note *o = &m->old_note;
	for (size_t i = 0; i < m->phnum; i++) {
		struct pn_segment s = m->phdrs[i];
		if (s.type == PT_NULL) {
			c->nspare++;
			continue;
		}
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
	for (size_t i = 0; i < c->nbase; i++)
		if (c->base[i].type == PT_LOAD)
			c->load_align = max_u64(c->load_align, c->base[i].align);
	c->load_align = max_u64(c->load_align, 4096);
	ptrdiff_t l0 = pn_first_load(c->base, c->nbase);
	c->l0 = l0 < 0 ? 0 : (size_t)l0;
	return l0 >= 0;
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
	uint64_t ext = c->trail.offset; /* never into trailing data */
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (i == c->l0 || s->type != PT_LOAD || s->vaddr < l0->vaddr)
			continue;
		uint64_t page = pn_align_down(s->vaddr, c->load_align);
		uint64_t bound = page > l0->vaddr ? page - l0->vaddr : 0;
		ext = min_u64(ext, bound);
	}
	/* Nor may it reach the file bytes of another segment, or the section
	 * header table that ends most files. */
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (i != c->l0 && s->filesz > 0 && s->offset >= l0->filesz)
			ext = min_u64(ext, s->offset);
	}
	const struct pn_model *m = c->m;
	if (m->shnum > 0 && m->shoff >= l0->filesz)
		ext = min_u64(ext, m->shoff);
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

/* Without section headers all of L0 counts as used, but for the zero
 * padding between two blocks that something names (headers, segments,
 * dynamic blocks): a gap shorter than any alignment, not data. */
static int free_padding(struct ctx *c)
{
	const struct pn_model *m = c->m;
	const struct pn_segment *l0 = &c->base[c->l0];
	struct pn_space known = { 0 };
	int r = pn_space_add(&known, 0, m->ehsize);
	r |= pn_space_add(&known, m->phoff, m->phoff + m->phnum * c->es);
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (i != c->l0 && s->filesz > 0 && s->offset + s->filesz <= l0->filesz)
			r |= pn_space_add(&known, s->offset, s->offset + s->filesz);
	}
	for (size_t i = 0; i < c->nregions; i++)
		r |= pn_space_add(&known, c->regions[i].offset, c->regions[i].offset + c->regions[i].size);
	uint64_t na, nb;
	if (old_note_range(m, &na, &nb))
		r |= pn_space_add(&known, na, nb);
	for (size_t i = 1; i < known.n; i++) {
		uint64_t a = known.r[i - 1].end, b = known.r[i].start;
		bool zero = b - a < 16;
		for (uint64_t k = a; zero && k < b; k++)
			zero = k < m->head_size && m->head[k] == 0;
		if (zero)
			r |= pn_space_add(&c->free0, a, b);
	}
	pn_space_free(&known);
	return r;
}

/* patchelf fills the bytes it vacates (sections it moved out of page 1)
 * with this value. */
#define PATCHELF_FILL 'X'

/*
 * A byte of the head that no header, section or segment claims may be
 * reused when it holds a filler: zero (what linkers pad with), or, inside
 * L0 of a file with section headers, patchelf's 'X'.  Any other value might
 * be data some tool put there and reads from the file (a signature, an
 * offset-found payload), which nothing here would show; a filler carries no
 * information.  Inside L0 with section headers, every byte a linker made
 * for code to read belongs to a section, and the bytes a symbol or
 * relocation names are taken out anyway (drop_pins).  Part of the old note
 * is free too.
 */
static bool free_byte(const struct pn_model *m, uint64_t i, uint64_t l0_end, bool has_old,
		      uint64_t na, uint64_t nb)
{
	return m->head[i] == 0 || (has_old && i >= na && i < nb) ||
	       (m->head[i] == PATCHELF_FILL && i < l0_end && m->shnum > 0);
}

/* Bytes a symbol or relocation names are not free, whatever they hold. */
static int drop_pins(struct ctx *c)
{
	const struct pn_segment *l0 = &c->base[c->l0];
	const struct pn_space *pins = &c->m->pins;
	int r = 0;
	for (size_t i = 0; i < pins->n; i++)
		if (pins->r[i].end > l0->vaddr)
			r |= pn_space_remove(&c->free0, max_u64(pins->r[i].start, l0->vaddr) - l0->vaddr,
					     pins->r[i].end - l0->vaddr);
	return r;
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
	uint64_t sht_end = m->shoff + m->shnum * m->shentsize;
	/* A section header table inside L0 (Go puts it right after the
	 * program headers) moves to the end of the file: only e_shoff points
	 * at it, and its place is worth more to the note.  Not past trailing
	 * data, which must keep its place. */
	c->move_sht = m->shnum > 0 && m->shoff < l0->filesz && c->trail.size == 0;
	if (m->shnum > 0 && !c->move_sht)
		r |= pn_space_remove(f, m->shoff, sht_end);
	else if (m->shnum == 0)
		r |= pn_space_remove(f, 0, l0->filesz); /* nothing says what is unused */
	for (size_t i = 0; i < c->nbase; i++) {
		const struct pn_segment *s = &c->base[i];
		if (i == c->l0 || s->type == PT_PHDR || s->filesz == 0)
			continue;
		r |= pn_space_remove(f, s->offset, s->offset + s->filesz);
	}
	/* Bytes no header claims may still be in use by something unnamed;
	 * only fillers count as free (free_byte), and only what was read is
	 * known. */
	uint64_t known = min_u64(c->ext_end, m->head_size);
	uint64_t na = 0, nb = 0;
	bool has_old = old_note_range(m, &na, &nb);
	struct pn_space zeros = { 0 };
	for (size_t k = 0; k < f->n; k++) {
		uint64_t end = min_u64(f->r[k].end, known);
		for (uint64_t i = f->r[k].start; i < end;) {
			bool zero = free_byte(m, i, l0->filesz, has_old, na, nb);
			uint64_t j = i + 1;
			while (j < end && free_byte(m, j, l0->filesz, has_old, na, nb) == zero)
				j++;
			if (zero)
				r |= pn_space_add(&zeros, i, j);
			i = j;
		}
	}
	pn_space_free(f);
	*f = zeros;
	if (has_old && nb <= c->ext_end)
		r |= pn_space_add(f, na, nb);
	if (c->move_sht)
		r |= pn_space_add(f, m->shoff, min_u64(sht_end, c->ext_end));
	if (m->shnum == 0)
		r |= free_padding(c);
	r |= drop_pins(c);
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

/* A dynamic entry whose value is an address in the file's image.  MIPS
 * adds its own (DT_MIPS_RLD_MAP_REL is relative to its entry, which never
 * moves). */
static bool is_address_tag(const struct pn_model *m, int64_t tag)
{
	if (m->e_machine == EM_MIPS)
		switch (tag) {
		case DT_MIPS_CONFLICT: case DT_MIPS_LIBLIST: case DT_MIPS_RLD_MAP:
		case DT_MIPS_OPTIONS: case DT_MIPS_INTERFACE: case DT_MIPS_PLTGOT:
		case DT_MIPS_RWPLT: case DT_MIPS_XHASH:
			return true;
		default:
			break;
		}
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

/* No dynamic entry but the one at `index` points into the block. */
static bool sole_pointer(const struct pn_model *m, uint64_t addr, uint64_t size, long index)
{
	for (size_t i = 0; i < m->ndyn; i++) {
		const struct pn_dyn *d = &m->dyn[i];
		if ((long)i != index && is_address_tag(m, d->tag) && d->val >= addr && d->val < addr + size)
			return false;
	}
	return true;
}

/* Index of the one dynamic entry that points at section s, or -1 when
 * none does or when anything else points into it. */
long pn_movable_dyn_index(const struct ctx *c, const struct pn_section *s)
{
	const struct pn_model *m = c->m;
	const struct movable *kind = NULL;
	for (size_t k = 0; k < sizeof movables / sizeof movables[0]; k++)
		if (movables[k].type == s->type && strcmp(movables[k].name, s->name) == 0)
			kind = &movables[k];
	if (kind == NULL)
		return -1;
	long found = -1;
	for (size_t i = 0; i < m->ndyn && found < 0; i++)
		if (m->dyn[i].tag == kind->tag && m->dyn[i].val == s->addr)
			found = (long)i;
	uint64_t size;
	if (found < 0 || !sole_pointer(m, s->addr, s->size, found) ||
	    (kind->size_tag != 0 && (!pn_dyn_value(m, kind->size_tag, &size) || size != s->size)))
		return -1;
	return found;
}

static int cmp_offset(const void *a, const void *b)
{
	uint64_t x = ((const struct pn_cand *)a)->offset, y = ((const struct pn_cand *)b)->offset;
	return x < y ? -1 : x > y;
}

/*
 * Notes that toolchains write for loaders, debuggers and crash tools, which
 * find them through PT_NOTE: the ABI tag, hardware capabilities, build-id,
 * gold's version, program properties (GNU), the Go build ID, the package
 * note.  Any other note in a loadable segment is the program's own (a
 * version string, a crash handler's record) and may be read by its code at
 * the address the linker gave it.
 */
static bool toolchain_note(const struct pn_note_view *n)
{
	static const struct {
		const char *owner;
		uint32_t type;
	} known[] = {
		{ "GNU", NT_GNU_ABI_TAG }, { "GNU", NT_GNU_HWCAP }, { "GNU", NT_GNU_BUILD_ID },
		{ "GNU", NT_GNU_GOLD_VERSION }, { "GNU", NT_GNU_PROPERTY_TYPE_0 },
		{ "Go", 4 }, { PKGNOTE_NOTE_OWNER, PKGNOTE_NOTE_TYPE },
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		size_t len = strlen(known[i].owner);
		if (n->type == known[i].type && n->namesz == len + 1 &&
		    memcmp(n->name, known[i].owner, len + 1) == 0)
			return true;
	}
	return false;
}

/* Some PT_NOTE sharing bytes with [start, end) of the file holds a note
 * that is not a toolchain's, or cannot be read. */
static bool holds_own_note(const struct ctx *c, uint64_t start, uint64_t end)
{
	const struct pn_model *m = c->m;
	for (size_t j = 0; j < c->nbase; j++) {
		const struct pn_segment *s = &c->base[j];
		if (s->type != PT_NOTE || s->filesz == 0 || s->offset >= end ||
		    s->offset + s->filesz <= start)
			continue;
		if (s->offset + s->filesz > m->head_size)
			return true;
		/* Read with 4 as elf_model.c does: the GNU notes of an 8-aligned
		 * PT_NOTE parse the same way. */
		for (uint64_t pos = s->offset; pos < s->offset + s->filesz;) {
			struct pn_note_view n;
			if (pn_note_parse(m->head + pos, s->offset + s->filesz - pos, m->elf_data,
					  4, &n) != 0)
				return true;
			/* Zeros at the end (mold pads PT_NOTE to its alignment). */
			if (n.namesz == 0 && n.descsz == 0 && n.type == 0)
				break;
			if (!toolchain_note(&n))
				return true;
			pos += n.record_size;
		}
	}
	return false;
}

/*
 * The one rule for what never moves, whatever way would move it: a block
 * of L0 (file offsets [offset, offset + size)) stays where it is when a
 * symbol or relocation names an address in it (pins.c), or when it holds a
 * note of the program's own.  Code reaches data by addresses fixed at link
 * time; only those traces tell where it may look.
 */
static bool stays(const struct ctx *c, uint64_t offset, uint64_t size)
{
	const struct pn_segment *l0 = &c->base[c->l0];
	uint64_t addr = l0->vaddr + offset - l0->offset;
	return pn_space_overlaps(&c->m->pins, addr, addr + size) ||
	       holds_own_note(c, offset, offset + size);
}

/* A block may leave page 1 when it starts there, lies in L0 where L0 maps
 * it, shares no byte with another segment, only its entry points in and
 * nothing else may read it (stays). */
static bool may_move(const struct ctx *c, const struct pn_cand *k)
{
	const struct pn_model *m = c->m;
	const struct pn_segment *l0 = &c->base[c->l0];
	if (k->size == 0 || k->offset >= c->page || k->offset < m->ehsize ||
	    k->offset + k->size > l0->filesz || k->addr != l0->vaddr + k->offset ||
	    (k->offset < m->phoff + m->phnum * c->es && m->phoff < k->offset + k->size) ||
	    !sole_pointer(m, k->addr, k->size, k->dyn_index) || stays(c, k->offset, k->size))
		return false;
	for (size_t j = 0; j < c->nbase; j++) {
		const struct pn_segment *g = &c->base[j];
		if (j != c->l0 && g->filesz > 0 && g->offset < k->offset + k->size &&
		    k->offset < g->offset + g->filesz)
			return false;
	}
	return true;
}

/* MIPS n64 linkers put .MIPS.options (register information and the
 * like, up to tens of KiB) right after the program headers.  The kernel and
 * the dynamic loader never read it; it may move when no dynamic entry
 * (DT_MIPS_OPTIONS) and no segment of its own refers to it. */
static bool mips_options(const struct ctx *c, const struct pn_section *s)
{
	return c->m->e_machine == EM_MIPS && s->type == SHT_MIPS_OPTIONS;
}

static void find_candidates(struct ctx *c)
{
	const struct pn_model *m = c->m;
	for (size_t i = 1; i < m->shnum && c->ncand < PN_MAX_MOVES; i++) {
		const struct pn_section *s = &m->shdrs[i];
		struct pn_cand k = { .offset = s->offset, .addr = s->addr, .size = s->size,
				     .align = s->addralign, .dyn_index = pn_movable_dyn_index(c, s) };
		if (k.dyn_index < 0 && mips_options(c, s))
			k.dyn_index = PN_MOVE_NO_DYN;
		if ((s->flags & SHF_ALLOC) && (k.dyn_index >= 0 || k.dyn_index == PN_MOVE_NO_DYN) &&
		    may_move(c, &k))
			c->cand[c->ncand++] = k;
	}
	for (size_t i = 0; i < c->nregions && c->ncand < PN_MAX_MOVES; i++)
		if (may_move(c, &c->regions[i]))
			c->cand[c->ncand++] = c->regions[i];
	qsort(c->cand, c->ncand, sizeof c->cand[0], cmp_offset);
}

#ifndef SHT_MIPS_ABIFLAGS
#define SHT_MIPS_ABIFLAGS 0x7000002a
#endif

/* Step 2b: blocks of .interp and notes right after the program header
 * table, which may shift within page 1 so that the table grows in place.
 * MIPS's ABI flags, register information and options belong with them:
 * the kernel and the dynamic loader find them through their program
 * headers (or not at all), and no code points at them. */
static bool shiftable(const struct ctx *c, uint32_t type)
{
	if (c->m->e_machine == EM_MIPS &&
	    (type == PT_MIPS_ABIFLAGS || type == PT_MIPS_REGINFO || type == PT_MIPS_OPTIONS))
		return true;
	return type == PT_INTERP || type == PT_NOTE || type == PT_GNU_PROPERTY;
}

/* A section that may shift with its unit. */
static bool shiftable_section(const struct ctx *c, const struct pn_section *s)
{
	if (c->m->e_machine == EM_MIPS && (s->type == SHT_MIPS_ABIFLAGS ||
					   s->type == SHT_MIPS_REGINFO || s->type == SHT_MIPS_OPTIONS))
		return true;
	return s->type == SHT_NOTE || strcmp(s->name, ".interp") == 0;
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
			if (!shiftable(c, s->type) || s->filesz == 0 || s->offset + s->filesz <= end ||
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
 * unit, no dynamic entry points into it (DT_MIPS_OPTIONS may) and nothing
 * else may read it (stays), so that moving its bytes moves everything that
 * refers to them. */
static bool unit_is_shiftable(const struct ctx *c, uint64_t start, uint64_t end, uint64_t *align)
{
	const struct pn_model *m = c->m;
	if (!sole_pointer(m, c->base[c->l0].vaddr + start, end - start, -1) ||
	    stays(c, start, end - start))
		return false;
	for (size_t j = 0; j < c->nbase; j++) {
		const struct pn_segment *s = &c->base[j];
		if (j == c->l0 || s->type == PT_PHDR || s->filesz == 0 ||
		    s->offset >= end || s->offset + s->filesz <= start)
			continue;
		if (!shiftable(c, s->type) || s->offset < start || s->offset + s->filesz > end)
			return false;
	}
	for (size_t i = 1; i < m->shnum; i++) {
		const struct pn_section *s = &m->shdrs[i];
		if (s->type == SHT_NOBITS || s->size == 0 || i == m->old_note.section ||
		    s->offset >= end || s->offset + s->size <= start)
			continue;
		if (!shiftable_section(c, s) || s->offset < start || s->offset + s->size > end)
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
	c->ncontig = c->nunits;
	/* Further blocks of notes in page 1, apart from that run, may move
	 * elsewhere for the note to join them (pn_try_relocate), in order. */
	for (uint64_t at = pos; c->nunits < PN_MAX_UNITS;) {
		uint64_t next = UINT64_MAX;
		for (size_t j = 0; j < c->nbase; j++) {
			const struct pn_segment *s = &c->base[j];
			if (s->type == PT_NOTE && s->filesz > 0 && s->offset >= at && s->offset < next)
				next = s->offset;
		}
		if (next == UINT64_MAX || next >= c->page)
			break;
		uint64_t align = 1;
		int join = -1;
		uint64_t end = unit_end(c, next, &align, &join);
		if (join >= 0 && end <= l0->filesz && end <= c->page &&
		    unit_is_shiftable(c, next, end, &align))
			c->units[c->nunits++] = (struct unit){ next, end, align, join };
		at = end > next ? end : next + 1;
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

enum pkgnote_status pn_analyse(struct ctx *c, struct pkgnote_error *err)
{
	const struct pn_model *m = c->m;
	if (build_base(c) != 0)
		return oom(c, err);
	if (!find_l0(c))
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
			       "no loadable segment maps the start of the file");
	compute_ext_end(c);
	if (m->shnum == 0)
		c->nregions = pn_dyn_regions(m, &c->base[c->l0], c->regions, PN_MAX_MOVES);
	if (compute_free(c) != 0)
		return oom(c, err);
	find_candidates(c);
	find_units(c);
	find_tail_load(c);
	return PKGNOTE_OK;
}
