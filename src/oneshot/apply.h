/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * apply: act on the system estimate through struct clock_ops: the gate's
 * step or slew, the kernel and systemd hand-off, and the RTC (-w). Nothing
 * is touched without the run lock, nor when a time daemon owns the clock
 * (clock_ops.owner).
 */
#ifndef TSET_ONESHOT_APPLY_H
#define TSET_ONESHOT_APPLY_H

#include <stdbool.h>

#include "clock.h"
#include "estimate.h"
#include "gate.h"

struct apply_input {
	struct gate_policy gate;
	bool disable_kernel; /* `disable kernel`: no hand-off */
	bool write_rtc;	     /* -w */
	int rtc_open_error;  /* from opening the RTC early, 0 if fine */
	/* why the run lock could not be taken, or NULL: without it the clock
	 * is never set */
	const char *lock_error;
};

struct apply_result {
	enum gate_action action;
	bool clock_set;
	char why_not[CLOCK_OWNER_MAX + 64]; /* why the clock was not set, or "" */
	double slew_duration_s;		    /* how long the kernel will slew */
	bool handed_off;		    /* kernel told it is synchronised */
	bool kept_unsync;		    /* ... except STA_UNSYNC: RTC in local time */
	bool rtc_written;
	char rtc_error[96];
	unsigned failures; /* GATE_FAIL_PANIC, _CLOCK, _RTC */
};

void apply_run(const struct apply_input *in, const struct clock_ops *clock,
	       const struct est_system *sys, struct apply_result *ret);

/*
 * When to write the RTC so that its next second edge lines up with true
 * time (an MC146818 starts its next update 0.5 s after a write, as hwclock
 * assumes): wait until the fraction of true time is .5, then write its
 * whole second. Returns the wait in nanoseconds for a true time of t.
 */
int64_t apply_rtc_wait_ns(const struct timespec *t);

#endif
