/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * keys (keys.h): one line, one key. The line is split into at most four
 * whitespace-separated fields (the fourth is always an error, so that an
 * ntpd address list that would restrict a key is never ignored); each
 * field is checked in place and the key decoded straight into the entry.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "keys.h"

#define KEYS_MAX_FIELDS 4
#define KEYS_MAX_LINE	1024
#define KEYS_TOKEN_SHOW 32 /* bytes of a field quoted in a message (never a key) */

/* Type names of both formats. */
static const struct {
	const char *name;
	enum crypto_alg alg;
} keys_types[] = {
	{ "M", CRYPTO_MD5 },
	{ "MD5", CRYPTO_MD5 },
	{ "SHA1", CRYPTO_SHA1 },
	{ "SHA-1", CRYPTO_SHA1 }, /* ntpsec: OpenSSL's names */
	{ "SHA256", CRYPTO_SHA256 },
	{ "SHA-256", CRYPTO_SHA256 },
	{ "AES128CMAC", CRYPTO_AES128_CMAC },
	{ "AES-128-CMAC", CRYPTO_AES128_CMAC },
	{ "AES128", CRYPTO_AES128_CMAC }, /* chrony */
	{ "AES", CRYPTO_AES128_CMAC },	  /* ntpsec: the cipher of the CMAC */
	{ "AES-128", CRYPTO_AES128_CMAC },
	{ "AES256CMAC", CRYPTO_AES256_CMAC },
	{ "AES-256-CMAC", CRYPTO_AES256_CMAC },
	{ "AES256", CRYPTO_AES256_CMAC },  /* chrony */
	{ "AES-256", CRYPTO_AES256_CMAC }, /* ntpsec */
};

struct keys_line {
	const char *file;
	unsigned line;
	struct config_error *err;
	unsigned n;
	const char *tok[KEYS_MAX_FIELDS + 1];
	size_t len[KEYS_MAX_FIELDS + 1];
	unsigned col[KEYS_MAX_FIELDS + 1];
};

