/* SPDX-License-Identifier: BSD-2-Clause */
/* handle: what tsetd answers, and what it does not. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "handle.h"
#include "ntp_time.h"

#define NOW_S 1795744666 /* 2026-11-27 */
#define S_NS  INT64_C(1000000000)

/* length of the latest reply handle_request() built */
static size_t out_len;

static struct timespec fake_now = { NOW_S, 250000000 };

static int fake_clock(void *ctx, struct timespec *ret)
{
	*ret = fake_now;
	return 0;
}

static struct clock_ops clock_ro = { .now = fake_clock };
static struct config cfg;
static struct handle_env env;
static struct ref_state ref;
static struct sockaddr_in src, dst;

static void setup_with(const char *text)
{
	struct config_error err;

	config_init(&cfg);
	ck_assert(config_parse(&cfg, text, strlen(text), "t", CONFIG_PROGRAM_TSETD, &err) == 0);
	env = (struct handle_env){ .cfg = &cfg, .clock = &clock_ro, .precision = -20, .rng = 99 };
	ref = (struct ref_state){ .usable = true,
				  .leap = NTP_LEAP_NONE,
				  .stratum = 10,
				  .refid = { 127, 127, 1, 1 },
				  .root_disp_ntp32 = 0x28f };
	src = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_port = htons(40000),
				    .sin_addr.s_addr = htonl(0x7f000002) };
	dst = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000003) };
}

static void setup(void)
{
	setup_with("");
}

/* A request: mode, version, transmit cookie; len bytes long. */
static void request(uint8_t *buf, size_t len, unsigned mode, unsigned version, uint64_t xmt)
{
	struct ntp_pkt p = {
		.version = (uint8_t)version, .mode = (uint8_t)mode, .poll = 6, .xmt_ntp64 = xmt
	};

	memset(buf, 0, len);
	ntp_pkt_encode(&p, buf);
}

/* A datagram from src to dst, received (kernel timestamp) at rx. */
static struct handle_in datagram(const uint8_t *buf, size_t len, struct timespec rx)
{
	return (struct handle_in){ .buf = buf,
				   .len = len,
				   .src = (struct sockaddr *)&src,
				   .dst = (struct sockaddr *)&dst,
				   .ifname = "",
				   .rx = rx,
				   .rx_from_kernel = true };
}

static size_t serve(const uint8_t *buf, size_t len, int64_t now_ns, struct ntp_pkt *ret)
{
	uint8_t out[HANDLE_OUT_MAX];
	struct handle_in in = datagram(buf, len, (struct timespec){ NOW_S, 200000000 });
	enum handle_verdict v;

	in.ifname = "lo";
	in.now_ns = now_ns;
	v = handle_request(&env, &in, &ref, out, &out_len);

	if (v == HANDLE_DROP)
		return 0;
	if (v == HANDLE_TIME)
		handle_stamp_transmit(&env, &ref, &fake_now, out, out_len);
	handle_count_sent(&env, v);
	ck_assert_int_eq(ntp_pkt_decode(out, NTP_PKT_HEADER_LEN, ret), NTP_PKT_OK);
	return NTP_PKT_HEADER_LEN;
}

START_TEST(test_handle_reply_fields)
{
	uint8_t buf[48];
	struct ntp_pkt r;
	struct timespec rec, xmt;

	request(buf, 48, NTP_MODE_CLIENT, 3, 0x1122334455667788ull);
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 48);
	ck_assert_uint_eq(r.mode, NTP_MODE_SERVER);
	ck_assert_uint_eq(r.version, 3); /* copied */
	ck_assert_int_eq(r.poll, 6);	 /* copied */
	ck_assert_uint_eq(r.stratum, 10);
	ck_assert_uint_eq(r.leap, NTP_LEAP_NONE);
	ck_assert_int_eq(r.precision, -20);
	ck_assert_mem_eq(r.refid, "\x7f\x7f\x01\x01", 4);
	ck_assert_uint_eq(r.root_disp_ntp32, 0x28f);
	ck_assert_uint_eq(r.org_ntp64, 0x1122334455667788ull); /* the nonce, as is */
	ntp_time_to_timespec(r.rec_ntp64, NOW_S, &rec);
	ntp_time_to_timespec(r.xmt_ntp64, NOW_S, &xmt);
	/* within the precision (2^-20 s) of the receive and transmit times */
	ck_assert_int_eq(rec.tv_sec, NOW_S);
	ck_assert_int_lt(labs(rec.tv_nsec - 200000000), 1000);
	ck_assert_int_lt(labs(xmt.tv_nsec - 250000000), 1000);
	ck_assert_uint_eq(env.n.served, 1);
}
END_TEST

