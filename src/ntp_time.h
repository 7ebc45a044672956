/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntp_time: NTP fixed-point time (RFC 5905 section 6) and the one place
 * where NTP eras are resolved.
 *
 * ntp64: 32.32 seconds since the start of the era (era 0 began
 * 1900-01-01, era 1 begins 2036-02-07 06:28:16 UTC). ntp32: 16.16 seconds,
 * the short format of root delay and root dispersion. A "fixed" value is a
 * signed 32.32 difference of two ntp64 timestamps.
 */
#ifndef TSET_NTP_TIME_H
#define TSET_NTP_TIME_H

#include <stdint.h>
#include <time.h>

/* Seconds from 1900-01-01 to 1970-01-01 (RFC 5905 section 6, figure 4). */
#define NTP_TIME_UNIX_OFFSET_S 2208988800LL
/* Length of an era: 2^32 s (RFC 5905 section 6). */
#define NTP_TIME_ERA_S 4294967296LL

/*
 * Era pivot. An ntp64 timestamp names an instant only modulo 2^32 s (136
 * years). ntp_time_to_timespec() picks the instant nearest to a pivot, in
 * [pivot - 2^31 s, pivot + 2^31 s). Callers pass their own clock, but not
 * earlier than NTP_TIME_PIVOT_FLOOR_S (2026-01-01 UTC, ntp_time_pivot()):
 * a machine that boots at 1970 without an RTC still reads this era's
 * timestamps right, and every timestamp from 1958 to 2094 resolves
 * correctly while the local clock is anywhere before 2094.
 */
#define NTP_TIME_PIVOT_FLOOR_S 1767225600LL

/* The pivot to use with a local clock reading of now_s (Unix seconds). */
int64_t ntp_time_pivot(int64_t now_s);

/* Unix time to ntp64 (rounded to the nearest 2^-32 s; the era is dropped). */
uint64_t ntp_time_from_timespec(const struct timespec *ts);

/* ntp64 to Unix time, era resolved around pivot_s (see above). Exact
 * inverse of ntp_time_from_timespec() for the nanosecond. */
void ntp_time_to_timespec(uint64_t ntp64, int64_t pivot_s, struct timespec *ret);

/* a - b as signed 32.32 fixed point, correct across an era boundary as
 * long as the two are less than 68 years apart (RFC 5905 section 6). */
int64_t ntp_time_diff(uint64_t a, uint64_t b);

/* Signed 32.32 fixed point to seconds. */
double ntp_time_fixed_to_s(int64_t fixed);

/* Seconds to signed 32.32 fixed point, rounded; saturates beyond 2^31 s. */
int64_t ntp_time_fixed_from_s(double s);

/* ntp64 plus a signed 32.32 fixed-point amount (wraps with the era). */
uint64_t ntp_time_add(uint64_t ntp64, int64_t fixed);

/* Short format (16.16) to seconds. */
double ntp_time_short_to_s(uint32_t ntp32);

/* Seconds to short format, rounded; negative or NaN gives 0, too large
 * saturates at 0xffff.ffff. */
uint32_t ntp_time_short_from_s(double s);

/* Signed nanoseconds between two timespecs (a - b). */
int64_t ntp_time_timespec_diff_ns(const struct timespec *a, const struct timespec *b);

/* A timespec as int64 nanoseconds (e.g. CLOCK_MONOTONIC instants). */
int64_t ntp_time_timespec_to_ns(const struct timespec *ts);

#endif
