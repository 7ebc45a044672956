/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: tsetd's request handler (decode, interface rules, restrict,
 * rate limit, reply). The first byte picks the client (and its timing),
 * the rest is the datagram. A reply must never be longer than the request
 * and must decode as mode 4.
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
	size_t n;

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
				 .now_ns = now_ns };
	n = handle_request(&env, &in, &ref, out);
	if (n > size - 1)
		__builtin_trap();
	if (n && (ntp_pkt_decode(out, n, &rep) != NTP_PKT_OK || rep.mode != NTP_MODE_SERVER))
		__builtin_trap();
	return 0;
}
