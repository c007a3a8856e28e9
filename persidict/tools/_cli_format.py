"""What the command line reads and prints: keys as ``a/b/c``, times (ISO-8601 in
UTC, or relative like ``2h``), sizes, values for people and for ``--json``."""

from __future__ import annotations

import json
import math
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import jsonpickle

from ..safe_str_tuple import SafeStrTuple

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_key(text: str) -> SafeStrTuple:
    """The key written ``a/b/c`` on the command line.

    Raises:
        ValueError: for an empty part (``a//b``, a leading or trailing ``/``) or a
            part the key alphabet does not allow (the message names it).
    """
    return SafeStrTuple(text.split("/"))


def show_key(key: SafeStrTuple, prefix: tuple[str, ...] = ()) -> str:
    """``a/b/c``: the key (under ``prefix``) as the command line writes it."""
    return "/".join((*prefix, *key.strings))


def parse_time(text: str, now: float | None = None) -> float:
    """POSIX seconds of ``text``: an ISO-8601 time (UTC unless it says otherwise),
    a relative age (``30s``, ``15m``, ``2h``, ``3d``, ``1w``: that long ago), or
    POSIX seconds.

    Raises:
        ValueError: for anything else (the message lists the accepted forms).
    """
    text = text.strip()
    age = _RELATIVE.fullmatch(text)
    if age:
        return (time.time() if now is None else now) - float(age[1]) * _UNITS[age[2]]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"time {text!r} is neither ISO-8601 (2026-01-31T12:00:00Z),"
                         " a relative age (30s, 15m, 2h, 3d, 1w) nor POSIX seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def show_time(posix: float) -> str:
    """``2026-01-31T12:00:00Z``: UTC to the second, for people."""
    return datetime.fromtimestamp(posix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_time(posix: float) -> str:
    """ISO-8601 in UTC with microseconds, for scripts: rounded down, so that
    ``--since`` given this time includes the item it came from."""
    moment = _EPOCH + timedelta(microseconds=math.floor(posix * 1_000_000))
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def show_size(size: int) -> str:
    """``1.5 MiB``: a byte count for people."""
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


def show_value(value: Any) -> str:
    """A value for people: a string as itself, anything else as its repr."""
    return value if isinstance(value, str) else repr(value)


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: itself when JSON can hold it, else jsonpickle's
    readable form of it (no type tags; meant to be read, not to rebuild the value)."""
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return json.loads(jsonpickle.encode(value, unpicklable=False))


def print_json(document: Any) -> None:
    """One JSON document on stdout: what every ``--json`` command prints."""
    json.dump(document, sys.stdout, indent=None, ensure_ascii=False)
    sys.stdout.write("\n")
