/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "acl.h"
#include "handle.h"
#include "ifrule.h"
#include "ntp_auth.h"
#include "ntp_time.h"

#define NS_PER_S       INT64_C(1000000000)
#define HANDLE_NO_PORT 0  /* RFC 768: a source port of 0: no reply expected */
#define HANDLE_XMT_OFF 40 /* RFC 5905 section 7.3, figure 8: transmit timestamp */

static uint64_t handle_random(struct handle_env *env)
{
	uint64_t x = env->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	env->rng = x;
	return x;
}

/* Does a restrict line call for rate limiting? */
static bool handle_limits(const struct config *cfg)
{
	for (unsigned i = 0; i < cfg->n_restricts; i++)
		if (cfg->restricts[i].flags & CONFIG_RESTRICT_LIMITED)
			return true;
	return false;
}

int handle_env_init(struct handle_env *ret, const struct config *cfg, const struct clock_ops *clock,
		    int8_t precision, uint64_t rng_seed, uint64_t rl_seed)
{
	struct ratelimit *rl = NULL;
	int r;

	if (handle_limits(cfg)) {
		r = ratelimit_new(&rl, cfg->discard_average_log2, cfg->discard_minimum_s, rl_seed);
		if (r == 0)
			r = ratelimit_set_prefixes(rl, cfg->limit_prefix4, cfg->limit_prefix6);
		if (r < 0) {
			ratelimit_free(rl);
			return r;
		}
	}
	*ret = (struct handle_env){
		.cfg = cfg,
		.clock = clock,
		.rl = rl,
		.precision = precision,
		.rng = rng_seed | 1,
	};
	return 0;
}

void handle_env_free(struct handle_env *env)
{
	ratelimit_free(env->rl);
	env->rl = NULL;
}

/* A served timestamp: t plus the reference's offset, the bits below the
 * precision random (they carry no information, and guessing them is no
 * help to an off-path attacker). */
static uint64_t handle_stamp(struct handle_env *env, const struct timespec *t, int64_t offset_ns)
{
	/* seconds and nanoseconds apart: one int64 of nanoseconds would
	 * overflow for a clock late in its range plus a large time1 */
	struct timespec s = { t->tv_sec + (time_t)(offset_ns / NS_PER_S),
			      t->tv_nsec + (long)(offset_ns % NS_PER_S) };
	int below = 32 + env->precision; /* fraction bits below the precision */
	uint64_t ntp, mask;

	if (s.tv_nsec < 0) {
		s.tv_nsec += NS_PER_S;
		s.tv_sec--;
	} else if (s.tv_nsec >= NS_PER_S) {
		s.tv_nsec -= NS_PER_S;
		s.tv_sec++;
	}
	ntp = ntp_time_from_timespec(&s);
	if (below <= 0)
		return ntp;
	mask = below >= 32 ? 0xffffffffu : (UINT64_C(1) << below) - 1;
	return (ntp & ~mask) | (handle_random(env) & mask);
}

/* A RATE kiss-o'-death: nothing in it is time (RFC 5905 section 7.4). Its
 * poll is at least the interval the client is allowed (`discard average`,
 * log2 s), as ntpd sends it, so that a client that reads it backs off. */
static void handle_kod(const struct handle_env *env, const struct ntp_pkt *req, struct ntp_pkt *ret)
{
	int poll = req->poll > env->cfg->discard_average_log2 ? req->poll
							      : env->cfg->discard_average_log2;

	*ret = (struct ntp_pkt){
		.leap = NTP_LEAP_UNSYNC,
		.version = req->version,
		.mode = NTP_MODE_SERVER,
		.stratum = NTP_STRATUM_KOD,
		.poll = (int8_t)poll,
		.refid = { 'R', 'A', 'T', 'E' },
		.org_ntp64 = req->xmt_ntp64,
		.rec_ntp64 = req->xmt_ntp64,
		.xmt_ntp64 = req->xmt_ntp64,
	};
}

