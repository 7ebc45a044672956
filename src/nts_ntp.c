/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <string.h>

#include "nts_ntp.h"

#define NTS_NTP_HEADER_LEN 48 /* RFC 5905 section 7.3 */
/* The plaintext of a reply's authenticator: what a datagram can hold. */
#define NTS_NTP_MAX_PLAINTEXT 2048

static uint16_t nts_ntp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void nts_ntp_put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t nts_ntp_pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The length of a field with a body of n bytes: padded to a word and to
 * the least length (RFC 7822 section 3). */
static size_t nts_ntp_ef_len(size_t n)
{
	size_t l = nts_ntp_pad4(NTS_EF_HEADER_LEN + n);

	return l < NTS_EF_MIN_LEN ? NTS_EF_MIN_LEN : l;
}

/* Append a field of type with body (NULL: zeros) at buf[*len]; false when
 * it does not fit in cap. */
static bool nts_ntp_put_ef(uint8_t *buf, size_t *len, size_t cap, unsigned type,
			   const uint8_t *body, size_t n)
{
	size_t l = nts_ntp_ef_len(n);
	uint8_t *p = buf + *len;

	if (l > cap - *len)
		return false;
	memset(p, 0, l);
	nts_ntp_put16(p, type);
	nts_ntp_put16(p + 2, l);
	if (body)
		memcpy(p + NTS_EF_HEADER_LEN, body, n);
	*len += l;
	return true;
}

int nts_ntp_request(uint8_t *buf, size_t len, size_t cap, const struct nts_ntp_keys *keys,
		    const struct nts_ke_cookie *cookie, unsigned n_placeholders,
		    const uint8_t uid[NTS_UID_LEN], const uint8_t nonce[NTS_NONCE_LEN])
{
	/* RFC 8915 section 5.6: nonce length, ciphertext length, nonce,
	 * ciphertext (the tag alone: nothing is encrypted in a request) */
	size_t auth_body = 4 + NTS_NONCE_LEN + CRYPTO_SIV_TAG_LEN, at;
	uint8_t *p;

	if (cookie->len == 0 || cookie->len > NTS_KE_MAX_COOKIE_LEN || len > cap)
		return -EINVAL;
	if (!nts_ntp_put_ef(buf, &len, cap, NTS_EF_UNIQUE_ID, uid, NTS_UID_LEN) ||
	    !nts_ntp_put_ef(buf, &len, cap, NTS_EF_COOKIE, cookie->data, cookie->len))
		return -ENOBUFS;
	for (unsigned i = 0; i < n_placeholders; i++)
		if (!nts_ntp_put_ef(buf, &len, cap, NTS_EF_COOKIE_PLACEHOLDER, NULL, cookie->len))
			return -ENOBUFS;
	at = len;
	if (!nts_ntp_put_ef(buf, &len, cap, NTS_EF_AUTH, NULL, auth_body))
		return -ENOBUFS;
	p = buf + at + NTS_EF_HEADER_LEN;
	nts_ntp_put16(p, NTS_NONCE_LEN);
	nts_ntp_put16(p + 2, CRYPTO_SIV_TAG_LEN);
	memcpy(p + 4, nonce, NTS_NONCE_LEN);
	/* the associated data: everything before the authenticator */
	crypto_siv_encrypt(keys->c2s, nonce, NTS_NONCE_LEN, buf, at, NULL, 0,
			   p + 4 + NTS_NONCE_LEN);
	return (int)len;
}

/* The next field of buf[*off..end): its type, body and body length.
 * false when the bytes left are not a field (RFC 7822 section 3: a
 * length of at least 4 bytes, a multiple of 4, within the packet). */
static bool nts_ntp_next_ef(const uint8_t *buf, size_t end, size_t *off, unsigned *ret_type,
			    const uint8_t **ret_body, size_t *ret_n)
{
	size_t l;

	if (end - *off < NTS_EF_HEADER_LEN)
		return false;
	l = nts_ntp_get16(buf + *off + 2);
	if (l < NTS_EF_HEADER_LEN || l % 4 || l > end - *off)
		return false;
	*ret_type = nts_ntp_get16(buf + *off);
	*ret_body = buf + *off + NTS_EF_HEADER_LEN;
	*ret_n = l - NTS_EF_HEADER_LEN;
	*off += l;
	return true;
}

