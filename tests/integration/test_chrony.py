#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tset -q against real chronyd servers on loopback, honest and lying.

    test_chrony.py PATH/TO/tset

Servers (all started and stopped by this test, by PID):
  127.0.0.2-5:123   chronyd -x, `local stratum 10` (honest)
  127.0.0.6:123     chronyd under libfaketime, FAKETIME=+3600 (a liar)
  127.0.0.7:123     chronyd under libfaketime, FAKETIME=-7    (a liar)
  127.0.0.8:123     chronyd under libfaketime, FAKETIME=+3600 (a second liar
                    that agrees with the first)
  127.0.0.2-4:11123 a relay in this process to the honest chronyd on :123,
                    25 ms each way (honest but slow: the liars answer first)
  127.0.0.2-4:11124 ntpserver.py --delay 0.05 (honest, answers 50 ms late)
  127.0.0.9:11125   ntpserver.py --behave silent (a black hole)
chronyd runs with -x (never touches the clock) and a config of our own;
tset runs with -q only. Root is needed (port 123); skips (77) otherwise,
and without chronyd or libfaketime. Exit 0 pass, 1 fail, 77 skip.
"""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
from harness import check, note, fmt_offset  # noqa: E402

HONEST = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
LIARS = {"127.0.0.6": "+3600", "127.0.0.7": "-7", "127.0.0.8": "+3600"}
LIE_S = {"127.0.0.6": 3600.0, "127.0.0.7": -7.0, "127.0.0.8": 3600.0}
RELAY_PORT = 11123
SLOW_PORT = 11124
HOLE = ("127.0.0.9", 11125)
GOOD_STATES = ("system-peer", "survivor", "outlier")
NO_EARLY_STOP = "accuracy 0.000000001"  # tset.conf: sample every server to -p
# tset's own constants (tset(8), tset.conf(5)): a reply is waited for
# TIMEOUT_S (-t), requests to one address without `burst` are POLITE_S
# apart, and the deadline with -p N is (N - 1) * POLITE_S + TIMEOUT_S + 2 s
TIMEOUT_S = 1.0
POLITE_S = 2.0

tset = None


def conf_servers(s, name, lines):
    """A config file made of these lines."""
    return s.write(name, "".join(line + "\n" for line in lines))


def run(s, args, what):
    r = h.run_tset(tset, args, timeout=30)
    doc = r.json or {}
    note(f"{what}: exit {r.rc}, offset {fmt_offset(doc.get('offset'))}, "
         f"stratum {doc.get('stratum')}, elapsed {r.elapsed:.3f} s "
         f"(tset says {doc.get('elapsed')})")
    for sv in doc.get("servers", []):
        note(f"  {sv.get('address')}:{sv.get('port')} {sv.get('state')} "
             f"offset {fmt_offset(sv.get('offset'))} delay {fmt_offset(sv.get('delay'))} "
             f"samples {sv.get('samples')} error {sv.get('error')}")
    if r.err.strip():
        note("  stderr: " + r.err.strip().replace("\n", " | "))
    return r


def states(r):
    return {a: sv.get("state") for a, sv in h.servers_by_address(r.json).items()}


def check_truth(r, what):
    """Exit 0, and the offset is the truth (0: chronyd serves this machine's
    clock) within half the delay of what tset combined (harness.offset_bound_s)."""
    doc = r.json or {}
    off = doc.get("offset")
    check(r.rc == 0 and doc.get("exit") == 0, f"{what}: exit 0 (got {r.rc})")
    check(h.offset_is_true(off, 0.0, r),
          f"{what}: |offset| <= {fmt_offset(h.offset_bound_s(r))} ({fmt_offset(off)})")


def tset_elapsed(r):
    """tset's own elapsed time (-j): from its start to its decision."""
    e = (r.json or {}).get("elapsed")
    return e if e is not None else float("nan")


def check_liars(r, what, liars):
    st = states(r)
    for a in liars:
        check(st.get(a) == "falseticker",
              f"{what}: liar {a} ({LIARS[a]} s) is a falseticker (state {st.get(a)})")


