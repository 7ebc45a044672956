/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gate: what to do with a system offset (step, slew, refuse) and which
 * exit status a run ends with, as tset(8) documents them.
 */
#ifndef TSET_ALGO_GATE_H
#define TSET_ALGO_GATE_H

#include <stdbool.h>

#include "ntp_proto.h"

enum gate_mode {
	GATE_MODE_AUTO = 0, /* step above the step threshold, else slew */
	GATE_MODE_STEP,	    /* -b: always step */
	GATE_MODE_SLEW,	    /* -B: always slew */
};

struct gate_policy {
	enum gate_mode mode;
	double step_s;	  /* step threshold (`tinker step`); 0 = never step in AUTO */
	double panic_s;	  /* panic threshold (-G, `tinker panic`); 0 = none */
	bool allow_panic; /* -g */
	bool query_only;  /* -q: report, never touch the clock */
};

/* The default policy: AUTO, NTP_STEP_S, NTP_PANIC_S. */
void gate_policy_init(struct gate_policy *ret);

enum gate_action {
	GATE_ACTION_NONE = 0, /* query only: report */
	GATE_ACTION_STEP,
	GATE_ACTION_SLEW,
	GATE_ACTION_REFUSE, /* beyond the panic threshold without -g */
};

/* Decide for offset_s (server minus local). */
enum gate_action gate_decide(const struct gate_policy *p, double offset_s);

/* Is offset_s beyond the panic threshold (whatever -g and -q say)? */
bool gate_beyond_panic(const struct gate_policy *p, double offset_s);

/* "none", "step", "slew", "refused" */
const char *gate_action_str(enum gate_action a);

/* Exit statuses, as tset(8) lists them under EXIT STATUS. */
enum {
	GATE_EXIT_OK = 0,
	GATE_EXIT_NO_TIME = 1,	   /* no server answered, no name resolved */
	GATE_EXIT_USAGE = 2,	   /* usage or config error */
	GATE_EXIT_PANIC = 3,	   /* beyond the panic threshold, no -g */
	GATE_EXIT_CLOCK = 4,	   /* the clock could not be set */
	GATE_EXIT_RTC = 5,	   /* clock set, RTC write failed */
	GATE_EXIT_NO_MAJORITY = 6, /* answers, but no majority or none sane */
	GATE_EXIT_LOCK = 7,	   /* another tset held the lock */
};

/* What went wrong in a run; several may be set. */
enum {
	GATE_FAIL_USAGE = 1u << 0,
	GATE_FAIL_LOCK = 1u << 1,
	GATE_FAIL_NO_TIME = 1u << 2,
	GATE_FAIL_NO_MAJORITY = 1u << 3,
	GATE_FAIL_PANIC = 1u << 4,
	GATE_FAIL_CLOCK = 1u << 5,
	GATE_FAIL_RTC = 1u << 6,
};

/* The exit status for a set of GATE_FAIL_* bits: the first of tset(8)'s
 * list that applies (2, 7, 1, 6, 3, 4, 5), else 0. */
int gate_exit_status(unsigned failures);

/*
 * Should a leap second that the servers announce be armed in the kernel
 * now? Only INSERT or DELETE, and only on the last day of June or December
 * (UTC), when such a leap can happen (RFC 5905 section 7.3, ITU-R TF.460).
 * month is 1..12, mday 1..31.
 */
bool gate_leap_armable(enum ntp_leap leap, unsigned month, unsigned mday);

#endif
