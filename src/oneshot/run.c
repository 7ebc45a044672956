/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "log.h"
#include "ntp_time.h"
#include "run.h"

/* Queries for the candidates from entry `from` on (just added). */
static void run_query_entries(struct run *r, unsigned from)
{
	for (unsigned i = from; i < r->cs.n; i++) {
		const struct candset_entry *e = &r->cs.e[i];
		const struct config_server *s = &r->o->cfg.servers[e->name];

		/* the options of the first name that gave the address; a
		 * server line's `version N` wins over -o */
		query_init(&r->q[i], &r->env, e->name, (const struct sockaddr *)&e->sa, e->sa_len,
			   (s->flags & CONFIG_SERVER_BURST) != 0,
			   s->version ? s->version : r->o->version);
		query_set_key(&r->q[i], opts_server_key(r->o, s));
		if ((s->flags & CONFIG_SERVER_NTS) &&
		    query_set_nts(&r->q[i], s->host, s->ca[0] ? s->ca : r->o->cfg.ntstrustedcerts,
				  s->ntp_port) < 0)
			r->q[i].done = true; /* no memory: nothing */
		log_debug("'%s': candidate %s port %u", s->host, r->q[i].addr,
			  netio_sockaddr_port((const struct sockaddr *)&e->sa));
	}
	r->n_q = r->cs.n;
	r->changed = true;
}

static int run_family(const struct config_server *s)
{
	return s->family == CONFIG_FAMILY_INET	  ? AF_INET
	       : s->family == CONFIG_FAMILY_INET6 ? AF_INET6
						  : AF_UNSPEC;
}

/* A pool (or a name from the command line) votes through every address of
 * its family; a server line through one, as ntpd does. */
static unsigned run_max_votes(const struct config_server *s)
{
	return (s->flags & CONFIG_SERVER_POOL) ? RESOLVE_MAX_ADDRS : 1;
}

/* Debug: the addresses of name k that another name gave first. */
static void run_log_shared(const struct run *r, unsigned k)
{
	for (unsigned i = 0; i < r->cs.n; i++) {
		const struct candset_entry *e = &r->cs.e[i];

		if (e->name != k && (e->names & (UINT64_C(1) << k)))
			log_debug("'%s': %s is a candidate already, through '%s': one vote",
				  r->o->cfg.servers[k].host, r->q[i].addr,
				  r->o->cfg.servers[e->name].host);
	}
}

/* The resolver answered for one name. */
static void run_resolved(void *userdata, const struct resolve_result *res)
{
	struct run_name *name = userdata;
	struct run *r = name->run;
	const struct config_server *s = &r->o->cfg.servers[name->server];
	const struct candset_name *nm = &r->cs.names[name->server];
	unsigned from = r->cs.n;

	name->pending = false;
	r->changed = true;
	if (res->n == 0) {
		snprintf(name->error, sizeof(name->error), "%s", res->error);
		return;
	}
	name->n_over_family = res->n_dropped;
	candset_add_name(&r->cs, name->server, res->addrs, res->addr_lens, res->n, run_max_votes(s),
			 run_family(s));
	run_query_entries(r, from);
	if (nm->n_addrs == 0) {
		snprintf(name->error, sizeof(name->error), "no address of the requested family");
		return;
	}
	log_debug("'%s': %u address%s, %u vote%s", s->host, nm->n_addrs,
		  nm->n_addrs == 1 ? "" : "es", nm->held, nm->held == 1 ? "" : "s");
	run_log_shared(r, name->server);
}

static int run_start_names(struct run *r)
{
	for (unsigned i = 0; i < r->o->cfg.n_servers; i++) {
		const struct config_server *s = &r->o->cfg.servers[i];
		struct run_name *name = &r->names[i];
		int rc;

		*name = (struct run_name){ .run = r, .server = i, .pending = true };
		/* both families, so that the other one is there as a fallback */
		rc = resolve_start(r->res, s->host, s->port, RESOLVE_MAX_ADDRS, run_resolved, name);
		if (rc < 0) {
			name->pending = false;
			snprintf(name->error, sizeof(name->error), "%s", strerror(-rc));
		}
	}
	return 0;
}

