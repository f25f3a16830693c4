/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "file_commit.h"
#include "writeback.h"

/* Keeps ".NAME.pkgnote-XXXXXX" within NAME_MAX for any NAME. */
#define MAX_BASE 200

bool pn_is_tmp_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (base[0] != '.')
		return false;
	const char *tag = strstr(base + 1, ".pkgnote-");
	if (tag == NULL || tag == base + 1)
		return false;
	const char *rest = tag + strlen(".pkgnote-");
	/* mkostemp's six characters, or relinking's PID-ATTEMPT. */
	if (strlen(rest) == 6 && strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == 6)
		return true;
	size_t pid = strspn(rest, "0123456789");
	return pid > 0 && rest[pid] == '-' && rest[pid + 1] != '\0' &&
	       rest[pid + 1 + strspn(rest + pid + 1, "0123456789")] == '\0';
}

char *pn_dir_of(const char *path)
{
	char *copy = strdup(path);
	if (copy == NULL)
		return NULL;
	char *d = strdup(dirname(copy));
	free(copy);
	return d;
}

enum pkgnote_status pn_tmp_begin(struct pn_tmpfile *t, const char *target,
				 struct pkgnote_error *err)
{
	t->fd = -1;
	t->path = NULL;
	t->target = strdup(target);
	char *copy = strdup(target);
	char *dir = pn_dir_of(target);
	enum pkgnote_status r = PKGNOTE_OK;
	t->unnamed = false;
	if (t->target == NULL || copy == NULL || dir == NULL) {
		r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, target, "cannot name a temporary file");
		goto out;
	}
	/* Unnamed until it is put in place: a process killed before leaves
	 * nothing behind.  Where the file system cannot, a named one. */
	t->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (t->fd >= 0) {
		t->unnamed = true;
		goto out;
	}
	if (asprintf(&t->path, "%s/.%.*s.pkgnote-XXXXXX", dir, MAX_BASE, basename(copy)) < 0) {
		t->path = NULL;
		r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, target, "cannot name a temporary file");
		goto out;
	}
	/* mkostemp opens with O_EXCL and mode 0600: nobody else can open it
	 * before it is complete, whatever the final mode. */
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd < 0) {
		r = pn_fail_errno(err, PKGNOTE_IO, errno, target,
				  "cannot create a temporary file in %s", dir);
		free(t->path);
		t->path = NULL;
	}
out:
	free(copy);
	free(dir);
	return r;
}

