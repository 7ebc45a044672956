/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: tset's handling of a server's reply, the whole path a
 * datagram takes without the socket: query_check_reply() from the bytes
 * to a sample or a rejection, then query_receive(), what the query keeps.
 * The request it answers comes from the input too: a header of 64 bytes
 * (flags; our precision with the `answered` flag and `tos maxdist`; the
 * server's port and address; the cookie; T4; T4 - T1; the source's family
 * with the samples already kept and the requests sent; its port and
 * address: read in that order in fuzz_setup()), then the datagram. Two
 * flags make the interesting replies common: one copies the cookie into
 * the datagram's origin, one makes it come from the address asked.
 *
 * Held on every input:
 *   - the verdict is the same when asked twice (the check is a function);
 *   - a datagram cut by the buffer is never read further;
 *   - nothing is the server's answer (a sample, or a rejection that ends
 *     the request) unless it decodes, came from the address and port
 *     asked, is in server mode, carries our cookie as its origin and the
 *     request had no answer yet (a late one counts);
 *   - a sample only when every named check passed: the version sent, no
 *     kiss-o'-death, leap not 3, stratum 1..15, both timestamps nonzero,
 *     root distance below maxdist, delay >= -(both precisions); a
 *     kiss-o'-death never yields one;
 *   - its offset and delay are those of RFC 5905 section 8 computed here
 *     independently, in 128-bit nanoseconds from eras chosen afresh;
 *     everything in it is finite; T4 >= T1 and the dispersion is positive;
 *   - the query keeps that sample (delay at least our precision, at most
 *     NSTAGE samples), counts the rejection, or stops on RATE, DENY, RSTR;
 *     only the server's answer ends the request or the query;
 *   - the same reply to the same request made with NTS gets the same
 *     verdict from the checks before authentication, and after them is
 *     refused as auth unless its NTS fields are right for the request
 *     (nts_ntp_check_reply, fuzzed on its own by fuzz_nts_ntp).
 */
#include <math.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "ntp_time.h"
#include "query.h"

#define FUZZ_ERA ((__int128)1 << 32) /* seconds */

/* flags, the first byte */
enum {
	FUZZ_VERSION = 3,      /* bits 0-1: version - 1 */
	FUZZ_WAITING = 1 << 2, /* the request is still waiting */
	FUZZ_TRUNC = 1 << 3,   /* the datagram was cut by the buffer */
	FUZZ_KERNEL = 1 << 4,  /* the receive time is the kernel's */
	FUZZ_INET6 = 1 << 5,   /* the server is IPv6 */
	FUZZ_ORIGIN = 1 << 6,  /* origin := cookie */
	FUZZ_FROM = 1 << 7,    /* from := the server's address and port */
};

static void fuzz_addr(struct fuzz_in *in, bool inet6, struct sockaddr_storage *ret,
		      socklen_t *ret_len)
{
	uint16_t port = (uint16_t)fuzz_take(in, 2);
	uint8_t a[16];

	for (unsigned i = 0; i < 16; i++)
		a[i] = (uint8_t)fuzz_take(in, 1);
	memset(ret, 0, sizeof(*ret));
	if (inet6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ret;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a, 16);
		*ret_len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ret;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a, 4);
		*ret_len = sizeof(*s4);
	}
}

/* Same address and port, compared on their own terms. */
static bool fuzz_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(a, b, sizeof(struct sockaddr_in)) == 0;
	return memcmp(a, b, sizeof(struct sockaddr_in6)) == 0;
}

/* An instant in nanoseconds. */
static __int128 fuzz_ns(const struct timespec *t)
{
	return (__int128)t->tv_sec * FUZZ_NS + t->tv_nsec;
}

/* A wire timestamp as the instant within half an era of pivot_s (the era
 * found by stepping, not by a formula), in nanoseconds. */
