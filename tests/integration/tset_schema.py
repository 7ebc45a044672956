# SPDX-License-Identifier: BSD-2-Clause
"""The schema of tset's -j document, as tset(8) describes it, and a
validator (Python 3 standard library only).

    import tset_schema
    errors = tset_schema.validate(doc, rc)   # [] when doc is valid

One definition: DOCUMENT and SERVER below say every field, its type and
its allowed values; RULES say what the fields promise together (tset(8)'s
prose: null offsets, the action of each exit status, the error of a failed
server). A field tset adds must be added here and to tset(8), or the test
fails.
"""
import re

LEAP = ("none", "insert", "delete", "unsync")
ACTION = ("none", "step", "slew", "refused", "failed")
STATE = ("system-peer", "survivor", "outlier", "falseticker", "unreachable", "not-waited",
         "kod", "invalid")
# states that say the server gave no usable time, so `error` says why
FAILED_STATES = ("unreachable", "not-waited", "kod", "invalid")
COMBINED_STATES = ("system-peer", "survivor")
AUTH_KEY = re.compile(r"^key ([1-9][0-9]{0,4})$")  # key ids 1..65535 (ntp.keys)


class Field:
    """A value of one type; nullable: null is allowed too."""

    def __init__(self, nullable=False):
        self.nullable = nullable

    def errors(self, value, path):
        if value is None:
            return [] if self.nullable else [f"{path}: null"]
        return self.check(value, path)

    def check(self, value, path):
        raise NotImplementedError


class Str(Field):
    def __init__(self, nullable=False, nonempty=False):
        super().__init__(nullable)
        self.nonempty = nonempty

    def check(self, value, path):
        if not isinstance(value, str):
            return [f"{path}: {value!r} is not a string"]
        if self.nonempty and not value:
            return [f"{path}: empty string"]
        return []


class Int(Field):
    def __init__(self, lo, hi, nullable=False):
        super().__init__(nullable)
        self.lo, self.hi = lo, hi

    def check(self, value, path):
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{path}: {value!r} is not an integer"]
        if not self.lo <= value <= self.hi:
            return [f"{path}: {value} not in {self.lo}..{self.hi}"]
        return []


class Num(Field):
    """A number (seconds): int or float, never NaN or infinite (JSON has
    neither); lo: the least allowed value."""

    def __init__(self, lo=None, nullable=False):
        super().__init__(nullable)
        self.lo = lo

    def check(self, value, path):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return [f"{path}: {value!r} is not a number"]
        if value != value or value in (float("inf"), float("-inf")):
            return [f"{path}: {value!r} is not finite"]
        if self.lo is not None and value < self.lo:
            return [f"{path}: {value} < {self.lo}"]
        return []


class Bool(Field):
    def check(self, value, path):
        if not isinstance(value, bool):
            return [f"{path}: {value!r} is not true or false"]
        return []


class Enum(Field):
    def __init__(self, values, nullable=False):
        super().__init__(nullable)
        self.values = values

    def check(self, value, path):
        if value not in self.values:
            return [f"{path}: {value!r} not one of {', '.join(self.values)}"]
        return []


class Auth(Field):
    """How a server's replies were authenticated: null, "key N" or "nts"."""

    def __init__(self):
        super().__init__(nullable=True)

    def check(self, value, path):
        if value == "nts" or (isinstance(value, str) and AUTH_KEY.match(value)
                              and int(AUTH_KEY.match(value).group(1)) <= 65535):
            return []
        return [f"{path}: {value!r} is not null, \"key N\" or \"nts\""]


class Obj(Field):
    """An object with exactly these fields (a dict name -> Field)."""

    def __init__(self, fields, nullable=False):
        super().__init__(nullable)
        self.fields = fields

    def check(self, value, path):
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        out = [f"{path}: no field {k!r}" for k in self.fields if k not in value]
        out += [f"{path}: unknown field {k!r}" for k in value if k not in self.fields]
        for k, f in self.fields.items():
            if k in value:
                out += f.errors(value[k], f"{path}.{k}")
        return out


class List(Field):
    def __init__(self, item):
        super().__init__()
        self.item = item

    def check(self, value, path):
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not a list"]
        out = []
        for i, v in enumerate(value):
            out += self.item.errors(v, f"{path}[{i}]")
        return out


