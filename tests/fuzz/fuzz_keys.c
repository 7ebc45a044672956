/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target of the keys file reader: the whole input as a keys
 * file. Every key it accepts signs a request, and the signed request must
 * decode with a MAC of that key and verify, for any key and for that one
 * key (a client's check); under another id, with a flipped digest bit or
 * as a crypto-NAK it must not.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "keys.h"
#include "ntp_auth.h"

static struct keys fuzz_keys;

static void fuzz_sign_verify(const struct keys_key *k)
{
	uint8_t buf[NTP_PKT_HEADER_LEN + NTP_AUTH_MAX_MAC] = { 0x23 };
	struct keys_key other = *k;
	const struct keys_key *got;
	struct ntp_pkt p;
	int n = ntp_auth_sign(k, buf, NTP_PKT_HEADER_LEN, sizeof(buf));

	FUZZ_CHECK(n == (int)(NTP_PKT_HEADER_LEN + NTP_AUTH_KEYID_LEN + ntp_auth_digest_len(k, 4)));
	FUZZ_CHECK(ntp_pkt_decode(buf, (size_t)n, &p) == NTP_PKT_OK && p.mac_keyid == k->id);
	FUZZ_CHECK(ntp_auth_verify(&fuzz_keys, NULL, buf, &p, &got) == NTP_AUTH_OK && got == k);
	/* a client knows its server's key: the same verdicts */
	FUZZ_CHECK(ntp_auth_verify_key(k, buf, &p) == NTP_AUTH_OK);
	other.id = k->id % KEYS_ID_MAX + 1;
	FUZZ_CHECK(ntp_auth_verify_key(&other, buf, &p) == NTP_AUTH_UNKNOWN);
	buf[n - 1] ^= 1;
	FUZZ_CHECK(ntp_auth_verify(&fuzz_keys, NULL, buf, &p, &got) == NTP_AUTH_BAD && !got);
	FUZZ_CHECK(ntp_auth_verify_key(k, buf, &p) == NTP_AUTH_BAD);
	/* a crypto-NAK (key id 0 alone) is never a key's MAC */
	memset(buf + NTP_PKT_HEADER_LEN, 0, NTP_AUTH_KEYID_LEN);
	FUZZ_CHECK(ntp_pkt_decode(buf, NTP_PKT_HEADER_LEN + NTP_AUTH_KEYID_LEN, &p) == NTP_PKT_OK);
	FUZZ_CHECK(ntp_auth_verify_key(k, buf, &p) == NTP_AUTH_CRYPTO_NAK);
	/* a digest length the key does not have, or no room: nothing written */
	FUZZ_CHECK(ntp_auth_sign_len(k, 24, buf, NTP_PKT_HEADER_LEN, sizeof(buf)) == -EINVAL);
	FUZZ_CHECK(ntp_auth_sign(k, buf, NTP_PKT_HEADER_LEN, NTP_PKT_HEADER_LEN + 19) == -ENOBUFS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err;
	char msg[sizeof(err.file) + sizeof(err.msg) + 32];

	memset(&err, 0, sizeof(err));
	keys_init(&fuzz_keys);
	if (keys_parse(&fuzz_keys, (const char *)data, size, "fuzz.keys", &err) < 0) {
		FUZZ_CHECK(err.line >= 1 && err.col >= 1);
		config_error_format(&err, msg, sizeof(msg));
	}
	FUZZ_CHECK(fuzz_keys.n <= KEYS_MAX);
	for (unsigned i = 0; i < fuzz_keys.n; i++) {
		const struct keys_key *k = &fuzz_keys.keys[i];

		FUZZ_CHECK(k->id >= KEYS_ID_MIN && k->id <= KEYS_ID_MAX);
		FUZZ_CHECK(k->key_len >= 1 && k->key_len <= KEYS_MAX_KEY_LEN);
		fuzz_sign_verify(k);
	}
	keys_wipe(&fuzz_keys);
	return 0;
}
