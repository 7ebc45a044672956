#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The network hooks, run as NetworkManager, networkd-dispatcher and
ifupdown run them, with a stub systemctl and a stub tset first on PATH.

    test_hooks.py BUILD_UNITS_DIR

They act on the actions that bring a network (up, dhcp4-change,
dhcp6-change, connectivity-change unless the state is NONE; routable;
ifup), pass the servers DHCP supplied in addition to the configured ones,
ignore every other action, return without waiting for the run, never start
two runs at once, and exit 0 whatever happens.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, status  # noqa: E402


def wait_for(cond, deadline_s=20.0):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


STUB_SYSTEMCTL = """#!/bin/sh
echo "$*" >>"$STUB_LOG/systemctl"
exit "${STUB_SYSTEMCTL_EXIT:-0}"
"""

# A tset that records its arguments and the config it was given, then
# waits until the test lets it go (so the test sees whether the hook
# waited for it, and whether a second one starts meanwhile).
STUB_TSET = """#!/bin/sh
conf=
prev=
for a in "$@"; do
	[ "$prev" = -c ] && conf=$a
	prev=$a
done
{ echo "$*"; [ -n "$conf" ] && cat "$conf"; echo "--"; } >>"$STUB_LOG/tset"
while [ ! -e "$STUB_LOG/release" ]; do sleep 0.05; done
"""


