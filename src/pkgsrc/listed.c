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
	json_object *obj = json_object_new_object();
	if (obj == NULL)
		return NULL;
	json_object_object_add(obj, "type", json_object_new_string(type));
	json_object_object_add(obj, "name", json_object_new_string(name));
	json_object_object_add(obj, "version", json_object_new_string(version));
	if (extra != NULL) {
		json_object_object_foreach(extra, key, value)
			json_object_object_add(obj, key, json_object_get(value));
	}
	char why[512];
	const struct pkgdb_package *p = pkgsrc_add_package(&src->db, obj, NULL, why, sizeof why);
	if (p == NULL)
		pkgsrc_warn(&src->root, path, "%s", why);
	json_object_put(obj);
	return p;
}
