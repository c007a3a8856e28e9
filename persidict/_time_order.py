"""The time-order half of PersiDict: keys by the time of their last write, from the
listing alone (``keys_and_timestamps``), and the newest or oldest of them."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from . import history as _history
from .safe_str_tuple import SafeStrTuple
from .stores import ItemInfo
from .stores._base import infos_by_folder

if TYPE_CHECKING:
    from .persi_dict import PersiDict


def keys_and_timestamps(d: PersiDict[Any]) -> Iterator[tuple[SafeStrTuple, float]]:
    """``(key, timestamp)`` of every live item, from the listing alone."""
    keyed, suffix = d._naming.keyed, d._naming.suffix
    groups = d.store.mtimes_by_folder(suffix) if d._ttl is None \
        else d._ttl.live_stamped(d.store, suffix)
    for folder, leaves, mtimes in groups:
        yield from keyed(folder, leaves, mtimes)


def items_and_timestamps(d: PersiDict[Any]) -> Iterator[tuple[SafeStrTuple, Any, float]]:
    """``(key, value, timestamp)`` of every item, values read concurrently."""
    stamps = dict(keys_and_timestamps(d))
    for key, value in d._read_items(stamps):
        yield key, value, stamps[key]


def by_time(d: PersiDict[Any], max_n: int | None, newest: bool) -> list[SafeStrTuple]:
    """The ``max_n`` newest (or oldest) keys, in that order; all if ``max_n`` is None.

    Raises:
        TypeError: if ``max_n`` is not an int or None.
    """
    if max_n is not None and (isinstance(max_n, bool) or not isinstance(max_n, int)):
        raise TypeError(f"max_n must be an int or None, not {type(max_n).__name__}")
    if max_n is not None and max_n <= 0:
        return []
    if newest and max_n is not None and _history.keeps_history(d):
        return _history.newest_keys(d, max_n)
    if max_n is not None and d._ttl is None:
        in_order = d.store.names_by_time(d._naming.suffix, newest=newest)
        if in_order is not None:  # the store reads only as far as the first max_n keys
            return _first_keys(d, in_order, max_n)
    pairs = keys_and_timestamps(d)
    if max_n is None:
        ordered = sorted(pairs, key=itemgetter(1), reverse=newest)
    else:
        pick = heapq.nlargest if newest else heapq.nsmallest
        ordered = pick(max_n, pairs, key=itemgetter(1))
    return [key for key, _ in ordered]


def keys_and_infos(d: PersiDict[Any]) -> Iterator[tuple[SafeStrTuple, ItemInfo]]:
    """``(key, info)`` of every live item (its time, etag and size in the store),
    from the listing alone."""
    naming = d._naming
    live = None if d._ttl is None else {key for key, _ in keys_and_timestamps(d)}
    for folder, infos in infos_by_folder(d.store.infos(naming.suffix)):
        leaves = [info.name.rpartition("/")[2] for info in infos]
        for key, info in naming.keyed(folder, leaves, infos):
            if live is None or key in live:
                yield key, info


def _first_keys(d: PersiDict[Any], names: Iterator[tuple[str, float]],
                max_n: int) -> list[SafeStrTuple]:
    """The keys of the first ``max_n`` names that are keys' names."""
    found: list[SafeStrTuple] = []
    keyed = d._naming.keyed
    for name, mtime in names:
        folder, _, leaf = name.rpartition("/")
        found.extend(key for key, _ in keyed(folder, [leaf], [mtime]))
        if len(found) >= max_n:
            break
    return found
