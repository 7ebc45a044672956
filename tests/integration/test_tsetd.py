#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd serving on loopback: real clients, the reply's fields, the config's
references, ports and interface rules, and hostile input.

    test_tsetd.py PATH/TO/tset PATH/TO/tsetd

tsetd instances (all started and stopped by this test, by PID; each config
says `interface ignore all` and listens on loopback addresses only):
  127.0.0.30:123        stratum 9 (ntpdig, which asks port 123 only; the
                        reply's fields)
  127.0.0.31:12501      stratum 9 (chronyd -Q 'server ... port 12501', tset)
  127.0.0.32-34:12502   three tsetd sharing a port, stratum 9; .34 says
                        `fudge time1 3600` (a liar)
  127.0.0.35:12503      no reference at all (LI=3, stratum 0)
  127.0.0.36:12504      fudge stratum 12; :12505 fudge refid LOCL; :12514
                        stratum 15; :12515 stratum 0 (served as 1)
  127.0.0.37:12506      fudge time1 0.5; :12507 time1 -1.5; :12508/12509
                        time1 +1e9 / -1e9 (the config's bounds)
  0.0.0.0:12510         `interface listen 127.0.0.0/8` (the wildcard socket,
                        answering only what was sent to 127/8) then
                        `interface ignore 127.0.0.5`
  127.0.0.3:12511       `interface listen 127.0.0.3` alone
  127.0.0.3/.4:12512    two tsetd on one port, stratum 5 and 6
  127.0.0.39, ::1:12513 plain, -4 and -6
  127.0.0.40:12520      hostile input: every mode 0..7 x version 0..7 x
                        length 0..1100, extension fields and MACs of right
                        and wrong lengths, random datagrams (seed printed;
                        TSETD_HOSTILE_SEED=N replays one), zero timestamps,
                        truncation at the 2048-byte buffer
In a network namespace of its own (NetNs: it adds links, addresses and
routes there, and forges datagrams with a raw socket; nothing reaches this
machine's network), tsetd with its default config (every address) on
12530..12536 and port 123: a reply the kernel refuses costs no other of
its batch and is counted by reason; only unicast is answered (not port 0,
not to or from a broadcast or multicast address); each small batch of
replies is stamped just before it leaves; every address of the host gets
a socket of its own, also one that comes later (tentative and link-local
IPv6 too), which closes when the address goes, as the interface rules
allow, beyond the table and without the privilege to bind port 123 the
wildcard answers, and lost address notices bring a full dump.
tset runs with -q only, chronyd with -Q only, ntpdig without -s/-S: no
process touches the clock. The local clock's expected LI and root
dispersion come from adjtimex() with modes 0 (a read). Root is needed
(port 123, chronyd, namespaces); skips (77) otherwise and without chronyd,
ntpdig, ip (iproute2) or unshare (util-linux).
A tsetd log holding a sanitizer report (the ASan build, run by hand with
its tsetd) is a failure. Exit 0 pass, 1 fail, 77 skip.
"""

import contextlib
import ctypes
import json
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
from harness import check, note, fmt_offset  # noqa: E402

LOCAL = "server 127.127.1.0\n"
REFID_LOCAL = bytes([127, 127, 1, 1])
TIGHT = 0.001  # |offset| bound on loopback, seconds
GOOD_STATES = ("system-peer", "survivor", "outlier")
NOT_WAITED = "not waited for: decided before its reply"
NO_EARLY_STOP = "accuracy 0.000000001"  # tset.conf: sample every server to -p

tset = tsetd = None


def conf(*lines, listen=(), port=None):
    """A tsetd config: the lines, then `interface ignore all` and one
    `interface listen` per address, then `port` when given."""
    out = list(lines) + ["interface ignore all"] + [f"interface listen {a}" for a in listen]
    if port is not None:
        out.append(f"port {port}")
    return "".join(x if x.endswith("\n") else x + "\n" for x in out)


def start(s, name, text, *args, probe=None):
    return s.tsetd(tsetd, text, *args, name=name, probe=probe)


def fields_of(r):
    return h.ntp_fields(r[0]) if r else None


def kernel_state(quiet=False):
    """(expected LI, expected root dispersion in s, tolerance) of the local
    clock from the kernel now: adjtimex() with modes 0, a pure read.
    Unsynchronised (and never synchronised while tsetd ran, as on a
    machine nothing sets): 10 ms plus 15 ppm of the time since boot
    (CLOCK_MONOTONIC, as tsetd(8) says), at most 1 s."""
    buf = ctypes.create_string_buffer(512)  # struct timex, zeroed: modes = 0
    libc = ctypes.CDLL(None, use_errno=True)
    state = libc.adjtimex(buf)
    maxerror = struct.unpack_from("l", buf, 24)[0]  # after modes+pad, offset, freq
    status = struct.unpack_from("i", buf, 40)[0]
    li = 1 if status & 0x10 else 2 if status & 0x20 else 0  # STA_INS, STA_DEL
    unsync = bool(status & 0x40)  # STA_UNSYNC
    disp = min(0.01 + 15e-6 * time.monotonic() if unsync else maxerror * 1e-6, 1.0)
    # maxerror grows by 500 us each second while the kernel is synchronised;
    # unsynchronised, 15 us/s: the query follows within a second
    tol = 2 / 65536 + 15e-6 if unsync else 0.0015
    if not quiet:
        note(f"kernel: adjtimex state {state}, status 0x{status:04x} (unsync {unsync}), "
             f"maxerror {maxerror} us: expect LI {li}, root dispersion {disp:.6f} s")
    return li, disp, tol


def offset_of(r):
    """(offset, delay) of a reply to a request sent at r's t1, received at
    t4. With the server's clock equal to ours, |offset| <= delay / 2 holds
    whatever the scheduling of this Python process did to t1 and t4."""
    f = h.ntp_fields(r[0])
    t2, t3 = h.ntp_ts(f["rec"]), h.ntp_ts(f["xmt"])
    return ((t2 - r[2]) + (t3 - r[3])) / 2, (r[3] - r[2]) - (t3 - t2)


def best_offset(addr, port, n=5):
    """(offset, delay) of the exchange of least delay out of n, or None."""
    got = [offset_of(r) for r in (h.ntp_ask(addr, port, h.ntp_packet()) for _ in range(n)) if r]
    return min(got, key=lambda x: x[1]) if got else None


def within(off, delay, want=0.0):
    """off agrees with want to within the exchange's own bound, and 1 ms."""
    err = abs(off - want)
    return err <= delay / 2 + 50e-6 and err < TIGHT


def tset_run(args, what):
    r = h.run_tset(tset, args, timeout=30)
    doc = r.json or {}
    note(f"{what}: exit {r.rc}, offset {fmt_offset(doc.get('offset'))}, stratum "
         f"{doc.get('stratum')}, elapsed {r.elapsed:.3f} s")
    for sv in doc.get("servers", []):
        note(f"  {sv.get('address')}:{sv.get('port')} {sv.get('state')} stratum "
             f"{sv.get('stratum')} refid {sv.get('refid')} offset {fmt_offset(sv.get('offset'))} "
             f"samples {sv.get('samples')} error {sv.get('error')}")
    if r.err.strip():
        note("  stderr: " + r.err.strip().replace("\n", " | ")[-400:])
    return r


# ---------------------------------------------------------------- clients

def test_fields(s, li_exp):
    """The reply's fields, for each version, against tsetd on 127.0.0.30:123."""
    for v in (1, 2, 3, 4):
        _, disp_exp, disp_tol = kernel_state(quiet=True)
        cookie = struct.pack("!Q", 0x1234567800000000 | v)
        req = h.ntp_packet(version=v, xmt=cookie, poll=v + 3)
        r = h.ntp_ask("127.0.0.30", 123, req)
        f = fields_of(r)
        what = f"version {v} request to 127.0.0.30:123"
        if not check(f is not None, f"{what}: answered"):
            continue
        check(len(r[0]) == 48, f"{what}: a 48-byte reply ({len(r[0])})")
        check(f["mode"] == 4 and f["version"] == v,
              f"{what}: mode 4, version {v} echoed (mode {f['mode']}, version {f['version']})")
        check(f["poll"] == v + 3, f"{what}: poll echoed ({f['poll']})")
        check(f["stratum"] == 9, f"{what}: the fudge stratum 9 ({f['stratum']})")
        check(f["li"] == li_exp, f"{what}: LI {li_exp} ({f['li']})")
        check(f["refid"] == REFID_LOCAL, f"{what}: refid 127.127.1.1 ({f['refid'].hex()})")
        check(f["org"] == struct.unpack("!Q", cookie)[0],
              f"{what}: origin = the request's transmit ({f['org']:#x})")
        check(f["rec"] != f["org"] and f["rec"] <= f["xmt"],
              f"{what}: receive != origin, receive <= transmit")
        check(f["ref"] >> 32 == f["rec"] >> 32 and f["ref"] & 0xffffffff == 0,
              f"{what}: reference = the receive second ({f['ref']:#x} vs {f['rec']:#x})")
        check(f["root_delay"] == 0.0, f"{what}: root delay 0 ({f['root_delay']})")
        check(abs(f["root_disp"] - disp_exp) < disp_tol,
              f"{what}: root dispersion {disp_exp:.6f} s ({f['root_disp']:.6f})")
        check(-32 < f["precision"] < 0, f"{what}: precision 2^{f['precision']} s")
        off, delay = offset_of(r)
        check(abs(off) <= delay / 2 + 50e-6,
              f"{what}: |offset| <= delay/2 ({fmt_offset(off)}, delay {fmt_offset(delay)})")
    # the fractions below the precision are random: two replies differ there
    a = fields_of(h.ntp_ask("127.0.0.30", 123, h.ntp_packet()))
    if a:
        note(f"precision 2^{a['precision']} s; transmit fraction 0x{a['xmt'] & 0xffffffff:08x}")


def ntpdig_run(addr):
    ntpdig = h.require_program("ntpdig", "ntpsec-ntpdig")
    argv = [ntpdig, "-j", "-t", "2", addr]
    assert not any(a in ("-s", "-S", "--step", "--slew") for a in argv)  # never set the clock
    p = subprocess.run(argv, capture_output=True, text=True, timeout=20,
                       preexec_fn=h._pdeathsig)
    note(f"ntpdig -j {addr}: exit {p.returncode}: {p.stdout.strip()} {p.stderr.strip()}")
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, {}


def test_ntpdig(s):
    """ntpdig (Python) takes one sample: its offset carries the scheduling
    of its own process. Three runs; the one of least error estimate (its
    "precision": synchronisation distance, half the delay included) is the
    measurement."""
    runs = [ntpdig_run("127.0.0.30") for _ in range(3)]
    check(all(rc == 0 for rc, _ in runs), f"ntpdig against tsetd 127.0.0.30:123: exit 0 "
          f"({[rc for rc, _ in runs]})")
    check(all(d.get("stratum") == 9 and d.get("leap") == "no-leap" for _, d in runs),
          f"ntpdig: stratum 9, no-leap ({[(d.get('stratum'), d.get('leap')) for _, d in runs]})")
    docs = [d for _, d in runs if d.get("offset") is not None]
    best = min(docs, key=lambda d: d.get("precision", 1)) if docs else {}
    off = best.get("offset")
    check(off is not None and abs(off) < TIGHT,
          f"ntpdig: |offset| < 1 ms ({off}; all runs {[d.get('offset') for d in docs]})")


def test_chronyd_q(s):
    rc, off, rows = h.chronyd_query(s, "127.0.0.31", 12501, "chronyd-Q")
    what = "chronyd -Q against tsetd 127.0.0.31 port 12501"
    check(rc == 0, f"{what}: exit 0 ({rc})")
    check(off is not None and abs(off) < TIGHT, f"{what}: |offset| < 1 ms ({off})")
    check(len(rows) >= 1, f"{what}: measurements logged ({len(rows)})")
    check(rows and all(r["stratum"] == 9 and r["leap"] == "N" and r["refid"] == "7F7F0101"
                       for r in rows),
          f"{what}: every measurement: stratum 9, leap N, refid 7F7F0101")
    check(rows and all(abs(r["offset"]) <= r["delay"] / 2 + 50e-6 for r in rows),
          f"{what}: every measurement: |offset| <= delay/2")


def test_tset(s):
    what = "tset -q -j against tsetd 127.0.0.31:12501"
    r = tset_run(["-q", "-j", "127.0.0.31:12501"], what)
    doc = r.json or {}
    sv = h.servers_by_address(doc).get("127.0.0.31") or {}
    check(r.rc == 0, f"{what}: exit 0 ({r.rc})")
    check(doc.get("offset") is not None and abs(doc["offset"]) < TIGHT,
          f"{what}: |offset| < 1 ms ({fmt_offset(doc.get('offset'))})")
    check(sv.get("stratum") == 9 and doc.get("stratum") == 10,
          f"{what}: server stratum 9, system stratum 10 "
          f"({sv.get('stratum')}, {doc.get('stratum')})")
    check(sv.get("refid") == "127.127.1.1" and sv.get("leap") == "none",
          f"{what}: refid 127.127.1.1, leap none ({sv.get('refid')}, {sv.get('leap')})")
    # no `port`: nothing on 127.0.0.31:123
    check(h.ntp_ask("127.0.0.31", 123, h.ntp_packet()) is None,
          "`port 12501`: nothing answers on 127.0.0.31:123")

    three = ["127.0.0.32", "127.0.0.33", "127.0.0.34"]
    what = "tset against three tsetd, 127.0.0.34 with time1 3600, every sample"
    c = s.write("tset-three.conf", "".join(
        [NO_EARLY_STOP + "\n"] + [f"server {a} port 12502 burst\n" for a in three]))
    r = tset_run(["-q", "-j", "-c", c], what)
    doc = r.json or {}
    st = {a: e.get("state") for a, e in h.servers_by_address(doc).items()}
    check(r.rc == 0 and doc.get("offset") is not None and abs(doc["offset"]) < TIGHT,
          f"{what}: exit 0, |offset| < 1 ms ({r.rc}, {fmt_offset(doc.get('offset'))})")
    check(st.get("127.0.0.34") == "falseticker", f"{what}: the liar is a falseticker ({st})")
    check(all(st.get(a) in GOOD_STATES for a in three[:2]), f"{what}: the honest two survive")
    liar = h.servers_by_address(doc).get("127.0.0.34") or {}
    check(liar.get("offset") is not None and abs(liar["offset"] - 3600) < 0.01,
          f"{what}: the liar's offset is +3600 s ({liar.get('offset')})")

    what = "tset -p 1 against three tsetd, 127.0.0.34 with time1 3600"
    r = tset_run(["-q", "-j", "-p", "1"] + [f"{a}:12502" for a in three], what)
    doc = r.json or {}
    liar = h.servers_by_address(doc).get("127.0.0.34") or {}
    check(r.rc == 0 and doc.get("offset") is not None and abs(doc["offset"]) < TIGHT,
          f"{what}: exit 0, |offset| < 1 ms ({r.rc}, {fmt_offset(doc.get('offset'))})")
    check(liar.get("state") == "falseticker" or
          (liar.get("state") == "unreachable" and liar.get("error") == NOT_WAITED),
          f"{what}: the liar is a falseticker or not waited for ({liar.get('state')})")


# ---------------------------------------------------------------- references

def test_references(s):
    r = h.ntp_ask("127.0.0.35", 12503, h.ntp_packet())
    f = fields_of(r)
    what = "no reference configured"
    if check(f is not None, f"{what}: still answered"):
        check(f["li"] == 3 and f["stratum"] == 0,
              f"{what}: LI 3, stratum 0 (LI {f['li']}, stratum {f['stratum']})")
        check(f["ref"] == 0, f"{what}: reference timestamp 0 ({f['ref']:#x})")
        note(f"{what}: refid {f['refid'].hex()}, root dispersion {f['root_disp']}")
    check("no reference clock to serve" in s.log_of("noref"), f"{what}: tsetd warned at start")
    rr = tset_run(["-q", "-j", "-p", "1", "127.0.0.35:12503"], "tset -p 1 against it")
    sv = h.servers_by_address(rr.json).get("127.0.0.35") or {}
    check(rr.rc == 6 and sv.get("state") == "invalid",
          f"{what}: tset rejects it: exit 6, state invalid ({rr.rc}, {sv.get('state')}, "
          f"{sv.get('error')})")

    f = fields_of(h.ntp_ask("127.0.0.36", 12504, h.ntp_packet()))
    check(f is not None and f["stratum"] == 12 and f["li"] != 3 and f["refid"] == REFID_LOCAL,
          f"fudge stratum 12: served as stratum 12, refid 127.127.1.1 "
          f"({f and (f['stratum'], f['li'], f['refid'].hex())})")
    f = fields_of(h.ntp_ask("127.0.0.36", 12505, h.ntp_packet()))
    check(f is not None and f["refid"] == b"LOCL" and f["stratum"] == 10,
          f"fudge refid LOCL: refid LOCL, default stratum 10 "
          f"({f and (f['refid'], f['stratum'])})")

    for port, want in ((12514, 15), (12515, 1)):
        f = fields_of(h.ntp_ask("127.0.0.36", port, h.ntp_packet()))
        check(f is not None and f["stratum"] == want and f["li"] != 3,
              f"fudge stratum {15 if want == 15 else 0}: served as stratum {want} "
              f"({f and f['stratum']})")

    for port, shift in ((12506, 0.5), (12507, -1.5)):
        b = best_offset("127.0.0.37", port)
        check(b is not None and within(b[0], b[1], shift),
              f"fudge time1 {shift}: the served time is shifted by {shift:+} s "
              f"(offset, delay of the best of 5: {b})")

    # the largest time1 the config takes, either way: the served time is in
    # NTP era 1 (after 2036) or 1994; its 32-bit seconds wrap, so compare
    # modulo 2^32 s
    for port, shift in ((12508, 1e9), (12509, -1e9)):
        b = best_offset("127.0.0.37", port)
        err = None if b is None else (b[0] - shift + 2**31) % 2**32 - 2**31
        check(err is not None and within(err, b[1]),
              f"fudge time1 {shift:+.0e}: served shifted by {shift:+.0e} s, modulo the NTP era "
              f"(error {err}, delay {b and b[1]})")


# ---------------------------------------------------------------- addresses

def test_reply_source(s):
    """The wildcard socket answers from the address the request was sent to."""
    check("listening on 0.0.0.0 port 12510" in s.log_of("wild"),
          "`interface listen 127.0.0.0/8`: tsetd listens on the wildcard 0.0.0.0:12510")
    for dst in ("127.0.0.3", "127.0.0.38", "127.0.0.1", "127.0.0.254"):
        r = h.ntp_ask(dst, 12510, h.ntp_packet(), src="127.0.0.1")
        check(r is not None and r[1][0] == dst,
              f"a request to {dst}:12510 (from 127.0.0.1) is answered from {dst} "
              f"({r and r[1]})")
    wild = next(p for p in s.procs if p.name == "wild")
    before = h.tsetd_ask_counters(wild) or {}
    r = h.ntp_ask("127.0.0.5", 12510, h.ntp_packet())
    after = h.tsetd_ask_counters(wild) or {}
    check(r is None, "`interface ignore 127.0.0.5` after the listen: 127.0.0.5 gets nothing")
    check(after.get("interface drops", 0) - before.get("interface drops", 0) == 1,
          f"... counted as an interface drop ({before.get('interface drops')} -> "
          f"{after.get('interface drops')})")


def test_interface_rules(s):
    log = s.log_of("only3")
    check("listening on 127.0.0.3 port 12511" in log and "0.0.0.0" not in log
          and "listening on ::" not in log,
          "`interface ignore all` + `listen 127.0.0.3`: bound to 127.0.0.3 alone")
    for dst, want in (("127.0.0.3", True), ("127.0.0.1", False), ("127.0.0.4", False)):
        r = h.ntp_ask(dst, 12511, h.ntp_packet())
        check((r is not None) == want, f"... {dst}:12511 {'answers' if want else 'gets nothing'}")

    # two tsetd on one port, different addresses
    p3 = next(p for p in s.procs if p.name == "share3")
    p4 = next(p for p in s.procs if p.name == "share4")
    check(p3.poll() is None and p4.poll() is None, "two tsetd on port 12512 (.3 and .4) both run")
    f3 = fields_of(h.ntp_ask("127.0.0.3", 12512, h.ntp_packet()))
    f4 = fields_of(h.ntp_ask("127.0.0.4", 12512, h.ntp_packet()))
    check(f3 is not None and f3["stratum"] == 5, f"... 127.0.0.3:12512 answers, stratum 5 "
          f"({f3 and f3['stratum']})")
    check(f4 is not None and f4["stratum"] == 6, f"... 127.0.0.4:12512 answers, stratum 6 "
          f"({f4 and f4['stratum']})")


def test_families(s):
    if not h.have_ipv6_loopback():
        note("no ::1 on this host: -4/-6 checked on IPv4 only")
    v6 = h.have_ipv6_loopback()
    text = conf(LOCAL, listen=["127.0.0.39"] + (["::1"] if v6 else []), port=12513)
    for flag, want4, want6 in (("", True, True), ("-4", True, False), ("-6", False, True)):
        args = [flag] if flag else []
        p = start(s, f"fam{flag or '-none'}", text, *args)
        r4 = h.ntp_ask("127.0.0.39", 12513, h.ntp_packet())
        who = f"tsetd {flag or '(no -4/-6)'}"
        check((r4 is not None) == want4,
              f"{who}: 127.0.0.39:12513 {'answers' if want4 else 'gets nothing'}")
        if v6:
            r6 = h.ntp_ask("::1", 12513, h.ntp_packet())
            check((r6 is not None) == want6,
                  f"{who}: [::1]:12513 {'answers' if want6 else 'gets nothing'}"
                  + (f", from ::1 ({r6[1][0]})" if r6 else ""))
        h.Session.stop(p)
        check(p.returncode == 0, f"tsetd {flag}: SIGTERM, exit 0 ({p.returncode})")


# ---------------------------------------------------------------- hostile input

HOSTILE = ("127.0.0.40", 12520)


def documented_verdict(d):
    """Is datagram d answered, per handle.h and ntp_pkt.h: mode 3, version
    1..4, 48 bytes at least, up to 2048 (larger is truncated: malformed);
    after the header a remainder of 20 or 24 bytes is a MAC, of 4 a
    crypto-NAK, otherwise extension fields of at least 16 bytes, multiples
    of 4 (NTPv4 only; older versions allow only a MAC). A request with a
    MAC (or a crypto-NAK) is answered only when its key is trusted and its
    MAC right; this tsetd has no keys, so never (tsetd(8): no crypto-NAK
    oracle)."""
    if len(d) < 48 or len(d) > 2048:
        return False
    v, mode = (d[0] >> 3) & 7, d[0] & 7
    if mode != 3 or not 1 <= v <= 4:
        return False
    off = 48
    while off < len(d):
        rem = len(d) - off
        if rem in (4, 20, 24):
            return False
        if v < 4 or 20 < rem < 24 or rem < 16:
            return False
        ef = struct.unpack("!H", d[off + 2:off + 4])[0]
        if ef < 16 or ef % 4 or ef > rem:
            return False
        off += ef
    return True


class Flood:
    """Sends datagrams to tsetd in batches; each batch ends with a valid
    request (the sentinel) whose reply, as tsetd answers in order, says
    that every reply to the batch is in. Matches replies to requests by
    their origin timestamp (every request of 48 bytes or more carries a
    unique transmit timestamp)."""

    def __init__(self, sentinel_timeout):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.serial = 0
        self.sent = 0
        self.bytes_sent = 0
        self.batch = []
        self.by_cookie = {}  # cookie -> request
        self.replies = []  # (request or None, reply)
        self.lost_sentinels = 0
        self.timeout = sentinel_timeout

    def cookie(self):
        self.serial += 1
        return struct.pack("!II", 0xC0DE0000 | (self.serial >> 32), self.serial & 0xffffffff)

    def add(self, d):
        """Queue datagram d (bytes 40..48 are overwritten with a unique cookie
        when it is 48 bytes or longer). Returns the datagram sent."""
        d = bytearray(d)
        if len(d) >= 48:
            d[40:48] = self.cookie()
        d = bytes(d)
        self.batch.append(d)
        if len(d) >= 48:
            self.by_cookie[d[40:48]] = d
        if len(self.batch) >= 48:
            self.flush()
        return d

    def _send(self, d):
        while True:
            try:
                self.sock.sendto(d, HOSTILE)
                break
            except BlockingIOError:
                select.select([], [self.sock], [], 0.1)
        self.sent += 1
        self.bytes_sent += len(d)

    def flush(self):
        if not self.batch:
            return
        sentinel = h.ntp_packet(xmt=self.cookie())
        for d in self.batch + [sentinel]:
            self._send(d)
        self.batch = []
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.sock], [], [], max(0, end - time.monotonic()))
            if not r:
                continue
            data, _ = self.sock.recvfrom(65536)
            key = data[24:32] if len(data) >= 32 else None
            if key == sentinel[40:48]:
                return
            self.replies.append((self.by_cookie.get(key), data))
        self.lost_sentinels += 1


def test_hostile(s, proc):
    seed = int(os.environ.get("TSETD_HOSTILE_SEED", "20261127"))
    note(f"hostile input: random seed {seed} (TSETD_HOSTILE_SEED={seed} replays it)")
    rng = random.Random(seed)
    slow = "asan" in tsetd or os.environ.get("TSETD_SLOW")
    fl = Flood(5.0 if slow else 1.0)
    before = h.tsetd_ask_counters(proc) or {}
    t0 = time.monotonic()

    # 1. every mode x version x length 0..1100, zero-filled (timestamps 0
    #    but the transmit cookie), LI random
    sweep = []
    for mode in range(8):
        for v in range(8):
            for n in range(0, 1101):
                d = bytearray(n)
                if n:
                    d[0] = rng.randrange(4) << 6 | v << 3 | mode
                sweep.append(fl.add(d))
    # 2. random datagrams: any first byte, random length and bytes
    rand_any = [fl.add(rng.randbytes(rng.randrange(0, 1101))) for _ in range(4000)]
    # 3. mode 3, versions 1..4, random header (random timestamps) and
    #    random trailers of random length
    rand_req = []
    for _ in range(4000):
        n = 48 + (0 if rng.random() < 0.5 else rng.randrange(0, 1053))
        d = bytearray(rng.randbytes(n))
        d[0] = (d[0] & 0xc0) | rng.randrange(1, 5) << 3 | 3
        rand_req.append(fl.add(d))
    # 4. extension fields and MACs, right and wrong lengths (v4 unless said)
    def ef(ftype, length, body_len=None):
        body_len = length - 4 if body_len is None else body_len
        return struct.pack("!HH", ftype, length) + rng.randbytes(max(0, body_len))
    mac20, mac24 = struct.pack("!I", 1) + bytes(16), struct.pack("!I", 2) + bytes(20)
    crafted = {
        "EF 16": ef(0x0104, 16), "EF 28": ef(0x0204, 28), "EF 16 + EF 28": ef(1, 16) + ef(2, 28),
        "EF 16 + MAC 20": ef(1, 16) + mac20, "EF 28 + MAC 24": ef(1, 28) + mac24,
        "MAC 20": mac20, "MAC 24": mac24, "crypto-NAK 4": struct.pack("!I", 0),
        "EF length 0": ef(1, 0, 12), "EF length 12 in 16": ef(1, 12, 12),
        "EF length 18 in 32": ef(1, 18, 28), "EF length 64 in 32": ef(1, 64, 28),
        "EF length 0xfffc in 16": ef(1, 0xfffc, 12), "EF 16 + 12 stray": ef(1, 16) + bytes(12),
        "MAC 8": bytes(8), "MAC 12": bytes(12), "MAC 19": bytes(19), "MAC 21": bytes(21),
        "MAC 22": bytes(22), "MAC 23": bytes(23), "MAC 25": struct.pack("!I", 1) + bytes(21),
        "MAC 28 (key 1)": struct.pack("!I", 1) + bytes(24), "1 byte": b"\x01",
        "EF 2000 (2048 in all)": ef(1, 2000), "EF 2004 (2052: truncated)": ef(1, 2004),
        "2049 bytes": bytes(2001), "65507 bytes": bytes(65507 - 48),
    }
    crafted_sent = {}
    for name, tail in crafted.items():
        crafted_sent[name] = fl.add(h.ntp_packet(rest=tail))
    for v in (1, 2, 3):
        for name, tail in (("EF 16", ef(1, 16)), ("MAC 20", mac20), ("MAC 24", mac24),
                           ("crypto-NAK 4", bytes(4)), ("MAC 21", bytes(21))):
            crafted_sent[f"v{v} {name}"] = fl.add(h.ntp_packet(version=v, rest=tail))
    # 5. duplicates: the same request three times (a stateless server answers each)
    dup = h.ntp_packet(xmt=fl.cookie())
    for _ in range(3):
        fl.batch.append(dup)
    fl.by_cookie[dup[40:48]] = dup
    fl.flush()
    elapsed = time.monotonic() - t0

    alive = proc.poll() is None
    check(alive, f"tsetd alive after {fl.sent} hostile datagrams ({fl.bytes_sent / 1e6:.1f} MB, "
          f"{elapsed:.1f} s)")
    check(fl.lost_sentinels == 0, f"every batch's sentinel request was answered "
          f"({fl.lost_sentinels} lost)")
    if not alive:
        note("tsetd exit status " + str(proc.returncode) + "; log: " + s.log_of("hostile")[-1500:])
        return

    # every reply belongs to a request of ours, and is no longer than it
    stray = [rep for req, rep in fl.replies if req is None]
    longer = [(len(req), len(rep)) for req, rep in fl.replies
              if req is not None and len(rep) > len(req)]
    check(not stray, f"every reply echoes the transmit timestamp of one of our requests "
          f"({len(stray)} do not)")
    check(not longer, f"no reply longer than its request ({longer[:5]})")
    check(all(len(rep) == 48 for _, rep in fl.replies), "every reply is 48 bytes")
    check(all(h.ntp_fields(rep)["mode"] == 4 for _, rep in fl.replies), "every reply is mode 4")
    answered = {}
    for req, rep in fl.replies:
        if req is not None:
            answered[req] = answered.get(req, 0) + 1

    # the sweep
    ctl = [d for d in sweep if d and d[0] & 7 in (6, 7)]
    check(not any(d in answered for d in ctl), f"modes 6 and 7: nothing ({len(ctl)} sent, "
          f"{sum(1 for d in ctl if d in answered)} answered)")
    other = [d for d in sweep if d and d[0] & 7 not in (1, 3, 6, 7)]
    check(not any(d in answered for d in other),
          f"modes 0, 2, 4, 5: nothing ({sum(1 for d in other if d in answered)} of "
          f"{len(other)} answered)")
    m1 = [d for d in sweep if d and d[0] & 7 == 1]
    note(f"mode 1 (symmetric active, optional): {sum(1 for d in m1 if d in answered)} of "
         f"{len(m1)} answered")
    badv = [d for d in sweep if d and not 1 <= (d[0] >> 3) & 7 <= 4]
    check(not any(d in answered for d in badv),
          f"versions 0, 5, 6, 7: nothing ({sum(1 for d in badv if d in answered)} of {len(badv)})")
    short = [d for d in sweep if len(d) < 48]
    check(not any(d in answered for d in short), "shorter than 48 bytes: nothing")
    plain = [d for d in sweep if len(d) == 48 and d[0] & 7 == 3 and 1 <= (d[0] >> 3) & 7 <= 4]
    check(all(d in answered for d in plain),
          f"every 48-byte mode-3 request of version 1..4 answered (whatever its LI) "
          f"({sum(1 for d in plain if d in answered)} of {len(plain)})")
    mism = [(len(d), (d[0] >> 3) & 7) for d in sweep if len(d) > 48 and
            (d in answered) != documented_verdict(d)]
    check(not mism, f"sweep: mode-3 requests with a trailer answered exactly as ntp_pkt.h says "
          f"(remainder 4, 20, 24 with zero bytes) ({len(mism)} differ: {mism[:6]})")
    ok_trailer = sorted({len(d) - 48 for d in sweep if len(d) > 48 and d in answered})
    note(f"sweep: trailer lengths answered: {ok_trailer}")

    # random
    for what, group in (("random datagrams", rand_any), ("random mode-3 requests", rand_req)):
        mism = [(len(d), d[:1].hex()) for d in group if (d in answered) != documented_verdict(d)]
        n_ans = sum(1 for d in group if d in answered)
        check(not mism, f"{what}: answered exactly as documented ({n_ans} of {len(group)} "
              f"answered; {len(mism)} differ: {mism[:6]})")
    # random timestamps: origin echoes the transmit, receive never equals it
    bad = [rep for req, rep in fl.replies if req is not None and
           (h.ntp_fields(rep)["org"] != struct.unpack("!Q", req[40:48])[0] or
            h.ntp_fields(rep)["rec"] == h.ntp_fields(rep)["org"])]
    check(not bad, f"every reply: origin = the request's transmit, receive != origin ({len(bad)})")
    vers = [(h.ntp_fields(rep)["version"], (req[0] >> 3) & 7) for req, rep in fl.replies
            if req is not None and h.ntp_fields(rep)["version"] != (req[0] >> 3) & 7]
    check(not vers, f"every reply carries the request's version ({vers[:5]})")

    # crafted
    for name, d in crafted_sent.items():
        want = documented_verdict(d)
        got = d in answered
        check(got == want, f"{name} ({len(d)} bytes): {'answered' if want else 'nothing'}"
              + ("" if got == want else f" (got {'a reply' if got else 'nothing'})"))
    check(answered.get(dup) == 3,
          f"a request sent three times: three replies ({answered.get(dup)})")

    # zero timestamps: a request of zeros but the first byte
    r = h.ntp_ask(*HOSTILE, h.ntp_packet(xmt=0))
    f = fields_of(r)
    check(f is not None and f["org"] == 0 and f["rec"] != 0 and f["xmt"] != 0,
          f"an all-zero request: answered, origin 0, receive and transmit set "
          f"({f and (f['org'], f['rec'], f['xmt'])})")

    after = h.tsetd_ask_counters(proc) or {}
    diff = {k: after.get(k, 0) - before.get(k, 0) for k in h.TSETD_COUNTER_NAMES}
    note(f"tsetd's counters over the hostile run: {diff}")
    sentinels = fl.sent - len(sweep) - len(rand_any) - len(rand_req) - len(crafted_sent) - 3
    check(diff["received"] == fl.sent + 1,  # + the zero-timestamp request
          f"tsetd received every datagram ({diff['received']} of {fl.sent + 1}; "
          f"{sentinels} of them sentinels)")
    check(diff["served"] == len(fl.replies) + sentinels - fl.lost_sentinels + 1,
          f"served = replies seen ({diff['served']} vs {len(fl.replies) + sentinels + 1})")
    check(h.ntp_probe(*HOSTILE) is not None, "tsetd still answers a plain request afterwards")


# ---------------------------------------------------------------- a namespace of our own
#
# What follows runs in a network namespace that the test makes (NetNs): it
# adds links, addresses and routes, forges datagrams with a raw socket and
# runs tsetd with its default config (every address), and none of it
# reaches this machine's own network.

CLONE_NEWNET = 0x40000000
SO_TIMESTAMPNS = 35  # SCM_TIMESTAMPNS too (asm-generic/socket.h)
SERVER_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src",
                          "responder", "server")


