/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of pkgnote_json_compact: every package-metadata rule accepted
 * and rejected, the exact compact bytes, idempotence and the size limits.
 */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkgnote.h"

/* Inputs are given as C strings unless they hold a NUL byte: then `len`
 * says how long they are. */
struct accept_case {
	const char *in;
	const char *out;
};

struct reject_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *needle;	/* both must occur in the message */
	const char *needle2;
};

/* Run the function and check that it succeeded with exactly `out`; keeps
 * the per-test code to the case table. */
static void expect_ok(const char *in, size_t len, const char *out)
{
	struct pkgnote_error err = { 0 };
	char *compact = (char *)"unset";
	enum pkgnote_status st = pkgnote_json_compact(in, len, "meta.json", &compact, &err);

	ck_assert_msg(st == PKGNOTE_OK, "rejected %s: %s", in, err.message);
	ck_assert_ptr_nonnull(compact);
	ck_assert_str_eq(compact, out);
	free(compact);
}

/* Check a rejection the way a user sees it: the status, one line, the input
 * named first, and the part of the reason the case cares about. */
static void expect_bad(const char *in, size_t len, const char *needle, const char *needle2)
{
	struct pkgnote_error err = { 0 };
	char *compact = (char *)"unset";
	enum pkgnote_status st = pkgnote_json_compact(in, len, "meta.json", &compact, &err);

	ck_assert_msg(st == PKGNOTE_BAD_JSON, "status %d for %s (%s)", st, in, compact ? compact : "");
	ck_assert_int_eq(err.status, PKGNOTE_BAD_JSON);
	ck_assert_ptr_null(compact);
	ck_assert_msg(strncmp(err.message, "meta.json: ", 11) == 0, "message: %s", err.message);
	ck_assert_msg(strchr(err.message, '\n') == NULL, "not one line: %s", err.message);
	ck_assert_msg(strstr(err.message, needle) != NULL, "for %s: '%s' not in '%s'",
		      in, needle, err.message);
	if (needle2 != NULL)
		ck_assert_msg(strstr(err.message, needle2) != NULL, "for %s: '%s' not in '%s'",
			      in, needle2, err.message);
}

/* Compact twice: the second pass must give back the same bytes. */
static void expect_idempotent(const char *in)
{
	struct pkgnote_error err = { 0 };
	char *once = NULL, *twice = NULL;

	ck_assert_int_eq(pkgnote_json_compact(in, strlen(in), "a", &once, &err), PKGNOTE_OK);
	ck_assert_int_eq(pkgnote_json_compact(once, strlen(once), "b", &twice, &err), PKGNOTE_OK);
	ck_assert_str_eq(once, twice);
	free(once);
	free(twice);
}

