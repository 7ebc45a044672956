/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reflector: the ceiling for an NTP server on this machine. A trivial
 * recvmmsg/sendmmsg UDP responder, in batches of 64 like tsetd: every
 * datagram of at least 48 bytes goes back to its sender as a plausible
 * mode-4 reply (mode 4, the request's transmit timestamp copied to origin,
 * receive and transmit timestamps zero: no clock is read), so loadgen
 * counts it as valid; anything shorter is dropped.
 *
 * By default it does nothing more, which makes it the ceiling. Options add
 * tsetd's per-datagram costs one by one, to see what each one costs:
 *   --pktinfo    IP_PKTINFO on receive and on send (reply from the address
 *                the request came to), as tsetd does
 *   --timestamp  SO_TIMESTAMPNS kernel receive timestamps, as tsetd
 *   --clock      read CLOCK_REALTIME for each reply, and clock_adjtime
 *                twice per batch (the kernel's clock state), as tsetd
 *   --rounds N   batches per poll() wake-up, then back to poll (tsetd: 16;
 *                default 0: until the socket is empty)
 *
 * Loopback only. Stops on SIGTERM/SIGINT or after --lifetime seconds, and
 * prints its counters on stderr.
 *
 * Build: gcc -O2 -Wall -o reflector bench/reflector.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define BUF	2048
#define CTL	256
#define PKT_LEN 48

static volatile sig_atomic_t stop;

static struct {
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec in_iov[BATCH], out_iov[BATCH];
	struct sockaddr_in src[BATCH];
	union {
		char buf[CTL];
		struct cmsghdr align;
	} in_ctl[BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} out_ctl[BATCH];
	uint8_t buf[BATCH][BUF];
} b;

static void on_signal(int signo)
{
	(void)signo;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: reflector -l ADDR:PORT [-c CPU] [--lifetime S] [--pktinfo] "
		   "[--timestamp] [--clock] [--rounds N]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "lifetime", required_argument, NULL, 1 },
		{ "pktinfo", no_argument, NULL, 2 },
		{ "timestamp", no_argument, NULL, 3 },
		{ "clock", no_argument, NULL, 4 },
		{ "rounds", required_argument, NULL, 5 },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sockaddr_in sa = { .sin_family = AF_INET };
	bool pktinfo = false, timestamp = false, clock = false, have_addr = false;
	unsigned lifetime = 600, max_rounds = 0;
	unsigned long long received = 0, replied = 0, short_dropped = 0, send_failed = 0,
			   wakeups = 0, recv_calls = 0;
	int c, cpu = -1, fd, one = 1, size = 1 << 20;
	struct sigaction act = { .sa_handler = on_signal };

	while ((c = getopt_long(argc, argv, "l:c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': {
			char host[64];
			const char *colon = strrchr(optarg, ':');

			if (!colon || (size_t)(colon - optarg) >= sizeof(host)) {
				usage(stderr);
				return 2;
			}
			memcpy(host, optarg, (size_t)(colon - optarg));
			host[colon - optarg] = 0;
			if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
			    (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
				fprintf(stderr, "reflector: loopback addresses only\n");
				return 2;
			}
			sa.sin_port = htons((uint16_t)atoi(colon + 1));
			have_addr = true;
			break;
		}
		case 'c':
			cpu = atoi(optarg);
			break;
		case 1:
			lifetime = (unsigned)atoi(optarg);
			break;
		case 2:
			pktinfo = true;
			break;
		case 3:
			timestamp = true;
			break;
		case 4:
			clock = true;
			break;
		case 5:
			max_rounds = (unsigned)atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_addr || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			perror("reflector: sched_setaffinity");
	}
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGALRM, &act, NULL);
	alarm(lifetime);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("reflector: socket");
		return 1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)); /* as tsetd */
	if (pktinfo)
		(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (timestamp)
		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("reflector: bind");
		return 1;
	}
	fprintf(stderr, "reflector: listening on %s:%u%s%s%s\n", inet_ntoa(sa.sin_addr),
		ntohs(sa.sin_port), pktinfo ? ", pktinfo" : "", timestamp ? ", timestamps" : "",
		clock ? ", clock reads" : "");

	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, -1) <= 0)
			continue; /* EINTR: a signal, look at stop */
		wakeups++;
		for (unsigned round = 0; !max_rounds || round < max_rounds; round++) {
			unsigned k = 0;
			int n;

			for (unsigned i = 0; i < BATCH; i++) {
				b.in_iov[i] = (struct iovec){ b.buf[i], BUF };
				b.in[i].msg_hdr = (struct msghdr){
					.msg_name = &b.src[i],
					.msg_namelen = sizeof(b.src[i]),
					.msg_iov = &b.in_iov[i],
					.msg_iovlen = 1,
					.msg_control =
						pktinfo || timestamp ? b.in_ctl[i].buf : NULL,
					.msg_controllen = pktinfo || timestamp ? CTL : 0,
				};
			}
			recv_calls++;
			n = recvmmsg(fd, b.in, BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			received += (unsigned)n;
			if (clock) {
				struct timex tx = { .modes = 0 },
					     ss = { .modes = ADJ_OFFSET_SS_READ };

				(void)clock_adjtime(CLOCK_REALTIME, &tx);
				(void)clock_adjtime(CLOCK_REALTIME, &ss);
			}
			for (int i = 0; i < n; i++) {
				struct msghdr *mh = &b.in[i].msg_hdr;
				uint8_t *p = b.buf[i];
				struct in_addr dst = { 0 };
				bool have_dst = false;

				if (b.in[i].msg_len < PKT_LEN) {
					short_dropped++;
					continue;
				}
				if (pktinfo || timestamp)
					for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
					     cm = CMSG_NXTHDR(mh, cm)) {
						if (cm->cmsg_level == IPPROTO_IP &&
						    cm->cmsg_type == IP_PKTINFO) {
							struct in_pktinfo pi;

							memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
							dst = pi.ipi_addr;
							have_dst = true;
						}
					}
				p[0] = (uint8_t)((p[0] & 0x38) | 4); /* LI 0, same VN, mode 4 */
				memcpy(p + 24, p + 40, 8);	     /* origin = transmit */
				memset(p + 32, 0, 16);		     /* rec, xmt: no clock */
				if (clock) {
					struct timespec now;

					clock_gettime(CLOCK_REALTIME, &now);
					/* stamped as T2 = T3 = now: processing shows as 0 */
					uint32_t s = (uint32_t)now.tv_sec + 2208988800U;
					uint32_t f = (uint32_t)(((uint64_t)now.tv_nsec << 32) /
								1000000000);
					uint8_t ts[8] = { s >> 24, s >> 16, s >> 8, s,
							  f >> 24, f >> 16, f >> 8, f };

					memcpy(p + 32, ts, 8);
					memcpy(p + 40, ts, 8);
				}
				b.out_iov[k] = (struct iovec){ p, PKT_LEN };
				b.out[k].msg_hdr = (struct msghdr){
					.msg_name = &b.src[i],
					.msg_namelen = mh->msg_namelen,
					.msg_iov = &b.out_iov[k],
					.msg_iovlen = 1,
				};
				if (pktinfo && have_dst) {
					struct in_pktinfo pi = { .ipi_spec_dst = dst };
					struct msghdr *om = &b.out[k].msg_hdr;
					struct cmsghdr *cm;

					om->msg_control = b.out_ctl[k].buf;
					om->msg_controllen = sizeof(b.out_ctl[k].buf);
					cm = CMSG_FIRSTHDR(om);
					cm->cmsg_level = IPPROTO_IP;
					cm->cmsg_type = IP_PKTINFO;
					cm->cmsg_len = CMSG_LEN(sizeof(pi));
					memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
				}
				k++;
			}
			for (unsigned off = 0; off < k;) {
				int r = sendmmsg(fd, b.out + off, k - off, 0);

				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					send_failed += k - off;
					break;
				}
				off += (unsigned)r;
				replied += (unsigned)r;
			}
			if (n < BATCH)
				break;
		}
	}
	fprintf(stderr,
		"reflector: received %llu, replied %llu, short %llu, send failures %llu, "
		"poll wake-ups %llu, recvmmsg calls %llu\n",
		received, replied, short_dropped, send_failed, wakeups, recv_calls);
	close(fd);
	return 0;
}
