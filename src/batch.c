/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Many files at once: the PATHs given, and with -r every file below the
 * directories among them.  Files are found by content (pkgnote_classify),
 * symbolic links inside trees are never followed, a file with several hard
 * links is stamped once and every link found is made to name the result.
 * The work is shared by -j worker processes; each prints its own lines and
 * reports its counts, and one summary line ends the run.
 */
#include <errno.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "grow.h"
#include "md_json.h"
#include "messages.h"
#include "retrofit.h"

struct item {
	char *path;
	dev_t dev;
	ino_t ino;
	bool given;                  /* named on the command line */
	bool via_symlink;            /* a followed symbolic link: dev/ino are its target's */
	const char **links;          /* its other names, NULL-terminated */
	size_t nlinks;
	const struct pkgdb_package *pkg; /* its owner, with --from-* */
	size_t source;               /* the source that named it (retrofit.h), or GIVEN */
};

/* An item stamped with the metadata given (--json, fields): no source's. */
#define GIVEN SOURCES_MAX

struct counts {
	size_t stamped, unchanged, skipped, failed;
	size_t no_room;              /* of the failed: refused, no room in page 1 */
	int worst;
	size_t by_source[SOURCES_MAX + 1]; /* stamped, by the source that named them */
};

struct list {
	struct item *items;
	size_t n, cap;
	struct counts skipped;       /* what the walk passed over */
	bool verbose;
	struct retrofit *rf;         /* the root's package records, or NULL */
	size_t unowned;              /* skipped: no package owns them */
};

/* nftw has no context argument. */
static struct list *walk_list;

static int add_item(struct list *l, const char *path, const struct stat *st, bool given)
{
	if (PN_GROW(l->items, l->cap, l->n + 1, 256) != 0)
		return -1;
	char *copy = strdup(path);
	if (copy == NULL)
		return -1;
	l->items[l->n++] = (struct item){ .path = copy, .dev = st->st_dev, .ino = st->st_ino,
					  .given = given, .source = GIVEN };
	return 0;
}

static void skip(struct list *l, const char *path, const char *why)
{
	l->skipped.skipped++;
	if (l->verbose && why != NULL)
		printf("%s: skipped: %s\n", path, why);
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	struct list *l = walk_list;
	if (type == FTW_SL || type == FTW_SLN) {
		skip(l, path, "symbolic link (not followed)");
		return 0;
	}
	if (type == FTW_DNR || type == FTW_NS) {
		fprintf(stderr, "pkgnote: %s: cannot read: %s\n", path, strerror(errno));
		l->skipped.failed++;
		l->skipped.worst = worse(l->skipped.worst, PKGNOTE_IO);
		return 0;
	}
	if (type != FTW_F)
		return 0;
	if (!S_ISREG(st->st_mode)) {
		skip(l, path, "not a regular file");
		return 0;
	}
	const char *why;
	switch (pkgnote_classify(path, &why)) {
	case PKGNOTE_KIND_STAMPABLE:
		return add_item(l, path, st, false) == 0 ? 0 : -1;
	case PKGNOTE_KIND_SKIP:
		skip(l, path, why);
		return 0;
	default:
		skip(l, path, NULL);
		return 0;
	}
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->path, ((const struct item *)b)->path);
}

