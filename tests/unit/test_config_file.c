/* SPDX-License-Identifier: BSD-2-Clause */
/* config_file: reading a config file, its size limit, and what fails. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "config_file.h"
#include "log.h"

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
	return config_file_load(&cfg, path, CONFIG_PROGRAM_TSET, must_exist,
				CONFIG_FILE_NOTICES_ALL);
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

/* ---- includefile ---- */

static char dir[] = "/tmp/test_config_inc.XXXXXX";
static char logpath[sizeof(dir) + 16];

/* A fresh folder for the files of one test, and the log captured in it. */
static void inc_setup(void)
{
	memcpy(dir + sizeof(dir) - 7, "XXXXXX", 6);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	log_open("test", false, false);
	ck_assert_int_eq(log_to_file(logpath), 0);
}

static void inc_teardown(void)
{
	char cmd[sizeof(dir) + 16];

	log_to_file(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* dir/name gets text (sub-folders made as needed). */
static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (strchr(name, '/')) {
		char sub[256];

		snprintf(sub, sizeof(sub), "%s/%.*s", dir, (int)(strrchr(name, '/') - name), name);
		mkdir(sub, 0700);
	}
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static int load_in(const char *name, enum config_program prog)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	config_init(&cfg);
	return config_file_load(&cfg, path, prog, true, CONFIG_FILE_NOTICES_ALL);
}

/* Does the captured log hold text (the folder's name stands for each "@")? */
static bool logged(const char *text)
{
	char want[1024] = "", line[1024];
	bool found = false;
	FILE *f = fopen(logpath, "r");

	for (const char *p = text; *p; p++) {
		size_t n = strlen(want);

		if (*p == '@')
			snprintf(want + n, sizeof(want) - n, "%s", dir);
		else if (n + 1 < sizeof(want))
			want[n] = *p, want[n + 1] = '\0';
	}
	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

START_TEST(test_config_file_include_is_relative_to_the_including_folder)
{
	put("main.conf", "includefile sub/servers.conf\nserver a.example\n");
	put("sub/servers.conf", "server b.example\nincludefile more.conf\n");
	put("sub/more.conf", "server c.example\nrestrict default ignore\n");
	ck_assert_int_eq(chdir("/"), 0);
	ck_assert_int_eq(load_in("main.conf", CONFIG_PROGRAM_TSETD), 0);
	ck_assert_uint_eq(cfg.n_servers, 3);
	ck_assert_str_eq(cfg.servers[0].host, "b.example");
	ck_assert_str_eq(cfg.servers[1].host, "c.example");
	ck_assert_str_eq(cfg.servers[2].host, "a.example");
	/* restrict default: one entry per family */
	ck_assert_uint_eq(cfg.n_restricts, 2);
	ck_assert_uint_eq(cfg.n_includes, 2);
	/* a notice names the file its line is in */
	ck_assert(logged("@/sub/more.conf:1: upstream server skipped"));
}
END_TEST

START_TEST(test_config_file_include_loop_is_refused_by_inode)
{
	char a[256], b[256];

	put("a.conf", "server a.example\nincludefile other-name.conf\n");
	snprintf(a, sizeof(a), "%s/a.conf", dir);
	snprintf(b, sizeof(b), "%s/other-name.conf", dir);
	ck_assert_int_eq(link(a, b), 0);
	ck_assert_int_eq(load_in("a.conf", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert(logged("@/a.conf:2:13: includefile 'other-name.conf' includes itself (a loop)"));
	put("self.conf", "includefile ./self.conf\n");
	ck_assert_int_eq(load_in("self.conf", CONFIG_PROGRAM_TSETD), -EINVAL);
	ck_assert(logged("@/self.conf:1:13: includefile './self.conf' includes itself (a loop)"));
}
END_TEST

START_TEST(test_config_file_include_depth_is_bounded)
{
	char name[32], text[64];

	/* f0 includes f1 ... f5: CONFIG_MAX_INCLUDE levels below the file */
	for (int i = 0; i <= CONFIG_MAX_INCLUDE; i++) {
		snprintf(name, sizeof(name), "f%d.conf", i);
		snprintf(text, sizeof(text), "server s%d.example\nincludefile f%d.conf\n", i,
			 i + 1);
		put(name, i == CONFIG_MAX_INCLUDE ? "server last.example\n" : text);
	}
	ck_assert_int_eq(load_in("f0.conf", CONFIG_PROGRAM_TSET), 0);
	ck_assert_uint_eq(cfg.n_servers, CONFIG_MAX_INCLUDE + 1);
	/* one level more is refused, at the line that asked for it */
	snprintf(name, sizeof(name), "f%d.conf", CONFIG_MAX_INCLUDE);
	snprintf(text, sizeof(text), "includefile f%d.conf\n", CONFIG_MAX_INCLUDE + 1);
	put(name, text);
	snprintf(name, sizeof(name), "f%d.conf", CONFIG_MAX_INCLUDE + 1);
	put(name, "server deep.example\n");
	ck_assert_int_eq(load_in("f0.conf", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert(logged("f5.conf:1:13: includefile 'f6.conf' nested deeper than 5 files"));
}
END_TEST

START_TEST(test_config_file_include_count_is_bounded)
{
	char text[64 * 24] = "";

	/* no loop, but each file read again and again: bounded in all */
	for (int i = 0; i < 40; i++)
		strcat(text, "includefile b.conf\n");
	put("a.conf", text);
	put("b.conf", "includefile c.conf\nincludefile c.conf\n");
	put("c.conf", "server c.example\n");
	ck_assert_int_eq(load_in("a.conf", CONFIG_PROGRAM_TSET), -EINVAL);
	ck_assert(logged("or too many files"));
}
END_TEST

START_TEST(test_config_file_unreadable_include_names_the_including_line)
{
	put("main.conf", "server a.example\nincludefile missing.conf\n");
	ck_assert_int_eq(load_in("main.conf", CONFIG_PROGRAM_TSETD), -EINVAL);
	ck_assert(logged("@/main.conf:2:13: cannot read included file 'missing.conf': no such "
			 "file or directory"));
	/* an error inside an included file names both places */
	put("main.conf", "server a.example\nincludefile bad.conf\n");
	put("bad.conf", "\nrestrict default bogus\n");
	ck_assert_int_eq(load_in("main.conf", CONFIG_PROGRAM_TSETD), -EINVAL);
	ck_assert(logged("@/bad.conf:2:18: unknown restrict flag 'bogus' (included from "
			 "@/main.conf:2)"));
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
	tc = tcase_create("includefile");
	tcase_add_checked_fixture(tc, inc_setup, inc_teardown);
	tcase_add_test(tc, test_config_file_include_is_relative_to_the_including_folder);
	tcase_add_test(tc, test_config_file_include_loop_is_refused_by_inode);
	tcase_add_test(tc, test_config_file_include_depth_is_bounded);
	tcase_add_test(tc, test_config_file_include_count_is_bounded);
	tcase_add_test(tc, test_config_file_unreadable_include_names_the_including_line);
	suite_add_tcase(s, tc);
	return check_run(s);
}
