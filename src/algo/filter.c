/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <math.h>

#include "filter.h"

/* Age a dispersion by PHI per second from t_ns to now_ns (RFC 5905 A.5.2). */
static double filter_aged_disp(const struct est_sample *s, int64_t now_ns)
{
	double age_s = (double)(now_ns - s->t_ns) * 1e-9;

	return s->disp_s + NTP_PHI * (age_s > 0 ? age_s : 0);
}

/*
 * Sort the register by increasing delay. Insertion sort: stable, so among
 * equal delays the newer sample (lower stage) stays first, and at most
 * NTP_NSTAGE entries.
 */
static void filter_sort_by_delay(struct est_sample *reg, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct est_sample s = reg[i];
		unsigned j = i;

		while (j > 0 && reg[j - 1].delay_s > s.delay_s) {
			reg[j] = reg[j - 1];
			j--;
		}
		reg[j] = s;
	}
}

int filter_run(const struct est_sample *samples, unsigned n, int64_t now_ns, double precision_s,
	       struct est_peer *ret)
{
	struct est_sample reg[NTP_NSTAGE];
	unsigned used = n < NTP_NSTAGE ? n : NTP_NSTAGE;
	double disp_s = 0, sum_sq = 0;

	if (n == 0)
		return -EINVAL;

	/* stage 0 is the newest sample, as in the RFC's shift register */
	for (unsigned i = 0; i < used; i++)
		reg[i] = samples[n - 1 - i];
	filter_sort_by_delay(reg, used);

	/* section 10: epsilon = sum of epsilon_i / 2^(i+1) over the sorted register */
	for (unsigned i = 0; i < used; i++)
		disp_s += ldexp(filter_aged_disp(&reg[i], now_ns), -(int)(i + 1));

	/* section 10: psi = sqrt(1/(n-1) * sum (theta_0 - theta_j)^2), at least the precision */
	for (unsigned j = 1; j < used; j++)
		sum_sq += (reg[0].offset_s - reg[j].offset_s) * (reg[0].offset_s - reg[j].offset_s);

	ret->offset_s = reg[0].offset_s;
	ret->delay_s = reg[0].delay_s;
	ret->disp_s = disp_s;
	ret->jitter_s = used > 1 ? sqrt(sum_sq / (used - 1)) : 0;
	if (ret->jitter_s < precision_s)
		ret->jitter_s = precision_s;
	ret->t_ns = reg[0].t_ns;
	ret->n_samples = used;
	return 0;
}
