/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gpsclient: tsetd's connection to gpsd. The connection is ours: a
 * non-blocking TCP socket, connected without waiting (the caller polls
 * for POLLOUT, then calls gpsclient_finish_connect()), that asks for JSON
 * reports with PPS (gpsd's ?WATCH) and reads them line by line without
 * ever blocking; libgps's own gps_open() connects blocking, and a gpsd
 * host that drops the connection request would hold tsetd for the
 * kernel's connect timeout. libgps (<gps.h>, included by gpsclient.c
 * alone; no libgps type leaves it) parses each line once
 * (libgps_json_unpack(), the parser under gps_unpack()); each report that
 * tsetd acts on becomes a gpsclient_msg, copied out of libgps at once.
 */
#ifndef TSET_RESPONDER_GPSCLIENT_H
#define TSET_RESPONDER_GPSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define GPSCLIENT_PATH_MAX    128	  /* a device path, as gpsd reports it */
#define GPSCLIENT_MAX_DEVICES 4		  /* in one DEVICES report (libgps keeps 4) */
#define GPSCLIENT_PORT	      2947	  /* gpsd's IANA port */
#define GPSCLIENT_HOST	      "127.0.0.1" /* a number: no name lookup in a chroot */
/* The longest line kept: a report tsetd acts on fits with room to spare
 * (a DEVICES report of four devices is under 1 KiB); a longer line is
 * dropped up to its end and counted malformed, the connection kept. */
#define GPSCLIENT_LINE_MAX 4096

enum gpsclient_kind {
	GPSCLIENT_TPV,	   /* a fix report: mode */
	GPSCLIENT_TOFF,	   /* serial time: real (GPS) and clock (ours) at its second */
	GPSCLIENT_PPS,	   /* a pulse: real (GPS) and clock (ours) at the edge */
	GPSCLIENT_DEVICES, /* the list of devices gpsd has */
	GPSCLIENT_DEVICE,  /* one device activated or gone */
	GPSCLIENT_VERSION,
};

/* Fix modes of a TPV report (gpsd's numbering). */
enum {
	GPSCLIENT_MODE_UNKNOWN = 0,
	GPSCLIENT_MODE_NO_FIX = 1,
	GPSCLIENT_MODE_2D = 2,
	GPSCLIENT_MODE_3D = 3,
};

/* The latest second a TOFF or PPS time may name (2106, unsigned 32-bit
 * Unix time): later ones are out of range, so that a time and an offset
 * in nanoseconds, plus CLOCK_REALTIME - CLOCK_MONOTONIC, fit in 64 bits. */
#define GPSCLIENT_SEC_MAX INT64_C(0xffffffff)

struct gpsclient_msg {
	enum gpsclient_kind kind;
	char device[GPSCLIENT_PATH_MAX]; /* "" when the report names none */
	int mode;			 /* TPV: 0..3, GPSCLIENT_MODE_* */
	struct timespec real, clock;	 /* TOFF, PPS (CLOCK_REALTIME) */
	bool activated;			 /* DEVICE: true when it came, false when it went */
	unsigned n_devices;		 /* DEVICES */
	char devices[GPSCLIENT_MAX_DEVICES][GPSCLIENT_PATH_MAX];
	char release[32]; /* VERSION: gpsd's release */
};

struct gpsclient_counters {
	uint64_t reports;   /* complete reports read */
	uint64_t malformed; /* lines that were not one complete JSON object */
	uint64_t bad_time;  /* TOFF/PPS with a time out of range */
};

struct gpsclient;

typedef void (*gpsclient_fn)(void *userdata, const struct gpsclient_msg *m);

/* A client of gpsd at host:port (NULL/0: GPSCLIENT_HOST, GPSCLIENT_PORT),
 * not connected yet; fn gets each report. Returns 0 or -ENOMEM. */
int gpsclient_new(struct gpsclient **ret, const char *host, uint16_t port, gpsclient_fn fn,
		  void *userdata);
void gpsclient_free(struct gpsclient *c);

/*
 * Start connecting (a host given by name is looked up first, the one step
 * that may wait). Returns the descriptor (non-blocking, close-on-exec) or
 * a negative errno. While gpsclient_is_connecting(), poll it for POLLOUT
 * and then call gpsclient_finish_connect(); after that, for POLLIN.
 */
int gpsclient_connect(struct gpsclient *c);
/* The connection attempt ended (the descriptor was writable): 0 when it
 * is up and reports were asked for, else a negative errno (then call
 * gpsclient_close()). */
int gpsclient_finish_connect(struct gpsclient *c);
bool gpsclient_is_connected(const struct gpsclient *c); /* up: reports come */
bool gpsclient_is_connecting(const struct gpsclient *c);
int gpsclient_fd(const struct gpsclient *c); /* -1 when neither */

/*
 * Read what is there, calling fn for each complete report, up to max
 * reports. Returns 0 when everything was read, 1 when reports may be left
 * (call again), or a negative errno when the connection is lost or broken
 * (then call gpsclient_close()).
 */
int gpsclient_drain(struct gpsclient *c, unsigned max);
/* n bytes as if read from gpsd: every complete line in them (and in what
 * came before) is handled as gpsclient_drain() handles it (the fuzz
 * target). */
void gpsclient_feed(struct gpsclient *c, const char *data, size_t n);
void gpsclient_close(struct gpsclient *c);

const struct gpsclient_counters *gpsclient_counters(const struct gpsclient *c);
/* "host:port", for messages */
const char *gpsclient_name(const struct gpsclient *c);

#endif
