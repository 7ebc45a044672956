/* SPDX-License-Identifier: BSD-2-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"

int netio_udp_connect(const struct sockaddr *sa, socklen_t sa_len)
{
	int fd, one = 1;

	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* without timestamps we fall back to reading the clock after recvmsg */
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (connect(fd, sa, sa_len) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static bool netio_rx_stamp(struct msghdr *mh, struct timespec *ret)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*ret))) {
			memcpy(ret, CMSG_DATA(c), sizeof(*ret));
			return true;
		}
	}
	return false;
}

int netio_recv(int fd, void *buf, size_t len, struct netio_dgram *ret)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec)) + 64];
		struct cmsghdr align;
	} control;
	struct iovec iov = { buf, len };
	struct msghdr mh = {
		.msg_name = &ret->from,
		.msg_namelen = sizeof(ret->from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	ret->len = (size_t)n;
	ret->from_len = mh.msg_namelen;
	ret->truncated = (mh.msg_flags & MSG_TRUNC) != 0;
	ret->rx_from_kernel = netio_rx_stamp(&mh, &ret->rx);
	if (!ret->rx_from_kernel)
		clock_gettime(CLOCK_REALTIME, &ret->rx);
	return 0;
}

bool netio_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

void netio_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?", ifname[IF_NAMESIZE];

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr,
			  sizeof(addr));
		snprintf(buf, len, "%s", addr);
		return;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		if (s6->sin6_scope_id && if_indextoname(s6->sin6_scope_id, ifname))
			snprintf(buf, len, "%s%%%s", addr, ifname);
		else
			snprintf(buf, len, "%s", addr);
		return;
	}
	snprintf(buf, len, "%s", addr);
}

unsigned netio_sockaddr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}
