/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_tsetd: the directives only tsetd uses (fudge, restrict,
 * unrestrict, interface, port, gpsd, discard, limitprefix, statsinterval,
 * logfile). tset parses them all the same and records a notice.
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

static const struct config_range config_range_fudge = { -CONFIG_MAX_ABS_S, CONFIG_MAX_ABS_S, false,
							"seconds -1e9 <= S <= 1e9" };

static const struct config_range config_range_stats = { 1, 86400, false,
							"seconds 1 <= S <= 86400" };

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
int config_do_fudge(struct config_ctx *ctx)
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

/* ---- tsetd's own directives ---- */

int config_do_logfile(struct config_ctx *ctx)
{
	return config_path_at(ctx, 1, ctx->cfg->logfile, sizeof(ctx->cfg->logfile));
}

int config_do_port(struct config_ctx *ctx)
{
	unsigned long v = 0;
	int r = config_one_uint(ctx, 1, 65535, &v, &ctx->cfg->has_port);

	if (r == 0)
		ctx->cfg->port = (uint16_t)v;
	return r;
}

int config_do_gpsd(struct config_ctx *ctx)
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
int config_do_discard(struct config_ctx *ctx)
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
int config_do_limitprefix(struct config_ctx *ctx)
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

int config_do_statsinterval(struct config_ctx *ctx)
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
int config_do_restrict(struct config_ctx *ctx)
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
int config_do_unrestrict(struct config_ctx *ctx)
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
int config_do_interface(struct config_ctx *ctx)
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
