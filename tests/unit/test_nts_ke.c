/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "nts_ke.h"

#define C NTS_KE_CRITICAL

/* A response under construction. */
struct msg {
	uint8_t b[NTS_KE_MAX_RESPONSE];
	size_t len;
};

static void rec(struct msg *m, unsigned word, const void *body, size_t n)
{
	ck_assert_uint_le(m->len + 4 + n, sizeof(m->b));
	m->b[m->len++] = (uint8_t)(word >> 8);
	m->b[m->len++] = (uint8_t)word;
	m->b[m->len++] = (uint8_t)(n >> 8);
	m->b[m->len++] = (uint8_t)n;
	if (n)
		memcpy(m->b + m->len, body, n);
	m->len += n;
}

static const uint8_t ntpv4[] = { 0, 0 }, siv[] = { 0, 15 };

/* What chronyd answers: protocol, AEAD, 8 cookies of 100 bytes, end. */
static void good_response(struct msg *m)
{
	uint8_t cookie[100];

	m->len = 0;
	rec(m, C | NTS_KE_REC_NEXT_PROTO, ntpv4, 2);
	rec(m, C | NTS_KE_REC_AEAD, siv, 2);
	for (int i = 0; i < 8; i++) {
		memset(cookie, 0x10 + i, sizeof(cookie));
		rec(m, NTS_KE_REC_COOKIE, cookie, sizeof(cookie));
	}
}

static void end(struct msg *m)
{
	rec(m, C | NTS_KE_REC_END, NULL, 0);
}

START_TEST(test_nts_ke_request_asks_ntpv4_and_aes_siv_critically)
{
	static const uint8_t want[] = { 0x80, 0x01, 0, 2,  0,	 0,    0x80, 0x04,
					0,    2,    0, 15, 0x80, 0x00, 0,    0 };
	uint8_t buf[NTS_KE_REQUEST_LEN];

	ck_assert_uint_eq(sizeof(want), NTS_KE_REQUEST_LEN);
	nts_ke_request(buf);
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

START_TEST(test_nts_ke_response_gives_cookies_server_and_port)
{
	struct msg m;
	struct nts_ke_response r;
	unsigned code;
	uint8_t port[] = { 0x01, 0x7b };

	good_response(&m);
	rec(&m, NTS_KE_REC_SERVER, "ntp.example.net", 15);
	rec(&m, NTS_KE_REC_PORT, port, 2);
	rec(&m, 0x4000, "ignored", 7); /* unknown, not critical */
	end(&m);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), NTS_KE_OK);
	ck_assert_uint_eq(r.n_cookies, 8);
	ck_assert_uint_eq(r.cookies[7].len, 100);
	ck_assert_uint_eq(r.cookies[7].data[99], 0x17);
	ck_assert_str_eq(r.server, "ntp.example.net");
	ck_assert_uint_eq(r.port, 379);
}
END_TEST

/* Every cut short of the end of message is incomplete, never an answer. */
START_TEST(test_nts_ke_response_is_incomplete_until_end_of_message)
{
	struct msg m;
	struct nts_ke_response r;
	unsigned code;

	good_response(&m);
	end(&m);
	for (size_t n = 0; n < m.len; n++)
		ck_assert_msg(nts_ke_parse(m.b, n, &r, &code) == NTS_KE_INCOMPLETE, "cut at %zu",
			      n);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), NTS_KE_OK);
}
END_TEST

START_TEST(test_nts_ke_more_cookies_than_kept_are_counted)
{
	struct msg m;
	struct nts_ke_response r;
	unsigned code;

	good_response(&m);
	rec(&m, NTS_KE_REC_COOKIE, "abcd", 4);
	end(&m);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), NTS_KE_OK);
	ck_assert_uint_eq(r.n_cookies, NTS_KE_MAX_COOKIES);
	ck_assert_uint_eq(r.n_cookies_dropped, 1);
}
END_TEST

