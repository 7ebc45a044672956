#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""scripts/demo, a user's first look at tset, shows the liar rejected in
every view.

    test_demo.py PATH/TO/scripts/demo BUILD_DIR

Runs the demo (TSET_BUILD=BUILD_DIR: the programs and the clock shim of
this build, nothing compiled) in this test's own network namespace, and
checks each of its four views for the liar, 127.0.0.5 at +3600 s: -q (its
ntpdate line on stdout, 'falseticker (+3599.x s from the majority)' on
stderr), -d (the table says falseticker), -j (state falseticker), and the
run under the clock shim (the same two lines, and a step of 0.25 s, not
3600 s). On 96e282e the liar showed as 'not waited for', as 'stratum 0,
offset +0.000000' or with no sign of rejection, depending on which
server answered first. Root is needed (a network namespace). Exit 0 pass,
1 fail, 77 skip.
"""
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402

LIAR = "127.0.0.5"
REASON = re.compile(rf"^server {re.escape(LIAR)}: falseticker \(\+3599\.\d s from the majority\)$",
                    re.M)
LINE = re.compile(rf"^server {re.escape(LIAR)}, stratum 2, offset \+3(599\.9|600\.0)\d*, ", re.M)


def views(text):
    """{view: its text}: the demo's parts, each after a '$ tset ...' line."""
    out = {}
    for part in re.split(r"^\$ ", text, flags=re.M)[1:]:
        head = part.split("\n", 1)[0]
        key = ("-j" if head.startswith("tset -q -j") else "-d" if head.startswith("tset -d")
               else "-q" if head.startswith("tset -q") else "shim")
        out[key] = part
    return out


def main():
    if len(sys.argv) != 3:
        print("usage: test_demo.py PATH/TO/scripts/demo BUILD_DIR", file=sys.stderr)
        return 2
    demo, build = (os.path.abspath(a) for a in sys.argv[1:])

    def body(s):
        env = dict(os.environ, TSET_BUILD=build)
        # one pipe for both: each view's stderr lines stay in that view
        r = subprocess.run([demo], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=120, env=env, stdin=subprocess.DEVNULL,
                           preexec_fn=h._pdeathsig)
        print(r.stdout)
        v = views(r.stdout)
        h.check(r.returncode == 0 and set(v) == {"-q", "-d", "-j", "shim"},
                f"the demo runs its four views, exit 0 ({r.returncode}, {sorted(v)})")
        q = v.get("-q", "")
        h.check(LINE.search(q) and REASON.search(q),
                "-q: the liar's line on stdout, 'falseticker (+3599.x s from the majority)'")
        row = [x for x in v.get("-d", "").splitlines() if x.startswith(LIAR + " ")]
        h.check(row and row[0].split()[-1] == "falseticker",
                f"-d: the table says falseticker ({row})")
        m = re.search(r"^\{.*?^  \"exit\": \d+\}", v.get("-j", ""), re.M | re.S)
        try:
            doc = json.loads(m.group(0)) if m else {}
        except ValueError:
            doc = {}
        state = h.servers_by_address(doc).get(LIAR, {}).get("state")
        h.check(state == "falseticker" and doc.get("exit") == 0,
                f"-j: state falseticker, exit 0 ({state}, {doc.get('exit')})")
        shim = v.get("shim", "")
        step = re.search(r"^  step (\d+)$", shim, re.M)
        h.check(LINE.search(shim) and REASON.search(shim),
                "under the shim: the liar's line and 'falseticker (...)' again")
        h.check(step and abs(int(step.group(1)) * 1e-9 - 0.25) < 0.01,
                f"under the shim: the clock stepped by the majority's 0.25 s "
                f"({step.group(1) if step else None} ns)")

    return h.main(body, root="a network namespace for 127.0.0.2-5")


if __name__ == "__main__":
    sys.exit(main())
