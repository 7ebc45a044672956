/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <errno.h>

#include "check_run.h"
#include "select.h"

#define NOW_NS (INT64_C(1000) * 1000000000)

static struct est_peer peer(double root_delay, double delay, double root_disp, double disp,
			    double jitter)
{
	return (struct est_peer){ .offset_s = 0,
				  .delay_s = delay,
				  .disp_s = disp,
				  .jitter_s = jitter,
				  .t_ns = NOW_NS,
				  .n_samples = 1,
				  .root_delay_s = root_delay,
				  .root_disp_s = root_disp,
				  .stratum = 2,
				  .leap = NTP_LEAP_NONE };
}

START_TEST(test_select_root_dist_sums_the_rfc_terms)
{
	struct est_peer p = peer(0.010, 0.020, 0.005, 0.001, 0.002);

	/* (0.01 + 0.02) / 2 + 0.005 + 0.001 + 0 + 0.002 */
	ck_assert_double_eq_tol(select_root_dist(&p, NOW_NS), 0.023, 1e-12);
	/* ten seconds later PHI * 10 s more */
	ck_assert_double_eq_tol(select_root_dist(&p, NOW_NS + INT64_C(10) * 1000000000),
				0.023 + 15e-5, 1e-12);
	/* tiny delays are raised to MINDISP */
	p = peer(0, 0.0001, 0, 0, 0);
	ck_assert_double_eq_tol(select_root_dist(&p, NOW_NS), NTP_MINDISP_S / 2, 1e-12);
}
END_TEST

START_TEST(test_select_fit_rejects_unusable_peers)
{
	struct est_peer p = peer(0.01, 0.01, 0.01, 0.001, 0.001);

	ck_assert_int_eq(select_fit(&p, NOW_NS), SELECT_FIT_OK);
	p.leap = NTP_LEAP_UNSYNC;
	ck_assert_int_eq(select_fit(&p, NOW_NS), SELECT_FIT_UNSYNC);
	p.leap = NTP_LEAP_INSERT;
	p.stratum = 0;
	ck_assert_int_eq(select_fit(&p, NOW_NS), SELECT_FIT_STRATUM);
	p.stratum = 16;
	ck_assert_int_eq(select_fit(&p, NOW_NS), SELECT_FIT_STRATUM);
	p.stratum = 15;
	ck_assert_int_eq(select_fit(&p, NOW_NS), SELECT_FIT_OK);
	p.root_disp_s = 1.6;
	ck_assert_int_eq(select_fit(&p, NOW_NS), SELECT_FIT_DISTANCE);
	p.n_samples = 0;
	ck_assert_int_eq(select_fit(&p, NOW_NS), SELECT_FIT_NO_SAMPLES);
	ck_assert_str_eq(select_fit_str(SELECT_FIT_DISTANCE), "root distance too large");
}
END_TEST

START_TEST(test_select_majority_excludes_two_falsetickers_of_five)
{
	const double off[] = { 0.001, 3600.0, 0.002, -7.0, -0.001 };
	const double dist[] = { 0.01, 0.01, 0.01, 0.01, 0.01 };
	bool t[5];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 5, NTP_CMIN, t, &iv), 3);
	ck_assert(t[0] && !t[1] && t[2] && !t[3] && t[4]);
	ck_assert_uint_eq(iv.n_falsetickers, 2);
	ck_assert_double_eq_tol(iv.low_s, -0.008, 1e-12);
	ck_assert_double_eq_tol(iv.high_s, 0.009, 1e-12);
}
END_TEST

START_TEST(test_select_two_against_two_has_no_majority)
{
	const double off[] = { 0.0, 10.0, 0.001, 10.001 };
	const double dist[] = { 0.01, 0.01, 0.01, 0.01 };
	bool t[4];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 4, NTP_CMIN, t, &iv), -ENOENT);
}
END_TEST

START_TEST(test_select_shared_point_counts_without_midpoints)
{
	/* A = 0 +- 1, B = 0.5 +- 0.1, C = 2 +- 1.6 all share [0.4, 0.6]; the
	 * midpoints of A and C lie outside it. Edges alone decide: all three
	 * agree (RFC 5905's step 5 would count the two midpoints and find no
	 * clique) */
	const double off[] = { 0.0, 0.5, 2.0 };
	const double dist[] = { 1.0, 0.1, 1.6 };
	bool t[3];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 3, NTP_CMIN, t, &iv), 3);
	ck_assert_uint_eq(iv.n_falsetickers, 0);
	ck_assert_double_eq_tol(iv.low_s, 0.4, 1e-12);
	ck_assert_double_eq_tol(iv.high_s, 0.6, 1e-12);
	ck_assert(t[0] && t[1] && t[2]);
}
END_TEST

