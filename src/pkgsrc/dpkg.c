/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dpkg's database, read directly (doc/retrofit.md), in three passes:
 *   1. var/lib/dpkg/diversions: triples of lines (original path, the path
 *      other packages' copies go to, the diverting package or ":" for a
 *      local diversion), both paths resolved inside the root: with merged
 *      /usr a diversion of /usr/bin/sleep (renamed on disk with --rename)
 *      moves the file coreutils lists as /bin/sleep;
 *   2. var/lib/dpkg/status: one RFC 822 stanza per package; those whose
 *      state means their files are on disk become packages;
 *   3. var/lib/dpkg/info/PKG.list (PKG:ARCH.list for Multi-Arch: same),
 *      one absolute path a line: each path is resolved inside the root
 *      (merged /usr: /bin/ls is /usr/bin/ls), moved by a diversion where
 *      one applies, and recorded as the package's.
 * Distroless images (made without dpkg, from the packages' control files)
 * have no status and no info/: each package is var/lib/dpkg/status.d/NAME,
 * its control stanza (no Status: field, or one that says the files are on
 * disk), and its files are listed in status.d/NAME.md5sums, one
 * "MD5  relative/path" a line.  A root may have either layout or both.
 *
 * What cannot be trusted is left out with a warning: a stanza that lacks a
 * field or holds characters dpkg never writes, a last stanza that the file
 * does not end after (a truncated copy could end inside a version), a
 * path with "." or ".." components, a distroless package without its
 * .md5sums (its files are unknown).  A diversions file that is not whole
 * triples fails the read: which package owns a diverted path is unknown.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "pkgdb.h"
#include "pkgsrc.h"
#include "root_path.h"

#define DPKG_DIR "/var/lib/dpkg"

struct diversion {
	char *from, *to, *by;        /* by: a package name, or ":"; paths resolved */
};

struct diversions {
	struct diversion *d;
	size_t n;
};

struct reader {
	const char *root;
	int rootfd, dpkgfd;
	struct pkgdb *db;
	struct pkgdb_os os;
	struct diversions div;
	struct root_resolver res;
	const char *file;            /* the stanzas' file: "status", "status.d/NAME" */
	const char *statusd;         /* NAME of a distroless stanza file, else NULL */
};

/* A file of the dpkg directory: never a link, never anything but a file. */
static FILE *open_db_file(struct reader *r, const char *name, bool quiet_enoent)
{
	int fd = openat(r->dpkgfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		fd = -1;
		errno = EINVAL;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		if (!(quiet_enoent && errno == ENOENT))
			snprintf(r->db->error, sizeof r->db->error, "%s%s/%s: cannot open: %s",
				 r->root, DPKG_DIR, name, errno == EINVAL ? "not a regular file"
				 : strerror(errno));
	}
	return f;
}

/* One line without its newline; NULL at the end.  A NUL byte inside makes
 * the line unusable: *bad is set. */
static char *next_line(FILE *f, char **buf, size_t *cap, bool *ended_newline, bool *bad)
{
	ssize_t n = getline(buf, cap, f);
	if (n < 0)
		return NULL;
	*bad = strlen(*buf) != (size_t)n;
	*ended_newline = n > 0 && (*buf)[n - 1] == '\n';
	if (*ended_newline)
		(*buf)[--n] = '\0';
	return *buf;
}

static int by_from(const void *a, const void *b)
{
	return strcmp(((const struct diversion *)a)->from, ((const struct diversion *)b)->from);
}

static int read_diversions(struct reader *r)
{
	FILE *f = open_db_file(r, "diversions", true);
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	char *buf = NULL, *triple[3];
	size_t cap = 0, nline = 0, alloc = 0;
	bool nl, bad, failed = false;
	struct diversions *d = &r->div;
	char resolved[4096];
	while (!failed && next_line(f, &buf, &cap, &nl, &bad) != NULL) {
		if (bad || !nl) {
			snprintf(r->db->error, sizeof r->db->error, "%s%s/diversions: line %zu: %s",
				 r->root, DPKG_DIR, nline + 1, bad ? "contains a NUL byte"
				 : "does not end (truncated file?)");
			failed = true;
			break;
		}
		/* Paths (lines 1 and 2 of an entry) as the root resolves them. */
		const char *line = buf;
		if (nline % 3 != 2 && root_resolve(r->rootfd, buf, false, resolved, sizeof resolved) == 0)
			line = resolved;
		triple[nline % 3] = strdup(line);
		if (triple[nline % 3] == NULL) {
			failed = true;
			break;
		}
		if (++nline % 3)
			continue;
		if (PN_GROW(d->d, alloc, d->n + 1, 16) != 0) {
			for (int k = 0; k < 3; k++)
				free(triple[k]);
			failed = true;
			break;
		}
		d->d[d->n++] = (struct diversion){ triple[0], triple[1], triple[2] };
	}
	if (!failed && nline % 3) {
		snprintf(r->db->error, sizeof r->db->error,
			 "%s%s/diversions: %zu lines, not whole entries of 3 (truncated file?)",
			 r->root, DPKG_DIR, nline);
		failed = true;
	}
	if (failed) {
		for (size_t k = nline - nline % 3; k < nline; k++)
			free(triple[k % 3]);
		if (r->db->error[0] == '\0')
			snprintf(r->db->error, sizeof r->db->error, "%s", strerror(ENOMEM));
	}
	free(buf);
	fclose(f);
	if (!failed && d->n)
		qsort(d->d, d->n, sizeof *d->d, by_from);
	return failed ? -1 : 0;
}

static const struct diversion *diversion_of(const struct reader *r, const char *path)
{
	if (r->div.n == 0)
		return NULL;
	struct diversion key = { .from = (char *)path };
	return bsearch(&key, r->div.d, r->div.n, sizeof *r->div.d, by_from);
}

/* Characters dpkg accepts in each field (deb-control(5), deb-version(7)). */
static bool all_of(const char *s, const char *extra)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr(extra, *s)))
			return false;
	return true;
}

