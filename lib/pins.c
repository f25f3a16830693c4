/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What code may read at a fixed address.  A linked program reaches its
 * data through addresses the linker resolved; they leave no trace in the
 * file but for the symbols that name them and the relocations the loader
 * applies.  So a byte of L0 (the PT_LOAD mapping the start of the file)
 * counts as read by code, and the block holding it never moves, when
 *  - a symbol of .symtab or .dynsym is defined there: the whole section its
 *    st_shndx names when its value lies in that section (an end symbol one
 *    past it included); otherwise, and without section headers (.dynsym
 *    found through DT_SYMTAB), its bytes [st_value, st_value + st_size),
 *    a symbol of size 0 pinning the bytes on both sides of its address,
 *    since it may mark the start of one block or the end of another;
 *  - a relocation writes there (r_offset), or, carrying no symbol, points
 *    there: its addend, or for REL and RELR the word it relocates; a TLS
 *    relocation's value (a module id, an offset) points nowhere.
 * Section, file and TLS symbols name no address, nor does a symbol of a
 * section that is not loaded (rustc's metadata symbol: value 0, the size
 * of its .rustc section).  A local symbol of a note
 * section pins nothing: a note no toolchain writes stays anyway (the notes
 * rule of plan_analyse.c), and a toolchain's note is found through PT_NOTE,
 * its local symbol being the label the startup file that wrote it gives it
 * (crt1.o's __abi_tag for the ABI tag), which nothing reads; such notes
 * are recorded as labelled instead (see model.h).  Code of a stripped
 * program that reaches a block by an address baked into its instructions
 * leaves no trace at all: see the notes rule in plan_analyse.c.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dyn_regions.h"
#include "elf_codec.h"
#include "error.h"
#include "io_util.h"
#include "pins.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG_ENDIAN true
#else
#define HOST_BIG_ENDIAN false
#endif

/* Records are read this many bytes at a time: symbol and relocation tables
 * of large libraries run to megabytes. */
#define CHUNK (64 * 1024)
/* Pins kept are gathered this many at a time, then merged into the set. */
#define BATCH 1024

/*
 * What is kept.  A large library maps its code and read-only data in L0
 * too, and every symbol and relocation may pin a byte there; but the plan
 * asks the pins two things only (plan_analyse.c), and the answers depend
 * on few of them:
 *  - which free bytes are not free after all (drop_pins): free bytes lie in
 *    the head that was read, the old note, or a section header table inside
 *    L0, so pins there are kept as they are ("exact" ranges below);
 *  - whether a block that may move holds a pinned byte (stays): every such
 *    block starts in page 1, inside the head, so past the head only the
 *    lowest pinned byte tells whether a block reaching there holds one.
 * So the set holds the pins of the exact ranges and that one byte: a
 * subset of all pins that gives every plan the same answers, whose size
 * follows the head, not the number of symbols and relocations, which are
 * read a chunk at a time and dropped.
 */
struct pinner {
	struct pn_model *m;
	uint64_t lo, hi;             /* L0's file-backed addresses */
	struct pn_range exact[3];    /* pins kept as found: head, old note, section headers */
	size_t nexact;
	uint64_t near_end;           /* end of the head's range */
	uint64_t far;                /* lowest pinned byte at or past it; UINT64_MAX: none */
	uint64_t exact_end;          /* the end of the highest exact range */
	struct pn_range *batch;      /* kept pins not yet in m->pins, unsorted */
	size_t nbatch;
	const uint32_t *tls;         /* the machine's TLS relocation types, 0-ended */
	bool swap;                   /* the file's byte order is not the host's */
	unsigned char *win;          /* a window of the file, for implicit addends */
	uint64_t win_off, win_len;
	bool oom;
	int read_errno;              /* a read of the window failed */
};

static int cmp_range(const void *a, const void *b)
{
	const struct pn_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The gathered pins, sorted, merged into m->pins in one pass: pins come in
 * any order, and inserting each where it belongs would cost the square of
 * their number. */
static void flush(struct pinner *p)
{
	struct pn_space *set = &p->m->pins;
	if (p->nbatch == 0 || p->oom)
		return;
	qsort(p->batch, p->nbatch, sizeof *p->batch, cmp_range);
	size_t cap = set->n + p->nbatch, n = 0, i = 0, j = 0;
	struct pn_range *out = malloc(cap * sizeof *out);
	if (out == NULL) {
		p->oom = true;
		return;
	}
	while (i < set->n || j < p->nbatch) {
		bool old = j == p->nbatch || (i < set->n && set->r[i].start <= p->batch[j].start);
		struct pn_range r = old ? set->r[i++] : p->batch[j++];
		if (n > 0 && r.start <= out[n - 1].end)
			out[n - 1].end = max_u64(out[n - 1].end, r.end);
		else
			out[n++] = r;
	}
	free(set->r);
	*set = (struct pn_space){ .r = out, .n = n, .cap = cap };
	p->nbatch = 0;
}

static void keep(struct pinner *p, uint64_t start, uint64_t end)
{
	struct pn_range *last = p->nbatch ? &p->batch[p->nbatch - 1] : NULL;
	if (last != NULL && start >= last->start && end <= last->end)
		return; /* the symbols of one section pin it again and again */
	if (p->nbatch == BATCH)
		flush(p);
	if (!p->oom)
		p->batch[p->nbatch++] = (struct pn_range){ start, end };
}

/* A pin from `start` on changes nothing: past every exact range and not
 * below the far byte (which is past the head). */
static bool moot(const struct pinner *p, uint64_t start)
{
	return start >= p->far && start >= p->exact_end;
}

static void pin(struct pinner *p, uint64_t start, uint64_t end)
{
	start = max_u64(start, p->lo);
	end = min_u64(end, p->hi);
	if (start >= end || moot(p, start))
		return;
	if (end > p->near_end)
		p->far = min_u64(p->far, max_u64(start, p->near_end));
	for (size_t i = 0; i < p->nexact; i++) {
		uint64_t a = max_u64(start, p->exact[i].start), b = min_u64(end, p->exact[i].end);
		if (a < b)
			keep(p, a, b);
	}
}

/* Labelled notes are whole note sections: a few ranges at most. */
static void label(struct pinner *p, uint64_t start, uint64_t end)
{
	start = max_u64(start, p->lo);
	end = min_u64(end, p->hi);
	if (start < end && pn_space_add(&p->m->labelled, start, end) != 0)
		p->oom = true;
}

/* An address with no size of its own (a symbol of size 0, the target of a
 * relocation without a symbol): the bytes on both sides of it. */
static void pin_point(struct pinner *p, uint64_t addr)
{
	pin(p, addr > 0 ? addr - 1 : 0, addr + 1 < addr ? addr : addr + 1);
}

/* A word of 4 or 8 bytes in the file's byte order. */
static uint64_t get(const struct pinner *p, const unsigned char *b, unsigned bytes)
{
	if (bytes == 8) {
		uint64_t v;
		memcpy(&v, b, 8);
		return p->swap ? __builtin_bswap64(v) : v;
	}
	uint32_t v;
	memcpy(&v, b, 4);
	return p->swap ? __builtin_bswap32(v) : v;
}

/* The word the loader relocates at `addr`, as the file holds it; false
 * when no segment maps file bytes there. */
static bool word_at(struct pinner *p, uint64_t addr, uint64_t *val)
{
	const struct pn_model *m = p->m;
	unsigned w = m->elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t off = UINT64_MAX;
	for (size_t i = 0; i < m->phnum && off == UINT64_MAX; i++) {
		const struct pn_segment *s = &m->phdrs[i];
		if (s->type == PT_LOAD && addr >= s->vaddr && addr - s->vaddr + w <= s->filesz)
			off = s->offset + (addr - s->vaddr);
	}
	if (off == UINT64_MAX || off + w > m->file_size)
		return false;
	if (p->win == NULL && (p->win = malloc(CHUNK)) == NULL) {
		p->oom = true;
		return false;
	}
	if (off < p->win_off || off + w > p->win_off + p->win_len) {
		uint64_t len = m->file_size - off < CHUNK ? m->file_size - off : CHUNK;
		if (pn_pread_full(m->fd, p->win, len, off) != 0) {
			p->read_errno = errno;
			return false;
		}
		p->win_off = off;
		p->win_len = len;
	}
	*val = get(p, p->win + (off - p->win_off), w);
	return true;
}

/* Call fn on each record of `entsize` bytes of the table at file offset
 * `off`, `size` bytes long; -1 when it cannot be read. */
typedef void record_fn(struct pinner *p, const unsigned char *rec, const void *arg);

static int each_record(struct pinner *p, uint64_t off, uint64_t size, uint64_t entsize,
		       record_fn *fn, const void *arg)
{
	const struct pn_model *m = p->m;
	if (entsize == 0 || entsize > CHUNK || off > m->file_size || size > m->file_size - off)
		return -1;
	unsigned char *buf = malloc(CHUNK);
	if (buf == NULL) {
		p->oom = true;
		return -1;
	}
	uint64_t per = CHUNK / entsize * entsize, count = size / entsize * entsize;
	int r = 0;
	for (uint64_t pos = 0; pos < count && r == 0; pos += per) {
		uint64_t len = count - pos < per ? count - pos : per;
		r = pn_pread_full(m->fd, buf, len, off + pos);
		for (uint64_t k = 0; r == 0 && k < len; k += entsize)
			fn(p, buf + k, arg);
	}
	free(buf);
	return r;
}

static void on_symbol(struct pinner *p, const unsigned char *rec, const void *arg)
{
	(void)arg;
	const struct pn_model *m = p->m;
	GElf_Sym s;
	if (pn_decode(m->elf_class, m->elf_data, ELF_T_SYM, rec, 1, &s) != 0)
		return;
	int type = GELF_ST_TYPE(s.st_info);
	if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_COMMON || type == STT_SECTION ||
	    type == STT_FILE || type == STT_TLS)
		return;
	if (s.st_shndx < m->shnum && s.st_shndx != SHN_ABS) {
		const struct pn_section *sec = &m->shdrs[s.st_shndx];
		if (sec->type == SHT_NOTE && GELF_ST_BIND(s.st_info) == STB_LOCAL) {
			if (sec->flags & SHF_ALLOC)
				label(p, sec->addr, sec->addr + (sec->size ? sec->size : 1));
			return;
		}
		if (!(sec->flags & SHF_ALLOC))
			return; /* not in memory: rustc's metadata symbol, at 0 */
		if ((sec->flags & SHF_ALLOC) && s.st_value >= sec->addr &&
		    s.st_value <= sec->addr + sec->size) {
			pin(p, sec->addr, sec->addr + (sec->size ? sec->size : 1));
			return;
		}
	}
	if (s.st_size == 0)
		pin_point(p, s.st_value);
	else
		pin(p, s.st_value, s.st_value + s.st_size);
}

/* A TLS relocation's value is a module id or an offset into the TLS block,
 * never an address: read as one, a library with many thread-local variables
 * would pin most of its first page by accident. */
#define TLS_MAX 8

/* The machine's TLS relocation types (TLS_MAX, 0 after the last), or NULL. */
static const uint32_t *tls_types(uint16_t machine)
{
	static const struct {
		uint16_t machine;
		uint32_t types[TLS_MAX];
	} tls[] = {
		{ EM_X86_64, { R_X86_64_DTPMOD64, R_X86_64_DTPOFF64, R_X86_64_TPOFF64,
			       R_X86_64_TLSDESC } },
		{ EM_386, { R_386_TLS_TPOFF, R_386_TLS_DTPMOD32, R_386_TLS_DTPOFF32,
			    R_386_TLS_TPOFF32, R_386_TLS_DESC } },
		{ EM_AARCH64, { R_AARCH64_TLS_DTPMOD, R_AARCH64_TLS_DTPREL, R_AARCH64_TLS_TPREL,
				R_AARCH64_TLSDESC } },
		{ EM_ARM, { R_ARM_TLS_DTPMOD32, R_ARM_TLS_DTPOFF32, R_ARM_TLS_TPOFF32,
			    R_ARM_TLS_DESC } },
		{ EM_PPC64, { R_PPC64_DTPMOD64, R_PPC64_TPREL64, R_PPC64_DTPREL64 } },
		{ EM_PPC, { R_PPC_DTPMOD32, R_PPC_TPREL32, R_PPC_DTPREL32 } },
		{ EM_S390, { R_390_TLS_DTPMOD, R_390_TLS_DTPOFF, R_390_TLS_TPOFF } },
		{ EM_RISCV, { R_RISCV_TLS_DTPMOD32, R_RISCV_TLS_DTPMOD64, R_RISCV_TLS_DTPREL32,
			      R_RISCV_TLS_DTPREL64, R_RISCV_TLS_TPREL32, R_RISCV_TLS_TPREL64 } },
		{ EM_MIPS, { R_MIPS_TLS_DTPMOD32, R_MIPS_TLS_DTPREL32, R_MIPS_TLS_DTPMOD64,
			     R_MIPS_TLS_DTPREL64, R_MIPS_TLS_TPREL32, R_MIPS_TLS_TPREL64 } },
	};
	for (size_t i = 0; i < sizeof tls / sizeof tls[0]; i++)
		if (tls[i].machine == machine)
			return tls[i].types;
	return NULL;
}

static bool is_tls_reloc(const struct pinner *p, uint32_t type)
{
	for (size_t k = 0; p->tls != NULL && k < TLS_MAX && p->tls[k] != 0; k++)
		if (p->tls[k] == type)
			return true;
	return false;
}

struct reloc_kind {
	bool rela;
};

static void on_reloc(struct pinner *p, const unsigned char *rec, const void *arg)
{
	const struct pn_model *m = p->m;
	const struct reloc_kind *k = arg;
	unsigned w = m->elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t where = get(p, rec, w), info = get(p, rec + w, w);
	uint64_t sym;
	uint32_t type;
	if (w == 4) {
		sym = info >> 8;
		type = info & 0xff;
	} else if (m->e_machine == EM_MIPS && m->elf_data == ELFDATA2LSB) {
		sym = info & 0xffffffff; /* MIPS64 little-endian puts r_sym first, */
		type = info >> 56;       /* and its first r_type last */
	} else if (m->e_machine == EM_MIPS) {
		sym = info >> 32;
		type = info & 0xff;
	} else {
		sym = info >> 32;
		type = info & 0xffffffff;
	}
	pin(p, where, where + w);
	/* The symbol pins its own bytes; a TLS value is no address. */
	uint64_t target = k->rela ? get(p, rec + 2 * w, w) : 0;
	if (sym != 0 || (k->rela && moot(p, target > 0 ? target - 1 : 0)) || is_tls_reloc(p, type))
		return;
	if (k->rela || word_at(p, where, &target))
		pin_point(p, target);
}

/* RELR: an even word is an address to relocate; an odd one a bitmap of the
 * following words-1 places. */
static void on_relr(struct pinner *p, const unsigned char *rec, const void *arg)
{
	uint64_t *base = (uint64_t *)arg;
	const struct pn_model *m = p->m;
	unsigned w = m->elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t e = get(p, rec, w), target;
	if ((e & 1) == 0) {
		pin(p, e, e + w);
		if (word_at(p, e, &target))
			pin_point(p, target);
		*base = e + w;
		return;
	}
	for (unsigned i = 1; i < 8 * w; i++)
		if ((e >> i) & 1) {
			uint64_t where = *base + (i - 1) * w;
			pin(p, where, where + w);
			if (word_at(p, where, &target))
				pin_point(p, target);
		}
	*base += (8 * w - 1) * w;
}

static int read_relocs(struct pinner *p, uint32_t type, uint64_t off, uint64_t size)
{
	const struct pn_model *m = p->m;
	unsigned w = m->elf_class == ELFCLASS64 ? 8 : 4;
	if (type == SHT_RELR) {
		uint64_t base = 0;
		return each_record(p, off, size, w, on_relr, &base);
	}
	struct reloc_kind k = { .rela = type == SHT_RELA };
	return each_record(p, off, size, (k.rela ? 3 : 2) * w, on_reloc, &k);
}

/* The file offset of `size` bytes at `addr`, when a PT_LOAD maps them. */
static bool offset_of(const struct pn_model *m, uint64_t addr, uint64_t size, uint64_t *off)
{
	for (size_t i = 0; i < m->phnum; i++) {
		const struct pn_segment *s = &m->phdrs[i];
		if (s->type == PT_LOAD && addr >= s->vaddr && addr - s->vaddr <= s->filesz &&
		    size <= s->filesz - (addr - s->vaddr)) {
			*off = s->offset + (addr - s->vaddr);
			return true;
		}
	}
	return false;
}

/* Without section headers the dynamic table names the tables. */
static int read_dynamic_tables(struct pinner *p, const struct pn_segment *l0)
{
	const struct pn_model *m = p->m;
	static const struct {
		int64_t tag, size_tag;
		uint32_t type;
	} tables[] = {
		{ DT_RELA, DT_RELASZ, SHT_RELA }, { DT_REL, DT_RELSZ, SHT_REL },
		{ DT_RELR, DT_RELRSZ, SHT_RELR }, { DT_JMPREL, DT_PLTRELSZ, 0 },
	};
	int r = 0;
	for (size_t i = 0; i < sizeof tables / sizeof tables[0] && r == 0; i++) {
		uint64_t addr, size, off, kind;
		uint32_t type = tables[i].type;
		if (type == 0)
			type = pn_dyn_value(m, DT_PLTREL, &kind) && kind == DT_REL ? SHT_REL : SHT_RELA;
		if (pn_dyn_value(m, tables[i].tag, &addr) && pn_dyn_value(m, tables[i].size_tag, &size) &&
		    offset_of(m, addr, size, &off))
			r = read_relocs(p, type, off, size);
	}
	uint64_t addr, off, count = pn_dyn_symbol_count(m, l0);
	uint64_t es = pn_fsize(m->elf_class, ELF_T_SYM, 1);
	if (r == 0 && count > 0 && pn_dyn_value(m, DT_SYMTAB, &addr) &&
	    count <= m->file_size / es && offset_of(m, addr, count * es, &off))
		r = each_record(p, off, count * es, es, on_symbol, NULL);
	return r;
}

/* Where pins are kept as found: [off, off + size) of the file, within L0. */
static void keep_exactly(struct pinner *p, uint64_t off, uint64_t size)
{
	uint64_t len = p->hi - p->lo;
	if (off >= len)
		return;
	struct pn_range r = { p->lo + off, p->lo + off + min_u64(size, len - off) };
	p->exact[p->nexact++] = r;
	p->exact_end = max_u64(p->exact_end, r.end);
}

/* The ranges of struct pinner, for plans of pages up to `page`. */
static void aim(struct pinner *p, uint64_t page)
{
	const struct pn_model *m = p->m;
	keep_exactly(p, 0, max_u64(m->head_size, page));
	p->near_end = p->nexact ? p->exact[0].end : p->lo;
	if (m->old_note.present)
		keep_exactly(p, m->old_note.offset, m->old_note.record_size);
	if (m->shnum > 0)
		keep_exactly(p, m->shoff, m->shentsize && m->shnum > UINT64_MAX / m->shentsize
						  ? UINT64_MAX : m->shnum * m->shentsize);
}

enum pkgnote_status pn_model_read_pins(struct pn_model *m, uint64_t page, struct pkgnote_error *err)
{
	ptrdiff_t i0 = pn_first_load(m->phdrs, m->phnum);
	if (i0 < 0)
		return PKGNOTE_OK; /* the planner refuses such a file */
	const struct pn_segment *l0 = &m->phdrs[i0];
	struct pinner p = { .m = m, .lo = l0->vaddr, .hi = l0->vaddr + l0->filesz, .far = UINT64_MAX,
			    .tls = tls_types(m->e_machine),
			    .swap = (m->elf_data == ELFDATA2MSB) != HOST_BIG_ENDIAN };
	aim(&p, page);
	p.batch = malloc(BATCH * sizeof *p.batch);
	p.oom = p.batch == NULL;
	int r = p.oom ? -1 : 0;
	for (size_t i = 1; i < m->shnum && r == 0; i++) {
		const struct pn_section *s = &m->shdrs[i];
		if (s->type == SHT_SYMTAB || s->type == SHT_DYNSYM)
			r = each_record(&p, s->offset, s->size,
					pn_fsize(m->elf_class, ELF_T_SYM, 1), on_symbol, NULL);
		else if (s->type == SHT_REL || s->type == SHT_RELA || s->type == SHT_RELR)
			r = read_relocs(&p, s->type, s->offset, s->size);
	}
	if (m->shnum == 0 && r == 0)
		r = read_dynamic_tables(&p, l0);
	int saved = r != 0 ? errno : p.read_errno;
	if (r == 0 && saved == 0 && p.far != UINT64_MAX)
		keep(&p, p.far, p.far + 1);
	flush(&p);
	free(p.win);
	free(p.batch);
	if (p.oom)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading symbols");
	if (saved != 0 || r != 0)
		return pn_fail_errno(err, PKGNOTE_IO, saved ? saved : EIO, m->path,
				     "cannot read a symbol or relocation table");
	return PKGNOTE_OK;
}