__attribute__((format(printf, 3, 4))) static int keys_fail(const struct keys_line *l, unsigned col,
							   const char *fmt, ...)
{
	va_list ap;

	if (!l->err)
		return -EINVAL;
	memset(l->err, 0, sizeof(*l->err));
	snprintf(l->err->file, sizeof(l->err->file), "%s", l->file);
	l->err->line = l->line;
	l->err->col = col;
	va_start(ap, fmt);
	vsnprintf(l->err->msg, sizeof(l->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void keys_init(struct keys *ret)
{
	memset(ret, 0, sizeof(*ret));
}

void keys_wipe(struct keys *ks)
{
	explicit_bzero(ks, sizeof(*ks));
}

const struct keys_key *keys_find(const struct keys *ks, unsigned id)
{
	for (unsigned i = 0; ks && i < ks->n; i++)
		if (ks->keys[i].id == id)
			return &ks->keys[i];
	return NULL;
}

const char *keys_alg_name(enum crypto_alg alg)
{
	switch (alg) {
	case CRYPTO_MD5:
		return "MD5";
	case CRYPTO_SHA1:
		return "SHA1";
	case CRYPTO_SHA256:
		return "SHA256";
	case CRYPTO_AES128_CMAC:
		return "AES128CMAC";
	case CRYPTO_AES256_CMAC:
		return "AES256CMAC";
	case CRYPTO_NONE:
		break;
	}
	return "none";
}

static bool keys_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Split one line (no newline) into fields; stops at '#'. */
static int keys_split(struct keys_line *l, const char *s, size_t len)
{
	size_t i = 0;

	l->n = 0;
	while (i < len && s[i] != '#') {
		size_t start;

		if (keys_is_space(s[i])) {
			i++;
			continue;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return keys_fail(l, (unsigned)i + 1, "control character 0x%02x in line",
					 (unsigned char)s[i]);
		if (l->n > KEYS_MAX_FIELDS)
			break;
		start = i;
		while (i < len && !keys_is_space(s[i]) && s[i] != '#' &&
		       (unsigned char)s[i] >= 0x20 && s[i] != 0x7f)
			i++;
		l->tok[l->n] = s + start;
		l->len[l->n] = i - start;
		l->col[l->n++] = (unsigned)start + 1;
	}
	return 0;
}

static int keys_id_at(const struct keys_line *l, unsigned *ret)
{
	unsigned long v = 0;
	size_t k;

	for (k = 0; k < l->len[0]; k++) {
		char c = l->tok[0][k];

		if (c < '0' || c > '9' || (k == 0 && c == '0' && l->len[0] > 1))
			break;
		v = v > KEYS_ID_MAX ? v : v * 10 + (unsigned long)(c - '0');
	}
	if (k < l->len[0] || v < KEYS_ID_MIN || v > KEYS_ID_MAX)
		return keys_fail(l, l->col[0], "bad key id '%.*s' (expected an integer %d..%d)",
				 (int)(l->len[0] > KEYS_TOKEN_SHOW ? KEYS_TOKEN_SHOW : l->len[0]),
				 l->tok[0], KEYS_ID_MIN, KEYS_ID_MAX);
	*ret = (unsigned)v;
	return 0;
}

static enum crypto_alg keys_type(const char *s, size_t len)
{
	for (size_t k = 0; k < sizeof(keys_types) / sizeof(keys_types[0]); k++)
		if (strlen(keys_types[k].name) == len &&
		    strncasecmp(keys_types[k].name, s, len) == 0)
			return keys_types[k].alg;
	return CRYPTO_NONE;
}

static int keys_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex text s[0..len) into key; col is s's column. */
static int keys_hex(const struct keys_line *l, unsigned col, const char *s, size_t len,
		    struct keys_key *key)
{
	if (len == 0 || len % 2 != 0)
		return keys_fail(l, col, "bad hex key: %zu digits (expected an even number, 2..%d)",
				 len, 2 * KEYS_MAX_KEY_LEN);
	if (len / 2 > KEYS_MAX_KEY_LEN)
		return keys_fail(l, col, "key too long: %zu bytes (at most %d)", len / 2,
				 KEYS_MAX_KEY_LEN);
	for (size_t k = 0; k < len; k += 2) {
		int hi = keys_hex_digit(s[k]), lo = keys_hex_digit(s[k + 1]);

		if (hi < 0 || lo < 0)
			return keys_fail(l, col + (unsigned)k + (hi < 0 ? 0 : 1),
					 "bad hex key: not a hex digit");
		key->key[k / 2] = (uint8_t)(hi << 4 | lo);
	}
	key->key_len = len / 2;
	return 0;
}

static int keys_ascii(const struct keys_line *l, unsigned col, const char *s, size_t len,
		      struct keys_key *key)
{
	if (len == 0)
		return keys_fail(l, col, "empty key");
	if (len > KEYS_MAX_KEY_LEN)
		return keys_fail(l, col, "key too long: %zu bytes (at most %d)", len,
				 KEYS_MAX_KEY_LEN);
	memcpy(key->key, s, len);
	key->key_len = len;
	return 0;
}

/* KEY: chrony's HEX:/ASCII: prefixes, else ntpd's rule (up to 20
 * characters as they are, longer ones hex). */
static int keys_key_at(const struct keys_line *l, unsigned i, struct keys_key *key)
{
	const char *s = l->tok[i];
	size_t len = l->len[i];
	unsigned col = l->col[i];

	if (len >= 4 && strncasecmp(s, "HEX:", 4) == 0)
		return keys_hex(l, col + 4, s + 4, len - 4, key);
	if (len >= 6 && strncasecmp(s, "ASCII:", 6) == 0)
		return keys_ascii(l, col + 6, s + 6, len - 6, key);
	if (len <= KEYS_ASCII_MAX)
		return keys_ascii(l, col, s, len, key);
	return keys_hex(l, col, s, len, key);
}

/* ID [TYPE] KEY: the type is optional (chrony: MD5) only before a
 * HEX:/ASCII: key, where it cannot be mistaken for one. */
static int keys_line_parse(struct keys *ks, const struct keys_line *l)
{
	struct keys_key key;
	unsigned ki = 2;
	int r;

	memset(&key, 0, sizeof(key));
	key.line = l->line;
	if (l->n < 2)
		return keys_fail(l, l->n ? l->col[0] + (unsigned)l->len[0] : 1,
				 "missing key (expected ID TYPE KEY)");
	if (l->n > 3)
		return keys_fail(
			l, l->col[3],
			"unexpected field after the key (address lists are not supported)");
	r = keys_id_at(l, &key.id);
	if (r < 0)
		return r;
	if (l->n == 2) {
		key.alg = CRYPTO_MD5;
		ki = 1;
		if (!((l->len[1] >= 4 && strncasecmp(l->tok[1], "HEX:", 4) == 0) ||
		      (l->len[1] >= 6 && strncasecmp(l->tok[1], "ASCII:", 6) == 0)))
			return keys_fail(l, l->col[1] + (unsigned)l->len[1],
					 "missing key (expected ID TYPE KEY)");
	} else {
		key.alg = keys_type(l->tok[1], l->len[1]);
		if (key.alg == CRYPTO_NONE)
			return keys_fail(
				l, l->col[1],
				"unsupported key type '%.*s' (expected MD5, SHA1, "
				"SHA256, AES128CMAC or AES256CMAC)",
				(int)(l->len[1] > KEYS_TOKEN_SHOW ? KEYS_TOKEN_SHOW : l->len[1]),
				l->tok[1]);
	}
	r = keys_key_at(l, ki, &key);
	if (r == 0 && crypto_key_len(key.alg) && key.key_len != crypto_key_len(key.alg))
		r = keys_fail(l, l->col[ki], "%s key of %zu bytes (expected %zu)",
			      keys_alg_name(key.alg), key.key_len, crypto_key_len(key.alg));
	if (r == 0 && keys_find(ks, key.id))
		r = keys_fail(l, l->col[0], "key %u declared twice", key.id);
	if (r == 0 && ks->n >= KEYS_MAX)
		r = keys_fail(l, l->col[0], "too many keys (at most %d)", KEYS_MAX);
	if (r == 0)
		ks->keys[ks->n++] = key;
	explicit_bzero(&key, sizeof(key));
	return r;
}

int keys_parse(struct keys *ks, const char *buf, size_t len, const char *file,
	       struct config_error *ret_err)
{
	struct keys_line l;
	size_t pos = 0;

	if (!ks || (!buf && len > 0))
		return -EINVAL;
	memset(&l, 0, sizeof(l));
	l.file = file ? file : "(keys)";
	l.err = ret_err;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		int r;

		l.line++;
		if (memchr(buf + pos, '\0', end - pos))
			return keys_fail(
				&l,
				(unsigned)((const char *)memchr(buf + pos, '\0', end - pos) -
					   (buf + pos)) +
					1,
				"nul byte in line");
		if (end - pos > KEYS_MAX_LINE)
			return keys_fail(&l, KEYS_MAX_LINE + 1, "line longer than %d bytes",
					 KEYS_MAX_LINE);
		r = keys_split(&l, buf + pos, end - pos);
		if (r == 0 && l.n > 0)
			r = keys_line_parse(ks, &l);
		if (r < 0)
			return r;
		pos = end + 1;
	}
	return 0;
}