static __int128 fuzz_wire_ns(uint64_t ntp64, int64_t pivot_s)
{
	__int128 s = (__int128)(ntp64 >> 32) - NTP_TIME_UNIX_OFFSET_S;
	__int128 frac_ns = ((__int128)(ntp64 & 0xffffffffu) * FUZZ_NS + ((__int128)1 << 31)) >> 32;

	while (s < pivot_s - FUZZ_ERA / 2)
		s += FUZZ_ERA;
	while (s >= pivot_s + FUZZ_ERA / 2)
		s -= FUZZ_ERA;
	return s * FUZZ_NS + frac_ns;
}

static double fuzz_abs(double x)
{
	return x < 0 ? -x : x;
}

/* The sample against RFC 5905 section 8, recomputed. */
static void fuzz_check_sample(const struct query *q, const struct ntp_pkt *p,
			      const struct timespec *rx, const struct est_sample *s)
{
	int64_t pivot = ntp_time_pivot(rx->tv_sec);
	__int128 t1 = fuzz_ns(&q->t1), t4 = fuzz_ns(rx);
	__int128 t2 = fuzz_wire_ns(p->rec_ntp64, pivot), t3 = fuzz_wire_ns(p->xmt_ntp64, pivot);
	double a = (double)(t2 - t1), b = (double)(t3 - t4);
	double offset_ns = (a + b) / 2, delay_ns = (double)((t4 - t1) - (t3 - t2));

	FUZZ_CHECK(isfinite(s->offset_s) && isfinite(s->delay_s) && isfinite(s->disp_s));
	/* our clock ran forward from T1 to T4 (else it was stepped meanwhile,
	 * and nothing measured across the step is time); so the dispersion,
	 * precisions plus PHI * (T4 - T1), is positive */
	FUZZ_CHECK(t4 >= t1 && s->disp_s > 0);
	FUZZ_CHECK(fuzz_abs(s->offset_s * 1e9 - offset_ns) <=
		   1e-12 * (fuzz_abs(a) + fuzz_abs(b)) + 2);
	FUZZ_CHECK(fuzz_abs(s->delay_s * 1e9 - delay_ns) <=
		   1e-12 * (fuzz_abs(a) + fuzz_abs(b) + fuzz_abs((double)(t4 - t1))) + 2);
	FUZZ_CHECK(s->delay_s >= -(ldexp(1, p->precision) + q->env->precision_s));
}

static bool fuzz_is_ours(enum query_reject r)
{
	return r == QUERY_REJECT_NONE || r >= QUERY_REJECT_VERSION;
}

/* The request and the datagram, from the input; returns the datagram's length. */
static size_t fuzz_setup(struct fuzz_in *in, struct query *q, struct query_env *env,
			 struct sockaddr_storage *sa, struct netio_dgram *dg, uint8_t *buf,
			 size_t buf_len)
{
	static const double maxdist_s[] = { 0, 0.5, 16, NTP_MAXDIST_S };
	unsigned flags = (unsigned)fuzz_take(in, 1), more = (unsigned)fuzz_take(in, 1), from;
	socklen_t sa_len;
	int64_t t4_t1_ns;
	size_t len;

	env->precision_s = ldexp(1, -(int)(more % 32));
	env->maxdist_s = maxdist_s[more >> 6];
	fuzz_addr(in, flags & FUZZ_INET6, sa, &sa_len);
	query_init(q, env, 0, (struct sockaddr *)sa, sa_len, false, (flags & FUZZ_VERSION) + 1);
	q->cookie = fuzz_take(in, 8);
	q->waiting = flags & FUZZ_WAITING;
	q->answered = more & 32;
	/* T4 from 1970 to 2514, T1 up to 146 years before or after it (a
	 * clock stepped meanwhile): every difference fits int64 nanoseconds */
	dg->rx.tv_sec = (time_t)(fuzz_take(in, 5) % (UINT64_C(1) << 34));
	dg->rx.tv_nsec = (long)(fuzz_take(in, 4) % FUZZ_NS);
	t4_t1_ns = (int64_t)fuzz_take(in, 8) >> 1;
	q->t1 = fuzz_add_ns(dg->rx, -t4_t1_ns);
	dg->rx_from_kernel = flags & FUZZ_KERNEL;
	dg->truncated = flags & FUZZ_TRUNC;
	/* the source's family; samples already kept (0..8); requests sent */
	from = (unsigned)fuzz_take(in, 1);
	fuzz_addr(in, from & 1, &dg->from, &dg->from_len);
	if (flags & FUZZ_FROM) {
		memcpy(&dg->from, sa, sa_len);
		dg->from_len = sa_len;
	}
	q->n_samples = ((from >> 1) & 15) > NTP_NSTAGE ? NTP_NSTAGE : (from >> 1) & 15;
	for (unsigned i = 0; i < q->n_samples; i++)
		q->samples[i] = (struct est_sample){ .offset_s = i, .delay_s = 1, .disp_s = 1 };
	q->n_sent = 1 + (from >> 5);
	len = in->n > in->off ? in->n - in->off : 0;
	if (len > buf_len)
		len = buf_len;
	memcpy(buf, in->p + in->off, len);
	if ((flags & FUZZ_ORIGIN) && len >= 32)
		for (unsigned i = 0; i < 8; i++)
			buf[24 + i] = (uint8_t)(q->cookie >> (56 - 8 * i));
	dg->len = len;
	return len;
}

