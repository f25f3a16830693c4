/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The origins map (--origins FILE): a JSON object whose keys are absolute
 * path patterns inside ROOT and whose values are the metadata to stamp,
 *   { "/opt/java/" "**": {"type":"generic","name":"temurin-jdk","version":"21.0.5"} }
 * (written here with the "**" apart, as C comments cannot hold it)
 * Patterns: components separated by "/"; within a component "*" matches
 * any run of characters and "?" any one (neither matches "/"; both match
 * a leading "."); a component that is exactly "**" matches any number of
 * components, none included.  Every other character is itself.  They are
 * matched against the file's canonical path in ROOT (links resolved).
 *
 * When several patterns match, the most specific wins: the one with the
 * most literal characters (everything but "*" and "?", slashes counted);
 * on a tie, the one written first in FILE.  "/opt/java/bin/java" beats
 * "/opt/java/bin/" "*", which beats "/opt/java/" "**".
 *
 * The map is the user's own statement, so a bad map is not skipped with a
 * warning: open() fails with the reason (FILE, the key, what is wrong)
 * and the command stops before it stamps anything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

struct pattern {
	char *text;
	size_t literal;              /* characters that are not wildcards */
	const struct pkgdb_package *pkg;
};

struct pkgsrc {
	struct pkgsrc_root root;
	struct pkgdb db;
	struct pattern *p;
	size_t n;
};

/* Does the component pattern P (up to '/' or the end) match the path
 * component S (likewise)?  Backtracks to the last '*' only: linear in
 * practice, quadratic at worst. */
static bool match_component(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;
	for (;;) {
		bool pend = *p == '\0' || *p == '/', send = *s == '\0' || *s == '/';
		if (!pend && *p == '*') {
			star = ++p;
			resume = s;
			continue;
		}
		if (pend && send)
			return true;
		if (!pend && !send && (*p == '?' || *p == *s)) {
			p++;
			s++;
			continue;
		}
		if (star == NULL || (resume != NULL && (*resume == '\0' || *resume == '/')))
			return false;
		p = star;
		s = ++resume;
	}
}

static const char *next_component(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? slash + 1 : NULL;
}

/* P and S point just after a '/' of the pattern and of the path. */
static bool match_from(const char *p, const char *s)
{
	if (strncmp(p, "**", 2) == 0 && (p[2] == '/' || p[2] == '\0')) {
		if (p[2] == '\0')
			return true;
		/* "**" takes none, one, two... of the path's components. */
		for (const char *t = s; t != NULL; t = next_component(t))
			if (match_from(p + 3, t))
				return true;
		return false;
	}
	if (!match_component(p, s))
		return false;
	const char *np = next_component(p), *ns = next_component(s);
	if (np == NULL || ns == NULL)
		return np == NULL && ns == NULL;
	return match_from(np, ns);
}

/* Why TEXT is not a pattern, or NULL. */
static const char *bad_pattern(const char *text)
{
	if (text[0] != '/')
		return "is not an absolute path";
	for (const char *c = text + 1;; c = next_component(c)) {
		size_t n = strcspn(c, "/");
		if (n == 0)
			return "has an empty component (\"//\" or a trailing \"/\")";
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return "has a \".\" or \"..\" component";
		const char *dstar = strstr(c, "**");
		if (dstar != NULL && dstar < c + n && n != 2)
			return "uses \"**\" inside a component (it must be a whole component)";
		if (c[n] == '\0')
			return NULL;
	}
}

static int fail(char *why, size_t whylen, const char *file, const char *key, const char *reason)
{
	if (key != NULL)
		snprintf(why, whylen, "%s: \"%s\": %s", file, key, reason);
	else
		snprintf(why, whylen, "%s: %s", file, reason);
	return -1;
}

/* The map's text is read twice: json-c checks that it is one JSON object,
 * then this walks its members as written, so that each value reaches
 * pkgnote_metadata_parse as the user wrote it (a value json-c had parsed
 * would have lost a key given twice) and a pattern given twice is seen. */
static const char *skip_space(const char *p)
{
	return p + strspn(p, " \t\r\n");
}

