/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module info text of Go build info (go_buildinfo.h): the main module
 * and the two build settings that name a local build's revision.  Lines
 * this reader has no use for ("dep", "=>", other settings) are passed
 * over; a line it uses must be whole and well-formed, or the record is
 * refused: a half-read module line would name the wrong thing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go_buildinfo.h"
#include "reason.h"

static int bad(char *why, size_t whylen, unsigned line, const char *what)
{
	return reason(why, whylen, "Go build info: module info line %u: %s", line, what);
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	return n >= p && memcmp(s, prefix, p) == 0;
}

/* S (N bytes) split at tabs: the first four fields into FIELD/FLEN, and
 * how many fields there are. */
static size_t fields(const char *s, size_t n, const char *field[4], size_t flen[4])
{
	size_t count = 0;
	for (const char *end = s + n;; count++) {
		const char *tab = memchr(s, '\t', (size_t)(end - s));
		const char *stop = tab ? tab : end;
		if (count < 4) {
			field[count] = s;
			flen[count] = (size_t)(stop - s);
		}
		if (tab == NULL)
			return count + 1;
		s = tab + 1;
	}
}

static int set(char **dst, const char *s, size_t n, char *why, size_t whylen)
{
	free(*dst);
	*dst = strndup(s, n);
	return *dst != NULL ? 0 : reason(why, whylen, "%s", strerror(ENOMEM));
}

/* "mod\tPATH\tVERSION[\tSUM]": two or three fields, the first two non-empty. */
static int mod_line(const char *s, size_t n, struct go_buildinfo *bi, unsigned line,
		    char *why, size_t whylen)
{
	const char *f[4];
	size_t fl[4];
	size_t count = fields(s, n, f, fl);
	if (bi->mod_path != NULL)
		return bad(why, whylen, line, "a second main module");
	if (count != 2 && count != 3)
		return bad(why, whylen, line, "the main module has not 2 or 3 fields");
	if (fl[0] == 0 || fl[1] == 0)
		return bad(why, whylen, line, "the main module's path or version is empty");
	if (set(&bi->mod_path, f[0], fl[0], why, whylen) < 0 ||
	    set(&bi->mod_version, f[1], fl[1], why, whylen) < 0)
		return -1;
	return 0;
}

/* "build\tKEY=VALUE": only vcs.revision and vcs.modified are kept.  Their
 * values are plain words; a quoted one is not what the go command writes. */
static int build_line(const char *s, size_t n, struct go_buildinfo *bi, unsigned line,
		      char *why, size_t whylen)
{
	static const char rev[] = "vcs.revision=", mod[] = "vcs.modified=";
	if (has_prefix(s, n, rev)) {
		s += sizeof rev - 1;
		n -= sizeof rev - 1;
		if (n == 0 || memchr(s, '"', n) || memchr(s, '`', n) || memchr(s, ' ', n) ||
		    memchr(s, '\t', n))
			return bad(why, whylen, line, "vcs.revision is not one plain word");
		return set(&bi->vcs_revision, s, n, why, whylen);
	}
	if (has_prefix(s, n, mod)) {
		s += sizeof mod - 1;
		n -= sizeof mod - 1;
		if (n == 4 && memcmp(s, "true", 4) == 0)
			bi->vcs_modified = true;
		else if (n == 5 && memcmp(s, "false", 5) == 0)
			bi->vcs_modified = false;
		else
			return bad(why, whylen, line, "vcs.modified is neither true nor false");
	}
	return 0;
}

int go_modinfo_parse(const char *text, size_t len, struct go_buildinfo *bi,
		     char *why, size_t whylen)
{
	if (memchr(text, '\0', len) != NULL)
		return reason(why, whylen, "Go build info: a NUL byte in the module info");
	/* As the go command reads it: whole lines only, each ending in '\n'. */
	unsigned line = 1;
	for (const char *end = text + len; text < end; line++) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		if (nl == NULL)
			break;
		size_t n = (size_t)(nl - text);
		int r = 0;
		if (has_prefix(text, n, "path\t"))
			r = set(&bi->path, text + 5, n - 5, why, whylen);
		else if (has_prefix(text, n, "mod\t"))
			r = mod_line(text + 4, n - 4, bi, line, why, whylen);
		else if (has_prefix(text, n, "build\t"))
			r = build_line(text + 6, n - 6, bi, line, why, whylen);
		if (r < 0)
			return -1;
		text = nl + 1;
	}
	return 0;
}

char *go_buildinfo_version(const struct go_buildinfo *bi)
{
	if (bi->mod_version != NULL && strcmp(bi->mod_version, "(devel)") != 0)
		return strdup(bi->mod_version);
	errno = 0;
	if (bi->vcs_revision == NULL)
		return NULL;
	char *v = NULL;
	if (asprintf(&v, "%s%s", bi->vcs_revision, bi->vcs_modified ? "-dirty" : "") < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return v;
}

void go_buildinfo_free(struct go_buildinfo *bi)
{
	free(bi->go_version);
	free(bi->path);
	free(bi->mod_path);
	free(bi->mod_version);
	free(bi->vcs_revision);
	memset(bi, 0, sizeof *bi);
}
