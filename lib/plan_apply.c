/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Apply a plan to the output, which already holds a copy of the input: cut
 * or extend it, clear what fell free, copy moved sections, write the note,
 * then rewrite the records that name new places (ELF header, program
 * headers, dynamic entries, section headers, symbols).  Memory stays small
 * whatever the file size: large areas go through one fixed buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_codec.h"
#include "error.h"
#include "inplace_commit.h"
#include "io_util.h"
#include "plan_apply.h"

#define CHUNK (64 * 1024)

struct apply {
	const struct pn_model *m;
	const struct pn_plan *p;
	int in, out;
	struct pn_inplace *ip;       /* in place: every write goes through it */
	unsigned char *buf;          /* CHUNK bytes */
	struct pkgnote_error *err;
};

/* Where the input's bytes start in the output. */
static uint64_t p_shift(const struct apply *a)
{
	return a->p->shift;
}

static enum pkgnote_status write_at(struct apply *a, const void *data, size_t len,
				    uint64_t off, const char *what)
{
	if (a->ip != NULL)
		return pn_inplace_write(a->ip, data, len, off, what, a->err);
	if (pn_pwrite_full(a->out, data, len, off) != 0)
		return pn_fail_errno(a->err, PKGNOTE_IO, errno, a->m->path, "cannot write %s", what);
	return PKGNOTE_OK;
}

static enum pkgnote_status clear(struct apply *a, uint64_t off, uint64_t size)
{
	if (a->ip != NULL)
		return pn_inplace_zero(a->ip, off, size, a->err);
	/* A large range (a moved symbol table) is zeroed by the filesystem
	 * without writing a byte where it can (unwritten extents); where it
	 * cannot, zeros are written. */
	if (size >= CHUNK && fallocate(a->out, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
				       (off_t)off, (off_t)size) == 0)
		return PKGNOTE_OK;
	memset(a->buf, 0, CHUNK);
	while (size > 0) {
		size_t n = size < CHUNK ? (size_t)size : CHUNK;
		enum pkgnote_status r = write_at(a, a->buf, n, off, "freed space");
		if (r != PKGNOTE_OK)
			return r;
		off += n;
		size -= n;
	}
	return PKGNOTE_OK;
}

static enum pkgnote_status copy_through_buffer(struct apply *a, uint64_t from, uint64_t to,
					       uint64_t size)
{
	while (size > 0) {
		size_t n = size < CHUNK ? (size_t)size : CHUNK;
		if (pn_pread_full(a->in, a->buf, n, from) != 0)
			return pn_fail_errno(a->err, PKGNOTE_IO, errno, a->m->path, "cannot read a moved section");
		enum pkgnote_status r = write_at(a, a->buf, n, to, "a moved section");
		if (r != PKGNOTE_OK)
			return r;
		from += n, to += n, size -= n;
	}
	return PKGNOTE_OK;
}

/* Copies [*from, *from + size) by copy_file_range, advancing both offsets
 * as far as the kernel goes; the caller copies what is left. */