/* The cookies among the fields of the plaintext pt[0..n). */
static enum nts_ntp_verdict nts_ntp_cookies(const uint8_t *pt, size_t n, struct nts_ke_cookie *ret,
					    unsigned max, unsigned *ret_n)
{
	size_t off = 0, body_n;
	const uint8_t *body;
	unsigned type;

	*ret_n = 0;
	while (off < n) {
		if (!nts_ntp_next_ef(pt, n, &off, &type, &body, &body_n))
			return NTS_NTP_BAD_AUTH;
		/* a cookie is the body, padding included: servers pad none */
		if (type != NTS_EF_COOKIE || body_n == 0 || body_n > NTS_KE_MAX_COOKIE_LEN ||
		    *ret_n == max)
			continue;
		memcpy(ret[*ret_n].data, body, body_n);
		ret[(*ret_n)++].len = (uint16_t)body_n;
	}
	return NTS_NTP_OK;
}

/* Open the authenticator body[0..n), the packet before it being buf[0..ad_len). */
static enum nts_ntp_verdict nts_ntp_open(const uint8_t *buf, size_t ad_len, const uint8_t *body,
					 size_t n, const struct nts_ntp_keys *keys,
					 struct nts_ke_cookie *ret, unsigned max, unsigned *ret_n)
{
	uint8_t pt[NTS_NTP_MAX_PLAINTEXT];
	size_t nonce_len, ct_len;
	enum nts_ntp_verdict v;

	if (n < 4)
		return NTS_NTP_BAD_AUTH;
	nonce_len = nts_ntp_get16(body);
	ct_len = nts_ntp_get16(body + 2);
	if (nonce_len < CRYPTO_SIV_MIN_NONCE_LEN || ct_len < CRYPTO_SIV_TAG_LEN ||
	    ct_len - CRYPTO_SIV_TAG_LEN > sizeof(pt) ||
	    nts_ntp_pad4(nonce_len) + nts_ntp_pad4(ct_len) > n - 4)
		return NTS_NTP_BAD_AUTH;
	if (crypto_siv_decrypt(keys->s2c, body + 4, nonce_len, buf, ad_len,
			       body + 4 + nts_ntp_pad4(nonce_len), ct_len, pt) < 0)
		return NTS_NTP_BAD_AUTH;
	v = nts_ntp_cookies(pt, ct_len - CRYPTO_SIV_TAG_LEN, ret, max, ret_n);
	memset(pt, 0, sizeof(pt));
	return v;
}

enum nts_ntp_verdict nts_ntp_check_reply(const uint8_t *buf, size_t len,
					 const struct nts_ntp_keys *keys,
					 const uint8_t uid[NTS_UID_LEN], bool kod_ntsn,
					 struct nts_ke_cookie *ret_cookies, unsigned max,
					 unsigned *ret_n)
{
	size_t off = NTS_NTP_HEADER_LEN, at, body_n;
	const uint8_t *body;
	unsigned type, n_uid = 0;
	bool uid_ours = false;

	*ret_n = 0;
	if (len < NTS_NTP_HEADER_LEN)
		return NTS_NTP_MALFORMED;
	for (;;) {
		at = off;
		if (off == len)
			return n_uid != 1 || !uid_ours ? NTS_NTP_NO_UID
			       : kod_ntsn	       ? NTS_NTP_NAK
						       : NTS_NTP_NO_AUTH;
		if (!nts_ntp_next_ef(buf, len, &off, &type, &body, &body_n))
			return NTS_NTP_MALFORMED;
		if (type == NTS_EF_AUTH)
			break;
		if (type == NTS_EF_UNIQUE_ID) {
			n_uid++;
			uid_ours = body_n == NTS_UID_LEN && memcmp(body, uid, NTS_UID_LEN) == 0;
		}
	}
	if (n_uid != 1 || !uid_ours)
		return NTS_NTP_NO_UID;
	/* RFC 8915 section 5.6: nothing after the authenticator is covered by it */
	if (off != len)
		return NTS_NTP_AFTER_AUTH;
	return nts_ntp_open(buf, at, body, body_n, keys, ret_cookies, max, ret_n);
}

const char *nts_ntp_verdict_str(enum nts_ntp_verdict v)
{
	static const char *const text[] = {
		[NTS_NTP_OK] = "ok",
		[NTS_NTP_MALFORMED] = "malformed extension fields",
		[NTS_NTP_NO_UID] = "no unique identifier of ours",
		[NTS_NTP_NAK] = "nts nak (the server did not accept the cookie)",
		[NTS_NTP_NO_AUTH] = "no authenticator",
		[NTS_NTP_BAD_AUTH] = "bad authenticator",
		[NTS_NTP_AFTER_AUTH] = "a field after the authenticator",
	};

	return (unsigned)v < sizeof(text) / sizeof(text[0]) ? text[v] : "?";
}
