#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd's shared-memory reference (server 127.127.28.u, ntpd's driver 28)
with a writer of our own, as gpsd writes: mode 1 (valid cleared, count
incremented, the sample written, count incremented, valid set). In a
network namespace and a System V IPC namespace of the test's own, so no
segment of the machine is seen or touched; tsetd on 127.0.0.1:12633.

- tsetd creates NTP0 (mode 0600, root's); a writer 1.25 s ahead, time1
  4 ms: 1.254 s served at stratum 1, refid SHM, within 1 ms plus half the
  round trip; tset -q reads the same; the status file says so;
- the writer says leap 3 (no time): nothing is taken, and within the
  staleness bound the local clock is served; time again: SHM again;
- the writer stops: the local clock within the staleness bound;
- a segment of unit 1 made first by another user (uid 65534, mode 0666),
  and one of unit 0 that root made but others may write: refused with a
  warning, the writer's time never served, the local clock served;
- unit 2 is every user's (0666, as ntpd's): created so, and served.
The writer and the namespace: shmwriter.py. A read torn by a writer is
tested where it can be made to happen on purpose, with a writer thread
racing the reader: tests/unit/test_refshm.c.
"""

import os
import sys
import time

import harness as h
import shmwriter as shmw

ADDR, PORT = "127.0.0.1", 12633
BASE = f"""port {PORT}
interface ignore all
interface listen {ADDR}
"""
LOCAL = "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n"
STALE_S = 8  # REFSHM_MAX_AGE_S
WAIT_S = 20


def ask():
    return h.ntp_exchange(ADDR, PORT)


def wait_for(cond, timeout_s=WAIT_S):
    return h.wait_exchange(ADDR, PORT, cond, timeout_s)


def shm(f, _off):
    return f["stratum"] == 1 and f["refid"] == b"SHM\0"


def local(f, _off):
    return f["stratum"] == 10


def start(s, conf, name):
    env = {"RUNTIME_DIRECTORY": s.path(name + "-run")}
    return s.tsetd(TSETD, BASE + conf, name=name, env=env, probe=(ADDR, PORT))


def status(s, name, cond=lambda st: True, timeout_s=WAIT_S):
    return h.tsetd_status(s.path(name + "-run"), cond, timeout_s)


def served(s):
    proc = start(s, "server 127.127.28.0\nfudge 127.127.28.0 time1 0.004\n" + LOCAL, "served")
    perms = shmw.perms(0)
    h.check(perms is not None and perms[0] == 0o600 and perms[1] == 0,
            f"tsetd created NTP0 for unit 0: mode 0600, root's ({perms})")
    w = shmw.Writer(0, 1.25)
    try:
        a, t = wait_for(shm)
        h.check(a is not None, f"stratum 1, refid SHM (after {t} s)")
        worst = 0.0
        for _ in range(5):
            f, off, delay = ask()
            worst = max(worst, abs(off - 1.254) - delay / 2)
            time.sleep(0.2)
        h.note(f"offset served {off:+.6f} s, delay {delay:.6f} s")
        h.check(worst <= 0.001, f"served 1.254 s (the writer's 1.25 + time1 0.004) within "
                f"1 ms + delay/2 (worst excess {worst * 1e3:.3f} ms)")
        r = h.run_tset(TSET, ["-q", "-j", f"{ADDR}:{PORT}"])
        doc = r.json or {}
        off = doc.get("offset")
        h.check(r.rc == 0 and off is not None and abs(off - 1.254) < 0.005,
                f"tset -q reads {off} s (exit {r.rc})")
        st = status(s, "served", lambda st: st["references"][0]["source"] == "shm")
        ref = st["references"][0]
        h.check(st["serving"] == "127.127.28.0" and ref["driver"] == "shm"
                and abs(ref["offset"] - 1.254) < 0.001 and ref["reach"] > 0,
                f"status.json: serving 127.127.28.0 (shm), offset {ref['offset']}")

        w.leap = 3
        a, t = wait_for(local, STALE_S + 5)
        h.check(a is not None and t <= STALE_S + 2,
                f"the writer says leap 3: the local clock served after {t} s "
                f"(staleness bound {STALE_S} s)")
        w.leap = 0
        a, t = wait_for(shm)
        h.check(a is not None and abs(a[1] - 1.254) < 0.01 + a[2] / 2,
                f"time again: SHM served after {t} s")
    finally:
        w.stop()
    a, t = wait_for(local, STALE_S + 5)
    h.check(a is not None and t <= STALE_S + 2,
            f"the writer stopped: the local clock served after {t} s")
    log = open(proc.logpath).read()
    h.check("serving 127.127.1.0, stratum 10 (127.127.28.0:" in log,
            "the switch to the local clock is logged with its reason")


def foreign(s):
    """Segments that a local user could write: refused."""
    shmw.remove(0)
    shmw.remove(1)
    pid = os.fork()
    if pid == 0:  # another user makes NTP1 first, writable by all
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            shmw.shm_id(1, 0o666)
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, st = os.waitpid(pid, 0)
    h.check(st == 0 and shmw.perms(1) == (0o666, 65534, 65534),
            f"uid 65534 made NTP1, mode 0666 ({shmw.perms(1)})")
    shmw.shm_id(0, 0o666)  # root's, but writable by others
    perms0 = shmw.perms(0)
    h.check(perms0 is not None and perms0[0] == 0o666, f"root made NTP0, mode 0666 "
            f"({perms0})")
    w1, w0 = shmw.Writer(1, 500.0), shmw.Writer(0, 600.0)
    try:
        proc = start(s, "server 127.127.28.1\nserver 127.127.28.0\n" + LOCAL, "foreign")
        log = open(proc.logpath).read()
        for unit in (1, 0):
            h.check(f"127.127.28.{unit}: shared memory segment 0x{shmw.KEY_BASE + unit:08x} is "
                    "owned or created by another user, or others may write it: refused" in log,
                    f"NTP{unit}: refused with a warning")
        end = time.monotonic() + 3
        seen = set()
        while time.monotonic() < end:
            a = ask()
            if a:
                seen.add((a[0]["stratum"], round(a[1])))
            time.sleep(0.1)
        h.check(seen == {(10, 0)}, f"for 3 s, only the local clock served ({sorted(seen)}): "
                "never the writers' +500 s or +600 s")
        st = status(s, "foreign")
        h.check(all(not r["usable"] for r in st["references"][:2])
                and st["serving"] == "127.127.1.0",
                f"status.json: both unusable ({[r['reason'] for r in st['references']]})")
    finally:
        w1.stop()
        w0.stop()
        shmw.remove(0)
        shmw.remove(1)


def shared_unit(s):
    shmw.remove(2)
    start(s, "server 127.127.28.2\n" + LOCAL, "shared")
    perms = shmw.perms(2)
    h.check(perms is not None and perms[0] == 0o666,
            f"unit 2: NTP2 created every user's, mode 0666 ({perms})")
    w = shmw.Writer(2, -0.5)
    try:
        a, t = wait_for(shm)
        h.check(a is not None and abs(a[1] + 0.5) < 0.01 + a[2] / 2,
                f"unit 2 served: offset {a[1] if a else None} s (-0.5 expected), "
                f"after {t} s")
    finally:
        w.stop()


def body(s):
    shmw.private_ipc()
    h.run_parts(s, (served, foreign, shared_unit))


if __name__ == "__main__":
    TSET, TSETD = h.tset_tsetd_args(sys.argv, "test_tsetd_shm.py PATH/TO/tset PATH/TO/tsetd")
    sys.exit(h.main(body, root="tsetd creates root's segments and drops privileges as root"))
