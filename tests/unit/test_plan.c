/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the layout planner on synthetic models built by hand: room
 * in page 1, page 1 full with movable sections, page 1 full with nothing
 * movable (refused, or a new first page for ET_EXEC, or outside page 1 when
 * allowed), an old note replaced in place or cut out of a shared PT_NOTE,
 * a spare PT_NULL slot taken, a block of notes relocated for the note to
 * join, blocks that code may read (a symbol or relocation names them, or a
 * note of the program's own) kept in place, determinism, trailing data
 * kept in place or refused, and the shift of a new first page per machine.
 */
#include <check.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "dyn_regions.h"
#include "layout_plan.h"
#include "model.h"

#define ES 56 /* Elf64_Phdr */
#define NOTE 72

/* A model under construction: sections fill the head with 0xaa so that
 * the planner sees their bytes as used; what no section claims is zero. */
struct fixture {
	struct pn_model m;
	struct pn_segment ph[16];
	struct pn_section sh[16];
	struct pn_dyn dyn[8];
	unsigned char head[PN_HEAD_MAX];
	char shstr[256];
};

static void add_phdr(struct fixture *f, uint32_t type, uint64_t off, uint64_t vaddr,
		     uint64_t size, uint64_t memsz, uint64_t align)
{
	f->ph[f->m.phnum++] = (struct pn_segment){ .type = type, .flags = PF_R, .offset = off,
		.vaddr = vaddr, .paddr = vaddr, .filesz = size, .memsz = memsz, .align = align };
}

static size_t add_section(struct fixture *f, const char *name, uint32_t type, uint64_t off,
			  uint64_t addr, uint64_t size, uint64_t align)
{
	size_t i = f->m.shnum++;
	size_t at = 0;
	if (i > 0) {
		at = f->m.shstr_size ? f->m.shstr_size : 1;
		strcpy(f->shstr + at, name);
		f->m.shstr_size = at + strlen(name) + 1;
	}
	f->sh[i] = (struct pn_section){ .name = f->shstr + at, .name_off = (uint32_t)at,
		.type = type, .flags = i ? SHF_ALLOC : 0, .addr = addr, .offset = off,
		.size = size, .addralign = align };
	if (type != SHT_NOBITS && off + size <= sizeof f->head)
		memset(f->head + off, 0xaa, size);
	/* The section header table ends the file: no trailing data. */
	f->m.file_size = f->m.shoff + f->m.shnum * f->m.shentsize;
	return i;
}

/* Where the code (the second PT_LOAD, .text) starts in most fixtures. */
#define TEXT 0x1000

/* An empty 64-bit little-endian PIE model: the ELF header bytes, program
 * headers at 0x40; code at `text`, section headers 0x1800 past it, ending
 * the file. */
static struct fixture *new_pie(uint64_t text)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->m = (struct pn_model){ .path = "synthetic", .fd = -1, .elf_class = ELFCLASS64,
		.elf_data = ELFDATA2LSB, .e_type = ET_DYN, .e_machine = EM_X86_64,
		.ehsize = 64, .phoff = 64, .phentsize = ES, .shentsize = 64,
		.file_size = text + 0x1800, .shoff = text + 0x1800, .head = f->head,
		.head_size = text + 0x2000,
		.phdrs = f->ph, .shdrs = f->sh, .shstr = f->shstr, .dyn = f->dyn,
		.old_note = { .segment = -1 } };
	memset(f->head, 0xee, 64);
	return f;
}

/* The sections every fixture ends with: .text in the second PT_LOAD, and
 * .shstrtab. */
static void end_sections(struct fixture *f, uint64_t text)
{
	add_section(f, ".text", SHT_PROGBITS, text, text, 0x1000, 16);
	f->m.shstrndx = add_section(f, ".shstrtab", SHT_STRTAB, text + 0x1700, 0, 0x100, 1);
	f->sh[f->m.shstrndx].flags = 0;
}

/* A small PIE: ELF header, five program headers at 0x40, `gap` free bytes,
 * .interp, then `fill` bytes of unmovable read-only data; L0 ends there
 * and the next PT_LOAD starts at file offset and address `text`. */
static struct fixture *pie_text(uint64_t gap, uint64_t fill, uint64_t text)
{
	struct fixture *f = new_pie(text);
	uint64_t interp = 64 + 5 * ES + gap;
	uint64_t l0_end = interp + 28 + fill;
	add_phdr(f, PT_PHDR, 64, 64, 5 * ES, 5 * ES, 8);
	add_phdr(f, PT_INTERP, interp, interp, 28, 28, 1);
	add_phdr(f, PT_LOAD, 0, 0, l0_end, l0_end, 0x1000);
	add_phdr(f, PT_LOAD, text, text, 0x1000, 0x1000, 0x1000);
	f->ph[3].flags = PF_R | PF_X;
	add_phdr(f, PT_GNU_STACK, 0, 0, 0, 0, 16);
	memset(f->head + 64, 0xbb, 5 * ES);
	add_section(f, "", SHT_NULL, 0, 0, 0, 0);
	add_section(f, ".interp", SHT_PROGBITS, interp, interp, 28, 1);
	if (fill)
		add_section(f, ".rodata", SHT_PROGBITS, interp + 28, interp + 28, fill, 1);
	end_sections(f, text);
	return f;
}

static struct fixture *pie_gap(uint64_t gap, uint64_t fill)
{
	return pie_text(gap, fill, TEXT);
}

static struct fixture *pie(uint64_t fill)
{
	return pie_gap(ES, fill);
}

