# SPDX-License-Identifier: BSD-2-Clause
"""checklist: the named checks of a test script, one line each ("ok" or
"FAIL" and what was checked), and the exit status they add up to."""

failures = []


def check(ok, what):
    """Record and print one check; returns ok."""
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
    return ok


def status():
    """The exit status: 0 when every check passed, else 1 (said so)."""
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0
