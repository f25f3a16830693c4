/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alpine's apk database (Wolfi and postmarketOS keep the same), read
 * directly (doc/retrofit.md): lib/apk/db/installed holds one stanza per
 * installed package, ended by a blank line, each line "X:value":
 *   P: name   V: version   A: architecture   o: origin (the source package)
 *   F: a directory, relative to the root ("usr/bin"; empty: the root),
 *      followed by R: lines, the names of that package's files in it
 *   (a:, M:, Z: and the rest: modes, checksums, ... not needed here)
 * Every file is "/F/R", resolved inside the root as dpkg's are.
 *
 * What cannot be trusted is left out with a warning, never guessed: a
 * stanza that lacks P:, V: or A:, holds a field twice, a line that is not
 * "X:value" or a NUL byte (its package is not stamped); a last stanza that
 * the file does not end after (apk ends each with a blank line: a cut copy
 * could end inside a version); an F: that is not a relative, normalised
 * path, and the R: lines after it; an R: with no F: before it, or that is
 * not a plain name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "pkgdb.h"
#include "pkgsrc.h"
#include "root_path.h"

#define APK_DB "/lib/apk/db/installed"

enum { P, V, A, O, NFIELDS };
static const char field_letters[NFIELDS] = { 'P', 'V', 'A', 'o' };

struct stanza {
	char *field[NFIELDS];
	size_t line;                 /* where it starts, for warnings */
	bool garbled;
	char *dir;                   /* the last F:, or NULL (none yet, or refused) */
	bool dir_seen, dir_bad;
	char **paths;                /* "/F/R" of each R: */
	size_t npaths, cap;
};

struct reader {
	const char *root;            /* for messages: "" for "/" */
	struct pkgdb *db;
	struct pkgdb_os os;
	struct root_resolver res;
	size_t nline;
};

static void clear_stanza(struct stanza *s)
{
	for (int k = 0; k < NFIELDS; k++)
		free(s->field[k]);
	free(s->dir);
	for (size_t i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	free(s->paths);
	memset(s, 0, sizeof *s);
}

/* A name apk could have written: printable, no space (apk's names and
 * versions never hold one). */
static bool plain_value(const char *v)
{
	if (*v == '\0')
		return false;
	for (; *v; v++)
		if (*v <= ' ' || *v == 0x7f)
			return false;
	return true;
}

/* F:'s directory: relative, no ".", ".." or empty components ("" is the
 * root itself). */
static bool plain_dir(const char *d)
{
	if (*d == '\0')
		return true;
	for (const char *c = d;;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (c[n] == '\0')
			return true;
		c += n + 1;
	}
}

static bool plain_name(const char *r)
{
	return *r != '\0' && strchr(r, '/') == NULL && strcmp(r, ".") != 0 && strcmp(r, "..") != 0;
}

static const char *stanza_name(const struct stanza *s)
{
	return s->field[P] != NULL && plain_value(s->field[P]) ? s->field[P] : "(unnamed)";
}

/* F: and R: lines.  -1 when out of memory. */
static int file_line(struct reader *r, struct stanza *s, char kind, const char *v)
{
	if (kind == 'F') {
		free(s->dir);
		s->dir = NULL;
		s->dir_seen = true;
		s->dir_bad = !plain_dir(v);
		if (s->dir_bad) {
			pkgdb_warn(r->db, "%s%s: line %zu: package %s: F:%s is not a relative, "
				   "normalised path; its files are ignored", r->root, APK_DB,
				   r->nline, stanza_name(s), v);
			return 0;
		}
		return (s->dir = strdup(v)) == NULL ? -1 : 0;
	}
	if (s->dir_bad)
		return 0;
	if (!s->dir_seen || !plain_name(v)) {
		pkgdb_warn(r->db, "%s%s: line %zu: package %s: R:%s %s; ignored", r->root, APK_DB,
			   r->nline, stanza_name(s), v, !s->dir_seen ? "has no F: line before it"
			   : "is not a file name");
		return 0;
	}
	if (PN_GROW(s->paths, s->cap, s->npaths + 1, 16) != 0)
		return -1;
	char *path;
	if (asprintf(&path, "/%s%s%s", s->dir, *s->dir ? "/" : "", v) < 0)
		return -1;
	s->paths[s->npaths++] = path;
	return 0;
}

/* One line of a stanza.  -1 when out of memory. */
static int stanza_line(struct reader *r, struct stanza *s, const char *line, bool nul)
{
	if (s->line == 0)
		s->line = r->nline;
	if (nul || strlen(line) < 2 || line[1] != ':') {
		s->garbled = true;
		return 0;
	}
	const char *v = line + 2;
	if (line[0] == 'F' || line[0] == 'R')
		return file_line(r, s, line[0], v);
	for (int k = 0; k < NFIELDS; k++) {
		if (line[0] != field_letters[k])
			continue;
		if (s->field[k] != NULL)
			s->garbled = true; /* a field twice */
		free(s->field[k]);
		return (s->field[k] = strdup(v)) == NULL ? -1 : 0;
	}
	return 0;
}

/* A stanza is complete: its package and its files. */
static int take_stanza(struct reader *r, struct stanza *s)
{
	if (s->line == 0)
		return 0;
	const char *why = s->garbled ? "garbled lines"
			  : !s->field[P] || !plain_value(s->field[P]) ? "no valid P: (name)"
			  : !s->field[V] || !plain_value(s->field[V]) ? "no valid V: (version)"
			  : !s->field[A] || !plain_value(s->field[A]) ? "no valid A: (architecture)"
			  : s->field[O] && !plain_value(s->field[O]) ? "no valid o: (origin)" : NULL;
	if (why != NULL) {
		pkgdb_warn(r->db, "%s%s: line %zu: package %s: %s; its files are not stamped",
			   r->root, APK_DB, s->line, stanza_name(s), why);
		return 0;
	}
	const char *origin = s->field[O];
	const struct pkgdb_package *pkg = pkgdb_add_package(r->db, "apk", &r->os, s->field[P],
		s->field[V], s->field[A], origin, origin ? s->field[V] : NULL);
	if (pkg == NULL) {
		if (errno == ENOMEM)
			return -1;
		pkgdb_warn(r->db, "%s: %s; its files are not stamped", s->field[P], r->db->error);
		r->db->error[0] = '\0';
		return 0;
	}
	char resolved[4096];
	for (size_t i = 0; i < s->npaths; i++) {
		if (root_resolve_cached(&r->res, s->paths[i], resolved, sizeof resolved) != 0)
			continue; /* names no file of this root */
		if (pkgdb_add_owner(r->db, resolved, pkg) != 0)
			return -1;
	}
	return 0;
}

static int read_installed(struct reader *r, FILE *f)
{
	struct stanza s = { 0 };
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = getline(&buf, &cap, f)) >= 0) {
		r->nline++;
		bool nul = strlen(buf) != (size_t)n;
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (n == 0 && !nul) {
			rc = take_stanza(r, &s);
			clear_stanza(&s);
			continue;
		}
		rc = stanza_line(r, &s, buf, nul);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(r->db->error, sizeof r->db->error, "%s%s: cannot read: %s", r->root, APK_DB,
			 strerror(errno));
		rc = -1;
	}
	if (rc == 0 && s.line != 0)
		pkgdb_warn(r->db, "%s%s: ends inside the stanza of line %zu (truncated file?); "
			   "package %s is not stamped", r->root, APK_DB, s.line, stanza_name(&s));
	clear_stanza(&s);
	free(buf);
	if (rc != 0 && r->db->error[0] == '\0')
		snprintf(r->db->error, sizeof r->db->error, "%s", strerror(ENOMEM));
	return rc;
}