static void put32le(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A note record at `off` of the head: owner `owner`, type `type`, a
 * descriptor of `descsz` bytes (a multiple of 4). */
static void put_note(struct fixture *f, uint64_t off, const char *owner, uint32_t type,
		     uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(owner) + 1;
	put32le(f->head + off, namesz);
	put32le(f->head + off + 4, descsz);
	put32le(f->head + off + 8, type);
	memset(f->head + off + 12, 0, (namesz + 3) & ~3U);
	memcpy(f->head + off + 12, owner, namesz);
	memset(f->head + off + 12 + ((namesz + 3) & ~3U), 0xcc, descsz);
}

/*
 * Each test's fixture (a Check checked fixture: set up and torn down around
 * every test, in the test's own process): the model the test builds (fx),
 * the request, which a test may change before planning, the plan and the
 * error.  Teardown frees the model, its pins and the plan.
 */
static struct fixture *fx;
static struct pn_plan_request req;
static struct pn_plan pl;
static struct pkgnote_error err;

static void setup(void)
{
	fx = NULL;
	req = (struct pn_plan_request){ .note_size = NOTE, .page_size = 4096 };
	pl = (struct pn_plan){ 0 };
	err = (struct pkgnote_error){ 0 };
}

static void teardown(void)
{
	pn_plan_free(&pl);
	if (fx != NULL)
		pn_space_free(&fx->m.pins);
	free(fx);
	fx = NULL;
}

/* Plan the fixture's model with the fixture's request, into pl. */
static enum pkgnote_status plan(void)
{
	return pn_plan_layout(&fx->m, &req, &pl, &err);
}

static const struct pn_segment *find(const struct pn_plan *p, uint32_t type, size_t nth)
{
	for (size_t i = 0; i < p->phnum; i++)
		if (p->phdrs[i].type == type && nth-- == 0)
			return &p->phdrs[i];
	return NULL;
}

/* The rules every plan must keep, whatever it chose. */
static void assert_page1(const struct pn_plan *p)
{
	const struct pn_segment *l0 = NULL;
	for (size_t i = 0; i < p->phnum; i++)
		if (p->phdrs[i].type == PT_LOAD && p->phdrs[i].offset == 0)
			l0 = &p->phdrs[i];
	ck_assert_ptr_nonnull(l0);
	ck_assert_uint_le(p->phoff + p->phnum * ES, 4096);
	ck_assert_uint_le(p->phoff + p->phnum * ES, l0->filesz);
	ck_assert_uint_le(p->note_offset + p->note_size, 4096);
	ck_assert_uint_le(p->note_offset + p->note_size, l0->filesz);
	ck_assert_uint_eq(p->note_offset % 4, 0);
	bool covered = false;
	for (size_t i = 0; i < p->phnum; i++) {
		const struct pn_segment *s = &p->phdrs[i];
		if (s->type == PT_NOTE && s->offset <= p->note_offset &&
		    p->note_offset + p->note_size <= s->offset + s->filesz)
			covered = true;
	}
	ck_assert(covered);
	const struct pn_segment *phdr = find(p, PT_PHDR, 0);
	if (phdr != NULL) {
		ck_assert_uint_eq(phdr->offset, p->phoff);
		ck_assert_uint_eq(phdr->filesz, p->phnum * ES);
		ck_assert_ptr_eq(phdr, &p->phdrs[0]);
	}
}

START_TEST(room_in_page1_grows_table_in_place)
{
	/* Free bytes follow the table: it grows over them, the note goes to
	 * the first free range, nothing else moves. */
	fx = pie(0x100);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	ck_assert_uint_eq(pl.phoff, 64);
	ck_assert_uint_eq(pl.phnum, 6);
	ck_assert_uint_eq(pl.nmoves, 0);
	ck_assert(!pl.new_load);
	ck_assert(!pl.outside_page);
	ck_assert(pl.add_section);
	ck_assert(pl.shstr_append);
	ck_assert_uint_eq(pl.note_section, fx->m.shnum);
	ck_assert_uint_eq(pl.note_name_off, fx->m.shstr_size);
	ck_assert_uint_eq(find(&pl, PT_INTERP, 0)->offset, 64 + 6 * ES);
	/* The two PT_LOADs keep their addresses; the second is untouched. */
	ck_assert_uint_eq(find(&pl, PT_LOAD, 0)->vaddr, 0);
	ck_assert_uint_eq(find(&pl, PT_LOAD, 1)->offset, 0x1000);
	ck_assert_uint_eq(find(&pl, PT_LOAD, 1)->filesz, 0x1000);
}
END_TEST

START_TEST(interp_shifts_to_let_table_grow)
{
	/* .interp right after the table and free bytes after it: it shifts
	 * forward with PT_INTERP. */
	fx = pie_gap(0, 0);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	ck_assert_uint_eq(pl.phoff, 64);
	ck_assert_uint_eq(pl.nmoves, 1);
	ck_assert_int_eq(pl.moves[0].dyn_index, -1);
	ck_assert_uint_eq(pl.moves[0].old_offset, 64 + 5 * ES);
	const struct pn_segment *interp = find(&pl, PT_INTERP, 0);
	ck_assert_uint_eq(interp->offset, pl.moves[0].new_offset);
	ck_assert_uint_ge(interp->offset, pl.phoff + pl.phnum * ES);
	ck_assert_uint_eq(interp->vaddr, interp->offset);
}
END_TEST

/* After .interp: .dynsym (DT_SYMTAB, `size` bytes) then unmovable data to
 * the end of L0, where the code starts at `text`; only moving .dynsym makes
 * room. */
static struct fixture *dynsym_fills_l0(uint64_t *dynsym_at, uint64_t size, uint64_t text)
{
	struct fixture *f = pie_text(ES, 0, text);
	uint64_t at = 64 + 6 * ES + 28 + 4;
	add_section(f, ".dynsym", SHT_DYNSYM, at, at, size, 8);
	add_section(f, ".rodata", SHT_PROGBITS, at + size, at + size, text - at - size, 1);
	f->ph[2].filesz = f->ph[2].memsz = text;
	f->dyn[0] = (struct pn_dyn){ DT_SYMTAB, at };
	f->dyn[1] = (struct pn_dyn){ DT_STRSZ, 10 };
	f->m.ndyn = 2;
	*dynsym_at = at;
	return f;
}

/* Page 1 full: a 0x300-byte .dynsym. */
static struct fixture *page1_full(uint64_t *dynsym_at)
{
	return dynsym_fills_l0(dynsym_at, 0x300, TEXT);
}

/* The move that rewrites dynamic entry `dyn_index`. */
static const struct pn_move *move_of_dyn(const struct pn_plan *p, long dyn_index)
{
	for (size_t i = 0; i < p->nmoves; i++)
		if (p->moves[i].dyn_index == dyn_index)
			return &p->moves[i];
	return NULL;
}

START_TEST(page1_full_moves_dynamic_section)
{
	uint64_t at;
	fx = page1_full(&at);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	const struct pn_move *mv = move_of_dyn(&pl, 0);
	ck_assert_ptr_nonnull(mv);
	ck_assert_uint_eq(mv->old_offset, at);
	ck_assert_uint_eq(mv->size, 0x300);
	/* Nowhere in L0 to go: a new PT_LOAD past everything mapped, with
	 * offset and address congruent modulo its alignment. */
	ck_assert(pl.new_load);
	ck_assert_int_eq(pl.grow_load, -1);
	ck_assert_uint_ge(mv->new_offset, fx->m.shoff);
	ck_assert_uint_ge(mv->new_addr, 0x2000);
	ck_assert_uint_eq(mv->new_addr % 0x1000, mv->new_offset % 0x1000);
	const struct pn_segment *load = find(&pl, PT_LOAD, 2);
	ck_assert_ptr_nonnull(load);
	ck_assert_uint_eq(load->offset, pl.load_offset);
	ck_assert(load->offset <= mv->new_offset &&
		  mv->new_offset + mv->size <= load->offset + load->filesz);
	/* Too small to share blocks: no padding before it. */
	ck_assert_uint_eq(mv->new_offset, load->offset);
	bool cleared = false;
	for (size_t i = 0; i < pl.nzero; i++)
		cleared |= pl.zero[i].offset == at && pl.zero[i].size == 0x300;
	ck_assert(cleared);
}
END_TEST

START_TEST(large_moved_section_keeps_block_offset)
{
	/* So that its whole blocks can be shared with the input (reflinks). */
	uint64_t at;
	fx = dynsym_fills_l0(&at, 0x5000, 0x6000);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	const struct pn_move *mv = move_of_dyn(&pl, 0);
	ck_assert_ptr_nonnull(mv);
	ck_assert_uint_eq(mv->size, 0x5000);
	ck_assert(pl.new_load);
	ck_assert_uint_ne(at % PN_SHARE_BLOCK, 0);
	ck_assert_uint_eq(mv->new_offset % PN_SHARE_BLOCK, at % PN_SHARE_BLOCK);
	ck_assert_uint_eq(mv->new_addr % 0x1000, mv->new_offset % 0x1000);
	ck_assert_uint_ge(mv->new_offset, pl.load_offset);
	ck_assert_uint_lt(mv->new_offset - pl.load_offset, PN_SHARE_BLOCK);
	const struct pn_segment *load = find(&pl, PT_LOAD, 2);
	ck_assert_ptr_nonnull(load);
	ck_assert_uint_le(mv->new_offset + mv->size, load->offset + load->filesz);
}
END_TEST

START_TEST(earlier_tail_segment_grows)
{
	/* The last PT_LOAD is read-only and only .shstrtab and the section
	 * headers follow it, as after an earlier stamp: .dynsym joins it and
	 * no program header is added for it. */
	uint64_t at;
	fx = page1_full(&at);
	fx->ph[3].flags = PF_R;
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	ck_assert(!pl.new_load);
	ck_assert_int_eq(pl.grow_load, 3);
	ck_assert_uint_eq(pl.phnum, fx->m.phnum + 1);
	ck_assert_uint_eq(pl.truncate_at, 0x2000);
	ck_assert_uint_eq(pl.moves[0].new_offset, 0x2000);
	ck_assert_uint_eq(pl.moves[0].new_addr, 0x2000);
	ck_assert_uint_eq(find(&pl, PT_LOAD, 1)->filesz, 0x1300);
	ck_assert(pl.sht_rewrite);
	ck_assert(pl.shstr_append);
	ck_assert_uint_eq(pl.shstr_offset, 0x2300);
	ck_assert_uint_ge(pl.shoff, 0x2300 + pl.shstr_size);
}
END_TEST

/* Page 1 full of unmovable bytes right after the table. */
static struct fixture *full(uint16_t type, uint64_t base)
{
	struct fixture *f = pie_gap(0, 0x1000 - (64 + 5 * ES + 28));
	f->m.e_type = type;
	for (size_t i = 0; i < f->m.phnum; i++) {
		f->ph[i].vaddr += base;
		f->ph[i].paddr += base;
	}
	for (size_t i = 1; i < f->m.shnum; i++)
		if (f->sh[i].flags & SHF_ALLOC)
			f->sh[i].addr += base;
	f->ph[0].type = PT_NOTE; /* no PT_PHDR: static binaries have none */
	f->ph[0].filesz = f->ph[0].memsz = 0;
	return f;
}

/* Page 1 full but for two free program header slots after the table:
 * only a note outside page 1, in a new PT_LOAD past the end, fits. */
static struct fixture *outside_only(void)
{
	struct fixture *f = full(ET_DYN, 0);
	f->sh[1].offset += 2 * ES;
	f->sh[1].addr += 2 * ES;
	f->ph[1].offset += 2 * ES;
	f->ph[1].vaddr += 2 * ES;
	memset(f->head + 64 + 5 * ES, 0, 2 * ES);
	f->sh[2].offset += 2 * ES;
	f->sh[2].size -= 2 * ES;
	return f;
}

START_TEST(nothing_movable_is_refused)
{
	fx = full(ET_DYN, 0);
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
	ck_assert_ptr_nonnull(strstr(err.message, "synthetic: no room for the note in the first page"));
}
END_TEST

START_TEST(nothing_movable_allowed_outside)
{
	fx = full(ET_DYN, 0);
	req.allow_outside_page = true;
	/* The table cannot grow either: even outside page 1 there is no way. */
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
	/* With two free slots after the table, the note goes past the end. */
	free(fx);
	fx = outside_only();
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	ck_assert(pl.outside_page);
	ck_assert(pl.new_load);
	ck_assert_uint_ge(pl.note_offset, fx->m.shoff);
	ck_assert_uint_eq(pl.phoff, 64);
}
END_TEST

START_TEST(exec_gets_new_first_page)
{
	fx = full(ET_EXEC, 0x400000);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	ck_assert_uint_eq(pl.shift, 0x1000);
	const struct pn_segment *first = find(&pl, PT_LOAD, 0);
	ck_assert_uint_eq(first->offset, 0);
	ck_assert_uint_eq(first->vaddr, 0x3ff000);
	/* The old segments map the same addresses from shifted offsets. */
	ck_assert_uint_eq(find(&pl, PT_LOAD, 1)->vaddr, 0x400000);
	ck_assert_uint_eq(find(&pl, PT_LOAD, 1)->offset, 0x1000);
	ck_assert_uint_eq(find(&pl, PT_LOAD, 2)->vaddr, 0x401000);
	ck_assert_uint_eq(find(&pl, PT_LOAD, 2)->offset, 0x2000);
	/* Past the shifted file: .shstrtab with the new name, then the table
	 * with one more section header. */
	uint64_t shstr_end = fx->m.file_size + 0x1000 + fx->m.shstr_size + sizeof PKGNOTE_SECTION_NAME;
	ck_assert_uint_eq(pl.shstr_offset, fx->m.file_size + 0x1000);
	ck_assert_uint_eq(pl.shoff, (shstr_end + 7) & ~7ULL);
	ck_assert_uint_eq(pl.file_size, pl.shoff + (fx->m.shnum + 1) * 64);
}
END_TEST

START_TEST(same_size_note_replaced_in_place)
{
	fx = pie(0x100);
	uint64_t at = 64 + 6 * ES + 28 + 0x100;
	fx->ph[2].filesz = fx->ph[2].memsz = at + NOTE;
	add_phdr(fx, PT_NOTE, at, at, NOTE, NOTE, 4);
	fx->ph[0].filesz = fx->ph[0].memsz = 6 * ES; /* not used by the planner here */
	size_t sec = add_section(fx, ".note.package", SHT_NOTE, at, at, NOTE, 4);
	fx->m.old_note = (struct pn_old_note){ .present = true, .offset = at, .record_size = NOTE,
					      .section = sec, .segment = 5 };
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	ck_assert(pl.in_place);
	ck_assert_uint_eq(pl.note_offset, at);
	ck_assert_uint_eq(pl.phnum, fx->m.phnum);
	ck_assert_uint_eq(pl.file_size, fx->m.file_size);
	pn_plan_free(&pl);

	/* A longer note no longer fits the slot: planned anew, the old slot
	 * cleared, still one PT_NOTE for it and no new section header. */
	req.note_size = NOTE + 40;
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	ck_assert(!pl.in_place);
	assert_page1(&pl);
	ck_assert(!pl.add_section);
	ck_assert_uint_eq(pl.note_section, sec);
	ck_assert_ptr_nonnull(find(&pl, PT_NOTE, 0));
	ck_assert_ptr_null(find(&pl, PT_NOTE, 1));
	bool cleared = false;
	for (size_t i = 0; i < pl.nzero; i++)
		cleared |= pl.zero[i].offset == at && pl.zero[i].size == NOTE;
	ck_assert(cleared);
}
END_TEST

START_TEST(note_in_middle_of_shared_pt_note)
{
	/* PT_NOTE = [gnu note 32][package note 72][abi note 32], 4-aligned,
	 * then free space: the old note is cut out and the rest keeps its
	 * bytes, so no note before or after it moves. */
	fx = pie(0);
	uint64_t at = 64 + 6 * ES + 28;
	at = (at + 3) & ~3ULL;
	add_section(fx, ".note.a", SHT_NOTE, at, at, 32, 4);
	size_t sec = add_section(fx, ".note.package", SHT_NOTE, at + 32, at + 32, NOTE, 4);
	add_section(fx, ".note.b", SHT_NOTE, at + 32 + NOTE, at + 32 + NOTE, 32, 4);
	put_note(fx, at, "GNU", NT_GNU_ABI_TAG, 16);
	put_note(fx, at + 32 + NOTE, "GNU", NT_GNU_ABI_TAG, 16);
	add_phdr(fx, PT_NOTE, at, at, 64 + NOTE, 64 + NOTE, 4);
	fx->ph[2].filesz = fx->ph[2].memsz = at + 64 + NOTE;
	fx->m.old_note = (struct pn_old_note){ .present = true, .offset = at + 32,
					      .record_size = NOTE, .section = sec, .segment = 5 };
	req.note_size = NOTE + 8;
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	/* The PT_NOTEs cover the two GNU notes and the new note, no more:
	 * the old slot is out of every segment and cleared. */
	uint64_t covered = 0;
	for (size_t i = 0; i < pl.phnum; i++)
		if (pl.phdrs[i].type == PT_NOTE)
			covered += pl.phdrs[i].filesz;
	ck_assert_uint_eq(covered, 64 + req.note_size);
	bool cleared = false;
	for (size_t i = 0; i < pl.nzero; i++)
		cleared |= pl.zero[i].offset == at + 32 && pl.zero[i].size == NOTE;
	ck_assert(cleared);
}
END_TEST

START_TEST(same_input_same_plan)
{
	fx = pie(0x100);
	struct pn_plan a, b;
	ck_assert_int_eq(pn_plan_layout(&fx->m, &req, &a, &err), PKGNOTE_OK);
	ck_assert_int_eq(pn_plan_layout(&fx->m, &req, &b, &err), PKGNOTE_OK);
	ck_assert_uint_eq(a.phnum, b.phnum);
	ck_assert_mem_eq(a.phdrs, b.phdrs, a.phnum * sizeof *a.phdrs);
	ck_assert_uint_eq(a.note_offset, b.note_offset);
	ck_assert_uint_eq(a.file_size, b.file_size);
	ck_assert_mem_eq(a.moves, b.moves, a.nmoves * sizeof *a.moves);
	pn_plan_free(&a);
	pn_plan_free(&b);
}
END_TEST

START_TEST(smaller_page_size_is_honoured)
{
	/* With a 256-byte "page" not even the table fits. */
	fx = pie(0x100);
	req.page_size = 256;
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
}
END_TEST

/* A PIE whose table is followed at once by a block of notes (one PT_NOTE)
 * and 0x100 bytes of unmovable data, then free space up to 0x1000: the
 * layout MIPS linkers leave.  With `spare`, the table ends with a PT_NULL
 * entry. */
static struct fixture *notes_then_data(bool spare)
{
	size_t n = spare ? 6 : 5;
	struct fixture *f = new_pie(TEXT);
	uint64_t notes = 64 + n * ES, l0_end = notes + 36 + 0x100;
	add_phdr(f, PT_PHDR, 64, 64, n * ES, n * ES, 8);
	add_phdr(f, PT_NOTE, notes, notes, 36, 36, 4);
	add_phdr(f, PT_LOAD, 0, 0, l0_end, l0_end, 0x1000);
	add_phdr(f, PT_LOAD, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000);
	add_phdr(f, PT_GNU_STACK, 0, 0, 0, 0, 16);
	if (spare)
		add_phdr(f, PT_NULL, 0, 0, 0, 0, 4);
	memset(f->head + 64, 0xbb, n * ES);
	add_section(f, "", SHT_NULL, 0, 0, 0, 0);
	add_section(f, ".note.gnu.build-id", SHT_NOTE, notes, notes, 36, 4);
	put_note(f, notes, "GNU", NT_GNU_BUILD_ID, 20);
	add_section(f, ".rodata", SHT_PROGBITS, notes + 36, notes + 36, 0x100, 1);
	end_sections(f, TEXT);
	return f;
}

START_TEST(spare_pt_null_takes_the_new_pt_note)
{
	/* The table cannot grow, but its PT_NULL slot takes the new PT_NOTE:
	 * same number of entries, nothing moves, no PT_NULL left. */
	fx = notes_then_data(true);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	ck_assert_uint_eq(pl.phoff, 64);
	ck_assert_uint_eq(pl.phnum, 6);
	ck_assert_uint_eq(pl.nmoves, 0);
	ck_assert_ptr_null(find(&pl, PT_NULL, 0));
	ck_assert_uint_eq(find(&pl, PT_NOTE, 0)->offset, 64 + 6 * ES);
	ck_assert_uint_eq(find(&pl, PT_NOTE, 1)->offset, pl.note_offset);
	ck_assert_uint_ge(pl.note_offset, 64 + 6 * ES + 36 + 0x100);
	pn_plan_free(&pl);

	/* Two PT_NULL slots (GNU_STACK made one): the new PT_NOTE takes one,
	 * the other stays, last. */
	fx->ph[4].type = PT_NULL;
	fx->ph[4].memsz = 0;
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	ck_assert_uint_eq(pl.phnum, 6);
	ck_assert_ptr_nonnull(find(&pl, PT_NULL, 0));
	ck_assert_ptr_null(find(&pl, PT_NULL, 1));
	ck_assert_int_eq(pl.phdrs[5].type, PT_NULL);
	ck_assert_int_eq(pl.phdrs[4].type, PT_NOTE);
}
END_TEST

START_TEST(notes_relocate_and_the_note_joins_them)
{
	/* No spare slot, no room after the notes, no room to shift them: the
	 * block of notes moves to the free space past the data and the note
	 * joins its PT_NOTE there; the table keeps its size. */
	fx = notes_then_data(false);
	uint64_t notes = 64 + 5 * ES;
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	ck_assert_uint_eq(pl.phoff, 64);
	ck_assert_uint_eq(pl.phnum, 5);
	ck_assert_ptr_null(find(&pl, PT_NOTE, 1));
	ck_assert_uint_eq(pl.nmoves, 1);
	const struct pn_move *mv = &pl.moves[0];
	ck_assert_int_eq(mv->dyn_index, -1);
	ck_assert_uint_eq(mv->old_offset, notes);
	ck_assert_uint_eq(mv->size, 36);
	ck_assert_uint_ge(mv->new_offset, notes + 36 + 0x100);
	ck_assert_uint_eq(mv->new_offset % 4, 0);
	ck_assert_uint_eq(mv->new_addr, mv->new_offset);
	const struct pn_segment *note = find(&pl, PT_NOTE, 0);
	ck_assert_uint_eq(note->offset, mv->new_offset);
	ck_assert_uint_eq(note->filesz, 36 + NOTE);
	ck_assert_uint_eq(pl.note_offset, mv->new_offset + 36);
	bool cleared = false;
	for (size_t i = 0; i < pl.nzero; i++)
		cleared |= pl.zero[i].offset == notes && pl.zero[i].size == 36;
	ck_assert(cleared);
}
END_TEST

/* The plan moves no byte of [start, end). */
static void assert_stays(const struct pn_plan *p, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < p->nmoves; i++)
		ck_assert(p->moves[i].old_offset + p->moves[i].size <= start ||
			  p->moves[i].old_offset >= end);
}

