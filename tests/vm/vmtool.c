/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vmtool: the measuring hand inside the tests/vm guest. It reads what tset
 * did to a real kernel (CLOCK_REALTIME against CLOCK_MONOTONIC_RAW,
 * adjtimex, /dev/rtc0 read the way hwclock reads it) and sets the stage
 * (an NTP state reset, STA_PLL, a wrong RTC, a test server whose time does
 * not follow the system clock, a root without CAP_SYS_TIME).
 *
 * It writes clocks, so it runs only inside the test guest: every command
 * first checks the guest's marks (the kernel command line, PID 1 being our
 * /init, the marker file of our initramfs) and refuses otherwise. Nothing
 * on the host runs it: meson only builds it, run_vm.py only packs it.
 *
 *   vmtool [-t TAG] offset          REALTIME - MONOTONIC_RAW, ns
 *   vmtool [-t TAG] adjtimex        the kernel's NTP state (and the offset)
 *   vmtool [-t TAG] rtc-read EDGES [uie]
 *                                   RTC - system time at its second edges
 *   vmtool clocksource TIMEOUT      wait until the kernel left tsc-early
 *   vmtool reset                    STA_UNSYNC, no slew, no PLL, maxerror 16 s
 *   vmtool pll                      set STA_PLL (as ntpd does)
 *   vmtool rtc-set SECONDS          RTC := system time (UTC) + SECONDS
 *   vmtool serve ADDR PORT OFFSET [LEAP [BATCH]]
 *                                   NTP server anchored to MONOTONIC_RAW
 *   vmtool nocap CMD [ARG...]       exec CMD as root without CAP_SYS_TIME
 *   vmtool asuser UID GID CMD [ARG...]  exec CMD as that user (no capability)
 *
 * Measurements are printed as key=value words, each key prefixed with
 * "TAG." when -t is given; run_vm.py reads them from the serial console.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/rtc.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S	 INT64_C(1000000000)
#define VMTOOL_MARK_ARG	 "tset_vm_guest=1"
#define VMTOOL_MARK_FILE "/etc/tset-vm-guest"
#define VMTOOL_NTP_EPOCH INT64_C(2208988800) /* 1900 to 1970, RFC 5905 */
#define VMTOOL_PHASE_US	 16000000L	     /* the kernel's NTP_PHASE_LIMIT */
#define VMTOOL_CLOCKSRC	 "/sys/devices/system/clocksource/clocksource0/current_clocksource"

static const char *vmtool_tag = "";

/* One measurement word: TAG.key=value. */
__attribute__((format(printf, 2, 3))) static void vmtool_kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf(" %s%s%s=", vmtool_tag, *vmtool_tag ? "." : "", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static int64_t vmtool_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (int64_t)t.tv_sec * NS_PER_S + t.tv_nsec;
}

/* REALTIME - MONOTONIC_RAW from the tightest of several bracketed reads. */
static int64_t vmtool_offset_ns(int64_t *ret_raw)
{
	int64_t best = INT64_MAX, off = 0;

	for (int i = 0; i < 20; i++) {
		int64_t a = vmtool_ns(CLOCK_MONOTONIC_RAW);
		int64_t r = vmtool_ns(CLOCK_REALTIME);
		int64_t b = vmtool_ns(CLOCK_MONOTONIC_RAW);

		if (b - a < best) {
			best = b - a;
			off = r - (a + (b - a) / 2);
			*ret_raw = a + (b - a) / 2;
		}
	}
	return off;
}

static int vmtool_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

/* Are we in the test guest? All three marks, or nothing runs. */
static int vmtool_in_guest(void)
{
	char buf[4096];
	int n;

	if (vmtool_read_file("/proc/cmdline", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, VMTOOL_MARK_ARG))
		return 0;
	n = vmtool_read_file("/proc/1/cmdline", buf, sizeof(buf));
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) /* NUL-separated arguments */
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (!strstr(buf, "/init"))
		return 0;
	return access(VMTOOL_MARK_FILE, F_OK) == 0;
}

static int vmtool_adjtimex(struct timex *tx)
{
	int r = clock_adjtime(CLOCK_REALTIME, tx);

	if (r < 0)
		perror("vmtool: adjtimex");
	return r;
}

static int cmd_offset(void)
{
	int64_t raw = 0, off = vmtool_offset_ns(&raw);

	vmtool_kv("offset_ns", "%lld", (long long)off);
	vmtool_kv("raw_ns", "%lld", (long long)raw);
	putchar('\n');
	return 0;
}

