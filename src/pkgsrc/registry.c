/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every source of package records, in the order batch mode asks them
 * (src/pkgsrc.h): tier by tier, and within a tier as listed here.  A new
 * source is its own file in this directory, one declaration and one row
 * below, and its file's name in src/meson.build; nothing else names it.
 */
#include <string.h>

#include "pkgsrc.h"

extern const struct pkgsrc_ops pkgsrc_dpkg, pkgsrc_rpm;
extern const struct pkgsrc_ops pkgsrc_apk;
extern const struct pkgsrc_ops pkgsrc_conda, pkgsrc_python, pkgsrc_npm, pkgsrc_origins;
extern const struct pkgsrc_ops pkgsrc_go, pkgsrc_cargo;

const struct pkgsrc_ops *const pkgsrc_table[] = {
	/* PKGSRC_OS */
	&pkgsrc_dpkg,
	&pkgsrc_rpm,
	&pkgsrc_apk,
	/* PKGSRC_LANGUAGE: conda first, as the installer of a prefix whose
	 * Python packages also carry pip's records (conda-meta names the
	 * build that is on disk) */
	&pkgsrc_conda,
	&pkgsrc_python,
	&pkgsrc_npm,
	/* PKGSRC_BUILD_INFO */
	&pkgsrc_go,
	&pkgsrc_cargo,
	/* PKGSRC_MAP */
	&pkgsrc_origins,
	NULL,
};

const struct pkgsrc_ops *pkgsrc_find(const char *name)
{
	for (size_t i = 0; pkgsrc_table[i] != NULL; i++)
		if (strcmp(pkgsrc_table[i]->name, name) == 0)
			return pkgsrc_table[i];
	return NULL;
}
