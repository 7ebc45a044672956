/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "log.h"
#include "ntp_auth.h"
#include "ntp_time.h"
#include "query.h"

#define QUERY_SPACING_NS INT64_C(2000000000) /* RFC 5905 burst spacing: 2 s per address */
#define QUERY_RX_BUF	 2048

/* The root distance threshold: `tos maxdist`, else MAXDIST (RFC 5905 A.1.1). */
static double query_maxdist_s(const struct query_env *env)
{
	return env->maxdist_s > 0 ? env->maxdist_s : NTP_MAXDIST_S;
}

void query_init(struct query *q, const struct query_env *env, unsigned server,
		const struct sockaddr *sa, socklen_t sa_len, bool burst, unsigned version)
{
	memset(q, 0, sizeof(*q));
	q->env = env;
	q->server = server;
	memcpy(&q->sa, sa, sa_len);
	q->sa_len = sa_len;
	q->burst = burst;
	q->version = version;
	q->fd = -1;
	netio_sockaddr_str(sa, q->addr, sizeof(q->addr));
}

void query_set_key(struct query *q, const struct keys_key *key)
{
	q->key = key;
}

void query_close(struct query *q)
{
	if (q->fd < 0)
		return;
	loop_unwatch(q->env->loop, q->fd);
	close(q->fd);
	q->fd = -1;
}

/* No more requests. The socket stays open (and watched) until the run
 * ends, so that a late duplicate is still seen and named. */
static void query_finish(struct query *q)
{
	q->waiting = false;
	q->done = true;
	*q->env->changed = true;
}

/* A request ended (answered, refused or timed out): plan the next one. */
static void query_after_request(struct query *q, int64_t now_ns)
{
	q->waiting = false;
	*q->env->changed = true;
	if (q->n_sent >= q->env->max_samples) {
		query_finish(q);
		return;
	}
	q->next_ns = q->burst ? now_ns : q->sent_ns + QUERY_SPACING_NS;
	if (q->next_ns < now_ns)
		q->next_ns = now_ns;
}

int64_t query_next_ns(const struct query *q)
{
	if (q->done)
		return INT64_MAX;
	if (q->waiting)
		return q->sent_ns + (int64_t)(q->env->timeout_s * 1e9);
	return q->next_ns;
}

/*
 * Offset, delay and dispersion of a reply (RFC 5905 section 8). T1 and T4
 * are local clock readings, full instants already; T2 and T3 are resolved
 * to instants around the local clock (the pivot floor keeps a clock that
 * started at 1970 right). Differences are int64 nanoseconds, not wrapping
 * 32.32: a clock at 1970 gets the whole +56 years of a server in 2026, or
 * the +70 years of one in 2040, where a 32.32 difference wraps at 2^31 s.
 */
static void query_measure(const struct query *q, const struct ntp_pkt *p, const struct timespec *rx,
			  struct est_sample *ret)
{
	int64_t pivot_s = ntp_time_pivot(rx->tv_sec);
	struct timespec t2, t3;
	int64_t t2_t1, t3_t4, t4_t1, t3_t2;

	ntp_time_to_timespec(p->rec_ntp64, pivot_s, &t2);
	ntp_time_to_timespec(p->xmt_ntp64, pivot_s, &t3);
	t2_t1 = ntp_time_timespec_diff_ns(&t2, &q->t1);
	t3_t4 = ntp_time_timespec_diff_ns(&t3, rx);
	t4_t1 = ntp_time_timespec_diff_ns(rx, &q->t1);
	t3_t2 = ntp_time_timespec_diff_ns(&t3, &t2);

	ret->offset_s = ((double)t2_t1 + (double)t3_t4) / 2 * 1e-9;
	ret->delay_s = ((double)t4_t1 - (double)t3_t2) * 1e-9;
	ret->disp_s = ldexp(1, p->precision) + q->env->precision_s + NTP_PHI * (double)t4_t1 * 1e-9;
	ret->t_ns = loop_now_ns();
}

enum query_reject query_check_reply(const struct query *q, const uint8_t *buf,
				    const struct netio_dgram *dg, struct ntp_pkt *ret,
				    struct est_sample *ret_sample)
{
	enum ntp_pkt_status st;

