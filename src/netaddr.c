/* SPDX-License-Identifier: BSD-2-Clause */
#include <netinet/in.h>
#include <string.h>

#include "netaddr.h"

unsigned netaddr_full_prefix(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* The first prefix bits of a and b are equal. */
static bool netaddr_bits_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned bytes = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool netaddr_in_prefix(const struct sockaddr *sa, const struct config_addr *net, unsigned prefix)
{
	if (sa->sa_family != net->family || prefix > netaddr_full_prefix(net->family))
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		return netaddr_bits_equal((const uint8_t *)&s4->sin_addr,
					  (const uint8_t *)&net->u.v4, prefix);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		return netaddr_bits_equal(s6->sin6_addr.s6_addr, net->u.v6.s6_addr, prefix);
	}
	return false;
}
