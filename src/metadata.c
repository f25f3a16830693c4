/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The metadata to stamp.  --json gives a whole object; the field options
 * (--type, --name, --version, --arch, --os-release, --debuginfod-url,
 * --set KEY=VALUE) add keys to it or replace the keys it has, in place.
 * The result goes through the same validation as --json alone.
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

int metadata_build(const struct cli *cli, struct pkgnote_metadata **md)
{
	const struct fields *f = &cli->fields;
	struct pkgnote_error err;
	json_object *obj = NULL;
	int r = PKGNOTE_OK;
	*md = NULL;
	if (cli->json_path == NULL && !fields_given(f))
		return usage_error("", "stamp needs --json FILE or metadata fields (--type, --name, ...)");

	if (cli->json_path != NULL) {
		char *text = NULL;
		size_t len = 0;
		r = read_json_input(cli->json_path, &text, &len);
		if (r == PKGNOTE_OK)
			r = pkgnote_metadata_parse(text, len, cli->json_path, md, &err);
		else
			err.message[0] = '\0';
		free(text);
		if (r != PKGNOTE_OK) {
			if (err.message[0])
				report_error(&err);
			return r;
		}
		if (!fields_given(f))
			return PKGNOTE_OK;
		obj = json_tokener_parse(pkgnote_metadata_json(*md));
		pkgnote_metadata_free(*md);
		*md = NULL;
	} else {
		obj = json_object_new_object();
	}
	if (obj == NULL)
		return PKGNOTE_IO;

	/* In the order the specification lists the well-known keys. */
	md_json_set(obj, "type", f->type);
	if (f->os_release)
		r = add_os_release(obj, f->os_release_file);
	md_json_set(obj, "name", f->name);
	md_json_set(obj, "version", f->version);
	md_json_set(obj, "architecture", f->arch);
	md_json_set(obj, "debugInfoUrl", f->debuginfod_url);
	for (size_t i = 0; i < f->nset && r == PKGNOTE_OK; i++) {
		const char *eq = strchr(f->set[i], '=');
		if (eq == NULL || eq == f->set[i]) {
			r = usage_error(f->set[i], "--set takes KEY=VALUE");
			break;
		}
		char *key = strndup(f->set[i], (size_t)(eq - f->set[i]));
		md_json_set(obj, key, eq + 1);
		free(key);
	}
	if (r == PKGNOTE_OK) {
		r = md_json_seal(obj, "metadata fields", md, &err);
		if (r != PKGNOTE_OK)
			report_error(&err);
	}
	json_object_put(obj);
	return r;
}