/* What query_receive() did with the reply query_check_reply() judged r. */
static void fuzz_check_receive(const struct query *before, const struct query *q,
			       enum query_reject r, const struct ntp_pkt *p,
			       const struct est_sample *s)
{
	unsigned n = before->n_samples;

	FUZZ_CHECK(q->answered == (before->answered || fuzz_is_ours(r)));
	/* the server's answer ends the request; nothing else does */
	FUZZ_CHECK(q->waiting == (before->waiting && !fuzz_is_ours(r)));
	if (r == QUERY_REJECT_KOD && ntp_kiss_stops_source(ntp_pkt_kiss(p))) {
		char code[5];

		ntp_pkt_refid_ascii(p, code);
		FUZZ_CHECK(q->done && q->kiss == ntp_pkt_kiss(p) &&
			   strcmp(q->kiss_code, code) == 0);
		FUZZ_CHECK(q->n_samples == n && q->n_rejects == before->n_rejects);
		return;
	}
	/* only the server's answer can end the query */
	FUZZ_CHECK(q->kiss == NTP_KISS_NONE && (q->done == before->done || fuzz_is_ours(r)));
	if (r != QUERY_REJECT_NONE) {
		FUZZ_CHECK(q->n_rejects == before->n_rejects + 1 && q->last_reject == r);
		FUZZ_CHECK(q->n_samples == n &&
			   memcmp(q->samples, before->samples, n * sizeof(q->samples[0])) == 0);
		return;
	}
	/* a sample: the newest of at most NSTAGE, its delay at least our precision */
	FUZZ_CHECK(q->n_rejects == before->n_rejects &&
		   q->n_samples == (n < NTP_NSTAGE ? n + 1 : n));
	FUZZ_CHECK(q->n_late == before->n_late + !before->waiting);
	FUZZ_CHECK(q->samples[q->n_samples - 1].offset_s == s->offset_s &&
		   q->samples[q->n_samples - 1].delay_s ==
			   (s->delay_s < q->env->precision_s ? q->env->precision_s : s->delay_s));
	FUZZ_CHECK(q->hdr.xmt_ntp64 == p->xmt_ntp64 && q->hdr.stratum == p->stratum);
}

/* The request of q made with NTS (keys and identifier fixed), the reply
 * buf checked again: r is the verdict without NTS. */
