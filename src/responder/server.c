/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ifrule.h"
#include "log.h"
#include "netio.h"
#include "server.h"

#define SERVER_BATCH	    64	 /* datagrams per recvmmsg */
#define SERVER_ROUNDS	    16	 /* batches per readiness, then back to poll */
#define SERVER_BUF	    2048 /* a larger request is truncated: malformed */
#define SERVER_CTL	    128	 /* SO_TIMESTAMPNS (32 bytes) + IPV6_PKTINFO (40) */
#define SERVER_RCVBUF	    (1 << 20)
#define SERVER_NL_BUF	    16384
#define SERVER_DUMP_WAIT_NS (INT64_C(5) * 1000000000) /* the first address dump */

_Static_assert(SERVER_MAX_ADDRS >= CONFIG_MAX_INTERFACES, "a slot for each named address");

union server_ctl {
	char buf[SERVER_CTL];
	struct cmsghdr align;
};

union server_out_ctl {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr align;
};

struct server_batch {
	struct mmsghdr in[SERVER_BATCH];
	struct iovec in_iov[SERVER_BATCH];
	struct sockaddr_storage src[SERVER_BATCH];
	union server_ctl in_ctl[SERVER_BATCH];
	uint8_t in_buf[SERVER_BATCH][SERVER_BUF];
	struct mmsghdr out[SERVER_BATCH];
	struct iovec out_iov[SERVER_BATCH];
	union server_out_ctl out_ctl[SERVER_BATCH];
	enum handle_verdict verdict[SERVER_BATCH];
	uint8_t out_buf[SERVER_BATCH][HANDLE_OUT_MAX];
	size_t out_len[SERVER_BATCH];
	uint8_t nl_buf[SERVER_NL_BUF]; /* rtnetlink messages */
};

static int server_setopt(int fd, int level, int name)
{
	int one = 1;

	return setsockopt(fd, level, name, &one, sizeof(one)) < 0 ? -errno : 0;
}

static int server_family_index(int family)
{
	return family == AF_INET6;
}

/* What every socket that serves needs: the kernel's receive time, with
 * pktinfo the destination and interface, and room for a burst. */
static int server_receive_opts(int fd, bool v6, bool pktinfo)
{
	int r, size = SERVER_RCVBUF;

	r = server_setopt(fd, SOL_SOCKET, SO_TIMESTAMPNS);
	if (r == 0 && pktinfo)
		r = v6 ? server_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO)
		       : server_setopt(fd, IPPROTO_IP, IP_PKTINFO);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return r;
}

/*
 * A non-blocking UDP socket bound to sa, receiving kernel timestamps and,
 * with pktinfo, destination addresses and interfaces. A wildcard and the
 * host's addresses share the port (SO_REUSEADDR: the kernel hands a
 * request to the socket bound to its destination); the wildcard allows it
 * only once bound, so that its bind still fails while another server
 * holds the port. Without a wildcard of ours (share false) an address
 * shares nothing, so that it never takes a port from a server that holds
 * it. A bound address may be tentative or not up yet (IP_FREEBIND).
 */
static int server_socket(const struct sockaddr *sa, socklen_t len, enum server_sock_kind kind,
			 bool pktinfo, bool share)
{
	int fd, r, v6 = sa->sa_family == AF_INET6;

	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	r = server_receive_opts(fd, v6, pktinfo);
	if (r == 0 && v6)
		r = server_setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY);
	if (r == 0 && kind == SERVER_SOCK_HOST && share)
		r = server_setopt(fd, SOL_SOCKET, SO_REUSEADDR);
	if (r == 0 && kind != SERVER_SOCK_WILDCARD)
		(void)(v6 ? server_setopt(fd, IPPROTO_IPV6, IPV6_FREEBIND)
			  : server_setopt(fd, IPPROTO_IP, IP_FREEBIND));
	if (r == 0 && bind(fd, sa, len) < 0)
		r = -errno;
	if (r == 0 && kind == SERVER_SOCK_WILDCARD)
		r = server_setopt(fd, SOL_SOCKET, SO_REUSEADDR);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static socklen_t server_sockaddr_len(const struct sockaddr_storage *sa)
{
	return sa->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* A family's wildcard (a NULL), or a config address; port 0. */
static void server_sockaddr(int family, const struct config_addr *a, struct sockaddr_storage *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ret;

		s4->sin_family = AF_INET;
		if (a)
			s4->sin_addr = a->u.v4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ret;

		s6->sin6_family = AF_INET6;
		if (a)
			s6->sin6_addr = a->u.v6;
	}
}

