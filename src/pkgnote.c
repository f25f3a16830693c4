/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pkgnote command: argument parsing and the three commands over
 * libpkgnote (stamp and check of many files in batch.c, the metadata to
 * stamp in metadata.c, cores in show_core.c).  The exit status is the
 * highest pkgnote_status met.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "md_json.h"
#include "messages.h"
#include "pkgnote.h"
#include "show_core.h"

static const char usage_text[] =
	"Usage: pkgnote stamp (--json FILE|- | FIELDS) [OPTIONS] PATH...\n"
	"       pkgnote stamp --from-packages|--from-dpkg|--from-rpm|--from-apk ROOT\n"
	"                     [OPTIONS] [PATH...]\n"
	"       pkgnote show [--json] [--use-files] BINARY|CORE...\n"
	"       pkgnote check [--require KEY,...] [-r] [--json] PATH...\n"
	"       pkgnote check --from-packages|--from-dpkg|--from-rpm|--from-apk ROOT\n"
	"                     [PATH...]\n"
	"       pkgnote --help | --version\n"
	"\n"
	"Stamp ELF package metadata (a .note.package note, owner FDO, type\n"
	"0xcafe1a7e) into linked executables and shared libraries, in their first\n"
	"page so that core dumps carry it; show the metadata of files or of the\n"
	"modules of a core file; check that files carry it.\n"
	"\n"
	"Metadata for stamp:\n"
	"      --json FILE|-        one JSON object (UTF-8, unique keys, no control\n"
	"                           characters, no \\u escapes); '-' reads stdin. At\n"
	"                           most 64 KiB as given and 2048 bytes in the\n"
	"                           compact form that is stored.\n"
	"      --type T, --name N, --version V, --arch A (\"architecture\"),\n"
	"      --debuginfod-url URL (\"debugInfoUrl\"), --set KEY=VALUE (any key)\n"
	"      --os-release[=FILE]  os, osVersion, osCpe from os-release's ID,\n"
	"                           VERSION_ID, CPE_NAME (default /etc/os-release)\n"
	"                           Fields add keys to --json's object or replace\n"
	"                           them; the result is validated like --json.\n"
	"Metadata from a root's package records (stamp and check):\n"
	"      --from-packages ROOT every source of package records ROOT has, asked\n"
	"                           in turn: the OS database (dpkg, rpm, apk), records\n"
	"                           of language packages, what a file records of\n"
	"                           its build, the --origins map; the first that\n"
	"                           names a file wins (doc/retrofit.md)\n"
	"      --from-dpkg ROOT     ROOT's dpkg database only (status, or distroless\n"
	"                           status.d): {type deb, os, osVersion (ROOT's\n"
	"                           os-release), name, version, architecture}\n"
	"      --from-rpm ROOT      ROOT's rpm database only (rpm --root): {type rpm,\n"
	"                           name, version V-R, architecture, osCpe}\n"
	"      --from-apk ROOT      ROOT's apk database only: {type apk, os,\n"
	"                           osVersion, name, version, architecture}.\n"
	"                           name and version are the source package's;\n"
	"                           binaryPackage, binaryVersion the package's.\n"
	"                           PATHs must be below ROOT (default: ROOT,\n"
	"                           walked). Files no package owns are skipped, or\n"
	"                           get --json/FIELDS when given. check reports\n"
	"                           notes that disagree with the records.\n"
	"      --origins FILE       with --from-packages: metadata by path pattern\n"
	"                           for files no other record names\n"
	"      --replace-notes      also stamp files that already carry a package\n"
	"                           note (kept by default with --from-*)\n"
	"stamp options:\n"
	"  -r, --recursive          walk directories: stamp every ELF executable and\n"
	"                           shared library found by content, skip the rest;\n"
	"                           symbolic links inside are never followed, hard\n"
	"                           links are stamped once and all keep naming it\n"
	"  -j, --jobs N             stamp with N processes (default: one per CPU)\n"
	"  -o, --output OUT         write the result to OUT; leave BINARY alone\n"
	"                           (one BINARY only)\n"
	"      --page-size N        region that must hold the ELF header, program\n"
	"                           headers and note (default 4096)\n"
	"      --allow-outside-page if the first page has no room, put the note in a\n"
	"                           new segment at the end of the file (core dumps\n"
	"                           will not contain it) instead of failing\n"
	"      --follow-symlinks    stamp the target of a PATH that is a symbolic\n"
	"                           link (otherwise such a PATH is refused)\n"
	"      --keep-timestamps    give stamped files their old access and\n"
	"                           modification times; with SOURCE_DATE_EPOCH set,\n"
	"                           no time is later than it (as rpm and Debian do)\n"
	"      --no-sync            do not fsync before replacing the file\n"
	"      --in-place           edit files where they are (their first page is\n"
	"                           written last, in one write) instead of\n"
	"                           replacing them by stamped copies; files with\n"
	"                           other hard links, running programs and layouts\n"
	"                           that change more than the first page and the\n"
	"                           end are copied (-v says why). Not for shared\n"
	"                           libraries that running processes have mapped\n"
	"  -q, --quiet              print only errors, warnings and, for several\n"
	"                           files, the summary line\n"
	"  -v, --verbose            also say why files were skipped, why --in-place\n"
	"                           copied a file, and with --from-* each file's\n"
	"                           origin (the source and the metadata it gives)\n"
	"show options:\n"
	"      --json               print the stored JSON text as it is; for a\n"
	"                           core, one JSON document of all its modules\n"
	"      --use-files          for a core: read a module's metadata from its\n"
	"                           file when the core lacks it and the file's\n"
	"                           build-id matches\n"
	"check options:\n"
	"      --require KEY,...    the note must hold these keys\n"
	"  -r, --recursive, --json (one JSON record per file), -v (list good files),\n"
	"      --from-packages|--from-dpkg|--from-rpm|--from-apk ROOT, --origins FILE\n"
	"\n"
	"With several files, the exit status is the highest that occurred:\n"
	"  0  success\n"
	"  1  show: a file carries no package metadata (a core: no module does);\n"
	"     check: a file has a problem (no note, a note outside the first page,\n"
	"     a required key missing, a note its package records disagree with,\n"
	"     not an ELF file that can be read)\n"
	"  2  usage error\n"
	"  3  invalid JSON metadata\n"
	"  4  not an ELF executable or shared library that can be stamped\n"
	"  5  no room for the note in the first page (with trailing data: none\n"
	"     that leaves it in place)\n"
	"  6  I/O error (open, read, write, sync, rename), or out of memory\n"
	"  7  the written result failed verification (the input is untouched)\n"
	"  8  internal error: a bug in pkgnote (nothing was written)\n";

