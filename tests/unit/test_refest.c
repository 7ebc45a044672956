/* SPDX-License-Identifier: BSD-2-Clause */
/* refest: a reference clock's estimate is the median of its fresh samples,
 * its spread their median absolute deviation, and its dispersion grows at
 * PHI while samples stop. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_run.h"
#include "ntp_proto.h"
#include "refest.h"

#define S  INT64_C(1000000000)
#define MS INT64_C(1000000)

START_TEST(test_refest_empty_has_no_estimate)
{
	struct refest e = { 0 };
	struct refest_result r = { .n = 99 };

	ck_assert(!refest_estimate(&e, 10 * S, 8 * S, &r));
	ck_assert_uint_eq(r.n, 99); /* untouched */
}
END_TEST

/* One sample far off among five: the median does not move toward it. */
START_TEST(test_refest_median_ignores_one_outlier)
{
	struct refest e = { 0 };
	struct refest_result r;
	const int64_t v[] = { 100 * MS, 101 * MS, 99 * MS, 5 * S, 100 * MS };

	for (unsigned i = 0; i < 5; i++)
		refest_add(&e, (int64_t)(i + 1) * S, v[i]);
	ck_assert(refest_estimate(&e, 5 * S, 8 * S, &r));
	ck_assert_int_eq(r.value_ns, 100 * MS);
	ck_assert_uint_eq(r.n, 5);
	/* deviations 0, 1, 1, 4900, 0 ms: their median is 1 ms */
	ck_assert_double_eq_tol(r.spread_s, 0.001, 1e-12);
	ck_assert_double_eq_tol(r.age_s, 0.0, 1e-12);
}
END_TEST

START_TEST(test_refest_even_count_takes_the_middle_two)
{
	struct refest e = { 0 };
	struct refest_result r;

	refest_add(&e, 1 * S, 10 * MS);
	refest_add(&e, 2 * S, 20 * MS);
	ck_assert(refest_estimate(&e, 2 * S, 8 * S, &r));
	ck_assert_int_eq(r.value_ns, 15 * MS);
	ck_assert_double_eq_tol(r.spread_s, 0.005, 1e-12);
	/* extreme values: the mean of the middle two does not overflow */
	refest_reset(&e);
	refest_add(&e, 1 * S, INT64_MAX);
	refest_add(&e, 1 * S, INT64_MAX - 2);
	ck_assert(refest_estimate(&e, 1 * S, 8 * S, &r));
	ck_assert_int_eq(r.value_ns, INT64_MAX - 1);
	refest_add(&e, 1 * S, INT64_MIN);
	refest_add(&e, 1 * S, INT64_MIN);
	ck_assert(refest_estimate(&e, 1 * S, 8 * S, &r)); /* spread saturates, no UB */
	ck_assert(r.spread_s > 1e9);
}
END_TEST

/* Samples more than the bound older than the newest are not used; the
 * newest older than the bound (or none but from the future): no estimate,
 * so the reference is not usable. */
START_TEST(test_refest_stale_samples_are_not_used)
{
	struct refest e = { 0 };
	struct refest_result r;

	refest_add(&e, 1 * S, 7 * S); /* old and wrong */
	refest_add(&e, 10 * S, 1 * MS);
	refest_add(&e, 11 * S, 3 * MS);
	ck_assert(refest_estimate(&e, 12 * S, 8 * S, &r));
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.value_ns, 2 * MS);
	ck_assert_double_eq_tol(r.age_s, 1.0, 1e-12);
	ck_assert(refest_estimate(&e, 19 * S, 8 * S, &r)); /* exactly at the bound */
	ck_assert_uint_eq(r.n, 2);
	ck_assert_double_eq_tol(r.age_s, 8.0, 1e-12);
	ck_assert(!refest_estimate(&e, 19 * S + 1, 8 * S, &r));
	ck_assert(refest_estimate(&e, 10 * S, 8 * S, &r)); /* 11 s is in the future */
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.value_ns, 1 * MS);
	ck_assert(!refest_estimate(&e, 0, 8 * S, &r)); /* all in the future */
}
END_TEST

/* The ring keeps the newest REFEST_NSAMPLES. */
START_TEST(test_refest_ring_keeps_the_newest)
{
	struct refest e = { 0 };
	struct refest_result r;

	for (int64_t i = 0; i < 3 * REFEST_NSAMPLES; i++)
		refest_add(&e, i * S, i < 2 * REFEST_NSAMPLES ? 1 * S : 0);
	ck_assert(refest_estimate(&e, 3 * REFEST_NSAMPLES * S, 1000 * S, &r));
	ck_assert_uint_eq(r.n, REFEST_NSAMPLES);
	ck_assert_int_eq(r.value_ns, 0);
}
END_TEST

/* Dispersion = spread + PHI * age: it grows while samples stop, and never
 * shrinks as time passes without one. */
START_TEST(test_refest_dispersion_grows_at_phi_with_age)
{
	struct refest e = { 0 };
	struct refest_result r;
	double prev = -1.0;

	refest_add(&e, 100 * S, 0);
	refest_add(&e, 101 * S, 2 * MS);
	for (int64_t now = 101 * S; now <= 109 * S; now += S / 4) {
		double d;

		ck_assert(refest_estimate(&e, now, 8 * S, &r));
		d = refest_disp_s(&r);
		ck_assert_double_eq_tol(d, r.spread_s + NTP_PHI * (double)(now - 101 * S) / 1e9,
					1e-12);
		ck_assert_double_ge(d, prev);
		prev = d;
	}
}
END_TEST

/* Random sets (fixed seed, printed on failure): the median has as many
 * samples at or below it as at or above it, and the spread is a median of
 * deviations (at least half of them within it). */
START_TEST(test_refest_random_median_and_spread_properties)
{
	unsigned seed = 20240905;

	srand(seed);
	for (unsigned round = 0; round < 2000; round++) {
		struct refest e = { 0 };
		struct refest_result r;
		int64_t v[REFEST_NSAMPLES];
		unsigned n = 1 + (unsigned)rand() % REFEST_NSAMPLES, below = 0, above = 0,
			 within = 0;

		for (unsigned i = 0; i < n; i++) {
			v[i] = (int64_t)(rand() % 2000001) - 1000000;
			refest_add(&e, S, v[i]);
		}
		ck_assert_msg(refest_estimate(&e, S, S, &r), "seed %u round %u", seed, round);
		for (unsigned i = 0; i < n; i++) {
			int64_t d = v[i] > r.value_ns ? v[i] - r.value_ns : r.value_ns - v[i];

			below += v[i] <= r.value_ns;
			above += v[i] >= r.value_ns;
			within += (double)d <= r.spread_s * 1e9 + 0.5;
		}
		ck_assert_msg(2 * below >= n && 2 * above >= n && 2 * within >= n,
			      "seed %u round %u: n %u below %u above %u within %u", seed, round, n,
			      below, above, within);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("refest");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_refest_empty_has_no_estimate);
	tcase_add_test(tc, test_refest_median_ignores_one_outlier);
	tcase_add_test(tc, test_refest_even_count_takes_the_middle_two);
	tcase_add_test(tc, test_refest_stale_samples_are_not_used);
	tcase_add_test(tc, test_refest_ring_keeps_the_newest);
	tcase_add_test(tc, test_refest_dispersion_grows_at_phi_with_age);
	tcase_add_test(tc, test_refest_random_median_and_spread_properties);
	suite_add_tcase(s, tc);
	return check_run(s);
}
