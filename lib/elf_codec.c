/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf_codec.h"

size_t pn_fsize(int elf_class, Elf_Type type, size_t count)
{
	return elf_class == ELFCLASS64 ? elf64_fsize(type, count, EV_CURRENT)
				       : elf32_fsize(type, count, EV_CURRENT);
}

static size_t mem_size32(Elf_Type type)
{
	switch (type) {
	case ELF_T_EHDR: return sizeof(Elf32_Ehdr);
	case ELF_T_PHDR: return sizeof(Elf32_Phdr);
	case ELF_T_SHDR: return sizeof(Elf32_Shdr);
	case ELF_T_DYN: return sizeof(Elf32_Dyn);
	case ELF_T_SYM: return sizeof(Elf32_Sym);
	default: return 0;
	}
}

static size_t gelf_size(Elf_Type type)
{
	switch (type) {
	case ELF_T_EHDR: return sizeof(GElf_Ehdr);
	case ELF_T_PHDR: return sizeof(GElf_Phdr);
	case ELF_T_SHDR: return sizeof(GElf_Shdr);
	case ELF_T_DYN: return sizeof(GElf_Dyn);
	case ELF_T_SYM: return sizeof(GElf_Sym);
	default: return 0;
	}
}

#define FITS32(v) ((uint64_t)(v) <= UINT32_MAX)

/* GElf record -> Elf32 record; -1 when a value needs more than 32 bits. */
static int narrow(Elf_Type type, const void *g, void *n)
{
	switch (type) {
	case ELF_T_EHDR: {
		const GElf_Ehdr *s = g;
		Elf32_Ehdr *d = n;
		if (!FITS32(s->e_entry) || !FITS32(s->e_phoff) || !FITS32(s->e_shoff))
			return -1;
		memcpy(d->e_ident, s->e_ident, EI_NIDENT);
		d->e_type = s->e_type, d->e_machine = s->e_machine, d->e_version = s->e_version;
		d->e_entry = (Elf32_Addr)s->e_entry, d->e_phoff = (Elf32_Off)s->e_phoff;
		d->e_shoff = (Elf32_Off)s->e_shoff, d->e_flags = s->e_flags;
		d->e_ehsize = s->e_ehsize, d->e_phentsize = s->e_phentsize, d->e_phnum = s->e_phnum;
		d->e_shentsize = s->e_shentsize, d->e_shnum = s->e_shnum, d->e_shstrndx = s->e_shstrndx;
		return 0;
	}
	case ELF_T_PHDR: {
		const GElf_Phdr *s = g;
		Elf32_Phdr *d = n;
		if (!FITS32(s->p_offset) || !FITS32(s->p_vaddr) || !FITS32(s->p_paddr) ||
		    !FITS32(s->p_filesz) || !FITS32(s->p_memsz) || !FITS32(s->p_align))
			return -1;
		*d = (Elf32_Phdr){ s->p_type, (Elf32_Off)s->p_offset, (Elf32_Addr)s->p_vaddr,
				   (Elf32_Addr)s->p_paddr, (Elf32_Word)s->p_filesz,
				   (Elf32_Word)s->p_memsz, s->p_flags, (Elf32_Word)s->p_align };
		return 0;
	}
	case ELF_T_SHDR: {
		const GElf_Shdr *s = g;
		Elf32_Shdr *d = n;
		if (!FITS32(s->sh_flags) || !FITS32(s->sh_addr) || !FITS32(s->sh_offset) ||
		    !FITS32(s->sh_size) || !FITS32(s->sh_addralign) || !FITS32(s->sh_entsize))
			return -1;
		*d = (Elf32_Shdr){ s->sh_name, s->sh_type, (Elf32_Word)s->sh_flags,
				   (Elf32_Addr)s->sh_addr, (Elf32_Off)s->sh_offset,
				   (Elf32_Word)s->sh_size, s->sh_link, s->sh_info,
				   (Elf32_Word)s->sh_addralign, (Elf32_Word)s->sh_entsize };
		return 0;
	}
	case ELF_T_DYN: {
		const GElf_Dyn *s = g;
		Elf32_Dyn *d = n;
		if (s->d_tag < INT32_MIN || s->d_tag > INT32_MAX || !FITS32(s->d_un.d_val))
			return -1;
		d->d_tag = (Elf32_Sword)s->d_tag;
		d->d_un.d_val = (Elf32_Word)s->d_un.d_val;
		return 0;
	}
	case ELF_T_SYM: {
		const GElf_Sym *s = g;
		Elf32_Sym *d = n;
		if (!FITS32(s->st_value) || !FITS32(s->st_size))
			return -1;
		*d = (Elf32_Sym){ s->st_name, (Elf32_Addr)s->st_value, (Elf32_Word)s->st_size,
				  s->st_info, s->st_other, s->st_shndx };
		return 0;
	}
	default:
		return -1;
	}
}

