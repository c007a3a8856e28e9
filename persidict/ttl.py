"""TTL: items that expire a fixed time after their last write.

The contract: an item whose last write is ``ttl`` seconds old or older is
absent to every read, and no read ever serves it. Whose clock decides: the
store's write time (a folder: the writer's clock, as the file's mtime; S3: the
server's Last-Modified, in whole seconds), compared with the reader's clock
(:data:`clock`, which tests replace). Expired items are removed only by a
delete conditional on the version seen (its etag), never blindly, so a value
that another process rewrote meanwhile survives; a create over an expired
item is likewise a conditional replace of that version.

Per-item expiry (``d.set(k, v, ttl=...)``, on a dict with ``item_ttl=True``) is
stored in the value's own bytes, in one write: a header ``HEADER + b"<expiry>\n"``
before the encoded value. ``HEADER`` starts with byte 0xFF, which no UTF-8 text
(so no JSON or text value) and no pickle, LZ4 frame or joblib file starts with.
Items written without it keep the plain format byte for byte. For listings, which
must not read every value, the writer first writes an empty index object
``<folder>/#index/<expiry>~<md5 of the value bytes>~<leaf>``; an entry applies only
to a listed value whose content matches it (S3: the listing's ETag is that MD5;
folders and memory: the value's own header is read, for indexed values only), so
a stale entry (a crashed writer, an overwrite) never hides a live item.

A dict without TTL holds ``None`` instead of a :class:`TTL`; it calls here only to
strip the header of a value another handle wrote with its own expiry.

Entry points for code that lists or writes by itself: :meth:`TTL.live_infos`
(a listing in, the live values out) and :func:`framed` (a value's bytes with its
expiry, and its index entry's name).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from numbers import Real
from typing import TYPE_CHECKING, Any

from ._ttl_bytes import HEADER as HEADER  # re-exported: the bytes' format, for tests
from ._ttl_bytes import _parse_entry, index_name, is_index_folder, split_expiry, with_expiry
from .stores import ItemInfo, Store
from .stores._base import INDEX_DIR, infos_by_folder

if TYPE_CHECKING:
    from .persi_dict import PersiDict

clock: Callable[[], float] = time.time
"""The reader's clock (POSIX seconds). Tests replace it; nothing else should."""


def check_ttl(ttl: Any, what: str = "ttl") -> float | None:
    """``ttl`` as a float, or ``None``.

    Raises:
        TypeError: if ``ttl`` is not a real number (bools and str included) or None.
        ValueError: if it is not positive and finite (NaN, inf, 0, negative).
    """
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, Real):
        raise TypeError(f"{what} must be a number of seconds or None, not {type(ttl).__name__}")
    seconds = float(ttl)
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{what} must be a positive finite number of seconds, not {ttl!r}")
    return seconds


def lifecycle_days(days: Any, ttl: float | None) -> int:
    """The whole days of an S3 expiration rule: ``days``, or ``ttl`` rounded up.

    Raises:
        TypeError: if ``days`` is not an int or None.
        ValueError: if ``days`` is not positive, or is None with no ``ttl``.
    """
    if days is None:
        if ttl is None:
            raise ValueError("days must be given for a dict without ttl")
        return max(1, math.ceil(ttl / 86400))
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int or None, not {type(days).__name__}")
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    return days


INDEX_GRACE = 3600.0  # seconds an unmatched index entry is kept for a writer still at work


def framed(name: str, data: bytes, seconds: float) -> tuple[bytes, str]:
    """What to store for value ``name`` (encoded as ``data``) so that it expires
    ``seconds`` from now: its bytes, and the name of its index entry, which must be
    written (empty) before them."""
    expires = clock() + seconds
    content = with_expiry(data, expires)
    return content, index_name(name, expires, content)


StampedGroup = tuple[str, list[str], list[float]]
Group = tuple[str, list[str]]


