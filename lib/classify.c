/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a file of a build root is, by its content: batch mode stamps ELF
 * executables and shared libraries and passes over everything else, saying
 * why for ELF files it leaves alone.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "elf_codec.h"
#include "elf_model.h"
#include "file_commit.h"
#include "io_util.h"
#include "pkgnote.h"

#ifndef PT_GNU_PROPERTY
#define PT_GNU_PROPERTY 0x6474e553
#endif

/*
 * UPX writes its loader's l_info record (a checksum, the magic "UPX!", the
 * loader's size, version and format) right after the program header table,
 * in the first loadable page; the packed program follows.  The process the
 * kernel dumps is the unpacked program, which the note would not describe,
 * and `upx -t`, `upx -d` find the packed data by offsets the planner would
 * shift.
 */
static bool upx_packed(const struct pn_model *m)
{
	uint64_t at = m->phoff + (uint64_t)m->phnum * m->phentsize + 4;
	return at + 4 <= m->head_size && memcmp(m->head + at, "UPX!", 4) == 0;
}

/*
 * A program for an operating system's loader carries at least one sign of
 * it: an interpreter, a dynamic table, thread-local storage, or one of the
 * GNU segments that Linux toolchains always add (PT_GNU_STACK comes with
 * every object gcc, clang, Go, Free Pascal or rustc writes) or a shared
 * object's type.  An ET_EXEC with none of them is a bare-metal image
 * (firmware whose first segment holds the ELF headers); a note would change
 * what is flashed, and nothing would ever dump it.  A program written in
 * assembler and linked without -z noexecstack has none of them either and
 * is refused the same way.
 */
static bool for_a_loader(const struct pn_model *m)
{
	if (m->e_type != ET_EXEC)
		return true;
	for (size_t i = 0; i < m->phnum; i++)
		switch (m->phdrs[i].type) {
		case PT_INTERP: case PT_DYNAMIC: case PT_TLS: case PT_GNU_STACK:
		case PT_GNU_RELRO: case PT_GNU_EH_FRAME: case PT_GNU_PROPERTY:
			return true;
		default:
			break;
		}
	return false;
}

const char *pn_refusal(const struct pn_model *m)
{
	if (upx_packed(m))
		return "packed by UPX: the note would describe the unpacker, not the program it unpacks, "
		       "and upx could no longer test or unpack the file; stamp the program before packing it";
	if (!for_a_loader(m))
		return "not for an operating system's loader (no PT_INTERP, PT_DYNAMIC, PT_TLS or PT_GNU_* "
		       "segment: bare-metal firmware?); a note would change the loaded image";
	return NULL;
}

/* Separate debug files keep their program headers, but their loadable
 * bytes are gone: objcopy --only-keep-debug makes the sections NOBITS, so
 * the segments are empty or reach past the end of the (small) file. */
static bool loads_nothing(int fd, const GElf_Ehdr *eh, int cls, int data)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return false;
	size_t es = pn_fsize(cls, ELF_T_PHDR, 1);
	if (eh->e_phentsize != es || eh->e_phnum == 0 || eh->e_phnum == PN_XNUM)
		return false;
	unsigned char raw[64];
	for (size_t i = 0; i < eh->e_phnum; i++) {
		GElf_Phdr ph;
		if (pn_pread_full(fd, raw, es, eh->e_phoff + i * es) != 0 ||
		    pn_decode(cls, data, ELF_T_PHDR, raw, 1, &ph) != 0)
			return false;
		if (ph.p_type == PT_LOAD && ph.p_filesz > 0 &&
		    ph.p_offset + ph.p_filesz <= (uint64_t)st.st_size)
			return false;
	}
	return true;
}

/* The other sign: every allocated section but the notes is NOBITS. */
static bool sections_empty(int fd, const GElf_Ehdr *eh, int cls, int data)
{
	size_t es = pn_fsize(cls, ELF_T_SHDR, 1);
	if (eh->e_shentsize != es || eh->e_shnum == 0 || eh->e_shoff == 0)
		return false;
	unsigned char raw[64];
	bool alloc_nobits = false;
	for (size_t i = 1; i < eh->e_shnum; i++) {
		GElf_Shdr sh;
		if (pn_pread_full(fd, raw, es, eh->e_shoff + i * es) != 0 ||
		    pn_decode(cls, data, ELF_T_SHDR, raw, 1, &sh) != 0)
			return false;
		if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0 || sh.sh_type == SHT_NOTE)
			continue;
		if (sh.sh_type != SHT_NOBITS)
			return false;
		alloc_nobits = true;
	}
	return alloc_nobits;
}

/* pn_refusal on the file open on fd; a file that cannot be read as a model
 * is left for stamping to report. */
static const char *refusal_of(int fd, const char *path)
{
	struct stat st;
	struct pn_model m;
	struct pkgnote_error err;
	if (fstat(fd, &st) != 0 || pn_model_read(fd, path, (uint64_t)st.st_size, &m, &err) != PKGNOTE_OK)
		return NULL;
	const char *why = NULL;
	m.head_size = m.file_size < PKGNOTE_DEFAULT_PAGE_SIZE ? m.file_size : PKGNOTE_DEFAULT_PAGE_SIZE;
	m.head = malloc(m.head_size ? m.head_size : 1);
	if (m.head != NULL && pn_pread_full(fd, m.head, m.head_size, 0) == 0)
		why = pn_refusal(&m);
	pn_model_free(&m);
	return why;
}

enum pkgnote_kind pkgnote_classify(const char *path, const char **reason)
{
	*reason = NULL;
	if (pn_is_tmp_name(path)) {
		*reason = "temporary file of an interrupted pkgnote run";
		return PKGNOTE_KIND_SKIP;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return PKGNOTE_KIND_NOT_ELF;
	unsigned char h[64] = { 0 };
	ssize_t n = pread(fd, h, sizeof h, 0);
	enum pkgnote_kind kind = PKGNOTE_KIND_NOT_ELF;
	if (n >= 8 && memcmp(h, "!<arch>\n", 8) == 0) {
		kind = PKGNOTE_KIND_SKIP;
		*reason = "static archive";
		goto out;
	}
	if (n < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG) != 0)
		goto out;
	int cls = h[EI_CLASS], data = h[EI_DATA];
	GElf_Ehdr eh;
	if ((cls != ELFCLASS32 && cls != ELFCLASS64) || (data != ELFDATA2LSB && data != ELFDATA2MSB) ||
	    (size_t)n < pn_fsize(cls, ELF_T_EHDR, 1) ||
	    pn_decode(cls, data, ELF_T_EHDR, h, 1, &eh) != 0) {
		/* Broken ELF: let stamping say what is wrong with it. */
		kind = PKGNOTE_KIND_STAMPABLE;
		goto out;
	}
	kind = PKGNOTE_KIND_SKIP;
	if (eh.e_type == ET_REL)
		*reason = "relocatable object (or kernel module)";
	else if (eh.e_type == ET_CORE)
		*reason = "core file";
	else if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		*reason = "not an executable or shared library";
	else if (eh.e_phnum == 0)
		*reason = "no program headers";
	else if (strstr(path, "/usr/lib/debug/") != NULL || loads_nothing(fd, &eh, cls, data) ||
		 sections_empty(fd, &eh, cls, data))
		*reason = "separate debug file";
	else if ((*reason = refusal_of(fd, path)) == NULL)
		kind = PKGNOTE_KIND_STAMPABLE;
out:
	close(fd);
	return kind;
}