START_TEST(own_note_stays)
{
	/* The block of notes that would relocate holds a note no toolchain
	 * writes: the program may read it at its address, so it stays and,
	 * with no other way, the file is refused. */
	fx = notes_then_data(false);
	uint64_t notes = 64 + 5 * ES;
	put_note(fx, notes, "ACME", 1, 16);
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
}
END_TEST

START_TEST(property_note_shifts)
{
	/* Program properties right after the table in an 8-aligned PT_NOTE,
	 * free bytes after them: the note block shifts for the table to grow.
	 * Its records are read as every GNU note is (4-byte padding of the
	 * name); a note of the program's own there stays. */
	fx = new_pie(TEXT);
	uint64_t notes = 64 + 5 * ES, l0_end = notes + 32 + 0x200;
	add_phdr(fx, PT_PHDR, 64, 64, 5 * ES, 5 * ES, 8);
	add_phdr(fx, PT_NOTE, notes, notes, 32, 32, 8);
	add_phdr(fx, PT_LOAD, 0, 0, l0_end, l0_end, 0x1000);
	add_phdr(fx, PT_LOAD, TEXT, TEXT, 0x1000, 0x1000, 0x1000);
	add_phdr(fx, PT_GNU_STACK, 0, 0, 0, 0, 16);
	memset(fx->head + 64, 0xbb, 5 * ES);
	add_section(fx, "", SHT_NULL, 0, 0, 0, 0);
	add_section(fx, ".note.gnu.property", SHT_NOTE, notes, notes, 32, 8);
	put_note(fx, notes, "GNU", NT_GNU_PROPERTY_TYPE_0, 16);
	end_sections(fx, TEXT);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	ck_assert_uint_eq(pl.nmoves, 1);
	ck_assert_uint_eq(pl.moves[0].old_offset, notes);
	pn_plan_free(&pl);
	put_note(fx, notes, "ACME", 5, 12);
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
}
END_TEST

