/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the record sources (src/pkgsrc/: python, npm, conda and
 * the origins map), black-box through the source interface: each row
 * builds a small root, hands the source every entry whose name matches its
 * record_names (as the registry's walk does), and asks who owns some
 * paths.  Checked: the metadata each owner gives (compact JSON), files
 * named by two records, and the one-line warnings of hostile records
 * (paths climbing out of the root or through an absolute link, manifests
 * that are not JSON or lack a name, records without a version) or the
 * reason a bad origins map is refused with.
 */
#include <fnmatch.h>
#include <fcntl.h>
#include <stdarg.h>

#include "fsroot.h"
#include "pkgsrc.h"
#include "pkgsrc/record.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct query {
	const char *path;
	const char *json;            /* NULL: owned by nobody */
	bool doubtful;               /* two records claim it */
};

struct src_case {
	const char *title;
	const struct pkgsrc_ops *ops;
	struct fsent fs[16];
	const char *map;             /* the origins map's text */
	struct query q[12];
	size_t warnings;
	const char *warning[3];      /* in each warning, in order */
	const char *open_error;      /* open() fails with this in its reason */
};

#define SITE "usr/lib/python3/site-packages/"
#define DEMO_MD "Metadata-Version: 2.1\nName: Demo_Pkg\nversion:  1.0.post1 \n" \
	"Summary: a demo\n\nName: not-this-one\n"
#define DEMO_JSON "{\"type\":\"pypi\",\"name\":\"Demo_Pkg\",\"version\":\"1.0.post1\"}"
#define NPM(n, v) "{\"type\":\"npm\",\"name\":\"" n "\",\"version\":\"" v "\"}"
#define GENERIC(n) "{\"type\":\"generic\",\"name\":\"" n "\",\"version\":\"1\"}"

