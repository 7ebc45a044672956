/* SPDX-License-Identifier: BSD-2-Clause */
#include "cluster.h"
#include "combine.h"
#include "pipeline.h"

/* fit() within the configured limits: select_fit() tests the root
 * distance last, against MAXDIST, which `tos maxdist` replaces; `tos
 * floor` and `tos ceiling` bound the stratum as ntpd's peer_unfit() does
 * (stratum < floor or >= ceiling). */
static enum select_fit pipeline_fit_one(const struct pipeline_cand *c,
					const struct pipeline_tos *tos, int64_t now_ns)
{
	enum select_fit fit = select_fit(&c->est, now_ns);
	unsigned ceiling = tos->ceiling ? tos->ceiling : NTP_STRATUM_MAX;
	double maxdist_s = tos->maxdist_s > 0 ? tos->maxdist_s : NTP_MAXDIST_S;

	if (fit != SELECT_FIT_OK && fit != SELECT_FIT_DISTANCE)
		return fit;
	if (c->est.stratum < tos->floor || c->est.stratum >= ceiling)
		return SELECT_FIT_STRATUM;
	return c->dist_s > maxdist_s ? SELECT_FIT_DISTANCE : SELECT_FIT_OK;
}

/* Fit test for every peer; returns the candidates' indices in cand[]. */
static unsigned pipeline_fit(struct pipeline_cand *c, unsigned n, const struct pipeline_tos *tos,
			     int64_t now_ns, unsigned *cand)
{
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++) {
		c[i].verdict = PIPELINE_UNFIT;
		c[i].dist_s = select_root_dist(&c[i].est, now_ns);
		c[i].fit = i < SELECT_MAX ? pipeline_fit_one(&c[i], tos, now_ns)
					  : SELECT_FIT_NO_SAMPLES;
		if (c[i].fit != SELECT_FIT_OK)
			continue;
		if (c[i].noselect) {
			c[i].verdict = PIPELINE_NOSELECT;
			continue;
		}
		cand[m++] = i;
	}
	return m;
}

/* Move a surviving prefer peer to the front; returns whether there was one. */
static bool pipeline_prefer_first(const struct pipeline_cand *c, const unsigned *cand,
				  unsigned *idx, unsigned k)
{
	for (unsigned i = 0; i < k; i++) {
		if (!c[cand[idx[i]]].prefer)
			continue;
		unsigned p = idx[i];

		for (; i > 0; i--)
			idx[i] = idx[i - 1];
		idx[0] = p;
		return true;
	}
	return false;
}

enum pipeline_status pipeline_run(struct pipeline_cand *c, unsigned n, unsigned quorum,
				  const struct pipeline_tos *tos, int64_t now_ns,
				  struct est_system *ret)
{
	static const struct pipeline_tos defaults = { 0 };
	struct est_peer peers[SELECT_MAX];
	double offset_s[SELECT_MAX], dist_s[SELECT_MAX];
	unsigned cand[SELECT_MAX], idx[SELECT_MAX], m, n_true = 0, k;
	bool is_true[SELECT_MAX];
	struct select_interval iv;

	if (!tos)
		tos = &defaults;
	m = pipeline_fit(c, n, tos, now_ns, cand);
	if (m == 0)
		return PIPELINE_NO_CANDIDATES;
	for (unsigned j = 0; j < m; j++) {
		offset_s[j] = c[cand[j]].est.offset_s;
		dist_s[j] = c[cand[j]].dist_s;
		peers[j] = c[cand[j]].est;
	}
	if (select_intersect(offset_s, dist_s, m, quorum, is_true, &iv) < 0) {
		for (unsigned j = 0; j < m; j++)
			c[cand[j]].verdict = PIPELINE_FALSETICKER;
		return PIPELINE_NO_MAJORITY;
	}
	for (unsigned j = 0; j < m; j++) {
		bool keep = is_true[j] || c[cand[j]].truechimer;

		c[cand[j]].verdict = keep ? PIPELINE_OUTLIER : PIPELINE_FALSETICKER;
		if (keep)
			idx[n_true++] = j;
	}
	if (n_true < tos->minsane) {
		/* `tos minsane`: too few agree to set the clock */
		for (unsigned j = 0; j < n_true; j++)
			c[cand[idx[j]]].verdict = PIPELINE_SURVIVOR;
		return PIPELINE_TOO_FEW;
	}
	k = cluster_run(peers, dist_s, idx, n_true, tos->minclock);
	bool prefer = pipeline_prefer_first(c, cand, idx, k);

	combine_run(peers, dist_s, idx, k, prefer, now_ns, ret);
	for (unsigned j = 0; j < k; j++)
		c[cand[idx[j]]].verdict = j == 0 ? PIPELINE_SYS_PEER : PIPELINE_SURVIVOR;
	ret->sys_peer = cand[idx[0]];
	return PIPELINE_OK;
}

const char *pipeline_verdict_str(enum pipeline_verdict v)
{
	switch (v) {
	case PIPELINE_UNFIT:
		return "unfit";
	case PIPELINE_NOSELECT:
		return "noselect";
	case PIPELINE_FALSETICKER:
		return "falseticker";
	case PIPELINE_OUTLIER:
		return "outlier";
	case PIPELINE_SURVIVOR:
		return "survivor";
	case PIPELINE_SYS_PEER:
		return "system-peer";
	}
	return "?";
}
