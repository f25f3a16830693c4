/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpkgnote: stamp an ELF package metadata note (.note.package, type
 * 0xcafe1a7e, owner "FDO") into an already linked executable or shared
 * library, in its first page so that core dumps carry it; read it back from
 * a file or from the modules of a core file.
 *
 * Link with `pkg-config --cflags --libs pkgnote` (static linking:
 * `pkg-config --static --libs pkgnote`).  doc/library.md says which
 * changes a later version may make (the ABI policy).
 *
 * Conventions of every function below:
 * - Errors: a function that can fail returns an enum pkgnote_status and,
 *   when it fails, fills the caller's struct pkgnote_error (which may be
 *   NULL when the caller does not want the message) with the status and
 *   "FILE: reason".  The library never prints, never exits and never
 *   changes the process's signal handlers or locale.
 * - Ownership: memory a function returns belongs to the caller, who frees
 *   it with free() or with the function named for it.  Outputs are set to
 *   NULL (or left untouched, for the structs below) when a call fails.
 * - Threads: the library has no global state of its own that callers see.
 *   Different threads may use it at the same time on different objects and
 *   files; one object (struct pkgnote_metadata, pkgnote_pending,
 *   pkgnote_core_report) must not be used by two threads at once, except
 *   that the functions taking a `const` object may.  Stamping a file larger
 *   than 16 MiB with syncing on (no_sync false) starts one helper thread
 *   that tells the kernel to write the copy back while it is being written;
 *   it is joined before the call returns.  Reading a core file loads elfutils' libdw
 *   with dlopen() the first time (once per process).
 * - Growing structs: every struct the caller allocates starts with a
 *   `size` member, which the caller sets to the sizeof the struct it was
 *   compiled with (the *_INIT macros do).  The library refuses one too
 *   small (PKGNOTE_USAGE), reads no option member past `size` (a later
 *   member the caller does not know is zero: its default), refuses options
 *   that set members it does not know, and writes no result member past
 *   `size`.  Structs the library allocates (struct pkgnote_module) are
 *   only ever read through the pointers it returns; members may be added
 *   at their end.
 */
#ifndef PKGNOTE_H
#define PKGNOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PKGNOTE_API __attribute__((visibility("default")))
#else
#define PKGNOTE_API
#endif

/* Result codes.  The command uses them as its exit status. */
enum pkgnote_status {
	PKGNOTE_OK = 0,
	PKGNOTE_NO_NOTE = 1,      /* the file carries no package note */
	PKGNOTE_USAGE = 2,        /* wrong arguments */
	PKGNOTE_BAD_JSON = 3,     /* metadata is not valid per the spec */
	PKGNOTE_BAD_ELF = 4,      /* not an ELF file pkgnote can stamp */
	PKGNOTE_NO_ROOM = 5,      /* the note cannot be placed in page 1 */
	PKGNOTE_IO = 6,           /* a read, write, sync or rename failed, or
				     memory ran out */
	PKGNOTE_VERIFY = 7,       /* the written result did not check out */
	PKGNOTE_INTERNAL = 8,     /* a bug in pkgnote: a layout it planned did not
				     hold together (nothing was written) */
};

/* ELF note constants (systemd.io ELF_PACKAGE_METADATA). */
#define PKGNOTE_NOTE_TYPE 0xcafe1a7eU
#define PKGNOTE_NOTE_OWNER "FDO"
#define PKGNOTE_SECTION_NAME ".note.package"

/* Largest accepted metadata, in bytes of its compact JSON form. */
#define PKGNOTE_JSON_MAX 2048
/* Largest metadata text accepted as input (before compaction). */
#define PKGNOTE_JSON_INPUT_MAX (64 * 1024)

/* Default size of the region that must hold the ELF header, the program
 * header table and the note: the smallest page any supported kernel uses. */
#define PKGNOTE_DEFAULT_PAGE_SIZE 4096

/* The initializer of a struct with a leading size member: that size set,
 * every other member zero (its default). */
#ifdef __cplusplus
#define PKGNOTE_SIZED_INIT(type) { sizeof(type) }
#else
#define PKGNOTE_SIZED_INIT(type) { .size = sizeof(type) }
#endif

/* Why a call failed.  Fixed size: it does not grow. */
struct pkgnote_error {
	enum pkgnote_status status;
	char message[512];        /* "FILE: reason", no trailing newline */
};

