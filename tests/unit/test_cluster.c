/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>

#include "check_run.h"
#include "cluster.h"

static struct est_peer peer(double offset, double jitter, unsigned stratum)
{
	return (struct est_peer){
		.offset_s = offset, .jitter_s = jitter, .stratum = stratum, .n_samples = 1
	};
}

START_TEST(test_cluster_prunes_furthest_and_stops_at_three)
{
	const struct est_peer p[] = { peer(0, 1e-6, 2), peer(0.001, 1e-6, 2), peer(0.002, 1e-6, 2),
				      peer(0.050, 1e-6, 2), peer(-0.003, 1e-6, 2) };
	const double dist[] = { 0.01, 0.02, 0.03, 0.04, 0.05 };
	unsigned idx[] = { 0, 1, 2, 3, 4 };

	ck_assert_uint_eq(cluster_run(p, dist, idx, 5, 0), NTP_NMIN);
	/* survivors in merit order, then the outliers, the last pruned first */
	ck_assert_uint_eq(idx[0], 0);
	ck_assert_uint_eq(idx[1], 1);
	ck_assert_uint_eq(idx[2], 2);
	ck_assert_uint_eq(idx[3], 4);
	ck_assert_uint_eq(idx[4], 3);
}
END_TEST

START_TEST(test_cluster_keeps_all_when_spread_is_below_peer_jitter)
{
	const struct est_peer p[] = { peer(0, 0.010, 2), peer(0.001, 0.010, 2),
				      peer(-0.001, 0.010, 2), peer(0.0005, 0.010, 2),
				      peer(0.0002, 0.010, 2) };
	const double dist[] = { 0.05, 0.04, 0.03, 0.02, 0.01 };
	unsigned idx[] = { 0, 1, 2, 3, 4 };

	ck_assert_uint_eq(cluster_run(p, dist, idx, 5, 0), 5);
	/* sorted by merit: the smallest distance first */
	ck_assert_uint_eq(idx[0], 4);
	ck_assert_uint_eq(idx[4], 0);
}
END_TEST

START_TEST(test_cluster_merit_ranks_stratum_before_distance)
{
	const struct est_peer p[] = { peer(0, 1e-3, 2), peer(0, 1e-3, 1) };
	const double dist[] = { 0.01, 0.5 };
	unsigned idx[] = { 0, 1 };

	/* stratum 1 at 0.5 s: 1 * 1.5 + 0.5 = 2.0 beats 2 * 1.5 + 0.01 = 3.01 */
	ck_assert_uint_eq(cluster_run(p, dist, idx, 2, 0), 2);
	ck_assert_uint_eq(idx[0], 1);
}
END_TEST

START_TEST(test_cluster_never_prunes_three_or_fewer)
{
	const struct est_peer p[] = { peer(0, 1e-9, 2), peer(1.0, 1e-9, 2), peer(-1.0, 1e-9, 2) };
	const double dist[] = { 0.01, 0.01, 0.01 };
	unsigned idx[] = { 0, 1, 2 };

	ck_assert_uint_eq(cluster_run(p, dist, idx, 3, 0), 3);
	ck_assert_uint_eq(cluster_run(p, dist, idx, 1, 0), 1);
}
END_TEST

START_TEST(test_cluster_stops_at_tos_minclock)
{
	const struct est_peer p[] = { peer(0, 1e-6, 2), peer(0.001, 1e-6, 2), peer(0.002, 1e-6, 2),
				      peer(0.050, 1e-6, 2), peer(-0.003, 1e-6, 2) };
	const double dist[] = { 0.01, 0.02, 0.03, 0.04, 0.05 };
	unsigned idx[] = { 0, 1, 2, 3, 4 };

	/* `tos minclock 4`: the +50 ms outlier goes, -3 ms stays */
	ck_assert_uint_eq(cluster_run(p, dist, idx, 5, 4), 4);
	ck_assert_uint_eq(idx[4], 3);
	/* `tos minclock 5`: nothing is pruned; `tos minclock 1`: down to one */
	ck_assert_uint_eq(cluster_run(p, dist, idx, 5, 5), 5);
	ck_assert_uint_lt(cluster_run(p, dist, idx, 5, 1), NTP_NMIN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cluster");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cluster_prunes_furthest_and_stops_at_three);
	tcase_add_test(tc, test_cluster_keeps_all_when_spread_is_below_peer_jitter);
	tcase_add_test(tc, test_cluster_merit_ranks_stratum_before_distance);
	tcase_add_test(tc, test_cluster_never_prunes_three_or_fewer);
	tcase_add_test(tc, test_cluster_stops_at_tos_minclock);
	suite_add_tcase(s, tc);
	return check_run(s);
}
