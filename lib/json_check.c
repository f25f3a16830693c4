/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation and compaction of package metadata JSON.
 *
 * json-c is lenient where the package-metadata rules are strict (it accepts
 * single quotes, NaN, "1.", \u escapes, control characters, integers that
 * overflow, and it keeps the last of duplicate keys), so the text is first
 * checked by a small recursive-descent scanner of our own that knows the
 * whole grammar and every rule and reports the first problem with its line
 * and column.  Only text the scanner accepted is handed to json-c, which
 * builds the tree and prints the compact form.
 *
 * Positions in messages: lines and columns are 1-based, columns count
 * characters (UTF-8 sequences), not bytes.  A problem inside a string is
 * reported at the string's opening quote.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* newlocale, strtod_l */
#endif
#include <errno.h>
#include <json-c/json.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pkgnote.h"

/* Deepest nesting of objects and arrays (the top-level object is 1), the
 * same limit as json-c's default so that both parsers agree. */
#define MAX_DEPTH 32
/* Largest magnitude of an integer: 2^53 - 1. */
#define INT53_MAX 9007199254740991ULL
/* Most bytes of a key or number quoted in a message. */
#define QUOTE_MAX 64

struct scanner {
	const char *text;
	size_t len;
	size_t pos;
	const char *what;
	struct pkgnote_error *err;
	locale_t c_locale;	/* for strtod_l; created on the first double */
};

/* A raw key, as written between its quotes (escapes not decoded). */
struct key_slot {
	const char *raw;	/* NULL: the slot is free */
	size_t len;
	uint32_t hash;
};

/* The keys seen so far in one object: an open-addressing hash set, so that
 * an object with thousands of members does not cost quadratic time. */
struct key_set {
	struct key_slot *slot;
	size_t cap;		/* a power of two, or 0 */
	size_t used;
};

/* Top-level keys whose value must be a string when present. */
static const char *const string_keys[] = {
	"type", "os", "osVersion", "name", "version", "architecture", "osCpe",
	"debugInfoUrl",
};

/* Line and column of a byte offset, for messages.  Continuation bytes do not
 * advance the column, so that a column matches what an editor shows. */
