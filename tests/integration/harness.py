# SPDX-License-Identifier: BSD-2-Clause
"""Shared helpers of the integration tests (Python 3 standard library only).

    import harness as h

    def body(s):                       # s: a harness.Session
        s.chronyd("127.0.0.2")         # waits until it serves time
        r = h.run_tset(tset, ["-q", "-j", "127.0.0.2"])
        h.check(r.rc == 0, f"exit 0 (got {r.rc})")

    sys.exit(h.main(body, root="binding port 123", programs=[("chronyd", "chrony")]))

What it gives:
- check(cond, msg): prints "ok   msg" or "FAIL msg" and counts failures;
  note(msg) prints an indented measurement line.
- main(body, ...): exit 77 (skip) with a reason when a prerequisite is
  missing (root, a program, a file); under CI (CI=true in the environment)
  a missing prerequisite that scripts/deps installs is a failure instead.
  Then the test runs in a network namespace of its own (private_network()),
  so no two suites, and no two builds tested at once, ever see each
  other's sockets. SIGTERM/SIGINT/SIGHUP become an exit that still runs
  every cleanup; an exception is a failure; the status is 1 on any
  failure, else 0.
- skip_part(reason): a part of a suite that cannot run here says so with
  a "skip:" line (scripts/check lists them); under CI it is a failure.
- Session: a temporary directory and an ExitStack. Every process started
  through it is stopped by its PID (SIGTERM, then SIGKILL) on every exit
  path, and also gets PR_SET_PDEATHSIG so that it dies with the test even
  when the test is SIGKILLed. Servers: ntpserver(), chronyd() (optionally
  behind libfaketime, or with more config lines), delay_relay() (which
  may also rewrite the answers), black_hole(), dnsmasq().
- run_tset(tset, args, env=None, timeout=...): (rc, out, err, json,
  elapsed); TsetRun(...) the same in the background (its pid, then
  result()). Both refuse to run tset without -q: tests never touch the
  clock. Without -c they give tset an empty config (/dev/null).
  run_tset_shim() runs tset for real under the clock shim, after
  private_run() has hidden this machine's /run (time daemons' pid files).
- chronyd_query(s, addr, port, name): chronyd -Q (query only) against a
  server: its "System clock wrong by" offset and its measurements.
- wait_until(cond, timeout_s): poll a condition with a deadline.
- ntp_probe()/wait_ntp(): a minimal NTP client, to wait until a server
  really serves time (chronyd may start mute or unsynchronised).
- Session.tsetd(): tsetd in the foreground on loopback (its config must
  say `interface ignore all` and listen on loopback addresses only), up
  once it logs that it serves; tset_tsetd_args() takes both paths from
  argv; ntp_packet()/ntp_fields()/ntp_ask() build, read and send raw NTP
  datagrams (from a chosen source address); tsetd_counters() reads its
  counters line (tsetd_ask_counters() asks for one with SIGUSR1);
  sanitizer_reports() finds ASan/UBSan reports in a log.
- own_netns(s, ipv4=, ipv6=): a further network namespace that the test
  creates, with loopback up and, on request, IPv6 disabled (an IPv4-only
  host) or 127.0.0.1/8 removed (an IPv6-only host); what the test starts
  inside lives and dies there.

Network traffic stays on loopback: every address that the harness binds,
relays to or probes is checked. Nothing binds with SO_REUSEADDR: in its own
namespace a suite's fixed ports are its own, and an address still in use
is an error, never a silent share.
"""

import collections
import contextlib
import ctypes
import fcntl
import heapq
import ipaddress
import json
import os
import re
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
NTPSERVER = os.path.join(HERE, "ntpserver.py")
LIBFAKETIME_DIRS = ("/usr/lib/x86_64-linux-gnu/faketime", "/usr/lib/faketime",
                    "/usr/lib64/faketime")
NTP_DELTA = 2208988800

_failures = []


class Skip(Exception):
    """The test cannot run here: it exits 77. prerequisite: what is missing
    is something scripts/deps installs (a program, root), so under CI the
    skip is a failure."""

    def __init__(self, reason, prerequisite=True):
        super().__init__(reason)
        self.prerequisite = prerequisite


# ---------------------------------------------------------------- reporting

def check(cond, msg):
    """Print one result line; count a failure. Returns cond as a bool."""
    cond = bool(cond)
    print(("ok   " if cond else "FAIL ") + msg, flush=True)
    if not cond:
        _failures.append(msg)
    return cond


def note(msg):
    """An indented information line (measurements, what was seen)."""
    print("     " + msg, flush=True)


def failures():
    return len(_failures)


def skip(reason, prerequisite=True):
    raise Skip(reason, prerequisite)


def under_ci():
    return os.environ.get("CI") == "true"


def skip_exit(e):
    """The exit status of a suite that cannot run (e, a Skip): 77 after a
    "skip:" line; under CI, for a missing prerequisite, 1 after a FAIL."""
    if e.prerequisite and under_ci():
        print(f"FAIL prerequisite missing under CI: {e}", flush=True)
        return 1
    print(f"skip: {e}", flush=True)
    return SKIP


def skip_part(reason, prerequisite=True):
    """Part of a suite cannot run here: a "skip:" line (scripts/check lists
    it), or under CI, for a missing prerequisite, a failure."""
    if prerequisite and under_ci():
        check(False, f"prerequisite missing under CI: {reason}")
    else:
        print(f"skip: {reason}", flush=True)


# ------------------------------------------------------------ prerequisites