static int by_inode(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Hard links found more than once become one item with other names; a
 * file also reached through followed symbolic links is stamped once, under
 * a name that is not a link when it has one. */
static int merge_links(struct list *l)
{
	if (l->n == 0)
		return 0; /* items is NULL then, and qsort must not see it */
	qsort(l->items, l->n, sizeof *l->items, by_inode);
	size_t out = 0;
	for (size_t i = 0; i < l->n;) {
		size_t j = i + 1, first = i;
		while (j < l->n && l->items[j].dev == l->items[i].dev && l->items[j].ino == l->items[i].ino)
			j++;
		for (size_t k = i; k < j; k++)
			if (!l->items[k].via_symlink) {
				first = k;
				break;
			}
		struct item it = l->items[first];
		if (j - i > 1) {
			it.links = calloc(j - i, sizeof *it.links);
			if (it.links == NULL)
				return -1;
		}
		for (size_t k = i; k < j; k++) {
			if (k == first)
				continue;
			if (!l->items[k].via_symlink) {
				it.links[it.nlinks++] = l->items[k].path;
				continue;
			}
			l->skipped.skipped++;
			if (l->verbose)
				printf("%s: skipped: the same file as %s\n", l->items[k].path, it.path);
			free(l->items[k].path);
		}
		l->items[out++] = it;
		i = j;
	}
	l->n = out;
	qsort(l->items, l->n, sizeof *l->items, by_path);
	return 0;
}

static void free_item(struct item *it)
{
	for (size_t k = 0; k < it->nlinks; k++)
		free((char *)it->links[k]);
	free(it->links);
	free(it->path);
}

static void free_list(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free_item(&l->items[i]);
	free(l->items);
}

/* With package records: each file's owner, found by its name or by one of
 * its hard links' names.  Stamping, a file no package owns (or two records
 * claim) is passed over unless fallback metadata was given; checking, it
 * is checked as any file.  -v names each file's origin. */
static int assign_owners(struct list *l, bool stamping, bool fallback)
{
	size_t out = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct item *it = &l->items[i];
		const struct pkgdb_package *pkg, *also;
		size_t source = GIVEN;
		pkg = retrofit_owner(l->rf, it->path, &also, &source);
		for (size_t k = 0; pkg == NULL && k < it->nlinks; k++)
			pkg = retrofit_owner(l->rf, it->links[k], &also, &source);
		char *why = NULL;
		if (pkg != NULL && also != NULL) {
			/* Name and version tell two wheels apart; the
			 * architecture two Multi-Arch packages. */
			if (asprintf(&why, "listed by two packages of %s (%s %s%s%s, %s %s%s%s)",
				     retrofit_source_name(l->rf, source), pkg->name,
				     pkg->version ? pkg->version : "-", pkg->arch ? " " : "",
				     pkg->arch ? pkg->arch : "", also->name,
				     also->version ? also->version : "-", also->arch ? " " : "",
				     also->arch ? also->arch : "") < 0)
				return -1;
		} else if (pkg != NULL) {
			it->pkg = pkg;
			it->source = source;
			if (l->verbose)
				printf("%s: origin %s: %s\n", it->path,
				       retrofit_source_name(l->rf, source), pkg->json);
		} else if (!fallback && (why = strdup("owned by no package")) == NULL) {
			return -1;
		}
		if (why != NULL && stamping) {
			l->skipped.skipped++;
			l->unowned += pkg == NULL;
			if (l->verbose)
				printf("%s: skipped: %s\n", it->path, why);
			free(why);
			free_item(it);
			continue;
		}
		free(why);
		l->items[out++] = *it;
	}
	l->n = out;
	return 0;
}

/* Every PATH: a file is taken as given (stamping says what is wrong with
 * it); a directory is walked with -r and refused without. */
static int collect(const struct cli *cli, int argc, char **argv, struct list *l)
{
	walk_list = l;
	l->verbose = cli->verbose && !cli->check_json;
	for (int i = 0; i < argc; i++) {
		struct stat st;
		bool is_dir = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) &&
			      (lstat(argv[i], &st) != 0 || !S_ISLNK(st.st_mode) ||
			       cli->opts.follow_symlinks);
		if (!is_dir) {
			/* A name that cannot be looked at stays an item of its own:
			 * stamping it says what is wrong. */
			if (lstat(argv[i], &st) != 0) {
				memset(&st, 0, sizeof st);
				st.st_dev = (dev_t)-1;
				st.st_ino = (ino_t)i;
			}
			/* A followed link is known by the file it leads to, so
			 * that the file is stamped once however it is named. */
			bool via = S_ISLNK(st.st_mode) && cli->opts.follow_symlinks &&
				   stat(argv[i], &st) == 0;
			if (add_item(l, argv[i], &st, true) != 0)
				return -1;
			l->items[l->n - 1].via_symlink = via;
			continue;
		}
		if (!cli->recursive) {
			fprintf(stderr, "pkgnote: %s: is a directory (use -r to walk it)\n", argv[i]);
			l->skipped.failed++;
			l->skipped.worst = worse(l->skipped.worst, PKGNOTE_USAGE);
			continue;
		}
		if (nftw(argv[i], visit, 32, FTW_PHYS) != 0)
			return -1;
	}
	return merge_links(l);
}

/* Prepared stamps wait here to be committed together: one wait for the
 * disk per set instead of one per file.  A set is bounded in files (open
 * descriptors) and in bytes (data written but not yet synced). */