/* Library version string, e.g. "0.1.0".  Static; never fails. */
PKGNOTE_API const char *pkgnote_version(void);

/* ---------------------------------------------------------------------------
 * Metadata
 *
 * A struct pkgnote_metadata holds metadata that passed every rule of the
 * specification: one JSON object, UTF-8, unique keys, no control characters
 * and no \u escapes in strings, integers within +-(2^53-1), finite doubles,
 * the well-known keys (type, os, osVersion, name, version, architecture,
 * osCpe, debugInfoUrl) strings, at most PKGNOTE_JSON_MAX bytes compact.
 * Only pkgnote_metadata_parse makes one, and the stamping functions take
 * nothing else: a note the library writes is always valid.
 */
struct pkgnote_metadata;

/*
 * Validate `len` bytes of JSON at `text` (no terminating NUL needed; at
 * most PKGNOTE_JSON_INPUT_MAX) and make *md from its compact form.  `what`
 * names the input in messages ("meta.json", "-").  PKGNOTE_BAD_JSON says
 * which rule failed, with a line and column where there is one;
 * PKGNOTE_IO when memory ran out.  *md is NULL after a failure.
 * Free it with pkgnote_metadata_free.
 */
PKGNOTE_API enum pkgnote_status pkgnote_metadata_parse(const char *text, size_t len,
						       const char *what,
						       struct pkgnote_metadata **md,
						       struct pkgnote_error *err);

/* The compact JSON text stored in the note (no insignificant whitespace,
 * keys in input order, '/' not escaped), NUL-terminated; valid as long as
 * `md` is. */
PKGNOTE_API const char *pkgnote_metadata_json(const struct pkgnote_metadata *md);

/* Free `md` (NULL is fine). */
PKGNOTE_API void pkgnote_metadata_free(struct pkgnote_metadata *md);

/*
 * The validation alone: check `text` as pkgnote_metadata_parse does and,
 * when `compact` is not NULL, return the compact form in *compact
 * (malloc'd; NULL after a failure).
 */
PKGNOTE_API enum pkgnote_status pkgnote_json_compact(const char *text, size_t len,
						     const char *what, char **compact,
						     struct pkgnote_error *err);

/*
 * The note record for `md` (header, owner "FDO", descriptor, padding) in
 * byte order `elf_data` (ELFDATA2LSB 1 or ELFDATA2MSB 2), as the linkers'
 * --package-metadata write it.  *out is malloc'd, *out_len its size.
 */
PKGNOTE_API enum pkgnote_status pkgnote_note_encode(const struct pkgnote_metadata *md,
						    int elf_data, unsigned char **out,
						    size_t *out_len, struct pkgnote_error *err);

/* ---------------------------------------------------------------------------
 * Stamping
 */

struct pkgnote_stamp_options {
	size_t size;                /* sizeof(struct pkgnote_stamp_options) */
	uint64_t page_size;         /* 0 means PKGNOTE_DEFAULT_PAGE_SIZE; else a
				       power of two >= 512 */
	bool allow_outside_page;    /* if page 1 has no room, put the note in a
				       new segment at the end (not in cores) */
	bool follow_symlinks;       /* stamp the target of a symbolic link;
				       otherwise a link is refused */
	bool no_sync;               /* skip fsync (tests, tmpfs) */
	const char *output;         /* write here instead of replacing input */
	bool keep_timestamps;       /* give the result the input's atime/mtime */
	int64_t clamp_mtime;        /* when > 0, no later mtime (SOURCE_DATE_EPOCH) */
	/* Other names (hard links) of the same file: each is made to name the
	 * stamped file too; NULL-terminated, or NULL. */
	const char *const *links;
	/* Edit the file where it is instead of replacing it by a stamped copy:
	 * the first page is written last, in one write, so that the file is
	 * the old one or the stamped one at every instant.  Falls back to the
	 * copy (report->copied_because says why) where that cannot hold: hard
	 * links beyond `links`, a running executable, a plan that changes
	 * bytes the old layout uses outside the first page.  Not with output. */
	bool in_place;
	/* A file that already carries a package note (a link-time note, an
	 * earlier stamp) is left as it is: report->kept_note is set, and the
	 * note is read in the same pass as the rest of the file. */
	bool keep_existing;
};
#define PKGNOTE_STAMP_OPTIONS_INIT PKGNOTE_SIZED_INIT(struct pkgnote_stamp_options)

