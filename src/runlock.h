/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runlock: one tset at a time touches the clock. An flock(2) on a file
 * under /run/lock, taken before the first request and held until exit.
 */
#ifndef TSET_RUNLOCK_H
#define TSET_RUNLOCK_H

#include <stdint.h>

#define RUNLOCK_PATH "/run/lock/tset.lock"

/* Open (create) the lock file. Returns the fd or a negative errno. */
int runlock_open(const char *path);

/*
 * Take the lock, waiting while another process holds it, until deadline_ns
 * (CLOCK_MONOTONIC). Returns 0 when taken at once, 1 when taken after
 * waiting, -ETIMEDOUT when the deadline passed first, or a negative errno.
 */
int runlock_acquire(int fd, int64_t deadline_ns);

#endif
