/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <math.h>

#include "check_run.h"
#include "settle.h"

#define NOW_NS (INT64_C(1000) * 1000000000)

static struct pipeline_cand cand(double offset, double delay)
{
	return (struct pipeline_cand){
		.est = { .offset_s = offset,
			 .delay_s = delay,
			 .disp_s = 0.00001,
			 .jitter_s = 0.000002,
			 .t_ns = NOW_NS,
			 .n_samples = 1,
			 .root_delay_s = 0,
			 .root_disp_s = 0.0002,
			 .stratum = 2,
			 .leap = NTP_LEAP_NONE },
	};
}

static const struct settle_policy lan4 = {
	.n_all = 4, .step_s = 0.128, .may_step = true, .accuracy_s = 0.001
};

START_TEST(test_settle_lan_first_round_is_good)
{
	struct pipeline_cand c[] = { cand(0.00001, 0.0001), cand(0.00002, 0.0001),
				     cand(-0.00001, 0.0002), cand(0.0, 0.0001) };
	struct est_system sys;

	ck_assert_int_eq(settle_check(c, 4, &lan4, NOW_NS, &sys), SETTLE_GOOD);
	/* the cluster pruned +0.00002 (tied with -0.00001, earlier in merit
	 * order); survivors: half of 0.0002 s plus the spread 0.00002 s */
	ck_assert_int_eq(c[1].verdict, PIPELINE_OUTLIER);
	ck_assert_double_eq_tol(settle_error_s(c, 4), 0.0001 + 0.00002, 1e-12);
}
END_TEST

START_TEST(test_settle_lone_liar_first_never_decides)
{
	struct pipeline_cand c[] = { cand(3600.0, 0.0001) };
	struct est_system sys;

	ck_assert_int_eq(settle_check(c, 1, &lan4, NOW_NS, &sys), SETTLE_WAIT);
}
END_TEST

START_TEST(test_settle_majority_ahead_is_a_certain_step)
{
	struct pipeline_cand c[] = { cand(10.0, 0.0001), cand(10.00001, 0.0001),
				     cand(10.00002, 0.0001) };
	struct est_system sys;

	/* three of four agree that the clock is 10 s behind: one black hole
	 * does not hold the step back */
	ck_assert_int_eq(settle_check(c, 3, &lan4, NOW_NS, &sys), SETTLE_STEP);
	ck_assert_double_eq_tol(sys.offset_s, 10.00001, 0.00002);
}
END_TEST

START_TEST(test_settle_two_of_four_is_no_quorum)
{
	struct pipeline_cand c[] = { cand(10.0, 0.0001), cand(10.00001, 0.0001) };
	struct est_system sys;

	ck_assert_int_eq(settle_check(c, 2, &lan4, NOW_NS, &sys), SETTLE_WAIT);
}
END_TEST

START_TEST(test_settle_two_overlapping_servers_make_a_certain_step)
{
	/* the common two-server setup: 4 ms apart, each +- 2.7 ms, both
	 * addresses in (a majority of 2 is 2) and 10 s behind */
	const struct settle_policy two = {
		.n_all = 2, .step_s = 0.128, .may_step = true, .accuracy_s = 0.001
	};
	struct pipeline_cand c[] = { cand(10.0, 0.0001), cand(10.004, 0.0001) };
	struct est_system sys;

	ck_assert_int_eq(settle_check(c, 2, &two, NOW_NS, &sys), SETTLE_STEP);
	ck_assert_double_eq_tol(sys.offset_s, 10.002, 1e-9);
	/* the first of them alone is not a majority of the two */
	ck_assert_int_eq(settle_check(c, 1, &two, NOW_NS, &sys), SETTLE_WAIT);
}
END_TEST

START_TEST(test_settle_two_overlapping_of_three_outvote_a_liar)
{
	const struct settle_policy three = {
		.n_all = 3, .step_s = 0.128, .may_step = true, .accuracy_s = 0.001
	};
	struct pipeline_cand c[] = { cand(3600.0, 0.0001), cand(10.0, 0.0001),
				     cand(10.004, 0.0001) };
	struct est_system sys;

	/* the liar answered first: alone it is no majority of three */
	ck_assert_int_eq(settle_check(c, 1, &three, NOW_NS, &sys), SETTLE_WAIT);
	ck_assert_int_eq(settle_check(c, 3, &three, NOW_NS, &sys), SETTLE_STEP);
	ck_assert_int_eq(c[0].verdict, PIPELINE_FALSETICKER);
	ck_assert_double_eq_tol(sys.offset_s, 10.002, 1e-9);
}
END_TEST

