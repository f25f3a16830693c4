/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conda's records: PREFIX/conda-meta/NAME-VERSION-BUILD.json, one JSON
 * object per installed package with "name", "version", "build", "subdir"
 * (the channel's platform directory: "linux-64", "noarch") and "files",
 * the package's paths relative to PREFIX.  Each becomes
 *   {"type":"conda","name":...,"version":...,"build":...,"subdir":...}
 * build and subdir being the qualifiers that tell two builds of one
 * version apart (a package URL names them the same way); either is left
 * out when the record lacks it.  Every conda-meta directory the walk finds
 * is a prefix (the base environment and each envs/NAME).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "listed.h"
#include "md_json.h"

static const char *const conda_names[] = { "conda-meta", NULL };

/* FILES' paths (relative to PREFIX) owned by P. */
static int add_files(struct pkgsrc *src, const char *path, const char *prefix,
		     json_object *files, const struct pkgdb_package *p)
{
	struct pkgsrc_members m = { .res.rootfd = src->root.rootfd };
	char real[PATH_MAX];
	size_t n = json_object_array_length(files);
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(files, i);
		const char *why = NULL;
		if (!json_object_is_type(f, json_type_string) || *json_object_get_string(f) == '\0')
			pkgsrc_warn(&src->root, path, "files[%zu]: not a path", i);
		else if (pkgsrc_member(&m, prefix, json_object_get_string(f), real, sizeof real, &why) != 0)
			pkgsrc_warn(&src->root, path, "files[%zu]: %s %s", i, json_object_get_string(f), why);
		else if (pkgdb_add_owner(&src->db, real, p) != 0)
			return -1;
	}
	return 0;
}

static int read_meta(struct pkgsrc *src, const char *path, const char *prefix)
{
	char *text = NULL;
	size_t len;
	if (pkgsrc_read(src->root.rootfd, path, PKGSRC_CONDA_MAX, &text, &len) != 0) {
		pkgsrc_warn(&src->root, path, "%s", pkgsrc_read_error(errno, PKGSRC_CONDA_MAX));
		return 0;
	}
	const char *bad = NULL;
	json_object *obj = pkgsrc_parse_json(text, len, false, &bad);
	free(text);
	json_object *files = NULL, *extra = json_object_new_object();
	const char *name = md_json_string(obj, "name"), *version = md_json_string(obj, "version");
	int r = 0;
	if (!json_object_is_type(obj, json_type_object)) {
		pkgsrc_warn(&src->root, path, "not a JSON object (%s)", bad ? bad : "another JSON value");
	} else if (name == NULL || version == NULL || !*name || !*version) {
		pkgsrc_warn(&src->root, path, "lacks a string name or version");
	} else if (!json_object_object_get_ex(obj, "files", &files) ||
		   !json_object_is_type(files, json_type_array)) {
		pkgsrc_warn(&src->root, path, "lacks a files list");
	} else if (extra != NULL) {
		static const char *const qualifiers[] = { "build", "subdir" };
		for (size_t k = 0; k < 2; k++)
			md_json_set(extra, qualifiers[k], md_json_string(obj, qualifiers[k]));
		const struct pkgdb_package *p = listed_package(src, path, "conda", name, version, extra);
		if (p != NULL)
			r = add_files(src, path, prefix, files, p);
	}
	json_object_put(extra);
	json_object_put(obj);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json files of DIR's directory stream, sorted (warnings in a
 * stable order); NULL-terminated, NULL when out of memory. */
static char **json_names(DIR *d, size_t *n)
{
	char **names = NULL;
	size_t cap = 0;
	*n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (PN_GROW(names, cap, *n + 2, 64) != 0)
			goto nomem;
		if ((names[*n] = strdup(e->d_name)) == NULL)
			goto nomem;
		(*n)++;
	}
	if (names != NULL)
		qsort(names, *n, sizeof *names, by_name);
	return names ? names : calloc(1, sizeof *names);
nomem:
	while (*n > 0)
		free(names[--*n]);
	free(names);
	return NULL;
}

static int conda_add_record(struct pkgsrc *src, const char *path)
{
	int fd = openat(src->root.rootfd, path + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		/* A file called conda-meta is not conda's. */
		if (errno != ENOTDIR)
			pkgsrc_warn(&src->root, path, "cannot read: %s", strerror(errno));
		return 0;
	}
	size_t n;
	char **names = json_names(d, &n);
	closedir(d);
	if (names == NULL)
		return -1;
	char prefix[PATH_MAX], file[PATH_MAX];
	pkgsrc_dirname(path, prefix, sizeof prefix);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(file, sizeof file, "%s/%s", path, names[i]);
		if (r == 0)
			r = read_meta(src, file, prefix);
		free(names[i]);
	}
	free(names);
	return r;
}

const struct pkgsrc_ops pkgsrc_conda = {
	.name = "conda",
	.tier = PKGSRC_LANGUAGE,
	.record_names = conda_names,
	.open = listed_open,
	.add_record = conda_add_record,
	.owner = listed_owner,
	.close = listed_close,
};
