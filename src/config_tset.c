/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_tset: the directives only tset uses (tinker, tos, enable/disable,
 * resolvconf, samples, timeout, deadline, accuracy). tsetd parses them all
 * the same and records a notice.
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

static const struct config_range config_range_maxdist = { 0, 1000, true, "seconds 0 < S <= 1000" };

static const struct config_range config_range_accuracy = { 0, 1, true, "seconds 0 < S <= 1" };

static const struct config_range config_range_deadline = { 0, 3600, true, "seconds 0 < S <= 3600" };

static const struct config_range config_range_timeout = { 0, 60, true, "seconds 0 < S <= 60" };

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

int config_do_tinker(struct config_ctx *ctx)
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

int config_do_tos(struct config_ctx *ctx)
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

int config_do_enable(struct config_ctx *ctx)
{
	return config_enable_disable(ctx, true);
}

int config_do_disable(struct config_ctx *ctx)
{
	return config_enable_disable(ctx, false);
}

/* ---- tset's own directives ---- */

int config_do_resolvconf(struct config_ctx *ctx)
{
	return config_path_at(ctx, 1, ctx->cfg->resolvconf, sizeof(ctx->cfg->resolvconf));
}

int config_do_ntstrustedcerts(struct config_ctx *ctx)
{
	return config_path_at(ctx, 1, ctx->cfg->ntstrustedcerts, sizeof(ctx->cfg->ntstrustedcerts));
}

int config_do_samples(struct config_ctx *ctx)
{
	unsigned long v = 0;
	int r = config_one_uint(ctx, 1, 8, &v, &ctx->cfg->has_samples);

	if (r == 0)
		ctx->cfg->samples = (unsigned)v;
	return r;
}

int config_do_timeout(struct config_ctx *ctx)
{
	return config_one_seconds(ctx, &config_range_timeout, &ctx->cfg->timeout_s,
				  &ctx->cfg->has_timeout);
}

int config_do_deadline(struct config_ctx *ctx)
{
	return config_one_seconds(ctx, &config_range_deadline, &ctx->cfg->deadline_s,
				  &ctx->cfg->has_deadline);
}

int config_do_accuracy(struct config_ctx *ctx)
{
	return config_one_seconds(ctx, &config_range_accuracy, &ctx->cfg->accuracy_s,
				  &ctx->cfg->has_accuracy);
}
