/* SPDX-License-Identifier: BSD-2-Clause */
/* ratelimit: ntpd's leaky bucket, bounded memory under a flood. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>

#include "check_run.h"
#include "ratelimit.h"

#define S INT64_C(1000000000)

static struct sockaddr_in client(uint32_t host)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(host) };
}

static enum ratelimit_verdict at(struct ratelimit *rl, uint32_t host, int64_t t_ns)
{
	struct sockaddr_in c = client(host);

	return ratelimit_check(rl, (struct sockaddr *)&c, t_ns);
}

START_TEST(test_ratelimit_twenty_in_a_second_one_answer_one_kod_then_silence)
{
	struct ratelimit *rl;
	int pass = 0, kod = 0, drop = 0;

	ck_assert_int_eq(ratelimit_new(&rl, 3, 2, 42), 0);
	for (int i = 0; i < 20; i++) {
		enum ratelimit_verdict v = at(rl, 0x7f000001, 100 * S + i * (S / 20));

		pass += v == RATELIMIT_PASS;
		kod += v == RATELIMIT_KOD;
		drop += v == RATELIMIT_DROP;
		if (i == 1)
			ck_assert_int_eq(v, RATELIMIT_KOD);
	}
	ck_assert_int_eq(pass, 1);
	ck_assert_int_eq(kod, 1);
	ck_assert_int_eq(drop, 18);
	/* meanwhile another client is served */
	ck_assert_int_eq(at(rl, 0x7f000002, 100 * S + S / 2), RATELIMIT_PASS);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_polite_client_gets_a_burst_then_the_average)
{
	struct ratelimit *rl;
	int first_limited = -1;

	ck_assert_int_eq(ratelimit_new(&rl, 3, 2, 42), 0);
	/* every 2 s (the minimum): the bucket fills by 8 - 2 - 2 = 4 s a request */
	for (int i = 0; i < 40 && first_limited < 0; i++)
		if (at(rl, 0x0a000001, i * 2 * S) != RATELIMIT_PASS)
			first_limited = i;
	ck_assert_int_ge(first_limited, 8);
	ck_assert_int_le(first_limited, 20);
	/* a client at the average (8 s) is never limited */
	for (int i = 0; i < 200; i++)
		ck_assert_int_eq(at(rl, 0x0a000002, i * 8 * S), RATELIMIT_PASS);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_limited_client_recovers_after_the_bucket_drains)
{
	struct ratelimit *rl;

	ck_assert_int_eq(ratelimit_new(&rl, 3, 2, 42), 0);
	ck_assert_int_eq(at(rl, 1, 0), RATELIMIT_PASS);
	ck_assert_int_eq(at(rl, 1, S / 10), RATELIMIT_KOD);
	ck_assert_int_eq(at(rl, 1, S / 5), RATELIMIT_DROP);
	/* the bucket holds 72 s: after 80 s of quiet the client is served */
	ck_assert_int_eq(at(rl, 1, 80 * S), RATELIMIT_PASS);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_flood_of_sources_stays_bounded)
{
	struct ratelimit *rl;

	ck_assert_int_eq(ratelimit_new(&rl, 3, 2, 7), 0);
	for (uint32_t h = 0; h < 100000; h++)
		ck_assert_int_eq(at(rl, 0x0b000000 + h, 1000 * S + h), RATELIMIT_PASS);
	ck_assert_uint_le(ratelimit_count(rl), RATELIMIT_SETS * RATELIMIT_WAYS);
	ck_assert_uint_gt(ratelimit_count(rl), RATELIMIT_SETS * RATELIMIT_WAYS / 2);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_ipv6_and_bad_arguments)
{
	struct ratelimit *rl;
	struct sockaddr_in6 c6 = { .sin6_family = AF_INET6 };
	struct sockaddr bogus = { .sa_family = AF_UNIX };

	ck_assert_int_eq(ratelimit_new(&rl, 17, 2, 1), -EINVAL);
	ck_assert_int_eq(ratelimit_new(&rl, 3, 2, 1), 0);
	c6.sin6_addr.s6_addr[15] = 1;
	ck_assert_int_eq(ratelimit_check(rl, (struct sockaddr *)&c6, 0), RATELIMIT_PASS);
	ck_assert_int_eq(ratelimit_check(rl, (struct sockaddr *)&c6, S / 10), RATELIMIT_KOD);
	ck_assert_int_eq(ratelimit_check(rl, &bogus, 0), RATELIMIT_DROP);
	ratelimit_free(rl);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ratelimit_twenty_in_a_second_one_answer_one_kod_then_silence);
	tcase_add_test(tc, test_ratelimit_polite_client_gets_a_burst_then_the_average);
	tcase_add_test(tc, test_ratelimit_limited_client_recovers_after_the_bucket_drains);
	tcase_add_test(tc, test_ratelimit_flood_of_sources_stays_bounded);
	tcase_add_test(tc, test_ratelimit_ipv6_and_bad_arguments);
	suite_add_tcase(s, tc);
	return check_run(s);
}
