#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd's daemon manners and privileges.

    test_tsetd_daemon.py PATH/TO/tset PATH/TO/tsetd

Every tsetd listens on 127.0.0.42 (ports 12560..12576) alone (`interface
ignore all`, own config, never /etc/tsetd.conf) and is stopped by its PID:
foreground ones through the harness Session; the one that goes to the
background by the pid that it writes to its -p pidfile. For that one this
test makes itself a child subreaper (PR_SET_CHILD_SUBREAPER), so that the
daemon, once its parents have exited, is this test's child: the test reaps
it and reads its exit status (and stops it by that pid on every exit path
but SIGKILL of the test, which PR_SET_PDEATHSIG cannot cover for a process
that forked twice).

Checked: -n and -d stay in the foreground; without -n tsetd detaches
(double fork, new session, no tty, cwd /, stdio on /dev/null) and writes
its pid to -p; -l and `logfile`; SIGHUP reopens the log (the file renamed
away, a new one appears); SIGUSR1 logs the counters, and so does
`statsinterval 1` every second (never early, the numbers add up); SIGTERM and SIGINT end
it with 0 promptly; started as root with -u it keeps no capability at all
(CapInh/CapPrm/CapEff/CapBnd/CapAmb 0) under that uid and gid, and with -i
its root (and cwd) is the chroot, the sockets, log file and signalfd
opened before; logrotate's rename + SIGHUP after -u (a directory of the
user's: a new file; one of root's: the old file goes on and says why) and
with -i (a log file inside the chroot rotates; one outside says why);
syslog from inside a chroot, through a Unix socket of the test's own that
a mount namespace puts at /dev/log; an error after the fork exits 1;
usage and config errors. Root is needed (-u, -i); skips
(77) otherwise. Exit 0 pass, 1 fail, 77 skip.
"""

import ctypes
import grp
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
from harness import check, note  # noqa: E402

ADDR = "127.0.0.42"
LOCAL = "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n"
CAP_FIELDS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
PR_SET_CHILD_SUBREAPER = 36
# tsetd reads signals from a signalfd in its poll loop, so it acts on one
# as soon as it runs: no timer of its own is involved (the counters'
# statsinterval is an hour here). PROMPT_S allows for a loaded machine.
PROMPT_S = 3.0

tset = tsetd = None


def conf(port, *lines):
    return LOCAL + "".join(x + "\n" for x in lines) + \
        f"interface ignore all\ninterface listen {ADDR}\nport {port}\n"


def asks(port):
    return h.ntp_ask(ADDR, port, h.ntp_packet()) is not None


def read(path):
    try:
        return open(path, errors="replace").read()
    except OSError:
        return ""


def wait_for(cond, timeout_s=3.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.01)
    return cond()


def status_of(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        pass
    return out


def stat_of(pid):
    """(state, ppid, pgrp, session, tty_nr) from /proc/PID/stat."""
    try:
        text = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    w = text[text.rindex(")") + 2:].split()
    return w[0], int(w[1]), int(w[2]), int(w[3]), int(w[4])


def comm_of(pid):
    return read(f"/proc/{pid}/comm").strip()


def stop_and_time(proc, sig=signal.SIGTERM):
    t0 = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        h.Session.stop(proc)
    return proc.returncode, time.monotonic() - t0


def start(s, name, port, *args, lines=(), **kw):
    return s.tsetd(tsetd, conf(port, *lines), *args, name=name, **kw)


def try_start(s, name, port, *args, lines=()):
    """start(), or None (the reason noted) when tsetd did not come up.
    Under -i, LeakSanitizer (the ASan build) cannot read /proc at exit and
    would fail the exit status: leak detection is off there."""
    env = None
    if "-i" in args:
        opts = os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        env = {"ASAN_OPTIONS": opts.lstrip(":")}
    try:
        return start(s, name, port, *args, lines=lines, env=env)
    except RuntimeError as e:
        note(f"{name}: {e}")
        return None


# ---------------------------------------------------------------- foreground

def test_foreground(s):
    p = start(s, "fg", 12560)
    time.sleep(0.3)
    st = stat_of(p.pid)
    check(p.poll() is None and comm_of(p.pid) == "tsetd",
          f"-n: the process started is tsetd itself, still running (pid {p.pid})")
    check(st is not None and st[1] == os.getpid(),
          "-n: its parent is the test (it did not fork away)")
    log = s.log_of("fg")
    check("listening on 127.0.0.42 port 12560" in log and h.TSETD_SERVING.search(log),
          "-n: it logs to stderr: 'listening on 127.0.0.42 port 12560', 'serving'")
    check(asks(12560), "-n: it answers")

    # SIGUSR1: the counters line, exact
    c0 = h.tsetd_ask_counters(p) or {}
    for _ in range(3):
        h.ntp_ask(ADDR, 12560, h.ntp_packet())
    h.ntp_ask(ADDR, 12560, h.ntp_packet(mode=6), timeout_s=0.05)
    h.ntp_ask(ADDR, 12560, b"\x23" * 20, timeout_s=0.05)
    h.ntp_ask(ADDR, 12560, h.ntp_packet(mode=4), timeout_s=0.05)
    c1 = h.tsetd_ask_counters(p) or {}
    d = {k: c1.get(k, 0) - c0.get(k, 0) for k in h.TSETD_COUNTER_NAMES}
    line = [x for x in s.log_of("fg").splitlines() if "counters:" in x][-1:]
    note(f"SIGUSR1: {line}")
    check(d["received"] == 6 and d["served"] == 3 and d["control"] == 1 and
          d["malformed"] == 1 and d["other modes"] == 1 and d["kod sent"] == 0,
          f"SIGUSR1 logs the counters: 3 served, 1 control, 1 malformed, 1 other mode ({d})")
    check(set(c1) == set(h.TSETD_COUNTER_NAMES),
          f"the counters line names every counter ({sorted(c1)})")

    rc, el = stop_and_time(p, signal.SIGTERM)
    check(rc == 0 and el < PROMPT_S, f"SIGTERM: exit 0 promptly ({rc}, {el * 1000:.0f} ms)")
    check("exiting: received" in s.log_of("fg"), "SIGTERM: the counters logged on the way out")

    p = start(s, "fg-int", 12560)
    rc, el = stop_and_time(p, signal.SIGINT)
    check(rc == 0 and el < PROMPT_S, f"SIGINT: exit 0 promptly ({rc}, {el * 1000:.0f} ms)")

    p = start(s, "debug", 12560, "-d")
    time.sleep(0.2)
    st = stat_of(p.pid)
    check(p.poll() is None and st is not None and st[1] == os.getpid() and asks(12560),
          "-d implies -n: foreground, answers")
    h.Session.stop(p)


def test_logfile(s):
    logf = s.path("tsetd-l.out")
    # -u root: the new file is created in this test's directory, root's
    # (test_log_rotation_after_drop covers the users tsetd drops to)
    p = start(s, "logl", 12561, "-u", "root", "-l", logf)
    text = read(logf)
    check(h.TSETD_SERVING.search(text) and f"tsetd[{p.pid}]:" in text,
          f"-l FILE: the log goes to FILE, lines tagged tsetd[{p.pid}]")
    check(not h.TSETD_SERVING.search(s.log_of("logl")),
          "-l FILE: 'serving' is not on stderr")
    if "listening on" not in text:
        note("-l FILE: the 'listening on' lines (logged before the file is opened) are on "
             "stderr only")

    # SIGHUP: logrotate renames the file, tsetd opens FILE again
    os.rename(logf, logf + ".1")
    p.send_signal(signal.SIGHUP)
    new = wait_for(lambda: "reopened the log" in read(logf))
    check(new, "SIGHUP after renaming FILE away: a new FILE appears, 'reopened the log' in it")
    asks(12561)
    c = h.tsetd_ask_counters(p)
    check(c is not None and "counters:" in read(logf) and "counters:" not in read(logf + ".1"),
          "... later lines (SIGUSR1's counters) go to the new FILE, none to the renamed one")
    check(h.TSETD_SERVING.search(read(logf + ".1")) and "reopened" not in read(logf + ".1"),
          "... the renamed file keeps what was logged before")
    rc, el = stop_and_time(p)
    check(rc == 0 and "exiting:" in read(logf),
          f"SIGTERM: exit 0, 'exiting' in the new FILE ({rc})")

    # `logfile` in the config
    logc = s.path("tsetd-conf.out")
    p = start(s, "logconf", 12562, lines=[f"logfile {logc}"])
    check(h.TSETD_SERVING.search(read(logc)), "`logfile FILE` in the config: the log goes there")
    h.Session.stop(p)


def test_periodic_counters(s):
    """`statsinterval P`: the counters line every P seconds, on tsetd's
    fixed schedule (line k is due P * k after tsetd read its clock at the
    start, which is after this test's t_launch; poll's timeout is rounded
    up, so a line is never early, and a late one does not delay the
    next), and its numbers add up with what this test sent."""
    period = 1.0
    t_launch = time.monotonic()
    p = try_start(s, "stats", 12571, lines=[f"statsinterval {period:g}"])
    if not check(p is not None, f"statsinterval {period:g}: tsetd starts"):
        return
    h.ntp_ask(ADDR, 12571, h.ntp_packet(mode=6), timeout_s=0.05)
    h.ntp_ask(ADDR, 12571, b"\x23" * 20, timeout_s=0.05)
    answered = sum(asks(12571) for _ in range(3))  # in order: the others came first
    t_done = time.monotonic()
    want = dict.fromkeys(h.TSETD_COUNTER_NAMES, 0)
    want.update({"received": 5, "served": 3, "control": 1, "malformed": 1})
    # the first line due after every request was handled has them all
    k_all = int((t_done - t_launch) // period) + 1
    n_lines = max(3, k_all)
    seen = []  # (monotonic time first seen, counters) per line, in order
    end = t_launch + n_lines * period + 10.0  # generous: a loaded machine
    while len(seen) < n_lines and time.monotonic() < end:
        lines = [x for x in s.log_of("stats").splitlines() if "counters:" in x]
        now = time.monotonic()
        seen += [(now, h.tsetd_counters(x)) for x in lines[len(seen):]]
        time.sleep(0.005)
    note(f"statsinterval {period:g}: lines seen at " + ", ".join(
        f"{t - t_launch:.3f}" for t, _ in seen) + " s after the launch; requests handled by "
        f"{t_done - t_launch:.3f} s")
    check(answered == 3, f"statsinterval: the 3 requests answered ({answered})")
    check(len(seen) >= n_lines, f"statsinterval {period:g}: {n_lines} counters lines within "
          f"{end - t_launch:.0f} s, without SIGUSR1 ({len(seen)})")
    for k, (t, _) in enumerate(seen, 1):
        check(t - t_launch >= k * period,
              f"line {k}: never early, at least {k} periods after the launch "
              f"({t - t_launch:.3f} s)")
    gaps = [b[0] - a[0] for a, b in zip(seen, seen[1:])]
    check(gaps and all(abs(g - period) < period / 2 for g in gaps),
          f"lines {period:g} s apart, within half a period of wake-up delay "
          f"({', '.join(f'{g:.3f}' for g in gaps)})")
    if len(seen) >= k_all:
        got = seen[k_all - 1][1]
        check(got == want, f"line {k_all} (the first due after the requests were handled): "
              f"received 5, served 3, control 1, malformed 1, the rest 0 ({got})")
    check(all(c["received"] <= 5 for _, c in seen) and
          [c["received"] for _, c in seen] == sorted(c["received"] for _, c in seen),
          "every line: counts only grow and never exceed what was sent")
    h.Session.stop(p)
    check(p.returncode == 0, f"statsinterval: SIGTERM, exit 0 ({p.returncode})")


# ---------------------------------------------------------------- background

def reap_strays(keep):
    """Reap zombie children of ours (the intermediate forks of tsetd's
    daemonize) that are not in keep."""
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in keep:
            continue
        st = stat_of(int(d))
        if st and st[0] == "Z" and st[1] == os.getpid():
            try:
                os.waitpid(int(d), os.WNOHANG)
            except ChildProcessError:
                pass


class Daemon:
    """A tsetd in the background, known by its pid (from the pidfile)."""

    def __init__(self, pid):
        self.pid, self.status = pid, None

    def alive(self):
        st = stat_of(self.pid)
        return self.status is None and st is not None and st[0] != "Z"

    def wait(self, timeout_s):
        end = time.monotonic() + timeout_s
        while self.status is None:
            try:
                pid, st = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # not ours: watch /proc
                if stat_of(self.pid) is None:
                    self.status = -1
                break
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(st)
                break
            if time.monotonic() > end:
                break
            time.sleep(0.01)
        return self.status

    def stop(self):
        """By its pid, only while it is still that tsetd."""
        if self.status is None and comm_of(self.pid) == "tsetd":
            os.kill(self.pid, signal.SIGTERM)
            if self.wait(5) is None and comm_of(self.pid) == "tsetd":
                os.kill(self.pid, signal.SIGKILL)
                self.wait(5)


def test_background(s):
    libc = ctypes.CDLL(None, use_errno=True)
    sub = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    note(f"PR_SET_CHILD_SUBREAPER: {'set' if sub else 'not available'}")
    pidfile, logf = s.path("bg.pid"), s.path("bg.out")
    cf = s.write("bg.conf", conf(12563))
    t0 = time.monotonic()
    # -u root: after a drop to another user the pidfile, in a directory
    # of root's, could not be removed (tsetd(8) says so)
    launcher = subprocess.run([tsetd, "-c", cf, "-p", pidfile, "-l", logf, "-u", "root"],
                              capture_output=True, text=True, timeout=10,
                              preexec_fn=h._pdeathsig)
    el = time.monotonic() - t0
    check(launcher.returncode == 0 and el < PROMPT_S,
          f"without -n: the command returns at once, exit 0 "
          f"({launcher.returncode}, {el * 1000:.0f} ms)")
    text = wait_for(lambda: read(pidfile).strip())
    pid = int(text) if text.isdigit() else None
    check(pid is not None, f"-p: the pidfile holds a pid ({text!r})")
    if pid is None:
        note("log: " + read(logf)[-800:] + launcher.stderr[-400:])
        return
    d = Daemon(pid)
    s.stack.callback(d.stop)  # stopped by that pid on every exit path
    reap_strays({pid})
    st = stat_of(pid)
    check(comm_of(pid) == "tsetd" and pid != os.getpid(), f"the pidfile's pid {pid} is a tsetd")
    check(wait_for(lambda: asks(12563)), "the daemon answers")
    if st:
        note(f"daemon: state {st[0]}, ppid {st[1]}, pgrp {st[2]}, session {st[3]}, tty {st[4]}")
        check(st[3] != os.getsid(0) and st[3] != pid and st[4] == 0,
              "detached: a new session, not its leader (double fork), no controlling tty")
    check(os.readlink(f"/proc/{pid}/cwd") == "/", "cwd /")
    fds = [os.readlink(f"/proc/{pid}/fd/{i}") for i in (0, 1, 2)]
    check(all(f == "/dev/null" for f in fds), f"stdin/stdout/stderr on /dev/null ({fds})")
    log = read(logf)
    check(h.TSETD_SERVING.search(log) and f"tsetd[{pid}]:" in log,
          f"the log file is written by the daemon (tsetd[{pid}])")
    check(not launcher.stdout and "serving" not in launcher.stderr,
          "nothing after the fork reaches the caller's stdout/stderr")
    t0 = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    if sub:
        rc = d.wait(5)
        check(rc == 0 and time.monotonic() - t0 < PROMPT_S,
              f"SIGTERM by the pidfile's pid: exit 0 promptly ({rc}, "
              f"{(time.monotonic() - t0) * 1000:.0f} ms)")
    else:
        gone = wait_for(lambda: not d.alive(), 5)
        check(gone, "SIGTERM by the pidfile's pid: it ends")
    check(wait_for(lambda: not os.path.exists(pidfile), 2),
          "the pidfile is removed on exit (-u root)")
    check("exiting:" in read(logf), "'exiting' and the counters in the log file")


def test_error_after_fork(s):
    """An error after the fork (an unknown user, found when the daemon
    drops privileges): the command waits for the daemon and exits 1, as
    tsetd(8) says; the daemon logs why and is gone."""
    logf = s.path("bg-bad.out")
    cf = s.write("bg-bad.conf", conf(12564))
    r = subprocess.run([tsetd, "-c", cf, "-u", "no-such-user-tsetd", "-l", logf],
                       capture_output=True, text=True, timeout=10, preexec_fn=h._pdeathsig)
    msg = [x for x in read(logf).splitlines() if "unknown user" in x]
    check(r.returncode == 1 and len(msg) == 1 and "'no-such-user-tsetd'" in msg[0],
          f"without -n, -u no-such-user: the command exits 1, the daemon logged 'unknown user' "
          f"({r.returncode}, {msg})")
    check("unknown user or group in 'no-such-user-tsetd'" in r.stderr,
          f"... and said so on the command's stderr too: tsetd was not up yet "
          f"({r.stderr.strip().splitlines()[-1:]})")
    reap_strays(set())
    check(wait_for(lambda: h.port_free(ADDR, 12564), 3), "... and no tsetd is left on the port")


# ---------------------------------------------------------------- privileges

DEFAULT_USERS = ("tsetd", "ntp", "nobody")  # tsetd(8): without -u, the first that exists


def default_user():
    for name in DEFAULT_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    return pwd.getpwuid(0)


def test_default_user_order(s):
    """Without -u, root drops to tsetd, else ntp, else nobody, else stays
    root and warns: each through a passwd file of the test's own (and an
    nsswitch.conf that reads only files), bound over /etc in a mount
    namespace of tsetd's alone (on 96e282e tsetd stayed root)."""
    cases = (
        (("tsetd:x:60001:60001", "ntp:x:60002:60002", "nobody:x:65534:65534"), "tsetd", 60001),
        (("ntp:x:60002:60002", "nobody:x:65534:65534"), "ntp", 60002),
        (("nobody:x:65534:65534",), "nobody", 65534),
        ((), None, 0),
    )
    nsswitch = s.write("nsswitch.conf", "passwd: files\ngroup: files\n")
    os.chmod(nsswitch, 0o644)
    for n, (users, want, uid) in enumerate(cases):
        passwd = s.write(f"passwd{n}", "root:x:0:0:root:/root:/bin/sh\n" + "".join(
            f"{u}::/nonexistent:/usr/sbin/nologin\n" for u in users))
        os.chmod(passwd, 0o644)
        # the wrapper execs: its pid is tsetd's; nsswitch.conf says
        # `files` alone (nss-systemd would make up a nobody)
        wrapper = s.write(f"tsetd-passwd{n}", "#!/bin/sh\nexec unshare --mount --propagation "
                          "private sh -c 'mount --bind \"$0\" /etc/passwd && mount --bind "
                          "\"$1\" /etc/nsswitch.conf && shift && exec \"$@\"' "
                          f"{passwd} {nsswitch} {tsetd} \"$@\"\n")
        os.chmod(wrapper, 0o755)
        what = f"passwd with {', '.join(u.split(':')[0] for u in users) or 'root alone'}"
        try:
            p = s.tsetd(wrapper, conf(12576), name=f"order{n}")
        except RuntimeError as e:
            check(False, f"{what}: tsetd starts ({e})")
            continue
        check_dropped(status_of(p.pid), f"{what}: user {want or 'root'}", uid, uid)
        log = s.log_of(f"order{n}")
        said = (f"no -u: running as user '{want}'" if want else
                "no -u, and no user tsetd, ntp or nobody: staying root")
        check(said in log, f"{what}: it says '{said}'")
        h.Session.stop(p)


