/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clockshim.so: an LD_PRELOAD library that gives a process a virtual kernel
 * clock and records every attempt to change it. Nothing that writes the
 * clock or the RTC is ever passed on to the kernel.
 *
 * The virtual CLOCK_REALTIME is the real one plus the sum of the steps plus
 * what the single-shot slews have applied so far (500 ppm of the
 * CLOCK_MONOTONIC time since each began). The adjtimex family answers from
 * a virtual NTP state with the kernel's semantics (kernel/time/ntp.c and
 * timekeeping.c of Linux 6.1) for the modes tset uses. /dev/rtc0 is a fake
 * fd; /etc/adjtime and /run/systemd are redirected under $CLOCKSHIM_DIR.
 *
 * README.md beside this file documents the environment and the record
 * format. Not thread-safe: tset is single threaded.
 */

/* The interposed symbols must keep their own names: meson defines
 * _FILE_OFFSET_BITS=64, which would turn open() into open64(). */
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/rtc.h>
#include <linux/sockios.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define SHIM_EXPORT __attribute__((visibility("default")))

#define NS_PER_S  1000000000LL
#define NS_PER_US 1000LL
#define US_PER_S  1000000LL

/* kernel/time/ntp.c: NTP_PHASE_LIMIT = (MAXPHASE / NSEC_PER_USEC) << 5,
 * what maxerror and esterror are after boot or a step (microseconds). */
#define SHIM_PHASE_LIMIT_US 16000000L
/* second_overflow(): maxerror grows by MAXFREQ / NSEC_PER_USEC each second */
#define SHIM_MAXERROR_GROWTH_US 500L
/* adjtime() slews at 500 ppm: 1 ns of correction per 2000 ns */
#define SHIM_SLEW_DIVISOR 2000LL
/* defaults of a fresh kernel: time_constant, tick_usec (USER_HZ 100),
 * tolerance (MAXFREQ_SCALED / PPM_SCALE) */
#define SHIM_TIME_CONSTANT 2L
#define SHIM_TICK_US	   10000L
#define SHIM_TOLERANCE	   32768000L
#define SHIM_MAXTC	   10L
/* the kernel's own mode bits (include/uapi/linux/timex.h under __KERNEL__):
 * ADJ_OFFSET_SINGLESHOT is ADJ_ADJTIME | ADJ_OFFSET */
#define SHIM_ADJ_ADJTIME	 0x8000
#define SHIM_ADJ_OFFSET_READONLY 0x2000
/* maxerror and esterror of CLOCKSHIM_STATUS=sync unless given */
#define SHIM_SYNC_ERROR_US 1000L
/* timekeeping: TIME_SETTOD_SEC_MAX = KTIME_SEC_MAX - 30 years */
#define SHIM_SETTOD_SEC_MAX 8277292036LL
/* glibc's adjtime() refuses deltas beyond INT_MAX microseconds, about */
#define SHIM_ADJTIME_MAX_SEC (INT_MAX / 1000000L - 2)
#define SHIM_ADJTIME_MIN_SEC (INT_MIN / 1000000L + 2)

#define SHIM_STATE_MAGIC "clockshim-state 1"
#define SHIM_MAX_FD	 4096
#define SHIM_PATH_MAX	 4096

/*
 * The virtual kernel clock: what the kernel keeps in timekeeping and ntp.
 * All int64_t, so that the state file is a list of "name value" lines.
 * Instants are CLOCK_MONOTONIC, which every process on the machine shares.
 */
struct shim_kernel {
	int64_t step_ns;       /* sum of the steps: virtual minus real */
	int64_t slewed_ns;     /* what finished or replaced slews applied */
	int64_t slew_ns;       /* the current single-shot slew (whole us) */
	int64_t slew_start_ns; /* when it began */
	int64_t status;	       /* time_status */
	int64_t status_at_ns;  /* when ADJ_STATUS last wrote it */
	int64_t maxerror_us;   /* as written at maxerror_at_ns */
	int64_t maxerror_at_ns;
	int64_t esterror_us;
	int64_t freq, constant, tick, tai;
	int64_t rtc_set; /* the RTC was written: rtc_s at rtc_at_ns */
	int64_t rtc_s;
	int64_t rtc_at_ns;
};

/* What the environment asks for, read once. */
struct shim_config {
	const char *log;
	const char *dir;
	const char *state;
	bool no_rtc, nocap, verbose;
	int fail_rtc, fail_step; /* 0 or the errno to fail with */
};

static struct shim_config shim_cfg;
static struct shim_kernel shim_k;
static bool shim_ready;
static bool shim_log_warned;
static struct {
	dev_t dev;
	ino_t ino;
	struct timespec mtim;
	off_t size;
	bool valid;
} shim_state_seen;
static unsigned char shim_rtc_fds[SHIM_MAX_FD / 8];

