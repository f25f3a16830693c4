/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_DWFL_LOAD_H
#define PKGNOTE_DWFL_LOAD_H

#include <elfutils/libdwfl.h>

/*
 * The libdwfl functions the core reader uses, from libdw opened the first
 * time a core is read: stamping, showing and checking binaries never need
 * it, and a process that does not map it starts faster.
 */
struct pn_dwfl {
	typeof(dwfl_begin) *begin;
	typeof(dwfl_end) *end;
	typeof(dwfl_errmsg) *errmsg;
	typeof(dwfl_core_file_report) *core_file_report;
	typeof(dwfl_report_end) *report_end;
	typeof(dwfl_getmodules) *getmodules;
	typeof(dwfl_module_info) *module_info;
	typeof(dwfl_module_build_id) *module_build_id;
};

/* NULL, with the loader's reason in *why, when libdw cannot be loaded. */
const struct pn_dwfl *pn_dwfl_load(const char **why);

#endif