/* The kernel's NTP state, and REALTIME - MONOTONIC_RAW at the same moment:
 * the kernel takes a slew's next 500 us at each whole second of REALTIME,
 * so both are read within one second (again, if a second began between). */
static int cmd_adjtimex(void)
{
	struct timex tx, ss;
	int64_t raw = 0, off = 0;
	int state = -1;

	for (int i = 0; i < 3; i++) {
		tx = (struct timex){ .modes = 0 };
		ss = (struct timex){ .modes = ADJ_OFFSET_SS_READ };
		off = vmtool_offset_ns(&raw);
		state = vmtool_adjtimex(&tx);
		if (state < 0 || vmtool_adjtimex(&ss) < 0)
			return 1;
		if ((off + raw) / NS_PER_S == vmtool_ns(CLOCK_REALTIME) / NS_PER_S)
			break;
	}
	vmtool_kv("offset_ns", "%lld", (long long)off);
	vmtool_kv("raw_ns", "%lld", (long long)raw);
	vmtool_kv("status", "0x%04x", (unsigned)tx.status);
	vmtool_kv("unsync", "%d", !!(tx.status & STA_UNSYNC));
	vmtool_kv("pll", "%d", !!(tx.status & STA_PLL));
	vmtool_kv("ins", "%d", !!(tx.status & STA_INS));
	vmtool_kv("del", "%d", !!(tx.status & STA_DEL));
	vmtool_kv("maxerror_us", "%ld", tx.maxerror);
	vmtool_kv("esterror_us", "%ld", tx.esterror);
	vmtool_kv("slew_left_us", "%ld", ss.offset);
	vmtool_kv("freq", "%ld", tx.freq);
	vmtool_kv("state", "%d", state);
	putchar('\n');
	return 0;
}

/* The kernel switches from tsc-early to tsc about 2 s after boot and that
 * clears its NTP state: wait for the switch (or for the timeout). */
static int cmd_clocksource(double timeout_s)
{
	char cs[64] = "?";
	int64_t end = vmtool_ns(CLOCK_MONOTONIC) + (int64_t)(timeout_s * 1e9);
	int r = 0;

	for (;;) {
		if (vmtool_read_file(VMTOOL_CLOCKSRC, cs, sizeof(cs)) > 0)
			cs[strcspn(cs, "\n")] = '\0';
		if (strcmp(cs, "tsc-early") != 0 && strcmp(cs, "?") != 0)
			break;
		if (vmtool_ns(CLOCK_MONOTONIC) > end) {
			r = 1;
			break;
		}
		usleep(20000);
	}
	vmtool_kv("clocksource", "%s", cs);
	vmtool_kv("uptime_s", "%.3f", (double)vmtool_ns(CLOCK_BOOTTIME) * 1e-9);
	putchar('\n');
	return r;
}

/* Wait until REALTIME has passed its next whole second (and 20 ms more). */
static void vmtool_next_second(void)
{
	struct timespec t;
	int64_t left;

	clock_gettime(CLOCK_REALTIME, &t);
	left = NS_PER_S - t.tv_nsec + 20000000;
	t = (struct timespec){ (time_t)(left / NS_PER_S), (long)(left % NS_PER_S) };
	nanosleep(&t, NULL);
}

/* A clean kernel: no slew, STA_UNSYNC, no PLL, no frequency offset. The
 * kernel applies a slew second by second, at each whole second of
 * REALTIME: a slew cancelled now, or in its last second (which the
 * kernel no longer counts as pending), still runs to the end of this
 * second. So when a slew was pending, or the clock still moves against
 * MONOTONIC_RAW (over 40 ppm in 50 ms), wait for the next second. */
static int cmd_reset(void)
{
	struct timex ss = { .modes = ADJ_OFFSET_SINGLESHOT, .offset = 0 };
	struct timex tx = {
		.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR | ADJ_FREQUENCY,
		.status = STA_UNSYNC,
		.maxerror = VMTOOL_PHASE_US,
		.esterror = VMTOOL_PHASE_US,
		.freq = 0,
	};
	int64_t raw0, raw1, off0, off1;

	if (vmtool_adjtimex(&ss) < 0 || vmtool_adjtimex(&tx) < 0)
		return 1;
	off0 = vmtool_offset_ns(&raw0);
	usleep(50000);
	off1 = vmtool_offset_ns(&raw1);
	if (ss.offset != 0 || llabs(off1 - off0) * 25000 > raw1 - raw0) /* 40 ppm */
		vmtool_next_second();
	return 0;
}

/* STA_PLL as a daemon would leave it (and STA_UNSYNC, so that the kernel's
 * 11-minute mode stays out of the way). */
