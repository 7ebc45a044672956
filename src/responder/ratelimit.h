/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ratelimit: ntpd's `limited` and `discard average A minimum M` per
 * client, in a fixed-size table: a flood of spoofed sources evicts old
 * entries, it cannot grow memory. No allocation after ratelimit_new().
 *
 * Per client a leaky bucket in seconds, as ntpd's monitor keeps it: each
 * request drains it by the time since the previous one; a request that
 * comes at least M seconds (less a 1 s grace) after the previous one and
 * finds the bucket below 8 * 2^A seconds is served and adds 2^A seconds
 * (less a 2 s grace). Otherwise it is limited; the first limited request
 * fills the bucket past the limit and may get a RATE kiss-o'-death, the
 * next ones get nothing until the bucket has drained below it again. So a
 * client is allowed a burst of about 8 requests, then one every 2^A s.
 *
 * A client is a network, not an address: the source address with the
 * bits beyond a prefix length cleared, /32 for IPv4 and /64 for IPv6 by
 * default (ratelimit_set_prefixes). An IPv6 host owns its /64 and can send
 * from any address in it: counted per address, it would evade the limit
 * and flush the table of everyone else. An IPv4-mapped IPv6 address counts
 * as IPv4.
 */
#ifndef TSET_RESPONDER_RATELIMIT_H
#define TSET_RESPONDER_RATELIMIT_H

#include <stdint.h>
#include <sys/socket.h>

#define RATELIMIT_WAYS 4    /* entries per set; the least recent is evicted */
#define RATELIMIT_SETS 1024 /* 4096 clients remembered, about 128 KiB */

enum ratelimit_verdict {
	RATELIMIT_PASS = 0,
	RATELIMIT_KOD,	/* limited: a RATE KoD may be sent (once per interval) */
	RATELIMIT_DROP, /* limited: nothing */
};

struct ratelimit;

/* average_log2: `discard average` (log2 s); minimum_s: `discard minimum`. */
int ratelimit_new(struct ratelimit **ret, int average_log2, unsigned minimum_s, uint64_t seed);
void ratelimit_free(struct ratelimit *rl);

/* Count IPv4 clients per /prefix4 (1..32) and IPv6 ones per /prefix6
 * (1..128); -EINVAL otherwise. Forgets every client. */
int ratelimit_set_prefixes(struct ratelimit *rl, unsigned prefix4, unsigned prefix6);

/* A request from src at now_ns (CLOCK_MONOTONIC). */
enum ratelimit_verdict ratelimit_check(struct ratelimit *rl, const struct sockaddr *src,
				       int64_t now_ns);

/* Clients remembered (for tests and counters). */
unsigned ratelimit_count(const struct ratelimit *rl);

#endif
