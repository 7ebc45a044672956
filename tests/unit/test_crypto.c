/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "crypto.h"

/* hex text (spaces allowed) into bytes; returns the length */
static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static const char rfc4493_msg[] = "6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac "
				  "45af8e51 30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 "
				  "ad2b417b e66c3710";

/* RFC 4493 section 4 (AES-128), NIST SP 800-38B appendix D.3 (AES-256):
 * the same message, cut to 0, 16, 40 and 64 bytes */
static const struct {
	enum crypto_alg alg;
	const char *key;
	size_t msg_len;
	const char *tag;
} cmac_vectors[] = {
	{ CRYPTO_AES128_CMAC, "2b7e1516 28aed2a6 abf71588 09cf4f3c", 0,
	  "bb1d6929 e9593728 7fa37d12 9b756746" },
	{ CRYPTO_AES128_CMAC, "2b7e1516 28aed2a6 abf71588 09cf4f3c", 16,
	  "070a16b4 6b4d4144 f79bdd9d d04a287c" },
	{ CRYPTO_AES128_CMAC, "2b7e1516 28aed2a6 abf71588 09cf4f3c", 40,
	  "dfa66747 de9ae630 30ca3261 1497c827" },
	{ CRYPTO_AES128_CMAC, "2b7e1516 28aed2a6 abf71588 09cf4f3c", 64,
	  "51f0bebf 7e3b9d92 fc497417 79363cfe" },
	{ CRYPTO_AES256_CMAC,
	  "603deb10 15ca71be 2b73aef0 857d7781 1f352c07 3b6108d7 2d9810a3 0914dff4", 0,
	  "028962f6 1b7bf89e fc6b551f 4667d983" },
	{ CRYPTO_AES256_CMAC,
	  "603deb10 15ca71be 2b73aef0 857d7781 1f352c07 3b6108d7 2d9810a3 0914dff4", 16,
	  "28a7023f 452e8f82 bd4bf28d 8c37c35c" },
};

START_TEST(test_crypto_aes_cmac_matches_rfc4493)
{
	uint8_t key[32], msg[64], tag[16], out[16];
	size_t key_len = unhex(cmac_vectors[_i].key, key);

	ck_assert_uint_eq(unhex(rfc4493_msg, msg), 64);
	ck_assert_uint_eq(unhex(cmac_vectors[_i].tag, tag), 16);
	ck_assert_int_eq(crypto_mac(cmac_vectors[_i].alg, key, key_len, msg,
				    cmac_vectors[_i].msg_len, out, sizeof(out)),
			 0);
	ck_assert_msg(memcmp(out, tag, 16) == 0, "vector %d", _i);
}
END_TEST

/* The legacy NTP MAC is a digest of the key then the message: with key
 * "a" and message "bc" it is the digest of "abc" (RFC 1321 appendix A.5,
 * RFC 3174 section 7.3, FIPS 180-2 appendix B.1). */
