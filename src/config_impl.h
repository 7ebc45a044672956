/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_impl: what the parts of the config parser share (not for its
 * users, who include config.h). config.c owns the lines, the tokens, the
 * value readers and the directive table; config_server.c the server, pool
 * and peer lines both programs read; config_tset.c and config_tsetd.c the
 * directives of each program. Every handler validates its whole line and
 * stores into ctx->cfg, or fails with config_fail().
 */
#ifndef TSET_CONFIG_IMPL_H
#define TSET_CONFIG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* most tokens a line can hold: "a b c ..." */
#define CONFIG_MAX_TOKENS  (CONFIG_MAX_LINE / 2 + 1)
#define CONFIG_NTP_PORT	   123	/* RFC 5905 section 7: UDP port 123 */
#define CONFIG_NTS_KE_PORT 4460 /* RFC 8915 section 6: the NTS-KE TCP port */
#define CONFIG_MAX_DNS	   253	/* RFC 1035 section 2.3.4, without the final dot */
#define CONFIG_MAX_LABEL   63	/* RFC 1035 section 2.3.4 */
#define CONFIG_MAX_ABS_S   1e9	/* bound on any seconds value (about 31 years) */
#define CONFIG_TOKEN_SHOW  48	/* bytes of a user token quoted in a message */

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

/* ranges more than one part uses */
extern const struct config_range config_range_gate;
extern const struct config_range config_range_any;

/* ---- errors and notices (config.c) ---- */

int config_fail(struct config_ctx *ctx, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void config_notice(struct config_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- tokens, values, addresses (config.c) ---- */

void config_addr_clear_host(struct config_addr *a, unsigned prefix);
bool config_addr_equal(const struct config_addr *a, const struct config_addr *b);
bool config_addr_from_text(const char *s, struct config_addr *ret);
void config_family_at(struct config_ctx *ctx, unsigned *i, enum config_family *ret);
int config_host_family(const char *host);
bool config_host_is_valid(const char *host);
bool config_is_dns_name(const char *s);
bool config_is_ifname(const char *s);
int config_mask_prefix(struct config_addr *mask);
int config_need(struct config_ctx *ctx, unsigned i, const char *what);
int config_no_more(struct config_ctx *ctx, unsigned i);
int config_one_uint(struct config_ctx *ctx, unsigned long min, unsigned long max,
		    unsigned long *dst, bool *has);
int config_one_seconds(struct config_ctx *ctx, const struct config_range *range, double *dst,
		       bool *has);
int config_path_at(struct config_ctx *ctx, unsigned i, char *dst, size_t dst_len);
int config_prefix_parse(const char *s, struct config_addr *ret_addr, unsigned *ret_prefix);
int config_seconds_at(struct config_ctx *ctx, unsigned i, const char *what,
		      const struct config_range *range, double *ret);
int config_uint_at(struct config_ctx *ctx, unsigned i, const char *what, unsigned long min,
		   unsigned long max, unsigned long *ret);

/* ---- server, pool, peer (config_server.c) ---- */

int config_do_peer(struct config_ctx *ctx);
int config_do_pool(struct config_ctx *ctx);
int config_do_server(struct config_ctx *ctx);
struct config_refclock *config_refclock_find(struct config *cfg, unsigned type, unsigned unit);

/* ---- tset's directives (config_tset.c) ---- */

int config_do_accuracy(struct config_ctx *ctx);
int config_do_deadline(struct config_ctx *ctx);
int config_do_disable(struct config_ctx *ctx);
int config_do_enable(struct config_ctx *ctx);
int config_do_resolvconf(struct config_ctx *ctx);
int config_do_ntstrustedcerts(struct config_ctx *ctx);
int config_do_samples(struct config_ctx *ctx);
int config_do_timeout(struct config_ctx *ctx);
int config_do_tinker(struct config_ctx *ctx);
int config_do_tos(struct config_ctx *ctx);

/* ---- tsetd's directives (config_tsetd.c) ---- */

int config_do_discard(struct config_ctx *ctx);
int config_do_fudge(struct config_ctx *ctx);
int config_do_gpsd(struct config_ctx *ctx);
int config_do_interface(struct config_ctx *ctx);
int config_do_limitprefix(struct config_ctx *ctx);
int config_do_logfile(struct config_ctx *ctx);
int config_do_port(struct config_ctx *ctx);
int config_do_restrict(struct config_ctx *ctx);
int config_do_statsinterval(struct config_ctx *ctx);
int config_do_unrestrict(struct config_ctx *ctx);

#endif
