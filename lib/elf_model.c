/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Read an ELF file into a struct pn_model.  libelf is opened with ELF_C_READ
 * so that it reads lazily through the descriptor: only the headers, the
 * section name table, the dynamic table and the note segments are read,
 * whatever the size of the file.
 */
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_codec.h"
#include "elf_model.h"
#include "error.h"
#include "io_util.h"
#include "note_codec.h"

/* Notes, dynamic tables and name tables larger than this are not ones any
 * linker writes; refusing them bounds memory on hostile input. */
#define MAX_META_TABLE (1024 * 1024)

void pn_model_free(struct pn_model *m)
{
	free(m->phdrs);
	free(m->shdrs);
	free(m->shstr);
	free(m->dyn);
	free(m->head);
	pn_space_free(&m->pins);
	pn_space_free(&m->labelled);
	memset(m, 0, sizeof *m);
}

static bool range_in_file(const struct pn_model *m, uint64_t off, uint64_t size)
{
	return off <= m->file_size && size <= m->file_size - off;
}

static enum pkgnote_status read_header(Elf *elf, struct pn_model *m, struct pkgnote_error *err)
{
	GElf_Ehdr eh;
	if (gelf_getehdr(elf, &eh) == NULL)
		return pn_fail_elf(err, PKGNOTE_BAD_ELF, m->path, "cannot read the ELF header");
	m->elf_class = eh.e_ident[EI_CLASS];
	m->elf_data = eh.e_ident[EI_DATA];
	m->e_type = eh.e_type;
	m->e_machine = eh.e_machine;
	m->ehsize = eh.e_ehsize;
	m->phoff = eh.e_phoff;
	m->phnum = eh.e_phnum; /* as the header says; libelf clamps to the file */
	m->shnum = eh.e_shnum;
	m->phentsize = eh.e_phentsize;
	m->shoff = eh.e_shoff;
	m->shentsize = eh.e_shentsize;

	if (m->elf_class != ELFCLASS32 && m->elf_class != ELFCLASS64)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "unknown ELF class %d", m->elf_class);
	if (m->elf_data != ELFDATA2LSB && m->elf_data != ELFDATA2MSB)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "unknown ELF byte order %d", m->elf_data);
	switch (m->e_type) {
	case ET_EXEC:
	case ET_DYN:
		break;
	case ET_REL:
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
			       "relocatable object: only linked executables and shared libraries can be stamped");
	case ET_CORE:
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "core file: only linked executables and shared libraries can be stamped");
	default:
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "unsupported ELF type %u", m->e_type);
	}
	size_t ehsize = m->elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (m->ehsize != ehsize)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "ELF header size %" PRIu64 " is not %zu",
			       m->ehsize, ehsize);
	return PKGNOTE_OK;
}

static enum pkgnote_status read_phdrs(Elf *elf, struct pn_model *m, struct pkgnote_error *err)
{
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0)
		return pn_fail_elf(err, PKGNOTE_BAD_ELF, m->path, "cannot read the program header count");
	if (m->phnum != PN_XNUM && m->phnum > phnum)
		phnum = m->phnum;
	if (phnum == 0)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
			       "no program headers: not a loadable executable or shared library");
	size_t entsize = m->elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (m->phentsize != entsize)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "program header size %" PRIu64 " is not %zu",
			       m->phentsize, entsize);
	if (phnum >= 0xffff || !range_in_file(m, m->phoff, (uint64_t)phnum * entsize))
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
			       "program header table (%zu entries at offset 0x%" PRIx64 ") lies outside the file",
			       phnum, m->phoff);
	m->phdrs = calloc(phnum, sizeof *m->phdrs);
	if (m->phdrs == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading program headers");
	m->phnum = phnum;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) == NULL)
			return pn_fail_elf(err, PKGNOTE_BAD_ELF, m->path, "cannot read program header %zu", i);
		struct pn_segment *s = &m->phdrs[i];
		*s = (struct pn_segment){ .type = ph.p_type, .flags = ph.p_flags, .offset = ph.p_offset,
					  .vaddr = ph.p_vaddr, .paddr = ph.p_paddr, .filesz = ph.p_filesz,
					  .memsz = ph.p_memsz, .align = ph.p_align };
		if (s->filesz > 0 && !range_in_file(m, s->offset, s->filesz))
			return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
				       "segment %zu (offset 0x%" PRIx64 ", size 0x%" PRIx64 ") extends past the end of the file",
				       i, s->offset, s->filesz);
		if (s->type == PT_LOAD && s->memsz < s->filesz)
			return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
				       "segment %zu has a memory size smaller than its file size", i);
	}
	return PKGNOTE_OK;
}

