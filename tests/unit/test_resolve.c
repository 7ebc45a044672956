/* SPDX-License-Identifier: BSD-2-Clause */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "loop.h"
#include "resolve.h"

static const struct {
	const char *host;
	int family; /* the filter */
	int want;   /* 0 or a negative errno */
	int want_family;
	const char *want_addr;
	uint32_t want_scope;
	bool scope_lo; /* want_scope is if_nametoindex("lo") */
} vectors[] = {
	{ "127.0.0.1", AF_UNSPEC, 0, AF_INET, "127.0.0.1", 0, false },
	{ "192.0.2.10", AF_INET, 0, AF_INET, "192.0.2.10", 0, false },
	{ "0.0.0.0", AF_UNSPEC, 0, AF_INET, "0.0.0.0", 0, false },
	{ "::1", AF_UNSPEC, 0, AF_INET6, "::1", 0, false },
	{ "2001:db8::5", AF_INET6, 0, AF_INET6, "2001:db8::5", 0, false },
	{ "::ffff:192.0.2.1", AF_UNSPEC, 0, AF_INET6, "::ffff:192.0.2.1", 0, false },
	/* zones: an interface name or a number */
	{ "fe80::1%lo", AF_UNSPEC, 0, AF_INET6, "fe80::1", 0, true },
	{ "fe80::1%1", AF_INET6, 0, AF_INET6, "fe80::1", 1, false },
	{ "fe80::1%4294967295", AF_UNSPEC, 0, AF_INET6, "fe80::1", 4294967295u, false },
	{ "fe80::1%4294967296", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "fe80::1%nosuchif0", AF_UNSPEC, -ENODEV, 0, NULL, 0, false },
	{ "fe80::1%averyveryverylongname", AF_UNSPEC, -ENODEV, 0, NULL, 0, false },
	{ "fe80::1%", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "127.0.0.1%lo", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	/* family filters */
	{ "127.0.0.1", AF_INET6, -EAFNOSUPPORT, 0, NULL, 0, false },
	{ "::1", AF_INET, -EAFNOSUPPORT, 0, NULL, 0, false },
	{ "fe80::1%lo", AF_INET, -EAFNOSUPPORT, 0, NULL, 0, false },
	{ "::ffff:192.0.2.1", AF_INET, -EAFNOSUPPORT, 0, NULL, 0, false },
	/* brackets are the caller's business */
	{ "[::1]", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "[127.0.0.1]", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "[fe80::1%lo]", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	/* garbage, names, sloppy forms inet_aton would take */
	{ "", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "pool.ntp.org", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "1.2.3", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "0x7f.0.0.1", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "256.1.1.1", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ " 127.0.0.1", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "127.0.0.1 ", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "127.0.0.1:123", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "::1::2", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "%lo", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999", AF_UNSPEC, -EINVAL, 0, NULL, 0, false },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255.255%lo", AF_UNSPEC, -EINVAL, 0, NULL, 0,
	  false },
};

START_TEST(test_resolve_numeric_vectors)
{
	const char *host = vectors[_i].host;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char buf[INET6_ADDRSTRLEN];
	int r;

	memset(&ss, 0xa5, sizeof(ss));
	r = resolve_numeric(host, 123, vectors[_i].family, &ss, &len);
	ck_assert_msg(r == vectors[_i].want, "\"%s\": got %d, want %d", host, r, vectors[_i].want);
	if (r < 0) {
		/* nothing written on failure */
		ck_assert_uint_eq(len, 0);
		ck_assert_uint_eq(((unsigned char *)&ss)[0], 0xa5);
		return;
	}
	ck_assert_int_eq(ss.ss_family, vectors[_i].want_family);
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		ck_assert_uint_eq(len, sizeof(*sin));
		ck_assert_uint_eq(sin->sin_port, htons(123));
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
		uint32_t scope = vectors[_i].want_scope;

		if (vectors[_i].scope_lo) {
			scope = if_nametoindex("lo");
			ck_assert_uint_ne(scope, 0);
		}
		ck_assert_uint_eq(len, sizeof(*sin6));
		ck_assert_uint_eq(sin6->sin6_port, htons(123));
		ck_assert_uint_eq(sin6->sin6_scope_id, scope);
		ck_assert_uint_eq(sin6->sin6_flowinfo, 0);
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
	}
	ck_assert_str_eq(buf, vectors[_i].want_addr);
}
END_TEST

START_TEST(test_resolve_numeric_port_in_network_order)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const unsigned char *p;

	ck_assert_int_eq(resolve_numeric("127.0.0.1", 0x1234, AF_UNSPEC, &ss, &len), 0);
	p = (const unsigned char *)&((const struct sockaddr_in *)&ss)->sin_port;
	ck_assert_uint_eq(p[0], 0x12);
	ck_assert_uint_eq(p[1], 0x34);
	ck_assert_int_eq(resolve_numeric("::1", 0x1234, AF_UNSPEC, &ss, &len), 0);
	p = (const unsigned char *)&((const struct sockaddr_in6 *)&ss)->sin6_port;
	ck_assert_uint_eq(p[0], 0x12);
	ck_assert_uint_eq(p[1], 0x34);
}
END_TEST

