/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-memory package database: packages with their metadata, and a
 * sorted array of (path, package) searched by bsearch.  Sorting once after
 * reading costs less than a hash table's upkeep for a set that never
 * changes afterwards, and duplicates fall next to each other.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "md_json.h"
#include "pkgdb.h"
#include "pkgnote.h"
#include "pkgsrc.h"
#include "root_path.h"

void pkgdb_warn(struct pkgdb *db, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	if (PN_GROW(db->warnings, db->warnings_cap, db->nwarnings + 1, 16) != 0) {
		free(line);
		return;
	}
	db->warnings[db->nwarnings++] = line;
}

static void free_package(struct pkgdb_package *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->source);
	free(p->source_version);
	pkgnote_metadata_free(p->md);
	free(p);
}

/* The shape of each distribution's own link-time notes: Debian's
 * (dh-package-notes) names os and osVersion, Fedora's names osCpe; Alpine
 * has none, and gets Debian's shape.  The os keys belong to the OS's own
 * packages only: other types (a source that passes OS as NULL, or a
 * language package) get none.
 *
 * As the specification defines them, name and version are the source
 * package's (SOURCE, SOURCE_VERSION; the binary package's when the
 * database names no source), architecture the binary package's.  An OS
 * package also carries the binary package that installed the file, which
 * is what the database's own queries (dpkg -S, rpm -qf) answer:
 * binaryPackage and binaryVersion. */
static struct pkgnote_metadata *package_metadata(struct pkgdb *db, const char *type,
						 const struct pkgdb_os *os, const char *name,
						 const char *version, const char *arch,
						 const char *source, const char *source_version)
{
	json_object *obj = json_object_new_object();
	if (obj == NULL)
		return NULL;
	bool rpm = strcmp(type, "rpm") == 0;
	bool distro = rpm || strcmp(type, "deb") == 0 || strcmp(type, "apk") == 0;
	int r = md_json_set(obj, "type", type);
	if (distro && !rpm && os != NULL)
		r |= md_json_set(obj, "os", os->id) | md_json_set(obj, "osVersion", os->version_id);
	r |= md_json_set(obj, "name", source ? source : name) |
	     md_json_set(obj, "version", source ? source_version : version) |
	     md_json_set(obj, "architecture", arch);
	if (rpm && os != NULL)
		r |= md_json_set(obj, "osCpe", os->cpe);
	if (distro)
		r |= md_json_set(obj, "binaryPackage", name) | md_json_set(obj, "binaryVersion", version);
	struct pkgnote_metadata *md = NULL;
	struct pkgnote_error err = { .status = PKGNOTE_IO };
	/* The same validation as --json: a status file with control
	 * characters in a version gives no note at all. */
	if (r == 0)
		md_json_seal(obj, name, &md, &err);
	else
		snprintf(err.message, sizeof err.message, "%s", strerror(ENOMEM));
	if (md == NULL)
		snprintf(db->error, sizeof db->error, "%s", err.message);
	errno = md == NULL && err.status == PKGNOTE_BAD_JSON ? EINVAL : ENOMEM;
	json_object_put(obj);
	return md;
}

static char *dup_or_null(const char *s, bool *failed)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*failed = true;
	return d;
}

struct pkgdb_package *pkgdb_add_package(struct pkgdb *db, const char *type,
					 const struct pkgdb_os *os, const char *name,
					 const char *version, const char *arch,
					 const char *source, const char *source_version)
{
	if (PN_GROW(db->pkgs, db->pkgs_cap, db->npkgs + 1, 64) != 0)
		goto nomem;
	struct pkgdb_package *p = calloc(1, sizeof *p);
	if (p == NULL)
		goto nomem;
	bool failed = false;
	p->name = dup_or_null(name, &failed);
	p->version = dup_or_null(version, &failed);
	p->arch = dup_or_null(arch, &failed);
	p->source = dup_or_null(source, &failed);
	p->source_version = dup_or_null(source_version, &failed);
	if (failed) {
		free_package(p);
		goto nomem;
	}
	p->md = package_metadata(db, type, os, name, version, arch, source, source_version);
	if (p->md != NULL)
		p->json = pkgnote_metadata_json(p->md);
	if (p->md == NULL) {
		free_package(p);
		return NULL;
	}
	db->pkgs[db->npkgs++] = p;
	return p;
nomem:
	snprintf(db->error, sizeof db->error, "%s", strerror(ENOMEM));
	errno = ENOMEM;
	return NULL;
}

int pkgdb_add_owner(struct pkgdb *db, const char *path, const struct pkgdb_package *pkg)
{
	if (PN_GROW(db->owners, db->owners_cap, db->nowners + 1, 1024) != 0)
		return -1;
	char *copy = strdup(path);
	if (copy == NULL)
		return -1;
	db->owners[db->nowners++] = (struct pkgdb_owner){ .path = copy, .pkg = pkg };
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct pkgdb_owner *)a)->path, ((const struct pkgdb_owner *)b)->path);
}

