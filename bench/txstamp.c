/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * txstamp: how late an NTP server's transmit timestamp (T3) is, measured
 * from outside the server, for the bench only (LD_PRELOAD).
 *
 * The error of T3 is the time from the moment the server read its clock
 * for T3 to the moment the datagram left: the kernel's software transmit
 * timestamp (SO_TIMESTAMPING, SOF_TIMESTAMPING_TX_SOFTWARE, taken in the
 * driver's xmit: on loopback, in loopback_xmit). Both are CLOCK_REALTIME,
 * so error = TX timestamp - T3 (the server's time1 or GPS offset must be 0).
 *
 * It wraps sendmsg, sendmmsg and sendto (tsetd sends with sendmmsg,
 * chronyd with sendmsg). Before the first send on a UDP socket it adds
 * TX_SOFTWARE | SOFTWARE (| OPT_RX_FILTER: no timestamp added to what the
 * server receives) to the socket's SO_TIMESTAMPING flags, keeping the
 * server's own; after each send it drains the socket's error queue, where
 * the kernel has put, synchronously on loopback, one copy of each datagram
 * that left with its TX timestamp. The copy carries the NTP reply, so the
 * pairing is exact: T3 is read from the copy (its last 48 bytes: the
 * header). The server never sees the error queue (it is empty again when
 * the send returns), so it needs no change; a server that asks for TX
 * timestamps itself is left alone (not measured).
 *
 * The cost (a getsockopt/setsockopt once, a recvmmsg on the error queue
 * after each send) falls after the send, outside the interval measured;
 * it does lower the server's throughput, so the bench runs the measured
 * servers apart from those whose throughput it reports.
 *
 * Results: TXSTAMP_OUT=FILE (required; without it the library does
 * nothing) is a shared mapping of uint64 counters that the bench reads
 * while the server runs: [0] magic, [1] datagrams paired, [2] negative
 * errors (T3 after the TX timestamp), [3] error-queue messages that held
 * no NTP reply, [4] sockets whose own TX timestamping left them unmeasured,
 * then TXSTAMP_BINS bins: 10 ns wide below 1 ms, 10 us wide to 1 s, then
 * one for more.
 *
 * Build: gcc -O2 -Wall -shared -fPIC -o txstamp.so bench/txstamp.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TXSTAMP_MAGIC	UINT64_C(0x7473657464543301)
#define TXSTAMP_HEAD	5
#define TXSTAMP_FINE	100000 /* 10 ns bins below 1 ms */
#define TXSTAMP_COARSE	99900  /* 10 us bins from 1 ms to 1 s */
#define TXSTAMP_BINS	(TXSTAMP_FINE + TXSTAMP_COARSE + 1)
#define TXSTAMP_MAX_FD	65536
#define TXSTAMP_BATCH	64
#define TXSTAMP_NTP_LEN 48
#define TXSTAMP_NTP_XMT 40
#define NTP_UNIX_S	UINT64_C(2208988800)

#ifndef SOF_TIMESTAMPING_OPT_RX_FILTER
#define SOF_TIMESTAMPING_OPT_RX_FILTER (1 << 17)
#endif
#define TXSTAMP_FLAGS (SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE)

enum {
	FD_UNKNOWN = 0,
	FD_MEASURED,
	FD_IGNORED
};

static uint64_t *out; /* the shared counters, NULL: inert */
static uint8_t fd_state[TXSTAMP_MAX_FD];
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static int (*real_sendmmsg)(int, struct mmsghdr *, unsigned, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static int (*real_close)(int);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);

/* The real functions; also from other libraries' constructors, which may
 * run before ours. */
static void txstamp_resolve(void)
{
	if (real_close)
		return;
	real_sendmsg = dlsym(RTLD_NEXT, "sendmsg");
	real_sendmmsg = dlsym(RTLD_NEXT, "sendmmsg");
	real_sendto = dlsym(RTLD_NEXT, "sendto");
	real_setsockopt = dlsym(RTLD_NEXT, "setsockopt");
	real_close = dlsym(RTLD_NEXT, "close");
}

__attribute__((constructor)) static void txstamp_init(void)
{
	const char *path = getenv("TXSTAMP_OUT");
	size_t size = (TXSTAMP_HEAD + TXSTAMP_BINS) * sizeof(uint64_t);
	int fd;
	void *p;

	txstamp_resolve();
	if (!path)
		return;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		abort();
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	real_close(fd);
	if (p == MAP_FAILED)
		abort();
	out = p;
	out[0] = TXSTAMP_MAGIC;
}

static void txstamp_record(int64_t err_ns)
{
	uint64_t bin;

	out[1]++;
	if (err_ns < 0) {
		out[2]++;
		err_ns = 0;
	}
	if (err_ns < 1000000)
		bin = (uint64_t)err_ns / 10;
	else if (err_ns < 1000000000)
		bin = TXSTAMP_FINE + (uint64_t)(err_ns - 1000000) / 10000;
	else
		bin = TXSTAMP_BINS - 1;
	out[TXSTAMP_HEAD + bin]++;
}

/* Before the first send on fd: TX timestamps on, unless the server asks
 * for them itself (then it reads its error queue, and we must not). */
static bool txstamp_measured(int fd)
{
	int type = 0, flags = 0;
	socklen_t len = sizeof(type);

	if (!out || fd < 0 || fd >= TXSTAMP_MAX_FD)
		return false;
	if (fd_state[fd] != FD_UNKNOWN)
		return fd_state[fd] == FD_MEASURED;
	fd_state[fd] = FD_IGNORED;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_DGRAM)
		return false;
	len = sizeof(flags);
	if (getsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, &len) < 0)
		return false;
	if (flags & (SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_HARDWARE |
		     SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_ACK)) {
		out[4]++;
		return false;
	}
	flags |= TXSTAMP_FLAGS;
	if (!(flags & SOF_TIMESTAMPING_RX_SOFTWARE))
		flags |= SOF_TIMESTAMPING_OPT_RX_FILTER;
	if (real_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0) {
		flags &= ~SOF_TIMESTAMPING_OPT_RX_FILTER; /* an older kernel */
		if (real_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0)
			return false;
	}
	fd_state[fd] = FD_MEASURED;
	return true;
}

