/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "error.h"
#include "inplace_commit.h"
#include "io_util.h"

/*
 * The leftover record: RECORD bytes at the first multiple of RECORD at or
 * past the new end, so that it lies in one page and is written by one
 * call that a signal cannot cut short.  Little-endian whatever the ELF.
 */
#define RECORD 1024
#define ZERO_AT 56
#define SUM_AT (RECORD - 16)
static const char magic_head[16] = "pkgnote:leftover";
static const char magic_tail[8] = "leftover";

struct pn_inplace {
	int fd;
	char *path;
	uint64_t old_size, new_size;
	unsigned char old_page[PN_INPLACE_PAGE], new_page[PN_INPLACE_PAGE];
	struct pn_zero zero[PN_INPLACE_MAX_ZERO];   /* outside page 1, after the commit */
	size_t nzero;
	bool dry;
	bool page_only;              /* the first page is all that changes */
	bool record_written;
	bool committed;
	struct stat prepared;
	char refusal[200];
	char *cap;                   /* security.capability: a write drops it */
	ssize_t cap_len;
	mode_t mode;
};

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t record_offset(uint64_t new_size)
{
	return (new_size + RECORD - 1) / RECORD * RECORD;
}

bool pn_inplace_page_only(const struct pn_inplace *ip)
{
	return ip->page_only;
}

int pn_inplace_fd(const struct pn_inplace *ip)
{
	return ip->fd;
}

enum pkgnote_status pn_inplace_new(struct pn_inplace **out, int fd, const char *path,
				   uint64_t old_size, uint64_t new_size,
				   struct pkgnote_error *err)
{
	struct pn_inplace *ip = calloc(1, sizeof *ip);
	if (ip == NULL || (ip->path = strdup(path)) == NULL) {
		free(ip);
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, path, "stamping in place");
	}
	*ip = (struct pn_inplace){ .fd = fd, .path = ip->path, .old_size = old_size,
				   .new_size = new_size };
	*out = ip;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, path, "cannot stat");
	ip->mode = st.st_mode & 07777;
	if (old_size < PN_INPLACE_PAGE) {
		pn_inplace_refuse(ip, "it is smaller than a page");
		return PKGNOTE_OK;
	}
	if (new_size < old_size) {
		pn_inplace_refuse(ip, "the stamped file is shorter: the old layout's end would be cut");
		return PKGNOTE_OK;
	}
	if (pn_pread_full(fd, ip->old_page, PN_INPLACE_PAGE, 0) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, path, "cannot read the first page");
	/* Writing to a file drops its capabilities (the kernel's killpriv);
	 * they are given back after the last write. */
	ip->cap_len = fgetxattr(fd, "security.capability", NULL, 0);
	if (ip->cap_len > 0) {
		ip->cap = malloc((size_t)ip->cap_len);
		if (ip->cap == NULL ||
		    (ip->cap_len = fgetxattr(fd, "security.capability", ip->cap, (size_t)ip->cap_len)) < 0)
			return pn_fail_errno(err, PKGNOTE_IO, ip->cap ? errno : ENOMEM, path,
					     "cannot read its capabilities");
	}
	return PKGNOTE_OK;
}

void pn_inplace_free(struct pn_inplace *ip)
{
	if (ip == NULL)
		return;
	if (ip->fd >= 0)
		close(ip->fd);
	free(ip->cap);
	free(ip->path);
	free(ip);
}

const char *pn_inplace_refusal(const struct pn_inplace *ip)
{
	return ip->refusal[0] ? ip->refusal : NULL;
}

void pn_inplace_refuse(struct pn_inplace *ip, const char *why)
{
	if (ip->refusal[0] == '\0')
		snprintf(ip->refusal, sizeof ip->refusal, "%s", why);
}

static void encode_record(const struct pn_inplace *ip, unsigned char *r)
{
	memset(r, 0, RECORD);
	memcpy(r, magic_head, sizeof magic_head);
	put64(r + 16, ip->old_size);
	put64(r + 24, ip->new_size);
	put64(r + 32, fnv1a(ip->old_page, PN_INPLACE_PAGE));
	put64(r + 40, fnv1a(ip->new_page, PN_INPLACE_PAGE));
	put64(r + 48, ip->nzero);
	for (size_t i = 0; i < ip->nzero; i++) {
		put64(r + ZERO_AT + 16 * i, ip->zero[i].offset);
		put64(r + ZERO_AT + 16 * i + 8, ip->zero[i].size);
	}
	put64(r + SUM_AT, fnv1a(r, SUM_AT));
	memcpy(r + SUM_AT + 8, magic_tail, sizeof magic_tail);
}

