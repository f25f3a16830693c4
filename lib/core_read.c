/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Package metadata of the modules of a core file.  libdwfl finds the
 * modules (from the core's file mappings and the dynamic linker's list) and
 * their build-ids; the note itself is read the way a crash handler must
 * when the binaries are gone: from the module's first page as the kernel
 * dumped it, whose program headers lead to its PT_NOTE segments.  Nothing
 * read from the core is trusted: every offset and size is checked against
 * what was read.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwfl_load.h"
#include "elf_codec.h"
#include "elf_model.h"
#include "error.h"
#include "grow.h"
#include "io_util.h"
#include "note_codec.h"

/* The first page of a module: what the kernel dumps of a file mapping. */
#define PAGE 4096
#define MAX_MODULES 65536
#define MAX_WARNINGS 64

/* One file mapping the kernel recorded in the core (NT_FILE). */
struct mapping {
	uint64_t start, end;
	const char *file;
};

/* The modules, by address, and the warnings: what pkgnote_read_core
 * returns, read through accessors so that struct pkgnote_module may grow. */
struct pkgnote_core_report {
	struct pkgnote_module *modules;
	size_t nmodules, modules_cap;
	char **warnings;
	size_t nwarnings, warnings_cap;
};

struct core {
	const struct pn_dwfl *dw;
	const char *path;
	int fd;
	Elf *elf;
	GElf_Phdr *loads;
	size_t nloads;
	unsigned char *files_note;   /* the NT_FILE descriptor, names point into it */
	struct mapping *maps;
	size_t nmaps;
	uint64_t size;
	bool truncated;
	bool use_files;
	struct pkgnote_core_report *report;
	bool out_of_memory;
};

static void warn(struct core *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct core *c, const char *fmt, ...)
{
	struct pkgnote_core_report *r = c->report;
	if (r->nwarnings >= MAX_WARNINGS)
		return;
	if (PN_GROW(r->warnings, r->warnings_cap, r->nwarnings + 1, 8) != 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->warnings[r->nwarnings], fmt, ap) >= 0)
		r->nwarnings++;
	va_end(ap);
}

bool pkgnote_is_core(const char *path)
{
	unsigned char h[EI_NIDENT + 2];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	bool ok = pn_pread_full(fd, h, sizeof h, 0) == 0 && memcmp(h, ELFMAG, SELFMAG) == 0;
	close(fd);
	if (!ok)
		return false;
	unsigned type = h[EI_DATA] == ELFDATA2MSB ? (unsigned)(h[16] << 8 | h[17])
						  : (unsigned)(h[17] << 8 | h[16]);
	return type == ET_CORE;
}

/* Copy up to `len` bytes of process memory at `addr` from the core: as much
 * as one PT_LOAD holds in the file from there. */
static size_t read_memory(const struct core *c, uint64_t addr, unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < c->nloads; i++) {
		const GElf_Phdr *p = &c->loads[i];
		if (addr < p->p_vaddr || addr - p->p_vaddr >= p->p_filesz)
			continue;
		uint64_t avail = p->p_filesz - (addr - p->p_vaddr);
		size_t n = avail < len ? (size_t)avail : len;
		if (pn_pread_full(c->fd, buf, n, p->p_offset + (addr - p->p_vaddr)) != 0)
			return 0;
		return n;
	}
	return 0;
}

/* The package note in a dumped first page, by its own program headers. */
static char *note_in_page(const unsigned char *page, size_t len)
{
	if (len < EI_NIDENT || memcmp(page, ELFMAG, SELFMAG) != 0)
		return NULL;
	int cls = page[EI_CLASS], data = page[EI_DATA];
	if ((cls != ELFCLASS32 && cls != ELFCLASS64) || (data != ELFDATA2LSB && data != ELFDATA2MSB) ||
	    len < pn_fsize(cls, ELF_T_EHDR, 1))
		return NULL;
	GElf_Ehdr eh;
	if (pn_decode(cls, data, ELF_T_EHDR, page, 1, &eh) != 0)
		return NULL;
	size_t es = pn_fsize(cls, ELF_T_PHDR, 1);
	if (eh.e_phentsize != es || eh.e_phoff > len || eh.e_phnum > (len - eh.e_phoff) / es)
		return NULL;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		GElf_Phdr ph;
		if (pn_decode(cls, data, ELF_T_PHDR, page + eh.e_phoff + i * es, 1, &ph) != 0)
			return NULL;
		if (ph.p_type != PT_NOTE || ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			continue;
		for (uint64_t pos = 0; pos < ph.p_filesz;) {
			struct pn_note_view n;
			if (pn_note_parse(page + ph.p_offset + pos, ph.p_filesz - pos, data, 4, &n) != 0)
				break;
			long json_len;
			if (pn_note_is_package(&n) && (json_len = pn_note_json_len(&n)) >= 0)
				return strndup((const char *)n.desc, (size_t)json_len);
			pos += n.record_size;
		}
	}
	return NULL;
}