static bool valid_version(const char *s)
{
	if (s == NULL || !isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".+~:-", *s))
			return false;
	return true;
}

/* A stanza's fields: pointers into its own copies. */
struct stanza {
	char *package, *status, *version, *arch, *multi_arch, *source;
	size_t line;                 /* where it starts, for warnings */
	bool garbled;
};

static void clear_stanza(struct stanza *s)
{
	free(s->package);
	free(s->status);
	free(s->version);
	free(s->arch);
	free(s->multi_arch);
	free(s->source);
	memset(s, 0, sizeof *s);
}

/* The states in which a package's files are on disk (dpkg-query(1)). */
static bool files_present(const char *status)
{
	static const char *const states[] = { "installed", "unpacked", "half-configured",
		"half-installed", "triggers-awaited", "triggers-pending" };
	const char *state = status ? strrchr(status, ' ') : NULL;
	if (state == NULL)
		return false;
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strcmp(state + 1, states[i]) == 0)
			return true;
	return false;
}

static int read_list(struct reader *r, const struct pkgdb_package *pkg, bool same);
static int read_md5sums(struct reader *r, const struct pkgdb_package *pkg);

/* A stanza is complete: make its package and read its file list.  A
 * distroless stanza (a control file) has no Status: to say it is one. */
static int take_stanza(struct reader *r, struct stanza *s)
{
	if (r->statusd == NULL && s->package == NULL && s->status == NULL)
		return 0;
	if ((r->statusd == NULL || s->status != NULL) && !files_present(s->status))
		return 0;
	char src[256] = "", srcver[256] = "";
	if (s->source != NULL && sscanf(s->source, "%255s (%255[^)])", src, srcver) < 1)
		s->garbled = true;
	const char *why = s->garbled ? "garbled lines"
			  : !all_of(s->package, "+.-") ? "no valid Package"
			  : !valid_version(s->version) ? "no valid Version"
			  : !all_of(s->arch, "-") ? "no valid Architecture"
			  : (*src && !all_of(src, "+.-")) ? "no valid Source" : NULL;
	if (why != NULL) {
		pkgdb_warn(r->db, "%s%s/%s: line %zu: package %s: %s; its files are not stamped",
			   r->root, DPKG_DIR, r->file, s->line, s->package && all_of(s->package, "+.-")
			   ? s->package : "(unnamed)", why);
		return 0;
	}
	const struct pkgdb_package *pkg = pkgdb_add_package(r->db, "deb", &r->os, s->package,
		s->version, s->arch, *src ? src : NULL, *srcver ? srcver : (*src ? s->version : NULL));
	if (pkg == NULL) {
		if (errno == ENOMEM)
			return -1;
		pkgdb_warn(r->db, "%s: %s; its files are not stamped", s->package, r->db->error);
		r->db->error[0] = '\0';
		return 0;
	}
	bool same = s->multi_arch != NULL && strcmp(s->multi_arch, "same") == 0;
	return r->statusd != NULL ? read_md5sums(r, pkg) : read_list(r, pkg, same);
}

