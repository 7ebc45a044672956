/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto (crypto.h): nettle behind our own types: the MACs of symmetric
 * keys and the AEAD of NTS (SIV-CMAC), so that nettle stays in this file
 * alone.
 */
#include <errno.h>
#include <string.h>

#include <nettle/cmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/siv-cmac.h>

#include "crypto.h"

size_t crypto_out_len(enum crypto_alg alg)
{
	switch (alg) {
	case CRYPTO_MD5:
		return MD5_DIGEST_SIZE;
	case CRYPTO_SHA1:
		return SHA1_DIGEST_SIZE;
	case CRYPTO_SHA256:
		return SHA256_DIGEST_SIZE;
	case CRYPTO_AES128_CMAC:
	case CRYPTO_AES256_CMAC:
		return CMAC128_DIGEST_SIZE;
	case CRYPTO_NONE:
		break;
	}
	return 0;
}

size_t crypto_key_len(enum crypto_alg alg)
{
	if (alg == CRYPTO_AES128_CMAC)
		return AES128_KEY_SIZE;
	if (alg == CRYPTO_AES256_CMAC)
		return AES256_KEY_SIZE;
	return 0;
}

bool crypto_alg_is_cmac(enum crypto_alg alg)
{
	return alg == CRYPTO_AES128_CMAC || alg == CRYPTO_AES256_CMAC;
}

/* Zero what held a key, so that none of it stays on the stack. */
static void crypto_wipe(void *p, size_t len)
{
	memset(p, 0, len);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* digest(key || msg), the whole digest into out (crypto_out_len bytes) */
static void crypto_prefix_digest(enum crypto_alg alg, const uint8_t *key, size_t key_len,
				 const uint8_t *msg, size_t msg_len, uint8_t *out)
{
	union {
		struct md5_ctx md5;
		struct sha1_ctx sha1;
		struct sha256_ctx sha256;
	} c;

	switch (alg) {
	case CRYPTO_MD5:
		md5_init(&c.md5);
		md5_update(&c.md5, key_len, key);
		md5_update(&c.md5, msg_len, msg);
		md5_digest(&c.md5, MD5_DIGEST_SIZE, out);
		break;
	case CRYPTO_SHA1:
		sha1_init(&c.sha1);
		sha1_update(&c.sha1, key_len, key);
		sha1_update(&c.sha1, msg_len, msg);
		sha1_digest(&c.sha1, SHA1_DIGEST_SIZE, out);
		break;
	default: /* CRYPTO_SHA256: the caller checked alg */
		sha256_init(&c.sha256);
		sha256_update(&c.sha256, key_len, key);
		sha256_update(&c.sha256, msg_len, msg);
		sha256_digest(&c.sha256, SHA256_DIGEST_SIZE, out);
		break;
	}
	crypto_wipe(&c, sizeof(c)); /* the state holds the key */
}

static void crypto_cmac(enum crypto_alg alg, const uint8_t *key, const uint8_t *msg, size_t msg_len,
			uint8_t *out)
{
	union {
		struct cmac_aes128_ctx a128;
		struct cmac_aes256_ctx a256;
	} c;

	if (alg == CRYPTO_AES128_CMAC) {
		cmac_aes128_set_key(&c.a128, key);
		cmac_aes128_update(&c.a128, msg_len, msg);
		cmac_aes128_digest(&c.a128, CMAC128_DIGEST_SIZE, out);
	} else {
		cmac_aes256_set_key(&c.a256, key);
		cmac_aes256_update(&c.a256, msg_len, msg);
		cmac_aes256_digest(&c.a256, CMAC128_DIGEST_SIZE, out);
	}
	crypto_wipe(&c, sizeof(c));
}

int crypto_mac(enum crypto_alg alg, const uint8_t *key, size_t key_len, const uint8_t *msg,
	       size_t msg_len, uint8_t *ret_out, size_t out_len)
{
	uint8_t full[CRYPTO_MAX_OUT];
	size_t full_len = crypto_out_len(alg);

	if (full_len == 0 || out_len > full_len || (!msg && msg_len > 0))
		return -EINVAL;
	if (crypto_alg_is_cmac(alg)) {
		if (key_len != crypto_key_len(alg))
			return -EINVAL;
		crypto_cmac(alg, key, msg, msg_len, full);
	} else {
		crypto_prefix_digest(alg, key, key_len, msg, msg_len, full);
	}
	memcpy(ret_out, full, out_len);
	return 0;
}

/* nettle's SIV-CMAC is RFC 5297's with exactly [ad, nonce] as S2V input */
_Static_assert(SIV_CMAC_AES128_KEY_SIZE == CRYPTO_SIV_KEY_LEN, "AES-SIV-CMAC-256 key");
_Static_assert(SIV_DIGEST_SIZE == CRYPTO_SIV_TAG_LEN, "SIV tag");
_Static_assert(SIV_MIN_NONCE_SIZE == CRYPTO_SIV_MIN_NONCE_LEN, "SIV nonce");

int crypto_siv_encrypt(const uint8_t key[CRYPTO_SIV_KEY_LEN], const uint8_t *nonce,
		       size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *pt,
		       size_t pt_len, uint8_t *ret_ct)
{
	struct siv_cmac_aes128_ctx c;

	if (nonce_len < CRYPTO_SIV_MIN_NONCE_LEN)
		return -EINVAL;
	siv_cmac_aes128_set_key(&c, key);
	siv_cmac_aes128_encrypt_message(&c, nonce_len, nonce, ad_len, ad,
					pt_len + CRYPTO_SIV_TAG_LEN, ret_ct, pt);
	crypto_wipe(&c, sizeof(c));
	return 0;
}

int crypto_siv_decrypt(const uint8_t key[CRYPTO_SIV_KEY_LEN], const uint8_t *nonce,
		       size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *ct,
		       size_t ct_len, uint8_t *ret_pt)
{
	struct siv_cmac_aes128_ctx c;
	int ok;

	if (nonce_len < CRYPTO_SIV_MIN_NONCE_LEN || ct_len < CRYPTO_SIV_TAG_LEN)
		return -EINVAL;
	siv_cmac_aes128_set_key(&c, key);
	/* nettle compares the tag with memeql_sec: constant time */
	ok = siv_cmac_aes128_decrypt_message(&c, nonce_len, nonce, ad_len, ad,
					     ct_len - CRYPTO_SIV_TAG_LEN, ret_pt, ct);
	crypto_wipe(&c, sizeof(c));
	if (!ok) {
		crypto_wipe(ret_pt, ct_len - CRYPTO_SIV_TAG_LEN);
		return -EBADMSG;
	}
	return 0;
}

bool crypto_mem_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	return memeql_sec(a, b, len) != 0;
}
