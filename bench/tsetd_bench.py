#!/usr/bin/env python3
"""tsetd_bench.py: tsetd's throughput and T3 error against chronyd and a bare UDP reflector.

In one run, on loopback in a network namespace of its own (tsetd.sh makes
it; 127.0.200.0/24 only, each server's address an address of lo): starts
tsetd in its default configuration (no interface rule: the wildcard
sockets and one socket per address), chronyd (-x, local stratum 10, no
ratelimit) and bench/reflector.c (the ceiling: a recvmmsg/sendmmsg echo
turned into a mode-4 reply, no clock read), and, for information, tsetd
bound to its address by interface rules and the reflector with the
wildcard's socket options (IP_PKTINFO, SO_TIMESTAMPNS, clock reads), and
other tsetd builds (--compare), every one pinned to CPU 1, and floods each
in turn from bench/loadgen.c pinned to CPU 0 (64 source ports, batches of
64 sent as one UDP_SEGMENT write, 192 requests in flight), in interleaved
rounds, median replies/s. Then a fixed rate (20k/s) against each: sent,
valid, lost, and the server processing time T3 - T2 read from the replies
(p50/p99). Beside them, tsetd, chronyd and each --compare build run again
under bench/txstamp.c (LD_PRELOAD), which pairs each reply's T3 with the
kernel's software TX timestamp of its datagram: the T3 error, at 20k/s and
in the flood. Then tsetd's peak RSS after that load against empty
programs linked with the same libraries (and with libgps as well).

This machine is shared: around every run it sums the CPU time of every
other task (/proc/*/task/*/schedstat); each run waits until they take at
most --max-others of the CPUs, and a run during which they took more is
discarded and run again.

Never touches this machine's clock: tsetd only reads it, chronyd runs with
-x (and the script refuses any argv that could set it). Everything it
starts is pinned, bound to 127.0.200.x, stopped by PID in a finally, and
has a lifetime of its own (coreutils timeout, the reflector's --lifetime).

Run as root: sudo bench/tsetd.sh [options]
"""

import argparse
import array
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time

from benchlib import die_with_parent, machine

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# informational servers (name, label, reflector flags), at .5, .6, ...:
# tsetd bound to its address by interface rules, and reflectors with the
# costs of tsetd's wildcard socket (all of them, or one at a time)
OPTS = ["--pktinfo", "--timestamp", "--clock", "--rounds", "16"]
BOUND = ("tsetd-bound", "tsetd bound to its address (interface rules)", None)
VARIANTS = {
    "none": [],
    "opts": [BOUND, ("reflector-opts", "reflector + the wildcard's socket options", OPTS)],
    "all": [BOUND,
            ("reflector-opts", "reflector + the wildcard's socket options", OPTS),
            ("reflector-nopkt", "reflector + those options but IP_PKTINFO",
             ["--timestamp", "--clock", "--rounds", "16"]),
            ("reflector-pkt", "reflector + IP_PKTINFO", ["--pktinfo"]),
            ("reflector-ts", "reflector + SO_TIMESTAMPNS", ["--timestamp"])],
}
SERVER_CPU, LOADGEN_CPU = 1, 0

# ---------------------------------------------------------------- safety


def check_safe(argv):
    """Refuse any argv that could set this machine's clock."""
    prog = os.path.basename(argv[0])
    args = argv[1:]
    if prog == "timeout":                   # timeout SECONDS CMD...
        return check_safe(args[1:])
    if prog == "taskset":                   # taskset -c CPU CMD...
        return check_safe(args[2:])
    if prog == "env":                       # env VAR=VALUE... CMD...
        while args and "=" in args[0]:
            args = args[1:]
        return check_safe(args)
    if prog == "chronyd":
        ok = "-x" in args and "-q" not in args and "-Q" not in args
    elif prog in ("tsetd", "reflector", "loadgen", "gcc", "ip") or prog.startswith("empty-"):
        ok = True                           # tsetd only reads the clock
    elif prog == "time":                    # time -v [-o FILE] CMD...
        if args[:1] == ["-v"] and args[1:2] == ["-o"]:
            args = args[3:]
        elif args[:1] == ["-v"]:
            args = args[1:]
        else:
            args = []
        ok = len(args) >= 1 and check_safe(args) is None
    else:
        ok = False
    if not ok:
        raise SystemExit("tsetd_bench: refusing to run %r" % (argv,))



# ---------------------------------------------------------------- build


def build(work, tsetd):
    """loadgen, reflector, and the empty programs for the RSS floors."""
    cc = shutil.which("gcc") or shutil.which("cc")
    out = {}
    for name in ("loadgen", "reflector"):
        path = os.path.join(work, name)
        argv = [cc, "-O2", "-Wall", "-o", path, os.path.join(HERE, name + ".c")]
        subprocess.run(argv, check=True)
        out[name] = path
    out["txstamp"] = os.path.join(work, "txstamp.so")
    subprocess.run([cc, "-O2", "-Wall", "-shared", "-fPIC", "-o", out["txstamp"],
                    os.path.join(HERE, "txstamp.c"), "-ldl"], check=True)
    # the libraries tsetd needs, as the dynamic linker sees them
    libs = []
    ldd = subprocess.run(["ldd", tsetd], capture_output=True, text=True, check=True).stdout
    for line in ldd.splitlines():
        m = re.match(r"\s*lib([^\s.]+(?:-[^\s.]+)*)\.so", line)
        if m and m.group(1) not in ("c",):
            libs.append(m.group(1))
    src = os.path.join(work, "empty.c")
    with open(src, "w") as f:
        f.write("int main(void){return 0;}\n")
    floors = {
        "empty-libc": [],
        "empty-tsetd-libs": ["-l" + l for l in libs],
        "empty-tsetd-libs-gps": ["-l" + l for l in libs] + ["-lgps"],
    }
    for name, flags in floors.items():
        path = os.path.join(work, name)
        # --no-as-needed: the libraries are loaded although nothing is used
        subprocess.run([cc, "-O2", "-o", path, src, "-Wl,--no-as-needed"] + flags, check=True)
        out[name] = path
    out["floor_flags"] = {k: " ".join(v) for k, v in floors.items()}
    out["tsetd_libs"] = libs
    out["gcc"] = subprocess.run([cc, "--version"], capture_output=True,
                                text=True).stdout.splitlines()[0]
    return out

