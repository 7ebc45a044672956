/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tls (tls.h): GnuTLS, loaded with dlopen() when the first NTS session
 * needs it, not linked: most runs have no NTS server, and linking GnuTLS
 * (and its eight libraries) would add milliseconds to every start of a
 * program whose whole run takes a few. The header gives the prototypes,
 * so every call through the table is type-checked.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "config.h"
#include "tls.h"

/* GnuTLS 3 has kept this soname since 3.4 (its ABI promise) */
#if GNUTLS_VERSION_MAJOR != 3
#error "a GnuTLS of another major version: check its soname"
#endif
#define TLS_SONAME "libgnutls.so.30"

/* The functions used, each called through the table as lib->NAME. */
#define TLS_FUNCS(X)                                                                               \
	X(gnutls_alpn_get_selected_protocol)                                                       \
	X(gnutls_alpn_set_protocols)                                                               \
	X(gnutls_certificate_allocate_credentials)                                                 \
	X(gnutls_certificate_free_credentials)                                                     \
	X(gnutls_certificate_get_peers)                                                            \
	X(gnutls_certificate_set_verify_flags)                                                     \
	X(gnutls_certificate_set_x509_system_trust)                                                \
	X(gnutls_certificate_set_x509_trust_file)                                                  \
	X(gnutls_certificate_verification_status_print)                                            \
	X(gnutls_credentials_set)                                                                  \
	X(gnutls_deinit)                                                                           \
	X(gnutls_handshake)                                                                        \
	X(gnutls_init)                                                                             \
	X(gnutls_prf_rfc5705)                                                                      \
	X(gnutls_priority_set_direct)                                                              \
	X(gnutls_record_get_direction)                                                             \
	X(gnutls_record_recv)                                                                      \
	X(gnutls_record_send)                                                                      \
	X(gnutls_server_name_set)                                                                  \
	X(gnutls_session_get_verify_cert_status)                                                   \
	X(gnutls_session_set_verify_cert)                                                          \
	X(gnutls_strerror)                                                                         \
	X(gnutls_transport_set_int2)                                                               \
	X(gnutls_x509_crt_deinit)                                                                  \
	X(gnutls_x509_crt_get_activation_time)                                                     \
	X(gnutls_x509_crt_get_expiration_time)                                                     \
	X(gnutls_x509_crt_import)                                                                  \
	X(gnutls_x509_crt_init)

#define TLS_FIELD(name) __typeof__(name) *name;
struct tls_lib {
	void *handle;
	TLS_FUNCS(TLS_FIELD)
	gnutls_free_function *gnutls_free; /* a variable, not a function */
};

/* RFC 8915 section 3: NTS-KE is TLS 1.3 or later */
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3"
/* every file a run can name (one per server) and the system's store */
#define TLS_MAX_TRUST (CONFIG_MAX_SERVERS + 1)

struct tls_anchor {
	char path[CONFIG_MAX_PATH]; /* "" = the system's store */
	gnutls_certificate_credentials_t cred;
};

struct tls_trust {
	bool check_dates;
	struct tls_lib lib; /* handle NULL until the first session */
	struct tls_anchor a[TLS_MAX_TRUST];
	unsigned n;
};

struct tls {
	const struct tls_lib *lib;
	gnutls_session_t s;
	char alpn[16];
};

