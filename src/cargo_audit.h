/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_CARGO_AUDIT_H
#define PKGNOTE_CARGO_AUDIT_H

#include <stddef.h>

/*
 * The dependency record cargo-auditable embeds in Rust programs, decoded
 * from bytes alone (the files are read by src/pkgsrc/cargo.c): section
 * .dep-v0 holds zlib-compressed JSON
 *   {"packages":[{"name":N,"version":V,"source":S,"root":true,...},...]}
 * in which exactly one package, the program's own crate, has "root": true.
 */

/* The most the JSON may decompress to: cargo-auditable's own advice for
 * readers (its PARSING.md) is that 8 MiB holds any legitimate record. */
#define CARGO_AUDIT_MAX (8u << 20)

/* The root package of the compressed record Z (ZLEN bytes; trailing zero
 * bytes are padding), decompressing to at most MAX bytes.  0 with *NAME
 * and *VERSION malloc'ed, or -1 with a one-line reason in WHY. */
int cargo_audit_root(const void *z, size_t zlen, size_t max, char **name, char **version,
		     char *why, size_t whylen);

#endif
