/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The metadata to stamp.  --json gives a whole object; the field options
 * (--type, --name, --version, --arch, --os-release, --debuginfod-url,
 * --set KEY=VALUE) add keys to it or replace the keys it has, in place.
 * The result goes through the same validation as --json alone, once, just
 * before it is stamped (md_json.c holds the one representation).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "md_json.h"
#include "messages.h"
#include "pkgdb.h"

bool fields_given(const struct fields *f)
{
	return f->type || f->name || f->version || f->arch || f->debuginfod_url ||
	       f->os_release || f->nset > 0;
}

/* Read the metadata file (or stdin) whole, bounded by the input limit. */
static int read_json_input(const char *path, char **text, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "pkgnote: %s: cannot open: %s\n", path, strerror(errno));
		return PKGNOTE_IO;
	}
	size_t cap = PKGNOTE_JSON_INPUT_MAX + 1;
	char *buf = malloc(cap + 1);
	size_t n = buf ? fread(buf, 1, cap, f) : 0;
	int failed = buf == NULL || ferror(f);
	if (f != stdin)
		fclose(f);
	if (failed) {
		fprintf(stderr, "pkgnote: %s: cannot read\n", path);
		free(buf);
		return PKGNOTE_IO;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return PKGNOTE_OK;
}

/* ID, VERSION_ID and CPE_NAME of os-release into os, osVersion, osCpe. */
static int add_os_release(json_object *obj, const char *file)
{
	const char *paths[] = { file, "/etc/os-release", "/usr/lib/os-release" };
	FILE *f = NULL;
	for (size_t i = file ? 0 : 1; i < 3 && f == NULL; i++) {
		f = fopen(paths[i], "r");
		if (file != NULL)
			break;
	}
	if (f == NULL) {
		fprintf(stderr, "pkgnote: %s: cannot open: %s\n", file ? file : "/etc/os-release",
			strerror(errno));
		return PKGNOTE_IO;
	}
	struct pkgdb_os os = { 0 };
	pkgdb_parse_os_release(f, &os);
	/* In the specification's order, whatever the file's. */
	const char *const keys[] = { "os", "osVersion", "osCpe" };
	const char *const values[] = { os.id, os.version_id, os.cpe };
	for (size_t k = 0; k < 3; k++)
		md_json_set(obj, keys[k], values[k]);
	pkgdb_os_free(&os);
	fclose(f);
	return PKGNOTE_OK;
}

/* The --json input.  Alone it is the metadata: the library validates the
 * text once, into *md.  With fields to merge it becomes *obj, after the
 * library has checked it as text (json-c would keep the last of duplicate
 * keys and decode \u escapes: a bad file must be refused under its name). */
static int read_input(const char *path, bool merge, struct pkgnote_metadata **md,
		      json_object **obj)
{
	struct pkgnote_error err;
	char *text = NULL, *compact = NULL;
	size_t len = 0;
	int r = read_json_input(path, &text, &len);
	if (r != PKGNOTE_OK)
		return r;
	if (!merge)
		r = pkgnote_metadata_parse(text, len, path, md, &err);
	else
		r = pkgnote_json_compact(text, len, path, &compact, &err);
	if (r != PKGNOTE_OK)
		report_error(&err);
	else if (merge && (*obj = md_json_parse(compact)) == NULL)
		r = PKGNOTE_IO;
	free(compact);
	free(text);
	return r;
}

/* The field options onto obj, in the order the specification lists the
 * well-known keys, then --set. */
static int set_fields(json_object *obj, const struct fields *f)
{
	int r = PKGNOTE_OK, oom = md_json_set(obj, "type", f->type);
	if (f->os_release)
		r = add_os_release(obj, f->os_release_file);
	oom |= md_json_set(obj, "name", f->name) | md_json_set(obj, "version", f->version) |
	       md_json_set(obj, "architecture", f->arch) |
	       md_json_set(obj, "debugInfoUrl", f->debuginfod_url);
	for (size_t i = 0; i < f->nset && r == PKGNOTE_OK; i++) {
		const char *eq = strchr(f->set[i], '=');
		if (eq == NULL || eq == f->set[i])
			return usage_error(f->set[i], "--set takes KEY=VALUE");
		char *key = strndup(f->set[i], (size_t)(eq - f->set[i]));
		oom |= key == NULL || md_json_set(obj, key, eq + 1) != 0;
		free(key);
	}
	if (r == PKGNOTE_OK && oom) {
		fprintf(stderr, "pkgnote: metadata fields: %s\n", strerror(ENOMEM));
		r = PKGNOTE_IO;
	}
	return r;
}

int metadata_build(const struct cli *cli, struct pkgnote_metadata **md)
{
	const struct fields *f = &cli->fields;
	bool merge = fields_given(f);
	json_object *obj = NULL;
	int r = PKGNOTE_OK;
	*md = NULL;
	if (cli->json_path == NULL && !merge)
		return usage_error("", "stamp needs --json FILE or metadata fields (--type, --name, ...)");
	if (cli->json_path != NULL)
		r = read_input(cli->json_path, merge, md, &obj);
	else if ((obj = json_object_new_object()) == NULL)
		r = PKGNOTE_IO;
	if (r != PKGNOTE_OK || !merge)
		return r;
	r = set_fields(obj, f);
	if (r == PKGNOTE_OK) {
		struct pkgnote_error err;
		r = md_json_seal(obj, "metadata fields", md, &err);
		if (r != PKGNOTE_OK)
			report_error(&err);
	}
	json_object_put(obj);
	return r;
}
