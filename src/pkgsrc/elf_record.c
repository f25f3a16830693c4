/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading records that ELF files carry about their own build (elf_record.h).
 * The files are hostile input: libelf maps them read-only and checks the
 * headers; the record bytes themselves are read with pread at offsets and
 * lengths that are checked against the file first.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_record.h"

/* A source's state (struct pkgsrc is each source's own). */
struct elf_record_src {
	const struct pkgsrc_root *root;
	struct pkgdb db;               /* the packages named so far */
};

int elf_record_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why,
		    size_t whylen)
{
	struct elf_record_src *rec = calloc(1, sizeof *rec);
	if (rec == NULL) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	rec->root = root;
	rec->db.kind = "build info";
	*src = (struct pkgsrc *)rec;
	return 0;
}

void elf_record_close(struct pkgsrc *src)
{
	struct elf_record_src *rec = (struct elf_record_src *)src;
	if (rec == NULL)
		return;
	pkgdb_free(&rec->db);
	free(rec);
}

Elf *elf_record_begin(int fd)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf != NULL && elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		elf = NULL;
	}
	return elf;
}

int elf_record_section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return -1;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn != NULL; scn = elf_nextscn(elf, scn)) {
		if (gelf_getshdr(scn, sh) == NULL)
			return -1;
		const char *s = elf_strptr(elf, shstrndx, sh->sh_name);
		if (s != NULL && strcmp(s, name) == 0)
			return 1;
	}
	return 0;
}

int elf_record_pread(int fd, uint64_t offset, void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len > 0) {
		if (offset > INT64_MAX)
			return -1;
		ssize_t n = pread(fd, p, len, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

/* A one-line warning "ROOT/PATH: reason" through the root's warn(). */
static void warn(const struct elf_record_src *src, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(const struct elf_record_src *src, const char *path, const char *fmt, ...)
{
	const struct pkgsrc_root *root = src->root;
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (root->warn == NULL)
		return;
	size_t n = strlen(root->root);
	bool slash = n > 0 && root->root[n - 1] == '/' && path[0] == '/';
	root->warn(root->warn_ctx, "%.*s%s: %s", (int)(slash ? n - 1 : n), root->root, path, reason);
}

/* The package TYPE NAME VERSION ({"type","name","version"}, no os fields:
 * they belong to the OS's own packages), made once and kept until close;
 * NULL with a warning when the metadata is not valid, or out of memory. */
static const struct pkgdb_package *package(struct elf_record_src *src, const char *path,
					   const char *type, const char *name,
					   const char *version)
{
	/* One source names one type.  Programs of one image seldom number
	 * more than a few hundred: a scan is cheaper than keeping an index. */
	for (size_t i = 0; i < src->db.npkgs; i++) {
		const struct pkgdb_package *p = src->db.pkgs[i];
		if (strcmp(p->name, name) == 0 && strcmp(p->version, version) == 0)
			return p;
	}
	static const struct pkgdb_os no_os;
	const struct pkgdb_package *p = pkgdb_add_package(&src->db, type, &no_os, name, version,
							  NULL, NULL, NULL);
	if (p == NULL)
		warn(src, path, "%s", src->db.error);
	return p;
}

const struct pkgdb_package *elf_record_owner(struct pkgsrc *s, const char *path, int fd,
					     const char *type, elf_record_reader *read)
{
	struct elf_record_src *src = (struct elf_record_src *)s;
	const struct pkgdb_package *pkg = NULL;
	char *name = NULL, *version = NULL, why[512];
	Elf *elf = elf_record_begin(fd);
	if (elf == NULL)
		return NULL;
	int r = read(elf, fd, &name, &version, why, sizeof why);
	if (r < 0)
		warn(src, path, "%s", why);
	else if (r > 0)
		pkg = package(src, path, type, name, version);
	free(name);
	free(version);
	elf_end(elf);
	return pkg;
}
