#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""DNS integration test of the resolve module, through resolve_probe.

    test_dns.py PATH/TO/resolve_probe

A real dnsmasq on 127.0.0.153 port 53 (c-ares 1.18 ignores a port in
resolv.conf, hence root) serves the .test zone; a UDP socket bound on
127.0.0.154:53 that never reads is a server that never answers; nothing is
bound on 127.0.0.155:53, so queries there are refused (ICMP); a small
server of the test's own on 127.0.0.156:53 answers every query with the
DNS error (rcode) its name asks for; a nameserver at 192.0.2.53 has no
route from this network namespace (loopback only), so nothing is sent.
Loopback only.
Exit 0 pass, 1 fail, 77 skip (not root, or no dnsmasq).
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402

DNS_ADDR = "127.0.0.153"  # dnsmasq
HOLE_ADDR = "127.0.0.154"  # bound, never answers
DEAD_ADDR = "127.0.0.155"  # nothing bound: port unreachable
RCODE_ADDR = "127.0.0.156"  # answers with the rcode the name asks for
NOROUTE_ADDR = "192.0.2.53"  # TEST-NET-1: no route here, nothing leaves
# DNS rcodes (RFC 1035 section 4.1.1) and what tset says for each
RCODES = {"formerr": (1, "the dns server could not read the query (FORMERR)"),
          "servfail": (2, "the dns server failed to answer (SERVFAIL)"),
          "notimp": (4, "the dns server does not implement the query (NOTIMP)"),
          "refused": (5, "the dns server refused the query (REFUSED)")}
UNREACHABLE = "cannot reach the dns server"
TIMED_OUT = "no answer from the dns server (timed out)"
# c-ares asks a silent server again after 1 s and gives up 2 s later
CARES_GIVES_UP_S = 3.0

POOL = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}
DUAL_V4 = {"127.0.0.6", "127.0.0.7"}
HOSTS = "".join(f"{a} pool.test\n" for a in sorted(POOL)) + \
    "::1 six.test\n" + \
    "".join(f"{a} dual.test\n" for a in sorted(DUAL_V4)) + "::1 dual.test\n"

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def on_signal(signum, frame):
    # turn meson's SIGTERM (timeout) into an exception: cleanup still runs
    raise SystemExit(f"killed by signal {signum}")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)


def dns_query(name):
    """A minimal RFC 1035 query for name, type A, class IN."""
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", 0x7473, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)


def wait_for_dns(proc, timeout_s=5.0):
    """True once dnsmasq answers a query; False if it exits or stays mute."""
    end = time.monotonic() + timeout_s
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.1)
        while time.monotonic() < end and proc.poll() is None:
            try:
                s.sendto(dns_query("pool.test"), (DNS_ADDR, 53))
                if s.recv(512)[:2] == b"\x74\x73":
                    return True
            except OSError:
                time.sleep(0.05)
    return False