def server_constant(name):
    """A number #defined in src/responder/server.[ch]: the bounds come from the code."""
    for ext in (".c", ".h"):
        with open(SERVER_SRC + ext) as f:
            m = re.search(r"^#define\s+%s\s+(\d+)" % name, f.read(), re.M)
        if m:
            return int(m.group(1))
    raise ValueError(f"{name}: not #defined in {SERVER_SRC}.[ch]")


class NetNs:
    """`with NetNs():` moves this thread, and every process it starts
    meanwhile, into a new network namespace (lo up), and back on the way
    out. A short-lived `unshare --net` makes it; an fd keeps it."""

    inside = False

    def __enter__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        mine = os.readlink("/proc/thread-self/ns/net")
        holder = subprocess.Popen(["unshare", "--net", "sleep", "60"], preexec_fn=h._pdeathsig)
        try:
            end = time.monotonic() + 30  # making a namespace can take long on a busy host
            while True:
                try:
                    if os.readlink(f"/proc/{holder.pid}/ns/net") != mine:
                        break
                except OSError:
                    pass
                if time.monotonic() > end or holder.poll() is not None:
                    raise RuntimeError(f"unshare --net made no namespace (exit {holder.poll()})")
                time.sleep(0.01)
            self.fd = os.open(f"/proc/{holder.pid}/ns/net", os.O_RDONLY)
        finally:
            holder.terminate()  # by PID
            holder.wait()
        self._setns(self.fd)
        NetNs.inside = True
        ip("link", "set", "lo", "up")
        return self

    def __exit__(self, *exc):
        self._setns(self.home)
        NetNs.inside = False
        os.close(self.fd)
        os.close(self.home)

    def _setns(self, fd):
        if self.libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))


