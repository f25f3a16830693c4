/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Python's installed-package records, wherever the walk finds them:
 *   - NAME-VER.dist-info/ (pip, uv, poetry, installed wheels): METADATA's
 *     header block names the package (Name:, Version:), RECORD lists its
 *     files as CSV rows "path,hash,size", each path relative to the
 *     directory holding the dist-info (it climbs with ../ to bin/);
 *   - NAME-VER.egg-info/ (setuptools' older installs): PKG-INFO names it,
 *     installed-files.txt lists its files one a line, relative to the
 *     egg-info directory itself.
 * Each becomes {"type":"pypi","name":...,"version":...}, the name as
 * METADATA spells it.  A record without a file list (Debian's packages
 * drop RECORD) owns nothing and is not worth a warning; one whose header
 * lacks Name or Version, or whose list names a path out of the root, is.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "listed.h"

static const char *const python_names[] = { "*.dist-info", "*.egg-info", NULL };

/* Header NAME's value in an RFC 822 header block (up to the first empty
 * line), trimmed, copied into OUT; false when absent or empty. */
static bool header(const char *text, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name);
	for (const char *line = text; *line && *line != '\n' && *line != '\r';) {
		const char *end = line + strcspn(line, "\n");
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (v < end && isblank((unsigned char)*v))
				v++;
			const char *e = end;
			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			if (e == v || (size_t)(e - v) >= outsz)
				return false;
			memcpy(out, v, (size_t)(e - v));
			out[e - v] = '\0';
			return true;
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

/* The package named by the header file HEADER of record DIR, or NULL
 * (warned). */
static const struct pkgdb_package *read_header(struct pkgsrc *src, const char *dir, const char *file)
{
	char path[PATH_MAX], name[512], version[256];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	char *text = NULL;
	size_t len;
	if (pkgsrc_read(src->root.rootfd, path, PKGSRC_RECORD_MAX, &text, &len) != 0) {
		pkgsrc_warn(&src->root, path, "%s", pkgsrc_read_error(errno, PKGSRC_RECORD_MAX));
		return NULL;
	}
	const struct pkgdb_package *p = NULL;
	if (strlen(text) != len)
		pkgsrc_warn(&src->root, path, "contains a NUL byte");
	else if (!header(text, "Name", name, sizeof name) ||
		 !header(text, "Version", version, sizeof version))
		pkgsrc_warn(&src->root, path, "lacks Name or Version");
	else
		p = listed_package(src, path, "pypi", name, version, NULL);
	free(text);
	return p;
}

/* RECORD's first CSV field of LINE (quoted with "" doubled, or bare), in
 * OUT; false when it is malformed or empty. */
static bool csv_first(const char *line, const char *end, char *out, size_t outsz)
{
	size_t n = 0;
	if (*line != '"') {
		const char *comma = memchr(line, ',', (size_t)(end - line));
		const char *stop = comma ? comma : end;
		if (stop == line || (size_t)(stop - line) >= outsz)
			return false;
		memcpy(out, line, (size_t)(stop - line));
		out[stop - line] = '\0';
		return true;
	}
	for (const char *p = line + 1; p < end; p++) {
		if (*p == '"' && (p + 1 == end || p[1] != '"')) {
			out[n] = '\0';
			return n > 0 && (p + 1 == end || p[1] == ',');
		}
		if (*p == '"')
			p++;
		if (n + 1 >= outsz)
			return false;
		out[n++] = *p;
	}
	return false;
}

/* Each path of the list FILE of record DIR, relative to BASE, owned by P. */
static int read_list(struct pkgsrc *src, const char *dir, const char *file, const char *base,
		     const struct pkgdb_package *p, bool csv)
{
	char path[PATH_MAX], member[PATH_MAX], real[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	char *text = NULL;
	size_t len;
	if (pkgsrc_read(src->root.rootfd, path, PKGSRC_RECORD_MAX, &text, &len) != 0) {
		if (errno != ENOENT)
			pkgsrc_warn(&src->root, path, "%s", pkgsrc_read_error(errno, PKGSRC_RECORD_MAX));
		return 0;
	}
	struct pkgsrc_members m = { .res.rootfd = src->root.rootfd };
	size_t lineno = 0;
	int r = 0;
	for (char *line = text; r == 0 && line < text + len;) {
		char *end = line + strcspn(line, "\n");
		char *next = *end ? end + 1 : end;
		lineno++;
		if (end > line && end[-1] == '\r')
			end--;
		*end = '\0';
		const char *why = NULL;
		bool ok = csv ? csv_first(line, end, member, sizeof member)
			      : (end > line && (size_t)(end - line) < sizeof member &&
				 strcpy(member, line) != NULL);
		if (end == line) {
			/* Empty lines carry nothing. */
		} else if (!ok) {
			pkgsrc_warn(&src->root, path, "line %zu: not a path", lineno);
		} else if (pkgsrc_member(&m, base, member, real, sizeof real, &why) != 0) {
			pkgsrc_warn(&src->root, path, "line %zu: %s %s", lineno, member, why);
		} else if (pkgdb_add_owner(&src->db, real, p) != 0) {
			r = -1;
		}
		line = next;
	}
	free(text);
	return r;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int python_add_record(struct pkgsrc *src, const char *path)
{
	struct stat st;
	/* A .egg-info may be a lone PKG-INFO file: it lists no files. */
	if (fstatat(src->root.rootfd, path + 1, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	bool dist = ends_with(path, ".dist-info");
	char base[PATH_MAX];
	if (dist)
		pkgsrc_dirname(path, base, sizeof base);
	else
		snprintf(base, sizeof base, "%s", path);
	const struct pkgdb_package *p = read_header(src, path, dist ? "METADATA" : "PKG-INFO");
	if (p == NULL)
		return 0;
	return read_list(src, path, dist ? "RECORD" : "installed-files.txt", base, p, dist);
}

const struct pkgsrc_ops pkgsrc_python = {
	.name = "python",
	.tier = PKGSRC_LANGUAGE,
	.record_names = python_names,
	.open = listed_open,
	.add_record = python_add_record,
	.owner = listed_owner,
	.close = listed_close,
};
