/* SPDX-License-Identifier: BSD-2-Clause */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ntp_time.h"
#include "report.h"

/* One address as the report shows it. */
struct report_addr {
	const char *state; /* JSON spelling, as tset(8) lists them */
	char error[224];   /* JSON's error: why it failed, or "" */
	/* the default output's line for an address that gave no time that
	 * counted ("no reply within 1 s", "falseticker (+3600.0 s from the
	 * majority)"), or "" */
	char reason[256];
	const struct pipeline_cand *cand; /* NULL without samples */
};

static const char *report_verdict_state(enum pipeline_verdict v)
{
	switch (v) {
	case PIPELINE_SYS_PEER:
		return "system-peer";
	case PIPELINE_SURVIVOR:
		return "survivor";
	case PIPELINE_OUTLIER:
	case PIPELINE_NOSELECT:
		return "outlier";
	case PIPELINE_FALSETICKER:
		return "falseticker";
	case PIPELINE_UNFIT:
		break;
	}
	return "invalid";
}

/* prefix and strerror(-err), its first letter lowercase: "not reachable
 * from this host: network is unreachable", "connection refused" */
static void report_errno_str(const char *prefix, int err, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", prefix, strerror(-err));
	size_t at = strlen(prefix);

	if (n > 0 && at < len && buf[at])
		buf[at] = (char)tolower((unsigned char)buf[at]);
}

/* The state of an address with samples is what the pipeline made of them;
 * a kiss that came after them is noted, not a verdict. */
static void report_addr_verdict(const struct run *r, const struct query *q,
				const struct pipeline_cand *c, struct report_addr *ret)
{
	const char *why = "";

	ret->state = report_verdict_state(c->verdict);
	if (c->verdict == PIPELINE_UNFIT)
		why = select_fit_str(c->fit);
	else if (c->verdict == PIPELINE_NOSELECT)
		why = "noselect";
	if (q->kiss)
		snprintf(ret->error, sizeof(ret->error), "%s%skiss-o'-death %s after %u sample%s",
			 why, *why ? "; " : "", q->kiss_code, q->n_samples,
			 q->n_samples == 1 ? "" : "s");
	else
		snprintf(ret->error, sizeof(ret->error), "%s", why);
	if (c->verdict == PIPELINE_FALSETICKER && r->outcome == RUN_OK)
		snprintf(ret->reason, sizeof(ret->reason),
			 "falseticker (%+.1f s from the majority)",
			 c->est.offset_s - r->sys.offset_s);
	else if (c->verdict == PIPELINE_FALSETICKER)
		snprintf(ret->reason, sizeof(ret->reason), "falseticker (no majority)");
	else if (c->verdict == PIPELINE_UNFIT)
		snprintf(ret->reason, sizeof(ret->reason), "not usable: %s", why);
}

/* An address that did not answer, or not in time, or that the run did
 * not wait for. */
static void report_addr_silent(const struct run *r, const struct query *q, struct report_addr *ret)
{
	if (!q->done && !q->error) {
		ret->state = "not-waited";
		snprintf(ret->error, sizeof(ret->error), "decided before its reply");
		snprintf(ret->reason, sizeof(ret->reason), "not waited for (decided without it)");
		return;
	}
	ret->state = "unreachable";
	if (q->error) {
		snprintf(ret->error, sizeof(ret->error), "%s", strerror(-q->error));
		report_errno_str("", q->error, ret->reason, sizeof(ret->reason));
		return;
	}
	snprintf(ret->error, sizeof(ret->error), "no reply");
	if (q->n_sent > 1)
		snprintf(ret->reason, sizeof(ret->reason), "no reply to %u requests (%g s each)",
			 q->n_sent, r->o->timeout_s);
	else
		snprintf(ret->reason, sizeof(ret->reason), "no reply within %g s", r->o->timeout_s);
}

