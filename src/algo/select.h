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
 * Intersection algorithm, section 11.2.1: candidate i has the correctness
 * interval offset_s[i] +- dist_s[i]. It looks for an interval shared by
 * m - f candidates, f = 0, 1, ... while f < m / 2 (a majority clique) and
 * m - f >= quorum. quorum is the fewest truechimers that may decide: pass
 * NTP_CMIN for the RFC's rule; a caller that counts silent candidates too
 * passes a majority of all of them (DESIGN.md 3.6).
 *
 * Step 5 of the RFC reads "d = f"; its appendix code and ntpd test d <= f
 * (at most f midpoints outside), which is what this does.
 *
 * On success sets ret_truechimer[i] for every candidate whose midpoint lies
 * in the interval, fills *ret and returns the number of truechimers (at
 * least m - f). Returns -EINVAL for m == 0 or m > SELECT_MAX, -ENOENT when
 * no majority clique exists.
 */
int select_intersect(const double *offset_s, const double *dist_s, unsigned m, unsigned quorum,
		     bool *ret_truechimer, struct select_interval *ret);

#endif
