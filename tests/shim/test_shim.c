/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_shim: proves the test clock seam.
 *
 * Run as `noclock test_shim` (meson does). The driver refuses to run
 * unless the noclock filter is in force, then:
 *  - checks the filter itself with raw system calls (no shim involved);
 *  - re-executes itself as `test_shim --child SCENARIO DIR` with
 *    LD_PRELOAD=$TEST_SHIM_PRELOAD and CLOCKSHIM_* set, where SCENARIO
 *    drives src/clock_linux.c (or libc directly) against clockshim.so;
 *    the driver then reads the records in DIR/log.
 * The children inherit the filter: nothing here can reach the real clock.
 * At the end the real CLOCK_REALTIME - CLOCK_MONOTONIC must not have moved.
 *
 * Environment: TEST_SHIM_PRELOAD (LD_PRELOAD value for the children;
 * default: clockshim.so beside this program), TEST_SHIM_NOCLOCK (path of
 * noclock, for the exit status tests; default: noclock beside this
 * program).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <libgen.h>
#include <linux/rtc.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock_linux.h"

#define NS_PER_S       1000000000LL
#define NS_PER_MS      1000000LL
#define TEST_STEP_NS   10500000000LL /* +10.5 s */
#define TEST_SLEW_NS   (-50000000LL) /* -0.05 s */
#define TEST_MAX_LINES 64

extern char **environ;

static char test_self[4096];
static char test_preload[4096];
static char test_noclock[4096];

/* ---- helpers shared by driver and children ----------------------------- */

static int64_t test_ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec;
}

/* The kernel's clock through a raw system call: neither vDSO nor shim. */
static int64_t test_raw_ns(clockid_t clk)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, clk, &ts) < 0)
		return 0;
	return test_ts_ns(&ts);
}

/* A clock through libc: the shim's virtual one for CLOCK_REALTIME. */
static int64_t test_libc_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return test_ts_ns(&ts);
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC read through read_ns: the realtime
 * reading against the midpoint of the two monotonic ones around it. A
 * loaded machine may preempt between the reads, so the narrowest of up to
 * TEST_OFFSET_TRIES brackets is used: the error is at most half its width,
 * TEST_OFFSET_GOOD_NS / 2 unless no try came that close. */
#define TEST_OFFSET_TRIES   1000
#define TEST_OFFSET_GOOD_NS 20000

static int64_t test_offset_ns(int64_t (*read_ns)(clockid_t))
{
	int64_t best = 0, best_width = INT64_MAX;

	for (int i = 0; i < TEST_OFFSET_TRIES && best_width > TEST_OFFSET_GOOD_NS; i++) {
		int64_t m1 = read_ns(CLOCK_MONOTONIC), r = read_ns(CLOCK_REALTIME);
		int64_t m2 = read_ns(CLOCK_MONOTONIC);

		if (m2 - m1 < best_width) {
			best_width = m2 - m1;
			best = r - (m1 + (m2 - m1) / 2);
		}
	}
	return best;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC of the real kernel. */
static int64_t test_raw_offset_ns(void)
{
	return test_offset_ns(test_raw_ns);
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC as libc (and so the shim) reports it. */
static int64_t test_libc_offset_ns(void)
{
	return test_offset_ns(test_libc_ns);
}

/* The most a single-shot slew can have done in span_ns of CLOCK_MONOTONIC
 * (the kernel's and the shim's 500 ppm), plus the microsecond that
 * adjtimex's unit rounds away. */
static int64_t test_slew_done_max_ns(int64_t span_ns)
{
	return span_ns / 2000 + 1000;
}

static int64_t test_abs(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Is this process under noclock? Seccomp mode 2 (checked first: outside
 * any filter nothing below runs), and every clock write, asked with
 * arguments the kernel would refuse with EFAULT or ENOTTY before touching
 * anything, is refused with EPERM instead. */
static bool test_noclock_is_active(void)
{
	char buf[4096];
	bool refused;
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (!strstr(buf, "\nSeccomp:\t2\n"))
		return false;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	errno = 0;
	refused = syscall(SYS_clock_settime, CLOCK_REALTIME, NULL) == -1 && errno == EPERM;
	refused = refused && syscall(SYS_settimeofday, (void *)1, NULL) == -1 && errno == EPERM;
	refused = refused && syscall(SYS_adjtimex, NULL) == -1 && errno == EPERM;
	refused =
		refused && syscall(SYS_clock_adjtime, CLOCK_REALTIME, NULL) == -1 && errno == EPERM;
	refused = refused && syscall(SYS_ioctl, fd, RTC_SET_TIME, NULL) == -1 && errno == EPERM;
	close(fd);
	return refused;
}

static void test_write_file(const char *dir, const char *name, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "test_shim: cannot create \"%s\": %s\n", path, strerror(errno));
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* ---- children: scenarios under the shim ----------------------------- */

static int child_failures;

#define CHILD_CHECK(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond);                 \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			child_failures++;                                                          \
		}                                                                                  \
	} while (0)

static void child_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * NS_PER_MS };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static struct clock_status child_status(const struct clock_ops *ops)
{
	struct clock_status st;
	int r = ops->read_status(ops->ctx, &st);

	CHILD_CHECK(r == 0, "read_status: %d", r);
	return st;
}

