/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the record sources (record.h): bounded reads, a record's
 * member paths made canonical in the root, packages from metadata objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "md_json.h"
#include "record.h"

static int read_fd(int fd, size_t limit, char **buf, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((unsigned long long)st.st_size > limit) {
		errno = EFBIG;
		return -1;
	}
	/* The size may change under us: read to the end, within the limit. */
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *b = malloc(cap + 1);
	if (b == NULL)
		return -1;
	for (;;) {
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > limit) {
			free(b);
			errno = EFBIG;
			return -1;
		}
		if (n == cap) {
			char *grown = realloc(b, 2 * cap + 1);
			if (grown == NULL) {
				free(b);
				return -1;
			}
			b = grown;
			cap *= 2;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* read_fd on FD just opened (-1: open's errno stands), then closed. */
static int read_and_close(int fd, size_t limit, char **buf, size_t *len)
{
	if (fd < 0)
		return -1;
	int r = read_fd(fd, limit, buf, len);
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int pkgsrc_read(int rootfd, const char *path, size_t limit, char **buf, size_t *len)
{
	char real[PATH_MAX];
	if (root_resolve(rootfd, path, true, real, sizeof real) != 0)
		return -1;
	return read_and_close(openat(rootfd, strcmp(real, "/") == 0 ? "." : real + 1,
				     O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), limit, buf, len);
}

int pkgsrc_read_host(const char *path, size_t limit, char **buf, size_t *len)
{
	return read_and_close(open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), limit, buf, len);
}

const char *pkgsrc_read_error(int err, size_t limit)
{
	static __thread char why[128];
	if (err == EFBIG)
		snprintf(why, sizeof why, "larger than %zu MiB, not read", limit >> 20);
	else if (err == EINVAL)
		snprintf(why, sizeof why, "not a regular file");
	else
		snprintf(why, sizeof why, "cannot read: %s", strerror(err));
	return why;
}

/* BASE "/" REL without ".", ".." or empty components, links untouched;
 * false when ".." climbs above the root. */
static bool lexical_join(const char *base, const char *rel, char *out, size_t outsz)
{
	char in[2 * PATH_MAX];
	if (snprintf(in, sizeof in, "%s/%s", rel[0] == '/' ? "" : base, rel) >= (int)sizeof in)
		return false;
	size_t len = 0;
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (len == 0)
				return false;
			while (out[--len] != '/')
				;
			p += n;
			continue;
		}
		if (len + 1 + n + 1 > outsz)
			return false;
		out[len++] = '/';
		memcpy(out + len, p, n);
		len += n;
		p += n;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return true;
}

/* Does a directory prefix of DIR (canonical text, maybe through links) lie
 * through a link whose target is absolute?  Asked only when resolving DIR
 * crossed a link at all, so rarely. */
static bool through_absolute_link(int rootfd, const char *dir)
{
	char prefix[PATH_MAX], real[PATH_MAX], target[PATH_MAX];
	size_t n = strlen(dir);
	for (size_t i = 1; i <= n && n < sizeof prefix; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		memcpy(prefix, dir, i);
		prefix[i] = '\0';
		struct stat st;
		if (root_resolve(rootfd, prefix, false, real, sizeof real) != 0 ||
		    fstatat(rootfd, real + 1, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode))
			continue;
		ssize_t t = readlinkat(rootfd, real + 1, target, sizeof target - 1);
		if (t > 0 && target[0] == '/')
			return true;
	}
	return false;
}

int pkgsrc_member(struct pkgsrc_members *m, const char *base, const char *rel,
		  char *out, size_t outsz, const char **why)
{
	char lexical[PATH_MAX];
	if (!lexical_join(base, rel, lexical, sizeof lexical)) {
		*why = "leads out of ROOT";
		return -1;
	}
	if (root_resolve_cached(&m->res, lexical, out, outsz) != 0) {
		*why = "cannot be resolved in ROOT";
		return -1;
	}
	/* The parent as written and as resolved differ only when a link was
	 * crossed; then each link on the way is looked at once per parent. */
	char *slash = strrchr(lexical, '/');
	*slash = '\0';
	const char *parent = slash == lexical ? "/" : lexical;
	if (m->res.have && strcmp(m->res.dir, parent) != 0 &&
	    !(m->have_checked && strcmp(m->checked_dir, parent) == 0)) {
		if (through_absolute_link(m->res.rootfd, parent)) {
			*why = "passes through a symbolic link to an absolute path";
			return -1;
		}
		snprintf(m->checked_dir, sizeof m->checked_dir, "%s", parent);
		m->have_checked = true;
	}
	return 0;
}

json_object *pkgsrc_parse_json(const char *text, size_t len, bool strict, const char **why)
{
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	json_tokener *tok = json_tokener_new();
	if (tok == NULL) {
		*why = strerror(ENOMEM);
		return NULL;
	}
	if (strict)
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (err == json_tokener_success && strlen(text) == len &&
	    len - end == strspn(text + end, " \t\r\n"))
		return obj;
	*why = err == json_tokener_continue ? "ends inside a JSON value"
	       : err != json_tokener_success ? json_tokener_error_desc(err)
	       : "is not one JSON value";
	json_object_put(obj);
	return NULL;
}

void pkgsrc_warn(const struct pkgsrc_root *root, const char *path, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0 || root->warn == NULL) {
		free(msg);
		return;
	}
	size_t n = strlen(root->root);
	while (n > 0 && root->root[n - 1] == '/')
		n--;
	if (path != NULL)
		root->warn(root->warn_ctx, "%.*s%s: %s", (int)n, root->root, path, msg);
	else
		root->warn(root->warn_ctx, "%s", msg);
	free(msg);
}

void pkgsrc_dirname(const char *path, char *out, size_t outsz)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL || slash == path ? 1 : (size_t)(slash - path);
	snprintf(out, outsz, "%.*s", (int)n, slash == NULL ? "/" : path);
}