static void server_set_port(struct sockaddr_storage *sa, uint16_t port)
{
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

/* The same address and port, in the same scope. */
static bool server_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return netio_sockaddr_equal((const struct sockaddr *)a, (const struct sockaddr *)b) &&
	       (a->ss_family != AF_INET6 ||
		((const struct sockaddr_in6 *)a)->sin6_scope_id ==
			((const struct sockaddr_in6 *)b)->sin6_scope_id);
}

static void server_on_readable(void *userdata, int fd, short revents);

/* A free slot, or NULL. */
static struct server_sock *server_slot(struct server *s)
{
	for (unsigned i = 0; i < s->n_socks; i++)
		if (s->socks[i].kind == SERVER_SOCK_FREE)
			return &s->socks[i];
	if (s->n_socks == SERVER_MAX_SOCKS)
		return NULL;
	return &s->socks[s->n_socks++];
}

static void server_release(struct server *s, struct server_sock *sock)
{
	if (sock->kind != SERVER_SOCK_FREE && sock->fd >= 0) {
		if (s->loop)
			loop_unwatch(s->loop, sock->fd);
		close(sock->fd);
	}
	*sock = (struct server_sock){ .kind = SERVER_SOCK_FREE, .fd = -1 };
}

/*
 * Bind local (port 0) on the server's port into sock, and watch it when
 * the loop runs. A wildcard needs ancillary data to know a request's
 * destination; a bound address only to know its interface, when rules
 * name interfaces. Returns 0 or a negative errno (logged by the caller).
 */
static int server_bind(struct server *s, struct server_sock *sock, enum server_sock_kind kind,
		       const struct sockaddr_storage *local)
{
	struct sockaddr_storage sa = *local;
	bool pktinfo = kind == SERVER_SOCK_WILDCARD || s->need_ifname;
	bool share = s->wildcard[server_family_index(sa.ss_family)];
	int fd, r;

	server_set_port(&sa, s->port);
	fd = server_socket((struct sockaddr *)&sa, server_sockaddr_len(&sa), kind, pktinfo, share);
	*sock = (struct server_sock){ .srv = s,
				      .kind = kind,
				      .fd = fd < 0 ? -1 : fd,
				      .pktinfo = pktinfo,
				      .seen = true,
				      .local = *local };
	if (fd < 0)
		return fd;
	if (s->loop && (r = loop_watch(s->loop, fd, POLLIN, server_on_readable, sock)) < 0) {
		server_release(s, sock);
		return r;
	}
	return 0;
}

/* A wildcard or a named address, at start: failing is fatal. */
static int server_bind_config(struct server *s, int family, const struct config_addr *a)
{
	struct server_sock *sock = server_slot(s);
	enum server_sock_kind kind = a ? SERVER_SOCK_NAMED : SERVER_SOCK_WILDCARD;
	struct sockaddr_storage local;
	char text[80];
	int r;

	server_sockaddr(family, a, &local);
	netio_sockaddr_str((struct sockaddr *)&local, text, sizeof(text));
	if (!sock)
		return log_errno(LOG_ERR, -EMFILE, "cannot listen on %s port %u", text, s->port);
	r = server_bind(s, sock, kind, &local);
	if (r < 0) {
		server_release(s, sock);
		return log_errno(LOG_ERR, r, "cannot listen on %s port %u", text, s->port);
	}
	if (!a)
		s->wildcard[server_family_index(family)] = true;
	log_info("listening on %s port %u", text, s->port);
	return 0;
}

