/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>

#include "select.h"

double select_root_dist(const struct est_peer *p, int64_t now_ns)
{
	double delay_s = p->root_delay_s + p->delay_s;
	double age_s = (double)(now_ns - p->t_ns) * 1e-9;

	if (delay_s < NTP_MINDISP_S)
		delay_s = NTP_MINDISP_S;
	if (age_s < 0)
		age_s = 0;
	return delay_s / 2 + p->root_disp_s + p->disp_s + NTP_PHI * age_s + p->jitter_s;
}

enum select_fit select_fit(const struct est_peer *p, int64_t now_ns)
{
	if (p->n_samples == 0)
		return SELECT_FIT_NO_SAMPLES;
	if (p->leap == NTP_LEAP_UNSYNC)
		return SELECT_FIT_UNSYNC;
	if (p->stratum == NTP_STRATUM_KOD || p->stratum >= NTP_STRATUM_UNSYNC)
		return SELECT_FIT_STRATUM;
	if (select_root_dist(p, now_ns) > NTP_MAXDIST_S)
		return SELECT_FIT_DISTANCE;
	return SELECT_FIT_OK;
}

const char *select_fit_str(enum select_fit fit)
{
	switch (fit) {
	case SELECT_FIT_OK:
		return "fit";
	case SELECT_FIT_NO_SAMPLES:
		return "no samples";
	case SELECT_FIT_UNSYNC:
		return "server unsynchronized";
	case SELECT_FIT_STRATUM:
		return "bad stratum";
	case SELECT_FIT_DISTANCE:
		return "root distance too large";
	}
	return "?";
}

/* One endpoint of a correctness interval: type -1 low, 0 midpoint, +1 high. */
struct select_edge {
	double x;
	int type;
};

/* Ascending by edge; at equal edges lowpoints first, highpoints last, so
 * intervals that touch count as overlapping. */
static bool select_edge_before(const struct select_edge *a, const struct select_edge *b)
{
	return a->x < b->x || (a->x == b->x && a->type < b->type);
}

static void select_sort_edges(struct select_edge *e, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct select_edge t = e[i];
		unsigned j = i;

		while (j > 0 && select_edge_before(&t, &e[j - 1])) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = t;
	}
}

/*
 * Steps 3 and 4 for one f: scan from each end until m - f intervals
 * overlap, counting the midpoints passed on the way (d). Returns true when
 * both ends were found, d <= f and the interval is not empty.
 */
static bool select_try(const struct select_edge *e, unsigned m, unsigned f, double *low,
		       double *high)
{
	int need = (int)(m - f), c = 0;
	unsigned d = 0, i;
	bool have_low = false, have_high = false;

	for (i = 0; i < 3 * m && !have_low; i++) {
		c -= e[i].type;
		d += e[i].type == 0;
		if (c >= need) {
			*low = e[i].x;
			have_low = true;
		}
	}
	c = 0;
	for (i = 3 * m; i-- > 0 && !have_high;) {
		c += e[i].type;
		d += e[i].type == 0;
		if (c >= need) {
			*high = e[i].x;
			have_high = true;
		}
	}
	return have_low && have_high && d <= f && *low < *high;
}

int select_intersect(const double *offset_s, const double *dist_s, unsigned m, unsigned quorum,
		     bool *ret_truechimer, struct select_interval *ret)
{
	struct select_edge e[3 * SELECT_MAX];
	double low = 0, high = 0;
	int n_true = 0;

	if (m == 0 || m > SELECT_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < m; i++) {
		e[3 * i] = (struct select_edge){ offset_s[i] - dist_s[i], -1 };
		e[3 * i + 1] = (struct select_edge){ offset_s[i], 0 };
		e[3 * i + 2] = (struct select_edge){ offset_s[i] + dist_s[i], +1 };
	}
	select_sort_edges(e, 3 * m);

	for (unsigned f = 0; 2 * f < m && m - f >= quorum; f++) {
		if (!select_try(e, m, f, &low, &high))
			continue;
		for (unsigned i = 0; i < m; i++) {
			ret_truechimer[i] = offset_s[i] >= low && offset_s[i] <= high;
			n_true += ret_truechimer[i];
		}
		*ret = (struct select_interval){ low, high, f };
		return n_true;
	}
	return -ENOENT;
}
