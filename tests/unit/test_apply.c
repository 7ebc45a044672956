/* SPDX-License-Identifier: BSD-2-Clause */
/* apply against a recording struct clock_ops: what tset does to a clock. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "check_run.h"

/* A clock that records: a virtual realtime and what was asked of it. */
struct rec {
	struct timespec now;
	struct clock_status status;
	int owner_r; /* what owner() says beside the PLL: 1 found, negative: cannot tell */
	const char *owner;
	int fail_step, fail_slew, fail_rtc;
	enum clock_rtc_mode mode;
	int n_step, n_slew, n_sync, n_marked, n_rtc;
	int64_t step_ns, slew_ns;
	struct clock_sync sync;
	struct tm rtc;
	struct timespec rtc_at;
};

static int rec_now(void *ctx, struct timespec *ret)
{
	*ret = ((struct rec *)ctx)->now;
	return 0;
}

static int rec_status(void *ctx, struct clock_status *ret)
{
	*ret = ((struct rec *)ctx)->status;
	return 0;
}

static int rec_owner(void *ctx, char *ret, size_t len)
{
	struct rec *r = ctx;

	if (r->status.pll) {
		snprintf(ret, len, "the kernel's pll is on");
		return 1;
	}
	if (r->owner_r)
		snprintf(ret, len, "%s", r->owner);
	return r->owner_r;
}

static void rec_add_ns(struct timespec *t, int64_t ns)
{
	int64_t v = (int64_t)t->tv_sec * 1000000000 + t->tv_nsec + ns;

	t->tv_sec = (time_t)(v / 1000000000);
	t->tv_nsec = (long)(v % 1000000000);
}

static int rec_step(void *ctx, int64_t ns)
{
	struct rec *r = ctx;

	if (r->fail_step)
		return r->fail_step;
	r->n_step++;
	r->step_ns = ns;
	rec_add_ns(&r->now, ns);
	return 0;
}

static int rec_slew(void *ctx, int64_t ns)
{
	struct rec *r = ctx;

	if (r->fail_slew)
		return r->fail_slew;
	r->n_slew++;
	r->slew_ns = ns;
	r->status.slew_left_ns = ns;
	return 0;
}

static int rec_sync(void *ctx, const struct clock_sync *s)
{
	struct rec *r = ctx;

	r->n_sync++;
	r->sync = *s;
	return 0;
}

static int rec_mark(void *ctx)
{
	((struct rec *)ctx)->n_marked++;
	return 0;
}

static int rec_mode(void *ctx, enum clock_rtc_mode *ret)
{
	*ret = ((struct rec *)ctx)->mode;
	return 0;
}

static int rec_rtc_open(void *ctx)
{
	return 0;
}

static int rec_rtc_write(void *ctx, const struct tm *tm)
{
	struct rec *r = ctx;

	if (r->fail_rtc)
		return r->fail_rtc;
	r->n_rtc++;
	r->rtc = *tm;
	r->rtc_at = r->now;
	return 0;
}

static struct rec rec;
static struct clock_ops ops = {
	.ctx = &rec,
	.now = rec_now,
	.read_status = rec_status,
	.owner = rec_owner,
	.step = rec_step,
	.slew = rec_slew,
	.set_sync = rec_sync,
	.mark_synchronized = rec_mark,
	.rtc_mode = rec_mode,
	.rtc_open = rec_rtc_open,
	.rtc_write = rec_rtc_write,
};

/* 2026-06-30 12:00:00.25 UTC: a day a leap second may be armed */
#define JUNE30 1782820800

static void setup(void)
{
	memset(&rec, 0, sizeof(rec));
	rec.now = (struct timespec){ JUNE30, 250000000 };
	rec.status.unsync = true;
}

static struct est_system sys_at(double offset)
{
	return (struct est_system){ .offset_s = offset,
				    .jitter_s = 0.00002,
				    .root_dist_s = 0.0011,
				    .stratum = 2,
				    .leap = NTP_LEAP_NONE };
}

static struct apply_input input(void)
{
	struct apply_input in = { 0 };

	gate_policy_init(&in.gate);
	return in;
}

START_TEST(test_apply_steps_beyond_threshold_and_hands_off)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(10.5);
	struct apply_result res;

	apply_run(&in, &ops, &sys, &res);
	ck_assert_int_eq(res.action, GATE_ACTION_STEP);
	ck_assert(res.clock_set);
	ck_assert_int_eq(rec.n_step, 1);
	ck_assert_int_eq(rec.step_ns, 10500000000LL);
	ck_assert_int_eq(rec.n_slew, 0);
	ck_assert_int_eq(rec.n_sync, 1);
	ck_assert_int_eq(rec.sync.maxerror_us, 1100);
	ck_assert_int_eq(rec.sync.esterror_us, 20);
	ck_assert(!rec.sync.keep_unsync);
	ck_assert_int_eq(rec.n_marked, 1);
	ck_assert_uint_eq(res.failures, 0);
}
END_TEST

