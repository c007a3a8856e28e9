"""Change history: who changed which key, when, from what to what — and putting it back.

With ``history=True`` every change of a value, by any path, writes one record
(see _records.py for the format, _recording.py for the hook) beside the values,
in the ``#history`` folder of the dict's store: its own file or object, created
if absent under a unique, time-ordered name, so concurrent writers on many
machines never overwrite or lose each other's records. The value is written
first, then its record: a writer killed between the two leaves a value with no
record (the value is there; history does not show that change).

Reading lists the records newest first (S3 lists in byte order, and the names
sort newest first), so the recent past costs a LIST or two however long the
history is.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from . import _records
from ._recording import Journal, RecordingStore
from ._records import HISTORY_DIR, Listed
from ._who import Who
from .safe_str_tuple import SafeStrTuple

if TYPE_CHECKING:
    from .persi_dict import PersiDict


class _Marker:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> str:
        return self._name


ABSENT: Any = _Marker("ABSENT")
"""The value of a key that had none: the old value of a creation, the new one of a delete."""

UNRECORDED: Any = _Marker("UNRECORDED")
"""An old value history does not hold: the value was written while history was off
(or its record was pruned), or a plain ``d[k] = v`` was the key's first recorded
change (a plain write does not check whether the key existed; ``add``,
``setdefault`` and the other creating operations do, and give :data:`ABSENT`)."""

_SKEW = 5.0  # seconds: how late another machine's record may show up in watch()


@dataclass(frozen=True)
class Change:
    """One change of one key: ``op`` is ``"set"`` or ``"delete"``, ``time`` POSIX
    seconds, ``who`` the host, process and user. ``new_value`` and ``old_value``
    are read when first asked for; either is :data:`ABSENT` when the key had no
    value, and ``old_value`` is :data:`UNRECORDED` when history does not hold it.

    >>> from persidict import LocalDict
    >>> d = LocalDict(history=True)
    >>> d["x"] = 1
    >>> d["x"] = 2
    >>> [(c.op, c.old_value, c.new_value) for c in d.history("x")]
    [('set', 1, 2), ('set', UNRECORDED, 1)]
    """

    key: SafeStrTuple
    op: str
    time: float
    who: Who
    record: str = ""  # the record's name in the store ("": an event without history)
    _reader: _Reader | None = field(default=None, repr=False, compare=False)
    _data: bytes | None = field(default=None, repr=False, compare=False)
    _listed: Listed | None = field(default=None, repr=False, compare=False)
    _previous: Change | None = field(default=None, repr=False, compare=False)  # same key

    @cached_property
    def new_value(self) -> Any:
        if self.op == "delete" or self._reader is None:
            return ABSENT
        return self._reader.decode(self.key, self._data or b"")

    @cached_property
    def old_value(self) -> Any:
        if self._previous is not None:
            return self._previous.new_value
        if self._reader is None or self._listed is None:
            return UNRECORDED
        return self._reader.old_value(self.key, self._listed)


class _Reader:
    """Reads the records of one journal for one dict (a subdict sees its keys)."""

    def __init__(self, d: PersiDict[Any], journal: Journal, prefix: str) -> None:
        self.d, self.root, self.prefix = d, journal.root, prefix

    def listed(self, after: str = "") -> Iterator[Listed]:
        """The records, newest first, from ``after`` (a path below HISTORY_DIR) on."""
        for path in self.root.sorted_names(HISTORY_DIR, after):
            yield _records.parse_path(path)

    def key_of(self, name: str) -> SafeStrTuple | None:
        if not name.startswith(self.prefix):
            return None
        return self.d._naming.key(name[len(self.prefix):])

    def name_of(self, listed: Listed) -> str:
        name = listed.name
        if name is None:  # a long name: the body says
            name = self.body(listed)[1]
        return name

    def body(self, listed: Listed) -> tuple[Who, str, bytes]:
        path = f"{HISTORY_DIR}/{listed.path}"
        return _records.parse_body(path, self.root.read(path))

    def changes(self, found: list[tuple[Listed, SafeStrTuple]]) -> list[Change]:
        """The changes of ``found`` records, their bodies read concurrently where the
        store can; a record pruned meanwhile is left out."""
        paths = [f"{HISTORY_DIR}/{listed.path}" for listed, _ in found]
        bodies = dict(self.root.read_many(paths))
        result = []
        for (listed, key), path in zip(found, paths, strict=True):
            body = bodies.get(path)
            if body is not None:
                who, _, data = _records.parse_body(path, body)
                result.append(Change(key, listed.op, listed.ns / 1e9, who, path, self,
                                     data, listed))
        return result

    def decode(self, key: SafeStrTuple, data: bytes) -> Any:
        return self.d._decode(key, data)

    def old_value(self, key: SafeStrTuple, listed: Listed) -> Any:
        for earlier in self.listed(listed.path):
            if earlier.encoded == listed.encoded:
                if earlier.op == "delete":
                    return ABSENT
                return self.decode(key, self.body(earlier)[2])
        return ABSENT if listed.created else UNRECORDED


def reader(d: PersiDict[Any]) -> _Reader:
    """Raises:
        ValueError: if ``d`` keeps no history."""
    store = d._store
    if not isinstance(store, RecordingStore) or not store.journal.history:
        raise ValueError(f"{d.base_url}: this dict keeps no history (open it with history=True)")
    return _Reader(d, store.journal, store.prefix)


def check_limit(limit: Any, what: str = "limit") -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"{what} must be a positive int or None, not {type(limit).__name__}")
    if limit <= 0:
        raise ValueError(f"{what} must be positive, not {limit!r}")
    return limit


def _check_time(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be POSIX seconds (a number) or None,"
                        f" not {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite time, not {value!r}")
    return float(value)


def history(d: PersiDict[Any], key: Any, limit: int | None) -> list[Change]:
    """``d.history(key, limit)``: the changes of ``key``, newest first."""
    limit = check_limit(limit)
    read = reader(d)
    key = SafeStrTuple(key)
    encoded = _records.encode_name(read.prefix + d._name_of(key))
    found = []
    for listed in read.listed():
        if listed.encoded == encoded:
            found.append((listed, key))
            if limit is not None and len(found) >= limit:
                break
    found_changes = read.changes(found)
    for newer, older in itertools.pairwise(found_changes):  # old values without a LIST each
        object.__setattr__(newer, "_previous", older)
    return found_changes


def changes(d: PersiDict[Any], since: Any, until: Any, limit: Any) -> Iterator[Change]:
    """``d.changes(since, until, limit)``: changes with ``since <= time < until``,
    oldest first; with ``limit``, the first ``limit`` of them."""
    limit = check_limit(limit)
    start, stop = _check_time(since, "since"), _check_time(until, "until")
    if start is not None and stop is not None and start > stop:
        raise ValueError(f"since ({start}) is after until ({stop})")
    read = reader(d)
    return iter(read.changes(_window(read, start, stop, limit)))


def _window(read: _Reader, start: float | None, stop: float | None,
            limit: int | None) -> list[tuple[Listed, SafeStrTuple]]:
    after = ""
    if stop is not None:
        inv = _records.inverted(int(stop * 1e9))
        after = f"{_records.folder_of(inv)}/{inv}"
    found = []
    for listed in read.listed(after):
        seconds = listed.ns / 1e9
        if start is not None and seconds < start:
            break
        if stop is not None and seconds >= stop:
            continue
        key = read.key_of(read.name_of(listed))
        if key is not None:
            found.append((listed, key))
    found.reverse()
    return found if limit is None else found[:limit]


def watch(d: PersiDict[Any], since: Any, poll: Any) -> Iterator[Change]:
    """``d.watch(since, poll)``: the changes from ``since`` (default: now) on, as they
    appear, polling every ``poll`` seconds; stops when the caller stops iterating."""
    start = _check_time(since, "since")
    if isinstance(poll, bool) or not isinstance(poll, (int, float)):
        raise TypeError(f"poll must be a positive number of seconds, not {type(poll).__name__}")
    if not poll > 0 or not math.isfinite(poll):
        raise ValueError(f"poll must be a positive number of seconds, not {poll!r}")
    read = reader(d)
    return _watching(read, time.time() if start is None else start, float(poll))


def _watching(read: _Reader, start: float, poll: float) -> Iterator[Change]:
    seen: dict[str, float] = {}  # records yielded, kept while a late one could precede them
    cursor = start
    while True:
        fresh = [(listed, key) for listed, key in _window(read, cursor - _SKEW, None, None)
                 if listed.ns / 1e9 >= start and listed.path not in seen]
        for change in read.changes(fresh):
            seen[change._listed.path] = change.time  # type: ignore[union-attr]
            cursor = max(cursor, change.time)
            yield change
        seen = {path: t for path, t in seen.items() if t >= cursor - 2 * _SKEW}
        if not fresh:
            time.sleep(poll)


def revert(d: PersiDict[Any], key: Any, change: Any) -> None:
    """``d.revert(key, change)``: put back what ``change`` replaced, only if ``key``
    still holds what ``change`` left (checked and written atomically by etag)."""
    if not isinstance(change, Change):
        raise TypeError(f"change must be a Change, not {type(change).__name__}")
    key = SafeStrTuple(key)
    if change.key != key:
        raise ValueError(f"change {change.record!r} is of key {change.key!r}, not {key!r}")
    reader(d)
    old = change.old_value
    if old is UNRECORDED:
        raise ValueError(f"{key!r}: the value before change {change.record!r} is not"
                         " in the history (see persidict.history.UNRECORDED)")
    etag = _etag_if_unchanged(d, key, change)
    if old is ABSENT:
        if etag is not None and not d.compare_and_delete(key, etag):
            raise _changed_since(key, change)
    elif not d.compare_and_set(key, old, etag):
        raise _changed_since(key, change)


def _etag_if_unchanged(d: PersiDict[Any], key: SafeStrTuple, change: Change) -> str | None:
    """The etag of ``key`` if it still holds what ``change`` left (``None``: absent)."""
    try:
        data, info = d._read_live(key, d._name_of(key))
    except KeyError:
        if change.op == "delete":
            return None
        raise _changed_since(key, change) from None
    if change.op == "delete" or data != change._data:
        raise _changed_since(key, change)
    return info.etag


def _changed_since(key: SafeStrTuple, change: Change) -> ValueError:
    return ValueError(f"{key!r} has changed since {change.record!r}: revert the later"
                      " changes first (nothing was written)")


def prune(d: PersiDict[Any], before: Any) -> int:
    """``d.prune_history(before)``: delete the records older than ``before``; return
    how many."""
    stop = _check_time(before, "before")
    if stop is None:
        raise TypeError("before must be POSIX seconds (a number), not None")
    read = reader(d)
    inv = _records.inverted(int(stop * 1e9))
    old = [f"{HISTORY_DIR}/{listed.path}"
           for listed in read.listed(f"{_records.folder_of(inv)}/{inv}")
           if listed.ns / 1e9 < stop and read.key_of(read.name_of(listed)) is not None]
    read.root.delete_many(old)
    return len(old)


def newest_keys(d: PersiDict[Any], max_n: int) -> list[SafeStrTuple]:
    """The ``max_n`` newest live keys from the records: the newest record of each key
    decides (a delete: absent). Items written with history off are not seen."""
    read = reader(d)
    seen: set[str] = set()
    found: list[SafeStrTuple] = []
    for listed in read.listed():
        if listed.encoded in seen:
            continue
        seen.add(listed.encoded)
        if listed.op == "delete":
            continue
        key = read.key_of(read.name_of(listed))
        if key is None or (d._ttl is not None and key not in d):
            continue
        found.append(key)
        if len(found) >= max_n:
            break
    return found


def keeps_history(d: PersiDict[Any]) -> bool:
    store = d._store
    return isinstance(store, RecordingStore) and store.journal.history