def show(st):
    return ", ".join(f"{k} {st.get(k)}" for k in ("Uid", "Gid", "Groups") + CAP_FIELDS)


def check_dropped(st, what, uid, gid):
    check(all(int(st.get(k, "-1"), 16) == 0 for k in CAP_FIELDS),
          f"{what}: no capabilities at all ({', '.join(f'{k} {st.get(k)}' for k in CAP_FIELDS)})")
    check([int(x) for x in st.get("Uid", "").split()] == [uid] * 4 and
          [int(x) for x in st.get("Gid", "").split()] == [gid] * 4,
          f"{what}: uid {uid}, gid {gid} (real, effective, saved, fs) "
          f"(Uid {st.get('Uid')}, Gid {st.get('Gid')})")
    check(st.get("Groups", "") in ("", str(gid)), f"{what}: no supplementary groups "
          f"({st.get('Groups')!r})")


def nss_modules():
    """The NSS modules nsswitch.conf names for users and groups (files and
    compat are built into glibc)."""
    try:
        text = read("/etc/nsswitch.conf")
    except OSError:
        return []
    names = re.findall(r"^(?:passwd|group):\s*(.*)$", text, re.M)
    return sorted({w for line in names for w in line.split()
                   if re.fullmatch(r"[a-z0-9_]+", w) and w not in ("files", "compat")})


