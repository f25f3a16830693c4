/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rpm's database, through one query of the whole of it (doc/retrofit.md):
 * rpm itself reads whichever backend the root uses (sqlite, ndb,
 * bdb_ro), which no file format of ours could follow.  The query prints
 * one line per file of every package:
 *   STATE \t NAME \t VERSION-RELEASE \t ARCH \t SOURCERPM \t PATH
 * The note names the source package, from the source rpm's file name
 * (foo-devel's SOURCERPM is foo-1.2-3.fc40.src.rpm: foo, 1.2-3.fc40); a
 * package without one (gpg-pubkey's "(none)") names itself.
 * Only files in state "normal" are on disk as their package made them
 * (not "replaced" by another package, not "wrong color" on a multilib
 * system, not "not installed" through %_excludedocs or --nodocs).  Lines
 * of one package come together: a package record is made when the
 * package changes.  A path holding a tab or a newline cannot be told from
 * the separators: such lines are left out with a warning.
 *
 * The database directory is found in the root (usr/lib/sysimage/rpm, as
 * rpm 4.16 distributions have it, else var/lib/rpm), resolved inside the
 * root and given to rpm with --dbpath: rpm's own default differs between
 * builds (Debian's is /root/.rpmdb), and a symbolic link in the root must
 * not lead rpm to a database of the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pkgdb.h"
#include "pkgsrc.h"
#include "root_path.h"

/* %{=TAG}: a package's one value, repeated on every line of its files. */
#define QUERY_FORMAT "[%{FILESTATES:fstate}\\t%{=NAME}\\t%{=VERSION}-%{=RELEASE}\\t%{=ARCH}" \
	"\\t%{=SOURCERPM}\\t%{FILENAMES}\\n]"
#define NFIELDS 6

int pkgdb_parse_srpm(const char *srpm, char *name, size_t namesz, char *version, size_t versz)
{
	static const char *const suffixes[] = { ".src.rpm", ".nosrc.rpm" };
	size_t len = strlen(srpm), cut = 0;
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0] && cut == 0; i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && strcmp(srpm + len - n, suffixes[i]) == 0)
			cut = len - n;
	}
	if (cut == 0 || strchr(srpm, '/') != NULL)
		return -1;
	/* NAME-VERSION-RELEASE: version and release hold no '-', a name may. */
	const char *rel = memrchr(srpm, '-', cut);
	const char *ver = rel != NULL ? memrchr(srpm, '-', (size_t)(rel - srpm)) : NULL;
	if (ver == NULL || ver == srpm || rel == ver + 1 || rel + 1 == srpm + cut)
		return -1;
	size_t nlen = (size_t)(ver - srpm), vlen = cut - nlen - 1;
	if (nlen >= namesz || vlen >= versz)
		return -1;
	memcpy(name, srpm, nlen);
	name[nlen] = '\0';
	memcpy(version, ver + 1, vlen);
	version[vlen] = '\0';
	return 0;
}

/* The database directory's in-root path in DIR; -1 when there is none. */
static int find_dbpath(int rootfd, char *dir, size_t size)
{
	static const char *const where[] = { "/usr/lib/sysimage/rpm", "/var/lib/rpm" };
	for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
		struct stat st;
		if (root_resolve(rootfd, where[i], true, dir, size) == 0 &&
		    fstatat(rootfd, dir + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			return 0;
	}
	return -1;
}

/* rpm --root ROOT --dbpath DB -qa --qf FORMAT, its standard output on *out. */
static pid_t start_query(const char *root, const char *dbpath, FILE **out)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0)
			_exit(127);
		char *argv[] = { "rpm", "--root", (char *)root, "--dbpath", (char *)dbpath, "-qa",
				 "--qf", QUERY_FORMAT, NULL };
		execvp("rpm", argv);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0 || (*out = fdopen(p[0], "r")) == NULL) {
		close(p[0]);
		if (pid > 0) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	return pid;
}

/* The package of a query line's fields; NULL with a warning when its
 * metadata cannot be trusted, or out of memory (errno ENOMEM). */
static const struct pkgdb_package *add_package(const char *root, struct pkgdb *db,
					       const struct pkgdb_os *os, char *const *field)
{
	char src[256], srcver[256];
	bool none = strcmp(field[4], "(none)") == 0;
	if (!none && pkgdb_parse_srpm(field[4], src, sizeof src, srcver, sizeof srcver) != 0) {
		pkgdb_warn(db, "%s: package %s: SOURCERPM %s is not NAME-VERSION-RELEASE.src.rpm; "
			   "its files are not stamped", root, field[1], field[4]);
		errno = EINVAL;
		return NULL;
	}
	const struct pkgdb_package *pkg = pkgdb_add_package(db, "rpm", os, field[1], field[2],
		field[3], none ? NULL : src, none ? NULL : srcver);
	if (pkg == NULL && errno != ENOMEM) {
		pkgdb_warn(db, "%s: package %s: %s; its files are not stamped", root, field[1],
			   db->error);
		db->error[0] = '\0';
	}
	return pkg;
}

