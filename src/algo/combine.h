/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * combine: the combine algorithm of RFC 5905 section 11.2.3 (appendix
 * A.5.5.5) and the system variables of figure 25.
 */
#ifndef TSET_ALGO_COMBINE_H
#define TSET_ALGO_COMBINE_H

#include "estimate.h"

/*
 * idx[0..n) are the survivors, idx[0] the system peer; dist_s[] every
 * peer's root distance. Fills *ret:
 * - offset: THETA = sum(theta_i / lambda_i) / sum(1 / lambda_i); when
 *   use_sys_peer_only is set (ntpd's prefer peer) THETA is the system
 *   peer's offset instead;
 * - jitter: PSI = sqrt(PSI_s^2 + PSI_p^2), with PSI_s the selection jitter
 *   relative to the system peer weighted by 1 / lambda (appendix A.5.5.5)
 *   and PSI_p the system peer's jitter;
 * - root delay DELTA = delta_r + delta, root dispersion EPSILON = epsilon_r
 *   + max(MINDISP, epsilon + psi + PHI * age) of the system peer (figure
 *   25). Figure 25 also adds |THETA|: a daemon keeps that error until it has
 *   corrected it; tset corrects THETA at once, so the term is left out and
 *   the caller adds whatever it does not correct (a slew in progress).
 * - root_dist = EPSILON + DELTA / 2, stratum = system peer's + 1, leap =
 *   what more than half the survivors announce (else none).
 */
void combine_run(const struct est_peer *peers, const double *dist_s, const unsigned *idx,
		 unsigned n, bool use_sys_peer_only, int64_t now_ns, struct est_system *ret);

#endif