static void line_col(const char *text, size_t off, unsigned long *line, unsigned long *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else if ((c & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

/* Every problem found in the text goes through here, so that all of them
 * carry the position in the same form. */
__attribute__((format(printf, 3, 4)))
static enum pkgnote_status fail_at(const struct scanner *s, size_t off, const char *fmt, ...)
{
	char reason[400];
	va_list ap;
	unsigned long line, col;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	line_col(s->text, off, &line, &col);
	return pn_fail(s->err, PKGNOTE_BAD_JSON, s->what, "line %lu, column %lu: %s",
		       line, col, reason);
}

/* Running out of memory is not the input's fault: say so with another
 * status than PKGNOTE_BAD_JSON. */
static enum pkgnote_status fail_nomem(const struct scanner *s)
{
	return pn_fail_errno(s->err, PKGNOTE_IO, ENOMEM, s->what, "cannot check the JSON");
}

/* How many bytes of a span to quote in a message: at most QUOTE_MAX, never
 * cutting a UTF-8 sequence or an escape in two (the message stays valid
 * UTF-8 and reads like the JSON it quotes). */
static int quote_len(const char *p, size_t len)
{
	if (len <= QUOTE_MAX)
		return (int)len;
	size_t n = QUOTE_MAX;
	while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
		n--;
	size_t bs = 0;
	while (bs < n && p[n - 1 - bs] == '\\')
		bs++;
	if (bs % 2 == 1)
		n--;
	return (int)n;
}

/* The "..." that tells a quoted span was cut. */
static const char *quote_more(size_t len)
{
	return len > QUOTE_MAX ? "..." : "";
}

/* Name the character at `off` in a message: printable ASCII as itself,
 * anything else as a code point, which stays readable and one line. */
static void describe_char(const struct scanner *s, size_t off, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s->text + off;
	uint32_t cp = p[0];

	if (cp > 0x20 && cp < 0x7F) {
		snprintf(buf, size, cp == '\'' ? "\"%c\"" : "'%c'", (int)cp);
		return;
	}
	/* The text is valid UTF-8 by now (check_bytes ran first). */
	if (cp >= 0xF0)
		cp = ((cp & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
	else if (cp >= 0xE0)
		cp = ((cp & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
	else if (cp >= 0xC0)
		cp = ((cp & 0x1Fu) << 6) | (p[1] & 0x3Fu);
	snprintf(buf, size, "U+%04X", (unsigned)cp);
}

/* Length of the UTF-8 sequence at `i`, or 0 with *why set when it is not a
 * valid one.  Overlong forms, surrogates and code points past U+10FFFF are
 * refused here, so that nothing later has to think about them. */
static size_t utf8_seq(const unsigned char *p, size_t avail, const char **why)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c < 0xC0) {
		*why = "invalid UTF-8: unexpected continuation byte";
		return 0;
	} else if (c < 0xE0) {
		n = 2;
		cp = c & 0x1Fu;
		min = 0x80;
	} else if (c < 0xF0) {
		n = 3;
		cp = c & 0x0Fu;
		min = 0x800;
	} else if (c < 0xF8) {
		n = 4;
		cp = c & 0x07u;
		min = 0x10000;
	} else {
		*why = "invalid UTF-8: byte 0xF8-0xFF";
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (i >= avail || (p[i] & 0xC0) != 0x80) {
			*why = "invalid UTF-8: truncated sequence";
			return 0;
		}
		cp = (cp << 6) | (p[i] & 0x3Fu);
	}
	if (cp < min) {
		*why = "invalid UTF-8: overlong sequence";
		return 0;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF) {
		*why = "invalid UTF-8: surrogate code point";
		return 0;
	}
	if (cp > 0x10FFFF) {
		*why = "invalid UTF-8: code point above U+10FFFF";
		return 0;
	}
	return n;
}

/* Encoding problems are checked over the whole text before the grammar, so
 * that the scanner can take valid UTF-8 without NUL bytes for granted. */
static enum pkgnote_status check_bytes(const struct scanner *s)
{
	const unsigned char *p = (const unsigned char *)s->text;

	if (s->len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		return fail_at(s, 0, "a UTF-8 byte order mark is not allowed");
	for (size_t i = 0; i < s->len;) {
		const char *why = NULL;
		if (p[i] == 0)
			return fail_at(s, i, "NUL byte in input");
		size_t n = utf8_seq(p + i, s->len - i, &why);
		if (n == 0)
			return fail_at(s, i, "%s", why);
		i += n;
	}
	return PKGNOTE_OK;
}

static void skip_ws(struct scanner *s)
{
	while (s->pos < s->len) {
		char c = s->text[s->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		s->pos++;
	}
}

static bool at_end(const struct scanner *s)
{
	return s->pos >= s->len;
}

static char peek(const struct scanner *s)
{
	return at_end(s) ? '\0' : s->text[s->pos];
}

/* The generic complaint when the next character fits nothing. */
static enum pkgnote_status fail_unexpected(const struct scanner *s, const char *expected)
{
	char c[16];

	if (at_end(s))
		return fail_at(s, s->pos, "unexpected end of input, expected %s", expected);
	describe_char(s, s->pos, c, sizeof c);
	return fail_at(s, s->pos, "unexpected character %s, expected %s", c, expected);
}

/* Hash of a key after decoding its escapes, so that "a/" and "a\/" collide
 * as they must (FNV-1a: short, good enough for a few keys). */
static uint32_t key_hash(const char *raw, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\\')
			i++;	/* the only escapes left are \" \\ \/: the next byte is the value */
		h = (h ^ (unsigned char)raw[i]) * 16777619u;
	}
	return h;
}

/* Compare two raw keys by their decoded value, without decoding into a
 * buffer (the only escapes that pass the string rules stand for the byte
 * that follows the backslash). */
static bool key_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	while (i < alen && j < blen) {
		if (a[i] == '\\')
			i++;
		if (b[j] == '\\')
			j++;
		if (a[i] != b[j])
			return false;
		i++;
		j++;
	}
	return i == alen && j == blen;
}

/* Grow the set when half full, keeping probe chains short. */
static bool key_set_grow(struct key_set *set)
{
	size_t cap = set->cap ? set->cap * 2 : 16;
	struct key_slot *slot = calloc(cap, sizeof *slot);

	if (slot == NULL)
		return false;
	for (size_t i = 0; i < set->cap; i++) {
		if (set->slot[i].raw == NULL)
			continue;
		size_t k = set->slot[i].hash & (cap - 1);
		while (slot[k].raw != NULL)
			k = (k + 1) & (cap - 1);
		slot[k] = set->slot[i];
	}
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
	return true;
}

/* Add a key; 1 if it was new, 0 if the object already had it, -1 when out
 * of memory. */
static int key_set_add(struct key_set *set, const char *raw, size_t len)
{
	if ((set->used + 1) * 2 > set->cap && !key_set_grow(set))
		return -1;
	uint32_t h = key_hash(raw, len);
	size_t k = h & (set->cap - 1);
	while (set->slot[k].raw != NULL) {
		if (set->slot[k].hash == h && key_equal(set->slot[k].raw, set->slot[k].len, raw, len))
			return 0;
		k = (k + 1) & (set->cap - 1);
	}
	set->slot[k] = (struct key_slot){ .raw = raw, .len = len, .hash = h };
	set->used++;
	return 1;
}

/* A string (key or value).  On success *raw and *raw_len span its content
 * between the quotes.  Content problems are reported at the opening quote:
 * the string is what the user has to fix. */
static enum pkgnote_status scan_string(struct scanner *s, const char **raw, size_t *raw_len)
{
	size_t quote = s->pos;

	s->pos++;
	for (;;) {
		if (at_end(s))
			return fail_at(s, quote, "unterminated string");
		unsigned char c = (unsigned char)s->text[s->pos];
		if (c == '"')
			break;
		if (c < 0x20 || c == 0x7F)
			return fail_at(s, quote, "control character in string");
		if (c != '\\') {
			s->pos++;
			continue;
		}
		if (s->pos + 1 >= s->len)
			return fail_at(s, quote, "unterminated string");
		char e = s->text[s->pos + 1];
		switch (e) {
		case '"':
		case '\\':
		case '/':
			break;
		case 'u':
			return fail_at(s, quote, "\\u escapes are not allowed");
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			return fail_at(s, quote, "control character in string (escape \\%c)", e);
		default:
			if (e > 0x20 && e < 0x7F)
				return fail_at(s, quote, "invalid escape \\%c in string", e);
			return fail_at(s, quote, "invalid escape in string");
		}
		s->pos += 2;
	}
	*raw = s->text + quote + 1;
	*raw_len = s->pos - quote - 1;
	s->pos++;
	return PKGNOTE_OK;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A character that may not directly follow a number or a literal: what
 * would make "1.5.2", "0x10" or "truex" look accepted up to a point. */
static bool is_word_char(char c)
{
	return is_digit(c) || c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether a double in the text is finite.  strtod_l with the C locale, as
 * the library may run in a program whose locale writes "1,5". */
static enum pkgnote_status check_double(struct scanner *s, size_t start, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return fail_nomem(s);
	memcpy(copy, s->text + start, len);
	copy[len] = '\0';
	if (s->c_locale == (locale_t)0) {
		s->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (s->c_locale == (locale_t)0) {
			free(copy);
			return fail_nomem(s);
		}
	}
	double v = strtod_l(copy, NULL, s->c_locale);
	free(copy);
	if (isinf(v))
		return fail_at(s, start, "number %.*s%s is too large for a double",
			       quote_len(s->text + start, len), s->text + start, quote_more(len));
	return PKGNOTE_OK;
}

/* A number, by the JSON grammar, then the range rules: integers (no
 * fraction, no exponent) within +-(2^53-1), any other number finite.  The
 * range is checked on the text: json-c would silently clamp or widen. */
static enum pkgnote_status scan_number(struct scanner *s)
{
	size_t start = s->pos;
	bool integer = true;

	if (peek(s) == '-')
		s->pos++;
	if (peek(s) == '0') {
		s->pos++;
		if (is_digit(peek(s)))
			return fail_at(s, start, "leading zeros are not allowed in numbers");
	} else if (is_digit(peek(s))) {
		while (is_digit(peek(s)))
			s->pos++;
	} else {
		return fail_at(s, start, "invalid number");
	}
	if (peek(s) == '.') {
		integer = false;
		s->pos++;
		if (!is_digit(peek(s)))
			return fail_at(s, start, "invalid number: digit expected after '.'");
		while (is_digit(peek(s)))
			s->pos++;
	}
	if (peek(s) == 'e' || peek(s) == 'E') {
		integer = false;
		s->pos++;
		if (peek(s) == '+' || peek(s) == '-')
			s->pos++;
		if (!is_digit(peek(s)))
			return fail_at(s, start, "invalid number: digit expected in exponent");
		while (is_digit(peek(s)))
			s->pos++;
	}
	if (is_word_char(peek(s)))
		return fail_at(s, start, "invalid number");

	const char *num = s->text + start;
	size_t len = s->pos - start;
	if (!integer)
		return check_double(s, start, len);

	const char *digits = num[0] == '-' ? num + 1 : num;
	size_t ndigits = len - (size_t)(digits - num);
	uint64_t v = 0;
	if (ndigits <= 16) {	/* 2^53-1 has 16 digits; more cannot fit */
		for (size_t i = 0; i < ndigits; i++)
			v = v * 10 + (uint64_t)(digits[i] - '0');
	}
	if (ndigits > 16 || v > INT53_MAX)
		return fail_at(s, start, "integer %.*s%s is outside the range -(2^53-1)..2^53-1",
			       quote_len(num, len), num, quote_more(len));
	return PKGNOTE_OK;
}

/* true, false, null; and a clear word for NaN and Infinity, which some
 * JSON writers emit and json-c would accept. */
static enum pkgnote_status scan_literal(struct scanner *s)
{
	static const char *const words[] = { "true", "false", "null" };
	const char *p = s->text + s->pos;
	size_t avail = s->len - s->pos;

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i]);
		if (avail >= n && memcmp(p, words[i], n) == 0) {
			s->pos += n;
			if (is_word_char(peek(s)))
				return fail_at(s, s->pos - n, "invalid literal");
			return PKGNOTE_OK;
		}
	}
	const char *q = (avail > 0 && *p == '-') ? p + 1 : p;
	size_t qa = avail - (size_t)(q - p);
	if ((qa >= 3 && memcmp(q, "NaN", 3) == 0) || (qa >= 8 && memcmp(q, "Infinity", 8) == 0))
		return fail_at(s, s->pos, "NaN and Infinity are not allowed");
	if (avail > 0 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return fail_at(s, s->pos, "invalid literal");
	return fail_unexpected(s, "a value");
}

static enum pkgnote_status scan_value(struct scanner *s, int depth);

/* Nesting is bounded so that recursion is, and so that json-c (which has
 * the same bound) never refuses what we accepted. */
static enum pkgnote_status enter(const struct scanner *s, int depth)
{
	if (depth > MAX_DEPTH)
		return fail_at(s, s->pos, "objects and arrays nested deeper than %d levels", MAX_DEPTH);
	return PKGNOTE_OK;
}

/* Whether a top-level key is one of the well-known ones.  Comparing the raw
 * text is enough: none of them contains a character that could be escaped. */
static bool is_string_key(const char *raw, size_t len)
{
	for (size_t i = 0; i < sizeof string_keys / sizeof string_keys[0]; i++) {
		if (strlen(string_keys[i]) == len && memcmp(string_keys[i], raw, len) == 0)
			return true;
	}
	return false;
}

/* One member of an object: key, colon, value.  `keys` remembers the names
 * of the object, as json-c would keep only the last of duplicates. */
static enum pkgnote_status scan_member(struct scanner *s, int depth, struct key_set *keys)
{
	size_t key_off = s->pos;
	const char *raw;
	size_t raw_len;
	enum pkgnote_status st = scan_string(s, &raw, &raw_len);

	if (st != PKGNOTE_OK)
		return st;
	int added = key_set_add(keys, raw, raw_len);
	if (added < 0)
		return fail_nomem(s);
	if (added == 0)
		return fail_at(s, key_off, "duplicate key \"%.*s%s\"",
			       quote_len(raw, raw_len), raw, quote_more(raw_len));
	skip_ws(s);
	if (peek(s) != ':')
		return fail_unexpected(s, "':' after a key");
	s->pos++;
	skip_ws(s);
	if (depth == 1 && !at_end(s) && peek(s) != '"' && is_string_key(raw, raw_len))
		return pn_fail(s->err, PKGNOTE_BAD_JSON, s->what, "key \"%.*s\": must be a string",
			       (int)raw_len, raw);
	return scan_value(s, depth);
}

/* An object; the caller saw its '{'.  The key set lives exactly as long as
 * the object, so nested objects have their own. */
static enum pkgnote_status scan_object(struct scanner *s, int depth)
{
	struct key_set keys = { 0 };
	enum pkgnote_status st = enter(s, depth);

	if (st != PKGNOTE_OK)
		return st;
	s->pos++;
	skip_ws(s);
	if (peek(s) == '}') {
		s->pos++;
		return PKGNOTE_OK;
	}
	for (;;) {
		if (peek(s) != '"') {
			st = fail_unexpected(s, "a key string");
			break;
		}
		st = scan_member(s, depth, &keys);
		if (st != PKGNOTE_OK)
			break;
		skip_ws(s);
		if (peek(s) == '}') {
			s->pos++;
			break;
		}
		if (peek(s) != ',') {
			st = fail_unexpected(s, "',' or '}'");
			break;
		}
		s->pos++;
		skip_ws(s);
		if (peek(s) == '}') {
			st = fail_at(s, s->pos, "trailing comma in object");
			break;
		}
	}
	free(keys.slot);
	return st;
}

/* An array; the caller saw its '['. */
static enum pkgnote_status scan_array(struct scanner *s, int depth)
{
	enum pkgnote_status st = enter(s, depth);

	if (st != PKGNOTE_OK)
		return st;
	s->pos++;
	skip_ws(s);
	if (peek(s) == ']') {
		s->pos++;
		return PKGNOTE_OK;
	}
	for (;;) {
		st = scan_value(s, depth);
		if (st != PKGNOTE_OK)
			return st;
		skip_ws(s);
		if (peek(s) == ']') {
			s->pos++;
			return PKGNOTE_OK;
		}
		if (peek(s) != ',')
			return fail_unexpected(s, "',' or ']'");
		s->pos++;
		skip_ws(s);
		if (peek(s) == ']')
			return fail_at(s, s->pos, "trailing comma in array");
	}
}

/* Any value, at nesting `depth` (that of the container holding it). */
static enum pkgnote_status scan_value(struct scanner *s, int depth)
{
	const char *raw;
	size_t raw_len;
	char c = peek(s);

	if (at_end(s))
		return fail_unexpected(s, "a value");
	if (c == '{')
		return scan_object(s, depth + 1);
	if (c == '[')
		return scan_array(s, depth + 1);
	if (c == '"')
		return scan_string(s, &raw, &raw_len);
	if (c == '-' || is_digit(c)) {
		char next = s->pos + 1 < s->len ? s->text[s->pos + 1] : '\0';
		if (next == 'I' || next == 'N')
			return scan_literal(s);		/* -Infinity, -NaN */
		return scan_number(s);
	}
	return scan_literal(s);
}

/* The whole text: one object, whitespace around it, nothing else. */
static enum pkgnote_status scan_document(struct scanner *s)
{
	enum pkgnote_status st = check_bytes(s);

	if (st != PKGNOTE_OK)
		return st;
	skip_ws(s);
	if (at_end(s))
		return pn_fail(s->err, PKGNOTE_BAD_JSON, s->what, "empty input, expected a JSON object");
	char c = peek(s);
	if (c != '{') {
		if (c == '[' || c == '"' || c == '-' || is_digit(c) || c == 't' || c == 'f' || c == 'n')
			return fail_at(s, s->pos, "top-level value must be an object");
		return fail_unexpected(s, "a JSON object");
	}
	st = scan_object(s, 1);
	if (st != PKGNOTE_OK)
		return st;
	skip_ws(s);
	if (!at_end(s))
		return fail_at(s, s->pos, "unexpected data after the JSON object");
	return PKGNOTE_OK;
}

/* Build the tree with json-c and print it compact.  The scanner accepted
 * the text, so a json-c error here means the two disagree; it is still
 * reported with a position rather than trusted away. */
static enum pkgnote_status compact_with_jsonc(const struct scanner *s, char **compact)
{
	struct json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	enum pkgnote_status st = PKGNOTE_OK;
	struct json_object *obj;

	if (tok == NULL)
		return fail_nomem(s);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, s->text, (int)s->len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		st = fail_at(s, json_tokener_get_parse_end(tok), "JSON syntax error: %s",
			     jerr == json_tokener_continue ? "unexpected end of input"
							    : json_tokener_error_desc(jerr));
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		st = fail_at(s, 0, "top-level value must be an object");
		goto out;
	}
	size_t n = 0;
	const char *text = json_object_to_json_string_length(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (text == NULL) {
		st = fail_nomem(s);
		goto out;
	}
	if (n > PKGNOTE_JSON_MAX) {
		st = pn_fail(s->err, PKGNOTE_BAD_JSON, s->what,
			     "compact JSON is %zu bytes, more than the limit of %d bytes",
			     n, PKGNOTE_JSON_MAX);
		goto out;
	}
	if (compact != NULL) {
		*compact = malloc(n + 1);
		if (*compact == NULL) {
			st = fail_nomem(s);
			goto out;
		}
		memcpy(*compact, text, n + 1);
	}
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return st;
}

enum pkgnote_status pkgnote_json_compact(const char *text, size_t len, const char *what,
					 char **compact, struct pkgnote_error *err)
{
	struct scanner s = {
		.text = text,
		.len = len,
		.what = what,
		.err = err,
	};
	enum pkgnote_status st;

	if (compact != NULL)
		*compact = NULL;
	if (text == NULL || len == 0)
		return pn_fail(err, PKGNOTE_BAD_JSON, what, "empty input, expected a JSON object");
	if (len > PKGNOTE_JSON_INPUT_MAX)
		return pn_fail(err, PKGNOTE_BAD_JSON, what,
			       "input is %zu bytes, more than the limit of %d bytes",
			       len, PKGNOTE_JSON_INPUT_MAX);
	st = scan_document(&s);
	if (st == PKGNOTE_OK)
		st = compact_with_jsonc(&s, compact);
	if (s.c_locale != (locale_t)0)
		freelocale(s.c_locale);
	return st;
}
