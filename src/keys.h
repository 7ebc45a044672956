/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * keys: the symmetric keys file, in either format users already have, so
 * that one file serves tset, tsetd, chronyd and ntpd:
 *
 *   ntp.keys (ntpd, ntpsec):  ID TYPE KEY
 *     TYPE: MD5 (or M), SHA1, SHA256, AES128CMAC (or AES-128-CMAC),
 *     AES256CMAC (or AES-256-CMAC), and ntpsec's OpenSSL names SHA-1,
 *     SHA-256, AES (AES-128) and AES-256 for those CMACs; KEY: up to 20
 *     printable characters as they are, a longer one in hex.
 *   chrony's keyfile:         ID [TYPE] HEX:KEY | ASCII:KEY
 *     TYPE: MD5 (the default), SHA1, SHA256, AES128, AES256.
 *
 * Key ids are 1..65534, '#' starts a comment. keys_parse() is a pure
 * function on a buffer; it never copies key bytes into a message.
 */
#ifndef TSET_KEYS_H
#define TSET_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "crypto.h"

#define KEYS_MAX	 64    /* keys one file may hold */
#define KEYS_MAX_KEY_LEN 64    /* bytes of one key (512 bits) */
#define KEYS_ASCII_MAX	 20    /* ntp.keys: a longer key is hex (ntpd's rule) */
#define KEYS_ID_MIN	 1     /* 0 means "no key" on the wire */
#define KEYS_ID_MAX	 65534 /* ntpd's and chrony's highest usable id */

struct keys_key {
	unsigned id;
	enum crypto_alg alg;
	uint8_t key[KEYS_MAX_KEY_LEN];
	size_t key_len;
	unsigned line; /* where it was declared */
};

struct keys {
	struct keys_key keys[KEYS_MAX];
	unsigned n;
};

void keys_init(struct keys *ret);

/* Overwrite every key byte (the caller does before freeing or exiting). */
void keys_wipe(struct keys *ks);

/*
 * Parse buf[0..len), the keys file named file (for messages), adding to
 * *ks. Returns 0, or -EINVAL with *ret_err (may be NULL) naming the file,
 * line and column of the first bad entry; messages quote no key text.
 */
int keys_parse(struct keys *ks, const char *buf, size_t len, const char *file,
	       struct config_error *ret_err);

/* The key with this id, or NULL. */
const struct keys_key *keys_find(const struct keys *ks, unsigned id);

/* "MD5", "SHA1", "SHA256", "AES128CMAC", "AES256CMAC" */
const char *keys_alg_name(enum crypto_alg alg);

#endif