static int set_field(struct stanza *s, const char *line)
{
	static const struct { const char *name; size_t off; } fields[] = {
		{ "Package", offsetof(struct stanza, package) },
		{ "Status", offsetof(struct stanza, status) },
		{ "Version", offsetof(struct stanza, version) },
		{ "Architecture", offsetof(struct stanza, arch) },
		{ "Multi-Arch", offsetof(struct stanza, multi_arch) },
		{ "Source", offsetof(struct stanza, source) },
	};
	const char *colon = strchr(line, ':');
	if (colon == NULL || colon == line) {
		s->garbled = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		size_t n = strlen(fields[i].name);
		if ((size_t)(colon - line) != n || strncasecmp(line, fields[i].name, n) != 0)
			continue;
		const char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t len = strlen(v);
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		char **slot = (char **)((char *)s + fields[i].off);
		if (*slot != NULL)
			s->garbled = true; /* a field twice */
		free(*slot);
		*slot = strndup(v, len);
		return *slot == NULL ? -1 : 0;
	}
	return 0;
}

/* The stanzas of r->file. */
static int read_stanzas(struct reader *r)
{
	FILE *f = open_db_file(r, r->file, false);
	if (f == NULL)
		return -1;
	struct stanza s = { 0 };
	char *buf = NULL;
	size_t cap = 0, nline = 0;
	bool nl = true, bad;
	int rc = 0;
	while (rc == 0 && next_line(f, &buf, &cap, &nl, &bad) != NULL) {
		nline++;
		if (buf[strspn(buf, " \t")] == '\0') {
			rc = take_stanza(r, &s);
			clear_stanza(&s);
			continue;
		}
		if (s.line == 0)
			s.line = nline;
		if (bad)
			s.garbled = true;
		else if (buf[0] != ' ' && buf[0] != '\t')
			rc = set_field(&s, buf);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(r->db->error, sizeof r->db->error, "%s%s/%s: cannot read: %s",
			 r->root, DPKG_DIR, r->file, strerror(errno));
		rc = -1;
	}
	/* dpkg ends every stanza with a blank line: a file that does not end
	 * so was cut, perhaps inside a value of its last stanza.  A control
	 * file (status.d) ends with its last line's newline. */
	if (rc == 0 && s.line != 0 && r->statusd != NULL && nl)
		rc = take_stanza(r, &s);
	else if (rc == 0 && s.line != 0 && (r->statusd != NULL || files_present(s.status)))
		pkgdb_warn(r->db, "%s%s/%s: ends inside the stanza of line %zu (truncated file?); "
			   "package %s is not stamped", r->root, DPKG_DIR, r->file, s.line,
			   s.package && all_of(s.package, "+.-") ? s.package : "(unnamed)");
	clear_stanza(&s);
	free(buf);
	fclose(f);
	if (rc != 0 && r->db->error[0] == '\0')
		snprintf(r->db->error, sizeof r->db->error, "%s", strerror(ENOMEM));
	return rc;
}

/* dpkg writes absolute, normalised paths: anything else is not its. */
static bool plain_path(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p; *c; ) {
		while (*c == '/')
			c++;
		size_t n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return strcmp(p, "/.") == 0;
		c += n;
	}
	return true;
}

