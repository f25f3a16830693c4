/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_GO_BUILDINFO_H
#define PKGNOTE_GO_BUILDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The build info every Go program since Go 1.13 carries, decoded from
 * bytes alone (the files are read by src/pkgsrc/go.c).
 *
 * The linker writes a 32-byte header at a 16-byte aligned address: the
 * 14-byte magic "\xff Go buildinf:", the pointer size (4 or 8) and a flags
 * byte (bit 0: big-endian, bit 1: the strings follow inline).  From Go 1.18
 * the header is followed by two strings, each a uvarint length and its
 * bytes: the toolchain version ("go1.19.8") and the module info.  Before
 * 1.18 the header holds two pointers to Go string headers (data pointer,
 * length), which are followed through the loaded image (struct go_memory).
 *
 * The module info is framed by 16 bytes on each side (the last byte before
 * the closing frame is a newline) and holds lines of tab-separated fields:
 * "path P", "mod PATH VERSION [SUM]", "dep ...", "=> ..." and
 * "build KEY=VALUE" (vcs.revision, vcs.modified, ...).
 */

#define GO_BUILDINFO_MAGIC "\xff Go buildinf:"
#define GO_BUILDINFO_MAGIC_LEN 14
#define GO_BUILDINFO_HEADER 32
#define GO_BUILDINFO_ALIGN 16
/* The longest string accepted (the module info of a large program is tens
 * of kilobytes): a length beyond it is a bogus length, not a string. */
#define GO_BUILDINFO_STRING_MAX (1u << 20)

/* A program's loaded image, for the pointers of Go before 1.18. */
struct go_memory {
	/* Copy LEN bytes at virtual address ADDR into BUF: 0, or -1 when they
	 * are not all in the file. */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
};

struct go_buildinfo {
	char *go_version;         /* the toolchain: "go1.19.8" */
	bool has_modinfo;         /* false: built outside module mode */
	char *path;               /* the main package's path, or NULL */
	char *mod_path;           /* the main module, or NULL */
	char *mod_version;        /* its version: "v1.2.3", "(devel)" */
	char *vcs_revision;       /* build vcs.revision, or NULL */
	bool vcs_modified;        /* build vcs.modified=true */
};

/* The offset in DATA (LEN bytes loaded at virtual address ADDR) of the
 * first header: the magic at an aligned address, with the whole 32 bytes
 * inside DATA.  -1 when there is none. */
ptrdiff_t go_buildinfo_find(const unsigned char *data, size_t len, uint64_t addr);

/* Decode the header at DATA (LEN bytes available from it) into BI.  MEM
 * may be NULL: headers of Go before 1.18 are then refused.  0, or -1 with
 * a reason in WHY and BI empty. */
int go_buildinfo_decode(const unsigned char *data, size_t len, const struct go_memory *mem,
			struct go_buildinfo *bi, char *why, size_t whylen);

/* The module info's text, its frame removed, into BI's path, mod and vcs
 * fields.  0, or -1 with a reason in WHY ("line N: ..."); BI may then hold
 * some fields (go_buildinfo_free). */
int go_modinfo_parse(const char *text, size_t len, struct go_buildinfo *bi,
		     char *why, size_t whylen);

/* The version to name the main module by: its version unless that is
 * "(devel)" (a local build), else vcs.revision with "-dirty" appended when
 * vcs.modified=true; NULL when there is neither (or out of memory: errno). */
char *go_buildinfo_version(const struct go_buildinfo *bi);

void go_buildinfo_free(struct go_buildinfo *bi);

#endif
