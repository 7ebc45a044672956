/* SPDX-License-Identifier: BSD-2-Clause */
/* candset: one vote per (address, port), one family per name, fallbacks. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candset.h"
#include "check_run.h"

static struct candset cs; /* large: not on the stack */

/* An answer of up to RESOLVE_MAX_RESULT addresses, as resolve gives it. */
struct answer {
	struct sockaddr_storage a[RESOLVE_MAX_RESULT];
	socklen_t len[RESOLVE_MAX_RESULT];
	unsigned n;
};

/* "127.0.0.2", "::1", "fe80::1%2" (numeric scope id), with a port. */
static void put(struct answer *ans, const char *text, unsigned port)
{
	struct sockaddr_storage *ss = &ans->a[ans->n];
	char buf[INET6_ADDRSTRLEN];
	const char *pct = strchr(text, '%');

	ck_assert_uint_lt(ans->n, RESOLVE_MAX_RESULT);
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		size_t n = pct ? (size_t)(pct - text) : strlen(text);

		memcpy(buf, text, n);
		buf[n] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET6, buf, &in6->sin6_addr), 1);
		in6->sin6_scope_id = pct ? (uint32_t)atoi(pct + 1) : 0;
		ans->len[ans->n++] = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET, text, &in->sin_addr), 1);
		ans->len[ans->n++] = sizeof(*in);
	}
}

static struct answer answer(unsigned port, const char *const *texts)
{
	struct answer ans = { .n = 0 };

	for (; *texts; texts++)
		put(&ans, *texts, port);
	return ans;
}

#define ANSWER(port, ...) answer((port), (const char *const[]){ __VA_ARGS__, NULL })

static unsigned add(unsigned name, struct answer ans, unsigned cap)
{
	return candset_add_name(&cs, name, ans.a, ans.len, ans.n, cap, AF_UNSPEC);
}

/* The printable address of entry i ("127.0.0.2", "::1"). */
static const char *addr_of(unsigned i)
{
	static char buf[INET6_ADDRSTRLEN];
	const struct sockaddr_storage *ss = &cs.e[i].sa;

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
			  sizeof(buf));
	return buf;
}

static void setup(void)
{
	candset_init(&cs);
}

START_TEST(test_candset_same_address_under_two_names_is_one_vote)
{
	/* LIAR LIAR HONEST, and one address through two names */
	ck_assert_uint_eq(add(0, ANSWER(123, "127.0.0.20"), RESOLVE_MAX_ADDRS), 1);
	ck_assert_uint_eq(add(1, ANSWER(123, "127.0.0.20"), RESOLVE_MAX_ADDRS), 0);
	ck_assert_uint_eq(add(2, ANSWER(123, "127.0.0.21"), RESOLVE_MAX_ADDRS), 1);
	ck_assert_uint_eq(cs.n, 2);
	ck_assert_uint_eq(cs.n_live, 2);
	ck_assert_uint_eq(cs.e[0].name, 0);
	ck_assert_uint_eq(cs.e[0].names, 0x3);
	ck_assert_uint_eq(cs.names[1].held, 1);
}
END_TEST

START_TEST(test_candset_ipv4_mapped_address_is_the_ipv4_address)
{
	ck_assert_uint_eq(add(0, ANSWER(123, "127.0.0.20"), 1), 1);
	ck_assert_uint_eq(add(1, ANSWER(123, "::ffff:127.0.0.20"), 1), 0);
	ck_assert_uint_eq(cs.n, 1);
	/* and alone it becomes IPv4 (an AF_INET6 socket would send IPv4) */
	ck_assert_uint_eq(add(2, ANSWER(123, "::ffff:127.0.0.21"), 1), 1);
	ck_assert_int_eq(cs.e[1].sa.ss_family, AF_INET);
	ck_assert_uint_eq(cs.e[1].sa_len, sizeof(struct sockaddr_in));
	ck_assert_str_eq(addr_of(1), "127.0.0.21");
}
END_TEST

