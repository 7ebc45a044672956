/* SPDX-License-Identifier: BSD-2-Clause */
#include <math.h>

#include "combine.h"

/* The leap value more than half of the survivors announce, else none. */
static enum ntp_leap combine_leap(const struct est_peer *peers, const unsigned *idx, unsigned n)
{
	unsigned votes[4] = { 0 };

	for (unsigned i = 0; i < n; i++)
		votes[peers[idx[i]].leap & 3]++;
	if (2 * votes[NTP_LEAP_INSERT] > n)
		return NTP_LEAP_INSERT;
	if (2 * votes[NTP_LEAP_DELETE] > n)
		return NTP_LEAP_DELETE;
	return NTP_LEAP_NONE;
}

void combine_run(const struct est_peer *peers, const double *dist_s, const unsigned *idx,
		 unsigned n, bool use_sys_peer_only, int64_t now_ns, struct est_system *ret)
{
	const struct est_peer *p = &peers[idx[0]];
	double y = 0, z = 0, w = 0, incr_s, age_s;

	for (unsigned i = 0; i < n; i++) {
		const struct est_peer *q = &peers[idx[i]];
		double x = dist_s[idx[i]];

		y += 1 / x;
		z += q->offset_s / x;
		w += (q->offset_s - p->offset_s) * (q->offset_s - p->offset_s) / x;
	}
	age_s = (double)(now_ns - p->t_ns) * 1e-9;
	incr_s = p->disp_s + p->jitter_s + NTP_PHI * (age_s > 0 ? age_s : 0);
	if (incr_s < NTP_MINDISP_S)
		incr_s = NTP_MINDISP_S;

	ret->offset_s = use_sys_peer_only ? p->offset_s : z / y;
	ret->jitter_s = sqrt(w / y + p->jitter_s * p->jitter_s);
	ret->delay_s = p->delay_s;
	ret->root_delay_s = p->root_delay_s + p->delay_s;
	ret->root_disp_s = p->root_disp_s + incr_s;
	ret->root_dist_s = ret->root_disp_s + ret->root_delay_s / 2;
	ret->stratum = p->stratum + 1;
	ret->leap = combine_leap(peers, idx, n);
	ret->sys_peer = idx[0];
	ret->n_survivors = n;
}
