#!/usr/bin/env python3
"""run.py: tset against chronyd -Q, ntpdig and the ntpdate shim, side by side.

Starts 4 chronyd servers on loopback (and 4 more under libfaketime, 10 s
ahead), 4 jitter relays in front of the plain ones and one black hole, then
times every client in every case, interleaved, and prints one table: wall
time from process start to exit (median, min, max), the offset each client
reported and its error against the true offset. Then tset's peak RSS.

Never touches this machine's clock: tset runs with -q only, the ntpdate
shim with -q only, ntpdig without -s/-S, chronyd as a client with -Q only
and as a server with -x; every argv is checked before it runs. Everything
it starts is stopped by PID when it ends, and has a lifetime of its own
(coreutils timeout, the relay's --lifetime) should this script die.

Run as root (chronyd binds port 123): sudo bench/run.sh [options]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

from benchlib import die_with_parent, machine

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
NTPDATE = "/usr/sbin/ntpdate"
STEP_OFFSET = 10.0          # the faked servers are this far ahead

# ---------------------------------------------------------------- safety


def check_safe(argv):
    """Refuse any argv that could set this machine's clock."""
    prog = os.path.basename(argv[0])
    args = argv[1:]
    if prog == "time":                      # /usr/bin/time -v CMD...
        while args and args[0].startswith("-"):
            args = args[1:]
        return check_safe(args)
    if prog == "timeout":                   # timeout SECONDS CMD...
        return check_safe(args[1:])
    if prog == "env":                       # env VAR=VALUE... CMD...
        while args and "=" in args[0]:
            args = args[1:]
        return check_safe(args)
    if prog in ("tset", "ntpdate"):
        ok = "-q" in args                   # the shim without -q sets the clock
    elif prog == "ntpdig":
        ok = not any(a in ("--step", "--slew") or
                     (a.startswith("-") and not a.startswith("--") and
                      ("s" in a or "S" in a)) for a in args)
    elif prog == "chronyd":
        ok = "-Q" in args or "-x" in args
    elif prog == "true":
        ok = True
    elif os.path.basename(prog).startswith("python3"):
        ok = len(args) >= 1 and os.path.basename(args[0]) == "relay.py"
    else:
        ok = False
    if not ok:
        raise SystemExit("run.py: refusing to run %r: it could set the clock" % (argv,))



# ---------------------------------------------------------------- NTP probe


