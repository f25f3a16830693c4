/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cargo-auditable's record (cargo_audit.h): inflate with a ceiling, parse
 * the JSON, find the one root package.  A record that is cut short, does
 * not inflate, inflates past the ceiling, is not JSON of that shape, or has
 * no or several roots names nothing: the reason goes back, never a guess.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cargo_audit.h"
#include "reason.h"

/* The buffer for the inflated text grows by doubling up to MAX + 1 bytes:
 * filling the last byte means the record is over the ceiling. */
static int grow(char **buf, size_t *cap, size_t max)
{
	size_t want = *cap ? 2 * *cap : 4096;
	if (want > max + 1)
		want = max + 1;
	char *grown = realloc(*buf, want + 1);
	if (grown == NULL)
		return -1;
	*buf = grown;
	*cap = want;
	return 0;
}

/* Z inflated into *OUT (*OUTLEN bytes, NUL-terminated), at most MAX. */
static int inflate_bounded(const unsigned char *z, size_t zlen, size_t max,
			   char **out, size_t *outlen, char *why, size_t whylen)
{
	z_stream s = { .next_in = (unsigned char *)z, .avail_in = (uInt)zlen };
	char *buf = NULL;
	size_t cap = 0;
	int r = Z_OK;
	if (zlen > UINT32_MAX)
		return reason(why, whylen, ".dep-v0: %zu compressed bytes is too many", zlen);
	if (inflateInit(&s) != Z_OK)
		return reason(why, whylen, ".dep-v0: %s", strerror(ENOMEM));
	while (r == Z_OK && !(s.total_out == cap && cap == max + 1)) {
		if (s.total_out == cap && grow(&buf, &cap, max) < 0) {
			r = Z_MEM_ERROR;
			break;
		}
		s.next_out = (unsigned char *)buf + s.total_out;
		s.avail_out = (uInt)(cap - s.total_out);
		r = inflate(&s, Z_NO_FLUSH);
	}
	size_t used = zlen - s.avail_in, total = s.total_out;
	const char *msg = s.msg;
	inflateEnd(&s);
	if (total > max)
		reason(why, whylen, ".dep-v0: decompresses to more than %zu bytes", max);
	else if (r == Z_MEM_ERROR)
		reason(why, whylen, ".dep-v0: %s", strerror(ENOMEM));
	else if (r == Z_BUF_ERROR || (r == Z_OK && used == zlen))
		reason(why, whylen, ".dep-v0: the compressed data is truncated");
	else if (r != Z_STREAM_END)
		reason(why, whylen, ".dep-v0: not zlib data (%s)", msg ? msg : "bad stream");
	for (size_t i = used; r == Z_STREAM_END && total <= max && i < zlen; i++)
		if (z[i] != 0) {
			reason(why, whylen, ".dep-v0: %zu bytes after the compressed data", zlen - used);
			r = Z_DATA_ERROR;
		}
	if (r != Z_STREAM_END || total > max) {
		free(buf);
		return -1;
	}
	buf[total] = '\0';
	*out = buf;
	*outlen = total;
	return 0;
}

/* The one package of PACKAGES with "root": true. */
static int find_root(json_object *packages, json_object **root, char *why, size_t whylen)
{
	size_t n = json_object_array_length(packages), roots = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(packages, i), *flag;
		if (!json_object_is_type(p, json_type_object))
			return reason(why, whylen, ".dep-v0: package %zu is not an object", i);
		if (!json_object_object_get_ex(p, "root", &flag))
			continue;
		if (!json_object_is_type(flag, json_type_boolean))
			return reason(why, whylen, ".dep-v0: package %zu: \"root\" is not true or false", i);
		if (json_object_get_boolean(flag)) {
			*root = p;
			roots++;
		}
	}
	if (roots != 1)
		return reason(why, whylen, ".dep-v0: %zu root packages (one expected)", roots);
	return 0;
}

static int root_fields(json_object *doc, char **name, char **version, char *why, size_t whylen)
{
	json_object *packages, *root = NULL, *jn, *jv;
	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "packages", &packages) ||
	    !json_object_is_type(packages, json_type_array))
		return reason(why, whylen, ".dep-v0: no \"packages\" array");
	if (find_root(packages, &root, why, whylen) < 0)
		return -1;
	if (!json_object_object_get_ex(root, "name", &jn) || !json_object_is_type(jn, json_type_string) ||
	    !json_object_object_get_ex(root, "version", &jv) || !json_object_is_type(jv, json_type_string) ||
	    json_object_get_string_len(jn) == 0 || json_object_get_string_len(jv) == 0)
		return reason(why, whylen, ".dep-v0: the root package has no \"name\" or \"version\" string");
	*name = strdup(json_object_get_string(jn));
	*version = strdup(json_object_get_string(jv));
	if (*name == NULL || *version == NULL) {
		free(*name);
		free(*version);
		*name = *version = NULL;
		return reason(why, whylen, ".dep-v0: %s", strerror(ENOMEM));
	}
	return 0;
}

int cargo_audit_root(const void *z, size_t zlen, size_t max, char **name, char **version,
		     char *why, size_t whylen)
{
	char *text = NULL;
	size_t len = 0;
	*name = *version = NULL;
	if (inflate_bounded(z, zlen, max, &text, &len, why, whylen) < 0)
		return -1;
	json_tokener *tok = json_tokener_new();
	json_object *doc = NULL;
	int r = -1;
	if (tok == NULL) {
		reason(why, whylen, ".dep-v0: %s", strerror(ENOMEM));
		goto out;
	}
	doc = json_tokener_parse_ex(tok, text, (int)len);
	if (doc == NULL || json_tokener_get_parse_end(tok) != len ||
	    memchr(text, '\0', len) != NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		reason(why, whylen, ".dep-v0: not JSON (%s)", doc == NULL ?
		     json_tokener_error_desc(e == json_tokener_continue ?
					     json_tokener_error_parse_eof : e) :
		     "text after the value");
		goto out;
	}
	r = root_fields(doc, name, version, why, whylen);
out:
	json_object_put(doc);
	if (tok != NULL)
		json_tokener_free(tok);
	free(text);
	return r;
}