def test_servers_serve(s, probes):
    """Every chronyd answers; the faked ones serve the shifted time."""
    for a in HONEST:
        p = probes[a]
        note(f"chronyd {a}: stratum {p['stratum']}, offset {fmt_offset(p['offset'])} (python probe)")
    for a, lie in LIE_S.items():
        r = h.run_tset(tset, ["-q", "-j", "-p", "1", a])
        off = (r.json or {}).get("offset")
        check(r.rc == 0 and h.offset_is_true(off, lie, r),
              f"faked chronyd {a} (FAKETIME={LIARS[a]}) alone: tset sees offset "
              f"{off} s, expected {lie:+g} s within {fmt_offset(h.offset_bound_s(r))} "
              f"(exit {r.rc})")


def test_a_honest(s):
    """(a) four honest chronyd: exit 0, tiny offset, stratum 10 + 1."""
    what = "(a) 4 honest chronyd"
    r = run(s, ["-q", "-j"] + HONEST, what)
    check_truth(r, what)
    doc = r.json or {}
    check(doc.get("stratum") == 11, f"{what}: system stratum 11 (got {doc.get('stratum')})")
    sv = h.servers_by_address(doc)
    check(sorted(sv) == sorted(HONEST), f"{what}: one entry per server ({sorted(sv)})")
    answered = [a for a, e in sv.items() if e.get("samples")]
    check(len(answered) >= 3, f"{what}: at least 3 answered before the decision ({len(answered)})")
    check(all(sv[a].get("state") in GOOD_STATES and sv[a].get("stratum") == 10 for a in answered),
          f"{what}: every server that answered is system-peer/survivor/outlier at stratum 10 "
          f"({states(r)})")
    # the settle rule (b): with 3 of 4 in, tset may decide without the last
    # one; that one is then reported as not waited for, not as a liar
    late = [a for a in sv if a not in answered]
    check(all(sv[a].get("state") == "not-waited" and sv[a].get("error") == "decided before its reply"
              for a in late),
          f"{what}: a server not waited for is 'not-waited', 'decided before its reply' "
          f"({late or 'none'})")
    check(sum(1 for e in sv.values() if e.get("state") == "system-peer") == 1,
          f"{what}: exactly one system peer")


def test_b_falsetickers(s):
    """(b) five chronyd, two of them lying: the three honest win."""
    liars = ["127.0.0.6", "127.0.0.7"]
    servers = HONEST[:3] + liars
    # `accuracy 1e-9` turns off the early decision (the settle rule b): every
    # address is sampled to -p 4, the liars included, so their verdict is
    # certain. Without `burst`, requests to one address are 2 s apart.
    what = "(b) 3 honest + liars +3600/-7, polite (2 s apart), 4 samples each"
    conf = conf_servers(s, "b1.conf", [NO_EARLY_STOP] + [f"server {a}" for a in servers])
    r = run(s, ["-q", "-j", "-c", conf], what)
    check_truth(r, what)
    check_liars(r, what, liars)
    check(all(states(r).get(a) in GOOD_STATES for a in HONEST[:3]),
          f"{what}: the honest servers survive ({states(r)})")
    check(all(sv.get("samples") == 4 for sv in (r.json or {}).get("servers", [])),
          f"{what}: 4 samples from each server")
    deadline = 3 * POLITE_S + TIMEOUT_S + 2
    check(3 * POLITE_S <= tset_elapsed(r) <= deadline,
          f"{what}: samples {POLITE_S:g} s apart, within the deadline: {tset_elapsed(r)} s "
          f"in [{3 * POLITE_S:g}, {deadline:g}]")

    what = "(b) 3 honest + liars +3600/-7, burst, 4 samples each"
    conf = conf_servers(s, "b2.conf", [NO_EARLY_STOP] + [f"server {a} burst" for a in servers])
    r = run(s, ["-q", "-j", "-c", conf], what)
    check_truth(r, what)
    check_liars(r, what, liars)
    check(tset_elapsed(r) < POLITE_S,
          f"{what}: burst samples back to back, not {POLITE_S:g} s apart ({tset_elapsed(r)} s)")

    # the default accuracy: tset may decide as soon as the three honest
    # replies are in; a liar is then either a falseticker or not waited for
    what = "(b) 3 honest + liars +3600/-7, burst, default accuracy"
    conf = conf_servers(s, "b3.conf", [f"server {a} burst" for a in servers])
    r = run(s, ["-q", "-j", "-c", conf], what)
    check_truth(r, what)
    sv = h.servers_by_address(r.json)
    check(all(sv.get(a, {}).get("state") in ("falseticker", "not-waited") for a in liars),
          f"{what}: each liar is a falseticker or was not waited for "
          f"({[(a, sv.get(a, {}).get('state')) for a in liars]})")