static void report_addr_of(const struct run *r, unsigned i, struct report_addr *ret)
{
	const struct query *q = &r->q[i];
	const struct pipeline_cand *c = r->q_cand[i] >= 0 ? &r->cand[r->q_cand[i]] : NULL;

	memset(ret, 0, sizeof(*ret));
	ret->cand = c;
	if (q->unreachable) {
		ret->state = "unreachable";
		report_errno_str("not reachable from this host: ", q->error, ret->error,
				 sizeof(ret->error));
		snprintf(ret->reason, sizeof(ret->reason), "%s", ret->error);
	} else if (c && r->outcome != RUN_NO_TIME) {
		report_addr_verdict(r, q, c, ret);
	} else if (query_nts_error(q)) {
		ret->state = "invalid";
		snprintf(ret->error, sizeof(ret->error), "nts: %s", query_nts_error(q));
		snprintf(ret->reason, sizeof(ret->reason), "%s", ret->error);
	} else if (q->kiss) {
		ret->state = "kod";
		snprintf(ret->error, sizeof(ret->error), "kiss-o'-death %s", q->kiss_code);
		snprintf(ret->reason, sizeof(ret->reason), "%s", ret->error);
	} else if (q->n_rejects) {
		bool kod = q->last_reject == QUERY_REJECT_KOD;

		ret->state = kod ? "kod" : "invalid";
		query_reject_describe(q, ret->error, sizeof(ret->error));
		snprintf(ret->reason, sizeof(ret->reason), "%s%s",
			 kod ? "" : "reply rejected: ", ret->error);
	} else {
		report_addr_silent(r, q, ret);
	}
}

/* Addresses of name k that were not queried, and why: "more than 8
 * addresses of a family" (per name), "more than 64 candidate addresses"
 * (per run). */
struct report_unqueried {
	unsigned n;
	char reason[48];
};

static unsigned report_unqueried_of(const struct run *r, unsigned k, struct report_unqueried *ret)
{
	unsigned m = 0, n;

	n = r->names[k].n_over_family;
	if (n) {
		ret[m].n = n;
		snprintf(ret[m++].reason, sizeof(ret->reason), "more than %u addresses of a family",
			 RESOLVE_MAX_ADDRS);
	}
	n = candset_name_dropped(&r->cs, k);
	if (n) {
		ret[m].n = n;
		snprintf(ret[m++].reason, sizeof(ret->reason), "more than %u candidate addresses",
			 CANDSET_LIVE_MAX);
	}
	return m;
}

static const char *report_leap_str(enum ntp_leap l)
{
	static const char *const s[] = { "none", "insert", "delete", "unsync" };

	return s[l & 3];
}

static const struct query *report_sys_peer(const struct report *rep)
{
	const struct run *r = rep->run;

	if (!r || r->outcome != RUN_OK)
		return NULL;
	return &r->q[r->cand_q[r->sys.sys_peer]];
}

/* What tset did or would do, in ntpdate's words. */
static const char *report_verb(const struct report *rep)
{
	struct gate_policy p = rep->o->gate;

	p.query_only = false;
	p.allow_panic = true;
	return gate_decide(&p, rep->run->sys.offset_s) == GATE_ACTION_STEP ? "step" : "adjust";
}

/* -q: would a run without it refuse the offset (exit 3)? Say so. */
static void report_query_panic(const struct report *rep, char *buf, size_t len)
{
	const struct gate_policy *p = &rep->o->gate;

	if (!gate_beyond_panic(p, rep->run->sys.offset_s))
		return;
	if (p->allow_panic)
		snprintf(buf, len, " (beyond the panic threshold of %g s, allowed by -g)",
			 p->panic_s);
	else
		snprintf(buf, len,
			 " (beyond the panic threshold of %g s: without -q, tset would refuse it "
			 "and exit 3 unless -g)",
			 p->panic_s);
}