def ip(*args):
    """iproute2, in the namespace of this thread."""
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def wait_log(s, name, pattern, proc=None, timeout_s=5.0):
    """The first match of pattern in NAME.log within timeout_s, or None."""
    end = time.monotonic() + timeout_s
    while True:
        m = re.search(pattern, s.log_of(name))
        if m or time.monotonic() > end or (proc is not None and proc.poll() is not None):
            return m
        time.sleep(0.02)


def start_any(s, name, text, *args):
    """tsetd with any config, the default one (every address) included: in
    a NetNs only."""
    assert NetNs.inside, "start_any: in a NetNs only"
    proc = s.start([tsetd, "-n", "-c", s.write(name + ".conf", text), *args], name)
    proc.logpath = s.path(name + ".log")
    if not wait_log(s, name, h.TSETD_SERVING.pattern, proc, 10.0):
        raise RuntimeError(f"tsetd {name} did not start: " + s.log_of(name)[-800:])
    return proc


@contextlib.contextmanager
def stopped(proc):
    """tsetd stopped (SIGSTOP, by PID) meanwhile: what is sent to it waits
    in its socket, and it reads it in one batch when it goes on."""
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        end = time.monotonic() + 5
        while open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "T":
            if time.monotonic() > end:
                raise RuntimeError("tsetd did not stop")
            time.sleep(0.005)
        yield
    finally:
        os.kill(proc.pid, signal.SIGCONT)


