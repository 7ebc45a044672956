/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "log.h"
#include "ntp_auth.h"
#include "ntp_time.h"
#include "query.h"

#define QUERY_SPACING_NS INT64_C(2000000000) /* RFC 5905 burst spacing: 2 s per address */
#define QUERY_RX_BUF	 2048
#define QUERY_TX_BUF	 NTS_NTP_MAX_REQUEST /* the longest request: NTS */

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

int query_set_nts(struct query *q, const char *host, const char *ca_file, uint16_t ntp_port)
{
	struct query_nts *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->ke.fd = -1;
	snprintf(n->host, sizeof(n->host), "%s", host);
	snprintf(n->ca_file, sizeof(n->ca_file), "%s", ca_file ? ca_file : "");
	n->ntp_port = ntp_port;
	q->nts = n;
	return 0;
}

void query_close(struct query *q)
{
	if (q->fd < 0)
		return;
	loop_unwatch(q->env->loop, q->fd);
	close(q->fd);
	q->fd = -1;
}

void query_free(struct query *q)
{
	query_close(q);
	if (q->nts)
		ntske_close(&q->nts->ke);
	free(q->nts);
	q->nts = NULL;
}

const char *query_nts_error(const struct query *q)
{
	return q->nts && q->nts->failed ? q->nts->error : NULL;
}

