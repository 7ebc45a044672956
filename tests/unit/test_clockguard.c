/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clockguard against fake /proc and /run trees built in a temporary
 * directory: each sign of a time daemon, what is not one (a stale pid
 * file, a reused pid, a socket file nobody has bound, tsetd on port 123),
 * and the guarded clock that refuses every write until a clean check.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "clockguard.h"

#define UDP_HEAD                                                                                   \
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "      \
	"timeout inode ref pointer drops\n"
#define UNIX_HEAD "Num       RefCount Protocol Flags    Type St Inode Path\n"
#define V4_ANY	  "00000000"
#define V6_ANY	  "00000000000000000000000000000000"

static char root[64];
static char what[CLOCK_OWNER_MAX];

static void tree_mkdirs(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ck_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
}

/* Write (append with append = true) a file of the tree, parents made. */
static void tree_write(const char *rel, bool append, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tree_write(const char *rel, bool append, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	tree_mkdirs(rel);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, append ? "a" : "w");
	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void tree_link(const char *rel, const char *target)
{
	char path[512];

	tree_mkdirs(rel);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

/* A process as /proc shows it; exe NULL: its exe cannot be read. */
static void proc_add(int pid, const char *comm, const char *exe, char state)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	tree_write(rel, false, "%.15s\n", comm);
	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	tree_write(rel, false, "%d (%.15s) %c 1 %d %d 0 -1 4194560 1 0 0 0\n", pid, comm, state,
		   pid, pid);
	snprintf(rel, sizeof(rel), "proc/%d/fd/0", pid);
	tree_link(rel, "/dev/null");
	if (exe) {
		snprintf(rel, sizeof(rel), "proc/%d/exe", pid);
		tree_link(rel, exe);
	}
}

static void proc_socket(int pid, int fd, unsigned long inode)
{
	char rel[64], target[64];

	snprintf(rel, sizeof(rel), "proc/%d/fd/%d", pid, fd);
	snprintf(target, sizeof(target), "socket:[%lu]", inode);
	tree_link(rel, target);
}

/* A line of /proc/net/udp (v6: udp6) for local addr:port. */
static void udp_add(bool v6, const char *addr, unsigned port, unsigned long inode)
{
	tree_write(v6 ? "proc/net/udp6" : "proc/net/udp", true,
		   "  %u: %s:%04X %s:0000 07 00000000:00000000 00:00000000 00000000     0        0 "
		   "%lu 2 0000000000000000 0\n",
		   (unsigned)(inode % 1000), addr, port, v6 ? V6_ANY : V4_ANY, inode);
}

static void unix_add(const char *path, unsigned long inode)
{
	tree_write("proc/net/unix", true,
		   "0000000000000000: 00000002 00000000 00010000 0002 01 %lu%s%s\n", inode,
		   path ? " " : "", path ? path : "");
}

static int find(void)
{
	memset(what, 0, sizeof(what));
	return clockguard_find(root, what, sizeof(what));
}

/* A quiet machine: init, a shell, no socket on port 123. */
static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/test_clockguard.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	tree_write("proc/net/udp", false, UDP_HEAD);
	tree_write("proc/net/udp6", false, UDP_HEAD);
	tree_write("proc/net/unix", false, UNIX_HEAD);
	udp_add(false, "0100007F", 53, 900); /* a resolver on 127.0.0.1:53 */
	unix_add("/run/systemd/journal/socket", 901);
	unix_add(NULL, 902);
	proc_add(1, "init", "/sbin/init", 'S');
	proc_add(77, "bash", "/usr/bin/bash", 'S');
	tree_mkdirs("run/x");
}

static int tree_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	nftw(root, tree_rm, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(test_clockguard_quiet_machine_has_no_daemon)
{
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_live_pid_file_is_a_daemon)
{
	tree_write("run/chrony/chronyd.pid", false, "1234\n");
	proc_add(1234, "chronyd", "/usr/sbin/chronyd", 'S');
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "chronyd is running (pid 1234, /run/chrony/chronyd.pid)");
}
END_TEST

