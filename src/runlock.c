/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "runlock.h"

#define RUNLOCK_RETRY_NS 10000000 /* 10 ms between attempts */
#define RUNLOCK_MODE	 0600	  /* root's alone: opening it is enough to hold it */

/* Is the lock's directory (dir) or the lock itself root's alone? */
static int runlock_check(const struct stat *st, const char *name, bool dir, char *why, size_t len)
{
	mode_t others = dir ? (S_IWGRP | S_IWOTH) : (S_IRWXG | S_IRWXO);

	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
		snprintf(why, len, "'%s' is not a %s", name, dir ? "directory" : "regular file");
		return -EPERM;
	}
	if (st->st_uid != 0) {
		snprintf(why, len, "'%s' is owned by uid %u, not root", name, (unsigned)st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & others) {
		snprintf(why, len, "'%s' can be %s by others than root (mode %04o)", name,
			 dir ? "written" : "opened", (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* Open the lock in its (checked) directory dfd, and check it. */
static int runlock_open_in(int dfd, const char *path, const char *base, char *why, size_t len)
{
	struct stat st;
	int fd, r;

	/* O_NOFOLLOW: a link planted there is refused, its target untouched */
	fd = openat(dfd, base, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		    RUNLOCK_MODE);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			snprintf(why, len, "'%s' is a symbolic link", path);
		else
			snprintf(why, len, "cannot open '%s': %s", path, strerror(-r));
		return r;
	}
	r = fstat(fd, &st) < 0 ? -errno : runlock_check(&st, path, false, why, len);
	if (r < 0) {
		if (r != -EPERM)
			snprintf(why, len, "cannot stat '%s': %s", path, strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}

int runlock_open(const char *path, char *why, size_t len)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	int dfd, r;

	if (path[0] != '/' || !slash[1]) {
		snprintf(why, len, "'%s' is not an absolute file name", path);
		return -EINVAL;
	}
	if (snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path) >=
	    (int)sizeof(dir)) {
		snprintf(why, len, "'%s': %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		snprintf(why, len, "cannot open '%s': %s", dir, strerror(-r));
		return r;
	}
	r = fstat(dfd, &st) < 0 ? -errno : runlock_check(&st, dir, true, why, len);
	if (r == 0)
		r = runlock_open_in(dfd, path, slash + 1, why, len);
	else if (r != -EPERM)
		snprintf(why, len, "cannot stat '%s': %s", dir, strerror(-r));
	close(dfd);
	return r;
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
