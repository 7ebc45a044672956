/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <string.h>

#include "nts_ke.h"

/* Error codes (RFC 8915 section 4.1.3) */
#define NTS_KE_ERR_UNRECOGNIZED_CRITICAL 0
#define NTS_KE_ERR_BAD_REQUEST		 1
#define NTS_KE_ERR_INTERNAL		 2

static uint16_t nts_ke_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *nts_ke_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *nts_ke_put_header(uint8_t *p, unsigned type, unsigned body_len)
{
	p = nts_ke_put16(p, type);
	return nts_ke_put16(p, body_len);
}

void nts_ke_request(uint8_t ret_buf[NTS_KE_REQUEST_LEN])
{
	uint8_t *p = ret_buf;

	/* RFC 8915 section 4.1.2: Next Protocol is critical, 4.1.5: AEAD may be */
	p = nts_ke_put_header(p, NTS_KE_CRITICAL | NTS_KE_REC_NEXT_PROTO, 2);
	p = nts_ke_put16(p, NTS_KE_PROTO_NTPV4);
	p = nts_ke_put_header(p, NTS_KE_CRITICAL | NTS_KE_REC_AEAD, 2);
	p = nts_ke_put16(p, NTS_KE_AEAD_AES_SIV_CMAC_256);
	nts_ke_put_header(p, NTS_KE_CRITICAL | NTS_KE_REC_END, 0);
}

/* What the records seen so far said. */
struct nts_ke_seen {
	bool proto, proto_ntpv4, aead, aead_siv, server, port;
};

/* Does a list of 16-bit ids (body of n bytes) hold id? */
static bool nts_ke_list_has(const uint8_t *body, size_t n, unsigned id)
{
	for (size_t i = 0; i + 2 <= n; i += 2)
		if (nts_ke_get16(body + i) == id)
			return true;
	return false;
}

