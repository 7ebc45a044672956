#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd's GPS reference (server 127.127.46.u) against a fake gpsd of our
own (fakegpsd.py) on 127.0.0.1:12947, tsetd on 127.0.0.1:12623, in a
network namespace of the test's own:

- a pulse with a known offset is served within 1 ms (plus half the
  measured round trip), time1 applied, at stratum 1 with the refid of the
  fudge line and the PPS precision; tset -q -d shows stratum 1, GPS;
- the fix lost: the local clock is served (its stratum), and GPS again
  when the fix comes back; without a local clock, LI=3;
- garbage, a cut report and a line far longer than a report: tsetd lives,
  a cut TPV saying "mode":3 is not taken as a fix, GPS is served after;
- gpsd closing and coming back: tsetd reconnects and serves GPS again;
- a gpsd address that drops connection requests: tsetd serves at once,
  gives the attempt up after its connect timeout, connects later;
- two devices: unit N follows /dev/gpsN;
- the status line (SIGUSR1) and the status file in $RUNTIME_DIRECTORY.
"""

import socket
import sys
import time

import fakegpsd
import harness as h

ADDR, PORT, GPSD_PORT = "127.0.0.1", 12623, 12947
BASE = f"""gpsd 127.0.0.1:{GPSD_PORT}
port {PORT}
interface ignore all
interface listen {ADDR}
"""
LOCAL = "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n"
STALE_S = 8  # REFGPS_MAX_AGE_S
CONNECT_TIMEOUT_S = 5  # REFCLOCK_GPSD_CONNECT_TIMEOUT_S
WAIT_S = 20  # a generous deadline for a condition


def ask():
    return h.ntp_exchange(ADDR, PORT)


def wait_for(cond, timeout_s=WAIT_S):
    return h.wait_exchange(ADDR, PORT, cond, timeout_s)


def wait_log(proc, text, timeout_s=WAIT_S):
    """True once text is in proc's log (it is written at the next tick)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if text in open(proc.logpath, errors="replace").read():
            return True
        time.sleep(0.05)
    return False


def gps(f, _off):
    return f["stratum"] == 1 and f["refid"] == b"GPS\0"


def local(f, _off):
    return f["stratum"] == 10


def start(s, conf, name, fake=None):
    env = {"RUNTIME_DIRECTORY": s.path(name + "-run")}
    return s.tsetd(TSETD, BASE + conf, name=name, env=env, probe=(ADDR, PORT))


def status(s, name, cond=lambda st: True, timeout_s=WAIT_S):
    return h.tsetd_status(s.path(name + "-run"), cond, timeout_s)


def pps_with_time1(s):
    """PPS 3.25 s ahead, the serial time 80 ms later still, time1 4 ms:
    3.254 s served, from the pulse."""
    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT,
                             [fakegpsd.Device("/dev/gps0", 3.25, serial_bias_s=0.080)])
    try:
        proc = start(s, "server 127.127.46.0\nfudge 127.127.46.0 time1 0.004 refid GPS\n" + LOCAL,
                     "pps")
        a, t = wait_for(lambda f, o: gps(f, o) and f["precision"] == -20)
        h.check(a is not None, f"stratum 1, refid GPS, PPS precision -20 (after {t} s)")
        worst = 0.0
        for _ in range(5):
            f, off, delay = ask()
            err = abs(off - 3.254)
            worst = max(worst, err - delay / 2)
            time.sleep(0.2)
        h.note(f"offset served {off:+.6f} s, delay {delay:.6f} s")
        h.check(worst <= 0.001, f"served 3.254 s (PPS 3.25 + time1 0.004) within 1 ms + "
                f"delay/2 (worst excess {worst * 1e3:.3f} ms)")
        r = h.run_tset(TSET, ["-q", "-d", f"{ADDR}:{PORT}"])
        h.check(r.rc == 0 and "GPS" in r.out + r.err and "stratum 1" in (r.out + r.err).lower(),
                f"tset -q -d shows stratum 1 refid GPS (exit {r.rc})")
        h.note(" | ".join(l for l in (r.out + r.err).splitlines() if "GPS" in l))
        counters = h.tsetd_ask_counters(proc)
        log = open(proc.logpath).read()
        h.check(counters is not None and "reference 127.127.46.0 (gpsd, refid GPS, stratum 1): "
                "serving" in log, "the status line names the served reference")
        st = status(s, "pps", lambda st: st["references"][0]["source"] == "pps")
        ref = st["references"][0]
        h.check(st["serving"] == "127.127.46.0" and ref["source"] == "pps"
                and abs(ref["offset"] - 3.254) < 0.001 and ref["reach"] > 0,
                f"status.json: serving 127.127.46.0 from pps, offset {ref['offset']}")
        return proc
    finally:
        fake.close()


