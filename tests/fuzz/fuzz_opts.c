/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: tset's command line (opts_parse), with the config file it
 * reads. The input is NUL-separated fields: the arguments of a first
 * command line, an empty field, those of a second one, an empty field,
 * then the config file's bytes (any bytes). Each command line gets
 * argv[0] "tset". Every -c argument becomes a path fuzz_file.h makes (the
 * input's file, a missing one or a directory, by the argument's first
 * byte), and a command line without -c gets "-c <the input's file>", so
 * that nothing of the machine's is read.
 *
 * The first command line is parsed, then the second one twice: both
 * parses of the second must agree (nothing of an earlier parse leaks into
 * a later one, getopt's position inside "-hq" included), and what a parse
 * accepts must be within the bounds opts.h and the contract set. opts_parse
 * must return, never exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "fuzz_file.h"
#include "opts.h"

#define FUZZ_MAX_ARGS 100 /* more than CONFIG_MAX_SERVERS operands */

/*
 * The letters of opts.c's getopt string that take an argument. Should they
 * drift apart, a -c could be missed: opts_parse's config path is checked
 * against fuzz_file.h's paths afterwards.
 */
static const char fuzz_with_arg[] = "caekGoptU";

struct fuzz_argv {
	int argc;
	char *argv[2 * FUZZ_MAX_ARGS + 4]; /* each -cX may become two */
};

static bool fuzz_in_call;

/* opts_parse() must never exit: the replay build has no libFuzzer to say so. */
static void fuzz_on_exit(void)
{
	if (fuzz_in_call)
		abort();
}

/* Split data[*off..size) at NULs into av until an empty field or the end. */
static void fuzz_take_args(const uint8_t *data, size_t size, size_t *off, struct fuzz_argv *av)
{
	av->argc = 0;
	av->argv[av->argc++] = strdup("tset");
	while (*off < size) {
		const uint8_t *nul = memchr(data + *off, '\0', size - *off);
		size_t len = nul ? (size_t)(nul - (data + *off)) : size - *off;

		if (len == 0) {
			(*off)++;
			break;
		}
		if (av->argc < FUZZ_MAX_ARGS)
			av->argv[av->argc++] = strndup((const char *)data + *off, len);
		*off += len + (nul != NULL);
	}
	av->argv[av->argc] = NULL;
}

static void fuzz_insert(struct fuzz_argv *av, int at, char *arg)
{
	memmove(&av->argv[at + 1], &av->argv[at],
		sizeof(av->argv[0]) * (size_t)(av->argc - at + 1));
	av->argv[at] = arg;
	av->argc++;
}

/*
 * Find -c as getopt does (any option group, arguments skipped, "--" ends
 * the options) and make its argument a separate element naming one of our
 * files; without -c, add one.
 */
static void fuzz_rewrite_config(struct fuzz_argv *av)
{
	bool given = false;

	for (int i = 1; i < av->argc && strcmp(av->argv[i], "--") != 0; i++) {
		char *a = av->argv[i];

		if (a[0] != '-' || a[1] == '\0')
			continue;
		for (size_t j = 1; a[j]; j++) {
			const char *val;
			enum fuzz_file_kind kind;

			if (!strchr(fuzz_with_arg, a[j]))
				continue;
			if (a[j] != 'c') {
				if (!a[j + 1])
					i++; /* the argument is the next element */
				break;
			}
			if (a[j + 1]) {
				val = a + j + 1;
			} else if (i + 1 < av->argc) {
				val = av->argv[++i];
			} else {
				break; /* getopt: missing argument */
			}
			kind = (enum fuzz_file_kind)((unsigned char)val[0] % FUZZ_FILE_KINDS);
			if (val == a + j + 1) { /* "-qcX": cut after c, X becomes ours */
				a[j + 1] = '\0';
				fuzz_insert(av, ++i, strdup(fuzz_file_path(kind)));
			} else {
				free(av->argv[i]);
				av->argv[i] = strdup(fuzz_file_path(kind));
			}
			given = true;
			break;
		}
	}
	if (!given) {
		fuzz_insert(av, 1, strdup(fuzz_file_path(FUZZ_FILE_INPUT)));
		fuzz_insert(av, 1, strdup("-c"));
	}
}

static void fuzz_free(struct fuzz_argv *av)
{
	for (int i = 0; i < av->argc; i++)
		free(av->argv[i]);
}

static enum opts_result fuzz_parse(const struct fuzz_argv *in, struct opts *o)
{
	struct fuzz_argv av = { .argc = in->argc };
	enum opts_result r;
	bool ours = false;

	/* a fresh copy: getopt permutes argv, and a leak would point into the old one */
	for (int i = 0; i < in->argc; i++)
		av.argv[i] = strdup(in->argv[i]);
	av.argv[av.argc] = NULL;
	fuzz_in_call = true;
	r = opts_parse(av.argc, av.argv, o);
	fuzz_in_call = false;
	/* what was read (once the options are all seen) is one of ours */
	for (int k = 0; k < FUZZ_FILE_KINDS; k++)
		ours |= strcmp(o->config_path, fuzz_file_path(k)) == 0;
	FUZZ_CHECK(!o->config_given || ours);
	fuzz_free(&av);
	o->config_path = NULL; /* pointed into av */
	o->user = NULL;
	return r;
}

/* What an accepted command line may hold. */
static void fuzz_check_run(const struct opts *o)
{
	double need = (o->samples - 1) * OPTS_SPACING_S + o->timeout_s + 2;

	FUZZ_CHECK(o->samples >= 1 && o->samples <= OPTS_MAX_SAMPLES);
	FUZZ_CHECK(o->timeout_s >= 0.001 && o->timeout_s <= 60);
	FUZZ_CHECK(o->version >= NTP_VERSION_MIN && o->version <= NTP_VERSION);
	FUZZ_CHECK(o->family == AF_UNSPEC || o->family == AF_INET || o->family == AF_INET6);
	FUZZ_CHECK(o->cfg.n_servers >= 1 && o->cfg.n_servers <= CONFIG_MAX_SERVERS);
	FUZZ_CHECK(o->gate.panic_s >= 0 && o->gate.step_s >= 0 && o->accuracy_s > 0);
	FUZZ_CHECK(!o->debug || o->gate.query_only);
	if (!o->cfg.has_deadline)
		FUZZ_CHECK(o->deadline_s ==
			   (need > OPTS_DEFAULT_DEADLINE_S ? need : OPTS_DEFAULT_DEADLINE_S));
	for (unsigned i = 0; i < o->cfg.n_servers; i++) {
		const struct config_server *s = &o->cfg.servers[i];

		FUZZ_CHECK(s->host[0] && memchr(s->host, '\0', sizeof(s->host)) && s->port);
		FUZZ_CHECK(s->keyid == 0 && !config_host_is_refclock(s->host, NULL, NULL));
	}
}

/* Two parses of one command line agree (bytes of doubles: NaN-safe). */
static void fuzz_same(const struct opts *a, const struct opts *b)
{
	FUZZ_CHECK(a->config_given == b->config_given && a->debug == b->debug &&
		   a->json == b->json && a->use_syslog == b->use_syslog &&
		   a->check_only == b->check_only && a->write_rtc == b->write_rtc &&
		   a->verbose == b->verbose && a->family == b->family && a->samples == b->samples &&
		   a->version == b->version);
	FUZZ_CHECK(memcmp(&a->timeout_s, &b->timeout_s, sizeof(double)) == 0 &&
		   memcmp(&a->deadline_s, &b->deadline_s, sizeof(double)) == 0 &&
		   memcmp(&a->accuracy_s, &b->accuracy_s, sizeof(double)) == 0);
	FUZZ_CHECK(a->gate.mode == b->gate.mode && a->gate.allow_panic == b->gate.allow_panic &&
		   a->gate.query_only == b->gate.query_only &&
		   memcmp(&a->gate.step_s, &b->gate.step_s, sizeof(double)) == 0 &&
		   memcmp(&a->gate.panic_s, &b->gate.panic_s, sizeof(double)) == 0);
	FUZZ_CHECK(a->cfg.n_servers == b->cfg.n_servers);
	for (unsigned i = 0; i < a->cfg.n_servers; i++)
		FUZZ_CHECK(strcmp(a->cfg.servers[i].host, b->cfg.servers[i].host) == 0 &&
			   a->cfg.servers[i].port == b->cfg.servers[i].port &&
			   a->cfg.servers[i].flags == b->cfg.servers[i].flags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* static: struct opts holds a struct config, which is large */
	static struct opts first, again;
	static bool init;
	struct fuzz_argv a, b;
	enum opts_result r1, r2;
	size_t off = 0;

	if (!init) {
		atexit(fuzz_on_exit);
		init = true;
	}
	fuzz_take_args(data, size, &off, &a);
	fuzz_take_args(data, size, &off, &b);
	fuzz_file_write(data + off, size - off);
	fuzz_rewrite_config(&a);
	fuzz_rewrite_config(&b);
	(void)fuzz_parse(&a, &first);
	r1 = fuzz_parse(&b, &first);
	r2 = fuzz_parse(&b, &again);
	FUZZ_CHECK(r1 == r2 && (r1 == OPTS_RUN || r1 == OPTS_EXIT_OK || r1 == OPTS_EXIT_USAGE));
	fuzz_same(&first, &again);
	if (r1 == OPTS_RUN)
		fuzz_check_run(&first);
	fuzz_free(&a);
	fuzz_free(&b);
	return 0;
}
