/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Using libpkgnote: stamp a binary, read the note back, read a core file.
 *
 *   stamp-and-read BINARY OUTPUT   stamp a copy of BINARY as OUTPUT with the
 *                                  metadata below, then read OUTPUT's note
 *   stamp-and-read --core CORE     list the modules of CORE with metadata
 *
 * Build against an installed libpkgnote:
 *   cc stamp-and-read.c $(pkg-config --cflags --libs pkgnote)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pkgnote.h>

static const char metadata[] =
	"{ \"type\": \"deb\", \"name\": \"example\", \"version\": \"1.0-1\",\n"
	"  \"architecture\": \"amd64\" }\n";

static int fail(const struct pkgnote_error *err)
{
	fprintf(stderr, "stamp-and-read: %s\n", err->message);
	return 1;
}

static int stamp_and_read(const char *binary, const char *output)
{
	struct pkgnote_error err;
	struct pkgnote_metadata *md = NULL;

	/* Metadata is validated once, here; stamping takes nothing else. */
	if (pkgnote_metadata_parse(metadata, strlen(metadata), "metadata", &md, &err) != PKGNOTE_OK)
		return fail(&err);

	struct pkgnote_stamp_options opts = PKGNOTE_STAMP_OPTIONS_INIT;
	struct pkgnote_stamp_report report = PKGNOTE_STAMP_REPORT_INIT;
	opts.output = output;		/* leave BINARY as it is */
	enum pkgnote_status st = pkgnote_stamp_file(binary, md, &opts, &report, &err);
	pkgnote_metadata_free(md);
	if (st != PKGNOTE_OK)
		return fail(&err);
	printf("stamped: %s, note at offset 0x%" PRIx64 "\n", output, report.note_offset);

	struct pkgnote_note_info info = PKGNOTE_NOTE_INFO_INIT;
	char *json = NULL;
	if (pkgnote_read_file(output, 0, &json, &info, &err) != PKGNOTE_OK)
		return fail(&err);
	printf("read: %s (%s)\n", json, info.in_first_page ? "in the first page" : "elsewhere");
	free(json);
	return 0;
}

static int read_core(const char *core)
{
	struct pkgnote_error err;
	struct pkgnote_core_report *report = NULL;

	if (pkgnote_read_core(core, false, &report, &err) != PKGNOTE_OK)
		return fail(&err);
	for (size_t i = 0; i < pkgnote_core_module_count(report); i++) {
		const struct pkgnote_module *m = pkgnote_core_module(report, i);
		if (m->json != NULL)
			printf("module: %s %s\n", m->name, m->json);
	}
	pkgnote_core_report_free(report);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--core") == 0)
		return read_core(argv[2]);
	if (argc == 3)
		return stamp_and_read(argv[1], argv[2]);
	fprintf(stderr, "usage: stamp-and-read BINARY OUTPUT | --core CORE\n"
		"libpkgnote %s\n", pkgnote_version());
	return 2;
}