	st = ntp_pkt_decode(buf, dg->len, ret);
	if (dg->truncated || st == NTP_PKT_E_SHORT)
		return QUERY_REJECT_TRUNCATED;
	if (st != NTP_PKT_OK)
		return QUERY_REJECT_MALFORMED;
	if (!netio_sockaddr_equal((const struct sockaddr *)&dg->from,
				  (const struct sockaddr *)&q->sa))
		return QUERY_REJECT_SOURCE;
	if (ret->mode != NTP_MODE_SERVER)
		return QUERY_REJECT_MODE;
	if (ret->org_ntp64 != q->cookie)
		return QUERY_REJECT_ORIGIN;
	/* before anything in it is believed, a kiss-o'-death included */
	if (q->key && ntp_auth_verify_key(q->key, buf, ret) != NTP_AUTH_OK)
		return QUERY_REJECT_AUTH;
	/* the request's first reply counts even after the timeout: the cookie
	 * proves whose it is, and T4 - T1 measures the slow round trip */
	if (q->answered)
		return QUERY_REJECT_DUPLICATE;
	if (ret->version != q->version)
		return QUERY_REJECT_VERSION;
	if (ntp_pkt_is_kod(ret))
		return QUERY_REJECT_KOD;
	if (ntp_pkt_is_unsynchronized(ret))
		return QUERY_REJECT_UNSYNC;
	if (!ntp_pkt_stratum_is_valid(ret))
		return QUERY_REJECT_STRATUM;
	if (ntp_pkt_xmt_is_zero(ret) || ntp_pkt_rec_is_zero(ret))
		return QUERY_REJECT_ZERO_TIME;
	if (ntp_pkt_root_dist_s(ret) >= query_maxdist_s(q->env))
		return QUERY_REJECT_ROOT_DISTANCE;
	/* T4 before T1: our clock was stepped back meanwhile */
	if (ntp_time_timespec_diff_ns(&dg->rx, &q->t1) < 0)
		return QUERY_REJECT_DELAY;
	query_measure(q, ret, &dg->rx, ret_sample);
	if (ret_sample->delay_s < -(ldexp(1, ret->precision) + q->env->precision_s))
		return QUERY_REJECT_DELAY;
	return QUERY_REJECT_NONE;
}

const char *query_reject_str(enum query_reject r)
{
	static const char *const text[] = {
		[QUERY_REJECT_NONE] = "ok",
		[QUERY_REJECT_MALFORMED] = "malformed reply",
		[QUERY_REJECT_TRUNCATED] = "truncated reply",
		[QUERY_REJECT_SOURCE] = "reply from another address",
		[QUERY_REJECT_MODE] = "reply not in server mode",
		[QUERY_REJECT_VERSION] = "reply of another version",
		[QUERY_REJECT_ORIGIN] = "bogus origin",
		[QUERY_REJECT_AUTH] = "auth",
		[QUERY_REJECT_DUPLICATE] = "duplicate reply",
		[QUERY_REJECT_KOD] = "kiss-o'-death",
		[QUERY_REJECT_UNSYNC] = "server not synchronised",
		[QUERY_REJECT_STRATUM] = "bad stratum",
		[QUERY_REJECT_ZERO_TIME] = "zero timestamp",
		[QUERY_REJECT_ROOT_DISTANCE] = "root distance too large",
		[QUERY_REJECT_DELAY] = "negative delay",
	};

	return (unsigned)r < sizeof(text) / sizeof(text[0]) ? text[r] : "?";
}

void query_reject_describe(const struct query *q, char *buf, size_t len)
{
	char refid[32];

	ntp_pkt_refid_str(&q->reject_hdr, refid, sizeof(refid));
	if (q->last_reject == QUERY_REJECT_AUTH && q->crypto_nak)
		snprintf(buf, len, "auth: crypto-NAK (the server does not accept key %u)",
			 q->key ? q->key->id : 0);
	else if (q->last_reject == QUERY_REJECT_KOD)
		snprintf(buf, len, "kiss-o'-death %s", refid);
	else if (q->last_reject == QUERY_REJECT_UNSYNC && refid[0])
		snprintf(buf, len, "%s (refid %s)", query_reject_str(q->last_reject), refid);
	else
		snprintf(buf, len, "%s", query_reject_str(q->last_reject));
}

static void query_add_sample(struct query *q, const struct est_sample *s)
{
	if (q->n_samples == NTP_NSTAGE) {
		memmove(q->samples, q->samples + 1, sizeof(q->samples[0]) * (NTP_NSTAGE - 1));
		q->n_samples--;
	}
	q->samples[q->n_samples++] = *s;
}

void query_receive(struct query *q, const uint8_t *buf, const struct netio_dgram *dg)
{
	struct ntp_pkt p;
	struct est_sample s;
	char why[64];
	enum query_reject rej = query_check_reply(q, buf, dg, &p, &s);
	bool ours = rej == QUERY_REJECT_NONE || rej >= QUERY_REJECT_VERSION;

	if (ours)
		q->answered = true;
	if (rej == QUERY_REJECT_KOD && ntp_kiss_stops_source(ntp_pkt_kiss(&p))) {
		q->kiss = ntp_pkt_kiss(&p);
		ntp_pkt_refid_ascii(&p, q->kiss_code);
		log_debug("%s: kiss-o'-death %s: no more requests", q->addr, q->kiss_code);
		query_finish(q);
		return;
	}
	if (rej != QUERY_REJECT_NONE) {
		q->last_reject = rej;
		q->crypto_nak = rej == QUERY_REJECT_AUTH &&
				ntp_auth_verify_key(q->key, buf, &p) == NTP_AUTH_CRYPTO_NAK;
		if (ours)
			q->reject_hdr = p;
		else
			memset(&q->reject_hdr, 0, sizeof(q->reject_hdr));
		q->n_rejects++;
		query_reject_describe(q, why, sizeof(why));
		log_debug("%s: rejected: %s", q->addr, why);
		*q->env->changed = true;
	} else {
		if (s.delay_s < q->env->precision_s)
			s.delay_s = q->env->precision_s;
		log_debug("%s: stratum %u offset %+.6f delay %.6f%s%s", q->addr, p.stratum,
			  s.offset_s, s.delay_s, dg->rx_from_kernel ? "" : " (no kernel timestamp)",
			  q->waiting ? "" : " (late: after the timeout)");
		query_add_sample(q, &s);
		q->n_late += !q->waiting;
		q->hdr = p;
		*q->env->changed = true;
	}
	/* an authentic answer, even a useless one, ends the request */
	if (ours && q->waiting)
		query_after_request(q, loop_now_ns());
}

