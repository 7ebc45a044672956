/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resolve: names to addresses. Numeric addresses are parsed here without
 * DNS; names go to c-ares, driven by the caller's poll loop (the library
 * never owns the loop): A and AAAA in parallel, or one family.
 * <ares.h> is included by resolve.c alone.
 */
#ifndef TSET_RESOLVE_H
#define TSET_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"

/* Most addresses of one family one name gives (a pool name: one candidate
 * per address). */
#define RESOLVE_MAX_ADDRS 8
/* Most addresses of one answer: RESOLVE_MAX_ADDRS of each family. */
#define RESOLVE_MAX_RESULT (2 * RESOLVE_MAX_ADDRS)

struct resolve;

/* The outcome of one name. On success addrs[0..n) hold the addresses with
 * the port set, deduplicated, the IPv4 ones first; on failure n is 0 and
 * error says why, in words of its own for each way DNS fails ("no such
 * name", "cannot reach the dns server ...", "no answer from the dns
 * server (timed out)", "the dns server failed to answer (SERVFAIL)", "no
 * address of the requested family", ...). */
struct resolve_result {
	struct sockaddr_storage addrs[RESOLVE_MAX_RESULT];
	socklen_t addr_lens[RESOLVE_MAX_RESULT];
	unsigned n;
	unsigned n_dropped; /* beyond the caller's cap of a family */
	char error[96];
};

typedef void (*resolve_done_fn)(void *userdata, const struct resolve_result *res);

/*
 * Parse a numeric IPv4 or IPv6 address, IPv6 with an optional zone
 * ("fe80::1%eth0": the interface name or number becomes the scope id),
 * into *ret with port. Returns 0, -EINVAL when host is not numeric,
 * -ENODEV for an unknown zone, -EAFNOSUPPORT when family (AF_INET,
 * AF_INET6 or AF_UNSPEC) excludes it.
 */
int resolve_numeric(const char *host, uint16_t port, int family, struct sockaddr_storage *ret,
		    socklen_t *ret_len);

/*
 * A resolver on loop l. resolvconf: the resolv.conf c-ares reads (NULL:
 * its default). family: AF_UNSPEC (A and AAAA), AF_INET or AF_INET6.
 */
int resolve_new(struct resolve **ret, struct loop *l, const char *resolvconf, int family);
/* Cancels what is pending without calling back. free(NULL) is fine. */
void resolve_free(struct resolve *r);

/* Look up host (a DNS name; numeric hosts work too), at most max_addrs
 * addresses (<= RESOLVE_MAX_ADDRS) of each family, each with port. done is called once,
 * from within loop_run_once() or resolve_timeouts(), never from here. */
int resolve_start(struct resolve *r, const char *host, uint16_t port, unsigned max_addrs,
		  resolve_done_fn done, void *userdata);

/* Are lookups still pending? */
bool resolve_busy(const struct resolve *r);

/* When c-ares wants to be called for its timeouts (CLOCK_MONOTONIC ns),
 * INT64_MAX when it does not. */
int64_t resolve_next_ns(struct resolve *r);
/* Let c-ares handle its timeouts (call when resolve_next_ns() has passed). */
void resolve_timeouts(struct resolve *r);

#endif
