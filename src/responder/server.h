/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * server: tsetd's sockets. One wildcard UDP socket per family (IPV6_V6ONLY
 * on the IPv6 one) with IP_PKTINFO / IPV6_RECVPKTINFO and SO_TIMESTAMPNS,
 * so that interfaces that come up later are served and replies leave from
 * the address a request was sent to; or, when the interface rules leave
 * only named addresses, exactly those. Requests come in batches
 * (recvmmsg) with the kernel's receive time (SO_TIMESTAMPNS); replies go
 * out in small batches (sendmmsg), each reply stamped just before its
 * batch leaves; a reply the kernel refuses costs no other. Nothing on this
 * path allocates, blocks, or ends the process.
 */
#ifndef TSET_RESPONDER_SERVER_H
#define TSET_RESPONDER_SERVER_H

#include <net/if.h>
#include <stdint.h>

#include "config.h"
#include "handle.h"
#include "loop.h"
#include "refclock.h"

#define SERVER_MAX_SOCKS    (2 + CONFIG_MAX_INTERFACES)
#define SERVER_IFNAME_CACHE 32

struct server_batch; /* the receive and send buffers */
struct server;

/* One socket: the wildcard of a family (which needs IP_PKTINFO to learn a
 * request's destination and to answer from it), or one address (which is
 * both, so it needs no ancillary data: cheaper per packet). */
struct server_sock {
	struct server *srv;
	int fd;
	bool pktinfo;
	struct sockaddr_storage local; /* the bound address, port 0 */
};

struct server {
	struct server_sock socks[SERVER_MAX_SOCKS];
	unsigned n_socks;
	bool need_ifname;
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
 * or AF_INET6 (-4/-6). A family whose socket cannot be made (no IPv6 on
 * this host) is logged and left out. Returns 0 when at least one socket
 * is bound, or a negative errno.
 */
int server_open(struct server *s, const struct config *cfg, int family, uint16_t port);
/* Serve what comes in on l. */
int server_watch(struct server *s, struct loop *l);
/* Forget cached interface names (they may have changed: SIGHUP). */
void server_forget_ifnames(struct server *s);
/* Log the counters, after why ("counters", "exiting"). */
void server_log_counters(const struct server *s, const char *why);
void server_close(struct server *s);

#endif
