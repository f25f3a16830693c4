/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What python and conda share (listed.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "listed.h"

int listed_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why, size_t whylen)
{
	*src = calloc(1, sizeof **src);
	if (*src == NULL) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	(*src)->root = *root;
	return 0;
}

const struct pkgdb_package *listed_owner(struct pkgsrc *src, const char *path, int fd,
					 const struct pkgdb_package **also)
{
	(void)fd;
	if (!src->finished) {
		pkgdb_finish(&src->db);
		src->finished = true;
	}
	const struct pkgdb_owner *o = pkgdb_lookup(&src->db, path);
	*also = o ? o->also : NULL;
	return o ? o->pkg : NULL;
}

void listed_close(struct pkgsrc *src)
{
	if (src == NULL)
		return;
	pkgdb_free(&src->db);
	free(src);
}

const struct pkgdb_package *listed_package(struct pkgsrc *src, const char *path, const char *type,
					   const char *name, const char *version, json_object *extra)
{
	char why[512];
	const struct pkgdb_package *p = pkgsrc_package(&src->db, type, name, version, extra,
						       why, sizeof why);
	if (p == NULL)
		pkgsrc_warn(&src->root, path, "%s", why);
	return p;
}