static char *hex(const unsigned char *bits, size_t len)
{
	char *s = malloc(2 * len + 1);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		sprintf(s + 2 * i, "%02x", bits[i]);
	s[2 * len] = '\0';
	return s;
}

/* The GNU build-id of the ELF file at `path`, as hex; NULL if none. */
static char *file_build_id(const char *path)
{
	enum pkgnote_status st;
	uint64_t size;
	int fd = pn_open_regular(path, true, &size, NULL, &st);
	if (fd < 0)
		return NULL;
	struct pn_model m;
	char *id = NULL;
	if (pn_model_read(fd, path, size, &m, NULL) == PKGNOTE_OK) {
		for (size_t i = 0; i < m.phnum && id == NULL; i++) {
			const struct pn_segment *s = &m.phdrs[i];
			unsigned char *buf;
			if (s->type != PT_NOTE || s->filesz > 65536 || (buf = malloc(s->filesz + 1)) == NULL)
				continue;
			for (uint64_t pos = 0; pn_pread_full(fd, buf, s->filesz, s->offset) == 0 &&
					       pos < s->filesz && id == NULL;) {
				struct pn_note_view n;
				if (pn_note_parse(buf + pos, s->filesz - pos, m.elf_data, 4, &n) != 0)
					break;
				if (n.type == NT_GNU_BUILD_ID && n.namesz == 4 && memcmp(n.name, "GNU", 4) == 0)
					id = hex(n.desc, n.descsz);
				pos += n.record_size;
			}
			free(buf);
		}
		pn_model_free(&m);
	}
	close(fd);
	return id;
}

/* Parse NT_FILE: count and page size, count (start, end, offset) words,
 * then count NUL-terminated names. */
static void parse_file_note(struct core *c, const unsigned char *d, size_t len, int cls, int data)
{
	size_t w = cls == ELFCLASS64 ? 8 : 4;
	if (len < 2 * w)
		return;
	uint64_t count = 0;
	for (size_t i = 0; i < w; i++)
		count |= (uint64_t)d[data == ELFDATA2MSB ? w - 1 - i : i] << (8 * i);
	if (count > (len - 2 * w) / (3 * w) || count > 1000000)
		return;
	c->maps = calloc(count ? count : 1, sizeof *c->maps);
	if (c->maps == NULL)
		return;
	const char *names = (const char *)d + 2 * w + count * 3 * w, *end = (const char *)d + len;
	for (uint64_t k = 0; k < count && names < end; k++) {
		const unsigned char *e = d + 2 * w + k * 3 * w;
		uint64_t v[2] = { 0, 0 };
		for (int j = 0; j < 2; j++)
			for (size_t i = 0; i < w; i++)
				v[j] |= (uint64_t)e[j * w + (data == ELFDATA2MSB ? w - 1 - i : i)] << (8 * i);
		const char *nul = memchr(names, '\0', (size_t)(end - names));
		if (nul == NULL)
			break;
		c->maps[c->nmaps++] = (struct mapping){ v[0], v[1], names };
		names = nul + 1;
	}
}

