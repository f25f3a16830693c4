/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening a root's sources of package records together (sources.h): the
 * table's sources in tier order, one walk of the root for the records of
 * those that name them (record_names), and the lookup that asks them in
 * that order.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sources.h"

static void warn_line(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	fputs("pkgnote: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The walk's state: nftw has no context argument. */
static struct {
	const struct sources *s;
	size_t skip;                 /* the walk's root prefix, left out of in-root paths */
	int failed;                  /* errno of an add_record that ran out of memory */
	size_t found[SOURCES_MAX];   /* records handed to each source */
} walk;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type == FTW_SL || type == FTW_SLN || type == FTW_DNR || type == FTW_NS)
		return 0; /* a record is a file or directory of the root, not a link */
	const char *base = path + ftw->base, *inroot = path + walk.skip;
	for (size_t i = 0; i < walk.s->n; i++) {
		const char *const *names = walk.s->ops[i]->record_names;
		for (size_t k = 0; names != NULL && names[k] != NULL; k++) {
			if (fnmatch(names[k], base, 0) != 0)
				continue;
			if (walk.s->ops[i]->add_record(walk.s->src[i], *inroot ? inroot : "/") != 0) {
				walk.failed = ENOMEM;
				return -1;
			}
			walk.found[i]++;
			break;
		}
	}
	return 0;
}

/* One walk of the root for every open source that has record_names. */
static int walk_records(const struct sources *s, const char *root, char *why, size_t whylen)
{
	bool wanted = false;
	for (size_t i = 0; i < s->n; i++)
		wanted |= s->ops[i]->record_names != NULL;
	if (!wanted)
		return 0;
	char *real = realpath(root, NULL);
	if (real == NULL) {
		snprintf(why, whylen, "%s: cannot open: %s", root, strerror(errno));
		return -1;
	}
	walk.s = s;
	walk.skip = strcmp(real, "/") == 0 ? 0 : strlen(real);
	walk.failed = 0;
	memset(walk.found, 0, sizeof walk.found);
	int r = nftw(real, visit, 32, FTW_PHYS);
	if (r != 0)
		snprintf(why, whylen, "%s: cannot walk for package records: %s", root,
			 strerror(walk.failed ? walk.failed : errno));
	free(real);
	return r != 0 ? -1 : 0;
}

/* A source whose records lie in the tree (record_names) and that the walk
 * found none of is closed: it cannot name a file, and a root with no
 * records at all is refused as such. */
static void drop_unfound(struct sources *s)
{
	bool walked = false;
	for (size_t i = 0; i < s->n; i++)
		walked |= s->ops[i]->record_names != NULL;
	size_t out = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (walked && s->ops[i]->record_names != NULL && walk.found[i] == 0) {
			s->ops[i]->close(s->src[i]);
			continue;
		}
		s->ops[out] = s->ops[i];
		s->src[out++] = s->src[i];
	}
	s->n = out;
}

/* Open one source; -1 (WHY set) when its records cannot be read, or when
 * it was asked for by name and the root has none. */
static int open_one(struct sources *s, const struct pkgsrc_ops *ops, bool named,
		    char *why, size_t whylen)
{
	struct pkgsrc *src = NULL;
	why[0] = '\0';
	if (ops->open(&s->root, &src, why, whylen) != 0)
		return -1;
	if (src == NULL) {
		if (named && why[0] == '\0')
			snprintf(why, whylen, "%s: no %s records", s->root.root, ops->name);
		return named ? -1 : 0;
	}
	s->ops[s->n] = ops;
	s->src[s->n++] = src;
	return 0;
}

int sources_open(struct sources *s, const char *root, int rootfd, const char *only,
		 const char *origins_file, char *why, size_t whylen)
{
	memset(s, 0, sizeof *s);
	if (pkgdb_read_os(rootfd, true, &s->os) != 0) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	s->root = (struct pkgsrc_root){ .root = root, .rootfd = rootfd, .os = &s->os,
					.origins_file = origins_file, .warn = warn_line };
	for (int tier = PKGSRC_OS; tier <= PKGSRC_MAP; tier++)
		for (size_t i = 0; pkgsrc_table[i] != NULL && s->n < SOURCES_MAX; i++) {
			const struct pkgsrc_ops *ops = pkgsrc_table[i];
			if ((int)ops->tier != tier || (only != NULL && strcmp(ops->name, only) != 0))
				continue;
			if (open_one(s, ops, only != NULL, why, whylen) != 0)
				return -1;
		}
	if (walk_records(s, root, why, whylen) != 0)
		return -1;
	drop_unfound(s);
	if (s->n == 0) {
		snprintf(why, whylen, "%s: no package records (no database of a known "
			 "kind, no records of packages installed in it)", root);
		return -1;
	}
	/* Any root may hold programs that record their own build (a Go
	 * program alone in an image), so a root with no database and no
	 * records is not refused; but it is said, as a wrong ROOT looks so. */
	size_t records = 0;
	for (size_t i = 0; i < s->n; i++)
		records += s->ops[i]->tier != PKGSRC_BUILD_INFO;
	if (records == 0)
		s->root.warn(s->root.warn_ctx, "%s: no package database and no package records: "
			     "only what programs record of their own build can name files", root);
	return 0;
}

const struct pkgdb_package *sources_owner(const struct sources *s, const char *path,
					  const char *file, const struct pkgdb_package **also,
					  size_t *which)
{
	const struct pkgdb_package *pkg = NULL;
	int fd = -1;
	bool opened = false;
	*also = NULL;
	for (size_t i = 0; pkg == NULL && i < s->n; i++) {
		/* Only the sources that read the file itself get it open. */
		if (s->ops[i]->tier == PKGSRC_BUILD_INFO && !opened) {
			fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
			opened = true;
		}
		pkg = s->ops[i]->owner(s->src[i], path, s->ops[i]->tier == PKGSRC_BUILD_INFO ? fd : -1,
				       also);
		*which = i;
	}
	if (fd >= 0)
		close(fd);
	return pkg;
}

void sources_close(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->ops[i]->close(s->src[i]);
	s->n = 0;
	pkgdb_os_free(&s->os);
}
