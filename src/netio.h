/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netio: UDP sockets for NTP, non-blocking and close-on-exec, with the
 * kernel's receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME).
 */
#ifndef TSET_NETIO_H
#define TSET_NETIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/* A new UDP socket connected to sa (so it has a new ephemeral port, RFC
 * 9109), receive timestamps on. Returns the fd or a negative errno. */
int netio_udp_connect(const struct sockaddr *sa, socklen_t sa_len);

/* One datagram as received. */
struct netio_dgram {
	size_t len;
	struct sockaddr_storage from;
	socklen_t from_len;
	struct timespec rx;  /* kernel receive time, or read after recvmsg */
	bool rx_from_kernel; /* false when the kernel gave no timestamp */
	bool truncated;	     /* longer than the buffer */
};

/* Receive one datagram into buf. Returns 0, -EAGAIN when none is waiting,
 * or another negative errno (e.g. -ECONNREFUSED from an ICMP error). */
int netio_recv(int fd, void *buf, size_t len, struct netio_dgram *ret);

/* Are a and b the same address and port (IPv4 or IPv6)? */
bool netio_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* "192.0.2.1", "2001:db8::1", "fe80::1%eth0" (no port). */
void netio_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len);
/* The port of an IPv4 or IPv6 address. */
unsigned netio_sockaddr_port(const struct sockaddr *sa);

#endif
