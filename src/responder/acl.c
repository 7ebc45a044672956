/* SPDX-License-Identifier: BSD-2-Clause */
#include "acl.h"
#include "netaddr.h"

unsigned acl_flags(const struct config *cfg, const struct sockaddr *src)
{
	const struct config_restrict *best = NULL;

	for (unsigned i = 0; i < cfg->n_restricts; i++) {
		const struct config_restrict *r = &cfg->restricts[i];

		if (r->is_source || !netaddr_in_prefix(src, &r->addr, r->prefix))
			continue;
		if (!best || r->prefix >= best->prefix)
			best = r;
	}
	return best ? best->flags : 0;
}

bool acl_serves(unsigned flags)
{
	return !(flags & (CONFIG_RESTRICT_IGNORE | CONFIG_RESTRICT_NOSERVE));
}
