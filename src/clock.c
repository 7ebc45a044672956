/* SPDX-License-Identifier: BSD-2-Clause */
#include <math.h>

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
	e = best == INT64_MAX ? CLOCK_PRECISION_MIN_LOG2 : (int)ceil(log2((double)best * 1e-9));
	return e < CLOCK_PRECISION_MIN_LOG2 ? CLOCK_PRECISION_MIN_LOG2 : e;
}