static int cmd_pll(void)
{
	struct timex tx = { .modes = ADJ_STATUS, .status = STA_PLL | STA_UNSYNC };

	return vmtool_adjtimex(&tx) < 0;
}

static int vmtool_rtc_open(void)
{
	int fd = open("/dev/rtc0", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		perror("vmtool: /dev/rtc0");
	return fd;
}

static int cmd_rtc_set(long delta_s)
{
	time_t t = time(NULL) + delta_s;
	struct rtc_time rt;
	struct tm tm;
	int fd = vmtool_rtc_open(), r;

	if (fd < 0)
		return 1;
	gmtime_r(&t, &tm);
	rt = (struct rtc_time){ .tm_sec = tm.tm_sec,
				.tm_min = tm.tm_min,
				.tm_hour = tm.tm_hour,
				.tm_mday = tm.tm_mday,
				.tm_mon = tm.tm_mon,
				.tm_year = tm.tm_year };
	r = ioctl(fd, RTC_SET_TIME, &rt);
	if (r < 0)
		perror("vmtool: RTC_SET_TIME");
	close(fd);
	return r < 0;
}

/* The RTC's date as seconds since 1970, read as if it were UTC. */
static int64_t vmtool_rtc_epoch(const struct rtc_time *rt)
{
	struct tm tm = { .tm_sec = rt->tm_sec,
			 .tm_min = rt->tm_min,
			 .tm_hour = rt->tm_hour,
			 .tm_mday = rt->tm_mday,
			 .tm_mon = rt->tm_mon,
			 .tm_year = rt->tm_year };

	return (int64_t)timegm(&tm);
}

/* The RTC's next second edge, found by reading it until it shows the next
 * second (hwclock's busy-wait method): the system time read right after is
 * the edge's, to about the time of one read. Any other change is a write
 * (the kernel's 11-minute mode, say), not an edge: wait for the next one. */
static int vmtool_rtc_poll_edge(int fd, struct rtc_time *ret, int64_t *ret_sys_ns)
{
	struct rtc_time a, b;
	int64_t end = vmtool_ns(CLOCK_MONOTONIC) + 3 * NS_PER_S;

	if (ioctl(fd, RTC_RD_TIME, &a) < 0)
		return -1;
	while (vmtool_ns(CLOCK_MONOTONIC) < end) {
		int64_t sys_ns;

		if (ioctl(fd, RTC_RD_TIME, &b) < 0)
			return -1;
		sys_ns = vmtool_ns(CLOCK_REALTIME);
		if (vmtool_rtc_epoch(&b) == vmtool_rtc_epoch(&a) + 1) {
			*ret_sys_ns = sys_ns;
			*ret = b;
			return 0;
		}
		a = b;
	}
	errno = ETIMEDOUT;
	return -1;
}

/* The same edge through the RTC's update interrupt (hwclock's default).
 * Here the interrupt is emulated by the kernel's HPET code, which looks
 * at the RTC 64 times a second: up to 15.6 ms late. */
static int vmtool_rtc_uie_edge(int fd, struct rtc_time *ret, int64_t *ret_sys_ns)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned long data;
	int r;

	if (ioctl(fd, RTC_UIE_ON, 0) < 0)
		return -1;
	r = poll(&p, 1, 3000);
	*ret_sys_ns = vmtool_ns(CLOCK_REALTIME);
	if (r == 0)
		errno = ETIMEDOUT;
	r = r == 1 && read(fd, &data, sizeof(data)) == sizeof(data) ? 0 : -1;
	if (r == 0)
		r = ioctl(fd, RTC_RD_TIME, ret);
	ioctl(fd, RTC_UIE_OFF, 0);
	return r;
}

/* RTC minus system time, and minus true time (system time plus the slew
 * still pending), at `edges` successive second edges found by polling,
 * then (with_uie) once through the update interrupt. The RTC's date is
 * read as if it were UTC: a local-time RTC shows its zone's offset. The
 * keys of edge i end in i. */