START_TEST(test_handle_low_bits_are_random_and_receive_is_not_origin)
{
	uint8_t buf[48];
	struct ntp_pkt a, b;
	uint64_t rx = ntp_time_from_timespec(&(struct timespec){ NOW_S, 200000000 });

	request(buf, 48, NTP_MODE_CLIENT, 4, 1);
	serve(buf, 48, 0, &a);
	serve(buf, 48, 0, &b);
	/* same time, different bits below 2^-20 s (the low 12 of the fraction) */
	ck_assert_uint_eq(a.rec_ntp64 >> 12, b.rec_ntp64 >> 12);
	ck_assert_uint_ne(a.rec_ntp64, b.rec_ntp64);
	/* a request whose cookie equals the receive time still gets rec != org */
	for (int i = 0; i < 64; i++) {
		request(buf, 48, NTP_MODE_CLIENT, 4, (rx & ~0xfffull) | (uint64_t)i);
		serve(buf, 48, 0, &a);
		ck_assert_uint_ne(a.rec_ntp64, a.org_ntp64);
	}
}
END_TEST

START_TEST(test_handle_time1_shifts_served_time)
{
	uint8_t buf[48];
	struct ntp_pkt r;

	ref.offset_ns = 3600 * INT64_C(1000000000);
	request(buf, 48, NTP_MODE_CLIENT, 4, 1);
	serve(buf, 48, 0, &r);
	ck_assert_int_eq((int64_t)(r.xmt_ntp64 >> 32) -
				 (int64_t)(ntp_time_from_timespec(&fake_now) >> 32),
			 3600);
}
END_TEST

/* The largest time1 (1e9 s) on a clock late in its range (the kernel's
 * clock goes to 2262): the served times are still the clock plus time1. */
START_TEST(test_handle_time1_shifts_any_clock_reading)
{
	static const int64_t clock_s[] = { 0, NOW_S, INT64_C(8500000000) };
	static const int64_t offset_s[] = { -1000000000, 1000000000 };
	uint8_t buf[48], out[HANDLE_OUT_MAX];
	struct ntp_pkt r;

	for (unsigned i = 0; i < 3; i++) {
		for (unsigned k = 0; k < 2; k++) {
			struct timespec want = { (time_t)(clock_s[i] + offset_s[k]), 500000000 },
					rec;
			struct handle_in in = { .buf = buf,
						.len = 48,
						.src = (struct sockaddr *)&src,
						.dst = (struct sockaddr *)&dst,
						.ifname = "lo",
						.rx = { (time_t)clock_s[i], 500000000 },
						.rx_from_kernel = true };

			ref.offset_ns = offset_s[k] * S_NS;
			request(buf, 48, NTP_MODE_CLIENT, 4, 1);
			ck_assert_int_eq(handle_request(&env, &in, &ref, out, &out_len),
					 HANDLE_TIME);
			handle_stamp_transmit(&env, &ref, &in.rx, out, out_len);
			ck_assert_int_eq(ntp_pkt_decode(out, 48, &r), NTP_PKT_OK);
			for (unsigned t = 0; t < 2; t++) {
				ntp_time_to_timespec(t ? r.xmt_ntp64 : r.rec_ntp64, want.tv_sec,
						     &rec);
				ck_assert_msg(rec.tv_sec == want.tv_sec &&
						      labs(rec.tv_nsec - want.tv_nsec) < 1000,
					      "clock %lld s, time1 %lld s: served %s %lld.%09ld",
					      (long long)clock_s[i], (long long)offset_s[k],
					      t ? "transmit" : "receive", (long long)rec.tv_sec,
					      rec.tv_nsec);
			}
		}
	}
}
END_TEST