def require_root(why):
    if os.geteuid() != 0:
        skip(f"not root ({why})")


def require_program(name, package):
    """The full path of a program (PATH, then the sbin directories), or skip."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")
    if not path:
        skip(f"{name} not installed (Debian package {package})")
    return path


def require_file(path, package):
    if not os.path.exists(path):
        skip(f"{path} missing (Debian package {package})")
    return path


def libfaketime():
    for d in LIBFAKETIME_DIRS:
        p = os.path.join(d, "libfaketime.so.1")
        if os.path.exists(p):
            return p
    skip("libfaketime.so.1 missing (Debian package faketime)")
    return None


def tset_arg(argv, usage):
    """The tset path from argv[1] (meson passes the built target)."""
    if len(argv) != 2:
        print(f"usage: {usage}", file=sys.stderr)
        sys.exit(2)
    path = os.path.abspath(argv[1])
    if not os.access(path, os.X_OK):
        print(f"{path}: not an executable", file=sys.stderr)
        sys.exit(2)
    return path


# --------------------------------------------------------------- main

_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _on_signal(signum, frame):
    # meson's timeout sends SIGTERM: leave through the cleanups, which a
    # second signal must not interrupt (SIGKILL still ends everything: the
    # children have PR_SET_PDEATHSIG)
    for sig in _SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise SystemExit(f"killed by signal {signum}")


def main(body, root=None, programs=(), files=()):
    """Run body(session) in a network namespace of its own; return the exit
    status (0, 1, or 77)."""
    for sig in _SIGNALS:
        signal.signal(sig, _on_signal)
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    t0 = time.monotonic()
    try:
        if root:
            require_root(root)
        for prog, package in programs:
            require_program(prog, package)
        for path, package in files:
            require_file(path, package)
        private_network()
        with Session(prefix=f"tset-{name}-") as s:
            body(s)
    except Skip as e:
        return skip_exit(e)
    except SystemExit as e:
        check(False, f"the test ran to its end ({e})")
    except Exception:
        traceback.print_exc()
        check(False, "the test ran without an exception")
    print(f"{len(_failures)} failure(s) in {time.monotonic() - t0:.1f} s", flush=True)
    for f in _failures:
        print(f"  failed: {f}")
    return 1 if _failures else 0


# ------------------------------------------------------------ loopback only

def loopback(addr):
    ip = ipaddress.ip_address(addr.split("%")[0])
    if not ip.is_loopback:
        raise ValueError(f"{addr}: the tests use loopback addresses only")
    return ip


def family_of(addr):
    return socket.AF_INET6 if loopback(addr).version == 6 else socket.AF_INET


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def port_free(addr, port):
    """True when nothing holds addr:port (UDP)."""
    with socket.socket(family_of(addr), socket.SOCK_DGRAM) as s:
        try:
            s.bind((addr, port))
            return True
        except OSError:
            return False


# ------------------------------------------------------------ private network

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def private_network():
    """Move this process (and so everything it starts) into a new network
    namespace whose loopback is up: 127.0.0.0/8 and ::1, nothing else, and
    no socket of any other process. As root a plain new namespace; else
    one inside a user namespace that maps only our own uid and gid, so the
    tests keep running unprivileged. Must run before any thread starts.
    Skips (not a missing prerequisite: the kernel's setting) when neither
    is allowed: with fixed ports, a shared namespace could mix two runs."""
    libc = ctypes.CDLL(None, use_errno=True)
    if os.geteuid() == 0:
        if libc.unshare(CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"unshare(CLONE_NEWNET): {os.strerror(err)}")
    else:
        uid, gid = os.geteuid(), os.getegid()
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            skip("no network namespace of its own: not root, and unprivileged user "
                 f"namespaces are disabled ({os.strerror(ctypes.get_errno())})",
                 prerequisite=False)
        for path, text in (("/proc/self/uid_map", f"{uid} {uid} 1"),
                           ("/proc/self/setgroups", "deny"),
                           ("/proc/self/gid_map", f"{gid} {gid} 1")):
            with open(path, "w") as f:
                f.write(text)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sh22x", b"lo", 0))
        flags = struct.unpack("16sh22x", ifr)[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | IFF_UP))


# ------------------------------------------------------------ own namespaces

def _ip(*args):
    ip = require_program("ip", "iproute2")
    p = subprocess.run([ip] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {p.stderr.strip()}")


@contextlib.contextmanager
def own_netns(s, ipv4=True, ipv6=True):
    """Run the body in a new network namespace that this test creates (root):
    the test's thread enters it, so every socket it opens and every process
    it starts there (through Session s) belongs to it. Loopback is up.
    ipv6=False disables IPv6 in it: an IPv4-only host, where connecting to
    an IPv6 address fails at once (EADDRNOTAVAIL). ipv4=False removes
    127.0.0.1/8 from lo: an IPv6-only host, where connecting to 127.x fails
    at once (ENETUNREACH); ::1 still works. Leaving stops what was started
    inside (by PID) and returns to the test's namespace."""
    require_root("creating a network namespace")
    libc = ctypes.CDLL(None, use_errno=True)
    back = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    first = len(s.procs)
    try:
        if libc.unshare(CLONE_NEWNET) != 0:
            skip(f"cannot create a network namespace: {os.strerror(ctypes.get_errno())}")
        try:
            _ip("link", "set", "lo", "up")
            if not ipv6:
                for conf in ("all", "default", "lo"):
                    with open(f"/proc/sys/net/ipv6/conf/{conf}/disable_ipv6", "w") as f:
                        f.write("1\n")
            if not ipv4:
                _ip("addr", "del", "127.0.0.1/8", "dev", "lo")
            yield
        finally:
            for p in s.procs[first:]:
                Session.stop(p)
            if libc.setns(back, CLONE_NEWNET) != 0:
                raise RuntimeError("cannot return to the test's network namespace: "
                                   + os.strerror(ctypes.get_errno()))
    finally:
        os.close(back)


# ------------------------------------------------------------ NTP probe

def ntp_probe(addr, port=123, timeout_s=0.2):
    """One NTP client exchange from Python. Returns a dict (li, stratum,
    refid as 4 bytes, offset, delay, rtt) for a valid mode-4 reply that
    echoes our cookie, or None (no reply, or not a reply)."""
    fam = family_of(addr)
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout_s)
        cookie = os.urandom(8)
        req = bytes([0 << 6 | 4 << 3 | 3]) + bytes(39) + cookie
        t1 = time.time()
        m1 = time.monotonic()
        try:
            s.sendto(req, (addr, port))
            while True:
                data, peer = s.recvfrom(2048)
                if len(data) >= 48 and data[24:32] == cookie:
                    break
        except OSError:  # timeout, refused
            return None
        m4 = time.monotonic()
        t4 = t1 + (m4 - m1)
    li, mode, stratum = data[0] >> 6, data[0] & 7, data[1]
    if mode != 4:
        return None

    def ts(b):
        sec, frac = struct.unpack("!II", b)
        return sec - NTP_DELTA + frac / 2**32

    t2, t3 = ts(data[32:40]), ts(data[40:48])
    return {"li": li, "stratum": stratum, "refid": data[12:16],
            "offset": ((t2 - t1) + (t3 - t4)) / 2,
            "delay": (t4 - t1) - (t3 - t2), "rtt": m4 - m1}


