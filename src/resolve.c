/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resolve: numeric hosts are parsed here; names go to c-ares, which the
 * caller's poll loop drives (socket-state callback, ares_process_fd,
 * ares_timeout). No callback to the user ever runs inside c-ares: every
 * finished lookup, numeric or not, is copied out of c-ares at once and put
 * on a ready queue, which is delivered after ares_process_fd returns (fd
 * readiness) or from resolve_timeouts(). resolve_next_ns() says "due" while
 * the queue is not empty, so a numeric host is answered on the next turn of
 * the loop, never from resolve_start().
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ares.h>

#include "log.h"
#include "resolve.h"

/* c-ares per-try timeout and tries; with one server it waits 1 s, then 2 s
 * (it doubles per round). The caller's deadline bounds the run anyway. */
#define RESOLVE_TIMEOUT_MS 1000
#define RESOLVE_TRIES	   2
/* ares_timeout() resolution */
#define RESOLVE_SLACK_NS 1000000
/* RFC 1035 section 2.3.4: 63 octets per label, 255 per name on the wire,
 * which is 253 characters as text without the root dot. */
#define RESOLVE_LABEL_MAX 63
#define RESOLVE_NAME_MAX  253

struct resolve_lookup {
	struct resolve *r;
	struct resolve_lookup *next; /* in the ready queue */
	resolve_done_fn done;
	void *userdata;
	uint16_t port;
	unsigned max_addrs;
	uint64_t seen_at_start; /* resolve.seen when it started */
	struct resolve_result res;
};

/*
 * What our socket functions saw last. c-ares 1.18 ends a lookup with
 * ARES_ECONNREFUSED alike when no nameserver could be reached and when
 * every answer was SERVFAIL, NOTIMP or REFUSED (it retries those, then
 * reports the status it started with); this tells them apart. Each event
 * takes the next number of resolve.seen.
 */
struct resolve_sock_seen {
	int err;	   /* the latest socket error, negative errno */
	uint64_t err_at;   /* its number, 0: none */
	unsigned rcode;	   /* the latest error rcode in an answer */
	uint64_t rcode_at; /* its number, 0: none */
};

struct resolve {
	struct loop *loop;
	ares_channel channel; /* NULL once destroyed */
	int family;
	unsigned n_pending;			    /* lookups inside c-ares */
	struct resolve_lookup *ready, **ready_tail; /* done, not delivered yet */
	bool delivering;
	bool dead;     /* resolve_free() from a done callback: free after it */
	uint64_t seen; /* events counted by the socket functions */
	struct resolve_sock_seen sock;
};

/* Addresses of one answer sorted by family (0: IPv4, 1: IPv6), deduplicated. */
struct resolve_pick {
	struct sockaddr_storage a[2][RESOLVE_MAX_ADDRS];
	socklen_t len[2][RESOLVE_MAX_ADDRS];
	unsigned n[2];
	unsigned extra; /* beyond RESOLVE_MAX_ADDRS of a family, not deduplicated */
};

/* -------- numeric hosts -------- */

/* An IPv6 zone: all digits is a scope id, anything else an interface. */
static int resolve_parse_zone(const char *zone, uint32_t *ret)
{
	unsigned long v;
	unsigned idx;
	char *end;

	if (!*zone)
		return -EINVAL;
	if (strspn(zone, "0123456789") == strlen(zone)) {
		errno = 0;
		v = strtoul(zone, &end, 10);
		if (errno || *end || v > UINT32_MAX)
			return -EINVAL;
		*ret = (uint32_t)v;
		return 0;
	}
	idx = if_nametoindex(zone);
	if (idx == 0)
		return -ENODEV;
	*ret = idx;
	return 0;
}

static int resolve_parse_v4(const char *host, uint16_t port, struct sockaddr_storage *ss,
			    socklen_t *len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -EINVAL;
	memcpy(ss, &sin, sizeof(sin));
	*len = sizeof(sin);
	return 0;
}

static int resolve_parse_v6(const char *host, uint16_t port, struct sockaddr_storage *ss,
			    socklen_t *len)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	const char *pct = strchr(host, '%');
	size_t n = pct ? (size_t)(pct - host) : strlen(host);
	char buf[INET6_ADDRSTRLEN];
	int r;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, &sin6.sin6_addr) != 1)
		return -EINVAL;
	if (pct) {
		r = resolve_parse_zone(pct + 1, &sin6.sin6_scope_id);
		if (r < 0)
			return r;
	}
	memcpy(ss, &sin6, sizeof(sin6));
	*len = sizeof(sin6);
	return 0;
}

