/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_run.h"
#include "ntp_time.h"

#define NOW_2026 1795744666LL /* 2026-11-27 */

static const struct {
	const char *what;
	int64_t unix_s;
	long nsec;
	uint32_t ntp_sec;
} vectors[] = {
	{ "1970-01-01 00:00:00", 0, 0, 0x83aa7e80u },
	{ "1970-01-01 00:00:00.5", 0, 500000000, 0x83aa7e80u },
	{ "2026-11-27", NOW_2026, 123456789, (uint32_t)(NOW_2026 + NTP_TIME_UNIX_OFFSET_S) },
	{ "2036-02-07 06:28:15", 2085978495LL, 999999999, 0xffffffffu },
	{ "2036-02-07 06:28:16 (era 1 starts)", 2085978496LL, 0, 0 },
	{ "2036-02-07 06:28:16.000000001", 2085978496LL, 1, 0 },
	{ "2040-01-01", 2208988800LL, 250000000, 123010304u },
};

START_TEST(test_time_vectors_round_trip)
{
	struct timespec ts = { (time_t)vectors[_i].unix_s, vectors[_i].nsec }, back;
	uint64_t ntp = ntp_time_from_timespec(&ts);

	ck_assert_msg((uint32_t)(ntp >> 32) == vectors[_i].ntp_sec, "%s: seconds %08x, want %08x",
		      vectors[_i].what, (unsigned)(ntp >> 32), vectors[_i].ntp_sec);
	ntp_time_to_timespec(ntp, ntp_time_pivot(NOW_2026), &back);
	ck_assert_msg(back.tv_sec == ts.tv_sec && back.tv_nsec == ts.tv_nsec,
		      "%s: came back as %lld.%09ld", vectors[_i].what, (long long)back.tv_sec,
		      back.tv_nsec);
}
END_TEST

START_TEST(test_time_half_second_is_half_fraction)
{
	struct timespec ts = { 0, 500000000 };

	ck_assert_uint_eq(ntp_time_from_timespec(&ts) & 0xffffffffu, 0x80000000u);
}
END_TEST

START_TEST(test_time_clock_at_1970_still_reads_this_era)
{
	/* a machine without RTC boots at 1970; the pivot floor keeps 2026 right */
	struct timespec ts = { (time_t)NOW_2026, 0 }, back;

	ntp_time_to_timespec(ntp_time_from_timespec(&ts), ntp_time_pivot(0), &back);
	ck_assert_int_eq(back.tv_sec, NOW_2026);
	ck_assert_int_eq(ntp_time_pivot(0), NTP_TIME_PIVOT_FLOOR_S);
	ck_assert_int_eq(ntp_time_pivot(NOW_2026 + 100), NOW_2026 + 100);
}
END_TEST

START_TEST(test_time_pivot_after_2036_resolves_era_1)
{
	/* with the clock in 2040, sec 0 is 2036-02-07 06:28:16, not 1900 */
	struct timespec back;

	ntp_time_to_timespec(0, 2208988800LL, &back);
	ck_assert_int_eq(back.tv_sec, 2085978496LL);
	ntp_time_to_timespec((uint64_t)0xffffffffu << 32, 2208988800LL, &back);
	ck_assert_int_eq(back.tv_sec, 2085978495LL);
}
END_TEST

#define ERA1_S	2085978496LL /* 2036-02-07 06:28:16 UTC, NTP era 1 begins */
#define Y2026_S 1767225600LL /* 2026-01-01 */
#define Y2040_S 2208988800LL /* 2040-01-01 */

/* A wire timestamp of unix_s.nsec, resolved with the pivot of a local clock
 * reading of local_s. */
static struct timespec resolve(int64_t unix_s, long nsec, int64_t local_s)
{
	struct timespec ts = { (time_t)unix_s, nsec }, ret;

	ntp_time_to_timespec(ntp_time_from_timespec(&ts), ntp_time_pivot(local_s), &ret);
	return ret;
}

START_TEST(test_time_diff_across_era_boundary)
{
	/* 1 s apart across the start of era 1 (wire seconds 0xffffffff and
	 * 0), resolved by a local clock in era 0, in era 1 or at 1970 */
	const int64_t local_s[] = { ERA1_S - 86400, ERA1_S + 86400, 0 };

	for (unsigned i = 0; i < 3; i++) {
		struct timespec a = resolve(ERA1_S, 500000000, local_s[i]);
		struct timespec b = resolve(ERA1_S - 1, 500000000, local_s[i]);

		ck_assert_int_eq(a.tv_sec, ERA1_S);
		ck_assert_int_eq(ntp_time_timespec_diff_ns(&a, &b), 1000000000);
		ck_assert_int_eq(ntp_time_timespec_diff_ns(&b, &a), -1000000000);
	}
}
END_TEST