/*
 * NTS certificates' dates are verified against this host's clock only
 * when the kernel says it is synchronised (STA_UNSYNC clear); otherwise
 * (at boot, the clock maybe years off) the dates are left out of the TLS
 * verification and every answer must instead put the time inside its
 * server's certificates' window (query.c).
 */
static bool run_clock_is_synced(const struct clock_ops *clock)
{
	struct clock_status st;

	return clock->read_status(clock->ctx, &st) == 0 && !st.unsync;
}

int run_init(struct run *r, const struct opts *o, const struct clock_ops *clock, int64_t start_ns)
{
	const char *resolvconf = o->cfg.resolvconf[0] ? o->cfg.resolvconf : NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	candset_init(&r->cs);
	r->o = o;
	r->start_ns = start_ns;
	r->deadline_ns = start_ns + (int64_t)(o->deadline_s * 1e9);
	rc = loop_new(&r->loop);
	if (rc < 0)
		return rc;
	rc = resolve_new(&r->res, r->loop, resolvconf, o->family);
	if (rc < 0)
		return rc;
	rc = tls_trust_new(&r->trust, run_clock_is_synced(clock));
	if (rc < 0)
		return rc;
	r->env = (struct query_env){
		.loop = r->loop,
		.clock = clock,
		.precision_s = ldexp(1, clock_precision_log2(clock)),
		.timeout_s = o->timeout_s,
		.max_samples = o->samples,
		.maxdist_s = o->cfg.maxdist_s,
		.changed = &r->changed,
		.trust = r->trust,
		.res = r->res,
	};
	rc = run_start_names(r);
	for (unsigned i = 0; i < o->cfg.n_servers; i++) {
		if (o->cfg.servers[i].flags & CONFIG_SERVER_NTS) {
			tls_trust_preload(r->trust);
			break;
		}
	}
	return rc;
}

void run_free(struct run *r)
{
	for (unsigned i = 0; i < r->n_q; i++)
		query_free(&r->q[i]);
	resolve_free(r->res);
	r->res = NULL;
	tls_trust_free(r->trust);
	r->trust = NULL;
	loop_free(r->loop);
	r->loop = NULL;
}

/* Build the pipeline's candidates from the queries that have samples. */
static void run_candidates(struct run *r, int64_t now_ns)
{
	r->n_cand = 0;
	for (unsigned i = 0; i < r->n_q; i++) {
		const struct query *q = &r->q[i];
		const struct config_server *s = &r->o->cfg.servers[q->server];
		struct pipeline_cand *c = &r->cand[r->n_cand];

		r->q_cand[i] = -1;
		if (q->n_samples == 0 || r->n_cand == SELECT_MAX)
			continue;
		memset(c, 0, sizeof(*c));
		filter_run(q->samples, q->n_samples, now_ns, r->env.precision_s, &c->est);
		c->est.root_delay_s = ntp_time_short_to_s(q->hdr.root_delay_ntp32);
		c->est.root_disp_s = ntp_time_short_to_s(q->hdr.root_disp_ntp32);
		c->est.stratum = q->hdr.stratum;
		c->est.leap = (enum ntp_leap)q->hdr.leap;
		c->noselect = (s->flags & CONFIG_SERVER_NOSELECT) != 0;
		c->prefer = (s->flags & CONFIG_SERVER_PREFER) != 0;
		c->truechimer = (s->flags & CONFIG_SERVER_TRUE) != 0;
		r->cand_q[r->n_cand] = i;
		r->q_cand[i] = (int)r->n_cand++;
	}
}

static bool run_all_done(const struct run *r)
{
	if (resolve_busy(r->res))
		return false;
	for (unsigned i = 0; i < r->n_q; i++)
		if (!r->q[i].done)
			return false;
	return true;
}

/* `tos minsane`, `minclock`, `maxdist`, `floor`, `ceiling` (zero: the defaults). */
static struct pipeline_tos run_tos(const struct run *r)
{
	return (struct pipeline_tos){ .minsane = r->o->cfg.minsane,
				      .minclock = r->o->cfg.minclock,
				      .maxdist_s = r->o->cfg.maxdist_s,
				      .floor = r->o->cfg.tos_floor,
				      .ceiling = r->o->cfg.tos_ceiling };
}

/* May we decide now (settle.h)? Only once every name is resolved,
 * since the majority counts every candidate address: each (address, port)
 * once, those this host cannot reach left out. */