/* A file list NAME (open as F) of PKG: absolute paths a line (info/PKG.list),
 * or "MD5  relative/path" lines (status.d/NAME.md5sums). */
static int read_paths(struct reader *r, const struct pkgdb_package *pkg, FILE *f,
		      const char *name, bool md5sums)
{
	char *buf = NULL, resolved[4096], line[4096];
	size_t cap = 0, nline = 0, ignored = 0;
	bool nl, bad;
	int rc = 0;
	while (rc == 0 && next_line(f, &buf, &cap, &nl, &bad) != NULL) {
		nline++;
		const char *listed = buf;
		if (md5sums) {
			size_t hex = strspn(buf, "0123456789abcdef");
			bool ok = hex == 32 && buf[32] == ' ' && (buf[33] == ' ' || buf[33] == '*');
			snprintf(line, sizeof line, "/%s", ok ? buf + 34 : "..");
			listed = line;
		}
		if (bad || !plain_path(listed) || strcmp(listed, "/.") == 0) {
			if (strcmp(listed, "/.") != 0 && ignored++ == 0)
				pkgdb_warn(r->db, "%s%s/%s: line %zu: not %s; ignored", r->root, DPKG_DIR,
					   name, nline, md5sums ? "an MD5 sum and a normalised path"
					   : "an absolute, normalised path");
			continue;
		}
		if (root_resolve_cached(&r->res, listed, resolved, sizeof resolved) != 0)
			continue; /* ENOTDIR, ELOOP: the path names no file of this root */
		const struct diversion *d = diversion_of(r, resolved);
		const char *path = resolved;
		if (d != NULL && (strcmp(d->by, ":") == 0 || strcmp(d->by, pkg->name) != 0))
			path = d->to;
		if (pkgdb_add_owner(r->db, path, pkg) != 0)
			rc = -1;
	}
	if (rc != 0)
		snprintf(r->db->error, sizeof r->db->error, "%s", strerror(ENOMEM));
	free(buf);
	fclose(f);
	return rc;
}

static int read_list(struct reader *r, const struct pkgdb_package *pkg, bool same)
{
	char name[600];
	snprintf(name, sizeof name, same ? "info/%s:%s.list" : "info/%s.list", pkg->name, pkg->arch);
	FILE *f = open_db_file(r, name, true);
	if (f == NULL && errno == ENOENT) {
		/* The other form: dpkg's choice follows Multi-Arch as it was
		 * when the package was unpacked. */
		snprintf(name, sizeof name, same ? "info/%s.list" : "info/%s:%s.list", pkg->name,
			 pkg->arch);
		f = open_db_file(r, name, true);
	}
	if (f == NULL) {
		if (errno != ENOENT)
			return -1;
		pkgdb_warn(r->db, "%s%s/info/%s.list: missing; the files of %s:%s are not stamped",
			   r->root, DPKG_DIR, pkg->name, pkg->name, pkg->arch);
		return 0;
	}
	return read_paths(r, pkg, f, name, false);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A distroless package's files: status.d/NAME.md5sums. */
static int read_md5sums(struct reader *r, const struct pkgdb_package *pkg)
{
	char name[600];
	snprintf(name, sizeof name, "status.d/%s.md5sums", r->statusd);
	FILE *f = open_db_file(r, name, true);
	if (f == NULL) {
		if (errno != ENOENT)
			return -1;
		pkgdb_warn(r->db, "%s%s/%s: missing; the files of %s are unknown and not stamped",
			   r->root, DPKG_DIR, name, pkg->name);
		return 0;
	}
	return read_paths(r, pkg, f, name, true);
}

/* The stanza files of status.d, in name order (the warnings' order). */
static int read_status_d(struct reader *r)
{
	int fd = openat(r->dpkgfd, "status.d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		snprintf(r->db->error, sizeof r->db->error, "%s%s/status.d: cannot open: %s",
			 r->root, DPKG_DIR, errno == ELOOP ? "a symbolic link (not followed)"
			 : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0, len;
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.' || ((len = strlen(e->d_name)) > 8 &&
					     strcmp(e->d_name + len - 8, ".md5sums") == 0))
			continue;
		if (PN_GROW(names, cap, n + 1, 64) != 0 || (names[n] = strdup(e->d_name)) == NULL)
			rc = -1;
		n += rc == 0;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, by_name);
	char file[600];
	for (size_t i = 0; i < n; i++) {
		snprintf(file, sizeof file, "status.d/%s", names[i]);
		r->file = file;
		r->statusd = names[i];
		if (rc == 0)
			rc = read_stanzas(r);
		free(names[i]);
	}
	free(names);
	r->statusd = NULL;
	if (rc != 0 && r->db->error[0] == '\0')
		snprintf(r->db->error, sizeof r->db->error, "%s", strerror(ENOMEM));
	return rc;
}

