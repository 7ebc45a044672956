/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: tsetd's request handler (decode, interface rules, restrict,
 * rate limit, reply). The first byte picks the client (its address, its
 * port, 0 or not, its timing) and whether the request went to a broadcast
 * address; the rest is the datagram. A reply must never be longer than the
 * request, never go to port 0 or answer a broadcast, and must decode as
 * mode 4.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_now(void *ctx, struct timespec *ret)
{
	*ret = (struct timespec){ 1795744666, 123456789 };
	return 0;
}

static const char fuzz_conf[] = "restrict default limited kod\n"
				"restrict 127.0.0.9 ignore\n"
				"restrict 127.0.0.0 mask 255.255.255.240 noserve\n"
				"interface ignore 127.0.0.77\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static struct handle_env env;
	static struct clock_ops clock = { .now = fuzz_now };
	static int64_t now_ns;
	struct ref_state ref = { .usable = true, .stratum = 10, .offset_ns = 500000000 };
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	uint8_t out[NTP_PKT_HEADER_LEN];
	struct ntp_pkt rep;
	struct handle_in in;
	enum handle_verdict v;

	if (!env.cfg) {
		config_init(&cfg);
		if (config_parse(&cfg, fuzz_conf, strlen(fuzz_conf), "fuzz", CONFIG_PROGRAM_TSETD,
				 NULL) < 0 ||
		    ratelimit_new(&env.rl, 3, 2, 1) < 0)
			abort();
		env = (struct handle_env){
			.cfg = &cfg, .clock = &clock, .precision = -20, .rng = 1, .rl = env.rl
		};
	}
	if (size < 1)
		return 0;
	src.sin_addr.s_addr = htonl(0x7f000000 | data[0]);
	dst.sin_addr.s_addr = htonl(0x7f000000 | (data[0] ^ 0x40));
	now_ns += (int64_t)(data[0] & 0x0f) * 100000000;
	in = (struct handle_in){ .buf = data + 1,
				 .len = size - 1,
				 .src = (struct sockaddr *)&src,
				 .dst = (struct sockaddr *)&dst,
				 .ifname = "lo",
				 .rx = { 1795744666, 0 },
				 .rx_from_kernel = data[0] & 1,
				 .dst_broadcast = (data[0] & 0xc0) == 0xc0,
				 .now_ns = now_ns };
	src.sin_port = (data[0] & 0xf0) == 0x30 ? 0 : htons(123);
	v = handle_request(&env, &in, &ref, out);
	if (v == HANDLE_DROP)
		return 0;
	if (v == HANDLE_TIME)
		handle_stamp_transmit(&env, &ref, &in.rx, out);
	handle_count_sent(&env, v);
	/* every reply is one header: never longer than its request */
	if (NTP_PKT_HEADER_LEN > size - 1 || in.dst_broadcast || src.sin_port == 0)
		__builtin_trap();
	if (ntp_pkt_decode(out, NTP_PKT_HEADER_LEN, &rep) != NTP_PKT_OK ||
	    rep.mode != NTP_MODE_SERVER)
		__builtin_trap();
	return 0;
}
