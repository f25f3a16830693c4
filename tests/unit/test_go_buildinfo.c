/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the Go build info reader (src/go_buildinfo.h): blobs of
 * Go 1.18 and later built here byte by byte, the versions they name, the
 * older pointer form through a fake memory (both byte orders, both pointer
 * sizes), the search for the header, and refusals: every truncation, bogus
 * lengths, unframed or malformed module info.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go_buildinfo.h"

/* The 16-byte frames the go command puts around the module info. */
static const unsigned char frame_start[16] = {
	0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02,
	0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6 };
static const unsigned char frame_end[16] = {
	0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72,
	0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2 };

struct blob {
	unsigned char b[4096];
	size_t n;
};

static void put(struct blob *bl, const void *p, size_t n)
{
	ck_assert_uint_le(bl->n + n, sizeof bl->b);
	memcpy(bl->b + bl->n, p, n);
	bl->n += n;
}

static void put_uvarint(struct blob *bl, uint64_t v)
{
	do {
		unsigned char c = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			c |= 0x80;
		put(bl, &c, 1);
	} while (v);
}

static void put_header(struct blob *bl, unsigned psize, unsigned flags)
{
	unsigned char h[GO_BUILDINFO_HEADER] = { 0 };
	memcpy(h, GO_BUILDINFO_MAGIC, GO_BUILDINFO_MAGIC_LEN);
	h[14] = (unsigned char)psize;
	h[15] = (unsigned char)flags;
	put(bl, h, sizeof h);
}

/* The module info as the go command writes it: framed, unless TEXT is "". */
static void framed(struct blob *out, const char *text)
{
	out->n = 0;
	if (*text == '\0')
		return;
	put(out, frame_start, 16);
	put(out, text, strlen(text));
	put(out, frame_end, 16);
}

/* A Go 1.18+ blob: header (inline flag), version, framed module info. */
static void inline_blob(struct blob *bl, unsigned psize, unsigned flags, const char *vers,
			const char *text)
{
	struct blob mod;
	framed(&mod, text);
	bl->n = 0;
	put_header(bl, psize, flags | 2);
	put_uvarint(bl, strlen(vers));
	put(bl, vers, strlen(vers));
	put_uvarint(bl, mod.n);
	put(bl, mod.b, mod.n);
}

#define MOD "path\texample.com/hello\nmod\texample.com/hello\t"
#define REV "0123456789abcdef0123456789abcdef01234567"

struct version_case {
	const char *text;       /* the module info, unframed */
	const char *mod_path;   /* NULL: none */
	const char *version;    /* what go_buildinfo_version gives; NULL: none */
};

static const struct version_case version_cases[] = {
	/* a module fetched at a version: its version */
	{ MOD "v1.2.3\th1:abc=\n", "example.com/hello", "v1.2.3" },
	/* the sum column is optional */
	{ MOD "v0.4.0\n", "example.com/hello", "v0.4.0" },
	/* dependencies, replacements and other settings pass by */
	{ MOD "v1.0.0\th1:x=\ndep\tgolang.org/x/sys\tv0.1.0\th1:y=\n=>\t../sys\t(devel)\t\n"
	  "build\t-ldflags=\"-s -w\"\nbuild\tCGO_ENABLED=0\n", "example.com/hello", "v1.0.0" },
	/* a local build: the revision */
	{ MOD "(devel)\t\nbuild\tvcs=git\nbuild\tvcs.revision=" REV "\nbuild\tvcs.modified=false\n",
	  "example.com/hello", REV },
	/* ... with changes: -dirty */
	{ MOD "(devel)\t\nbuild\tvcs.revision=" REV "\nbuild\tvcs.modified=true\n",
	  "example.com/hello", REV "-dirty" },
	/* ... whichever order the settings come in */
	{ MOD "(devel)\t\nbuild\tvcs.modified=true\nbuild\tvcs.revision=" REV "\n",
	  "example.com/hello", REV "-dirty" },
	/* a local build without version control: no version */
	{ MOD "(devel)\t\nbuild\tGOOS=linux\n", "example.com/hello", NULL },
	/* a released version wins over the revision */
	{ MOD "v2.0.0\t\nbuild\tvcs.revision=" REV "\nbuild\tvcs.modified=true\n",
	  "example.com/hello", "v2.0.0" },
	/* no mod line (a file list outside a module): no module */
	{ "path\tcommand-line-arguments\nbuild\tGOOS=linux\n", NULL, NULL },
};

