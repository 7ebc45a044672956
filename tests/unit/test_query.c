/* SPDX-License-Identifier: BSD-2-Clause */
/* query: the reply checks as named tests, the request's contents, pacing. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "ntp_time.h"
#include "ntp_auth.h"
#include "query.h"

static int real_now(void *ctx, struct timespec *ret)
{
	return clock_gettime(CLOCK_REALTIME, ret);
}

static struct clock_ops clock_ro = { .now = real_now };
static bool changed;
static struct loop *lp;
static struct query_env env;
static int srv = -1; /* our server socket on 127.0.0.1 */
static struct sockaddr_in srv_sa;

static void setup(void)
{
	socklen_t len = sizeof(srv_sa);

	ck_assert_int_eq(loop_new(&lp), 0);
	env = (struct query_env){ .loop = lp,
				  .clock = &clock_ro,
				  .precision_s = 1e-9,
				  .timeout_s = 0.2,
				  .max_samples = 2,
				  .changed = &changed };
	srv = socket(AF_INET, SOCK_DGRAM, 0);
	srv_sa =
		(struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	ck_assert_int_eq(bind(srv, (struct sockaddr *)&srv_sa, sizeof(srv_sa)), 0);
	ck_assert_int_eq(getsockname(srv, (struct sockaddr *)&srv_sa, &len), 0);
}

static void teardown(void)
{
	close(srv);
	loop_free(lp);
}

/* A good reply to q's outstanding request, as struct ntp_pkt. */
static struct ntp_pkt good_reply(const struct query *q)
{
	struct timespec now;
	struct ntp_pkt p = { .leap = 0,
			     .version = 4,
			     .mode = NTP_MODE_SERVER,
			     .stratum = 2,
			     .precision = -20,
			     .root_delay_ntp32 = 0x10,
			     .root_disp_ntp32 = 0x10 };

	clock_gettime(CLOCK_REALTIME, &now);
	p.org_ntp64 = q->cookie;
	p.rec_ntp64 = p.xmt_ntp64 = ntp_time_from_timespec(&now);
	return p;
}

/* Check a reply as if received now from the server socket's address. */
static enum query_reject check(const struct query *q, const struct ntp_pkt *p, size_t len)
{
	uint8_t buf[64] = { 0 };
	struct netio_dgram dg = { .len = len };
	struct ntp_pkt out;
	struct est_sample sample;

	ntp_pkt_encode(p, buf);
	memcpy(&dg.from, &srv_sa, sizeof(srv_sa));
	clock_gettime(CLOCK_REALTIME, &dg.rx);
	return query_check_reply(q, buf, &dg, &out, &sample);
}

static void make_query(struct query *q, bool burst)
{
	query_init(q, &env, 0, (struct sockaddr *)&srv_sa, sizeof(srv_sa), burst, 4);
}

START_TEST(test_query_reply_checks_in_order)
{
	struct query q;
	struct ntp_pkt p;

	make_query(&q, false);
	q.cookie = 0x1122334455667788ull;
	q.waiting = true;
	clock_gettime(CLOCK_REALTIME, &q.t1);
	p = good_reply(&q);
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_NONE);
	ck_assert_int_eq(check(&q, &p, 40), QUERY_REJECT_TRUNCATED);
	p.mode = NTP_MODE_CLIENT;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_MODE);
	p = good_reply(&q);
	p.org_ntp64 ^= 1;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_ORIGIN);
	p = good_reply(&q);
	p.version = 3;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_VERSION);
	p = good_reply(&q);
	p.stratum = 0;
	memcpy(p.refid, "RATE", 4);
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_KOD);
	p = good_reply(&q);
	p.leap = NTP_LEAP_UNSYNC;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_UNSYNC);
	p = good_reply(&q);
	p.stratum = 16;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_STRATUM);
	p = good_reply(&q);
	p.xmt_ntp64 = 0;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_ZERO_TIME);
	p = good_reply(&q);
	p.rec_ntp64 = 0;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_ZERO_TIME);
	p = good_reply(&q);
	p.root_disp_ntp32 = 2u << 16;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_ROOT_DISTANCE);
	p = good_reply(&q);
	p.xmt_ntp64 = p.rec_ntp64 + (10ull << 32); /* server "worked" 10 s: delay < 0 */
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_DELAY);
	p = good_reply(&q);
	q.answered = true;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_DUPLICATE);
	ck_assert_str_eq(query_reject_str(QUERY_REJECT_ORIGIN), "bogus origin");
}
END_TEST

