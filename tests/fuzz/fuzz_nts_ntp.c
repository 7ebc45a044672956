/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: an NTS-protected reply (RFC 8915 section 5) checked by
 * nts_ntp_check_reply(). A fuzzer cannot forge an AES-SIV tag, so the
 * input may ask this target to seal one: the input is a flags byte, our
 * unique identifier (32 bytes), a 2-byte length L, L bytes of packet
 * (header and fields; short ones are padded to the 48-byte header), and
 * the rest. Without FUZZ_SEAL the packet is the packet and the rest its
 * continuation; with it the rest is the plaintext, sealed under the
 * server's key into an authenticator appended to the packet.
 *
 * Held on every input:
 *   - the verdict and the cookies are the same when asked twice;
 *   - an accepted reply has exactly one unique identifier field, ours,
 *     before an authenticator that is the last field (read here again);
 *     its cookies are at most those asked for, 1 to
 *     NTS_KE_MAX_COOKIE_LEN bytes each;
 *   - a sealed reply whose packet holds our identifier once, in well
 *     framed fields, is accepted exactly when its plaintext is well
 *     framed, and then gives every cookie field of the plaintext, in
 *     order;
 *   - with one bit flipped anywhere before the authenticator's
 *     ciphertext ends (the input says where), it is no longer accepted;
 *   - a request built with the packet's first bytes as its cookie is
 *     framed fields after the header, the identifier, the cookie, the
 *     placeholders asked for (of the cookie's length), and an
 *     authenticator last that opens under the client's key over all
 *     before it; with room for less (the input says how much), it is
 *     -ENOBUFS and nothing is written past the room given.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "nts_ntp.h"

#define FUZZ_SEAL 1
#define FUZZ_FLIP 2 /* flip the bit the 2 bytes after the flags name */

static const uint8_t fuzz_nonce[NTS_NONCE_LEN] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };

static uint16_t fuzz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Fields from off to end, framed as RFC 7822 says (length >= 4, a
 * multiple of 4, inside); the count of uid fields equal to ours, of uid
 * fields; the cookie fields of a usable length, in order. */
#define FUZZ_MAX_EFS 1024 /* a 4-byte field each in the longest plaintext */
struct fuzz_walk {
	bool framed;
	unsigned uid_ours, uids, n_cookies;
	const uint8_t *cookie[FUZZ_MAX_EFS];
	size_t cookie_len[FUZZ_MAX_EFS];
	size_t last_off; /* where the last field began */
	unsigned last_type;
};

static struct fuzz_walk fuzz_walk(const uint8_t *buf, size_t off, size_t end, const uint8_t *uid)
{
	struct fuzz_walk w = { .framed = true };

	while (off < end) {
		size_t l;
		unsigned type;

		if (end - off < 4 || (l = fuzz_get16(buf + off + 2)) < 4 || l % 4 ||
		    l > end - off) {
			w.framed = false;
			return w;
		}
		type = fuzz_get16(buf + off);
		if (type == NTS_EF_UNIQUE_ID) {
			w.uids++;
			w.uid_ours += l == 4 + NTS_UID_LEN && memcmp(buf + off + 4, uid, 32) == 0;
		}
		if (type == NTS_EF_COOKIE && l > 4 && l - 4 <= NTS_KE_MAX_COOKIE_LEN &&
		    w.n_cookies < FUZZ_MAX_EFS) {
			w.cookie[w.n_cookies] = buf + off + 4;
			w.cookie_len[w.n_cookies++] = l - 4;
		}
		w.last_off = off;
		w.last_type = type;
		off += l;
	}
	return w;
}

