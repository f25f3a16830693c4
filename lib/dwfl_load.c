/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "dwfl_load.h"

/* The soname elfutils has kept since libdw first shipped. */
#define LIBDW "libdw.so.1"

static struct pn_dwfl fns;
static const struct pn_dwfl *loaded;
static char reason[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

#ifdef PKGNOTE_STATIC_LIBDW
/* The static pkgnote (meson -Dstatic_exe=true) cannot dlopen: libdw is
 * linked into it, and the table points at its functions. */
static void load(void)
{
	fns = (struct pn_dwfl){
		.begin = dwfl_begin, .end = dwfl_end, .errmsg = dwfl_errmsg,
		.core_file_report = dwfl_core_file_report, .report_end = dwfl_report_end,
		.getmodules = dwfl_getmodules, .module_info = dwfl_module_info,
		.module_build_id = dwfl_module_build_id,
	};
	loaded = &fns;
}
#else
static bool resolve(void *lib, const char *name, void *slot)
{
	void *sym = dlsym(lib, name);
	if (sym == NULL) {
		snprintf(reason, sizeof reason, "%s: no %s", LIBDW, name);
		return false;
	}
	/* POSIX guarantees a function pointer survives this round trip. */
	*(void **)slot = sym;
	return true;
}

static void load(void)
{
	/* Never unloaded: the functions stay valid for the process's life. */
	void *lib = dlopen(LIBDW, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(reason, sizeof reason, "%s", dlerror());
		return;
	}
	if (resolve(lib, "dwfl_begin", &fns.begin) && resolve(lib, "dwfl_end", &fns.end) &&
	    resolve(lib, "dwfl_errmsg", &fns.errmsg) &&
	    resolve(lib, "dwfl_core_file_report", &fns.core_file_report) &&
	    resolve(lib, "dwfl_report_end", &fns.report_end) &&
	    resolve(lib, "dwfl_getmodules", &fns.getmodules) &&
	    resolve(lib, "dwfl_module_info", &fns.module_info) &&
	    resolve(lib, "dwfl_module_build_id", &fns.module_build_id))
		loaded = &fns;
	else
		dlclose(lib);
}
#endif

const struct pn_dwfl *pn_dwfl_load(const char **why)
{
	pthread_once(&once, load);
	if (loaded == NULL && why != NULL)
		*why = reason;
	return loaded;
}