def test_privileges(s):
    nobody = pwd.getpwnam("nobody")
    uid, gid = nobody.pw_uid, nobody.pw_gid
    group = grp.getgrgid(gid).gr_name
    jail = s.path("jail")
    os.makedirs(jail, mode=0o755)
    os.chmod(jail, 0o755)
    note(f"nobody: uid {uid}, gid {gid} ({group}); chroot {jail} (empty)")

    default = default_user()
    p = start(s, "root", 12565)
    check_dropped(status_of(p.pid), f"started as root without -u: user {default.pw_name}",
                  default.pw_uid, default.pw_gid)
    said = f"no -u: running as user '{default.pw_name}'"
    check(said in s.log_of("root"), f"... and it says so at start: '{said}'")
    h.Session.stop(p)

    p = start(s, "u-root", 12565, "-u", "root")
    check_dropped(status_of(p.pid), "-u root: stays root", 0, 0)
    check("no -u" not in s.log_of("u-root"), "-u root: no word of a default user")
    h.Session.stop(p)

    modules = nss_modules()
    for spec in ("nobody", f"nobody:{group}", f"{uid}:{gid}"):
        what = f"-u {spec}"
        p = try_start(s, "u-" + spec.replace(":", "_"), 12566, "-u", spec)
        if not check(p is not None, f"{what}: tsetd starts"):
            continue
        st = status_of(p.pid)
        note(f"{what}: {show(st)}")
        check_dropped(st, what, uid, gid)
        mapped = sorted(set(re.findall(r"\S*libnss_\S+", read(f"/proc/{p.pid}/maps"))))
        if modules:
            check(not mapped, f"{what}: the user lookup ran in a child: no NSS module "
                              f"({', '.join(modules)}) stays in tsetd ({mapped})")
        else:
            note(f"{what}: nsswitch.conf names no NSS module for users: nothing to see")
        check(asks(12566), f"{what}: it answers")
        h.Session.stop(p)
        check(p.returncode == 0, f"{what}: SIGTERM, exit 0 ({p.returncode})")

    for spec in ("nobody", f"{uid}:{gid}"):
        what = f"-u {spec} -i {jail}"
        logf = s.path(f"jail-{spec.replace(':', '_')}.out")
        name = "ui-" + spec.replace(":", "_")
        p = try_start(s, name, 12567, "-u", spec, "-i", jail, "-l", logf)
        if not check(p is not None, f"{what}: tsetd starts"):
            err = [x for x in (s.log_of(name) + read(logf)).splitlines() if "tsetd" in x][-2:]
            note(f"{what}: it said {err}")
            continue
        st = status_of(p.pid)
        note(f"{what}: {show(st)}")
        check_dropped(st, what, uid, gid)
        root, cwd = os.readlink(f"/proc/{p.pid}/root"), os.readlink(f"/proc/{p.pid}/cwd")
        check(root == jail and cwd == jail, f"{what}: the process root is the chroot "
              f"(root {root}, cwd {cwd})")
        check(asks(12567), f"{what}: it answers (the socket was bound before the chroot)")
        c = h.tsetd_ask_counters(p)
        check(c is not None and c.get("served", 0) >= 1,
              f"{what}: SIGUSR1 (signalfd opened before) logs to the log file (opened before)")
        # the log file is outside the chroot: tsetd let its directory go
        # (a way out of the chroot), so it cannot be reopened, and says so
        os.rename(logf, logf + ".1")
        p.send_signal(signal.SIGHUP)
        said = wait_for(lambda: [x.split(": ", 1)[-1] for x in read(logf + ".1").splitlines()
                                 if "reopen" in x])
        check(len(said) == 1 and said[0].startswith(f"cannot reopen '{logf}': it is outside "
                                                    f"the chroot '{jail}'")
              and said[0].endswith("still logging to the previous file"),
              f"{what}: SIGHUP with the log file (outside the chroot) renamed away: "
              f"'cannot reopen ... outside the chroot ... still logging to the previous "
              f"file', in that file ({said})")
        check(p.poll() is None and asks(12567), f"{what}: after SIGHUP it still runs and answers")
        check(not os.path.exists(logf), f"{what}: no new file at the log file's name")
        n = read(logf + ".1").count("counters:")
        p.send_signal(signal.SIGUSR1)
        check(wait_for(lambda: read(logf + ".1").count("counters:") > n),
              f"{what}: later lines (SIGUSR1's counters) go on in the previous file")
        h.Session.stop(p)
        check(p.returncode == 0, f"{what}: SIGTERM, exit 0 ({p.returncode})")

    p = try_start(s, "i-only", 12568, "-i", jail)
    if check(p is not None, f"-i {jail} without -u: tsetd starts"):
        check_dropped(status_of(p.pid), f"-i {jail} without -u: user {default.pw_name}",
                      default.pw_uid, default.pw_gid)
        check(os.readlink(f"/proc/{p.pid}/root") == jail, "-i without -u: root is the chroot")
        h.Session.stop(p)

    cf = s.write("baduser.conf", conf(12569))
    r = subprocess.run([tsetd, "-n", "-c", cf, "-u", "no-such-user-tsetd"], capture_output=True,
                       text=True, timeout=10, preexec_fn=h._pdeathsig)
    check(r.returncode == 1 and "unknown user or group in 'no-such-user-tsetd'" in r.stderr,
          f"-u no-such-user: exit 1, 'unknown user or group' ({r.returncode}, "
          f"{r.stderr.strip().splitlines()[-1:]})")