int resolve_numeric(const char *host, uint16_t port, int family, struct sockaddr_storage *ret,
		    socklen_t *ret_len)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = 0;
	int r;

	if (!host)
		return -EINVAL;
	r = resolve_parse_v4(host, port, &ss, &len);
	if (r == -EINVAL)
		r = resolve_parse_v6(host, port, &ss, &len);
	if (r < 0)
		return r;
	if (family != AF_UNSPEC && family != ss.ss_family)
		return -EAFNOSUPPORT;
	*ret = ss;
	*ret_len = len;
	return 0;
}

/*
 * Worth asking DNS about: letters, digits, '-', '_', labels of 1..63, at
 * most 253 characters plus an optional root dot, and not all digits and
 * dots (a malformed IPv4 address such as "1.2.3" is not a name).
 */
static bool resolve_is_dns_name(const char *host)
{
	size_t len = strlen(host), label = 0;

	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len == 0 || len > RESOLVE_NAME_MAX || strspn(host, "0123456789.") >= len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > RESOLVE_LABEL_MAX)
			return false;
	}
	return label > 0;
}

/* -------- results -------- */

static void resolve_set_error(struct resolve_result *res, const char *msg)
{
	res->n = 0;
	snprintf(res->error, sizeof(res->error), "%s", msg);
}

/* What each c-ares status means for the user, in our words: what
 * happened, not which library said it. */
static const struct {
	int status;
	const char *text;
} resolve_status_text[] = {
	{ ARES_ENOTFOUND, "no such name" },
	{ ARES_ENODATA, "no address of the requested family" },
	{ ARES_ECONNREFUSED, "cannot reach the dns server" },
	{ ARES_ETIMEOUT, "no answer from the dns server (timed out)" },
	{ ARES_ESERVFAIL, "the dns server failed to answer (SERVFAIL)" },
	{ ARES_EREFUSED, "the dns server refused the query (REFUSED)" },
	{ ARES_EFORMERR, "the dns server could not read the query (FORMERR)" },
	{ ARES_ENOTIMP, "the dns server does not implement the query (NOTIMP)" },
	{ ARES_EBADRESP, "malformed answer from the dns server" },
	{ ARES_EBADNAME, "invalid host name" },
	{ ARES_ENOMEM, "out of memory" },
	{ ARES_EFILE, "cannot read the resolver configuration" },
};

/* RFC 1035 section 4.1.1 rcodes that c-ares retries, as its statuses. */
static int resolve_rcode_status(unsigned rcode)
{
	switch (rcode) {
	case 2:
		return ARES_ESERVFAIL;
	case 4:
		return ARES_ENOTIMP;
	case 5:
		return ARES_EREFUSED;
	}
	return ARES_ECONNREFUSED;
}

/* c-ares status to our short lowercase text. ARES_ECONNREFUSED is made
 * precise by what the sockets saw since the lookup started: the
 * nameserver's error answer, or the socket error ("cannot reach the dns
 * server: network is unreachable"). */
static void resolve_status_error(struct resolve_lookup *lk, int status)
{
	const struct resolve_sock_seen *seen = &lk->r->sock;
	struct resolve_result *res = &lk->res;
	size_t n;

	if (status == ARES_ECONNREFUSED && seen->rcode_at > lk->seen_at_start)
		status = resolve_rcode_status(seen->rcode);
	for (size_t i = 0; i < sizeof(resolve_status_text) / sizeof(resolve_status_text[0]); i++) {
		if (resolve_status_text[i].status != status)
			continue;
		resolve_set_error(res, resolve_status_text[i].text);
		if (status == ARES_ECONNREFUSED && seen->err_at > lk->seen_at_start) {
			n = strlen(res->error);
			snprintf(res->error + n, sizeof(res->error) - n, ": %s",
				 strerror(-seen->err));
			if (n + 2 < sizeof(res->error))
				res->error[n + 2] = (char)tolower((unsigned char)res->error[n + 2]);
		}
		return;
	}
	resolve_set_error(res, ares_strerror(status));
	for (n = 0; res->error[n]; n++)
		res->error[n] = (char)tolower((unsigned char)res->error[n]);
	if (n > 0 && res->error[n - 1] == '.')
		res->error[n - 1] = '\0';
}

