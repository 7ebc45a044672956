#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd under socket activation, as tsetd.socket and tsetd.service run it.

    test_socket_activation.py TSET TSETD

1. The test binds UDP sockets on 127.0.0.1 and ::1 itself, passes them as
   fds 3 and 4 with LISTEN_PID/LISTEN_FDS, and starts tsetd as an
   unprivileged user (nobody, no capability: it binds nothing) with
   NOTIFY_SOCKET naming a listener of the test's. READY=1 must arrive,
   and a real client (tset -q) must get answers through both sockets;
   SIGTERM brings STOPPING=1 and exit 0.
2. The same through systemd-socket-activate --datagram, which starts tsetd
   on the first request (skipped, said so, when the tool is missing).
A private network namespace is made when the test is root, so the fixed
port cannot meet anybody else's; otherwise an unprivileged port is used.
"""
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, failures, status  # noqa: E402
PORT = 12660


def private_network():
    """Root: a network namespace of our own with loopback up."""
    if os.geteuid() != 0 or os.environ.get("TSET_SA_NETNS") == "1":
        return
    os.environ["TSET_SA_NETNS"] = "1"
    cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
           sys.executable] + sys.argv
    os.execvp("unshare", cmd)


def notify_listener(tmp):
    path = os.path.join(tmp, "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(tmp, 0o755)
    os.chmod(path, 0o777)  # tsetd runs as nobody
    return s, path


def wait_message(s, want, deadline_s=20.0):
    """Notification datagrams until one holds the line want; all lines seen."""
    seen = []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        lines = s.recv(4096).decode(errors="replace").split("\n")
        seen += lines
        if want in lines:
            return True, seen
    return False, seen


def run_tset(tset, servers):
    return subprocess.run([tset, "-q", "-p", "1", "-t", "5"] + servers,
                          capture_output=True, text=True, timeout=60)


def drop_to_nobody():
    """The child: fds 3 and 4 placed by the caller; become nobody."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def start_passed(tsetd, socks, conf, notify_path):
    """tsetd -n with socks passed as fds 3.. (LISTEN_PID, LISTEN_FDS), as
    nobody when we are root; the sockets are closed here (tsetd holds them)."""
    fds = [s.fileno() for s in socks]

    def child():
        for i, fd in enumerate(fds):
            os.dup2(fd, 3 + i)
        drop_to_nobody()

    # LISTEN_PID is the shell's pid, which exec hands to tsetd
    p = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh", tsetd, "-n", "-c", conf],
                         env={"LISTEN_FDS": str(len(fds)), "NOTIFY_SOCKET": notify_path,
                              "PATH": "/usr/bin:/bin"},
                         preexec_fn=child, pass_fds=tuple(range(3, 3 + len(fds))),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for s in socks:
        s.close()
    return p


def test_passed_wildcard(tset, tsetd, tmp, conf):
    """A passed wildcard socket (what tsetd.socket binds) answers from the
    address asked; with `interface ignore wildcard` it answers nothing."""
    for rule, answered in (("", True), ("interface ignore wildcard\n", False)):
        c = os.path.join(tmp, "wild.conf")
        with open(conf) as f, open(c, "w") as g:
            g.write(f.read() + rule)
        os.chmod(c, 0o644)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", PORT + 4))
        notify, path = notify_listener(os.path.join(tmp, "w" + str(answered)))
        p = start_passed(tsetd, [s], c, path)
        try:
            ready, _ = wait_message(notify, "READY=1")
            out = run_tset(tset, [f"127.0.0.1:{PORT + 4}"])
            got = out.returncode == 0 and "stratum 9," in out.stdout
            check(ready and got == answered,
                  f"passed wildcard socket{' with ' + rule.strip() if rule else ''}: "
                  f"{'answered' if got else 'not answered'} (exit {out.returncode})")
        finally:
            stop(p)
            notify.close()


