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

/* Root dispersion of the local clock while the kernel does not call it
 * synchronised: ntpd's local driver uses the same fixed 10 ms. */
#define REFCLOCK_LOCAL_DISP_S 0.01
/* While synchronised, the kernel's maxerror, at most this: clients keep
 * accepting a LAN server in holdover (maxerror grows 500 us/s). */
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

struct refclock {
	enum refclock_kind kind;
	uint8_t stratum;
	uint8_t refid[4];
	int64_t offset_ns; /* fudge time1 */
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

/* The state to serve now: the first usable reference, best first. */
void refclock_current(const struct refclock_set *set, struct ref_state *ret);

/* Root dispersion of the local clock for a kernel status (seconds). */
double refclock_local_disp_s(const struct clock_status *st);

#endif
