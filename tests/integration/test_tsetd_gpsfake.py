#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd's GPS reference against a real gpsd: Debian's gpsd under gpsfake,
fed an NMEA log (RMC + GGA, one fix a second, the time of day shifted by
SHIFT_S) through its pty, listening on 127.0.0.1:GPSD_PORT, in a network
namespace of the test's own. Two tsetd read it: A (GPS, then the local
clock at stratum 10) on 127.0.0.1:PORT_A and B (GPS alone) on PORT_B.
A second client of gpsd (TOFF_CLIENT) reads gpsd's own TOFF reports
(real - clock: what gpsd says our clock is off by).

- tset -q -j and chronyd -Q against A: stratum 1, refid GPS, and the
  offset that the TOFF reports show, within MATCH_S;
- the feed stopped (gpsfake and its gpsd stopped by PID): within the
  staleness bound (REFGPS_MAX_AGE_S, read from the source) A serves the
  local clock at stratum 10 and B says LI=3; each switch is logged;
- gpsd back: both serve GPS again (within the reconnection backoff's
  longest wait, REFCLOCK_GPSD_RETRY_MAX_S, plus gpsd's first fixes).

The switch times are printed ("note" lines) for the record. Skips
without gpsfake (Debian package gpsd-clients); under CI that is a failure.
"""

import contextlib
import functools
import json
import operator
import os
import re
import signal
import socket
import statistics
import sys
import threading
import time

import harness as h

ADDR, PORT_A, PORT_B, GPSD_PORT = "127.0.0.1", 12633, 12634, 12957
SHIFT_S = 3.0  # GPS time minus ours, give or take gpsfake's start
GPSFAKE_START_S = 3.0  # from gpsfake's start to its first sentence, about
MATCH_S = 0.05  # what every client must agree with gpsd's TOFF on
LOG_S = 600  # fixes in a log: more than the test lasts
WAIT_S = 30  # a generous deadline for a condition
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "responder")


def c_define(header, name):
    """The integer value of `#define name N` in src/responder/header."""
    with open(os.path.join(SRC, header)) as f:
        m = re.search(rf"^#define\s+{name}\s+\(?(-?\d+)\)?", f.read(), re.M)
    if not m:
        raise RuntimeError(f"{name} not found in {header}")
    return int(m.group(1))


STALE_S = c_define("refgps.h", "REFGPS_MAX_AGE_S")
RETRY_MAX_S = c_define("refclock.h", "REFCLOCK_GPSD_RETRY_MAX_S")
CONF = f"""gpsd 127.0.0.1:{GPSD_PORT}
interface ignore all
interface listen {ADDR}
server 127.127.46.0
fudge 127.127.46.0 refid GPS
"""
LOCAL = "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n"


# ---------------------------------------------------------------- NMEA

def nmea(body):
    """One NMEA 0183 sentence: $body*XX, XX the XOR of body's bytes."""
    return f"${body}*{functools.reduce(operator.xor, body.encode(), 0):02X}\r\n"


def nmea_log(path, first_s, n):
    """n fixes, one a second from Unix time first_s (whole seconds): an
    RMC (date, time, status A) and a GGA (a 3D fix) each."""
    with open(path, "w") as f:
        for k in range(n):
            t = time.gmtime(first_s + k)
            hms = time.strftime("%H%M%S.00", t)
            f.write(nmea(f"GPRMC,{hms},A,4807.038,N,01131.000,E,0.0,0.0,"
                         f"{time.strftime('%d%m%y', t)},,,A"))
            f.write(nmea(f"GPGGA,{hms},4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"))


# ---------------------------------------------------------------- gpsd

def children(pid):
    """PIDs whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
    return out


def alive(pid):
    """pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Gpsfake:
    """gpsfake with a fresh log (its first fix SHIFT_S ahead of our clock)
    and the gpsd it starts on GPSD_PORT (-n: reading the pty at once).
    stop() ends both by PID: gpsfake (SIGTERM, it then stops its gpsd),
    then the gpsd if still there."""

    def __init__(self, s, name):
        self.s, self.name = s, name
        log = s.path(name + ".nmea")
        nmea_log(log, round(time.time() + SHIFT_S + GPSFAKE_START_S), LOG_S)
        gpsfake = h.require_program("gpsfake", "gpsd-clients")
        self.proc = s.start([gpsfake, "-1", "-n", "-q", "-c", "0.5", "-P", str(GPSD_PORT),
                             log], name)
        self.gpsd = []
        s.stack.callback(self.stop)
        end = time.monotonic() + WAIT_S
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"gpsfake did not start gpsd on port {GPSD_PORT}: "
                                   + s.log_of(name)[-800:])
            time.sleep(0.05)
        self.gpsd = children(self.proc.pid)

    @staticmethod
    def answers():
        with socket.socket() as c:
            c.settimeout(0.5)
            return c.connect_ex((ADDR, GPSD_PORT)) == 0

    def stop(self):
        h.Session.stop(self.proc)
        for pid in self.gpsd:
            if alive(pid):
                os.kill(pid, signal.SIGTERM)
            end = time.monotonic() + 5
            while alive(pid) and time.monotonic() < end:
                time.sleep(0.02)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.gpsd = []