static void child_ops_step_and_slew(const struct clock_ops *ops)
{
	struct clock_status st;
	int64_t d0, d1, d2, raw_mono, libc_mono, s0, s1, q0, q1, done_min, done_max;
	struct timespec ts;
	int r;

	st = child_status(ops);
	CHILD_CHECK(st.unsync && !st.pll && st.leap == NTP_LEAP_NONE, "fresh kernel status");
	CHILD_CHECK(st.slew_left_ns == 0, "no slew: %" PRId64, st.slew_left_ns);
	CHILD_CHECK(st.maxerror_us == 16000000, "maxerror %" PRId64, st.maxerror_us);

	d0 = test_libc_offset_ns();
	r = ops->step(ops->ctx, TEST_STEP_NS);
	d1 = test_libc_offset_ns();
	CHILD_CHECK(r == 0, "step: %d", r);
	CHILD_CHECK(test_abs(d1 - d0 - TEST_STEP_NS) < NS_PER_MS, "realtime moved %" PRId64,
		    d1 - d0);
	/* libc's CLOCK_MONOTONIC read between two of the kernel's */
	raw_mono = test_raw_ns(CLOCK_MONOTONIC);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	libc_mono = test_ts_ns(&ts);
	CHILD_CHECK(raw_mono <= libc_mono && libc_mono <= test_raw_ns(CLOCK_MONOTONIC),
		    "monotonic moved");
	CHILD_CHECK(
		test_abs(time(NULL) - (test_raw_ns(CLOCK_REALTIME) + TEST_STEP_NS) / NS_PER_S) <= 1,
		"time() not stepped");

	/* what the slew has done is bounded by the monotonic time between
	 * the moments around the slew and the reads */
	s0 = test_raw_ns(CLOCK_MONOTONIC);
	r = ops->slew(ops->ctx, TEST_SLEW_NS);
	s1 = test_raw_ns(CLOCK_MONOTONIC);
	CHILD_CHECK(r == 0, "slew: %d", r);
	st = child_status(ops);
	done_max = test_slew_done_max_ns(test_raw_ns(CLOCK_MONOTONIC) - s0);
	CHILD_CHECK(st.slew_left_ns <= TEST_SLEW_NS + done_max && st.slew_left_ns >= TEST_SLEW_NS,
		    "slew pending: %" PRId64 " (at most %" PRId64 " done)", st.slew_left_ns,
		    done_max);
	child_sleep_ms(200);
	q0 = test_raw_ns(CLOCK_MONOTONIC);
	st = child_status(ops);
	d2 = test_libc_offset_ns();
	q1 = test_raw_ns(CLOCK_MONOTONIC);
	/* 200 ms or more at 500 ppm: 100 us done or more */
	done_min = (q0 - s1) / 2000 - 1000;
	done_max = test_slew_done_max_ns(q0 - s0);
	CHILD_CHECK(done_min >= 99000 && st.slew_left_ns >= TEST_SLEW_NS + done_min &&
			    st.slew_left_ns <= TEST_SLEW_NS + done_max,
		    "slew decreasing: %" PRId64 " (done in [%" PRId64 ", %" PRId64 "])",
		    st.slew_left_ns, done_min, done_max);
	/* the clock moved by what the slew did, up to the reads' own error
	 * and what the slew did between them */
	CHILD_CHECK(test_abs((d2 - d1) - (TEST_SLEW_NS - st.slew_left_ns)) <
			    TEST_OFFSET_GOOD_NS + test_slew_done_max_ns(q1 - q0),
		    "clock slewed %" PRId64 " but %" PRId64 " left", d2 - d1, st.slew_left_ns);
}

static void child_ops_sync(const struct clock_ops *ops)
{
	struct clock_sync sync = { .maxerror_us = 12345, .esterror_us = 678 };
	struct clock_status st;
	struct timex tx = { .modes = 0 };
	int r;

	r = ops->set_sync(ops->ctx, &sync);
	CHILD_CHECK(r == 0, "set_sync: %d", r);
	st = child_status(ops);
	CHILD_CHECK(!st.unsync && st.leap == NTP_LEAP_NONE, "synchronised");
	CHILD_CHECK(st.maxerror_us == 12345 && st.esterror_us == 678, "errors %" PRId64 " %" PRId64,
		    st.maxerror_us, st.esterror_us);
	r = clock_adjtime(CLOCK_REALTIME, &tx);
	CHILD_CHECK(r == TIME_OK, "state %d", r);
	/* the step's ADJ_NANO left STA_NANO on, as in the kernel */
	CHILD_CHECK(tx.status == STA_NANO, "status 0x%x", tx.status);

	sync.leap = NTP_LEAP_INSERT;
	r = ops->set_sync(ops->ctx, &sync);
	CHILD_CHECK(r == 0, "set_sync insert: %d", r);
	st = child_status(ops);
	CHILD_CHECK(st.leap == NTP_LEAP_INSERT && !st.unsync, "leap armed");
	r = ntp_adjtime(&tx);
	CHILD_CHECK(r == TIME_INS, "state %d", r);

	sync.leap = NTP_LEAP_NONE;
	sync.keep_unsync = true;
	r = ops->set_sync(ops->ctx, &sync);
	CHILD_CHECK(r == 0, "set_sync keep_unsync: %d", r);
	st = child_status(ops);
	CHILD_CHECK(st.unsync && st.leap == NTP_LEAP_NONE, "kept unsync");
	r = adjtimex(&tx);
	CHILD_CHECK(r == TIME_ERROR, "state %d", r);
}

static void child_ops_files(const struct clock_ops *ops, struct clock_linux *cl, const char *dir)
{
	struct tm tm = { .tm_year = 124,
			 .tm_mon = 5,
			 .tm_mday = 30,
			 .tm_hour = 23,
			 .tm_min = 59,
			 .tm_sec = 58 };
	enum clock_rtc_mode mode = CLOCK_RTC_LOCAL;
	struct rtc_time rt = { 0 };
	char path[4200];
	struct stat st;
	int r;

	r = ops->mark_synchronized(ops->ctx);
	CHILD_CHECK(r == 1, "no systemd: %d", r);
	snprintf(path, sizeof(path), "%s/run-systemd", dir);
	CHILD_CHECK(mkdir(path, 0755) == 0, "mkdir: %s", strerror(errno));
	r = ops->mark_synchronized(ops->ctx);
	CHILD_CHECK(r == 0, "mark_synchronized: %d", r);
	snprintf(path, sizeof(path), "%s/run-systemd/timesync/synchronized", dir);
	CHILD_CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "no synchronized file");

	r = ops->rtc_mode(ops->ctx, &mode);
	CHILD_CHECK(r == 0 && mode == CLOCK_RTC_UTC, "no adjtime: %d %d", r, (int)mode);
	test_write_file(dir, "adjtime", "0.000000 1700000000 0.000000\n1700000000\nLOCAL\n");
	r = ops->rtc_mode(ops->ctx, &mode);
	CHILD_CHECK(r == 0 && mode == CLOCK_RTC_LOCAL, "adjtime LOCAL: %d %d", r, (int)mode);

	r = ops->rtc_open(ops->ctx);
	CHILD_CHECK(r == 0, "rtc_open: %d", r);
	r = ops->rtc_write(ops->ctx, &tm);
	CHILD_CHECK(r == 0, "rtc_write: %d", r);
	r = ioctl(cl->rtc_fd, RTC_RD_TIME, &rt);
	CHILD_CHECK(r == 0 && rt.tm_year == 124 && rt.tm_mon == 5 && rt.tm_mday == 30 &&
			    rt.tm_hour == 23 && rt.tm_min == 59 && rt.tm_sec == 58,
		    "RTC_RD_TIME: %d %d-%d-%d %d:%d:%d", r, rt.tm_year, rt.tm_mon, rt.tm_mday,
		    rt.tm_hour, rt.tm_min, rt.tm_sec);
}

