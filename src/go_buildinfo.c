/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Go build info from bytes (go_buildinfo.h says the format).  The input is
 * a hostile file's bytes: every length is checked against what is there
 * before it is used, and anything short of a whole, well-formed record is
 * refused with its reason rather than read in part.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go_buildinfo.h"
#include "reason.h"

/* The frame around the module info: 16 bytes on each side. */
#define MODINFO_FRAME 16

ptrdiff_t go_buildinfo_find(const unsigned char *data, size_t len, uint64_t addr)
{
	/* From the first offset where ADDR + off is aligned, one aligned slot
	 * at a time: a cheap first-byte test before the comparison. */
	size_t off = (GO_BUILDINFO_ALIGN - addr % GO_BUILDINFO_ALIGN) % GO_BUILDINFO_ALIGN;
	for (; off < len && len - off >= GO_BUILDINFO_HEADER; off += GO_BUILDINFO_ALIGN)
		if (data[off] == 0xff &&
		    memcmp(data + off, GO_BUILDINFO_MAGIC, GO_BUILDINFO_MAGIC_LEN) == 0)
			return (ptrdiff_t)off;
	return -1;
}

/* An unsigned LEB128 number at DATA[*off]; -1 when it runs past LEN or
 * does not fit 64 bits. */
static int uvarint(const unsigned char *data, size_t len, size_t *off, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; *off < len; shift += 7) {
		unsigned char b = data[(*off)++];
		if (shift == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
		if (shift == 63)
			return -1;
	}
	return -1;
}

/* One inline string at DATA[*off]: its length and bytes, both inside LEN. */
static int inline_string(const unsigned char *data, size_t len, size_t *off,
			 const unsigned char **s, size_t *slen, const char *what,
			 char *why, size_t whylen)
{
	uint64_t n;
	size_t at = *off;
	if (uvarint(data, len, off, &n) < 0)
		return reason(why, whylen, "Go build info: the length of the %s at byte %zu is "
			    "truncated or too long", what, at);
	if (n > GO_BUILDINFO_STRING_MAX)
		return reason(why, whylen, "Go build info: the %s claims %llu bytes (more than %u)",
			    what, (unsigned long long)n, GO_BUILDINFO_STRING_MAX);
	if (n > len - *off)
		return reason(why, whylen, "Go build info: the %s is truncated (%llu bytes claimed, "
			    "%zu there)", what, (unsigned long long)n, len - *off);
	*s = data + *off;
	*slen = (size_t)n;
	*off += (size_t)n;
	return 0;
}

static uint64_t get_ptr(const unsigned char *p, unsigned size, bool big)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * (big ? size - 1 - i : i));
	return v;
}

/* A string before Go 1.18: ADDR points at a Go string header (data
 * pointer, length), both followed through MEM.  *S is malloc'ed. */
static int pointed_string(const struct go_memory *mem, unsigned psize, bool big, uint64_t addr,
			  unsigned char **s, size_t *slen, const char *what,
			  char *why, size_t whylen)
{
	unsigned char hdr[16];
	if (mem->read(mem->ctx, addr, hdr, 2 * psize) < 0)
		return reason(why, whylen, "Go build info: the %s's header at 0x%llx is not in the "
			    "file", what, (unsigned long long)addr);
	uint64_t data = get_ptr(hdr, psize, big), n = get_ptr(hdr + psize, psize, big);
	if (n > GO_BUILDINFO_STRING_MAX)
		return reason(why, whylen, "Go build info: the %s claims %llu bytes (more than %u)",
			    what, (unsigned long long)n, GO_BUILDINFO_STRING_MAX);
	*s = malloc(n ? n : 1);
	if (*s == NULL)
		return reason(why, whylen, "%s", strerror(ENOMEM));
	if (n && mem->read(mem->ctx, data, *s, (size_t)n) < 0) {
		free(*s);
		*s = NULL;
		return reason(why, whylen, "Go build info: the %s (%llu bytes at 0x%llx) is not in "
			    "the file", what, (unsigned long long)n, (unsigned long long)data);
	}
	*slen = (size_t)n;
	return 0;
}

