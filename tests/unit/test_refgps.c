/* SPDX-License-Identifier: BSD-2-Clause */
/* refgps: time2 on the serial time, time1 on the pulse whose whole
 * seconds come from the serial time, no fix no samples, and /dev/gpsN. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "refgps.h"

#define S  INT64_C(1000000000)
#define MS INT64_C(1000000)

static struct gpsclient_msg msg(enum gpsclient_kind kind, int mode, time_t real_sec, long real_nsec,
				time_t clock_sec, long clock_nsec)
{
	struct gpsclient_msg m = { .kind = kind, .mode = mode };

	m.real = (struct timespec){ real_sec, real_nsec };
	m.clock = (struct timespec){ clock_sec, clock_nsec };
	return m;
}

START_TEST(test_refgps_pps_numbered_by_serial_time1_time2)
{
	struct refgps g;
	struct refest_result r;
	struct gpsclient_msg tpv = msg(GPSCLIENT_TPV, GPSCLIENT_MODE_3D, 0, 0, 0, 0), m;
	int8_t prec = 0;

	refgps_init(&g, 0, 0.004, -0.080);
	ck_assert_str_eq(refgps_estimate(&g, 10 * S, &r, &prec), "no fix report yet");
	refgps_on_msg(&g, &tpv, 10 * S, 0);
	/* serial: GPS 3.33 s ahead (its sentence 80 ms late); time2 -0.080 */
	m = msg(GPSCLIENT_TOFF, 0, 1000, 0, 996, 670 * MS);
	refgps_on_msg(&g, &m, 10 * S, 0);
	ck_assert_ptr_null(refgps_estimate(&g, 10 * S, &r, &prec));
	ck_assert_int_eq(r.value_ns, 3250 * MS);
	ck_assert_int_eq(prec, REFGPS_PRECISION_SERIAL);
	/* a pulse numbered a second wrong by gpsd: the fraction is its own
	 * (0.25 + time1), the seconds the serial time's */
	m = msg(GPSCLIENT_PPS, 0, 1001, 0, 998, 750 * MS);
	refgps_on_msg(&g, &m, 10 * S, 0);
	ck_assert_ptr_null(refgps_estimate(&g, 10 * S, &r, &prec));
	ck_assert_int_eq(r.value_ns, 3254 * MS);
	ck_assert_int_eq(prec, REFGPS_PRECISION_PPS);
	ck_assert_int_eq(g.last_offset_ns, 3254 * MS);
	/* kept against the monotonic clock: the system clock stepped 5 s
	 * ahead (REALTIME - MONOTONIC 5 s more) gives the same sample */
	m = msg(GPSCLIENT_PPS, 0, 1002, 0, 1003, 750 * MS);
	refgps_on_msg(&g, &m, 11 * S, 5 * S);
	ck_assert_int_eq(g.pps.s[1].value_ns, 3254 * MS);
	ck_assert_int_eq(g.last_offset_ns, 3254 * MS - 5 * S);
}
END_TEST

START_TEST(test_refgps_pulse_without_serial_is_not_used)
{
	struct refgps g;
	struct refest_result r;
	struct gpsclient_msg tpv = msg(GPSCLIENT_TPV, GPSCLIENT_MODE_2D, 0, 0, 0, 0);
	struct gpsclient_msg pps = msg(GPSCLIENT_PPS, 0, 1001, 0, 1000, 0);
	int8_t prec;

	refgps_init(&g, 0, 0, 0);
	refgps_on_msg(&g, &tpv, S, 0);
	refgps_on_msg(&g, &pps, S, 0);
	ck_assert_uint_eq(g.n_pps_unnumbered, 1);
	ck_assert_str_eq(refgps_estimate(&g, S, &r, &prec), "time samples stopped");
}
END_TEST

START_TEST(test_refgps_fix_lost_drops_samples_and_staleness)
{
	struct refgps g;
	struct refest_result r;
	struct gpsclient_msg fix = msg(GPSCLIENT_TPV, GPSCLIENT_MODE_3D, 0, 0, 0, 0);
	struct gpsclient_msg nofix = msg(GPSCLIENT_TPV, GPSCLIENT_MODE_NO_FIX, 0, 0, 0, 0);
	struct gpsclient_msg toff = msg(GPSCLIENT_TOFF, 0, 1001, 0, 1000, 0);
	int8_t prec;

	refgps_init(&g, 0, 0, 0);
	refgps_on_msg(&g, &fix, S, 0);
	refgps_on_msg(&g, &toff, S, 0);
	ck_assert_ptr_null(refgps_estimate(&g, S, &r, &prec));
	/* the fix report older than the bound: stale */
	ck_assert_str_eq(refgps_estimate(&g, S + REFGPS_MAX_AGE_S * S + 1, &r, &prec),
			 "fix reports stopped");
	refgps_on_msg(&g, &nofix, 2 * S, 0);
	ck_assert_str_eq(refgps_estimate(&g, 2 * S, &r, &prec), "no fix");
	refgps_on_msg(&g, &toff, 2 * S, 0); /* a TOFF without a fix: not a sample */
	refgps_on_msg(&g, &fix, 3 * S, 0);
	ck_assert_str_eq(refgps_estimate(&g, 3 * S, &r, &prec), "time samples stopped");
}
END_TEST

START_TEST(test_refgps_device_unit_names)
{
	unsigned u = 99;

	ck_assert(refgps_device_unit("/dev/gps0", &u) && u == 0);
	ck_assert(refgps_device_unit("/dev/gps12", &u) && u == 12);
	ck_assert(!refgps_device_unit("/dev/gps", &u));
	ck_assert(!refgps_device_unit("/dev/gps1x", &u));
	ck_assert(!refgps_device_unit("/dev/gps-1", &u));
	ck_assert(!refgps_device_unit("/dev/ttyACM0", &u));
	ck_assert(!refgps_device_unit("", &u));
	/* sscanf's %u would take these */
	ck_assert(!refgps_device_unit("/dev/gps 1", &u));
	ck_assert(!refgps_device_unit("/dev/gps+1", &u));
	ck_assert(refgps_device_unit("/dev/gps255", &u) && u == 255);
	ck_assert(!refgps_device_unit("/dev/gps256", &u));
	ck_assert(!refgps_device_unit("/dev/gps4294967296", &u));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("refgps");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_refgps_pps_numbered_by_serial_time1_time2);
	tcase_add_test(tc, test_refgps_pulse_without_serial_is_not_used);
	tcase_add_test(tc, test_refgps_fix_lost_drops_samples_and_staleness);
	tcase_add_test(tc, test_refgps_device_unit_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
