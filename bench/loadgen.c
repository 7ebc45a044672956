/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loadgen: an NTP load generator for loopback benchmarks of tsetd.
 *
 * Sends mode-3 requests (48 bytes) from K connected UDP sockets (K source
 * ports) to one server, in batches (sendmmsg), receives the replies in
 * batches (recvmmsg, epoll), validates them and counts the valid ones.
 *
 *   flood:       as many requests as the server answers, for N seconds: at
 *                most W requests in flight (a closed loop: a batch of B goes
 *                out on the next idle socket as soon as the window allows),
 *                so the server is never idle and its receive queue never
 *                overflows for the generator's sake. A batch that has not
 *                been fully answered after --timeout-ms frees its socket
 *                (its missing replies count as lost; late ones still count).
 *   fixed rate:  R requests/s for N seconds (a timer tick every --tick-us,
 *                each tick sends what is due), then waits --drain-ms for
 *                stragglers: sent, valid, lost.
 *
 * With --gso a batch leaves as one write with UDP_SEGMENT = 48: the kernel
 * cuts it into 48-byte datagrams on the way (on loopback, before the
 * server's socket, so the server sees ordinary requests), which takes about
 * 0.4 us per request off the generator's CPU (measured here: 3.3-3.4 us ->
 * 2.9-3.1 us per reply), leaving it headroom under a flood, so that the
 * server, not the generator, sets the rate. With --spin a flood never
 * sleeps for replies (not used by the bench: polling the sockets from the
 * other CPU costs the server more than the wake-ups it saves).
 *
 * Each request's transmit timestamp is a cookie: its low 32 bits are a
 * sequence number, its high 32 bits a keyed hash of it (so it looks random
 * and a reply's origin can be checked without a table). A reply is valid
 * when it is at least 48 bytes, mode 4, from the server (connected
 * sockets), and its origin is a cookie we sent and have not seen answered
 * yet. For each valid reply it records T3 - T2 (transmit minus receive
 * timestamp of the reply: the server's processing time) and the round trip
 * (send to receive, as seen here) into histograms of 10 ns resolution.
 *
 * It pins itself to --cpu. It never reads or sets anything but the
 * monotonic clock. Output: a human summary on stderr and one JSON object on
 * stdout.
 *
 * Build: gcc -O2 -Wall -o loadgen bench/loadgen.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKETS 1024
#define MAX_BATCH   1024
#define PKT_LEN	    48
#define RX_BUF	    128
#define MAX_SEQ	    (UINT32_C(1) << 27) /* 134 M requests per run */

/* histogram: 10 ns bins below 1 ms, 10 us bins up to 1 s, then overflow */
#define H_FINE	 100000
#define H_COARSE 100000
#define H_BINS	 (H_FINE + H_COARSE + 1)

struct hist {
	uint64_t bin[H_BINS];
	uint64_t n, negative;
	int64_t max_ns;
};

struct sock {
	int fd;
	uint32_t inflight;  /* replies still expected from its current batch */
	uint32_t first_seq; /* that batch's first sequence number */
	int64_t sent_ns;    /* when that batch went out */
};

static struct {
	/* options */
	struct sockaddr_in server, bind;
	unsigned n_socks, batch, window, duration_ms, timeout_ms, drain_ms, tick_us;
	double rate;
	int cpu;
	bool quiet, gso, spin;
	/* state */
	struct sock socks[MAX_SOCKETS];
	int ep;
	uint32_t key;
	uint32_t next_seq;
	uint64_t *seen;	   /* bitmap of answered sequence numbers */
	uint32_t *sent_at; /* per sequence: send time, units of 100 ns since t0 */
	int64_t t0, t_end;
	/* counters */
	uint64_t sent, valid, valid_in_run, invalid, dups, foreign, send_eagain, send_errors,
		recv_calls, send_calls, timeouts_reclaimed, inflight;
	struct hist proc, rtt;
	/* batch buffers */
	struct mmsghdr out[MAX_BATCH], in[MAX_BATCH];
	struct iovec out_iov[MAX_BATCH], in_iov[MAX_BATCH];
	uint8_t out_buf[MAX_BATCH][PKT_LEN], in_buf[MAX_BATCH][RX_BUF];
	uint8_t gso_buf[MAX_BATCH * PKT_LEN]; /* --gso: one datagram per PKT_LEN */
} g;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint32_t mix32(uint32_t x)
{
	/* lowbias32 (Wellons): a cheap, good 32-bit permutation */
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static void hist_add(struct hist *h, int64_t ns)
{
	size_t i;

	if (ns < 0) {
		h->negative++;
		ns = 0;
	}
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (ns < 1000000)
		i = (size_t)(ns / 10);
	else if (ns < 1000000000)
		i = H_FINE + (size_t)((ns - 1000000) / 10000);
	else
		i = H_BINS - 1;
	if (i >= H_BINS)
		i = H_BINS - 1;
	h->bin[i]++;
	h->n++;
}

/* The value (upper edge of its bin, in ns) below which a fraction q lies. */
static double hist_quantile(const struct hist *h, double q)
{
	uint64_t want, acc = 0;

	if (h->n == 0)
		return -1;
	want = (uint64_t)(q * (double)h->n);
	if (want >= h->n)
		want = h->n - 1;
	for (size_t i = 0; i < H_BINS; i++) {
		acc += h->bin[i];
		if (acc > want) {
			if (i < H_FINE)
				return (double)(i * 10 + 10);
			if (i < H_FINE + H_COARSE)
				return 1e6 + (double)((i - H_FINE) * 10000 + 10000);
			return (double)h->max_ns;
		}
	}
	return (double)h->max_ns;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int parse_addr(const char *text, struct sockaddr_in *ret, bool need_port)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);

	if (len >= sizeof(host))
		return -1;
	memcpy(host, text, len);
	host[len] = 0;
	memset(ret, 0, sizeof(*ret));
	ret->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &ret->sin_addr) != 1)
		return -1;
	/* loopback only */
	if ((ntohl(ret->sin_addr.s_addr) >> 24) != 127)
		return -1;
	if (colon)
		ret->sin_port = htons((uint16_t)atoi(colon + 1));
	else if (need_port)
		return -1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: loadgen -s ADDR:PORT [-b ADDR] [-k SOCKETS] [-B BATCH] [-w WINDOW]\n"
		   "               [-d SECONDS] [-r RATE] [-c CPU] [--timeout-ms MS]\n"
		   "               [--drain-ms MS] [--tick-us US] [-q]\n"
		   "  -s  server (loopback only)             -b  local address (127.0.200.1)\n"
		   "  -k  sockets = source ports (64)        -B  batch per sendmmsg/recvmmsg (64)\n"
		   "  -w  flood: requests in flight (192)    -d  seconds (5)\n"
		   "  -r  fixed rate, requests/s (0: flood)  -c  pin to this CPU (-1: no)\n"
		   "  --gso  send each batch as one UDP_SEGMENT write (the kernel splits it\n"
		   "         into 48-byte datagrams before the server's socket)\n"
		   "  --spin flood: never sleep waiting for replies (epoll_wait with\n"
		   "         timeout 0): no wake-up for the server to pay\n");
}

