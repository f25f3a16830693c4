/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the byte-level pieces: the note record in both byte orders
 * (the bytes lld 16 and gold write), reading notes as bfd and mold write
 * them, ELF records of both classes and byte orders, and the free-space set.
 */
#include <check.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "elf_codec.h"
#include "free_space.h"
#include "note_codec.h"
#include "pkgnote.h"

START_TEST(note_little_endian)
{
	/* objdump -s -j .note.package of `ld.lld-16 --package-metadata='{"a":"b"}'` */
	static const unsigned char want[] = {
		0x04, 0, 0, 0, 0x0a, 0, 0, 0, 0x7e, 0x1a, 0xfe, 0xca, 'F', 'D', 'O', 0,
		'{', '"', 'a', '"', ':', '"', 'b', '"', '}', 0, 0, 0 };
	unsigned char *note;
	size_t len;
	struct pkgnote_error err;
	ck_assert_int_eq(pn_note_encode("{\"a\":\"b\"}", ELFDATA2LSB, &note, &len, &err), PKGNOTE_OK);
	ck_assert_uint_eq(len, sizeof want);
	ck_assert_uint_eq(pn_note_record_size(9), sizeof want);
	ck_assert_mem_eq(note, want, sizeof want);
	free(note);
}
END_TEST

START_TEST(note_big_endian)
{
	static const unsigned char want[] = {
		0, 0, 0, 0x04, 0, 0, 0, 0x0b, 0xca, 0xfe, 0x1a, 0x7e, 'F', 'D', 'O', 0,
		'{', '"', 'a', '"', ':', '"', 'b', 'c', '"', '}', 0, 0 };
	unsigned char *note;
	size_t len;
	struct pkgnote_error err;
	ck_assert_int_eq(pn_note_encode("{\"a\":\"bc\"}", ELFDATA2MSB, &note, &len, &err), PKGNOTE_OK);
	ck_assert_uint_eq(len, sizeof want);
	ck_assert_mem_eq(note, want, sizeof want);

	struct pn_note_view v;
	ck_assert_int_eq(pn_note_parse(note, len, ELFDATA2MSB, 4, &v), 0);
	ck_assert(pn_note_is_package(&v));
	ck_assert_uint_eq(v.descsz, 11);
	ck_assert_int_eq(pn_note_json_len(&v), 10);
	ck_assert_uint_eq(v.record_size, len);
	/* Read in the wrong byte order it is not a package note. */
	ck_assert(pn_note_parse(note, len, ELFDATA2LSB, 4, &v) != 0 || !pn_note_is_package(&v));
	free(note);
}
END_TEST

START_TEST(note_with_padded_descsz)
{
	/* bfd and mold count the padding in n_descsz: the JSON ends at its NUL. */
	static const unsigned char bfd[] = {
		0x04, 0, 0, 0, 0x0c, 0, 0, 0, 0x7e, 0x1a, 0xfe, 0xca, 'F', 'D', 'O', 0,
		'{', '"', 'a', '"', ':', '"', 'b', '"', '}', 0, 0, 0 };
	struct pn_note_view v;
	ck_assert_int_eq(pn_note_parse(bfd, sizeof bfd, ELFDATA2LSB, 4, &v), 0);
	ck_assert(pn_note_is_package(&v));
	ck_assert_int_eq(pn_note_json_len(&v), 9);
	ck_assert_uint_eq(v.record_size, sizeof bfd);
}
END_TEST

START_TEST(note_malformed)
{
	unsigned char huge[16] = { 0x04, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x7e, 0x1a, 0xfe, 0xca,
				   'F', 'D', 'O', 0 };
	struct pn_note_view v;
	ck_assert_int_eq(pn_note_parse(huge, sizeof huge, ELFDATA2LSB, 4, &v), -1);
	ck_assert_int_eq(pn_note_parse(huge, 11, ELFDATA2LSB, 4, &v), -1);
	/* No NUL in the descriptor: no JSON text. */
	static const unsigned char nonul[] = { 0x04, 0, 0, 0, 0x04, 0, 0, 0, 0x7e, 0x1a, 0xfe, 0xca,
					       'F', 'D', 'O', 0, '{', '}', '{', '}' };
	ck_assert_int_eq(pn_note_parse(nonul, sizeof nonul, ELFDATA2LSB, 4, &v), 0);
	ck_assert_int_eq(pn_note_json_len(&v), -1);
	/* Too long for the limit. */
	char *big = malloc(PKGNOTE_JSON_MAX + 2);
	memset(big, 'x', PKGNOTE_JSON_MAX + 1);
	big[PKGNOTE_JSON_MAX + 1] = '\0';
	unsigned char *note = NULL;
	size_t len;
	struct pkgnote_error err;
	ck_assert_int_eq(pn_note_encode(big, ELFDATA2LSB, &note, &len, &err), PKGNOTE_BAD_JSON);
	ck_assert_ptr_null(note);
	free(big);
}
END_TEST

