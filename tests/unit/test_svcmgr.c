/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * listenfd and sdnotify: the two halves of systemd's service protocol that
 * tsetd speaks by hand. Sockets passed are taken only when LISTEN_PID
 * names this process and LISTEN_FDS is a sane count; a notification
 * reaches a listener on a path or an abstract address.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_run.h"
#include "listenfd.h"
#include "sdnotify.h"

START_TEST(test_listenfd_counts_only_what_names_this_process)
{
	static const struct {
		const char *pid, *fds;
		pid_t self;
		int want;
	} v[] = {
		{ NULL, NULL, 42, 0 }, /* not socket-activated */
		{ "42", "2", 42, 2 },  /* ours */
		{ "42", "16", 42, LISTENFD_MAX },
		{ "41", "2", 42, 0 },	     /* a parent's, left behind */
		{ "42", "0", 42, 0 },	     /* none passed */
		{ "42", NULL, 42, -EINVAL }, /* half the protocol */
		{ NULL, "2", 42, -EINVAL },
		{ "42", "17", 42, -EINVAL }, /* more than we take */
		{ "42", "2x", 42, -EINVAL },
		{ "42", "-1", 42, -EINVAL },
		{ "42", "", 42, -EINVAL },
		{ "", "2", 42, -EINVAL },
		{ "042x", "2", 42, -EINVAL },
		{ "99999999999999999999", "1", 42, -EINVAL },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(listenfd_parse(v[i].pid, v[i].fds, v[i].self) == v[i].want,
			      "case %zu: LISTEN_PID=%s LISTEN_FDS=%s", i, v[i].pid ? v[i].pid : "-",
			      v[i].fds ? v[i].fds : "-");
}
END_TEST

START_TEST(test_listenfd_take_clears_the_environment_and_sets_cloexec)
{
	char pid[24];
	/* fd 3 is Check's own channel: keep it aside, assert nothing until it
	 * is back */
	int saved = fcntl(LISTENFD_START, F_DUPFD_CLOEXEC, 64);
	int placed = dup2(STDERR_FILENO, LISTENFD_START);
	int before = fcntl(LISTENFD_START, F_GETFD), after, first, second;
	bool env_left;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_FDNAMES", "ntp", 1);
	first = listenfd_take();
	env_left = getenv("LISTEN_PID") || getenv("LISTEN_FDS") || getenv("LISTEN_FDNAMES");
	after = fcntl(LISTENFD_START, F_GETFD);
	second = listenfd_take();
	if (saved >= 0) {
		dup2(saved, LISTENFD_START);
		close(saved);
	} else {
		close(LISTENFD_START);
	}
	ck_assert_int_eq(placed, LISTENFD_START);
	ck_assert_int_eq(before & FD_CLOEXEC, 0);
	ck_assert_int_eq(first, 1);
	ck_assert(!env_left);
	ck_assert(after & FD_CLOEXEC);
	ck_assert_int_eq(second, 0); /* taken once */
}
END_TEST

/* A listener like the service manager's; returns its fd. */
static int listener(const char *addr, struct sockaddr_un *ret_sa, socklen_t *ret_len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t len = strlen(addr);

	ck_assert_int_ge(fd, 0);
	memset(ret_sa, 0, sizeof(*ret_sa));
	ret_sa->sun_family = AF_UNIX;
	memcpy(ret_sa->sun_path, addr, len);
	if (addr[0] == '@')
		ret_sa->sun_path[0] = '\0';
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (addr[0] == '/'));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)ret_sa, *ret_len), 0);
	return fd;
}

static void notify_reaches(const char *addr)
{
	struct sdnotify n;
	struct sockaddr_un sa;
	socklen_t len;
	char buf[64];
	int fd = listener(addr, &sa, &len);
	ssize_t got;

	ck_assert_int_eq(sdnotify_open(&n, addr), 1);
	ck_assert_int_eq(sdnotify_send(&n, "READY=1\nSTATUS=serving"), 0);
	got = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_eq(got, 22);
	buf[got] = '\0';
	ck_assert_str_eq(buf, "READY=1\nSTATUS=serving");
	sdnotify_close(&n);
	ck_assert_int_eq(n.fd, -1);
	close(fd);
}

START_TEST(test_sdnotify_reaches_a_path_and_an_abstract_address)
{
	char dir[] = "/tmp/test_sdnotify.XXXXXX", path[64], abstract[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	notify_reaches(path);
	unlink(path);
	rmdir(dir);
	snprintf(abstract, sizeof(abstract), "@tset-test-notify-%d", (int)getpid());
	notify_reaches(abstract);
}
END_TEST

START_TEST(test_sdnotify_without_a_manager_sends_nothing_and_succeeds)
{
	struct sdnotify n;
	char longpath[200];

	ck_assert_int_eq(sdnotify_open(&n, NULL), 0);
	ck_assert_int_eq(sdnotify_send(&n, "READY=1"), 0);
	ck_assert_int_eq(sdnotify_open(&n, ""), 0);
	ck_assert_int_eq(sdnotify_open(&n, "relative/notify"), -EINVAL);
	ck_assert_int_eq(n.fd, -1);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(sdnotify_open(&n, longpath), -EINVAL);
	ck_assert_int_eq(sdnotify_open(&n, "/nonexistent/notify"), -ENOENT);
	ck_assert_int_eq(sdnotify_send(&n, "READY=1"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("svcmgr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_listenfd_counts_only_what_names_this_process);
	tcase_add_test(tc, test_listenfd_take_clears_the_environment_and_sets_cloexec);
	tcase_add_test(tc, test_sdnotify_reaches_a_path_and_an_abstract_address);
	tcase_add_test(tc, test_sdnotify_without_a_manager_sends_nothing_and_succeeds);
	suite_add_tcase(s, tc);
	return check_run(s);
}
