#!/usr/bin/env python3
"""relay.py: a small UDP relay for the benchmarks, loopback only.

Each --pair LISTEN=TARGET makes the relay receive datagrams on LISTEN and
forward them to TARGET through a socket of its own per client, and the
replies back to that client from LISTEN (so the client sees the address and
port it asked). Every datagram, in either direction, is held for a seeded
random delay: base + jitter, the jitter uniform on [0, J] or exponential with
mean J. The two directions of one exchange draw independent delays, so the
path is symmetric on average and each exchange's asymmetry is random: that is
what a client's offset error behind the relay measures.

--blackhole ADDR:PORT binds a socket that reads and drops everything: the
address is silent (no ICMP port unreachable), like a dead host.

The relay stops by itself after --lifetime seconds, or on SIGTERM/SIGINT,
and then prints how late it sent datagrams against their due time (its own
timing error) to stderr. Only loopback addresses are accepted.

    relay.py --seed 1 --base-ms 2 --jitter-ms 2 --dist exp \
        --pair 127.0.101.1:123=127.0.100.1:123 --lifetime 300
"""

import argparse
import ctypes
import heapq
import ipaddress
import random
import select
import signal
import socket
import sys
import time

PR_SET_TIMERSLACK = 29
MAX_CLIENTS = 4096      # upstream sockets kept at once (oldest closed first)
SPIN_S = 300e-6         # busy-poll this close to a due time
IDLE_S = 30.0           # an upstream socket idle this long is closed


def loopback_endpoint(text):
    host, sep, port = text.rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError("%s: want ADDR:PORT" % text)
    host = host.strip("[]")
    try:
        ip = ipaddress.ip_address(host)
        port = int(port)
    except ValueError as e:
        raise argparse.ArgumentTypeError("%s: %s" % (text, e))
    if not ip.is_loopback:
        raise argparse.ArgumentTypeError("%s: loopback addresses only" % text)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError("%s: bad port" % text)
    return (str(ip), port)


def pair(text):
    left, sep, right = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("%s: want LISTEN=TARGET" % text)
    return loopback_endpoint(left), loopback_endpoint(right)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr[0] else socket.AF_INET


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))
    return sorted_values[i]