static const struct {
	enum crypto_alg alg;
	const char *digest;
} digest_vectors[] = {
	{ CRYPTO_MD5, "900150983cd24fb0d6963f7d28e17f72" },
	{ CRYPTO_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ CRYPTO_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
};

START_TEST(test_crypto_digest_is_of_key_then_message)
{
	uint8_t want[32], out[32];
	size_t n = unhex(digest_vectors[_i].digest, want);

	ck_assert_uint_eq(crypto_out_len(digest_vectors[_i].alg), n);
	ck_assert_int_eq(crypto_mac(digest_vectors[_i].alg, (const uint8_t *)"a", 1,
				    (const uint8_t *)"bc", 2, out, n),
			 0);
	ck_assert_msg(memcmp(out, want, n) == 0, "vector %d", _i);
}
END_TEST

START_TEST(test_crypto_refuses_a_cmac_key_of_the_wrong_length)
{
	uint8_t key[32] = { 0 }, out[16];

	ck_assert_int_eq(crypto_mac(CRYPTO_AES128_CMAC, key, 15, key, 1, out, 16), -EINVAL);
	ck_assert_int_eq(crypto_mac(CRYPTO_AES256_CMAC, key, 16, key, 1, out, 16), -EINVAL);
	ck_assert_int_eq(crypto_mac(CRYPTO_MD5, key, 16, key, 1, out, 17), -EINVAL);
	ck_assert_int_eq(crypto_mac(CRYPTO_NONE, key, 16, key, 1, out, 1), -EINVAL);
}
END_TEST

/*
 * AES-SIV-CMAC-256 with the key, associated data and plaintext of RFC
 * 5297 appendix A.1 and the nonce of A.2, as NTS uses it (S2V over [ad,
 * nonce, plaintext]). A.1 itself has no nonce, which nettle's interface
 * cannot express; the expected output is OpenSSL's (through python's
 * cryptography AESSIV, which gives A.1's and A.2's published outputs
 * exactly for their own inputs).
 */
static const char siv_key[] =
	"fffefdfc fbfaf9f8 f7f6f5f4 f3f2f1f0 f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff";
static const char siv_ad[] = "10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627";
static const char siv_nonce[] = "09f91102 9d74e35b d84156c5 635688c0";
static const struct {
	const char *pt, *ct;
} siv_vectors[] = {
	{ "11223344 55667788 99aabbcc ddee",
	  "b477a36b 0d0f7898 7d985f38 87a7572d 52352f0e d261459e 0de50f26 8260" },
	/* no plaintext: the tag alone, as in an NTS request */
	{ "", "0c035e01 be6d9bd5 0c002b38 d77f1eb0" },
};

START_TEST(test_crypto_siv_matches_openssl_on_rfc5297_inputs)
{
	uint8_t key[32], ad[24], nonce[16], pt[32], ct[48], out[48];
	size_t pt_len = unhex(siv_vectors[_i].pt, pt), ct_len = unhex(siv_vectors[_i].ct, ct);

	ck_assert_uint_eq(unhex(siv_key, key), CRYPTO_SIV_KEY_LEN);
	ck_assert_uint_eq(unhex(siv_ad, ad), sizeof(ad));
	ck_assert_uint_eq(unhex(siv_nonce, nonce), sizeof(nonce));
	ck_assert_uint_eq(ct_len, pt_len + CRYPTO_SIV_TAG_LEN);
	ck_assert_int_eq(
		crypto_siv_encrypt(key, nonce, sizeof(nonce), ad, sizeof(ad), pt, pt_len, out), 0);
	ck_assert_msg(memcmp(out, ct, ct_len) == 0, "vector %d", _i);
	memset(out, 0xee, sizeof(out));
	ck_assert_int_eq(
		crypto_siv_decrypt(key, nonce, sizeof(nonce), ad, sizeof(ad), ct, ct_len, out), 0);
	ck_assert_msg(memcmp(out, pt, pt_len) == 0, "vector %d", _i);
}
END_TEST

/* A flipped bit anywhere (tag, ciphertext, associated data, nonce) fails
 * the tag check, and nothing of the plaintext comes out. */
START_TEST(test_crypto_siv_refuses_any_flipped_bit)
{
	uint8_t key[32], ad[24], nonce[16], ct[30], out[14];
	size_t ct_len = unhex(siv_vectors[0].ct, ct);

	unhex(siv_key, key);
	unhex(siv_ad, ad);
	unhex(siv_nonce, nonce);
	for (size_t i = 0; i < ct_len * 8; i++) {
		ct[i / 8] ^= (uint8_t)(1u << (i % 8));
		memset(out, 0xee, sizeof(out));
		ck_assert_int_eq(crypto_siv_decrypt(key, nonce, 16, ad, 24, ct, ct_len, out),
				 -EBADMSG);
		for (size_t j = 0; j < sizeof(out); j++)
			ck_assert_uint_eq(out[j], 0);
		ct[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	ad[23] ^= 0x80;
	ck_assert_int_eq(crypto_siv_decrypt(key, nonce, 16, ad, 24, ct, ct_len, out), -EBADMSG);
	ad[23] ^= 0x80;
	nonce[0] ^= 1;
	ck_assert_int_eq(crypto_siv_decrypt(key, nonce, 16, ad, 24, ct, ct_len, out), -EBADMSG);
	nonce[0] ^= 1;
	ck_assert_int_eq(crypto_siv_decrypt(key, nonce, 16, ad, 24, ct, ct_len, out), 0);
	/* too short for a tag, no nonce */
	ck_assert_int_eq(crypto_siv_decrypt(key, nonce, 16, ad, 24, ct, 15, out), -EINVAL);
	ck_assert_int_eq(crypto_siv_decrypt(key, nonce, 0, ad, 24, ct, ct_len, out), -EINVAL);
	ck_assert_int_eq(crypto_siv_encrypt(key, nonce, 0, ad, 24, out, 0, ct), -EINVAL);
}
END_TEST

START_TEST(test_crypto_mem_equal_finds_any_difference)
{
	uint8_t a[20], b[20];

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	ck_assert(crypto_mem_equal(a, b, sizeof(a)));
	for (size_t i = 0; i < sizeof(a); i++) {
		b[i] ^= 1;
		ck_assert_msg(!crypto_mem_equal(a, b, sizeof(a)), "byte %zu", i);
		b[i] ^= 1;
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_crypto_aes_cmac_matches_rfc4493, 0,
			    sizeof(cmac_vectors) / sizeof(cmac_vectors[0]));
	tcase_add_loop_test(tc, test_crypto_digest_is_of_key_then_message, 0,
			    sizeof(digest_vectors) / sizeof(digest_vectors[0]));
	tcase_add_test(tc, test_crypto_refuses_a_cmac_key_of_the_wrong_length);
	tcase_add_loop_test(tc, test_crypto_siv_matches_openssl_on_rfc5297_inputs, 0,
			    sizeof(siv_vectors) / sizeof(siv_vectors[0]));
	tcase_add_test(tc, test_crypto_siv_refuses_any_flipped_bit);
	tcase_add_test(tc, test_crypto_mem_equal_finds_any_difference);
	suite_add_tcase(s, tc);
	return check_run(s);
}
