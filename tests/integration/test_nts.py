#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tset with NTS (RFC 8915) against chronyd as an NTS server on loopback.

    test_nts.py PATH/TO/tset

A CA and server certificates are made here with openssl (an expired one
under libfaketime). Names come from a dnsmasq on 127.0.0.153:
  nts.test     127.0.0.2  chronyd -x, NTS-KE :4460, NTP :11123, certificate
                          for nts.test and tamper.test
  alias.test   127.0.0.2  the same server under a name its certificate lacks
  tamper.test  127.0.0.3  chronyd -x whose key exchange names the NTP
                          server 127.0.0.9:11123, a relay in
                          this process to it that flips a bit of each reply
                          when told to
  expired.test 127.0.0.4  chronyd -x with a certificate of January 2020
  noke.test    127.0.0.5  nothing on :4460 (no key exchange)
  ntpsec.test  127.0.0.1  ntpsec's ntpd, NTS-KE :4460, NTP :123, under
                          noclock, before the chronyds start (its key
                          exchange listens on every address's :4460);
                          its source: the shared-memory driver, fed
                          by shmwriter.py in the test's IPC namespace
  ntpsec-relay.test
               127.0.0.7  the same ntpd's key exchange (it listens on
                          every address), and on :123 a relay in this
                          process to its NTP that flips a bit when told to