START_TEST(test_resolve_numeric_null_host_is_einval)
{
	struct sockaddr_storage ss;
	socklen_t len;

	ck_assert_int_eq(resolve_numeric(NULL, 123, AF_UNSPEC, &ss, &len), -EINVAL);
}
END_TEST

/* -------- lookups through a real loop -------- */

/* c-ares points at 127.0.0.1 port 53, whether or not something listens:
 * nothing numeric may need it. */
static char conf_path[] = "/tmp/test_resolve_XXXXXX";
static struct loop *loop;

struct seen {
	unsigned calls;
	struct resolve_result res;
	struct resolve *free_me; /* resolve_free() from the callback */
	unsigned order[4];
};

static void setup(void)
{
	int fd = mkstemp(conf_path);
	static const char conf[] = "nameserver 127.0.0.1\n";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, conf, sizeof(conf) - 1), (int)sizeof(conf) - 1);
	close(fd);
	ck_assert_int_eq(loop_new(&loop), 0);
}

static void teardown(void)
{
	loop_free(loop);
	unlink(conf_path);
	strcpy(conf_path, "/tmp/test_resolve_XXXXXX");
}

static void on_done(void *userdata, const struct resolve_result *res)
{
	struct seen *s = userdata;

	s->res = *res;
	s->calls++;
	if (s->free_me)
		resolve_free(s->free_me);
}

/* What a program's main loop does; at most max_turns turns of it. */
static void run_loop(struct resolve *r, unsigned max_turns)
{
	for (unsigned i = 0; i < max_turns && resolve_busy(r); i++) {
		int64_t next = resolve_next_ns(r), cap = loop_now_ns() + 1000000000;

		ck_assert_int_ge(loop_run_once(loop, next < cap ? next : cap), 0);
		if (loop_now_ns() >= resolve_next_ns(r))
			resolve_timeouts(r);
	}
}

static struct resolve *new_resolver(int family)
{
	struct resolve *r = NULL;

	ck_assert_int_eq(resolve_new(&r, loop, conf_path, family), 0);
	ck_assert_ptr_nonnull(r);
	return r;
}

START_TEST(test_resolve_numeric_host_is_async_and_calls_back_once)
{
	struct resolve *r = new_resolver(AF_UNSPEC);
	struct seen s = { 0 };
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&s.res.addrs[0];

	ck_assert(!resolve_busy(r));
	ck_assert_int_eq(resolve_next_ns(r), INT64_MAX);
	ck_assert_int_eq(resolve_start(r, "127.0.0.9", 123, RESOLVE_MAX_ADDRS, on_done, &s), 0);
	ck_assert_uint_eq(s.calls, 0); /* never from resolve_start() */
	ck_assert(resolve_busy(r));
	ck_assert_int_le(resolve_next_ns(r), loop_now_ns()); /* due at once */
	run_loop(r, 3);
	ck_assert_uint_eq(s.calls, 1);
	ck_assert(!resolve_busy(r));
	ck_assert_uint_eq(s.res.n, 1);
	ck_assert_uint_eq(s.res.n_dropped, 0);
	ck_assert_uint_eq(s.res.addr_lens[0], sizeof(*sin));
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(sin->sin_addr.s_addr, htonl(0x7f000009));
	ck_assert_uint_eq(sin->sin_port, htons(123));
	ck_assert_uint_eq(loop_n_watched(loop), 0); /* no DNS socket was opened */
	/* nothing more comes */
	resolve_timeouts(r);
	run_loop(r, 3);
	ck_assert_uint_eq(s.calls, 1);
	ck_assert_int_eq(resolve_next_ns(r), INT64_MAX);
	resolve_free(r);
}
END_TEST

