"""Sort-key queries: the items of a partition in tuple order of their sort keys.

A partition is a key prefix; the rest of a key under it is its sort key, ordered as
Python orders tuples of ``str``: ``("a",) < ("a", "b") < ("a", "c") < ("a-b",) < ("b",)``.

The store lists one folder at a time, in byte order of its entries
(:meth:`Store.folder_entries`): a leaf ``c.<file_type>``, a subfolder ``c/`` (a folder
dict adds a digest suffix to ``c``). Byte order agrees with tuple order except around a
component ``x`` that is a proper prefix of another one, ``c``: ``x``'s entries may sort
after ``c``'s (``"a.pkl"`` and ``"a/"`` after ``"a-b.pkl"``; ``"a_<digest>.pkl"`` after
``"a0_<digest>.pkl"``) although ``x`` comes first. Nothing else can: an entry listed
later than ``c``'s whose component is neither ``c`` nor a proper prefix of it has a
greater component. So a listed entry is given out once every proper prefix ``x`` of its
component is settled:
the listing is past ``x``'s entries, or one listing of its own (starting at ``x``'s
leaf, usually one request) has looked them up. Folders and memory list a folder in one
go, so nothing waits there; on S3 a query reads only the LIST pages it needs.

A query lists from ``start`` on (S3's StartAfter), only names that start with
``starts_with`` (S3's Prefix), stops listing once past ``stop`` or ``limit`` items, and
opens a subfolder only when its items are due. S3 cannot list backwards: a reverse query
lists the whole of its range in each folder it reads before giving the last item.

With TTL (``d._ttl``), expired items are left out: :func:`query` judges each item by
the value it reads (``_read_items`` does, at no extra request) and applies ``limit``
after that; :func:`query_keys` judges chunks of the listed keys by
:meth:`TTL.live_infos` over :meth:`Store.folder_infos` (their listing information,
and with per-item expiry the ``#index/`` entries of the folder, once per folder), so
it still reads no value. Without TTL nothing here changes: listings only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from heapq import heappop, heappush
from itertools import islice
from typing import TYPE_CHECKING, Any

from ._naming import Naming
from .safe_chars import _SAFE_CHARS, SAFE_STRING_MAX_LENGTH
from .safe_str_tuple import SafeStrTuple
from .stores import ItemInfo, Store

if TYPE_CHECKING:
    from .persi_dict import PersiDict

SortKey = tuple[str, ...]
_LEAF, _FOLDER = 0, 1  # a leaf (c,) sorts before the keys (c, ...) of folder c


def query_keys(d: PersiDict, prefix: Any = (), *, start: Any = None, stop: Any = None,
               starts_with: str | None = None, reverse: bool = False,
               limit: int | None = None) -> Iterator[SafeStrTuple]:
    """The keys under ``prefix`` in sort-key order (see the module docstring).

    Raises:
        TypeError, ValueError: for a bad argument, naming it (checked at the call,
            before anything is listed).
    """
    parts = _prefix(prefix)
    lo, hi = _sort_key("start", start), _sort_key("stop", stop)
    sw = _starts_with(starts_with)
    if not isinstance(reverse, bool):
        raise TypeError(f"reverse must be a bool, not {type(reverse).__name__}")
    limit = _limit(limit)
    if d._ttl is None:
        return _keys(d.store, d._naming, parts, lo, hi, sw, reverse, limit)
    keys = _live_keys(d, _keys(d.store, d._naming, parts, lo, hi, sw, reverse, None),
                      first=min(limit or 8, 1000))
    return keys if limit is None else islice(keys, limit)


def query(d: PersiDict, prefix: Any = (), *, start: Any = None, stop: Any = None,
          starts_with: str | None = None, reverse: bool = False, limit: int | None = None,
          where: Callable[[Any], Any] | None = None) -> Iterator[tuple[SafeStrTuple, Any]]:
    """``(key, value)`` of the items under ``prefix`` in sort-key order, those whose
    value satisfies ``where``, at most ``limit`` of them (counted after ``where``).

    Raises:
        TypeError, ValueError: for a bad argument, naming it.
    """
    _check_callable("where", where)
    limit = _limit(limit)
    parts = _prefix(prefix)
    lo, hi = _sort_key("start", start), _sort_key("stop", stop)
    sw = _starts_with(starts_with)
    if not isinstance(reverse, bool):
        raise TypeError(f"reverse must be a bool, not {type(reverse).__name__}")
    # With TTL the values read say which items live (_read_items drops the others),
    # so the keys are not judged by a listing too; the limit counts live items.
    late = where is not None or d._ttl is not None
    keys = _keys(d.store, d._naming, parts, lo, hi, sw, reverse, None if late else limit)
    if where is None and late and limit is not None:
        return _live_items(d, keys, limit)
    items = d._read_items(keys)
    if where is not None:
        items = ((key, value) for key, value in items if where(value))
    return items if limit is None or not late else islice(items, limit)


def filter_values(d: PersiDict, pred: Callable[[Any], Any]) -> Iterator[Any]:
    """The values for which ``pred(value)`` holds, in key order."""
    _check_callable("pred", pred, allow_none=False)
    return (value for _, value in query(d, where=pred))


def first_value(d: PersiDict, pred: Callable[[Any], Any]) -> Any:
    """The first value in key order for which ``pred(value)`` holds, or ``None``."""
    return next(filter_values(d, pred), None)


# --- TTL: judging listed keys


def _live_items(d: PersiDict, keys: Iterator[SafeStrTuple],
                limit: int) -> Iterator[tuple[SafeStrTuple, Any]]:
    """``limit`` live items of ``keys``, read as many at a time as are still wanted,
    so that reads do not run far past the limit when little has expired."""
    while limit > 0:
        chunk = list(islice(keys, limit))
        if not chunk:
            return
        for item in d._read_items(chunk):
            yield item
            limit -= 1


def _live_keys(d: PersiDict, keys: Iterator[SafeStrTuple], *,
               first: int = 8) -> Iterator[SafeStrTuple]:
    """The live ones of ``keys`` (in sort-key order), judged by :meth:`TTL.live_infos`
    over :meth:`Store.folder_infos` of each run of keys in one folder: a growing
    chunk (``first`` keys, the limit if there is one, then doubling to 1,000), so a
    small ``limit`` lists little."""
    ttl, store = d._ttl, d.store
    assert ttl is not None
    indexes: dict[str, list[ItemInfo]] = {}  # a folder's #index entries, listed once
    size = first
    while True:
        chunk = list(islice(keys, size))
        if not chunk:
            return
        size = min(2 * size, 1000)
        names = [d._name_of(key) for key in chunk]
        live: set[str] = set()
        start = 0
        while start < len(names):  # each run of names in one folder
            folder = names[start].rpartition("/")[0]
            end = start
            while end < len(names) and names[end].rpartition("/")[0] == folder:
                end += 1
            cut = len(folder) + 1 if folder else 0
            leaves = sorted(name[cut:] for name in names[start:end])
            index: list[ItemInfo] = []
            if ttl.per_item:
                if folder not in indexes:
                    indexes[folder] = list(store.folder_infos(folder, [], index=True))
                index = indexes[folder]
            listed = [*index, *store.folder_infos(folder, leaves)]
            live.update(info.name for info in ttl.live_infos(store, listed))
            start = end
        yield from (key for key, name in zip(chunk, names, strict=True) if name in live)


# --- walking the folders


def _keys(store: Store, naming: Naming, parts: SortKey, lo: SortKey | None,
          hi: SortKey | None, sw: str, reverse: bool,
          limit: int | None) -> Iterator[SafeStrTuple]:
    if lo is not None and hi is not None and lo >= hi:
        return iter(())
    folder = naming.dir_name(parts) if parts else ""
    keys = _walk(store, naming, folder, parts, lo, hi, sw, reverse)
    return keys if limit is None else islice(keys, limit)


def _walk(store: Store, naming: Naming, folder: str, parts: SortKey, lo: SortKey | None,
          hi: SortKey | None, sw: str, reverse: bool) -> Iterator[SafeStrTuple]:
    entries: Any = _Level(store, naming, folder, lo, hi, sw, whole=reverse)
    if reverse:
        entries = reversed(list(entries))
    for part, kind, entry in entries:
        key = (*parts, part)
        if kind == _LEAF:
            yield SafeStrTuple._trusted(key)
            continue
        sub_lo = lo[1:] if lo is not None and part == lo[0] and len(lo) > 1 else None
        sub_hi = hi[1:] if hi is not None and part == hi[0] else None
        below = f"{folder}/{entry[:-1]}" if folder else entry[:-1]
        yield from _walk(store, naming, below, key, sub_lo, sub_hi, "", reverse)


class _Level:
    """The entries ``(part, kind, entry)`` of one folder in tuple order of their parts,
    within the bounds (``lo``, ``hi``: the rest of start and stop at this depth).
    ``whole``: all of them are wanted, so list to the end rather than look up prefixes."""

    def __init__(self, store: Store, naming: Naming, folder: str, lo: SortKey | None,
                 hi: SortKey | None, sw: str, *, whole: bool = False) -> None:
        self.store, self.naming, self.folder = store, naming, folder
        self.lo, self.hi, self.sw, self.whole = lo, hi, sw, whole
        self.heap: list[tuple[str, int, str]] = []
        self.ahead: set[str] = set()  # entries a look-up found before the listing got there
        self.settled: set[str] = set()
        self.last: str | None = ""  # the listing is past every entry <= last (None: all)
        self.past_stop = False  # an entry beyond stop was listed

    def __iter__(self) -> Iterator[tuple[str, int, str]]:
        heap = self.heap
        chunks = self.store.folder_entries(self.folder, starts_with=self.sw,
                                           after=self.lo[0] if self.lo else "")
        more = True
        while True:
            if heap and not (self.whole and more and not self.past_stop):
                part = heap[0][0]
                if self.last is not None:
                    unsettled = [x for x in self._prefixes(part) if not self._passed(x)]
                    if unsettled:
                        for x in unsettled:
                            self._look_up(x)
                        continue  # a prefix found comes first
                if self._beyond(part):
                    return  # past stop; no prefix of part is left to come
                yield heappop(heap)
            elif not more:
                return
            else:
                chunk, more = next(chunks, ([], False))
                if self.ahead:
                    chunk = [entry for entry in chunk if entry not in self.ahead]
                found = self._decoded(chunk)
                if not more and not heap:  # the rest of the folder at once (always, on disk)
                    found.sort()
                    for item in found:
                        if self._beyond(item[0]):
                            return
                        yield item
                    return
                for item in found:
                    heappush(heap, item)
                if chunk:
                    self.last = chunk[-1]
                if not more:
                    self.last = None

    def _decoded(self, entries: list[str]) -> list[tuple[str, int, str]]:
        """``(part, kind, entry)`` of the entries that are keys' at or after start."""
        part_of, sw, lo = self.naming.part, self.sw, self.lo
        found = []
        for entry in entries:
            part = part_of(entry)
            if part is None or not part.startswith(sw):
                continue
            kind = _FOLDER if entry[-1] == "/" else _LEAF
            if lo is not None and (part < lo[0] or (part == lo[0] and kind == _LEAF
                                                    and len(lo) > 1)):
                continue
            found.append((part, kind, entry))
            if self._beyond(part):
                self.past_stop = True
        return found

    def _beyond(self, part: str) -> bool:
        """Whether ``part``'s keys all sort at or after stop."""
        hi = self.hi
        return hi is not None and (part > hi[0] or (part == hi[0] and len(hi) == 1))

    def _prefixes(self, part: str) -> Iterator[str]:
        """The proper prefixes of ``part`` that may hold keys in range and are not
        settled yet."""
        lo = self.lo
        for end in range(max(len(self.sw), 1), len(part)):
            x = part[:end]
            if x in self.settled or x in (".", "..") or (lo is not None and x < lo[0]) \
                    or self._beyond(x):
                continue
            yield x

    def _passed(self, x: str) -> bool:
        last = self.last
        return last is None or self._folder_entry(x) <= last  # the leaf sorts before it

    def _folder_entry(self, x: str) -> str:
        return self.naming.dir_name((x,)) + "/"

    def _look_up(self, x: str) -> None:
        """List from ``x``'s leaf entry to its folder entry, and keep those two unless
        the listing has given them already."""
        leaf, folder = self.naming.name((x,)), self._folder_entry(x)
        last = self.last or ""
        for chunk, more in self.store.folder_entries(
                self.folder, starts_with=self.naming.dir_name((x,)), after=_just_before(leaf)):
            found = [entry for entry in chunk if entry in (leaf, folder) and entry > last]
            self.ahead.update(found)
            for item in self._decoded(found):
                heappush(self.heap, item)
            if not more or (chunk and chunk[-1] >= folder):
                break
        self.settled.add(x)


