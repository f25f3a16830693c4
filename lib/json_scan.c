/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict recursive-descent scanner of package metadata JSON: the grammar
 * (objects, arrays, strings, literals) and the entry point.
 *
 * json-c is lenient where the package-metadata rules are strict (it accepts
 * single quotes, NaN, "1.", \u escapes, control characters, integers that
 * overflow, and it keeps the last of duplicate keys), so the text is checked
 * here first, by a scanner that knows the whole grammar and every rule and
 * reports the first problem with its line and column.  Numbers, duplicate
 * keys and the well-known keys are checked by their own files, called from
 * here.  A problem inside a string is reported at the string's opening
 * quote.
 */
#include <string.h>

#include "error.h"
#include "json_keys.h"
#include "json_known_keys.h"
#include "json_number.h"
#include "json_report.h"
#include "json_scan.h"
#include "json_utf8.h"

static void skip_ws(struct pn_json_scanner *s)
{
	while (s->pos < s->len) {
		char c = s->text[s->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		s->pos++;
	}
}

/* A string (key or value).  On success *raw and *raw_len span its content
 * between the quotes.  Content problems are reported at the opening quote:
 * the string is what the user has to fix. */
static enum pkgnote_status scan_string(struct pn_json_scanner *s, const char **raw,
				       size_t *raw_len)
{
	size_t quote = s->pos;

	s->pos++;
	for (;;) {
		if (pn_json_at_end(s))
			return pn_json_fail_at(s, quote, "unterminated string");
		unsigned char c = (unsigned char)s->text[s->pos];
		if (c == '"')
			break;
		if (c < 0x20 || c == 0x7F)
			return pn_json_fail_at(s, quote, "control character in string");
		if (c != '\\') {
			s->pos++;
			continue;
		}
		if (s->pos + 1 >= s->len)
			return pn_json_fail_at(s, quote, "unterminated string");
		char e = s->text[s->pos + 1];
		switch (e) {
		case '"':
		case '\\':
		case '/':
			break;
		case 'u':
			return pn_json_fail_at(s, quote, "\\u escapes are not allowed");
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			return pn_json_fail_at(s, quote, "control character in string (escape \\%c)", e);
		default:
			if (e > 0x20 && e < 0x7F)
				return pn_json_fail_at(s, quote, "invalid escape \\%c in string", e);
			return pn_json_fail_at(s, quote, "invalid escape in string");
		}
		s->pos += 2;
	}
	*raw = s->text + quote + 1;
	*raw_len = s->pos - quote - 1;
	s->pos++;
	return PKGNOTE_OK;
}

/* true, false, null; and a clear word for NaN and Infinity, which some
 * JSON writers emit and json-c would accept. */
static enum pkgnote_status scan_literal(struct pn_json_scanner *s)
{
	static const char *const words[] = { "true", "false", "null" };
	const char *p = s->text + s->pos;
	size_t avail = s->len - s->pos;

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i]);
		if (avail >= n && memcmp(p, words[i], n) == 0) {
			s->pos += n;
			if (pn_json_is_word_char(pn_json_peek(s)))
				return pn_json_fail_at(s, s->pos - n, "invalid literal");
			return PKGNOTE_OK;
		}
	}
	const char *q = (avail > 0 && *p == '-') ? p + 1 : p;
	size_t qa = avail - (size_t)(q - p);
	if ((qa >= 3 && memcmp(q, "NaN", 3) == 0) || (qa >= 8 && memcmp(q, "Infinity", 8) == 0))
		return pn_json_fail_at(s, s->pos, "NaN and Infinity are not allowed");
	if (avail > 0 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return pn_json_fail_at(s, s->pos, "invalid literal");
	return pn_json_fail_unexpected(s, "a value");
}

static enum pkgnote_status scan_value(struct pn_json_scanner *s, int depth);

/* Nesting is bounded so that recursion is, and so that json-c (which has
 * the same bound) never refuses what we accepted. */
static enum pkgnote_status enter(const struct pn_json_scanner *s, int depth)
{
	if (depth > PN_JSON_MAX_DEPTH)
		return pn_json_fail_at(s, s->pos, "objects and arrays nested deeper than %d levels",
				       PN_JSON_MAX_DEPTH);
	return PKGNOTE_OK;
}

/* One member of an object: key, colon, value.  `keys` remembers the names
 * of the object, as json-c would keep only the last of duplicates. */
static enum pkgnote_status scan_member(struct pn_json_scanner *s, int depth,
				       struct pn_json_key_set *keys)
{
	size_t key_off = s->pos;
	const char *raw;
	size_t raw_len;
	enum pkgnote_status st = scan_string(s, &raw, &raw_len);