static void copy_in_kernel(struct apply *a, uint64_t *from, uint64_t *to, uint64_t size)
{
	uint64_t end = *from + size;
	while (*from < end) {
		loff_t in = (loff_t)*from, out = (loff_t)*to;
		ssize_t n = copy_file_range(a->in, &in, a->out, &out, (size_t)(end - *from), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		*from += (uint64_t)n;
		*to += (uint64_t)n;
	}
}

/*
 * A moved section whose offset within a block is the same in both files
 * (the planner arranges it for large ones) has its whole blocks copied by
 * the kernel, which shares them instead where the file system can (XFS and
 * btrfs with reflinks): nothing to write and sync.  The partial blocks at
 * either end, and everything else, go through the buffer.
 */
static enum pkgnote_status copy_range(struct apply *a, uint64_t from, uint64_t to, uint64_t size)
{
	/* In place, only the tail takes a copy by the kernel (within the same
	 * file); the rest is sorted write by write. */
	if (a->ip != NULL && pn_inplace_skips(a->ip, to, size))
		return PKGNOTE_OK;
	if (a->ip != NULL && !pn_inplace_is_tail(a->ip, to, size))
		return copy_through_buffer(a, from, to, size);
	if (size >= PN_SHARE_MIN && from % PN_SHARE_BLOCK == to % PN_SHARE_BLOCK) {
		uint64_t head = (PN_SHARE_BLOCK - from % PN_SHARE_BLOCK) % PN_SHARE_BLOCK;
		uint64_t whole = (size - head) / PN_SHARE_BLOCK * PN_SHARE_BLOCK;
		enum pkgnote_status r = copy_through_buffer(a, from, to, head);
		if (r != PKGNOTE_OK)
			return r;
		uint64_t f = from + head, t = to + head;
		copy_in_kernel(a, &f, &t, whole);
		size -= f - from;
		from = f;
		to = t;
	}
	return copy_through_buffer(a, from, to, size);
}

static enum pkgnote_status encode_and_write(struct apply *a, Elf_Type type, const void *items,
					    size_t count, uint64_t off, const char *what)
{
	size_t size = pn_fsize(a->m->elf_class, type, count);
	unsigned char *bytes = malloc(size ? size : 1);
	if (bytes == NULL)
		return pn_fail_errno(a->err, PKGNOTE_IO, ENOMEM, a->m->path, "encoding %s", what);
	enum pkgnote_status r = PKGNOTE_OK;
	if (pn_encode(a->m->elf_class, a->m->elf_data, type, items, count, bytes) != 0)
		r = pn_fail(a->err, PKGNOTE_INTERNAL, a->m->path,
			    "internal error: the planned %s do not fit this ELF class", what);
	else
		r = write_at(a, bytes, size, off, what);
	free(bytes);
	return r;
}

static enum pkgnote_status write_ehdr(struct apply *a)
{
	const struct pn_model *m = a->m;
	const struct pn_plan *p = a->p;
	GElf_Ehdr eh;
	if (pn_decode(m->elf_class, m->elf_data, ELF_T_EHDR, m->head, 1, &eh) != 0)
		return pn_fail_elf(a->err, PKGNOTE_BAD_ELF, m->path, "cannot decode the ELF header");
	eh.e_phoff = p->phoff;
	eh.e_phnum = (GElf_Half)p->phnum;
	eh.e_shoff = p->shoff;
	if (p->sht_rewrite)
		eh.e_shnum = (GElf_Half)p->shnum;
	return encode_and_write(a, ELF_T_EHDR, &eh, 1, 0, "the ELF header");
}

static enum pkgnote_status write_phdrs(struct apply *a)
{
	const struct pn_plan *p = a->p;
	GElf_Phdr *ph = calloc(p->phnum, sizeof *ph);
	if (ph == NULL)
		return pn_fail_errno(a->err, PKGNOTE_IO, ENOMEM, a->m->path, "encoding program headers");
	for (size_t i = 0; i < p->phnum; i++) {
		const struct pn_segment *s = &p->phdrs[i];
		ph[i] = (GElf_Phdr){ .p_type = s->type, .p_flags = s->flags, .p_offset = s->offset,
				     .p_vaddr = s->vaddr, .p_paddr = s->paddr, .p_filesz = s->filesz,
				     .p_memsz = s->memsz, .p_align = s->align };
	}
	enum pkgnote_status r = encode_and_write(a, ELF_T_PHDR, ph, p->phnum, p->phoff,
						 "the program header table");
	free(ph);
	return r;
}

/* Where the dynamic entry `index` lies in the output. */
static uint64_t dyn_entry_offset(const struct apply *a, long index)
{
	return p_shift(a) + a->m->dyn_offset +
	       (uint64_t)index * pn_fsize(a->m->elf_class, ELF_T_DYN, 1);
}

/* In place, a section that leaves page 1 while the dynamic entry naming it
 * lies past page 1 needs two writes, and between them the file would be
 * neither the input nor the result: refused before a byte is read. */
static void refuse_split_dynamic(struct apply *a)
{
	uint64_t es = pn_fsize(a->m->elf_class, ELF_T_DYN, 1);
	for (size_t i = 0; i < a->p->nmoves; i++) {
		long k = a->p->moves[i].dyn_index;
		if (k >= 0 && dyn_entry_offset(a, k) + es > PN_INPLACE_PAGE) {
			pn_inplace_refuse(a->ip, "it moves sections that the dynamic table names out of "
					  "the first page, and that table lies outside it: no one "
					  "write changes both");
			return;
		}
	}
}

static enum pkgnote_status write_dynamic(struct apply *a)
{
	const struct pn_model *m = a->m;
	for (size_t i = 0; i < a->p->nmoves; i++) {
		const struct pn_move *mv = &a->p->moves[i];
		if (mv->dyn_index < 0)
			continue;
		GElf_Dyn d = { .d_tag = m->dyn[mv->dyn_index].tag };
		d.d_un.d_ptr = mv->new_addr;
		enum pkgnote_status r = encode_and_write(a, ELF_T_DYN, &d, 1,
							 dyn_entry_offset(a, mv->dyn_index),
							 "a dynamic entry");
		if (r != PKGNOTE_OK)
			return r;
	}
	return PKGNOTE_OK;
}

static GElf_Shdr shdr_of(const struct pn_section *s)
{
	return (GElf_Shdr){ .sh_name = s->name_off, .sh_type = s->type, .sh_flags = s->flags,
			    .sh_addr = s->addr, .sh_offset = s->offset, .sh_size = s->size,
			    .sh_link = s->link, .sh_info = s->info, .sh_addralign = s->addralign,
			    .sh_entsize = s->entsize };
}

/* The new section header of index i, or false when it does not change. */
static bool new_shdr(const struct apply *a, size_t i, GElf_Shdr *sh)
{
	const struct pn_model *m = a->m;
	const struct pn_plan *p = a->p;
	bool changed = false;
	if (i < m->shnum) {
		*sh = shdr_of(&m->shdrs[i]);
		const struct pn_move *mv = pn_plan_move_of(p, &m->shdrs[i]);
		if (mv != NULL) {
			sh->sh_offset = sh->sh_offset - mv->old_offset + mv->new_offset;
			sh->sh_addr = sh->sh_addr - mv->old_addr + mv->new_addr;
			changed = true;
		} else if (i > 0 && p->shift != 0) {
			sh->sh_offset += p->shift;
			changed = true;
		}
	}
	if (p->note_section != 0 && i == p->note_section) {
		if (p->add_section)
			*sh = (GElf_Shdr){ .sh_name = p->note_name_off };
		sh->sh_type = SHT_NOTE;
		sh->sh_flags |= SHF_ALLOC;
		sh->sh_addr = p->note_vaddr;
		sh->sh_offset = p->note_offset;
		sh->sh_size = p->note_size;
		sh->sh_addralign = 4;
		sh->sh_entsize = 0;
		changed = true;
	}
	if (p->shstr_append && i == m->shstrndx) {
		sh->sh_offset = p->shstr_offset;
		sh->sh_size = p->shstr_size;
		changed = true;
	}
	for (size_t k = 0; k < p->nresize; k++)
		if (p->resize[k].section == i) {
			sh->sh_size = p->resize[k].size;
			changed = true;
		}
	return changed;
}

static enum pkgnote_status write_shdrs(struct apply *a)
{
	const struct pn_model *m = a->m;
	const struct pn_plan *p = a->p;
	if (p->shnum == 0)
		return PKGNOTE_OK;
	if (p->shstr_append) {
		enum pkgnote_status r = write_at(a, m->shstr, m->shstr_size, p->shstr_offset,
						 "the section name table");
		if (r == PKGNOTE_OK && p->shstr_size > m->shstr_size)
			r = write_at(a, PKGNOTE_SECTION_NAME, sizeof PKGNOTE_SECTION_NAME,
				     p->shstr_offset + m->shstr_size, "the section name table");
		if (r != PKGNOTE_OK)
			return r;
	}
	if (!p->sht_rewrite) {
		/* Same table, same place: rewrite only the entries that change. */
		for (size_t i = 0; i < p->shnum; i++) {
			GElf_Shdr sh;
			if (!new_shdr(a, i, &sh))
				continue;
			enum pkgnote_status r = encode_and_write(a, ELF_T_SHDR, &sh, 1,
								 p->shoff + i * m->shentsize,
								 "a section header");
			if (r != PKGNOTE_OK)
				return r;
		}
		return PKGNOTE_OK;
	}
	GElf_Shdr *all = calloc(p->shnum, sizeof *all);
	if (all == NULL)
		return pn_fail_errno(a->err, PKGNOTE_IO, ENOMEM, m->path, "encoding section headers");
	for (size_t i = 0; i < p->shnum; i++)
		if (!new_shdr(a, i, &all[i]))
			all[i] = shdr_of(&m->shdrs[i]);
	enum pkgnote_status r = encode_and_write(a, ELF_T_SHDR, all, p->shnum, p->shoff,
						 "the section header table");
	free(all);
	return r;
}

/* How far a symbol moves: as the section defining it, when its value lies
 * in that section (or one past it, as end symbols do).  A symbol of a
 * reused .note.package section follows the note. */
static bool symbol_delta(const struct apply *a, const GElf_Sym *s, int64_t *delta)
{
	const struct pn_plan *p = a->p;
	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= a->m->shnum)
		return false;
	const struct pn_section *sec = &a->m->shdrs[s->st_shndx];
	if (s->st_value < sec->addr || s->st_value > sec->addr + sec->size)
		return false;
	if (s->st_shndx == p->note_section && !p->add_section) {
		*delta = (int64_t)(p->note_vaddr - sec->addr);
		return *delta != 0;
	}
	const struct pn_move *mv = pn_plan_move_of(p, sec);
	if (mv == NULL)
		return false;
	*delta = (int64_t)(mv->new_addr - mv->old_addr);
	return true;
}