#define NS     INT64_C(1000000000)
#define ERA1_S INT64_C(2085978496) /* 2036-02-07 06:28:16 UTC, NTP era 1 */

/* The server's clock is offset_ns ahead of the client's, whose clock
 * reads client_ns at T1 (both Unix time in ns). */
static const struct {
	const char *what;
	int64_t client_ns, offset_ns;
} era_cases[] = {
	{ "1970 board, server in 2026 (+56 years)", 60 * NS + 123456789,
	  INT64_C(1767225600) * NS + 250 },
	/* a 32.32 difference gave 2^31 s + 1 day - 2^32 s = -2147397248 s */
	{ "1970 board, server on 2038-01-20", 60 * NS + 123456789,
	  (INT64_C(1) << 31) * NS + 86400 * NS },
	/* a 32.32 difference gave 2208988800 - 2^32 = -2085978496 s */
	{ "1970 board, server in 2040 (era 1)", 60 * NS + 123456789,
	  INT64_C(2208988800) * NS + 250 },
	/* the server's clock passes into era 1 between T2 and T3 */
	{ "1970 board, server at the start of era 1", 60 * NS + 123456789,
	  (ERA1_S - 60) * NS - 123456789 - 100000 - 5000 },
	{ "client in era 0, server in era 1", (ERA1_S - 3600) * NS, 7200 * NS + 250 },
	{ "client in era 1, server in era 0", (ERA1_S + 3600) * NS, -7200 * NS - 250 },
	{ "client in 2040 (era 1), server in 2026", INT64_C(2208988800) * NS,
	  (INT64_C(1767225600) - INT64_C(2208988800)) * NS + 250 },
	{ "client in 2026, server in 2040 (era 1)", INT64_C(1767225600) * NS,
	  (INT64_C(2208988800) - INT64_C(1767225600)) * NS + 250 },
	{ "LAN in 2026, 250 ns", INT64_C(1795744666) * NS, 250 },
};

static struct timespec ts_of_ns(int64_t ns)
{
	return (struct timespec){ (time_t)(ns / NS), (long)(ns % NS) };
}

/* One exchange with the four timestamps given (Unix ns), checked. */
static enum query_reject exchange(int64_t t1, int64_t t2, int64_t t3, int64_t t4,
				  struct est_sample *ret)
{
	struct timespec t2_ts = ts_of_ns(t2), t3_ts = ts_of_ns(t3);
	struct query q;
	struct ntp_pkt p, out;
	uint8_t buf[48];
	struct netio_dgram dg = { .len = 48, .rx = ts_of_ns(t4) };

	make_query(&q, false);
	q.cookie = 0x1122334455667788ull;
	q.waiting = true;
	q.t1 = ts_of_ns(t1);
	p = good_reply(&q);
	p.rec_ntp64 = ntp_time_from_timespec(&t2_ts);
	p.xmt_ntp64 = ntp_time_from_timespec(&t3_ts);
	ntp_pkt_encode(&p, buf);
	memcpy(&dg.from, &srv_sa, sizeof(srv_sa));
	return query_check_reply(&q, buf, &dg, &out, ret);
}

START_TEST(test_query_offset_is_right_across_eras)
{
	/* 100 us each way, 10 us in the server: offset exactly offset_ns,
	 * delay 200 us */
	int64_t t1 = era_cases[_i].client_ns, off = era_cases[_i].offset_ns;
	struct est_sample sample;
	/* a double holds the offset to about 2^-52 of itself */
	double tol = 1e-9 + (double)llabs(off) * 1e-9 * 0x1p-51;

	ck_assert_int_eq(exchange(t1, t1 + 100000 + off, t1 + 110000 + off, t1 + 210000, &sample),
			 QUERY_REJECT_NONE);
	ck_assert_msg(fabs(sample.offset_s - (double)off * 1e-9) <= tol,
		      "%s: offset %.9f s, want %.9f s", era_cases[_i].what, sample.offset_s,
		      (double)off * 1e-9);
	ck_assert_msg(fabs(sample.delay_s - 200e-6) <= 1e-9, "%s: delay %.9f s, want 200 us",
		      era_cases[_i].what, sample.delay_s);
}
END_TEST

