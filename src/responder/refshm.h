/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refshm: ntpd's shared-memory reference (driver 28, `server
 * 127.127.28.u`), which gpsd, chrony's refclock and others write: a
 * System V segment with key 0x4e545030 + u ("NTP0"...), created by the
 * reader (mode 0600 for units 0 and 1, 0666 above, as ntpd does) so that
 * a writer that starts later finds it. gpsd writes its serial time to
 * NTP0 and its PPS to NTP1 for its first device.
 *
 * Each sample is read once: a writer sets `valid` after writing, the
 * reader clears it. In mode 1 the writer clears valid, increments
 * `count`, writes, increments count and sets valid (as gpsd does); a read
 * after which count changed or valid is no longer set is torn and
 * discarded.
 * Samples go to refest as in refgps (reference time minus
 * CLOCK_MONOTONIC), with time1 added; usable while a sample is at most
 * REFSHM_MAX_AGE_S old.
 */
#ifndef TSET_RESPONDER_REFSHM_H
#define TSET_RESPONDER_REFSHM_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "refest.h"

#define REFSHM_KEY_BASE	   0x4e545030 /* "NTP0" */
#define REFSHM_MAX_AGE_S   8
#define REFSHM_LEAP_UNSYNC 3 /* the writer says it has no time */

/* The segment as writers lay it out (the de facto interface of ntpd's
 * driver 28; every writer uses these types on the same machine). */
struct refshm_segment {
	int mode; /* 0: valid alone; 1: count around the writes */
	volatile int count;
	time_t clock_sec; /* reference time */
	int clock_usec;
	time_t receive_sec; /* our clock at that moment */
	int receive_usec;
	int leap;
	int precision;
	int nsamples;
	volatile int valid;
	unsigned clock_nsec; /* when consistent with the usec fields */
	unsigned receive_nsec;
	int dummy[8];
};

enum refshm_read {
	REFSHM_NONE = 0, /* nothing new */
	REFSHM_SAMPLE,	 /* *ret_offset_ns and *ret_precision set */
	REFSHM_TORN,	 /* count changed while reading: discarded */
	REFSHM_UNSYNC,	 /* the writer says leap 3 */
	REFSHM_BAD,	 /* a mode or a time out of range */
};

/*
 * Take the sample in seg, if there is a new one, and clear valid. The
 * offset is reference time - our clock at that moment (nanoseconds), the
 * precision the writer's (log2 s, clamped to -30..-1). No system call.
 */
enum refshm_read refshm_take(struct refshm_segment *seg, int64_t *ret_offset_ns,
			     int8_t *ret_precision);

struct refshm {
	unsigned unit;
	int64_t time1_ns;
	struct refshm_segment *seg; /* NULL until attached */
	struct refest est;
	int8_t precision;
	uint64_t n_samples, n_torn, n_unsync, n_bad;
	int64_t last_offset_ns;
};

void refshm_init(struct refshm *s, unsigned unit, double time1_s);
/* Create or attach the segment (before privileges go). 0 or -errno:
 * -EPERM for a segment of unit 0 or 1 that a user other than root (or
 * us) owns or created, or that others may write. */
int refshm_attach(struct refshm *s);
void refshm_detach(struct refshm *s);
/* Read a new sample, if any, at mono_ns with REALTIME - MONOTONIC base_ns. */
void refshm_poll(struct refshm *s, int64_t mono_ns, int64_t base_ns);
/* As refgps_estimate. */
const char *refshm_estimate(const struct refshm *s, int64_t now_ns, struct refest_result *ret,
			    int8_t *ret_precision);

#endif
