/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "auth_vectors.h"
#include "check_run.h"
#include "ntp_auth.h"

static const char keyfile[] = "1 MD5 secret\n"
			      "2 SHA1 HEX:0102030405060708090a0b0c0d0e0f1011121314\n"
			      "3 SHA256 longer-sha256-key\n"
			      "4 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n"
			      "5 AES256CMAC "
			      "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\n"
			      "6 MD5 untrusted\n";

static void setup(struct keys *ks, struct config *cfg)
{
	keys_init(ks);
	ck_assert_int_eq(keys_parse(ks, keyfile, strlen(keyfile), "k", NULL), 0);
	config_init(cfg);
	ck_assert_int_eq(
		config_parse(cfg, "trustedkey 1 (2 ... 5)\n", 23, "c", CONFIG_PROGRAM_TSET, NULL),
		0);
}

static size_t request(uint8_t *buf)
{
	memset(buf, 0, NTP_PKT_HEADER_LEN);
	buf[0] = 0x23; /* v4 client */
	for (int i = 40; i < 48; i++)
		buf[i] = (uint8_t)(i * 7);
	return NTP_PKT_HEADER_LEN;
}

static const struct {
	unsigned id;
	size_t digest;
} sizes[] = { { 1, 16 }, { 2, 20 }, { 3, 20 }, { 4, 16 }, { 5, 16 } };

/* Every key type: signed, decoded as a MAC by the RFC 7822 trailer rules,
 * verified; any flipped bit in header or MAC is caught. */
START_TEST(test_ntp_auth_sign_then_verify_each_type)
{
	uint8_t buf[128];
	struct keys ks;
	struct config cfg;
	struct ntp_pkt p;
	const struct keys_key *k, *got;
	size_t len = request(buf);
	int n;

	setup(&ks, &cfg);
	k = keys_find(&ks, sizes[_i].id);
	ck_assert_uint_eq(ntp_auth_digest_len(k, 4), sizes[_i].digest);
	n = ntp_auth_sign(k, buf, len, sizeof(buf));
	ck_assert_int_eq(n, (int)(len + 4 + sizes[_i].digest));
	ck_assert_int_eq(ntp_pkt_decode(buf, (size_t)n, &p), NTP_PKT_OK);
	ck_assert(p.has_mac && p.mac_keyid == sizes[_i].id && p.mac_len == sizes[_i].digest);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_OK);
	ck_assert_ptr_eq(got, k);
	for (int bit = 0; bit < n * 8; bit += 13) {
		if (bit / 8 >= 48 && bit / 8 < 52)
			continue; /* the key id: another key, tested below */
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (ntp_pkt_decode(buf, (size_t)n, &p) == NTP_PKT_OK)
			ck_assert_msg(ntp_auth_verify(&ks, &cfg, buf, &p, &got) == NTP_AUTH_BAD,
				      "bit %d", bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}
END_TEST

/* A MAC is made with one key and checked under the id of another. */
START_TEST(test_ntp_auth_wrong_key_or_id_fails)
{
	uint8_t buf[128];
	struct keys ks, other;
	struct config cfg;
	struct ntp_pkt p;
	const struct keys_key *got;
	int n;

	setup(&ks, &cfg);
	n = ntp_auth_sign(keys_find(&ks, 1), buf, request(buf), sizeof(buf));
	buf[51] = 6; /* key id 6: known, untrusted */
	ntp_pkt_decode(buf, (size_t)n, &p);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_UNKNOWN);
	ck_assert_ptr_null(got);
	buf[51] = 9; /* no such key */
	ntp_pkt_decode(buf, (size_t)n, &p);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_UNKNOWN);
	buf[51] = 1; /* the same id, another secret */
	keys_init(&other);
	ck_assert_int_eq(keys_parse(&other, "1 MD5 secreT\n", 13, "o", NULL), 0);
	ntp_pkt_decode(buf, (size_t)n, &p);
	ck_assert_int_eq(ntp_auth_verify(&other, NULL, buf, &p, &got), NTP_AUTH_BAD);
	ck_assert_int_eq(ntp_auth_verify(&ks, NULL, buf, &p, &got), NTP_AUTH_OK);
}
END_TEST

START_TEST(test_ntp_auth_crypto_nak_and_missing_mac)
{
	uint8_t buf[64];
	struct keys ks;
	struct config cfg;
	struct ntp_pkt p;
	const struct keys_key *got;
	size_t len = request(buf);

	setup(&ks, &cfg);
	ntp_pkt_decode(buf, len, &p);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_NONE);
	memset(buf + len, 0, 4); /* RFC 5905 section 7.4: key id 0, no digest */
	ntp_pkt_decode(buf, len + 4, &p);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_CRYPTO_NAK);
	buf[len + 3] = 1; /* a key id without a digest is no NAK */
	ntp_pkt_decode(buf, len + 4, &p);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_BAD);
}
END_TEST

/* A SHA1 MAC (20 bytes) under an MD5 key id: the wrong length is bad. */
START_TEST(test_ntp_auth_digest_length_must_match_the_key)
{
	uint8_t buf[128];
	struct keys ks;
	struct config cfg;
	struct ntp_pkt p;
	const struct keys_key *got;
	int n;

	setup(&ks, &cfg);
	n = ntp_auth_sign(keys_find(&ks, 2), buf, request(buf), sizeof(buf));
	buf[51] = 1;
	ntp_pkt_decode(buf, (size_t)n, &p);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_BAD);
	ck_assert_int_eq(ntp_auth_sign(keys_find(&ks, 2), buf, 48, 48 + 23), -ENOBUFS);
}
END_TEST