START_TEST(test_query_root_distance_bound_is_tos_maxdist)
{
	struct query q;
	struct ntp_pkt p;

	make_query(&q, false);
	q.cookie = 42;
	q.waiting = true;
	clock_gettime(CLOCK_REALTIME, &q.t1);
	p = good_reply(&q);
	p.root_disp_ntp32 = 1u << 16; /* 1 s: within MAXDIST (1.5 s) */
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_NONE);
	env.maxdist_s = 0.5; /* tos maxdist 0.5 */
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_ROOT_DISTANCE);
	p.root_disp_ntp32 = 3u << 16; /* 3 s: beyond MAXDIST, within tos maxdist 16 */
	env.maxdist_s = 16;
	ck_assert_int_eq(check(&q, &p, 48), QUERY_REJECT_NONE);
}
END_TEST

START_TEST(test_query_exchange_across_a_backward_step_is_rejected)
{
	/* our clock stepped back 5 s between T1 and T4, and the server's
	 * transmit is 6 s before its receive: the delay comes out +1 s, but
	 * nothing measured across the step is time */
	int64_t t1 = INT64_C(1795744666) * NS;
	struct est_sample sample;

	ck_assert_int_eq(exchange(t1, t1 + 100000, t1 + 100000 - 6 * NS, t1 - 5 * NS, &sample),
			 QUERY_REJECT_DELAY);
	/* the same exchange with T4 after T1 is a sample */
	ck_assert_int_eq(exchange(t1, t1 + 100000, t1 + 110000, t1 + 200000, &sample),
			 QUERY_REJECT_NONE);
	ck_assert(sample.disp_s > 0);
}
END_TEST

START_TEST(test_query_reply_from_another_address_is_rejected)
{
	struct query q;
	struct ntp_pkt p;
	uint8_t buf[48];
	struct netio_dgram dg = { .len = 48 };
	struct sockaddr_in other = srv_sa;
	struct ntp_pkt out;
	struct est_sample sample;

	make_query(&q, false);
	q.cookie = 42;
	q.waiting = true;
	p = good_reply(&q);
	ntp_pkt_encode(&p, buf);
	other.sin_port = htons(ntohs(srv_sa.sin_port) + 1);
	memcpy(&dg.from, &other, sizeof(other));
	ck_assert_int_eq(query_check_reply(&q, buf, &dg, &out, &sample), QUERY_REJECT_SOURCE);
}
END_TEST

/* Receive the request at the server socket; returns its length. */
static ssize_t serve_recv(uint8_t *buf, struct sockaddr_in *from)
{
	socklen_t len = sizeof(*from);

	return recvfrom(srv, buf, 512, 0, (struct sockaddr *)from, &len);
}

START_TEST(test_query_request_is_data_minimised)
{
	struct query q;
	uint8_t buf[512], zero[40] = { 0 };
	struct sockaddr_in from;
	uint64_t xmt = 0;

	make_query(&q, false);
	query_tick(&q, loop_now_ns());
	ck_assert(q.waiting);
	ck_assert_int_eq(serve_recv(buf, &from), 48);
	ck_assert_uint_eq(buf[0], 0x23); /* LI 0, version 4, mode 3 */
	ck_assert_int_eq(memcmp(buf + 1, zero, 39), 0);
	for (int i = 40; i < 48; i++)
		xmt = xmt << 8 | buf[i];
	ck_assert_uint_eq(xmt, q.cookie);
	ck_assert_uint_ne(xmt, 0);
	query_close(&q);
}
END_TEST

/* Answer the outstanding request with p (org filled in) and let the loop
 * run; when late, only once the request has timed out. */
