/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "go" source: a Go program names its own main module in its build
 * info (go_buildinfo.h) -> {"type":"golang","name":MODULE,"version":V}.
 *
 * Where the build info is: the section .go.buildinfo when the file has
 * section headers (a file that has them but not that section is no Go
 * program, and costs no more reading); otherwise the writable segments are
 * searched for the header, which sits at a 16-byte aligned address (Go's
 * own linker puts it first in the data segment; an external linker puts it
 * after the C data, so the whole of each segment is searched, within a
 * bound).  Before Go 1.18 the strings are reached through pointers, which
 * are followed through the segments.
 *
 * The toolchain version is not put into the note: core dumps already hold
 * it (the build info lies in the data segment they copy), and the note
 * names the package as the package-URL does: type, name, version.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "go_buildinfo.h"
#include "elf_record.h"
#include "reason.h"

/* The most read of a build info blob: the header and two strings of the
 * longest length accepted, with their lengths. */
#define BLOB_MAX (GO_BUILDINFO_HEADER + 2 * (10 + GO_BUILDINFO_STRING_MAX))
/* How much of the writable segments of a file without section headers is
 * searched, and in what steps. */
#define SCAN_MAX (64u << 20)
#define SCAN_STEP (1u << 20)

/* The file's loaded image, read through its PT_LOAD headers. */
struct image {
	Elf *elf;
	int fd;
	size_t phnum;
};

static int image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct image *im = ctx;
	for (size_t i = 0; i < im->phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(im->elf, (int)i, &ph) == NULL || ph.p_type != PT_LOAD)
			continue;
		if (addr < ph.p_vaddr || addr - ph.p_vaddr > ph.p_filesz ||
		    len > ph.p_filesz - (addr - ph.p_vaddr))
			continue;
		return elf_record_pread(im->fd, ph.p_offset + (addr - ph.p_vaddr), buf, len);
	}
	return -1;
}

/* Decode the blob at file offset OFF (AVAIL bytes of its section or
 * segment from there).  1 when decoded, -1 with WHY. */
static int decode_at(struct image *im, uint64_t off, uint64_t avail, struct go_buildinfo *bi,
		     char *why, size_t whylen)
{
	size_t n = avail < BLOB_MAX ? (size_t)avail : BLOB_MAX;
	unsigned char *blob = malloc(n ? n : 1);
	if (blob == NULL)
		return reason(why, whylen, "%s", strerror(ENOMEM));
	int r = -1;
	if (elf_record_pread(im->fd, off, blob, n) < 0)
		snprintf(why, whylen, "Go build info runs past the end of the file");
	else {
		struct go_memory mem = { image_read, im };
		r = go_buildinfo_decode(blob, n, &mem, bi, why, whylen) < 0 ? -1 : 1;
	}
	free(blob);
	return r;
}

static int from_section(struct image *im, const GElf_Shdr *sh, struct go_buildinfo *bi,
			char *why, size_t whylen)
{
	if (sh->sh_type == SHT_NOBITS || sh->sh_size < GO_BUILDINFO_HEADER)
		return reason(why, whylen, "section .go.buildinfo is truncated (%llu bytes)",
			      sh->sh_type == SHT_NOBITS ? 0ULL : (unsigned long long)sh->sh_size);
	return decode_at(im, sh->sh_offset, sh->sh_size, bi, why, whylen);
}

/* Search one writable segment, a step at a time (each step overlaps the
 * next by a header, so that no header is cut in two).  1 when found and
 * decoded, 0 when not there, -1 with WHY. */