static int push_package(struct pkgdb *db, struct pkgdb_package *p)
{
	if (PN_GROW(db->pkgs, db->pkgs_cap, db->npkgs + 1, 64) != 0)
		return -1;
	db->pkgs[db->npkgs++] = p;
	return 0;
}

struct pkgdb_package *pkgsrc_add_package_text(struct pkgdb *db, const char *text, size_t len,
					      const char *what, char *why, size_t whylen)
{
	struct pkgdb_package *p = calloc(1, sizeof *p);
	struct pkgnote_error err;
	json_object *obj = NULL;
	if (p == NULL)
		goto nomem;
	enum pkgnote_status st = pkgnote_metadata_parse(text, len, what, &p->md, &err);
	if (st != PKGNOTE_OK) {
		snprintf(why, whylen, "%s", st == PKGNOTE_BAD_JSON ? err.message : strerror(ENOMEM));
		goto fail;
	}
	p->json = pkgnote_metadata_json(p->md);
	/* The name and version for messages, from what will be stamped. */
	obj = md_json_parse(p->json);
	const char *name = md_json_string(obj, "name"), *version = md_json_string(obj, "version");
	p->name = strdup(name ? name : "-");
	p->version = strdup(version ? version : "-");
	if (obj == NULL || p->name == NULL || p->version == NULL || push_package(db, p) != 0)
		goto nomem;
	json_object_put(obj);
	return p;
nomem:
	snprintf(why, whylen, "%s", strerror(ENOMEM));
fail:
	json_object_put(obj);
	if (p != NULL) {
		free(p->name);
		free(p->version);
		pkgnote_metadata_free(p->md);
		free(p);
	}
	return NULL;
}

struct pkgdb_package *pkgsrc_add_package(struct pkgdb *db, json_object *obj,
					 const char *what, char *why, size_t whylen)
{
	const char *text = json_object_to_json_string_ext(obj, MD_JSON_PLAIN);
	if (text == NULL) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return NULL;
	}
	return pkgsrc_add_package_text(db, text, strlen(text), what, why, whylen);
}

struct pkgdb_package *pkgsrc_package(struct pkgdb *db, const char *type, const char *name,
				     const char *version, json_object *extra, char *why,
				     size_t whylen)
{
	json_object *obj = json_object_new_object();
	bool ok = obj != NULL && md_json_set(obj, "type", type) == 0 &&
		  md_json_set(obj, "name", name) == 0 && md_json_set(obj, "version", version) == 0;
	if (ok && extra != NULL) {
		json_object_object_foreach(extra, key, value)
			ok = ok && md_json_set(obj, key, json_object_get_string(value)) == 0;
	}
	struct pkgdb_package *p = ok ? pkgsrc_add_package(db, obj, NULL, why, whylen) : NULL;
	if (!ok)
		snprintf(why, whylen, "%s", strerror(ENOMEM));
	json_object_put(obj);
	return p;
}