static void parse_opts(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "timeout-ms", required_argument, NULL, 1 },
		{ "drain-ms", required_argument, NULL, 2 },
		{ "tick-us", required_argument, NULL, 3 },
		{ "gso", no_argument, NULL, 4 },
		{ "spin", no_argument, NULL, 5 },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	bool have_server = false;

	g.n_socks = 64;
	g.batch = 64;
	g.window = 192;
	g.duration_ms = 5000;
	g.timeout_ms = 20;
	g.drain_ms = 500;
	g.tick_us = 250;
	g.cpu = -1;
	parse_addr("127.0.200.1", &g.bind, false);
	while ((c = getopt_long(argc, argv, "s:b:k:B:w:d:r:c:qh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_addr(optarg, &g.server, true) < 0) {
				fprintf(stderr, "loadgen: bad server '%s' (127.x.y.z:port)\n",
					optarg);
				exit(2);
			}
			have_server = true;
			break;
		case 'b':
			if (parse_addr(optarg, &g.bind, false) < 0) {
				fprintf(stderr, "loadgen: bad local address '%s'\n", optarg);
				exit(2);
			}
			g.bind.sin_port = 0;
			break;
		case 'k':
			g.n_socks = (unsigned)atoi(optarg);
			break;
		case 'B':
			g.batch = (unsigned)atoi(optarg);
			break;
		case 'w':
			g.window = (unsigned)atoi(optarg);
			break;
		case 'd':
			g.duration_ms = (unsigned)(atof(optarg) * 1000);
			break;
		case 'r':
			g.rate = atof(optarg);
			break;
		case 'c':
			g.cpu = atoi(optarg);
			break;
		case 1:
			g.timeout_ms = (unsigned)atoi(optarg);
			break;
		case 2:
			g.drain_ms = (unsigned)atoi(optarg);
			break;
		case 3:
			g.tick_us = (unsigned)atoi(optarg);
			break;
		case 4:
			g.gso = true;
			break;
		case 5:
			g.spin = true;
			break;
		case 'q':
			g.quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (!have_server || optind != argc || g.n_socks < 1 || g.n_socks > MAX_SOCKETS ||
	    g.batch < 1 || g.batch > MAX_BATCH || g.window < 1 || g.duration_ms < 1 ||
	    g.duration_ms > 600000 || g.tick_us < 10 || g.rate < 0) {
		usage(stderr);
		exit(2);
	}
}

static void setup(void)
{
	int size = 1 << 20;

	if (g.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(g.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die("sched_setaffinity");
	}
	g.ep = epoll_create1(EPOLL_CLOEXEC);
	if (g.ep < 0)
		die("epoll_create1");
	for (unsigned i = 0; i < g.n_socks; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket");
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		if (bind(fd, (struct sockaddr *)&g.bind, sizeof(g.bind)) < 0)
			die("bind");
		/* connected: no route lookup per datagram, and only the
		 * server's datagrams get in */
		if (connect(fd, (struct sockaddr *)&g.server, sizeof(g.server)) < 0)
			die("connect");
		if (g.gso) {
			int seg = PKT_LEN;

			if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)) < 0)
				die("UDP_SEGMENT");
		}
		if (epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll_ctl");
		g.socks[i].fd = fd;
	}
	/* sequence tables: reserved, paid for only as far as they are used */
	g.seen = mmap(NULL, MAX_SEQ / 8, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	g.sent_at = mmap(NULL, (size_t)MAX_SEQ * 4, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g.seen == MAP_FAILED || g.sent_at == MAP_FAILED)
		die("mmap");
	{
		uint64_t seed = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);

		g.key = mix32((uint32_t)seed ^ mix32((uint32_t)(seed >> 32)));
	}
	for (unsigned i = 0; i < MAX_BATCH; i++) {
		memset(g.out_buf[i], 0, PKT_LEN);
		g.out_buf[i][0] = (0 << 6) | (4 << 3) | 3; /* LI 0, VN 4, mode 3 */
		g.out_iov[i] = (struct iovec){ g.out_buf[i], PKT_LEN };
		g.out[i].msg_hdr = (struct msghdr){ .msg_iov = &g.out_iov[i], .msg_iovlen = 1 };
		g.in_iov[i] = (struct iovec){ g.in_buf[i], RX_BUF };
		memcpy(g.gso_buf + i * PKT_LEN, g.out_buf[i], PKT_LEN);
	}
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* Send n requests on socket s; returns how many went out. */
static unsigned send_batch(struct sock *s, unsigned n)
{
	int64_t t = now_ns();
	uint32_t stamp = (uint32_t)((t - g.t0) / 100);
	int r;

	if (g.next_seq + n > MAX_SEQ)
		n = MAX_SEQ - g.next_seq;
	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t seq = g.next_seq + i;
		uint8_t *p = g.gso ? g.gso_buf + i * PKT_LEN : g.out_buf[i];

		put_be32(p + 40, mix32(seq ^ g.key));
		put_be32(p + 44, seq);
		g.sent_at[seq] = stamp;
	}
	g.send_calls++;
	if (g.gso) {
		struct iovec iov = { g.gso_buf, (size_t)n * PKT_LEN };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t w = sendmsg(s->fd, &mh, 0);

		r = w < 0 ? -1 : (int)((size_t)w / PKT_LEN);
	} else {
		r = sendmmsg(s->fd, g.out, n, 0);
	}
	if (r < 0) {
		if (errno == EAGAIN || errno == ENOBUFS)
			g.send_eagain++;
		else
			g.send_errors++;
		return 0;
	}
	if (s->inflight == 0)
		s->first_seq = g.next_seq;
	g.next_seq += (uint32_t)r;
	g.sent += (uint64_t)r;
	g.inflight += (uint64_t)r;
	s->inflight += (uint32_t)r;
	s->sent_ns = t;
	return (unsigned)r;
}

