# SPDX-License-Identifier: BSD-2-Clause
"""shmwriter: ntpd's shared-memory reference (driver 28) as gpsd writes it,
for the tests: a System V IPC namespace of the test's own, the segments
NTP0... (key 0x4e545030 + unit), and a writer thread.

    shmwriter.private_ipc()          # before the reader is started
    w = shmwriter.Writer(0, 1.25)    # NTP0, 1.25 s ahead, 4 samples a second
    w.leap = 3                       # "no time"
    w.stop()

Mode 1, as gpsd: valid cleared, count incremented, the sample written,
count incremented, valid set. The segment must exist (the reader creates
it, as tsetd and ntpd do), so the writer never makes one of its own.
"""

import ctypes
import os
import threading
import time

KEY_BASE = 0x4E545030  # "NTP0"
CLONE_NEWIPC = 0x08000000
IPC_CREAT, IPC_RMID = 0o1000, 0

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
libc.shmget.argtypes = (ctypes.c_int, ctypes.c_size_t, ctypes.c_int)
libc.shmctl.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_void_p)


def private_ipc():
    """Enter an IPC namespace of this process's own (root): no segment of
    the machine is seen or touched, and what is started next shares it."""
    if libc.unshare(CLONE_NEWIPC) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"unshare(CLONE_NEWIPC): {os.strerror(e)}")


class Segment(ctypes.Structure):
    """ntpd's struct shmTime, as src/responder/refshm.h lays it out."""
    _fields_ = [("mode", ctypes.c_int), ("count", ctypes.c_int),
                ("clock_sec", ctypes.c_long), ("clock_usec", ctypes.c_int),
                ("receive_sec", ctypes.c_long), ("receive_usec", ctypes.c_int),
                ("leap", ctypes.c_int), ("precision", ctypes.c_int),
                ("nsamples", ctypes.c_int), ("valid", ctypes.c_int),
                ("clock_nsec", ctypes.c_uint), ("receive_nsec", ctypes.c_uint),
                ("dummy", ctypes.c_int * 8)]


def shm_id(unit, create_mode=None):
    """The id of segment NTPu; created with create_mode when given."""
    flags = (IPC_CREAT | create_mode) if create_mode is not None else 0
    i = libc.shmget(KEY_BASE + unit, ctypes.sizeof(Segment), flags)
    if i < 0:
        raise OSError(ctypes.get_errno(), f"shmget NTP{unit}")
    return i


def remove(unit):
    """Remove segment NTPu, if there is one."""
    try:
        libc.shmctl(shm_id(unit), IPC_RMID, None)
    except OSError:
        pass


def perms(unit):
    """(mode, uid, cuid) of segment NTPu, from /proc/sysvipc/shm, or None."""
    with open("/proc/sysvipc/shm") as f:
        head = f.readline().split()
        for line in f:
            w = dict(zip(head, line.split()))
            if int(w["key"]) == KEY_BASE + unit:
                return int(w["perms"], 8), int(w["uid"]), int(w["cuid"])
    return None


def wait_segment(unit, timeout_s=10.0):
    """perms(unit) once the reader has made the segment, or None."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        p = perms(unit)
        if p is not None:
            return p
        time.sleep(0.05)
    return None


class Writer(threading.Thread):
    """Writes a sample offset_s ahead of this machine's clock every 0.25 s
    into NTPu until stopped; leap may be changed meanwhile."""

    def __init__(self, unit, offset_s):
        super().__init__(daemon=True)
        addr = libc.shmat(shm_id(unit), None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), f"shmat NTP{unit}")
        self.seg = Segment.from_address(addr)
        self.offset_ns = int(offset_s * 1e9)
        self.leap = 0
        self.halt = threading.Event()
        self.start()

    def run(self):
        seg = self.seg
        while not self.halt.wait(0.25):
            now = time.time_ns()
            ref = now + self.offset_ns
            seg.valid = 0
            seg.count += 1
            seg.mode = 1
            seg.clock_sec, seg.clock_nsec = divmod(ref, 1_000_000_000)
            seg.clock_usec = seg.clock_nsec // 1000
            seg.receive_sec, seg.receive_nsec = divmod(now, 1_000_000_000)
            seg.receive_usec = seg.receive_nsec // 1000
            seg.leap = self.leap
            seg.precision = -20
            seg.count += 1
            seg.valid = 1

    def stop(self):
        self.halt.set()
        self.join()
