/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter: the clock filter of RFC 5905 section 10 (appendix A.5.2), run
 * once over the samples a one-shot run collected from one address.
 */
#ifndef TSET_ALGO_FILTER_H
#define TSET_ALGO_FILTER_H

#include "estimate.h"

/*
 * Fill the clock-filter part of *ret (offset, delay, disp, jitter, t_ns,
 * n_samples) from samples[0..n), given oldest first. The register holds the
 * newest NTP_NSTAGE of them. Each sample's dispersion grows by PHI per
 * second from its measurement to now_ns; precision_s (the local clock's
 * precision) is the floor of the jitter. The header part of *ret (root
 * delay and dispersion, stratum, leap) is left alone.
 *
 * One deliberate difference from appendix A.5.2: stages that hold no
 * sample are not counted as MAXDISP. That term makes a daemon wait until
 * its register fills; a one-shot run has only the samples it took, and its
 * sampling rules (request spacing, settling early: src/algo/settle.h)
 * take that role.
 *
 * Returns 0, or -EINVAL when n is 0.
 */
int filter_run(const struct est_sample *samples, unsigned n, int64_t now_ns, double precision_s,
	       struct est_peer *ret);

#endif
