#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The Debian packages: built from a copy of the tree, lintian-clean,
installed, removed and purged in a scratch root.

    test_deb.py SOURCE_DIR

- one version and one list: debian/changelog's version is meson.build's;
  every library a meson.build asks pkg-config for comes from a package of
  debian/control's Build-Depends (the list scripts/deps installs);
- `dpkg-buildpackage -b -us -uc` (DEB_BUILD_OPTIONS=nocheck: the unit
  suites already ran) in a copy of the tree in a temporary directory, so
  nothing lands beside the checkout; lintian on the .changes: no error, no
  warning;
- `dpkg --root` into an empty directory (maintainer scripts run outside
  it, with DPKG_ROOT, as dpkg does for such roots): every file where the
  packages say, the conffiles, tset.service enabled and nothing else, the
  user tsetd made; `systemd-analyze verify` and `security --offline` on the
  installed units (test_install's checks);
- `dpkg -r`: nothing but the conffiles (and the enablement, kept for a
  reinstall) stays; `dpkg -P`: nothing but what policy leaves, the system
  user, and /run, which is gone at the next boot.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, status  # noqa: E402
import test_install  # noqa: E402

UNITDIR = "/lib/systemd/system"
# What each package installs (changelog, copyright and the .gz of the man
# pages are added by debhelper); True: executable.
FILES = {
    "tset": {
        "/usr/sbin/tset": True, "/usr/libexec/tset/tset-hook": True,
        "/etc/NetworkManager/dispatcher.d/90-tset": True,
        "/etc/default/tset": False, "/etc/tset.conf": False,
        f"{UNITDIR}/tset.service": False, f"{UNITDIR}/tset-resync.service": False,
        f"{UNITDIR}/tset.timer": False, "/usr/lib/tmpfiles.d/tset.conf": False,
        "/usr/share/doc/tset/examples/50-tset-networkd": True,
        "/usr/share/doc/tset/examples/tset-ifupdown": True,
        "/usr/share/doc/tset/examples/tset.cron": False,
        "/usr/share/doc/tset/examples/ntp.conf": False,
        "/usr/share/doc/tset/copyright": False, "/usr/share/doc/tset/changelog.gz": False,
        "/usr/share/doc/tset/README.Debian": False,
        "/usr/share/man/man8/tset.8.gz": False, "/usr/share/man/man5/tset.conf.5.gz": False,
    },
    "tsetd": {
        "/usr/sbin/tsetd": True, "/etc/tsetd.conf": False,
        f"{UNITDIR}/tsetd.service": False, f"{UNITDIR}/tsetd.socket": False,
        "/usr/lib/sysusers.d/tsetd.conf": False,
        "/usr/share/doc/tsetd/examples/tsetd.conf": False,
        "/usr/share/doc/tsetd/examples/tsetd-bind.conf": False,
        "/usr/share/doc/tsetd/copyright": False, "/usr/share/doc/tsetd/changelog.gz": False,
        "/usr/share/doc/tsetd/README.Debian": False,
        "/usr/share/man/man8/tsetd.8.gz": False,
    },
}
CONFFILES = {
    "tset": {"/etc/NetworkManager/dispatcher.d/90-tset", "/etc/default/tset", "/etc/tset.conf"},
    "tsetd": {"/etc/tsetd.conf"},
}
# enabled at installation, or left to the admin
ENABLED = {"tset.service": "enabled", "tset.timer": "disabled",
           "tset-resync.service": "static", "tsetd.service": "disabled",
           "tsetd.socket": "disabled"}
# What a purge may leave: the system user (Debian leaves system users, as
# files they owned may remain), /run (a tmpfs: gone at the next boot), and
# the directories of systemd and deb-systemd-helper, which a real system
# has anyway.
PURGE_LEFT_FILES = {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow",
                    "/etc/.pwd.lock"}
PURGE_LEFT_DIRS = {"/etc", "/etc/systemd", "/etc/systemd/system", "/var/lib/systemd",
                   "/var/lib/systemd/deb-systemd-helper-enabled"}


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def main():
    src = sys.argv[1]
    need = ["dpkg-buildpackage", "dpkg-checkbuilddeps", "dpkg-parsechangelog", "lintian",
            "dpkg", "pkg-config", "meson"]
    missing = [p for p in need if shutil.which(p) is None]
    if missing:
        print(f"skip: {', '.join(missing)} missing (packages dpkg-dev, lintian: scripts/deps)")
        return 77
    p = run(["dpkg-checkbuilddeps"], cwd=src)
    if p.returncode != 0:
        print(f"skip: the Build-Depends are not installed (scripts/deps): {p.stderr.strip()}")
        return 77
    check_one_source(src)
    tmp = tempfile.mkdtemp(prefix="test_deb.")
    try:
        debs = build(src, tmp)
        if debs:
            install_remove_purge(debs, os.path.join(tmp, "root"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return status()


def build_depends(src):
    """debian/control's Build-Depends, package names only."""
    with open(os.path.join(src, "debian", "control")) as f:
        text = f.read()
    m = re.search(r"^Build-Depends:(.*?)(?=^\S)", text, re.M | re.S)
    names = set()
    for item in (m.group(1) if m else "").split(","):
        for alt in item.split("|"):
            name = re.sub(r"[\s(\[<].*", "", alt.strip(), flags=re.S)
            if name:
                names.add(name)
    return names


def check_one_source(src):
    p = run(["meson", "introspect", "--projectinfo", os.path.join(src, "meson.build")])
    version = json.loads(p.stdout)["version"] if p.returncode == 0 else None
    p = run(["dpkg-parsechangelog", "-l", os.path.join(src, "debian", "changelog"),
             "-S", "Version"])
    check(version and p.stdout.strip() == version,
          f"debian/changelog's version ({p.stdout.strip()}) is meson.build's ({version})")

    deps = build_depends(src)
    wanted = set()
    for mb in glob.glob(os.path.join(src, "**", "meson.build"), recursive=True):
        with open(mb) as f:
            text = f.read()
        # what the build asks pkg-config for (threads: the compiler's own;
        # required : false: used when there, never needed)
        for m in re.finditer(r"dependency\('([^']+)'([^)]*)\)", text):
            if m.group(1) != "threads" and "required : false" not in m.group(2):
                wanted.add(m.group(1))
    check(wanted, f"meson.build asks pkg-config for: {' '.join(sorted(wanted))}")
    for name in sorted(wanted):
        p = run(["pkg-config", "--path", name])
        path = p.stdout.strip()
        owner = run(["dpkg", "-S", path]).stdout.split(":")[0] if path else ""
        check(owner in deps,
              f"pkg-config {name}: {path or 'not found'} is in package {owner or '?'}, "
              "which debian/control's Build-Depends names")


def copy_tree(src, dest):
    """The sources as git knows them (tracked or new, not ignored), else
    everything but build directories."""
    p = run(["git", "-C", src, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]) \
        if os.path.exists(os.path.join(src, ".git")) and shutil.which("git") else None
    if p is not None and p.returncode == 0:
        for rel in filter(None, p.stdout.split("\0")):
            s = os.path.join(src, rel)
            if not os.path.lexists(s):
                continue  # deleted, not yet committed
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy2(s, os.path.join(dest, rel), follow_symlinks=False)
    else:
        shutil.copytree(src, dest, symlinks=True, dirs_exist_ok=True,
                        ignore=lambda d, names: [n for n in names if d == src and (
                            n.startswith("build") or n == ".git")])


def build(src, tmp):
    tree = os.path.join(tmp, "tset")
    os.makedirs(tree)
    copy_tree(src, tree)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ASAN_", "UBSAN_", "MESON_", "DEB_", "DH_"))
           and k not in ("LD_PRELOAD", "MALLOC_PERTURB_")}
    env["DEB_BUILD_OPTIONS"] = "nocheck parallel=2"
    p = run(["dpkg-buildpackage", "-b", "-us", "-uc"], cwd=tree, env=env, timeout=900)
    check(p.returncode == 0, "dpkg-buildpackage -b -us -uc: builds"
          + ("" if p.returncode == 0 else f": exit {p.returncode}\n{(p.stdout + p.stderr)[-3000:]}"))
    changes = glob.glob(os.path.join(tmp, "*.changes"))
    debs = {name: os.path.join(tmp, f) for f in os.listdir(tmp)
            for name in FILES if re.fullmatch(rf"{name}_[^_]+_[^_]+\.deb", f)}
    check(len(changes) == 1 and sorted(debs) == sorted(FILES),
          f"built: {' '.join(sorted(os.path.basename(x) for x in debs.values()))}")
    if len(changes) != 1:
        return None
    p = run(["lintian", changes[0]], timeout=600)
    said = [line for line in p.stdout.splitlines() if line.strip()]
    print("lintian: " + ("\n  ".join(said) if said else "(nothing)"))
    bad = [line for line in said if re.match(r"[EW]: ", line)]
    check(p.returncode == 0 and not bad, "lintian: no error, no warning"
          + ("" if not bad else ":\n  " + "\n  ".join(bad)))
    return debs if sorted(debs) == sorted(FILES) else None


def tree_of(root):
    """Every path under root, as an absolute path inside it: is-a-dir."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            full = os.path.join(d, n)
            out["/" + os.path.relpath(full, root)] = os.path.isdir(full) and \
                not os.path.islink(full)
    return out


def dpkg(root, *args):
    """dpkg on the scratch root; checked: it succeeded (what it said, if not)."""
    # its log beside the root, not the host's /var/log/dpkg.log
    argv = ["dpkg", f"--root={root}", f"--log={root}.dpkg.log", "--force-script-chrootless",
            "--force-depends"]
    if os.geteuid() != 0:
        argv.append("--force-not-root")
    p = run(argv + list(args), timeout=300)
    check(p.returncode == 0, f"dpkg --root {' '.join(os.path.basename(a) for a in args)}"
          + (": done" if p.returncode == 0 else f": exit {p.returncode}\n{p.stderr[-1500:]}"))


def install_remove_purge(debs, root):
    admin = os.path.join(root, "var", "lib", "dpkg")
    for d in ("info", "updates", "triggers"):
        os.makedirs(os.path.join(admin, d))
    for f in ("status", "available"):
        open(os.path.join(admin, f), "w").close()
    before = tree_of(root)

    dpkg(root, "-i", debs["tset"], debs["tsetd"])
    for pkg, files in FILES.items():
        for path, executable in sorted(files.items()):
            full = root + path
            ok = os.path.isfile(full) and (not executable or os.access(full, os.X_OK))
            check(ok, f"{pkg}: {path}{' (executable)' if executable else ''}")
        p = run(["dpkg-query", f"--admindir={admin}", "-W", "-f=${Conffiles}", pkg])
        conffiles = {line.split()[0] for line in p.stdout.splitlines() if line.strip()}
        check(conffiles == CONFFILES[pkg],
              f"{pkg}: conffiles {' '.join(sorted(conffiles))}")
    for unit, state in ENABLED.items():
        p = run(["systemctl", f"--root={root}", "is-enabled", unit])
        check(p.stdout.strip() == state, f"{unit}: {state} ({p.stdout.strip()})")
    # systemctl cat, which cannot take --root
    p = run(["systemd-analyze", f"--root={root}", "cat-config", "systemd/system/tset.service"])
    check(p.returncode == 0 and "ExecStart=/usr/sbin/tset " in p.stdout,
          "systemd-analyze cat-config systemd/system/tset.service: runs /usr/sbin/tset")
    try:
        with open(os.path.join(root, "etc", "passwd")) as f:
            users = [line.rstrip("\n").split(":") for line in f]
    except FileNotFoundError:
        users = []
    check(any(u[0] == "tsetd" and u[-1] == "/usr/sbin/nologin" for u in users),
          "the system user tsetd (systemd-sysusers), without a login shell")
    # verify in a copy: it adds the host's units beside ours
    verify = root + ".verify"
    shutil.copytree(root, verify, symlinks=True)
    test_install.check_with_systemd(verify, UNITDIR)
    shutil.rmtree(verify, ignore_errors=True)

    dpkg(root, "-r", "tset", "tsetd")
    conffiles = set().union(*CONFFILES.values())
    after = tree_of(root)
    stayed = sorted(p for pkg in FILES.values() for p in pkg
                    if p in after and p not in conffiles)
    check(not stayed, f"removed: every file but the conffiles is gone ({' '.join(stayed)})")
    check(all(c in after for c in conffiles), "removed: the conffiles stay")

    dpkg(root, "-P", "tset", "tsetd")
    after = tree_of(root)
    left = sorted(path for path, isdir in after.items()
                  if path not in before and not path.startswith(("/var/lib/dpkg/", "/run/"))
                  and path != "/run"
                  and not (isdir and path in PURGE_LEFT_DIRS)
                  and not (not isdir and path in PURGE_LEFT_FILES))
    check(not left, f"purged: nothing left but the system user and /run ({' '.join(left)})")


if __name__ == "__main__":
    sys.exit(main())
