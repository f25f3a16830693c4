/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the cargo-auditable record reader (src/cargo_audit.h):
 * JSON compressed here with zlib, the root crate it names, and refusals:
 * no root or two, wrong shapes, data that is not zlib, every truncation,
 * records that inflate past the ceiling, trailing bytes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cargo_audit.h"

/* TEXT compressed, in a malloc'ed buffer of *ZLEN bytes. */
static unsigned char *deflated(const char *text, size_t len, size_t *zlen)
{
	uLongf n = compressBound(len);
	unsigned char *z = malloc(n);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(compress2(z, &n, (const Bytef *)text, len, 9), Z_OK);
	*zlen = n;
	return z;
}

struct ok_case {
	const char *json;
	const char *name, *version;
};

static const struct ok_case ok_cases[] = {
	/* cargo-auditable's shape: the root first, its dependencies after */
	{ "{\"packages\":[{\"name\":\"hello\",\"version\":\"0.1.0\",\"source\":\"local\","
	  "\"root\":true,\"dependencies\":[1]},{\"name\":\"libc\",\"version\":\"0.2.150\","
	  "\"source\":\"crates.io\"}]}", "hello", "0.1.0" },
	/* the root anywhere; "root": false and absent alike; a format field */
	{ "{\"format\":1,\"packages\":[{\"name\":\"a\",\"version\":\"1.0.0\",\"source\":\"registry\","
	  "\"root\":false},{\"name\":\"b\",\"version\":\"2.0.0\",\"source\":\"crates.io\"},"
	  "{\"name\":\"ripgrep\",\"version\":\"14.1.0\",\"source\":\"local\",\"root\":true,"
	  "\"dependencies\":[0,1]}]}", "ripgrep", "14.1.0" },
	/* whitespace and a pre-release version */
	{ " { \"packages\" : [ { \"root\" : true , \"name\" : \"x-y_z\" , "
	  "\"version\" : \"1.0.0-rc.1+build.5\" , \"source\" : \"git\" } ] } \n",
	  "x-y_z", "1.0.0-rc.1+build.5" },
};

START_TEST(test_ok)
{
	const struct ok_case *c = &ok_cases[_i];
	size_t zlen;
	unsigned char *z = deflated(c->json, strlen(c->json), &zlen);
	char *name = NULL, *version = NULL, why[256] = "";
	int r = cargo_audit_root(z, zlen, CARGO_AUDIT_MAX, &name, &version, why, sizeof why);
	ck_assert_msg(r == 0, "refused: %s", why);
	ck_assert_str_eq(name, c->name);
	ck_assert_str_eq(version, c->version);
	free(name);
	free(version);

	/* zero bytes after the stream are padding */
	unsigned char *padded = calloc(zlen + 7, 1);
	memcpy(padded, z, zlen);
	r = cargo_audit_root(padded, zlen + 7, CARGO_AUDIT_MAX, &name, &version, why, sizeof why);
	ck_assert_msg(r == 0, "padded refused: %s", why);
	free(name);
	free(version);
	free(padded);
	free(z);
}
END_TEST

struct bad_case {
	const char *json;
	const char *needle;
};

#define PKG(extra) "{\"name\":\"p\",\"version\":\"1.0.0\",\"source\":\"local\"" extra "}"

static const struct bad_case bad_cases[] = {
	{ "{\"packages\":[" PKG("") "," PKG(",\"root\":false") "]}", "0 root packages" },
	{ "{\"packages\":[]}", "0 root packages" },
	{ "{\"packages\":[" PKG(",\"root\":true") "," PKG(",\"root\":true") "]}",
	  "2 root packages" },
	{ "{\"packages\":[" PKG(",\"root\":\"yes\"") "]}", "\"root\" is not true or false" },
	{ "{\"packages\":[" PKG(",\"root\":1") "]}", "\"root\" is not true or false" },
	{ "{\"packages\":[3," PKG(",\"root\":true") "]}", "package 0 is not an object" },
	{ "{\"packages\":{}}", "no \"packages\" array" },
	{ "{\"pkgs\":[]}", "no \"packages\" array" },
	{ "[]", "no \"packages\" array" },
	{ "{\"packages\":[{\"name\":\"p\",\"root\":true}]}", "no \"name\" or \"version\"" },
	{ "{\"packages\":[{\"name\":\"p\",\"version\":1,\"root\":true}]}", "no \"name\" or \"version\"" },
	{ "{\"packages\":[{\"name\":\"\",\"version\":\"1\",\"root\":true}]}",
	  "no \"name\" or \"version\"" },
	{ "{\"packages\":[", "not JSON" },
	{ "{\"packages\":[]} {}", "not JSON" },
	{ "\"packages\"", "no \"packages\" array" },
	{ "", "not JSON" },
};