static void read_file_map(struct core *c)
{
	GElf_Ehdr eh;
	size_t n;
	if (gelf_getehdr(c->elf, &eh) == NULL || elf_getphdrnum(c->elf, &n) != 0)
		return;
	for (size_t i = 0; i < n && c->maps == NULL; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(c->elf, (int)i, &ph) == NULL || ph.p_type != PT_NOTE ||
		    ph.p_filesz > 64 * 1024 * 1024)
			continue;
		unsigned char *buf = malloc(ph.p_filesz ? ph.p_filesz : 1);
		if (buf == NULL || pn_pread_full(c->fd, buf, ph.p_filesz, ph.p_offset) != 0) {
			free(buf);
			continue;
		}
		for (uint64_t pos = 0; pos < ph.p_filesz;) {
			struct pn_note_view v;
			if (pn_note_parse(buf + pos, ph.p_filesz - pos, eh.e_ident[EI_DATA], 4, &v) != 0)
				break;
			if (v.type == NT_FILE && v.namesz == 5 && memcmp(v.name, "CORE", 5) == 0) {
				parse_file_note(c, v.desc, v.descsz, eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA]);
				c->files_note = buf;
				buf = NULL;
				break;
			}
			pos += v.record_size;
		}
		free(buf);
	}
}

/* The file mapped at `addr`, by the kernel's record. */
static const char *file_at(const struct core *c, uint64_t addr)
{
	for (size_t i = 0; i < c->nmaps; i++)
		if (c->maps[i].start <= addr && addr < c->maps[i].end)
			return c->maps[i].file;
	return NULL;
}

static int module_cb(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		     void *arg)
{
	struct core *c = arg;
	struct pkgnote_core_report *r = c->report;
	if (r->nmodules >= MAX_MODULES) {
		warn(c, "more than %d modules: the rest are not listed", MAX_MODULES);
		return DWARF_CB_ABORT;
	}
	if (PN_GROW(r->modules, r->modules_cap, r->nmodules + 1, 16) != 0) {
		c->out_of_memory = true;
		return DWARF_CB_ABORT;
	}
	struct pkgnote_module *m = &r->modules[r->nmodules++];
	Dwarf_Addr low = start, high = start;
	c->dw->module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
	*m = (struct pkgnote_module){ .name = strdup(name ? name : "?"), .start = low, .end = high };
	const char *file = file_at(c, low);
	if (file != NULL)
		m->path = strdup(file);

	const unsigned char *bits;
	GElf_Addr id_addr;
	int len = c->dw->module_build_id(mod, &bits, &id_addr);
	if (len > 0)
		m->build_id = hex(bits, (size_t)len);

	unsigned char page[PAGE];
	size_t got = read_memory(c, low, page, sizeof page);
	if (got > 0)
		m->json = note_in_page(page, got);
	if (m->json != NULL) {
		m->source = PKGNOTE_SOURCE_CORE;
	} else if (c->use_files && m->path != NULL) {
		/* Only the very file the core saw: its build-id must match. */
		char *id = file_build_id(m->path);
		char *json = NULL;
		if (id != NULL && m->build_id != NULL && strcmp(id, m->build_id) == 0 &&
		    pkgnote_read_file(m->path, 0, &json, NULL, NULL) == PKGNOTE_OK) {
			m->json = json;
			m->source = PKGNOTE_SOURCE_FILE;
		}
		else if (id != NULL && m->build_id != NULL && strcmp(id, m->build_id) != 0)
			warn(c, "%s: the file on disk is not the one in the core (build-id %s, core has %s)",
			     m->path, id, m->build_id);
		free(id);
	}
	(void)userdata;
	return DWARF_CB_OK;
}

/* Keep libdwfl from opening any file: the core is all there is. */
static int no_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		  char **file_name, Elf **elfp)
{
	(void)mod, (void)userdata, (void)name, (void)base;
	*file_name = NULL;
	*elfp = NULL;
	return -1;
}

static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc;
	*debuginfo_file_name = NULL;
	return -1;
}

static const Dwfl_Callbacks callbacks = { .find_elf = no_elf, .find_debuginfo = no_debuginfo };

static int by_address(const void *a, const void *b)
{
	uint64_t x = ((const struct pkgnote_module *)a)->start;
	uint64_t y = ((const struct pkgnote_module *)b)->start;
	return x < y ? -1 : x > y;
}

static enum pkgnote_status read_loads(struct core *c, struct pkgnote_error *err)
{
	size_t n;
	if (elf_getphdrnum(c->elf, &n) != 0)
		return pn_fail_elf(err, PKGNOTE_BAD_ELF, c->path, "cannot read the program headers");
	c->loads = calloc(n ? n : 1, sizeof *c->loads);
	if (c->loads == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, c->path, "reading the core");
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(c->elf, (int)i, &ph) == NULL)
			return pn_fail_elf(err, PKGNOTE_BAD_ELF, c->path, "cannot read program header %zu", i);
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		if (ph.p_offset > c->size || ph.p_filesz > c->size - ph.p_offset) {
			if (!c->truncated)
				warn(c, "the core is truncated: memory at 0x%" PRIx64 " and above lies past its end",
				     (uint64_t)ph.p_vaddr);
			c->truncated = true;
			continue;
		}
		c->loads[c->nloads++] = ph;
	}
	return PKGNOTE_OK;
}