# ---------------------------------------------------------------- NTP probe


def probe(addr, port, timeout=0.3):
    """One mode-3 request; the reply's (stratum, leap) or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((addr.rsplit(".", 1)[0] + ".1", 0))
        s.settimeout(timeout)
        cookie = os.urandom(8)
        s.sendto(b"\x23" + b"\0" * 39 + cookie, (addr, port))
        data, _ = s.recvfrom(512)
        if len(data) < 48 or data[0] & 7 != 4 or data[24:32] != cookie:
            return None
        return data[1], data[0] >> 6
    except OSError:
        return None
    finally:
        s.close()


def wait_serving(addr, port, want_stratum, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = probe(addr, port)
        if r is not None and (want_stratum is None or (r[0] == want_stratum and r[1] != 3)):
            return r
        time.sleep(0.1)
    raise SystemExit("tsetd_bench: no (right) answer from %s:%d within %d s" % (addr, port, seconds))

# ---------------------------------------------------------------- processes


class Server:
    def __init__(self, name, label, addr, port, popen, tx=None):
        self.name, self.label, self.addr, self.port, self.popen = name, label, addr, port, popen
        self.tx = tx                            # txstamp's counters (T3 error), or None
        self.pid = None                         # the server itself, below timeout

    def find_pid(self, comm):
        """The server below its wrappers (taskset execs, time and timeout
        fork): follow the only child until a process named comm."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pid = self.popen.pid
            for _ in range(4):
                try:
                    with open("/proc/%d/comm" % pid) as f:
                        if f.read().strip() == comm[:15]:
                            self.pid = pid
                            return pid
                    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                        kids = f.read().split()
                except OSError:
                    kids = []
                if not kids:
                    break
                pid = int(kids[0])
            if self.popen.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit("tsetd_bench: %s did not start; see %s.log" % (self.name, self.name))

    def cpu_ns(self):
        with open("/proc/%d/schedstat" % self.pid) as f:
            return int(f.read().split()[0])

    def status(self):
        out = {}
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "Cpus_allowed_list"):
                    out[k] = v.strip()
        return out

    def alive(self):
        return self.popen.poll() is None