def test_c_liar_first(s):
    """(c) the liar answers first; a lone first answer never decides."""
    relayed = [f"server {a} port {RELAY_PORT} burst" for a in HONEST[:3]]
    what = "(c) fast liar +3600, 3 honest 50 ms away (relay), burst"
    conf = conf_servers(s, "c1.conf", relayed + ["server 127.0.0.6 burst"])
    r = run(s, ["-q", "-j", "-c", conf], what)
    # the relay's scheduling jitter (a Python thread) is in the offset,
    # and in the delay that bounds it
    check_truth(r, what)
    check_liars(r, what, ["127.0.0.6"])
    sv = h.servers_by_address(r.json)
    liar_d = (sv.get("127.0.0.6") or {}).get("delay")
    honest_d = [(sv.get(a) or {}).get("delay") for a in HONEST[:3]]
    # the relay holds each datagram 25 ms each way: 50 ms at least
    check(liar_d is not None and None not in honest_d and
          all(d >= 0.05 - h.OFFSET_ROUNDING_S and d > liar_d for d in honest_d),
          f"{what}: the liar was the fastest (delay {fmt_offset(liar_d)} vs "
          f"{', '.join(fmt_offset(d) for d in honest_d)})")

    what = "(c) fast liar +3600, 3 honest 50 ms away (relay), -p 1"
    r = run(s, ["-q", "-j", "-p", "1"] + [f"{a}:{RELAY_PORT}" for a in HONEST[:3]]
            + ["127.0.0.6"], what)
    check_truth(r, what)
    check_liars(r, what, ["127.0.0.6"])
    check(0.05 <= tset_elapsed(r) < TIMEOUT_S,
          f"{what}: tset waited for the slow honest servers (50 ms through the relay), and "
          f"none timed out ({tset_elapsed(r)} s)")

    what = "(c) two agreeing fast liars +3600, 3 honest 50 ms away, burst"
    conf = conf_servers(s, "c2.conf", relayed + ["server 127.0.0.6 burst",
                                                 "server 127.0.0.8 burst"])
    r = run(s, ["-q", "-j", "-c", conf], what)
    check_truth(r, what)
    check_liars(r, what, ["127.0.0.6", "127.0.0.8"])

    what = "(c) fast liar chronyd +3600, 3 honest ntpserver.py --delay 0.05, burst"
    conf = conf_servers(s, "c3.conf", [f"server {a} port {SLOW_PORT} burst" for a in HONEST[:3]]
                        + ["server 127.0.0.6 burst"])
    r = run(s, ["-q", "-j", "-c", conf], what)
    check_truth(r, what)
    check_liars(r, what, ["127.0.0.6"])
    check(r.elapsed > 0.05, f"{what}: tset waited for the slow honest servers ({r.elapsed:.3f} s)")


def test_d_no_majority(s):
    """(d) two honest against two liars: no majority, exit 6."""
    for liars in (["127.0.0.6", "127.0.0.8"], ["127.0.0.6", "127.0.0.7"]):
        lies = "/".join(LIARS[a] for a in liars)
        conf = conf_servers(s, "d.conf", [f"server {a} burst" for a in HONEST[:2] + liars])
        what = f"(d) 2 honest vs 2 liars {lies}"
        r = run(s, ["-q", "-c", conf], what + ", default output")
        last = r.out.rstrip("\n").split("\n")[-1] if r.out.strip() else ""
        check(r.rc == 6, f"{what}: exit 6 (got {r.rc})")
        check(last.endswith("no server suitable for synchronization found"),
              f"{what}: the output ends with the ntpdate message: {last!r}")
        check(sum(1 for line in r.out.split("\n") if line.startswith("server ")) == 4,
              f"{what}: one `server` line per address")
        r = run(s, ["-q", "-j", "-c", conf], what + ", -j")
        doc = r.json or {}
        check(r.rc == 6 and doc.get("exit") == 6 and doc.get("offset") is None,
              f"{what}: -j: exit 6, offset null (got {r.rc}, {doc.get('offset')})")


