/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/file.h>
#include <time.h>

#include "loop.h"
#include "runlock.h"

#define RUNLOCK_RETRY_NS 10000000 /* 10 ms between attempts */

int runlock_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);

	return fd < 0 ? -errno : fd;
}

int runlock_acquire(int fd, int64_t deadline_ns)
{
	bool waited = false;

	for (;;) {
		struct timespec pause = { 0, RUNLOCK_RETRY_NS };
		int64_t left;

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return waited ? 1 : 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		left = deadline_ns - loop_now_ns();
		if (left <= 0)
			return -ETIMEDOUT;
		if (left < RUNLOCK_RETRY_NS)
			pause.tv_nsec = (long)left;
		nanosleep(&pause, NULL);
		waited = true;
	}
}
