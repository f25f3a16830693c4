/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkgnote_json_compact: the one parser of package metadata JSON.
 *
 * A strict recursive-descent parser that checks every package-metadata rule
 * while it reads the text, and writes the compact form as it goes.  json-c
 * is not used for this: it accepts what the rules forbid (single quotes,
 * NaN, "1.", \u escapes, raw control characters, integers that overflow),
 * keeps the last of duplicate keys and reports no line and column, so
 * checking its result would take a second reading of the text anyway.
 *
 * Two passes: the bytes (UTF-8, no NUL: json_utf8.c), then the grammar,
 * here.  The first problem is reported with its line and column
 * (json_report.c); a problem inside a string at its opening quote.
 *
 * The compact form is the text without insignificant whitespace, keys in
 * input order, every token as written but for two: "\/" is written "/",
 * and the integer -0 is written 0 (as json-c's printer writes it, so a
 * note compacted by json-c compares equal).  It is never longer than the
 * input, so it goes into one buffer of the input's size.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strtod_l, freelocale */
#endif
#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json_keys.h"
#include "json_report.h"
#include "json_utf8.h"

/* Deepest nesting of objects and arrays (the top-level object is 1): bounds
 * the recursion.  json-c's default depth, so that what json-c reads back
 * this parser accepts. */
#define MAX_DEPTH 32

/* Largest magnitude of an integer: 2^53 - 1. */
#define INT53_MAX 9007199254740991ULL

struct parser {
	struct pn_json_text in;
	size_t pos;		/* next byte of in.text to read */
	char *out;		/* the compact form, in.len + 1 bytes */
	size_t out_len;
	locale_t c_locale;	/* for strtod_l; created on the first double */
};

static bool at_end(const struct parser *p)
{
	return p->pos >= p->in.len;
}