def wait_until(cond, timeout_s=5.0):
    """True once cond() holds (polled every 50 ms), False after timeout_s."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def wait_ntp(addr, port=123, timeout_s=10.0, proc=None):
    """Wait until addr:port serves time (LI != 3, stratum 1..15); return the
    probe, or None after timeout_s or when proc exits."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return None
        p = ntp_probe(addr, port)
        if p and p["li"] != 3 and 1 <= p["stratum"] <= 15:
            return p
        time.sleep(0.05)
    return None


# ------------------------------------------------------------ running tset

TsetResult = collections.namedtuple("TsetResult", "rc out err json elapsed")


def _has_q(args):
    for a in args:
        if a == "--":
            break
        if a.startswith("-") and not a.startswith("--") and len(a) > 1:
            # -q alone or in a cluster of flags (-qj); option letters that
            # take a value end the cluster
            for c in a[1:]:
                if c == "q":
                    return True
                if c in "acegGkopStU":
                    break
    return False


def _tset_cmd(tset_path, args, env, prefix=()):
    args = list(args)
    if not _has_q(args):
        raise ValueError("tset must run with -q in the tests: it never touches the clock then")
    if "-c" not in args:
        args = ["-c", "/dev/null"] + args
    e = {k: v for k, v in os.environ.items()
         if k not in ("LOCALDOMAIN", "RES_OPTIONS", "LD_PRELOAD", "FAKETIME")}
    e.setdefault("TSET_LOCK", os.path.join(tempfile.gettempdir(), f"tset-test-{os.getpid()}.lock"))
    if env:
        e.update(env)
    return list(prefix) + [tset_path] + args, e


def _parse_json(out):
    try:
        return json.loads(out) if out.strip() else None
    except ValueError:
        return None


def run_tset(tset_path, args, env=None, timeout=30, prefix=(), **popen):
    """Run tset with args; return TsetResult(rc, out, err, json, elapsed).

    Refuses to run without -q: the tests never touch the clock. Without -c
    in args, an empty config (/dev/null) is given so that the machine's
    /etc/tset.conf does not matter. json is the parsed stdout when it parses
    (with -j), else None. elapsed is the wall time of the whole run, seconds.
    rc is None when tset had to be killed after timeout seconds. popen:
    more subprocess arguments (user=, group=, extra_groups= ...). prefix:
    a command that runs tset (e.g. setpriv with its options).
    """
    cmd, e = _tset_cmd(tset_path, args, env, prefix)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, env=e, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout, preexec_fn=_pdeathsig, **popen)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as x:
        rc = None
        out = x.stdout.decode() if isinstance(x.stdout, bytes) else (x.stdout or "")
        err = (x.stderr.decode() if isinstance(x.stderr, bytes) else (x.stderr or "")) + \
            f"\n[harness: tset killed after {timeout} s]"
    elapsed = time.monotonic() - t0
    return TsetResult(rc, out, err, _parse_json(out), elapsed)


