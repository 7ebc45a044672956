/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto: the message authentication codes tset and tsetd use, on nettle.
 * This module is the only one that includes a nettle header; no nettle
 * type appears here. Keys and messages are byte strings; nothing is
 * allocated and nothing is logged.
 */
#ifndef TSET_CRYPTO_H
#define TSET_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum crypto_alg {
	CRYPTO_NONE = 0,
	CRYPTO_MD5,	    /* RFC 1321: 16-byte digest */
	CRYPTO_SHA1,	    /* FIPS 180-4: 20-byte digest */
	CRYPTO_SHA256,	    /* FIPS 180-4: 32-byte digest */
	CRYPTO_AES128_CMAC, /* RFC 4493: 16-byte key, 16-byte tag */
	CRYPTO_AES256_CMAC, /* CMAC (NIST SP 800-38B) on AES-256: 32-byte key */
};

#define CRYPTO_MAX_OUT 32 /* bytes: the longest output (SHA-256) */

/* Bytes of alg's full output (digest or tag); 0 for CRYPTO_NONE. */
size_t crypto_out_len(enum crypto_alg alg);

/* The key length a CMAC needs (16 or 32); 0: a digest takes any key. */
size_t crypto_key_len(enum crypto_alg alg);

/* Is alg a CMAC (the key keys a cipher) rather than a digest? */
bool crypto_alg_is_cmac(enum crypto_alg alg);

/*
 * The MAC of msg under key, its first out_len bytes into ret_out
 * (out_len <= crypto_out_len(alg)). A digest is taken of key then msg
 * (the NTP legacy MAC, RFC 5905 section 7.3 / appendix A.2); a CMAC is
 * keyed with key, which must be crypto_key_len(alg) bytes. Returns 0,
 * or -EINVAL for a wrong key length, out_len or alg.
 */
int crypto_mac(enum crypto_alg alg, const uint8_t *key, size_t key_len, const uint8_t *msg,
	       size_t msg_len, uint8_t *ret_out, size_t out_len);

/*
 * AEAD_AES_SIV_CMAC_256 (RFC 5297 section 6.1), the AEAD of NTS (RFC 8915
 * section 5.1, algorithm 15): a 32-byte key (two AES-128 keys), the
 * associated data and the nonce as the S2V vector's two components in
 * that order (RFC 5297 section 3), and a 16-byte synthetic IV in front of
 * the ciphertext.
 */
#define CRYPTO_SIV_KEY_LEN	 32 /* RFC 5297 section 6.1: AEAD_AES_SIV_CMAC_256 */
#define CRYPTO_SIV_TAG_LEN	 16 /* the synthetic IV */
#define CRYPTO_SIV_MIN_NONCE_LEN 1

/* Seal pt[0..pt_len) into ret_ct[0..pt_len + CRYPTO_SIV_TAG_LEN). Returns
 * 0, or -EINVAL for a nonce shorter than CRYPTO_SIV_MIN_NONCE_LEN. */
int crypto_siv_encrypt(const uint8_t key[CRYPTO_SIV_KEY_LEN], const uint8_t *nonce,
		       size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *pt,
		       size_t pt_len, uint8_t *ret_ct);

/* Open ct[0..ct_len) into ret_pt[0..ct_len - CRYPTO_SIV_TAG_LEN). Returns
 * 0, -EBADMSG when the tag is wrong (ret_pt is then zeroed), or -EINVAL
 * for a ct shorter than the tag or a nonce shorter than the minimum. */
int crypto_siv_decrypt(const uint8_t key[CRYPTO_SIV_KEY_LEN], const uint8_t *nonce,
		       size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *ct,
		       size_t ct_len, uint8_t *ret_pt);

/* a[0..len) == b[0..len), in time that depends on len only. */
bool crypto_mem_equal(const uint8_t *a, const uint8_t *b, size_t len);

#endif
