/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LD_PRELOAD shim for tests/faults/test-faults.sh: on the first call of the
 * hooked function (after pkgnote has read the file and written its stamped
 * copy, before it puts the copy in place), do something to the target file,
 * then let the call proceed.
 *
 *   PN_SHIM_HOOK    fsync | fdatasync | syncfs | renameat2
 *                                          which call triggers it
 *   PN_SHIM_TARGET  the file being stamped
 *   PN_SHIM_ACTION  rename:PATH   rename PATH over the target (a new inode)
 *                   unlink        remove the target
 *                   symlink:DEST  replace the target by a symlink to DEST
 *                   write         overwrite 16 bytes of the target in place
 *                                 (same inode), at offset 4096
 *                   append        append 4096 bytes to the target in place
 *   PN_SHIM_DONE    a file created once the action is done (so the test
 *                   knows the hook fired)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fired;

static void act(const char *hook)
{
	const char *want = getenv("PN_SHIM_HOOK");
	const char *target = getenv("PN_SHIM_TARGET");
	const char *action = getenv("PN_SHIM_ACTION");
	const char *done = getenv("PN_SHIM_DONE");
	if (fired || want == NULL || strcmp(want, hook) != 0 || target == NULL || action == NULL)
		return;
	fired = 1;
	int r = -1;
	if (strncmp(action, "rename:", 7) == 0) {
		r = rename(action + 7, target);
	} else if (strcmp(action, "unlink") == 0) {
		r = unlink(target);
	} else if (strncmp(action, "symlink:", 8) == 0) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.shim-link", target);
		r = symlink(action + 8, tmp);
		if (r == 0)
			r = rename(tmp, target);
	} else if (strcmp(action, "write") == 0 || strcmp(action, "append") == 0) {
		int fd = open(target, O_WRONLY | (action[0] == 'a' ? O_APPEND : 0));
		if (fd >= 0) {
			char buf[4096];
			memset(buf, 0x5a, sizeof buf);
			ssize_t n = action[0] == 'a' ? write(fd, buf, sizeof buf)
						     : pwrite(fd, buf, 16, 4096);
			r = n > 0 && close(fd) == 0 ? 0 : -1;
		}
	}
	if (r == 0 && done != NULL) {
		int fd = open(done, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
}

int fsync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	act("fsync");
	return real(fd);
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	      unsigned int flags)
{
	static int (*real)(int, const char *, int, const char *, unsigned int);
	if (real == NULL)
		real = (int (*)(int, const char *, int, const char *, unsigned int))
			dlsym(RTLD_NEXT, "renameat2");
	act("renameat2");
	return real(olddirfd, oldpath, newdirfd, newpath, flags);
}

int fdatasync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	act("fdatasync");
	return real(fd);
}

int syncfs(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "syncfs");
	act("syncfs");
	return real(fd);
}
