/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_PKGSRC_LISTED_H
#define PKGNOTE_PKGSRC_LISTED_H

#include "record.h"

/*
 * The sources whose records list their files (python, conda): every record
 * found by the walk is read at once into one table of (path, package), and
 * a file is owned by the package listing it; two packages listing one file
 * with different metadata name it both (pkgdb_finish).  Only add_record
 * differs between them.
 */
struct pkgsrc {
	struct pkgsrc_root root;
	struct pkgdb db;
	bool finished;               /* db sorted: after the last add_record */
};

int listed_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why, size_t whylen);
const struct pkgdb_package *listed_owner(struct pkgsrc *src, const char *path, int fd,
					 const struct pkgdb_package **also);
void listed_close(struct pkgsrc *src);

/* A package {"type":TYPE,"name":NAME,"version":VERSION} plus EXTRA's keys
 * (NULL for none) in SRC's table; NULL when not valid (warned, naming
 * PATH). */
const struct pkgdb_package *listed_package(struct pkgsrc *src, const char *path, const char *type,
					   const char *name, const char *version, json_object *extra);

#endif
