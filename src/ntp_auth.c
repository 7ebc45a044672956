/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "ntp_auth.h"

size_t ntp_auth_digest_len(const struct keys_key *key, unsigned version)
{
	size_t n = crypto_out_len(key->alg);

	return n > NTP_AUTH_V4_DIGEST && version >= NTP_VERSION ? NTP_AUTH_V4_DIGEST : n;
}

bool ntp_auth_digest_len_ok(const struct keys_key *key, size_t len)
{
	return len > 0 &&
	       (len == ntp_auth_digest_len(key, NTP_VERSION) || len == crypto_out_len(key->alg));
}

int ntp_auth_sign(const struct keys_key *key, uint8_t *buf, size_t len, size_t cap)
{
	unsigned version = len ? (buf[0] >> 3) & 7 : NTP_VERSION;

	return ntp_auth_sign_len(key, ntp_auth_digest_len(key, version), buf, len, cap);
}

int ntp_auth_sign_len(const struct keys_key *key, size_t dlen, uint8_t *buf, size_t len, size_t cap)
{
	int r;

	if (!ntp_auth_digest_len_ok(key, dlen))
		return -EINVAL;
	if (len > cap || cap - len < NTP_AUTH_KEYID_LEN + dlen)
		return -ENOBUFS;
	r = crypto_mac(key->alg, key->key, key->key_len, buf, len, buf + len + NTP_AUTH_KEYID_LEN,
		       dlen);
	if (r < 0)
		return r;
	buf[len] = (uint8_t)(key->id >> 24);
	buf[len + 1] = (uint8_t)(key->id >> 16);
	buf[len + 2] = (uint8_t)(key->id >> 8);
	buf[len + 3] = (uint8_t)key->id;
	return (int)(len + NTP_AUTH_KEYID_LEN + dlen);
}

bool ntp_auth_is_trusted(const struct config *cfg, unsigned id)
{
	for (unsigned i = 0; i < cfg->n_trusted; i++)
		if (id >= cfg->trusted[i].lo && id <= cfg->trusted[i].hi)
			return true;
	return false;
}

/* The MAC field of p, which is there and not a crypto-NAK, against key. */
static enum ntp_auth_verdict ntp_auth_check_digest(const struct keys_key *key, const uint8_t *buf,
						   const struct ntp_pkt *p)
{
	uint8_t want[CRYPTO_MAX_OUT];
	size_t dlen = p->mac_len;

	if (!ntp_auth_digest_len_ok(key, dlen))
		return NTP_AUTH_BAD;
	if (crypto_mac(key->alg, key->key, key->key_len, buf, p->mac_off - NTP_AUTH_KEYID_LEN, want,
		       dlen) < 0)
		return NTP_AUTH_BAD;
	return crypto_mem_equal(want, buf + p->mac_off, dlen) ? NTP_AUTH_OK : NTP_AUTH_BAD;
}

/* No MAC, a crypto-NAK, or a key id without a digest: NTP_AUTH_OK means
 * there is a digest to check. */
static enum ntp_auth_verdict ntp_auth_field(const struct ntp_pkt *p)
{
	if (!p->has_mac)
		return NTP_AUTH_NONE;
	if (p->mac_len == 0)
		return p->mac_keyid == 0 ? NTP_AUTH_CRYPTO_NAK : NTP_AUTH_BAD;
	return NTP_AUTH_OK;
}

enum ntp_auth_verdict ntp_auth_verify_key(const struct keys_key *key, const uint8_t *buf,
					  const struct ntp_pkt *p)
{
	enum ntp_auth_verdict v = ntp_auth_field(p);

	if (v != NTP_AUTH_OK)
		return v;
	if (p->mac_keyid != key->id)
		return NTP_AUTH_UNKNOWN;
	return ntp_auth_check_digest(key, buf, p);
}

enum ntp_auth_verdict ntp_auth_verify(const struct keys *ks, const struct config *cfg,
				      const uint8_t *buf, const struct ntp_pkt *p,
				      const struct keys_key **ret_key)
{
	enum ntp_auth_verdict v = ntp_auth_field(p);
	const struct keys_key *key;

	*ret_key = NULL;
	if (v != NTP_AUTH_OK)
		return v;
	key = p->mac_keyid <= KEYS_ID_MAX ? keys_find(ks, p->mac_keyid) : NULL;
	if (!key || (cfg && !ntp_auth_is_trusted(cfg, key->id)))
		return NTP_AUTH_UNKNOWN;
	v = ntp_auth_check_digest(key, buf, p);
	if (v == NTP_AUTH_OK)
		*ret_key = key;
	return v;
}
