/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opts: tset's command line and config file, merged into what one run
 * needs (tset(8), tset.conf(5)). The command line wins over the file.
 */
#ifndef TSET_ONESHOT_OPTS_H
#define TSET_ONESHOT_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "gate.h"
#include "keys.h"

#define OPTS_DEFAULT_CONFIG	"/etc/tset.conf"
#define OPTS_DEFAULT_SAMPLES	4
#define OPTS_MAX_SAMPLES	8
#define OPTS_DEFAULT_TIMEOUT_S	1.0
#define OPTS_DEFAULT_DEADLINE_S 10.0
#define OPTS_DEFAULT_ACCURACY_S 0.001
#define OPTS_SPACING_S		2.0 /* requests to one address, unless `burst` */

struct opts {
	struct config cfg; /* the file as parsed; servers replaced by argv ones */
	const char *config_path;
	bool config_given; /* -c */
	struct gate_policy gate;
	bool debug;	       /* -d (implies query_only through gate) */
	bool json;	       /* -j */
	bool use_syslog;       /* -s */
	bool check_only;       /* -n */
	bool write_rtc;	       /* -w */
	bool verbose;	       /* -v */
	int family;	       /* AF_UNSPEC, AF_INET, AF_INET6 */
	unsigned samples;      /* -p, `samples` */
	double timeout_s;      /* -t, `timeout` */
	double deadline_s;     /* `deadline`, or derived from -p and -t */
	double accuracy_s;     /* `accuracy` */
	unsigned version;      /* -o */
	const char *user;      /* -U */
	unsigned auth_keyid;   /* -a: every server's key; 0: none */
	const char *keys_path; /* -k, else `keys`; NULL: none */
	struct keys keys;      /* read from keys_path when a server has a key */
};

/* What opts_parse() wants the caller to do. */
enum opts_result {
	OPTS_RUN = 0,
	OPTS_EXIT_OK,	 /* -h or -V: printed, exit 0 */
	OPTS_EXIT_USAGE, /* error printed (to stderr), exit 2 */
};

/*
 * Parse argv and read the config file (-c, or /etc/tset.conf when it
 * exists). Errors are printed to stderr in the form "tset: ..." or
 * "file:line:col: ...", config notices through log_notice().
 */
enum opts_result opts_parse(int argc, char **argv, struct opts *ret);

/* The key a server's replies must carry (-a, else `key N`), or NULL. */
const struct keys_key *opts_server_key(const struct opts *o, const struct config_server *s);

/* The usage text (matches the SYNOPSIS of tset(8)). */
void opts_usage(FILE *f);

#endif