/* Append the authenticator of pt[0..pt_len) over buf[0..*len) */
static void fuzz_seal(const struct nts_ntp_keys *keys, uint8_t *buf, size_t *len, const uint8_t *pt,
		      size_t pt_len)
{
	size_t body = 4 + NTS_NONCE_LEN + pt_len + CRYPTO_SIV_TAG_LEN;
	size_t l = 4 + ((body + 3) & ~(size_t)3);
	uint8_t *p = buf + *len;

	memset(p, 0, l);
	p[0] = NTS_EF_AUTH >> 8;
	p[1] = NTS_EF_AUTH & 0xff;
	p[2] = (uint8_t)(l >> 8);
	p[3] = (uint8_t)l;
	p[5] = NTS_NONCE_LEN;
	p[6] = (uint8_t)((pt_len + CRYPTO_SIV_TAG_LEN) >> 8);
	p[7] = (uint8_t)(pt_len + CRYPTO_SIV_TAG_LEN);
	memcpy(p + 8, fuzz_nonce, NTS_NONCE_LEN);
	FUZZ_CHECK(crypto_siv_encrypt(keys->s2c, fuzz_nonce, NTS_NONCE_LEN, buf, *len, pt, pt_len,
				      p + 8 + NTS_NONCE_LEN) == 0);
	*len += l;
}

static void fuzz_check_sealed(const uint8_t *buf, size_t ad_len, const uint8_t *pt, size_t pt_len,
			      const uint8_t *uid, enum nts_ntp_verdict v,
			      const struct nts_ke_cookie *got, unsigned n_got, unsigned max)
{
	static struct fuzz_walk ad, p;

	ad = fuzz_walk(buf, 48, ad_len, uid);
	if (!ad.framed || ad.uids != 1 || ad.uid_ours != 1)
		return;
	p = fuzz_walk(pt, 0, pt_len, uid);
	FUZZ_CHECK((v == NTS_NTP_OK) == p.framed);
	if (v != NTS_NTP_OK)
		return;
	FUZZ_CHECK(n_got == (p.n_cookies < max ? p.n_cookies : max));
	for (unsigned i = 0; i < n_got; i++)
		FUZZ_CHECK(got[i].len == p.cookie_len[i] &&
			   memcmp(got[i].data, p.cookie[i], p.cookie_len[i]) == 0);
}

/* The request with cookie data[0..n) (at most a cookie's length) and
 * n_ph placeholders. */
