/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clock_linux: struct clock_ops on the Linux kernel: clock_adjtime(2) on
 * CLOCK_REALTIME, the RTC through /dev/rtc0 (RTC_SET_TIME), /etc/adjtime,
 * and systemd's /run/systemd/timesync/synchronized.
 */
#ifndef TSET_CLOCK_LINUX_H
#define TSET_CLOCK_LINUX_H

#include <stddef.h>

#include "clock.h"

struct clock_linux {
	int rtc_fd; /* -1 until rtc_open */
};

/* Fill *ret_ops to act on the real clock through *cl. */
void clock_linux_init(struct clock_linux *cl, struct clock_ops *ret_ops);
void clock_linux_close(struct clock_linux *cl);

/* The RTC mode an /etc/adjtime text gives: its third line says "LOCAL"
 * or "UTC"; anything else, or no third line, means UTC (hwclock's rule). */
enum clock_rtc_mode clock_linux_parse_adjtime(const char *buf, size_t len);

#endif
