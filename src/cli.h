/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the parts of the pkgnote command share. */
#ifndef PKGNOTE_CLI_H
#define PKGNOTE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "pkgnote.h"

struct retrofit;

/* Metadata given as options; each set field overrides --json's key. */
struct fields {
	const char *type, *name, *version, *arch, *debuginfod_url;
	bool os_release;             /* --os-release given */
	const char *os_release_file; /* its =FILE, or NULL for the system's */
	const char **set;            /* --set KEY=VALUE, in order */
	size_t nset;
};

struct cli {
	const char *json_path;
	const char *output;
	struct fields fields;
	bool show_json;
	bool use_files;
	bool quiet;
	bool verbose;
	bool recursive;
	bool check_json;
	const char *require;         /* check --require KEY,... */
	long jobs;                   /* -j N; 0: one per processor */
	const char *db_root;         /* --from-dpkg/--from-rpm/--from-packages ROOT, or NULL */
	const char *db_kind;         /* the source named ("dpkg"), NULL for every source */
	const char *origins_file;    /* --origins FILE, or NULL */
	bool replace_notes;          /* --replace-notes: over notes files carry */
	struct retrofit *retrofit;   /* the records read for this run (batch.c) */
	struct pkgnote_stamp_options opts;
};

/* metadata.c: the metadata to stamp, from --json and the fields, validated
 * by the library (messages printed). */
int metadata_build(const struct cli *cli, struct pkgnote_metadata **md);
bool fields_given(const struct fields *f);

/* batch.c: stamp or check every PATH (walking directories with -r). */
int run_stamp(struct cli *cli, const struct pkgnote_metadata *md, int argc, char **argv);
int run_check(struct cli *cli, int argc, char **argv);

#endif
