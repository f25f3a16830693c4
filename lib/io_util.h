/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_IO_UTIL_H
#define PKGNOTE_IO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkgnote.h"

/* Read or write exactly `len` bytes at `off`; 0 on success, -1 with errno
 * set otherwise (a short read at end of file sets EIO). */
int pn_pread_full(int fd, void *buf, size_t len, uint64_t off);
int pn_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* Open `path` read-only for inspection: a regular file, never a FIFO or a
 * device (opening those could block or never end). Returns the fd or -1. */
int pn_open_regular(const char *path, bool follow_symlinks, uint64_t *size,
		    struct pkgnote_error *err, enum pkgnote_status *status);

#endif