	if (st != PKGNOTE_OK)
		return st;
	int added = pn_json_key_set_add(keys, raw, raw_len);
	if (added < 0)
		return pn_json_fail_nomem(s);
	if (added == 0)
		return pn_json_fail_at(s, key_off, "duplicate key \"%.*s%s\"",
				       pn_json_quote_len(raw, raw_len), raw,
				       pn_json_quote_more(raw_len));
	skip_ws(s);
	if (pn_json_peek(s) != ':')
		return pn_json_fail_unexpected(s, "':' after a key");
	s->pos++;
	skip_ws(s);
	st = pn_json_check_key_type(s, depth, raw, raw_len);
	if (st != PKGNOTE_OK)
		return st;
	return scan_value(s, depth);
}

/* An object; the caller saw its '{'.  The key set lives exactly as long as
 * the object, so nested objects have their own. */
static enum pkgnote_status scan_object(struct pn_json_scanner *s, int depth)
{
	struct pn_json_key_set keys = { 0 };
	enum pkgnote_status st = enter(s, depth);

	if (st != PKGNOTE_OK)
		return st;
	s->pos++;
	skip_ws(s);
	if (pn_json_peek(s) == '}') {
		s->pos++;
		return PKGNOTE_OK;
	}
	for (;;) {
		if (pn_json_peek(s) != '"') {
			st = pn_json_fail_unexpected(s, "a key string");
			break;
		}
		st = scan_member(s, depth, &keys);
		if (st != PKGNOTE_OK)
			break;
		skip_ws(s);
		if (pn_json_peek(s) == '}') {
			s->pos++;
			break;
		}
		if (pn_json_peek(s) != ',') {
			st = pn_json_fail_unexpected(s, "',' or '}'");
			break;
		}
		s->pos++;
		skip_ws(s);
		if (pn_json_peek(s) == '}') {
			st = pn_json_fail_at(s, s->pos, "trailing comma in object");
			break;
		}
	}
	pn_json_key_set_free(&keys);
	return st;
}

/* An array; the caller saw its '['. */
static enum pkgnote_status scan_array(struct pn_json_scanner *s, int depth)
{
	enum pkgnote_status st = enter(s, depth);

	if (st != PKGNOTE_OK)
		return st;
	s->pos++;
	skip_ws(s);
	if (pn_json_peek(s) == ']') {
		s->pos++;
		return PKGNOTE_OK;
	}
	for (;;) {
		st = scan_value(s, depth);
		if (st != PKGNOTE_OK)
			return st;
		skip_ws(s);
		if (pn_json_peek(s) == ']') {
			s->pos++;
			return PKGNOTE_OK;
		}
		if (pn_json_peek(s) != ',')
			return pn_json_fail_unexpected(s, "',' or ']'");
		s->pos++;
		skip_ws(s);
		if (pn_json_peek(s) == ']')
			return pn_json_fail_at(s, s->pos, "trailing comma in array");
	}
}

/* Any value, at nesting `depth` (that of the container holding it). */
static enum pkgnote_status scan_value(struct pn_json_scanner *s, int depth)
{
	const char *raw;
	size_t raw_len;
	char c = pn_json_peek(s);

	if (pn_json_at_end(s))
		return pn_json_fail_unexpected(s, "a value");
	if (c == '{')
		return scan_object(s, depth + 1);
	if (c == '[')
		return scan_array(s, depth + 1);
	if (c == '"')
		return scan_string(s, &raw, &raw_len);
	if (c == '-' || pn_json_is_digit(c)) {
		char next = s->pos + 1 < s->len ? s->text[s->pos + 1] : '\0';
		if (next == 'I' || next == 'N')
			return scan_literal(s);		/* -Infinity, -NaN */
		return pn_json_scan_number(s);
	}
	return scan_literal(s);
}

/* The whole text: one object, whitespace around it, nothing else. */
enum pkgnote_status pn_json_scan_document(struct pn_json_scanner *s)
{
	enum pkgnote_status st = pn_json_check_bytes(s);

	if (st != PKGNOTE_OK)
		return st;
	skip_ws(s);
	if (pn_json_at_end(s))
		return pn_fail(s->err, PKGNOTE_BAD_JSON, s->what, "empty input, expected a JSON object");
	char c = pn_json_peek(s);
	if (c != '{') {
		if (c == '[' || c == '"' || c == '-' || pn_json_is_digit(c) || c == 't' || c == 'f' ||
		    c == 'n')
			return pn_json_fail_at(s, s->pos, "top-level value must be an object");
		return pn_json_fail_unexpected(s, "a JSON object");
	}
	st = scan_object(s, 1);
	if (st != PKGNOTE_OK)
		return st;
	skip_ws(s);
	if (!pn_json_at_end(s))
		return pn_json_fail_at(s, s->pos, "unexpected data after the JSON object");
	return PKGNOTE_OK;
}