/* Every clock_ops of clock_linux.c, in the order tset uses them. */
static void child_ops(const char *dir)
{
	int64_t raw0 = test_raw_offset_ns();
	struct clock_linux cl;
	struct clock_ops ops;

	clock_linux_init(&cl, &ops);
	child_ops_step_and_slew(&ops);
	child_ops_sync(&ops);
	child_ops_files(&ops, &cl, dir);
	clock_linux_close(&cl);
	CHILD_CHECK(test_abs(test_raw_offset_ns() - raw0) < 5 * NS_PER_MS, "real clock moved");
}

/* CLOCKSHIM_NOCAP=1: every write fails, reads work. */
static void child_nocap(const char *dir)
{
	struct clock_sync sync = { .maxerror_us = 1000 };
	struct tm tm = { .tm_year = 124, .tm_mon = 0, .tm_mday = 1 };
	struct clock_linux cl;
	struct clock_ops ops;
	struct clock_status st;
	int64_t d0 = test_libc_offset_ns();
	int r;

	clock_linux_init(&cl, &ops);
	st = child_status(&ops);
	CHILD_CHECK(st.unsync, "reads work");
	r = ops.step(ops.ctx, TEST_STEP_NS);
	CHILD_CHECK(r == -EPERM, "step: %d", r);
	r = ops.slew(ops.ctx, TEST_SLEW_NS);
	CHILD_CHECK(r == -EPERM, "slew: %d", r);
	r = ops.set_sync(ops.ctx, &sync);
	CHILD_CHECK(r == -EPERM, "set_sync: %d", r);
	r = ops.rtc_open(ops.ctx);
	CHILD_CHECK(r == 0, "rtc_open: %d", r);
	r = ops.rtc_write(ops.ctx, &tm);
	CHILD_CHECK(r == -EPERM, "rtc_write: %d", r);
	CHILD_CHECK(test_abs(test_libc_offset_ns() - d0) < NS_PER_MS, "clock moved");
	clock_linux_close(&cl);
}

/* CLOCKSHIM_NO_RTC=1: there is no RTC. */
static void child_no_rtc(const char *dir)
{
	struct clock_linux cl;
	struct clock_ops ops;
	int r;

	clock_linux_init(&cl, &ops);
	r = ops.rtc_open(ops.ctx);
	CHILD_CHECK(r == -ENOENT, "rtc_open: %d", r);
	clock_linux_close(&cl);
}

static int child_env_int(const char *name)
{
	const char *v = getenv(name);

	return v ? atoi(v) : 0;
}

/* CLOCKSHIM_FAIL_STEP / CLOCKSHIM_FAIL_RTC: step and RTC write fail with
 * $TEST_SHIM_STEP_ERRNO and $TEST_SHIM_RTC_ERRNO. */
static void child_fail(const char *dir)
{
	struct tm tm = { .tm_year = 124, .tm_mon = 0, .tm_mday = 1 };
	int64_t d0 = test_libc_offset_ns();
	int err;
	struct clock_linux cl;
	struct clock_ops ops;
	int r;

	clock_linux_init(&cl, &ops);
	if (getenv("CLOCKSHIM_FAIL_STEP")) {
		err = child_env_int("TEST_SHIM_STEP_ERRNO");
		r = ops.step(ops.ctx, TEST_STEP_NS);
		CHILD_CHECK(r == -err, "step: %d", r);
		CHILD_CHECK(test_abs(test_libc_offset_ns() - d0) < NS_PER_MS, "clock moved");
	}
	if (getenv("CLOCKSHIM_FAIL_RTC")) {
		err = child_env_int("TEST_SHIM_RTC_ERRNO");
		r = ops.rtc_open(ops.ctx);
		CHILD_CHECK(r == 0, "rtc_open: %d", r);
		r = ops.rtc_write(ops.ctx, &tm);
		CHILD_CHECK(r == -err, "rtc_write: %d", r);
	}
	clock_linux_close(&cl);
}

/* Without CLOCKSHIM_DIR, /etc/adjtime and /run/systemd do not exist. */
static void child_no_dir(const char *dir)
{
	enum clock_rtc_mode mode = CLOCK_RTC_LOCAL;
	struct clock_linux cl;
	struct clock_ops ops;
	int r;

	clock_linux_init(&cl, &ops);
	r = ops.mark_synchronized(ops.ctx);
	CHILD_CHECK(r == 1, "mark_synchronized: %d", r);
	r = ops.rtc_mode(ops.ctx, &mode);
	CHILD_CHECK(r == 0 && mode == CLOCK_RTC_UTC, "rtc_mode: %d %d", r, (int)mode);
	CHILD_CHECK(access("/etc/adjtime", F_OK) < 0 && errno == ENOENT, "adjtime visible");
	clock_linux_close(&cl);
}

/* CLOCKSHIM_STATE, first process: step +5 s, slew +1 s. */
static void child_state_a(const char *dir)
{
	struct clock_linux cl;
	struct clock_ops ops;
	int r;

	clock_linux_init(&cl, &ops);
	r = ops.step(ops.ctx, 5 * NS_PER_S);
	CHILD_CHECK(r == 0, "step: %d", r);
	r = ops.slew(ops.ctx, NS_PER_S);
	CHILD_CHECK(r == 0, "slew: %d", r);
}

/* CLOCKSHIM_STATE, second process: sees both, then steps back. */
static void child_state_b(const char *dir)
{
	struct clock_linux cl;
	struct clock_ops ops;
	struct clock_status st;
	int64_t off, done, m0, m1;
	int r;

	clock_linux_init(&cl, &ops);
	m0 = test_raw_ns(CLOCK_MONOTONIC);
	st = child_status(&ops);
	off = test_libc_offset_ns() - test_raw_offset_ns();
	m1 = test_raw_ns(CLOCK_MONOTONIC);
	/* A's slew goes on: what it has done (1 s less what it has left),
	 * however long since A, is in the clock besides A's step, up to the
	 * two readings' error and what it did while they were taken */
	CHILD_CHECK(st.slew_left_ns > 0 && st.slew_left_ns <= NS_PER_S, "shared slew: %" PRId64,
		    st.slew_left_ns);
	done = NS_PER_S - st.slew_left_ns;
	CHILD_CHECK(test_abs(off - 5 * NS_PER_S - done) <
			    2 * TEST_OFFSET_GOOD_NS + test_slew_done_max_ns(m1 - m0),
		    "shared step: %" PRId64 ", slew done %" PRId64, off, done);
	CHILD_CHECK(st.unsync, "the step left the kernel unsynchronised");
	r = ops.step(ops.ctx, -5 * NS_PER_S);
	CHILD_CHECK(r == 0, "step: %d", r);
	off = test_libc_offset_ns() - test_raw_offset_ns();
	/* what the slew did stays (the step cancels the rest) */
	CHILD_CHECK(test_abs(off - done) <
			    2 * TEST_OFFSET_GOOD_NS +
				    test_slew_done_max_ns(test_raw_ns(CLOCK_MONOTONIC) - m0),
		    "stepped back: %" PRId64 ", slew done %" PRId64, off, done);
}