#define SET_FILES 64
#define SET_BYTES ((uint64_t)256 << 20)

struct worker {
	struct counts c;
	struct pkgnote_pending *pending[SET_FILES];
	const struct item *items[SET_FILES];
	struct pkgnote_stamp_report reports[SET_FILES];
	size_t n;
	uint64_t bytes;
};

static void report_stamped(const struct cli *cli, const struct item *it,
			   const struct pkgnote_stamp_report *rep, struct counts *c)
{
	if (rep->outside_page)
		fprintf(stderr, "pkgnote: %s: warning: the note is outside the first page; "
			"core dumps will not contain it\n", it->path);
	if (rep->unchanged) {
		c->unchanged++;
	} else {
		c->stamped++;
		c->by_source[it->source]++;
	}
	if (cli->verbose && cli->opts.in_place && !rep->unchanged && !rep->in_place)
		fprintf(stderr, "pkgnote: %s: stamped by copy, not in place: %s\n", it->path,
			rep->copied_because);
	if (cli->quiet)
		return;
	if (rep->kept_note)
		printf("%s: keeps the package note it carries (--replace-notes replaces it)\n",
		       it->path);
	else if (rep->unchanged)
		printf("%s: already stamped with this metadata\n", it->path);
	else
		printf("%s: %s note at offset 0x%llx%s\n", cli->output ? cli->output : it->path,
		       rep->replaced ? "replaced" : "added", (unsigned long long)rep->note_offset,
		       rep->new_first_page ? " (new first page)"
		       : rep->moved_sections ? " (moved sections out of page 1)" : "");
}

static void report_failed(const struct pkgnote_error *err, int r, struct counts *c)
{
	report_error(err);
	c->failed++;
	c->no_room += r == PKGNOTE_NO_ROOM;
	c->worst = worse(c->worst, r);
}

static void commit_set(const struct cli *cli, struct worker *w)
{
	if (w->n == 0)
		return;
	enum pkgnote_status status[SET_FILES];
	struct pkgnote_error errs[SET_FILES];
	pkgnote_commit_pending(w->pending, w->n, status, errs);
	for (size_t i = 0; i < w->n; i++) {
		if (status[i] == PKGNOTE_OK)
			report_stamped(cli, w->items[i], &w->reports[i], &w->c);
		else
			report_failed(&errs[i], status[i], &w->c);
	}
	w->n = 0;
	w->bytes = 0;
}

static void stamp_one(const struct cli *cli, const struct pkgnote_metadata *md,
		      const struct item *it, struct worker *w)
{
	struct pkgnote_stamp_options opts = cli->opts;
	opts.links = it->links;
	/* With a database, a note a file already carries (its link-time note,
	 * or a stamp of an earlier run) is kept unless --replace-notes. */
	opts.keep_existing = cli->db_root != NULL && !cli->replace_notes;
	struct pkgnote_error err;
	struct pkgnote_pending *p;
	size_t k = w->n;
	w->reports[k] = (struct pkgnote_stamp_report)PKGNOTE_STAMP_REPORT_INIT;
	if (it->pkg != NULL)
		md = it->pkg->md;
	int r = pkgnote_stamp_prepare(it->path, md, &opts, &p, &w->reports[k], &err);
	if (r != PKGNOTE_OK) {
		report_failed(&err, r, &w->c);
		return;
	}
	if (p == NULL) {
		report_stamped(cli, it, &w->reports[k], &w->c);
		return;
	}
	w->pending[k] = p;
	w->items[k] = it;
	w->n++;
	w->bytes += pkgnote_pending_size(p);
	if (w->n == SET_FILES || w->bytes >= SET_BYTES)
		commit_set(cli, w);
}

