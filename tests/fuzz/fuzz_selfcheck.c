/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A fuzz target that is broken on purpose, built only for selfcheck.sh
 * (never run as a real target): the first bytes of an input choose the
 * defect, so a one-file seed corpus reproduces it on the first run.
 *   "crash" an out-of-bounds write (ASan)
 *   "ub"    a signed overflow (UBSan; recoverable unless made fatal)
 *   "leak"  memory never freed (LeakSanitizer)
 * Anything else does nothing.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile int selfcheck_sink;

static bool selfcheck_is(const uint8_t *data, size_t size, const char *word)
{
	size_t n = strlen(word);

	return size >= n && memcmp(data, word, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (selfcheck_is(data, size, "crash")) {
		char *p = malloc(4);

		if (p) {
			((volatile char *)p)[size] = 1; /* size >= 5: past the end */
			free(p);
		}
	} else if (selfcheck_is(data, size, "ub")) {
		int big = INT_MAX - (int)(size & 1);

		selfcheck_sink = big + (int)size; /* size >= 2: overflows */
	} else if (selfcheck_is(data, size, "leak")) {
		char *p = malloc(64);

		if (p)
			memcpy(p, data, size < 64 ? size : 64);
		selfcheck_sink = p ? p[0] : 0; /* p is never freed */
	}
	return 0;
}
