/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_RETROFIT_H
#define PKGNOTE_RETROFIT_H

#include "pkgdb.h"
#include "root_path.h"
#include "sources.h"

struct cli;

/*
 * Batch mode over a root's package records (--from-dpkg ROOT, --from-rpm
 * ROOT: that database; --from-packages ROOT: every source the root has):
 * the records read once, and the walk's paths (all below ROOT) turned into
 * the root's own paths to look owners up.
 */
struct retrofit {
	struct sources src;
	const char *root;
	size_t rootlen;              /* of ROOT as given, without trailing slashes */
	struct root_resolver res;    /* its rootfd is ROOT, opened O_PATH */
};

/* Check that every PATH is ROOT or below it, open ROOT's sources and
 * print their warnings.  Returns PKGNOTE_OK or the exit status (the reason
 * said); retrofit_end() is called either way. */
int retrofit_begin(const struct cli *cli, int argc, char **argv, struct retrofit *rf);
void retrofit_end(struct retrofit *rf);

/* The owner of a file found at PATH (a walk path, below ROOT), or NULL;
 * *ALSO a second claimant, *SOURCE the index (rf->src) of the source that
 * named it. */
const struct pkgdb_package *retrofit_owner(struct retrofit *rf, const char *path,
					   const struct pkgdb_package **also, size_t *source);

/* The name of source number SOURCE ("dpkg"). */
const char *retrofit_source_name(const struct retrofit *rf, size_t source);

/* Why the note's JSON disagrees with PKG, named by source number SOURCE
 * (malloc'd, one line), or NULL.  A note may name the binary package or
 * its source (Debian's link-time notes name the source package and its
 * version). */
char *retrofit_disagreement(const struct retrofit *rf, size_t source,
			    const struct pkgdb_package *pkg, const char *json);

#endif
