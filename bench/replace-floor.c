/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/replace-floor.c: the least work any tool must do to replace FILE
 * atomically and durably with a copy whose first page differs, as pkgnote
 * does; bench-stamp.sh times it beside pkgnote so that a speed target can
 * be compared with what the kernel and the disk allow on the machine.
 *
 * It shares (FICLONE) or copies (copy_file_range) the file into a new one
 * beside it, rewrites one byte of its first page, sets the mode, syncs it,
 * swaps the two names, removes the old file and syncs the directory.  No
 * ELF is parsed and only libc is linked.  Not part of pkgnote.
 *
 * Build: cc -O2 -o replace-floor replace-floor.c    Usage: replace-floor FILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "replace-floor: %s: %s: %m\n", path, what);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: replace-floor FILE\n", stderr);
		return 2;
	}
	const char *file = argv[1];
	char tmp[4096], dir[4096];
	if (snprintf(tmp, sizeof tmp, "%s.floor-tmp", file) >= (int)sizeof tmp ||
	    snprintf(dir, sizeof dir, "%s", file) >= (int)sizeof dir)
		return fail("name too long", file);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0'; /* a file in / */
	else
		*slash = '\0';

	int in = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (in < 0 || fstat(in, &st) != 0)
		return fail("open", file);
	int out = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return fail("create", tmp);
	if (ioctl(out, FICLONE, in) != 0) {
		for (off_t left = st.st_size; left > 0;) {
			ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
			if (n <= 0)
				return fail("copy", tmp);
			left -= n;
		}
	}
	unsigned char byte;
	if (pread(in, &byte, 1, 64) != 1)
		return fail("read", file);
	byte ^= 1;
	if (pwrite(out, &byte, 1, 64) != 1)
		return fail("write", tmp);
	if (fchmod(out, st.st_mode & 07777) != 0 || fsync(out) != 0)
		return fail("sync", tmp);
	close(in);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, file, RENAME_EXCHANGE) != 0)
		return fail("swap", file);
	if (unlink(tmp) != 0)
		return fail("unlink", tmp);
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0 || fsync(d) != 0)
		return fail("sync", dir);
	close(d);
	close(out);
	return 0;
}