START_TEST(test_clockguard_ntpd_pid_file_is_a_daemon)
{
	/* ntpsec on Debian: ntpd -p /run/ntpd.pid, as user ntpsec: exe not
	 * readable without privileges, comm decides */
	tree_write("run/ntpd.pid", false, "812");
	proc_add(812, "ntpd", NULL, 'S');
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "ntpd is running (pid 812, /run/ntpd.pid)");
}
END_TEST

START_TEST(test_clockguard_pid_file_of_a_dead_process_is_stale)
{
	tree_write("run/chrony/chronyd.pid", false, "1234\n");
	tree_write("var/run/ntpd.pid", false, "4321\n");
	ck_assert_int_eq(find(), 0);
	proc_add(1234, "chronyd", "/usr/sbin/chronyd", 'Z'); /* exited, not yet reaped */
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_pid_file_whose_pid_was_reused_is_stale)
{
	tree_write("run/chrony/chronyd.pid", false, "1234\n");
	proc_add(1234, "bash", "/usr/bin/bash", 'S');
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_a_comm_alone_does_not_make_a_daemon)
{
	/* a process that calls itself chronyd, whose exe says otherwise */
	tree_write("run/chrony/chronyd.pid", false, "1234\n");
	proc_add(1234, "chronyd", "/usr/bin/python3.11", 'S');
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_pid_file_without_a_pid_is_no_sign)
{
	tree_write("run/chrony/chronyd.pid", false, "\n");
	tree_write("run/ntpd.pid", false, "1 2\n");
	tree_write("var/run/chronyd.pid", false, "-1\n");
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_unreadable_pid_file_cannot_tell)
{
	tree_mkdirs("run/ntpd.pid/"); /* a directory: read() fails with EISDIR */
	ck_assert_int_eq(find(), -EISDIR);
	ck_assert(strstr(what, "cannot read /run/ntpd.pid") == what);
}
END_TEST

START_TEST(test_clockguard_bound_command_socket_is_a_daemon)
{
	unix_add("/run/chrony/chronyd.sock", 5150);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "chronyd is running (command socket /run/chrony/chronyd.sock)");
}
END_TEST

START_TEST(test_clockguard_openntpd_control_socket_is_a_daemon)
{
	unix_add("/var/lib/openntpd/run/ntpd.sock", 5151);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what,
			 "openntpd is running (control socket /var/lib/openntpd/run/ntpd.sock)");
}
END_TEST

START_TEST(test_clockguard_socket_file_that_nobody_bound_is_stale)
{
	/* what a crash leaves: the files, no bound socket; a client's own
	 * socket (chronyc) is no sign either */
	tree_write("run/chrony/chronyd.sock", false, "%s", "");
	tree_write("run/chrony/chronyd.pid", false, "1234\n");
	unix_add("/run/chrony/chronyc.4242.sock", 5152);
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_tsetd_on_port_123_is_not_a_daemon)
{
	udp_add(false, V4_ANY, 123, 7001);
	udp_add(true, V6_ANY, 123, 7002);
	proc_add(500, "tsetd", "/usr/sbin/tsetd", 'S');
	proc_socket(500, 3, 7001);
	proc_socket(500, 4, 7002);
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_tsetd_replaced_on_disk_is_still_tsetd)
{
	udp_add(false, "0100007F", 123, 7001);
	proc_add(500, "tsetd", "/usr/sbin/tsetd (deleted)", 'S');
	proc_socket(500, 5, 7001);
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_another_program_on_port_123_v4_is_a_daemon)
{
	udp_add(false, V4_ANY, 123, 7001);
	proc_add(812, "ntpd", "/usr/sbin/ntpd", 'S');
	proc_socket(812, 16, 7001);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "ntpd (pid 812) is bound to udp port 123");
}
END_TEST

START_TEST(test_clockguard_another_program_on_port_123_v6_is_a_daemon)
{
	udp_add(true, V6_ANY, 123, 7002);
	proc_add(900, "ntpdate", "/usr/sbin/ntpdate", 'S');
	proc_socket(900, 3, 7002);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "ntpdate (pid 900) is bound to udp port 123");
}
END_TEST

