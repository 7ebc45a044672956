#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The man pages are the user's contract: they must say what the code does.

    test_manpages.py TSET TSETD DIRECTIVES MANDIR SRCROOT

- every flag in a program's usage (what `-h` prints) is in its page's
  SYNOPSIS and has an entry under OPTIONS, and every flag there is in the
  usage;
- every directive of the config parser's table (printed by DIRECTIVES) is
  in tset.conf(5): tset's own with an entry of their own under
  DIRECTIVES, the others in the list of directives tset skips; tsetd's
  have an entry, or a mention, in tsetd(8); every entry under tset.conf(5)
  DIRECTIVES is a directive the parser knows;
- nothing in the source tree refers to documents outside the repository.

The lists come from the programs and the parser, never from a copy here.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, status  # noqa: E402


# ---- usage ----------------------------------------------------------------

def usage_flags(exe):
    """The flags in what `exe -h` prints: "[-46bB]" is a bundle of single
    letters, "-c file" one letter with an argument, "--help" a long one."""
    out = subprocess.run([exe, "-h"], capture_output=True, text=True, timeout=10)
    text = out.stdout
    if out.returncode != 0 or "usage:" not in text:
        sys.exit(f"{exe} -h: exit {out.returncode}, printed {text!r} {out.stderr!r}")
    flags = set()
    for bundle in re.findall(r"\[-([A-Za-z0-9]{2,})\]", text):
        flags.update("-" + c for c in bundle)
    flags.update("-" + c for c in re.findall(r"(?<![\w-])-([A-Za-z0-9])(?![\w-])", text))
    flags.update("--" + w for w in re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", text))
    return flags


# ---- mdoc -----------------------------------------------------------------

def sections(path):
    """{section name: [lines]} of an mdoc page, .Sh by .Sh."""
    out, name = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(".Sh "):
                name = line[4:].strip()
                out[name] = []
            elif name:
                out[name].append(line)
    return out


def fl_flags(line):
    """The flags a line names with Fl: "Fl 46bB" is a bundle of letters,
    "Fl c" one letter, "Fl -help" a long option."""
    flags = set()
    toks = line.split()
    for i, tok in enumerate(toks[:-1]):
        if tok not in ("Fl", ".Fl"):
            continue
        arg = toks[i + 1]
        if arg.startswith("-"):
            flags.add("-" + arg)
        elif re.fullmatch(r"[A-Za-z0-9]+", arg):
            flags.update("-" + c for c in arg)
    return flags


def subsection(lines, name):
    """The lines of one .Ss of a section."""
    out, on = [], False
    for line in lines:
        if line.startswith(".Ss "):
            on = line[4:].strip() == name
        elif on:
            out.append(line)
    return out


def top_items(lines):
    """The .It lines of the outermost list of a section."""
    depth, items = 0, []
    for line in lines:
        if line.startswith(".Bl"):
            depth += 1
        elif line.startswith(".El"):
            depth -= 1
        elif line.startswith(".It") and depth == 1:
            items.append(line)
    return items


def ic_words(line):
    """Names a line marks with Ic: the first word after each Ic, and each
    word after a comma that follows ("Ic a , b Ar x , Ic c" names a, b, c;
    "Ic disable kernel" names disable: kernel is its argument)."""
    words, on, take = set(), False, False
    for tok in line.split():
        if tok in ("Ic", ".Ic"):
            on, take = True, True
        elif not on:
            continue
        elif tok == ",":
            take = True
        elif take and re.fullmatch(r"[a-z][a-z0-9]*", tok):
            words.add(tok)
            take = False
        elif re.fullmatch(r"[A-Z][a-z][a-z]?", tok):
            on = False  # another macro: Ar, Op, No, Pq ...
        else:
            take = False
    return words


def item_names(line):
    """The directives an entry (.It line) names: the word after an Ic that
    opens the line or follows a comma, and each word after a further comma
    (".It Ic keys Ar file , Ic trustedkey" names keys and trustedkey;
    "Oo Ic step Ar s Oc" inside it is a key of the directive, not one)."""
    toks, names = line.split(), set()
    for i, tok in enumerate(toks[:-1]):
        if tok == "Ic" and (i == 1 or toks[i - 1] == ","):
            j = i + 1
            while j < len(toks) and re.fullmatch(r"[a-z][a-z0-9]*", toks[j]):
                names.add(toks[j])
                if j + 2 < len(toks) and toks[j + 1] == ",":
                    j += 2
                else:
                    break
    return names


def check_page_flags(prog, exe, page):
    usage = usage_flags(exe)
    sec = sections(page)
    synopsis = set().union(*map(fl_flags, sec.get("SYNOPSIS", [])))
    options = set().union(*map(fl_flags, top_items(sec.get("OPTIONS", []))))
    check(usage != set(), f"{prog}: usage names flags ({' '.join(sorted(usage))})")
    check(not usage - synopsis,
          f"{prog}: every usage flag is in the SYNOPSIS of {os.path.basename(page)}"
          f" (missing: {' '.join(sorted(usage - synopsis)) or 'none'})")
    check(not synopsis - usage,
          f"{prog}: every SYNOPSIS flag is in the usage"
          f" (missing: {' '.join(sorted(synopsis - usage)) or 'none'})")
    check(not usage - options,
          f"{prog}: every usage flag has an entry under OPTIONS"
          f" (missing: {' '.join(sorted(usage - options)) or 'none'})")
    check(not options - usage,
          f"{prog}: every flag under OPTIONS is in the usage"
          f" (extra: {' '.join(sorted(options - usage)) or 'none'})")


def check_directives(directives_exe, conf5, tsetd8):
    out = subprocess.run([directives_exe], capture_output=True, text=True, check=True)
    table = dict(line.split() for line in out.stdout.splitlines())
    check(len(table) > 10, f"the parser's table has {len(table)} directives")
    sec = sections(conf5)
    entries = set().union(*map(item_names, top_items(sec.get("DIRECTIVES", []))))
    everywhere = set().union(*(ic_words(l) for lines in sec.values() for l in lines))
    own = {d for d, use in table.items() if use in ("tset", "both")}
    check(not own - entries,
          "tset.conf(5): each directive tset reads has an entry under DIRECTIVES"
          f" (missing: {' '.join(sorted(own - entries)) or 'none'})")
    stray = {w for w in entries if w not in table}
    check(not stray,
          "tset.conf(5): every entry under DIRECTIVES is a directive the parser knows"
          f" (unknown: {' '.join(sorted(stray)) or 'none'})")
    rest = set(table) - own
    check(not rest - everywhere,
          "tset.conf(5): each directive tset skips is named"
          f" (missing: {' '.join(sorted(rest - everywhere)) or 'none'})")
    skipped = set().union(*map(ic_words, subsection(sec.get("DIRECTIVES", []),
                                                    "Directives tset skips")))
    check(skipped and not skipped - rest,
          "tset.conf(5): the list of what tset skips holds nothing tset reads"
          f" (wrong: {' '.join(sorted(skipped - rest)) or 'none'})")
    d8 = sections(tsetd8)
    d8_words = set().union(*(ic_words(l) for lines in d8.values() for l in lines))
    tsetd = {d for d, use in table.items() if use in ("tsetd", "both")}
    check(not tsetd - d8_words,
          "tsetd(8): each directive tsetd reads is named"
          f" (missing: {' '.join(sorted(tsetd - d8_words)) or 'none'})")


def check_self_contained(root):
    """No file refers to the design notes that live outside the repository."""
    pat = re.compile(r"\.\./shared\b|\b(?:CONTRACT|DESIGN|STYLE)\.md\b")
    hits = []
    for top, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs
                   if not d.startswith((".git", "build")) and d != "corpus"]
        for name in files:
            path = os.path.join(top, name)
            try:
                with open(path, encoding="utf-8") as f:
                    for n, line in enumerate(f, 1):
                        if pat.search(line):
                            hits.append(f"{os.path.relpath(path, root)}:{n}")
            except (UnicodeDecodeError, OSError):
                continue
    check(not hits, "no file refers to documents outside the repository"
          f" ({', '.join(hits[:10]) or 'none'})")


def main():
    tset, tsetd, directives, mandir, root = sys.argv[1:6]
    check_page_flags("tset", tset, os.path.join(mandir, "tset.8"))
    check_page_flags("tsetd", tsetd, os.path.join(mandir, "tsetd.8"))
    check_directives(directives, os.path.join(mandir, "tset.conf.5"),
                     os.path.join(mandir, "tsetd.8"))
    check_self_contained(root)
    return status()


if __name__ == "__main__":
    sys.exit(main())