/* Calls tset must not make are still recorded and applied. A clock set
 * to what was read plus N s moves by N s less the time between the read
 * and the set: that time (monotonic, measured around both calls) goes to
 * DIR/windows for the driver, which checks the recorded deltas with it. */
static void child_stray(const char *dir)
{
	struct timeval tv, old = { 1, 1 };
	struct timespec ts;
	struct rtc_time rt = { .tm_year = 124, .tm_mday = 1 };
	int64_t d0 = test_libc_offset_ns(), d1, d2, m0, tod_ns, settime_ns;
	char windows[64];
	int fd;

	m0 = test_raw_ns(CLOCK_MONOTONIC);
	gettimeofday(&tv, NULL);
	tv.tv_sec += 3;
	CHILD_CHECK(settimeofday(&tv, NULL) == 0, "settimeofday: %s", strerror(errno));
	tod_ns = test_raw_ns(CLOCK_MONOTONIC) - m0;
	d1 = test_libc_offset_ns();
	/* less up to 1 us more: gettimeofday truncates to microseconds */
	CHILD_CHECK(d1 - d0 <= 3 * NS_PER_S + TEST_OFFSET_GOOD_NS &&
			    d1 - d0 >= 3 * NS_PER_S - tod_ns - 1000 - TEST_OFFSET_GOOD_NS,
		    "moved %" PRId64 " (%" PRId64 " between read and set)", d1 - d0, tod_ns);
	m0 = test_raw_ns(CLOCK_MONOTONIC);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	CHILD_CHECK(clock_settime(CLOCK_REALTIME, &ts) == 0, "clock_settime: %s", strerror(errno));
	settime_ns = test_raw_ns(CLOCK_MONOTONIC) - m0;
	d2 = test_libc_offset_ns();
	CHILD_CHECK(d2 - d1 <= NS_PER_S + TEST_OFFSET_GOOD_NS &&
			    d2 - d1 >= NS_PER_S - settime_ns - TEST_OFFSET_GOOD_NS,
		    "moved %" PRId64 " (%" PRId64 " between read and set)", d2 - d1, settime_ns);
	snprintf(windows, sizeof(windows), "%" PRId64 " %" PRId64 "\n", tod_ns, settime_ns);
	test_write_file(dir, "windows", windows);
	CHILD_CHECK(clock_settime(CLOCK_MONOTONIC, &ts) < 0 && errno == EINVAL, "monotonic set");
	tv = (struct timeval){ 0, 1000000 };
	CHILD_CHECK(settimeofday(&tv, NULL) < 0 && errno == EINVAL, "bad usec accepted");
	tv = (struct timeval){ 0, 200000 };
	CHILD_CHECK(adjtime(&tv, &old) == 0 && old.tv_sec == 0 && old.tv_usec == 0,
		    "adjtime: old %ld.%06ld", (long)old.tv_sec, (long)old.tv_usec);
	CHILD_CHECK(adjtime(NULL, &old) == 0 && old.tv_sec == 0 && old.tv_usec > 199000 &&
			    old.tv_usec <= 200000,
		    "adjtime read: %ld.%06ld", (long)old.tv_sec, (long)old.tv_usec);
	/* an RTC write on something that is not our fake RTC is refused */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(ioctl(fd, RTC_SET_TIME, &rt) < 0 && errno == EPERM, "rtc write passed");
	close(fd);
}

/* adjtimex as the kernel answers it. */
static void child_kernel(const char *dir)
{
	struct timex tx;
	int64_t m0;
	long done_us;
	int r;

	tx = (struct timex){ .modes = ADJ_SETOFFSET, .time = { 1, 1000000 } };
	CHILD_CHECK(adjtimex(&tx) < 0 && errno == EINVAL, "usec 1e6 accepted");
	tx = (struct timex){ .modes = ADJ_SETOFFSET | ADJ_NANO, .time = { 1, 1000000000 } };
	CHILD_CHECK(adjtimex(&tx) < 0 && errno == EINVAL, "nsec 1e9 accepted");
	tx = (struct timex){ .modes = ADJ_SETOFFSET | ADJ_NANO, .time = { 1, -1 } };
	CHILD_CHECK(adjtimex(&tx) < 0 && errno == EINVAL, "negative nsec accepted");
	tx = (struct timex){ .modes = ADJ_SETOFFSET, .time = { -2, 500000 } };
	r = adjtimex(&tx);
	CHILD_CHECK(r == TIME_ERROR, "step -1.5 s: %d", r);
	CHILD_CHECK(!(tx.status & STA_NANO) && tx.time.tv_usec < 1000000, "microseconds");

	/* what each slew did before the next call: at most 500 ppm of the
	 * monotonic time around the two calls */
	m0 = test_raw_ns(CLOCK_MONOTONIC);
	tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT, .offset = 300 };
	CHILD_CHECK(adjtimex(&tx) >= 0 && tx.offset == 0, "old offset %ld", tx.offset);
	tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT, .offset = -700 };
	r = adjtimex(&tx);
	done_us = test_slew_done_max_ns(test_raw_ns(CLOCK_MONOTONIC) - m0) / 1000;
	CHILD_CHECK(r >= 0 && tx.offset >= 300 - done_us && tx.offset <= 300,
		    "replaced offset %ld (at most %ld us done)", tx.offset, done_us);
	m0 = test_raw_ns(CLOCK_MONOTONIC);
	tx = (struct timex){ .modes = ADJ_OFFSET_SS_READ };
	r = adjtimex(&tx);
	done_us = test_slew_done_max_ns(test_raw_ns(CLOCK_MONOTONIC) - m0) / 1000;
	CHILD_CHECK(r >= 0 && tx.offset >= -700 && tx.offset <= -700 + done_us,
		    "ss read %ld (at most %ld us done)", tx.offset, done_us);
	tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT, .offset = 0 };
	CHILD_CHECK(adjtimex(&tx) >= 0, "cancel");
	tx = (struct timex){ .modes = ADJ_OFFSET_SS_READ };
	CHILD_CHECK(adjtimex(&tx) >= 0 && tx.offset == 0, "cancelled %ld", tx.offset);

	/* STA_PLL on, then off: the kernel resets status to unsynchronised */
	tx = (struct timex){ .modes = ADJ_STATUS, .status = STA_PLL | STA_CLOCKERR };
	r = adjtimex(&tx);
	CHILD_CHECK(r == TIME_OK && tx.status == STA_PLL, "pll: %d 0x%x", r, tx.status);
	tx = (struct timex){ .modes = ADJ_STATUS, .status = STA_DEL };
	r = adjtimex(&tx);
	CHILD_CHECK(r == TIME_DEL && tx.status == STA_DEL, "del: %d 0x%x", r, tx.status);
	tx = (struct timex){ .modes = ADJ_MAXERROR | ADJ_ESTERROR, .maxerror = 5, .esterror = 6 };
	r = adjtimex(&tx);
	CHILD_CHECK(tx.maxerror == 5 && tx.esterror == 6, "errors %ld %ld", tx.maxerror,
		    tx.esterror);
	CHILD_CHECK(clock_adjtime(CLOCK_MONOTONIC, &tx) < 0 && errno == EOPNOTSUPP, "monotonic");

	/* a step clears the NTP state: slew cancelled, unsynchronised */
	tx = (struct timex){ .modes = ADJ_STATUS | ADJ_MAXERROR, .status = 0, .maxerror = 100 };
	CHILD_CHECK(adjtimex(&tx) == TIME_OK, "synchronised");
	tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT, .offset = 5000 };
	CHILD_CHECK(adjtimex(&tx) == TIME_OK, "slew");
	tx = (struct timex){ .modes = ADJ_SETOFFSET | ADJ_NANO, .time = { 0, 1 } };
	r = adjtimex(&tx);
	CHILD_CHECK(r == TIME_ERROR && tx.status == (STA_UNSYNC | STA_NANO) &&
			    tx.maxerror == 16000000 && tx.esterror == 16000000,
		    "after a step: %d 0x%x %ld %ld", r, tx.status, tx.maxerror, tx.esterror);
	tx = (struct timex){ .modes = ADJ_OFFSET_SS_READ };
	CHILD_CHECK(adjtimex(&tx) >= 0 && tx.offset == 0, "slew left %ld", tx.offset);
}