/* One family: the wildcard, the named addresses, the host's addresses
 * alone (wildcard ignored: bound once the addresses are known), or nothing. */
static int server_open_family(struct server *s, const struct config *cfg, int family)
{
	struct config_addr addrs[CONFIG_MAX_INTERFACES];
	int n = ifrule_specific(cfg, family, addrs, CONFIG_MAX_INTERFACES), r;
	enum config_if_action wild = ifrule_wildcard(cfg, family);

	if (n < 0 && wild == CONFIG_IF_IGNORE) {
		s->hosts_only[server_family_index(family)] = true;
		return 0;
	}
	if (n < 0) {
		s->wildcard_drop[server_family_index(family)] = wild == CONFIG_IF_DROP;
		r = server_bind_config(s, family, NULL);
		/* no IPv6 on this host: serve IPv4 alone */
		return r == -EAFNOSUPPORT && family == AF_INET6 ? 0 : r;
	}
	for (int i = 0; i < n; i++) {
		r = server_bind_config(s, family, &addrs[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---------------------------------------------------------------- host addresses */

static struct server_sock *server_find_host(struct server *s, const struct sockaddr_storage *sa)
{
	for (unsigned i = 0; i < s->n_socks; i++)
		if (s->socks[i].kind == SERVER_SOCK_HOST &&
		    server_same_addr(&s->socks[i].local, sa))
			return &s->socks[i];
	return NULL;
}

static unsigned server_n_host(const struct server *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_socks; i++)
		n += s->socks[i].kind == SERVER_SOCK_HOST;
	return n;
}

/* Would the rules serve a request to a on its own interface? Those they
 * never serve are left to the wildcard, which counts them. */
static bool server_host_serves(struct server *s, const struct ifaddr_entry *a)
{
	char name[IF_NAMESIZE] = "";

	if (s->need_ifname && !if_indextoname(a->ifindex, name))
		name[0] = 0;
	return ifrule_serves(s->cfg, (const struct sockaddr *)&a->sa, name);
}

/* Ask for every address; those not in the answer are gone. */
static void server_dump(struct server *s)
{
	int r;

	s->redump = false;
	for (unsigned i = 0; i < s->n_socks; i++)
		s->socks[i].seen = false;
	r = ifaddr_dump(&s->addrs);
	if (r < 0)
		log_errno(LOG_WARNING, r, "cannot ask the kernel for the host's addresses");
}

/* An address of the host is there: bind it, unless it is bound already. */
static void server_host_new(struct server *s, const struct ifaddr_entry *a)
{
	struct server_sock *sock = server_find_host(s, &a->sa);
	int r, fam = server_family_index(a->sa.ss_family);
	char text[80];

	if (sock) {
		sock->seen = true;
		return;
	}
	if (!(s->wildcard[fam] || s->hosts_only[fam]) || !server_host_serves(s, a))
		return;
	netio_sockaddr_str((const struct sockaddr *)&a->sa, text, sizeof(text));
	sock = server_n_host(s) < SERVER_MAX_ADDRS ? server_slot(s) : NULL;
	if (!sock) {
		if (!s->addrs_full)
			log_notice("more than %u addresses: the wildcard socket answers %s and the "
				   "others",
				   SERVER_MAX_ADDRS, text);
		s->addrs_full = true;
		return;
	}
	r = server_bind(s, sock, SERVER_SOCK_HOST, &a->sa);
	if (r < 0) {
		/* remembered with fd -1, so that its next notice says nothing */
		log_errno(LOG_NOTICE, r, "cannot listen on %s port %u (%s)", text, s->port,
			  s->wildcard[fam] ? "the wildcard socket answers it" : "not served");
		return;
	}
	log_info("listening on %s port %u%s", text, s->port, a->tentative ? " (tentative)" : "");
}

static void server_host_del(struct server *s, struct server_sock *sock)
{
	char text[80];

	netio_sockaddr_str((struct sockaddr *)&sock->local, text, sizeof(text));
	if (sock->fd >= 0)
		log_info("no longer listening on %s port %u", text, s->port);
	server_release(s, sock);
	if (s->addrs_full) {
		/* a socket is free: the addresses left to the wildcard may have it */
		s->addrs_full = false;
		s->redump = true;
	}
}

static void server_on_addr(void *userdata, enum ifaddr_event ev, const struct ifaddr_entry *a)
{
	struct server *s = userdata;
	struct server_sock *sock;

	switch (ev) {
	case IFADDR_NEW:
		server_host_new(s, a);
		break;
	case IFADDR_DEL:
		sock = server_find_host(s, &a->sa);
		if (sock)
			server_host_del(s, sock);
		break;
	case IFADDR_DUMP_DONE:
		for (unsigned i = 0; i < s->n_socks; i++)
			if (s->socks[i].kind == SERVER_SOCK_HOST && !s->socks[i].seen)
				server_host_del(s, &s->socks[i]);
		break;
	case IFADDR_LINK:
		server_forget_ifnames(s);
		break;
	case IFADDR_LOST:
		log_info("address notices lost: asking the kernel for every address");
		s->redump = true;
		break;
	}
	/* one dump at a time: the next when the one under way is done */
	if (s->redump && !s->addrs.seq)
		server_dump(s);
}

static void server_on_netlink(void *userdata, int fd, short revents)
{
	struct server *s = userdata;
	int r = ifaddr_read(&s->addrs, s->batch->nl_buf, sizeof(s->batch->nl_buf), server_on_addr,
			    s);

	if (r < 0)
		log_errno(LOG_WARNING, r, "reading the host's addresses");
}

/* With a wildcard: bind every address of the host there is now (while
 * ports below 1024 may still be bound), then follow them. Any failure
 * leaves the wildcard alone to answer, as it can. */
static void server_open_addrs(struct server *s)
{
	int64_t end = loop_now_ns() + SERVER_DUMP_WAIT_NS;
	int r = ifaddr_open(&s->addrs);

	if (r < 0) {
		log_errno(LOG_WARNING, r, "cannot follow the host's addresses (rtnetlink)");
		return;
	}
	server_dump(s);
	while (s->addrs.seq && loop_now_ns() < end) {
		struct pollfd p = { .fd = s->addrs.fd, .events = POLLIN };

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		r = ifaddr_read(&s->addrs, s->batch->nl_buf, sizeof(s->batch->nl_buf),
				server_on_addr, s);
		if (r < 0)
			break;
	}
	if (s->addrs.seq)
		log_warn("the host's addresses did not all come: the wildcard socket answers the "
			 "others");
}

/* ---------------------------------------------------------------- open, close */

/* The state shared by server_open() and server_adopt(), no socket yet. */
static int server_init(struct server *s, const struct config *cfg)
{
	s->n_socks = 0;
	s->n_ifnames = 0;
	s->port = 0;
	s->cfg = cfg;
	s->loop = NULL;
	s->addrs = (struct ifaddr_watch){ .fd = -1 };
	s->wildcard[0] = s->wildcard[1] = false;
	s->wildcard_drop[0] = s->wildcard_drop[1] = false;
	s->hosts_only[0] = s->hosts_only[1] = false;
	s->addrs_full = s->redump = false;
	s->need_ifname = ifrule_needs_ifname(cfg);
	s->batch = calloc(1, sizeof(*s->batch));
	return s->batch ? 0 : -ENOMEM;
}

int server_open(struct server *s, const struct config *cfg, int family, uint16_t port)
{
	int r = server_init(s, cfg);

	if (r < 0)
		return r;
	s->port = port;
	if (family != AF_INET6)
		r = server_open_family(s, cfg, AF_INET);
	if (r == 0 && family != AF_INET)
		r = server_open_family(s, cfg, AF_INET6);
	if (r == 0 && s->n_socks == 0 && !s->hosts_only[0] && !s->hosts_only[1]) {
		log_err("the interface rules leave nothing to listen on");
		r = -EADDRNOTAVAIL;
	}
	if (r == 0 && (s->wildcard[0] || s->wildcard[1] || s->hosts_only[0] || s->hosts_only[1]))
		server_open_addrs(s);
	/* without a wildcard, addresses that come later are served as they come */
	if (r == 0 && s->n_socks == 0)
		log_warn("no address to listen on yet: the interface rules ignore the wildcard");
	if (r < 0)
		server_close(s);
	return r;
}

static bool server_is_unspecified(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* A passed socket tsetd cannot serve on: say why, close it. */
static int server_refuse(int fd, int r, const char *why, const char *text, uint16_t port)
{
	close(fd);
	return log_errno(LOG_ERR, r, "passed descriptor %d (%s port %u): %s", fd, text, port, why);
}

/*
 * A socket a service manager passed (fd): a UDP socket of family (AF_UNSPEC:
 * either), bound already; an IPv6 one IPv6 only (a dual-stack socket would
 * hand tsetd IPv4 requests as IPv4-mapped addresses, which it never
 * answers). A wildcard address serves as tsetd's own wildcard would, any
 * other as a named address. Returns 0, 1 when it is of a family -4/-6
 * leaves out (closed), or a negative errno (logged; fd closed).
 */
static int server_adopt_one(struct server *s, int family, int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int type = 0, proto = 0, v6only = 1;
	socklen_t ilen = sizeof(int);
	struct server_sock *sock;
	enum server_sock_kind kind;
	bool pktinfo, v6;
	uint16_t port;
	char text[80];
	int r;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &ilen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    (sa.ss_family != AF_INET && sa.ss_family != AF_INET6) || type != SOCK_DGRAM ||
	    proto != IPPROTO_UDP) {
		close(fd);
		return log_errno(LOG_ERR, -ENOTSOCK,
				 "passed descriptor %d: not a bound UDP socket (the socket unit "
				 "must say ListenDatagram=)",
				 fd);
	}
	v6 = sa.ss_family == AF_INET6;
	port = ntohs(v6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
			: ((struct sockaddr_in *)&sa)->sin_port);
	netio_sockaddr_str((struct sockaddr *)&sa, text, sizeof(text));
	if (family != AF_UNSPEC && family != sa.ss_family) {
		log_notice("passed socket %s port %u: not served (%s)", text, port,
			   family == AF_INET ? "-4" : "-6");
		close(fd);
		return 1;
	}
	if (v6 && (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ilen) < 0 || !v6only))
		return server_refuse(fd, -EAFNOSUPPORT,
				     "an IPv6 socket that takes IPv4 too; the socket unit must say "
				     "BindIPv6Only=ipv6-only and ListenDatagram= an IPv4 address",
				     text, port);
	server_set_port(&sa, 0);
	kind = server_is_unspecified(&sa) ? SERVER_SOCK_WILDCARD : SERVER_SOCK_NAMED;
	pktinfo = kind == SERVER_SOCK_WILDCARD || s->need_ifname;
	r = server_receive_opts(fd, v6, pktinfo);
	if (r == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		r = -errno;
	if (r < 0)
		return server_refuse(fd, r, "cannot set its options", text, port);
	sock = server_slot(s);
	if (!sock)
		return server_refuse(fd, -EMFILE, "too many sockets", text, port);
	*sock = (struct server_sock){
		.srv = s, .kind = kind, .fd = fd, .pktinfo = pktinfo, .seen = true, .local = sa
	};
	if (kind == SERVER_SOCK_WILDCARD) {
		int fam = server_family_index(sa.ss_family);

		s->wildcard[fam] = true;
		/* `interface ignore|drop wildcard`: what the manager bound is
		 * kept, and answers nothing */
		s->wildcard_drop[fam] = ifrule_wildcard(s->cfg, sa.ss_family) != CONFIG_IF_LISTEN;
		if (s->wildcard_drop[fam])
			log_notice("passed socket %s port %u: the interface rules leave the "
				   "wildcard out; nothing is answered through it",
				   text, port);
	}
	s->port = port;
	log_info("listening on %s port %u (socket passed by the service manager)", text, port);
	return 0;
}

int server_adopt(struct server *s, const struct config *cfg, int family, const int *fds, unsigned n)
{
	int r = server_init(s, cfg);

	for (unsigned i = 0; i < n; i++) {
		if (r < 0) {
			close(fds[i]); /* ours now, used or not */
			continue;
		}
		r = server_adopt_one(s, family, fds[i]);
		if (r > 0)
			r = 0;
	}
	if (r == 0 && s->n_socks == 0) {
		log_err("no passed socket is left to serve");
		r = -EADDRNOTAVAIL;
	}
	if (r < 0)
		server_close(s);
	return r;
}

void server_close(struct server *s)
{
	for (unsigned i = 0; i < s->n_socks; i++)
		server_release(s, &s->socks[i]);
	s->n_socks = 0;
	if (s->loop && s->addrs.fd >= 0)
		loop_unwatch(s->loop, s->addrs.fd);
	ifaddr_close(&s->addrs);
	free(s->batch);
	s->batch = NULL;
}

void server_forget_ifnames(struct server *s)
{
	s->n_ifnames = 0;
}

void server_log_counters(const struct server *s, const char *why)
{
	const struct handle_counters *n = &s->env.n;

	log_info("%s: received %llu, served %llu, kod sent %llu, rate-limited %llu, "
		 "restrict drops %llu, interface drops %llu, bad address %llu, malformed %llu, "
		 "control %llu, other modes %llu, send EINVAL %llu, send refused %llu, "
		 "send buffer full %llu, send unreachable %llu, send other %llu, "
		 "no rx timestamp %llu, auth drops %llu",
		 why, (unsigned long long)n->received, (unsigned long long)n->served,
		 (unsigned long long)n->kod_sent, (unsigned long long)n->rate_drops,
		 (unsigned long long)n->acl_drops, (unsigned long long)n->iface_drops,
		 (unsigned long long)n->bad_addr, (unsigned long long)n->malformed,
		 (unsigned long long)n->control, (unsigned long long)n->not_client,
		 (unsigned long long)n->send_invalid, (unsigned long long)n->send_refused,
		 (unsigned long long)n->send_full, (unsigned long long)n->send_unreach,
		 (unsigned long long)n->send_other, (unsigned long long)n->no_rx_stamp,
		 (unsigned long long)n->auth_drops);
}

/* ---------------------------------------------------------------- packets */

/* The interface's name, cached (a request must not cost an ioctl each). */
static const char *server_ifname(struct server *s, unsigned index)
{
	char name[IF_NAMESIZE];

	if (!s->need_ifname || index == 0)
		return "";
	for (unsigned i = 0; i < s->n_ifnames; i++)
		if (s->ifnames[i].index == index)
			return s->ifnames[i].name;
	if (!if_indextoname(index, name))
		return "";
	if (s->n_ifnames == SERVER_IFNAME_CACHE)
		s->n_ifnames = 0;
	s->ifnames[s->n_ifnames].index = index;
	memcpy(s->ifnames[s->n_ifnames].name, name, IF_NAMESIZE);
	return s->ifnames[s->n_ifnames++].name;
}

/* What the kernel says of a datagram: the address it was sent to, the
 * local address to answer from (IPv4: ipi_spec_dst, which differs from the
 * destination when that is a broadcast address), the interface it came
 * in on, and the receive time. */
struct server_meta {
	struct sockaddr_storage dst;
	struct in_addr spec_dst;
	bool broadcast;
	unsigned ifindex;
	struct timespec rx;
	bool has_rx;
};

static void server_pktinfo4(struct cmsghdr *c, struct server_meta *m)
{
	struct in_pktinfo pi;
	struct sockaddr_in *d = (struct sockaddr_in *)&m->dst;

	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	d->sin_family = AF_INET;
	d->sin_addr = pi.ipi_addr;
	/* ipi_spec_dst 0: the kernel had no route to tell; the destination it is */
	m->spec_dst = pi.ipi_spec_dst.s_addr ? pi.ipi_spec_dst : pi.ipi_addr;
	m->broadcast = m->spec_dst.s_addr != pi.ipi_addr.s_addr;
	m->ifindex = (unsigned)pi.ipi_ifindex;
}

static void server_ancillary(struct msghdr *mh, struct server_meta *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(m->rx))) {
			memcpy(&m->rx, CMSG_DATA(c), sizeof(m->rx));
			m->has_rx = true;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			server_pktinfo4(c, m);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *d = (struct sockaddr_in6 *)&m->dst;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			d->sin6_family = AF_INET6;
			d->sin6_addr = pi.ipi6_addr;
			m->ifindex = pi.ipi6_ifindex;
		}
	}
}

