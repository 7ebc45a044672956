/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * acl: ntpd's `restrict` rules for tsetd. The flags of the rule with the
 * longest prefix that matches the client's address apply; a later line
 * replaces an earlier one of the same address and prefix; no matching
 * rule means no restriction. `restrict source` (pool associations) does
 * not apply to a server.
 */
#ifndef TSET_RESPONDER_ACL_H
#define TSET_RESPONDER_ACL_H

#include <sys/socket.h>

#include "config.h"

/* CONFIG_RESTRICT_* flags for a client at src. */
unsigned acl_flags(const struct config *cfg, const struct sockaddr *src);

/* Is a client with these flags served at all? (not `ignore`, not `noserve`) */
bool acl_serves(unsigned flags);

#endif