START_TEST(test_candset_port_is_part_of_the_candidate)
{
	ck_assert_uint_eq(add(0, ANSWER(123, "127.0.0.20"), 1), 1);
	ck_assert_uint_eq(add(1, ANSWER(124, "127.0.0.20"), 1), 1);
	ck_assert_uint_eq(add(2, ANSWER(124, "::1"), 1), 1);
	ck_assert_uint_eq(add(3, ANSWER(125, "::1"), 1), 1);
	ck_assert_uint_eq(cs.n_live, 4);
}
END_TEST

START_TEST(test_candset_scope_id_counts_for_link_local_only)
{
	ck_assert_uint_eq(add(0, ANSWER(123, "fe80::1%2"), 1), 1);
	ck_assert_uint_eq(add(1, ANSWER(123, "fe80::1%3"), 1), 1);
	ck_assert_uint_eq(add(2, ANSWER(123, "fe80::1%2"), 1), 0);
	/* a zone on a global address selects nothing: the kernel ignores it */
	ck_assert_uint_eq(add(3, ANSWER(123, "2001:db8::1%2"), 1), 1);
	ck_assert_uint_eq(add(4, ANSWER(123, "2001:db8::1"), 1), 0);
	ck_assert_uint_eq(((const struct sockaddr_in6 *)&cs.e[2].sa)->sin6_scope_id, 0);
	ck_assert_uint_eq(cs.n, 3);
}
END_TEST

START_TEST(test_candset_one_address_twice_in_an_answer_is_one_vote)
{
	ck_assert_uint_eq(add(0, ANSWER(123, "127.0.0.20", "::ffff:127.0.0.20", "127.0.0.21"),
			      RESOLVE_MAX_ADDRS),
			  2);
	ck_assert_uint_eq(cs.names[0].held, 2);
}
END_TEST

START_TEST(test_candset_dual_stack_name_votes_once)
{
	/* a server line (cap 1) and a name on the command line (a pool's cap)
	 * answering A and AAAA: one vote, through IPv4, IPv6 in reserve */
	ck_assert_uint_eq(add(0, ANSWER(123, "::1", "127.0.0.20"), 1), 1);
	ck_assert_uint_eq(add(1, ANSWER(124, "::1", "127.0.0.20"), RESOLVE_MAX_ADDRS), 1);
	ck_assert_int_eq(cs.e[0].sa.ss_family, AF_INET);
	ck_assert_int_eq(cs.e[1].sa.ss_family, AF_INET);
	ck_assert_uint_eq(cs.names[1].budget, 1);
	ck_assert_uint_eq(cs.names[1].n_addrs, 2);
	ck_assert_uint_eq(cs.n_live, 2);
}
END_TEST

START_TEST(test_candset_pool_votes_through_one_family)
{
	/* more record types never give more votes */
	ck_assert_uint_eq(add(0,
			      ANSWER(123, "fd00::1", "127.0.0.1", "fd00::2", "127.0.0.2", "fd00::3",
				     "127.0.0.3", "fd00::4", "127.0.0.4"),
			      RESOLVE_MAX_ADDRS),
			  4);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_int_eq(cs.e[i].sa.ss_family, AF_INET);
	ck_assert_uint_eq(add(1, ANSWER(124, "127.0.0.1", "fd00::1", "fd00::2", "fd00::3"),
			      RESOLVE_MAX_ADDRS),
			  1);
	/* a name with AAAA records only votes through them */
	ck_assert_uint_eq(add(2, ANSWER(125, "fd00::1", "fd00::2", "fd00::3"), RESOLVE_MAX_ADDRS),
			  3);
	ck_assert_uint_eq(cs.n_live, 8);
}
END_TEST

