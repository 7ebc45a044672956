/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmdline.h"
#include "config_file.h"
#include "log.h"
#include "ntp_auth.h"
#include "opts.h"
#include "tset_version.h"

/* The SYNOPSIS of tset(8), word for word. */
static void opts_synopsis(FILE *f)
{
	fprintf(f, "usage: tset [-46bBdghjnqsuvVw] [-c file] [-a keyid -k keyfile] [-e authdelay]\n"
		   "            [-G seconds] [-o version] [-p samples] [-t timeout]\n"
		   "            [-U user[:group]] [server ...]\n"
		   "       tset --help | --version\n");
}

/* Every flag of tset(8)'s OPTIONS, one line each, in its order. */
static const char *const opts_flag_lines[] = {
	"-4                 resolve and use only IPv4 addresses",
	"-6                 resolve and use only IPv6 addresses",
	"-a keyid           authenticate every server with this key of -k",
	"-b                 always step the clock",
	"-B                 always slew the clock",
	"-c file            configuration file (default " OPTS_DEFAULT_CONFIG ")",
	"-d                 debug: a trace and a per-server table on stderr; implies -q",
	"-e authdelay       accepted for ntpdate scripts, ignored",
	"-g                 allow an offset beyond the panic threshold",
	"-G seconds         panic threshold (default 1000; 0: none)",
	"-h, --help         print this help and exit",
	"-j                 one JSON document on stdout",
	"-k keyfile         the keys file (ntp.keys or chrony keyfile format)",
	"-n                 check the configuration, print what would be queried, exit",
	"-o version         NTP version to send, 1 to 4 (default 4)",
	"-p samples         at most this many requests per address, 1 to 8 (default 4)",
	"-q                 query only: report, never touch the clock",
	"-s                 report to syslog instead of stdout",
	"-t timeout         seconds to wait for each reply (default 1)",
	"-u                 accepted for ntpdate scripts (always an unprivileged port)",
	"-U user[:group]    run as user, keeping only CAP_SYS_TIME",
	"-v                 log the version and each skipped config line, then run",
	"-V, --version      print the version and exit",
	"-w                 after setting the clock, write the hardware clock (RTC)",
};

void opts_usage(FILE *f)
{
	opts_synopsis(f);
	fputc('\n', f);
	for (size_t i = 0; i < sizeof(opts_flag_lines) / sizeof(opts_flag_lines[0]); i++)
		fprintf(f, "  %s\n", opts_flag_lines[i]);
}

__attribute__((format(printf, 1, 2))) static enum opts_result opts_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("tset: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return OPTS_EXIT_USAGE;
}

