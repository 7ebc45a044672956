/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config: the ntp.conf-syntax parser that tset and tsetd share (config.h).
 *
 * The buffer is cut into lines and each line into whitespace-separated
 * tokens, copied into a line buffer and NUL-terminated there. The first
 * token is looked up in config_directives[]: a handler validates every
 * argument and stores the result, and the table says which program uses
 * the directive, so that the other one records a notice instead. The
 * handlers live by reader: config_server.c (server, pool, peer: both),
 * config_tset.c, config_tsetd.c; the shared ones (keys, trustedkey,
 * includefile) are here. Nothing here allocates, logs or keeps state
 * outside the caller's struct config.
 *
 * Numbers in seconds are read with strtod() after a strict syntax check;
 * the programs never call setlocale(), so '.' is the decimal point.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "ntp_proto.h"

const struct config_range config_range_any = { -CONFIG_MAX_ABS_S, CONFIG_MAX_ABS_S, false,
					       "a number -1e9 <= X <= 1e9" };

const struct config_range config_range_gate = { 0, CONFIG_MAX_ABS_S, false,
						"seconds 0 <= S <= 1e9" };

/* ---- errors and notices ---- */

/* Fill ctx->err (when there is one) and return -EINVAL. */
int config_fail(struct config_ctx *ctx, unsigned col, const char *fmt, ...)
{
	struct config_error *err = ctx->err;
	va_list ap;

	if (!err)
		return -EINVAL;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", ctx->file);
	err->line = ctx->line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Record a notice for this line, unless it has one already. */
void config_notice(struct config_ctx *ctx, const char *fmt, ...)
{
	struct config *cfg = ctx->cfg;
	struct config_notice *n;
	va_list ap;

	if (ctx->noticed)
		return;
	ctx->noticed = true;
	if (cfg->n_notices >= CONFIG_MAX_NOTICES) {
		cfg->n_notices_dropped++;
		return;
	}
	n = &cfg->notices[cfg->n_notices++];
	memset(n, 0, sizeof(*n));
	snprintf(n->file, sizeof(n->file), "%s", ctx->file);
	n->line = ctx->line;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
}

static const char *config_other_program(const struct config_ctx *ctx)
{
	return ctx->prog == CONFIG_PROGRAM_TSET ? "tsetd" : "tset";
}

/* ---- token access ---- */

int config_need(struct config_ctx *ctx, unsigned i, const char *what)
{
	if (i < ctx->n)
		return 0;
	return config_fail(ctx, ctx->end_col, "missing argument to '%s'", what);
}

int config_no_more(struct config_ctx *ctx, unsigned i)
{
	if (i >= ctx->n)
		return 0;
	return config_fail(ctx, ctx->col[i], "unexpected argument '%.*s' to '%s'",
			   CONFIG_TOKEN_SHOW, ctx->tok[i], ctx->tok[0]);
}

static bool config_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Strict decimal integer: digits only. -EINVAL: not one; -ERANGE: outside min..max. */
static int config_strtou(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;
	bool big = false;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!config_is_digit(*s))
			return -EINVAL;
		if (v > (ULONG_MAX - 9) / 10)
			big = true;
		else
			v = v * 10 + (unsigned long)(*s - '0');
	}
	if (big || v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* [+-]digits[.digits][e[+-]digits]: no hex, inf, nan, or trailing junk. */
static bool config_is_decimal(const char *s)
{
	bool digits = false;

	if (*s == '+' || *s == '-')
		s++;
	for (; config_is_digit(*s); s++)
		digits = true;
	if (*s == '.')
		for (s++; config_is_digit(*s); s++)
			digits = true;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!config_is_digit(*s))
			return false;
		while (config_is_digit(*s))
			s++;
	}
	return *s == '\0';
}