def forge(src, sport, dst, dport, payload):
    """One IPv4 UDP datagram from any source address and port (a raw
    socket writes the IP header; UDP checksum 0: none)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as r:
        r.sendto(iph + udp, (dst, 0))


class Clients:
    """Honest clients, each with a socket (a port) of its own, receive
    timestamps on, and a cookie; in the order they asked."""

    def __init__(self):
        self.socks, self.cookies = [], []

    def ask(self, n, dst, port, src="127.0.0.1"):
        for _ in range(n):
            fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
            c = socket.socket(fam, socket.SOCK_DGRAM)
            c.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            c.bind((src, 0))
            cookie = os.urandom(8)
            c.sendto(h.ntp_packet(xmt=cookie), (dst, port))
            self.socks.append(c)
            self.cookies.append(cookie)

    def replies(self, timeout_s=5.0):
        """[(reply, kernel receive time in ns) or None] per client: its own
        reply (origin = its cookie), within timeout_s for all."""
        out = [None] * len(self.socks)
        end = time.monotonic() + timeout_s
        while any(r is None for r in out) and time.monotonic() < end:
            ready, _, _ = select.select([c for c, r in zip(self.socks, out) if r is None], [],
                                        [], max(0.0, end - time.monotonic()))
            for c in ready:
                i = self.socks.index(c)
                data, anc, _, _ = c.recvmsg(512, socket.CMSG_SPACE(16))
                rx = next((struct.unpack("qq", d[:16]) for lvl, typ, d in anc
                           if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS), None)
                if len(data) >= 48 and data[24:32] == self.cookies[i] and rx:
                    out[i] = (data, rx[0] * 10**9 + rx[1])
        return out

    def close(self):
        for c in self.socks:
            c.close()


def ntp64_ns(x):
    """A 64-bit NTP timestamp (era 0) as integer nanoseconds since 1970."""
    return ((x >> 32) - h.NTP_DELTA) * 10**9 + ((x & 0xffffffff) * 10**9 >> 32)


def counters_diff(proc, before):
    after = h.tsetd_ask_counters(proc) or {}
    return {k: after.get(k, 0) - before.get(k, 0) for k in h.TSETD_COUNTER_NAMES}


def adds_up(d):
    """received = served + kod sent + each drop + each send error."""
    return d["received"] == sum(v for k, v in d.items() if k not in ("received",
                                                                       "no rx timestamp"))


def test_a_refused_reply_costs_no_other(s):
    """A reply the kernel refuses to send (no route back, an unreachable,
    prohibit or blackhole route) costs no other reply of its batch, is
    counted by its reason, and is not counted as served; on a host
    address's own socket and on the wildcard."""
    ip("route", "add", "unreachable", "198.51.100.0/24")  # EHOSTUNREACH
    ip("route", "add", "prohibit", "203.0.113.0/24")  # EACCES
    ip("route", "add", "blackhole", "100.64.0.0/24")  # EINVAL
    p = start_any(s, "refused", LOCAL + "port 12530\n", "-4")
    for dst, what in (("127.0.0.1", "127.0.0.1 (its own socket)"),
                      ("127.0.0.2", "127.0.0.2 (the wildcard socket)")):
        before = h.tsetd_ask_counters(p) or {}
        cl = Clients()
        with stopped(p):
            cl.ask(10, dst, 12530)
            forge("192.0.2.7", 40000, dst, 12530, h.ntp_packet())  # no route: ENETUNREACH
            cl.ask(10, dst, 12530)
            forge("198.51.100.7", 40000, dst, 12530, h.ntp_packet())
            cl.ask(10, dst, 12530)
            forge("203.0.113.7", 40000, dst, 12530, h.ntp_packet())
            forge("100.64.0.7", 40000, dst, 12530, h.ntp_packet())
            cl.ask(10, dst, 12530)
        got = cl.replies()
        cl.close()
        d = counters_diff(p, before)
        check(all(got), f"one batch to {what}, 40 clients and 4 replies the kernel refuses: "
              f"every client answered ({sum(1 for g in got if g)} of 40)")
        check(d["received"] == 44 and d["served"] == 40 and d["send unreachable"] == 2 and
              d["send refused"] == 1 and d["send EINVAL"] == 1 and adds_up(d),
              f"... counted: 44 received, 40 served, 2 unreachable, 1 refused, 1 EINVAL, "
              f"and they add up ({d})")