START_TEST(test_resolve_numeric_v6_zone_through_loop)
{
	struct resolve *r = new_resolver(AF_INET6);
	struct seen s = { 0 };
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&s.res.addrs[0];

	ck_assert_int_eq(resolve_start(r, "fe80::1%lo", 4123, 1, on_done, &s), 0);
	run_loop(r, 3);
	ck_assert_uint_eq(s.calls, 1);
	ck_assert_uint_eq(s.res.n, 1);
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert_uint_eq(sin6->sin6_scope_id, if_nametoindex("lo"));
	ck_assert_uint_eq(sin6->sin6_port, htons(4123));
	resolve_free(r);
}
END_TEST

/* Hosts that never reach DNS fail through the callback, like a name. */
static const struct {
	int family;
	const char *host;
	const char *want_error;
} local_failures[] = {
	{ AF_INET, "::1", "no address of the requested family" },
	{ AF_INET6, "127.0.0.1", "no address of the requested family" },
	{ AF_UNSPEC, "fe80::1%nosuchif0", "unknown interface in address zone" },
	{ AF_UNSPEC, "[::1]", "invalid host name" },
	{ AF_UNSPEC, "1.2.3", "invalid host name" },
	{ AF_UNSPEC, "pool..ntp.org", "invalid host name" },
	{ AF_UNSPEC, ".ntp.org", "invalid host name" },
	{ AF_UNSPEC, "ntp org", "invalid host name" },
	{ AF_UNSPEC, "", "invalid host name" },
	{ AF_UNSPEC, "a-label-of-sixty-four-characters-is-one-too-many-for-dns-xxxxxxx.org",
	  "invalid host name" },
};

START_TEST(test_resolve_local_failure_is_reported_through_callback)
{
	struct resolve *r = new_resolver(local_failures[_i].family);
	struct seen s = { 0 };

	ck_assert_int_eq(resolve_start(r, local_failures[_i].host, 123, 8, on_done, &s), 0);
	ck_assert_uint_eq(s.calls, 0);
	run_loop(r, 3);
	ck_assert_uint_eq(s.calls, 1);
	ck_assert_uint_eq(s.res.n, 0);
	ck_assert_str_eq(s.res.error, local_failures[_i].want_error);
	ck_assert_uint_eq(loop_n_watched(loop), 0);
	resolve_free(r);
}
END_TEST

static void on_done_order(void *userdata, const struct resolve_result *res)
{
	struct seen *s = userdata;

	s->order[s->calls++] = ntohs(((const struct sockaddr_in *)&res->addrs[0])->sin_port);
}

START_TEST(test_resolve_results_come_in_start_order)
{
	struct resolve *r = new_resolver(AF_UNSPEC);
	struct seen s = { 0 };

	for (uint16_t port = 1; port <= 4; port++)
		ck_assert_int_eq(resolve_start(r, "127.0.0.1", port, 1, on_done_order, &s), 0);
	resolve_timeouts(r);
	ck_assert_uint_eq(s.calls, 4);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(s.order[i], i + 1);
	resolve_free(r);
}
END_TEST

START_TEST(test_resolve_start_rejects_bad_arguments)
{
	struct resolve *r = new_resolver(AF_UNSPEC);
	struct seen s = { 0 };

	ck_assert_int_eq(resolve_start(r, NULL, 123, 1, on_done, &s), -EINVAL);
	ck_assert_int_eq(resolve_start(r, "127.0.0.1", 123, 0, on_done, &s), -EINVAL);
	ck_assert_int_eq(resolve_start(r, "127.0.0.1", 123, RESOLVE_MAX_ADDRS + 1, on_done, &s),
			 -EINVAL);
	ck_assert_int_eq(resolve_start(r, "127.0.0.1", 123, 1, NULL, &s), -EINVAL);
	ck_assert(!resolve_busy(r));
	run_loop(r, 3);
	ck_assert_uint_eq(s.calls, 0);
	resolve_free(r);
}
END_TEST