/* A clean sockaddr with our port from one c-ares node; false if unusable. */
static bool resolve_node_addr(const struct ares_addrinfo_node *node, uint16_t port,
			      struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (node->ai_family == AF_INET && node->ai_addrlen >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		memcpy(&sin, node->ai_addr, sizeof(sin));
		sin = (struct sockaddr_in){ .sin_family = AF_INET,
					    .sin_port = htons(port),
					    .sin_addr = sin.sin_addr };
		memcpy(ss, &sin, sizeof(sin));
		*len = sizeof(sin);
		return true;
	}
	if (node->ai_family == AF_INET6 && node->ai_addrlen >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, node->ai_addr, sizeof(sin6));
		sin6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
					      .sin6_port = htons(port),
					      .sin6_addr = sin6.sin6_addr,
					      .sin6_scope_id = sin6.sin6_scope_id };
		memcpy(ss, &sin6, sizeof(sin6));
		*len = sizeof(sin6);
		return true;
	}
	return false;
}

static void resolve_pick_add(struct resolve_pick *p, const struct sockaddr_storage *ss,
			     socklen_t len)
{
	unsigned f = ss->ss_family == AF_INET6;

	for (unsigned i = 0; i < p->n[f]; i++)
		if (p->len[f][i] == len && memcmp(&p->a[f][i], ss, len) == 0)
			return;
	if (p->n[f] == RESOLVE_MAX_ADDRS) {
		p->extra++;
		return;
	}
	p->a[f][p->n[f]] = *ss;
	p->len[f][p->n[f]++] = len;
}

/* IPv4 first, then IPv6, at most max_addrs of each: the caller chooses
 * between the families, so a cap must not cut one of them short. */
static void resolve_pick_out(const struct resolve_pick *p, unsigned max_addrs,
			     struct resolve_result *res)
{
	res->n = 0;
	res->n_dropped = p->extra;
	for (unsigned f = 0; f < 2; f++) {
		for (unsigned i = 0; i < p->n[f]; i++) {
			if (i == max_addrs) {
				res->n_dropped += p->n[f] - i;
				break;
			}
			res->addrs[res->n] = p->a[f][i];
			res->addr_lens[res->n++] = p->len[f][i];
		}
	}
}

/* Copy the answer out of c-ares memory. */
static void resolve_copy(struct resolve_lookup *lk, int family, const struct ares_addrinfo *ai)
{
	struct resolve_pick pick = { .n = { 0, 0 } };
	struct sockaddr_storage ss;
	socklen_t len;

	for (const struct ares_addrinfo_node *node = ai ? ai->nodes : NULL; node;
	     node = node->ai_next) {
		if (family != AF_UNSPEC && node->ai_family != family)
			continue;
		if (resolve_node_addr(node, lk->port, &ss, &len))
			resolve_pick_add(&pick, &ss, len);
	}
	resolve_pick_out(&pick, lk->max_addrs, &lk->res);
	if (lk->res.n == 0)
		resolve_set_error(&lk->res, "no address of the requested family");
}

/* -------- the ready queue -------- */

static void resolve_queue(struct resolve *r, struct resolve_lookup *lk)
{
	lk->next = NULL;
	*r->ready_tail = lk;
	r->ready_tail = &lk->next;
}

static struct resolve_lookup *resolve_dequeue(struct resolve *r)
{
	struct resolve_lookup *lk = r->ready;

	if (lk) {
		r->ready = lk->next;
		if (!r->ready)
			r->ready_tail = &r->ready;
	}
	return lk;
}

static void resolve_release(struct resolve *r)
{
	struct resolve_lookup *lk;

	while ((lk = resolve_dequeue(r)))
		free(lk);
	free(r);
}

/* Call the user for each finished lookup. A done callback may start new
 * lookups (delivered in this same pass) or free the resolver. */
static void resolve_deliver(struct resolve *r)
{
	struct resolve_lookup *lk;

	if (r->delivering)
		return;
	r->delivering = true;
	while (!r->dead && (lk = resolve_dequeue(r))) {
		lk->done(lk->userdata, &lk->res);
		free(lk);
	}
	r->delivering = false;
	if (r->dead)
		resolve_release(r);
}

/* -------- c-ares callbacks -------- */

