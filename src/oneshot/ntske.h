/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntske: one NTS key exchange (RFC 8915 section 4) with one server
 * address, driven by the run's poll loop: a non-blocking TCP connect, the
 * TLS 1.3 handshake (tls.h), the request, the response read to its End of
 * Message and checked (nts_ke.h), and the NTP keys exported from the
 * session (section 5.1). It tells the run when it is done through the
 * `changed` flag, like a query.
 */
#ifndef TSET_ONESHOT_NTSKE_H
#define TSET_ONESHOT_NTSKE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "loop.h"
#include "nts_ke.h"
#include "nts_ntp.h"
#include "tls.h"

enum ntske_state {
	NTSKE_IDLE = 0,
	NTSKE_CONNECTING,
	NTSKE_HANDSHAKE,
	NTSKE_SENDING,
	NTSKE_RECEIVING,
	NTSKE_DONE,   /* resp, keys and the validity window are set */
	NTSKE_FAILED, /* error says why; err is the errno of a failed connect */
};

struct ntske {
	enum ntske_state state;
	struct loop *loop;
	bool *changed;
	struct tls_trust *trust;
	char host[CONFIG_MAX_HOST];    /* the name its certificate must have */
	char ca_file[CONFIG_MAX_PATH]; /* "" = the system's store */
	int fd;
	int64_t start_ns; /* CLOCK_MONOTONIC, for the debug log */
	struct tls *tls;
	size_t sent;
	uint8_t buf[NTS_KE_MAX_RESPONSE];
	size_t got;
	/* the outcome */
	struct nts_ke_response resp;
	struct nts_ntp_keys keys;
	int64_t valid_from_s, valid_until_s; /* the certificates' common window */
	int err;
	char error[160];
};

/* Start an exchange with sa (the NTS-KE port set) for host, trusting
 * ca_file (NULL: the system's store). Failure to start is NTSKE_FAILED. */
void ntske_start(struct ntske *k, struct loop *l, bool *changed, struct tls_trust *trust,
		 const struct sockaddr *sa, socklen_t sa_len, const char *host,
		 const char *ca_file);
/* Close what is open (the outcome stays). */
void ntske_close(struct ntske *k);

#endif
