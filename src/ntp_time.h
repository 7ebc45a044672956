/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntp_time: NTP fixed-point time (RFC 5905 section 6) and the one place
 * where NTP eras are resolved.
 *
 * ntp64: 32.32 seconds since the start of the era (era 0 began
 * 1900-01-01, era 1 begins 2036-02-07 06:28:16 UTC). ntp32: 16.16 seconds,
 * the short format of root delay and root dispersion.
 *
 * Instants are struct timespec (Unix time, never a double). A timestamp
 * from the wire becomes one through ntp_time_to_timespec() and a pivot;
 * differences of instants are int64 nanoseconds. Nothing subtracts ntp64
 * values directly: a 32.32 difference wraps at 2^31 s (68 years), which a
 * client whose clock starts at 1970 reaches in 2038.
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
 * while the local clock reads any time before 2026 (a machine that boots
 * at 1970 without an RTC), every timestamp from 1958 to 2094 resolves
 * right, those of era 1 (from 2036-02-07) included; with the local clock
 * later, every timestamp within 68 years of it does.
 */
#define NTP_TIME_PIVOT_FLOOR_S 1767225600LL

/* The pivot to use with a local clock reading of now_s (Unix seconds). */
int64_t ntp_time_pivot(int64_t now_s);

/* Unix time to ntp64 (rounded to the nearest 2^-32 s; the era is dropped). */
uint64_t ntp_time_from_timespec(const struct timespec *ts);

/* ntp64 to Unix time, era resolved around pivot_s (see above), rounded to
 * the nearest nanosecond (tv_nsec < 1e9 always: a fraction within half a
 * nanosecond of the next second carries into tv_sec). Exact inverse of
 * ntp_time_from_timespec() for the nanosecond. */
void ntp_time_to_timespec(uint64_t ntp64, int64_t pivot_s, struct timespec *ret);

/* Short format (16.16) to seconds. */
double ntp_time_short_to_s(uint32_t ntp32);

/* Seconds to short format, rounded; negative or NaN gives 0, too large
 * saturates at 0xffff.ffff. */
uint32_t ntp_time_short_from_s(double s);

/* Signed nanoseconds between two instants (a - b): exact wherever that
 * fits int64 (292 years), saturated at INT64_MAX or INT64_MIN beyond. */
int64_t ntp_time_timespec_diff_ns(const struct timespec *a, const struct timespec *b);

#endif