START_TEST(test_apply_slews_below_threshold_and_says_how_long)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(-0.05);
	struct apply_result res;

	apply_run(&in, &ops, &sys, &res);
	ck_assert_int_eq(res.action, GATE_ACTION_SLEW);
	ck_assert_int_eq(rec.n_slew, 1);
	ck_assert_int_eq(rec.slew_ns, -50000000);
	ck_assert_int_eq(rec.n_step, 0);
	ck_assert_double_eq_tol(res.slew_duration_s, 100.0, 1e-9);
	/* the pending slew counts into the kernel's maximum error */
	ck_assert_int_eq(rec.sync.maxerror_us, 1100 + 50000);
}
END_TEST

START_TEST(test_apply_panic_refuses_and_touches_nothing)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(2000);
	struct apply_result res;

	apply_run(&in, &ops, &sys, &res);
	ck_assert_int_eq(res.action, GATE_ACTION_REFUSE);
	ck_assert_uint_eq(res.failures, GATE_FAIL_PANIC);
	ck_assert_int_eq(rec.n_step + rec.n_slew + rec.n_sync + rec.n_marked + rec.n_rtc, 0);
}
END_TEST

START_TEST(test_apply_query_only_touches_nothing)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(5000);
	struct apply_result res;

	in.gate.query_only = true;
	in.write_rtc = true;
	apply_run(&in, &ops, &sys, &res);
	ck_assert_int_eq(res.action, GATE_ACTION_NONE);
	ck_assert_uint_eq(res.failures, 0);
	ck_assert_int_eq(rec.n_step + rec.n_slew + rec.n_sync + rec.n_marked + rec.n_rtc, 0);
}
END_TEST

START_TEST(test_apply_pll_on_means_a_daemon_owns_the_clock)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(1.0);
	struct apply_result res;

	rec.status.pll = true;
	apply_run(&in, &ops, &sys, &res);
	ck_assert_uint_eq(res.failures, GATE_FAIL_CLOCK);
	ck_assert(strstr(res.why_not, "pll") != NULL);
	ck_assert_int_eq(rec.n_step + rec.n_slew + rec.n_sync + rec.n_marked, 0);
}
END_TEST

START_TEST(test_apply_a_time_daemon_owning_the_clock_touches_nothing)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(10.0);
	struct apply_result res;

	in.write_rtc = true;
	rec.owner_r = 1;
	rec.owner = "chronyd is running (pid 1234, /run/chrony/chronyd.pid)";
	apply_run(&in, &ops, &sys, &res);
	ck_assert_uint_eq(res.failures, GATE_FAIL_CLOCK);
	ck_assert_int_eq(gate_exit_status(res.failures), GATE_EXIT_CLOCK);
	ck_assert_str_eq(res.why_not, "a time daemon owns the clock: chronyd is running "
				      "(pid 1234, /run/chrony/chronyd.pid)");
	ck_assert(!res.clock_set && !res.rtc_written);
	ck_assert_int_eq(rec.n_step + rec.n_slew + rec.n_sync + rec.n_marked + rec.n_rtc, 0);
}
END_TEST

START_TEST(test_apply_an_owner_it_cannot_tell_touches_nothing)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(0.01);
	struct apply_result res;

	rec.owner_r = -ENOENT;
	rec.owner = "cannot read /proc/net/udp: No such file or directory";
	apply_run(&in, &ops, &sys, &res);
	ck_assert_uint_eq(res.failures, GATE_FAIL_CLOCK);
	ck_assert(strstr(res.why_not, "cannot tell whether a time daemon owns the clock: "
				      "cannot read /proc/net/udp") == res.why_not);
	ck_assert_int_eq(rec.n_step + rec.n_slew + rec.n_sync + rec.n_marked + rec.n_rtc, 0);
}
END_TEST

START_TEST(test_apply_no_cap_sys_time_is_exit_4_and_says_why)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(1.0);
	struct apply_result res;

	rec.fail_step = -EPERM;
	apply_run(&in, &ops, &sys, &res);
	ck_assert_uint_eq(res.failures, GATE_FAIL_CLOCK);
	ck_assert_str_eq(res.why_not, "no CAP_SYS_TIME");
	ck_assert(!res.clock_set);
	ck_assert_int_eq(rec.n_sync + rec.n_marked, 0);
}
END_TEST

START_TEST(test_apply_disable_kernel_skips_the_hand_off)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(0.01);
	struct apply_result res;

	in.disable_kernel = true;
	apply_run(&in, &ops, &sys, &res);
	ck_assert(res.clock_set);
	ck_assert_int_eq(rec.n_sync + rec.n_marked, 0);
}
END_TEST

START_TEST(test_apply_local_rtc_keeps_unsync)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(0.01);
	struct apply_result res;

	rec.mode = CLOCK_RTC_LOCAL;
	apply_run(&in, &ops, &sys, &res);
	ck_assert(rec.sync.keep_unsync);
	ck_assert(res.kept_unsync);
}
END_TEST