def test_only_unicast_is_answered(s):
    """Never a reply to port 0 or to a multicast or broadcast source, nor
    to a request sent to a broadcast or multicast address; counted as bad
    addresses, and no other reply of the batch is lost."""
    ip("link", "add", "tsv0", "type", "veth", "peer", "name", "tsv1")
    ip("addr", "add", "10.99.0.1/24", "dev", "tsv0")
    ip("link", "set", "tsv0", "up")
    ip("link", "set", "tsv1", "up")
    p = start_any(s, "unicast", LOCAL + "port 12531\n", "-4")
    member = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # so that 239.1.2.3 loops back
    member.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                      socket.inet_aton("239.1.2.3") + socket.inet_aton("10.99.0.1"))
    group = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    group.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    group.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.99.0.1"))
    group.bind(("10.99.0.1", 0))
    before = h.tsetd_ask_counters(p) or {}
    cl = Clients()
    with stopped(p):
        cl.ask(10, "10.99.0.1", 12531)
        group.sendto(h.ntp_packet(), ("10.99.0.255", 12531))  # the subnet's broadcast
        cl.ask(10, "10.99.0.1", 12531)
        group.sendto(h.ntp_packet(), ("255.255.255.255", 12531))
        group.sendto(h.ntp_packet(), ("239.1.2.3", 12531))
        cl.ask(10, "10.99.0.1", 12531)
        forge("10.99.0.7", 0, "10.99.0.1", 12531, h.ntp_packet())  # source port 0
        forge("224.0.0.9", 40000, "10.99.0.1", 12531, h.ntp_packet())
        forge("255.255.255.255", 40000, "10.99.0.1", 12531, h.ntp_packet())
        cl.ask(10, "10.99.0.1", 12531)
    got = cl.replies()
    cl.close()
    group.settimeout(0.3)
    try:
        stray = group.recvfrom(512)
    except OSError:
        stray = None
    d = counters_diff(p, before)
    check(all(got), f"one batch with requests to broadcast and multicast addresses and from "
          f"port 0 and group addresses: every honest client answered "
          f"({sum(1 for g in got if g)} of 40)")
    check(stray is None, f"... nothing sent to a broadcast or multicast request ({stray})")
    check(d["received"] == 46 and d["served"] == 40 and d["bad address"] == 6 and
          sum(d[k] for k in d if k.startswith("send ")) == 0 and adds_up(d),
          f"... counted: 46 received, 40 served, 6 bad addresses, no send error ({d})")
    member.close()
    group.close()


