/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntp_auth: symmetric-key MACs on NTP packets. The MAC field (RFC 5905
 * section 7.3, figure 8) is a 32-bit key id and a digest, after the header
 * and any extension fields (RFC 7822 section 7.5), over everything before
 * it. A digest key (MD5, SHA1, SHA256) gives the legacy MAC, a digest of
 * the key then the packet (RFC 5905 appendix A.2), cut to 20 bytes as
 * ntpd and chronyd do for SHA256 in NTPv4, whole before NTPv4 (where no
 * extension field can follow: chronyd sends and wants it so); both are
 * accepted, and a reply carries the request's length. An AES key gives
 * the RFC 8573 AES-CMAC.
 * A MAC field of a key id 0 alone is a crypto-NAK (RFC 5905 section 7.4).
 */
#ifndef TSET_NTP_AUTH_H
#define TSET_NTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "crypto.h"
#include "keys.h"
#include "ntp_pkt.h"

#define NTP_AUTH_KEYID_LEN 4  /* RFC 5905 section 7.3: key identifier */
#define NTP_AUTH_V4_DIGEST 20 /* RFC 7822 section 7.5: longest digest a v4 MAC holds */
#define NTP_AUTH_MAX_MAC   (NTP_AUTH_KEYID_LEN + CRYPTO_MAX_OUT) /* a whole digest */

/* What the MAC field of a packet says. */
enum ntp_auth_verdict {
	NTP_AUTH_NONE = 0,   /* no MAC field */
	NTP_AUTH_OK,	     /* a MAC of a known key, and it is right */
	NTP_AUTH_CRYPTO_NAK, /* key id 0 and no digest: the peer could not check ours */
	NTP_AUTH_UNKNOWN,    /* a key id that is not in the keys (or not trusted) */
	NTP_AUTH_BAD,	     /* a known key, and the digest is wrong or of the wrong length */
};

/* Bytes of key's digest in the MAC field of a packet of this version: in
 * NTPv4 16 (MD5, AES-CMAC) or 20 (SHA1, SHA256 cut); before, the whole
 * digest (SHA256: 32). */
size_t ntp_auth_digest_len(const struct keys_key *key, unsigned version);

/* May a MAC field of key hold a digest of len bytes? The NTPv4 length,
 * or the whole digest. */
bool ntp_auth_digest_len_ok(const struct keys_key *key, size_t len);

/*
 * Append the MAC field of key, with a digest of digest_len bytes (which
 * ntp_auth_digest_len_ok allows), to the packet buf[0..len) (header and
 * any extension fields), within cap bytes. Returns the new length,
 * -ENOBUFS when it does not fit, or -EINVAL for a digest length the key
 * does not have.
 */
int ntp_auth_sign_len(const struct keys_key *key, size_t digest_len, uint8_t *buf, size_t len,
		      size_t cap);

/* ntp_auth_sign_len with the length of the packet's version (its first
 * byte; ntp_auth_digest_len). */
int ntp_auth_sign(const struct keys_key *key, uint8_t *buf, size_t len, size_t cap);

/*
 * Check the MAC field of the decoded packet p (buf is what p was decoded
 * from). With cfg, only a key its trustedkey lines name counts (NULL:
 * any key in ks). *ret_key is set to the key on NTP_AUTH_OK, else NULL.
 * The digest is compared in constant time.
 */
enum ntp_auth_verdict ntp_auth_verify(const struct keys *ks, const struct config *cfg,
				      const uint8_t *buf, const struct ntp_pkt *p,
				      const struct keys_key **ret_key);

/*
 * Check the MAC field of p against one key (a client knows which key its
 * server must use): NTP_AUTH_UNKNOWN when the field names another key id.
 */
enum ntp_auth_verdict ntp_auth_verify_key(const struct keys_key *key, const uint8_t *buf,
					  const struct ntp_pkt *p);

/* Is key id trusted by the config's trustedkey lines? */
bool ntp_auth_is_trusted(const struct config *cfg, unsigned id);

#endif