static char peek(const struct parser *p)
{
	return at_end(p) ? '\0' : p->in.text[p->pos];
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A character that may not directly follow a number or a literal: what
 * would make "1.5.2", "0x10" or "truex" look accepted up to a point. */
static bool is_word_char(char c)
{
	return is_digit(c) || c == '.' || c == '_' || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* Append to the compact form.  Called only after the bytes it stands for
 * were read, so the output never overtakes the input. */
static void emit(struct parser *p, const char *s, size_t n)
{
	assert(p->out_len + n <= p->pos);
	memcpy(p->out + p->out_len, s, n);
	p->out_len += n;
}

static void emit_char(struct parser *p, char c)
{
	emit(p, &c, 1);
}

static void skip_ws(struct parser *p)
{
	while (!at_end(p)) {
		char c = p->in.text[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static enum pkgnote_status fail_unexpected(const struct parser *p, const char *expected)
{
	return pn_json_fail_unexpected(&p->in, p->pos, expected);
}

/* A string (key or value), read and written.  *raw and *raw_len span its
 * content between the quotes, escapes not decoded.  The only escapes the
 * rules leave are \" \\ \/; the last is written as a plain '/'. */
static enum pkgnote_status parse_string(struct parser *p, const char **raw, size_t *raw_len)
{
	size_t quote = p->pos;

	p->pos++;
	for (;;) {
		if (at_end(p))
			return pn_json_fail_at(&p->in, quote, "unterminated string");
		unsigned char c = (unsigned char)p->in.text[p->pos];
		if (c == '"')
			break;
		if (c < 0x20 || c == 0x7F)
			return pn_json_fail_at(&p->in, quote, "control character in string");
		if (c != '\\') {
			p->pos++;
			continue;
		}
		if (p->pos + 1 >= p->in.len)
			return pn_json_fail_at(&p->in, quote, "unterminated string");
		char e = p->in.text[p->pos + 1];
		switch (e) {
		case '"':
		case '\\':
		case '/':
			break;
		case 'u':
			return pn_json_fail_at(&p->in, quote, "\\u escapes are not allowed");
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			return pn_json_fail_at(&p->in, quote,
					       "control character in string (escape \\%c)", e);
		default:
			if (e > 0x20 && e < 0x7F)
				return pn_json_fail_at(&p->in, quote, "invalid escape \\%c in string", e);
			return pn_json_fail_at(&p->in, quote, "invalid escape in string");
		}
		p->pos += 2;
	}
	p->pos++;
	*raw = p->in.text + quote + 1;
	*raw_len = p->pos - quote - 2;

	const char *s = *raw;
	emit_char(p, '"');
	for (size_t i = 0; i < *raw_len; i++) {
		if (s[i] == '\\') {
			i++;
			if (s[i] != '/')
				emit_char(p, '\\');
		}
		emit_char(p, s[i]);
	}
	emit_char(p, '"');
	return PKGNOTE_OK;
}

/* true, false, null; and a clear word for NaN and Infinity, which some
 * JSON writers emit. */
static enum pkgnote_status parse_literal(struct parser *p)
{
	static const char *const words[] = { "true", "false", "null" };
	const char *s = p->in.text + p->pos;
	size_t avail = p->in.len - p->pos;

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i]);
		if (avail >= n && memcmp(s, words[i], n) == 0) {
			p->pos += n;
			if (is_word_char(peek(p)))
				return pn_json_fail_at(&p->in, p->pos - n, "invalid literal");
			emit(p, words[i], n);
			return PKGNOTE_OK;
		}
	}
	const char *q = (avail > 0 && *s == '-') ? s + 1 : s;
	size_t qa = avail - (size_t)(q - s);
	if ((qa >= 3 && memcmp(q, "NaN", 3) == 0) || (qa >= 8 && memcmp(q, "Infinity", 8) == 0))
		return pn_json_fail_at(&p->in, p->pos, "NaN and Infinity are not allowed");
	if (avail > 0 && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return pn_json_fail_at(&p->in, p->pos, "invalid literal");
	return fail_unexpected(p, "a value");
}

/* Whether the double text[start, start+len) is finite.  strtod_l with the
 * C locale, as the library may run in a program whose locale writes "1,5". */
static enum pkgnote_status check_double(struct parser *p, size_t start, size_t len)
{
	const char *num = p->in.text + start;
	char *copy = strndup(num, len);

	if (copy == NULL)
		return pn_json_fail_nomem(&p->in);
	if (p->c_locale == (locale_t)0) {
		p->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (p->c_locale == (locale_t)0) {
			free(copy);
			return pn_json_fail_nomem(&p->in);
		}
	}
	double v = strtod_l(copy, NULL, p->c_locale);
	free(copy);
	if (isinf(v))
		return pn_json_fail_at(&p->in, start, "number %.*s%s is too large for a double",
				       pn_json_quote_len(num, len), num, pn_json_quote_more(len));
	return PKGNOTE_OK;
}

/* A number, by the JSON grammar, then the range rules: integers (no
 * fraction, no exponent) within +-(2^53-1), any other number a finite
 * double.  The range is checked on the text, as a reader of the note that
 * parses it into a double or an int64 must get the value written. */
static enum pkgnote_status parse_number(struct parser *p)
{
	size_t start = p->pos;
	bool integer = true;

	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0') {
		p->pos++;
		if (is_digit(peek(p)))
			return pn_json_fail_at(&p->in, start, "leading zeros are not allowed in numbers");
	} else if (is_digit(peek(p))) {
		while (is_digit(peek(p)))
			p->pos++;
	} else {
		return pn_json_fail_at(&p->in, start, "invalid number");
	}
	if (peek(p) == '.') {
		integer = false;
		p->pos++;
		if (!is_digit(peek(p)))
			return pn_json_fail_at(&p->in, start, "invalid number: digit expected after '.'");
		while (is_digit(peek(p)))
			p->pos++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		integer = false;
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!is_digit(peek(p)))
			return pn_json_fail_at(&p->in, start, "invalid number: digit expected in exponent");
		while (is_digit(peek(p)))
			p->pos++;
	}
	if (is_word_char(peek(p)))
		return pn_json_fail_at(&p->in, start, "invalid number");

	const char *num = p->in.text + start;
	size_t len = p->pos - start;
	if (!integer) {
		enum pkgnote_status st = check_double(p, start, len);
		if (st == PKGNOTE_OK)
			emit(p, num, len);
		return st;
	}
	const char *digits = num[0] == '-' ? num + 1 : num;
	size_t ndigits = len - (size_t)(digits - num);
	uint64_t v = 0;
	if (ndigits <= 16) {	/* 2^53-1 has 16 digits; more cannot fit */
		for (size_t i = 0; i < ndigits; i++)
			v = v * 10 + (uint64_t)(digits[i] - '0');
	}
	if (ndigits > 16 || v > INT53_MAX)
		return pn_json_fail_at(&p->in, start,
				       "integer %.*s%s is outside the range -(2^53-1)..2^53-1",
				       pn_json_quote_len(num, len), num, pn_json_quote_more(len));
	if (v == 0)
		emit_char(p, '0');	/* "-0" too */
	else
		emit(p, num, len);
	return PKGNOTE_OK;
}

/* Top-level keys whose value must be a string when present. */
static const char *const string_keys[] = {
	"type", "os", "osVersion", "name", "version", "architecture", "osCpe",
	"debugInfoUrl",
};

/* A well-known top-level key whose value does not start with a string.
 * Comparing the raw text is enough: none of these keys contains a
 * character that could be escaped. */
static enum pkgnote_status check_key_type(const struct parser *p, int depth,
					  const char *raw, size_t len)
{
	if (depth != 1 || at_end(p) || peek(p) == '"')
		return PKGNOTE_OK;
	for (size_t i = 0; i < sizeof string_keys / sizeof string_keys[0]; i++) {
		if (strlen(string_keys[i]) == len && memcmp(string_keys[i], raw, len) == 0)
			return pn_fail(p->in.err, PKGNOTE_BAD_JSON, p->in.what,
				       "key \"%.*s\": must be a string", (int)len, raw);
	}
	return PKGNOTE_OK;
}

static enum pkgnote_status parse_value(struct parser *p, int depth);

/* Nesting is bounded so that recursion is. */
static enum pkgnote_status enter(const struct parser *p, int depth)
{
	if (depth > MAX_DEPTH)
		return pn_json_fail_at(&p->in, p->pos, "objects and arrays nested deeper than %d levels",
				       MAX_DEPTH);
	return PKGNOTE_OK;
}

/* One member of an object: key, colon, value.  `keys` holds the names the
 * object had so far: a name may occur once. */
static enum pkgnote_status parse_member(struct parser *p, int depth, struct pn_json_key_set *keys)
{
	size_t key_off = p->pos;
	const char *raw;
	size_t raw_len;
	enum pkgnote_status st = parse_string(p, &raw, &raw_len);

	if (st != PKGNOTE_OK)
		return st;
	int added = pn_json_key_set_add(keys, raw, raw_len);
	if (added < 0)
		return pn_json_fail_nomem(&p->in);
	if (added == 0)
		return pn_json_fail_at(&p->in, key_off, "duplicate key \"%.*s%s\"",
				       pn_json_quote_len(raw, raw_len), raw,
				       pn_json_quote_more(raw_len));
	skip_ws(p);
	if (peek(p) != ':')
		return fail_unexpected(p, "':' after a key");
	p->pos++;
	emit_char(p, ':');
	skip_ws(p);
	st = check_key_type(p, depth, raw, raw_len);
	if (st != PKGNOTE_OK)
		return st;
	return parse_value(p, depth);
}

/* An object at p->pos.  The key set lives exactly as long as the object,
 * so nested objects have their own. */
static enum pkgnote_status parse_object(struct parser *p, int depth)
{
	struct pn_json_key_set keys = { 0 };
	enum pkgnote_status st = enter(p, depth);

	if (st != PKGNOTE_OK)
		return st;
	p->pos++;
	emit_char(p, '{');
	skip_ws(p);
	if (peek(p) == '}') {
		p->pos++;
		emit_char(p, '}');
		return PKGNOTE_OK;
	}
	for (;;) {
		if (peek(p) != '"') {
			st = fail_unexpected(p, "a key string");
			break;
		}
		st = parse_member(p, depth, &keys);
		if (st != PKGNOTE_OK)
			break;
		skip_ws(p);
		if (peek(p) == '}') {
			p->pos++;
			emit_char(p, '}');
			break;
		}
		if (peek(p) != ',') {
			st = fail_unexpected(p, "',' or '}'");
			break;
		}
		p->pos++;
		emit_char(p, ',');
		skip_ws(p);
		if (peek(p) == '}') {
			st = pn_json_fail_at(&p->in, p->pos, "trailing comma in object");
			break;
		}
	}
	pn_json_key_set_free(&keys);
	return st;
}

/* An array at p->pos. */
static enum pkgnote_status parse_array(struct parser *p, int depth)
{
	enum pkgnote_status st = enter(p, depth);

	if (st != PKGNOTE_OK)
		return st;
	p->pos++;
	emit_char(p, '[');
	skip_ws(p);
	if (peek(p) == ']') {
		p->pos++;
		emit_char(p, ']');
		return PKGNOTE_OK;
	}
	for (;;) {
		st = parse_value(p, depth);
		if (st != PKGNOTE_OK)
			return st;
		skip_ws(p);
		if (peek(p) == ']') {
			p->pos++;
			emit_char(p, ']');
			return PKGNOTE_OK;
		}
		if (peek(p) != ',')
			return fail_unexpected(p, "',' or ']'");
		p->pos++;
		emit_char(p, ',');
		skip_ws(p);
		if (peek(p) == ']')
			return pn_json_fail_at(&p->in, p->pos, "trailing comma in array");
	}
}

/* Any value, at nesting `depth` (that of the container holding it). */
static enum pkgnote_status parse_value(struct parser *p, int depth)
{
	const char *raw;
	size_t raw_len;
	char c = peek(p);

	if (at_end(p))
		return fail_unexpected(p, "a value");
	if (c == '{')
		return parse_object(p, depth + 1);
	if (c == '[')
		return parse_array(p, depth + 1);
	if (c == '"')
		return parse_string(p, &raw, &raw_len);
	if (c == '-' || is_digit(c)) {
		char next = p->pos + 1 < p->in.len ? p->in.text[p->pos + 1] : '\0';
		if (next == 'I' || next == 'N')
			return parse_literal(p);	/* -Infinity, -NaN */
		return parse_number(p);
	}
	return parse_literal(p);
}

/* The whole text: valid UTF-8 without NUL bytes, then one object with
 * whitespace around it and nothing else. */
static enum pkgnote_status parse_document(struct parser *p)
{
	enum pkgnote_status st = pn_json_check_bytes(&p->in);

	if (st != PKGNOTE_OK)
		return st;
	skip_ws(p);
	if (at_end(p))
		return pn_fail(p->in.err, PKGNOTE_BAD_JSON, p->in.what,
			       "empty input, expected a JSON object");
	char c = peek(p);
	if (c != '{') {
		if (c == '[' || c == '"' || c == '-' || is_digit(c) || c == 't' || c == 'f' || c == 'n')
			return pn_json_fail_at(&p->in, p->pos, "top-level value must be an object");
		return fail_unexpected(p, "a JSON object");
	}
	st = parse_object(p, 1);
	if (st != PKGNOTE_OK)
		return st;
	skip_ws(p);
	if (!at_end(p))
		return pn_json_fail_at(&p->in, p->pos, "unexpected data after the JSON object");
	return PKGNOTE_OK;
}

enum pkgnote_status pkgnote_json_compact(const char *text, size_t len, const char *what,
					 char **compact, struct pkgnote_error *err)
{
	struct parser p = { .in = { .text = text, .len = len, .what = what, .err = err } };
	enum pkgnote_status st;

	if (compact != NULL)
		*compact = NULL;
	if (text == NULL || len == 0)
		return pn_fail(err, PKGNOTE_BAD_JSON, what, "empty input, expected a JSON object");
	if (len > PKGNOTE_JSON_INPUT_MAX)
		return pn_fail(err, PKGNOTE_BAD_JSON, what,
			       "input is %zu bytes, more than the limit of %d bytes",
			       len, PKGNOTE_JSON_INPUT_MAX);
	p.out = malloc(len + 1);
	if (p.out == NULL)
		return pn_json_fail_nomem(&p.in);
	st = parse_document(&p);
	if (st == PKGNOTE_OK && p.out_len > PKGNOTE_JSON_MAX)
		st = pn_fail(err, PKGNOTE_BAD_JSON, what,
			     "compact JSON is %zu bytes, more than the limit of %d bytes",
			     p.out_len, PKGNOTE_JSON_MAX);
	if (p.c_locale != (locale_t)0)
		freelocale(p.c_locale);
	if (st == PKGNOTE_OK && compact != NULL) {
		p.out[p.out_len] = '\0';
		*compact = p.out;
		p.out = NULL;
	}
	free(p.out);
	return st;
}