tset runs for real under noclock and the clock shim (no -q): a server that
gives authenticated time sets the virtual clock, every failure leaves it
alone. Against ntpd, which holds :123 (a time daemon to tset's guard),
tset runs with -q: first while ntpd has no source (it answers
unsynchronised), then once it has synchronised to the shared memory. Root is
needed (ports 53 and 123). Exit 0 pass, 1 fail, 77 skip.
"""

import os
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
import shmwriter as shmw  # noqa: E402
from harness import check, note  # noqa: E402

DNS_ADDR = "127.0.0.153"
HOSTS = """127.0.0.2 nts.test
127.0.0.2 alias.test
127.0.0.3 tamper.test
127.0.0.4 expired.test
127.0.0.5 noke.test
127.0.0.1 ntpsec.test
127.0.0.7 ntpsec-relay.test
"""
# not port 123: a process bound there (chronyd -x included) is a time
# daemon to tset's guard, which would then not set the clock; so every
# key exchange names the NTP port (port negotiation), and tamper.test's
# also the relay's address (server negotiation)
NTP_PORT = 11123
RELAY = ("127.0.0.9", NTP_PORT)
KE_PORT = 4460
NTPSEC_RELAY = ("127.0.0.7", 123)
NTPSEC_UNPACKED = "/usr/local/lib/tset-tests/ntpsec/usr/sbin/ntpd"
NTP_TIMESTAMP_XMT = 40  # RFC 5905 figure 8: the transmit timestamp's offset

tset = None


def openssl(s, *args, env=None):
    subprocess.run(["openssl"] + list(args), check=True, cwd=s.tmp, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_pki(s):
    """ca.pem; good.pem for nts.test and tamper.test; old.pem for
    expired.test, valid for 30 days from 2020-01-01."""
    openssl(s, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
            "-subj", "/CN=tset test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    good_sans = "DNS:nts.test,DNS:tamper.test,DNS:ntpsec.test,DNS:ntpsec-relay.test"
    for name, sans, fake in (("good", good_sans, None),
                             ("old", "DNS:expired.test", "@2020-01-01 00:00:00")):
        openssl(s, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name)
        s.write(name + ".ext", f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
        env = None
        if fake:
            env = dict(os.environ, LD_PRELOAD=h.libfaketime(), FAKETIME=fake)
        openssl(s, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "30",
                "-extfile", name + ".ext", env=env)
    return s.path("ca.pem")


def wait_tcp(addr, port, proc, timeout_s=10.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end and proc.poll() is None:
        try:
            socket.create_connection((addr, port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def nts_chronyd(s, addr, cert, extra=(), port=NTP_PORT):
    """chronyd -x serving NTS on addr (NTP :port, NTS-KE :4460)."""
    chronyd = h.require_program("chronyd", "chrony")
    tag = f"chronyd-{addr}"
    dump = s.path(tag + ".dump")
    os.makedirs(dump, exist_ok=True)
    conf = s.write(tag + ".conf", "\n".join([
        "# tset integration test: serve NTS, never set the clock",
        "local stratum 10", "allow 127.0.0.0/8", f"bindaddress {addr}", f"port {port}",
        "cmdport 0", "bindcmdaddress /", f"pidfile {s.path(tag + '.pid')}",
        f"ntsserverkey {s.path(cert + '.key')}", f"ntsservercert {s.path(cert + '.pem')}",
        f"ntsport {KE_PORT}", f"ntsdumpdir {dump}"] + list(extra) + [""]))
    proc = s.start([chronyd, "-x", "-d", "-u", "root", "-f", conf], tag)
    if h.wait_ntp(addr, port, 10.0, proc) is None or not wait_tcp(addr, KE_PORT, proc):
        raise RuntimeError(f"chronyd on {addr} does not serve NTS: " + s.log_of(tag)[-800:])
    return proc


def ntpsec_ntpd():
    """ntpsec's ntpd: installed, or unpacked from its package by scripts/deps
    (Debian's ntpsec and chrony both provide time-daemon: installing one
    removes the other)."""
    path = shutil.which("ntpd", path="/usr/sbin:/sbin") or NTPSEC_UNPACKED
    if not os.access(path, os.X_OK):
        h.skip(f"ntpd not found (Debian package ntpsec; scripts/deps unpacks it to {path})")
    return path


def nts_ntpd(s, cert):
    """ntpsec's ntpd serving NTS (NTS-KE :4460 on every address, NTP :123
    on 127.0.0.1 and ::1), under noclock: it disciplines the clock it runs
    on and has no -x, so every clock-changing system call of it is refused
    by the kernel (seccomp; ntpd logs the EPERMs and goes on), and the
    kernel discipline is off besides. Its source is ntpd's shared-memory
    driver, unit 0, in the test's IPC namespace: until a writer fills it,
    ntpd answers unsynchronised (LI 3)."""
    ntpd = ntpsec_ntpd()
    noclock, _ = h.shim_paths()
    conf = s.write("ntpd.conf", "\n".join([
        "# tset integration test: serve NTS, never set the clock",
        "disable kernel", "interface ignore wildcard",
        "refclock shm unit 0 refid SHM minpoll 0 maxpoll 0",
        "interface listen 127.0.0.1", "interface listen ::1",
        f"driftfile {s.path('ntpd.drift')}", f"statsdir {s.path('')}",
        "nts enable", f"nts cert {s.path(cert + '.pem')}",
        f"nts key {s.path(cert + '.key')}", f"nts cookie {s.path('ntpd-nts-keys')}", ""]))
    proc = s.start([noclock, ntpd, "-n", "-c", conf, "-l", s.path("ntpd-own.log")], "ntpd")
    if not wait_tcp("127.0.0.1", KE_PORT, proc):
        raise RuntimeError("ntpd does not serve NTS-KE: " + s.log_of("ntpd")[-400:]
                           + open(s.path("ntpd-own.log"), errors="replace").read()[-800:])
    return proc


def ntpsec_part(s, ca, resolv):
    """tset against ntpsec's ntpd, first without a source, then synchronised.
    Unsynchronised, no sample can be taken, and what is proven is the NTS
    layer: tset checks a reply's unique identifier and authenticator before
    its leap and stratum, so "server not synchronised" means the key
    exchange gave keys and cookies and ntpd's NTS-protected reply verified
    with them. Then a writer of ours gives ntpd's shared-memory driver this
    machine's time: ntpd synchronises (stratum 1), and tset takes its
    authenticated sample, directly and through the untouched relay; through
    the relay, the same reply with one bit flipped is refused by its
    authenticator. TamperRelay is defined below; ntpd runs before the
    chronyds (its key exchange takes :4460 on every address) and is
    stopped before they start."""
    shmw.private_ipc()
    proc = nts_ntpd(s, "good")
    relay = TamperRelay(NTPSEC_RELAY, ("127.0.0.1", 123))
    relay.start()
    writer = None
    try:
        base = [f"resolvconf {resolv}", f"ntstrustedcerts {ca}", "samples 1"]
        direct = ("ntpsec.test", "ntpsec's ntpd")
        relayed = ("ntpsec-relay.test", "ntpsec's ntpd through the relay, untouched")
        for name, what in (direct, relayed):
            r = run(s, base + [f"server {name} nts"], what + ", no source", flags=["-q"])
            sv = only_server(r)
            err = sv.get("error") or ""
            check(r.rc not in (0, None) and sv.get("state") == "invalid"
                  and err.startswith("server not synchronised") and sv.get("auth") is None,
                  f"{what}, no source: key exchange done, the NTS-protected reply verified, "
                  f"then refused as unsynchronised (got exit {r.rc}, {sv.get('state')}: {err!r})")
            check(not clock_changed(r), f"{what}: the clock untouched ({r.records})")

        check(shmw.wait_segment(0) is not None, "ntpd made its shared-memory segment NTP0")
        writer = shmw.Writer(0, 0.0)
        # synchronised, and its root distance down from the first samples'
        # (tset's bound is RFC 5905's 1.5 s; ntpd's filter needs a few
        # polls, about 8 s); asked every 2 s, as ntpd drops a client that
        # asks faster
        a, t = h.wait_exchange("127.0.0.1", 123,
                               lambda f, _o: f["li"] != 3 and f["stratum"] == 1
                               and f["root_delay"] / 2 + f["root_disp"] < 1.0, 60, 2.0)
        check(a is not None, f"ntpd synchronised to the shared memory: stratum 1, "
              f"refid {a and a[0]['refid']}, root dispersion {a and a[0]['root_disp']} s "
              f"(after {t} s)")
        for name, what in (direct, relayed):
            r = run(s, base + [f"server {name} nts"], what + ", synchronised", flags=["-q"])
            sv = only_server(r)
            off = (r.json or {}).get("offset")
            check(r.rc == 0 and sv.get("auth") == "nts" and sv.get("state") == "system-peer"
                  and off is not None and abs(off) < 0.05,
                  f"{what}, synchronised: exit 0, its sample authenticated by nts, offset "
                  f"{off} s (got {r.rc}, {sv.get('auth')}, {sv.get('state')}: "
                  f"{sv.get('error')})")
            check(not clock_changed(r), f"{what}: -q, the clock untouched ({r.records})")
        check(relay.forwarded > 0, f"the relay carried tset's exchange ({relay.forwarded})")

        what = "ntpsec's ntpd, a bit of the authenticator flipped"
        relay.tamper, before = flip(-1), relay.tampered
        r = run(s, base + ["server ntpsec-relay.test nts"], what, flags=["-q"])
        check(relay.tampered > before, f"{what}: the relay changed replies")
        check_refused(r, what, ["bad authenticator"])

        r = run(s, [f"resolvconf {resolv}", "server ntpsec.test nts"], "ntpsec, CA not trusted",
                flags=["-q"])
        check_refused(r, "ntpsec's ntpd: a CA not trusted (system store only)",
                      ["certificate", "issuer"])
    finally:
        if writer is not None:
            writer.stop()
        relay.close()
        s.stop(proc)
    check(proc.poll() is not None, "ntpd stopped before the chronyds start")


class TamperRelay(h.DelayRelay):
    """A relay without delay whose replies go back changed by self.tamper."""

    def __init__(self, listen, upstream):
        super().__init__(listen, upstream, 0.0)
        self.tamper = None
        self.tampered = 0

    def _later(self, sock, data, dest):
        if dest is not None and self.tamper:
            data = self.tamper(data)
            self.tampered += 1
        super()._later(sock, data, dest)


def flip(at):
    """Flip the low bit of byte at (negative: from the end)."""
    def f(data):
        b = bytearray(data)
        b[at] ^= 1
        return bytes(b)
    return f


def run(s, conf_lines, what, shim=None, flags=()):
    conf = s.write("tset.conf", "".join(line + "\n" for line in conf_lines))
    r = h.run_tset_shim(s, tset, list(flags) + ["-j", "-c", conf], shim=shim)
    note(f"{what}: exit {r.rc}, elapsed {r.elapsed:.3f} s, clock {r.records}")
    for sv in (r.json or {}).get("servers", []):
        note(f"  {sv.get('name')} {sv.get('address')}:{sv.get('port')} {sv.get('state')} "
             f"auth {sv.get('auth')} error {sv.get('error')}")
    if r.err.strip():
        note("  stderr: " + r.err.strip().replace("\n", " | ")[-400:])
    return r


def clock_changed(r):
    """Any write to the virtual clock: step, slew (or a cancelled one), status
    (the shim records writes only)."""
    return any(rec.strip() for rec in r.records)


def only_server(r):
    servers = (r.json or {}).get("servers", [])
    return servers[0] if len(servers) == 1 else {}


def check_refused(r, what, error_has):
    sv = only_server(r)
    err = sv.get("error") or ""
    check(r.rc not in (0, None), f"{what}: no time (exit {r.rc})")
    check(sv.get("state") == "invalid" and err.startswith("nts: ")
          and all(x in err for x in error_has),
          f"{what}: invalid, error names {error_has} (got {sv.get('state')}: {err!r})")
    check(sv.get("auth") is None, f"{what}: auth null (got {sv.get('auth')!r})")
    check(not clock_changed(r), f"{what}: the clock untouched ({r.records})")


def body(s):
    h.shim_paths()
    h.private_run()
    h.require_program("openssl", "openssl")
    ca = make_pki(s)
    resolv = s.write("resolv.conf", f"nameserver {DNS_ADDR}\n")
    s.dnsmasq(DNS_ADDR, HOSTS)
    ntpsec_part(s, ca, resolv)
    nts_chronyd(s, "127.0.0.2", "good")
    nts_chronyd(s, "127.0.0.3", "good", [f"ntsntpserver {RELAY[0]}"])
    nts_chronyd(s, "127.0.0.4", "old")
    relay = TamperRelay(RELAY, ("127.0.0.3", NTP_PORT))
    relay.start()
    s.stack.callback(relay.close)
    base = [f"resolvconf {resolv}", f"ntstrustedcerts {ca}"]

    # the boot case: the shim's kernel says unsynchronised, the dates of a
    # valid certificate are not what is checked; then a synchronised one
    for status in ("unsync", "sync"):
        what = f"an NTS server, clock {status}"
        r = run(s, base + ["server nts.test nts"], what, shim={"STATUS": status})
        sv = only_server(r)
        check(r.rc == 0 and sv.get("auth") == "nts" and sv.get("state") == "system-peer",
              f"{what}: exit 0, its sample authenticated by nts "
              f"(got {r.rc}, {sv.get('auth')}, {sv.get('state')}: {sv.get('error')})")
        check(clock_changed(r), f"{what}: the clock is set ({r.records})")

    r = run(s, base + ["server alias.test nts"], "a name its certificate lacks")
    check_refused(r, "a name its certificate lacks", ["certificate", "name"])

    r = run(s, [f"resolvconf {resolv}", "server nts.test nts"], "a CA not trusted")
    check_refused(r, "a CA not trusted (system store only)", ["certificate", "issuer"])

    r = run(s, base + ["server noke.test nts"], "no key exchange")
    check_refused(r, "no key exchange (nothing on :4460)", ["key exchange", "refused"])

    # through the relay: untouched first, so that what follows is the tamper's doing
    r = run(s, base + ["server tamper.test nts"], "through the relay, untouched")
    check(r.rc == 0 and only_server(r).get("auth") == "nts" and relay.forwarded > 0,
          f"through the relay (the key exchange names {RELAY[0]}): authenticated time "
          f"(exit {r.rc}, {relay.forwarded} datagrams relayed)")
    for what, at in (("a bit of the transmit timestamp flipped", NTP_TIMESTAMP_XMT + 7),
                     ("a bit of the authenticator flipped", -1)):
        relay.tamper, before = flip(at), relay.tampered
        r = run(s, base + ["server tamper.test nts", "samples 1"], what)
        check(relay.tampered > before, f"{what}: the relay changed replies")
        check_refused(r, what, ["bad authenticator"])
    relay.tamper = None

    # an expired certificate: refused by its dates on a synchronised clock,
    # and by the time the server gives on an unsynchronised one
    r = run(s, base + ["server expired.test nts"], "expired, clock sync", shim={"STATUS": "sync"})
    check_refused(r, "an expired certificate, clock synchronised", ["certificate", "expired"])
    r = run(s, base + ["server expired.test nts"], "expired, clock unsync",
            shim={"STATUS": "unsync"})
    check_refused(r, "an expired certificate, clock unsynchronised",
                  ["outside its certificate's validity"])


def main():
    global tset
    tset = h.tset_arg(sys.argv, "test_nts.py TSET")
    return h.main(body, root="binding port 53 on loopback",
                  programs=[("chronyd", "chrony"), ("openssl", "openssl")])


if __name__ == "__main__":
    sys.exit(main())