def start_dnsmasq(dnsmasq, tmp):
    hosts = os.path.join(tmp, "hosts")
    write(hosts, HOSTS)
    args = [dnsmasq, "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--bind-interfaces", f"--listen-address={DNS_ADDR}", "--port=53",
            "--local=/test/",
            # every other name is NXDOMAIN too (no upstream would mean
            # REFUSED), so a search domain that c-ares derives from a
            # dotted hostname cannot change the results
            "--address=/#/",
            f"--addn-hosts={hosts}", "--pid-file", "--log-queries",
            f"--log-facility={os.path.join(tmp, 'dnsmasq.log')}"]
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(tmp, "dnsmasq.err"), "w"))


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM to its PID
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def probe(probe_path, conf, family, deadline_s, names, cap=None):
    """Run resolve_probe; return ({name: (status, detail)}, seconds, exit code)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LOCALDOMAIN", "RES_OPTIONS")}
    if cap is not None:
        env["RESOLVE_PROBE_MAX"] = str(cap)
    t0 = time.monotonic()
    p = subprocess.run([probe_path, conf, str(family), str(deadline_s)] + names, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=deadline_s + 10)
    elapsed = time.monotonic() - t0
    out = {}
    for line in p.stdout.splitlines():
        name, _, rest = line.partition(" ")
        status, _, detail = rest.partition(" ")
        out[name] = (status, detail)
    if p.stderr:
        print(p.stderr, end="", file=sys.stderr)
    check(p.returncode == 0 and sorted(out) == sorted(names),
          f"probe family {family} answers each of {names} once, exit 0 (got {p.returncode})")
    return out, elapsed, p.returncode


def addrs(result):
    status, detail = result
    if status != "ok":
        return None, None
    first, _, dropped = detail.partition(" dropped ")
    return first.split(","), int(dropped or 0)


def test_answers(probe_path, conf):
    names = ["pool.test", "six.test", "nx.test", "dual.test", "127.0.0.1"]
    out, elapsed, _ = probe(probe_path, conf, 0, 5, names)
    print(f"     family 0, {len(names)} names in {elapsed * 1000:.0f} ms")
    pool, _ = addrs(out.get("pool.test", ("", "")))
    check(pool is not None and len(pool) == 4 and set(pool) == POOL,
          f"pool.test gives its 4 addresses: {out.get('pool.test')}")
    check(out.get("six.test") == ("ok", "::1"), f"six.test gives ::1: {out.get('six.test')}")
    check(out.get("nx.test") == ("error", "no such name"),
          f"nx.test is no such name: {out.get('nx.test')}")
    dual, _ = addrs(out.get("dual.test", ("", "")))
    check(dual is not None and len(dual) == 3 and set(dual[:2]) == DUAL_V4 and dual[2] == "::1",
          f"dual.test gives both families, IPv4 first: {out.get('dual.test')}")
    check(out.get("127.0.0.1") == ("ok", "127.0.0.1"), "a numeric host needs no DNS")
    # that the names of one run are resolved in parallel is proven by
    # test_silent_server (three time-outs together), not by a stopwatch


def test_families(probe_path, conf):
    out, _, _ = probe(probe_path, conf, 6, 5, ["six.test", "pool.test", "dual.test"])
    check(out.get("six.test") == ("ok", "::1"), f"family 6: six.test gives ::1: {out.get('six.test')}")
    check(out.get("pool.test") == ("error", "no address of the requested family"),
          f"family 6: pool.test has no AAAA: {out.get('pool.test')}")
    check(out.get("dual.test") == ("ok", "::1"), "family 6: dual.test gives ::1 only")
    out, _, _ = probe(probe_path, conf, 4, 5, ["six.test", "pool.test", "dual.test"])
    check(out.get("six.test") == ("error", "no address of the requested family"),
          f"family 4: six.test has no A: {out.get('six.test')}")
    pool, _ = addrs(out.get("pool.test", ("", "")))
    check(pool is not None and set(pool) == POOL, "family 4: pool.test gives 4 addresses")
    dual, _ = addrs(out.get("dual.test", ("", "")))
    check(dual is not None and set(dual) == DUAL_V4, "family 4: dual.test gives IPv4 only")


def test_cap(probe_path, conf):
    out, _, _ = probe(probe_path, conf, 0, 5, ["pool.test", "dual.test"], cap=2)
    pool, dropped = addrs(out.get("pool.test", ("", "")))
    check(pool is not None and len(pool) == 2 and set(pool) <= POOL and dropped == 2,
          f"cap 2: pool.test keeps 2, drops 2: {out.get('pool.test')}")
    # the cap is per family: the caller chooses between them
    dual, dropped = addrs(out.get("dual.test", ("", "")))
    check(dual is not None and set(dual) == DUAL_V4 | {"::1"} and dropped == 0,
          f"cap 2: dual.test keeps 2 of each family: {out.get('dual.test')}")
    out, _, _ = probe(probe_path, conf, 0, 5, ["dual.test"], cap=1)
    dual, dropped = addrs(out.get("dual.test", ("", "")))
    check(dual is not None and len(dual) == 2 and dual[0] in DUAL_V4 and dual[1] == "::1"
          and dropped == 1, f"cap 1: dual.test keeps one of each family: {out.get('dual.test')}")


def test_silent_server(probe_path, tmp):
    conf = os.path.join(tmp, "hole.conf")
    write(conf, f"nameserver {HOLE_ADDR}\n")
    names = ["a.test", "b.test", "c.test"]
    # c-ares waits 1 s, then 2 s: 3 s in parallel, 6 s for two names one
    # after the other, 9 s for three (the deadline, 10 s, lets them)
    out, elapsed, _ = probe(probe_path, conf, 0, 10, names)
    check(all(out.get(n) == ("error", TIMED_OUT) for n in names)
          and CARES_GIVES_UP_S - 0.1 < elapsed < 2 * CARES_GIVES_UP_S,
          f"a silent server: every name times out together, after c-ares's "
          f"{CARES_GIVES_UP_S:g} s, not one after the other ({elapsed:.3f} s) {out}")
    out, elapsed, _ = probe(probe_path, conf, 0, 2, ["a.test"])
    check(out.get("a.test") == ("deadline", "") and 1.95 < elapsed < CARES_GIVES_UP_S,
          f"a silent server: the deadline (2 s) ends the run, before c-ares gives up "
          f"({elapsed:.3f} s)")


def test_unreachable(probe_path, tmp):
    """A nameserver that cannot be reached says so, with the socket's
    error, at once: nothing on its port (ICMP), no route to it (on
    96e282e both read 'dns server refused', as if it had answered)."""
    # nothing else runs in this test's network namespace
    check(h.port_free(DEAD_ADDR, 53), f"nothing is bound on {DEAD_ADDR}:53")
    for addr, why, what in ((DEAD_ADDR, "connection refused", "no server on the port"),
                            (NOROUTE_ADDR, "network is unreachable", "no route to it")):
        conf = os.path.join(tmp, f"unreachable-{addr}.conf")
        write(conf, f"nameserver {addr}\n")
        out, elapsed, _ = probe(probe_path, conf, 0, 5, ["a.test"])
        want = f"{UNREACHABLE}: {why}"
        check(out.get("a.test") == ("error", want) and elapsed < CARES_GIVES_UP_S,
              f"{what}: '{want}', at once, not timed out ({elapsed:.3f} s) {out}")


class RcodeServer(threading.Thread):
    """Answers each query for NAME.test with the rcode RCODES[NAME] says
    (an empty answer), and anything else with NXDOMAIN."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((RCODE_ADDR, 53))
        self.sock.settimeout(0.1)
        self.stopping = False

    def run(self):
        while not self.stopping:
            try:
                q, peer = self.sock.recvfrom(512)
            except OSError:
                continue
            if len(q) < 13:
                continue
            label = q[13:13 + q[12]].decode(errors="replace")
            rcode = RCODES.get(label, (3, ""))[0]
            # the id, QR, opcode and RD of the query, RA, the rcode; the question
            flags = 0x8000 | (q[2] << 8 & 0x7900) | 0x0080 | rcode
            self.sock.sendto(q[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + q[12:], peer)

    def stop(self):
        self.stopping = True
        self.join(2)
        self.sock.close()


def test_rcodes(probe_path, tmp):
    """Each DNS error the server answers with, in words of its own (on
    96e282e: 'dns server refused' for SERVFAIL, NOTIMP and REFUSED, which
    c-ares 1.18 retries and then reports as a refused connection)."""
    conf = os.path.join(tmp, "rcode.conf")
    write(conf, f"nameserver {RCODE_ADDR}\n")
    srv = RcodeServer()
    srv.start()
    try:
        names = [f"{n}.test" for n in RCODES]
        out, elapsed, _ = probe(probe_path, conf, 0, 5, names)
    finally:
        srv.stop()
    for n, (rcode, words) in RCODES.items():
        check(out.get(f"{n}.test") == ("error", words),
              f"rcode {rcode}: '{words}' ({out.get(f'{n}.test')})")


def test_missing_resolvconf(probe_path, tmp):
    p = subprocess.run([probe_path, os.path.join(tmp, "nonexistent.conf"), "0", "1", "a.test"],
                       capture_output=True, text=True, timeout=10)
    check(p.returncode == 1 and "No such file" in p.stderr,
          f"a missing resolv.conf is an error, not c-ares defaults: {p.stderr.strip()}")


def run(probe_path, dnsmasq, tmp):
    proc = hole = None
    try:
        proc = start_dnsmasq(dnsmasq, tmp)
        if not wait_for_dns(proc):
            check(False, "dnsmasq answers on " + DNS_ADDR)
            return
        hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        hole.bind((HOLE_ADDR, 53))
        conf = os.path.join(tmp, "resolv.conf")
        write(conf, f"nameserver {DNS_ADDR}\n")
        test_answers(probe_path, conf)
        test_families(probe_path, conf)
        test_cap(probe_path, conf)
        test_silent_server(probe_path, tmp)
        test_unreachable(probe_path, tmp)
        test_rcodes(probe_path, tmp)
        test_missing_resolvconf(probe_path, tmp)
    finally:
        if hole is not None:
            hole.close()
        stop(proc)
        if failures:
            for f in ("dnsmasq.err", "dnsmasq.log"):
                path = os.path.join(tmp, f)
                if os.path.exists(path):
                    print(f"--- {f}", file=sys.stderr)
                    print(open(path).read()[-3000:], file=sys.stderr)


def main():
    if len(sys.argv) != 2:
        print("usage: test_dns.py PATH/TO/resolve_probe", file=sys.stderr)
        return 2
    probe_path = os.path.abspath(sys.argv[1])
    try:
        h.require_root("binding port 53 on loopback (c-ares 1.18 ignores ports)")
        dnsmasq = h.require_program("dnsmasq", "dnsmasq-base")
        h.private_network()
    except h.Skip as e:
        return h.skip_exit(e)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    with tempfile.TemporaryDirectory(prefix="tset-dns-") as tmp:
        os.chmod(tmp, 0o755)  # dnsmasq reads its hosts file after dropping root
        run(probe_path, dnsmasq, tmp)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
