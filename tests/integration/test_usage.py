#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The command line's own words: -h/--help, -V/--version, bad options.

    test_usage.py PATH/TO/tset PATH/TO/tsetd MAN/tset.8 MAN/tsetd.8

For each program: -h and --help print the same text on stdout and exit 0;
its first lines are the SYNOPSIS of the man page (as mandoc renders it,
word for word), then one line per option, each flag of the SYNOPSIS and
of OPTIONS once, with the argument name the SYNOPSIS gives it; -V and
--version print "NAME VERSION" on stdout and exit 0. An unknown short or
long option, a missing argument and an argument to --help exit 2 with
nothing on stdout and one line on stderr that names the program (not the
path it was run by) and the option as it was written, then the synopsis.
No root, no network. Exit 0 pass, 1 fail, 77 skip (no mandoc).
"""
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness as h  # noqa: E402
from harness import check, note  # noqa: E402


def run(prog, *args):
    return subprocess.run([prog] + list(args), capture_output=True, text=True, timeout=10,
                          stdin=subprocess.DEVNULL)


def man_section(mandoc, man, name):
    """The text of section `name` of a man page, as mandoc renders it."""
    out = subprocess.run([mandoc, "-T", "ascii", "-O", "width=200", man], capture_output=True,
                         text=True, check=True).stdout
    out = re.sub(".\b", "", out)  # overstrike (bold, underline)
    m = re.search(rf"^{name}\n(.*?)^\S", out, re.M | re.S)
    return m.group(1) if m else ""


def synopsis_flags(synopsis):
    """{flag: argument name or None} of a rendered SYNOPSIS."""
    flags = {}
    for m in re.finditer(r"-(-?[A-Za-z0-9]+)(?: ([a-z][a-z:\[\]-]*[a-z\]]))?", synopsis):
        word, arg = m.group(1), m.group(2)
        while arg and arg.count("]") > arg.count("["):  # the bracket of [-c file]
            arg = arg[:-1]
        if word.startswith("-"):
            flags["-" + word] = None
        elif arg is None or len(word) > 1:  # a cluster of flags: -46bB...
            flags.update({"-" + c: None for c in word})
        else:
            flags["-" + word] = arg
    return flags


def option_flags(options):
    """The flags that OPTIONS describes (each .It line: -x, -x | -y, -h, --help)."""
    out = set()
    for line in options.splitlines():
        if re.match(r"^ {5}-", line):
            out.update(re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)", line))
    return out


def help_lines(text):
    """{flag: (argument or None, the line)} of the option lines of a help text."""
    out, twice = {}, []
    for line in text.splitlines():
        m = re.match(r"^  (-\w)(?:, (--\w+))?(?: ([a-z][\w:\[\]-]*))?  +\S", line)
        if m:
            for f in filter(None, (m.group(1), m.group(2))):
                if f in out:
                    twice.append(f)
                out[f] = (m.group(3), line)
    return out, twice


def test_help(name, prog, mandoc, man):
    synopsis = " ".join(man_section(mandoc, man, "SYNOPSIS").split())
    options = man_section(mandoc, man, "OPTIONS")
    r, r2 = run(prog, "--help"), run(prog, "-h")
    check(r.returncode == 0 and r.stderr == "" and r.stdout,
          f"{name} --help: exit 0, on stdout, nothing on stderr ({r.returncode}, {r.stderr!r})")
    check(r2.returncode == 0 and r2.stdout == r.stdout, f"{name} -h: the same text, exit 0")
    head = r.stdout.split("\n\n")[0]
    check(" ".join(head.split()) == "usage: " + synopsis,
          f"{name} --help begins with the SYNOPSIS of {os.path.basename(man)} word for word "
          f"({head.splitlines()[:1]} vs {synopsis[:60]!r}...)")
    lines, twice = help_lines(r.stdout)
    check(not twice, f"{name} --help: no flag on two lines ({twice})")
    flags = synopsis_flags(synopsis)
    documented = option_flags(options)
    note(f"{name}: synopsis {sorted(flags)}; options {sorted(documented)}; help {sorted(lines)}")
    check(set(lines) == set(flags) | documented,
          f"{name} --help: one line for every flag of the SYNOPSIS and of OPTIONS, and no "
          f"other (missing {sorted((set(flags) | documented) - set(lines))}, extra "
          f"{sorted(set(lines) - set(flags) - documented)})")
    wrong = [f for f, arg in flags.items() if f in lines and lines[f][0] != arg]
    check(not wrong, f"{name} --help: each flag's argument named as in the SYNOPSIS ({wrong})")
    for args in (["-V"], ["--version"]):
        r = run(prog, *args)
        check(r.returncode == 0 and re.fullmatch(rf"{name} \S+\n", r.stdout) and not r.stderr,
              f"{name} {args[0]}: '{name} VERSION' on stdout, exit 0 ({r.returncode}, "
              f"{r.stdout!r})")


def test_bad_options(name, prog, letter_with_arg):
    cases = (
        (["--foo"], f"{name}: unknown option --foo"),
        (["--foo=1"], f"{name}: unknown option --foo"),
        (["-Z"], f"{name}: unknown option -Z"),
        (["-nZ"], f"{name}: unknown option -Z"),
        ([f"-{letter_with_arg}"], f"{name}: option -{letter_with_arg} needs an argument"),
        (["--help=1"], f"{name}: option --help takes no argument"),
    )
    for args, want in cases:
        r = run(prog, *args)
        first = (r.stderr.splitlines() or [""])[0]
        check(r.returncode == 2 and r.stdout == "" and first == want
              and f"usage: {name} [" in r.stderr and prog not in r.stderr,
              f"{name} {' '.join(args)}: exit 2, stderr '{want}' then the synopsis, no path "
              f"({r.returncode}, {r.stderr.splitlines()[:2]})")


def main():
    if len(sys.argv) != 5:
        print("usage: test_usage.py TSET TSETD TSET.8 TSETD.8", file=sys.stderr)
        return 2
    tset, tsetd, tset8, tsetd8 = (os.path.abspath(a) for a in sys.argv[1:])
    mandoc = shutil.which("mandoc")
    if not mandoc:
        return h.skip_exit(h.Skip("mandoc not installed (Debian package mandoc)"))
    test_help("tset", tset, mandoc, tset8)
    test_help("tsetd", tsetd, mandoc, tsetd8)
    test_bad_options("tset", tset, "c")
    test_bad_options("tsetd", tsetd, "c")
    print(f"{h.failures()} failure(s)")
    return 1 if h.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
