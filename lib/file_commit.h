/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Atomic replacement of a file: begin (a new temporary file beside the
 * target, created with O_EXCL and readable by its owner only), fill it
 * (copy, then the plan is applied), finish it (the target's mode, owner,
 * extended attributes; times), sync and place it (rename it over the
 * target; relink the target's other names), or abort at any point (unlink
 * it).  Nothing else writes the target, so an interrupted run leaves either
 * the old file or the new one.
 */
#ifndef PKGNOTE_FILE_COMMIT_H
#define PKGNOTE_FILE_COMMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "pkgnote.h"

struct pn_tmpfile {
	char *target;                /* the path that will be replaced */
	char *path;                  /* the temporary file's path (NULL while unnamed) */
	int fd;
	bool unnamed;                /* O_TMPFILE: named only by pn_tmp_place */
	bool early_writeback;        /* start writing copied data at once (it will be synced) */
};

/* Is this a name pn_tmp_begin or pn_relink makes (".NAME.pkgnote-XXXXXX")?
 * One is left behind only when a run was killed. */
bool pn_is_tmp_name(const char *path);

/* Create the temporary file in the directory of `target`: unnamed
 * (O_TMPFILE) where the file system allows, so that a killed process
 * leaves nothing; it gets its name only to be renamed. */
enum pkgnote_status pn_tmp_begin(struct pn_tmpfile *t, const char *target,
				 struct pkgnote_error *err);

/* Copy the `size` bytes of src_fd to offset `at` of it: shared extents
 * (reflink) when the filesystem can, an in-kernel copy otherwise. */
enum pkgnote_status pn_tmp_copy(struct pn_tmpfile *t, int src_fd, uint64_t size, uint64_t at,
				const char *what, struct pkgnote_error *err);

/* Give it the mode, owner, group and (when `xattrs_of` is set) the extended
 * attributes of `orig`; with `will_sync`, start writing it to the disk. */
enum pkgnote_status pn_tmp_finish(struct pn_tmpfile *t, const struct stat *orig,
				  const char *xattrs_of, bool will_sync,
				  struct pkgnote_error *err);

/* Wait until its data and metadata are on the disk. */
enum pkgnote_status pn_tmp_sync(struct pn_tmpfile *t, struct pkgnote_error *err);

/* Rename it over the target.  When `expect` is set, the target must still
 * be that file (device, inode, size and mtime), else nothing is replaced. */
enum pkgnote_status pn_tmp_place(struct pn_tmpfile *t, const struct stat *expect,
				 struct pkgnote_error *err);

/* Sync the directory `dir` (after renames in it). */
int pn_sync_dir(const char *dir);

/* The directory part of `path` (malloc'd). */
char *pn_dir_of(const char *path);

/* How the result's timestamps are set: the input's, or now; in both cases
 * no later than clamp (when clamp > 0). */
struct pn_times {
	bool keep;
	int64_t clamp;
};

/* Set the temporary file's timestamps; call after the last write. */
enum pkgnote_status pn_tmp_times(struct pn_tmpfile *t, const struct stat *orig,
				 const struct pn_times *times, struct pkgnote_error *err);

/* The same for any file open on fd (an in-place stamp). */
enum pkgnote_status pn_set_times(int fd, const char *what, const struct stat *orig,
				 const struct pn_times *times, struct pkgnote_error *err);

/*
 * After a commit: make `link`, another name of the file that was replaced
 * (device and inode of `orig`), name the new file too, atomically.
 */
enum pkgnote_status pn_relink(const char *target, const char *link, const struct stat *orig,
			      struct pkgnote_error *err);

/* Remove the temporary file, if it still exists; safe to call twice. */
void pn_tmp_abort(struct pn_tmpfile *t);

#endif
