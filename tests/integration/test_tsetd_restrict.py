#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd's `restrict` and rate limiting, from several loopback sources.

    test_tsetd_restrict.py PATH/TO/tset PATH/TO/tsetd

A client "from 127.0.0.2" is a socket bound to 127.0.0.2 before it sends
(loopback carries any 127/8 source). tsetd instances (started and stopped
by this test, by PID; `interface ignore all` + loopback addresses only):
  127.0.0.41:12540 (+ ::1)  restrict default ignore; restrict 127.0.0.1;
                            restrict ::1
  127.0.0.41:12541          restrict default noserve; restrict 127.0.0.1
  127.0.0.41:12542          longest prefix: 127.0.0.2 (nothing), 127.0.0.0
                            mask 255.255.255.0 ignore, 127.0.0.0/16 noserve
  127.0.0.41:12543          the guide's config of tsetd(8) (restrict
                            default kod nomodify notrap nopeer noquery ...)
  127.0.0.41:12544          restrict default limited kod; restrict 127.0.0.4
  127.0.0.41:12545          restrict default limited (no kod)
  127.0.0.41:12546          limited kod, discard average 3 minimum 1
  127.0.0.41:12547          limited kod, discard average 1 (drains in seconds)
  127.0.0.41:12548          `restrict ... notrust`: only authenticated clients
  ::1:12549                 limited kod, in a network namespace of the test's
                            own (a thread of it) where fd00:1::/64 and
                            fd00:2::/64 are local: one host sending from 200
                            addresses of its /64 is one client (root)