START_TEST(patchelf_fill_is_free)
{
	/* The bytes between the table and .interp, claimed by nothing, hold
	 * patchelf's 'X' fill: the table grows over them as over zeros.  Any
	 * other value there is left alone, and so is a byte a symbol names. */
	fx = pie(0x100);
	memset(fx->head + 64 + 5 * ES, 'X', ES);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	ck_assert_uint_eq(pl.phnum, 6);
	ck_assert_uint_eq(pl.nmoves, 0);
	pn_plan_free(&pl);
	/* The table can grow over nothing else, and .interp, with data after
	 * it, cannot shift: no room. */
	ck_assert_int_eq(pn_space_add(&fx->m.pins, 64 + 5 * ES + 8, 64 + 5 * ES + 9), 0);
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
	pn_space_free(&fx->m.pins);
	memset(fx->head + 64 + 5 * ES, 'A', ES);
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
	/* Without section headers nothing says the bytes are unclaimed. */
	memset(fx->head + 64 + 5 * ES, 'X', ES);
	fx->m.shnum = 0;
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
}
END_TEST

START_TEST(symbol_pins_notes)
{
	/* The same toolchain note relocates (notes_relocate_and_the_note_joins_them)
	 * unless a symbol or relocation names a byte of it. */
	fx = notes_then_data(false);
	uint64_t notes = 64 + 5 * ES;
	ck_assert_int_eq(pn_space_add(&fx->m.pins, notes + 20, notes + 21), 0);
	ck_assert_int_eq(plan(), PKGNOTE_NO_ROOM);
	/* A pin next to the block, not in it, changes nothing. */
	pn_space_free(&fx->m.pins);
	ck_assert_int_eq(pn_space_add(&fx->m.pins, notes + 36, notes + 37), 0);
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	ck_assert_uint_eq(pl.nmoves, 1);
	ck_assert_uint_eq(pl.moves[0].old_offset, notes);
}
END_TEST