/* Token i as an integer in min..max; what names it in messages. */
int config_uint_at(struct config_ctx *ctx, unsigned i, const char *what, unsigned long min,
		   unsigned long max, unsigned long *ret)
{
	int r = config_need(ctx, i, what);

	if (r < 0)
		return r;
	r = config_strtou(ctx->tok[i], min, max, ret);
	if (r == -EINVAL)
		return config_fail(ctx, ctx->col[i],
				   "bad number '%.*s' for %s (expected an integer %lu..%lu)",
				   CONFIG_TOKEN_SHOW, ctx->tok[i], what, min, max);
	if (r < 0)
		return config_fail(ctx, ctx->col[i],
				   "%s '%.*s' out of range (expected an integer %lu..%lu)", what,
				   CONFIG_TOKEN_SHOW, ctx->tok[i], min, max);
	return 0;
}

/* Token i as seconds (or any number) within *range. */
int config_seconds_at(struct config_ctx *ctx, unsigned i, const char *what,
		      const struct config_range *range, double *ret)
{
	const char *s;
	char *end;
	double v = 0;
	int r = config_need(ctx, i, what);

	if (r < 0)
		return r;
	s = ctx->tok[i];
	v = NAN;
	if (config_is_decimal(s)) {
		v = strtod(s, &end);
		if (*end)
			v = NAN;
	}
	if (!isfinite(v))
		return config_fail(ctx, ctx->col[i], "bad number '%.*s' for %s (expected %s)",
				   CONFIG_TOKEN_SHOW, s, what, range->expect);
	if (v < range->min || (range->min_open && v == range->min) || v > range->max)
		return config_fail(ctx, ctx->col[i], "%s '%.*s' out of range (expected %s)", what,
				   CONFIG_TOKEN_SHOW, s, range->expect);
	*ret = v;
	return 0;
}

/* Token i as a file name, the last argument of the line. */
int config_path_at(struct config_ctx *ctx, unsigned i, char *dst, size_t dst_len)
{
	int r = config_need(ctx, i, ctx->tok[0]);

	if (r < 0)
		return r;
	if (strlen(ctx->tok[i]) >= dst_len)
		return config_fail(ctx, ctx->col[i],
				   "file name '%.*s...' too long (at most %zu bytes)",
				   CONFIG_TOKEN_SHOW, ctx->tok[i], dst_len - 1);
	r = config_no_more(ctx, i + 1);
	if (r < 0)
		return r;
	strcpy(dst, ctx->tok[i]);
	return 0;
}

/* Consume a leading -4 / -6 at token *i. */
void config_family_at(struct config_ctx *ctx, unsigned *i, enum config_family *ret)
{
	*ret = CONFIG_FAMILY_ANY;
	if (*i >= ctx->n)
		return;
	if (strcmp(ctx->tok[*i], "-4") == 0)
		*ret = CONFIG_FAMILY_INET;
	else if (strcmp(ctx->tok[*i], "-6") == 0)
		*ret = CONFIG_FAMILY_INET6;
	else
		return;
	(*i)++;
}

/* ---- hosts and addresses ---- */

bool config_addr_from_text(const char *s, struct config_addr *ret)
{
	struct config_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.u.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.u.v6) == 1)
		a.family = AF_INET6;
	else
		return false;
	*ret = a;
	return true;
}

/* An interface name or IPv6 zone: [A-Za-z0-9_.:-]{1,15}. */
bool config_is_ifname(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= CONFIG_MAX_IFNAME)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") ==
	       len;
}

/* One DNS label of len bytes: letters, digits, '-', '_'; not starting with '-'. */
static bool config_is_label(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CONFIG_MAX_LABEL || s[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
			    s[i]))
			return false;
	return true;
}

/* A DNS name; a final dot is allowed; an all-digit last label is not (1.2.3.256). */
bool config_is_dns_name(const char *s)
{
	size_t len = strlen(s), start = 0, dot;
	bool numeric = true;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > CONFIG_MAX_DNS)
		return false;
	while (start <= len) {
		const char *p = memchr(s + start, '.', len - start);

		dot = p ? (size_t)(p - s) : len;
		if (!config_is_label(s + start, dot - start))
			return false;
		numeric = strspn(s + start, "0123456789") >= dot - start;
		start = dot + 1;
	}
	return !numeric;
}

