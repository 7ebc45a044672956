/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "log.h"

#define NS_PER_S	  INT64_C(1000000000)
#define APPLY_MAXERROR_US INT64_C(16000000) /* the kernel's NTP_PHASE_LIMIT */

static void apply_refuse(struct apply_result *ret, int err)
{
	if (err == -EPERM)
		snprintf(ret->why_not, sizeof(ret->why_not), "no CAP_SYS_TIME");
	else
		snprintf(ret->why_not, sizeof(ret->why_not), "the kernel refused: %s",
			 strerror(-err));
	ret->failures |= GATE_FAIL_CLOCK;
}

/* Step or slew; returns whether the clock was set. */
static bool apply_clock(const struct clock_ops *clock, const struct est_system *sys,
			struct apply_result *ret)
{
	struct clock_status st;
	char who[CLOCK_OWNER_MAX];
	int64_t offset_ns = llround(sys->offset_s * 1e9);
	int r;

	r = clock->read_status(clock->ctx, &st);
	if (r < 0) { /* EPERM: a container's seccomp filter without CAP_SYS_TIME */
		apply_refuse(ret, r);
		return false;
	}
	r = clock->owner(clock->ctx, who, sizeof(who));
	if (r != 0) {
		snprintf(ret->why_not, sizeof(ret->why_not), "%s: %s",
			 r > 0 ? "a time daemon owns the clock"
			       : "cannot tell whether a time daemon owns the clock",
			 who);
		ret->failures |= GATE_FAIL_CLOCK;
		return false;
	}
	if (ret->action == GATE_ACTION_STEP)
		r = clock->step(clock->ctx, offset_ns);
	else
		r = clock->slew(clock->ctx, offset_ns);
	if (r < 0) {
		apply_refuse(ret, r);
		return false;
	}
	if (ret->action == GATE_ACTION_SLEW)
		ret->slew_duration_s = fabs(sys->offset_s) / CLOCK_SLEW_RATE;
	ret->clock_set = true;
	return true;
}

static int64_t apply_slew_left_ns(const struct clock_ops *clock)
{
	struct clock_status st;

	return clock->read_status(clock->ctx, &st) < 0 ? 0 : st.slew_left_ns;
}

/* True time: the system clock plus what a slew has still to do. */
static void apply_true_time(const struct clock_ops *clock, struct timespec *ret)
{
	int64_t ns;

	clock->now(clock->ctx, ret);
	ns = (int64_t)ret->tv_sec * NS_PER_S + ret->tv_nsec + apply_slew_left_ns(clock);
	ret->tv_sec = (time_t)(ns / NS_PER_S);
	ret->tv_nsec = (long)(ns % NS_PER_S);
}

/* Tell the kernel (and systemd) that the clock is synchronised. */
static void apply_hand_off(const struct clock_ops *clock, const struct est_system *sys,
			   struct apply_result *ret)
{
	enum clock_rtc_mode mode = CLOCK_RTC_UTC;
	struct clock_sync sync = { .leap = NTP_LEAP_NONE };
	struct timespec now;
	struct tm utc;
	int64_t maxerr;
	int r;

	clock->rtc_mode(clock->ctx, &mode);
	apply_true_time(clock, &now);
	gmtime_r(&now.tv_sec, &utc);
	if (gate_leap_armable(sys->leap, (unsigned)utc.tm_mon + 1, (unsigned)utc.tm_mday))
		sync.leap = sys->leap;
	maxerr = llround((sys->root_dist_s * 1e9 + (double)llabs(apply_slew_left_ns(clock))) / 1e3);
	sync.maxerror_us = maxerr < APPLY_MAXERROR_US ? maxerr : APPLY_MAXERROR_US;
	sync.esterror_us = llround(sys->jitter_s * 1e6);
	sync.keep_unsync = mode == CLOCK_RTC_LOCAL;
	r = clock->set_sync(clock->ctx, &sync);
	if (r < 0) {
		log_errno(LOG_WARNING, r, "cannot hand the sync state to the kernel");
		return;
	}
	ret->handed_off = true;
	ret->kept_unsync = sync.keep_unsync;
	if (sync.keep_unsync)
		log_debug("/etc/adjtime says the rtc keeps local time: STA_UNSYNC left set, "
			  "so the kernel's 11-minute mode does not write utc into it");
	r = clock->mark_synchronized(clock->ctx);
	if (r < 0)
		log_errno(LOG_WARNING, r, "cannot mark /run/systemd/timesync/synchronized");
}

int64_t apply_rtc_wait_ns(const struct timespec *t)
{
	int64_t w = NS_PER_S / 2 - t->tv_nsec;

	return w < 0 ? w + NS_PER_S : w;
}

static void apply_rtc(const struct apply_input *in, const struct clock_ops *clock,
		      struct apply_result *ret)
{
	enum clock_rtc_mode mode = CLOCK_RTC_UTC;
	struct timespec t, wait;
	struct tm tm;
	int64_t w;
	int r = in->rtc_open_error;

	if (r == 0) {
		clock->rtc_mode(clock->ctx, &mode);
		apply_true_time(clock, &t);
		w = apply_rtc_wait_ns(&t);
		wait = (struct timespec){ (time_t)(w / NS_PER_S), (long)(w % NS_PER_S) };
		clock_nanosleep(CLOCK_MONOTONIC, 0, &wait, NULL);
		apply_true_time(clock, &t);
		if (mode == CLOCK_RTC_LOCAL)
			localtime_r(&t.tv_sec, &tm);
		else
			gmtime_r(&t.tv_sec, &tm);
		r = clock->rtc_write(clock->ctx, &tm);
	}
	if (r < 0) {
		snprintf(ret->rtc_error, sizeof(ret->rtc_error), "%s", strerror(-r));
		ret->failures |= GATE_FAIL_RTC;
		return;
	}
	ret->rtc_written = true;
}

void apply_run(const struct apply_input *in, const struct clock_ops *clock,
	       const struct est_system *sys, struct apply_result *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->action = gate_decide(&in->gate, sys->offset_s);
	if (ret->action == GATE_ACTION_NONE)
		return;
	if (ret->action == GATE_ACTION_REFUSE) {
		snprintf(ret->why_not, sizeof(ret->why_not),
			 "offset beyond the panic threshold of %g s (-g allows it)",
			 in->gate.panic_s);
		ret->failures |= GATE_FAIL_PANIC;
		return;
	}
	if (in->lock_error) {
		/* without the lock another tset may step the clock at the same time */
		snprintf(ret->why_not, sizeof(ret->why_not), "cannot take the run lock: %s",
			 in->lock_error);
		ret->failures |= GATE_FAIL_CLOCK;
		return;
	}
	if (!apply_clock(clock, sys, ret))
		return;
	if (!in->disable_kernel)
		apply_hand_off(clock, sys, ret);
	if (in->write_rtc)
		apply_rtc(in, clock, ret);
}
