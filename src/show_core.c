/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkgnote show CORE: which packages were in a crash.  One line a module in
 * the spirit of coredumpctl info ("Module /usr/bin/ls from rpm
 * coreutils-9.4-7.fc40"), its build-id and fields below it; or, with --json,
 * one document holding every module.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "md_json.h"
#include "messages.h"
#include "pkgnote.h"
#include "show_core.h"

static const char *source_name(enum pkgnote_source s)
{
	return s == PKGNOTE_SOURCE_CORE ? "core" : s == PKGNOTE_SOURCE_FILE ? "file" : NULL;
}

/* "from rpm coreutils-9.4-7.fc40", or what of it the metadata has. */
static void print_module_line(const struct pkgnote_module *m)
{
	printf("Module %s", m->name);
	if (m->json == NULL) {
		printf(" without package metadata\n");
		return;
	}
	json_object *obj = md_json_parse(m->json);
	const char *type = md_json_string(obj, "type"), *name = md_json_string(obj, "name");
	const char *version = md_json_string(obj, "version");
	if (name != NULL)
		printf(" from %s%s%s%s%s", type ? type : "", type ? " " : "", name,
		       version ? "-" : "", version ? version : "");
	else
		printf(" with package metadata");
	printf(" (read from the %s)\n", source_name(m->source));
	json_object_put(obj);
}

static void print_text(const char *path, const struct pkgnote_core_report *r)
{
	for (size_t i = 0; i < pkgnote_core_module_count(r); i++) {
		const struct pkgnote_module *m = pkgnote_core_module(r, i);
		print_module_line(m);
		if (m->path != NULL && strcmp(m->path, m->name) != 0)
			printf("    file: %s\n", m->path);
		printf("    build-id: %s\n", m->build_id ? m->build_id : "(unknown)");
		if (m->json != NULL)
			md_json_print_fields(m->json, "    ");
	}
	for (size_t i = 0; i < pkgnote_core_warning_count(r); i++)
		fprintf(stderr, "pkgnote: %s: warning: %s\n", path, pkgnote_core_warning(r, i));
}

static int print_json(const char *path, const struct pkgnote_core_report *r)
{
	json_object *doc = json_object_new_object(), *mods = json_object_new_array();
	json_object_object_add(doc, "core", json_object_new_string(path));
	for (size_t i = 0; i < pkgnote_core_module_count(r); i++) {
		const struct pkgnote_module *m = pkgnote_core_module(r, i);
		json_object *o = json_object_new_object();
		char addr[32];
		json_object_object_add(o, "name", json_object_new_string(m->name));
		json_object_object_add(o, "file", m->path ? json_object_new_string(m->path) : NULL);
		json_object_object_add(o, "buildId", m->build_id ? json_object_new_string(m->build_id) : NULL);
		snprintf(addr, sizeof addr, "0x%" PRIx64, m->start);
		json_object_object_add(o, "start", json_object_new_string(addr));
		snprintf(addr, sizeof addr, "0x%" PRIx64, m->end);
		json_object_object_add(o, "end", json_object_new_string(addr));
		const char *src = source_name(m->source);
		json_object_object_add(o, "source", src ? json_object_new_string(src) : NULL);
		/* Metadata that is not a JSON object (a hostile core) stays text. */
		json_object *meta = m->json ? md_json_parse(m->json) : NULL;
		if (m->json != NULL && (meta == NULL || !json_object_is_type(meta, json_type_object))) {
			json_object_put(meta);
			meta = json_object_new_string(m->json);
		}
		json_object_object_add(o, "metadata", meta);
		json_object_array_add(mods, o);
	}
	json_object_object_add(doc, "modules", mods);
	json_object *warnings = json_object_new_array();
	for (size_t i = 0; i < pkgnote_core_warning_count(r); i++)
		json_object_array_add(warnings, json_object_new_string(pkgnote_core_warning(r, i)));
	json_object_object_add(doc, "warnings", warnings);
	int ok = puts(json_object_to_json_string_ext(doc, MD_JSON_PLAIN | JSON_C_TO_STRING_PRETTY)) >= 0;
	json_object_put(doc);
	return ok ? 0 : -1;
}

int show_core(const char *path, bool json, bool use_files)
{
	struct pkgnote_core_report *r;
	struct pkgnote_error err;
	enum pkgnote_status st = pkgnote_read_core(path, use_files, &r, &err);
	if (st != PKGNOTE_OK) {
		report_error(&err);
		return st;
	}
	if (json)
		print_json(path, r);
	else
		print_text(path, r);
	int found = 0;
	for (size_t i = 0; i < pkgnote_core_module_count(r); i++)
		found |= pkgnote_core_module(r, i)->json != NULL;
	if (!found && !json)
		fprintf(stderr, "pkgnote: %s: no module carries package metadata\n", path);
	pkgnote_core_report_free(r);
	return found ? PKGNOTE_OK : PKGNOTE_NO_NOTE;
}
