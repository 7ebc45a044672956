/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runlock: one tset at a time touches the clock. An flock(2) on a file in
 * a directory that only root can write (/run), taken before the first
 * request and held until exit.
 *
 * flock needs nothing but an open file, so whoever can open the lock can
 * hold it, and whoever can write its directory can replace it. The lock
 * is therefore root's alone: its directory is owned by root and writable
 * by nobody else, the lock itself is a regular file (not a link, a fifo,
 * a device), owned by root, that nobody else may open (mode 0600).
 */
#ifndef TSET_RUNLOCK_H
#define TSET_RUNLOCK_H

#include <stddef.h>
#include <stdint.h>

#define RUNLOCK_PATH "/run/tset.lock"

/*
 * Open (create) the lock file at path, an absolute path. Returns the fd,
 * or a negative errno with *why (len bytes) saying what is wrong: the
 * open failed, or the lock or its directory is not root's alone (-EPERM,
 * or -ELOOP for a symbolic link).
 */
int runlock_open(const char *path, char *why, size_t len);

/*
 * Take the lock, waiting while another process holds it, until deadline_ns
 * (CLOCK_MONOTONIC). Returns 0 when taken at once, 1 when taken after
 * waiting, -ETIMEDOUT when the deadline passed first, or a negative errno.
 */
int runlock_acquire(int fd, int64_t deadline_ns);

#endif