/* SO_TIMESTAMPNS stamps are moved to the virtual clock. */
static void child_timestamps(const char *dir)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	char data[8] = "ntp", in[8];
	struct iovec iov = { in, sizeof(in) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct timex tx = { .modes = ADJ_SETOFFSET, .time = { 100, 0 } };
	struct timespec before, now, stamp = { 0, 0 };
	int one = 1, rx, tx_fd;

	CHILD_CHECK(adjtimex(&tx) >= 0, "step");
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	tx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHILD_CHECK(rx >= 0 && tx_fd >= 0, "socket");
	CHILD_CHECK(setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) == 0, "opt");
	CHILD_CHECK(bind(rx, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	CHILD_CHECK(getsockname(rx, (struct sockaddr *)&sa, &len) == 0, "getsockname");
	clock_gettime(CLOCK_REALTIME, &before);
	CHILD_CHECK(sendto(tx_fd, data, sizeof(data), 0, (struct sockaddr *)&sa, sizeof(sa)) ==
			    (ssize_t)sizeof(data),
		    "sendto");
	CHILD_CHECK(recvmsg(rx, &mh, 0) == (ssize_t)sizeof(data), "recvmsg");
	clock_gettime(CLOCK_REALTIME, &now);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(&stamp, CMSG_DATA(c), sizeof(stamp));
	/* the stamp is virtual time: between the send and the read after */
	CHILD_CHECK(
		test_ts_ns(&before) <= test_ts_ns(&stamp) && test_ts_ns(&stamp) <= test_ts_ns(&now),
		"stamp %" PRId64 " ns after the send, %" PRId64 " ns before the read",
		test_ts_ns(&stamp) - test_ts_ns(&before), test_ts_ns(&now) - test_ts_ns(&stamp));
	close(rx);
	close(tx_fd);
}

static const struct {
	const char *name;
	void (*run)(const char *dir);
} child_scenarios[] = {
	{ "ops", child_ops },	      { "nocap", child_nocap },
	{ "no_rtc", child_no_rtc },   { "fail", child_fail },
	{ "no_dir", child_no_dir },   { "state_a", child_state_a },
	{ "state_b", child_state_b }, { "stray", child_stray },
	{ "kernel", child_kernel },   { "timestamps", child_timestamps },
};

/* Is clockshim.so mapped into this process? */
static bool child_shim_is_loaded(void)
{
	char line[4200];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "/clockshim.so") != NULL;
	fclose(f);
	return found;
}

static int child_main(const char *name, const char *dir)
{
	if (!test_noclock_is_active()) {
		fprintf(stderr, "test_shim: child not under noclock: refusing\n");
		return 2;
	}
	/* loaded, not merely named: ld.so ignores a preload it cannot load */
	if (!child_shim_is_loaded()) {
		fprintf(stderr, "test_shim: clockshim not loaded in the child (LD_PRELOAD=%s)\n",
			getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "");
		return 2;
	}
	for (size_t i = 0; i < sizeof(child_scenarios) / sizeof(child_scenarios[0]); i++) {
		if (strcmp(child_scenarios[i].name, name) == 0) {
			child_scenarios[i].run(dir);
			return child_failures ? 1 : 0;
		}
	}
	fprintf(stderr, "test_shim: no scenario \"%s\"\n", name);
	return 2;
}

/* ---- driver helpers --------------------------------------------------- */

struct test_dir {
	char path[64];
	char *lines[TEST_MAX_LINES];
	size_t n_lines;
	char buf[8192];
};

static void test_dir_new(struct test_dir *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "/tmp/test_shim.XXXXXX");
	ck_assert_msg(mkdtemp(d->path) != NULL, "mkdtemp: %s", strerror(errno));
}