static void serve_reply_at(struct query *q, struct ntp_pkt *p, bool late)
{
	uint8_t buf[512];
	struct sockaddr_in from;

	ck_assert_int_eq(serve_recv(buf, &from), 48);
	if (late) {
		query_tick(q, q->sent_ns + (int64_t)(env.timeout_s * 1e9));
		ck_assert(!q->waiting);
	}
	p->org_ntp64 = q->cookie;
	ntp_pkt_encode(p, buf);
	ck_assert_int_eq(sendto(srv, buf, 48, 0, (struct sockaddr *)&from, sizeof(from)), 48);
	ck_assert_int_ge(loop_run_once(lp, loop_now_ns() + 1000000000), 1);
}

static void serve_reply(struct query *q, struct ntp_pkt *p)
{
	serve_reply_at(q, p, false);
}

START_TEST(test_query_spaces_requests_two_seconds_apart)
{
	struct query q;
	struct ntp_pkt p;

	make_query(&q, false);
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	serve_reply(&q, &p);
	ck_assert_uint_eq(q.n_samples, 1);
	ck_assert(!q.waiting && !q.done);
	ck_assert_int_eq(query_next_ns(&q), q.sent_ns + 2000000000);
	query_close(&q);
}
END_TEST

START_TEST(test_query_burst_goes_again_at_once_and_stops_at_p)
{
	struct query q;
	struct ntp_pkt p;
	int64_t t;

	make_query(&q, true);
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	serve_reply(&q, &p);
	t = loop_now_ns();
	ck_assert_int_le(query_next_ns(&q), t);
	query_tick(&q, t);
	ck_assert_uint_eq(q.n_sent, 2);
	p = good_reply(&q);
	serve_reply(&q, &p);
	ck_assert_uint_eq(q.n_samples, 2);
	ck_assert(q.done); /* -p 2 reached */
	ck_assert_int_eq(query_next_ns(&q), INT64_MAX);
}
END_TEST

START_TEST(test_query_kod_rate_stops_the_address)
{
	struct query q;
	struct ntp_pkt p;

	make_query(&q, true);
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	p.stratum = 0;
	p.leap = NTP_LEAP_UNSYNC;
	memcpy(p.refid, "RATE", 4);
	serve_reply(&q, &p);
	ck_assert(q.done);
	ck_assert_int_eq(q.kiss, NTP_KISS_RATE);
	ck_assert_str_eq(q.kiss_code, "RATE");
	ck_assert_uint_eq(q.n_samples, 0);
}
END_TEST

START_TEST(test_query_useless_answer_ends_the_request_without_a_sample)
{
	struct query q;
	struct ntp_pkt p;

	make_query(&q, false);
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	p.leap = NTP_LEAP_UNSYNC;
	serve_reply(&q, &p);
	ck_assert(!q.waiting);
	ck_assert_uint_eq(q.n_samples, 0);
	ck_assert_int_eq(q.last_reject, QUERY_REJECT_UNSYNC);
	query_close(&q);
}
END_TEST

/* What an unsynchronised server sends (ntpsec before its first sync,
 * chronyd without a source, tsetd without a reference) is named as such,
 * not as a kiss-o'-death; a real kiss is named by its code. */
static const struct {
	unsigned leap, stratum;
	const char refid[5];
	enum query_reject reject;
	const char *why;
} unsync_replies[] = {
	{ NTP_LEAP_UNSYNC, 0, "INIT", QUERY_REJECT_UNSYNC, "server not synchronised (refid INIT)" },
	{ NTP_LEAP_UNSYNC, 0, "", QUERY_REJECT_UNSYNC, "server not synchronised" },
	{ NTP_LEAP_UNSYNC, 0, "LOCL", QUERY_REJECT_UNSYNC, "server not synchronised (refid LOCL)" },
	{ NTP_LEAP_NONE, 0, "STEP", QUERY_REJECT_UNSYNC, "server not synchronised (refid STEP)" },
	{ NTP_LEAP_UNSYNC, 3, "\xc0\x00\x02\x01", QUERY_REJECT_UNSYNC,
	  "server not synchronised (refid 192.0.2.1)" },
	{ NTP_LEAP_UNSYNC, 0, "NTSN", QUERY_REJECT_KOD, "kiss-o'-death NTSN" },
	{ NTP_LEAP_UNSYNC, 0, "ACST", QUERY_REJECT_KOD, "kiss-o'-death ACST" },
};

