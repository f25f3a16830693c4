/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UTF-8 and NUL byte checks of package metadata JSON.
 *
 * Encoding problems are checked over the whole text before the grammar, so
 * that the parser (and its messages, which count columns in characters)
 * can take valid UTF-8 without NUL bytes for granted.
 */
#include <stdint.h>

#include "json_utf8.h"

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

enum pkgnote_status pn_json_check_bytes(const struct pn_json_text *t)
{
	const unsigned char *p = (const unsigned char *)t->text;

	if (t->len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		return pn_json_fail_at(t, 0, "a UTF-8 byte order mark is not allowed");
	for (size_t i = 0; i < t->len;) {
		const char *why = NULL;
		if (p[i] == 0)
			return pn_json_fail_at(t, i, "NUL byte in input");
		size_t n = utf8_seq(p + i, t->len - i, &why);
		if (n == 0)
			return pn_json_fail_at(t, i, "%s", why);
		i += n;
	}
	return PKGNOTE_OK;
}
