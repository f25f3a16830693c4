/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What batch mode needs from a root's package records: reading them once,
 * mapping the paths the walk finds (ROOT/usr/bin/ls) to the root's own
 * paths (/usr/bin/ls, resolved inside the root as the database's paths
 * were), and comparing a note with the owner's record for check.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "md_json.h"
#include "messages.h"
#include "retrofit.h"

/* ROOT itself or a path below it, textually: the walk's paths then
 * start with ROOT too. */
static bool below_root(const struct retrofit *rf, const char *path)
{
	if (rf->rootlen == 0)
		return path[0] == '/';
	return strncmp(path, rf->root, rf->rootlen) == 0 &&
	       (path[rf->rootlen] == '\0' || path[rf->rootlen] == '/');
}

int retrofit_begin(const struct cli *cli, int argc, char **argv, struct retrofit *rf)
{
	memset(rf, 0, sizeof *rf);
	rf->res.rootfd = -1;
	rf->root = cli->db_root;
	rf->rootlen = strlen(rf->root);
	while (rf->rootlen > 0 && rf->root[rf->rootlen - 1] == '/')
		rf->rootlen--;
	if (cli->opts.follow_symlinks)
		return usage_error("--follow-symlinks", "not with --from-dpkg/--from-rpm/"
				   "--from-packages (a link in a root is the root's, not the host's)");
	char *real_root = realpath(rf->root, NULL);
	for (int i = 0; i < argc; i++) {
		/* Textually below ROOT, and not led out of it by a symbolic link
		 * on the way (ROOT/bin -> /usr/bin would be the host's). */
		char *real = real_root ? realpath(argv[i], NULL) : NULL;
		size_t n = real_root ? strlen(real_root) : 0;
		bool inside = real != NULL && strncmp(real, real_root, n) == 0 &&
			      (real[n] == '\0' || real[n] == '/' || n == 1);
		free(real);
		if (!below_root(rf, argv[i]) || (real_root != NULL && !inside)) {
			free(real_root);
			return usage_error(argv[i], "is not ROOT or a path below it "
					   "(with --from-* ROOT)");
		}
	}
	free(real_root);
	rf->res.rootfd = open(rf->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rf->res.rootfd < 0) {
		fprintf(stderr, "pkgnote: %s: cannot open: %s\n", rf->root, strerror(errno));
		return PKGNOTE_IO;
	}
	char why[1024];
	if (sources_open(&rf->src, rf->root, rf->res.rootfd, cli->db_kind, cli->origins_file,
			 why, sizeof why) != 0) {
		fprintf(stderr, "pkgnote: %s\n", why);
		return PKGNOTE_IO;
	}
	return PKGNOTE_OK;
}

void retrofit_end(struct retrofit *rf)
{
	sources_close(&rf->src);
	if (rf->res.rootfd >= 0)
		close(rf->res.rootfd);
	rf->res.rootfd = -1;
}

const struct pkgdb_package *retrofit_owner(struct retrofit *rf, const char *path,
					   const struct pkgdb_package **also, size_t *source)
{
	char inroot[4096];
	*also = NULL;
	if (!below_root(rf, path) ||
	    root_resolve_cached(&rf->res, path + rf->rootlen, inroot, sizeof inroot) != 0)
		return NULL;
	return sources_owner(&rf->src, inroot, path, also, source);
}

const char *retrofit_source_name(const struct retrofit *rf, size_t source)
{
	return rf->src.ops[source]->name;
}

static bool either(const char *got, const char *a, const char *b)
{
	return got == NULL || (a && strcmp(got, a) == 0) || (b && strcmp(got, b) == 0);
}

char *retrofit_disagreement(const struct retrofit *rf, size_t source,
			    const struct pkgdb_package *pkg, const char *json)
{
	json_object *obj = md_json_parse(json), *want = md_json_parse(pkg->json);
	char *why = NULL;
	if (obj == NULL || want == NULL)
		goto out;
	const char *type = md_json_string(obj, "type"), *name = md_json_string(obj, "name"),
		   *version = md_json_string(obj, "version"),
		   *arch = md_json_string(obj, "architecture");
	/* A record without an architecture (npm's) takes any. */
	if (!either(type, md_json_string(want, "type"), NULL) ||
	    !either(name, pkg->name, pkg->source) ||
	    !either(version, pkg->version, pkg->source_version) ||
	    (pkg->arch != NULL && !either(arch, pkg->arch, NULL))) {
		const struct pkgsrc_ops *ops = rf->src.ops[source];
		if (asprintf(&why, "package note (%s %s %s) disagrees with the %s %s (%s %s %s)",
			     name ? name : "-", version ? version : "-", arch ? arch : "-",
			     ops->name, ops->tier == PKGSRC_OS ? "database" : "records",
			     pkg->name, pkg->version ? pkg->version : "-",
			     pkg->arch ? pkg->arch : "-") < 0)
			why = NULL;
	}
out:
	json_object_put(obj);
	json_object_put(want);
	return why;
}
