/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the root's package database readers (src/pkgdb.c, the OS
 * sources of src/pkgsrc/) and of in-root path resolution (src/root_path.c),
 * black-box: each case builds a small root in a temporary directory (files,
 * directories, symbolic links, dpkg's status, info/PKG.list and diversions,
 * distroless status.d/, apk's installed database, as given) and checks what
 * the reader says owns which path with which note, or the one line it fails
 * with.  Hostile roots: truncated and garbled databases, lists naming paths
 * through "..", symbolic links pointing out of the root, loops.  And the
 * source rpm file names the rpm reader takes the source package from.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsroot.h"
#include "pkgdb.h"
#include "root_path.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Table rows leave their trailing fields out: zero, as C says. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* -- in-root resolution ------------------------------------------------- */

static const struct fsent resolve_tree[] = {
	{ "usr/bin/ls", "elf", NULL },
	{ "usr/lib/libc.so.6", "elf", NULL },
	{ "etc/passwd", "root:x:0:0", NULL },
	{ "bin", NULL, "usr/bin" },
	{ "lib", NULL, "/usr/lib" },             /* absolute: the root's /usr/lib */
	{ "escape", NULL, "../../../../../etc" }, /* climbs past the root */
	{ "abs", NULL, "/etc" },
	{ "dotted", NULL, "/../../../etc/" },
	{ "loop", NULL, "loop" },
	{ "a", NULL, "b" },
	{ "b", NULL, "a" },
	{ "file", "x", NULL },
	{ "lnk", NULL, "usr/bin/ls" },
	{ "usr/sbin/rel", NULL, "../bin/ls" },
	{ "deep", NULL, "usr/bin/../../bin/./ls" },
};

struct resolve_case {
	const char *in;
	bool follow_last;
	const char *out;            /* NULL: fails with errno */
	int err;
};

static const struct resolve_case resolve_cases[] = {
	{ "/bin/ls", false, "/usr/bin/ls", 0 },            /* merged /usr */
	{ "bin/ls", false, "/usr/bin/ls", 0 },             /* relative: from the root too */
	{ "/lib/libc.so.6", false, "/usr/lib/libc.so.6", 0 },
	{ "/../../etc/passwd", false, "/etc/passwd", 0 },  /* ".." stops at the root */
	{ "/usr/../../../etc/passwd", false, "/etc/passwd", 0 },
	{ "/escape/passwd", false, "/etc/passwd", 0 },     /* relative link climbing out */
	{ "/abs/passwd", false, "/etc/passwd", 0 },        /* absolute link: the root's /etc */
	{ "/dotted/passwd", false, "/etc/passwd", 0 },
	{ "/escape", true, "/etc", 0 },
	{ "/escape", false, "/escape", 0 },                /* the link itself */
	{ "/lnk", false, "/lnk", 0 },
	{ "/lnk", true, "/usr/bin/ls", 0 },
	{ "/usr/sbin/rel", true, "/usr/bin/ls", 0 },
	{ "/deep", true, "/usr/bin/ls", 0 },               /* ".." after a followed link */
	{ "/", false, "/", 0 },
	{ "", false, "/", 0 },
	{ "/./usr//bin/", false, "/usr/bin", 0 },
	{ "/missing/x", false, "/missing/x", 0 },          /* named before it exists */
	{ "/loop/x", false, NULL, ELOOP },
	{ "/a", true, NULL, ELOOP },
	{ "/a", false, "/a", 0 },
	{ "/file/x", false, NULL, ENOTDIR },
};

START_TEST(test_resolve)
{
	const struct resolve_case *c = &resolve_cases[_i];
	make_root(resolve_tree, N_OF(resolve_tree));
	int fd = open(root, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	char out[4096];
	errno = 0;
	int r = root_resolve(fd, c->in, c->follow_last, out, sizeof out);
	if (c->out != NULL) {
		ck_assert_msg(r == 0, "%s: failed: %s", c->in, strerror(errno));
		ck_assert_str_eq(out, c->out);
	} else {
		ck_assert_msg(r == -1 && errno == c->err, "%s: got %d (%s), wanted %s", c->in, r,
			      r ? strerror(errno) : out, strerror(c->err));
	}
	/* The cached form agrees, leaf not followed. */
	if (!c->follow_last) {
		struct root_resolver res = { .rootfd = fd };
		char out2[4096];
		errno = 0;
		int r2 = root_resolve_cached(&res, c->in, out2, sizeof out2);
		ck_assert_int_eq(r2, r);
		if (r == 0)
			ck_assert_str_eq(out2, out);
	}
	close(fd);
	remove_root();
}
END_TEST

START_TEST(test_resolve_small_buffer)
{
	make_root(resolve_tree, N_OF(resolve_tree));
	int fd = open(root, O_PATH | O_DIRECTORY);
	char out[8];
	ck_assert_int_eq(root_resolve(fd, "/bin/ls", false, out, sizeof out), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	close(fd);
	remove_root();
}
END_TEST

/* -- dpkg --------------------------------------------------------------- */

#define OS_RELEASE "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n"
/* A note naming source package SRC SRCVER, installed by binary package
 * NAME VER (as the specification defines name and version). */
#define DEBSRC(src, srcver, name, ver, arch) "{\"type\":\"deb\",\"os\":\"debian\"," \
	"\"osVersion\":\"12\",\"name\":\"" src "\",\"version\":\"" srcver "\"," \
	"\"architecture\":\"" arch "\",\"binaryPackage\":\"" name "\",\"binaryVersion\":\"" \
	ver "\"}"
#define DEB(name, ver, arch) DEBSRC(name, ver, name, ver, arch)
#define STANZA(pkg, ver, arch, extra) "Package: " pkg "\nStatus: install ok installed\n" \
	"Priority: required\n" extra "Architecture: " arch "\nVersion: " ver \
	"\nDescription: a package\n with a long description\n .\n over lines\n\n"
#define SAME "Multi-Arch: same\n"
#define DPKG "var/lib/dpkg/"

/* Every dpkg case's root has these first (merged /usr, os-release). */
static const struct fsent base[] = {
	{ "usr/bin", NULL, NULL },
	{ "usr/lib/x86_64-linux-gnu", NULL, NULL },
	{ "usr/lib/i386-linux-gnu", NULL, NULL },
	{ "bin", NULL, "usr/bin" },
	{ "lib", NULL, "usr/lib" },
	{ "usr/lib/os-release", OS_RELEASE, NULL },
	{ "etc/os-release", NULL, "../usr/lib/os-release" },
	{ DPKG "info", NULL, NULL },
};

struct owner_expect {
	const char *path;
	const char *json;           /* NULL: no package owns it */
	bool doubtful;              /* two packages list it */
};

struct dpkg_case {
	const char *title;
	struct fsent fs[12];
	const char *error;          /* the read fails with this in its message */
	size_t warnings;            /* the read warns this many times */
	const char *warning;        /* in the first warning */
	struct owner_expect expect[6];
	bool bare;                  /* no base entries */
	int (*read)(const char *root, struct pkgdb *db); /* NULL: dpkg's */
};

static const struct dpkg_case dpkg_cases[] = {
	{ "merged /usr and Multi-Arch: same", {
		{ DPKG "status", STANZA("coreutils", "9.1-1", "amd64", "")
				 STANZA("libc6", "2.36-9+deb12u4", "amd64", SAME)
				 STANZA("libc6", "2.36-9+deb12u4", "i386", SAME) },
		{ DPKG "info/coreutils.list", "/.\n/bin\n/bin/ls\n/usr/bin/env\n" },
		{ DPKG "info/libc6:amd64.list", "/lib/x86_64-linux-gnu/libc.so.6\n" },
		{ DPKG "info/libc6:i386.list", "/lib/i386-linux-gnu/libc.so.6\n" } },
	  NULL, 0, NULL, {
		{ "/usr/bin/ls", DEB("coreutils", "9.1-1", "amd64") },
		{ "/usr/bin/env", DEB("coreutils", "9.1-1", "amd64") },
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6", DEB("libc6", "2.36-9+deb12u4", "amd64") },
		{ "/usr/lib/i386-linux-gnu/libc.so.6", DEB("libc6", "2.36-9+deb12u4", "i386") },
		{ "/bin/ls", NULL } } },
	{ "a diversion by a package: the path is the diverter's, the diverted copy elsewhere", {
		{ DPKG "status", STANZA("tool", "1.0", "amd64", "") STANZA("wrapper", "2.0", "all", "") },
		{ DPKG "info/tool.list", "/usr/bin/tool\n" },
		{ DPKG "info/wrapper.list", "/usr/bin/tool\n" },
		{ DPKG "diversions", "/usr/bin/tool\n/usr/bin/tool.real\nwrapper\n" } },
	  NULL, 0, NULL, {
		{ "/usr/bin/tool", DEB("wrapper", "2.0", "all") },
		{ "/usr/bin/tool.real", DEB("tool", "1.0", "amd64") } } },
	{ "merged /usr: a diversion of /usr/bin/x moves the file listed as /bin/x", {
		{ DPKG "status", STANZA("coreutils", "9.1-1", "amd64", "") STANZA("wrapper", "2.0", "all", "") },
		{ DPKG "info/coreutils.list", "/bin/sleep\n" },
		{ DPKG "info/wrapper.list", "/usr/bin/sleep\n" },
		{ DPKG "diversions", "/usr/bin/sleep\n/usr/bin/sleep.distrib\nwrapper\n" } },
	  NULL, 0, NULL, {
		{ "/usr/bin/sleep", DEB("wrapper", "2.0", "all") },
		{ "/usr/bin/sleep.distrib", DEB("coreutils", "9.1-1", "amd64") } } },
	{ "a local diversion: the path is nobody's", {
		{ DPKG "status", STANZA("tool", "1.0", "amd64", "") },
		{ DPKG "info/tool.list", "/bin/tool\n" },
		{ DPKG "diversions", "/bin/tool\n/bin/tool.distrib\n:\n" } },
	  NULL, 0, NULL, {
		{ "/usr/bin/tool.distrib", DEB("tool", "1.0", "amd64") },
		{ "/usr/bin/tool", NULL } } },
	{ "a truncated status: the cut stanza is left out", {
		{ DPKG "status", STANZA("coreutils", "9.1-1", "amd64", "")
				 "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2." },
		{ DPKG "info/coreutils.list", "/bin/ls\n" },
		{ DPKG "info/bash.list", "/bin/bash\n" } },
	  NULL, 1, "truncated", {
		{ "/usr/bin/ls", DEB("coreutils", "9.1-1", "amd64") },
		{ "/usr/bin/bash", NULL } } },
	{ "a garbled status: bad stanzas are left out", {
		{ DPKG "status", STANZA("../../etc", "1", "amd64", "")
				 STANZA("bad-version", "1.0\x01", "amd64", "")
				 STANZA("no-arch", "1.0", "", "")
				 "garbage without a colon\nPackage: twice\nPackage: twice\n"
				 "Status: install ok installed\nVersion: 1\nArchitecture: amd64\n\n"
				 STANZA("good", "1", "amd64", "") },
		{ DPKG "info/good.list", "/bin/good\n" },
		{ DPKG "info/no-arch.list", "/bin/no-arch\n" } },
	  NULL, 4, "no valid Package", {
		{ "/usr/bin/good", DEB("good", "1", "amd64") },
		{ "/usr/bin/no-arch", NULL } } },
	{ "states without files on disk are not packages", {
		{ DPKG "status", "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n"
				 "Architecture: amd64\n\n" STANZA("here", "1", "amd64", "") },
		{ DPKG "info/gone.list", "/bin/gone\n" },
		{ DPKG "info/here.list", "/bin/here\n" } },
	  NULL, 0, NULL, {
		{ "/usr/bin/gone", NULL },
		{ "/usr/bin/here", DEB("here", "1", "amd64") } } },
	{ "a .list naming paths through .. or relative: left out", {
		{ DPKG "status", STANZA("evil", "1", "amd64", "") },
		{ DPKG "info/evil.list", "/../../etc/passwd\n/usr/../etc/shadow\netc/group\n/bin/ok\n" } },
	  NULL, 1, "not an absolute, normalised path", {
		{ "/etc/passwd", NULL },
		{ "/etc/shadow", NULL },
		{ "/etc/group", NULL },
		{ "/usr/bin/ok", DEB("evil", "1", "amd64") } } },
	{ "an absolute symbolic link pointing out: resolved inside the root", {
		{ DPKG "status", STANZA("evil", "1", "amd64", "") },
		{ "opt/out", NULL, "/etc" },
		{ "opt/up", NULL, "../../../../../../usr/bin" },
		{ DPKG "info/evil.list", "/opt/out/passwd\n/opt/up/x\n" } },
	  NULL, 0, NULL, {
		{ "/etc/passwd", DEB("evil", "1", "amd64") },
		{ "/usr/bin/x", DEB("evil", "1", "amd64") },
		{ "/opt/out/passwd", NULL } } },
	{ "two packages listing one file: doubtful", {
		{ DPKG "status", STANZA("one", "1", "amd64", "") STANZA("two", "1", "amd64", "") },
		{ DPKG "info/one.list", "/bin/x\n" },
		{ DPKG "info/two.list", "/usr/bin/x\n" } },
	  NULL, 0, NULL, { { "/usr/bin/x", DEB("one", "1", "amd64"), true } } },
	{ "Multi-Arch: same with a plain .list, and a missing .list", {
		{ DPKG "status", STANZA("zlib1g", "1:1.2.13", "amd64", SAME)
				 STANZA("nolist", "1", "amd64", "") },
		{ DPKG "info/zlib1g.list", "/lib/x86_64-linux-gnu/libz.so.1\n" } },
	  NULL, 1, "missing", {
		{ "/usr/lib/x86_64-linux-gnu/libz.so.1", DEB("zlib1g", "1:1.2.13", "amd64") } } },
	{ "no os-release: no os keys", {
		{ "usr/lib/os-release", NULL, "/nowhere" },
		{ DPKG "status", STANZA("p", "1", "amd64", "") },
		{ DPKG "info/p.list", "/bin/p\n" } },
	  NULL, 1, "no os-release", {
		{ "/bin/p", "{\"type\":\"deb\",\"name\":\"p\",\"version\":\"1\",\"architecture\":\"amd64\","
			    "\"binaryPackage\":\"p\",\"binaryVersion\":\"1\"}" } },
	  true },
	{ "a truncated diversions file fails the read", {
		{ DPKG "status", STANZA("p", "1", "amd64", "") },
		{ DPKG "diversions", "/usr/bin/a\n/usr/bin/a.real\n" } },
	  "not whole entries of 3" },
	{ "a status file with no package fails the read", {
		{ DPKG "status", "\n\n" } },
	  "no installed package" },
	{ "a status file that is a symbolic link is refused", {
		{ "etc/shadow", STANZA("p", "1", "amd64", "") },
		{ DPKG "status", NULL, "/etc/shadow" } },
	  "status: cannot open" },
	{ "no dpkg database", { { "usr/bin/x", "" } }, "no dpkg database", 0, NULL, { { NULL } }, true },

	/* Names: the source package's, the binary package's in binaryPackage. */
	{ "Source: with a version (a binNMU), and without one", {
		{ DPKG "status", STANZA("libselinux1", "3.4-1+b6", "amd64", "Source: libselinux (3.4-1)\n")
				 STANZA("libpam0g", "1.5.2-6", "amd64", "Source: pam\n") },
		{ DPKG "info/libselinux1.list", "/lib/x86_64-linux-gnu/libselinux.so.1\n" },
		{ DPKG "info/libpam0g.list", "/lib/x86_64-linux-gnu/libpam.so.0\n" } },
	  NULL, 0, NULL, {
		{ "/usr/lib/x86_64-linux-gnu/libselinux.so.1",
		  DEBSRC("libselinux", "3.4-1", "libselinux1", "3.4-1+b6", "amd64") },
		{ "/usr/lib/x86_64-linux-gnu/libpam.so.0",
		  DEBSRC("pam", "1.5.2-6", "libpam0g", "1.5.2-6", "amd64") } } },
	{ "a Source: that is not a package name is not trusted", {
		{ DPKG "status", STANZA("p", "1", "amd64", "Source: ../x (1)\n")
				 STANZA("q", "1", "amd64", "") },
		{ DPKG "info/p.list", "/bin/p\n" },
		{ DPKG "info/q.list", "/bin/q\n" } },
	  NULL, 1, "no valid Source", { { "/usr/bin/p", NULL }, { "/usr/bin/q", DEB("q", "1", "amd64") } } },

	/* Distroless: status.d/NAME and status.d/NAME.md5sums, no status. */
	{ "distroless: control stanzas without Status, files from .md5sums", {
		{ DPKG "status.d/libc6", "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n"
					 "Multi-Arch: same\nSource: glibc\nDescription: libc\n" },
		{ DPKG "status.d/libc6.md5sums", "0123456789abcdef0123456789abcdef  "
						 "lib/x86_64-linux-gnu/libc.so.6\n" },
		{ DPKG "status.d/hello", STANZA("hello", "1.0-1+b2", "amd64", "Source: demo (1.0-1)\n") },
		{ DPKG "status.d/hello.md5sums", "0123456789abcdef0123456789abcdef *usr/bin/hello\n" } },
	  NULL, 0, NULL, {
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6",
		  DEBSRC("glibc", "2.36-9+deb12u4", "libc6", "2.36-9+deb12u4", "amd64") },
		{ "/usr/bin/hello", DEBSRC("demo", "1.0-1", "hello", "1.0-1+b2", "amd64") } } },
	{ "distroless: a package without .md5sums is reported, nothing guessed", {
		{ DPKG "status.d/a", "Package: a\nVersion: 1\nArchitecture: amd64\n" },
		{ DPKG "status.d/b", "Package: b\nVersion: 1\nArchitecture: amd64\n" },
		{ DPKG "status.d/b.md5sums", "0123456789abcdef0123456789abcdef  usr/bin/b\n" } },
	  NULL, 1, "status.d/a.md5sums: missing; the files of a are unknown", {
		{ "/usr/bin/a", NULL },
		{ "/usr/bin/b", DEB("b", "1", "amd64") } } },
	{ "distroless: a stanza without Package, a cut stanza, bad .md5sums lines", {
		{ DPKG "status.d/anon", "Version: 1\nArchitecture: amd64\n" },
		{ DPKG "status.d/cut", "Package: cut\nVersion: 1\nArchitecture: am" },
		{ DPKG "status.d/cut.md5sums", "0123456789abcdef0123456789abcdef  usr/bin/cut\n" },
		{ DPKG "status.d/c", "Package: c\nVersion: 1\nArchitecture: amd64\n" },
		{ DPKG "status.d/c.md5sums", "0123456789abcdef0123456789abcdef  ../../etc/passwd\n"
					     "not a sum  usr/bin/x\n"
					     "0123456789abcdef0123456789abcdef  usr/bin/c\n" } },
	  NULL, 3, "status.d/anon: line 1: package (unnamed): no valid Package", {
		{ "/usr/bin/cut", NULL },
		{ "/etc/passwd", NULL },
		{ "/usr/bin/x", NULL },
		{ "/usr/bin/c", DEB("c", "1", "amd64") } } },
	{ "distroless: a status.d that is a symbolic link is refused", {
		{ "elsewhere/p", "Package: p\nVersion: 1\nArchitecture: amd64\n" },
		{ DPKG "status.d", NULL, "../../../elsewhere" } },
	  "status.d: cannot open" },
	{ "distroless: no package at all", { { DPKG "status.d/README.md5sums", "" } },
	  "status.d: no installed package" },

	/* apk: lib/apk/db/installed, as apk-tools writes it. */
#define ALPINE "ID=alpine\nVERSION_ID=3.20.3\n"
#define APK(origin, name, ver) "{\"type\":\"apk\",\"os\":\"alpine\",\"osVersion\":\"3.20.3\"," \
	"\"name\":\"" origin "\",\"version\":\"" ver "\",\"architecture\":\"x86_64\"," \
	"\"binaryPackage\":\"" name "\",\"binaryVersion\":\"" ver "\"}"
#define APKDB "lib/apk/db/installed"
	{ "apk: origin as name, V: as version, files under F:", {
		{ "etc/os-release", ALPINE },
		{ APKDB, "C:Q1abc=\nP:libgreet\nV:1.2-r3\nA:x86_64\nS:1\nI:2\nT:t\nU:\nL:\no:greet\n"
			 "f:S\nF:usr\nF:usr/lib\nR:libgreet.so.1\na:0:0:755\nZ:Q1x=\n\n"
			 "P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n"
			 "R:libc.musl-x86_64.so.1\nF:\nR:top\n\n"
			 "P:noorigin\nV:1-r0\nA:x86_64\nF:usr/bin\nR:tool\n\n" } },
	  NULL, 0, NULL, {
		{ "/usr/lib/libgreet.so.1", APK("greet", "libgreet", "1.2-r3") },
		{ "/lib/ld-musl-x86_64.so.1", APK("musl", "musl", "1.2.5-r0") },
		{ "/lib/libc.musl-x86_64.so.1", APK("musl", "musl", "1.2.5-r0") },
		{ "/top", APK("musl", "musl", "1.2.5-r0") },
		{ "/usr/bin/tool", APK("noorigin", "noorigin", "1-r0") } },
	  true, pkgdb_read_apk },
	{ "apk: a truncated stanza, F: with .., R: without F:: warned, nothing guessed", {
		{ "etc/os-release", ALPINE },
		{ APKDB, "P:a\nV:1-r0\nA:x86_64\nR:early\nF:../../etc\nR:passwd\nF:usr/bin\nR:a\n"
			 "R:../x\n\nP:cut\nV:2-r0\nA:x86_64\nF:usr/bin\nR:cut\n" } },
	  NULL, 4, "R:early has no F: line before it", {
		{ "/early", NULL },
		{ "/etc/passwd", NULL },
		{ "/x", NULL },
		{ "/usr/bin/cut", NULL },
		{ "/usr/bin/a", APK("a", "a", "1-r0") } },
	  true, pkgdb_read_apk },
	{ "apk: garbled stanzas are left out", {
		{ "etc/os-release", ALPINE },
		{ APKDB, "P:twice\nP:twice\nV:1\nA:x86_64\nF:usr/bin\nR:twice\n\n"
			 "no colon here\nP:nocolon\nV:1\nA:x86_64\nF:usr/bin\nR:nocolon\n\n"
			 "P:nover\nA:x86_64\nF:usr/bin\nR:nover\n\n"
			 "P:sp ace\nV:1\nA:x86_64\nF:usr/bin\nR:space\n\n"
			 "P:good\nV:1\nA:x86_64\nF:usr/bin\nR:good\n\n" } },
	  NULL, 4, "package twice: garbled lines", {
		{ "/usr/bin/twice", NULL },
		{ "/usr/bin/nocolon", NULL },
		{ "/usr/bin/nover", NULL },
		{ "/usr/bin/space", NULL },
		{ "/usr/bin/good", APK("good", "good", "1") } },
	  true, pkgdb_read_apk },
	{ "apk: an empty database fails the read", { { APKDB, "" } },
	  "no installed package", 0, NULL, { { NULL } }, true, pkgdb_read_apk },
	{ "apk: a database that is a symbolic link out is resolved in the root", {
		{ "lib/apk/db", NULL, "/nowhere" } },
	  "installed: cannot open", 0, NULL, { { NULL } }, true, pkgdb_read_apk },
};

static void check_case(const struct dpkg_case *c, const struct pkgdb *db, int r)
{
	if (c->error != NULL) {
		ck_assert_msg(r == -1, "%s: read succeeded", c->title);
		ck_assert_msg(strstr(db->error, c->error) != NULL, "%s: error \"%s\"", c->title,
			      db->error);
		ck_assert_msg(strchr(db->error, '\n') == NULL, "%s: not one line", c->title);
		return;
	}
	ck_assert_msg(r == 0, "%s: %s", c->title, db->error);
	for (size_t i = 0; i < db->nwarnings; i++)
		fprintf(stderr, "%s: warning: %s\n", c->title, db->warnings[i]);
	ck_assert_msg(db->nwarnings == c->warnings, "%s: %zu warnings", c->title, db->nwarnings);
	if (c->warning != NULL)
		ck_assert_msg(strstr(db->warnings[0], c->warning) != NULL, "%s: %s", c->title,
			      db->warnings[0]);
	for (size_t i = 0; i < N_OF(c->expect) && c->expect[i].path != NULL; i++) {
		const struct owner_expect *e = &c->expect[i];
		const struct pkgdb_owner *o = pkgdb_lookup(db, e->path);
		if (e->json == NULL) {
			ck_assert_msg(o == NULL, "%s: %s owned by %s", c->title, e->path,
				      o ? o->pkg->name : "");
			continue;
		}
		ck_assert_msg(o != NULL, "%s: %s owned by nobody", c->title, e->path);
		ck_assert_str_eq(o->pkg->json, e->json);
		ck_assert_msg((o->also != NULL) == e->doubtful, "%s: %s", c->title, e->path);
	}
}

START_TEST(test_dpkg)
{
	const struct dpkg_case *c = &dpkg_cases[_i];
	make_root(c->bare ? NULL : base, c->bare ? 0 : N_OF(base));
	for (size_t i = 0; i < N_OF(c->fs) && c->fs[i].path != NULL; i++)
		make_entry(root, &c->fs[i]);
	struct pkgdb db = { 0 };
	int r = (c->read ? c->read : pkgdb_read_dpkg)(root, &db);
	check_case(c, &db, r);
	pkgdb_free(&db);
	remove_root();
}
END_TEST

/* -- source rpm file names ----------------------------------------------- */

static const struct { const char *srpm, *name, *version; } srpm_cases[] = {
	{ "foo-1.2-3.fc40.src.rpm", "foo", "1.2-3.fc40" },          /* foo-devel's, foo-libs' */
	{ "python-foo-bar-2.0~rc1-0.1.el9.src.rpm", "python-foo-bar", "2.0~rc1-0.1.el9" },
	{ "glibc-2.39-17.fc40.nosrc.rpm", "glibc", "2.39-17.fc40" },
	{ "foo-1.2.src.rpm", NULL },                                /* no release */
	{ "foo--3.src.rpm", NULL },                                 /* empty version */
	{ "-1.2-3.src.rpm", NULL },                                 /* no name */
	{ "foo-1.2-.src.rpm", NULL },                               /* empty release */
	{ "foo-1.2-3.fc40.x86_64.rpm", NULL },                      /* a binary rpm */
	{ "(none)", NULL },
	{ "../foo-1.2-3.src.rpm", NULL },
	{ "", NULL },
};

START_TEST(test_srpm)
{
	char name[64], version[64];
	int r = pkgdb_parse_srpm(srpm_cases[_i].srpm, name, sizeof name, version, sizeof version);
	if (srpm_cases[_i].name == NULL) {
		ck_assert_msg(r == -1, "%s: taken as %s %s", srpm_cases[_i].srpm, name, version);
		return;
	}
	ck_assert_msg(r == 0, "%s: refused", srpm_cases[_i].srpm);
	ck_assert_str_eq(name, srpm_cases[_i].name);
	ck_assert_str_eq(version, srpm_cases[_i].version);
}
END_TEST

/* -- os-release ---------------------------------------------------------- */

START_TEST(test_os_release)
{
	static const char text[] = "NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=40\n"
		"CPE_NAME=\"cpe:/o:fedoraproject:fedora:40\"\nID_LIKE='a b'\n";
	FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
	struct pkgdb_os os = { 0 };
	pkgdb_parse_os_release(f, &os);
	fclose(f);
	ck_assert_str_eq(os.id, "fedora");
	ck_assert_str_eq(os.version_id, "40");
	ck_assert_str_eq(os.cpe, "cpe:/o:fedoraproject:fedora:40");
	pkgdb_os_free(&os);
}
END_TEST

static Suite *pkgdb_suite(void)
{
	Suite *s = suite_create("pkgdb");
	TCase *tc = tcase_create("root_path");
	tcase_add_loop_test(tc, test_resolve, 0, (int)N_OF(resolve_cases));
	tcase_add_test(tc, test_resolve_small_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("dpkg");
	tcase_add_loop_test(tc, test_dpkg, 0, (int)N_OF(dpkg_cases));
	tcase_add_test(tc, test_os_release);
	tcase_add_loop_test(tc, test_srpm, 0, (int)N_OF(srpm_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pkgdb_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
