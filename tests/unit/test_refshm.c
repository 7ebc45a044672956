/* SPDX-License-Identifier: BSD-2-Clause */
/* refshm: a shared-memory sample is taken once, with its offset and
 * precision; a writer's "no time" and nonsense are refused; a read torn
 * by a writer (count changed meanwhile) is never used. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check_run.h"
#include "refshm.h"

#define S INT64_C(1000000000)

static void seg_write(struct refshm_segment *seg, time_t clock_sec, int clock_usec, time_t recv_sec,
		      int recv_usec)
{
	seg->mode = 1;
	seg->count++;
	seg->clock_sec = clock_sec;
	seg->clock_usec = clock_usec;
	seg->clock_nsec = (unsigned)clock_usec * 1000;
	seg->receive_sec = recv_sec;
	seg->receive_usec = recv_usec;
	seg->receive_nsec = (unsigned)recv_usec * 1000;
	seg->precision = -20;
	seg->count++;
	seg->valid = 1;
}

START_TEST(test_refshm_sample_is_taken_once)
{
	struct refshm_segment seg = { 0 };
	int64_t off = 0;
	int8_t prec = 0;

	ck_assert_int_eq(refshm_take(&seg, &off, &prec), REFSHM_NONE);
	seg_write(&seg, 1000000, 500000, 1000000, 250000);
	ck_assert_int_eq(refshm_take(&seg, &off, &prec), REFSHM_SAMPLE);
	ck_assert_int_eq(off, S / 4);
	ck_assert_int_eq(prec, -20);
	ck_assert_int_eq(seg.valid, 0);
	ck_assert_int_eq(refshm_take(&seg, &off, &prec), REFSHM_NONE);
	/* nanoseconds that disagree with the microseconds are not used */
	seg_write(&seg, 1000000, 500000, 1000000, 250000);
	seg.clock_nsec = 123;
	ck_assert_int_eq(refshm_take(&seg, &off, &prec), REFSHM_SAMPLE);
	ck_assert_int_eq(off, S / 4);
}
END_TEST

START_TEST(test_refshm_refuses_unsync_and_nonsense)
{
	struct refshm_segment seg = { 0 };
	int64_t off = 0;
	int8_t prec = 0;

	seg_write(&seg, 1000000, 0, 1000000, 0);
	seg.leap = REFSHM_LEAP_UNSYNC;
	ck_assert_int_eq(refshm_take(&seg, &off, &prec), REFSHM_UNSYNC);
	seg_write(&seg, 1000000, 1000000, 1000000, 0); /* usec out of range */
	seg.leap = 0;
	ck_assert_int_eq(refshm_take(&seg, &off, &prec), REFSHM_BAD);
	seg_write(&seg, 1000000, 0, 1000000, 0);
	seg.mode = 7;
	ck_assert_int_eq(refshm_take(&seg, &off, &prec), REFSHM_BAD);
	seg_write(&seg, 1000000, 0, 1000000, 0);
	seg.precision = 5; /* clamped: never 0 or worse than a second */
	ck_assert_int_eq(refshm_take(&seg, &off, &prec), REFSHM_SAMPLE);
	ck_assert_int_eq(prec, -1);
}
END_TEST

/* A writer rewrites the segment as fast as it can, as gpsd does in mode
 * 1 (valid cleared, count incremented, the fields, count incremented,
 * valid set), each write a consistent pair 7 s apart and successive
 * writes 1 s apart. A read that mixed two writes would see an offset
 * other than 7 s: every sample taken must be 7 s. */
static struct refshm_segment torn_seg;
static atomic_bool torn_stop;

static void *torn_writer(void *arg)
{
	for (time_t i = 0; !atomic_load(&torn_stop); i++) {
		torn_seg.valid = 0;
		torn_seg.count++;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		torn_seg.clock_sec = 2000000 + i;
		for (volatile int k = 0; k < 50; k++) /* a slow writer: reads overlap it */
			;
		torn_seg.receive_sec = 2000000 + i - 7;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		torn_seg.count++;
		torn_seg.valid = 1;
	}
	return arg;
}

START_TEST(test_refshm_torn_read_is_discarded)
{
	pthread_t t;
	unsigned samples = 0, torn = 0, wrong = 0;

	torn_seg = (struct refshm_segment){ .mode = 1, .clock_sec = 1, .receive_sec = 1 };
	atomic_store(&torn_stop, false);
	ck_assert_int_eq(pthread_create(&t, NULL, torn_writer, NULL), 0);
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	now = t0;
	/* bounded: 20000 samples, or 5 s of a loaded machine */
	while (samples < 20000 && now.tv_sec - t0.tv_sec < 5) {
		int64_t off = 0;
		int8_t prec;
		enum refshm_read r = refshm_take(&torn_seg, &off, &prec);

		if (r == REFSHM_SAMPLE) {
			samples++;
			wrong += off != 7 * S;
		}
		torn += r == REFSHM_TORN;
		clock_gettime(CLOCK_MONOTONIC, &now);
	}
	atomic_store(&torn_stop, true);
	pthread_join(t, NULL);
	ck_assert_msg(wrong == 0, "%u of %u samples mixed two writes (%u torn reads discarded)",
		      wrong, samples, torn);
	ck_assert_uint_gt(samples, 0);
	fprintf(stderr, "refshm: %u samples, %u torn reads discarded\n", samples, torn);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("refshm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_refshm_sample_is_taken_once);
	tcase_add_test(tc, test_refshm_refuses_unsync_and_nonsense);
	tcase_add_test(tc, test_refshm_torn_read_is_discarded);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
