/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * handle: one request in, at most one reply out. Decode, interface rules,
 * restrict, rate limit, and the reply of RFC 5905 with chrony's hygiene:
 * random bits below the precision in the timestamps we write, a receive
 * timestamp never equal to the origin, never a reply longer than its
 * request. The request's transmit timestamp is an opaque nonce copied to
 * origin. Only mode 3 is answered. Nothing here allocates or can fail on
 * a packet: every outcome is counted.
 */
#ifndef TSET_RESPONDER_HANDLE_H
#define TSET_RESPONDER_HANDLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "ntp_pkt.h"
#include "ratelimit.h"
#include "refclock.h"

/* What happened to the requests. */
struct handle_counters {
	uint64_t received;
	uint64_t served;
	uint64_t malformed;   /* did not decode */
	uint64_t control;     /* mode 6 or 7: never answered */
	uint64_t not_client;  /* another mode */
	uint64_t iface_drops; /* interface rules */
	uint64_t acl_drops;   /* restrict ignore / noserve */
	uint64_t rate_drops;  /* limited, nothing sent */
	uint64_t kod_sent;    /* limited, RATE kiss-o'-death sent */
	uint64_t no_rx_stamp; /* the kernel gave no receive timestamp */
};

/* Everything the handler needs; owned by the caller. */
struct handle_env {
	const struct config *cfg;
	const struct clock_ops *clock; /* now(): the transmit timestamp */
	struct ratelimit *rl;	       /* NULL when no rule says `limited` */
	int8_t precision;	       /* log2 s, of the clock */
	uint64_t rng;		       /* xorshift state, never 0 */
	struct handle_counters n;
};

/*
 * Set up env to serve cfg: the clock and its precision (log2 s), the seed
 * of the random bits (made odd: xorshift needs a nonzero state), and the
 * rate limiter when a restrict line says `limited`, sized by `discard` and
 * `limitprefix` and keyed by rl_seed. Returns 0 or a negative errno; the
 * caller frees env with handle_env_free().
 */
int handle_env_init(struct handle_env *ret, const struct config *cfg, const struct clock_ops *clock,
		    int8_t precision, uint64_t rng_seed, uint64_t rl_seed);
void handle_env_free(struct handle_env *env);

/* One received datagram. */
struct handle_in {
	const uint8_t *buf;
	size_t len;
	const struct sockaddr *src;
	const struct sockaddr *dst; /* the address it was sent to */
	const char *ifname;	    /* where it came in, "" if unknown */
	struct timespec rx;	    /* CLOCK_REALTIME at arrival */
	bool rx_from_kernel;
	int64_t now_ns; /* CLOCK_MONOTONIC, for the rate limiter */
};

/* Build the reply to in, serving ref, into out. Returns its length (48),
 * or 0 when nothing is to be sent. */
size_t handle_request(struct handle_env *env, const struct handle_in *in,
		      const struct ref_state *ref, uint8_t out[NTP_PKT_HEADER_LEN]);

#endif
