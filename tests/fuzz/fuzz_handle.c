/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: tsetd's request handler with everything it depends on taken
 * from the input, a fresh state for each input (a finding replays from its
 * file alone). The input is:
 *   - a config file's text, up to a NUL: parsed for tsetd; the handler's
 *     environment (handle_env_init: restrict, interface, discard,
 *     limitprefix) and the references (refclock_set_init: server
 *     127.127.1.u, fudge) are built from it, as tsetd builds them;
 *   - a header (struct fuzz_hdr, read in its order): four kernel clock
 *     states the local reference reads, our precision, the seeds, the
 *     receive time and the monotonic time at the start, how long after the
 *     receive time the transmit time is read, eight sources (four IPv4,
 *     four IPv6, with ports) and four destinations (two of each);
 *   - requests until the input ends, each four bytes (which source,
 *     destination, interface name and kernel state; whether the kernel
 *     stamped it; how much time passed; whether the destination was a
 *     broadcast address and what the kernel's send then does; whether
 *     this harness signs the datagram, and with which key: one of each
 *     MAC type tsetd has (MD5, SHA1, SHA256 cut to 20 bytes, AES128 and
 *     AES256 CMAC), SHA256 whole (32 bytes, as chronyd sends it in
 *     NTPv3), one of tsetd's ids with another secret, one id tsetd does
 *     not have; the datagram's length) and the datagram.
 * Every request is checked against what the config says, worked out here
 * independently: only unicast is answered (no source port 0, no
 * unspecified, multicast, broadcast or IPv4-mapped address); restrict (longest prefix, the later line on a tie) and
 * interface rules (the last that matches) decide who gets nothing; the one
 * counter that names the outcome moves; a reply is one header, never
 * longer than the request, in mode 4, with the request's version, its
 * transmit timestamp as origin, the reference's fields and times within
 * the precision of the receive and transmit times; a kiss-o'-death goes
 * only to a `limited` and `kod` client that is not new (the first request
 * of a client is never limited); nothing counts a reply until its send
 * ended, and then the one counter that names how it ended moves; the
 * counters add up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "handle.h"
#include "ntp_time.h"
#include "refclock.h"

#define FUZZ_SRCS     8
#define FUZZ_DSTS     4
#define FUZZ_STATES   4
#define FUZZ_MAX_REQS 512

/* Everything about the time: the clock_ops context. */
struct fuzz_clock {
	struct clock_status states[FUZZ_STATES];
	bool fails[FUZZ_STATES];
	unsigned state;	      /* the one read_status() gives now */
	struct timespec rx;   /* the current request's receive time */
	int64_t xmt_after_ns; /* now() = rx + this */
};

static int fuzz_now(void *ctx, struct timespec *ret)
{
	const struct fuzz_clock *c = ctx;

	*ret = fuzz_add_ns(c->rx, c->xmt_after_ns);
	return 0;
}

static int fuzz_read_status(void *ctx, struct clock_status *ret)
{
	const struct fuzz_clock *c = ctx;

	if (c->fails[c->state])
		return -EIO;
	*ret = c->states[c->state];
	return 0;
}

static void fuzz_addr(struct fuzz_in *in, int family, bool port, struct sockaddr_storage *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ret;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl((uint32_t)fuzz_take(in, 4));
		s4->sin_port = port ? htons((uint16_t)fuzz_take(in, 2)) : 0;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ret;

		s6->sin6_family = AF_INET6;
		for (unsigned i = 0; i < 16; i++)
			s6->sin6_addr.s6_addr[i] = (uint8_t)fuzz_take(in, 1);
		s6->sin6_port = port ? htons((uint16_t)fuzz_take(in, 2)) : 0;
	}
}

/* ---- the config's decisions, worked out again ---- */