/* The next definition of each symbol (libc's, or a sanitizer's wrapper). */
#define SHIM_REAL(ret, name, params)                                                               \
	static ret(*real_##name) params;                                                           \
	static ret(*shim_next_##name(void)) params                                                 \
	{                                                                                          \
		if (!real_##name)                                                                  \
			*(void **)&real_##name = dlsym(RTLD_NEXT, #name);                          \
		return real_##name;                                                                \
	}

SHIM_REAL(int, clock_gettime, (clockid_t, struct timespec *))
SHIM_REAL(int, open, (const char *, int, ...))
SHIM_REAL(int, open64, (const char *, int, ...))
SHIM_REAL(int, openat, (int, const char *, int, ...))
SHIM_REAL(int, openat64, (int, const char *, int, ...))
SHIM_REAL(FILE *, fopen, (const char *, const char *))
SHIM_REAL(FILE *, fopen64, (const char *, const char *))
SHIM_REAL(int, close, (int))
SHIM_REAL(int, access, (const char *, int))
SHIM_REAL(int, faccessat, (int, const char *, int, int))
SHIM_REAL(int, stat, (const char *, struct stat *))
SHIM_REAL(int, stat64, (const char *, struct stat64 *))
SHIM_REAL(int, lstat, (const char *, struct stat *))
SHIM_REAL(int, lstat64, (const char *, struct stat64 *))
SHIM_REAL(int, fstatat, (int, const char *, struct stat *, int))
SHIM_REAL(int, fstatat64, (int, const char *, struct stat64 *, int))
SHIM_REAL(int, statx, (int, const char *, int, unsigned, struct statx *))
SHIM_REAL(int, mkdir, (const char *, mode_t))
SHIM_REAL(int, mkdirat, (int, const char *, mode_t))
SHIM_REAL(int, utimensat, (int, const char *, const struct timespec *, int))
SHIM_REAL(int, ioctl, (int, unsigned long, ...))
SHIM_REAL(ssize_t, recvmsg, (int, struct msghdr *, int))
SHIM_REAL(int, recvmmsg, (int, struct mmsghdr *, unsigned, int, struct timespec *))

/* ---- helpers ---------------------------------------------------------- */

static int64_t shim_ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec;
}

static void shim_ns_ts(int64_t ns, struct timespec *ret)
{
	ret->tv_sec = (time_t)(ns / NS_PER_S);
	ret->tv_nsec = (long)(ns % NS_PER_S);
	if (ret->tv_nsec < 0) {
		ret->tv_nsec += NS_PER_S;
		ret->tv_sec--;
	}
}

/* The kernel's own clocks, never the virtual ones. */
static int64_t shim_real_ns(clockid_t clk)
{
	struct timespec ts = { 0, 0 };

	if (shim_next_clock_gettime())
		real_clock_gettime(clk, &ts);
	return shim_ts_ns(&ts);
}

static const char *shim_errno_name(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "EUNKNOWN";
}

/* "1" means the default errno; an errno name ("EINVAL") means that one. */
static int shim_parse_fail(const char *v, int dflt)
{
	if (!v || !*v || strcmp(v, "0") == 0)
		return 0;
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (name && strcmp(name, v) == 0)
			return e;
	}
	return dflt;
}

static bool shim_env_true(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static void shim_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shim_warn(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, "clockshim: ", 11);
	(void)!write(STDERR_FILENO, buf, (size_t)n);
}

/*
 * One record: one line, written with one write() on an fd opened for it
 * (O_APPEND: processes sharing the log do not tear each other's lines; an
 * fd kept open could be closed or reused by a program that closes fds).
 */
static void shim_record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shim_record(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n, fd, saved = errno;

	if (!shim_cfg.log || !shim_next_open())
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto out;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	fd = real_open(shim_cfg.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		if (!shim_log_warned)
			shim_warn("cannot write log \"%s\": %s", shim_cfg.log, strerror(errno));
		shim_log_warned = true;
	}
	if (fd >= 0)
		(void)shim_next_close()(fd);
out:
	errno = saved;
}

static void shim_record_denied(const char *what, int err)
{
	shim_record("denied %s %s", what, shim_errno_name(err));
}

/* ---- configuration and state file ------------------------------------- */

static bool shim_parse_long(const char *s, int64_t *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return false;
	*ret = v;
	return true;
}

static int shim_parse_status(const char *v, struct shim_kernel *k)
{
	bool maxerror_given = false, esterror_given = false;
	char buf[256], *save = NULL;

	k->status = STA_UNSYNC;
	if (!v)
		return 0;
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (strcmp(w, "unsync") == 0)
			k->status |= STA_UNSYNC;
		else if (strcmp(w, "sync") == 0)
			k->status &= ~STA_UNSYNC;
		else if (strcmp(w, "pll") == 0)
			k->status |= STA_PLL;
		else if (strcmp(w, "ins") == 0)
			k->status |= STA_INS;
		else if (strcmp(w, "del") == 0)
			k->status |= STA_DEL;
		else if (strcmp(w, "nano") == 0)
			k->status |= STA_NANO;
		else if (strncmp(w, "maxerror=", 9) == 0 && shim_parse_long(w + 9, &k->maxerror_us))
			maxerror_given = true;
		else if (strncmp(w, "esterror=", 9) == 0 && shim_parse_long(w + 9, &k->esterror_us))
			esterror_given = true;
		else
			return -EINVAL;
	}
	/* a synchronised kernel has not reached NTP_PHASE_LIMIT */
	if (!(k->status & STA_UNSYNC) && !maxerror_given)
		k->maxerror_us = SHIM_SYNC_ERROR_US;
	if (!(k->status & STA_UNSYNC) && !esterror_given)
		k->esterror_us = SHIM_SYNC_ERROR_US;
	return 0;
}

static const struct {
	const char *key;
	size_t off;
} shim_state_fields[] = {
	{ "step_ns", offsetof(struct shim_kernel, step_ns) },
	{ "slewed_ns", offsetof(struct shim_kernel, slewed_ns) },
	{ "slew_ns", offsetof(struct shim_kernel, slew_ns) },
	{ "slew_start_ns", offsetof(struct shim_kernel, slew_start_ns) },
	{ "status", offsetof(struct shim_kernel, status) },
	{ "status_at_ns", offsetof(struct shim_kernel, status_at_ns) },
	{ "maxerror_us", offsetof(struct shim_kernel, maxerror_us) },
	{ "maxerror_at_ns", offsetof(struct shim_kernel, maxerror_at_ns) },
	{ "esterror_us", offsetof(struct shim_kernel, esterror_us) },
	{ "freq", offsetof(struct shim_kernel, freq) },
	{ "constant", offsetof(struct shim_kernel, constant) },
	{ "tick", offsetof(struct shim_kernel, tick) },
	{ "tai", offsetof(struct shim_kernel, tai) },
	{ "rtc_set", offsetof(struct shim_kernel, rtc_set) },
	{ "rtc_s", offsetof(struct shim_kernel, rtc_s) },
	{ "rtc_at_ns", offsetof(struct shim_kernel, rtc_at_ns) },
};

static int64_t *shim_state_field(struct shim_kernel *k, size_t i)
{
	return (int64_t *)(void *)((char *)k + shim_state_fields[i].off);
}

/* Parse "key value" lines into *k; unknown keys are ignored. */
static int shim_state_parse(char *buf, struct shim_kernel *k)
{
	char *save = NULL, *line = strtok_r(buf, "\n", &save);

	if (!line || strcmp(line, SHIM_STATE_MAGIC) != 0)
		return -EINVAL;
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *sp = strchr(line, ' '), *end;
		long long v;

		if (!sp)
			return -EINVAL;
		*sp = '\0';
		errno = 0;
		v = strtoll(sp + 1, &end, 10);
		if (errno || *end)
			return -EINVAL;
		for (size_t i = 0; i < sizeof(shim_state_fields) / sizeof(shim_state_fields[0]);
		     i++)
			if (strcmp(line, shim_state_fields[i].key) == 0)
				*shim_state_field(k, i) = v;
	}
	return 0;
}

/* Reload the state file when it changed since we last saw it. */
static void shim_state_load(bool force)
{
	struct shim_kernel k = shim_k;
	struct stat st;
	char buf[2048];
	ssize_t n;
	int fd;

	if (!shim_cfg.state || !shim_next_stat() || !shim_next_open())
		return;
	if (real_stat(shim_cfg.state, &st) < 0)
		return;
	if (!force && shim_state_seen.valid && st.st_dev == shim_state_seen.dev &&
	    st.st_ino == shim_state_seen.ino && st.st_size == shim_state_seen.size &&
	    st.st_mtim.tv_sec == shim_state_seen.mtim.tv_sec &&
	    st.st_mtim.tv_nsec == shim_state_seen.mtim.tv_nsec)
		return;
	fd = real_open(shim_cfg.state, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0)
		st.st_ino = 0;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)shim_next_close()(fd);
	if (n < 0)
		return;
	buf[n] = '\0';
	if (shim_state_parse(buf, &k) < 0) {
		shim_warn("ignoring malformed state file \"%s\"", shim_cfg.state);
		return;
	}
	shim_k = k;
	shim_state_seen.dev = st.st_dev;
	shim_state_seen.ino = st.st_ino;
	shim_state_seen.size = st.st_size;
	shim_state_seen.mtim = st.st_mtim;
	shim_state_seen.valid = true;
}