static void report_final_text(const struct report *rep, char *buf, size_t len)
{
	const struct query *sp = report_sys_peer(rep);
	const struct apply_result *ap = rep->ap;
	size_t n;

	if (!sp) {
		const char *why = rep->run ? rep->run->why : "";

		snprintf(buf, len, "%s%s%s",
			 rep->fatal ? rep->fatal : "no server suitable for synchronization found",
			 !rep->fatal && *why ? ": " : "", rep->fatal ? "" : why);
		return;
	}
	n = (size_t)snprintf(buf, len, "%s time server %s offset %+.6f sec", report_verb(rep),
			     sp->addr, rep->run->sys.offset_s);
	if (n >= len)
		return;
	if (ap && ap->why_not[0])
		snprintf(buf + n, len - n, ": clock not set: %s", ap->why_not);
	else if (ap && ap->clock_set && ap->action == GATE_ACTION_SLEW)
		snprintf(buf + n, len - n, " (slewing for %.1f s)", ap->slew_duration_s);
	else if (rep->o->gate.query_only)
		report_query_panic(rep, buf + n, len - n);
}

/* One line per address that gave no time that counted, saying why, on
 * err, or to syslog with -s. */
static void report_reasons(const struct report *rep, FILE *err)
{
	const struct run *r = rep->run;

	for (unsigned i = 0; r && i < r->n_q; i++) {
		struct report_addr a;

		report_addr_of(r, i, &a);
		if (!a.reason[0])
			continue;
		if (rep->o->use_syslog)
			syslog(LOG_NOTICE, "server %s: %s", r->q[i].addr, a.reason);
		else
			fprintf(err, "server %s: %s\n", r->q[i].addr, a.reason);
	}
}

void report_ntpdate(const struct report *rep, FILE *out, FILE *err)
{
	const struct run *r = rep->run;
	char text[320], stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	/* ntpdate's line for each address that gave time: scripts parse
	 * these; with -s nothing goes to stdout (cron mails what does) */
	for (unsigned i = 0; r && !rep->o->use_syslog && i < r->n_q; i++) {
		struct report_addr a;

		report_addr_of(r, i, &a);
		if (a.cand)
			fprintf(out, "server %s, stratum %u, offset %+.6f, delay %.5f\n",
				r->q[i].addr, a.cand->est.stratum, a.cand->est.offset_s,
				a.cand->est.delay_s);
	}
	fflush(out);
	report_reasons(rep, err);
	report_final_text(rep, text, sizeof(text));
	if (rep->o->use_syslog) {
		syslog(rep->exit_status ? LOG_ERR : LOG_NOTICE, "%s", text);
	} else {
		strftime(stamp, sizeof(stamp), "%d %b %H:%M:%S", localtime_r(&now, &tm));
		fprintf(out, "%s tset[%d]: %s\n", stamp, (int)getpid(), text);
	}
	if (rep->ap && rep->ap->rtc_error[0])
		fprintf(out, "rtc not written: %s\n", rep->ap->rtc_error);
}

/* The other names that led to address i: one candidate, one vote. */
static void report_table_names(const struct report *rep, unsigned i, FILE *out)
{
	const struct candset_entry *e = &rep->run->cs.e[i];
	const char *sep = " (also through ";

	for (unsigned k = 0; k < rep->o->cfg.n_servers && k < CANDSET_MAX_NAMES; k++) {
		if (k == e->name || !(e->names & (UINT64_C(1) << k)))
			continue;
		fprintf(out, "%s'%s'", sep, rep->o->cfg.servers[k].host);
		sep = ", ";
	}
	if (sep[0] == ',')
		fputc(')', out);
}