static void fuzz_check_nts(const struct query *q, const struct sockaddr_storage *sa,
			   const uint8_t *buf, const struct netio_dgram *dg, enum query_reject r)
{
	static struct query qn;
	static struct query_nts nts;
	static struct nts_ke_cookie cookies[NTS_KE_MAX_COOKIES];
	struct ntp_pkt p;
	struct est_sample s;
	enum query_reject rn;
	enum nts_ntp_verdict v;
	unsigned n;

	memset(&nts, 0, sizeof(nts));
	memset(&nts.ke.keys, 0x5c, sizeof(nts.ke.keys));
	memset(nts.uid, 0x1d, sizeof(nts.uid));
	nts.ke.valid_until_s = INT64_MAX;
	memcpy(&nts.ntp_sa, sa, sizeof(*sa));
	nts.ntp_sa_len = q->sa_len;
	nts.ready = true;
	qn = *q;
	qn.nts = &nts;
	rn = query_check_reply(&qn, buf, dg, &p, &s);
	if (r != QUERY_REJECT_NONE && r < QUERY_REJECT_AUTH) {
		FUZZ_CHECK(rn == r);
		return;
	}
	v = nts_ntp_check_reply(buf, dg->len, &nts.ke.keys, nts.uid,
				ntp_pkt_kiss(&p) == NTP_KISS_NTSN, cookies, NTS_KE_MAX_COOKIES, &n);
	FUZZ_CHECK(nts.verdict == v);
	FUZZ_CHECK(v == NTS_NTP_OK ? rn == r : rn == QUERY_REJECT_AUTH);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[2048];
	static bool changed;
	static struct query q, before;
	struct fuzz_in in = { data, size, 0 };
	struct query_env env = { .changed = &changed, .max_samples = 8, .timeout_s = 1 };
	struct sockaddr_storage sa;
	struct netio_dgram dg = { 0 };
	struct ntp_pkt p, p2;
	struct est_sample s, s2, unset;
	enum query_reject r, r2;
	size_t len = fuzz_setup(&in, &q, &env, &sa, &dg, buf, sizeof(buf));

	memset(&unset, 0x5a, sizeof(unset));
	s = s2 = unset;
	r = query_check_reply(&q, buf, &dg, &p, &s);
	r2 = query_check_reply(&q, buf, &dg, &p2, &s2);
	FUZZ_CHECK(r == r2 && memcmp(&s, &s2, offsetof(struct est_sample, t_ns)) == 0);
	FUZZ_CHECK(!dg.truncated || r == QUERY_REJECT_TRUNCATED);
	FUZZ_CHECK(r != QUERY_REJECT_TRUNCATED || dg.truncated || len < NTP_PKT_HEADER_LEN);
	if (fuzz_is_ours(r)) {
		FUZZ_CHECK(ntp_pkt_decode(buf, len, &p2) == NTP_PKT_OK);
		FUZZ_CHECK(fuzz_same_addr(&dg.from, &sa) && p.mode == NTP_MODE_SERVER &&
			   p.org_ntp64 == q.cookie && !q.answered);
	}
	/* the sample is written when measured, and only then */
	if (r != QUERY_REJECT_NONE && r != QUERY_REJECT_DELAY)
		FUZZ_CHECK(memcmp(&s, &unset, sizeof(s)) == 0);
	if (r == QUERY_REJECT_KOD)
		FUZZ_CHECK(ntp_pkt_is_kod(&p));
	/* a negative delay, or no measurement at all across a backward step */
	if (r == QUERY_REJECT_DELAY && memcmp(&s, &unset, sizeof(s)) == 0)
		FUZZ_CHECK(fuzz_ns(&dg.rx) < fuzz_ns(&q.t1));
	else if (r == QUERY_REJECT_DELAY)
		FUZZ_CHECK(s.delay_s < -(ldexp(1, p.precision) + env.precision_s));
	if (r == QUERY_REJECT_NONE) {
		FUZZ_CHECK(p.version == q.version && !ntp_pkt_is_kod(&p) &&
			   !ntp_pkt_is_unsynchronized(&p) && ntp_pkt_stratum_is_valid(&p) &&
			   !ntp_pkt_xmt_is_zero(&p) && !ntp_pkt_rec_is_zero(&p) &&
			   ntp_pkt_root_dist_s(&p) <
				   (env.maxdist_s > 0 ? env.maxdist_s : NTP_MAXDIST_S));
		fuzz_check_sample(&q, &p, &dg.rx, &s);
	}
	fuzz_check_nts(&q, &sa, buf, &dg, r);
	/* the whole path: what the query keeps */
	before = q;
	query_receive(&q, buf, &dg);
	fuzz_check_receive(&before, &q, r, &p, &s);
	return 0;
}