class Env:
    def __init__(self, units):
        self.tmp = tempfile.mkdtemp(prefix="test_hooks.")
        # executable copies, as the packages install them (mode 0755)
        self.units = os.path.join(self.tmp, "hooks")
        os.makedirs(self.units)
        for name in ("tset-hook", "90-tset", "50-tset-networkd", "tset-ifupdown"):
            shutil.copy(os.path.join(units, name), self.units)
            os.chmod(os.path.join(self.units, name), 0o755)
        self.bin = os.path.join(self.tmp, "bin")
        self.log = os.path.join(self.tmp, "log")
        self.run = os.path.join(self.tmp, "run")
        self.systemd = os.path.join(self.tmp, "systemd-system")
        os.makedirs(self.bin)
        os.makedirs(self.log)
        for name, text in (("systemctl", STUB_SYSTEMCTL), ("tset", STUB_TSET)):
            path = os.path.join(self.bin, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        self.conf = os.path.join(self.tmp, "tset.conf")
        with open(self.conf, "w") as f:
            f.write("server 192.0.2.100 iburst\n")
        self.defaults = os.path.join(self.tmp, "default-tset")
        with open(self.defaults, "w") as f:
            f.write(f'TSET_CONFIG={self.conf}\nTSET_OPTIONS="-g"\nTSET_RTC=-w\n'
                    'EVIL=$(touch /tmp/test_hooks_evil)\n')

    def reset(self, systemd=True):
        shutil.rmtree(self.log)
        os.makedirs(self.log)
        shutil.rmtree(self.run, ignore_errors=True)
        if systemd:
            os.makedirs(self.systemd, exist_ok=True)
        else:
            shutil.rmtree(self.systemd, ignore_errors=True)

    def hook(self, script, args, env=None, timeout=10):
        e = {"PATH": self.bin + ":/usr/bin:/bin", "STUB_LOG": self.log,
             "TSET_HOOK": os.path.join(self.units, "tset-hook"),
             "TSET_DEFAULTS": self.defaults, "TSET_RUNDIR": self.run,
             "TSET_BIN": os.path.join(self.bin, "tset"),
             "TSET_SYSTEMD_DIR": self.systemd}
        e.update(env or {})
        p = subprocess.run([os.path.join(self.units, script)] + args, env=e,
                           capture_output=True, text=True, timeout=timeout)
        self.stderr = p.stderr
        return p.returncode

    def read(self, name):
        try:
            with open(os.path.join(self.log if name in ("systemctl", "tset", "release")
                                   else self.run, name)) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def release(self):
        open(os.path.join(self.log, "release"), "w").close()


def test_networkmanager(e):
    nm = "90-tset"
    dhcp = {"DHCP4_NTP_SERVERS": "192.0.2.1 192.0.2.2",
            "DHCP6_DHCP6_NTP_SERVERS": "2001:db8::123"}
    for action in ("up", "dhcp4-change", "dhcp6-change"):
        e.reset()
        rc = e.hook(nm, ["eth0", action], dhcp)
        conf = e.read("dhcp.conf") or ""
        check(rc == 0 and e.read("systemctl") == "start --no-block tset-resync.service\n",
              f"NM {action}: starts tset-resync.service without blocking, exit {rc}")
        check(conf.startswith("server 192.0.2.100 iburst\n")
              and all(f"server {s} iburst\n" in conf
                      for s in ("192.0.2.1", "192.0.2.2", "2001:db8::123")),
              f"NM {action}: the DHCP servers are added to the configured one")
        check(e.read("dhcp.env") == f'TSET_DHCP="-c {e.run}/dhcp.conf"\n',
              f"NM {action}: dhcp.env points tset.service at them")

    e.reset()
    e.hook(nm, ["eth0", "up"], {"DHCP4_NTP_SERVERS": "192.0.2.1"})
    e.hook(nm, ["wlan0", "up"], {"DHCP4_NTP_SERVERS": "192.0.2.9"})
    conf = e.read("dhcp.conf") or ""
    check("server 192.0.2.1 iburst" in conf and "server 192.0.2.9 iburst" in conf,
          "NM: two interfaces' servers are both kept")
    e.hook(nm, ["wlan0", "down"])
    conf = e.read("dhcp.conf") or ""
    check("server 192.0.2.1 iburst" in conf and "192.0.2.9" not in conf
          and e.read("systemctl").count("\n") == 2,
          "NM down: forgets that interface's servers and starts nothing")
    e.hook(nm, ["eth0", "up"])
    check(e.read("dhcp.conf") is None and e.read("dhcp.env") is None,
          "NM up without DHCP servers: only the configured ones are left")

    e.reset()
    rc = e.hook(nm, ["eth0", "up"], {"DHCP4_NTP_SERVERS": "192.0.2.1 $(reboot) a;b -x *"})
    conf = e.read("dhcp.conf") or ""
    check(rc == 0 and conf.count("\nserver ") == 1 and "server 192.0.2.1 iburst" in conf,
          "NM: a DHCP server value that is not a host or an address is dropped")
    check(not os.path.exists("/tmp/test_hooks_evil"),
          "the defaults file is read as KEY=value, never run")

    e.reset()
    e.hook(nm, ["", "connectivity-change"], {"CONNECTIVITY_STATE": "FULL"})
    check(e.read("systemctl") == "start --no-block tset-resync.service\n",
          "NM connectivity-change to FULL: a run")
    e.reset()
    rc = e.hook(nm, ["", "connectivity-change"], {"CONNECTIVITY_STATE": "NONE"})
    check(rc == 0 and e.read("systemctl") is None, "NM connectivity-change to NONE: nothing")

    for action in ("pre-up", "vpn-up", "vpn-down", "hostname", "reapply", "down",
                   "pre-down", "bogus", ""):
        e.reset()
        rc = e.hook(nm, ["eth0", action], dhcp)
        check(rc == 0 and e.read("systemctl") is None and e.read("tset") is None
              and e.read("dhcp.conf") is None,
              f"NM {action or '(no action)'}: nothing started, nothing recorded, exit 0")

    e.reset()
    rc = e.hook(nm, ["eth0", "up"], dict(dhcp, STUB_SYSTEMCTL_EXIT="1"))
    check(rc == 0, "NM: exit 0 when systemctl fails")
    # the package removed, not purged: the hook (a conffile) stays, the helper goes
    for action in ("up", "connectivity-change", "down"):
        rc = e.hook(nm, ["eth0", action], dict(dhcp, TSET_HOOK="/nonexistent/tset-hook"))
        check(rc == 0 and e.stderr == "",
              f"NM {action}: exit 0, silently, when the helper is missing ({e.stderr!r})")


def test_without_systemd(e):
    e.reset(systemd=False)
    rc = e.hook("90-tset", ["eth0", "up"], {"DHCP4_NTP_SERVERS": "192.0.2.1"})
    started = wait_for(lambda: "--\n" in (e.read("tset") or ""))  # its record complete
    check(rc == 0 and started and e.read("systemctl") is None,
          "no systemd: a detached tset, and the hook returned while it still runs")
    first = e.read("tset") or ""
    check(first.startswith(f"-s -c {e.run}/dhcp.conf -g -w\n")
          and "server 192.0.2.100 iburst" in first and "server 192.0.2.1 iburst" in first,
          "no systemd: tset gets the defaults' options and the configured + DHCP servers")
    rc = e.hook("90-tset", ["eth0", "dhcp4-change"], {"DHCP4_NTP_SERVERS": "192.0.2.1"})
    # a second tset would have written within a second; its absence is the
    # check (a slower machine can only miss the defect, never fail here)
    time.sleep(1.0)
    check(rc == 0 and (e.read("tset") or "").count("--\n") == 1,
          "no systemd: never two runs at once (the second is skipped while one runs)")
    # the first run ends; the next change runs again
    e.release()
    check(wait_for(lambda: subprocess.run(["flock", "-n", os.path.join(e.run, "hook.lock"),
                                           "true"]).returncode == 0),
          "no systemd: the run lock is free once tset is done")
    os.remove(os.path.join(e.log, "release"))
    e.hook("90-tset", ["eth0", "up"], {"DHCP4_NTP_SERVERS": "192.0.2.1"})
    check(wait_for(lambda: (e.read("tset") or "").count("--\n") == 2),
          "no systemd: once the run is over, the next change runs again")
    e.release()


def test_networkd_and_ifupdown(e):
    leases = os.path.join(e.tmp, "leases")
    os.makedirs(leases, exist_ok=True)
    with open("/sys/class/net/lo/ifindex") as f:
        index = f.read().strip()
    with open(os.path.join(leases, index), "w") as f:
        f.write("ADDRESS=192.0.2.50\nNTP=192.0.2.7 192.0.2.8\n")
    e.reset()
    rc = e.hook("50-tset-networkd", [], {"IFACE": "lo", "STATE": "routable",
                                         "TSET_LEASES": leases})
    conf = e.read("dhcp.conf") or ""
    check(rc == 0 and e.read("systemctl") == "start --no-block tset-resync.service\n"
          and "server 192.0.2.7 iburst" in conf and "server 192.0.2.8 iburst" in conf,
          "networkd routable: a run, with the lease's NTP servers added")
    rc = e.hook("50-tset-networkd", [], {"IFACE": "lo", "STATE": "off", "TSET_LEASES": leases})
    check(rc == 0 and e.read("dhcp.conf") is None and e.read("systemctl").count("\n") == 1,
          "networkd off: forgets the interface, starts nothing")
    for state in ("carrier", "degraded", "dormant", ""):
        e.reset()
        rc = e.hook("50-tset-networkd", [], {"IFACE": "lo", "STATE": state})
        check(rc == 0 and e.read("systemctl") is None, f"networkd {state or '(none)'}: nothing")

    e.reset()
    rc = e.hook("tset-ifupdown", [], {"IFACE": "eth0", "MODE": "start", "PHASE": "post-up"})
    check(rc == 0 and e.read("systemctl") == "start --no-block tset-resync.service\n",
          "ifupdown if-up: a run")
    for env in ({"IFACE": "lo", "MODE": "start"}, {"IFACE": "eth0", "MODE": "stop"}, {}):
        e.reset()
        rc = e.hook("tset-ifupdown", [], env)
        check(rc == 0 and e.read("systemctl") is None, f"ifupdown {env}: nothing started")


def main():
    units = sys.argv[1]
    if shutil.which("flock") is None:
        print("skip: flock(1) (util-linux) is missing")
        return 77
    e = Env(units)
    try:
        test_networkmanager(e)
        test_without_systemd(e)
        test_networkd_and_ifupdown(e)
    finally:
        if os.path.isdir(e.log):
            e.release()
        time.sleep(0.2)
        shutil.rmtree(e.tmp, ignore_errors=True)
    return status()


if __name__ == "__main__":
    sys.exit(main())
