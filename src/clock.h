/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clock: every effect tset has on time goes through struct clock_ops, so
 * that a test can record it instead. clock_linux.c is the real one.
 *
 * Offsets are signed nanoseconds, server minus local: a positive offset
 * moves the clock forward.
 */
#ifndef TSET_CLOCK_H
#define TSET_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ntp_proto.h"

/* What the kernel says about its clock discipline (adjtimex). */
struct clock_status {
	bool pll;	    /* STA_PLL: a daemon disciplines the clock */
	bool unsync;	    /* STA_UNSYNC */
	enum ntp_leap leap; /* armed: STA_INS (INSERT), STA_DEL (DELETE), else NONE */
	int64_t maxerror_us;
	int64_t esterror_us;
	int64_t slew_left_ns; /* what a single-shot slew has still to do */
};

/* The sync hand-off after the clock is set. */
struct clock_sync {
	int64_t maxerror_us;
	int64_t esterror_us;
	enum ntp_leap leap; /* INSERT/DELETE: arm it; else disarm */
	bool keep_unsync;   /* RTC keeps local time: leave STA_UNSYNC set */
};

/* How the RTC keeps time (third line of /etc/adjtime). */
enum clock_rtc_mode {
	CLOCK_RTC_UTC = 0,
	CLOCK_RTC_LOCAL,
};

/* Room for what clock_ops.owner says. */
#define CLOCK_OWNER_MAX 192

struct clock_ops {
	void *ctx;
	/* CLOCK_REALTIME */
	int (*now)(void *ctx, struct timespec *ret);
	int (*read_status)(void *ctx, struct clock_status *ret);
	/* does a time daemon own the clock? 1 and who in ret (len bytes),
	 * 0 when none does, or a negative errno (ret says why) when it
	 * cannot tell; changes nothing */
	int (*owner)(void *ctx, char *ret, size_t len);
	/* jump by offset_ns (the kernel cancels a slew in progress) */
	int (*step)(void *ctx, int64_t offset_ns);
	/* adjtime()-style single-shot slew of offset_ns at 500 ppm */
	int (*slew)(void *ctx, int64_t offset_ns);
	int (*set_sync)(void *ctx, const struct clock_sync *sync);
	/* tell systemd (/run/systemd/timesync/synchronized) if it is there;
	 * 0 when done, 1 when there is no systemd, negative errno */
	int (*mark_synchronized)(void *ctx);
	int (*rtc_mode)(void *ctx, enum clock_rtc_mode *ret);
	/* open the RTC now (before privileges go); the write comes later */
	int (*rtc_open)(void *ctx);
	/* set the RTC's date and time (broken down, as the RTC keeps it) */
	int (*rtc_write)(void *ctx, const struct tm *tm);
};

/* The clock's precision as RFC 5905 section 7.3 defines it: the smallest
 * step between two readings, rounded up to a power of two; log2 seconds,
 * at least -30. */
int clock_precision_log2(const struct clock_ops *clock);

/* The kernel's slew rate for a single-shot adjustment: 500 ppm. */
#define CLOCK_SLEW_RATE 500e-6

#endif
