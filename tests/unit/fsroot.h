/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fixture roots for the unit tests of the command's readers: a temporary
 * directory holding the files, directories and symbolic links a table row
 * names.  One root at a time (the tests of a process run one by one).
 */
#ifndef PKGNOTE_TEST_FSROOT_H
#define PKGNOTE_TEST_FSROOT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One entry of a fixture root: a file with CONTENT, a symbolic link to
 * LINK, or (both NULL) a directory.  Parents are made as needed. */
struct fsent {
	const char *path, *content, *link;
};

static void make_parents(const char *root, const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", root, path);
	for (char *p = buf + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
}

static void make_entry(const char *root, const struct fsent *e)
{
	char buf[4096];
	make_parents(root, e->path);
	snprintf(buf, sizeof buf, "%s/%s", root, e->path);
	if (e->link != NULL) {
		ck_assert_int_eq(symlink(e->link, buf), 0);
	} else if (e->content != NULL) {
		FILE *f = fopen(buf, "w");
		ck_assert_ptr_nonnull(f);
		fputs(e->content, f);
		ck_assert_int_eq(fclose(f), 0);
	} else {
		mkdir(buf, 0755);
	}
}

static char root[64];

static void make_root(const struct fsent *fs, size_t n)
{
	strcpy(root, "/tmp/pkgnote-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	for (size_t i = 0; i < n && fs[i].path != NULL; i++)
		make_entry(root, &fs[i]);
}

static void remove_root(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

#endif