class ToffClient(threading.Thread):
    """A client of gpsd's own: ?WATCH with PPS; every TOFF report kept as
    (CLOCK_MONOTONIC when read, real - clock in seconds)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.create_connection((ADDR, GPSD_PORT), timeout=5)
        self.sock.sendall(b'?WATCH={"enable":true,"json":true,"pps":true}\n')
        self.sock.settimeout(None)
        self.toff = []
        self.start()

    def run(self):
        with contextlib.suppress(OSError):
            for line in self.sock.makefile("r", errors="replace"):
                try:
                    m = json.loads(line)
                except ValueError:
                    continue
                if m.get("class") == "TOFF":
                    self.toff.append((time.monotonic(),
                                      (m["real_sec"] - m["clock_sec"])
                                      + (m["real_nsec"] - m["clock_nsec"]) * 1e-9))

    def offsets(self, since, until):
        return [o for t, o in list(self.toff) if since <= t <= until]

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def toff_reference(client, t0, t1):
    """What gpsd's TOFF reports said while a client measured tsetd between
    t0 and t1 (CLOCK_MONOTONIC): their median over [t0 - STALE_S, t1]
    (every report whose sample tsetd may have served then; tsetd serves
    the median of its recent ones), with their range."""
    offs = client.offsets(t0 - STALE_S, t1)
    if not offs:
        return None, None, None
    return statistics.median(offs), min(offs), max(offs)


# ---------------------------------------------------------------- tsetd

def probe(port):
    return h.ntp_probe(ADDR, port, timeout_s=0.5)


def is_gps(p):
    return p is not None and p["li"] != 3 and p["stratum"] == 1 and p["refid"] == b"GPS\0"


def is_local(p):
    return p is not None and p["li"] != 3 and p["stratum"] == 10


def is_unsync(p):
    return p is not None and p["li"] == 3


def wait_all(conds, timeout_s, t0=None):
    """Poll each (port, cond) until cond holds of a reply from port; return
    {port: seconds after t0 (CLOCK_MONOTONIC, default: the call) when it
    first held, or None}."""
    t0 = time.monotonic() if t0 is None else t0
    got = {port: None for port, _ in conds}
    while time.monotonic() - t0 < timeout_s and None in got.values():
        for port, cond in conds:
            if got[port] is None and cond(probe(port)):
                got[port] = time.monotonic() - t0
        time.sleep(0.1)
    return got


def log_has(proc, text):
    return text in open(proc.logpath, errors="replace").read()


def tsetd(s, port, conf, name):
    return s.tsetd(TSETD, f"port {port}\n" + CONF + conf, name=name, probe=(ADDR, port))


def compare(what, value, ref):
    med, lo, hi = ref
    ok = value is not None and med is not None and abs(value - med) <= MATCH_S
    h.check(ok, f"{what}: offset {value} = gpsd's TOFF {med} within {MATCH_S} s "
            f"(TOFF from {lo} to {hi})")


def body(s):
    print("-- gpsd under gpsfake, tsetd A (GPS, local) and B (GPS alone)", flush=True)
    feed = Gpsfake(s, "gpsfake-1")
    toff = ToffClient()
    s.stack.callback(toff.close)
    a = tsetd(s, PORT_A, LOCAL, "tsetd-a")
    b = tsetd(s, PORT_B, "", "tsetd-b")
    got = wait_all([(PORT_A, is_gps), (PORT_B, is_gps)], WAIT_S)
    h.check(None not in got.values(), f"both serve stratum 1, refid GPS (after {got} s)")

    print("-- tset -q -j and chronyd -Q against A, and gpsd's TOFF", flush=True)
    t0 = time.monotonic()
    r = h.run_tset(TSET, ["-q", "-j", f"{ADDR}:{PORT_A}"])
    t1 = time.monotonic()
    doc = r.json or {}
    sv = h.servers_by_address(doc).get(ADDR) or {}
    h.check(r.rc == 0 and sv.get("stratum") == 1 and sv.get("refid") == "GPS",
            f"tset -q -j: exit 0, stratum 1, refid GPS ({r.rc}, {sv.get('stratum')}, "
            f"{sv.get('refid')})")
    ref = toff_reference(toff, t0, t1)
    h.check(ref[0] is not None and ref[0] > SHIFT_S / 3,
            f"gpsd's TOFF says GPS time is ahead of ours by seconds ({ref[0]}): a server "
            f"serving its own clock would not match it")
    compare("tset -q -j", doc.get("offset"), ref)
    last = toff.toff[-1][1] if toff.toff else None
    h.note(f"offsets: TOFF median {ref[0]}, last {last}; tset {doc.get('offset')} "
           f"(delay {sv.get('delay')})")

    t0 = time.monotonic()
    rc, off, rows = h.chronyd_query(s, ADDR, PORT_A, "chronyd-Q", "iburst maxsamples 4")
    t1 = time.monotonic()
    ref = toff_reference(toff, t0, t1)
    h.check(rc == 0 and rows and all(x["stratum"] == 1 and x["refid"] == "47505300"
                                     for x in rows),
            f"chronyd -Q: exit 0, every measurement stratum 1, refid GPS ({rc})")
    # chronyd prints how far the system clock is wrong, the server's time
    # minus ours: the sign of an NTP offset
    compare("chronyd -Q", off, ref)
    h.note(f"offsets: TOFF median {ref[0]}; chronyd -Q 'System clock wrong by' {off}")

    print("-- the feed stopped", flush=True)
    t_stop = time.monotonic()
    last_age = t_stop - toff.toff[-1][0] if toff.toff else None
    feed.stop()
    toff.close()
    got = wait_all([(PORT_A, is_local), (PORT_B, is_unsync)], STALE_S + 10, t0=t_stop)
    h.note(f"switch times after the feed stopped: A to the local clock {got[PORT_A]} s, "
           f"B to LI=3 {got[PORT_B]} s (staleness bound {STALE_S} s; the last TOFF "
           f"came {last_age} s before the stop)")
    h.check(got[PORT_A] is not None and got[PORT_A] <= STALE_S + 1,
            f"A serves the local clock, stratum 10, within the staleness bound {STALE_S} s "
            f"(+1 s of polling): {got[PORT_A]} s")
    h.check(got[PORT_B] is not None and got[PORT_B] <= STALE_S + 1,
            f"B (no local clock) says LI=3 within {STALE_S} s (+1 s): {got[PORT_B]} s")
    h.check(h.wait_until(lambda: log_has(a, "serving 127.127.1.0, stratum 10 (127.127.46.0: ")),
            "A logs the switch to 127.127.1.0 with the reason")
    h.check(h.wait_until(lambda: log_has(b, "no usable reference: replies say unsynchronised "
                                          "(127.127.46.0: ")),
            "B logs that it has nothing to serve, with the reason")
    p = probe(PORT_A)
    h.check(is_local(p) and p["refid"] == b"\x7f\x7f\x01\x01" if p else False,
            f"A: refid 127.127.1.1 ({p and p['refid']})")

    print("-- gpsd back", flush=True)
    down_s = time.monotonic() - t_stop
    feed = Gpsfake(s, "gpsfake-2")
    toff = ToffClient()
    s.stack.callback(toff.close)
    got = wait_all([(PORT_A, is_gps), (PORT_B, is_gps)], RETRY_MAX_S + WAIT_S)
    h.note(f"gpsd down {down_s:.1f} s; back to GPS after gpsd came back: A {got[PORT_A]} s, "
           f"B {got[PORT_B]} s")
    h.check(None not in got.values(),
            f"both serve GPS again (within {RETRY_MAX_S} s of backoff + {WAIT_S} s)")
    h.wait_until(lambda: toff.toff, WAIT_S)  # the TOFF tsetd had may be on its way to us
    t0 = time.monotonic()
    p = probe(PORT_A)
    compare("A after gpsd came back (one exchange)", p and p["offset"],
            toff_reference(toff, t0, time.monotonic()))
    h.check(a.poll() is None and b.poll() is None, "both tsetd alive")
    feed.stop()
    h.stop_all_checked(s)


if __name__ == "__main__":
    TSET, TSETD = h.tset_tsetd_args(sys.argv,
                                    "test_tsetd_gpsfake.py PATH/TO/tset PATH/TO/tsetd")
    sys.exit(h.main(body, root="tsetd binds and drops privileges as root",
                    programs=[("gpsfake", "gpsd-clients"), ("gpsd", "gpsd"),
                              ("chronyd", "chrony")]))
