#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tset -j on every exit path, validated against tset(8)'s schema.

    test_tset_json.py TSET MAN_PAGE   (meson sets TSET_NOCLOCK and
                                       TSET_CLOCKSHIM_PRELOAD)

tset_schema.py beside this file is the one definition of the document
(fields, types, allowed values, what they promise together). Each exit
status is reached for real: 0 with -q and under the clock shim, 1 (black
holes, a name that does not resolve), 2 (no document at all), 3 (beyond
the panic threshold), 4 (no CAP_SYS_TIME), 5 (the RTC write fails), 6 (no
majority; KoD from all), 7 (another tset holds the lock); 3, 4, 5 and 7
under noclock and clockshim.so, as test_tset_clock.py runs them, so the
machine's clock is never touched. Every server state tset reports is met
at least once. The example in tset(8) must validate too, and the validator
must reject documents broken on purpose. Servers: ntpserver.py on
127.0.0.2-9, port 12600 and up; DNS: a resolv.conf naming 127.0.0.155,
where nothing listens. Root is needed (loopback addresses); skips (77)
otherwise. Exit 0 pass, 1 fail, 77 skip.
"""
import copy
import fcntl
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
import tset_schema as schema  # noqa: E402

tset = None
seen_states = set()
seen_exits = set()


def validate(r, what, want_rc):
    """r: a run with -j; its document must validate, with exit want_rc."""
    h.check(r.rc == want_rc, f"{what}: exit {want_rc} (got {r.rc}; {r.err.strip()[-200:]!r})")
    if not h.check(r.json is not None, f"{what}: one JSON document on stdout"
                   + ("" if r.json is not None else f" ({r.out[:200]!r})")):
        return
    errors = schema.validate(r.json, r.rc)
    h.check(not errors, f"{what}: the document follows tset(8) ({errors[:4]})")
    seen_exits.add(r.json.get("exit"))
    seen_states.update(sv.get("state") for sv in r.json.get("servers", []))


class Lab:
    """ntpserver.py instances on 127.0.0.2.., a new port for each set."""

    def __init__(self, s):
        self.s, self.port, self.procs, self.n = s, 12600, [], 0

    def servers(self, *specs):
        """specs: (offset, behave) pairs; returns their addr:port."""
        for p in self.procs:
            h.Session.stop(p)
        self.procs, out = [], []
        self.port += 1
        for i, (off, behave) in enumerate(specs):
            addr = f"127.0.0.{2 + i}"
            self.procs.append(self.s.ntpserver(addr, self.port, "--offset", off,
                                               "--behave", behave))
            out.append(f"{addr}:{self.port}")
        return out

    def shim(self, args, **kw):
        """tset for real under the shim, in a fresh shim directory."""
        self.n += 1
        name = f"shim{self.n}"
        os.makedirs(self.s.path(name))
        return h.run_tset_shim(self.s, tset, args, name=name, **kw)


def test_query(s, lab, nowhere):
    """exit 0 with -q: every kind of server at once."""
    srv = lab.servers((0.05, "good"), (0.05, "good"), (0.05, "good"), (3600, "good"),
                      (0, "silent"), (0, "kod-rate"), (0, "li3"))
    # accuracy 1 ns: every address is sampled (the liar is a falseticker,
    # not an address that was not waited for)
    conf = s.write("all.conf", f"resolvconf {nowhere}\naccuracy 0.000000001\nsamples 1\n")
    r = h.run_tset(tset, ["-q", "-j", "-t", "0.5", "-c", conf, "nowhere.test"] + srv)
    validate(r, "-q, honest, a liar, a black hole, KoD, unsynchronised, no DNS", 0)
    states = {sv["address"]: sv["state"] for sv in (r.json or {}).get("servers", [])}
    h.note(f"states: {states}")


def test_set(s, lab):
    """exit 0, 3, 4, 5 under the shim."""
    srv = lab.servers((0.05, "good"), (0.05, "good"), (0.05, "good"))
    validate(lab.shim(["-j"] + srv), "a slew under the shim", 0)
    validate(lab.shim(["-j", "-w"] + srv, shim={"FAIL_RTC": 1}), "-w, the RTC write fails", 5)
    validate(lab.shim(["-j"] + srv, shim={"NOCAP": 1}), "no CAP_SYS_TIME", 4)
    srv = lab.servers((2000, "good"), (2000, "good"), (2000, "good"))
    validate(lab.shim(["-j"] + srv), "+2000 s, no -g", 3)


def test_no_time(s, lab, nowhere):
    """exit 1 and 6."""
    srv = lab.servers((0, "silent"), (0, "silent"))
    conf = s.write("nowhere.conf", f"resolvconf {nowhere}\n")
    r = h.run_tset(tset, ["-q", "-j", "-t", "0.3", "-p", "1", "-c", conf, "nowhere.test"] + srv)
    validate(r, "black holes and a name that does not resolve", 1)
    srv = lab.servers((0.05, "good"), (0.05, "good"), (10, "good"), (10, "good"))
    validate(h.run_tset(tset, ["-q", "-j"] + srv), "two against two", 6)
    srv = lab.servers((0, "kod-deny"), (0, "kod-deny"), (0, "kod-deny"))
    validate(h.run_tset(tset, ["-q", "-j"] + srv), "KoD DENY from all", 6)


def test_usage(s, lab):
    """exit 2: no document at all, stdout empty."""
    bad = s.write("bad.conf", "samples lots\n")
    for args, what in ((["-q", "-j", "-p", "0", "127.0.0.2"], "-p 0"),
                       (["-q", "-j", "-c", bad], "a broken config")):
        r = h.run_tset(tset, args)
        h.check(r.rc == 2 and r.out == "",
                f"{what}: exit 2 and nothing on stdout ({r.rc}, {r.out[:100]!r})")
    seen_exits.add(2)


def test_lock(s, lab):
    """exit 7: another tset holds the lock until the deadline."""
    srv = lab.servers((0.05, "good"), (0.05, "good"), (0.05, "good"))
    lab.n += 1
    name = f"shim{lab.n}"
    os.makedirs(s.path(name))
    conf = s.write("deadline.conf", "deadline 1\n")
    # as tset makes it: root's alone (tset refuses a lock others may open)
    with os.fdopen(os.open(s.path(name + "/tset.lock"), os.O_RDWR | os.O_CREAT, 0o600), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        r = h.run_tset_shim(s, tset, ["-j", "-c", conf] + srv, name=name)
    validate(r, "the lock held past the deadline", 7)


def man_example(man):
    """The JSON example of tset(8)'s JSON section (the -literal display)."""
    text = open(man).read()
    m = re.search(r"^\.Ss JSON\n.*?^\.Bd -literal[^\n]*\n(.*?)^\.Ed", text, re.M | re.S)
    return m and m.group(1).replace("\\e", "\\")