void report_table(const struct report *rep, FILE *out)
{
	const struct run *r = rep->run;

	if (!r)
		return;
	fprintf(out, "%-28s %-15s %2s %5s %10s %12s %10s  %s\n", "remote", "refid", "st", "reach",
		"delay", "offset", "jitter", "verdict");
	for (unsigned i = 0; i < r->n_q; i++) {
		const struct query *q = &r->q[i];
		struct report_addr a;
		char refid[32] = "-", reach[16];

		report_addr_of(r, i, &a);
		if (q->n_samples)
			ntp_pkt_refid_str(&q->hdr, refid, sizeof(refid));
		else if (q->kiss)
			snprintf(refid, sizeof(refid), "%s", q->kiss_code);
		snprintf(reach, sizeof(reach), "%u/%u", q->n_samples, q->n_sent);
		if (a.cand)
			fprintf(out, "%-28s %-15s %2u %5s %10.6f %+12.6f %10.6f  %s%s%s", q->addr,
				refid, a.cand->est.stratum, reach, a.cand->est.delay_s,
				a.cand->est.offset_s, a.cand->est.jitter_s, a.state,
				a.error[0] ? ": " : "", a.error);
		else
			fprintf(out, "%-28s %-15s %2s %5s %10s %12s %10s  %s: %s", q->addr, refid,
				"-", reach, "-", "-", "-", a.state, a.error);
		/* replies set aside although the address gave time */
		if (q->n_rejects && a.cand)
			fprintf(out, " (%u rejected, last: %s)", q->n_rejects,
				query_reject_str(q->last_reject));
		if (q->n_late)
			fprintf(out, " (%u late)", q->n_late);
		report_table_names(rep, i, out);
		fputc('\n', out);
	}
	for (unsigned i = 0; i < rep->o->cfg.n_servers; i++) {
		struct report_unqueried u[2];
		unsigned m = report_unqueried_of(r, i, u);

		if (r->names[i].error[0] || r->names[i].pending)
			fprintf(out, "%-28s %-15s %2s %5s %10s %12s %10s  unreachable: %s\n",
				rep->o->cfg.servers[i].host, "-", "-", "-", "-", "-", "-",
				r->names[i].pending ? RUN_DNS_DEADLINE : r->names[i].error);
		for (unsigned k = 0; k < m; k++)
			fprintf(out, "%-28s %u more address%s not queried: %s\n",
				rep->o->cfg.servers[i].host, u[k].n, u[k].n == 1 ? "" : "es",
				u[k].reason);
	}
}

/* A JSON string: the hosts are validated names, but escape anyway. */
static void report_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void report_json_num(FILE *out, const char *key, double v, bool valid)
{
	fprintf(out, "\"%s\": ", key);
	if (valid && isfinite(v))
		fprintf(out, "%.9f", v);
	else
		fputs("null", out);
}

static void report_json_addr(const struct run *r, unsigned i, const struct opts *o, FILE *out)
{
	const struct query *q = &r->q[i];
	const struct pipeline_cand *c;
	struct report_addr a;
	char refid[32] = "";

	report_addr_of(r, i, &a);
	c = a.cand;
	if (q->n_samples)
		ntp_pkt_refid_str(&q->hdr, refid, sizeof(refid));
	else if (q->kiss)
		snprintf(refid, sizeof(refid), "%s", q->kiss_code);
	else if (q->n_rejects)
		ntp_pkt_refid_str(&q->reject_hdr, refid, sizeof(refid));
	fputs("    {\"name\": ", out);
	report_json_str(out, o->cfg.servers[q->server].host);
	fputs(", \"address\": ", out);
	report_json_str(out, q->addr);
	fprintf(out, ", \"port\": %u, \"stratum\": ", netio_sockaddr_port((const void *)&q->sa));
	if (c)
		fprintf(out, "%u, \"refid\": ", c->est.stratum);
	else
		fputs("null, \"refid\": ", out);
	report_json_str(out, refid);
	fprintf(out, ", \"leap\": \"%s\",\n     ",
		c	       ? report_leap_str(c->est.leap)
		: q->n_rejects ? report_leap_str(q->reject_hdr.leap)
			       : "none");
	report_json_num(out, "offset", c ? c->est.offset_s : 0, c);
	fputs(", ", out);
	report_json_num(out, "delay", c ? c->est.delay_s : 0, c);
	fputs(", ", out);
	report_json_num(out, "jitter", c ? c->est.jitter_s : 0, c);
	fputs(", ", out);
	report_json_num(out, "root_delay", c ? c->est.root_delay_s : 0, c);
	fputs(", ", out);
	report_json_num(out, "root_dispersion", c ? c->est.root_disp_s : 0, c);
	/* auth: how the replies were authenticated: a sample of a keyed
	 * server passed its MAC check */
	fprintf(out, ", \"samples\": %u, \"auth\": ", q->n_samples);
	if (q->key && q->n_samples)
		fprintf(out, "\"key %u\"", q->key->id);
	else if (q->nts && q->n_samples)
		fputs("\"nts\"", out);
	else
		fputs("null", out);
	fprintf(out, ",\n     \"state\": \"%s\", \"error\": ", a.state);
	if (a.error[0])
		report_json_str(out, a.error);
	else
		fputs("null", out);
	fputs("}", out);
}