/* The required keys a note lacks, as "a,b"; NULL when none. */
static char *missing_keys(const char *json, const char *require)
{
	if (require == NULL || *require == '\0')
		return NULL;
	json_object *obj = md_json_parse(json);
	char *list = strdup(require), *out = NULL;
	size_t len = 0;
	for (char *save = NULL, *key = strtok_r(list, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
		json_object *v;
		if (obj != NULL && json_object_object_get_ex(obj, key, &v))
			continue;
		char *grown = realloc(out, len + strlen(key) + 2);
		if (grown == NULL)
			break;
		out = grown;
		len += (size_t)sprintf(out + len, "%s%s", len ? "," : "", key);
	}
	free(list);
	json_object_put(obj);
	return out;
}

/* check: one line (or JSON record) per file with a problem. */
static void check_one(const struct cli *cli, const struct pkgnote_metadata *unused,
		      const struct item *it, struct worker *w)
{
	(void)unused;
	struct counts *c = &w->c;
	struct pkgnote_error err;
	struct pkgnote_note_info info = PKGNOTE_NOTE_INFO_INIT;
	char *json = NULL, *missing = NULL, *disagrees = NULL;
	const char *problem = NULL;
	int r = pkgnote_read_file(it->path, cli->opts.page_size, &json, &info, &err);
	if (r == PKGNOTE_NO_NOTE)
		problem = "no package note";
	else if (r != PKGNOTE_OK)
		problem = strchr(err.message, ':') ? strchr(err.message, ':') + 2 : err.message;
	else if (!info.in_first_page)
		problem = "package note outside the first page";
	else if ((missing = missing_keys(json, cli->require)) != NULL)
		problem = "package note lacks required keys";
	else if (it->pkg != NULL &&
		 (disagrees = retrofit_disagreement(cli->retrofit, it->source, it->pkg, json)))
		problem = disagrees;
	if (problem == NULL) {
		c->stamped++;
	} else {
		c->failed++;
		c->worst = worse(c->worst, PKGNOTE_NO_NOTE);
	}
	if (cli->check_json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(it->path));
		json_object_object_add(o, "ok", json_object_new_boolean(problem == NULL));
		json_object_object_add(o, "problem", problem ? json_object_new_string(problem) : NULL);
		json_object_object_add(o, "missingKeys", missing ? json_object_new_string(missing) : NULL);
		json_object_object_add(o, "metadata", json ? md_json_parse(json) : NULL);
		printf("%s\n", json_object_to_json_string_ext(o, MD_JSON_PLAIN));
		json_object_put(o);
	} else if (problem != NULL) {
		printf("%s: %s%s%s\n", it->path, problem, missing ? ": " : "", missing ? missing : "");
	} else if (cli->verbose) {
		printf("%s: ok\n", it->path);
	}
	free(json);
	free(missing);
	free(disagrees);
}

static long worker_count(const struct cli *cli, size_t items)
{
	long n = cli->jobs > 0 ? cli->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return (size_t)n > items ? (long)(items ? items : 1) : n;
}

typedef void (*work_fn)(const struct cli *, const struct pkgnote_metadata *, const struct item *,
			struct worker *);

static void add_counts(struct counts *total, const struct counts *c)
{
	total->stamped += c->stamped;
	total->unchanged += c->unchanged;
	total->failed += c->failed;
	total->no_room += c->no_room;
	total->worst = worse(total->worst, c->worst);
	for (size_t i = 0; i <= SOURCES_MAX; i++)
		total->by_source[i] += c->by_source[i];
}

static void work(const struct cli *cli, const struct pkgnote_metadata *md, const struct list *l, work_fn fn,
		 size_t first, size_t step, struct counts *c)
{
	struct worker *w = calloc(1, sizeof *w);
	if (w == NULL) {
		fprintf(stderr, "pkgnote: %s\n", strerror(ENOMEM));
		c->failed++;
		c->worst = worse(c->worst, PKGNOTE_IO);
		return;
	}
	for (size_t i = first; i < l->n; i += step)
		fn(cli, md, &l->items[i], w);
	commit_set(cli, w);
	add_counts(c, &w->c);
	free(w);
}

/* Worker k of n takes items k, k+n, k+2n, ... and reports its counts
 * through a pipe; with one worker the work is done here. */