static enum settle_verdict run_settle(struct run *r, int64_t now_ns)
{
	struct settle_policy p = {
		.n_all = r->cs.n_live,
		.step_s = r->o->gate.step_s,
		.may_step = r->o->gate.mode != GATE_MODE_SLEW,
		.accuracy_s = r->o->accuracy_s,
		.tos = run_tos(r),
	};

	if (resolve_busy(r->res) || p.n_all == 0)
		return SETTLE_WAIT;
	run_candidates(r, now_ns);
	return settle_check(r->cand, r->n_cand, &p, now_ns, &r->sys);
}

static int64_t run_next_ns(struct run *r)
{
	int64_t next = r->deadline_ns, t = resolve_next_ns(r->res);

	if (t < next)
		next = t;
	for (unsigned i = 0; i < r->n_q; i++) {
		t = query_next_ns(&r->q[i]);
		if (t < next)
			next = t;
	}
	return next;
}

/* Query i found its address unreachable from here: it leaves the
 * majority, and the names that voted through it take their next address
 * (queried in this same pass of run_tick). */
static void run_leave(struct run *r, unsigned i)
{
	unsigned from = r->cs.n;

	log_debug("%s: not reachable from this host: %s; out of the majority", r->q[i].addr,
		  strerror(-r->q[i].error));
	candset_leave(&r->cs, i);
	run_query_entries(r, from);
}

static void run_tick(struct run *r, int64_t now_ns)
{
	for (unsigned i = 0; i < r->n_q; i++) {
		query_tick(&r->q[i], now_ns);
		if (r->q[i].unreachable && !r->cs.e[i].gone)
			run_leave(r, i);
	}
}

void run_measure(struct run *r)
{
	for (;;) {
		int64_t now = loop_now_ns();

		if (now >= r->deadline_ns) {
			r->deadline_hit = true;
			break;
		}
		if (now >= resolve_next_ns(r->res))
			resolve_timeouts(r->res);
		run_tick(r, now);
		if (run_all_done(r))
			break;
		if (r->changed) {
			r->changed = false;
			r->settled = run_settle(r, now);
			if (r->settled != SETTLE_WAIT)
				break;
		}
		if (loop_run_once(r->loop, run_next_ns(r)) < 0)
			break;
	}
	r->decided_ns = loop_now_ns();
	log_debug("measured in %.3f s: %s", (double)(r->decided_ns - r->start_ns) * 1e-9,
		  r->settled == SETTLE_STEP   ? "a step is certain"
		  : r->settled == SETTLE_GOOD ? "good enough"
		  : r->deadline_hit	      ? "deadline"
					      : "every address done");
}

static bool run_any_answer(const struct run *r)
{
	for (unsigned i = 0; i < r->n_q; i++)
		if (query_has_replied(&r->q[i]))
			return true;
	return false;
}

static unsigned run_count_verdict(const struct run *r, enum pipeline_verdict v)
{
	unsigned n = 0;

	for (unsigned j = 0; j < r->n_cand; j++)
		n += r->cand[j].verdict == v;
	return n;
}

void run_decide(struct run *r)
{
	struct pipeline_tos tos = run_tos(r);
	enum pipeline_status st;

	if (r->settled != SETTLE_WAIT) {
		r->outcome = RUN_OK; /* settle_check left cand, verdicts and sys */
		return;
	}
	run_candidates(r, r->decided_ns);
	if (r->n_cand == 0) {
		r->outcome = run_any_answer(r) ? RUN_NO_MAJORITY : RUN_NO_TIME;
		return;
	}
	st = pipeline_run(r->cand, r->n_cand, NTP_CMIN, &tos, r->decided_ns, &r->sys);
	r->outcome = st == PIPELINE_OK ? RUN_OK : RUN_NO_MAJORITY;
	if (st == PIPELINE_TOO_FEW) {
		unsigned n = run_count_verdict(r, PIPELINE_SURVIVOR);

		snprintf(r->why, sizeof(r->why), "%u server%s agree%s, tos minsane wants %u", n,
			 n == 1 ? "" : "s", n == 1 ? "s" : "", tos.minsane);
		log_err("no majority: %s", r->why);
	}
}
