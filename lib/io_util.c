/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "io_util.h"

int pn_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int pn_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int pn_open_regular(const char *path, bool follow_symlinks, uint64_t *size,
		    struct pkgnote_error *err, enum pkgnote_status *status)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow_symlinks ? 0 : O_NOFOLLOW);
	int fd = open(path, flags);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			*status = pn_fail(err, PKGNOTE_USAGE, path,
					  "is a symbolic link (use --follow-symlinks to stamp its target)");
		else
			*status = pn_fail_errno(err, PKGNOTE_IO, e, path, "cannot open");
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		*status = pn_fail_errno(err, PKGNOTE_IO, errno, path, "cannot stat");
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*status = pn_fail(err, PKGNOTE_BAD_ELF, path, "%s",
				  S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		close(fd);
		return -1;
	}
	/* Back to blocking reads for a regular file. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*size = (uint64_t)st.st_size;
	return fd;
}