class TTL:
    """The expiry rule a dict holds: ``seconds`` after the last write (``None``:
    never), and with ``per_item`` the expiries written by ``d.set(..., ttl=)``.

    >>> from persidict.stores import MemoryStore
    >>> store = MemoryStore()
    >>> _ = store.write("k.pkl", b"v")
    >>> TTL(60).is_live(store.stat("k.pkl")), TTL(60).is_live(store.stat("k.pkl"), now=1e12)
    (True, False)
    """

    __slots__ = ("per_item", "seconds")

    def __init__(self, seconds: float | None, per_item: bool = False) -> None:
        self.seconds = seconds
        self.per_item = per_item

    def cutoff(self, now: float | None = None) -> float:
        """Items last written at or before this time are expired by the dict's rule."""
        if self.seconds is None:
            return -math.inf
        return (clock() if now is None else now) - self.seconds

    def is_fresh(self, mtime: float, data: bytes | None = None) -> bool:
        """Whether a version last written at ``mtime`` is live (by its own expiry,
        if it has one in ``data`` and this rule is ``per_item``; else by the dict's)."""
        if self.per_item and data is not None and data[:1] == b"\xff":
            expiry = split_expiry(data)[0]
            if expiry is not None:
                return expiry > clock()
        return self.seconds is None or mtime > clock() - self.seconds

    def is_live(self, info: ItemInfo, data: bytes | None = None,
                now: float | None = None) -> bool:
        """Whether the version ``info`` describes (with its bytes ``data``, which a
        per-item rule needs) has not expired."""
        now = clock() if now is None else now
        if self.per_item and data is not None:
            expiry = split_expiry(data)[0]
            if expiry is not None:
                return expiry > now
        return info.mtime > self.cutoff(now)

    def expires_at(self, info: ItemInfo, data: bytes) -> float | None:
        """When the version read expires (``None``: never)."""
        if self.per_item:
            expiry = split_expiry(data)[0]
            if expiry is not None:
                return expiry
        return None if self.seconds is None else info.mtime + self.seconds

    # --- listings: what the listing gives, never a request per key

    def live_infos(self, store: Store, infos: Iterable[ItemInfo]) -> Iterator[ItemInfo]:
        """The infos of the live values in a listing of ``store`` (as
        ``store.infos()`` gives it: a folder's index entries, if any, before its
        values; the entries themselves are not yielded). One clock reading for all.
        A listing that starts inside a folder (a bounded query) must list that
        folder's ``#index/`` first, or per-item expiries are not seen."""
        if not self.per_item:
            cutoff = self.cutoff()
            return (info for info in infos if info.mtime > cutoff)
        return (info for _, judged in self._judged(store, infos, clock())
                for info, expired in judged if not expired)

    def live_stamped(self, store: Store, suffix: str) -> Iterator[StampedGroup]:
        """As ``store.mtimes_by_folder(suffix)``, without the expired items."""
        if self.per_item:
            for folder, infos in self._judged(store, store.infos(suffix), clock()):
                live = [info for info, expired in infos if not expired]
                if live:
                    yield folder, [i.name.rpartition("/")[2] for i in live], \
                        [i.mtime for i in live]
            return
        cutoff = self.cutoff()
        for folder, leaves, mtimes in store.mtimes_by_folder(suffix):
            if min(mtimes) > cutoff:  # the usual case: nothing expired here
                yield folder, leaves, mtimes
                continue
            kept = [(leaf, mtime) for leaf, mtime in zip(leaves, mtimes, strict=True)
                    if mtime > cutoff]
            if kept:
                yield folder, [leaf for leaf, _ in kept], [mtime for _, mtime in kept]

    def live_groups(self, store: Store, suffix: str) -> Iterator[Group]:
        """As ``store.names_by_folder(suffix)``, without the expired items."""
        for folder, leaves, _ in self.live_stamped(store, suffix):
            yield folder, leaves

    def _judged(self, store: Store, listing: Iterable[ItemInfo], now: float,
                entries: list[ItemInfo] | None = None,
                ) -> Iterator[tuple[str, list[tuple[ItemInfo, bool]]]]:
        """``(folder, [(info, expired)])`` of the values listed, each judged by its
        index entries (listed before it) or by the dict's rule. Index infos are
        appended to ``entries`` if given."""
        index: dict[str, list[tuple[float, str]]] = {}
        cutoff = self.cutoff(now)
        for folder, infos in infos_by_folder(listing):
            if is_index_folder(folder):
                parent = folder[:-len(INDEX_DIR)]
                for info in infos:
                    parsed = _parse_entry(info.name.rpartition("/")[2])
                    if parsed is not None:
                        index.setdefault(parent + parsed[2], []).append(parsed[:2])
                if entries is not None:
                    entries.extend(infos)
                continue
            judged = []
            for info in infos:
                expiry = self._indexed_expiry(store, info, index.get(info.name))
                expired = expiry <= now if expiry is not None else info.mtime <= cutoff
                judged.append((info, expired))
            yield folder, judged

    def _indexed_expiry(self, store: Store, info: ItemInfo,
                        found: list[tuple[float, str]] | None) -> float | None:
        if not found:
            return None
        if store.content_md5_in_listing:
            return next((expiry for expiry, digest in found if digest == info.etag), None)
        data = store.read_or_none(info.name)  # indexed values only: read their header
        return None if data is None else split_expiry(data)[0]

    # --- writes and deletes conditional on the version seen

    def _version(self, store: Store, name: str) -> tuple[ItemInfo, bytes | None]:
        if self.per_item:
            data, info = store.read_with_info(name)
            return info, data
        return store.stat(name), None

    def create(self, store: Store, name: str, data: bytes) -> bool:
        """``store.create``, also over an expired version (replaced only if it is
        still that version); ``False`` if a live version is there."""
        while True:
            if store.create(name, data):
                return True
            try:
                info, old = self._version(store, name)
            except KeyError:  # deleted since: create again
                continue
            if self.is_live(info, old):
                return False
            if store.replace(name, data, info.etag):
                return True

    def delete(self, store: Store, name: str) -> bool:
        """Delete ``name`` if live and return True; an expired version is deleted
        too (if still that version), but counts as absent (False)."""
        while True:
            try:
                info, data = self._version(store, name)
            except KeyError:
                return False
            if not self.is_live(info, data):
                store.delete_if(name, info.etag)
                return False
            if store.delete_if(name, info.etag):
                return True

    def purge(self, store: Store, suffix: str, is_key: Callable[[str], bool]) -> int:
        """Delete each expired item (whose name ``is_key``) if it is still the version
        listed; then the index entries that can no longer match. Return how many
        items were deleted."""
        now = clock()
        entries: list[ItemInfo] = []
        kept: set[tuple[str, str]] = set()  # (name, etag) of values still there
        deleted = 0
        kept_names: set[str] = set()
        for _, judged in self._judged(store, store.infos(suffix), now, entries):
            for info, expired in judged:
                if not is_key(info.name):
                    continue
                if expired and store.delete_if(info.name, info.etag):
                    deleted += 1
                else:
                    kept.add((info.name, info.etag))
                    kept_names.add(info.name)
        for entry in entries:
            if entry.mtime <= now - INDEX_GRACE \
                    and not self._may_match(store, entry, kept, kept_names):
                store.delete_if(entry.name, entry.etag)
        return deleted

    def _may_match(self, store: Store, entry: ItemInfo, kept: set[tuple[str, str]],
                   kept_names: set[str]) -> bool:
        folder, _, leaf = entry.name.rpartition("/")
        parsed = _parse_entry(leaf)
        if parsed is None:
            return False
        name = folder[:-len(INDEX_DIR)] + parsed[2]
        if store.content_md5_in_listing:
            return (name, parsed[1]) in kept
        if name not in kept_names:
            return False
        data = store.read_or_none(name)
        return data is not None and split_expiry(data)[0] == parsed[0]


