#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""coverage.py [BUILD_DIR]: the lines that the committed fuzz corpora reach.

Builds the replay binaries (tests/fuzz/meson.build: every test of the suite
fuzz-replay, a fuzz target over its corpus) with clang's source-based
coverage in BUILD_DIR (default build-cov, set up when missing), runs them
over tests/fuzz/corpus/, merges the profiles with llvm-profdata and prints,
with llvm-cov, the line coverage of each file and function that a fuzz
target guards. Exits 1 when one of them is below COVERAGE_MIN percent
(default 90). Needs clang and LLVM's tools of the same version (Debian's
llvm-14: llvm-profdata-14, llvm-cov-14; LLVM_PROFDATA and LLVM_COV
override).
"""
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLAGS = "-fprofile-instr-generate -fcoverage-mapping"

# (row, files whose lines add up, held to the minimum) and (row, function).
# A row not held to it is printed for information: refclock.c also holds
# the SHM reference and the connection to gpsd, which no target feeds;
# gpsclient.c is fed by fuzz_gps (gpsd's JSON through libgps) except its
# socket code (connect, read): its line handling is held to the minimum
# function by function.
FILES = [
    ("src/ntp_pkt.c", ["src/ntp_pkt.c"], True),
    ("the config parser (src/config*.c)",
     ["src/config.c", "src/config_server.c", "src/config_tset.c", "src/config_tsetd.c",
      "src/config_file.c"], True),
    ("src/keys.c", ["src/keys.c"], True),
    ("src/nts_ke.c", ["src/nts_ke.c"], True),
    ("src/nts_ntp.c", ["src/nts_ntp.c"], True),
    ("src/ntp_auth.c", ["src/ntp_auth.c"], True),
    ("src/crypto.c", ["src/crypto.c"], True),
    ("src/responder/handle.c", ["src/responder/handle.c"], True),
    ("src/responder/ratelimit.c", ["src/responder/ratelimit.c"], True),
    ("src/responder/refclock.c", ["src/responder/refclock.c"], False),
    ("src/responder/gpsclient.c", ["src/responder/gpsclient.c"], False),
    ("src/responder/refgps.c", ["src/responder/refgps.c"], True),
    ("src/oneshot/opts.c", ["src/oneshot/opts.c"], True),
]
FUNCTIONS = [
    ("query_check_reply (src/oneshot/query.c)", "query_check_reply"),
    # what gpsclient.c does with what it read (the rest is the socket)
    ("gpsclient_take_lines (gpsclient.c)", "gpsclient_take_lines"),
    ("gpsclient_line (gpsclient.c)", "gpsclient_line"),
    ("gpsclient_decode (gpsclient.c)", "gpsclient_decode"),
    ("gpsclient_feed (gpsclient.c)", "gpsclient_feed"),
]


def tool(env, name):
    for cand in (os.environ.get(env), name + "-14", name):
        if cand and shutil.which(cand):
            return cand
    sys.exit(f"coverage: no {name} (apt-get install llvm-14)")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def setup(build):
    if not os.path.isdir(build):
        env = dict(os.environ, CC="clang")
        run(["meson", "setup", build, "--buildtype=debug", f"-Dc_args={FLAGS}",
             f"-Dc_link_args={FLAGS}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    opts = json.loads(run(["meson", "introspect", build, "--buildoptions"], cwd=ROOT,
                          capture_output=True).stdout)
    c_args = next((o["value"] for o in opts if o["name"] == "c_args"), [])
    if "-fcoverage-mapping" not in c_args:
        sys.exit(f"coverage: {build} is not a coverage build (c_args: {c_args})")


def replay_tests(build):
    tests = json.loads(run(["meson", "introspect", build, "--tests"], cwd=ROOT,
                           capture_output=True).stdout)
    return [t for t in tests if any(s.endswith(":fuzz-replay") for s in t["suite"])]


def collect(build, tests):
    """Run every replay test with a profile of its own; return the merged profile."""
    out = os.path.join(ROOT, build, "coverage")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    run(["meson", "compile", "-C", build] + [t["name"] for t in tests], cwd=ROOT,
        stdout=subprocess.DEVNULL)
    for t in tests:
        env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(out, t["name"] + "-%p.profraw"))
        r = subprocess.run(t["cmd"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
        if r.returncode != 0:
            sys.exit(f"coverage: {t['name']} failed (exit status {r.returncode})")
        print(f"{t['name']}: {(r.stdout.strip().splitlines() or [''])[-1]}")
    raws = [os.path.join(out, f) for f in sorted(os.listdir(out)) if f.endswith(".profraw")]
    merged = os.path.join(out, "corpora.profdata")
    run([tool("LLVM_PROFDATA", "llvm-profdata"), "merge", "-sparse", "-o", merged] + raws)
    return merged


def objects(tests):
    bins = [t["cmd"][0] for t in tests]
    return bins[:1] + [a for b in bins[1:] for a in ("-object", b)]


def file_lines(build, profile, tests):
    """{repository path: (lines, missed)} from llvm-cov report."""
    text = run([tool("LLVM_COV", "llvm-cov"), "report", "-instr-profile", profile] +
               objects(tests), cwd=os.path.join(ROOT, build), capture_output=True).stdout
    lines = {}
    for row in text.splitlines():
        f = row.split()
        # Filename, regions (3), functions (3), lines: count, missed, cover
        if len(f) >= 10 and f[7].isdigit() and f[8].isdigit():
            path = os.path.relpath(os.path.normpath(os.path.join(ROOT, build, f[0])), ROOT)
            lines[path] = (int(f[7]), int(f[8]))
    return lines


def function_lines(build, profile, tests, name):
    """(lines, missed) of one function: its lines that carry a count in llvm-cov show."""
    text = run([tool("LLVM_COV", "llvm-cov"), "show", "-instr-profile", profile,
                f"-name={name}"] + objects(tests), cwd=os.path.join(ROOT, build),
               capture_output=True).stdout
    total = missed = 0
    for row in text.splitlines():
        m = re.match(r"^\s*\d+\|\s*([0-9.]+[kMGTPE]?)\|", row)
        if m:
            total += 1
            missed += m.group(1) == "0"
    return total, missed


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build-cov"
    minimum = float(os.environ.get("COVERAGE_MIN", "90"))
    setup(build)
    tests = replay_tests(build)
    if not tests:
        sys.exit(f"coverage: no fuzz-replay tests in {build}")
    profile = collect(build, tests)
    per_file = file_lines(build, profile, tests)
    rows = []
    for label, files, gated in FILES:
        missing = [f for f in files if f not in per_file]
        if missing:
            sys.exit(f"coverage: no replay target reaches {', '.join(missing)}")
        rows.append((label, sum(per_file[f][0] for f in files),
                     sum(per_file[f][1] for f in files), gated))
    for label, function in FUNCTIONS:
        total, missed = function_lines(build, profile, tests, function)
        if total == 0:
            sys.exit(f"coverage: no replay target reaches {function}")
        rows.append((label, total, missed, True))
    print()
    print(f"{'line coverage of the fuzz corpora':<44} {'lines':>6} {'missed':>7} {'cover':>7}")
    low = []
    for label, total, missed, gated in rows:
        pct = 100.0 * (total - missed) / total
        mark = "" if pct >= minimum else f"  below {minimum:g}%"
        if mark and not gated:
            mark = "  (for information)"
        print(f"{label:<44} {total:>6} {missed:>7} {pct:>6.1f}%{mark}")
        if mark and gated:
            low.append(label)
    if low:
        print(f"coverage: {len(low)} below {minimum:g}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
