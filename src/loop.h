/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loop: one poll(2) loop. It only moves bytes: it waits on the registered
 * descriptors until an event or a wake-up time on CLOCK_MONOTONIC, and
 * calls back. Timers belong to the callers, who pass the earliest one.
 */
#ifndef TSET_LOOP_H
#define TSET_LOOP_H

#include <poll.h>
#include <stdint.h>

#define LOOP_MAX_FDS 256

struct loop;

typedef void (*loop_io_fn)(void *userdata, int fd, short revents);

int loop_new(struct loop **ret);
void loop_free(struct loop *l);

/* Watch fd for events (POLLIN, POLLOUT); replaces a previous watch. */
int loop_watch(struct loop *l, int fd, short events, loop_io_fn fn, void *userdata);
void loop_unwatch(struct loop *l, int fd);
unsigned loop_n_watched(const struct loop *l);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t loop_now_ns(void);

/*
 * Wait until an event on a watched fd or until wake_ns (CLOCK_MONOTONIC;
 * INT64_MAX: no limit), then dispatch every ready fd once. A callback may
 * watch and unwatch freely. Returns the number of fds dispatched, or a
 * negative errno (EINTR is returned as 0).
 */
int loop_run_once(struct loop *l, int64_t wake_ns);

#endif