static const struct accept_case accept_cases[] = {
	{ "{}", "{}" },
	{ " \n\t\r{ \t}\r\n ", "{}" },
	/* the Fedora shape, already compact */
	{ "{\"type\":\"rpm\",\"name\":\"coreutils\",\"version\":\"9.4-7.fc40\","
	  "\"architecture\":\"x86_64\",\"osCpe\":\"cpe:/o:fedoraproject:fedora:40\"}",
	  "{\"type\":\"rpm\",\"name\":\"coreutils\",\"version\":\"9.4-7.fc40\","
	  "\"architecture\":\"x86_64\",\"osCpe\":\"cpe:/o:fedoraproject:fedora:40\"}" },
	/* the manual's example, pretty-printed */
	{ "{\n  \"type\": \"deb\",\n  \"os\": \"debian\",\n  \"osVersion\": \"12\",\n"
	  "  \"name\": \"hello\",\n  \"version\": \"2.10-3\",\n  \"architecture\": \"amd64\"\n}\n",
	  "{\"type\":\"deb\",\"os\":\"debian\",\"osVersion\":\"12\",\"name\":\"hello\","
	  "\"version\":\"2.10-3\",\"architecture\":\"amd64\"}" },
	{ "{ \"name\": \"tool\", \"version\": \"1.0\" }\n", "{\"name\":\"tool\",\"version\":\"1.0\"}" },
	{ "{\r\n\t\"name\" :\t\"x\" ,\r\n\t\"os\" : \"fedora\"\r\n}\r\n", "{\"name\":\"x\",\"os\":\"fedora\"}" },
	/* every well-known key as a string */
	{ "{\"type\":\"rpm\",\"os\":\"fedora\",\"osVersion\":\"40\",\"name\":\"n\",\"version\":\"1\","
	  "\"architecture\":\"x86_64\",\"osCpe\":\"cpe:/o:f:f:40\",\"debugInfoUrl\":\"https://d/\"}",
	  "{\"type\":\"rpm\",\"os\":\"fedora\",\"osVersion\":\"40\",\"name\":\"n\",\"version\":\"1\","
	  "\"architecture\":\"x86_64\",\"osCpe\":\"cpe:/o:f:f:40\",\"debugInfoUrl\":\"https://d/\"}" },
	/* keys keep their input order */
	{ "{ \"z\": 1, \"a\": 2, \"m\": 3 }", "{\"z\":1,\"a\":2,\"m\":3}" },
	/* '/' is not escaped, and an escaped one is written plain */
	{ "{\"debugInfoUrl\": \"https:\\/\\/debuginfod.fedoraproject.org\\/\"}",
	  "{\"debugInfoUrl\":\"https://debuginfod.fedoraproject.org/\"}" },
	{ "{\"a/b\\/c\": \"/\"}", "{\"a/b/c\":\"/\"}" },
	{ "{\"a\": \"q\\\"b\\\\c\"}", "{\"a\":\"q\\\"b\\\\c\"}" },
	/* UTF-8 stays raw UTF-8 */
	{ "{ \"\xc3\xa9\": \"\xe6\x97\xa5\xe6\x9c\xac\", \"name\": \"\xe6\x97\xa5\xe6\x9c\xac\" }",
	  "{\"\xc3\xa9\":\"\xe6\x97\xa5\xe6\x9c\xac\",\"name\":\"\xe6\x97\xa5\xe6\x9c\xac\"}" },
	{ "{\"e\":\"\xf0\x9f\x98\x80\",\"max\":\"\xf4\x8f\xbf\xbf\",\"c1\":\"\xc2\x80\",\"bmp\":\"\xef\xbf\xbf\"}",
	  "{\"e\":\"\xf0\x9f\x98\x80\",\"max\":\"\xf4\x8f\xbf\xbf\",\"c1\":\"\xc2\x80\",\"bmp\":\"\xef\xbf\xbf\"}" },
	/* nesting, every kind of value */
	{ "{ \"a\" : { \"b\" : [ 1 , { \"c\" : null } ] , \"d\" : [ ] } , \"e\" : true , \"f\" : false }",
	  "{\"a\":{\"b\":[1,{\"c\":null}],\"d\":[]},\"e\":true,\"f\":false}" },
	{ "{\"type\":\"rpm\",\"extra\":{\"x\":[1,2.5,\"s\",null,true,{}]},\"n\":-3}",
	  "{\"type\":\"rpm\",\"extra\":{\"x\":[1,2.5,\"s\",null,true,{}]},\"n\":-3}" },
	/* well-known names below the top level are ordinary keys */
	{ "{\"meta\":{\"name\":1,\"version\":[1]},\"list\":[{\"os\":null}]}",
	  "{\"meta\":{\"name\":1,\"version\":[1]},\"list\":[{\"os\":null}]}" },
	/* names are case-sensitive */
	{ "{\"Name\":1,\"NAME\":true,\"name\":\"n\"}", "{\"Name\":1,\"NAME\":true,\"name\":\"n\"}" },
	/* the same name in different objects is fine */
	{ "{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}]}",
	  "{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}]}" },
	/* names that differ once decoded are distinct: a, A, a\, a\/ and a/ */
	{ "{\"a\":1,\"A\":2,\"a\\\\\":3,\"a\\\\/\":4,\"a/\":5}",
	  "{\"a\":1,\"A\":2,\"a\\\\\":3,\"a\\\\/\":4,\"a/\":5}" },
	{ "{\"\":\"\"}", "{\"\":\"\"}" },
	/* doubles are kept as written */
	{ "{\"a\":1.50,\"b\":1e3,\"c\":1E+03,\"d\":-0.0,\"e\":0.1,\"f\":1e-400,"
	  "\"g\":12345678901234567890.5,\"h\":1e308,\"i\":-1.5e-7,\"j\":1.7976931348623157e308}",
	  "{\"a\":1.50,\"b\":1e3,\"c\":1E+03,\"d\":-0.0,\"e\":0.1,\"f\":1e-400,"
	  "\"g\":12345678901234567890.5,\"h\":1e308,\"i\":-1.5e-7,\"j\":1.7976931348623157e308}" },
	/* integers are printed from their value: -0 becomes 0 */
	{ "{\"a\":-0,\"b\":0,\"c\":-12,\"d\":100}", "{\"a\":0,\"b\":0,\"c\":-12,\"d\":100}" },
	/* the 53-bit boundary; past it only as a double */
	{ "{\"max\":9007199254740991,\"min\":-9007199254740991,\"d\":9007199254740992.0,\"e\":1e20,"
	  "\"f\":[9007199254740991,-9007199254740991]}",
	  "{\"max\":9007199254740991,\"min\":-9007199254740991,\"d\":9007199254740992.0,\"e\":1e20,"
	  "\"f\":[9007199254740991,-9007199254740991]}" },
	{ "{\"p\":4503599627370496,\"q\":-1000000000000000}",
	  "{\"p\":4503599627370496,\"q\":-1000000000000000}" },
};