/* A number of seconds in [min, max], the whole argument. */
static bool opts_seconds(const char *s, double min, double max, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

static bool opts_uint(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* Skipped directives: each with -d or -v, none with -s (cron mails what
 * is printed), else one line for them all. */
static enum opts_result opts_load_config(struct opts *o)
{
	enum config_file_notices notices = o->debug || o->verbose ? CONFIG_FILE_NOTICES_ALL
					   : o->use_syslog	  ? CONFIG_FILE_NOTICES_NONE
								  : CONFIG_FILE_NOTICES_SUMMARY;
	int r = config_file_load(&o->cfg, o->config_path, CONFIG_PROGRAM_TSET, o->config_given,
				 notices);

	return r < 0 ? OPTS_EXIT_USAGE : OPTS_RUN;
}

/* Servers from the command line replace those of the file. */
static enum opts_result opts_argv_servers(struct opts *o, int n, char **args)
{
	if (n == 0)
		return OPTS_RUN;
	if (n > CONFIG_MAX_SERVERS)
		return opts_fail("too many servers (at most %s)", "64");
	o->cfg.n_servers = 0;
	for (int i = 0; i < n; i++) {
		struct config_server *s = &o->cfg.servers[o->cfg.n_servers];
		unsigned type, unit;

		memset(s, 0, sizeof(*s));
		s->flags = CONFIG_SERVER_POOL; /* a name given here: every address */
		if (config_parse_host_port(args[i], 123, s->host, sizeof(s->host), &s->port) < 0)
			return opts_fail("bad server '%s'", args[i]);
		if (config_host_is_refclock(s->host, &type, &unit)) {
			log_notice("%s is a reference clock for a daemon; skipped", s->host);
			continue;
		}
		o->cfg.n_servers++;
	}
	return OPTS_RUN;
}

/* What the file says, where the command line said nothing. */
static void opts_merge(struct opts *o, bool have_p, bool have_t, bool have_G)
{
	const struct config *c = &o->cfg;

	if (!have_p && c->has_samples)
		o->samples = c->samples;
	if (!have_t && c->has_timeout)
		o->timeout_s = c->timeout_s;
	if (!have_G && c->has_panic)
		o->gate.panic_s = c->panic_s;
	if (c->has_step)
		o->gate.step_s = c->step_s;
	if (c->has_accuracy)
		o->accuracy_s = c->accuracy_s;
	if (c->has_deadline) {
		o->deadline_s = c->deadline_s;
	} else {
		/* tset.conf(5): 10 s, or what -p needs: (p - 1) * 2 s + timeout + 2 s */
		double need = (o->samples - 1) * OPTS_SPACING_S + o->timeout_s + 2;

		o->deadline_s = need > OPTS_DEFAULT_DEADLINE_S ? need : OPTS_DEFAULT_DEADLINE_S;
	}
}

const struct keys_key *opts_server_key(const struct opts *o, const struct config_server *s)
{
	unsigned id = o->auth_keyid ? o->auth_keyid : s->keyid;

	return id ? keys_find(&o->keys, id) : NULL;
}

/*
 * The keys, read when a server needs one: -a's key (trusted by being
 * named) or a server line's `key N`, which a trustedkey line must name,
 * as ntpd wants. A key that is missing or not trusted is an error: never
 * time from a server that was meant to be authenticated and is not.
 */
static enum opts_result opts_load_keys(struct opts *o)
{
	bool need = o->auth_keyid != 0;

	if (!o->keys_path && o->cfg.keys[0])
		o->keys_path = o->cfg.keys;
	for (unsigned i = 0; i < o->cfg.n_servers; i++)
		need |= o->cfg.servers[i].keyid != 0;
	if (!need)
		return OPTS_RUN;
	if (!o->keys_path)
		return opts_fail("%s", "a key is asked for but there is no keys file (-k, or keys "
				       "in the config)");
	if (config_file_load_keys(&o->keys, o->keys_path) < 0)
		return OPTS_EXIT_USAGE;
	for (unsigned i = 0; i < o->cfg.n_servers; i++) {
		const struct config_server *s = &o->cfg.servers[i];
		unsigned id = o->auth_keyid ? o->auth_keyid : s->keyid;

		if (id && !keys_find(&o->keys, id))
			return opts_fail("key %u (server '%s') is not in '%s'", id, s->host,
					 o->keys_path);
		if (id && !o->auth_keyid && !ntp_auth_is_trusted(&o->cfg, id))
			return opts_fail("key %u (server '%s') is not a trustedkey", id, s->host);
	}
	return OPTS_RUN;
}

static enum opts_result opts_check_servers(const struct opts *o)
{
	for (unsigned i = 0; i < o->cfg.n_servers; i++) {
		const struct config_server *s = &o->cfg.servers[i];

		if ((s->flags & CONFIG_SERVER_NTS) && (s->keyid || o->auth_keyid))
			return opts_fail("server '%s': nts and a symmetric key are two "
					 "authentications; give one",
					 s->host);
	}
	if (o->cfg.n_servers == 0) {
		fprintf(stderr, "tset: no servers: name some, or configure them in %s\n",
			o->config_path);
		return OPTS_EXIT_USAGE;
	}
	return OPTS_RUN;
}

static void opts_defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	config_init(&o->cfg);
	gate_policy_init(&o->gate);
	o->config_path = OPTS_DEFAULT_CONFIG;
	o->family = AF_UNSPEC;
	o->samples = OPTS_DEFAULT_SAMPLES;
	o->timeout_s = OPTS_DEFAULT_TIMEOUT_S;
	o->accuracy_s = OPTS_DEFAULT_ACCURACY_S;
	o->version = NTP_VERSION;
}

/* One option letter; returns OPTS_RUN to go on. */
static enum opts_result opts_option(struct opts *o, int c, const char *arg, unsigned *seen)
{
	switch (c) {
	case '4':
		o->family = AF_INET;
		break;
	case '6':
		o->family = AF_INET6;
		break;
	case 'b':
		o->gate.mode = GATE_MODE_STEP;
		*seen |= 1;
		break;
	case 'B':
		o->gate.mode = GATE_MODE_SLEW;
		*seen |= 2;
		break;
	case 'd':
		o->debug = true;
		o->gate.query_only = true;
		break;
	case 'g':
		o->gate.allow_panic = true;
		break;
	case 'j':
		o->json = true;
		break;
	case 'n':
		o->check_only = true;
		break;
	case 'q':
		o->gate.query_only = true;
		break;
	case 's':
		o->use_syslog = true;
		break;
	case 'u':
		break; /* ntpdate's unprivileged port: tset always uses one */
	case 'v':
		o->verbose = true;
		break;
	case 'w':
		o->write_rtc = true;
		break;
	case 'c':
		o->config_path = arg;
		o->config_given = true;
		break;
	case 'U':
		o->user = arg;
		break;
	case 'e':
		break; /* ntpdate's authdelay: unused by modern clients */
	case 'a':
		if (!opts_uint(arg, KEYS_ID_MIN, KEYS_ID_MAX, &o->auth_keyid))
			return opts_fail("bad key id '%s' (1..65534)", arg);
		break;
	case 'k':
		o->keys_path = arg;
		break;
	case 'G':
		if (!opts_seconds(arg, 0, 1e9, &o->gate.panic_s))
			return opts_fail("bad panic threshold '%s' (seconds, 0 = none)", arg);
		*seen |= 4;
		break;
	case 'o':
		if (!opts_uint(arg, NTP_VERSION_MIN, NTP_VERSION, &o->version))
			return opts_fail("bad ntp version '%s' (1..4)", arg);
		break;
	case 'p':
		if (!opts_uint(arg, 1, OPTS_MAX_SAMPLES, &o->samples))
			return opts_fail("bad sample count '%s' (1..8)", arg);
		*seen |= 8;
		break;
	case 't':
		if (!opts_seconds(arg, 0.001, 60, &o->timeout_s))
			return opts_fail("bad timeout '%s' (seconds, 0.001..60)", arg);
		*seen |= 16;
		break;
	default:
		return opts_fail("unknown option -%c", c); /* in the optstring, not here */
	}
	return OPTS_RUN;
}

static const struct option opts_long[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

enum opts_result opts_parse(int argc, char **argv, struct opts *o)
{
	unsigned seen = 0;
	enum opts_result r;
	int c;

	opts_defaults(o);
	/* 0, not 1: getopt starts over (glibc and musl), forgetting where it
	 * stopped inside a group such as "-hq" in an earlier argv */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46bBdghjnqsuvVwc:a:k:e:G:o:p:t:U:", opts_long,
				NULL)) != -1) {
		if (c == '?' || c == ':') {
			cmdline_bad_option("tset", c, argv, opts_long);
			opts_synopsis(stderr);
			return OPTS_EXIT_USAGE;
		}
		if (c == 'h' || c == 'V') {
			if (c == 'h')
				opts_usage(stdout);
			else
				printf("tset %s\n", TSET_VERSION);
			return OPTS_EXIT_OK;
		}
		r = opts_option(o, c, optarg, &seen);
		if (r != OPTS_RUN)
			return r;
	}
	if ((seen & 3) == 3)
		return opts_fail("%s", "-b (always step) and -B (always slew) exclude each other");
	r = opts_load_config(o);
	if (r == OPTS_RUN)
		r = opts_argv_servers(o, argc - optind, argv + optind);
	if (r != OPTS_RUN)
		return r;
	opts_merge(o, seen & 8, seen & 16, seen & 4);
	r = opts_check_servers(o);
	if (r == OPTS_RUN)
		r = opts_load_keys(o);
	return r;
}