static int cmd_rtc_read(int edges, int with_uie)
{
	int fd = vmtool_rtc_open();

	if (fd < 0)
		return 1;
	for (int i = 0; i < edges + with_uie; i++) {
		struct timex ss = { .modes = ADJ_OFFSET_SS_READ };
		struct rtc_time rt;
		int64_t sys_ns, d_ns;
		char key[32];
		int uie = i == edges;

		if ((uie ? vmtool_rtc_uie_edge : vmtool_rtc_poll_edge)(fd, &rt, &sys_ns) < 0) {
			fprintf(stderr, "vmtool: rtc %s edge: %s\n", uie ? "interrupt" : "polled",
				strerror(errno));
			if (uie)
				break;
			close(fd);
			return 1;
		}
		vmtool_adjtimex(&ss);
		d_ns = vmtool_rtc_epoch(&rt) * NS_PER_S - sys_ns;
		if (uie) {
			vmtool_kv("uie_minus_sys_s", "%.6f", (double)d_ns * 1e-9);
			break;
		}
		snprintf(key, sizeof(key), "rtc%d", i);
		vmtool_kv(key, "%04d-%02d-%02dT%02d:%02d:%02d", rt.tm_year + 1900, rt.tm_mon + 1,
			  rt.tm_mday, rt.tm_hour, rt.tm_min, rt.tm_sec);
		snprintf(key, sizeof(key), "rtc_minus_sys_s%d", i);
		vmtool_kv(key, "%.6f", (double)d_ns * 1e-9);
		snprintf(key, sizeof(key), "slew_left_s%d", i);
		vmtool_kv(key, "%.6f", (double)ss.offset * 1e-6);
		snprintf(key, sizeof(key), "rtc_minus_true_s%d", i);
		vmtool_kv(key, "%.6f", (double)(d_ns - (int64_t)ss.offset * 1000) * 1e-9);
	}
	putchar('\n');
	close(fd);
	return 0;
}

static uint64_t vmtool_ntp64(int64_t unix_ns)
{
	uint64_t sec = (uint64_t)(unix_ns / NS_PER_S + VMTOOL_NTP_EPOCH);
	uint64_t frac = ((uint64_t)(unix_ns % NS_PER_S) << 32) / (uint64_t)NS_PER_S;

	return sec << 32 | frac;
}

static void vmtool_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A request held for its reply. */
struct vmtool_pending {
	struct sockaddr_in from;
	socklen_t flen;
	uint8_t req[48];
	int64_t rx_ns;	/* the server's time at receipt (T2) */
	int64_t raw_ns; /* MONOTONIC_RAW at receipt */
};

#define VMTOOL_HOLD_NS	INT64_C(900000000) /* under tset's 1 s reply timeout */
#define VMTOOL_MAX_HELD 16

struct vmtool_server {
	int fd;
	int leap;
	int64_t anchor_raw, anchor_real, off_ns;
};

/* The server's time: anchored to MONOTONIC_RAW, not to the system clock. */
static int64_t vmtool_server_now(const struct vmtool_server *sv)
{
	return sv->anchor_real + vmtool_ns(CLOCK_MONOTONIC_RAW) - sv->anchor_raw + sv->off_ns;
}

static void vmtool_reply(const struct vmtool_server *sv, const struct vmtool_pending *p)
{
	uint8_t rep[48] = { 0 };

	/* LI, the client's version, mode 4 (server); stratum 1; the client's
	 * poll; precision 2^-20 s; root dispersion 1/4096 s */
	rep[0] = (uint8_t)((sv->leap & 3) << 6 | (p->req[0] & 0x38) | 4);
	rep[1] = 1;
	rep[2] = p->req[2];
	rep[3] = (uint8_t)-20;
	rep[11] = 0x10;
	memcpy(rep + 12, "VMT", 4);
	vmtool_put64(rep + 16, vmtool_ntp64(p->rx_ns - NS_PER_S));
	memcpy(rep + 24, p->req + 40, 8); /* origin := the client's transmit */
	vmtool_put64(rep + 32, vmtool_ntp64(p->rx_ns));
	vmtool_put64(rep + 40, vmtool_ntp64(vmtool_server_now(sv)));
	sendto(sv->fd, rep, sizeof(rep), 0, (const struct sockaddr *)&p->from, p->flen);
}

/* A minimal NTP server (RFC 5905 mode 4, stratum 1) whose time is anchored
 * to MONOTONIC_RAW at its start: stepping the system clock does not move
 * it, unlike tsetd's time1, which always looks ahead by the same amount.
 * leap: the LI to announce (0 none, 1 insert, 2 delete). batch > 1: hold
 * the replies until `batch` requests are in (or the first has waited
 * 0.9 s), then answer them together, so that two clients surely measure
 * at the same time; the hold is between T2 and T3 and biases nothing.
 * Then the server runs SCHED_FIFO: on the guest's one CPU a client woken
 * by the first reply would otherwise run (and step the clock) before the
 * second reply has left. */
