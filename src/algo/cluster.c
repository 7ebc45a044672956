/* SPDX-License-Identifier: BSD-2-Clause */
#include <math.h>

#include "cluster.h"

/* Section 11.2.2: merit lambda_p = stratum_p * MAXDIST + lambda. */
static double cluster_merit(const struct est_peer *peers, const double *dist_s, unsigned i)
{
	return peers[i].stratum * NTP_MAXDIST_S + dist_s[i];
}

static void cluster_sort_by_merit(const struct est_peer *peers, const double *dist_s, unsigned *idx,
				  unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		unsigned t = idx[i], j = i;
		double merit = cluster_merit(peers, dist_s, t);

		while (j > 0 && cluster_merit(peers, dist_s, idx[j - 1]) > merit) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = t;
	}
}

/* Selection jitter of candidate idx[s] relative to idx[0..n) (step 3). */
static double cluster_sel_jitter(const struct est_peer *peers, const unsigned *idx, unsigned n,
				 unsigned s)
{
	double sum_sq = 0;

	for (unsigned j = 0; j < n; j++) {
		double d = peers[idx[s]].offset_s - peers[idx[j]].offset_s;

		sum_sq += d * d;
	}
	return n > 1 ? sqrt(sum_sq / (n - 1)) : 0;
}

unsigned cluster_run(const struct est_peer *peers, const double *dist_s, unsigned *idx, unsigned n,
		     unsigned min_survivors)
{
	unsigned nmin = min_survivors ? min_survivors : NTP_NMIN;

	cluster_sort_by_merit(peers, dist_s, idx, n);

	while (n > nmin) {
		double max_sel = -1, min_peer = INFINITY;
		unsigned worst = 0;

		for (unsigned s = 0; s < n; s++) {
			double sel = cluster_sel_jitter(peers, idx, n, s);

			if (sel > max_sel) {
				max_sel = sel;
				worst = s;
			}
			if (peers[idx[s]].jitter_s < min_peer)
				min_peer = peers[idx[s]].jitter_s;
		}
		if (max_sel < min_peer)
			break;
		/* step 6B: move the outlier behind the survivors, keeping their order */
		unsigned out = idx[worst];

		for (unsigned k = worst; k + 1 < n; k++)
			idx[k] = idx[k + 1];
		idx[--n] = out;
	}
	return n;
}