def test_a_reply_is_stamped_just_before_it_leaves(s):
    """T3 is read just before the sendmmsg that carries the reply. A batch
    that empties the socket goes out a reply per send: reply j is stamped
    after reply j - 1 has left (its client's kernel receive time; replies
    leave in the order the requests came). A full batch (SERVER_BATCH, more
    waiting) goes out in one send, stamped once it is all built: its first
    reply is stamped no earlier than its last."""
    full = server_constant("SERVER_BATCH")
    p = start_any(s, "stamp", LOCAL + "port 12532\n", "-4")
    for n in (40, full + 20):
        cl = Clients()
        with stopped(p):
            cl.ask(n, "127.0.0.1", 12532)
        got = cl.replies()
        cl.close()
        if not check(all(got), f"{n} requests at once: all answered "
                     f"({sum(1 for g in got if g)} of {n})"):
            continue
        t3 = [ntp64_ns(h.ntp_fields(r)["xmt"]) for r, _ in got]
        t4 = [rx for _, rx in got]
        # the random bits below the precision, as whole ns (a float would round
        # these 1.8e18 ns to 256 ns)
        prec_ns = int(2.0 ** h.ntp_fields(got[0][0])["precision"] * 1e9) + 1
        note(f"{n} requests: T3 to the client's receive time, ns: "
             f"{[t4[j] - t3[j] for j in range(n)]}")
        # the batch that empties the socket: all 40, or the 20 after the full one
        rest = range(1, n) if n < full else range(full + 1, n)
        early = [j for j in rest if t3[j] + prec_ns < t4[j - 1]]
        check(not early, f"{n} requests: each reply of the batch that emptied the socket "
              f"stamped after the one before it had left (stamped too early: {early})")
        if n > full:
            check(t3[0] + prec_ns >= t3[full - 1],
                  f"... the full batch of {full}: stamped once all of it was built "
                  f"(first reply's T3 - last's: {t3[0] - t3[full - 1]} ns)")


