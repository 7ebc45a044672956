/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "loop.h"

struct loop_watch {
	loop_io_fn fn;
	void *userdata;
};

struct loop {
	struct pollfd pfd[LOOP_MAX_FDS];
	struct loop_watch w[LOOP_MAX_FDS];
	unsigned n;
};

int loop_new(struct loop **ret)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	*ret = l;
	return 0;
}

void loop_free(struct loop *l)
{
	free(l);
}

static int loop_find(const struct loop *l, int fd)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->pfd[i].fd == fd)
			return (int)i;
	return -1;
}

int loop_watch(struct loop *l, int fd, short events, loop_io_fn fn, void *userdata)
{
	int i = loop_find(l, fd);

	if (fd < 0)
		return -EBADF;
	if (i < 0) {
		if (l->n == LOOP_MAX_FDS)
			return -EMFILE;
		i = (int)l->n++;
	}
	l->pfd[i] = (struct pollfd){ .fd = fd, .events = events };
	l->w[i] = (struct loop_watch){ fn, userdata };
	return 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	int i = loop_find(l, fd);

	if (i < 0)
		return;
	l->n--;
	l->pfd[i] = l->pfd[l->n];
	l->w[i] = l->w[l->n];
}

unsigned loop_n_watched(const struct loop *l)
{
	return l->n;
}

int64_t loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Milliseconds to wait for poll(), rounded up so we never wake early. */
static int loop_timeout_ms(int64_t wake_ns)
{
	int64_t d;

	if (wake_ns == INT64_MAX)
		return -1;
	d = wake_ns - loop_now_ns();
	if (d <= 0)
		return 0;
	d = (d + 999999) / 1000000;
	return d > 60000 ? 60000 : (int)d;
}

int loop_run_once(struct loop *l, int64_t wake_ns)
{
	struct pollfd ready[LOOP_MAX_FDS];
	unsigned n = l->n, n_ready = 0;
	int r;

	r = poll(l->pfd, n, loop_timeout_ms(wake_ns));
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	/* copy first: callbacks may change the watch list */
	for (unsigned i = 0; i < n; i++) {
		if (l->pfd[i].revents == 0)
			continue;
		ready[n_ready++] = l->pfd[i];
	}
	for (unsigned i = 0; i < n_ready; i++) {
		/* skip an fd that an earlier callback unwatched; an fd number
		 * reused meanwhile goes to its new owner, who reads EAGAIN */
		int k = loop_find(l, ready[i].fd);

		if (k >= 0)
			l->w[k].fn(l->w[k].userdata, ready[i].fd, ready[i].revents);
	}
	return (int)n_ready;
}