class Relay:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.base = args.base_ms / 1e3
        self.jitter = args.jitter_ms / 1e3
        self.heap = []          # (due, seq, sock, data, dest or None)
        self.seq = 0
        self.listeners = {}     # fd -> (sock, target)
        self.upstream = {}      # (listen fd, client addr) -> [sock, last use]
        self.up_by_fd = {}      # fd -> (listen sock, client addr)
        self.silent = []
        self.late = []          # send time - due time, seconds
        self.forwarded = 0
        self.dropped = 0
        self.swallowed = 0      # read by a black hole

    def delay(self):
        if self.args.dist == "exp":
            j = self.rng.expovariate(1.0 / self.jitter) if self.jitter > 0 else 0.0
        else:
            j = self.rng.uniform(0.0, self.jitter)
        return self.base + j

    def open(self):
        for listen, target in self.args.pair:
            s = socket.socket(family_of(listen), socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(listen)
            s.setblocking(False)
            self.listeners[s.fileno()] = (s, target)
        for addr in self.args.blackhole:
            s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(addr)
            s.setblocking(False)
            self.silent.append(s)

    def schedule(self, sock, data, dest):
        self.seq += 1
        heapq.heappush(self.heap, (time.monotonic() + self.delay(), self.seq, sock, data, dest))

    def upstream_for(self, lsock, target, client, now):
        key = (lsock.fileno(), client)
        entry = self.upstream.get(key)
        if entry:
            entry[1] = now
            return entry[0]
        if len(self.upstream) >= MAX_CLIENTS:
            oldest = min(self.upstream, key=lambda k: self.upstream[k][1])
            self.close_upstream(oldest)
        u = socket.socket(family_of(target), socket.SOCK_DGRAM)
        u.bind((lsock.getsockname()[0], 0))
        u.connect(target)
        u.setblocking(False)
        self.upstream[key] = [u, now]
        self.up_by_fd[u.fileno()] = (lsock, client)
        return u

    def close_upstream(self, key):
        u = self.upstream.pop(key)[0]
        self.up_by_fd.pop(u.fileno(), None)
        u.close()

    def expire(self, now):
        for key in [k for k, v in self.upstream.items() if now - v[1] > IDLE_S]:
            self.close_upstream(key)

    def drain(self, sock):
        while True:
            try:
                data, addr = sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:     # e.g. ECONNREFUSED from a connected upstream
                self.dropped += 1
                return
            yield data, addr

    def send_due(self):
        now = time.monotonic()
        while self.heap and self.heap[0][0] <= now:
            due, _, sock, data, dest = heapq.heappop(self.heap)
            try:
                if dest is None:
                    sock.send(data)
                else:
                    sock.sendto(data, dest)
                self.forwarded += 1
            except OSError:
                self.dropped += 1
                continue
            self.late.append(time.monotonic() - due)
            now = time.monotonic()

    def run(self):
        end = time.monotonic() + self.args.lifetime
        last_expire = time.monotonic()
        self.stop = False
        while not self.stop:
            now = time.monotonic()
            if now >= end:
                break
            self.send_due()
            now = time.monotonic()
            timeout = min(end - now, 0.25)     # so a signal is seen soon
            if self.heap:
                # sleep until SPIN_S before the next due time, then poll:
                # select's wake-up alone is late by tens of microseconds
                wait = self.heap[0][0] - now
                timeout = min(timeout, 0.0 if wait < SPIN_S else wait - SPIN_S)
            fds = list(self.listeners) + list(self.up_by_fd) + [s.fileno() for s in self.silent]
            try:
                ready, _, _ = select.select(fds, [], [], timeout)
            except InterruptedError:
                continue
            now = time.monotonic()
            for fd in ready:
                if fd in self.listeners:
                    lsock, target = self.listeners[fd]
                    for data, client in self.drain(lsock):
                        u = self.upstream_for(lsock, target, client, now)
                        self.schedule(u, data, None)
                elif fd in self.up_by_fd:
                    lsock, client = self.up_by_fd[fd]
                    u = self.upstream[(lsock.fileno(), client)]
                    u[1] = now
                    for data, _ in self.drain(u[0]):
                        self.schedule(lsock, data, client)
                else:
                    for s in self.silent:
                        if s.fileno() == fd:
                            for _ in self.drain(s):
                                self.swallowed += 1
            if now - last_expire > 5.0:
                self.expire(now)
                last_expire = now

    def report(self):
        late = sorted(self.late)
        if not late:
            sys.stderr.write("relay: seed %d: forwarded 0 datagrams, dropped %d, black-holed %d\n"
                             % (self.args.seed, self.dropped, self.swallowed))
            sys.stderr.flush()
            return
        sys.stderr.write(
            "relay: seed %d: forwarded %d datagrams, dropped %d, black-holed %d; lateness vs due "
            "time: median %.0f us, p99 %.0f us, max %.0f us\n"
            % (self.args.seed, self.forwarded, self.dropped, self.swallowed,
               percentile(late, 0.5) * 1e6, percentile(late, 0.99) * 1e6,
               late[-1] * 1e6))
        sys.stderr.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pair", type=pair, action="append", default=[],
                   help="LISTEN=TARGET, both ADDR:PORT on loopback (repeatable)")
    p.add_argument("--blackhole", type=loopback_endpoint, action="append", default=[],
                   help="ADDR:PORT to bind and never answer (repeatable)")
    p.add_argument("--seed", type=int, default=None, help="RNG seed (default: random, printed)")
    p.add_argument("--base-ms", type=float, default=2.0, help="fixed delay per datagram, ms")
    p.add_argument("--jitter-ms", type=float, default=2.0,
                   help="jitter: uniform width or exponential mean, ms")
    p.add_argument("--dist", choices=("exp", "uniform"), default="exp")
    p.add_argument("--lifetime", type=float, default=600.0, help="stop after this many seconds")
    args = p.parse_args()
    if not args.pair and not args.blackhole:
        p.error("nothing to do: give --pair or --blackhole")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    # the kernel's default 50 us timer slack would add to every hold
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass

    relay = Relay(args)
    relay.open()

    def on_signal(signo, frame):
        relay.stop = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    print("relay: seed %d, delay %.3f ms + %s jitter %.3f ms, pairs %s, blackholes %s, lifetime %.0f s"
          % (args.seed, args.base_ms, args.dist, args.jitter_ms,
             " ".join("%s:%d=%s:%d" % (l[0], l[1], t[0], t[1]) for l, t in args.pair) or "-",
             " ".join("%s:%d" % a for a in args.blackhole) or "-", args.lifetime), flush=True)
    try:
        relay.run()
    finally:
        relay.report()


if __name__ == "__main__":
    main()
