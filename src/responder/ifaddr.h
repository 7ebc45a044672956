/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ifaddr: the host's interface addresses, from rtnetlink (no library): a
 * dump of every address on request, and the kernel's notices of addresses
 * that come and go and of links that change. The caller owns the loop:
 * it polls the fd and calls ifaddr_read. Nothing here allocates.
 */
#ifndef TSET_RESPONDER_IFADDR_H
#define TSET_RESPONDER_IFADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* One address of an interface. */
struct ifaddr_entry {
	unsigned ifindex;
	bool tentative;		    /* IPv6 duplicate address detection still running */
	struct sockaddr_storage sa; /* AF_INET or AF_INET6, port 0; an IPv6
				     * link-local address carries its scope */
};

enum ifaddr_event {
	IFADDR_NEW,	  /* an address is there (again: notices repeat) */
	IFADDR_DEL,	  /* an address went away */
	IFADDR_DUMP_DONE, /* the end of the dump ifaddr_dump asked for */
	IFADDR_LINK,	  /* a link came, went or changed (its name may have) */
	IFADDR_LOST,	  /* notices were lost (and what was read since, dropped):
			   * dump again to know the truth */
};

/* a is NULL but for IFADDR_NEW and IFADDR_DEL */
typedef void (*ifaddr_fn)(void *userdata, enum ifaddr_event ev, const struct ifaddr_entry *a);

struct ifaddr_watch {
	int fd;	      /* rtnetlink, non-blocking; -1 when closed */
	unsigned seq; /* of the dump under way, 0 when none */
	unsigned last_seq;
	bool dump_intr; /* the addresses changed during that dump */
	bool lost;	/* notices lost: skipping until the socket is empty */
};

/* A rtnetlink socket that hears of IPv4 and IPv6 addresses and of links.
 * Returns 0 or a negative errno. */
int ifaddr_open(struct ifaddr_watch *w);
void ifaddr_close(struct ifaddr_watch *w);

/* Ask for every address of every interface: IFADDR_NEW for each, then
 * IFADDR_DUMP_DONE, or IFADDR_LOST when the addresses changed meanwhile
 * (the dump may be inconsistent: ask again). Returns 0 or a negative errno. */
int ifaddr_dump(struct ifaddr_watch *w);

/* Read what is waiting into buf (at least 8 KiB: the kernel sizes dump
 * messages to the reader's buffer) and call fn for each event, until
 * nothing is left. Returns 0, or a negative errno (one the kernel gave
 * for the dump request included). */
int ifaddr_read(struct ifaddr_watch *w, void *buf, size_t len, ifaddr_fn fn, void *userdata);

#endif