static int test_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void test_dir_free(struct test_dir *d)
{
	nftw(d->path, test_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run `test_shim --child name dir` under the shim, with extra KEY=VALUE
 * settings (NULL-terminated; "CLOCKSHIM_DIR" alone leaves it unset).
 * Returns its exit status. */
static int test_run_child(const char *name, const struct test_dir *d, ...)
{
	const char *extra[16];
	char *envp[512], log_env[128], dir_env[128], preload_env[4200];
	size_t n = 0, n_extra = 0;
	bool keep_dir = true;
	va_list ap;
	pid_t pid;
	int status;

	va_start(ap, d);
	for (const char *e; (e = va_arg(ap, const char *)) && n_extra < 16;)
		extra[n_extra++] = e;
	va_end(ap);
	snprintf(log_env, sizeof(log_env), "CLOCKSHIM_LOG=%s/log", d->path);
	snprintf(dir_env, sizeof(dir_env), "CLOCKSHIM_DIR=%s", d->path);
	snprintf(preload_env, sizeof(preload_env), "LD_PRELOAD=%s", test_preload);
	for (char **e = environ; *e && n < 400; e++)
		if (strncmp(*e, "CLOCKSHIM_", 10) != 0 && strncmp(*e, "LD_PRELOAD=", 11) != 0)
			envp[n++] = *e;
	envp[n++] = preload_env;
	envp[n++] = log_env;
	for (size_t i = 0; i < n_extra; i++) {
		if (strchr(extra[i], '='))
			envp[n++] = (char *)extra[i];
		else if (strcmp(extra[i], "CLOCKSHIM_DIR") == 0)
			keep_dir = false;
	}
	if (keep_dir)
		envp[n++] = dir_env;
	envp[n] = NULL;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *argv[] = { test_self, "--child", (char *)name, (char *)d->path, NULL };

		execve(test_self, argv, envp);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child %s died (signal %d)", name,
		      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WEXITSTATUS(status);
}

/* Read DIR/log into d->lines. */
static void test_read_log(struct test_dir *d)
{
	char path[128];
	ssize_t n;
	int fd;

	d->n_lines = 0;
	snprintf(path, sizeof(path), "%s/log", d->path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, d->buf, sizeof(d->buf) - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	d->buf[n] = '\0';
	for (char *save = NULL, *l = strtok_r(d->buf, "\n", &save);
	     l && d->n_lines < TEST_MAX_LINES; l = strtok_r(NULL, "\n", &save))
		d->lines[d->n_lines++] = l;
}

static void test_expect_log(struct test_dir *d, const char *const *want, size_t n_want)
{
	test_read_log(d);
	for (size_t i = 0; i < d->n_lines || i < n_want; i++)
		ck_assert_msg(i < d->n_lines && i < n_want &&
				      strncmp(d->lines[i], want[i], strlen(want[i])) == 0,
			      "record %zu: got \"%s\", want \"%s\"", i,
			      i < d->n_lines ? d->lines[i] : "(none)",
			      i < n_want ? want[i] : "(none)");
}

#define TEST_N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- driver: noclock alone -------------------------------------------- */

static void test_assert_eperm(long r, const char *what)
{
	int err = errno;

	ck_assert_msg(r == -1 && err == EPERM, "%s: %ld (%s), want EPERM", what, r, strerror(err));
}

START_TEST(test_noclock_refuses_clock_syscalls_with_null_arguments)
{
	/* without the filter each of these fails with EFAULT and changes
	 * nothing: only EPERM proves the filter */
	errno = 0;
	test_assert_eperm(syscall(SYS_clock_settime, CLOCK_REALTIME, NULL), "clock_settime");
	errno = 0;
	test_assert_eperm(syscall(SYS_settimeofday, (void *)1, NULL), "settimeofday");
	errno = 0;
	test_assert_eperm(syscall(SYS_adjtimex, NULL), "adjtimex");
	errno = 0;
	test_assert_eperm(syscall(SYS_clock_adjtime, CLOCK_REALTIME, NULL), "clock_adjtime");
}
END_TEST

START_TEST(test_noclock_refuses_clock_syscalls_with_real_arguments)
{
	struct timespec now;
	struct timeval tv;
	struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };

	/* only once the harmless probes proved the filter (main() did) */
	ck_assert(test_noclock_is_active());
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &now);
	errno = 0;
	test_assert_eperm(syscall(SYS_clock_settime, CLOCK_REALTIME, &now), "clock_settime");
	tv.tv_sec = now.tv_sec;
	tv.tv_usec = now.tv_nsec / 1000;
	errno = 0;
	test_assert_eperm(syscall(SYS_settimeofday, &tv, NULL), "settimeofday");
	errno = 0;
	test_assert_eperm(syscall(SYS_adjtimex, &tx), "adjtimex ADJ_SETOFFSET");
	errno = 0;
	test_assert_eperm(syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx), "clock_adjtime");
	tx = (struct timex){ .modes = 0 };
	errno = 0;
	test_assert_eperm(syscall(SYS_adjtimex, &tx), "adjtimex read");
}
END_TEST

START_TEST(test_noclock_refuses_rtc_write_ioctls)
{
	struct rtc_time rt = { .tm_year = 124, .tm_mday = 1 };
	unsigned long epoch = 1900;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* on /dev/null these fail with ENOTTY without the filter */
	ck_assert_int_ge(fd, 0);
	errno = 0;
	test_assert_eperm(syscall(SYS_ioctl, fd, RTC_SET_TIME, &rt), "RTC_SET_TIME");
	errno = 0;
	test_assert_eperm(syscall(SYS_ioctl, fd, RTC_EPOCH_SET, epoch), "RTC_EPOCH_SET");
	errno = 0;
	test_assert_eperm(syscall(SYS_ioctl, fd, RTC_ALM_SET, &rt), "RTC_ALM_SET");
	errno = 0;
	/* the i386 RTC_EPOCH_SET: size 4 */
	test_assert_eperm(syscall(SYS_ioctl, fd, _IOW('p', 0x0e, uint32_t), epoch),
			  "RTC_EPOCH_SET/32");
	errno = 0;
	/* the request is an unsigned int in the kernel: high bits do not help */
	test_assert_eperm(syscall(SYS_ioctl, fd, (1UL << 32) | RTC_SET_TIME, &rt),
			  "RTC_SET_TIME | 1 << 32");
	errno = 0;
	ck_assert_int_eq(syscall(SYS_ioctl, fd, RTC_RD_TIME, &rt), -1);
	ck_assert_int_eq(errno, ENOTTY);
	close(fd);
}
END_TEST

START_TEST(test_noclock_allows_everything_else)
{
	struct timespec ts;
	int p[2], avail = -1;

	ck_assert_int_eq(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts), 0);
	ck_assert_int_eq(syscall(SYS_getpid), getpid());
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(ioctl(p[0], FIONREAD, &avail), 0);
	ck_assert_int_eq(avail, 1);
	close(p[0]);
	close(p[1]);
}
END_TEST

#if defined(__x86_64__)
/* An i386 system call from this 64-bit process (int $0x80). */
static long test_int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return (int)ret;
}

