"""History records: their names and bytes (the format; no I/O).

A record is one object in the store's ``#history`` folder, created with
create-if-absent under a name no other change can have::

    #history/<inv[:8]>/<inv[:11]>/<inv>-<writer>-<op><value name>

``inv`` is ``10**20 - 1`` minus the POSIX nanoseconds of the change, zero-padded
to 20 digits, so that byte order (how S3 lists) is newest first, and folders
group about 1,000 s and 1 s of changes (a folder listing stops early). ``writer``
is a digest of the host, the process id and a counter of this process, which
makes the name unique; ``op`` is ``s`` (set), ``c`` (set of a key that was
absent) or ``d`` (delete); the value's store name follows with ``/`` written as
``!`` (``@`` and a digest when too long: the body names it). A listing alone thus
tells which key changed, how and when. The body is one JSON line (who, the name)
followed by the new value's bytes (none for a delete).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import socket
import time
from dataclasses import dataclass

from ._who import Who
from .errors import CorruptValueError

HISTORY_DIR = "#history"
_MAX_NS = 10**20 - 1
_MAX_ENCODED = 160  # longer value names are digested in the record name
_OPS = {"s": "set", "c": "set", "d": "delete"}
_counter = itertools.count()
_last_ns = 0
_writer = (0, "")  # (pid, host digest + pid): the fixed part of this process's tag


def _writer_tag() -> str:
    global _writer
    pid = os.getpid()
    if _writer[0] != pid:  # first use, or a forked child
        _writer = (pid, hashlib.md5(socket.gethostname().encode()).hexdigest()[:6] + f"{pid:x}.")
    return f"{_writer[1]}{next(_counter):x}"


def encode_name(name: str) -> str:
    """How a value's store name appears in its records' names."""
    if len(name) <= _MAX_ENCODED:
        return name.replace("/", "!")
    return "@" + hashlib.md5(name.encode()).hexdigest()


def decode_name(encoded: str) -> str | None:
    """The store name ``encoded`` stands for; ``None`` if only the body says."""
    return None if encoded.startswith("@") else encoded.replace("!", "/")


def now_ns() -> int:
    """The time of a change: POSIX nanoseconds, increasing within this process."""
    global _last_ns
    ns = max(time.time_ns(), _last_ns + 1)
    _last_ns = ns
    return ns


def inverted(ns: int) -> str:
    return f"{_MAX_NS - ns:020d}"


def folder_of(inv: str) -> str:
    """The folder (below :data:`HISTORY_DIR`) of records at inverted time ``inv``."""
    return f"{inv[:8]}/{inv[:11]}"


def record_path(ns: int, op: str, name: str) -> str:
    """A new record's name below :data:`HISTORY_DIR`; ``op`` is ``s``, ``c`` or ``d``."""
    inv = inverted(ns)
    return f"{folder_of(inv)}/{inv}-{_writer_tag()}-{op}{encode_name(name)}"


def record_body(ns: int, name: str, data: bytes | None) -> bytes:
    who = Who.current()
    header = {"name": name, "ns": ns, "host": who.host, "pid": who.pid, "user": who.user}
    return json.dumps(header).encode() + b"\n" + (data or b"")


@dataclass(frozen=True, slots=True)
class Listed:
    """What a record's name says."""

    path: str  # below HISTORY_DIR
    ns: int
    op: str  # "set" or "delete"
    created: bool
    encoded: str  # the value's name as encode_name wrote it

    @property
    def name(self) -> str | None:
        return decode_name(self.encoded)


def parse_path(path: str) -> Listed:
    """Raises:
        CorruptValueError: if ``path`` is not a record's name."""
    leaf = path.rpartition("/")[2]
    inv, _, rest = leaf.partition("-")
    _, _, rest = rest.partition("-")
    if len(inv) != 20 or not inv.isdigit() or rest[:1] not in _OPS or len(rest) < 2 \
            or not path.startswith(folder_of(inv) + "/"):
        raise CorruptValueError(f"history record {HISTORY_DIR}/{path!r}: not a record name")
    return Listed(path, _MAX_NS - int(inv), _OPS[rest[0]], rest[0] == "c", rest[1:])


def parse_body(path: str, body: bytes) -> tuple[Who, str, bytes]:
    """The maker, the value's name and the new value's bytes of a record.

    Raises:
        CorruptValueError: if ``body`` is not a record's bytes.
    """
    line, newline, data = body.partition(b"\n")
    try:
        header = json.loads(line)
        who = Who(str(header["host"]), int(header["pid"]), str(header["user"]))
        name = header["name"]
        if not newline or not isinstance(name, str):
            raise ValueError("no header line")
    except (ValueError, KeyError, TypeError) as e:
        raise CorruptValueError(f"history record {HISTORY_DIR}/{path}: {e}") from e
    return who, name, data