START_TEST(test_candset_overlapping_pools_count_each_address_once)
{
	ck_assert_uint_eq(
		add(0, ANSWER(123, "127.0.0.20", "127.0.0.21", "127.0.0.22"), RESOLVE_MAX_ADDRS),
		3);
	ck_assert_uint_eq(
		add(1, ANSWER(123, "127.0.0.21", "127.0.0.22", "127.0.0.23"), RESOLVE_MAX_ADDRS),
		1);
	ck_assert_uint_eq(cs.n_live, 4);
	ck_assert_uint_eq(cs.e[1].names, 0x3);
	ck_assert_uint_eq(cs.e[3].names, 0x2);
}
END_TEST

START_TEST(test_candset_family_restriction_of_a_line)
{
	struct answer dual = ANSWER(123, "127.0.0.20", "::1"), six = ANSWER(123, "::1");

	/* `server -6 NAME`: IPv6 is its only family, even with A records */
	ck_assert_uint_eq(candset_add_name(&cs, 0, dual.a, dual.len, dual.n, 1, AF_INET6), 1);
	ck_assert_int_eq(cs.e[0].sa.ss_family, AF_INET6);
	ck_assert_uint_eq(cs.names[0].n_addrs, 1);
	ck_assert_uint_eq(candset_add_name(&cs, 1, six.a, six.len, six.n, 1, AF_INET), 0);
	ck_assert_uint_eq(cs.names[1].n_addrs, 0);
}
END_TEST

START_TEST(test_candset_unreachable_gives_its_vote_to_the_other_family)
{
	ck_assert_uint_eq(add(0, ANSWER(123, "127.0.0.20", "::1"), 1), 1);
	ck_assert_uint_eq(candset_leave(&cs, 0), 1);
	ck_assert(cs.e[0].gone);
	ck_assert_int_eq(cs.e[1].sa.ss_family, AF_INET6);
	ck_assert_uint_eq(cs.n, 2);
	ck_assert_uint_eq(cs.n_live, 1);
	/* nothing left to fall back on: the name has no vote */
	ck_assert_uint_eq(candset_leave(&cs, 1), 0);
	ck_assert_uint_eq(cs.n_live, 0);
	ck_assert_uint_eq(cs.names[0].held, 0);
	/* leaving twice changes nothing */
	ck_assert_uint_eq(candset_leave(&cs, 1), 0);
	ck_assert_uint_eq(cs.n_live, 0);
}
END_TEST

START_TEST(test_candset_unreachable_pool_falls_back_one_for_one)
{
	/* an IPv6-only host: the pool's 3 IPv4 addresses leave, 3 of its 4
	 * IPv6 addresses take their votes */
	ck_assert_uint_eq(add(0,
			      ANSWER(123, "127.0.0.1", "127.0.0.2", "127.0.0.3", "fd00::1",
				     "fd00::2", "fd00::3", "fd00::4"),
			      RESOLVE_MAX_ADDRS),
			  3);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_uint_eq(candset_leave(&cs, i), 1);
	ck_assert_uint_eq(cs.n, 6);
	ck_assert_uint_eq(cs.n_live, 3);
	ck_assert_str_eq(addr_of(5), "fd00::3");
}
END_TEST

START_TEST(test_candset_shared_unreachable_address_refills_every_name)
{
	ck_assert_uint_eq(add(0, ANSWER(123, "127.0.0.20", "fd00::20"), 1), 1);
	ck_assert_uint_eq(add(1, ANSWER(123, "127.0.0.20", "fd00::21"), 1), 0);
	ck_assert_uint_eq(cs.n_live, 1);
	ck_assert_uint_eq(candset_leave(&cs, 0), 2);
	ck_assert_uint_eq(cs.n_live, 2);
	ck_assert_uint_eq(cs.e[1].name, 0);
	ck_assert_uint_eq(cs.e[2].name, 1);
	/* a name resolved later skips what left */
	ck_assert_uint_eq(add(2, ANSWER(123, "127.0.0.20", "fd00::20"), 1), 0);
	ck_assert_uint_eq(cs.e[1].names, 0x5);
	ck_assert_uint_eq(cs.n_live, 2);
}
END_TEST

