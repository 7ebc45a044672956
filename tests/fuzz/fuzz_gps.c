/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: what tsetd reads from gpsd, through the code that reads it
 * (refclock_gps_feed: gpsclient's line reader, libgps's gps_unpack(),
 * gpsclient's decoding of the `set` bits, refclock's routing to a unit,
 * refgps's samples and estimate), so that tsetd sees every value libgps
 * can hand over: NaN, huge and negative seconds, nanoseconds out of
 * range, odd modes, device lists, cut and overlong lines. The input is:
 *   - one byte: bit 0 adds `server 127.127.46.1` (two GPS references, so
 *     that reports are routed by device), bit 1 a local clock, bit 2 the
 *     fudge time1 0.004 time2 -0.1 on unit 0;
 *   - one byte: the size of the pieces the rest is fed in (1..256), as
 *     reads of a socket would cut it;
 *   - the bytes from gpsd.
 * After each piece: a fix mode is one of gpsd's (0..3); what is served is
 * stratum 1, refid GPS, no leap warning and the PPS or serial precision
 * while a GPS reference is usable, the local clock's stratum 10 when it
 * is the one, else unsynchronised (LI=3, stratum 0); an estimate is over
 * 1..REFEST_NSAMPLES samples with a spread >= 0; the reader's counters
 * never count more lines than newlines were fed.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "gpsclient.h"
#include "log.h"
#include "refclock.h"

struct fuzz_world {
	struct config cfg;
	struct refclock_set refs;
	struct clock_ops ops;
	bool quiet;
};

static int fuzz_now(void *ctx, struct timespec *ret)
{
	return clock_gettime(CLOCK_REALTIME, ret) < 0 ? -1 : 0;
}

static int fuzz_read_status(void *ctx, struct clock_status *ret)
{
	*ret = (struct clock_status){ .unsync = true };
	return 0;
}

static void fuzz_check_served(struct refclock_set *set, bool local)
{
	struct ref_state st;

	refclock_current(set, loop_now_ns(), &st);
	if (!st.usable) {
		FUZZ_CHECK(!local && st.leap == NTP_LEAP_UNSYNC && st.stratum == 0);
		return;
	}
	if (st.stratum == REFCLOCK_LOCAL_STRATUM) {
		FUZZ_CHECK(local);
		return;
	}
	FUZZ_CHECK(st.stratum == REFCLOCK_GPS_STRATUM && memcmp(st.refid, "GPS", 4) == 0);
	FUZZ_CHECK(st.leap == NTP_LEAP_NONE);
	FUZZ_CHECK(st.precision == REFGPS_PRECISION_PPS || st.precision == REFGPS_PRECISION_SERIAL);
}

static void fuzz_check_refs(struct refclock_set *set)
{
	for (unsigned i = 0; i < set->n; i++) {
		struct refclock_report rep;

		if (set->ref[i].kind != REFCLOCK_GPSD)
			continue;
		FUZZ_CHECK(set->ref[i].gps.mode >= GPSCLIENT_MODE_UNKNOWN &&
			   set->ref[i].gps.mode <= GPSCLIENT_MODE_3D);
		refclock_describe(set, i, loop_now_ns(), &rep);
		if (!rep.has_est)
			continue;
		FUZZ_CHECK(rep.est.n >= 1 && rep.est.n <= REFEST_NSAMPLES);
		FUZZ_CHECK(isfinite(rep.est.spread_s) && rep.est.spread_s >= 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_world w; /* struct config is large */
	char conf[256];
	unsigned flags = size > 0 ? data[0] : 0, piece = size > 1 ? data[1] + 1u : 1;
	size_t off = size < 2 ? size : 2, newlines = 0;
	bool local = flags & 2;
	int n = snprintf(conf, sizeof(conf), "server 127.127.46.0\n%s%s%s",
			 flags & 1 ? "server 127.127.46.1\n" : "",
			 local ? "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n" : "",
			 flags & 4 ? "fudge 127.127.46.0 time1 0.004 time2 -0.1\n" : "");

	if (!w.quiet) /* tsetd's log lines (a device came, gpsd's version) */
		w.quiet = log_to_file("/dev/null") == 0;
	config_init(&w.cfg);
	FUZZ_CHECK(config_parse(&w.cfg, conf, (size_t)n, "fuzz.conf", CONFIG_PROGRAM_TSETD, NULL) ==
		   0);
	w.ops = (struct clock_ops){ .now = fuzz_now, .read_status = fuzz_read_status };
	FUZZ_CHECK(refclock_set_init(&w.refs, &w.cfg, &w.ops) >= 1);
	while (off < size) {
		size_t k = size - off < piece ? size - off : piece;
		const struct gpsclient_counters *c;

		FUZZ_CHECK(refclock_gps_feed(&w.refs, (const char *)data + off, k) == 0);
		for (size_t i = 0; i < k; i++)
			newlines += data[off + i] == '\n';
		off += k;
		c = gpsclient_counters(w.refs.gps);
		FUZZ_CHECK(c->reports + c->malformed <= newlines + 1);
		fuzz_check_refs(&w.refs);
		fuzz_check_served(&w.refs, local);
	}
	refclock_set_free(&w.refs);
	return 0;
}