class Fleet:
    def __init__(self, work, lifetime):
        self.work, self.lifetime = work, lifetime
        self.servers = []

    def start(self, name, label, addr, port, argv, time_file=None, txstamp=None):
        """argv pinned to the server CPU, with a lifetime; with time_file,
        under /usr/bin/time -v too (outside timeout, so that a lifetime's
        end stops the server and not time: time then reports its peak RSS);
        with txstamp (the library's path), its T3 error measured."""
        full = ["taskset", "-c", str(SERVER_CPU)]
        if time_file:
            full += ["/usr/bin/time", "-v", "-o", time_file]
        full += ["timeout", str(self.lifetime)]
        tx = None
        if txstamp:
            tx = os.path.join(self.work, name + ".tx")
            full += ["env", "LD_PRELOAD=" + txstamp, "TXSTAMP_OUT=" + tx]
        full += argv
        check_safe(full)
        log = open(os.path.join(self.work, name + ".log"), "w")
        p = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        log.close()
        s = Server(name, label, addr, port, p, tx)
        self.servers.append(s)
        s.find_pid(os.path.basename(argv[0]))
        return s

    def stop(self):
        # the servers first (SIGTERM: tsetd logs its counters), then timeout
        for s in reversed(self.servers):
            if s.alive() and s.pid:
                try:
                    os.kill(s.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        for s in reversed(self.servers):
            try:
                s.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                if s.pid:
                    try:
                        os.kill(s.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                s.popen.kill()
                s.popen.wait()
        self.servers = []

    def check_alive(self):
        for s in self.servers:
            if not s.alive():
                raise SystemExit("tsetd_bench: %s exited with %s; see %s/%s.log"
                                 % (s.name, s.popen.returncode, self.work, s.name))

# ---------------------------------------------------------------- load


def loadgen(bins, server, args, seconds, rate=0):
    argv = [bins["loadgen"], "-s", "%s:%d" % (server.addr, server.port), "-b", args.net + ".1",
            "-k", str(args.sockets), "-B", str(args.batch), "-w", str(args.window),
            "-d", str(seconds), "-c", str(LOADGEN_CPU), "-q"]
    if rate:
        argv += ["-r", str(rate), "--tick-us", str(args.tick_us)]
    if not args.no_gso:
        argv.append("--gso")
    check_safe(argv)
    if not server.alive():
        raise SystemExit("tsetd_bench: %s is gone (exit %s; --lifetime %d s?)"
                         % (server.name, server.popen.returncode, args.lifetime))
    ours = {os.getpid(), server.pid, server.popen.pid}
    t0 = task_times()
    k0 = cpu_busy()
    c0 = server.cpu_ns()
    x0 = tx_read(server.tx)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    x1 = tx_read(server.tx)
    c1 = server.cpu_ns()
    k1 = cpu_busy()
    t1 = task_times()
    if p.returncode != 0:
        raise SystemExit("tsetd_bench: loadgen failed: %s" % p.stderr)
    d = json.loads(p.stdout)
    if server.tx:
        d["t3_raw"] = tx_diff(x0, x1)           # popped before runs.jsonl
        d["t3_err"] = tx_summary(d["t3_raw"])
    d["server_cpu_s"] = (c1 - c0) / 1e9
    # whole CPUs, softirq included (which task time leaves out): the work
    # each side really does per reply
    for cpu, key in ((SERVER_CPU, "cpu_server"), (LOADGEN_CPU, "cpu_loadgen")):
        busy = k1[cpu][0] - k0[cpu][0]
        total = max(1, k1[cpu][1] - k0[cpu][1])
        d[key + "_busy"] = busy / total
        d[key + "_us_per_reply"] = (busy / total * d["run_s"] * 1e6 / d["valid"]
                                    if d["valid"] else None)
    # the loadgen has exited: its tasks are in neither list, nor counted
    d["others_cpu_s"], d["ksoftirqd_cpu_s"] = others_cpu(t0, t1, ours)
    d["others_share"] = d["others_cpu_s"] / (2 * d["run_s"])   # of both CPUs
    d["server_busy"] = d["server_cpu_s"] / d["run_s"]
    d["loadgen_busy"] = (d["cpu_user_s"] + d["cpu_sys_s"]) / d["run_s"]
    d["server_us_per_reply"] = d["server_cpu_s"] * 1e6 / d["valid"] if d["valid"] else None
    d["loadgen_us_per_reply"] = ((d["cpu_user_s"] + d["cpu_sys_s"]) * 1e6 / d["valid"]
                                 if d["valid"] else None)
    return d


# txstamp.c's counters: magic, paired, negative, unpaired, unmeasured
# sockets, then bins of 10 ns below 1 ms, of 10 us to 1 s, then one more
TX_HEAD, TX_FINE, TX_COARSE = 5, 100000, 99900


def tx_read(path):
    """A snapshot of txstamp's counters, or None."""
    if not path or not os.path.exists(path):
        return None
    a = array.array("Q")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return a


def tx_diff(a, b):
    """b - a (a None: from zero): [paired, negative, unpaired, unmeasured] + bins."""
    if b is None:
        return None
    if a is None:
        a = array.array("Q", bytes(len(b) * 8))
    return [y - x for x, y in zip(a[1:], b[1:])]


def tx_bin_ns(i):
    """The upper edge of bin i, ns."""
    return (i + 1) * 10 if i < TX_FINE else 1000000 + (i - TX_FINE + 1) * 10000


def tx_summary(d):
    """T3 error p50/p90/p99/p99.9/max (ns, to the bin's upper edge) of a tx_diff."""
    if d is None:
        return None
    paired, negative, unpaired, unmeasured = d[:4]
    hist = d[TX_HEAD - 1:]
    out = {"n": paired, "negative": negative, "unpaired": unpaired, "unmeasured": unmeasured}
    n = sum(hist)
    qs = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)]
    acc = 0
    for i, c in enumerate(hist):
        if not c:
            continue
        acc += c
        while qs and acc >= qs[0][1] * n:
            out[qs.pop(0)[0]] = tx_bin_ns(i)
        out["max"] = tx_bin_ns(i)
    return out


def cpu_busy():
    """Per CPU: (busy ticks, all ticks) from /proc/stat; busy = not idle or iowait."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                v = [int(x) for x in line.split()[1:9]]
                out[int(line[3:line.index(" ")])] = (sum(v) - v[3] - v[4], sum(v))
    return out


def task_times():
    """CPU time (ns) of every task on the machine, by (pid, tid): who else ran."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for tid in os.listdir("/proc/%s/task" % pid):
                with open("/proc/%s/task/%s/schedstat" % (pid, tid)) as f:
                    ns = int(f.read().split()[0])
                with open("/proc/%s/task/%s/comm" % (pid, tid)) as f:
                    comm = f.read().strip()
                out[(int(pid), int(tid))] = (ns, comm)
        except (OSError, ValueError, IndexError):
            continue
    return out


def others_cpu(before, after, ours):
    """CPU seconds of the tasks not ours between two task_times(); ksoftirqd
    apart (it runs our own network receive work when softirqs pile up)."""
    other = soft = 0
    for key, (ns, comm) in after.items():
        if key[0] in ours:
            continue
        d = ns - before.get(key, (0, comm))[0]
        if comm.startswith("ksoftirqd"):
            soft += d
        else:
            other += d
    return other / 1e9, soft / 1e9


