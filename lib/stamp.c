/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stamping pipeline (doc/design.md, "The pipeline"), one step a function:
 *   read the ELF into a model (stamp_open, stamp_read) -> plan the layout
 *   (stamp_plan) -> choose the commit (stamp_choose_commit) -> apply
 *   (stamp_pending_copy or stamp_pending_in_place) -> verify -> commit
 *   (pkgnote_commit_pending).
 * Two commits.  By copy: the input is copied into a temporary file beside
 * it, the plan applied and verified there, and the file renamed over the
 * input.  In place: a dry pass first shows that the plan writes nothing
 * old bytes are still used for; the new bytes past page 1 are written and
 * synced, then the first page at once (the commit), the result verified
 * (undone if it fails), and what only the old layout used zeroed.
 * What a step opens is owned by struct stamp until a step hands it to the
 * pending stamp; a failure anywhere leaves the input as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "elf_model.h"
#include "error.h"
#include "file_commit.h"
#include "grow.h"
#include "inplace_commit.h"
#include "io_util.h"
#include "layout_plan.h"
#include "note_codec.h"
#include "note_read.h"
#include "pins.h"
#include "plan_apply.h"
#include "struct_size.h"
#include "verify.h"

/* The options and the report as the first release defined them: the least
 * a caller may pass (later members are appended). */
#define OPTIONS_MIN PN_SIZE_TO(struct pkgnote_stamp_options, links)
#define REPORT_MIN PN_SIZE_TO(struct pkgnote_stamp_report, note_offset)

/* The file already carries exactly this note where the rules want it. */
static bool already_stamped(const struct pn_model *m, const unsigned char *note, size_t size,
			    uint64_t page, bool allow_outside)
{
	const struct pn_old_note *o = &m->old_note;
	if (!pn_old_note_reusable(m, size, page, allow_outside))
		return false;
	/* A note without a section header in a file that has them is stamped
	 * anew to gain one, unless trailing data keeps it without (the table's
	 * end may not move). */
	struct pn_trailing t;
	if (m->shnum > 0 && o->section == 0 && !pn_model_trailing(m, &t))
		return false;
	unsigned char *cur = malloc(size);
	bool same = cur != NULL && pn_pread_full(m->fd, cur, size, o->offset) == 0 &&
		    memcmp(cur, note, size) == 0;
	free(cur);
	return same;
}

/* The file carries a package note that can be read (a malformed one is
 * no note to keep). */
static bool carries_note(const struct pn_model *m, uint64_t page)
{
	struct pkgnote_note_info info = PKGNOTE_NOTE_INFO_INIT;
	char *json = NULL;
	if (!m->old_note.present || pn_note_json(m, page, &json, &info, NULL) != PKGNOTE_OK)
		return false;
	free(json);
	return true;
}

/* A stamp waiting for its commit: a stamped copy under its temporary
 * name, or an in-place stamp whose tail is written (ip set). */
struct pkgnote_pending {
	struct pn_tmpfile tmp;
	struct stat orig;            /* the input, as read */
	bool replaces;               /* replaces the input (not -o) */
	bool sync;
	const char *const *links;
	/* In place: what the verification after the commit needs. */
	struct pn_inplace *ip;
	struct pn_model m;
	struct pn_plan plan;
	char *json, *name, *target;
	uint64_t page;
	struct pn_times times;
};

static void pending_free(struct pkgnote_pending *p);

/* An fd open read-write on `target`, or -1 with the reason it may not be
 * stamped in place whatever the plan written to why. */