START_TEST(test_handle_only_mode_3_is_answered)
{
	uint8_t buf[48];
	struct ntp_pkt r;

	for (unsigned mode = 0; mode < 8; mode++) {
		request(buf, 48, mode, 4, 1);
		ck_assert_uint_eq(serve(buf, 48, 0, &r), mode == NTP_MODE_CLIENT ? 48 : 0);
	}
	ck_assert_uint_eq(env.n.control, 2);
	ck_assert_uint_eq(env.n.not_client, 5);
	for (unsigned v = 0; v < 8; v++) {
		request(buf, 48, NTP_MODE_CLIENT, v, 1);
		ck_assert_uint_eq(serve(buf, 48, 0, &r), (v >= 1 && v <= 4) ? 48 : 0);
	}
	ck_assert_uint_eq(env.n.malformed, 4);
}
END_TEST

START_TEST(test_handle_reply_never_longer_than_request)
{
	uint8_t buf[1100];
	struct ntp_pkt r;

	for (size_t len = 0; len <= sizeof(buf); len++) {
		size_t n;

		request(buf, sizeof(buf), NTP_MODE_CLIENT, 4, 7);
		if (len > 48)
			buf[50] = (uint8_t)((len - 48) >> 8), buf[51] = (uint8_t)(len - 48);
		n = serve(buf, len, 0, &r);
		ck_assert_uint_le(n, len);
	}
	ck_assert_uint_gt(env.n.served, 0);
	ck_assert_uint_gt(env.n.malformed, 0);
}
END_TEST

START_TEST(test_handle_restrict_and_interface_rules)
{
	uint8_t buf[48];
	struct ntp_pkt r;

	setup_with("restrict default ignore\nrestrict 127.0.0.1\n");
	request(buf, 48, NTP_MODE_CLIENT, 4, 1);
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 0); /* from 127.0.0.2 */
	src.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 48);
	ck_assert_uint_eq(env.n.acl_drops, 1);
	setup_with("restrict 127.0.0.2 noserve\n");
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 0);
	setup_with("interface ignore all\ninterface listen 127.0.0.4\n");
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 0); /* sent to 127.0.0.3 */
	ck_assert_uint_eq(env.n.iface_drops, 1);
}
END_TEST

START_TEST(test_handle_limited_kod_echoes_the_cookie_then_silence)
{
	uint8_t buf[48];
	struct ntp_pkt r;

	setup_with("restrict default limited kod\n");
	ck_assert_int_eq(ratelimit_new(&env.rl, 3, 2, 5), 0);
	request(buf, 48, NTP_MODE_CLIENT, 4, 0xabcdef);
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 48);
	ck_assert_uint_eq(r.stratum, 10);
	ck_assert_uint_eq(serve(buf, 48, 50000000, &r), 48);
	ck_assert_uint_eq(r.stratum, 0);
	ck_assert_uint_eq(r.leap, NTP_LEAP_UNSYNC);
	ck_assert_mem_eq(r.refid, "RATE", 4);
	ck_assert_uint_eq(r.org_ntp64, 0xabcdef);
	ck_assert_uint_eq(serve(buf, 48, 100000000, &r), 0);
	ck_assert_uint_eq(env.n.kod_sent, 1);
	ck_assert_uint_eq(env.n.rate_drops, 1);
	ratelimit_free(env.rl);
	/* limited without kod: silence */
	setup_with("restrict default limited\n");
	ck_assert_int_eq(ratelimit_new(&env.rl, 3, 2, 5), 0);
	serve(buf, 48, 0, &r);
	ck_assert_uint_eq(serve(buf, 48, 50000000, &r), 0);
	ratelimit_free(env.rl);
}
END_TEST