START_TEST(test_clockguard_tsetd_beside_another_program_is_a_daemon)
{
	udp_add(false, V4_ANY, 123, 7001);
	udp_add(true, V6_ANY, 123, 7002);
	proc_add(500, "tsetd", "/usr/sbin/tsetd", 'S');
	proc_socket(500, 3, 7001);
	proc_add(812, "ntpd", "/usr/sbin/ntpd", 'S');
	proc_socket(812, 16, 7002);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "ntpd (pid 812) is bound to udp port 123");
}
END_TEST

START_TEST(test_clockguard_a_process_named_tsetd_must_run_tsetd)
{
	udp_add(false, V4_ANY, 123, 7001);
	proc_add(666, "tsetd", "/usr/sbin/ntpd", 'S');
	proc_socket(666, 3, 7001);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "tsetd (pid 666) is bound to udp port 123");
}
END_TEST

START_TEST(test_clockguard_port_123_socket_of_an_unseen_process_is_a_daemon)
{
	/* another pid namespace sharing the network: the owner is not in /proc */
	udp_add(false, V4_ANY, 123, 7001);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "udp port 123 is bound by a process not found in /proc "
			       "(socket inode 7001)");
}
END_TEST

/* pid 1 as systemd: comm and exe both say so */
static void pid1_is(const char *comm, const char *exe)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/proc/1/exe", root);
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/proc/1/fd/0", root);
	ck_assert_int_eq(unlink(path), 0);
	proc_add(1, comm, exe, 'S');
}

START_TEST(test_clockguard_socket_only_systemd_holds_is_not_a_daemon)
{
	/* tsetd.socket listening while tsetd.service does not run */
	udp_add(false, V4_ANY, 123, 7001);
	udp_add(true, V6_ANY, 123, 7002);
	pid1_is("systemd", "/usr/lib/systemd/systemd");
	proc_socket(1, 40, 7001);
	proc_socket(1, 41, 7002);
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_socket_systemd_shares_with_another_program_is_a_daemon)
{
	/* activation handed it to a daemon (any but tsetd): that one owns it,
	 * however high its pid */
	udp_add(false, V4_ANY, 123, 7001);
	pid1_is("systemd", "/usr/lib/systemd/systemd");
	proc_socket(1, 40, 7001);
	proc_add(31000, "ntpd", "/usr/sbin/ntpd", 'S');
	proc_socket(31000, 3, 7001);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "ntpd (pid 31000) is bound to udp port 123");
}
END_TEST

START_TEST(test_clockguard_pid_1_must_run_systemd_to_hold_a_socket_for_it)
{
	/* a container whose pid 1 is the daemon, or a name without the program */
	udp_add(false, V4_ANY, 123, 7001);
	pid1_is("systemd", "/usr/sbin/ntpd");
	proc_socket(1, 3, 7001);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "systemd (pid 1) is bound to udp port 123");
}
END_TEST

START_TEST(test_clockguard_systemd_counts_only_as_pid_1)
{
	udp_add(false, V4_ANY, 123, 7001);
	proc_add(2345, "systemd", "/usr/lib/systemd/systemd", 'S'); /* a user manager */
	proc_socket(2345, 12, 7001);
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "systemd (pid 2345) is bound to udp port 123");
}
END_TEST

START_TEST(test_clockguard_other_ports_are_no_sign)
{
	/* port 1230, and a client's socket connected to a server's port 123 */
	udp_add(false, V4_ANY, 1230, 7003);
	tree_write("proc/net/udp", true,
		   "  5: 0100007F:A1B2 0200007F:007B 01 00000000:00000000 00:00000000 00000000     "
		   "0        0 7004 2 0000000000000000 0\n");
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_active_timesyncd_unit_is_a_daemon)
{
	tree_link("run/systemd/units/invocation:systemd-timesyncd.service",
		  "3f6fc7a8e0a64b5c9f1d0cf3d4f4a2b1");
	ck_assert_int_eq(find(), 1);
	ck_assert_str_eq(what, "systemd-timesyncd is active "
			       "(/run/systemd/units/invocation:systemd-timesyncd.service)");
}
END_TEST

START_TEST(test_clockguard_synchronized_marker_is_no_sign)
{
	/* tset itself touches it; timesyncd's state directory outlives it */
	tree_write("run/systemd/timesync/synchronized", false, "%s", "");
	tree_mkdirs("var/lib/systemd/timesync/");
	tree_write("var/lib/systemd/timesync/clock", false, "%s", "");
	tree_link("run/systemd/units/invocation:tsetd.service", "0123");
	ck_assert_int_eq(find(), 0);
}
END_TEST