def ntp_probe(addr, port=123, timeout=0.3):
    """One SNTP query; the offset in seconds, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        cookie = os.urandom(8)
        s.sendto(b"\x23" + b"\0" * 39 + cookie, (addr, port))
        t1 = time.time()
        data, _ = s.recvfrom(512)
        t4 = time.time()
        if len(data) < 48 or data[24:32] != cookie:
            return None

        def ts(b):
            sec, frac = struct.unpack("!II", b)
            return sec - 2208988800 + frac / 2 ** 32
        t2, t3 = ts(data[32:40]), ts(data[40:48])
        return ((t2 - t1) + (t3 - t4)) / 2
    except OSError:
        return None
    finally:
        s.close()

# ---------------------------------------------------------------- processes


class Fleet:
    """Long-lived helpers (servers, relays), stopped by PID."""

    def __init__(self, workdir, lifetime):
        self.workdir = workdir
        self.lifetime = lifetime
        self.procs = []

    def start(self, name, argv, env=None):
        check_safe(argv)
        log = open(os.path.join(self.workdir, name + ".log"), "w")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                             stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        log.close()
        self.procs.append((name, p))
        return p

    def chronyd(self, name, addr, faketime=None):
        conf = os.path.join(self.workdir, name + ".conf")
        with open(conf, "w") as f:
            f.write("local stratum 10\nallow 127.0.0.0/8\nbindaddress %s\nport 123\n"
                    "cmdport 0\npidfile %s\n" % (addr, os.path.join(self.workdir, name + ".pid")))
        argv = ["timeout", str(self.lifetime)]
        if faketime:
            # libfaketime by LD_PRELOAD, not the faketime wrapper
            argv += ["env", "LD_PRELOAD=" + FAKETIME_LIB, "FAKETIME=" + faketime]
        argv += ["chronyd", "-x", "-d", "-f", conf]
        return self.start(name, argv)

    def stop(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 5
        for name, p in reversed(self.procs):
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    def check_alive(self):
        for name, p in self.procs:
            if p.poll() is not None:
                raise SystemExit("run.py: %s (pid %d) exited with %s; see %s.log in %s"
                                 % (name, p.pid, p.returncode, name, self.workdir))


def wait_serving(addrs, expect, tol, seconds=15):
    deadline = time.monotonic() + seconds
    pending = list(addrs)
    while pending and time.monotonic() < deadline:
        for a in list(pending):
            off = ntp_probe(a)
            if off is not None and abs(off - expect) < tol:
                pending.remove(a)
        if pending:
            time.sleep(0.1)
    if pending:
        raise SystemExit("run.py: no (right) answer from %s within %d s" % (pending, seconds))

# ---------------------------------------------------------------- clients

R_TSET = re.compile(r"time server \S+ offset ([+-]?\d+\.\d+) sec")
R_DIG = re.compile(r"\) ([+-]?\d+\.\d+) \+/- ")
R_CHRONY = re.compile(r"System clock wrong by ([+-]?\d+\.\d+) seconds")


def parse_tset(out, err):
    m = R_TSET.search(out)
    return (float(m.group(1)), {}) if m else (None, {})


def parse_tset_json(out, err):
    try:
        doc = json.loads(out)
    except ValueError:
        return None, {}
    extra = {"elapsed": doc.get("elapsed"),
             "samples": [s.get("samples") for s in doc.get("servers", [])],
             "states": [s.get("state") for s in doc.get("servers", [])]}
    return doc.get("offset"), extra


def parse_dig(out, err):
    m = R_DIG.search(out)
    return (float(m.group(1)), {}) if m else (None, {})


def parse_chrony(out, err):
    m = R_CHRONY.search(err) or R_CHRONY.search(out)
    return (float(m.group(1)), {}) if m else (None, {})


class Client:
    def __init__(self, label, argv, parse, runs, timeout=60):
        self.label, self.argv, self.parse, self.runs, self.timeout = label, argv, parse, runs, timeout
        check_safe(argv)
        self.results = []       # dicts: wall, rc, offset, extra

    def run_once(self):
        t0 = time.perf_counter()
        try:
            p = subprocess.run(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=self.timeout, text=True,
                               preexec_fn=None)
            wall = time.perf_counter() - t0
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            wall = time.perf_counter() - t0
            rc, out, err = "timeout", e.stdout or "", e.stderr or ""
            out = out.decode() if isinstance(out, bytes) else out
            err = err.decode() if isinstance(err, bytes) else err
        offset, extra = self.parse(out, err)
        return {"wall": wall, "rc": rc, "offset": offset, "extra": extra,
                "out": out[-2000:], "err": err[-2000:]}


def run_case(case, clients, warmup=True, log=None):
    """Interleave: round i runs every client that still has runs left."""
    if warmup:
        for c in clients:
            if c.runs:
                c.run_once()
    for i in range(max(c.runs for c in clients)):
        for c in clients:
            if i < c.runs:
                r = c.run_once()
                c.results.append(r)
                if log:
                    log.write(json.dumps({"case": case, "client": c.label, "run": i,
                                          **{k: r[k] for k in ("wall", "rc", "offset", "extra")}})
                              + "\n")
                    log.flush()
        sys.stderr.write(".")
        sys.stderr.flush()
    sys.stderr.write("\n")


def summarise(c, true_offset):
    walls = sorted(r["wall"] for r in c.results)
    offs = [r["offset"] for r in c.results if r["offset"] is not None]
    errs = sorted(abs(o - true_offset) for o in offs)
    elapsed = sorted(r["extra"]["elapsed"] for r in c.results
                     if r["extra"].get("elapsed") is not None)
    samples = [x for r in c.results for x in (r["extra"].get("samples") or []) if x is not None]
    rcs = {}
    for r in c.results:
        rcs[str(r["rc"])] = rcs.get(str(r["rc"]), 0) + 1
    return {
        "client": c.label, "argv": c.argv, "runs": len(walls),
        "median_s": statistics.median(walls) if walls else None,
        "min_s": walls[0] if walls else None, "max_s": walls[-1] if walls else None,
        "offset_median": statistics.median(offs) if offs else None,
        "err_median": statistics.median(errs) if errs else None,
        "err_mean": statistics.fmean(errs) if errs else None,
        "err_rms": (statistics.fmean([e * e for e in errs]) ** 0.5) if errs else None,
        "err_max": errs[-1] if errs else None,
        "with_offset": len(offs), "exit": rcs,
        "elapsed_median": statistics.median(elapsed) if elapsed else None,
        "samples_max": max(samples) if samples else None,
    }


def fmt_time(s):
    if s is None:
        return "-"
    return "%.1f ms" % (s * 1e3) if s < 1 else "%.2f s" % s


def fmt_delta(s):
    return ("+" if s >= 0 else "-") + fmt_time(abs(s))


def fmt_off(x):
    return "-" if x is None else "%+.6f" % x


def fmt_err(x):
    return "-" if x is None else "%.0f us" % (x * 1e6)


def table(rows):
    head = ("| case | client | runs | median | min | max | offset (median) | "
            "abs error median / RMS / max | exits | tset -j: own elapsed, samples per server |")
    lines = [head, "|" + "---|" * 10]
    for case, s in rows:
        lines.append("| %s | `%s` | %d | %s | %s | %s | %s | %s / %s / %s | %s | %s |" % (
            case, s["client"], s["runs"], fmt_time(s["median_s"]), fmt_time(s["min_s"]),
            fmt_time(s["max_s"]), fmt_off(s["offset_median"]), fmt_err(s["err_median"]),
            fmt_err(s["err_rms"]), fmt_err(s["err_max"]),
            " ".join("%s:%d" % kv for kv in sorted(s["exit"].items())),
            "" if s.get("elapsed_median") is None else "%s, <= %s" % (
                fmt_time(s["elapsed_median"]), s["samples_max"])))
    return "\n".join(lines)

# ---------------------------------------------------------------- RSS


def peak_rss_kib(argv, n):
    vals = []
    for _ in range(n):
        full = ["/usr/bin/time", "-v"] + argv
        check_safe(full)
        p = subprocess.run(full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        if m:
            vals.append(int(m.group(1)))
    return vals

# ---------------------------------------------------------------- main




def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tset", default=os.path.join(ROOT, "build", "tset"))
    ap.add_argument("--net", default="127.0.100",
                    help="first three octets: servers at .1-.4, faked at .11-.14, relays at "
                         ".21-.24, black hole at .31 (default 127.0.100)")
    ap.add_argument("--fast-runs", type=int, default=51, help="runs of tset in the fast cases")
    ap.add_argument("--runs", type=int, default=11, help="runs of the other clients, and of "
                    "every client behind the jitter relay and with the black hole")
    ap.add_argument("--jitter-runs", type=int, default=21,
                    help="runs of every client behind the jitter relay (errors are noisy)")
    ap.add_argument("--seed", type=int, default=20261127, help="the relay's seed")
    ap.add_argument("--base-ms", type=float, default=2.0)
    ap.add_argument("--jitter-ms", type=float, default=2.0)
    ap.add_argument("--dist", choices=("exp", "uniform"), default="exp")
    ap.add_argument("--cases", default="step,lan,jitter,blackhole,rss")
    ap.add_argument("--workdir", default=None, help="logs and results (default: a new /tmp dir)")
    ap.add_argument("--lifetime", type=int, default=3600,
                    help="servers and relays stop by themselves after this many seconds")
    args = ap.parse_args()

    if os.geteuid() != 0:
        raise SystemExit("run.py: run as root: chronyd binds port 123")
    for tool in ("chronyd", "ntpdig", "timeout"):
        if not shutil.which(tool):
            raise SystemExit("run.py: %s not found (see bench/README.md)" % tool)
    for path in (args.tset, NTPDATE, FAKETIME_LIB, "/usr/bin/time"):
        if not os.path.exists(path):
            raise SystemExit("run.py: %s not found (see bench/README.md)" % path)
    if not re.fullmatch(r"127\.\d+\.\d+", args.net):
        raise SystemExit("run.py: --net must be inside 127.0.0.0/8")
    cases = args.cases.split(",")

    work = args.workdir or tempfile.mkdtemp(prefix="tset-bench-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    n = args.net
    plain = ["%s.%d" % (n, i) for i in (1, 2, 3, 4)]
    faked = ["%s.%d" % (n, i) for i in (11, 12, 13, 14)]
    relays = ["%s.%d" % (n, i) for i in (21, 22, 23, 24)]
    hole = "%s.31" % n
    hole2 = "%s.32" % n

    info = machine()
    info.update({"tset": args.tset, "seed": args.seed, "relay": "%g ms + %s %g ms per direction"
                 % (args.base_ms, args.dist, args.jitter_ms),
                 "chronyd": subprocess.run(["chronyd", "-v"], capture_output=True, text=True).stdout.strip(),
                 "ntpdig": subprocess.run(["ntpdig", "--version"], capture_output=True, text=True).stdout.strip(),
                 "workdir": work, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")})
    print("machine: %(nproc)s cores, %(cpu)s, kernel %(kernel)s, load %(loadavg)s" % info)
    print("workdir: %s" % work, flush=True)

    fleet = Fleet(work, args.lifetime)

    def on_signal(signo, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)

    rows, verdicts, raw = [], [], {}
    runlog = open(os.path.join(work, "runs.jsonl"), "w")
    try:
        for i, a in enumerate(plain):
            fleet.chronyd("plain%d" % (i + 1), a)
        for i, a in enumerate(faked):
            fleet.chronyd("faked%d" % (i + 1), a, faketime="+%g" % STEP_OFFSET)
        relay_argv = ["timeout", str(args.lifetime), sys.executable, os.path.join(HERE, "relay.py"),
                      "--seed", str(args.seed), "--base-ms", str(args.base_ms),
                      "--jitter-ms", str(args.jitter_ms), "--dist", args.dist,
                      "--lifetime", str(args.lifetime)]
        for r, s in zip(relays, plain):
            relay_argv += ["--pair", "%s:123=%s:123" % (r, s)]
        relay_argv += ["--blackhole", "%s:123" % hole, "--blackhole", "%s:123" % hole2]
        relay = fleet.start("relay", relay_argv)
        wait_serving(plain, 0.0, 0.01)
        wait_serving(faked, STEP_OFFSET, 0.01)
        wait_serving(relays, 0.0, 0.05)
        fleet.check_alive()
        print("servers: plain %s, faked +%gs %s, relays %s, black hole %s"
              % (" ".join(plain), STEP_OFFSET, " ".join(faked), " ".join(relays), hole), flush=True)

        def clients(servers, fast_runs, runs, tset_extra=()):
            chrony_pid = os.path.join(work, "chronyd-Q.pid")
            return [
                Client("tset -q%s" % "".join(" " + a for a in tset_extra),
                       [args.tset, "-q", *tset_extra, *servers], parse_tset, fast_runs),
                Client("tset -q -j%s" % "".join(" " + a for a in tset_extra),
                       [args.tset, "-q", "-j", *tset_extra, *servers], parse_tset_json, fast_runs),
                Client("chronyd -Q iburst",
                       ["chronyd", "-Q", "-u", "root", "-f", "/dev/null", "-t", "30",
                        *["server %s iburst" % s for s in servers],
                        "cmdport 0", "pidfile %s" % chrony_pid], parse_chrony, runs, timeout=40),
                Client("ntpdig", ["ntpdig", *servers], parse_dig, runs, timeout=40),
                Client("ntpdate -q", [NTPDATE, "-q", *servers], parse_dig, runs, timeout=40),
            ]

        def record(case, cl, true_offset):
            summ = [summarise(c, true_offset) for c in cl]
            raw[case] = summ
            for s in summ:
                rows.append((case, s))
            print(table([(case, s) for s in summ]), flush=True)
            return {s["client"]: s for s in summ}

        floor = Client("true", ["/bin/true"], lambda o, e: (None, {}), args.fast_runs)
        run_case("floor", [floor], log=runlog)
        raw["floor"] = [summarise(floor, 0)]
        rows.append(("harness floor", raw["floor"][0]))
        print("harness floor (/bin/true): median %s" % fmt_time(raw["floor"][0]["median_s"]))

        if "step" in cases:
            print("\n== step: servers %+g s (libfaketime), default options" % STEP_OFFSET, flush=True)
            cl = clients(faked, args.fast_runs, args.runs)
            run_case("step", cl, log=runlog)
            s = record("step", cl, STEP_OFFSET)
            t, c = s["tset -q"]["median_s"], s["chronyd -Q iburst"]["median_s"]
            verdicts.append(("step: tset median < 20 ms", t < 0.020, fmt_time(t)))
            verdicts.append(("step: tset >= 100x faster than chronyd -Q", c / t >= 100,
                             "%.0fx (%s vs %s)" % (c / t, fmt_time(c), fmt_time(t))))
            ok = all(r["rc"] == 0 for r in cl[0].results + cl[1].results)
            verdicts.append(("step: tset decides in one round of replies (samples per server <= 1)",
                             s["tset -q -j"]["samples_max"] == 1,
                             "max samples %s, own elapsed median %s"
                             % (s["tset -q -j"]["samples_max"], fmt_time(s["tset -q -j"]["elapsed_median"]))))
            verdicts.append(("step: every tset run exit 0, offset +10 s",
                             ok and max(s["tset -q"]["err_max"], s["tset -q -j"]["err_max"]) < 0.01,
                             "max error %s" % fmt_err(max(s["tset -q"]["err_max"],
                                                          s["tset -q -j"]["err_max"]))))

        if "lan" in cases:
            print("\n== slew, loopback LAN (offset ~0), default options", flush=True)
            cl = clients(plain, args.fast_runs, args.runs)
            run_case("slew-lan", cl, log=runlog)
            s = record("slew-lan", cl, 0.0)
            t, c = s["tset -q"]["median_s"], s["chronyd -Q iburst"]["median_s"]
            verdicts.append(("slew LAN: tset median < 20 ms", t < 0.020, fmt_time(t)))
            verdicts.append(("slew LAN: tset settles after the first round (samples per server <= 1)",
                             s["tset -q -j"]["samples_max"] == 1,
                             "max samples %s, own elapsed median %s"
                             % (s["tset -q -j"]["samples_max"], fmt_time(s["tset -q -j"]["elapsed_median"]))))
            verdicts.append(("slew LAN: ratio chronyd -Q / tset", None, "%.0fx" % (c / t)))

        if "jitter" in cases:
            print("\n== slew behind the jitter relay (%s), default options" % info["relay"], flush=True)
            cl = clients(relays, args.jitter_runs, args.jitter_runs)
            run_case("slew-jitter", cl, log=runlog)
            s = record("slew-jitter", cl, 0.0)
            t = s["tset -q"]["median_s"]
            verdicts.append(("jitter: tset samples up to -p 4, about 6 s", 5.5 < t < 7.5, fmt_time(t)))
            samples = [x for r in cl[1].results for x in (r["extra"].get("samples") or [])]
            verdicts.append(("jitter: tset -j took 4 samples per server", samples and min(samples) == 4,
                             "samples %s" % sorted(set(samples))))
            for stat, what in (("err_median", "median"), ("err_rms", "RMS")):
                ts_, tj = s["tset -q"][stat], s["tset -q -j"][stat]
                ce = s["chronyd -Q iburst"][stat]
                verdicts.append(("jitter: tset error no worse than chronyd -Q (%s of abs error)" % what,
                                 max(ts_, tj) <= ce, "tset %s (-q) / %s (-q -j) vs chronyd -Q %s"
                                 % (fmt_err(ts_), fmt_err(tj), fmt_err(ce))))

        if "blackhole" in cases:
            print("\n== black hole: 3 servers + %s (bound, never answers)" % hole, flush=True)
            three = plain[:3]
            with_hole = [plain[0], hole, plain[1], plain[2]]
            cl = [
                Client("tset -q (4 live, no hole)", [args.tset, "-q", *plain], parse_tset, args.runs),
                Client("tset -q (3 live, no hole)", [args.tset, "-q", *three], parse_tset, args.runs),
                Client("tset -q -t 1 (hole)", [args.tset, "-q", "-t", "1", *with_hole], parse_tset, args.runs),
                Client("tset -q -j -t 1 (hole)", [args.tset, "-q", "-j", "-t", "1", *with_hole],
                       parse_tset_json, args.runs),
                Client("ntpdig (3 live)", ["ntpdig", *three], parse_dig, args.runs),
                Client("ntpdig (hole)", ["ntpdig", *with_hole], parse_dig, args.runs, timeout=40),
                Client("ntpdate -q (hole)", [NTPDATE, "-q", *with_hole], parse_dig, args.runs, timeout=40),
                Client("chronyd -Q iburst (hole)",
                       ["chronyd", "-Q", "-u", "root", "-f", "/dev/null", "-t", "30",
                        *["server %s iburst" % a for a in with_hole],
                        "cmdport 0", "pidfile %s" % os.path.join(work, "chronyd-Q.pid")],
                       parse_chrony, args.runs, timeout=40),
                # not a target: 2 of 4 dead is no majority, so tset cannot settle early
                Client("tset -q -j -t 1 (2 holes of 4)",
                       [args.tset, "-q", "-j", "-t", "1", plain[0], hole, plain[1], hole2],
                       parse_tset_json, min(3, args.runs)),
                # not a target: behind the jitter tset samples to -p 4 anyway, and
                # the hole's last request times out 1 s after the last sample
                Client("tset -q -j -t 1 (3 jitter relays + hole)",
                       [args.tset, "-q", "-j", "-t", "1", relays[0], hole, relays[1], relays[2]],
                       parse_tset_json, min(5, args.runs)),
                Client("tset -q -j (3 jitter relays, no hole)",
                       [args.tset, "-q", "-j", *relays[:3]], parse_tset_json, min(5, args.runs)),
            ]
            run_case("blackhole", cl, log=runlog)
            s = record("blackhole", cl, 0.0)
            a, b = s["tset -q -t 1 (hole)"]["median_s"], s["tset -q (4 live, no hole)"]["median_s"]
            verdicts.append(("black hole: tset -t 1 within ~1 s of no hole", a - b <= 1.05,
                             "%s vs %s (%s)" % (fmt_time(a), fmt_time(b), fmt_delta(a - b))))
            d, e = s["ntpdig (hole)"]["median_s"], s["ntpdig (3 live)"]["median_s"]
            verdicts.append(("black hole: ntpdig waits for the dead host", None,
                             "%s vs %s (%s)" % (fmt_time(d), fmt_time(e), fmt_delta(d - e))))
            a, b = (s["tset -q -j -t 1 (3 jitter relays + hole)"]["median_s"],
                    s["tset -q -j (3 jitter relays, no hole)"]["median_s"])
            verdicts.append(("black hole behind the jitter (no early answer): tset -t 1 within ~1 s",
                             a - b <= 1.05, "%s vs %s (%s)" % (fmt_time(a), fmt_time(b), fmt_delta(a - b))))
            h2 = s["tset -q -j -t 1 (2 holes of 4)"]
            verdicts.append(("2 of 4 dead (no majority can answer early): tset -t 1", None,
                             "median %s, exits %s" % (fmt_time(h2["median_s"]), h2["exit"])))

        if "rss" in cases:
            print("\n== peak RSS (/usr/bin/time -v, Maximum resident set size)", flush=True)
            rss = {
                "tset -q, step (faked)": peak_rss_kib([args.tset, "-q", *faked], 11),
                "tset -q, slew LAN": peak_rss_kib([args.tset, "-q", *plain], 11),
                "tset -q -j, slew LAN": peak_rss_kib([args.tset, "-q", "-j", *plain], 11),
                "tset -q, jitter relay (-p 4)": peak_rss_kib([args.tset, "-q", *relays], 2),
                "tset -q -t 1, black hole": peak_rss_kib([args.tset, "-q", "-t", "1", *with_hole], 3)
                if "blackhole" in cases else [],
                "ntpdig, slew LAN": peak_rss_kib(["ntpdig", *plain], 3),
                "chronyd -Q, slew LAN": peak_rss_kib(
                    ["chronyd", "-Q", "-u", "root", "-f", "/dev/null", "-t", "30",
                     *["server %s iburst" % a for a in plain], "cmdport 0",
                     "pidfile %s" % os.path.join(work, "chronyd-Q.pid")], 2),
            }
            raw["rss_kib"] = rss
            for k, v in rss.items():
                if v:
                    print("  %-32s max %5d KiB  (min %d, runs %d)" % (k, max(v), min(v), len(v)))
            worst = max(max(v) for k, v in rss.items() if k.startswith("tset") and v)
            verdicts.append(("peak RSS of tset < 4 MiB", worst < 4096, "%d KiB" % worst))

        fleet.check_alive()
    finally:
        fleet.stop()
        runlog.close()

    with open(os.path.join(work, "relay.log")) as f:
        relay_stats = [l.strip() for l in f if l.startswith("relay:")]
    raw["relay"] = relay_stats
    print("\n" + "\n".join(relay_stats))

    print("\n== all cases\n")
    print(table(rows))
    print("\n== targets\n")
    for name, ok, what in verdicts:
        print("- %s %s: %s" % ("INFO" if ok is None else "MET" if ok else "MISSED", name, what))
    info["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"machine": info, "cases": raw,
                   "verdicts": [{"target": a, "met": b, "value": c} for a, b, c in verdicts]},
                  f, indent=1)
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write(table(rows) + "\n")
    print("\nresults: %s/results.json, results.md, runs.jsonl (every run)" % work)


if __name__ == "__main__":
    main()