/* Write the state file: a temporary file renamed over it. */
static void shim_state_save(void)
{
	char tmp[SHIM_PATH_MAX], buf[2048];
	size_t len = 0;
	int fd;

	if (!shim_cfg.state)
		return;
	len += (size_t)snprintf(buf, sizeof(buf), "%s\n", SHIM_STATE_MAGIC);
	for (size_t i = 0; i < sizeof(shim_state_fields) / sizeof(shim_state_fields[0]); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %lld\n",
					shim_state_fields[i].key,
					(long long)*shim_state_field(&shim_k, i));
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", shim_cfg.state, (long)getpid());
	fd = real_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		shim_warn("cannot write state file \"%s\": %s", tmp, strerror(errno));
		if (fd >= 0)
			(void)shim_next_close()(fd);
		return;
	}
	(void)shim_next_close()(fd);
	if (rename(tmp, shim_cfg.state) < 0) {
		shim_warn("cannot rename \"%s\": %s", tmp, strerror(errno));
		unlink(tmp);
		return;
	}
	shim_state_seen.valid = false; /* our own write: reload is harmless */
}

/* Serialise read-modify-write of the state file between processes. */
static int shim_state_lock(void)
{
	char path[SHIM_PATH_MAX];
	int fd;

	if (!shim_cfg.state)
		return -1;
	snprintf(path, sizeof(path), "%s.lock", shim_cfg.state);
	fd = real_open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
		;
	return fd;
}

static void shim_state_unlock(int fd)
{
	if (fd >= 0)
		(void)shim_next_close()(fd);
}

static void shim_init(void)
{
	int saved = errno;

	if (shim_ready)
		return;
	shim_ready = true;
	shim_cfg.log = getenv("CLOCKSHIM_LOG");
	shim_cfg.dir = getenv("CLOCKSHIM_DIR");
	shim_cfg.state = getenv("CLOCKSHIM_STATE");
	if (shim_cfg.state && !*shim_cfg.state)
		shim_cfg.state = NULL;
	shim_cfg.no_rtc = shim_env_true("CLOCKSHIM_NO_RTC");
	shim_cfg.nocap = shim_env_true("CLOCKSHIM_NOCAP");
	shim_cfg.verbose = shim_env_true("CLOCKSHIM_VERBOSE");
	shim_cfg.fail_rtc = shim_parse_fail(getenv("CLOCKSHIM_FAIL_RTC"), EIO);
	shim_cfg.fail_step = shim_parse_fail(getenv("CLOCKSHIM_FAIL_STEP"), EINVAL);
	shim_k = (struct shim_kernel){
		.maxerror_us = SHIM_PHASE_LIMIT_US,
		.maxerror_at_ns = shim_real_ns(CLOCK_MONOTONIC),
		.esterror_us = SHIM_PHASE_LIMIT_US,
		.constant = SHIM_TIME_CONSTANT,
		.tick = SHIM_TICK_US,
	};
	if (shim_parse_status(getenv("CLOCKSHIM_STATUS"), &shim_k) < 0)
		shim_warn("bad CLOCKSHIM_STATUS \"%s\"", getenv("CLOCKSHIM_STATUS"));
	shim_state_load(true);
	errno = saved;
}

/* Bring the state up to date before using it. */
static void shim_enter(void)
{
	shim_init();
	shim_state_load(false);
}

/* ---- the virtual kernel clock ----------------------------------------- */

/* What the current slew has applied by CLOCK_MONOTONIC now_ns. */
static int64_t shim_slew_applied_ns(int64_t now_ns)
{
	int64_t done, total = shim_k.slew_ns < 0 ? -shim_k.slew_ns : shim_k.slew_ns;

	if (shim_k.slew_ns == 0 || now_ns <= shim_k.slew_start_ns)
		return 0;
	done = (now_ns - shim_k.slew_start_ns) / SHIM_SLEW_DIVISOR;
	if (done > total)
		done = total;
	return shim_k.slew_ns < 0 ? -done : done;
}

/* Virtual CLOCK_REALTIME minus the real one at CLOCK_MONOTONIC now_ns. */
static int64_t shim_offset_ns(int64_t now_ns)
{
	return shim_k.step_ns + shim_k.slewed_ns + shim_slew_applied_ns(now_ns);
}

static int64_t shim_virtual_now_ns(void)
{
	int64_t mono = shim_real_ns(CLOCK_MONOTONIC);

	return shim_real_ns(CLOCK_REALTIME) + shim_offset_ns(mono);
}

/* adjtime()'s remaining correction, in microseconds as the kernel keeps it. */
static long shim_slew_left_us(int64_t now_ns)
{
	return (long)((shim_k.slew_ns - shim_slew_applied_ns(now_ns)) / NS_PER_US);
}

/* Start a single-shot slew of offset_us, replacing the one in progress:
 * what it applied so far stays applied. */
static void shim_slew_start(long offset_us, int64_t now_ns)
{
	shim_k.slewed_ns += shim_slew_applied_ns(now_ns);
	shim_k.slew_ns = (int64_t)offset_us * NS_PER_US;
	shim_k.slew_start_ns = now_ns;
}

/*
 * second_overflow(): once a second maxerror grows by 500 us; past
 * NTP_PHASE_LIMIT it is clamped and STA_UNSYNC is set. Our seconds count
 * from the last maxerror write (the kernel's from its own second edges).
 */
static int64_t shim_ticks(int64_t now_ns)
{
	int64_t k = (now_ns - shim_k.maxerror_at_ns) / NS_PER_S;

	return k < 0 ? 0 : k;
}

static long shim_maxerror_us(int64_t now_ns)
{
	int64_t k = shim_ticks(now_ns), v;

	if (k == 0)
		return (long)shim_k.maxerror_us;
	if (shim_k.maxerror_us >= SHIM_PHASE_LIMIT_US ||
	    k > SHIM_PHASE_LIMIT_US / SHIM_MAXERROR_GROWTH_US)
		return SHIM_PHASE_LIMIT_US;
	v = shim_k.maxerror_us + k * SHIM_MAXERROR_GROWTH_US;
	return v > SHIM_PHASE_LIMIT_US ? SHIM_PHASE_LIMIT_US : (long)v;
}

/* Has a second edge after the last status write pushed maxerror past the
 * limit (and so set STA_UNSYNC)? */
static bool shim_grown_unsync(int64_t now_ns)
{
	int64_t k = shim_ticks(now_ns), cross;

	if (k == 0)
		return false;
	if (shim_k.maxerror_us >= SHIM_PHASE_LIMIT_US)
		cross = 1;
	else
		cross = (SHIM_PHASE_LIMIT_US - shim_k.maxerror_us) / SHIM_MAXERROR_GROWTH_US + 1;
	return k >= cross && shim_k.maxerror_at_ns + k * NS_PER_S > shim_k.status_at_ns;
}

static int shim_status(int64_t now_ns)
{
	return (int)(shim_grown_unsync(now_ns) ? shim_k.status | STA_UNSYNC : shim_k.status);
}

static void shim_set_maxerror(long us, int64_t now_ns)
{
	shim_k.status = shim_status(now_ns);
	shim_k.maxerror_us = us;
	shim_k.maxerror_at_ns = now_ns;
}

