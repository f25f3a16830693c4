/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_PKGDB_H
#define PKGNOTE_PKGDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pkgnote.h"

/*
 * A root's package database, read once into memory: which package owns
 * each path (canonical, inside the root: "/usr/bin/ls"), and the metadata
 * that package's files are stamped with.  The readers (pkgdb_dpkg.c,
 * pkgdb_rpm.c) fill it; batch mode looks paths up in it.
 */

struct pkgdb_package {
	char *name, *version, *arch;   /* the binary package, as the database says */
	char *source, *source_version; /* its source package (dpkg's Source:, rpm's
					  SOURCERPM, apk's o:), else NULL */
	struct pkgnote_metadata *md;   /* the metadata to stamp */
	const char *json;              /* its compact JSON text (owned by md) */
};

struct pkgdb_owner {
	char *path;                    /* canonical in-root path */
	const struct pkgdb_package *pkg;
	const struct pkgdb_package *also; /* a second package listing it, or NULL */
};

struct pkgdb {
	const char *kind;              /* "dpkg" or "rpm", for messages */
	struct pkgdb_package **pkgs;
	size_t npkgs, pkgs_cap;
	struct pkgdb_owner *owners;
	size_t nowners, owners_cap;
	char **warnings;               /* what was passed over, one line each */
	size_t nwarnings, warnings_cap;
	char error[512];               /* why reading failed */
};

/* What ROOT's os-release says (os, osVersion, osCpe), each NULL if absent. */
struct pkgdb_os {
	char *id, *version_id, *cpe;
};

/* A package with the given fields (copied); its JSON is built from TYPE,
 * OS (the os keys of a "deb", "rpm" or "apk" package; NULL or another
 * TYPE: none) and the fields: name and version are SOURCE and
 * SOURCE_VERSION when SOURCE is given, and the OS types also carry the
 * binary package as binaryPackage and binaryVersion (pkgdb.c says why).  NULL with db->error set when
 * memory runs out or the metadata is not valid (then nothing is added). */
struct pkgdb_package *pkgdb_add_package(struct pkgdb *db, const char *type,
					 const struct pkgdb_os *os, const char *name,
					 const char *version, const char *arch,
					 const char *source, const char *source_version);

/* PATH (canonical, in-root) is owned by PKG.  -1 when memory runs out. */
int pkgdb_add_owner(struct pkgdb *db, const char *path, const struct pkgdb_package *pkg);

/* A line for db->warnings (printf format).  Never fails: a warning that
 * cannot be stored is dropped. */
void pkgdb_warn(struct pkgdb *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sort the owners and fold duplicates (the same metadata twice: once; two
 * packages that differ: `also` is set).  Call once, after the last pkgdb_add_owner. */
void pkgdb_finish(struct pkgdb *db);

/* The owner of PATH, or NULL. */
const struct pkgdb_owner *pkgdb_lookup(const struct pkgdb *db, const char *path);

void pkgdb_free(struct pkgdb *db);

/* ROOT's os-release (etc/os-release, else usr/lib/os-release, resolved in
 * the root) and, for rpm, usr/lib/system-release-cpe before CPE_NAME.
 * Missing files leave the fields NULL; returns -1 only when out of memory. */
int pkgdb_read_os(int rootfd, bool want_release_cpe, struct pkgdb_os *os);
void pkgdb_os_free(struct pkgdb_os *os);

/* os-release syntax on one stream: ID, VERSION_ID and CPE_NAME. */
void pkgdb_parse_os_release(FILE *f, struct pkgdb_os *os);

/* The readers.  ROOT is the root's directory; 0 on success, else -1 with
 * db->error "ROOT/...: reason" (one line).  Entries the reader cannot
 * trust are left out, each with a warning. */
int pkgdb_read_dpkg(const char *root, struct pkgdb *db);
int pkgdb_read_rpm(const char *root, struct pkgdb *db);
int pkgdb_read_apk(const char *root, struct pkgdb *db);

/* A source rpm's file name ("foo-1.2-3.fc40.src.rpm", or .nosrc.rpm) as
 * the source package's NAME and VERSION-RELEASE; -1 when it is not one. */
int pkgdb_parse_srpm(const char *srpm, char *name, size_t namesz, char *version, size_t versz);

/*
 * The operations of the sources whose records are read whole into a pkgdb
 * (the OS databases of src/pkgsrc/): their state is that database.
 */
struct pkgsrc;
struct pkgsrc_root;

/* open(): a new database filled by READ from ROOT, its warnings passed to
 * root->warn; -1 with the reason in WHY (one line). */
int pkgdb_source_open(const struct pkgsrc_root *root,
		      int (*read)(const char *root, struct pkgdb *db),
		      struct pkgsrc **src, char *why, size_t whylen);

/* owner() and close(). */
const struct pkgdb_package *pkgdb_source_owner(struct pkgsrc *src, const char *path, int fd,
					       const struct pkgdb_package **also);
void pkgdb_source_close(struct pkgsrc *src);

/* A regular file of the root, PATH resolved inside the root; NULL with
 * errno (EINVAL: not a regular file). */
FILE *pkgdb_open_in_root(int rootfd, const char *path);

/* PATH exists in the root (resolved inside it, the last component too). */
bool pkgdb_root_has(int rootfd, const char *path);

#endif