static const char *skip_string(const char *p)
{
	for (p++; *p != '\0' && *p != '"'; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	return *p ? p + 1 : p;
}

static const char *skip_value(const char *p)
{
	if (*p == '"')
		return skip_string(p);
	if (*p != '{' && *p != '[')
		return p + strcspn(p, ",}] \t\r\n");
	int depth = 0;
	do {
		if (*p == '"') {
			p = skip_string(p);
			continue;
		}
		depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
		p++;
	} while (*p != '\0' && depth > 0);
	return p;
}

/* One entry: KEY (the pattern, decoded) and VALUE (its text as written). */
static int add_entry(struct pkgsrc *src, const char *file, const char *key,
		     const char *value, size_t vlen, char *why, size_t whylen)
{
	const char *bad = bad_pattern(key);
	if (bad != NULL)
		return fail(why, whylen, file, key, bad);
	for (size_t i = 0; i < src->n; i++)
		if (strcmp(src->p[i].text, key) == 0)
			return fail(why, whylen, file, key, "is given twice");
	if (*value != '{')
		return fail(why, whylen, file, key, "the metadata is not a JSON object");
	char what[512];
	snprintf(what, sizeof what, "%s: \"%s\"", file, key);
	struct pattern *p = &src->p[src->n];
	p->pkg = pkgsrc_add_package_text(&src->db, value, vlen, what, why, whylen);
	if (p->pkg == NULL)
		return -1;
	if ((p->text = strdup(key)) == NULL)
		return fail(why, whylen, file, NULL, strerror(ENOMEM));
	p->literal = strlen(key);
	for (const char *c = key; *c; c++)
		p->literal -= *c == '*' || *c == '?';
	src->n++;
	return 0;
}

/* The map's entries, in FILE's order, into SRC: TEXT is one JSON object
 * (json-c said so), MEMBERS its number of distinct keys. */
static int load(struct pkgsrc *src, const char *text, size_t members, const char *file,
		char *why, size_t whylen)
{
	if ((src->p = calloc(members + 1, sizeof *src->p)) == NULL)
		return fail(why, whylen, file, NULL, strerror(ENOMEM));
	const char *p = skip_space(text + (strncmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0)) + 1;
	while (*(p = skip_space(p)) == '"') {
		const char *k = p;
		p = skip_string(p);
		char *raw = strndup(k, (size_t)(p - k));
		const char *bad = NULL;
		json_object *key = raw ? pkgsrc_parse_json(raw, strlen(raw), true, &bad) : NULL;
		free(raw);
		const char *v = skip_space(skip_space(p) + 1);
		p = skip_value(v);
		int r = src->n > members || !json_object_is_type(key, json_type_string)
			? fail(why, whylen, file, NULL, "cannot be read as a map")
			: add_entry(src, file, json_object_get_string(key), v, (size_t)(p - v),
				    why, whylen);
		json_object_put(key);
		if (r != 0)
			return -1;
		p = skip_space(p);
		p += *p == ',';
	}
	return 0;
}

static void origins_close(struct pkgsrc *src)
{
	if (src == NULL)
		return;
	for (size_t i = 0; i < src->n; i++)
		free(src->p[i].text);
	free(src->p);
	pkgdb_free(&src->db);
	free(src);
}

static int origins_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why, size_t whylen)
{
	*src = NULL;
	const char *file = root->origins_file;
	if (file == NULL)
		return 0;
	char *text = NULL;
	size_t len;
	if (pkgsrc_read_host(file, PKGSRC_RECORD_MAX, &text, &len) != 0)
		return fail(why, whylen, file, NULL, pkgsrc_read_error(errno, PKGSRC_RECORD_MAX));
	const char *bad = NULL;
	json_object *map = pkgsrc_parse_json(text, len, true, &bad);
	int r = -1;
	if (map == NULL)
		fail(why, whylen, file, NULL, bad);
	else if (!json_object_is_type(map, json_type_object))
		fail(why, whylen, file, NULL, "is not a JSON object (path pattern: metadata)");
	else if ((*src = calloc(1, sizeof **src)) == NULL)
		fail(why, whylen, file, NULL, strerror(ENOMEM));
	else if (((*src)->root = *root,
		  load(*src, text, (size_t)json_object_object_length(map), file, why, whylen)) == 0)
		r = 0;
	free(text);
	if (r != 0) {
		origins_close(*src);
		*src = NULL;
	}
	json_object_put(map);
	return r;
}

static const struct pkgdb_package *origins_owner(struct pkgsrc *src, const char *path, int fd,
						 const struct pkgdb_package **also)
{
	(void)fd;
	*also = NULL;
	const struct pattern *best = NULL;
	for (size_t i = 0; i < src->n; i++) {
		const struct pattern *p = &src->p[i];
		if ((best == NULL || p->literal > best->literal) && path[0] == '/' &&
		    match_from(p->text + 1, path + 1))
			best = p;
	}
	return best ? best->pkg : NULL;
}

const struct pkgsrc_ops pkgsrc_origins = {
	.name = "origins",
	.tier = PKGSRC_MAP,
	.record_names = NULL,
	.open = origins_open,
	.add_record = NULL,
	.owner = origins_owner,
	.close = origins_close,
};
