/* SPDX-License-Identifier: BSD-2-Clause */
/* opts: tset's command line and config file, merged as tset(8) says. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_run.h"
#include "opts.h"

static struct opts o;
static char conf[] = "/tmp/test_opts.XXXXXX";

/* Write the config file and parse argv (NULL-terminated, without argv[0]). */
static enum opts_result parse(const char *text, const char *const *args)
{
	char *argv[32] = { "tset" };
	int argc = 1, fd = mkstemp(conf);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	argv[argc++] = "-c";
	argv[argc++] = conf;
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	enum opts_result r = opts_parse(argc, argv, &o);

	unlink(conf);
	memcpy(conf + sizeof(conf) - 7, "XXXXXX", 6);
	return r;
}

START_TEST(test_opts_command_line_wins_over_the_file)
{
	static const char *const args[] = { "-p", "2", "-t", "0.5", "-G", "10", NULL };

	ck_assert_int_eq(
		parse("server a.example\nsamples 6\ntimeout 3\ntinker panic 0 step 1\n", args),
		OPTS_RUN);
	ck_assert_uint_eq(o.samples, 2);
	ck_assert_double_eq(o.timeout_s, 0.5);
	ck_assert_double_eq(o.gate.panic_s, 10);
	ck_assert_double_eq(o.gate.step_s, 1);
}
END_TEST

START_TEST(test_opts_file_values_without_flags_and_derived_deadline)
{
	static const char *const args[] = { NULL };

	ck_assert_int_eq(parse("server a.example\nsamples 8\ntimeout 2\naccuracy 0.01\n", args),
			 OPTS_RUN);
	ck_assert_uint_eq(o.samples, 8);
	ck_assert_double_eq(o.timeout_s, 2);
	ck_assert_double_eq(o.accuracy_s, 0.01);
	/* (8 - 1) * 2 s + 2 s + 2 s */
	ck_assert_double_eq(o.deadline_s, 18);
	ck_assert_int_eq(parse("server a.example\ndeadline 3\n", args), OPTS_RUN);
	ck_assert_double_eq(o.deadline_s, 3);
	ck_assert_int_eq(parse("server a.example\n", args), OPTS_RUN);
	ck_assert_double_eq(o.deadline_s, 10);
}
END_TEST

START_TEST(test_opts_argv_servers_replace_the_files)
{
	static const char *const args[] = { "[::1]:1234", "127.127.1.0", "pool.example", NULL };

	ck_assert_int_eq(parse("server a.example\nserver b.example\n", args), OPTS_RUN);
	ck_assert_uint_eq(o.cfg.n_servers, 2); /* the refclock is skipped */
	ck_assert_str_eq(o.cfg.servers[0].host, "::1");
	ck_assert_uint_eq(o.cfg.servers[0].port, 1234);
	ck_assert(o.cfg.servers[0].flags & CONFIG_SERVER_POOL);
	ck_assert_str_eq(o.cfg.servers[1].host, "pool.example");
}
END_TEST

START_TEST(test_opts_flags)
{
	static const char *const args[] = { "-4", "-b", "-g", "-w",	"-u",	     "-e", "0.1",
					    "-o", "3",	"-U", "nobody", "a.example", NULL };
	static const char *const d[] = { "-d", "-6", "a.example", NULL };

	ck_assert_int_eq(parse("", args), OPTS_RUN);
	ck_assert_int_eq(o.family, AF_INET);
	ck_assert_int_eq(o.gate.mode, GATE_MODE_STEP);
	ck_assert(o.gate.allow_panic && o.write_rtc && !o.gate.query_only);
	ck_assert_uint_eq(o.version, 3);
	ck_assert_str_eq(o.user, "nobody");
	ck_assert_int_eq(parse("", d), OPTS_RUN);
	ck_assert(o.debug && o.gate.query_only); /* -d implies -q */
	ck_assert_int_eq(o.family, AF_INET6);
}
END_TEST