def udp_bound(pid):
    """{(address, port): rx_queue bytes} of the UDP sockets in pid's
    namespace (/proc/PID/net/udp and udp6)."""
    out = {}
    for name, fam in (("udp", socket.AF_INET), ("udp6", socket.AF_INET6)):
        try:
            lines = open(f"/proc/{pid}/net/{name}").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            w = line.split()
            a, port = w[1].split(":")
            raw = bytes.fromhex(a)
            if fam == socket.AF_INET:
                raw = raw[::-1]
            else:
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
            out[(socket.inet_ntop(fam, raw), int(port, 16))] = int(w[4].split(":")[1], 16)
    return out


def test_the_host_addresses_are_followed(s):
    """Every address of the host gets a socket of its own, also one that
    comes later (a tentative or link-local IPv6 one too), and loses it
    when the address goes; requests to it reach that socket."""
    ip("link", "add", "tsv2", "type", "veth", "peer", "name", "tsv3")
    p = start_any(s, "follow", LOCAL + "port 12533\n")
    log = s.log_of("follow")
    check("listening on 0.0.0.0 port 12533" in log and "listening on 127.0.0.1 port 12533" in log,
          "the default config: the wildcard, and 127.0.0.1 on a socket of its own")
    ip("addr", "add", "10.77.0.1/32", "dev", "lo")
    m = wait_log(s, "follow", r"listening on 10\.77\.0\.1 port 12533", p)
    check(m and ("10.77.0.1", 12533) in udp_bound(p.pid),
          "an address added after the start: bound (log, /proc/PID/net/udp)")
    cl = Clients()
    with stopped(p):
        cl.ask(1, "10.77.0.1", 12533, src="10.77.0.1")
        queued = udp_bound(p.pid).get(("10.77.0.1", 12533), 0)
    got = cl.replies()
    cl.close()
    check(queued > 0, f"... a request to it waits in that socket ({queued} bytes queued)")
    check(got[0] is not None, "... and is answered")
    ip("addr", "del", "10.77.0.1/32", "dev", "lo")
    m = wait_log(s, "follow", r"no longer listening on 10\.77\.0\.1 port 12533", p)
    check(m and ("10.77.0.1", 12533) not in udp_bound(p.pid),
          "the address removed: its socket closed (log, /proc/PID/net/udp)")

    if not h.have_ipv6_loopback():
        note("no IPv6 here: tentative and link-local addresses not checked")
        h.Session.stop(p)
        return
    ip("link", "set", "tsv2", "up")
    ip("link", "set", "tsv3", "up")
    ip("addr", "add", "2001:db8:77::1/64", "dev", "tsv2")  # duplicate detection: ~1 s
    m = wait_log(s, "follow", r"listening on 2001:db8:77::1 port 12533 \(tentative\)", p)
    check(m is not None, "an IPv6 address bound while duplicate detection runs (IP_FREEBIND): "
          + (m.group(0) if m else s.log_of("follow").strip()[-300:]))
    answered = None
    end = time.monotonic() + 10
    while answered is None and time.monotonic() < end:
        answered = ntp_ask6("2001:db8:77::1", 12533)
    check(answered == "2001:db8:77::1", f"... answered once it is usable, from it ({answered})")
    m = wait_log(s, "follow", r"listening on (fe80::[0-9a-f:]+)%tsv2 port 12533", p)
    check(m is not None, "the link-local address of tsv2: bound in its scope")
    if m:
        dst = m.group(1) + "%tsv2"
        answered = None
        end = time.monotonic() + 10
        while answered is None and time.monotonic() < end:
            answered = ntp_ask6(dst, 12533)
        check(answered is not None and answered.startswith(m.group(1)),
              f"... a request to {dst} answered from it ({answered})")
    h.Session.stop(p)
    check(p.returncode == 0, f"tsetd: SIGTERM, exit 0 ({p.returncode})")


def ntp_ask6(dst, port):
    """The address (with scope) a reply to dst came from, or None."""
    info = socket.getaddrinfo(dst, port, socket.AF_INET6, socket.SOCK_DGRAM)[0][4]
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as c:
        c.settimeout(0.2)
        try:
            c.sendto(h.ntp_packet(), info)
            _, peer = c.recvfrom(512)
        except OSError:
            time.sleep(0.1)
            return None
    return peer[0]


def test_interface_rules_choose_the_host_sockets(s):
    """The interface rules apply to each address: an address they never
    serve gets no socket of its own, and a request to it is dropped (and
    counted) by the wildcard; the others are bound and answered."""
    p = start_any(s, "rules", LOCAL + "interface ignore 10.77.0.2\nport 12534\n", "-4")
    ip("addr", "add", "10.77.0.2/32", "dev", "lo")
    ip("addr", "add", "10.77.0.3/32", "dev", "lo")
    m = wait_log(s, "rules", r"listening on 10\.77\.0\.3 port 12534", p)
    bound = udp_bound(p.pid)
    check(m and ("10.77.0.3", 12534) in bound and ("10.77.0.2", 12534) not in bound,
          "`interface ignore 10.77.0.2`: 10.77.0.3 bound, 10.77.0.2 not")
    before = h.tsetd_ask_counters(p) or {}
    cl = Clients()
    cl.ask(1, "10.77.0.2", 12534, src="10.77.0.3")
    cl.ask(1, "10.77.0.3", 12534, src="10.77.0.3")
    got = cl.replies(timeout_s=1.0)
    cl.close()
    d = counters_diff(p, before)
    check(got[0] is None and got[1] is not None and d["interface drops"] == 1,
          f"... 10.77.0.2 gets nothing (an interface drop), 10.77.0.3 is answered "
          f"({[g is not None for g in got]}, {d})")
    ip("addr", "del", "10.77.0.2/32", "dev", "lo")
    ip("addr", "del", "10.77.0.3/32", "dev", "lo")


def test_beyond_the_sockets_the_wildcard_answers(s):
    """More addresses than sockets of one address (SERVER_MAX_ADDRS), or an
    address that can no longer be bound (port 123 after the privileges
    went): the wildcard answers them."""
    most = server_constant("SERVER_MAX_ADDRS")
    p = start_any(s, "many", LOCAL + "port 12535\n", "-4")
    n = most + 8
    batch = "".join(f"addr add 10.78.{i // 250}.{i % 250 + 1}/32 dev lo\n" for i in range(n))
    subprocess.run(["ip", "-batch", "-"], input=batch, text=True, check=True, timeout=20)
    last = f"10.78.{(n - 1) // 250}.{(n - 1) % 250 + 1}"
    m = wait_log(s, "many", r"more than %d addresses" % most, p)
    bound = sum(1 for (a, port) in udp_bound(p.pid) if port == 12535 and a.startswith("10.78."))
    check(m is not None and bound <= most, f"{n} addresses: at most {most} sockets of one "
          f"address ({bound}), logged")
    cl = Clients()
    cl.ask(1, last, 12535, src=last)
    got = cl.replies()
    cl.close()
    check(got[0] is not None, f"... and {last}, without one, is answered by the wildcard")
    subprocess.run(["ip", "-batch", "-"], input=batch.replace("addr add", "addr del"),
                   text=True, check=True, timeout=20)
    end = time.monotonic() + 5
    while time.monotonic() < end and any(a.startswith("10.78.") for a, _ in udp_bound(p.pid)):
        time.sleep(0.05)
    check(not any(a.startswith("10.78.") for a, _ in udp_bound(p.pid)),
          "... all removed: their sockets closed")
    h.Session.stop(p)

    # port 123 needs a privilege that -u gives up: a later address cannot
    # be bound, and the wildcard answers it
    p = start_any(s, "unpriv", LOCAL, "-4", "-u", "nobody")
    ip("addr", "add", "10.77.0.5/32", "dev", "lo")
    m = wait_log(s, "unpriv", r"cannot listen on 10\.77\.0\.5 port 123.*wildcard", p)
    cl = Clients()
    cl.ask(1, "10.77.0.5", 123, src="10.77.0.5")
    got = cl.replies()
    cl.close()
    check(m is not None and got[0] is not None,
          f"-u nobody, port 123, an address added later: not bound (logged), answered by the "
          f"wildcard ({m and m.group(0)})")
    h.Session.stop(p)


