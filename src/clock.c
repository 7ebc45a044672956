/* SPDX-License-Identifier: BSD-2-Clause */
#include "clock.h"

#define CLOCK_PRECISION_MIN_LOG2 (-30)

int clock_precision_log2(const struct clock_ops *clock)
{
	int64_t best = INT64_MAX;
	int e;

	for (int i = 0; i < 16; i++) {
		struct timespec a, b;
		int64_t d;

		clock->now(clock->ctx, &a);
		do {
			clock->now(clock->ctx, &b);
			d = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
		} while (d == 0);
		if (d > 0 && d < best)
			best = d;
	}
	/* the smallest e with 2^e s >= best ns, from 2^-30 s (0.93 ns) up */
	e = CLOCK_PRECISION_MIN_LOG2;
	for (double step_ns = 1e9 / (1 << 30); best != INT64_MAX && step_ns < (double)best && e < 0;
	     step_ns *= 2)
		e++;
	return e;
}
