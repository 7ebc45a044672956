/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * estimate: the value types every stage of the RFC 5905 pipeline shares.
 *
 * Sign convention (RFC 5905 section 8, as ntpdate prints it): an offset is
 * server time minus local time, so a positive offset means the local clock
 * is behind. Durations are double seconds (_s); instants are int64
 * nanoseconds on CLOCK_MONOTONIC (_ns), never doubles.
 */
#ifndef TSET_ALGO_ESTIMATE_H
#define TSET_ALGO_ESTIMATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ntp_proto.h"

/* One measurement of one address (RFC 5905 section 8). */
struct est_sample {
	double offset_s; /* theta = ((T2 - T1) + (T3 - T4)) / 2 */
	double delay_s;	 /* delta = (T4 - T1) - (T3 - T2), >= 0 */
	double disp_s;	 /* epsilon when measured: precisions + PHI * (T4 - T1) */
	int64_t t_ns;	 /* when measured (T4), CLOCK_MONOTONIC */
};

/* What the clock filter and the server's header say about one address. */
struct est_peer {
	/* clock filter output, RFC 5905 section 10 */
	double offset_s; /* theta of the minimum-delay sample */
	double delay_s;	 /* delta of that sample */
	double disp_s;	 /* epsilon: weighted sum over the register */
	double jitter_s; /* psi: RMS of offset differences to the best */
	int64_t t_ns;	 /* when the chosen sample was measured */
	unsigned n_samples;
	/* from the server's header (its latest valid reply) */
	double root_delay_s; /* delta_r */
	double root_disp_s;  /* epsilon_r */
	unsigned stratum;    /* 1..15 */
	enum ntp_leap leap;
};

/* The system estimate: what tset acts on (RFC 5905 section 11.2.3). */
struct est_system {
	double offset_s;     /* THETA: combined offset of the survivors */
	double jitter_s;     /* PSI = sqrt(PSI_s^2 + PSI_p^2) */
	double delay_s;	     /* the system peer's delta */
	double root_delay_s; /* DELTA = delta_r + delta of the system peer */
	double root_disp_s;  /* EPSILON, figure 25 (see combine.h) */
	double root_dist_s;  /* LAMBDA = EPSILON + DELTA / 2 */
	unsigned stratum;    /* system peer's stratum + 1 */
	enum ntp_leap leap;  /* what a majority of the survivors announce */
	unsigned sys_peer;   /* index of the system peer in the caller's array */
	unsigned n_survivors;
};

#endif
