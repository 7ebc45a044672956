/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <math.h>

#include "check_run.h"
#include "combine.h"

#define NOW_NS (INT64_C(1000) * 1000000000)

static struct est_peer peer(double offset, double jitter, enum ntp_leap leap)
{
	return (struct est_peer){ .offset_s = offset,
				  .delay_s = 0.002,
				  .disp_s = 0.001,
				  .jitter_s = jitter,
				  .t_ns = NOW_NS,
				  .n_samples = 4,
				  .root_delay_s = 0.010,
				  .root_disp_s = 0.003,
				  .stratum = 1,
				  .leap = leap };
}

START_TEST(test_combine_weights_by_inverse_root_distance)
{
	const struct est_peer p[] = { peer(0.010, 0.001, NTP_LEAP_NONE),
				      peer(0.020, 0.001, NTP_LEAP_NONE),
				      peer(0.040, 0.001, NTP_LEAP_NONE) };
	const double dist[] = { 0.01, 0.02, 0.04 };
	const unsigned idx[] = { 0, 1, 2 };
	struct est_system sys;

	combine_run(p, dist, idx, 3, false, NOW_NS, &sys);
	/* (0.01/0.01 + 0.02/0.02 + 0.04/0.04) / (100 + 50 + 25) = 3 / 175 */
	ck_assert_double_eq_tol(sys.offset_s, 3.0 / 175, 1e-12);
	/* PSI_s^2 = (0 + 0.01^2/0.02 + 0.03^2/0.04) / 175; PSI_p = 0.001 */
	ck_assert_double_eq_tol(sys.jitter_s, sqrt(0.0275 / 175 + 1e-6), 1e-12);
	ck_assert_uint_eq(sys.sys_peer, 0);
	ck_assert_uint_eq(sys.n_survivors, 3);
}
END_TEST

START_TEST(test_combine_system_variables_follow_figure_25)
{
	const struct est_peer p[] = { peer(0.5, 0.001, NTP_LEAP_NONE) };
	const double dist[] = { 0.01 };
	const unsigned idx[] = { 0 };
	struct est_system sys;

	combine_run(p, dist, idx, 1, false, NOW_NS + 2000000000, &sys);
	ck_assert_double_eq_tol(sys.offset_s, 0.5, 1e-12);
	ck_assert_double_eq_tol(sys.delay_s, 0.002, 1e-12);
	ck_assert_double_eq_tol(sys.root_delay_s, 0.012, 1e-12);
	/* epsilon_r + max(MINDISP, epsilon + psi + PHI * 2 s) = 0.003 + 0.005 */
	ck_assert_double_eq_tol(sys.root_disp_s, 0.008, 1e-12);
	ck_assert_double_eq_tol(sys.root_dist_s, 0.008 + 0.006, 1e-12);
	ck_assert_uint_eq(sys.stratum, 2);
}
END_TEST

START_TEST(test_combine_dispersion_increment_above_mindisp)
{
	struct est_peer p[] = { peer(0, 0.004, NTP_LEAP_NONE) };
	const double dist[] = { 0.01 };
	const unsigned idx[] = { 0 };
	struct est_system sys;

	p[0].disp_s = 0.003;
	combine_run(p, dist, idx, 1, false, NOW_NS, &sys);
	/* 0.003 + 0.004 = 0.007 > MINDISP */
	ck_assert_double_eq_tol(sys.root_disp_s, 0.003 + 0.007, 1e-12);
}
END_TEST

START_TEST(test_combine_leap_needs_a_majority_of_survivors)
{
	struct est_peer p[] = { peer(0, 0.001, NTP_LEAP_INSERT), peer(0, 0.001, NTP_LEAP_INSERT),
				peer(0, 0.001, NTP_LEAP_NONE) };
	const double dist[] = { 0.01, 0.01, 0.01 };
	const unsigned idx[] = { 0, 1, 2 };
	struct est_system sys;

	combine_run(p, dist, idx, 3, false, NOW_NS, &sys);
	ck_assert_int_eq(sys.leap, NTP_LEAP_INSERT);
	p[1].leap = NTP_LEAP_DELETE;
	combine_run(p, dist, idx, 3, false, NOW_NS, &sys);
	ck_assert_int_eq(sys.leap, NTP_LEAP_NONE);
	p[0].leap = p[1].leap = NTP_LEAP_DELETE;
	combine_run(p, dist, idx, 3, false, NOW_NS, &sys);
	ck_assert_int_eq(sys.leap, NTP_LEAP_DELETE);
}
END_TEST

START_TEST(test_combine_prefer_uses_system_peer_offset)
{
	const struct est_peer p[] = { peer(0.010, 0.001, NTP_LEAP_NONE),
				      peer(0.030, 0.001, NTP_LEAP_NONE) };
	const double dist[] = { 0.01, 0.01 };
	const unsigned idx[] = { 1, 0 };
	struct est_system sys;

	combine_run(p, dist, idx, 2, true, NOW_NS, &sys);
	ck_assert_double_eq_tol(sys.offset_s, 0.030, 1e-12);
	ck_assert_uint_eq(sys.sys_peer, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("combine");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_combine_weights_by_inverse_root_distance);
	tcase_add_test(tc, test_combine_system_variables_follow_figure_25);
	tcase_add_test(tc, test_combine_dispersion_increment_above_mindisp);
	tcase_add_test(tc, test_combine_leap_needs_a_majority_of_survivors);
	tcase_add_test(tc, test_combine_prefer_uses_system_peer_offset);
	suite_add_tcase(s, tc);
	return check_run(s);
}
