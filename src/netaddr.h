/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netaddr: prefix matching of socket addresses against config addresses,
 * shared by restrict rules and interface rules.
 */
#ifndef TSET_NETADDR_H
#define TSET_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

#include "config.h"

/* Does sa (AF_INET or AF_INET6) lie in net/prefix? Families must match. */
bool netaddr_in_prefix(const struct sockaddr *sa, const struct config_addr *net, unsigned prefix);

/* The full prefix length of a family: 32 or 128. */
unsigned netaddr_full_prefix(int family);

#endif
