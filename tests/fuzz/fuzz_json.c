/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the JSON validator: pkgnote_json_compact on the input
 * (exactly `size` bytes, no terminating NUL: the API takes a length) and,
 * when it accepts it, again on its own output, which must be accepted and
 * come back byte-identical (compaction is idempotent); abort() otherwise.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined when meson's option
 * fuzz is true; tests/fuzz/replay.c turns it into a plain program that
 * replays tests/fuzz/regressions/json/ in every build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkgnote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *once = NULL, *twice = NULL;
	struct pkgnote_error err;
	if (pkgnote_json_compact((const char *)data, size, "fuzz-input", &once, &err) != PKGNOTE_OK) {
		free(once);
		return 0;
	}
	if (once == NULL)
		abort();
	size_t len = strlen(once);
	if (pkgnote_json_compact(once, len, "fuzz-compact", &twice, &err) != PKGNOTE_OK) {
		fprintf(stderr, "fuzz_json: the compact form is refused: %s\n  compact form: %s\n",
			err.message, once);
		abort();
	}
	if (strcmp(once, twice) != 0) {
		fprintf(stderr, "fuzz_json: compaction is not idempotent\n  once:  %s\n  twice: %s\n",
			once, twice);
		abort();
	}
	free(once);
	free(twice);
	return 0;
}
