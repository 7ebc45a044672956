/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report: what tset prints. ntpdate's lines by default (stdout; the final
 * line to syslog with -s), a per-server table with -d (stderr), one JSON
 * document with -j (stdout), and the plan with -n. Output, not logging.
 */
#ifndef TSET_ONESHOT_REPORT_H
#define TSET_ONESHOT_REPORT_H

#include <stdio.h>

#include "apply.h"
#include "opts.h"
#include "run.h"

struct report {
	const struct opts *o;
	const struct run *run;	       /* NULL when no measurement happened */
	const struct apply_result *ap; /* NULL when nothing was applied */
	int exit_status;
	double elapsed_s;
	const char *fatal; /* why the run stopped early, or NULL */
};

/* ntpdate's lines on out: one per address that gave time, then the
 * closing line; one line per address that gave none, saying why, on err
 * (or, like the closing line, to syslog with -s). */
void report_ntpdate(const struct report *rep, FILE *out, FILE *err);
void report_table(const struct report *rep, FILE *out);
void report_json(const struct report *rep, FILE *out);
/* -n: the servers and settings a run would use. */
void report_plan(const struct opts *o, FILE *out);

#endif
