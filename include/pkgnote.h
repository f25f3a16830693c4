/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpkgnote: stamp an ELF package metadata note (.note.package, type
 * 0xcafe1a7e, owner "FDO") into an already linked executable or shared
 * library, and read it back.
 *
 * Every function that can fail returns a pkgnote_status and, when it fails,
 * fills the caller's struct pkgnote_error with the file name and a human
 * reason.  The library never prints and never exits.
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
	PKGNOTE_IO = 6,           /* a read, write, sync or rename failed */
	PKGNOTE_VERIFY = 7,       /* the written result did not check out */
};

/* ELF note constants (systemd.io ELF_PACKAGE_METADATA). */
#define PKGNOTE_NOTE_TYPE 0xcafe1a7eU
#define PKGNOTE_NOTE_OWNER "FDO"
#define PKGNOTE_SECTION_NAME ".note.package"

/* Largest accepted metadata, in bytes of its compact JSON form. */
#define PKGNOTE_JSON_MAX 2048
/* Largest metadata file accepted as input (before compaction). */
#define PKGNOTE_JSON_INPUT_MAX (64 * 1024)

/* Default size of the region that must hold the ELF header, the program
 * header table and the note: the smallest page any supported kernel uses. */
#define PKGNOTE_DEFAULT_PAGE_SIZE 4096

struct pkgnote_error {
	enum pkgnote_status status;
	char message[512];        /* "FILE: reason", no trailing newline */
};

/*
 * Validate JSON metadata against the package-metadata rules and return its
 * compact form (no insignificant whitespace, keys in input order, '/' not
 * escaped) in *compact, allocated with malloc.  `what` names the input in
 * messages ("meta.json", "-").
 */
PKGNOTE_API enum pkgnote_status pkgnote_json_compact(const char *text, size_t len,
					 const char *what, char **compact,
					 struct pkgnote_error *err);

/*
 * Encode the note record (header, owner, descriptor, padding) for `json`
 * in the given byte order (ELFDATA2LSB or ELFDATA2MSB).  *out is malloc'd.
 */
PKGNOTE_API enum pkgnote_status pkgnote_note_encode(const char *json, int elf_data,
					unsigned char **out, size_t *out_len,
					struct pkgnote_error *err);

struct pkgnote_stamp_options {
	uint64_t page_size;         /* 0 means PKGNOTE_DEFAULT_PAGE_SIZE */
	bool allow_outside_page;    /* accept a note past the first page */
	bool follow_symlinks;       /* stamp the target of a symbolic link */
	bool no_sync;               /* skip fsync (tests, tmpfs) */
	const char *output;         /* write here instead of replacing input */
	bool keep_timestamps;       /* give the result the input's atime/mtime */
	int64_t clamp_mtime;        /* when > 0, no later mtime (SOURCE_DATE_EPOCH) */
	/* Other names (hard links) of the same file: each is made to name the
	 * stamped file too; NULL-terminated, or NULL. */
	const char *const *links;
};

/* What a successful stamp did, for the command's messages. */
struct pkgnote_stamp_report {
	bool unchanged;             /* the file already carried this note */
	bool outside_page;          /* note placed past the first page */
	bool replaced;              /* an existing note was replaced */
	unsigned moved_sections;    /* sections moved out of page 1 */
	bool new_first_page;        /* a new first page was put in front */
	uint64_t note_offset;       /* file offset of the note record */
};

/*
 * Stamp `path` with the compact JSON `json` (from pkgnote_json_compact).
 * The input is replaced atomically (or opts->output written); on failure the
 * input is unchanged and no temporary file remains.
 */
PKGNOTE_API enum pkgnote_status pkgnote_stamp_file(const char *path, const char *json,
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
 * (the process killed) leaves a ".NAME.pkgnote-XXXXXX" file that batch
 * walks skip.  opts->links must stay valid until the commit.
 */
struct pkgnote_pending;

/* *pending is NULL when there is nothing to commit (report->unchanged). */
PKGNOTE_API enum pkgnote_status pkgnote_stamp_prepare(const char *path, const char *json,
					  const struct pkgnote_stamp_options *opts,
					  struct pkgnote_pending **pending,
					  struct pkgnote_stamp_report *report,
					  struct pkgnote_error *err);

/* The size of the input a pending stamp replaces (to bound a set). */
PKGNOTE_API uint64_t pkgnote_pending_size(const struct pkgnote_pending *pending);

/* Commit pending[0..n) (each may be NULL: its status is PKGNOTE_OK) and free
 * them; status[i] and errs[i] say how each went.  A failure leaves that
 * input as it was and removes its temporary file. */
PKGNOTE_API void pkgnote_commit_pending(struct pkgnote_pending **pending, size_t n,
					enum pkgnote_status *status,
					struct pkgnote_error *errs);

/* Where and how a note was found by pkgnote_read_file. */
struct pkgnote_note_info {
	uint64_t offset;            /* file offset of the note record */
	uint64_t size;              /* record size including padding */
	bool in_first_page;         /* record ends within the first page */
	bool in_pt_note;            /* a PT_NOTE segment covers it */
};

/*
 * Read the package note of `path`.  On PKGNOTE_OK *json holds the metadata
 * text (malloc'd, NUL-terminated); PKGNOTE_NO_NOTE when there is none.
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

/* One module (executable or shared library) mapped in a core file. */
struct pkgnote_module {
	char *name;                 /* its name, as libdwfl reads it from the core */
	char *path;                 /* the file the kernel mapped (NT_FILE), or NULL */
	char *build_id;             /* lowercase hex, or NULL when unknown */
	uint64_t start, end;        /* the addresses it occupied */
	char *json;                 /* its package metadata, or NULL */
	enum pkgnote_source source;
};

struct pkgnote_core_report {
	struct pkgnote_module *modules;
	size_t nmodules;
	char **warnings;            /* what could not be read, one line each */
	size_t nwarnings;
};

/* True when `path` is an ELF core file (ET_CORE). */
PKGNOTE_API bool pkgnote_is_core(const char *path);

/*
 * List the modules of core file `path` (found with elfutils' libdwfl) and
 * the package metadata in each module's dumped first page.  With
 * `use_files`, a module whose note is not in the core is looked up on disk,
 * at its path, when the file there has the same build-id.  Free the report
 * with pkgnote_core_report_free, also after a failure.
 */
PKGNOTE_API enum pkgnote_status pkgnote_read_core(const char *path, bool use_files,
						  struct pkgnote_core_report *report,
						  struct pkgnote_error *err);
PKGNOTE_API void pkgnote_core_report_free(struct pkgnote_core_report *report);

/* What a file found in a tree is, for batch stamping. */
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
 * special files.
 */
PKGNOTE_API enum pkgnote_kind pkgnote_classify(const char *path, const char **reason);

/* Library version string, e.g. "0.1.0". */
PKGNOTE_API const char *pkgnote_version(void);

#ifdef __cplusplus
}
#endif

#endif
