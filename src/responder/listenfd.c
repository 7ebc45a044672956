/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "listenfd.h"

/* A decimal number in [1, max], the whole string; -1 otherwise. */
static long listenfd_number(const char *s, long max)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || v < 1 || v > max ? -1 : v;
}

int listenfd_parse(const char *pid_env, const char *fds_env, pid_t self)
{
	long pid, n;

	if (!pid_env && !fds_env)
		return 0;
	pid = listenfd_number(pid_env, INT_MAX);
	if (pid < 0)
		return -EINVAL;
	if (pid != (long)self)
		return 0; /* another process's: a parent that did not clean up */
	if (fds_env && fds_env[0] == '0' && fds_env[1] == '\0')
		return 0;
	n = listenfd_number(fds_env, LISTENFD_MAX);
	return n < 0 ? -EINVAL : (int)n;
}

int listenfd_take(void)
{
	int n = listenfd_parse(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid());

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	for (int i = 0; i < n; i++) {
		int fd = LISTENFD_START + i, flags = fcntl(fd, F_GETFD);

		if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
			return -errno;
	}
	return n;
}