static const struct src_case cases[] = {
	{ "dist-info: RECORD rows, quoted, climbing to bin/", &pkgsrc_python, {
		{ SITE "demo-1.0.post1.dist-info/METADATA", DEMO_MD },
		{ SITE "demo-1.0.post1.dist-info/RECORD",
		  "demo/_ext.cpython-311-x86_64-linux-gnu.so,sha256=AbC,16\r\n"
		  "demo/__init__.py,,\n\"demo/we,i\"\"rd.so\",,\n\n"
		  "../../../bin/demo-tool,sha256=x,1\n/usr/share/demo/abs.so,,\n" },
		{ SITE "demo/_ext.cpython-311-x86_64-linux-gnu.so", "elf" } }, NULL, {
		{ "/" SITE "demo/_ext.cpython-311-x86_64-linux-gnu.so", DEMO_JSON },
		{ "/" SITE "demo/we,i\"rd.so", DEMO_JSON },
		{ "/usr/bin/demo-tool", DEMO_JSON },
		{ "/usr/share/demo/abs.so", DEMO_JSON },
		{ "/" SITE "demo/other.so", NULL } }, 0 },
	{ "dist-info: merged /usr, a relative link is followed", &pkgsrc_python, {
		{ "bin", NULL, "usr/bin" },
		{ "usr/bin", NULL },
		{ SITE "d-1.dist-info/METADATA", "Name: d\nVersion: 1\n" },
		{ SITE "d-1.dist-info/RECORD", "../../../../bin/tool,,\n" } }, NULL, {
		{ "/usr/bin/tool", "{\"type\":\"pypi\",\"name\":\"d\",\"version\":\"1\"}" },
		{ "/bin/tool", NULL } }, 0 },
	{ "dist-info: paths out of the root, through an absolute link", &pkgsrc_python, {
		{ SITE "evil", NULL, "/etc" },
		{ SITE "e-1.dist-info/METADATA", "Name: e\nVersion: 1\n" },
		{ SITE "e-1.dist-info/RECORD",
		  "../../../../../../etc/shadow,,\nevil/passwd,,\ne/ok.so,,\n" } }, NULL, {
		{ "/etc/shadow", NULL },
		{ "/etc/passwd", NULL },
		{ "/" SITE "e/ok.so", "{\"type\":\"pypi\",\"name\":\"e\",\"version\":\"1\"}" } },
	  2, { "RECORD: line 1: ../../../../../../etc/shadow leads out of ROOT",
	       "RECORD: line 2: evil/passwd passes through a symbolic link to an absolute path" } },
	{ "dist-info: two records claim a file", &pkgsrc_python, {
		{ SITE "a-1.dist-info/METADATA", "Name: a\nVersion: 1\n" },
		{ SITE "a-1.dist-info/RECORD", "shared/x.so,,\na/a.so,,\n" },
		{ SITE "b-2.dist-info/METADATA", "Name: b\nVersion: 2\n" },
		{ SITE "b-2.dist-info/RECORD", "shared/x.so,,\n" } }, NULL, {
		{ "/" SITE "shared/x.so", "{\"type\":\"pypi\",\"name\":\"a\",\"version\":\"1\"}", true },
		{ "/" SITE "a/a.so", "{\"type\":\"pypi\",\"name\":\"a\",\"version\":\"1\"}" } }, 0 },
	{ "dist-info: no Version, no RECORD, a file named like a record", &pkgsrc_python, {
		{ SITE "nov-1.dist-info/METADATA", "Name: nov\n\nVersion: 1\n" },
		{ SITE "nov-1.dist-info/RECORD", "nov/x.so,,\n" },
		{ SITE "debian-1.dist-info/METADATA", "Name: debian\nVersion: 1\n" },
		{ SITE "lone.egg-info", "Name: lone\nVersion: 1\n" } }, NULL, {
		{ "/" SITE "nov/x.so", NULL } },
	  1, { "nov-1.dist-info/METADATA: lacks Name or Version" } },
	{ "egg-info: installed-files.txt relative to the egg-info", &pkgsrc_python, {
		{ "usr/lib/python3/dist-packages/old-0.9.egg-info/PKG-INFO",
		  "Metadata-Version: 1.1\nName: old\nVersion: 0.9\n" },
		{ "usr/lib/python3/dist-packages/old-0.9.egg-info/installed-files.txt",
		  "../old/_c.so\n../old/__init__.py\n./\n" } }, NULL, {
		{ "/usr/lib/python3/dist-packages/old/_c.so",
		  "{\"type\":\"pypi\",\"name\":\"old\",\"version\":\"0.9\"}" } }, 0 },
	{ "npm: nearest package.json, scoped, nested, pnpm, the app's own", &pkgsrc_npm, {
		{ "app/package.json", "{\"name\":\"app\",\"version\":\"1.0.0\",\"private\":true}" },
		{ "app/build/Release/addon.node", "elf" },
		{ "app/node_modules/@s/p/package.json", "{\"name\":\"@s/p\",\"version\":\"2.0.0\"}\n" },
		{ "app/node_modules/@s/p/node_modules/q/package.json",
		  "{\"name\":\"q\",\"version\":\"3.1.4\"}" },
		{ "app/node_modules/.pnpm/f@1.2.3/node_modules/f/package.json",
		  "{\"version\":\"1.2.3\",\"name\":\"f\"}" },
		{ "app/node_modules/bom/package.json",            /* node reads past a BOM */
		  "\xef\xbb\xbf{\"name\":\"bom\",\"version\":\"1.0.0\"}\r\n" } }, NULL, {
		{ "/app/build/Release/addon.node", NPM("app", "1.0.0") },
		{ "/app/node_modules/@s/p/lib/x.node", NPM("@s/p", "2.0.0") },
		{ "/app/node_modules/@s/p/node_modules/q/q.node", NPM("q", "3.1.4") },
		{ "/app/node_modules/.pnpm/f@1.2.3/node_modules/f/bin/f", NPM("f", "1.2.3") },
		{ "/app/node_modules/bom/b.node", NPM("bom", "1.0.0") },
		{ "/elsewhere/x.node", NULL } }, 0 },
	{ "npm: not JSON, no version: warned once, looked further up", &pkgsrc_npm, {
		{ "app/package.json", "{\"name\":\"app\",\"version\":\"1.0.0\"}" },
		{ "app/node_modules/p/package.json", "{\"name\":\"p\",\"version\":\"2.0.0\"}" },
		{ "app/node_modules/p/dist/package.json", "{\"type\":\"module\"}" },
		{ "app/node_modules/bad/package.json", "{\"name\":\"bad\",\"version\":" },
		{ "app/node_modules/num/package.json", "{\"name\":\"num\",\"version\":1}" } }, NULL, {
		{ "/app/node_modules/p/dist/y.node", NPM("p", "2.0.0") },
		{ "/app/node_modules/p/dist/z.node", NPM("p", "2.0.0") },
		{ "/app/node_modules/bad/b.node", NPM("app", "1.0.0") },
		{ "/app/node_modules/num/n.node", NPM("app", "1.0.0") } },
	  3, { "p/dist/package.json: lacks a string name or version; looking further up",
	       "bad/package.json: not a JSON object (ends inside a JSON value); looking further up",
	       "num/package.json: lacks a string name or version" } },
	{ "conda: conda-meta records, build and subdir kept", &pkgsrc_conda, {
		{ "opt/conda/conda-meta/zlib-1.3-h4dc.json",
		  "{\"build\":\"h4dc\",\"build_number\":0,\"name\":\"zlib\",\"version\":\"1.3\","
		  "\"subdir\":\"linux-64\",\"files\":[\"lib/libz.so.1.3\",\"include/zlib.h\"]}" },
		{ "opt/conda/conda-meta/history", "==> 2024 <==\n" },
		{ "opt/conda/conda-meta/bad-1-0.json", "[]" },
		{ "opt/conda/envs/e/conda-meta/x-2-0.json",
		  "{\"name\":\"x\",\"version\":\"2\",\"files\":[\"bin/x\",\"../../../../../x\",7]}" } },
	  NULL, {
		{ "/opt/conda/lib/libz.so.1.3", "{\"type\":\"conda\",\"name\":\"zlib\",\"version\":\"1.3\","
		  "\"build\":\"h4dc\",\"subdir\":\"linux-64\"}" },
		{ "/opt/conda/envs/e/bin/x", "{\"type\":\"conda\",\"name\":\"x\",\"version\":\"2\"}" },
		{ "/opt/conda/envs/e/lib/libz.so.1.3", NULL } },
	  3, { "conda-meta/bad-1-0.json: not a JSON object (another JSON value)",
	       "x-2-0.json: files[1]: ../../../../../x leads out of ROOT",
	       "x-2-0.json: files[2]: not a path" } },
	{ "origins: the most specific pattern wins, ties to the first", &pkgsrc_origins, {
		{ "opt/vendor/bin/tool", "elf" } },
	  "{\"/opt/vendor/**\": " GENERIC("vendor") ",\n"
	  " \"/opt/vendor/bin/*\": " GENERIC("vendor-bin") ",\n"
	  " \"/opt/vendor/bin/tool\": " GENERIC("tool") ",\n"
	  " \"/opt/*/lib/lib?.so\": " GENERIC("libs") ",\n"
	  " \"/opt/ve*/lib/liba.so\": " GENERIC("first") ",\n"
	  " \"/opt/vendor/lib/*.so\": " GENERIC("second") ",\n"
	  " \"/srv/**/x/*.node\": " GENERIC("deep") "}", {
		{ "/opt/vendor/bin/tool", GENERIC("tool") },
		{ "/opt/vendor/bin/other", GENERIC("vendor-bin") },
		{ "/opt/vendor/share/a/b/c.so", GENERIC("vendor") },
		{ "/opt/vendor/lib/liba.so", GENERIC("first") },
		{ "/opt/vendor/lib/libab.so", GENERIC("second") },
		{ "/opt/other/lib/libz.so", GENERIC("libs") },
		{ "/opt/vendor", NULL },
		{ "/srv/x/.hidden.node", GENERIC("deep") },
		{ "/srv/a/b/x/m.node", GENERIC("deep") },
		{ "/srv/a/b/y/m.node", NULL } }, 0 },
	{ "origins: not JSON", &pkgsrc_origins, { { NULL } }, "{\"/opt/**\": {", {}, 0, {},
	  "map.json: ends inside a JSON value" },
	{ "origins: not an object", &pkgsrc_origins, { { NULL } }, "[]", {}, 0, {},
	  "map.json: is not a JSON object" },
	{ "origins: relative pattern", &pkgsrc_origins, { { NULL } },
	  "{\"opt/**\": " GENERIC("x") "}", {}, 0, {},
	  "map.json: \"opt/**\": is not an absolute path" },
	{ "origins: ** inside a component", &pkgsrc_origins, { { NULL } },
	  "{\"/opt/a**\": " GENERIC("x") "}", {}, 0, {}, "inside a component" },
	{ "origins: dot-dot", &pkgsrc_origins, { { NULL } },
	  "{\"/opt/../etc/*\": " GENERIC("x") "}", {}, 0, {}, "\"..\" component" },
	{ "origins: metadata not an object", &pkgsrc_origins, { { NULL } },
	  "{\"/opt/**\": \"generic\"}", {}, 0, {}, "\"/opt/**\": the metadata is not a JSON object" },
	{ "origins: a pattern given twice", &pkgsrc_origins, { { NULL } },
	  "{\"/opt/**\": " GENERIC("x") ", \"\\/opt\\/**\": " GENERIC("y") "}", {}, 0, {},
	  "map.json: \"/opt/**\": is given twice" },
	{ "origins: a key given twice in the metadata, as --json says", &pkgsrc_origins,
	  { { NULL } }, "{\"/opt/**\": {\"type\":\"generic\",\"name\":\"a\",\"name\":\"b\"}}",
	  {}, 0, {}, "map.json: \"/opt/**\": " },
	{ "origins: escapes in keys and values", &pkgsrc_origins, { { NULL } },
	  "\xef\xbb\xbf {\"\\/srv\\/\\u0061pp/*\" : {\"type\":\"generic\",\"name\":\"a,}\\\"]\",\n"
	  "\"version\":\"1\",\"n\":[{\"x\":[1,2]},null]} ,\"/srv/b\":" GENERIC("b") "}\n", {
		{ "/srv/app/x", "{\"type\":\"generic\",\"name\":\"a,}\\\"]\",\"version\":\"1\","
		  "\"n\":[{\"x\":[1,2]},null]}" },
		{ "/srv/b", GENERIC("b") } }, 0 },
	{ "origins: metadata invalid as --json", &pkgsrc_origins, { { NULL } },
	  "{\"/opt/**\": {\"type\":\"generic\",\"name\":7}}", {}, 0, {},
	  "map.json: \"/opt/**\": " },
};