static int copy_with_read(int src, int dst, uint64_t size, uint64_t at)
{
	enum { BUF = 256 * 1024 };
	char *buf = malloc(BUF);
	if (buf == NULL)
		return -1;
	uint64_t off = 0;
	int r = 0;
	while (off < size && r == 0) {
		ssize_t n = pread(src, buf, size - off < BUF ? (size_t)(size - off) : BUF, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			r = -1;
			break;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = pwrite(dst, buf + done, (size_t)(n - done),
					   (off_t)(at + off + (uint64_t)done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				r = -1;
				break;
			}
			done += w;
		}
		off += (uint64_t)n;
	}
	free(buf);
	return r;
}

/* Large enough that the copy stays a few calls, small enough that the
 * writeback starts early. */
#define WRITEBACK_CHUNK ((size_t)8 << 20)

enum pkgnote_status pn_tmp_copy(struct pn_tmpfile *t, int src_fd, uint64_t size, uint64_t at,
				const char *what, struct pkgnote_error *err)
{
	if (at == 0 && ioctl(t->fd, FICLONE, src_fd) == 0)
		return PKGNOTE_OK;
	struct file_clone_range range = { .src_fd = src_fd, .dest_offset = at };
	if (at != 0 && ioctl(t->fd, FICLONERANGE, &range) == 0)
		return PKGNOTE_OK;
	loff_t in = 0, out = (loff_t)at;
	struct pn_writeback wb;
	/* A copy of one chunk or two is synced as fast as the helper starts. */
	bool early = t->early_writeback && size > 2 * WRITEBACK_CHUNK;
	if (early)
		pn_writeback_start(&wb, t->fd, out);
	enum pkgnote_status r = PKGNOTE_OK;
	while ((uint64_t)in < size) {
		/* In chunks when the copy will be synced: what is copied starts
		 * on its way to the disk while the rest is copied. */
		size_t chunk = (size_t)(size - (uint64_t)in);
		if (early && chunk > WRITEBACK_CHUNK)
			chunk = WRITEBACK_CHUNK;
		ssize_t n = copy_file_range(src_fd, &in, t->fd, &out, chunk, 0);
		if (n > 0) {
			if (early)
				pn_writeback_advance(&wb, out);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		bool unsupported = n == 0 || errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
				   errno == EOPNOTSUPP;
		/* Unsupported here: finish with plain reads and writes. */
		if (unsupported && copy_with_read(src_fd, t->fd, size, at) == 0)
			break;
		r = pn_fail_errno(err, PKGNOTE_IO, errno, what, "cannot copy into %s",
				  t->path ? t->path : "a temporary file");
		break;
	}
	if (early)
		pn_writeback_finish(&wb);
	return r;
}

/* Extended attributes (file capabilities, SELinux labels, ACLs) go with
 * the content; they are copied after chown, which drops capabilities. */
static int copy_xattrs(const char *from, int to)
{
	ssize_t len = listxattr(from, NULL, 0);
	if (len <= 0)
		return len < 0 && errno != ENOTSUP ? -1 : 0;
	char *names = malloc((size_t)len);
	if (names == NULL)
		return -1;
	len = listxattr(from, names, (size_t)len);
	int r = len < 0 ? -1 : 0;
	for (ssize_t i = 0; r == 0 && i < len; i += (ssize_t)strlen(names + i) + 1) {
		const char *name = names + i;
		ssize_t vlen = getxattr(from, name, NULL, 0);
		if (vlen < 0) {
			r = -1;
			break;
		}
		char *val = malloc(vlen ? (size_t)vlen : 1);
		if (val == NULL || (vlen = getxattr(from, name, val, (size_t)vlen)) < 0 ||
		    fsetxattr(to, name, val, (size_t)vlen, 0) != 0)
			r = -1;
		free(val);
	}
	free(names);
	return r;
}

int pn_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool unchanged(const struct stat *a, const struct stat *b)
{
	/* Not ctime: the rename itself changes it. */
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * Put the temporary file in the target's place.  Swapping the two names
 * (RENAME_EXCHANGE) lets us check, after the fact and without a race, that
 * what left the target's name is the file that was read, and swap back if
 * not; it also spares ext4 the write-back it forces on a rename over an
 * existing file.  The old file, now under the temporary name, is then
 * removed.  Filesystems without the exchange get a check and a rename.
 */
static enum pkgnote_status exchange(struct pn_tmpfile *t, const struct stat *expect,
				    struct pkgnote_error *err)
{
	struct stat now;
	if (renameat2(AT_FDCWD, t->path, AT_FDCWD, t->target, RENAME_EXCHANGE) == 0) {
		/* What left the target's name must be the file read, unmodified
		 * since: a write into it meanwhile would be lost otherwise. */
		if (lstat(t->path, &now) != 0 || !same_file(&now, expect) || !unchanged(&now, expect)) {
			if (renameat2(AT_FDCWD, t->path, AT_FDCWD, t->target, RENAME_EXCHANGE) == 0)
				return pn_fail(err, PKGNOTE_IO, t->target,
					       "was replaced or written to while being stamped; left as it is");
			/* Whatever is at the temporary name now is not ours to remove. */
			enum pkgnote_status r = pn_fail(err, PKGNOTE_IO, t->target,
				"was replaced while being stamped, and the file put there is now at %s",
				t->path);
			free(t->path);
			t->path = NULL;
			return r;
		}
		if (unlink(t->path) != 0)
			return pn_fail_errno(err, PKGNOTE_IO, errno, t->target,
					     "stamped, but the old copy remains at %s", t->path);
		return PKGNOTE_OK;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "cannot swap %s with it", t->path);
	if (lstat(t->target, &now) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "disappeared while being stamped");
	if (!same_file(&now, expect) || !unchanged(&now, expect))
		return pn_fail(err, PKGNOTE_IO, t->target,
			       "was replaced or written to while being stamped; left as it is");
	if (rename(t->path, t->target) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "cannot rename %s over it", t->path);
	return PKGNOTE_OK;
}

enum pkgnote_status pn_tmp_finish(struct pn_tmpfile *t, const struct stat *orig,
				  const char *xattrs_of, bool will_sync,
				  struct pkgnote_error *err)
{
	mode_t mode = orig->st_mode & 07777;
	/* chown first: it clears set-user-ID and set-group-ID, which are then
	 * kept only when owner and group were. */
	if (fchown(t->fd, orig->st_uid, orig->st_gid) != 0) {
		if (errno != EPERM)
			return pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "cannot set owner");
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	}
	if (fchmod(t->fd, mode) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "cannot set mode");
	if (xattrs_of != NULL && copy_xattrs(xattrs_of, t->fd) != 0 && errno != ENOTSUP)
		return pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "cannot copy extended attributes");
	/* What is not on its way yet (page 1, the moved sections): the sync
	 * that comes later, maybe for many files at once, waits less. */
	if (will_sync)
		(void)sync_file_range(t->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return PKGNOTE_OK;
}

enum pkgnote_status pn_tmp_sync(struct pn_tmpfile *t, struct pkgnote_error *err)
{
	if (fsync(t->fd) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "cannot sync");
	return PKGNOTE_OK;
}

/* Give an unnamed temporary file a name beside the target (one
 * pn_is_tmp_name knows), for the rename. */
static enum pkgnote_status name_it(struct pn_tmpfile *t, struct pkgnote_error *err)
{
	char *dir = pn_dir_of(t->target), *copy = strdup(t->target), fdpath[64];
	enum pkgnote_status r = PKGNOTE_OK;
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", t->fd);
	for (unsigned attempt = 0; r == PKGNOTE_OK; attempt++) {
		free(t->path);
		t->path = NULL;
		if (dir == NULL || copy == NULL ||
		    asprintf(&t->path, "%s/.%.*s.pkgnote-%u-%u", dir, MAX_BASE, basename(copy),
			     (unsigned)getpid(), attempt) < 0) {
			t->path = NULL;
			r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, t->target, "cannot name a temporary file");
		} else if (linkat(AT_FDCWD, fdpath, AT_FDCWD, t->path, AT_SYMLINK_FOLLOW) == 0 ||
			   (errno == ENOENT && linkat(t->fd, "", AT_FDCWD, t->path, AT_EMPTY_PATH) == 0)) {
			t->unnamed = false;
			break;
		} else if (errno != EEXIST || attempt > 100) {
			r = pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "cannot link %s to the stamped file",
					  t->path);
			free(t->path);
			t->path = NULL;
		}
	}
	free(dir);
	free(copy);
	return r;
}