START_TEST(test_clockguard_without_proc_net_udp_cannot_tell)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/proc/net/udp6", root);
	ck_assert_int_eq(unlink(path), 0); /* no IPv6: fine */
	ck_assert_int_eq(find(), 0);
	snprintf(path, sizeof(path), "%s/proc/net/udp", root);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(find(), -ENOENT);
	ck_assert(strstr(what, "cannot read /proc/net/udp") == what);
}
END_TEST

/* ---- the guarded clock ------------------------------------------------ */

struct inner {
	bool pll;
	int n_reads, n_writes;
};

static struct inner inner;

static int inner_now(void *ctx, struct timespec *ret)
{
	inner.n_reads++;
	*ret = (struct timespec){ 1, 0 };
	return 0;
}

static int inner_status(void *ctx, struct clock_status *ret)
{
	inner.n_reads++;
	*ret = (struct clock_status){ .pll = inner.pll };
	return 0;
}

static int inner_owner(void *ctx, char *ret, size_t len)
{
	if (!inner.pll)
		return 0;
	snprintf(ret, len, "pll");
	return 1;
}

static int inner_write_ns(void *ctx, int64_t ns)
{
	inner.n_writes++;
	return 0;
}

static int inner_sync(void *ctx, const struct clock_sync *s)
{
	inner.n_writes++;
	return 0;
}

static int inner_mark(void *ctx)
{
	inner.n_writes++;
	return 0;
}

static int inner_mode(void *ctx, enum clock_rtc_mode *ret)
{
	inner.n_reads++;
	*ret = CLOCK_RTC_UTC;
	return 0;
}

static int inner_rtc_open(void *ctx)
{
	inner.n_reads++;
	return 0;
}

static int inner_rtc_write(void *ctx, const struct tm *tm)
{
	inner.n_writes++;
	return 0;
}

static const struct clock_ops inner_ops = {
	.now = inner_now,
	.read_status = inner_status,
	.owner = inner_owner,
	.step = inner_write_ns,
	.slew = inner_write_ns,
	.set_sync = inner_sync,
	.mark_synchronized = inner_mark,
	.rtc_mode = inner_mode,
	.rtc_open = inner_rtc_open,
	.rtc_write = inner_rtc_write,
};

/* Every write of ops; returns how many failed with -EBUSY. */
static int write_all(const struct clock_ops *ops)
{
	struct clock_sync sync = { 0 };
	struct tm tm = { .tm_year = 126, .tm_mday = 1 };
	int busy = 0;

	busy += ops->step(ops->ctx, 1) == -EBUSY;
	busy += ops->slew(ops->ctx, 1) == -EBUSY;
	busy += ops->set_sync(ops->ctx, &sync) == -EBUSY;
	busy += ops->mark_synchronized(ops->ctx) == -EBUSY;
	busy += ops->rtc_write(ops->ctx, &tm) == -EBUSY;
	return busy;
}

static void read_all(const struct clock_ops *ops)
{
	struct timespec ts;
	struct clock_status st;
	enum clock_rtc_mode mode;

	ck_assert_int_eq(ops->now(ops->ctx, &ts), 0);
	ck_assert_int_eq(ops->read_status(ops->ctx, &st), 0);
	ck_assert_int_eq(ops->rtc_mode(ops->ctx, &mode), 0);
	ck_assert_int_eq(ops->rtc_open(ops->ctx), 0);
}

START_TEST(test_clockguard_unchecked_clock_refuses_every_write)
{
	struct clockguard g;
	struct clock_ops ops;

	memset(&inner, 0, sizeof(inner));
	clockguard_init(&g, &inner_ops, &ops);
	ck_assert_int_eq(write_all(&ops), 5);
	ck_assert_int_eq(inner.n_writes, 0);
	ck_assert_int_eq(ops.owner(ops.ctx, what, sizeof(what)), -ENODATA);
	read_all(&ops);
	ck_assert_int_eq(inner.n_reads, 4);
}
END_TEST