static void decode_ok(const struct blob *bl, const struct go_memory *mem, struct go_buildinfo *bi)
{
	char why[256] = "";
	int r = go_buildinfo_decode(bl->b, bl->n, mem, bi, why, sizeof why);
	ck_assert_msg(r == 0, "refused: %s", why);
}

START_TEST(test_versions)
{
	const struct version_case *c = &version_cases[_i];
	struct blob bl;
	struct go_buildinfo bi;
	inline_blob(&bl, 8, 0, "go1.19.8", c->text);
	decode_ok(&bl, NULL, &bi);
	ck_assert_str_eq(bi.go_version, "go1.19.8");
	ck_assert(bi.has_modinfo);
	if (c->mod_path == NULL)
		ck_assert_ptr_null(bi.mod_path);
	else
		ck_assert_str_eq(bi.mod_path, c->mod_path);
	char *v = go_buildinfo_version(&bi);
	if (c->version == NULL) {
		ck_assert_ptr_null(v);
		ck_assert_int_eq(errno, 0);
	} else {
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, c->version);
	}
	free(v);
	go_buildinfo_free(&bi);
}
END_TEST

/* Built outside module mode: a version, no module info. */
START_TEST(test_no_modinfo)
{
	struct blob bl;
	struct go_buildinfo bi;
	inline_blob(&bl, 8, 0, "go1.19.8", "");
	decode_ok(&bl, NULL, &bi);
	ck_assert(!bi.has_modinfo);
	ck_assert_ptr_null(bi.mod_path);
	go_buildinfo_free(&bi);
}
END_TEST

/* Every cut of a whole blob is refused, never read in part. */
START_TEST(test_truncated_everywhere)
{
	struct blob bl;
	struct go_buildinfo bi;
	char why[256];
	inline_blob(&bl, 8, 0, "go1.19.8", MOD "v1.2.3\th1:abc=\n");
	for (size_t n = 0; n < bl.n; n++) {
		unsigned char *copy = malloc(n ? n : 1);   /* ASan sees a read past N */
		memcpy(copy, bl.b, n);
		why[0] = '\0';
		int r = go_buildinfo_decode(copy, n, NULL, &bi, why, sizeof why);
		ck_assert_msg(r == -1, "a blob cut to %zu of %zu bytes was accepted", n, bl.n);
		ck_assert_msg(why[0] != '\0' && strchr(why, '\n') == NULL, "reason: '%s'", why);
		ck_assert_ptr_null(bi.go_version);
		ck_assert_ptr_null(bi.mod_path);
		free(copy);
	}
}
END_TEST

struct bad_case {
	const char *what;
	unsigned psize, flags;
	const unsigned char *tail;  /* what follows the header */
	size_t tail_len;
	const char *text;           /* or: a version and this module info (framed) */
	const char *needle;
};

#define T(s) (const unsigned char *)(s), sizeof(s) - 1