/* RFC 8915 section 4.1.7: an IPv4 or IPv6 address or a host name, in ASCII */
static bool nts_ke_server_is_valid(const uint8_t *body, size_t n)
{
	if (n == 0 || n > NTS_KE_MAX_SERVER_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (body[i] <= ' ' || body[i] >= 0x7f)
			return false;
	return true;
}

/* A negotiation record: one per response, a list of 16-bit ids of which
 * we need `want`. */
static enum nts_ke_status nts_ke_negotiated(const uint8_t *body, size_t n, bool *seen, bool *ok,
					    unsigned want)
{
	if (*seen || n % 2)
		return NTS_KE_E_MALFORMED;
	*seen = true;
	*ok = nts_ke_list_has(body, n, want);
	return NTS_KE_OK;
}

static enum nts_ke_status nts_ke_cookie(const uint8_t *body, size_t n, struct nts_ke_response *r)
{
	if (n == 0 || n > NTS_KE_MAX_COOKIE_LEN)
		return NTS_KE_E_COOKIE_LEN;
	if (r->n_cookies == NTS_KE_MAX_COOKIES) {
		r->n_cookies_dropped++;
		return NTS_KE_OK;
	}
	memcpy(r->cookies[r->n_cookies].data, body, n);
	r->cookies[r->n_cookies++].len = (uint16_t)n;
	return NTS_KE_OK;
}

/* One record other than End of Message. */
static enum nts_ke_status nts_ke_record(unsigned word, const uint8_t *body, size_t n,
					struct nts_ke_seen *seen, struct nts_ke_response *r,
					unsigned *ret_code)
{
	unsigned type = word & ~NTS_KE_CRITICAL;

	switch (type) {
	case NTS_KE_REC_NEXT_PROTO:
		return nts_ke_negotiated(body, n, &seen->proto, &seen->proto_ntpv4,
					 NTS_KE_PROTO_NTPV4);
	case NTS_KE_REC_AEAD:
		return nts_ke_negotiated(body, n, &seen->aead, &seen->aead_siv,
					 NTS_KE_AEAD_AES_SIV_CMAC_256);
	case NTS_KE_REC_ERROR:
	case NTS_KE_REC_WARNING:
		if (n != 2)
			return NTS_KE_E_MALFORMED;
		*ret_code = nts_ke_get16(body);
		return type == NTS_KE_REC_ERROR ? NTS_KE_E_ERROR : NTS_KE_E_WARNING;
	case NTS_KE_REC_COOKIE:
		return nts_ke_cookie(body, n, r);
	case NTS_KE_REC_SERVER:
		if (seen->server)
			return NTS_KE_E_MALFORMED;
		if (!nts_ke_server_is_valid(body, n))
			return NTS_KE_E_SERVER_NAME;
		seen->server = true;
		memcpy(r->server, body, n);
		r->server[n] = '\0';
		return NTS_KE_OK;
	case NTS_KE_REC_PORT:
		if (seen->port || n != 2 || nts_ke_get16(body) == 0)
			return NTS_KE_E_MALFORMED;
		seen->port = true;
		r->port = nts_ke_get16(body);
		return NTS_KE_OK;
	}
	if (word & NTS_KE_CRITICAL) {
		*ret_code = type;
		return NTS_KE_E_CRITICAL;
	}
	return NTS_KE_OK; /* unknown and not critical: ignored (section 4) */
}

/* At End of Message: what a response must have said. */
static enum nts_ke_status nts_ke_complete(const struct nts_ke_seen *seen,
					  const struct nts_ke_response *r)
{
	if (!seen->proto_ntpv4)
		return NTS_KE_E_PROTOCOL;
	if (!seen->aead_siv)
		return NTS_KE_E_AEAD;
	if (r->n_cookies == 0)
		return NTS_KE_E_NO_COOKIE;
	return NTS_KE_OK;
}

enum nts_ke_status nts_ke_parse(const uint8_t *buf, size_t len, struct nts_ke_response *ret,
				unsigned *ret_code)
{
	struct nts_ke_seen seen = { 0 };
	size_t off = 0;

	memset(ret, 0, sizeof(*ret));
	*ret_code = 0;
	while (len - off >= NTS_KE_HEADER_LEN) {
		unsigned word = nts_ke_get16(buf + off);
		size_t n = nts_ke_get16(buf + off + 2);
		const uint8_t *body = buf + off + NTS_KE_HEADER_LEN;
		enum nts_ke_status st;

		if (n > len - off - NTS_KE_HEADER_LEN)
			return NTS_KE_INCOMPLETE;
		off += NTS_KE_HEADER_LEN + n;
		if ((word & ~NTS_KE_CRITICAL) == NTS_KE_REC_END) {
			if (n != 0)
				return NTS_KE_E_MALFORMED;
			if (off != len)
				return NTS_KE_E_TRAILING;
			return nts_ke_complete(&seen, ret);
		}
		st = nts_ke_record(word, body, n, &seen, ret, ret_code);
		if (st != NTS_KE_OK)
			return st;
	}
	return NTS_KE_INCOMPLETE;
}

static const char *nts_ke_error_str(unsigned code)
{
	switch (code) {
	case NTS_KE_ERR_UNRECOGNIZED_CRITICAL:
		return "unrecognized critical record";
	case NTS_KE_ERR_BAD_REQUEST:
		return "bad request";
	case NTS_KE_ERR_INTERNAL:
		return "internal server error";
	}
	return "unknown code";
}

void nts_ke_status_describe(enum nts_ke_status st, unsigned code, char *buf, size_t len)
{
	static const char *const text[] = {
		[NTS_KE_OK] = "ok",
		[NTS_KE_INCOMPLETE] = "response cut short (no end of message)",
		[NTS_KE_E_MALFORMED] = "malformed response",
		[NTS_KE_E_TRAILING] = "bytes after the end of message",
		[NTS_KE_E_CRITICAL] = "unknown critical record",
		[NTS_KE_E_ERROR] = "server error",
		[NTS_KE_E_WARNING] = "server warning",
		[NTS_KE_E_PROTOCOL] = "the server does not offer ntpv4",
		[NTS_KE_E_AEAD] = "the server does not offer aes-siv-cmac-256",
		[NTS_KE_E_NO_COOKIE] = "no cookie in the response",
		[NTS_KE_E_COOKIE_LEN] = "a cookie of a bad length",
		[NTS_KE_E_SERVER_NAME] = "a bad ntp server name",
	};
	const char *s = (unsigned)st < sizeof(text) / sizeof(text[0]) ? text[st] : "?";

	if (st == NTS_KE_E_ERROR)
		snprintf(buf, len, "%s %u (%s)", s, code, nts_ke_error_str(code));
	else if (st == NTS_KE_E_WARNING || st == NTS_KE_E_CRITICAL)
		snprintf(buf, len, "%s %u", s, code);
	else
		snprintf(buf, len, "%s", s);
}
