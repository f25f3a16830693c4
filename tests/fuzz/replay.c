/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A main() for the fuzz targets in builds without libFuzzer: feed each file
 * named on the command line to LLVMFuzzerTestOneInput once, in a buffer of
 * exactly its size (so that AddressSanitizer builds catch any read past
 * it).  A crash or abort() is the failure; exit 0 means every input passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			perror(argv[i]);
			return 2;
		}
		if (fseek(f, 0, SEEK_END) != 0) {
			perror(argv[i]);
			return 2;
		}
		long len = ftell(f);
		rewind(f);
		uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
		if (len < 0 || buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			return 2;
		}
		fclose(f);
		printf("replaying %s (%ld bytes)\n", argv[i], len);
		fflush(stdout);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		n++;
	}
	printf("%d inputs replayed, none crashed\n", n);
	return 0;
}