static int search_segment(struct image *im, const GElf_Phdr *ph, unsigned char *buf,
			  uint64_t *budget, struct go_buildinfo *bi, char *why, size_t whylen)
{
	for (uint64_t pos = 0; pos < ph->p_filesz && *budget > 0; pos += SCAN_STEP) {
		uint64_t left = ph->p_filesz - pos;
		size_t n = left < SCAN_STEP + GO_BUILDINFO_HEADER ? (size_t)left
								  : SCAN_STEP + GO_BUILDINFO_HEADER;
		if (n > *budget)
			n = (size_t)*budget;
		if (elf_record_pread(im->fd, ph->p_offset + pos, buf, n) < 0)
			return 0;   /* a segment past the end: the stamp refuses the file */
		*budget -= n < SCAN_STEP ? n : SCAN_STEP;
		ptrdiff_t at = go_buildinfo_find(buf, n, ph->p_vaddr + pos);
		if (at >= 0 && (size_t)at < SCAN_STEP)
			return decode_at(im, ph->p_offset + pos + (uint64_t)at, left - (uint64_t)at,
					 bi, why, whylen);
	}
	return 0;
}

static int from_segments(struct image *im, struct go_buildinfo *bi, char *why, size_t whylen)
{
	unsigned char *buf = malloc(SCAN_STEP + GO_BUILDINFO_HEADER);
	if (buf == NULL)
		return reason(why, whylen, "%s", strerror(ENOMEM));
	uint64_t budget = SCAN_MAX;
	int r = 0;
	for (size_t i = 0; r == 0 && i < im->phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(im->elf, (int)i, &ph) != NULL && ph.p_type == PT_LOAD &&
		    (ph.p_flags & (PF_W | PF_X)) == PF_W)
			r = search_segment(im, &ph, buf, &budget, bi, why, whylen);
	}
	free(buf);
	return r;
}

/* 1 with BI decoded, 0 when FD is no Go program, -1 with WHY. */
static int read_buildinfo(Elf *elf, int fd, struct go_buildinfo *bi, char *why, size_t whylen)
{
	struct image im = { elf, fd, 0 };
	size_t shnum = 0;
	GElf_Shdr sh;
	if (elf_getphdrnum(elf, &im.phnum) != 0)
		return 0;
	int found = elf_record_section(elf, ".go.buildinfo", &sh);
	if (found == 1)
		return from_section(&im, &sh, bi, why, whylen);
	if (found == 0 && elf_getshdrnum(elf, &shnum) == 0 && shnum > 0)
		return 0;
	return from_segments(&im, bi, why, whylen);
}

/* The main module and its version (elf_record_reader).  A program built
 * outside module mode names no module; one whose version is "(devel)"
 * with no revision to say which build it is is not named either, with a
 * reason (the user can name it with an origins map). */
static int go_read(Elf *elf, int fd, char **name, char **version, char *why, size_t whylen)
{
	struct go_buildinfo bi = { 0 };
	int r = read_buildinfo(elf, fd, &bi, why, whylen);
	if (r > 0 && bi.mod_path == NULL)
		r = 0;
	if (r > 0) {
		*version = go_buildinfo_version(&bi);
		*name = strdup(bi.mod_path);
		if (*name == NULL || (*version == NULL && errno == ENOMEM)) {
			snprintf(why, whylen, "%s", strerror(ENOMEM));
			r = -1;
		} else if (*version == NULL) {
			snprintf(why, whylen, "Go module %s has version %s and no vcs.revision "
				 "(built with -buildvcs=false or outside a repository): not named",
				 bi.mod_path, bi.mod_version);
			r = -1;
		}
	}
	go_buildinfo_free(&bi);
	return r;
}

static const struct pkgdb_package *go_owner(struct pkgsrc *src, const char *path, int fd,
					    const struct pkgdb_package **also)
{
	*also = NULL;
	return elf_record_owner(src, path, fd, "golang", go_read);
}

const struct pkgsrc_ops pkgsrc_go = {
	.name = "go",
	.tier = PKGSRC_BUILD_INFO,
	.record_names = NULL,
	.open = elf_record_open,
	.add_record = NULL,
	.owner = go_owner,
	.close = elf_record_close,
};
