/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config: the ntp.conf-syntax parser that tset and tsetd share (config.h).
 *
 * The buffer is cut into lines and each line into whitespace-separated
 * tokens, copied into a line buffer and NUL-terminated there. The first
 * token is looked up in config_directives[]: a handler validates every
 * argument and stores the result, and the table says which program uses
 * the directive, so that the other one records a notice instead. Nothing
 * here allocates, logs or keeps state outside the caller's struct config.
 *
 * Numbers in seconds are read with strtod() after a strict syntax check;
 * the programs never call setlocale(), so '.' is the decimal point.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntp_proto.h"

/* most tokens a line can hold: "a b c ..." */
#define CONFIG_MAX_TOKENS (CONFIG_MAX_LINE / 2 + 1)
#define CONFIG_NTP_PORT	  123 /* RFC 5905 section 7: UDP port 123 */
#define CONFIG_MAX_DNS	  253 /* RFC 1035 section 2.3.4, without the final dot */
#define CONFIG_MAX_LABEL  63  /* RFC 1035 section 2.3.4 */
#define CONFIG_MAX_ABS_S  1e9 /* bound on any seconds value (about 31 years) */
#define CONFIG_TOKEN_SHOW 48  /* bytes of a user token quoted in a message */

/* Which programs use a directive: bit (1 << enum config_program). */
enum {
	CONFIG_USE_NONE = 0,
	CONFIG_USE_TSET = 1u << CONFIG_PROGRAM_TSET,
	CONFIG_USE_TSETD = 1u << CONFIG_PROGRAM_TSETD,
	CONFIG_USE_BOTH = CONFIG_USE_TSET | CONFIG_USE_TSETD,
};

/* One line being parsed, and where to report. */
struct config_ctx {
	struct config *cfg;
	enum config_program prog;
	struct config_error *err;	  /* may be NULL */
	const struct config_include *inc; /* NULL: includefile is an error */
	const char *file;
	unsigned line;
	bool noticed;	    /* this line already has its notice */
	uint16_t host_port; /* the port of a server line's HOST:PORT, 0 if none */
	unsigned n;	    /* tokens */
	unsigned end_col;   /* column right after the last token */
	char *tok[CONFIG_MAX_TOKENS];
	unsigned col[CONFIG_MAX_TOKENS];
	char text[CONFIG_MAX_LINE + 1];
};

struct config_directive {
	const char *name;
	unsigned used_by;		       /* CONFIG_USE_* */
	int (*handle)(struct config_ctx *ctx); /* NULL: no program uses it */
};

/* An accepted range of seconds, and how to say it in a message. */
struct config_range {
	double min, max;
	bool min_open; /* min itself is excluded */
	const char *expect;
};

static const struct config_range config_range_timeout = { 0, 60, true, "seconds 0 < S <= 60" };
static const struct config_range config_range_deadline = { 0, 3600, true, "seconds 0 < S <= 3600" };
static const struct config_range config_range_accuracy = { 0, 1, true, "seconds 0 < S <= 1" };
static const struct config_range config_range_maxdist = { 0, 1000, true, "seconds 0 < S <= 1000" };
static const struct config_range config_range_gate = { 0, CONFIG_MAX_ABS_S, false,
						       "seconds 0 <= S <= 1e9" };
static const struct config_range config_range_any = { -CONFIG_MAX_ABS_S, CONFIG_MAX_ABS_S, false,
						      "a number -1e9 <= X <= 1e9" };
static const struct config_range config_range_stats = { 1, 86400, false,
							"seconds 1 <= S <= 86400" };
static const struct config_range config_range_fudge = { -CONFIG_MAX_ABS_S, CONFIG_MAX_ABS_S, false,
							"seconds -1e9 <= S <= 1e9" };

/* ---- errors and notices ---- */