/* What the loader relies on, and the planner too: loadable segments in
 * address order, apart, not wrapping, with a power-of-two alignment that
 * their offsets and addresses agree with. */
static enum pkgnote_status check_loads(const struct pn_model *m, struct pkgnote_error *err)
{
	const struct pn_segment *prev = NULL;
	uint64_t top = m->elf_class == ELFCLASS64 ? UINT64_MAX : UINT32_MAX;
	for (size_t i = 0; i < m->phnum; i++) {
		const struct pn_segment *s = &m->phdrs[i];
		if (s->type != PT_LOAD)
			continue;
		if (s->align > 1 && ((s->align & (s->align - 1)) || s->align > (1ULL << 30)))
			return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
				       "segment %zu has an invalid alignment 0x%" PRIx64, i, s->align);
		if (s->align > 1 && s->offset % s->align != s->vaddr % s->align)
			return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
				       "segment %zu: offset and address disagree modulo its alignment", i);
		if (s->vaddr > top || s->memsz > top - s->vaddr)
			return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
				       "segment %zu wraps around the address space", i);
		if (prev != NULL && s->vaddr < prev->vaddr + prev->memsz)
			return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
				       "loadable segments overlap or are not in address order (segment %zu)", i);
		/* Two segments in one page must map it alike, or the second
		 * mapping changes what the first one maps. */
		if (prev != NULL && s->vaddr / 4096 <= (prev->vaddr + prev->memsz - 1) / 4096 &&
		    prev->memsz > 0 &&
		    (s->flags != prev->flags || s->vaddr - s->offset != prev->vaddr - prev->offset))
			return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
				       "loadable segments %zu and the one before share a page with different mappings", i);
		prev = s;
	}
	return PKGNOTE_OK;
}

static enum pkgnote_status read_shdrs(Elf *elf, struct pn_model *m, struct pkgnote_error *err)
{
	size_t shnum, shstrndx, said = m->shnum;
	m->shnum = 0;
	if (elf_getshdrnum(elf, &shnum) != 0)
		return pn_fail_elf(err, PKGNOTE_BAD_ELF, m->path, "cannot read the section header count");
	/* libelf trims the count to what the file holds; the header's own
	 * count (unless extended, 0) is what must fit. */
	if (said != 0 && said > shnum)
		shnum = said;
	/* Extended numbering: the count is section 0's sh_size, read raw, since
	 * libelf trims that too. */
	size_t es0 = m->elf_class == ELFCLASS64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	unsigned char raw0[sizeof(Elf64_Shdr)];
	GElf_Shdr sh0;
	if (said == 0 && m->shoff != 0 && range_in_file(m, m->shoff, es0) &&
	    pn_pread_full(m->fd, raw0, es0, m->shoff) == 0 &&
	    pn_decode(m->elf_class, m->elf_data, ELF_T_SHDR, raw0, 1, &sh0) == 0 &&
	    sh0.sh_size > shnum)
		shnum = sh0.sh_size > SIZE_MAX ? SIZE_MAX : (size_t)sh0.sh_size;
	if (m->shoff == 0 || shnum == 0)
		return PKGNOTE_OK; /* stripped of section headers: segments alone describe it */
	size_t entsize = m->elf_class == ELFCLASS64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (m->shentsize != entsize)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "section header size %" PRIu64 " is not %zu",
			       m->shentsize, entsize);
	if (shnum > 0x100000 || !range_in_file(m, m->shoff, (uint64_t)shnum * entsize))
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
			       "section header table (%zu entries at offset 0x%" PRIx64 ") lies outside the file",
			       shnum, m->shoff);
	if (elf_getshdrstrndx(elf, &shstrndx) != 0 || shstrndx >= shnum)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "section name table index is invalid");
	m->shdrs = calloc(shnum, sizeof *m->shdrs);
	if (m->shdrs == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading section headers");
	m->shnum = shnum;
	m->shstrndx = shstrndx;
	for (size_t i = 0; i < shnum; i++) {
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(elf, i);
		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
			return pn_fail_elf(err, PKGNOTE_BAD_ELF, m->path, "cannot read section header %zu", i);
		m->shdrs[i] = (struct pn_section){ .name_off = sh.sh_name, .type = sh.sh_type,
			.flags = sh.sh_flags, .addr = sh.sh_addr, .offset = sh.sh_offset,
			.size = sh.sh_size, .addralign = sh.sh_addralign, .entsize = sh.sh_entsize,
			.link = sh.sh_link, .info = sh.sh_info };
		if (i > 0 && sh.sh_type != SHT_NOBITS && sh.sh_size > 0 &&
		    !range_in_file(m, sh.sh_offset, sh.sh_size))
			return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
				       "section %zu (offset 0x%" PRIx64 ", size 0x%" PRIx64 ") extends past the end of the file",
				       i, (uint64_t)sh.sh_offset, (uint64_t)sh.sh_size);
	}

	const struct pn_section *strs = &m->shdrs[shstrndx];
	if (strs->type != SHT_STRTAB || strs->size == 0 || strs->size > MAX_META_TABLE)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "section name table is invalid");
	m->shstr = malloc(strs->size + 1);
	if (m->shstr == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading section names");
	if (pn_pread_full(m->fd, m->shstr, strs->size, strs->offset) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, m->path, "cannot read the section name table");
	m->shstr[strs->size] = '\0';
	m->shstr_size = strs->size;
	for (size_t i = 0; i < shnum; i++)
		m->shdrs[i].name = m->shdrs[i].name_off < m->shstr_size ? m->shstr + m->shdrs[i].name_off : "";
	return PKGNOTE_OK;
}

