/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the engine on an in-memory ELF image: the input is
 * written to a memfd, read into a model (pn_model_read, pn_model_read_head)
 * and, when that succeeds, planned (pn_plan_layout) for a few note sizes,
 * page sizes and with or without --allow-outside-page; every plan that
 * succeeds is carried out on a second memfd holding a copy of the input
 * (pn_plan_apply) and the result verified (pn_verify_output), as pkgnote
 * stamp does.  Refusals are fine; crashes, sanitizer reports and leaks are
 * not.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined when meson's option
 * fuzz is true; tests/fuzz/replay.c turns it into a plain program that
 * replays tests/fuzz/regressions/elf/ in every build.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf_model.h"
#include "layout_plan.h"
#include "note_codec.h"
#include "pins.h"
#include "plan_apply.h"
#include "pkgnote.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_all(int fd, const uint8_t *data, size_t size, uint64_t at)
{
	while (size > 0) {
		ssize_t n = pwrite(fd, data, size, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		size -= (size_t)n;
		at += (uint64_t)n;
	}
	return 0;
}

/* Metadata of three sizes: the smallest useful note, a usual one, and the
 * largest pkgnote accepts (PKGNOTE_JSON_MAX bytes). */
static char *json_of(size_t len)
{
	static const char head[] = "{\"name\":\"", tail[] = "\"}";
	char *j = malloc(len + 1);
	if (j == NULL)
		abort();
	memcpy(j, head, sizeof head - 1);
	memset(j + sizeof head - 1, 'x', len - (sizeof head - 1) - (sizeof tail - 1));
	memcpy(j + len - (sizeof tail - 1), tail, sizeof tail);
	return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int in_fd = -1, out_fd = -1;
	static char *jsons[3];
	if (in_fd < 0) {
		in_fd = memfd_create("fuzz-elf-in", MFD_CLOEXEC);
		out_fd = memfd_create("fuzz-elf-out", MFD_CLOEXEC);
		if (in_fd < 0 || out_fd < 0)
			abort();
		jsons[0] = json_of(12);
		jsons[1] = json_of(300);
		jsons[2] = json_of(PKGNOTE_JSON_MAX);
	}
	if (ftruncate(in_fd, 0) != 0 || write_all(in_fd, data, size, 0) != 0)
		abort();

	struct pn_model m;
	struct pkgnote_error err;
	if (pn_model_read(in_fd, "fuzz-input", size, &m, &err) != PKGNOTE_OK)
		return 0;
	/* The pins serve every page size planned with below. */
	if (pn_model_read_head(&m, &err) != PKGNOTE_OK ||
	    pn_model_read_pins(&m, 65536, &err) != PKGNOTE_OK) {
		pn_model_free(&m);
		return 0;
	}

	static const struct {
		int json;
		uint64_t page;
		bool outside;
	} reqs[] = {
		{ 0, 4096, false }, { 1, 4096, false }, { 2, 4096, true }, { 1, 65536, false },
	};
	for (size_t k = 0; k < sizeof reqs / sizeof reqs[0]; k++) {
		unsigned char *note = NULL;
		size_t note_size = 0;
		if (pn_note_encode(jsons[reqs[k].json], m.elf_data, &note, &note_size, &err) !=
		    PKGNOTE_OK)
			continue;
		struct pn_plan_request req = { .note_size = note_size, .page_size = reqs[k].page,
					       .allow_outside_page = reqs[k].outside };
		struct pn_plan plan;
		if (pn_plan_layout(&m, &req, &plan, &err) == PKGNOTE_OK) {
			/* What pn_tmp_copy would leave: the input at plan.shift. */
			if (ftruncate(out_fd, 0) == 0 && write_all(out_fd, data, size, plan.shift) == 0 &&
			    pn_plan_apply(&m, &plan, note, in_fd, out_fd, &err) == PKGNOTE_OK)
				(void)pn_verify_output(&m, &plan, out_fd, "fuzz-output",
						       jsons[reqs[k].json], reqs[k].page, &err);
			pn_plan_free(&plan);
		}
		free(note);
	}
	pn_model_free(&m);
	/* Do not keep a huge sparse output around between inputs. */
	(void)ftruncate(out_fd, 0);
	return 0;
}