static char warned[8][512];
static size_t nwarned;

static void collect(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	if (nwarned < N_OF(warned))
		vsnprintf(warned[nwarned], sizeof warned[0], fmt, ap);
	nwarned++;
	va_end(ap);
}

/* The walk: every entry whose last component a record name matches,
 * each directory once. */
static void add_records(const struct src_case *c, struct pkgsrc *src)
{
	char seen[32][4096];
	size_t nseen = 0;
	for (size_t i = 0; c->ops->record_names && i < N_OF(c->fs) && c->fs[i].path; i++) {
		char path[4096];
		snprintf(path, sizeof path, "/%s", c->fs[i].path);
		for (char *p = path; *p;) {
			char *slash = strchr(p + 1, '/');
			if (slash != NULL)
				*slash = '\0';
			const char *leaf = strrchr(path, '/') + 1;
			bool again = false;
			for (size_t k = 0; k < nseen; k++)
				again = again || strcmp(seen[k], path) == 0;
			for (const char *const *n = c->ops->record_names; !again && *n; n++)
				if (fnmatch(*n, leaf, 0) == 0) {
					ck_assert_int_eq(c->ops->add_record(src, path), 0);
					ck_assert_uint_lt(nseen, N_OF(seen));
					snprintf(seen[nseen++], sizeof seen[0], "%s", path);
				}
			if (slash == NULL)
				break;
			*slash = '/';
			p = slash;
		}
	}
}

