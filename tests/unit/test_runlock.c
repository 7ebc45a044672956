/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runlock: the lock is root's alone. A link, a file another user owns or
 * may open, a fifo, a directory others may write: each is refused, and
 * what it points to is left untouched. Needs root (it chowns files).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "loop.h"
#include "runlock.h"

#define NOBODY 65534

static char dir[64], lock[96], target[96], why[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_runlock.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir)); /* 0700, root's */
	snprintf(lock, sizeof(lock), "%s/tset.lock", dir);
	snprintf(target, sizeof(target), "%s/target", dir);
	why[0] = '\0';
}

static void teardown(void)
{
	unlink(lock);
	unlink(target);
	rmdir(dir);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0); /* past the umask */
	close(fd);
}

static void assert_file(const char *path, const char *text, mode_t mode, uid_t uid)
{
	char buf[64] = "";
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(read(fd, buf, sizeof(buf) - 1), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);
	ck_assert_str_eq(buf, text);
	ck_assert_uint_eq(st.st_mode & 07777, mode);
	ck_assert_uint_eq(st.st_uid, uid);
}

START_TEST(test_runlock_creates_a_lock_only_root_can_open)
{
	struct stat st;
	int fd = runlock_open(lock, why, sizeof(why));

	ck_assert_msg(fd >= 0, "%s", why);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_uid, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(runlock_acquire(fd, loop_now_ns()), 0);
	close(fd);
	/* an existing root 0600 lock is opened again */
	fd = runlock_open(lock, why, sizeof(why));
	ck_assert_msg(fd >= 0, "%s", why);
	close(fd);
}
END_TEST

START_TEST(test_runlock_second_holder_waits_until_the_deadline)
{
	int a = runlock_open(lock, why, sizeof(why)), b = runlock_open(lock, why, sizeof(why));

	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_int_eq(runlock_acquire(a, loop_now_ns()), 0);
	ck_assert_int_eq(runlock_acquire(b, loop_now_ns() + 30000000), -ETIMEDOUT);
	close(a);
	ck_assert_int_eq(runlock_acquire(b, loop_now_ns()), 0);
	close(b);
}
END_TEST

START_TEST(test_runlock_refuses_a_symlink_and_leaves_its_target)
{
	write_file(target, "precious\n", 0644);
	ck_assert_int_eq(symlink(target, lock), 0);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -ELOOP);
	ck_assert(strstr(why, "is a symbolic link") != NULL);
	assert_file(target, "precious\n", 0644, 0);
}
END_TEST

START_TEST(test_runlock_refuses_a_dangling_symlink_and_creates_nothing)
{
	ck_assert_int_eq(symlink(target, lock), 0);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -ELOOP);
	ck_assert_int_eq(access(target, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_runlock_refuses_a_file_another_user_owns)
{
	write_file(lock, "", 0600);
	ck_assert_int_eq(chown(lock, NOBODY, NOBODY), 0);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, "is owned by uid 65534, not root") != NULL, "%s", why);
	assert_file(lock, "", 0600, NOBODY);
}
END_TEST

START_TEST(test_runlock_refuses_a_file_others_may_open)
{
	/* world-writable, or only readable: flock needs no more than that */
	write_file(lock, "", 0666);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, "can be opened by others than root (mode 0666)") != NULL, "%s",
		      why);
	ck_assert_int_eq(chmod(lock, 0640), 0);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, "(mode 0640)") != NULL, "%s", why);
	assert_file(lock, "", 0640, 0);
}
END_TEST

START_TEST(test_runlock_refuses_a_fifo_without_blocking)
{
	ck_assert_int_eq(mkfifo(lock, 0600), 0);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, "is not a regular file") != NULL, "%s", why);
	unlink(lock);
	ck_assert_int_eq(mkdir(lock, 0700), 0);
	ck_assert_int_lt(runlock_open(lock, why, sizeof(why)), 0);
	rmdir(lock);
}
END_TEST

START_TEST(test_runlock_refuses_a_directory_others_may_write)
{
	/* /run/lock, /tmp: anyone may plant the lock, or, without the
	 * sticky bit, replace it */
	ck_assert_int_eq(chmod(dir, 01777), 0);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, "can be written by others than root (mode 1777)") != NULL, "%s",
		      why);
	ck_assert_int_eq(access(lock, F_OK), -1); /* nothing made there */
	ck_assert_int_eq(chmod(dir, 0770), 0);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -EPERM);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
	ck_assert_int_eq(runlock_open(lock, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, "is owned by uid 65534, not root") != NULL, "%s", why);
	ck_assert_int_eq(chown(dir, 0, 0), 0);
}
END_TEST

START_TEST(test_runlock_says_why_it_cannot_open)
{
	ck_assert_int_eq(runlock_open("/nonexistent/tset.lock", why, sizeof(why)), -ENOENT);
	ck_assert_str_eq(why, "cannot open '/nonexistent': No such file or directory");
	ck_assert_int_eq(runlock_open("tset.lock", why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(runlock_open("/run/", why, sizeof(why)), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runlock");
	TCase *tc = tcase_create("core");

	if (geteuid() != 0) {
		printf("skip: runlock's tests chown files: run as root\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_runlock_creates_a_lock_only_root_can_open);
	tcase_add_test(tc, test_runlock_second_holder_waits_until_the_deadline);
	tcase_add_test(tc, test_runlock_refuses_a_symlink_and_leaves_its_target);
	tcase_add_test(tc, test_runlock_refuses_a_dangling_symlink_and_creates_nothing);
	tcase_add_test(tc, test_runlock_refuses_a_file_another_user_owns);
	tcase_add_test(tc, test_runlock_refuses_a_file_others_may_open);
	tcase_add_test(tc, test_runlock_refuses_a_fifo_without_blocking);
	tcase_add_test(tc, test_runlock_refuses_a_directory_others_may_write);
	tcase_add_test(tc, test_runlock_says_why_it_cannot_open);
	suite_add_tcase(s, tc);
	return check_run(s);
}