/* ntp_clear(), which every step and settimeofday calls: stop adjtime(),
 * unsynchronised, maxerror and esterror at the limit. */
static void shim_ntp_clear(int64_t now_ns)
{
	shim_slew_start(0, now_ns);
	shim_k.status |= STA_UNSYNC;
	shim_set_maxerror(SHIM_PHASE_LIMIT_US, now_ns);
	shim_k.esterror_us = SHIM_PHASE_LIMIT_US;
}

/* kernel/time/ntp.c is_error_status() */
static bool shim_is_error_status(int status)
{
	return (status & (STA_UNSYNC | STA_CLOCKERR)) ||
	       ((status & (STA_PPSFREQ | STA_PPSTIME)) && !(status & STA_PPSSIGNAL)) ||
	       ((status & (STA_PPSTIME | STA_PPSJITTER)) == (STA_PPSTIME | STA_PPSJITTER)) ||
	       ((status & STA_PPSFREQ) && (status & (STA_PPSWANDER | STA_PPSERROR)));
}

/* time_state: the leap state machine moves to TIME_INS/TIME_DEL at the next
 * second overflow after STA_INS/STA_DEL is set; we do it at once. */
static int shim_time_state(int status)
{
	if (shim_is_error_status(status))
		return TIME_ERROR;
	if (status & STA_INS)
		return TIME_INS;
	if (status & STA_DEL)
		return TIME_DEL;
	return TIME_OK;
}

/* The new realtime must be valid and not before CLOCK_MONOTONIC
 * (timekeeping_inject_offset, do_settimeofday64). */
static bool shim_realtime_is_valid(int64_t new_ns)
{
	if (new_ns < shim_real_ns(CLOCK_MONOTONIC))
		return false;
	return new_ns >= 0 && new_ns / NS_PER_S < SHIM_SETTOD_SEC_MAX;
}

/* Apply a step of delta_ns (already validated and allowed). */
static int shim_step(int64_t delta_ns, int64_t now_ns)
{
	int r = 0;

	if (!shim_realtime_is_valid(shim_virtual_now_ns() + delta_ns))
		r = -EINVAL;
	else
		shim_k.step_ns += delta_ns;
	/* like the kernel: NTP state is cleared even when the step fails */
	shim_ntp_clear(now_ns);
	return r;
}