static int cmd_serve(const char *addr, int port, double offset_s, int leap, int batch)
{
	struct vmtool_server sv = { .leap = leap, .off_ns = (int64_t)(offset_s * 1e9) };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct vmtool_pending held[VMTOOL_MAX_HELD];
	int n_held = 0;

	sv.anchor_real = vmtool_offset_ns(&sv.anchor_raw) + sv.anchor_raw;
	sv.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sv.fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    bind(sv.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("vmtool: serve");
		return 1;
	}
	if (batch > 1) {
		struct sched_param sp = { .sched_priority = 10 };

		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
			perror("vmtool: SCHED_FIFO");
			return 1;
		}
	}
	printf("serving %s:%d offset %+.6f leap %d batch %d\n", addr, port, offset_s, leap, batch);
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = sv.fd, .events = POLLIN };
		int timeout_ms = -1;

		if (n_held) {
			int64_t left =
				held[0].raw_ns + VMTOOL_HOLD_NS - vmtool_ns(CLOCK_MONOTONIC_RAW);

			timeout_ms = left > 0 ? (int)(left / 1000000) + 1 : 0;
		}
		if (poll(&p, 1, timeout_ms) == 1) {
			struct vmtool_pending *h = &held[n_held];
			ssize_t n;

			h->flen = sizeof(h->from);
			n = recvfrom(sv.fd, h->req, sizeof(h->req), MSG_TRUNC,
				     (struct sockaddr *)&h->from, &h->flen);
			h->rx_ns = vmtool_server_now(&sv);
			h->raw_ns = vmtool_ns(CLOCK_MONOTONIC_RAW);
			if (n >= 48 && (h->req[0] & 7) == 3 && n_held < VMTOOL_MAX_HELD)
				n_held++;
		}
		if (n_held && (n_held >= batch ||
			       vmtool_ns(CLOCK_MONOTONIC_RAW) >= held[0].raw_ns + VMTOOL_HOLD_NS)) {
			for (int i = 0; i < n_held; i++)
				vmtool_reply(&sv, &held[i]);
			n_held = 0;
		}
	}
}

/* Root, but without CAP_SYS_TIME anywhere (bounding, inheritable,
 * ambient): the exec'd program gets none, as in a container. */
static int cmd_nocap(char **argv)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	unsigned idx = CAP_SYS_TIME / 32, bit = 1u << (CAP_SYS_TIME % 32);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_TIME, 0, 0, 0) < 0 || syscall(SYS_capget, &h, d) < 0) {
		perror("vmtool: nocap");
		return 1;
	}
	d[idx].effective &= ~bit;
	d[idx].permitted &= ~bit;
	d[idx].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d) < 0) {
		perror("vmtool: capset");
		return 1;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SYS_TIME, 0, 0);
	execvp(argv[0], argv);
	perror("vmtool: exec");
	return 127;
}

/* An ordinary user: the exec'd program has no capability at all. */
static int cmd_asuser(uid_t uid, gid_t gid, char **argv)
{
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		perror("vmtool: asuser");
		return 1;
	}
	execvp(argv[0], argv);
	perror("vmtool: exec");
	return 127;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (!vmtool_in_guest()) {
		fprintf(stderr, "vmtool: not inside the tests/vm guest; refusing to run\n");
		return 3;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "-t")) {
		vmtool_tag = argv[2];
		argc -= 2;
		argv += 2;
	}
	cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "offset"))
		return cmd_offset();
	if (!strcmp(cmd, "adjtimex"))
		return cmd_adjtimex();
	if (!strcmp(cmd, "rtc-read") && (argc == 3 || (argc == 4 && !strcmp(argv[3], "uie"))))
		return cmd_rtc_read(atoi(argv[2]), argc == 4);
	if (!strcmp(cmd, "clocksource") && argc == 3)
		return cmd_clocksource(atof(argv[2]));
	if (!strcmp(cmd, "reset"))
		return cmd_reset();
	if (!strcmp(cmd, "pll"))
		return cmd_pll();
	if (!strcmp(cmd, "rtc-set") && argc == 3)
		return cmd_rtc_set(atol(argv[2]));
	if (!strcmp(cmd, "serve") && argc >= 5 && argc <= 7)
		return cmd_serve(argv[2], atoi(argv[3]), atof(argv[4]),
				 argc > 5 ? atoi(argv[5]) : 0, argc > 6 ? atoi(argv[6]) : 1);
	if (!strcmp(cmd, "nocap") && argc > 2)
		return cmd_nocap(argv + 2);
	if (!strcmp(cmd, "asuser") && argc > 4)
		return cmd_asuser((uid_t)atol(argv[2]), (gid_t)atol(argv[3]), argv + 4);
	fprintf(stderr, "vmtool: usage: see the comment at the top of tests/vm/vmtool.c\n");
	return 2;
}