/* The database file, resolved inside the root: a regular file only. */
static FILE *open_installed(struct reader *r, int rootfd)
{
	FILE *f = pkgdb_open_in_root(rootfd, APK_DB);
	if (f == NULL)
		snprintf(r->db->error, sizeof r->db->error, "%s%s: cannot open: %s", r->root, APK_DB,
			 errno == EINVAL ? "not a regular file" : strerror(errno));
	return f;
}

int pkgdb_read_apk(const char *root, struct pkgdb *db)
{
	struct reader r = { .root = strcmp(root, "/") == 0 ? "" : root, .db = db };
	int rc = -1;
	db->kind = "apk";
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		snprintf(db->error, sizeof db->error, "%s: cannot open: %s", root, strerror(errno));
		return -1;
	}
	r.res.rootfd = rootfd;
	FILE *f = open_installed(&r, rootfd);
	if (f == NULL || pkgdb_read_os(rootfd, false, &r.os) != 0)
		goto out;
	if (r.os.id == NULL)
		pkgdb_warn(db, "%s: no os-release (etc/os-release, usr/lib/os-release): the notes "
			   "lack os and osVersion", root);
	if (read_installed(&r, f) != 0)
		goto out;
	if (db->npkgs == 0) {
		snprintf(db->error, sizeof db->error, "%s%s: no installed package", r.root, APK_DB);
		goto out;
	}
	pkgdb_finish(db);
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	pkgdb_os_free(&r.os);
	close(rootfd);
	return rc;
}

/* -- the source (src/pkgsrc.h) ---------------------------------------------- */

static int apk_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why, size_t whylen)
{
	*src = NULL;
	if (!pkgdb_root_has(root->rootfd, APK_DB)) {
		snprintf(why, whylen, "%s%s: no apk database", strcmp(root->root, "/") == 0 ? ""
			 : root->root, APK_DB);
		return 0;
	}
	return pkgdb_source_open(root, pkgdb_read_apk, src, why, whylen);
}

const struct pkgsrc_ops pkgsrc_apk = {
	.name = "apk",
	.tier = PKGSRC_OS,
	.open = apk_open,
	.owner = pkgdb_source_owner,
	.close = pkgdb_source_close,
};
