/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * server: tsetd's sockets.
 *
 * By default, one wildcard UDP socket per family (IPV6_V6ONLY on the IPv6
 * one) with IP_PKTINFO / IPV6_RECVPKTINFO, which answers every address of
 * the host from the address a request was sent to, and beside it one
 * socket per address of the host, kept in step with the kernel through
 * rtnetlink. The kernel hands a request to the socket bound to its
 * destination, which knows the destination and the reply's source without
 * ancillary data (cheaper per packet); the wildcard takes the rest:
 * addresses that are local through a route alone (127.0.0.0/8), addresses
 * not bound yet or that could not be (no privilege to bind a low port
 * after the start), or too many. When the interface rules leave only named
 * addresses, exactly those are bound, and nothing else. `interface ignore
 * wildcard` leaves the wildcard out (another server may hold the port on
 * an address of its own), and `interface drop wildcard` keeps it deaf.
 *
 * Requests come in batches (recvmmsg) with the kernel's receive time
 * (SO_TIMESTAMPNS); each reply is stamped (T3) just before the sendmmsg
 * that carries it: one reply per send while the server keeps up, a whole
 * batch per send when it is saturated; a reply the kernel refuses costs no
 * other. Nothing on this path allocates, blocks, or ends the process.
 */
#ifndef TSET_RESPONDER_SERVER_H
#define TSET_RESPONDER_SERVER_H

#include <net/if.h>
#include <stdint.h>

#include "config.h"
#include "handle.h"
#include "ifaddr.h"
#include "loop.h"
#include "refclock.h"

#define SERVER_MAX_ADDRS    64 /* sockets of one address; the wildcard takes more */
#define SERVER_MAX_SOCKS    (2 + SERVER_MAX_ADDRS)
#define SERVER_IFNAME_CACHE 32

struct server_batch; /* the receive and send buffers */
struct server;

enum server_sock_kind {
	SERVER_SOCK_FREE = 0,
	SERVER_SOCK_WILDCARD, /* a family's wildcard, with ancillary data */
	SERVER_SOCK_NAMED,    /* an address the interface rules name */
	SERVER_SOCK_HOST,     /* an address of the host, from rtnetlink */
};

/* One socket. A bound address is both the destination of what it receives
 * and the source of its replies, so it needs ancillary data only when the
 * rules name interfaces (to learn the one a request came in on). */
struct server_sock {
	struct server *srv;
	enum server_sock_kind kind;
	int fd; /* -1: a host address that could not be bound (logged once) */
	bool pktinfo;
	bool seen;		       /* in the address dump under way */
	struct sockaddr_storage local; /* the bound address, port 0 */
};

struct server {
	struct server_sock socks[SERVER_MAX_SOCKS];
	unsigned n_socks; /* slots in use are below this */
	uint16_t port;
	bool need_ifname;
	bool wildcard[2];      /* AF_INET, AF_INET6: has a wildcard socket */
	bool wildcard_drop[2]; /* ...that answers nothing (`interface drop wildcard`) */
	bool hosts_only[2];    /* no wildcard (`interface ignore wildcard`): the host's
				* addresses that the rules serve, one socket each */
	bool addrs_full;       /* a host address found no slot (logged once) */
	bool redump;	       /* dump the addresses again: notices lost, a socket free */
	const struct config *cfg;
	struct loop *loop; /* set by server_watch */
	struct ifaddr_watch addrs;
	struct handle_env env;
	struct refclock_set refs;
	struct server_batch *batch;
	struct {
		unsigned index;
		char name[IF_NAMESIZE];
	} ifnames[SERVER_IFNAME_CACHE];
	unsigned n_ifnames;
};

/*
 * Bind the sockets for cfg on port, for family AF_UNSPEC (both), AF_INET
 * or AF_INET6 (-4/-6): with a wildcard, also every address of the host
 * there is now (before privileges go). A family whose socket cannot be
 * made (no IPv6 on this host) is logged and left out. Returns 0 when at
 * least one socket is bound, or a negative errno.
 */
int server_open(struct server *s, const struct config *cfg, int family, uint16_t port);
/*
 * Serve on the n sockets a service manager passed (fds: bound UDP
 * sockets, see listenfd.h) instead of binding any: a wildcard address
 * serves as server_open()'s wildcard does, any other address as a named
 * one; the host's addresses are not followed (binding them would need the
 * privilege a passed socket spares). Sockets of a family that family
 * (AF_INET, AF_INET6: -4/-6) leaves out are closed. Every fd belongs to s
 * afterwards, on failure too. Returns 0 when at least one socket serves,
 * or a negative errno (logged).
 */
int server_adopt(struct server *s, const struct config *cfg, int family, const int *fds,
		 unsigned n);
/* Serve what comes in on l, and follow the host's addresses. */
int server_watch(struct server *s, struct loop *l);
/* Forget cached interface names (they may have changed: SIGHUP). */
void server_forget_ifnames(struct server *s);
/* Log the counters, after why ("counters", "exiting"). */
void server_log_counters(const struct server *s, const char *why);
void server_close(struct server *s);

#endif
