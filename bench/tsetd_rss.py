#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd_rss.py: tsetd's peak RSS with its GPS reference at work, against
an empty program linked with the same libraries, in one run.

    sudo bench/tsetd_rss.sh [--tsetd build/tsetd] [--seconds 20] [--runs 5]

Each run starts, in a network namespace of its own (loopback only):
tests/integration/fakegpsd.py on 127.0.0.1:12947 (VERSION, DEVICES, a TPV,
a TOFF and a PPS a second), and tsetd under /usr/bin/time -v with
`server 127.127.46.0` (the GPS through gpsd, served while usable),
`server 127.127.1.0` and a status file, on 127.0.0.1:12123; sends it NTP
requests for --seconds (100 a second) while it reads gpsd's reports,
checks that it served stratum 1 refid GPS, stops it with SIGTERM and reads
"Maximum resident set size". The floor: an empty `int main(void)` built
with gcc -Wl,--no-as-needed and every library `ldd tsetd` lists, by path
(libgps and its own dependencies among them when tsetd links it), run
--runs times by /usr/bin/time -v.
The same tsetd without the GPS reference (local clock only) is measured
in each run too: the difference is what the GPS reference itself costs.
Prints the medians and the differences; the target is 512 KiB. Never
touches the clock: tsetd only reads it.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import fakegpsd  # noqa: E402

ADDR, PORT, GPSD_PORT = "127.0.0.1", 12123, 12947
TARGET_KIB = 512
NTP_DELTA = 2208988800


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


def build_floor(work, libs):
    src = os.path.join(work, "empty.c")
    with open(src, "w") as f:
        f.write("int main(void){return 0;}\n")
    path = os.path.join(work, "empty-tsetd-libs")
    subprocess.run(["gcc", "-O2", "-o", path, src, "-Wl,--no-as-needed"] + libs, check=True)
    return path


def max_rss_kib(stderr):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return int(m.group(1)) if m else None


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


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def tsetd_run(tsetd, work, seconds, i, gps):
    """tsetd's peak RSS (KiB) after seconds of requests with (gps) or
    without its GPS reference, the replies at stratum 1 refid GPS, its
    log."""
    conf = os.path.join(work, f"tsetd-{gps}.conf")
    with open(conf, "w") as f:
        f.write(f"gpsd 127.0.0.1:{GPSD_PORT}\nport {PORT}\ninterface ignore all\n"
                f"interface listen {ADDR}\n"
                + ("server 127.127.46.0\nfudge 127.127.46.0 time1 0.0 refid GPS\n" if gps else "")
                + "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n")
    run = os.path.join(work, f"run{i}")
    os.makedirs(run, exist_ok=True)
    os.chmod(run, 0o777)
    fake = fakegpsd.FakeGpsd("127.0.0.1", GPSD_PORT, [fakegpsd.Device("/dev/gps0", 2.0)])
    errf = open(os.path.join(work, f"tsetd{i}-{gps}.log"), "w+")
    p = subprocess.Popen(["/usr/bin/time", "-v", tsetd, "-n", "-c", conf],
                         env=dict(os.environ, RUNTIME_DIRECTORY=run),
                         stdout=subprocess.DEVNULL, stderr=errf)
    gps_seen = 0
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r = ask()
            if r and r[0] == 1 and r[1] == b"GPS\0":
                gps_seen += 1
            time.sleep(0.01)
    finally:
        # SIGTERM to tsetd by its PID (time's child; a signal to time
        # would end time and leave tsetd); time reports once it exited
        for pid in children(p.pid):
            os.kill(pid, signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            for pid in children(p.pid):
                os.kill(pid, signal.SIGKILL)
            p.kill()
            p.wait()
        fake.close()
    errf.seek(0)
    text = errf.read()
    errf.close()
    return max_rss_kib(text), gps_seen, text


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
    floor_bin = build_floor(work, libs)
    names = " ".join(os.path.basename(x).split(".so")[0] for x in libs)
    print(f"tsetd {tsetd}\nlibraries (ldd): {names}\nwork dir {work}", flush=True)
    floors, peaks, bare = [], [], []
    for i in range(args.runs):
        p = subprocess.run(["/usr/bin/time", "-v", floor_bin], capture_output=True, text=True)
        floors.append(max_rss_kib(p.stderr))
        rss, seen, text = tsetd_run(tsetd, work, args.seconds, i, True)
        if seen == 0:
            print(text[-2000:], file=sys.stderr)
            raise SystemExit("tsetd_rss: tsetd never served the GPS reference")
        peaks.append(rss)
        bare.append(tsetd_run(tsetd, work, args.seconds, i, False)[0])
        print(f"run {i + 1}: tsetd {rss} KiB ({seen} replies at stratum 1 refid GPS), "
              f"without the GPS reference {bare[-1]} KiB, empty program {floors[-1]} KiB",
              flush=True)
    t, b, f = statistics.median(peaks), statistics.median(bare), statistics.median(floors)
    verdict = "MET" if t - f <= TARGET_KIB else "MISSED"
    print(f"\npeak RSS, medians of {args.runs} runs (/usr/bin/time -v):\n"
          f"  tsetd, GPS reference fed by a gpsd for {args.seconds:.0f} s: {t:.0f} KiB\n"
          f"  tsetd, the same without the GPS reference (local clock): {b:.0f} KiB\n"
          f"  empty program, tsetd's libraries ({names}): {f:.0f} KiB\n"
          f"  tsetd with GPS - empty program {t - f:+.0f} KiB, target <= {TARGET_KIB} KiB: "
          f"{verdict}\n"
          f"  the GPS reference's own cost (with - without) {t - b:+.0f} KiB")
    return 0 if verdict == "MET" else 1


if __name__ == "__main__":
    sys.exit(main())