static const struct reject_case reject_cases[] = {
	/* not one object */
	{ "", 0, "empty input", NULL },
	{ " \n\t ", 0, "empty input", NULL },
	{ "[1]", 0, "line 1, column 1: top-level value must be an object", NULL },
	{ "\n  \"name\"", 0, "line 2, column 3: top-level value must be an object", NULL },
	{ "42", 0, "top-level value must be an object", NULL },
	{ "-1", 0, "top-level value must be an object", NULL },
	{ "true", 0, "top-level value must be an object", NULL },
	{ "null", 0, "top-level value must be an object", NULL },
	{ "x", 0, "line 1, column 1: unexpected character 'x'", NULL },
	{ "{\"a\":1} x", 0, "line 1, column 9: unexpected data after the JSON object", NULL },
	{ "{}{}", 0, "line 1, column 3: unexpected data after the JSON object", NULL },
	{ "{}\n\n]", 0, "line 3, column 1: unexpected data", NULL },
	/* syntax, with positions */
	{ "{\"a\":1,}", 0, "line 1, column 8: trailing comma in object", NULL },
	{ "{\"a\":[1,]}", 0, "line 1, column 9: trailing comma in array", NULL },
	{ "{\"a\" 1}", 0, "line 1, column 6: unexpected character '1', expected ':'", NULL },
	{ "{\"a\":1 \"b\":2}", 0, "line 1, column 8:", "expected ',' or '}'" },
	{ "{\"a\":[1 2]}", 0, "line 1, column 9:", "expected ',' or ']'" },
	{ "{'a':1}", 0, "line 1, column 2: unexpected character", "expected a key string" },
	{ "{a:1}", 0, "line 1, column 2: unexpected character 'a'", NULL },
	{ "{\"a\":01}", 0, "line 1, column 6: leading zeros", NULL },
	{ "{\"a\":-01}", 0, "line 1, column 6: leading zeros", NULL },
	{ "{\"a\":1.}", 0, "line 1, column 6: invalid number", NULL },
	{ "{\"a\":.5}", 0, "line 1, column 6: unexpected character '.'", NULL },
	{ "{\"a\":+1}", 0, "line 1, column 6: unexpected character '+'", NULL },
	{ "{\"a\":1e}", 0, "invalid number", "exponent" },
	{ "{\"a\":1e+}", 0, "invalid number", "exponent" },
	{ "{\"a\":-}", 0, "line 1, column 6: invalid number", NULL },
	{ "{\"a\":0x10}", 0, "line 1, column 6: invalid number", NULL },
	{ "{\"a\":1.5.2}", 0, "line 1, column 6: invalid number", NULL },
	{ "{\"a\":tru}", 0, "line 1, column 6: invalid literal", NULL },
	{ "{\"a\":truex}", 0, "line 1, column 6: invalid literal", NULL },
	{ "{\"a\":None}", 0, "line 1, column 6: invalid literal", NULL },
	{ "{\"a\":}", 0, "line 1, column 6: unexpected character '}', expected a value", NULL },
	{ "{\"a\":\"b", 0, "line 1, column 6: unterminated string", NULL },
	{ "{\"a\":\"b\\", 0, "line 1, column 6: unterminated string", NULL },
	{ "{\"a\":1", 0, "line 1, column 7: unexpected end of input", NULL },
	{ "{\"a\":", 0, "line 1, column 6: unexpected end of input", NULL },
	{ "{", 0, "line 1, column 2: unexpected end of input", NULL },
	{ "/*c*/{}", 0, "line 1, column 1: unexpected character '/'", NULL },
	{ "{\n  \"a\": 1,\n  \"b\" 2\n}", 0, "line 3, column 7: unexpected character '2'", NULL },
	/* columns count characters, not bytes */
	{ "{\"\xc3\xa9\":1 x}", 0, "line 1, column 8: unexpected character 'x'", NULL },
	{ "{\"\xe6\x97\xa5\xe6\x9c\xac\":1,\xe6\x97\xa5}", 0, "line 1, column 9: unexpected character U+65E5", NULL },
	/* encoding */
	{ "{\"a\":\"\x80\"}", 0, "line 1, column 7: invalid UTF-8", "continuation" },
	{ "{\"a\":\"\xc3\"}", 0, "line 1, column 7: invalid UTF-8", "truncated" },
	{ "{\"a\":\"\xc3", 0, "line 1, column 7: invalid UTF-8", "truncated" },
	{ "{\"a\":\"\xe6\x97\"}", 0, "line 1, column 7: invalid UTF-8", "truncated" },
	{ "{\"a\":\"\xc0\xaf\"}", 0, "invalid UTF-8", "overlong" },
	{ "{\"a\":\"\xc1\xbf\"}", 0, "invalid UTF-8", "overlong" },
	{ "{\"a\":\"\xe0\x80\xaf\"}", 0, "invalid UTF-8", "overlong" },
	{ "{\"a\":\"\xe0\x9f\xbf\"}", 0, "invalid UTF-8", "overlong" },
	{ "{\"a\":\"\xf0\x80\x80\xaf\"}", 0, "invalid UTF-8", "overlong" },
	{ "{\"a\":\"\xf0\x8f\xbf\xbf\"}", 0, "invalid UTF-8", "overlong" },
	{ "{\"a\":\"\xed\xa0\x80\"}", 0, "line 1, column 7: invalid UTF-8", "surrogate" },
	{ "{\"a\":\"\xed\xbf\xbf\"}", 0, "invalid UTF-8", "surrogate" },
	{ "{\"\xed\xb0\x80\":1}", 0, "line 1, column 3: invalid UTF-8", "surrogate" },
	{ "{\"a\":\"\xf4\x90\x80\x80\"}", 0, "invalid UTF-8", "above U+10FFFF" },
	{ "{\"a\":\"\xf7\xbf\xbf\xbf\"}", 0, "invalid UTF-8", "above U+10FFFF" },
	{ "{\"a\":\"\xff\"}", 0, "line 1, column 7: invalid UTF-8", NULL },
	{ "{\"a\":\"\xf8\x88\x80\x80\x80\"}", 0, "invalid UTF-8", NULL },
	{ "{\"\xe6\x97\xa5\xe6\x9c\xac\":\"\xff\"}", 0, "line 1, column 8: invalid UTF-8", NULL },
	{ "{\"a\":1}\xff", 0, "line 1, column 8: invalid UTF-8", NULL },
	{ "\xef\xbb\xbf{}", 0, "line 1, column 1:", "byte order mark" },
	{ "{\"a\":\"b\0c\"}", 11, "line 1, column 8: NUL byte", NULL },
	{ "{\"a\":1}\0", 8, "line 1, column 8: NUL byte", NULL },
	{ "\0{}", 3, "line 1, column 1: NUL byte", NULL },
	{ "{\"a\0\":1}", 8, "NUL byte", NULL },
	/* control characters, raw or escaped, reported at the string */
	{ "{\"name\":\"a\\tb\"}", 0, "line 1, column 9: control character in string", NULL },
	{ "{\"a\":\"x\ty\"}", 0, "line 1, column 6: control character in string", NULL },
	{ "{\"a\":\"x\ny\"}", 0, "line 1, column 6: control character in string", NULL },
	{ "{\"a\":\"\x01\"}", 0, "line 1, column 6: control character in string", NULL },
	{ "{\"a\":\"\x1f\"}", 0, "control character in string", NULL },
	{ "{\"a\":\"\x7f\"}", 0, "control character in string", NULL },
	{ "{\"a\":\"\r\"}", 0, "control character in string", NULL },
	{ "{\"a\":\"\\n\"}", 0, "control character in string", "\\n" },
	{ "{\"a\":\"\\r\"}", 0, "control character in string", "\\r" },
	{ "{\"a\":\"\\b\"}", 0, "control character in string", "\\b" },
	{ "{\"a\":\"\\f\"}", 0, "control character in string", "\\f" },
	{ "{\"a\\tb\":1}", 0, "line 1, column 2: control character in string", NULL },
	{ "{\"a\x7f\":1}", 0, "line 1, column 2: control character in string", NULL },
	{ "{\"x\":{\"y\":[\"ok\",\"\\t\"]}}", 0, "line 1, column 17: control character in string", NULL },
	/* no \u escapes at all, not even harmless ones */
	{ "{\"a\":1,\n\"\\u0041\":2}", 0, "line 2, column 1: \\u escapes are not allowed", NULL },
	{ "{\"a\":\"\\u00e9\"}", 0, "line 1, column 6: \\u escapes are not allowed", NULL },
	{ "{\"a\":\"\\u0000\"}", 0, "\\u escapes are not allowed", NULL },
	{ "{\"a\":\"\\ud83d\\ude00\"}", 0, "\\u escapes are not allowed", NULL },
	{ "{\"a\":\"\\u\"}", 0, "\\u escapes are not allowed", NULL },
	{ "{\"a\":\"\\x41\"}", 0, "line 1, column 6: invalid escape \\x", NULL },
	{ "{\"a\":\"\\'\"}", 0, "invalid escape \\'", NULL },
	{ "{\"a\":\"\\a\"}", 0, "invalid escape \\a", NULL },
	{ "{\"a\":\"\\\xc3\xa9\"}", 0, "line 1, column 6: invalid escape", NULL },
	/* duplicate names, at every level */
	{ "{\"name\":\"a\",\"name\":\"b\"}", 0, "line 1, column 13: duplicate key \"name\"", NULL },
	{ "{\n  \"name\": \"a\",\n  \"version\": \"1\", \"name\": \"b\"\n}", 0,
	  "line 3, column 19: duplicate key \"name\"", NULL },
	{ "{\r\n\"a\":1,\r\n\"a\":2}", 0, "line 3, column 1: duplicate key \"a\"", NULL },
	{ "{\"x\":1,\"unknown\":{},\"unknown\":[]}", 0, "duplicate key \"unknown\"", NULL },
	{ "{\"a\":{\"b\":1,\"b\":1}}", 0, "line 1, column 13: duplicate key \"b\"", NULL },
	{ "{\"a\":[{\"b\":{\"c\":1,\"d\":2,\"c\":3}}]}", 0, "duplicate key \"c\"", "line 1, column 25:" },
	{ "{\"a\":[[],[{\"x\":[{\"deep\":1,\"deep\":2}]}]]}", 0, "duplicate key \"deep\"", NULL },
	{ "{\"x\":{\"k\":1},\"y\":{\"k\":1},\"x\":2}", 0, "line 1, column 26: duplicate key \"x\"", NULL },
	{ "{\"a/\":1,\"a\\/\":2}", 0, "duplicate key \"a\\/\"", NULL },
	{ "{\"\\/\":1,\"/\":2}", 0, "duplicate key \"/\"", NULL },
	{ "{\"\\\"\":1,\"\\\"\":2}", 0, "duplicate key \"\\\"\"", NULL },
	{ "{\"\":1,\"\":2}", 0, "duplicate key \"\"", NULL },
	{ "{\"\xc3\xa9\":1,\"\xc3\xa9\":2}", 0, "line 1, column 8: duplicate key \"\xc3\xa9\"", NULL },
	{ "{\"\xe6\x97\xa5\xe6\x9c\xac\":1,\n \"\xe6\x97\xa5\xe6\x9c\xac\":2}", 0,
	  "line 2, column 2: duplicate key \"\xe6\x97\xa5\xe6\x9c\xac\"", NULL },
	/* a long name is quoted cut, still one line */
	{ "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1,"
	  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":2}", 0,
	  "duplicate key \"aaaaaaaaaaaaaaaa", "...\"" },
	/* NaN, Infinity, overflow */
	{ "{\"a\":NaN}", 0, "line 1, column 6: NaN and Infinity are not allowed", NULL },
	{ "{\"a\":-NaN}", 0, "NaN and Infinity are not allowed", NULL },
	{ "{\"a\":Infinity}", 0, "NaN and Infinity are not allowed", NULL },
	{ "{\"a\":[-Infinity]}", 0, "line 1, column 7: NaN and Infinity are not allowed", NULL },
	{ "{\"a\":1e400}", 0, "line 1, column 6: number 1e400 is too large", NULL },
	{ "{\"a\":-1e309}", 0, "number -1e309 is too large", NULL },
	{ "{\"a\":1.8e308}", 0, "number 1.8e308 is too large", NULL },
	{ "{\"a\":1e99999999999999999999}", 0, "too large", NULL },
	{ "{\"a\":9007199254740992}", 0, "line 1, column 6: integer 9007199254740992 is outside the range", NULL },
	{ "{\"a\":-9007199254740992}", 0, "integer -9007199254740992 is outside the range", NULL },
	{ "{\"a\":[18446744073709551616]}", 0, "line 1, column 7: integer 18446744073709551616", NULL },
	{ "{\"a\":{\"b\":99999999999999999999}}", 0, "integer 99999999999999999999 is outside", NULL },
	{ "{\"a\":10000000000000000}", 0, "outside the range", NULL },
	{ "{\"a\":123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890}", 0,
	  "integer 1234567890123456789012345678901234567890123456789012345678901234...", NULL },
};