enum pkgnote_status pn_inplace_pass(struct pn_inplace *ip, bool dry, struct pkgnote_error *err)
{
	if (!dry) {
		/* One write of the first page is the whole stamp: before it the
		 * file is the input, after it the result; nothing to settle. */
		ip->page_only = ip->new_size == ip->old_size && ip->nzero == 0;
	}
	if (!dry && !ip->page_only) {
		/* The record first, built from the dry pass (the same plan gives
		 * the same page and the same ranges): from the first byte of the
		 * tail on, the file says whose its end is. */
		unsigned char r[RECORD];
		encode_record(ip, r);
		ip->record_written = true;
		if (pn_pwrite_full(ip->fd, r, RECORD, record_offset(ip->new_size)) != 0)
			return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "cannot write past its end");
	}
	ip->dry = dry;
	memcpy(ip->new_page, ip->old_page, PN_INPLACE_PAGE);
	ip->nzero = 0;
	return PKGNOTE_OK;
}

static bool overlaps_zero(const struct pn_inplace *ip, uint64_t off, uint64_t len)
{
	for (size_t i = 0; i < ip->nzero; i++)
		if (off < ip->zero[i].offset + ip->zero[i].size && ip->zero[i].offset < off + len)
			return true;
	return false;
}

/* A write between the first page and the old end: harmless only when it
 * writes what is there already. */
static enum pkgnote_status write_middle(struct pn_inplace *ip, const unsigned char *data,
					uint64_t len, uint64_t off, const char *what,
					struct pkgnote_error *err)
{
	unsigned char cur[4096];
	for (uint64_t done = 0; done < len && ip->refusal[0] == '\0';) {
		size_t n = len - done < sizeof cur ? (size_t)(len - done) : sizeof cur;
		if (pn_pread_full(ip->fd, cur, n, off + done) != 0)
			return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "cannot read");
		if (memcmp(cur, data + done, n) != 0 || overlaps_zero(ip, off + done, n))
			snprintf(ip->refusal, sizeof ip->refusal,
				 "it rewrites %s outside the first page, where the old layout still uses it",
				 what);
		done += n;
	}
	return PKGNOTE_OK;
}

enum pkgnote_status pn_inplace_write(struct pn_inplace *ip, const void *data, size_t len,
				     uint64_t off, const char *what, struct pkgnote_error *err)
{
	const unsigned char *d = data;
	uint64_t end = off + len;
	if (off < PN_INPLACE_PAGE) {
		uint64_t n = (end < PN_INPLACE_PAGE ? end : PN_INPLACE_PAGE) - off;
		memcpy(ip->new_page + off, d, n);
		d += n, off += n;
	}
	if (off < end && off < ip->old_size) {
		uint64_t n = (end < ip->old_size ? end : ip->old_size) - off;
		enum pkgnote_status r = write_middle(ip, d, n, off, what, err);
		if (r != PKGNOTE_OK)
			return r;
		d += n, off += n;
	}
	if (off < end && !ip->dry && ip->refusal[0] == '\0' &&
	    pn_pwrite_full(ip->fd, d, end - off, off) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "cannot write %s", what);
	return PKGNOTE_OK;
}

enum pkgnote_status pn_inplace_zero(struct pn_inplace *ip, uint64_t off, uint64_t size,
				    struct pkgnote_error *err)
{
	static const unsigned char zeros[4096];
	uint64_t end = off + size;
	if (off < PN_INPLACE_PAGE) {
		uint64_t n = (end < PN_INPLACE_PAGE ? end : PN_INPLACE_PAGE) - off;
		memset(ip->new_page + off, 0, n);
		off += n;
	}
	if (off < end && off < ip->old_size) {
		/* Only the old layout used these bytes (the planner frees them):
		 * they are zeroed once the new layout is in force. */
		uint64_t n = (end < ip->old_size ? end : ip->old_size) - off;
		if (ip->nzero == PN_INPLACE_MAX_ZERO)
			pn_inplace_refuse(ip, "too many ranges fall free outside the first page");
		else
			ip->zero[ip->nzero++] = (struct pn_zero){ off, n };
		off += n;
	}
	while (off < end && !ip->dry && ip->refusal[0] == '\0') {
		size_t n = end - off < sizeof zeros ? (size_t)(end - off) : sizeof zeros;
		if (pn_pwrite_full(ip->fd, zeros, n, off) != 0)
			return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "cannot write");
		off += n;
	}
	return PKGNOTE_OK;
}