/* Where NTP requests go: the server the key exchange named, or the query's address. */
static const struct sockaddr *query_peer(const struct query *q, socklen_t *ret_len)
{
	if (q->nts) {
		*ret_len = q->nts->ntp_sa_len;
		return (const struct sockaddr *)&q->nts->ntp_sa;
	}
	*ret_len = q->sa_len;
	return (const struct sockaddr *)&q->sa;
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
	if (q->nts && !q->nts->ready)
		return q->nts->ke.state == NTSKE_IDLE ? 0 : INT64_MAX; /* its fds wake the loop */
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
	socklen_t peer_len;

	st = ntp_pkt_decode(buf, dg->len, ret);
	if (dg->truncated || st == NTP_PKT_E_SHORT)
		return QUERY_REJECT_TRUNCATED;
	if (st != NTP_PKT_OK)
		return QUERY_REJECT_MALFORMED;
	if (!netio_sockaddr_equal((const struct sockaddr *)&dg->from, query_peer(q, &peer_len)))
		return QUERY_REJECT_SOURCE;
	if (ret->mode != NTP_MODE_SERVER)
		return QUERY_REJECT_MODE;
	if (ret->org_ntp64 != q->cookie)
		return QUERY_REJECT_ORIGIN;
	/* before anything in it is believed, a kiss-o'-death included */
	if (q->key && ntp_auth_verify_key(q->key, buf, ret) != NTP_AUTH_OK)
		return QUERY_REJECT_AUTH;
	if (q->nts) {
		struct query_nts *n = q->nts;

		n->verdict = nts_ntp_check_reply(buf, dg->len, &n->ke.keys, n->uid,
						 ntp_pkt_kiss(ret) == NTP_KISS_NTSN, n->rx,
						 NTS_KE_MAX_COOKIES, &n->n_rx);
		if (n->verdict != NTS_NTP_OK)
			return QUERY_REJECT_AUTH;
	}
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
	if (q->last_reject == QUERY_REJECT_AUTH && q->nts)
		snprintf(buf, len, "nts: %s", nts_ntp_verdict_str(q->nts->verdict));
	else if (q->last_reject == QUERY_REJECT_AUTH && q->crypto_nak)
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

/* The cookies of an authentic reply join those left. */
static void query_nts_take_cookies(struct query_nts *n)
{
	for (unsigned i = 0; i < n->n_rx && n->n_cookies < NTS_KE_MAX_COOKIES; i++)
		n->cookies[n->n_cookies++] = n->rx[i];
	n->n_rx = 0;
}

/* An NTS failure: no more requests, no time from this address. A key
 * exchange that this host could not even send is unreachable, as a
 * request would be. */
static void query_nts_fail(struct query *q, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void query_nts_fail(struct query *q, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->nts->error, sizeof(q->nts->error), fmt, ap);
	va_end(ap);
	q->nts->failed = true;
	q->n_samples = 0;
	log_debug("%s: nts: %s", q->addr, q->nts->error);
	if (err && query_errno_is_unreachable(err) && !query_has_replied(q)) {
		q->error = err;
		q->unreachable = true;
	}
	query_finish(q);
}

/*
 * The certificates were verified without their dates when this host's
 * clock is not known to be right (see run_init); so every answer must
 * put the time inside the window in which all of them are valid, else
 * an attacker with the key of an expired certificate could set the clock
 * back into its life. With the dates verified this holds already, but
 * the check costs nothing and the rule stays one.
 */
static bool query_nts_time_in_window(struct query *q, const struct netio_dgram *dg,
				     const struct est_sample *s)
{
	const struct ntske *k = &q->nts->ke;
	int64_t t_s = (int64_t)dg->rx.tv_sec + (int64_t)floor(s->offset_s);

	if (t_s >= k->valid_from_s && t_s <= k->valid_until_s)
		return true;
	query_nts_fail(q, 0,
		       "the server's time (%lld) is outside its certificate's validity "
		       "(%lld to %lld, unix time)",
		       (long long)t_s, (long long)k->valid_from_s, (long long)k->valid_until_s);
	return false;
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
	if (ours && q->nts)
		query_nts_take_cookies(q->nts);
	if (rej == QUERY_REJECT_NONE && q->nts && !query_nts_time_in_window(q, dg, &s))
		return;
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

static int query_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Append the NTS fields to the request buf[0..len): a cookie of those
 * left (-ENOENT: none), a new unique identifier, and as many placeholders
 * as the requests still to come need cookies beyond those left.
 */
static int query_nts_seal(struct query *q, uint8_t *buf, size_t len, size_t cap)
{
	struct query_nts *n = q->nts;
	uint8_t nonce[NTS_NONCE_LEN];
	unsigned after = q->env->max_samples - q->n_sent - 1, want = 0;
	int r;

	if (n->n_cookies == 0)
		return -ENOENT;
	r = query_random(n->uid, sizeof(n->uid));
	if (r == 0)
		r = query_random(nonce, sizeof(nonce));
	if (r < 0)
		return r;
	n->n_cookies--;
	if (after > n->n_cookies)
		want = after - n->n_cookies;
	if (want > NTS_KE_MAX_COOKIES - 1)
		want = NTS_KE_MAX_COOKIES - 1;
	return nts_ntp_request(buf, len, cap, &n->ke.keys, &n->cookies[n->n_cookies], want, n->uid,
			       nonce);
}

/* Data-minimised client request: zero but LI/VN/mode and the cookie. */
static void query_send(struct query *q, int64_t now_ns)
{
	struct ntp_pkt p = { .version = (uint8_t)q->version, .mode = NTP_MODE_CLIENT };
	uint8_t buf[QUERY_TX_BUF];
	size_t len = NTP_PKT_HEADER_LEN;
	socklen_t peer_len;
	const struct sockaddr *peer = query_peer(q, &peer_len);
	int fd, r;

	query_close(q);
	fd = netio_udp_connect(peer, peer_len);
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
	if (q->nts) {
		r = query_nts_seal(q, buf, len, sizeof(buf));
		if (r == -ENOENT) {
			/* the server gave no new cookies: what came in stays */
			log_debug("%s: nts: no cookie left, no more requests", q->addr);
			query_finish(q);
			return;
		}
		if (r < 0) {
			query_nts_fail(q, 0, "%s", strerror(-r));
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

/* The NTP server the key exchange named resolved. */
static void query_nts_resolved(void *userdata, const struct resolve_result *res)
{
	struct query *q = userdata;
	struct query_nts *n = q->nts;
	unsigned pick = 0;

	n->resolving = false;
	if (res->n == 0) {
		query_nts_fail(q, 0, "ntp server '%s' from the key exchange: %s", n->ke.resp.server,
			       res->error);
		return;
	}
	/* the family the key exchange went over, when it has one */
	for (unsigned i = res->n; i-- > 0;)
		if (res->addrs[i].ss_family == q->sa.ss_family)
			pick = i;
	memcpy(&n->ntp_sa, &res->addrs[pick], res->addr_lens[pick]);
	n->ntp_sa_len = res->addr_lens[pick];
	n->ready = true;
	*q->env->changed = true;
}

/* The key exchange is done: the cookies, and where NTP goes (RFC 8915
 * sections 4.1.7, 4.1.8: the server and port it names, else the same
 * address and port 123). */
static void query_nts_keyed(struct query *q)
{
	struct query_nts *n = q->nts;
	const struct nts_ke_response *ke = &n->ke.resp;
	uint16_t port = ke->port ? ke->port : n->ntp_port ? n->ntp_port : NTS_KE_DEFAULT_NTP_PORT;
	int r;

	memcpy(n->cookies, ke->cookies, sizeof(n->cookies));
	n->n_cookies = ke->n_cookies;
	if (!ke->server[0] || strcasecmp(ke->server, n->host) == 0) {
		memcpy(&n->ntp_sa, &q->sa, q->sa_len);
		n->ntp_sa_len = q->sa_len;
		if (n->ntp_sa.ss_family == AF_INET)
			((struct sockaddr_in *)&n->ntp_sa)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&n->ntp_sa)->sin6_port = htons(port);
		n->ready = true;
		return;
	}
	r = resolve_numeric(ke->server, port, AF_UNSPEC, &n->ntp_sa, &n->ntp_sa_len);
	if (r == 0) {
		n->ready = true;
		return;
	}
	r = resolve_start(q->env->res, ke->server, port, 1, query_nts_resolved, q);
	if (r < 0) {
		query_nts_fail(q, 0, "ntp server '%s' from the key exchange: %s", ke->server,
			       strerror(-r));
		return;
	}
	n->resolving = true;
}

/* Is the NTS query ready to send; else start or follow its key exchange. */
static bool query_nts_ready(struct query *q)
{
	struct query_nts *n = q->nts;

	if (n->ready || n->failed || n->resolving)
		return n->ready;
	if (n->ke.state == NTSKE_IDLE)
		ntske_start(&n->ke, q->env->loop, q->env->changed, q->env->trust,
			    (const struct sockaddr *)&q->sa, q->sa_len, n->host,
			    n->ca_file[0] ? n->ca_file : NULL);
	if (n->ke.state == NTSKE_FAILED)
		query_nts_fail(q, n->ke.err, "%s", n->ke.error);
	else if (n->ke.state == NTSKE_DONE)
		query_nts_keyed(q);
	return n->ready;
}

void query_tick(struct query *q, int64_t now_ns)
{
	if (q->done)
		return;
	if (q->nts && !query_nts_ready(q))
		return;
	if (q->waiting && now_ns >= query_next_ns(q)) {
		log_debug("%s: no reply within %g s", q->addr, q->env->timeout_s);
		query_after_request(q, now_ns);
	}
	if (!q->done && !q->waiting && now_ns >= q->next_ns)
		query_send(q, now_ns);
}