/* Well-known keys: each must hold a string at the top level. */
static const char *const string_keys[] = {
	"type", "os", "osVersion", "name", "version", "architecture", "osCpe", "debugInfoUrl",
};

static const char *const non_strings[] = { "1", "1.5", "true", "false", "null", "{}", "[]", "[\"x\"]" };

#define N_OF(a) (sizeof (a) / sizeof (a)[0])

START_TEST(test_accept)
{
	const struct accept_case *c = &accept_cases[_i];

	expect_ok(c->in, strlen(c->in), c->out);
}
END_TEST

START_TEST(test_idempotent)
{
	const struct accept_case *c = &accept_cases[_i];

	expect_idempotent(c->in);
	/* the stored form is a fixed point as it stands */
	expect_ok(c->out, strlen(c->out), c->out);
}
END_TEST

START_TEST(test_reject)
{
	const struct reject_case *c = &reject_cases[_i];

	expect_bad(c->in, c->len ? c->len : strlen(c->in), c->needle, c->needle2);
}
END_TEST

START_TEST(test_string_key_not_string)
{
	const char *key = string_keys[_i];
	char in[128], want[128];

	snprintf(want, sizeof want, "meta.json: key \"%s\": must be a string", key);
	for (size_t v = 0; v < N_OF(non_strings); v++) {
		struct pkgnote_error err = { 0 };
		char *compact = NULL;
		snprintf(in, sizeof in, "{\"other\":1, \"%s\" : %s}", key, non_strings[v]);
		ck_assert_int_eq(pkgnote_json_compact(in, strlen(in), "meta.json", &compact, &err),
				 PKGNOTE_BAD_JSON);
		ck_assert_str_eq(err.message, want);
		ck_assert_ptr_null(compact);
	}
	/* and as a string it is accepted */
	snprintf(in, sizeof in, "{\"%s\":\"x\"}", key);
	expect_ok(in, strlen(in), in);
}
END_TEST