START_TEST(test_noclock_refuses_i386_and_x32_clock_syscalls)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid;
	int status;
	long r;

	/* is there an i386 ABI at all? (ia32_emulation=0: int $0x80 faults) */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(test_int80(20 /* getpid */, 0, 0, 0) > 0 ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r = test_int80(264 /* clock_settime */, CLOCK_REALTIME, 0, 0);
		ck_assert_msg(r == -EPERM, "i386 clock_settime: %ld", r);
		r = test_int80(124 /* adjtimex */, 0, 0, 0);
		ck_assert_msg(r == -EPERM, "i386 adjtimex: %ld", r);
		r = test_int80(54 /* ioctl */, fd, (long)RTC_SET_TIME, 0);
		ck_assert_msg(r == -EPERM, "i386 ioctl RTC_SET_TIME: %ld", r);
		r = test_int80(54 /* ioctl */, fd, (long)_IOW('p', 0x0e, uint32_t), 0);
		ck_assert_msg(r == -EPERM, "i386 ioctl RTC_EPOCH_SET: %ld", r);
	} else {
		/* the kernel's choice (ia32_emulation=0), not something to install */
		fprintf(stderr, "skip: no i386 ABI in this kernel: noclock's i386 part not run\n");
	}
	/* x32: refused before the kernel looks at whether x32 is enabled */
	errno = 0;
	test_assert_eperm(syscall(0x40000000L | SYS_clock_settime, CLOCK_REALTIME, NULL),
			  "x32 clock_settime");
	errno = 0;
	test_assert_eperm(syscall(0x40000000L | 514, fd, RTC_SET_TIME, NULL), "x32 ioctl");
	close(fd);
}
END_TEST
#endif

/* Run noclock with argv; its exit status. */
static int test_run_noclock(char *const *argv)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDERR_FILENO);
		execv(test_noclock, argv);
		_exit(99);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_noclock_exit_status)
{
	char *usage[] = { "noclock", NULL };
	char *missing[] = { "noclock", "/nonexistent/command", NULL };
	char *filtered[] = { "noclock", "/bin/sh", "-c",
			     "grep -q '^Seccomp:[[:space:]]*2' /proc/self/status", NULL };
	char *status3[] = { "noclock", "/bin/sh", "-c", "exit 3", NULL };

	ck_assert_msg(access(test_noclock, X_OK) == 0, "noclock \"%s\": %s", test_noclock,
		      strerror(errno));
	ck_assert_int_eq(test_run_noclock(usage), 125);
	ck_assert_int_eq(test_run_noclock(missing), 127);
	ck_assert_int_eq(test_run_noclock(filtered), 0);
	ck_assert_int_eq(test_run_noclock(status3), 3);
}
END_TEST

/* ---- driver: the shim ----------------------------------------------- */

START_TEST(test_shim_records_clock_linux_ops)
{
	static const char *const want[] = {
		"step 10500000000",
		"slew -50000000",
		"status 0x2000 maxerror 12345 esterror 678",
		"status 0x2010 maxerror 12345 esterror 678",
		"status 0x2040 maxerror 12345 esterror 678",
		"synchronized",
		"rtc 2024-06-30 23:59:58 at ",
	};
	struct test_dir d;
	double at, expect;

	test_dir_new(&d);
	ck_assert_int_eq(test_run_child("ops", &d, NULL), 0);
	test_expect_log(&d, want, TEST_N(want));
	/* the RTC write happened at the stepped virtual time */
	at = strtod(d.lines[6] + strlen(want[6]), NULL);
	expect = (double)(test_raw_ns(CLOCK_REALTIME) + TEST_STEP_NS) / 1e9;
	ck_assert_msg(at > expect - 5 && at <= expect, "rtc at %.9f, now %.9f", at, expect);
	test_dir_free(&d);
}
END_TEST

START_TEST(test_shim_nocap_denies_every_write)
{
	static const char *const want[] = {
		"denied step EPERM",
		"denied slew EPERM",
		"denied status EPERM",
		"denied rtc EPERM",
	};
	struct test_dir d;

	test_dir_new(&d);
	ck_assert_int_eq(test_run_child("nocap", &d, "CLOCKSHIM_NOCAP=1", NULL), 0);
	test_expect_log(&d, want, TEST_N(want));
	test_dir_free(&d);
}
END_TEST

START_TEST(test_shim_no_rtc)
{
	struct test_dir d;

	test_dir_new(&d);
	ck_assert_int_eq(test_run_child("no_rtc", &d, "CLOCKSHIM_NO_RTC=1", NULL), 0);
	test_expect_log(&d, NULL, 0);
	test_dir_free(&d);
}
END_TEST

START_TEST(test_shim_fail_rtc_and_step)
{
	static const char *const want_rtc[] = { "denied rtc EIO" };
	static const char *const want_step[] = { "denied step EINVAL" };
	static const char *const want_perm[] = { "denied step EPERM", "denied rtc EBUSY" };
	struct test_dir d;

	test_dir_new(&d);
	ck_assert_int_eq(
		test_run_child("fail", &d, "CLOCKSHIM_FAIL_RTC=1", "TEST_SHIM_RTC_ERRNO=5", NULL),
		0);
	test_expect_log(&d, want_rtc, TEST_N(want_rtc));
	test_dir_free(&d);

	test_dir_new(&d);
	ck_assert_int_eq(test_run_child("fail", &d, "CLOCKSHIM_FAIL_STEP=1",
					"TEST_SHIM_STEP_ERRNO=22", NULL),
			 0);
	test_expect_log(&d, want_step, TEST_N(want_step));
	test_dir_free(&d);

	test_dir_new(&d);
	ck_assert_int_eq(test_run_child("fail", &d, "CLOCKSHIM_FAIL_STEP=EPERM",
					"CLOCKSHIM_FAIL_RTC=EBUSY", "TEST_SHIM_STEP_ERRNO=1",
					"TEST_SHIM_RTC_ERRNO=16", NULL),
			 0);
	test_expect_log(&d, want_perm, TEST_N(want_perm));
	test_dir_free(&d);
}
END_TEST

START_TEST(test_shim_without_dir_hides_adjtime_and_systemd)
{
	char path[128];
	struct test_dir d;

	test_dir_new(&d);
	/* both would count if the shim looked there */
	test_write_file(d.path, "adjtime", "0 0 0\n0\nLOCAL\n");
	snprintf(path, sizeof(path), "%s/run-systemd", d.path);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(test_run_child("no_dir", &d, "CLOCKSHIM_DIR", NULL), 0);
	test_expect_log(&d, NULL, 0);
	test_dir_free(&d);
}
END_TEST