static void report_json_unresolved(const struct opts *o, unsigned i, const char *error, FILE *out)
{
	fputs("    {\"name\": ", out);
	report_json_str(out, o->cfg.servers[i].host);
	fprintf(out,
		", \"address\": null, \"port\": %u, \"stratum\": null, \"refid\": null, "
		"\"leap\": null,\n     \"offset\": null, \"delay\": null, \"jitter\": null, "
		"\"root_delay\": null, \"root_dispersion\": null, \"samples\": 0, "
		"\"auth\": null,\n     \"state\": \"unreachable\", \"error\": ",
		o->cfg.servers[i].port);
	report_json_str(out, error);
	fputs("}", out);
}

static const char *report_json_action(const struct report *rep)
{
	const struct apply_result *ap = rep->ap;

	if (!ap || ap->action == GATE_ACTION_NONE)
		return "none";
	if (ap->action == GATE_ACTION_REFUSE)
		return "refused";
	if (!ap->clock_set)
		return "failed";
	return gate_action_str(ap->action);
}

/* Is the offset beyond the panic threshold, whatever -g and -q say (with
 * -q: would a run without it refuse)? null without an offset. */
static const char *report_json_beyond_panic(const struct report *rep, const struct est_system *sys)
{
	if (!sys)
		return "null";
	return gate_beyond_panic(&rep->o->gate, sys->offset_s) ? "true" : "false";
}

/* Addresses of a name that were not queried (the per-family and the
 * per-run limits): one entry per name and reason. */
static void report_json_unqueried(const struct report *rep, FILE *out)
{
	const struct run *r = rep->run;
	bool first = true;

	fputs("  \"not_queried\": [", out);
	for (unsigned i = 0; r && i < rep->o->cfg.n_servers; i++) {
		struct report_unqueried u[2];
		unsigned m = report_unqueried_of(r, i, u);

		for (unsigned k = 0; k < m; k++) {
			fputs(first ? "\n    {\"name\": " : ",\n    {\"name\": ", out);
			report_json_str(out, rep->o->cfg.servers[i].host);
			fprintf(out, ", \"addresses\": %u, \"reason\": ", u[k].n);
			report_json_str(out, u[k].reason);
			fputs("}", out);
			first = false;
		}
	}
	fputs(first ? "],\n" : "\n  ],\n", out);
}

static void report_json_servers(const struct report *rep, FILE *out)
{
	const struct run *r = rep->run;
	bool first = true;

	fputs("  \"servers\": [", out);
	for (unsigned i = 0; r && i < r->n_q; i++) {
		fputs(first ? "\n" : ",\n", out);
		report_json_addr(r, i, rep->o, out);
		first = false;
	}
	for (unsigned i = 0; r && i < rep->o->cfg.n_servers; i++) {
		if (!r->names[i].error[0] && !r->names[i].pending)
			continue;
		fputs(first ? "\n" : ",\n", out);
		report_json_unresolved(
			rep->o, i, r->names[i].pending ? RUN_DNS_DEADLINE : r->names[i].error, out);
		first = false;
	}
	fputs(first ? "],\n" : "\n  ],\n", out);
}