/* The limit applies to the compact form: whitespace does not count. */
START_TEST(test_compact_size_limit)
{
	const size_t frame = strlen("{\"a\":\"\"}");
	size_t n = PKGNOTE_JSON_MAX - frame;
	char *in = malloc(n + 64), *out = malloc(n + 64);

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	snprintf(in, n + 64, "{ \"a\" : \"%0*d\" }\n", (int)n, 0);
	snprintf(out, n + 64, "{\"a\":\"%0*d\"}", (int)n, 0);
	ck_assert_uint_eq(strlen(out), PKGNOTE_JSON_MAX);
	expect_ok(in, strlen(in), out);

	snprintf(in, n + 64, "{ \"a\" : \"%0*d\" }\n", (int)n + 1, 0);
	expect_bad(in, strlen(in), "compact JSON is 2049 bytes", "limit of 2048 bytes");
	free(in);
	free(out);
}
END_TEST

START_TEST(test_input_size_limit)
{
	char *in = malloc(PKGNOTE_JSON_INPUT_MAX + 2);

	ck_assert_ptr_nonnull(in);
	memset(in, ' ', PKGNOTE_JSON_INPUT_MAX + 1);
	memcpy(in, "{}", 2);
	expect_ok(in, PKGNOTE_JSON_INPUT_MAX, "{}");
	expect_bad(in, PKGNOTE_JSON_INPUT_MAX + 1, "input is 65537 bytes", "limit of 65536 bytes");
	free(in);
}
END_TEST

