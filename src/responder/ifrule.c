/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "ifrule.h"
#include "netaddr.h"

static bool ifrule_matches(const struct config_interface *r, const struct sockaddr *dst,
			   const char *ifname)
{
	switch (r->match) {
	case CONFIG_IF_ALL:
		return true;
	case CONFIG_IF_IPV4:
		return dst->sa_family == AF_INET;
	case CONFIG_IF_IPV6:
		return dst->sa_family == AF_INET6;
	case CONFIG_IF_WILDCARD:
		return false;
	case CONFIG_IF_NAME:
		return ifname && strcmp(r->ifname, ifname) == 0;
	case CONFIG_IF_PREFIX:
		return netaddr_in_prefix(dst, &r->addr, r->prefix);
	}
	return false;
}

bool ifrule_serves(const struct config *cfg, const struct sockaddr *dst, const char *ifname)
{
	bool serve = true;

	for (unsigned i = 0; i < cfg->n_interfaces; i++)
		if (ifrule_matches(&cfg->interfaces[i], dst, ifname))
			serve = cfg->interfaces[i].action == CONFIG_IF_LISTEN;
	return serve;
}

bool ifrule_needs_ifname(const struct config *cfg)
{
	for (unsigned i = 0; i < cfg->n_interfaces; i++)
		if (cfg->interfaces[i].match == CONFIG_IF_NAME)
			return true;
	return false;
}

/* The verdict for an address of family that no address or name rule names. */
static bool ifrule_serves_unnamed(const struct config *cfg, int family)
{
	bool serve = true;

	for (unsigned i = 0; i < cfg->n_interfaces; i++) {
		const struct config_interface *r = &cfg->interfaces[i];

		if (r->match == CONFIG_IF_ALL ||
		    (r->match == CONFIG_IF_IPV4 && family == AF_INET) ||
		    (r->match == CONFIG_IF_IPV6 && family == AF_INET6))
			serve = r->action == CONFIG_IF_LISTEN;
	}
	return serve;
}

/* A config address as a socket address (port 0). */
static void ifrule_sockaddr(const struct config_addr *a, struct sockaddr_storage *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->ss_family = (sa_family_t)a->family;
	if (a->family == AF_INET)
		((struct sockaddr_in *)ret)->sin_addr = a->u.v4;
	else
		((struct sockaddr_in6 *)ret)->sin6_addr = a->u.v6;
}

static bool ifrule_listed(const struct config_addr *list, unsigned n, const struct config_addr *a)
{
	size_t len = a->family == AF_INET ? sizeof(a->u.v4) : sizeof(a->u.v6);

	for (unsigned i = 0; i < n; i++)
		if (list[i].family == a->family && memcmp(&list[i].u, &a->u, len) == 0)
			return true;
	return false;
}

int ifrule_specific(const struct config *cfg, int family, struct config_addr *ret, unsigned max)
{
	unsigned n = 0;

	if (ifrule_serves_unnamed(cfg, family))
		return -1;
	for (unsigned i = 0; i < cfg->n_interfaces; i++) {
		const struct config_interface *r = &cfg->interfaces[i];
		struct sockaddr_storage sa;

		if (r->action != CONFIG_IF_LISTEN)
			continue;
		if (r->match == CONFIG_IF_NAME)
			return -1; /* its addresses are not known here */
		if (r->match != CONFIG_IF_PREFIX || r->addr.family != family)
			continue;
		if (r->prefix != netaddr_full_prefix(family))
			return -1;
		ifrule_sockaddr(&r->addr, &sa);
		if (!ifrule_serves(cfg, (struct sockaddr *)&sa, NULL) || n == max ||
		    ifrule_listed(ret, n, &r->addr))
			continue; /* a later rule takes it back, too many, or twice */
		ret[n++] = r->addr;
	}
	return (int)n;
}

enum config_if_action ifrule_wildcard(const struct config *cfg, int family)
{
	enum config_if_action action = CONFIG_IF_LISTEN;
	struct sockaddr_storage any;

	memset(&any, 0, sizeof(any));
	any.ss_family = (sa_family_t)family;
	for (unsigned i = 0; i < cfg->n_interfaces; i++) {
		const struct config_interface *r = &cfg->interfaces[i];

		if (r->match == CONFIG_IF_WILDCARD ||
		    (r->match == CONFIG_IF_IPV4 && family == AF_INET) ||
		    (r->match == CONFIG_IF_IPV6 && family == AF_INET6) ||
		    (r->match == CONFIG_IF_PREFIX && r->addr.family == family &&
		     netaddr_in_prefix((const struct sockaddr *)&any, &r->addr, r->prefix)))
			action = r->action;
	}
	return action;
}