static void resolve_on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct resolve_lookup *lk = arg;
	struct resolve *r = lk->r;

	(void)timeouts;
	r->n_pending--;
	if (status == ARES_SUCCESS)
		resolve_copy(lk, r->family, ai);
	else
		resolve_status_error(lk, status);
	if (ai)
		ares_freeaddrinfo(ai);
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		free(lk);
		return;
	}
	resolve_queue(r, lk);
}

static void resolve_on_io(void *userdata, int fd, short revents)
{
	struct resolve *r = userdata;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (revents & POLLNVAL) {
		loop_unwatch(r->loop, fd);
		return;
	}
	if (revents & (POLLIN | POLLERR | POLLHUP))
		rfd = fd;
	if (revents & POLLOUT)
		wfd = fd;
	ares_process_fd(r->channel, rfd, wfd);
	resolve_deliver(r);
}

/* c-ares opens, changes and (with 0, 0) closes its sockets through here. */
static void resolve_on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolve *r = data;
	short events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
	int err;

	if (!events) {
		loop_unwatch(r->loop, fd);
		return;
	}
	err = loop_watch(r->loop, fd, events, resolve_on_io, r);
	if (err < 0)
		log_errno(LOG_WARNING, err, "cannot watch dns socket %d", fd);
}

/* -------- sockets -------- */

/* c-ares opens, uses and closes its sockets through these, so that
 * resolve_status_error() knows what they said (struct resolve_sock_seen).
 * c-ares leaves sockets it does not create itself as they come: they are
 * made non-blocking and close-on-exec here. errno is kept for c-ares. */

static void resolve_saw_error(struct resolve *r, int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == EINPROGRESS)
		return;
	r->sock.err = -err;
	r->sock.err_at = ++r->seen;
}

static ares_socket_t resolve_sock_open(int domain, int type, int protocol, void *data)
{
	int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		resolve_saw_error(data, errno);
	return fd < 0 ? ARES_SOCKET_BAD : fd;
}

static int resolve_sock_close(ares_socket_t fd, void *data)
{
	(void)data;
	return close(fd);
}

static int resolve_sock_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
				void *data)
{
	int rc = connect(fd, sa, len), err = errno;

	if (rc < 0)
		resolve_saw_error(data, err);
	errno = err;
	return rc;
}

/* A datagram (from is set for UDP alone: TCP reads a stream in pieces):
 * an answer (QR) with an rcode that c-ares retries is noted. */
static ares_ssize_t resolve_sock_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
					  struct sockaddr *from, ares_socklen_t *from_len,
					  void *data)
{
	struct resolve *r = data;
	ssize_t n = recvfrom(fd, buf, len, flags, from, from_len);
	int err = errno;
	const unsigned char *b = buf;

	if (n < 0)
		resolve_saw_error(r, err);
	else if (from && n >= 4 && (b[2] & 0x80) &&
		 resolve_rcode_status(b[3] & 0x0f) != ARES_ECONNREFUSED) {
		r->sock.rcode = b[3] & 0x0f;
		r->sock.rcode_at = ++r->seen;
	}
	errno = err;
	return n;
}

static ares_ssize_t resolve_sock_sendv(ares_socket_t fd, const struct iovec *iov, int n_iov,
				       void *data)
{
	ssize_t n = writev(fd, iov, n_iov);
	int err = errno;

	if (n < 0)
		resolve_saw_error(data, err);
	errno = err;
	return n;
}

static const struct ares_socket_functions resolve_sock_functions = {
	.asocket = resolve_sock_open,
	.aclose = resolve_sock_close,
	.aconnect = resolve_sock_connect,
	.arecvfrom = resolve_sock_recvfrom,
	.asendv = resolve_sock_sendv,
};

/* -------- the resolver -------- */

static int resolve_errno(int status)
{
	return status == ARES_ENOMEM ? -ENOMEM : -EIO;
}

/* c-ares falls back to its defaults, silently, on a missing resolv.conf. */
static int resolve_check_file(const char *path)
{
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	close(fd);
	return r;
}