static void shim_fmt_ns(int64_t ns, char *buf, size_t len)
{
	struct timespec ts;

	shim_ns_ts(ns, &ts);
	snprintf(buf, len, "%lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
}

static int shim_fail(int err)
{
	errno = err;
	return -1;
}

/* Fill the read fields of *tx as __do_adjtimex does. */
static void shim_adjtimex_fill(struct timex *tx, int64_t now_ns)
{
	struct timespec ts;
	int status = shim_status(now_ns);

	if (!(tx->modes & SHIM_ADJ_ADJTIME))
		tx->offset = 0; /* time_offset: no PLL here */
	tx->freq = (long)shim_k.freq;
	tx->maxerror = shim_maxerror_us(now_ns);
	tx->esterror = (long)shim_k.esterror_us;
	tx->status = status;
	tx->constant = (long)shim_k.constant;
	tx->precision = 1;
	tx->tolerance = SHIM_TOLERANCE;
	tx->tick = (long)shim_k.tick;
	tx->tai = (int)shim_k.tai;
	tx->ppsfreq = tx->jitter = tx->stabil = 0;
	tx->shift = 0;
	tx->jitcnt = tx->calcnt = tx->errcnt = tx->stbcnt = 0;
	shim_ns_ts(shim_real_ns(CLOCK_REALTIME) + shim_offset_ns(now_ns), &ts);
	tx->time.tv_sec = ts.tv_sec;
	tx->time.tv_usec = (status & STA_NANO) ? ts.tv_nsec : ts.tv_nsec / NS_PER_US;
}

/* kernel/time/ntp.c process_adj_status() */
static void shim_adj_status(int new_status)
{
	if ((shim_k.status & STA_PLL) && !(new_status & STA_PLL))
		shim_k.status = STA_UNSYNC;
	shim_k.status &= STA_RONLY;
	shim_k.status |= new_status & ~STA_RONLY;
}

/* The writes of a non-adjtime() call (process_adjtimex_modes). */
static void shim_adjtimex_modes(const struct timex *tx, int64_t now_ns)
{
	unsigned modes = tx->modes;

	if (modes & ADJ_STATUS) {
		shim_k.status = shim_status(now_ns);
		shim_adj_status(tx->status);
		shim_k.status_at_ns = now_ns;
	}
	if (modes & ADJ_NANO)
		shim_k.status |= STA_NANO;
	if (modes & ADJ_MICRO)
		shim_k.status &= ~STA_NANO;
	if (modes & ADJ_FREQUENCY)
		shim_k.freq = tx->freq;
	if (modes & ADJ_MAXERROR)
		shim_set_maxerror(tx->maxerror, now_ns);
	if (modes & ADJ_ESTERROR)
		shim_k.esterror_us = tx->esterror;
	if (modes & ADJ_TIMECONST) {
		long c = tx->constant + ((shim_k.status & STA_NANO) ? 0 : 4);

		shim_k.constant = c < 0 ? 0 : c > SHIM_MAXTC ? SHIM_MAXTC : c;
	}
	if ((modes & ADJ_TAI) && tx->constant >= 0 && tx->constant <= 1000)
		shim_k.tai = tx->constant;
	if (modes & ADJ_TICK)
		shim_k.tick = tx->tick;
	/* ADJ_OFFSET (the PLL's phase offset) is recorded, not emulated */
}

/* What a write is called in "denied" and "invalid" records. */
static const char *shim_adjtimex_what(const struct timex *tx)
{
	if (tx->modes & ADJ_SETOFFSET)
		return "step";
	if (tx->modes & SHIM_ADJ_ADJTIME)
		return tx->offset ? "slew" : "slew-cancel";
	if (tx->modes & (ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR))
		return "status";
	return "adjtimex";
}

/* timekeeping_validate_timex(): 0, or the errno. */
static int shim_adjtimex_validate(const struct timex *tx, bool *ret_write)
{
	unsigned modes = tx->modes;

	if (modes & SHIM_ADJ_ADJTIME)
		*ret_write = !(modes & SHIM_ADJ_OFFSET_READONLY);
	else
		*ret_write = modes != 0;
	if (*ret_write && shim_cfg.nocap)
		return EPERM;
	if (!(modes & SHIM_ADJ_ADJTIME) && (modes & ADJ_TICK) &&
	    (tx->tick < 900000 / 100 || tx->tick > 1100000 / 100))
		return EINVAL;
	if (modes & ADJ_SETOFFSET) {
		long lim = (modes & ADJ_NANO) ? 1000000000L : 1000000L;

		if (tx->time.tv_usec < 0 || tx->time.tv_usec >= lim)
			return EINVAL;
	}
	return 0;
}

/* The step of an ADJ_SETOFFSET, in nanoseconds; false when out of range. */
static bool shim_setoffset_ns(const struct timex *tx, int64_t *ret)
{
	int64_t frac = tx->time.tv_usec;

	if (tx->time.tv_sec > SHIM_SETTOD_SEC_MAX || tx->time.tv_sec < -SHIM_SETTOD_SEC_MAX)
		return false;
	if (!(tx->modes & ADJ_NANO))
		frac *= NS_PER_US;
	*ret = (int64_t)tx->time.tv_sec * NS_PER_S + frac;
	return true;
}

/* The adjtimex family on CLOCK_REALTIME: do_adjtimex() and __do_adjtimex(). */
static int shim_adjtimex(struct timex *tx)
{
	int64_t now = shim_real_ns(CLOCK_MONOTONIC), delta = 0;
	const char *what = shim_adjtimex_what(tx);
	bool writes;
	int err, lock, r;

	err = shim_adjtimex_validate(tx, &writes);
	if (err) {
		if (err == EPERM)
			shim_record_denied(what, err);
		else
			shim_record("invalid %s %s", what, shim_errno_name(err));
		return shim_fail(err);
	}
	if (!writes) {
		if (shim_cfg.verbose)
			shim_record("read adjtimex modes 0x%x", tx->modes);
		if (tx->modes & SHIM_ADJ_ADJTIME)
			tx->offset = shim_slew_left_us(now);
		shim_adjtimex_fill(tx, now);
		return shim_time_state(tx->status);
	}
	if ((tx->modes & ADJ_SETOFFSET) && shim_cfg.fail_step) {
		shim_record_denied("step", shim_cfg.fail_step);
		return shim_fail(shim_cfg.fail_step);
	}
	lock = shim_state_lock();
	shim_state_load(true);
	if (tx->modes & ADJ_SETOFFSET) {
		if (!shim_setoffset_ns(tx, &delta))
			r = -EINVAL;
		else
			r = shim_step(delta, now);
		if (r < 0) {
			shim_record("invalid step %s", shim_errno_name(-r));
			shim_state_save();
			shim_state_unlock(lock);
			return shim_fail(-r);
		}
		shim_record("step %lld", (long long)delta);
	}
	if (tx->modes & SHIM_ADJ_ADJTIME) {
		long save = shim_slew_left_us(now);

		shim_slew_start(tx->offset, now);
		if (tx->offset)
			shim_record("slew %lld", (long long)tx->offset * NS_PER_US);
		else
			shim_record("slew-cancel");
		tx->offset = save;
	} else {
		shim_adjtimex_modes(tx, now);
		if (tx->modes & (ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR))
			shim_record("status 0x%x maxerror %ld esterror %ld", shim_status(now),
				    shim_maxerror_us(now), (long)shim_k.esterror_us);
		if (tx->modes & ~(ADJ_SETOFFSET | ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR |
				  ADJ_NANO | ADJ_MICRO))
			shim_record("adjtimex modes 0x%x", tx->modes);
	}
	shim_state_save();
	shim_state_unlock(lock);
	shim_adjtimex_fill(tx, now);
	return shim_time_state(tx->status);
}

/* ---- interposed: the adjtimex family ---------------------------------- */

SHIM_EXPORT int clock_adjtime(clockid_t clk, struct timex *tx)
{
	shim_enter();
	if (clk != CLOCK_REALTIME) {
		/* never passed on: a dynamic (PTP) clock is hardware too. The
		 * kernel's other clocks cannot be adjusted; unknown ids are
		 * invalid. */
		int err = clk > CLOCK_TAI ? EINVAL : EOPNOTSUPP;

		if (tx->modes)
			shim_record("invalid clock_adjtime %s", shim_errno_name(err));
		return shim_fail(err);
	}
	return shim_adjtimex(tx);
}

SHIM_EXPORT int adjtimex(struct timex *tx)
{
	shim_enter();
	return shim_adjtimex(tx);
}

SHIM_EXPORT int ntp_adjtime(struct timex *tx)
{
	shim_enter();
	return shim_adjtimex(tx);
}

SHIM_EXPORT int ntp_gettimex(struct ntptimeval *ntv)
{
	struct timex tx = { .modes = 0 };
	int r;

	shim_enter();
	r = shim_adjtimex(&tx);
	memset(ntv, 0, sizeof(*ntv));
	/* glibc copies the kernel's time as is: nanoseconds under STA_NANO */
	ntv->time.tv_sec = tx.time.tv_sec;
	ntv->time.tv_usec = tx.time.tv_usec;
	ntv->maxerror = tx.maxerror;
	ntv->esterror = tx.esterror;
	ntv->tai = tx.tai;
	return r;
}

/* glibc's adjtime() over ADJ_OFFSET_SINGLESHOT / ADJ_OFFSET_SS_READ. */
SHIM_EXPORT int adjtime(const struct timeval *delta, struct timeval *olddelta)
{
	long offset_us, old_us;
	int64_t now;
	int lock;

	shim_enter();
	now = shim_real_ns(CLOCK_MONOTONIC);
	if (delta) {
		long sec = delta->tv_sec + delta->tv_usec / US_PER_S;
		long usec = delta->tv_usec % US_PER_S;

		if (sec > SHIM_ADJTIME_MAX_SEC || sec < SHIM_ADJTIME_MIN_SEC) {
			shim_record("invalid adjtime %s", shim_errno_name(EINVAL));
			return shim_fail(EINVAL);
		}
		if (shim_cfg.nocap) {
			shim_record_denied("adjtime", EPERM);
			return shim_fail(EPERM);
		}
		offset_us = usec + sec * US_PER_S;
		lock = shim_state_lock();
		shim_state_load(true);
		shim_record("adjtime %lld", (long long)offset_us * NS_PER_US);
		old_us = shim_slew_left_us(now);
		shim_slew_start(offset_us, now);
		shim_state_save();
		shim_state_unlock(lock);
	} else {
		old_us = shim_slew_left_us(now);
	}
	if (olddelta) {
		olddelta->tv_sec = old_us / US_PER_S;
		olddelta->tv_usec = old_us % US_PER_S;
	}
	return 0;
}

/* settimeofday() and clock_settime() on CLOCK_REALTIME: a step to an
 * absolute time (do_settimeofday64). */
static int shim_settime(const char *who, const struct timespec *ts)
{
	int64_t now = shim_real_ns(CLOCK_MONOTONIC), to, delta;
	char when[40];
	int lock, r;

	if (shim_cfg.nocap) {
		shim_record_denied(who, EPERM);
		return shim_fail(EPERM);
	}
	if (ts->tv_nsec < 0 || ts->tv_nsec >= NS_PER_S || ts->tv_sec < 0 ||
	    ts->tv_sec >= SHIM_SETTOD_SEC_MAX) {
		shim_record("invalid %s %s", who, shim_errno_name(EINVAL));
		return shim_fail(EINVAL);
	}
	lock = shim_state_lock();
	shim_state_load(true);
	to = shim_ts_ns(ts);
	delta = to - shim_virtual_now_ns();
	r = shim_step(delta, now);
	shim_state_save();
	shim_state_unlock(lock);
	if (r < 0) {
		shim_record("invalid %s %s", who, shim_errno_name(-r));
		return shim_fail(-r);
	}
	shim_fmt_ns(to, when, sizeof(when));
	shim_record("%s %s delta %lld", who, when, (long long)delta);
	return 0;
}

SHIM_EXPORT int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	struct timespec ts;

	shim_enter();
	if (tv && tz) /* glibc >= 2.31 */
		return shim_fail(EINVAL);
	if (tz) {
		if (shim_cfg.nocap) {
			shim_record_denied("settimeofday", EPERM);
			return shim_fail(EPERM);
		}
		/* not passed on: the first call can warp a local-time clock */
		shim_record("settimeofday tz %d %d", tz->tz_minuteswest, tz->tz_dsttime);
		return 0;
	}
	if (!tv)
		return 0;
	if (tv->tv_usec < 0 || tv->tv_usec >= US_PER_S) {
		shim_record("invalid settimeofday %s", shim_errno_name(EINVAL));
		return shim_fail(EINVAL);
	}
	ts.tv_sec = tv->tv_sec;
	ts.tv_nsec = tv->tv_usec * NS_PER_US;
	return shim_settime("settimeofday", &ts);
}

