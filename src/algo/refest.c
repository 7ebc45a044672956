/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "ntp_proto.h"
#include "refest.h"

#define NS_PER_S 1e9

void refest_reset(struct refest *e)
{
	memset(e, 0, sizeof(*e));
}

void refest_add(struct refest *e, int64_t t_ns, int64_t value_ns)
{
	e->s[e->next] = (struct refest_sample){ .t_ns = t_ns, .value_ns = value_ns };
	e->next = (e->next + 1) % REFEST_NSAMPLES;
	if (e->n < REFEST_NSAMPLES)
		e->n++;
}

static void refest_sort(int64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		int64_t x = v[i];
		unsigned j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* The median of n sorted values, n > 0; the mean of the middle two when n
 * is even, computed without overflow. */
static int64_t refest_median(const int64_t *v, unsigned n)
{
	int64_t a = v[(n - 1) / 2], b = v[n / 2];

	/* halves first: b - a overflows for values of opposite signs far
	 * apart; the remainders add back the half that truncation lost */
	return a / 2 + b / 2 + (a % 2 + b % 2) / 2;
}

/* |a - b| in nanoseconds, saturated (values are far apart only when a
 * reference is broken: then the spread is huge, which is the point). */
static uint64_t refest_absdiff(int64_t a, int64_t b)
{
	return a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

bool refest_estimate(const struct refest *e, int64_t now_ns, int64_t max_age_ns,
		     struct refest_result *ret)
{
	int64_t v[REFEST_NSAMPLES], dev[REFEST_NSAMPLES], newest = INT64_MIN, med;
	unsigned n = 0;

	/* the newest sample not from the future (a sample from the future is
	 * as unusable as a stale one) */
	for (unsigned i = 0; i < e->n; i++)
		if (e->s[i].t_ns <= now_ns && e->s[i].t_ns > newest)
			newest = e->s[i].t_ns;
	if (newest == INT64_MIN || now_ns - newest > max_age_ns)
		return false;
	/* the window ends at the newest sample, not at now: while no sample
	 * comes, the same samples are used, the spread stays and only the age
	 * grows, so the dispersion never shrinks */
	for (unsigned i = 0; i < e->n; i++) {
		const struct refest_sample *s = &e->s[i];

		if (s->t_ns <= newest && newest - s->t_ns <= max_age_ns)
			v[n++] = s->value_ns;
	}
	if (n == 0)
		return false;
	refest_sort(v, n);
	med = refest_median(v, n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t d = refest_absdiff(v[i], med);

		dev[i] = d > INT64_MAX ? INT64_MAX : (int64_t)d;
	}
	refest_sort(dev, n);
	*ret = (struct refest_result){
		.value_ns = med,
		.spread_s = (double)refest_median(dev, n) / NS_PER_S,
		.age_s = (double)(now_ns - newest) / NS_PER_S,
		.n = n,
	};
	return true;
}

double refest_disp_s(const struct refest_result *r)
{
	return r->spread_s + NTP_PHI * r->age_s;
}
