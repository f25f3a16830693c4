/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pkgnote command: argument parsing and messages over libpkgnote.
 * Only this file prints; the exit status is the highest pkgnote_status met.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkgnote.h"
#include "show_core.h"

static const char usage_text[] =
	"Usage: pkgnote stamp --json FILE|- [-o OUT] [OPTIONS] BINARY...\n"
	"       pkgnote show [--json] [--use-files] BINARY|CORE...\n"
	"       pkgnote --help | --version\n"
	"\n"
	"Stamp ELF package metadata (a .note.package note, owner FDO, type\n"
	"0xcafe1a7e) into linked executables and shared libraries, in their first\n"
	"page so that core dumps carry it; or show the metadata of stamped files.\n"
	"\n"
	"stamp options:\n"
	"  -j, --json FILE|-        metadata: one JSON object (UTF-8, unique keys, no\n"
	"                           control characters, no \\u escapes); read from\n"
	"                           stdin with '-'. At most 64 KiB as given and 2048\n"
	"                           bytes in the compact form that is stored.\n"
	"  -o, --output OUT         write the result to OUT; leave BINARY alone\n"
	"                           (one BINARY only)\n"
	"      --page-size N        region that must hold the ELF header, program\n"
	"                           headers and note (default 4096)\n"
	"      --allow-outside-page if the first page has no room, put the note in a\n"
	"                           new segment at the end of the file (core dumps\n"
	"                           will not contain it) instead of failing\n"
	"      --follow-symlinks    stamp the target of a BINARY that is a symbolic\n"
	"                           link (otherwise such a BINARY is refused)\n"
	"      --no-sync            do not fsync before replacing the file\n"
	"  -q, --quiet              print errors only\n"
	"\n"
	"show prints the metadata of each BINARY; for a core file (ET_CORE), every\n"
	"module mapped in the crash, its build-id and the metadata found in its\n"
	"first page as dumped in the core.\n"
	"show options:\n"
	"      --json               print the stored JSON text as it is; for a\n"
	"                           core, one JSON document of all its modules\n"
	"      --use-files          for a core: read a module's metadata from its\n"
	"                           file when the core lacks it and the file's\n"
	"                           build-id matches\n"
	"\n"
	"Exit status (with several files, the highest that occurred):\n"
	"  0  success\n"
	"  1  show: a file carries no package metadata (a core: no module does)\n"
	"  2  usage error\n"
	"  3  invalid JSON metadata\n"
	"  4  not an ELF executable or shared library that can be stamped\n"
	"  5  no room for the note in the first page\n"
	"  6  I/O error (open, read, write, sync, rename)\n"
	"  7  the written result failed verification (the input is untouched)\n";

struct cli {
	const char *json_path;
	const char *output;
	bool show_json;
	bool use_files;
	bool quiet;
	struct pkgnote_stamp_options opts;
};

static void report_error(const struct pkgnote_error *err)
{
	fprintf(stderr, "pkgnote: %s\n", err->message);
}

static int usage_error(const char *what, const char *reason)
{
	fprintf(stderr, "pkgnote: %s%s%s\nTry 'pkgnote --help'.\n", what, *what ? ": " : "", reason);
	return PKGNOTE_USAGE;
}