static int read_lines(const char *root, FILE *f, int rootfd, const struct pkgdb_os *os,
		      struct pkgdb *db)
{
	struct root_resolver res = { .rootfd = rootfd };
	const struct pkgdb_package *pkg = NULL;
	char *buf = NULL, resolved[4096];
	size_t cap = 0, nline = 0, bad_lines = 0;
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = getline(&buf, &cap, f)) >= 0) {
		nline++;
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		bool nul = strlen(buf) != (size_t)n;
		char *field[NFIELDS], *s = buf;
		size_t k = 0;
		for (; k < NFIELDS && (field[k] = strsep(&s, "\t")) != NULL; k++)
			;
		if (nul || k < NFIELDS || s != NULL || field[NFIELDS - 1][0] != '/') {
			if (bad_lines++ == 0)
				pkgdb_warn(db, "%s: rpm query line %zu: not STATE, NAME, VERSION, ARCH, "
					   "SOURCERPM and an absolute path (a path with a tab or "
					   "newline?); left out", root, nline);
			continue;
		}
		if (strcmp(field[0], "normal") != 0)
			continue;
		if (pkg == NULL || strcmp(pkg->name, field[1]) || strcmp(pkg->version, field[2]) ||
		    strcmp(pkg->arch, field[3])) {
			pkg = add_package(root, db, os, field);
			if (pkg == NULL && errno == ENOMEM)
				return -1;
			if (pkg == NULL)
				continue;
		}
		if (root_resolve_cached(&res, field[NFIELDS - 1], resolved, sizeof resolved) != 0)
			continue; /* names no file of this root */
		if (pkgdb_add_owner(db, resolved, pkg) != 0)
			rc = -1;
	}
	free(buf);
	if (rc != 0)
		snprintf(db->error, sizeof db->error, "%s", strerror(ENOMEM));
	return rc;
}

int pkgdb_read_rpm(const char *root, struct pkgdb *db)
{
	struct pkgdb_os os = { 0 };
	FILE *out = NULL;
	int rc = -1, status = 0;
	db->kind = "rpm";
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		snprintf(db->error, sizeof db->error, "%s: cannot open: %s", root, strerror(errno));
		return -1;
	}
	pkgdb_read_os(rootfd, true, &os);
	char dbpath[4096];
	if (find_dbpath(rootfd, dbpath, sizeof dbpath) != 0) {
		snprintf(db->error, sizeof db->error, "%s: no rpm database (usr/lib/sysimage/rpm, "
			 "var/lib/rpm)", root);
		goto out;
	}
	pid_t pid = start_query(root, dbpath, &out);
	if (pid < 0) {
		snprintf(db->error, sizeof db->error, "%s: cannot run rpm: %s", root, strerror(errno));
		goto out;
	}
	rc = read_lines(root, out, rootfd, &os, db);
	fclose(out);
	if (waitpid(pid, &status, 0) != pid)
		status = 0x7f00; /* as if exit status 127 */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(db->error, sizeof db->error, "%s: rpm --root %s -qa failed (%s %d): the rpm "
			 "database cannot be read", root, root,
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			snprintf(db->error, sizeof db->error, "%s: cannot run rpm (is it installed?)", root);
		rc = -1;
		goto out;
	}
	if (rc == 0 && db->npkgs == 0) {
		snprintf(db->error, sizeof db->error, "%s: the rpm database (rpm --root %s -qa) "
			 "lists no package with files", root, root);
		rc = -1;
	}
	if (rc == 0 && os.cpe == NULL)
		pkgdb_warn(db, "%s: no usr/lib/system-release-cpe and no CPE_NAME in os-release: "
			   "the notes lack osCpe", root);
	if (rc == 0)
		pkgdb_finish(db);
out:
	pkgdb_os_free(&os);
	close(rootfd);
	return rc;
}

/* -- the source (src/pkgsrc.h) ---------------------------------------------- */

static int rpm_open(const struct pkgsrc_root *root, struct pkgsrc **src, char *why, size_t whylen)
{
	char dbpath[4096];
	*src = NULL;
	if (find_dbpath(root->rootfd, dbpath, sizeof dbpath) != 0) {
		snprintf(why, whylen, "%s: no rpm database (usr/lib/sysimage/rpm, var/lib/rpm)",
			 root->root);
		return 0;
	}
	return pkgdb_source_open(root, pkgdb_read_rpm, src, why, whylen);
}

const struct pkgsrc_ops pkgsrc_rpm = {
	.name = "rpm",
	.tier = PKGSRC_OS,
	.open = rpm_open,
	.owner = pkgdb_source_owner,
	.close = pkgdb_source_close,
};
