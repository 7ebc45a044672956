/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * candset: the candidate addresses of one run and who votes through them.
 *
 * A candidate is an (address, port) pair, counted once however it was
 * named: the same address under two names, two spellings of one address
 * ("host" and "host:123", an IPv4-mapped IPv6 address and the IPv4
 * address) are one entry. Addresses are compared in canonical form:
 * IPv4-mapped IPv6 becomes IPv4, and the scope id is kept only where it
 * selects an interface (link-local), so fe80::1%eth0 and fe80::1%eth1 are
 * two candidates while a zone on a global address means nothing.
 *
 * Each name votes through one address family. A name that answers A and
 * AAAA records (one dual-stack host, or a pool, whose A and AAAA records
 * may well be one host's) holds at most as many candidates as it has
 * addresses of its primary family: IPv4 when it has any, else IPv6. So a
 * name can never gain votes by publishing more record types. IPv4 first:
 * it is what an IPv4-only host, or one with broken IPv6, reaches, while on
 * an IPv6-only host an IPv4 address fails at once, locally, so the
 * fallback costs nothing.
 *
 * The other addresses are fallbacks: when a candidate cannot be reached
 * from this host (no route, no such family) it leaves the set, and every
 * name that held it takes its next address instead, so a dual-stack name
 * still works on an IPv4-only or an IPv6-only host.
 *
 * Pure bookkeeping: no I/O, no clock, no logging.
 */
#ifndef TSET_ONESHOT_CANDSET_H
#define TSET_ONESHOT_CANDSET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "resolve.h"
#include "select.h"

/* Candidates in the majority at once: what one selection takes. */
#define CANDSET_LIVE_MAX SELECT_MAX
/* Entries, those that left included (each keeps its report line). */
#define CANDSET_MAX (2 * SELECT_MAX)
/* Addresses one name keeps: RESOLVE_MAX_ADDRS of each family. */
#define CANDSET_NAME_ADDRS RESOLVE_MAX_RESULT
/* Names: one bit each in candset_entry.names. */
#define CANDSET_MAX_NAMES CONFIG_MAX_SERVERS

struct candset_entry {
	struct sockaddr_storage sa; /* canonical */
	socklen_t sa_len;
	uint64_t names; /* bit k: name k holds a vote through this entry */
	unsigned name;	/* the first name that gave it (the report shows it) */
	bool gone;	/* cannot be reached from here: out of the majority */
};

struct candset_name {
	struct sockaddr_storage addrs[CANDSET_NAME_ADDRS]; /* canonical, primary family first */
	socklen_t lens[CANDSET_NAME_ADDRS];
	unsigned n_addrs;
	unsigned next;	 /* the next address to try */
	unsigned budget; /* votes it may hold: addresses of its primary family, capped */
	unsigned held;	 /* entries it holds a vote through (not gone) */
	bool starved;	 /* stopped short by CANDSET_LIVE_MAX or CANDSET_MAX */
};

struct candset {
	struct candset_entry e[CANDSET_MAX];
	unsigned n;	 /* entries */
	unsigned n_live; /* entries not gone: the candidates the majority counts */
	struct candset_name names[CANDSET_MAX_NAMES];
};

void candset_init(struct candset *cs);

/*
 * Name `name` (< CANDSET_MAX_NAMES, added once) resolved to addrs[0..n):
 * keep those of family (AF_UNSPEC: both), in canonical form, primary
 * family first; let it hold at most cap votes; fill its votes. New
 * entries are appended: cs->n grows by the return value.
 */
unsigned candset_add_name(struct candset *cs, unsigned name, const struct sockaddr_storage *addrs,
			  const socklen_t *lens, unsigned n, unsigned cap, int family);

/*
 * Entry i cannot be reached from this host: it leaves the majority, and
 * every name short of its votes (those that held i first) takes its next
 * addresses. Returns how many entries were appended.
 */
unsigned candset_leave(struct candset *cs, unsigned i);

/* Votes name k could not place because the run was full: budget - held
 * when starved, else 0. */
unsigned candset_name_dropped(const struct candset *cs, unsigned k);

/* The canonical form of sa (AF_INET or AF_INET6; anything else is
 * copied as it is). */
void candset_canonical(const struct sockaddr *sa, socklen_t len, struct sockaddr_storage *ret,
		       socklen_t *ret_len);

/* Are canonical a and b one candidate: family, address, port, and for
 * IPv6 the scope id? */
bool candset_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