START_TEST(test_resolve_new_rejects_unreadable_resolvconf)
{
	struct resolve *r = NULL;

	ck_assert_int_eq(resolve_new(&r, loop, "/nonexistent/resolv.conf", AF_UNSPEC), -ENOENT);
	ck_assert_int_eq(resolve_new(&r, loop, "/tmp", AF_UNSPEC), -EISDIR);
	ck_assert_int_eq(resolve_new(&r, loop, conf_path, AF_UNIX), -EINVAL);
	ck_assert_int_eq(resolve_new(&r, NULL, conf_path, AF_UNSPEC), -EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_resolve_free_drops_undelivered_results)
{
	struct resolve *r = new_resolver(AF_UNSPEC);
	struct seen s = { 0 };

	ck_assert_int_eq(resolve_start(r, "127.0.0.1", 123, 1, on_done, &s), 0);
	ck_assert_int_eq(resolve_start(r, "[bad]", 123, 1, on_done, &s), 0);
	resolve_free(r);
	ck_assert_uint_eq(s.calls, 0);
	resolve_free(NULL);
}
END_TEST

START_TEST(test_resolve_free_from_callback_stops_delivery)
{
	struct resolve *r = new_resolver(AF_UNSPEC);
	struct seen s = { 0 };

	s.free_me = r;
	ck_assert_int_eq(resolve_start(r, "127.0.0.1", 123, 1, on_done, &s), 0);
	ck_assert_int_eq(resolve_start(r, "127.0.0.2", 123, 1, on_done, &s), 0);
	resolve_timeouts(r); /* frees r inside the first callback */
	ck_assert_uint_eq(s.calls, 1);
}
END_TEST

/* A DNS lookup in flight: its socket is watched; resolve_free() cancels
 * it without a callback and unwatches the socket. 127.0.0.1:53 may or may
 * not answer: nothing is run, so no answer is read. */
START_TEST(test_resolve_free_cancels_dns_lookup_silently)
{
	/* a 63-character label, an underscore and a root dot: still a name */
	static const char name63[] =
		"_a-label-of-sixty-three-characters-is-the-most-dns-allows-xxxxx.invalid.";
	struct resolve *r = new_resolver(AF_UNSPEC);
	struct seen s = { 0 };

	ck_assert_int_eq(resolve_start(r, name63, 123, 8, on_done, &s), 0);
	ck_assert(resolve_busy(r));
	ck_assert_uint_gt(loop_n_watched(loop), 0);
	ck_assert_int_lt(resolve_next_ns(r), INT64_MAX);
	resolve_free(r);
	ck_assert_uint_eq(s.calls, 0);
	ck_assert_uint_eq(loop_n_watched(loop), 0);
}
END_TEST

static Suite *resolve_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("numeric");
	TCase *async = tcase_create("async");

	tcase_add_loop_test(tc, test_resolve_numeric_vectors, 0,
			    (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, test_resolve_numeric_port_in_network_order);
	tcase_add_test(tc, test_resolve_numeric_null_host_is_einval);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(async, setup, teardown);
	tcase_add_test(async, test_resolve_numeric_host_is_async_and_calls_back_once);
	tcase_add_test(async, test_resolve_numeric_v6_zone_through_loop);
	tcase_add_loop_test(async, test_resolve_local_failure_is_reported_through_callback, 0,
			    (int)(sizeof(local_failures) / sizeof(local_failures[0])));
	tcase_add_test(async, test_resolve_results_come_in_start_order);
	tcase_add_test(async, test_resolve_start_rejects_bad_arguments);
	tcase_add_test(async, test_resolve_new_rejects_unreadable_resolvconf);
	tcase_add_test(async, test_resolve_free_drops_undelivered_results);
	tcase_add_test(async, test_resolve_free_from_callback_stops_delivery);
	tcase_add_test(async, test_resolve_free_cancels_dns_lookup_silently);
	suite_add_tcase(s, async);
	return s;
}

int main(void)
{
	return check_run(resolve_suite());
}
