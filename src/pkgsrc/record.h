/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_PKGSRC_RECORD_H
#define PKGNOTE_PKGSRC_RECORD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "../md_json.h"
#include "../pkgsrc.h"
#include "../root_path.h"

/*
 * What the sources that read records installed beside the files (python,
 * npm, conda) and the origins map share: reading a bounded file of the
 * root, turning a record's relative path into the root's canonical path
 * (refusing paths that climb out of the root or pass through an absolute
 * symbolic link), and making a package from a metadata object without the
 * OS's keys.
 */

/* The sources in this directory (their rows of the registry). */
extern const struct pkgsrc_ops pkgsrc_python, pkgsrc_npm, pkgsrc_conda, pkgsrc_origins;

/* Largest record each source reads; larger is a warning, not a guess. */
#define PKGSRC_RECORD_MAX  (16u << 20)   /* RECORD, METADATA, file lists, the map */
#define PKGSRC_MANIFEST_MAX (4u << 20)   /* package.json */
#define PKGSRC_CONDA_MAX   (64u << 20)   /* conda-meta/NAME-VER-BUILD.json */

/* The regular file PATH of the root (canonical or not: resolved inside
 * it), at most LIMIT bytes, NUL-terminated in *BUF (malloc'd), its size in
 * *LEN.  0, or -1 with errno (EFBIG: larger than LIMIT; EINVAL: not a
 * regular file). */
int pkgsrc_read(int rootfd, const char *path, size_t limit, char **buf, size_t *len);

/* A file of the host (--origins FILE), the same way. */
int pkgsrc_read_host(const char *path, size_t limit, char **buf, size_t *len);

/* The reason pkgsrc_read failed, for a warning. */
const char *pkgsrc_read_error(int err, size_t limit);

/* Members of one record, resolved: the record's base directory is fixed,
 * consecutive members share parents (root_resolve_cached). */
struct pkgsrc_members {
	struct root_resolver res;
	char checked_dir[4096];      /* the last parent checked for absolute links */
	bool have_checked;
};

/*
 * BASE (canonical in the root) joined with REL (relative to BASE, or
 * absolute: in the root), as the root's canonical path in OUT.  -1 with
 * *WHY set when the path cannot be trusted: it climbs above the root with
 * "..", passes through a symbolic link whose target is absolute (the
 * record was written for another root), or cannot be resolved.
 */
int pkgsrc_member(struct pkgsrc_members *m, const char *base, const char *rel,
		  char *out, size_t outsz, const char **why);

/* The package described by OBJ (a JSON object: type, name, version and any
 * other keys), validated as --json is (WHAT names it in the reason), added to DB.  NULL with a reason in
 * WHY when the metadata is not valid (or memory runs out). */
struct pkgdb_package *pkgsrc_add_package(struct pkgdb *db, json_object *obj,
					 const char *what, char *why, size_t whylen);

/* {"type":TYPE,"name":NAME,"version":VERSION} and EXTRA's members (NULL
 * for none), through pkgsrc_add_package. */
struct pkgdb_package *pkgsrc_package(struct pkgdb *db, const char *type, const char *name,
				     const char *version, json_object *extra, char *why,
				     size_t whylen);

/* The same from LEN bytes of JSON text, checked exactly as --json checks
 * its input (unique keys, no \u escapes: what a JSON object could no
 * longer show). */
struct pkgdb_package *pkgsrc_add_package_text(struct pkgdb *db, const char *text, size_t len,
					      const char *what, char *why, size_t whylen);

/* TEXT (LEN bytes, NUL-terminated) as one JSON value, a UTF-8 byte order
 * mark before it and white space after it allowed (npm and conda take
 * both); NULL with *WHY set when it is not.  STRICT: json-c's strict mode
 * (the user's own map). */
json_object *pkgsrc_parse_json(const char *text, size_t len, bool strict, const char **why);

/* SRC's one-line warning "ROOT" PATH ": " FMT... (PATH canonical in the
 * root, or NULL for none). */
void pkgsrc_warn(const struct pkgsrc_root *root, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The directory holding PATH ("/a/b" for "/a/b/c"; "/" for "/c"), in OUT. */
void pkgsrc_dirname(const char *path, char *out, size_t outsz);

#endif