def _just_before(entry: str) -> str:
    """The greatest string below ``entry`` as far as names of keys can tell: one less
    in the last character, then DEL, which sorts above every key character."""
    return entry[:-1] + chr(ord(entry[-1]) - 1) + "\x7f"


# --- arguments


def _prefix(prefix: Any) -> SortKey:
    if isinstance(prefix, (tuple, list)) and not prefix:
        return ()
    try:
        return tuple(SafeStrTuple(prefix))
    except (TypeError, ValueError) as e:
        raise type(e)(f"prefix: {e}") from None


def _sort_key(name: str, value: Any) -> SortKey | None:
    if value is None:
        return None
    try:
        return tuple(SafeStrTuple(value))
    except (TypeError, ValueError) as e:
        raise type(e)(f"{name} must be a sort key (a str or a tuple of key parts): {e}") \
            from None


def _starts_with(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"starts_with must be a str, not {type(value).__name__}")
    bad = sorted(set(value) - _SAFE_CHARS)  # the public set may have been changed
    if not value or bad or len(value) >= SAFE_STRING_MAX_LENGTH:
        raise ValueError(f"starts_with must be the start of a key part (1 to"
                         f" {SAFE_STRING_MAX_LENGTH - 1} safe characters), not {value!r}"
                         + (f": {bad} are not allowed" if bad else ""))
    return value


def _limit(limit: Any) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be an int or None, not {type(limit).__name__}")
    if limit <= 0:
        raise ValueError(f"limit must be positive, not {limit}")
    return limit


def _check_callable(name: str, fn: Any, *, allow_none: bool = True) -> None:
    if fn is None and allow_none:
        return
    if not callable(fn):
        raise TypeError(f"{name} must be callable, not {type(fn).__name__}")