static void handle_reply(struct handle_env *env, const struct handle_in *in,
			 const struct ntp_pkt *req, const struct ref_state *ref,
			 struct ntp_pkt *ret)
{
	*ret = (struct ntp_pkt){
		.leap = ref->leap,
		.version = req->version,
		.mode = NTP_MODE_SERVER,
		.stratum = ref->stratum,
		.poll = req->poll,
		/* the worse of the clock's and the reference's, if it has one */
		.precision = ref->precision != REFCLOCK_PRECISION_CLOCK &&
					     ref->precision > env->precision
				     ? ref->precision
				     : env->precision,
		.root_delay_ntp32 = ref->root_delay_ntp32,
		.root_disp_ntp32 = ref->root_disp_ntp32,
		.org_ntp64 = req->xmt_ntp64,
	};
	memcpy(ret->refid, ref->refid, 4);
	ret->rec_ntp64 = handle_stamp(env, &in->rx, ref->offset_ns);
	if (ret->rec_ntp64 == ret->org_ntp64) /* a client must tell them apart */
		ret->rec_ntp64 ^= 1;
	/* the transmit timestamp comes last, just before the send */
	ret->ref_ntp64 = ret->rec_ntp64 & ~UINT64_C(0xffffffff); /* the reference is read now */
	if (!ref->usable)
		ret->ref_ntp64 = 0;
}

/* Is sa the address of one host? Not unspecified, 0.0.0.0/8 ("this
 * network"), multicast, limited broadcast or IPv4-mapped. */
static bool handle_is_unicast(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		in_addr_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);

		return (a & IN_CLASSA_NET) != 0 && !IN_MULTICAST(a) && a != INADDR_BROADCAST;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a) &&
		       !IN6_IS_ADDR_V4MAPPED(a);
	}
	return false;
}

static unsigned handle_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return HANDLE_NO_PORT;
}

/* Count a request that gets nothing. */
static bool handle_drop(uint64_t *counter)
{
	(*counter)++;
	return false;
}

/*
 * A request with a MAC is answered only when it is right and its key is
 * trusted (then with a MAC of the same key, *ret_key); a wrong one gets
 * nothing, not a crypto-NAK, which would tell a prober which key ids
 * exist. Without a MAC a client is served unless its restrict line says
 * notrust (ntpd: serve it only what is authenticated).
 */
static bool handle_auth_admits(const struct handle_env *env, const struct handle_in *in,
			       const struct ntp_pkt *req, unsigned flags,
			       const struct keys_key **ret_key)
{
	*ret_key = NULL;
	if (!req->has_mac)
		return !(flags & CONFIG_RESTRICT_NOTRUST);
	return env->keys &&
	       ntp_auth_verify(env->keys, env->cfg, in->buf, req, ret_key) == NTP_AUTH_OK;
}

/* May the request be answered? Counts those that may not. */
static bool handle_admit(struct handle_env *env, const struct handle_in *in,
			 const struct ntp_pkt *req, enum ntp_pkt_status st, bool *ret_kod,
			 const struct keys_key **ret_key)
{
	unsigned flags;

	if (handle_port(in->src) == HANDLE_NO_PORT || !handle_is_unicast(in->src) ||
	    !handle_is_unicast(in->dst) || in->dst_broadcast)
		return handle_drop(&env->n.bad_addr);
	if (st == NTP_PKT_E_CONTROL)
		return handle_drop(&env->n.control);
	if (st != NTP_PKT_OK)
		return handle_drop(&env->n.malformed);
	if (req->mode != NTP_MODE_CLIENT)
		return handle_drop(&env->n.not_client);
	if (!ifrule_serves(env->cfg, in->dst, in->ifname))
		return handle_drop(&env->n.iface_drops);
	flags = acl_flags(env->cfg, in->src);
	if (!acl_serves(flags))
		return handle_drop(&env->n.acl_drops);
	if (!handle_auth_admits(env, in, req, flags, ret_key))
		return handle_drop(&env->n.auth_drops);
	*ret_kod = false;
	if ((flags & CONFIG_RESTRICT_LIMITED) && env->rl) {
		enum ratelimit_verdict v = ratelimit_check(env->rl, in->src, in->now_ns);

		if (v == RATELIMIT_DROP || (v == RATELIMIT_KOD && !(flags & CONFIG_RESTRICT_KOD)))
			return handle_drop(&env->n.rate_drops);
		*ret_kod = v == RATELIMIT_KOD;
	}
	return true;
}

