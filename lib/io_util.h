/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_IO_UTIL_H
#define PKGNOTE_IO_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Read or write exactly `len` bytes at `off`; 0 on success, -1 with errno
 * set otherwise (a short read at end of file sets EIO). */
int pn_pread_full(int fd, void *buf, size_t len, uint64_t off);
int pn_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

#endif