/* Read everything socket s has; validate and count. */
static void recv_all(struct sock *s, bool in_run)
{
	for (;;) {
		int n;
		int64_t t;
		uint32_t t_stamp;

		for (unsigned i = 0; i < g.batch; i++)
			g.in[i].msg_hdr =
				(struct msghdr){ .msg_iov = &g.in_iov[i], .msg_iovlen = 1 };
		g.recv_calls++;
		n = recvmmsg(s->fd, g.in, g.batch, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return; /* EAGAIN; ECONNREFUSED (server gone) is seen as no replies */
		t = now_ns();
		t_stamp = (uint32_t)((t - g.t0) / 100);
		for (int i = 0; i < n; i++) {
			const uint8_t *p = g.in_buf[i];
			uint32_t hi, seq;
			uint64_t rec, xmt;

			if (g.in[i].msg_len < PKT_LEN || (p[0] & 7) != 4) {
				g.invalid++;
				continue;
			}
			hi = get_be32(p + 24);
			seq = get_be32(p + 28);
			if (seq >= g.next_seq || hi != mix32(seq ^ g.key)) {
				g.foreign++;
				continue;
			}
			if (g.seen[seq / 64] & (UINT64_C(1) << (seq % 64))) {
				g.dups++;
				continue;
			}
			g.seen[seq / 64] |= UINT64_C(1) << (seq % 64);
			g.valid++;
			if (in_run)
				g.valid_in_run++;
			/* a late reply to a batch given up on frees nothing */
			if (s->inflight && seq >= s->first_seq) {
				s->inflight--;
				g.inflight--;
			}
			rec = get_be64(p + 32);
			xmt = get_be64(p + 40);
			hist_add(&g.proc,
				 (int64_t)((double)(int64_t)(xmt - rec) * (1e9 / 4294967296.0)));
			hist_add(&g.rtt, (int64_t)(t_stamp - g.sent_at[seq]) * 100);
		}
		if ((unsigned)n < g.batch)
			return;
	}
}

static void poll_replies(int timeout_ms, bool in_run)
{
	struct epoll_event ev[MAX_SOCKETS];
	int n = epoll_wait(g.ep, ev, (int)g.n_socks, timeout_ms);

	for (int i = 0; i < n; i++)
		if (ev[i].data.u32 < g.n_socks)
			recv_all(&g.socks[ev[i].data.u32], in_run);
}

static void run_flood(void)
{
	unsigned rr = 0;
	int64_t timeout_ns = (int64_t)g.timeout_ms * 1000000;
	unsigned full = g.batch < g.window ? g.batch : g.window;

	while (now_ns() < g.t_end) {
		bool sent_any = false;

		/* fill the window with full batches (a partial batch would cost
		 * a syscall for a few datagrams), one per idle socket, round
		 * robin */
		for (unsigned tries = 0; tries < g.n_socks && g.inflight + full <= g.window;
		     tries++) {
			struct sock *s = &g.socks[rr];
			unsigned n = full;

			rr = (rr + 1) % g.n_socks;
			if (s->inflight) {
				if (now_ns() - s->sent_ns < timeout_ns)
					continue;
				/* give up on the rest of that batch */
				g.timeouts_reclaimed += s->inflight;
				g.inflight -= s->inflight < g.inflight ? s->inflight : g.inflight;
				s->inflight = 0;
			}
			if (send_batch(s, n))
				sent_any = true;
			else
				break;
		}
		/* wait for replies only when the window is full */
		poll_replies(g.spin || (sent_any && g.inflight + full <= g.window) ? 0 : 1, true);
	}
}

static void run_rate(void)
{
	struct itimerspec its = {
		.it_interval = { 0, (long)g.tick_us * 1000 },
		.it_value = { 0, (long)g.tick_us * 1000 },
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = MAX_SOCKETS };
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	unsigned rr = 0;

	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0 ||
	    epoll_ctl(g.ep, EPOLL_CTL_ADD, tfd, &ev) < 0)
		die("timerfd");
	for (;;) {
		struct epoll_event evs[MAX_SOCKETS + 1];
		int64_t t = now_ns();
		uint64_t due;
		int n;

		if (t >= g.t_end)
			break;
		due = (uint64_t)(g.rate * (double)(t - g.t0) / 1e9);
		while (g.sent < due) {
			unsigned k = due - g.sent > g.batch ? g.batch : (unsigned)(due - g.sent);

			if (send_batch(&g.socks[rr], k) == 0)
				break;
			rr = (rr + 1) % g.n_socks;
		}
		n = epoll_wait(g.ep, evs, MAX_SOCKETS + 1, 2);
		for (int i = 0; i < n; i++) {
			uint64_t ticks;

			if (evs[i].data.u32 == MAX_SOCKETS)
				(void)!read(tfd, &ticks, sizeof(ticks));
			else
				recv_all(&g.socks[evs[i].data.u32], true);
		}
	}
	close(tfd);
}

