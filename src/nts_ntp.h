/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nts_ntp: the NTS extension fields of an NTPv4 packet (RFC 8915 section
 * 5), the client's side: a request carries a Unique Identifier, one
 * cookie, cookie placeholders and an NTS Authenticator (AES-SIV-CMAC-256
 * under the client-to-server key over everything before it); a reply
 * counts only if it echoes the identifier and its authenticator opens
 * under the server-to-client key. Pure: randomness is a parameter; no
 * I/O, no allocation, no logging.
 */
#ifndef TSET_NTS_NTP_H
#define TSET_NTS_NTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "nts_ke.h"

/* Extension field types (RFC 8915 section 5.2 and 7.5) */
#define NTS_EF_UNIQUE_ID	  0x0104 /* 5.3 Unique Identifier */
#define NTS_EF_COOKIE		  0x0204 /* 5.4 NTS Cookie */
#define NTS_EF_COOKIE_PLACEHOLDER 0x0304 /* 5.5 NTS Cookie Placeholder */
#define NTS_EF_AUTH		  0x0404 /* 5.6 NTS Authenticator and Encrypted EFs */

#define NTS_EF_HEADER_LEN 4  /* RFC 7822 section 3: type, length */
#define NTS_EF_MIN_LEN	  16 /* RFC 7822 section 3: a field's least length */
#define NTS_UID_LEN	  32 /* RFC 8915 section 5.3: at least 32 random bytes */
#define NTS_NONCE_LEN	  16 /* our nonce: SIV needs none, RFC 8915 section 5.6 pads to 16 */

/* The largest request: header, identifier, cookie, placeholders for the
 * other cookies a response can hold, authenticator. */
#define NTS_NTP_MAX_REQUEST                                                                        \
	(48 + NTS_EF_HEADER_LEN + NTS_UID_LEN +                                                    \
	 NTS_KE_MAX_COOKIES * (NTS_EF_HEADER_LEN + NTS_KE_MAX_COOKIE_LEN) + NTS_EF_HEADER_LEN +    \
	 4 + NTS_NONCE_LEN + CRYPTO_SIV_TAG_LEN)

/* The keys exported from the TLS session (RFC 8915 section 5.1). */
struct nts_ntp_keys {
	uint8_t c2s[CRYPTO_SIV_KEY_LEN];
	uint8_t s2c[CRYPTO_SIV_KEY_LEN];
};

/*
 * Append the NTS fields to the packet buf[0..len) (the 48-byte header),
 * within cap bytes: uid, cookie, n_placeholders placeholders of its
 * length, and the authenticator sealed with keys->c2s and nonce. Returns
 * the new length, or -ENOBUFS, -EINVAL (cookie empty or too long).
 */
int nts_ntp_request(uint8_t *buf, size_t len, size_t cap, const struct nts_ntp_keys *keys,
		    const struct nts_ke_cookie *cookie, unsigned n_placeholders,
		    const uint8_t uid[NTS_UID_LEN], const uint8_t nonce[NTS_NONCE_LEN]);

enum nts_ntp_verdict {
	NTS_NTP_OK = 0,
	NTS_NTP_MALFORMED,  /* the extension fields are not framed as RFC 7822 says */
	NTS_NTP_NO_UID,	    /* no unique identifier, two, or another one */
	NTS_NTP_NAK,	    /* an NTS NAK for our request (section 5.7): unauthenticated */
	NTS_NTP_NO_AUTH,    /* no authenticator */
	NTS_NTP_BAD_AUTH,   /* the authenticator is malformed or does not open */
	NTS_NTP_AFTER_AUTH, /* a field after the authenticator, which it does not cover */
};

/*
 * Check the reply buf[0..len) (header included) to the request with uid.
 * kod_ntsn: its header is a kiss-o'-death NTSN. On NTS_NTP_OK, the
 * cookies of the encrypted fields are in ret_cookies[0..*ret_n) (at most
 * max; more are dropped).
 */
enum nts_ntp_verdict nts_ntp_check_reply(const uint8_t *buf, size_t len,
					 const struct nts_ntp_keys *keys,
					 const uint8_t uid[NTS_UID_LEN], bool kod_ntsn,
					 struct nts_ke_cookie *ret_cookies, unsigned max,
					 unsigned *ret_n);

/* "no unique identifier of ours", "bad authenticator", ... */
const char *nts_ntp_verdict_str(enum nts_ntp_verdict v);

#endif
