#!/usr/bin/env python3
"""A small NTP server for tests: honest, offset, or misbehaving on purpose.

Usage: ntpserver.py ADDR PORT [--offset S] [--stratum N] [--behave WHAT]
                    [--delay S] [--refid XXXX] [--leap N] [--anchor-raw]
                    [--ready FILE] [--after FILE] [--mark FILE]

WHAT is one of:
  good        a correct reply (mode 4, origin = the request's transmit)
  silent      never answer (a black hole)
  origin      reply with a wrong origin timestamp
  li3         leap indicator 3 (unsynchronised)
  kod-rate    kiss-o'-death RATE (stratum 0)
  kod-deny    kiss-o'-death DENY
  kod-rstr    kiss-o'-death RSTR
  kod-ntsn    kiss-o'-death NTSN (RFC 8915): a kiss that stops nothing
  init        not synchronised yet, as ntpsec before its first sync (leap
              indicator 3, stratum 0, refid INIT): no kiss-o'-death
  truncated   the first 40 bytes of a good reply
  mode3       a reply in mode 3 (client) instead of 4
  zero-xmt    transmit timestamp zero
  duplicate   a good reply, sent twice
  rate-after-1  a good reply to the first request, kiss-o'-death RATE to the
              others
  stratum16   stratum 16
  version3    a reply of version 3 to a version-4 request
  bigdisp     root dispersion of 2 s (root distance beyond MAXDIST)
--leap N sets the leap indicator of good replies (1: a leap second is to
be inserted at the end of the month). With --anchor-raw the served time is CLOCK_REALTIME at start plus the
CLOCK_MONOTONIC_RAW elapsed since: it does not follow steps of the local
clock. --ready FILE is written once the socket is bound. It runs until
killed (SIGTERM) and answers only on loopback addresses.
--mark FILE creates FILE after each reply is sent; --after FILE holds each
reply until FILE exists (at most 0.9 s, less than tset's default timeout),
so that a server with --mark answers first (scripts/demo: the liar's
reply is always in before the honest ones).

The receive timestamp is the kernel's (SO_TIMESTAMPNS): the moment the
request arrived, however late this process got to read it on a loaded
machine; the transmit timestamp is read just before the reply is sent.
"""
import argparse
import ipaddress
import os
import signal
import socket
import struct
import sys
import time

NTP_DELTA = 2208988800
SO_TIMESTAMPNS = SCM_TIMESTAMPNS = 35  # Linux, asm-generic/socket.h


def to_ntp64(t):
    sec = int(t)
    frac = int((t - sec) * (1 << 32)) & 0xFFFFFFFF
    return ((sec + NTP_DELTA) & 0xFFFFFFFF) << 32 | frac


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--offset", type=float, default=0.0)
    ap.add_argument("--stratum", type=int, default=2)
    ap.add_argument("--behave", default="good")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--refid", default="127.0.0.1")
    ap.add_argument("--leap", type=int, default=0, choices=range(4))
    ap.add_argument("--anchor-raw", action="store_true")
    ap.add_argument("--ready")
    ap.add_argument("--after")
    ap.add_argument("--mark")
    a = ap.parse_args()

    ip = ipaddress.ip_address(a.addr)
    if not ip.is_loopback:
        sys.exit("ntpserver: loopback addresses only")
    fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind((a.addr, a.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if a.ready:
        with open(a.ready, "w") as f:
            f.write(str(os.getpid()))

    real0 = time.clock_gettime(time.CLOCK_REALTIME)
    raw0 = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)

    def now():
        if a.anchor_raw:
            return real0 + time.clock_gettime(time.CLOCK_MONOTONIC_RAW) - raw0 + a.offset
        return time.time() + a.offset

    def served(t_real):
        """The served time at CLOCK_REALTIME t_real. Anchored: RAW - REALTIME
        from a REALTIME read between two RAW reads, the narrowest of a few
        tries (a preemption between the reads would skew one)."""
        if not a.anchor_raw:
            return t_real + a.offset
        best = None
        for _ in range(8):
            r1 = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
            rt = time.clock_gettime(time.CLOCK_REALTIME)
            r2 = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
            if best is None or r2 - r1 < best[0]:
                best = (r2 - r1, (r1 + r2) / 2 - rt)
        return real0 + t_real + best[1] - raw0 + a.offset

    def arrival(ancillary):
        """The served time when the datagram arrived (its kernel stamp)."""
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", data[:16])
                return served(sec + nsec * 1e-9)
        return now()

    try:
        refid = socket.inet_aton(a.refid)
    except OSError:
        refid = a.refid.encode()[:4].ljust(4, b"\0")

    answered = 0
    while True:
        data, ancillary, _, peer = s.recvmsg(2048, socket.CMSG_SPACE(16))
        t2 = arrival(ancillary)
        if len(data) < 48 or a.behave == "silent":
            continue
        b0 = data[0]
        vn = (b0 >> 3) & 7
        if b0 & 7 != 3:
            continue
        org = data[40:48]
        li, mode, stratum, ref = a.leap, 4, a.stratum, refid
        disp = 0x00000010
        if a.behave == "li3":
            li = 3
        elif a.behave.startswith("kod-"):
            li, stratum, ref = 3, 0, a.behave[4:].upper().encode()
        elif a.behave == "init":
            li, stratum, ref = 3, 0, b"INIT"
        elif a.behave == "rate-after-1" and answered >= 1:
            li, stratum, ref = 3, 0, b"RATE"
        elif a.behave == "mode3":
            mode = 3
        elif a.behave == "stratum16":
            stratum = 16
        elif a.behave == "version3":
            vn = 3
        elif a.behave == "bigdisp":
            disp = 2 << 16
        answered += 1
        if a.behave == "origin":
            org = struct.pack("!Q", 0x0123456789ABCDEF)
        if a.delay:
            time.sleep(a.delay)
        if a.after:
            end = time.monotonic() + 0.9
            while not os.path.exists(a.after) and time.monotonic() < end:
                time.sleep(0.001)
        t3 = now()
        xmt = 0 if a.behave == "zero-xmt" else to_ntp64(t3)
        reply = struct.pack("!BBbbII4sQ8sQQ", li << 6 | vn << 3 | mode, stratum, 6, -20,
                            0x00000010, disp, ref, to_ntp64(t2 - 1), org, to_ntp64(t2), xmt)
        if a.behave == "truncated":
            reply = reply[:40]
        s.sendto(reply, peer)
        if a.behave == "duplicate":
            s.sendto(reply, peer)
        if a.mark:
            open(a.mark, "w").close()


if __name__ == "__main__":
    main()