static void run_workers(const struct cli *cli, const struct pkgnote_metadata *md, const struct list *l, work_fn fn,
			struct counts *total)
{
	long n = worker_count(cli, l->n);
	if (n == 1) {
		work(cli, md, l, fn, 0, 1, total);
		return;
	}
	pid_t pids[n];
	int fds[n];
	fflush(stdout);
	fflush(stderr);
	long started = 0;
	for (; started < n; started++) {
		int p[2];
		if (pipe(p) != 0)
			break;
		pid_t pid = fork();
		if (pid < 0) {
			close(p[0]);
			close(p[1]);
			break;
		}
		if (pid == 0) {
			close(p[0]);
			struct counts c = { 0 };
			setvbuf(stdout, NULL, _IOLBF, 0);
			work(cli, md, l, fn, (size_t)started, (size_t)n, &c);
			fflush(stdout);
			_exit(write(p[1], &c, sizeof c) == (ssize_t)sizeof c ? 0 : 1);
		}
		close(p[1]);
		pids[started] = pid;
		fds[started] = p[0];
	}
	/* Workers that could not start: their share is done here. */
	for (long k = started; k < n; k++)
		work(cli, md, l, fn, (size_t)k, (size_t)n, total);
	for (long k = 0; k < started; k++) {
		struct counts c = { 0 };
		ssize_t got = read(fds[k], &c, sizeof c);
		int status;
		waitpid(pids[k], &status, 0);
		close(fds[k]);
		if (got != (ssize_t)sizeof c || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "pkgnote: worker %ld ended abnormally; its files may be unstamped\n", k);
			c.failed++;
			c.worst = worse(c.worst, PKGNOTE_IO);
		}
		add_counts(total, &c);
	}
}

/* " (dpkg 400, npm 12, given 3)": the files stamped, by the source that
 * named them (in the order they are asked) or by the metadata given; with
 * one source named (--from-dpkg), only when some files had the latter. */
/* The end of the summary: the files refused for want of room in page 1,
 * apart from other failures (no layout names them without relinking). */
static void print_no_room(const struct counts *c)
{
	if (c->no_room > 0)
		printf(" (%zu no room in page 1)", c->no_room);
	putchar('\n');
}

static void print_by_source(const struct retrofit *rf, const struct counts *c, bool all)
{
	if (c->stamped == 0 || (!all && c->by_source[GIVEN] == 0))
		return;
	const char *sep = " (";
	for (size_t i = 0; i <= SOURCES_MAX; i++) {
		if (c->by_source[i] == 0)
			continue;
		printf("%s%s %zu", sep, i == GIVEN ? "given" : retrofit_source_name(rf, i),
		       c->by_source[i]);
		sep = ", ";
	}
	printf(")");
}

static int run(struct cli *cli, const struct pkgnote_metadata *md, int argc, char **argv, bool checking)
{
	struct list l = { 0 };
	struct counts total = { 0 };
	struct retrofit rf;
	if (cli->db_root != NULL) {
		int r = retrofit_begin(cli, argc, argv, &rf);
		if (r != PKGNOTE_OK) {
			retrofit_end(&rf);
			return r;
		}
		l.rf = cli->retrofit = &rf;
	}
	if (collect(cli, argc, argv, &l) != 0 ||
	    (l.rf != NULL && assign_owners(&l, !checking, md != NULL) != 0)) {
		fprintf(stderr, "pkgnote: cannot list the files: %s\n", strerror(errno));
		free_list(&l);
		if (l.rf != NULL)
			retrofit_end(&rf);
		return PKGNOTE_IO;
	}
	total = l.skipped;
	run_workers(cli, md, &l, checking ? check_one : stamp_one, &total);
	bool many = cli->recursive || argc > 1;
	if (checking && !cli->check_json && (many || total.failed))
		printf("pkgnote: %zu checked, %zu ok, %zu with problems, %zu skipped\n",
		       total.stamped + total.failed, total.stamped, total.failed, total.skipped);
	else if (!checking && many && l.rf != NULL) {
		printf("pkgnote: %zu stamped", total.stamped);
		print_by_source(l.rf, &total, cli->db_kind == NULL);
		printf(", %zu unchanged, %zu skipped (%zu owned by no package), %zu failed",
		       total.unchanged, total.skipped, l.unowned, total.failed);
		print_no_room(&total);
	}
	else if (!checking && many) {
		printf("pkgnote: %zu stamped, %zu unchanged, %zu skipped, %zu failed",
		       total.stamped, total.unchanged, total.skipped, total.failed);
		print_no_room(&total);
	}
	free_list(&l);
	if (l.rf != NULL)
		retrofit_end(&rf);
	return total.worst;
}

int run_stamp(struct cli *cli, const struct pkgnote_metadata *md, int argc, char **argv)
{
	return run(cli, md, argc, argv, false);
}

int run_check(struct cli *cli, int argc, char **argv)
{
	return run(cli, NULL, argc, argv, true);
}