def cpu_steal():
    """Ticks stolen by the hypervisor, and all ticks, over both CPUs."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[7], sum(v[:8])


def peak_rss_time(argv, n):
    """Max RSS (KiB) of argv by /usr/bin/time -v, n runs."""
    vals = []
    for _ in range(n):
        full = ["/usr/bin/time", "-v"] + argv
        check_safe(full)
        p = subprocess.run(full, capture_output=True, text=True, timeout=30)
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        if m:
            vals.append(int(m.group(1)))
    return vals

# ---------------------------------------------------------------- report


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_us(ns):
    return "-" if ns is None or ns < 0 else "%.1f us" % (ns / 1e3)


def fmt_k(x):
    return "-" if x is None else "%.0fk" % (x / 1e3)


def kib(text):
    return int(text.split()[0]) if text else None




def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tsetd", default=os.path.join(ROOT, "build", "tsetd"))
    ap.add_argument("--net", default="127.0.200", help="first three octets: loadgen .1, "
                    "tsetd .2 (and each --compare), chronyd .3, reflector .4, the variants .5 to "
                    ".9, the servers measuring T3 .10 and .11, then .12 and up for each "
                    "--compare (default 127.0.200)")
    ap.add_argument("--port", type=int, default=12300)
    ap.add_argument("--reps", type=int, default=5, help="flood runs per server (median)")
    ap.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    ap.add_argument("--rate", type=int, default=20000, help="the fixed rate, requests/s")
    ap.add_argument("--rate-reps", type=int, default=3, help="fixed-rate runs per server")
    ap.add_argument("--sockets", type=int, default=64, help="loadgen's source ports")
    ap.add_argument("--batch", type=int, default=64, help="loadgen's sendmmsg/recvmmsg batch")
    ap.add_argument("--window", type=int, default=192,
                    help="flood: requests in flight (chronyd's socket holds 256 requests)")
    ap.add_argument("--tick-us", type=int, default=250, help="fixed rate: send every this often")
    ap.add_argument("--no-gso", action="store_true",
                    help="loadgen sends with sendmmsg instead of one UDP_SEGMENT write per batch")
    ap.add_argument("--rss-runs", type=int, default=5)
    ap.add_argument("--max-others", type=float, default=0.03,
                    help="wait until other tasks take at most this share of the 2 CPUs before "
                         "a run, and discard and rerun a run during which they took more "
                         "(default 0.03)")
    ap.add_argument("--max-tries", type=int, default=10,
                    help="give up after this many disturbed runs in a row")
    ap.add_argument("--max-wait", type=int, default=3000,
                    help="give up waiting for a quiet machine after this many seconds of the run")
    ap.add_argument("--variants", choices=sorted(VARIANTS), default="opts",
                    help="informational reflectors with tsetd's costs: none; opts (all of "
                         "them, the default); all (also each alone, and all but IP_PKTINFO)")
    ap.add_argument("--compare", action="append", default=[], metavar="LABEL=TSETD",
                    help="another tsetd build, run beside in the default config (on port+2, "
                         "+4, ...), and measured for T3 too (port+3, +5, ...); the tables name "
                         "it 'tsetd LABEL' (e.g. --compare 'at 76f3073=/tmp/old/tsetd'); "
                         "repeatable")
    ap.add_argument("--no-t3", action="store_true",
                    help="do not measure T3 against the kernel's TX timestamps (bench/txstamp.c)")
    ap.add_argument("--bracket", action="store_true",
                    help="for a busy machine: run the reflector before every other server, and "
                         "pair each run with the mean of the reflector's runs just before and "
                         "after it (the paired ratio), rather than with the reflector's run of "
                         "the same round")
    ap.add_argument("--workdir", default=None, help="logs and results (default: a new /tmp dir)")
    ap.add_argument("--lifetime", type=int, default=3600,
                    help="servers stop by themselves after this many seconds")
    args = ap.parse_args()

    if os.geteuid() != 0:
        raise SystemExit("tsetd_bench: run as root (chronyd)")
    for tool in ("chronyd", "timeout", "taskset", "gcc", "ldd"):
        if not shutil.which(tool):
            raise SystemExit("tsetd_bench: %s not found (see bench/README.md)" % tool)
    for path in (args.tsetd, "/usr/bin/time"):
        if not os.path.exists(path):
            raise SystemExit("tsetd_bench: %s not found (see bench/README.md)" % path)
    if not re.fullmatch(r"127\.\d+\.\d+", args.net):
        raise SystemExit("tsetd_bench: --net must be inside 127.0.0.0/8")
    if os.cpu_count() < 2:
        raise SystemExit("tsetd_bench: needs 2 CPUs (server on 1, loadgen on 0)")
    if os.environ.get("TSETD_BENCH_NETNS") != "1":
        raise SystemExit("tsetd_bench: run it through bench/tsetd.sh, which gives it a network "
                         "namespace of its own (it adds addresses to lo)")
    compares = []
    for c in args.compare:
        label, _, path = c.rpartition("=")
        if not label or not os.path.exists(path):
            raise SystemExit("tsetd_bench: --compare %r: LABEL=PATH, an existing tsetd" % c)
        compares.append((label, path))
    if len(compares) > 4:
        raise SystemExit("tsetd_bench: at most 4 --compare")

    t_start = time.monotonic()
    work = args.workdir or tempfile.mkdtemp(prefix="tsetd-bench-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    n, port = args.net, args.port

    info = machine()
    bins = build(work, args.tsetd)
    info.update({
        "tsetd": args.tsetd, "workdir": work, "gcc": bins["gcc"],
        "tsetd_libs": bins["tsetd_libs"], "floor_flags": bins["floor_flags"],
        "chronyd": subprocess.run(["chronyd", "-v"], capture_output=True, text=True).stdout.strip(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "options": vars(args),
    })
    print("machine: %(nproc)s cores, %(cpu)s, kernel %(kernel)s, load %(loadavg)s" % info)
    print("workdir: %s" % work)
    print("tsetd links: %s" % " ".join(bins["tsetd_libs"]), flush=True)

    # tsetd as it ships: no interface rule (the wildcard sockets and one
    # socket per address of the host), on a port of its own (its wildcard
    # takes the port on every address): tsetd port+1, the --compare builds
    # port+2, +4, ... (measuring T3: +3, +5, ...), tsetd measuring T3 +10
    def tsetd_conf(name, port, extra=""):
        path = os.path.join(work, name + ".conf")
        with open(path, "w") as f:
            f.write("server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n%sport %d\n"
                    % (extra, port))
        return path

    cconf = os.path.join(work, "chronyd.conf")
    with open(cconf, "w") as f:
        # no ratelimit directive: no rate limiting (chrony.conf(5));
        # client logging stays on, as chronyd ships
        f.write("local stratum 10\nallow 127.0.0.0/8\nbindaddress %s.3\nport %d\n"
                "cmdport 0\nbindcmdaddress /\npidfile %s\n"
                % (n, port, os.path.join(work, "chronyd.pid")))
    cconf_t3 = os.path.join(work, "chronyd-t3.conf")
    with open(cconf_t3, "w") as f:
        f.write("local stratum 10\nallow 127.0.0.0/8\nbindaddress %s.11\nport %d\n"
                "cmdport 0\nbindcmdaddress /\npidfile %s\n"
                % (n, port, os.path.join(work, "chronyd-t3.pid")))
    # every server's address is an address of the host (of lo, in the
    # bench's own network namespace), as a LAN address would be
    for i in range(1, 17):
        subprocess.run(["ip", "addr", "add", "%s.%d/32" % (n, i), "dev", "lo"], check=True)

    fleet = Fleet(work, args.lifetime)

    def on_signal(signo, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)

    runlog = open(os.path.join(work, "runs.jsonl"), "w")
    results = {"machine": info, "flood": {}, "rate": {}, "rss": {}, "t3": {}}
    try:
        refl = fleet.start("reflector", "reflector", n + ".4", port,
                           [bins["reflector"], "-l", "%s.4:%d" % (n, port),
                            "--lifetime", str(args.lifetime)])
        tsetd_time = os.path.join(work, "tsetd.time")
        tsetd = fleet.start("tsetd", "tsetd (default config)", n + ".2", port + 1,
                            [args.tsetd, "-n", "-4", "-c", tsetd_conf("tsetd", port + 1)],
                            time_file=tsetd_time)
        chrony = fleet.start("chronyd", "chronyd", n + ".3", port,
                             ["chronyd", "-4", "-x", "-d", "-u", "root", "-f", cconf])
        servers = [refl, tsetd, chrony]
        for i, (label, path) in enumerate(compares, 1):
            name = "compare%d" % i
            servers.append(fleet.start(name, "tsetd %s (default config)" % label, n + ".2",
                                       port + 2 * i, [path, "-n", "-4", "-c",
                                                      tsetd_conf(name, port + 2 * i)]))
        for i, (name, label, flags) in enumerate(VARIANTS[args.variants]):
            a = "%s.%d" % (n, 5 + i)
            if name == "tsetd-bound":
                argv = [args.tsetd, "-n", "-4", "-c",
                        tsetd_conf(name, port, "interface ignore all\ninterface listen %s\n" % a)]
            else:
                argv = ([bins["reflector"], "-l", "%s:%d" % (a, port)] + flags
                        + ["--lifetime", str(args.lifetime)])
            servers.append(fleet.start(name, label, a, port, argv))
        if not args.no_t3:
            # the T3 error, measured apart: the measurement costs throughput
            servers.append(fleet.start("tsetd-t3", "tsetd (default config), measuring T3",
                                       n + ".10", port + 10,
                                       [args.tsetd, "-n", "-4", "-c",
                                        tsetd_conf("tsetd-t3", port + 10)],
                                       txstamp=bins["txstamp"]))
            servers.append(fleet.start("chronyd-t3", "chronyd, measuring T3", n + ".11", port,
                                       ["chronyd", "-4", "-x", "-d", "-u", "root", "-f",
                                        cconf_t3], txstamp=bins["txstamp"]))
            for i, (label, path) in enumerate(compares, 1):
                name = "compare%d-t3" % i
                servers.append(fleet.start(name, "tsetd %s, measuring T3" % label,
                                           "%s.%d" % (n, 11 + i), port + 2 * i + 1,
                                           [path, "-n", "-4", "-c",
                                            tsetd_conf(name, port + 2 * i + 1)],
                                           txstamp=bins["txstamp"]))
        for s in servers:
            wait_serving(s.addr, s.port, None if s.name.startswith("reflector") else 10)
        fleet.check_alive()
        for s in servers:
            st = s.status()
            print("%-15s pid %d on %s:%d, CPU %s" % (s.name, s.pid, s.addr, s.port,
                                                      st.get("Cpus_allowed_list")))
        results["rss"]["tsetd_idle"] = tsetd.status()

        steal0 = cpu_steal()
        # warm-up, discarded
        for s in servers:
            loadgen(bins, s, args, 1.0)
        def wait_quiet(ours):
            """Until the other tasks take at most --max-others of the CPUs
            over half a second, or --max-wait seconds are used up."""
            while True:
                t0 = task_times()
                time.sleep(0.5)
                share = others_cpu(t0, task_times(), ours)[0] / (2 * 0.5)
                if share <= args.max_others:
                    return
                if time.monotonic() - t_start > args.max_wait:
                    raise SystemExit("tsetd_bench: the machine stayed busy for %d s (other tasks "
                                     "%.0f%% of the CPUs; --max-others %.2f, --max-wait)"
                                     % (args.max_wait, 100 * share, args.max_others))
                time.sleep(1)

        def rounds(phase, reps, rate):
            """reps rounds of every server, interleaved, each round starting
            one server later. Each run waits for a quiet machine first; a run
            during which other tasks took more than --max-others of the CPUs
            is logged, discarded and run again (up to --max-tries times)."""
            runs = {s.name: [] for s in servers}
            ref = servers[0]                    # the reflector
            last_ref, pending = None, []        # --bracket: runs awaiting the next reflector's
            for rep in range(reps):
                order = servers[rep % len(servers):] + servers[:rep % len(servers)]
                if args.bracket:
                    rest = [x for x in order if x is not ref]
                    order = [ref] + [x for sv in rest for x in (sv, ref)]
                for s in order:
                    for attempt in range(1, args.max_tries + 1):
                        wait_quiet({os.getpid(), s.pid, s.popen.pid})
                        d = loadgen(bins, s, args, args.seconds, rate=rate)
                        ok = d["others_share"] <= args.max_others
                        raw = d.pop("t3_raw", None)
                        runlog.write(json.dumps({**d, "phase": phase, "name": s.name, "round": rep,
                                                 "attempt": attempt, "clean": ok}) + "\n")
                        runlog.flush()
                        if phase == "flood":
                            what = ("%8.0f replies/s, lost %d, CPU 1 (server) busy %.0f%%, "
                                    "CPU 0 (loadgen) busy %.0f%%"
                                    % (d["valid_per_s"], d["lost"], 100 * d["cpu_server_busy"],
                                       100 * d["cpu_loadgen_busy"]))
                        else:
                            what = ("sent %d, valid %d, lost %d, T3-T2 p50 %s p99 %s, "
                                    "rtt p50 %s p99 %s"
                                    % (d["sent"], d["valid"], d["lost"],
                                       fmt_us(d["proc_ns"]["p50"]), fmt_us(d["proc_ns"]["p99"]),
                                       fmt_us(d["rtt_ns"]["p50"]), fmt_us(d["rtt_ns"]["p99"])))
                        if d.get("t3_err"):
                            what += ", T3 error p50 %s p99 %s max %s" % tuple(
                                fmt_us(d["t3_err"].get(k)) for k in ("p50", "p99", "max"))
                        print("  %-15s round %d: %s, other tasks %.1f%%%s" % (
                            s.name, rep + 1, what, 100 * d["others_share"],
                            "" if ok else " (busy machine: discarded)"), flush=True)
                        if ok:
                            runs[s.name].append(d)
                            if s is ref and args.bracket:
                                for q in pending:
                                    q["bracket_ratio"] = q["valid_per_s"] / (
                                        (last_ref + d["valid_per_s"]) / 2)
                                pending, last_ref = [], d["valid_per_s"]
                            elif args.bracket:
                                pending.append(d)
                            if raw is not None:
                                pool = t3_pool.setdefault((phase, s.name), [0] * len(raw))
                                for i, v in enumerate(raw):
                                    if v:
                                        pool[i] += v
                            break
                        disturbed.append({"phase": phase, "name": s.name, "round": rep,
                                          "attempt": attempt, "others_share": d["others_share"]})
                    else:
                        raise SystemExit("tsetd_bench: %d disturbed %s runs in a row against %s "
                                         "(--max-others %.2f); see %s/runs.jsonl"
                                         % (args.max_tries, phase, s.name, args.max_others, work))
                fleet.check_alive()
            return runs

        disturbed = []
        t3_pool = {}  # (phase, server): txstamp counters summed over the clean runs
        print("flood: %d x %g s per server, window %d, %d sockets, batch %d"
              % (args.reps, args.seconds, args.window, args.sockets, args.batch), flush=True)
        flood = rounds("flood", args.reps, 0)
        print("fixed rate: %d requests/s, %d x %g s per server"
              % (args.rate, args.rate_reps, args.seconds), flush=True)
        rate_runs = rounds("rate", args.rate_reps, args.rate)
        results["discarded_runs"] = disturbed
        for (phase, name), pool in t3_pool.items():
            results["t3"].setdefault(name, {})[phase] = tx_summary(pool)
        steal1 = cpu_steal()
        fleet.check_alive()
        # RSS after all that load
        results["rss"]["tsetd_loaded"] = tsetd.status()
        results["rss"]["chronyd_loaded"] = chrony.status()
    except KeyboardInterrupt:
        raise SystemExit("tsetd_bench: interrupted")
    finally:
        fleet.stop()
        runlog.close()

    for name in ("empty-libc", "empty-tsetd-libs", "empty-tsetd-libs-gps"):
        results["rss"][name] = peak_rss_time([bins[name]], args.rss_runs)
    results["rss"]["tsetd -V"] = peak_rss_time([args.tsetd, "-V"], args.rss_runs)
    try:
        with open(tsetd_time) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
        results["rss"]["tsetd_time"] = int(m.group(1)) if m else None
    except OSError:
        results["rss"]["tsetd_time"] = None
    with open(os.path.join(work, "tsetd.log")) as f:
        tlog = f.read()
    m = re.findall(r"exiting: (.*)", tlog)
    results["tsetd_counters"] = m[-1] if m else None
    info["steal_ticks"] = steal1[0] - steal0[0]
    info["steal_share"] = (steal1[0] - steal0[0]) / max(1, steal1[1] - steal0[1])
    info["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    info["ended"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")

    # ------------------------------------------------------------ summary
    summ = {}
    ref_runs = flood["reflector"]
    for name, runs in flood.items():
        if args.bracket:
            paired = [r["bracket_ratio"] for r in runs if "bracket_ratio" in r] or [1.0]
        else:
            paired = [r["valid_per_s"] / c["valid_per_s"] for r, c in zip(runs, ref_runs)]
        summ[name] = {
            "replies_per_s": med([r["valid_per_s"] for r in runs]),
            "min": min(r["valid_per_s"] for r in runs),
            "max": max(r["valid_per_s"] for r in runs),
            "paired_ratio": med(paired),
            "lost": sum(r["lost"] for r in runs),
            "sent": sum(r["sent"] for r in runs),
            "server_busy": med([r["server_busy"] for r in runs]),
            "loadgen_busy": med([r["loadgen_busy"] for r in runs]),
            "server_us_per_reply": med([r["server_us_per_reply"] for r in runs]),
            "loadgen_us_per_reply": med([r["loadgen_us_per_reply"] for r in runs]),
            "cpu_server_busy": med([r["cpu_server_busy"] for r in runs]),
            "cpu_loadgen_busy": med([r["cpu_loadgen_busy"] for r in runs]),
            "cpu_server_us_per_reply": med([r["cpu_server_us_per_reply"] for r in runs]),
            "cpu_loadgen_us_per_reply": med([r["cpu_loadgen_us_per_reply"] for r in runs]),
            "others_share": med([r["others_share"] for r in runs]),
            "others_max": max(r["others_share"] for r in runs),
            "proc_p50": med([r["proc_ns"]["p50"] for r in runs]),
            "proc_p99": med([r["proc_ns"]["p99"] for r in runs]),
        }
    rsumm = {}
    for name, runs in rate_runs.items():
        rsumm[name] = {
            "sent": sum(r["sent"] for r in runs), "valid": sum(r["valid"] for r in runs),
            "lost": sum(r["lost"] for r in runs),
            "proc_p50": med([r["proc_ns"]["p50"] for r in runs]),
            "proc_p90": med([r["proc_ns"]["p90"] for r in runs]),
            "proc_p99": med([r["proc_ns"]["p99"] for r in runs]),
            "proc_p99_min": min(r["proc_ns"]["p99"] for r in runs),
            "proc_p99_max": max(r["proc_ns"]["p99"] for r in runs),
            "rtt_p50": med([r["rtt_ns"]["p50"] for r in runs]),
            "rtt_p99": med([r["rtt_ns"]["p99"] for r in runs]),
            "others_max": max(r["others_share"] for r in runs),
        }
    results["flood"] = {"runs": flood, "summary": summ}
    results["rate"] = {"runs": rate_runs, "summary": rsumm}
    ceiling = summ["reflector"]["replies_per_s"]

    lines = ["| server | flood replies/s: median (min-max) | / reflector: medians, paired | "
             "lost | CPU 1 (server) busy, per reply | CPU 0 (loadgen) busy, per reply | "
             "other tasks (median, max) | T3-T2 in flood p50 / p99 |",
             "|" + "---|" * 8]
    for s in servers:
        f = summ[s.name]
        lines.append("| %s | %s (%s-%s) | %.3f, %.3f | %d of %d | %.0f%%, %.2f us | %.0f%%, %.2f us | "
                     "%.1f%%, %.1f%% | %s / %s |" % (
                         s.label, fmt_k(f["replies_per_s"]), fmt_k(f["min"]), fmt_k(f["max"]),
                         f["replies_per_s"] / ceiling, f["paired_ratio"], f["lost"], f["sent"],
                         100 * f["cpu_server_busy"], f["cpu_server_us_per_reply"] or 0,
                         100 * f["cpu_loadgen_busy"], f["cpu_loadgen_us_per_reply"] or 0,
                         100 * f["others_share"], 100 * f["others_max"],
                         fmt_us(f["proc_p50"]), fmt_us(f["proc_p99"])))
    lines += ["", "| server | %d/s, %d x %g s: sent / valid / lost | T3-T2 p50 / p90 | T3-T2 p99: "
              "median (min-max) | RTT p50 / p99 | other tasks, max |"
              % (args.rate, args.rate_reps, args.seconds), "|" + "---|" * 6]
    for s in servers:
        r = rsumm[s.name]
        if s.name.startswith("reflector"):
            proc = ("(no clock read)", "-")
        else:
            proc = ("%s / %s" % (fmt_us(r["proc_p50"]), fmt_us(r["proc_p90"])),
                    "%s (%s-%s)" % (fmt_us(r["proc_p99"]), fmt_us(r["proc_p99_min"]),
                                    fmt_us(r["proc_p99_max"])))
        lines.append("| %s | %d / %d / %d | %s | %s | %s / %s | %.1f%% |" % (
            s.label, r["sent"], r["valid"], r["lost"], proc[0], proc[1],
            fmt_us(r["rtt_p50"]), fmt_us(r["rtt_p99"]), 100 * r["others_max"]))
    rss = results["rss"]
    t_hwm = kib(rss["tsetd_loaded"].get("VmHWM"))
    floors = {k: med(rss[k]) for k in ("empty-libc", "empty-tsetd-libs", "empty-tsetd-libs-gps",
                                       "tsetd -V")}
    lines += ["", "| what | peak RSS |", "|---|---|",
              "| tsetd after all the load above (VmHWM) | %d KiB |" % t_hwm,
              "| tsetd, `/usr/bin/time -v` at its exit (SIGTERM after the load) | %s KiB |"
              % rss.get("tsetd_time"),
              "| tsetd just started, idle (VmHWM) | %s KiB |" % kib(rss["tsetd_idle"].get("VmHWM")),
              "| chronyd after the load (VmHWM) | %s KiB |"
              % kib(rss["chronyd_loaded"].get("VmHWM"))]
    for k, label in (("tsetd -V", "`tsetd -V` (starts, prints, exits)"),
                     ("empty-tsetd-libs", "empty program, tsetd's libraries (%s)"
                      % (bins["floor_flags"]["empty-tsetd-libs"] or "libc only")),
                     ("empty-tsetd-libs-gps", "empty program, tsetd's libraries + -lgps"),
                     ("empty-libc", "empty program, libc only")):
        lines.append("| %s (`/usr/bin/time -v`, median of %d) | %.0f KiB |"
                     % (label, len(rss[k]), floors[k]))
    if results["t3"]:
        lines += ["", "| server | T3 error at %d/s: p50 / p99 / p99.9 / max (paired) | "
                  "T3 error in the flood: p50 / p99 / p99.9 / max (paired) |" % args.rate,
                  "|---|---|---|"]
        for s in servers:
            t = results["t3"].get(s.name)
            if not t:
                continue
            cells = []
            for phase in ("rate", "flood"):
                x = t.get(phase) or {}
                cells.append("%s / %s / %s / %s (%d)" % (
                    fmt_us(x.get("p50")), fmt_us(x.get("p99")), fmt_us(x.get("p999")),
                    fmt_us(x.get("max")), x.get("n", 0)))
            lines.append("| %s | %s | %s |" % (s.label, cells[0], cells[1]))
    table = "\n".join(lines)

    t, c = summ["tsetd"]["replies_per_s"], summ["chronyd"]["replies_per_s"]
    wins = sum(a["valid_per_s"] > b["valid_per_s"] for a, b in zip(flood["tsetd"], flood["chronyd"]))
    paired_how = ("paired with the reflector's runs around each" if args.bracket
                  else "paired by round")
    floor = floors["empty-tsetd-libs"]
    # the same method as the floors' when it worked: /usr/bin/time at exit
    t_rss = rss.get("tsetd_time") or t_hwm
    rt, rc = rsumm["tsetd"], rsumm["chronyd"]
    verdicts = [
        ("tsetd serves more replies/s than chronyd (flood, medians)",
         "%.0f vs %.0f (x%.2f); tsetd ahead in %d of %d rounds" % (t, c, t / c, wins, args.reps),
         t > c),
        ("tsetd >= 0.95 of the reflector", ("%.3f (medians %.0f / %.0f), %.3f " + paired_how)
         % (t / ceiling, t, ceiling, summ["tsetd"]["paired_ratio"]), t >= 0.95 * ceiling),
        ("no loss at %d requests/s" % args.rate, "tsetd lost %d of %d (chronyd %d of %d)"
         % (rt["lost"], rt["sent"], rc["lost"], rc["sent"]), rt["lost"] == 0),
        ("T3-T2 at %d/s next to chronyd's" % args.rate,
         "tsetd p50 %s p90 %s p99 %s, chronyd p50 %s p90 %s p99 %s (medians of %d runs)" % (
             fmt_us(rt["proc_p50"]), fmt_us(rt["proc_p90"]), fmt_us(rt["proc_p99"]),
             fmt_us(rc["proc_p50"]), fmt_us(rc["proc_p90"]), fmt_us(rc["proc_p99"]),
             args.rate_reps), None),
        ("tsetd peak RSS within 512 KiB of the empty program with its libraries",
         "%d KiB vs %.0f KiB (%+.0f KiB), both by /usr/bin/time; VmHWM after the load %d KiB"
         % (t_rss, floor, t_rss - floor, t_hwm), t_rss - floor <= 512),
        ("... against the floor with -lgps added (the same when tsetd links libgps)",
         "%d KiB vs %.0f KiB (%+.0f KiB)" % (t_rss, floors["empty-tsetd-libs-gps"],
                                            t_rss - floors["empty-tsetd-libs-gps"]), None),
    ]
    for sv in servers:
        if sv.name.startswith("compare") and not sv.name.endswith("-t3"):
            verdicts.append(("%s in the same run" % sv.label,
                             ("%.3f of the reflector " + paired_how + " (tsetd %.3f)")
                             % (summ[sv.name]["paired_ratio"], summ["tsetd"]["paired_ratio"]),
                             None))
    for name in ["tsetd-t3"] + ["compare%d-t3" % i for i in range(1, len(compares) + 1)]:
        other = "chronyd-t3"
        t, c = results["t3"].get(name), results["t3"].get(other)
        if t and c:
            verdicts.append(("T3 error (TX timestamp - T3), %s vs %s" % (name, other),
                             "; ".join("%s: p50 %s vs %s, p99 %s vs %s, max %s vs %s" % (
                                 ph, fmt_us(t[ph].get("p50")), fmt_us(c[ph].get("p50")),
                                 fmt_us(t[ph].get("p99")), fmt_us(c[ph].get("p99")),
                                 fmt_us(t[ph].get("max")), fmt_us(c[ph].get("max")))
                                 for ph in ("rate", "flood") if ph in t and ph in c), None))
    results["verdicts"] = [{"target": a, "result": b, "met": m} for a, b, m in verdicts]
    print()
    print(table)
    print()
    for a, b, m in verdicts:
        print("%-8s %s: %s" % ("INFO" if m is None else "MET" if m else "MISSED", a, b))
    print("tsetd's own counters at exit: %s" % results["tsetd_counters"])
    print("tsetd after the load: %s" % ", ".join("%s %s" % kv for kv in rss["tsetd_loaded"].items()))
    print("runs discarded because other tasks were busy: %d" % len(results["discarded_runs"]))
    print("hypervisor steal during the load: %.2f%% of CPU time; load average %s at the end"
          % (100 * info["steal_share"], " ".join(info["loadavg_end"])))
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write(table + "\n")
    print("results: %s/results.json, results.md, runs.jsonl, server logs" % work)


if __name__ == "__main__":
    main()
