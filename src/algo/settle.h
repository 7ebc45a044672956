/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * settle: may a one-shot run decide now, before every sample is in?
 * -p is a maximum, not a quota.
 */
#ifndef TSET_ALGO_SETTLE_H
#define TSET_ALGO_SETTLE_H

#include <stdbool.h>

#include "estimate.h"
#include "pipeline.h"

enum settle_verdict {
	SETTLE_WAIT = 0, /* more samples could change the answer */
	SETTLE_STEP,	 /* (a) a step is certain */
	SETTLE_GOOD,	 /* (b) the answer is already good */
};

struct settle_policy {
	unsigned n_all;		 /* every candidate address, answering or not */
	double step_s;		 /* step threshold; 0 = never step */
	bool may_step;		 /* false under -B (always slew) */
	double accuracy_s;	 /* `accuracy`: good enough */
	struct pipeline_tos tos; /* `tos minsane/minclock/maxdist`; zero: defaults */
};

/*
 * Run the pipeline over c[0..n) (the addresses that answered) with a
 * quorum of a majority of all n_all addresses, so that a lone liar that
 * answers first never decides, and at least tos.minsane truechimers, and
 * judge:
 * (a) SETTLE_STEP when a step may happen and |THETA| exceeds the step
 *     threshold by more than the system root distance;
 * (b) SETTLE_GOOD when at least three addresses (all, when fewer exist)
 *     answered, none is a falseticker, and what more samples could shrink
 *     (half the largest round-trip delay of the survivors plus the spread
 *     of their offsets) is below accuracy_s. The servers' own root delay
 *     and dispersion do not count: sampling cannot reduce them.
 * Fills *ret (and the verdicts in c) whenever the pipeline succeeds.
 */
enum settle_verdict settle_check(struct pipeline_cand *c, unsigned n, const struct settle_policy *p,
				 int64_t now_ns, struct est_system *ret);

/* The error bound of (b) over the survivors in c[0..n): max(delta) / 2 +
 * (max(theta) - min(theta)). */
double settle_error_s(const struct pipeline_cand *c, unsigned n);

#endif