START_TEST(symbol_pins_dynamic_section_and_interp)
{
	/* .dynsym would leave page 1 (page1_full_moves_dynamic_section), and
	 * .interp shift (interp_shifts_to_let_table_grow); pinned, neither
	 * moves. */
	uint64_t at;
	fx = page1_full(&at);
	ck_assert_int_eq(pn_space_add(&fx->m.pins, at + 0x2f0, at + 0x2f8), 0);
	enum pkgnote_status r = plan();
	if (r == PKGNOTE_OK) {
		assert_stays(&pl, at, at + 0x300);
		ck_assert_ptr_null(move_of_dyn(&pl, 0));
		pn_plan_free(&pl);
	}
	pn_space_free(&fx->m.pins);
	free(fx);

	fx = pie_gap(0, 0);
	uint64_t interp = 64 + 5 * ES;
	ck_assert_int_eq(pn_space_add(&fx->m.pins, interp, interp + 1), 0);
	r = plan();
	if (r == PKGNOTE_OK) {
		assert_stays(&pl, interp, interp + 28);
		ck_assert_uint_eq(find(&pl, PT_INTERP, 0)->offset, interp);
		pn_plan_free(&pl);
	}
}
END_TEST

START_TEST(empty_gnu_hash_has_no_chains)
{
	/* Without section headers a block's size comes from its contents.
	 * An empty GNU hash table (one bucket, 0) ends after its buckets: no
	 * chain entry for the symbols past symoffset, which are undefined. */
	fx = pie(0);
	fx->m.shnum = 0;
	uint64_t hash = 0x200, sym = 0x220, str = sym + 5 * 24, ver = str + 0x20;
	unsigned char *h = fx->head + hash;
	memset(h, 0, 28);
	h[0] = 1;   /* nbuckets */
	h[4] = 1;   /* symoffset */
	h[8] = 1;   /* bloom words */
	fx->dyn[0] = (struct pn_dyn){ DT_GNU_HASH, hash };
	fx->dyn[1] = (struct pn_dyn){ DT_SYMTAB, sym };
	fx->dyn[2] = (struct pn_dyn){ DT_STRTAB, str };
	fx->dyn[3] = (struct pn_dyn){ DT_STRSZ, 0x20 };
	fx->dyn[4] = (struct pn_dyn){ DT_VERSYM, ver };
	fx->m.ndyn = 5;
	struct pn_segment l0 = { .type = PT_LOAD, .offset = 0, .vaddr = 0, .filesz = 0x400,
				 .memsz = 0x400, .align = 0x1000 };
	struct pn_cand r[8];
	size_t n = pn_dyn_regions(&fx->m, &l0, r, 8);
	bool seen_hash = false, seen_sym = false;
	for (size_t i = 0; i < n; i++) {
		if (r[i].offset == hash) {
			seen_hash = true;
			ck_assert_uint_eq(r[i].size, 28);
		}
		if (r[i].offset == sym) {
			seen_sym = true;
			ck_assert_uint_eq(r[i].size, 5 * 24);
		}
	}
	ck_assert(seen_hash);
	ck_assert(seen_sym);
	/* With a symbol in its bucket the table has chains: 5 - 1 of them. */
	h[16 + 8] = 4;
	put32le(h + 28 + 3 * 4, 1); /* chain of symbol 4 ends the bucket */
	n = pn_dyn_regions(&fx->m, &l0, r, 8);
	seen_hash = false;
	for (size_t i = 0; i < n; i++)
		if (r[i].offset == hash) {
			seen_hash = true;
			ck_assert_uint_eq(r[i].size, 28 + 4 * 4);
		}
	ck_assert(seen_hash);
}
END_TEST

