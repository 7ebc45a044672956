/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refest: a reference clock's offset estimate from its recent samples
 * (a GPS through gpsd, a shared-memory segment). Pure: the caller passes
 * every sample and "now"; nothing here reads a clock or logs.
 *
 * A sample is a value in nanoseconds (what the caller wants estimated:
 * reference time minus a steady local clock) taken at t_ns
 * (CLOCK_MONOTONIC). The estimate is the median of the samples no older
 * than max_age_ns before the newest one, so that a lone bad sample never
 * moves it; its spread is their median absolute deviation from that
 * median. There is none when the newest sample is older than max_age_ns:
 * the reference is then stale. The root
 * dispersion a server declares for it is spread + PHI (RFC 5905 section
 * 7.3, 15 ppm) times the age of the newest sample: it grows while
 * samples stop.
 */
#ifndef TSET_ALGO_REFEST_H
#define TSET_ALGO_REFEST_H

#include <stdbool.h>
#include <stdint.h>

#define REFEST_NSAMPLES 16 /* the ring: 16 s of one sample a second */

struct refest_sample {
	int64_t t_ns;	  /* when it was taken, CLOCK_MONOTONIC */
	int64_t value_ns; /* what is estimated */
};

/* The newest REFEST_NSAMPLES samples; zero-initialised is empty. */
struct refest {
	struct refest_sample s[REFEST_NSAMPLES];
	unsigned next; /* where the next sample goes */
	unsigned n;    /* samples held, up to REFEST_NSAMPLES */
};

struct refest_result {
	int64_t value_ns; /* the median */
	double spread_s;  /* median absolute deviation from it */
	double age_s;	  /* now minus the newest sample's time, >= 0 */
	unsigned n;	  /* samples used */
};

void refest_reset(struct refest *e);
/* Add a sample; the oldest goes when the ring is full. */
void refest_add(struct refest *e, int64_t t_ns, int64_t value_ns);
/* The estimate at now_ns over the samples taken at most max_age_ns before
 * the newest one not after now_ns, itself at most max_age_ns old: false
 * (ret untouched) when there is none. */
bool refest_estimate(const struct refest *e, int64_t now_ns, int64_t max_age_ns,
		     struct refest_result *ret);
/* Root dispersion of an estimate: spread + PHI * age, in seconds. */
double refest_disp_s(const struct refest_result *r);

#endif
