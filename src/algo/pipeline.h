/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pipeline: RFC 5905 section 11.2 from the filtered peers to the system
 * estimate: fit, intersection, cluster, combine, and a verdict per peer.
 */
#ifndef TSET_ALGO_PIPELINE_H
#define TSET_ALGO_PIPELINE_H

#include <stdbool.h>

#include "estimate.h"
#include "select.h"

enum pipeline_verdict {
	PIPELINE_UNFIT = 0,   /* failed fit(); see the fit field */
	PIPELINE_NOSELECT,    /* `noselect`: measured, never selected */
	PIPELINE_FALSETICKER, /* outside the majority clique */
	PIPELINE_OUTLIER,     /* pruned by the cluster algorithm */
	PIPELINE_SURVIVOR,
	PIPELINE_SYS_PEER,
};

/* One peer as the pipeline sees it: the caller fills the inputs. */
struct pipeline_cand {
	struct est_peer est;	       /* in: clock filter output and header values */
	bool noselect;		       /* in: never selected (still reported) */
	bool prefer;		       /* in: becomes the system peer if it survives */
	bool truechimer;	       /* in: ntpd's `true`: never a falseticker */
	enum select_fit fit;	       /* out */
	double dist_s;		       /* out: root distance lambda at now */
	enum pipeline_verdict verdict; /* out */
};

enum pipeline_status {
	PIPELINE_OK = 0,
	PIPELINE_NO_CANDIDATES, /* nothing fit to select from */
	PIPELINE_NO_MAJORITY,	/* no majority clique (section 11.2.1 step 6) */
	PIPELINE_TOO_FEW,	/* a clique, but fewer truechimers than minsane */
};

/* The limits a configuration may change, as ntpd's `tos` does; a zero
 * field means the default. */
struct pipeline_tos {
	unsigned minsane;  /* fewest truechimers that may decide (`tos minsane`; 1) */
	unsigned minclock; /* the cluster stops pruning here (`tos minclock`; NTP_NMIN) */
	double maxdist_s;  /* fit()'s root distance threshold (`tos maxdist`; MAXDIST) */
	unsigned floor;	   /* lowest stratum that is a candidate (`tos floor`; 0) */
	unsigned ceiling;  /* strata from here on are not (`tos ceiling`; NTP_STRATUM_MAX,
			    * as ntpd: a stratum-15 server would give stratum 16) */
};

/*
 * Run fit, intersection (with quorum as select_intersect() takes it),
 * cluster and combine over c[0..n) at now_ns, within the limits of tos
 * (NULL: the defaults). Sets every verdict, fills *ret on PIPELINE_OK. A
 * prefer peer that survives is made the system peer and its offset is
 * used alone (ntpd's prefer semantics). With fewer truechimers than
 * minsane it stops after the intersection (PIPELINE_TOO_FEW): the
 * truechimers are labelled SURVIVOR, and there is no system peer. n is at
 * most SELECT_MAX; further entries are left UNFIT with fit NO_SAMPLES.
 */
enum pipeline_status pipeline_run(struct pipeline_cand *c, unsigned n, unsigned quorum,
				  const struct pipeline_tos *tos, int64_t now_ns,
				  struct est_system *ret);

/* "system-peer", "survivor", "outlier", "falseticker", "noselect", "unfit" */
const char *pipeline_verdict_str(enum pipeline_verdict v);

#endif
