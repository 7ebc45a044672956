#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tset's privilege drop, read from /proc/PID/status while it waits.

    test_privileges.py PATH/TO/tset

tset -q -t 3 -p 1 asks a black hole (a socket of this test on
127.0.0.9:11130 that never answers), so it waits 3 s for a reply; once the
request has arrived (tset drops privileges before it reads a packet) the test
reads tset's /proc/PID/status: started as root, tset keeps CAP_SYS_TIME
alone (bit 25, 0x0000000002000000) in its permitted and effective sets;
with -U it also runs as that user and group. A non-root tset given -U is a
usage error (exit 2). tset runs with -q only. Root is needed (skips with 77
otherwise). Exit 0 pass, 1 fail, 77 skip.
"""

import grp
import os
import pwd
import shutil
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
from harness import check, note  # noqa: E402

HOLE = ("127.0.0.9", 11130)
HONEST = ("127.0.0.9", 11131)
CAP_SYS_TIME = 1 << 25
CAP_FIELDS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")

tset = None


def status_of(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def caps(st, field):
    return int(st.get(field, "-1"), 16)


def ids(st, field):
    return [int(x) for x in st.get(field, "").split()]


def show(st):
    return ", ".join(f"{k} {st.get(k)}" for k in ("Uid", "Gid", "Groups") + CAP_FIELDS
                     + ("NoNewPrivs",))


def while_waiting(s, hole, extra, what):
    """Start tset against the black hole; return its status once it waits."""
    args = ["-q", "-j", "-t", "3", "-p", "1"] + extra + [f"{HOLE[0]}:{HOLE[1]}"]
    with h.TsetRun(tset, args) as t:
        got = hole.wait_request(5)
        check(got, f"{what}: tset's request reached the black hole")
        # tset drops privileges before it sends; should that ever move, the
        # status is read once the drop shows (or after 2 s, and checked)
        end = time.monotonic() + 2.0
        while True:
            try:
                st = status_of(t.pid)
            except OSError as e:
                st = {}
                check(False, f"{what}: /proc/{t.pid}/status readable while tset waits ({e})")
                break
            if caps(st, "CapPrm") == CAP_SYS_TIME or time.monotonic() > end:
                break
            time.sleep(0.01)
        r = t.result(timeout=15)
    note(f"{what}: pid {t.pid}: {show(st)}")
    note(f"{what}: exit {r.rc} after {r.elapsed:.3f} s")
    check(r.rc == 1, f"{what}: a black hole alone: exit 1 after the timeout "
          f"(got {r.rc}, {r.elapsed:.3f} s)")
    return st


def check_caps(st, what):
    for field in ("CapPrm", "CapEff"):
        check(caps(st, field) == CAP_SYS_TIME,
              f"{what}: {field} is CAP_SYS_TIME alone (0000000002000000; got {st.get(field)})")
    check(caps(st, "CapBnd") in (CAP_SYS_TIME, 0),
          f"{what}: CapBnd is CAP_SYS_TIME or empty (got {st.get('CapBnd')})")
    check(caps(st, "CapInh") == 0 and caps(st, "CapAmb") == 0,
          f"{what}: no inheritable or ambient capability "
          f"(CapInh {st.get('CapInh')}, CapAmb {st.get('CapAmb')})")


def check_ids(st, what, uid, gid):
    check(ids(st, "Uid") == [uid] * 4, f"{what}: Uid is {uid} (real, effective, saved, fs): "
          f"{st.get('Uid')}")
    check(ids(st, "Gid") == [gid] * 4, f"{what}: Gid is {gid} (real, effective, saved, fs): "
          f"{st.get('Gid')}")
    groups = ids(st, "Groups")
    check(groups in ([], [gid]), f"{what}: no supplementary group but {gid}: "
          f"'{st.get('Groups')}'")


def test_root(s, hole):
    what = "root, no -U"
    st = while_waiting(s, hole, [], what)
    check_caps(st, what)
    check(ids(st, "Uid") == [0] * 4, f"{what}: still uid 0 ({st.get('Uid')})")


def test_user(s, hole):
    try:
        nobody = pwd.getpwnam("nobody")
        nogroup = grp.getgrnam("nogroup")
    except KeyError:
        h.skip_part("no user nobody or no group nogroup (Debian's base-passwd): -U checks "
                    "not run")
        return
    what = "-U nobody"
    st = while_waiting(s, hole, ["-U", "nobody"], what)
    check_caps(st, what)
    check_ids(st, what, nobody.pw_uid, nobody.pw_gid)

    what = "-U nobody:nogroup"
    st = while_waiting(s, hole, ["-U", "nobody:nogroup"], what)
    check_caps(st, what)
    check_ids(st, what, nobody.pw_uid, nogroup.gr_gid)

    # a group that is not the user's own: the group part really counts
    other = next((g for g in ("daemon", "sys", "adm") if _gid(g) not in (None, nobody.pw_gid)),
                 None)
    if other is None:
        h.skip_part("no group daemon/sys/adm (Debian's base-passwd): -U nobody:GROUP with "
                    "another group not run")
        return
    what = f"-U nobody:{other}"
    st = while_waiting(s, hole, ["-U", f"nobody:{other}"], what)
    check_caps(st, what)
    check_ids(st, what, nobody.pw_uid, _gid(other))


def _gid(name):
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def test_not_root(s):
    """As nobody (no capability at all): -U is refused, -q alone works."""
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        h.skip_part("no user nobody (Debian's base-passwd): non-root checks not run")
        return
    as_nobody = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    # the build directory may sit below a directory only root enters (CI's
    # clone is in a mktemp -d): nobody runs a copy from the session's 0755 dir
    tset_copy = s.path("tset")
    shutil.copy(tset, tset_copy)
    os.chmod(tset_copy, 0o755)
    r = h.run_tset(tset_copy, ["-q", "-j", "-U", "nobody", f"{HONEST[0]}:{HONEST[1]}"],
                   **as_nobody)
    note(f"as nobody, -U nobody: exit {r.rc}, stderr: {r.err.strip()!r}")
    check(r.rc == 2, f"non-root with -U: exit 2 (got {r.rc})")
    check("nobody" in r.err, f"non-root with -U: the message names the user: {r.err.strip()!r}")
    r = h.run_tset(tset_copy, ["-q", "-j", "-U", "daemon:daemon", f"{HONEST[0]}:{HONEST[1]}"],
                   **as_nobody)
    check(r.rc == 2, f"non-root with -U daemon:daemon: exit 2 (got {r.rc}): {r.err.strip()!r}")
    r = h.run_tset(tset_copy, ["-q", "-j", f"{HONEST[0]}:{HONEST[1]}"], **as_nobody)
    off = (r.json or {}).get("offset")
    check(r.rc == 0 and h.offset_is_true(off, 0.0, r),
          f"non-root without -U: -q still measures (exit {r.rc}, offset {h.fmt_offset(off)})")


def test_bad_user(s):
    for spec in ("no-such-user-tset", "nobody:no-such-group-tset"):
        r = h.run_tset(tset, ["-q", "-U", spec, f"{HONEST[0]}:{HONEST[1]}"])
        check(r.rc == 2 and spec.split(":")[-1] in r.err,
              f"root with -U {spec}: exit 2 naming it (got {r.rc}: {r.err.strip()!r})")


def test_root_without_sys_time(s):
    """Root in a container: no CAP_SYS_TIME to keep. tset still measures
    (-q: exit 0); the clock part is test_tset_clock's (exit 4)."""
    setpriv = shutil.which("setpriv")
    if not setpriv:
        h.skip_part("no setpriv (Debian package util-linux): root without CAP_SYS_TIME not "
                    "run")
        return
    r = h.run_tset(tset, ["-q", "-j", f"{HONEST[0]}:{HONEST[1]}"],
                   prefix=[setpriv, "--bounding-set=-sys_time", "--"])
    off = (r.json or {}).get("offset")
    check(r.rc == 0 and off is not None,
          f"root without CAP_SYS_TIME: -q measures, exit 0 (got {r.rc}: {r.err.strip()!r})")


def body(s):
    s.ntpserver(*HONEST)
    hole = s.black_hole(*HOLE)
    test_root(s, hole)
    test_user(s, hole)
    test_bad_user(s)
    test_root_without_sys_time(s)
    test_not_root(s)


def main():
    global tset
    tset = h.tset_arg(sys.argv, "test_privileges.py PATH/TO/tset")
    return h.main(body, root="the privilege drop happens only when tset starts as root")


if __name__ == "__main__":
    sys.exit(main())
