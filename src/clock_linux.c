/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <unistd.h>

#include "clock_linux.h"

#define NS_PER_S		 1000000000LL
#define CLOCK_LINUX_ADJTIME	 "/etc/adjtime"
#define CLOCK_LINUX_SYSTEMD	 "/run/systemd"
#define CLOCK_LINUX_TIMESYNC	 "/run/systemd/timesync"
#define CLOCK_LINUX_SYNCHRONIZED "/run/systemd/timesync/synchronized"

static int clock_linux_adjtime(struct timex *tx)
{
	return clock_adjtime(CLOCK_REALTIME, tx) < 0 ? -errno : 0;
}

static int clock_linux_now(void *ctx, struct timespec *ret)
{
	return clock_gettime(CLOCK_REALTIME, ret) < 0 ? -errno : 0;
}

static int clock_linux_read_status(void *ctx, struct clock_status *ret)
{
	struct timex tx = { .modes = 0 }, ss = { .modes = ADJ_OFFSET_SS_READ };
	int r;

	r = clock_linux_adjtime(&tx);
	if (r < 0)
		return r;
	r = clock_linux_adjtime(&ss);
	if (r < 0)
		return r;
	*ret = (struct clock_status){
		.pll = (tx.status & STA_PLL) != 0,
		.unsync = (tx.status & STA_UNSYNC) != 0,
		.leap = (tx.status & STA_INS)	? NTP_LEAP_INSERT
			: (tx.status & STA_DEL) ? NTP_LEAP_DELETE
						: NTP_LEAP_NONE,
		.maxerror_us = tx.maxerror,
		.esterror_us = tx.esterror,
		.slew_left_ns = (int64_t)ss.offset * 1000, /* always microseconds */
	};
	return 0;
}

/* The kernel's PLL is on only while a daemon (ntpd, systemd-timesyncd)
 * disciplines the clock; chronyd keeps it off, the guard sees it. */
static int clock_linux_owner(void *ctx, char *ret, size_t len)
{
	struct clock_status st;
	int r = clock_linux_read_status(ctx, &st);

	if (r < 0) {
		snprintf(ret, len, "cannot read the kernel's clock status: %s", strerror(-r));
		return r;
	}
	if (!st.pll)
		return 0;
	snprintf(ret, len,
		 "the kernel's pll is on (STA_PLL): a daemon such as ntpd or "
		 "systemd-timesyncd disciplines the clock");
	return 1;
}

static int clock_linux_slew(void *ctx, int64_t offset_ns)
{
	/* adjtime() semantics: a single-shot offset in microseconds that
	 * replaces any slew still in progress */
	struct timex tx = { .modes = ADJ_OFFSET_SINGLESHOT };

	tx.offset = (long)((offset_ns >= 0 ? offset_ns + 500 : offset_ns - 500) / 1000);
	return clock_linux_adjtime(&tx);
}

static int clock_linux_step(void *ctx, int64_t offset_ns)
{
	struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };
	int64_t sec = offset_ns / NS_PER_S, nsec = offset_ns % NS_PER_S;

	if (nsec < 0) { /* the kernel wants 0 <= tv_usec < 1e9 with ADJ_NANO */
		nsec += NS_PER_S;
		sec--;
	}
	tx.time.tv_sec = (time_t)sec;
	tx.time.tv_usec = (suseconds_t)nsec;
	/* the kernel clears its NTP state on a step, a single-shot slew included */
	return clock_linux_adjtime(&tx);
}

static int clock_linux_set_sync(void *ctx, const struct clock_sync *sync)
{
	struct timex tx = { .modes = 0 };
	int r;

	r = clock_linux_adjtime(&tx);
	if (r < 0)
		return r;
	tx.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
	tx.status &= ~(STA_UNSYNC | STA_INS | STA_DEL);
	if (sync->keep_unsync)
		tx.status |= STA_UNSYNC;
	if (sync->leap == NTP_LEAP_INSERT)
		tx.status |= STA_INS;
	else if (sync->leap == NTP_LEAP_DELETE)
		tx.status |= STA_DEL;
	tx.maxerror = (long)sync->maxerror_us;
	tx.esterror = (long)sync->esterror_us;
	return clock_linux_adjtime(&tx);
}

static int clock_linux_mark_synchronized(void *ctx)
{
	int fd;

	if (access(CLOCK_LINUX_SYSTEMD, F_OK) < 0)
		return 1;
	if (mkdir(CLOCK_LINUX_TIMESYNC, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = open(CLOCK_LINUX_SYNCHRONIZED, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return -errno;
	/* an existing file is touched: its watchers look for the change */
	if (futimens(fd, NULL) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

enum clock_rtc_mode clock_linux_parse_adjtime(const char *buf, size_t len)
{
	size_t i = 0, start;

	/* skip two lines */
	for (unsigned line = 0; line < 2; line++) {
		while (i < len && buf[i] != '\n')
			i++;
		if (i == len)
			return CLOCK_RTC_UTC;
		i++;
	}
	start = i;
	while (i < len && buf[i] != '\n' && buf[i] != '\r')
		i++;
	if (i - start == 5 && memcmp(buf + start, "LOCAL", 5) == 0)
		return CLOCK_RTC_LOCAL;
	return CLOCK_RTC_UTC;
}

static int clock_linux_rtc_mode(void *ctx, enum clock_rtc_mode *ret)
{
	char buf[1024];
	ssize_t n;
	int fd;

	*ret = CLOCK_RTC_UTC;
	fd = open(CLOCK_LINUX_ADJTIME, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	*ret = clock_linux_parse_adjtime(buf, (size_t)n);
	return 0;
}

static int clock_linux_rtc_open(void *ctx)
{
	struct clock_linux *cl = ctx;
	static const char *const paths[] = { "/dev/rtc0", "/dev/rtc" };
	int r = -ENOENT;

	if (cl->rtc_fd >= 0)
		return 0;
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		cl->rtc_fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (cl->rtc_fd >= 0)
			return 0;
		if (r == -ENOENT) /* keep the first error that says more */
			r = -errno;
	}
	return r;
}

static int clock_linux_rtc_write(void *ctx, const struct tm *tm)
{
	struct clock_linux *cl = ctx;
	struct rtc_time rt = {
		.tm_sec = tm->tm_sec,
		.tm_min = tm->tm_min,
		.tm_hour = tm->tm_hour,
		.tm_mday = tm->tm_mday,
		.tm_mon = tm->tm_mon,
		.tm_year = tm->tm_year,
		.tm_wday = tm->tm_wday,
		.tm_yday = tm->tm_yday,
		.tm_isdst = 0,
	};

	if (cl->rtc_fd < 0)
		return -EBADF;
	return ioctl(cl->rtc_fd, RTC_SET_TIME, &rt) < 0 ? -errno : 0;
}

void clock_linux_init(struct clock_linux *cl, struct clock_ops *ret_ops)
{
	cl->rtc_fd = -1;
	*ret_ops = (struct clock_ops){
		.ctx = cl,
		.now = clock_linux_now,
		.read_status = clock_linux_read_status,
		.owner = clock_linux_owner,
		.step = clock_linux_step,
		.slew = clock_linux_slew,
		.set_sync = clock_linux_set_sync,
		.mark_synchronized = clock_linux_mark_synchronized,
		.rtc_mode = clock_linux_rtc_mode,
		.rtc_open = clock_linux_rtc_open,
		.rtc_write = clock_linux_rtc_write,
	};
}

void clock_linux_close(struct clock_linux *cl)
{
	if (cl->rtc_fd >= 0)
		close(cl->rtc_fd);
	cl->rtc_fd = -1;
}