/* Load GnuTLS into lib, once; the reason in err when it cannot be. */
static int tls_lib_load(struct tls_lib *lib, char *err, size_t err_len)
{
	if (lib->handle)
		return 0;
	lib->handle = dlopen(TLS_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib->handle) {
		snprintf(err, err_len, "cannot load %s: %s", TLS_SONAME, dlerror());
		return -ENOENT;
	}
#define TLS_LOAD(name)                                                                             \
	if (!(lib->name = (__typeof__(name) *)dlsym(lib->handle, #name)))                          \
		goto missing;
	TLS_FUNCS(TLS_LOAD)
	lib->gnutls_free = dlsym(lib->handle, "gnutls_free");
	if (!lib->gnutls_free)
		goto missing;
	return 0;
missing:
	snprintf(err, err_len, "%s lacks a function tset needs: %s", TLS_SONAME, dlerror());
	dlclose(lib->handle);
	memset(lib, 0, sizeof(*lib));
	return -ENOENT;
}

int tls_trust_new(struct tls_trust **ret, bool check_dates)
{
	struct tls_trust *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->check_dates = check_dates;
	*ret = t;
	return 0;
}

void tls_trust_free(struct tls_trust *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->n; i++)
		t->lib.gnutls_certificate_free_credentials(t->a[i].cred);
	if (t->lib.handle)
		dlclose(t->lib.handle);
	free(t);
}

void tls_trust_preload(struct tls_trust *t)
{
	char err[128];

	tls_lib_load(&t->lib, err, sizeof(err));
}

/* The credentials of path ("" = the system's), loaded on first use. */
static int tls_trust_get(struct tls_trust *t, const char *path,
			 gnutls_certificate_credentials_t *ret, char *err, size_t err_len)
{
	const struct tls_lib *lib = &t->lib;
	gnutls_certificate_credentials_t c;
	int r;

	for (unsigned i = 0; i < t->n; i++) {
		if (strcmp(t->a[i].path, path) == 0) {
			*ret = t->a[i].cred;
			return 0;
		}
	}
	if (t->n == TLS_MAX_TRUST || strlen(path) >= CONFIG_MAX_PATH)
		return -ENOBUFS;
	if (lib->gnutls_certificate_allocate_credentials(&c) < 0)
		return -ENOMEM;
	r = path[0] ? lib->gnutls_certificate_set_x509_trust_file(c, path, GNUTLS_X509_FMT_PEM)
		    : lib->gnutls_certificate_set_x509_system_trust(c);
	if (r <= 0) {
		snprintf(err, err_len, "no trust anchors from %s%s%s%s",
			 path[0] ? "'" : "the system's store", path, path[0] ? "'" : "",
			 r < 0 ? ": " : "");
		if (r < 0)
			snprintf(err + strlen(err), err_len - strlen(err), "%s",
				 lib->gnutls_strerror(r));
		lib->gnutls_certificate_free_credentials(c);
		return -ENOENT;
	}
	if (!t->check_dates)
		lib->gnutls_certificate_set_verify_flags(
			c, GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
				   GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS);
	strcpy(t->a[t->n].path, path);
	t->a[t->n++].cred = c;
	*ret = c;
	return 0;
}

static bool tls_host_is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int tls_fail(const struct tls_lib *lib, int r, char *err, size_t err_len)
{
	snprintf(err, err_len, "%s", lib->gnutls_strerror(r));
	return r == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EPROTO;
}

int tls_new(struct tls **ret, struct tls_trust *trust, int fd, const char *host,
	    const char *ca_file, const char *alpn, char *err, size_t err_len)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t proto = { (unsigned char *)(uintptr_t)alpn, (unsigned)strlen(alpn) };
	const struct tls_lib *lib = &trust->lib;
	struct tls *t;
	int r;

	r = tls_lib_load(&trust->lib, err, err_len);
	if (r < 0)
		return r;
	r = tls_trust_get(trust, ca_file ? ca_file : "", &cred, err, err_len);
	if (r < 0)
		return r;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->lib = lib;
	snprintf(t->alpn, sizeof(t->alpn), "%s", alpn);
	r = lib->gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (r < 0) {
		free(t);
		return tls_fail(lib, r, err, err_len);
	}
	if ((r = lib->gnutls_priority_set_direct(t->s, TLS_PRIORITY, NULL)) < 0 ||
	    (r = lib->gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, cred)) < 0 ||
	    (r = lib->gnutls_alpn_set_protocols(t->s, &proto, 1, GNUTLS_ALPN_MANDATORY)) < 0 ||
	    (!tls_host_is_numeric(host) &&
	     (r = lib->gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, host, strlen(host))) < 0)) {
		tls_free(t);
		return tls_fail(lib, r, err, err_len);
	}
	/* the chain and the name (a DNS name, or an address in its iPAddress
	 * entries) are verified within the handshake */
	lib->gnutls_session_set_verify_cert(t->s, host, 0);
	lib->gnutls_transport_set_int2(t->s, fd, fd);
	*ret = t;
	return 0;
}