START_TEST(test_query_unsynchronised_server_is_named_as_such)
{
	struct query q;
	struct ntp_pkt p;
	char why[64];

	make_query(&q, false);
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	p.leap = (uint8_t)unsync_replies[_i].leap;
	p.stratum = (uint8_t)unsync_replies[_i].stratum;
	memcpy(p.refid, unsync_replies[_i].refid, 4);
	serve_reply(&q, &p);
	ck_assert(!q.waiting);
	ck_assert_uint_eq(q.n_samples, 0);
	ck_assert_int_eq(q.kiss, NTP_KISS_NONE); /* none of these stops the address */
	ck_assert_int_eq(q.last_reject, unsync_replies[_i].reject);
	ck_assert_uint_eq(q.reject_hdr.leap, unsync_replies[_i].leap);
	query_reject_describe(&q, why, sizeof(why));
	ck_assert_str_eq(why, unsync_replies[_i].why);
	query_close(&q);
}
END_TEST

START_TEST(test_query_timeout_then_next_request)
{
	struct query q;
	int64_t t0 = loop_now_ns();

	make_query(&q, true);
	query_tick(&q, t0);
	ck_assert_int_eq(query_next_ns(&q), q.sent_ns + 200000000);
	query_tick(&q, q.sent_ns + 200000000); /* timed out: burst sends again */
	ck_assert_uint_eq(q.n_sent, 2);
	ck_assert(q.waiting);
	query_tick(&q, q.sent_ns + 200000000); /* -p 2 used up */
	ck_assert(q.done);
	ck_assert_uint_eq(q.n_samples, 0);
}
END_TEST

START_TEST(test_query_late_reply_is_a_sample_and_its_copy_a_duplicate)
{
	struct query q;
	struct ntp_pkt p;
	uint8_t buf[48];
	struct sockaddr_in to;
	socklen_t len = sizeof(to);
	int64_t next;

	make_query(&q, false);
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	serve_reply_at(&q, &p, true);
	next = query_next_ns(&q);
	ck_assert_uint_eq(q.n_samples, 1);
	ck_assert_uint_eq(q.n_late, 1);
	ck_assert_uint_eq(q.n_rejects, 0);
	/* a second copy of the same reply is a duplicate */
	ntp_pkt_encode(&p, buf);
	ck_assert_int_eq(getsockname(q.fd, (struct sockaddr *)&to, &len), 0);
	ck_assert_int_eq(sendto(srv, buf, 48, 0, (struct sockaddr *)&to, len), 48);
	ck_assert_int_ge(loop_run_once(lp, loop_now_ns() + 1000000000), 1);
	ck_assert_uint_eq(q.n_samples, 1);
	ck_assert_uint_eq(q.n_rejects, 1);
	ck_assert_int_eq(q.last_reject, QUERY_REJECT_DUPLICATE);
	/* the late reply did not move the next request */
	ck_assert_int_eq(query_next_ns(&q), next);
	ck_assert_int_eq(next, q.sent_ns + 2000000000);
	query_close(&q);
}
END_TEST

START_TEST(test_query_late_reply_to_the_last_request_counts)
{
	struct query q;
	struct ntp_pkt p;

	env.max_samples = 1;
	make_query(&q, true);
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	serve_reply_at(&q, &p, true);
	ck_assert(q.done);
	ck_assert_uint_eq(q.n_samples, 1);
	ck_assert_uint_eq(q.n_late, 1);
	query_close(&q);
}
END_TEST

START_TEST(test_query_address_this_host_cannot_reach_is_unreachable)
{
	/* a link-local address without its zone: connect() fails here, and
	 * nothing leaves the host */
	struct sockaddr_in6 ll = { .sin6_family = AF_INET6, .sin6_port = htons(123) };
	struct query q;

	ck_assert_int_eq(inet_pton(AF_INET6, "fe80::1", &ll.sin6_addr), 1);
	query_init(&q, &env, 0, (struct sockaddr *)&ll, sizeof(ll), false, 4);
	query_tick(&q, loop_now_ns());
	ck_assert(q.unreachable);
	ck_assert(q.done);
	ck_assert(query_errno_is_unreachable(q.error));
	ck_assert_int_eq(query_next_ns(&q), INT64_MAX);
}
END_TEST

