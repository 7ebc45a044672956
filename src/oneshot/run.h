/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * run: one measurement. Resolves every configured name (c-ares, in
 * parallel), queries every candidate address as soon as it is known (in
 * parallel; one query per (address, port) however many names lead to it,
 * see candset.h), decides as soon as more samples cannot change the answer
 * (settle) or at the deadline, and runs the RFC 5905 pipeline on what came
 * in.
 */
#ifndef TSET_ONESHOT_RUN_H
#define TSET_ONESHOT_RUN_H

#include "candset.h"
#include "clock.h"
#include "opts.h"
#include "pipeline.h"
#include "query.h"
#include "resolve.h"
#include "settle.h"

/* What a name still waiting for DNS at the decision says. */
#define RUN_DNS_DEADLINE "no answer from dns before the deadline"

/* One configured server name and how its resolution went. */
struct run_name {
	struct run *run;
	unsigned server; /* index in opts->cfg.servers */
	bool pending;
	unsigned n_over_family; /* addresses beyond RESOLVE_MAX_ADDRS of a family */
	char error[96];		/* why it gave none, or "" */
};

enum run_outcome {
	RUN_NO_TIME = 0, /* nothing resolved or nobody answered */
	RUN_NO_MAJORITY, /* answers, but no majority, or none sane */
	RUN_OK,
};

struct run {
	const struct opts *o;
	struct query_env env;
	struct loop *loop;
	struct resolve *res;
	struct tls_trust *trust; /* NTS trust anchors */
	bool changed;
	int64_t start_ns, deadline_ns, decided_ns;
	bool deadline_hit;
	struct run_name names[CONFIG_MAX_SERVERS];
	struct candset cs;	     /* entry i is queried by q[i] */
	struct query q[CANDSET_MAX]; /* one per (address, port) */
	unsigned n_q;
	/* the decision */
	struct pipeline_cand cand[SELECT_MAX];
	int q_cand[CANDSET_MAX];     /* candidate of query i, or -1 */
	unsigned cand_q[SELECT_MAX]; /* query of candidate j */
	unsigned n_cand;
	enum settle_verdict settled;
	enum run_outcome outcome;
	struct est_system sys;
	char why[128]; /* what kept a majority from deciding (`tos minsane`), or "" */
};

/* Set up (loop, resolver); start_ns is the run's start on CLOCK_MONOTONIC. */
int run_init(struct run *r, const struct opts *o, const struct clock_ops *clock, int64_t start_ns);
/* Resolve, query, settle: returns when decided or at the deadline. */
void run_measure(struct run *r);
/* Final selection over what came in; sets outcome and sys. */
void run_decide(struct run *r);
void run_free(struct run *r);

#endif