enum pkgnote_status pn_tmp_place(struct pn_tmpfile *t, const struct stat *expect,
				 struct pkgnote_error *err)
{
	if (t->unnamed) {
		enum pkgnote_status r = name_it(t, err);
		if (r != PKGNOTE_OK)
			return r;
	}
	if (expect != NULL) {
		enum pkgnote_status r = exchange(t, expect, err);
		if (r != PKGNOTE_OK)
			return r;
	} else if (rename(t->path, t->target) != 0) {
		return pn_fail_errno(err, PKGNOTE_IO, errno, t->target, "cannot rename %s over it", t->path);
	}
	free(t->path);
	t->path = NULL;
	return PKGNOTE_OK;
}

enum pkgnote_status pn_tmp_times(struct pn_tmpfile *t, const struct stat *orig,
				 const struct pn_times *times, struct pkgnote_error *err)
{
	return pn_set_times(t->fd, t->target, orig, times, err);
}

enum pkgnote_status pn_set_times(int fd, const char *what, const struct stat *orig,
				 const struct pn_times *times, struct pkgnote_error *err)
{
	if (!times->keep && times->clamp <= 0)
		return PKGNOTE_OK;
	struct timespec ts[2];
	if (times->keep) {
		ts[0] = orig->st_atim;
		ts[1] = orig->st_mtim;
	} else if (clock_gettime(CLOCK_REALTIME, &ts[0]) != 0) {
		return pn_fail_errno(err, PKGNOTE_IO, errno, what, "cannot read the clock");
	} else {
		ts[1] = ts[0];
	}
	/* rpm and Debian's tools clamp rather than set: an older file keeps
	 * its time. */
	for (int i = 0; i < 2; i++)
		if (times->clamp > 0 && ts[i].tv_sec >= times->clamp) {
			ts[i].tv_sec = (time_t)times->clamp;
			ts[i].tv_nsec = 0;
		}
	if (futimens(fd, ts) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, what, "cannot set timestamps");
	return PKGNOTE_OK;
}

enum pkgnote_status pn_relink(const char *target, const char *link, const struct stat *orig,
			      struct pkgnote_error *err)
{
	struct stat now;
	if (lstat(link, &now) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, link, "cannot stat this hard link");
	if (!same_file(&now, orig))
		return pn_fail(err, PKGNOTE_IO, link, "is no longer a hard link of %s; left as it is", target);
	char *dir = pn_dir_of(link), *copy = strdup(link), *tmp = NULL;
	enum pkgnote_status r = PKGNOTE_OK;
	if (dir == NULL || copy == NULL) {
		r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, link, "relinking");
		goto out;
	}
	/* A fresh name beside the link, then a rename over it: the link names
	 * either the old file or the new one at every moment. */
	for (unsigned attempt = 0; r == PKGNOTE_OK; attempt++) {
		free(tmp);
		tmp = NULL;
		if (asprintf(&tmp, "%s/.%.*s.pkgnote-%u-%u", dir, MAX_BASE, basename(copy),
			     (unsigned)getpid(), attempt) < 0) {
			tmp = NULL;
			r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, link, "relinking");
		} else if (linkat(AT_FDCWD, target, AT_FDCWD, tmp, 0) == 0) {
			break;
		} else if (errno != EEXIST || attempt > 100) {
			r = pn_fail_errno(err, PKGNOTE_IO, errno, link, "cannot link %s to the stamped file", tmp);
		}
	}
	if (r == PKGNOTE_OK && rename(tmp, link) != 0) {
		r = pn_fail_errno(err, PKGNOTE_IO, errno, link, "cannot rename %s over it", tmp);
		unlink(tmp);
	}
out:
	free(tmp);
	free(dir);
	free(copy);
	return r;
}

void pn_tmp_abort(struct pn_tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->path != NULL)
		unlink(t->path);
	free(t->path);
	free(t->target);
	t->fd = -1;
	t->path = NULL;
	t->target = NULL;
}
