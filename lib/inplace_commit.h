/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-place commit mode: the file is edited where it is, in an order
 * that keeps it the old binary or the new one at every instant.
 *
 *   1. record: the plan is applied to a recorder (pn_plan_apply_in_place)
 *      that sorts every write: into the first page (kept in memory), past
 *      the old end of the file (the tail), or onto bytes that only the old
 *      layout used (to be zeroed after the commit).  Any other write would
 *      change bytes the old layout references: the plan is refused, and the
 *      caller stamps by copy instead.
 *   2. tail: a leftover record is written past the new end, then the tail.
 *   3. (sync) commit: the first page, in one aligned write.
 *   4. (sync) zero what only the old layout used, cut the file to its new
 *      size (the record goes), (sync).
 *
 * A run killed between 2 and 4 leaves the record at the end of the file;
 * the next stamp recognises it (pn_leftover_settle) and drops the tail
 * (before the commit) or finishes 4 (after it).  The record names the
 * file's old and new size and the checksums of its old and new first
 * page: a vendor's appended payload cannot pass for one by chance.
 */
#ifndef PKGNOTE_INPLACE_COMMIT_H
#define PKGNOTE_INPLACE_COMMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "layout_plan.h"
#include "pkgnote.h"

/* The atomic region: one page, written by one call. */
#define PN_INPLACE_PAGE 4096
/* Ranges zeroed after the commit, outside the first page. */
#define PN_INPLACE_MAX_ZERO 32

struct pn_inplace;

/* A recorder for stamping the file open read-write on fd, of old_size
 * bytes now and new_size once stamped. */
enum pkgnote_status pn_inplace_new(struct pn_inplace **ip, int fd, const char *path,
				   uint64_t old_size, uint64_t new_size,
				   struct pkgnote_error *err);
void pn_inplace_free(struct pn_inplace *ip);

/* Why the plan cannot be carried out in place (static text), or NULL. */
const char *pn_inplace_refusal(const struct pn_inplace *ip);

/* Start a pass of the plan over the recorder: a dry one only sorts the
 * writes (nothing reaches the file); the real one writes the record and
 * then the tail as the plan's writes come. */
enum pkgnote_status pn_inplace_pass(struct pn_inplace *ip, bool dry, struct pkgnote_error *err);

/* The writes of plan_apply, sorted as above. */
enum pkgnote_status pn_inplace_write(struct pn_inplace *ip, const void *data, size_t len,
				     uint64_t off, const char *what, struct pkgnote_error *err);
enum pkgnote_status pn_inplace_zero(struct pn_inplace *ip, uint64_t off, uint64_t size,
				    struct pkgnote_error *err);
/* May [off, off + size) be written straight into the file (the tail)?
 * False during a dry pass. */
bool pn_inplace_is_tail(const struct pn_inplace *ip, uint64_t off, uint64_t size);
/* Is [off, off + size) in the tail during a dry pass: nothing to do. */
bool pn_inplace_skips(const struct pn_inplace *ip, uint64_t off, uint64_t size);
/* Mark the plan unfit for an in-place stamp. */
void pn_inplace_refuse(struct pn_inplace *ip, const char *why);

/* After the real pass: note the file's state, to see at the commit that
 * nobody else wrote to it meanwhile. */
enum pkgnote_status pn_inplace_prepared(struct pn_inplace *ip, struct pkgnote_error *err);

/* Step 3: check the file is as prepared, then write the first page. */
enum pkgnote_status pn_inplace_commit(struct pn_inplace *ip, const char *target,
				      struct pkgnote_error *err);
/* Undo a commit whose result failed verification: the old first page and
 * the old size come back. */
enum pkgnote_status pn_inplace_undo(struct pn_inplace *ip, struct pkgnote_error *err);
/* Drop the tail of a prepared stamp never committed. */
void pn_inplace_drop(struct pn_inplace *ip);
/* Step 4 without the sync: zero, cut to the new size. */
enum pkgnote_status pn_inplace_finish(struct pn_inplace *ip, struct pkgnote_error *err);

int pn_inplace_fd(const struct pn_inplace *ip);

/* After the real pass: is the first page all that changes (no tail, no
 * record, nothing to zero)?  Then only the commit needs a sync. */
bool pn_inplace_page_only(const struct pn_inplace *ip);

/*
 * Before a stamp reads a file of *size bytes: when it ends with the record
 * of an interrupted in-place stamp, settle it.  Not committed: the tail is
 * dropped (cut away when `modify`, else only *size is lowered).  Committed:
 * the zeroing is finished and the file cut to its new size (when `modify`;
 * else *size is the new size).  A record whose first page matches neither
 * side is refused.
 */
enum pkgnote_status pn_leftover_settle(int fd, const char *path, bool modify, uint64_t *size,
				       struct pkgnote_error *err);

#endif