static int config_fail(struct config_ctx *ctx, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void config_notice(struct config_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fill ctx->err (when there is one) and return -EINVAL. */
static int config_fail(struct config_ctx *ctx, unsigned col, const char *fmt, ...)
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
static void config_notice(struct config_ctx *ctx, const char *fmt, ...)
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

static int config_need(struct config_ctx *ctx, unsigned i, const char *what)
{
	if (i < ctx->n)
		return 0;
	return config_fail(ctx, ctx->end_col, "missing argument to '%s'", what);
}

static int config_no_more(struct config_ctx *ctx, unsigned i)
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
static int config_uint_at(struct config_ctx *ctx, unsigned i, const char *what, unsigned long min,
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
static int config_seconds_at(struct config_ctx *ctx, unsigned i, const char *what,
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
static int config_path_at(struct config_ctx *ctx, unsigned i, char *dst, size_t dst_len)
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
static void config_family_at(struct config_ctx *ctx, unsigned *i, enum config_family *ret)
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

static bool config_addr_from_text(const char *s, struct config_addr *ret)
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
static bool config_is_ifname(const char *s)
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
static bool config_is_dns_name(const char *s)
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
static int config_host_family(const char *host)
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

static bool config_host_is_valid(const char *host)
{
	if (strlen(host) >= CONFIG_MAX_HOST)
		return false;
	return config_host_family(host) != 0 || config_is_dns_name(host);
}

/* "ADDR" or "ADDR/LEN". -EINVAL: not an address; -ERANGE: bad length. */
static int config_prefix_parse(const char *s, struct config_addr *ret_addr, unsigned *ret_prefix)
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

static bool config_addr_equal(const struct config_addr *a, const struct config_addr *b)
{
	struct config_addr x = *a, y = *b;
	size_t lx, ly;
	const uint8_t *px = config_addr_bytes(&x, &lx), *py = config_addr_bytes(&y, &ly);

	return x.family == y.family && lx == ly && memcmp(px, py, lx) == 0;
}

/* Clear the bits beyond prefix: the network address. */
static void config_addr_clear_host(struct config_addr *a, unsigned prefix)
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
static int config_mask_prefix(struct config_addr *mask)
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
	memset(ret, 0, sizeof(*ret));
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

/* ---- server, pool, peer ---- */

enum config_opt_kind {
	CONFIG_OPT_FLAG,
	CONFIG_OPT_KEY,
	CONFIG_OPT_VERSION,
	CONFIG_OPT_PORT,
	CONFIG_OPT_MINPOLL,
	CONFIG_OPT_MAXPOLL,
	CONFIG_OPT_MODE,
	CONFIG_OPT_NUMBER, /* an integer tset does not use */
	CONFIG_OPT_SECONDS,
	CONFIG_OPT_STRING,
};

/* What tset makes of a server option. */
enum config_opt_use {
	CONFIG_OPT_USED,   /* stored, or nothing to do (iburst, minpoll) */
	CONFIG_OPT_DAEMON, /* a daemon's: noticed, skipped */
	CONFIG_OPT_NTS,	   /* an NTS parameter (ntpsec): with `nts` only */
};

struct config_server_opt {
	const char *name;
	enum config_opt_kind kind;
	unsigned flag;		/* CONFIG_SERVER_* of a CONFIG_OPT_FLAG, or 0 */
	unsigned long min, max; /* of a number */
	bool refclock;		/* allowed on a 127.127.t.u line */
	enum config_opt_use use;
};

/* ntpd 4.2.8's and ntpsec's server options (ntpsec's refclock-only ones
 * belong to its `refclock` directive, which is a daemon's) */
static const struct config_server_opt config_server_opts[] = {
	{ "aead", CONFIG_OPT_STRING, 0, 0, 0, false, CONFIG_OPT_NTS },
	{ "ask", CONFIG_OPT_STRING, 0, 0, 0, false, CONFIG_OPT_NTS },
	{ "autokey", CONFIG_OPT_FLAG, 0, 0, 0, false, CONFIG_OPT_DAEMON },
	{ "bias", CONFIG_OPT_SECONDS, 0, 0, 0, false, CONFIG_OPT_DAEMON },
	{ "burst", CONFIG_OPT_FLAG, CONFIG_SERVER_BURST, 0, 0, true, CONFIG_OPT_USED },
	{ "ca", CONFIG_OPT_STRING, 0, 0, 0, false, CONFIG_OPT_NTS },
	{ "cert", CONFIG_OPT_STRING, 0, 0, 0, false, CONFIG_OPT_NTS },
	{ "expire", CONFIG_OPT_NUMBER, 0, 0, UINT_MAX, false, CONFIG_OPT_NTS },
	{ "iburst", CONFIG_OPT_FLAG, CONFIG_SERVER_IBURST, 0, 0, true, CONFIG_OPT_USED },
	{ "key", CONFIG_OPT_KEY, 0, 1, 65535, false, CONFIG_OPT_USED },
	{ "maxpoll", CONFIG_OPT_MAXPOLL, 0, 3, 17, true, CONFIG_OPT_USED },
	{ "minpoll", CONFIG_OPT_MINPOLL, 0, 3, 17, true, CONFIG_OPT_USED },
	{ "mode", CONFIG_OPT_MODE, 0, 0, 255, true, CONFIG_OPT_DAEMON },
	{ "noselect", CONFIG_OPT_FLAG, CONFIG_SERVER_NOSELECT, 0, 0, true, CONFIG_OPT_USED },
	{ "noval", CONFIG_OPT_FLAG, 0, 0, 0, false, CONFIG_OPT_NTS },
	{ "nts", CONFIG_OPT_FLAG, CONFIG_SERVER_NTS, 0, 0, false, CONFIG_OPT_USED },
	{ "port", CONFIG_OPT_PORT, 0, 1, 65535, false, CONFIG_OPT_USED },
	{ "preempt", CONFIG_OPT_FLAG, 0, 0, 0, false, CONFIG_OPT_DAEMON },
	{ "prefer", CONFIG_OPT_FLAG, CONFIG_SERVER_PREFER, 0, 0, true, CONFIG_OPT_USED },
	{ "require", CONFIG_OPT_STRING, 0, 0, 0, false, CONFIG_OPT_NTS },
	{ "true", CONFIG_OPT_FLAG, CONFIG_SERVER_TRUE, 0, 0, true, CONFIG_OPT_USED },
	{ "ttl", CONFIG_OPT_NUMBER, 0, 0, 255, false, CONFIG_OPT_DAEMON },
	{ "version", CONFIG_OPT_VERSION, 0, 1, 4, false, CONFIG_OPT_USED },
	{ "xleave", CONFIG_OPT_FLAG, 0, 0, 0, false, CONFIG_OPT_DAEMON },
	{ "xmtnonce", CONFIG_OPT_FLAG, 0, 0, 0, false, CONFIG_OPT_DAEMON },
};

/* The options of one server line, before they are stored. */
struct config_opts {
	unsigned flags, keyid, version;
	uint16_t port;
	int minpoll, maxpoll, mode;
	unsigned minpoll_tok, maxpoll_tok; /* token index of the value, 0 if not given */
	const char *daemon_opt;		   /* the first option only a daemon uses */
	const char *nts_opt;		   /* the first NTS parameter */
};

static const struct config_server_opt *config_server_opt_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(config_server_opts) / sizeof(config_server_opts[0]); i++)
		if (strcmp(config_server_opts[i].name, name) == 0)
			return &config_server_opts[i];
	return NULL;
}

static void config_opt_store(struct config_opts *o, enum config_opt_kind kind, unsigned long v,
			     unsigned tok)
{
	switch (kind) {
	case CONFIG_OPT_KEY:
		o->keyid = (unsigned)v;
		break;
	case CONFIG_OPT_VERSION:
		o->version = (unsigned)v;
		break;
	case CONFIG_OPT_PORT:
		o->port = (uint16_t)v;
		break;
	case CONFIG_OPT_MINPOLL:
		o->minpoll = (int)v;
		o->minpoll_tok = tok;
		break;
	case CONFIG_OPT_MAXPOLL:
		o->maxpoll = (int)v;
		o->maxpoll_tok = tok;
		break;
	case CONFIG_OPT_MODE:
		o->mode = (int)v;
		break;
	case CONFIG_OPT_FLAG:
	case CONFIG_OPT_NUMBER:
	case CONFIG_OPT_SECONDS:
	case CONFIG_OPT_STRING:
		break;
	}
}

/* The value of option op at token i (op's name is token i - 1). */
static int config_opt_value(struct config_ctx *ctx, unsigned i, const struct config_server_opt *op,
			    struct config_opts *o)
{
	unsigned long v = 0;
	double d = 0;
	int r;

	switch (op->kind) {
	case CONFIG_OPT_FLAG:
		return 0;
	case CONFIG_OPT_STRING:
		return config_need(ctx, i, op->name);
	case CONFIG_OPT_SECONDS:
		return config_seconds_at(ctx, i, op->name, &config_range_any, &d);
	default:
		r = config_uint_at(ctx, i, op->name, op->min, op->max, &v);
		if (r == 0)
			config_opt_store(o, op->kind, v, i);
		return r;
	}
}

/* minpoll <= maxpoll when both are given; the error names the later value. */
static int config_opts_check_poll(struct config_ctx *ctx, const struct config_opts *o)
{
	unsigned later = o->minpoll_tok > o->maxpoll_tok ? o->minpoll_tok : o->maxpoll_tok;

	if (!o->minpoll_tok || !o->maxpoll_tok || o->minpoll <= o->maxpoll)
		return 0;
	return config_fail(ctx, ctx->col[later], "minpoll %d greater than maxpoll %d", o->minpoll,
			   o->maxpoll);
}

/* Options from token i on; refclock: only those a reference clock takes. */
static int config_opts_parse(struct config_ctx *ctx, unsigned i, bool refclock,
			     struct config_opts *ret)
{
	struct config_opts o;
	int r;

	memset(&o, 0, sizeof(o));
	for (; i < ctx->n; i++) {
		const struct config_server_opt *op = config_server_opt_find(ctx->tok[i]);

		if (!op)
			return config_fail(ctx, ctx->col[i], "unknown %s option '%.*s'",
					   ctx->tok[0], CONFIG_TOKEN_SHOW, ctx->tok[i]);
		if (refclock && !op->refclock)
			return config_fail(ctx, ctx->col[i],
					   "option '%s' is not for a reference clock", op->name);
		o.flags |= op->flag;
		if (op->use == CONFIG_OPT_DAEMON && !o.daemon_opt)
			o.daemon_opt = op->name;
		if (op->use == CONFIG_OPT_NTS && !o.nts_opt)
			o.nts_opt = op->name;
		if (op->kind == CONFIG_OPT_FLAG)
			continue;
		r = config_opt_value(ctx, ++i, op, &o);
		if (r < 0)
			return r;
	}
	r = config_opts_check_poll(ctx, &o);
	if (r < 0)
		return r;
	*ret = o;
	return 0;
}

/* Token i is a valid host, of family fam when -4/-6 was given. HOST:PORT
 * and [V6ADDR]:PORT (ntpsec's way to name an NTS server's port, and tset's
 * command line) leave the host alone in the token and the port in ctx. */
static int config_host_at(struct config_ctx *ctx, unsigned i, enum config_family fam)
{
	char *host = ctx->tok[i], bare[CONFIG_MAX_HOST];
	uint16_t port = 0;
	int af;

	if (!config_host_is_valid(host) &&
	    config_parse_host_port(host, 0, bare, sizeof(bare), &port) == 0 && port) {
		strcpy(host, bare); /* shorter: the port and brackets are gone */
		ctx->host_port = port;
	}
	if (!config_host_is_valid(host))
		return config_fail(ctx, ctx->col[i], "bad host '%.*s'", CONFIG_TOKEN_SHOW, host);
	af = config_host_family(host);
	if (fam == CONFIG_FAMILY_INET && af == AF_INET6)
		return config_fail(ctx, ctx->col[i], "-4 given with the ipv6 address '%.*s'",
				   CONFIG_TOKEN_SHOW, host);
	if (fam == CONFIG_FAMILY_INET6 && af == AF_INET)
		return config_fail(ctx, ctx->col[i], "-6 given with the ipv4 address '%.*s'",
				   CONFIG_TOKEN_SHOW, host);
	return 0;
}

static struct config_refclock *config_refclock_find(struct config *cfg, unsigned type,
						    unsigned unit)
{
	unsigned i;

	for (i = 0; i < cfg->n_refclocks; i++)
		if (cfg->refclocks[i].type == type && cfg->refclocks[i].unit == unit)
			return &cfg->refclocks[i];
	return NULL;
}

/* `server 127.127.t.u [opts]`: a reference clock, for tsetd. */
static int config_refclock_add(struct config_ctx *ctx, unsigned i, unsigned type, unsigned unit)
{
	struct config *cfg = ctx->cfg;
	struct config_refclock *rc;
	struct config_opts o;
	int r = config_opts_parse(ctx, i + 1, true, &o);

	if (r < 0)
		return r;
	if (config_refclock_find(cfg, type, unit))
		return config_fail(ctx, ctx->col[i], "reference clock '%s' declared twice",
				   ctx->tok[i]);
	if (cfg->n_refclocks >= CONFIG_MAX_REFCLOCKS)
		return config_fail(ctx, ctx->col[0], "too many reference clocks (at most %d)",
				   CONFIG_MAX_REFCLOCKS);
	rc = &cfg->refclocks[cfg->n_refclocks++];
	memset(rc, 0, sizeof(*rc));
	rc->type = type;
	rc->unit = unit;
	rc->flags = o.flags;
	rc->mode = o.mode;
	rc->line = ctx->line;
	if (ctx->prog == CONFIG_PROGRAM_TSET)
		config_notice(ctx, "%s is a reference clock for a daemon; skipped", ctx->tok[i]);
	return 0;
}

/* An upstream server, pool or peer, for tset. */
static int config_server_add(struct config_ctx *ctx, unsigned i, enum config_family fam,
			     unsigned kind)
{
	struct config *cfg = ctx->cfg;
	struct config_server *s;
	struct config_opts o;
	int r;

	r = config_opts_parse(ctx, i + 1, false, &o);
	if (r < 0)
		return r;
	if (cfg->n_servers >= CONFIG_MAX_SERVERS)
		return config_fail(ctx, ctx->col[0], "too many servers (at most %d)",
				   CONFIG_MAX_SERVERS);
	s = &cfg->servers[cfg->n_servers++];
	memset(s, 0, sizeof(*s));
	strcpy(s->host, ctx->tok[i]); /* config_host_at() checked its length */
	s->port = o.port ? o.port : ctx->host_port ? ctx->host_port : CONFIG_NTP_PORT;
	s->family = fam;
	s->flags = o.flags | kind;
	s->keyid = o.keyid;
	s->version = o.version;
	s->minpoll = o.minpoll;
	s->maxpoll = o.maxpoll;
	s->line = ctx->line;
	if (ctx->prog == CONFIG_PROGRAM_TSETD)
		config_notice(ctx, "upstream %s skipped: tsetd serves only reference clocks",
			      ctx->tok[0]);
	else if (o.daemon_opt)
		config_notice(ctx, "%s option '%s' is for a daemon; skipped", ctx->tok[0],
			      o.daemon_opt);
	else if (o.nts_opt && !(o.flags & CONFIG_SERVER_NTS))
		config_notice(ctx, "%s option '%s' is for nts, which is not on this line; skipped",
			      ctx->tok[0], o.nts_opt);
	return 0;
}

/* server / pool / peer [-4|-6] HOST [opts]; kind is CONFIG_SERVER_POOL/PEER or 0. */
static int config_server_line(struct config_ctx *ctx, unsigned kind)
{
	enum config_family fam;
	unsigned i = 1, type, unit;
	int r;

	config_family_at(ctx, &i, &fam);
	r = config_need(ctx, i, ctx->tok[0]);
	if (r < 0)
		return r;
	r = config_host_at(ctx, i, fam);
	if (r < 0)
		return r;
	if (!config_host_is_refclock(ctx->tok[i], &type, &unit))
		return config_server_add(ctx, i, fam, kind);
	if (kind == CONFIG_SERVER_POOL)
		return config_fail(ctx, ctx->col[i],
				   "pool needs a host name, not the reference clock '%s'",
				   ctx->tok[i]);
	return config_refclock_add(ctx, i, type, unit);
}

static int config_do_server(struct config_ctx *ctx)
{
	return config_server_line(ctx, 0);
}

static int config_do_pool(struct config_ctx *ctx)
{
	return config_server_line(ctx, CONFIG_SERVER_POOL);
}

static int config_do_peer(struct config_ctx *ctx)
{
	return config_server_line(ctx, CONFIG_SERVER_PEER);
}

/* ---- fudge ---- */

static const struct {
	const char *name;
	unsigned bit; /* CONFIG_FUDGE_* */
} config_fudge_opts[] = {
	{ "time1", CONFIG_FUDGE_TIME1 },
	{ "time2", CONFIG_FUDGE_TIME2 },
	{ "stratum", CONFIG_FUDGE_STRATUM },
	{ "refid", CONFIG_FUDGE_REFID },
	{ "flag1", CONFIG_FUDGE_FLAG1 },
	{ "flag2", CONFIG_FUDGE_FLAG2 },
	{ "flag3", CONFIG_FUDGE_FLAG3 },
	{ "flag4", CONFIG_FUDGE_FLAG4 },
	{ "abbrev", 0 },
	{ "minjitter", 0 },
};

/* refid STR: 1..4 printable ASCII characters. */
static int config_refid_at(struct config_ctx *ctx, unsigned i, struct config_refclock *rc)
{
	const char *s;
	size_t len, k;
	int r = config_need(ctx, i, "refid");

	if (r < 0)
		return r;
	s = ctx->tok[i];
	len = strlen(s);
	for (k = 0; k < len; k++)
		if ((unsigned char)s[k] > 0x7e)
			return config_fail(ctx, ctx->col[i], "refid '%.*s' is not ascii",
					   CONFIG_TOKEN_SHOW, s);
	if (len > 4)
		return config_fail(ctx, ctx->col[i],
				   "refid '%.*s' too long (expected 1..4 characters)",
				   CONFIG_TOKEN_SHOW, s);
	memcpy(rc->refid, s, len + 1);
	return 0;
}

/* The value of fudge option bit at token i, stored into *rc. */
static int config_fudge_value(struct config_ctx *ctx, unsigned i, unsigned bit,
			      struct config_refclock *rc)
{
	const char *name = ctx->tok[i - 1];
	unsigned long v = 0;
	int r;

	switch (bit) {
	case CONFIG_FUDGE_TIME1:
		return config_seconds_at(ctx, i, name, &config_range_fudge, &rc->time1_s);
	case CONFIG_FUDGE_TIME2:
		return config_seconds_at(ctx, i, name, &config_range_fudge, &rc->time2_s);
	case CONFIG_FUDGE_REFID:
		return config_refid_at(ctx, i, rc);
	case CONFIG_FUDGE_STRATUM:
		r = config_uint_at(ctx, i, name, 0, NTP_STRATUM_MAX, &v);
		if (r == 0)
			rc->stratum = (unsigned)v;
		return r;
	case 0: /* abbrev TEXT (ntpd's), minjitter S: a daemon's */
		if (strcmp(name, "abbrev") == 0)
			r = config_need(ctx, i, name);
		else
			r = config_seconds_at(ctx, i, name, &config_range_gate, &(double){ 0 });
		if (r == 0 && ctx->prog == CONFIG_PROGRAM_TSETD)
			config_notice(ctx, "fudge %s is for a daemon; skipped", name);
		return r;
	default: /* flag1..flag4 */
		r = config_uint_at(ctx, i, name, 0, 1, &v);
		if (r == 0)
			rc->flag[name[4] - '1'] = v != 0;
		return r;
	}
}

/* One `NAME VALUE` pair of a fudge line at token i. */
static int config_fudge_opt(struct config_ctx *ctx, unsigned i, struct config_refclock *rc)
{
	size_t k;
	int r;

	for (k = 0; k < sizeof(config_fudge_opts) / sizeof(config_fudge_opts[0]); k++)
		if (strcmp(config_fudge_opts[k].name, ctx->tok[i]) == 0)
			break;
	if (k == sizeof(config_fudge_opts) / sizeof(config_fudge_opts[0]))
		return config_fail(ctx, ctx->col[i], "unknown fudge option '%.*s'",
				   CONFIG_TOKEN_SHOW, ctx->tok[i]);
	r = config_fudge_value(ctx, i + 1, config_fudge_opts[k].bit, rc);
	if (r < 0)
		return r;
	rc->fudge_set |= config_fudge_opts[k].bit;
	return 0;
}

/* fudge 127.127.t.u [time1 S] [time2 S] [stratum N] [refid STR] [flagN 0|1] */
static int config_do_fudge(struct config_ctx *ctx)
{
	struct config_refclock *rc;
	unsigned type, unit, i;
	int r = config_need(ctx, 1, "fudge");

	if (r < 0)
		return r;
	if (!config_host_is_refclock(ctx->tok[1], &type, &unit))
		return config_fail(ctx, ctx->col[1],
				   "fudge needs a reference clock address 127.127.t.u, not '%.*s'",
				   CONFIG_TOKEN_SHOW, ctx->tok[1]);
	rc = config_refclock_find(ctx->cfg, type, unit);
	if (!rc)
		return config_fail(
			ctx, ctx->col[1],
			"fudge for undeclared reference clock '%s' (needs an earlier server line)",
			ctx->tok[1]);
	for (i = 2; i < ctx->n; i += 2) {
		r = config_fudge_opt(ctx, i, rc);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- tinker, enable, disable ---- */

static const struct {
	const char *name;
	bool tset; /* used by tset; the others are a daemon's loop parameters */
} config_tinker_keys[] = {
	{ "allan", false },    { "dispersion", false }, { "freq", false },
	{ "huffpuff", false }, { "panic", true },	{ "step", true },
	{ "stepback", false }, { "stepfwd", false },	{ "stepout", false },
};

/* One `KEY VALUE` pair of a tinker line at token i. */
static int config_tinker_opt(struct config_ctx *ctx, unsigned i)
{
	struct config *cfg = ctx->cfg;
	const char *key = ctx->tok[i];
	char what[32];
	double v = 0;
	size_t k;
	int r;

	for (k = 0; k < sizeof(config_tinker_keys) / sizeof(config_tinker_keys[0]); k++)
		if (strcmp(config_tinker_keys[k].name, key) == 0)
			break;
	if (k == sizeof(config_tinker_keys) / sizeof(config_tinker_keys[0]))
		return config_fail(ctx, ctx->col[i], "unknown tinker key '%.*s'", CONFIG_TOKEN_SHOW,
				   key);
	snprintf(what, sizeof(what), "tinker %s", config_tinker_keys[k].name);
	if (!config_tinker_keys[k].tset) {
		r = config_seconds_at(ctx, i + 1, what, &config_range_any, &v);
		if (r == 0 && ctx->prog == CONFIG_PROGRAM_TSET)
			config_notice(ctx, "%s is for a daemon; skipped", what);
		return r;
	}
	r = config_seconds_at(ctx, i + 1, what, &config_range_gate, &v);
	if (r < 0)
		return r;
	if (strcmp(key, "step") == 0) {
		cfg->has_step = true;
		cfg->step_s = v;
	} else {
		cfg->has_panic = true;
		cfg->panic_s = v;
	}
	return 0;
}

static int config_do_tinker(struct config_ctx *ctx)
{
	unsigned i;
	int r = config_need(ctx, 1, "tinker");

	for (i = 1; r == 0 && i < ctx->n; i += 2)
		r = config_tinker_opt(ctx, i);
	return r;
}

/* ---- tos ---- */

/* How tset reads a `tos` key: ntpd's selection limits it honours, the
 * rest (orphan mode, the daemon's association counts) skipped. */
enum config_tos_kind {
	CONFIG_TOS_DAEMON,	/* a number tset does not use */
	CONFIG_TOS_DAEMON_DATE, /* basedate: a date tset does not use */
	CONFIG_TOS_MINSANE,
	CONFIG_TOS_MINCLOCK,
	CONFIG_TOS_MAXDIST,
	CONFIG_TOS_FLOOR,
	CONFIG_TOS_CEILING,
	CONFIG_TOS_ORPHAN, /* a stratum 1..16: a daemon's orphan mode */
};

static const struct {
	const char *name;
	enum config_tos_kind kind;
} config_tos_keys[] = {
	{ "basedate", CONFIG_TOS_DAEMON_DATE }, { "bcpollbstep", CONFIG_TOS_DAEMON },
	{ "beacon", CONFIG_TOS_DAEMON },	{ "ceiling", CONFIG_TOS_CEILING },
	{ "cohort", CONFIG_TOS_DAEMON },	{ "floor", CONFIG_TOS_FLOOR },
	{ "maxclock", CONFIG_TOS_DAEMON },	{ "maxdisp", CONFIG_TOS_DAEMON },
	{ "maxdist", CONFIG_TOS_MAXDIST },	{ "minclock", CONFIG_TOS_MINCLOCK },
	{ "mindist", CONFIG_TOS_DAEMON },	{ "minsane", CONFIG_TOS_MINSANE },
	{ "orphan", CONFIG_TOS_ORPHAN },	{ "orphanwait", CONFIG_TOS_DAEMON },
};

/* tos floor F / ceiling C: strata F..C-1 are candidates. A stratum-15
 * server would make tset's stratum 16 (unsynchronised), so the ceiling is
 * at most 15, ntpd's default. */
static int config_tos_stratum(struct config_ctx *ctx, unsigned i, const char *what, bool ceiling)
{
	struct config *cfg = ctx->cfg;
	unsigned long v = 0;
	unsigned floor, ceil;
	int r = ceiling ? config_uint_at(ctx, i, what, 1, NTP_STRATUM_MAX, &v)
			: config_uint_at(ctx, i, what, 0, NTP_STRATUM_MAX - 1, &v);

	if (r < 0)
		return r;
	floor = ceiling ? cfg->tos_floor : (unsigned)v;
	ceil = ceiling ? (unsigned)v : cfg->tos_ceiling ? cfg->tos_ceiling : NTP_STRATUM_MAX;
	if (floor >= ceil)
		return config_fail(ctx, ctx->col[i],
				   "tos floor %u not below tos ceiling %u (no stratum left)", floor,
				   ceil);
	if (ceiling)
		cfg->tos_ceiling = ceil;
	else
		cfg->tos_floor = floor;
	return 0;
}

/* One `KEY VALUE` pair of a tos line at token i. */
static int config_tos_opt(struct config_ctx *ctx, unsigned i)
{
	struct config *cfg = ctx->cfg;
	unsigned long count = 0;
	char what[32];
	double v = 0;
	size_t k;
	int r = 0;

	for (k = 0; k < sizeof(config_tos_keys) / sizeof(config_tos_keys[0]); k++)
		if (strcmp(config_tos_keys[k].name, ctx->tok[i]) == 0)
			break;
	if (k == sizeof(config_tos_keys) / sizeof(config_tos_keys[0]))
		return config_fail(ctx, ctx->col[i], "unknown tos key '%.*s'", CONFIG_TOKEN_SHOW,
				   ctx->tok[i]);
	snprintf(what, sizeof(what), "tos %s", config_tos_keys[k].name);
	switch (config_tos_keys[k].kind) {
	case CONFIG_TOS_DAEMON_DATE:
		r = config_need(ctx, i + 1, what);
		break;
	case CONFIG_TOS_DAEMON:
		r = config_seconds_at(ctx, i + 1, what, &config_range_any, &v);
		break;
	case CONFIG_TOS_MAXDIST:
		return config_seconds_at(ctx, i + 1, what, &config_range_maxdist, &cfg->maxdist_s);
	case CONFIG_TOS_FLOOR:
	case CONFIG_TOS_CEILING:
		return config_tos_stratum(ctx, i + 1, what,
					  config_tos_keys[k].kind == CONFIG_TOS_CEILING);
	case CONFIG_TOS_ORPHAN:
		r = config_uint_at(ctx, i + 1, what, 1, NTP_STRATUM_UNSYNC, &count);
		break;
	case CONFIG_TOS_MINSANE:
	case CONFIG_TOS_MINCLOCK:
		r = config_uint_at(ctx, i + 1, what, 1, CONFIG_MAX_TOS_COUNT, &count);
		if (r == 0 && config_tos_keys[k].kind == CONFIG_TOS_MINSANE)
			cfg->minsane = (unsigned)count;
		else if (r == 0)
			cfg->minclock = (unsigned)count;
		return r;
	}
	if (r == 0 && ctx->prog == CONFIG_PROGRAM_TSET)
		config_notice(ctx, "%s is for a daemon; skipped", what);
	return r;
}

static int config_do_tos(struct config_ctx *ctx)
{
	unsigned i;
	int r = config_need(ctx, 1, "tos");

	for (i = 1; r == 0 && i < ctx->n; i += 2)
		r = config_tos_opt(ctx, i);
	return r;
}

/* ntpd's system flags of enable/disable; only kernel matters to tset. */
static const char *const config_system_flags[] = {
	"auth",
	"bclient",
	"calibrate",
	"kernel",
	"mode7",
	"monitor",
	"ntp",
	"peer_clear_digest_early",
	"stats",
	"unpeer_crypto_early",
	"unpeer_crypto_nak_early",
	"unpeer_digest_early",
};

static bool config_is_system_flag(const char *s)
{
	size_t k;

	for (k = 0; k < sizeof(config_system_flags) / sizeof(config_system_flags[0]); k++)
		if (strcmp(config_system_flags[k], s) == 0)
			return true;
	return false;
}

static int config_enable_disable(struct config_ctx *ctx, bool enable)
{
	unsigned i;
	int r = config_need(ctx, 1, ctx->tok[0]);

	if (r < 0)
		return r;
	for (i = 1; i < ctx->n; i++) {
		const char *flag = ctx->tok[i];

		if (!config_is_system_flag(flag))
			return config_fail(ctx, ctx->col[i], "unknown %s flag '%.*s'", ctx->tok[0],
					   CONFIG_TOKEN_SHOW, flag);
		if (strcmp(flag, "kernel") == 0)
			ctx->cfg->disable_kernel = !enable;
		else if (ctx->prog == CONFIG_PROGRAM_TSET)
			config_notice(ctx, "%s %s is for a daemon; skipped", ctx->tok[0], flag);
	}
	return 0;
}

static int config_do_enable(struct config_ctx *ctx)
{
	return config_enable_disable(ctx, true);
}

static int config_do_disable(struct config_ctx *ctx)
{
	return config_enable_disable(ctx, false);
}

/* ---- tset's own directives ---- */

static int config_do_keys(struct config_ctx *ctx)
{
	return config_path_at(ctx, 1, ctx->cfg->keys, sizeof(ctx->cfg->keys));
}

static int config_do_resolvconf(struct config_ctx *ctx)
{
	return config_path_at(ctx, 1, ctx->cfg->resolvconf, sizeof(ctx->cfg->resolvconf));
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

static int config_do_samples(struct config_ctx *ctx)
{
	unsigned long v = 0;
	int r = config_uint_at(ctx, 1, "samples", 1, 8, &v);

	if (r == 0)
		r = config_no_more(ctx, 2);
	if (r < 0)
		return r;
	ctx->cfg->samples = (unsigned)v;
	ctx->cfg->has_samples = true;
	return 0;
}

/* A directive with one value in seconds. */
static int config_one_seconds(struct config_ctx *ctx, const struct config_range *range, double *dst,
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

static int config_do_timeout(struct config_ctx *ctx)
{
	return config_one_seconds(ctx, &config_range_timeout, &ctx->cfg->timeout_s,
				  &ctx->cfg->has_timeout);
}

static int config_do_deadline(struct config_ctx *ctx)
{
	return config_one_seconds(ctx, &config_range_deadline, &ctx->cfg->deadline_s,
				  &ctx->cfg->has_deadline);
}

static int config_do_accuracy(struct config_ctx *ctx)
{
	return config_one_seconds(ctx, &config_range_accuracy, &ctx->cfg->accuracy_s,
				  &ctx->cfg->has_accuracy);
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

/* ---- tsetd's own directives ---- */

static int config_do_logfile(struct config_ctx *ctx)
{
	return config_path_at(ctx, 1, ctx->cfg->logfile, sizeof(ctx->cfg->logfile));
}

static int config_do_port(struct config_ctx *ctx)
{
	unsigned long v = 0;
	int r = config_uint_at(ctx, 1, "port", 1, 65535, &v);

	if (r == 0)
		r = config_no_more(ctx, 2);
	if (r < 0)
		return r;
	ctx->cfg->port = (uint16_t)v;
	ctx->cfg->has_port = true;
	return 0;
}

static int config_do_gpsd(struct config_ctx *ctx)
{
	struct config *cfg = ctx->cfg;
	int r = config_need(ctx, 1, "gpsd");

	if (r == 0)
		r = config_no_more(ctx, 2);
	if (r < 0)
		return r;
	if (config_parse_host_port(ctx->tok[1], 0, cfg->gpsd_host, sizeof(cfg->gpsd_host),
				   &cfg->gpsd_port) < 0)
		return config_fail(ctx, ctx->col[1],
				   "bad gpsd address '%.*s' (expected HOST[:PORT])",
				   CONFIG_TOKEN_SHOW, ctx->tok[1]);
	return 0;
}

/* One KEY VALUE option of discard or limitprefix: an integer in min..max. */
struct config_key {
	const char *name;
	unsigned long min, max;
};

/* KEY VALUE pairs from token 1 on, keys from keys[n]; ret[k] and
 * ret_given[k] are set for each key k given (the last one wins). */
static int config_pairs(struct config_ctx *ctx, const struct config_key *keys, size_t n,
			unsigned long *ret, bool *ret_given)
{
	int r = config_need(ctx, 1, ctx->tok[0]);

	for (unsigned i = 1; r == 0 && i < ctx->n; i += 2) {
		size_t k = 0;

		while (k < n && strcmp(keys[k].name, ctx->tok[i]) != 0)
			k++;
		if (k == n)
			return config_fail(ctx, ctx->col[i], "unknown %s option '%.*s'",
					   ctx->tok[0], CONFIG_TOKEN_SHOW, ctx->tok[i]);
		r = config_uint_at(ctx, i + 1, keys[k].name, keys[k].min, keys[k].max, &ret[k]);
		if (r == 0)
			ret_given[k] = true;
	}
	return r;
}

/* discard [average A] [minimum M] [monitor N] */
static int config_do_discard(struct config_ctx *ctx)
{
	static const struct config_key keys[] = {
		{ "average", 0, 16 },
		{ "minimum", 0, 3600 },
		{ "monitor", 0, UINT_MAX },
	};
	struct config *cfg = ctx->cfg;
	unsigned long v[3] = { 0 };
	bool given[3] = { false };
	int r = config_pairs(ctx, keys, 3, v, given);

	if (r < 0)
		return r;
	if (given[0])
		cfg->discard_average_log2 = (int)v[0];
	if (given[1])
		cfg->discard_minimum_s = (unsigned)v[1];
	if (given[2])
		cfg->discard_monitor = (unsigned)v[2];
	cfg->has_discard = true;
	return 0;
}

/* limitprefix [ipv4 N] [ipv6 N] */
static int config_do_limitprefix(struct config_ctx *ctx)
{
	static const struct config_key keys[] = {
		{ "ipv4", CONFIG_LIMIT_PREFIX4_MIN, 32 },
		{ "ipv6", CONFIG_LIMIT_PREFIX6_MIN, 128 },
	};
	struct config *cfg = ctx->cfg;
	unsigned long v[2] = { 0 };
	bool given[2] = { false };
	int r = config_pairs(ctx, keys, 2, v, given);

	if (r < 0)
		return r;
	if (given[0])
		cfg->limit_prefix4 = (unsigned)v[0];
	if (given[1])
		cfg->limit_prefix6 = (unsigned)v[1];
	cfg->has_limitprefix = true;
	return 0;
}

static int config_do_statsinterval(struct config_ctx *ctx)
{
	return config_one_seconds(ctx, &config_range_stats, &ctx->cfg->stats_interval_s,
				  &ctx->cfg->has_statsinterval);
}

/* ---- restrict ---- */

static const struct {
	const char *name;
	unsigned flag;
} config_restrict_flags[] = {
	{ "epeer", CONFIG_RESTRICT_EPEER },
	{ "flake", CONFIG_RESTRICT_FLAKE },
	{ "ignore", CONFIG_RESTRICT_IGNORE },
	{ "kod", CONFIG_RESTRICT_KOD },
	{ "mssntp", CONFIG_RESTRICT_MSSNTP },
	{ "limited", CONFIG_RESTRICT_LIMITED },
	{ "lowpriotrap", CONFIG_RESTRICT_LOWPRIOTRAP },
	{ "noepeer", CONFIG_RESTRICT_NOEPEER },
	{ "nomodify", CONFIG_RESTRICT_NOMODIFY },
	{ "nomrulist", CONFIG_RESTRICT_NOMRULIST },
	{ "nopeer", CONFIG_RESTRICT_NOPEER },
	{ "noquery", CONFIG_RESTRICT_NOQUERY },
	{ "noserve", CONFIG_RESTRICT_NOSERVE },
	{ "notrap", CONFIG_RESTRICT_NOTRAP },
	{ "notrust", CONFIG_RESTRICT_NOTRUST },
	{ "ntpport", CONFIG_RESTRICT_NTPPORT },
	{ "version", CONFIG_RESTRICT_VERSION },
};

/* ntpd's restrict options that take a value: `ippeerlimit N` (-1 = no
 * limit) and `serverresponse fuzz`. Returns 1 when token i is one (and
 * consumes its value), 0 when it is not, or a negative errno. */
static int config_restrict_valued(struct config_ctx *ctx, unsigned *i, struct config_restrict *rs)
{
	unsigned long v = 0;
	int r;

	if (strcmp(ctx->tok[*i], "serverresponse") == 0) {
		r = config_need(ctx, *i + 1, "serverresponse");
		if (r == 0 && strcmp(ctx->tok[*i + 1], "fuzz") != 0)
			r = config_fail(ctx, ctx->col[*i + 1],
					"unknown serverresponse option '%.*s' (expected fuzz)",
					CONFIG_TOKEN_SHOW, ctx->tok[*i + 1]);
		rs->flags |= CONFIG_RESTRICT_FUZZ;
	} else if (strcmp(ctx->tok[*i], "ippeerlimit") == 0) {
		r = config_need(ctx, *i + 1, "ippeerlimit");
		if (r == 0 && strcmp(ctx->tok[*i + 1], "-1") != 0) {
			r = config_uint_at(ctx, *i + 1, "ippeerlimit", 0, 65535, &v);
			rs->ippeerlimit = (int)v;
		} else {
			rs->ippeerlimit = -1;
		}
		rs->flags |= CONFIG_RESTRICT_IPPEERLIMIT;
	} else {
		return 0;
	}
	(*i)++;
	return r < 0 ? r : 1;
}

static int config_restrict_flags_at(struct config_ctx *ctx, unsigned i, struct config_restrict *rs)
{
	size_t k, n = sizeof(config_restrict_flags) / sizeof(config_restrict_flags[0]);
	unsigned *flags = &rs->flags;
	int r;

	for (; i < ctx->n; i++) {
		r = config_restrict_valued(ctx, &i, rs);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(config_restrict_flags[k].name, ctx->tok[i]) == 0)
				break;
		if (k == n)
			return config_fail(ctx, ctx->col[i], "unknown restrict flag '%.*s'",
					   CONFIG_TOKEN_SHOW, ctx->tok[i]);
		/* ntpd serves a notrust client only what it can authenticate:
		 * without authentication, ignoring the flag would fail open */
		if (config_restrict_flags[k].flag == CONFIG_RESTRICT_NOTRUST &&
		    ctx->prog == CONFIG_PROGRAM_TSETD)
			return config_fail(
				ctx, ctx->col[i],
				"restrict flag 'notrust' needs authentication, which tsetd "
				"does not have yet; use noserve");
		*flags |= config_restrict_flags[k].flag;
	}
	return 0;
}

/* `mask MASK` at token i (the keyword): a contiguous mask of the address's family. */
static int config_mask_at(struct config_ctx *ctx, unsigned i, struct config_restrict *rs)
{
	struct config_addr mask;
	int prefix, r = config_need(ctx, i + 1, "mask");

	if (r < 0)
		return r;
	if (strchr(ctx->tok[i - 1], '/'))
		return config_fail(ctx, ctx->col[i], "mask given after a prefix length");
	if (!config_addr_from_text(ctx->tok[i + 1], &mask) || mask.family != rs->addr.family)
		return config_fail(ctx, ctx->col[i + 1], "bad mask '%.*s' for '%.*s'",
				   CONFIG_TOKEN_SHOW, ctx->tok[i + 1], CONFIG_TOKEN_SHOW,
				   ctx->tok[i - 1]);
	prefix = config_mask_prefix(&mask);
	if (prefix < 0)
		return config_fail(ctx, ctx->col[i + 1], "non-contiguous mask '%s'",
				   ctx->tok[i + 1]);
	rs->prefix = (unsigned)prefix;
	return 0;
}

/* ADDR[/LEN] [mask MASK] at token *i, or a host name (*ret_name set);
 * advances *i past them. */
static int config_restrict_addr(struct config_ctx *ctx, unsigned *i, enum config_family fam,
				struct config_restrict *rs, const char **ret_name)
{
	const char *s = ctx->tok[*i];
	unsigned col = ctx->col[*i];
	int r = config_prefix_parse(s, &rs->addr, &rs->prefix);

	if (r == -ERANGE)
		return config_fail(ctx, col, "bad prefix length in '%.*s'", CONFIG_TOKEN_SHOW, s);
	if (r < 0 && config_is_dns_name(s)) {
		/* a host name, which ntpd resolves at start: [mask MASK] may follow */
		struct config_addr mask;

		*ret_name = s;
		r = 0;
		(*i)++;
		if (*i < ctx->n && strcmp(ctx->tok[*i], "mask") == 0) {
			r = config_need(ctx, *i + 1, "mask");
			if (r == 0 && !config_addr_from_text(ctx->tok[*i + 1], &mask))
				r = config_fail(ctx, ctx->col[*i + 1], "bad mask '%.*s' for '%.*s'",
						CONFIG_TOKEN_SHOW, ctx->tok[*i + 1],
						CONFIG_TOKEN_SHOW, s);
			*i += 2;
		}
		return r < 0 ? r : 0;
	}
	if (r < 0)
		return config_fail(ctx, col, "bad restrict address '%.*s'", CONFIG_TOKEN_SHOW, s);
	if (fam == CONFIG_FAMILY_INET && rs->addr.family == AF_INET6)
		return config_fail(ctx, col, "-4 given with the ipv6 address '%.*s'",
				   CONFIG_TOKEN_SHOW, s);
	if (fam == CONFIG_FAMILY_INET6 && rs->addr.family == AF_INET)
		return config_fail(ctx, col, "-6 given with the ipv4 address '%.*s'",
				   CONFIG_TOKEN_SHOW, s);
	(*i)++;
	if (*i < ctx->n && strcmp(ctx->tok[*i], "mask") == 0) {
		r = config_mask_at(ctx, *i, rs);
		if (r < 0)
			return r;
		*i += 2;
	}
	config_addr_clear_host(&rs->addr, rs->prefix);
	return 0;
}

static int config_restrict_store(struct config_ctx *ctx, const struct config_restrict *rs,
				 enum config_family fam)
{
	struct config *cfg = ctx->cfg;
	unsigned need = rs->is_default && fam == CONFIG_FAMILY_ANY ? 2 : 1;

	if (cfg->n_restricts + need > CONFIG_MAX_RESTRICTS)
		return config_fail(ctx, ctx->col[0], "too many restrict lines (at most %d entries)",
				   CONFIG_MAX_RESTRICTS);
	cfg->restricts[cfg->n_restricts] = *rs;
	if (rs->is_default) {
		cfg->restricts[cfg->n_restricts].addr.family =
			fam == CONFIG_FAMILY_INET6 ? AF_INET6 : AF_INET;
		if (need == 2) {
			cfg->restricts[++cfg->n_restricts] = *rs;
			cfg->restricts[cfg->n_restricts].addr.family = AF_INET6;
		}
	}
	cfg->n_restricts++;
	return 0;
}

/*
 * `restrict HOSTNAME [mask M] flags`: ntpd resolves the name when it
 * starts; tsetd does not resolve names. Leaving such a line out can only
 * serve less (a host it opened is not opened) unless the line denies:
 * then leaving it out would serve a host the file shuts out, so that is
 * an error instead.
 */
static int config_restrict_name(struct config_ctx *ctx, const char *name,
				const struct config_restrict *rs)
{
	const unsigned deny = CONFIG_RESTRICT_IGNORE | CONFIG_RESTRICT_NOSERVE |
			      CONFIG_RESTRICT_LIMITED | CONFIG_RESTRICT_VERSION;

	if (ctx->prog == CONFIG_PROGRAM_TSET)
		return 0; /* the directive's own notice says it is tsetd's */
	if (rs->flags & deny)
		return config_fail(ctx, ctx->col[0],
				   "restrict '%.*s' denies, and tsetd does not resolve names: give "
				   "its addresses",
				   CONFIG_TOKEN_SHOW, name);
	config_notice(ctx, "restrict '%.*s' skipped: tsetd does not resolve names", 32, name);
	return 0;
}

/* What a restrict line names: [-4|-6] default|source|ADDR[/LEN]|HOST
 * [mask MASK], from token *i on; *ret_name is set for a host name. */
static int config_restrict_target(struct config_ctx *ctx, unsigned *i, const char *directive,
				  struct config_restrict *rs, enum config_family *ret_fam,
				  const char **ret_name)
{
	int r;

	memset(rs, 0, sizeof(*rs));
	rs->line = ctx->line;
	*ret_name = NULL;
	config_family_at(ctx, i, ret_fam);
	r = config_need(ctx, *i, directive);
	if (r < 0)
		return r;
	if (strcmp(ctx->tok[*i], "default") == 0) {
		rs->is_default = true;
		(*i)++;
	} else if (strcmp(ctx->tok[*i], "source") == 0) {
		rs->is_source = true;
		rs->addr.family = *ret_fam == CONFIG_FAMILY_INET    ? AF_INET
				  : *ret_fam == CONFIG_FAMILY_INET6 ? AF_INET6
								    : AF_UNSPEC;
		(*i)++;
	} else {
		return config_restrict_addr(ctx, i, *ret_fam, rs, ret_name);
	}
	return 0;
}

/* restrict [-4|-6] default|source|ADDR[/LEN]|HOST [mask MASK] [flags] */
static int config_do_restrict(struct config_ctx *ctx)
{
	const char *name;
	struct config_restrict rs;
	enum config_family fam;
	unsigned i = 1;
	int r;

	r = config_restrict_target(ctx, &i, "restrict", &rs, &fam, &name);
	if (r < 0)
		return r;
	r = config_restrict_flags_at(ctx, i, &rs);
	if (r < 0)
		return r;
	if (name)
		return config_restrict_name(ctx, name, &rs);
	if (ctx->prog == CONFIG_PROGRAM_TSETD && (rs.flags & CONFIG_RESTRICT_MSSNTP))
		config_notice(ctx, "restrict flag 'mssntp' skipped: tsetd does not sign replies "
				   "for Samba");
	else if (ctx->prog == CONFIG_PROGRAM_TSETD && (rs.flags & CONFIG_RESTRICT_FLAKE))
		config_notice(ctx, "restrict flag 'flake' (drop some packets) is for a test "
				   "daemon; skipped");
	return config_restrict_store(ctx, &rs, fam);
}

/*
 * delrestrict (ntpd 4.2.8) | unrestrict (ntpsec) [-4|-6] default|source|
 * ADDR[/LEN] [mask MASK]: the entries an earlier restrict line made for
 * exactly that address and prefix go, as if the line had not been
 * written; `unrestrict ... FLAGS` clears those flags from them instead.
 * Followed, not skipped: skipping it could keep a line that opened what
 * the file then closes. A host name names nothing tsetd kept (restrict by
 * name opens nothing here, or is an error).
 */
static int config_do_unrestrict(struct config_ctx *ctx)
{
	struct config *cfg = ctx->cfg;
	const char *name;
	struct config_restrict rs;
	enum config_family fam;
	unsigned i = 1, kept = 0, hit = 0;
	bool clear;
	int r;

	r = config_restrict_target(ctx, &i, ctx->tok[0], &rs, &fam, &name);
	if (r < 0)
		return r;
	clear = i < ctx->n;
	if (clear && strcmp(ctx->tok[0], "delrestrict") == 0)
		return config_fail(ctx, ctx->col[i], "delrestrict takes no flags: '%.*s'",
				   CONFIG_TOKEN_SHOW, ctx->tok[i]);
	r = config_restrict_flags_at(ctx, i, &rs);
	if (r < 0 || name || ctx->prog != CONFIG_PROGRAM_TSETD)
		return r < 0 ? r : 0;
	for (unsigned k = 0; k < cfg->n_restricts; k++) {
		struct config_restrict *e = &cfg->restricts[k];
		bool family_named =
			fam == CONFIG_FAMILY_ANY ||
			e->addr.family == (fam == CONFIG_FAMILY_INET ? AF_INET : AF_INET6);
		bool same =
			e->is_default == rs.is_default && e->is_source == rs.is_source &&
			(rs.is_default || rs.is_source
				 ? family_named
				 : e->prefix == rs.prefix && config_addr_equal(&e->addr, &rs.addr));

		hit += same;
		if (same && clear)
			e->flags &= ~rs.flags;
		if (!same || clear)
			cfg->restricts[kept++] = *e;
	}
	if (!hit)
		config_notice(ctx, "%s: no restrict line of that address", ctx->tok[0]);
	cfg->n_restricts = kept;
	return 0;
}

/* ---- interface ---- */

static const char *const config_if_actions[] = {
	[CONFIG_IF_LISTEN] = "listen",
	[CONFIG_IF_IGNORE] = "ignore",
	[CONFIG_IF_DROP] = "drop",
};

static const char *const config_if_keywords[] = {
	[CONFIG_IF_ALL] = "all",
	[CONFIG_IF_IPV4] = "ipv4",
	[CONFIG_IF_IPV6] = "ipv6",
	[CONFIG_IF_WILDCARD] = "wildcard",
};

/* WHAT of an interface line: keyword, address[/len] or interface name. */
static int config_if_what_at(struct config_ctx *ctx, unsigned i, struct config_interface *it)
{
	const char *s = ctx->tok[i];
	unsigned k;
	int r;

	for (k = 0; k < sizeof(config_if_keywords) / sizeof(config_if_keywords[0]); k++)
		if (strcmp(config_if_keywords[k], s) == 0) {
			it->match = (enum config_if_match)k;
			return 0;
		}
	r = config_prefix_parse(s, &it->addr, &it->prefix);
	if (r == 0) {
		it->match = CONFIG_IF_PREFIX;
		config_addr_clear_host(&it->addr, it->prefix);
		return 0;
	}
	/* digits and dots, or a slash, mean an address was meant */
	if (r == -ERANGE || strchr(s, '/') || strspn(s, "0123456789.") == strlen(s))
		return config_fail(ctx, ctx->col[i], "bad interface address '%.*s'",
				   CONFIG_TOKEN_SHOW, s);
	if (!config_is_ifname(s))
		return config_fail(
			ctx, ctx->col[i],
			"bad interface '%.*s' (expected all, ipv4, ipv6, wildcard, a name or an address)",
			CONFIG_TOKEN_SHOW, s);
	it->match = CONFIG_IF_NAME;
	strcpy(it->ifname, s);
	return 0;
}

/* interface listen|ignore|drop WHAT (also spelled nic) */
static int config_do_interface(struct config_ctx *ctx)
{
	struct config *cfg = ctx->cfg;
	struct config_interface it;
	unsigned k;
	int r = config_need(ctx, 1, ctx->tok[0]);

	if (r == 0)
		r = config_need(ctx, 2, ctx->tok[1]);
	if (r == 0)
		r = config_no_more(ctx, 3);
	if (r < 0)
		return r;
	memset(&it, 0, sizeof(it));
	it.line = ctx->line;
	for (k = 0; k < sizeof(config_if_actions) / sizeof(config_if_actions[0]); k++)
		if (strcmp(config_if_actions[k], ctx->tok[1]) == 0)
			break;
	if (k == sizeof(config_if_actions) / sizeof(config_if_actions[0]))
		return config_fail(
			ctx, ctx->col[1],
			"unknown interface action '%.*s' (expected listen, ignore or drop)",
			CONFIG_TOKEN_SHOW, ctx->tok[1]);
	it.action = (enum config_if_action)k;
	r = config_if_what_at(ctx, 2, &it);
	if (r < 0)
		return r;
	if (cfg->n_interfaces >= CONFIG_MAX_INTERFACES)
		return config_fail(ctx, ctx->col[0], "too many interface lines (at most %d)",
				   CONFIG_MAX_INTERFACES);
	cfg->interfaces[cfg->n_interfaces++] = it;
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
	{ "keys", CONFIG_USE_TSET, config_do_keys },
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
	{ "trustedkey", CONFIG_USE_TSET, config_do_trustedkey },
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
