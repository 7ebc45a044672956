/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * listenfd: sockets a service manager passed to this process, in
 * systemd's socket-activation protocol (sd_listen_fds(3)): LISTEN_PID is
 * this process's pid, LISTEN_FDS the number of descriptors, which start
 * at fd 3. With them tsetd binds nothing and needs no privilege. A few
 * lines; no libsystemd.
 */
#ifndef TSET_RESPONDER_LISTENFD_H
#define TSET_RESPONDER_LISTENFD_H

#include <sys/types.h>

#define LISTENFD_START 3  /* SD_LISTEN_FDS_START of sd_listen_fds(3) */
#define LISTENFD_MAX   16 /* more than a socket unit for NTP ever needs */

/*
 * How many descriptors were passed to the process self, from the values
 * of LISTEN_PID and LISTEN_FDS (either may be NULL). Returns 0 when none
 * were (unset, or meant for another process: LISTEN_PID is not self), the
 * count (1..LISTENFD_MAX), or -EINVAL when the values are malformed or
 * the count exceeds LISTENFD_MAX.
 */
int listenfd_parse(const char *pid_env, const char *fds_env, pid_t self);

/*
 * The descriptors passed to this process: listenfd_parse() on the
 * environment; then LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are removed
 * (a child must not take them for its own) and each descriptor is made
 * close-on-exec. Returns the count, 0, or a negative errno (-EBADF: a
 * descriptor the variables announce is not open).
 */
int listenfd_take(void);

#endif
