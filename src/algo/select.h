/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * select: the candidate tests and the intersection (selection) algorithm of
 * RFC 5905 section 11.2.1 (appendix A.5.5.1 to A.5.5.3).
 */
#ifndef TSET_ALGO_SELECT_H
#define TSET_ALGO_SELECT_H

#include <stdbool.h>

#include "estimate.h"

/* Most candidates one selection takes (a caller's limit on addresses). */
#define SELECT_MAX 64

/* Why a peer is not a candidate (appendix A.5.5.3, fit()). */
enum select_fit {
	SELECT_FIT_OK = 0,
	SELECT_FIT_NO_SAMPLES, /* nothing measured */
	SELECT_FIT_UNSYNC,     /* leap indicator 3 */
	SELECT_FIT_STRATUM,    /* stratum 0 or >= MAXSTRAT */
	SELECT_FIT_DISTANCE,   /* root distance above MAXDIST */
};

/*
 * Root synchronization distance lambda of a peer at now_ns (appendix
 * A.5.5.2): max(MINDISP, delta_r + delta) / 2 + epsilon_r + epsilon
 * + PHI * age + psi, in seconds.
 */
double select_root_dist(const struct est_peer *p, int64_t now_ns);

/*
 * Is the peer fit to be a candidate (appendix A.5.5.3)? The RFC's test is
 * lambda > MAXDIST + PHI * 2^poll; a one-shot client has no poll interval,
 * so the threshold is MAXDIST itself.
 */
enum select_fit select_fit(const struct est_peer *p, int64_t now_ns);

/* A short lowercase reason for a fit verdict, e.g. "root distance too large". */
const char *select_fit_str(enum select_fit fit);

/* The intersection interval [low_s, high_s] and how many falsetickers it assumed. */
struct select_interval {
	double low_s, high_s;
	unsigned n_falsetickers;
};

/*
 * Intersection algorithm, section 11.2.1, as ntpd 4.2.8 and ntpsec do it:
 * candidate i has the correctness interval [offset_s[i] - dist_s[i],
 * offset_s[i] + dist_s[i]], one interval (one vote) per candidate. For
 * f = 0, 1, ... while f < m / 2 (a majority) and m - f >= quorum, it scans
 * the interval edges from below for the first point that m - f intervals
 * share (low) and from above for the last such point (high), and stops at
 * the first f for which they exist. quorum is the fewest truechimers that
 * may decide: pass NTP_CMIN for the RFC's rule; a caller that counts
 * silent candidates too passes a majority of all of them.
 *
 * Only edges count. The RFC's step 5 also counts the midpoints outside
 * the interval (at most f of them may be): with it, 0 +- 3 ms and
 * 4 +- 3 ms share [1, 3] ms yet have no majority, since neither midpoint
 * lies in it. ntpd dropped that test; so does this.
 *
 * Intervals are closed: at equal edges lows come first, so two intervals
 * that touch share that point and agree (ntpd asks for high > low, which
 * differs only in this tie).
 *
 * A truechimer, as in ntpd, is a candidate whose interval reaches
 * [low, high] (its midpoint may lie outside). That is at least m - f of
 * them (those that share low), and may be more: a candidate whose
 * interval touches [low, high] without being one of the m - f is kept too,
 * and the cluster algorithm judges it by its offset.
 *
 * On success sets ret_truechimer[i] for every candidate, fills *ret and
 * returns the number of truechimers. Returns -EINVAL for m == 0 or
 * m > SELECT_MAX, -ENOENT when no majority shares a point.
 */
int select_intersect(const double *offset_s, const double *dist_s, unsigned m, unsigned quorum,
		     bool *ret_truechimer, struct select_interval *ret);

#endif
