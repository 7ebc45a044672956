#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""nts_bench.py: time to an NTS-authenticated decision, tset against chronyd -Q.

Starts 4 chronyd -x NTS servers on 127.0.100.41-44 (NTS-KE on 4460, NTP on
123, certificates for their addresses from a CA made here with openssl),
then runs, round-robin after one discarded warm-up each, `tset -q -j` and
`chronyd -x -Q` with the same four lines `server ADDR nts` and the same CA
(`ntstrustedcerts`). Measures the wall time from spawn to reap (the harness
floor, /bin/true, included in every figure), tset's own `elapsed`, and
the peak RSS (/usr/bin/time -v) of each. Never sets the clock: tset runs with
-q, chronyd with -Q (print the offset only) and -x.

    sudo bench/nts_bench.py [--tset build/tset] [--runs 5]

Root: chronyd binds port 123. Run it in a network namespace of its own if
anything else uses these addresses:
    sudo unshare -n sh -c 'ip link set lo up; bench/nts_bench.py'
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import benchlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDRS = ["127.0.100.%d" % i for i in range(41, 45)]
KE_PORT = 4460


def sh(workdir, *argv):
    subprocess.run(argv, cwd=workdir, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_pki(workdir):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    sh(workdir, "openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
       "-days", "30", "-subj", "/CN=tset bench CA",
       "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign")
    sh(workdir, "openssl", "req", *ec, "-keyout", "srv.key", "-out", "srv.csr",
       "-subj", "/CN=tset bench")
    with open(os.path.join(workdir, "srv.ext"), "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                % ",".join("IP:" + a for a in ADDRS))
    sh(workdir, "openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey",
       "ca.key", "-CAcreateserial", "-out", "srv.pem", "-days", "10", "-extfile", "srv.ext")


def start_server(workdir, addr, procs):
    name = "chronyd-" + addr
    dump = os.path.join(workdir, name + ".dump")
    os.makedirs(dump, exist_ok=True)
    conf = os.path.join(workdir, name + ".conf")
    with open(conf, "w") as f:
        f.write("local stratum 10\nallow 127.0.0.0/8\nbindaddress %s\nport 123\ncmdport 0\n"
                "bindcmdaddress /\npidfile %s\nntsserverkey %s\nntsservercert %s\n"
                "ntsport %d\nntsdumpdir %s\n"
                % (addr, os.path.join(workdir, name + ".pid"), os.path.join(workdir, "srv.key"),
                   os.path.join(workdir, "srv.pem"), KE_PORT, dump))
    log = open(os.path.join(workdir, name + ".log"), "w")
    p = subprocess.Popen(["chronyd", "-x", "-d", "-u", "root", "-f", conf], stdout=log,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         preexec_fn=benchlib.die_with_parent)
    log.close()
    procs.append(p)


def wait_ke(addr, seconds=15):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            socket.create_connection((addr, KE_PORT), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("nts_bench.py: no NTS-KE on %s:%d" % (addr, KE_PORT))


def timed(argv):
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=120)
    return time.perf_counter() - t0, p


def peak_rss_kib(argv):
    p = subprocess.run(["/usr/bin/time", "-v"] + argv, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return int(m.group(1)) if m else None


def tset_ok(p):
    return p.returncode == 0 and '"auth": "nts"' in p.stdout


def chrony_ok(p):
    return p.returncode == 0 and "System clock wrong by" in (p.stdout + p.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tset", default=os.path.join(ROOT, "build", "tset"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("nts_bench.py: run as root (chronyd binds port 123)")
    for tool in ("chronyd", "openssl", "/usr/bin/time"):
        if not shutil.which(tool):
            raise SystemExit("nts_bench.py: %s missing" % tool)
    workdir = tempfile.mkdtemp(prefix="tset-nts-bench-")
    os.chmod(workdir, 0o755)
    procs = []
    try:
        make_pki(workdir)
        for a in ADDRS:
            start_server(workdir, a, procs)
        for a in ADDRS:
            wait_ke(a)
        ca = os.path.join(workdir, "ca.pem")
        servers = "".join("server %s nts\n" % a for a in ADDRS)
        tconf = os.path.join(workdir, "tset.conf")
        with open(tconf, "w") as f:
            f.write(servers + "ntstrustedcerts %s\n" % ca)
        cconf = os.path.join(workdir, "chronyd-Q.conf")
        with open(cconf, "w") as f:
            f.write(servers.replace(" nts\n", " nts iburst\n")
                    + "ntstrustedcerts %s\ncmdport 0\npidfile %s\nntsdumpdir %s\n"
                    % (ca, os.path.join(workdir, "chronyd-Q.pid"), workdir))
        clients = [("harness floor", ["/bin/true"], lambda p: p.returncode == 0),
                   ("tset -q -j", [args.tset, "-q", "-j", "-c", tconf], tset_ok),
                   ("chronyd -x -Q", ["chronyd", "-x", "-Q", "-u", "root", "-t", "60", "-f",
                                      cconf], chrony_ok)]
        times = {c[0]: [] for c in clients}
        tset_elapsed = []
        fails = {c[0]: 0 for c in clients}
        for i in range(args.runs + 1):
            for label, argv, ok in clients:
                t, p = timed(argv)
                if i == 0:
                    continue  # warm-up
                times[label].append(t)
                m = re.search(r'"elapsed": ([0-9.]+)', p.stdout)
                if label.startswith("tset") and m:
                    tset_elapsed.append(float(m.group(1)))
                fails[label] += not ok(p)
                if not ok(p):
                    sys.stderr.write("%s failed: %s%s\n" % (label, p.stdout[-300:],
                                                            p.stderr[-300:]))
        m = benchlib.machine()
        print("machine: %d cpu %s, kernel %s, load %s" % (m["nproc"], m["cpu"], m["kernel"],
                                                          " ".join(m["loadavg"])))
        print("4 chronyd -x NTS servers on loopback, %d runs each after a warm-up" % args.runs)
        print("%-16s %10s %10s %10s %6s %12s" % ("client", "median", "min", "max", "fails",
                                                 "peak RSS"))
        for label, argv, _ in clients:
            ts = times[label]
            rss = peak_rss_kib(argv)
            print("%-16s %8.1f ms %7.1f ms %7.1f ms %6d %9s KiB"
                  % (label, statistics.median(ts) * 1e3, min(ts) * 1e3, max(ts) * 1e3,
                     fails[label], rss))
        print("tset's own elapsed (-j: from its start to its decision, after the "
              "process started): median %.1f ms" % (statistics.median(tset_elapsed) * 1e3))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        print("work directory: %s" % workdir)


if __name__ == "__main__":
    main()