static const uint8_t *fuzz_bytes(const struct sockaddr *sa, unsigned *ret_bits)
{
	if (sa->sa_family == AF_INET) {
		*ret_bits = 32;
		return (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	}
	*ret_bits = 128;
	return ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
}

static bool fuzz_bit(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* sa in addr/prefix, bit by bit; families must be the same. */
static bool fuzz_in_net(const struct sockaddr *sa, const struct config_addr *addr, unsigned prefix)
{
	unsigned bits;
	const uint8_t *a = fuzz_bytes(sa, &bits);
	const uint8_t *net =
		addr->family == AF_INET ? (const uint8_t *)&addr->u.v4 : addr->u.v6.s6_addr;

	if (sa->sa_family != addr->family || prefix > bits)
		return false;
	for (unsigned i = 0; i < prefix; i++)
		if (fuzz_bit(a, i) != fuzz_bit(net, i))
			return false;
	return true;
}

/* restrict: the flags of the longest matching prefix, the later line on
 * a tie; `restrict source` is for pool associations, not clients. */
static unsigned fuzz_restrict(const struct config *cfg, const struct sockaddr *src)
{
	unsigned flags = 0;
	int best = -1;

	for (unsigned i = 0; i < cfg->n_restricts; i++) {
		const struct config_restrict *r = &cfg->restricts[i];

		if (!r->is_source && fuzz_in_net(src, &r->addr, r->prefix) &&
		    (int)r->prefix >= best) {
			best = (int)r->prefix;
			flags = r->flags;
		}
	}
	return flags;
}

/* interface: served unless the last rule that matches says otherwise. */
static bool fuzz_interface_serves(const struct config *cfg, const struct sockaddr *dst,
				  const char *ifname)
{
	bool serve = true;

	for (unsigned i = 0; i < cfg->n_interfaces; i++) {
		const struct config_interface *r = &cfg->interfaces[i];
		bool match = false;

		switch (r->match) {
		case CONFIG_IF_ALL:
			match = true;
			break;
		case CONFIG_IF_IPV4:
			match = dst->sa_family == AF_INET;
			break;
		case CONFIG_IF_IPV6:
			match = dst->sa_family == AF_INET6;
			break;
		case CONFIG_IF_WILDCARD:
			break; /* names the wildcard socket, not a request */
		case CONFIG_IF_NAME:
			match = strcmp(r->ifname, ifname) == 0;
			break;
		case CONFIG_IF_PREFIX:
			match = fuzz_in_net(dst, &r->addr, r->prefix);
			break;
		}
		if (match)
			serve = r->action == CONFIG_IF_LISTEN;
	}
	return serve;
}

/* The rate limiter's client: the network of limitprefix bits (an
 * IPv4-mapped IPv6 address counts as IPv4), as 17 bytes. */
static void fuzz_client_key(const struct config *cfg, const struct sockaddr *src, uint8_t key[17])
{
	unsigned bits, prefix;
	const uint8_t *a = fuzz_bytes(src, &bits);
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (bits == 128 && memcmp(a, mapped, 12) == 0) {
		a += 12;
		bits = 32;
	}
	prefix = bits == 32 ? cfg->limit_prefix4 : cfg->limit_prefix6;
	memset(key, 0, 17);
	key[16] = (uint8_t)bits;
	for (unsigned i = 0; i < prefix && i < bits; i++)
		key[i / 8] |= (uint8_t)(fuzz_bit(a, i) << (7 - i % 8));
}

/* ---- the checks ---- */

/* t (a served timestamp) is the instant want plus the reference's offset,
 * to within the precision (the bits below it are random) and a nanosecond. */
static void fuzz_check_stamp(uint64_t t, const struct timespec *want, int64_t offset_ns,
			     int8_t precision)
{
	struct timespec w = fuzz_add_ns(*want, offset_ns), got;
	int64_t d, tol = precision >= 0 ? FUZZ_NS : (FUZZ_NS >> -precision) + 2;

	ntp_time_to_timespec(t, w.tv_sec, &got); /* the wire is modulo the era */
	d = ntp_time_timespec_diff_ns(&got, &w);
	FUZZ_CHECK(d >= -tol && d <= tol);
}

static void fuzz_check_reply(const struct handle_env *env, const struct ntp_pkt *req,
			     const struct ref_state *ref, const struct fuzz_clock *c,
			     const uint8_t out[NTP_PKT_HEADER_LEN], bool kod)
{
	struct ntp_pkt rep;
	struct timespec xmt;

	FUZZ_CHECK(ntp_pkt_decode(out, NTP_PKT_HEADER_LEN, &rep) == NTP_PKT_OK);
	FUZZ_CHECK(rep.mode == NTP_MODE_SERVER && rep.version == req->version &&
		   rep.org_ntp64 == req->xmt_ntp64);
	if (kod) {
		int poll = env->cfg->discard_average_log2;

		FUZZ_CHECK(ntp_pkt_kiss(&rep) == NTP_KISS_RATE && rep.leap == NTP_LEAP_UNSYNC);
		FUZZ_CHECK(rep.poll == (req->poll > poll ? req->poll : poll));
		return;
	}
	FUZZ_CHECK(rep.stratum == ref->stratum && rep.leap == ref->leap &&
		   memcmp(rep.refid, ref->refid, 4) == 0 &&
		   rep.root_delay_ntp32 == ref->root_delay_ntp32 &&
		   rep.root_disp_ntp32 == ref->root_disp_ntp32 && rep.precision == env->precision &&
		   rep.poll == req->poll);
	FUZZ_CHECK(rep.rec_ntp64 != rep.org_ntp64);
	FUZZ_CHECK((rep.ref_ntp64 == 0) == !ref->usable || rep.rec_ntp64 >> 32 == 0);
	fuzz_check_stamp(rep.rec_ntp64, &c->rx, ref->offset_ns, env->precision);
	xmt = fuzz_add_ns(c->rx, c->xmt_after_ns);
	fuzz_check_stamp(rep.xmt_ntp64, &xmt, ref->offset_ns, env->precision);
}

struct fuzz_world {
	struct keys keys; /* tsetd's keys in every run (fuzz_keys_text), trust from the config */
	struct config cfg;
	struct handle_env env;
	struct refclock_set refs;
	struct fuzz_clock clk;
	struct clock_ops ops;
	struct sockaddr_storage src[FUZZ_SRCS], dst[FUZZ_DSTS];
	uint8_t seen[FUZZ_MAX_REQS][17]; /* clients that sent a request */
	unsigned n_seen;
};

/* Has this client reached the rate limiter before (in this input)? */
static bool fuzz_seen(const struct fuzz_world *w, const struct sockaddr *src)
{
	uint8_t key[17];

	fuzz_client_key(&w->cfg, src, key);
	for (unsigned i = 0; i < w->n_seen; i++)
		if (memcmp(w->seen[i], key, 17) == 0)
			return true;
	return false;
}

static void fuzz_remember(struct fuzz_world *w, const struct sockaddr *src)
{
	if (w->n_seen < FUZZ_MAX_REQS && !fuzz_seen(w, src))
		fuzz_client_key(&w->cfg, src, w->seen[w->n_seen++]);
}

/* What can happen to a request, each with its counter. */
enum fuzz_outcome {
	FUZZ_SERVED,
	FUZZ_KOD,
	FUZZ_BAD_ADDR,
	FUZZ_MALFORMED,
	FUZZ_CONTROL,
	FUZZ_NOT_CLIENT,
	FUZZ_IFACE,
	FUZZ_ACL,
	FUZZ_AUTH,
	FUZZ_RATE,
	FUZZ_SEND_INVALID,
	FUZZ_SEND_REFUSED,
	FUZZ_SEND_FULL,
	FUZZ_SEND_UNREACH,
	FUZZ_SEND_OTHER,
	FUZZ_OUTCOMES,
};

static uint64_t fuzz_counter(const struct handle_counters *n, enum fuzz_outcome o)
{
	const uint64_t c[FUZZ_OUTCOMES] = {
		[FUZZ_SERVED] = n->served,
		[FUZZ_KOD] = n->kod_sent,
		[FUZZ_MALFORMED] = n->malformed,
		[FUZZ_CONTROL] = n->control,
		[FUZZ_NOT_CLIENT] = n->not_client,
		[FUZZ_IFACE] = n->iface_drops,
		[FUZZ_ACL] = n->acl_drops,
		[FUZZ_AUTH] = n->auth_drops,
		[FUZZ_RATE] = n->rate_drops,
		[FUZZ_BAD_ADDR] = n->bad_addr,
		[FUZZ_SEND_INVALID] = n->send_invalid,
		[FUZZ_SEND_REFUSED] = n->send_refused,
		[FUZZ_SEND_FULL] = n->send_full,
		[FUZZ_SEND_UNREACH] = n->send_unreach,
		[FUZZ_SEND_OTHER] = n->send_other,
	};

	return c[o];
}

static uint64_t fuzz_sum(const struct handle_counters *n)
{
	uint64_t sum = 0;

	for (int o = 0; o < FUZZ_OUTCOMES; o++)
		sum += fuzz_counter(n, (enum fuzz_outcome)o);
	return sum;
}

/* One host's address: not 0.0.0.0/8, 224.0.0.0/4, 255.255.255.255, ::,
 * ff00::/8 or ::ffff:0:0/96. */
static bool fuzz_unicast(const struct sockaddr *sa)
{
	unsigned bits;
	const uint8_t *a = fuzz_bytes(sa, &bits);
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (bits == 32)
		return a[0] != 0 && (a[0] & 0xf0) != 0xe0 &&
		       !(a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
	return memcmp(a, zero, 16) != 0 && a[0] != 0xff && memcmp(a, mapped, 12) != 0;
}

static uint16_t fuzz_port(const struct sockaddr *sa)
{
	return ntohs(sa->sa_family == AF_INET
			     ? ((const struct sockaddr_in *)(const void *)sa)->sin_port
			     : ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

/* What the config says must happen, or FUZZ_OUTCOMES when the rate
 * limiter decides (served, a kiss-o'-death or nothing). */
static enum fuzz_outcome fuzz_expect(struct fuzz_world *w, const struct handle_in *in,
				     enum ntp_pkt_status st, const struct ntp_pkt *req,
				     unsigned flags)
{
	const struct keys_key *key;

	if (fuzz_port(in->src) == 0 || !fuzz_unicast(in->src) || !fuzz_unicast(in->dst) ||
	    in->dst_broadcast)
		return FUZZ_BAD_ADDR;
	if (st == NTP_PKT_E_CONTROL)
		return FUZZ_CONTROL;
	if (st != NTP_PKT_OK)
		return FUZZ_MALFORMED;
	if (req->mode != NTP_MODE_CLIENT)
		return FUZZ_NOT_CLIENT;
	if (!fuzz_interface_serves(&w->cfg, in->dst, in->ifname))
		return FUZZ_IFACE;
	if (flags & (CONFIG_RESTRICT_IGNORE | CONFIG_RESTRICT_NOSERVE))
		return FUZZ_ACL;
	if (req->has_mac ? ntp_auth_verify(&w->keys, &w->cfg, in->buf, req, &key) != NTP_AUTH_OK
			 : (flags & CONFIG_RESTRICT_NOTRUST) != 0)
		return FUZZ_AUTH;
	if (!(flags & CONFIG_RESTRICT_LIMITED))
		return FUZZ_SERVED;
	if (!fuzz_seen(w, in->src)) {
		fuzz_remember(w, in->src);
		return FUZZ_SERVED; /* the first request of a client passes */
	}
	return FUZZ_OUTCOMES;
}

/* The outcome counter that moved since before (exactly one, by one). */
static enum fuzz_outcome fuzz_moved(const struct handle_counters *n,
				    const struct handle_counters *before)
{
	enum fuzz_outcome got = FUZZ_OUTCOMES;

	FUZZ_CHECK(fuzz_sum(n) == fuzz_sum(before) + 1);
	for (int o = 0; o < FUZZ_OUTCOMES; o++)
		if (fuzz_counter(n, (enum fuzz_outcome)o) !=
		    fuzz_counter(before, (enum fuzz_outcome)o))
			got = (enum fuzz_outcome)o;
	return got;
}

/* How the kernel's send of a reply ends: 0 (sent) or the errno it gives,
 * each with the counter it must move. */
static const struct {
	int err;
	enum fuzz_outcome counter;
} fuzz_sends[8] = {
	{ 0, FUZZ_OUTCOMES },
	{ 0, FUZZ_OUTCOMES },
	{ 0, FUZZ_OUTCOMES },
	{ EINVAL, FUZZ_SEND_INVALID },
	{ EPERM, FUZZ_SEND_REFUSED },
	{ ENOBUFS, FUZZ_SEND_FULL },
	{ EHOSTUNREACH, FUZZ_SEND_UNREACH },
	{ EIO, FUZZ_SEND_OTHER },
};

/* One request and its send (ending as fuzz_sends[send] says); its outcome
 * against the config. */
static void fuzz_request(struct fuzz_world *w, const struct handle_in *in,
			 const struct ref_state *ref, unsigned send)
{
	struct handle_counters before = w->env.n;
	uint8_t out[HANDLE_OUT_MAX];
	size_t out_len = 0;
	struct ntp_pkt req;
	struct timespec xmt = fuzz_add_ns(w->clk.rx, w->clk.xmt_after_ns);
	enum ntp_pkt_status st = ntp_pkt_decode(in->buf, in->len, &req);
	unsigned flags = fuzz_restrict(&w->cfg, in->src);
	enum fuzz_outcome want = fuzz_expect(w, in, st, &req, flags), got;
	enum handle_verdict v = handle_request(&w->env, in, ref, out, &out_len);

	FUZZ_CHECK(w->env.n.received == before.received + 1 &&
		   w->env.n.no_rx_stamp == before.no_rx_stamp + !in->rx_from_kernel);
	if (v == HANDLE_DROP) {
		got = fuzz_moved(&w->env.n, &before);
		FUZZ_CHECK(got == want || (want == FUZZ_OUTCOMES && got == FUZZ_RATE));
		return;
	}
	/* a reply: nothing counted until its send has ended */
	FUZZ_CHECK(v == HANDLE_TIME || v == HANDLE_KOD);
	FUZZ_CHECK(fuzz_sum(&w->env.n) == fuzz_sum(&before));
	if (want == FUZZ_OUTCOMES) /* the limiter's call, within what the config allows */
		FUZZ_CHECK(v == HANDLE_TIME || (flags & CONFIG_RESTRICT_KOD));
	else
		FUZZ_CHECK(want == FUZZ_SERVED && v == HANDLE_TIME);
	FUZZ_CHECK(NTP_PKT_HEADER_LEN <= in->len);
	/* never longer than the request; an authenticated one is answered
	 * with a MAC of its own key, which verifies */
	FUZZ_CHECK(out_len <= in->len);
	if (v == HANDLE_TIME)
		handle_stamp_transmit(&w->env, ref, &xmt, out, out_len);
	if (v == HANDLE_TIME && req.has_mac) {
		const struct keys_key *kreq = NULL, *krep = NULL;
		struct ntp_pkt rep;

		ntp_auth_verify(&w->keys, &w->cfg, in->buf, &req, &kreq);
		FUZZ_CHECK(kreq && ntp_pkt_decode(out, out_len, &rep) == NTP_PKT_OK);
		FUZZ_CHECK(ntp_auth_verify(&w->keys, &w->cfg, out, &rep, &krep) == NTP_AUTH_OK &&
			   krep == kreq);
	} else {
		FUZZ_CHECK(out_len == NTP_PKT_HEADER_LEN);
	}
	fuzz_check_reply(&w->env, &req, ref, &w->clk, out, v == HANDLE_KOD);
	if (fuzz_sends[send].err == 0) {
		handle_count_sent(&w->env, v);
		got = fuzz_moved(&w->env.n, &before);
		FUZZ_CHECK(got == (v == HANDLE_KOD ? FUZZ_KOD : FUZZ_SERVED));
	} else {
		handle_count_send_error(&w->env, fuzz_sends[send].err);
		FUZZ_CHECK(fuzz_moved(&w->env.n, &before) == fuzz_sends[send].counter);
	}
}

/* The header: kernel states, precision, seeds, times, addresses. */
static void fuzz_header(struct fuzz_world *w, struct fuzz_in *in, int8_t *ret_precision,
			uint64_t *ret_rng, uint64_t *ret_rl, int64_t *ret_mono_ns)
{
	for (unsigned i = 0; i < FUZZ_STATES; i++) {
		unsigned b = (unsigned)fuzz_take(in, 1);

		w->clk.states[i] = (struct clock_status){
			.unsync = b & 1,
			.leap = (enum ntp_leap)((b >> 1) & 3) == NTP_LEAP_UNSYNC
					? NTP_LEAP_NONE
					: (enum ntp_leap)((b >> 1) & 3),
			.maxerror_us = (int64_t)fuzz_take(in, 3) - (b & 16 ? 1 << 23 : 0),
		};
		w->clk.fails[i] = b & 8;
	}
	*ret_precision = (int8_t)(-(int)(fuzz_take(in, 1) % 40));
	*ret_rng = fuzz_take(in, 8);
	*ret_rl = fuzz_take(in, 8);
	/* the receive time: 1970 to 2242; the monotonic clock: up to 136 years */
	w->clk.rx.tv_sec = (time_t)(fuzz_take(in, 5) % (UINT64_C(1) << 33));
	w->clk.rx.tv_nsec = (long)(fuzz_take(in, 4) % FUZZ_NS);
	*ret_mono_ns = (int64_t)fuzz_take(in, 4) * FUZZ_NS;
	w->clk.xmt_after_ns = (int64_t)fuzz_take(in, 2) * 1000;
	for (unsigned i = 0; i < FUZZ_SRCS; i++)
		fuzz_addr(in, i < FUZZ_SRCS / 2 ? AF_INET : AF_INET6, true, &w->src[i]);
	for (unsigned i = 0; i < FUZZ_DSTS; i++)
		fuzz_addr(in, i < FUZZ_DSTS / 2 ? AF_INET : AF_INET6, false, &w->dst[i]);
}

#define FUZZ_SIGNED_MAX (255 + NTP_AUTH_MAX_MAC)

/* The keys tsetd has in every run, one of each type: a request's MAC of
 * one of them (and a trustedkey line in the config) makes an
 * authenticated request. */
static const char fuzz_keys_text[] =
	"1 MD5 fuzz\n"
	"2 SHA1 HEX:000102030405060708090a0b0c0d0e0f10111213\n"
	"3 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
	"4 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n"
	"5 AES256 HEX:603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4\n";

/* What this harness signs with, chosen by the request's bits 5..7: key
 * (signers[i]) and digest length (0: the NTPv4 one). */
static const struct {
	unsigned id;
	size_t digest_len;
	bool wrong; /* a MAC of another secret under this id */
} fuzz_signers[8] = {
	{ 1, 0, false }, { 2, 0, false },  { 3, 0, false }, { 4, 0, false },
	{ 5, 0, false }, { 3, 32, false }, { 4, 0, true },  { 7, 0, true },
};

/* Sign buf[0..len) as signer i says; the new length, or len. */
static size_t fuzz_sign(const struct keys *ks, unsigned i, uint8_t *buf, size_t len, size_t cap)
{
	struct keys_key k = *keys_find(ks, fuzz_signers[i].id == 7 ? 1 : fuzz_signers[i].id);
	int n;

	k.id = fuzz_signers[i].id;
	if (fuzz_signers[i].wrong)
		k.key[0] ^= 1;
	n = fuzz_signers[i].digest_len
		    ? ntp_auth_sign_len(&k, fuzz_signers[i].digest_len, buf, len, cap)
		    : ntp_auth_sign(&k, buf, len, cap);
	FUZZ_CHECK(n > 0 || n == -ENOBUFS);
	return n > 0 ? (size_t)n : len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ifnames[] = { "lo", "eth0", "", "wlan0" };
	static struct fuzz_world w; /* struct config is large */
	const uint8_t *nul = memchr(data, '\0', size);
	struct fuzz_in in = { data, size, nul ? (size_t)(nul - data) + 1 : size };
	int8_t precision;
	uint64_t rng, rl_seed;
	int64_t mono_ns;

	config_init(&w.cfg);
	if (!nul || config_parse(&w.cfg, (const char *)data, (size_t)(nul - data), "fuzz.conf",
				 CONFIG_PROGRAM_TSETD, NULL) < 0)
		return 0; /* tsetd would not start */
	w.n_seen = 0;
	w.clk.state = 0;
	fuzz_header(&w, &in, &precision, &rng, &rl_seed, &mono_ns);
	w.ops = (struct clock_ops){ .ctx = &w.clk,
				    .now = fuzz_now,
				    .read_status = fuzz_read_status };
	/* a config that parses starts a server */
	FUZZ_CHECK(handle_env_init(&w.env, &w.cfg, &w.ops, precision, rng, rl_seed) == 0);
	keys_init(&w.keys);
	FUZZ_CHECK(keys_parse(&w.keys, fuzz_keys_text, strlen(fuzz_keys_text), "fuzz.keys", NULL) ==
		   0);
	w.env.keys = &w.keys;
	(void)refclock_set_init(&w.refs, &w.cfg, &w.ops);
	while (in.off + 4 <= size) {
		unsigned a = (unsigned)fuzz_take(&in, 1), b = (unsigned)fuzz_take(&in, 1);
		unsigned c = (unsigned)fuzz_take(&in, 1);
		size_t len = (size_t)fuzz_take(&in, 1);
		struct ref_state ref;
		struct handle_in req;
		int64_t step_ns = (int64_t)(b >> 2) * (FUZZ_NS / 4);
		static uint8_t signed_buf[FUZZ_SIGNED_MAX];
		const uint8_t *dgram = data + in.off;
		size_t dlen;

		if (len > size - in.off)
			len = size - in.off;
		dlen = len;
		/* the request signed here (a fuzzer cannot forge a digest):
		 * the authenticated path from any bytes, every MAC type */
		if (c & 0x10) {
			memcpy(signed_buf, dgram, len);
			dlen = fuzz_sign(&w.keys, c >> 5, signed_buf, len, sizeof(signed_buf));
			dgram = signed_buf;
		}
		w.clk.state = b & 3;
		w.clk.rx = fuzz_add_ns(w.clk.rx, step_ns);
		mono_ns += step_ns;
		refclock_current(&w.refs, mono_ns, &ref);
		req = (struct handle_in){ .buf = dgram,
					  .len = dlen,
					  .src = (struct sockaddr *)&w.src[a & 7],
					  .dst = (struct sockaddr *)&w.dst[(a >> 3) & 3],
					  .ifname = ifnames[(a >> 5) & 3],
					  .rx = w.clk.rx,
					  .rx_from_kernel = a & 0x80,
					  .dst_broadcast = c & 1,
					  .now_ns = mono_ns };
		in.off += len;
		fuzz_request(&w, &req, &ref, (c >> 1) & 7);
	}
	FUZZ_CHECK(w.env.n.received == fuzz_sum(&w.env.n));
	FUZZ_CHECK(!w.env.rl || ratelimit_count(w.env.rl) <= RATELIMIT_WAYS * RATELIMIT_SETS);
	handle_env_free(&w.env);
	return 0;
}
