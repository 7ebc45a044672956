/* SPDX-License-Identifier: BSD-2-Clause */
/* refclock: what the local clock serves, and that it never looks better
 * as it gets staler. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "ntp_time.h"
#include "refclock.h"

#define S	 INT64_C(1000000000)
#define DISP_TOL 1e-12

static struct clock_status synced(double maxerror_s)
{
	return (struct clock_status){ .unsync = false, .maxerror_us = (int64_t)(maxerror_s * 1e6) };
}

static const struct clock_status unsynced = { .unsync = true, .maxerror_us = 16000000 };

START_TEST(test_refclock_synchronised_serves_maxerror_capped)
{
	struct refclock_sync_memory mem = { 0 };
	struct clock_status st = synced(0.0042);

	ck_assert_double_eq_tol(refclock_local_disp_s(&st, 100 * S, &mem), 0.0042, DISP_TOL);
	ck_assert(mem.seen && mem.at_ns == 100 * S);
	st = synced(16.0);
	ck_assert_double_eq_tol(refclock_local_disp_s(&st, 101 * S, &mem),
				REFCLOCK_LOCAL_DISP_MAX_S, DISP_TOL);
	st = synced(0);
	st.maxerror_us = -5; /* nonsense from a kernel: never a negative dispersion */
	ck_assert_double_eq_tol(refclock_local_disp_s(&st, 102 * S, &mem), 0.0, DISP_TOL);
}
END_TEST

/* The kernel loses sync (its maxerror reached 0.5 s, then STA_UNSYNC set
 * by the kernel or a daemon): the dispersion goes on from there, at PHI. */
START_TEST(test_refclock_unsync_after_sync_never_decreases)
{
	struct refclock_sync_memory mem = { 0 };
	struct clock_status st = synced(0.5);
	double before = refclock_local_disp_s(&st, 1000 * S, &mem), at, later;

	at = refclock_local_disp_s(&unsynced, 1000 * S, &mem);
	later = refclock_local_disp_s(&unsynced, 2000 * S, &mem);
	ck_assert_double_ge(at, before);
	ck_assert_double_eq_tol(at, 0.5, DISP_TOL);
	ck_assert_double_eq_tol(later, 0.5 + NTP_PHI * 1000, DISP_TOL);
	/* a clock synchronised at 2 ms: unsynchronised, at least the local 10 ms */
	st = synced(0.002);
	refclock_local_disp_s(&st, 3000 * S, &mem);
	ck_assert_double_eq_tol(refclock_local_disp_s(&unsynced, 3000 * S, &mem),
				REFCLOCK_LOCAL_DISP_S, DISP_TOL);
	/* grows at PHI from the last synchronised value once above the floor */
	ck_assert_double_eq_tol(refclock_local_disp_s(&unsynced, 3000 * S + 10000 * S, &mem),
				0.002 + NTP_PHI * 10000, DISP_TOL);
}
END_TEST

/* A clock nothing synchronised: the local driver's 10 ms, plus PHI for
 * each second since boot, at most 1 s. */
START_TEST(test_refclock_never_synchronised_grows_from_boot)
{
	static const struct {
		int64_t now_ns;
		double disp_s;
	} v[] = {
		{ 0, REFCLOCK_LOCAL_DISP_S },
		{ 10 * S, REFCLOCK_LOCAL_DISP_S + 10 * NTP_PHI },
		{ 1000 * S, REFCLOCK_LOCAL_DISP_S + 1000 * NTP_PHI }, /* 25 ms */
		{ 3600 * S, REFCLOCK_LOCAL_DISP_S + 3600 * NTP_PHI }, /* 64 ms */
		{ 66000 * S, REFCLOCK_LOCAL_DISP_MAX_S },	      /* 18 h: the cap */
		{ 400 * 86400 * S, REFCLOCK_LOCAL_DISP_MAX_S },
	};
	struct refclock_sync_memory mem = { 0 };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_double_eq_tol(refclock_local_disp_s(&unsynced, v[i].now_ns, &mem),
					v[i].disp_s, DISP_TOL);
	ck_assert(!mem.seen);
}
END_TEST

/* Random kernel histories (fixed seeds): whenever the kernel is not
 * synchronised, the dispersion served is never below what was served the
 * moment before, and never above the cap. */
START_TEST(test_refclock_random_histories_never_improve_while_unsynchronised)
{
	for (unsigned seed = 1; seed <= 200; seed++) {
		struct refclock_sync_memory mem = { 0 };
		double prev = 0, maxerror_s = 0;
		int64_t now;

		srand(seed);
		now = (int64_t)(rand() % 100000) * S;
		for (int step = 0; step < 500; step++) {
			int64_t dt = (int64_t)(rand() % 5000) * (S / 10);
			struct clock_status st;
			double d;

			now += dt;
			maxerror_s += 500e-6 * (double)dt / S; /* the kernel's growth */
			if (rand() % 8 == 0)
				maxerror_s = (rand() % 1000) * 1e-4; /* tset hands over */
			st = rand() % 3 ? synced(maxerror_s) : unsynced;
			d = refclock_local_disp_s(&st, now, &mem);
			ck_assert_msg(d <= REFCLOCK_LOCAL_DISP_MAX_S, "seed %u: %g above the cap",
				      seed, d);
			ck_assert_msg(!st.unsync || d >= prev,
				      "seed %u step %d: unsynchronised %g after %g", seed, step, d,
				      prev);
			prev = d;
		}
	}
}
END_TEST

/* refclock_current keeps the memory in the set: through a recording
 * clock, the served root dispersion on the wire. */
static struct clock_status fake_status;

static int fake_read_status(void *ctx, struct clock_status *ret)
{
	*ret = fake_status;
	return 0;
}

START_TEST(test_refclock_current_serves_the_stale_value_on_the_wire)
{
	struct clock_ops clock = { .read_status = fake_read_status };
	static struct config cfg;
	struct refclock_set set;
	struct ref_state ref;
	const char *text = "server 127.127.1.0\nfudge 127.127.1.0 stratum 7\n";
	uint32_t was;

	config_init(&cfg);
	ck_assert_int_eq(config_parse(&cfg, text, strlen(text), "t", CONFIG_PROGRAM_TSETD, NULL),
			 0);
	ck_assert_uint_eq(refclock_set_init(&set, &cfg, &clock), 1);
	fake_status = synced(0.5);
	refclock_current(&set, 500 * S, &ref);
	ck_assert(ref.usable);
	ck_assert_uint_eq(ref.stratum, 7);
	was = ref.root_disp_ntp32;
	ck_assert_uint_eq(was, ntp_time_short_from_s(0.5));
	fake_status = unsynced;
	refclock_current(&set, 500 * S, &ref);
	ck_assert(ref.usable);
	ck_assert_uint_ge(ref.root_disp_ntp32, was);
	refclock_current(&set, 600 * S, &ref);
	ck_assert_uint_eq(ref.root_disp_ntp32, ntp_time_short_from_s(0.5 + 100 * NTP_PHI));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("refclock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_refclock_synchronised_serves_maxerror_capped);
	tcase_add_test(tc, test_refclock_unsync_after_sync_never_decreases);
	tcase_add_test(tc, test_refclock_never_synchronised_grows_from_boot);
	tcase_add_test(tc, test_refclock_random_histories_never_improve_while_unsynchronised);
	tcase_add_test(tc, test_refclock_current_serves_the_stale_value_on_the_wire);
	suite_add_tcase(s, tc);
	return check_run(s);
}