START_TEST(test_query_only_local_errors_mean_unreachable)
{
	static const int local[] = { ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, EAFNOSUPPORT,
				     EINVAL,	  ENODEV,	EACCES,	       EPERM };
	/* answers of the network, and passing shortages, are not */
	static const int other[] = { ECONNREFUSED, EAGAIN, ENOBUFS, EMFILE, ENOMEM, EINTR, 0 };

	for (unsigned i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		ck_assert_msg(query_errno_is_unreachable(-local[i]), "%s", strerror(local[i]));
	for (unsigned i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		ck_assert_msg(!query_errno_is_unreachable(-other[i]), "%s", strerror(other[i]));
}
END_TEST

/* The server's reply to a keyed request, with a MAC field: key's MAC
 * (key NULL: none), or a crypto-NAK (nak). Sent; the loop runs once. */
static void serve_keyed_reply(struct query *q, struct ntp_pkt *p, const struct keys_key *key,
			      bool nak)
{
	static struct sockaddr_in from;
	uint8_t buf[512];
	int n = 48;

	if (q->n_rejects == 0 || !q->waiting) {		      /* a new request */
		ck_assert_int_eq(serve_recv(buf, &from), 68); /* header + key id + MD5 */
		ck_assert_uint_eq(buf[51], 7);
	}
	p->org_ntp64 = q->cookie;
	ntp_pkt_encode(p, buf);
	if (key)
		n = ntp_auth_sign(key, buf, 48, sizeof(buf));
	if (nak) {
		memset(buf + 48, 0, 4);
		n = 52;
	}
	ck_assert_int_eq(sendto(srv, buf, (size_t)n, 0, (struct sockaddr *)&from, sizeof(from)), n);
	ck_assert_int_ge(loop_run_once(lp, loop_now_ns() + 1000000000), 1);
}

/* A server with a key: its replies count only with a valid MAC of that
 * key; anything else, a kiss-o'-death or a crypto-NAK included, is
 * rejected as auth and leaves the request waiting for the real answer. */
START_TEST(test_query_keyed_server_needs_a_valid_mac)
{
	static const char text[] = "7 MD5 secret\n8 MD5 other\n";
	struct keys ks;
	struct query q;
	struct ntp_pkt p;

	keys_init(&ks);
	ck_assert_int_eq(keys_parse(&ks, text, strlen(text), "k", NULL), 0);
	make_query(&q, true);
	query_set_key(&q, keys_find(&ks, 7));
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	serve_keyed_reply(&q, &p, NULL, false); /* no MAC */
	ck_assert_int_eq(q.last_reject, QUERY_REJECT_AUTH);
	ck_assert(q.waiting && q.n_samples == 0);

	p = good_reply(&q);
	serve_keyed_reply(&q, &p, keys_find(&ks, 8), false); /* another key */
	ck_assert_int_eq(q.last_reject, QUERY_REJECT_AUTH);
	ck_assert_uint_eq(q.n_samples, 0);

	p = good_reply(&q);
	p.stratum = 0;
	memcpy(p.refid, "DENY", 4);
	serve_keyed_reply(&q, &p, NULL, true); /* a crypto-NAK kiss: never trusted */
	ck_assert_int_eq(q.last_reject, QUERY_REJECT_AUTH);
	ck_assert(q.crypto_nak && q.waiting && q.kiss == NTP_KISS_NONE);

	p = good_reply(&q);
	serve_keyed_reply(&q, &p, keys_find(&ks, 7), false);
	ck_assert_uint_eq(q.n_samples, 1);
	query_close(&q);
}
END_TEST

/* An NTS query whose key exchange is done: keys, 8 cookies, NTP to the
 * test's server socket. */
static void make_nts_query(struct query *q, struct nts_ntp_keys *keys)
{
	struct query_nts *n;

	memset(keys->c2s, 0xc2, sizeof(keys->c2s));
	memset(keys->s2c, 0x5c, sizeof(keys->s2c));
	make_query(q, true);
	ck_assert_int_eq(query_set_nts(q, "localhost", NULL, 0), 0);
	n = q->nts;
	n->ke.keys = *keys;
	n->ke.valid_from_s = 0;
	n->ke.valid_until_s = INT64_MAX;
	for (n->n_cookies = 0; n->n_cookies < 8; n->n_cookies++) {
		n->cookies[n->n_cookies].len = 100;
		memset(n->cookies[n->n_cookies].data, 0xc0 + (int)n->n_cookies, 100);
	}
	memcpy(&n->ntp_sa, &srv_sa, sizeof(srv_sa));
	n->ntp_sa_len = sizeof(srv_sa);
	n->ready = true;
}

static void put_ef(uint8_t *buf, size_t *len, unsigned type, const uint8_t *body, size_t n)
{
	size_t l = 4 + ((n + 3) & ~(size_t)3);

	memset(buf + *len, 0, l);
	buf[*len] = (uint8_t)(type >> 8);
	buf[*len + 1] = (uint8_t)type;
	buf[*len + 2] = (uint8_t)(l >> 8);
	buf[*len + 3] = (uint8_t)l;
	memcpy(buf + *len + 4, body, n);
	*len += l;
}

/* Answer the NTS request waiting on the server socket: header p, its
 * unique identifier echoed, one new cookie sealed under s2c (unless
 * plain), then flip bit `flip` of the result (-1: none). */
static void serve_nts_reply(struct query *q, struct ntp_pkt *p, const struct nts_ntp_keys *keys,
			    bool plain, int flip)
{
	static struct sockaddr_in from;
	static uint8_t uid[NTS_UID_LEN];
	uint8_t buf[1024], pt[104], body[4 + NTS_NONCE_LEN + sizeof(pt) + 16], nonce[NTS_NONCE_LEN],
		cookie[100];
	size_t len = 48, pt_len = 0;
	ssize_t n;

	if (q->n_rejects == 0 || !q->waiting) { /* a new request */
		n = serve_recv(buf, &from);
		ck_assert_int_gt(n, 48 + 36 + 104 + 40 - 1);
		ck_assert_uint_eq(buf[48] << 8 | buf[49], NTS_EF_UNIQUE_ID);
		memcpy(uid, buf + 52, NTS_UID_LEN);
	}
	p->org_ntp64 = q->cookie;
	ntp_pkt_encode(p, buf);
	if (!plain) {
		memset(nonce, 0x77, sizeof(nonce));
		memset(pt, 0, sizeof(pt));
		put_ef(buf, &len, NTS_EF_UNIQUE_ID, uid, NTS_UID_LEN);
		memset(body, 0, 4);
		memset(cookie, 'n', sizeof(cookie));
		put_ef(pt, &pt_len, NTS_EF_COOKIE, cookie, sizeof(cookie));
		body[1] = NTS_NONCE_LEN;
		body[3] = (uint8_t)(pt_len + 16);
		memcpy(body + 4, nonce, NTS_NONCE_LEN);
		ck_assert_int_eq(crypto_siv_encrypt(keys->s2c, nonce, NTS_NONCE_LEN, buf, len, pt,
						    pt_len, body + 4 + NTS_NONCE_LEN),
				 0);
		put_ef(buf, &len, NTS_EF_AUTH, body, sizeof(body));
	}
	if (flip >= 0)
		buf[flip / 8] ^= (uint8_t)(1u << (flip % 8));
	ck_assert_int_eq(sendto(srv, buf, len, 0, (struct sockaddr *)&from, sizeof(from)),
			 (ssize_t)len);
	ck_assert_int_ge(loop_run_once(lp, loop_now_ns() + 1000000000), 1);
}

/* An NTS server: a reply counts only with our identifier and an
 * authenticator that opens; its cookie joins those left. Anything else
 * (a plain reply, a bit of the time flipped) is rejected as auth and
 * leaves the request waiting for the real answer. */
START_TEST(test_query_nts_server_needs_its_authenticator)
{
	struct nts_ntp_keys keys;
	struct query q;
	struct ntp_pkt p;
	char why[96];

	make_nts_query(&q, &keys);
	query_tick(&q, loop_now_ns());
	ck_assert_uint_eq(q.nts->n_cookies, 7);
	p = good_reply(&q);
	serve_nts_reply(&q, &p, &keys, true, -1);
	ck_assert_int_eq(q.last_reject, QUERY_REJECT_AUTH);
	ck_assert(q.waiting && q.n_samples == 0);
	query_reject_describe(&q, why, sizeof(why));
	ck_assert_str_eq(why, "nts: no unique identifier of ours");

	p = good_reply(&q);
	serve_nts_reply(&q, &p, &keys, false, 40 * 8 + 7); /* the transmit timestamp */
	ck_assert_int_eq(q.last_reject, QUERY_REJECT_AUTH);
	ck_assert(q.waiting && q.n_samples == 0);
	query_reject_describe(&q, why, sizeof(why));
	ck_assert_str_eq(why, "nts: bad authenticator");

	p = good_reply(&q);
	serve_nts_reply(&q, &p, &keys, false, -1);
	ck_assert_uint_eq(q.n_samples, 1);
	ck_assert_uint_eq(q.nts->n_cookies, 8);
	ck_assert_uint_eq(q.nts->cookies[7].data[0], 'n');
	ck_assert_ptr_null(query_nts_error(&q));
	query_free(&q);
}
END_TEST

/* An authentic answer whose time lies outside the server's certificates'
 * validity makes the server invalid: no sample, not even earlier ones. */
START_TEST(test_query_nts_time_outside_the_certificate_is_refused)
{
	struct nts_ntp_keys keys;
	struct query q;
	struct ntp_pkt p;

	make_nts_query(&q, &keys);
	query_tick(&q, loop_now_ns());
	p = good_reply(&q);
	serve_nts_reply(&q, &p, &keys, false, -1);
	ck_assert_uint_eq(q.n_samples, 1);
	q.nts->ke.valid_until_s = 1577836800; /* 2020-01-01 */
	query_tick(&q, loop_now_ns());	      /* burst: the second request */
	p = good_reply(&q);
	serve_nts_reply(&q, &p, &keys, false, -1);
	ck_assert_uint_eq(q.n_samples, 0);
	ck_assert(q.done);
	ck_assert_ptr_nonnull(query_nts_error(&q));
	ck_assert_ptr_nonnull(strstr(query_nts_error(&q), "outside its certificate's validity"));
	query_free(&q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_query_reply_checks_in_order);
	tcase_add_test(tc, test_query_root_distance_bound_is_tos_maxdist);
	tcase_add_test(tc, test_query_reply_from_another_address_is_rejected);
	tcase_add_test(tc, test_query_exchange_across_a_backward_step_is_rejected);
	tcase_add_loop_test(tc, test_query_offset_is_right_across_eras, 0,
			    sizeof(era_cases) / sizeof(era_cases[0]));
	tcase_add_test(tc, test_query_request_is_data_minimised);
	tcase_add_test(tc, test_query_spaces_requests_two_seconds_apart);
	tcase_add_test(tc, test_query_burst_goes_again_at_once_and_stops_at_p);
	tcase_add_test(tc, test_query_kod_rate_stops_the_address);
	tcase_add_test(tc, test_query_useless_answer_ends_the_request_without_a_sample);
	tcase_add_loop_test(tc, test_query_unsynchronised_server_is_named_as_such, 0,
			    sizeof(unsync_replies) / sizeof(unsync_replies[0]));
	tcase_add_test(tc, test_query_timeout_then_next_request);
	tcase_add_test(tc, test_query_late_reply_is_a_sample_and_its_copy_a_duplicate);
	tcase_add_test(tc, test_query_late_reply_to_the_last_request_counts);
	tcase_add_test(tc, test_query_address_this_host_cannot_reach_is_unreachable);
	tcase_add_test(tc, test_query_only_local_errors_mean_unreachable);
	tcase_add_test(tc, test_query_keyed_server_needs_a_valid_mac);
	tcase_add_test(tc, test_query_nts_server_needs_its_authenticator);
	tcase_add_test(tc, test_query_nts_time_outside_the_certificate_is_refused);
	suite_add_tcase(s, tc);
	return check_run(s);
}
