/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sdnotify: tell a service manager how tsetd is doing, in systemd's
 * notification protocol (sd_notify(3)): a datagram of "KEY=VALUE" lines
 * sent to the AF_UNIX socket that NOTIFY_SOCKET names (a path, or an
 * abstract address written with a leading '@'). A few lines; no
 * libsystemd.
 *
 * The socket is opened and connected at start, before a chroot hides its
 * path; NOTIFY_SOCKET is then removed from the environment, so that no
 * child speaks for tsetd.
 */
#ifndef TSET_RESPONDER_SDNOTIFY_H
#define TSET_RESPONDER_SDNOTIFY_H

#include <stddef.h>

struct sdnotify {
	int fd; /* -1: no service manager listens */
};

/*
 * Connect to the socket that env (NOTIFY_SOCKET's value, or NULL) names.
 * Returns 1 when connected, 0 when env is NULL or empty (not started by a
 * service manager that asked), or a negative errno (-EINVAL: not an
 * absolute path nor '@'-abstract, or too long); *n is usable in every case.
 */
int sdnotify_open(struct sdnotify *n, const char *env);
/* Send state ("READY=1", "STOPPING=1", "STATUS=..."; several joined by
 * '\n'). 0 when sent or when nobody listens, or a negative errno. */
int sdnotify_send(const struct sdnotify *n, const char *state);
void sdnotify_close(struct sdnotify *n);

#endif