Rate limiting follows ntpd's leaky bucket (ratelimit.h): per client, a
request drains the bucket by the whole seconds (rounded) since the previous
one; it is served when it comes at least `minimum` - 1 s after the previous
one and the bucket is below 8 * 2^average s, and then adds 2^average - 2 s;
the first limited request fills the bucket past the limit and gets the
RATE KoD (with `kod`), the next ones nothing until it has drained. The
expected verdict of each request is computed from that model and the send
times, and compared one by one. With the defaults (average 3, minimum 2),
20 requests in a second get 1 answer, 1 KoD, then silence; the KoD's poll
is max(the client's poll, discard average). Root is needed only for the
namespace of the IPv6 check. Exit 0 pass, 1 fail, 77 skip.
"""

import ctypes
import hashlib
import math
import os
import random
import select
import socket
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
from harness import check, note  # noqa: E402

ADDR = "127.0.0.41"
LOCAL = "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n"

tset = tsetd = None


def conf(*lines, port, v6=False):
    out = [LOCAL] + [x + "\n" for x in lines] + ["interface ignore all\n",
                                                  f"interface listen {ADDR}\n"]
    if v6:
        out.append("interface listen ::1\n")
    return "".join(out) + f"port {port}\n"


def answered(src, port, dst=ADDR):
    """One request from src; the decoded reply or None."""
    r = h.ntp_ask(dst, port, h.ntp_packet(), src=src)
    return h.ntp_fields(r[0]) if r else None


def served(f):
    return f is not None and f["mode"] == 4 and f["stratum"] == 10 and f["li"] != 3


def counters(proc):
    return h.tsetd_ask_counters(proc) or {}


def delta(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in h.TSETD_COUNTER_NAMES
            if b.get(k, 0) != a.get(k, 0)}


# ---------------------------------------------------------------- access

def test_ignore_noserve(s, p_ign, p_nos):
    v6 = h.have_ipv6_loopback()
    for proc, port, flag in ((p_ign, 12540, "ignore"), (p_nos, 12541, "noserve")):
        what = f"restrict default {flag} + restrict 127.0.0.1"
        c0 = counters(proc)
        f1 = answered("127.0.0.1", port)
        f2 = answered("127.0.0.2", port)
        f3 = answered("127.0.0.3", port)
        c1 = counters(proc)
        check(served(f1), f"{what}: a request from 127.0.0.1 is answered")
        check(f2 is None, f"{what}: one from 127.0.0.2 gets nothing")
        check(f3 is None, f"{what}: one from 127.0.0.3 gets nothing")
        d = delta(c0, c1)
        check(d == {"received": 3, "served": 1, "restrict drops": 2},
              f"{what}: counted: received 3, served 1, restrict drops 2 ({d})")
        if v6 and flag == "ignore":
            f6 = answered("::1", port, dst="::1")
            check(served(f6), f"{what} + restrict ::1: a request from ::1 is answered")


def test_longest_prefix(s):
    # the specific line first: the longest prefix wins, not the order
    for src, want in (("127.0.0.2", True), ("127.0.0.1", False), ("127.0.0.200", False),
                      ("127.0.1.1", False), ("127.1.0.1", True)):
        f = answered(src, 12542)
        check(served(f) == want,
              f"longest prefix (127.0.0.2 > 127.0.0.0/24 ignore > 127.0.0.0/16 noserve > "
              f"default): from {src}: {'answered' if want else 'nothing'}")


def test_guide(s):
    for src in ("127.0.0.1", "127.0.0.2"):
        f = answered(src, 12543)
        check(served(f) and f["refid"] == bytes([127, 127, 1, 1]),
              f"the guide's config (default kod nomodify notrap nopeer noquery; the GPS "
              f"skipped): from {src}: answered by the local clock, stratum 10")
    note("notices at start: " + " | ".join(
        line for line in s.log_of("guide").splitlines() if "127.127.46" in line))


# ---------------------------------------------------------------- rate limiting

def bucket(average, minimum, times):
    """ntpd's per-client leaky bucket (ratelimit.h): the verdict of a
    request at each of times (seconds, increasing): pass, kod, or drop."""
    head, out, leak, last = 2 ** average, [], 0, None
    limit = 8 * head
    for t in times:
        interval = 2**31 if last is None else math.floor(t - last + 0.5)
        last = t
        leak = max(0, leak - interval)
        if interval + 1 >= minimum and leak + head < limit:
            leak = leak + head - 2
            out.append("pass")
        elif leak < limit:
            leak = limit + head
            out.append("kod")
        else:
            out.append("drop")
    return out


class Client:
    """A socket bound to a loopback source; each request carries a unique
    transmit timestamp, the replies are matched to it by their origin."""

    def __init__(self, src, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((src, 0))
        self.sock.setblocking(False)
        self.src, self.port = src, port
        self.sent = []  # (monotonic time, cookie)
        self.replies = {}  # cookie -> [reply fields]
        self.n = 0

    def send(self):
        self.n += 1
        cookie = struct.pack("!II", 0xA0000000 | os.getpid() & 0xffff, self.n)
        self.sock.sendto(h.ntp_packet(xmt=cookie), (ADDR, self.port))
        self.sent.append((time.monotonic(), cookie))
        return cookie

    def collect(self, until):
        while True:
            left = until - time.monotonic()
            r, _, _ = select.select([self.sock], [], [], max(0.0, left))
            if r:
                data, _ = self.sock.recvfrom(2048)
                f = h.ntp_fields(data)
                if f:
                    self.replies.setdefault(data[24:32], []).append(f)
            elif left <= 0:
                return

    def verdicts(self):
        """pass / kod / drop per request sent, from the replies seen (a
        reply that is neither a plain answer nor a RATE KoD is 'other')."""
        out = []
        for _, cookie in self.sent:
            rs = self.replies.get(cookie, [])
            if not rs:
                out.append("drop")
            elif len(rs) > 1:
                out.append("several")
            elif rs[0]["stratum"] == 0 and rs[0]["refid"] == b"RATE":
                out.append("kod")
            elif served(rs[0]):
                out.append("pass")
            else:
                out.append("other")
        return out

    def burst(self, n, gap, during=None):
        """n requests gap seconds apart; during(i) is called after the i-th."""
        t0 = time.monotonic()
        for i in range(n):
            self.collect(t0 + i * gap)
            self.send()
            if during:
                during(i)
        self.collect(time.monotonic() + 0.2)

    def close(self):
        self.sock.close()


def times_of(c):
    return [t for t, _ in c.sent]


def kod_fields_ok(c):
    """Every KoD: LI 3, stratum 0, refid RATE, mode 4, version 4, origin = the
    request's transmit, 48 bytes."""
    ok = True
    for _, cookie in c.sent:
        for f in c.replies.get(cookie, []):
            if f["stratum"] == 0:
                ok &= (f["li"] == 3 and f["refid"] == b"RATE" and f["mode"] == 4 and
                       f["version"] == 4 and f["org"] == struct.unpack("!Q", cookie)[0] and
                       f["len"] == 48)
    return ok


def show(v):
    return " ".join({"pass": "A", "kod": "K", "drop": "-"}.get(x, "?" + x) for x in v)


def test_limited_kod(s, proc):
    what = "restrict default limited kod (discard average 3 minimum 2, the defaults)"
    a = Client("127.0.0.2", 12544)
    b = Client("127.0.0.3", 12544)
    c0 = counters(proc)

    def meanwhile(i):
        if i == 9:  # after A's answer and KoD: another client is served
            b.send()

    a.burst(20, 0.045, meanwhile)
    b.collect(time.monotonic() + 0.1)
    span = a.sent[-1][0] - a.sent[0][0]
    got, want = a.verdicts(), bucket(3, 2, times_of(a))
    note(f"{what}: 20 requests from 127.0.0.2 in {span:.3f} s: {show(got)} "
         f"(A answer, K KoD, - nothing)")
    # the verdicts follow from the send times as measured (bucket()); the
    # pattern below holds for any gaps under 8.5 s, however loaded
    check(got == want, f"{what}: as ntpd's bucket says: {show(want)}")
    check(got == ["pass", "kod"] + ["drop"] * 18,
          f"{what}: 1 answer, then 1 RATE KoD, then silence")
    check(kod_fields_ok(a), f"{what}: the KoD: LI 3, stratum 0, refid RATE, mode 4, version 4, "
          f"origin = that request's transmit, 48 bytes")
    kod = next((a.replies[ck][0] for _, ck in a.sent
                if ck in a.replies and a.replies[ck][0]["stratum"] == 0), None)
    if kod:
        note(f"the KoD: receive {kod['rec']:#x}, transmit {kod['xmt']:#x} (= its origin "
             f"{kod['org']:#x}), poll {kod['poll']}, precision {kod['precision']}")
    check(b.verdicts() == ["pass"], f"{what}: meanwhile 127.0.0.3 is served ({b.verdicts()})")
    d = delta(c0, counters(proc))
    check(d.get("kod sent") == 1 and d.get("rate-limited") == 18 and d.get("served") == 2,
          f"{what}: counted: served 2, kod sent 1, rate-limited 18 ({d})")
    a.close()
    b.close()

    # a more specific restrict line without `limited`
    c = Client("127.0.0.4", 12544)
    c.burst(20, 0.045)
    check(c.verdicts() == ["pass"] * 20,
          f"restrict 127.0.0.4 (no limited) under default limited kod: 20 of 20 answered "
          f"({show(c.verdicts())})")
    c.close()


def test_limited_no_kod(s, proc):
    what = "restrict default limited (no kod)"
    a = Client("127.0.0.2", 12545)
    c0 = counters(proc)
    a.burst(20, 0.045)
    got = a.verdicts()
    note(f"{what}: 20 requests in a second: {show(got)}")
    check(got == ["pass"] + ["drop"] * 19, f"{what}: 1 answer, then silence, no KoD")
    d = delta(c0, counters(proc))
    check(d.get("rate-limited") == 19 and not d.get("kod sent"),
          f"{what}: counted: rate-limited 19, kod sent 0 ({d})")
    a.close()


def test_burst_allowance(s, proc):
    what = "limited kod, discard average 3 minimum 1"
    a = Client("127.0.0.2", 12546)
    a.burst(20, 0.045)
    got, want = a.verdicts(), bucket(3, 1, times_of(a))
    note(f"{what}: 20 requests in a second: {show(got)}")
    check(got == want, f"{what}: as ntpd's bucket says: {show(want)}")
    n_pass = got.index("kod") if "kod" in got else None
    check(n_pass is not None and n_pass > 2 and got[n_pass + 1:] == ["drop"] * (19 - n_pass),
          f"{what}: a few answers ({n_pass}), then one RATE KoD, then silence")
    check(kod_fields_ok(a), f"{what}: the KoD's fields")
    a.close()


def test_drain(s, proc):
    what = "limited kod, discard average 1 (2 s)"
    a = Client("127.0.0.2", 12547)
    a.burst(3, 0.045)
    for pause in (3.0, 5.0, 0.1):  # after 0.2 s of collecting: gaps ~3.2, ~5.2, ~0.3 s
        a.collect(time.monotonic() + pause)
        a.send()
        a.collect(time.monotonic() + 0.2)
    got, want = a.verdicts(), bucket(1, 2, times_of(a))
    gaps = [f"{t2 - t1:.2f}" for t1, t2 in zip(times_of(a), times_of(a)[1:])]
    note(f"{what}: gaps {gaps}: {show(got)}")
    check(got == want, f"{what}: as ntpd's bucket says: {show(want)}")
    check(got == ["pass", "kod", "drop", "kod", "pass", "kod"],
          f"{what}: burst A K -, 3.2 s later a KoD again (one per interval), 5.2 s later an "
          f"answer (drained), then limited again at once")
    a.close()


# what besides the table a flood may make resident: a few pages
RSS_SLACK_KB = 64


def rss_kb(proc):
    """The resident memory of proc, kB. smaps_rollup counts the resident
    pages themselves (exact); status's VmRSS is the kernel's cached,
    approximate counter."""
    for line in open(f"/proc/{proc.pid}/smaps_rollup"):
        if line.startswith("Rss:"):
            return int(line.split()[1])
    return 0


def flood(proc, port, xs):
    """One request from each of 127.X.Y.9 (X in xs, Y in 0..255), a batch
    of 256 at a time, each read by tsetd (its counters say so) before the
    next: none is lost to a full socket buffer. Returns (sent, received)."""
    c0 = counters(proc).get("received", 0)
    n = 0
    for x in xs:
        for y in range(0, 256):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
                sk.bind((f"127.{x}.{y}.9", 0))
                sk.sendto(h.ntp_packet(), (ADDR, port))
            n += 1
        end = time.monotonic() + 10
        while counters(proc).get("received", 0) - c0 < n and time.monotonic() < end:
            time.sleep(0.01)
    return n, counters(proc).get("received", 0) - c0


def test_table_bounded(s, proc):
    """Many sources (127.x.y.z) against the fixed-size table (ratelimit.h:
    4096 clients, 128 KiB, allocated when tsetd starts). A first flood of
    10,240 sources, 2.5 times what it holds, makes all of it resident
    whatever the allocator did at start; a second one of 10,240 new sources
    must then grow tsetd by nothing but a few pages. A table that remembered
    every client would grow by 10,240 x 32 bytes, 320 KiB."""
    t0 = time.monotonic()
    sent, got = flood(proc, 12544, range(2, 42))
    before = rss_kb(proc)
    sent2, got2 = flood(proc, 12544, range(42, 82))
    after = rss_kb(proc)
    note(f"{sent} then {sent2} distinct sources in {time.monotonic() - t0:.1f} s: tsetd "
         f"received {got} and {got2}; Rss between the floods {before} -> {after} kB")
    check(got == sent and got2 == sent2,
          f"rate-limit table: tsetd read every request of both floods ({got}, {got2})")
    check(after - before <= RSS_SLACK_KB,
          f"rate-limit table: {sent2} more sources grow tsetd by at most {RSS_SLACK_KB} KiB, "
          f"its table being full already: {after - before} kB")
    check(answered("127.0.0.1", 12544) is not None and proc.poll() is None,
          "tsetd still answers a new client afterwards")


def kod_of(c):
    """The first RATE KoD that client c received, or None."""
    return next((f for _, ck in c.sent for f in c.replies.get(ck, [])
                 if f["stratum"] == 0 and f["refid"] == b"RATE"), None)


def test_kod_poll(s, p_kod, p_a1):
    """The RATE KoD's poll is at least `discard average` (log2 s), as ntpd
    sends it, so that a client backs off; a longer client poll is kept."""
    for proc, port, average, src, poll in ((p_kod, 12544, 3, "127.0.0.5", 0),
                                           (p_kod, 12544, 3, "127.0.0.6", 7),
                                           (p_a1, 12547, 1, "127.0.0.5", 0),
                                           (p_a1, 12547, 1, "127.0.0.6", -2)):
        what = f"discard average {average}, a client from {src} polling at 2^{poll} s"
        c = Client(src, port)
        for _ in range(2):
            c.sock.sendto(h.ntp_packet(poll=poll), (ADDR, port))
        c.sent = []
        c.n = 0
        c.collect(time.monotonic() + 0.3)
        c.close()
        # the replies of the two requests, in any order: one answer, one KoD
        got = [f for fs in c.replies.values() for f in fs]
        kods = [f for f in got if f["stratum"] == 0 and f["refid"] == b"RATE"]
        answers = [f for f in got if served(f)]
        check(len(kods) == 1 and len(answers) == 1,
              f"{what}: one answer, one RATE KoD ({len(answers)}, {len(kods)})")
        want = max(poll, average)
        check(kods and kods[0]["poll"] == want,
              f"{what}: the KoD's poll is max(client, average) = {want} "
              f"({kods[0]['poll'] if kods else None})")
        check(answers and answers[0]["poll"] == poll,
              f"{what}: the answer echoes the client's poll {poll} "
              f"({answers[0]['poll'] if answers else None})")


def signed(key_id, key):
    """A client request with the RFC 5905 MD5 MAC of key (bytes)."""
    pkt = h.ntp_packet()
    return pkt + struct.pack("!I", key_id) + hashlib.md5(key + pkt).digest()


def test_notrust_serves_only_authenticated(s):
    """restrict ... notrust: as in ntpd, only a client that authenticates is
    served, with a MAC of its own key; a wrong key or none gets nothing."""
    kf = s.write("notrust.keys", "1 MD5 notrust-key\n2 MD5 other-key\n")
    os.chmod(kf, 0o600)
    s.tsetd(tsetd, conf(f"keys {kf}", "trustedkey 1", "restrict default kod",
                        "restrict 127.0.0.0 mask 255.0.0.0 nomodify notrust",
                        port=12548), name="notrust")
    plain = h.ntp_ask(ADDR, 12548, h.ntp_packet(), src="127.0.0.1")
    check(plain is None, "notrust: a request without a MAC gets no reply")
    for what, kid, key in (("a wrong key", 1, b"wrong"), ("an untrusted key", 2, b"other-key")):
        r = h.ntp_ask(ADDR, 12548, signed(kid, key), src="127.0.0.1")
        check(r is None, f"notrust: a request with {what} gets no reply")
    req = signed(1, b"notrust-key")
    r = h.ntp_ask(ADDR, 12548, req, src="127.0.0.1")
    rep = r[0] if r else b""
    ok = (len(rep) == len(req) and rep[48:52] == struct.pack("!I", 1)
          and hashlib.md5(b"notrust-key" + rep[:48]).digest() == rep[52:68])
    check(ok and served(h.ntp_fields(rep)),
          f"notrust: a request with trusted key 1 is served, with a valid MAC of key 1 "
          f"and no longer than the request ({len(rep)} bytes)")


CLONE_NEWNET = 0x40000000
IPV6_FREEBIND = 78  # linux/in6.h


def in_own_netns(fn):
    """fn() in a thread of this process that has its own network namespace
    (a new lo, up), so that the test may add routes there; what it
    returned, or the exception it raised. Processes started from it live
    in that namespace."""
    out = {}

    def run():
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
            out["value"] = fn()
        except BaseException as e:  # noqa: B036: handed to the caller
            out["error"] = e
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


def test_ipv6_limited_per_64(s):
    """One IPv6 host that sends each request from another address of its
    /64 is rate-limited like one client; another /64 is another client.
    In a namespace of the test's own, fd00:1::/64 and fd00:2::/64 are
    local (`ip -6 route add local ... dev lo`); each request leaves a new
    socket bound (IPV6_FREEBIND) to a random address in fd00:1::/64 for
    tsetd on ::1."""
    if os.geteuid() != 0:
        h.skip_part("not root: rate limiting per /64 needs routes in a network namespace")
        return

    def body():
        for net in ("fd00:1::/64", "fd00:2::/64"):
            subprocess.run(["ip", "-6", "route", "add", "local", net, "dev", "lo"], check=True)
        proc = s.tsetd(tsetd, conf("restrict default limited kod", port=12549, v6=True),
                       name="v6prefix")
        c0 = counters(proc)
        socks, sent = [], []
        t0 = time.monotonic()
        for i in range(200):
            sk = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            sk.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
            src = f"fd00:1::{random.getrandbits(16):x}:{random.getrandbits(16):x}:" \
                  f"{random.getrandbits(16):x}:{i + 1:x}"
            sk.bind((src, 0))
            sk.setblocking(False)
            cookie = struct.pack("!II", 0xB0000000, i)
            sk.sendto(h.ntp_packet(xmt=cookie), ("::1", 12549))
            socks.append(sk)
            sent.append(time.monotonic())
            time.sleep(0.002)
        span = sent[-1] - t0
        other = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        other.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
        other.bind(("fd00:2::1", 0))
        other.settimeout(1.0)
        other.sendto(h.ntp_packet(), ("::1", 12549))
        try:
            f_other = h.ntp_fields(other.recv(2048))
        except OSError:
            f_other = None
        other.close()
        verdicts = []
        end = time.monotonic() + 0.5
        replies = {}
        while time.monotonic() < end:
            r, _, _ = select.select(socks, [], [], max(0.0, end - time.monotonic()))
            for sk in r:
                replies.setdefault(sk, []).append(h.ntp_fields(sk.recv(2048)))
        for sk in socks:
            fs = replies.get(sk, [])
            verdicts.append("drop" if not fs else "several" if len(fs) > 1 else
                            "kod" if fs[0]["stratum"] == 0 and fs[0]["refid"] == b"RATE"
                            else "pass" if served(fs[0]) else "other")
            sk.close()
        return span, verdicts, f_other, delta(c0, counters(proc)), sent

    span, got, f_other, d, sent = in_own_netns(body)
    want = bucket(3, 2, sent)
    what = "restrict default limited kod, one host rotating its source in fd00:1::/64"
    note(f"{what}: 200 requests, each from a new address, in {span:.3f} s: "
         f"{show(got[:12])} ... ({got.count('pass')} answered, {got.count('kod')} KoD)")
    check(got == want, f"{what}: limited as one client, as ntpd's bucket says "
          f"({show(want[:4])} ...)")
    check(got.count("pass") + got.count("kod") <= 10 and got.count("drop") >= 190,
          f"{what}: a few replies at most (one client's burst), the rest silence, not 200 "
          f"answers ({got.count('pass')} answers, {got.count('kod')} KoD)")
    check(served(f_other), "meanwhile a host in fd00:2::/64 is another client: answered")
    n_pass, n_kod = got.count("pass"), got.count("kod")
    want_d = {"received": 201, "served": n_pass + 1, "kod sent": n_kod,
              "rate-limited": 200 - n_pass - n_kod}
    check(d == {k: v for k, v in want_d.items() if v},
          f"{what}: counted: received 201, served {n_pass + 1}, kod sent {n_kod}, "
          f"rate-limited {200 - n_pass - n_kod} ({d})")


# ---------------------------------------------------------------- main

def body(s):
    v6 = h.have_ipv6_loopback()
    p_ign = s.tsetd(tsetd, conf("restrict default ignore", "restrict 127.0.0.1",
                                "restrict ::1", port=12540, v6=v6), name="ignore")
    p_nos = s.tsetd(tsetd, conf("restrict default noserve", "restrict 127.0.0.1",
                                port=12541), name="noserve")
    s.tsetd(tsetd, conf("restrict 127.0.0.2", "restrict 127.0.0.0 mask 255.255.255.0 ignore",
                        "restrict 127.0.0.0/16 noserve", port=12542), name="prefix")
    s.tsetd(tsetd, conf("server 127.127.46.0",
                        "fudge 127.127.46.0 time1 0.0 time2 0.0 refid GPS",
                        "restrict default kod nomodify notrap nopeer noquery",
                        "restrict 127.0.0.1", "restrict -6 ::1", port=12543), name="guide")
    p_kod = s.tsetd(tsetd, conf("restrict default limited kod", "restrict 127.0.0.4",
                                port=12544), name="kod")
    p_lim = s.tsetd(tsetd, conf("restrict default limited", port=12545), name="limited")
    p_m1 = s.tsetd(tsetd, conf("restrict default limited kod", "discard average 3 minimum 1",
                               port=12546), name="minimum1")
    p_a1 = s.tsetd(tsetd, conf("restrict default limited kod", "discard average 1",
                               port=12547), name="average1")
    test_ignore_noserve(s, p_ign, p_nos)
    test_longest_prefix(s)
    test_guide(s)
    test_limited_kod(s, p_kod)
    test_limited_no_kod(s, p_lim)
    test_burst_allowance(s, p_m1)
    test_drain(s, p_a1)
    test_table_bounded(s, p_kod)
    test_kod_poll(s, p_kod, p_a1)
    test_notrust_serves_only_authenticated(s)
    test_ipv6_limited_per_64(s)
    h.stop_all_checked(s)


def main():
    global tset, tsetd
    tset, tsetd = h.tset_tsetd_args(sys.argv, "test_tsetd_restrict.py PATH/TO/tset PATH/TO/tsetd")
    return h.main(body)


if __name__ == "__main__":
    sys.exit(main())