START_TEST(phdr_32bit_big_endian)
{
	GElf_Phdr ph = { .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = 0x1234, .p_vaddr = 0x10001234,
			 .p_paddr = 0x10001234, .p_filesz = 0x48, .p_memsz = 0x48, .p_align = 4 };
	unsigned char bytes[32];
	ck_assert_uint_eq(pn_fsize(ELFCLASS32, ELF_T_PHDR, 1), 32);
	ck_assert_int_eq(pn_encode(ELFCLASS32, ELFDATA2MSB, ELF_T_PHDR, &ph, 1, bytes), 0);
	static const unsigned char want[] = { 0, 0, 0, 4, 0, 0, 0x12, 0x34, 0x10, 0, 0x12, 0x34,
					      0x10, 0, 0x12, 0x34, 0, 0, 0, 0x48, 0, 0, 0, 0x48,
					      0, 0, 0, 4, 0, 0, 0, 4 };
	ck_assert_mem_eq(bytes, want, sizeof want);
	GElf_Phdr back;
	ck_assert_int_eq(pn_decode(ELFCLASS32, ELFDATA2MSB, ELF_T_PHDR, bytes, 1, &back), 0);
	ck_assert_mem_eq(&back, &ph, sizeof ph);
	/* A 64-bit value cannot go into a 32-bit file. */
	ph.p_offset = 0x100000000ULL;
	ck_assert_int_eq(pn_encode(ELFCLASS32, ELFDATA2MSB, ELF_T_PHDR, &ph, 1, bytes), -1);
}
END_TEST

START_TEST(sym_64bit_little_endian)
{
	GElf_Sym s = { .st_name = 7, .st_info = GELF_ST_INFO(STB_LOCAL, STT_SECTION),
		       .st_shndx = 5, .st_value = 0x4750, .st_size = 0 };
	unsigned char bytes[24];
	ck_assert_int_eq(pn_encode(ELFCLASS64, ELFDATA2LSB, ELF_T_SYM, &s, 1, bytes), 0);
	ck_assert_uint_eq(bytes[0], 7);
	ck_assert_uint_eq(bytes[6], 5);
	ck_assert_uint_eq(bytes[8], 0x50);
	ck_assert_uint_eq(bytes[9], 0x47);
	GElf_Sym back;
	ck_assert_int_eq(pn_decode(ELFCLASS64, ELFDATA2LSB, ELF_T_SYM, bytes, 1, &back), 0);
	ck_assert_mem_eq(&back, &s, sizeof s);
}
END_TEST

START_TEST(free_space_set)
{
	struct pn_space s = { 0 };
	pn_space_add(&s, 100, 200);
	pn_space_add(&s, 300, 400);
	pn_space_add(&s, 200, 250);     /* touches: merges */
	ck_assert_uint_eq(s.n, 2);
	ck_assert(pn_space_contains(&s, 100, 250));
	ck_assert(!pn_space_contains(&s, 100, 260));
	pn_space_remove(&s, 120, 130);  /* splits */
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(pn_space_first_fit(&s, 8, 8, 0, 1000), 104);
	ck_assert_uint_eq(pn_space_first_fit(&s, 100, 4, 0, 1000), 132);
	ck_assert_uint_eq(pn_space_first_fit(&s, 100, 4, 160, 1000), 300);
	ck_assert_uint_eq(pn_space_first_fit(&s, 121, 4, 0, 1000), UINT64_MAX);
	ck_assert_uint_eq(pn_space_first_fit(&s, 100, 4, 0, 200), UINT64_MAX);
	ck_assert_uint_eq(pn_space_first_fit(&s, 10, 1, 310, 1000), 310);
	ck_assert_uint_eq(pn_space_largest(&s, 1000), 120);
	pn_space_remove(&s, 0, 1000);
	ck_assert_uint_eq(s.n, 0);
	pn_space_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("codecs");
	TCase *tc = tcase_create("bytes");
	tcase_add_test(tc, note_little_endian);
	tcase_add_test(tc, note_big_endian);
	tcase_add_test(tc, note_with_padded_descsz);
	tcase_add_test(tc, note_malformed);
	tcase_add_test(tc, phdr_32bit_big_endian);
	tcase_add_test(tc, sym_64bit_little_endian);
	tcase_add_test(tc, free_space_set);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
