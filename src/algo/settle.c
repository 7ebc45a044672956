/* SPDX-License-Identifier: BSD-2-Clause */
#include <math.h>

#include "settle.h"

static bool settle_is_survivor(const struct pipeline_cand *c)
{
	return c->verdict == PIPELINE_SURVIVOR || c->verdict == PIPELINE_SYS_PEER;
}

double settle_error_s(const struct pipeline_cand *c, unsigned n)
{
	double max_delay = 0, lo = INFINITY, hi = -INFINITY;

	for (unsigned i = 0; i < n; i++) {
		if (!settle_is_survivor(&c[i]))
			continue;
		if (c[i].est.delay_s > max_delay)
			max_delay = c[i].est.delay_s;
		if (c[i].est.offset_s < lo)
			lo = c[i].est.offset_s;
		if (c[i].est.offset_s > hi)
			hi = c[i].est.offset_s;
	}
	return lo > hi ? INFINITY : max_delay / 2 + (hi - lo);
}

static bool settle_any_falseticker(const struct pipeline_cand *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (c[i].verdict == PIPELINE_FALSETICKER)
			return true;
	return false;
}

enum settle_verdict settle_check(struct pipeline_cand *c, unsigned n, const struct settle_policy *p,
				 int64_t now_ns, struct est_system *ret)
{
	unsigned quorum = p->n_all / 2 + 1;
	unsigned enough = p->n_all < NTP_NMIN ? p->n_all : NTP_NMIN;

	if (n == 0 || pipeline_run(c, n, quorum, &p->tos, now_ns, ret) != PIPELINE_OK)
		return SETTLE_WAIT;
	if (p->may_step && p->step_s > 0 && fabs(ret->offset_s) - p->step_s > ret->root_dist_s)
		return SETTLE_STEP;
	if (n >= enough && !settle_any_falseticker(c, n) && settle_error_s(c, n) < p->accuracy_s)
		return SETTLE_GOOD;
	return SETTLE_WAIT;
}