/* T3 of an NTP header, as nanoseconds since 1970 (era 0). */
static int64_t txstamp_t3_ns(const uint8_t *ntp)
{
	uint64_t x = 0;

	for (int i = 0; i < 8; i++)
		x = x << 8 | ntp[TXSTAMP_NTP_XMT + i];
	return (int64_t)((x >> 32) - NTP_UNIX_S) * 1000000000 +
	       (int64_t)(((x & 0xffffffff) * UINT64_C(1000000000)) >> 32);
}

/* Pair each copy in the error queue with its TX timestamp. */
static void txstamp_drain(int fd)
{
	static uint8_t data[TXSTAMP_BATCH][256];
	static union {
		char buf[CMSG_SPACE(sizeof(struct scm_timestamping)) +
			 CMSG_SPACE(sizeof(struct sock_extended_err) +
				    sizeof(struct sockaddr_in6)) +
			 64];
		struct cmsghdr align;
	} ctl[TXSTAMP_BATCH];
	struct mmsghdr m[TXSTAMP_BATCH];
	struct iovec iov[TXSTAMP_BATCH];
	int n, saved = errno;

	do {
		for (int i = 0; i < TXSTAMP_BATCH; i++) {
			iov[i] = (struct iovec){ data[i], sizeof(data[i]) };
			m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i],
							.msg_iovlen = 1,
							.msg_control = ctl[i].buf,
							.msg_controllen = sizeof(ctl[i].buf) };
		}
		n = recvmmsg(fd, m, TXSTAMP_BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &m[i].msg_hdr;
			const struct scm_timestamping *ts = NULL;
			unsigned len = m[i].msg_len;

			for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING)
					ts = (const void *)CMSG_DATA(c);
			/* the copy ends with the UDP payload: our 48-byte NTP reply */
			if (!ts || len < TXSTAMP_NTP_LEN || (mh->msg_flags & MSG_TRUNC) ||
			    (data[i][len - TXSTAMP_NTP_LEN] & 7) != 4) {
				out[3]++;
				continue;
			}
			txstamp_record((int64_t)ts->ts[0].tv_sec * 1000000000 + ts->ts[0].tv_nsec -
				       txstamp_t3_ns(data[i] + len - TXSTAMP_NTP_LEN));
		}
	} while (n == TXSTAMP_BATCH);
	errno = saved;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	bool measured;

	txstamp_resolve();
	measured = txstamp_measured(fd);
	ssize_t r = real_sendmsg(fd, msg, flags);

	if (measured)
		txstamp_drain(fd);
	return r;
}

int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	bool measured;

	txstamp_resolve();
	measured = txstamp_measured(fd);
	int r = real_sendmmsg(fd, vec, vlen, flags);

	if (measured)
		txstamp_drain(fd);
	return r;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	bool measured;

	txstamp_resolve();
	measured = txstamp_measured(fd);
	ssize_t r = real_sendto(fd, buf, len, flags, to, tolen);

	if (measured)
		txstamp_drain(fd);
	return r;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	txstamp_resolve();
	/* the server sets its own flags later: keep ours */
	if (level == SOL_SOCKET && name == SO_TIMESTAMPING && len >= sizeof(int) && fd >= 0 &&
	    fd < TXSTAMP_MAX_FD && fd_state[fd] == FD_MEASURED) {
		int flags = *(const int *)val | TXSTAMP_FLAGS;

		return real_setsockopt(fd, level, name, &flags, sizeof(flags));
	}
	return real_setsockopt(fd, level, name, val, len);
}

int close(int fd)
{
	txstamp_resolve();
	if (fd >= 0 && fd < TXSTAMP_MAX_FD)
		fd_state[fd] = FD_UNKNOWN;
	return real_close(fd);
}