START_TEST(test_clockguard_clean_check_lets_writes_through)
{
	struct clockguard g;
	struct clock_ops ops;

	memset(&inner, 0, sizeof(inner));
	clockguard_init(&g, &inner_ops, &ops);
	ck_assert_int_eq(clockguard_check(&g, root), 0);
	ck_assert_int_eq(ops.owner(ops.ctx, what, sizeof(what)), 0);
	ck_assert_int_eq(write_all(&ops), 0);
	ck_assert_int_eq(inner.n_writes, 5);
	/* the kernel's PLL coming on later still stops them */
	inner.pll = true;
	ck_assert_int_eq(write_all(&ops), 5);
	ck_assert_int_eq(inner.n_writes, 5);
	ck_assert_int_eq(ops.owner(ops.ctx, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "pll");
}
END_TEST

START_TEST(test_clockguard_daemon_found_refuses_every_write)
{
	struct clockguard g;
	struct clock_ops ops;

	memset(&inner, 0, sizeof(inner));
	unix_add("/run/chrony/chronyd.sock", 5150);
	clockguard_init(&g, &inner_ops, &ops);
	ck_assert_int_eq(clockguard_check(&g, root), 1);
	ck_assert_int_eq(write_all(&ops), 5);
	ck_assert_int_eq(inner.n_writes, 0);
	ck_assert_int_eq(ops.owner(ops.ctx, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "chronyd is running (command socket /run/chrony/chronyd.sock)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("clockguard");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clockguard_quiet_machine_has_no_daemon);
	tcase_add_test(tc, test_clockguard_live_pid_file_is_a_daemon);
	tcase_add_test(tc, test_clockguard_ntpd_pid_file_is_a_daemon);
	tcase_add_test(tc, test_clockguard_pid_file_of_a_dead_process_is_stale);
	tcase_add_test(tc, test_clockguard_pid_file_whose_pid_was_reused_is_stale);
	tcase_add_test(tc, test_clockguard_a_comm_alone_does_not_make_a_daemon);
	tcase_add_test(tc, test_clockguard_pid_file_without_a_pid_is_no_sign);
	tcase_add_test(tc, test_clockguard_unreadable_pid_file_cannot_tell);
	tcase_add_test(tc, test_clockguard_bound_command_socket_is_a_daemon);
	tcase_add_test(tc, test_clockguard_openntpd_control_socket_is_a_daemon);
	tcase_add_test(tc, test_clockguard_socket_file_that_nobody_bound_is_stale);
	tcase_add_test(tc, test_clockguard_tsetd_on_port_123_is_not_a_daemon);
	tcase_add_test(tc, test_clockguard_tsetd_replaced_on_disk_is_still_tsetd);
	tcase_add_test(tc, test_clockguard_another_program_on_port_123_v4_is_a_daemon);
	tcase_add_test(tc, test_clockguard_another_program_on_port_123_v6_is_a_daemon);
	tcase_add_test(tc, test_clockguard_tsetd_beside_another_program_is_a_daemon);
	tcase_add_test(tc, test_clockguard_a_process_named_tsetd_must_run_tsetd);
	tcase_add_test(tc, test_clockguard_port_123_socket_of_an_unseen_process_is_a_daemon);
	tcase_add_test(tc, test_clockguard_socket_only_systemd_holds_is_not_a_daemon);
	tcase_add_test(tc, test_clockguard_socket_systemd_shares_with_another_program_is_a_daemon);
	tcase_add_test(tc, test_clockguard_pid_1_must_run_systemd_to_hold_a_socket_for_it);
	tcase_add_test(tc, test_clockguard_systemd_counts_only_as_pid_1);
	tcase_add_test(tc, test_clockguard_other_ports_are_no_sign);
	tcase_add_test(tc, test_clockguard_active_timesyncd_unit_is_a_daemon);
	tcase_add_test(tc, test_clockguard_synchronized_marker_is_no_sign);
	tcase_add_test(tc, test_clockguard_without_proc_net_udp_cannot_tell);
	tcase_add_test(tc, test_clockguard_unchecked_clock_refuses_every_write);
	tcase_add_test(tc, test_clockguard_clean_check_lets_writes_through);
	tcase_add_test(tc, test_clockguard_daemon_found_refuses_every_write);
	suite_add_tcase(s, tc);
	return check_run(s);
}
