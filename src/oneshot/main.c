/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tset: set the clock once from several NTP servers (tset(8)).
 * main owns the process: options, privileges, the run lock, exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "clock_linux.h"
#include "clockguard.h"
#include "log.h"
#include "opts.h"
#include "priv.h"
#include "report.h"
#include "run.h"
#include "runlock.h"
#include "tset_version.h"

/* Everything a run holds; static because struct run is large. */
static struct {
	struct opts o;
	struct run run;
	struct clock_linux cl;
	struct clock_ops kernel; /* clock_linux's */
	struct clockguard guard;
	struct clock_ops clock; /* the guarded one: every write goes through it */
	struct apply_result ap;
	char lock_why[224];
} tset;

/* The lock file: TSET_LOCK overrides the path (tests, containers), with
 * the same checks; secure_getenv: not when tset runs set-uid or with file
 * capabilities. A negative errno (tset.lock_why says why) means the clock
 * must not be touched. */
static int main_lock_open(void)
{
	const char *path = secure_getenv("TSET_LOCK");

	return runlock_open(path && *path ? path : RUNLOCK_PATH, tset.lock_why,
			    sizeof(tset.lock_why));
}

static void main_report_names(const struct run *r, const struct opts *o)
{
	for (unsigned i = 0; i < o->cfg.n_servers; i++)
		if (r->names[i].error[0])
			log_err("'%s': %s", o->cfg.servers[i].host, r->names[i].error);
		else if (r->names[i].pending)
			log_err("'%s': %s", o->cfg.servers[i].host, RUN_DNS_DEADLINE);
}

/* Wait for the run lock within the deadline; GATE_FAIL_LOCK when another
 * tset held it throughout, other errors in *lock_err. */
static unsigned main_lock(int fd, int64_t start_ns, struct report *rep, const char **lock_err)
{
	int r = runlock_acquire(fd, start_ns + (int64_t)(tset.o.deadline_s * 1e9));

	if (r == 1)
		log_info("waited for another tset; measuring afresh");
	if (r == -ETIMEDOUT) {
		rep->fatal = "another tset held the lock until the deadline";
		log_err("%s", rep->fatal);
		return GATE_FAIL_LOCK;
	}
	if (r < 0) {
		snprintf(tset.lock_why, sizeof(tset.lock_why), "%s", strerror(-r));
		*lock_err = tset.lock_why;
	}
	return 0;
}

static void main_print(const struct report *rep)
{
	if (rep->o->json)
		report_json(rep, stdout);
	else
		report_ntpdate(rep, stdout, stderr);
	if (rep->o->debug)
		report_table(rep, stderr);
	fflush(stdout);
}

/* Measure and act; returns the GATE_FAIL_* bits. */
static unsigned main_measure_and_apply(struct report *rep, int64_t start_ns, int rtc_err,
				       const char *lock_err)
{
	const struct opts *o = &tset.o;
	struct apply_input in = {
		.gate = o->gate,
		.disable_kernel = o->cfg.disable_kernel,
		.write_rtc = o->write_rtc,
		.rtc_open_error = rtc_err,
		.lock_error = lock_err,
	};
	int r;

	r = run_init(&tset.run, o, &tset.clock, start_ns);
	if (r < 0) {
		log_errno(LOG_ERR, r, "cannot start");
		rep->fatal = "cannot start: see the error above";
		return GATE_FAIL_NO_TIME;
	}
	rep->run = &tset.run;
	run_measure(&tset.run);
	run_decide(&tset.run);
	main_report_names(&tset.run, o);
	if (tset.run.outcome == RUN_NO_TIME)
		return GATE_FAIL_NO_TIME;
	if (tset.run.outcome == RUN_NO_MAJORITY)
		return GATE_FAIL_NO_MAJORITY;
	apply_run(&in, &tset.clock, &tset.run.sys, &tset.ap);
	rep->ap = &tset.ap;
	if (tset.ap.why_not[0])
		log_err("clock not set: %s", tset.ap.why_not);
	return tset.ap.failures;
}

int main(int argc, char **argv)
{
	struct report rep = { .o = &tset.o };
	int64_t start_ns = loop_now_ns();
	unsigned failures = 0;
	const char *lock_err = NULL;
	int lock_fd = -1, rtc_err = 0, r;

	log_open("tset", false, false);
	switch (opts_parse(argc, argv, &tset.o)) {
	case OPTS_EXIT_OK:
		return 0;
	case OPTS_EXIT_USAGE:
		return GATE_EXIT_USAGE;
	case OPTS_RUN:
		break;
	}
	log_open("tset", tset.o.use_syslog, tset.o.debug);
	if (tset.o.verbose)
		log_notice("tset %s", TSET_VERSION);
	if (tset.o.check_only) {
		report_plan(&tset.o, stdout);
		return 0;
	}
	clock_linux_init(&tset.cl, &tset.kernel);
	clockguard_init(&tset.guard, &tset.kernel, &tset.clock);
	if (!tset.o.gate.query_only) {
		lock_fd = main_lock_open();
		if (lock_fd < 0)
			lock_err = tset.lock_why;
		/* while still root: daemons' run directories and other users'
		 * /proc/PID/fd are not readable after the drop */
		clockguard_check(&tset.guard, "/");
		if (tset.o.write_rtc)
			rtc_err = tset.clock.rtc_open(tset.clock.ctx);
	}
	r = priv_keep_sys_time(tset.o.user);
	if (r == -ENOENT) {
		log_err("unknown user or group in '%s'", tset.o.user);
		return GATE_EXIT_USAGE;
	}
	if (r < 0) {
		log_errno(LOG_ERR, r, "cannot drop privileges%s%s", tset.o.user ? " to " : "",
			  tset.o.user ? tset.o.user : "");
		return GATE_EXIT_USAGE;
	}
	if (lock_fd >= 0)
		failures = main_lock(lock_fd, start_ns, &rep, &lock_err);
	if (!failures)
		failures = main_measure_and_apply(&rep, start_ns, rtc_err, lock_err);
	rep.exit_status = gate_exit_status(failures);
	rep.elapsed_s = (double)(loop_now_ns() - start_ns) * 1e-9;
	main_print(&rep);
	run_free(&tset.run);
	keys_wipe(&tset.o.keys);
	clock_linux_close(&tset.cl);
	log_close();
	return rep.exit_status;
}