static void widen(Elf_Type type, const void *n, void *g)
{
	switch (type) {
	case ELF_T_EHDR: {
		const Elf32_Ehdr *s = n;
		GElf_Ehdr *d = g;
		memcpy(d->e_ident, s->e_ident, EI_NIDENT);
		d->e_type = s->e_type, d->e_machine = s->e_machine, d->e_version = s->e_version;
		d->e_entry = s->e_entry, d->e_phoff = s->e_phoff, d->e_shoff = s->e_shoff;
		d->e_flags = s->e_flags, d->e_ehsize = s->e_ehsize;
		d->e_phentsize = s->e_phentsize, d->e_phnum = s->e_phnum;
		d->e_shentsize = s->e_shentsize, d->e_shnum = s->e_shnum, d->e_shstrndx = s->e_shstrndx;
		break;
	}
	case ELF_T_PHDR: {
		const Elf32_Phdr *s = n;
		*(GElf_Phdr *)g = (GElf_Phdr){ s->p_type, s->p_flags, s->p_offset, s->p_vaddr,
					       s->p_paddr, s->p_filesz, s->p_memsz, s->p_align };
		break;
	}
	case ELF_T_SHDR: {
		const Elf32_Shdr *s = n;
		*(GElf_Shdr *)g = (GElf_Shdr){ s->sh_name, s->sh_type, s->sh_flags, s->sh_addr,
					       s->sh_offset, s->sh_size, s->sh_link, s->sh_info,
					       s->sh_addralign, s->sh_entsize };
		break;
	}
	case ELF_T_DYN: {
		const Elf32_Dyn *s = n;
		GElf_Dyn *d = g;
		d->d_tag = s->d_tag;
		d->d_un.d_val = s->d_un.d_val;
		break;
	}
	case ELF_T_SYM: {
		const Elf32_Sym *s = n;
		*(GElf_Sym *)g = (GElf_Sym){ s->st_name, s->st_info, s->st_other, s->st_shndx,
					     s->st_value, s->st_size };
		break;
	}
	default:
		break;
	}
}

int pn_encode(int elf_class, int elf_data, Elf_Type type, const void *items,
	      size_t count, void *out)
{
	size_t fsize = pn_fsize(elf_class, type, count);
	Elf_Data dst = { .d_buf = out, .d_type = type, .d_size = fsize, .d_version = EV_CURRENT };
	if (elf_class == ELFCLASS64) {
		Elf_Data src = { .d_buf = (void *)items, .d_type = type,
				 .d_size = gelf_size(type) * count, .d_version = EV_CURRENT };
		return elf64_xlatetof(&dst, &src, (unsigned)elf_data) ? 0 : -1;
	}
	size_t msize = mem_size32(type);
	unsigned char *tmp = malloc(msize * (count ? count : 1));
	if (tmp == NULL)
		return -1;
	int r = 0;
	for (size_t i = 0; i < count && r == 0; i++)
		r = narrow(type, (const char *)items + i * gelf_size(type), tmp + i * msize);
	Elf_Data src = { .d_buf = tmp, .d_type = type, .d_size = msize * count, .d_version = EV_CURRENT };
	if (r == 0 && elf32_xlatetof(&dst, &src, (unsigned)elf_data) == NULL)
		r = -1;
	free(tmp);
	return r;
}

int pn_decode(int elf_class, int elf_data, Elf_Type type, const void *in,
	      size_t count, void *items)
{
	size_t fsize = pn_fsize(elf_class, type, count);
	Elf_Data src = { .d_buf = (void *)in, .d_type = type, .d_size = fsize, .d_version = EV_CURRENT };
	if (elf_class == ELFCLASS64) {
		Elf_Data dst = { .d_buf = items, .d_type = type,
				 .d_size = gelf_size(type) * count, .d_version = EV_CURRENT };
		return elf64_xlatetom(&dst, &src, (unsigned)elf_data) ? 0 : -1;
	}
	size_t msize = mem_size32(type);
	unsigned char *tmp = malloc(msize * (count ? count : 1));
	if (tmp == NULL)
		return -1;
	Elf_Data dst = { .d_buf = tmp, .d_type = type, .d_size = msize * count, .d_version = EV_CURRENT };
	int r = elf32_xlatetom(&dst, &src, (unsigned)elf_data) ? 0 : -1;
	for (size_t i = 0; i < count && r == 0; i++)
		widen(type, tmp + i * msize, (char *)items + i * gelf_size(type));
	free(tmp);
	return r;
}