enum pkgnote_status pkgnote_read_core(const char *path, bool use_files,
				      struct pkgnote_core_report **result,
				      struct pkgnote_error *err)
{
	struct pkgnote_core_report *report = calloc(1, sizeof *report);
	struct core c = { .path = path, .fd = -1, .use_files = use_files, .report = report };
	Dwfl *dwfl = NULL;
	enum pkgnote_status r;
	uint64_t size;

	*result = NULL;
	if (report == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, path, "reading the core");
	const char *why = NULL;
	c.dw = pn_dwfl_load(&why);
	if (c.dw == NULL) {
		r = pn_fail(err, PKGNOTE_IO, path, "cannot read core files: %s", why);
		goto out;
	}
	c.fd = pn_open_regular(path, true, &size, err, &r);
	if (c.fd < 0)
		goto out;
	c.size = size;
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (c.elf = elf_begin(c.fd, ELF_C_READ_MMAP, NULL)) == NULL) {
		r = pn_fail_elf(err, PKGNOTE_BAD_ELF, path, "cannot open as ELF");
		goto out;
	}
	GElf_Ehdr eh;
	if (gelf_getehdr(c.elf, &eh) == NULL || eh.e_type != ET_CORE) {
		r = pn_fail(err, PKGNOTE_BAD_ELF, path, "not a core file");
		goto out;
	}
	r = read_loads(&c, err);
	if (r != PKGNOTE_OK)
		goto out;
	read_file_map(&c);
	dwfl = c.dw->begin(&callbacks);
	if (dwfl == NULL) {
		r = pn_fail(err, PKGNOTE_IO, path, "libdwfl: %s", c.dw->errmsg(-1));
		goto out;
	}
	if (c.dw->core_file_report(dwfl, c.elf, NULL) < 0) {
		r = pn_fail(err, PKGNOTE_BAD_ELF, path, "cannot find the modules: %s", c.dw->errmsg(-1));
		goto out;
	}
	c.dw->report_end(dwfl, NULL, NULL);
	if (c.dw->getmodules(dwfl, module_cb, &c, 0) < 0 && !c.out_of_memory)
		warn(&c, "libdwfl: %s", c.dw->errmsg(-1));
	if (c.out_of_memory)
		r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, path, "listing the modules");
	else if (report->nmodules > 1)
		qsort(report->modules, report->nmodules, sizeof *report->modules, by_address);
out:
	if (dwfl != NULL)
		c.dw->end(dwfl);
	if (c.elf != NULL)
		elf_end(c.elf);
	free(c.loads);
	free(c.maps);
	free(c.files_note);
	if (c.fd >= 0)
		close(c.fd);
	if (r == PKGNOTE_OK)
		*result = report;
	else
		pkgnote_core_report_free(report);
	return r;
}

size_t pkgnote_core_module_count(const struct pkgnote_core_report *report)
{
	return report->nmodules;
}

const struct pkgnote_module *pkgnote_core_module(const struct pkgnote_core_report *report,
						 size_t i)
{
	return i < report->nmodules ? &report->modules[i] : NULL;
}

size_t pkgnote_core_warning_count(const struct pkgnote_core_report *report)
{
	return report->nwarnings;
}

const char *pkgnote_core_warning(const struct pkgnote_core_report *report, size_t i)
{
	return i < report->nwarnings ? report->warnings[i] : NULL;
}

/* The strings are the library's, allocated in module_cb: const to callers. */
void pkgnote_core_report_free(struct pkgnote_core_report *report)
{
	if (report == NULL)
		return;
	for (size_t i = 0; i < report->nmodules; i++) {
		free((char *)report->modules[i].name);
		free((char *)report->modules[i].path);
		free((char *)report->modules[i].build_id);
		free((char *)report->modules[i].json);
	}
	for (size_t i = 0; i < report->nwarnings; i++)
		free(report->warnings[i]);
	free(report->modules);
	free(report->warnings);
	free(report);
}