def test_man_page(man):
    example = man_example(man)
    try:
        doc = json.loads(example) if example else None
    except ValueError as e:
        doc = None
        h.note(f"tset(8)'s example: {e}")
    h.check(doc is not None, "tset(8) shows an example document that parses")
    errors = schema.validate(doc, 0) if doc is not None else ["none"]
    h.check(not errors, f"tset(8)'s example follows the schema ({errors[:4]})")


def test_validator_rejects(valid):
    """The validator is not vacuous: each break of a valid document fails."""
    breaks = {
        "a field missing": lambda d: d.pop("elapsed"),
        "an unknown field": lambda d: d.update(extra=1),
        "a server field missing": lambda d: d["servers"][0].pop("auth"),
        "an unknown server field": lambda d: d["servers"][0].update(extra=1),
        "action not allowed": lambda d: d.update(action="stepped"),
        "state not allowed": lambda d: d["servers"][0].update(state="good"),
        "leap not allowed": lambda d: d.update(leap="positive"),
        "auth not allowed": lambda d: d["servers"][0].update(auth="md5"),
        "offset a string": lambda d: d.update(offset="0.1"),
        "stratum a float": lambda d: d["servers"][0].update(stratum=2.0),
        "exit out of range": lambda d: d.update(exit=9),
        "exit not tset's": lambda d: d.update(exit=(d["exit"] + 1) % 8),
        "offset null alone": lambda d: d.update(offset=None),
        "beyond_panic a string": lambda d: d.update(beyond_panic="no"),
        "beyond_panic null alone": lambda d: d.update(beyond_panic=None),
        "exit 3 not beyond the panic threshold": lambda d: d.update(
            exit=3, action="refused", beyond_panic=False),
        "a failed state without error": lambda d: d["servers"].append(
            dict(d["servers"][0], state="kod", error=None)),
        "a not_queried entry without reason": lambda d: d["not_queried"][0].pop("reason"),
        "elapsed_total before elapsed": lambda d: d.update(elapsed_total=d["elapsed"] / 2),
    }
    for what, brk in breaks.items():
        d = copy.deepcopy(valid)
        brk(d)
        h.check(schema.validate(d, valid["exit"]), f"the validator rejects a document with {what}")
    h.check(schema.validate(valid, valid["exit"]) == [], "... and accepts the one it came from")


def main():
    if len(sys.argv) != 3:
        print("usage: test_tset_json.py TSET MAN_PAGE", file=sys.stderr)
        return 2
    global tset
    tset = h.tset_arg(sys.argv[:2], "test_tset_json.py TSET MAN_PAGE")
    man = os.path.abspath(sys.argv[2])

    def body(s):
        h.shim_paths()
        lab = Lab(s)
        nowhere = s.write("resolv-nowhere.conf", "nameserver 127.0.0.155\n")
        test_man_page(man)
        test_query(s, lab, nowhere)
        test_set(s, lab)
        test_no_time(s, lab, nowhere)
        test_usage(s, lab)
        test_lock(s, lab)
        h.check(seen_exits == set(range(8)), f"every exit status was met ({sorted(seen_exits)})")
        produced = set(schema.STATE) - {"outlier", "not-waited"}
        h.check(produced <= seen_states,
                f"every state tset produces here was met (missing {produced - seen_states})")
        h.note("outlier (the cluster algorithm's) and not-waited are allowed, not produced here")
        example = json.loads(man_example(man) or "null")
        if example:
            test_validator_rejects(example)

    return h.main(body, root="binding loopback addresses 127.0.0.2-9")


if __name__ == "__main__":
    sys.exit(main())
