#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Capture authenticated NTP packets made by chronyd, as C test vectors.

    unshare -n sh -c 'ip link set lo up; \
        tests/unit/capture_auth_vectors.py build/tset > tests/unit/auth_vectors.h'

(root, for the network namespace: nothing leaves it.) For each key of
KEYS (fixed, written below in chrony's keyfile format):
  - chronyd -x serves on 127.0.0.1:11500 with that keyfile;
  - chronyd -Q 'server 127.0.0.1 port 11501 key N' asks through a relay on
    127.0.0.1:11501 (this script), which records chronyd's request (NTPv4,
    or NTPv3 with a whole SHA256 digest) and the server's reply to it;
  - tset -q -a N asks through the same relay: the server's reply to an
    NTPv4 request of ours (SHA256 cut to 20 bytes) is recorded too.
chronyd runs with -x and -Q and tset with -q: no clock is touched. The
output is the header tests/unit/test_ntp_auth.c includes.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time

SERVER = ("127.0.0.1", 11500)
RELAY = ("127.0.0.1", 11501)
NTP_HEADER_LEN = 48
# fixed keys: test vectors, not secrets (AES ones from RFC 4493 / SP 800-38B)
KEYS = [
    (1, "MD5", "HEX:0123456789abcdeffedcba9876543210"),
    (2, "SHA1", "HEX:000102030405060708090a0b0c0d0e0f10111213"),
    (3, "SHA256", "ASCII:chrony-sha256-vector-key"),
    (4, "AES128", "HEX:2b7e151628aed2a6abf7158809cf4f3c"),
    (5, "AES256", "HEX:603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"),
]


class Relay:
    """Forward one client's datagrams to SERVER and back; keep the pairs
    whose request carries a MAC."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(RELAY)
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.up.connect(SERVER)

    def one_pair(self, timeout_s=15.0):
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            self.sock.settimeout(max(end - time.monotonic(), 0.01))
            req, client = self.sock.recvfrom(2048)
            self.up.send(req)
            self.up.settimeout(2)
            try:
                rep = self.up.recv(2048)
            except OSError:
                continue
            self.sock.sendto(rep, client)
            if len(req) > NTP_HEADER_LEN and len(rep) > NTP_HEADER_LEN:
                return req, rep
        raise RuntimeError("no authenticated exchange through the relay")


def wait_server(timeout_s=10.0):
    end = time.monotonic() + timeout_s
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        while time.monotonic() < end:
            s.sendto(bytes([0x23]) + bytes(47), SERVER)
            try:
                if len(s.recv(2048)) >= NTP_HEADER_LEN:
                    return
            except OSError:
                pass
    raise RuntimeError("chronyd does not answer")


def c_string(data):
    """The bytes in hex, as adjacent C strings of 32 bytes each."""
    h = data.hex()
    return "\n\t  ".join(f'"{h[i:i + 64]}"' for i in range(0, len(h), 64))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: capture_auth_vectors.py PATH/TO/tset")
    tset = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="tset-vectors-")
    keyfile = os.path.join(d, "chrony.keys")
    with open(keyfile, "w") as f:
        f.write("".join(f"{kid} {t} {k}\n" for kid, t, k in KEYS))
    os.chmod(keyfile, 0o600)
    conf = os.path.join(d, "chrony.conf")
    with open(conf, "w") as f:
        f.write(f"local stratum 10\nallow 127.0.0.0/8\nbindaddress {SERVER[0]}\n"
                f"port {SERVER[1]}\ncmdport 0\nbindcmdaddress /\n"
                f"pidfile {d}/server.pid\nkeyfile {keyfile}\n")
    server = subprocess.Popen(["chronyd", "-x", "-d", "-u", "root", "-f", conf],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    relay = Relay()
    rows = []
    try:
        wait_server()
        for kid, t, _ in KEYS:
            q = subprocess.Popen(["chronyd", "-Q", "-u", "root", "-f", "/dev/null", "-t", "10",
                                  f"server {RELAY[0]} port {RELAY[1]} key {kid} iburst",
                                  f"keyfile {keyfile}", "cmdport 0", f"pidfile {d}/q.pid"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                req, rep = relay.one_pair()
            finally:
                q.terminate()  # by its PID
                q.wait()
            rows.append((f"chronyd -Q request, {t} key {kid}", kid, req))
            rows.append((f"chronyd reply to chronyd -Q, {t} key {kid}", kid, rep))
            p = subprocess.Popen([tset, "-q", "-c", "/dev/null", "-p", "1", "-a", str(kid),
                                  "-k", keyfile, f"{RELAY[0]}:{RELAY[1]}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                _, rep = relay.one_pair()
            finally:
                p.wait(timeout=30)
            rows.append((f"chronyd reply to tset, {t} key {kid}", kid, rep))
    finally:
        server.terminate()  # by its PID
        server.wait()
    keys_text = "".join(f'\t"{kid} {t} {k}\\n"\n' for kid, t, k in KEYS)
    print("/* SPDX-License-Identifier: BSD-2-Clause */")
    print("/* Generated by tests/unit/capture_auth_vectors.py (see there how to run")
    print(" * it) from chrony " + subprocess.run(["chronyd", "-v"], capture_output=True,
                                                  text=True).stdout.split()[3]
          + ": packets chronyd made with these keys. */")
    print("#ifndef TSET_TEST_AUTH_VECTORS_H\n#define TSET_TEST_AUTH_VECTORS_H\n")
    print("static const char auth_vectors_keys[] =\n" + keys_text.rstrip("\n") + ";\n")
    print("static const struct {\n\tconst char *what;\n\tunsigned keyid;\n\tconst char *hex;\n"
          "} auth_vectors[] = {")
    for what, kid, data in rows:
        print(f'\t{{ "{what}", {kid},\n\t  {c_string(data)} }},')
    print("};\n\n#endif")


if __name__ == "__main__":
    main()