START_TEST(test_select_two_overlapping_servers_agree)
{
	/* 0 +- 3 ms and +4 +- 3 ms share [1, 3] ms, and neither midpoint lies
	 * in it: the common two-server setup, both under the RFC's CMIN and
	 * under a majority of both addresses */
	const double off[] = { 0.0, 0.004 };
	const double dist[] = { 0.003, 0.003 };
	bool t[2];
	struct select_interval iv;

	for (unsigned quorum = NTP_CMIN; quorum <= 2; quorum++) {
		ck_assert_int_eq(select_intersect(off, dist, 2, quorum, t, &iv), 2);
		ck_assert(t[0] && t[1]);
		ck_assert_uint_eq(iv.n_falsetickers, 0);
		ck_assert_double_eq_tol(iv.low_s, 0.001, 1e-12);
		ck_assert_double_eq_tol(iv.high_s, 0.003, 1e-12);
	}
}
END_TEST

START_TEST(test_select_two_disjoint_servers_have_no_majority)
{
	/* a gap of 1 ns between the intervals: one of the two lies, and one
	 * of two is no majority */
	const double off[] = { 0.0, 0.006 + 1e-9 };
	const double dist[] = { 0.003, 0.003 };
	bool t[2];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 2, NTP_CMIN, t, &iv), -ENOENT);
}
END_TEST

START_TEST(test_select_touching_intervals_share_their_edge)
{
	/* correctness intervals are closed: [-1, 1] and [1, 3] share 1 */
	const double off[] = { 0.0, 2.0 };
	const double dist[] = { 1.0, 1.0 };
	bool t[2];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 2, 2, t, &iv), 2);
	ck_assert(t[0] && t[1]);
	ck_assert_double_eq(iv.low_s, 1.0);
	ck_assert_double_eq(iv.high_s, 1.0);
}
END_TEST

START_TEST(test_select_three_servers_exclude_one_falseticker)
{
	/* two honest servers 4 ms apart (midpoints outside each other's
	 * intervals) outvote a liar 50 ms away */
	const double off[] = { 0.0, 0.050, 0.004 };
	const double dist[] = { 0.003, 0.003, 0.003 };
	bool t[3];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 3, NTP_CMIN, t, &iv), 2);
	ck_assert(t[0] && !t[1] && t[2]);
	ck_assert_uint_eq(iv.n_falsetickers, 1);
	ck_assert_double_eq_tol(iv.low_s, 0.001, 1e-12);
	ck_assert_double_eq_tol(iv.high_s, 0.003, 1e-12);
	/* settle's quorum, a majority of the three, is met by the two */
	ck_assert_int_eq(select_intersect(off, dist, 3, 2, t, &iv), 2);
}
END_TEST

START_TEST(test_select_five_servers_exclude_one_and_two_falsetickers)
{
	/* honest: [-3, 3], [1, 7] and [2.5, 8.5] ms share [2.5, 3] ms, where
	 * none of their midpoints lies; with one liar, a fourth honest server
	 * at [2, 6] ms joins them */
	const double off[] = { 0.0, 0.004, 3600.0, 0.0055, -7.0 };
	const double dist[] = { 0.003, 0.003, 0.003, 0.003, 0.003 };
	const double off4[] = { 0.0, 0.004, 3600.0, 0.0055, 0.004 };
	const double dist4[] = { 0.003, 0.003, 0.003, 0.003, 0.002 };
	bool t[5];
	struct select_interval iv;

	/* two liars of five */
	ck_assert_int_eq(select_intersect(off, dist, 5, NTP_CMIN, t, &iv), 3);
	ck_assert(t[0] && t[1] && !t[2] && t[3] && !t[4]);
	ck_assert_uint_eq(iv.n_falsetickers, 2);
	ck_assert_double_eq_tol(iv.low_s, 0.0025, 1e-12);
	ck_assert_double_eq_tol(iv.high_s, 0.003, 1e-12);
	ck_assert_int_eq(select_intersect(off, dist, 5, 3, t, &iv), 3);
	/* one liar of five */
	ck_assert_int_eq(select_intersect(off4, dist4, 5, NTP_CMIN, t, &iv), 4);
	ck_assert(t[0] && t[1] && !t[2] && t[3] && t[4]);
	ck_assert_uint_eq(iv.n_falsetickers, 1);
	ck_assert_double_eq_tol(iv.low_s, 0.0025, 1e-12);
	ck_assert_double_eq_tol(iv.high_s, 0.003, 1e-12);
}
END_TEST

