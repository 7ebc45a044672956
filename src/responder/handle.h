/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * handle: one request in, at most one reply out. Decode, interface rules,
 * restrict, rate limit, and the reply of RFC 5905 with chrony's hygiene:
 * random bits below the precision in the timestamps we write, a receive
 * timestamp never equal to the origin, never a reply longer than its
 * request. The request's transmit timestamp is an opaque nonce copied to
 * origin. Only mode 3 is answered, and only between unicast addresses.
 * Nothing here allocates or can fail on a packet: every outcome is counted.
 *
 * The caller sends the reply: it writes the transmit timestamp (T3) just
 * before the send (handle_stamp_transmit), then counts the outcome
 * (handle_count_sent, handle_count_send_error), so that `served` counts
 * replies that left. Every request received ends in exactly one of the
 * counters from `served` to `send_other`.
 */
#ifndef TSET_RESPONDER_HANDLE_H
#define TSET_RESPONDER_HANDLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "keys.h"
#include "ntp_auth.h"
#include "ntp_pkt.h"
#include "ratelimit.h"
#include "refclock.h"

/* What happened to the requests. */
struct handle_counters {
	uint64_t received;
	uint64_t served;      /* a time reply sent */
	uint64_t kod_sent;    /* limited, a RATE kiss-o'-death sent */
	uint64_t bad_addr;    /* not between unicast addresses (handle_in) */
	uint64_t malformed;   /* did not decode */
	uint64_t control;     /* mode 6 or 7: never answered */
	uint64_t not_client;  /* another mode */
	uint64_t iface_drops; /* interface rules */
	uint64_t acl_drops;   /* restrict ignore / noserve */
	uint64_t rate_drops;  /* limited, nothing sent */
	uint64_t auth_drops;  /* a MAC of an unknown, untrusted or wrong key, or none
			       * from a notrust client: no reply (no crypto-NAK oracle) */
	/* a reply (or kiss-o'-death) the kernel refused to send, by reason */
	uint64_t send_invalid; /* EINVAL */
	uint64_t send_refused; /* EPERM, EACCES: a firewall, a prohibit route */
	uint64_t send_full;    /* EAGAIN, ENOBUFS: a send buffer or queue full */
	uint64_t send_unreach; /* ENETUNREACH, EHOSTUNREACH: no route back */
	uint64_t send_other;
	uint64_t no_rx_stamp; /* the kernel gave no receive timestamp (any request) */
};

/* Everything the handler needs; owned by the caller. */
struct handle_env {
	const struct config *cfg;
	const struct clock_ops *clock; /* now(): T3, read just before the send */
	struct ratelimit *rl;	       /* NULL when no rule says `limited` */
	const struct keys *keys;       /* `keys`; NULL: no authenticated request is answered */
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
	/* dst is a broadcast address: the kernel named another local address
	 * to answer from (IP_PKTINFO's ipi_spec_dst != ipi_addr) */
	bool dst_broadcast;
	const char *ifname; /* where it came in, "" if unknown */
	struct timespec rx; /* CLOCK_REALTIME at arrival */
	bool rx_from_kernel;
	int64_t now_ns; /* CLOCK_MONOTONIC, for the rate limiter */
};

/* What to do with a request. Every reply is NTP_PKT_HEADER_LEN bytes,
 * and the MAC field of an authenticated request's key, as long as the
 * request's. */
enum handle_verdict {
	HANDLE_DROP = 0, /* nothing to send (counted) */
	HANDLE_TIME,	 /* a time reply: stamp its transmit time, then send it */
	HANDLE_KOD,	 /* a RATE kiss-o'-death: send it as it is */
};

/*
 * Build the reply to in, serving ref, into out (its transmit timestamp
 * still zero). Only unicast is answered: never a source port 0 (RFC 768:
 * the sender expects no reply), never a source or destination address
 * that is unspecified, multicast or broadcast (RFC 1122 section 3.2.1.3,
 * RFC 4291 sections 2.5.2, 2.5.5.2 and 2.7: no single host there).
 */
/* A reply: the header, and the MAC field of an authenticated request's key. */
#define HANDLE_OUT_MAX (NTP_PKT_HEADER_LEN + NTP_AUTH_MAX_MAC)

enum handle_verdict handle_request(struct handle_env *env, const struct handle_in *in,
				   const struct ref_state *ref, uint8_t out[HANDLE_OUT_MAX],
				   size_t *ret_len);

/* Write the transmit timestamp of a HANDLE_TIME reply: now (CLOCK_REALTIME,
 * read as late as possible before the send) as ref serves it. */
void handle_stamp_transmit(struct handle_env *env, const struct ref_state *ref,
			   const struct timespec *now, uint8_t out[HANDLE_OUT_MAX], size_t len);

/* The kernel took a reply of verdict v (HANDLE_TIME or HANDLE_KOD). */
void handle_count_sent(struct handle_env *env, enum handle_verdict v);
/* The kernel refused one with errno err (positive). */
void handle_count_send_error(struct handle_env *env, int err);

#endif