/* One bad thing added to a good response, and what it must give. */
enum bad {
	BAD_ERROR,
	BAD_WARNING,
	BAD_CRITICAL,
	BAD_PROTO_TWICE,
	BAD_AEAD_TWICE,
	BAD_PROTO_ODD,
	BAD_END_BODY,
	BAD_TRAILING,
	BAD_PORT_ZERO,
	BAD_PORT_LONG,
	BAD_PORT_TWICE,
	BAD_SERVER_SPACE,
	BAD_SERVER_EMPTY,
	BAD_SERVER_TWICE,
	BAD_COOKIE_EMPTY,
	BAD_COOKIE_LONG,
	BAD_ERROR_LONG,
};

static const struct {
	enum bad bad;
	enum nts_ke_status want;
	unsigned code;
} bad_cases[] = {
	{ BAD_ERROR, NTS_KE_E_ERROR, 1 },
	{ BAD_WARNING, NTS_KE_E_WARNING, 7 },
	{ BAD_CRITICAL, NTS_KE_E_CRITICAL, 0x1234 },
	{ BAD_PROTO_TWICE, NTS_KE_E_MALFORMED, 0 },
	{ BAD_AEAD_TWICE, NTS_KE_E_MALFORMED, 0 },
	{ BAD_PROTO_ODD, NTS_KE_E_MALFORMED, 0 },
	{ BAD_END_BODY, NTS_KE_E_MALFORMED, 0 },
	{ BAD_TRAILING, NTS_KE_E_TRAILING, 0 },
	{ BAD_PORT_ZERO, NTS_KE_E_MALFORMED, 0 },
	{ BAD_PORT_LONG, NTS_KE_E_MALFORMED, 0 },
	{ BAD_PORT_TWICE, NTS_KE_E_MALFORMED, 0 },
	{ BAD_SERVER_SPACE, NTS_KE_E_SERVER_NAME, 0 },
	{ BAD_SERVER_EMPTY, NTS_KE_E_SERVER_NAME, 0 },
	{ BAD_SERVER_TWICE, NTS_KE_E_MALFORMED, 0 },
	{ BAD_COOKIE_EMPTY, NTS_KE_E_COOKIE_LEN, 0 },
	{ BAD_COOKIE_LONG, NTS_KE_E_COOKIE_LEN, 0 },
	{ BAD_ERROR_LONG, NTS_KE_E_MALFORMED, 0 },
};

START_TEST(test_nts_ke_refuses_a_bad_record)
{
	static const uint8_t one[] = { 0, 1 }, seven[] = { 0, 7 }, zero[] = { 0, 0 },
			     three[] = { 0, 0, 0 };
	static uint8_t big[NTS_KE_MAX_COOKIE_LEN + 1];
	struct msg m;
	struct nts_ke_response r;
	unsigned code = 99;

	good_response(&m);
	switch (bad_cases[_i].bad) {
	case BAD_ERROR:
		rec(&m, C | NTS_KE_REC_ERROR, one, 2);
		break;
	case BAD_WARNING:
		rec(&m, C | NTS_KE_REC_WARNING, seven, 2);
		break;
	case BAD_CRITICAL:
		rec(&m, C | 0x1234, NULL, 0);
		break;
	case BAD_PROTO_TWICE:
		rec(&m, C | NTS_KE_REC_NEXT_PROTO, ntpv4, 2);
		break;
	case BAD_AEAD_TWICE:
		rec(&m, NTS_KE_REC_AEAD, siv, 2);
		break;
	case BAD_PROTO_ODD:
		m.len = 0;
		rec(&m, C | NTS_KE_REC_NEXT_PROTO, three, 3);
		break;
	case BAD_END_BODY:
		rec(&m, C | NTS_KE_REC_END, zero, 2);
		break;
	case BAD_TRAILING:
		end(&m);
		rec(&m, NTS_KE_REC_COOKIE, "x", 1);
		break;
	case BAD_PORT_ZERO:
		rec(&m, NTS_KE_REC_PORT, zero, 2);
		break;
	case BAD_PORT_LONG:
		rec(&m, NTS_KE_REC_PORT, three, 3);
		break;
	case BAD_PORT_TWICE:
		rec(&m, NTS_KE_REC_PORT, one, 2);
		rec(&m, NTS_KE_REC_PORT, one, 2);
		break;
	case BAD_SERVER_SPACE:
		rec(&m, NTS_KE_REC_SERVER, "a b", 3);
		break;
	case BAD_SERVER_EMPTY:
		rec(&m, NTS_KE_REC_SERVER, NULL, 0);
		break;
	case BAD_SERVER_TWICE:
		rec(&m, NTS_KE_REC_SERVER, "a", 1);
		rec(&m, NTS_KE_REC_SERVER, "b", 1);
		break;
	case BAD_COOKIE_EMPTY:
		rec(&m, NTS_KE_REC_COOKIE, NULL, 0);
		break;
	case BAD_COOKIE_LONG:
		rec(&m, NTS_KE_REC_COOKIE, big, sizeof(big));
		break;
	case BAD_ERROR_LONG:
		rec(&m, C | NTS_KE_REC_ERROR, three, 3);
		break;
	}
	if (bad_cases[_i].bad != BAD_TRAILING)
		end(&m);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), bad_cases[_i].want);
	ck_assert_uint_eq(code, bad_cases[_i].code);
}
END_TEST

