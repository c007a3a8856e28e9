"""TTL: items that expire a fixed time after their last write.

The contract: an item whose last write is ``ttl`` seconds old or older is
absent to every read, and no read ever serves it. Whose clock decides: the
store's write time (a folder: the writer's clock, as the file's mtime; S3: the
server's Last-Modified, in whole seconds), compared with the reader's clock
(:data:`clock`, which tests replace). Expired items are removed only by a
delete conditional on the version seen (its etag), never blindly, so a value
that another process rewrote meanwhile survives; a create over an expired
item is likewise a conditional replace of that version.

A dict without TTL holds ``None`` instead of a :class:`TTL` and never calls here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from numbers import Real
from typing import Any

from .stores import ItemInfo, Store

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


Group = tuple[str, list[str]]
StampedGroup = tuple[str, list[str], list[float]]


class TTL:
    """A dict-wide time to live of ``seconds``; what a dict with ``ttl=`` holds.

    >>> from persidict.stores import MemoryStore
    >>> store = MemoryStore()
    >>> _ = store.write("k.pkl", b"v")
    >>> TTL(60).is_live(store.stat("k.pkl")), TTL(60).is_live(store.stat("k.pkl"), now=1e12)
    (True, False)
    """

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def cutoff(self) -> float:
        """Items last written at or before this time are expired now."""
        return clock() - self.seconds

    def is_live(self, info: ItemInfo, now: float | None = None) -> bool:
        """Whether the version ``info`` describes has not expired."""
        return info.mtime > (clock() if now is None else now) - self.seconds

    def is_fresh(self, mtime: float) -> bool:
        """Whether a version last written at ``mtime`` has not expired."""
        return mtime > clock() - self.seconds

    # --- listings: the mtimes the listing gives, never a request per key

    def live_infos(self, infos: Iterable[ItemInfo]) -> Iterator[ItemInfo]:
        """The infos of a listing whose items are live (one clock reading for all)."""
        cutoff = self.cutoff()
        return (info for info in infos if info.mtime > cutoff)

    def live_stamped(self, store: Store, suffix: str) -> Iterator[StampedGroup]:
        """As ``store.mtimes_by_folder(suffix)``, without the expired items."""
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

    # --- writes and deletes conditional on the version seen

    def create(self, store: Store, name: str, data: bytes) -> bool:
        """``store.create``, also over an expired version (replaced only if it is
        still that version); ``False`` if a live version is there."""
        while True:
            if store.create(name, data):
                return True
            try:
                info = store.stat(name)
            except KeyError:  # deleted since: create again
                continue
            if self.is_live(info):
                return False
            if store.replace(name, data, info.etag):
                return True

    def delete(self, store: Store, name: str) -> bool:
        """Delete ``name`` if live and return True; an expired version is deleted
        too (if still that version), but counts as absent (False)."""
        while True:
            try:
                info = store.stat(name)
            except KeyError:
                return False
            if not self.is_live(info):
                store.delete_if(name, info.etag)
                return False
            if store.delete_if(name, info.etag):
                return True

    def purge(self, store: Store, infos: Iterable[ItemInfo]) -> int:
        """Delete each expired item of ``infos`` if it is still the version listed;
        return how many were deleted."""
        cutoff = self.cutoff()
        return sum(1 for info in infos
                   if info.mtime <= cutoff and store.delete_if(info.name, info.etag))