/* With --from-* ROOT and no PATH, ROOT is walked.  --origins is one of
 * --from-packages' sources. */
static int default_to_root(struct cli *cli, int *argc, char ***argv)
{
	static char *root[1];
	if (cli->origins_file != NULL && (cli->db_root == NULL || cli->db_kind != NULL))
		return usage_error("--origins", "goes with --from-packages ROOT");
	if (cli->db_root == NULL || *argc > 0)
		return -1;
	root[0] = (char *)cli->db_root;
	*argv = root;
	*argc = 1;
	cli->recursive = true;
	return -1;
}

static int cmd_stamp(struct cli *cli, int argc, char **argv)
{
	int status = default_to_root(cli, &argc, &argv);
	if (status >= 0)
		return status;
	if (argc == 0)
		return usage_error("", "stamp needs at least one PATH");
	if (cli->output != NULL && (argc != 1 || cli->recursive || cli->db_root))
		return usage_error("", "-o OUT takes exactly one BINARY (and no --from-*)");
	if (cli->output != NULL && cli->opts.in_place)
		return usage_error("", "--in-place edits BINARY itself: it cannot go with -o");
	struct pkgnote_metadata *md = NULL;
	/* With a database, --json and fields are only for files no package owns. */
	bool fallback = cli->json_path != NULL || fields_given(&cli->fields);
	status = cli->db_root && !fallback ? PKGNOTE_OK : metadata_build(cli, &md);
	if (status != PKGNOTE_OK)
		return status;
	cli->opts.output = cli->output;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde != NULL && *sde) {
		char *end;
		errno = 0;
		long long v = strtoll(sde, &end, 10);
		if (errno || *end || v < 0) {
			pkgnote_metadata_free(md);
			return usage_error(sde, "SOURCE_DATE_EPOCH is not a number of seconds");
		}
		cli->opts.clamp_mtime = v;
	}
	status = run_stamp(cli, md, argc, argv);
	pkgnote_metadata_free(md);
	return status;
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
		struct pkgnote_note_info info = PKGNOTE_NOTE_INFO_INIT;
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
			md_json_print_fields(json, argc > 1 ? "  " : "");
			if (!info.in_first_page)
				fprintf(stderr, "pkgnote: %s: warning: the note is not in the first page\n",
					argv[i]);
		}
		free(json);
	}
	return worst;
}