def test_the_port_stays_ours(s):
    """Sharing the port with its own sockets does not open it to others: a
    second tsetd with the default config on the same port fails to start,
    saying why, and the first goes on answering."""
    p = start_any(s, "first", LOCAL + "port 12537\n", "-4")
    second = s.start([tsetd, "-n", "-4", "-c", s.write("second.conf", LOCAL + "port 12537\n")],
                     "second")
    try:
        rc = second.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    cl = Clients()
    cl.ask(1, "127.0.0.1", 12537)
    got = cl.replies()
    cl.close()
    check(rc == 1 and "cannot listen on 0.0.0.0 port 12537" in s.log_of("second"),
          f"a second tsetd on the port exits 1, saying why ({rc}: "
          f"{s.log_of('second').strip()[-200:]})")
    check(got[0] is not None and p.poll() is None, "... the first goes on answering")


def test_lost_notices_bring_a_full_dump(s):
    """When the kernel's address notices overflow tsetd's netlink socket,
    tsetd asks for every address and gets back in step: the socket of an
    address gone meanwhile closes, an address that came meanwhile is
    bound."""
    p = start_any(s, "lost", LOCAL + "port 12536\n", "-4")
    ip("addr", "add", "10.79.0.1/32", "dev", "lo")
    check(wait_log(s, "lost", r"listening on 10\.79\.0\.1 port 12536", p) is not None,
          "10.79.0.1 bound")
    flood = "".join(f"addr add 10.80.{i // 250}.{i % 250 + 1}/32 dev lo\n" for i in range(1000))
    with stopped(p):  # it reads no notice meanwhile: they overflow its socket
        ip("addr", "del", "10.79.0.1/32", "dev", "lo")
        for text in (flood, flood.replace("addr add", "addr del")):
            subprocess.run(["ip", "-batch", "-"], input=text, text=True, check=True, timeout=60)
        ip("addr", "add", "10.79.0.2/32", "dev", "lo")
    m = wait_log(s, "lost", r"listening on 10\.79\.0\.2 port 12536", p, timeout_s=10)
    end = time.monotonic() + 10
    while time.monotonic() < end and ("10.79.0.1", 12536) in udp_bound(p.pid):
        time.sleep(0.05)
    bound = udp_bound(p.pid)
    check("address notices lost" in s.log_of("lost"),
          "2001 notices while tsetd was stopped: its netlink socket overflowed (logged)")
    check(m is not None and ("10.79.0.2", 12536) in bound and ("10.79.0.1", 12536) not in bound
          and not any(a.startswith("10.80.") for a, _ in bound),
          "... and the dump brought it back in step: 10.79.0.1 closed, 10.79.0.2 bound, none "
          "of the 1000 others")
    ip("addr", "del", "10.79.0.2/32", "dev", "lo")


def test_in_a_namespace(s):
    with NetNs():
        for t in (test_a_refused_reply_costs_no_other, test_only_unicast_is_answered,
                  test_a_reply_is_stamped_just_before_it_leaves,
                  test_the_host_addresses_are_followed,
                  test_interface_rules_choose_the_host_sockets,
                  test_beyond_the_sockets_the_wildcard_answers,
                  test_the_port_stays_ours, test_lost_notices_bring_a_full_dump):
            try:
                t(s)
            finally:
                for p in s.procs:  # tsetd must not outlive its namespace's tests
                    if p.poll() is None and p.name in NETNS_TSETD:
                        h.Session.stop(p)


NETNS_TSETD = ("refused", "unicast", "stamp", "follow", "rules", "many", "unpriv", "first",
               "second", "lost")


# ---------------------------------------------------------------- main

def body(s):
    h.require_program("chronyd", "chrony")
    h.require_program("ntpdig", "ntpsec-ntpdig")
    li_exp = kernel_state()[0]
    start(s, "p123", conf(LOCAL, "fudge 127.127.1.0 stratum 9", listen=["127.0.0.30"]))
    start(s, "p12501", conf(LOCAL, "fudge 127.127.1.0 stratum 9", listen=["127.0.0.31"],
                            port=12501))
    for a, extra in (("127.0.0.32", ""), ("127.0.0.33", ""),
                     ("127.0.0.34", " time1 3600")):
        start(s, f"three-{a}", conf(LOCAL, "fudge 127.127.1.0 stratum 9" + extra,
                                    listen=[a], port=12502))
    start(s, "noref", conf(listen=["127.0.0.35"], port=12503))
    start(s, "st12", conf(LOCAL, "fudge 127.127.1.0 stratum 12", listen=["127.0.0.36"],
                          port=12504))
    start(s, "refid", conf(LOCAL, "fudge 127.127.1.0 refid LOCL", listen=["127.0.0.36"],
                           port=12505))
    start(s, "plus05", conf(LOCAL, "fudge 127.127.1.0 time1 0.5", listen=["127.0.0.37"],
                            port=12506))
    start(s, "minus15", conf(LOCAL, "fudge 127.127.1.0 time1 -1.5", listen=["127.0.0.37"],
                             port=12507))
    start(s, "st15", conf(LOCAL, "fudge 127.127.1.0 stratum 15", listen=["127.0.0.36"],
                          port=12514))
    start(s, "st0", conf(LOCAL, "fudge 127.127.1.0 stratum 0", listen=["127.0.0.36"],
                         port=12515))
    start(s, "far", conf(LOCAL, "fudge 127.127.1.0 time1 1000000000", listen=["127.0.0.37"],
                         port=12508))
    start(s, "farneg", conf(LOCAL, "fudge 127.127.1.0 time1 -1000000000",
                            listen=["127.0.0.37"], port=12509))
    start(s, "wild", conf(LOCAL, listen=["127.0.0.0/8"], port=12510)
          + "interface ignore 127.0.0.5\n")
    start(s, "only3", conf(LOCAL, listen=["127.0.0.3"], port=12511))
    start(s, "share3", conf(LOCAL, "fudge 127.127.1.0 stratum 5", listen=["127.0.0.3"],
                            port=12512))
    start(s, "share4", conf(LOCAL, "fudge 127.127.1.0 stratum 6", listen=["127.0.0.4"],
                            port=12512))
    hostile = start(s, "hostile", conf(LOCAL, "fudge 127.127.1.0 stratum 9",
                                       listen=[HOSTILE[0]], port=HOSTILE[1]))

    test_fields(s, li_exp)
    test_ntpdig(s)
    test_chronyd_q(s)
    test_tset(s)
    test_references(s)
    test_reply_source(s)
    test_interface_rules(s)
    test_families(s)
    test_hostile(s, hostile)
    test_in_a_namespace(s)

    # every tsetd: still running, SIGTERM ends it with 0, no sanitizer report
    h.stop_all_checked(s)


def main():
    global tset, tsetd
    tset, tsetd = h.tset_tsetd_args(sys.argv, "test_tsetd.py PATH/TO/tset PATH/TO/tsetd")
    note(f"tsetd: {tsetd}")
    return h.main(body, root="ntpdig asks port 123; chronyd -Q",
                  programs=[("chronyd", "chrony"), ("ntpdig", "ntpsec-ntpdig"),
                            ("ip", "iproute2"), ("unshare", "util-linux")])


if __name__ == "__main__":
    sys.exit(main())
