/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_server: `server`, `pool` and `peer` lines, which both programs
 * read: tset queries upstream servers, tsetd serves reference clocks
 * (127.127.t.u) and notes the rest. The options are ntpd's and ntpsec's.
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

/* ---- server, pool, peer ---- */

bool config_has_nts(void)
{
	return TSET_HAVE_NTS;
}

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
	CONFIG_OPT_NTSPORT,
	CONFIG_OPT_CA, /* a file name */
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
	{ "ca", CONFIG_OPT_CA, 0, 0, 0, false, CONFIG_OPT_NTS },
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
	{ "ntsport", CONFIG_OPT_NTSPORT, 0, 1, 65535, false, CONFIG_OPT_NTS },
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
	uint16_t port, nts_port;
	const char *ca; /* the token of `ca FILE`, or NULL */
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
	case CONFIG_OPT_NTSPORT:
		o->nts_port = (uint16_t)v;
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
	case CONFIG_OPT_CA:
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
	case CONFIG_OPT_CA:
		r = config_need(ctx, i, op->name);
		if (r < 0)
			return r;
		if (strlen(ctx->tok[i]) >= CONFIG_MAX_PATH)
			return config_fail(ctx, ctx->col[i],
					   "file name '%.*s...' too long (at most %d bytes)",
					   CONFIG_TOKEN_SHOW, ctx->tok[i], CONFIG_MAX_PATH - 1);
		o->ca = ctx->tok[i];
		return 0;
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

struct config_refclock *config_refclock_find(struct config *cfg, unsigned type, unsigned unit)
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
	if ((o.flags & CONFIG_SERVER_NTS) && !config_has_nts() && ctx->prog == CONFIG_PROGRAM_TSET)
		return config_fail(ctx, ctx->col[i],
				   "nts: this tset was built without NTS (meson -Dnts=disabled)");
	if (cfg->n_servers >= CONFIG_MAX_SERVERS)
		return config_fail(ctx, ctx->col[0], "too many servers (at most %d)",
				   CONFIG_MAX_SERVERS);
	s = &cfg->servers[cfg->n_servers++];
	memset(s, 0, sizeof(*s));
	strcpy(s->host, ctx->tok[i]); /* config_host_at() checked its length */
	if (o.flags & CONFIG_SERVER_NTS) {
		s->port = o.nts_port	   ? o.nts_port
			  : ctx->host_port ? ctx->host_port
					   : CONFIG_NTS_KE_PORT;
		s->ntp_port = o.port;
		if (o.ca)
			strcpy(s->ca, o.ca); /* config_opt_value() checked its length */
	} else {
		s->port = o.port ? o.port : ctx->host_port ? ctx->host_port : CONFIG_NTP_PORT;
	}
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

int config_do_server(struct config_ctx *ctx)
{
	return config_server_line(ctx, 0);
}

int config_do_pool(struct config_ctx *ctx)
{
	return config_server_line(ctx, CONFIG_SERVER_POOL);
}

int config_do_peer(struct config_ctx *ctx)
{
	return config_server_line(ctx, CONFIG_SERVER_PEER);
}
