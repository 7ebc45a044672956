/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "keys.h"

static const char both_formats[] =
	"# ntp.keys (ntpd, ntpsec)\n"
	"1 MD5 secret # an ascii key\n"
	"2 M short\n"
	"3 SHA1 0123456789abcdef0123456789abcdef01234567\n"
	"4 SHA256 abcdefghijklmnopqrst\n"
	"5 AES128CMAC 000102030405060708090a0b0c0d0e0f\n"
	"6 AES-128-CMAC 0f0e0d0c0b0a09080706050403020100\n"
	"7 AES256CMAC 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"
	"\n"
	"# chrony's keyfile\n"
	"10 HEX:0a0b\n"
	"11 ASCII:chrony-ascii-key-longer-than-twenty\n"
	"12 SHA1 HEX:DEADBEEF\n"
	"13 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n"
	"\t65534  sha256\tASCII:x\r\n";

START_TEST(test_keys_reads_ntp_keys_and_chrony_keyfile)
{
	struct config_error err;
	struct keys ks;
	const struct keys_key *k;

	keys_init(&ks);
	ck_assert_int_eq(keys_parse(&ks, both_formats, strlen(both_formats), "k", &err), 0);
	ck_assert_uint_eq(ks.n, 12);
	k = keys_find(&ks, 1);
	ck_assert(k && k->alg == CRYPTO_MD5 && k->key_len == 6 && !memcmp(k->key, "secret", 6));
	ck_assert_uint_eq(keys_find(&ks, 2)->alg, CRYPTO_MD5);
	k = keys_find(&ks, 3); /* 40 characters: hex */
	ck_assert(k && k->alg == CRYPTO_SHA1 && k->key_len == 20 && k->key[1] == 0x23);
	k = keys_find(&ks, 4); /* exactly 20 characters: ascii */
	ck_assert(k && k->alg == CRYPTO_SHA256 && k->key_len == 20 && k->key[0] == 'a');
	ck_assert(keys_find(&ks, 5)->alg == CRYPTO_AES128_CMAC && keys_find(&ks, 5)->key_len == 16);
	ck_assert(keys_find(&ks, 6)->alg == CRYPTO_AES128_CMAC && keys_find(&ks, 6)->key[0] == 15);
	ck_assert(keys_find(&ks, 7)->alg == CRYPTO_AES256_CMAC && keys_find(&ks, 7)->key_len == 32);
	k = keys_find(&ks, 10); /* chrony: no type is MD5 */
	ck_assert(k && k->alg == CRYPTO_MD5 && k->key_len == 2 && k->key[1] == 0x0b);
	k = keys_find(&ks, 11); /* ASCII: never hex, however long */
	ck_assert(k && k->key_len == 35 && k->key[0] == 'c');
	ck_assert(keys_find(&ks, 12)->alg == CRYPTO_SHA1 && keys_find(&ks, 12)->key[0] == 0xde);
	ck_assert(keys_find(&ks, 13)->alg == CRYPTO_AES128_CMAC);
	k = keys_find(&ks, 65534);
	ck_assert(k && k->alg == CRYPTO_SHA256 && k->key_len == 1 && k->line == 15);
	ck_assert_ptr_null(keys_find(&ks, 8));
}
END_TEST

/* ntpsec's ntp.keys names a type as OpenSSL does (ntp.keys(5) there):
 * the digest, or the cipher of the CMAC; AES alone is AES-128. */
