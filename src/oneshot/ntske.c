/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ntske.h"

/* RFC 8915 section 5.1: the exporter context is the protocol id (NTPv4),
 * the AEAD id, and 0 for the client-to-server key, 1 for the other */
#define NTSKE_CONTEXT_C2S 0x00
#define NTSKE_CONTEXT_S2C 0x01

static void ntske_on_io(void *userdata, int fd, short revents);

void ntske_close(struct ntske *k)
{
	tls_free(k->tls);
	k->tls = NULL;
	if (k->fd >= 0) {
		loop_unwatch(k->loop, k->fd);
		close(k->fd);
	}
	k->fd = -1;
}

__attribute__((format(printf, 3, 4))) static void ntske_fail(struct ntske *k, int err,
							     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->error, sizeof(k->error), fmt, ap);
	va_end(ap);
	k->err = err;
	k->state = NTSKE_FAILED;
	*k->changed = true;
	ntske_close(k);
}

static int ntske_export(struct ntske *k)
{
	uint8_t ctx[5] = { NTS_KE_PROTO_NTPV4 >> 8, NTS_KE_PROTO_NTPV4 & 0xff,
			   NTS_KE_AEAD_AES_SIV_CMAC_256 >> 8, NTS_KE_AEAD_AES_SIV_CMAC_256 & 0xff,
			   NTSKE_CONTEXT_C2S };
	int r;

	r = tls_export(k->tls, NTS_KE_EXPORTER_LABEL, ctx, sizeof(ctx), k->keys.c2s,
		       sizeof(k->keys.c2s));
	ctx[4] = NTSKE_CONTEXT_S2C;
	if (r == 0)
		r = tls_export(k->tls, NTS_KE_EXPORTER_LABEL, ctx, sizeof(ctx), k->keys.s2c,
			       sizeof(k->keys.s2c));
	return r;
}

/* The response so far, once more bytes came (or the server closed: eof). */
static void ntske_parse(struct ntske *k, bool eof)
{
	unsigned code;
	enum nts_ke_status st = nts_ke_parse(k->buf, k->got, &k->resp, &code);
	char why[96];

	if (st == NTS_KE_INCOMPLETE && !eof && k->got < sizeof(k->buf))
		return;
	if (st == NTS_KE_INCOMPLETE && !eof) {
		ntske_fail(k, 0, "key exchange: response longer than %zu bytes", sizeof(k->buf));
		return;
	}
	if (st != NTS_KE_OK) {
		nts_ke_status_describe(st, code, why, sizeof(why));
		ntske_fail(k, 0, "key exchange: %s", why);
		return;
	}
	if (ntske_export(k) < 0) {
		ntske_fail(k, 0, "key exchange: cannot export the keys");
		return;
	}
	if (tls_validity(k->tls, &k->valid_from_s, &k->valid_until_s) < 0) {
		ntske_fail(k, 0, "key exchange: cannot read the certificates' dates");
		return;
	}
	k->state = NTSKE_DONE;
	*k->changed = true;
	log_debug("'%s': key exchange done in %.1f ms: %u cookie%s%s%s, ntp port %u", k->host,
		  (double)(loop_now_ns() - k->start_ns) * 1e-6, k->resp.n_cookies,
		  k->resp.n_cookies == 1 ? "" : "s", k->resp.server[0] ? ", ntp server " : "",
		  k->resp.server, k->resp.port ? k->resp.port : NTS_KE_DEFAULT_NTP_PORT);
	ntske_close(k);
}

/* The TCP connection is up (or failed): start TLS. */
static bool ntske_connected(struct ntske *k)
{
	int err = 0, r;
	socklen_t len = sizeof(err);

	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		ntske_fail(k, -err, "key exchange: %s", strerror(err));
		return false;
	}
	r = tls_new(&k->tls, k->trust, k->fd, k->host, k->ca_file[0] ? k->ca_file : NULL,
		    NTS_KE_ALPN, k->error, sizeof(k->error));
	if (r < 0) {
		char why[sizeof(k->error)];

		snprintf(why, sizeof(why), "%s", k->error);
		ntske_fail(k, 0, "key exchange: %s", why);
		return false;
	}
	k->state = NTSKE_HANDSHAKE;
	return true;
}

/* One TLS step; false when it waits or failed. */
static bool ntske_tls_step(struct ntske *k)
{
	uint8_t req[NTS_KE_REQUEST_LEN];
	char why[128] = "";
	ssize_t r;

	switch (k->state) {
	case NTSKE_HANDSHAKE:
		r = tls_handshake(k->tls, why, sizeof(why));
		if (r == 0)
			k->state = NTSKE_SENDING;
		break;
	case NTSKE_SENDING:
		nts_ke_request(req);
		r = tls_send(k->tls, req + k->sent, sizeof(req) - k->sent, why, sizeof(why));
		if (r > 0 && (k->sent += (size_t)r) == sizeof(req))
			k->state = NTSKE_RECEIVING;
		break;
	case NTSKE_RECEIVING:
		r = tls_recv(k->tls, k->buf + k->got, sizeof(k->buf) - k->got, why, sizeof(why));
		if (r >= 0) {
			k->got += (size_t)r;
			ntske_parse(k, r == 0);
			return k->state == NTSKE_RECEIVING;
		}
		break;
	default:
		return false;
	}
	if (r == -EAGAIN)
		return false;
	if (r < 0) {
		ntske_fail(k, 0, "key exchange: %s", why);
		return false;
	}
	return true;
}

static void ntske_watch(struct ntske *k)
{
	short ev = k->state == NTSKE_CONNECTING || tls_wants_write(k->tls) ? POLLOUT : POLLIN;
	int r = loop_watch(k->loop, k->fd, ev, ntske_on_io, k);

	if (r < 0)
		ntske_fail(k, r, "key exchange: %s", strerror(-r));
}

static void ntske_on_io(void *userdata, int fd, short revents)
{
	struct ntske *k = userdata;

	if (k->state == NTSKE_CONNECTING && !ntske_connected(k))
		return;
	while (ntske_tls_step(k))
		;
	if (k->state == NTSKE_HANDSHAKE || k->state == NTSKE_SENDING || k->state == NTSKE_RECEIVING)
		ntske_watch(k);
}

void ntske_start(struct ntske *k, struct loop *l, bool *changed, struct tls_trust *trust,
		 const struct sockaddr *sa, socklen_t sa_len, const char *host, const char *ca_file)
{
	int one = 1;

	memset(k, 0, sizeof(*k));
	k->loop = l;
	k->changed = changed;
	k->start_ns = loop_now_ns();
	k->trust = trust;
	snprintf(k->host, sizeof(k->host), "%s", host);
	snprintf(k->ca_file, sizeof(k->ca_file), "%s", ca_file ? ca_file : "");
	k->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		ntske_fail(k, -errno, "key exchange: %s", strerror(errno));
		return;
	}
	/* the request and the handshake's flights go out at once */
	setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(k->fd, sa, sa_len) < 0 && errno != EINPROGRESS) {
		ntske_fail(k, -errno, "key exchange: %s", strerror(errno));
		return;
	}
	k->state = NTSKE_CONNECTING;
	ntske_watch(k);
}
