/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz: what the fuzz targets share. FUZZ_CHECK states an invariant: when
 * it does not hold the target traps, which libFuzzer reports (and saves the
 * input) and which a replay dies of. struct fuzz_in reads fields of an
 * input one after the other, zeros past its end, so that every input,
 * however short, describes a whole case.
 */
#ifndef TSET_FUZZ_H
#define TSET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FUZZ_CHECK(x)                                                                              \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

#define FUZZ_NS INT64_C(1000000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_in {
	const uint8_t *p;
	size_t n, off;
};

/* The next bytes (at most 8) as a big-endian number. */
static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++, in->off++)
		v = v << 8 | (in->off < in->n ? in->p[in->off] : 0);
	return v;
}

/* t + ns, normalised. */
static inline struct timespec fuzz_add_ns(struct timespec t, int64_t ns)
{
	t.tv_sec += (time_t)(ns / FUZZ_NS);
	t.tv_nsec += (long)(ns % FUZZ_NS);
	if (t.tv_nsec >= FUZZ_NS) {
		t.tv_nsec -= FUZZ_NS;
		t.tv_sec++;
	} else if (t.tv_nsec < 0) {
		t.tv_nsec += FUZZ_NS;
		t.tv_sec--;
	}
	return t;
}

#endif
