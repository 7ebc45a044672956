/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define RATELIMIT_SHIFT 8 /* ntpd's NTP_SHIFT: the limit is 8 headways */
#define NS_PER_S	INT64_C(1000000000)

struct ratelimit_entry {
	int64_t last_ns;
	int32_t leak_s;
	uint8_t family; /* 0: empty */
	uint8_t addr[16];
};

struct ratelimit {
	int32_t head_s, limit_s, minimum_s;
	unsigned prefix4, prefix6;
	uint64_t seed;
	unsigned count;
	struct ratelimit_entry set[RATELIMIT_SETS][RATELIMIT_WAYS];
};

int ratelimit_new(struct ratelimit **ret, int average_log2, unsigned minimum_s, uint64_t seed)
{
	struct ratelimit *rl;

	if (average_log2 < 0 || average_log2 > 16 || minimum_s > 3600)
		return -EINVAL;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return -ENOMEM;
	rl->head_s = INT32_C(1) << average_log2;
	rl->limit_s = RATELIMIT_SHIFT * rl->head_s;
	rl->minimum_s = (int32_t)minimum_s;
	rl->seed = seed | 1;
	rl->prefix4 = 32;
	rl->prefix6 = 64;
	*ret = rl;
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

int ratelimit_set_prefixes(struct ratelimit *rl, unsigned prefix4, unsigned prefix6)
{
	if (prefix4 < 1 || prefix4 > 32 || prefix6 < 1 || prefix6 > 128)
		return -EINVAL;
	rl->prefix4 = prefix4;
	rl->prefix6 = prefix6;
	memset(rl->set, 0, sizeof(rl->set));
	rl->count = 0;
	return 0;
}

unsigned ratelimit_count(const struct ratelimit *rl)
{
	return rl->count;
}

/* The client's network: src's address with the bits beyond the prefix
 * cleared, into key; its length and family, or 0 for another family. */
static size_t ratelimit_key(const struct ratelimit *rl, const struct sockaddr *src, uint8_t key[16],
			    int *ret_family)
{
	const uint8_t *addr;
	unsigned prefix;
	size_t len;

	if (src->sa_family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)(const void *)src)->sin_addr;
		len = 4;
	} else if (src->sa_family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)(const void *)src)->sin6_addr.s6_addr;
		len = 16;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)addr)) {
			addr += 12;
			len = 4;
		}
	} else {
		return 0;
	}
	*ret_family = len == 4 ? AF_INET : AF_INET6;
	prefix = len == 4 ? rl->prefix4 : rl->prefix6;
	memcpy(key, addr, len);
	for (size_t i = prefix / 8; i < len; i++)
		key[i] &= i == prefix / 8 ? (uint8_t)(0xff00u >> (prefix % 8)) : 0;
	return len;
}

/* A keyed hash, so that a remote sender cannot aim at one set. */
static unsigned ratelimit_set_of(const struct ratelimit *rl, const uint8_t *key, size_t len)
{
	uint64_t h = rl->seed;

	for (size_t i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull; /* FNV-1a prime */
		h ^= h >> 29;
	}
	h ^= rl->seed >> 7;
	h *= 0x9e3779b97f4a7c15ull;
	return (unsigned)(h >> 40) % RATELIMIT_SETS;
}

/* The client's entry, or a new one in place of the least recent. */
static struct ratelimit_entry *ratelimit_entry(struct ratelimit *rl, const uint8_t *key, size_t len,
					       int family, bool *ret_new)
{
	struct ratelimit_entry *set = rl->set[ratelimit_set_of(rl, key, len)], *victim = &set[0];

	for (unsigned w = 0; w < RATELIMIT_WAYS; w++) {
		if (set[w].family == family && memcmp(set[w].addr, key, len) == 0) {
			*ret_new = false;
			return &set[w];
		}
		if (set[w].family == 0 || (victim->family && set[w].last_ns < victim->last_ns))
			victim = &set[w];
	}
	if (victim->family == 0)
		rl->count++;
	memset(victim, 0, sizeof(*victim));
	victim->family = (uint8_t)family;
	memcpy(victim->addr, key, len);
	*ret_new = true;
	return victim;
}

enum ratelimit_verdict ratelimit_check(struct ratelimit *rl, const struct sockaddr *src,
				       int64_t now_ns)
{
	uint8_t key[16];
	int family = 0;
	size_t len = ratelimit_key(rl, src, key, &family);
	struct ratelimit_entry *e;
	int64_t interval;
	int32_t leak;
	bool fresh;

	if (len == 0)
		return RATELIMIT_DROP;
	e = ratelimit_entry(rl, key, len, family, &fresh);
	/* whole seconds since the previous request, rounded (ntpd's interval) */
	interval = fresh ? INT32_MAX : (now_ns - e->last_ns + NS_PER_S / 2) / NS_PER_S;
	if (interval > INT32_MAX)
		interval = INT32_MAX;
	e->last_ns = now_ns;
	e->leak_s = e->leak_s > interval ? e->leak_s - (int32_t)interval : 0;
	leak = e->leak_s + rl->head_s;
	if (interval + 1 >= rl->minimum_s && leak < rl->limit_s) {
		e->leak_s = leak - 2;
		return RATELIMIT_PASS;
	}
	if (e->leak_s < rl->limit_s) {
		e->leak_s = rl->limit_s + rl->head_s;
		return RATELIMIT_KOD;
	}
	return RATELIMIT_DROP;
}