/* What a successful stamp did. */
struct pkgnote_stamp_report {
	size_t size;                /* sizeof(struct pkgnote_stamp_report) */
	bool unchanged;             /* the file already carried this note */
	bool outside_page;          /* note placed past the first page */
	bool replaced;              /* an existing note was replaced */
	unsigned moved_sections;    /* sections moved out of page 1 */
	bool new_first_page;        /* a new first page was put in front */
	uint64_t note_offset;       /* file offset of the note record */
	bool in_place;              /* stamped where it is (options in_place) */
	char copied_because[200];   /* in_place asked for, but copied: why */
	bool kept_note;             /* left with the note it carries
				       (options keep_existing); unchanged too */
};
#define PKGNOTE_STAMP_REPORT_INIT PKGNOTE_SIZED_INIT(struct pkgnote_stamp_report)

/*
 * Stamp `path` with `md`.  `opts` may be NULL (the defaults: replace the
 * input, sync, refuse symbolic links); `report` may be NULL.  The input is
 * replaced atomically by a stamped copy (or opts->output written), keeping
 * its owner, mode, extended attributes and, with keep_timestamps, times;
 * the result is verified before it replaces anything.  On failure the input
 * is unchanged and no temporary file remains.  A file that already carries
 * exactly this note is left alone (report->unchanged).
 *
 * Errors: PKGNOTE_USAGE (no path or md, bad page size, a struct's size, a
 * symbolic link), PKGNOTE_BAD_ELF, PKGNOTE_NO_ROOM, PKGNOTE_IO,
 * PKGNOTE_VERIFY.
 */
PKGNOTE_API enum pkgnote_status pkgnote_stamp_file(const char *path,
						   const struct pkgnote_metadata *md,
						   const struct pkgnote_stamp_options *opts,
						   struct pkgnote_stamp_report *report,
						   struct pkgnote_error *err);

/*
 * Stamping many files.  What makes a stamp durable is waiting for the disk,
 * and that wait costs about the same for one file as for many written
 * together.  pkgnote_stamp_prepare does everything pkgnote_stamp_file does
 * but that wait and the rename: the stamped copy is written, verified, and
 * given the input's owner, mode, extended attributes and times, under a
 * temporary name beside the input.  pkgnote_commit_pending then syncs a set
 * of them, puts each in place of its input (and of its hard links), and
 * syncs each directory once.
 *
 * A pending stamp holds an open file: commit a few dozen at a time.  Until
 * it is committed the input is untouched; a pending stamp never committed
 * (the process killed) leaves a ".NAME.pkgnote-XXXXXX" file that
 * pkgnote_classify skips.  opts->links must stay valid until the commit;
 * `md` need not.
 */
struct pkgnote_pending;

/* *pending is NULL when there is nothing to commit (report->unchanged) and
 * after a failure; errors as pkgnote_stamp_file. */
PKGNOTE_API enum pkgnote_status pkgnote_stamp_prepare(const char *path,
						      const struct pkgnote_metadata *md,
						      const struct pkgnote_stamp_options *opts,
						      struct pkgnote_pending **pending,
						      struct pkgnote_stamp_report *report,
						      struct pkgnote_error *err);

/* The size of the input a pending stamp replaces (to bound a set). */
PKGNOTE_API uint64_t pkgnote_pending_size(const struct pkgnote_pending *pending);

/* Commit pending[0..n) (each may be NULL: its status is PKGNOTE_OK) and free
 * them; status[i] and errs[i] (arrays of n) say how each went.  A failure
 * leaves that input as it was and removes its temporary file. */
PKGNOTE_API void pkgnote_commit_pending(struct pkgnote_pending **pending, size_t n,
					enum pkgnote_status *status,
					struct pkgnote_error *errs);

/* ---------------------------------------------------------------------------
 * Reading
 */

/* Where and how a note was found by pkgnote_read_file. */
struct pkgnote_note_info {
	size_t size;                /* sizeof(struct pkgnote_note_info) */
	uint64_t offset;            /* file offset of the note record */
	uint64_t record_size;       /* record size including padding */
	bool in_first_page;         /* record ends within the first page */
	bool in_pt_note;            /* a PT_NOTE segment covers it */
};
#define PKGNOTE_NOTE_INFO_INIT PKGNOTE_SIZED_INIT(struct pkgnote_note_info)

