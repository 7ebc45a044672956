/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>

#include "check_run.h"
#include "pipeline.h"

#define NOW_NS (INT64_C(1000) * 1000000000)

static struct pipeline_cand cand(double offset)
{
	return (struct pipeline_cand){
		.est = { .offset_s = offset,
			 .delay_s = 0.0002,
			 .disp_s = 0.0001,
			 .jitter_s = 0.00001,
			 .t_ns = NOW_NS,
			 .n_samples = 1,
			 .root_delay_s = 0,
			 .root_disp_s = 0.001,
			 .stratum = 10,
			 .leap = NTP_LEAP_NONE },
	};
}

START_TEST(test_pipeline_two_liars_of_five_are_falsetickers)
{
	struct pipeline_cand c[] = { cand(3600.0), cand(0.0001), cand(-7.0), cand(0.0002),
				     cand(-0.0001) };
	struct est_system sys;

	ck_assert_int_eq(pipeline_run(c, 5, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[0].verdict, PIPELINE_FALSETICKER);
	ck_assert_int_eq(c[2].verdict, PIPELINE_FALSETICKER);
	ck_assert(c[1].verdict >= PIPELINE_SURVIVOR && c[3].verdict >= PIPELINE_SURVIVOR &&
		  c[4].verdict >= PIPELINE_SURVIVOR);
	ck_assert_int_eq(c[sys.sys_peer].verdict, PIPELINE_SYS_PEER);
	ck_assert_double_eq_tol(sys.offset_s, 0.0000667, 0.0001);
	ck_assert_uint_eq(sys.n_survivors, 3);
	ck_assert_uint_eq(sys.stratum, 11);
	ck_assert_str_eq(pipeline_verdict_str(c[0].verdict), "falseticker");
}
END_TEST

START_TEST(test_pipeline_two_against_two_is_no_majority)
{
	struct pipeline_cand c[] = { cand(0.0), cand(0.0001), cand(10.0), cand(10.0001) };
	struct est_system sys;

	ck_assert_int_eq(pipeline_run(c, 4, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_NO_MAJORITY);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(c[i].verdict, PIPELINE_FALSETICKER);
}
END_TEST

/* cand()'s root distance: MINDISP / 2 + root disp + disp + jitter */
#define CAND_DIST_S (NTP_MINDISP_S / 2 + 0.001 + 0.0001 + 0.00001)

START_TEST(test_pipeline_two_overlapping_servers_agree)
{
	/* 4 ms apart, each +- 3.61 ms: neither midpoint lies in the other's
	 * interval, the intervals overlap; by RFC CMIN and by a majority of 2 */
	struct pipeline_cand c[] = { cand(0.0), cand(0.004) };
	struct est_system sys;

	for (unsigned quorum = NTP_CMIN; quorum <= 2; quorum++) {
		ck_assert_int_eq(pipeline_run(c, 2, quorum, NULL, NOW_NS, &sys), PIPELINE_OK);
		ck_assert_double_eq_tol(c[0].dist_s, CAND_DIST_S, 1e-12);
		ck_assert(c[0].verdict >= PIPELINE_SURVIVOR && c[1].verdict >= PIPELINE_SURVIVOR);
		ck_assert_uint_eq(sys.n_survivors, 2);
		ck_assert_double_eq_tol(sys.offset_s, 0.002, 1e-9);
	}
}
END_TEST

START_TEST(test_pipeline_overlapping_honest_servers_outvote_liars)
{
	/* honest at 0, 4 and 5.5 ms share [1.89, 3.61] ms, none of their
	 * midpoints in it; one liar 50 ms away of three, two liars of five */
	struct pipeline_cand three[] = { cand(0.0), cand(0.050), cand(0.004) };
	struct pipeline_cand five[] = { cand(3600.0), cand(0.0), cand(-7.0), cand(0.004),
					cand(0.0055) };
	struct est_system sys;

	ck_assert_int_eq(pipeline_run(three, 3, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(three[1].verdict, PIPELINE_FALSETICKER);
	ck_assert(three[0].verdict >= PIPELINE_SURVIVOR && three[2].verdict >= PIPELINE_SURVIVOR);
	ck_assert_double_eq_tol(sys.offset_s, 0.002, 1e-9);

	ck_assert_int_eq(pipeline_run(five, 5, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(five[0].verdict, PIPELINE_FALSETICKER);
	ck_assert_int_eq(five[2].verdict, PIPELINE_FALSETICKER);
	ck_assert_uint_eq(sys.n_survivors, 3);
	ck_assert_double_eq_tol(sys.offset_s, (0.0 + 0.004 + 0.0055) / 3, 1e-9);
}
END_TEST

START_TEST(test_pipeline_unfit_and_noselect_are_not_candidates)
{
	struct pipeline_cand c[] = { cand(0.0), cand(5.0), cand(0.0001), cand(5.0) };
	struct est_system sys;

	c[1].est.leap = NTP_LEAP_UNSYNC;
	c[3].noselect = true;
	/* without them, the two honest ones are a majority of two */
	ck_assert_int_eq(pipeline_run(c, 4, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[1].verdict, PIPELINE_UNFIT);
	ck_assert_int_eq(c[1].fit, SELECT_FIT_UNSYNC);
	ck_assert_int_eq(c[3].verdict, PIPELINE_NOSELECT);
	ck_assert_uint_eq(sys.n_survivors, 2);
}
END_TEST

START_TEST(test_pipeline_prefer_survivor_is_system_peer)
{
	struct pipeline_cand c[] = { cand(0.0), cand(0.0001), cand(0.0002) };
	struct est_system sys;

	c[2].prefer = true;
	c[2].est.root_disp_s = 0.01; /* worst merit, still preferred */
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_uint_eq(sys.sys_peer, 2);
	ck_assert_int_eq(c[2].verdict, PIPELINE_SYS_PEER);
	ck_assert_double_eq(sys.offset_s, 0.0002);
}
END_TEST

START_TEST(test_pipeline_true_peer_is_never_a_falseticker)
{
	struct pipeline_cand c[] = { cand(0.0), cand(0.0001), cand(0.0002), cand(1.0) };
	struct est_system sys;

	c[3].truechimer = true;
	ck_assert_int_eq(pipeline_run(c, 4, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_ne(c[3].verdict, PIPELINE_FALSETICKER);
}
END_TEST

START_TEST(test_pipeline_lone_first_answer_is_not_a_quorum)
{
	struct pipeline_cand c[] = { cand(3600.0) };
	struct est_system sys;

	/* one of four addresses has answered: a majority of 4 is 3 */
	ck_assert_int_eq(pipeline_run(c, 1, 3, NULL, NOW_NS, &sys), PIPELINE_NO_MAJORITY);
}
END_TEST

START_TEST(test_pipeline_nothing_fit_is_no_candidates)
{
	struct pipeline_cand c[] = { cand(0.0), cand(0.0) };
	struct est_system sys;

	c[0].est.n_samples = 0;
	c[1].est.stratum = 16;
	ck_assert_int_eq(pipeline_run(c, 2, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_NO_CANDIDATES);
	ck_assert_int_eq(c[0].fit, SELECT_FIT_NO_SAMPLES);
	ck_assert_int_eq(c[1].fit, SELECT_FIT_STRATUM);
}
END_TEST

START_TEST(test_pipeline_fewer_truechimers_than_minsane_is_too_few)
{
	const struct pipeline_tos minsane3 = { .minsane = 3 };
	struct pipeline_cand c[] = { cand(0.0), cand(0.0001), cand(5.0) };
	struct est_system sys;

	/* two of three agree: enough by default, not for `tos minsane 3` */
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, &minsane3, NOW_NS, &sys), PIPELINE_TOO_FEW);
	ck_assert_int_eq(c[0].verdict, PIPELINE_SURVIVOR);
	ck_assert_int_eq(c[1].verdict, PIPELINE_SURVIVOR);
	ck_assert_int_eq(c[2].verdict, PIPELINE_FALSETICKER);
	c[2] = cand(0.0002);
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, &minsane3, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_uint_eq(sys.n_survivors, 3);
}
END_TEST

START_TEST(test_pipeline_maxdist_is_the_fit_threshold)
{
	const struct pipeline_tos tight = { .maxdist_s = 0.01 }, loose = { .maxdist_s = 16 };
	struct pipeline_cand c[] = { cand(0.0), cand(0.0001), cand(0.0002) };
	struct est_system sys;

	/* root dispersion 0.001 s: fit under 0.01 s; 0.5 s: not */
	c[2].est.root_disp_s = 0.5;
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, &tight, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[2].fit, SELECT_FIT_DISTANCE);
	ck_assert_uint_eq(sys.n_survivors, 2);
	/* beyond MAXDIST (1.5 s), within `tos maxdist 16` */
	c[2].est.root_disp_s = 3.0;
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[2].fit, SELECT_FIT_DISTANCE);
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, &loose, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[2].fit, SELECT_FIT_OK);
	/* other fit tests still apply */
	c[2].est.leap = NTP_LEAP_UNSYNC;
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, &loose, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[2].fit, SELECT_FIT_UNSYNC);
}
END_TEST

START_TEST(test_pipeline_minclock_is_the_cluster_floor)
{
	const struct pipeline_tos minclock5 = { .minclock = 5 };
	struct pipeline_cand c[] = { cand(0.0), cand(0.001), cand(0.002), cand(0.050),
				     cand(-0.003) };
	struct est_system sys;

	/* wide intervals: all five are truechimers, the cluster prunes */
	for (unsigned i = 0; i < 5; i++)
		c[i].est.root_disp_s = 0.1;
	ck_assert_int_eq(pipeline_run(c, 5, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_uint_eq(sys.n_survivors, NTP_NMIN);
	ck_assert_uint_lt(sys.n_survivors, 5);
	ck_assert_int_eq(pipeline_run(c, 5, NTP_CMIN, &minclock5, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_uint_eq(sys.n_survivors, 5);
}
END_TEST

START_TEST(test_pipeline_tos_floor_and_ceiling_bound_the_stratum)
{
	struct pipeline_cand c[] = { cand(0.0001), cand(0.0002), cand(0.0003) };
	const struct pipeline_tos floor3 = { .floor = 3 }, ceiling8 = { .ceiling = 8 };
	struct est_system sys;

	/* ntpd's default ceiling: a stratum-15 server never gives stratum 16 */
	c[0].est.stratum = 15;
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, NULL, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[0].verdict, PIPELINE_UNFIT);
	ck_assert_int_eq(c[0].fit, SELECT_FIT_STRATUM);
	ck_assert_uint_le(sys.stratum, NTP_STRATUM_MAX);
	/* floor: inclusive */
	c[0].est.stratum = 2;
	c[1].est.stratum = 3;
	c[2].est.stratum = 3;
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, &floor3, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[0].fit, SELECT_FIT_STRATUM);
	ck_assert_int_eq(c[1].fit, SELECT_FIT_OK);
	/* ceiling: exclusive */
	c[0].est.stratum = 8;
	c[1].est.stratum = 7;
	c[2].est.stratum = 7;
	ck_assert_int_eq(pipeline_run(c, 3, NTP_CMIN, &ceiling8, NOW_NS, &sys), PIPELINE_OK);
	ck_assert_int_eq(c[0].fit, SELECT_FIT_STRATUM);
	ck_assert_int_eq(c[2].fit, SELECT_FIT_OK);
	ck_assert_uint_eq(sys.stratum, 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pipeline_two_liars_of_five_are_falsetickers);
	tcase_add_test(tc, test_pipeline_two_against_two_is_no_majority);
	tcase_add_test(tc, test_pipeline_two_overlapping_servers_agree);
	tcase_add_test(tc, test_pipeline_overlapping_honest_servers_outvote_liars);
	tcase_add_test(tc, test_pipeline_unfit_and_noselect_are_not_candidates);
	tcase_add_test(tc, test_pipeline_prefer_survivor_is_system_peer);
	tcase_add_test(tc, test_pipeline_true_peer_is_never_a_falseticker);
	tcase_add_test(tc, test_pipeline_lone_first_answer_is_not_a_quorum);
	tcase_add_test(tc, test_pipeline_nothing_fit_is_no_candidates);
	tcase_add_test(tc, test_pipeline_fewer_truechimers_than_minsane_is_too_few);
	tcase_add_test(tc, test_pipeline_maxdist_is_the_fit_threshold);
	tcase_add_test(tc, test_pipeline_minclock_is_the_cluster_floor);
	tcase_add_test(tc, test_pipeline_tos_floor_and_ceiling_bound_the_stratum);
	suite_add_tcase(s, tc);
	return check_run(s);
}