static void free_reader(struct reader *r)
{
	for (size_t i = 0; i < r->div.n; i++) {
		free(r->div.d[i].from);
		free(r->div.d[i].to);
		free(r->div.d[i].by);
	}
	free(r->div.d);
	pkgdb_os_free(&r->os);
	if (r->dpkgfd >= 0)
		close(r->dpkgfd);
	if (r->rootfd >= 0)
		close(r->rootfd);
}

int pkgdb_read_dpkg(const char *root, struct pkgdb *db)
{
	struct reader r = { .root = root, .rootfd = -1, .dpkgfd = -1, .db = db };
	char dir[4096];
	int rc = -1;
	db->kind = "dpkg";
	/* Messages name ROOT/var/lib/dpkg/...: no doubled slash for "/". */
	if (strcmp(root, "/") == 0)
		r.root = "";
	r.rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r.rootfd < 0) {
		snprintf(db->error, sizeof db->error, "%s: cannot open: %s", root, strerror(errno));
		goto out;
	}
	r.res.rootfd = r.rootfd;
	if (root_resolve(r.rootfd, DPKG_DIR, true, dir, sizeof dir) != 0 ||
	    (r.dpkgfd = openat(r.rootfd, dir + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(db->error, sizeof db->error, "%s%s: no dpkg database: %s", r.root, DPKG_DIR,
			 strerror(errno));
		goto out;
	}
	if (pkgdb_read_os(r.rootfd, false, &r.os) != 0)
		goto out;
	if (r.os.id == NULL)
		pkgdb_warn(db, "%s: no os-release (etc/os-release, usr/lib/os-release): the notes "
			   "lack os and osVersion", root);
	/* status, else (distroless) status.d; a root with both has both read. */
	struct stat st;
	bool distroless = fstatat(r.dpkgfd, "status.d", &st, AT_SYMLINK_NOFOLLOW) == 0;
	bool status = !distroless || fstatat(r.dpkgfd, "status", &st, AT_SYMLINK_NOFOLLOW) == 0;
	r.file = "status";
	if (read_diversions(&r) != 0 || (status && read_stanzas(&r) != 0) ||
	    (distroless && read_status_d(&r) != 0))
		goto out;
	if (db->npkgs == 0) {
		snprintf(db->error, sizeof db->error, "%s%s/%s: no installed package", r.root,
			 DPKG_DIR, status ? "status" : "status.d");
		goto out;
	}
	pkgdb_finish(db);
	rc = 0;
out:
	free_reader(&r);
	return rc;
}

/* -- the source (src/pkgsrc.h) ---------------------------------------------- */

static int dpkg_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why, size_t whylen)
{
	*src = NULL;
	if (!pkgdb_root_has(root->rootfd, DPKG_DIR "/status") &&
	    !pkgdb_root_has(root->rootfd, DPKG_DIR "/status.d")) {
		snprintf(why, whylen, "%s%s: no dpkg database (no status, no status.d)",
			 strcmp(root->root, "/") == 0 ? "" : root->root, DPKG_DIR);
		return 0;
	}
	return pkgdb_source_open(root, pkgdb_read_dpkg, src, why, whylen);
}

const struct pkgsrc_ops pkgsrc_dpkg = {
	.name = "dpkg",
	.tier = PKGSRC_OS,
	.open = dpkg_open,
	.owner = pkgdb_source_owner,
	.close = pkgdb_source_close,
};