# ---------------------------------------------------------------- logs after -u, -i

def counters_lines(path):
    return read(path).count("counters:")


def rotate(p, logf, what):
    """logrotate's move: rename logf to logf.1, SIGHUP; then SIGUSR1.
    Returns (the reopen lines of the new file, of the old one) once the
    counters line appeared in either."""
    os.rename(logf, logf + ".1")
    p.send_signal(signal.SIGHUP)
    wait_for(lambda: "reopen" in read(logf) + read(logf + ".1"))
    n_new, n_old = counters_lines(logf), counters_lines(logf + ".1")
    p.send_signal(signal.SIGUSR1)
    wait_for(lambda: counters_lines(logf) + counters_lines(logf + ".1") > n_new + n_old)
    return ([x for x in read(logf).splitlines() if "reopen" in x or "counters:" in x],
            [x for x in read(logf + ".1").splitlines() if "reopen" in x or "counters:" in x])


def test_log_rotation_after_drop(s):
    """The log file after -u and -i: tsetd holds the file's directory (not
    outside a chroot), so logrotate's rename + SIGHUP gives a new file
    where the user it runs as may create one; a plain SIGHUP keeps the
    file (no right to it needed); otherwise the previous file goes on and
    says why."""
    nobody = pwd.getpwnam("nobody")
    uid, gid = nobody.pw_uid, nobody.pw_gid

    def owned_dir(path):
        os.makedirs(path, mode=0o755)
        os.chown(path, uid, gid)
        return path

    # -u nobody, the log directory owned by nobody (as /var/log/ntpsec)
    logf = os.path.join(owned_dir(s.path("logs-u")), "tsetd.log")
    what = "-u nobody, log directory owned by nobody"
    p = try_start(s, "rot-u", 12572, "-u", "nobody", "-l", logf)
    if check(p is not None, f"{what}: tsetd starts"):
        p.send_signal(signal.SIGHUP)
        said = wait_for(lambda: [x for x in read(logf).splitlines() if "was not moved" in x
                                 or "cannot reopen" in x])
        check(said and "was not moved: kept open" in said[0] and len(said) == 1,
              f"{what}: a plain SIGHUP keeps the file (root's, 0640) open, no error ({said})")
        new, old = rotate(p, logf, what)
        check(any("reopened the log" in x for x in new) and any("counters:" in x for x in new)
              and not any("counters:" in x for x in old),
              f"{what}: rename + SIGHUP: a new file with 'reopened the log' and the next "
              f"lines, none in the renamed one ({new}, {old[-1:]})")
        st = os.stat(logf) if os.path.exists(logf) else None
        check(st is not None and st.st_uid == uid and st.st_mode & 0o007 == 0,
              f"{what}: the new file is nobody's, not for others "
              f"({st and (st.st_uid, oct(st.st_mode & 0o777))})")
        h.Session.stop(p)
        check(p.returncode == 0, f"{what}: SIGTERM, exit 0 ({p.returncode})")

    # -u nobody -i JAIL, the log file inside the chroot
    jail = s.path("jail-log")
    os.makedirs(jail, mode=0o755)
    logf = os.path.join(owned_dir(os.path.join(jail, "log")), "tsetd.log")
    what = "-u nobody -i JAIL, log file in JAIL/log owned by nobody"
    p = try_start(s, "rot-ui", 12573, "-u", "nobody", "-i", jail, "-l", logf)
    if check(p is not None, f"{what}: tsetd starts"):
        check(os.readlink(f"/proc/{p.pid}/root") == jail, f"{what}: chrooted")
        new, old = rotate(p, logf, what)
        check(any("reopened the log" in x for x in new) and any("counters:" in x for x in new)
              and not any("counters:" in x for x in old),
              f"{what}: rename + SIGHUP: a new file with 'reopened the log' and the next "
              f"lines, none in the renamed one ({new}, {old[-1:]})")
        check(p.poll() is None and asks(12573), f"{what}: still answers")
        h.Session.stop(p)
        check(p.returncode == 0, f"{what}: SIGTERM, exit 0 ({p.returncode})")

    # -u nobody, a directory of root's: the new file cannot be created
    logd = s.path("logs-root")
    os.makedirs(logd, mode=0o755)
    logf = os.path.join(logd, "tsetd.log")
    what = "-u nobody, log directory root's (0755)"
    p = try_start(s, "rot-root", 12574, "-u", "nobody", "-l", logf)
    if check(p is not None, f"{what}: tsetd starts"):
        new, old = rotate(p, logf, what)
        err = [x for x in old if "cannot reopen" in x]
        check(not os.path.exists(logf) and len(err) == 1
              and f"cannot reopen '{logf}': Permission denied" in err[0]
              and err[0].endswith("still logging to the previous file"),
              f"{what}: rename + SIGHUP: no new file; 'cannot reopen ... Permission denied; "
              f"still logging to the previous file' in the renamed one ({err})")
        check(any("counters:" in x for x in old[-1:]),
              f"{what}: the next lines go on in the renamed file ({old[-1:]})")
        h.Session.stop(p)
        check(p.returncode == 0, f"{what}: SIGTERM, exit 0 ({p.returncode})")