SHIM_EXPORT int clock_settime(clockid_t clk, const struct timespec *ts)
{
	shim_enter();
	if (clk != CLOCK_REALTIME) {
		char what[40];

		snprintf(what, sizeof(what), "clock_settime-%d", (int)clk);
		shim_record("invalid %s %s", what, shim_errno_name(EINVAL));
		return shim_fail(EINVAL);
	}
	return shim_settime("clock_settime", ts);
}

/* ---- interposed: reading the clock ------------------------------------ */

static bool shim_clock_is_virtual(clockid_t clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE || clk == CLOCK_TAI ||
	       clk == CLOCK_REALTIME_ALARM;
}

SHIM_EXPORT int clock_gettime(clockid_t clk, struct timespec *ts)
{
	int64_t mono;
	int r;

	if (!shim_next_clock_gettime())
		return shim_fail(ENOSYS);
	if (!shim_clock_is_virtual(clk))
		return real_clock_gettime(clk, ts);
	shim_enter(); /* first: a state reload must not delay the reading */
	r = real_clock_gettime(clk, ts);
	if (r < 0)
		return r;
	mono = shim_k.slew_ns ? shim_real_ns(CLOCK_MONOTONIC) : 0;
	shim_ns_ts(shim_ts_ns(ts) + shim_offset_ns(mono), ts);
	return r;
}

SHIM_EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	if (tz)
		memset(tz, 0, sizeof(struct timezone));
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / NS_PER_US;
	return 0;
}

SHIM_EXPORT time_t time(time_t *t)
{
	struct timespec ts = { 0, 0 };

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

SHIM_EXPORT int timespec_get(struct timespec *ts, int base)
{
	if (base != TIME_UTC)
		return 0;
	return clock_gettime(CLOCK_REALTIME, ts) < 0 ? 0 : base;
}

/* ---- interposed: receive timestamps ----------------------------------- */

/* The kernel stamps packets with its own CLOCK_REALTIME: move those stamps
 * to the virtual clock, as the kernel would after a step. */
static void shim_fix_cmsgs(struct msghdr *mh)
{
	int64_t off;

	if (!mh->msg_control || mh->msg_controllen < sizeof(struct cmsghdr))
		return;
	shim_enter();
	off = shim_offset_ns(shim_k.slew_ns ? shim_real_ns(CLOCK_MONOTONIC) : 0);
	if (off == 0)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		unsigned char *d = CMSG_DATA(c);
		size_t n = c->cmsg_len > CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
		struct timespec ts;
		struct timeval tv;

		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if ((c->cmsg_type == SCM_TIMESTAMPNS || c->cmsg_type == SCM_TIMESTAMPING) &&
		    n >= sizeof(ts)) {
			/* SCM_TIMESTAMPING: ts[0] is the software stamp */
			memcpy(&ts, d, sizeof(ts));
			if (ts.tv_sec || ts.tv_nsec) {
				shim_ns_ts(shim_ts_ns(&ts) + off, &ts);
				memcpy(d, &ts, sizeof(ts));
			}
		} else if (c->cmsg_type == SCM_TIMESTAMP && n >= sizeof(tv)) {
			memcpy(&tv, d, sizeof(tv));
			shim_ns_ts((int64_t)tv.tv_sec * NS_PER_S + tv.tv_usec * NS_PER_US + off,
				   &ts);
			tv.tv_sec = ts.tv_sec;
			tv.tv_usec = ts.tv_nsec / NS_PER_US;
			memcpy(d, &tv, sizeof(tv));
		}
	}
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *mh, int flags)
{
	ssize_t n;

	if (!shim_next_recvmsg())
		return shim_fail(ENOSYS);
	n = real_recvmsg(fd, mh, flags);
	if (n >= 0) {
		int saved = errno;

		shim_fix_cmsgs(mh);
		errno = saved;
	}
	return n;
}

SHIM_EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int len, int flags,
			 struct timespec *timeout)
{
	int n;

	if (!shim_next_recvmmsg())
		return shim_fail(ENOSYS);
	n = real_recvmmsg(fd, v, len, flags, timeout);
	if (n > 0) {
		int saved = errno;

		for (int i = 0; i < n; i++)
			shim_fix_cmsgs(&v[i].msg_hdr);
		errno = saved;
	}
	return n;
}

/* ---- paths ------------------------------------------------------------ */

enum shim_path_kind {
	SHIM_PATH_OTHER = 0,
	SHIM_PATH_RTC,
	SHIM_PATH_REDIRECTED,
	SHIM_PATH_SYNCHRONIZED, /* redirected, and its creation is recorded */
};

static const char *const shim_systemd_prefixes[] = { "/run/systemd", "/var/run/systemd" };

/*
 * Where path really goes. *ret_path is path itself or buf. Returns the
 * kind, or a negative errno: a redirected path without $CLOCKSHIM_DIR
 * does not exist.
 */
static int shim_map_path(const char *path, char *buf, size_t len, const char **ret_path)
{
	const char *rest = NULL, *sub = NULL;
	int kind = SHIM_PATH_REDIRECTED;

	*ret_path = path;
	if (!path || path[0] != '/')
		return SHIM_PATH_OTHER;
	if (strcmp(path, "/dev/rtc0") == 0 || strcmp(path, "/dev/rtc") == 0)
		return SHIM_PATH_RTC;
	if (strcmp(path, "/etc/adjtime") == 0) {
		sub = "adjtime";
		rest = "";
	}
	for (size_t i = 0; !sub && i < sizeof(shim_systemd_prefixes) / sizeof(char *); i++) {
		size_t n = strlen(shim_systemd_prefixes[i]);

		if (strncmp(path, shim_systemd_prefixes[i], n) == 0 &&
		    (path[n] == '\0' || path[n] == '/')) {
			sub = "run-systemd";
			rest = path + n;
		}
	}
	if (!sub)
		return SHIM_PATH_OTHER;
	if (strcmp(rest, "/timesync/synchronized") == 0)
		kind = SHIM_PATH_SYNCHRONIZED;
	shim_init();
	if (!shim_cfg.dir || !*shim_cfg.dir)
		return -ENOENT;
	if ((size_t)snprintf(buf, len, "%s/%s%s", shim_cfg.dir, sub, rest) >= len)
		return -ENAMETOOLONG;
	*ret_path = buf;
	return kind;
}

