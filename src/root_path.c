/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-root path resolution (see root_path.h).  The walk keeps two strings:
 * the resolved prefix (canonical, no symbolic link in it, so that looking
 * it up relative to the root descriptor cannot leave the root) and the
 * components still to walk.  A symbolic link met on the way is replaced by
 * its target in front of the components still to walk; an absolute target
 * empties the prefix, which is the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "root_path.h"

/* As the kernel's limit on links followed in one lookup. */
#define MAX_LINKS 40

/* Replace the pending components by TARGET "/" REST. */
static int push_target(char *pending, size_t cap, const char *target, const char *rest)
{
	size_t t = strlen(target), r = strlen(rest);
	if (t + 1 + r + 1 > cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memmove(pending + t + 1, rest, r + 1);
	memcpy(pending, target, t);
	pending[t] = '/';
	return 0;
}

/* One walk: the resolved prefix in out[0, len), the components still to
 * walk from p (which points into pending). */
struct walk {
	int rootfd;
	char *out;
	size_t outsz, len;
	char pending[2 * PATH_MAX];
	const char *p;
	int links;
};

/* ".." drops the prefix's last component; at the root, ".." is the root:
 * nothing above it is reachable. */
static void walk_up(struct walk *w)
{
	while (w->len > 0 && w->out[w->len - 1] != '/')
		w->len--;
	if (w->len > 0)
		w->len--;
	w->out[w->len] = '\0';
}

/* Append "/" COMP (N bytes) to the prefix. */
static int walk_down(struct walk *w, const char *comp, size_t n)
{
	if (w->len + 1 + n + 1 > w->outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	w->out[w->len++] = '/';
	memcpy(w->out + w->len, comp, n);
	w->len += n;
	w->out[w->len] = '\0';
	return 0;
}

/* The prefix's last component is a symbolic link: cut it (or, for an
 * absolute target, the whole prefix: the root) and walk its target before
 * REST.  BEFORE is the prefix's length without that component. */
static int walk_link(struct walk *w, size_t before, const char *rest)
{
	char target[PATH_MAX];
	if (++w->links > MAX_LINKS) {
		errno = ELOOP;
		return -1;
	}
	ssize_t t = readlinkat(w->rootfd, w->out + 1, target, sizeof target);
	if (t < 0)
		return -1;
	if ((size_t)t == sizeof target) {
		errno = ENAMETOOLONG;
		return -1;
	}
	target[t] = '\0';
	w->len = target[0] == '/' ? 0 : before;
	w->out[w->len] = '\0';
	/* rest points into pending: push_target moves it first. */
	char tail[2 * PATH_MAX];
	strcpy(tail, rest);
	if (push_target(w->pending, sizeof w->pending, target, tail) != 0)
		return -1;
	w->p = w->pending;
	return 0;
}

int root_resolve(int rootfd, const char *path, bool follow_last, char *out, size_t outsz)
{
	struct walk w = { .rootfd = rootfd, .out = out, .outsz = outsz };
	bool missing = false;        /* a component did not exist: append the rest */

	if (outsz < 2 || strlen(path) >= sizeof w.pending) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(w.pending, path);
	w.p = w.pending;
	out[0] = '\0';
	for (;;) {
		while (*w.p == '/')
			w.p++;
		if (*w.p == '\0')
			break;
		size_t n = strcspn(w.p, "/"), before = w.len;
		const char *comp = w.p;
		w.p += n;
		if (n == 1 && comp[0] == '.')
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			walk_up(&w);
			continue;
		}
		if (walk_down(&w, comp, n) != 0)
			return -1;
		if (missing)
			continue;
		const char *rest = w.p;
		while (*rest == '/')
			rest++;
		bool last = *rest == '\0';
		struct stat st;
		if (fstatat(rootfd, out + 1, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT)
				return -1;
			missing = true;
		} else if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
			if (walk_link(&w, before, rest) != 0)
				return -1;
		} else if (!last && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	}
	if (w.len == 0)
		strcpy(out, "/");
	return 0;
}

int root_resolve_cached(struct root_resolver *r, const char *path, char *out, size_t outsz)
{
	const char *slash = strrchr(path, '/');
	const char *leaf = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	bool plain_leaf = *leaf && strcmp(leaf, ".") != 0 && strcmp(leaf, "..") != 0;
	if (!plain_leaf || dlen >= sizeof r->raw_dir)
		return root_resolve(r->rootfd, path, false, out, outsz);
	if (!r->have || strncmp(r->raw_dir, path, dlen) != 0 || r->raw_dir[dlen] != '\0') {
		memcpy(r->raw_dir, path, dlen);
		r->raw_dir[dlen] = '\0';
		r->have = false;
		if (root_resolve(r->rootfd, r->raw_dir, true, r->dir, sizeof r->dir) != 0)
			return -1;
		/* root_resolve does not ask the last component to be a directory. */
		struct stat st;
		if (strcmp(r->dir, "/") != 0 && fstatat(r->rootfd, r->dir + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
		r->have = true;
	}
	const char *sep = strcmp(r->dir, "/") == 0 ? "" : "/";
	size_t need = strlen(r->dir) + strlen(sep) + strlen(leaf) + 1;
	if (need > outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(out, r->dir);
	strcat(out, sep);
	strcat(out, leaf);
	return 0;
}