START_TEST(test_keys_reads_ntpsec_type_names)
{
	static const char text[] =
		"1 SHA-1 0123456789abcdef0123456789abcdef01234567\n"
		"2 sha-256 secret\n"
		"3 AES 000102030405060708090a0b0c0d0e0f\n"
		"4 AES-128 0f0e0d0c0b0a09080706050403020100\n"
		"5 AES-256 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n";
	static const enum crypto_alg want[] = { CRYPTO_SHA1, CRYPTO_SHA256, CRYPTO_AES128_CMAC,
						CRYPTO_AES128_CMAC, CRYPTO_AES256_CMAC };
	struct config_error err;
	struct keys ks;

	keys_init(&ks);
	ck_assert_msg(keys_parse(&ks, text, strlen(text), "k", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(ks.n, 5);
	for (unsigned i = 0; i < 5; i++)
		ck_assert_uint_eq(keys_find(&ks, i + 1)->alg, want[i]);
}
END_TEST

/* Each bad entry: file:line:col and a message that quotes no key. */
static const struct {
	const char *text;
	unsigned line, col;
	const char *msg;
} bad[] = {
	{ "0 MD5 x\n", 1, 1, "bad key id '0' (expected an integer 1..65534)" },
	{ "65535 MD5 x\n", 1, 1, "bad key id '65535' (expected an integer 1..65534)" },
	{ "01 MD5 x\n", 1, 1, "bad key id '01' (expected an integer 1..65534)" },
	{ "#\n1 MD5\n", 2, 6, "missing key (expected ID TYPE KEY)" },
	{ "1 secret\n", 1, 9, "missing key (expected ID TYPE KEY)" },
	{ "1 DES secret\n", 1, 3,
	  "unsupported key type 'DES' (expected MD5, SHA1, SHA256, AES128CMAC or AES256CMAC)" },
	{ "1 MD5 0123456789abcdef01234\n", 1, 7,
	  "bad hex key: 21 digits (expected an even number, 2..128)" },
	{ "1 MD5 0123456789abcdef0123456789abcdeg\n", 1, 38, "bad hex key: not a hex digit" },
	{ "1 MD5 HEX:zz\n", 1, 11, "bad hex key: not a hex digit" },
	{ "1 AES128CMAC secret\n", 1, 14, "AES128CMAC key of 6 bytes (expected 16)" },
	{ "1 AES256 HEX:000102030405060708090a0b0c0d0e0f\n", 1, 10,
	  "AES256CMAC key of 16 bytes (expected 32)" },
	{ "1 MD5 a\n1 SHA1 b\n", 2, 1, "key 1 declared twice" },
	{ "1 MD5 secret 192.0.2.1\n", 1, 14,
	  "unexpected field after the key (address lists are not supported)" },
	{ "1 MD5 ASCII:\n", 1, 13, "empty key" },
	{ "1 MD5 se\x01t\n", 1, 9, "control character 0x01 in line" },
};

START_TEST(test_keys_error_names_line_and_column)
{
	struct config_error err;
	struct keys ks;

	keys_init(&ks);
	ck_assert_int_eq(keys_parse(&ks, bad[_i].text, strlen(bad[_i].text), "ntp.keys", &err),
			 -EINVAL);
	ck_assert_str_eq(err.file, "ntp.keys");
	ck_assert_uint_eq(err.line, bad[_i].line);
	ck_assert_uint_eq(err.col, bad[_i].col);
	ck_assert_str_eq(err.msg, bad[_i].msg);
}
END_TEST

START_TEST(test_keys_limit_is_enforced)
{
	char buf[KEYS_MAX * 16 + 32];
	struct config_error err;
	struct keys ks;
	size_t n = 0;

	for (unsigned i = 1; i <= KEYS_MAX + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%u MD5 k\n", i);
	keys_init(&ks);
	ck_assert_int_eq(keys_parse(&ks, buf, n, "k", &err), -EINVAL);
	ck_assert_uint_eq(err.line, KEYS_MAX + 1);
	ck_assert_uint_eq(ks.n, KEYS_MAX);
}
END_TEST

START_TEST(test_keys_wipe_clears_every_key_byte)
{
	struct keys ks;
	const uint8_t zero[sizeof(ks)] = { 0 };

	keys_init(&ks);
	ck_assert_int_eq(keys_parse(&ks, both_formats, strlen(both_formats), "k", NULL), 0);
	keys_wipe(&ks);
	ck_assert(memcmp(&ks, zero, sizeof(ks)) == 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_keys_reads_ntp_keys_and_chrony_keyfile);
	tcase_add_test(tc, test_keys_reads_ntpsec_type_names);
	tcase_add_loop_test(tc, test_keys_error_names_line_and_column, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_keys_limit_is_enforced);
	tcase_add_test(tc, test_keys_wipe_clears_every_key_byte);
	suite_add_tcase(s, tc);
	return check_run(s);
}