/* The RATE KoD's poll: at least `discard average` (log2 s), as ntpd sends
 * it, so that a client that honours it backs off; a longer client poll is
 * kept. */
START_TEST(test_handle_kod_poll_is_at_least_the_allowed_interval)
{
	static const struct {
		const char *discard;
		int8_t client_poll, kod_poll;
	} v[] = {
		{ "", 0, 3 },	/* the default average: 8 s */
		{ "", -6, 3 },	/* nonsense from a client */
		{ "", 6, 6 },	/* a longer client poll is kept */
		{ "", 17, 17 }, /* as it came */
		{ "discard average 10\n", 6, 10 },
		{ "discard average 10 minimum 3\n", 10, 10 },
		{ "discard average 0\n", 4, 4 },
	};
	char text[128];
	uint8_t buf[48];
	struct ntp_pkt r;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(text, sizeof(text), "restrict default limited kod\n%s", v[i].discard);
		setup_with(text);
		ck_assert_int_eq(
			ratelimit_new(&env.rl, cfg.discard_average_log2, cfg.discard_minimum_s, 5),
			0);
		request(buf, 48, NTP_MODE_CLIENT, 4, 0x1234);
		buf[2] = (uint8_t)v[i].client_poll;
		ck_assert_uint_eq(serve(buf, 48, 0, &r), 48);
		ck_assert_uint_eq(r.stratum, 10);
		ck_assert_int_eq(r.poll, v[i].client_poll); /* an answer echoes it */
		ck_assert_uint_eq(serve(buf, 48, S_NS / 20, &r), 48);
		ck_assert_mem_eq(r.refid, "RATE", 4);
		ck_assert_msg(r.poll == v[i].kod_poll, "case %zu: kod poll %d, expected %d", i,
			      r.poll, v[i].kod_poll);
		ratelimit_free(env.rl);
		env.rl = NULL;
	}
}
END_TEST

/* handle_env_init() builds the rate limiter that the config asks for. */
START_TEST(test_handle_env_limits_as_the_config_says)
{
	uint8_t buf[48];
	struct ntp_pkt r;

	setup_with("restrict default kod\n");
	ck_assert_int_eq(handle_env_init(&env, &cfg, &clock_ro, -20, 99, 5), 0);
	ck_assert_ptr_null(env.rl); /* no line says limited */
	ck_assert_int_eq(env.precision, -20);
	/* limitprefix ipv4 24: 127.0.0.2 and 127.0.0.9 are one client */
	setup_with("restrict default limited kod\nlimitprefix ipv4 24\n");
	ck_assert_int_eq(handle_env_init(&env, &cfg, &clock_ro, -20, 99, 5), 0);
	ck_assert_ptr_nonnull(env.rl);
	request(buf, 48, NTP_MODE_CLIENT, 4, 1);
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 48);
	ck_assert_uint_eq(r.stratum, 10);
	src.sin_addr.s_addr = htonl(0x7f000009);
	ck_assert_uint_eq(serve(buf, 48, S_NS / 20, &r), 48);
	ck_assert_mem_eq(r.refid, "RATE", 4);
	handle_env_free(&env);
	ck_assert_ptr_null(env.rl);
	/* by default a client is one address */
	setup_with("restrict default limited kod\n");
	ck_assert_int_eq(handle_env_init(&env, &cfg, &clock_ro, -20, 99, 5), 0);
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 48);
	src.sin_addr.s_addr = htonl(0x7f000009);
	ck_assert_uint_eq(serve(buf, 48, S_NS / 20, &r), 48);
	ck_assert_uint_eq(r.stratum, 10);
	handle_env_free(&env);
}
END_TEST