/* Send the reply from the local address the kernel named (and on the
 * request's interface, which a link-local address needs). */
static void server_reply_source(struct msghdr *mh, union server_out_ctl *ctl,
				const struct server_meta *m)
{
	struct cmsghdr *c;

	mh->msg_control = ctl->buf;
	if (m->dst.ss_family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = m->spec_dst };

		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else if (m->dst.ss_family == AF_INET6) {
		struct in6_pktinfo pi = { .ipi6_addr =
						  ((const struct sockaddr_in6 *)&m->dst)->sin6_addr,
					  .ipi6_ifindex = m->ifindex };

		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		mh->msg_control = NULL;
		mh->msg_controllen = 0;
	}
}

static int server_recv(struct server *s, int fd)
{
	struct server_batch *b = s->batch;
	int n;

	for (unsigned i = 0; i < SERVER_BATCH; i++) {
		b->in_iov[i] = (struct iovec){ b->in_buf[i], SERVER_BUF };
		b->in[i].msg_hdr = (struct msghdr){
			.msg_name = &b->src[i],
			.msg_namelen = sizeof(b->src[i]),
			.msg_iov = &b->in_iov[i],
			.msg_iovlen = 1,
			.msg_control = b->in_ctl[i].buf,
			.msg_controllen = SERVER_CTL,
		};
	}
	n = recvmmsg(fd, b->in, SERVER_BATCH, MSG_DONTWAIT, NULL);
	return n < 0 ? -errno : n;
}