void tls_free(struct tls *t)
{
	if (!t)
		return;
	t->lib->gnutls_deinit(t->s);
	free(t);
}

/* Why the certificate was refused, in GnuTLS's words, lowercase. */
static void tls_verify_error(struct tls *t, char *err, size_t err_len)
{
	unsigned status = t->lib->gnutls_session_get_verify_cert_status(t->s);
	gnutls_datum_t out = { NULL, 0 };

	if (t->lib->gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) <
	    0) {
		snprintf(err, err_len, "certificate not trusted");
		return;
	}
	snprintf(err, err_len, "certificate: %s", out.data);
	(*t->lib->gnutls_free)(out.data);
	for (size_t n = strlen(err); n > 0 && err[n - 1] == ' '; n--)
		err[n - 1] = '\0'; /* GnuTLS ends its sentences with one */
}

int tls_handshake(struct tls *t, char *err, size_t err_len)
{
	gnutls_datum_t sel = { NULL, 0 };
	int r = t->lib->gnutls_handshake(t->s);

	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return -EAGAIN;
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		tls_verify_error(t, err, err_len);
		return -EPERM;
	}
	if (r < 0)
		return tls_fail(t->lib, r, err, err_len);
	if (t->lib->gnutls_alpn_get_selected_protocol(t->s, &sel) < 0 ||
	    sel.size != strlen(t->alpn) || memcmp(sel.data, t->alpn, sel.size) != 0) {
		snprintf(err, err_len, "the server did not agree to alpn '%s'", t->alpn);
		return -EPROTO;
	}
	return 0;
}

bool tls_wants_write(const struct tls *t)
{
	return t->lib->gnutls_record_get_direction(t->s) == 1;
}

static ssize_t tls_io_result(const struct tls *t, ssize_t r, char *err, size_t err_len)
{
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return -EAGAIN;
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0; /* closed without close_notify: the parser says if it was complete */
	if (r < 0)
		return tls_fail(t->lib, (int)r, err, err_len);
	return r;
}

ssize_t tls_send(struct tls *t, const void *buf, size_t len, char *err, size_t err_len)
{
	return tls_io_result(t, t->lib->gnutls_record_send(t->s, buf, len), err, err_len);
}

ssize_t tls_recv(struct tls *t, void *buf, size_t len, char *err, size_t err_len)
{
	return tls_io_result(t, t->lib->gnutls_record_recv(t->s, buf, len), err, err_len);
}

int tls_export(struct tls *t, const char *label, const uint8_t *context, size_t context_len,
	       uint8_t *ret, size_t len)
{
	int r = t->lib->gnutls_prf_rfc5705(t->s, strlen(label), label, context_len,
					   (const char *)context, len, (char *)ret);

	return r < 0 ? -EPROTO : 0;
}

int tls_validity(struct tls *t, int64_t *ret_from_s, int64_t *ret_until_s)
{
	unsigned n = 0;
	const struct tls_lib *lib = t->lib;
	const gnutls_datum_t *chain = lib->gnutls_certificate_get_peers(t->s, &n);
	int64_t from = INT64_MIN, until = INT64_MAX;

	if (!chain || n == 0)
		return -ENOENT;
	for (unsigned i = 0; i < n; i++) {
		gnutls_x509_crt_t crt;
		int64_t a, b;

		if (lib->gnutls_x509_crt_init(&crt) < 0)
			return -ENOMEM;
		if (lib->gnutls_x509_crt_import(crt, &chain[i], GNUTLS_X509_FMT_DER) < 0) {
			lib->gnutls_x509_crt_deinit(crt);
			return -EPROTO;
		}
		a = lib->gnutls_x509_crt_get_activation_time(crt);
		b = lib->gnutls_x509_crt_get_expiration_time(crt);
		lib->gnutls_x509_crt_deinit(crt);
		if (a == -1 || b == -1)
			return -EPROTO;
		from = a > from ? a : from;
		until = b < until ? b : until;
	}
	*ret_from_s = from;
	*ret_until_s = until;
	return 0;
}
