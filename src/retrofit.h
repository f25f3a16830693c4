/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_RETROFIT_H
#define PKGNOTE_RETROFIT_H

#include "pkgdb.h"
#include "root_path.h"

struct cli;

/*
 * Batch mode over a root with a package database (--from-dpkg ROOT,
 * --from-rpm ROOT): the database read once, and the walk's paths (all
 * below ROOT) turned into the root's own paths to look owners up.
 */
struct retrofit {
	struct pkgdb db;
	const char *root;
	size_t rootlen;              /* of ROOT as given, without trailing slashes */
	struct root_resolver res;    /* its rootfd is ROOT, opened O_PATH */
};

/* Check that every PATH is ROOT or below it, read the database and print
 * its warnings.  Returns PKGNOTE_OK or the exit status (the reason said). */
int retrofit_begin(const struct cli *cli, int argc, char **argv, struct retrofit *rf);
void retrofit_end(struct retrofit *rf);

/* The owner of a file found at PATH (a walk path, below ROOT), or NULL. */
const struct pkgdb_owner *retrofit_owner(struct retrofit *rf, const char *path);

/* Why the note's JSON disagrees with PKG (malloc'd, one line), or NULL.
 * A note may name the binary package or its source (Debian's link-time
 * notes name the source package and its version). */
char *retrofit_disagreement(const struct retrofit *rf, const struct pkgdb_package *pkg,
			    const char *json);

#endif