static void shim_rtc_fd_set(int fd, bool on)
{
	if (fd < 0 || fd >= SHIM_MAX_FD)
		return;
	if (on)
		shim_rtc_fds[fd / 8] |= (unsigned char)(1u << (fd % 8));
	else
		shim_rtc_fds[fd / 8] &= (unsigned char)~(1u << (fd % 8));
}

/* Ours, and still the /dev/null we opened (a program may have closed it
 * behind our back with close_range() and reused the number). */
static bool shim_rtc_fd_is(int fd)
{
	struct stat st;

	if (fd < 0 || fd >= SHIM_MAX_FD || !(shim_rtc_fds[fd / 8] & (1u << (fd % 8))))
		return false;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		shim_rtc_fd_set(fd, false);
		return false;
	}
	return true;
}

static int shim_rtc_open(const char *path, int flags)
{
	int fd;

	shim_init();
	if (shim_cfg.no_rtc)
		return shim_fail(ENOENT);
	if (!shim_next_open())
		return shim_fail(ENOSYS);
	fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC));
	if (fd < 0)
		return -1;
	if (fd >= SHIM_MAX_FD) {
		(void)shim_next_close()(fd);
		return shim_fail(EMFILE);
	}
	shim_rtc_fd_set(fd, true);
	if (shim_cfg.verbose)
		shim_record("read rtc-open %s", path);
	return fd;
}

/* After a successful open of a mapped path. */
static void shim_opened(int kind, int flags, int fd)
{
	if (fd >= 0 && kind == SHIM_PATH_SYNCHRONIZED &&
	    ((flags & O_CREAT) || (flags & O_ACCMODE) != O_RDONLY))
		shim_record("synchronized");
}

static bool shim_open_has_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

static int shim_do_openat(int dirfd, const char *path, int flags, mode_t mode, bool at, bool lfs)
{
	char buf[SHIM_PATH_MAX];
	const char *p;
	int kind = shim_map_path(path, buf, sizeof(buf), &p), fd;

	if (kind < 0)
		return shim_fail(-kind);
	if (kind == SHIM_PATH_RTC)
		return shim_rtc_open(path, flags);
	if (at && lfs)
		fd = shim_next_openat64() ? real_openat64(dirfd, p, flags, mode)
					  : shim_fail(ENOSYS);
	else if (at)
		fd = shim_next_openat() ? real_openat(dirfd, p, flags, mode) : shim_fail(ENOSYS);
	else if (lfs)
		fd = shim_next_open64() ? real_open64(p, flags, mode) : shim_fail(ENOSYS);
	else
		fd = shim_next_open() ? real_open(p, flags, mode) : shim_fail(ENOSYS);
	shim_opened(kind, flags, fd);
	return fd;
}

#define SHIM_VA_MODE(flags, last)                                                                  \
	mode_t mode = 0;                                                                           \
	if (shim_open_has_mode(flags)) {                                                           \
		va_list ap;                                                                        \
		va_start(ap, last);                                                                \
		mode = (mode_t)va_arg(ap, int);                                                    \
		va_end(ap);                                                                        \
	}

SHIM_EXPORT int open(const char *path, int flags, ...)
{
	SHIM_VA_MODE(flags, flags)
	return shim_do_openat(AT_FDCWD, path, flags, mode, false, false);
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	SHIM_VA_MODE(flags, flags)
	return shim_do_openat(AT_FDCWD, path, flags, mode, false, true);
}

SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	SHIM_VA_MODE(flags, flags)
	return shim_do_openat(dirfd, path, flags, mode, true, false);
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	SHIM_VA_MODE(flags, flags)
	return shim_do_openat(dirfd, path, flags, mode, true, true);
}

/* _FORTIFY_SOURCE's checked variants (never with O_CREAT) */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

SHIM_EXPORT int __open_2(const char *path, int flags)
{
	return shim_do_openat(AT_FDCWD, path, flags, 0, false, false);
}

SHIM_EXPORT int __open64_2(const char *path, int flags)
{
	return shim_do_openat(AT_FDCWD, path, flags, 0, false, true);
}

SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return shim_do_openat(dirfd, path, flags, 0, true, false);
}

SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return shim_do_openat(dirfd, path, flags, 0, true, true);
}

SHIM_EXPORT int creat(const char *path, mode_t mode)
{
	return shim_do_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode, false, false);
}

SHIM_EXPORT int creat64(const char *path, mode_t mode)
{
	return shim_do_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode, false, true);
}

static FILE *shim_do_fopen(const char *path, const char *how, bool lfs)
{
	char buf[SHIM_PATH_MAX];
	const char *p;
	int kind = shim_map_path(path, buf, sizeof(buf), &p);
	FILE *f;

	if (kind < 0) {
		errno = -kind;
		return NULL;
	}
	if (kind == SHIM_PATH_RTC) {
		int fd = shim_rtc_open(path, strchr(how, 'e') ? O_CLOEXEC : 0);

		if (fd < 0)
			return NULL;
		f = fdopen(fd, how);
		if (!f)
			(void)shim_next_close()(fd);
		return f;
	}
	if (lfs)
		f = shim_next_fopen64() ? real_fopen64(p, how) : NULL;
	else
		f = shim_next_fopen() ? real_fopen(p, how) : NULL;
	if (kind == SHIM_PATH_SYNCHRONIZED && f && (how[0] == 'w' || how[0] == 'a'))
		shim_record("synchronized");
	return f;
}

SHIM_EXPORT FILE *fopen(const char *path, const char *how)
{
	return shim_do_fopen(path, how, false);
}

SHIM_EXPORT FILE *fopen64(const char *path, const char *how)
{
	return shim_do_fopen(path, how, true);
}

SHIM_EXPORT int close(int fd)
{
	shim_rtc_fd_set(fd, false);
	if (!shim_next_close())
		return shim_fail(ENOSYS);
	return real_close(fd);
}

/* Mapped, but never the RTC: stat and access of /dev/rtc* see the real
 * node (reading it changes nothing). */
#define SHIM_MAPPED(path, p)                                                                       \
	char buf[SHIM_PATH_MAX];                                                                   \
	const char *p;                                                                             \
	int kind = shim_map_path(path, buf, sizeof(buf), &p);                                      \
	if (kind == SHIM_PATH_RTC)                                                                 \
		p = path;                                                                          \
	else if (kind < 0)                                                                         \
		return shim_fail(-kind);

#define SHIM_PASS(name, ...) (shim_next_##name() ? real_##name(__VA_ARGS__) : shim_fail(ENOSYS))

SHIM_EXPORT int access(const char *path, int how)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(access, p, how);
}

SHIM_EXPORT int faccessat(int dirfd, const char *path, int how, int flags)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(faccessat, dirfd, p, how, flags);
}

SHIM_EXPORT int stat(const char *restrict path, struct stat *restrict st)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(stat, p, st);
}

SHIM_EXPORT int stat64(const char *restrict path, struct stat64 *restrict st)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(stat64, p, st);
}