static enum pkgnote_status read_dynamic(Elf *elf, struct pn_model *m, struct pkgnote_error *err)
{
	const struct pn_segment *dyn = NULL;
	for (size_t i = 0; i < m->phnum; i++)
		if (m->phdrs[i].type == PT_DYNAMIC)
			dyn = &m->phdrs[i];
	if (dyn == NULL || dyn->filesz == 0)
		return PKGNOTE_OK;
	if (dyn->filesz > MAX_META_TABLE)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path, "dynamic segment is implausibly large");

	size_t entsize = pn_fsize(m->elf_class, ELF_T_DYN, 1);
	size_t count = dyn->filesz / entsize;
	void *raw = malloc(dyn->filesz);
	GElf_Dyn *ents = calloc(count ? count : 1, sizeof *ents);
	m->dyn = calloc(count ? count : 1, sizeof *m->dyn);
	enum pkgnote_status r = PKGNOTE_OK;
	if (raw == NULL || ents == NULL || m->dyn == NULL) {
		r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading the dynamic table");
		goto out;
	}
	if (pn_pread_full(m->fd, raw, count * entsize, dyn->offset) != 0) {
		r = pn_fail_errno(err, PKGNOTE_IO, errno, m->path, "cannot read the dynamic table");
		goto out;
	}
	/* pn_decode widens 32-bit entries; gelf_xlatetom would not. */
	if (pn_decode(m->elf_class, m->elf_data, ELF_T_DYN, raw, count, ents) != 0) {
		r = pn_fail_elf(err, PKGNOTE_BAD_ELF, m->path, "cannot decode the dynamic table");
		goto out;
	}
	m->dyn_offset = dyn->offset;
	for (size_t i = 0; i < count; i++) {
		if (ents[i].d_tag == DT_NULL)
			break;
		m->dyn[m->ndyn++] = (struct pn_dyn){ .tag = ents[i].d_tag, .val = ents[i].d_un.d_val };
	}
out:
	free(raw);
	free(ents);
	return r;
}

/* Record one package note found at file offset `off`; a second one is an
 * error, since replacing one would leave the other behind. */
static enum pkgnote_status note_found(struct pn_model *m, uint64_t off, uint64_t size,
				      int segment, struct pkgnote_error *err)
{
	struct pn_old_note *o = &m->old_note;
	if (o->present && o->offset != off)
		return pn_fail(err, PKGNOTE_BAD_ELF, m->path,
			       "carries two package notes (at 0x%" PRIx64 " and 0x%" PRIx64 ")", o->offset, off);
	o->present = true;
	o->offset = off;
	o->record_size = size;
	if (segment >= 0)
		o->segment = segment;
	return PKGNOTE_OK;
}

