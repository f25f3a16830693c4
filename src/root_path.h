/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_ROOT_PATH_H
#define PKGNOTE_ROOT_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Paths inside a root directory, resolved as a process chrooted into it
 * would resolve them: an absolute symbolic link starts again at the root,
 * ".." at the root stays there, and nothing is ever looked up through the
 * host's file system.  Each component is examined with fstatat(2) relative
 * to ROOTFD and AT_SYMLINK_NOFOLLOW, on a prefix already known to hold no
 * symbolic link, and a link's target is read with readlinkat(2).
 *
 * root_resolve: PATH (absolute or relative to the root: both start at it)
 * becomes the canonical in-root path in OUT ("/usr/bin/ls"; "/" for the
 * root): no ".", "..", empty components or symbolic links, except the last
 * component when FOLLOW_LAST is false (dpkg owns a link, not its target).
 * A component that does not exist ends the walk: the rest is appended as
 * it is, made canonical (so that a path can be named before it exists).
 * Returns 0, or -1 with errno: ELOOP (more than 40 links), ENAMETOOLONG
 * (OUT too small or a link target too long), ENOTDIR (a component other
 * than the last is not a directory), or what fstatat/readlinkat said.
 */
int root_resolve(int rootfd, const char *path, bool follow_last, char *out, size_t outsz);

/* The parent directories of paths listed together (dpkg's .list files)
 * repeat: this remembers the last one resolved.  Zero-initialise it. */
struct root_resolver {
	int rootfd;
	char raw_dir[4096];          /* the last parent as given */
	char dir[4096];              /* and resolved */
	bool have;
};

/* root_resolve(r->rootfd, path, false, ...) with the parent directory
 * resolved once for consecutive paths that share it. */
int root_resolve_cached(struct root_resolver *r, const char *path, char *out, size_t outsz);

#endif
