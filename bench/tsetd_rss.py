#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd_rss.py: tsetd's peak RSS with its GPS reference at work, against
an empty program and a daemon skeleton linked with the same libraries, in
one run.

    sudo bench/tsetd_rss.sh [--tsetd build/tsetd] [--seconds 20] [--runs 5]

Each run starts, in a network namespace of its own (loopback only):
tests/integration/fakegpsd.py on 127.0.0.1:12947 (VERSION, DEVICES, a TPV,
a TOFF and a PPS a second), and tsetd under /usr/bin/time -v with
`server 127.127.46.0` (the GPS through gpsd, served while usable),
`server 127.127.1.0` and a status file, on 127.0.0.1:12123; sends it NTP
requests for --seconds (100 a second) while it reads gpsd's reports,
checks that it served stratum 1 refid GPS, reads its memory from /proc,
stops it with SIGTERM and reads "Maximum resident set size". The same
tsetd without the GPS reference (local clock only) is measured in each run
too: the difference is what the GPS reference itself costs.

The floors, each built with gcc -Wl,--no-as-needed and every library
`ldd tsetd` lists, by path (libgps and its own dependencies among them),
run under /usr/bin/time -v the same way and read once they wait in
pause():
- the empty program: main() waits in pause() until SIGTERM and returns,
  so that it ends as tsetd does, through exit() and every library's
  destructors (which /usr/bin/time's peak includes);
- bench/tsetd_rss_skeleton.c, the least such a daemon does (options with
  getopt_long, a log line with a number, a UDP socket bound to an address
  given as text, root and every capability given up with libcap-ng), all
  its steps, and each step alone (how much each costs by itself).

Four figures per program: the kernel's peak ("Maximum resident set size"
from /usr/bin/time -v and VmHWM from /proc/PID/status: both from the
kernel's resident-page counters), Rss (pages mapped now, counted exactly
from the page tables by /proc/PID/smaps_rollup) and Anonymous (the memory
that is the process's own: heap, stack, static data; the rest of Rss is
pages of files, the libraries' code shared with every process using it).

Prints the medians and two verdicts against 512 KiB: tsetd with GPS over
the empty program (the target as first set), and tsetd with GPS over the
skeleton (what tsetd adds to what any such daemon costs); exits 1 when the
second is missed. Never touches the clock: tsetd only reads it.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import fakegpsd  # noqa: E402

ADDR, PORT, GPSD_PORT = "127.0.0.1", 12123, 12947
TARGET_KIB = 512


def tsetd_libs(tsetd):
    """The path of each library ldd lists for tsetd (what the dynamic
    linker loads, libgps's own dependencies with it), libc and the
    dynamic linker aside."""
    out = subprocess.run(["ldd", tsetd], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.match(r"\s*(lib\S+\.so\S*) => (/\S+)", line)
        if m and not m.group(1).startswith("libc.so"):
            libs.append(m.group(2))
    return libs


def build(work, libs, name, source):
    path = os.path.join(work, name)
    subprocess.run(["gcc", "-O2", "-o", path, source, "-Wl,--no-as-needed"] + libs, check=True)
    return path


def build_programs(work, libs):
    """The empty program and the skeleton, with tsetd's libraries."""
    empty = os.path.join(work, "empty.c")
    with open(empty, "w") as f:
        f.write("#include <signal.h>\n#include <unistd.h>\n"
                "static void on_term(int sig) { (void)sig; }\n"
                "int main(void) { signal(SIGTERM, on_term); pause(); return 0; }\n")
    return (build(work, libs, "empty-tsetd-libs", empty),
            build(work, libs, "skeleton-tsetd-libs", os.path.join(HERE, "tsetd_rss_skeleton.c")))


def max_rss_kib(stderr):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return int(m.group(1)) if m else None


def proc_kib(path, field):
    with open(path) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def memory(pid):
    """What /proc says of pid now: the kernel's peak, the exact Rss and
    its anonymous part (KiB)."""
    return {"hwm": proc_kib(f"/proc/{pid}/status", "VmHWM"),
            "rss": proc_kib(f"/proc/{pid}/smaps_rollup", "Rss"),
            "anon": proc_kib(f"/proc/{pid}/smaps_rollup", "Anonymous")}


def under_time(argv, env, errf, work_while_up):
    """Run argv under /usr/bin/time -v; once its process is up, call
    work_while_up(pid), read its memory, stop it by its PID (time's child:
    a signal to time would end time and leave it), and return the memory
    with time's peak."""
    p = subprocess.Popen(["/usr/bin/time", "-v"] + argv, env=env,
                         stdout=subprocess.DEVNULL, stderr=errf)
    try:
        deadline = time.monotonic() + 10
        while not children(p.pid):
            if p.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"tsetd_rss: {argv[0]} did not start")
            time.sleep(0.005)
        pid = children(p.pid)[0]
        work_while_up(pid)
        m = memory(pid)
        os.kill(pid, signal.SIGTERM)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            for pid in children(p.pid):
                os.kill(pid, signal.SIGKILL)
            p.kill()
            p.wait()
    errf.seek(0)
    m["time"] = max_rss_kib(errf.read())
    return m


def floor_run(prog, work, todo=None):
    """The memory of a floor program once it waits in pause() (state S:
    it sleeps nowhere else)."""
    def wait_paused(pid):
        deadline = time.monotonic() + 10
        while state(pid) != "S":
            if time.monotonic() > deadline:
                raise SystemExit(f"tsetd_rss: {prog} never reached pause()")
            time.sleep(0.005)

    env = dict(os.environ)
    if todo:
        env["TSET_RSS_DO"] = todo
    with open(os.path.join(work, "floor.log"), "w+") as errf:
        m = under_time([prog], env, errf, wait_paused)
        if m["time"] is None:
            errf.seek(0)
            raise SystemExit(f"tsetd_rss: {prog}: {errf.read()[-500:]}")
    return m


def ask():
    """(stratum, refid) of one reply of tsetd, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(bytes([0x23]) + bytes(47), (ADDR, PORT))
        try:
            d = s.recv(512)
        except OSError:
            return None
    return (d[1], d[12:16]) if len(d) >= 48 else None


def tsetd_run(tsetd, work, seconds, i, gps):
    """tsetd's memory after seconds of requests with (gps) or without its
    GPS reference, the replies at stratum 1 refid GPS, its log."""
    conf = os.path.join(work, f"tsetd-{gps}.conf")
    with open(conf, "w") as f:
        f.write(f"gpsd 127.0.0.1:{GPSD_PORT}\nport {PORT}\ninterface ignore all\n"
                f"interface listen {ADDR}\n"
                + ("server 127.127.46.0\nfudge 127.127.46.0 time1 0.0 refid GPS\n" if gps else "")
                + "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n")
    run = os.path.join(work, f"run{i}")
    os.makedirs(run, exist_ok=True)
    os.chmod(run, 0o777)
    seen = [0]

    def serve(pid):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r = ask()
            if r and r[0] == 1 and r[1] == b"GPS\0":
                seen[0] += 1
            time.sleep(0.01)

    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT, [fakegpsd.Device("/dev/gps0", 2.0)])
    try:
        with open(os.path.join(work, f"tsetd{i}-{gps}.log"), "w+") as errf:
            m = under_time([tsetd, "-n", "-c", conf], dict(os.environ, RUNTIME_DIRECTORY=run),
                           errf, serve)
            errf.seek(0)
            text = errf.read()
    finally:
        fake.close()
    return m, seen[0], text


PARTS = ("getopt", "printf", "socket", "caps")
FIELDS = (("time", "peak, time -v"), ("hwm", "VmHWM"), ("rss", "Rss, smaps"),
          ("anon", "anonymous"))


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tsetd", default=os.path.join(HERE, "..", "build", "tsetd"))
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    tsetd = os.path.abspath(args.tsetd)
    work = tempfile.mkdtemp(prefix="tset-rss-")
    os.chmod(work, 0o755)
    libs = tsetd_libs(tsetd)
    empty, skeleton = build_programs(work, libs)
    names = " ".join(os.path.basename(x).split(".so")[0] for x in libs)
    print(f"tsetd {tsetd}\nlibraries (ldd): {names}\nwork dir {work}", flush=True)
    rows = {k: [] for k in ("gps", "local", "empty", "skeleton") + PARTS}
    for i in range(args.runs):
        rows["empty"].append(floor_run(empty, work))
        rows["skeleton"].append(floor_run(skeleton, work))
        for part in PARTS:
            rows[part].append(floor_run(skeleton, work, part))
        m, seen, text = tsetd_run(tsetd, work, args.seconds, i, True)
        if seen == 0:
            print(text[-2000:], file=sys.stderr)
            raise SystemExit("tsetd_rss: tsetd never served the GPS reference")
        rows["gps"].append(m)
        rows["local"].append(tsetd_run(tsetd, work, args.seconds, i, False)[0])
        print(f"run {i + 1}: tsetd {m['time']} KiB ({seen} replies at stratum 1 refid GPS; "
              f"VmHWM {m['hwm']}, Rss {m['rss']}, anonymous {m['anon']}), "
              f"without the GPS reference {rows['local'][-1]['time']} KiB, "
              f"skeleton {rows['skeleton'][-1]['time']} KiB, "
              f"empty program {rows['empty'][-1]['time']} KiB", flush=True)
    labels = {"gps": f"tsetd, GPS reference fed by a gpsd for {args.seconds:.0f} s",
              "local": "tsetd, local clock only",
              "skeleton": "skeleton, all its steps",
              "empty": "empty program"}
    for part in PARTS:
        labels[part] = f"skeleton, {part} alone"
    print(f"\nKiB, medians of {args.runs} runs; libraries of every program: {names}")
    print(f"  {'program':58} " + " ".join(f"{h:>15}" for _, h in FIELDS))
    for k in ("gps", "local", "skeleton") + PARTS + ("empty",):
        print(f"  {labels[k]:58} " + " ".join(f"{median(rows[k], f):15.0f}" for f, _ in FIELDS))

    def over(a, b, f):
        return median(rows[a], f) - median(rows[b], f)

    print("\nover the empty program (medians):")
    for k in ("gps", "local", "skeleton") + PARTS:
        print(f"  {labels[k]:58} " + " ".join(f"{over(k, 'empty', f):+15.0f}" for f, _ in FIELDS))
    literal = over("gps", "empty", "hwm")
    added = over("gps", "skeleton", "hwm")
    print(f"\ntsetd with GPS - empty program: {over('gps', 'empty', 'time'):+.0f} KiB (time -v), "
          f"{literal:+.0f} KiB (VmHWM), target <= {TARGET_KIB} KiB: "
          f"{'MET' if literal <= TARGET_KIB else 'MISSED'}\n"
          f"  (the skeleton alone is {over('skeleton', 'empty', 'hwm'):+.0f} KiB over it)\n"
          f"tsetd with GPS - skeleton: {over('gps', 'skeleton', 'time'):+.0f} KiB (time -v), "
          f"{added:+.0f} KiB (VmHWM), target <= {TARGET_KIB} KiB: "
          f"{'MET' if added <= TARGET_KIB else 'MISSED'}\n"
          f"the GPS reference's own cost (with - without): {over('gps', 'local', 'hwm'):+.0f} KiB "
          f"(VmHWM), anonymous {over('gps', 'local', 'anon'):+.0f} KiB")
    return 0 if added <= TARGET_KIB else 1


if __name__ == "__main__":
    sys.exit(main())