bool pn_inplace_is_tail(const struct pn_inplace *ip, uint64_t off, uint64_t size)
{
	(void)size;
	return !ip->dry && off >= ip->old_size;
}

bool pn_inplace_skips(const struct pn_inplace *ip, uint64_t off, uint64_t size)
{
	(void)size;
	return ip->dry && off >= ip->old_size;
}

enum pkgnote_status pn_inplace_prepared(struct pn_inplace *ip, struct pkgnote_error *err)
{
	if (fstat(ip->fd, &ip->prepared) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "cannot stat");
	return PKGNOTE_OK;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

enum pkgnote_status pn_inplace_commit(struct pn_inplace *ip, const char *target,
				      struct pkgnote_error *err)
{
	struct stat now, named;
	unsigned char cur[PN_INPLACE_PAGE];
	if (fstat(ip->fd, &now) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "cannot stat");
	bool same = lstat(target, &named) == 0 && named.st_dev == now.st_dev &&
		    named.st_ino == now.st_ino;
	bool as_left = now.st_size == ip->prepared.st_size &&
		       same_time(&now.st_mtim, &ip->prepared.st_mtim);
	if (!same || !as_left || pn_pread_full(ip->fd, cur, PN_INPLACE_PAGE, 0) != 0 ||
	    memcmp(cur, ip->old_page, PN_INPLACE_PAGE) != 0) {
		/* Somebody else's write: our tail goes only if the size is still
		 * the one we left (theirs would be past it). */
		if (!as_left)
			ip->record_written = false;
		return pn_fail(err, PKGNOTE_IO, ip->path,
			       "was replaced or written to while being stamped; left as it is");
	}
	if (pn_pwrite_full(ip->fd, ip->new_page, PN_INPLACE_PAGE, 0) != 0) {
		int e = errno;
		/* A failed write of one page changed nothing, or all of it. */
		(void)pn_pwrite_full(ip->fd, ip->old_page, PN_INPLACE_PAGE, 0);
		return pn_fail_errno(err, PKGNOTE_IO, e, ip->path, "cannot write its first page");
	}
	ip->committed = true;
	return PKGNOTE_OK;
}

/* Capabilities and set-ID bits, as before the writes. */
static enum pkgnote_status restore_privileges(struct pn_inplace *ip, struct pkgnote_error *err)
{
	if (ip->cap != NULL &&
	    fsetxattr(ip->fd, "security.capability", ip->cap, (size_t)ip->cap_len, 0) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "cannot restore its capabilities");
	struct stat st;
	if (fstat(ip->fd, &st) == 0 && (st.st_mode & 07777) != ip->mode && fchmod(ip->fd, ip->mode) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "cannot restore its mode");
	return PKGNOTE_OK;
}

enum pkgnote_status pn_inplace_undo(struct pn_inplace *ip, struct pkgnote_error *err)
{
	if (pn_pwrite_full(ip->fd, ip->old_page, PN_INPLACE_PAGE, 0) != 0 ||
	    ftruncate(ip->fd, (off_t)ip->old_size) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path,
				     "cannot undo a stamp that failed verification");
	ip->committed = false;
	ip->record_written = false;
	return restore_privileges(ip, err);
}

void pn_inplace_drop(struct pn_inplace *ip)
{
	if (ip->record_written && !ip->committed && ftruncate(ip->fd, (off_t)ip->old_size) == 0) {
		ip->record_written = false;
		(void)restore_privileges(ip, NULL);
	}
}

static int zero_range(int fd, uint64_t off, uint64_t size)
{
	static const unsigned char zeros[4096];
	if (size >= 65536 && fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
				       (off_t)off, (off_t)size) == 0)
		return 0;
	while (size > 0) {
		size_t n = size < sizeof zeros ? (size_t)size : sizeof zeros;
		if (pn_pwrite_full(fd, zeros, n, off) != 0)
			return -1;
		off += n, size -= n;
	}
	return 0;
}