START_TEST(test_handle_no_reference_says_unsynchronised)
{
	uint8_t buf[48];
	struct ntp_pkt r;

	ref = (struct ref_state){ .usable = false, .leap = NTP_LEAP_UNSYNC, .stratum = 0 };
	request(buf, 48, NTP_MODE_CLIENT, 4, 1);
	ck_assert_uint_eq(serve(buf, 48, 0, &r), 48);
	ck_assert_uint_eq(r.leap, NTP_LEAP_UNSYNC);
	ck_assert_uint_eq(r.stratum, 0);
	ck_assert_uint_eq(r.ref_ntp64, 0);
}
END_TEST

/* One request from from (a sockaddr of family AF_INET or AF_INET6) to to;
 * the verdict, counted as sent when it is a reply. */
static enum handle_verdict ask(const void *from, const void *to, bool broadcast)
{
	uint8_t buf[48], out[HANDLE_OUT_MAX];
	struct handle_in in = datagram(buf, sizeof(buf), (struct timespec){ NOW_S, 0 });
	enum handle_verdict v;

	in.src = from;
	in.dst = to;
	in.dst_broadcast = broadcast;
	request(buf, sizeof(buf), NTP_MODE_CLIENT, 4, 1);
	v = handle_request(&env, &in, &ref, out, &out_len);
	if (v != HANDLE_DROP)
		handle_count_sent(&env, v);
	return v;
}

static struct sockaddr_in v4(uint32_t addr, uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_port = htons(port),
				     .sin_addr.s_addr = htonl(addr) };
}

static struct sockaddr_in6 v6(const char *text, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	ck_assert_int_eq(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
	return sa;
}

START_TEST(test_handle_answers_only_between_unicast_addresses)
{
	static const uint32_t bad4[] = { 0x00000000, 0x00000001, 0xe0000001, 0xefffffff,
					 0xffffffff };
	static const char *const bad6[] = { "::", "ff02::1", "ff05::101", "::ffff:192.0.2.1" };
	struct sockaddr_in c4 = v4(0x7f000002, 40000), s4 = v4(0x7f000003, 0), a4, zero4;
	struct sockaddr_in6 c6 = v6("fe80::2", 40000), s6 = v6("2001:db8::1", 0), a6, zero6;
	uint64_t drops = 0;

	ck_assert_int_eq(ask(&c4, &s4, false), HANDLE_TIME);
	ck_assert_int_eq(ask(&c6, &s6, false), HANDLE_TIME);
	/* RFC 768: source port 0, no reply expected */
	zero4 = v4(0x7f000002, 0);
	zero6 = v6("fe80::2", 0);
	ck_assert_int_eq(ask(&zero4, &s4, false), HANDLE_DROP);
	ck_assert_int_eq(ask(&zero6, &s6, false), HANDLE_DROP);
	drops += 2;
	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		a4 = v4(bad4[i], 40000);
		ck_assert_int_eq(ask(&a4, &s4, false), HANDLE_DROP); /* from it */
		a4.sin_port = 0;
		ck_assert_int_eq(ask(&c4, &a4, false), HANDLE_DROP); /* sent to it */
		drops += 2;
	}
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		a6 = v6(bad6[i], 40000);
		ck_assert_int_eq(ask(&a6, &s6, false), HANDLE_DROP);
		a6.sin6_port = 0;
		ck_assert_int_eq(ask(&c6, &a6, false), HANDLE_DROP);
		drops += 2;
	}
	/* a subnet broadcast, which only the kernel can tell */
	ck_assert_int_eq(ask(&c4, &s4, true), HANDLE_DROP);
	drops++;
	ck_assert_uint_eq(env.n.bad_addr, drops);
	ck_assert_uint_eq(env.n.served, 2);
	ck_assert_uint_eq(env.n.received, env.n.served + env.n.bad_addr);
}
END_TEST

