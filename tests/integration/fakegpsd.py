# SPDX-License-Identifier: BSD-2-Clause
"""A small fake gpsd for tsetd's tests: a TCP server that speaks gpsd's
JSON (VERSION on connect; DEVICES and WATCH after a ?WATCH; then, once a
second, a TPV per device and, with a fix, a TOFF and a PPS), with knobs
for what a real gpsd under gpsfake cannot do: a pulse with a known offset,
a fix lost, garbage and cut lines, a connection closed, a server gone
and back, several devices. It runs in a thread of the test, on loopback
only; close() stops it.

A device's GPS time is the local clock (CLOCK_REALTIME) plus offset_s;
its TOFF reports that plus serial_bias_s (a sentence arrives late: the
serial time is off by its latency), its PPS the exact offset.
"""

import json
import math
import socket
import threading
import time


def dumps(obj):
    """Compact, as gpsd writes it (libgps's parser takes no blanks)."""
    return json.dumps(obj, separators=(",", ":"))


class Device:
    def __init__(self, path, offset_s, mode=3, pps=True, serial_bias_s=0.0):
        self.path, self.offset_s, self.mode = path, offset_s, mode
        self.pps, self.serial_bias_s = pps, serial_bias_s


def _pair(real_s, clock_s):
    rs = math.floor(real_s)
    cs = math.floor(clock_s)
    return {"real_sec": rs, "real_nsec": int(round((real_s - rs) * 1e9)),
            "clock_sec": cs, "clock_nsec": min(int(round((clock_s - cs) * 1e9)), 999999999)}


class FakeGpsd:
    def __init__(self, addr, port, devices):
        if not addr.startswith("127."):
            raise ValueError("the fake gpsd listens on loopback only")
        self.addr, self.port = addr, port
        self.devices = list(devices)
        self.paused = False  # no periodic reports
        self.lock = threading.Lock()
        self.clients = []  # sockets that sent ?WATCH
        self.pending = []  # sockets not yet watching
        self.accepted = 0
        self.stopping = threading.Event()
        self.listener = None
        self.listen()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    # -- control (from the test)

    def listen(self):
        with self.lock:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            # TCP alone: a listener may bind over connections in TIME_WAIT
            # (a gpsd that comes back); two live listeners still cannot
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((self.addr, self.port))
            s.listen(8)
            s.setblocking(False)
            self.listener = s

    def go_away(self):
        """Close every connection and stop listening (gpsd stopped)."""
        with self.lock:
            for c in self.clients + self.pending:
                c.close()
            self.clients, self.pending = [], []
            if self.listener:
                self.listener.close()
            self.listener = None

    def send_raw(self, data):
        """Bytes to every watching client, as they are."""
        with self.lock:
            for c in list(self.clients):
                try:
                    c.sendall(data)
                except OSError:
                    self.clients.remove(c)

    def send_json(self, obj):
        self.send_raw((dumps(obj) + "\r\n").encode())

    def n_watching(self):
        with self.lock:
            return len(self.clients)

    def close(self):
        self.stopping.set()
        self.thread.join(timeout=3)
        self.go_away()

    # -- the server

    def _device_list(self):
        return {"class": "DEVICES", "devices": [
            {"class": "DEVICE", "path": d.path, "driver": "NMEA0183",
             "activated": "2024-01-01T00:00:00.000Z", "flags": 1, "native": 0,
             "bps": 9600, "parity": "N", "stopbits": 1, "cycle": 1.00}
            for d in self.devices]}

    def _accept(self):
        with self.lock:
            if self.listener is None:
                return
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            c.setblocking(False)
            self.accepted += 1
            c.sendall((dumps({"class": "VERSION", "release": "3.22-fake", "rev": "fake",
                                   "proto_major": 3, "proto_minor": 14}) + "\r\n").encode())
            self.pending.append(c)

    def _read_watch(self):
        with self.lock:
            for c in list(self.pending):
                try:
                    data = c.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self.pending.remove(c)
                    c.close()
                    continue
                if b"?WATCH" in data:
                    self.pending.remove(c)
                    out = dumps(self._device_list()) + "\r\n"
                    out += dumps({"class": "WATCH", "enable": True, "json": True,
                                       "nmea": False, "raw": 0, "scaled": False,
                                       "timing": False, "split24": False,
                                       "pps": True}) + "\r\n"
                    c.sendall(out.encode())
                    self.clients.append(c)

    def _reports(self):
        now = time.time()
        out = []
        for d in self.devices:
            gps = now + d.offset_s
            out.append({"class": "TPV", "device": d.path, "mode": d.mode,
                        "time": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(gps)),
                        "ept": 0.005})
            if d.mode < 2:
                continue
            second = math.floor(gps)
            t = {"class": "TOFF", "device": d.path}
            t.update(_pair(second, second - d.offset_s - d.serial_bias_s))
            out.append(t)
            if d.pps:
                p = {"class": "PPS", "device": d.path, "precision": -20}
                p.update(_pair(second, second - d.offset_s))
                out.append(p)
        return "".join(dumps(o) + "\r\n" for o in out).encode()

    def _run(self):
        next_t = time.monotonic()
        while not self.stopping.is_set():
            self._accept()
            self._read_watch()
            if time.monotonic() >= next_t:
                next_t += 1.0
                if not self.paused:
                    self.send_raw(self._reports())
            time.sleep(0.02)
