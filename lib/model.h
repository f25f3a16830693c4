/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ELF model: the facts about a file that the layout planner needs, as
 * plain data.  elf_model.c fills it from a file; unit tests build it by hand.
 */
#ifndef PKGNOTE_MODEL_H
#define PKGNOTE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "free_space.h"

struct pn_segment {
	uint32_t type;
	uint32_t flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct pn_section {
	const char *name;            /* points into the model's string copy */
	uint32_t name_off;
	uint32_t type;
	uint64_t flags, addr, offset, size, addralign, entsize;
	uint32_t link, info;
};

struct pn_dyn {
	int64_t tag;
	uint64_t val;
};

/* A package note already present in the file. */
struct pn_old_note {
	bool present;
	uint64_t offset;             /* file offset of the record */
	uint64_t record_size;        /* with padding */
	size_t section;              /* its section index, 0 if none */
	int segment;                 /* PT_NOTE index holding it, -1 if none */
};

/* Bytes of the file start kept in the model: enough for page 1 and the
 * slack of the first segment that the planner may use. */
#define PN_HEAD_MAX (256 * 1024)

struct pn_model {
	const char *path;            /* for messages */
	int fd;                      /* the input, for later passes; -1 in tests */
	int elf_class;               /* ELFCLASS32 / ELFCLASS64 */
	int elf_data;                /* ELFDATA2LSB / ELFDATA2MSB */
	uint16_t e_type, e_machine;
	uint64_t file_size;

	uint64_t ehsize;
	uint64_t phoff, phentsize;
	size_t phnum;
	struct pn_segment *phdrs;

	uint64_t shoff, shentsize;
	size_t shnum;                /* 0: no section header table */
	size_t shstrndx;
	struct pn_section *shdrs;
	char *shstr;                 /* copy of the section name table */
	size_t shstr_size;

	struct pn_dyn *dyn;          /* from PT_DYNAMIC, up to DT_NULL */
	size_t ndyn;
	uint64_t dyn_offset;         /* file offset of the dynamic table */

	struct pn_old_note old_note;

	unsigned char *head;         /* the first head_size bytes (pn_model_read_head) */
	uint64_t head_size;

	/* Addresses of the segment mapping the file start that symbols and
	 * relocations name (pn_model_read_pins): blocks holding them stay. */
	struct pn_space pins;
	/* Note sections there that a local symbol labels (crt1.o's __abi_tag):
	 * they may move, the symbol with them, but that rewrites the symbol
	 * table outside page 1, which an in-place stamp cannot do. */
	struct pn_space labelled;
};

void pn_model_free(struct pn_model *m);

/* first_load.c: the index of L0, the PT_LOAD that maps the start of the
 * file (offset 0, with file bytes), the lowest one if several do; -1 when
 * none does. */
ptrdiff_t pn_first_load(const struct pn_segment *ph, size_t n);

/* The package note the file carries lies where pkgnote puts one: described
 * by a PT_NOTE, inside L0 and within the first `page` bytes. */
bool pn_old_note_in_page1(const struct pn_model *m, uint64_t page);

/* That note's record can be overwritten by one of `record_size` bytes and
 * stay where the rules want it (anywhere in a PT_NOTE when
 * allow_outside_page). */
bool pn_old_note_reusable(const struct pn_model *m, uint64_t record_size, uint64_t page,
			  bool allow_outside_page);

/* model_extent.c: the end of the section header table (0 without one), and
 * the end of the last byte that any header or section describes: the ELF
 * header, the program header table, every segment's and every section's
 * file bytes (not SHT_NOBITS), the section header table. */
uint64_t pn_model_sht_end(const struct pn_model *m);
uint64_t pn_model_described_end(const struct pn_model *m);

/* Bytes past the described end: trailing data, an appended payload that
 * must keep its offset and its distance from the end of the file, and
 * whose finder may count from the end of the section header table. */
struct pn_trailing {
	uint64_t offset, size;       /* [offset, offset + size): to the file's end */
	uint64_t sht_end;            /* must stay the end of the section header table */
};

/* Fill *t; true when the file has trailing data. */
bool pn_model_trailing(const struct pn_model *m, struct pn_trailing *t);

#endif