static void query_on_readable(void *userdata, int fd, short revents)
{
	struct query *q = userdata;
	uint8_t buf[QUERY_RX_BUF];
	struct netio_dgram dg;

	while (q->fd == fd) {
		int r = netio_recv(fd, buf, sizeof(buf), &dg);

		if (r == -EAGAIN)
			break;
		if (r < 0) {
			/* an ICMP error (refused, unreachable) answers the request */
			log_debug("%s: %s", q->addr, strerror(-r));
			q->error = r;
			if (q->waiting)
				query_after_request(q, loop_now_ns());
			break;
		}
		query_receive(q, buf, &dg);
	}
}

static uint64_t query_cookie(void)
{
	uint64_t c = 0;

	while (c == 0) {
		if (getrandom(&c, sizeof(c), 0) != sizeof(c)) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			c ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec;
		}
	}
	return c;
}

bool query_errno_is_unreachable(int err)
{
	switch (-err) {
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EADDRNOTAVAIL:
	case EAFNOSUPPORT:
	case EINVAL:
	case ENODEV:
	case EACCES:
	case EPERM:
		return true;
	}
	return false;
}

bool query_has_replied(const struct query *q)
{
	return q->n_samples || q->n_rejects || q->kiss;
}

/*
 * A request could not leave this host (err from socket, connect or send).
 * An address that never replied and that this host cannot reach at all
 * is unreachable: no more requests. Other errors end the query when the
 * socket could not be made (gave_up), else only this request.
 */
static void query_send_failed(struct query *q, int err, bool gave_up, int64_t now_ns)
{
	q->error = err;
	log_debug("%s: cannot send: %s", q->addr, strerror(-err));
	if (query_errno_is_unreachable(err) && !query_has_replied(q)) {
		q->unreachable = true;
		query_finish(q);
	} else if (gave_up) {
		query_finish(q);
	} else {
		query_after_request(q, now_ns);
	}
}

/* Data-minimised client request: zero but LI/VN/mode and the cookie. */
static void query_send(struct query *q, int64_t now_ns)
{
	struct ntp_pkt p = { .version = (uint8_t)q->version, .mode = NTP_MODE_CLIENT };
	uint8_t buf[NTP_PKT_HEADER_LEN + NTP_AUTH_MAX_MAC];
	size_t len = NTP_PKT_HEADER_LEN;
	int fd, r;

	query_close(q);
	fd = netio_udp_connect((const struct sockaddr *)&q->sa, q->sa_len);
	if (fd < 0 || (r = loop_watch(q->env->loop, fd, POLLIN, query_on_readable, q)) < 0) {
		if (fd >= 0)
			close(fd);
		query_send_failed(q, fd < 0 ? fd : r, true, now_ns);
		return;
	}
	q->fd = fd;
	q->cookie = p.xmt_ntp64 = query_cookie();
	ntp_pkt_encode(&p, buf);
	if (q->key) {
		r = ntp_auth_sign(q->key, buf, len, sizeof(buf));
		if (r < 0) {
			query_send_failed(q, r, true, now_ns);
			return;
		}
		len = (size_t)r;
	}
	q->env->clock->now(q->env->clock->ctx, &q->t1);
	q->sent_ns = now_ns;
	q->n_sent++;
	q->waiting = true;
	q->answered = false;
	if (send(fd, buf, len, 0) < 0) {
		query_send_failed(q, -errno, false, now_ns);
		return;
	}
	log_debug("%s: request %u of %u", q->addr, q->n_sent, q->env->max_samples);
}

void query_tick(struct query *q, int64_t now_ns)
{
	if (q->done)
		return;
	if (q->waiting && now_ns >= query_next_ns(q)) {
		log_debug("%s: no reply within %g s", q->addr, q->env->timeout_s);
		query_after_request(q, now_ns);
	}
	if (!q->done && !q->waiting && now_ns >= q->next_ns)
		query_send(q, now_ns);
}