static void fuzz_check_request(const struct nts_ntp_keys *keys, const uint8_t *uid,
			       const uint8_t *data, size_t n, unsigned n_ph, unsigned short_by)
{
	static uint8_t req[NTS_NTP_MAX_REQUEST];
	static struct fuzz_walk w;
	struct nts_ke_cookie c = { .len = (uint16_t)(n > NTS_KE_MAX_COOKIE_LEN ? 0 : n) };
	uint8_t tag[1];
	size_t ef, auth;
	int len;

	memcpy(c.data, data, c.len);
	memset(req, 0x23, 48);
	len = nts_ntp_request(req, 48, sizeof(req), keys, &c, n_ph, uid, fuzz_nonce);
	if (c.len == 0) {
		FUZZ_CHECK(len == -EINVAL);
		return;
	}
	ef = 4 + ((c.len + 3u) & ~3u);
	ef = ef < 16 ? 16 : ef;
	auth = 4 + 4 + NTS_NONCE_LEN + CRYPTO_SIV_TAG_LEN;
	FUZZ_CHECK(len == (int)(48 + 4 + NTS_UID_LEN + (1 + n_ph) * ef + auth));
	w = fuzz_walk(req, 48, (size_t)len, uid);
	FUZZ_CHECK(w.framed && w.uids == 1 && w.uid_ours == 1 && w.last_type == NTS_EF_AUTH);
	FUZZ_CHECK(w.n_cookies == 1 && memcmp(w.cookie[0], c.data, c.len) == 0);
	FUZZ_CHECK(w.last_off == (size_t)len - auth);
	FUZZ_CHECK(crypto_siv_decrypt(keys->c2s, fuzz_nonce, NTS_NONCE_LEN, req, w.last_off,
				      req + w.last_off + 8 + NTS_NONCE_LEN, CRYPTO_SIV_TAG_LEN,
				      tag) == 0);
	/* short of room by 1 to everything after the header */
	{
		size_t cap = (size_t)len - 1 - short_by % ((size_t)len - 48);

		memset(req, 0xee, sizeof(req));
		FUZZ_CHECK(nts_ntp_request(req, 48, cap, keys, &c, n_ph, uid, fuzz_nonce) ==
			   -ENOBUFS);
		for (size_t i = cap; i < (size_t)len; i++)
			FUZZ_CHECK(req[i] == 0xee);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[4096];
	static struct nts_ke_cookie got[NTS_KE_MAX_COOKIES], again[NTS_KE_MAX_COOKIES];
	struct nts_ntp_keys keys;
	struct fuzz_in in = { data, size, 0 };
	unsigned flags = (unsigned)fuzz_take(&in, 1), flip = (unsigned)fuzz_take(&in, 2);
	uint8_t uid[NTS_UID_LEN];
	size_t pkt_len = (size_t)fuzz_take(&in, 2) % 2048, len, ad_len, rest;
	unsigned n, n2;
	enum nts_ntp_verdict v;

	memset(&keys, 0x5c, sizeof(keys));
	for (unsigned i = 0; i < NTS_UID_LEN; i++)
		uid[i] = (uint8_t)fuzz_take(&in, 1);
	memset(buf, 0, 48);
	len = in.off < size ? size - in.off : 0;
	pkt_len = pkt_len < len ? pkt_len : len;
	memcpy(buf, data + in.off, pkt_len);
	rest = len - pkt_len;
	if (rest > 1024)
		rest = 1024;
	ad_len = len = pkt_len < 48 ? 48 : pkt_len;
	if (flags & FUZZ_SEAL) {
		fuzz_seal(&keys, buf, &len, data + in.off + pkt_len, rest);
	} else {
		memcpy(buf + len, data + in.off + pkt_len, rest);
		len += rest;
	}
	/* a sealed reply: only up to the ciphertext's end (its padding is not covered) */
	if (flags & FUZZ_FLIP) {
		size_t end = (flags & FUZZ_SEAL) ? ad_len + 8 + NTS_NONCE_LEN + rest + 16 : len;

		buf[(flip / 8) % end] ^= (uint8_t)(1u << (flip % 8));
	}
	v = nts_ntp_check_reply(buf, len, &keys, uid, (flags & 4) != 0, got, flags >> 5, &n);
	FUZZ_CHECK(nts_ntp_check_reply(buf, len, &keys, uid, (flags & 4) != 0, again, flags >> 5,
				       &n2) == v);
	FUZZ_CHECK(n == n2 && memcmp(got, again, sizeof(got[0]) * n) == 0);
	if (v == NTS_NTP_OK) {
		static struct fuzz_walk w;

		w = fuzz_walk(buf, 48, len, uid);
		FUZZ_CHECK(w.framed && w.uids == 1 && w.uid_ours == 1 &&
			   w.last_type == NTS_EF_AUTH);
		FUZZ_CHECK(n <= flags >> 5);
		for (unsigned i = 0; i < n; i++)
			FUZZ_CHECK(got[i].len >= 1 && got[i].len <= NTS_KE_MAX_COOKIE_LEN);
	}
	FUZZ_CHECK(nts_ntp_verdict_str(v)[0] != '?');
	fuzz_check_request(&keys, uid, buf + 48, pkt_len > 48 ? pkt_len - 48 : 0, (flags >> 3) & 3,
			   flip);
	if ((flags & FUZZ_SEAL) && (flags & FUZZ_FLIP))
		FUZZ_CHECK(v != NTS_NTP_OK);
	else if (flags & FUZZ_SEAL)
		fuzz_check_sealed(buf, ad_len, data + in.off + pkt_len, rest, uid, v, got, n,
				  flags >> 5);
	return 0;
}