def test_listen_fds(tset, tsetd, tmp, conf):
    socks = []
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, PORT))
        socks.append(s)
    notify, path = notify_listener(tmp)
    p = start_passed(tsetd, socks, conf, path)
    try:
        ready, seen = wait_message(notify, "READY=1")
        check(ready, f"LISTEN_FDS: READY=1 on NOTIFY_SOCKET (got {seen})")
        out = run_tset(tset, [f"127.0.0.1:{PORT}", f"[::1]:{PORT}"])
        lines = [l for l in out.stdout.splitlines() if l.startswith("server ")]
        check(out.returncode == 0 and len(lines) == 2
              and all("stratum 9," in l for l in lines),
              f"LISTEN_FDS: a real client is answered on both passed sockets: "
              f"exit {out.returncode}, {lines}")
        check(p.poll() is None, "LISTEN_FDS: tsetd runs")
        if os.geteuid() == 0 and p.poll() is None:
            with open(f"/proc/{p.pid}/status") as f:
                st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
            check(st["Uid"].split()[0] == str(pwd.getpwnam("nobody").pw_uid)
                  and int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0,
                  f"LISTEN_FDS: tsetd serves port {PORT} as nobody with no capability "
                  f"(Uid {st['Uid'].split()[0]}, CapEff {st['CapEff'].strip()})")
        rc = stop(p)
        stopping, seen = wait_message(notify, "STOPPING=1", 5)
        check(rc == 0 and stopping, f"LISTEN_FDS: SIGTERM: STOPPING=1 and exit {rc}")
    finally:
        stop(p)
        log = p.stdout.read()
        notify.close()
    check("socket passed by the service manager" in log,
          "LISTEN_FDS: tsetd says where its sockets came from")
    if failures:
        print(log)


def test_unfit_sockets_refused(tsetd, conf):
    """A passed socket tsetd cannot serve on stops it at start, with the
    reason: a TCP socket, and an IPv6 socket that takes IPv4 too (tsetd
    never answers IPv4-mapped sources: it would drop all of IPv4)."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", PORT + 2))
    dual = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    dual.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    dual.bind(("::", PORT + 3))
    for s, why in ((tcp, "not a bound UDP socket"), (dual, "BindIPv6Only=ipv6-only")):
        fd = s.fileno()
        p = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh", tsetd, "-n", "-c",
                              conf], env={"LISTEN_FDS": "1", "PATH": "/usr/bin:/bin"},
                             preexec_fn=lambda: os.dup2(fd, 3), pass_fds=(3,),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            err = p.communicate(timeout=30)[1]
        except subprocess.TimeoutExpired:
            stop(p)  # it served on it: the defect
            err = p.stderr.read()
        check(p.returncode == 1 and why in err,
              f"an unfit passed socket ({why}) stops tsetd: exit {p.returncode}, "
              f"{err.strip()[-160:]!r}")
        s.close()


def test_socket_activate(tset, tsetd, tmp, conf):
    tool = shutil.which("systemd-socket-activate")
    if not tool:
        print("skip  systemd-socket-activate: not installed (package systemd)")
        return
    notify, path = notify_listener(os.path.join(tmp, "sa"))
    p = subprocess.Popen([tool, "--datagram", "-l", f"127.0.0.1:{PORT + 1}",
                          "-E", f"NOTIFY_SOCKET={path}", tsetd, "-n", "-c", conf],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # systemd-socket-activate binds (and says so), then starts tsetd on
        # the first request
        first = p.stdout.readline()
        check("Listening on" in first, f"systemd-socket-activate listens: {first.strip()!r}")
        out = run_tset(tset, [f"127.0.0.1:{PORT + 1}"])
        check(out.returncode == 0 and "stratum 9," in out.stdout,
              f"systemd-socket-activate --datagram: the first request starts tsetd, "
              f"which answers it: exit {out.returncode}, {out.stdout.strip()!r}")
        ready, seen = wait_message(notify, "READY=1")
        check(ready, f"systemd-socket-activate: READY=1 (got {seen})")
    finally:
        rc = stop(p)
        log = p.stdout.read()
        notify.close()
    check(rc == 0, f"systemd-socket-activate: tsetd exits 0 on SIGTERM (exit {rc})")
    if failures:
        print(log)


def main():
    tset, tsetd = sys.argv[1:3]
    private_network()
    tmp = tempfile.mkdtemp(prefix="test_sa.")
    try:
        for d in ("sa", "wTrue", "wFalse"):
            os.makedirs(os.path.join(tmp, d))
        conf = os.path.join(tmp, "tsetd.conf")
        with open(conf, "w") as f:
            f.write("server 127.127.1.0\nfudge 127.127.1.0 stratum 9\n")
        os.chmod(tmp, 0o755)
        os.chmod(conf, 0o644)
        test_listen_fds(tset, tsetd, tmp, conf)
        test_unfit_sockets_refused(tsetd, conf)
        test_passed_wildcard(tset, tsetd, tmp, conf)
        test_socket_activate(tset, tsetd, tmp, conf)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return status()


if __name__ == "__main__":
    sys.exit(main())
