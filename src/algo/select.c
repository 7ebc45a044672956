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

/* One edge of a correctness interval: type -1 low, +1 high. */
struct select_edge {
	double x;
	int type;
};

/* Ascending by edge; at equal edges lows first, so that intervals that
 * touch share that point (correctness intervals are closed). */
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
 * For one f: the first edge from below and the last from above at which
 * need = m - f intervals overlap. Each scan counts the intervals open at
 * the edge it has reached. Returns whether some point is shared by need
 * intervals (then *low <= *high).
 */
static bool select_try(const struct select_edge *e, unsigned n_edges, unsigned need, double *low,
		       double *high)
{
	unsigned i;
	int c = 0;
	bool have_low = false, have_high = false;

	for (i = 0; i < n_edges && !have_low; i++) {
		c -= e[i].type;
		if (c >= (int)need) {
			*low = e[i].x;
			have_low = true;
		}
	}
	c = 0;
	for (i = n_edges; i-- > 0 && !have_high;) {
		c += e[i].type;
		if (c >= (int)need) {
			*high = e[i].x;
			have_high = true;
		}
	}
	return have_low && have_high && *low <= *high;
}

int select_intersect(const double *offset_s, const double *dist_s, unsigned m, unsigned quorum,
		     bool *ret_truechimer, struct select_interval *ret)
{
	struct select_edge e[2 * SELECT_MAX];
	double low = 0, high = 0;
	int n_true = 0;

	if (m == 0 || m > SELECT_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < m; i++) {
		e[2 * i] = (struct select_edge){ offset_s[i] - dist_s[i], -1 };
		e[2 * i + 1] = (struct select_edge){ offset_s[i] + dist_s[i], +1 };
	}
	select_sort_edges(e, 2 * m);

	for (unsigned f = 0; 2 * f < m && m - f >= quorum; f++) {
		if (!select_try(e, 2 * m, m - f, &low, &high))
			continue;
		/* a truechimer's interval reaches [low, high] (ntpd) */
		for (unsigned i = 0; i < m; i++) {
			ret_truechimer[i] =
				offset_s[i] + dist_s[i] >= low && offset_s[i] - dist_s[i] <= high;
			n_true += ret_truechimer[i];
		}
		*ret = (struct select_interval){ low, high, f };
		return n_true;
	}
	return -ENOENT;
}