/* What the server must have said by the end of message. */
START_TEST(test_nts_ke_needs_ntpv4_siv_and_a_cookie)
{
	static const uint8_t other[] = { 0, 1 }, both[] = { 0, 1, 0, 15 };
	struct msg m = { .len = 0 };
	struct nts_ke_response r;
	unsigned code;

	/* no protocol offered */
	rec(&m, C | NTS_KE_REC_NEXT_PROTO, NULL, 0);
	rec(&m, C | NTS_KE_REC_AEAD, siv, 2);
	rec(&m, NTS_KE_REC_COOKIE, "c", 1);
	end(&m);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), NTS_KE_E_PROTOCOL);
	/* another AEAD */
	m.len = 0;
	rec(&m, C | NTS_KE_REC_NEXT_PROTO, ntpv4, 2);
	rec(&m, C | NTS_KE_REC_AEAD, other, 2);
	rec(&m, NTS_KE_REC_COOKIE, "c", 1);
	end(&m);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), NTS_KE_E_AEAD);
	/* no AEAD record */
	m.len = 0;
	rec(&m, C | NTS_KE_REC_NEXT_PROTO, ntpv4, 2);
	rec(&m, NTS_KE_REC_COOKIE, "c", 1);
	end(&m);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), NTS_KE_E_AEAD);
	/* no cookie */
	m.len = 0;
	rec(&m, C | NTS_KE_REC_NEXT_PROTO, ntpv4, 2);
	rec(&m, C | NTS_KE_REC_AEAD, both, 4);
	end(&m);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), NTS_KE_E_NO_COOKIE);
	/* with one, AES-SIV among others is enough */
	m.len -= 4;
	rec(&m, NTS_KE_REC_COOKIE, "c", 1);
	end(&m);
	ck_assert_int_eq(nts_ke_parse(m.b, m.len, &r, &code), NTS_KE_OK);
	ck_assert_uint_eq(r.n_cookies, 1);
	ck_assert_str_eq(r.server, "");
	ck_assert_uint_eq(r.port, 0);
}
END_TEST

START_TEST(test_nts_ke_status_names_the_server_error)
{
	char buf[96];

	nts_ke_status_describe(NTS_KE_E_ERROR, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "server error 1 (bad request)");
	nts_ke_status_describe(NTS_KE_E_CRITICAL, 9, buf, sizeof(buf));
	ck_assert_str_eq(buf, "unknown critical record 9");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nts_ke");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_nts_ke_request_asks_ntpv4_and_aes_siv_critically);
	tcase_add_test(tc, test_nts_ke_response_gives_cookies_server_and_port);
	tcase_add_test(tc, test_nts_ke_response_is_incomplete_until_end_of_message);
	tcase_add_test(tc, test_nts_ke_more_cookies_than_kept_are_counted);
	tcase_add_loop_test(tc, test_nts_ke_refuses_a_bad_record, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_nts_ke_needs_ntpv4_siv_and_a_cookie);
	tcase_add_test(tc, test_nts_ke_status_names_the_server_error);
	suite_add_tcase(s, tc);
	return check_run(s);
}