# --- the dict's reads and writes with TTL (PersiDict's thin methods call these)


def read_fresh(store: Store, rule: TTL, key: Any, name: str) -> bytes:
    """The stored bytes of ``name`` (``d[key]``: one read, judged by its own mtime).

    Raises:
        KeyError: ``KeyError(key)`` if absent or expired.
    """
    try:
        data, mtime = store.read_with_mtime(name)
    except KeyError:
        raise KeyError(key) from None
    if not rule.is_fresh(mtime, data):
        raise KeyError(key)
    return data


def read_live(store: Store, rule: TTL | None, key: Any, name: str) -> tuple[bytes, ItemInfo]:
    """The bytes and info of ``name`` (``rule`` None: no TTL).

    Raises:
        KeyError: ``KeyError(key)`` if absent or expired.
    """
    try:
        data, info = store.read_with_info(name)
    except KeyError:
        raise KeyError(key) from None
    if rule is not None and not rule.is_live(info, data):
        raise KeyError(key)
    return data, info


def contains(store: Store, rule: TTL, key: Any, name: str) -> bool:
    """``key in d``: a stat, or a read when the expiry may be in the bytes."""
    try:
        if rule.per_item:
            read_live(store, rule, key, name)
            return True
        return rule.is_fresh(store.mtime(name))
    except KeyError:
        return False


def info(store: Store, rule: TTL, key: Any, name: str) -> ItemInfo:
    """The info of the live version of ``name``.

    Raises:
        KeyError: ``KeyError(key)`` if absent or expired.
    """
    if rule.per_item:
        return read_live(store, rule, key, name)[1]
    try:
        found = store.stat(name)
    except KeyError:
        raise KeyError(key) from None
    if not rule.is_live(found):
        raise KeyError(key)
    return found


def timestamp(store: Store, rule: TTL, key: Any, name: str) -> float:
    """``d.timestamp(key)`` of a live item.

    Raises:
        KeyError: ``KeyError(key)`` if absent or expired.
    """
    if rule.per_item:
        return read_live(store, rule, key, name)[1].mtime
    try:
        mtime = store.mtime(name)
    except KeyError:
        raise KeyError(key) from None
    if not rule.is_fresh(mtime):
        raise KeyError(key)
    return mtime


def purge_expired(d: PersiDict[Any], rule: TTL) -> int:
    """``d.purge_expired()``: :meth:`TTL.purge` of the names that are ``d``'s keys."""
    keyed = d._naming.key
    return rule.purge(d.store, d._naming.suffix, lambda name: keyed(name) is not None)


def set_with_ttl(d: PersiDict[Any], key: Any, value: Any, seconds: float) -> None:
    """``d.set(key, value, ttl=seconds)``: the index entry, then the framed value.

    Raises:
        ValueError: if ``d`` was not opened with ``item_ttl=True`` (nothing written).
        KeyError: on a write-once dict where ``key`` is live.
    """
    name = d._name_of(key)
    if not d.item_ttl:
        raise ValueError("set(..., ttl=) needs a dict opened with item_ttl=True (every"
                         " handle of the store should be, so that all of them see"
                         " per-item expiries)")
    data, index = framed(name, d._encode(value), seconds)
    d.store.write(index, b"")  # before the value: see the module docstring
    if not d.immutable_items:
        d.store.write(name, data)
    elif not d._create(name, data):
        raise KeyError(f"{key!r} is already set and this dict is write-once"
                       " (immutable_items=True)")
