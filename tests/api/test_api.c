/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public API as a caller sees it: linked against the shared library,
 * only <pkgnote.h>.  Stamping takes validated metadata only, and the sized
 * structs are checked: too small refused, unknown members refused when set
 * and zero otherwise, no result written past the caller's size.  The file
 * stamped is a copy of this test program.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkgnote.h"

static char dir[] = "/tmp/test_api.XXXXXX";
static char input[64], output[64];

/* What main measured on pkgnote_stamp_file before metadata had a type of
 * its own: this text was written into the binary. */
static const char not_json[] = "this is {not json, \"a\":1,\"a\":2";

static const char good[] = "{ \"name\": \"api\", \"version\": \"1\" }";

static void copy_self(void)
{
	FILE *in = fopen("/proc/self/exe", "rb"), *out = fopen(input, "wb");
	char buf[65536];
	size_t n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(input, sizeof input, "%s/in", dir);
	snprintf(output, sizeof output, "%s/out", dir);
	copy_self();
}

static void teardown(void)
{
	unlink(input);
	unlink(output);
	rmdir(dir);
	strcpy(dir, "/tmp/test_api.XXXXXX");
}

static struct pkgnote_metadata *parse_good(void)
{
	struct pkgnote_metadata *md = NULL;
	struct pkgnote_error err;

	ck_assert_int_eq(pkgnote_metadata_parse(good, strlen(good), "good", &md, &err), PKGNOTE_OK);
	ck_assert_ptr_nonnull(md);
	return md;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

START_TEST(test_invalid_metadata_cannot_be_stamped)
{
	struct pkgnote_metadata *md = (struct pkgnote_metadata *)1;
	struct pkgnote_error err = { 0 };
	struct pkgnote_stamp_options opts = PKGNOTE_STAMP_OPTIONS_INIT;

	ck_assert_int_eq(pkgnote_metadata_parse(not_json, strlen(not_json), "meta", &md, &err),
			 PKGNOTE_BAD_JSON);
	ck_assert_ptr_null(md);
	ck_assert_str_eq(err.message, "meta: line 1, column 1: top-level value must be an object");
	/* the only metadata a caller can hold after that is none */
	opts.output = output;
	opts.no_sync = true;
	ck_assert_int_eq(pkgnote_stamp_file(input, md, &opts, NULL, &err), PKGNOTE_USAGE);
	ck_assert_msg(!exists(output), "an output was written");
	ck_assert_int_eq(pkgnote_stamp_file(input, NULL, NULL, NULL, NULL), PKGNOTE_USAGE);
	/* duplicates, the other half of the measured text */
	ck_assert_int_eq(pkgnote_metadata_parse("{\"a\":1,\"a\":2}", 13, "meta", &md, &err),
			 PKGNOTE_BAD_JSON);
	ck_assert_ptr_null(md);
	ck_assert_ptr_nonnull(strstr(err.message, "duplicate key \"a\""));
}
END_TEST

START_TEST(test_stamp_and_read)
{
	struct pkgnote_metadata *md = parse_good();
	struct pkgnote_error err;
	struct pkgnote_stamp_options opts = PKGNOTE_STAMP_OPTIONS_INIT;
	struct pkgnote_stamp_report rep = PKGNOTE_STAMP_REPORT_INIT;
	struct pkgnote_note_info info = PKGNOTE_NOTE_INFO_INIT;
	char *json = NULL;

	ck_assert_str_eq(pkgnote_metadata_json(md), "{\"name\":\"api\",\"version\":\"1\"}");
	opts.output = output;
	opts.no_sync = true;
	ck_assert_msg(pkgnote_stamp_file(input, md, &opts, &rep, &err) == PKGNOTE_OK, "%s",
		      err.message);
	ck_assert_uint_eq(rep.size, sizeof rep);
	ck_assert(rep.note_offset > 0);
	ck_assert_int_eq(pkgnote_read_file(output, 0, &json, &info, &err), PKGNOTE_OK);
	ck_assert_str_eq(json, pkgnote_metadata_json(md));
	ck_assert_uint_eq(info.offset, rep.note_offset);
	ck_assert(info.in_first_page && info.in_pt_note);
	free(json);
	ck_assert_int_eq(pkgnote_read_file(input, 0, &json, NULL, &err), PKGNOTE_NO_NOTE);
	ck_assert_ptr_null(json);

	/* the encoded record carries the same text after its 16-byte head */
	unsigned char *note = NULL;
	size_t len = 0;
	ck_assert_int_eq(pkgnote_note_encode(md, 1 /* ELFDATA2LSB */, &note, &len, &err), PKGNOTE_OK);
	ck_assert_uint_eq(len, 16 + 32);	/* 28 bytes and a NUL, padded to 4 */
	ck_assert_mem_eq(note + 16, pkgnote_metadata_json(md), 29);
	free(note);
	pkgnote_metadata_free(md);
	pkgnote_metadata_free(NULL);
}
END_TEST

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf = malloc(16 << 20);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 16 << 20, f);
	fclose(f);
	return buf;
}

/* keep_existing: a file without a note is stamped; one with a note keeps
 * it, byte for byte, and says so; without the option it is replaced. */
