#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tset -q against servers that misbehave on purpose (ntpserver.py --behave):
each bad reply is rejected, named in the report, and never used as time.

Three honest servers at +0.05 s stand beside one misbehaving server whose
replies, were they used, would say +50 s.

Usage: test_misbehaving.py TSET
"""
import re
import sys

import harness as h

# behaviour -> (JSON state, words the error must contain)
CASES = {
    "origin": ("invalid", "bogus origin"),
    "li3": ("invalid", "not synchronised"),
    "init": ("invalid", "server not synchronised (refid INIT)"),
    "kod-ntsn": ("kod", "kiss-o'-death NTSN"),
    "kod-rate": ("kod", "RATE"),
    "kod-deny": ("kod", "DENY"),
    "kod-rstr": ("kod", "RSTR"),
    "truncated": ("invalid", "truncated"),
    "mode3": ("invalid", "server mode"),
    "zero-xmt": ("invalid", "zero timestamp"),
    "stratum16": ("invalid", "stratum"),
    "version3": ("invalid", "version"),
    "bigdisp": ("invalid", "root distance"),
}


def test_late_reply_is_used(s, tset):
    """A reply that comes after -t, but on the request's own socket (before
    the next request), is that request's reply: its origin is our cookie.
    It is used as a sample (its round trip measured as it was), never
    rejected as a duplicate: slow servers are slow, not liars (on 76f3073
    every late reply was a 'duplicate reply' and the run exit 6)."""
    port = 12495
    slow = [f"127.0.0.{i}" for i in (2, 3, 4)]
    for a in slow:
        s.ntpserver(a, port, "--offset", "0.05", "--delay", "0.3")
    what = "3 servers answering in 0.3 s, -t 0.2 -p 2"
    r = h.run_tset(tset, ["-q", "-j", "-d", "-t", "0.2", "-p", "2"]
                   + [f"{a}:{port}" for a in slow])
    doc = r.json or {}
    off = doc.get("offset")
    sv = h.servers_by_address(doc)
    h.note(f"{what}: exit {r.rc}, offset {h.fmt_offset(off)}, "
           f"{[(a, e.get('state'), e.get('samples'), e.get('error')) for a, e in sv.items()]}")
    h.check(r.rc == 0 and off is not None and abs(off - 0.05) < 0.01,
            f"{what}: exit 0, the servers' offset ({r.rc}, {h.fmt_offset(off)})")
    h.check(all(sv.get(a, {}).get("samples", 0) >= 1 for a in slow),
            f"{what}: each late reply is a sample")
    h.check("duplicate" not in r.out + r.err, f"{what}: no reply called a duplicate")
    lines = [x for x in r.err.splitlines() if x.startswith(tuple(slow))]
    h.check(len(lines) == 3 and all(" late)" in x for x in lines),
            f"{what}: -d says the samples came late ({lines})")


def test_kod_after_samples_keeps_the_samples(s, tset):
    """A server that gave a sample and then a RATE kiss: the kiss stops the
    requests, the sample still counts, and the state says what the
    selection made of it (on 76f3073: 'kod', though it was the system peer)."""
    port = 12496
    s.ntpserver("127.0.0.5", port, "--offset", "0.05", "--behave", "rate-after-1")
    cfg = s.write("kod-late.conf", f"accuracy 0.000000001\nserver 127.0.0.5 port {port} burst\n")
    what = "one good reply, then RATE"
    r = h.run_tset(tset, ["-q", "-j", "-p", "3", "-c", cfg])
    e = h.servers_by_address(r.json).get("127.0.0.5", {})
    h.note(f"{what}: exit {r.rc}, {e.get('state')}, samples {e.get('samples')}, {e.get('error')}")
    h.check(r.rc == 0 and e.get("state") == "system-peer" and e.get("samples") == 1,
            f"{what}: exit 0, the system peer with its one sample ({r.rc}, {e.get('state')})")
    h.check("kiss-o'-death RATE" in (e.get("error") or ""),
            f"{what}: the kiss is noted in its error ({e.get('error')})")


def test_default_output_says_why_each_server_gave_no_time(s, tset):
    """Without -j: ntpdate's line on stdout for each server that gave time
    (scripts parse them), none for one that gave no time (no 'stratum 0,
    offset +0.000000' as if it had), and for each of those one line on
    stderr saying why (on 96e282e: a black hole printed 'stratum 0, offset
    +0.000000' and no reason; a refused port said why only with -j)."""
    port = 12497
    for i in (2, 3, 4):
        s.ntpserver(f"127.0.0.{i}", port, "--offset", "0.05")
    s.ntpserver("127.0.0.5", port, "--offset", "50")
    s.ntpserver("127.0.0.6", port, "--behave", "silent")
    s.ntpserver("127.0.0.7", port, "--behave", "kod-rate")
    s.ntpserver("127.0.0.8", port, "--behave", "li3")
    # nothing on 127.0.0.9: the port is refused (ICMP)
    addrs = [f"127.0.0.{i}" for i in range(2, 10)]
    want = {  # regular expressions; +49.95 s prints as +49.9 or +50.0
        "127.0.0.5": r"falseticker \(\+(49\.9|50\.0) s from the majority\)",
        "127.0.0.6": r"no reply within 0\.5 s",
        "127.0.0.7": r"kiss-o'-death RATE",
        "127.0.0.8": r"reply rejected: server not synchronised( \(refid [^)]*\))?",
        "127.0.0.9": r"connection refused",
    }
    # accuracy 1 ns: every address is waited for
    cfg = s.write("why.conf", "accuracy 0.000000001\nsamples 1\n")
    r = h.run_tset(tset, ["-q", "-t", "0.5", "-c", cfg] + [f"{a}:{port}" for a in addrs])
    what = "3 honest, a liar, a black hole, RATE, unsynchronised, a closed port"
    h.note(f"{what}: exit {r.rc}\n" + r.out + r.err)
    out = [x.split(",")[0][len("server "):] for x in r.out.splitlines()
           if x.startswith("server ")]
    h.check(r.rc == 0 and out == addrs[:4],
            f"{what}: ntpdate's line on stdout for the 4 that gave time, and only them ({out})")
    got = {}
    for line in r.err.splitlines():
        if line.startswith("server ") and ": " in line:
            a, _, why = line[len("server "):].partition(": ")
            got.setdefault(a, []).append(why)
    h.check(sorted(got) == sorted(want) and all(
        len(got[a]) == 1 and re.fullmatch(w, got[a][0]) for a, w in want.items()),
            f"{what}: one line on stderr for each of the others, saying why ({got})")

    r = h.run_tset(tset, ["-q", "-t", "5"] + [f"{a}:{port}" for a in addrs[:3] + ["127.0.0.6"]])
    what = "3 honest and a black hole, decided before its 5 s timeout"
    h.check(r.rc == 0 and "server 127.0.0.6: not waited for (decided without it)" in r.err
            and "server 127.0.0.6," not in r.out,
            f"{what}: stderr says it was not waited for, stdout has no line for it "
            f"({r.err.strip()!r})")


def main():
    tset = h.tset_arg(sys.argv, "test_misbehaving.py TSET")

    def body(s):
        port = 12450
        for i in (2, 3, 4):
            s.ntpserver(f"127.0.0.{i}", port, "--offset", "0.05")
        honest = [f"127.0.0.{i}:{port}" for i in (2, 3, 4)]
        for n, (behave, (state, words)) in enumerate(CASES.items()):
            bad_port = 12460 + n
            proc = s.ntpserver("127.0.0.5", bad_port, "--offset", "50", "--behave", behave)
            bad = f"127.0.0.5:{bad_port}"
            # a slew, with accuracy 1 ns: tset waits for every address
            cfg = s.write("all.conf", "accuracy 0.000000001\nsamples 1\n")
            r = h.run_tset(tset, ["-q", "-j", "-c", cfg] + honest + [bad])
            e = h.servers_by_address(r.json).get("127.0.0.5", {})
            off = r.json and r.json["offset"]
            h.check(r.rc == 0 and off is not None and abs(off - 0.05) < 0.01,
                    f"{behave}: the honest offset wins ({h.fmt_offset(off)})")
            h.check(e.get("state") == state and words in (e.get("error") or ""),
                    f"{behave}: named in the report: {e.get('state')}: {e.get('error')}")
            h.check(e.get("offset") is None, f"{behave}: its reply is not used as time")
            h.Session.stop(proc)

        proc = s.ntpserver("127.0.0.5", 12490, "--offset", "0.05", "--behave", "duplicate")
        # a black hole keeps tset listening for 0.5 s, so the copy gets in
        hole = s.black_hole("127.0.0.6", 12490)
        r = h.run_tset(tset, ["-q", "-d", "-p", "1", "-t", "0.5"] + honest[:1]
                       + ["127.0.0.5:12490", "127.0.0.6:12490"])
        line = [x for x in r.err.splitlines() if x.startswith("127.0.0.5")]
        h.check(r.rc == 0 and line and "1 rejected, last: duplicate reply" in line[0],
                f"duplicate: the second copy is rejected and named ({line})")
        h.Session.stop(proc)
        hole.close()

        # alone, misbehaving servers give no time: exit 6, never a clock change
        procs = [s.ntpserver(f"127.0.0.{i}", 12491, "--behave", "li3") for i in (2, 3, 4)]
        r = h.run_tset(tset, ["-q"] + [f"127.0.0.{i}:12491" for i in (2, 3, 4)])
        h.check(r.rc == 6 and "no server suitable for synchronization found" in r.out,
                f"only unsynchronised servers: exit 6 ({r.rc})")
        for p in procs:
            h.Session.stop(p)

        test_late_reply_is_used(s, tset)
        test_default_output_says_why_each_server_gave_no_time(s, tset)
        test_kod_after_samples_keeps_the_samples(s, tset)

    return h.main(body, root="binding loopback addresses 127.0.0.2-5")


if __name__ == "__main__":
    sys.exit(main())
