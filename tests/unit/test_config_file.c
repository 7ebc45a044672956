/* SPDX-License-Identifier: BSD-2-Clause */
/* config_file: reading a config file, its size limit, and what fails. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "config_file.h"

static struct config cfg;

/* A file of len bytes: "server a.example\n" then comment lines and
 * blanks, so that it parses at any length. Returns its path. */
static char *write_conf(size_t len)
{
	static char path[] = "/tmp/test_config_file.XXXXXX";
	static const char head[] = "server a.example\n";
	char *text = malloc(len);
	int fd;

	ck_assert_ptr_nonnull(text);
	memset(text, ' ', len);
	memcpy(text, head, len < sizeof(head) - 1 ? len : sizeof(head) - 1);
	for (size_t i = sizeof(head) - 1; i + 80 < len; i += 80) {
		text[i] = '#';
		text[i + 79] = '\n';
	}
	memcpy(path + sizeof(path) - 7, "XXXXXX", 6);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	free(text);
	return path;
}

static int load(const char *path, bool must_exist)
{
	config_init(&cfg);
	return config_file_load(&cfg, path, CONFIG_PROGRAM_TSET, must_exist);
}

START_TEST(test_config_file_size_limit_is_inclusive)
{
	char *path = write_conf(CONFIG_FILE_MAX);

	ck_assert_int_eq(load(path, true), 0);
	ck_assert_uint_eq(cfg.n_servers, 1);
	unlink(path);
	path = write_conf(CONFIG_FILE_MAX + 1);
	ck_assert_int_eq(load(path, true), -EFBIG);
	unlink(path);
}
END_TEST

START_TEST(test_config_file_reads_across_buffer_growth)
{
	/* the buffer starts at 4 KiB and doubles */
	static const size_t lens[] = { 0, 17, 4095, 4096, 4097, 8192, 65537 };

	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *path = write_conf(lens[i]);

		ck_assert_int_eq(load(path, true), 0);
		ck_assert_uint_eq(cfg.n_servers, lens[i] >= 17);
		unlink(path);
	}
}
END_TEST

START_TEST(test_config_file_missing_is_fine_unless_named)
{
	ck_assert_int_eq(load("/nonexistent/tset.conf", false), 1);
	ck_assert_int_eq(load("/nonexistent/tset.conf", true), -ENOENT);
	ck_assert_int_eq(load("/", false), -EISDIR);
}
END_TEST

START_TEST(test_config_file_parse_error_is_einval)
{
	char *path = write_conf(17);
	FILE *f = fopen(path, "a");

	ck_assert_ptr_nonnull(f);
	fputs("bogus\n", f);
	fclose(f);
	ck_assert_int_eq(load(path, false), -EINVAL);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_file");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_config_file_size_limit_is_inclusive);
	tcase_add_test(tc, test_config_file_reads_across_buffer_growth);
	tcase_add_test(tc, test_config_file_missing_is_fine_unless_named);
	tcase_add_test(tc, test_config_file_parse_error_is_einval);
	suite_add_tcase(s, tc);
	return check_run(s);
}
