/* SPDX-License-Identifier: BSD-2-Clause */
/* acl and ifrule: restrict and interface rules as ntpd reads them. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "acl.h"
#include "check_run.h"
#include "ifrule.h"

static struct config cfg;

static void load(const char *text)
{
	struct config_error err;

	config_init(&cfg);
	ck_assert_msg(
		config_parse(&cfg, text, strlen(text), "t.conf", CONFIG_PROGRAM_TSETD, &err) == 0,
		"%s", err.msg);
}

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss = { 0 };

	if (strchr(text, ':')) {
		ss.ss_family = AF_INET6;
		inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	} else {
		ss.ss_family = AF_INET;
		inet_pton(AF_INET, text, &((struct sockaddr_in *)&ss)->sin_addr);
	}
	return ss;
}

static unsigned flags_of(const char *text)
{
	struct sockaddr_storage ss = addr(text);

	return acl_flags(&cfg, (struct sockaddr *)&ss);
}

START_TEST(test_acl_guide_rules)
{
	load("restrict default kod nomodify notrap nopeer noquery\n"
	     "restrict -6 default kod nomodify notrap nopeer noquery\n"
	     "restrict 127.0.0.1\n"
	     "restrict -6 ::1\n");
	ck_assert_uint_eq(flags_of("127.0.0.1"), 0);
	ck_assert_uint_eq(flags_of("::1"), 0);
	ck_assert_uint_eq(flags_of("192.0.2.7"),
			  CONFIG_RESTRICT_KOD | CONFIG_RESTRICT_NOMODIFY | CONFIG_RESTRICT_NOTRAP |
				  CONFIG_RESTRICT_NOPEER | CONFIG_RESTRICT_NOQUERY);
	ck_assert(acl_serves(flags_of("192.0.2.7")));
}
END_TEST

START_TEST(test_acl_longest_prefix_wins_in_any_order)
{
	load("restrict 10.1.2.3 noserve\n"
	     "restrict 10.0.0.0 mask 255.0.0.0 ignore\n"
	     "restrict 10.1.0.0/16 limited\n"
	     "restrict default\n");
	ck_assert_uint_eq(flags_of("10.1.2.3"), CONFIG_RESTRICT_NOSERVE);
	ck_assert_uint_eq(flags_of("10.1.9.9"), CONFIG_RESTRICT_LIMITED);
	ck_assert_uint_eq(flags_of("10.9.9.9"), CONFIG_RESTRICT_IGNORE);
	ck_assert_uint_eq(flags_of("11.0.0.1"), 0);
	ck_assert(!acl_serves(flags_of("10.1.2.3")));
	ck_assert(!acl_serves(flags_of("10.9.9.9")));
}
END_TEST

START_TEST(test_acl_later_line_of_same_prefix_wins_and_families_apart)
{
	load("restrict default ignore\nrestrict 127.0.0.1\nrestrict 127.0.0.1 noserve\n");
	ck_assert_uint_eq(flags_of("127.0.0.1"), CONFIG_RESTRICT_NOSERVE);
	ck_assert_uint_eq(flags_of("127.0.0.2"), CONFIG_RESTRICT_IGNORE);
	ck_assert_uint_eq(flags_of("::1"), CONFIG_RESTRICT_IGNORE); /* both defaults */
	load("restrict -4 default ignore\n");
	ck_assert_uint_eq(flags_of("::1"), 0);
	load("restrict source nomodify\n");
	ck_assert_uint_eq(flags_of("127.0.0.1"), 0); /* pool associations only */
}
END_TEST

static bool serves(const char *dst, const char *ifname)
{
	struct sockaddr_storage ss = addr(dst);

	return ifrule_serves(&cfg, (struct sockaddr *)&ss, ifname);
}

START_TEST(test_ifrule_everything_served_by_default_last_match_wins)
{
	load("");
	ck_assert(serves("192.0.2.1", "eth0"));
	load("interface listen lo\ninterface ignore enp5s0\n");
	ck_assert(serves("192.0.2.1", "eth0"));
	ck_assert(!serves("192.0.2.1", "enp5s0"));
	ck_assert(serves("127.0.0.1", "lo"));
	load("interface ignore all\ninterface listen 127.0.0.3\n");
	ck_assert(serves("127.0.0.3", "lo"));
	ck_assert(!serves("127.0.0.4", "lo"));
	load("interface listen 127.0.0.3\ninterface ignore all\n");
	ck_assert(!serves("127.0.0.3", "lo")); /* the last match wins */
	load("interface drop ipv6\ninterface listen 192.0.2.0/24\n");
	ck_assert(!serves("::1", "lo"));
	ck_assert(serves("192.0.2.9", "eth0"));
	load("interface ignore wildcard\n"); /* names the wildcard socket: no request */
	ck_assert(serves("192.0.2.9", "eth0"));
}
END_TEST

START_TEST(test_ifrule_specific_addresses_when_only_they_are_left)
{
	struct config_addr a[4];
	char text[64];

	load("interface ignore all\ninterface listen 127.0.0.3\ninterface listen ::1\n"
	     "interface listen 127.0.0.3\n");
	ck_assert_int_eq(ifrule_specific(&cfg, AF_INET, a, 4), 1);
	inet_ntop(AF_INET, &a[0].u.v4, text, sizeof(text));
	ck_assert_str_eq(text, "127.0.0.3");
	ck_assert_int_eq(ifrule_specific(&cfg, AF_INET6, a, 4), 1);
	load("interface ignore ipv4\n");
	ck_assert_int_eq(ifrule_specific(&cfg, AF_INET, a, 4), 0); /* nothing to serve */
	ck_assert_int_eq(ifrule_specific(&cfg, AF_INET6, a, 4), -1);
	load("interface ignore all\ninterface listen eth0\n");
	ck_assert_int_eq(ifrule_specific(&cfg, AF_INET, a, 4), -1); /* its addresses unknown */
	load("interface ignore all\ninterface listen 10.0.0.0/8\n");
	ck_assert_int_eq(ifrule_specific(&cfg, AF_INET, a, 4), -1);
	load("");
	ck_assert_int_eq(ifrule_specific(&cfg, AF_INET, a, 4), -1);
	ck_assert(!ifrule_needs_ifname(&cfg));
	load("interface ignore eth1\n");
	ck_assert(ifrule_needs_ifname(&cfg));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_acl_guide_rules);
	tcase_add_test(tc, test_acl_longest_prefix_wins_in_any_order);
	tcase_add_test(tc, test_acl_later_line_of_same_prefix_wins_and_families_apart);
	tcase_add_test(tc, test_ifrule_everything_served_by_default_last_match_wins);
	tcase_add_test(tc, test_ifrule_specific_addresses_when_only_they_are_left);
	suite_add_tcase(s, tc);
	return check_run(s);
}
