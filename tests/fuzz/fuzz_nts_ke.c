/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: an NTS-KE response (RFC 8915 section 4) as a server could
 * send it, every byte the input's, held to what nts_ke.h promises:
 *   - the verdict and what it fills are the same when asked twice;
 *   - an accepted response is a chain of records from its first byte to
 *     its last, the last an End of Message with no body, read here again
 *     independently; cutting its last byte makes it incomplete;
 *   - it has NTPv4, AES-SIV-CMAC-256 and 1 to NTS_KE_MAX_COOKIES cookies
 *     of 1 to NTS_KE_MAX_COOKIE_LEN bytes, each the body of a cookie
 *     record in the order sent; a server name is printable and
 *     terminated, a port nonzero;
 *   - describing any status fits buffers of every size;
 *   - our own request is a complete chain of records that lacks only
 *     what a response must add (a cookie).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "nts_ke.h"

static uint16_t fuzz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The records again, end to end; the cookie records' bodies in order. */
static void fuzz_check_chain(const uint8_t *data, size_t size, const struct nts_ke_response *r)
{
	size_t off = 0;
	unsigned type = 0, cookies = 0;
	bool proto = false, aead = false;

	while (off < size) {
		size_t n;

		FUZZ_CHECK(size - off >= NTS_KE_HEADER_LEN);
		type = fuzz_get16(data + off) & ~NTS_KE_CRITICAL;
		n = fuzz_get16(data + off + 2);
		FUZZ_CHECK(n <= size - off - NTS_KE_HEADER_LEN);
		if (type == NTS_KE_REC_COOKIE && cookies < NTS_KE_MAX_COOKIES) {
			FUZZ_CHECK(r->cookies[cookies].len == n);
			FUZZ_CHECK(memcmp(r->cookies[cookies].data, data + off + 4, n) == 0);
			cookies++;
		}
		proto |= type == NTS_KE_REC_NEXT_PROTO;
		aead |= type == NTS_KE_REC_AEAD;
		off += NTS_KE_HEADER_LEN + n;
		FUZZ_CHECK(type != NTS_KE_REC_END || off == size);
	}
	FUZZ_CHECK(type == NTS_KE_REC_END && fuzz_get16(data + size - 2) == 0);
	FUZZ_CHECK(proto && aead && cookies == r->n_cookies);
}

static void fuzz_check_ok(const uint8_t *data, size_t size, const struct nts_ke_response *r)
{
	struct nts_ke_response again;
	unsigned code;

	FUZZ_CHECK(r->n_cookies >= 1 && r->n_cookies <= NTS_KE_MAX_COOKIES);
	for (unsigned i = 0; i < r->n_cookies; i++)
		FUZZ_CHECK(r->cookies[i].len >= 1 && r->cookies[i].len <= NTS_KE_MAX_COOKIE_LEN);
	FUZZ_CHECK(memchr(r->server, '\0', sizeof(r->server)) != NULL);
	for (const char *c = r->server; *c; c++)
		FUZZ_CHECK(*c > ' ' && *c < 0x7f);
	fuzz_check_chain(data, size, r);
	FUZZ_CHECK(nts_ke_parse(data, size - 1, &again, &code) == NTS_KE_INCOMPLETE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nts_ke_response r, again;
	unsigned code, code2;
	enum nts_ke_status st = nts_ke_parse(data, size, &r, &code);
	char buf[128];

	FUZZ_CHECK(nts_ke_parse(data, size, &again, &code2) == st && code == code2);
	FUZZ_CHECK(memcmp(&r, &again, sizeof(r)) == 0);
	if (st == NTS_KE_OK)
		fuzz_check_ok(data, size, &r);
	{
		uint8_t req[NTS_KE_REQUEST_LEN];

		nts_ke_request(req);
		FUZZ_CHECK(nts_ke_parse(req, sizeof(req), &again, &code2) == NTS_KE_E_NO_COOKIE);
	}
	for (size_t len = 0; len <= sizeof(buf); len += 7) {
		memset(buf, 'x', sizeof(buf));
		nts_ke_status_describe(st, code, buf, len);
		FUZZ_CHECK(len == 0 || memchr(buf, '\0', len) != NULL);
		FUZZ_CHECK(len == sizeof(buf) || buf[len] == 'x');
	}
	return 0;
}