/* Builds {"k0":0,...} with `n` members and optionally a repeat of one key
 * at the end: enough members to make the key set grow several times. */
static char *many_keys(unsigned n, int repeat)
{
	size_t size = (size_t)n * 16 + 64, used = 0;
	char *in = malloc(size);

	ck_assert_ptr_nonnull(in);
	in[used++] = '{';
	for (unsigned i = 0; i < n; i++)
		used += (size_t)snprintf(in + used, size - used, "%s\"k%u\":%u", i ? "," : "", i, i);
	if (repeat >= 0)
		used += (size_t)snprintf(in + used, size - used, ",\"k%d\":0", repeat);
	snprintf(in + used, size - used, "}");
	return in;
}

START_TEST(test_many_keys)
{
	char *in = many_keys(4000, -1);

	ck_assert_uint_lt(strlen(in), PKGNOTE_JSON_INPUT_MAX);
	/* valid, only too large once compact */
	expect_bad(in, strlen(in), "compact JSON is", "more than the limit of 2048");
	free(in);

	in = many_keys(4000, 1717);
	expect_bad(in, strlen(in), "duplicate key \"k1717\"", "line 1, column");
	free(in);

	in = many_keys(200, 0);
	expect_bad(in, strlen(in), "duplicate key \"k0\"", NULL);
	free(in);

	in = many_keys(150, -1);
	ck_assert_uint_le(strlen(in), PKGNOTE_JSON_MAX);
	expect_ok(in, strlen(in), in);
	free(in);
}
END_TEST