START_TEST(test_keep_existing)
{
	struct pkgnote_metadata *md = parse_good(), *other = NULL;
	struct pkgnote_error err;
	struct pkgnote_stamp_options opts = PKGNOTE_STAMP_OPTIONS_INIT;
	struct pkgnote_stamp_report rep = PKGNOTE_STAMP_REPORT_INIT;
	char *json = NULL;
	static const char text[] = "{\"name\":\"other\",\"version\":\"2\"}";

	opts.no_sync = true;
	opts.keep_existing = true;
	ck_assert_int_eq(pkgnote_stamp_file(input, md, &opts, &rep, &err), PKGNOTE_OK);
	ck_assert(!rep.kept_note && !rep.unchanged);
	size_t n1, n2;
	char *before = slurp(input, &n1);
	ck_assert_int_eq(pkgnote_metadata_parse(text, strlen(text), "other", &other, &err), PKGNOTE_OK);
	rep = (struct pkgnote_stamp_report)PKGNOTE_STAMP_REPORT_INIT;
	ck_assert_int_eq(pkgnote_stamp_file(input, other, &opts, &rep, &err), PKGNOTE_OK);
	ck_assert(rep.kept_note && rep.unchanged);
	char *after = slurp(input, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_mem_eq(before, after, n1);
	opts.keep_existing = false;
	rep = (struct pkgnote_stamp_report)PKGNOTE_STAMP_REPORT_INIT;
	ck_assert_int_eq(pkgnote_stamp_file(input, other, &opts, &rep, &err), PKGNOTE_OK);
	ck_assert(!rep.kept_note && rep.replaced);
	ck_assert_int_eq(pkgnote_read_file(input, 0, &json, NULL, &err), PKGNOTE_OK);
	ck_assert_str_eq(json, text);
	free(json);
	free(before);
	free(after);
	pkgnote_metadata_free(md);
	pkgnote_metadata_free(other);
}
END_TEST

START_TEST(test_struct_too_small)
{
	struct pkgnote_metadata *md = parse_good();
	struct pkgnote_error err;
	struct pkgnote_stamp_options opts = { 0 };
	struct pkgnote_stamp_report rep = PKGNOTE_STAMP_REPORT_INIT;
	struct pkgnote_note_info info = { .size = offsetof(struct pkgnote_note_info, in_pt_note) };
	char *json = NULL;

	opts.output = output;
	ck_assert_int_eq(pkgnote_stamp_file(input, md, &opts, &rep, &err), PKGNOTE_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "pkgnote_stamp_options: size 0 is less than"));
	ck_assert(!exists(output));

	opts.size = sizeof opts;
	opts.no_sync = true;
	rep.size = sizeof(size_t);
	ck_assert_int_eq(pkgnote_stamp_file(input, md, &opts, &rep, &err), PKGNOTE_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "pkgnote_stamp_report: size"));
	ck_assert(!exists(output));

	ck_assert_int_eq(pkgnote_read_file(input, 0, &json, &info, &err), PKGNOTE_USAGE);
	ck_assert_ptr_null(json);
	pkgnote_metadata_free(md);
}
END_TEST

/* A caller built against a later header, whose structs are longer. */
struct later_options {
	struct pkgnote_stamp_options known;
	uint64_t added_later;
};

struct later_report {
	struct pkgnote_stamp_report known;
	uint64_t added_later;
};

START_TEST(test_struct_from_later_header)
{
	struct pkgnote_metadata *md = parse_good();
	struct pkgnote_error err;
	struct later_options opts = { .known = PKGNOTE_STAMP_OPTIONS_INIT };
	struct later_report rep = { .known = PKGNOTE_STAMP_REPORT_INIT, .added_later = 42 };

	opts.known.size = sizeof opts;
	opts.known.output = output;
	opts.known.no_sync = true;
	rep.known.size = sizeof rep;
	opts.added_later = 1;
	ck_assert_int_eq(pkgnote_stamp_file(input, md, &opts.known, &rep.known, &err), PKGNOTE_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "does not know"));
	ck_assert(!exists(output));

	opts.added_later = 0;	/* not set: the default, which this library has */
	ck_assert_msg(pkgnote_stamp_file(input, md, &opts.known, &rep.known, &err) == PKGNOTE_OK,
		      "%s", err.message);
	ck_assert(exists(output));
	ck_assert(rep.known.note_offset > 0);
	ck_assert_uint_eq(rep.known.size, sizeof rep);
	ck_assert_uint_eq(rep.added_later, 42);	/* not written past what it knows */
	pkgnote_metadata_free(md);
}
END_TEST

START_TEST(test_core_report_on_non_core)
{
	struct pkgnote_core_report *r = (struct pkgnote_core_report *)1;
	struct pkgnote_error err;

	ck_assert(!pkgnote_is_core(input));
	ck_assert_int_ne(pkgnote_read_core(input, false, &r, &err), PKGNOTE_OK);
	ck_assert_ptr_null(r);
	pkgnote_core_report_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_invalid_metadata_cannot_be_stamped);
	tcase_add_test(tc, test_stamp_and_read);
	tcase_add_test(tc, test_keep_existing);
	tcase_add_test(tc, test_struct_too_small);
	tcase_add_test(tc, test_struct_from_later_header);
	tcase_add_test(tc, test_core_report_on_non_core);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
