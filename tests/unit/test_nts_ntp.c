/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "check_run.h"
#include "nts_ntp.h"

static struct nts_ntp_keys keys;
static struct nts_ke_cookie cookie;
static uint8_t uid[NTS_UID_LEN], nonce[NTS_NONCE_LEN];

static void setup(void)
{
	memset(keys.c2s, 0xc2, sizeof(keys.c2s));
	memset(keys.s2c, 0x5c, sizeof(keys.s2c));
	cookie.len = 100;
	memset(cookie.data, 0xcc, cookie.len);
	for (unsigned i = 0; i < NTS_UID_LEN; i++)
		uid[i] = (uint8_t)i;
	memset(nonce, 0x77, sizeof(nonce));
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static void put_ef(uint8_t *buf, size_t *len, unsigned type, const uint8_t *body, size_t n)
{
	size_t l = 4 + ((n + 3) & ~(size_t)3);

	memset(buf + *len, 0, l);
	buf[*len] = (uint8_t)(type >> 8);
	buf[*len + 1] = (uint8_t)type;
	buf[*len + 2] = (uint8_t)(l >> 8);
	buf[*len + 3] = (uint8_t)l;
	if (n)
		memcpy(buf + *len + 4, body, n);
	*len += l;
}

/*
 * A server's reply, built here as RFC 8915 section 5.6 says and not with
 * the code under test: header (stratum 0 and refid NTSN when nak), the
 * identifier, then the authenticator over everything before it, its
 * plaintext n_cookies cookie fields of 100 bytes.
 */
static size_t make_reply(uint8_t *buf, const uint8_t *id, unsigned n_cookies, bool nak)
{
	uint8_t pt[1024], body[1100];
	size_t len = 48, pt_len = 0, at;

	memset(buf, 0, 48);
	buf[0] = 0x24; /* LI 0, v4, mode 4 */
	buf[1] = nak ? 0 : 1;
	if (nak)
		memcpy(buf + 12, "NTSN", 4);
	memset(buf + 40, 0xab, 8);
	put_ef(buf, &len, NTS_EF_UNIQUE_ID, id, NTS_UID_LEN);
	if (nak)
		return len;
	for (unsigned i = 0; i < n_cookies; i++) {
		uint8_t c[100];

		memset(c, 0xd0 + i, sizeof(c));
		put_ef(pt, &pt_len, NTS_EF_COOKIE, c, sizeof(c));
	}
	at = len;
	body[0] = 0;
	body[1] = NTS_NONCE_LEN;
	body[2] = (uint8_t)((pt_len + 16) >> 8);
	body[3] = (uint8_t)(pt_len + 16);
	memcpy(body + 4, nonce, NTS_NONCE_LEN);
	ck_assert_int_eq(crypto_siv_encrypt(keys.s2c, nonce, NTS_NONCE_LEN, buf, at, pt, pt_len,
					    body + 4 + NTS_NONCE_LEN),
			 0);
	put_ef(buf, &len, NTS_EF_AUTH, body, 4 + NTS_NONCE_LEN + pt_len + 16);
	return len;
}

START_TEST(test_nts_ntp_request_carries_uid_cookie_placeholders_and_authenticator)
{
	uint8_t buf[NTS_NTP_MAX_REQUEST], tag[1];
	int n;
	size_t off = 48;

	memset(buf, 0x23, 48);
	n = nts_ntp_request(buf, 48, sizeof(buf), &keys, &cookie, 2, uid, nonce);
	ck_assert_int_eq(n, 48 + 36 + 3 * 104 + 40);
	ck_assert_uint_eq(get16(buf + off), NTS_EF_UNIQUE_ID);
	ck_assert_uint_eq(get16(buf + off + 2), 36);
	ck_assert_mem_eq(buf + off + 4, uid, NTS_UID_LEN);
	off += 36;
	ck_assert_uint_eq(get16(buf + off), NTS_EF_COOKIE);
	ck_assert_uint_eq(get16(buf + off + 2), 104);
	ck_assert_mem_eq(buf + off + 4, cookie.data, cookie.len);
	off += 104;
	for (int i = 0; i < 2; i++, off += 104) {
		ck_assert_uint_eq(get16(buf + off), NTS_EF_COOKIE_PLACEHOLDER);
		ck_assert_uint_eq(get16(buf + off + 2), 104);
		ck_assert_uint_eq(buf[off + 4], 0);
	}
	ck_assert_uint_eq(get16(buf + off), NTS_EF_AUTH);
	ck_assert_uint_eq(get16(buf + off + 2), 40);
	ck_assert_uint_eq(get16(buf + off + 4), NTS_NONCE_LEN);
	ck_assert_uint_eq(get16(buf + off + 6), 16);
	ck_assert_mem_eq(buf + off + 8, nonce, NTS_NONCE_LEN);
	/* the tag opens under c2s over everything before the authenticator */
	ck_assert_int_eq(crypto_siv_decrypt(keys.c2s, nonce, NTS_NONCE_LEN, buf, off,
					    buf + off + 8 + NTS_NONCE_LEN, 16, tag),
			 0);
	ck_assert_int_eq(crypto_siv_decrypt(keys.s2c, nonce, NTS_NONCE_LEN, buf, off,
					    buf + off + 8 + NTS_NONCE_LEN, 16, tag),
			 -EBADMSG);
}
END_TEST

START_TEST(test_nts_ntp_request_refuses_what_does_not_fit)
{
	uint8_t buf[NTS_NTP_MAX_REQUEST];
	struct nts_ke_cookie empty = { .len = 0 };

	ck_assert_int_eq(
		nts_ntp_request(buf, 48, 48 + 36 + 104 + 39, &keys, &cookie, 0, uid, nonce),
		-ENOBUFS);
	ck_assert_int_eq(
		nts_ntp_request(buf, 48, 48 + 36 + 104 + 40, &keys, &cookie, 0, uid, nonce),
		48 + 36 + 104 + 40);
	ck_assert_int_eq(nts_ntp_request(buf, 48, sizeof(buf), &keys, &empty, 0, uid, nonce),
			 -EINVAL);
}
END_TEST

START_TEST(test_nts_ntp_reply_gives_its_encrypted_cookies)
{
	uint8_t buf[2048];
	struct nts_ke_cookie got[8];
	unsigned n = 99;
	size_t len = make_reply(buf, uid, 3, false);

	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n), NTS_NTP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(got[2].len, 100);
	ck_assert_uint_eq(got[2].data[0], 0xd2);
	/* no more than asked for */
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 2, &n), NTS_NTP_OK);
	ck_assert_uint_eq(n, 2);
}
END_TEST