/* {"a":[[...]]} with `levels` containers in all (arrays or objects). */
static void nest(char *buf, size_t size, int levels, bool objects)
{
	size_t n = 0;

	n += (size_t)snprintf(buf + n, size - n, "{");
	for (int i = 1; i < levels; i++)
		n += (size_t)snprintf(buf + n, size - n, objects ? "\"a\":{" : (i == 1 ? "\"a\":[" : "["));
	for (int i = levels - 1; i >= 1; i--)
		n += (size_t)snprintf(buf + n, size - n, objects ? "}" : "]");
	snprintf(buf + n, size - n, "}");
}

START_TEST(test_depth)
{
	char buf[512];

	nest(buf, sizeof buf, 32, false);
	expect_ok(buf, strlen(buf), buf);
	nest(buf, sizeof buf, 32, true);
	expect_ok(buf, strlen(buf), buf);
	nest(buf, sizeof buf, 33, false);
	expect_bad(buf, strlen(buf), "line 1, column 37: objects and arrays nested deeper than 32", NULL);
	nest(buf, sizeof buf, 33, true);
	expect_bad(buf, strlen(buf), "nested deeper than 32 levels", NULL);
}
END_TEST

START_TEST(test_fedora_document)
{
	const char *doc = "{\"type\":\"rpm\",\"name\":\"coreutils\",\"version\":\"9.4-7.fc40\","
			  "\"architecture\":\"x86_64\",\"osCpe\":\"cpe:/o:fedoraproject:fedora:40\"}";
	const char *pretty = "{\n"
			     "    \"type\": \"rpm\",\n"
			     "    \"name\": \"coreutils\",\n"
			     "    \"version\": \"9.4-7.fc40\",\n"
			     "    \"architecture\": \"x86_64\",\n"
			     "    \"osCpe\": \"cpe:\\/o:fedoraproject:fedora:40\"\n"
			     "}\n";

	expect_ok(doc, strlen(doc), doc);
	expect_ok(pretty, strlen(pretty), doc);
	expect_idempotent(pretty);
}
END_TEST