def test_e_black_hole(s):
    """(e) a black hole among the servers costs at most the timeout."""
    hole = f"{HOLE[0]}:{HOLE[1]}"
    # 3 of 4 in, agreeing within `accuracy` (0.5 s: whatever the load does
    # to the delays): tset decides without waiting for the hole at all
    what = "(e) 3 honest + a black hole, -t 1, accuracy 0.5"
    conf = conf_servers(s, "e.conf", ["accuracy 0.5"])
    r = run(s, ["-q", "-j", "-t", "1", "-c", conf] + HONEST[:3] + [hole], what)
    check_truth(r, what)
    err = (h.servers_by_address(r.json).get(HOLE[0]) or {}).get("error")
    check(tset_elapsed(r) < TIMEOUT_S and states(r).get(HOLE[0]) == "not-waited",
          f"{what}: decided before the hole's timeout ({tset_elapsed(r)} s < {TIMEOUT_S:g} s), "
          f"the hole not waited for ({states(r).get(HOLE[0])}, '{err}')")
    # with 2 of 3 in, tset must wait for the hole: exactly one timeout
    what = "(e) 2 honest + a black hole, -t 1 -p 1"
    r = run(s, ["-q", "-j", "-t", "1", "-p", "1"] + HONEST[:2] + [hole], what)
    check_truth(r, what)
    check(TIMEOUT_S <= tset_elapsed(r) < POLITE_S,
          f"{what}: waited one timeout, no more: {tset_elapsed(r)} s in "
          f"[{TIMEOUT_S:g}, {POLITE_S:g})")
    check(states(r).get(HOLE[0]) == "unreachable" and
          (h.servers_by_address(r.json).get(HOLE[0]) or {}).get("error") == "no reply",
          f"{what}: the black hole is unreachable, 'no reply' "
          f"({(h.servers_by_address(r.json).get(HOLE[0]) or {}).get('error')})")


def test_f_minsane(s):
    """(f) `tos minsane N`: fewer servers that agree than N is no answer."""
    servers = HONEST[:3] + ["127.0.0.6"]
    lines = [f"server {a} burst" for a in servers]
    what = "(f) 3 honest + liar +3600, tos minsane 4"
    conf = conf_servers(s, "f1.conf", ["tos minsane 4"] + lines)
    r = run(s, ["-q", "-c", conf], what)
    last = r.out.rstrip("\n").split("\n")[-1] if r.out.strip() else ""
    check(r.rc == 6, f"{what}: exit 6, the clock untouched (got {r.rc})")
    check(last.endswith("no server suitable for synchronization found: "
                        "3 servers agree, tos minsane wants 4"),
          f"{what}: the report says why: {last!r}")
    r = run(s, ["-q", "-j", "-c", conf], what + ", -j")
    doc = r.json or {}
    check(r.rc == 6 and doc.get("offset") is None and doc.get("action") == "none",
          f"{what}: -j: exit 6, offset null ({r.rc}, {doc.get('offset')})")
    check(all(states(r).get(a) == "survivor" for a in HONEST[:3]),
          f"{what}: the three that agree are survivors, none the system peer ({states(r)})")
    what = "(f) 3 honest + liar +3600, tos minsane 3"
    conf = conf_servers(s, "f2.conf", ["tos minsane 3"] + lines)
    r = run(s, ["-q", "-j", "-c", conf], what)
    check_truth(r, what)


def body(s):
    h.libfaketime()  # skips when missing
    probes = {}
    for a in HONEST:
        _, probes[a] = s.chronyd(a, stratum=10)
    for a, fake in LIARS.items():
        _, probes[a] = s.chronyd(a, stratum=10, fake=fake)
    for a in HONEST[:3]:
        s.delay_relay((a, RELAY_PORT), (a, 123), 0.025)
        s.ntpserver(a, SLOW_PORT, "--delay", "0.05", "--stratum", "10")
    s.ntpserver(*HOLE, "--behave", "silent")
    test_servers_serve(s, probes)
    test_a_honest(s)
    test_b_falsetickers(s)
    test_c_liar_first(s)
    test_d_no_majority(s)
    test_e_black_hole(s)
    test_f_minsane(s)


def main():
    global tset
    tset = h.tset_arg(sys.argv, "test_chrony.py PATH/TO/tset")
    return h.main(body, root="chronyd binds port 123 on loopback addresses",
                  programs=[("chronyd", "chrony")])


if __name__ == "__main__":
    sys.exit(main())
