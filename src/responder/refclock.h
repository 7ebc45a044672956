/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refclock: what tsetd serves. Each configured reference (ntpd's
 * 127.127.t.u pseudo-addresses with their fudge lines) says whether it is
 * usable now and what to put in a reply's header; the best usable one is
 * served: GPS while it has a fix (its own issue: the seam is here), the
 * local clock otherwise; with none, replies say unsynchronised.
 */
#ifndef TSET_RESPONDER_REFCLOCK_H
#define TSET_RESPONDER_REFCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "config.h"

/*
 * Root dispersion of the local clock: it never looks better as it gets
 * staler.
 *   - While the kernel says synchronised (STA_UNSYNC clear, which tset
 *     hands over after setting the clock): the kernel's maxerror, which
 *     the kernel grows by 500 us/s.
 *   - While it does not, after tsetd has seen it synchronised: the last
 *     synchronised value plus PHI (15 ppm, RFC 5905) for each second since
 *     it was seen, and at least REFCLOCK_LOCAL_DISP_S.
 *   - While it does not, and tsetd has never seen it synchronised (nothing
 *     set the clock, or not with the hand-off): REFCLOCK_LOCAL_DISP_S, the
 *     10 ms that ntpd's local driver declares, plus PHI for each second
 *     since boot (CLOCK_MONOTONIC's origin, when the kernel took the time
 *     from the RTC), so that a restart of tsetd does not make it younger.
 * Always at most REFCLOCK_LOCAL_DISP_MAX_S: clients keep accepting a LAN
 * server in holdover (RFC 5905 MAXDIST is 1.5 s), which is what the local
 * clock is for. tsetd's memory of the synchronised value does not outlive
 * the process.
 */
#define REFCLOCK_LOCAL_DISP_S	  0.01
#define REFCLOCK_LOCAL_DISP_MAX_S 1.0
#define REFCLOCK_LOCAL_STRATUM	  10

/* The header fields of a reply, and the offset to add to the system clock. */
struct ref_state {
	bool usable;
	enum ntp_leap leap;
	uint8_t stratum;
	uint8_t refid[4];
	uint32_t root_delay_ntp32;
	uint32_t root_disp_ntp32;
	int64_t offset_ns;
};

enum refclock_kind {
	REFCLOCK_LOCAL,
};

/* What the local clock remembers of the last synchronised kernel state. */
struct refclock_sync_memory {
	bool seen;
	double disp_s; /* the root dispersion served then */
	int64_t at_ns; /* when (CLOCK_MONOTONIC) */
};

struct refclock {
	enum refclock_kind kind;
	uint8_t stratum;
	uint8_t refid[4];
	int64_t offset_ns; /* fudge time1 */
	struct refclock_sync_memory sync;
};

struct refclock_set {
	const struct clock_ops *clock;
	struct refclock ref[CONFIG_MAX_REFCLOCKS];
	unsigned n;
};

/* The references of cfg that tsetd can serve; others are logged and
 * skipped. Returns the number set up. */
unsigned refclock_set_init(struct refclock_set *set, const struct config *cfg,
			   const struct clock_ops *clock);

/* The state to serve at now_ns (CLOCK_MONOTONIC): the first usable
 * reference, best first. Reads the kernel's status once. */
void refclock_current(struct refclock_set *set, int64_t now_ns, struct ref_state *ret);

/* Root dispersion of the local clock (seconds) for a kernel status read at
 * now_ns (CLOCK_MONOTONIC), as the comment on REFCLOCK_LOCAL_DISP_S says;
 * mem is updated while the kernel says synchronised. No I/O. */
double refclock_local_disp_s(const struct clock_status *st, int64_t now_ns,
			     struct refclock_sync_memory *mem);

#endif
