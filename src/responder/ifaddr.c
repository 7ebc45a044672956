/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ifaddr.h"

#define IFADDR_RCVBUF (256 * 1024) /* room for a burst of notices */

int ifaddr_open(struct ifaddr_watch *w)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int size = IFADDR_RCVBUF;

	*w = (struct ifaddr_watch){ .fd = -1 };
	w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (w->fd < 0)
		return -errno;
	(void)setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		ifaddr_close(w);
		return r;
	}
	return 0;
}

void ifaddr_close(struct ifaddr_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

int ifaddr_dump(struct ifaddr_watch *w)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req = {
		.nh = { .nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETADDR,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.ifa = { .ifa_family = AF_UNSPEC },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (++w->last_seq == 0)
		w->last_seq = 1;
	req.nh.nlmsg_seq = w->last_seq;
	if (sendto(w->fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	w->seq = w->last_seq;
	w->dump_intr = false;
	return 0;
}

/* The address of an RTM_NEWADDR / RTM_DELADDR message: IFA_LOCAL when
 * there is one (on a point-to-point link IFA_ADDRESS is the peer's). */
static bool ifaddr_parse(const struct nlmsghdr *nh, struct ifaddr_entry *ret, bool *ret_failed)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const void *addr = NULL, *local = NULL;
	unsigned flags, alen;
	int len = (int)IFA_PAYLOAD(nh);

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return false;
	if (ifa->ifa_family == AF_INET)
		alen = sizeof(struct in_addr);
	else if (ifa->ifa_family == AF_INET6)
		alen = sizeof(struct in6_addr);
	else
		return false;
	flags = ifa->ifa_flags;
	for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_ADDRESS && RTA_PAYLOAD(rta) >= alen)
			addr = RTA_DATA(rta);
		else if (rta->rta_type == IFA_LOCAL && RTA_PAYLOAD(rta) >= alen)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) >= sizeof(uint32_t))
			memcpy(&flags, RTA_DATA(rta), sizeof(uint32_t));
	}
	if (local)
		addr = local;
	if (!addr)
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = ifa->ifa_index;
	ret->tentative = flags & IFA_F_TENTATIVE;
	*ret_failed = flags & IFA_F_DADFAILED;
	if (ifa->ifa_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ret->sa;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, addr, alen);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ret->sa;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, addr, alen);
		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			s6->sin6_scope_id = ifa->ifa_index;
	}
	return true;
}

/* One message. Returns 0, or the negative errno of a failed request. */
static int ifaddr_one(struct ifaddr_watch *w, const struct nlmsghdr *nh, ifaddr_fn fn,
		      void *userdata)
{
	struct ifaddr_entry a;
	bool failed;

	if (w->seq && nh->nlmsg_seq == w->seq && (nh->nlmsg_flags & NLM_F_DUMP_INTR))
		w->dump_intr = true;
	switch (nh->nlmsg_type) {
	case NLMSG_DONE:
		if (!w->seq || nh->nlmsg_seq != w->seq)
			return 0;
		w->seq = 0;
		fn(userdata, w->dump_intr ? IFADDR_LOST : IFADDR_DUMP_DONE, NULL);
		return 0;
	case NLMSG_ERROR: {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error == 0)
			return 0;
		if (w->seq && nh->nlmsg_seq == w->seq)
			w->seq = 0;
		return e->error;
	}
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (!ifaddr_parse(nh, &a, &failed))
			return 0;
		/* an address that failed duplicate detection is not ours */
		fn(userdata, nh->nlmsg_type == RTM_NEWADDR && !failed ? IFADDR_NEW : IFADDR_DEL,
		   &a);
		return 0;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		fn(userdata, IFADDR_LINK, NULL);
		return 0;
	}
	return 0;
}

/* After notices were lost: skip what is queued (the dump that follows
 * supersedes it), also the rest of a dump of ours under way. */
static void ifaddr_skip(struct ifaddr_watch *w, const struct nlmsghdr *nh)
{
	if (w->seq && nh->nlmsg_seq == w->seq &&
	    (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR))
		w->seq = 0;
}

/* Does a whole message start at nh, with left bytes from there on?
 * (NLMSG_OK, without its mix of signed and unsigned lengths.) */
static bool ifaddr_msg_fits(const struct nlmsghdr *nh, size_t left)
{
	return left >= sizeof(*nh) && nh->nlmsg_len >= sizeof(*nh) && nh->nlmsg_len <= left;
}

int ifaddr_read(struct ifaddr_watch *w, void *buf, size_t len, ifaddr_fn fn, void *userdata)
{
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { buf, len };
		struct msghdr mh = { .msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1 };
		ssize_t n = recvmsg(w->fd, &mh, MSG_DONTWAIT);
		size_t left = n > 0 ? (size_t)n : 0;
		int r = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!w->lost || w->seq)
				return 0;
			w->lost = false;
			fn(userdata, IFADDR_LOST, NULL);
			continue;
		}
		if ((n < 0 && errno == ENOBUFS) || (n >= 0 && (mh.msg_flags & MSG_TRUNC))) {
			/* the socket overflowed, or a message did not fit */
			w->lost = true;
			continue;
		}
		if (n < 0)
			return -errno;
		if (from.nl_pid != 0)
			continue; /* only the kernel speaks here */
		for (struct nlmsghdr *nh = buf; r == 0 && ifaddr_msg_fits(nh, left);) {
			size_t step = NLMSG_ALIGN(nh->nlmsg_len);

			if (w->lost)
				ifaddr_skip(w, nh);
			else
				r = ifaddr_one(w, nh, fn, userdata);
			if (step >= left)
				break;
			left -= step;
			nh = (struct nlmsghdr *)((char *)nh + step);
		}
		if (r < 0)
			return r;
	}
}
