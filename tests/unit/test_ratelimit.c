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

/* 2001:db8:0:NET::/64, the host part from host. */
static struct sockaddr_in6 client6(uint16_t net, uint64_t host)
{
	struct sockaddr_in6 c = { .sin6_family = AF_INET6 };

	c.sin6_addr.s6_addr[0] = 0x20;
	c.sin6_addr.s6_addr[1] = 0x01;
	c.sin6_addr.s6_addr[2] = 0x0d;
	c.sin6_addr.s6_addr[3] = 0xb8;
	c.sin6_addr.s6_addr[6] = (uint8_t)(net >> 8);
	c.sin6_addr.s6_addr[7] = (uint8_t)net;
	for (int i = 0; i < 8; i++)
		c.sin6_addr.s6_addr[8 + i] = (uint8_t)(host >> (56 - 8 * i));
	return c;
}

static enum ratelimit_verdict at6(struct ratelimit *rl, uint16_t net, uint64_t host, int64_t t_ns)
{
	struct sockaddr_in6 c = client6(net, host);

	return ratelimit_check(rl, (struct sockaddr *)&c, t_ns);
}

/* A host that sends each request from another address of its /64 is one
 * client: limited like one, and it cannot flush the others out of the
 * table (here: 20000 addresses, five times the table). */
START_TEST(test_ratelimit_ipv6_host_rotating_in_its_64_is_one_client)
{
	struct ratelimit *rl;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int pass = 0, kod = 0;

	ck_assert_int_eq(ratelimit_new(&rl, 3, 2, 11), 0);
	/* another client, limited before the flood */
	ck_assert_int_eq(at6(rl, 7, 1, 0), RATELIMIT_PASS);
	ck_assert_int_eq(at6(rl, 7, 1, S / 10), RATELIMIT_KOD);
	for (int i = 0; i < 20000; i++) {
		enum ratelimit_verdict v;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* a new host part each time */
		v = at6(rl, 1, x, S + i * (S / 20000));
		pass += v == RATELIMIT_PASS;
		kod += v == RATELIMIT_KOD;
	}
	ck_assert_int_eq(pass, 1);
	ck_assert_int_eq(kod, 1);
	ck_assert_uint_eq(ratelimit_count(rl), 2);
	/* the other client is still remembered, and still limited */
	ck_assert_int_eq(at6(rl, 7, 1, 2 * S), RATELIMIT_DROP);
	/* another /64 is another client */
	ck_assert_int_eq(at6(rl, 2, 1, 2 * S), RATELIMIT_PASS);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_prefixes_are_configurable)
{
	struct ratelimit *rl;

	ck_assert_int_eq(ratelimit_new(&rl, 3, 2, 3), 0);
	ck_assert_int_eq(ratelimit_set_prefixes(rl, 0, 64), -EINVAL);
	ck_assert_int_eq(ratelimit_set_prefixes(rl, 33, 64), -EINVAL);
	ck_assert_int_eq(ratelimit_set_prefixes(rl, 32, 0), -EINVAL);
	ck_assert_int_eq(ratelimit_set_prefixes(rl, 32, 129), -EINVAL);
	/* IPv4 per /24, IPv6 per /56 (two /64s of one site) */
	ck_assert_int_eq(ratelimit_set_prefixes(rl, 24, 56), 0);
	ck_assert_int_eq(at(rl, 0x0a000001, 0), RATELIMIT_PASS);
	ck_assert_int_eq(at(rl, 0x0a0000fe, S / 10), RATELIMIT_KOD);
	ck_assert_int_eq(at(rl, 0x0a000101, S / 10), RATELIMIT_PASS); /* another /24 */
	ck_assert_int_eq(at6(rl, 0x0001, 1, 0), RATELIMIT_PASS);
	ck_assert_int_eq(at6(rl, 0x00ff, 2, S / 10), RATELIMIT_KOD);
	ck_assert_int_eq(at6(rl, 0x0100, 1, S / 10), RATELIMIT_PASS); /* another /56 */
	/* per address again: each address its own client */
	ck_assert_int_eq(ratelimit_set_prefixes(rl, 32, 128), 0);
	ck_assert_uint_eq(ratelimit_count(rl), 0);
	for (uint64_t h = 1; h <= 100; h++)
		ck_assert_int_eq(at6(rl, 1, h, 10 * S), RATELIMIT_PASS);
	ck_assert_int_eq(at(rl, 0x0a000001, 10 * S), RATELIMIT_PASS);
	ck_assert_int_eq(at(rl, 0x0a000002, 10 * S), RATELIMIT_PASS);
	ratelimit_free(rl);
}
END_TEST

/* ::ffff:10.0.0.1 is 10.0.0.1: not a /64 of its own kind. */
START_TEST(test_ratelimit_ipv4_mapped_counts_as_ipv4)
{
	struct ratelimit *rl;
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 };

	ck_assert_int_eq(ratelimit_new(&rl, 3, 2, 5), 0);
	m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
	m.sin6_addr.s6_addr[12] = 10;
	m.sin6_addr.s6_addr[15] = 2;
	ck_assert_int_eq(at(rl, 0x0a000001, 0), RATELIMIT_PASS);
	ck_assert_int_eq(ratelimit_check(rl, (struct sockaddr *)&m, 0), RATELIMIT_PASS);
	ck_assert_int_eq(at(rl, 0x0a000002, S / 10), RATELIMIT_KOD);
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
	tcase_add_test(tc, test_ratelimit_ipv6_host_rotating_in_its_64_is_one_client);
	tcase_add_test(tc, test_ratelimit_prefixes_are_configurable);
	tcase_add_test(tc, test_ratelimit_ipv4_mapped_counts_as_ipv4);
	tcase_add_test(tc, test_ratelimit_ipv6_and_bad_arguments);
	suite_add_tcase(s, tc);
	return check_run(s);
}
