#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ntp.conf as users have it (tests/ntpconf/): both programs accept each
file of the corpus with the notices it calls for; skipped lines are quiet
by default; includefile's servers and restrict lines take effect and a
loop is refused; `interface ignore wildcard` lets tsetd start while
another server holds port 123 on another address; tset names a server
that is not synchronised (chronyd -x without a source) as such.

Usage: test_ntpconf.py PATH/TO/tset PATH/TO/tsetd (root: port 123, its
own network namespaces)."""

import os
import socket
import subprocess
import sys
import time

import harness as h

CORPUS = os.path.normpath(os.path.join(h.HERE, "..", "ntpconf"))

# file: (tset's servers on the command line, tset's exit, lines tset -d
# must print, lines tsetd -d must print). Each notice is "FILE:LINE: text".
EXPECT = {
    "arch-desktop.conf": ([], 0, [
        "arch-desktop.conf:10: 127.127.1.0 is a reference clock for a daemon; skipped",
        "arch-desktop.conf:14: restrict is for tsetd; skipped",
        "arch-desktop.conf:19: driftfile is for a daemon; skipped",
        "arch-desktop.conf:23: interface is for tsetd; skipped",
        "server 3.arch.pool.ntp.org port 123 iburst",
    ], [
        "arch-desktop.conf:4: upstream server skipped: tsetd serves only reference clocks",
        "arch-desktop.conf:21: leapfile is for a daemon; skipped",
    ]),
    # NTS: the key exchange's port (ntpsec's host:port is one), the trust anchors
    "debian-ntpsec.conf": ([], 0, [
        "debian-ntpsec.conf:10: filegen is for a daemon; skipped",
        "server time.cloudflare.com port 4460 nts ntp-port 123 ca system",
        "server nts.netnod.se port 4460 iburst nts ntp-port 123 ca system",
        "server ptbtime1.ptb.de port 4460 nts ntp-port 123 ca "
        "/etc/ssl/certs/ca-certificates.crt",
    ], [
        "debian-ntpsec.conf:21: upstream server skipped: tsetd serves only reference clocks",
        "debian-ntpsec.conf:9: statistics is for a daemon; skipped",
    ]),
    "samba-dc.conf": ([], 0, [
        "samba-dc.conf:12: ntpsigndsocket is for a daemon; skipped",
        "samba-dc.conf:14: restrict is for tsetd; skipped",
        "server 1.pool.ntp.org port 123 iburst prefer",
    ], [
        "samba-dc.conf:14: restrict flag 'mssntp' skipped: tsetd does not sign replies for "
        "Samba",
        "samba-dc.conf:16: restrict '0.pool.ntp.org' skipped: tsetd does not resolve names",
    ]),
    "rhel-server.conf": ([], 0, [
        "rhel.d/restrict.conf:2: restrict is for tsetd; skipped",
        "rhel-server.conf:15: requestkey is for a daemon; skipped",
        "server 2.rhel.pool.ntp.org port 123 iburst",
        "tos minsane 2 minclock 3",
    ], [
        "rhel.d/servers.conf:1: upstream server skipped: tsetd serves only reference clocks",
        "rhel-server.conf:18: disable is for tset; skipped",
    ]),
    "openwrt-minimal.conf": ([], 0, [
        "openwrt-minimal.conf:4: restrict is for tsetd; skipped",
        "server 0.openwrt.pool.ntp.org port 123 iburst",
    ], [
        "openwrt-minimal.conf:2: upstream server skipped: tsetd serves only reference clocks",
    ]),
    # a server of its own, no upstream: tset is given one
    "gps-server.conf": (["192.0.2.1"], 0, [
        "gps-server.conf:9: tos orphan is for a daemon; skipped",
        "gps-server.conf:10: tinker stepout is for a daemon; skipped",
        "server 192.0.2.1 port 123",
    ], [
        "gps-server.conf:7: fudge abbrev is for a daemon; skipped",
        "gps-server.conf:22: driftfile is for a daemon; skipped",
    ]),
}


# a build without NTS (meson -Dnts=disabled) refuses the nts servers
if os.environ.get("TSET_HAVE_NTS") == "0":
    EXPECT["debian-ntpsec.conf"] = ([], 2, [
        "debian-ntpsec.conf:20:8: nts: this tset was built without NTS (meson -Dnts=disabled)",
    ], EXPECT["debian-ntpsec.conf"][3])


def tset_check(conf, args):
    """tset -n in the corpus folder (notices name files as given)."""
    return h.run_tset(tset, ["-q", "-n", "-c", conf] + args, cwd=CORPUS)


def test_tset_corpus(s):
    for name, (servers, rc, lines, _) in sorted(EXPECT.items()):
        r = tset_check(name, ["-d"] + servers)
        h.check(r.rc == rc, f"{name}: tset -n exits {rc} (got {r.rc}: {r.err.strip()[-200:]})")
        for line in lines:
            h.check(line in r.out + r.err, f"{name}: tset -n -d says `{line}`")
        # skipped lines: one summary line by default, nothing with -s
        r = tset_check(name, servers)
        summary = [x for x in r.err.splitlines() if "lines skipped" in x]
        listed = [x for x in r.err.splitlines() if x.endswith("; skipped")]
        h.check(len(summary) == 1 and not listed,
                f"{name}: by default one summary line, no notice each ({r.err.strip()!r})")
        r = tset_check(name, ["-s"] + servers)
        h.check("skipped" not in r.err, f"{name}: -s prints no notice ({r.err.strip()!r})")


def tsetd_log(s, name):
    """What tsetd said: its stderr, then its -l log."""
    path = s.path(name + ".tsetd.log")
    text = open(path, errors="replace").read() if os.path.exists(path) else ""
    return s.log_of(name) + text


def tsetd_start(s, name, conf_path, *args):
    """tsetd -d -c conf_path in the test's namespace; returns (proc, what
    it said) once it serves, or (proc, None) when it exited."""
    log = s.path(name + ".tsetd.log")
    proc = s.start([tsetd, "-d", "-c", conf_path, "-l", log] + list(args), name)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        text = ""
        if os.path.exists(log):
            text = open(log, errors="replace").read()
        if h.TSETD_SERVING.search(text):
            return proc, s.log_of(name) + text
        if proc.poll() is not None:
            return proc, None
        time.sleep(0.02)
    raise RuntimeError(f"tsetd {name} neither served nor exited: " + s.log_of(name)[-500:])


def test_tsetd_corpus(s):
    for name, (_, _, _, lines) in sorted(EXPECT.items()):
        with h.own_netns(s):
            proc, text = tsetd_start(s, "corpus-" + name, os.path.join(CORPUS, name))
            h.check(text is not None, f"{name}: tsetd starts and serves "
                    f"({s.log_of('corpus-' + name)[-300:].strip()!r})")
            if text is None:
                continue
            for line in lines:
                h.check(line.split(":", 1)[1] in text, f"{name}: tsetd -d says `{line}`")
            # it serves on port 123 of loopback, as the file says
            h.check(h.ntp_probe("127.0.0.1", 123, timeout_s=1) is not None,
                    f"{name}: tsetd answers 127.0.0.1:123")
            h.Session.stop(proc)
            h.check(proc.returncode == 0, f"{name}: tsetd exits 0 on SIGTERM")


def test_includefile(s):
    """Servers and restrict lines of an included file take effect."""
    os.makedirs(s.path("etc/ntp.d"), exist_ok=True)
    s.write("etc/ntp.d/deny.conf", "# included: this client is shut out\n"
            "restrict 127.0.0.9 ignore\n")
    conf = s.write("etc/tsetd.conf", "server 127.127.1.0\nfudge 127.127.1.0 stratum 7\n"
                   "interface ignore all\ninterface listen 127.0.0.1\nport 12600\n"
                   "includefile ntp.d/deny.conf\n")
    proc, text = tsetd_start(s, "include", conf)
    h.check(text is not None, "tsetd follows includefile relative to its config's folder")
    if text is not None:
        req = h.ntp_packet()
        h.check(h.ntp_ask("127.0.0.1", 12600, req, src="127.0.0.1", timeout_s=1) is not None,
                "a client the included restrict does not name is answered")
        h.check(h.ntp_ask("127.0.0.1", 12600, req, src="127.0.0.9", timeout_s=1) is None,
                "a client denied by the included restrict gets no answer")
        h.Session.stop(proc)
    # tset takes the servers of an included file
    s.write("etc/ntp.d/servers.conf", "server 127.0.0.21 iburst\n")
    tconf = s.write("etc/tset.conf", "includefile ntp.d/servers.conf\n")
    r = h.run_tset(tset, ["-q", "-n", "-c", tconf])
    h.check(r.rc == 0 and "server 127.0.0.21 port 123 iburst" in r.out,
            f"tset -n lists the included server ({r.out.strip()!r} {r.err.strip()!r})")
    # a loop and a missing file: refused, at the line that asked
    s.write("etc/ntp.d/loop.conf", "includefile ../tsetd-loop.conf\n")
    loop = s.write("etc/tsetd-loop.conf", "server 127.127.1.0\nincludefile ntp.d/loop.conf\n")
    proc, text = tsetd_start(s, "include-loop", loop)
    h.check(text is None and proc.returncode == 2, "tsetd refuses an include loop (exit 2)")
    h.check("includes itself (a loop)" in s.log_of("include-loop"),
            "the loop is named: " + s.log_of("include-loop").strip()[-200:])
    h.Session.stop(proc)  # in case it did start: nothing else may answer
    missing = s.write("etc/tsetd-missing.conf", "server 127.127.1.0\n"
                      "includefile ntp.d/none.conf\n")
    proc, text = tsetd_start(s, "include-missing", missing)
    log = s.log_of("include-missing")
    h.check(text is None and proc.returncode == 2 and "tsetd-missing.conf:2:13: cannot read "
            "included file 'ntp.d/none.conf'" in log,
            f"a missing include stops tsetd at the including line ({log.strip()[-200:]!r})")
    h.Session.stop(proc)


def test_ignore_wildcard(s):
    """Another server holds port 123 on 127.0.0.2: with `interface ignore
    wildcard`, tsetd binds the host's addresses one by one, leaves that one
    and serves the rest; without it, its wildcard cannot bind."""
    with h.own_netns(s):
        for a in ("127.0.0.2/32", "127.0.0.3/32"):
            subprocess.run(["ip", "addr", "add", a, "dev", "lo"], check=True)
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.stack.callback(other.close)
        other.bind(("127.0.0.2", 123))
        other.settimeout(1)
        base = "server 127.127.1.0\nfudge 127.127.1.0 stratum 6\n"
        conf = s.write("wild-plain.conf", base + "interface listen 127.0.0.3\n")
        proc, text = tsetd_start(s, "wild-plain", conf)
        h.check(text is None and proc.returncode != 0
                and "Address already in use" in tsetd_log(s, "wild-plain"),
                "without `ignore wildcard`, the wildcard cannot bind port 123")
        conf = s.write("wild-ignore.conf", base + "interface ignore wildcard\n"
                       "interface listen 127.0.0.3\n")
        proc, text = tsetd_start(s, "wild-ignore", conf)
        h.check(text is not None, "with `interface ignore wildcard` tsetd starts: "
                + s.log_of("wild-ignore").strip()[-300:])
        if text is None:
            return
        h.check("0.0.0.0" not in text and "listening on :: " not in text,
                "no wildcard socket is bound")
        probe = h.ntp_probe("127.0.0.3", 123, timeout_s=1)
        h.check(probe is not None and probe["stratum"] == 6, f"tsetd serves 127.0.0.3 ({probe})")
        h.check("cannot listen on 127.0.0.2 port 123" in text,
                "the address another server holds is left out, with a notice")
        h.check(h.ntp_probe("127.0.0.2", 123, timeout_s=0.3) is None, "no answer from "
                "127.0.0.2:123 but the other server's")
        try:
            data, _ = other.recvfrom(100)
        except OSError:
            data = b""
        h.check(len(data) == 48, "the other server still gets its requests")
        h.Session.stop(proc)


def test_unsynchronised_chronyd(s):
    """chronyd without a source answers LI 3, stratum 0, refid 0: not
    synchronised, not a kiss-o'-death."""
    chronyd = h.require_program("chronyd", "chrony")
    conf = s.write("chronyd-nosource.conf", "\n".join([
        "# no source, no local reference: it answers, unsynchronised",
        "allow 127.0.0.0/8", "bindaddress 127.0.0.20", "port 123", "cmdport 0",
        "bindcmdaddress /", f"pidfile {s.path('chronyd-nosource.pid')}", ""]))
    proc = s.start([chronyd, "-x", "-d", "-u", "root", "-f", conf], "chronyd-nosource")
    end = time.monotonic() + 10
    probe = None
    while probe is None and time.monotonic() < end and proc.poll() is None:
        probe = h.ntp_probe("127.0.0.20", 123)
        time.sleep(0.05)
    h.check(probe is not None and probe["li"] == 3 and probe["stratum"] == 0,
            f"chronyd without a source answers LI 3, stratum 0 ({probe})")
    r = h.run_tset(tset, ["-q", "-j", "-p", "1", "127.0.0.20"])
    srv = (r.json or {}).get("servers", [{}])[0]
    h.check(r.rc == 6, f"an answer but no time: exit 6 (got {r.rc})")
    h.check(srv.get("state") == "invalid" and srv.get("error") == "server not synchronised",
            f"its state says not synchronised, not kiss-o'-death ({srv.get('state')}, "
            f"{srv.get('error')!r})")
    h.check(srv.get("leap") == "unsync", f"its leap is unsync ({srv.get('leap')})")
    h.Session.stop(proc)


def body(s):
    test_tset_corpus(s)
    test_tsetd_corpus(s)
    test_includefile(s)
    test_ignore_wildcard(s)
    test_unsynchronised_chronyd(s)


def main():
    global tset, tsetd
    tset, tsetd = h.tset_tsetd_args(sys.argv, "test_ntpconf.py PATH/TO/tset PATH/TO/tsetd")
    return h.main(body, root="port 123 and network namespaces of its own",
                  programs=[("chronyd", "chrony"), ("ip", "iproute2")])


if __name__ == "__main__":
    sys.exit(main())
