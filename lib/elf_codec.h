/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Class- and byte-order-neutral conversion of ELF records between their
 * GElf_* form and file bytes, for the few records pkgnote rewrites.  libelf
 * does the byte work (elf32/64_xlatetof); this only bridges 32-bit records.
 */
#ifndef PKGNOTE_ELF_CODEC_H
#define PKGNOTE_ELF_CODEC_H

#include <gelf.h>

/* Bytes of `count` records of `type` in a file of class `elf_class`. */
size_t pn_fsize(int elf_class, Elf_Type type, size_t count);

/* Encode `count` GElf records (GElf_Ehdr, GElf_Phdr, GElf_Shdr, GElf_Dyn or
 * GElf_Sym) into file bytes; 0 on success, -1 on a value that does not fit
 * a 32-bit file or a libelf failure. */
int pn_encode(int elf_class, int elf_data, Elf_Type type, const void *items,
	      size_t count, void *out);

/* Decode file bytes into `count` GElf records. */
int pn_decode(int elf_class, int elf_data, Elf_Type type, const void *in,
	      size_t count, void *items);

#endif