def fix_lost(s):
    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT, [fakegpsd.Device("/dev/gps0", 1.5)])
    try:
        proc = start(s, "server 127.127.46.0\n" + LOCAL, "fix")
        a, _ = wait_for(gps)
        h.check(a is not None, "fix: GPS served")
        fake.devices[0].mode = 1
        a, t = wait_for(local)
        h.check(a is not None and t < 3, f"fix lost (mode 1): the local clock served after "
                f"{t} s (a TPV a second)")
        h.check(wait_log(proc, "serving 127.127.1.0, stratum 10 (127.127.46.0: no fix)"),
                "the switch is logged with its reason")
        fake.devices[0].mode = 3
        a, t = wait_for(gps)
        h.check(a is not None, f"fix back: GPS served again after {t} s")
        h.check(abs(a[1] - 1.5) < 0.01 + a[2] / 2, f"offset {a[1]:+.6f} s")
    finally:
        fake.close()


def no_local_li3(s):
    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT, [fakegpsd.Device("/dev/gps0", 1.5)])
    try:
        start(s, "server 127.127.46.0\n", "li3")
        h.check(wait_for(gps)[0] is not None, "GPS alone: served")
        fake.devices[0].mode = 1
        a, t = wait_for(lambda f, o: f["li"] == 3 and f["stratum"] == 0)
        h.check(a is not None, f"fix lost, no local clock: LI=3, stratum 0 after {t} s")
    finally:
        fake.close()


def garbage(s):
    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT,
                             [fakegpsd.Device("/dev/gps0", 1.5, mode=1, pps=False)])
    try:
        proc = start(s, "server 127.127.46.0\n" + LOCAL, "garbage")
        end = time.monotonic() + WAIT_S
        while fake.n_watching() == 0 and time.monotonic() < end:
            time.sleep(0.05)
        fake.paused = True
        time.sleep(1.5)
        # a cut TPV that says 3D fix, then a whole TOFF: if the cut line
        # were taken as a fix, the TOFF would make GPS usable
        now = time.time()
        fake.send_raw(b'{"class":"TPV","device":"/dev/gps0","mode":3,"ti\r\n')
        fake.send_raw(b"not json at all\r\n\x00\xff\xfe binary\r\n{\r\n")
        # lines on which libgps's gps_unpack() spins forever (an unknown
        # array in a device, as a newer gpsd may send; a trailing comma)
        fake.send_raw(b'{"class":"DEVICES","devices":[{"class":"DEVICE","x":[1]}]}\r\n'
                      b'{"class":"DEVICES","devices":[{"class":"DEVICE"},]}\r\n')
        fake.send_json({"class": "TOFF", "device": "/dev/gps0", "real_sec": int(now) + 2,
                        "real_nsec": 0, "clock_sec": int(now), "clock_nsec": 0})
        time.sleep(2.5)
        a = ask()
        h.check(a is not None and local(a[0], a[1]),
                "a cut TPV saying mode 3 is not a fix, lines libgps's gps_unpack() spins on "
                "pass: the local clock still served")
        st = status(s, "garbage", lambda st: st["gpsd"]["malformed"] >= 3)
        h.check(st["gpsd"]["malformed"] >= 3, f"malformed lines counted "
                f"({st['gpsd']['malformed']})")
        # a line far longer than any report (GPSCLIENT_LINE_MAX): dropped
        # up to its end, counted, the connection kept
        before, n = fake.accepted, st["gpsd"]["malformed"]
        fake.send_raw(b"{" + b"x" * 40000 + b"}\r\n")
        st = status(s, "garbage", lambda st: st["gpsd"]["malformed"] > n)
        h.check(st["gpsd"]["malformed"] == n + 1 and st["gpsd"]["connected"]
                and fake.accepted == before,
                f"a 40 kB line: dropped and counted once ({st['gpsd']['malformed'] - n}), "
                f"the connection kept")
        fake.devices[0].mode = 3
        fake.paused = False
        a, t = wait_for(gps)
        h.check(a is not None and proc.poll() is None,
                f"after the garbage, GPS served (after {t} s), tsetd alive")
    finally:
        fake.close()