/* Any bit of the reply flipped, in the header (the time), the identifier
 * or the authenticator, and it is refused. */
START_TEST(test_nts_ntp_reply_with_any_flipped_bit_is_refused)
{
	uint8_t buf[2048];
	struct nts_ke_cookie got[8];
	unsigned n;
	size_t len = make_reply(buf, uid, 1, false);

	for (size_t i = 0; i < len * 8; i++) {
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		ck_assert_msg(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n) !=
				      NTS_NTP_OK,
			      "bit %zu", i);
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n), NTS_NTP_OK);
}
END_TEST

START_TEST(test_nts_ntp_reply_checks_each_rule)
{
	uint8_t buf[2048], other[NTS_UID_LEN];
	struct nts_ke_cookie got[8];
	struct nts_ntp_keys wrong = keys;
	unsigned n;
	size_t len;

	memset(other, 0xee, sizeof(other));
	/* another identifier: not the answer to our request */
	len = make_reply(buf, other, 1, false);
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n),
			 NTS_NTP_NO_UID);
	/* another key */
	len = make_reply(buf, uid, 1, false);
	wrong.s2c[0] ^= 1;
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &wrong, uid, false, got, 8, &n),
			 NTS_NTP_BAD_AUTH);
	/* a field after the authenticator */
	put_ef(buf, &len, 0x0f00, other, 12);
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n),
			 NTS_NTP_AFTER_AUTH);
	/* no authenticator: a plain reply, or an NTS NAK when it is a kiss NTSN */
	len = make_reply(buf, uid, 0, true);
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n),
			 NTS_NTP_NO_AUTH);
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, true, got, 8, &n), NTS_NTP_NAK);
	/* a NAK for someone else's request */
	len = make_reply(buf, other, 0, true);
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, true, got, 8, &n),
			 NTS_NTP_NO_UID);
	/* the identifier twice */
	len = make_reply(buf, uid, 0, true);
	put_ef(buf, &len, NTS_EF_UNIQUE_ID, uid, NTS_UID_LEN);
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, true, got, 8, &n),
			 NTS_NTP_NO_UID);
	/* a field length past the end, or not a multiple of 4 */
	len = make_reply(buf, uid, 1, false);
	buf[48 + 3] = 40;
	ck_assert_int_eq(nts_ntp_check_reply(buf, 48 + 36, &keys, uid, false, got, 8, &n),
			 NTS_NTP_MALFORMED);
	buf[48 + 3] = 35;
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n),
			 NTS_NTP_MALFORMED);
	/* a bare header */
	ck_assert_int_eq(nts_ntp_check_reply(buf, 48, &keys, uid, false, got, 8, &n),
			 NTS_NTP_NO_UID);
}
END_TEST

/* The authenticator's own lengths are bounded by its field. */
START_TEST(test_nts_ntp_reply_authenticator_lengths_stay_inside_it)
{
	uint8_t buf[2048];
	struct nts_ke_cookie got[8];
	unsigned n;
	size_t len = make_reply(buf, uid, 1, false), auth = 48 + 36;

	buf[auth + 6] = 0x7f; /* ciphertext length far past the field */
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n),
			 NTS_NTP_BAD_AUTH);
	len = make_reply(buf, uid, 1, false);
	buf[auth + 4] = 0;
	buf[auth + 5] = 0; /* no nonce */
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n),
			 NTS_NTP_BAD_AUTH);
	len = make_reply(buf, uid, 1, false);
	buf[auth + 6] = 0;
	buf[auth + 7] = 15; /* shorter than the tag */
	ck_assert_int_eq(nts_ntp_check_reply(buf, len, &keys, uid, false, got, 8, &n),
			 NTS_NTP_BAD_AUTH);
}
END_TEST

START_TEST(test_nts_ntp_verdicts_have_names)
{
	for (int v = NTS_NTP_OK; v <= NTS_NTP_AFTER_AUTH; v++)
		ck_assert_str_ne(nts_ntp_verdict_str((enum nts_ntp_verdict)v), "?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nts_ntp");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_nts_ntp_request_carries_uid_cookie_placeholders_and_authenticator);
	tcase_add_test(tc, test_nts_ntp_request_refuses_what_does_not_fit);
	tcase_add_test(tc, test_nts_ntp_reply_gives_its_encrypted_cookies);
	tcase_add_test(tc, test_nts_ntp_reply_with_any_flipped_bit_is_refused);
	tcase_add_test(tc, test_nts_ntp_reply_checks_each_rule);
	tcase_add_test(tc, test_nts_ntp_reply_authenticator_lengths_stay_inside_it);
	tcase_add_test(tc, test_nts_ntp_verdicts_have_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
