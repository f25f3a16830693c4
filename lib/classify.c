/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a file of a build root is, by its content: batch mode stamps ELF
 * executables and shared libraries and passes over everything else, saying
 * why for ELF files it leaves alone.
 */
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "elf_codec.h"
#include "file_commit.h"
#include "io_util.h"
#include "pkgnote.h"

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
	else
		kind = PKGNOTE_KIND_STAMPABLE;
out:
	close(fd);
	return kind;
}