SERVER = Obj({
    "name": Str(nonempty=True),          # as configured or given
    "address": Str(nullable=True, nonempty=True),  # null: the name did not resolve
    "port": Int(1, 65535),
    "stratum": Int(0, 16, nullable=True),
    "refid": Str(nullable=True),
    "leap": Enum(LEAP, nullable=True),
    "offset": Num(nullable=True),        # seconds, server - local
    "delay": Num(nullable=True),
    "jitter": Num(lo=0, nullable=True),
    "root_delay": Num(nullable=True),
    "root_dispersion": Num(lo=0, nullable=True),
    "samples": Int(0, 8),
    "auth": Auth(),
    "state": Enum(STATE),
    "error": Str(nullable=True, nonempty=True),
})

NOT_QUERIED = Obj({
    "name": Str(nonempty=True),          # a name whose addresses were not all queried
    "addresses": Int(1, 1 << 16),        # how many were not
    "reason": Str(nonempty=True),
})

DOCUMENT = Obj({
    "offset": Num(nullable=True),        # null: no offset was found
    "delay": Num(nullable=True),
    "jitter": Num(lo=0, nullable=True),
    "root_distance": Num(lo=0, nullable=True),
    "stratum": Int(1, 16, nullable=True),
    "leap": Enum(LEAP, nullable=True),
    "action": Enum(ACTION),
    "beyond_panic": Bool(nullable=True),  # |offset| > the panic threshold; null: no offset
    "servers": List(SERVER),
    "not_queried": List(NOT_QUERIED),
    "elapsed": Num(lo=0),                # start to decision
    "elapsed_total": Num(lo=0),          # start to end
    "exit": Int(0, 7),
})

# exit status -> the actions a document with it may carry
ACTIONS_OF_EXIT = {
    0: ("none", "step", "slew"),  # none: -q
    1: ("none",),
    3: ("refused",),
    4: ("failed",),
    5: ("step", "slew"),
    6: ("none",),
    7: ("none",),
}
NO_OFFSET_EXITS = (1, 6, 7)
SYSTEM_FIELDS = ("offset", "delay", "jitter", "root_distance", "stratum", "leap",
                 "beyond_panic")


def rules(doc, rc):
    """What the fields promise together, tset(8)'s words; [] when kept."""
    out = []
    ex = doc["exit"]
    if rc is not None and ex != rc:
        out.append(f"exit {ex} but tset exited {rc}")
    if ex == 2:
        out.append("a JSON document on a usage error (exit 2)")
    elif doc["action"] not in ACTIONS_OF_EXIT[ex]:
        out.append(f"exit {ex} with action {doc['action']!r} (allowed: {ACTIONS_OF_EXIT[ex]})")
    if doc["elapsed_total"] < doc["elapsed"]:
        out.append(f"elapsed_total {doc['elapsed_total']} < elapsed {doc['elapsed']}")
    nulls = [k for k in SYSTEM_FIELDS if doc[k] is None]
    if nulls and len(nulls) != len(SYSTEM_FIELDS):
        out.append(f"some system fields null, not all: {nulls}")
    found = not nulls
    if found == (ex in NO_OFFSET_EXITS):
        out.append(f"exit {ex} with offset {doc['offset']!r}")
    if ex == 3 and doc["beyond_panic"] is not True:
        out.append(f"exit 3 (refused) with beyond_panic {doc['beyond_panic']!r}")
    peers = [sv for sv in doc["servers"] if sv["state"] == "system-peer"]
    if len(peers) != (1 if found else 0):
        out.append(f"{len(peers)} system peer(s) with offset {doc['offset']!r}")
    for i, sv in enumerate(doc["servers"]):
        where = f"servers[{i}] ({sv['name']} {sv['address']})"
        if sv["address"] is None and (sv["state"] != "unreachable" or sv["samples"] != 0):
            out.append(f"{where}: no address, yet state {sv['state']}, {sv['samples']} samples")
        if sv["state"] in FAILED_STATES and sv["error"] is None:
            out.append(f"{where}: state {sv['state']} without an error saying why")
        if sv["state"] in COMBINED_STATES and (sv["samples"] < 1 or sv["offset"] is None):
            out.append(f"{where}: state {sv['state']} with {sv['samples']} samples, "
                       f"offset {sv['offset']!r}")
        measured = [k for k in ("stratum", "offset", "delay", "jitter", "root_delay",
                                "root_dispersion") if sv[k] is None]
        if sv["offset"] is not None and measured:
            out.append(f"{where}: an offset, but null {measured}")
    return out


def validate(doc, rc=None):
    """Every way doc (a parsed -j document) departs from tset(8): field
    names, types, allowed values, then the rules; rc: tset's exit status."""
    out = DOCUMENT.errors(doc, "$")
    return out or rules(doc, rc)