START_TEST(test_time_diff_keeps_nanoseconds_of_large_timestamps)
{
	/* two 2026 timestamps 1 ns apart: as doubles of absolute seconds they
	 * would be equal (ulp 2^-22 s); resolved instants keep it */
	struct timespec a = resolve(NOW_2026, 1, NOW_2026), b = resolve(NOW_2026, 0, NOW_2026);

	ck_assert_int_eq(ntp_time_timespec_diff_ns(&a, &b), 1);
}
END_TEST

START_TEST(test_time_1970_clock_measures_2026_and_2040_servers)
{
	/* a board without RTC boots at 1970: a server's timestamps still
	 * resolve to their own era, and the difference is the whole 56 or
	 * 70 years (a 32.32 difference wraps at 2^31 s: 2040 would come out
	 * as 2208988800 - 2^32 = -2085978496 s, 66 years into the past) */
	struct timespec local = { 60, 250000000 };
	struct timespec s26 = resolve(Y2026_S + 60, 250000001, local.tv_sec);
	struct timespec s40 = resolve(Y2040_S + 60, 250000001, local.tv_sec);
	struct timespec s38 = resolve((1LL << 31) + 60, 250000000, local.tv_sec);

	ck_assert_int_eq(ntp_time_timespec_diff_ns(&s26, &local), Y2026_S * 1000000000 + 1);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&s40, &local), Y2040_S * 1000000000 + 1);
	/* 2038-01-19 03:14:08, the first second a 32.32 difference from 1970
	 * cannot hold */
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&s38, &local), (1LL << 31) * 1000000000);
}
END_TEST

START_TEST(test_time_clock_in_era_1_reads_era_0_servers)
{
	/* local clock in 2040 (era 1), server in 2026 (era 0), and back */
	struct timespec local40 = { (time_t)Y2040_S, 0 }, local26 = { (time_t)Y2026_S, 0 };
	struct timespec s26 = resolve(Y2026_S, 0, Y2040_S), s40 = resolve(Y2040_S, 0, Y2026_S);

	ck_assert_int_eq(ntp_time_timespec_diff_ns(&s26, &local40),
			 (Y2026_S - Y2040_S) * 1000000000);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&s40, &local26),
			 (Y2040_S - Y2026_S) * 1000000000);
}
END_TEST

START_TEST(test_time_fraction_near_next_second_carries)
{
	/* fractions 2^32 - 1 and 2^32 - 2 are within half a nanosecond of the
	 * next second: they read as the next second, never as 1e9 ns */
	const uint32_t sec = (uint32_t)(NOW_2026 + NTP_TIME_UNIX_OFFSET_S);
	struct timespec t;

	for (uint64_t frac = 0xfffffffeu; frac <= 0xffffffffu; frac++) {
		ntp_time_to_timespec((uint64_t)sec << 32 | frac, NOW_2026, &t);
		ck_assert_int_eq(t.tv_sec, NOW_2026 + 1);
		ck_assert_int_eq(t.tv_nsec, 0);
	}
	ntp_time_to_timespec((uint64_t)sec << 32 | 0xfffffffdu, NOW_2026, &t);
	ck_assert_int_eq(t.tv_sec, NOW_2026);
	ck_assert_int_eq(t.tv_nsec, 999999999);
	/* the last fraction of era 0 carries into the first second of era 1,
	 * whichever side of it the pivot lies */
	ntp_time_to_timespec(UINT64_MAX, NOW_2026, &t);
	ck_assert(t.tv_sec == ERA1_S && t.tv_nsec == 0);
	ntp_time_to_timespec(UINT64_MAX, Y2040_S, &t);
	ck_assert(t.tv_sec == ERA1_S && t.tv_nsec == 0);
}
END_TEST

START_TEST(test_time_half_era_edges_follow_the_interval)
{
	/* [pivot - 2^31 s, pivot + 2^31 s): the wire seconds of pivot - 2^31
	 * (and of pivot + 2^31, the same on the wire) read as the lower edge */
	const int64_t pivots[] = { NTP_TIME_PIVOT_FLOOR_S, NOW_2026, Y2040_S };

	for (unsigned i = 0; i < sizeof(pivots) / sizeof(pivots[0]); i++) {
		int64_t lo = pivots[i] - NTP_TIME_ERA_S / 2, hi = pivots[i] + NTP_TIME_ERA_S / 2;
		struct timespec ts = { (time_t)lo, 0 }, back;

		ntp_time_to_timespec(ntp_time_from_timespec(&ts), pivots[i], &back);
		ck_assert_int_eq(back.tv_sec, lo);
		ts.tv_sec = (time_t)(hi - 1);
		ntp_time_to_timespec(ntp_time_from_timespec(&ts), pivots[i], &back);
		ck_assert_int_eq(back.tv_sec, hi - 1);
	}
}
END_TEST

