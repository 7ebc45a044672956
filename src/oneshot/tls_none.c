/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tls (tls.h) in a build without GnuTLS (meson -Dnts=disabled): the
 * configuration refuses every `nts` server line first, so no session is
 * ever asked for; if one were, it fails and says why, and the query
 * that wanted it gives no time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tls.h"

struct tls_trust {
	bool check_dates;
};

int tls_trust_new(struct tls_trust **ret, bool check_dates)
{
	struct tls_trust *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->check_dates = check_dates;
	*ret = t;
	return 0;
}

void tls_trust_preload(struct tls_trust *t)
{
}

void tls_trust_free(struct tls_trust *t)
{
	free(t);
}

int tls_new(struct tls **ret, struct tls_trust *trust, int fd, const char *host,
	    const char *ca_file, const char *alpn, char *err, size_t err_len)
{
	snprintf(err, err_len, "this tset was built without NTS (meson -Dnts=disabled)");
	return -EOPNOTSUPP;
}

void tls_free(struct tls *t)
{
}

int tls_handshake(struct tls *t, char *err, size_t err_len)
{
	snprintf(err, err_len, "no tls in this build");
	return -EOPNOTSUPP;
}

bool tls_wants_write(const struct tls *t)
{
	return false;
}

ssize_t tls_send(struct tls *t, const void *buf, size_t len, char *err, size_t err_len)
{
	return tls_handshake(t, err, err_len);
}

ssize_t tls_recv(struct tls *t, void *buf, size_t len, char *err, size_t err_len)
{
	return tls_handshake(t, err, err_len);
}

int tls_export(struct tls *t, const char *label, const uint8_t *context, size_t context_len,
	       uint8_t *ret, size_t len)
{
	return -EOPNOTSUPP;
}

int tls_validity(struct tls *t, int64_t *ret_from_s, int64_t *ret_until_s)
{
	return -EOPNOTSUPP;
}
