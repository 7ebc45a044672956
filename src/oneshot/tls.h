/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tls: the TLS 1.3 client of NTS-KE, on GnuTLS. This file alone includes
 * a GnuTLS header; no GnuTLS type or error code leaves it. Sessions are
 * non-blocking on a connected TCP socket the caller owns and polls: a
 * call that returns -EAGAIN wants the socket readable, or writable when
 * tls_wants_write() says so.
 */
#ifndef TSET_ONESHOT_TLS_H
#define TSET_ONESHOT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The trust anchors of a run: the system's and CA files, each loaded
 * once, shared by the sessions. */
struct tls_trust;
struct tls;

/*
 * check_dates: verify the certificates' validity dates against this
 * host's clock; false verifies everything but the dates (the caller then
 * checks the validity window against the time it learns, see
 * tls_validity).
 */
int tls_trust_new(struct tls_trust **ret, bool check_dates);
/* Load the TLS library now (else the first session does): while DNS
 * answers are on their way, not after. A failure is said again, to each
 * session. */
void tls_trust_preload(struct tls_trust *t);
void tls_trust_free(struct tls_trust *t);

/*
 * A client session on the connected socket fd for host (its certificate
 * must name it; a DNS name is also sent as SNI), trusting ca_file (NULL:
 * the system's trust store), offering only TLS 1.3 and the ALPN protocol
 * alpn. Returns 0 or a negative errno with the reason in err.
 */
int tls_new(struct tls **ret, struct tls_trust *trust, int fd, const char *host,
	    const char *ca_file, const char *alpn, char *err, size_t err_len);
void tls_free(struct tls *t);

/* Drive the handshake: 0 when done (certificate verified, alpn agreed),
 * -EAGAIN, or another negative errno with the reason in err. */
int tls_handshake(struct tls *t, char *err, size_t err_len);
/* Does the pending operation wait for the socket to be writable? */
bool tls_wants_write(const struct tls *t);

/* Send or receive application data: bytes done (0 from tls_recv: the
 * peer closed), -EAGAIN, or another negative errno with err set. */
ssize_t tls_send(struct tls *t, const void *buf, size_t len, char *err, size_t err_len);
ssize_t tls_recv(struct tls *t, void *buf, size_t len, char *err, size_t err_len);

/* RFC 5705 keying material: len bytes for label and context. */
int tls_export(struct tls *t, const char *label, const uint8_t *context, size_t context_len,
	       uint8_t *ret, size_t len);

/* The time window in which every certificate the server sent is valid
 * (Unix seconds, the latest start and the earliest end). */
int tls_validity(struct tls *t, int64_t *ret_from_s, int64_t *ret_until_s);

#endif