enum {
	OPT_PAGE_SIZE = 256, OPT_OUTSIDE, OPT_FOLLOW, OPT_NO_SYNC, OPT_VERSION, OPT_USE_FILES,
	OPT_TYPE, OPT_NAME, OPT_PKGVERSION, OPT_ARCH, OPT_OS_RELEASE, OPT_DEBUGINFOD, OPT_SET,
	OPT_KEEP_TIMES, OPT_REQUIRE, OPT_JSON_FLAG, OPT_JSON_FILE, OPT_FROM_DPKG, OPT_FROM_RPM,
	OPT_REPLACE_NOTES, OPT_IN_PLACE, OPT_FROM_PACKAGES, OPT_ORIGINS, OPT_FROM_APK,
};

/* stamp takes --json FILE, show and check take a bare --json: the command
 * word comes first and picks the option table. */
static const struct option stamp_options[] = {
	{ "json", required_argument, NULL, OPT_JSON_FILE },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "version", required_argument, NULL, OPT_PKGVERSION },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "os-release", optional_argument, NULL, OPT_OS_RELEASE },
	{ "debuginfod-url", required_argument, NULL, OPT_DEBUGINFOD },
	{ "set", required_argument, NULL, OPT_SET },
	{ "from-dpkg", required_argument, NULL, OPT_FROM_DPKG },
	{ "from-rpm", required_argument, NULL, OPT_FROM_RPM },
	{ "from-apk", required_argument, NULL, OPT_FROM_APK },
	{ "from-packages", required_argument, NULL, OPT_FROM_PACKAGES },
	{ "origins", required_argument, NULL, OPT_ORIGINS },
	{ "replace-notes", no_argument, NULL, OPT_REPLACE_NOTES },
	{ "recursive", no_argument, NULL, 'r' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "allow-outside-page", no_argument, NULL, OPT_OUTSIDE },
	{ "follow-symlinks", no_argument, NULL, OPT_FOLLOW },
	{ "keep-timestamps", no_argument, NULL, OPT_KEEP_TIMES },
	{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
	{ "in-place", no_argument, NULL, OPT_IN_PLACE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option show_options[] = {
	{ "json", no_argument, NULL, OPT_JSON_FLAG },
	{ "use-files", no_argument, NULL, OPT_USE_FILES },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option check_options[] = {
	{ "json", no_argument, NULL, OPT_JSON_FLAG },
	{ "require", required_argument, NULL, OPT_REQUIRE },
	{ "from-dpkg", required_argument, NULL, OPT_FROM_DPKG },
	{ "from-rpm", required_argument, NULL, OPT_FROM_RPM },
	{ "from-apk", required_argument, NULL, OPT_FROM_APK },
	{ "from-packages", required_argument, NULL, OPT_FROM_PACKAGES },
	{ "origins", required_argument, NULL, OPT_ORIGINS },
	{ "recursive", no_argument, NULL, 'r' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_number(const char *arg, const char *what, unsigned long long *v)
{
	char *end;
	errno = 0;
	*v = strtoull(arg, &end, 0);
	return errno || *end || *arg == '\0' ? usage_error(arg, what) : -1;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(struct cli *cli, int argc, char **argv, const char *cmd)
{
	const struct option *table = strcmp(cmd, "stamp") == 0 ? stamp_options
				     : strcmp(cmd, "show") == 0 ? show_options : check_options;
	static const char *sets[64];
	struct fields *f = &cli->fields;
	f->set = sets;
	int c, r;
	unsigned long long v;
	while ((c = getopt_long(argc, argv, table == stamp_options ? "j:o:rqvh" : "j:rvh",
				table, NULL)) != -1) {
		switch (c) {
		case OPT_JSON_FILE: cli->json_path = optarg; break;
		case OPT_JSON_FLAG: cli->show_json = cli->check_json = true; break;
		case OPT_USE_FILES: cli->use_files = true; break;
		case OPT_TYPE: f->type = optarg; break;
		case OPT_NAME: f->name = optarg; break;
		case OPT_PKGVERSION: f->version = optarg; break;
		case OPT_ARCH: f->arch = optarg; break;
		case OPT_DEBUGINFOD: f->debuginfod_url = optarg; break;
		case OPT_OS_RELEASE:
			f->os_release = true;
			f->os_release_file = optarg;
			break;
		case OPT_SET:
			if (f->nset == sizeof sets / sizeof sets[0])
				return usage_error(optarg, "too many --set options");
			sets[f->nset++] = optarg;
			break;
		case OPT_REQUIRE: cli->require = optarg; break;
		case OPT_FROM_DPKG:
		case OPT_FROM_RPM:
		case OPT_FROM_APK:
		case OPT_FROM_PACKAGES:
			if (cli->db_root != NULL)
				return usage_error(optarg, "one --from-* option only");
			cli->db_root = optarg;
			cli->db_kind = c == OPT_FROM_RPM ? "rpm" : c == OPT_FROM_DPKG ? "dpkg"
				       : c == OPT_FROM_APK ? "apk" : NULL;
			break;
		case OPT_ORIGINS: cli->origins_file = optarg; break;
		case OPT_REPLACE_NOTES: cli->replace_notes = true; break;
		case 'r': cli->recursive = true; break;
		case 'j':
			if ((r = parse_number(optarg, "-j/--jobs takes a number", &v)) >= 0)
				return r;
			cli->jobs = v > 1024 ? 1024 : (long)v;
			break;
		case 'o': cli->output = optarg; break;
		case OPT_PAGE_SIZE:
			if ((r = parse_number(optarg, "--page-size is not a number", &v)) >= 0)
				return r;
			if (v < 512 || (v & (v - 1)))
				return usage_error(optarg, "--page-size is not a power of two of at least 512");
			cli->opts.page_size = v;
			break;
		case OPT_OUTSIDE: cli->opts.allow_outside_page = true; break;
		case OPT_FOLLOW: cli->opts.follow_symlinks = true; break;
		case OPT_KEEP_TIMES: cli->opts.keep_timestamps = true; break;
		case OPT_NO_SYNC: cli->opts.no_sync = true; break;
		case OPT_IN_PLACE: cli->opts.in_place = true; break;
		case 'q': cli->quiet = true; break;
		case 'v': cli->verbose = true; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'pkgnote --help'.\n");
			return PKGNOTE_USAGE;
		}
	}
	return -1;
}

static int cmd_check(struct cli *cli, int argc, char **argv)
{
	int status = default_to_root(cli, &argc, &argv);
	if (status >= 0)
		return status;
	if (argc == 0)
		return usage_error("", "check needs at least one PATH");
	return run_check(cli, argc, argv);
}

int main(int argc, char **argv)
{
	struct cli cli = { .opts = PKGNOTE_STAMP_OPTIONS_INIT };
	/* Past a file size limit, a write must fail (and the temporary file be
	 * removed), not kill the process half-way. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2)
		return usage_error("", "no command given (stamp, show or check)");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("pkgnote %s\n", pkgnote_version());
		return 0;
	}
	if (strcmp(cmd, "stamp") != 0 && strcmp(cmd, "show") != 0 && strcmp(cmd, "check") != 0)
		return usage_error(cmd, "unknown command (stamp, show or check)");
	int status = parse_options(&cli, argc - 1, argv + 1, cmd);
	if (status >= 0)
		return status;
	int nfiles = argc - 1 - optind;
	char **files = argv + 1 + optind;
	status = strcmp(cmd, "stamp") == 0 ? cmd_stamp(&cli, nfiles, files)
		 : strcmp(cmd, "show") == 0 ? cmd_show(&cli, nfiles, files)
		 : cmd_check(&cli, nfiles, files);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "pkgnote: cannot write output: %s\n", strerror(errno));
		status = worse(status, PKGNOTE_IO);
	}
	return status;
}
