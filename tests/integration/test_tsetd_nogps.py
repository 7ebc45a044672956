#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tsetd built without gpsd support (-Dgpsd=disabled): a config naming a
GPS reference (server 127.127.46.u) is a configuration error. tsetd
refuses it before it opens anything, names the line, and exits with the
status tsetd(8) gives a configuration error. The binary must not be
linked with libgps at all.

usage: test_tsetd_nogps.py PATH/TO/tsetd PATH/TO/tsetd.8
"""

import re
import subprocess
import sys

import harness as h


def exit_status_of_config_error(man):
    """The status tsetd(8)'s EXIT STATUS gives a configuration error."""
    text = open(man).read()
    sect = text.split(".Sh EXIT STATUS", 1)[1].split(".Sh ", 1)[0]
    m = re.search(r"(\d+) for\s+a usage or configuration error", " ".join(sect.split()))
    if not m:
        raise RuntimeError("tsetd(8) EXIT STATUS names no status for a configuration error")
    return int(m.group(1))


def body(s):
    want = exit_status_of_config_error(MAN)
    ldd = subprocess.run(["ldd", TSETD], capture_output=True, text=True)
    h.check("libgps" not in ldd.stdout, "the tsetd under test is not linked with libgps")
    conf = s.write("tsetd.conf", "\n".join([
        "# a GPS through gpsd, which this tsetd cannot read",
        "server 127.127.1.0",
        "fudge 127.127.1.0 stratum 10",
        "server 127.127.46.0",
        "fudge 127.127.46.0 refid GPS",
        "interface ignore all",
        "interface listen 127.0.0.1",
        "port 12699",
        ""]))
    p = subprocess.run([TSETD, "-n", "-c", conf], capture_output=True, text=True, timeout=20)
    err = p.stderr.strip()
    h.note(f"exit {p.returncode}: {err}")
    h.check(p.returncode == want,
            f"exit {want}, tsetd(8)'s status of a configuration error ({p.returncode})")
    h.check("line 4: 127.127.46.0: this tsetd was built without gpsd support" in err,
            "the error names the line and the reference")
    h.check("serving" not in err and "listening" not in err,
            "refused before anything is opened or served")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.split("usage: ")[1], file=sys.stderr)
        sys.exit(2)
    TSETD, MAN = sys.argv[1], sys.argv[2]
    sys.exit(h.main(body))