/* Page 1 full of unmovable bytes, no PT_PHDR: a static ET_EXEC. */
static struct fixture *exec_full(void)
{
	return full(ET_EXEC, 0x400000);
}

/* The fixtures of the trailing-data cases. */
static struct fixture *pie_roomy(void)
{
	return pie(0x100);
}

static struct fixture *pie_old_section(void)
{
	struct fixture *f = pie(0x100);
	uint64_t at = 64 + 6 * ES + 28 + 0x100;
	f->ph[2].filesz = f->ph[2].memsz = at + NOTE;
	add_phdr(f, PT_NOTE, at, at, NOTE, NOTE, 4);
	f->ph[0].filesz = f->ph[0].memsz = 6 * ES;
	memset(f->head + 64, 0xbb, 6 * ES);
	size_t sec = add_section(f, ".note.package", SHT_NOTE, at, at, NOTE, 4);
	f->m.old_note = (struct pn_old_note){ .present = true, .offset = at, .record_size = NOTE,
					      .section = sec, .segment = 5 };
	return f;
}

static struct fixture *pie_full(void)
{
	uint64_t at;
	return page1_full(&at);
}

/* Trailing data: `extra` bytes past the section header table, which ends
 * the fixtures' ELF contents. */
static const struct {
	const char *what;
	struct fixture *(*make)(void);
	bool outside;                /* allow_outside_page */
	enum pkgnote_status want;
	bool section;                /* the note has a section header */
} trailing_cases[] = {
	{ "room in page 1: stamped there, no section header added", pie_roomy, false, PKGNOTE_OK, false },
	{ "an old .note.package section is reused", pie_old_section, false, PKGNOTE_OK, true },
	{ "page 1 full, .dynsym would leave it: refused", pie_full, false, PKGNOTE_NO_ROOM, false },
	{ "static ET_EXEC, a new first page would shift it: refused", exec_full, false, PKGNOTE_NO_ROOM, false },
	{ "a note outside page 1 would be appended: refused", outside_only, true, PKGNOTE_NO_ROOM, false },
};