class Syslog:
    """A syslog daemon's socket of the test's own: a Unix datagram socket
    that a tsetd started with start_daemon() sees at /dev/log, through a
    mount namespace of its own (the machine's /dev/log is never used)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setblocking(False)
        self.lines = []

    def read(self):
        while True:
            try:
                self.lines.append(self.sock.recv(4096).decode(errors="replace"))
            except BlockingIOError:
                return self.lines

    def wait(self, text, timeout_s=3.0):
        return wait_for(lambda: [x for x in self.read() if text in x], timeout_s)

    def close(self):
        self.sock.close()


def start_daemon(s, name, port, syslog, *args):
    """tsetd in the background (no -n), in a mount namespace where /dev is
    a tmpfs holding only null and log (the test's Syslog socket). Returns
    (launcher result, elapsed s, Daemon or None)."""
    dev, pidfile = s.path(name + "-dev"), s.path(name + ".pid")
    os.makedirs(dev)
    cf = s.write(name + ".conf", conf(port))
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    script = ('mount -t tmpfs -o mode=0755 tsetd-dev "$1" && touch "$1/null" "$1/log" && '
              'mount --bind /dev/null "$1/null" && mount --bind "$2" "$1/log" && '
              'mount --rbind "$1" /dev && shift 2 && exec "$@"')
    t0 = time.monotonic()
    # the command's output to a file, not a pipe: a daemon that kept it
    # (no /dev/null in the chroot) shows in /proc/PID/fd, not as a hang
    with open(s.path(name + ".launcher"), "w+") as out:
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            script, "sh", dev, syslog.path, tsetd, "-c", cf, "-p", pidfile]
                           + list(args), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                           timeout=10, env=env, preexec_fn=h._pdeathsig)
        out.seek(0)
        r.stderr = out.read()
    el = time.monotonic() - t0
    text = wait_for(lambda: read(pidfile).strip())
    d = Daemon(int(text)) if text.isdigit() else None
    if d:
        s.stack.callback(d.stop)
        reap_strays({d.pid})
    return r, el, d


def test_syslog_under_chroot(s):
    """-u nobody -i JAIL without -l: the log goes to syslog, whose socket
    tsetd opens before the chroot; with -l outside the chroot, a failed
    reopen reaches syslog too. Background: stdio on /dev/null, opened
    before the chroot too, so the command returns at once."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    jail = s.path("jail-syslog")
    os.makedirs(jail, mode=0o755)
    syslog = Syslog(s.path("syslog.sock"))
    s.stack.callback(syslog.close)

    what = "background, -u nobody -i JAIL, no log file"
    r, el, d = start_daemon(s, "sl", 12575, syslog, "-u", "nobody", "-i", jail)
    check(r.returncode == 0 and d is not None,
          f"{what}: the command exits 0 ({r.returncode}, {el:.2f} s, "
          f"{r.stderr.strip().splitlines()[-1:]})")
    if d is None:
        return
    check(os.readlink(f"/proc/{d.pid}/root") == jail, f"{what}: the daemon is chrooted")
    check(asks(12575), f"{what}: it answers")
    os.kill(d.pid, signal.SIGUSR1)
    got = syslog.wait(f"tsetd[{d.pid}]: counters: received")
    check(got and "served 1," in got[-1],
          f"{what}: SIGUSR1's counters reach syslog (/dev/log hidden by the chroot) "
          f"({got[-1:] if got else syslog.read()[-2:]})")
    check(all(os.path.realpath(f"/proc/{d.pid}/fd/{i}").endswith("/null") for i in (0, 1, 2)),
          f"{what}: stdin/stdout/stderr on /dev/null "
          f"({[os.readlink(f'/proc/{d.pid}/fd/{i}') for i in (0, 1, 2)]})")
    os.kill(d.pid, signal.SIGTERM)
    rc = d.wait(5)
    check(rc == 0 and syslog.wait(f"tsetd[{d.pid}]: exiting: received"),
          f"{what}: SIGTERM: exit 0, 'exiting' and the counters in syslog ({rc})")

    what = "background, -u nobody -i JAIL, -l outside JAIL"
    logf = s.path("sl-out.log")
    r, el, d = start_daemon(s, "slf", 12575, syslog, "-u", "nobody", "-i", jail, "-l", logf)
    if not check(r.returncode == 0 and d is not None, f"{what}: the command exits 0 "
                 f"({r.returncode}, {r.stderr.strip().splitlines()[-1:]})"):
        return
    os.rename(logf, logf + ".1")
    os.kill(d.pid, signal.SIGHUP)
    got = syslog.wait(f"tsetd[{d.pid}]: cannot reopen '{logf}'")
    check(got and "outside the chroot" in got[-1] and "cannot reopen" in read(logf + ".1"),
          f"{what}: rename + SIGHUP: 'cannot reopen' in the previous file and in syslog "
          f"({got[-1:] if got else syslog.read()[-2:]})")
    check(not any(f"tsetd[{d.pid}]: counters" in x for x in syslog.read()),
          f"{what}: only errors go to syslog beside the file")
    os.kill(d.pid, signal.SIGTERM)
    check(d.wait(5) == 0, f"{what}: SIGTERM, exit 0 ({d.status})")


# ---------------------------------------------------------------- usage

def run(args, timeout=10):
    return subprocess.run([tsetd] + args, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=h._pdeathsig)


def test_usage(s):
    r = run(["-V"])
    check(r.returncode == 0 and r.stdout.startswith("tsetd "), f"-V: exit 0, 'tsetd VERSION' "
          f"({r.returncode}, {r.stdout.strip()!r})")
    r = run(["-h"])
    check(r.returncode == 0 and r.stdout.startswith("usage: tsetd"),
          f"-h: exit 0, usage ({r.returncode})")
    r = run(["-x"])
    check(r.returncode == 2 and "usage: tsetd" in r.stderr,
          f"an unknown option: exit 2, usage on stderr ({r.returncode})")
    r = run(["-n", "-c", "/dev/null", "extra"])
    check(r.returncode == 2, f"an extra argument: exit 2 ({r.returncode})")
    bad = s.write("bad.conf", "server 127.127.1.0\nrestrict default frobnicate\n")
    r = run(["-n", "-c", bad])
    check(r.returncode == 2 and f"{bad}:2:" in r.stderr and "frobnicate" in r.stderr,
          f"a bad config line: exit 2, FILE:LINE named ({r.returncode}, {r.stderr.strip()!r})")
    r = run(["-n", "-c", s.path("missing.conf")])
    check(r.returncode == 2 and "cannot read config" in r.stderr,
          f"-c a missing file: exit 2 ({r.returncode}, {r.stderr.strip()!r})")
    # a port held by another socket: tsetd says so and exits, no hang
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:
        held.bind((ADDR, 12570))
        cf = s.write("busy.conf", conf(12570))
        t0 = time.monotonic()
        r = run(["-n", "-c", cf])
        check(r.returncode == 1 and "cannot listen on 127.0.0.42 port 12570" in r.stderr,
              f"its address:port already taken: exit 1 at once ({r.returncode}, "
              f"{time.monotonic() - t0:.2f} s, {r.stderr.strip().splitlines()[-1:]})")
        # with a log file too: until tsetd is up its errors reach stderr
        # as well (on 96e282e, -n -l FILE printed nothing and exit 1)
        logf = s.path("busy.log")
        r = run(["-n", "-c", cf, "-l", logf])
        said = "cannot listen on 127.0.0.42 port 12570"
        check(r.returncode == 1 and said in r.stderr and said in read(logf),
              f"-n -l FILE, its address:port taken: exit 1, the error on stderr and in FILE "
              f"({r.returncode}, {r.stderr.strip().splitlines()[-1:]}, "
              f"{read(logf).strip().splitlines()[-1:]})")


# ---------------------------------------------------------------- main

def body(s):
    test_usage(s)
    test_foreground(s)
    test_logfile(s)
    test_periodic_counters(s)
    test_background(s)
    test_error_after_fork(s)
    test_privileges(s)
    test_default_user_order(s)
    test_log_rotation_after_drop(s)
    test_syslog_under_chroot(s)
    h.stop_all_checked(s, exit_0=False)


def main():
    global tset, tsetd
    tset, tsetd = h.tset_tsetd_args(sys.argv, "test_tsetd_daemon.py PATH/TO/tset PATH/TO/tsetd")
    return h.main(body, root="-u and -i need root")


if __name__ == "__main__":
    sys.exit(main())