/* The section index of the symbol at `raw`, read straight from its bytes:
 * symbol tables are large and few of their entries move. */
static size_t raw_shndx(const struct pn_model *m, const unsigned char *raw)
{
	const unsigned char *p = raw + (m->elf_class == ELFCLASS64 ? 6 : 14);
	return m->elf_data == ELFDATA2MSB ? (size_t)(p[0] << 8 | p[1]) : (size_t)(p[1] << 8 | p[0]);
}

static enum pkgnote_status patch_symbols_of(struct apply *a, size_t idx, const bool *moving)
{
	const struct pn_model *m = a->m;
	const struct pn_section *s = &m->shdrs[idx];
	size_t es = pn_fsize(m->elf_class, ELF_T_SYM, 1);
	if (s->entsize != es || s->size % es)
		return PKGNOTE_OK;
	/* A moved symbol table is patched where it now lies. */
	uint64_t dest = s->offset + p_shift(a);
	const struct pn_move *self = pn_plan_move_of(a->p, s);
	if (self != NULL)
		dest = s->offset - self->old_offset + self->new_offset;
	enum pkgnote_status r = PKGNOTE_OK;
	size_t per = CHUNK / es;
	uint64_t count = s->size / es;
	for (uint64_t first = 0; first < count && r == PKGNOTE_OK; first += per) {
		size_t n = count - first < per ? (size_t)(count - first) : per;
		if (pn_pread_full(a->in, a->buf, n * es, s->offset + first * es) != 0)
			return pn_fail_errno(a->err, PKGNOTE_IO, errno, m->path, "cannot read symbols");
		for (size_t i = 0; i < n && r == PKGNOTE_OK; i++) {
			size_t shndx = raw_shndx(m, a->buf + i * es);
			if (shndx >= m->shnum || !moving[shndx])
				continue;
			GElf_Sym sym;
			int64_t delta;
			if (pn_decode(m->elf_class, m->elf_data, ELF_T_SYM, a->buf + i * es, 1, &sym) != 0)
				return pn_fail_elf(a->err, PKGNOTE_BAD_ELF, m->path, "cannot decode a symbol");
			if (!symbol_delta(a, &sym, &delta))
				continue;
			sym.st_value += (uint64_t)delta;
			r = encode_and_write(a, ELF_T_SYM, &sym, 1, dest + (first + i) * es, "a symbol");
		}
	}
	return r;
}

