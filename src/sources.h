/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_SOURCES_H
#define PKGNOTE_SOURCES_H

#include "pkgdb.h"
#include "pkgsrc.h"

/*
 * The sources of package records a root has (src/pkgsrc.h), opened
 * together: one source by name (--from-dpkg), or every source of the
 * table that finds records in the root (--from-packages).  They are asked
 * tier by tier in table order; the first that names a file wins.
 */
#define SOURCES_MAX 32

struct sources {
	struct pkgsrc_root root;
	struct pkgdb_os os;
	size_t n;
	const struct pkgsrc_ops *ops[SOURCES_MAX];
	struct pkgsrc *src[SOURCES_MAX];
};

/* Open ROOT's sources (ROOTFD: ROOT, O_PATH) with ONLY, a source's name,
 * or NULL for all; walk ROOT once for the records of those that have
 * record_names.  Warnings are printed.  0, or -1 with one line in WHY. */
int sources_open(struct sources *s, const char *root, int rootfd, const char *only,
		 const char *origins_file, char *why, size_t whylen);

/* The owner of PATH (canonical in the root), found at FILE (the walk's
 * name for it, opened only for the build-info sources); *WHICH is the
 * index of the source that named it, *ALSO a second claimant. */
const struct pkgdb_package *sources_owner(const struct sources *s, const char *path,
					  const char *file, const struct pkgdb_package **also,
					  size_t *which);

void sources_close(struct sources *s);

#endif
