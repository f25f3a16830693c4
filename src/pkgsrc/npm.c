/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * npm's packages: a file belongs to the nearest directory above it whose
 * package.json has a string "name" and "version".  That one rule covers
 * nested and scoped node_modules (node_modules/@scope/pkg), pnpm's real
 * directories (node_modules/.pnpm/NAME@VER/node_modules/NAME: the walk
 * never follows the links that point there), and an application's own
 * package.json for the addons it builds itself.  Becomes
 * {"type":"npm","name":...,"version":...}, the name with its scope.
 *
 * The walk finds many package.json files (packages nest small ones that
 * only say {"type":"module"}), so each is read only when a file below it
 * asks, once.  One that is not JSON, or lacks name or version, is warned
 * about then, once, and the search goes on further up.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "md_json.h"
#include "record.h"

enum state { UNREAD, NAMED, UNUSABLE };

struct manifest {
	char *dir;                   /* canonical, holding package.json */
	enum state state;
	const struct pkgdb_package *pkg;
};

struct pkgsrc {
	struct pkgsrc_root root;
	struct pkgdb db;             /* the packages read so far */
	struct manifest *m;
	size_t n, cap;
	bool sorted;
};

static const char *const npm_names[] = { "package.json", NULL };

static int npm_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why, size_t whylen)
{
	*src = calloc(1, sizeof **src);
	if (*src == NULL) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	(*src)->root = *root;
	return 0;
}

static int npm_add_record(struct pkgsrc *src, const char *path)
{
	if (PN_GROW(src->m, src->cap, src->n + 1, 256) != 0)
		return -1;
	char dir[PATH_MAX];
	pkgsrc_dirname(path, dir, sizeof dir);
	char *copy = strdup(dir);
	if (copy == NULL)
		return -1;
	src->m[src->n++] = (struct manifest){ .dir = copy };
	return 0;
}

/* Read DIR/package.json into M (NAMED or UNUSABLE, warned). */
static void read_manifest(struct pkgsrc *src, struct manifest *m)
{
	char path[PATH_MAX], why[512];
	snprintf(path, sizeof path, "%s/package.json", strcmp(m->dir, "/") == 0 ? "" : m->dir);
	m->state = UNUSABLE;
	char *text = NULL;
	size_t len;
	if (pkgsrc_read(src->root.rootfd, path, PKGSRC_MANIFEST_MAX, &text, &len) != 0) {
		pkgsrc_warn(&src->root, path, "%s; looking further up",
			    pkgsrc_read_error(errno, PKGSRC_MANIFEST_MAX));
		return;
	}
	const char *bad = NULL;
	json_object *obj = pkgsrc_parse_json(text, len, false, &bad);
	free(text);
	const char *name = md_json_string(obj, "name"), *version = md_json_string(obj, "version");
	if (!json_object_is_type(obj, json_type_object)) {
		pkgsrc_warn(&src->root, path, "not a JSON object (%s); looking further up",
			    bad ? bad : "another JSON value");
	} else if (name == NULL || version == NULL || !*name || !*version) {
		pkgsrc_warn(&src->root, path, "lacks a string name or version; looking further up");
	} else {
		m->pkg = pkgsrc_package(&src->db, "npm", name, version, NULL, why, sizeof why);
		if (m->pkg != NULL)
			m->state = NAMED;
		else
			pkgsrc_warn(&src->root, path, "%s; looking further up", why);
	}
	json_object_put(obj);
}

static int by_dir(const void *a, const void *b)
{
	return strcmp(((const struct manifest *)a)->dir, ((const struct manifest *)b)->dir);
}

static const struct pkgdb_package *npm_owner(struct pkgsrc *src, const char *path, int fd,
					     const struct pkgdb_package **also)
{
	(void)fd;
	*also = NULL;
	if (!src->sorted) {
		if (src->n > 0)
			qsort(src->m, src->n, sizeof *src->m, by_dir);
		src->sorted = true;
	}
	char dir[PATH_MAX];
	pkgsrc_dirname(path, dir, sizeof dir);
	while (src->n > 0) {
		struct manifest key = { .dir = dir };
		struct manifest *m = bsearch(&key, src->m, src->n, sizeof *src->m, by_dir);
		if (m != NULL && m->state == UNREAD)
			read_manifest(src, m);
		if (m != NULL && m->state == NAMED)
			return m->pkg;
		if (strcmp(dir, "/") == 0)
			break;
		char up[PATH_MAX];
		pkgsrc_dirname(dir, up, sizeof up);
		strcpy(dir, up);
	}
	return NULL;
}

static void npm_close(struct pkgsrc *src)
{
	if (src == NULL)
		return;
	for (size_t i = 0; i < src->n; i++)
		free(src->m[i].dir);
	free(src->m);
	pkgdb_free(&src->db);
	free(src);
}

const struct pkgsrc_ops pkgsrc_npm = {
	.name = "npm",
	.tier = PKGSRC_LANGUAGE,
	.record_names = npm_names,
	.open = npm_open,
	.add_record = npm_add_record,
	.owner = npm_owner,
	.close = npm_close,
};