START_TEST(test_candset_limit_is_counted_and_freed_room_is_used)
{
	unsigned name = 0;

	/* fill the majority: CANDSET_LIVE_MAX addresses, 8 per pool */
	for (; name < CANDSET_LIVE_MAX / RESOLVE_MAX_ADDRS; name++) {
		struct answer ans = { .n = 0 };
		char text[32];

		for (unsigned j = 0; j < RESOLVE_MAX_ADDRS; j++) {
			snprintf(text, sizeof(text), "127.0.%u.%u", name, j + 1);
			put(&ans, text, 123);
		}
		ck_assert_uint_eq(add(name, ans, RESOLVE_MAX_ADDRS), RESOLVE_MAX_ADDRS);
	}
	ck_assert_uint_eq(cs.n_live, CANDSET_LIVE_MAX);
	ck_assert_uint_eq(add(name, ANSWER(123, "127.0.0.1", "127.1.0.1", "127.1.0.2"), 8), 0);
	/* 127.0.0.1 is a candidate already; the two others find no room */
	ck_assert_uint_eq(cs.names[name].held, 1);
	ck_assert_uint_eq(candset_name_dropped(&cs, name), 2);
	ck_assert_uint_eq(candset_name_dropped(&cs, 0), 0);
	/* one leaves: its name has nothing else, the starved one gets the room */
	ck_assert_uint_eq(candset_leave(&cs, 5), 1);
	ck_assert_str_eq(addr_of(CANDSET_LIVE_MAX), "127.1.0.1");
	ck_assert_uint_eq(candset_name_dropped(&cs, name), 1);
	ck_assert_uint_eq(cs.n_live, CANDSET_LIVE_MAX);
}
END_TEST

START_TEST(test_candset_canonical_form)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(123),
				    .sin6_flowinfo = htonl(7),
				    .sin6_scope_id = 9 };
	struct sockaddr_storage ss, other;
	socklen_t len;

	inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
	candset_canonical((const struct sockaddr *)&in6, sizeof(in6), &ss, &len);
	ck_assert_uint_eq(len, sizeof(in6));
	ck_assert_uint_eq(((const struct sockaddr_in6 *)&ss)->sin6_flowinfo, 0);
	ck_assert_uint_eq(((const struct sockaddr_in6 *)&ss)->sin6_scope_id, 0);
	inet_pton(AF_INET6, "fe80::1", &in6.sin6_addr);
	candset_canonical((const struct sockaddr *)&in6, sizeof(in6), &other, &len);
	ck_assert_uint_eq(((const struct sockaddr_in6 *)&other)->sin6_scope_id, 9);
	ck_assert(!candset_same(&ss, &other));
	ck_assert(candset_same(&other, &other));
}
END_TEST

static Suite *candset_suite(void)
{
	Suite *s = suite_create("candset");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_candset_same_address_under_two_names_is_one_vote);
	tcase_add_test(tc, test_candset_ipv4_mapped_address_is_the_ipv4_address);
	tcase_add_test(tc, test_candset_port_is_part_of_the_candidate);
	tcase_add_test(tc, test_candset_scope_id_counts_for_link_local_only);
	tcase_add_test(tc, test_candset_one_address_twice_in_an_answer_is_one_vote);
	tcase_add_test(tc, test_candset_dual_stack_name_votes_once);
	tcase_add_test(tc, test_candset_pool_votes_through_one_family);
	tcase_add_test(tc, test_candset_overlapping_pools_count_each_address_once);
	tcase_add_test(tc, test_candset_family_restriction_of_a_line);
	tcase_add_test(tc, test_candset_unreachable_gives_its_vote_to_the_other_family);
	tcase_add_test(tc, test_candset_unreachable_pool_falls_back_one_for_one);
	tcase_add_test(tc, test_candset_shared_unreachable_address_refills_every_name);
	tcase_add_test(tc, test_candset_limit_is_counted_and_freed_room_is_used);
	tcase_add_test(tc, test_candset_canonical_form);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(candset_suite());
}