START_TEST(trailing_data_kept_or_refused)
{
	fx = trailing_cases[_i].make();
	/* Without trailing data every case is stamped. */
	req.allow_outside_page = trailing_cases[_i].outside;
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	pn_plan_free(&pl);

	uint64_t end = fx->m.shoff + fx->m.shnum * fx->m.shentsize;
	ck_assert_uint_eq(pn_model_described_end(&fx->m), end);
	fx->m.file_size = end + 0x1234;
	struct pn_trailing t;
	ck_assert(pn_model_trailing(&fx->m, &t));
	ck_assert_uint_eq(t.offset, end);
	ck_assert_uint_eq(t.size, 0x1234);
	enum pkgnote_status r = plan();
	ck_assert_msg(r == trailing_cases[_i].want, "%s: status %d (%s)", trailing_cases[_i].what, r,
		      r ? err.message : "planned");
	if (r != PKGNOTE_OK) {
		ck_assert_ptr_nonnull(strstr(err.message, "synthetic: 4660 bytes of trailing data at 0x"));
		return;
	}
	assert_page1(&pl);
	/* Nothing appended or shifted; the table keeps its place and size. */
	ck_assert_uint_eq(pl.shift, 0);
	ck_assert_uint_eq(pl.file_size, fx->m.file_size);
	ck_assert_uint_ge(pl.truncate_at, fx->m.file_size);
	ck_assert(!pl.new_load);
	ck_assert_int_lt(pl.grow_load, 0);
	ck_assert(!pl.add_section && !pl.sht_rewrite && !pl.shstr_append);
	ck_assert_uint_eq(pl.shoff, fx->m.shoff);
	ck_assert_uint_eq(pl.shnum, fx->m.shnum);
	ck_assert_uint_eq(pl.note_section != 0, trailing_cases[_i].section);
	for (size_t i = 0; i < pl.nmoves; i++)
		ck_assert_uint_le(pl.moves[i].new_offset + pl.moves[i].size, end);
	for (size_t i = 0; i < pl.nzero; i++)
		ck_assert_uint_le(pl.zero[i].offset + pl.zero[i].size, end);
}
END_TEST

/* A new first page shifts a static program by its largest p_align, but by
 * no more than the largest page of its machine's kernels. */
static const struct {
	uint16_t machine;
	uint64_t align, shift;
} shift_cases[] = {
	{ EM_X86_64, 0x200000, 0x1000 },   /* tcc, -z max-page-size=2M */
	{ EM_X86_64, 0x1000, 0x1000 },
	{ EM_386, 0x200000, 0x1000 },
	{ EM_AARCH64, 0x200000, 0x10000 },
	{ EM_AARCH64, 0x10000, 0x10000 },
	{ EM_AARCH64, 0x1000, 0x1000 },    /* linked for 4 KiB pages only */
	{ EM_PPC64, 0x200000, 0x10000 },
	{ EM_MIPS, 0x10000, 0x10000 },
	{ EM_RISCV, 0x200000, 0x1000 },
	{ EM_SPARCV9, 0x200000, 0x200000 }, /* not known: the largest p_align */
};