/* The message starts with whatever names the input, "-" for stdin. */
START_TEST(test_what_and_null_err)
{
	struct pkgnote_error err = { 0 };
	char *compact = NULL;

	ck_assert_int_eq(pkgnote_json_compact("[]", 2, "-", &compact, &err), PKGNOTE_BAD_JSON);
	ck_assert_str_eq(err.message, "-: line 1, column 1: top-level value must be an object");
	/* a caller that does not want the message */
	ck_assert_int_eq(pkgnote_json_compact("{\"a\":1,\"a\":1}", 13, "x", &compact, NULL),
			 PKGNOTE_BAD_JSON);
	ck_assert_ptr_null(compact);
	ck_assert_int_eq(pkgnote_json_compact(NULL, 0, "x", &compact, &err), PKGNOTE_BAD_JSON);
	ck_assert_str_eq(err.message, "x: empty input, expected a JSON object");
	/* the length is what counts, not a terminating NUL */
	expect_ok("{\"a\":1}garbage", 7, "{\"a\":1}");
}
END_TEST

/* A program may run in a locale whose decimal point is ',': the range check
 * of doubles must not depend on it.  Only meaningful where such a locale is
 * installed; elsewhere it checks the C locale once more. */
START_TEST(test_locale_independent)
{
	static const char *const names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8" };

	for (size_t i = 0; i < N_OF(names); i++) {
		if (setlocale(LC_NUMERIC, names[i]) != NULL)
			break;
	}
	expect_bad("{\"a\":1.8e308}", 13, "too large", NULL);
	expect_ok("{\"a\":1.5e308}", 13, "{\"a\":1.5e308}");
	setlocale(LC_NUMERIC, "C");
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc;

	tc = tcase_create("accept");
	tcase_add_loop_test(tc, test_accept, 0, (int)N_OF(accept_cases));
	tcase_add_loop_test(tc, test_idempotent, 0, (int)N_OF(accept_cases));
	tcase_add_test(tc, test_fedora_document);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_add_loop_test(tc, test_reject, 0, (int)N_OF(reject_cases));
	tcase_add_loop_test(tc, test_string_key_not_string, 0, (int)N_OF(string_keys));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_compact_size_limit);
	tcase_add_test(tc, test_input_size_limit);
	tcase_add_test(tc, test_many_keys);
	tcase_add_test(tc, test_depth);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_test(tc, test_what_and_null_err);
	tcase_add_test(tc, test_locale_independent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
