/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Number grammar and range checks of package metadata JSON.
 *
 * The range is checked on the text, before json-c sees it: json-c would
 * silently clamp an integer that overflows or widen it to a double, and
 * accept a double that overflows to infinity.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strtod_l */
#endif
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_number.h"
#include "json_report.h"

/* Largest magnitude of an integer: 2^53 - 1. */
#define INT53_MAX 9007199254740991ULL

/* Whether a double in the text is finite.  strtod_l with the C locale, as
 * the library may run in a program whose locale writes "1,5". */
static enum pkgnote_status check_double(struct pn_json_scanner *s, size_t start, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return pn_json_fail_nomem(s);
	memcpy(copy, s->text + start, len);
	copy[len] = '\0';
	if (s->c_locale == (locale_t)0) {
		s->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (s->c_locale == (locale_t)0) {
			free(copy);
			return pn_json_fail_nomem(s);
		}
	}
	double v = strtod_l(copy, NULL, s->c_locale);
	free(copy);
	if (isinf(v))
		return pn_json_fail_at(s, start, "number %.*s%s is too large for a double",
				       pn_json_quote_len(s->text + start, len), s->text + start,
				       pn_json_quote_more(len));
	return PKGNOTE_OK;
}

/* A number, by the JSON grammar, then the range rules. */
enum pkgnote_status pn_json_scan_number(struct pn_json_scanner *s)
{
	size_t start = s->pos;
	bool integer = true;

	if (pn_json_peek(s) == '-')
		s->pos++;
	if (pn_json_peek(s) == '0') {
		s->pos++;
		if (pn_json_is_digit(pn_json_peek(s)))
			return pn_json_fail_at(s, start, "leading zeros are not allowed in numbers");
	} else if (pn_json_is_digit(pn_json_peek(s))) {
		while (pn_json_is_digit(pn_json_peek(s)))
			s->pos++;
	} else {
		return pn_json_fail_at(s, start, "invalid number");
	}
	if (pn_json_peek(s) == '.') {
		integer = false;
		s->pos++;
		if (!pn_json_is_digit(pn_json_peek(s)))
			return pn_json_fail_at(s, start, "invalid number: digit expected after '.'");
		while (pn_json_is_digit(pn_json_peek(s)))
			s->pos++;
	}
	if (pn_json_peek(s) == 'e' || pn_json_peek(s) == 'E') {
		integer = false;
		s->pos++;
		if (pn_json_peek(s) == '+' || pn_json_peek(s) == '-')
			s->pos++;
		if (!pn_json_is_digit(pn_json_peek(s)))
			return pn_json_fail_at(s, start, "invalid number: digit expected in exponent");
		while (pn_json_is_digit(pn_json_peek(s)))
			s->pos++;
	}
	if (pn_json_is_word_char(pn_json_peek(s)))
		return pn_json_fail_at(s, start, "invalid number");

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
		return pn_json_fail_at(s, start,
				       "integer %.*s%s is outside the range -(2^53-1)..2^53-1",
				       pn_json_quote_len(num, len), num, pn_json_quote_more(len));
	return PKGNOTE_OK;
}
