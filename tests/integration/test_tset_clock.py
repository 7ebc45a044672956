#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tset for real, under noclock and the clock shim: what it does to a clock.

The offsets live on the server side (tests/integration/ntpserver.py), since
T4 comes from the kernel; the shim records every step, slew, status write,
RTC write and the systemd marker, and answers as the kernel would. Nothing
reaches this machine's clock (noclock's seccomp filter would refuse it).

Usage: test_tset_clock.py TSET   (meson sets TSET_NOCLOCK and
TSET_CLOCKSHIM_PRELOAD)
"""
import calendar
import fcntl
import os
import re
import subprocess
import sys
import threading
import time

import harness as h


class Lab:
    """Honest or lying test servers on 127.0.0.2.., a new port each time."""

    def __init__(self, s, tset):
        self.s, self.tset, self.port, self.procs, self.n = s, tset, 12400, [], 0

    def servers(self, *offsets, extra=()):
        for p in self.procs:
            h.Session.stop(p)
        self.procs, addrs = [], []
        self.port += 1
        for i, off in enumerate(offsets):
            addr = f"127.0.0.{2 + i}"
            self.procs.append(self.s.ntpserver(addr, self.port, "--offset", off, *extra))
            addrs.append(f"{addr}:{self.port}")
        return addrs

    def run(self, args, systemd=True, adjtime=None, **kw):
        """tset under the shim in a fresh shim directory."""
        self.n += 1
        name = f"shim{self.n}"
        os.makedirs(self.s.path(name))
        if systemd:
            os.makedirs(self.s.path(f"{name}/run-systemd"))
        if adjtime:
            self.s.write(f"{name}/adjtime", adjtime)
        return h.run_tset_shim(self.s, self.tset, args, name=name, **kw)


def kinds(records):
    return [r.split()[0] for r in records]


def near(value_ns, want_s, r):
    """A recorded step or slew (ns) is the servers' offset want_s, to within
    what run r itself measured (harness.offset_bound_s: half the delay)."""
    return value_ns is not None and h.offset_is_true(value_ns / 1e9, want_s, r)


def status_word(records):
    for r in records:
        if r.startswith("status "):
            return int(r.split()[1], 16)
    return None


STA_INS, STA_UNSYNC = 0x10, 0x40
STEP_S = 0.128  # tset's default step threshold (tinker step), tset.conf(5)


def test_step_and_slew(lab):
    srv = lab.servers(10, 10, 10)
    r = lab.run(srv)
    step = h.shim_value(r.records, "step")
    h.check(r.rc == 0 and near(step, 10, r), f"+10 s: stepped by {step} ns, 10 s within "
            f"{h.fmt_offset(h.offset_bound_s(r))} (exit {r.rc})")
    h.check("slew" not in kinds(r.records), "+10 s: no slew")
    st = status_word(r.records)
    h.check(st is not None and not st & STA_UNSYNC, f"+10 s: STA_UNSYNC cleared ({st:#x})"
            if st is not None else "+10 s: a status write")
    h.check("synchronized" in kinds(r.records), "+10 s: /run/systemd/timesync/synchronized")
    h.check("step time server 127.0.0.2" in r.out or "step time server 127.0.0." in r.out,
            "+10 s: ntpdate's 'step time server' line")

    srv = lab.servers(0.05, 0.05, 0.05)
    r = lab.run(srv)
    slew = h.shim_value(r.records, "slew")
    h.check(r.rc == 0 and near(slew, 0.05, r), f"+50 ms: slewed by {slew} ns")
    h.check("step" not in kinds(r.records), "+50 ms: no step")
    m = re.search(r"adjust time server \S+ offset [-+][0-9.]+ sec \(slewing for ([0-9.]+) s\)",
                  r.out)
    h.check(m and slew and abs(float(m.group(1)) - slew / 1e9 / 500e-6) < 0.15,
            f"+50 ms: 'adjust time server ... (slewing for {m and m.group(1)} s)': 500 ppm")

    # nothing on stdout says what was measured: the slew must be below
    # the step threshold, as a slew is
    r = lab.run(["-s"] + srv)
    slew = h.shim_value(r.records, "slew")
    h.check(r.rc == 0 and r.out == "" and slew is not None and 0 < slew <= STEP_S * 1e9,
            f"-s: the report goes to syslog, nothing on stdout ({r.out!r}), slewed {slew} ns")
    r = lab.run(["-n", "-p", "2"] + srv)
    h.check(r.rc == 0 and r.records == [] and srv[0].split(":")[0] in r.out
            and "samples 2" in r.out, f"-n: prints the plan, touches nothing ({r.out.splitlines()[:1]})")
    r = lab.run(["-b"] + srv)
    h.check(near(h.shim_value(r.records, "step"), 0.05, r) and "slew" not in kinds(r.records),
            f"-b: a 50 ms offset is stepped ({r.records[:1]})")
    srv = lab.servers(10, 10, 10)
    r = lab.run(["-B"] + srv)
    h.check(near(h.shim_value(r.records, "slew"), 10, r) and "step" not in kinds(r.records),
            f"-B: a 10 s offset is slewed ({r.records[:1]})")


def test_panic_gate(lab):
    srv = lab.servers(2000, 2000, 2000)
    r = lab.run(srv)
    h.check(r.rc == 3 and r.records == [], f"+2000 s: exit 3, clock untouched ({r.rc}, {r.records})")
    h.check("panic threshold" in r.out, "+2000 s: the report names the panic threshold")
    r = lab.run(["-g", "-j"] + srv)
    h.check(r.rc == 0 and near(h.shim_value(r.records, "step"), 2000, r),
            f"-g: stepped by 2000 s ({r.records[:1]})")
    h.check(r.json and r.json["action"] == "step", "-g -j: action step")
    h.check(r.json and r.json.get("beyond_panic") is True, "-g -j: beyond_panic true")
    r = lab.run(["-q", "-j"] + srv)
    h.check(r.rc == 0 and r.records == [] and r.json and r.json["action"] == "none",
            f"-q: exit 0 beyond the panic threshold, clock untouched ({r.rc})")
    h.check(r.json and r.json.get("beyond_panic") is True,
            f"-q -j: beyond_panic true: a run without -q would refuse ({r.out[:120]!r})")
    r = lab.run(["-q"] + srv)
    last = (r.out.splitlines() or [""])[-1]
    h.check(r.rc == 0 and "beyond the panic threshold of 1000 s" in last
            and "would refuse it and exit 3 unless -g" in last,
            f"-q: the closing line says a run without -q would refuse it, exit 3 ({last!r})")
    r = lab.run(["-q", "-g"] + srv)
    last = (r.out.splitlines() or [""])[-1]
    h.check(r.rc == 0 and "beyond the panic threshold of 1000 s, allowed by -g" in last,
            f"-q -g: the closing line says -g allows it ({last!r})")
    srv = lab.servers(10, 10, 10)
    r = lab.run(["-G", "5"] + srv)
    h.check(r.rc == 3 and r.records == [], f"-G 5 and +10 s: exit 3 ({r.rc})")
    r = lab.run(["-q", "-j"] + srv)
    h.check(r.json and r.json.get("beyond_panic") is False and "panic" not in r.out.replace(
        '"beyond_panic"', ""), "-q -j, +10 s within the default 1000 s: beyond_panic false")
    srv = lab.servers(5000, 5000, 5000)
    r = lab.run(["-G", "0"] + srv)
    h.check(r.rc == 0 and near(h.shim_value(r.records, "step"), 5000, r),
            f"-G 0 (no panic threshold): +5000 s stepped ({r.rc}, {r.records[:1]})")
    cfg = lab.s.write("panic.conf", "tinker panic 0 step 20\n")
    srv = lab.servers(15, 15, 15)
    r = lab.run(["-c", cfg] + srv)
    h.check(r.rc == 0 and near(h.shim_value(r.records, "slew"), 15, r),
            f"tinker step 20: +15 s is slewed ({r.records[:1]})")


def test_cannot_set(lab):
    srv = lab.servers(10, 10, 10)
    r = lab.run(["-j"] + srv, shim={"NOCAP": 1})
    off = r.json and r.json["offset"]
    h.check(r.rc == 4 and h.offset_is_true(off, 10, r),
            f"no CAP_SYS_TIME: exit 4 with the offset reported ({r.rc}, {off})")
    h.check(r.json and r.json["action"] == "failed" and "CAP_SYS_TIME" in r.err,
            "no CAP_SYS_TIME: action failed, stderr says why")
    h.check(all(x.startswith("denied") for x in r.records), f"no CAP_SYS_TIME: only denied ({r.records})")
    r = lab.run(srv, shim={"STATUS": "pll"})
    h.check(r.rc == 4 and r.records == [] and "pll" in r.err,
            f"a daemon's PLL on: exit 4, nothing tried ({r.rc}, {r.records})")
    h.check("clock not set" in r.out, "a daemon's PLL on: the closing line says the clock was not set")


def test_hand_off(lab):
    srv = lab.servers(0.02, 0.02, 0.02)
    cfg = lab.s.write("nokernel.conf", "disable kernel\n")
    r = lab.run(["-c", cfg] + srv)
    h.check(r.rc == 0 and kinds(r.records) == ["slew"],
            f"disable kernel: the slew alone ({r.records})")
    r = lab.run(srv, systemd=False)
    h.check("synchronized" not in kinds(r.records) and "status" in kinds(r.records),
            f"no /run/systemd: status handed over, no marker ({kinds(r.records)})")
    r = lab.run(srv, adjtime="0.0 0 0.0\n0\nLOCAL\n")
    st = status_word(r.records)
    h.check(st is not None and st & STA_UNSYNC, f"/etc/adjtime LOCAL: STA_UNSYNC stays set ({st})")
    # maxerror = the root distance tset reported + what the slew still had
    # to do when it was handed over: the slew recorded, less at most 500 ppm
    # of the run (whole microseconds)
    r = lab.run(["-j"] + srv)
    maxerr = slew = None
    for x in r.records:
        if x.startswith("status "):
            maxerr = int(x.split()[3])
    slew = h.shim_value(r.records, "slew")
    rd_us = r.json["root_distance"] * 1e6 if r.json and r.json["root_distance"] else None
    ok = maxerr is not None and slew is not None and rd_us is not None
    want = rd_us + abs(slew) / 1000 if ok else None
    h.check(ok and want - r.elapsed * 500 - 1 <= maxerr <= want + 1,
            f"maxerror = root distance + the 20 ms still to slew ({maxerr} us; root "
            f"distance {rd_us} us, slew {slew} ns)")


def test_leap(lab):
    # the servers say it is 2027-06-30 12:00 UTC and a leap second comes
    target = calendar.timegm((2027, 6, 30, 12, 0, 0))
    off = target - time.time()
    srv = lab.servers(off, off, off, extra=("--leap", "1"))
    r = lab.run(["-g"] + srv)
    st = status_word(r.records)
    h.check(r.rc == 0 and st is not None and st & STA_INS,
            f"a leap announced on June 30 is armed (STA_INS in {st})")
    off = calendar.timegm((2027, 6, 29, 12, 0, 0)) - time.time()
    srv = lab.servers(off, off, off, extra=("--leap", "1"))
    st = status_word(lab.run(["-g"] + srv).records)
    h.check(st is not None and not st & STA_INS, f"on June 29 it is not ({st})")


def rtc_record(records):
    for x in records:
        if x.startswith("rtc "):
            w = x.split()
            return w[1] + " " + w[2], float(w[4])
    return None, None


# The RTC takes whole seconds, so tset writes it at the half second of the
# true time (the RTC's next second then starts 0.5 s later, as hwclock
# does): the write comes after that half second, and soon after unless the
# machine is slow to wake tset (RTC_LATE_S is generous for a loaded one).
RTC_LATE_S = 0.25


def rtc_value(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(t)))


def test_rtc(lab):
    srv = lab.servers(3, 3, 3)
    r = lab.run(["-w"] + srv)
    value, at = rtc_record(r.records)
    h.check(r.rc == 0 and value is not None, f"-w: the RTC is written ({r.records})")
    frac = at - int(at) if value else None
    h.check(value is not None and value == rtc_value(at),
            f"-w: RTC {value} UTC = the stepped system time {value and rtc_value(at)}")
    h.check(frac is not None and 0.5 <= frac < 0.5 + RTC_LATE_S,
            f"-w: written just after the half second ({frac})")
    r = lab.run(["-w"] + srv, adjtime="0.0 0 0.0\n0\nLOCAL\n", env={"TZ": "Asia/Tokyo"})
    value, at = rtc_record(r.records)
    want = value and rtc_value(int(at) + 9 * 3600)
    h.check(value is not None and value == want,
            f"-w, LOCAL, TZ Asia/Tokyo: RTC {value} = local {want} ({r.records})")

    # during a slew of 0.7 s (tinker step 2 lets tset slew it), the RTC gets
    # the true time: the system time plus the slew still to do, written at
    # the true time's half second, when the system time is at .8 of the
    # second before: the two differ in their second, so an RTC that got the
    # system time (or waited for its half second) shows it
    cfg = lab.s.write("slew-rtc.conf", "tinker step 2\n")
    srv = lab.servers(0.7, 0.7, 0.7)
    r = lab.run(["-c", cfg, "-w"] + srv)
    value, at = rtc_record(r.records)
    slew = h.shim_value(r.records, "slew")
    true = at + slew / 1e9 if value and slew else None
    h.check(r.rc == 0 and true is not None and value == rtc_value(true),
            f"-w while slewing {slew} ns: RTC {value} holds the true time "
            f"{true and rtc_value(true)}, not the system time {value and rtc_value(at)}")
    # (true is the slew recorded, more than what was left by at most 500
    # ppm of the run)
    h.check(true is not None and 0.5 <= true - int(true) < 0.5 + RTC_LATE_S + r.elapsed / 2000,
            f"-w while slewing: written just after the true time's half second "
            f"({true and true - int(true)})")
    r = lab.run(["-c", cfg, "-w"] + srv, shim={"FAIL_RTC": 1})
    h.check(r.rc == 5 and "slew" in kinds(r.records),
            f"RTC write fails: the clock is still set, exit 5 ({r.rc}, {kinds(r.records)})")
    r = lab.run(["-c", cfg, "-w"] + srv, shim={"NO_RTC": 1})
    h.check(r.rc == 5 and "slew" in kinds(r.records), f"no RTC at all: exit 5 ({r.rc})")


def test_failures_touch_nothing(lab):
    bh = [lab.s.black_hole(f"127.0.0.{i}", 12480) for i in (2, 3, 4)]
    r = lab.run(["-t", "0.3", "-p", "1"] + [f"127.0.0.{i}:12480" for i in (2, 3, 4)])
    h.check(r.rc == 1 and r.records == [] and "no server suitable for synchronization found" in r.out,
            f"nobody answers: exit 1, ntpdate's message, clock untouched ({r.rc})")
    for b in bh:
        b.close()
    srv = lab.servers(0.05, 0.05, 10, 10)
    r = lab.run(srv)
    h.check(r.rc == 6 and r.records == [] and "no server suitable" in r.out,
            f"2 against 2: exit 6, clock untouched ({r.rc}, {r.records})")
    srv = lab.servers(1, 1, 1, extra=("--behave", "kod-deny"))
    r = lab.run(["-j"] + srv)
    states = {x["state"] for x in (r.json or {}).get("servers", [])}
    h.check(r.rc == 6 and r.records == [] and states == {"kod"},
            f"KoD DENY from all: exit 6, states {states}")
    r = lab.run(["-p", "0"] + srv)
    h.check(r.rc == 2 and r.records == [], f"bad -p: exit 2 ({r.rc})")
    bad = lab.s.write("bad.conf", "server 127.0.0.2\nsamples lots\n")
    r = lab.run(["-c", bad])
    h.check(r.rc == 2 and r.records == [] and "bad.conf:2:9" in r.err,
            f"broken config: exit 2 naming file:line:col ({r.err.strip()})")


def test_lock(lab):
    srv = lab.servers(1, 1, 1)
    lab.n += 1
    name = f"shim{lab.n}"
    os.makedirs(lab.s.path(name))
    lock = lab.s.path(name + "/tset.lock")
    log = lab.s.path(name + "/log")

    def records():
        return open(log).read().splitlines() if os.path.exists(log) else []

    # as tset makes it: root's alone (tset refuses a lock others may open)
    with os.fdopen(os.open(lock, os.O_RDWR | os.O_CREAT, 0o600), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        # tset waits for the lock until its deadline (its own clock says
        # how long in the JSON), then gives up: well before the default
        # 10 s deadline
        cfg = lab.s.write("deadline.conf", "deadline 1\n")
        r = h.run_tset_shim(lab.s, lab.tset, ["-j", "-c", cfg] + srv, name=name)
        waited = r.json and r.json["elapsed"]
        h.check(r.rc == 7 and r.records == [] and waited is not None and waited >= 1.0
                and r.elapsed < 1.0 + 2.0,
                f"lock held past the deadline (1 s): exit 7 after {waited} s by tset's clock "
                f"({r.elapsed:.2f} s in all), clock untouched")
        r = h.run_tset_shim(lab.s, lab.tset, ["-q"] + srv, name=name)
        h.check(r.rc == 0, f"-q takes no lock ({r.rc})")
        # what was done to the clock while the lock was held: nothing
        n0 = len(records())
        held = []

        def release():
            held.extend(records()[n0:])
            fcntl.flock(f, fcntl.LOCK_UN)
        timer = threading.Timer(1.0, release)
        timer.start()
        r = h.run_tset_shim(lab.s, lab.tset, srv, name=name)
        timer.join()  # a tset that did not wait is done before the release
    h.check(r.rc == 0 and held == [] and kinds(r.records)[:1] == ["step"],
            f"lock released after 1 s: nothing done before ({held}), then stepped "
            f"({r.elapsed:.2f} s)")


def test_no_lock_no_clock(lab):
    # without the run lock another tset could step at the same time: the
    # offset is reported, the clock left alone
    srv = lab.servers(1, 1, 1)
    r = lab.run(["-j"] + srv, env={"TSET_LOCK": "/nonexistent/tset.lock"})
    h.check(r.rc == 4 and r.records == [] and "run lock" in r.err
            and r.json and r.json["offset"] is not None,
            f"lock file cannot be made: exit 4, offset reported, clock untouched ({r.rc})")
    r = lab.run(["-q"] + srv, env={"TSET_LOCK": "/nonexistent/tset.lock"})
    h.check(r.rc == 0, f"... while -q, which takes no lock, still works ({r.rc})")


def test_two_at_once(lab):
    # servers whose time does not follow the (virtual) clock: anchored to
    # CLOCK_MONOTONIC_RAW; two tset share one virtual clock and one lock.
    # RAW and REALTIME drift apart by the host's frequency error: what they
    # drift over the test widens the bound of the offset
    real0, raw0 = time.clock_gettime(time.CLOCK_REALTIME), time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
    srv = lab.servers(10, 10, 10, extra=("--anchor-raw",))
    lab.n += 1
    name = f"shim{lab.n}"
    os.makedirs(lab.s.path(name + "/run-systemd"))
    shim = {"STATE": lab.s.path(name + "/state")}
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        h.run_tset_shim(lab.s, lab.tset, srv, shim=shim, name=name))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    drift = abs((time.clock_gettime(time.CLOCK_REALTIME) - real0)
                - (time.clock_gettime(time.CLOCK_MONOTONIC_RAW) - raw0))
    records = open(lab.s.path(name + "/log")).read().splitlines()
    steps = [x for x in records if x.startswith("step ")]
    stepper = [r for r in results if "step time server" in r.out]
    bound = h.offset_bound_s(stepper[0]) if len(stepper) == 1 else None
    h.check(len(steps) == 1 and bound is not None
            and abs(int(steps[0].split()[1]) / 1e9 - 10) <= bound + drift,
            f"two tset at once: one step of 10 s (within {bound} + {drift:.6f} s), not two "
            f"({steps})")
    h.check(sorted(r.rc for r in results) == [0, 0], f"both exit 0 ({[r.rc for r in results]})")
    h.note("records: " + "; ".join(records))


def test_lock_is_roots_alone(lab):
    # flock needs only an open file: a lock that others may open or
    # replace lets any user hold back every tset, and a link makes root
    # open what it points to. Each is refused: exit 4, the offset
    # reported, the clock and the link's target untouched.
    srv = lab.servers(1, 1, 1)
    d = lab.s.path("locks")
    os.makedirs(d, mode=0o755)
    target = lab.s.write("locks/target", "precious\n")
    os.symlink(target, d + "/link.lock")
    os.close(os.open(d + "/nobody.lock", os.O_RDWR | os.O_CREAT, 0o600))
    os.chown(d + "/nobody.lock", 65534, 65534)
    os.mkfifo(d + "/fifo.lock", 0o600)
    os.close(os.open(d + "/world.lock", os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(d + "/world.lock", 0o666)
    sticky = lab.s.path("sticky")  # like /tmp or /run/lock
    os.makedirs(sticky)
    os.chmod(sticky, 0o1777)
    for path, why in ((d + "/link.lock", "is a symbolic link"),
                      (d + "/nobody.lock", "is owned by uid 65534, not root"),
                      (d + "/fifo.lock", "is not a regular file"),
                      (d + "/world.lock", "can be opened by others than root (mode 0666)"),
                      (sticky + "/tset.lock", "can be written by others than root (mode 1777)")):
        r = lab.run(["-j"] + srv, env={"TSET_LOCK": path})
        off = r.json and r.json["offset"]
        h.check(r.rc == 4 and r.records == [] and "cannot take the run lock" in r.err
                and why in r.err and h.offset_is_true(off, 1, r),
                f"lock {os.path.basename(path)}: exit 4, '{why}', offset {off} reported, "
                f"clock untouched ({r.rc}, {r.records}, {r.err.strip()!r})")
    h.check(open(target).read() == "precious\n" and os.stat(target).st_mode & 0o777 == 0o644,
            "the link's target is untouched")
    h.check(not os.path.exists(sticky + "/tset.lock"), "nothing made in the open directory")


# The daemon guard runs in namespaces of its own (mount, network, pid): a
# private /run where chronyd puts its pid file and command socket, a /proc
# with these processes alone, its own port 123 on its own loopback.
GUARD_NS = ["unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc", "--kill-child",
            "--propagation", "private"]
SQUATTER = ("import socket, sys, time\n"
            "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
            "s.bind(('::', 123))\n"
            "print('bound', flush=True)\n"
            "time.sleep(600)\n")


def test_daemon_guard(lab):
    # guard_main() below, in the namespaces; its results counted here
    tsetd = os.environ.get("TSET_TSETD")
    if not tsetd:
        h.check(False, "TSET_TSETD is set (meson gives the tsetd path)")
        return
    try:
        p = subprocess.run(GUARD_NS + [sys.executable, os.path.abspath(__file__), "--guard",
                                       lab.tset, tsetd],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=180, preexec_fn=h._pdeathsig)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as x:
        rc, out, err = None, x.stdout or "", "killed after 180 s"
    out = out.decode() if isinstance(out, bytes) else out
    for line in out.splitlines():
        if line.startswith(("ok   ", "FAIL ")):
            h.check(line.startswith("ok"), "guard: " + line[5:])
        else:
            print("  " + line, flush=True)
    if rc == h.SKIP:
        h.note("guard: skipped (see above)")
    elif rc != 0 and "FAIL " not in out:
        h.check(False, f"guard: the scenario ran (exit {rc}): {err[-800:]}")


def wait_for(cond, what, timeout_s=10.0):
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.02)


def chronyd_x(lab, conf_text, name):
    """chronyd -x (never touches the clock) with Debian's defaults, pid
    file and command socket included; returns once its socket is bound."""
    chronyd = h.require_program("chronyd", "chrony")
    conf = lab.s.write(name + ".conf", "# chronyd -x: it never touches the clock\n" + conf_text)
    proc = lab.s.start([chronyd, "-x", "-d", "-f", conf], name)
    wait_for(lambda: "/run/chrony/chronyd.sock" in open("/proc/net/unix").read(),
             "chronyd's command socket")
    return proc


def guard_daemons(lab, srv, chronyd):
    pidfile, sock = "/run/chrony/chronyd.pid", "/run/chrony/chronyd.sock"
    wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read().strip() == str(chronyd.pid),
             "chronyd's pid file")
    r = lab.run(["-j"] + srv)
    off = r.json and r.json["offset"]
    want = f"a time daemon owns the clock: chronyd is running (pid {chronyd.pid}, {pidfile})"
    h.check(r.rc == 4 and r.records == [] and want in r.err and h.offset_is_true(off, 10, r)
            and r.json["action"] == "failed",
            f"chronyd -x running: exit 4, '{want}', offset {off} reported, clock untouched "
            f"({r.rc}, {r.records}, {r.err.strip()!r})")
    r = lab.run(["-w", "-b"] + srv)
    h.check(r.rc == 4 and r.records == [] and "clock not set: a time daemon owns the clock" in r.out,
            f"-w -b under chronyd: no step, no RTC write, the closing line says why ({r.rc}, "
            f"{r.records}, {r.out.splitlines()[-1:]})")
    r = lab.run(["-q"] + srv)
    h.check(r.rc == 0 and r.records == [], f"-q under chronyd: exit 0, nothing touched ({r.rc})")
    # a crash: SIGKILL leaves the pid file and the socket file, nothing bound
    chronyd.kill()
    chronyd.wait()
    h.check(os.path.exists(pidfile) and os.path.exists(sock),
            "chronyd killed: its pid file and socket file are left behind")
    r = lab.run(srv)
    h.check(r.rc == 0 and near(h.shim_value(r.records, "step"), 10, r),
            f"... and tset steps: a stale pid file and socket file are no daemon ({r.rc}, "
            f"{r.records[:1]}, {r.err.strip()!r})")
    with open(pidfile, "w") as f:  # the pid reused by a program of another name
        f.write(f"{lab.procs[0].pid}\n")
    r = lab.run(srv)
    h.check(r.rc == 0 and "step" in kinds(r.records),
            f"a pid file naming a live process that is not chronyd: tset steps ({r.rc})")
    # the command socket alone (its pid file elsewhere)
    chronyd = chronyd_x(lab, "pidfile /run/elsewhere.pid\n", "chronyd-socket")
    r = lab.run(srv)
    want = f"chronyd is running (command socket {sock})"
    h.check(r.rc == 4 and r.records == [] and want in r.err,
            f"chronyd's bound command socket alone: exit 4, '{want}' ({r.rc}, {r.err.strip()!r})")
    h.Session.stop(chronyd)


def guard_port_123(lab, srv, tsetd):
    conf = ("server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n"
            "interface ignore all\ninterface listen lo\nport 123\n")
    proc = lab.s.tsetd(tsetd, conf, "-u", "nobody")
    udp = open("/proc/net/udp").read() + open("/proc/net/udp6").read()
    h.note("port 123 sockets: " + ", ".join(w[1] for w in (x.split() for x in udp.splitlines())
                                             if len(w) > 2 and w[1].endswith(":007B")))
    r = lab.run(srv)
    h.check(r.rc == 0 and near(h.shim_value(r.records, "step"), 10, r),
            f"tsetd (as nobody) bound to port 123: tset still steps ({r.rc}, {r.records[:1]}, "
            f"{r.err.strip()!r})")
    h.Session.stop(proc)
    squat = lab.s.start([sys.executable, "-c", SQUATTER], "squatter")
    wait_for(lambda: "bound" in lab.s.log_of("squatter"), "a program bound to [::]:123")
    r = lab.run(srv)
    want = f"(pid {squat.pid}) is bound to udp port 123"
    h.check(r.rc == 4 and r.records == [] and want in r.err,
            f"another program bound to [::]:123: exit 4, '{want}' ({r.rc}, {r.err.strip()!r})")
    h.Session.stop(squat)


def guard_timesyncd(lab, srv):
    os.makedirs("/run/systemd/units")
    mark = "/run/systemd/units/invocation:systemd-timesyncd.service"
    os.symlink("6e0bd3e7b0f04c53a6bd29d4c2f46a7b", mark)
    r = lab.run(srv)
    h.check(r.rc == 4 and r.records == [] and "systemd-timesyncd is active" in r.err,
            f"systemd-timesyncd.service active: exit 4 ({r.rc}, {r.err.strip()!r})")
    os.unlink(mark)
    r = lab.run(srv)
    h.check(r.rc == 0 and "step" in kinds(r.records),
            f"every daemon gone: tset steps again ({r.rc}, {r.records[:1]})")


def guard_main(tset, tsetd):
    def body(s):
        h.shim_paths()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tset-test-run", "/run"],
                       check=True)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        lab = Lab(s, tset)
        srv = lab.servers(10, 10, 10)
        r = lab.run(srv)
        h.check(r.rc == 0 and "step" in kinds(r.records),
                f"no daemon in the namespace: tset steps ({r.rc}, {r.err.strip()!r})")
        guard_daemons(lab, srv, chronyd_x(lab, "", "chronyd"))
        guard_port_123(lab, srv, tsetd)
        guard_timesyncd(lab, srv)

    return h.main(body, root="namespaces and a tmpfs on /run", programs=[("chronyd", "chrony")])


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--guard":
        return guard_main(sys.argv[2], sys.argv[3])
    tset = h.tset_arg(sys.argv, "test_tset_clock.py TSET")

    def body(s):
        h.shim_paths()
        h.private_run()
        lab = Lab(s, tset)
        for t in (test_step_and_slew, test_panic_gate, test_cannot_set, test_hand_off,
                  test_leap, test_rtc, test_failures_touch_nothing, test_lock,
                  test_no_lock_no_clock, test_two_at_once, test_lock_is_roots_alone,
                  test_daemon_guard):
            t(lab)

    return h.main(body, root="binding loopback addresses 127.0.0.2-5")


if __name__ == "__main__":
    sys.exit(main())
