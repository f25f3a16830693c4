/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "cargo" source: a Rust program built with cargo-auditable names its
 * own crate in section .dep-v0 (cargo_audit.h)
 * -> {"type":"cargo","name":CRATE,"version":V}.
 *
 * cargo-auditable makes .dep-v0 a section that is not loaded (no
 * SHF_ALLOC): there is nothing to search for in a file without section
 * headers, so such a file is not asked further.  Plain cargo builds carry
 * no record; neither does a program whose sections were stripped by name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cargo_audit.h"
#include "elf_record.h"
#include "reason.h"

/* The most read of the compressed record: it never holds more than it
 * decompresses to. */
#define COMPRESSED_MAX CARGO_AUDIT_MAX

/* The root crate of .dep-v0 (elf_record_reader). */
static int read_record(Elf *elf, int fd, char **name, char **version, char *why, size_t whylen)
{
	GElf_Shdr sh;
	if (elf_record_section(elf, ".dep-v0", &sh) != 1)
		return 0;
	if (sh.sh_type == SHT_NOBITS || sh.sh_size == 0)
		return reason(why, whylen, "section .dep-v0 is empty");
	if (sh.sh_size > COMPRESSED_MAX)
		return reason(why, whylen, "section .dep-v0 holds %llu bytes (more than %u)",
			      (unsigned long long)sh.sh_size, COMPRESSED_MAX);
	unsigned char *z = malloc((size_t)sh.sh_size);
	if (z == NULL)
		return reason(why, whylen, "%s", strerror(ENOMEM));
	int r = -1;
	if (elf_record_pread(fd, sh.sh_offset, z, (size_t)sh.sh_size) < 0)
		snprintf(why, whylen, "section .dep-v0 runs past the end of the file");
	else if (cargo_audit_root(z, (size_t)sh.sh_size, CARGO_AUDIT_MAX, name, version,
				  why, whylen) == 0)
		r = 1;
	free(z);
	return r;
}

static const struct pkgdb_package *cargo_owner(struct pkgsrc *src, const char *path, int fd,
					       const struct pkgdb_package **also)
{
	*also = NULL;
	return elf_record_owner(src, path, fd, "cargo", read_record);
}

const struct pkgsrc_ops pkgsrc_cargo = {
	.name = "cargo",
	.tier = PKGSRC_BUILD_INFO,
	.record_names = NULL,
	.open = elf_record_open,
	.add_record = NULL,
	.owner = cargo_owner,
	.close = elf_record_close,
};