static enum pkgnote_status patch_symbols(struct apply *a)
{
	const struct pn_model *m = a->m;
	const struct pn_plan *p = a->p;
	bool note_moved = p->note_section != 0 && !p->add_section &&
			  m->shdrs[p->note_section].addr != p->note_vaddr;
	if (p->nmoves == 0 && !note_moved)
		return PKGNOTE_OK;
	/* Which sections' symbols may change. */
	bool *moving = calloc(m->shnum ? m->shnum : 1, sizeof *moving);
	if (moving == NULL)
		return pn_fail_errno(a->err, PKGNOTE_IO, ENOMEM, m->path, "patching symbols");
	for (size_t i = 1; i < m->shnum; i++)
		moving[i] = pn_plan_move_of(p, &m->shdrs[i]) != NULL ||
			    (note_moved && i == p->note_section);
	enum pkgnote_status r = PKGNOTE_OK;
	for (size_t i = 1; i < m->shnum && r == PKGNOTE_OK; i++)
		if (m->shdrs[i].type == SHT_SYMTAB || m->shdrs[i].type == SHT_DYNSYM)
			r = patch_symbols_of(a, i, moving);
	free(moving);
	return r;
}

/* Clear what lay past the input's end in the copy and is not kept. */
static enum pkgnote_status cut(struct apply *a)
{
	const struct pn_plan *p = a->p;
	uint64_t end = a->m->file_size + p->shift;
	uint64_t kept = end < p->file_size ? end : p->file_size; /* copied bytes that stay */
	if (p->truncate_at >= kept)
		return PKGNOTE_OK;
	if (a->ip != NULL) {
		pn_inplace_refuse(a->ip, "it rewrites the end of the file, where the old layout "
				  "keeps its section header table");
		return PKGNOTE_OK;
	}
	/* A few stale bytes (an old section header table, say) are overwritten
	 * rather than cut: truncating pages under writeback waits for it. */
	if (kept - p->truncate_at <= CHUNK / 2) {
		/* In whole blocks where the file will be that long: written in
		 * part, a block the copy shares is first read from the disk.
		 * What precedes the stale bytes in their block is the input's;
		 * what follows the old end is written later or stays zero. */
		uint64_t from = p->truncate_at / PN_SHARE_BLOCK * PN_SHARE_BLOCK;
		uint64_t to = (kept + PN_SHARE_BLOCK - 1) / PN_SHARE_BLOCK * PN_SHARE_BLOCK;
		if (from < p->shift || to > p->file_size) {
			from = p->truncate_at;
			to = kept;
		}
		memset(a->buf, 0, to - from);
		if (pn_pread_full(a->in, a->buf, p->truncate_at - from, from - p->shift) != 0)
			return pn_fail_errno(a->err, PKGNOTE_IO, errno, a->m->path, "cannot read the input");
		if (pn_pwrite_full(a->out, a->buf, to - from, from) != 0)
			return pn_fail_errno(a->err, PKGNOTE_IO, errno, a->m->path, "cannot write the output");
	} else if (ftruncate(a->out, (off_t)p->truncate_at) != 0) {
		return pn_fail_errno(a->err, PKGNOTE_IO, errno, a->m->path, "cannot resize the output");
	}
	return PKGNOTE_OK;
}

