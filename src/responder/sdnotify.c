/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

int sdnotify_open(struct sdnotify *n, const char *env)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = env ? strlen(env) : 0;
	socklen_t salen;
	int fd;

	n->fd = -1;
	if (len == 0)
		return 0;
	if ((env[0] != '/' && env[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, env, len);
	if (env[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: no terminating nul counted */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (env[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	n->fd = fd;
	return 1;
}

int sdnotify_send(const struct sdnotify *n, const char *state)
{
	size_t len = strlen(state);
	ssize_t sent;

	if (n->fd < 0)
		return 0;
	sent = send(n->fd, state, len, MSG_NOSIGNAL);
	if (sent < 0)
		return -errno;
	return (size_t)sent == len ? 0 : -EMSGSIZE;
}

void sdnotify_close(struct sdnotify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
