/* SPDX-License-Identifier: BSD-2-Clause */
#include <netinet/in.h>
#include <string.h>

#include "candset.h"
#include "netio.h"

void candset_init(struct candset *cs)
{
	cs->n = 0;
	cs->n_live = 0;
	for (unsigned k = 0; k < CANDSET_MAX_NAMES; k++)
		cs->names[k] = (struct candset_name){ .n_addrs = 0 };
}

/* Does an IPv6 address need its scope id to name one destination? The
 * kernel uses the scope id for these and ignores it for the others. */
static bool candset_v6_is_scoped(const struct in6_addr *a)
{
	return IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MC_LINKLOCAL(a) ||
	       IN6_IS_ADDR_MC_NODELOCAL(a);
}

void candset_canonical(const struct sockaddr *sa, socklen_t len, struct sockaddr_storage *ret,
		       socklen_t *ret_len)
{
	memset(ret, 0, sizeof(*ret));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;

		memcpy(&in, sa, sizeof(in));
		in = (struct sockaddr_in){ .sin_family = AF_INET,
					   .sin_port = in.sin_port,
					   .sin_addr = in.sin_addr };
		memcpy(ret, &in, sizeof(in));
		*ret_len = sizeof(in);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;

		memcpy(&in6, sa, sizeof(in6));
		if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
			/* an AF_INET6 socket sends IPv4 to it: it is that IPv4 address */
			struct sockaddr_in in = { .sin_family = AF_INET,
						  .sin_port = in6.sin6_port };

			memcpy(&in.sin_addr, &in6.sin6_addr.s6_addr[12], sizeof(in.sin_addr));
			memcpy(ret, &in, sizeof(in));
			*ret_len = sizeof(in);
			return;
		}
		in6 = (struct sockaddr_in6){
			.sin6_family = AF_INET6,
			.sin6_port = in6.sin6_port,
			.sin6_addr = in6.sin6_addr,
			.sin6_scope_id =
				candset_v6_is_scoped(&in6.sin6_addr) ? in6.sin6_scope_id : 0,
		};
		memcpy(ret, &in6, sizeof(in6));
		*ret_len = sizeof(in6);
	} else {
		if (len > sizeof(*ret))
			len = sizeof(*ret);
		memcpy(ret, sa, len);
		*ret_len = len;
	}
}

bool candset_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	/* netio_sockaddr_equal() (the source check of a reply) leaves out the
	 * scope id, which only a link-local address keeps in canonical form */
	return netio_sockaddr_equal((const struct sockaddr *)a, (const struct sockaddr *)b) &&
	       (a->ss_family != AF_INET6 || x->sin6_scope_id == y->sin6_scope_id);
}

static int candset_find(const struct candset *cs, const struct sockaddr_storage *sa)
{
	for (unsigned i = 0; i < cs->n; i++)
		if (candset_same(&cs->e[i].sa, sa))
			return (int)i;
	return -1;
}

/* Place name k's votes, in the order of its list, until its budget is
 * held or its list runs out. Returns the entries appended. */
static unsigned candset_fill(struct candset *cs, unsigned k)
{
	struct candset_name *nm = &cs->names[k];
	uint64_t bit = UINT64_C(1) << k;
	unsigned added = 0;

	nm->starved = false;
	while (nm->held < nm->budget && nm->next < nm->n_addrs) {
		const struct sockaddr_storage *sa = &nm->addrs[nm->next];
		int i = candset_find(cs, sa);

		if (i < 0 && (cs->n == CANDSET_MAX || cs->n_live == CANDSET_LIVE_MAX)) {
			nm->starved = true; /* a leave may make room: try again then */
			break;
		}
		nm->next++;
		if (i >= 0) {
			/* gone: cannot vote; ours already: one address twice in the answer */
			if (cs->e[i].gone || (cs->e[i].names & bit))
				continue;
			cs->e[i].names |= bit; /* another name for one candidate: no new vote */
			nm->held++;
			continue;
		}
		cs->e[cs->n] = (struct candset_entry){
			.sa = *sa, .sa_len = nm->lens[nm->next - 1], .names = bit, .name = k
		};
		cs->n++;
		cs->n_live++;
		nm->held++;
		added++;
	}
	return added;
}

/* Is canonical ss one of the families asked for (AF_UNSPEC: IPv4 or IPv6)? */
static bool candset_family_ok(const struct sockaddr_storage *ss, int family)
{
	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
		return false;
	return family == AF_UNSPEC || ss->ss_family == family;
}

/* Keep the addresses of family, canonical, those of the primary family
 * (IPv4 when there is one) first; returns the primary family's count. */
static unsigned candset_name_list(struct candset_name *nm, const struct sockaddr_storage *addrs,
				  const socklen_t *lens, unsigned n, int family)
{
	struct sockaddr_storage ss[CANDSET_NAME_ADDRS];
	socklen_t len[CANDSET_NAME_ADDRS];
	unsigned m = 0, n_primary = 0;
	int primary = AF_INET6;

	for (unsigned i = 0; i < n && m < CANDSET_NAME_ADDRS; i++) {
		candset_canonical((const struct sockaddr *)&addrs[i], lens[i], &ss[m], &len[m]);
		if (!candset_family_ok(&ss[m], family))
			continue;
		if (ss[m].ss_family == AF_INET)
			primary = AF_INET;
		m++;
	}
	nm->n_addrs = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < m; i++) {
			if ((ss[i].ss_family == primary) != (pass == 0))
				continue;
			nm->addrs[nm->n_addrs] = ss[i];
			nm->lens[nm->n_addrs++] = len[i];
			n_primary += pass == 0;
		}
	}
	return n_primary;
}

unsigned candset_add_name(struct candset *cs, unsigned name, const struct sockaddr_storage *addrs,
			  const socklen_t *lens, unsigned n, unsigned cap, int family)
{
	struct candset_name *nm;
	unsigned n_primary;

	if (name >= CANDSET_MAX_NAMES)
		return 0;
	nm = &cs->names[name];
	*nm = (struct candset_name){ .n_addrs = 0 };
	n_primary = candset_name_list(nm, addrs, lens, n, family);
	nm->budget = n_primary < cap ? n_primary : cap;
	return candset_fill(cs, name);
}

unsigned candset_leave(struct candset *cs, unsigned i)
{
	struct candset_entry *e;
	unsigned added = 0;

	if (i >= cs->n || cs->e[i].gone)
		return 0;
	e = &cs->e[i];
	e->gone = true;
	cs->n_live--;
	for (unsigned k = 0; k < CANDSET_MAX_NAMES; k++)
		if (e->names & (UINT64_C(1) << k))
			cs->names[k].held--;
	/* every name short of its votes: those that held i, and those the
	 * limit stopped, for which there may be room now */
	for (unsigned k = 0; k < CANDSET_MAX_NAMES; k++)
		added += candset_fill(cs, k);
	return added;
}

unsigned candset_name_dropped(const struct candset *cs, unsigned k)
{
	const struct candset_name *nm = &cs->names[k];

	return nm->starved ? nm->budget - nm->held : 0;
}
