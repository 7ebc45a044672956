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

START_TEST(test_time_diff_across_era_boundary)
{
	struct timespec a = { 2085978496LL, 500000000 }, b = { 2085978495LL, 500000000 };
	uint64_t na = ntp_time_from_timespec(&a), nb = ntp_time_from_timespec(&b);

	ck_assert_double_eq_tol(ntp_time_fixed_to_s(ntp_time_diff(na, nb)), 1.0, 1e-9);
	ck_assert_double_eq_tol(ntp_time_fixed_to_s(ntp_time_diff(nb, na)), -1.0, 1e-9);
}
END_TEST

START_TEST(test_time_diff_keeps_nanoseconds_of_large_timestamps)
{
	/* two 2026 timestamps 1 ns apart: as doubles of absolute seconds they
	 * would be equal (ulp 2^-22 s); the wire-domain difference keeps it */
	struct timespec a = { (time_t)NOW_2026, 1 }, b = { (time_t)NOW_2026, 0 };
	double d = ntp_time_fixed_to_s(
		ntp_time_diff(ntp_time_from_timespec(&a), ntp_time_from_timespec(&b)));

	ck_assert_double_eq_tol(d, 1e-9, 1e-10);
}
END_TEST

START_TEST(test_time_add_wraps_with_the_era)
{
	uint64_t t = (uint64_t)0xffffffffu << 32;
	uint64_t r = ntp_time_add(t, ntp_time_fixed_from_s(2.5));

	ck_assert_uint_eq(r >> 32, 1);
	ck_assert_uint_eq(r & 0xffffffffu, 0x80000000u);
	ck_assert_uint_eq(ntp_time_add(r, ntp_time_fixed_from_s(-2.5)), t);
}
END_TEST

START_TEST(test_time_fixed_from_s_saturates)
{
	ck_assert_int_eq(ntp_time_fixed_from_s(1e12), INT64_MAX);
	ck_assert_int_eq(ntp_time_fixed_from_s(-1e12), INT64_MIN);
	ck_assert_int_eq(ntp_time_fixed_from_s(NAN), INT64_MAX);
	ck_assert_int_eq(ntp_time_fixed_from_s(-1.0), -(INT64_C(1) << 32));
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

START_TEST(test_time_timespec_helpers)
{
	struct timespec a = { 10, 100 }, b = { 9, 999999900 };

	ck_assert_int_eq(ntp_time_timespec_diff_ns(&a, &b), 200);
	ck_assert_int_eq(ntp_time_timespec_diff_ns(&b, &a), -200);
	ck_assert_int_eq(ntp_time_timespec_to_ns(&a), 10000000100LL);
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
	tcase_add_test(tc, test_time_add_wraps_with_the_era);
	tcase_add_test(tc, test_time_fixed_from_s_saturates);
	tcase_add_test(tc, test_time_short_format_edges);
	tcase_add_test(tc, test_time_random_round_trips_are_exact);
	tcase_add_test(tc, test_time_timespec_helpers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