/* The two strings, inline (1.18 and later) or through pointers.  *OWNED
 * is set when they were copied (and must be freed). */
static int header_strings(const unsigned char *data, size_t len, const struct go_memory *mem,
			  const unsigned char *str[2], size_t slen[2], unsigned char *owned[2],
			  char *why, size_t whylen)
{
	static const char *const what[2] = { "toolchain version", "module info" };
	unsigned psize = data[GO_BUILDINFO_MAGIC_LEN];
	unsigned flags = data[GO_BUILDINFO_MAGIC_LEN + 1];
	if (psize != 4 && psize != 8)
		return reason(why, whylen, "Go build info: pointer size %u (not 4 or 8)", psize);
	if (flags & 2) {
		size_t off = GO_BUILDINFO_HEADER;
		for (int i = 0; i < 2; i++)
			if (inline_string(data, len, &off, &str[i], &slen[i], what[i], why, whylen) < 0)
				return -1;
		return 0;
	}
	if (mem == NULL)
		return reason(why, whylen, "Go build info of a Go release before 1.18 "
			    "(strings through pointers) is not read here");
	for (int i = 0; i < 2; i++) {
		uint64_t at = get_ptr(data + 16 + i * psize, psize, flags & 1);
		if (pointed_string(mem, psize, flags & 1, at, &owned[i], &slen[i], what[i],
				   why, whylen) < 0)
			return -1;
		str[i] = owned[i];
	}
	return 0;
}

/* S (N bytes) as a C string; NUL bytes inside make it unusable. */
static int dup_text(const void *s, size_t n, char **out, const char *what,
		    char *why, size_t whylen)
{
	if (memchr(s, '\0', n) != NULL)
		return reason(why, whylen, "Go build info: a NUL byte in the %s", what);
	*out = strndup(s, n);
	if (*out == NULL)
		return reason(why, whylen, "%s", strerror(ENOMEM));
	return 0;
}

static int decode_strings(const unsigned char *str[2], const size_t slen[2],
			  struct go_buildinfo *bi, char *why, size_t whylen)
{
	if (slen[0] == 0)
		return reason(why, whylen, "Go build info without a toolchain version");
	if (dup_text(str[0], slen[0], &bi->go_version, "toolchain version", why, whylen) < 0)
		return -1;
	if (slen[1] == 0)
		return 0;     /* built outside module mode (GO111MODULE=off) */
	const char *mod = (const char *)str[1];
	size_t n = slen[1];
	if (n < 2 * MODINFO_FRAME + 1 || mod[n - MODINFO_FRAME - 1] != '\n')
		return reason(why, whylen, "Go build info: the module info (%zu bytes) is not framed "
			    "as the go command frames it", n);
	bi->has_modinfo = true;
	return go_modinfo_parse(mod + MODINFO_FRAME, n - 2 * MODINFO_FRAME, bi, why, whylen);
}

int go_buildinfo_decode(const unsigned char *data, size_t len, const struct go_memory *mem,
			struct go_buildinfo *bi, char *why, size_t whylen)
{
	memset(bi, 0, sizeof *bi);
	if (len < GO_BUILDINFO_HEADER)
		return reason(why, whylen, "Go build info: header truncated (%zu of %d bytes)",
			    len, GO_BUILDINFO_HEADER);
	if (memcmp(data, GO_BUILDINFO_MAGIC, GO_BUILDINFO_MAGIC_LEN) != 0)
		return reason(why, whylen, "Go build info: no header (magic) where it should start");

	const unsigned char *str[2] = { NULL, NULL };
	size_t slen[2] = { 0, 0 };
	unsigned char *owned[2] = { NULL, NULL };
	int r = header_strings(data, len, mem, str, slen, owned, why, whylen);
	if (r == 0)
		r = decode_strings(str, slen, bi, why, whylen);
	free(owned[0]);
	free(owned[1]);
	if (r < 0)
		go_buildinfo_free(bi);
	return r;
}
