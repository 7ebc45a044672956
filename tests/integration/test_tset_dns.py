#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tset -q with names served by a real dnsmasq (c-ares through `resolvconf`).

    test_tset_dns.py PATH/TO/tset

dnsmasq on 127.0.0.153:53 (c-ares 1.18 ignores a port in resolv.conf, hence
root) serves pool.test (A 127.0.0.2-5) and six.test (AAAA ::1) and answers
NXDOMAIN for every other name (as in test_dns.py). ntpserver.py answers on
those addresses, port 12390. A UDP socket of this test bound on
127.0.0.154:53 that never reads is a DNS server that never answers.
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


def body(s):
    ipv6 = h.have_ipv6_loopback()
    s.dnsmasq(DNS_ADDR, HOSTS)
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


def main():
    global tset
    tset = h.tset_arg(sys.argv, "test_tset_dns.py PATH/TO/tset")
    return h.main(body, root="dnsmasq binds port 53 (c-ares 1.18 ignores a port in resolv.conf)",
                  programs=[("dnsmasq", "dnsmasq-base")])


if __name__ == "__main__":
    sys.exit(main())