SHIM_EXPORT int lstat(const char *restrict path, struct stat *restrict st)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(lstat, p, st);
}

SHIM_EXPORT int lstat64(const char *restrict path, struct stat64 *restrict st)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(lstat64, p, st);
}

SHIM_EXPORT int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(fstatat, dirfd, p, st, flags);
}

SHIM_EXPORT int fstatat64(int dirfd, const char *restrict path, struct stat64 *restrict st,
			  int flags)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(fstatat64, dirfd, p, st, flags);
}

SHIM_EXPORT int statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
		      struct statx *restrict st)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(statx, dirfd, p, flags, mask, st);
}

SHIM_EXPORT int mkdir(const char *path, mode_t mode)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(mkdir, p, mode);
}

SHIM_EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(mkdirat, dirfd, p, mode);
}

SHIM_EXPORT int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	SHIM_MAPPED(path, p)
	return SHIM_PASS(utimensat, dirfd, p, times, flags);
}

/* ---- interposed: ioctl ------------------------------------------------ */

/* The RTC requests that write, compared without their size field. */
static bool shim_req_is_rtc_write(unsigned long req)
{
	static const unsigned long writes[] = {
		RTC_SET_TIME,  RTC_ALM_SET, RTC_WKALM_SET, RTC_EPOCH_SET, RTC_PLL_SET,
#ifdef RTC_PARAM_SET
		RTC_PARAM_SET,
#endif
	};
	unsigned long mask = ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT) & 0xffffffffUL;

	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if ((req & mask) == (writes[i] & mask))
			return true;
	return false;
}

/* drivers/rtc/lib.c rtc_valid_tm() */
static bool shim_rtc_time_is_valid(const struct rtc_time *t)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long year = (long)t->tm_year + 1900;
	int mdays;

	if (t->tm_year < 70 || (unsigned)t->tm_mon >= 12 || (unsigned)t->tm_hour >= 24 ||
	    (unsigned)t->tm_min >= 60 || (unsigned)t->tm_sec >= 60)
		return false;
	mdays = days[t->tm_mon] +
		(t->tm_mon == 1 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0));
	return t->tm_mday >= 1 && t->tm_mday <= mdays;
}

static int shim_rtc_set(const struct rtc_time *rt)
{
	struct tm tm = { 0 };
	char when[40];
	int64_t now = shim_real_ns(CLOCK_MONOTONIC);
	int lock;

	if (shim_cfg.nocap) {
		shim_record_denied("rtc", EPERM);
		return shim_fail(EPERM);
	}
	if (!rt)
		return shim_fail(EFAULT);
	if (!shim_rtc_time_is_valid(rt)) {
		shim_record("invalid rtc %s", shim_errno_name(EINVAL));
		return shim_fail(EINVAL);
	}
	if (shim_cfg.fail_rtc) {
		shim_record_denied("rtc", shim_cfg.fail_rtc);
		return shim_fail(shim_cfg.fail_rtc);
	}
	shim_fmt_ns(shim_virtual_now_ns(), when, sizeof(when));
	shim_record("rtc %04d-%02d-%02d %02d:%02d:%02d at %s", rt->tm_year + 1900, rt->tm_mon + 1,
		    rt->tm_mday, rt->tm_hour, rt->tm_min, rt->tm_sec, when);
	tm.tm_year = rt->tm_year;
	tm.tm_mon = rt->tm_mon;
	tm.tm_mday = rt->tm_mday;
	tm.tm_hour = rt->tm_hour;
	tm.tm_min = rt->tm_min;
	tm.tm_sec = rt->tm_sec;
	lock = shim_state_lock();
	shim_state_load(true);
	shim_k.rtc_set = true;
	shim_k.rtc_s = (int64_t)timegm(&tm);
	shim_k.rtc_at_ns = now;
	shim_state_save();
	shim_state_unlock(lock);
	return 0;
}

/* The RTC keeps counting from what was written (whole seconds); before any
 * write it reads as the real UTC time. */
static int shim_rtc_read(struct rtc_time *rt)
{
	int64_t now = shim_real_ns(CLOCK_MONOTONIC), s;
	time_t t;
	struct tm tm;

	if (!rt)
		return shim_fail(EFAULT);
	if (shim_cfg.verbose)
		shim_record("read rtc");
	if (shim_k.rtc_set)
		s = shim_k.rtc_s + (now - shim_k.rtc_at_ns) / NS_PER_S;
	else
		s = shim_real_ns(CLOCK_REALTIME) / NS_PER_S;
	t = (time_t)s;
	gmtime_r(&t, &tm);
	*rt = (struct rtc_time){
		.tm_sec = tm.tm_sec,
		.tm_min = tm.tm_min,
		.tm_hour = tm.tm_hour,
		.tm_mday = tm.tm_mday,
		.tm_mon = tm.tm_mon,
		.tm_year = tm.tm_year,
		.tm_wday = tm.tm_wday,
		.tm_yday = tm.tm_yday,
		.tm_isdst = 0,
	};
	return 0;
}

static int shim_rtc_ioctl(unsigned long req, void *arg)
{
	shim_enter();
	if (req == RTC_SET_TIME)
		return shim_rtc_set(arg);
	if (req == RTC_RD_TIME)
		return shim_rtc_read(arg);
	shim_record("rtc-ioctl 0x%lx %s", req, shim_errno_name(ENOTTY));
	return shim_fail(ENOTTY);
}

/* A socket's last receive time (SIOCGSTAMP*) is a kernel realtime stamp. */
static void shim_fix_sockstamp(unsigned long req, void *arg)
{
	int64_t off = shim_offset_ns(shim_k.slew_ns ? shim_real_ns(CLOCK_MONOTONIC) : 0);
	struct timespec ts;
	struct timeval tv;

	if (!arg || off == 0)
		return;
	if (req == SIOCGSTAMPNS) {
		memcpy(&ts, arg, sizeof(ts));
		shim_ns_ts(shim_ts_ns(&ts) + off, &ts);
		memcpy(arg, &ts, sizeof(ts));
	} else {
		memcpy(&tv, arg, sizeof(tv));
		shim_ns_ts((int64_t)tv.tv_sec * NS_PER_S + tv.tv_usec * NS_PER_US + off, &ts);
		tv.tv_sec = ts.tv_sec;
		tv.tv_usec = ts.tv_nsec / NS_PER_US;
		memcpy(arg, &tv, sizeof(tv));
	}
}

SHIM_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	void *arg;
	va_list ap;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (shim_rtc_fd_is(fd))
		return shim_rtc_ioctl(req, arg);
	if (shim_req_is_rtc_write(req)) {
		/* a real RTC reached some other way: never written */
		shim_enter();
		shim_record_denied("rtc-ioctl", EPERM);
		return shim_fail(EPERM);
	}
	if (!shim_next_ioctl())
		return shim_fail(ENOSYS);
	r = real_ioctl(fd, req, arg);
	if (r == 0 && (req == SIOCGSTAMP || req == SIOCGSTAMPNS)) {
		int saved = errno;

		shim_enter();
		shim_fix_sockstamp(req, arg);
		errno = saved;
	}
	return r;
}