START_TEST(test_opts_usage_errors)
{
	static const char *const bad[][4] = {
		{ "-b", "-B", "a.example", NULL }, /* exclude each other */
		{ "-p", "9", "a.example", NULL },  /* 1..8 */
		{ "-p", "x", "a.example", NULL },
		{ "-t", "0", "a.example", NULL },
		{ "-o", "5", "a.example", NULL },
		{ "-G", "-1", "a.example", NULL },
		{ "-a", "1", "a.example", NULL }, /* a key and no keys file */
		{ "-a1", "-k/nonexistent/ntp.keys", "x", NULL },
		{ "-Z", "a.example", NULL, NULL }, /* unknown option */
		{ "bad_host!", NULL, NULL, NULL },
		{ NULL, NULL, NULL, NULL }, /* no servers at all */
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse("", bad[i]) == OPTS_EXIT_USAGE, "case %u (%s) accepted", i,
			      bad[i][0] ? bad[i][0] : "none");
	ck_assert_int_eq(parse("server a.example key 3\n", bad[10]), OPTS_EXIT_USAGE);
	ck_assert_int_eq(parse("server a.example\nbogus\n", bad[10]), OPTS_EXIT_USAGE);
}
END_TEST

/* nts and a symmetric key on one server: two authentications, refused;
 * the same key without nts is fine */
START_TEST(test_opts_nts_and_a_key_are_refused_together)
{
	char keys[] = "/tmp/test_opts_keys.XXXXXX", text[256];
	const char *none[] = { NULL };
	int fd = mkstemp(keys);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "1 MD5 secret\n", 13), 13);
	close(fd);
	snprintf(text, sizeof(text), "keys %s\ntrustedkey 1\nserver a.example key 1\n", keys);
	ck_assert_int_eq(parse(text, none), OPTS_RUN);
	snprintf(text, sizeof(text), "keys %s\ntrustedkey 1\nserver a.example nts key 1\n", keys);
	ck_assert_int_eq(parse(text, none), OPTS_EXIT_USAGE);
	unlink(keys);
}
END_TEST

START_TEST(test_opts_missing_given_config_is_an_error)
{
	char *argv[] = { "tset", "-c", "/nonexistent/tset.conf", "a.example", NULL };

	ck_assert_int_eq(opts_parse(4, argv, &o), OPTS_EXIT_USAGE);
}
END_TEST

START_TEST(test_opts_help_and_version_exit_ok)
{
	char *h[] = { "tset", "-h", NULL }, *v[] = { "tset", "-V", NULL };

	ck_assert_int_eq(opts_parse(2, h, &o), OPTS_EXIT_OK);
	ck_assert_int_eq(opts_parse(2, v, &o), OPTS_EXIT_OK);
}
END_TEST

START_TEST(test_opts_each_parse_starts_afresh)
{
	/* a parse that ends inside "-hq" must not leave getopt there */
	char *first[] = { "tset", "-hq", NULL };
	static const char *const args[] = { "a.example", NULL };

	ck_assert_int_eq(opts_parse(2, first, &o), OPTS_EXIT_OK);
	ck_assert_int_eq(parse("", args), OPTS_RUN);
	ck_assert(!o.gate.query_only);
	ck_assert(o.config_given);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_opts_command_line_wins_over_the_file);
	tcase_add_test(tc, test_opts_file_values_without_flags_and_derived_deadline);
	tcase_add_test(tc, test_opts_argv_servers_replace_the_files);
	tcase_add_test(tc, test_opts_flags);
	tcase_add_test(tc, test_opts_usage_errors);
	tcase_add_test(tc, test_opts_nts_and_a_key_are_refused_together);
	tcase_add_test(tc, test_opts_missing_given_config_is_an_error);
	tcase_add_test(tc, test_opts_help_and_version_exit_ok);
	tcase_add_test(tc, test_opts_each_parse_starts_afresh);
	suite_add_tcase(s, tc);
	return check_run(s);
}