/*
 * Read the package note of `path` (a symbolic link is followed).  On
 * PKGNOTE_OK *json holds the metadata text as stored (malloc'd,
 * NUL-terminated; not validated: a note written by another tool may break
 * the rules) and *info, when `info` is not NULL, where it lies (`page_size`
 * 0 means PKGNOTE_DEFAULT_PAGE_SIZE).  PKGNOTE_NO_NOTE when there is none;
 * PKGNOTE_BAD_ELF, PKGNOTE_IO, PKGNOTE_USAGE (info's size).
 */
PKGNOTE_API enum pkgnote_status pkgnote_read_file(const char *path, uint64_t page_size,
						  char **json,
						  struct pkgnote_note_info *info,
						  struct pkgnote_error *err);

/* Where the metadata of a module of a core file came from. */
enum pkgnote_source {
	PKGNOTE_SOURCE_NONE = 0,    /* none found */
	PKGNOTE_SOURCE_CORE,        /* the module's first page, dumped in the core */
	PKGNOTE_SOURCE_FILE,        /* the file on disk, its build-id matching */
};

/* One module (executable or shared library) mapped in a core file.  Made
 * and owned by the library: read it through pkgnote_core_module. */
struct pkgnote_module {
	const char *name;           /* its name, as libdwfl reads it from the core */
	const char *path;           /* the file the kernel mapped (NT_FILE), or NULL */
	const char *build_id;       /* lowercase hex, or NULL when unknown */
	uint64_t start, end;        /* the addresses it occupied */
	const char *json;           /* its package metadata as stored, or NULL */
	enum pkgnote_source source;
};

/* The modules of a core file; opaque. */
struct pkgnote_core_report;

/* True when `path` is an ELF core file (ET_CORE). */
PKGNOTE_API bool pkgnote_is_core(const char *path);

/*
 * List the modules of core file `path` (found with elfutils' libdwfl, which
 * is loaded with dlopen() the first time: PKGNOTE_IO when libdw.so.1 cannot
 * be loaded) and the package metadata in each module's dumped first page.
 * With `use_files`, a module whose note is not in the core is looked up on
 * disk, at its path, when the file there has the same build-id.  *report
 * is NULL after a failure; free it with pkgnote_core_report_free.
 */
PKGNOTE_API enum pkgnote_status pkgnote_read_core(const char *path, bool use_files,
						  struct pkgnote_core_report **report,
						  struct pkgnote_error *err);

/* The modules, by address: i < pkgnote_core_module_count(report).  The
 * pointers and strings stay valid until the report is freed. */
PKGNOTE_API size_t pkgnote_core_module_count(const struct pkgnote_core_report *report);
PKGNOTE_API const struct pkgnote_module *pkgnote_core_module(const struct pkgnote_core_report *report,
							     size_t i);

/* What could not be read (a truncated core, an unreadable note), one line
 * each: i < pkgnote_core_warning_count(report). */
PKGNOTE_API size_t pkgnote_core_warning_count(const struct pkgnote_core_report *report);
PKGNOTE_API const char *pkgnote_core_warning(const struct pkgnote_core_report *report, size_t i);

/* Free `report` (NULL is fine). */
PKGNOTE_API void pkgnote_core_report_free(struct pkgnote_core_report *report);

/* ---------------------------------------------------------------------------
 * Finding what to stamp in a tree
 */

/* What a file found in a tree is. */
enum pkgnote_kind {
	PKGNOTE_KIND_STAMPABLE = 0, /* an ELF executable or shared library */
	PKGNOTE_KIND_NOT_ELF,       /* not an ELF file at all */
	PKGNOTE_KIND_SKIP,          /* ELF, but nothing to stamp (reason given) */
};

/*
 * Classify the regular file `path` by its content: `reason` (static text)
 * says why an ELF file is skipped: relocatable object or kernel module,
 * static archive, core file, separate debug file, no program headers.  The
 * one name that counts is that of a temporary file pkgnote left behind when
 * killed (".NAME.pkgnote-XXXXXX"): skipped, never stamped.  Never blocks on
 * special files.  A file that cannot be read is PKGNOTE_KIND_NOT_ELF.
 */
PKGNOTE_API enum pkgnote_kind pkgnote_classify(const char *path, const char **reason);

#ifdef __cplusplus
}
#endif

#endif