enum pkgnote_status pn_inplace_finish(struct pn_inplace *ip, struct pkgnote_error *err)
{
	for (size_t i = 0; i < ip->nzero; i++)
		if (zero_range(ip->fd, ip->zero[i].offset, ip->zero[i].size) != 0)
			return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "stamped, but cannot clear freed bytes");
	if (!ip->page_only && ftruncate(ip->fd, (off_t)ip->new_size) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, ip->path, "stamped, but cannot cut its end");
	ip->record_written = false;
	return restore_privileges(ip, err);
}

/* The record at the end of a file of `size` bytes, decoded; false when
 * there is none. */
static bool read_record(int fd, uint64_t size, struct pn_inplace *ip, uint64_t sums[2])
{
	unsigned char r[RECORD];
	if (size < PN_INPLACE_PAGE + RECORD || size % RECORD != 0 ||
	    pn_pread_full(fd, r, RECORD, size - RECORD) != 0 ||
	    memcmp(r, magic_head, sizeof magic_head) != 0 ||
	    memcmp(r + SUM_AT + 8, magic_tail, sizeof magic_tail) != 0 ||
	    get64(r + SUM_AT) != fnv1a(r, SUM_AT))
		return false;
	ip->old_size = get64(r + 16);
	ip->new_size = get64(r + 24);
	sums[0] = get64(r + 32);
	sums[1] = get64(r + 40);
	uint64_t nzero = get64(r + 48);
	if (ip->old_size < PN_INPLACE_PAGE || ip->new_size < ip->old_size ||
	    record_offset(ip->new_size) != size - RECORD || nzero > PN_INPLACE_MAX_ZERO)
		return false;
	ip->nzero = (size_t)nzero;
	for (size_t i = 0; i < ip->nzero; i++) {
		ip->zero[i].offset = get64(r + ZERO_AT + 16 * i);
		ip->zero[i].size = get64(r + ZERO_AT + 16 * i + 8);
		if (ip->zero[i].offset < PN_INPLACE_PAGE || ip->zero[i].size > ip->old_size ||
		    ip->zero[i].offset > ip->old_size - ip->zero[i].size)
			return false;
	}
	return true;
}

enum pkgnote_status pn_leftover_settle(int fd, const char *path, bool modify, uint64_t *size,
				       struct pkgnote_error *err)
{
	struct pn_inplace ip = { .fd = -1 };
	uint64_t sums[2];
	unsigned char cur[PN_INPLACE_PAGE];
	if (!read_record(fd, *size, &ip, sums))
		return PKGNOTE_OK;
	if (pn_pread_full(fd, cur, PN_INPLACE_PAGE, 0) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, path, "cannot read the first page");
	uint64_t sum = fnv1a(cur, PN_INPLACE_PAGE);
	bool committed = sum == sums[1];
	if (sum != sums[0] && !committed)
		return pn_fail(err, PKGNOTE_IO, path,
			       "ends with what an interrupted in-place stamp left, but its first page "
			       "is neither the old one nor the new one; left as it is");
	uint64_t settled = committed ? ip.new_size : ip.old_size;
	if (modify) {
		struct stat a, b;
		int rw = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		enum pkgnote_status r = PKGNOTE_OK;
		if (rw < 0 || fstat(rw, &a) != 0 || fstat(fd, &b) != 0 || a.st_dev != b.st_dev ||
		    a.st_ino != b.st_ino)
			r = pn_fail_errno(err, PKGNOTE_IO, rw < 0 ? errno : ESTALE, path,
					  "cannot finish what an interrupted in-place stamp left");
		for (size_t i = 0; committed && r == PKGNOTE_OK && i < ip.nzero; i++)
			if (zero_range(rw, ip.zero[i].offset, ip.zero[i].size) != 0)
				r = pn_fail_errno(err, PKGNOTE_IO, errno, path, "cannot clear freed bytes");
		if (r == PKGNOTE_OK && ftruncate(rw, (off_t)settled) != 0)
			r = pn_fail_errno(err, PKGNOTE_IO, errno, path,
					  "cannot cut what an interrupted in-place stamp left");
		if (rw >= 0)
			close(rw);
		if (r != PKGNOTE_OK)
			return r;
	}
	*size = settled;
	return PKGNOTE_OK;
}