/*
 * The address family of a numeric host (AF_INET, AF_INET6 with an optional
 * %zone), or 0 when host is not numeric.
 */
int config_host_family(const char *host)
{
	char addr[INET6_ADDRSTRLEN];
	struct config_addr a;
	const char *pct = strchr(host, '%');
	size_t len = pct ? (size_t)(pct - host) : strlen(host);

	if (len >= sizeof(addr))
		return 0;
	memcpy(addr, host, len);
	addr[len] = '\0';
	if (!config_addr_from_text(addr, &a))
		return 0;
	if (pct && (a.family != AF_INET6 || !config_is_ifname(pct + 1)))
		return 0;
	return a.family;
}

bool config_host_is_valid(const char *host)
{
	if (strlen(host) >= CONFIG_MAX_HOST)
		return false;
	return config_host_family(host) != 0 || config_is_dns_name(host);
}

/* "ADDR" or "ADDR/LEN". -EINVAL: not an address; -ERANGE: bad length. */
int config_prefix_parse(const char *s, struct config_addr *ret_addr, unsigned *ret_prefix)
{
	char text[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	struct config_addr a;
	unsigned long prefix, max;

	if (len >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, len);
	text[len] = '\0';
	if (!config_addr_from_text(text, &a))
		return -EINVAL;
	max = a.family == AF_INET ? 32 : 128;
	prefix = max;
	if (slash && config_strtou(slash + 1, 0, max, &prefix) < 0)
		return -ERANGE;
	*ret_addr = a;
	*ret_prefix = (unsigned)prefix;
	return 0;
}

static uint8_t *config_addr_bytes(struct config_addr *a, size_t *ret_len)
{
	if (a->family == AF_INET) {
		*ret_len = sizeof(a->u.v4);
		return (uint8_t *)&a->u.v4;
	}
	*ret_len = sizeof(a->u.v6);
	return a->u.v6.s6_addr;
}

bool config_addr_equal(const struct config_addr *a, const struct config_addr *b)
{
	struct config_addr x = *a, y = *b;
	size_t lx, ly;
	const uint8_t *px = config_addr_bytes(&x, &lx), *py = config_addr_bytes(&y, &ly);

	return x.family == y.family && lx == ly && memcmp(px, py, lx) == 0;
}

/* Clear the bits beyond prefix: the network address. */
void config_addr_clear_host(struct config_addr *a, unsigned prefix)
{
	size_t len, i;
	uint8_t *b = config_addr_bytes(a, &len);

	for (i = 0; i < len; i++) {
		unsigned keep = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;

		if (keep < 8)
			b[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

/* The prefix length of a contiguous mask, or -EINVAL. */
int config_mask_prefix(struct config_addr *mask)
{
	size_t len, i;
	uint8_t *b = config_addr_bytes(mask, &len);
	unsigned prefix = 0;

	for (i = 0; i < len && b[i] == 0xff; i++)
		prefix += 8;
	if (i < len) {
		uint8_t rest = b[i];

		while (rest & 0x80) {
			rest = (uint8_t)(rest << 1);
			prefix++;
		}
		if (rest)
			return -EINVAL;
		for (i++; i < len; i++)
			if (b[i])
				return -EINVAL;
	}
	return (int)prefix;
}

/* ---- public helpers ---- */

/* One decimal octet 0..255 without leading zeros; advances *s. */
static bool config_octet(const char **s, unsigned *ret)
{
	const char *p = *s;
	unsigned v = 0;
	size_t n = 0;

	while (config_is_digit(p[n]) && n < 4)
		v = v * 10 + (unsigned)(p[n++] - '0');
	if (n == 0 || n > 3 || v > 255 || (n > 1 && p[0] == '0'))
		return false;
	*s = p + n;
	*ret = v;
	return true;
}

bool config_host_is_refclock(const char *host, unsigned *ret_type, unsigned *ret_unit)
{
	unsigned type, unit;
	const char *p = host;

	if (!host || strncmp(p, "127.127.", 8) != 0)
		return false;
	p += 8;
	if (!config_octet(&p, &type) || *p++ != '.' || !config_octet(&p, &unit) || *p)
		return false;
	if (ret_type)
		*ret_type = type;
	if (ret_unit)
		*ret_unit = unit;
	return true;
}

/* Split arg into host and port text; brackets are removed. */
static int config_split_host_port(const char *arg, char *host, size_t host_size,
				  const char **ret_port)
{
	const char *start = arg, *end, *port = NULL, *colon;

	if (arg[0] == '[') {
		start = arg + 1;
		end = strchr(start, ']');
		if (!end || (end[1] != '\0' && end[1] != ':'))
			return -EINVAL;
		if (end[1] == ':')
			port = end + 2;
	} else {
		colon = strchr(arg, ':');
		end = arg + strlen(arg);
		if (colon && !strchr(colon + 1, ':')) {
			end = colon;
			port = colon + 1;
		}
	}
	if (end == start || (size_t)(end - start) >= host_size)
		return -EINVAL;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	*ret_port = port;
	return 0;
}

int config_parse_host_port(const char *arg, uint16_t default_port, char *ret_host, size_t host_len,
			   uint16_t *ret_port)
{
	char host[CONFIG_MAX_HOST];
	const char *port_text;
	unsigned long port = default_port;
	int af;

	if (!arg || !ret_host || !ret_port)
		return -EINVAL;
	if (config_split_host_port(arg, host, sizeof(host), &port_text) < 0)
		return -EINVAL;
	if (!config_host_is_valid(host) || strlen(host) >= host_len)
		return -EINVAL;
	af = config_host_family(host);
	if (arg[0] == '[' && af != AF_INET6)
		return -EINVAL;
	if (port_text && config_strtou(port_text, 1, 65535, &port) < 0)
		return -EINVAL;
	strcpy(ret_host, host);
	*ret_port = (uint16_t)port;
	return 0;
}

void config_error_format(const struct config_error *err, char *buf, size_t len)
{
	if (!buf || len == 0)
		return;
	if (!err) {
		buf[0] = '\0';
		return;
	}
	if (err->from_file[0])
		snprintf(buf, len, "%s:%u:%u: %s (included from %s:%u)", err->file, err->line,
			 err->col, err->msg, err->from_file, err->from_line);
	else
		snprintf(buf, len, "%s:%u:%u: %s", err->file, err->line, err->col, err->msg);
}

void config_init(struct config *ret)
{
	memset(ret, 0, CONFIG_SLOTS); /* the slots: cleared as they are taken */
	ret->step_s = NTP_STEP_S;
	ret->panic_s = NTP_PANIC_S;
	ret->samples = 4;
	ret->timeout_s = 1.0;
	ret->deadline_s = 10.0;
	ret->accuracy_s = 0.001;
	ret->port = CONFIG_NTP_PORT;
	ret->discard_average_log2 = 3; /* ntpd: 8 s between packets on average */
	ret->discard_minimum_s = 2;    /* ntpd: 2 s guard time */
	ret->limit_prefix4 = CONFIG_LIMIT_PREFIX4_DEF;
	ret->limit_prefix6 = CONFIG_LIMIT_PREFIX6_DEF;
	ret->stats_interval_s = CONFIG_STATS_INTERVAL_DEF_S;
}

static int config_do_keys(struct config_ctx *ctx)
{
	return config_path_at(ctx, 1, ctx->cfg->keys, sizeof(ctx->cfg->keys));
}

/*
 * The ids of a trustedkey line, one token at a time. ntpd's range
 * `(LO ... HI)` may be spaced any way ("(3 ... 5)", "( 3...5 )"), so the
 * line is read as a run of characters: digits, '(', "...", ')'.
 */
struct config_keys_scan {
	unsigned tok;	 /* token being read */
	const char *at;	 /* where in it */
	const char *num; /* the digits of the last number */
	int num_len;
};

/* The next item: a number (*ret_id), '(', ')', '.' (for "..."), or 0 at the end. */
static char config_keys_next(struct config_ctx *ctx, struct config_keys_scan *sc,
			     unsigned long *ret_id, unsigned *ret_col, bool *ret_bad)
{
	unsigned long v = 0;
	const char *p;

	while (sc->tok < ctx->n && !*sc->at && ++sc->tok < ctx->n)
		sc->at = ctx->tok[sc->tok];
	if (sc->tok >= ctx->n)
		return 0;
	p = sc->at;
	*ret_col = ctx->col[sc->tok] + (unsigned)(p - ctx->tok[sc->tok]);
	if (*p == '(' || *p == ')') {
		sc->at = p + 1;
		return *p;
	}
	if (strncmp(p, "...", 3) == 0) {
		sc->at = p + 3;
		return '.';
	}
	if (!config_is_digit(*p)) {
		*ret_bad = true;
		return 0;
	}
	sc->num = p;
	for (; config_is_digit(*p); p++)
		v = v > 65535 ? v : v * 10 + (unsigned long)(*p - '0');
	sc->num_len = (int)(p - sc->num);
	sc->at = p;
	*ret_id = v;
	return '0';
}

static int config_trusted_add(struct config_ctx *ctx, const struct config_keys_scan *sc,
			      unsigned col, unsigned long lo, unsigned long hi)
{
	struct config *cfg = ctx->cfg;

	if (lo == hi && (lo < 1 || lo > 65535))
		return config_fail(
			ctx, col, "trustedkey '%.*s' out of range (expected an integer 1..65535)",
			sc->num_len > CONFIG_TOKEN_SHOW ? CONFIG_TOKEN_SHOW : sc->num_len, sc->num);
	if (lo < 1 || hi > 65535 || lo > hi)
		return config_fail(ctx, col,
				   "bad trustedkey range (%lu ... %lu) (expected ids "
				   "1..65535, low first)",
				   lo, hi);
	if (cfg->n_trusted >= CONFIG_MAX_TRUSTED)
		return config_fail(ctx, col, "too many trusted keys (at most %d)",
				   CONFIG_MAX_TRUSTED);
	cfg->trusted[cfg->n_trusted++] = (struct config_key_range){ (unsigned)lo, (unsigned)hi };
	return 0;
}

/* trustedkey ID|(LO ... HI) ... */
static int config_do_trustedkey(struct config_ctx *ctx)
{
	struct config_keys_scan sc = { 1, "", "", 0 };
	unsigned long lo = 0, hi = 0;
	unsigned col = 0, col2 = 0;
	bool bad = false;
	char c;
	int r = config_need(ctx, 1, "trustedkey");

	if (r == 0)
		sc.at = ctx->tok[1];
	while (r == 0 && (c = config_keys_next(ctx, &sc, &lo, &col, &bad)) != 0) {
		if (c == '0') {
			r = config_trusted_add(ctx, &sc, col, lo, lo);
			continue;
		}
		if (c != '(' || config_keys_next(ctx, &sc, &lo, &col2, &bad) != '0' ||
		    config_keys_next(ctx, &sc, &hi, &col2, &bad) != '.' ||
		    config_keys_next(ctx, &sc, &hi, &col2, &bad) != '0' ||
		    config_keys_next(ctx, &sc, &hi, &col2, &bad) != ')')
			return config_fail(
				ctx, col,
				"bad trustedkey range (expected a key id or (LO ... HI))");
		r = config_trusted_add(ctx, &sc, col, lo, hi);
	}
	if (r == 0 && bad)
		return config_fail(ctx, col,
				   "bad key id '%.*s' for trustedkey (expected an integer "
				   "1..65535 or (LO ... HI))",
				   CONFIG_TOKEN_SHOW, ctx->tok[sc.tok]);
	return r;
}

/* A directive with one value in seconds. */
int config_one_seconds(struct config_ctx *ctx, const struct config_range *range, double *dst,
		       bool *has)
{
	double v = 0;
	int r = config_seconds_at(ctx, 1, ctx->tok[0], range, &v);

	if (r == 0)
		r = config_no_more(ctx, 2);
	if (r < 0)
		return r;
	*dst = v;
	*has = true;
	return 0;
}

/* `DIRECTIVE N`, N in min..max: the one number, and that it was given. */
int config_one_uint(struct config_ctx *ctx, unsigned long min, unsigned long max,
		    unsigned long *dst, bool *has)
{
	unsigned long v = 0;
	int r = config_uint_at(ctx, 1, ctx->tok[0], min, max, &v);

	if (r == 0)
		r = config_no_more(ctx, 2);
	if (r < 0)
		return r;
	*dst = v;
	*has = true;
	return 0;
}

/* ---- includefile ---- */

/* includefile NAME: inc reads the file and parses it into the same config. */
static int config_do_includefile(struct config_ctx *ctx)
{
	char name[CONFIG_MAX_PATH], why[64];
	struct config_error sub;
	int r = config_path_at(ctx, 1, name, sizeof(name));

	if (r < 0)
		return r;
	if (!ctx->inc)
		return config_fail(ctx, ctx->col[1], "includefile '%.*s' cannot be read here",
				   CONFIG_TOKEN_SHOW, name);
	memset(&sub, 0, sizeof(sub));
	r = ctx->inc->include(ctx->inc->userdata, ctx->cfg, name, ctx->file, ctx->prog, &sub);
	if (r == -EINVAL) {
		/* the error is inside: say where it was included from */
		if (ctx->err) {
			*ctx->err = sub;
			if (!sub.from_file[0]) {
				snprintf(ctx->err->from_file, sizeof(ctx->err->from_file), "%s",
					 ctx->file);
				ctx->err->from_line = ctx->line;
			}
		}
		return r;
	}
	if (r == -ELOOP)
		return config_fail(ctx, ctx->col[1], "includefile '%.*s' includes itself (a loop)",
				   CONFIG_TOKEN_SHOW, name);
	if (r == -EMLINK)
		return config_fail(
			ctx, ctx->col[1],
			"includefile '%.*s' nested deeper than %d files or too many files",
			CONFIG_TOKEN_SHOW, name, CONFIG_MAX_INCLUDE);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s", strerror(-r));
		why[0] = (char)tolower((unsigned char)why[0]);
		return config_fail(ctx, ctx->col[1], "cannot read included file '%.*s': %s",
				   CONFIG_TOKEN_SHOW, name, why);
	}
	ctx->cfg->n_includes++;
	return 0;
}

/* ---- the directive table ---- */

/* A directive of ntpd/ntpsec that neither program uses: one notice, no validation. */
/* clang-format off */
#define CONFIG_DAEMON(name) { (name), CONFIG_USE_NONE, NULL }
/* clang-format on */

static const struct config_directive config_directives[] = {
	{ "accuracy", CONFIG_USE_TSET, config_do_accuracy },
	CONFIG_DAEMON("automax"),
	CONFIG_DAEMON("broadcast"),
	CONFIG_DAEMON("broadcastclient"),
	CONFIG_DAEMON("broadcastdelay"),
	CONFIG_DAEMON("calldelay"),
	CONFIG_DAEMON("controlkey"),
	CONFIG_DAEMON("crypto"),
	{ "deadline", CONFIG_USE_TSET, config_do_deadline },
	{ "delrestrict", CONFIG_USE_TSETD, config_do_unrestrict },
	CONFIG_DAEMON("device"),
	{ "disable", CONFIG_USE_TSET, config_do_disable },
	{ "discard", CONFIG_USE_TSETD, config_do_discard },
	CONFIG_DAEMON("driftfile"),
	CONFIG_DAEMON("dscp"),
	{ "enable", CONFIG_USE_TSET, config_do_enable },
	CONFIG_DAEMON("extra"),
	CONFIG_DAEMON("filegen"),
	{ "fudge", CONFIG_USE_TSETD, config_do_fudge },
	{ "gpsd", CONFIG_USE_TSETD, config_do_gpsd },
	CONFIG_DAEMON("ident"),
	{ "includefile", CONFIG_USE_BOTH, config_do_includefile },
	{ "interface", CONFIG_USE_TSETD, config_do_interface },
	{ "keys", CONFIG_USE_BOTH, config_do_keys },
	CONFIG_DAEMON("keysdir"),
	CONFIG_DAEMON("leapfile"),
	CONFIG_DAEMON("leapsmearinterval"),
	CONFIG_DAEMON("limit"),
	{ "limitprefix", CONFIG_USE_TSETD, config_do_limitprefix },
	CONFIG_DAEMON("logconfig"),
	{ "logfile", CONFIG_USE_TSETD, config_do_logfile },
	CONFIG_DAEMON("manycastclient"),
	CONFIG_DAEMON("manycastserver"),
	CONFIG_DAEMON("mdnstries"),
	CONFIG_DAEMON("mru"),
	CONFIG_DAEMON("multicastclient"),
	{ "nic", CONFIG_USE_TSETD, config_do_interface },
	CONFIG_DAEMON("nonvolatile"),
	CONFIG_DAEMON("nts"),
	CONFIG_DAEMON("ntpsigndsocket"),
	{ "ntstrustedcerts", CONFIG_USE_TSET, config_do_ntstrustedcerts },
	{ "peer", CONFIG_USE_BOTH, config_do_peer },
	CONFIG_DAEMON("phone"),
	CONFIG_DAEMON("pidfile"),
	CONFIG_DAEMON("pollskewlist"),
	{ "pool", CONFIG_USE_BOTH, config_do_pool },
	{ "port", CONFIG_USE_TSETD, config_do_port },
	CONFIG_DAEMON("qos"),
	CONFIG_DAEMON("refclock"),
	CONFIG_DAEMON("requestkey"),
	CONFIG_DAEMON("reset"),
	{ "resolvconf", CONFIG_USE_TSET, config_do_resolvconf },
	{ "restrict", CONFIG_USE_TSETD, config_do_restrict },
	CONFIG_DAEMON("revoke"),
	CONFIG_DAEMON("rlimit"),
	{ "samples", CONFIG_USE_TSET, config_do_samples },
	CONFIG_DAEMON("saveconfigdir"),
	{ "server", CONFIG_USE_BOTH, config_do_server },
	CONFIG_DAEMON("setvar"),
	CONFIG_DAEMON("statistics"),
	{ "statsinterval", CONFIG_USE_TSETD, config_do_statsinterval },
	CONFIG_DAEMON("statsdir"),
	CONFIG_DAEMON("tick"),
	{ "timeout", CONFIG_USE_TSET, config_do_timeout },
	{ "tinker", CONFIG_USE_TSET, config_do_tinker },
	{ "tos", CONFIG_USE_TSET, config_do_tos },
	CONFIG_DAEMON("trap"),
	{ "trustedkey", CONFIG_USE_BOTH, config_do_trustedkey },
	CONFIG_DAEMON("ttl"),
	CONFIG_DAEMON("unconfig"),
	CONFIG_DAEMON("unpeer"),
	{ "unrestrict", CONFIG_USE_TSETD, config_do_unrestrict },
};

static const struct config_directive *config_directive_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(config_directives) / sizeof(config_directives[0]); i++)
		if (strcmp(config_directives[i].name, name) == 0)
			return &config_directives[i];
	return NULL;
}

const char *config_directive_name(size_t i, bool *ret_tset, bool *ret_tsetd)
{
	if (i >= sizeof(config_directives) / sizeof(config_directives[0]))
		return NULL;
	*ret_tset = config_directives[i].used_by & CONFIG_USE_TSET;
	*ret_tsetd = config_directives[i].used_by & CONFIG_USE_TSETD;
	return config_directives[i].name;
}

/* ---- lines ---- */

static bool config_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Copy one line (len bytes, newline excluded) and split it into tokens. */
static int config_tokenize(struct config_ctx *ctx, const char *line, size_t len)
{
	const char *nul = memchr(line, '\0', len);
	bool in_token = false;
	size_t i;

	ctx->n = 0;
	ctx->end_col = 1;
	ctx->noticed = false;
	ctx->host_port = 0;
	if (nul)
		return config_fail(ctx, (unsigned)(nul - line) + 1, "nul byte in line");
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CONFIG_MAX_LINE)
		return config_fail(ctx, CONFIG_MAX_LINE + 1, "line longer than %d bytes",
				   CONFIG_MAX_LINE);
	memcpy(ctx->text, line, len);
	for (i = 0; i < len && ctx->text[i] != '#'; i++) {
		unsigned char c = (unsigned char)ctx->text[i];

		if (config_is_space((char)c)) {
			ctx->text[i] = '\0';
			in_token = false;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return config_fail(ctx, (unsigned)i + 1, "control character 0x%02x in line",
					   c);
		if (!in_token) {
			ctx->tok[ctx->n] = &ctx->text[i];
			ctx->col[ctx->n++] = (unsigned)i + 1;
			in_token = true;
		}
		ctx->end_col = (unsigned)i + 2;
	}
	ctx->text[i] = '\0';
	return 0;
}

static int config_parse_line(struct config_ctx *ctx, const char *line, size_t len)
{
	const struct config_directive *d;
	int r = config_tokenize(ctx, line, len);

	if (r < 0 || ctx->n == 0)
		return r;
	d = config_directive_find(ctx->tok[0]);
	if (!d)
		return config_fail(ctx, ctx->col[0], "unknown directive '%.*s'", CONFIG_TOKEN_SHOW,
				   ctx->tok[0]);
	if (!d->handle) {
		config_notice(ctx, "%s is for a daemon; skipped", d->name);
		return 0;
	}
	r = d->handle(ctx);
	if (r < 0)
		return r;
	if (!(d->used_by & (1u << ctx->prog)))
		config_notice(ctx, "%s is for %s; skipped", d->name, config_other_program(ctx));
	return 0;
}

int config_parse_include(struct config *cfg, const char *buf, size_t len, const char *file,
			 enum config_program prog, const struct config_include *inc,
			 struct config_error *ret_err)
{
	static const char bom[] = "\xef\xbb\xbf";
	struct config_ctx ctx;
	size_t pos = 0;

	if (!cfg || (!buf && len > 0) ||
	    (prog != CONFIG_PROGRAM_TSET && prog != CONFIG_PROGRAM_TSETD))
		return -EINVAL;
	memset(&ctx, 0, offsetof(struct config_ctx, tok));
	ctx.cfg = cfg;
	ctx.prog = prog;
	ctx.err = ret_err;
	ctx.inc = inc && inc->include ? inc : NULL;
	ctx.file = file ? file : "(config)";
	if (len >= 3 && memcmp(buf, bom, 3) == 0)
		pos = 3; /* a UTF-8 byte order mark, as some editors write */
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		int r;

		ctx.line++;
		r = config_parse_line(&ctx, buf + pos, end - pos);
		if (r < 0)
			return r;
		pos = end + 1;
	}
	return 0;
}

int config_parse(struct config *cfg, const char *buf, size_t len, const char *file,
		 enum config_program prog, struct config_error *ret_err)
{
	return config_parse_include(cfg, buf, len, file, prog, NULL, ret_err);
}
