/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ifrule: ntpd's `interface listen|ignore|drop` rules for tsetd. Every
 * address is served unless a rule says otherwise; rules are read in order
 * and the last one that matches wins. tsetd applies them to the
 * destination address and interface of each request (it listens on
 * wildcard sockets), so `ignore` and `drop` both mean: not served.
 */
#ifndef TSET_RESPONDER_IFRULE_H
#define TSET_RESPONDER_IFRULE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "config.h"

/* May a request to dst, received on interface ifname ("" if unknown), be
 * answered? `wildcard` rules match no request: they name the wildcard
 * socket itself, which ntpd may skip opening. */
bool ifrule_serves(const struct config *cfg, const struct sockaddr *dst, const char *ifname);

/* Do the rules name an interface (so the caller must know its name)? */
bool ifrule_needs_ifname(const struct config *cfg);

/*
 * How to bind a family (AF_INET, AF_INET6): when the rules leave an
 * address that no rule names unserved (`interface ignore all`), and every
 * rule that serves something names one full address, those addresses are
 * bound one by one (so that several tsetd can share a port); otherwise
 * one wildcard socket takes everything, interfaces that come up later
 * included. Returns the number of addresses written to ret[0..max), 0 for
 * "nothing to serve in this family", or -1 for "bind the wildcard".
 */
int ifrule_specific(const struct config *cfg, int family, struct config_addr *ret, unsigned max);

/*
 * What the rules make of a family's wildcard socket, as ntpd does: the
 * last rule that names it wins, `wildcard`, `ipv4` / `ipv6` and an
 * address prefix holding the any address (0.0.0.0, ::) name it, `all`
 * does not (ntpd's `all` leaves the wildcard out). CONFIG_IF_LISTEN (no
 * rule: tsetd's default) binds it and answers through it; CONFIG_IF_DROP
 * binds it (the port is held) and answers nothing through it;
 * CONFIG_IF_IGNORE binds no wildcard, only the host's addresses that the
 * rules serve, one socket each.
 */
enum config_if_action ifrule_wildcard(const struct config *cfg, int family);

#endif