START_TEST(test_handle_counts_a_reply_once_it_is_sent)
{
	static const struct {
		int err;
		size_t field;
	} reasons[] = {
		{ EINVAL, offsetof(struct handle_counters, send_invalid) },
		{ EPERM, offsetof(struct handle_counters, send_refused) },
		{ EACCES, offsetof(struct handle_counters, send_refused) },
		{ EAGAIN, offsetof(struct handle_counters, send_full) },
		{ ENOBUFS, offsetof(struct handle_counters, send_full) },
		{ ENETUNREACH, offsetof(struct handle_counters, send_unreach) },
		{ EHOSTUNREACH, offsetof(struct handle_counters, send_unreach) },
		{ ECONNREFUSED, offsetof(struct handle_counters, send_other) },
		{ EMSGSIZE, offsetof(struct handle_counters, send_other) },
	};
	uint8_t buf[48], out[HANDLE_OUT_MAX];
	struct handle_in in = datagram(buf, sizeof(buf), (struct timespec){ NOW_S, 0 });
	uint64_t errors = 0;

	request(buf, sizeof(buf), NTP_MODE_CLIENT, 4, 1);
	ck_assert_int_eq(handle_request(&env, &in, &ref, out, &out_len), HANDLE_TIME);
	ck_assert_uint_eq(env.n.received, 1);
	ck_assert_uint_eq(env.n.served, 0); /* not sent yet */
	handle_count_sent(&env, HANDLE_TIME);
	ck_assert_uint_eq(env.n.served, 1);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		const uint64_t *counter =
			(const uint64_t *)((const char *)&env.n + reasons[i].field);
		uint64_t before = *counter;

		ck_assert_int_eq(handle_request(&env, &in, &ref, out, &out_len), HANDLE_TIME);
		handle_count_send_error(&env, reasons[i].err);
		ck_assert_uint_eq(*counter, before + 1);
		errors++;
	}
	ck_assert_uint_eq(env.n.served, 1);
	ck_assert_uint_eq(env.n.send_invalid + env.n.send_refused + env.n.send_full +
				  env.n.send_unreach + env.n.send_other,
			  errors);
	ck_assert_uint_eq(env.n.received, env.n.served + errors);
}
END_TEST

static int clock_reads;

static int counting_clock(void *ctx, struct timespec *ret)
{
	clock_reads++;
	*ret = fake_now;
	return 0;
}

START_TEST(test_handle_transmit_time_is_read_at_the_send)
{
	struct clock_ops counting = { .now = counting_clock };
	uint8_t buf[48], out[HANDLE_OUT_MAX];
	struct handle_in in = datagram(buf, sizeof(buf), (struct timespec){ NOW_S, 200000000 });
	struct timespec later = { NOW_S, 900000000 }, xmt;
	struct ntp_pkt r;

	env.clock = &counting;
	clock_reads = 0;
	request(buf, sizeof(buf), NTP_MODE_CLIENT, 4, 1);
	ck_assert_int_eq(handle_request(&env, &in, &ref, out, &out_len), HANDLE_TIME);
	ck_assert_int_eq(clock_reads, 0); /* building a reply reads no clock */
	ck_assert_int_eq(ntp_pkt_decode(out, out_len, &r), NTP_PKT_OK);
	ck_assert_uint_eq(r.xmt_ntp64, 0); /* not stamped: a client would reject it */
	handle_stamp_transmit(&env, &ref, &later, out, out_len);
	ck_assert_int_eq(ntp_pkt_decode(out, out_len, &r), NTP_PKT_OK);
	ntp_time_to_timespec(r.xmt_ntp64, NOW_S, &xmt);
	ck_assert_int_eq(xmt.tv_sec, NOW_S);
	ck_assert_int_lt(labs(xmt.tv_nsec - 900000000), 1000); /* within 2^-20 s */
	/* the rest of the reply is as it was */
	ck_assert_uint_eq(r.org_ntp64, 1);
	ck_assert_uint_eq(r.mode, NTP_MODE_SERVER);
}
END_TEST

/* An authenticated request gets a MAC of its own key, of its own digest
 * length: the NTPv4 one of each type, and SHA256 whole in NTPv3 (as
 * chronyd sends it); the reply is as long as the request and verifies. */