START_TEST(test_source)
{
	const struct src_case *c = &cases[_i];
	make_root(c->fs, N_OF(c->fs));
	char map[128];
	snprintf(map, sizeof map, "%s/map.json", root);
	if (c->map != NULL) {
		FILE *f = fopen(map, "w");
		fputs(c->map, f);
		fclose(f);
	}
	struct pkgdb_os os = { 0 };
	struct pkgsrc_root r = { .root = root, .rootfd = open(root, O_PATH | O_DIRECTORY),
				 .os = &os, .origins_file = c->map ? map : NULL, .warn = collect };
	nwarned = 0;
	struct pkgsrc *src = NULL;
	char why[1024] = "";
	int rc = c->ops->open(&r, &src, why, sizeof why);
	if (c->open_error != NULL) {
		ck_assert_msg(rc == -1 && src == NULL, "%s: opened", c->title);
		ck_assert_msg(strstr(why, c->open_error) != NULL && strchr(why, '\n') == NULL,
			      "%s: \"%s\"", c->title, why);
		goto out;
	}
	ck_assert_msg(rc == 0 && src != NULL, "%s: %s", c->title, why);
	add_records(c, src);
	for (size_t i = 0; i < N_OF(c->q) && c->q[i].path; i++) {
		const struct query *q = &c->q[i];
		const struct pkgdb_package *also = NULL;
		const struct pkgdb_package *p = c->ops->owner(src, q->path, -1, &also);
		if (q->json == NULL) {
			ck_assert_msg(p == NULL, "%s: %s owned by %s", c->title, q->path,
				      p ? p->json : "");
			continue;
		}
		ck_assert_msg(p != NULL, "%s: %s owned by nobody", c->title, q->path);
		ck_assert_str_eq(p->json, q->json);
		ck_assert_msg((also != NULL) == q->doubtful, "%s: %s", c->title, q->path);
	}
	for (size_t i = 0; i < nwarned && i < N_OF(warned); i++)
		fprintf(stderr, "%s: warning: %s\n", c->title, warned[i]);
	ck_assert_msg(nwarned == c->warnings, "%s: %zu warnings", c->title, nwarned);
	for (size_t i = 0; i < c->warnings && i < N_OF(c->warning) && c->warning[i]; i++) {
		ck_assert_msg(strstr(warned[i], c->warning[i]) != NULL, "%s: \"%s\"", c->title,
			      warned[i]);
		ck_assert_msg(strncmp(warned[i], root, strlen(root)) == 0, "%s: \"%s\" names no file",
			      c->title, warned[i]);
	}
	c->ops->close(src);
out:
	close(r.rootfd);
	remove_root();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pkgsrc_records");
	TCase *tc = tcase_create("sources");
	tcase_add_loop_test(tc, test_source, 0, (int)N_OF(cases));
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
