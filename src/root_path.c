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

int root_resolve(int rootfd, const char *path, bool follow_last, char *out, size_t outsz)
{
	char pending[2 * PATH_MAX], target[PATH_MAX];
	size_t len = 0;              /* of the resolved prefix in out */
	int links = 0;
	bool missing = false;        /* a component did not exist: append the rest */

	if (outsz < 2 || strlen(path) >= sizeof pending) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(pending, path);
	const char *p = pending;
	out[0] = '\0';
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, "/");
		const char *comp = p;
		p += n;
		if (n == 1 && comp[0] == '.')
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			/* At the root, ".." is the root: nothing above it is reachable. */
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		if (len + 1 + n + 1 > outsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		size_t before = len;
		out[len++] = '/';
		memcpy(out + len, comp, n);
		len += n;
		out[len] = '\0';
		if (missing)
			continue;
		const char *rest = p;
		while (*rest == '/')
			rest++;
		bool last = *rest == '\0';
		struct stat st;
		if (fstatat(rootfd, out + 1, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT)
				return -1;
			missing = true;
			continue;
		}
		if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
			if (++links > MAX_LINKS) {
				errno = ELOOP;
				return -1;
			}
			ssize_t t = readlinkat(rootfd, out + 1, target, sizeof target);
			if (t < 0)
				return -1;
			if ((size_t)t == sizeof target) {
				errno = ENAMETOOLONG;
				return -1;
			}
			target[t] = '\0';
			len = target[0] == '/' ? 0 : before;
			out[len] = '\0';
			/* rest points into pending: push_target moves it first. */
			char tail[2 * PATH_MAX];
			strcpy(tail, rest);
			if (push_target(pending, sizeof pending, target, tail) != 0)
				return -1;
			p = pending;
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	}
	if (len == 0)
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
