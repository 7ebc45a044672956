/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cluster: the cluster algorithm of RFC 5905 section 11.2.2, which prunes
 * the truechimers that stray furthest from the others.
 */
#ifndef TSET_ALGO_CLUSTER_H
#define TSET_ALGO_CLUSTER_H

#include "estimate.h"

/*
 * idx[0..n) index the truechimers in peers[]; dist_s[] holds every peer's
 * root distance. Sorts idx by the merit stratum * MAXDIST + lambda (best
 * first), then removes, one per round, the candidate with the largest
 * selection jitter psi_s = sqrt(1/(n-1) * sum (theta_s - theta_j)^2) until
 * that maximum is below the smallest peer jitter or min_survivors remain
 * (NTP_NMIN, RFC 5905 appendix A.1.1; ntpd's `tos minclock`; 0 means
 * NTP_NMIN).
 *
 * On return idx[0..k) are the survivors in order of preference (idx[0] is
 * the system peer) and idx[k..n) the pruned outliers, the last pruned first.
 * Returns k.
 */
unsigned cluster_run(const struct est_peer *peers, const double *dist_s, unsigned *idx, unsigned n,
		     unsigned min_survivors);

#endif