void report_json(const struct report *rep, FILE *out)
{
	const struct run *r = rep->run;
	bool ok = r && r->outcome == RUN_OK;
	const struct est_system *sys = ok ? &r->sys : NULL;

	fputs("{", out);
	report_json_num(out, "offset", ok ? sys->offset_s : 0, ok);
	fputs(",\n  ", out);
	report_json_num(out, "delay", ok ? sys->delay_s : 0, ok);
	fputs(", ", out);
	report_json_num(out, "jitter", ok ? sys->jitter_s : 0, ok);
	fputs(", ", out);
	report_json_num(out, "root_distance", ok ? sys->root_dist_s : 0, ok);
	fputs(",\n  \"stratum\": ", out);
	if (ok)
		fprintf(out, "%u, \"leap\": \"%s\",\n", sys->stratum, report_leap_str(sys->leap));
	else
		fputs("null, \"leap\": null,\n", out);
	fprintf(out, "  \"action\": \"%s\", \"beyond_panic\": %s,\n", report_json_action(rep),
		report_json_beyond_panic(rep, sys));
	report_json_servers(rep, out);
	report_json_unqueried(rep, out);
	/* elapsed: start to decision; elapsed_total: to now (setting the
	 * clock and writing the RTC, which waits for its second, included) */
	fprintf(out, "  \"elapsed\": %.6f, \"elapsed_total\": %.6f,\n  \"exit\": %d}\n",
		r ? (double)(r->decided_ns - r->start_ns) * 1e-9 : rep->elapsed_s, rep->elapsed_s,
		rep->exit_status);
}

void report_plan(const struct opts *o, FILE *out)
{
	static const struct {
		unsigned flag;
		const char *name;
	} flags[] = {
		{ CONFIG_SERVER_POOL, "pool" },	    { CONFIG_SERVER_PEER, "peer" },
		{ CONFIG_SERVER_IBURST, "iburst" }, { CONFIG_SERVER_BURST, "burst" },
		{ CONFIG_SERVER_PREFER, "prefer" }, { CONFIG_SERVER_NOSELECT, "noselect" },
		{ CONFIG_SERVER_TRUE, "true" },
	};

	for (unsigned i = 0; i < o->cfg.n_servers; i++) {
		const struct config_server *s = &o->cfg.servers[i];

		fprintf(out, "server %s port %u", s->host, s->port);
		for (unsigned f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			if (s->flags & flags[f].flag)
				fprintf(out, " %s", flags[f].name);
		/* NTS: port is the key exchange's; the trust anchors */
		if (s->flags & CONFIG_SERVER_NTS)
			fprintf(out, " nts ntp-port %u ca %s",
				s->ntp_port ? s->ntp_port : NTS_KE_DEFAULT_NTP_PORT,
				s->ca[0]		    ? s->ca
				: o->cfg.ntstrustedcerts[0] ? o->cfg.ntstrustedcerts
							    : "system");
		fputc('\n', out);
	}
	fprintf(out, "samples %u timeout %g deadline %g accuracy %g\n", o->samples, o->timeout_s,
		o->deadline_s, o->accuracy_s);
	fprintf(out, "tos minsane %u minclock %u maxdist %g\n",
		o->cfg.minsane ? o->cfg.minsane : NTP_CMIN,
		o->cfg.minclock ? o->cfg.minclock : NTP_NMIN,
		o->cfg.maxdist_s > 0 ? o->cfg.maxdist_s : NTP_MAXDIST_S);
	fprintf(out, "step %g panic %g%s%s%s%s\n", o->gate.step_s, o->gate.panic_s,
		o->gate.mode == GATE_MODE_STEP	 ? " always-step"
		: o->gate.mode == GATE_MODE_SLEW ? " always-slew"
						 : "",
		o->gate.allow_panic ? " allow-panic" : "", o->gate.query_only ? " query-only" : "",
		o->cfg.disable_kernel ? " kernel-disabled" : "");
}