/* SHA256 whole (32 bytes, chronyd's NTPv3 MAC) or cut to 20 (NTPv4):
 * both verify; no other length, and no whole-digest length for a type
 * whose digest is not longer than the cut. */
START_TEST(test_ntp_auth_sha256_whole_or_cut)
{
	uint8_t buf[128];
	struct keys ks;
	struct config cfg;
	struct ntp_pkt p;
	const struct keys_key *got;
	size_t len = request(buf);
	int n;

	setup(&ks, &cfg);
	buf[0] = 0x1b; /* v3 client: signed with the whole digest, as chronyd wants */
	n = ntp_auth_sign(keys_find(&ks, 3), buf, len, sizeof(buf));
	ck_assert_int_eq(n, 48 + 4 + 32);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ck_assert_uint_eq(ntp_auth_digest_len(keys_find(&ks, sizes[i].id), 3),
				  sizes[i].id == 3 ? 32 : sizes[i].digest);
	ck_assert_int_eq(ntp_pkt_decode(buf, (size_t)n, &p), NTP_PKT_OK);
	ck_assert_uint_eq(p.mac_len, 32);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_OK);
	buf[n - 1] ^= 1; /* the last byte counts: beyond the 20 of a v4 MAC */
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_BAD);
	ck_assert_int_eq(ntp_auth_sign_len(keys_find(&ks, 3), 24, buf, len, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(ntp_auth_sign_len(keys_find(&ks, 1), 20, buf, len, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(ntp_auth_sign_len(keys_find(&ks, 4), 20, buf, len, sizeof(buf)), -EINVAL);
	/* a 32-byte field under an MD5 key id */
	n = ntp_auth_sign_len(keys_find(&ks, 3), 32, buf, len, sizeof(buf));
	buf[51] = 1;
	ck_assert_int_eq(ntp_pkt_decode(buf, (size_t)n, &p), NTP_PKT_OK);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_BAD);
}
END_TEST

/* RFC 7822: the MAC covers the extension fields before it. */
START_TEST(test_ntp_auth_covers_extension_fields)
{
	uint8_t buf[128];
	struct keys ks;
	struct config cfg;
	struct ntp_pkt p;
	const struct keys_key *got;
	size_t len = request(buf);
	int n;

	setup(&ks, &cfg);
	memset(buf + len, 0, 28);
	buf[len] = 0x01;   /* field type */
	buf[len + 3] = 28; /* length: 28 bytes */
	len += 28;
	n = ntp_auth_sign(keys_find(&ks, 2), buf, len, sizeof(buf));
	ck_assert_int_eq(ntp_pkt_decode(buf, (size_t)n, &p), NTP_PKT_OK);
	ck_assert_uint_eq(p.n_ext, 1);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_OK);
	buf[60] ^= 0x80; /* inside the extension field */
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, buf, &p, &got), NTP_AUTH_BAD);
}
END_TEST

/*
 * Packets chronyd 4.3 made, one of each key type: its request as a
 * client (chronyd -Q; NTPv3 with the whole digest for SHA256), its reply
 * to that request, and its reply to a request of tset (NTPv4, SHA256 cut
 * to 20 bytes). Captured in a network namespace of their own by
 *   unshare -n sh -c 'ip link set lo up; \
 *       tests/unit/capture_auth_vectors.py build/tset > tests/unit/auth_vectors.h'
 * which runs chronyd -x with a keyfile of auth_vectors_keys on 127.0.0.1:11500,
 * then chronyd -Q 'server 127.0.0.1 port 11501 key N' and tset -q -a N
 * through a relay on :11501 that records both directions. Each verifies
 * under its key; with any one bit flipped, none does.
 */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	ck_assert_uint_le(n, cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

START_TEST(test_ntp_auth_verifies_packets_chronyd_made)
{
	uint8_t buf[256];
	struct keys ks;
	struct ntp_pkt p;
	const struct keys_key *got;
	size_t n = unhex(auth_vectors[_i].hex, buf, sizeof(buf));

	keys_init(&ks);
	ck_assert_int_eq(keys_parse(&ks, auth_vectors_keys, strlen(auth_vectors_keys), "v", NULL),
			 0);
	ck_assert_int_eq(ntp_pkt_decode(buf, n, &p), NTP_PKT_OK);
	ck_assert_msg(ntp_auth_verify(&ks, NULL, buf, &p, &got) == NTP_AUTH_OK, "%s",
		      auth_vectors[_i].what);
	ck_assert_uint_eq(got->id, auth_vectors[_i].keyid);
	ck_assert_int_eq(ntp_auth_verify_key(got, buf, &p), NTP_AUTH_OK);
	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (ntp_pkt_decode(buf, n, &p) == NTP_PKT_OK)
			ck_assert_msg(ntp_auth_verify(&ks, NULL, buf, &p, &got) != NTP_AUTH_OK,
				      "%s: bit %zu flipped", auth_vectors[_i].what, bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ntp_auth");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_ntp_auth_sign_then_verify_each_type, 0,
			    sizeof(sizes) / sizeof(sizes[0]));
	tcase_add_test(tc, test_ntp_auth_wrong_key_or_id_fails);
	tcase_add_test(tc, test_ntp_auth_crypto_nak_and_missing_mac);
	tcase_add_test(tc, test_ntp_auth_digest_length_must_match_the_key);
	tcase_add_test(tc, test_ntp_auth_covers_extension_fields);
	tcase_add_test(tc, test_ntp_auth_sha256_whole_or_cut);
	tcase_add_loop_test(tc, test_ntp_auth_verifies_packets_chronyd_made, 0,
			    sizeof(auth_vectors) / sizeof(auth_vectors[0]));
	suite_add_tcase(s, tc);
	return check_run(s);
}