class TsetRun:
    """tset running in the background (same rules as run_tset):

        with TsetRun(tset, ["-q", ...]) as t:
            ...             # t.pid is tset's
            r = t.result()  # waits; a TsetResult
    Leaving the block early stops tset by its PID."""

    def __init__(self, tset_path, args, env=None, **popen):
        cmd, e = _tset_cmd(tset_path, args, env)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=e, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=_pdeathsig, **popen)
        self.pid = self.proc.pid

    def result(self, timeout=30):
        try:
            out, err = self.proc.communicate(timeout=timeout)
            rc = self.proc.returncode
        except subprocess.TimeoutExpired:
            Session.stop(self.proc)
            out, err = self.proc.communicate()
            rc, err = None, err + f"\n[harness: tset killed after {timeout} s]"
        return TsetResult(rc, out, err, _parse_json(out), time.monotonic() - self.t0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        Session.stop(self.proc)
        if self.proc.stdout:
            self.proc.stdout.close()
        if self.proc.stderr:
            self.proc.stderr.close()
        return False


# ------------------------------------------------------------ tset under the clock shim

ShimResult = collections.namedtuple("ShimResult", "rc out err json elapsed records")


def shim_paths():
    """(noclock, LD_PRELOAD value) from the environment meson sets, or skip."""
    noclock = os.environ.get("TSET_NOCLOCK")
    preload = os.environ.get("TSET_CLOCKSHIM_PRELOAD")
    if not noclock or not preload:
        skip("TSET_NOCLOCK / TSET_CLOCKSHIM_PRELOAD not set (run through meson test)")
    return noclock, preload


def private_run():
    """Give this test process, and all it starts from now on, a mount
    namespace of its own with an empty tmpfs on /run. tset looks there for
    a time daemon (pid files, systemd's unit records) before it sets the
    clock, and what runs on the test machine must not decide a test. Call
    it first, before any thread starts (unshare(CLONE_NEWNS) wants a
    process that shares its file system information with no thread)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    clone_newns, ms_rec, ms_private = 0x00020000, 0x4000, 1 << 18
    for what, r in (("unshare(CLONE_NEWNS)", lambda: libc.unshare(clone_newns)),
                    ("mount --make-rprivate /",
                     lambda: libc.mount(b"none", b"/", None, ms_rec | ms_private, None)),
                    ("mount -t tmpfs /run",
                     lambda: libc.mount(b"tset-test-run", b"/run", b"tmpfs", 0, b"mode=0755"))):
        if r() != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"{what}: {os.strerror(e)}")


def run_tset_shim(s, tset_path, args, shim=None, env=None, timeout=30, name="shim"):
    """Run tset for real, but under noclock (seccomp: no clock-writing system
    call gets through) and clockshim.so (a virtual kernel clock that records
    what tset did). s: the Session; the shim's directory is s.path(name),
    kept between runs of one name unless removed. shim: CLOCKSHIM_* values
    (STATUS, NOCAP, FAIL_RTC, NO_RTC, STATE). Returns ShimResult, whose
    records are the shim's log lines of this run. Call private_run() first:
    tset looks for time daemons in /run."""
    noclock, preload = shim_paths()
    d = s.path(name)
    os.makedirs(d, exist_ok=True)
    log = os.path.join(d, "log")
    before = open(log).read().splitlines() if os.path.exists(log) else []
    args = list(args)
    if "-c" not in args:
        args = ["-c", "/dev/null"] + args
    e = {k: v for k, v in os.environ.items()
         if k not in ("LOCALDOMAIN", "RES_OPTIONS", "LD_PRELOAD", "FAKETIME")
         and not k.startswith("CLOCKSHIM_")}
    e.update({"LD_PRELOAD": preload, "CLOCKSHIM_LOG": log, "CLOCKSHIM_DIR": d,
              "TSET_LOCK": os.path.join(d, "tset.lock")})
    for k, v in (shim or {}).items():
        e["CLOCKSHIM_" + k] = str(v)
    if env:
        e.update(env)
    t0 = time.monotonic()
    try:
        p = subprocess.run([noclock, tset_path] + args, env=e, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout,
                           preexec_fn=_pdeathsig)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = None, "", f"[harness: tset killed after {timeout} s]"
    elapsed = time.monotonic() - t0
    after = open(log).read().splitlines() if os.path.exists(log) else []
    return ShimResult(rc, out, err, _parse_json(out), elapsed, after[len(before):])


def shim_value(records, kind):
    """The integer of the first record 'kind N' ('step', 'slew'), or None."""
    for r in records:
        w = r.split()
        if len(w) >= 2 and w[0] == kind:
            return int(w[1], 0)
    return None


def servers_by_address(doc):
    """{address: server entry} of a tset JSON document."""
    if not doc:
        return {}
    return {s.get("address"): s for s in doc.get("servers", [])}


def fmt_offset(x):
    return "null" if x is None else f"{x * 1000:+.3f} ms"


# What tset prints of a server in its default output (ntpdate's line)
TEXT_SERVER_LINE = re.compile(r"^server (\S+), stratum (\d+), offset ([-+.\d]+), delay ([.\d]+)$",
                              re.M)
# printing and rounding: 9 decimals in JSON, 5 for the delay in the text,
# whole microseconds in a slew, nanoseconds in a step
OFFSET_ROUNDING_S = 20e-6
COMBINED_STATES = ("system-peer", "survivor")


def offset_bound_s(r):
    """How far an offset that tset measured in run r can be from the true
    one. A server's timestamps lie between the request's arrival and the
    reply's departure (every server the tests run reads its clock after it
    received and before it sent; tset reads T1 before it sends and takes
    T4 from the kernel), so the true offset is within delay / 2 of the
    measured one (RFC 5905 section 8), delay being the round trip of the
    sample that gave the offset. The system offset is a weighted mean of
    the servers it combined: within the largest of their bounds. From r's
    JSON (-j) when it has one, else from its default output, whose server
    lines give every delay (a looser bound: not only the combined ones).
    Plus OFFSET_ROUNDING_S. None when r shows no delay at all (-s, -q
    without answers). This holds whatever the load on the machine: a late
    server only widens the delay it reports."""
    if r.json:
        delays = [sv["delay"] for sv in r.json.get("servers", [])
                  if sv.get("state") in COMBINED_STATES and sv.get("delay") is not None]
    else:
        delays = [float(m.group(4)) for m in TEXT_SERVER_LINE.finditer(r.out or "")
                  if int(m.group(2)) != 0]
    if not delays:
        return None
    return max(delays) / 2 + OFFSET_ROUNDING_S


def offset_is_true(measured_s, true_s, r):
    """measured_s (an offset of run r, in seconds) is true_s within
    offset_bound_s(r)."""
    bound = offset_bound_s(r)
    return measured_s is not None and bound is not None and abs(measured_s - true_s) <= bound


# ------------------------------------------------------------ processes

def _pdeathsig():
    # the child gets SIGTERM when the test process dies, even by SIGKILL
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def chronyd_query(s, addr, port, name, options="iburst"):
    """chronyd -Q (query only, never setting the clock) against addr:port
    with the source options given; returns (rc, offset from 'System clock
    wrong by': the server's time minus ours, [measurement rows])."""
    chronyd = require_program("chronyd", "chrony")
    logdir = s.path(name + "-logs")
    os.makedirs(logdir, exist_ok=True)
    argv = [chronyd, "-Q", "-d", "-u", "root", "-f", "/dev/null", "-t", "20",
            f"server {addr} port {port} {options}", "cmdport 0",
            f"pidfile {s.path(name + '.pid')}", f"logdir {logdir}", "log measurements"]
    assert "-Q" in argv  # query only: never sets the clock
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                       preexec_fn=_pdeathsig)
    el = time.monotonic() - t0
    off = None
    for line in (p.stdout + p.stderr).splitlines():
        if "System clock wrong by" in line:
            off = float(line.split("wrong by")[1].split()[0])
    rows = []
    mpath = os.path.join(logdir, "measurements.log")
    if os.path.exists(mpath):
        for line in open(mpath):
            w = line.split()
            if len(w) >= 17 and w[2] == addr:
                rows.append({"leap": w[3], "stratum": int(w[4]), "offset": float(w[11]),
                             "delay": float(w[12]), "refid": w[16]})
    note(f"chronyd -Q 'server {addr} port {port} {options}': exit {p.returncode} in "
         f"{el:.1f} s, clock wrong by {off}; measurements {rows}")
    if p.returncode != 0:
        note("  " + (p.stdout + p.stderr).strip().replace("\n", " | ")[-600:])
    return p.returncode, off, rows


class Session:
    """A temporary directory plus everything started in it, undone on exit."""

    def __init__(self, prefix="tset-test-"):
        self.prefix = prefix
        self.stack = contextlib.ExitStack()
        self.procs = []
        self.tmp = None

    def __enter__(self):
        self.tmp = self.stack.enter_context(tempfile.TemporaryDirectory(prefix=self.prefix))
        os.chmod(self.tmp, 0o755)  # daemons that drop root read their files here
        self.stack.callback(self._dump_logs_on_failure)
        return self

    def __exit__(self, *exc):
        return self.stack.__exit__(*exc)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text, mode=0o644):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def _dump_logs_on_failure(self):
        if not _failures:
            return
        for name in sorted(os.listdir(self.tmp)):
            if name.endswith(".log"):
                text = open(self.path(name), errors="replace").read()
                if text:
                    print(f"--- {name} (last 2000 chars)", file=sys.stderr)
                    print(text[-2000:], file=sys.stderr)

    # -- generic processes

    def start(self, args, name, env=None):
        """Start args in the background, output to NAME.log in the temp dir.
        Stopped by PID (SIGTERM, then SIGKILL) when the session ends."""
        log = open(self.path(name + ".log"), "w")
        e = dict(os.environ)
        if env:
            e.update(env)
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                env=e, preexec_fn=_pdeathsig)
        log.close()
        proc.name = name
        self.procs.append(proc)
        self.stack.callback(self.stop, proc)
        return proc

    @staticmethod
    def stop(proc, timeout_s=5.0):
        if proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # by PID
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def log_of(self, name):
        try:
            return open(self.path(name + ".log"), errors="replace").read()
        except OSError:
            return ""

    # -- NTP servers

    def ntpserver(self, addr, port, *extra, name=None, timeout_s=10.0):
        """tests/integration/ntpserver.py on addr:port (extra: its options).
        Returns once it has written its --ready file."""
        name = name or f"ntpserver-{addr}-{port}".replace(":", "_")
        ready = self.path(name + ".ready")
        proc = self.start([sys.executable, NTPSERVER, addr, str(port), "--ready", ready]
                          + [str(x) for x in extra], name)
        end = time.monotonic() + timeout_s
        while not os.path.exists(ready) or os.path.getsize(ready) == 0:
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"ntpserver on {addr}:{port} did not start: "
                                   + self.log_of(name)[-500:])
            time.sleep(0.02)
        return proc

    def chronyd(self, addr, port=123, stratum=10, fake=None, timeout_s=10.0, extra=()):
        """A chronyd serving its local clock on addr:port, never touching the
        clock (-x), own config and pidfile, foreground (-d), as root (-u
        root: nothing to drop, and several instances share no state).
        fake: a FAKETIME value ("+3600", "-7"): it then serves a shifted
        time through LD_PRELOAD=libfaketime (not the faketime wrapper, whose
        pid is not chronyd's). extra: more lines of its config (`keyfile
        PATH`). Returns (proc, probe) once it serves time."""
        chronyd = require_program("chronyd", "chrony")
        loopback(addr)
        tag = f"chronyd-{addr}-{port}".replace(":", "_")
        conf = self.write(tag + ".conf", "\n".join([
            "# tset integration test: serve the local clock, never set it",
            f"local stratum {stratum}",
            "allow 127.0.0.0/8",
            "allow ::1",
            f"bindaddress {addr}",
            f"port {port}",
            "cmdport 0",
            "bindcmdaddress /",  # no Unix command socket either
            f"pidfile {self.path(tag + '.pid')}"] + list(extra) + [""]))
        env = None
        if fake is not None:
            env = {"LD_PRELOAD": libfaketime(), "FAKETIME": fake,
                   "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        proc = self.start([chronyd, "-x", "-d", "-u", "root", "-f", conf], tag, env=env)
        probe = wait_ntp(addr, port, timeout_s, proc)
        if probe is None:
            raise RuntimeError(f"chronyd on {addr}:{port} does not serve time after "
                               f"{timeout_s} s: " + self.log_of(tag)[-800:])
        return proc, probe

    def delay_relay(self, listen, upstream, delay_s, mangle=None):
        """A UDP relay on listen (addr, port) to upstream (addr, port) that
        holds each datagram delay_s in each direction (a longer path, so
        the offset stays unbiased). mangle: a function that rewrites each
        answer from upstream (bytes in, bytes out): a man in the middle.
        Runs in a thread of the test."""
        loopback(listen[0])
        loopback(upstream[0])
        r = DelayRelay(listen, upstream, delay_s, mangle)
        r.start()
        self.stack.callback(r.close)
        return r

    def black_hole(self, addr, port):
        """A UDP socket bound on addr:port that never answers. Its
        wait_request(timeout) tells when the first datagram arrived."""
        b = BlackHole(addr, port)
        self.stack.callback(b.close)
        return b

    def dnsmasq(self, listen, hosts_text, timeout_s=5.0, name="dnsmasq"):
        """dnsmasq on listen:53 serving hosts_text for *.test; every other
        name is NXDOMAIN (--local=/test/ and --address=/#/), nothing is
        forwarded. Returns once it answers. name: of its files and log
        (another dnsmasq of the test, in another namespace, needs its own)."""
        dnsmasq = require_program("dnsmasq", "dnsmasq-base")
        loopback(listen)
        hosts = self.write(name + ".hosts", hosts_text)
        proc = self.start([dnsmasq, "--no-daemon", "--conf-file=/dev/null", "--no-resolv",
                           "--no-hosts", "--bind-interfaces", f"--listen-address={listen}",
                           "--port=53", "--local=/test/", "--address=/#/",
                           f"--addn-hosts={hosts}", "--pid-file", "--log-queries",
                           f"--log-facility={self.path(name + '-queries.log')}"], name)
        end = time.monotonic() + timeout_s
        while time.monotonic() < end and proc.poll() is None:
            if dns_answers(listen, "probe.test"):
                return proc
            time.sleep(0.05)
        raise RuntimeError(f"dnsmasq on {listen}:53 does not answer: "
                           + self.log_of(name)[-500:])

    def tsetd(self, tsetd_path, conf, *args, name="tsetd", probe=None, env=None,
              timeout_s=5.0):
        """tsetd in the foreground: `tsetd -n -c NAME.conf ARGS` (no -n
        added when args hold -n or -d), conf being the config text. Its
        stderr goes to NAME.log; proc.logpath is where its log lines go
        (the -l file, else the config's logfile, else NAME.log). The config
        must keep tsetd on loopback (tsetd_conf_check). Returns the Popen
        once tsetd has logged that it serves and, with probe=(addr, port),
        answered a request there (any mode-4 reply: an unsynchronised one
        counts). Stopped by its PID (SIGTERM) when the session ends."""
        tsetd_conf_check(conf)
        conf_path = self.write(name + ".conf", conf)
        args = [str(a) for a in args]
        logpath = self.path(name + ".log")
        if "-l" in args:
            logpath = args[args.index("-l") + 1]
        else:
            for line in conf.splitlines():
                w = line.split("#")[0].split()
                if len(w) == 2 and w[0] == "logfile":
                    logpath = w[1]
        fg = [] if ("-n" in args or "-d" in args) else ["-n"]
        proc = self.start([tsetd_path] + fg + ["-c", conf_path] + args, name, env=env)
        proc.conf, proc.logpath = conf_path, logpath
        end = time.monotonic() + timeout_s
        while True:
            text = ""
            with contextlib.suppress(OSError):
                text = open(logpath, errors="replace").read()
            up = TSETD_SERVING.search(text) is not None
            if up and probe is not None:
                up = ntp_ask(probe[0], probe[1], ntp_packet()) is not None
            if up:
                return proc
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"tsetd {name} did not start (exit {proc.poll()}): "
                                   + (self.log_of(name) + text)[-800:])
            time.sleep(0.02)


def dns_answers(server, name, timeout_s=0.2):
    """True when server:53 answers a query for name (any rcode)."""
    qid = int.from_bytes(os.urandom(2), "big")
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
    with socket.socket(family_of(server), socket.SOCK_DGRAM) as s:
        s.settimeout(timeout_s)
        try:
            s.sendto(q, (server, 53))
            return struct.unpack("!H", s.recv(512)[:2])[0] == qid
        except OSError:
            return False


class BlackHole:
    def __init__(self, addr, port):
        self.sock = socket.socket(family_of(addr), socket.SOCK_DGRAM)
        self.sock.bind((addr, port))
        self.addr, self.port = addr, port

    def wait_request(self, timeout_s):
        """Wait for one datagram (read and dropped); True if one came."""
        self.sock.settimeout(timeout_s)
        try:
            self.sock.recvfrom(2048)
            return True
        except OSError:
            return False

    def close(self):
        self.sock.close()


class DelayRelay(threading.Thread):
    """Forward UDP between clients and one upstream, delay_s each way;
    mangle (or None) rewrites what comes back from upstream."""

    def __init__(self, listen, upstream, delay_s, mangle=None):
        super().__init__(daemon=True)
        self.listen, self.upstream, self.delay = listen, upstream, delay_s
        self.mangle = mangle
        self.sock = socket.socket(family_of(listen[0]), socket.SOCK_DGRAM)
        self.sock.bind(listen)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ, None)
        self.by_client = {}  # client address -> upstream socket
        self.queue = []  # (due, seq, socket, data, destination)
        self.seq = 0
        self.forwarded = 0
        self.stopping = threading.Event()

    def _later(self, sock, data, dest):
        self.seq += 1
        heapq.heappush(self.queue, (time.monotonic() + self.delay, self.seq, sock, data, dest))

    def run(self):
        try:
            while not self.stopping.is_set():
                now = time.monotonic()
                while self.queue and self.queue[0][0] <= now:
                    _, _, sock, data, dest = heapq.heappop(self.queue)
                    try:
                        if dest is None:
                            sock.send(data)  # the connected upstream socket
                        else:
                            sock.sendto(data, dest)
                        self.forwarded += 1
                    except OSError:
                        pass
                wait = min(0.05, self.queue[0][0] - now) if self.queue else 0.05
                for key, _ in self.sel.select(max(wait, 0)):
                    try:
                        data, src = key.fileobj.recvfrom(2048)
                    except OSError:
                        continue
                    if key.data is None:  # from a client
                        up = self.by_client.get(src)
                        if up is None:
                            up = socket.socket(family_of(self.upstream[0]), socket.SOCK_DGRAM)
                            up.connect(self.upstream)
                            self.by_client[src] = up
                            self.sel.register(up, selectors.EVENT_READ, src)
                        self._later(up, data, None)
                    else:  # from upstream, back to that client
                        if self.mangle:
                            data = self.mangle(data)
                        self._later(self.sock, data, key.data)
        finally:
            for up in self.by_client.values():
                up.close()
            self.sock.close()

    def close(self):
        self.stopping.set()
        self.join(timeout=2)


# ------------------------------------------------------------ tsetd

TSETD_SERVING = re.compile(r"tsetd \S+ serving")
TSETD_COUNTER_NAMES = ("received", "served", "kod sent", "rate-limited", "restrict drops",
                       "interface drops", "bad address", "malformed", "control", "other modes",
                       "send EINVAL", "send refused", "send buffer full", "send unreachable",
                       "send other", "no rx timestamp", "auth drops")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer")


def tset_tsetd_args(argv, usage):
    """(tset, tsetd) paths from argv[1:3] (meson passes both built targets)."""
    if len(argv) != 3:
        print(f"usage: {usage}", file=sys.stderr)
        sys.exit(2)
    paths = [os.path.abspath(a) for a in argv[1:3]]
    for path in paths:
        if not os.access(path, os.X_OK):
            print(f"{path}: not an executable", file=sys.stderr)
            sys.exit(2)
    return paths[0], paths[1]


def tsetd_conf_check(conf):
    """Check that a tsetd config keeps tsetd on loopback: an `interface
    ignore all` (or `drop all`) line, and every `interface listen` naming
    a loopback address or prefix, or lo. Returns (port, the full loopback
    addresses it listens on). Raises ValueError otherwise."""
    port, addrs, closed = 123, [], False
    for line in conf.splitlines():
        w = line.split("#")[0].split()
        if len(w) == 2 and w[0] == "port":
            port = int(w[1])
        if len(w) != 3 or w[0] not in ("interface", "nic"):
            continue
        if w[1] in ("ignore", "drop") and w[2] == "all":
            closed = True
        if w[1] != "listen" or w[2] == "lo":
            continue
        try:
            net = ipaddress.ip_network(w[2], strict=False)
        except ValueError:
            raise ValueError(f"tsetd config: `{line.strip()}` is not a loopback address")
        if not (net.network_address.is_loopback and net.broadcast_address.is_loopback):
            raise ValueError(f"tsetd config: `{line.strip()}`: the tests use loopback only")
        if net.num_addresses == 1:
            addrs.append(str(net.network_address))
    if not closed:
        raise ValueError("tsetd config: without `interface ignore all` tsetd would answer on "
                         "every address; the tests use loopback only")
    return port, addrs


def tsetd_counters(text):
    """The counters of the last counters line ("counters: received N,
    served N, ..." or "exiting: ...") in a tsetd log, as a dict
    {"received": N, "served": N, "kod sent": N, ...}; None if there is none."""
    last = None
    for line in text.splitlines():
        m = re.search(r"(?:counters|exiting): (received \d+.*)$", line)
        if m:
            last = m.group(1)
    if last is None:
        return None
    out = {}
    for part in last.split(", "):
        k, _, v = part.rpartition(" ")
        if v.isdigit():
            out[k] = int(v)
    return out


def tsetd_ask_counters(proc, timeout_s=3.0):
    """SIGUSR1 to a tsetd started by Session.tsetd (by its PID); wait until
    the new counters line is in its log (proc.logpath); return the
    counters (tsetd_counters), or None when none came within timeout_s."""
    def text():
        with contextlib.suppress(OSError):
            return open(proc.logpath, errors="replace").read()
        return ""
    n = text().count("counters:")
    proc.send_signal(signal.SIGUSR1)
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        t = text()
        if t.count("counters:") > n:
            return tsetd_counters(t)
        time.sleep(0.01)
    return None


def sanitizer_reports(text):
    """The lines of a log that carry an ASan/UBSan/LSan report."""
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKS)]


def stop_all_checked(s, exit_0=True):
    """End of a test: stop every process of session s still running
    (SIGTERM, by PID), checking that each exits 0 (with exit_0) and that no
    log holds a sanitizer report."""
    for p in list(s.procs):
        if p.poll() is None:
            Session.stop(p)
            if exit_0:
                check(p.returncode == 0, f"{p.name}: SIGTERM, exit 0 ({p.returncode})")
        rep = sanitizer_reports(s.log_of(p.name))
        check(not rep, f"{p.name}: no sanitizer report in its log ({rep[:3]})")


def run_parts(s, parts):
    """Each part(s) in turn, named in the log; what a part started is
    stopped after it, its exit and log checked (stop_all_checked)."""
    for part in parts:
        print(f"-- {part.__name__}", flush=True)
        part(s)
        stop_all_checked(s)


def ntp_ts(value):
    """A 64-bit NTP timestamp as Unix seconds (era 0)."""
    return (value >> 32) - NTP_DELTA + (value & 0xffffffff) / 2**32


def ntp_packet(mode=3, version=4, li=0, xmt=None, poll=6, stratum=0, rest=b""):
    """A raw NTP datagram: a 48-byte header (transmit timestamp xmt: an int,
    8 bytes, or None for 8 random bytes) followed by rest."""
    if xmt is None:
        xmt = os.urandom(8)
    elif isinstance(xmt, int):
        xmt = struct.pack("!Q", xmt)
    head = bytes([(li & 3) << 6 | (version & 7) << 3 | (mode & 7), stratum & 0xff, poll & 0xff, 0])
    return head + bytes(36) + xmt + rest


def ntp_fields(data):
    """The header fields of a datagram of 48 bytes or more, as a dict
    (li, version, mode, stratum, poll, precision, root_delay and root_disp
    in seconds, refid as 4 bytes, ref/org/rec/xmt as 64-bit ints)."""
    if len(data) < 48:
        return None
    d0 = data[0]
    rd, rp = struct.unpack("!II", data[4:12])
    ref, org, rec, xmt = struct.unpack("!QQQQ", data[16:48])
    return {"li": d0 >> 6, "version": (d0 >> 3) & 7, "mode": d0 & 7, "stratum": data[1],
            "poll": struct.unpack("!b", data[2:3])[0],
            "precision": struct.unpack("!b", data[3:4])[0],
            "root_delay": rd / 65536, "root_disp": rp / 65536, "refid": bytes(data[12:16]),
            "ref": ref, "org": org, "rec": rec, "xmt": xmt, "len": len(data)}


def ntp_ask(dst, port, payload, src=None, timeout_s=0.2):
    """Send one datagram to dst:port (from src, an address of loopback, when
    given) on a fresh socket; return (data, peer, t1, t4) of the first
    datagram that comes back (t1/t4: CLOCK_REALTIME at send and at receipt),
    or None after timeout_s."""
    loopback(dst)
    fam = family_of(dst)
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        if src is not None:
            loopback(src)
            s.bind((src, 0))
        s.settimeout(timeout_s)
        try:
            t1 = time.time()
            m1 = time.monotonic()
            s.sendto(payload, (dst, port))
            data, peer = s.recvfrom(65536)
            t4 = t1 + (time.monotonic() - m1)
        except OSError:  # timeout, refused
            return None
    return data, peer, t1, t4


def ntp_exchange(dst, port, timeout_s=0.5):
    """(fields, offset, delay) of one client request to dst:port (seconds;
    offset and delay by the four timestamps), or None."""
    r = ntp_ask(dst, port, ntp_packet(), timeout_s=timeout_s)
    if r is None:
        return None
    data, _, t1, t4 = r
    f = ntp_fields(data)
    if f is None:
        return None
    t2, t3 = ntp_ts(f["rec"]), ntp_ts(f["xmt"])
    return f, ((t2 - t1) + (t3 - t4)) / 2, (t4 - t1) - (t3 - t2)


def wait_exchange(dst, port, cond, timeout_s=20.0, interval_s=0.1):
    """The first exchange (ntp_exchange) for which cond(fields, offset)
    holds, and when (s after the call), or (None, None) after timeout_s;
    one exchange every interval_s (a server that limits its clients' rate
    needs a longer one)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        a = ntp_exchange(dst, port)
        if a is not None and cond(a[0], a[1]):
            return a, time.monotonic() - t0
        time.sleep(interval_s)
    return None, None


def tsetd_status(run_dir, cond=lambda st: True, timeout_s=20.0):
    """tsetd's status.json in run_dir (rewritten each second), once
    cond(status) holds, or the last one read after timeout_s."""
    end = time.monotonic() + timeout_s
    while True:
        with open(os.path.join(run_dir, "status.json")) as f:
            st = json.load(f)
        if cond(st) or time.monotonic() > end:
            return st
        time.sleep(0.1)