static void drain(void)
{
	int64_t until = now_ns() + (int64_t)g.drain_ms * 1000000;

	while (now_ns() < until && g.valid < g.sent)
		poll_replies(1, false);
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
	struct rusage ru0, ru1;
	char server[INET_ADDRSTRLEN];
	double run_s, cpu_user, cpu_sys;
	int64_t t_stop;

	parse_opts(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	setup();
	getrusage(RUSAGE_SELF, &ru0);
	g.t0 = now_ns();
	g.t_end = g.t0 + (int64_t)g.duration_ms * 1000000;
	if (g.rate > 0)
		run_rate();
	else
		run_flood();
	t_stop = now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	drain();
	run_s = (double)(t_stop - g.t0) / 1e9;
	cpu_user = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	cpu_sys = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	inet_ntop(AF_INET, &g.server.sin_addr, server, sizeof(server));
	if (!g.quiet)
		fprintf(stderr,
			"loadgen: %s %s:%u, %u sockets, batch %u, %s %.0f, %.2f s: sent %" PRIu64
			" (%.0f/s), valid %" PRIu64 " (%.0f/s in the run), lost %" PRIu64
			", invalid %" PRIu64 ", foreign %" PRIu64 ", dup %" PRIu64
			"; T3-T2 p50 %.2f us p99 %.2f us; rtt p50 %.1f us p99 %.1f us; cpu %.0f%%\n",
			g.rate > 0 ? "rate" : "flood", server, ntohs(g.server.sin_port), g.n_socks,
			g.batch, g.rate > 0 ? "rate" : "window",
			g.rate > 0 ? g.rate : (double)g.window, run_s, g.sent,
			(double)g.sent / run_s, g.valid, (double)g.valid_in_run / run_s,
			g.sent - g.valid, g.invalid, g.foreign, g.dups,
			hist_quantile(&g.proc, 0.5) / 1e3, hist_quantile(&g.proc, 0.99) / 1e3,
			hist_quantile(&g.rtt, 0.5) / 1e3, hist_quantile(&g.rtt, 0.99) / 1e3,
			100 * (cpu_user + cpu_sys) / run_s);
	printf("{\"mode\": \"%s\", \"gso\": %s, \"spin\": %s, "
	       "\"server\": \"%s:%u\", \"sockets\": %u, \"batch\": %u, "
	       "\"window\": %u, \"rate\": %.0f, \"tick_us\": %u, \"cpu\": %d, \"run_s\": %.6f, "
	       "\"sent\": %" PRIu64 ", \"valid\": %" PRIu64 ", \"valid_in_run\": %" PRIu64
	       ", \"lost\": %" PRIu64 ", \"invalid\": %" PRIu64 ", \"foreign\": %" PRIu64
	       ", \"dups\": %" PRIu64 ", \"timeouts_reclaimed\": %" PRIu64
	       ", \"send_eagain\": %" PRIu64 ", \"send_errors\": %" PRIu64
	       ", \"send_calls\": %" PRIu64 ", \"recv_calls\": %" PRIu64
	       ", \"sent_per_s\": %.1f, \"valid_per_s\": %.1f"
	       ", \"proc_ns\": {\"n\": %" PRIu64 ", \"negative\": %" PRIu64
	       ", \"p50\": %.0f, \"p90\": %.0f, \"p99\": %.0f, \"p999\": %.0f, \"max\": %" PRId64
	       "}"
	       ", \"rtt_ns\": {\"n\": %" PRIu64 ", \"p50\": %.0f, \"p90\": %.0f, \"p99\": %.0f"
	       ", \"p999\": %.0f, \"max\": %" PRId64 "}"
	       ", \"cpu_user_s\": %.3f, \"cpu_sys_s\": %.3f}\n",
	       g.rate > 0 ? "rate" : "flood", g.gso ? "true" : "false", g.spin ? "true" : "false",
	       server, ntohs(g.server.sin_port), g.n_socks, g.batch, g.window, g.rate, g.tick_us,
	       g.cpu, run_s, g.sent, g.valid, g.valid_in_run, g.sent - g.valid, g.invalid,
	       g.foreign, g.dups, g.timeouts_reclaimed, g.send_eagain, g.send_errors, g.send_calls,
	       g.recv_calls, (double)g.sent / run_s, (double)g.valid_in_run / run_s, g.proc.n,
	       g.proc.negative, hist_quantile(&g.proc, 0.5), hist_quantile(&g.proc, 0.9),
	       hist_quantile(&g.proc, 0.99), hist_quantile(&g.proc, 0.999), g.proc.max_ns, g.rtt.n,
	       hist_quantile(&g.rtt, 0.5), hist_quantile(&g.rtt, 0.9), hist_quantile(&g.rtt, 0.99),
	       hist_quantile(&g.rtt, 0.999), g.rtt.max_ns, cpu_user, cpu_sys);
	return 0;
}