START_TEST(test_time_round_trip_at_the_rounding_edge)
{
	/* the nanoseconds next to a second's edge, on both sides of the era
	 * boundary: from_timespec never makes a fraction that carries */
	const int64_t secs[] = { NOW_2026, ERA1_S - 1, ERA1_S, Y2040_S };
	const long nsecs[] = { 0, 1, 2, 499999999, 500000000, 999999998, 999999999 };
	struct timespec top = { (time_t)NOW_2026, 999999999 };

	for (unsigned i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		for (unsigned j = 0; j < sizeof(nsecs) / sizeof(nsecs[0]); j++) {
			struct timespec back = resolve(secs[i], nsecs[j], NOW_2026);

			ck_assert_msg(back.tv_sec == secs[i] && back.tv_nsec == nsecs[j],
				      "%lld.%09ld came back as %lld.%09ld", (long long)secs[i],
				      nsecs[j], (long long)back.tv_sec, back.tv_nsec);
		}
	}
	ck_assert_uint_eq(ntp_time_from_timespec(&top) & 0xffffffffu, 0xfffffffcu);
}
END_TEST

START_TEST(test_time_short_format_edges)
{
	ck_assert_double_eq(ntp_time_short_to_s(0), 0.0);
	ck_assert_double_eq(ntp_time_short_to_s(1), 1.0 / 65536);
	ck_assert_double_eq(ntp_time_short_to_s(0x00010000u), 1.0);
	ck_assert_double_eq(ntp_time_short_to_s(0xffffffffu), 65536.0 - 1.0 / 65536);
	ck_assert_uint_eq(ntp_time_short_from_s(0), 0);
	ck_assert_uint_eq(ntp_time_short_from_s(-1), 0);
	ck_assert_uint_eq(ntp_time_short_from_s(NAN), 0);
	ck_assert_uint_eq(ntp_time_short_from_s(1.0 / 65536), 1);
	ck_assert_uint_eq(ntp_time_short_from_s(0.25 / 65536), 0);
	ck_assert_uint_eq(ntp_time_short_from_s(1.0), 0x00010000u);
	ck_assert_uint_eq(ntp_time_short_from_s(65535.99999), 0xffffffffu);
	ck_assert_uint_eq(ntp_time_short_from_s(1e9), 0xffffffffu);
	ck_assert_uint_eq(ntp_time_short_from_s(INFINITY), 0xffffffffu);
}
END_TEST

START_TEST(test_time_random_round_trips_are_exact)
{
	unsigned seed = 20261127;

	srandom(seed);
	for (int i = 0; i < 100000; i++) {
		int64_t off = ((int64_t)random() << 1 | (random() & 1)) - (INT64_C(1) << 31);
		struct timespec ts = { (time_t)(NOW_2026 + off), random() % 1000000000 }, back;

		ntp_time_to_timespec(ntp_time_from_timespec(&ts), NOW_2026, &back);
		ck_assert_msg(back.tv_sec == ts.tv_sec && back.tv_nsec == ts.tv_nsec,
			      "seed %u: %lld.%09ld came back as %lld.%09ld", seed,
			      (long long)ts.tv_sec, ts.tv_nsec, (long long)back.tv_sec,
			      back.tv_nsec);
	}
}
END_TEST

START_TEST(test_time_timespec_diff_is_exact_then_saturates)
{
	struct timespec a = { 10, 100 }, b = { 9, 999999900 }, zero = { 0, 0 };
	/* INT64_MAX ns is 9223372036.854775807 s */
	struct timespec top = { (time_t)9223372036LL, 854775807 };
	struct timespec past = { (time_t)9223372036LL, 854775808 };
	struct timespec past2 = { (time_t)9223372036LL, 854775809 };
	struct timespec most = { (time_t)INT64_MAX, 0 }, least = { (time_t)INT64_MIN, 0 };

	ck_assert_int_eq(ntp_time_timespec_diff_ns(&a, &b), 200);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&b, &a), -200);
	/* exact up to the last nanosecond int64 holds, saturated beyond */
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&top, &zero), INT64_MAX);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&zero, &top), -INT64_MAX);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&zero, &past), INT64_MIN);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&past, &zero), INT64_MAX);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&zero, &past2), INT64_MIN);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&most, &least), INT64_MAX);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&least, &most), INT64_MIN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ntp_time");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_time_vectors_round_trip, 0,
			    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, test_time_half_second_is_half_fraction);
	tcase_add_test(tc, test_time_clock_at_1970_still_reads_this_era);
	tcase_add_test(tc, test_time_pivot_after_2036_resolves_era_1);
	tcase_add_test(tc, test_time_diff_across_era_boundary);
	tcase_add_test(tc, test_time_diff_keeps_nanoseconds_of_large_timestamps);
	tcase_add_test(tc, test_time_1970_clock_measures_2026_and_2040_servers);
	tcase_add_test(tc, test_time_clock_in_era_1_reads_era_0_servers);
	tcase_add_test(tc, test_time_fraction_near_next_second_carries);
	tcase_add_test(tc, test_time_half_era_edges_follow_the_interval);
	tcase_add_test(tc, test_time_round_trip_at_the_rounding_edge);
	tcase_add_test(tc, test_time_short_format_edges);
	tcase_add_test(tc, test_time_random_round_trips_are_exact);
	tcase_add_test(tc, test_time_timespec_diff_is_exact_then_saturates);
	suite_add_tcase(s, tc);
	return check_run(s);
}