void pkgdb_finish(struct pkgdb *db)
{
	if (db->nowners == 0)
		return;
	qsort(db->owners, db->nowners, sizeof *db->owners, by_path);
	size_t out = 0;
	for (size_t i = 0; i < db->nowners; i++) {
		struct pkgdb_owner *prev = out ? &db->owners[out - 1] : NULL;
		if (prev != NULL && strcmp(prev->path, db->owners[i].path) == 0) {
			/* Two records of the same metadata (rpm's database may hold
			 * a package twice) do not make the owner doubtful. */
			if (prev->pkg != db->owners[i].pkg && prev->also == NULL &&
			    strcmp(prev->pkg->json, db->owners[i].pkg->json) != 0)
				prev->also = db->owners[i].pkg;
			free(db->owners[i].path);
			continue;
		}
		db->owners[out++] = db->owners[i];
	}
	db->nowners = out;
}

const struct pkgdb_owner *pkgdb_lookup(const struct pkgdb *db, const char *path)
{
	if (db->nowners == 0)
		return NULL;
	struct pkgdb_owner key = { .path = (char *)path };
	return bsearch(&key, db->owners, db->nowners, sizeof *db->owners, by_path);
}

void pkgdb_free(struct pkgdb *db)
{
	for (size_t i = 0; i < db->npkgs; i++)
		free_package(db->pkgs[i]);
	free(db->pkgs);
	for (size_t i = 0; i < db->nowners; i++)
		free(db->owners[i].path);
	free(db->owners);
	for (size_t i = 0; i < db->nwarnings; i++)
		free(db->warnings[i]);
	free(db->warnings);
	memset(db, 0, sizeof *db);
}

/* One os-release value: quotes removed, backslash escapes resolved. */
static char *os_release_value(const char *v)
{
	size_t len = strcspn(v, "\n");
	char *out = malloc(len + 1), *o = out;
	if (out == NULL)
		return NULL;
	char quote = (*v == '"' || *v == '\'') ? *v++ : 0;
	for (; *v && *v != '\n' && *v != quote; v++) {
		if (*v == '\\' && quote != '\'' && v[1] && v[1] != '\n')
			v++;
		*o++ = *v;
	}
	*o = '\0';
	return out;
}

void pkgdb_parse_os_release(FILE *f, struct pkgdb_os *os)
{
	struct { const char *var; char **slot; } map[] = {
		{ "ID=", &os->id }, { "VERSION_ID=", &os->version_id }, { "CPE_NAME=", &os->cpe } };
	char line[4096];
	while (fgets(line, sizeof line, f) != NULL)
		for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
			if (strncmp(line, map[k].var, strlen(map[k].var)) == 0) {
				free(*map[k].slot);
				*map[k].slot = os_release_value(line + strlen(map[k].var));
			}
}

FILE *pkgdb_open_in_root(int rootfd, const char *path)
{
	char real[4096];
	if (root_resolve(rootfd, path, true, real, sizeof real) != 0)
		return NULL;
	int fd = openat(rootfd, real + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "r");
	if (f == NULL)
		close(fd);
	return f;
}

int pkgdb_read_os(int rootfd, bool want_release_cpe, struct pkgdb_os *os)
{
	memset(os, 0, sizeof *os);
	FILE *f = pkgdb_open_in_root(rootfd, "/etc/os-release");
	if (f == NULL)
		f = pkgdb_open_in_root(rootfd, "/usr/lib/os-release");
	if (f != NULL) {
		pkgdb_parse_os_release(f, os);
		fclose(f);
	}
	if (want_release_cpe && (f = pkgdb_open_in_root(rootfd, "/usr/lib/system-release-cpe")) != NULL) {
		char line[1024];
		if (fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (*line) {
				free(os->cpe);
				os->cpe = strdup(line);
			}
		}
		fclose(f);
	}
	return 0;
}

void pkgdb_os_free(struct pkgdb_os *os)
{
	free(os->id);
	free(os->version_id);
	free(os->cpe);
	memset(os, 0, sizeof *os);
}

struct pkgsrc {
	struct pkgdb db;
};

int pkgdb_source_open(const struct pkgsrc_root *root,
		      int (*read)(const char *root, struct pkgdb *db),
		      struct pkgsrc **src, char *why, size_t whylen)
{
	*src = calloc(1, sizeof **src);
	if (*src == NULL) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	struct pkgdb *db = &(*src)->db;
	int r = read(root->root, db);
	for (size_t i = 0; i < db->nwarnings; i++)
		root->warn(root->warn_ctx, "%s", db->warnings[i]);
	if (r != 0) {
		snprintf(why, whylen, "%s", db->error);
		pkgdb_source_close(*src);
		*src = NULL;
		return -1;
	}
	return 0;
}

const struct pkgdb_package *pkgdb_source_owner(struct pkgsrc *src, const char *path, int fd,
					       const struct pkgdb_package **also)
{
	(void)fd; /* the database says, not the file */
	const struct pkgdb_owner *o = pkgdb_lookup(&src->db, path);
	*also = o != NULL ? o->also : NULL;
	return o != NULL ? o->pkg : NULL;
}

void pkgdb_source_close(struct pkgsrc *src)
{
	if (src == NULL)
		return;
	pkgdb_free(&src->db);
	free(src);
}

bool pkgdb_root_has(int rootfd, const char *path)
{
	char real[4096];
	struct stat st;
	return root_resolve(rootfd, path, true, real, sizeof real) == 0 &&
	       fstatat(rootfd, real[1] ? real + 1 : ".", &st, AT_SYMLINK_NOFOLLOW) == 0;
}