static int worse(int a, int b)
{
	return a > b ? a : b;
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
	if (buf == NULL) {
		fprintf(stderr, "pkgnote: %s: out of memory\n", path);
		return PKGNOTE_IO;
	}
	size_t n = fread(buf, 1, cap, f);
	int failed = ferror(f);
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

static void print_report(const char *path, const struct pkgnote_stamp_report *rep,
			 const struct cli *cli)
{
	if (rep->outside_page)
		fprintf(stderr,
			"pkgnote: %s: warning: the note is outside the first page; core dumps will not contain it\n",
			path);
	if (cli->quiet)
		return;
	if (rep->unchanged)
		printf("%s: already stamped with this metadata\n", path);
	else
		printf("%s: %s note at offset 0x%llx%s\n", cli->output ? cli->output : path,
		       rep->replaced ? "replaced" : "added", (unsigned long long)rep->note_offset,
		       rep->new_first_page ? " (new first page)"
		       : rep->moved_sections ? " (moved sections out of page 1)" : "");
}

static int cmd_stamp(struct cli *cli, int argc, char **argv)
{
	if (cli->json_path == NULL)
		return usage_error("", "stamp needs --json FILE");
	if (argc == 0)
		return usage_error("", "stamp needs at least one BINARY");
	if (cli->output != NULL && argc != 1)
		return usage_error("", "-o OUT takes exactly one BINARY");

	char *text = NULL, *json = NULL;
	size_t len = 0;
	int status = read_json_input(cli->json_path, &text, &len);
	if (status != PKGNOTE_OK)
		return status;
	struct pkgnote_error err;
	status = pkgnote_json_compact(text, len, cli->json_path, &json, &err);
	free(text);
	if (status != PKGNOTE_OK) {
		report_error(&err);
		return status;
	}
	cli->opts.output = cli->output;
	int worst = PKGNOTE_OK;
	for (int i = 0; i < argc; i++) {
		struct pkgnote_stamp_report rep;
		int r = pkgnote_stamp_file(argv[i], json, &cli->opts, &rep, &err);
		if (r != PKGNOTE_OK)
			report_error(&err);
		else
			print_report(argv[i], &rep, cli);
		worst = worse(worst, r);
	}
	free(json);
	return worst;
}

static int cmd_show(struct cli *cli, int argc, char **argv)
{
	if (argc == 0)
		return usage_error("", "show needs at least one BINARY");
	int worst = PKGNOTE_OK;
	for (int i = 0; i < argc; i++) {
		if (pkgnote_is_core(argv[i])) {
			worst = worse(worst, show_core(argv[i], cli->show_json, cli->use_files));
			continue;
		}
		struct pkgnote_error err;
		struct pkgnote_note_info info;
		char *json = NULL;
		int r = pkgnote_read_file(argv[i], cli->opts.page_size, &json, &info, &err);
		worst = worse(worst, r);
		if (r != PKGNOTE_OK) {
			report_error(&err);
			continue;
		}
		if (cli->show_json) {
			if (argc > 1)
				printf("%s: ", argv[i]);
			printf("%s\n", json);
		} else {
			if (argc > 1)
				printf("%s:\n", argv[i]);
			print_fields(json, argc > 1 ? "  " : "");
			if (!info.in_first_page)
				fprintf(stderr, "pkgnote: %s: warning: the note is not in the first page\n",
					argv[i]);
		}
		free(json);
	}
	return worst;
}

enum { OPT_PAGE_SIZE = 256, OPT_OUTSIDE, OPT_FOLLOW, OPT_NO_SYNC, OPT_VERSION, OPT_USE_FILES };

/* stamp takes --json FILE, show takes a bare --json: the command word comes
 * first and picks the option table. */
static const struct option stamp_options[] = {
	{ "json", required_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "allow-outside-page", no_argument, NULL, OPT_OUTSIDE },
	{ "follow-symlinks", no_argument, NULL, OPT_FOLLOW },
	{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const struct option show_options[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "use-files", no_argument, NULL, OPT_USE_FILES },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, else the exit status. */
static int parse_options(struct cli *cli, int argc, char **argv, bool stamp)
{
	int c;
	while ((c = getopt_long(argc, argv, stamp ? "j:o:qh" : "h",
				stamp ? stamp_options : show_options, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j':
			cli->json_path = optarg;
			break;
		case 'J':
			cli->show_json = true;
			break;
		case OPT_USE_FILES:
			cli->use_files = true;
			break;
		case 'o':
			cli->output = optarg;
			break;
		case OPT_PAGE_SIZE:
			errno = 0;
			cli->opts.page_size = strtoull(optarg, &end, 0);
			if (errno || *end || cli->opts.page_size < 512 ||
			    (cli->opts.page_size & (cli->opts.page_size - 1)))
				return usage_error(optarg, "--page-size is not a power of two of at least 512");
			break;
		case OPT_OUTSIDE:
			cli->opts.allow_outside_page = true;
			break;
		case OPT_FOLLOW:
			cli->opts.follow_symlinks = true;
			break;
		case OPT_NO_SYNC:
			cli->opts.no_sync = true;
			break;
		case 'q':
			cli->quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_VERSION:
			printf("pkgnote %s\n", pkgnote_version());
			return 0;
		default:
			fprintf(stderr, "Try 'pkgnote --help'.\n");
			return PKGNOTE_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	if (argc < 2)
		return usage_error("", "no command given (stamp or show)");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("pkgnote %s\n", pkgnote_version());
		return 0;
	}
	bool stamp = strcmp(cmd, "stamp") == 0;
	if (!stamp && strcmp(cmd, "show") != 0)
		return usage_error(cmd, "unknown command (stamp or show)");
	int status = parse_options(&cli, argc - 1, argv + 1, stamp);
	if (status >= 0)
		return status;
	int nfiles = argc - 1 - optind;
	char **files = argv + 1 + optind;
	status = stamp ? cmd_stamp(&cli, nfiles, files) : cmd_show(&cli, nfiles, files);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "pkgnote: cannot write output: %s\n", strerror(errno));
		status = worse(status, PKGNOTE_IO);
	}
	return status;
}