/* Handle datagram i; when it gets a reply, queue it as out[k]. Returns
 * whether it did. */
static bool server_one(const struct server_sock *sock, unsigned i, const struct ref_state *ref,
		       int64_t now_ns, unsigned k)
{
	struct server *s = sock->srv;
	struct server_batch *b = s->batch;
	struct msghdr *mh = &b->in[i].msg_hdr;
	struct server_meta m = { .dst = sock->local };
	struct handle_in in = {
		.buf = b->in_buf[i],
		.len = b->in[i].msg_len,
		.src = (const struct sockaddr *)&b->src[i],
		.dst = (const struct sockaddr *)&m.dst,
		.now_ns = now_ns,
	};

	if (sock->kind == SERVER_SOCK_WILDCARD &&
	    s->wildcard_drop[server_family_index(sock->local.ss_family)]) {
		/* `interface drop wildcard`: what reaches it is not answered */
		s->env.n.received++;
		s->env.n.iface_drops++;
		return false;
	}
	server_ancillary(mh, &m);
	in.rx = m.rx;
	in.rx_from_kernel = m.has_rx;
	if (!in.rx_from_kernel)
		clock_gettime(CLOCK_REALTIME, &in.rx);
	if (mh->msg_flags & MSG_TRUNC)
		in.len = 0; /* larger than any request we take: malformed */
	in.dst_broadcast = m.broadcast;
	in.ifname = server_ifname(s, m.ifindex);
	b->verdict[k] = handle_request(&s->env, &in, ref, b->out_buf[k], &b->out_len[k]);
	if (b->verdict[k] == HANDLE_DROP)
		return false;
	b->out_iov[k] = (struct iovec){ b->out_buf[k], b->out_len[k] };
	b->out[k].msg_hdr = (struct msghdr){
		.msg_name = &b->src[i],
		.msg_namelen = mh->msg_namelen,
		.msg_iov = &b->out_iov[k],
		.msg_iovlen = 1,
	};
	if (sock->kind == SERVER_SOCK_WILDCARD)
		server_reply_source(&b->out[k].msg_hdr, &b->out_ctl[k], &m);
	return true;
}

