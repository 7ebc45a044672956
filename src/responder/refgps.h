/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refgps: one GPS reference through gpsd (ntpd's driver 46, `server
 * 127.127.46.u`): what its reports say, as samples for refest. No I/O:
 * gpsclient reads the reports, refclock hands each to the unit it is for.
 *
 * Samples are kept as reference time minus CLOCK_MONOTONIC (the offset
 * measured against CLOCK_REALTIME, plus REALTIME - MONOTONIC when the
 * report came): a step of the system clock after a sample does not make
 * it wrong. The offset to serve is the estimate minus REALTIME -
 * MONOTONIC now.
 *   - TOFF (serial time): GPS time - our clock at that second, plus time2.
 *   - PPS: GPS time - our clock at the pulse, plus time1; the pulse gives
 *     the fraction of the second, the whole seconds come from the serial
 *     estimate (a pulse without a recent serial time is not used).
 * Usable while the last fix report (TPV) is at most REFGPS_MAX_AGE_S old
 * and says mode 2 or 3, and a sample is at most that old; the PPS
 * estimate is served while it has one, else the serial one. A report of
 * no fix drops every sample: a fix that comes back starts afresh.
 */
#ifndef TSET_RESPONDER_REFGPS_H
#define TSET_RESPONDER_REFGPS_H

#include <stdbool.h>
#include <stdint.h>

#include "gpsclient.h"
#include "refest.h"

#define REFGPS_MAX_AGE_S	8     /* staleness bound of reports and samples */
#define REFGPS_PRECISION_PPS	(-20) /* about 1 us: a kernel pulse timestamp */
#define REFGPS_PRECISION_SERIAL (-10) /* about 1 ms: the end of a sentence */

struct refgps {
	unsigned unit;
	int64_t time1_ns, time2_ns; /* fudge: added to PPS, serial offsets */
	int mode;		    /* of the last TPV */
	int64_t mode_at_ns;	    /* when it came (CLOCK_MONOTONIC); 0: never */
	struct refest serial, pps;
	uint64_t n_serial, n_pps, n_pps_unnumbered;
	int64_t last_offset_ns; /* of the last sample, against CLOCK_REALTIME */
};

void refgps_init(struct refgps *g, unsigned unit, double time1_s, double time2_s);
/* A report for this unit, received at mono_ns (CLOCK_MONOTONIC) when
 * CLOCK_REALTIME - CLOCK_MONOTONIC was base_ns. */
void refgps_on_msg(struct refgps *g, const struct gpsclient_msg *m, int64_t mono_ns,
		   int64_t base_ns);
/* The estimate at now_ns (CLOCK_MONOTONIC) and its precision (log2 s):
 * NULL when usable (ret set), else why not, for the log. */
const char *refgps_estimate(const struct refgps *g, int64_t now_ns, struct refest_result *ret,
			    int8_t *ret_precision);

/* The unit a device path names (/dev/gpsN, as ntpd's driver 46 maps
 * them; N decimal, 0-255): true and *ret_unit, else false. */
bool refgps_device_unit(const char *path, unsigned *ret_unit);

#endif
