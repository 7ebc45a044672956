#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tset -q with names served by a real dnsmasq (c-ares through `resolvconf`).

    test_tset_dns.py PATH/TO/tset

dnsmasq on 127.0.0.153:53 (c-ares 1.18 ignores a port in resolv.conf, hence
root) serves pool.test (A 127.0.0.2-5) and six.test (AAAA ::1) and answers
NXDOMAIN for every other name (as in test_dns.py). ntpserver.py answers on
those addresses, port 12390. A UDP socket of this test bound on
127.0.0.154:53 that never reads is a DNS server that never answers.

One server, one vote: liars (+100 s) on 127.0.0.20 and 127.0.0.24 and on
[::1]:12392, honest servers on 127.0.0.21-23, port 12392 (and 123 for
127.0.0.20-21), named in several ways (the names are in VOTE_HOSTS).

Single-stack hosts: network namespaces that this test creates, one with
IPv6 disabled and one without 127.0.0.1/8, each with its own dnsmasq and
servers (see test_ipv4_only_host and test_ipv6_only_host).

tset runs with -q only. Loopback only. Exit 0 pass, 1 fail, 77 skip (not
root, no dnsmasq).
"""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
from harness import check, note, fmt_offset  # noqa: E402

DNS_ADDR = "127.0.0.153"
HOLE_ADDR = "127.0.0.154"
POOL = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
PORT = 12390
HOSTS = "".join(f"{a} pool.test\n" for a in POOL) + "::1 six.test\n"

VOTE_PORT = 12392
LIARS = ["127.0.0.20", "127.0.0.24"]  # +100 s
HONEST = ["127.0.0.21", "127.0.0.22", "127.0.0.23"]
LIE_S = 100.0
VOTE_HOSTS = ("127.0.0.20 liar.test\n::1 liar.test\n"  # a dual-stack liar
              "127.0.0.20 liar-a.test\n127.0.0.20 liar-b.test\n"  # one address, two names
              "127.0.0.21 honest.test\n"
              # overlapping pools: two liars in both, one honest in each
              "127.0.0.20 pool-a.test\n127.0.0.24 pool-a.test\n127.0.0.21 pool-a.test\n"
              "127.0.0.20 pool-b.test\n127.0.0.24 pool-b.test\n127.0.0.22 pool-b.test\n"
              "127.0.0.23 honest3.test\n"
              # ten addresses: two beyond 8 per family (nothing answers there)
              + "".join(f"127.0.1.{i} big.test\n" for i in range(1, 11))
              # nine pools of eight: 72 addresses, 8 beyond 64 candidates
              + "".join(f"127.0.2.{8 * k + i} pool{k}.test\n"
                        for k in range(9) for i in range(1, 9)))
SPACING_S = 2.0  # tset: requests to one address are 2 s apart (without burst)
ACCURACY_S = 0.05  # good enough to stop sampling, for the single-stack hosts

tset = None


def run(args, what, timeout=30):
    r = h.run_tset(tset, args, timeout=timeout)
    doc = r.json or {}
    note(f"{what}: exit {r.rc}, offset {fmt_offset(doc.get('offset'))}, "
         f"elapsed {r.elapsed:.3f} s")
    for sv in doc.get("servers", []):
        note(f"  {sv.get('name')} {sv.get('address')}:{sv.get('port')} {sv.get('state')} "
             f"offset {fmt_offset(sv.get('offset'))} error {sv.get('error')}")
    if r.err.strip():
        note("  stderr: " + r.err.strip().replace("\n", " | "))
    return r


def last_line(text):
    lines = text.rstrip("\n").split("\n")
    return lines[-1] if lines else ""


def test_pool(conf):
    what = "pool.test (4 A records)"
    r = run(["-c", conf, "-q", "-j", f"pool.test:{PORT}"], what)
    doc = r.json or {}
    servers = doc.get("servers", [])
    check(r.rc == 0, f"{what}: exit 0 (got {r.rc})")
    check(len(servers) == 4 and sorted(sv.get("address") for sv in servers) == POOL,
          f"{what}: 4 entries, one per address "
          f"({[sv.get('address') for sv in servers]})")
    check(all(sv.get("name") == "pool.test" and sv.get("port") == PORT for sv in servers),
          f"{what}: every entry is named pool.test, port {PORT}")
    off = doc.get("offset")
    check(h.offset_is_true(off, 0.0, r), f"{what}: |offset| <= "
          f"{fmt_offset(h.offset_bound_s(r))}, half the delay ({fmt_offset(off)})")

    what = "config `pool pool.test port N burst`"
    pconf = conf + ".pool"
    with open(pconf, "w") as f:
        f.write(open(conf).read() + f"pool pool.test port {PORT} burst\n")
    r = run(["-c", pconf, "-q", "-j"], what)
    servers = (r.json or {}).get("servers", [])
    check(r.rc == 0 and sorted(sv.get("address") for sv in servers) == POOL,
          f"{what}: exit 0, the 4 addresses (got {r.rc}, "
          f"{[sv.get('address') for sv in servers]})")

    what = "config `server pool.test port N`"
    sconf = conf + ".server"
    with open(sconf, "w") as f:
        f.write(open(conf).read() + f"server pool.test port {PORT}\n")
    r = run(["-c", sconf, "-q", "-j"], what)
    servers = (r.json or {}).get("servers", [])
    check(r.rc == 0 and len(servers) == 1 and servers[0].get("address") in POOL,
          f"{what}: exit 0, the first address only (got {r.rc}, "
          f"{[sv.get('address') for sv in servers]})")


def test_six(conf, ipv6):
    if ipv6:
        what = "six.test (AAAA ::1 only)"
        r = run(["-c", conf, "-q", "-j", f"six.test:{PORT}"], what)
        servers = (r.json or {}).get("servers", [])
        off = (r.json or {}).get("offset")
        check(r.rc == 0 and [sv.get("address") for sv in servers] == ["::1"],
              f"{what}: exit 0, queried ::1 (got {r.rc}, "
              f"{[sv.get('address') for sv in servers]})")
        check(h.offset_is_true(off, 0.0, r), f"{what}: |offset| <= "
              f"{fmt_offset(h.offset_bound_s(r))}, half the delay ({fmt_offset(off)})")
    else:
        print("skip: no IPv6 loopback: six.test over ::1 not run")

    what = "-4 six.test"
    r = run(["-c", conf, "-q", "-j", "-4", f"six.test:{PORT}"], what)
    servers = (r.json or {}).get("servers", [])
    check(r.rc == 1 and (r.json or {}).get("exit") == 1, f"{what}: exit 1 (got {r.rc})")
    check(len(servers) == 1 and servers[0].get("name") == "six.test"
          and servers[0].get("address") is None and servers[0].get("error"),
          f"{what}: listed by name, address null, with an error ({servers})")

    what = "-6 pool.test"
    r = run(["-c", conf, "-q", "-j", "-6", f"pool.test:{PORT}"], what)
    servers = (r.json or {}).get("servers", [])
    check(r.rc == 1 and len(servers) == 1 and servers[0].get("address") is None,
          f"{what}: exit 1, listed with address null (got {r.rc}, {servers})")


def test_nx(conf):
    what = "nx.test"
    r = run(["-c", conf, "-q", f"nx.test:{PORT}"], what)
    check(r.rc == 1, f"{what}: exit 1 (got {r.rc})")
    check("nx.test" in r.err and "no such name" in r.err,
          f"{what}: stderr names it and says 'no such name': {r.err.strip()!r}")
    check(last_line(r.out).endswith("no server suitable for synchronization found"),
          f"{what}: the output ends with the ntpdate message: {last_line(r.out)!r}")
    r = run(["-c", conf, "-q", "-j", f"nx.test:{PORT}"], what + " -j")
    servers = (r.json or {}).get("servers", [])
    check(r.rc == 1 and len(servers) == 1 and servers[0].get("address") is None
          and "no such name" in (servers[0].get("error") or ""),
          f"{what} -j: exit 1, address null, error 'no such name' ({servers})")

    what = "nx.test next to pool.test"
    r = run(["-c", conf, "-q", "-j", f"nx.test:{PORT}", f"pool.test:{PORT}"], what)
    by_name = {}
    for sv in (r.json or {}).get("servers", []):
        by_name.setdefault(sv.get("name"), []).append(sv)
    check(r.rc == 0 and len(by_name.get("pool.test", [])) == 4
          and [sv.get("address") for sv in by_name.get("nx.test", [])] == [None],
          f"{what}: a name that fails is reported, the others go on (exit {r.rc})")


# c-ares asks a silent server again after 1 s, then gives up after 2 s
# more: without the deadline, a name would fail after CARES_GIVES_UP_S
DEADLINE_S = 2.0
CARES_GIVES_UP_S = 3.0
DEADLINE_ERROR = "no answer from dns before the deadline"


def test_silent_dns(s):
    hole = s.black_hole(HOLE_ADDR, 53)
    resolv = s.write("resolv-silent.conf", f"nameserver {HOLE_ADDR}\n")
    conf = s.write("tset-silent.conf", f"resolvconf {resolv}\ndeadline {DEADLINE_S:g}\n")
    what = "a DNS server that never answers, deadline 2"
    r = run(["-c", conf, "-q", f"pool.test:{PORT}"], what, timeout=15)
    check(r.rc == 1, f"{what}: exit 1 (got {r.rc})")
    check(DEADLINE_S <= r.elapsed,
          f"{what}: runs to the deadline: {r.elapsed:.3f} s >= {DEADLINE_S:g} s")
    check(f"'pool.test': {DEADLINE_ERROR}" in r.err,
          f"{what}: the deadline, not c-ares, ended it, and the message names the name: "
          f"{r.err.strip()!r}")
    check(last_line(r.out).endswith("no server suitable for synchronization found"),
          f"{what}: the output ends with the ntpdate message: {last_line(r.out)!r}")
    r = run(["-c", conf, "-q", "-j", f"pool.test:{PORT}"], what + " -j", timeout=15)
    servers = (r.json or {}).get("servers", [])
    took = (r.json or {}).get("elapsed")
    check(r.rc == 1 and took is not None and DEADLINE_S <= took < CARES_GIVES_UP_S
          and len(servers) == 1 and servers[0].get("address") is None
          and servers[0].get("error") == DEADLINE_ERROR,
          f"{what} -j: exit 1 at the deadline ({took} s by tset's clock), before c-ares would "
          f"give up, address null, error {servers[0].get('error') if servers else None!r}")
    hole.close()


def vote_entries(r):
    return [(sv.get("address"), sv.get("state")) for sv in (r.json or {}).get("servers", [])]


def test_one_address_one_vote(conf, ipv6):
    """A candidate is an (address, port) pair, counted once however it was
    named; a liar twice against an honest server is one against one: no
    majority, exit 6 (on 76f3073 the liar won, exit 0, offset +100 s)."""
    liar, honest = f"{LIARS[0]}:{VOTE_PORT}", f"{HONEST[0]}:{VOTE_PORT}"
    cases = [
        ("LIAR LIAR HONEST", [liar, liar, honest]),
        ("one address through two names", [f"liar-a.test:{VOTE_PORT}", f"liar-b.test:{VOTE_PORT}",
                                           f"honest.test:{VOTE_PORT}"]),
        ("`host` and `host:123`", ["liar-a.test", "liar-a.test:123", "honest.test"]),
        ("`ADDR` and `ADDR:123`", [LIARS[0], f"{LIARS[0]}:123", HONEST[0]]),
        ("IPv4 and its IPv4-mapped IPv6 spelling",
         [liar, f"[::ffff:{LIARS[0]}]:{VOTE_PORT}", honest]),
    ]
    if ipv6:
        # one name with A and AAAA: one vote (its IPv4 address), not two
        cases.append(("a dual-stack liar name beside an IPv4-only honest one",
                      [f"liar.test:{VOTE_PORT}", f"honest.test:{VOTE_PORT}"]))
    else:
        print("skip: no IPv6 loopback: the dual-stack liar name not run")
    for what, servers in cases:
        r = run(["-c", conf, "-q", "-j", "-p", "1"] + servers, what)
        doc = r.json or {}
        addrs = [sv.get("address") for sv in doc.get("servers", [])]
        check(r.rc == 6 and doc.get("offset") is None,
              f"{what}: one liar against one honest server: no majority, exit 6 "
              f"(got {r.rc}, offset {fmt_offset(doc.get('offset'))})")
        check(sorted(addrs) == [LIARS[0], HONEST[0]],
              f"{what}: each address reported once ({vote_entries(r)})")
    what = "one address through two names, -d"
    r = run(["-c", conf, "-q", "-d", "-p", "1", f"liar-a.test:{VOTE_PORT}",
             f"liar-b.test:{VOTE_PORT}", f"honest.test:{VOTE_PORT}"], what)
    line = [x for x in r.err.splitlines() if x.startswith(LIARS[0] + " ")]
    check(len(line) == 1 and "(also through 'liar-b.test')" in line[0],
          f"{what}: one table line, naming the second name: {line}")


def test_overlapping_pools(conf):
    """Two pools share two liars: 5 candidates (2 liars, 3 honest), not 7
    (4 liar votes, 3 honest: on 76f3073 the liars won)."""
    what = "overlapping pools (2 liars in both) + 1 honest name"
    r = run(["-c", conf, "-q", "-j", "-p", "1", f"pool-a.test:{VOTE_PORT}",
             f"pool-b.test:{VOTE_PORT}", f"honest3.test:{VOTE_PORT}"], what)
    doc = r.json or {}
    sv = h.servers_by_address(doc)
    off = doc.get("offset")
    check(r.rc == 0 and off is not None and abs(off) < 0.01,
          f"{what}: the honest majority wins (exit {r.rc}, offset {fmt_offset(off)})")
    check(sorted(sv) == sorted(LIARS + HONEST) and len(doc.get("servers", [])) == 5,
          f"{what}: 5 entries, each address once ({vote_entries(r)})")
    # the three honest addresses are a majority of the five on their own:
    # a run may decide before the liars answer (not-waited, as on a loaded
    # machine) or after (falseticker); either way no liar is in the answer
    check(all(sv.get(a, {}).get("state") in ("falseticker", "not-waited") for a in LIARS),
          f"{what}: the liars are falsetickers or not waited for ({vote_entries(r)})")
    check(sv.get(LIARS[0], {}).get("name") == "pool-a.test",
          f"{what}: an address shared by two names is named by the first "
          f"({sv.get(LIARS[0], {}).get('name')})")


def test_not_queried_addresses_are_reported(conf):
    """Addresses beyond the limits (8 of a family per name, 64 candidates
    per run) are listed under not_queried (JSON) and in the -d table."""
    what = "big.test (10 A records)"
    r = run(["-c", conf, "-q", "-j", "-p", "1", "-t", "0.2", f"big.test:{VOTE_PORT}"], what)
    doc = r.json or {}
    check(len(doc.get("servers", [])) == 8, f"{what}: 8 queried ({len(doc.get('servers', []))})")
    check(doc.get("not_queried") == [{"name": "big.test", "addresses": 2,
                                      "reason": "more than 8 addresses of a family"}],
          f"{what}: -j lists the 2 others under not_queried: {doc.get('not_queried')}")
    el, tot = doc.get("elapsed"), doc.get("elapsed_total")
    check(el is not None and tot is not None and 0 <= el <= tot,
          f"{what}: elapsed (to the decision) <= elapsed_total: {el} {tot}")
    r = run(["-c", conf, "-q", "-d", "-p", "1", "-t", "0.2", f"big.test:{VOTE_PORT}"], what)
    check("big.test" in r.err and "2 more addresses not queried: more than 8 addresses of a "
          "family" in r.err, f"{what}: -d says so")
    what = "9 pools of 8"
    r = run(["-c", conf, "-q", "-j", "-p", "1", "-t", "0.2"]
            + [f"pool{k}.test:{VOTE_PORT}" for k in range(9)], what)
    doc = r.json or {}
    check(len(doc.get("servers", [])) == 64 and doc.get("not_queried") ==
          [{"name": "pool8.test", "addresses": 8, "reason": "more than 64 candidate addresses"}],
          f"{what}: 64 queried, the last pool's 8 listed as not queried: "
          f"{len(doc.get('servers', []))}, {doc.get('not_queried')}")


def start_vote_servers(s, ipv6):
    for a in LIARS:
        s.ntpserver(a, VOTE_PORT, "--offset", LIE_S)
    for a in HONEST:
        s.ntpserver(a, VOTE_PORT)
    s.ntpserver(LIARS[0], 123, "--offset", LIE_S)
    s.ntpserver(HONEST[0], 123)
    if ipv6:
        s.ntpserver("::1", VOTE_PORT, "--offset", LIE_S)


def check_settled_first_round(r, what, samples):
    """Decided after the first replies: one sample from each server that
    answered (samples: their counts; the next request would have gone
    SPACING_S later), and the decision before that."""
    doc = r.json or {}
    check(samples and all(n == 1 for n in samples),
          f"{what}: decided on the first reply of each, one sample each ({samples})")
    el = doc.get("elapsed")
    check(el is not None and el < SPACING_S,
          f"{what}: decided before a second request was due ({el} s < {SPACING_S} s)")


def test_ipv4_only_host(s):
    """An IPv4-only host (IPv6 disabled in a namespace of this test): an
    IPv6 address is not reachable from here; it leaves the majority, so
    three IPv4 servers that agree settle at once (on 76f3073 the unreachable
    ones still counted: no early decision, -p samples 2 s apart)."""
    hosts = ("".join(f"{a} dual.test\n" for a in POOL[:3])
             + "".join(f"fd00::{i} dual.test\n" for i in (2, 3, 4))
             + "".join(f"fd00::{i} six{i}.test\n" for i in (5, 6, 7)))
    with h.own_netns(s, ipv6=False):
        s.dnsmasq(DNS_ADDR, hosts, name="dnsmasq-v4only")
        for a in POOL[:3]:
            s.ntpserver(a, PORT, name=f"ntpserver-v4only-{a}")
        resolv = s.write("resolv-v4only.conf", f"nameserver {DNS_ADDR}\n")
        # `accuracy`: the early decision rests on the count of candidates
        # here, not on how precise Python servers on a busy machine are
        conf = s.write("tset-v4only.conf", f"resolvconf {resolv}\naccuracy {ACCURACY_S}\n"
                       f"pool dual.test port {PORT}\n")
        what = "IPv4-only host: pool dual.test (3 A + 3 AAAA)"
        r = run(["-c", conf, "-q", "-j"], what)
        sv = h.servers_by_address(r.json)
        check(r.rc == 0 and sorted(sv) == POOL[:3],
              f"{what}: exit 0, one vote per host, through IPv4 ({r.rc}, {sorted(sv)})")
        check_settled_first_round(r, what, [sv.get(a, {}).get("samples") for a in POOL[:3]])

        what = "IPv4-only host: dual.test + 3 names with AAAA only"
        r = run(["-c", conf, "-q", "-j", f"dual.test:{PORT}"]
                + [f"six{i}.test:{PORT}" for i in (5, 6, 7)], what)
        sv = h.servers_by_address(r.json)
        six = [sv.get(f"fd00::{i}", {}) for i in (5, 6, 7)]
        check(r.rc == 0 and all(e.get("state") == "unreachable" and
                                (e.get("error") or "").startswith("not reachable from this host")
                                for e in six),
              f"{what}: exit 0, the IPv6 addresses unreachable from here "
              f"({r.rc}, {[(e.get('state'), e.get('error')) for e in six]})")
        check_settled_first_round(r, what, [sv.get(a, {}).get("samples") for a in POOL[:3]])

        # an ICMP error is the network's answer: a refused port still counts
        what = "IPv4-only host: 1 honest + 2 refused ports, -p 2"
        r = run(["-c", conf, "-q", "-j", "-p", "2", f"{POOL[0]}:{PORT}",
                 f"{POOL[1]}:{PORT + 1}", f"{POOL[2]}:{PORT + 1}"], what)
        sv = h.servers_by_address(r.json)
        refused = [sv.get(a, {}) for a in POOL[1:3]]
        check(r.rc == 0 and all(e.get("state") == "unreachable" and e.get("error") ==
                                "Connection refused" for e in refused),
              f"{what}: exit 0, refused ports reported as such "
              f"({r.rc}, {[(e.get('state'), e.get('error')) for e in refused]})")
        check(sv.get(POOL[0], {}).get("samples") == 2,
              f"{what}: refused ports keep counting: a lone answer is no majority of 3, "
              f"so tset sampled on ({sv.get(POOL[0], {}).get('samples')} samples)")


def test_ipv6_only_host(s):
    """An IPv6-only host (no 127.0.0.1/8 in a namespace of this test): a
    `server` name answering A and AAAA falls back to its IPv6 address when
    its IPv4 one cannot be reached from here (on 76f3073: exit 1)."""
    ports = [PORT + 10 + i for i in range(3)]
    hosts = "".join(f"127.0.0.{2 + i} dual{i}.test\n::1 dual{i}.test\n" for i in range(3))
    with h.own_netns(s, ipv4=False):
        s.dnsmasq("::1", hosts, name="dnsmasq-v6only")
        for port in ports:
            s.ntpserver("::1", port, name=f"ntpserver-v6only-{port}")
        resolv = s.write("resolv-v6only.conf", "nameserver ::1\n")
        conf = s.write("tset-v6only.conf", f"resolvconf {resolv}\naccuracy {ACCURACY_S}\n" + "".join(
            f"server dual{i}.test port {port}\n" for i, port in enumerate(ports)))
        what = "IPv6-only host: 3 `server` names with A and AAAA"
        r = run(["-c", conf, "-q", "-j"], what)
        doc = r.json or {}
        off = doc.get("offset")
        entries = [(sv.get("address"), sv.get("port"), sv.get("state"))
                   for sv in doc.get("servers", [])]
        v4 = [e for e in entries if e[0] and e[0].startswith("127.")]
        v6 = [e for e in entries if e[0] == "::1"]
        check(r.rc == 0 and off is not None and abs(off) < 0.01,
              f"{what}: exit 0 through IPv6 ({r.rc}, offset {fmt_offset(off)})")
        check(len(v4) == 3 and all(e[2] == "unreachable" for e in v4) and
              sorted(e[1] for e in v6) == ports,
              f"{what}: each IPv4 address unreachable from here, its name's IPv6 address "
              f"queried instead ({entries})")
        check_settled_first_round(r, what, [sv.get("samples") for sv in doc.get("servers", [])
                                            if sv.get("address") == "::1"])


def body(s):
    ipv6 = h.have_ipv6_loopback()
    s.dnsmasq(DNS_ADDR, HOSTS + VOTE_HOSTS)
    for a in POOL:
        s.ntpserver(a, PORT)
    if ipv6:
        s.ntpserver("::1", PORT)
    resolv = s.write("resolv.conf", f"nameserver {DNS_ADDR}\n")
    conf = s.write("tset.conf", f"resolvconf {resolv}\n")
    test_pool(conf)
    test_six(conf, ipv6)
    test_nx(conf)
    test_silent_dns(s)
    start_vote_servers(s, ipv6)
    test_one_address_one_vote(conf, ipv6)
    test_overlapping_pools(conf)
    test_not_queried_addresses_are_reported(conf)
    test_ipv4_only_host(s)
    test_ipv6_only_host(s)


def main():
    global tset
    tset = h.tset_arg(sys.argv, "test_tset_dns.py PATH/TO/tset")
    return h.main(body, root="dnsmasq binds port 53 (c-ares 1.18 ignores a port in resolv.conf)",
                  programs=[("dnsmasq", "dnsmasq-base")])


if __name__ == "__main__":
    sys.exit(main())
