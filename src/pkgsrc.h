/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_PKGSRC_H
#define PKGNOTE_PKGSRC_H

#include <stdbool.h>
#include <stddef.h>

#include "pkgdb.h"

/*
 * A source of package records: one database or record format that can say
 * which package a file of a root came from (dpkg, rpm, apk, distroless,
 * python, npm, conda, go, cargo, the origins map).  Each source is one file
 * in src/pkgsrc/ and one row of the table in src/pkgsrc/registry.c.  Batch
 * mode never names a source: it opens the sources a root has and asks them
 * in table order, tier by tier; the first that names a file wins.
 *
 * The contract every source keeps:
 * - it reads only below the root (through rootfd, resolving links inside
 *   the root: root_path.h), never follows a link out of it, and bounds what
 *   it reads (a record larger than its limit is a warning, not a guess);
 * - a record it cannot trust is left out with a one-line warning, and never
 *   yields guessed metadata;
 * - two records of one source claiming the same file: the file is named by
 *   neither (owner() sets *also so that the caller can name both).
 */

/* In the order they are asked. */
enum pkgsrc_tier {
	PKGSRC_OS,          /* the distribution's database: dpkg, rpm, apk, distroless */
	PKGSRC_LANGUAGE,    /* records installed beside the files: python, npm, conda */
	PKGSRC_BUILD_INFO,  /* what the file itself records: go, cargo */
	PKGSRC_MAP,         /* the user's --origins FILE */
};

/* What every source is opened with. */
struct pkgsrc_root {
	const char *root;            /* ROOT as given, for messages */
	int rootfd;                  /* ROOT, opened O_PATH | O_DIRECTORY */
	const struct pkgdb_os *os;   /* ROOT's os-release (fields may be NULL) */
	const char *origins_file;    /* --origins FILE, or NULL */
	/* A one-line warning ("ROOT/path: reason"), printed by the caller. */
	void (*warn)(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
	void *warn_ctx;
};

struct pkgsrc;                   /* each source's own state */

struct pkgsrc_ops {
	const char *name;            /* "dpkg": -v, messages, the summary's counters */
	enum pkgsrc_tier tier;

	/*
	 * Names of directory entries that hold this source's records anywhere
	 * in the root ("*.dist-info", "package.json", "conda-meta"; fnmatch
	 * patterns on the last component), NULL-terminated; NULL for a source
	 * whose records sit at fixed paths or inside the files themselves.
	 * The registry walks the root once for all sources and passes each
	 * match to add_record() between open() and the first owner().
	 */
	const char *const *record_names;

	/* Open ROOT's records.  0 with *src set; 0 with *src NULL when ROOT
	 * holds none of them (the source is then not asked); -1 when they are
	 * there but cannot be read, with a one-line reason in WHY. */
	int (*open)(const struct pkgsrc_root *root, struct pkgsrc **src,
		    char *why, size_t whylen);

	/* One record found by the walk: PATH is canonical in the root
	 * ("/usr/lib/python3/x.dist-info").  -1 only when out of memory; a bad
	 * record is a warning and 0. */
	int (*add_record)(struct pkgsrc *src, const char *path);

	/* The package that owns PATH (canonical in the root), or NULL.  FD is
	 * the file, open for reading: build-info sources read it, the others
	 * ignore it.  *ALSO is set to a second claimant (then the caller names
	 * neither and warns with both). */
	const struct pkgdb_package *(*owner)(struct pkgsrc *src, const char *path, int fd,
					     const struct pkgdb_package **also);

	void (*close)(struct pkgsrc *src);
};

/* The table, in the order the sources are asked; NULL-terminated. */
extern const struct pkgsrc_ops *const pkgsrc_table[];

/* The source called NAME ("dpkg"), or NULL. */
const struct pkgsrc_ops *pkgsrc_find(const char *name);

#endif