START_TEST(test_select_truechimer_is_an_interval_that_reaches_the_intersection)
{
	/* A = [0, 2], B = [1, 3], C = [2.5, 10]: no point in all three; with
	 * one falseticker allowed, two intervals share points from 1 (A, B)
	 * to 3 (B, C). Every interval reaches [1, 3]: as in ntpd, all three
	 * are truechimers, though C's midpoint (6.25) is far outside */
	const double off[] = { 1.0, 2.0, 6.25 };
	const double dist[] = { 1.0, 1.0, 3.75 };
	bool t[3];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 3, NTP_CMIN, t, &iv), 3);
	ck_assert_uint_eq(iv.n_falsetickers, 1);
	ck_assert_double_eq(iv.low_s, 1.0);
	ck_assert_double_eq(iv.high_s, 3.0);
	ck_assert(t[0] && t[1] && t[2]);
	/* C moved just beyond B's edge reaches nothing: a falseticker */
	const double off2[] = { 1.0, 2.0, 6.25 + 0.5 + 1e-9 };

	ck_assert_int_eq(select_intersect(off2, dist, 3, NTP_CMIN, t, &iv), 2);
	ck_assert(t[0] && t[1] && !t[2]);
	ck_assert_double_eq(iv.high_s, 2.0);
}
END_TEST

START_TEST(test_select_nested_intervals_of_different_widths)
{
	/* A = 0 +- 1, B = 0.2 +- 0.5, C = 0.1 +- 0.1: interval [0, 0.2], with
	 * A's midpoint on its lower edge and B's on its upper edge */
	const double off[] = { 0.0, 0.2, 0.1 };
	const double dist[] = { 1.0, 0.5, 0.1 };
	bool t[3];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 3, NTP_CMIN, t, &iv), 3);
	ck_assert_uint_eq(iv.n_falsetickers, 0);
	ck_assert_double_eq_tol(iv.low_s, 0.0, 1e-12);
	ck_assert_double_eq_tol(iv.high_s, 0.2, 1e-12);
	ck_assert(t[0] && t[1] && t[2]);
}
END_TEST

START_TEST(test_select_wide_interval_survives_beside_narrow_majority)
{
	/* a wide interval whose midpoint sits inside the narrow clique counts */
	const double off[] = { 0.0, 0.001, -0.001, 0.0005 };
	const double dist[] = { 0.002, 0.002, 0.002, 0.5 };
	bool t[4];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 4, NTP_CMIN, t, &iv), 4);
	ck_assert(t[3]);
}
END_TEST

START_TEST(test_select_quorum_counts_silent_candidates)
{
	const double off[] = { 10.0, 0.0, 0.001 };
	const double dist[] = { 0.01, 0.01, 0.01 };
	bool t[3];
	struct select_interval iv;

	/* a lone liar that answers first is not a majority of 4 addresses */
	ck_assert_int_eq(select_intersect(off, dist, 1, 3, t, &iv), -ENOENT);
	/* by the RFC's rule alone it would be */
	ck_assert_int_eq(select_intersect(off, dist, 1, NTP_CMIN, t, &iv), 1);
	/* 2 agreeing of 3 in: enough for the RFC, not for a quorum of 3 */
	ck_assert_int_eq(select_intersect(off, dist, 3, NTP_CMIN, t, &iv), 2);
	ck_assert(!t[0] && t[1] && t[2]);
	ck_assert_int_eq(select_intersect(off, dist, 3, 3, t, &iv), -ENOENT);
	ck_assert_int_eq(select_intersect(off + 1, dist + 1, 2, 2, t, &iv), 2);
}
END_TEST

START_TEST(test_select_rejects_bad_counts)
{
	double off[SELECT_MAX + 1] = { 0 }, dist[SELECT_MAX + 1] = { 0 };
	bool t[SELECT_MAX + 1];
	struct select_interval iv;

	ck_assert_int_eq(select_intersect(off, dist, 0, 1, t, &iv), -EINVAL);
	ck_assert_int_eq(select_intersect(off, dist, SELECT_MAX + 1, 1, t, &iv), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("select");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_select_root_dist_sums_the_rfc_terms);
	tcase_add_test(tc, test_select_fit_rejects_unusable_peers);
	tcase_add_test(tc, test_select_majority_excludes_two_falsetickers_of_five);
	tcase_add_test(tc, test_select_two_against_two_has_no_majority);
	tcase_add_test(tc, test_select_shared_point_counts_without_midpoints);
	tcase_add_test(tc, test_select_two_overlapping_servers_agree);
	tcase_add_test(tc, test_select_two_disjoint_servers_have_no_majority);
	tcase_add_test(tc, test_select_touching_intervals_share_their_edge);
	tcase_add_test(tc, test_select_three_servers_exclude_one_falseticker);
	tcase_add_test(tc, test_select_five_servers_exclude_one_and_two_falsetickers);
	tcase_add_test(tc, test_select_truechimer_is_an_interval_that_reaches_the_intersection);
	tcase_add_test(tc, test_select_nested_intervals_of_different_widths);
	tcase_add_test(tc, test_select_wide_interval_survives_beside_narrow_majority);
	tcase_add_test(tc, test_select_quorum_counts_silent_candidates);
	tcase_add_test(tc, test_select_rejects_bad_counts);
	suite_add_tcase(s, tc);
	return check_run(s);
}