START_TEST(test_shim_state_is_shared_between_processes)
{
	static const char *const want[] = { "step 5000000000", "slew 1000000000",
					    "step -5000000000" };
	char state[128];
	struct test_dir d;

	test_dir_new(&d);
	snprintf(state, sizeof(state), "CLOCKSHIM_STATE=%s/state", d.path);
	ck_assert_int_eq(test_run_child("state_a", &d, state, NULL), 0);
	ck_assert_int_eq(test_run_child("state_b", &d, state, NULL), 0);
	test_expect_log(&d, want, TEST_N(want));
	test_dir_free(&d);
}
END_TEST

START_TEST(test_shim_records_stray_calls)
{
	static const char *const want[] = {
		"settimeofday ",
		"clock_settime ",
		"invalid clock_settime-1 EINVAL",
		"invalid settimeofday EINVAL",
		"adjtime 200000000",
		"denied rtc-ioctl EPERM",
	};
	struct test_dir d;
	long long delta, tod_ns = -1, settime_ns = -1;
	char path[128];
	FILE *f;
	char *p;

	test_dir_new(&d);
	ck_assert_int_eq(test_run_child("stray", &d, NULL), 0);
	test_expect_log(&d, want, TEST_N(want));
	/* the time the child measured between its clock read and each set */
	snprintf(path, sizeof(path), "%s/windows", d.path);
	f = fopen(path, "r");
	ck_assert_msg(f && fscanf(f, "%lld %lld", &tod_ns, &settime_ns) == 2 && tod_ns >= 0 &&
			      settime_ns >= 0,
		      "the child's windows in %s", path);
	fclose(f);
	p = strstr(d.lines[0], " delta ");
	ck_assert_ptr_nonnull(p);
	delta = strtoll(p + 7, NULL, 10);
	/* gettimeofday truncates to microseconds: up to 1 us less again */
	ck_assert_msg(delta >= 3 * NS_PER_S - tod_ns - 1000 && delta <= 3 * NS_PER_S,
		      "settimeofday delta %lld, %lld ns between read and set", delta, tod_ns);
	p = strstr(d.lines[1], " delta ");
	ck_assert_ptr_nonnull(p);
	delta = strtoll(p + 7, NULL, 10);
	ck_assert_msg(delta >= NS_PER_S - settime_ns && delta <= NS_PER_S,
		      "clock_settime delta %lld, %lld ns between read and set", delta, settime_ns);
	test_dir_free(&d);
}
END_TEST

START_TEST(test_shim_adjtimex_follows_the_kernel)
{
	static const char *const want[] = {
		"invalid step EINVAL",
		"invalid step EINVAL",
		"invalid step EINVAL",
		"step -1500000000",
		"slew 300000",
		"slew -700000",
		"slew-cancel",
		"status 0x1 maxerror 16000000 esterror 16000000",
		"status 0x20 maxerror 16000000 esterror 16000000",
		"status 0x20 maxerror 5 esterror 6",
		"invalid clock_adjtime EOPNOTSUPP",
		"status 0x0 maxerror 100 esterror 6",
		"slew 5000000",
		"step 1",
	};
	struct test_dir d;

	test_dir_new(&d);
	ck_assert_int_eq(test_run_child("kernel", &d, NULL), 0);
	test_expect_log(&d, want, TEST_N(want));
	test_dir_free(&d);
}
END_TEST

START_TEST(test_shim_moves_receive_timestamps)
{
	struct test_dir d;

	test_dir_new(&d);
	ck_assert_int_eq(test_run_child("timestamps", &d, NULL), 0);
	test_dir_free(&d);
}
END_TEST

static Suite *test_suite(void)
{
	Suite *s = suite_create("shim");
	TCase *t = tcase_create("noclock");

	tcase_add_test(t, test_noclock_refuses_clock_syscalls_with_null_arguments);
	tcase_add_test(t, test_noclock_refuses_clock_syscalls_with_real_arguments);
	tcase_add_test(t, test_noclock_refuses_rtc_write_ioctls);
	tcase_add_test(t, test_noclock_allows_everything_else);
#if defined(__x86_64__)
	tcase_add_test(t, test_noclock_refuses_i386_and_x32_clock_syscalls);
#endif
	tcase_add_test(t, test_noclock_exit_status);
	suite_add_tcase(s, t);

	t = tcase_create("clockshim");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, test_shim_records_clock_linux_ops);
	tcase_add_test(t, test_shim_nocap_denies_every_write);
	tcase_add_test(t, test_shim_no_rtc);
	tcase_add_test(t, test_shim_fail_rtc_and_step);
	tcase_add_test(t, test_shim_without_dir_hides_adjtime_and_systemd);
	tcase_add_test(t, test_shim_state_is_shared_between_processes);
	tcase_add_test(t, test_shim_records_stray_calls);
	tcase_add_test(t, test_shim_adjtimex_follows_the_kernel);
	tcase_add_test(t, test_shim_moves_receive_timestamps);
	suite_add_tcase(s, t);
	return s;
}

static int test_find_self(void)
{
	char dir[4096];
	const char *here;
	ssize_t n = readlink("/proc/self/exe", test_self, sizeof(test_self) - 1);

	if (n < 0)
		return -errno;
	test_self[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", test_self);
	here = dirname(dir);
	if (getenv("TEST_SHIM_PRELOAD"))
		snprintf(test_preload, sizeof(test_preload), "%s", getenv("TEST_SHIM_PRELOAD"));
	else
		snprintf(test_preload, sizeof(test_preload), "%s/clockshim.so", here);
	if (getenv("TEST_SHIM_NOCLOCK"))
		snprintf(test_noclock, sizeof(test_noclock), "%s", getenv("TEST_SHIM_NOCLOCK"));
	else
		snprintf(test_noclock, sizeof(test_noclock), "%s/noclock", here);
	return 0;
}

int main(int argc, char **argv)
{
	int64_t raw0, raw1;
	SRunner *sr;
	int failed;

	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], argv[3]);
	if (!test_noclock_is_active()) {
		fprintf(stderr, "test_shim: not under noclock: refusing to run "
				"(run it as: noclock test_shim)\n");
		return 1;
	}
	if (test_find_self() < 0) {
		fprintf(stderr, "test_shim: cannot find myself: %s\n", strerror(errno));
		return 1;
	}
	raw0 = test_raw_offset_ns();
	sr = srunner_create(test_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	raw1 = test_raw_offset_ns();
	if (test_abs(raw1 - raw0) > 5 * NS_PER_MS) {
		fprintf(stderr, "test_shim: the real clock moved by %" PRId64 " ns\n", raw1 - raw0);
		failed++;
	}
	return failed == 0 ? 0 : 1;
}
