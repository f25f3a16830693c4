/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_PKGSRC_ELF_RECORD_H
#define PKGNOTE_PKGSRC_ELF_RECORD_H

#include <gelf.h>
#include <stdint.h>

#include "pkgdb.h"
#include "pkgsrc.h"

/*
 * What the build-info sources (go.c, cargo.c) share: finding and reading
 * a record inside an ELF file with bounded reads, and keeping the packages
 * they name until the source is closed.
 */

/* The open() and close() of a build-info source: its state is the root
 * and the packages named so far. */
int elf_record_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why,
		    size_t whylen);
void elf_record_close(struct pkgsrc *src);

/* What a source reads from one file: 1 with *NAME and *VERSION
 * (malloc'ed), 0 when the file carries no such record, -1 with a one-line
 * reason in WHY (the record is there but cannot be trusted). */
typedef int elf_record_reader(Elf *elf, int fd, char **name, char **version,
			      char *why, size_t whylen);

/* The owner() of a build-info source: FD's record read by READ, named as
 * a package of TYPE; NULL when it has none, with a warning when it is bad. */
const struct pkgdb_package *elf_record_owner(struct pkgsrc *src, const char *path, int fd,
					     const char *type, elf_record_reader *read);

/* FD as an ELF file read through libelf (mapped, never written), or NULL
 * when it is not one. */
Elf *elf_record_begin(int fd);

/* The section called NAME: 1 with *SH, 0 when there is none, -1 when the
 * file has no section names to search. */
int elf_record_section(Elf *elf, const char *name, GElf_Shdr *sh);

/* LEN bytes at OFFSET of FD into BUF: 0, or -1 when the file ends first. */
int elf_record_pread(int fd, uint64_t offset, void *buf, size_t len);


#endif
