/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <errno.h>
#include <math.h>

#include "check_run.h"
#include "filter.h"

#define NOW_NS (INT64_C(1000) * 1000000000)
#define PREC_S 9.5367431640625e-07 /* 2^-20 */

START_TEST(test_filter_picks_minimum_delay_sample)
{
	/* oldest first; the register sorted by delay is s1, s2, s0, s3 */
	const struct est_sample s[] = {
		{ 0.010, 0.030, 0.001, NOW_NS },
		{ 0.012, 0.020, 0.001, NOW_NS },
		{ 0.008, 0.025, 0.002, NOW_NS },
		{ 0.011, 0.040, 0.001, NOW_NS },
	};
	struct est_peer p = { 0 };

	ck_assert_int_eq(filter_run(s, 4, NOW_NS, PREC_S, &p), 0);
	ck_assert_double_eq(p.offset_s, 0.012);
	ck_assert_double_eq(p.delay_s, 0.020);
	ck_assert_uint_eq(p.n_samples, 4);
	/* epsilon = .001/2 + .002/4 + .001/8 + .001/16 */
	ck_assert_double_eq_tol(p.disp_s, 0.0011875, 1e-12);
	/* psi = sqrt(((.012-.008)^2 + (.012-.010)^2 + (.012-.011)^2) / 3) = sqrt(7e-6) */
	ck_assert_double_eq_tol(p.jitter_s, 0.00264575131106459, 1e-12);
}
END_TEST

START_TEST(test_filter_ages_dispersion_by_phi)
{
	const struct est_sample s[] = { { 0.5, 0.010, 0.001, NOW_NS - INT64_C(10) * 1000000000 } };
	struct est_peer p = { 0 };

	ck_assert_int_eq(filter_run(s, 1, NOW_NS, PREC_S, &p), 0);
	/* (epsilon + PHI * 10 s) / 2 */
	ck_assert_double_eq_tol(p.disp_s, (0.001 + 15e-6 * 10) / 2, 1e-12);
	ck_assert_int_eq(p.t_ns, s[0].t_ns);
}
END_TEST

START_TEST(test_filter_single_sample_jitter_is_precision)
{
	const struct est_sample s[] = { { -0.25, 0.001, 0.0001, NOW_NS } };
	struct est_peer p = { 0 };

	ck_assert_int_eq(filter_run(s, 1, NOW_NS, PREC_S, &p), 0);
	ck_assert_double_eq(p.offset_s, -0.25);
	ck_assert_double_eq(p.jitter_s, PREC_S);
}
END_TEST

START_TEST(test_filter_equal_delays_prefer_newest)
{
	const struct est_sample s[] = {
		{ 0.001, 0.010, 0.001, NOW_NS - 2000000000 },
		{ 0.002, 0.010, 0.001, NOW_NS },
	};
	struct est_peer p = { 0 };

	ck_assert_int_eq(filter_run(s, 2, NOW_NS, PREC_S, &p), 0);
	ck_assert_double_eq(p.offset_s, 0.002);
}
END_TEST

START_TEST(test_filter_register_holds_newest_eight)
{
	struct est_sample s[9];
	struct est_peer p = { 0 };

	for (int i = 0; i < 9; i++)
		s[i] = (struct est_sample){ 0.001 * i, 0.050 + 0.001 * i, 0.001, NOW_NS };
	s[0].delay_s = 0.001; /* the best delay, but the oldest: shifted out */
	ck_assert_int_eq(filter_run(s, 9, NOW_NS, PREC_S, &p), 0);
	ck_assert_uint_eq(p.n_samples, 8);
	ck_assert_double_eq(p.offset_s, 0.001);
}
END_TEST

START_TEST(test_filter_no_samples_is_einval)
{
	struct est_peer p = { 0 };

	ck_assert_int_eq(filter_run(NULL, 0, NOW_NS, PREC_S, &p), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_filter_picks_minimum_delay_sample);
	tcase_add_test(tc, test_filter_ages_dispersion_by_phi);
	tcase_add_test(tc, test_filter_single_sample_jitter_is_precision);
	tcase_add_test(tc, test_filter_equal_delays_prefer_newest);
	tcase_add_test(tc, test_filter_register_holds_newest_eight);
	tcase_add_test(tc, test_filter_no_samples_is_einval);
	suite_add_tcase(s, tc);
	return check_run(s);
}