static const struct {
	unsigned id, version;
	size_t digest_len;
} signed_requests[] = {
	{ 1, 4, 16 }, { 2, 4, 20 }, { 3, 4, 20 }, { 3, 3, 32 }, { 4, 4, 16 }, { 5, 3, 16 },
};

START_TEST(test_handle_authenticated_reply_has_the_requests_mac_length)
{
	static const char keys_text[] =
		"1 MD5 one\n2 SHA1 two\n3 SHA256 three\n"
		"4 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n"
		"5 AES256 HEX:603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\n";
	uint8_t buf[NTP_PKT_HEADER_LEN + NTP_AUTH_MAX_MAC], out[HANDLE_OUT_MAX];
	struct handle_in in = datagram(buf, 0, (struct timespec){ NOW_S, 200000000 });
	const struct keys_key *k, *got;
	struct ntp_pkt r;
	struct keys ks;
	int n;

	setup_with("trustedkey 1 2 3 4 5\n");
	keys_init(&ks);
	ck_assert_int_eq(keys_parse(&ks, keys_text, strlen(keys_text), "k", NULL), 0);
	env.keys = &ks;
	k = keys_find(&ks, signed_requests[_i].id);
	request(buf, sizeof(buf), NTP_MODE_CLIENT, signed_requests[_i].version, 7);
	n = ntp_auth_sign_len(k, signed_requests[_i].digest_len, buf, NTP_PKT_HEADER_LEN,
			      sizeof(buf));
	ck_assert_int_gt(n, 0);
	in.len = (size_t)n;
	ck_assert_int_eq(handle_request(&env, &in, &ref, out, &out_len), HANDLE_TIME);
	handle_stamp_transmit(&env, &ref, &fake_now, out, out_len);
	ck_assert_uint_eq(out_len, (size_t)n);
	ck_assert_int_eq(ntp_pkt_decode(out, out_len, &r), NTP_PKT_OK);
	ck_assert_uint_eq(r.mac_len, signed_requests[_i].digest_len);
	ck_assert_int_eq(ntp_auth_verify(&ks, &cfg, out, &r, &got), NTP_AUTH_OK);
	ck_assert_ptr_eq(got, k);
	/* the same request under the wrong secret gets nothing */
	buf[NTP_PKT_HEADER_LEN + NTP_AUTH_KEYID_LEN] ^= 1;
	ck_assert_int_eq(handle_request(&env, &in, &ref, out, &out_len), HANDLE_DROP);
	ck_assert_uint_eq(env.n.auth_drops, 1);
	keys_wipe(&ks);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("handle");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_handle_reply_fields);
	tcase_add_test(tc, test_handle_low_bits_are_random_and_receive_is_not_origin);
	tcase_add_test(tc, test_handle_time1_shifts_served_time);
	tcase_add_test(tc, test_handle_time1_shifts_any_clock_reading);
	tcase_add_test(tc, test_handle_only_mode_3_is_answered);
	tcase_add_test(tc, test_handle_reply_never_longer_than_request);
	tcase_add_test(tc, test_handle_restrict_and_interface_rules);
	tcase_add_test(tc, test_handle_limited_kod_echoes_the_cookie_then_silence);
	tcase_add_test(tc, test_handle_kod_poll_is_at_least_the_allowed_interval);
	tcase_add_test(tc, test_handle_no_reference_says_unsynchronised);
	tcase_add_test(tc, test_handle_env_limits_as_the_config_says);
	tcase_add_test(tc, test_handle_answers_only_between_unicast_addresses);
	tcase_add_test(tc, test_handle_counts_a_reply_once_it_is_sent);
	tcase_add_test(tc, test_handle_transmit_time_is_read_at_the_send);
	tcase_add_loop_test(tc, test_handle_authenticated_reply_has_the_requests_mac_length, 0,
			    sizeof(signed_requests) / sizeof(signed_requests[0]));
	suite_add_tcase(s, tc);
	return check_run(s);
}
