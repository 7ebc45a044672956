/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refclock: what tsetd serves. Each configured reference (ntpd's
 * 127.127.t.u pseudo-addresses with their fudge lines) says whether it is
 * usable now and what to put in a reply's header; the best usable one is
 * served: a GPS through gpsd (127.127.46.u) or a shared-memory segment
 * (127.127.28.u) while it is usable, in the order of the config, then
 * the local clock (127.127.1.u); with none, replies say unsynchronised.
 *
 * The set owns what feeds its references: one connection to gpsd (the
 * `gpsd` directive, default 127.0.0.1:2947), made and polled in the
 * caller's loop without ever blocking it, and made again with a backoff
 * (REFCLOCK_GPSD_RETRY_MIN_S doubling to REFCLOCK_GPSD_RETRY_MAX_S) when
 * it fails or goes, and a one-second timer that reads the segments, ages
 * the reach registers, logs each switch of the served reference with its
 * reason, and rewrites the status file.
 * Nothing on the packet path (refclock_current) allocates or logs.
 */
#ifndef TSET_RESPONDER_REFCLOCK_H
#define TSET_RESPONDER_REFCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "loop.h"
#include "refgps.h"
#include "refshm.h"

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
#define REFCLOCK_GPS_STRATUM	  1

#define REFCLOCK_GPSD_RETRY_MIN_S 1
#define REFCLOCK_GPSD_RETRY_MAX_S 32
#define REFCLOCK_GPSD_DRAIN_MAX	  64 /* reports read per wake-up */
/* A connection to gpsd not made by then is given up (and retried): the
 * attempt never holds the loop, but a host that drops it would otherwise
 * keep it for the kernel's two minutes. */
#define REFCLOCK_GPSD_CONNECT_TIMEOUT_S 5
#define REFCLOCK_MAX_DEVICES		8 /* gpsd devices remembered */
/* The status file, in the runtime directory ($RUNTIME_DIRECTORY, else
 * REFCLOCK_RUN_DIR), replaced atomically each second while a GPS or SHM
 * reference is configured. */
#define REFCLOCK_RUN_DIR     "/run/tsetd"
#define REFCLOCK_STATUS_FILE "status.json"
#define REFCLOCK_STATUS_MAX  4096

/* A reference served at the system clock's precision (no precision of
 * its own: zero, so that a zero-initialised state means it). */
#define REFCLOCK_PRECISION_CLOCK 0

/* The header fields of a reply, and the offset to add to the system clock. */
struct ref_state {
	bool usable;
	enum ntp_leap leap;
	uint8_t stratum;
	uint8_t refid[4];
	uint32_t root_delay_ntp32;
	uint32_t root_disp_ntp32;
	int64_t offset_ns;
	int8_t precision; /* log2 s, < 0; REFCLOCK_PRECISION_CLOCK: the clock's */
};

enum refclock_kind {
	REFCLOCK_LOCAL,
	REFCLOCK_GPSD,
	REFCLOCK_SHM,
};

/* What the local clock remembers of the last synchronised kernel state. */
struct refclock_sync_memory {
	bool seen;
	double disp_s; /* the root dispersion served then */
	int64_t at_ns; /* when (CLOCK_MONOTONIC) */
};

struct refclock {
	enum refclock_kind kind;
	unsigned type, unit, line; /* 127.127.type.unit, its config line */
	uint8_t stratum;
	uint8_t refid[4];
	int64_t offset_ns; /* local: fudge time1 */
	struct refclock_sync_memory sync;
	struct refgps gps;
	struct refshm shm;
	uint8_t reach;	       /* a 1 in each second that brought a sample */
	uint64_t samples_seen; /* for the reach register */
};

struct gpsclient;

struct refclock_set {
	const struct clock_ops *clock;
	struct refclock ref[CONFIG_MAX_REFCLOCKS]; /* best first */
	unsigned n;
	/* what feeds them (refclock_watch) */
	struct loop *loop;
	int timer_fd;
	struct gpsclient *gps;
	const char *gpsd_host;
	uint16_t gpsd_port;
	int64_t gps_retry_ns;	/* CLOCK_MONOTONIC */
	int64_t gps_connect_ns; /* when the attempt began */
	unsigned gps_backoff_s;
	bool gps_more; /* lines left in gpsclient's buffer */
	char devices[REFCLOCK_MAX_DEVICES][GPSCLIENT_PATH_MAX];
	unsigned n_devices;
	int serving; /* index of the served reference as last logged; -1 none */
	bool logged;
	int status_dir;	     /* -1: no status file */
	bool status_created; /* tsetd made the directory */
	bool status_failed;
};

/*
 * The references of cfg that tsetd can serve; others are logged and
 * skipped. Returns the number set up, or a negative errno after logging
 * a line this build cannot serve (127.127.46.u without gpsd support).
 * No descriptor is opened and nothing connects before refclock_watch().
 */
int refclock_set_init(struct refclock_set *set, const struct config *cfg,
		      const struct clock_ops *clock);
/* Start feeding the references in l: the timer, the shared-memory
 * segments, the status directory and the connection to gpsd (its
 * failure is logged, and retried). Before privileges go. */
int refclock_watch(struct refclock_set *set, struct loop *l);
void refclock_set_free(struct refclock_set *set);
/* n bytes as if read from gpsd, handled as tsetd handles what it reads
 * (the fuzz target; no connection is made). Returns 0, or a negative
 * errno (-EPROTONOSUPPORT in a build without gpsd support). */
int refclock_gps_feed(struct refclock_set *set, const char *data, size_t n);

/* What the status line and file say of reference i at now_ns. */
struct refclock_report {
	bool usable;
	const char *why; /* when not usable */
	struct ref_state state;
	bool has_est; /* GPS, SHM: est holds the estimate */
	struct refest_result est;
	bool pps;		/* the estimate comes from PPS */
	int64_t last_offset_ns; /* of the last sample (local: time1) */
	uint64_t samples;
};
void refclock_describe(struct refclock_set *set, unsigned i, int64_t now_ns,
		       struct refclock_report *ret);

/* The state to serve at now_ns (CLOCK_MONOTONIC): the first usable
 * reference, best first. Reads the kernel's status once. */
void refclock_current(struct refclock_set *set, int64_t now_ns, struct ref_state *ret);

/* Root dispersion of the local clock (seconds) for a kernel status read at
 * now_ns (CLOCK_MONOTONIC), as the comment on REFCLOCK_LOCAL_DISP_S says;
 * mem is updated while the kernel says synchronised. No I/O. */
double refclock_local_disp_s(const struct clock_status *st, int64_t now_ns,
			     struct refclock_sync_memory *mem);

#endif