START_TEST(test_apply_arms_announced_leap_on_june_30_only)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(0.01);
	struct apply_result res;

	sys.leap = NTP_LEAP_INSERT;
	apply_run(&in, &ops, &sys, &res);
	ck_assert_int_eq(rec.sync.leap, NTP_LEAP_INSERT);
	setup();
	rec.now.tv_sec = JUNE30 - 86400; /* June 29 */
	apply_run(&in, &ops, &sys, &res);
	ck_assert_int_eq(rec.sync.leap, NTP_LEAP_NONE);
}
END_TEST

START_TEST(test_apply_rtc_gets_true_time_including_pending_slew)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(0.1); /* slew: 0.1 s still pending */
	struct apply_result res;

	in.write_rtc = true;
	rec.now = (struct timespec){ JUNE30, 350000000 };
	apply_run(&in, &ops, &sys, &res);
	ck_assert(res.rtc_written);
	/* true time 12:00:00.45: the virtual clock does not move while apply
	 * sleeps, so the write comes at once with 12:00:00 */
	ck_assert_int_eq(rec.rtc.tm_hour, 12);
	ck_assert_int_eq(rec.rtc.tm_min, 0);
	ck_assert_int_eq(rec.rtc.tm_sec, 0);
	rec.status.slew_left_ns = 900000000; /* true time 12:00:01.25 */
	rec.n_rtc = 0;
	in.gate.mode = GATE_MODE_STEP;
	sys = sys_at(0.0);
	apply_run(&in, &ops, &sys, &res);
	ck_assert_int_eq(rec.rtc.tm_sec, 1);
}
END_TEST

START_TEST(test_apply_rtc_failure_still_sets_the_clock)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(3.0);
	struct apply_result res;

	in.write_rtc = true;
	rec.fail_rtc = -EIO;
	apply_run(&in, &ops, &sys, &res);
	ck_assert(res.clock_set);
	ck_assert_uint_eq(res.failures, GATE_FAIL_RTC);
	ck_assert_int_eq(gate_exit_status(res.failures), GATE_EXIT_RTC);
	setup();
	in.rtc_open_error = -ENOENT;
	apply_run(&in, &ops, &sys, &res);
	ck_assert(res.clock_set);
	ck_assert_uint_eq(res.failures, GATE_FAIL_RTC);
}
END_TEST

START_TEST(test_apply_without_the_run_lock_touches_nothing)
{
	struct apply_input in = input();
	struct est_system sys = sys_at(5.0);
	struct apply_result res;

	in.lock_error = "cannot open '/nonexistent/tset.lock': No such file or directory";
	apply_run(&in, &ops, &sys, &res);
	ck_assert_uint_eq(res.failures, GATE_FAIL_CLOCK);
	ck_assert(strstr(res.why_not, "run lock") != NULL);
	ck_assert(strstr(res.why_not, "/nonexistent/tset.lock") != NULL);
	ck_assert_int_eq(rec.n_step + rec.n_slew + rec.n_sync + rec.n_marked + rec.n_rtc, 0);
}
END_TEST

START_TEST(test_apply_rtc_wait_aligns_to_the_half_second)
{
	struct timespec t = { 100, 250000000 };

	ck_assert_int_eq(apply_rtc_wait_ns(&t), 250000000);
	t.tv_nsec = 500000000;
	ck_assert_int_eq(apply_rtc_wait_ns(&t), 0);
	t.tv_nsec = 750000000;
	ck_assert_int_eq(apply_rtc_wait_ns(&t), 750000000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("apply");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_apply_steps_beyond_threshold_and_hands_off);
	tcase_add_test(tc, test_apply_slews_below_threshold_and_says_how_long);
	tcase_add_test(tc, test_apply_panic_refuses_and_touches_nothing);
	tcase_add_test(tc, test_apply_query_only_touches_nothing);
	tcase_add_test(tc, test_apply_pll_on_means_a_daemon_owns_the_clock);
	tcase_add_test(tc, test_apply_a_time_daemon_owning_the_clock_touches_nothing);
	tcase_add_test(tc, test_apply_an_owner_it_cannot_tell_touches_nothing);
	tcase_add_test(tc, test_apply_no_cap_sys_time_is_exit_4_and_says_why);
	tcase_add_test(tc, test_apply_disable_kernel_skips_the_hand_off);
	tcase_add_test(tc, test_apply_local_rtc_keeps_unsync);
	tcase_add_test(tc, test_apply_arms_announced_leap_on_june_30_only);
	tcase_add_test(tc, test_apply_rtc_gets_true_time_including_pending_slew);
	tcase_add_test(tc, test_apply_rtc_failure_still_sets_the_clock);
	tcase_add_test(tc, test_apply_without_the_run_lock_touches_nothing);
	tcase_add_test(tc, test_apply_rtc_wait_aligns_to_the_half_second);
	suite_add_tcase(s, tc);
	return check_run(s);
}