enum handle_verdict handle_request(struct handle_env *env, const struct handle_in *in,
				   const struct ref_state *ref, uint8_t out[HANDLE_OUT_MAX],
				   size_t *ret_len)
{
	const struct keys_key *key = NULL;
	struct ntp_pkt req, rep;
	enum ntp_pkt_status st;
	bool kod = false;

	env->n.received++;
	if (!in->rx_from_kernel)
		env->n.no_rx_stamp++;
	st = ntp_pkt_decode(in->buf, in->len, &req);
	if (!handle_admit(env, in, &req, st, &kod, &key))
		return HANDLE_DROP;
	if (kod)
		handle_kod(env, &req, &rep);
	else
		handle_reply(env, in, &req, ref, &rep);
	/* the decoder guarantees len >= 48: never longer than the request;
	 * a MAC field follows for the request's key, which the request
	 * carried at the same length (handle_stamp_transmit fills it) */
	ntp_pkt_encode(&rep, out);
	*ret_len = NTP_PKT_HEADER_LEN;
	if (key && !kod) {
		memset(out + NTP_PKT_HEADER_LEN, 0, NTP_AUTH_MAX_MAC);
		out[NTP_PKT_HEADER_LEN] = (uint8_t)(key->id >> 24);
		out[NTP_PKT_HEADER_LEN + 1] = (uint8_t)(key->id >> 16);
		out[NTP_PKT_HEADER_LEN + 2] = (uint8_t)(key->id >> 8);
		out[NTP_PKT_HEADER_LEN + 3] = (uint8_t)key->id;
		*ret_len += NTP_AUTH_KEYID_LEN + req.mac_len;
	}
	return kod ? HANDLE_KOD : HANDLE_TIME;
}

void handle_stamp_transmit(struct handle_env *env, const struct ref_state *ref,
			   const struct timespec *now, uint8_t out[HANDLE_OUT_MAX], size_t len)
{
	uint64_t xmt = handle_stamp(env, now, ref->offset_ns);
	const struct keys_key *key;
	unsigned id;

	for (int i = 0; i < 8; i++)
		out[HANDLE_XMT_OFF + i] = (uint8_t)(xmt >> (56 - 8 * i));
	if (len <= NTP_PKT_HEADER_LEN)
		return;
	/* the MAC covers the transmit time: made last, for the key whose
	 * id handle_request() wrote (it was found there, it still is), as
	 * long as the request's */
	id = (unsigned)out[48] << 24 | (unsigned)out[49] << 16 | (unsigned)out[50] << 8 | out[51];
	key = keys_find(env->keys, id);
	if (key)
		ntp_auth_sign_len(key, len - NTP_PKT_HEADER_LEN - NTP_AUTH_KEYID_LEN, out,
				  NTP_PKT_HEADER_LEN, HANDLE_OUT_MAX);
}

void handle_count_sent(struct handle_env *env, enum handle_verdict v)
{
	if (v == HANDLE_KOD)
		env->n.kod_sent++;
	else if (v == HANDLE_TIME)
		env->n.served++;
}

void handle_count_send_error(struct handle_env *env, int err)
{
	switch (err) {
	case EINVAL:
		env->n.send_invalid++;
		break;
	case EPERM:
	case EACCES:
		env->n.send_refused++;
		break;
	case EAGAIN:
	case ENOBUFS:
		env->n.send_full++;
		break;
	case ENETUNREACH:
	case EHOSTUNREACH:
		env->n.send_unreach++;
		break;
	default:
		env->n.send_other++;
	}
}