static const struct bad_case bad_cases[] = {
	{ "pointer size 3", 3, 2, T("\x02go\x00"), NULL, "pointer size 3" },
	{ "pointer size 0", 0, 2, T("\x02go\x00"), NULL, "pointer size 0" },
	{ "a length of 11 varint bytes", 8, 2,
	  T("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), NULL, "too long" },
	{ "a length past 64 bits", 8, 2, T("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"), NULL,
	  "too long" },
	{ "a length over the limit", 8, 2, T("\x80\x80\x80\x01go"), NULL, "more than" },
	{ "a length past the end", 8, 2, T("\x09go1.19"), NULL, "truncated" },
	{ "an empty toolchain version", 8, 2, T("\x00\x00"), NULL, "toolchain version" },
	{ "a NUL in the version", 8, 2, T("\x04go" "\0" "1" "\0"), NULL, "NUL" },
	/* 40 bytes, the 17th from the end not a newline */
	{ "module info without its frame", 8, 2,
	  T("\x02go\x28" "0123456789abcdef" "mod\tx\tv1\n" "0123456789abcde"), NULL, "not framed" },
	/* the go command ends the text with a newline, inside the frame */
	{ "module info whose last line has no newline", 8, 2, NULL, 0,
	  MOD "(devel)\t\nbuild\tvcs.revision=" REV, "not framed" },
	{ "module info too short for its frame", 8, 2,
	  T("\x02go\x20" "0123456789abcde\n" "0123456789abcdef"), NULL, "not framed" },
	{ "pointers without a memory to follow them", 8, 0, T(""), NULL, "before 1.18" },
	{ "a mod line of four fields", 8, 2, NULL, 0, MOD "v1\tsum\textra\n", "2 or 3 fields" },
	{ "a mod line of one field", 8, 2, NULL, 0, "mod\texample.com/x\n", "2 or 3 fields" },
	{ "an empty module path", 8, 2, NULL, 0, "mod\t\tv1.0.0\t\n", "empty" },
	{ "an empty version", 8, 2, NULL, 0, "mod\texample.com/x\t\t\n", "empty" },
	{ "two main modules", 8, 2, NULL, 0, MOD "v1\t\nmod\texample.com/y\tv2\t\n",
	  "second main module" },
	{ "vcs.modified neither true nor false", 8, 2, NULL, 0,
	  MOD "(devel)\t\nbuild\tvcs.modified=yes\n", "vcs.modified" },
	{ "a quoted revision", 8, 2, NULL, 0, MOD "(devel)\t\nbuild\tvcs.revision=\"abc def\"\n",
	  "vcs.revision" },
	{ "an empty revision", 8, 2, NULL, 0, MOD "(devel)\t\nbuild\tvcs.revision=\n",
	  "vcs.revision" },
};

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	struct blob bl = { .n = 0 };
	struct go_buildinfo bi;
	char why[256] = "";
	if (c->text != NULL) {
		inline_blob(&bl, c->psize, c->flags, "go1.19.8", c->text);
	} else {
		put_header(&bl, c->psize, c->flags);
		put(&bl, c->tail, c->tail_len);
	}
	int r = go_buildinfo_decode(bl.b, bl.n, NULL, &bi, why, sizeof why);
	ck_assert_msg(r == -1, "%s: accepted", c->what);
	ck_assert_msg(strstr(why, c->needle) != NULL, "%s: '%s' not in '%s'", c->what, c->needle,
		      why);
	ck_assert_msg(strncmp(why, "Go build info", 13) == 0, "%s: '%s'", c->what, why);
	ck_assert_ptr_null(bi.go_version);
}
END_TEST

START_TEST(test_no_magic)
{
	struct blob bl;
	struct go_buildinfo bi;
	char why[256];
	inline_blob(&bl, 8, 0, "go1.19.8", MOD "v1\t\n");
	bl.b[1] = 'g';
	ck_assert_int_eq(go_buildinfo_decode(bl.b, bl.n, NULL, &bi, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "magic"));
}
END_TEST

/* A fake loaded image: BASE.. of the bytes in MEM. */
struct fake_mem {
	uint64_t base;
	unsigned char b[512];
	size_t n;
};

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct fake_mem *m = ctx;
	if (addr < m->base || addr - m->base > m->n || len > m->n - (addr - m->base))
		return -1;
	memcpy(buf, m->b + (addr - m->base), len);
	return 0;
}

