/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Messages of the JSON parser.  Every problem found in the text goes
 * through pn_json_fail_at, so that all of them carry the position in the
 * same form.
 *
 * Positions in messages: lines and columns are 1-based, columns count
 * characters (UTF-8 sequences), not bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "json_report.h"

/* Most bytes of a key or number quoted in a message. */
#define QUOTE_MAX 64

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

enum pkgnote_status pn_json_fail_at(const struct pn_json_text *t, size_t off,
				    const char *fmt, ...)
{
	char reason[400];
	va_list ap;
	unsigned long line, col;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	line_col(t->text, off, &line, &col);
	return pn_fail(t->err, PKGNOTE_BAD_JSON, t->what, "line %lu, column %lu: %s",
		       line, col, reason);
}

/* Running out of memory is not the input's fault: say so with another
 * status than PKGNOTE_BAD_JSON. */
enum pkgnote_status pn_json_fail_nomem(const struct pn_json_text *t)
{
	return pn_fail_errno(t->err, PKGNOTE_IO, ENOMEM, t->what, "cannot check the JSON");
}

/* At most QUOTE_MAX bytes, never cutting a UTF-8 sequence or an escape in
 * two (the message stays valid UTF-8 and reads like the JSON it quotes). */
int pn_json_quote_len(const char *p, size_t len)
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
const char *pn_json_quote_more(size_t len)
{
	return len > QUOTE_MAX ? "..." : "";
}

/* Name the character at `off` in a message: printable ASCII as itself,
 * anything else as a code point, which stays readable and one line. */
static void describe_char(const struct pn_json_text *t, size_t off, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)t->text + off;
	uint32_t cp = p[0];

	if (cp > 0x20 && cp < 0x7F) {
		snprintf(buf, size, cp == '\'' ? "\"%c\"" : "'%c'", (int)cp);
		return;
	}
	/* The text is valid UTF-8 by now (pn_json_check_bytes ran first). */
	if (cp >= 0xF0)
		cp = ((cp & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
	else if (cp >= 0xE0)
		cp = ((cp & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
	else if (cp >= 0xC0)
		cp = ((cp & 0x1Fu) << 6) | (p[1] & 0x3Fu);
	snprintf(buf, size, "U+%04X", (unsigned)cp);
}

enum pkgnote_status pn_json_fail_unexpected(const struct pn_json_text *t, size_t off,
					    const char *expected)
{
	char c[16];

	if (off >= t->len)
		return pn_json_fail_at(t, off, "unexpected end of input, expected %s", expected);
	describe_char(t, off, c, sizeof c);
	return pn_json_fail_at(t, off, "unexpected character %s, expected %s", c, expected);
}