/* Stamp the transmit time of out[off..off+n) now. */
static void server_stamp(struct server *s, const struct ref_state *ref, unsigned off, unsigned n)
{
	struct server_batch *b = s->batch;
	struct timespec now;

	s->env.clock->now(s->env.clock->ctx, &now);
	for (unsigned i = off; i < off + n; i++)
		if (b->verdict[i] == HANDLE_TIME)
			handle_stamp_transmit(&s->env, ref, &now, b->out_buf[i], b->out_len[i]);
}

/*
 * Send out[0..k), each reply stamped just before the sendmmsg that carries
 * it. A batch that emptied the socket (the server keeps up: it has time to
 * spare) leaves one reply per sendmmsg, so that T3 is read as the reply
 * leaves. A full batch (requests still waiting: the server is saturated)
 * leaves in one sendmmsg, stamped when all 64 are built: a system call can
 * cost as much as a reply, and splitting the batch would lower the rate the
 * server can sustain (bench/README.md, BENCHMARKS.md). The kernel stops a
 * sendmmsg at the first reply it refuses (no route back, a firewall, a full
 * buffer): that one is counted by reason and skipped, and the rest go on.
 * Each reply is counted as served once the kernel took it.
 */
static void server_send(struct server *s, int fd, unsigned k, bool saturated,
			const struct ref_state *ref)
{
	struct server_batch *b = s->batch;
	unsigned part = saturated ? k : 1, off = 0;

	while (off < k) {
		unsigned n = k - off < part ? k - off : part;
		int r;

		server_stamp(s, ref, off, n);
		r = sendmmsg(fd, b->out + off, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			handle_count_send_error(&s->env, r < 0 ? errno : EAGAIN);
			off++;
			continue;
		}
		for (unsigned i = off; i < off + (unsigned)r; i++)
			handle_count_sent(&s->env, b->verdict[i]);
		off += (unsigned)r;
	}
}