/*
 * The file's final size, once everything is written.  Usually the last
 * write (the section header table) has made it so already; an early
 * ftruncate to the larger size would cost more on XFS, which then writes
 * out the zeroed end of the old last block at once.
 */
static enum pkgnote_status settle_size(struct apply *a)
{
	struct stat st;
	if (a->ip != NULL)
		return PKGNOTE_OK;  /* the commit sets it */
	if (fstat(a->out, &st) != 0)
		return pn_fail_errno(a->err, PKGNOTE_IO, errno, a->m->path, "cannot stat the output");
	if ((uint64_t)st.st_size != a->p->file_size && ftruncate(a->out, (off_t)a->p->file_size) != 0)
		return pn_fail_errno(a->err, PKGNOTE_IO, errno, a->m->path, "cannot resize the output");
	return PKGNOTE_OK;
}

/* Stop at the first write the recorder refuses: the rest cannot help. */
static bool go_on(const struct apply *a, enum pkgnote_status r)
{
	return r == PKGNOTE_OK && (a->ip == NULL || pn_inplace_refusal(a->ip) == NULL);
}

static enum pkgnote_status apply(const struct pn_model *m, const struct pn_plan *p,
				 const unsigned char *note, int in_fd, int out_fd,
				 struct pn_inplace *ip, struct pkgnote_error *err)
{
	struct apply a = { .m = m, .p = p, .in = in_fd, .out = out_fd, .ip = ip, .err = err };
	a.buf = malloc(CHUNK);
	if (a.buf == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "applying the layout");
	if (ip != NULL)
		refuse_split_dynamic(&a);
	enum pkgnote_status r = PKGNOTE_OK;
	if (go_on(&a, r))
		r = cut(&a);
	for (size_t i = 0; i < p->nzero && go_on(&a, r); i++)
		r = clear(&a, p->zero[i].offset, p->zero[i].size);
	for (size_t i = 0; i < p->nmoves && go_on(&a, r); i++)
		r = copy_range(&a, p->moves[i].old_offset, p->moves[i].new_offset, p->moves[i].size);
	if (go_on(&a, r))
		r = write_at(&a, note, p->note_size, p->note_offset, "the note");
	if (go_on(&a, r) && !p->in_place)
		r = write_ehdr(&a);
	if (go_on(&a, r) && !p->in_place)
		r = write_phdrs(&a);
	if (go_on(&a, r))
		r = write_dynamic(&a);
	if (go_on(&a, r))
		r = write_shdrs(&a);
	if (go_on(&a, r))
		r = patch_symbols(&a);
	if (go_on(&a, r))
		r = settle_size(&a);
	free(a.buf);
	return r;
}

enum pkgnote_status pn_plan_apply(const struct pn_model *m, const struct pn_plan *p,
				  const unsigned char *note, int in_fd, int out_fd,
				  struct pkgnote_error *err)
{
	return apply(m, p, note, in_fd, out_fd, NULL, err);
}

enum pkgnote_status pn_plan_apply_in_place(const struct pn_model *m, const struct pn_plan *p,
					   const unsigned char *note, int fd,
					   struct pn_inplace *ip, struct pkgnote_error *err)
{
	return apply(m, p, note, fd, fd, ip, err);
}