static void expect_bad(const void *z, size_t zlen, size_t max, const char *needle)
{
	char *name = (char *)"unset", *version = (char *)"unset", why[256] = "";
	int r = cargo_audit_root(z, zlen, max, &name, &version, why, sizeof why);
	ck_assert_msg(r == -1, "accepted (%zu bytes), wanted '%s'", zlen, needle);
	ck_assert_ptr_null(name);
	ck_assert_ptr_null(version);
	ck_assert_msg(strncmp(why, ".dep-v0: ", 9) == 0 && strchr(why, '\n') == NULL,
		      "reason: '%s'", why);
	if (needle != NULL)
		ck_assert_msg(strstr(why, needle) != NULL, "'%s' not in '%s'", needle, why);
}

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	size_t zlen;
	unsigned char *z = deflated(c->json, strlen(c->json), &zlen);
	expect_bad(z, zlen, CARGO_AUDIT_MAX, c->needle);
	free(z);
}
END_TEST

static const char valid[] = "{\"packages\":[" PKG(",\"root\":true") "]}";

/* Every cut of the compressed data is refused. */
START_TEST(test_truncated_everywhere)
{
	size_t zlen;
	unsigned char *z = deflated(valid, strlen(valid), &zlen);
	for (size_t n = 0; n < zlen; n++) {
		unsigned char *copy = malloc(n ? n : 1);   /* ASan sees a read past N */
		memcpy(copy, z, n);
		expect_bad(copy, n, CARGO_AUDIT_MAX, NULL);
		free(copy);
	}
	free(z);
}
END_TEST

START_TEST(test_not_zlib)
{
	static const unsigned char junk[] = "\x1f\x8b\x08\x00 this is gzip's magic, not zlib";
	expect_bad(junk, sizeof junk - 1, CARGO_AUDIT_MAX, "not zlib");
	expect_bad(valid, strlen(valid), CARGO_AUDIT_MAX, "not zlib");   /* not compressed */

	/* one flipped byte inside the stream: the checksum catches it */
	size_t zlen;
	unsigned char *z = deflated(valid, strlen(valid), &zlen);
	z[zlen - 2] ^= 0x40;
	expect_bad(z, zlen, CARGO_AUDIT_MAX, "not zlib");
	free(z);
}
END_TEST

START_TEST(test_trailing_bytes)
{
	size_t zlen;
	unsigned char *z = deflated(valid, strlen(valid), &zlen);
	unsigned char *more = calloc(zlen + 4, 1);
	memcpy(more, z, zlen);
	more[zlen + 2] = 'x';
	expect_bad(more, zlen + 4, CARGO_AUDIT_MAX, "4 bytes after the compressed data");
	free(more);
	free(z);
}
END_TEST

/* Past the ceiling: a small ceiling, and a bomb past the real one. */
START_TEST(test_oversize)
{
	size_t zlen;
	unsigned char *z = deflated(valid, strlen(valid), &zlen);
	expect_bad(z, zlen, strlen(valid) - 1, "more than");
	char *name, *version, why[256];
	ck_assert_int_eq(cargo_audit_root(z, zlen, strlen(valid), &name, &version, why,
					  sizeof why), 0);    /* exactly the ceiling */
	free(name);
	free(version);
	free(z);

	size_t big = CARGO_AUDIT_MAX + 1;
	char *text = malloc(big);
	memset(text, ' ', big);
	memcpy(text, valid, strlen(valid));   /* valid JSON, then spaces past 8 MiB */
	z = deflated(text, big, &zlen);
	ck_assert_uint_lt(zlen, 64 * 1024);
	expect_bad(z, zlen, CARGO_AUDIT_MAX, "more than 8388608 bytes");
	free(z);
	free(text);
}
END_TEST

static Suite *cargo_suite(void)
{
	Suite *s = suite_create("cargo_audit");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_ok, 0, sizeof ok_cases / sizeof ok_cases[0]);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad_cases / sizeof bad_cases[0]);
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_add_test(tc, test_not_zlib);
	tcase_add_test(tc, test_trailing_bytes);
	tcase_add_test(tc, test_oversize);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cargo_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