def reconnect(s):
    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT, [fakegpsd.Device("/dev/gps0", 2.0)])
    try:
        proc = start(s, "server 127.127.46.0\n" + LOCAL, "reconnect")
        h.check(wait_for(gps)[0] is not None, "GPS served")
        fake.go_away()
        a, t = wait_for(local, STALE_S + 5)
        h.check(a is not None and t <= STALE_S + 2,
                f"gpsd gone: the local clock served after {t} s (staleness bound {STALE_S} s)")
        fake.listen()
        a, t = wait_for(gps, 30)
        h.check(a is not None, f"gpsd back: GPS served again after {t} s")
        log = open(proc.logpath).read()
        h.check(log.count("connected to gpsd") >= 2 and "retrying in" in log,
                "the loss and the reconnection are logged")
    finally:
        fake.close()


def black_hole(s):
    """A gpsd address that answers no connection request (a listener
    whose queue is full: the kernel drops further SYNs): tsetd serves at
    once all the same, gives the attempt up after its connect timeout, and
    connects once a gpsd is there."""
    hole = socket.socket()
    # over the connections of the parts before, in TIME_WAIT (as fakegpsd)
    hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hole.bind(("127.0.0.1", GPSD_PORT))
    hole.listen(0)
    fillers = []
    try:
        for _ in range(3):  # backlog 0 queues one; the rest are dropped
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", GPSD_PORT))
            fillers.append(f)
        t0 = time.monotonic()
        proc = start(s, "server 127.127.46.0\n" + LOCAL, "hole")
        up = time.monotonic() - t0
        h.note(f"tsetd serving {up:.2f} s after its start, gpsd not answering")
        worst = 0.0
        for _ in range(10):
            t = time.monotonic()
            a = ask()
            worst = max(worst, time.monotonic() - t)
            h.check(a is not None and local(a[0], a[1]),
                    "while the connection to gpsd is pending: the local clock served")
            time.sleep(0.2)
        h.note(f"slowest reply {worst * 1e3:.1f} ms")
        h.check(wait_log(proc, "cannot connect to gpsd at 127.0.0.1:12947; retrying in 1 s: "
                         "Connection timed out", CONNECT_TIMEOUT_S + WAIT_S),
                f"the attempt given up after the connect timeout ({CONNECT_TIMEOUT_S} s), "
                f"logged")
    finally:
        for f in fillers:
            f.close()
        hole.close()
    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT, [fakegpsd.Device("/dev/gps0", 1.5)])
    try:
        a, t = wait_for(gps, 40)
        h.check(a is not None and proc.poll() is None,
                f"a gpsd that answers: GPS served (after {t} s)")
    finally:
        fake.close()


def two_devices(s):
    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT,
                             [fakegpsd.Device("/dev/gps0", 1.0, pps=False),
                              fakegpsd.Device("/dev/gps1", 2.0, pps=False)])
    try:
        start(s, "server 127.127.46.1\n", "unit1")
        a, _ = wait_for(gps)
        h.check(a is not None and abs(a[1] - 2.0) < 0.01 + a[2] / 2,
                f"127.127.46.1 follows /dev/gps1: offset {a and a[1]:+.6f} s (2.0 expected)")
        st = status(s, "unit1", lambda st: len(st["gpsd"]["devices"]) == 2)
        h.check(sorted(st["gpsd"]["devices"]) == ["/dev/gps0", "/dev/gps1"],
                f"status.json lists both devices {st['gpsd']['devices']}")
    finally:
        fake.close()


def body(s):
    h.run_parts(s, (pps_with_time1, fix_lost, no_local_li3, garbage, reconnect, black_hole,
                    two_devices))


if __name__ == "__main__":
    TSET, TSETD = h.tset_tsetd_args(sys.argv, "test_tsetd_gps.py PATH/TO/tset PATH/TO/tsetd")
    sys.exit(h.main(body, root="tsetd binds and drops privileges as root"))