START_TEST(test_settle_internet_delays_keep_sampling)
{
	/* half of a 20 ms round trip alone exceeds 1 ms */
	struct pipeline_cand c[] = { cand(0.0001, 0.020), cand(0.0002, 0.021), cand(0.0, 0.019),
				     cand(0.0001, 0.020) };
	struct est_system sys;

	ck_assert_int_eq(settle_check(c, 4, &lan4, NOW_NS, &sys), SETTLE_WAIT);
	/* while a step well beyond the threshold is still certain */
	for (int i = 0; i < 4; i++)
		c[i].est.offset_s += 5.0;
	ck_assert_int_eq(settle_check(c, 4, &lan4, NOW_NS, &sys), SETTLE_STEP);
}
END_TEST

START_TEST(test_settle_falseticker_present_is_not_good)
{
	const struct settle_policy five = {
		.n_all = 5, .step_s = 0.128, .may_step = true, .accuracy_s = 0.001
	};
	struct pipeline_cand c[] = { cand(0.0, 0.0001), cand(0.00001, 0.0001),
				     cand(0.00002, 0.0001), cand(-7.0, 0.0001),
				     cand(0.00001, 0.0001) };
	struct est_system sys;

	ck_assert_int_eq(settle_check(c, 5, &five, NOW_NS, &sys), SETTLE_WAIT);
	ck_assert_int_eq(c[3].verdict, PIPELINE_FALSETICKER);
}
END_TEST

START_TEST(test_settle_near_threshold_is_not_a_certain_step)
{
	/* 0.13 s is beyond 0.128 s, but not by more than the root distance */
	struct pipeline_cand c[] = { cand(0.13, 0.004), cand(0.13, 0.004), cand(0.13, 0.004),
				     cand(0.13, 0.004) };
	struct est_system sys;

	ck_assert_int_eq(settle_check(c, 4, &lan4, NOW_NS, &sys), SETTLE_WAIT);
}
END_TEST

START_TEST(test_settle_always_slew_needs_a_good_answer)
{
	struct settle_policy slew = lan4;
	struct pipeline_cand c[] = { cand(10.0, 0.0001), cand(10.00001, 0.0001),
				     cand(10.00002, 0.0001) };
	struct est_system sys;

	slew.may_step = false;
	ck_assert_int_eq(settle_check(c, 3, &slew, NOW_NS, &sys), SETTLE_GOOD);
	c[0].est.delay_s = 0.01;
	ck_assert_int_eq(settle_check(c, 3, &slew, NOW_NS, &sys), SETTLE_WAIT);
}
END_TEST

START_TEST(test_settle_single_server_decides_alone)
{
	const struct settle_policy one = {
		.n_all = 1, .step_s = 0.128, .may_step = true, .accuracy_s = 0.001
	};
	struct pipeline_cand c[] = { cand(0.0001, 0.0001) };
	struct est_system sys;

	ck_assert_int_eq(settle_check(c, 1, &one, NOW_NS, &sys), SETTLE_GOOD);
	ck_assert(isinf(settle_error_s(c, 0)));
}
END_TEST

START_TEST(test_settle_waits_for_tos_minsane)
{
	struct settle_policy minsane4 = lan4;
	struct pipeline_cand c[] = { cand(10.0, 0.0001), cand(10.00001, 0.0001),
				     cand(10.00002, 0.0001), cand(10.00001, 0.0001) };
	struct est_system sys;

	/* three of four agree on a step: certain by default, but `tos minsane
	 * 4` wants four that agree, so the fourth is waited for */
	minsane4.tos.minsane = 4;
	ck_assert_int_eq(settle_check(c, 3, &lan4, NOW_NS, &sys), SETTLE_STEP);
	ck_assert_int_eq(settle_check(c, 3, &minsane4, NOW_NS, &sys), SETTLE_WAIT);
	ck_assert_int_eq(settle_check(c, 4, &minsane4, NOW_NS, &sys), SETTLE_STEP);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("settle");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_settle_lan_first_round_is_good);
	tcase_add_test(tc, test_settle_lone_liar_first_never_decides);
	tcase_add_test(tc, test_settle_majority_ahead_is_a_certain_step);
	tcase_add_test(tc, test_settle_two_of_four_is_no_quorum);
	tcase_add_test(tc, test_settle_two_overlapping_servers_make_a_certain_step);
	tcase_add_test(tc, test_settle_two_overlapping_of_three_outvote_a_liar);
	tcase_add_test(tc, test_settle_internet_delays_keep_sampling);
	tcase_add_test(tc, test_settle_falseticker_present_is_not_good);
	tcase_add_test(tc, test_settle_near_threshold_is_not_a_certain_step);
	tcase_add_test(tc, test_settle_always_slew_needs_a_good_answer);
	tcase_add_test(tc, test_settle_single_server_decides_alone);
	tcase_add_test(tc, test_settle_waits_for_tos_minsane);
	suite_add_tcase(s, tc);
	return check_run(s);
}