static void put_ptr(unsigned char *p, uint64_t v, unsigned psize, bool big)
{
	for (unsigned i = 0; i < psize; i++)
		p[big ? psize - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/* Before Go 1.18: the header points at two Go string headers in the data. */
static void pointer_blob(struct blob *bl, struct fake_mem *m, unsigned psize, bool big,
			 const char *vers, const char *text)
{
	struct blob mod;
	framed(&mod, text);
	m->base = 0x10000;
	m->n = 0;
	/* string data at base, string headers after it */
	uint64_t vers_at = m->base, mod_at = vers_at + strlen(vers);
	memcpy(m->b, vers, strlen(vers));
	memcpy(m->b + strlen(vers), mod.b, mod.n);
	m->n = strlen(vers) + mod.n;
	uint64_t hdr_at[2] = { m->base + m->n, m->base + m->n + 2 * psize };
	put_ptr(m->b + m->n, vers_at, psize, big);
	put_ptr(m->b + m->n + psize, strlen(vers), psize, big);
	put_ptr(m->b + m->n + 2 * psize, mod_at, psize, big);
	put_ptr(m->b + m->n + 3 * psize, mod.n, psize, big);
	m->n += 4 * psize;
	bl->n = 0;
	put_header(bl, psize, big);
	put_ptr(bl->b + 16, hdr_at[0], psize, big);
	put_ptr(bl->b + 16 + psize, hdr_at[1], psize, big);
}

/* Both forms (inline from Go 1.18, pointers before) for every pointer size
 * and byte order: 32-bit big-endian is mips, 64-bit big-endian s390x. */
START_TEST(test_targets)
{
	struct blob bl;
	struct fake_mem m;
	struct go_memory mem = { fake_read, &m };
	struct go_buildinfo bi;
	for (unsigned psize = 4; psize <= 8; psize += 4)
		for (int big = 0; big <= 1; big++)
			for (int pointers = 0; pointers <= 1; pointers++) {
				if (pointers)
					pointer_blob(&bl, &m, psize, big, "go1.16.15", MOD "v1.5.0\th1:s=\n");
				else
					inline_blob(&bl, psize, big, "go1.16.15", MOD "v1.5.0\th1:s=\n");
				decode_ok(&bl, pointers ? &mem : NULL, &bi);
				ck_assert_str_eq(bi.go_version, "go1.16.15");
				ck_assert_str_eq(bi.path, "example.com/hello");
				ck_assert_str_eq(bi.mod_path, "example.com/hello");
				ck_assert_str_eq(bi.mod_version, "v1.5.0");
				go_buildinfo_free(&bi);
			}
}
END_TEST

/* A pointer out of the image, or a length past it, is refused. */
START_TEST(test_pointers_bad)
{
	struct blob bl;
	struct fake_mem m;
	struct go_memory mem = { fake_read, &m };
	struct go_buildinfo bi;
	char why[256];

	pointer_blob(&bl, &m, 4, true, "go1.16", MOD "v1\t\n");
	put_ptr(bl.b + 16, 0x9000, 4, true);             /* header below the image */
	ck_assert_int_eq(go_buildinfo_decode(bl.b, bl.n, &mem, &bi, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "not in the file"));

	pointer_blob(&bl, &m, 8, false, "go1.16", MOD "v1\t\n");
	m.n -= 8;                                        /* the module string's length cut off */
	ck_assert_int_eq(go_buildinfo_decode(bl.b, bl.n, &mem, &bi, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "module info"));

	pointer_blob(&bl, &m, 8, false, "go1.16", MOD "v1\t\n");
	put_ptr(m.b + m.n - 8, 1u << 30, 8, false);      /* a bogus module length */
	ck_assert_int_eq(go_buildinfo_decode(bl.b, bl.n, &mem, &bi, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "more than"));

	pointer_blob(&bl, &m, 8, false, "go1.16", MOD "v1\t\n");
	put_ptr(m.b + m.n - 8, 300, 8, false);           /* a length past the image */
	ck_assert_int_eq(go_buildinfo_decode(bl.b, bl.n, &mem, &bi, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "not in the file"));
}
END_TEST

START_TEST(test_find)
{
	unsigned char data[256];
	memset(data, 0xff, sizeof data);        /* many first-byte matches */
	ck_assert_int_eq(go_buildinfo_find(data, sizeof data, 0x1000), -1);

	memcpy(data + 40, GO_BUILDINFO_MAGIC, GO_BUILDINFO_MAGIC_LEN);   /* unaligned */
	ck_assert_int_eq(go_buildinfo_find(data, sizeof data, 0x1000), -1);
	/* ... aligned when the data starts 8 bytes past an aligned address */
	ck_assert_int_eq(go_buildinfo_find(data, sizeof data, 0x1008), 40);

	memcpy(data + 96, GO_BUILDINFO_MAGIC, GO_BUILDINFO_MAGIC_LEN);
	ck_assert_int_eq(go_buildinfo_find(data, sizeof data, 0x1000), 96);
	/* the whole header must be there */
	ck_assert_int_eq(go_buildinfo_find(data, 96 + GO_BUILDINFO_HEADER, 0x1000), 96);
	ck_assert_int_eq(go_buildinfo_find(data, 96 + GO_BUILDINFO_HEADER - 1, 0x1000), -1);
	ck_assert_int_eq(go_buildinfo_find(data, 0, 0x1000), -1);
}
END_TEST

static Suite *go_suite(void)
{
	Suite *s = suite_create("go_buildinfo");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_versions, 0, sizeof version_cases / sizeof version_cases[0]);
	tcase_add_test(tc, test_no_modinfo);
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad_cases / sizeof bad_cases[0]);
	tcase_add_test(tc, test_no_magic);
	tcase_add_test(tc, test_targets);
	tcase_add_test(tc, test_pointers_bad);
	tcase_add_test(tc, test_find);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(go_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