int resolve_new(struct resolve **ret, struct loop *l, const char *resolvconf, int family)
{
	struct ares_options opts = { .timeout = RESOLVE_TIMEOUT_MS, .tries = RESOLVE_TRIES };
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
	struct resolve *r;
	int err, status;

	if (!l || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
		return -EINVAL;
	if (resolvconf) {
		err = resolve_check_file(resolvconf);
		if (err < 0)
			return err;
		mask |= ARES_OPT_RESOLVCONF;
		opts.resolvconf_path = (char *)resolvconf; /* c-ares copies it */
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct resolve){ .loop = l, .family = family, .ready_tail = &r->ready };
	opts.sock_state_cb = resolve_on_sock_state;
	opts.sock_state_cb_data = r;
	status = ares_library_init(ARES_LIB_INIT_ALL); /* counted by c-ares */
	if (status == ARES_SUCCESS) {
		status = ares_init_options(&r->channel, &opts, mask);
		if (status != ARES_SUCCESS)
			ares_library_cleanup();
		else
			ares_set_socket_functions(r->channel, &resolve_sock_functions, r);
	}
	if (status != ARES_SUCCESS) {
		free(r);
		return resolve_errno(status);
	}
	*ret = r;
	return 0;
}

void resolve_free(struct resolve *r)
{
	if (!r)
		return;
	if (r->channel) {
		/* pending lookups end with ARES_EDESTRUCTION (or, for a
		 * half-answered one, a success that lands on the queue); c-ares
		 * reports every socket closed, so all fds are unwatched */
		ares_destroy(r->channel);
		r->channel = NULL;
		ares_library_cleanup();
	}
	if (r->delivering)
		r->dead = true;
	else
		resolve_release(r);
}

/* A host that never reaches c-ares: the result is known now. */
static bool resolve_local(struct resolve *r, struct resolve_lookup *lk, const char *host)
{
	struct resolve_result *res = &lk->res;
	int err = resolve_numeric(host, lk->port, r->family, &res->addrs[0], &res->addr_lens[0]);

	if (err == 0)
		res->n = 1;
	else if (err == -EAFNOSUPPORT)
		resolve_set_error(res, "no address of the requested family");
	else if (err == -ENODEV)
		resolve_set_error(res, "unknown interface in address zone");
	else if (!resolve_is_dns_name(host))
		resolve_set_error(res, "invalid host name");
	else
		return false;
	return true;
}

int resolve_start(struct resolve *r, const char *host, uint16_t port, unsigned max_addrs,
		  resolve_done_fn done, void *userdata)
{
	struct ares_addrinfo_hints hints = {
		.ai_flags = ARES_AI_NOSORT, /* no RFC 6724 sort: it connects sockets */
		.ai_family = r->family,
		.ai_socktype = SOCK_DGRAM,
	};
	struct resolve_lookup *lk;

	if (!host || !done || max_addrs == 0 || max_addrs > RESOLVE_MAX_ADDRS)
		return -EINVAL;
	lk = calloc(1, sizeof(*lk));
	if (!lk)
		return -ENOMEM;
	*lk = (struct resolve_lookup){
		.r = r,
		.done = done,
		.userdata = userdata,
		.port = port,
		.max_addrs = max_addrs,
		.seen_at_start = r->seen,
	};
	if (resolve_local(r, lk, host)) {
		resolve_queue(r, lk);
		return 0;
	}
	/* c-ares may call back before returning (hosts file, errors): that
	 * only queues the result */
	r->n_pending++;
	ares_getaddrinfo(r->channel, host, NULL, &hints, resolve_on_addrinfo, lk);
	return 0;
}

bool resolve_busy(const struct resolve *r)
{
	return r->n_pending > 0 || r->ready;
}

/*
 * 0 ("due") while results wait on the ready queue or c-ares is overdue.
 * c-ares counts whole milliseconds, truncated, from its own clock reading:
 * a timeout still ahead is rounded up by one millisecond so that the caller
 * does not wake before c-ares agrees; one less than a millisecond away it
 * already reads 0, so a caller may turn the loop idly for that long.
 */
int64_t resolve_next_ns(struct resolve *r)
{
	struct timeval tv, *tvp;

	if (r->ready)
		return 0;
	if (r->n_pending == 0 || !r->channel)
		return INT64_MAX;
	tvp = ares_timeout(r->channel, NULL, &tv);
	if (!tvp)
		return INT64_MAX;
	if (tvp->tv_sec == 0 && tvp->tv_usec == 0)
		return 0;
	return loop_now_ns() + (int64_t)tvp->tv_sec * 1000000000 + (int64_t)tvp->tv_usec * 1000 +
	       RESOLVE_SLACK_NS;
}

void resolve_timeouts(struct resolve *r)
{
	if (r->channel)
		ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolve_deliver(r);
}