static int open_for_in_place(const char *target, const struct stat *st,
			     const struct pkgnote_stamp_options *opts, uint64_t page,
			     char *why, size_t len)
{
	size_t names = 1;
	for (size_t k = 0; opts->links && opts->links[k]; k++)
		names++;
	if (page > PN_INPLACE_PAGE) {
		snprintf(why, len, "--page-size %llu is larger than a page: the region could not "
			 "be written at once", (unsigned long long)page);
		return -1;
	}
	if ((uint64_t)st->st_nlink > names) {
		snprintf(why, len, "it has %llu hard links, more than the names being stamped: "
			 "the others would change too", (unsigned long long)st->st_nlink);
		return -1;
	}
	int fd = open(target, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat now;
	if (fd < 0) {
		if (errno == ETXTBSY)
			snprintf(why, len, "it is a program being run");
		else
			snprintf(why, len, "it cannot be opened for writing: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &now) != 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		snprintf(why, len, "it was replaced while being read");
		close(fd);
		return -1;
	}
	return fd;
}

/* Record the plan in place (a dry pass), then carry it out up to the
 * commit.  PKGNOTE_OK with *ipp NULL and rep->copied_because set: the plan
 * needs the copy. */
static enum pkgnote_status prepare_in_place(const struct pn_model *m, const struct pn_plan *plan,
					    const unsigned char *note, int rw, struct pn_inplace **ipp,
					    struct pkgnote_stamp_report *rep, struct pkgnote_error *err)
{
	struct pn_inplace *ip = NULL;
	*ipp = NULL;
	enum pkgnote_status r = pn_inplace_new(&ip, rw, m->path, m->file_size, plan->file_size, err);
	if (r == PKGNOTE_OK && plan->shift > 0)
		pn_inplace_refuse(ip, "it gets a new first page: every byte moves");
	if (r == PKGNOTE_OK && pn_inplace_refusal(ip) == NULL)
		r = pn_inplace_pass(ip, true, err);
	if (r == PKGNOTE_OK && pn_inplace_refusal(ip) == NULL)
		r = pn_plan_apply_in_place(m, plan, note, rw, ip, err);
	if (r == PKGNOTE_OK && pn_inplace_refusal(ip) != NULL) {
		snprintf(rep->copied_because, sizeof rep->copied_because, "%s", pn_inplace_refusal(ip));
		pn_inplace_free(ip);
		return PKGNOTE_OK;
	}
	if (r == PKGNOTE_OK)
		r = pn_inplace_pass(ip, false, err);
	if (r == PKGNOTE_OK)
		r = pn_plan_apply_in_place(m, plan, note, rw, ip, err);
	if (r == PKGNOTE_OK && pn_inplace_refusal(ip) != NULL)
		r = pn_fail(err, PKGNOTE_INTERNAL, m->path, "internal error: the in-place plan changed: %s",
			    pn_inplace_refusal(ip));
	if (r == PKGNOTE_OK)
		r = pn_inplace_prepared(ip, err);
	if (r != PKGNOTE_OK) {
		if (ip != NULL)
			pn_inplace_drop(ip);
		pn_inplace_free(ip);
		return r;
	}
	*ipp = ip;
	return PKGNOTE_OK;
}

/*
 * One stamp being prepared: what the steps below open, each member owned
 * here until a step hands it to the pending stamp (and sets it back to
 * -1/NULL), and released by stamp_release whatever happened.
 */
struct stamp {
	const char *path;            /* as the caller named it, for messages */
	struct pkgnote_stamp_options o;
	struct pkgnote_stamp_report rep;
	const char *json;            /* the metadata's compact text */
	uint64_t page;
	char *target;                /* the file written (a link's target with follow_symlinks) */
	int fd;                      /* the input, read-only */
	int rw;                      /* the input, read-write, for the in-place commit; or -1 */
	uint64_t size;
	struct stat st;
	struct pn_model m;
	unsigned char *note;
	size_t note_size;
	struct pn_plan plan;
	struct pn_inplace *ip;       /* recorded in place, up to the commit */
	bool done;                   /* nothing to write: the report says why */
};

/* The arguments, as the public API must check them; the options and report
 * in their current size whatever the caller's. */
static enum pkgnote_status stamp_begin(struct stamp *s, const char *path,
				       const struct pkgnote_metadata *md,
				       const struct pkgnote_stamp_options *caller_opts,
				       struct pkgnote_stamp_report *report, struct pkgnote_error *err)
{
	enum pkgnote_status r;
	*s = (struct stamp){ .path = path, .o = { .size = sizeof s->o },
			     .rep = { .size = sizeof s->rep }, .fd = -1, .rw = -1,
			     .m = { .fd = -1 } };
	if (md == NULL || path == NULL)
		return pn_fail(err, PKGNOTE_USAGE, path, "no file or no metadata given");
	if (caller_opts != NULL &&
	    (r = pn_struct_in(&s->o, sizeof s->o, caller_opts, OPTIONS_MIN, "pkgnote_stamp_options",
			      err)) != PKGNOTE_OK)
		return r;
	if (report != NULL &&
	    (r = pn_struct_out_check(report, REPORT_MIN, "pkgnote_stamp_report", err)) != PKGNOTE_OK)
		return r;
	s->json = pkgnote_metadata_json(md);
	s->page = s->o.page_size ? s->o.page_size : PKGNOTE_DEFAULT_PAGE_SIZE;
	if (s->page < 512 || (s->page & (s->page - 1)) != 0)
		return pn_fail(err, PKGNOTE_USAGE, path, "page size %llu is not a power of two >= 512",
			       (unsigned long long)s->page);
	return PKGNOTE_OK;
}

/* Read: open the file, settle what an interrupted in-place stamp left, and
 * read the ELF into a model (headers only: enough to see whether a note
 * given to keep is there). */
static enum pkgnote_status stamp_open(struct stamp *s, struct pkgnote_error *err)
{
	enum pkgnote_status r;
	/* A followed link is replaced at its target, never turned into a file. */
	s->target = s->o.follow_symlinks ? realpath(s->path, NULL) : strdup(s->path);
	if (s->target == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, errno, s->path, "cannot resolve");
	s->fd = pn_open_regular(s->target, s->o.follow_symlinks, &s->size, err, &r);
	if (s->fd < 0)
		return r;
	/* What an interrupted in-place stamp left at the end is finished or
	 * dropped first: it is not the file's. */
	r = pn_leftover_settle(s->fd, s->target, s->o.output == NULL, &s->size, err);
	if (r != PKGNOTE_OK)
		return r;
	if (fstat(s->fd, &s->st) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, s->path, "cannot stat");
	r = pn_model_read(s->fd, s->path, s->size, &s->m, err);
	if (r == PKGNOTE_OK && s->o.keep_existing && carries_note(&s->m, s->page)) {
		s->rep.unchanged = s->rep.kept_note = true;
		s->rep.note_offset = s->m.old_note.offset;
		s->done = true;
	}
	return r;
}

/* Read on: the rest of the model a plan needs, the note record, and
 * whether the file already carries exactly that note. */
static enum pkgnote_status stamp_read(struct stamp *s, struct pkgnote_error *err)
{
	struct pn_model *m = &s->m;
	bool allow_outside = s->o.allow_outside_page;
	/* Opened for writing only when it may be written. */
	if (s->o.in_place && s->o.output == NULL)
		s->rw = open_for_in_place(s->target, &s->st, &s->o, s->page, s->rep.copied_because,
					  sizeof s->rep.copied_because);
	enum pkgnote_status r = pn_model_read_head(m, err);
	const char *why = r == PKGNOTE_OK ? pn_refusal(m) : NULL;
	if (why != NULL)
		r = pn_fail(err, PKGNOTE_BAD_ELF, s->path, "%s", why);
	if (r == PKGNOTE_OK)
		r = pn_note_encode(s->json, m->elf_data, &s->note, &s->note_size, err);
	/* A note that takes the old one's slot moves nothing: what code reads
	 * (megabytes of symbols and relocations in a large library) does not
	 * matter then. */
	if (r == PKGNOTE_OK && !pn_old_note_reusable(m, s->note_size, s->page, allow_outside))
		r = pn_model_read_pins(m, s->page, err);
	if (r != PKGNOTE_OK)
		return r;
	s->rep.replaced = m->old_note.present;
	if (s->o.output == NULL && already_stamped(m, s->note, s->note_size, s->page, allow_outside)) {
		s->rep.unchanged = true;
		s->rep.note_offset = m->old_note.offset;
		s->rep.copied_because[0] = '\0';
		s->done = true;
	}
	return PKGNOTE_OK;
}

/* Plan the new layout (pure: the model and the request in, the plan out). */
static enum pkgnote_status stamp_plan(struct stamp *s, struct pkgnote_error *err)
{
	struct pn_plan_request req = { .note_size = s->note_size, .page_size = s->page,
				       .allow_outside_page = s->o.allow_outside_page };
	return pn_plan_layout(&s->m, &req, &s->plan, err);
}

/* Choose the commit: in place when the file was opened for it and the
 * dry pass finds nothing in the plan that needs the copy (then the plan is
 * applied up to the commit), else by copy. */
static enum pkgnote_status stamp_choose_commit(struct stamp *s, struct pkgnote_error *err)
{
	if (s->rw < 0)
		return PKGNOTE_OK;
	enum pkgnote_status r = prepare_in_place(&s->m, &s->plan, s->note, s->rw, &s->ip, &s->rep,
						 err);
	s->rw = -1;  /* the recorder owns it now, or closed it */
	return r;
}

/* Apply in place: the pending stamp takes the recorder, the model (its fd:
 * the verification after the commit reads the input through it) and the
 * plan. */
static enum pkgnote_status stamp_pending_in_place(struct stamp *s, struct pkgnote_pending *p,
						  struct pkgnote_error *err)
{
	free(s->m.head);  /* not needed to verify: a pending set stays small */
	s->m.head = NULL;
	*p = (struct pkgnote_pending){ .ip = s->ip, .m = s->m, .plan = s->plan, .orig = s->st,
				       .sync = !s->o.no_sync, .page = s->page,
				       .times = { .keep = s->o.keep_timestamps,
						  .clamp = s->o.clamp_mtime },
				       .json = strdup(s->json), .name = strdup(s->path),
				       .target = strdup(s->target), .tmp = { .fd = -1 } };
	s->ip = NULL;
	s->m = (struct pn_model){ .fd = -1 };
	s->plan = (struct pn_plan){ 0 };
	s->fd = -1;
	p->m.path = p->name;
	if (p->json == NULL || p->name == NULL || p->target == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, s->path, "stamping");
	s->rep.in_place = true;
	return PKGNOTE_OK;
}

/* Apply by copy: the input copied into a temporary file beside the target
 * (or -o's file), the plan applied to it, verified by reading it back,
 * synced; the pending stamp takes the temporary file, renamed at the
 * commit. */
static enum pkgnote_status stamp_pending_copy(struct stamp *s, struct pkgnote_pending *p,
					      struct pkgnote_error *err)
{
	const char *out = s->o.output;
	struct pn_times times = { .keep = s->o.keep_timestamps, .clamp = s->o.clamp_mtime };
	struct pn_tmpfile tmp = { .fd = -1 };
	enum pkgnote_status r = pn_tmp_begin(&tmp, out ? out : s->target, err);
	tmp.early_writeback = !s->o.no_sync;
	if (r == PKGNOTE_OK)
		r = pn_tmp_copy(&tmp, s->fd, s->size, s->plan.shift, s->path, err);
	if (r == PKGNOTE_OK)
		r = pn_plan_apply(&s->m, &s->plan, s->note, s->fd, tmp.fd, err);
	if (r == PKGNOTE_OK)
		r = pn_verify_output(&s->m, &s->plan, tmp.fd, s->path, s->json, s->page, err);
	if (r == PKGNOTE_OK)
		r = pn_tmp_times(&tmp, &s->st, &times, err);
	if (r == PKGNOTE_OK)
		r = pn_tmp_finish(&tmp, &s->st, out ? NULL : s->target, !s->o.no_sync, err);
	if (r != PKGNOTE_OK) {
		pn_tmp_abort(&tmp);
		return r;
	}
	*p = (struct pkgnote_pending){ .tmp = tmp, .orig = s->st, .replaces = out == NULL,
				       .sync = !s->o.no_sync,
				       .links = out == NULL ? s->o.links : NULL };
	return PKGNOTE_OK;
}

/* What the plan did, for the report. */
static void report_plan(struct pkgnote_stamp_report *rep, const struct pn_plan *plan)
{
	rep->outside_page = plan->outside_page;
	for (size_t i = 0; i < plan->nmoves; i++)
		rep->moved_sections += plan->moves[i].dyn_index != PN_MOVE_SHIFT;
	rep->new_first_page = plan->shift > 0;
	rep->note_offset = plan->note_offset;
}

static void stamp_release(struct stamp *s)
{
	if (s->ip != NULL) {
		pn_inplace_drop(s->ip);
		pn_inplace_free(s->ip);
	}
	pn_plan_free(&s->plan);
	pn_model_free(&s->m);
	free(s->note);
	free(s->target);
	if (s->fd >= 0)
		close(s->fd);
	if (s->rw >= 0)
		close(s->rw);
}

/*
 * The pipeline up to the commit: read -> plan -> choose the commit ->
 * apply (in place up to the commit, or into a verified copy).  The commit
 * itself, and for in place the verification after it, is
 * pkgnote_commit_pending's.
 */
enum pkgnote_status pkgnote_stamp_prepare(const char *path, const struct pkgnote_metadata *md,
					  const struct pkgnote_stamp_options *caller_opts,
					  struct pkgnote_pending **pending,
					  struct pkgnote_stamp_report *report,
					  struct pkgnote_error *err)
{
	struct stamp s;
	*pending = NULL;
	enum pkgnote_status r = stamp_begin(&s, path, md, caller_opts, report, err);
	if (r != PKGNOTE_OK)
		return r;
	r = stamp_open(&s, err);
	if (r == PKGNOTE_OK && !s.done)
		r = stamp_read(&s, err);
	if (r == PKGNOTE_OK && !s.done)
		r = stamp_plan(&s, err);
	if (r == PKGNOTE_OK && !s.done)
		r = stamp_choose_commit(&s, err);
	if (r == PKGNOTE_OK && !s.done) {
		struct pkgnote_pending *p = calloc(1, sizeof *p);
		if (p == NULL)
			r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, path, "stamping");
		else if (s.ip != NULL)
			r = stamp_pending_in_place(&s, p, err);
		else
			r = stamp_pending_copy(&s, p, err);
		if (r == PKGNOTE_OK) {
			report_plan(&s.rep, p->ip ? &p->plan : &s.plan);
			*pending = p;
		} else if (p != NULL && p->ip != NULL) {
			pending_free(p);
		} else {
			free(p);  /* the copy fills it only when it succeeds */
		}
	}
	stamp_release(&s);
	if (r == PKGNOTE_OK && report != NULL)
		pn_struct_out(report, &s.rep, sizeof s.rep);
	return r;
}

static void pending_free(struct pkgnote_pending *p)
{
	pn_tmp_abort(&p->tmp);
	if (p->ip != NULL) {
		pn_inplace_drop(p->ip);
		pn_inplace_free(p->ip);
		pn_plan_free(&p->plan);
		if (p->m.fd >= 0)
			close(p->m.fd);
		pn_model_free(&p->m);
	}
	free(p->json);
	free(p->name);
	free(p->target);
	free(p);
}

/* A directory a rename of file `owner` touched. */
struct renamed_in {
	char *dir;
	size_t owner;
};

static int by_dir(const void *a, const void *b)
{
	return strcmp(((const struct renamed_in *)a)->dir, ((const struct renamed_in *)b)->dir);
}

/* Does pending stamp p need the sync of this step?  Before and after the
 * commit, a stamp whose first page is all it changes has written nothing. */
static bool wants_sync(const struct pkgnote_pending *p, bool commit_step)
{
	return p != NULL && p->ip != NULL && p->sync &&
	       (commit_step || !pn_inplace_page_only(p->ip));
}

/*
 * In-place stamps of a set, in the order that keeps each file the old one
 * or the new one: their tails are written already; one sync of each file
 * system (of the file, when it is the only one there) makes them durable,
 * then every first page is written (the commit) and the result verified,
 * one sync, then what only the old layouts used is zeroed and the leftover
 * records cut away, one sync.  A stamp that changes its first page alone
 * (a re-stamp into the note's slot) writes nothing but the commit and
 * takes part in the middle sync only.
 */
static void sync_file_systems(struct pkgnote_pending **pending, size_t n, bool commit_step,
			      enum pkgnote_status *status, struct pkgnote_error *errs)
{
	for (size_t i = 0; i < n; i++) {
		struct pkgnote_pending *p = pending[i];
		if (!wants_sync(p, commit_step) || status[i] != PKGNOTE_OK)
			continue;
		size_t before = 0, after = 0;
		for (size_t j = 0; j < n; j++)
			if (j != i && wants_sync(pending[j], commit_step) &&
			    pending[j]->orig.st_dev == p->orig.st_dev)
				*(j < i ? &before : &after) += 1;
		if (before > 0)
			continue;
		/* A file alone is synced by itself: syncfs would also wait for
		 * what other programs wrote to the file system. */
		int fd = pn_inplace_fd(p->ip);
		if ((after == 0 ? fdatasync(fd) : syncfs(fd)) == 0)
			continue;
		int e = errno;
		for (size_t j = i; j < n; j++)
			if (pending[j] != NULL && pending[j]->ip != NULL && status[j] == PKGNOTE_OK &&
			    pending[j]->orig.st_dev == p->orig.st_dev)
				status[j] = pn_fail_errno(&errs[j], PKGNOTE_IO, e, pending[j]->name, "cannot sync");
	}
}

static void commit_in_place(struct pkgnote_pending **pending, size_t n,
			    enum pkgnote_status *status, struct pkgnote_error *errs)
{
	sync_file_systems(pending, n, false, status, errs);
	for (size_t i = 0; i < n; i++) {
		struct pkgnote_pending *p = pending[i];
		if (p == NULL || p->ip == NULL || status[i] != PKGNOTE_OK)
			continue;
		int fd = pn_inplace_fd(p->ip);
		status[i] = pn_inplace_commit(p->ip, p->target, &errs[i]);
		if (status[i] != PKGNOTE_OK)
			continue;
		/* A result that cannot be shown good (it failed, or it could
		 * not be read back) is undone: the stamp failed. */
		status[i] = pn_verify_output_sized(&p->m, &p->plan, fd, p->name, p->json, p->page,
						   &errs[i]);
		if (status[i] != PKGNOTE_OK) {
			struct pkgnote_error undo;
			if (pn_inplace_undo(p->ip, &undo) != PKGNOTE_OK)
				errs[i] = undo;
		}
	}
	sync_file_systems(pending, n, true, status, errs);
	for (size_t i = 0; i < n; i++) {
		struct pkgnote_pending *p = pending[i];
		if (p == NULL || p->ip == NULL || status[i] != PKGNOTE_OK)
			continue;
		status[i] = pn_inplace_finish(p->ip, &errs[i]);
		if (status[i] == PKGNOTE_OK)
			status[i] = pn_set_times(pn_inplace_fd(p->ip), p->name, &p->orig, &p->times, &errs[i]);
	}
	sync_file_systems(pending, n, false, status, errs);
}

/*
 * Three passes, so that the disk is waited for a few times per set rather
 * than a few times per file: sync every copy (their writeback started when
 * they were prepared, and a journal commit covers many), put every one in
 * place, then sync every directory a rename touched, once each.
 */
void pkgnote_commit_pending(struct pkgnote_pending **pending, size_t n,
			    enum pkgnote_status *status, struct pkgnote_error *errs)
{
	for (size_t i = 0; i < n; i++)
		status[i] = PKGNOTE_OK;
	commit_in_place(pending, n, status, errs);
	for (size_t i = 0; i < n; i++)
		if (pending[i] != NULL && pending[i]->ip == NULL && pending[i]->sync)
			status[i] = pn_tmp_sync(&pending[i]->tmp, &errs[i]);
	size_t nd = 0, cap = 0;
	struct renamed_in *dirs = NULL;
	for (size_t i = 0; i < n; i++) {
		struct pkgnote_pending *p = pending[i];
		if (p == NULL || p->ip != NULL || status[i] != PKGNOTE_OK)
			continue;
		status[i] = pn_tmp_place(&p->tmp, p->replaces ? &p->orig : NULL, &errs[i]);
		for (size_t k = 0; status[i] == PKGNOTE_OK && p->links && p->links[k]; k++)
			status[i] = pn_relink(p->tmp.target, p->links[k], &p->orig, &errs[i]);
		for (size_t k = 0; p->sync && status[i] == PKGNOTE_OK &&
				   (k == 0 || (p->links && p->links[k - 1])); k++) {
			char *dir = PN_GROW(dirs, cap, nd + 1, 16) == 0
				    ? pn_dir_of(k == 0 ? p->tmp.target : p->links[k - 1]) : NULL;
			if (dir == NULL)
				status[i] = pn_fail_errno(&errs[i], PKGNOTE_IO, ENOMEM, p->tmp.target,
							  "syncing its directory");
			else
				dirs[nd++] = (struct renamed_in){ dir, i };
		}
	}
	/* Each directory once; a failure is charged to every file renamed in it. */
	if (nd > 1)
		qsort(dirs, nd, sizeof *dirs, by_dir);
	for (size_t k = 0; k < nd;) {
		size_t end = k + 1;
		while (end < nd && strcmp(dirs[end].dir, dirs[k].dir) == 0)
			end++;
		if (pn_sync_dir(dirs[k].dir) != 0) {
			int e = errno;
			for (size_t j = k; j < end; j++)
				if (status[dirs[j].owner] == PKGNOTE_OK)
					status[dirs[j].owner] = pn_fail_errno(&errs[dirs[j].owner], PKGNOTE_IO, e,
						pending[dirs[j].owner]->tmp.target,
						"stamped, but %s could not be synced", dirs[k].dir);
		}
		k = end;
	}
	for (size_t k = 0; k < nd; k++)
		free(dirs[k].dir);
	free(dirs);
	for (size_t i = 0; i < n; i++)
		if (pending[i] != NULL)
			pending_free(pending[i]);
}

uint64_t pkgnote_pending_size(const struct pkgnote_pending *p)
{
	return (uint64_t)p->orig.st_size;
}

enum pkgnote_status pkgnote_stamp_file(const char *path, const struct pkgnote_metadata *md,
				       const struct pkgnote_stamp_options *opts,
				       struct pkgnote_stamp_report *report,
				       struct pkgnote_error *err)
{
	struct pkgnote_pending *p;
	enum pkgnote_status r = pkgnote_stamp_prepare(path, md, opts, &p, report, err);
	if (r == PKGNOTE_OK && p != NULL)
		pkgnote_commit_pending(&p, 1, &r, err);
	return r;
}
