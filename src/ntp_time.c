/* SPDX-License-Identifier: BSD-2-Clause */
#include "ntp_time.h"

#define NS_PER_S 1000000000LL

int64_t ntp_time_pivot(int64_t now_s)
{
	return now_s > NTP_TIME_PIVOT_FLOOR_S ? now_s : NTP_TIME_PIVOT_FLOOR_S;
}

uint64_t ntp_time_from_timespec(const struct timespec *ts)
{
	/* two's complement wrap of the seconds is the era reduction */
	uint64_t sec = (uint64_t)((int64_t)ts->tv_sec + NTP_TIME_UNIX_OFFSET_S);
	/* tv_nsec < 1e9, so the shifted value fits and the quotient < 2^32 */
	uint64_t frac = (((uint64_t)ts->tv_nsec << 32) + NS_PER_S / 2) / NS_PER_S;

	return (sec << 32) | frac;
}

/* Floor division for a positive divisor. */
static int64_t ntp_time_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

void ntp_time_to_timespec(uint64_t ntp64, int64_t pivot_s, struct timespec *ret)
{
	int64_t era0_s = (int64_t)(ntp64 >> 32) - NTP_TIME_UNIX_OFFSET_S;
	uint64_t frac = ntp64 & 0xffffffffu;
	/* the era that puts the seconds in [pivot - 2^31, pivot + 2^31) */
	int64_t era = ntp_time_floor_div(pivot_s - era0_s + NTP_TIME_ERA_S / 2 - 1, NTP_TIME_ERA_S);
	/* <= 1e9: (2^32 - 1) * 1e9 + 2^31 < (1e9 + 1) * 2^32 */
	int64_t ns = (int64_t)((frac * NS_PER_S + (1ull << 31)) >> 32);
	int64_t sec = era0_s + era * NTP_TIME_ERA_S + ns / NS_PER_S;

	ret->tv_sec = (time_t)sec;
	ret->tv_nsec = (long)(ns % NS_PER_S);
}

/* A power of two: scaling by it is exact. (No libm here: tsetd links
 * this file and keeps its memory small.) */
#define NTP_TIME_2P16 65536.0

double ntp_time_short_to_s(uint32_t ntp32)
{
	return (double)ntp32 / NTP_TIME_2P16;
}

uint32_t ntp_time_short_from_s(double s)
{
	double v;

	if (!(s > 0))
		return 0;
	v = s * NTP_TIME_2P16 + 0.5; /* to nearest */
	return v >= 4294967295.0 ? 0xffffffffu : (uint32_t)v;
}

int64_t ntp_time_timespec_diff_ns(const struct timespec *a, const struct timespec *b)
{
	int64_t s, ns;

	if (__builtin_sub_overflow((int64_t)a->tv_sec, (int64_t)b->tv_sec, &s) ||
	    __builtin_mul_overflow(s, NS_PER_S, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)(a->tv_nsec - b->tv_nsec), &ns))
		return a->tv_sec > b->tv_sec ? INT64_MAX : INT64_MIN;
	return ns;
}