static void server_on_readable(void *userdata, int fd, short revents)
{
	const struct server_sock *sock = userdata;
	struct server *s = sock->srv;
	struct ref_state ref;

	for (unsigned round = 0; round < SERVER_ROUNDS; round++) {
		int n = server_recv(s, fd);
		unsigned k = 0;
		int64_t now_ns;

		if (n <= 0)
			return; /* EAGAIN, or an error that the next poll reports */
		now_ns = loop_now_ns();
		refclock_current(&s->refs, now_ns, &ref);
		for (int i = 0; i < n; i++)
			k += server_one(sock, (unsigned)i, &ref, now_ns, k);
		server_send(s, fd, k, n == SERVER_BATCH, &ref);
		if (n < SERVER_BATCH)
			return;
	}
}

int server_watch(struct server *s, struct loop *l)
{
	int r;

	s->loop = l;
	for (unsigned i = 0; i < s->n_socks; i++) {
		if (s->socks[i].fd < 0)
			continue;
		r = loop_watch(l, s->socks[i].fd, POLLIN, server_on_readable, &s->socks[i]);
		if (r < 0)
			return r;
	}
	if (s->addrs.fd >= 0) {
		r = loop_watch(l, s->addrs.fd, POLLIN, server_on_netlink, s);
		if (r < 0)
			return r;
	}
	return refclock_watch(&s->refs, l);
}