/* Walk the notes of one area of the file and report package notes. */
static enum pkgnote_status scan_notes(struct pn_model *m, uint64_t off, uint64_t size,
				      int segment, struct pkgnote_error *err)
{
	if (size == 0 || size > MAX_META_TABLE)
		return PKGNOTE_OK;
	unsigned char *buf = malloc(size);
	if (buf == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading notes");
	enum pkgnote_status r = PKGNOTE_OK;
	if (pn_pread_full(m->fd, buf, size, off) != 0) {
		r = pn_fail_errno(err, PKGNOTE_IO, errno, m->path, "cannot read notes");
		goto out;
	}
	for (uint64_t pos = 0; pos < size && r == PKGNOTE_OK;) {
		struct pn_note_view n;
		if (pn_note_parse(buf + pos, size - pos, m->elf_data, 4, &n) != 0) {
			/* A package note whose sizes run past its area would hide
			 * the note pkgnote writes after it: refuse the file. */
			if (size - pos >= 12 &&
			    pn_note_type_at(buf + pos, m->elf_data) == PKGNOTE_NOTE_TYPE)
				r = pn_fail(err, PKGNOTE_BAD_ELF, m->path,
					    "malformed package note at 0x%" PRIx64 " (its sizes run past its area)",
					    off + pos);
			break;
		}
		if (pn_note_is_package(&n))
			r = note_found(m, off + pos, n.record_size, segment, err);
		pos += n.record_size;
	}
out:
	free(buf);
	return r;
}

static enum pkgnote_status find_old_note(struct pn_model *m, struct pkgnote_error *err)
{
	m->old_note.segment = -1;
	enum pkgnote_status r = PKGNOTE_OK;
	for (size_t i = 0; i < m->phnum && r == PKGNOTE_OK; i++) {
		const struct pn_segment *s = &m->phdrs[i];
		if (s->type != PT_NOTE)
			continue;
		/* A package note is 4-aligned by definition, and some linkers
		 * (mold) put 4-aligned notes in an 8-aligned PT_NOTE; the GNU
		 * notes that need 8 parse the same way with 4. */
		r = scan_notes(m, s->offset, s->filesz, (int)i, err);
	}
	/* A note section in no segment (objcopy --add-section) counts too. */
	for (size_t i = 1; i < m->shnum && r == PKGNOTE_OK; i++) {
		const struct pn_section *s = &m->shdrs[i];
		if (s->type != SHT_NOTE)
			continue;
		r = scan_notes(m, s->offset, s->size, -1, err);
		if (r == PKGNOTE_OK && m->old_note.present && m->old_note.offset >= s->offset &&
		    m->old_note.offset < s->offset + s->size && strcmp(s->name, PKGNOTE_SECTION_NAME) == 0)
			m->old_note.section = i;
	}
	return r;
}

enum pkgnote_status pn_model_read_head(struct pn_model *m, struct pkgnote_error *err)
{
	m->head_size = m->file_size < PN_HEAD_MAX ? m->file_size : PN_HEAD_MAX;
	m->head = malloc(m->head_size ? m->head_size : 1);
	if (m->head == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading the first page");
	if (pn_pread_full(m->fd, m->head, m->head_size, 0) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, m->path, "cannot read the first page");
	return PKGNOTE_OK;
}

enum pkgnote_status pn_model_read(int fd, const char *path, uint64_t file_size,
				  struct pn_model *m, struct pkgnote_error *err)
{
	memset(m, 0, sizeof *m);
	m->path = path;
	m->fd = fd;
	m->file_size = file_size;
	m->old_note.segment = -1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return pn_fail_elf(err, PKGNOTE_IO, path, "libelf is unusable");
	unsigned char ident[EI_NIDENT];
	if (file_size < EI_NIDENT || pn_pread_full(fd, ident, EI_NIDENT, 0) != 0 ||
	    memcmp(ident, ELFMAG, SELFMAG) != 0)
		return pn_fail(err, PKGNOTE_BAD_ELF, path, "not an ELF file");
	uint64_t min = ident[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (file_size < min)
		return pn_fail(err, PKGNOTE_BAD_ELF, path, "truncated ELF file (%" PRIu64 " bytes)", file_size);

	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf == NULL)
		return pn_fail_elf(err, PKGNOTE_BAD_ELF, path, "cannot open as ELF");
	enum pkgnote_status r = PKGNOTE_OK;
	if (elf_kind(elf) != ELF_K_ELF)
		r = pn_fail(err, PKGNOTE_BAD_ELF, path, "not an ELF file");
	if (r == PKGNOTE_OK)
		r = read_header(elf, m, err);
	if (r == PKGNOTE_OK)
		r = read_phdrs(elf, m, err);
	if (r == PKGNOTE_OK)
		r = check_loads(m, err);
	if (r == PKGNOTE_OK)
		r = read_shdrs(elf, m, err);
	if (r == PKGNOTE_OK)
		r = read_dynamic(elf, m, err);
	if (r == PKGNOTE_OK)
		r = find_old_note(m, err);
	elf_end(elf);
	if (r != PKGNOTE_OK)
		pn_model_free(m);
	return r;
}