START_TEST(new_first_page_shift_per_machine)
{
	fx = exec_full();
	fx->m.e_machine = shift_cases[_i].machine;
	for (size_t i = 0; i < fx->m.phnum; i++)
		if (fx->ph[i].type == PT_LOAD)
			fx->ph[i].align = shift_cases[_i].align;
	ck_assert_int_eq(plan(), PKGNOTE_OK);
	assert_page1(&pl);
	uint64_t s = shift_cases[_i].shift;
	ck_assert_msg(pl.shift == s, "machine %u, p_align 0x%llx: shift 0x%llx, want 0x%llx",
		      shift_cases[_i].machine, (unsigned long long)shift_cases[_i].align,
		      (unsigned long long)pl.shift, (unsigned long long)s);
	ck_assert_uint_eq(find(&pl, PT_LOAD, 0)->vaddr, 0x400000 - s);
	ck_assert_uint_eq(find(&pl, PT_LOAD, 1)->offset, s);
	/* Every PT_LOAD keeps offset and address congruent modulo its p_align,
	 * which divides the shift (gABI), and modulo the shift. */
	for (size_t i = 0; i < pl.phnum; i++) {
		const struct pn_segment *g = &pl.phdrs[i];
		if (g->type != PT_LOAD)
			continue;
		ck_assert_uint_le(g->align, s);
		ck_assert_uint_eq(g->offset % g->align, g->vaddr % g->align);
		ck_assert_uint_eq(g->offset % s, g->vaddr % s);
	}
	ck_assert_uint_eq(pl.file_size, pl.shoff + (fx->m.shnum + 1) * 64);
	ck_assert_uint_eq(pl.shstr_offset, fx->m.file_size + s);
}
END_TEST

/* L0, as every step means it: the PT_LOAD at offset 0 with file bytes,
 * the lowest one when a hostile file has several. */
#define SEG(t, o, v, fsz) { .type = (t), .offset = (o), .vaddr = (v), .filesz = (fsz) }
static const struct {
	const char *what;
	struct pn_segment ph[4];
	size_t n;
	ptrdiff_t want;
} l0_cases[] = {
	{ "the only one", { SEG(PT_LOAD, 0, 0, 0x1000) }, 1, 0 },
	{ "after a PT_PHDR", { SEG(PT_PHDR, 0x40, 0x40, 0x100), SEG(PT_LOAD, 0, 0, 0x1000) }, 2, 1 },
	{ "the lowest of two at offset 0",
	  { SEG(PT_LOAD, 0, 0x20000, 0x1000), SEG(PT_LOAD, 0, 0x10000, 0x1000) }, 2, 1 },
	{ "not one without file bytes",
	  { SEG(PT_LOAD, 0, 0, 0), SEG(PT_LOAD, 0, 0x10000, 0x800) }, 2, 1 },
	{ "none at offset 0", { SEG(PT_LOAD, 0x1000, 0x1000, 0x1000), SEG(PT_NOTE, 0, 0, 0x20) }, 2, -1 },
	{ "no segments", { SEG(PT_NULL, 0, 0, 0) }, 0, -1 },
};

START_TEST(first_load_is_one_segment)
{
	ck_assert_msg(pn_first_load(l0_cases[_i].ph, l0_cases[_i].n) == l0_cases[_i].want,
		      "%s: got %td, want %td", l0_cases[_i].what,
		      pn_first_load(l0_cases[_i].ph, l0_cases[_i].n), l0_cases[_i].want);
}
END_TEST

/* A file whose start no PT_LOAD maps cannot be stamped: it is not a case of
 * 'no room' (exit 5), which --allow-outside-page would answer. */
START_TEST(no_first_load_is_bad_elf)
{
	fx = pie(0);
	for (size_t i = 0; i < fx->m.phnum; i++)
		if (fx->ph[i].type == PT_LOAD && fx->ph[i].offset == 0)
			fx->ph[i].type = PT_NULL;
	req.allow_outside_page = true;
	ck_assert_int_eq(plan(), PKGNOTE_BAD_ELF);
	ck_assert_int_eq(err.status, PKGNOTE_BAD_ELF);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("layout planner");
	TCase *tc = tcase_create("plans");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, room_in_page1_grows_table_in_place);
	tcase_add_test(tc, interp_shifts_to_let_table_grow);
	tcase_add_test(tc, page1_full_moves_dynamic_section);
	tcase_add_test(tc, large_moved_section_keeps_block_offset);
	tcase_add_test(tc, earlier_tail_segment_grows);
	tcase_add_test(tc, nothing_movable_is_refused);
	tcase_add_test(tc, nothing_movable_allowed_outside);
	tcase_add_test(tc, exec_gets_new_first_page);
	tcase_add_test(tc, same_size_note_replaced_in_place);
	tcase_add_test(tc, note_in_middle_of_shared_pt_note);
	tcase_add_test(tc, same_input_same_plan);
	tcase_add_test(tc, smaller_page_size_is_honoured);
	tcase_add_test(tc, spare_pt_null_takes_the_new_pt_note);
	tcase_add_test(tc, notes_relocate_and_the_note_joins_them);
	tcase_add_test(tc, empty_gnu_hash_has_no_chains);
	tcase_add_test(tc, own_note_stays);
	tcase_add_test(tc, property_note_shifts);
	tcase_add_test(tc, symbol_pins_notes);
	tcase_add_test(tc, patchelf_fill_is_free);
	tcase_add_test(tc, symbol_pins_dynamic_section_and_interp);
	tcase_add_loop_test(tc, trailing_data_kept_or_refused, 0,
			    sizeof trailing_cases / sizeof trailing_cases[0]);
	tcase_add_loop_test(tc, new_first_page_shift_per_machine, 0,
			    sizeof shift_cases / sizeof shift_cases[0]);
	tcase_add_loop_test(tc, first_load_is_one_segment, 0,
			    sizeof l0_cases / sizeof l0_cases[0]);
	tcase_add_test(tc, no_first_load_is_bad_elf);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
